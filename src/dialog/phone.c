/* SPDX-License-Identifier: Apache-2.0 */
/* Phone numbers: a small numbering-plan table for the countries mandat serves, normalization of
 * what people type into E.164 (ITU-T E.164), and masking for logs and replies. */
#include "dialog/phone.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* E.164 §6.1: at most 15 digits after '+'. The shortest numbers in service are 7 digits (Niue
 * +683 and Saint Helena +290 with 4-digit subscriber numbers). */
#define E164_DIGITS_MAX 15
#define E164_DIGITS_MIN 7

/* Digits collected from the input: an international prefix (3), a country code (3), a trunk
 * prefix kept by mistake (1) and 15 more would already be wrong; past this we only need to know
 * that the number is too long. */
#define PHONE_DIGITS_MAX 24

/* Bytes of the input quoted in messages, so that any message fits struct mdt_err and a reply by
 * SMS stays readable. */
#define PHONE_QUOTE_MAX 32

_Static_assert(PHONE_E164_MAX == E164_DIGITS_MAX + 2, "'+', 15 digits, NUL");

/* A country's numbering plan, as far as people's typing needs it. nsn is the national
 * significant number: what follows the country code in E.164. */
struct phone_plan {
    char iso[3];              /* ISO 3166 alpha-2 */
    const char *cc;           /* country calling code */
    const char *trunk;        /* national (trunk) prefix, "" when the country has none */
    bool trunk_optional;      /* NANP: "212 555 1234" and "1 212 555 1234" both dial */
    const char *idd;          /* international prefix people dial from there */
    uint8_t nsn_min, nsn_max; /* national significant number lengths */
    const char *name;         /* for messages: "a French number" */
    const char *example;      /* national form, for messages */
    const char *example_intl; /* international form, for messages */
};

/* Lengths from the national numbering plans as published to the ITU (Operational Bulletin
 * annexes). Belgium: 8 digits for fixed lines, 9 for mobiles. United Kingdom: 9 or 10. Côte
 * d'Ivoire: 10 digits since 31 January 2021, no trunk prefix (the leading 0 is part of the
 * number). Senegal: 9 digits, no trunk prefix. */
static const struct phone_plan plans[] = {
    {"FR", "33", "0", false, "00", 9, 9, "a French number", "06 12 34 56 78", "+33 6 12 34 56 78"},
    {"BE", "32", "0", false, "00", 8, 9, "a Belgian number", "0470 12 34 56", "+32 470 12 34 56"},
    {"CH", "41", "0", false, "00", 9, 9, "a Swiss number", "078 123 45 67", "+41 78 123 45 67"},
    {"MA", "212", "0", false, "00", 9, 9, "a Moroccan number", "06 12 34 56 78",
     "+212 6 12 34 56 78"},
    {"SN", "221", "", false, "00", 9, 9, "a Senegalese number", "77 123 45 67",
     "+221 77 123 45 67"},
    {"CI", "225", "", false, "00", 10, 10, "an Ivorian number", "07 12 34 56 78",
     "+225 07 12 34 56 78"},
    {"GB", "44", "0", false, "00", 9, 10, "a British number", "07911 123456", "+44 7911 123456"},
    {"US", "1", "1", true, "011", 10, 10, "a North American number", "(212) 555-1234",
     "+1 212 555 1234"},
};

#define PLANS_COUNT (sizeof(plans) / sizeof(plans[0]))

/* What was read from the input: its digits in order, and whether it started with '+'. */
struct phone_digits {
    char d[PHONE_DIGITS_MAX + 1];
    size_t n;
    bool plus;
    bool overflow;
};

static const struct phone_plan *plan_find(const char *iso)
{
    const struct phone_plan *found = NULL;

    if (iso == NULL) {
        goto out;
    }
    for (size_t i = 0; i < PLANS_COUNT; i++) {
        if (strcasecmp(plans[i].iso, iso) == 0) {
            found = &plans[i];
            break;
        }
    }
out:
    return found;
}

bool phone_country_known(const char *country)
{
    return plan_find(country) != NULL;
}

const char *phone_example(const char *country)
{
    const struct phone_plan *p = plan_find(country);

    return p != NULL ? p->example : "+33 6 12 34 56 78";
}

