/* SPDX-License-Identifier: Apache-2.0 */
/* API keys, scopes, rate limits and idempotency records, in memory. Keys and records live in
 * arrays indexed (base/index.h) by a hash of a key's id, or the first bytes of a keyed hash. */
#include "channel/api/api_auth.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/hash.h"
#include "base/index.h"
#include "vault/vault.h"

struct key_slot {
    struct api_key_row row;
    double tokens;       /* token bucket: requests available now */
    int64_t refilled_us; /* when tokens was last refilled */
};

struct api_auth {
    const struct vault *vault;
    uint32_t rate_per_s;
    struct key_slot *keys;        /* API_KEYS_MAX, in the order they came */
    struct index key_ids;         /* key_id hash -> keys index + 1 */
    struct idempotency_row *idem; /* ring of records, oldest overwritten */
    struct index idem_index;      /* key_hash -> idem index + 1 */
    size_t idem_next, idem_count;
    /* Keys whose first request is still being answered, packed at the front, and their index
     * (key_hash -> in_flight index + 1). */
    uint8_t (*in_flight)[SHA256_LEN];
    struct index in_flight_index;
};

static uint64_t hash_bytes(const void *p, size_t n)
{
    return hash_fnv1a(HASH_FNV1A_SEED, p, n);
}

int api_auth_create(const struct vault *v, uint32_t rate_per_s, struct api_auth **out)
{
    struct api_auth *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        return MDT_E(NOMEM);
    }
    a->vault = v;
    a->rate_per_s = rate_per_s;
    a->keys = calloc(API_KEYS_MAX, sizeof(*a->keys));
    a->idem = calloc(API_IDEMPOTENCY_MAX, sizeof(*a->idem));
    a->in_flight = calloc(API_IDEMPOTENCY_IN_FLIGHT_MAX, sizeof(*a->in_flight));
    /* The indexes are reserved whole, as the tables they replaced: requests never allocate. */
    if (a->keys == NULL || a->idem == NULL || a->in_flight == NULL ||
        index_init(&a->key_ids, API_KEYS_MAX) < 0 ||
        index_init(&a->idem_index, API_IDEMPOTENCY_MAX) < 0 ||
        index_init(&a->in_flight_index, API_IDEMPOTENCY_IN_FLIGHT_MAX) < 0 ||
        index_reserve(&a->key_ids, API_KEYS_MAX) < 0 ||
        index_reserve(&a->idem_index, API_IDEMPOTENCY_MAX) < 0 ||
        index_reserve(&a->in_flight_index, API_IDEMPOTENCY_IN_FLIGHT_MAX) < 0) {
        api_auth_free(a);
        return MDT_E(NOMEM);
    }
    *out = a;
    return 0;
}

void api_auth_free(struct api_auth *a)
{
    if (a == NULL) {
        return;
    }
    free(a->keys);
    free(a->idem);
    free(a->in_flight);
    index_free(&a->key_ids);
    index_free(&a->idem_index);
    index_free(&a->in_flight_index);
    free(a);
}

/* The key of that id, or NULL. */
static struct key_slot *key_find(struct api_auth *a, const char *key_id)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&a->key_ids, hash_bytes(key_id, strlen(key_id)), &pos); v != 0;
         v = index_find_next(&a->key_ids, &pos)) {
        if (strcmp(a->keys[v - 1].row.key_id, key_id) == 0) {
            return &a->keys[v - 1];
        }
    }
    return NULL;
}

void api_auth_key_set(struct api_auth *a, const struct api_key_row *r)
{
    struct key_slot *k = key_find(a, r->key_id);

    if (k == NULL) {
        if (index_put(&a->key_ids, hash_bytes(r->key_id, strlen(r->key_id)),
                      (uint32_t)a->key_ids.count + 1) < 0) {
            return; /* API_KEYS_MAX keys already, or no memory: as before, the key is unknown */
        }
        k = &a->keys[a->key_ids.count - 1];
        k->tokens = -1; /* filled at first use */
    }
    k->row = *r;
}

/* Token bucket: rate per second, bursts up to one second's worth. */
static bool take_token(struct api_auth *a, struct key_slot *k, int64_t now_us, uint32_t *retry_s)
{
    double rate = k->row.rate_per_s != 0 ? k->row.rate_per_s : a->rate_per_s;

    if (rate <= 0) {
        return true;
    }
    if (k->tokens < 0) {
        k->tokens = rate;
        k->refilled_us = now_us;
    }
    k->tokens += (double)(now_us - k->refilled_us) / 1e6 * rate;
    k->refilled_us = now_us;
    if (k->tokens > rate) {
        k->tokens = rate;
    }
    if (k->tokens >= 1) {
        k->tokens -= 1;
        return true;
    }
    *retry_s = (uint32_t)((1 - k->tokens) / rate) + 1;
    return false;
}

const char *api_bearer(const char *authorization)
{
    return authorization != NULL && strncmp(authorization, "Bearer ", 7) == 0 ? authorization + 7
                                                                              : NULL;
}

