/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's log on PostgreSQL. A batch is one transaction: store_begin takes the journal
 * head's row lock (the write lock: BEGIN and a prepared SELECT ... FOR UPDATE in one round trip),
 * and store_commit sends the logs' rows (one statement a log, its columns as binary arrays:
 * store_pg_array.c), the channel rows, the journal entry, the head's update and COMMIT as
 * prepared statements in libpq's pipeline mode: one more round trip and one WAL flush. That
 * commit is a batch in flight waited for at once (store_pg_pipe.c), which also sends a batch
 * refused with 40001/40P01 again whole in a fresh transaction and resolves a COMMIT lost with
 * the connection by reading back its journal entry. Replay merges the three logs by seq
 * through server-side cursors in one snapshot. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/clock.h"
#include "store/store_pg_int.h"

/* A log's rows from its columns sent as arrays (store_pg_array.c): one unnest() a column in the
 * select list, which PostgreSQL walks in lockstep (arrays of equal length) with no tuplestore;
 * `SELECT * FROM unnest(a, b, ...)` materializes every column first and took 30 % more executor
 * time a row (bench/RESULTS.md). */
#define UNNEST_TRANSFER                                                                            \
    "SELECT unnest($1::int8[]), unnest($2::int8[]), unnest($3::bytea[]), unnest($4::int8[]),"      \
    " unnest($5::int8[]), unnest($6::int8[]), unnest($7::bytea[]), unnest($8::int8[]),"            \
    " unnest($9::int4[]), unnest($10::int4[]), unnest($11::int4[]), unnest($12::int4[]),"          \
    " unnest($13::int4[]), unnest($14::int4[]), unnest($15::int4[]), unnest($16::int8[]),"         \
    " unnest($17::int8[]), unnest($18::int8[]), unnest($19::text[])"

/* Prepared statements of the write path (prepared once per connection, on first write). */
static const struct {
    const char *name, *sql;
    int nparams;
} prepared[] = {
    {"mdt_arr_event",
     "INSERT INTO account_events(" PG_EVENT_COLS ") SELECT unnest($1::int8[]),"
     " unnest($2::int8[]), unnest($3::int8[]), unnest($4::int4[]), unnest($5::int4[]),"
     " unnest($6::int4[]), unnest($7::int4[]), unnest($8::int4[]), unnest($9::text[]),"
     " unnest($10::int8[])",
     PG_EVENT_NCOLS},
    {"mdt_arr_transfer", "INSERT INTO transfers(" PG_TRANSFER_COLS ") " UNNEST_TRANSFER,
     PG_TRANSFER_NCOLS},
    {"mdt_arr_rejection", "INSERT INTO rejections(" PG_TRANSFER_COLS ") " UNNEST_TRANSFER,
     PG_TRANSFER_NCOLS},
    {"mdt_ins_journal",
     "INSERT INTO journal(seq, created_us, kind, detail, transfers, rejections, events, digest,"
     " prev_hash, hash) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
     10},
    {"mdt_set_head", "UPDATE journal_head SET seq = $1, hash = $2 WHERE id = 1", 2},
    /* the write lock: prepared, so that a batch's begin is not planned again every time */
    {"mdt_lock_head", "SELECT seq, hash FROM journal_head WHERE id = 1 FOR UPDATE", 0},
    /* a batch sent behind another (store_pg_pipe.c) takes the same lock and fails, by a division
     * by zero (22012: no advisory lock, no function, so that distributed engines run it too),
     * unless the head is the one it was built on */
    {"mdt_check_head",
     "SELECT 1 / (CASE WHEN seq = $1 AND hash = $2 THEN 1 ELSE 0 END) FROM journal_head"
     " WHERE id = 1 FOR UPDATE",
     2},
};
#define PREPARED_COUNT (sizeof(prepared) / sizeof(prepared[0]))

/* Text parameters of one row: numbers and bytea literals formatted in place. */
struct params {
    char buf[10][72];
    const char *v[10];
};

static const char *p_int(struct params *p, int i, int64_t v)
{
    snprintf(p->buf[i], sizeof(p->buf[i]), "%" PRId64, v);
    p->v[i] = p->buf[i];
    return p->v[i];
}

/* ---- the pipeline ---- */

