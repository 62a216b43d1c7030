/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for dialog/speak: French and English numbers (70s, 80s, 90s, "et", plurals of vingt
 * and cent, mille, the long and short scales), amounts in every currency money.c knows, dates,
 * references, phone numbers, and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/speak.h"

struct num_case {
    int64_t n;
    const char *fr;
    const char *en;
};

static const struct num_case numbers[] = {
    {0, "zéro", "zero"},
    {1, "un", "one"},
    {16, "seize", "sixteen"},
    {17, "dix-sept", "seventeen"},
    {20, "vingt", "twenty"},
    {21, "vingt et un", "twenty-one"},
    {22, "vingt-deux", "twenty-two"},
    {31, "trente et un", "thirty-one"},
    {61, "soixante et un", "sixty-one"},
    {70, "soixante-dix", "seventy"},
    {71, "soixante et onze", "seventy-one"},
    {72, "soixante-douze", "seventy-two"},
    {77, "soixante-dix-sept", "seventy-seven"},
    {80, "quatre-vingts", "eighty"},
    {81, "quatre-vingt-un", "eighty-one"},
    {90, "quatre-vingt-dix", "ninety"},
    {91, "quatre-vingt-onze", "ninety-one"},
    {99, "quatre-vingt-dix-neuf", "ninety-nine"},
    {100, "cent", "one hundred"},
    {101, "cent un", "one hundred and one"},
    {180, "cent quatre-vingts", "one hundred and eighty"},
    {200, "deux cents", "two hundred"},
    {201, "deux cent un", "two hundred and one"},
    {280, "deux cent quatre-vingts", "two hundred and eighty"},
    {1000, "mille", "one thousand"},
    {1001, "mille un", "one thousand and one"},
    {1100, "mille cent", "one thousand one hundred"},
    {2000, "deux mille", "two thousand"},
    {21000, "vingt et un mille", "twenty-one thousand"},
    {80000, "quatre-vingt mille", "eighty thousand"},
    {200000, "deux cent mille", "two hundred thousand"},
    {1000000, "un million", "one million"},
    {2000000, "deux millions", "two million"},
    {80000000, "quatre-vingts millions", "eighty million"},
    {200000000, "deux cents millions", "two hundred million"},
    {1001000, "un million mille", "one million one thousand"},
    {1000000000, "un milliard", "one billion"},
    {INT64_C(2000000000000), "deux billions", "two trillion"},
    {-5, "moins cinq", "minus five"},
    {INT64_MAX,
     "neuf trillions deux cent vingt-trois billiards trois cent soixante-douze billions "
     "trente-six milliards huit cent cinquante-quatre millions sept cent soixante-quinze mille "
     "huit cent sept",
     "nine quintillion two hundred and twenty-three quadrillion three hundred and seventy-two "
     "trillion thirty-six billion eight hundred and fifty-four million seven hundred and "
     "seventy-five thousand eight hundred and seven"},
    {INT64_MIN,
     "moins neuf trillions deux cent vingt-trois billiards trois cent soixante-douze billions "
     "trente-six milliards huit cent cinquante-quatre millions sept cent soixante-quinze mille "
     "huit cent huit",
     "minus nine quintillion two hundred and twenty-three quadrillion three hundred and "
     "seventy-two trillion thirty-six billion eight hundred and fifty-four million seven hundred "
     "and seventy-five thousand eight hundred and eight"},
};

static void check_text(int rc, const char *got, const char *want, const char *what)
{
    if (rc < 0 || strcmp(got, want) != 0 || (size_t)rc != strlen(want)) {
        print_error("%s: rc %d, got '%s', wanted '%s'\n", what, rc, got, want);
        fail();
    }
}

static void test_numbers(void **state)
{
    char buf[SPEAK_TEXT_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        check_text(speak_number(numbers[i].n, LANG_FR, buf, sizeof(buf), NULL), buf, numbers[i].fr,
                   "fr");
        check_text(speak_number(numbers[i].n, LANG_EN, buf, sizeof(buf), NULL), buf, numbers[i].en,
                   "en");
    }
}

struct amount_case {
    int64_t minor;
    const char *code;
    const char *fr;
    const char *en;
};

