/* SPDX-License-Identifier: Apache-2.0 */
/* A batch's channel rows grouped by kind of write (a table's insert or upsert, an update, a
 * delete) and sent as one prepared statement a kind, its columns as binary arrays
 * (store_pg_array.c): INSERT ... SELECT unnest(...) ON CONFLICT ..., UPDATE ... FROM (SELECT
 * unnest(...)), DELETE ... WHERE key = ANY(...). A batch of some 500 MOs then costs the server a
 * handful of statements instead of a few thousand parsed and planned one by one
 * (bench/RESULTS.md, "bench/sms ... channel rows as arrays"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "store/store_pg_rows.h"

enum op {
    OP_INSERT, /* the table's insert (W_INSERT, W_IGNORE or W_UPSERT: store_pg_rows.c) */
    OP_UPDATE, /* sql below, the columns cols[] */
    OP_DELETE, /* the same */
};

/* A kind of write: its table, and for updates and deletes its SQL and the columns sent ($1..
 * in that order). */
struct wkind {
    uint8_t table; /* enum table_id */
    uint8_t op;    /* enum op */
    const char *sql;
    const int8_t *cols;
    int ncols;
};

enum kind_id {
    K_INBOX,
    K_INBOX_DONE,
    K_INBOX_CONFIRMED,
    K_OUTBOX,
    K_OUTBOX_STATE,
    K_CUSTOMER,
    K_CONVERSATION,
    K_CONVERSATION_DEL,
    K_ASSOCIATION,
    K_CLAIM,
    K_CLAIM_DEL,
    K_MERCHANT,
    K_API_KEY,
    K_PAYMENT_REQUEST,
    K_WEBHOOK,
    K_WEBHOOK_STATE,
    K_IDEMPOTENCY,
    K_CAMPAIGN,
    K_DONATION,
    K_SOCIAL_CURSOR,
    K_CARD_TOPUP,
    K_ACQUIRER_OP,
    K_CARD,
    K_CARD_ALIAS,
    K_CARD_ALIAS_DEL,
    K_CARD_ORDER,
    K_COUNT
};
_Static_assert(K_COUNT == PG_WRITE_KINDS, "store_pg_int.h counts the kinds of write");
_Static_assert(sizeof(((struct pg_groups *)0)->key) / sizeof(((struct pg_groups *)0)->key[0]) ==
                   T_COUNT,
               "struct pg_groups keeps a key for each table");

static const int8_t c_id[] = {0};
static const int8_t c_owner_alias[] = {0, 1};
static const int8_t c_outbox_state[] = {3, 4, 9, 7, 8, 0};
static const int8_t c_webhook_state[] = {4, 5, 7, 9, 0};

#define KIND_INS(t)                                                                                \
    {                                                                                              \
        t, OP_INSERT, NULL, NULL, 0                                                                \
    }