void pg_drain_sync(struct pg_store *s, struct pg_drain *d)
{
    for (;;) {
        PGresult *res = PQgetResult(s->conn);
        ExecStatusType st;

        if (res == NULL) {
            if (PQstatus(s->conn) != CONNECTION_OK) {
                d->lost = true;
                return;
            }
            continue; /* the end of one statement's results */
        }
        st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            return;
        }
        if (st == PGRES_TUPLES_OK && d->keep_rows) {
            PQclear(d->rows);
            d->rows = res;
            continue;
        }
        if (st == PGRES_FATAL_ERROR && d->first_error == NULL) {
            d->retry = pg_retryable(res);
            d->first_error = res;
            continue;
        }
        PQclear(res);
    }
}

static int pipeline_sync(struct pg_store *s, struct pg_drain *d, int *sent)
{
    if (PQpipelineSync(s->conn) != 1) {
        d->lost = true;
        return -1;
    }
    pg_drain_sync(s, d);
    *sent = 0;
    return d->first_error != NULL || d->lost ? -1 : 0;
}

/* After a statement was queued (ok: libpq took it): count it, and past PG_PIPELINE_CHUNK read
 * the results so far, unless a batch in flight is being sent (its results are read batch by
 * batch). 0, or -1 with d filled. */
static int queued(struct pg_store *s, int ok, struct pg_drain *d, int *sent)
{
    if (ok != 1) {
        d->lost = true;
        return -1;
    }
    if (++*sent >= PG_PIPELINE_CHUNK && !s->pipe_sending) {
        return pipeline_sync(s, d, sent);
    }
    return 0;
}

static int send_prepared(struct pg_store *s, int which, const struct params *p, struct pg_drain *d,
                         int *sent)
{
    return queued(s,
                  PQsendQueryPrepared(s->conn, prepared[which].name, prepared[which].nparams, p->v,
                                      NULL, NULL, 0),
                  d, sent);
}

/* Read the rest of the pipeline up to its sync point (store_pg_migrate.c's inserts). */
int pg_pipeline_end(struct pg_store *s, struct pg_drain *d, int *sent)
{
    return pipeline_sync(s, d, sent);
}

int pg_send_binary(struct pg_store *s, const char *stmt, const char *sql, int n,
                   const char *const *values, const int *lengths, const int *formats,
                   struct pg_drain *d, int *sent)
{
    int ok = stmt != NULL ? PQsendQueryPrepared(s->conn, stmt, n, values, lengths, formats, 0)
                          : PQsendQueryParams(s->conn, sql, n, NULL, values, lengths, formats, 0);

    return queued(s, ok, d, sent);
}

int pg_send_params(struct pg_store *s, const char *sql, int n, const char *const *values,
                   struct pg_drain *d, int *sent)
{
    return queued(s, PQsendQueryParams(s->conn, sql, n, NULL, values, NULL, NULL, 0), d, sent);
}


static int send_journal(struct pg_store *s, const struct journal_entry *j, struct pg_drain *d,
                        int *sent)
{
    struct params p;
    int rc;

    p_int(&p, 0, (int64_t)j->seq);
    p_int(&p, 1, j->created_us);
    p.v[2] = j->kind;
    p.v[3] = j->detail;
    p_int(&p, 4, j->transfers);
    p_int(&p, 5, j->rejections);
    p_int(&p, 6, j->events);
    pg_hex_text(j->digest, SHA256_LEN, p.buf[7]);
    pg_hex_text(j->prev_hash, SHA256_LEN, p.buf[8]);
    pg_hex_text(j->hash, SHA256_LEN, p.buf[9]);
    p.v[7] = p.buf[7];
    p.v[8] = p.buf[8];
    p.v[9] = p.buf[9];
    rc = send_prepared(s, 3, &p, d, sent);
    if (rc == 0) {
        p_int(&p, 0, (int64_t)j->seq);
        p.v[1] = p.buf[9];
        rc = send_prepared(s, 4, &p, d, sent);
    }
    return rc;
}

int pg_send_body(struct pg_store *s, const struct pg_pending *pb, struct pg_drain *d, int *sent)
{
    int rc = 0;

    /* The three logs' rows by arrays, then the state changes of earlier transfers. */
    if (pb->has_entry) {
        rc = pg_send_logs(s, pb->ch, pb->j.seq, d, sent);
    }
    if (rc == 0) {
        rc = pg_send_extras(s, pb->x, pb->nx, d, sent);
    }
    if (rc == 0 && pb->has_entry) {
        rc = send_journal(s, &pb->j, d, sent);
    }
    return rc;
}

/* ---- replay: merge the three logs by seq ---- */

