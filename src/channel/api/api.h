/* SPDX-License-Identifier: Apache-2.0 */
/* The merchant and operator API under /v1 (docs/openapi.yaml): payment requests, refunds,
 * transfers and balances, on libevent's HTTP server. JSON in and out; every error is an RFC 9457
 * problem. A request that changes something is answered only once it is durable. */
#ifndef MDT_CHANNEL_API_API_H
#define MDT_CHANNEL_API_API_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store_channel.h"

struct api;
struct dialog;
struct engine;
struct dialog_step;
struct store;
struct vault;
struct api_auth;

struct event_base;

struct api_config {
    struct event_base *base; /* borrowed: the loop answers are sent from */
    struct dialog *dialog;   /* borrowed: payment requests and merchants */
    /* Submit a step; done runs on the loop once it is durable or failed (service_submit). */
    int (*submit)(void *submit_ctx, struct dialog_step *s, void *ctx,
                  void (*done)(void *ctx, int rc, const struct dialog_step *s));
    void *submit_ctx;
    struct engine *engine; /* borrowed: reads of the ledger view */
    struct store *reader;  /* borrowed: a read-only connection for the API's reader thread
                            * alone (statements, journal); NULL: those answer 503 */
    struct vault *vault;   /* borrowed: API key hashes */
    uint32_t rate_per_s;   /* default requests per second per key */
    uint64_t bank_account; /* the bank system account: where top-ups come from */
};

/* *out: api_free(). */
int api_create(const struct api_config *cfg, struct api **out, struct mdt_err *err);
void api_free(struct api *a);

/* Serve req (a struct evhttp_request *) when its path is under /v1/; returns false otherwise
 * (the caller answers it). */
bool api_handle(struct api *a, void *req);

/* Keys and idempotency records loaded from the store (store_channel_fns callbacks; ctx = api). */
int api_key_loaded(void *ctx, const struct api_key_row *r);
int api_idempotency_loaded(void *ctx, const struct idempotency_row *r);

/* Write an RFC 9457 problem (application/problem+json) to req (a struct evhttp_request *).
 * slug names the type: https://mandat.dev/problems/<slug>. */
void api_problem(void *req, int status, const char *slug, const char *title, const char *detail);

#endif
