/* SPDX-License-Identifier: Apache-2.0 */
/* What the vault's files share: the derived keys held in the vault's locked page. Not for use
 * outside src/vault. */
#ifndef MDT_VAULT_VAULT_INT_H
#define MDT_VAULT_VAULT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vault/vault.h"

/* The sealing key of version, or NULL when this vault does not hold that version. */
const uint8_t *vault_seal_key(const struct vault *v, uint8_t version);

/* AES-256-GCM one way or the other, with a 96-bit nonce and a 128-bit tag (written when
 * sealing, checked when opening). 0, or -MDT_ECORRUPT when opening finds the tag wrong
 * (tampered, wrong key or wrong aad). Thread-safe. */
int vault_gcm(const uint8_t *key, bool enc, const uint8_t nonce[12], const void *aad,
              size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag);

/* At least len bytes of zeroed memory for keys, in whole pages locked against swapping (best
 * effort: without CAP_IPC_LOCK mlock may fail) and excluded from core dumps; *map_len gets the
 * size to give vault_page_free, which wipes and unmaps. NULL when the kernel gives no memory. */
void *vault_page_new(size_t len, size_t *map_len);
void vault_page_free(void *p, size_t map_len);

/*
 * HMAC-SHA256 under one key, set up once (RFC 2104 §2): the SHA-256 states after the block of
 * key XOR ipad and after key XOR opad. Each MAC then hashes its data from a copy of the first,
 * and the inner hash from a copy of the second: 2 blocks of work plus the data's, where the
 * one-shot HMAC() keys a fresh OpenSSL context every call (6.6 us against about 0.7 us here).
 * These states are as good as the key to whoever reads them, so a struct vault_hmac_key lives
 * only inside a vault page (vault_page_new: locked, not dumped), never in OpenSSL's heap, and
 * the copies are wiped after each MAC. Opaque bytes: only vault_hmac.c sees OpenSSL's
 * SHA256_CTX (whose API OpenSSL 3.0 deprecates), and asserts it fits.
 */
#define VAULT_HMAC_STATE_LEN 112 /* sizeof(SHA256_CTX): 8 + 2 + 16 words, num and md_len */
struct vault_hmac_key {
    _Alignas(8) uint8_t inner[VAULT_HMAC_STATE_LEN];
    _Alignas(8) uint8_t outer[VAULT_HMAC_STATE_LEN];
};

/* Set k (inside a vault page) up for key[0 .. len): any length, a key over the 64-byte block
 * hashed first as RFC 2104 says. Wipes what it used on the stack. */
void vault_hmac_key_set(struct vault_hmac_key *k, const uint8_t *key, size_t len);

/* out = HMAC-SHA256(k's key, data[0 .. len)), bit for bit what OpenSSL's HMAC() gives. data may
 * be NULL when len is 0. k is only read: thread-safe. */
void vault_hmac(const struct vault_hmac_key *k, const void *data, size_t len, uint8_t out[32]);

/* The X consumer secret in the locked page and its length in *len; NULL (and 0) when the vault
 * holds none. */
const uint8_t *vault_x_key(const struct vault *v, size_t *len);

#endif
