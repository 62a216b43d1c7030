/* SPDX-License-Identifier: Apache-2.0 */
/* What the PostgreSQL store reads for people and for checks: statements, one transfer, the
 * journal, each batch's digest recomputed from its rows, per-account sums computed by the
 * server, and the row checks (unique ids, pending states). Every walk goes through a server-side
 * cursor in one REPEATABLE READ snapshot, so memory stays bounded and reads agree. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "store/store_int.h"
#include "store/store_pg_int.h"

/* One callback per row of a result page. */
typedef int (*row_fn)(void *ctx, const PGresult *r, int row);

static int walk(struct pg_store *s, const char *query, row_fn fn, void *ctx, struct mdt_err *err)
{
    struct pg_cursor c;
    bool own = false;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = pg_read_tx_begin(s, &own, err);
    if (rc < 0) {
        return rc;
    }
    rc = pg_cursor_open(s, &c, "mdt_walk", query, err);
    while (rc == 0 && c.live) {
        rc = fn(ctx, c.res, c.row);
        if (rc == 0) {
            rc = pg_cursor_next(s, &c, err);
        }
    }
    pg_cursor_close(s, &c);
    pg_read_tx_end(s, own);
    return rc;
}

struct transfer_walk {
    store_transfer_fn fn;
    void *ctx;
};

static int transfer_row(void *ctx, const PGresult *r, int row)
{
    struct transfer_walk *w = ctx;
    struct transfer t;

    pg_row_transfer(r, row, &t);
    return w->fn(w->ctx, &t);
}

static int statement_walk(struct pg_store *s, uint64_t account_id, uint64_t after_seq,
                          uint32_t limit, store_transfer_fn fn, void *ctx, struct mdt_err *err)
{
    struct transfer_walk w = {fn, ctx};
    char sql[512], lim[32] = "";

    if (limit > 0) {
        snprintf(lim, sizeof(lim), " LIMIT %" PRIu32, limit);
    }
    snprintf(sql, sizeof(sql),
             "SELECT " PG_TRANSFER_COLS " FROM transfers WHERE seq > %" PRIu64
             " AND (debit_account_id = %" PRId64 " OR credit_account_id = %" PRId64
             ") ORDER BY seq%s",
             after_seq, (int64_t)account_id, (int64_t)account_id, lim);
    return walk(s, sql, transfer_row, &w, err);
}

int pg_statement(struct store *base, uint64_t account_id, store_transfer_fn fn, void *ctx,
                 struct mdt_err *err)
{
    return statement_walk((struct pg_store *)base, account_id, 0, 0, fn, ctx, err);
}

int pg_statement_page(struct store *base, uint64_t account_id, uint64_t after_seq, uint32_t limit,
                      store_transfer_fn fn, void *ctx, struct mdt_err *err)
{
    return statement_walk((struct pg_store *)base, account_id, after_seq, limit, fn, ctx, err);
}

int pg_transfer_get(struct store *base, struct id128 id, struct transfer *out, struct mdt_err *err)
{
    static const char *const sql[] = {
        "SELECT " PG_TRANSFER_COLS " FROM transfers WHERE id = $1",
        "SELECT " PG_TRANSFER_COLS " FROM rejections WHERE id = $1",
    };
    struct pg_store *s = (struct pg_store *)base;
    char idt[35];
    const char *params[1] = {idt};
    int rc = MDT_E(NOTFOUND);

    if (pg_connected(s, err) < 0) {
        return MDT_E(IO);
    }
    pg_id_text(id, idt);
    for (int i = 0; i < 2 && rc == MDT_E(NOTFOUND); i++) {
        PGresult *res = NULL;
        int q = pg_query(s, sql[i], 1, params, &res, err);

        if (q < 0) {
            return q;
        }
        if (PQntuples(res) > 0) {
            pg_row_transfer(res, 0, out);
            rc = 0;
        }
        PQclear(res);
    }
    if (rc == MDT_E(NOTFOUND)) {
        mdt_err_set(err, rc, "no transfer with this id");
    }
    return rc;
}