/* clang-format off */
static const struct wkind kinds[K_COUNT] = {
    [K_INBOX] = KIND_INS(T_INBOX),
    [K_INBOX_DONE] = {T_INBOX, OP_UPDATE,
        "UPDATE inbox SET done = 1 WHERE id = ANY($1::bytea[])", c_id, 1},
    [K_INBOX_CONFIRMED] = {T_INBOX, OP_UPDATE,
        "UPDATE inbox SET doubt_key = NULL WHERE id = ANY($1::bytea[])", c_id, 1},
    [K_OUTBOX] = KIND_INS(T_OUTBOX),
    /* Once the peer has the message (any state but queued), its link's seal is dropped. */
    [K_OUTBOX_STATE] = {T_OUTBOX, OP_UPDATE,
        "UPDATE outbox o SET state = v.state, attempts = v.attempts, next_try_us = v.next_try_us,"
        " peer_id = v.peer_id, final_state = v.final_state,"
        " link_seal = CASE WHEN v.state = 0 THEN o.link_seal END"
        " FROM (SELECT unnest($1::int8[]) AS state, unnest($2::int8[]) AS attempts,"
        " unnest($3::int8[]) AS next_try_us, unnest($4::text[]) AS peer_id,"
        " unnest($5::text[]) AS final_state, unnest($6::bytea[]) AS id) v WHERE o.id = v.id",
        c_outbox_state, 6},
    [K_CUSTOMER] = KIND_INS(T_CUSTOMER),
    [K_CONVERSATION] = KIND_INS(T_CONVERSATION),
    [K_CONVERSATION_DEL] = {T_CONVERSATION, OP_DELETE,
        "DELETE FROM conversations WHERE phone = ANY($1::text[])", c_id, 1},
    [K_ASSOCIATION] = KIND_INS(T_ASSOCIATION),
    [K_CLAIM] = KIND_INS(T_CLAIM),
    [K_CLAIM_DEL] = {T_CLAIM, OP_DELETE, "DELETE FROM claims WHERE id = ANY($1::bytea[])", c_id, 1},
    [K_MERCHANT] = KIND_INS(T_MERCHANT),
    [K_API_KEY] = KIND_INS(T_API_KEY),
    [K_PAYMENT_REQUEST] = KIND_INS(T_PAYMENT_REQUEST),
    [K_WEBHOOK] = KIND_INS(T_WEBHOOK),
    [K_WEBHOOK_STATE] = {T_WEBHOOK, OP_UPDATE,
        "UPDATE webhooks w SET state = v.state, attempts = v.attempts,"
        " next_try_us = v.next_try_us, last_error = v.last_error"
        " FROM (SELECT unnest($1::int8[]) AS state, unnest($2::int8[]) AS attempts,"
        " unnest($3::int8[]) AS next_try_us, unnest($4::text[]) AS last_error,"
        " unnest($5::bytea[]) AS id) v WHERE w.id = v.id",
        c_webhook_state, 5},
    [K_IDEMPOTENCY] = KIND_INS(T_IDEMPOTENCY),
    [K_CAMPAIGN] = KIND_INS(T_CAMPAIGN),
    [K_DONATION] = KIND_INS(T_DONATION),
    [K_SOCIAL_CURSOR] = KIND_INS(T_SOCIAL_CURSOR),
    [K_CARD_TOPUP] = KIND_INS(T_CARD_TOPUP),
    [K_ACQUIRER_OP] = KIND_INS(T_ACQUIRER_OP),
    [K_CARD] = KIND_INS(T_CARD),
    [K_CARD_ALIAS] = KIND_INS(T_CARD_ALIAS),
    [K_CARD_ALIAS_DEL] = {T_CARD_ALIAS, OP_DELETE,
        "DELETE FROM card_aliases a USING (SELECT unnest($1::text[]) AS owner,"
        " unnest($2::text[]) AS alias) v WHERE a.owner = v.owner AND a.alias = v.alias",
        c_owner_alias, 2},
    [K_CARD_ORDER] = KIND_INS(T_CARD_ORDER),
};
/* clang-format on */

int pg_group_kind(const struct store_extra *x)
{
    switch (x->kind) {
    case EXTRA_INBOX:
        return K_INBOX;
    case EXTRA_INBOX_DONE:
        return K_INBOX_DONE;
    case EXTRA_INBOX_CONFIRMED:
        return K_INBOX_CONFIRMED;
    case EXTRA_OUTBOX:
        return K_OUTBOX;
    case EXTRA_OUTBOX_STATE:
        return K_OUTBOX_STATE;
    case EXTRA_CUSTOMER:
        return K_CUSTOMER;
    case EXTRA_CONVERSATION:
        return x->u.conversation.active ? K_CONVERSATION : K_CONVERSATION_DEL;
    case EXTRA_ASSOCIATION:
        return K_ASSOCIATION;
    case EXTRA_CLAIM:
        return x->u.claim.active ? K_CLAIM : K_CLAIM_DEL;
    case EXTRA_MERCHANT:
        return K_MERCHANT;
    case EXTRA_API_KEY:
        return K_API_KEY;
    case EXTRA_PAYMENT_REQUEST:
        return K_PAYMENT_REQUEST;
    case EXTRA_WEBHOOK:
        return K_WEBHOOK;
    case EXTRA_WEBHOOK_STATE:
        return K_WEBHOOK_STATE;
    case EXTRA_IDEMPOTENCY:
        return K_IDEMPOTENCY;
    case EXTRA_CAMPAIGN:
        return K_CAMPAIGN;
    case EXTRA_CAMPAIGN_DONATION:
        return K_DONATION;
    case EXTRA_SOCIAL_CURSOR:
        return K_SOCIAL_CURSOR;
    case EXTRA_CARD_TOPUP:
        return K_CARD_TOPUP;
    case EXTRA_ACQUIRER_OP:
        return K_ACQUIRER_OP;
    case EXTRA_CARD:
        return K_CARD;
    case EXTRA_CARD_ALIAS:
        return x->u.card_alias.active ? K_CARD_ALIAS : K_CARD_ALIAS_DEL;
    case EXTRA_CARD_ORDER:
        return K_CARD_ORDER;
    default: /* social links, code orders, card numbers, cards on file, the ISO 8583 host */
        return -1;
    }
}

