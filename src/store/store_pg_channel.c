/* SPDX-License-Identifier: Apache-2.0 */
/* The channels' rows on PostgreSQL (store_channel.h), written in the batch's transaction, in its
 * pipeline, from the tables' descriptions (store_pg_rows.h); read back in
 * store_pg_channel_read.c (cards on file: store_pg_card.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "store/store_pg_rows.h"

/* ---- writing, in the batch's pipeline ---- */

/* The SQL of a table's insert, made once per connection: variant 1 is inbox's (with done = 0)
 * and a new code order's (without seq). */
static const char *table_sql(struct pg_store *s, int t, int variant)
{
    _Static_assert(sizeof(s->channel_sql) / sizeof(s->channel_sql[0]) == 2 * T_COUNT,
                   "two variants of each table's insert");
    char **slot = &s->channel_sql[t * 2 + variant];

    if (*slot == NULL) {
        if (t == T_INBOX) {
            *slot = pg_insert_sql(&pg_tables[t], 0, "done", "0");
        } else if (t == T_CARD_PAN && variant == 1) {
            /* a card on file: a number already sealed (someone else keeps it) stays as it is */
            struct pg_sbuf b = {0};
            char *ins = pg_insert_sql(&pg_tables[t], 0, NULL, NULL);

            pg_sb_add(&b, ins);
            pg_sb_add(&b, " ON CONFLICT (pan_mac) DO NOTHING");
            free(ins);
            *slot = b.p;
        } else {
            *slot = pg_insert_sql(&pg_tables[t], variant, NULL, NULL);
        }
    }
    return *slot;
}

int pg_send_table_row(struct pg_store *s, int t, const void *row, int from, struct pg_drain *d,
                      int *sent)
{
    struct pg_params *p = &s->params;

    pg_p_begin(p);
    for (int i = from; i < pg_tables[t].nwrite; i++) {
        pg_p_col(p, row, &pg_tables[t].cols[i]);
    }
    return pg_send_params(s, table_sql(s, t, t == T_INBOX ? 0 : from), p->n, pg_p_values(p), d,
                          sent);
}

int pg_send_card_pan(struct pg_store *s, const struct card_pan_row *r, bool known_ok,
                     struct pg_drain *d, int *sent)
{
    struct pg_params *p = &s->params;

    MDT_ASSERT(r->sealed_len > 0 && r->sealed_len <= sizeof(r->sealed));
    pg_p_begin(p);
    for (int i = 0; i < pg_tables[T_CARD_PAN].nwrite; i++) {
        pg_p_col(p, r, &pg_tables[T_CARD_PAN].cols[i]);
    }
    return pg_send_params(s, table_sql(s, T_CARD_PAN, known_ok ? 1 : 0), p->n, pg_p_values(p), d,
                          sent);
}

/* A statement of its own on some columns of table t's row (updates, deletes). */
static int send_cols(struct pg_store *s, const char *sql, int t, const void *row, const int *cols,
                     int n, struct pg_drain *d, int *sent)
{
    struct pg_params *p = &s->params;

    pg_p_begin(p);
    for (int i = 0; i < n; i++) {
        pg_p_col(p, row, &pg_tables[t].cols[cols[i]]);
    }
    return pg_send_params(s, sql, p->n, pg_p_values(p), d, sent);
}

static int send_customer(struct pg_store *s, const struct customer_row *r, struct pg_drain *d,
                         int *sent)
{
    struct customer_row c = *r;

    /* As SQLite stores them: no code, no hash; no link, no link hash. */
    if (!c.has_pin) {
        memset(c.pin_hash, 0, sizeof(c.pin_hash));
    }
    if (c.enrol_expires_us == 0) {
        memset(c.enrol_hash, 0, sizeof(c.enrol_hash));
    }
    return pg_send_table_row(s, T_CUSTOMER, &c, 0, d, sent);
}

