/* SPDX-License-Identifier: Apache-2.0 */
/* The social channel's input read without I/O: X Account Activity webhooks (CRC, signature,
 * tweet_create_events), Mastodon notification pages and their HTML, Link and rate-limit
 * headers. Everything here reads outside input: no assertion on it, no recursion. */
#include "channel/social/social_parse.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/json_depth.h"
#include "dialog/command.h"

_Static_assert(SOCIAL_HANDLE_MAX == COMMAND_HANDLE_MAX + 1, "every author can be a payee");
_Static_assert(SOCIAL_TEXT_MAX - 1 > COMMAND_TEXT_MAX, "a cut text is never read as a command");
_Static_assert(SOCIAL_BODY_MAX < INT_MAX, "post counts fit the int result");

#define SHA256_B64_LEN 44 /* 4 * ceil(32 / 3) */
#define SIG_PREFIX "sha256="
#define RATE_WAIT_MAX_US (15 * 60 * 1000000LL) /* X's rate windows are 15 minutes */
#define HREF_MAX 512                           /* profile URLs are under 100 bytes */
#define PATH_MAX_ 64                           /* "tweet_create_events[63].user", "[79].status" */

/* ------------------------------------------------------------------------------------------ */
/* Bounded text output                                                                        */

/* Text written into a caller's buffer: every put is whole or not at all, and the first that
 * does not fit ends the output, so a cut is always at a character (or mention) boundary. */
struct text_out {
    char *buf;
    size_t cap; /* bytes of buf, NUL included; >= 1 */
    size_t len;
    bool full; /* something did not fit: nothing more is written */
};

static void out_init(struct text_out *o, char *buf, size_t cap)
{
    MDT_ASSERT(buf != NULL && cap >= 1);
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->full = false;
    buf[0] = '\0';
}

static bool out_fits(struct text_out *o, size_t n)
{
    if (!o->full && n >= o->cap - o->len) {
        o->full = true;
    }
    return !o->full;
}

