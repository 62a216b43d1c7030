/* SPDX-License-Identifier: Apache-2.0 */
/* What the vault's files share: the derived keys held in the vault's locked page. Not for use
 * outside src/vault. */
#ifndef MDT_VAULT_VAULT_INT_H
#define MDT_VAULT_VAULT_INT_H

#include <stdint.h>

#include "vault/vault.h"

/* The sealing key of version, or NULL when this vault does not hold that version. */
const uint8_t *vault_seal_key(const struct vault *v, uint8_t version);

#endif