static int cursor_fetch(struct pg_store *s, struct pg_cursor *c, struct mdt_err *err)
{
    char sql[64];

    PQclear(c->res);
    snprintf(sql, sizeof(sql), "FETCH %d FROM %s", PG_FETCH_ROWS, c->name);
    c->res = PQexec(s->conn, sql);
    c->row = 0;
    if (PQresultStatus(c->res) != PGRES_TUPLES_OK) {
        c->live = false;
        return pg_error(s, c->res, err, "load");
    }
    c->done = PQntuples(c->res) < PG_FETCH_ROWS;
    c->live = PQntuples(c->res) > 0;
    return 0;
}

int pg_cursor_next(struct pg_store *s, struct pg_cursor *c, struct mdt_err *err)
{
    c->row++;
    if (c->row < PQntuples(c->res)) {
        return 0;
    }
    if (c->done) {
        c->live = false;
        return 0;
    }
    return cursor_fetch(s, c, err);
}

int pg_cursor_open(struct pg_store *s, struct pg_cursor *c, const char *name, const char *query,
                   struct mdt_err *err)
{
    char decl[2048];
    int rc;

    snprintf(c->name, sizeof(c->name), "%s", name);
    if ((size_t)snprintf(decl, sizeof(decl), "DECLARE %s NO SCROLL CURSOR FOR %s", c->name,
                         query) >= sizeof(decl)) {
        return mdt_err_set(err, MDT_E(RANGE), "query too long for a cursor");
    }
    rc = pg_run(s, decl, err);
    if (rc == 0) {
        rc = cursor_fetch(s, c, err);
    }
    if (rc < 0) {
        c->name[0] = '\0';
    }
    return rc;
}

void pg_cursor_close(struct pg_store *s, struct pg_cursor *c)
{
    if (c->name[0] != '\0' && PQtransactionStatus(s->conn) == PQTRANS_INTRANS) {
        char sql[48];

        snprintf(sql, sizeof(sql), "CLOSE %s", c->name);
        PQclear(PQexec(s->conn, sql));
    }
    c->name[0] = '\0';
    PQclear(c->res);
    c->res = NULL;
    c->live = false;
}

int pg_cursors_open(struct pg_store *s, struct pg_cursor c[3], uint64_t after, struct mdt_err *err)
{
    static const char *const from[3][2] = {
        {PG_EVENT_COLS, "account_events"},
        {PG_TRANSFER_COLS, "transfers"},
        {PG_TRANSFER_COLS, "rejections"},
    };
    char query[512], name[24];
    int rc = 0;

    for (int i = 0; i < 3 && rc == 0; i++) {
        snprintf(query, sizeof(query), "SELECT %s FROM %s WHERE seq > %" PRIu64 " ORDER BY seq",
                 from[i][0], from[i][1], after);
        snprintf(name, sizeof(name), "mdt_log%d", i);
        rc = pg_cursor_open(s, &c[i], name, query, err);
    }
    return rc;
}

void pg_cursors_close(struct pg_store *s, struct pg_cursor c[3])
{
    for (int i = 0; i < 3; i++) {
        pg_cursor_close(s, &c[i]);
    }
}

static uint64_t cursor_seq(const struct pg_cursor *c)
{
    return c->live ? (uint64_t)pg_int(c->res, c->row, 0) : UINT64_MAX;
}

static int replay_step(struct pg_store *s, struct pg_cursor c[3],
                       const struct store_replay_fns *fns, void *ctx, struct mdt_err *err)
{
    uint64_t a = cursor_seq(&c[0]), b = cursor_seq(&c[1]), r = cursor_seq(&c[2]);
    int pick = (a < b && a < r) ? 0 : (b < r ? 1 : 2);
    struct transfer t;
    struct account_event e;
    int rc;

    if (pick == 0) {
        pg_row_event(c[0].res, c[0].row, &e);
        rc = fns->event(ctx, &e, err);
    } else {
        pg_row_transfer(c[pick].res, c[pick].row, &t);
        rc = pick == 1 ? fns->transfer(ctx, &t, err) : fns->rejection(ctx, &t, err);
    }
    if (rc == 0) {
        rc = pg_cursor_next(s, &c[pick], err);
    }
    return rc;
}

