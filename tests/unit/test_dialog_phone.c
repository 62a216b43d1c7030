/* SPDX-License-Identifier: Apache-2.0 */
/* What the phone channel asks of the dialog (issue 14, dialog/phone_pay.c and
 * dialog_request_confirm_phone): a payment request found by its phone reference among the
 * caller's own pending ones only, paid with the code under the request's own rules (a wrong
 * code, the right one, one webhook event, the payer's SMS receipt, single use), never by
 * another caller; whether an order waits for a code; the associations in creation order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "dialog/dialog.h"

#include "dialog_world.h"

static int phone_code(uint64_t serial, const char *payer, const char *code)
{
    struct dialog_step *s = NULL;
    int rc;

    w.nreplies = 0;
    rc = dialog_request_confirm_phone(w.dialog, (struct id128){.hi = 0xa5c, .lo = serial}, payer,
                                      code, fake_clock(), &s, NULL);

    return rc < 0 ? rc : run_step(s);
}

static void test_request_by_phone(void **state)
{
    const struct payment_request_row *r;
    char ref[DIALOG_PHONE_REF_DIGITS + 1], other[DIALOG_PHONE_REF_DIGITS + 1];
    uint64_t m;

    (void)state;
    m = open_merchant();
    enrol(B, "CODE 271828"); /* account 7 */
    topup(7, 10000);
    enrol(A, "CODE 483920");
    assert_false(dialog_order_waiting(w.dialog, B));
    assert_int_equal(request_ask(m, 2500, B, 1, NULL), 0);
    assert_true(dialog_order_waiting(w.dialog, B)); /* the request's SMS asks for the code */
    assert_int_equal(request_ask(m, 1000, B, 2, NULL), 0);
    r = dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 2});
    assert_non_null(r);
    dialog_request_phone_ref(r, ref);
    assert_int_equal(strlen(ref), DIALOG_PHONE_REF_DIGITS);
    assert_int_equal(strspn(ref, "0123456789"), DIALOG_PHONE_REF_DIGITS);
    assert_ptr_equal(dialog_request_by_phone_ref(w.dialog, B, ref, fake_clock()), r);
    assert_null(dialog_request_by_phone_ref(w.dialog, A, ref, fake_clock())); /* not A's */
    memcpy(other, ref, sizeof(other));
    other[5] = other[5] == '9' ? '0' : (char)(other[5] + 1); /* one digit off */
    assert_null(dialog_request_by_phone_ref(w.dialog, B, other, fake_clock()));

    /* Another caller cannot pay it, even with the payer's code. */
    assert_int_equal(phone_code(2, A, "271828"), MDT_E(NOTFOUND));
    assert_int_equal(phone_code(2, B, "000111"), 0);
    assert_int_equal(w.outcome, OUTCOME_WRONG_CODE);
    assert_int_equal(w.nreplies, 0); /* the call says it */
    assert_int_equal(phone_code(2, B, "271828"), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(r->state, PR_CONFIRMED);
    assert_int_equal(w.nevents, 1);
    assert_string_equal(w.events[0], "payment_request.confirmed");
    expect(0, "Payé : 10,00 € à Boutique Zoé (order 2).");
    assert_string_equal(w.reply_dest[0], B);
    assert_int_equal(account(m).credits_posted, 1000);
    assert_int_equal(phone_code(2, B, "271828"), 0);
    assert_int_equal(w.outcome, OUTCOME_NOT_PENDING); /* single use */
    assert_int_equal(account(m).credits_posted, 1000);
    assert_null(dialog_request_by_phone_ref(w.dialog, B, ref, fake_clock())); /* paid */
    assert_true(dialog_order_waiting(w.dialog, B)); /* request 1 still waits */

    /* Past its expiry a request is not found any more. */
    advance_s(3600);
    dialog_request_phone_ref(dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 1}),
                             ref);
    assert_null(dialog_request_by_phone_ref(w.dialog, B, ref, fake_clock()));
}

static void test_associations(void **state)
{
    const struct association_row *a;

    (void)state;
    a = dialog_association_at(w.dialog, 0);
    assert_non_null(a);
    assert_string_equal(a->keyword, "TELETHON");
    assert_null(dialog_association_at(w.dialog, 1));
    assert_null(dialog_association_at(w.dialog, 1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_by_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_associations, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
