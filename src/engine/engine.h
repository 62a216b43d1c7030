/* SPDX-License-Identifier: Apache-2.0 */
/* The engine: one ledger thread that drains a bounded queue, executes everything queued
 * against the view, commits the whole batch with one store transaction (one fsync), and only
 * then reports results (group commit). It also expires pending transfers on its own timer. */
#ifndef MDT_ENGINE_ENGINE_H
#define MDT_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

struct engine_options {
    const struct ledger_config *ledger; /* copied */
    struct store *store;                /* borrowed; must outlive the engine */
    uint32_t batch_max;                 /* ops per commit (<= ENGINE_BATCH_MAX) */
    uint32_t queue_depth;               /* queued ops before -MDT_EFULL (<= ENGINE_QUEUE_MAX) */
    int64_t (*clock_us)(void);          /* wall clock; NULL = clock_now_us (tests inject) */
};

/* Called on the ledger thread once the submission's batch is durable (rc 0) or could not be
 * committed (rc < 0: nothing of it was applied; -MDT_EBUSY when it was decided while another
 * process committed, with batches in flight: send it again). Must be quick and must not call
 * the engine's blocking functions. */
typedef void (*engine_done_fn)(void *ctx, int rc, const struct ledger_result *results, size_t n);

struct engine_stats {
    uint64_t batches, ops, commits_failed, expired;
    uint64_t commit_us_total, commit_us_max;
    uint64_t reloads; /* view rebuilt after another process wrote */
};

struct engine;

/* Rebuild the view from the store (recovery) and start the ledger thread. *out: engine_stop. */
int engine_start(const struct engine_options *opt, struct engine **out, struct mdt_err *err);

/* Queue ops[0..n) (one linked chain may not span two submissions). ops are copied; results
 * must stay valid until done runs. Returns 0, -MDT_EFULL (queue full: push back), -MDT_EINVAL
 * (n is 0 or above ENGINE_SUBMIT_MAX) or -MDT_ESHUTDOWN. Thread-safe. */
int engine_submit(struct engine *e, const struct ledger_op *ops, size_t n,
                  struct ledger_result *results, void *ctx, engine_done_fn done);

/* Called on the ledger thread right after a submission's ops were decided, before the batch is
 * written: it may read the view (balances for a reply) and append channel rows (the replies,
 * the conversation state) to rows[count..cap), returning the new count. Everything it appends
 * commits in the same transaction as the ops, so a message, the money it moves and its reply
 * are durable together or not at all. Pure CPU: no I/O, no engine calls, no locks. */
typedef size_t (*engine_hook_fn)(void *ctx, const struct ledger *l,
                                 const struct ledger_result *results, size_t n,
                                 struct store_extra *rows, size_t count, size_t cap);

/* Like engine_submit, with channel rows (inbox, outbox, conversation state) that must commit in
 * the same transaction as ops, and an optional hook; n may be 0. rows[0..count) are written;
 * the hook may use rows[count..cap). The rows are not copied: they must stay valid until done
 * runs. */
int engine_submit_rows(struct engine *e, const struct ledger_op *ops, size_t n,
                       struct store_extra *rows, size_t count, size_t cap, engine_hook_fn hook,
                       struct ledger_result *results, void *ctx, engine_done_fn done);

/* Submit and wait until durable. Returns 0 (see results for each op's reason) or a negative
 * code. Thread-safe; must not be called from a done callback. */
int engine_execute(struct engine *e, const struct ledger_op *ops, size_t n,
                   struct ledger_result *results, struct mdt_err *err);

/* engine_execute with channel rows (no hook): ops[0..n) and rows[0..count) commit together;
 * n may be 0. Blocks until durable. */
int engine_execute_rows(struct engine *e, const struct ledger_op *ops, size_t n,
                        struct store_extra *rows, size_t count, struct ledger_result *results,
                        struct mdt_err *err);

/* Run fn on the ledger thread with the current view, between batches, and wait for it.
 * fn must not keep pointers into the view. Thread-safe. */
int engine_read(struct engine *e, void (*fn)(void *ctx, const struct ledger *l), void *ctx);

/* The same without waiting: fn runs later on the ledger thread, between batches (so it sees
 * only committed state), together with the other reads queued meanwhile; it must hand its
 * result back to the caller's thread itself. Returns 0 or -MDT_ENOMEM. Thread-safe. */
int engine_read_async(struct engine *e, void (*fn)(void *ctx, const struct ledger *l), void *ctx);

void engine_stats_get(struct engine *e, struct engine_stats *out);

/* The store's health as the ledger thread last saw it: false from a failed commit (a database
 * server down, a lock held by another process, a full disk) until a commit, or a probe of the
 * store (a write transaction opened, every ENGINE_PROBE_US while idle), succeeds again. Channels
 * push back while it is false instead of accepting what cannot be committed. One relaxed atomic
 * load: cheap on any thread's hot path. NULL (no engine) counts as healthy. */
bool engine_store_ok(const struct engine *e);

/* The wall-clock µs at which the store stopped committing, or 0 while it commits. */
int64_t engine_store_down_since(const struct engine *e);

/* Finish everything queued, stop the thread, free the engine (the store stays open). */
void engine_stop(struct engine *e);

#endif