static int send_social_link(struct pg_store *s, const struct social_link_row *r, struct pg_drain *d,
                            int *sent)
{
    static const int cols[] = {1, 0}; /* user_id, address */
    int rc;

    /* A rename: the row under the old handle goes, so that the old handle, which someone else
     * may take, no longer reaches this wallet. */
    rc = send_cols(s,
                   "DELETE FROM social_links WHERE user_id = $1 AND user_id != ''"
                   " AND address != $2 AND substr(address, 1, strpos(address, ':'))"
                   " = substr($2, 1, strpos($2, ':'))",
                   T_SOCIAL_LINK, r, cols, 2, d, sent);
    return rc == 0 ? pg_send_table_row(s, T_SOCIAL_LINK, r, 0, d, sent) : rc;
}

static int send_extra(struct pg_store *s, const struct store_extra *x, struct pg_drain *d,
                      int *sent)
{
    static const int key[] = {0};
    static const int outbox_state[] = {3, 4, 9, 7, 8, 0};
    static const int webhook_state[] = {4, 5, 7, 9, 0};

    switch (x->kind) {
    case EXTRA_INBOX:
        return pg_send_table_row(s, T_INBOX, &x->u.inbox, 0, d, sent);
    case EXTRA_INBOX_DONE:
        return send_cols(s, "UPDATE inbox SET done = 1 WHERE id = $1", T_INBOX, &x->u.inbox, key, 1,
                         d, sent);
    case EXTRA_INBOX_CONFIRMED:
        return send_cols(s, "UPDATE inbox SET doubt_key = NULL WHERE id = $1", T_INBOX, &x->u.inbox,
                         key, 1, d, sent);
    case EXTRA_OUTBOX:
        return pg_send_table_row(s, T_OUTBOX, &x->u.outbox, 0, d, sent);
    case EXTRA_OUTBOX_STATE:
        /* Once the peer has the message (any state but queued), its link's seal is dropped. */
        return send_cols(s,
                         "UPDATE outbox SET state = $1, attempts = $2, next_try_us = $3,"
                         " peer_id = $4, final_state = $5,"
                         " link_seal = CASE WHEN $1 = 0 THEN link_seal END WHERE id = $6",
                         T_OUTBOX, &x->u.outbox, outbox_state, 6, d, sent);
    case EXTRA_CUSTOMER:
        return send_customer(s, &x->u.customer, d, sent);
    case EXTRA_CONVERSATION:
        if (!x->u.conversation.active) {
            return send_cols(s, "DELETE FROM conversations WHERE phone = $1", T_CONVERSATION,
                             &x->u.conversation, key, 1, d, sent);
        }
        return pg_send_table_row(s, T_CONVERSATION, &x->u.conversation, 0, d, sent);
    case EXTRA_ASSOCIATION:
        return pg_send_table_row(s, T_ASSOCIATION, &x->u.association, 0, d, sent);
    case EXTRA_CLAIM:
        if (!x->u.claim.active) {
            return send_cols(s, "DELETE FROM claims WHERE id = $1", T_CLAIM, &x->u.claim, key, 1, d,
                             sent);
        }
        return pg_send_table_row(s, T_CLAIM, &x->u.claim, 0, d, sent);
    case EXTRA_MERCHANT:
        return pg_send_table_row(s, T_MERCHANT, &x->u.merchant, 0, d, sent);
    case EXTRA_API_KEY:
        return pg_send_table_row(s, T_API_KEY, &x->u.api_key, 0, d, sent);
    case EXTRA_PAYMENT_REQUEST:
        return pg_send_table_row(s, T_PAYMENT_REQUEST, &x->u.payment_request, 0, d, sent);
    case EXTRA_WEBHOOK:
        return pg_send_table_row(s, T_WEBHOOK, &x->u.webhook, 0, d, sent);
    case EXTRA_WEBHOOK_STATE:
        return send_cols(s,
                         "UPDATE webhooks SET state = $1, attempts = $2, next_try_us = $3,"
                         " last_error = $4 WHERE id = $5",
                         T_WEBHOOK, &x->u.webhook, webhook_state, 5, d, sent);
    case EXTRA_IDEMPOTENCY:
        return pg_send_table_row(s, T_IDEMPOTENCY, &x->u.idempotency, 0, d, sent);
    case EXTRA_CAMPAIGN:
        return pg_send_table_row(s, T_CAMPAIGN, &x->u.campaign, 0, d, sent);
    case EXTRA_CAMPAIGN_DONATION:
        return pg_send_table_row(s, T_DONATION, &x->u.campaign_donation, 0, d, sent);
    case EXTRA_SOCIAL_LINK:
        return send_social_link(s, &x->u.social_link, d, sent);
    case EXTRA_SOCIAL_CURSOR:
        return pg_send_table_row(s, T_SOCIAL_CURSOR, &x->u.social_cursor, 0, d, sent);
    case EXTRA_CODE_ORDER:
        return pg_send_table_row(s, T_CODE_ORDER, &x->u.code_order, x->u.code_order.seq == 0 ? 1 : 0,
                              d, sent);
    case EXTRA_CARD_TOPUP:
        return pg_send_table_row(s, T_CARD_TOPUP, &x->u.card_topup, 0, d, sent);
    case EXTRA_CARD_PAN:
        return pg_send_card_pan(s, &x->u.card_pan, false, d, sent);
    case EXTRA_CARD:
        return pg_send_table_row(s, T_CARD, &x->u.card, 0, d, sent);
    case EXTRA_CARD_ALIAS:
        if (!x->u.card_alias.active) {
            static const int owner_alias[] = {0, 1};

            return send_cols(s, "DELETE FROM card_aliases WHERE owner = $1 AND alias = $2",
                             T_CARD_ALIAS, &x->u.card_alias, owner_alias, 2, d, sent);
        }
        return pg_send_table_row(s, T_CARD_ALIAS, &x->u.card_alias, 0, d, sent);
    case EXTRA_CARD_ORDER:
        return pg_send_table_row(s, T_CARD_ORDER, &x->u.card_order, 0, d, sent);
    case EXTRA_CARD_FILE:
        return pg_send_card_file(s, &x->u.card_file, d, sent);
    case EXTRA_ACQUIRER_OP:
        return pg_send_table_row(s, T_ACQUIRER_OP, &x->u.acquirer_op, 0, d, sent);
    default: /* EXTRA_ISO_REQUEST, EXTRA_CARD_PIN, EXTRA_FX_RATE: pg_extras_check refused others */
        return pg_send_iso(s, x, d, sent);
    }
}