/* The plan whose country code starts digits. Country codes are a prefix code (E.164 §6.2.1),
 * so at most one matches. */
static const struct phone_plan *plan_by_code(const char *digits, size_t n)
{
    for (size_t i = 0; i < PLANS_COUNT; i++) {
        size_t cl = strlen(plans[i].cc);

        if (cl <= n && memcmp(digits, plans[i].cc, cl) == 0) {
            return &plans[i];
        }
    }
    return NULL;
}

/* Length of the country code that starts digits (first digit not 0), from the structure of
 * E.164 assignments: zones 1 and 7 are one digit; these two-digit codes exist; everything else
 * is three digits. Used where no plan of ours applies (masking foreign numbers). */
static size_t cc_length(const char *digits)
{
    static const char *const two[] = {
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};

    if (digits[0] == '1' || digits[0] == '7') {
        return 1;
    }
    for (size_t i = 0; i < sizeof(two) / sizeof(two[0]); i++) {
        if (digits[0] == two[i][0] && digits[1] == two[i][1]) {
            return 2;
        }
    }
    return 3;
}

/* Copy at most PHONE_QUOTE_MAX bytes of text for messages: printable ASCII as is, no-break
 * spaces as spaces, any other character as one '?', and "..." when cut. out has
 * PHONE_QUOTE_MAX + 4 bytes. */