int pg_read_tx_begin(struct pg_store *s, bool *own, struct mdt_err *err)
{
    int rc = 0;

    *own = !s->in_tx;
    if (*own) {
        rc = pg_connected(s, err);
    }
    if (rc == 0 && *own) {
        rc = pg_run(s, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
    }
    return rc;
}

void pg_read_tx_end(struct pg_store *s, bool own)
{
    if (own) {
        PQclear(PQexec(s->conn, "COMMIT"));
    }
}

int pg_replay(struct store *base, uint64_t after, const struct store_replay_fns *fns, void *ctx,
              struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_cursor c[3];
    bool own = false;
    int rc;

    memset(c, 0, sizeof(c));
    rc = pg_read_tx_begin(s, &own, err);
    if (rc < 0) {
        return rc;
    }
    rc = pg_cursors_open(s, c, after, err);
    while (rc == 0 && (c[0].live || c[1].live || c[2].live)) {
        rc = replay_step(s, c, fns, ctx, err);
    }
    pg_cursors_close(s, c);
    pg_read_tx_end(s, own);
    return rc;
}

/* ---- writing ---- */

int pg_changed(struct store *base, bool *changed, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    PGresult *res = NULL;
    uint64_t seq;
    int rc;

    MDT_ASSERT(s->pipe_count == 0);
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s, "SELECT seq FROM journal_head WHERE id = 1", 0, NULL, &res, err);
    }
    if (rc < 0) {
        return rc;
    }
    seq = (uint64_t)pg_int(res, 0, 0);
    PQclear(res);
    *changed = seq != s->seen_seq;
    s->seen_seq = seq;
    return 0;
}

int pg_prepare_writes(struct pg_store *s, struct mdt_err *err)
{
    int rc = 0;

    if (s->prepared) {
        return 0;
    }
    for (size_t i = 0; rc == 0 && i < PREPARED_COUNT; i++) {
        PGresult *res = PQprepare(s->conn, prepared[i].name, prepared[i].sql, 0, NULL);

        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = pg_error(s, res, err, "prepare statement");
        }
        PQclear(res);
    }
    if (rc == 0) {
        rc = pg_channel_prepare(s, err);
    }
    s->prepared = rc == 0;
    return rc;
}

/* BEGIN and the head's row lock (prepared: no planning), in one pipeline: one round trip. */
static int begin_locked(struct pg_store *s, struct mdt_err *err)
{
    struct pg_drain d = {.keep_rows = true};
    int sent = 0;
    int rc;

    if (PQenterPipelineMode(s->conn) != 1) {
        return pg_error(s, NULL, err, "begin");
    }
    rc = pg_send_params(s, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, &d, &sent);
    if (rc == 0 && PQsendQueryPrepared(s->conn, "mdt_lock_head", 0, NULL, NULL, NULL, 0) != 1) {
        d.lost = true;
        rc = -1;
    }
    if (rc == 0) {
        rc = pipeline_sync(s, &d, &sent);
    }
    if (PQstatus(s->conn) == CONNECTION_OK) {
        PQexitPipelineMode(s->conn);
    }
    if (d.first_error != NULL || d.lost || d.rows == NULL) {
        rc = pg_error(s, d.first_error, err, "begin");
        PQclear(d.first_error);
        PQclear(d.rows);
        return rc;
    }
    return pg_head_parse(s, d.rows, err);
}

int pg_begin(struct store *base, bool *changed, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    int rc;

    MDT_ASSERT(!s->in_tx && !s->read_only && s->pipe_count == 0);
    rc = pg_connected(s, err);
    if (rc < 0) {
        return rc;
    }
    rc = pg_prepare_writes(s, err);
    if (rc < 0) {
        return rc;
    }
    rc = begin_locked(s, err);
    if (rc < 0 && PQstatus(s->conn) != CONNECTION_OK) {
        /* The connection died while idle (a server restarted since the last batch): nothing
         * was written, so a new session may take the lock at once. */
        s->retry_at_us = 0;
        rc = pg_connected(s, err);
        if (rc == 0) {
            rc = pg_prepare_writes(s, err);
        }
        if (rc == 0) {
            rc = begin_locked(s, err);
        }
    }
    if (rc < 0) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        return rc;
    }
    s->in_tx = true;
    s->pending.has_entry = false;
    s->pending.nx = 0;
    /* Under the lock no other batch can commit: the head says whether one did since we looked. */
    *changed = s->journal_seq != s->seen_seq;
    s->seen_seq = s->journal_seq;
    return 0;
}

