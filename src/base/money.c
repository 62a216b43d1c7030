/* SPDX-License-Identifier: Apache-2.0 */
/* Money: the ISO 4217 currency table, parsing amounts as people type them in French and English,
 * and formatting them back. Integer arithmetic only; every overflow is detected, never wrapped. */
#include "base/money.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Longest input money_parse reads. The longest sensible amount, "92 233 720 368 547 758,07 EUR",
 * is 29 bytes; 64 leaves room for UTF-8 spaces and symbols while bounding every loop below. */
#define MONEY_TEXT_MAX 64

/* Bytes of the input quoted in a message, so that any message fits MDT_ERR_MSG_MAX easily and a
 * reply by SMS stays readable. Longer inputs are cut at a character boundary and end in "...". */
#define MONEY_QUOTE_MAX 40

/* Digit runs in a number: a run and its separator take at least two bytes of input. */
#define MONEY_GROUPS_MAX (MONEY_TEXT_MAX / 2 + 1)

/* Currency words and codes are short ("dirhams"); anything longer is not a currency. */
#define MONEY_WORD_MAX 8

/* Decimals money_format can write: 10^18 is the largest power of ten in an int64_t. ISO 4217
 * exponents are 0 to 4. */
#define MONEY_EXPONENT_MAX 18

_Static_assert(MONEY_TEXT_MAX < 256, "group offsets are stored in uint8_t");
_Static_assert(MONEY_QUOTE_MAX + 8 < MDT_ERR_MSG_MAX / 2, "a quote must leave room for the hint");

#define HINT_FORM "write it like 10 or 10,50"

/* Symbols are spelled as UTF-8 bytes so that the table does not depend on the source charset. */
static const struct currency currencies[] = {
    {"EUR", 978, 2, "\xe2\x82\xac"}, /* € */
    {"USD", 840, 2, "$"},
    {"GBP", 826, 2, "\xc2\xa3"}, /* £ */
    {"JPY", 392, 0, "\xc2\xa5"}, /* ¥ */
    {"CHF", 756, 2, NULL},
    {"XOF", 952, 0, NULL},
    {"XAF", 950, 0, NULL},
    {"MAD", 504, 2, NULL},
    {"TND", 788, 3, NULL},
    {"DZD", 12, 2, NULL},
};

/* Words people write instead of the code. "FCFA" names both CFA francs (XOF in West Africa, XAF
 * in Central Africa): it means the account's currency when that is the other one (code_alt). */
struct currency_alias {
    const char *word;
    const char *code;
    const char *code_alt;
};

static const struct currency_alias aliases[] = {
    {"euro", "EUR", NULL},    {"euros", "EUR", NULL}, {"dollar", "USD", NULL},
    {"dollars", "USD", NULL}, {"pound", "GBP", NULL}, {"pounds", "GBP", NULL},
    {"yen", "JPY", NULL},     {"fcfa", "XOF", "XAF"}, {"cfa", "XOF", "XAF"},
    {"dh", "MAD", NULL},      {"dhs", "MAD", NULL},   {"dirham", "MAD", NULL},
    {"dirhams", "MAD", NULL}, {"dt", "TND", NULL},    {"da", "DZD", NULL},
};

/* Parser state over the trimmed input, which is not NUL-terminated at len. */
struct money_scan {
    const char *s;
    size_t len;
    size_t pos;
    const struct currency *fallback;
    struct mdt_err *err;
    char quote[MONEY_QUOTE_MAX + 4]; /* the input as shown in messages */
};

/* A number as digit runs: sep[i] is what came before run i (',', '.', or ' ' for any blank);
 * sep[0] is unused. Offsets are into money_scan.s. */
struct money_number {
    uint8_t start[MONEY_GROUPS_MAX];
    uint8_t len[MONEY_GROUPS_MAX];
    char sep[MONEY_GROUPS_MAX];
    size_t count;
};

