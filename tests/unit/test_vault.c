/* SPDX-License-Identifier: Apache-2.0 */
/* The vault: key file rules, keyed code hashes bound to their owner, constant-time verification,
 * weak codes refused, secrets sealed for storage (round trip, tampering, versions, derived key),
 * X's webhook CRC answers and signatures made with the consumer secret the vault keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "vault/vault.h"
#include "vault/vault_int.h"

static char dir[] = "/tmp/mandat-vault-XXXXXX";
static char key_path[64];

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(key_path, sizeof(key_path), "%s/pin.key", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(key_path);
    rmdir(dir);
    return 0;
}

static void test_key_file(void **state)
{
    struct vault *v = NULL;
    struct mdt_err err = {0};
    struct stat st;

    (void)state;
    unlink(key_path);
    assert_int_equal(vault_open(key_path, false, &v, &err), MDT_E(NOTFOUND));
    assert_int_equal(vault_open(key_path, true, &v, &err), 0);
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_size, VAULT_KEY_LEN);
    assert_int_equal(st.st_mode & 0777, 0600);
    vault_close(v);
    assert_int_equal(chmod(key_path, 0644), 0);
    assert_int_equal(vault_open(key_path, false, &v, &err), MDT_E(CORRUPT));
    assert_non_null(strstr(err.msg, "chmod 600"));
    assert_int_equal(chmod(key_path, 0600), 0);
    assert_int_equal(truncate(key_path, 10), 0);
    assert_int_equal(vault_open(key_path, false, &v, &err), MDT_E(CORRUPT));
    unlink(key_path);
}

static void test_hash_and_verify(void **state)
{
    struct vault *v = NULL, *other = NULL;
    uint8_t h1[VAULT_PIN_HASH_LEN], h2[VAULT_PIN_HASH_LEN], h3[VAULT_PIN_HASH_LEN];
    char other_path[80];

    (void)state;
    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v, NULL), 0);
    assert_int_equal(vault_pin_hash(v, "+33612345678", "483920", h1), 0);
    assert_int_equal(vault_pin_hash(v, "+33612345679", "483920", h2), 0);
    assert_memory_not_equal(h1, h2, sizeof(h1)); /* bound to the owner */
    assert_true(vault_pin_verify(v, "+33612345678", "483920", h1));
    assert_false(vault_pin_verify(v, "+33612345678", "483921", h1));
    assert_false(vault_pin_verify(v, "+33612345679", "483920", h1));
    assert_int_equal(vault_pin_hash(v, "+33612345678", "48392", h3), MDT_E(INVAL));
    assert_int_equal(vault_pin_hash(v, "+33612345678", "48392a", h3), MDT_E(INVAL));
    assert_int_equal(vault_pin_hash(v, "+33612345678", "4839201", h3), MDT_E(INVAL));
    /* Another key gives another hash: the database alone does not reveal codes. */
    snprintf(other_path, sizeof(other_path), "%s/other.key", dir);
    assert_int_equal(vault_open(other_path, true, &other, NULL), 0);
    assert_int_equal(vault_pin_hash(other, "+33612345678", "483920", h3), 0);
    assert_memory_not_equal(h1, h3, sizeof(h1));
    assert_false(vault_pin_verify(other, "+33612345678", "483920", h1));
    vault_close(other);
    unlink(other_path);
    /* The same key reopened gives the same hash. */
    vault_close(v);
    assert_int_equal(vault_open(key_path, false, &v, NULL), 0);
    assert_true(vault_pin_verify(v, "+33612345678", "483920", h1));
    vault_close(v);
}

