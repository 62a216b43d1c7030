/* SPDX-License-Identifier: Apache-2.0 */
/* Operator endpoints (scope admin): open accounts, freeze and unfreeze them, change their KYC
 * tier, register associations with a donation keyword, top up from the bank, and read the audit
 * journal. Writes go to the engine and are answered once durable. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "channel/api/api_auth.h"
#include "channel/api/api_int.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "store/store.h"

/* Journal entries returned at most by one GET /v1/journal. */
#define API_JOURNAL_MAX 100

/* Ledger thread: the write is durable (or failed): hand it to the loop. */
static void write_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct api_read *r = ctx;

    (void)res;
    (void)n;
    r->rc = rc;
    api_read_finished(r);
}

static void answer_write(struct api_read *r)
{
    struct evhttp_request *req = api_call_req(r->call);
    struct mdt_err err = {0};
    char buf[256];
    int n;

    if (req == NULL) {
        return;
    }
    if (r->rc < 0) {
        api_error_problem(req, r->rc, &err);
    } else if (r->row.kind == EXTRA_CAMPAIGN) {
        n = snprintf(buf, sizeof(buf),
                     "{\"tag\":\"%s\",\"object\":\"campaign\",\"keyword\":"
                     "\"%s\",\"account_id\":%llu}",
                     r->row.u.campaign.tag, r->row.u.campaign.keyword,
                     (unsigned long long)r->row.u.campaign.account_id);
        api_answer_text(r->call, 201, buf, (size_t)n);
    } else if (r->res[0].reason != LEDGER_OK) {
        api_ledger_problem(req, r->res[0].reason);
    } else if (r->op[0].type == LEDGER_OP_TRANSFER) {
        char tid[ID128_TEXT_MAX];

        id128_format(r->op[0].transfer.id, tid);
        n = snprintf(buf, sizeof(buf),
                     "{\"id\":\"%s\",\"object\":\"transfer\",\"kind\":\"topup\",\"amount\":%lld,"
                     "\"credit_account_id\":%llu}",
                     tid, (long long)r->op[0].transfer.amount,
                     (unsigned long long)r->op[0].transfer.credit_account_id);
        api_answer_text(r->call, 201, buf, (size_t)n);
    } else {
        if (r->row.kind == EXTRA_ASSOCIATION) {
            struct store_extra tmp;

            /* Durable: donations by SMS reach the new account from now on. */
            dialog_association_add(r->api->cfg.dialog, r->row.u.association.keyword,
                                   r->res[0].account_id, r->row.u.association.name, &tmp, NULL);
        }
        n = snprintf(buf, sizeof(buf), "{\"account_id\":%llu,\"object\":\"account\"%s%s%s}",
                     (unsigned long long)r->res[0].account_id,
                     r->row.kind == EXTRA_ASSOCIATION ? ",\"keyword\":\"" : "",
                     r->row.kind == EXTRA_ASSOCIATION ? r->row.u.association.keyword : "",
                     r->row.kind == EXTRA_ASSOCIATION ? "\"" : "");
        api_answer_text(r->call, r->op[0].type == LEDGER_OP_ACCOUNT_OPEN ? 201 : 200, buf,
                        (size_t)n);
    }
}

/* Hook (ledger thread): an association's keyword row needs the account the op just opened. */
static size_t association_row(void *ctx, const struct ledger *l, const struct ledger_result *res,
                              size_t n, struct store_extra *rows, size_t count, size_t cap)
{
    struct api_read *r = ctx;

    (void)l;
    (void)n;
    if (res[0].reason == LEDGER_OK && count < cap) {
        r->row.u.association.account_id = res[0].account_id;
        rows[count++] = r->row;
    }
    return count;
}

