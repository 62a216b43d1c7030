/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SIP texts mandat reads itself (sip_hdr.c): the first byte picks the
 * parser (Session-Expires/Min-SE value, digest nonce, nonce count, htdigest line), the rest is
 * its input. Each must fail with -MDT_EPARSE or give a value within its bounds: an interval of
 * at most SIP_SE_MAX_S, a nonce that formats back to the same text, a user and realm without
 * ':'. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "channel/sip/sip_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void delta(const char *p, size_t n)
{
    enum sip_refresher r = SIP_REFRESHER_UAS;
    uint32_t se_s = 0;
    int rc = sip_hdr_delta_parse(p, n, &se_s, (n & 1) ? &r : NULL);

    if (rc == 0 && (se_s > SIP_SE_MAX_S || (r != SIP_REFRESHER_NONE && r != SIP_REFRESHER_UAC &&
                                            r != SIP_REFRESHER_UAS))) {
        abort();
    }
    if (rc != 0 && rc != MDT_E(PARSE)) {
        abort();
    }
}

static void nonce(const char *p, size_t n)
{
    uint8_t mac[SIP_NONCE_MAC_LEN];
    char back[SIP_NONCE_LEN + 1];
    uint64_t ms;
    uint32_t nc, seq;
    int rc = sip_nonce_parse(p, n, &ms, &seq, mac);

    if (rc == 0) {
        sip_nonce_format(ms, seq, mac, back);
        if (n != SIP_NONCE_LEN || memcmp(back, p, n) != 0) {
            abort();
        }
    } else if (rc != MDT_E(PARSE)) {
        abort();
    }
    rc = sip_hdr_nc_parse(p, n, &nc);
    if ((rc == 0 && n != 8) || (rc != 0 && rc != MDT_E(PARSE))) {
        abort();
    }
}

static void user_line(const char *p, size_t n)
{
    struct sip_digest_user u;
    int rc = sip_digest_user_parse(p, n, &u);

    if (rc == 0) {
        if (u.user[0] == '\0' || u.realm[0] == '\0' || strchr(u.user, ':') != NULL ||
            strchr(u.realm, ':') != NULL || strlen(u.user) > SIP_DIGEST_NAME_MAX ||
            strlen(u.realm) > SIP_DIGEST_NAME_MAX) {
            abort();
        }
    } else if (rc != MDT_E(PARSE) || u.user[0] != '\0') {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1;
    size_t n = size - 1;

    if (size == 0) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        delta(p, n);
        break;
    case 1:
        nonce(p, n);
        break;
    default:
        user_line(p, n);
        break;
    }
    return 0;
}