int pg_write(struct store *base, const struct ledger_changes *ch, const struct store_extras *x,
             size_t nx, const char *kind, int64_t now_us, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct journal_entry *j = &s->pending.j;

    MDT_ASSERT(s->in_tx);
    if (pg_extras_check(x, nx, err) < 0) {
        return MDT_E(INVAL);
    }
    s->pending.x = x;
    s->pending.nx = nx;
    s->pending.ch = ch;
    s->pending.has_entry = pg_journal_fill(j, ch, s->journal_seq, s->journal_hash, kind, now_us);
    return 0;
}

bool pg_journal_fill(struct journal_entry *j, const struct ledger_changes *ch, uint64_t prev_seq,
                     const uint8_t prev_hash[SHA256_LEN], const char *kind, int64_t now_us)
{
    /* Channel rows alone make no journal entry: the journal is the ledger's. */
    if (ch->transfer_count + ch->rejection_count + ch->event_count == 0) {
        return false;
    }
    memset(j, 0, sizeof(*j));
    j->seq = prev_seq + 1;
    j->created_us = now_us;
    snprintf(j->kind, sizeof(j->kind), "%s", kind);
    snprintf(j->detail, sizeof(j->detail), "%zu transfers, %zu rejections, %zu account events",
             ch->transfer_count, ch->rejection_count, ch->event_count);
    j->transfers = (uint32_t)ch->transfer_count;
    j->rejections = (uint32_t)ch->rejection_count;
    j->events = (uint32_t)ch->event_count;
    store_digest(ch->events, ch->event_count, ch->transfers, ch->transfer_count, ch->rejections,
                 ch->rejection_count, j->digest);
    memcpy(j->prev_hash, prev_hash, SHA256_LEN);
    store_journal_hash(j, j->hash);
    return true;
}

/* Nothing can commit while the server is away, so waiting for it here costs nothing; until the
 * entry is read back nobody is answered. */
int pg_resolve(struct pg_store *s, uint64_t jseq, const uint8_t jhash[SHA256_LEN], bool *committed,
               struct mdt_err *err)
{
    char seq[24], hash[2 * SHA256_LEN + 3];
    const char *params[2] = {seq, hash};
    int64_t give_up = clock_mono_us() + (int64_t)PG_RESOLVE_MAX_MS * 1000;
    PGresult *res = NULL;
    int rc;

    s->retry_at_us = 0;
    for (;;) {
        rc = pg_connected(s, err);
        if (rc == 0 || clock_mono_us() >= give_up) {
            break;
        }
        usleep((useconds_t)(s->retry_at_us > clock_mono_us() ? s->retry_at_us - clock_mono_us()
                                                             : 1000));
    }
    if (rc < 0) {
        return mdt_err_set(err, MDT_E(IO),
                           "connection to PostgreSQL lost during COMMIT of journal entry %" PRIu64
                           " and not back: its fate is unknown until the next start reads it",
                           jseq);
    }
    snprintf(seq, sizeof(seq), "%" PRIu64, jseq);
    pg_hex_text(jhash, SHA256_LEN, hash);
    if (rc == 0) {
        rc =
            pg_query(s, "SELECT 1 FROM journal WHERE seq = $1 AND hash = $2", 2, params, &res, err);
    }
    if (rc == 0) {
        *committed = PQntuples(res) == 1;
    }
    PQclear(res);
    return rc;
}

int pg_commit(struct store *base, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    int rc;

    MDT_ASSERT(s->in_tx);
    if (s->pending.has_entry || s->pending.nx > 0) {
        /* Sent as a batch in flight and waited for at once: one way to commit, to retry a
         * serialization failure and to read back a COMMIT lost with the connection. */
        pg_commit_send(base, err);
        return pg_commit_wait(base, err);
    }
    rc = pg_run(s, "COMMIT", err);
    s->in_tx = false;
    if (rc < 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
    }
    return rc;
}

void pg_rollback(struct store *base)
{
    struct pg_store *s = (struct pg_store *)base;

    if (s->in_tx) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        s->in_tx = false;
    }
    s->pending.has_entry = false;
    s->pending.nx = 0;
}

/* ---- reading ---- */

int pg_read_begin(struct store *base, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    int rc;

    MDT_ASSERT(!s->in_tx && s->pipe_count == 0);
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_run(s, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
    }
    if (rc == 0) {
        s->in_tx = true;
    }
    return rc;
}

void pg_read_end(struct store *base)
{
    struct pg_store *s = (struct pg_store *)base;

    if (s->in_tx) {
        PQclear(PQexec(s->conn, "COMMIT"));
        s->in_tx = false;
    }
}