int pg_extras_check(const struct store_extras *x, size_t nx, struct mdt_err *err)
{
    for (size_t i = 0; i < nx; i++) {
        for (size_t k = 0; k < x[i].count; k++) {
            unsigned kind = x[i].rows[k].kind;

            /* EXTRA_FX_RATE: the last kind of store_channel.h this backend writes. A new kind
             * there is a new case in send_extra (docs/postgres.md, "Porting"). */
            if (kind > EXTRA_FX_RATE) {
                return mdt_err_set(err, MDT_E(INVAL), "unknown channel row kind %u", kind);
            }
        }
    }
    return 0;
}

int pg_send_extras(struct pg_store *s, const struct store_extras *x, size_t nx, struct pg_drain *d,
                   int *sent)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < nx; i++) {
        for (size_t k = 0; rc == 0 && k < x[i].count; k++) {
            rc = send_extra(s, &x[i].rows[k], d, sent);
        }
    }
    return rc;
}

void pg_channel_release(struct pg_store *s)
{
    for (size_t i = 0; i < sizeof(s->channel_sql) / sizeof(s->channel_sql[0]); i++) {
        free(s->channel_sql[i]);
        s->channel_sql[i] = NULL;
    }
    free(s->params.b.p);
    s->params.b.p = NULL;
    s->params.b.cap = 0;
}