/* ---- prepared once a connection ---- */

/* The name of kind k's prepared statement. */
static void kind_name(int k, char name[24])
{
    snprintf(name, 24, "mdt_ch_%d", k);
}

/* The key of table t's rows, as column indexes: the conflict target of an upsert (by name), else
 * the first column. Only rows of one key are ever merged (upserts) or kept apart (others), so a
 * key that is not unique only costs an early flush. */
static void table_key(const struct table *t, int8_t key[2])
{
    const char *k = t->key;
    int n = 0;

    key[0] = 0;
    key[1] = -1;
    if (t->mode != W_UPSERT) {
        return;
    }
    while (*k != '\0' && n < 2) {
        size_t len = strcspn(k, ", ");
        int i = 0;

        while (i < t->nwrite &&
               (strlen(t->cols[i].name) != len || memcmp(t->cols[i].name, k, len) != 0)) {
            i++;
        }
        MDT_ASSERT(i < t->nwrite); /* an upsert's conflict target is among its columns */
        key[n++] = (int8_t)i;
        k += len;
        k += strspn(k, ", ");
    }
    MDT_ASSERT(n > 0 && *k == '\0');
}

/* The inbox's insert carries its done flag ($10): a row marked done in the batch that inserts it
 * is one write, not an insert and an update. A known id (a redelivery) keeps its row, but for
 * done, which only goes from 0 to 1: what the insert ignored and the update then did. */
static char *inbox_sql(void)
{
    struct table t = pg_tables[T_INBOX];
    struct pg_sbuf b = {0};
    char val[32], *ins;

    t.mode = W_INSERT; /* no ON CONFLICT: the one below */
    snprintf(val, sizeof(val), "unnest($%d::int8[])", t.nwrite + 1);
    ins = pg_insert_sql(&t, 0, "done", val, true);
    pg_sb_add(&b, ins);
    pg_sb_add(&b, " ON CONFLICT (id) DO UPDATE SET done = GREATEST(inbox.done, EXCLUDED.done)");
    free(ins);
    return b.p;
}

int pg_channel_prepare(struct pg_store *s, struct mdt_err *err)
{
    int rc = 0;

    for (int t = 0; t < T_COUNT; t++) {
        table_key(&pg_tables[t], s->groups.key[t]);
    }
    for (int k = 0; rc == 0 && k < K_COUNT; k++) {
        const struct table *t = &pg_tables[kinds[k].table];
        char *sql;
        char name[24];
        PGresult *res;

        if (kinds[k].op != OP_INSERT) {
            continue;
        }
        MDT_ASSERT(t->nwrite <= PG_ARRAYS_MAX); /* s->arrays holds a row's columns */
        sql = k == K_INBOX ? inbox_sql() : pg_insert_sql(t, 0, NULL, NULL, true);
        kind_name(k, name);
        res = PQprepare(s->conn, name, sql, 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = pg_error(s, res, err, "prepare statement");
        }
        PQclear(res);
        free(sql);
    }
    return rc;
}

/* ---- keys ---- */

static const void *row_of(const struct pg_group_row *r)
{
    return &r->x->u;
}

