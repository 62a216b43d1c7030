/* SPDX-License-Identifier: Apache-2.0 */
/* The channels' rows on PostgreSQL read back: what the dialog and the channels rebuild at
 * start-up (store_channel_load), a number's messages, the webhook events an operator lists and
 * queues again; rows decoded from the tables' descriptions (store_pg_rows.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_pg_rows.h"

/* ---- reading back ---- */

union store_row_u {
    struct inbox_row inbox;
    struct outbox_row outbox;
    struct customer_row customer;
    struct conversation_row conversation;
    struct association_row association;
    struct claim_row claim;
    struct merchant_row merchant;
    struct api_key_row api_key;
    struct payment_request_row payment_request;
    struct webhook_row webhook;
    struct idempotency_row idempotency;
    struct campaign_row campaign;
    struct campaign_total campaign_total;
    struct campaign_donation_row campaign_donation;
    struct social_link_row social_link;
    struct social_cursor_row social_cursor;
    struct code_order_row code_order;
    struct card_topup_row card_topup;
    struct acquirer_op_row acquirer_op;
    struct card_pan_row card_pan;
    struct card_row card;
    struct card_alias_row card_alias;
    struct card_file_row card_file;
    struct card_order_row card_order;
    struct iso_request_row iso_request;
    struct card_pin_row card_pin;
    struct fx_rate_row fx_rate;
};

enum load_id {
    L_CUSTOMER,
    L_CONVERSATION,
    L_ASSOCIATION,
    L_CLAIM,
    L_INBOX,
    L_OUTBOX,
    L_MERCHANT,
    L_API_KEY,
    L_PAYMENT_REQUEST,
    L_WEBHOOK,
    L_IDEMPOTENCY,
    L_CAMPAIGN,
    L_CAMPAIGN_TOTAL,
    L_CAMPAIGN_DONOR,
    L_SOCIAL_LINK,
    L_SOCIAL_CURSOR,
    L_CODE_ORDER,
    L_CARD,
    L_CARD_ALIAS,
    L_CARD_PAN,
    L_CARD_TOPUP,
    L_ACQUIRER_OP,
    L_CARD_FILE,
    L_CARD_ORDER,
    L_ISO_REQUEST,
    L_CARD_PIN,
    L_FX_RATE,
    L_COUNT
};