#define JOURNAL_QUERY                                                                              \
    "SELECT seq, created_us, kind, detail, transfers, rejections, events, digest, prev_hash,"      \
    " hash FROM journal ORDER BY seq"

static void row_journal(const PGresult *r, int row, struct journal_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->seq = (uint64_t)pg_int(r, row, 0);
    e->created_us = pg_int(r, row, 1);
    snprintf(e->kind, sizeof(e->kind), "%s", PQgetvalue(r, row, 2));
    snprintf(e->detail, sizeof(e->detail), "%s", PQgetvalue(r, row, 3));
    e->transfers = (uint32_t)pg_int(r, row, 4);
    e->rejections = (uint32_t)pg_int(r, row, 5);
    e->events = (uint32_t)pg_int(r, row, 6);
    pg_bytes(r, row, 7, e->digest, SHA256_LEN);
    pg_bytes(r, row, 8, e->prev_hash, SHA256_LEN);
    pg_bytes(r, row, 9, e->hash, SHA256_LEN);
}

struct journal_walk {
    store_journal_fn fn;
    void *ctx;
};

static int journal_row(void *ctx, const PGresult *r, int row)
{
    struct journal_walk *w = ctx;
    struct journal_entry e;

    row_journal(r, row, &e);
    return w->fn(w->ctx, &e);
}

int pg_journal(struct store *base, store_journal_fn fn, void *ctx, struct mdt_err *err)
{
    struct journal_walk w = {fn, ctx};

    return walk((struct pg_store *)base, JOURNAL_QUERY, journal_row, &w, err);
}

/* ---- verification ---- */

static uint64_t cursor_batch(const struct pg_cursor *c)
{
    return c->live ? (uint64_t)pg_int(c->res, c->row, 1) : UINT64_MAX;
}

/* Collect the rows of one batch from the three cursors (each ordered by seq, hence by batch). */
static int collect_batch(struct pg_store *s, struct pg_cursor c[3], uint64_t batch,
                         struct ledger_changes *ch, struct mdt_err *err)
{
    int rc = 0;

    ledger_changes_reset(ch);
    while (rc == 0 && cursor_batch(&c[0]) == batch) {
        mem_grow((void **)&ch->events, &ch->event_cap, ch->event_count + 1, sizeof(*ch->events));
        pg_row_event(c[0].res, c[0].row, &ch->events[ch->event_count++]);
        rc = pg_cursor_next(s, &c[0], err);
    }
    while (rc == 0 && cursor_batch(&c[1]) == batch) {
        mem_grow((void **)&ch->transfers, &ch->transfer_cap, ch->transfer_count + 1,
                 sizeof(*ch->transfers));
        pg_row_transfer(c[1].res, c[1].row, &ch->transfers[ch->transfer_count++]);
        rc = pg_cursor_next(s, &c[1], err);
    }
    while (rc == 0 && cursor_batch(&c[2]) == batch) {
        mem_grow((void **)&ch->rejections, &ch->rejection_cap, ch->rejection_count + 1,
                 sizeof(*ch->rejections));
        pg_row_transfer(c[2].res, c[2].row, &ch->rejections[ch->rejection_count++]);
        rc = pg_cursor_next(s, &c[2], err);
    }
    return rc;
}

static int verify_entries(struct pg_store *s, struct pg_cursor *js, struct pg_cursor c[3],
                          store_digest_fn fn, void *ctx, struct mdt_err *err)
{
    struct ledger_changes ch = {0};
    struct journal_entry e;
    uint8_t digest[SHA256_LEN];
    int rc = 0;

    while (rc == 0 && js->live) {
        row_journal(js->res, js->row, &e);
        rc = collect_batch(s, c, e.seq, &ch, err);
        if (rc < 0) {
            break;
        }
        store_batch_normalise(&ch);
        store_digest(ch.events, ch.event_count, ch.transfers, ch.transfer_count, ch.rejections,
                     ch.rejection_count, digest);
        rc = fn(ctx, &e, digest, 0);
        if (rc == 0) {
            rc = pg_cursor_next(s, js, err);
        }
    }
    ledger_changes_release(&ch);
    return rc;
}