const struct currency *currency_find(const char *code)
{
    const struct currency *found = NULL;

    if (code == NULL) {
        goto out;
    }
    for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
        if (strcasecmp(currencies[i].code, code) == 0) {
            found = &currencies[i];
            break;
        }
    }
out:
    return found;
}

const struct currency *currency_find_symbol(const char *sym)
{
    const struct currency *found = NULL;

    if (sym == NULL) {
        goto out;
    }
    for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
        if (currencies[i].symbol != NULL && strcmp(currencies[i].symbol, sym) == 0) {
            found = &currencies[i];
            break;
        }
    }
out:
    return found;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the blank at s[pos]: an ASCII space, U+00A0 (no-break space) or U+202F (narrow
 * no-break space, what French typography puts in "1 000 €"), or 0 if there is none. */
static size_t blank_len(const char *s, size_t len, size_t pos)
{
    size_t rest = len - pos;

    if (rest >= 1 && s[pos] == ' ') {
        return 1;
    }
    if (rest >= 2 && memcmp(s + pos, "\xc2\xa0", 2) == 0) {
        return 2;
    }
    if (rest >= 3 && memcmp(s + pos, "\xe2\x80\xaf", 3) == 0) {
        return 3;
    }
    return 0;
}

/* Length of the well-formed UTF-8 sequence at s[0], or 0. Only used to keep messages valid UTF-8
 * (they may be sent by SMS), so overlong forms are not worth rejecting here. */
static size_t utf8_len(const unsigned char *s, size_t rest)
{
    size_t n = 0;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
    }
    if (n > rest) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* Copy at most MONEY_QUOTE_MAX bytes of s into out for messages: whole characters only, control
 * bytes and broken UTF-8 as '?', and "..." when the input was cut. out has MONEY_QUOTE_MAX + 4. */