static const struct {
    int table;
    const char *tail;
} loads[L_COUNT] = {
    [L_CUSTOMER] = {T_CUSTOMER, ""},
    [L_CONVERSATION] = {T_CONVERSATION, ""},
    [L_ASSOCIATION] = {T_ASSOCIATION, ""},
    [L_CLAIM] = {T_CLAIM, " ORDER BY created_us"},
    [L_INBOX] = {T_INBOX, " WHERE received_us >= %lld OR done = 0 ORDER BY seq"},
    [L_OUTBOX] = {T_OUTBOX, " WHERE state < 2 ORDER BY seq"},
    [L_MERCHANT] = {T_MERCHANT, ""},
    [L_API_KEY] = {T_API_KEY, ""},
    [L_PAYMENT_REQUEST] = {T_PAYMENT_REQUEST, " ORDER BY seq"},
    [L_WEBHOOK] = {T_WEBHOOK, " WHERE state = 0 AND next_try_us <= %lld ORDER BY seq"},
    [L_IDEMPOTENCY] = {T_IDEMPOTENCY, " WHERE created_us >= %lld ORDER BY seq"},
    [L_CAMPAIGN] = {T_CAMPAIGN, ""},
    [L_CAMPAIGN_TOTAL] = {-1, "SELECT tag, SUM(amount_minor), COUNT(*) FROM campaign_donations"
                              " GROUP BY tag"},
    [L_CAMPAIGN_DONOR] = {T_DONATION, " WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER()"
                                      " OVER (PARTITION BY tag ORDER BY seq DESC) AS n FROM"
                                      " campaign_donations WHERE donor != '') d WHERE n <= 10)"
                                      " ORDER BY tag, seq DESC"},
    [L_SOCIAL_LINK] = {T_SOCIAL_LINK, ""},
    [L_SOCIAL_CURSOR] = {T_SOCIAL_CURSOR, ""},
    [L_CODE_ORDER] = {T_CODE_ORDER, " WHERE state = 0 ORDER BY seq"},
    /* open top-ups, and closed ones whose acquirer operation (a void, a refund) is in flight */
    [L_CARD_TOPUP] = {T_CARD_TOPUP, " WHERE state < 4 OR id IN (SELECT topup_id FROM acquirer_ops"
                                    " WHERE state IN (0, 3)) ORDER BY created_us"},
    [L_ACQUIRER_OP] = {T_ACQUIRER_OP, " WHERE state IN (0, 3) ORDER BY created_us"},
    /* cards with their number's bin, last4, pan_len and keyed hash (the ISO 8583 host and the
     * activation page find a card by it); cards on file with their sealed number */
    [L_CARD] = {T_CARD, ", p.bin, p.last4, p.pan_len, p.pan_mac FROM cards c JOIN card_pans p"
                        " ON p.token = c.token ORDER BY c.account_id"},
    [L_CARD_ALIAS] = {T_CARD_ALIAS, ""},
    [L_CARD_PAN] = {T_CARD_PAN, ""},
    [L_CARD_FILE] = {T_CARD_PAN, ", f.owner, f.exp_month, f.exp_year, f.created_us"
                                 " FROM card_files f JOIN card_pans p ON p.pan_mac = f.pan_mac"},
    [L_CARD_ORDER] = {T_CARD_ORDER, " WHERE state < 2 ORDER BY created_us"},
    /* the ISO 8583 host: the requests of the retransmission window, every PIN, every rate */
    [L_ISO_REQUEST] = {T_ISO_REQUEST, " WHERE created_us >= %lld ORDER BY updated_us"},
    [L_CARD_PIN] = {T_CARD_PIN, ""},
    [L_FX_RATE] = {T_FX_RATE, " ORDER BY currency, effective_us"},
};

/* Hand one decoded row to its callback. */
static int deliver(int l, const struct store_channel_fns *f, void *ctx, union store_row_u *u,
                   bool done)
{
    switch (l) {
    case L_CUSTOMER:
        u->customer.has_pin = !pg_zeros(u->customer.pin_hash, 32);
        if (pg_zeros(u->customer.enrol_hash, 32)) {
            u->customer.enrol_expires_us = 0;
        }
        return f->customer(ctx, &u->customer);
    case L_CONVERSATION:
        u->conversation.active = true;
        return f->conversation(ctx, &u->conversation);
    case L_ASSOCIATION:
        return f->association(ctx, &u->association);
    case L_CLAIM:
        u->claim.active = true;
        return f->claim(ctx, &u->claim);
    case L_INBOX:
        return f->inbox(ctx, &u->inbox, done);
    case L_OUTBOX:
        return f->outbox(ctx, &u->outbox);
    case L_MERCHANT:
        return f->merchant(ctx, &u->merchant);
    case L_API_KEY:
        return f->api_key(ctx, &u->api_key);
    case L_PAYMENT_REQUEST:
        return f->payment_request(ctx, &u->payment_request);
    case L_WEBHOOK:
        return f->webhook(ctx, &u->webhook);
    case L_IDEMPOTENCY:
        return f->idempotency(ctx, &u->idempotency);
    case L_CAMPAIGN:
        return f->campaign(ctx, &u->campaign);
    case L_CAMPAIGN_TOTAL:
        return f->campaign_total(ctx, &u->campaign_total);
    case L_CAMPAIGN_DONOR:
        return f->campaign_donor(ctx, &u->campaign_donation);
    case L_SOCIAL_LINK:
        return f->social_link(ctx, &u->social_link);
    case L_SOCIAL_CURSOR:
        return f->social_cursor(ctx, &u->social_cursor);
    case L_CODE_ORDER:
        return f->code_order(ctx, &u->code_order);
    case L_CARD_TOPUP:
        return f->card_topup(ctx, &u->card_topup);
    case L_CARD:
        return f->card(ctx, &u->card);
    case L_CARD_ALIAS:
        u->card_alias.active = true;
        return f->card_alias(ctx, &u->card_alias);
    case L_CARD_PAN:
        return f->card_pan(ctx, &u->card_pan);
    case L_CARD_FILE:
        u->card_file.active = true;
        return f->card_file(ctx, &u->card_file);
    case L_CARD_ORDER:
        return f->card_order(ctx, &u->card_order);
    case L_ISO_REQUEST:
        return f->iso_request(ctx, &u->iso_request);
    case L_CARD_PIN:
        return f->card_pin(ctx, &u->card_pin);
    case L_FX_RATE:
        return f->fx_rate(ctx, &u->fx_rate);
    default:
        return f->acquirer_op(ctx, &u->acquirer_op);
    }
}

