/* SPDX-License-Identifier: Apache-2.0 */
/* Numbers, amounts, dates, references and phone numbers in words for speech (speak.h). What
 * differs between languages is data (the tables below: words, currency names, date templates,
 * plural threshold, phone grouping); only the grammar of cardinal numbers and of a date's day and
 * year is code, one function each per language. Adding a language: a row in each table, and
 * those functions when its numbers are not built like French or English ones. */
#include "dialog/speak.h"

#include <stdbool.h>
#include <string.h>

/* A bounded text being built: once a piece does not fit, over is set and nothing more is added. */
struct sb {
    char *buf;
    size_t cap;
    size_t len;
    bool over;
};

static void sb_put(struct sb *b, const char *s)
{
    size_t n = strlen(s);

    if (b->over || n >= b->cap - b->len) {
        b->over = true;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

/* A space before the next word, unless the text is empty or already ends with one. */
static void sb_space(struct sb *b)
{
    if (b->len > 0 && b->buf[b->len - 1] != ' ') {
        sb_put(b, " ");
    }
}

static void sb_word(struct sb *b, const char *s)
{
    sb_space(b);
    sb_put(b, s);
}

/* Groups of three digits in a uint64 (up to 18 446 744 073 709 551 615): 7. */
#define SCALES 7

/* Splits n into its groups of three digits, lowest first; returns the index of the highest
 * non-zero group (0 for n < 1000). */
static int split_groups(uint64_t n, unsigned groups[SCALES])
{
    int top = 0;

    for (int i = 0; i < SCALES; i++) {
        groups[i] = (unsigned)(n % 1000);
        n /= 1000;
        if (groups[i] != 0) {
            top = i;
        }
    }
    return top;
}

/* ---- French cardinals (traditional spelling: "vingt et un", "soixante et onze"). ---- */

static const char *const fr_units[20] = {"zéro",   "un",    "deux",     "trois",    "quatre",
                                         "cinq",   "six",   "sept",     "huit",     "neuf",
                                         "dix",    "onze",  "douze",    "treize",   "quatorze",
                                         "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"};
static const char *const fr_tens[7] = {"",         "",          "vingt",   "trente",
                                       "quarante", "cinquante", "soixante"};

/* 1..19, "une" for a feminine noun. */
static void fr_small(struct sb *b, unsigned n, bool fem)
{
    sb_put(b, n == 1 && fem ? "une" : fr_units[n]);
}

/* 1..99. plural: "quatre-vingts" may take its s (nothing follows but a noun, not "mille"). */
static void fr_below_100(struct sb *b, unsigned n, bool fem, bool plural)
{
    unsigned t = n / 10, u = n % 10;

    if (n < 20) {
        fr_small(b, n, fem);
    } else if (t <= 6) {
        sb_put(b, fr_tens[t]);
        if (u == 1) {
            sb_put(b, " et ");
            fr_small(b, 1, fem);
        } else if (u > 1) {
            sb_put(b, "-");
            fr_small(b, u, fem);
        }
    } else if (t == 7) {
        /* 70..79 are sixty-ten..sixty-nineteen; 71 alone takes "et". */
        sb_put(b, u == 1 ? "soixante et " : "soixante-");
        fr_small(b, 10 + u, fem);
    } else {
        /* 80..99 are four-twenties(-n), with no "et" and the s only on 80 itself. */
        sb_put(b, n == 80 ? (plural ? "quatre-vingts" : "quatre-vingt") : "quatre-vingt-");
        if (n > 80) {
            fr_small(b, n - 80, fem);
        }
    }
}

/* 1..999. "cent" takes an s when multiplied and last, as "quatre-vingts". */
static void fr_group(struct sb *b, unsigned n, bool fem, bool plural)
{
    unsigned h = n / 100, r = n % 100;

    if (h > 1) {
        sb_word(b, fr_units[h]);
        sb_word(b, r == 0 && plural ? "cents" : "cent");
    } else if (h == 1) {
        sb_word(b, "cent");
    }
    if (r > 0) {
        sb_space(b);
        fr_below_100(b, r, fem, plural);
    }
}

/* Long scale: 10^3 mille (invariable, never "un mille"), 10^6 million, 10^9 milliard, 10^12
 * billion, 10^15 billiard, 10^18 trillion; the nouns take an s. */
static const char *const fr_scales[SCALES] = {"",        "mille",    "million", "milliard",
                                              "billion", "billiard", "trillion"};

static void fr_number(struct sb *b, uint64_t n, bool fem)
{
    unsigned groups[SCALES];
    int top = split_groups(n, groups);

    if (n == 0) {
        sb_word(b, fr_units[0]);
        return;
    }
    for (int i = top; i >= 0; i--) {
        unsigned g = groups[i];

        if (g == 0) {
            continue;
        }
        if (i == 1) {
            if (g > 1) {
                fr_group(b, g, false, false);
            }
            sb_word(b, "mille");
        } else if (i > 1) {
            fr_group(b, g, false, true);
            sb_word(b, fr_scales[i]);
            sb_put(b, g > 1 ? "s" : "");
        } else {
            fr_group(b, g, fem, true);
        }
    }
}

/* ---- English cardinals (British: "one hundred and five"). ---- */

static const char *const en_units[20] = {"zero",    "one",     "two",       "three",    "four",
                                         "five",    "six",     "seven",     "eight",    "nine",
                                         "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                         "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const en_tens[10] = {"",      "",      "twenty",  "thirty", "forty",
                                        "fifty", "sixty", "seventy", "eighty", "ninety"};

static void en_below_100(struct sb *b, unsigned n)
{
    sb_space(b);
    if (n < 20) {
        sb_put(b, en_units[n]);
        return;
    }
    sb_put(b, en_tens[n / 10]);
    if (n % 10 != 0) {
        sb_put(b, "-");
        sb_put(b, en_units[n % 10]);
    }
}

static void en_group(struct sb *b, unsigned n)
{
    if (n >= 100) {
        sb_word(b, en_units[n / 100]);
        sb_word(b, "hundred");
        if (n % 100 != 0) {
            sb_word(b, "and");
        }
    }
    if (n % 100 != 0) {
        en_below_100(b, n % 100);
    }
}

static const char *const en_scales[SCALES] = {"",         "thousand",    "million",    "billion",
                                              "trillion", "quadrillion", "quintillion"};

static void en_number(struct sb *b, uint64_t n, bool fem)
{
    unsigned groups[SCALES];
    int top = split_groups(n, groups);

    (void)fem;
    if (n == 0) {
        sb_word(b, en_units[0]);
        return;
    }
    for (int i = top; i >= 1; i--) {
        if (groups[i] != 0) {
            en_group(b, groups[i]);
            sb_word(b, en_scales[i]);
        }
    }
    /* "two thousand and one": the last group takes "and" when it has no hundreds. */
    if (top > 0 && groups[0] > 0 && groups[0] < 100) {
        sb_word(b, "and");
    }
    if (groups[0] > 0) {
        en_group(b, groups[0]);
    }
}

/* ---- Days and years in dates. ---- */

static void fr_day(struct sb *b, unsigned day)
{
    if (day == 1) {
        sb_word(b, "premier");
    } else {
        fr_number(b, day, false);
    }
}

static void fr_year(struct sb *b, unsigned year)
{
    fr_number(b, year, false);
}

static const char *const en_ordinals[20] = {
    "",           "first",     "second",    "third",       "fourth",     "fifth",     "sixth",
    "seventh",    "eighth",    "ninth",     "tenth",       "eleventh",   "twelfth",   "thirteenth",
    "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"};

static void en_day(struct sb *b, unsigned day)
{
    sb_space(b);
    if (day < 20) {
        sb_put(b, en_ordinals[day]);
    } else if (day % 10 == 0) {
        sb_put(b, day == 20 ? "twentieth" : "thirtieth");
    } else {
        sb_put(b, en_tens[day / 10]);
        sb_put(b, "-");
        sb_put(b, en_ordinals[day % 10]);
    }
}

/* "nineteen ninety-nine", "twenty twenty-six", "nineteen oh five"; round hundreds and 2000..2009
 * as numbers ("two thousand and five"). */
static void en_year(struct sb *b, unsigned year)
{
    unsigned hi = year / 100, lo = year % 100;

    if (year < 1000 || lo == 0 || (year >= 2000 && year <= 2009)) {
        en_number(b, year, false);
        return;
    }
    en_below_100(b, hi);
    if (lo < 10) {
        sb_word(b, "oh");
    }
    en_below_100(b, lo);
}

/* ---- The language table. ---- */

struct speak_lang {
    const char *minus;     /* before a negative number */
    const char *plus;      /* the '+' of an international phone number */
    const char *and_minor; /* between the major and the minor unit of an amount */
    uint64_t plural_from;  /* the first count that takes the plural: fr 2 ("zéro euro"); en 0 */
    bool plural_of_zero;   /* en "zero euros": 0 is plural although below plural_from */
    const char *months[12];
    const char *date_day;   /* template: %d day, %m month, %y year */
    const char *date_month; /* template without a day */
    bool phone_national_fr; /* a French number in its national form ("zéro six, douze ...") */
    bool phone_pairs;     /* groups of two digits read as numbers ("douze"), else digit by digit */
    unsigned phone_group; /* digits per group of a number read digit by digit */
    void (*number)(struct sb *b, uint64_t n, bool fem);
    void (*day)(struct sb *b, unsigned day);
    void (*year)(struct sb *b, unsigned year);
};

static const struct speak_lang langs[] = {
    [LANG_FR] = {.minus = "moins",
                 .plus = "plus",
                 .and_minor = "et",
                 .plural_from = 2,
                 .plural_of_zero = false,
                 .months = {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                            "septembre", "octobre", "novembre", "décembre"},
                 .date_day = "le %d %m %y",
                 .date_month = "%m %y",
                 .phone_national_fr = true,
                 .phone_pairs = true,
                 .phone_group = 2,
                 .number = fr_number,
                 .day = fr_day,
                 .year = fr_year},
    [LANG_EN] = {.minus = "minus",
                 .plus = "plus",
                 .and_minor = "and",
                 .plural_from = 2,
                 .plural_of_zero = true,
                 .months = {"January", "February", "March", "April", "May", "June", "July",
                            "August", "September", "October", "November", "December"},
                 .date_day = "the %d of %m, %y",
                 .date_month = "%m %y",
                 .phone_national_fr = false,
                 .phone_pairs = false,
                 .phone_group = 2,
                 .number = en_number,
                 .day = en_day,
                 .year = en_year},
};
#define SPEAK_LANGS (sizeof(langs) / sizeof(langs[0]))
_Static_assert(SPEAK_LANGS == LANG_EN + 1, "a row of speak's language table per enum lang");

/* A unit's names: singular, plural, the plural after a noun scale when nothing follows (fr "un
 * million d'euros"; NULL: the plural), and its gender for "un"/"une". */
struct speak_unit {
    const char *one;
    const char *many;
    const char *of_many;
    bool feminine;
};

/* Spoken names of the currencies money.c knows; minor units are absent for exponent 0. */
struct speak_currency {
    const char *code;
    struct speak_unit major[SPEAK_LANGS];
    struct speak_unit minor[SPEAK_LANGS];
};

#define FR_CENTIME                                                                                 \
    {                                                                                              \
        "centime", "centimes", NULL, false                                                         \
    }
#define EN_CENTIME                                                                                 \
    {                                                                                              \
        "centime", "centimes", NULL, false                                                         \
    }

static const struct speak_currency currencies[] = {
    {"EUR",
     {[LANG_FR] = {"euro", "euros", "d'euros", false}, [LANG_EN] = {"euro", "euros", NULL, false}},
     {[LANG_FR] = FR_CENTIME, [LANG_EN] = {"cent", "cents", NULL, false}}},
    {"USD",
     {[LANG_FR] = {"dollar", "dollars", "de dollars", false},
      [LANG_EN] = {"dollar", "dollars", NULL, false}},
     {[LANG_FR] = {"cent", "cents", NULL, false}, [LANG_EN] = {"cent", "cents", NULL, false}}},
    {"GBP",
     {[LANG_FR] = {"livre sterling", "livres sterling", "de livres sterling", true},
      [LANG_EN] = {"pound", "pounds", NULL, false}},
     {[LANG_FR] = {"penny", "pence", NULL, false}, [LANG_EN] = {"penny", "pence", NULL, false}}},
    {"JPY",
     {[LANG_FR] = {"yen", "yens", "de yens", false}, [LANG_EN] = {"yen", "yen", NULL, false}},
     {{0}}},
    {"CHF",
     {[LANG_FR] = {"franc suisse", "francs suisses", "de francs suisses", false},
      [LANG_EN] = {"Swiss franc", "Swiss francs", NULL, false}},
     {[LANG_FR] = FR_CENTIME, [LANG_EN] = EN_CENTIME}},
    {"XOF",
     {[LANG_FR] = {"franc CFA", "francs CFA", "de francs CFA", false},
      [LANG_EN] = {"CFA franc", "CFA francs", NULL, false}},
     {{0}}},
    {"XAF",
     {[LANG_FR] = {"franc CFA", "francs CFA", "de francs CFA", false},
      [LANG_EN] = {"CFA franc", "CFA francs", NULL, false}},
     {{0}}},
    {"MAD",
     {[LANG_FR] = {"dirham", "dirhams", "de dirhams", false},
      [LANG_EN] = {"dirham", "dirhams", NULL, false}},
     {[LANG_FR] = FR_CENTIME, [LANG_EN] = EN_CENTIME}},
    {"TND",
     {[LANG_FR] = {"dinar", "dinars", "de dinars", false},
      [LANG_EN] = {"dinar", "dinars", NULL, false}},
     {[LANG_FR] = {"millime", "millimes", NULL, false},
      [LANG_EN] = {"millime", "millimes", NULL, false}}},
    {"DZD",
     {[LANG_FR] = {"dinar algérien", "dinars algériens", "de dinars algériens", false},
      [LANG_EN] = {"Algerian dinar", "Algerian dinars", NULL, false}},
     {[LANG_FR] = FR_CENTIME, [LANG_EN] = EN_CENTIME}},
};

/* ---- Shared steps. ---- */

/* Checks the arguments every function shares and starts the text; 0 or -MDT_EINVAL. */
static int sb_begin(struct sb *b, enum lang lang, char *buf, size_t cap, struct mdt_err *err)
{
    if (buf == NULL || cap == 0) {
        return mdt_err_set(err, MDT_E(INVAL), "no buffer for the spoken text");
    }
    buf[0] = '\0';
    if ((unsigned)lang >= SPEAK_LANGS) {
        return mdt_err_set(err, MDT_E(INVAL), "no spoken words for language %d", (int)lang);
    }
    *b = (struct sb){.buf = buf, .cap = cap};
    return 0;
}

/* The result of a finished text: its length, or -MDT_ERANGE with an empty buffer. */
static int sb_end(struct sb *b, struct mdt_err *err)
{
    if (b->over) {
        b->buf[0] = '\0';
        return mdt_err_set(err, MDT_E(RANGE), "spoken text longer than its buffer of %zu bytes",
                           b->cap);
    }
    return (int)b->len;
}

/* |n| without overflow, INT64_MIN included. */
static uint64_t magnitude(int64_t n)
{
    return n < 0 ? (uint64_t)(-(n + 1)) + 1 : (uint64_t)n;
}

int speak_number(int64_t n, enum lang lang, char *buf, size_t cap, struct mdt_err *err)
{
    struct sb b;
    int rc = sb_begin(&b, lang, buf, cap, err);

    if (rc != 0) {
        return rc;
    }
    if (n < 0) {
        sb_word(&b, langs[lang].minus);
    }
    langs[lang].number(&b, magnitude(n), false);
    return sb_end(&b, err);
}

static const struct speak_currency *currency_words(const struct currency *cur)
{
    for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
        if (strcmp(currencies[i].code, cur->code) == 0) {
            return &currencies[i];
        }
    }
    return NULL;
}

static bool is_plural(const struct speak_lang *l, uint64_t n)
{
    return n >= l->plural_from || (n == 0 && l->plural_of_zero);
}

/* "vingt-cinq euros", "un million d'euros": count and unit. */
static void say_count(struct sb *b, const struct speak_lang *l, uint64_t n,
                      const struct speak_unit *u)
{
    l->number(b, n, u->feminine);
    if (!is_plural(l, n)) {
        sb_word(b, u->one);
    } else if (u->of_many != NULL && n >= 1000000 && n % 1000000 == 0) {
        sb_word(b, u->of_many);
    } else {
        sb_word(b, u->many);
    }
}

int speak_amount(int64_t amount_minor, const struct currency *cur, enum lang lang, char *buf,
                 size_t cap, struct mdt_err *err)
{
    const struct speak_currency *words;
    const struct speak_lang *l;
    uint64_t scale = 1, mag, major, minor;
    struct sb b;
    int rc = sb_begin(&b, lang, buf, cap, err);

    if (rc != 0) {
        return rc;
    }
    if (cur == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "no currency for the spoken amount");
    }
    words = currency_words(cur);
    if (words == NULL || (cur->exponent > 0 && words->minor[lang].one == NULL)) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no spoken name for currency '%s'", cur->code);
    }
    for (unsigned i = 0; i < cur->exponent; i++) {
        scale *= 10;
    }
    l = &langs[lang];
    mag = magnitude(amount_minor);
    major = mag / scale;
    minor = mag % scale;
    if (amount_minor < 0) {
        sb_word(&b, l->minus);
    }
    if (major == 0 && minor > 0) {
        say_count(&b, l, minor, &words->minor[lang]);
        return sb_end(&b, err);
    }
    say_count(&b, l, major, &words->major[lang]);
    if (minor > 0) {
        sb_word(&b, l->and_minor);
        say_count(&b, l, minor, &words->minor[lang]);
    }
    return sb_end(&b, err);
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return month == 2 && leap_year(year) ? 29 : days[month - 1];
}

