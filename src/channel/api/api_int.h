/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the API's files: api.c (answers, parsing, auth, idempotency) and
 * api_routes.c (the endpoints). Not for use outside src/channel/api. */
#ifndef MDT_CHANNEL_API_API_INT_H
#define MDT_CHANNEL_API_API_INT_H

#include <jansson.h>
#include <pthread.h>

#include "ledger/ledger.h"
#include "store/store_channel.h"

#include "base/id128.h"
#include "base/limits.h"
#include "channel/api/api.h"
#include "channel/api/api_parse.h"
#include "channel/loop/wake.h"

struct evhttp_request;
struct store;

/* A read of the ledger view, done on the ledger thread, or of the store (store_read set), done
 * on the API's reader thread; answered on the loop either way. */
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
    /* store reads (api_reader.c): store_read runs on the reader thread, returns 0 or a negative
     * code with err set, and leaves the answer's JSON in body (freed with the read) */
    int (*store_read)(struct api_read *r, struct store *s);
    uint64_t after; /* a page's cursor */
    uint32_t limit; /* a page's size */
    json_t *body;
    struct mdt_err err;
    struct api_read *next; /* the reader's queue */
};

struct api {
    struct api_config cfg;
    struct api_auth *auth;
    struct wake_queue done;    /* reads finished off the loop, to answer on it */
    struct api_reader *reader; /* store reads; NULL without cfg.reader */
};

/* Queue r: on the reader thread when r->store_read is set, else fn on the ledger thread;
 * r->answer runs later on the loop. Returns 0 or a negative code (r untouched). */
int api_read_submit(struct api *a, struct api_read *r,
                    void (*fn)(void *ctx, const struct ledger *l));
/* A zeroed read answered by answer on the loop; the caller's until api_read_start takes it. */
struct api_read *api_read_new(void (*answer)(struct api_read *r));
/* Start r for the caller k (api_read_submit); takes r: a problem is sent and r freed when it
 * cannot be queued. Loop thread. */
void api_read_start(struct api *a, struct evhttp_request *req, const struct api_key_row *k,
                    struct api_read *r, void (*fn)(void *ctx, const struct ledger *l));
/* Ledger thread (api_read_submit's fn): r->account's row into r->a, r->rc -MDT_ENOTFOUND when
 * there is none; then hands r to the loop. */
void api_read_account(void *ctx, const struct ledger *l);
/* Ledger or reader thread: hand a finished read to the loop. */
void api_read_finished(struct api_read *r);
/* Free r and its call without answering (answered already, or nobody left to answer). */
void api_read_discard(struct api_read *r);
/* Loop thread: the answer of a store read, its body (200) or 503 with the store's error. */
void api_answer_store_read(struct api_read *r);

/* Start the reader thread on s, a read-only connection nothing else uses (api_reader.c). */
int api_reader_start(struct store *s, struct api_reader **out, struct mdt_err *err);
/* Queue a store read: 0, or -MDT_EFULL when API_READER_QUEUE_MAX wait already. Loop thread. */
int api_reader_submit(struct api_reader *rd, struct api_read *r);
/* Stop and join the thread; reads still queued are discarded. rd may be NULL. */
void api_reader_stop(struct api_reader *rd);

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
/* api_problem with the members of extra (taken: json_decref'd here; may be NULL) added. */
void api_problem_extra(struct evhttp_request *req, int status, const char *slug, const char *title,
                       const char *detail, json_t *extra);
void api_error_problem(struct evhttp_request *req, int rc, const struct mdt_err *err);
struct api_call *api_call_new(struct api *a, struct evhttp_request *req);
/* The call is over (answered, refused, or its client gone): its Idempotency-Key is free again. */
void api_call_free(struct api_call *c);
struct evhttp_request *api_call_req(struct api_call *c);
/* The call ends without an answer of its own (one was sent already, or its client left). */
void api_call_end(struct api_call *c);
void api_answer_text(struct api_call *c, int status, const char *text, size_t len);
/* api_answer_text, remembering kept (what a replay gets) instead of text: for an answer that
 * carries a secret shown once (a card's activation code), never stored. */
void api_answer_text_kept(struct api_call *c, int status, const char *text, size_t len,
                          const char *kept, size_t kept_len);
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
/* The opening every changing POST shares: the key (with scope), the body as a JSON object, then
 * the Idempotency-Key. Returns the body (the caller's: json_decref) with the call in *out and
 * the key in *key (may be NULL), or NULL when the request is answered already. */
json_t *api_call_open(struct api *a, struct evhttp_request *req, uint32_t scope, const char *path,
                      const struct api_key_row **key, struct api_call **out);
void api_route(struct api *a, struct evhttp_request *req, const char *path);
/* /v1/cards/{token} and /v1/cards/{token}/loads (api_cards.c); rest is what follows
 * "/v1/cards/". */
void api_route_cards(struct api *a, struct evhttp_request *req, const char *rest);
/* A card as the API shows it, masked (BIN and last four, never the number), its status as of
 * now (expired once its month is over); the caller's (json_decref). api_cards.c. */
json_t *api_card_json(const struct card_row *k);
/* The operator's card endpoints (api_card_admin.c, scope admin): POST /v1/cards issues a card,
 * GET /v1/cards lists them, POST /v1/cards/{token}/block|unblock|lost changes one (what: the
 * last segment). */
void api_card_issue(struct api *a, struct evhttp_request *req);
void api_card_list(struct api *a, struct evhttp_request *req);
void api_card_change(struct api *a, struct evhttp_request *req, const char *token,
                     const char *what);
/* The operator's endpoints (api_admin.c): true when path was one of them. */
bool api_route_admin(struct api *a, struct evhttp_request *req, const char *path);

#endif
