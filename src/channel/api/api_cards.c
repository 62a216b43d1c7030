/* SPDX-License-Identifier: Apache-2.0 */
/* The partner API of prepaid cards (issue 13, docs/openapi.yaml): POST /v1/cards/{token}/loads
 * loads a card from the partner's account (the dialog decides, the ledger checks cap, minimum
 * and fee in the same step), GET /v1/cards/{token} shows a card masked (BIN and last four, never
 * the number) to a partner that loaded it or to an operator key. */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "channel/api/api_auth.h"
#include "channel/api/api_int.h"
#include "dialog/card_input.h"
#include "dialog/dialog.h"
#include "store/store.h"

json_t *api_card_json(const struct card_row *k)
{
    char masked[STORE_CARD_BIN_MAX + 24];
    size_t bin = strlen(k->bin), n = 0, stars;

    stars = k->pan_len > bin + 4 ? k->pan_len - bin - 4 : 0;
    n = (size_t)snprintf(masked, sizeof(masked), "%s", k->bin);
    for (size_t i = 0; i < stars && n + 5 < sizeof(masked); i++) {
        masked[n++] = '*';
    }
    snprintf(masked + n, sizeof(masked) - n, "%s", k->last4);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "token", k->token, "object", "card", "masked",
        masked, "bin", k->bin, "last4", k->last4, "exp_month", (int)k->exp_month, "exp_year",
        (int)k->exp_year, "status",
        card_status_name(card_status_now(k->status, k->exp_month, k->exp_year, clock_now_us())));
}

/* The card as partners see it: "999999******4242", never more (PCI DSS 3.3), with its balance. */
static json_t *card_json(const struct card_row *k, int64_t balance)
{
    json_t *o = api_card_json(k);

    json_object_set_new(o, "balance", json_integer((json_int_t)balance));
    return o;
}

/* A refused load: the ledger's rule as a stable type; the yearly cap says what is left. */
static void load_refused(struct evhttp_request *req, const struct dialog_step *s)
{
    int reason = dialog_step_reason(s);
    char detail[160];

    if (reason == LEDGER_LIMIT_YEARLY_LOADS) {
        snprintf(detail, sizeof(detail),
                 "the card's yearly load cap would be passed: %lld cents may still be loaded "
                 "this year",
                 (long long)s->card_year_left);
        api_problem_extra(req, 422, "limit-yearly-loads", "Yearly load cap reached", detail,
                          json_pack("{s:I}", "year_left", (json_int_t)s->card_year_left));
    } else if (reason == LEDGER_FEE_BELOW_MINIMUM_AMOUNT) {
        snprintf(detail, sizeof(detail), "the smallest load is %lld cents",
                 (long long)s->card_load_min);
        api_problem_extra(req, 422, "fee-below-minimum-amount", "Below the minimum load", detail,
                          json_pack("{s:I}", "minimum_amount", (json_int_t)s->card_load_min));
    } else {
        api_ledger_problem(req, reason);
    }
}

static void load_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct api_call *c = ctx;
    char id[ID128_TEXT_MAX];
    json_t *o;
    char *text;

    if (rc < 0) {
        struct mdt_err err = {0};

        if (api_call_req(c) != NULL) {
            api_error_problem(c->req, rc, &err);
        }
    } else if (dialog_step_outcome(s) == OUTCOME_REFUSED) {
        if (api_call_req(c) != NULL) {
            load_refused(c->req, s);
        }
    } else {
        id128_format(s->ops[0].transfer.id, id);
        o = json_pack("{s:s, s:s, s:I, s:I, s:o, s:I}", "id", id, "object", "card_load", "amount",
                      (json_int_t)s->amount, "fee", (json_int_t)s->card_fee, "card",
                      card_json(&s->card, s->card_balance), "year_left",
                      (json_int_t)s->card_year_left);
        text = json_dumps(o, JSON_COMPACT);
        MDT_ASSERT(text != NULL);
        api_answer_text(c, 201, text, strlen(text));
        free(text);
        json_decref(o);
    }
    api_call_free(c);
}

/* A card's status refusal before the ledger: its own type, with the status. */
static void load_not_usable(struct evhttp_request *req, struct dialog *d, const char *token,
                            const struct mdt_err *err)
{
    struct card_row k;

    if (dialog_card_get(d, token, &k) < 0) {
        api_problem(req, 404, "card-not-found", "Not found", "no such card");
        return;
    }
    api_problem_extra(req, 409, "card-not-active", "The card cannot be loaded", err->msg,
                      json_pack("{s:s}", "card_status",
                                card_status_name(card_status_now(k.status, k.exp_month, k.exp_year,
                                                                 clock_now_us()))));
}

