/* SPDX-License-Identifier: Apache-2.0 */
/* vault/pin_block: ISO 9564-1 PIN blocks made here with OpenSSL directly (format 0 under
 * double-length TDES, format 4 under AES-128/256: PIN field and PAN field laid out by the test's
 * own code), decrypted by the vault, the standard example (PIN 1234, PAN 4111111111111111), the
 * key check value of a well-known test key, every refusal, and the keyed hash check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "vault/pin_block.h"

static char dir[] = "/tmp/mandat-pinblock-XXXXXX";
static char key_path[64];
static struct vault *vault;

/* The double-length test key of many HSM manuals, its KCV 08D7B4 known from them. */
static const uint8_t tdes_key[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                     0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t aes_key[32] = {
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81};

static int setup(void **state)
{
    struct mdt_err err = {0};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(key_path, sizeof(key_path), "%s/vault.key", dir);
    assert_int_equal(vault_open(key_path, true, &vault, &err), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vault_close(vault);
    unlink(key_path);
    rmdir(dir);
    return 0;
}

/* One ECB block with OpenSSL, as the switch's HSM would. */
static void encrypt(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *in, int len,
                    uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;

    assert_non_null(c);
    assert_int_equal(EVP_EncryptInit_ex(c, cipher, NULL, key, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(c, 0), 1);
    assert_int_equal(EVP_EncryptUpdate(c, out, &n, in, len), 1);
    assert_int_equal(n, len);
    EVP_CIPHER_CTX_free(c);
}

static void put_nibble(uint8_t *b, size_t i, unsigned v)
{
    b[i / 2] |= (uint8_t)(i % 2 == 0 ? v << 4 : v);
}

/* A format 0 clear block built here: 0 N PIN F..F xor 0000 and the 12 PAN digits before the
 * check digit. */
static void format0(const char *pin, const char *pan, uint8_t out[8])
{
    uint8_t pinf[8] = {0}, panf[8] = {0};
    size_t n = strlen(pin), p = strlen(pan);

    put_nibble(pinf, 1, (unsigned)n);
    for (size_t i = 0; i < 14; i++) {
        put_nibble(pinf, 2 + i, i < n ? (unsigned)(pin[i] - '0') : 0xF);
    }
    for (size_t i = 0; i < 12; i++) {
        put_nibble(panf, 4 + i, (unsigned)(pan[p - 13 + i] - '0'));
    }
    for (size_t i = 0; i < 8; i++) {
        out[i] = pinf[i] ^ panf[i];
    }
}

/* A format 4 enciphered block built here: PIN field 4 N PIN A..A then 8 arbitrary bytes; PAN
 * field M PAN 0..0; C = E(E(PIN field) xor PAN field). */
static void format4(const EVP_CIPHER *cipher, const char *pin, const char *pan, uint8_t out[16])
{
    uint8_t pinf[16] = {0}, panf[16] = {0}, a[16];
    size_t n = strlen(pin), p = strlen(pan);

    put_nibble(pinf, 0, 4);
    put_nibble(pinf, 1, (unsigned)n);
    for (size_t i = 0; i < 14; i++) {
        put_nibble(pinf, 2 + i, i < n ? (unsigned)(pin[i] - '0') : 0xA);
    }
    memcpy(pinf + 8, "\x5c\x13\xe7\x01\x99\xa4\x3f\x80", 8);
    put_nibble(panf, 0, (unsigned)(p - 12));
    for (size_t i = 0; i < p; i++) {
        put_nibble(panf, 1 + i, (unsigned)(pan[i] - '0'));
    }
    encrypt(cipher, aes_key, pinf, 16, a);
    for (size_t i = 0; i < 16; i++) {
        a[i] ^= panf[i];
    }
    encrypt(cipher, aes_key, a, 16, out);
}

static struct pin_zpk *tdes(void)
{
    struct pin_zpk *k = NULL;
    struct mdt_err err = {0};

    assert_int_equal(pin_zpk_new(PIN_ZPK_TDES2, tdes_key, 16, &k, &err), 0);
    return k;
}

static void test_standard_example(void **state)
{
    /* ISO 9564 format 0, PIN 1234, PAN 4111111111111111: 041234FFFFFFFFFF xor
     * 0000111111111111 = 041225EEEEEEEEEE. */
    static const uint8_t clear[8] = {0x04, 0x12, 0x25, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
    uint8_t built[8], block[8];
    char pin[PIN_BLOCK_PIN_MAX + 1];
    struct mdt_err err = {0};
    struct pin_zpk *k = tdes();

    (void)state;
    format0("1234", "4111111111111111", built);
    assert_memory_equal(built, clear, 8);
    encrypt(EVP_des_ede_ecb(), tdes_key, clear, 8, block);
    assert_int_equal(pin_block_decrypt(k, block, 8, "4111111111111111", pin, &err), 0);
    assert_string_equal(pin, "1234");
    assert_int_equal(pin_zpk_block_len(k), 8);
    pin_zpk_free(k);
}

static void test_tdes_own_vectors(void **state)
{
    static const char *const cases[][2] = {
        {"987654321", "5555555555554444"}, {"000000000000", "4000000000000002"},
        {"4321", "6011000990139424"},      {"12345", "3714496353984310000"}, /* 19 digits */
        {"9999", "4222222222222"},                                           /* 13 digits */
    };
    char pin[PIN_BLOCK_PIN_MAX + 1];
    uint8_t clear[8], block[8];
    struct mdt_err err = {0};
    struct pin_zpk *k = tdes();

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        format0(cases[i][0], cases[i][1], clear);
        encrypt(EVP_des_ede_ecb(), tdes_key, clear, 8, block);
        assert_int_equal(pin_block_decrypt(k, block, 8, cases[i][1], pin, &err), 0);
        assert_string_equal(pin, cases[i][0]);
    }
    pin_zpk_free(k);
}

static void test_aes_format4(void **state)
{
    char pin[PIN_BLOCK_PIN_MAX + 1];
    uint8_t block[16];
    struct mdt_err err = {0};
    struct pin_zpk *k128 = NULL, *k256 = NULL;

    (void)state;
    assert_int_equal(pin_zpk_new(PIN_ZPK_AES128, aes_key, 16, &k128, &err), 0);
    assert_int_equal(pin_zpk_new(PIN_ZPK_AES256, aes_key, 32, &k256, &err), 0);
    assert_int_equal(pin_zpk_block_len(k128), 16);
    format4(EVP_aes_128_ecb(), "1234", "4111111111111111", block);
    assert_int_equal(pin_block_decrypt(k128, block, 16, "4111111111111111", pin, &err), 0);
    assert_string_equal(pin, "1234");
    format4(EVP_aes_256_ecb(), "123456789012", "5555555555554444", block);
    assert_int_equal(pin_block_decrypt(k256, block, 16, "5555555555554444", pin, &err), 0);
    assert_string_equal(pin, "123456789012");
    /* The AES-128 block under the AES-256 key (another key) is refused. */
    format4(EVP_aes_128_ecb(), "1234", "4111111111111111", block);
    assert_int_equal(pin_block_decrypt(k256, block, 16, "4111111111111111", pin, &err),
                     MDT_E(CORRUPT));
    pin_zpk_free(k128);
    pin_zpk_free(k256);
}

static void assert_wiped(const char *pin)
{
    for (size_t i = 0; i <= PIN_BLOCK_PIN_MAX; i++) {
        assert_int_equal(pin[i], 0);
    }
}

static void test_refusals(void **state)
{
    static const uint8_t other_key[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                          0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF0, 0x01};
    char pin[PIN_BLOCK_PIN_MAX + 1];
    uint8_t clear[8], block[8];
    struct mdt_err err = {0};
    struct pin_zpk *k = tdes();

    (void)state;
    format0("1234", "4111111111111111", clear);
    /* Another key: the clear block is not a format 0 block. */
    encrypt(EVP_des_ede_ecb(), other_key, clear, 8, block);
    memset(pin, 'x', sizeof(pin));
    assert_int_equal(pin_block_decrypt(k, block, 8, "4111111111111111", pin, &err), MDT_E(CORRUPT));
    assert_non_null(strstr(err.msg, "PIN block: "));
    assert_wiped(pin);
    /* Another PAN: the fill is no longer F. */
    encrypt(EVP_des_ede_ecb(), tdes_key, clear, 8, block);
    assert_int_equal(pin_block_decrypt(k, block, 8, "4000000000000002", pin, &err), MDT_E(CORRUPT));
    assert_string_equal(err.msg, "PIN block: fill digit 7 is not F");
    assert_wiped(pin);
    /* Each format rule. */
    static const struct {
        uint8_t clear[8];
        const char *msg;
    } bad[] = {
        {{0x14, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
         "PIN block: control field 1, format 0 expected"},
        {{0x03, 0x12, 0x3F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
         "PIN block: PIN length 3, 4 to 12 expected"},
        {{0x0D, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34},
         "PIN block: PIN length 13, 4 to 12 expected"},
        {{0x04, 0x12, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, "PIN block: PIN digit 4 is not decimal"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* The PAN field of 4111111111111111, so that decryption then xor gives bad[i]. */
        static const uint8_t panf[8] = {0x00, 0x00, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
        uint8_t c[8];

        for (size_t j = 0; j < 8; j++) {
            c[j] = bad[i].clear[j] ^ panf[j];
        }
        encrypt(EVP_des_ede_ecb(), tdes_key, c, 8, block);
        assert_int_equal(pin_block_decrypt(k, block, 8, "4111111111111111", pin, &err),
                         MDT_E(CORRUPT));
        assert_string_equal(err.msg, bad[i].msg);
        assert_wiped(pin);
    }
    /* Wrong sizes and PANs. */
    assert_int_equal(pin_block_decrypt(k, block, 16, "4111111111111111", pin, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "PIN block: 16 bytes, 8 expected");
    assert_int_equal(pin_block_decrypt(k, block, 8, "411111111111", pin, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "PIN block: the PAN is not 13 to 19 digits");
    assert_int_equal(pin_block_decrypt(k, block, 8, "41111111111111111111", pin, &err),
                     MDT_E(INVAL));
    assert_int_equal(pin_block_decrypt(k, block, 8, "411111111111111A", pin, &err), MDT_E(INVAL));
    assert_int_equal(pin_block_decrypt(k, block, 8, NULL, pin, &err), MDT_E(INVAL));
    pin_zpk_free(k);
}

static void test_keys(void **state)
{
    struct pin_zpk *k = NULL;
    struct mdt_err err = {0};
    char kcv[PIN_ZPK_KCV_LEN];
    uint8_t same[16];

    (void)state;
    k = tdes();
    pin_zpk_kcv(k, kcv);
    assert_string_equal(kcv, "08D7B4");
    pin_zpk_free(k);
    assert_int_equal(pin_zpk_from_hex(PIN_ZPK_TDES2, "0123456789abcdefFEDCBA9876543210", &k, &err),
                     0);
    pin_zpk_kcv(k, kcv);
    assert_string_equal(kcv, "08D7B4");
    pin_zpk_free(k);
    memcpy(same, tdes_key, 8);
    memcpy(same + 8, tdes_key, 8);
    assert_int_equal(pin_zpk_new(PIN_ZPK_TDES2, same, 16, &k, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "zone PIN key: both halves are equal, which is single DES");
    assert_null(k);
    assert_int_equal(pin_zpk_new(PIN_ZPK_TDES2, tdes_key, 8, &k, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "zone PIN key: 8 bytes, 16 expected");
    assert_int_equal(pin_zpk_new(PIN_ZPK_AES256, aes_key, 16, &k, &err), MDT_E(INVAL));
    assert_int_equal(pin_zpk_new((enum pin_zpk_alg)7, aes_key, 16, &k, &err), MDT_E(INVAL));
    assert_int_equal(pin_zpk_from_hex(PIN_ZPK_TDES2, "0123", &k, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "zone PIN key: 32 hex digits expected");
    assert_int_equal(pin_zpk_from_hex(PIN_ZPK_TDES2, "0123456789ABCDEFFEDCBA987654321G", &k, &err),
                     MDT_E(INVAL));
    assert_int_equal(pin_zpk_from_hex(PIN_ZPK_AES256, NULL, &k, &err), MDT_E(INVAL));
    assert_null(k);
    pin_zpk_free(NULL);
}

static void test_verify(void **state)
{
    uint8_t stored[VAULT_PIN_HASH_LEN], other[VAULT_PIN_HASH_LEN], clear[8], block[8];
    struct mdt_err err = {0};
    struct pin_zpk *k = tdes();
    bool match = true;

    (void)state;
    assert_int_equal(pin_block_hash(vault, "card_0123", "1234", stored), 0);
    format0("1234", "4111111111111111", clear);
    encrypt(EVP_des_ede_ecb(), tdes_key, clear, 8, block);
    assert_int_equal(
        pin_block_verify(vault, k, block, 8, "4111111111111111", "card_0123", stored, &match, &err),
        0);
    assert_true(match);
    /* Another card's hash of the same PIN does not match. */
    assert_int_equal(
        pin_block_verify(vault, k, block, 8, "4111111111111111", "card_0124", stored, &match, &err),
        0);
    assert_false(match);
    /* A wrong PIN. */
    format0("1235", "4111111111111111", clear);
    encrypt(EVP_des_ede_ecb(), tdes_key, clear, 8, block);
    assert_int_equal(
        pin_block_verify(vault, k, block, 8, "4111111111111111", "card_0123", stored, &match, &err),
        0);
    assert_false(match);
    /* A block that does not decrypt: the error, no match. */
    match = true;
    assert_int_equal(
        pin_block_verify(vault, k, block, 8, "4000000000000002", "card_0123", stored, &match, &err),
        MDT_E(CORRUPT));
    assert_false(match);
    assert_int_equal(
        pin_block_verify(vault, k, block, 8, "4111111111111111", "", stored, &match, &err),
        MDT_E(INVAL));
    /* A card PIN never hashes as a wallet code of the same digits and owner. */
    assert_int_equal(pin_block_hash(vault, "card_0123", "123456", stored), 0);
    assert_int_equal(vault_pin_hash(vault, "card_0123", "123456", other), 0);
    assert_memory_not_equal(stored, other, VAULT_PIN_HASH_LEN);
    assert_int_equal(pin_block_hash(vault, "card_0123", "123", stored), MDT_E(INVAL));
    assert_int_equal(pin_block_hash(vault, "card_0123", "1234567890123", stored), MDT_E(INVAL));
    assert_int_equal(pin_block_hash(vault, "card_0123", "12a4", stored), MDT_E(INVAL));
    assert_int_equal(pin_block_hash(vault, "", "1234", stored), MDT_E(INVAL));
    pin_zpk_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_example),
        cmocka_unit_test(test_tdes_own_vectors),
        cmocka_unit_test(test_aes_format4),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_verify),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
