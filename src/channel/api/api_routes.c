/* SPDX-License-Identifier: Apache-2.0 */
/* The /v1 endpoints (docs/openapi.yaml): payment requests (create, read, list, cancel), refunds,
 * transfers, balances and top-ups. Each parses and checks its input, asks the dialog or reads
 * the ledger, and answers; changes are answered once durable. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "channel/api/api_auth.h"
#include "channel/api/api_int.h"
#include "channel/api/request_json.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "store/store.h"

enum call_kind {
    CALL_CREATE = 0,
    CALL_CANCEL,
    CALL_REFUND,
};

struct call_ctx {
    struct api_call *call;
    int kind;
};

static void step_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct call_ctx *cc = ctx;
    struct api_call *c = cc->call;
    struct evhttp_request *req = c->req;
    char rid[ID128_TEXT_MAX], buf[STORE_HTTP_BODY_MAX];
    int n;

    if (rc < 0) {
        if (api_call_req(c) != NULL) {
            struct mdt_err err = {0};

            api_error_problem(req, rc, &err);
        }
    } else if (dialog_step_outcome(s) == OUTCOME_REFUSED) {
        if (api_call_req(c) != NULL) {
            api_ledger_problem(req, dialog_step_reason(s));
        }
    } else if (cc->kind == CALL_REFUND) {
        id128_format(s->refund_id, rid);
        n = snprintf(buf, sizeof(buf),
                     "{\"id\":\"%s\",\"object\":\"refund\",\"amount\":%lld,\"state\":"
                     "\"succeeded\",\"payment_request\":",
                     rid, (long long)s->amount);
        n += request_json_write(&s->request, buf + n, sizeof(buf) - (size_t)n);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
        api_answer_text(c, 201, buf, (size_t)n);
    } else {
        api_answer_request(c, cc->kind == CALL_CREATE ? 201 : 200, &s->request);
    }
    api_call_free(c);
    free(cc);
}

static void submit(struct api_call *c, int kind, struct dialog_step *s)
{
    struct call_ctx *cc = malloc(sizeof(*cc));

    MDT_ASSERT(cc != NULL);
    cc->call = c;
    cc->kind = kind;
    if (c->api->cfg.submit(c->api->cfg.submit_ctx, s, cc, step_answered) < 0) {
        struct mdt_err err = {0};

        if (api_call_req(c) != NULL) {
            api_error_problem(c->req, MDT_E(FULL), &err);
        }
        free(cc);
        api_call_free(c);
    }
}

/* The input of POST /v1/payment-requests; a problem is sent when it is refused. */
static int parse_request(struct evhttp_request *req, json_t *o, struct request_input *in)
{
    struct api_error e = {0};

    if (api_parse_request_input(o, in, &e) < 0) {
        api_parse_problem(req, &e);
        return -1;
    }
    return 0;
}

static void create_request(struct api *a, struct evhttp_request *req)
{
    const struct api_key_row *k = NULL;
    struct request_input in = {0};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct api_call *c = NULL;
    json_t *o = api_call_open(a, req, SCOPE_PAYMENTS, "/v1/payment-requests", &k, &c);
    int rc;

    if (o == NULL) {
        return;
    }
    rc = parse_request(req, o, &in);
    json_decref(o);
    if (rc != 0) {
        api_call_end(c);
        return;
    }
    in.merchant_id = k->merchant_id;
    in.id = c->has_idem ? c->derived_id : (struct id128){0};
    if (!c->has_idem && id128_random(&in.id) < 0) {
        rc = mdt_err_set(&err, MDT_E(IO), "no random bytes");
    }
    if (rc == 0) {
        rc = dialog_request_create(a->cfg.dialog, &in, clock_now_us(), &s, &err);
    }
    if (rc == MDT_E(EXISTS)) {
        /* Same key, record forgotten: the request it made is the answer. */
        api_answer_request(c, 201, dialog_request_get(a->cfg.dialog, in.id));
        api_call_free(c);
    } else if (rc < 0) {
        api_error_problem(api_call_req(c), rc, &err);
        api_call_free(c);
    } else {
        submit(c, CALL_CREATE, s);
    }
}

static int parse_id(struct evhttp_request *req, const char *text, size_t len, struct id128 *out)
{
    char buf[40];

    if (len >= sizeof(buf)) {
        api_problem(req, 404, "not-found", "Not found", "ids are 32 hex digits");
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (id128_parse(buf, out, NULL) < 0) {
        api_problem(req, 404, "not-found", "Not found", "ids are 32 hex digits");
        return -1;
    }
    return 0;
}

static void get_request(struct api *a, struct evhttp_request *req, struct id128 id)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_READ);
    const struct payment_request_row *r;
    char buf[STORE_HTTP_BODY_MAX];
    int n;

    if (k == NULL) {
        return;
    }
    r = dialog_request_get(a->cfg.dialog, id);
    if (r == NULL || (r->merchant_id != k->merchant_id && !(k->scopes & SCOPE_ADMIN))) {
        api_problem(req, 404, "not-found", "Not found", "no such payment request");
        return;
    }
    n = request_json_write(r, buf, sizeof(buf));
    api_reply_raw(req, 200, "application/json", buf, (size_t)n);
}

