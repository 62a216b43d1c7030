/* SPDX-License-Identifier: Apache-2.0 */
/* What the social parsers share (social_parse_int.h): bounded UTF-8 text output, HTML character
 * references, dates, and the checked JSON field readers. The parsers themselves are
 * social_x.c, social_mastodon.c, social_html.c and social_paging.c. Everything here reads
 * outside input: no assertion on it, no recursion. */
#include "channel/social/social_parse.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/json_depth.h"
#include "channel/social/social_parse_int.h"
#include "dialog/command.h"

_Static_assert(SOCIAL_HANDLE_MAX == COMMAND_HANDLE_MAX + 1, "every author can be a payee");
_Static_assert(SOCIAL_TEXT_MAX - 1 > COMMAND_TEXT_MAX, "a cut text is never read as a command");
_Static_assert(SOCIAL_BODY_MAX < INT_MAX, "post counts fit the int result");

/* ------------------------------------------------------------------------------------------ */
/* Bounded text output                                                                        */

void social_out_init(struct text_out *o, char *buf, size_t cap)
{
    MDT_ASSERT(buf != NULL && cap >= 1);
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->full = false;
    buf[0] = '\0';
}

bool social_out_fits(struct text_out *o, size_t n)
{
    if (!o->full && n >= o->cap - o->len) {
        o->full = true;
    }
    return !o->full;
}

