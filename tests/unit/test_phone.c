/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for dialog/phone: every national and international spelling for each country of
 * the table, every refusal and its message, and masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/phone.h"

#define NBSP "\xc2\xa0"
#define NNBSP "\xe2\x80\xaf"

struct accept_case {
    const char *text;
    const char *country;
    const char *want;
};

struct refuse_case {
    const char *text;
    const char *country;
    const char *phrase; /* must appear in the message */
};

static void check_accept(const struct accept_case *c)
{
    char e164[PHONE_E164_MAX], again[PHONE_E164_MAX];
    struct mdt_err err = {0};
    int rc;

    memset(e164, 'x', sizeof(e164));
    rc = phone_normalize(c->text, c->country, e164, &err);
    if (rc != 0 || strcmp(e164, c->want) != 0) {
        print_error("'%s' (%s): rc %d, got '%s', msg '%s', wanted '%s'\n", c->text, c->country, rc,
                    e164, err.msg, c->want);
    }
    assert_int_equal(rc, 0);
    assert_string_equal(e164, c->want);
    /* E.164 is a fixed point: normalizing it again from any country gives itself. */
    assert_int_equal(phone_normalize(e164, "US", again, &err), 0);
    assert_string_equal(again, c->want);
}

static void check_refuse(const struct refuse_case *c)
{
    char e164[PHONE_E164_MAX];
    struct mdt_err err = {0};
    int rc;

    memset(e164, 'x', sizeof(e164));
    rc = phone_normalize(c->text, c->country, e164, &err);
    if (rc != MDT_E(PARSE) || strstr(err.msg, c->phrase) == NULL) {
        print_error("'%s' (%s): rc %d, got '%s', msg '%s', wanted '%s'\n", c->text, c->country, rc,
                    e164, err.msg, c->phrase);
    }
    assert_int_equal(rc, MDT_E(PARSE));
    assert_int_equal(err.code, MDT_E(PARSE));
    assert_string_equal(e164, "");
    assert_non_null(strstr(err.msg, c->phrase));
    /* git style: lowercase first letter or a quote, no final period. */
    assert_true(err.msg[0] == '\'' || (err.msg[0] >= 'a' && err.msg[0] <= 'z'));
    assert_true(err.msg[strlen(err.msg) - 1] != '.');
}