static void test_weak_codes(void **state)
{
    static const struct {
        const char *code;
        enum pin_weakness want;
    } cases[] = {
        {"000000", PIN_ALL_SAME},
        {"777777", PIN_ALL_SAME},
        {"123456", PIN_SEQUENCE},
        {"654321", PIN_SEQUENCE},
        {"012345", PIN_SEQUENCE},
        {"890123", PIN_SEQUENCE},
        {"098765", PIN_SEQUENCE},
        {"121212", PIN_REPEATED},
        {"123123", PIN_REPEATED},
        {"454545", PIN_REPEATED},
        {"612345", PIN_IN_PHONE},
        {"336123", PIN_IN_PHONE},
        {"12345", PIN_NOT_SIX_DIGITS},
        {"1234567", PIN_NOT_SIX_DIGITS},
        {"12a456", PIN_NOT_SIX_DIGITS},
        {"", PIN_NOT_SIX_DIGITS},
        {"483920", PIN_OK},
        {"271828", PIN_OK},
        {"123457", PIN_OK},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum pin_weakness got = vault_pin_weakness(cases[i].code, "+33612345678");

        if (got != cases[i].want) {
            fail_msg("code case %zu: weakness %d, want %d", i, got, cases[i].want);
        }
    }
    assert_int_equal(vault_pin_weakness(NULL, NULL), PIN_NOT_SIX_DIGITS);
    assert_int_equal(vault_pin_weakness("612345", NULL), PIN_OK);
    assert_non_null(strstr(vault_pin_weakness_text(PIN_SEQUENCE, true), "suite"));
    assert_null(strstr(vault_pin_weakness_text(PIN_IN_PHONE, false), "612345"));
}

/* API keys: shown once, checked by keyed hash; malformed keys refused; link tokens the same;
 * webhook signatures are HMAC-SHA256(secret, "t." || body), checked against the openssl CLI. */
static void test_merchant_secrets(void **state)
{
    struct vault *v = NULL;
    char key[VAULT_API_KEY_MAX], id[VAULT_KEY_ID_MAX], id2[VAULT_KEY_ID_MAX];
    char secret[VAULT_WEBHOOK_SECRET_MAX], sig[65], cmd[512], out[128] = "";
    char token[VAULT_TOKEN_MAX];
    uint8_t h[32], h2[32];
    FILE *p;

    (void)state;
    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v, NULL), 0);
    assert_int_equal(vault_api_key_new(v, key, id, h), 0);
    assert_int_equal(strlen(key), VAULT_API_KEY_MAX - 1);
    assert_int_equal(vault_api_key_check(v, key, id2, h2), 0);
    assert_string_equal(id, id2);
    assert_true(vault_hash_equal(h, h2));
    key[strlen(key) - 1] = key[strlen(key) - 1] == 'a' ? 'b' : 'a';
    assert_int_equal(vault_api_key_check(v, key, id2, h2), 0);
    assert_false(vault_hash_equal(h, h2));
    assert_int_equal(vault_api_key_check(v, "mdt_xyz", id2, h2), MDT_E(PARSE));
    assert_int_equal(vault_api_key_check(v, "", id2, h2), MDT_E(PARSE));
    assert_int_equal(vault_token_new(v, token, h), 0);
    assert_int_equal(vault_token_check(v, token, h2), 0);
    assert_true(vault_hash_equal(h, h2));
    assert_int_equal(vault_token_check(v, "../../etc/passwd", h2), MDT_E(PARSE));
    vault_webhook_secret(v, 42, secret);
    assert_int_equal(strncmp(secret, "whsec_", 6), 0);
    vault_webhook_sign(v, 42, 1767225600, "{\"a\":1}", 7, sig);
    snprintf(cmd, sizeof(cmd),
             "printf '%%s' '1767225600.{\"a\":1}' | openssl dgst -sha256 -hmac '%s' | "
             "sed 's/.*= //'",
             secret);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof(out), p));
    pclose(p);
    out[strcspn(out, "\n")] = '\0';
    assert_string_equal(sig, out);
    vault_close(v);
}

