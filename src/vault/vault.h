/* SPDX-License-Identifier: Apache-2.0 */
/* The vault: the only module that touches key material. Today it keeps people's 6-digit codes
 * as keyed hashes (HMAC-SHA256 with a key kept outside the database), verifies them in
 * constant time and refuses weak codes; it makes link tokens (kept as keyed hashes) and seals
 * short secrets for storage (AES-256-GCM, versioned keys). Card data encryption comes later. */
#ifndef MDT_VAULT_VAULT_H
#define MDT_VAULT_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

#define VAULT_KEY_LEN 32 /* HMAC-SHA256 key: 256 bits from the kernel CSPRNG */
#define VAULT_PIN_HASH_LEN 32
#define VAULT_PIN_LEN 6 /* PSD2 knowledge factor as S-Money used it: six digits */

struct vault;

/* Open the key file at key_path (mode 0600, exactly VAULT_KEY_LEN bytes). With create, a missing
 * file is made with a fresh random key (O_EXCL, 0600). The key is held in memory locked against
 * swapping and excluded from core dumps where the kernel allows. *out: vault_close().
 * Errors: -MDT_ENOTFOUND (missing, create false), -MDT_EIO, -MDT_ECORRUPT (wrong size or
 * permissions readable by others); err never contains key bytes. */
int vault_open(const char *key_path, bool create, struct vault **out, struct mdt_err *err);

/* Wipe the key and free. NULL is allowed. */
void vault_close(struct vault *v);

/* out = HMAC-SHA256(key, subject || 0x00 || code). subject binds the hash to its owner (the E.164
 * number or account id), so that two people with the same code have different hashes and a
 * stolen database cannot be brute-forced without the key (10^6 codes). code must be 6 digits:
 * -MDT_EINVAL otherwise. Thread-safe. */
int vault_pin_hash(const struct vault *v, const char *subject, const char *code,
                   uint8_t out[VAULT_PIN_HASH_LEN]);

/* Whether code matches the stored hash for subject, compared in constant time. */
bool vault_pin_verify(const struct vault *v, const char *subject, const char *code,
                      const uint8_t stored[VAULT_PIN_HASH_LEN]);

/* out = HMAC-SHA256(key, data): a fingerprint of something that may hold a secret (a message
 * that may be a code), which cannot be reversed by trying the 10^6 codes without the key. */
void vault_mac(const struct vault *v, const void *data, size_t len, uint8_t out[32]);

/* Why a code is refused when a person sets it. */
enum pin_weakness {
    PIN_OK = 0,
    PIN_NOT_SIX_DIGITS,
    PIN_ALL_SAME, /* 000000, 777777 */
    PIN_SEQUENCE, /* 123456, 654321, 012345, 098765 */
    PIN_REPEATED, /* 121212, 123123 */
    PIN_IN_PHONE, /* six consecutive digits of the person's own number */
};

/* Judge a new code. phone_digits (may be NULL) is the person's number, digits only or E.164. */
enum pin_weakness vault_pin_weakness(const char *code, const char *phone_digits);

/* What to tell the person, per weakness, in French (fr true) or English. Never echoes the code. */
const char *vault_pin_weakness_text(enum pin_weakness w, bool fr);

/* ---- merchants' and people's secrets (vault_keys.c) ---- */

#define VAULT_KEY_ID_BYTES 8      /* public half of an API key: 16 hex digits */
#define VAULT_API_SECRET_BYTES 24 /* secret half: 192 bits */
#define VAULT_KEY_ID_MAX (2 * VAULT_KEY_ID_BYTES + 1)
#define VAULT_API_KEY_MAX (4 + 2 * VAULT_KEY_ID_BYTES + 1 + 2 * VAULT_API_SECRET_BYTES + 1)
#define VAULT_WEBHOOK_SECRET_MAX (6 + SHA256_HEX_MAX) /* "whsec_" and 64 hex digits */
#define VAULT_TOKEN_MAX 33                            /* 128-bit link token: 32 hex digits */

/* A new API key "mdt_<key_id>_<secret>" into key (show it once, then wipe it), its key_id (the
 * lookup key) and the keyed hash to store. -MDT_EIO when the kernel gives no random bytes. */
int vault_api_key_new(const struct vault *v, char key[VAULT_API_KEY_MAX],
                      char key_id[VAULT_KEY_ID_MAX], uint8_t hash[32]);

/* Split a presented key into its key_id and the keyed hash to compare (vault_hash_equal) with
 * the stored one. -MDT_EPARSE when it is not shaped like a key. Thread-safe. */
int vault_api_key_check(const struct vault *v, const char *key, char key_id[VAULT_KEY_ID_MAX],
                        uint8_t hash[32]);

/* Constant-time comparison of two 32-byte hashes. */
bool vault_hash_equal(const uint8_t a[32], const uint8_t b[32]);

/* Whether a shared secret a peer presented (NUL-terminated, NULL for none) equals the
 * configured one, in time independent of where they differ and of their lengths (both are
 * hashed first). An empty expected secret matches nothing. Thread-safe. */
bool vault_secret_equal(const char *given, const char *expected);

