/* SPDX-License-Identifier: Apache-2.0 */
/* API keys, scopes, rate limits and idempotency records, in memory. Keys and records live in
 * open-addressing tables keyed by 16 bytes (a key's id, or the first half of a keyed hash). */
#include "channel/api/api_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "vault/vault.h"

struct key_slot {
    bool used;
    struct api_key_row row;
    double tokens;       /* token bucket: requests available now */
    int64_t refilled_us; /* when tokens was last refilled */
};

struct api_auth {
    const struct vault *vault;
    uint32_t rate_per_s;
    struct key_slot *keys; /* API_KEYS_MAX * 2 slots: at most half full */
    size_t key_count;
    struct idempotency_row *idem; /* ring of records, oldest overwritten */
    uint32_t *idem_slots;         /* index + 1 into idem, keyed by key_hash; 2x the ring */
    size_t idem_next, idem_count;
    /* Keys whose first request is still being answered: an open-addressed set. */
    uint8_t (*in_flight)[32];
    uint8_t *in_flight_used;
    size_t in_flight_count;
};

#define KEY_SLOTS (API_KEYS_MAX * 2)
#define IDEM_SLOTS (API_IDEMPOTENCY_MAX * 2)
/* Slots of the in-flight set: twice the bound, so that probes stay short. */
#define IN_FLIGHT_SLOTS (2 * API_IDEMPOTENCY_IN_FLIGHT_MAX)

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

int api_auth_create(const struct vault *v, uint32_t rate_per_s, struct api_auth **out)
{
    struct api_auth *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        return MDT_E(NOMEM);
    }
    a->vault = v;
    a->rate_per_s = rate_per_s;
    a->keys = calloc(KEY_SLOTS, sizeof(*a->keys));
    a->idem = calloc(API_IDEMPOTENCY_MAX, sizeof(*a->idem));
    a->idem_slots = calloc(IDEM_SLOTS, sizeof(*a->idem_slots));
    a->in_flight = calloc(IN_FLIGHT_SLOTS, sizeof(*a->in_flight));
    a->in_flight_used = calloc(IN_FLIGHT_SLOTS, 1);
    if (a->keys == NULL || a->idem == NULL || a->idem_slots == NULL || a->in_flight == NULL ||
        a->in_flight_used == NULL) {
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
    free(a->idem_slots);
    free(a->in_flight);
    free(a->in_flight_used);
    free(a);
}

static struct key_slot *key_find(struct api_auth *a, const char *key_id)
{
    uint64_t i = hash_bytes(key_id, strlen(key_id)) % KEY_SLOTS;

    while (a->keys[i].used && strcmp(a->keys[i].row.key_id, key_id) != 0) {
        i = (i + 1) % KEY_SLOTS;
    }
    return &a->keys[i];
}

void api_auth_key_set(struct api_auth *a, const struct api_key_row *r)
{
    struct key_slot *k = key_find(a, r->key_id);

    if (!k->used) {
        if (a->key_count >= API_KEYS_MAX) {
            return;
        }
        a->key_count++;
        k->used = true;
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
    uint8_t hash[32];
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
    if (!k->used || k->row.revoked || !vault_hash_equal(k->row.hash, hash)) {
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
                         const char *path, const char *idem_key, uint8_t out[32])
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "idem|%s|%s|%s|%s", key_id, method, path, idem_key);

    vault_mac(a->vault, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, out);
}

void api_body_hash(const struct api_auth *a, const char *body, size_t len, uint8_t out[32])
{
    vault_mac(a->vault, body, len, out);
}

static uint32_t *idem_slot(struct api_auth *a, const uint8_t key_hash[32])
{
    uint64_t i;

    memcpy(&i, key_hash, sizeof(i));
    i %= IDEM_SLOTS;
    while (a->idem_slots[i] != 0 &&
           memcmp(a->idem[a->idem_slots[i] - 1].key_hash, key_hash, 32) != 0) {
        i = (i + 1) % IDEM_SLOTS;
    }
    return &a->idem_slots[i];
}

