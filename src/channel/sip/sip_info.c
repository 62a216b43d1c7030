/* SPDX-License-Identifier: Apache-2.0 */
/* SIP INFO application/dtmf-relay bodies: "Signal=<key>" and "Duration=<ms>" lines, CRLF or LF,
 * names case-insensitive, blanks around '=' allowed. Other lines of the form Name=value are
 * skipped (some trunks add their own); anything else is refused. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "channel/sip/sip_info.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The key a Signal value names, or 0. */
static char signal_key(const char *v, size_t n)
{
    if (n == 1) {
        char c = v[0];

        if ((c >= '0' && c <= '9') || c == '*' || c == '#') {
            return c;
        }
        if (c >= 'a' && c <= 'd') {
            return (char)(c - 'a' + 'A');
        }
        if (c >= 'A' && c <= 'D') {
            return c;
        }
        return 0;
    }
    if (n == 2 && v[0] == '1' && (v[1] == '0' || v[1] == '1')) {
        return v[1] == '0' ? '*' : '#'; /* RFC 4733 §3.2 event codes 10 and 11 */
    }
    return 0;
}

/* A Duration value: decimal milliseconds, at most a minute's worth of digits. */
static int duration_read(const char *v, size_t n, uint32_t *out)
{
    uint32_t ms = 0;

    if (n == 0 || n > 6) {
        return MDT_E(PARSE);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return MDT_E(PARSE);
        }
        ms = ms * 10 + (uint32_t)(v[i] - '0');
    }
    *out = ms;
    return 0;
}

/* One line [p, p + n): "Name = value". */
static int line_read(const char *p, size_t n, char *key, uint32_t *duration_ms)
{
    const char *eq = memchr(p, '=', n);
    size_t name_n, v_n;
    const char *v;

    if (eq == NULL) {
        return MDT_E(PARSE);
    }
    name_n = (size_t)(eq - p);
    while (name_n > 0 && is_blank(p[name_n - 1])) {
        name_n--;
    }
    v = eq + 1;
    v_n = (size_t)(p + n - v);
    while (v_n > 0 && is_blank(*v)) {
        v++;
        v_n--;
    }
    while (v_n > 0 && is_blank(v[v_n - 1])) {
        v_n--;
    }
    if (name_n == 6 && strncasecmp(p, "signal", 6) == 0) {
        *key = signal_key(v, v_n);
        return *key != 0 ? 0 : MDT_E(PARSE);
    }
    if (name_n == 8 && strncasecmp(p, "duration", 8) == 0) {
        return duration_read(v, v_n, duration_ms);
    }
    return name_n > 0 ? 0 : MDT_E(PARSE);
}

int sip_info_dtmf_parse(const char *body, size_t len, char *key, uint32_t *duration_ms)
{
    size_t i = 0;

    *key = 0;
    *duration_ms = 0;
    if (len > SIP_INFO_BODY_MAX) {
        return MDT_E(RANGE);
    }
    while (i < len) {
        size_t n = 0, end;
        int rc;

        while (i + n < len && body[i + n] != '\n') {
            n++;
        }
        /* The line is [i, i + end): without its CR and leading blanks. */
        end = n;
        if (end > 0 && body[i + end - 1] == '\r') {
            end--;
        }
        while (end > 0 && is_blank(body[i])) {
            i++;
            end--;
            n--;
        }
        if (end > 0) {
            rc = line_read(body + i, end, key, duration_ms);
            if (rc < 0) {
                return rc;
            }
        }
        i += n + 1;
    }
    return *key != 0 ? 0 : MDT_E(PARSE);
}