static void cancel_request(struct api *a, struct evhttp_request *req, struct id128 id)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_PAYMENTS);
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct api_call *c;
    int rc;

    if (k == NULL) {
        return;
    }
    rc = dialog_request_cancel(a->cfg.dialog, k->merchant_id, id, clock_now_us(), &s, &err);
    if (rc < 0) {
        api_error_problem(req, rc, &err);
        return;
    }
    c = api_call_new(a, req);
    submit(c, CALL_CANCEL, s);
}

/* GET /v1/payment-requests?limit=&starting_after=&state= : newest first. */
static void list_requests(struct api *a, struct evhttp_request *req)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_READ);
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    struct payment_request_row *rows;
    struct evkeyvalq q = {0};
    struct id128 after = {0};
    const char *v;
    long limit = 20;
    int state = -1;
    json_t *list, *o;
    size_t n;

    if (k == NULL) {
        return;
    }
    if (query != NULL && evhttp_parse_query_str(query, &q) < 0) {
        api_problem(req, 400, "malformed-query", "Malformed query",
                    "the query string is malformed");
        return;
    }
    v = evhttp_find_header(&q, "limit");
    if (v != NULL && (sscanf(v, "%ld", &limit) != 1 || limit < 1 || limit > API_LIST_MAX)) {
        api_problem(req, 400, "invalid-parameter", "Invalid parameter", "limit is 1 to 100");
        goto out;
    }
    v = evhttp_find_header(&q, "starting_after");
    if (v != NULL && id128_parse(v, &after, NULL) < 0) {
        api_problem(req, 400, "invalid-parameter", "Invalid parameter",
                    "starting_after is the id of the last request of the previous page");
        goto out;
    }
    v = evhttp_find_header(&q, "state");
    if (v != NULL && (state = payment_request_state_parse(v)) < 0) {
        api_problem(req, 400, "invalid-parameter", "Invalid parameter",
                    "state is pending, confirmed, declined, expired or cancelled");
        goto out;
    }
    rows = calloc((size_t)limit + 1, sizeof(*rows));
    MDT_ASSERT(rows != NULL);
    n = dialog_request_list(a->cfg.dialog, k->merchant_id, after, state, rows, (size_t)limit + 1);
    list = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        char buf[STORE_HTTP_BODY_MAX];

        request_json_write(&rows[i], buf, sizeof(buf));
        json_array_append_new(list, json_loads(buf, 0, NULL));
    }
    o = json_pack("{s:s, s:o, s:b}", "object", "list", "data", list, "has_more", n > (size_t)limit);
    free(rows);
    api_reply_json(req, 200, o);
out:
    evhttp_clear_headers(&q);
}

static void create_refund(struct api *a, struct evhttp_request *req)
{
    const struct api_key_row *k = NULL;
    struct id128 request_id, refund_id;
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct api_call *c = NULL;
    struct api_error e = {0};
    int64_t amount = 0;
    json_t *o = api_call_open(a, req, SCOPE_REFUNDS, "/v1/refunds", &k, &c);
    int rc;

    if (o == NULL) {
        return;
    }
    rc = api_parse_refund(o, &request_id, &amount, &e);
    if (rc < 0) {
        api_parse_problem(req, &e);
    }
    json_decref(o);
    if (rc == 0) {
        refund_id = c->derived_id;
        if (!c->has_idem) {
            id128_random(&refund_id);
        }
        rc = dialog_refund(a->cfg.dialog, k->merchant_id, request_id, refund_id, amount,
                           clock_now_us(), &s, &err);
        if (rc < 0) {
            api_error_problem(req, rc, &err);
        }
    }
    if (rc != 0) {
        api_call_end(c);
        return;
    }
    submit(c, CALL_REFUND, s);
}

/* ---- reads of the ledger view (on the ledger thread, between batches: committed state) ---- */

static void read_transfer(void *ctx, const struct ledger *l)
{
    struct api_read *r = ctx;

    r->rc = ledger_transfer_find(l, r->id, &r->t);
    api_read_finished(r);
}

void api_read_account(void *ctx, const struct ledger *l)
{
    struct api_read *r = ctx;
    const struct account *a = ledger_account_get(l, r->account);

    r->rc = a != NULL ? 0 : MDT_E(NOTFOUND);
    if (a != NULL) {
        r->a = *a;
    }
    api_read_finished(r);
}

