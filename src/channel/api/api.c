/* SPDX-License-Identifier: Apache-2.0 */
/* The /v1 API: routing, authentication, JSON bodies, problems, idempotency, and the answers
 * given once a step is durable. What requests mean is the dialog's business (request.c). */
#include "channel/api/api.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/log.h"
#include "base/metrics.h"
#include "channel/api/api_auth.h"
#include "channel/api/api_int.h"
#include "channel/api/api_parse.h"
#include "channel/api/request_json.h"
#include "channel/loop/wake.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "vault/vault.h"

/* Loop thread: answer a read the ledger thread or the reader finished. */
static void on_read_done(void *ctx, void *item)
{
    struct api_read *r = item;

    (void)ctx;
    r->answer(r);
    api_read_discard(r);
}

void api_read_discard(struct api_read *r)
{
    api_call_free(r->call);
    json_decref(r->body);
    free(r);
}

/* A read finished after the loop stopped: nobody to answer. */
static void read_dropped(void *ctx, void *item)
{
    (void)ctx;
    api_read_discard(item);
}

void api_free(struct api *a)
{
    if (a == NULL) {
        return;
    }
    api_reader_stop(a->reader);
    wake_queue_release(&a->done, read_dropped, NULL);
    api_auth_free(a->auth);
    free(a);
}

void api_read_finished(struct api_read *r)
{
    wake_queue_push(&r->api->done, r);
}

int api_read_submit(struct api *a, struct api_read *r,
                    void (*fn)(void *ctx, const struct ledger *l))
{
    r->api = a;
    if (r->store_read != NULL) {
        return api_reader_submit(a->reader, r);
    }
    return engine_read_async(a->cfg.engine, fn, r);
}

struct api_read *api_read_new(void (*answer)(struct api_read *r))
{
    struct api_read *r = calloc(1, sizeof(*r));

    MDT_ASSERT(r != NULL);
    r->answer = answer;
    return r;
}

void api_read_start(struct api *a, struct evhttp_request *req, const struct api_key_row *k,
                    struct api_read *r, void (*fn)(void *ctx, const struct ledger *l))
{
    struct mdt_err err = {0};

    r->merchant_id = k->merchant_id;
    r->admin = (k->scopes & SCOPE_ADMIN) != 0;
    r->call = api_call_new(a, req);
    if (api_read_submit(a, r, fn) < 0) {
        api_error_problem(api_call_req(r->call), MDT_E(FULL), &err);
        api_read_discard(r);
    }
}

void api_answer_store_read(struct api_read *r)
{
    struct evhttp_request *req = api_call_req(r->call);

    if (req == NULL) {
        return;
    }
    if (r->rc < 0) {
        api_problem(req, 503, "busy", "Store busy", r->err.msg);
        return;
    }
    api_reply_json(req, 200, r->body);
    r->body = NULL;
}

int api_create(const struct api_config *cfg, struct api **out, struct mdt_err *err)
{
    struct api *a = calloc(1, sizeof(*a));

    if (a == NULL || api_auth_create(cfg->vault, cfg->rate_per_s, &a->auth) < 0) {
        free(a);
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory creating the API");
    }
    a->cfg = *cfg;
    if (wake_queue_init(&a->done, cfg->base, on_read_done, a) < 0) {
        api_free(a);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the API's wake-up event");
    }
    if (cfg->reader != NULL && api_reader_start(cfg->reader, &a->reader, err) < 0) {
        api_free(a);
        return MDT_E(NOMEM);
    }
    *out = a;
    return 0;
}

int api_key_loaded(void *ctx, const struct api_key_row *r)
{
    struct api *a = ctx;

    api_auth_key_set(a->auth, r);
    return 0;
}

int api_idempotency_loaded(void *ctx, const struct idempotency_row *r)
{
    struct api *a = ctx;

    api_idempotency_put(a->auth, r);
    return 0;
}

/* ---- answers ---- */

static void security_headers(struct evhttp_request *req, const char *type)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
}