/* Tokens in texts kept at rest are masked: a standalone run of exactly 32 hex digits. */
static void test_token_redact(void **state)
{
    char t[200];

    (void)state;
    snprintf(t, sizeof(t), "see https://x/c/0123456789abcdef0123456789abcdef?");
    vault_token_redact(t);
    assert_string_equal(t, "see https://x/c/" VAULT_TOKEN_MARKER "?");
    snprintf(t, sizeof(t), "0123456789ABCDEF0123456789ABCDEF and 0123456789abcdef0123456789abcdef");
    vault_token_redact(t);
    assert_string_equal(t, VAULT_TOKEN_MARKER " and " VAULT_TOKEN_MARKER);
    /* Not a token: 31 or 33 digits, or glued to other letters. */
    snprintf(t, sizeof(t),
             "0123456789abcdef0123456789abcde 0123456789abcdef0123456789abcdef0 "
             "x0123456789abcdef0123456789abcdef");
    vault_token_redact(t);
    assert_null(strstr(t, VAULT_TOKEN_MARKER));
}

/* Decrypt a seal with AES-256-GCM under key, outside the vault: how a thief holding a key
 * would try. Returns whether the tag matched. */
static bool gcm_open_with(const uint8_t key[32], const uint8_t *seal, size_t n, const void *aad,
                          size_t aad_len, uint8_t *plain)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    size_t len = n - VAULT_SEAL_OVERHEAD;
    int m = 0;
    bool ok;

    ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, seal + 1) == 1 &&
         EVP_DecryptUpdate(c, NULL, &m, aad, (int)aad_len) == 1 &&
         EVP_DecryptUpdate(c, plain, &m, seal + 13, (int)len) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(seal + 13 + len)) == 1 &&
         EVP_DecryptFinal_ex(c, plain + m, &m) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

static void read_key(uint8_t key[VAULT_KEY_LEN])
{
    FILE *f = fopen(key_path, "rb");

    assert_non_null(f);
    assert_int_equal(fread(key, 1, VAULT_KEY_LEN, f), VAULT_KEY_LEN);
    fclose(f);
}

static void test_seal_round_trip(void **state)
{
    static const char token[] = "0123456789abcdef0123456789abcdef";
    static const uint8_t aad[] = "outbox:row-1";
    uint8_t seal[32 + VAULT_SEAL_OVERHEAD], seal2[sizeof(seal)], plain[32];
    struct vault *v = NULL;
    struct mdt_err err = {0};

    (void)state;
    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v, &err), 0);
    assert_int_equal(vault_secret_seal(v, aad, sizeof(aad), token, 32, seal), 0);
    assert_int_equal(seal[0], VAULT_SEAL_VERSION);
    assert_int_equal(vault_secret_open(v, aad, sizeof(aad), seal, sizeof(seal), plain), 0);
    assert_memory_equal(plain, token, 32);
    /* A fresh nonce each time: the same secret never seals to the same bytes. */
    assert_int_equal(vault_secret_seal(v, aad, sizeof(aad), token, 32, seal2), 0);
    assert_memory_not_equal(seal, seal2, sizeof(seal));
    /* Nothing in clear: neither the secret nor any 4 bytes of it in a row. */
    for (size_t i = 0; i + 4 <= 32; i++) {
        for (size_t j = 0; j + 4 <= sizeof(seal); j++) {
            assert_false(memcmp(seal + j, token + i, 4) == 0);
        }
    }
    assert_int_equal(vault_secret_seal(v, NULL, 0, token, 0, seal), MDT_E(INVAL));
    assert_int_equal(vault_secret_seal(v, NULL, 0, token, VAULT_SEAL_PLAIN_MAX + 1, seal),
                     MDT_E(INVAL));
    vault_close(v);
}

