/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SHA256 from states set up once per key and kept in the vault's locked page (RFC 2104),
 * for the MACs made per request (a PAN's lookup hash, an ISO 8583 hold's id): see vault_int.h.
 * The only file that uses OpenSSL's low-level SHA-256 API, deprecated in 3.0 but the one that
 * lets the hash state be a plain struct in memory we choose. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <string.h>

#include "base/assert.h"
#include "vault/vault_int.h"

#define BLOCK_LEN 64 /* SHA-256's block: RFC 2104's B */
#define IPAD 0x36
#define OPAD 0x5c

_Static_assert(sizeof(SHA256_CTX) == VAULT_HMAC_STATE_LEN, "vault_hmac_key holds a SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= 8, "vault_hmac_key's states are 8-aligned");

/* The state after one block: key XOR pad. */
static void pad_state(uint8_t state[VAULT_HMAC_STATE_LEN], const uint8_t block[BLOCK_LEN],
                      uint8_t pad)
{
    uint8_t x[BLOCK_LEN];
    SHA256_CTX c;

    for (size_t i = 0; i < BLOCK_LEN; i++) {
        x[i] = block[i] ^ pad;
    }
    MDT_ASSERT(SHA256_Init(&c) == 1 && SHA256_Update(&c, x, BLOCK_LEN) == 1);
    memcpy(state, &c, sizeof(c));
    vault_wipe(&c, sizeof(c));
    vault_wipe(x, sizeof(x));
}

void vault_hmac_key_set(struct vault_hmac_key *k, const uint8_t *key, size_t len)
{
    uint8_t block[BLOCK_LEN] = {0};

    if (len > BLOCK_LEN) {
        SHA256(key, len, block); /* RFC 2104 §2: a longer key is hashed first */
    } else if (len > 0) {
        memcpy(block, key, len);
    }
    pad_state(k->inner, block, IPAD);
    pad_state(k->outer, block, OPAD);
    vault_wipe(block, sizeof(block));
}

void vault_hmac(const struct vault_hmac_key *k, const void *data, size_t len, uint8_t out[32])
{
    uint8_t inner[SHA256_DIGEST_LENGTH];
    SHA256_CTX c;

    memcpy(&c, k->inner, sizeof(c));
    MDT_ASSERT(SHA256_Update(&c, len > 0 ? data : "", len) == 1 && SHA256_Final(inner, &c) == 1);
    memcpy(&c, k->outer, sizeof(c));
    MDT_ASSERT(SHA256_Update(&c, inner, sizeof(inner)) == 1 && SHA256_Final(out, &c) == 1);
    vault_wipe(&c, sizeof(c));
    vault_wipe(inner, sizeof(inner));
}
