/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for base/money: every accepted spelling in both languages, every error message,
 * formatting per language, the int64 limits and round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/money.h"

#define NBSP "\xc2\xa0"
#define NNBSP "\xe2\x80\xaf"
#define EURO "\xe2\x82\xac"

/* A value parse must never write on failure, and never produce on success. */
#define SENTINEL ((int64_t)-777)

static const struct currency *cur_get(const char *code)
{
    const struct currency *cur = currency_find(code);

    assert_non_null(cur);
    return cur;
}

/* Parse text in lang with EUR as fallback and check amount and currency. */
static void check_parse(const char *text, enum lang lang, int64_t want_minor, const char *want_code)
{
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t amount = SENTINEL;
    int rc = money_parse(text, lang, cur_get("EUR"), &amount, &cur, &err);

    if (rc != 0) {
        print_error("parse '%s' (%s): %s\n", text, lang == LANG_FR ? "fr" : "en", err.msg);
    }
    assert_int_equal(rc, 0);
    if (amount != want_minor) {
        print_error("parse '%s' (%s): got %lld\n", text, lang == LANG_FR ? "fr" : "en",
                    (long long)amount);
    }
    assert_int_equal(amount, want_minor);
    assert_non_null(cur);
    assert_string_equal(cur->code, want_code);
}

/* Same in both languages. */
static void check_parse_both(const char *text, int64_t want_minor, const char *want_code)
{
    check_parse(text, LANG_FR, want_minor, want_code);
    check_parse(text, LANG_EN, want_minor, want_code);
}

/* Parse must fail with code, leave the outputs alone, and say phrase. */
static void check_error_fb(const char *text, enum lang lang, const char *fallback, int code,
                           const char *phrase)
{
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t amount = SENTINEL;
    int rc = money_parse(text, lang, cur_get(fallback), &amount, &cur, &err);

    if (rc != code || strstr(err.msg, phrase) == NULL) {
        print_error("parse '%s': rc %d, msg '%s', wanted %d and '%s'\n", text, rc, err.msg, code,
                    phrase);
    }
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, phrase));
    assert_int_equal(amount, SENTINEL);
    assert_null(cur);
    /* git style: lowercase first letter (or a quote), no final period. */
    assert_true(err.msg[0] == '\'' || (err.msg[0] >= 'a' && err.msg[0] <= 'z'));
    assert_true(err.msg[strlen(err.msg) - 1] != '.');
}

static void check_error(const char *text, enum lang lang, int code, const char *phrase)
{
    check_error_fb(text, lang, "EUR", code, phrase);
}

static void check_error_both(const char *text, int code, const char *phrase)
{
    check_error(text, LANG_FR, code, phrase);
    check_error(text, LANG_EN, code, phrase);
}