static void submit_write(struct api *a, struct api_call *c, struct api_read *r, bool association)
{
    struct mdt_err err = {0};

    r->api = a;
    r->call = c;
    r->answer = answer_write;
    if (engine_submit_rows(a->cfg.engine, r->op, 1, &r->row, 0, association ? 1 : 0,
                           association ? association_row : NULL, r->res, r, write_done) < 0) {
        api_error_problem(api_call_req(c), MDT_E(FULL), &err);
        api_call_free(c);
        free(r);
    }
}

/* The opening of an operator POST (api_call_open with scope admin) and its write's record.
 * NULL: answered already, nothing allocated. */
static json_t *admin_open(struct api *a, struct evhttp_request *req, const char *path,
                          struct api_call **c, struct api_read **r)
{
    json_t *o = api_call_open(a, req, SCOPE_ADMIN, path, NULL, c);

    if (o != NULL) {
        *r = calloc(1, sizeof(**r));
        MDT_ASSERT(*r != NULL);
    }
    return o;
}

static void fail(struct api_call *c, struct api_read *r, json_t *o)
{
    api_call_end(c);
    free(r);
    json_decref(o);
}

/* POST /v1/accounts {kind, tier}: a wallet, merchant or association account. */
static void open_account(struct api *a, struct evhttp_request *req)
{
    struct api_read *r = NULL;
    struct api_call *c = NULL;
    char kind[24];
    int64_t tier = 0;
    json_t *o;

    o = admin_open(a, req, "/v1/accounts", &c, &r);
    if (o == NULL) {
        return;
    }
    if (api_field_string(req, o, "kind", true, kind, sizeof(kind)) < 0 ||
        api_field_int(req, o, "tier", false, 0, KYC_TIER_COUNT - 1, 0, &tier) < 0) {
        fail(c, r, o);
        return;
    }
    r->op[0].type = LEDGER_OP_ACCOUNT_OPEN;
    r->op[0].account.kind = (uint16_t)account_kind_parse(kind);
    r->op[0].account.tier = (uint16_t)tier;
    snprintf(r->op[0].account.currency, sizeof(r->op[0].account.currency), "%s",
             dialog_currency_code(a->cfg.dialog));
    if (account_kind_parse(kind) < 0 || account_kind_parse(kind) > ACCOUNT_CARD) {
        api_problem(req, 422, "invalid-field", "A field is invalid",
                    "kind is wallet, merchant, association or card");
        fail(c, r, o);
        return;
    }
    json_decref(o);
    submit_write(a, c, r, false);
}

/* POST /v1/associations {keyword, name}: an association account and its donation keyword. */
static void create_association(struct api *a, struct evhttp_request *req)
{
    struct api_read *r = NULL;
    struct api_call *c = NULL;
    char keyword[32], name[64];
    struct mdt_err err = {0};
    json_t *o;

    o = admin_open(a, req, "/v1/associations", &c, &r);
    if (o == NULL) {
        return;
    }
    if (api_field_string(req, o, "keyword", true, keyword, sizeof(keyword)) < 0 ||
        api_field_string(req, o, "name", true, name, sizeof(name)) < 0) {
        fail(c, r, o);
        return;
    }
    /* Checked and known to the dialog now; the account id is filled once it is opened. */
    if (dialog_association_add(a->cfg.dialog, keyword, 0, name, &r->row, &err) < 0) {
        api_problem(req, 422, "invalid-field", "A field is invalid", err.msg);
        fail(c, r, o);
        return;
    }
    r->op[0].type = LEDGER_OP_ACCOUNT_OPEN;
    r->op[0].account.kind = ACCOUNT_ASSOCIATION;
    snprintf(r->op[0].account.currency, sizeof(r->op[0].account.currency), "%s",
             dialog_currency_code(a->cfg.dialog));
    json_decref(o);
    submit_write(a, c, r, true);
}

