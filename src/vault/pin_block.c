/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 9564-1 PIN blocks under a zone PIN key: format 0 with double-length TDES, format 4 with
 * AES; the PIN checked against its keyed hash. Every clear buffer is wiped before return. */
#include "vault/pin_block.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/hex.h"
#include "vault/vault_int.h"

struct pin_zpk {
    enum pin_zpk_alg alg;
    size_t key_len;
    uint8_t *key; /* key_len bytes in a locked page, not dumped */
    size_t map_len;
};

/* The hash's domain: a card PIN never hashes like a wallet code (vault_pin_hash) or a token. */
static const char hash_label[] = "card-pin";
#define PIN_SUBJECT_MAX 128

static size_t alg_key_len(enum pin_zpk_alg alg)
{
    return alg == PIN_ZPK_AES256 ? 32 : 16;
}

int pin_zpk_new(enum pin_zpk_alg alg, const uint8_t *key, size_t key_len, struct pin_zpk **out,
                struct mdt_err *err)
{
    struct pin_zpk *k;

    *out = NULL;
    if (alg != PIN_ZPK_TDES2 && alg != PIN_ZPK_AES128 && alg != PIN_ZPK_AES256) {
        return mdt_err_set(err, MDT_E(INVAL), "zone PIN key: unknown algorithm");
    }
    if (key_len != alg_key_len(alg)) {
        return mdt_err_set(err, MDT_E(INVAL), "zone PIN key: %zu bytes, %zu expected", key_len,
                           alg_key_len(alg));
    }
    if (alg == PIN_ZPK_TDES2 && memcmp(key, key + 8, 8) == 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "zone PIN key: both halves are equal, which is single DES");
    }
    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory for a zone PIN key");
    }
    k->key = vault_page_new(PIN_ZPK_LEN_MAX, &k->map_len);
    if (k->key == NULL) {
        free(k);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot map memory for a zone PIN key");
    }
    memcpy(k->key, key, key_len);
    k->alg = alg;
    k->key_len = key_len;
    *out = k;
    return 0;
}

int pin_zpk_from_hex(enum pin_zpk_alg alg, const char *hex, struct pin_zpk **out,
                     struct mdt_err *err)
{
    uint8_t key[PIN_ZPK_LEN_MAX];
    size_t n = alg_key_len(alg);
    int rc;

    *out = NULL;
    if (hex == NULL || strlen(hex) != 2 * n || hex_decode(hex, key, n) < 0) {
        rc = mdt_err_set(err, MDT_E(INVAL), "zone PIN key: %zu hex digits expected", 2 * n);
        goto out;
    }
    rc = pin_zpk_new(alg, key, n, out, err);
out:
    vault_wipe(key, sizeof(key));
    return rc;
}

void pin_zpk_free(struct pin_zpk *k)
{
    if (k == NULL) {
        return;
    }
    vault_page_free(k->key, k->map_len);
    free(k);
}

size_t pin_zpk_block_len(const struct pin_zpk *k)
{
    return k->alg == PIN_ZPK_TDES2 ? PIN_BLOCK_TDES_LEN : PIN_BLOCK_AES_LEN;
}

/* One block of len bytes (8 or 16) through the key's cipher in ECB without padding. */
static void block_cipher(const struct pin_zpk *k, bool enc, const uint8_t *in, uint8_t *out)
{
    const EVP_CIPHER *cipher = k->alg == PIN_ZPK_TDES2    ? EVP_des_ede_ecb()
                               : k->alg == PIN_ZPK_AES128 ? EVP_aes_128_ecb()
                                                          : EVP_aes_256_ecb();
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = (int)pin_zpk_block_len(k);
    int n = 0;

    MDT_ASSERT(c != NULL);
    MDT_ASSERT(EVP_CipherInit_ex(c, cipher, NULL, k->key, NULL, enc ? 1 : 0) == 1);
    MDT_ASSERT(EVP_CIPHER_CTX_set_padding(c, 0) == 1);
    MDT_ASSERT(EVP_CipherUpdate(c, out, &n, in, len) == 1 && n == len);
    EVP_CIPHER_CTX_free(c);
}

void pin_zpk_kcv(const struct pin_zpk *k, char kcv[PIN_ZPK_KCV_LEN])
{
    static const char digits[] = "0123456789ABCDEF";
    uint8_t zero[PIN_BLOCK_LEN_MAX] = {0};
    uint8_t enc[PIN_BLOCK_LEN_MAX];

    block_cipher(k, true, zero, enc);
    for (int i = 0; i < 3; i++) {
        kcv[2 * i] = digits[enc[i] >> 4];
        kcv[2 * i + 1] = digits[enc[i] & 0xF];
    }
    kcv[6] = '\0';
}

static bool pan_ok(const char *pan, size_t *len)
{
    size_t n = pan != NULL ? strnlen(pan, 20) : 0;

    for (size_t i = 0; i < n; i++) {
        if (pan[i] < '0' || pan[i] > '9') {
            return false;
        }
    }
    *len = n;
    return n >= 13 && n <= 19;
}

static uint8_t nibble(const uint8_t *b, size_t i)
{
    return i % 2 == 0 ? b[i / 2] >> 4 : b[i / 2] & 0xF;
}

static void nibble_set(uint8_t *b, size_t i, uint8_t v)
{
    b[i / 2] =
        i % 2 == 0 ? (uint8_t)((b[i / 2] & 0x0F) | v << 4) : (uint8_t)((b[i / 2] & 0xF0) | v);
}

/* ISO 9564-1 §9.3.1.3 (format 0): 0000 then the 12 rightmost PAN digits without the check
 * digit. §9.4.2.3 (format 4): M = PAN length - 12, the whole PAN, zeros to 32 nibbles. */