/* The merchant's webhook signing secret, "whsec_" and 64 hex digits, derived from the vault key
 * (nothing stored; the same every time). */
void vault_webhook_secret(const struct vault *v, uint64_t merchant_id,
                          char secret[VAULT_WEBHOOK_SECRET_MAX]);

/* sig = hex(HMAC-SHA256(secret, "<t>." || body)): the v1 value of the Mandat-Signature header,
 * with secret the ASCII text vault_webhook_secret gives. */
void vault_webhook_sign(const struct vault *v, uint64_t merchant_id, int64_t t, const char *body,
                        size_t len, char sig[SHA256_HEX_MAX]);

/* A link token: 128 random bits as 32 hex digits (for URLs; nothing personal), and the keyed
 * hash to store. -MDT_EIO without random bytes. */
int vault_token_new(const struct vault *v, char token[VAULT_TOKEN_MAX], uint8_t hash[32]);

/* The keyed hash of a presented token; -MDT_EPARSE when it is not 32 hex digits. */
int vault_token_check(const struct vault *v, const char *token, uint8_t hash[32]);

/* What a text kept at rest (a message received, a log line) shows where a token was. */
#define VAULT_TOKEN_MARKER "[token]"

/* Replace in t each standalone run of exactly 32 hex digits, in either case (a link token pasted
 * back, or echoed by a peer), by VAULT_TOKEN_MARKER. In place; t only gets shorter. */
void vault_token_redact(char *t);

/* ---- secrets other systems gave us (vault_peer.c) ---- */

/* The X app's consumer secret (API secret key): X signs its webhooks with it. Bytes, NUL
 * included, kept at most in the vault's locked page. */
#define VAULT_X_SECRET_MAX 128
/* "sha256=" and the base64 of an HMAC-SHA256 (44 characters), NUL included. */
#define VAULT_X_SIG_MAX (7 + 44 + 1)

/* Keep the X consumer secret (1 to VAULT_X_SECRET_MAX - 1 bytes, NUL-terminated) in the vault's
 * locked page, so that the webhook's CRC answers and signature checks are the vault's and the
 * secret is needed nowhere else: the caller wipes its own copy (vault_wipe). "" or NULL
 * forgets it. -MDT_EINVAL when too long (nothing kept). Not thread-safe: call at start-up, before
 * the vault is shared. */
int vault_x_secret_set(struct vault *v, const char *consumer_secret);

/* Whether the vault holds an X consumer secret: the X webhook is served only then. */
bool vault_x_secret_held(const struct vault *v);

/* sig = "sha256=" base64(HMAC-SHA256(consumer secret, msg[0 .. len))): the response_token of X's
 * CRC challenge (msg is the crc_token, percent-decoded). -MDT_ENOTFOUND (sig "") when the vault
 * holds no X secret. Thread-safe. */
int vault_x_sign(const struct vault *v, const void *msg, size_t len, char sig[VAULT_X_SIG_MAX]);

/* Whether header, the x-twitter-webhooks-signature value ("sha256=<base64>"), is the signature
 * of body[0 .. len) as vault_x_sign makes it. The bytes are compared in constant time. No X
 * secret, NULL or malformed header (no "sha256=" prefix, wrong length): false. Thread-safe. */
bool vault_x_signature_ok(const struct vault *v, const void *body, size_t len, const char *header);

/* ---- short secrets sealed for storage (vault_seal.c) ---- */

#define VAULT_SEAL_VERSION 1    /* the version new seals carry; first byte of every seal */
#define VAULT_SEAL_OVERHEAD 29  /* version byte, 96-bit nonce, 128-bit GCM tag */
#define VAULT_SEAL_PLAIN_MAX 64 /* short secrets only: tokens, not documents */

/* out = version || nonce || AES-256-GCM(seal key of version, plain, aad) || tag, exactly
 * len + VAULT_SEAL_OVERHEAD bytes (caller-owned). The seal key is derived from the vault key
 * (HMAC with a label and the version), never equal to it. aad (may be NULL with aad_len 0) is
 * not stored: it binds the seal to where it is kept (a row id), so a seal copied elsewhere does
 * not open. -MDT_EINVAL when len is 0 or above VAULT_SEAL_PLAIN_MAX, -MDT_EIO without random
 * bytes. Thread-safe. */
int vault_secret_seal(const struct vault *v, const void *aad, size_t aad_len, const void *plain,
                      size_t len, uint8_t *out);

/* Open what vault_secret_seal made with the same aad: plain gets sealed_len -
 * VAULT_SEAL_OVERHEAD bytes (caller-owned; wipe it after use). -MDT_EINVAL for a length no seal
 * has, -MDT_ERANGE for a version this vault does not hold, -MDT_ECORRUPT when the tag does not
 * match (tampered, another key, another aad); plain is then wiped. Thread-safe. */
int vault_secret_open(const struct vault *v, const void *aad, size_t aad_len, const uint8_t *sealed,
                      size_t sealed_len, uint8_t *plain);

/* Overwrite a secret in memory in a way the compiler cannot remove. */
void vault_wipe(void *p, size_t n);

#endif