/* POST /v1/campaigns {tag, keyword, name}: a hashtag for donations to an association. */
static void create_campaign(struct api *a, struct evhttp_request *req)
{
    struct api_read *r = NULL;
    struct api_call *c = NULL;
    char tag[32], keyword[32], name[64];
    struct mdt_err err = {0};
    json_t *o;
    int rc;

    o = admin_open(a, req, "/v1/campaigns", &c, &r);
    if (o == NULL) {
        return;
    }
    if (api_field_string(req, o, "tag", true, tag, sizeof(tag)) < 0 ||
        api_field_string(req, o, "keyword", true, keyword, sizeof(keyword)) < 0 ||
        api_field_string(req, o, "name", false, name, sizeof(name)) < 0) {
        fail(c, r, o);
        return;
    }
    rc = dialog_campaign_add(a->cfg.dialog, tag[0] == '#' ? tag + 1 : tag, keyword, name,
                             clock_now_us(), &r->row, &err);
    if (rc < 0) {
        api_problem(req, rc == MDT_E(NOTFOUND) ? 404 : 422,
                    rc == MDT_E(NOTFOUND) ? "not-found" : "invalid-field", "Campaign refused",
                    err.msg);
        fail(c, r, o);
        return;
    }
    json_decref(o);
    r->api = a;
    r->call = c;
    r->answer = answer_write;
    if (engine_submit_rows(a->cfg.engine, NULL, 0, &r->row, 1, 1, NULL, r->res, r, write_done) <
        0) {
        api_error_problem(api_call_req(c), MDT_E(FULL), &err);
        api_call_free(c);
        free(r);
    }
}

/* POST /v1/topups {account_id, amount}: money in from the bank account. */
static void topup(struct api *a, struct evhttp_request *req)
{
    struct api_read *r = NULL;
    struct api_call *c = NULL;
    int64_t account = 0, amount = 0;
    json_t *o;

    o = admin_open(a, req, "/v1/topups", &c, &r);
    if (o == NULL) {
        return;
    }
    if (api_field_int(req, o, "account_id", true, 1, INT64_MAX, 0, &account) < 0 ||
        api_field_int(req, o, "amount", true, 1, 100000000000LL, 0, &amount) < 0) {
        fail(c, r, o);
        return;
    }
    r->op[0].type = LEDGER_OP_TRANSFER;
    r->op[0].transfer.id = c->derived_id;
    if (!c->has_idem) {
        id128_random(&r->op[0].transfer.id);
    }
    r->op[0].transfer.debit_account_id = a->cfg.bank_account;
    r->op[0].transfer.credit_account_id = (uint64_t)account;
    r->op[0].transfer.amount = amount;
    r->op[0].transfer.kind = TRANSFER_TOPUP;
    r->op[0].transfer.channel = CHANNEL_HTTP;
    json_decref(o);
    submit_write(a, c, r, false);
}

/* POST /v1/accounts/{id}/freeze | unfreeze | tier {tier}. */
static void account_change(struct api *a, struct evhttp_request *req, uint64_t id, const char *what)
{
    struct api_read *r = NULL;
    struct api_call *c = NULL;
    char path[64];
    int64_t tier = 0;
    json_t *o;

    snprintf(path, sizeof(path), "/v1/accounts/%llu/%s", (unsigned long long)id, what);
    o = admin_open(a, req, path, &c, &r);
    if (o == NULL) {
        return;
    }
    r->op[0].account.account_id = id;
    if (strcmp(what, "tier") == 0) {
        if (api_field_int(req, o, "tier", true, 0, KYC_TIER_COUNT - 1, 0, &tier) < 0) {
            fail(c, r, o);
            return;
        }
        r->op[0].type = LEDGER_OP_ACCOUNT_TIER;
        r->op[0].account.tier = (uint16_t)tier;
    } else {
        r->op[0].type = LEDGER_OP_ACCOUNT_STATUS;
        r->op[0].account.status = strcmp(what, "freeze") == 0 ? ACCOUNT_FROZEN : ACCOUNT_ACTIVE;
    }
    json_decref(o);
    submit_write(a, c, r, false);
}

struct journal_page {
    struct journal_entry ring[API_JOURNAL_MAX];
    size_t n, limit;
};

