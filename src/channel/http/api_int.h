/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the API's files: api.c (answers, parsing, auth, idempotency) and
 * api_routes.c (the endpoints). Not for use outside src/channel/http. */
#ifndef MDT_CHANNEL_HTTP_API_INT_H
#define MDT_CHANNEL_HTTP_API_INT_H

#include <jansson.h>
#include <pthread.h>

#include "ledger/ledger.h"
#include "store/store_channel.h"

#include "base/id128.h"
#include "base/limits.h"
#include "channel/http/api.h"
#include "channel/http/api_parse.h"

struct evhttp_request;

/* A read of the ledger view, done on the ledger thread and answered on the loop. */
struct api_read {
    struct api_call *call;
    struct api *api;
    void (*answer)(struct api_read *r); /* loop thread: reply from the fields below */
    struct id128 id;
    uint64_t account;
    uint64_t merchant_id; /* the caller's key: what it may see */
    bool admin;
    int rc;
    struct transfer t;
    struct account a;
    struct ledger_op op[1]; /* operator writes (api_admin.c) */
    struct ledger_result res[1];
    struct store_extra row;
    struct api_read *next;
};

struct api {
    struct api_config cfg;
    struct api_auth *auth;
    struct event *wake; /* the ledger thread wakes the loop for finished reads */
    pthread_mutex_t mu;
    struct api_read *done; /* guarded by mu */
};

/* Queue r; r->answer runs later on the loop. Returns 0 or a negative code (r untouched). */
int api_read_submit(struct api *a, struct api_read *r,
                    void (*fn)(void *ctx, const struct ledger *l));
/* Ledger thread: hand a finished read to the loop. */
void api_read_finished(struct api_read *r);

/* One request waiting for a durable answer. */
struct api_call {
    struct api *api;
    struct evhttp_request *req; /* NULL once the client left */
    bool has_idem;
    bool idem_claimed; /* idem_key is claimed in flight until api_call_free() */
    uint8_t idem_key[32], body_hash[32];
    struct id128 derived_id; /* from the Idempotency-Key: the request's or refund's id */
    uint64_t merchant_id;
};

void api_reply_raw(struct evhttp_request *req, int status, const char *type, const char *body,
                   size_t len);
void api_reply_json(struct evhttp_request *req, int status, json_t *o);
void api_ledger_problem(struct evhttp_request *req, int reason);
void api_error_problem(struct evhttp_request *req, int rc, const struct mdt_err *err);
struct api_call *api_call_new(struct api *a, struct evhttp_request *req);
/* The call is over (answered, refused, or its client gone): its Idempotency-Key is free again. */
void api_call_free(struct api_call *c);
struct evhttp_request *api_call_req(struct api_call *c);
void api_answer_text(struct api_call *c, int status, const char *text, size_t len);
void api_answer_request(struct api_call *c, int status, const struct payment_request_row *r);
void api_persist_idempotency(struct api *a, const struct idempotency_row *r);
void api_parse_problem(struct evhttp_request *req, const struct api_error *e);
json_t *api_body_json(struct evhttp_request *req, char **raw, size_t *raw_len);
int api_field_string(struct evhttp_request *req, json_t *o, const char *name, bool required,
                     char *out, size_t cap);
int api_field_int(struct evhttp_request *req, json_t *o, const char *name, bool required,
                  int64_t min, int64_t max, int64_t def, int64_t *out);
const struct api_key_row *api_authenticate(struct api *a, struct evhttp_request *req,
                                           uint32_t scope);
int api_idempotency_begin(struct api_call *c, const struct api_key_row *k, const char *path,
                          const char *body, size_t len);
void api_route(struct api *a, struct evhttp_request *req, const char *path);
/* The operator's endpoints (api_admin.c): true when path was one of them. */
bool api_route_admin(struct api *a, struct evhttp_request *req, const char *path);

#endif
