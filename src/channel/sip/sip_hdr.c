/* SPDX-License-Identifier: Apache-2.0 */
/* Session-Expires and Min-SE values (RFC 4028 §4: delta-seconds *(SEMI se-params)), our digest
 * nonces, nonce counts and htdigest lines. Every read is bounded by the length given; nothing is
 * NUL-terminated on input. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/hex.h"
#include "channel/sip/sip_hdr.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_blanks(const char *p, size_t n, size_t i)
{
    while (i < n && is_blank(p[i])) {
        i++;
    }
    return i;
}

/* Decode 2 * len hex digits of p into out; unlike base's hex_decode, p need not end there.
 * Returns 0 or -MDT_EPARSE. */
static int hex_read(const char *p, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hex_digit(p[2 * i]), lo = hex_digit(p[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return MDT_E(PARSE);
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* One ";name[=value]" parameter starting at p[i] (after the ';'); returns the index after it. */
static int param_read(const char *p, size_t n, size_t *i, enum sip_refresher *refresher)
{
    size_t name = skip_blanks(p, n, *i), name_end = name, val, val_end;

    while (name_end < n && p[name_end] != '=' && p[name_end] != ';' && !is_blank(p[name_end])) {
        name_end++;
    }
    if (name_end == name) {
        return MDT_E(PARSE);
    }
    val = skip_blanks(p, n, name_end);
    val_end = val;
    if (val < n && p[val] == '=') {
        val = skip_blanks(p, n, val + 1);
        val_end = val;
        while (val_end < n && p[val_end] != ';' && !is_blank(p[val_end])) {
            val_end++;
        }
        if (val_end == val) {
            return MDT_E(PARSE);
        }
    }
    *i = skip_blanks(p, n, val_end);
    if (refresher == NULL || name_end - name != 9 || strncasecmp(p + name, "refresher", 9) != 0) {
        return 0;
    }
    if (val_end - val == 3 && strncasecmp(p + val, "uac", 3) == 0) {
        *refresher = SIP_REFRESHER_UAC;
    } else if (val_end - val == 3 && strncasecmp(p + val, "uas", 3) == 0) {
        *refresher = SIP_REFRESHER_UAS;
    } else {
        return MDT_E(PARSE);
    }
    return 0;
}

int sip_hdr_delta_parse(const char *p, size_t n, uint32_t *delta_s, enum sip_refresher *refresher)
{
    size_t i = skip_blanks(p, n, 0), digits = 0;
    uint64_t v = 0;

    if (refresher != NULL) {
        *refresher = SIP_REFRESHER_NONE;
    }
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        if (++digits > 10) {
            return MDT_E(PARSE);
        }
        v = v * 10 + (uint64_t)(p[i] - '0');
        i++;
    }
    if (digits == 0 || v > SIP_SE_MAX_S) {
        return MDT_E(PARSE);
    }
    i = skip_blanks(p, n, i);
    while (i < n) {
        if (p[i] != ';') {
            return MDT_E(PARSE);
        }
        i++;
        if (param_read(p, n, &i, refresher) < 0) {
            return MDT_E(PARSE);
        }
    }
    *delta_s = (uint32_t)v;
    return 0;
}

void sip_nonce_format(uint64_t made_ms, uint32_t seq, const uint8_t mac[SIP_NONCE_MAC_LEN],
                      char out[SIP_NONCE_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < 16; i++) {
        out[i] = digits[(made_ms >> (60 - 4 * i)) & 0xf];
    }
    for (int i = 0; i < 8; i++) {
        out[16 + i] = digits[(seq >> (28 - 4 * i)) & 0xf];
    }
    hex_encode(mac, SIP_NONCE_MAC_LEN, out + 24); /* and the NUL at SIP_NONCE_LEN */
}

int sip_nonce_parse(const char *p, size_t n, uint64_t *made_ms, uint32_t *seq,
                    uint8_t mac[SIP_NONCE_MAC_LEN])
{
    uint64_t ms = 0;
    uint32_t sq = 0;

    if (n != SIP_NONCE_LEN) {
        return MDT_E(PARSE);
    }
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return MDT_E(PARSE); /* sip_nonce_format writes lowercase only */
        }
    }
    for (int i = 0; i < 16; i++) {
        ms = ms << 4 | (uint64_t)hex_digit(p[i]);
    }
    for (int i = 16; i < 24; i++) {
        sq = sq << 4 | (uint32_t)hex_digit(p[i]);
    }
    *made_ms = ms;
    *seq = sq;
    return hex_read(p + 24, mac, SIP_NONCE_MAC_LEN);
}

int sip_hdr_nc_parse(const char *p, size_t n, uint32_t *nc)
{
    uint32_t v = 0;

    if (n != 8) {
        return MDT_E(PARSE);
    }
    for (size_t i = 0; i < n; i++) {
        int d = hex_digit(p[i]);

        if (d < 0) {
            return MDT_E(PARSE);
        }
        v = v << 4 | (uint32_t)d;
    }
    *nc = v;
    return 0;
}

/* A field up to the next ':' from p[*i]: 1 to SIP_DIGEST_NAME_MAX bytes, copied to out. */
static int field_read(const char *p, size_t n, size_t *i, char out[SIP_DIGEST_NAME_MAX + 1])
{
    const char *colon = memchr(p + *i, ':', n - *i);
    size_t len;

    if (colon == NULL) {
        return MDT_E(PARSE);
    }
    len = (size_t)(colon - (p + *i));
    if (len == 0 || len > SIP_DIGEST_NAME_MAX || memchr(p + *i, '\0', len) != NULL) {
        return MDT_E(PARSE);
    }
    memcpy(out, p + *i, len);
    out[len] = '\0';
    *i += len + 1;
    return 0;
}

int sip_digest_user_parse(const char *line, size_t n, struct sip_digest_user *out)
{
    size_t i = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = field_read(line, n, &i, out->user);
    if (rc == 0) {
        rc = field_read(line, n, &i, out->realm);
    }
    if (rc == 0 && n - i != 2 * SIP_DIGEST_HA1_LEN) {
        rc = MDT_E(PARSE);
    }
    if (rc == 0) {
        rc = hex_read(line + i, out->ha1, SIP_DIGEST_HA1_LEN);
    }
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
