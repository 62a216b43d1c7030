/* SPDX-License-Identifier: Apache-2.0 */
/* API keys: bearer parsing, wrong and revoked keys, scopes, the token bucket and Retry-After,
 * and idempotency records (first response kept, oldest forgotten when the ring is full). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel/api/api_auth.h"
#include "vault/vault.h"

static void test_keys_scopes_rates(void **state)
{
    char dir[] = "/tmp/mandat-api-XXXXXX", path[64], key[VAULT_API_KEY_MAX], header[128];
    struct api_key_row row = {
        .merchant_id = 6, .scopes = SCOPE_PAYMENTS | SCOPE_READ, .rate_per_s = 5};
    const struct api_key_row *k = NULL;
    struct api_auth *a = NULL;
    struct vault *v = NULL;
    struct mdt_err err = {0};
    uint32_t retry = 0;
    int64_t t = 1000000000;
    int ok = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    assert_int_equal(vault_open(path, true, &v, NULL), 0);
    assert_int_equal(api_auth_create(v, 100, &a), 0);
    assert_int_equal(vault_api_key_new(v, key, row.key_id, row.hash), 0);
    api_auth_key_set(a, &row);
    snprintf(header, sizeof(header), "Bearer %s", key);
    assert_int_equal(api_auth_check(a, NULL, SCOPE_READ, t, &k, &retry, &err), MDT_E(INVAL));
    assert_int_equal(api_auth_check(a, "Bearer nope", SCOPE_READ, t, &k, &retry, &err),
                     MDT_E(INVAL));
    assert_null(strstr(err.msg, "nope"));
    assert_int_equal(api_auth_check(a, header, SCOPE_REFUNDS, t, &k, &retry, &err), MDT_E(RANGE));
    /* 5 per second: the bucket starts full, then one more is refused with Retry-After. */
    for (int i = 0; i < 5; i++) {
        ok += api_auth_check(a, header, SCOPE_READ, t, &k, &retry, &err) == 0;
    }
    assert_int_equal(ok, 5); /* a refused scope takes no token */
    assert_int_equal(api_auth_check(a, header, SCOPE_READ, t, &k, &retry, &err), MDT_E(FULL));
    assert_int_equal(retry, 1);
    assert_int_equal(api_auth_check(a, header, SCOPE_READ, t + 1000000, &k, &retry, &err), 0);
    assert_int_equal(k->merchant_id, 6);
    header[strlen(header) - 1] = header[strlen(header) - 1] == '0' ? '1' : '0';
    assert_int_equal(api_auth_check(a, header, SCOPE_READ, t + 2000000, &k, &retry, &err),
                     MDT_E(NOTFOUND));
    header[strlen(header) - 1] = key[strlen(key) - 1];
    row.revoked = true;
    api_auth_key_set(a, &row);
    assert_int_equal(api_auth_check(a, header, SCOPE_READ, t + 3000000, &k, &retry, &err),
                     MDT_E(NOTFOUND));
    api_auth_free(a);
    vault_close(v);
    unlink(path);
    rmdir(dir);
}

static void test_idempotency(void **state)
{
    char dir[] = "/tmp/mandat-api-XXXXXX", path[64];
    struct idempotency_row r = {.status = 201};
    struct api_auth *a = NULL;
    struct vault *v = NULL;
    uint8_t k1[32], k2[32];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    assert_int_equal(vault_open(path, true, &v, NULL), 0);
    assert_int_equal(api_auth_create(v, 0, &a), 0);
    api_idempotency_key(a, "k1", "POST", "/v1/payment-requests", "order-1", k1);
    api_idempotency_key(a, "k2", "POST", "/v1/payment-requests", "order-1", k2);
    assert_memory_not_equal(k1, k2, 32); /* bound to the API key */
    memcpy(r.key_hash, k1, 32);
    snprintf(r.response, sizeof(r.response), "{\"first\":true}");
    api_idempotency_put(a, &r);
    snprintf(r.response, sizeof(r.response), "{\"first\":false}");
    api_idempotency_put(a, &r);
    assert_string_equal(api_idempotency_find(a, k1)->response, "{\"first\":true}");
    assert_null(api_idempotency_find(a, k2));
    /* Fill the ring: the oldest (k1) is forgotten, the newest are all found. */
    for (uint32_t i = 0; i < API_IDEMPOTENCY_MAX; i++) {
        memset(r.key_hash, 0, 32);
        memcpy(r.key_hash, &i, sizeof(i));
        r.key_hash[31] = 1;
        api_idempotency_put(a, &r);
    }
    assert_null(api_idempotency_find(a, k1));
    for (uint32_t i = API_IDEMPOTENCY_MAX - 1000; i < API_IDEMPOTENCY_MAX; i++) {
        memset(r.key_hash, 0, 32);
        memcpy(r.key_hash, &i, sizeof(i));
        r.key_hash[31] = 1;
        assert_non_null(api_idempotency_find(a, r.key_hash));
    }
    api_auth_free(a);
    vault_close(v);
    unlink(path);
    rmdir(dir);
}

/* Keys claimed in flight: one at a time per key, up to the bound, and a release in the middle
 * of a run of colliding slots keeps the others findable (the set's deletion moves them). */
static void test_in_flight(void **state)
{
    char dir[] = "/tmp/mandat-api-XXXXXX", path[64];
    struct api_auth *a = NULL;
    struct vault *v = NULL;
    uint8_t k[API_IDEMPOTENCY_IN_FLIGHT_MAX + 1][32];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    assert_int_equal(vault_open(path, true, &v, NULL), 0);
    assert_int_equal(api_auth_create(v, 0, &a), 0);
    memset(k, 0, sizeof(k));
    for (uint32_t i = 0; i <= API_IDEMPOTENCY_IN_FLIGHT_MAX; i++) {
        /* The first 4 bytes choose the slot: the first 8 keys share one, the rest spread. */
        uint32_t home = i < 8 ? 5 : i * 7;

        memcpy(k[i], &home, sizeof(home));
        memcpy(k[i] + 4, &i, sizeof(i));
    }
    for (uint32_t i = 0; i < API_IDEMPOTENCY_IN_FLIGHT_MAX; i++) {
        assert_int_equal(api_idempotency_claim(a, k[i]), 0);
    }
    assert_int_equal(api_idempotency_claim(a, k[API_IDEMPOTENCY_IN_FLIGHT_MAX]), MDT_E(FULL));
    assert_int_equal(api_idempotency_claim(a, k[3]), MDT_E(EXISTS));
    api_idempotency_release(a, k[3]);
    for (uint32_t i = 0; i < API_IDEMPOTENCY_IN_FLIGHT_MAX; i++) {
        assert_int_equal(api_idempotency_claim(a, k[i]), i == 3 ? 0 : MDT_E(EXISTS));
    }
    for (uint32_t i = 0; i < API_IDEMPOTENCY_IN_FLIGHT_MAX; i++) {
        api_idempotency_release(a, k[i]);
    }
    assert_int_equal(api_idempotency_claim(a, k[API_IDEMPOTENCY_IN_FLIGHT_MAX]), 0);
    api_auth_free(a);
    vault_close(v);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_scopes_rates),
        cmocka_unit_test(test_idempotency),
        cmocka_unit_test(test_in_flight),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