static void quote_make(char *out, const char *text)
{
    const unsigned char *u = (const unsigned char *)text;
    size_t o = 0;

    for (size_t i = 0; u[i] != '\0' && i < PHONE_TEXT_MAX + 1; i++) {
        if (o >= PHONE_QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (u[i] == 0xc2 && u[i + 1] == 0xa0) {
            out[o++] = ' ';
            i += 1;
        } else if (u[i] == 0xe2 && u[i + 1] == 0x80 && u[i + 2] == 0xaf) {
            out[o++] = ' ';
            i += 2;
        } else if (u[i] >= 0x80 && u[i] < 0xc0) {
            continue; /* continuation byte: its lead byte was shown as '?' */
        } else if (u[i] < 0x20 || u[i] >= 0x7f) {
            out[o++] = '?';
        } else {
            out[o++] = (char)u[i];
        }
    }
    out[o] = '\0';
}

static bool is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bytes of a separator at text[i] (blank, '.', '-', '/', '(', ')', no-break spaces), or 0. */
static size_t separator_len(const unsigned char *u, size_t i)
{
    if (u[i] == ' ' || u[i] == '\t' || u[i] == '.' || u[i] == '-' || u[i] == '/' || u[i] == '(' ||
        u[i] == ')' || u[i] == '\r' || u[i] == '\n') {
        return 1;
    }
    if (u[i] == 0xc2 && u[i + 1] == 0xa0) {
        return 2;
    }
    if (u[i] == 0xe2 && u[i + 1] == 0x80 && u[i + 2] == 0xaf) {
        return 3;
    }
    return 0;
}

/* Collect the digits of text, refusing letters and stray characters. '+' may only come first.
 * The "(0)" of "+33 (0)6" needs no special case: its 0 is dropped with any trunk prefix written
 * after a country code (see intl_check). */
static int digits_read(const char *text, struct phone_digits *pd, const char *quote,
                       const struct phone_plan *home, struct mdt_err *err)
{
    const unsigned char *u = (const unsigned char *)text;
    size_t i = 0;
    int rc = 0;

    memset(pd, 0, sizeof(*pd));
    while (u[i] != '\0' && i < PHONE_TEXT_MAX) {
        size_t sep = separator_len(u, i);

        if (u[i] >= '0' && u[i] <= '9') {
            if (pd->n < PHONE_DIGITS_MAX) {
                pd->d[pd->n++] = (char)u[i];
            } else {
                pd->overflow = true;
            }
            i++;
        } else if (u[i] == '+' && pd->n == 0 && !pd->plus) {
            pd->plus = true;
            i++;
        } else if (sep > 0) {
            i += sep;
        } else if (is_letter(u[i])) {
            rc = mdt_err_set(err, MDT_E(PARSE),
                             "'%s' has letters: a phone number has only digits, like %s", quote,
                             home->example);
            goto out;
        } else {
            rc = mdt_err_set(err, MDT_E(PARSE), "'%s' is not a phone number: write it like %s",
                             quote, home->example);
            goto out;
        }
    }
    pd->d[pd->n] = '\0';
    if (pd->n == 0 && pd->plus) {
        rc = mdt_err_set(err, MDT_E(PARSE), "'%s' is not a phone number: write it like %s", quote,
                         home->example_intl);
    } else if (pd->n == 0) {
        rc =
            mdt_err_set(err, MDT_E(PARSE), "phone number missing: write it like %s", home->example);
    }
out:
    return rc;
}

static int length_error(struct mdt_err *err, const char *quote, bool too_short, const char *name,
                        const char *example)
{
    return mdt_err_set(err, MDT_E(PARSE), "'%s' is too %s for %s: write it like %s", quote,
                       too_short ? "short" : "long", name, example);
}

/* Write '+', cc and nsn into e164; the callers have checked the lengths. */
static void e164_write(char e164[PHONE_E164_MAX], const char *cc, size_t cc_len, const char *nsn,
                       size_t nsn_len)
{
    e164[0] = '+';
    memcpy(e164 + 1, cc, cc_len);
    memcpy(e164 + 1 + cc_len, nsn, nsn_len);
    e164[1 + cc_len + nsn_len] = '\0';
}

/* digits is everything after '+' or the international prefix. Numbers of our plans are checked
 * against their lengths; a trunk prefix "0" written after the country code ("+33 (0)6 ...",
 * "+33 06 ...") is dropped, once, since no national significant number of those plans starts
 * with 0 (which also keeps the result a fixed point: normalizing it again changes nothing).
 * Other numbers are only checked against E.164. */
static int intl_check(const char *digits, size_t n, bool overflow, const char *quote,
                      const struct phone_plan *home, char e164[PHONE_E164_MAX], struct mdt_err *err)
{
    const struct phone_plan *p = plan_by_code(digits, n);
    size_t cl, nsn_len;
    const char *nsn;
    int rc = 0;

    if (n == 0 || digits[0] == '0') {
        rc = mdt_err_set(err, MDT_E(PARSE),
                         "'%s' is not a phone number: country codes do not start with 0", quote);
        goto out;
    }
    if (p == NULL) {
        if (overflow || n < E164_DIGITS_MIN || n > E164_DIGITS_MAX) {
            rc = length_error(err, quote, !overflow && n < E164_DIGITS_MIN,
                              "an international number", home->example_intl);
            goto out;
        }
        e164_write(e164, digits, n, "", 0);
        goto out;
    }
    cl = strlen(p->cc);
    nsn = digits + cl;
    nsn_len = n - cl;
    if (strcmp(p->trunk, "0") == 0 && nsn_len > 0 && nsn[0] == '0') {
        nsn++;
        nsn_len--;
    }
    if (strcmp(p->trunk, "0") == 0 && nsn_len > 0 && nsn[0] == '0') {
        /* Once: a second 0 is not a trunk prefix, and no number of the plan starts with it. */
        rc = mdt_err_set(err, MDT_E(PARSE), "'%s' is not %s: write it like %s", quote, p->name,
                         p->example_intl);
        goto out;
    }
    if (overflow || nsn_len < p->nsn_min || nsn_len > p->nsn_max) {
        rc = length_error(err, quote, !overflow && nsn_len < p->nsn_min, p->name, p->example_intl);
        goto out;
    }
    e164_write(e164, p->cc, cl, nsn, nsn_len);
out:
    return rc;
}

/* A number without '+' or international prefix: national (with its trunk prefix, or without
 * when the plan has none or it is optional), else the home country code without '+'. */
static int national_check(const struct phone_digits *pd, const char *quote,
                          const struct phone_plan *home, char e164[PHONE_E164_MAX],
                          struct mdt_err *err)
{
    size_t tl = strlen(home->trunk), cl = strlen(home->cc);
    bool has_trunk = tl > 0 && pd->n > tl && memcmp(pd->d, home->trunk, tl) == 0;
    size_t need_min = home->nsn_min + ((tl > 0 && !home->trunk_optional) ? tl : 0);
    int rc = 0;

    if (!pd->overflow && has_trunk && pd->n - tl >= home->nsn_min && pd->n - tl <= home->nsn_max) {
        e164_write(e164, home->cc, cl, pd->d + tl, pd->n - tl);
        goto out;
    }
    if (!pd->overflow && (tl == 0 || home->trunk_optional) && pd->n >= home->nsn_min &&
        pd->n <= home->nsn_max) {
        e164_write(e164, home->cc, cl, pd->d, pd->n);
        goto out;
    }
    if (!pd->overflow && pd->n > cl && memcmp(pd->d, home->cc, cl) == 0 &&
        intl_check(pd->d, pd->n, false, quote, home, e164, NULL) == 0) {
        goto out;
    }
    e164[0] = '\0';
    if (!pd->overflow && tl > 0 && !has_trunk && pd->n >= home->nsn_min && pd->n <= home->nsn_max) {
        rc = mdt_err_set(err, MDT_E(PARSE), "'%s' lacks the leading %s of %s: write it like %s",
                         quote, home->trunk, home->name, home->example);
        goto out;
    }
    rc = length_error(err, quote, !pd->overflow && pd->n < need_min, home->name, home->example);
out:
    return rc;
}

int phone_normalize(const char *text, const char *default_country, char e164[PHONE_E164_MAX],
                    struct mdt_err *err)
{
    const struct phone_plan *home = plan_find(default_country);
    char quote[PHONE_QUOTE_MAX + 4];
    struct phone_digits pd;
    size_t il;
    int rc;

    if (e164 != NULL) {
        e164[0] = '\0';
    }
    if (text == NULL || e164 == NULL || home == NULL) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "phone_normalize: missing argument or unknown "
                         "default country");
        goto out;
    }
    quote_make(quote, text);
    if (strnlen(text, PHONE_TEXT_MAX + 1) > PHONE_TEXT_MAX) {
        rc = mdt_err_set(err, MDT_E(PARSE), "'%s' is too long for a phone number", quote);
        goto out;
    }
    rc = digits_read(text, &pd, quote, home, err);
    if (rc != 0) {
        goto out;
    }
    il = strlen(home->idd);
    if (pd.plus) {
        rc = intl_check(pd.d, pd.n, pd.overflow, quote, home, e164, err);
    } else if (pd.n > il && memcmp(pd.d, home->idd, il) == 0) {
        rc = intl_check(pd.d + il, pd.n - il, pd.overflow, quote, home, e164, err);
    } else {
        rc = national_check(&pd, quote, home, e164, err);
    }
