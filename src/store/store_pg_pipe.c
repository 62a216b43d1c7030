/* SPDX-License-Identifier: Apache-2.0 */
/* Batches in flight on PostgreSQL (store.h, "batches in flight"): a batch's transaction is sent
 * whole with its sync point and its results are read later, batch by batch in the order sent,
 * each up to its own sync point. The batch sent behind another begins with the head's row lock
 * and a check, by the server, that the head is the one it was built on (mdt_check_head): it
 * commits only on top of its predecessor, so if that one failed, or another writer committed
 * between them, it fails too and nothing of it is applied. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "store/store_pg_int.h"

static struct pg_pending *pipe_at(struct pg_store *s, int i)
{
    return &s->pipe[(s->pipe_head + i) % PG_PIPE_MAX];
}

/* Send p's transaction and its sync point, reading no result. full: BEGIN and the head's check
 * first (a batch sent behind another, or sent again); else it goes on with the transaction
 * store_begin opened. A send that fails leaves p marked: the connection is gone or unusable, and
 * p's fate is read back when its turn comes. */
static void send_one(struct pg_store *s, struct pg_pending *p, bool full)
{
    struct pg_drain d = {0};
    char seq[24], hash[2 * SHA256_LEN + 3];
    const char *v[2] = {seq, hash};
    int sent = 0;
    int rc = 0;

    if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(s->conn) != 1) {
        p->send_lost = true;
        return;
    }
    s->pipe_sending = true; /* no sync point midway: results are read batch by batch */
    if (full) {
        snprintf(seq, sizeof(seq), "%" PRIu64, p->prev_seq);
        pg_hex_text(p->prev_hash, SHA256_LEN, hash);
        rc = pg_send_params(s, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, &d, &sent);
        if (rc == 0 && PQsendQueryPrepared(s->conn, "mdt_check_head", 2, v, NULL, NULL, 0) != 1) {
            rc = -1;
        }
    }
    if (rc == 0) {
        rc = pg_send_body(s, p, &d, &sent);
    }
    if (rc == 0 && PQsendQueryParams(s->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) != 1) {
        rc = -1;
    }
    if (rc == 0 && PQpipelineSync(s->conn) != 1) {
        rc = -1;
    }
    s->pipe_sending = false;
    p->send_lost = rc < 0;
    MDT_ASSERT(d.first_error == NULL); /* nothing is read while sending */
}

/* p is in flight: the head it makes current becomes the tip the next one builds on. */
static void push(struct pg_store *s, struct pg_pending *p)
{
    p->send_lost = false;
    p->resolved = false;
    p->rc = 0;
    p->why[0] = '\0';
    s->pipe_count++;
    if (p->has_entry) {
        s->tip_seq = p->j.seq;
        memcpy(s->tip_hash, p->j.hash, SHA256_LEN);
    } else {
        s->tip_seq = p->prev_seq;
        memcpy(s->tip_hash, p->prev_hash, SHA256_LEN);
    }
}

int pg_commit_send(struct store *base, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_pending *p = pipe_at(s, 0);

    (void)err;
    MDT_ASSERT(s->in_tx && s->pipe_count == 0);
    MDT_ASSERT(s->pending.has_entry || s->pending.nx > 0);
    *p = s->pending;
    p->prev_seq = s->journal_seq;
    memcpy(p->prev_hash, s->journal_hash, SHA256_LEN);
    push(s, p);
    /* The transaction now belongs to the pipeline. */
    s->in_tx = false;
    s->pending.has_entry = false;
    s->pending.nx = 0;
    send_one(s, p, false);
    return 0;
}

int pg_write_send(struct store *base, const struct ledger_changes *ch, const struct store_extras *x,
                  size_t nx, const char *kind, int64_t now_us, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_pending *p;

    MDT_ASSERT(!s->in_tx && !s->read_only && s->pipe_count < PG_PIPE_MAX);
    if (s->pipe_count == 0) {
        s->tip_seq = s->journal_seq;
        memcpy(s->tip_hash, s->journal_hash, SHA256_LEN);
    }
    p = pipe_at(s, s->pipe_count);
    memset(p, 0, sizeof(*p));
    p->prev_seq = s->tip_seq;
    memcpy(p->prev_hash, s->tip_hash, SHA256_LEN);
    p->ch = ch;
    p->x = x;
    p->nx = nx;
    p->has_entry = pg_journal_fill(&p->j, ch, p->prev_seq, p->prev_hash, kind, now_us);
    push(s, p);
    if (pg_extras_check(x, nx, err) < 0) {
        /* Never sent: it fails in its turn, and takes those behind it along like any failure. */
        p->resolved = true;
        p->rc = MDT_E(INVAL);
        snprintf(p->why, sizeof(p->why), "%s", err != NULL ? err->msg : "unknown channel row");
        return MDT_E(INVAL);
    }
    if (s->pipe_count == 1 && pg_prepare_writes(s, NULL) < 0) {
        p->send_lost = true;
        return 0;
    }
    send_one(s, p, true);
    return 0;
}

