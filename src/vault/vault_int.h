/* SPDX-License-Identifier: Apache-2.0 */
/* What the vault's files share: the derived keys held in the vault's locked page. Not for use
 * outside src/vault. */
#ifndef MDT_VAULT_VAULT_INT_H
#define MDT_VAULT_VAULT_INT_H

#include <stdint.h>

#include "vault/vault.h"

/* out = HMAC-SHA256(key, "seal-key:v" || version): the AES-256-GCM key of that seal version. */
void vault_seal_key_derive(const uint8_t key[VAULT_KEY_LEN], uint8_t version,
                           uint8_t out[VAULT_KEY_LEN]);

/* The sealing key of version, or NULL when this vault does not hold that version. */
const uint8_t *vault_seal_key(const struct vault *v, uint8_t version);

#endif
