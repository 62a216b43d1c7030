/* SPDX-License-Identifier: Apache-2.0 */
/* Ledger internals shared by the view (ledger_view.c: index, accounts, apply, replay) and the
 * decisions (ledger.c: validation, limits, fees, chains). Not for use outside src/ledger. */
#ifndef MDT_LEDGER_INT_H
#define MDT_LEDGER_INT_H

#include "base/index.h"
#include "base/limits.h"
#include "ledger/ledger.h"

/* What the view keeps of every transfer and rejection: enough to answer idempotent retries, to
 * post, void, expire and refund, without the store. About 100 bytes each. */
struct rec {
    struct id128 id;
    struct id128 link; /* pending it closes, original it refunds, transfer a fee leg belongs to */
    uint64_t fingerprint;
    uint64_t seq;
    uint64_t debit;
    uint64_t credit;
    int64_t amount;   /* pending: amount held */
    int64_t settled;  /* pending: amount posted when closed */
    int64_t refunded; /* refunds taken against this transfer so far */
    int64_t timestamp_us;
    int64_t expires_us;
    uint16_t kind;
    uint16_t flags;
    uint16_t state;
    uint16_t reason;
    uint16_t fee_schedules[TRANSFER_FEES_MAX];
};

struct heap_item {
    int64_t expires_us;
    uint32_t rec;
};

/* Undo entry of the current unit (one op with its fee legs, or one linked chain). */
struct undo {
    uint8_t is_rec; /* 0: account copy; 1: rec state, settled and refunded */
    uint32_t rec;
    uint16_t state;
    int64_t settled;
    int64_t refunded;
    struct account account;
};

struct system_accounts {
    char currency[4];
    uint64_t ids[ACCOUNT_KIND_COUNT]; /* indexed by kind; 0 for non-system kinds */
};

/* Where a batch in flight began (ledger_batch_begin): its first entry in the batch log, and
 * what it may have moved on from. */
struct batch_mark {
    size_t log_pos;
    uint32_t rec_count;
    uint64_t account_count;
    uint64_t last_seq;
    int64_t last_ts;
    struct ledger_totals totals;
    /* the system accounts before the batch's first opening of one (NULL: none opened) */
    struct system_accounts *systems;
    uint32_t system_count;
};

struct ledger {
    struct ledger_config cfg;
    /* accounts[i] has id i + 1 */
    struct account *accounts;
    uint64_t account_count;
    size_t account_cap;
    struct system_accounts systems[LEDGER_CURRENCIES_MAX];
    uint32_t system_count;
    /* records and their id index (value: rec index + 1) */
    struct rec *recs;
    uint32_t rec_count;
    size_t rec_cap;
    struct index index;
    /* open pending transfers by expiry (lazy: stale entries skipped on pop) */
    struct heap_item *heap;
    size_t heap_count, heap_cap;
    struct ledger_totals totals;
    uint64_t last_seq;
    int64_t last_ts;
    /* batches in flight: every undo entry of their units, oldest batch first, and where each
     * batch began */
    struct undo *blog;
    size_t blog_count, blog_cap;
    struct batch_mark batches[LEDGER_BATCHES_MAX];
    unsigned batch_count;
    /* current unit: what to restore if it fails */
    struct undo *undo;
    size_t undo_count, undo_cap;
    uint32_t *unit_pending; /* pending recs created by the unit, pushed on the heap at the end */
    size_t unit_pending_count, unit_pending_cap;
    struct unit_mark {
        uint32_t rec_count;
        uint64_t account_count;
        uint64_t last_seq;
        int64_t last_ts;
        size_t transfer_count, state_count, event_count;
        struct ledger_totals totals;
    } mark;
};

/* View primitives (ledger_view.c). */
struct rec *view_rec_find(struct ledger *l, struct id128 id);
uint32_t view_rec_add(struct ledger *l, const struct transfer *row);
struct account *view_account(struct ledger *l, uint64_t id);
void view_touch_account(struct ledger *l, struct account *a);
void view_touch_rec(struct ledger *l, uint32_t rec);
void view_apply_new(struct ledger *l, const struct transfer *row);
void view_apply_close(struct ledger *l, struct rec *pending, int64_t amount, uint16_t state);
void view_window_roll(struct account *a, int64_t ts);
void view_heap_push(struct ledger *l, int64_t expires_us, uint32_t rec);
/* The rec a refund may reference and how much of it is left to refund; NULL if none. */
struct rec *view_refundable(struct ledger *l, struct id128 id, int64_t *left);
/* Pop the next open pending transfer due at now_us, or return NULL. */
struct rec *view_pop_due(struct ledger *l, int64_t now_us);
void view_unit_begin(struct ledger *l, struct ledger_changes *ch);
void view_unit_commit(struct ledger *l);
void view_unit_rollback(struct ledger *l, struct ledger_changes *ch);
void view_open_account(struct ledger *l, const struct account_event *ev);

#endif
