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

/* The X consumer secret in the locked page and its length in *len; NULL (and 0) when the vault
 * holds none. */
const uint8_t *vault_x_key(const struct vault *v, size_t *len);

#endif