static void create_load(struct api *a, struct evhttp_request *req, const char *token)
{
    char path[STORE_CARD_TOKEN_MAX + 32];
    const struct api_key_row *k = NULL;
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct api_call *c = NULL;
    struct id128 id;
    int64_t amount = 0;
    json_t *o;
    int rc;

    snprintf(path, sizeof(path), "/v1/cards/%s/loads", token);
    o = api_call_open(a, req, SCOPE_PAYMENTS, path, &k, &c);
    if (o == NULL) {
        return;
    }
    rc = api_field_int(req, o, "amount", true, 1, INT64_MAX / 4, 0, &amount);
    json_decref(o);
    if (rc != 0) {
        api_call_end(c);
        return;
    }
    id = c->derived_id;
    if (!c->has_idem && id128_random(&id) < 0) {
        rc = mdt_err_set(&err, MDT_E(IO), "no random bytes");
    }
    if (rc == 0) {
        rc = dialog_card_load(a->cfg.dialog, k->merchant_id, token, id, amount, clock_now_us(), &s,
                              &err);
    }
    if (rc == MDT_E(NOTFOUND) || rc == MDT_E(RANGE)) {
        load_not_usable(req, a->cfg.dialog, token, &err);
        api_call_end(c);
        return;
    }
    if (rc < 0) {
        api_error_problem(req, rc, &err);
        api_call_end(c);
        return;
    }
    if (a->cfg.submit(a->cfg.submit_ctx, s, c, load_answered) < 0) {
        api_error_problem(api_call_req(c), MDT_E(FULL), &err);
        api_call_free(c);
    }
}

/* ---- GET: the card, to whom may see it ---- */

static void answer_card(struct api_read *r)
{
    struct evhttp_request *req = api_call_req(r->call);
    const struct account *acc = &r->a;

    if (req == NULL) {
        return;
    }
    if (r->rc < 0) {
        api_problem(req, 404, "card-not-found", "Not found", "no such card");
        return;
    }
    api_reply_json(
        req, 200,
        card_json(&r->row.u.card, acc->credits_posted - acc->debits_posted - acc->debits_pending));
}

/* Start the balance read of the card in r->row for the call's request. Loop thread. */
static void card_balance_start(struct api *a, struct evhttp_request *req,
                               const struct api_read *from)
{
    struct api_read *r = api_read_new(answer_card);
    struct mdt_err err = {0};

    r->row = from->row;
    r->account = from->account;
    r->merchant_id = from->merchant_id;
    r->admin = from->admin;
    r->call = api_call_new(a, req);
    if (api_read_submit(a, r, api_read_account) < 0) {
        api_error_problem(api_call_req(r->call), MDT_E(FULL), &err);
        api_read_discard(r);
    }
}

/* Reader thread, per row of the card's statement: 1 (stop) at a load from the caller. */
static int load_from(void *ctx, const struct transfer *t)
{
    const struct api_read *r = ctx;

    return t->kind == TRANSFER_CARD_LOAD && t->debit_account_id == r->merchant_id &&
           !(t->flags & TRANSFER_FEE_LEG);
}

/* Reader thread: whether the caller ever loaded the card. O(the card's transfers). */
static int read_loaded_by(struct api_read *r, struct store *s)
{
    int rc = store_statement(s, r->account, load_from, r, &r->err);

    if (rc < 0) {
        return rc;
    }
    r->limit = rc == 1; /* found */
    return 0;
}

/* Loop thread: a partner that never loaded the card is told it does not exist (no oracle of
 * which tokens are cards); one that did gets the card once its balance is read. */
static void answer_loaded_by(struct api_read *r)
{
    struct evhttp_request *req = api_call_req(r->call); /* detached: the next read takes it */

    if (req == NULL) {
        return;
    }
    if (r->rc < 0) {
        api_answer_store_read(r);
    } else if (r->limit == 0) {
        api_problem(req, 404, "card-not-found", "Not found", "no such card");
    } else {
        card_balance_start(r->api, req, r);
    }
}

static void get_card(struct api *a, struct evhttp_request *req, const char *token)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_READ);
    struct api_read *r;
    struct card_row card;

    if (k == NULL) {
        return;
    }
    if (dialog_card_get(a->cfg.dialog, token, &card) < 0) {
        api_problem(req, 404, "card-not-found", "Not found", "no such card");
        return;
    }
    if (k->scopes & SCOPE_ADMIN) {
        r = api_read_new(answer_card);
        r->row.u.card = card;
        r->account = card.account_id;
        api_read_start(a, req, k, r, api_read_account);
        return;
    }
    r = api_read_new(answer_loaded_by);
    r->row.u.card = card;
    r->account = card.account_id;
    r->store_read = read_loaded_by;
    api_read_start(a, req, k, r, NULL);
}

void api_route_cards(struct api *a, struct evhttp_request *req, const char *rest)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    const char *slash = strchr(rest, '/');
    size_t len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    char token[STORE_CARD_TOKEN_MAX];

    if (len == 0 || len >= sizeof(token)) {
        api_problem(req, 404, "card-not-found", "Not found", "no such card");
        return;
    }
    memcpy(token, rest, len);
    token[len] = '\0';
    if (slash == NULL && m == EVHTTP_REQ_GET) {
        get_card(a, req, token);
    } else if (slash == NULL) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
        api_problem(req, 405, "method-not-allowed", "Method not allowed", "GET");
    } else if (strcmp(slash, "/loads") == 0 && m == EVHTTP_REQ_POST) {
        create_load(a, req, token);
    } else if (strcmp(slash, "/loads") == 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
        api_problem(req, 405, "method-not-allowed", "Method not allowed", "POST");
    } else if ((strcmp(slash, "/block") == 0 || strcmp(slash, "/unblock") == 0 ||
                strcmp(slash, "/lost") == 0) &&
               m == EVHTTP_REQ_POST) {
        api_card_change(a, req, token, slash + 1);
    } else {
        api_problem(req, 404, "not-found", "Not found", "no such endpoint");
    }
}