static void answer_transfer(struct api_read *r)
{
    struct evhttp_request *req = api_call_req(r->call);
    char tid[ID128_TEXT_MAX], link[ID128_TEXT_MAX];
    json_t *o;

    if (req == NULL) {
        return;
    }
    if (r->rc < 0 || (!r->admin && r->t.debit_account_id != r->merchant_id &&
                      r->t.credit_account_id != r->merchant_id)) {
        api_problem(req, 404, "not-found", "Not found", "no such transfer");
        return;
    }
    id128_format(r->t.id, tid);
    id128_format(r->t.link_id, link);
    o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:I}", "id", tid, "object", "transfer",
                  "debit_account_id", (json_int_t)r->t.debit_account_id, "credit_account_id",
                  (json_int_t)r->t.credit_account_id, "amount", (json_int_t)r->t.amount, "kind",
                  transfer_kind_name(r->t.kind), "state", transfer_state_name(r->t.state), "reason",
                  ledger_reason_name(r->t.reason), "timestamp_us", (json_int_t)r->t.timestamp_us);
    if (!id128_is_zero(r->t.link_id)) {
        json_object_set_new(o, "link_id", json_string(link));
    }
    api_reply_json(req, 200, o);
}

static void answer_balance(struct api_read *r)
{
    struct evhttp_request *req = api_call_req(r->call);
    const struct account *a = &r->a;

    if (req == NULL) {
        return;
    }
    if (r->rc < 0) {
        api_problem(req, 404, "not-found", "Not found", "no such account");
        return;
    }
    api_reply_json(
        req, 200,
        json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "account_id", (json_int_t)r->account,
                  "object", "balance", "currency", a->currency, "available",
                  (json_int_t)(a->credits_posted - a->debits_posted - a->debits_pending),
                  "debits_posted", (json_int_t)a->debits_posted, "credits_posted",
                  (json_int_t)a->credits_posted, "debits_pending", (json_int_t)a->debits_pending,
                  "credits_pending", (json_int_t)a->credits_pending));
}

static void get_transfer(struct api *a, struct evhttp_request *req, struct id128 id)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_READ);
    struct api_read *r;

    if (k == NULL) {
        return;
    }
    r = api_read_new(answer_transfer);
    r->id = id;
    api_read_start(a, req, k, r, read_transfer);
}

static void get_balance(struct api *a, struct evhttp_request *req, uint64_t account)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_READ);
    struct api_read *r;

    if (k == NULL) {
        return;
    }
    if (!(k->scopes & SCOPE_ADMIN) && account != k->merchant_id) {
        api_problem(req, 404, "not-found", "Not found", "no such account");
        return;
    }
    r = api_read_new(answer_balance);
    r->account = account;
    api_read_start(a, req, k, r, api_read_account);
}

/* ---- statements (the store's log, on the reader thread) ---- */

struct statement_page {
    json_t *list;
    uint64_t account, last_seq;
    uint32_t n;
};

/* Reader thread. */
static int statement_row(void *ctx, const struct transfer *t)
{
    struct statement_page *p = ctx;
    bool out = t->debit_account_id == p->account;
    char id[ID128_TEXT_MAX];

    id128_format(t->id, id);
    json_array_append_new(
        p->list,
        json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:I}", "seq", (json_int_t)t->seq, "id", id,
                  "kind", transfer_kind_name(t->kind), "state", transfer_state_name(t->state),
                  "amount", (json_int_t)(out ? -t->amount : t->amount), "counterparty",
                  (json_int_t)(out ? t->credit_account_id : t->debit_account_id), "reference",
                  t->ext_ref, "timestamp_us", (json_int_t)t->timestamp_us));
    p->last_seq = t->seq;
    p->n++;
    return 0;
}

/* Reader thread: a page of r->account's statement, as the answer's JSON. */
static int read_statement(struct api_read *r, struct store *s)
{
    struct statement_page p = {.account = r->account, .list = json_array()};
    uint32_t limit = r->limit;

    if (store_statement_page(s, r->account, r->after, limit + 1, statement_row, &p, &r->err) < 0) {
        json_decref(p.list);
        return MDT_E(IO);
    }
    if (p.n > limit) {
        json_array_remove(p.list, (size_t)limit);
        p.last_seq = (uint64_t)json_integer_value(
            json_object_get(json_array_get(p.list, (size_t)limit - 1), "seq"));
    }
    r->body = json_pack("{s:s, s:I, s:o, s:b, s:I}", "object", "list", "account_id",
                        (json_int_t)r->account, "data", p.list, "has_more", p.n > limit,
                        "next_starting_after", (json_int_t)p.last_seq);
    return 0;
}