static void check_format(int64_t amount, const char *code, enum lang lang, const char *want)
{
    char buf[MONEY_FORMAT_MAX];
    int n = money_format(amount, cur_get(code), lang, buf, sizeof(buf));

    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

static void check_plain(int64_t amount, const char *code, const char *want)
{
    char buf[MONEY_FORMAT_MAX];
    int n = money_format_plain(amount, cur_get(code), buf, sizeof(buf));

    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

static void test_currency_table(void **state)
{
    const struct currency *eur = currency_find("EUR");

    (void)state;
    assert_non_null(eur);
    assert_int_equal(eur->numeric, 978);
    assert_int_equal(eur->exponent, 2);
    assert_string_equal(eur->symbol, EURO);
    assert_ptr_equal(currency_find("eur"), eur);
    assert_ptr_equal(currency_find_symbol(EURO), eur);
    assert_string_equal(currency_find_symbol("$")->code, "USD");
    assert_string_equal(currency_find_symbol("\xc2\xa3")->code, "GBP");
    assert_string_equal(currency_find_symbol("\xc2\xa5")->code, "JPY");
    assert_int_equal(cur_get("USD")->numeric, 840);
    assert_int_equal(cur_get("GBP")->numeric, 826);
    assert_int_equal(cur_get("XOF")->numeric, 952);
    assert_int_equal(cur_get("XOF")->exponent, 0);
    assert_null(cur_get("XOF")->symbol);
    assert_int_equal(cur_get("MAD")->numeric, 504);
    assert_int_equal(cur_get("MAD")->exponent, 2);
    assert_null(cur_get("MAD")->symbol);
    assert_int_equal(cur_get("JPY")->numeric, 392);
    assert_int_equal(cur_get("JPY")->exponent, 0);
    assert_int_equal(cur_get("CHF")->numeric, 756);
    assert_int_equal(cur_get("CHF")->exponent, 2);
    assert_int_equal(cur_get("XAF")->numeric, 950);
    assert_int_equal(cur_get("XAF")->exponent, 0);
    assert_null(currency_find("XYZ"));
    assert_null(currency_find("EU"));
    assert_null(currency_find("EURO"));
    assert_null(currency_find(NULL));
    assert_null(currency_find_symbol("E"));
    assert_null(currency_find_symbol(NULL));
}

static void test_parse_plain_numbers(void **state)
{
    (void)state;
    check_parse_both("10", 1000, "EUR");
    check_parse_both("10,5", 1050, "EUR");
    check_parse_both("10,50", 1050, "EUR");
    check_parse_both("10.50", 1050, "EUR");
    check_parse_both("10.5", 1050, "EUR");
    check_parse_both("0,50", 50, "EUR");
    check_parse_both("0.05", 5, "EUR");
    check_parse_both("0", 0, "EUR");
    check_parse_both("1,5", 150, "EUR");
    check_parse_both("  10  ", 1000, "EUR");
    check_parse_both("007", 700, "EUR");
    check_parse_both("10\r\n", 1000, "EUR");
}

static void test_parse_symbols(void **state)
{
    (void)state;
    check_parse_both("10" EURO, 1000, "EUR");
    check_parse_both("10 " EURO, 1000, "EUR");
    check_parse_both(EURO "10", 1000, "EUR");
    check_parse_both(EURO " 10", 1000, "EUR");
    check_parse_both("10,50 " EURO, 1050, "EUR");
    check_parse_both(EURO "10.50", 1050, "EUR");
    check_parse_both("$5", 500, "USD");
    check_parse_both("5 $", 500, "USD");
    check_parse_both("5$", 500, "USD");
    check_parse_both("\xc2\xa3"
                     "3.20",
                     320, "GBP");
    check_parse_both("1000 \xc2\xa5", 1000, "JPY");
    check_parse_both("\xc2\xa5"
                     "500",
                     500, "JPY");
}

static void test_parse_codes_and_words(void **state)
{
    (void)state;
    check_parse_both("10 EUR", 1000, "EUR");
    check_parse_both("EUR 10", 1000, "EUR");
    check_parse_both("EUR10", 1000, "EUR");
    check_parse_both("10eur", 1000, "EUR");
    check_parse_both("10 Eur", 1000, "EUR");
    check_parse_both("20 euros", 2000, "EUR");
    check_parse_both("20 euro", 2000, "EUR");
    check_parse_both("20 EUROS", 2000, "EUR");
    check_parse_both("5 USD", 500, "USD");
    check_parse_both("5 dollars", 500, "USD");
    check_parse_both("5000 XOF", 5000, "XOF");
    check_parse_both("5000 FCFA", 5000, "XOF");
    check_parse_both("5000 fcfa", 5000, "XOF");
    check_parse_both("100 MAD", 10000, "MAD");
    check_parse_both("100 DH", 10000, "MAD");
    check_parse_both("100dh", 10000, "MAD");
    check_parse_both("12,50 CHF", 1250, "CHF");
    check_parse_both("CHF 12.50", 1250, "CHF");
    check_parse_both("2500 XAF", 2500, "XAF");
    check_parse_both("500 JPY", 500, "JPY");
}

/* FCFA names both CFA francs: it follows the account's currency when that is XAF. */
static void test_parse_fcfa_follows_fallback(void **state)
{
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t amount = 0;

    (void)state;
    assert_int_equal(money_parse("500 FCFA", LANG_FR, cur_get("XAF"), &amount, &cur, &err), 0);
    assert_int_equal(amount, 500);
    assert_string_equal(cur->code, "XAF");
    assert_int_equal(money_parse("500 FCFA", LANG_FR, cur_get("EUR"), &amount, &cur, &err), 0);
    assert_string_equal(cur->code, "XOF");
    /* The fallback decides the exponent when the text names no currency. */
    assert_int_equal(money_parse("1 000", LANG_FR, cur_get("JPY"), &amount, &cur, &err), 0);
    assert_int_equal(amount, 1000);
    assert_string_equal(cur->code, "JPY");
}

static void test_parse_groups(void **state)
{
    (void)state;
    check_parse_both("1 000,00", 100000, "EUR");
    check_parse_both("1 000", 100000, "EUR");
    check_parse_both("1 000 000,50", 100000050, "EUR");
    check_parse_both("1 000 000.50", 100000050, "EUR");
    check_parse_both("1.000,00", 100000, "EUR");
    check_parse_both("1,000.50", 100050, "EUR");
    check_parse_both("1.000.000", 100000000, "EUR");
    check_parse_both("1,000,000", 100000000, "EUR");
    check_parse_both("1,000,000.50", 100000050, "EUR");
    check_parse_both("12.345.678,90 " EURO, 1234567890, "EUR");
    check_parse_both("1 000 " EURO, 100000, "EUR");
    check_parse_both("1 000,00 EUR", 100000, "EUR");
    check_parse_both(EURO "1,000.50", 100050, "EUR");
    check_parse_both("1 000 XOF", 1000, "XOF");
    check_parse_both("1 000 000 FCFA", 1000000, "XOF");
}

/* U+00A0 and U+202F: what word processors and French phones insert. */
static void test_parse_unicode_spaces(void **state)
{
    (void)state;
    check_parse_both("1" NBSP "000,00", 100000, "EUR");
    check_parse_both("1" NNBSP "000,00", 100000, "EUR");
    check_parse_both("10" NBSP EURO, 1000, "EUR");
    check_parse_both("10" NNBSP EURO, 1000, "EUR");
    check_parse_both(EURO NBSP "10", 1000, "EUR");
    check_parse_both("1" NNBSP "000" NNBSP "000,50" NNBSP EURO, 100000050, "EUR");
    check_parse_both(NBSP "10" NBSP, 1000, "EUR");
    check_parse_both("1" NBSP "000 000", 100000000, "EUR");
}

/* The rule for a lone separator followed by three digits depends on the language. */
static void test_parse_ambiguous_by_language(void **state)
{
    (void)state;
    check_parse("1.000", LANG_FR, 100000, "EUR");
    check_error("1.000", LANG_EN, MDT_E(PARSE), "too many decimals in '1.000': EUR has 2");
    check_parse("1,000", LANG_EN, 100000, "EUR");
    check_error("1,000", LANG_FR, MDT_E(PARSE), "too many decimals in '1,000': EUR has 2");
    check_parse("1.000 JPY", LANG_FR, 1000, "JPY");
    check_parse("\xc2\xa5"
                "1,000",
                LANG_EN, 1000, "JPY");
    check_error("1,000 JPY", LANG_FR, MDT_E(PARSE), "too many decimals");
    check_parse("12.500 FCFA", LANG_FR, 12500, "XOF");
    /* Three decimals fit a three-decimal currency unless grouping applies. */
    check_parse("1,500 TND", LANG_FR, 1500, "TND");
    check_parse("1,500 TND", LANG_EN, 1500000, "TND");
    check_parse("1.500 TND", LANG_EN, 1500, "TND");
    /* Two digits after the separator are decimals in both. */
    check_parse_both("1.00", 100, "EUR");
    check_parse_both("1,00", 100, "EUR");
}

static void test_parse_errors(void **state)
{
    (void)state;
    check_error("10,505", LANG_FR, MDT_E(PARSE), "too many decimals in '10,505': EUR has 2");
    check_parse("10,505", LANG_EN, 1050500, "EUR");
    check_error("10.505", LANG_EN, MDT_E(PARSE), "too many decimals in '10.505': EUR has 2");
    check_parse("10.505", LANG_FR, 1050500, "EUR");
    check_error_both("10,5055", MDT_E(PARSE), "too many decimals in '10,5055': EUR has 2");
    check_error_both("10,5 JPY", MDT_E(PARSE), "too many decimals in '10,5 JPY': JPY has none");
    check_error_both("10.00 XOF", MDT_E(PARSE), "too many decimals");
    check_error_fb("10,5", LANG_FR, "XOF", MDT_E(PARSE), "XOF has none");
    check_error_both("-3", MDT_E(PARSE), "negative amount '-3': amounts are positive");
    check_error_both("-" EURO "3", MDT_E(PARSE), "negative amount");
    check_error_both(EURO "-3", MDT_E(PARSE), "negative amount");
    check_error_both("EUR -3", MDT_E(PARSE), "negative amount");
    check_error_both("abc", MDT_E(PARSE), "'abc' is not an amount: write it like 10 or 10,50");
    check_error_both(EURO, MDT_E(PARSE), "is not an amount");
    check_error_both("EUR", MDT_E(PARSE), "'EUR' is not an amount");
    check_error_both("", MDT_E(PARSE), "amount missing");
    check_error_both("   ", MDT_E(PARSE), "amount missing");
    check_error_both(NBSP NNBSP, MDT_E(PARSE), "amount missing");
    check_error_both("10 XYZ", MDT_E(PARSE), "unknown currency 'XYZ' in '10 XYZ'");
    check_error_both("XYZ 10", MDT_E(PARSE), "unknown currency 'XYZ'");
    check_error_both("10 EUR USD", MDT_E(PARSE), "two currencies in '10 EUR USD'");
    check_error_both(EURO "10 USD", MDT_E(PARSE), "two currencies");
    check_error_both("EUR 10 " EURO, MDT_E(PARSE), "two currencies");
    check_error_both("10 " EURO " $", MDT_E(PARSE), "two currencies");
    check_error_both(",50", MDT_E(PARSE), "write 0,50");
    check_error_both(".5", MDT_E(PARSE), "write 0.5");
    check_error_both("1'000.50", MDT_E(PARSE), "is not an amount");
    check_error_both("10 00", MDT_E(PARSE), "misplaced separator in '10 00'");
    check_error_both("1 0000", MDT_E(PARSE), "misplaced separator");
    check_error_both("1000 000", MDT_E(PARSE), "misplaced separator");
    check_error_both("1,00.50", MDT_E(PARSE), "misplaced separator");
    check_error_both("1.000.000,00.00", MDT_E(PARSE), "misplaced separator");
    check_error_both("1,000.000.5", MDT_E(PARSE), "misplaced separator");
    check_error_both("1,5 000", MDT_E(PARSE), "misplaced separator");
    check_error_both("10,", MDT_E(PARSE), "misplaced separator");
    check_error_both("10,,5", MDT_E(PARSE), "misplaced separator");
    check_error_both("10 EUR 5", MDT_E(PARSE), "is not an amount");
    check_error_both("10 - 5", MDT_E(PARSE), "is not an amount");
    check_error_both("+10", MDT_E(PARSE), "is not an amount");
    check_error_both("1e5", MDT_E(PARSE), "unknown currency");
    check_error("1 000.000", LANG_EN, MDT_E(PARSE), "too many decimals");
    check_error("1 000,000", LANG_EN, MDT_E(PARSE), "misplaced separator");
}

static void test_parse_limits(void **state)
{
    char long_text[128];

    (void)state;
    check_parse_both("92233720368547758,07", INT64_MAX, "EUR");
    check_parse_both("92 233 720 368 547 758,07 " EURO, INT64_MAX, "EUR");
    check_parse_both("9223372036854775807 XOF", INT64_MAX, "XOF");
    check_parse_both("00000000000000000000000000000001", 100, "EUR");
    check_error_both("92233720368547758,08", MDT_E(RANGE),
                     "amount '92233720368547758,08' is too large");
    check_error_both("92233720368547759", MDT_E(RANGE), "is too large");
    check_error_both("9223372036854775808 XOF", MDT_E(RANGE), "is too large");
    check_error_both("99999999999999999999999999999999", MDT_E(RANGE), "is too large");
    /* 64 bytes is the most money_parse reads. */
    memset(long_text, '1', 64);
    long_text[64] = '\0';
    check_error_both(long_text, MDT_E(RANGE), "is too large");
    long_text[64] = '1';
    long_text[65] = '\0';
    check_error_both(long_text, MDT_E(PARSE), "amount too long");
    memset(long_text, ' ', 100);
    memcpy(long_text + 50, "10", 2);
    long_text[100] = '\0';
    check_error_both(long_text, MDT_E(PARSE), "amount too long");
}

/* Messages quote at most about 40 characters of the input, cut at a character boundary. */
static void test_parse_error_quote_bounded(void **state)
{
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t amount = 0;
    char text[128];
    const char *quote;

    (void)state;
    memset(text, 'a', 100);
    text[100] = '\0';
    assert_int_equal(money_parse(text, LANG_FR, cur_get("EUR"), &amount, &cur, &err), MDT_E(PARSE));
    quote = strchr(err.msg, '\'');
    assert_non_null(quote);
    assert_non_null(strstr(err.msg, "...'"));
    assert_true(strlen(err.msg) < 120);
    assert_int_equal(strchr(quote + 1, '\'') - quote - 1, 40);

    /* 36 ASCII bytes then euro signs: the cut must not split one. */
    memset(text, 'x', 36);
    strcpy(text + 36, EURO EURO EURO EURO);
    assert_int_equal(money_parse(text, LANG_FR, cur_get("EUR"), &amount, &cur, &err), MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "xxx...'"));
    assert_null(strstr(err.msg, "\xe2\x82."));

    /* Control bytes and broken UTF-8 are not echoed. */
    assert_int_equal(money_parse("\x01"
                                 "ab\xff",
                                 LANG_FR, cur_get("EUR"), &amount, &cur, &err),
                     MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "'?ab?'"));
}

