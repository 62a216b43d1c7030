/* SPDX-License-Identifier: Apache-2.0 */
/* The card vault (issue 13, PCI DSS 3.4-3.6): card numbers (PANs) encrypted with AES-256-GCM under
 * versioned data keys from a key ring file kept outside the database, looked up by a keyed hash,
 * and security codes (CVV2) held only in locked memory excluded from core dumps until the
 * acquirer answers. Everything outside src/vault sees a card as a random token plus BIN and last
 * four digits; nothing here logs, and no error message carries card digits. */
#ifndef MDT_VAULT_CARD_VAULT_H
#define MDT_VAULT_CARD_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define CARD_PAN_MIN 12 /* ISO/IEC 7812-1: 8 to 19 digits; no card network we take issues fewer */
#define CARD_PAN_MAX 19
#define CARD_BIN_LEN 6 /* PCI DSS 3.4: first six and last four may be shown, nothing more */
#define CARD_LAST4_LEN 4
#define CARD_CVV_MAX 4       /* CVV2/CVC2 3 digits, Amex CID 4 */
#define CARD_KEY_LEN 32      /* AES-256 */
#define CARD_VERSIONS_MAX 64 /* key versions held at once: years of yearly rotations */
/* Sealed PAN: 4-byte big-endian key version, 96-bit nonce, ciphertext, 128-bit GCM tag. */
#define CARD_SEAL_OVERHEAD (4 + 12 + 16)
#define CARD_SEALED_MAX (CARD_SEAL_OVERHEAD + CARD_PAN_MAX)
#define CARD_TOKEN_MAX                                                                             \
    (5 + 32 + 1) /* "card_" and 128 random bits in hex: not derived from the PAN */

struct card_vault;

/* Open the key ring at path: a text file, mode 0600, holding one lookup key and one data key per
 * version ("lookup <hex>", then "<version> <hex>" lines; the highest version seals). With create,
 * a missing ring is made with a lookup key and version 1. Keys live in locked memory excluded
 * from core dumps. *out: card_vault_close(). Errors: -MDT_ENOTFOUND (missing, create false),
 * -MDT_ECORRUPT (bad line, readable by others, no version), -MDT_EIO. Never a key in err. */
int card_vault_open(const char *path, bool create, struct card_vault **out, struct mdt_err *err);

/* Wipe every key and free. NULL is allowed. */
void card_vault_close(struct card_vault *cv);

/* Append a new data key version to the ring file at path (atomic replace, fsync'd; the lookup key
 * and older versions kept, so every sealed PAN still opens), and return it in *version. A vault
 * that has the ring open takes it up by itself (card_vault_seal looks at the file at most once a
 * second; card_vault_open_pan reloads on a version it lacks). Serialised with other rotations by a
 * lock on path.lock. -MDT_ERANGE when CARD_VERSIONS_MAX versions exist. */
int card_vault_rotate(const char *path, uint32_t *version, struct mdt_err *err);

/* The version new seals use now. Thread-safe. */
uint32_t card_vault_version(struct card_vault *cv);

/* Reread the ring file (after a rotation). Keys already held stay usable if the file is now
 * unreadable (the error says why). Thread-safe. */
int card_vault_reload(struct card_vault *cv, struct mdt_err *err);

/* Seal pan (CARD_PAN_MIN..MAX digits) for the row of token under the current version: out gets
 * *len bytes (at most CARD_SEALED_MAX), *version the key version (stored beside it, so a rotation
 * finds what is left to re-encrypt). The token is authenticated data: a ciphertext copied to
 * another card's row does not open. -MDT_EINVAL for a pan that is not 12-19 digits, -MDT_EIO
 * without random bytes. Thread-safe. */
int card_vault_seal(struct card_vault *cv, const char *token, const char *pan,
                    uint8_t out[CARD_SEALED_MAX], size_t *len, uint32_t *version);

/* Open a sealed PAN of token's row into pan (CARD_PAN_MAX + 1 bytes, caller-owned: wipe it with
 * vault_wipe after use). -MDT_EINVAL for a length no seal has, -MDT_ECORRUPT when the tag does not
 * match (tampered, another row), -MDT_ERANGE for a version the ring does not hold even after a
 * reload. pan is wiped on every error. Thread-safe. */
int card_vault_open_pan(struct card_vault *cv, const char *token, const uint8_t *sealed, size_t len,
                        char pan[CARD_PAN_MAX + 1]);

/* Re-encrypt one sealed PAN under the current version (the rotation's batch step): 1 when out
 * holds a new seal, 0 when it was already current (out untouched), or an error of open/seal. */
int card_vault_reseal(struct card_vault *cv, const char *token, const uint8_t *sealed, size_t len,
                      uint8_t out[CARD_SEALED_MAX], size_t *out_len, uint32_t *version);

/* out = HMAC-SHA256(lookup key, pan): finds a card from a PAN (an authorization, a card typed
 * again) without decrypting anything. The lookup key never rotates with the data keys, so the
 * index stays valid. Thread-safe. */
void card_vault_pan_mac(struct card_vault *cv, const char *pan, uint8_t out[32]);

/* A new card token: "card_" and 128 random bits in hex. -MDT_EIO without random bytes. */
int card_vault_token_new(char token[CARD_TOKEN_MAX]);

/* A security code (CVV2) while an authorization is in flight: it lives in a slot of locked memory
 * excluded from core dumps, never in a struct that may be logged or copied. At most
 * CARD_CVV_SLOTS at once (a bounded pool: beyond it, -MDT_EBUSY, and the caller pushes back).
 * card_cvv_take copies cvv in (and wipes the caller's copy); card_cvv_get gives it back to the
 * acquirer code; card_cvv_drop wipes it. Thread-safe. */
#define CARD_CVV_SLOTS 1024
int card_cvv_take(char *cvv, uint32_t *slot);
const char *card_cvv_get(uint32_t slot);
void card_cvv_drop(uint32_t slot);

/* One line for the card maker, appended to the emboss file: number, expiry MM/YY, holder name
 * and, for a card whose activation code nobody else sees (ordered on a page), that code for the
 * card carrier: "PAN|MM/YY|NAME" or "PAN|MM/YY|NAME|CODE". Pointers are borrowed. */
struct card_emboss {
    const char *token;     /* the card's token: the seal's authenticated data */
    const uint8_t *sealed; /* its sealed number */
    size_t sealed_len;
    unsigned exp_month, exp_year;
    const char *holder;
    const char *activation; /* NULL: not on the line (the CLI prints it) */
};

/* Append e's line to path (created 0600, O_NOFOLLOW; refused when others may read it), then
 * fsync. The number is opened from the seal just for the line, and line and number are wiped
 * before returning; the line goes nowhere else. -MDT_EIO (cannot open or write),
 * -MDT_EINVAL (the file's mode lets others read it), or card_vault_open_pan's errors, with err
 * naming the file. Thread-safe (an append of one line at a time). */
int card_vault_emboss_append(struct card_vault *cv, const char *path, const struct card_emboss *e,
                             struct mdt_err *err);

#endif