/* Leave pipeline mode once every result was read, and end a transaction a failure left open
 * (a batch whose error skipped its COMMIT). */
static void pipeline_close(struct pg_store *s)
{
    if (PQstatus(s->conn) != CONNECTION_OK) {
        return;
    }
    if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF) {
        PQexitPipelineMode(s->conn);
    }
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
    }
}

static void resolved(struct pg_pending *p, int rc, const char *why)
{
    p->resolved = true;
    p->rc = rc;
    snprintf(p->why, sizeof(p->why), "%s", why);
}

/* The connection went away with batches in flight (or could not carry one): a new session, and
 * each batch's fate read back, in order, from its journal entry. */
static void resolve_all(struct pg_store *s)
{
    struct mdt_err e = {0};
    int rc;

    s->retry_at_us = 0;
    rc = pg_reconnect(s, &e);

    if (rc < 0 && PQstatus(s->conn) != CONNECTION_OK) {
        rc = 0; /* pg_resolve waits for the server, with backoff */
    }
    for (int i = 0; i < s->pipe_count; i++) {
        struct pg_pending *p = pipe_at(s, i);
        bool committed = false;

        if (p->resolved) {
            continue;
        }
        if (!p->has_entry) {
            /* Channel rows only: no journal entry says what happened; they are idempotent
             * (inserts of known ids ignored, upserts), so the caller may send them again. */
            resolved(p, MDT_E(IO),
                     "connection to PostgreSQL lost during the COMMIT of channel rows: their fate"
                     " is unknown");
            continue;
        }
        if (rc == 0) {
            rc = pg_resolve(s, p->j.seq, p->j.hash, &committed, &e);
        }
        if (rc < 0) {
            resolved(p, rc, e.msg);
        } else if (committed) {
            resolved(p, 0, "");
        } else {
            resolved(p, MDT_E(IO), "connection to PostgreSQL lost: batch not committed");
        }
    }
}

/* Read the results of every batch behind the oldest (they failed with it: their check, or the
 * aborted transaction, refuses them), then close the pipeline. */
static void drain_behind(struct pg_store *s)
{
    for (int i = 1; i < s->pipe_count; i++) {
        struct pg_drain d = {0};

        if (!pipe_at(s, i)->send_lost && !pipe_at(s, i)->resolved) { /* resolved: never sent */
            pg_drain_sync(s, &d);
        }
        PQclear(d.first_error);
    }
    pipeline_close(s);
}

static bool is_conflict(const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return state != NULL && strcmp(state, "22012") == 0; /* mdt_check_head's division */
}

/* The oldest batch's outcome, read from the server (retried on serialization failures). */
static void read_oldest(struct pg_store *s)
{
    struct pg_pending *p = pipe_at(s, 0);

    for (int attempt = 0; !p->resolved; attempt++) {
        struct pg_drain d = {0};
        struct mdt_err e = {0};
        int rc;

        if (!p->send_lost) {
            pg_drain_sync(s, &d);
        }
        if (!p->send_lost && !d.lost && d.first_error == NULL) {
            resolved(p, 0, "");
            return;
        }
        if (p->send_lost || d.lost) {
            PQclear(d.first_error); /* what the dying connection said: fates are read back */
            resolve_all(s);
            return;
        }
        rc = is_conflict(d.first_error)
                 ? mdt_err_set(&e, MDT_E(CONFLICT),
                               "another writer committed before this batch, which was decided"
                               " on the head before it")
                 : pg_error(s, d.first_error, &e, "commit");
        PQclear(d.first_error);
        drain_behind(s);
        if (d.retry && attempt < PG_RETRY_MAX) {
            /* Refused as a whole (40001, 40P01): every batch in flight again, in order, each
             * in a fresh transaction that checks its head. */
            for (int i = 0; i < s->pipe_count; i++) {
                if (!pipe_at(s, i)->resolved) {
                    send_one(s, pipe_at(s, i), true);
                }
            }
            continue;
        }
        resolved(p, rc, e.msg);
        for (int i = 1; i < s->pipe_count; i++) {
            resolved(pipe_at(s, i), rc == MDT_E(CONFLICT) ? rc : MDT_E(STORE),
                     "not committed: the batch before it failed");
        }
    }
}

int pg_commit_wait(struct store *base, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_pending *p = pipe_at(s, 0);
    int rc;

    MDT_ASSERT(s->pipe_count > 0);
    read_oldest(s);
    rc = p->rc;
    if (rc < 0) {
        mdt_err_set(err, rc, "%s", p->why);
    } else if (p->has_entry) {
        s->journal_seq = p->j.seq;
        memcpy(s->journal_hash, p->j.hash, SHA256_LEN);
        s->seen_seq = s->journal_seq;
    }
    s->pipe_head = (s->pipe_head + 1) % PG_PIPE_MAX;
    s->pipe_count--;
    if (s->pipe_count == 0) {
        pipeline_close(s);
    }
    return rc;
}
