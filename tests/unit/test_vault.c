/* SPDX-License-Identifier: Apache-2.0 */
/* The vault: key file rules, keyed code hashes bound to their owner, constant-time verification,
 * weak codes refused. */
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

#include "vault/vault.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_weak_codes),
        cmocka_unit_test(test_merchant_secrets),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