static bool wanted(int l, const struct store_channel_fns *f)
{
    const void *fn[L_COUNT] = {
        [L_CUSTOMER] = (const void *)f->customer,
        [L_CONVERSATION] = (const void *)f->conversation,
        [L_ASSOCIATION] = (const void *)f->association,
        [L_CLAIM] = (const void *)f->claim,
        [L_INBOX] = (const void *)f->inbox,
        [L_OUTBOX] = (const void *)f->outbox,
        [L_MERCHANT] = (const void *)f->merchant,
        [L_API_KEY] = (const void *)f->api_key,
        [L_PAYMENT_REQUEST] = (const void *)f->payment_request,
        [L_WEBHOOK] = (const void *)f->webhook,
        [L_IDEMPOTENCY] = (const void *)f->idempotency,
        [L_CAMPAIGN] = (const void *)f->campaign,
        [L_CAMPAIGN_TOTAL] = (const void *)f->campaign_total,
        [L_CAMPAIGN_DONOR] = (const void *)f->campaign_donor,
        [L_SOCIAL_LINK] = (const void *)f->social_link,
        [L_SOCIAL_CURSOR] = (const void *)f->social_cursor,
        [L_CODE_ORDER] = (const void *)f->code_order,
        [L_CARD_TOPUP] = (const void *)f->card_topup,
        [L_ACQUIRER_OP] = (const void *)f->acquirer_op,
        [L_CARD] = (const void *)f->card,
        [L_CARD_ALIAS] = (const void *)f->card_alias,
        [L_CARD_PAN] = (const void *)f->card_pan,
        [L_CARD_FILE] = (const void *)f->card_file,
        [L_CARD_ORDER] = (const void *)f->card_order,
        [L_ISO_REQUEST] = (const void *)f->iso_request,
        [L_CARD_PIN] = (const void *)f->card_pin,
        [L_FX_RATE] = (const void *)f->fx_rate,
    };

    return fn[l] != NULL;
}

/* The SQL of load l, into b (the caller frees b->p). */
static void load_sql(int l, int64_t since_us, struct pg_sbuf *b)
{
    char tail[512];

    if (loads[l].table < 0) {
        pg_sb_add(b, loads[l].tail);
        return;
    }
    pg_sb_add(b, "SELECT ");
    if (l == L_CARD || l == L_CARD_FILE) {
        /* joins: the tail has the rest of the columns and the FROM */
        pg_sb_cols(b, pg_tables[loads[l].table].cols, 0, pg_tables[loads[l].table].nwrite,
                   l == L_CARD ? "c." : "p.");
        pg_sb_add(b, loads[l].tail);
        return;
    }
    pg_sb_cols(b, pg_tables[loads[l].table].cols, 0, pg_tables[loads[l].table].ncols, "");
    pg_sb_add(b, l == L_INBOX ? ", done FROM " : " FROM ");
    pg_sb_add(b, pg_tables[loads[l].table].name);
    /* The tails' only conversion is %lld (since_us), or none. */
    if (strstr(loads[l].tail, "%lld") != NULL) {
        const char *at = strstr(loads[l].tail, "%lld");

        snprintf(tail, sizeof(tail), "%.*s%lld%s", (int)(at - loads[l].tail), loads[l].tail,
                 (long long)since_us, at + 4);
        pg_sb_add(b, tail);
    } else {
        pg_sb_add(b, loads[l].tail);
    }
}