/* FNV-1a over the key's columns (a text by its length and bytes). */
static uint64_t key_hash(const struct pg_store *s, int t, const void *row)
{
    uint64_t h = 14695981039346656037u ^ (uint64_t)t;

    for (int i = 0; i < 2 && s->groups.key[t][i] >= 0; i++) {
        const struct col *c = &pg_tables[t].cols[s->groups.key[t][i]];
        const uint8_t *f = (const uint8_t *)row + c->off;
        size_t n = c->kind == COL_TEXT ? strnlen((const char *)f, c->size) : c->size;
        int64_t v;

        if (c->kind == COL_INT) {
            v = pg_field_int(row, c);
            f = (const uint8_t *)&v;
            n = sizeof(v);
        }
        h = (h ^ n) * 1099511628211u;
        for (size_t k = 0; k < n; k++) {
            h = (h ^ f[k]) * 1099511628211u;
        }
    }
    return h;
}

static bool key_equal(const struct pg_store *s, int t, const void *a, const void *b)
{
    for (int i = 0; i < 2 && s->groups.key[t][i] >= 0; i++) {
        const struct col *c = &pg_tables[t].cols[s->groups.key[t][i]];
        const char *fa = (const char *)a + c->off, *fb = (const char *)b + c->off;

        if (c->kind == COL_INT) {
            if (pg_field_int(a, c) != pg_field_int(b, c)) {
                return false;
            }
        } else if (c->kind == COL_TEXT) {
            size_t n = strnlen(fa, c->size);

            if (n != strnlen(fb, c->size) || memcmp(fa, fb, n) != 0) {
                return false;
            }
        } else if (memcmp(fa, fb, c->size) != 0) {
            return false;
        }
    }
    return true;
}

/* ---- the groups ---- */

static void slots_clear(struct pg_groups *g)
{
    for (size_t i = 0; i < g->nslots; i++) {
        g->slots[i] = -1;
    }
}

/* Empty the groups, keeping their buffers. */
static void groups_empty(struct pg_groups *g)
{
    g->n = 0;
    g->norder = 0;
    for (int k = 0; k < K_COUNT; k++) {
        g->head[k] = -1;
    }
    slots_clear(g);
}

void pg_groups_begin(struct pg_store *s, size_t rows_max)
{
    struct pg_groups *g = &s->groups;
    size_t want = 256;

    /* At most half full whatever the batch holds (open addressing, linear probing), so that
     * adding never resizes: a key's one slot names its last write. */
    while (want < 2 * rows_max + 2) {
        want *= 2;
    }
    if (want > g->nslots) {
        mem_grow((void **)&g->slots, &g->slots_cap, want, sizeof(*g->slots));
        g->nslots = want;
    }
    groups_empty(g);
}

/* Kind k's rows into the arrays, in arrival order (a customer as SQLite stores it: no code, no
 * hash; no link, no link hash). */
static int send_kind(struct pg_store *s, int k, struct pg_drain *d, int *sent)
{
    const struct pg_groups *g = &s->groups;
    const struct table *t = &pg_tables[kinds[k].table];
    int ncols = kinds[k].op == OP_INSERT ? t->nwrite : kinds[k].ncols;
    char name[24];

    for (int i = 0; i < ncols; i++) {
        pg_array_begin(&s->arrays[i], &t->cols[kinds[k].cols != NULL ? kinds[k].cols[i] : i]);
    }
    for (int32_t r = g->head[k]; r >= 0; r = g->rows[r].next) {
        const void *row = row_of(&g->rows[r]);
        struct customer_row c;

        if (k == K_CUSTOMER) {
            c = g->rows[r].x->u.customer;
            if (!c.has_pin) {
                memset(c.pin_hash, 0, sizeof(c.pin_hash));
            }
            if (c.enrol_expires_us == 0) {
                memset(c.enrol_hash, 0, sizeof(c.enrol_hash));
            }
            row = &c;
        }
        for (int i = 0; i < ncols; i++) {
            pg_array_col(&s->arrays[i], row,
                         &t->cols[kinds[k].cols != NULL ? kinds[k].cols[i] : i]);
        }
    }
    if (k == K_INBOX) {
        static const struct col done = {"done", COL_INT, 0, 1, 0};

        MDT_ASSERT(ncols < PG_ARRAYS_MAX);
        pg_array_begin(&s->arrays[ncols], &done);
        for (int32_t r = g->head[k]; r >= 0; r = g->rows[r].next) {
            uint8_t v = g->rows[r].done ? 1 : 0;

            pg_array_col(&s->arrays[ncols], &v, &done);
        }
        ncols++;
    }
    if (kinds[k].op != OP_INSERT) {
        /* Planned for these rows, never prepared: a plan cached while the table was small (a
         * hash join over all its rows) would stay when it is large. */
        return pg_send_arrays(s, NULL, kinds[k].sql, ncols, d, sent);
    }
    kind_name(k, name);
    return pg_send_arrays(s, name, NULL, ncols, d, sent);
}

