/* SPDX-License-Identifier: Apache-2.0 */
/* Card details as typed (issue 13): Luhn, card numbers in groups or not, expiry forms and
 * expiry through the month's end, security codes, the mask; no error quotes a digit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/card_input.h"

static void test_luhn(void **state)
{
    (void)state;
    assert_true(card_luhn_valid("4111111111111111"));
    assert_true(card_luhn_valid("4970101234567893"));
    assert_true(card_luhn_valid("378282246310005")); /* Amex, 15 digits */
    assert_true(card_luhn_valid("79927398713"));     /* the textbook example */
    assert_false(card_luhn_valid("4111111111111112"));
    assert_false(card_luhn_valid("79927398710"));
    assert_false(card_luhn_valid("4111a11111111111"));
    assert_false(card_luhn_valid("7"));
}

static void test_pan_parse(void **state)
{
    char pan[CARD_PAN_MAX + 1];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(card_pan_parse("4111 1111 1111 1111", pan, &err), 0);
    assert_string_equal(pan, "4111111111111111");
    assert_int_equal(card_pan_parse(" 4111-1111-1111-1111 ", pan, &err), 0);
    assert_string_equal(pan, "4111111111111111");
    assert_int_equal(card_pan_parse("3782 822463 10005", pan, &err), 0);
    assert_string_equal(pan, "378282246310005");
    /* A typing error: the message says so and quotes nothing; pan is wiped. */
    assert_int_equal(card_pan_parse("4111 1111 1111 1112", pan, &err), MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "typing error"));
    assert_null(strstr(err.msg, "1111"));
    assert_string_equal(pan, "");
    assert_int_equal(card_pan_parse("4111 1111", pan, &err), MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "too short"));
    assert_int_equal(card_pan_parse("41111111111111111111", pan, &err), MDT_E(PARSE));
    assert_int_equal(card_pan_parse("4111  1111 1111 1111", pan, &err), MDT_E(PARSE));
    assert_int_equal(card_pan_parse("4111 1111 1111 111a", pan, &err), MDT_E(PARSE));
    assert_int_equal(card_pan_parse("-4111111111111111", pan, &err), MDT_E(PARSE));
    assert_int_equal(card_pan_parse("4111111111111111-", pan, &err), MDT_E(PARSE));
    assert_int_equal(card_pan_parse("", pan, &err), MDT_E(PARSE));
    assert_null(strstr(err.msg, "4111"));
}

static void test_expiry(void **state)
{
    unsigned m = 0, y = 0;
    struct mdt_err err = {0};
    /* 2026-12-07 00:00:00 UTC, and the first instant of 2027. */
    const int64_t now = 1796601600LL * 1000000, jan = 1798761600LL * 1000000;

    (void)state;
    assert_int_equal(card_expiry_parse("09/28", &m, &y, &err), 0);
    assert_int_equal(m, 9);
    assert_int_equal(y, 2028);
    assert_int_equal(card_expiry_parse("12/2026", &m, &y, &err), 0);
    assert_int_equal(y, 2026);
    assert_int_equal(card_expiry_parse(" 0130 ", &m, &y, &err), 0);
    assert_int_equal(m, 1);
    assert_int_equal(y, 2030);
    assert_int_equal(card_expiry_parse("01 30", &m, &y, &err), 0);
    assert_int_equal(card_expiry_parse("13/28", &m, &y, &err), MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "01 to 12"));
    assert_int_equal(card_expiry_parse("00/28", &m, &y, &err), MDT_E(PARSE));
    assert_int_equal(card_expiry_parse("9/28", &m, &y, &err), MDT_E(PARSE));
    assert_int_equal(card_expiry_parse("09//28", &m, &y, &err), MDT_E(PARSE));
    assert_int_equal(card_expiry_parse("09/1999", &m, &y, &err), MDT_E(PARSE));
    assert_int_equal(card_expiry_parse("09/2", &m, &y, &err), MDT_E(PARSE));
    assert_int_equal(card_expiry_parse("", &m, &y, &err), MDT_E(PARSE));
    /* Valid through the last day of its month. */
    assert_false(card_expired(12, 2026, now));
    assert_true(card_expired(11, 2026, now));
    assert_true(card_expired(12, 2026, jan));
    assert_false(card_expired(1, 2027, jan));
    assert_true(card_expired(12, 2025, now));
}

static void test_cvv(void **state)
{
    char cvv[CARD_CVV_MAX + 1];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(card_cvv_parse("123", cvv, &err), 0);
    assert_string_equal(cvv, "123");
    assert_int_equal(card_cvv_parse("1234", cvv, &err), 0);
    assert_int_equal(card_cvv_parse("12", cvv, &err), MDT_E(PARSE));
    assert_int_equal(card_cvv_parse("12345", cvv, &err), MDT_E(PARSE));
    assert_int_equal(card_cvv_parse("1 23", cvv, &err), MDT_E(PARSE));
    assert_int_equal(card_cvv_parse("12a", cvv, &err), MDT_E(PARSE));
    assert_null(strstr(err.msg, "12"));
    assert_string_equal(cvv, "");
}

static void test_mask(void **state)
{
    char out[CARD_MASK_MAX];

    (void)state;
    card_mask("497010", "7890", 6, out);
    assert_string_equal(out, "497010******7890");
    card_mask("378282", "0005", 5, out);
    assert_string_equal(out, "378282*****0005");
    card_mask("411111", "1111", 9, out);
    assert_string_equal(out, "411111*********1111");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_luhn),   cmocka_unit_test(test_pan_parse),
        cmocka_unit_test(test_expiry), cmocka_unit_test(test_cvv),
        cmocka_unit_test(test_mask),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