void api_reply_raw(struct evhttp_request *req, int status, const char *type, const char *body,
                   size_t len)
{
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    security_headers(req, type);
    evbuffer_add(b, body, len);
    evhttp_send_reply(req, status, NULL, b);
    evbuffer_free(b);
}

void api_problem(void *r, int status, const char *slug, const char *title, const char *detail)
{
    api_problem_extra(r, status, slug, title, detail, NULL);
}

void api_problem_extra(struct evhttp_request *req, int status, const char *slug, const char *title,
                       const char *detail, json_t *extra)
{
    char type[128];
    json_t *o;
    char *text;

    snprintf(type, sizeof(type), "https://mandat.dev/problems/%s", slug);
    o = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title, "status", status, "detail",
                  detail != NULL ? detail : title);
    MDT_ASSERT(o != NULL);
    if (extra != NULL) {
        json_object_update(o, extra); /* RFC 9457 §3.2: extension members */
        json_decref(extra);
    }
    text = json_dumps(o, JSON_COMPACT);
    MDT_ASSERT(text != NULL);
    api_reply_raw(req, status, "application/problem+json", text, strlen(text));
    free(text);
    json_decref(o);
}

void api_reply_json(struct evhttp_request *req, int status, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT);

    MDT_ASSERT(text != NULL);
    api_reply_raw(req, status, "application/json", text, strlen(text));
    free(text);
    json_decref(o);
}

/* A ledger refusal: 422 with a type named after the reason (stable: the reasons' names are). */
void api_ledger_problem(struct evhttp_request *req, int reason)
{
    char slug[64], detail[128];
    const char *name = ledger_reason_name(reason);
    size_t i;

    for (i = 0; name[i] != '\0' && i < sizeof(slug) - 1; i++) {
        slug[i] = name[i] == '_' ? '-' : name[i];
    }
    slug[i] = '\0';
    snprintf(detail, sizeof(detail), "the ledger refused the operation: %s", name);
    api_problem(req, reason == LEDGER_INSUFFICIENT_FUNDS ? 402 : 422, slug, "Refused by the ledger",
                detail);
}

/* A dialog error code as a problem. */
void api_error_problem(struct evhttp_request *req, int rc, const struct mdt_err *err)
{
    const char *detail = err->msg[0] != '\0' ? err->msg : mdt_strerror(rc);

    if (rc == MDT_E(INVAL)) {
        api_problem(req, 422, "invalid-field", "A field is invalid", detail);
    } else if (rc == MDT_E(NOTFOUND)) {
        api_problem(req, 404, "not-found", "Not found", detail);
    } else if (rc == MDT_E(RANGE)) {
        api_problem(req, 409, "state-conflict", "Not possible in this state", detail);
    } else if (rc == MDT_E(BUSY) || rc == MDT_E(FULL)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        api_problem(req, 503, "busy", "Busy: retry in a second", detail);
    } else {
        api_problem(req, 500, "internal", "Internal error", detail);
    }
}

/* ---- requests in flight ---- */

static void on_close(struct evhttp_connection *conn, void *arg)
{
    struct api_call *c = arg;

    (void)conn;
    c->req = NULL; /* the client left: the step still completes, nobody is answered */
}

struct api_call *api_call_new(struct api *a, struct evhttp_request *req)
{
    struct api_call *c = calloc(1, sizeof(*c));

    MDT_ASSERT(c != NULL);
    c->api = a;
    c->req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_close, c);
    return c;
}

void api_call_free(struct api_call *c)
{
    if (c == NULL) {
        return;
    }
    if (c->idem_claimed) {
        api_idempotency_release(c->api->auth, c->idem_key);
    }
    free(c);
}

/* The answer can go out: detach from the connection. NULL when the client left. */
struct evhttp_request *api_call_req(struct api_call *c)
{
    if (c->req != NULL) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
    }
    return c->req;
}

/* The call ends without an answer of its own (one was sent already, or its client left). */
void api_call_end(struct api_call *c)
{
    api_call_req(c);
    api_call_free(c);
}

/* Answer with text and remember it for the call's Idempotency-Key (durable, best effort: a lost
 * record is recovered through the id derived from the key). */