int pg_groups_flush(struct pg_store *s, struct pg_drain *d, int *sent)
{
    struct pg_groups *g = &s->groups;
    int rc = 0;

    if (g->n == 0) {
        return 0; /* already empty: a row of its own after another needs no clearing of slots */
    }
    for (int i = 0; rc == 0 && i < g->norder; i++) {
        rc = send_kind(s, g->order[i], d, sent);
    }
    groups_empty(g);
    return rc;
}

/* Where kind k's statement goes among those pending: its place, or after them all. */
static int kind_place(const struct pg_groups *g, int k)
{
    return g->head[k] >= 0 ? g->place[k] : g->norder;
}

int pg_groups_add(struct pg_store *s, const struct store_extra *x, int k, struct pg_drain *d,
                  int *sent)
{
    struct pg_groups *g = &s->groups;
    int t = kinds[k].table;
    uint64_t h = key_hash(s, t, &x->u);
    struct pg_group_row *r;
    size_t i;

    MDT_ASSERT(2 * (g->n + 1) <= g->nslots); /* pg_groups_begin made room for the batch */
    for (i = h & (g->nslots - 1); g->slots[i] >= 0; i = (i + 1) & (g->nslots - 1)) {
        struct pg_group_row *e = &g->rows[g->slots[i]]; /* the last write of its key */
        int rc;

        if (e->hash != h || kinds[e->kind].table != t || !key_equal(s, t, row_of(e), &x->u)) {
            continue;
        }
        if (k == K_INBOX_DONE && e->kind == K_INBOX) {
            e->done = true; /* inserted done (inbox_sql) */
            return 0;
        }
        if (e->kind == k && kinds[k].op == OP_INSERT && pg_tables[t].mode == W_UPSERT) {
            /* An upsert again: the last one wins, as if both were run (one statement may not
             * update a row twice). */
            e->x = x;
            return 0;
        }
        if (kind_place(g, k) > g->place[e->kind]) {
            break; /* its statement goes after the last one's: the two stay in order */
        }
        /* The same statement again (a row updated twice), or one that goes before: what is
         * pending goes first. */
        rc = pg_groups_flush(s, d, sent);
        if (rc < 0) {
            return rc;
        }
        i = h & (g->nslots - 1);
        break;
    }
    mem_grow((void **)&g->rows, &g->cap, g->n + 1, sizeof(*g->rows));
    r = &g->rows[g->n];
    *r = (struct pg_group_row){.x = x, .hash = h, .next = -1, .kind = (uint8_t)k};
    if (g->head[k] < 0) {
        g->head[k] = (int32_t)g->n;
        g->place[k] = (uint8_t)g->norder;
        g->order[g->norder++] = (uint8_t)k;
    } else {
        g->rows[g->tail[k]].next = (int32_t)g->n;
    }
    g->tail[k] = (int32_t)g->n;
    g->slots[i] = (int32_t)g->n; /* the key's last write is now this one */
    g->n++;
    return 0;
}

void pg_groups_release(struct pg_store *s)
{
    free(s->groups.rows);
    free(s->groups.slots);
    s->groups = (struct pg_groups){0};
}