static void test_seal_tamper(void **state)
{
    static const char token[] = "fedcba9876543210fedcba9876543210";
    static const uint8_t aad[] = "outbox:row-1", other[] = "outbox:row-2";
    uint8_t seal[32 + VAULT_SEAL_OVERHEAD], plain[32];
    struct vault *v = NULL, *v2 = NULL;
    struct mdt_err err = {0};

    (void)state;
    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v, &err), 0);
    assert_int_equal(vault_secret_seal(v, aad, sizeof(aad), token, 32, seal), 0);
    /* Every bit flipped anywhere is caught; the version byte is refused as unknown. */
    for (size_t i = 0; i < sizeof(seal); i++) {
        seal[i] ^= 0x01;
        assert_int_equal(vault_secret_open(v, aad, sizeof(aad), seal, sizeof(seal), plain),
                         i == 0 ? MDT_E(RANGE) : MDT_E(CORRUPT));
        seal[i] ^= 0x01;
    }
    /* Another version than the vault holds (a later rotation's, or made up): refused. */
    seal[0] = VAULT_SEAL_VERSION + 1;
    assert_int_equal(vault_secret_open(v, aad, sizeof(aad), seal, sizeof(seal), plain),
                     MDT_E(RANGE));
    seal[0] = 0;
    assert_int_equal(vault_secret_open(v, aad, sizeof(aad), seal, sizeof(seal), plain),
                     MDT_E(RANGE));
    seal[0] = VAULT_SEAL_VERSION;
    /* Moved to another row, cut short: refused. */
    assert_int_equal(vault_secret_open(v, other, sizeof(other), seal, sizeof(seal), plain),
                     MDT_E(CORRUPT));
    assert_int_equal(vault_secret_open(v, aad, sizeof(aad), seal, sizeof(seal) - 1, plain),
                     MDT_E(CORRUPT));
    assert_int_equal(vault_secret_open(v, aad, sizeof(aad), seal, VAULT_SEAL_OVERHEAD, plain),
                     MDT_E(INVAL));
    /* Another vault key: refused. */
    vault_close(v);
    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v2, &err), 0);
    assert_int_equal(vault_secret_open(v2, aad, sizeof(aad), seal, sizeof(seal), plain),
                     MDT_E(CORRUPT));
    vault_close(v2);
}

/* The sealing key is derived from the key file, not the key file itself: the raw key does not
 * open a seal, HMAC(key, "seal-key:v" || version) does (the format other tools may rely on). */
static void test_seal_key_derived(void **state)
{
    static const char token[] = "00112233445566778899aabbccddeeff";
    static const uint8_t aad[] = "x";
    uint8_t seal[32 + VAULT_SEAL_OVERHEAD], plain[32], key[VAULT_KEY_LEN], derived[32];
    uint8_t label[] = {'s', 'e', 'a', 'l', '-', 'k', 'e', 'y', ':', 'v', VAULT_SEAL_VERSION};
    unsigned int n = 0;
    struct vault *v = NULL;
    struct mdt_err err = {0};

    (void)state;
    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v, &err), 0);
    assert_int_equal(vault_secret_seal(v, aad, sizeof(aad), token, 32, seal), 0);
    read_key(key);
    assert_false(gcm_open_with(key, seal, sizeof(seal), aad, sizeof(aad), plain));
    assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), label, sizeof(label), derived, &n));
    assert_true(gcm_open_with(derived, seal, sizeof(seal), aad, sizeof(aad), plain));
    assert_memory_equal(plain, token, 32);
    vault_close(v);
}

/* ---- HMAC from kept states (vault_hmac.c) against OpenSSL's one-shot HMAC() ---- */

/* Deterministic bytes that differ per call: the keys and messages of the comparisons. */
static void fill(uint8_t *p, size_t n, uint32_t *seed)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(*seed >> 16);
    }
}

/* Bit for bit what HMAC() gives, for keys shorter than, as long as and longer than the 64-byte
 * block (hashed first), and messages around the block boundaries (55/56 bytes: where the
 * padding needs a second block; 64, 119/120). The states live in a vault page, as in use. */