static void test_parse_invalid_arguments(void **state)
{
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t amount = SENTINEL;
    const struct currency *eur = cur_get("EUR");

    (void)state;
    assert_int_equal(money_parse(NULL, LANG_FR, eur, &amount, &cur, &err), MDT_E(INVAL));
    assert_int_equal(money_parse("10", LANG_FR, NULL, &amount, &cur, &err), MDT_E(INVAL));
    assert_int_equal(money_parse("10", LANG_FR, eur, NULL, &cur, &err), MDT_E(INVAL));
    assert_int_equal(money_parse("10", LANG_FR, eur, &amount, NULL, &err), MDT_E(INVAL));
    assert_int_equal(money_parse("10", (enum lang)7, eur, &amount, &cur, &err), MDT_E(INVAL));
    assert_int_equal(amount, SENTINEL);
    /* err is optional. */
    assert_int_equal(money_parse("abc", LANG_FR, eur, &amount, &cur, NULL), MDT_E(PARSE));
    assert_int_equal(money_parse("10", LANG_FR, eur, &amount, &cur, NULL), 0);
    assert_int_equal(amount, 1000);
}

static void test_format_fr(void **state)
{
    (void)state;
    check_format(100050, "EUR", LANG_FR, "1 000,50 " EURO);
    check_format(1000, "EUR", LANG_FR, "10,00 " EURO);
    check_format(5, "EUR", LANG_FR, "0,05 " EURO);
    check_format(0, "EUR", LANG_FR, "0,00 " EURO);
    check_format(99999, "EUR", LANG_FR, "999,99 " EURO);
    check_format(100000000, "EUR", LANG_FR, "1 000 000,00 " EURO);
    check_format(1000, "JPY", LANG_FR, "1 000 \xc2\xa5");
    check_format(1000, "XOF", LANG_FR, "1 000 XOF");
    check_format(1250, "CHF", LANG_FR, "12,50 CHF");
    check_format(500, "USD", LANG_FR, "5,00 $");
    check_format(-1050, "EUR", LANG_FR, "-10,50 " EURO);
    check_format(1500, "TND", LANG_FR, "1,500 TND");
}

