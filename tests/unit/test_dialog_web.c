/* SPDX-License-Identifier: Apache-2.0 */
/* The dialog's steps that start on a page rather than in a message: linking a social account
 * (dialog_link_phone_web, dialog_link_finish_web), paying a post's order on its page
 * (dialog_order_confirm_web), setting a code on the enrolment page (dialog_enrol_web); and
 * campaigns: their rules, their totals, their named donors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialog_world.h"

static void test_placeholder(void **state)
{
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_placeholder, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