static void pan_field(bool format4, const char *pan, size_t n, uint8_t *out)
{
    memset(out, 0, PIN_BLOCK_LEN_MAX);
    if (!format4) {
        for (size_t i = 0; i < 12; i++) {
            nibble_set(out, 4 + i, (uint8_t)(pan[n - 13 + i] - '0'));
        }
        return;
    }
    nibble_set(out, 0, (uint8_t)(n - 12));
    for (size_t i = 0; i < n; i++) {
        nibble_set(out, 1 + i, (uint8_t)(pan[i] - '0'));
    }
}

/* The PIN of a clear PIN field: control c, length, digits, fill f to nibble 15. */
static int pin_field_read(const uint8_t *f, uint8_t c, uint8_t fill, char *pin, struct mdt_err *err)
{
    size_t n = nibble(f, 1);

    if (nibble(f, 0) != c) {
        return mdt_err_set(err, MDT_E(CORRUPT), "PIN block: control field %u, format %u expected",
                           nibble(f, 0), c);
    }
    if (n < PIN_BLOCK_PIN_MIN || n > PIN_BLOCK_PIN_MAX) {
        return mdt_err_set(err, MDT_E(CORRUPT), "PIN block: PIN length %zu, 4 to 12 expected", n);
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t d = nibble(f, 2 + i);

        if (d > 9) {
            return mdt_err_set(err, MDT_E(CORRUPT), "PIN block: PIN digit %zu is not decimal",
                               i + 1);
        }
        pin[i] = (char)('0' + d);
    }
    pin[n] = '\0';
    for (size_t i = 2 + n; i < 16; i++) {
        if (nibble(f, i) != fill) {
            return mdt_err_set(err, MDT_E(CORRUPT), "PIN block: fill digit %zu is not %X", i + 1,
                               fill);
        }
    }
    return 0;
}

int pin_block_decrypt(const struct pin_zpk *k, const uint8_t *block, size_t len, const char *pan,
                      char pin[PIN_BLOCK_PIN_MAX + 1], struct mdt_err *err)
{
    bool format4 = k->alg != PIN_ZPK_TDES2;
    uint8_t panf[PIN_BLOCK_LEN_MAX], a[PIN_BLOCK_LEN_MAX], b[PIN_BLOCK_LEN_MAX];
    size_t pan_len = 0;
    int rc;

    memset(pin, 0, PIN_BLOCK_PIN_MAX + 1);
    if (len != pin_zpk_block_len(k)) {
        return mdt_err_set(err, MDT_E(INVAL), "PIN block: %zu bytes, %zu expected", len,
                           pin_zpk_block_len(k));
    }
    if (!pan_ok(pan, &pan_len)) {
        return mdt_err_set(err, MDT_E(INVAL), "PIN block: the PAN is not 13 to 19 digits");
    }
    pan_field(format4, pan, pan_len, panf);
    block_cipher(k, false, block, a);
    for (size_t i = 0; i < len; i++) {
        a[i] ^= panf[i];
    }
    if (format4) { /* §9.4.2.4: B = D(C) xor PAN field, PIN field = D(B) */
        block_cipher(k, false, a, b);
        memcpy(a, b, sizeof(a));
    }
    rc = pin_field_read(a, format4 ? 4 : 0, format4 ? 0xA : 0xF, pin, err);
    if (rc < 0) {
        vault_wipe(pin, PIN_BLOCK_PIN_MAX + 1);
    }
    vault_wipe(a, sizeof(a));
    vault_wipe(b, sizeof(b));
    vault_wipe(panf, sizeof(panf));
    return rc;
}

int pin_block_hash(const struct vault *v, const char *subject, const char *pin,
                   uint8_t out[VAULT_PIN_HASH_LEN])
{
    uint8_t msg[sizeof(hash_label) + PIN_SUBJECT_MAX + 1 + PIN_BLOCK_PIN_MAX];
    size_t slen = subject != NULL ? strnlen(subject, PIN_SUBJECT_MAX + 1) : 0;
    size_t plen = pin != NULL ? strnlen(pin, PIN_BLOCK_PIN_MAX + 1) : 0;
    size_t n = 0;

    if (slen == 0 || slen > PIN_SUBJECT_MAX || plen < PIN_BLOCK_PIN_MIN ||
        plen > PIN_BLOCK_PIN_MAX || strspn(pin, "0123456789") != plen) {
        return MDT_E(INVAL);
    }
    memcpy(msg, hash_label, sizeof(hash_label)); /* its NUL separates it from the subject */
    n = sizeof(hash_label);
    memcpy(msg + n, subject, slen);
    n += slen;
    msg[n++] = 0;
    memcpy(msg + n, pin, plen);
    n += plen;
    vault_mac(v, msg, n, out);
    vault_wipe(msg, sizeof(msg));
    return 0;
}

int pin_block_verify(const struct vault *v, const struct pin_zpk *k, const uint8_t *block,
                     size_t len, const char *pan, const char *subject,
                     const uint8_t stored[VAULT_PIN_HASH_LEN], bool *match, struct mdt_err *err)
{
    char pin[PIN_BLOCK_PIN_MAX + 1];
    uint8_t h[VAULT_PIN_HASH_LEN];
    int rc;

    *match = false;
    rc = pin_block_decrypt(k, block, len, pan, pin, err);
    if (rc < 0) {
        goto out;
    }
    rc = pin_block_hash(v, subject, pin, h);
    if (rc < 0) {
        mdt_err_set(err, rc, "PIN check: the card's subject is empty or too long");
        goto out;
    }
    *match = vault_hash_equal(h, stored);
out:
    vault_wipe(pin, sizeof(pin));
    vault_wipe(h, sizeof(h));
    return rc;
}