static void quote_make(char *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t limit = len > MONEY_QUOTE_MAX ? MONEY_QUOTE_MAX - 3 : len;
    size_t i = 0, o = 0;

    while (i < limit) {
        size_t n = u[i] >= 0x80 ? utf8_len(u + i, len - i) : 1;

        if (n > 1 && i + n > limit) {
            break;
        }
        if (n > 1) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
            continue;
        }
        out[o++] = (u[i] < 0x20 || u[i] >= 0x7f) ? '?' : s[i];
        i++;
    }
    if (limit < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static int scan_not_amount(struct money_scan *sc)
{
    return mdt_err_set(sc->err, MDT_E(PARSE), "'%s' is not an amount: " HINT_FORM, sc->quote);
}

/* Trim surrounding blanks and line ends, refuse what is too long or empty, and prepare the
 * quote. An input without any digit is refused here so that "abc" is "not an amount" rather than
 * "unknown currency". */
static int scan_begin(struct money_scan *sc, const char *text, struct mdt_err *err)
{
    size_t len = strnlen(text, MONEY_TEXT_MAX + 1);
    size_t pos = 0;
    int rc = 0;

    sc->err = err;
    if (len > MONEY_TEXT_MAX) {
        quote_make(sc->quote, text, len);
        rc = mdt_err_set(err, MDT_E(PARSE), "amount too long: '%s' has more than %d characters",
                         sc->quote, MONEY_TEXT_MAX);
        goto out;
    }
    while (pos < len) {
        size_t b = blank_len(text, len, pos);

        if (b == 0 && (text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n')) {
            b = 1;
        }
        if (b == 0) {
            break;
        }
        pos += b;
    }
    while (len > pos) {
        char c = text[len - 1];

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            len -= 1;
        } else if (len - pos >= 2 && memcmp(text + len - 2, "\xc2\xa0", 2) == 0) {
            len -= 2;
        } else if (len - pos >= 3 && memcmp(text + len - 3, "\xe2\x80\xaf", 3) == 0) {
            len -= 3;
        } else {
            break;
        }
    }
    sc->s = text + pos;
    sc->len = len - pos;
    sc->pos = 0;
    quote_make(sc->quote, sc->s, sc->len);
    if (sc->len == 0) {
        rc = mdt_err_set(err, MDT_E(PARSE), "amount missing: " HINT_FORM);
        goto out;
    }
    while (pos < len && !is_digit(text[pos])) {
        pos++;
    }
    if (pos == len) {
        rc = scan_not_amount(sc);
        goto out;
    }
out:
    return rc;
}

static void scan_blanks(struct money_scan *sc)
{
    size_t b;

    while ((b = blank_len(sc->s, sc->len, sc->pos)) > 0) {
        sc->pos += b;
    }
}

/* The currency named by word (a code or a word from the alias table), or NULL. */
static const struct currency *currency_from_word(const char *word, const struct currency *fallback)
{
    const struct currency *found = currency_find(word);

    for (size_t i = 0; found == NULL && i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (strcasecmp(aliases[i].word, word) != 0) {
            continue;
        }
        found = currency_find(aliases[i].code);
        if (aliases[i].code_alt != NULL &&
            strncmp(fallback->code, aliases[i].code_alt, sizeof(fallback->code)) == 0) {
            found = fallback;
        }
    }
    return found;
}

/* Read a currency symbol or word at the current position into *cur; *cur stays NULL when there
 * is none (neither a symbol nor a letter). A word that names no currency is an error. */
static int scan_currency(struct money_scan *sc, const struct currency **cur)
{
    char word[MONEY_WORD_MAX];
    size_t n = 0;
    int rc = 0;

    *cur = NULL;
    for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
        const char *sym = currencies[i].symbol;
        size_t sym_len = sym != NULL ? strlen(sym) : 0;

        if (sym_len > 0 && sym_len <= sc->len - sc->pos &&
            memcmp(sc->s + sc->pos, sym, sym_len) == 0) {
            *cur = &currencies[i];
            sc->pos += sym_len;
            goto out;
        }
    }
    while (sc->pos + n < sc->len && is_letter(sc->s[sc->pos + n])) {
        n++;
    }
    if (n == 0) {
        goto out;
    }
    if (n < sizeof(word)) {
        memcpy(word, sc->s + sc->pos, n);
        word[n] = '\0';
        *cur = currency_from_word(word, sc->fallback);
    }
    if (*cur == NULL) {
        rc = mdt_err_set(sc->err, MDT_E(PARSE),
                         "unknown currency '%.*s' in '%s': write a code like EUR, USD or XOF",
                         (int)(n < 12 ? n : 12), sc->s + sc->pos, sc->quote);
        goto out;
    }
    sc->pos += n;
out:
    return rc;
}

static int scan_negative(struct money_scan *sc)
{
    return mdt_err_set(sc->err, MDT_E(PARSE), "negative amount '%s': amounts are positive",
                       sc->quote);
}

/* What may come before the number: a minus sign (refused) and a currency ("€10", "EUR 10"). */
static int scan_prefix(struct money_scan *sc, const struct currency **before)
{
    int rc = 0;

    if (sc->s[sc->pos] == '-') {
        rc = scan_negative(sc);
        goto out;
    }
    rc = scan_currency(sc, before);
    if (rc != 0 || *before == NULL) {
        goto out;
    }
    scan_blanks(sc);
    if (sc->pos < sc->len && sc->s[sc->pos] == '-') {
        rc = scan_negative(sc);
        goto out;
    }
out:
    return rc;
}

/* ",50" is refused with the spelling we would accept, as the reply to a person who typed it. */
static int scan_no_leading_digit(struct money_scan *sc)
{
    size_t n = 0;

    while (sc->pos + 1 + n < sc->len && is_digit(sc->s[sc->pos + 1 + n])) {
        n++;
    }
    return mdt_err_set(sc->err, MDT_E(PARSE), "no digit before '%c' in '%s': write 0%c%.*s%s",
                       sc->s[sc->pos], sc->quote, sc->s[sc->pos], (int)(n < 20 ? n : 20),
                       sc->s + sc->pos + 1, n > 20 ? "..." : "");
}