static const struct amount_case amounts[] = {
    {2550, "EUR", "vingt-cinq euros et cinquante centimes", "twenty-five euros and fifty cents"},
    {100, "EUR", "un euro", "one euro"},
    {1, "EUR", "un centime", "one cent"},
    {101, "EUR", "un euro et un centime", "one euro and one cent"},
    {0, "EUR", "zéro euro", "zero euros"},
    {199, "EUR", "un euro et quatre-vingt-dix-neuf centimes", "one euro and ninety-nine cents"},
    {7100, "EUR", "soixante et onze euros", "seventy-one euros"},
    {8000, "EUR", "quatre-vingts euros", "eighty euros"},
    {9100, "EUR", "quatre-vingt-onze euros", "ninety-one euros"},
    {2180, "EUR", "vingt et un euros et quatre-vingts centimes",
     "twenty-one euros and eighty cents"},
    {100000000, "EUR", "un million d'euros", "one million euros"},
    {200000000, "EUR", "deux millions d'euros", "two million euros"},
    {100000050, "EUR", "un million d'euros et cinquante centimes",
     "one million euros and fifty cents"},
    {100100000, "EUR", "un million mille euros", "one million one thousand euros"},
    {100000, "EUR", "mille euros", "one thousand euros"},
    {-250, "EUR", "moins deux euros et cinquante centimes", "minus two euros and fifty cents"},
    {100000000, "USD", "un million de dollars", "one million dollars"},
    {2100, "GBP", "vingt et une livres sterling", "twenty-one pounds"},
    {100, "GBP", "une livre sterling", "one pound"},
    {8100, "GBP", "quatre-vingt-une livres sterling", "eighty-one pounds"},
    {1, "GBP", "un penny", "one penny"},
    {5, "GBP", "cinq pence", "five pence"},
    {1, "JPY", "un yen", "one yen"},
    {1500, "JPY", "mille cinq cents yens", "one thousand five hundred yen"},
    {5000, "XOF", "cinq mille francs CFA", "five thousand CFA francs"},
    {1000000, "XAF", "un million de francs CFA", "one million CFA francs"},
    {1250, "CHF", "douze francs suisses et cinquante centimes",
     "twelve Swiss francs and fifty centimes"},
    {1500, "MAD", "quinze dirhams", "fifteen dirhams"},
    {2500, "TND", "deux dinars et cinq cents millimes", "two dinars and five hundred millimes"},
    {1, "TND", "un millime", "one millime"},
    {100, "DZD", "un dinar algérien", "one Algerian dinar"},
};

static void test_amounts(void **state)
{
    char buf[SPEAK_TEXT_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        const struct currency *cur = currency_find(amounts[i].code);

        assert_non_null(cur);
        check_text(speak_amount(amounts[i].minor, cur, LANG_FR, buf, sizeof(buf), NULL), buf,
                   amounts[i].fr, amounts[i].code);
        check_text(speak_amount(amounts[i].minor, cur, LANG_EN, buf, sizeof(buf), NULL), buf,
                   amounts[i].en, amounts[i].code);
    }
}

/* The extremes of int64 in every currency fit SPEAK_TEXT_MAX, in both languages. */
static void test_amount_extremes(void **state)
{
    static const char *const codes[] = {"EUR", "USD", "GBP", "JPY", "CHF",
                                        "XOF", "XAF", "MAD", "TND", "DZD"};
    static const int64_t values[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, -1, 0, 1};
    char buf[SPEAK_TEXT_MAX];

    (void)state;
    for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
        const struct currency *cur = currency_find(codes[c]);

        assert_non_null(cur);
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            for (int lang = LANG_FR; lang <= LANG_EN; lang++) {
                int rc = speak_amount(values[v], cur, (enum lang)lang, buf, sizeof(buf), NULL);

                assert_true(rc > 0);
                assert_int_equal((size_t)rc, strlen(buf));
            }
        }
    }
}