void api_answer_text(struct api_call *c, int status, const char *text, size_t len)
{
    api_answer_text_kept(c, status, text, len, text, len);
}

void api_answer_text_kept(struct api_call *c, int status, const char *text, size_t len,
                          const char *kept, size_t kept_len)
{
    struct evhttp_request *req = api_call_req(c);
    struct idempotency_row *rec;

    if (req != NULL) {
        api_reply_raw(req, status, "application/json", text, len);
    }
    text = kept;
    len = kept_len;
    if (!c->has_idem || len >= sizeof(rec->response)) {
        return;
    }
    rec = calloc(1, sizeof(*rec));
    MDT_ASSERT(rec != NULL);
    memcpy(rec->key_hash, c->idem_key, 32);
    memcpy(rec->body_hash, c->body_hash, 32);
    memcpy(rec->response, text, len);
    rec->status = (uint16_t)status;
    rec->created_us = clock_now_us();
    api_idempotency_put(c->api->auth, rec);
    api_persist_idempotency(c->api, rec);
    free(rec);
}

void api_answer_request(struct api_call *c, int status, const struct payment_request_row *r)
{
    char buf[STORE_HTTP_BODY_MAX];
    int n = request_json_write(r, buf, sizeof(buf));

    MDT_ASSERT(n > 0);
    api_answer_text(c, status, buf, (size_t)n);
}

static void rows_saved(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    (void)res;
    (void)n;
    if (rc < 0) {
        log_warn("idempotency record not saved: %s", mdt_strerror(rc));
    }
    free(ctx);
}

void api_persist_idempotency(struct api *a, const struct idempotency_row *r)
{
    struct store_extra *x = calloc(1, sizeof(*x));

    MDT_ASSERT(x != NULL);
    x->kind = EXTRA_IDEMPOTENCY;
    x->u.idempotency = *r;
    if (engine_submit_rows(a->cfg.engine, NULL, 0, x, 1, 1, NULL, NULL, x, rows_saved) < 0) {
        free(x);
    }
}

/* ---- request parsing ---- */

void api_parse_problem(struct evhttp_request *req, const struct api_error *e)
{
    api_problem(req, e->status, e->slug, e->title, e->detail);
}

/* The body as a JSON object, or a problem already sent (NULL). */
json_t *api_body_json(struct evhttp_request *req, char **raw, size_t *raw_len)
{
    struct evbuffer *b = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(b);
    const char *text = len > 0 ? (const char *)evbuffer_pullup(b, -1) : "";
    struct api_error e = {0};
    json_t *o = api_parse_body(text, len, &e);

    if (o == NULL) {
        api_parse_problem(req, &e);
        return NULL;
    }
    *raw = (char *)text;
    *raw_len = len;
    return o;
}

int api_field_string(struct evhttp_request *req, json_t *o, const char *name, bool required,
                     char *out, size_t cap)
{
    struct api_error e = {0};
    int rc = api_get_string(o, name, required, out, cap, &e);

    if (rc < 0) {
        api_parse_problem(req, &e);
    }
    return rc;
}

int api_field_int(struct evhttp_request *req, json_t *o, const char *name, bool required,
                  int64_t min, int64_t max, int64_t def, int64_t *out)
{
    struct api_error e = {0};
    int rc = api_get_int(o, name, required, min, max, def, out, &e);

    if (rc < 0) {
        api_parse_problem(req, &e);
    }
    return rc;
}

/* Authenticate for scope; on failure a problem is sent and NULL returned. */
const struct api_key_row *api_authenticate(struct api *a, struct evhttp_request *req,
                                           uint32_t scope)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    const struct api_key_row *k = NULL;
    struct mdt_err err = {0};
    uint32_t retry = 0;
    char buf[16];
    int rc = api_auth_check(a->auth, h, scope, clock_now_us(), &k, &retry, &err);

    if (rc == 0) {
        return k;
    }
    if (rc == MDT_E(FULL)) {
        snprintf(buf, sizeof(buf), "%u", retry);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", buf);
        api_problem(req, 429, "rate-limited", "Too many requests", err.msg);
    } else if (rc == MDT_E(RANGE)) {
        api_problem(req, 403, "forbidden", "Forbidden", err.msg);
    } else {
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Bearer realm=\"mandat\"");
        api_problem(req, 401, "unauthorized", "Unauthorized", err.msg);
    }
    return NULL;
}