int speak_date(int year, int month, int day, enum lang lang, char *buf, size_t cap,
               struct mdt_err *err)
{
    const struct speak_lang *l;
    const char *t;
    struct sb b;
    int rc = sb_begin(&b, lang, buf, cap, err);

    if (rc != 0) {
        return rc;
    }
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 0 ||
        day > days_in_month(year, month)) {
        return mdt_err_set(err, MDT_E(RANGE), "no such date %04d-%02d-%02d", year, month, day);
    }
    l = &langs[lang];
    /* The template's literal words and placeholders, in its order. */
    for (t = day == 0 ? l->date_month : l->date_day; *t != '\0'; t++) {
        char lit[2] = {*t, '\0'};

        if (*t == '%' && t[1] == 'd') {
            l->day(&b, (unsigned)day);
        } else if (*t == '%' && t[1] == 'm') {
            sb_word(&b, l->months[month - 1]);
        } else if (*t == '%' && t[1] == 'y') {
            l->year(&b, (unsigned)year);
        } else {
            sb_put(&b, lit);
            continue;
        }
        t++;
    }
    return sb_end(&b, err);
}

static bool ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int speak_reference(const char *ref, enum lang lang, char *buf, size_t cap, struct mdt_err *err)
{
    struct sb b;
    size_t count = 0;
    int rc = sb_begin(&b, lang, buf, cap, err);

    if (rc != 0) {
        return rc;
    }
    if (ref == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "no reference to speak");
    }
    for (const char *p = ref; *p != '\0'; p++) {
        char c[2] = {*p, '\0'};

        if (*p == ' ' || *p == '-') {
            continue;
        }
        if (!ascii_alnum(*p)) {
            buf[0] = '\0';
            return mdt_err_set(err, MDT_E(PARSE), "cannot spell character %zu of a reference",
                               (size_t)(p - ref) + 1);
        }
        if (++count > SPEAK_REF_MAX) {
            buf[0] = '\0';
            return mdt_err_set(err, MDT_E(PARSE), "reference longer than %d characters",
                               SPEAK_REF_MAX);
        }
        if (c[0] >= 'a' && c[0] <= 'z') {
            c[0] = (char)(c[0] - 'a' + 'A');
        }
        sb_put(&b, count > 1 ? ", " : "");
        sb_put(&b, c);
    }
    if (count == 0) {
        return mdt_err_set(err, MDT_E(PARSE), "empty reference");
    }
    return sb_end(&b, err);
}

