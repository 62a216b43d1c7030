/* SPDX-License-Identifier: Apache-2.0 */
/* Short secrets sealed for storage: AES-256-GCM under a key derived from the vault key by
 * version, so that a stolen database shows neither the secret nor a way to check guesses, and a
 * later key rotation can add a version while rows sealed under the old one still open. */
#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>

#include "base/assert.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

#define SEAL_NONCE_LEN 12 /* NIST SP 800-38D §8.2.2: 96-bit random nonces */
#define SEAL_TAG_LEN 16

_Static_assert(VAULT_SEAL_OVERHEAD == 1 + SEAL_NONCE_LEN + SEAL_TAG_LEN, "seal layout");

int vault_gcm(const uint8_t *key, bool enc, const uint8_t nonce[12], const void *aad,
              size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, rc = 0;

    MDT_ASSERT(c != NULL);
    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc ? 1 : 0) != 1 ||
        (aad_len > 0 && EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) != 1) ||
        EVP_CipherUpdate(c, out, &n, in, (int)len) != 1) {
        rc = MDT_E(CORRUPT);
        goto out;
    }
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tag) != 1) {
        rc = MDT_E(CORRUPT);
        goto out;
    }
    if (EVP_CipherFinal_ex(c, out + n, &n) != 1) {
        rc = MDT_E(CORRUPT);
        goto out;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, tag) != 1) {
        rc = MDT_E(CORRUPT);
    }
out:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int vault_secret_seal(const struct vault *v, const void *aad, size_t aad_len, const void *plain,
                      size_t len, uint8_t *out)
{
    uint8_t *nonce = out + 1, *body = out + 1 + SEAL_NONCE_LEN;

    if (len == 0 || len > VAULT_SEAL_PLAIN_MAX) {
        return MDT_E(INVAL);
    }
    if (getrandom(nonce, SEAL_NONCE_LEN, 0) != SEAL_NONCE_LEN) {
        return MDT_E(IO);
    }
    out[0] = VAULT_SEAL_VERSION;
    return vault_gcm(vault_seal_key(v, VAULT_SEAL_VERSION), true, nonce, aad, aad_len, plain, len,
                     body, body + len);
}

int vault_secret_open(const struct vault *v, const void *aad, size_t aad_len, const uint8_t *sealed,
                      size_t sealed_len, uint8_t *plain)
{
    const uint8_t *key;
    uint8_t tag[SEAL_TAG_LEN];
    size_t len;
    int rc;

    if (sealed_len <= VAULT_SEAL_OVERHEAD ||
        sealed_len > VAULT_SEAL_OVERHEAD + VAULT_SEAL_PLAIN_MAX) {
        return MDT_E(INVAL);
    }
    key = vault_seal_key(v, sealed[0]);
    if (key == NULL) {
        return MDT_E(RANGE); /* a version this vault does not hold */
    }
    len = sealed_len - VAULT_SEAL_OVERHEAD;
    memcpy(tag, sealed + 1 + SEAL_NONCE_LEN + len, SEAL_TAG_LEN);
    rc = vault_gcm(key, false, sealed + 1, aad, aad_len, sealed + 1 + SEAL_NONCE_LEN, len, plain,
                   tag);
    if (rc < 0) {
        vault_wipe(plain, len); /* nothing unauthenticated leaves */
    }
    return rc;
}