/* A key seen for the first time: the request that brought it owns it until answered. A second
 * request with the same key meanwhile gets 409 and retries: it then finds the first answer
 * (Idempotent-Replayed) or, if the first failed, goes ahead itself. Never a second object. */
static int idempotency_claim(struct api_call *c)
{
    struct evhttp_request *req = c->req;
    int rc = api_idempotency_claim(c->api->auth, c->idem_key);

    if (rc == 0) {
        c->idem_claimed = true;
        return 0;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    if (rc == MDT_E(EXISTS)) {
        api_problem(req, 409, "idempotency-key-in-use", "Idempotency-Key in use",
                    "a request with this Idempotency-Key is still being processed: retry in a "
                    "second to get its answer");
    } else {
        api_problem(req, 503, "busy", "Busy",
                    "too many requests with an Idempotency-Key in flight: retry in a second");
    }
    return -1;
}

/* Idempotency-Key handling for a POST: returns 1 when a stored answer was sent (done), 0 to go
 * on (c->has_idem set when a key was given), -1 when a problem was sent. */
int api_idempotency_begin(struct api_call *c, const struct api_key_row *k, const char *path,
                          const char *body, size_t len)
{
    struct evhttp_request *req = c->req;
    const char *key = evhttp_find_header(evhttp_request_get_input_headers(req), "Idempotency-Key");
    const struct idempotency_row *rec;

    if (key == NULL) {
        return 0;
    }
    if (key[0] == '\0' || strlen(key) > API_IDEMPOTENCY_KEY_MAX) {
        api_problem(req, 400, "invalid-idempotency-key", "Invalid Idempotency-Key",
                    "Idempotency-Key must be 1 to 255 characters");
        return -1;
    }
    c->has_idem = true;
    api_idempotency_key(c->api->auth, k->key_id, "POST", path, key, c->idem_key);
    api_body_hash(c->api->auth, body, len, c->body_hash);
    memcpy(&c->derived_id.hi, c->idem_key, 8);
    memcpy(&c->derived_id.lo, c->idem_key + 8, 8);
    rec = api_idempotency_find(c->api->auth, c->idem_key);
    if (rec == NULL) {
        return idempotency_claim(c);
    }
    if (!vault_hash_equal(rec->body_hash, c->body_hash)) {
        api_problem(req, 422, "idempotency-key-reused", "Idempotency-Key reused",
                    "this Idempotency-Key was used with another body: use a new key");
        return -1;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Idempotent-Replayed", "true");
    api_reply_raw(req, rec->status, "application/json", rec->response, strlen(rec->response));
    return 1;
}

/* The opening every changing POST shares: the key (with scope), the body as a JSON object, then
 * the Idempotency-Key. Returns the body (the caller's: json_decref) with the call in *out and
 * the key in *key, or NULL when the request is answered already (refused, or replayed). */
json_t *api_call_open(struct api *a, struct evhttp_request *req, uint32_t scope, const char *path,
                      const struct api_key_row **key, struct api_call **out)
{
    const struct api_key_row *k = api_authenticate(a, req, scope);
    size_t len = 0;
    char *raw = NULL;
    json_t *o;

    *out = NULL;
    if (k == NULL || (o = api_body_json(req, &raw, &len)) == NULL) {
        return NULL;
    }
    *out = api_call_new(a, req);
    if (api_idempotency_begin(*out, k, path, raw, len) != 0) {
        api_call_end(*out);
        *out = NULL;
        json_decref(o);
        return NULL;
    }
    if (key != NULL) {
        *key = k;
    }
    return o;
}

bool api_handle(struct api *a, void *r)
{
    struct evhttp_request *req = r;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

    if (path == NULL || strncmp(path, "/v1/", 4) != 0) {
        return false;
    }
    metrics_add(METRIC_HTTP_API_REQUESTS, 1);
    api_route(a, req, path);
    return true;
}