static void test_format_en(void **state)
{
    (void)state;
    check_format(100050, "EUR", LANG_EN, EURO "1,000.50");
    check_format(1000, "EUR", LANG_EN, EURO "10.00");
    check_format(5, "EUR", LANG_EN, EURO "0.05");
    check_format(1000, "JPY", LANG_EN,
                 "\xc2\xa5"
                 "1,000");
    check_format(1000, "XOF", LANG_EN, "XOF 1,000");
    check_format(999, "XOF", LANG_EN, "XOF 999");
    check_format(500, "USD", LANG_EN, "$5.00");
    check_format(320, "GBP", LANG_EN,
                 "\xc2\xa3"
                 "3.20");
    check_format(-1050, "EUR", LANG_EN, "-" EURO "10.50");
    check_format(-1000, "XOF", LANG_EN, "-XOF 1,000");
}

static void test_format_plain(void **state)
{
    (void)state;
    check_plain(100050, "EUR", "1000.50");
    check_plain(-5, "EUR", "-0.05");
    check_plain(0, "EUR", "0.00");
    check_plain(1000, "JPY", "1000");
    check_plain(1500, "TND", "1.500");
    check_plain(INT64_MAX, "EUR", "92233720368547758.07");
    check_plain(INT64_MIN, "EUR", "-92233720368547758.08");
    check_plain(INT64_MIN, "XOF", "-9223372036854775808");
}