int api_auth_check(struct api_auth *a, const char *authorization, uint32_t scope, int64_t now_us,
                   const struct api_key_row **key, uint32_t *retry_after_s, struct mdt_err *err)
{
    char key_id[VAULT_KEY_ID_MAX];
    uint8_t hash[SHA256_LEN];
    struct key_slot *k;
    const char *token = api_bearer(authorization);

    if (token == NULL) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "send your API key as: Authorization: Bearer mdt_...");
    }
    if (vault_api_key_check(a->vault, token, key_id, hash) < 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "the API key is malformed: keys look like "
                           "mdt_<16 hex>_<48 hex>");
    }
    k = key_find(a, key_id);
    if (k == NULL || k->row.revoked || !vault_hash_equal(k->row.hash, hash)) {
        vault_wipe(hash, sizeof(hash));
        return mdt_err_set(err, MDT_E(NOTFOUND),
                           "unknown or revoked API key: check it, or make one with "
                           "mandat merchant key");
    }
    if ((k->row.scopes & scope) != scope) {
        return mdt_err_set(err, MDT_E(RANGE), "this API key lacks the scope this call needs");
    }
    if (!take_token(a, k, now_us, retry_after_s)) {
        return mdt_err_set(err, MDT_E(FULL), "too many requests for this key: retry in %u s",
                           *retry_after_s);
    }
    *key = &k->row;
    return 0;
}

void api_idempotency_key(const struct api_auth *a, const char *key_id, const char *method,
                         const char *path, const char *idem_key, uint8_t out[SHA256_LEN])
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "idem|%s|%s|%s|%s", key_id, method, path, idem_key);

    vault_mac(a->vault, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, out);
}

void api_body_hash(const struct api_auth *a, const char *body, size_t len, uint8_t out[SHA256_LEN])
{
    vault_mac(a->vault, body, len, out);
}

/* The index key of a keyed hash (uniform already: its first 8 bytes). */
static uint64_t mac_key(const uint8_t key_hash[SHA256_LEN])
{
    uint64_t k;

    memcpy(&k, key_hash, sizeof(k));
    return k;
}

/* The position + 1 of key_hash among n 32-byte hashes at rows (elem bytes apart), via x. */
static uint32_t mac_find(const struct index *x, const void *rows, size_t elem,
                         const uint8_t key_hash[SHA256_LEN])
{
    struct index_pos pos;

    for (uint32_t v = index_find(x, mac_key(key_hash), &pos); v != 0;
         v = index_find_next(x, &pos)) {
        if (memcmp((const uint8_t *)rows + (size_t)(v - 1) * elem, key_hash, SHA256_LEN) == 0) {
            return v;
        }
    }
    return 0;
}

_Static_assert(offsetof(struct idempotency_row, key_hash) == 0, "idem rows start with their key");

const struct idempotency_row *api_idempotency_find(struct api_auth *a,
                                                   const uint8_t key_hash[SHA256_LEN])
{
    uint32_t at = mac_find(&a->idem_index, a->idem, sizeof(*a->idem), key_hash);

    return at != 0 ? &a->idem[at - 1] : NULL;
}

void api_idempotency_put(struct api_auth *a, const struct idempotency_row *r)
{
    size_t pos;
    int rc;

    if (api_idempotency_find(a, r->key_hash) != NULL) {
        return; /* the first response stays */
    }
    pos = a->idem_next;
    if (a->idem_count == API_IDEMPOTENCY_MAX) {
        (void)index_remove(&a->idem_index, mac_key(a->idem[pos].key_hash), (uint32_t)pos + 1);
    } else {
        a->idem_count++;
    }
    a->idem[pos] = *r;
    a->idem_next = (pos + 1) % API_IDEMPOTENCY_MAX;
    rc = index_put(&a->idem_index, mac_key(r->key_hash), (uint32_t)pos + 1);
    MDT_ASSERT(rc == 0 && "the ring bounds the index: only memory can fail");
}

int api_idempotency_claim(struct api_auth *a, const uint8_t key_hash[SHA256_LEN])
{
    uint32_t n = a->in_flight_index.count;
    int rc;

    if (mac_find(&a->in_flight_index, a->in_flight, sizeof(*a->in_flight), key_hash) != 0) {
        return MDT_E(EXISTS);
    }
    rc = index_put(&a->in_flight_index, mac_key(key_hash), n + 1); /* reserved: only EFULL */
    if (rc < 0) {
        return rc;
    }
    memcpy(a->in_flight[n], key_hash, SHA256_LEN);
    return 0;
}

/* The last key moves into the released one's place, so that the keys stay packed. */
void api_idempotency_release(struct api_auth *a, const uint8_t key_hash[SHA256_LEN])
{
    uint32_t at = mac_find(&a->in_flight_index, a->in_flight, sizeof(*a->in_flight), key_hash);
    uint32_t last = a->in_flight_index.count;
    int rc = 0;

    MDT_ASSERT(at != 0 && "released an Idempotency-Key that was not claimed");
    (void)index_remove(&a->in_flight_index, mac_key(key_hash), at);
    if (at != last) {
        (void)index_remove(&a->in_flight_index, mac_key(a->in_flight[last - 1]), last);
        memcpy(a->in_flight[at - 1], a->in_flight[last - 1], SHA256_LEN);
        rc = index_put(&a->in_flight_index, mac_key(a->in_flight[at - 1]), at);
    }
    MDT_ASSERT(rc == 0 && "a key that was in the index fits again");
}