static int scan_misplaced(struct money_scan *sc)
{
    return mdt_err_set(sc->err, MDT_E(PARSE),
                       "misplaced separator in '%s': write it like 1 000, 10,50 or 10.50",
                       sc->quote);
}

/* Split the number into digit runs and the separators between them. A blank separates groups
 * only when a digit follows it; otherwise it ends the number ("10 €"). What the separators mean
 * is decided later, once the currency is known. */
static int scan_number(struct money_scan *sc, struct money_number *num)
{
    int rc = 0;

    num->count = 0;
    num->sep[0] = '\0';
    if (sc->pos < sc->len && (sc->s[sc->pos] == ',' || sc->s[sc->pos] == '.') &&
        sc->pos + 1 < sc->len && is_digit(sc->s[sc->pos + 1])) {
        rc = scan_no_leading_digit(sc);
        goto out;
    }
    if (sc->pos >= sc->len || !is_digit(sc->s[sc->pos])) {
        rc = scan_not_amount(sc);
        goto out;
    }
    while (num->count < MONEY_GROUPS_MAX) {
        size_t start = sc->pos;
        size_t b;
        char c;

        while (sc->pos < sc->len && is_digit(sc->s[sc->pos])) {
            sc->pos++;
        }
        num->start[num->count] = (uint8_t)start;
        num->len[num->count] = (uint8_t)(sc->pos - start);
        num->count++;
        c = sc->pos < sc->len ? sc->s[sc->pos] : '\0';
        b = blank_len(sc->s, sc->len, sc->pos);
        if (c == ',' || c == '.') {
            if (sc->pos + 1 >= sc->len || !is_digit(sc->s[sc->pos + 1])) {
                rc = scan_misplaced(sc);
                goto out;
            }
            sc->pos += 1;
        } else if (b > 0 && sc->pos + b < sc->len && is_digit(sc->s[sc->pos + b])) {
            c = ' ';
            sc->pos += b;
        } else {
            goto out;
        }
        if (num->count < MONEY_GROUPS_MAX) {
            num->sep[num->count] = c;
        }
    }
    /* Unreachable while MONEY_TEXT_MAX bounds the input; refuse rather than read past num. */
    rc = scan_not_amount(sc);
out:
    return rc;
}

/* What may come after the number: one currency ("10 €", "10eur"), and nothing else. */
static int scan_suffix(struct money_scan *sc, const struct currency *before,
                       const struct currency **after)
{
    const struct currency *again = NULL;
    int rc = 0;

    *after = NULL;
    scan_blanks(sc);
    if (sc->pos == sc->len) {
        goto out;
    }
    rc = scan_currency(sc, after);
    if (rc != 0) {
        goto out;
    }
    if (*after == NULL) {
        rc = scan_not_amount(sc);
        goto out;
    }
    scan_blanks(sc);
    if (before == NULL && sc->pos < sc->len) {
        rc = scan_currency(sc, &again);
        if (rc != 0) {
            goto out;
        }
        if (again == NULL) {
            rc = scan_not_amount(sc);
            goto out;
        }
    }
    if (before != NULL || again != NULL) {
        rc =
            mdt_err_set(sc->err, MDT_E(PARSE), "two currencies in '%s': write only one", sc->quote);
        goto out;
    }
out:
    return rc;
}

/* Which run holds the decimals (its separator is the decimal separator), or 0 for none: run 0
 * never does, since ",50" is refused while scanning.
 *
 * Both ',' and '.' present: the last one is decimal ("1.000,50", "1,000.50"). One of them once:
 * decimal, unless it is the language's group separator followed by exactly three digits ("1.000"
 * is 1000 in fr, "1,000" in en). One of them several times: groups ("1.000.000"). */
static size_t number_decimal_run(const struct money_number *num, enum lang lang)
{
    char group = lang == LANG_FR ? '.' : ',';
    size_t commas = 0, dots = 0, last = 0;

    for (size_t i = 1; i < num->count; i++) {
        if (num->sep[i] == ',') {
            commas++;
            last = i;
        } else if (num->sep[i] == '.') {
            dots++;
            last = i;
        }
    }
    if (commas > 0 && dots > 0) {
        return last;
    }
    if (commas + dots == 1 && !(num->sep[last] == group && num->len[last] == 3)) {
        return last;
    }
    return 0;
}