static void test_hmac_kept_states(void **state)
{
    static const size_t key_lens[] = {0, 1, 16, 31, 32, 33, 55, 63, 64, 65, 100, 127, 128, 200};
    uint8_t key[200], msg[300], want[32], got[32];
    uint32_t seed = 7;
    size_t map_len;
    struct vault_hmac_key *k = vault_page_new(sizeof(*k), &map_len);
    unsigned int n;
    int compared = 0;

    (void)state;
    assert_non_null(k);
    for (size_t i = 0; i < sizeof(key_lens) / sizeof(key_lens[0]); i++) {
        fill(key, key_lens[i], &seed);
        vault_hmac_key_set(k, key, key_lens[i]);
        for (size_t len = 0; len <= sizeof(msg); len += len < 130 ? 1 : 17) {
            fill(msg, len, &seed);
            n = 0;
            assert_non_null(HMAC(EVP_sha256(), key, (int)key_lens[i], msg, len, want, &n));
            assert_int_equal(n, 32);
            vault_hmac(k, len > 0 ? msg : NULL, len, got);
            assert_memory_equal(got, want, 32);
            compared++;
        }
    }
    assert_true(compared > 14 * 140);
    /* Another key set over the first: its MACs, not the first key's. */
    fill(key, 32, &seed);
    vault_hmac(k, "x", 1, got);
    vault_hmac_key_set(k, key, 32);
    vault_hmac(k, "x", 1, want);
    assert_memory_not_equal(got, want, 32);
    assert_non_null(HMAC(EVP_sha256(), key, 32, (const uint8_t *)"x", 1, got, &n));
    assert_memory_equal(got, want, 32);
    vault_page_free(k, map_len);
}

/* vault_mac and the code hashes of vaults opened on many fresh key files equal the one-shot
 * HMAC under the key read back from the file: the format stored hashes and ids rely on. */
static void test_mac_of_key_file(void **state)
{
    uint8_t key[VAULT_KEY_LEN], msg[200], want[32], got[32];
    uint8_t coded[] = "+33612345678\0"
                      "482915";
    uint32_t seed = 11;
    unsigned int n = 0;

    (void)state;
    for (int round = 0; round < 16; round++) {
        struct vault *v = NULL;

        unlink(key_path);
        assert_int_equal(vault_open(key_path, true, &v, NULL), 0);
        read_key(key);
        for (size_t len = 0; len < sizeof(msg); len += 13) {
            fill(msg, len, &seed);
            assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), msg, len, want, &n));
            vault_mac(v, msg, len, got);
            assert_memory_equal(got, want, 32);
        }
        assert_int_equal(vault_pin_hash(v, "+33612345678", "482915", got), 0);
        assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), coded, sizeof(coded) - 1, want, &n));
        assert_memory_equal(got, want, 32);
        vault_close(v);
    }
}

/* ---- X: CRC and signatures (known answers from `openssl dgst -sha256 -hmac`) ---- */

#define X_SECRET "mdt-test-consumer-secret"

static struct vault *x_vault(const char *secret)
{
    struct vault *v = NULL;

    unlink(key_path);
    assert_int_equal(vault_open(key_path, true, &v, NULL), 0);
    assert_int_equal(vault_x_secret_set(v, secret), 0);
    return v;
}