static void test_french_forms(void **state)
{
    static const struct accept_case cases[] = {
        {"0612345678", "FR", "+33612345678"},
        {"06 12 34 56 78", "FR", "+33612345678"},
        {"06.12.34.56.78", "FR", "+33612345678"},
        {"06-12-34-56-78", "FR", "+33612345678"},
        {"06/12/34/56/78", "FR", "+33612345678"},
        {"+33612345678", "FR", "+33612345678"},
        {"+33 6 12 34 56 78", "FR", "+33612345678"},
        {"0033612345678", "FR", "+33612345678"},
        {"00 33 6 12 34 56 78", "FR", "+33612345678"},
        {"33612345678", "FR", "+33612345678"},
        {"+33 (0)6 12 34 56 78", "FR", "+33612345678"},
        {"+33 06 12 34 56 78", "FR", "+33612345678"},
        {"  06 12 34 56 78  ", "FR", "+33612345678"},
        {"06" NBSP "12" NNBSP "34 56 78", "FR", "+33612345678"},
        {"\t0612345678\r\n", "FR", "+33612345678"},
        {"01 23 45 67 89", "FR", "+33123456789"},
        {"0612345678", "fr", "+33612345678"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_accept(&cases[i]);
    }
}

static void test_other_countries(void **state)
{
    static const struct accept_case cases[] = {
        {"0470 12 34 56", "BE", "+32470123456"},
        {"02 123 45 67", "BE", "+3221234567"},
        {"+32 470 12 34 56", "FR", "+32470123456"},
        {"078 123 45 67", "CH", "+41781234567"},
        {"+41 (0)78 123 45 67", "CH", "+41781234567"},
        {"06 12 34 56 78", "MA", "+212612345678"},
        {"00212 6 12 34 56 78", "FR", "+212612345678"},
        {"212612345678", "MA", "+212612345678"},
        {"77 123 45 67", "SN", "+221771234567"},
        {"+221 77 123 45 67", "FR", "+221771234567"},
        {"07 12 34 56 78", "CI", "+2250712345678"},
        {"+225 07 12 34 56 78", "FR", "+2250712345678"},
        {"07911 123456", "GB", "+447911123456"},
        {"+44 (0)7911 123456", "FR", "+447911123456"},
        {"(212) 555-1234", "US", "+12125551234"},
        {"1 212 555 1234", "US", "+12125551234"},
        {"212.555.1234", "US", "+12125551234"},
        {"011 33 6 12 34 56 78", "US", "+33612345678"},
        /* Outside the table: E.164 rules only, up to 15 digits. */
        {"+49 151 12345678", "FR", "+4915112345678"},
        {"+86 139 1234 5678", "FR", "+8613912345678"},
        {"+683 4002", "FR", "+6834002"},
        {"+999 123 456 789 012", "FR", "+999123456789012"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_accept(&cases[i]);
    }
}

static void test_refusals(void **state)
{
    static const struct refuse_case cases[] = {
        {"06123", "FR", "'06123' is too short for a French number: write it like 06 12 34 56 78"},
        {"061234567890", "FR", "'061234567890' is too long for a French number"},
        {"+33 6 12", "FR", "is too short for a French number: write it like +33 6 12 34 56 78"},
        {"+33 6 12 34 56 78 9", "FR", "is too long for a French number"},
        {"612345678", "FR", "lacks the leading 0 of a French number"},
        {"06 12 AB 56 78", "FR", "'06 12 AB 56 78' has letters"},
        {"zero six", "FR", "has letters"},
        {"", "FR", "phone number missing: write it like 06 12 34 56 78"},
        {"   ", "FR", "phone number missing"},
        {"06#12", "FR", "is not a phone number"},
        {"06+12345678", "FR", "is not a phone number"},
        {"++33612345678", "FR", "is not a phone number"},
        {"+", "FR", "is not a phone number"},
        {"--", "FR", "phone number missing"},
        {"+0612345678", "FR", "country codes do not start with 0"},
        /* Found by fuzzing: one 0 after the code is a trunk prefix, two are not a number. */
        {"+41 00591 00127", "FR", "is not a Swiss number"},
        {"+33 00 612 345 678", "FR", "is not a French number"},
        {"+123456", "FR", "too short for a North American number"},
        {"+999123", "FR", "too short for an international number"},
        {"+49 1234 5678 9012 3456", "FR", "too long for an international number"},
        {"1234567890123456789012345678", "FR", "too long for a French number"},
        {"07 12 34 56", "CI", "too short for an Ivorian number"},
        {"555 1234", "US", "too short for a North American number: write it like (212) 555-1234"},
        {"0612 345678 0612 345678 0612 345678 0612 345678 0612 345678 06 12 34", "FR",
         "too long for a phone number"},
        {"06\xc3\xa9", "FR", "is not a phone number"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_refuse(&cases[i]);
    }
}

static void test_quote_is_bounded_and_clean(void **state)
{
    char e164[PHONE_E164_MAX];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(phone_normalize("06 12 34 56 78 90 12 34 56 78 90 12 34", "FR", e164, &err),
                     MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "...'"));
    assert_int_equal(phone_normalize("06\x01"
                                     "12",
                                     "FR", e164, &err),
                     MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "'06?12'"));
}

static void test_invalid_arguments(void **state)
{
    char e164[PHONE_E164_MAX] = "junk";
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(phone_normalize("0612345678", "DE", e164, &err), MDT_E(INVAL));
    assert_string_equal(e164, "");
    assert_int_equal(phone_normalize("0612345678", NULL, e164, NULL), MDT_E(INVAL));
    assert_int_equal(phone_normalize(NULL, "FR", e164, NULL), MDT_E(INVAL));
    assert_int_equal(phone_normalize("0612345678", "FR", NULL, NULL), MDT_E(INVAL));
    assert_true(phone_country_known("FR"));
    assert_true(phone_country_known("ci"));
    assert_false(phone_country_known("DE"));
    assert_false(phone_country_known(NULL));
}

static void check_mask(const char *e164, const char *want)
{
    char out[PHONE_MASK_MAX];

    phone_mask(e164, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_mask(void **state)
{
    char small[8];

    (void)state;
    check_mask("+33612345678", "+33 6 12 .. .. 78");
    check_mask("+447911123456", "+44 7 91 .. .. 56");
    check_mask("+12125551234", "+1 2 12 .. .. 34");
    check_mask("+2250712345678", "+225 0 71 .. .. 78");
    check_mask("+212612345678", "+212 6 12 .. .. 78");
    check_mask("+999123456789012", "+999 1 23 .. .. 12");
    /* Short numbers: at least two digits stay hidden. */
    check_mask("+6834002", "+683 .. .. 02");
    check_mask("+3312345", "+33 1 .. .. 45");
    check_mask("+33123456", "+33 12 .. .. 56");
    check_mask("0612345678", "(invalid)");
    check_mask("+33 6 12", "(invalid)");
    check_mask("+0612345678", "(invalid)");
    check_mask("+1234567890123456", "(invalid)");
    check_mask("", "(invalid)");
    check_mask(NULL, "(invalid)");
    phone_mask("+33612345678", small, sizeof(small));
    assert_string_equal(small, "+33 6 1");
    phone_mask("+33612345678", small, 0);
    phone_mask("+33612345678", NULL, 10);
}

/* The mask never shows the digits in the middle of the national number. */
static void test_mask_hides_middle(void **state)
{
    static const char *const numbers[] = {"+33612345678", "+447911123456", "+4915112345678",
                                          "+8613912345678", "+6834002"};
    char out[PHONE_MASK_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        size_t digits = 0, total = strlen(numbers[i]) - 1;

        phone_mask(numbers[i], out, sizeof(out));
        for (size_t j = 0; out[j] != '\0'; j++) {
            digits += out[j] >= '0' && out[j] <= '9';
        }
        assert_true(digits + 2 <= total);
        assert_non_null(strstr(out, ".. .."));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_french_forms),      cmocka_unit_test(test_other_countries),
        cmocka_unit_test(test_refusals),          cmocka_unit_test(test_quote_is_bounded_and_clean),
        cmocka_unit_test(test_invalid_arguments), cmocka_unit_test(test_mask),
        cmocka_unit_test(test_mask_hides_middle),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