/* Groups before the decimals: all separated by the same kind of separator, three digits each,
 * after a first group of one to three. The decimal separator must come last. */
static int number_check_groups(struct money_scan *sc, const struct money_number *num, size_t dec)
{
    size_t end = dec != 0 ? dec : num->count;
    char kind = end > 1 ? num->sep[1] : '\0';
    int rc = 0;

    if (dec != 0 && dec != num->count - 1) {
        rc = scan_misplaced(sc);
        goto out;
    }
    if (end > 1 && num->len[0] > 3) {
        rc = scan_misplaced(sc);
        goto out;
    }
    for (size_t i = 1; i < end; i++) {
        if (num->sep[i] != kind || num->len[i] != 3) {
            rc = scan_misplaced(sc);
            goto out;
        }
    }
out:
    return rc;
}

/* The value in minor units of cur: all digits, then scaled by the decimals not written. */
static int number_value(struct money_scan *sc, const struct money_number *num, size_t dec,
                        const struct currency *cur, int64_t *value)
{
    size_t decimals = dec != 0 ? num->len[dec] : 0;
    int64_t v = 0;
    int rc = 0;

    if (decimals > cur->exponent && cur->exponent == 0) {
        rc = mdt_err_set(sc->err, MDT_E(PARSE), "too many decimals in '%s': %.3s has none",
                         sc->quote, cur->code);
        goto out;
    }
    if (decimals > cur->exponent) {
        rc = mdt_err_set(sc->err, MDT_E(PARSE), "too many decimals in '%s': %.3s has %u", sc->quote,
                         cur->code, (unsigned)cur->exponent);
        goto out;
    }
    for (size_t i = 0; i < num->count; i++) {
        for (size_t j = 0; j < num->len[i]; j++) {
            int64_t digit = sc->s[num->start[i] + j] - '0';

            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, digit, &v)) {
                goto too_large;
            }
        }
    }
    for (size_t k = decimals; k < cur->exponent; k++) {
        if (__builtin_mul_overflow(v, 10, &v)) {
            goto too_large;
        }
    }
    *value = v;
    goto out;
too_large:
    rc = mdt_err_set(sc->err, MDT_E(RANGE), "amount '%s' is too large", sc->quote);
out:
    return rc;
}

int money_parse(const char *text, enum lang lang, const struct currency *fallback,
                int64_t *amount_minor, const struct currency **cur, struct mdt_err *err)
{
    struct money_scan sc;
    struct money_number num;
    const struct currency *before = NULL, *after = NULL, *found;
    int64_t value = 0;
    size_t dec;
    int rc;

    if (text == NULL || fallback == NULL || amount_minor == NULL || cur == NULL ||
        (lang != LANG_FR && lang != LANG_EN)) {
        rc = mdt_err_set(err, MDT_E(INVAL), "money_parse: missing or invalid argument");
        goto out;
    }
    sc.fallback = fallback;
    rc = scan_begin(&sc, text, err);
    if (rc != 0) {
        goto out;
    }
    rc = scan_prefix(&sc, &before);
    if (rc != 0) {
        goto out;
    }
    scan_blanks(&sc);
    rc = scan_number(&sc, &num);
    if (rc != 0) {
        goto out;
    }
    rc = scan_suffix(&sc, before, &after);
    if (rc != 0) {
        goto out;
    }
    found = before != NULL ? before : after != NULL ? after : fallback;
    dec = number_decimal_run(&num, lang);
    rc = number_check_groups(&sc, &num, dec);
    if (rc != 0) {
        goto out;
    }
    rc = number_value(&sc, &num, dec, found, &value);
    if (rc != 0) {
        goto out;
    }
    *amount_minor = value;
    *cur = found;
out:
    return rc;
}

