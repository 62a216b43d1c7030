/* SPDX-License-Identifier: Apache-2.0 */
/* Secrets other systems gave us, used where they are kept: the X consumer secret signs the
 * answers to X's CRC challenges and checks the signatures of X's webhook posts (X Account
 * Activity API, "Securing webhooks"), so that no other module ever holds it. */
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "base/assert.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

#define MAC_LEN 32     /* HMAC-SHA256 */
#define MAC_B64_LEN 44 /* 4 * ceil(32 / 3) */
#define SIG_PREFIX "sha256="

_Static_assert(sizeof(SIG_PREFIX) - 1 + MAC_B64_LEN + 1 == VAULT_X_SIG_MAX, "the signature fits");
_Static_assert(VAULT_X_SECRET_MAX <= INT_MAX, "HMAC takes an int key length");

int vault_x_sign(const struct vault *v, const void *msg, size_t len, char sig[VAULT_X_SIG_MAX])
{
    size_t klen = 0;
    const uint8_t *key = vault_x_key(v, &klen);
    size_t plen = strlen(SIG_PREFIX);
    unsigned char mac[MAC_LEN];
    unsigned int n = 0;

    sig[0] = '\0';
    if (key == NULL) {
        return MDT_E(NOTFOUND);
    }
    MDT_ASSERT(msg != NULL || len == 0);
    MDT_ASSERT(HMAC(EVP_sha256(), key, (int)klen, msg != NULL ? msg : (const void *)"", len, mac,
                    &n) != NULL &&
               n == MAC_LEN);
    memcpy(sig, SIG_PREFIX, plen);
    MDT_ASSERT(EVP_EncodeBlock((unsigned char *)sig + plen, mac, MAC_LEN) == MAC_B64_LEN);
    vault_wipe(mac, sizeof(mac));
    return 0;
}

bool vault_x_signature_ok(const struct vault *v, const void *body, size_t len, const char *header)
{
    char want[VAULT_X_SIG_MAX];
    bool ok;

    if (header == NULL || (body == NULL && len > 0) || strlen(header) != VAULT_X_SIG_MAX - 1 ||
        vault_x_sign(v, body, len, want) < 0) {
        return false;
    }
    /* The length is public; the bytes, prefix included, are compared in constant time. */
    ok = CRYPTO_memcmp(want, header, VAULT_X_SIG_MAX - 1) == 0;
    vault_wipe(want, sizeof(want));
    return ok;
}