static void test_x_crc_known_answer(void **state)
{
    /* printf '%s' crc-token-1700000000 | openssl dgst -sha256 -hmac SECRET -binary | base64 */
    static const char want[] = "sha256=XfQUGAXXuriwmfcVw9Kv1X6ZxBUgL8JKM8i3DcTNv/4=";
    static const char token[] = "crc-token-1700000000";
    char too_long[VAULT_X_SECRET_MAX + 1];
    char sig[VAULT_X_SIG_MAX];
    struct vault *v = x_vault(X_SECRET);

    (void)state;
    assert_true(vault_x_secret_held(v));
    assert_int_equal(vault_x_sign(v, token, strlen(token), sig), 0);
    assert_string_equal(sig, want);
    assert_int_equal(strlen(want), VAULT_X_SIG_MAX - 1);
    /* Too long a secret is refused and the one held stays. */
    memset(too_long, 'k', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';
    assert_int_equal(vault_x_secret_set(v, too_long), MDT_E(INVAL));
    assert_int_equal(vault_x_sign(v, token, strlen(token), sig), 0);
    assert_string_equal(sig, want);
    /* No secret: nothing signed. */
    assert_int_equal(vault_x_secret_set(v, ""), 0);
    assert_false(vault_x_secret_held(v));
    assert_int_equal(vault_x_sign(v, token, strlen(token), sig), MDT_E(NOTFOUND));
    assert_string_equal(sig, "");
    assert_int_equal(vault_x_secret_set(v, NULL), 0);
    assert_int_equal(vault_x_sign(v, "t", 1, sig), MDT_E(NOTFOUND));
    assert_false(vault_x_secret_held(NULL));
    vault_close(v);
}

static void test_x_signature(void **state)
{
    static const char body[] = "{\"for_user_id\":\"2244994945\",\"favorite_events\":[]}";
    static const char good[] = "sha256=K4zy2xg1SS24nXVg/EC/3FBvqNOQD2g7tdwVHB4GhZU=";
    char bad[sizeof(good)];
    struct vault *v = x_vault(X_SECRET);
    struct vault *other = NULL;

    (void)state;
    assert_true(vault_x_signature_ok(v, body, strlen(body), good));
    /* Empty body: printf '' | openssl dgst ... */
    assert_true(
        vault_x_signature_ok(v, NULL, 0, "sha256=ub3+WT1lxxeItI11PSP5GWgP7H5q2z2xVD3vvhev9mU="));
    /* One bit of the MAC, one byte of the body, another secret. */
    memcpy(bad, good, sizeof(good));
    bad[10] ^= 1;
    assert_false(vault_x_signature_ok(v, body, strlen(body), bad));
    assert_false(vault_x_signature_ok(v, body, strlen(body) - 1, good));
    assert_int_equal(vault_open(key_path, false, &other, NULL), 0);
    assert_int_equal(vault_x_secret_set(other, "other-secret"), 0);
    assert_false(vault_x_signature_ok(other, body, strlen(body), good));
    /* Malformed: no prefix, another prefix, cut, trailing bytes, missing. */
    assert_false(vault_x_signature_ok(v, body, strlen(body), good + 7));
    assert_false(vault_x_signature_ok(v, body, strlen(body),
                                      "sha1=K4zy2xg1SS24nXVg/EC/3FBvqNOQD2g7tdwVHB4GhZU="));
    assert_false(vault_x_signature_ok(v, body, strlen(body),
                                      "SHA256=K4zy2xg1SS24nXVg/EC/3FBvqNOQD2g7tdwVHB4GhZU="));
    assert_false(vault_x_signature_ok(v, body, strlen(body),
                                      "sha256=K4zy2xg1SS24nXVg/EC/3FBvqNOQD2g7tdwVHB4GhZU"));
    assert_false(vault_x_signature_ok(v, body, strlen(body),
                                      "sha256=K4zy2xg1SS24nXVg/EC/3FBvqNOQD2g7tdwVHB4GhZU= "));
    assert_false(vault_x_signature_ok(v, body, strlen(body), "sha256="));
    assert_false(vault_x_signature_ok(v, body, strlen(body), ""));
    assert_false(vault_x_signature_ok(v, body, strlen(body), NULL));
    /* No secret held, or no vault. */
    assert_int_equal(vault_x_secret_set(other, ""), 0);
    assert_false(vault_x_signature_ok(other, body, strlen(body), good));
    assert_false(vault_x_signature_ok(NULL, body, strlen(body), good));
    vault_close(other);
    vault_close(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file),           cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_weak_codes),         cmocka_unit_test(test_merchant_secrets),
        cmocka_unit_test(test_token_redact),       cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_seal_tamper),        cmocka_unit_test(test_seal_key_derived),
        cmocka_unit_test(test_x_crc_known_answer), cmocka_unit_test(test_x_signature),
        cmocka_unit_test(test_hmac_kept_states),   cmocka_unit_test(test_mac_of_key_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
