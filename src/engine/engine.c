/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger thread: bounded queue in, group commit through the store, results out only after
 * the batch is durable. Everything that arrives during a commit joins the next batch, so one
 * fsync is shared by as many operations as are waiting (TigerBeetle's design). */
#include "engine/engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/metrics.h"
#include "engine/recovery.h"

/* Idle poll for rows written by another process (the mandat CLI beside mandatd). */
#define ENGINE_SYNC_POLL_US 1000000

/* While the store cannot commit, the ledger thread probes it this often when no batch comes
 * (the channels push back, so none may come): a write transaction opened and rolled back. */
#define ENGINE_PROBE_US 250000

/* After another process committed between two batches in flight (the second one's submissions
 * then fail: they were decided on a view without that write), batches are decided one at a
 * time, under the store's write lock, for this long: a script of CLI commands run while
 * mandatd is busy costs one batch, not one a command. */
#define ENGINE_SERIAL_AFTER_CONFLICT_US 10000000

struct submission {
    struct ledger_op *ops; /* owned copy; NULL when n is 0 */
    size_t n;
    struct store_extra *rows; /* borrowed from the submitter */
    size_t row_count, row_cap;
    engine_hook_fn hook;
    struct ledger_result *results;
    void *ctx;
    engine_done_fn done;
};

/* A batch: its submissions, their channel rows and the ledger's changes, from the moment it is
 * taken from the queue until its submitters are told. Two with a store that keeps batches in
 * flight (store_pipelines): one committing while the next is decided. */
struct slot {
    struct submission *batch;
    struct store_extras *rows;
    struct ledger_changes ch;
    size_t nsub, expired;
    int64_t t0;
    bool sent; /* in flight in the store: store_commit_wait tells */
    int rc;    /* a failure before anything was sent */
};

struct read_req {
    void (*fn)(void *ctx, const struct ledger *l);
    void *ctx;
    bool done;
    bool async; /* engine_read_async: the engine owns and frees it, nobody waits */
    struct read_req *next;
};

struct engine {
    struct ledger_config cfg;
    struct store *store;
    struct ledger *ledger;
    uint32_t batch_max, queue_depth;
    int64_t (*clock_us)(void);
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* work for the ledger thread */
    pthread_cond_t read_cv; /* a read request finished */
    /* ring of submissions; guarded by mu */
    struct submission *ring;
    size_t ring_cap, head, count, queued_ops;
    struct read_req *reads;
    bool stopping;
    /* ledger thread only: a failed batch's view could not be rebuilt (the store did not answer,
     * as a database server down may not): rebuilt before the next batch decides anything */
    bool view_stale;
    /* ledger thread only: the batches, slot[(slot_head + i) % STORE_PIPE_MAX] for the i-th of
     * the inflight ones in flight (the serial path uses slot[0]); the first failure among those
     * in flight (the view is rebuilt once they are all told), and until when batches go one
     * at a time after a conflict */
    struct slot slot[STORE_PIPE_MAX];
    unsigned slot_head, inflight;
    bool pipelined;
    int pipe_rc;
    int64_t serial_until_us;
    struct engine_stats stats; /* guarded by mu */
    /* 0 while the store commits; else the wall-clock µs of the first failure since the last
     * success. Written by the ledger thread, read by any thread (engine_store_down_since). */
    _Atomic int64_t down_since_us;
};

/* The ledger thread only: record the outcome of a write attempt. */
static void store_health(struct engine *e, bool ok, const char *why)
{
    int64_t was = atomic_load_explicit(&e->down_since_us, memory_order_relaxed);

    if (ok && was != 0) {
        atomic_store_explicit(&e->down_since_us, 0, memory_order_relaxed);
        log_info("the store commits again after %lld ms: channels take messages again",
                 (long long)((clock_now_us() - was) / 1000));
    } else if (!ok && was == 0) {
        atomic_store_explicit(&e->down_since_us, clock_now_us(), memory_order_relaxed);
        log_error("the store cannot commit (%s): channels push back until it can", why);
    }
}

static int rebuild_view(struct engine *e, struct mdt_err *err)
{
    struct ledger *l = NULL;
    int rc = ledger_create(&e->cfg, &l);

    if (rc < 0) {
        return mdt_err_set(err, rc, "cannot create the ledger view: %s", mdt_strerror(rc));
    }
    rc = recovery_replay(e->store, l, err);
    if (rc < 0) {
        ledger_free(l);
        return rc;
    }
    ledger_free(e->ledger);
    e->ledger = l;
    return 0;
}

/* Bring the view up to date with rows another process committed. */
static int sync_view(struct engine *e, bool in_tx_changed, struct mdt_err *err)
{
    bool changed = in_tx_changed;
    int rc = 0;

    if (!changed) {
        rc = store_changed(e->store, &changed, err);
    }
    if (rc == 0 && changed) {
        rc = recovery_replay(e->store, e->ledger, err);
        pthread_mutex_lock(&e->mu);
        e->stats.reloads++;
        pthread_mutex_unlock(&e->mu);
    }
    return rc;
}

/* Open a write transaction and bring the view in line with the store first (rebuilt after a
 * failure that left it stale, or replayed when another process wrote). */
static int begin(struct engine *e, struct mdt_err *err)
{
    bool changed = false;
    int rc = store_begin(e->store, &changed, err);

    if (rc == 0 && e->view_stale) {
        rc = rebuild_view(e, err);
        e->view_stale = rc < 0;
    } else if (rc == 0 && changed) {
        rc = sync_view(e, true, err);
    }
    return rc;
}

/* Decide sl's submissions on the view, expiring what is due first, and gather their channel
 * rows (the hooks run here): the number of rows the batch writes. */
static size_t decide(struct engine *e, struct slot *sl, int64_t now_us)
{
    struct ledger_changes *ch = &sl->ch;
    size_t rows = 0;

    ledger_changes_reset(ch);
    sl->expired = ledger_expire(e->ledger, now_us, ENGINE_EXPIRE_MAX, ch);
    for (size_t i = 0; i < sl->nsub; i++) {
        struct submission *s = &sl->batch[i];

        if (s->n > 0) {
            ledger_execute(e->ledger, s->ops, s->n, now_us, s->results, ch);
        }
        if (s->hook != NULL) {
            s->row_count =
                s->hook(s->ctx, e->ledger, s->results, s->n, s->rows, s->row_count, s->row_cap);
            MDT_ASSERT(s->row_count <= s->row_cap);
        }
        sl->rows[i] = (struct store_extras){.rows = s->rows, .count = s->row_count};
        rows += s->row_count;
    }
    return rows + ch->transfer_count + ch->rejection_count + ch->event_count;
}

/* A batch committed: count it. */
static void committed(struct engine *e, size_t nsub, int64_t t0)
{
    uint64_t us = (uint64_t)(clock_mono_us() - t0);

    metrics_observe(METRIC_BATCH_SIZE, nsub);
    metrics_observe(METRIC_COMMIT_SECONDS, us);
    store_health(e, true, NULL);
    pthread_mutex_lock(&e->mu);
    e->stats.batches++;
    e->stats.commit_us_total += us;
    if (us > e->stats.commit_us_max) {
        e->stats.commit_us_max = us;
    }
    pthread_mutex_unlock(&e->mu);
}

/* A batch not committed (nothing of it applied). */
static void not_committed(struct engine *e, size_t nsub, int rc, const char *why)
{
    if (rc == MDT_E(CONFLICT)) {
        log_info("batch of %zu submissions refused, to be sent again by its channels: %s", nsub,
                 why);
    } else {
        log_error("batch of %zu submissions not committed: %s", nsub, why);
        store_health(e, false, why);
    }
    pthread_mutex_lock(&e->mu);
    e->stats.commits_failed++;
    pthread_mutex_unlock(&e->mu);
}

/* The view ran ahead of the store: rebuild it from what is durable. */
static void view_reset(struct engine *e)
{
    struct mdt_err err = {0};

    if (rebuild_view(e, &err) < 0) {
        log_error("cannot rebuild the ledger view: %s", err.msg);
        e->view_stale = true;
    }
}

/* Execute and commit one batch, waiting for it. Returns 0 or the store's error (then nothing
 * was applied and the view has been rebuilt from the store). */
static int run_batch(struct engine *e, struct slot *sl, int64_t now_us)
{
    struct mdt_err err = {0};
    int64_t t0 = clock_mono_us();
    int rc = begin(e, &err);

    if (rc < 0) {
        goto fail;
    }
    if (decide(e, sl, now_us) == 0) {
        store_rollback(e->store);
        return 0;
    }
    rc = store_write(e->store, &sl->ch, sl->rows, sl->nsub, "batch", now_us, &err);
    if (rc == 0) {
        rc = store_commit(e->store, &err);
    }
    if (rc < 0) {
        goto fail;
    }
    committed(e, sl->nsub, t0);
    return 0;
fail:
    store_rollback(e->store);
    not_committed(e, sl->nsub, rc, err.msg);
    view_reset(e);
    sl->expired = 0;
    return rc;
}

/* Move up to batch_max queued ops (whole submissions, at least one) into sl. */
static size_t take_batch(struct engine *e, struct slot *sl)
{
    size_t nsub = 0, nops = 0;

    while (e->count > 0) {
        struct submission *s = &e->ring[e->head];

        size_t weight = s->n + s->row_cap;

        if (nsub > 0 && nops + weight > e->batch_max) {
            break;
        }
        sl->batch[nsub++] = *s;
        nops += weight;
        e->head = (e->head + 1) % e->ring_cap;
        e->count--;
        e->queued_ops -= weight;
    }
    sl->nsub = nsub;
    sl->expired = 0;
    return nsub;
}

static void run_reads(struct engine *e, struct read_req *r)
{
    while (r != NULL) {
        struct read_req *next = r->next;

        r->fn(r->ctx, e->ledger);
        if (r->async) {
            free(r);
            r = next;
            continue;
        }
        pthread_mutex_lock(&e->mu);
        r->done = true;
        pthread_cond_broadcast(&e->read_cv);
        pthread_mutex_unlock(&e->mu);
        r = next;
    }
}

/* Sleep until work arrives, the next expiry is due, or the sync poll interval passes. */
static void wait_for_work(struct engine *e)
{
    int64_t now = e->clock_us();
    int64_t due = ledger_next_expiry_us(e->ledger);
    int64_t wait_us = ENGINE_SYNC_POLL_US;
    int64_t until;
    struct timespec ts;

    /* The injected clock may differ from the real one: wait a duration, not until a date. */
    if (due - now < wait_us) {
        wait_us = due - now;
    }
    if (atomic_load_explicit(&e->down_since_us, memory_order_relaxed) != 0 &&
        wait_us > ENGINE_PROBE_US) {
        wait_us = ENGINE_PROBE_US;
    }
    if (wait_us <= 0) {
        return;
    }
    until = clock_now_us() + wait_us;
    ts.tv_sec = (time_t)(until / 1000000);
    ts.tv_nsec = (long)(until % 1000000) * 1000;
    pthread_cond_timedwait(&e->cv, &e->mu, &ts);
}

/* While the store is down and no batch came: can it take a write transaction again? (A server
 * back up, the other process's lock released.) A real batch that fails marks it down again. */
static void probe_store(struct engine *e)
{
    int rc = begin(e, &(struct mdt_err){0});

    store_rollback(e->store);
    if (rc == 0) {
        store_health(e, true, NULL);
    }
}

static void finish(struct engine *e, struct slot *sl, int rc)
{
    size_t ops = 0;

    for (size_t i = 0; i < sl->nsub; i++) {
        struct submission *s = &sl->batch[i];

        s->done(s->ctx, rc, s->results, s->n);
        ops += s->n;
        free(s->ops);
    }
    pthread_mutex_lock(&e->mu);
    e->stats.ops += ops;
    e->stats.expired += rc == 0 ? sl->expired : 0;
    pthread_mutex_unlock(&e->mu);
}

/* With mu held and nothing in flight: wait for work, take a batch into sl and the reads queued,
 * then, mu released, bring the view in line with other writers and run the reads on it (they
 * see committed state only). Returns -1, mu still held, when stopping with nothing left; else
 * 1 when a batch is due at *now (submissions, or a pending transfer to expire), 0 when not
 * (the store probed meanwhile if it is down). */
static int take_work(struct engine *e, struct slot *sl, int64_t *now)
{
    struct read_req *reads;
    size_t nsub;

    if (e->count == 0 && e->reads == NULL) {
        if (e->stopping) {
            return -1;
        }
        wait_for_work(e);
    }
    nsub = take_batch(e, sl);
    reads = e->reads;
    e->reads = NULL;
    pthread_mutex_unlock(&e->mu);

    /* A batch checks for other writers under the write lock (store_begin); reads and idle
     * wake-ups look here, so the hot path asks the store once per batch, not twice. */
    if ((reads != NULL || nsub == 0) && sync_view(e, false, &(struct mdt_err){0}) < 0) {
        log_error("cannot read rows written by another process; retrying");
    }
    run_reads(e, reads);
    *now = e->clock_us();
    if (nsub > 0 || ledger_next_expiry_us(e->ledger) <= *now) {
        return 1;
    }
    if (atomic_load_explicit(&e->down_since_us, memory_order_relaxed) != 0) {
        probe_store(e);
    }
    return 0;
}

/* The ledger thread with a store that commits while it waits (SQLite): one batch at a time. */
static void *engine_main(void *arg)
{
    struct engine *e = arg;
    struct slot *sl = &e->slot[0];

    pthread_mutex_lock(&e->mu);
    for (;;) {
        int64_t now;
        int due = take_work(e, sl, &now);
        int rc = 0;

        if (due < 0) {
            break;
        }
        if (due > 0) {
            rc = run_batch(e, sl, now);
        }
        finish(e, sl, rc);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- batches in flight (a store that pipelines: PostgreSQL) ----
 * The first batch is decided under the store's write lock, as above, and its COMMIT sent
 * without waiting; while the server runs it, the next batch is decided on the view (which
 * holds the first one's effects, not yet durable) and sent behind it, built on its journal
 * entry. A batch's submitters are told only once it is durable, in order. If one fails, those
 * behind it fail too (the store sees to it), their submitters are told so (the channels push
 * back or answer "try again", as when the store is down), and the view, which ran ahead, is
 * brought back to the store (pipe_recover). */

/* The first batch in flight: decided under the write lock, its COMMIT sent. A batch that writes
 * nothing, or fails before anything was sent, is kept unsent with its outcome in sl->rc. */
static void pipe_first(struct engine *e, struct slot *sl, int64_t now_us)
{
    struct mdt_err err = {0};
    int rc = begin(e, &err);

    sl->t0 = clock_mono_us();
    sl->sent = false;
    sl->rc = 0;
    if (rc == 0) {
        ledger_batch_begin(e->ledger);
    }
    if (rc == 0 && decide(e, sl, now_us) == 0) {
        store_rollback(e->store);
        return;
    }
    if (rc == 0) {
        rc = store_write(e->store, &sl->ch, sl->rows, sl->nsub, "batch", now_us, &err);
    }
    if (rc == 0) {
        store_commit_send(e->store, &err);
        sl->sent = true;
        return;
    }
    store_rollback(e->store);
    not_committed(e, sl->nsub, rc, err.msg);
    sl->rc = rc;
    e->pipe_rc = rc;
}

/* A batch decided on top of those in flight and sent behind them. */
static void pipe_behind(struct engine *e, struct slot *sl, int64_t now_us)
{
    sl->t0 = clock_mono_us();
    sl->sent = false;
    sl->rc = 0;
    ledger_batch_begin(e->ledger);
    if (decide(e, sl, now_us) > 0) {
        store_write_send(e->store, &sl->ch, sl->rows, sl->nsub, "batch", now_us, NULL);
        sl->sent = true;
    }
}

/* Every batch in flight was told and some were not committed: bring the view back to the store.
 * After a conflict (the store answered; another writer committed first) the batches not
 * committed are taken back, newest first, and the other writer's rows replayed: the cost of a
 * batch, not of the log. After any other failure the store's state is not known for sure (a
 * COMMIT whose fate was lost with the connection), so the view is rebuilt from it whole. */
static void pipe_recover(struct engine *e)
{
    struct mdt_err err = {0};
    bool conflict = e->pipe_rc == MDT_E(CONFLICT);

    while (ledger_batches_open(e->ledger) > 0) {
        ledger_batch_undo(e->ledger);
    }
    if (!conflict || sync_view(e, false, &err) < 0) {
        view_reset(e);
    }
    e->pipe_rc = 0;
}

/* Wait for the oldest batch in flight and tell its submitters. */
static void pipe_complete(struct engine *e)
{
    struct slot *sl = &e->slot[e->slot_head];
    struct mdt_err err = {0};
    int rc = sl->rc;

    MDT_ASSERT(e->inflight > 0);
    if (sl->sent) {
        rc = store_commit_wait(e->store, &err);
    } else if (rc == 0) {
        rc = e->pipe_rc; /* nothing written: it stands or falls with the batches before it */
    }
    if (rc == 0 && sl->sent) {
        committed(e, sl->nsub, sl->t0);
    } else if (rc < 0 && e->pipe_rc == 0) {
        not_committed(e, sl->nsub, rc, err.msg);
        e->pipe_rc = rc;
    }
    if (rc == MDT_E(CONFLICT)) {
        e->serial_until_us = clock_mono_us() + ENGINE_SERIAL_AFTER_CONFLICT_US;
    }
    if (rc == 0 && e->pipe_rc == 0) {
        ledger_batch_done(e->ledger); /* durable: the view need not take it back */
    }
    /* Committed behind a failed batch: only behind one whose fate was lost with the connection
     * (channel rows alone, no journal entry to read back); the view is then rebuilt whole. A
     * batch behind a refused one cannot commit (it was built on it). */
    MDT_ASSERT(rc != 0 || e->pipe_rc != MDT_E(CONFLICT));
    /* Refused by a conflict, its submitters may simply send again: told "busy", which every
     * channel already answers as "retry" (503 with Retry-After, a temporary SMPP error). */
    finish(e, sl, rc == MDT_E(CONFLICT) ? MDT_E(BUSY) : rc);
    e->slot_head = (e->slot_head + 1) % STORE_PIPE_MAX;
    e->inflight--;
    if (e->inflight == 0 && e->pipe_rc != 0) {
        pipe_recover(e);
    }
}

/* Under mu: whether to decide a batch now behind those in flight rather than wait for the
 * oldest. Not for reads (they see committed state only, so they wait until nothing is in
 * flight), nor after a failure (the view is rebuilt first), nor while the store is down or
 * shortly after a conflict. */
static bool pipe_may_send(struct engine *e)
{
    return e->inflight < STORE_PIPE_MAX && e->count > 0 && e->reads == NULL && e->pipe_rc == 0 &&
           atomic_load_explicit(&e->down_since_us, memory_order_relaxed) == 0 &&
           clock_mono_us() >= e->serial_until_us;
}

static void *engine_main_pipelined(void *arg)
{
    struct engine *e = arg;

    pthread_mutex_lock(&e->mu);
    for (;;) {
        struct slot *sl = &e->slot[(e->slot_head + e->inflight) % STORE_PIPE_MAX];
        int64_t now;
        int due;

        if (e->inflight > 0) {
            if (pipe_may_send(e)) {
                take_batch(e, sl);
                pthread_mutex_unlock(&e->mu);
                pipe_behind(e, sl, e->clock_us());
                e->inflight++;
            } else {
                pthread_mutex_unlock(&e->mu);
                pipe_complete(e);
            }
            pthread_mutex_lock(&e->mu);
            continue;
        }
        due = take_work(e, sl, &now);
        if (due < 0) {
            break;
        }
        if (due > 0) {
            pipe_first(e, sl, now);
            e->inflight = 1;
            if (!sl->sent) {
                pipe_complete(e); /* nothing in flight: told now */
            }
        }
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

static void slots_free(struct engine *e)
{
    for (size_t i = 0; i < STORE_PIPE_MAX; i++) {
        ledger_changes_release(&e->slot[i].ch);
        free(e->slot[i].batch);
        free(e->slot[i].rows);
    }
}

int engine_start(const struct engine_options *opt, struct engine **out, struct mdt_err *err)
{
    struct engine *e = calloc(1, sizeof(*e));
    int rc;

    if (e == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the engine");
    }
    e->cfg = *opt->ledger;
    e->store = opt->store;
    e->batch_max = opt->batch_max > 0 && opt->batch_max <= ENGINE_BATCH_MAX ? opt->batch_max
                                                                            : ENGINE_BATCH_MAX;
    e->queue_depth = opt->queue_depth > 0 && opt->queue_depth <= ENGINE_QUEUE_MAX
                         ? opt->queue_depth
                         : ENGINE_QUEUE_MAX;
    e->clock_us = opt->clock_us != NULL ? opt->clock_us : clock_now_us;
    e->ring_cap = e->queue_depth;
    e->ring = calloc(e->ring_cap, sizeof(*e->ring));
    e->pipelined = store_pipelines(e->store);
    rc = e->ring == NULL ? MDT_E(NOMEM) : 0;
    for (size_t i = 0; rc == 0 && i < STORE_PIPE_MAX; i++) {
        e->slot[i].batch = calloc(e->ring_cap, sizeof(*e->slot[i].batch));
        e->slot[i].rows = calloc(e->ring_cap, sizeof(*e->slot[i].rows));
        rc = e->slot[i].batch == NULL || e->slot[i].rows == NULL ? MDT_E(NOMEM) : 0;
    }
    if (rc < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the engine");
        goto fail;
    }
    rc = rebuild_view(e, err);
    if (rc < 0) {
        goto fail;
    }
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    pthread_cond_init(&e->read_cv, NULL);
    if (pthread_create(&e->thread, NULL, e->pipelined ? engine_main_pipelined : engine_main, e) !=
        0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "cannot start the ledger thread");
        goto fail;
    }
    *out = e;
    return 0;
fail:
    ledger_free(e->ledger);
    free(e->ring);
    slots_free(e);
    free(e);
    return rc;
}

int engine_submit(struct engine *e, const struct ledger_op *ops, size_t n,
                  struct ledger_result *results, void *ctx, engine_done_fn done)
{
    if (n == 0) {
        return MDT_E(INVAL);
    }
    return engine_submit_rows(e, ops, n, NULL, 0, 0, NULL, results, ctx, done);
}

int engine_submit_rows(struct engine *e, const struct ledger_op *ops, size_t n,
                       struct store_extra *rows, size_t count, size_t cap, engine_hook_fn hook,
                       struct ledger_result *results, void *ctx, engine_done_fn done)
{
    struct ledger_op *copy = NULL;
    size_t weight = n + (cap > count ? cap : count); /* its cost to the queue and the batch */
    int rc = 0;

    if (weight == 0 || n > ENGINE_SUBMIT_MAX || cap > ENGINE_SUBMIT_MAX || done == NULL ||
        (hook == NULL && cap > count) || count > (cap > count ? cap : count)) {
        return MDT_E(INVAL);
    }
    if (cap < count) {
        cap = count;
    }
    if (n > 0) {
        copy = malloc(n * sizeof(*copy));
        if (copy == NULL) {
            return MDT_E(NOMEM);
        }
        memcpy(copy, ops, n * sizeof(*copy));
    }
    pthread_mutex_lock(&e->mu);
    if (e->stopping) {
        rc = MDT_E(SHUTDOWN);
    } else if (e->queued_ops + weight > e->queue_depth || e->count == e->ring_cap) {
        rc = MDT_E(FULL);
    } else {
        e->ring[(e->head + e->count) % e->ring_cap] = (struct submission){.ops = copy,
                                                                          .n = n,
                                                                          .rows = rows,
                                                                          .row_count = count,
                                                                          .row_cap = cap,
                                                                          .hook = hook,
                                                                          .results = results,
                                                                          .ctx = ctx,
                                                                          .done = done};
        e->count++;
        e->queued_ops += weight;
        /* Wake the ledger thread only when it may be idle: the first op of a new batch. */
        if (e->count == 1) {
            pthread_cond_signal(&e->cv);
        }
    }
    pthread_mutex_unlock(&e->mu);
    if (rc < 0) {
        free(copy);
    }
    return rc;
}

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
};

static void waiter_done(void *ctx, int rc, const struct ledger_result *results, size_t n)
{
    struct waiter *w = ctx;

    (void)results;
    (void)n;
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int engine_execute_rows(struct engine *e, const struct ledger_op *ops, size_t n,
                        struct store_extra *rows, size_t count, struct ledger_result *results,
                        struct mdt_err *err)
{
    struct waiter w = {.done = false, .rc = 0};
    int rc;

    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    rc = engine_submit_rows(e, ops, n, rows, count, count, NULL, results, &w, waiter_done);
    if (rc == 0) {
        pthread_mutex_lock(&w.mu);
        while (!w.done) {
            pthread_cond_wait(&w.cv, &w.mu);
        }
        pthread_mutex_unlock(&w.mu);
        rc = w.rc;
    }
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    if (rc < 0) {
        mdt_err_set(err, rc, "ledger operation not done: %s", mdt_strerror(rc));
    }
    return rc;
}

int engine_execute(struct engine *e, const struct ledger_op *ops, size_t n,
                   struct ledger_result *results, struct mdt_err *err)
{
    if (n == 0) {
        return mdt_err_set(err, MDT_E(INVAL), "nothing to execute");
    }
    return engine_execute_rows(e, ops, n, NULL, 0, results, err);
}

int engine_read(struct engine *e, void (*fn)(void *ctx, const struct ledger *l), void *ctx)
{
    struct read_req r = {.fn = fn, .ctx = ctx, .done = false};

    pthread_mutex_lock(&e->mu);
    r.next = e->reads;
    e->reads = &r;
    pthread_cond_signal(&e->cv);
    while (!r.done) {
        pthread_cond_wait(&e->read_cv, &e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return 0;
}

int engine_read_async(struct engine *e, void (*fn)(void *ctx, const struct ledger *l), void *ctx)
{
    struct read_req *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        return MDT_E(NOMEM);
    }
    r->fn = fn;
    r->ctx = ctx;
    r->async = true;
    pthread_mutex_lock(&e->mu);
    r->next = e->reads;
    e->reads = r;
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
    return 0;
}

int64_t engine_store_down_since(const struct engine *e)
{
    return atomic_load_explicit(&((struct engine *)e)->down_since_us, memory_order_relaxed);
}

bool engine_store_ok(const struct engine *e)
{
    return e == NULL || engine_store_down_since(e) == 0;
}

void engine_stats_get(struct engine *e, struct engine_stats *out)
{
    pthread_mutex_lock(&e->mu);
    *out = e->stats;
    pthread_mutex_unlock(&e->mu);
}

void engine_stop(struct engine *e)
{
    if (e == NULL) {
        return;
    }
    pthread_mutex_lock(&e->mu);
    e->stopping = true;
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->thread, NULL);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    pthread_cond_destroy(&e->read_cv);
    ledger_free(e->ledger);
    free(e->ring);
    slots_free(e);
    free(e);
}