static int load_one(struct pg_store *s, int l, int64_t since_us, const struct store_channel_fns *f,
                    void *ctx, union store_row_u *u, struct mdt_err *err)
{
    struct pg_sbuf sql = {0};
    struct pg_cursor c;
    int rc;

    memset(&c, 0, sizeof(c));
    load_sql(l, since_us, &sql);
    rc = pg_cursor_open(s, &c, "mdt_load", sql.p, err);
    while (rc == 0 && c.live) {
        memset(u, 0, sizeof(*u));
        if (l == L_CAMPAIGN_TOTAL) {
            snprintf(u->campaign_total.tag, sizeof(u->campaign_total.tag), "%s",
                     PQgetvalue(c.res, c.row, 0));
            u->campaign_total.total_minor = pg_int(c.res, c.row, 1);
            u->campaign_total.donations = (uint64_t)pg_int(c.res, c.row, 2);
        } else if (l == L_CARD_FILE) {
            const struct table *t = &pg_tables[T_CARD_PAN];

            for (int i = 0; i < t->ncols; i++) {
                pg_get_col(c.res, c.row, i, &u->card_file.pan, &t->cols[i]);
            }
            snprintf(u->card_file.owner, sizeof(u->card_file.owner), "%s",
                     PQgetvalue(c.res, c.row, t->ncols));
            u->card_file.exp_month = (uint8_t)pg_int(c.res, c.row, t->ncols + 1);
            u->card_file.exp_year = (uint16_t)pg_int(c.res, c.row, t->ncols + 2);
            u->card_file.created_us = pg_int(c.res, c.row, t->ncols + 3);
        } else {
            const struct table *t = &pg_tables[loads[l].table];

            for (int i = 0; i < t->ncols; i++) {
                pg_get_col(c.res, c.row, i, u, &t->cols[i]);
            }
        }
        rc = deliver(l, f, ctx, u,
                     l == L_INBOX && pg_int(c.res, c.row, pg_tables[T_INBOX].ncols) != 0);
        if (rc == 0) {
            rc = pg_cursor_next(s, &c, err);
        }
    }
    pg_cursor_close(s, &c);
    free(sql.p);
    return rc;
}

int pg_channel_load(struct store *base, const struct store_channel_fns *fns, void *ctx,
                    int64_t inbox_since_us, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    union store_row_u *u = malloc(sizeof(*u));
    bool own = false;
    int rc;

    if (u == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "load channel rows: out of memory");
    }
    rc = pg_read_tx_begin(s, &own, err);
    for (int l = 0; rc == 0 && l < L_COUNT; l++) {
        if (wanted(l, fns)) {
            rc = load_one(s, l, inbox_since_us, fns, ctx, u, err);
        }
    }
    pg_read_tx_end(s, own);
    free(u);
    return rc;
}

/* ---- for people: a number's messages, webhook events ---- */