/* GET /v1/accounts/{id}/statement?limit=&starting_after=<seq>: oldest first, a page at a time;
 * amounts signed from the account's side (debits negative). Read off the loop. */
static void get_statement(struct api *a, struct evhttp_request *req, uint64_t account)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_READ);
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    unsigned long long after = 0;
    struct evkeyvalq q = {0};
    struct api_read *r;
    const char *v;
    long limit = 20;
    int bad = 0;

    if (k == NULL) {
        return;
    }
    if (!(k->scopes & SCOPE_ADMIN) && account != k->merchant_id) {
        api_problem(req, 404, "not-found", "Not found", "no such account");
        return;
    }
    if (query != NULL && evhttp_parse_query_str(query, &q) < 0) {
        bad = 1;
    }
    v = evhttp_find_header(&q, "limit");
    bad |= v != NULL && (sscanf(v, "%ld", &limit) != 1 || limit < 1 || limit > API_LIST_MAX);
    v = evhttp_find_header(&q, "starting_after");
    bad |= v != NULL && sscanf(v, "%llu", &after) != 1;
    evhttp_clear_headers(&q);
    if (bad) {
        api_problem(req, 400, "invalid-parameter", "Invalid parameter",
                    "limit is 1 to 100; starting_after is the seq of the last row seen");
        return;
    }
    r = api_read_new(api_answer_store_read);
    r->account = account;
    r->after = after;
    r->limit = (uint32_t)limit;
    r->store_read = read_statement;
    api_read_start(a, req, k, r, NULL);
}

/* ---- routing ---- */

static bool segment(const char *path, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);

    if (strncmp(path, prefix, n) != 0) {
        return false;
    }
    *rest = path + n;
    return true;
}

static void method_not_allowed(struct evhttp_request *req, const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
    api_problem(req, 405, "method-not-allowed", "Method not allowed", allow);
}

static void route_request_id(struct api *a, struct evhttp_request *req, const char *rest,
                             enum evhttp_cmd_type m)
{
    const char *slash = strchr(rest, '/');
    size_t len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    struct id128 id;

    if (parse_id(req, rest, len, &id) < 0) {
        return;
    }
    if (slash == NULL) {
        if (m == EVHTTP_REQ_GET) {
            get_request(a, req, id);
        } else {
            method_not_allowed(req, "GET");
        }
    } else if (strcmp(slash, "/cancel") == 0) {
        if (m == EVHTTP_REQ_POST) {
            cancel_request(a, req, id);
        } else {
            method_not_allowed(req, "POST");
        }
    } else {
        api_problem(req, 404, "not-found", "Not found", "no such endpoint");
    }
}

static void route_account(struct api *a, struct evhttp_request *req, const char *rest,
                          enum evhttp_cmd_type m)
{
    unsigned long long id = 0;
    int used = 0;

    if (sscanf(rest, "%llu%n", &id, &used) != 1 ||
        (strcmp(rest + used, "/balance") != 0 && strcmp(rest + used, "/statement") != 0)) {
        api_problem(req, 404, "not-found", "Not found", "no such endpoint");
    } else if (m != EVHTTP_REQ_GET) {
        method_not_allowed(req, "GET");
    } else if (strcmp(rest + used, "/balance") == 0) {
        get_balance(a, req, id);
    } else {
        get_statement(a, req, id);
    }
}

void api_route(struct api *a, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    const char *rest;
    struct id128 id;

    if (api_route_admin(a, req, path)) {
        return;
    }
    if (strcmp(path, "/v1/payment-requests") == 0) {
        if (m == EVHTTP_REQ_POST) {
            create_request(a, req);
        } else if (m == EVHTTP_REQ_GET) {
            list_requests(a, req);
        } else {
            method_not_allowed(req, "GET, POST");
        }
    } else if (segment(path, "/v1/payment-requests/", &rest)) {
        route_request_id(a, req, rest, m);
    } else if (strcmp(path, "/v1/refunds") == 0) {
        if (m == EVHTTP_REQ_POST) {
            create_refund(a, req);
        } else {
            method_not_allowed(req, "POST");
        }
    } else if (segment(path, "/v1/transfers/", &rest)) {
        if (m != EVHTTP_REQ_GET) {
            method_not_allowed(req, "GET");
        } else if (parse_id(req, rest, strlen(rest), &id) == 0) {
            get_transfer(a, req, id);
        }
    } else if (segment(path, "/v1/accounts/", &rest)) {
        route_account(a, req, rest, m);
    } else if (segment(path, "/v1/cards/", &rest)) {
        api_route_cards(a, req, rest);
    } else {
        api_problem(req, 404, "not-found", "Not found", "no such endpoint: see /openapi.json");
    }
}
