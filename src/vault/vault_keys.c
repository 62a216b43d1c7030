/* SPDX-License-Identifier: Apache-2.0 */
/* Secrets given to merchants and people: API keys (only a keyed hash is stored), webhook
 * signing secrets (derived from the vault key, so none is stored), and the single-use tokens
 * of links sent in messages (only a keyed hash is stored; texts kept at rest have them masked). */
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/assert.h"
#include "vault/vault.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int random_hex(size_t nbytes, char *out)
{
    uint8_t b[32];

    MDT_ASSERT(nbytes <= sizeof(b));
    if (getrandom(b, nbytes, 0) != (ssize_t)nbytes) {
        return MDT_E(IO);
    }
    hex(b, nbytes, out);
    vault_wipe(b, sizeof(b));
    return 0;
}

/* The keyed hash of a whole key: a stolen table of hashes gives neither keys nor a way to
 * check guesses without the vault key. Domain-separated from code hashes. */
static void key_hash(const struct vault *v, const char *key, uint8_t out[32])
{
    char buf[VAULT_API_KEY_MAX + 16];
    int n = snprintf(buf, sizeof(buf), "api-key:%s", key);

    MDT_ASSERT(n > 0 && (size_t)n < sizeof(buf));
    vault_mac(v, buf, (size_t)n, out);
    vault_wipe(buf, sizeof(buf));
}

int vault_api_key_new(const struct vault *v, char key[VAULT_API_KEY_MAX],
                      char key_id[VAULT_KEY_ID_MAX], uint8_t hash[32])
{
    char secret[2 * VAULT_API_SECRET_BYTES + 1];
    int rc = random_hex(VAULT_KEY_ID_BYTES, key_id);

    if (rc == 0) {
        rc = random_hex(VAULT_API_SECRET_BYTES, secret);
    }
    if (rc < 0) {
        return rc;
    }
    snprintf(key, VAULT_API_KEY_MAX, "mdt_%s_%s", key_id, secret);
    vault_wipe(secret, sizeof(secret));
    key_hash(v, key, hash);
    return 0;
}

int vault_api_key_check(const struct vault *v, const char *key, char key_id[VAULT_KEY_ID_MAX],
                        uint8_t hash[32])
{
    size_t id_len = 2 * VAULT_KEY_ID_BYTES, secret_len = 2 * VAULT_API_SECRET_BYTES;

    if (strlen(key) != 4 + id_len + 1 + secret_len || strncmp(key, "mdt_", 4) != 0 ||
        key[4 + id_len] != '_' || !all_hex(key + 4, id_len) ||
        !all_hex(key + 5 + id_len, secret_len)) {
        return MDT_E(PARSE);
    }
    memcpy(key_id, key + 4, id_len);
    key_id[id_len] = '\0';
    key_hash(v, key, hash);
    return 0;
}

bool vault_hash_equal(const uint8_t a[32], const uint8_t b[32])
{
    return CRYPTO_memcmp(a, b, 32) == 0;
}

bool vault_secret_equal(const char *given, const char *expected)
{
    uint8_t g[32], e[32];
    bool same;

    if (given == NULL || expected == NULL || expected[0] == '\0') {
        return false;
    }
    /* Hashing both first makes the comparison's time independent of the lengths too. */
    SHA256((const unsigned char *)given, strlen(given), g);
    SHA256((const unsigned char *)expected, strlen(expected), e);
    same = CRYPTO_memcmp(g, e, sizeof(g)) == 0;
    vault_wipe(g, sizeof(g));
    vault_wipe(e, sizeof(e));
    return same;
}

void vault_webhook_secret(const struct vault *v, uint64_t merchant_id,
                          char secret[VAULT_WEBHOOK_SECRET_MAX])
{
    char buf[48];
    uint8_t mac[32];
    int n = snprintf(buf, sizeof(buf), "webhook-secret:%llu", (unsigned long long)merchant_id);

    vault_mac(v, buf, (size_t)n, mac);
    memcpy(secret, "whsec_", 6);
    hex(mac, sizeof(mac), secret + 6);
    vault_wipe(mac, sizeof(mac));
}

void vault_webhook_sign(const struct vault *v, uint64_t merchant_id, int64_t t, const char *body,
                        size_t len, char sig[SHA256_HEX_MAX])
{
    char secret[VAULT_WEBHOOK_SECRET_MAX];
    uint8_t mac[32];
    unsigned int mac_len = sizeof(mac);
    char *msg = malloc(len + 24);
    int n;

    MDT_ASSERT(msg != NULL);
    n = snprintf(msg, 24, "%lld.", (long long)t);
    memcpy(msg + n, body, len);
    vault_webhook_secret(v, merchant_id, secret);
    MDT_ASSERT(HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg,
                    (size_t)n + len, mac, &mac_len) != NULL);
    free(msg);
    hex(mac, sizeof(mac), sig);
    vault_wipe(secret, sizeof(secret));
}

static void token_hash(const struct vault *v, const char *token, uint8_t out[32])
{
    char buf[VAULT_TOKEN_MAX + 8];
    int n = snprintf(buf, sizeof(buf), "token:%s", token);

    vault_mac(v, buf, (size_t)n, out);
}

int vault_token_new(const struct vault *v, char token[VAULT_TOKEN_MAX], uint8_t hash[32])
{
    int rc = random_hex(16, token);

    if (rc == 0) {
        token_hash(v, token, hash);
    }
    return rc;
}

int vault_token_check(const struct vault *v, const char *token, uint8_t hash[32])
{
    if (strlen(token) != VAULT_TOKEN_MAX - 1 || !all_hex(token, VAULT_TOKEN_MAX - 1)) {
        return MDT_E(PARSE);
    }
    token_hash(v, token, hash);
    return 0;
}

#define TOKEN_LEN (VAULT_TOKEN_MAX - 1)
#define TOKEN_MARKER_LEN (sizeof(VAULT_TOKEN_MARKER) - 1)

static bool is_hex_any_case(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(char c)
{
    return is_hex_any_case(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z');
}

void vault_token_redact(char *t)
{
    size_t len = strlen(t);

    /* Each run of exactly 32 hex digits standing alone (a token, in either case) becomes the
     * marker; the text only gets shorter, so one pass from the left is enough. */
    for (size_t i = 0; i + TOKEN_LEN <= len; i++) {
        size_t run = 0;

        if (i > 0 && is_alnum(t[i - 1])) {
            continue;
        }
        while (i + run < len && is_hex_any_case(t[i + run])) {
            run++;
        }
        if (run != TOKEN_LEN || is_alnum(t[i + run])) {
            continue;
        }
        memcpy(t + i, VAULT_TOKEN_MARKER, TOKEN_MARKER_LEN);
        memmove(t + i + TOKEN_MARKER_LEN, t + i + TOKEN_LEN, len - i - TOKEN_LEN + 1);
        len -= TOKEN_LEN - TOKEN_MARKER_LEN;
    }
}