int pg_messages(struct store *base, const char *number, uint32_t limit, store_message_fn fn,
                void *ctx, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct store_message *m = malloc(sizeof(*m));
    char lim[16], chan[8], queued[8];
    const char *params[4] = {number, lim, chan, queued};
    PGresult *res = NULL;
    int rc;

    if (m == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "read messages: out of memory");
    }
    snprintf(lim, sizeof(lim), "%" PRIu32, limit);
    snprintf(chan, sizeof(chan), "%d", CHANNEL_SMS);
    snprintf(queued, sizeof(queued), "%d", OUTBOX_QUEUED); /* those reach the dev phone apart */
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s,
                      "SELECT 1, received_us, text FROM inbox WHERE source = $1 AND channel = $3"
                      " UNION ALL SELECT 0, created_us, text FROM outbox WHERE dest = $1"
                      " AND channel = $3 AND state != $4 ORDER BY 2 DESC LIMIT $2",
                      4, params, &res, err);
    }
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        m->inbound = pg_int(res, i, 0) != 0;
        m->at_us = pg_int(res, i, 1);
        snprintf(m->text, sizeof(m->text), "%s", PQgetvalue(res, i, 2));
        rc = fn(ctx, m);
    }
    PQclear(res);
    free(m);
    return rc;
}

/* The WHERE of f: by id ($1), or merchant (0: any), created since, state (-1: any). */
static void webhook_where(const struct store_webhook_filter *f, char *where, size_t cap,
                          char id[35])
{
    if (f->by_id) {
        pg_id_text(f->id, id);
        snprintf(where, cap, " WHERE id = $1");
        return;
    }
    snprintf(where, cap,
             " WHERE ($1::bytea IS NULL) AND (%" PRIu64 " = 0 OR merchant_id = %" PRIu64 ")"
             " AND created_us >= %" PRId64 " AND (%d < 0 OR state = %d)",
             f->merchant_id, f->merchant_id, f->since_us, f->state, f->state);
}

int pg_webhook_list(struct store *base, const struct store_webhook_filter *f, store_webhook_fn fn,
                    void *ctx, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct webhook_row *r = malloc(sizeof(*r));
    struct pg_sbuf sql = {0};
    char where[256], id[35], lim[32] = "";
    const char *params[1] = {f->by_id ? id : NULL};
    PGresult *res = NULL;
    int rc;

    if (r == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "list webhook events: out of memory");
    }
    webhook_where(f, where, sizeof(where), id);
    if (f->limit > 0) {
        snprintf(lim, sizeof(lim), " LIMIT %" PRIu32, f->limit);
    }
    pg_sb_add(&sql, "SELECT ");
    pg_sb_cols(&sql, pg_tables[T_WEBHOOK].cols, 0, pg_tables[T_WEBHOOK].ncols, "");
    pg_sb_add(&sql, " FROM webhooks");
    pg_sb_add(&sql, where);
    pg_sb_add(&sql, " ORDER BY seq DESC");
    pg_sb_add(&sql, lim);
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s, sql.p, 1, params, &res, err);
    }
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        memset(r, 0, sizeof(*r));
        for (int c = 0; c < pg_tables[T_WEBHOOK].ncols; c++) {
            pg_get_col(res, i, c, r, &pg_tables[T_WEBHOOK].cols[c]);
        }
        rc = fn(ctx, r);
    }
    PQclear(res);
    free(sql.p);
    free(r);
    return rc;
}

int pg_webhook_requeue(struct store *base, const struct store_webhook_filter *f, int64_t now_us,
                       uint64_t *count, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    char where[256], id[35], sql[400];
    const char *params[1] = {f->by_id ? id : NULL};
    PGresult *res = NULL;
    int rc;

    *count = 0;
    if (s->read_only || s->in_tx) {
        return mdt_err_set(err, MDT_E(INVAL), "requeue webhook events: %s",
                           s->read_only ? "the store is open read-only" : "inside a transaction");
    }
    webhook_where(f, where, sizeof(where), id);
    snprintf(sql, sizeof(sql), "UPDATE webhooks SET state = 0, next_try_us = %" PRId64 "%s", now_us,
             where);
    /* One statement is one transaction, beside the engine's. */
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s, sql, 1, params, &res, err);
    }
    if (rc == 0) {
        *count = strtoull(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
    return rc;
}
