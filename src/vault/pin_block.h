/* SPDX-License-Identifier: Apache-2.0 */
/* PIN blocks from the card network (issue 15): field 52 of an ATM withdrawal decrypted under the
 * zone PIN key (ZPK) shared with the switch, its PIN taken out and checked against the card's
 * PIN kept as a keyed hash. ISO 9564-1 format 0 under double-length TDES (what switches use
 * today) and, as an option, format 4 under AES-128/256 (the standard's PIN block for AES: format
 * 0 is defined for 64-bit ciphers only). The clear PIN and the key exist only in the vault, in
 * wiped buffers; nothing here logs, and no error message carries a digit of a PIN or PAN. */
#ifndef MDT_VAULT_PIN_BLOCK_H
#define MDT_VAULT_PIN_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "vault/vault.h"

#define PIN_BLOCK_PIN_MIN 4 /* ISO 9564-1: a PIN is 4 to 12 digits */
#define PIN_BLOCK_PIN_MAX 12
#define PIN_BLOCK_TDES_LEN 8 /* format 0: one 64-bit block (field 52, b 64) */
#define PIN_BLOCK_AES_LEN 16 /* format 4: one 128-bit block */
#define PIN_BLOCK_LEN_MAX 16
#define PIN_ZPK_LEN_MAX 32
#define PIN_ZPK_KCV_LEN 7 /* 6 hex digits and the NUL */

/* The zone PIN key's algorithm, and so the PIN block format it carries. */
enum pin_zpk_alg {
    PIN_ZPK_TDES2,  /* 16-byte double-length TDES (des-ede-ecb), format 0 */
    PIN_ZPK_AES128, /* 16-byte AES key, format 4 */
    PIN_ZPK_AES256, /* 32-byte AES key, format 4 */
};

struct pin_zpk;

/* Keep key[0 .. key_len) as a ZPK of alg in the vault's locked memory (excluded from core
 * dumps); the caller wipes its own copy (vault_wipe). -MDT_EINVAL when key_len is not the
 * algorithm's (16, 16 or 32) or, for TDES, when both halves are equal (that is single DES);
 * -MDT_ENOMEM. err never holds key bytes. *out: pin_zpk_free. */
int pin_zpk_new(enum pin_zpk_alg alg, const uint8_t *key, size_t key_len, struct pin_zpk **out,
                struct mdt_err *err);

/* The same from hex text (32 or 64 hex digits, either case), as a key ceremony's components are
 * written; -MDT_EINVAL when it is not hex of the right length. */
int pin_zpk_from_hex(enum pin_zpk_alg alg, const char *hex, struct pin_zpk **out,
                     struct mdt_err *err);

/* Wipe the key and free. NULL is allowed. */
void pin_zpk_free(struct pin_zpk *k);

/* The length of the PIN blocks this key decrypts: 8 (TDES) or 16 (AES). */
size_t pin_zpk_block_len(const struct pin_zpk *k);

/* The key check value both sides of a key exchange compare: the first three bytes of the key's
 * encryption of a zero block (the ECB form of ANSI X9.24), as 6 uppercase hex digits. */
void pin_zpk_kcv(const struct pin_zpk *k, char kcv[PIN_ZPK_KCV_LEN]);

/*
 * Decrypt block[0 .. len) under k and take out the PIN for the card pan (13 to 19 digits,
 * NUL-terminated): pin gets 4 to 12 digits and a NUL (caller-owned; wipe it with vault_wipe
 * after use). -MDT_EINVAL when len is not pin_zpk_block_len(k) or pan is not 13 to 19 digits;
 * -MDT_ECORRUPT when the clear block is not a block of the format (wrong control digit, PIN
 * length, non-decimal digit, wrong fill): a block made under another key or for another PAN
 * looks like that. pin is wiped on every error, and every intermediate buffer always.
 * Thread-safe.
 */
int pin_block_decrypt(const struct pin_zpk *k, const uint8_t *block, size_t len, const char *pan,
                      char pin[PIN_BLOCK_PIN_MAX + 1], struct mdt_err *err);

/* out = the keyed hash of a card PIN to store: vault_mac of "card-pin", subject (the card's
 * token) and the PIN, so that it is bound to its card, never equal to a wallet code's hash for
 * the same digits, and cannot be tried offline without the vault key. -MDT_EINVAL when pin is
 * not 4 to 12 digits or subject is empty or longer than 128 bytes. Thread-safe. */
int pin_block_hash(const struct vault *v, const char *subject, const char *pin,
                   uint8_t out[VAULT_PIN_HASH_LEN]);

/* Decrypt block for pan under k and compare its PIN with stored, the hash pin_block_hash made
 * for subject, in constant time: 0 and *match, or an error of pin_block_decrypt (*match false).
 * The clear PIN never leaves this function. Thread-safe. */
int pin_block_verify(const struct vault *v, const struct pin_zpk *k, const uint8_t *block,
                     size_t len, const char *pan, const char *subject,
                     const uint8_t stored[VAULT_PIN_HASH_LEN], bool *match, struct mdt_err *err);

#endif