static void test_amount_errors(void **state)
{
    static const struct currency unknown = {"XYZ", 999, 2, NULL};
    char buf[SPEAK_TEXT_MAX], small[12];
    struct mdt_err err = {0};
    const struct currency *eur = currency_find("EUR");

    (void)state;
    assert_int_equal(speak_amount(100, &unknown, LANG_FR, buf, sizeof(buf), &err), MDT_E(NOTFOUND));
    assert_non_null(strstr(err.msg, "'XYZ'"));
    assert_int_equal(speak_amount(100, NULL, LANG_FR, buf, sizeof(buf), NULL), MDT_E(INVAL));
    assert_int_equal(speak_amount(100, eur, (enum lang)7, buf, sizeof(buf), NULL), MDT_E(INVAL));
    assert_int_equal(speak_amount(100, eur, LANG_FR, NULL, 10, NULL), MDT_E(INVAL));
    assert_int_equal(speak_amount(100, eur, LANG_FR, buf, 0, NULL), MDT_E(INVAL));
    /* "un euro" is 7 bytes: fits 8, not 7. */
    assert_int_equal(speak_amount(100, eur, LANG_FR, small, 8, NULL), 7);
    memset(small, 'x', sizeof(small));
    assert_int_equal(speak_amount(100, eur, LANG_FR, small, 7, &err), MDT_E(RANGE));
    assert_string_equal(small, "");
    assert_non_null(strstr(err.msg, "7 bytes"));
}

static void test_dates(void **state)
{
    static const struct {
        int y, m, d;
        const char *fr;
        const char *en;
    } dates[] = {
        {2026, 12, 1, "le premier décembre deux mille vingt-six",
         "the first of December, twenty twenty-six"},
        {2026, 12, 7, "le sept décembre deux mille vingt-six",
         "the seventh of December, twenty twenty-six"},
        {2024, 2, 29, "le vingt-neuf février deux mille vingt-quatre",
         "the twenty-ninth of February, twenty twenty-four"},
        {2005, 8, 31, "le trente et un août deux mille cinq",
         "the thirty-first of August, two thousand and five"},
        {1999, 1, 22, "le vingt-deux janvier mille neuf cent quatre-vingt-dix-neuf",
         "the twenty-second of January, nineteen ninety-nine"},
        {1905, 3, 20, "le vingt mars mille neuf cent cinq",
         "the twentieth of March, nineteen oh five"},
        {2028, 12, 0, "décembre deux mille vingt-huit", "December twenty twenty-eight"},
        {2100, 6, 0, "juin deux mille cent", "June two thousand one hundred"},
    };
    char buf[SPEAK_TEXT_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        check_text(speak_date(dates[i].y, dates[i].m, dates[i].d, LANG_FR, buf, sizeof(buf), NULL),
                   buf, dates[i].fr, "date fr");
        check_text(speak_date(dates[i].y, dates[i].m, dates[i].d, LANG_EN, buf, sizeof(buf), NULL),
                   buf, dates[i].en, "date en");
    }
}

static void test_date_errors(void **state)
{
    char buf[SPEAK_TEXT_MAX];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(speak_date(2025, 2, 29, LANG_FR, buf, sizeof(buf), &err), MDT_E(RANGE));
    assert_string_equal(err.msg, "no such date 2025-02-29");
    assert_int_equal(speak_date(2026, 13, 1, LANG_EN, buf, sizeof(buf), NULL), MDT_E(RANGE));
    assert_int_equal(speak_date(2026, 4, 31, LANG_EN, buf, sizeof(buf), NULL), MDT_E(RANGE));
    assert_int_equal(speak_date(0, 1, 1, LANG_EN, buf, sizeof(buf), NULL), MDT_E(RANGE));
    assert_int_equal(speak_date(2026, 1, -1, LANG_EN, buf, sizeof(buf), NULL), MDT_E(RANGE));
    assert_int_equal(speak_date(1900, 2, 29, LANG_EN, buf, sizeof(buf), NULL), MDT_E(RANGE));
    assert_true(speak_date(2000, 2, 29, LANG_EN, buf, sizeof(buf), NULL) > 0);
}