/* One group of digits: as a number by pairs ("douze", "zéro cinq") or digit by digit. */
static void say_digits(struct sb *b, const struct speak_lang *l, const char *d, size_t n)
{
    if (l->phone_pairs && n == 2 && d[0] != '0') {
        l->number(b, (uint64_t)((d[0] - '0') * 10 + (d[1] - '0')), false);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        l->number(b, (uint64_t)(d[i] - '0'), false);
    }
}

int speak_phone(const char *e164, enum lang lang, char *buf, size_t cap, struct mdt_err *err)
{
    const struct speak_lang *l;
    const char *d;
    size_t n, i, group;
    struct sb b;
    int rc = sb_begin(&b, lang, buf, cap, err);

    if (rc != 0) {
        return rc;
    }
    if (e164 == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "no phone number to speak");
    }
    if (e164[0] != '+') {
        return mdt_err_set(err, MDT_E(PARSE), "not an E.164 number: no leading '+'");
    }
    d = e164 + 1;
    n = strlen(d);
    for (i = 0; i < n && d[i] >= '0' && d[i] <= '9'; i++) {
    }
    if (i != n || n < 7 || n > 15 || d[0] == '0') {
        return mdt_err_set(err, MDT_E(PARSE), "not an E.164 number: '+' and 7 to 15 digits");
    }
    l = &langs[lang];
    if (l->phone_national_fr && n == 11 && strncmp(d, "33", 2) == 0) {
        /* +33 6 12 34 56 78 -> 06 12 34 56 78, by pairs. */
        l->number(&b, 0, false);
        l->number(&b, (uint64_t)(d[2] - '0'), false);
        d += 3;
        n -= 3;
    } else {
        sb_word(&b, l->plus);
    }
    for (i = 0; i < n; i += group) {
        group = n - i < l->phone_group ? n - i : l->phone_group;
        sb_put(&b, b.len > 0 ? "," : "");
        say_digits(&b, l, d + i, group);
    }
    return sb_end(&b, err);
}