static bool out_put(struct text_out *o, const char *s, size_t n)
{
    if (!out_fits(o, n)) {
        return false;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
    return true;
}

/* Length of the well-formed UTF-8 sequence at s[0 .. n) (RFC 3629 §4: no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 when ill-formed. */
static size_t utf8_seq(const unsigned char *s, size_t n)
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

static size_t utf8_encode(uint32_t cp, char b[4])
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
static size_t out_put_char(struct text_out *o, const char *s, size_t n)
{
    size_t seq = utf8_seq((const unsigned char *)s, n);

    if (s[0] == '\0') {
        return 1;
    }
    if (seq == 0) {
        out_put(o, "\xef\xbf\xbd", 3);
        return 1;
    }
    out_put(o, s, seq);
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
static size_t entity_read(const char *s, size_t n, bool x_only, uint32_t *cp)
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

/* X's text: UTF-8 with &amp; &lt; &gt; escaped. */
static void x_text_copy(const char *s, size_t n, struct text_out *o)
{
    size_t i = 0;
    uint32_t cp;
    char b[4];

    while (i < n && !o->full) {
        size_t used = s[i] == '&' ? entity_read(s + i, n - i, true, &cp) : 0;

        if (used > 0) {
            out_put(o, b, utf8_encode(cp, b));
            i += used;
        } else {
            i += out_put_char(o, s + i, n - i);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Dates                                                                                      */

/* The value of s[0 .. n) when all are digits, else -1. n <= 9. */
static int digits_value(const char *s, size_t n)
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

static bool date_valid(int y, int mo, int d, int h, int mi, int s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    /* Second 60: a leap second, as RFC 3339 §5.6 allows. */
    return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
           (mo != 2 || d <= 28 || leap) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 &&
           s <= 60;
}

/* X's created_at, "Wed Oct 10 20:19:24 +0000 2018" (strftime "%a %b %d %H:%M:%S %z %Y").
 * 0 when it is not exactly that. */
static int64_t x_time_parse(const char *t)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo = 0, d, h, mi, s, off;

    if (strlen(t) != 30 || t[3] != ' ' || t[7] != ' ' || t[10] != ' ' || t[13] != ':' ||
        t[16] != ':' || t[19] != ' ' || (t[20] != '+' && t[20] != '-') || t[25] != ' ') {
        return 0;
    }
    for (int k = 0; k < 12; k++) {
        if (memcmp(t + 4, months + 3 * k, 3) == 0) {
            mo = k + 1;
        }
    }
    d = digits_value(t + 8, 2);
    h = digits_value(t + 11, 2);
    mi = digits_value(t + 14, 2);
    s = digits_value(t + 17, 2);
    off = digits_value(t + 21, 4);
    y = digits_value(t + 26, 4);
    if (off < 0 || off % 100 > 59 || off / 100 > 23 || !date_valid(y, mo, d, h, mi, s)) {
        return 0;
    }
    off = (off / 100 * 3600 + off % 100 * 60) * (t[20] == '-' ? -1 : 1);
    return clock_utc_us(y, mo, d, h, mi, s) - (int64_t)off * 1000000;
}

/* ISO 8601 as Mastodon writes it (RFC 3339 §5.6): "2026-11-23T10:15:00.000Z", any number of
 * fraction digits (microseconds kept), "Z" or "+hh:mm". 0 when it is not that. */
static int64_t iso_time_parse(const char *t)
{
    size_t n = strlen(t), i = 19;
    int y, mo, d, h, mi, s, off = 0;
    int64_t frac_us = 0, scale = 100000;

    if (n < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' ||
        t[16] != ':') {
        return 0;
    }
    y = digits_value(t, 4);
    mo = digits_value(t + 5, 2);
    d = digits_value(t + 8, 2);
    h = digits_value(t + 11, 2);
    mi = digits_value(t + 14, 2);
    s = digits_value(t + 17, 2);
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
        int oh = digits_value(t + i + 1, 2), om = digits_value(t + i + 4, 2);

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return 0;
        }
        off = (oh * 3600 + om * 60) * (t[i] == '-' ? -1 : 1);
    } else if (n - i != 1 || (t[i] != 'Z' && t[i] != 'z')) {
        return 0;
    }
    if (!date_valid(y, mo, d, h, mi, s)) {
        return 0;
    }
    return clock_utc_us(y, mo, d, h, mi, s) + frac_us - (int64_t)off * 1000000;
}

/* ------------------------------------------------------------------------------------------ */
/* X: CRC and signatures                                                                      */

/* base64(HMAC-SHA256(key, msg)) into b64. False when the key cannot be used. */
static bool hmac_b64(const char *key, const void *msg, size_t len, char b64[SHA256_B64_LEN + 1])
{
    unsigned char mac[SHA256_LEN];
    unsigned int n = 0;
    size_t klen = strlen(key);

    if (klen == 0 || klen > INT_MAX) {
        return false;
    }
    MDT_ASSERT(HMAC(EVP_sha256(), key, (int)klen, msg != NULL ? msg : (const void *)"", len, mac,
                    &n) != NULL &&
               n == SHA256_LEN);
    MDT_ASSERT(EVP_EncodeBlock((unsigned char *)b64, mac, SHA256_LEN) == SHA256_B64_LEN);
    OPENSSL_cleanse(mac, sizeof(mac));
    return true;
}

int social_x_crc_response(const char *consumer_secret, const char *crc_token, char *out, size_t cap)
{
    char b64[SHA256_B64_LEN + 1];
    int n;

    if (out == NULL || cap == 0) {
        return MDT_E(INVAL);
    }
    out[0] = '\0';
    if (consumer_secret == NULL || crc_token == NULL ||
        !hmac_b64(consumer_secret, crc_token, strlen(crc_token), b64)) {
        return MDT_E(INVAL);
    }
    /* Base64 needs no JSON escaping. */
    n = snprintf(out, cap, "{\"response_token\":\"" SIG_PREFIX "%s\"}", b64);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return MDT_E(RANGE);
    }
    return n;
}

bool social_x_signature_ok(const char *consumer_secret, const char *body, size_t len,
                           const char *header)
{
    char want[SHA256_B64_LEN + 1];
    size_t plen = strlen(SIG_PREFIX);

    if (consumer_secret == NULL || header == NULL || (body == NULL && len > 0) ||
        strncmp(header, SIG_PREFIX, plen) != 0 || strlen(header) != plen + SHA256_B64_LEN ||
        !hmac_b64(consumer_secret, body, len, want)) {
        return false;
    }
    /* The length is public; the bytes are compared in constant time. */
    return CRYPTO_memcmp(want, header + plen, SHA256_B64_LEN) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON fields                                                                                */

/* The body as JSON (NULL with err set): bounded in size and depth, no duplicate keys. */
static json_t *json_read(const char *body, size_t len, struct mdt_err *err)
{
    json_error_t je;
    json_t *j;

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

static int field_err(struct mdt_err *err, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "path.key: what", or "key: what" at the top. Returns -MDT_EINVAL. */
static int field_err(struct mdt_err *err, const char *path, const char *key, const char *fmt, ...)
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
static int field_string(json_t *o, const char *path, const char *key, bool required, const char **s,
                        struct mdt_err *err)
{
    json_t *v = json_object_get(o, key);

    *s = NULL;
    if (v == NULL || json_is_null(v)) {
        return required ? field_err(err, path, key, "missing") : 0;
    }
    if (!json_is_string(v)) {
        return field_err(err, path, key, "not a string");
    }
    *s = json_string_value(v);
    return 0;
}

/* o[key] as an object; absent or null is an error. */
static int field_object(json_t *o, const char *path, const char *key, json_t **v,
                        struct mdt_err *err)
{
    *v = json_object_get(o, key);
    if (*v == NULL || json_is_null(*v)) {
        return field_err(err, path, key, "missing");
    }
    if (!json_is_object(*v)) {
        return field_err(err, path, key, "not an object");
    }
    return 0;
}

/* Platform ids go into URLs (since_id) and the store: 1 to SOCIAL_ID_MAX - 1 letters, digits,
 * '-', '_', '.'. */
static bool id_ok(const char *s)
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

static int field_id(json_t *o, const char *path, const char *key, char out[SOCIAL_ID_MAX],
                    struct mdt_err *err)
{
    const char *s;
    int rc = field_string(o, path, key, true, &s, err);

    if (rc < 0) {
        return rc;
    }
    if (!id_ok(s)) {
        return field_err(err, path, key, "not an id (1 to %d letters, digits, '-', '_' or '.')",
                         SOCIAL_ID_MAX - 1);
    }
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static bool is_handle_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Whether s is a handle as command_parse reads one after its '@' (command.c handle_read). */
static bool handle_ok(const char *s)
{
    size_t n = strlen(s), ats = 0;

    if (n == 0 || n > COMMAND_HANDLE_MAX || !is_handle_char(s[0]) || s[n - 1] == '@') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '@') {
            ats++;
        } else if (!is_handle_char(s[i])) {
            return false;
        }
    }
    return ats <= 1;
}

/* An author's handle, lower-cased: both platforms compare names case-insensitively. */
static int field_handle(json_t *o, const char *path, const char *key, char out[SOCIAL_HANDLE_MAX],
                        struct mdt_err *err)
{
    const char *s;
    int rc = field_string(o, path, key, true, &s, err);

    if (rc < 0) {
        return rc;
    }
    if (!handle_ok(s)) {
        return field_err(err, path, key,
                         "not a handle (1 to %d letters, digits, '_', '.', '-', one '@' inside)",
                         COMMAND_HANDLE_MAX);
    }
    for (size_t i = 0; s[i] != '\0'; i++) {
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
        out[i + 1] = '\0';
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* X Account Activity                                                                         */

/* The text of a tweet: extended_tweet.full_text when X sent it (tweets over 140 characters
 * arrive in compatibility mode, "text" cut with "truncated": true), else full_text, else
 * text. */
static int x_text_read(json_t *ev, const char *path, struct social_post *p, struct mdt_err *err)
{
    json_t *ext = json_object_get(ev, "extended_tweet");
    json_t *full = json_is_object(ext) ? json_object_get(ext, "full_text") : NULL;
    struct text_out o;
    const char *s;
    size_t n;

    if (json_is_string(full)) {
        s = json_string_value(full);
        n = json_string_length(full);
    } else {
        full = json_object_get(ev, "full_text");
        if (!json_is_string(full)) {
            full = json_object_get(ev, "text");
        }
        if (full == NULL || json_is_null(full)) {
            return field_err(err, path, "text", "missing");
        }
        if (!json_is_string(full)) {
            return field_err(err, path, "text", "not a string");
        }
        s = json_string_value(full);
        n = json_string_length(full);
        p->truncated = json_is_true(json_object_get(ev, "truncated"));
    }
    out_init(&o, p->text, sizeof(p->text));
    x_text_copy(s, n, &o);
    p->truncated = p->truncated || o.full;
    return 0;
}

/* Keep a mentioned account with its id, when both are well formed and there is room. */
static void mention_keep(struct social_post *p, json_t *handle, json_t *id)
{
    struct social_mention *m;
    const char *h;
    size_t k;

    if (p->n_mentions >= SOCIAL_POST_MENTIONS || !json_is_string(handle) || !json_is_string(id) ||
        !handle_ok(json_string_value(handle)) || !id_ok(json_string_value(id))) {
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

/* Our screen name as the tweet's user_mentions give it (the mention whose id is for_user_id),
 * lower-cased into out; false when we are not among them. */
static bool x_our_name(json_t *tweet, const char *for_user_id, char out[SOCIAL_HANDLE_MAX])
{
    json_t *ents = json_object_get(tweet, "entities");
    json_t *ms = json_is_object(ents) ? json_object_get(ents, "user_mentions") : NULL;
    size_t i;
    json_t *m;

    json_array_foreach(ms, i, m)
    {
        json_t *id = json_object_get(m, "id_str");
        json_t *name = json_object_get(m, "screen_name");

        if (json_is_string(id) && json_is_string(name) &&
            strcmp(json_string_value(id), for_user_id) == 0 && handle_ok(json_string_value(name))) {
            const char *n = json_string_value(name);
            size_t k;

            for (k = 0; n[k] != '\0' && k + 1 < SOCIAL_HANDLE_MAX; k++) {
                out[k] = (n[k] >= 'A' && n[k] <= 'Z') ? (char)(n[k] + 32) : n[k];
            }
            out[k] = '\0';
            return true;
        }
    }
    return false;
}

/* A reply's text starts with the mentions X fills in (the people in the thread), which
 * display_text_range leaves out: "@bob @mandat pay @carol 5" would read as a payment to
 * @mandat. Those leading mentions are cut, up to where the displayed text starts; if ours was
 * among them it is put back in front, as if typed, so that the post still begins with it. Only
 * whole mentions are cut: a range that does not fall after one leaves the text as it was. */
static void x_reply_mentions_cut(json_t *ev, const char *for_user_id, struct social_post *p)
{
    json_t *ext = json_object_get(ev, "extended_tweet");
    json_t *tweet = json_is_object(ext) ? ext : ev;
    json_t *range = json_object_get(tweet, "display_text_range");
    json_t *first = json_array_get(range, 0);
    char ours[SOCIAL_HANDLE_MAX], rest[SOCIAL_TEXT_MAX];
    bool ours_cut = false, have_ours;
    size_t start, at = 0, cut = 0;

    if (!json_is_integer(first) || json_integer_value(first) <= 0 ||
        json_integer_value(first) >= (json_int_t)SOCIAL_TEXT_MAX) {
        return;
    }
    start = (size_t)json_integer_value(first);
    have_ours = x_our_name(tweet, for_user_id, ours);
    /* The prefix is "@name @name ": ASCII, so its code points (X's indices) are its bytes. */
    while (at < start && p->text[at] == '@') {
        size_t b = ++at;

        while (is_handle_char(p->text[at])) {
            at++;
        }
        if (at == b || at > start) {
            return;
        }
        if (have_ours && at - b == strlen(ours) && strncasecmp(p->text + b, ours, at - b) == 0) {
            ours_cut = true;
        }
        while (p->text[at] == ' ') {
            at++;
        }
        cut = at;
    }
    if (cut == 0 || cut < start) {
        return;
    }
    snprintf(rest, sizeof(rest), "%s", p->text + cut);
    if (ours_cut && (rest[0] != '@' || strncasecmp(rest + 1, ours, strlen(ours)) != 0)) {
        int n = snprintf(p->text, sizeof(p->text), "@%s %s", ours, rest);

        p->truncated = p->truncated || n < 0 || (size_t)n >= sizeof(p->text);
    } else {
        memcpy(p->text, rest, strlen(rest) + 1);
    }
}

static int x_event_read(json_t *ev, size_t i, const char *for_user_id, struct social_post *p,
                        struct mdt_err *err)
{
    char path[PATH_MAX_], upath[PATH_MAX_];
    json_t *user, *rt;
    const char *created;
    int rc;

    memset(p, 0, sizeof(*p));
    snprintf(path, sizeof(path), "tweet_create_events[%zu]", i);
    snprintf(upath, sizeof(upath), "tweet_create_events[%zu].user", i);
    if (!json_is_object(ev)) {
        return mdt_err_set(err, MDT_E(INVAL), "%s: not an object", path);
    }
    rc = field_id(ev, path, "id_str", p->id, err);
    if (rc == 0) {
        rc = field_object(ev, path, "user", &user, err);
    }
    if (rc == 0) {
        rc = field_id(user, upath, "id_str", p->author_id, err);
    }
    if (rc == 0) {
        rc = field_handle(user, upath, "screen_name", p->author, err);
    }
    if (rc == 0) {
        rc = x_text_read(ev, path, p, err);
    }
    if (rc < 0) {
        return rc;
    }
    x_reply_mentions_cut(ev, for_user_id, p);
    {
        /* extended_tweet's entities cover the whole text; the top level's the cut one. */
        json_t *ext = json_object_get(ev, "extended_tweet");
        json_t *ents = json_object_get(ext, "entities");
        json_t *ms = json_object_get(ents, "user_mentions");
        size_t k;
        json_t *m;

        if (!json_is_array(ms)) {
            ms = json_object_get(json_object_get(ev, "entities"), "user_mentions");
        }

        json_array_foreach(ms, k, m)
        {
            mention_keep(p, json_object_get(m, "screen_name"), json_object_get(m, "id_str"));
        }
    }
    /* A date we cannot read is no reason to lose a payment: 0, as documented. */
    if (field_string(ev, path, "created_at", false, &created, NULL) == 0 && created != NULL) {
        p->created_us = x_time_parse(created);
    }
    rt = json_object_get(ev, "retweeted_status");
    p->repost = rt != NULL && !json_is_null(rt);
    p->from_self = strcmp(p->author_id, for_user_id) == 0;
    return 0;
}

int social_x_parse_events(const char *body, size_t len, struct social_post *out, size_t max,
                          struct mdt_err *err)
{
    char for_user_id[SOCIAL_ID_MAX];
    json_t *root, *events;
    size_t n = 0;
    int rc = 0;

    MDT_ASSERT(out != NULL || max == 0);
    mdt_err_clear(err);
    root = json_read(body, len, err);
    if (root == NULL) {
        return MDT_E(INVAL);
    }
    if (!json_is_object(root)) {
        rc = mdt_err_set(err, MDT_E(INVAL), "not a JSON object");
        goto out;
    }
    /* favorite_events, follow_events, direct_message_events ...: nothing to read here. */
    events = json_object_get(root, "tweet_create_events");
    if (events == NULL || json_is_null(events)) {
        goto out;
    }
    if (!json_is_array(events)) {
        rc = field_err(err, "", "tweet_create_events", "not an array");
        goto out;
    }
    n = json_array_size(events);
    if (n > max) {
        rc = mdt_err_set(err, MDT_E(INVAL), "more than %zu events", max);
        goto out;
    }
    rc = field_id(root, "", "for_user_id", for_user_id, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = x_event_read(json_array_get(events, i), i, for_user_id, &out[i], err);
    }
out:
    json_decref(root);
    return rc < 0 ? rc : (int)n;
}

/* ------------------------------------------------------------------------------------------ */
/* Mastodon HTML to text                                                                      */

/* The conversion's state. A link is either a mention already written (skip until </a>) or a
 * link whose text is kept (and, for class "mention", resolved at </a>). */
struct html {
    const char *s;
    size_t len;
    size_t i;
    const char *const *urls;
    const char *const *accts;
    size_t n_mentions;
    struct text_out o;
    int pending;       /* line ends owed before the next text: 0, 1 or 2 */
    bool skip;         /* inside a mention link already written: drop all until </a> */
    bool in_link;      /* inside an <a> whose text is kept */
    bool link_mention; /* that <a> has class "mention" and not "hashtag" */
    size_t link_start; /* where its text starts in o */
    char link_host[SOCIAL_HANDLE_MAX]; /* that <a>'s href host, lower-case; "" when none */
    bool no_tags;                      /* a tag was left unclosed: all from there on is text */
};

static bool is_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Line ends owed, then the text: none before the first text. White space at the start of a
 * line is dropped, as browsers do ("</p>\n<p>" is one paragraph break, not a space). */
static void html_put(struct html *h, const char *s, size_t n, bool space)
{
    if (space && (h->o.len == 0 || h->pending > 0 || h->o.buf[h->o.len - 1] == '\n')) {
        return;
    }
    if (h->pending > 0 && h->o.len > 0) {
        out_put(&h->o, "\n\n", (size_t)h->pending);
    }
    h->pending = 0;
    out_put(&h->o, s, n);
}

/* "@" + acct, whole or not at all. */
static void html_put_mention(struct html *h, const char *acct)
{
    size_t n = strlen(acct);

    if (h->pending > 0 && h->o.len > 0) {
        out_put(&h->o, "\n\n", (size_t)h->pending);
    }
    h->pending = 0;
    if (out_fits(&h->o, n + 1)) {
        out_put(&h->o, "@", 1);
        out_put(&h->o, acct, n);
    }
}

/* Text at h->i: an entity, white space, or one UTF-8 character. */
static void html_text(struct html *h)
{
    const char *s = h->s + h->i;
    size_t n = h->len - h->i, used = 0;
    uint32_t cp;
    char b[4];

    if (s[0] == '&') {
        used = entity_read(s, n, false, &cp);
    }
    if (used > 0) {
        html_put(h, b, utf8_encode(cp, b), false);
        h->i += used;
    } else if (is_html_space(s[0])) {
        html_put(h, " ", 1, true);
        h->i++;
    } else if (s[0] == '\0') {
        h->i++;
    } else {
        used = utf8_seq((const unsigned char *)s, n);
        html_put(h, used > 0 ? s : "\xef\xbf\xbd", used > 0 ? used : 3, false);
        h->i += used > 0 ? used : 1;
    }
}

/* Index of the '>' ending the tag opened before i, outside quoted attribute values; len when
 * there is none. */
static size_t tag_end(const char *s, size_t len, size_t i)
{
    char quote = 0;
    bool after_eq = false;

    for (; i < len; i++) {
        char c = s[i];

        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '>') {
            return i;
        } else if (after_eq && (c == '"' || c == '\'')) {
            quote = c;
            after_eq = false;
        } else if (c == '=') {
            after_eq = true;
        } else if (!is_html_space(c)) {
            after_eq = false;
        }
    }
    return len;
}

/* One attribute value span of the tag at s[0 .. n): name lower-case ASCII. */
struct attr {
    const char *v;
    size_t n;
    bool found;
};

/* Find href and class among the attributes at s[0 .. n) (after the tag name). */
static void tag_attrs(const char *s, size_t n, struct attr *href, struct attr *cls)
{
    size_t i = 0;

    while (i < n) {
        size_t name = i, name_n, v = 0, vn = 0;

        while (i < n && (is_html_space(s[i]) || s[i] == '/')) {
            i++;
        }
        for (name = i; i < n && !is_html_space(s[i]) && s[i] != '=' && s[i] != '/'; i++) {
        }
        name_n = i - name;
        while (i < n && is_html_space(s[i])) {
            i++;
        }
        if (i < n && s[i] == '=') {
            for (i++; i < n && is_html_space(s[i]); i++) {
            }
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char q = s[i++];

                for (v = i; i < n && s[i] != q; i++) {
                }
                vn = i - v;
                i += i < n;
            } else {
                for (v = i; i < n && !is_html_space(s[i]); i++) {
                }
                vn = i - v;
            }
        }
        if (name_n == 4 && strncasecmp(s + name, "href", 4) == 0 && !href->found) {
            *href = (struct attr){s + v, vn, true};
        } else if (name_n == 5 && strncasecmp(s + name, "class", 5) == 0 && !cls->found) {
            *cls = (struct attr){s + v, vn, true};
        }
        if (name_n == 0 && i < n) {
            i++; /* a stray '=' or quote: step over it */
        }
    }
}

/* Whether the class list a holds word. */
static bool class_has(const struct attr *a, const char *word)
{
    size_t wn = strlen(word);

    for (size_t i = 0; i < a->n;) {
        size_t start;

        while (i < a->n && is_html_space(a->v[i])) {
            i++;
        }
        for (start = i; i < a->n && !is_html_space(a->v[i]); i++) {
        }
        if (i - start == wn && memcmp(a->v + start, word, wn) == 0) {
            return true;
        }
    }
    return false;
}

/* The acct a link's text "@bob" or "@bob@other.example" names among the mentions: exactly
 * one must match, by acct or by its user part. NULL when none or several do. */
static const char *mention_by_text(const struct html *h, const char *t, size_t n)
{
    const char *found = NULL;
    bool remote;
    size_t hits = 0;

    if (n < 2 || t[0] != '@' || n > SOCIAL_HANDLE_MAX) {
        return NULL;
    }
    t++;
    n--;
    remote = memchr(t, '@', n) != NULL;
    for (size_t k = 0; k < h->n_mentions; k++) {
        const char *a = h->accts[k];
        const char *at = strchr(a, '@');
        size_t an = remote || at == NULL ? strlen(a) : (size_t)(at - a);

        if (an == n && strncasecmp(a, t, n) == 0) {
            found = a;
            hits++;
        }
    }
    return hits == 1 ? found : NULL;
}

/* The host of an http(s) URL, lower-cased into out (cap bytes); "" when it has none that
 * could be a domain (letters, digits, '.', '-'). */
static void url_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n = 0;

    out[0] = '\0';
    if (p == NULL ||
        (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)) {
        return;
    }
    for (p += 3; *p != '\0' && *p != '/' && *p != ':' && *p != '?' && *p != '#'; p++) {
        char c = *p;

        if (!(is_alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '-') || n + 1 >= cap) {
            out[0] = '\0';
            return;
        }
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        out[n] = '\0';
    }
}

/* A mention link none of the status' mentions names, written "@bob": left so, it would read as
 * the local @bob of the author's instance, who may be someone else. Its href's host says which
 * server the person is on ("@bob@other.example"), as Mastodon's acct would. */
static void mention_host_add(struct html *h)
{
    const char *t = h->o.buf + h->link_start;
    size_t n = h->o.len - h->link_start;
    size_t hn = strlen(h->link_host);

    if (n < 2 || t[0] != '@' || memchr(t + 1, '@', n - 1) != NULL || hn == 0 ||
        n + 1 + hn > SOCIAL_HANDLE_MAX) {
        return;
    }
    out_put(&h->o, "@", 1);
    out_put(&h->o, h->link_host, hn);
}

static void link_close(struct html *h)
{
    const char *acct;

    if (h->skip) {
        h->skip = false;
        return;
    }
    if (!h->in_link) {
        return;
    }
    h->in_link = false;
    if (!h->link_mention) {
        return;
    }
    acct = mention_by_text(h, h->o.buf + h->link_start, h->o.len - h->link_start);
    if (acct != NULL) {
        h->o.len = h->link_start;
        h->o.buf[h->o.len] = '\0';
        html_put_mention(h, acct);
    } else {
        mention_host_add(h);
    }
}

/* <a ...>: a mention by its href is written at once; other links keep their text. */
static void link_open(struct html *h, const char *attrs, size_t n)
{
    struct attr href = {0}, cls = {0};
    char url[HREF_MAX];
    struct text_out u;

    link_close(h);
    tag_attrs(attrs, n, &href, &cls);
    out_init(&u, url, sizeof(url));
    for (size_t i = 0; i < href.n && !u.full;) {
        uint32_t cp;
        char b[4];
        size_t used = href.v[i] == '&' ? entity_read(href.v + i, href.n - i, false, &cp) : 0;

        if (used > 0) {
            out_put(&u, b, utf8_encode(cp, b));
            i += used;
        } else {
            i += out_put_char(&u, href.v + i, href.n - i);
        }
    }
    for (size_t k = 0; href.found && !u.full && u.len > 0 && k < h->n_mentions; k++) {
        if (strcmp(url, h->urls[k]) == 0) {
            html_put_mention(h, h->accts[k]);
            h->skip = true;
            return;
        }
    }
    h->in_link = true;
    h->link_mention = cls.found && class_has(&cls, "mention") && !class_has(&cls, "hashtag");
    if (h->link_mention && href.found && !u.full) {
        url_host(url, h->link_host, sizeof(h->link_host));
    } else {
        h->link_host[0] = '\0';
    }
    if (h->pending > 0 && h->o.len > 0) {
        out_put(&h->o, "\n\n", (size_t)h->pending);
    }
    h->pending = 0;
    h->link_start = h->o.len;
}

/* What a tag does: line ends, links; all else is dropped. */
static void tag_apply(struct html *h, const char *name, bool closing, const char *attrs, size_t n)
{
    static const char *const blocks[] = {"p",  "div", "li", "ul", "ol", "blockquote", "pre",
                                         "h1", "h2",  "h3", "h4", "h5", "h6"};

    if (strcmp(name, "a") == 0) {
        if (closing) {
            link_close(h);
        } else {
            link_open(h, attrs, n);
        }
        return;
    }
    if (h->skip) {
        return;
    }
    if (strcmp(name, "br") == 0) {
        h->pending = h->pending < 2 ? h->pending + 1 : 2;
        return;
    }
    for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
        if (strcmp(name, blocks[k]) == 0) {
            h->pending = 2;
        }
    }
}

/* At h->i == '<': a tag, a comment or a declaration is read and applied; returns false when
 * the '<' is text. */
static bool html_tag(struct html *h)
{
    const char *s = h->s;
    size_t i = h->i + 1, end, name_n = 0;
    bool closing = false;
    char name[12];

    if (h->no_tags || i >= h->len) {
        return false;
    }
    if (s[i] == '!') {
        const char *close = NULL;

        if (h->len - i >= 3 && memcmp(s + i, "!--", 3) == 0) {
            close = memmem(s + i + 3, h->len - i - 3, "-->", 3);
            end = close != NULL ? (size_t)(close - s) + 2 : h->len;
        } else {
            end = tag_end(s, h->len, i);
        }
        h->no_tags = end >= h->len;
        h->i = h->no_tags ? h->i : end + 1;
        return !h->no_tags;
    }
    closing = s[i] == '/';
    i += closing;
    if (i >= h->len || !is_alpha(s[i])) {
        return false;
    }
    end = tag_end(s, h->len, i);
    if (end >= h->len) {
        h->no_tags = true;
        return false;
    }
    for (; i < end && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9')); i++, name_n++) {
        if (name_n < sizeof(name) - 1) {
            name[name_n] = (char)(s[i] | 0x20);
        }
    }
    name[name_n < sizeof(name) ? name_n : 0] = '\0';
    tag_apply(h, name, closing, s + i, end - i);
    h->i = end + 1;
    return true;
}

size_t social_html_to_text(const char *html, size_t len, const char *const *mention_urls,
                           const char *const *mention_accts, size_t n_mentions, char *out,
                           size_t cap, bool *truncated)
{
    struct html h = {.s = html,
                     .len = len,
                     .urls = mention_urls,
                     .accts = mention_accts,
                     .n_mentions = n_mentions};

    MDT_ASSERT((html != NULL || len == 0) && out != NULL && cap >= 1);
    MDT_ASSERT(n_mentions == 0 || (mention_urls != NULL && mention_accts != NULL));
    out_init(&h.o, out, cap);
    while (h.i < h.len && !h.o.full) {
        if (h.s[h.i] == '<' && html_tag(&h)) {
            continue;
        }
        if (h.skip) {
            h.i++;
        } else {
            html_text(&h);
        }
    }
    if (truncated != NULL) {
        *truncated = h.o.full;
    }
    return h.o.len;
}

/* ------------------------------------------------------------------------------------------ */
/* Mastodon notifications                                                                     */

/* status.mentions into (urls, accts), pointers into the JSON. Returns the count or an error. */
static int masto_mentions(json_t *status, const char *path, const char **urls, const char **accts,
                          struct social_post *p, struct mdt_err *err)
{
    json_t *list = json_object_get(status, "mentions");
    char mpath[PATH_MAX_ + 24];
    size_t n;
    int rc = 0;

    if (list == NULL || json_is_null(list)) {
        return 0;
    }
    if (!json_is_array(list)) {
        return field_err(err, path, "mentions", "not an array");
    }
    n = json_array_size(list);
    if (n > SOCIAL_MENTIONS_MAX) {
        return field_err(err, path, "mentions", "more than %d", SOCIAL_MENTIONS_MAX);
    }
    for (size_t k = 0; k < n && rc == 0; k++) {
        json_t *m = json_array_get(list, k);

        snprintf(mpath, sizeof(mpath), "%s.mentions[%zu]", path, k);
        if (!json_is_object(m)) {
            return mdt_err_set(err, MDT_E(INVAL), "%s: not an object", mpath);
        }
        rc = field_string(m, mpath, "url", true, &urls[k], err);
        if (rc == 0) {
            rc = field_string(m, mpath, "acct", true, &accts[k], err);
        }
        if (rc == 0 && !handle_ok(accts[k])) {
            rc = field_err(err, mpath, "acct", "not a handle");
        }
        if (rc == 0) {
            mention_keep(p, json_object_get(m, "acct"), json_object_get(m, "id"));
        }
    }
    return rc < 0 ? rc : (int)n;
}

/* The status of a mention notification into p (its author is the notification's). */
static int masto_status(json_t *status, const char *path, struct social_post *p,
                        struct mdt_err *err)
{
    const char *urls[SOCIAL_MENTIONS_MAX], *accts[SOCIAL_MENTIONS_MAX];
    const char *content = NULL, *created = NULL, *visibility = NULL;
    json_t *reblog = json_object_get(status, "reblog");
    int n, rc = field_id(status, path, "id", p->id, err);

    if (rc == 0) {
        rc = field_string(status, path, "content", true, &content, err);
    }
    if (rc == 0) {
        rc = field_string(status, path, "visibility", false, &visibility, err);
    }
    n = rc == 0 ? masto_mentions(status, path, urls, accts, p, err) : rc;
    if (n < 0) {
        return n;
    }
    if (field_string(status, path, "created_at", false, &created, NULL) == 0 && created != NULL) {
        p->created_us = iso_time_parse(created);
    }
    p->repost = reblog != NULL && !json_is_null(reblog);
    p->direct = visibility != NULL && strcmp(visibility, "direct") == 0;
    social_html_to_text(content, strlen(content), urls, accts, (size_t)n, p->text, sizeof(p->text),
                        &p->truncated);
    return 0;
}

/* Notification i: a post in out[*count] when it is a mention with a status. */
static int masto_read(json_t *nt, size_t i, struct social_post *out, size_t max, size_t *count,
                      struct mdt_err *err)
{
    char path[PATH_MAX_], apath[PATH_MAX_], spath[PATH_MAX_];
    const char *type;
    json_t *status, *account;
    struct social_post *p;
    int rc;

    snprintf(path, sizeof(path), "[%zu]", i);
    snprintf(apath, sizeof(apath), "[%zu].account", i);
    snprintf(spath, sizeof(spath), "[%zu].status", i);
    if (!json_is_object(nt)) {
        return mdt_err_set(err, MDT_E(INVAL), "%s: not an object", path);
    }
    rc = field_string(nt, path, "type", true, &type, err);
    status = json_object_get(nt, "status");
    if (rc < 0 || strcmp(type, "mention") != 0 || status == NULL || json_is_null(status)) {
        return rc;
    }
    if (*count == max) {
        return mdt_err_set(err, MDT_E(INVAL), "more than %zu mentions", max);
    }
    p = &out[*count];
    memset(p, 0, sizeof(*p));
    rc = field_id(nt, path, "id", p->notification_id, err);
    if (rc == 0) {
        rc = field_object(nt, path, "account", &account, err);
    }
    if (rc == 0) {
        rc = field_id(account, apath, "id", p->author_id, err);
    }
    if (rc == 0) {
        rc = field_handle(account, apath, "acct", p->author, err);
    }
    if (rc == 0) {
        rc = field_object(nt, path, "status", &status, err);
    }
    if (rc == 0) {
        rc = masto_status(status, spath, p, err);
    }
    *count += rc == 0;
    return rc;
}

int social_mastodon_parse_notifications(const char *body, size_t len, struct social_post *out,
                                        size_t max, struct mdt_err *err)
{
    json_t *root;
    size_t count = 0;
    int rc = 0;

    MDT_ASSERT(out != NULL || max == 0);
    mdt_err_clear(err);
    root = json_read(body, len, err);
    if (root == NULL) {
        return MDT_E(INVAL);
    }
    if (!json_is_array(root)) {
        rc = mdt_err_set(err, MDT_E(INVAL), "not a JSON array");
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(root); i++) {
        rc = masto_read(json_array_get(root, i), i, out, max, &count, err);
    }
    json_decref(root);
    return rc < 0 ? rc : (int)count;
}

/* ------------------------------------------------------------------------------------------ */
/* Link headers (RFC 8288 §3)                                                                 */

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* Whether the relation list v[0 .. n) (space-separated, RFC 8288 §3.3) holds rel. */
static bool rel_has(const char *v, size_t n, const char *rel)
{
    size_t rn = strlen(rel);

    for (size_t i = 0; i < n;) {
        size_t start;

        while (i < n && v[i] == ' ') {
            i++;
        }
        for (start = i; i < n && v[i] != ' '; i++) {
        }
        if (i - start == rn && rn > 0 && strncasecmp(v + start, rel, rn) == 0) {
            return true;
        }
    }
    return false;
}

/* Append c to v (cap bytes) while it fits; the count goes one past cap when it does not. */
static size_t value_add(char *v, size_t cap, size_t n, char c)
{
    if (n < cap) {
        v[n] = c;
        return n + 1;
    }
    return cap + 1;
}

/* The parameters after a link's <URI>: *p moves past them. *match: its first rel holds rel. */
static int link_params(const char **pp, const char *rel, bool *match)
{
    const char *p = *pp;
    bool rel_seen = false;
    char v[256];

    *match = false;
    for (p = skip_ows(p); *p == ';'; p = skip_ows(p)) {
        const char *name = skip_ows(p + 1), *q = name;
        size_t vn = 0;

        while (is_tchar(*q)) {
            q++;
        }
        if (q == name) {
            return MDT_E(INVAL);
        }
        p = skip_ows(q);
        if (*p == '=') {
            p = skip_ows(p + 1);
            if (*p == '"') {
                /* quoted-string, RFC 9110 §5.6.4; v keeps what fits, rels are short. */
                for (p++; *p != '"'; p++) {
                    if (*p == '\\' && p[1] != '\0') {
                        p++;
                    }
                    if (*p == '\0' || ((unsigned char)*p < 0x20 && *p != '\t')) {
                        return MDT_E(INVAL);
                    }
                    vn = value_add(v, sizeof(v), vn, *p);
                }
                p++;
            } else {
                for (; is_tchar(*p); p++) {
                    vn = value_add(v, sizeof(v), vn, *p);
                }
            }
        }
        /* RFC 8288 §3.3: occurrences of rel after the first are ignored. */
        if (q - name == 3 && strncasecmp(name, "rel", 3) == 0 && !rel_seen) {
            rel_seen = true;
            *match = vn < sizeof(v) && rel_has(v, vn, rel);
        }
    }
    *pp = p;
    return 0;
}

int social_link_find(const char *header, const char *rel, char *out, size_t cap)
{
    const char *p = header, *url = NULL;
    size_t url_n = 0;
    int rc = 0;

    MDT_ASSERT(rel != NULL && out != NULL && cap >= 1);
    out[0] = '\0';
    if (header == NULL) {
        return MDT_E(NOTFOUND);
    }
    for (;;) {
        const char *start, *end;
        bool match;

        /* RFC 9110 §5.6.1: empty list elements are allowed and ignored. */
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (*p != '<') {
            return MDT_E(INVAL);
        }
        start = p + 1;
        for (end = start; *end != '>' && (unsigned char)*end > 0x20 && *end != '<'; end++) {
        }
        if (*end != '>' || end == start) {
            return MDT_E(INVAL);
        }
        p = end + 1;
        rc = link_params(&p, rel, &match);
        if (rc < 0) {
            return rc;
        }
        if (match && url == NULL) {
            url = start;
            url_n = (size_t)(end - start);
        }
        p = skip_ows(p);
        if (*p != ',' && *p != '\0') {
            return MDT_E(INVAL);
        }
    }
    if (url == NULL) {
        return MDT_E(NOTFOUND);
    }
    if (url_n >= cap) {
        return MDT_E(RANGE);
    }
    memcpy(out, url, url_n);
    out[url_n] = '\0';
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Rate limits and ids                                                                        */

static bool all_digits(const char *s)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

/* Seconds as digits, saturated near 10^12 (year 33658), so that microseconds never overflow. */
static int64_t seconds_value(const char *s)
{
    int64_t v = 0;

    for (; *s != '\0'; s++) {
        v = v < 100000000000LL ? v * 10 + (*s - '0') : v;
    }
    return v;
}

static int64_t wait_clamp(int64_t until_us, int64_t now_us)
{
    int64_t d;

    if (until_us <= now_us) {
        return 0;
    }
    if (__builtin_sub_overflow(until_us, now_us, &d) || d > RATE_WAIT_MAX_US) {
        return RATE_WAIT_MAX_US;
    }
    return d;
}

int64_t social_rate_wait_us(const char *ratelimit_reset, const char *retry_after, int64_t now_us)
{
    int64_t t;

    if (all_digits(retry_after)) {
        t = seconds_value(retry_after);
        return t >= RATE_WAIT_MAX_US / 1000000 ? RATE_WAIT_MAX_US : t * 1000000;
    }
    if (all_digits(ratelimit_reset)) {
        return wait_clamp(seconds_value(ratelimit_reset) * 1000000, now_us);
    }
    if (ratelimit_reset != NULL) {
        t = iso_time_parse(ratelimit_reset);
        if (t != 0) {
            return wait_clamp(t, now_us);
        }
    }
    return -1;
}

int social_id_cmp(const char *a, const char *b)
{
    size_t na, nb;
    int c;

    if (a == NULL || b == NULL) {
        return (a != NULL) - (b != NULL);
    }
    if (!all_digits(a) || !all_digits(b)) {
        c = strcmp(a, b);
        return (c > 0) - (c < 0);
    }
    while (a[0] == '0' && a[1] != '\0') {
        a++;
    }
    while (b[0] == '0' && b[1] != '\0') {
        b++;
    }
    na = strlen(a);
    nb = strlen(b);
    if (na != nb) {
        return na < nb ? -1 : 1;
    }
    c = memcmp(a, b, na);
    return (c > 0) - (c < 0);
}
