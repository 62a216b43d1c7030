/* SPDX-License-Identifier: Apache-2.0 */
/* The operator's card endpoints (issue 13, scope admin, docs/openapi.yaml): POST /v1/cards issues
 * a card (the dialog makes it as `mandat card issue` does, the card maker's line goes to
 * [cards] emboss_file), GET /v1/cards lists them masked, POST /v1/cards/{token}/block, /unblock
 * and /lost (a replacement that moves the balance, as `mandat card replace`). An answer never
 * holds a card number; the activation code is in the issuing answer only, never stored: a replay
 * of the same Idempotency-Key gets the card with "activation_code": null. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "channel/api/api_auth.h"
#include "channel/api/api_int.h"
#include "dialog/card_input.h"
#include "dialog/card_ops.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "vault/vault.h"

/* The longest expiry an operator may ask for. */
#define CARD_EXPIRY_YEARS_MAX 10

/* A refusal of the dialog before any step, as a problem. */
static void card_problem(struct evhttp_request *req, struct dialog *d, const char *token, int rc,
                         const struct mdt_err *err)
{
    struct card_row k;

    if (rc == MDT_E(NOTFOUND)) {
        api_problem(req, 404, "card-not-found", "Not found", "no such card");
    } else if (rc == MDT_E(INVAL)) {
        api_problem(req, 422, "invalid-field", "A field is invalid", err->msg);
    } else if (rc == MDT_E(BUSY)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        api_problem(req, 409, "card-busy", "The card is being changed", err->msg);
    } else if (rc == MDT_E(RANGE) && token != NULL && dialog_card_get(d, token, &k) == 0) {
        api_problem_extra(req, 409, "card-status-conflict", "Not possible in the card's status",
                          err->msg,
                          json_pack("{s:s}", "card_status",
                                    card_status_name(card_status_now(k.status, k.exp_month,
                                                                     k.exp_year, clock_now_us()))));
    } else if (rc == MDT_E(RANGE)) {
        api_problem(req, 409, "card-issuing-off", "Card issuing is off", err->msg);
    } else {
        api_error_problem(req, rc, err);
    }
}

/* The answer of a new card: with its activation code, and the same without it for replays. */
static void answer_new_card(struct api_call *c, int status, const struct dialog_step *s, json_t *o)
{
    char *text, *kept;

    json_object_set_new(o, "activation_code", json_null());
    kept = json_dumps(o, JSON_COMPACT);
    json_object_set_new(o, "activation_code", json_string(dialog_card_step_code(s)));
    text = json_dumps(o, JSON_COMPACT);
    MDT_ASSERT(text != NULL && kept != NULL);
    api_answer_text_kept(c, status, text, strlen(text), kept, strlen(kept));
    vault_wipe(text, strlen(text));
    free(text);
    free(kept);
    json_decref(o);
}

/* A step refused by the ledger or lost before commit: its problem, and the call freed. True
 * when so. */
static bool step_failed(struct api_call *c, int rc, const struct dialog_step *s)
{
    struct mdt_err err = {0};

    if (rc < 0 && api_call_req(c) != NULL) {
        api_error_problem(c->req, rc, &err);
    } else if (rc == 0 && dialog_step_outcome(s) == OUTCOME_REFUSED && api_call_req(c) != NULL) {
        api_ledger_problem(c->req, dialog_step_reason(s));
    }
    if (rc < 0 || dialog_step_outcome(s) == OUTCOME_REFUSED) {
        api_call_free(c);
        return true;
    }
    return false;
}

/* Answer o (taken) as it is, for replays too, and end the call. */
static void answer_json(struct api_call *c, int status, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT);

    MDT_ASSERT(text != NULL);
    api_answer_text(c, status, text, strlen(text));
    api_call_free(c);
    free(text);
    json_decref(o);
}

static void issue_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct api_call *c = ctx;
    struct card_row k;

    if (!step_failed(c, rc, s)) {
        dialog_card_step_card(s, &k);
        answer_new_card(c, 201, s, api_card_json(&k));
        api_call_free(c);
    }
}

/* The call's step to the engine: done answers it. */
static void submit(struct api *a, struct api_call *c, struct dialog_step *s,
                   void (*done)(void *ctx, int rc, const struct dialog_step *s))
{
    struct mdt_err err = {0};

    if (a->cfg.submit(a->cfg.submit_ctx, s, c, done) < 0) {
        api_error_problem(api_call_req(c), MDT_E(FULL), &err);
        api_call_free(c);
    }
}

/* The same card asked for again after its idempotency record was lost: the card, not a second
 * one, and no code (it was shown once). */
static void answer_issued(struct api *a, struct api_call *c, const char *token)
{
    struct card_row k;
    json_t *o;

    if (dialog_card_get(a->cfg.dialog, token, &k) < 0) {
        api_problem(api_call_req(c), 409, "card-busy", "Try again", "the card is being issued");
        api_call_free(c);
        return;
    }
    o = api_card_json(&k);
    json_object_set_new(o, "activation_code", json_null());
    answer_json(c, 200, o);
}