static void test_format_int64_limits(void **state)
{
    (void)state;
    check_format(INT64_MAX, "EUR", LANG_FR, "92 233 720 368 547 758,07 " EURO);
    check_format(INT64_MIN, "EUR", LANG_FR, "-92 233 720 368 547 758,08 " EURO);
    check_format(INT64_MAX, "EUR", LANG_EN, EURO "92,233,720,368,547,758.07");
    check_format(INT64_MIN, "EUR", LANG_EN, "-" EURO "92,233,720,368,547,758.08");
    check_format(INT64_MIN, "XOF", LANG_FR, "-9 223 372 036 854 775 808 XOF");
    check_format(INT64_MAX, "XOF", LANG_EN, "XOF 9,223,372,036,854,775,807");
}

static void test_format_buffer_too_small(void **state)
{
    char buf[16];
    const struct currency *eur = cur_get("EUR");

    (void)state;
    /* "10,00 €" is 6 ASCII bytes plus 3 for the euro sign: 9, and 10 with the NUL. */
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(money_format(1000, eur, LANG_FR, buf, 9), MDT_E(RANGE));
    assert_string_equal(buf, "");
    assert_int_equal(buf[9], 'z');
    assert_int_equal(money_format(1000, eur, LANG_FR, buf, 10), 9);
    assert_string_equal(buf, "10,00 " EURO);
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(money_format(1000, eur, LANG_EN, buf, 1), MDT_E(RANGE));
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'z');
    assert_int_equal(money_format(1000, eur, LANG_EN, buf, 0), MDT_E(RANGE));
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'z');
    assert_int_equal(money_format_plain(100050, eur, buf, 7), MDT_E(RANGE));
    assert_string_equal(buf, "");
    assert_int_equal(money_format_plain(100050, eur, buf, 8), 7);
    assert_string_equal(buf, "1000.50");
    assert_int_equal(money_format(1000, NULL, LANG_FR, buf, sizeof(buf)), MDT_E(INVAL));
    assert_int_equal(money_format(1000, eur, LANG_FR, NULL, 10), MDT_E(INVAL));
    assert_int_equal(money_format(1000, eur, (enum lang)3, buf, sizeof(buf)), MDT_E(INVAL));
    assert_int_equal(money_format_plain(1000, NULL, buf, sizeof(buf)), MDT_E(INVAL));
}