bool social_out_put(struct text_out *o, const char *s, size_t n)
{
    if (!social_out_fits(o, n)) {
        return false;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
    return true;
}

/* Length of the well-formed UTF-8 sequence at s[0 .. n) (RFC 3629 §4: no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 when ill-formed. */
size_t social_utf8_seq(const unsigned char *s, size_t n)
{
    size_t want;
    unsigned char lo = 0x80, hi = 0xbf;

    if (s[0] < 0x80) {
        return 1;
    }
    if (s[0] < 0xc2 || s[0] > 0xf4) {
        return 0;
    }
    want = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
    lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80;
    hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;
    if (n < want || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < want; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return want;
}

size_t social_utf8_encode(uint32_t cp, char b[4])
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    b[0] = (char)(0xf0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Copy the character at s[0 .. n) (n >= 1): NUL is dropped, ill-formed UTF-8 becomes U+FFFD
 * one byte at a time. Returns the bytes of s consumed. */
size_t social_out_put_char(struct text_out *o, const char *s, size_t n)
{
    size_t seq = social_utf8_seq((const unsigned char *)s, n);

    if (s[0] == '\0') {
        return 1;
    }
    if (seq == 0) {
        social_out_put(o, "\xef\xbf\xbd", 3);
        return 1;
    }
    social_out_put(o, s, seq);
    return seq;
}

/* ------------------------------------------------------------------------------------------ */
/* Entities                                                                                   */

/* A hexadecimal digit's value; 16 for anything else. */
static uint32_t digit_value(char c)
{
    char l = (char)(c | 0x20);

    if (c >= '0' && c <= '9') {
        return (uint32_t)(c - '0');
    }
    return l >= 'a' && l <= 'f' ? (uint32_t)(l - 'a' + 10) : 16;
}

/* The character reference at s[0] == '&' (HTML §13.5, the few Mastodon and X emit): named amp
 * lt gt quot apos nbsp, decimal &#39; and hexadecimal &#x27; of any scalar value but NUL.
 * x_only: X's text escapes only &amp; &lt; &gt;. Returns the bytes read, 0 when s does not
 * start with one (then the '&' is text). */
size_t social_entity_read(const char *s, size_t n, bool x_only, uint32_t *cp)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } named[] = {{"amp;", '&'},  {"lt;", '<'},    {"gt;", '>'},
                 {"quot;", '"'}, {"apos;", '\''}, {"nbsp;", 0xa0}};
    size_t i = 2, digits = 0;
    uint32_t v = 0;
    bool hex;

    for (size_t k = 0; k < sizeof(named) / sizeof(named[0]) && (!x_only || k < 3); k++) {
        size_t l = strlen(named[k].name);

        if (n > l && memcmp(s + 1, named[k].name, l) == 0) {
            *cp = named[k].cp;
            return l + 1;
        }
    }
    if (x_only || n < 4 || s[1] != '#') {
        return 0;
    }
    hex = s[2] == 'x' || s[2] == 'X';
    i += hex;
    /* Seven digits bound the value below 2^32 in either base before the range check. */
    for (; i < n && digits < 8; i++, digits++) {
        uint32_t d = digit_value(s[i]);

        if (d >= (hex ? 16u : 10u)) {
            break;
        }
        v = v * (hex ? 16 : 10) + d;
    }
    if (digits == 0 || digits > 7 || i >= n || s[i] != ';' || v == 0 || v > 0x10ffff ||
        (v >= 0xd800 && v <= 0xdfff)) {
        return 0;
    }
    *cp = v;
    return i + 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Dates                                                                                      */

/* The value of s[0 .. n) when all are digits, else -1. n <= 9. */
int social_digits_value(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool social_date_valid(int y, int mo, int d, int h, int mi, int s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    /* Second 60: a leap second, as RFC 3339 §5.6 allows. */
    return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
           (mo != 2 || d <= 28 || leap) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 &&
           s <= 60;
}

/* ISO 8601 as Mastodon writes it (RFC 3339 §5.6): "2026-11-23T10:15:00.000Z", any number of
 * fraction digits (microseconds kept), "Z" or "+hh:mm". 0 when it is not that. */
int64_t social_iso_time_parse(const char *t)
{
    size_t n = strlen(t), i = 19;
    int y, mo, d, h, mi, s, off = 0;
    int64_t frac_us = 0, scale = 100000;

    if (n < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' ||
        t[16] != ':') {
        return 0;
    }
    y = social_digits_value(t, 4);
    mo = social_digits_value(t + 5, 2);
    d = social_digits_value(t + 8, 2);
    h = social_digits_value(t + 11, 2);
    mi = social_digits_value(t + 14, 2);
    s = social_digits_value(t + 17, 2);
    if (t[i] == '.') {
        for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++) {
            frac_us += (t[i] - '0') * scale;
            scale /= 10;
        }
        if (t[i - 1] == '.') {
            return 0;
        }
    }
    if (n - i == 6 && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':') {
        int oh = social_digits_value(t + i + 1, 2), om = social_digits_value(t + i + 4, 2);

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return 0;
        }
        off = (oh * 3600 + om * 60) * (t[i] == '-' ? -1 : 1);
    } else if (n - i != 1 || (t[i] != 'Z' && t[i] != 'z')) {
        return 0;
    }
    if (!social_date_valid(y, mo, d, h, mi, s)) {
        return 0;
    }
    return clock_utc_us(y, mo, d, h, mi, s) + frac_us - (int64_t)off * 1000000;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON fields                                                                                */

/* The body as JSON (NULL with err set): bounded in size and depth, no duplicate keys. */
json_t *social_json_read(const char *body, size_t len, struct mdt_err *err)
{
    json_error_t je;
    json_t *j;

    mdt_err_clear(err);
    if (body == NULL && len > 0) {
        mdt_err_set(err, MDT_E(INVAL), "no body");
        return NULL;
    }
    if (len > SOCIAL_BODY_MAX) {
        mdt_err_set(err, MDT_E(INVAL), "body longer than %d bytes", SOCIAL_BODY_MAX);
        return NULL;
    }
    if (json_too_deep(body, len, SOCIAL_JSON_DEPTH_MAX)) {
        mdt_err_set(err, MDT_E(INVAL), "JSON nested deeper than %d levels", SOCIAL_JSON_DEPTH_MAX);
        return NULL;
    }
    j = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        mdt_err_set(err, MDT_E(INVAL), "not JSON: line %d column %d: %s", je.line, je.column,
                    je.text);
    }
    return j;
}

/* "path.key: what", or "key: what" at the top. Returns -MDT_EINVAL. */
int social_field_err(struct mdt_err *err, const char *path, const char *key, const char *fmt, ...)
{
    char what[MDT_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return mdt_err_set(err, MDT_E(INVAL), "%s%s%s: %s", path, path[0] != '\0' ? "." : "", key,
                       what);
}

/* o[key] as a string in *s; absent or null gives NULL unless required. */
int social_field_string(json_t *o, const char *path, const char *key, bool required, const char **s,
                        struct mdt_err *err)
{
    json_t *v = json_object_get(o, key);

    *s = NULL;
    if (v == NULL || json_is_null(v)) {
        return required ? social_field_err(err, path, key, "missing") : 0;
    }
    if (!json_is_string(v)) {
        return social_field_err(err, path, key, "not a string");
    }
    *s = json_string_value(v);
    return 0;
}

/* o[key] as an object; absent or null is an error. */
int social_field_object(json_t *o, const char *path, const char *key, json_t **v,
                        struct mdt_err *err)
{
    *v = json_object_get(o, key);
    if (*v == NULL || json_is_null(*v)) {
        return social_field_err(err, path, key, "missing");
    }
    if (!json_is_object(*v)) {
        return social_field_err(err, path, key, "not an object");
    }
    return 0;
}

/* Platform ids go into URLs (since_id) and the store: 1 to SOCIAL_ID_MAX - 1 letters, digits,
 * '-', '_', '.'. */
bool social_id_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= SOCIAL_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

int social_field_id(json_t *o, const char *path, const char *key, char out[SOCIAL_ID_MAX],
                    struct mdt_err *err)
{
    const char *s;
    int rc = social_field_string(o, path, key, true, &s, err);

    if (rc < 0) {
        return rc;
    }
    if (!social_id_ok(s)) {
        return social_field_err(err, path, key,
                                "not an id (1 to %d letters, digits, '-', '_' or '.')",
                                SOCIAL_ID_MAX - 1);
    }
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

bool social_is_handle_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Whether s is a handle as command_parse reads one after its '@' (command.c handle_read). */
bool social_handle_ok(const char *s)
{
    size_t n = strlen(s), ats = 0;

    if (n == 0 || n > COMMAND_HANDLE_MAX || !social_is_handle_char(s[0]) || s[n - 1] == '@') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '@') {
            ats++;
        } else if (!social_is_handle_char(s[i])) {
            return false;
        }
    }
    return ats <= 1;
}

/* An author's handle, lower-cased: both platforms compare names case-insensitively. */
int social_field_handle(json_t *o, const char *path, const char *key, char out[SOCIAL_HANDLE_MAX],
                        struct mdt_err *err)
{
    const char *s;
    int rc = social_field_string(o, path, key, true, &s, err);

    if (rc < 0) {
        return rc;
    }
    if (!social_handle_ok(s)) {
        return social_field_err(
            err, path, key, "not a handle (1 to %d letters, digits, '_', '.', '-', one '@' inside)",
            COMMAND_HANDLE_MAX);
    }
    for (size_t i = 0; s[i] != '\0'; i++) {
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
        out[i + 1] = '\0';
    }
    return 0;
}

int social_author_read(json_t *o, const char *path, const char *key, const char *id_key,
                       const char *handle_key, struct social_post *p, struct mdt_err *err)
{
    char sub[SOCIAL_PATH_MAX];
    json_t *author;
    int rc = social_field_object(o, path, key, &author, err);

    snprintf(sub, sizeof(sub), "%s.%s", path, key);
    if (rc == 0) {
        rc = social_field_id(author, sub, id_key, p->author_id, err);
    }
    if (rc == 0) {
        rc = social_field_handle(author, sub, handle_key, p->author, err);
    }
    return rc;
}

/* Keep a mentioned account with its id, when both are well formed and there is room. */
void social_mention_keep(struct social_post *p, json_t *handle, json_t *id)
{
    struct social_mention *m;
    const char *h;
    size_t k;

    if (p->n_mentions >= SOCIAL_POST_MENTIONS || !json_is_string(handle) || !json_is_string(id) ||
        !social_handle_ok(json_string_value(handle)) || !social_id_ok(json_string_value(id))) {
        return;
    }
    m = &p->mentions[p->n_mentions++];
    h = json_string_value(handle);
    for (k = 0; h[k] != '\0' && k + 1 < sizeof(m->handle); k++) {
        m->handle[k] = (h[k] >= 'A' && h[k] <= 'Z') ? (char)(h[k] + 32) : h[k];
    }
    m->handle[k] = '\0';
    snprintf(m->id, sizeof(m->id), "%s", json_string_value(id));
}
