/* SPDX-License-Identifier: Apache-2.0 */
/* What polling the networks needs, without I/O: the next page from a Link header (RFC 8288),
 * how long to wait after a 429 (Retry-After, rate-limit resets), and the order of ids. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/error.h"
#include "channel/social/social_parse.h"
#include "channel/social/social_parse_int.h"

#define RATE_WAIT_MAX_US (15 * 60 * 1000000LL) /* X's rate windows are 15 minutes */

/* ------------------------------------------------------------------------------------------ */
/* Link headers (RFC 8288 §3)                                                                 */

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(char c)
{
    return social_is_alpha(c) || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
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
        t = social_iso_time_parse(ratelimit_reset);
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
