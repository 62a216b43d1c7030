/* SPDX-License-Identifier: Apache-2.0 */
/* The channels' rows on PostgreSQL (store_channel.h), written in the batch's transaction, in its
 * pipeline, from the tables' descriptions (store_pg_rows.h): most grouped by kind of write and
 * sent as arrays (store_pg_channel_group.c), the rest here one statement a row; read back in
 * store_pg_channel_read.c (cards on file: store_pg_card.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "store/store_pg_rows.h"

/* ---- writing, in the batch's pipeline ---- */

/* The SQL of a table's insert, made once per connection: variant 1 is a new code order's
 * (without seq) and a card on file's. */
static const char *table_sql(struct pg_store *s, int t, int variant)
{
    _Static_assert(sizeof(s->channel_sql) / sizeof(s->channel_sql[0]) == 2 * T_COUNT,
                   "two variants of each table's insert");
    char **slot = &s->channel_sql[t * 2 + variant];

    if (*slot == NULL) {
        if (t == T_CARD_PAN && variant == 1) {
            /* a card on file: a number already sealed (someone else keeps it) stays as it is */
            struct pg_sbuf b = {0};
            char *ins = pg_insert_sql(&pg_tables[t], 0, NULL, NULL, false);

            pg_sb_add(&b, ins);
            pg_sb_add(&b, " ON CONFLICT (pan_mac) DO NOTHING");
            free(ins);
            *slot = b.p;
        } else {
            *slot = pg_insert_sql(&pg_tables[t], variant, NULL, NULL, false);
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
    return pg_send_params(s, table_sql(s, t, from), p->n, pg_p_values(p), d, sent);
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

/* A row that goes by a statement of its own (pg_group_kind says -1): its writes are not keyed
 * by one column, or read other rows. */
static int send_extra(struct pg_store *s, const struct store_extra *x, struct pg_drain *d,
                      int *sent)
{
    switch (x->kind) {
    case EXTRA_SOCIAL_LINK:
        return send_social_link(s, &x->u.social_link, d, sent);
    case EXTRA_CODE_ORDER:
        return pg_send_table_row(s, T_CODE_ORDER, &x->u.code_order,
                                 x->u.code_order.seq == 0 ? 1 : 0, d, sent);
    case EXTRA_CARD_PAN:
        return pg_send_card_pan(s, &x->u.card_pan, false, d, sent);
    case EXTRA_CARD_FILE:
        return pg_send_card_file(s, &x->u.card_file, d, sent);
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
    size_t rows = 0;
    int rc = 0;

    for (size_t i = 0; i < nx; i++) {
        rows += x[i].count;
    }
    pg_groups_begin(s, rows);
    for (size_t i = 0; rc == 0 && i < nx; i++) {
        for (size_t k = 0; rc == 0 && k < x[i].count; k++) {
            const struct store_extra *r = &x[i].rows[k];
            int kind = pg_group_kind(r);

            if (kind >= 0) {
                rc = pg_groups_add(s, r, kind, d, sent);
            } else {
                /* what came before it goes first */
                rc = pg_groups_flush(s, d, sent);
                rc = rc == 0 ? send_extra(s, r, d, sent) : rc;
            }
        }
    }
    return rc == 0 ? pg_groups_flush(s, d, sent) : rc;
}

void pg_channel_release(struct pg_store *s)
{
    for (size_t i = 0; i < sizeof(s->channel_sql) / sizeof(s->channel_sql[0]); i++) {
        free(s->channel_sql[i]);
        s->channel_sql[i] = NULL;
    }
    pg_groups_release(s);
    free(s->params.b.p);
    s->params.b.p = NULL;
    s->params.b.cap = 0;
}
