/* SPDX-License-Identifier: Apache-2.0 */
/* Who may call the merchant API and how often: API keys by their public id (only keyed hashes
 * are held), scopes, a token bucket per key, and the responses remembered per Idempotency-Key.
 * Pure memory: no I/O, no libevent; one thread (the event loop). */
#ifndef MDT_CHANNEL_API_API_AUTH_H
#define MDT_CHANNEL_API_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "store/store_channel.h"

struct vault;
struct api_auth;

/* rate_per_s: default requests per second per key (a key's own rate_per_s overrides it). */
int api_auth_create(const struct vault *v, uint32_t rate_per_s, struct api_auth **out);
void api_auth_free(struct api_auth *a);

/* Add or replace a key (loaded, or created by the CLI and reread). */
void api_auth_key_set(struct api_auth *a, const struct api_key_row *r);

/* The token of an "Authorization: Bearer <token>" header value (NULL or another scheme: NULL).
 * Points into authorization. */
const char *api_bearer(const char *authorization);

/* Check an "Authorization: Bearer mdt_..." header for scope at now_us. Returns 0 with *key
 * set, or: -MDT_EINVAL no or malformed header (401), -MDT_ENOTFOUND unknown, revoked or wrong
 * key (401), -MDT_ERANGE the key lacks the scope (403), -MDT_EFULL over its rate, with
 * *retry_after_s (429). err says what to do; it never contains the key. */
int api_auth_check(struct api_auth *a, const char *authorization, uint32_t scope, int64_t now_us,
                   const struct api_key_row **key, uint32_t *retry_after_s, struct mdt_err *err);

/* Keyed fingerprints of an Idempotency-Key (bound to the API key, method and path) and of a
 * request body. */
void api_idempotency_key(const struct api_auth *a, const char *key_id, const char *method,
                         const char *path, const char *idem_key, uint8_t out[SHA256_LEN]);
void api_body_hash(const struct api_auth *a, const char *body, size_t len, uint8_t out[SHA256_LEN]);

/* The record for key_hash, or NULL. Valid until the next call. */
const struct idempotency_row *api_idempotency_find(struct api_auth *a,
                                                   const uint8_t key_hash[SHA256_LEN]);
/* Remember a response (copied). */
void api_idempotency_put(struct api_auth *a, const struct idempotency_row *r);

/* Claim key_hash while its first request is answered, so that a concurrent request with the
 * same key never makes a second object (it gets 409, as with Stripe's API). 0 claimed,
 * -MDT_EEXISTS already in flight, -MDT_EFULL too many in flight. Release it once the answer is
 * remembered (api_idempotency_put) or the request failed; releasing what was not claimed is a
 * programmer error. Loop thread only. */
int api_idempotency_claim(struct api_auth *a, const uint8_t key_hash[SHA256_LEN]);
void api_idempotency_release(struct api_auth *a, const uint8_t key_hash[SHA256_LEN]);

#endif