const struct idempotency_row *api_idempotency_find(struct api_auth *a, const uint8_t key_hash[32])
{
    uint32_t *slot = idem_slot(a, key_hash);

    return *slot != 0 ? &a->idem[*slot - 1] : NULL;
}

/* Remove the ring entry at pos from the table (linear probing: re-insert the cluster after). */
static void idem_forget(struct api_auth *a, size_t pos)
{
    uint32_t *slot = idem_slot(a, a->idem[pos].key_hash);
    uint64_t i = (uint64_t)(slot - a->idem_slots);

    if (*slot == 0) {
        return;
    }
    *slot = 0;
    for (i = (i + 1) % IDEM_SLOTS; a->idem_slots[i] != 0; i = (i + 1) % IDEM_SLOTS) {
        uint32_t v = a->idem_slots[i];

        a->idem_slots[i] = 0;
        *idem_slot(a, a->idem[v - 1].key_hash) = v;
    }
}

void api_idempotency_put(struct api_auth *a, const struct idempotency_row *r)
{
    uint32_t *slot;
    size_t pos;

    if (api_idempotency_find(a, r->key_hash) != NULL) {
        return; /* the first response stays */
    }
    pos = a->idem_next;
    if (a->idem_count == API_IDEMPOTENCY_MAX) {
        idem_forget(a, pos);
    } else {
        a->idem_count++;
    }
    a->idem[pos] = *r;
    a->idem_next = (pos + 1) % API_IDEMPOTENCY_MAX;
    slot = idem_slot(a, r->key_hash);
    MDT_ASSERT(*slot == 0);
    *slot = (uint32_t)pos + 1;
}

/* key_hash is an HMAC: its first bytes are already uniform. */
static size_t in_flight_home(const uint8_t key_hash[32])
{
    uint32_t h;

    memcpy(&h, key_hash, sizeof(h));
    return h & (IN_FLIGHT_SLOTS - 1);
}

/* The slot holding key_hash, or the free slot where it would go. */
static size_t in_flight_slot(const struct api_auth *a, const uint8_t key_hash[32])
{
    size_t i = in_flight_home(key_hash);

    while (a->in_flight_used[i] && memcmp(a->in_flight[i], key_hash, 32) != 0) {
        i = (i + 1) & (IN_FLIGHT_SLOTS - 1);
    }
    return i;
}

int api_idempotency_claim(struct api_auth *a, const uint8_t key_hash[32])
{
    size_t i = in_flight_slot(a, key_hash);

    if (a->in_flight_used[i]) {
        return MDT_E(EXISTS);
    }
    if (a->in_flight_count >= API_IDEMPOTENCY_IN_FLIGHT_MAX) {
        return MDT_E(FULL);
    }
    memcpy(a->in_flight[i], key_hash, 32);
    a->in_flight_used[i] = 1;
    a->in_flight_count++;
    return 0;
}

/* Linear probing without tombstones: later entries of the run move back into the hole when
 * their home does not lie between the hole and them (Knuth 6.4, algorithm R). */
void api_idempotency_release(struct api_auth *a, const uint8_t key_hash[32])
{
    size_t hole = in_flight_slot(a, key_hash), j = hole;

    MDT_ASSERT(a->in_flight_used[hole] && "released an Idempotency-Key that was not claimed");
    for (;;) {
        size_t home;

        j = (j + 1) & (IN_FLIGHT_SLOTS - 1);
        if (!a->in_flight_used[j]) {
            break;
        }
        home = in_flight_home(a->in_flight[j]);
        if (((j - home) & (IN_FLIGHT_SLOTS - 1)) >= ((j - hole) & (IN_FLIGHT_SLOTS - 1))) {
            memcpy(a->in_flight[hole], a->in_flight[j], 32);
            hole = j;
        }
    }
    a->in_flight_used[hole] = 0;
    a->in_flight_count--;
}
