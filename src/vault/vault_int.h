/* SPDX-License-Identifier: Apache-2.0 */
/* What the vault's files share: the derived keys held in the vault's locked page. Not for use
 * outside src/vault. */
#ifndef MDT_VAULT_VAULT_INT_H
#define MDT_VAULT_VAULT_INT_H

#include <stdint.h>

#include "vault/vault.h"

/* The sealing key of version, or NULL when this vault does not hold that version. */
const uint8_t *vault_seal_key(const struct vault *v, uint8_t version);

/* The X consumer secret in the locked page and its length in *len; NULL (and 0) when the vault
 * holds none. */
const uint8_t *vault_x_key(const struct vault *v, size_t *len);

#endif