int pg_journal_verify(struct store *base, store_digest_fn fn, void *ctx, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_cursor c[3], js;
    uint64_t orphans = 0;
    bool own = false;
    int rc;

    memset(c, 0, sizeof(c));
    memset(&js, 0, sizeof(js));
    rc = pg_read_tx_begin(s, &own, err);
    if (rc < 0) {
        return rc;
    }
    rc = pg_cursors_open(s, c, 0, err);
    if (rc == 0) {
        rc = pg_cursor_open(s, &js, "mdt_journal", JOURNAL_QUERY, err);
    }
    if (rc == 0) {
        rc = verify_entries(s, &js, c, fn, ctx, err);
    }
    for (int i = 0; rc == 0 && i < 3; i++) {
        while (rc == 0 && c[i].live) {
            orphans++;
            rc = pg_cursor_next(s, &c[i], err);
        }
    }
    if (rc == 0 && orphans > 0) {
        rc = fn(ctx, NULL, NULL, orphans);
    }
    pg_cursor_close(s, &js);
    pg_cursors_close(s, c);
    pg_read_tx_end(s, own);
    return rc;
}

/* ---- sums and checks, computed by the server ---- */

struct sums_walk {
    store_sums_fn fn;
    void *ctx;
};

static int sums_row(void *ctx, const PGresult *r, int row)
{
    struct sums_walk *w = ctx;
    struct store_account_sums sum = {
        .account_id = (uint64_t)pg_int(r, row, 0),
        .debits_posted = pg_int(r, row, 1),
        .credits_posted = pg_int(r, row, 2),
        .debits_pending = pg_int(r, row, 3),
        .credits_pending = pg_int(r, row, 4),
    };

    return w->fn(w->ctx, &sum);
}

/* The same query as SQLite's (store_int.h), computed by the server. */
int pg_sums(struct store *base, store_sums_fn fn, void *ctx, struct mdt_err *err)
{
    struct sums_walk w = {fn, ctx};

    return walk((struct pg_store *)base, STORE_SUMS_SQL, sums_row, &w, err);
}

struct check_walk {
    store_report_fn report;
    void *ctx;
    uint64_t *violations;
};

static int duplicate_row(void *ctx, const PGresult *r, int row)
{
    struct check_walk *w = ctx;

    store_report(w->report, w->ctx, w->violations,
                 "transfer id %s is stored %" PRId64 " times: ids must be unique",
                 PQgetvalue(r, row, 0), pg_int(r, row, 1));
    return 0;
}

static int pending_row(void *ctx, const PGresult *r, int row)
{
    struct check_walk *w = ctx;
    int64_t state = pg_int(r, row, 1), closes = pg_int(r, row, 2);
    int want = store_pending_expected(closes, pg_int(r, row, 3));

    if (closes > 1 || state != want) {
        store_report(w->report, w->ctx, w->violations,
                     "pending transfer at seq %" PRId64 ": state %s, closed by %" PRId64
                     " rows (expected %s)",
                     pg_int(r, row, 0), transfer_state_name((int)state), closes,
                     transfer_state_name(want));
    }
    return 0;
}

int pg_check_rows(struct store *base, store_report_fn report, void *ctx, uint64_t *violations,
                  struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct check_walk w = {report, ctx, violations};
    int rc;

    *violations = 0;
    rc = walk(s,
              "SELECT encode(id, 'hex'), count(*) FROM (SELECT id FROM transfers"
              " UNION ALL SELECT id FROM rejections) u GROUP BY id HAVING count(*) > 1",
              duplicate_row, &w, err);
    if (rc == 0) {
        rc = walk(s,
                  "SELECT p.seq, p.state, count(c.link_id), coalesce(max(c.flags), 0)"
                  " FROM transfers p LEFT JOIN (SELECT link_id, flags FROM transfers"
                  " WHERE flags & 28 != 0) c ON c.link_id = p.id WHERE p.flags & 2 != 0"
                  " GROUP BY p.seq, p.state",
                  pending_row, &w, err);
    }
    if (rc == 0) {
        rc = pg_check_cards(s, report, ctx, violations, err);
    }
    if (rc == 0) {
        rc = pg_check_iso(s, report, ctx, violations, err);
    }
    return rc;
}