/* The plain form reads back in English with the currency as fallback. */
static void check_plain_round_trip(int64_t amount, const struct currency *want)
{
    char buf[MONEY_FORMAT_MAX];
    struct mdt_err err = {0};
    const struct currency *got = NULL;
    int64_t back = SENTINEL;

    assert_true(money_format_plain(amount, want, buf, sizeof(buf)) > 0);
    assert_int_equal(money_parse(buf, LANG_EN, want, &back, &got, &err), 0);
    assert_int_equal(back, amount);
    assert_ptr_equal(got, want);
}

/* Whatever money_format writes, money_parse reads back in the same language. */
static void test_round_trip(void **state)
{
    static const char *const codes[] = {"EUR", "USD", "GBP", "JPY", "CHF",
                                        "XOF", "XAF", "MAD", "TND"};
    static const int64_t amounts[] = {
        0,      1,       5,       50,       999,           1000,          1050,     100050,
        123456, 1000000, 1234567, 99999999, INT64_MAX / 3, INT64_MAX - 1, INT64_MAX};
    char buf[MONEY_FORMAT_MAX];
    struct mdt_err err = {0};

    (void)state;
    for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
        const struct currency *want = cur_get(codes[c]);

        for (size_t a = 0; a < sizeof(amounts) / sizeof(amounts[0]); a++) {
            for (int lang = LANG_FR; lang <= LANG_EN; lang++) {
                const struct currency *got = NULL;
                int64_t back = SENTINEL;

                assert_true(money_format(amounts[a], want, (enum lang)lang, buf, sizeof(buf)) > 0);
                assert_int_equal(
                    money_parse(buf, (enum lang)lang, cur_get("EUR"), &back, &got, &err), 0);
                assert_int_equal(back, amounts[a]);
                assert_ptr_equal(got, want);
            }
            check_plain_round_trip(amounts[a], want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_currency_table),
        cmocka_unit_test(test_parse_plain_numbers),
        cmocka_unit_test(test_parse_symbols),
        cmocka_unit_test(test_parse_codes_and_words),
        cmocka_unit_test(test_parse_fcfa_follows_fallback),
        cmocka_unit_test(test_parse_groups),
        cmocka_unit_test(test_parse_unicode_spaces),
        cmocka_unit_test(test_parse_ambiguous_by_language),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_error_quote_bounded),
        cmocka_unit_test(test_parse_invalid_arguments),
        cmocka_unit_test(test_format_fr),
        cmocka_unit_test(test_format_en),
        cmocka_unit_test(test_format_plain),
        cmocka_unit_test(test_format_int64_limits),
        cmocka_unit_test(test_format_buffer_too_small),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