out:
    if (rc != 0 && e164 != NULL) {
        e164[0] = '\0';
    }
    return rc;
}

/* Whether s is '+' and 7 to 15 digits, the first not 0; its digit count in *n. */
static bool e164_valid(const char *s, size_t *n)
{
    size_t i = 1;

    if (s == NULL || s[0] != '+') {
        return false;
    }
    while (i <= E164_DIGITS_MAX + 1 && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    *n = i - 1;
    return s[i] == '\0' && *n >= E164_DIGITS_MIN && *n <= E164_DIGITS_MAX && s[1] != '0';
}

void phone_mask(const char *e164, char *out, size_t cap)
{
    size_t n = 0, cl, nsn_len, head;
    const char *nsn;
    char head_text[8];

    if (out == NULL || cap == 0) {
        return;
    }
    if (!e164_valid(e164, &n)) {
        snprintf(out, cap, "(invalid)");
        return;
    }
    cl = cc_length(e164 + 1);
    nsn = e164 + 1 + cl;
    nsn_len = n - cl;
    /* Hide at least two digits: show up to three at the head only when four remain. nsn_len is at
     * least 4 (7 digits, country code at most 3). */
    head = nsn_len >= 7 ? 3 : nsn_len - 4;
    if (head == 3) {
        snprintf(head_text, sizeof(head_text), "%c %c%c ", nsn[0], nsn[1], nsn[2]);
    } else if (head > 0) {
        snprintf(head_text, sizeof(head_text), "%.*s ", (int)head, nsn);
    } else {
        head_text[0] = '\0';
    }
    snprintf(out, cap, "+%.*s %s.. .. %s", (int)cl, e164 + 1, head_text, nsn + nsn_len - 2);
}