void api_card_issue(struct api *a, struct evhttp_request *req)
{
    char holder[64] = "", phone[PHONE_TEXT_MAX] = "", token[CARD_TOKEN_MAX] = "";
    struct card_issue_api_in in = {.holder = holder, .phone = phone};
    struct dialog_step *s = NULL;
    struct api_call *c = NULL;
    struct mdt_err err = {0};
    int64_t years = 0;
    json_t *o;
    int rc;

    o = api_call_open(a, req, SCOPE_ADMIN, "/v1/cards", NULL, &c);
    if (o == NULL) {
        return;
    }
    rc = api_field_string(req, o, "holder", true, holder, sizeof(holder));
    if (rc == 0) {
        rc = api_field_string(req, o, "phone", false, phone, sizeof(phone));
    }
    if (rc == 0) {
        rc = api_field_int(req, o, "expiry_years", false, 1, CARD_EXPIRY_YEARS_MAX, 0, &years);
    }
    json_decref(o);
    if (rc != 0) {
        api_call_end(c);
        return;
    }
    in.expiry_years = (unsigned)years;
    if (c->has_idem) {
        /* The card's token derives from the key (a keyed hash: nobody else can guess it), so a
         * retry whose idempotency record was lost finds the card instead of issuing another. */
        char hex[ID128_TEXT_MAX];

        id128_format(c->derived_id, hex);
        snprintf(token, sizeof(token), "card_%s", hex);
        in.token = token;
    }
    rc = dialog_card_issue_api(a->cfg.dialog, &in, clock_now_us(), &s, &err);
    if (rc == MDT_E(EXISTS)) {
        answer_issued(a, c, token);
    } else if (rc < 0) {
        card_problem(req, a->cfg.dialog, NULL, rc, &err);
        api_call_end(c);
    } else {
        submit(a, c, s, issue_answered);
    }
}

/* ---- list ---- */

void api_card_list(struct api *a, struct evhttp_request *req)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_ADMIN);
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *v = NULL, *after = NULL;
    struct evkeyvalq q = {0};
    struct card_row *rows;
    bool more = false;
    long limit = 20;
    json_t *list;
    int n;

    if (k == NULL) {
        return;
    }
    if (query != NULL && evhttp_parse_query_str(query, &q) == 0) {
        v = evhttp_find_header(&q, "limit");
        after = evhttp_find_header(&q, "starting_after");
    }
    if (v != NULL && (sscanf(v, "%ld", &limit) != 1 || limit < 1 || limit > CARD_LIST_MAX)) {
        evhttp_clear_headers(&q);
        api_problem(req, 400, "invalid-parameter", "Invalid parameter", "limit is 1 to 100");
        return;
    }
    rows = calloc((size_t)limit, sizeof(*rows));
    MDT_ASSERT(rows != NULL);
    n = dialog_card_list(a->cfg.dialog, after, rows, (size_t)limit, &more);
    evhttp_clear_headers(&q);
    if (n < 0) {
        free(rows);
        api_problem(req, 400, "invalid-parameter", "Invalid parameter",
                    "starting_after is the token of the last card of the previous page");
        return;
    }
    list = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(list, api_card_json(&rows[i]));
    }
    free(rows);
    api_reply_json(req, 200,
                   json_pack("{s:s, s:o, s:b}", "object", "list", "data", list, "has_more", more));
}

/* ---- block, unblock, lost ---- */

static void status_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct api_call *c = ctx;
    struct card_row k;

    if (!step_failed(c, rc, s)) {
        dialog_card_step_card(s, &k);
        answer_json(c, 200, api_card_json(&k));
    }
}

static void replace_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct api_call *c = ctx;
    struct card_row k;
    json_t *o;

    if (step_failed(c, rc, s)) {
        return;
    }
    dialog_card_step_card(s, &k);
    o = api_card_json(&k);
    json_object_set_new(o, "replaces", json_string(dialog_card_step_replaced(s)));
    json_object_set_new(o, "moved", json_integer((json_int_t)dialog_card_step_moved(s)));
    answer_new_card(c, 201, s, o);
    api_call_free(c);
}

/* The replacement's account is open and the old balance read: the move, in one commit with
 * every row. Called for every durable first step, so that the old card is released. */
static void replace_opened(void *ctx, int rc, const struct dialog_step *s)
{
    struct api_call *c = ctx;

    if (step_failed(c, rc, s)) {
        return;
    }
    submit(c->api, c, dialog_card_replace_move(c->api->cfg.dialog, s), replace_answered);
}

void api_card_change(struct api *a, struct evhttp_request *req, const char *token, const char *what)
{
    char path[STORE_CARD_TOKEN_MAX + 32];
    struct dialog_step *s = NULL;
    struct api_call *c = NULL;
    struct mdt_err err = {0};
    struct card_row k;
    json_t *o;
    int rc;

    snprintf(path, sizeof(path), "/v1/cards/%s/%s", token, what);
    o = api_call_open(a, req, SCOPE_ADMIN, path, NULL, &c);
    if (o == NULL) {
        return;
    }
    json_decref(o);
    if (strcmp(what, "lost") == 0) {
        rc = dialog_card_replace_api(a->cfg.dialog, token, clock_now_us(), &s, &err);
    } else {
        rc = dialog_card_status_api(a->cfg.dialog, token,
                                    strcmp(what, "block") == 0 ? CARD_OP_BLOCK : CARD_OP_UNBLOCK,
                                    clock_now_us(), &s, &err);
    }
    if (rc < 0) {
        card_problem(req, a->cfg.dialog, token, rc, &err);
        api_call_end(c);
    } else if (s == NULL && dialog_card_get(a->cfg.dialog, token, &k) == 0) {
        answer_json(c, 200, api_card_json(&k)); /* as asked already: the card as it is */
    } else {
        submit(a, c, s, strcmp(what, "lost") == 0 ? replace_opened : status_answered);
    }
}