static void test_references(void **state)
{
    char buf[SPEAK_TEXT_MAX];
    struct mdt_err err = {0};

    (void)state;
    check_text(speak_reference("K7Q2", LANG_FR, buf, sizeof(buf), NULL), buf, "K, 7, Q, 2", "ref");
    check_text(speak_reference("k7-q2", LANG_EN, buf, sizeof(buf), NULL), buf, "K, 7, Q, 2", "ref");
    check_text(speak_reference("A", LANG_EN, buf, sizeof(buf), NULL), buf, "A", "ref");
    assert_int_equal(speak_reference("K7?2", LANG_FR, buf, sizeof(buf), &err), MDT_E(PARSE));
    assert_string_equal(err.msg, "cannot spell character 3 of a reference");
    /* Refused after two characters were written: the buffer is emptied (the fuzzer found it). */
    assert_string_equal(buf, "");
    assert_int_equal(speak_reference("", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(speak_reference(" - ", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(speak_reference("é", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(
        speak_reference("123456789012345678901234567890123", LANG_FR, buf, sizeof(buf), NULL),
        MDT_E(PARSE));
    assert_int_equal(
        speak_reference("12345678901234567890123456789012", LANG_FR, buf, sizeof(buf), NULL),
        32 * 3 - 2);
    assert_int_equal(speak_reference(NULL, LANG_FR, buf, sizeof(buf), NULL), MDT_E(INVAL));
}

static void test_phones(void **state)
{
    char buf[SPEAK_TEXT_MAX];
    struct mdt_err err = {0};

    (void)state;
    check_text(speak_phone("+33612345678", LANG_FR, buf, sizeof(buf), NULL), buf,
               "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit", "fr");
    check_text(speak_phone("+33102030405", LANG_FR, buf, sizeof(buf), NULL), buf,
               "zéro un, zéro deux, zéro trois, zéro quatre, zéro cinq", "fr zeros");
    check_text(speak_phone("+33612345678", LANG_EN, buf, sizeof(buf), NULL), buf,
               "plus, three three, six one, two three, four five, six seven, eight", "en");
    check_text(speak_phone("+447911123456", LANG_FR, buf, sizeof(buf), NULL), buf,
               "plus, quarante-quatre, soixante-dix-neuf, onze, douze, trente-quatre, "
               "cinquante-six",
               "fr foreign");
    assert_int_equal(speak_phone("0612345678", LANG_FR, buf, sizeof(buf), &err), MDT_E(PARSE));
    assert_string_equal(err.msg, "not an E.164 number: no leading '+'");
    assert_int_equal(speak_phone("", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(speak_phone("+", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(speak_phone("+33 6", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(speak_phone("+123456", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_int_equal(speak_phone("+1234567890123456", LANG_FR, buf, sizeof(buf), NULL),
                     MDT_E(PARSE));
    assert_int_equal(speak_phone("+0123456789", LANG_FR, buf, sizeof(buf), NULL), MDT_E(PARSE));
    assert_true(speak_phone("+999999999999999", LANG_EN, buf, sizeof(buf), NULL) > 0);
}

/* Every cap from 1 to the text's length + 1: the text or ERANGE with "", never more. */
static void test_every_cap(void **state)
{
    char full[SPEAK_TEXT_MAX], buf[SPEAK_TEXT_MAX];
    const struct currency *eur = currency_find("EUR");
    int want = speak_amount(INT64_MIN, eur, LANG_FR, full, sizeof(full), NULL);

    (void)state;
    assert_true(want > 200);
    for (size_t cap = 1; cap <= (size_t)want + 1; cap++) {
        int rc;

        memset(buf, 'x', sizeof(buf));
        rc = speak_amount(INT64_MIN, eur, LANG_FR, buf, cap, NULL);
        if (cap <= (size_t)want) {
            assert_int_equal(rc, MDT_E(RANGE));
            assert_string_equal(buf, "");
        } else {
            assert_int_equal(rc, want);
            assert_string_equal(buf, full);
        }
        assert_int_equal(buf[cap], 'x');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),         cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_amount_extremes), cmocka_unit_test(test_amount_errors),
        cmocka_unit_test(test_dates),           cmocka_unit_test(test_date_errors),
        cmocka_unit_test(test_references),      cmocka_unit_test(test_phones),
        cmocka_unit_test(test_every_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