static int journal_one(void *ctx, const struct journal_entry *e)
{
    struct journal_page *p = ctx;

    p->ring[p->n % p->limit] = *e;
    p->n++;
    return 0;
}

/* Reader thread: the newest r->limit journal entries, newest first, as the answer's JSON. Reads
 * the whole journal: O(entries). */
static int read_journal(struct api_read *r, struct store *s)
{
    struct journal_page *p = calloc(1, sizeof(*p));
    json_t *list;

    MDT_ASSERT(p != NULL);
    p->limit = r->limit;
    if (store_journal(s, journal_one, p, &r->err) < 0) {
        free(p);
        return MDT_E(IO);
    }
    list = json_array();
    for (size_t i = 0; i < p->n && i < p->limit; i++) {
        const struct journal_entry *e = &p->ring[(p->n - 1 - i) % p->limit];
        char hash[SHA256_HEX_MAX];

        for (int b = 0; b < SHA256_LEN; b++) {
            snprintf(hash + 2 * b, 3, "%02x", e->hash[b]);
        }
        json_array_append_new(
            list, json_pack("{s:I, s:I, s:s, s:s, s:i, s:i, s:i, s:s}", "seq", (json_int_t)e->seq,
                            "created_us", (json_int_t)e->created_us, "kind", e->kind, "detail",
                            e->detail, "transfers", (int)e->transfers, "rejections",
                            (int)e->rejections, "events", (int)e->events, "hash", hash));
    }
    free(p);
    r->body = json_pack("{s:s, s:o}", "object", "list", "data", list);
    return 0;
}

/* GET /v1/journal?limit=N: the newest N entries of the hash-chained audit journal, newest
 * first, read off the loop (read_journal). */
static void journal(struct api *a, struct evhttp_request *req)
{
    const struct api_key_row *k = api_authenticate(a, req, SCOPE_ADMIN);
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *v = NULL;
    struct evkeyvalq q = {0};
    struct api_read *r;
    long limit = 20;

    if (k == NULL) {
        return;
    }
    if (query != NULL && evhttp_parse_query_str(query, &q) == 0) {
        v = evhttp_find_header(&q, "limit");
    }
    if (v != NULL && (sscanf(v, "%ld", &limit) != 1 || limit < 1 || limit > API_JOURNAL_MAX)) {
        evhttp_clear_headers(&q);
        api_problem(req, 400, "invalid-parameter", "Invalid parameter", "limit is 1 to 100");
        return;
    }
    evhttp_clear_headers(&q);
    r = api_read_new(api_answer_store_read);
    r->limit = (uint32_t)limit;
    r->store_read = read_journal;
    api_read_start(a, req, k, r, NULL);
}

bool api_route_admin(struct api *a, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    unsigned long long id = 0;
    char what[16] = "";

    if (strcmp(path, "/v1/journal") == 0 && m == EVHTTP_REQ_GET) {
        journal(a, req);
    } else if (strcmp(path, "/v1/cards") == 0 && m == EVHTTP_REQ_GET) {
        api_card_list(a, req);
    } else if (strcmp(path, "/v1/cards") == 0 && m == EVHTTP_REQ_POST) {
        api_card_issue(a, req);
    } else if (m != EVHTTP_REQ_POST) {
        return false;
    } else if (strcmp(path, "/v1/accounts") == 0) {
        open_account(a, req);
    } else if (strcmp(path, "/v1/associations") == 0) {
        create_association(a, req);
    } else if (strcmp(path, "/v1/topups") == 0) {
        topup(a, req);
    } else if (strcmp(path, "/v1/campaigns") == 0) {
        create_campaign(a, req);
    } else if (sscanf(path, "/v1/accounts/%llu/%15[a-z]", &id, what) == 2 &&
               (strcmp(what, "freeze") == 0 || strcmp(what, "unfreeze") == 0 ||
                strcmp(what, "tier") == 0)) {
        account_change(a, req, id, what);
    } else {
        return false;
    }
    return true;
}