/* A bounded writer into the caller's buffer: on overflow it stops and remembers. */
struct money_out {
    char *buf;
    size_t size;
    size_t len;
    bool full;
};

static void out_put(struct money_out *o, const char *s, size_t n)
{
    if (o->full || n >= o->size - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* Write mag with exponent decimals after decimal, grouping integer digits by three with group
 * ('\0' for none). At least one integer digit: 5 minor units of EUR are "0,05". */
static void out_digits(struct money_out *o, uint64_t mag, unsigned exponent, char group,
                       char decimal)
{
    char rev[MONEY_EXPONENT_MAX + 24]; /* least significant first; 20 digits in a uint64_t */
    size_t nd = 0, nint;

    do {
        rev[nd++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag > 0);
    while (nd < exponent + 1) {
        rev[nd++] = '0';
    }
    nint = nd - exponent;
    for (size_t i = 0; i < nint; i++) {
        if (group != '\0' && i > 0 && (nint - i) % 3 == 0) {
            out_put(o, &group, 1);
        }
        out_put(o, &rev[nd - 1 - i], 1);
    }
    if (exponent > 0) {
        out_put(o, &decimal, 1);
        for (size_t i = nint; i < nd; i++) {
            out_put(o, &rev[nd - 1 - i], 1);
        }
    }
}

/* The magnitude of an amount; INT64_MIN has none in int64_t, so negate in uint64_t. */
static uint64_t amount_magnitude(int64_t amount_minor)
{
    return amount_minor < 0 ? (uint64_t)0 - (uint64_t)amount_minor : (uint64_t)amount_minor;
}

static int out_finish(struct money_out *o)
{
    if (o->full) {
        o->buf[0] = '\0';
        return MDT_E(RANGE);
    }
    return (int)o->len;
}

int money_format(int64_t amount_minor, const struct currency *cur, enum lang lang, char *buf,
                 size_t buf_size)
{
    struct money_out o = {buf, buf_size, 0, false};
    const char *mark;
    size_t mark_len;
    int rc;

    if (cur == NULL || buf == NULL || cur->exponent > MONEY_EXPONENT_MAX ||
        (lang != LANG_FR && lang != LANG_EN)) {
        rc = MDT_E(INVAL);
        goto out;
    }
    if (buf_size == 0) {
        rc = MDT_E(RANGE);
        goto out;
    }
    buf[0] = '\0';
    mark = cur->symbol != NULL ? cur->symbol : cur->code;
    mark_len = cur->symbol != NULL ? strlen(cur->symbol) : strnlen(cur->code, sizeof(cur->code));
    if (amount_minor < 0) {
        out_put(&o, "-", 1);
    }
    if (lang == LANG_EN) {
        /* "€1,000.50", "XOF 1,000": symbols are glued, codes are words. */
        out_put(&o, mark, mark_len);
        if (cur->symbol == NULL) {
            out_put(&o, " ", 1);
        }
        out_digits(&o, amount_magnitude(amount_minor), cur->exponent, ',', '.');
    } else {
        /* French typography: "1 000,50 €", the symbol after a space. */
        out_digits(&o, amount_magnitude(amount_minor), cur->exponent, ' ', ',');
        out_put(&o, " ", 1);
        out_put(&o, mark, mark_len);
    }
    rc = out_finish(&o);
out:
    return rc;
}

int money_format_plain(int64_t amount_minor, const struct currency *cur, char *buf, size_t buf_size)
{
    struct money_out o = {buf, buf_size, 0, false};
    int rc;

    if (cur == NULL || buf == NULL || cur->exponent > MONEY_EXPONENT_MAX) {
        rc = MDT_E(INVAL);
        goto out;
    }
    if (buf_size == 0) {
        rc = MDT_E(RANGE);
        goto out;
    }
    buf[0] = '\0';
    if (amount_minor < 0) {
        out_put(&o, "-", 1);
    }
    out_digits(&o, amount_magnitude(amount_minor), cur->exponent, '\0', '.');
    rc = out_finish(&o);
out:
    return rc;
}
