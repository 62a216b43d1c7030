/* SPDX-License-Identifier: Apache-2.0 */
/* The card vault (issue 13): the key ring's file rules, PANs sealed and opened (bound to their
 * row, tampering found, no PAN in the ciphertext), rotation taken up by an open vault and by a
 * reseal, the lookup hash stable across rotations, tokens random, the security code pool. */
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

#include "base/hex.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

static char dir[] = "/tmp/mandat-cards-XXXXXX";
static char ring_path[64];

static const char pan[] = "4970101234567893"; /* a test PAN, Luhn-valid */
static const char token[] = "card_0123456789abcdef0123456789abcdef";

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(ring_path, sizeof(ring_path), "%s/cards.keys", dir);
    return 0;
}

static int teardown(void **state)
{
    char p[96];

    (void)state;
    unlink(ring_path);
    snprintf(p, sizeof(p), "%s.lock", ring_path);
    unlink(p);
    rmdir(dir);
    return 0;
}

static void write_ring(const char *text, mode_t mode)
{
    FILE *f;

    unlink(ring_path);
    f = fopen(ring_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(ring_path, mode);
}

static void test_ring_file_rules(void **state)
{
    static const char key[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct card_vault *cv = NULL;
    struct mdt_err err = {0};
    char text[512];

    (void)state;
    unlink(ring_path);
    assert_int_equal(card_vault_open(ring_path, false, &cv, &err), MDT_E(NOTFOUND));
    assert_int_equal(card_vault_open(ring_path, true, &cv, &err), 0);
    assert_int_equal(card_vault_version(cv), 1);
    card_vault_close(cv);
    /* Others may not read it; the error names the fix and no key. */
    chmod(ring_path, 0644);
    assert_int_equal(card_vault_open(ring_path, false, &cv, &err), MDT_E(CORRUPT));
    assert_non_null(strstr(err.msg, "chmod 600"));
    /* Malformed lines: a short key, versions out of order, no lookup key. */
    snprintf(text, sizeof(text), "lookup %s\n1 %.60s\n", key, key);
    write_ring(text, 0600);
    assert_int_equal(card_vault_open(ring_path, false, &cv, &err), MDT_E(CORRUPT));
    assert_non_null(strstr(err.msg, "line 2"));
    assert_null(strstr(err.msg, "0011223344"));
    snprintf(text, sizeof(text), "lookup %s\n2 %s\n1 %s\n", key, key, key);
    write_ring(text, 0600);
    assert_int_equal(card_vault_open(ring_path, false, &cv, &err), MDT_E(CORRUPT));
    assert_non_null(strstr(err.msg, "line 3"));
    snprintf(text, sizeof(text), "# comment\n1 %s\n", key);
    write_ring(text, 0600);
    assert_int_equal(card_vault_open(ring_path, false, &cv, &err), MDT_E(CORRUPT));
    assert_non_null(strstr(err.msg, "lacks a lookup key"));
    /* A hand-written ring with two versions: the highest seals. */
    snprintf(text, sizeof(text), "lookup %s\n3 %s\n7 %s\n", key, key, key);
    write_ring(text, 0600);
    assert_int_equal(card_vault_open(ring_path, false, &cv, &err), 0);
    assert_int_equal(card_vault_version(cv), 7);
    card_vault_close(cv);
    unlink(ring_path);
}

static void test_seal_open(void **state)
{
    struct card_vault *cv = NULL;
    uint8_t sealed[CARD_SEALED_MAX];
    char out[CARD_PAN_MAX + 1];
    size_t len = 0;
    uint32_t version = 0;

    (void)state;
    unlink(ring_path);
    assert_int_equal(card_vault_open(ring_path, true, &cv, NULL), 0);
    assert_int_equal(card_vault_seal(cv, token, pan, sealed, &len, &version), 0);
    assert_int_equal(len, CARD_SEAL_OVERHEAD + strlen(pan));
    assert_int_equal(version, 1);
    assert_null(memmem(sealed, len, pan, strlen(pan))); /* no PAN in clear */
    assert_null(memmem(sealed, len, pan + 12, 4));      /* not even its last four */
    assert_int_equal(card_vault_open_pan(cv, token, sealed, len, out), 0);
    assert_string_equal(out, pan);
    /* Another row's token, a flipped bit, a cut seal: nothing opens, out is wiped. */
    assert_int_equal(card_vault_open_pan(cv, "card_other", sealed, len, out), MDT_E(CORRUPT));
    assert_string_equal(out, "");
    sealed[len - 1] ^= 1;
    assert_int_equal(card_vault_open_pan(cv, token, sealed, len, out), MDT_E(CORRUPT));
    sealed[len - 1] ^= 1;
    assert_int_equal(card_vault_open_pan(cv, token, sealed, 20, out), MDT_E(INVAL));
    sealed[3] = 9; /* a version the ring never had */
    assert_int_equal(card_vault_open_pan(cv, token, sealed, len, out), MDT_E(RANGE));
    /* Not a PAN: letters, too short, too long. */
    assert_int_equal(card_vault_seal(cv, token, "4970 1012 3456", sealed, &len, &version),
                     MDT_E(INVAL));
    assert_int_equal(card_vault_seal(cv, token, "49701012345", sealed, &len, &version),
                     MDT_E(INVAL));
    assert_int_equal(card_vault_seal(cv, token, "49701012345678931234", sealed, &len, &version),
                     MDT_E(INVAL));
    card_vault_close(cv);
    unlink(ring_path);
}

/* mandat vault rotate while mandatd holds the ring open: old seals still open, the open vault
 * takes up the new version (at once for opening, within a second for sealing), reseal moves a
 * PAN to it, and the lookup hash does not change. */
static void test_rotation(void **state)
{
    struct card_vault *cv = NULL, *cli = NULL;
    uint8_t old[CARD_SEALED_MAX], fresh[CARD_SEALED_MAX], again[CARD_SEALED_MAX];
    uint8_t mac1[32], mac2[32];
    char out[CARD_PAN_MAX + 1];
    size_t old_len, fresh_len, again_len;
    uint32_t version, v;

    (void)state;
    unlink(ring_path);
    assert_int_equal(card_vault_open(ring_path, true, &cv, NULL), 0);
    assert_int_equal(card_vault_seal(cv, token, pan, old, &old_len, &version), 0);
    card_vault_pan_mac(cv, pan, mac1);
    assert_int_equal(card_vault_rotate(ring_path, &v, NULL), 0);
    assert_int_equal(v, 2);
    /* Another process (the CLI) sealed under version 2: the daemon opens it by reloading. */
    assert_int_equal(card_vault_open(ring_path, false, &cli, NULL), 0);
    assert_int_equal(card_vault_reseal(cli, token, old, old_len, fresh, &fresh_len, &version), 1);
    assert_int_equal(version, 2);
    assert_int_equal(card_vault_open_pan(cv, token, fresh, fresh_len, out), 0);
    assert_string_equal(out, pan);
    assert_int_equal(card_vault_version(cv), 2);
    /* A seal already current is left alone; the old one still opens. */
    assert_int_equal(card_vault_reseal(cv, token, fresh, fresh_len, again, &again_len, &version),
                     0);
    assert_int_equal(card_vault_open_pan(cv, token, old, old_len, out), 0);
    card_vault_pan_mac(cv, pan, mac2);
    assert_memory_equal(mac1, mac2, 32);
    card_vault_pan_mac(cv, "4970101234567894", mac2);
    assert_memory_not_equal(mac1, mac2, 32);
    card_vault_close(cli);
    card_vault_close(cv);
    unlink(ring_path);
}

/* The lookup key of the ring file at ring_path, read back from its "lookup" line. */
static void read_lookup(uint8_t key[CARD_KEY_LEN])
{
    char text[8192], *line;
    FILE *f = fopen(ring_path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    line = strstr(text, "lookup ");
    assert_non_null(line);
    line[7 + 2 * CARD_KEY_LEN] = '\0';
    assert_int_equal(hex_decode(line + 7, key, CARD_KEY_LEN), 0);
}

static void assert_pan_mac_is_hmac(struct card_vault *cv, const uint8_t key[CARD_KEY_LEN])
{
    static const char *const pans[] = {"497010123456", "4970101234567893", "4970101234567893123",
                                       "5555555555554444", "378282246310005"};
    uint8_t want[32], got[32];
    unsigned int n = 0;

    for (size_t i = 0; i < sizeof(pans) / sizeof(pans[0]); i++) {
        assert_non_null(HMAC(EVP_sha256(), key, CARD_KEY_LEN, (const uint8_t *)pans[i],
                             strlen(pans[i]), want, &n));
        card_vault_pan_mac(cv, pans[i], got);
        assert_memory_equal(got, want, 32);
    }
}

/* The PAN's lookup hash is HMAC-SHA256 under the ring's lookup key, bit for bit (the index of
 * every card row depends on it), from the states the vault keeps: for fresh rings, after a
 * rotation the open vault took up, and after a reload that brings another lookup key. */
static void test_pan_mac_is_hmac(void **state)
{
    static const char other[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    struct card_vault *cv = NULL;
    uint8_t key[CARD_KEY_LEN];
    char text[256];
    uint32_t v;

    (void)state;
    for (int round = 0; round < 8; round++) {
        unlink(ring_path);
        assert_int_equal(card_vault_open(ring_path, true, &cv, NULL), 0);
        read_lookup(key);
        assert_pan_mac_is_hmac(cv, key);
        assert_int_equal(card_vault_rotate(ring_path, &v, NULL), 0);
        assert_int_equal(card_vault_reload(cv, NULL), 0);
        assert_int_equal(card_vault_version(cv), 2);
        assert_pan_mac_is_hmac(cv, key);
        card_vault_close(cv);
    }
    assert_int_equal(card_vault_open(ring_path, false, &cv, NULL), 0);
    snprintf(text, sizeof(text), "lookup %s\n1 %s\n", other, other);
    write_ring(text, 0600);
    assert_int_equal(card_vault_reload(cv, NULL), 0);
    assert_int_equal(hex_decode(other, key, CARD_KEY_LEN), 0);
    assert_pan_mac_is_hmac(cv, key);
    card_vault_close(cv);
    unlink(ring_path);
}

static void test_tokens(void **state)
{
    char a[CARD_TOKEN_MAX], b[CARD_TOKEN_MAX];

    (void)state;
    assert_int_equal(card_vault_token_new(a), 0);
    assert_int_equal(card_vault_token_new(b), 0);
    assert_int_equal(strlen(a), CARD_TOKEN_MAX - 1);
    assert_int_equal(strncmp(a, "card_", 5), 0);
    assert_string_not_equal(a, b);
}

static void test_cvv_pool(void **state)
{
    static uint32_t slots[CARD_CVV_SLOTS];
    char code[8];
    uint32_t extra;

    (void)state;
    snprintf(code, sizeof(code), "123");
    assert_int_equal(card_cvv_take(code, &slots[0]), 0);
    assert_string_equal(code, ""); /* the caller's copy is wiped */
    assert_string_equal(card_cvv_get(slots[0]), "123");
    snprintf(code, sizeof(code), "12a");
    assert_int_equal(card_cvv_take(code, &extra), MDT_E(INVAL));
    snprintf(code, sizeof(code), "12345");
    assert_int_equal(card_cvv_take(code, &extra), MDT_E(INVAL));
    for (int i = 1; i < CARD_CVV_SLOTS; i++) {
        snprintf(code, sizeof(code), "%04d", i % 10000);
        assert_int_equal(card_cvv_take(code, &slots[i]), 0);
    }
    snprintf(code, sizeof(code), "999");
    assert_int_equal(card_cvv_take(code, &extra), MDT_E(BUSY)); /* bounded: push back */
    for (int i = 0; i < CARD_CVV_SLOTS; i++) {
        card_cvv_drop(slots[i]);
    }
    snprintf(code, sizeof(code), "4321");
    assert_int_equal(card_cvv_take(code, &extra), 0);
    assert_string_equal(card_cvv_get(extra), "4321");
    card_cvv_drop(extra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_file_rules), cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_rotation),        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_cvv_pool),        cmocka_unit_test(test_pan_mac_is_hmac),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
