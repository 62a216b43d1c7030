/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's in-memory view: accounts, the id index of every transfer, the expiry heap, the
 * primitives that apply a row to balances, the undo log of a unit, and replay from the store. */
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/index.h"
#include "base/log.h"
#include "base/mem.h"
#include "ledger/ledger_int.h"

/* ---- id index (base/index.h): O(1) expected ---- */

_Static_assert(LEDGER_RECORDS_MAX <= INDEX_ENTRIES_MAX, "the id index holds every record");

struct rec *view_rec_find(struct ledger *l, struct id128 id)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&l->index, id128_hash(id), &pos); v != 0;
         v = index_find_next(&l->index, &pos)) {
        if (id128_eq(l->recs[v - 1].id, id)) {
            return &l->recs[v - 1];
        }
    }
    return NULL;
}

uint32_t view_rec_add(struct ledger *l, const struct transfer *row)
{
    struct rec *r;

    MDT_ASSERT(l->rec_count < LEDGER_RECORDS_MAX);
    mem_grow((void **)&l->recs, &l->rec_cap, (size_t)l->rec_count + 1, sizeof(*l->recs));
    r = &l->recs[l->rec_count];
    memset(r, 0, sizeof(*r));
    r->id = row->id;
    r->link = row->link_id;
    r->fingerprint = row->fingerprint;
    r->seq = row->seq;
    r->debit = row->debit_account_id;
    r->credit = row->credit_account_id;
    r->amount = row->amount;
    r->timestamp_us = row->timestamp_us;
    r->expires_us = row->expires_us;
    r->kind = row->kind;
    r->flags = row->flags;
    r->state = row->state;
    r->reason = row->reason;
    memcpy(r->fee_schedules, row->fee_schedules, sizeof(r->fee_schedules));
    if (index_put(&l->index, id128_hash(row->id), l->rec_count + 1) < 0) {
        /* Bounded by LEDGER_RECORDS_MAX above: only memory can fail, and a half-applied view
         * would be worse than a restart (it is rebuilt from the store), as in mem_grow. */
        log_error("out of memory growing the transfer index past %u records", l->rec_count);
        abort();
    }
    l->rec_count++;
    return l->rec_count - 1;
}

/* ---- accounts ---- */

struct account *view_account(struct ledger *l, uint64_t id)
{
    if (id == 0 || id > l->account_count) {
        return NULL;
    }
    return &l->accounts[id - 1];
}

/* Save an account before its first change in the current unit, so that a failed chain can
 * restore it. A unit touches a handful of accounts; duplicates are harmless (restored in
 * reverse order, the oldest copy wins). */
/* Keep u in the unit's undo log and, while a batch is in flight, in the batch log too. */
static void undo_push(struct ledger *l, const struct undo *u)
{
    mem_grow((void **)&l->undo, &l->undo_cap, l->undo_count + 1, sizeof(*l->undo));
    l->undo[l->undo_count++] = *u;
    if (l->batch_count > 0) {
        mem_grow((void **)&l->blog, &l->blog_cap, l->blog_count + 1, sizeof(*l->blog));
        l->blog[l->blog_count++] = *u;
    }
}

void view_touch_account(struct ledger *l, struct account *a)
{
    struct undo u = {.is_rec = 0, .account = *a};

    undo_push(l, &u);
}

void view_touch_rec(struct ledger *l, uint32_t rec)
{
    struct undo u = {.is_rec = 1,
                     .rec = rec,
                     .state = l->recs[rec].state,
                     .settled = l->recs[rec].settled,
                     .refunded = l->recs[rec].refunded};

    undo_push(l, &u);
}

void view_window_roll(struct account *a, int64_t ts)
{
    struct calendar_keys k;

    clock_calendar_keys(ts, &k);
    if (k.day != a->day_key) {
        a->day_key = k.day;
        a->day_debits = 0;
    }
    if (k.month != a->month_key) {
        a->month_key = k.month;
        a->month_debits = 0;
    }
    if (k.year != a->year_key) {
        a->year_key = k.year;
        a->year_debits = 0;
        a->year_loads = 0;
    }
}

/* Give back window usage of an amount counted at ts (a voided or partly posted hold), only if
 * the window that counted it is still the current one: older windows are gone anyway. */
static void window_release(struct account *a, int64_t ts, int64_t amount, bool loads)
{
    struct calendar_keys k;

    clock_calendar_keys(ts, &k);
    if (loads) {
        if (k.year == a->year_key) {
            a->year_loads -= amount;
        }
        return;
    }
    if (k.day == a->day_key) {
        a->day_debits -= amount;
    }
    if (k.month == a->month_key) {
        a->month_debits -= amount;
    }
    if (k.year == a->year_key) {
        a->year_debits -= amount;
    }
}

static void account_assert(const struct account *a)
{
    MDT_ASSERT(a->debits_posted >= 0 && a->credits_posted >= 0);
    MDT_ASSERT(a->debits_pending >= 0 && a->credits_pending >= 0);
}

/* Remember the record about to be added (index rec_count) as a movement of a. The caller has
 * touched a, so a failed unit restores the ring too. */
static void recent_push(struct ledger *l, struct account *a)
{
    a->recent[a->recent_count % ACCOUNT_RECENT_MAX] = l->rec_count;
    a->recent_count++;
}

/* A new posted or pending transfer: decided already (or read from the store). */
void view_apply_new(struct ledger *l, const struct transfer *row)
{
    struct account *dr = view_account(l, row->debit_account_id);
    struct account *cr = view_account(l, row->credit_account_id);

    MDT_ASSERT(dr != NULL && cr != NULL && dr != cr && row->amount > 0);
    view_touch_account(l, dr);
    view_touch_account(l, cr);
    view_window_roll(dr, row->timestamp_us);
    view_window_roll(cr, row->timestamp_us);
    if (row->flags & TRANSFER_PENDING) {
        dr->debits_pending += row->amount;
        cr->credits_pending += row->amount;
        l->totals.debits_pending += row->amount;
        l->totals.credits_pending += row->amount;
        l->totals.pending_open++;
    } else {
        dr->debits_posted += row->amount;
        cr->credits_posted += row->amount;
        l->totals.debits_posted += row->amount;
        l->totals.credits_posted += row->amount;
    }
    dr->day_debits += row->amount;
    dr->month_debits += row->amount;
    dr->year_debits += row->amount;
    if (row->kind != TRANSFER_CARD_MOVE) { /* a replacement's balance is not a load */
        cr->year_loads += row->amount;
    }
    if (!(row->flags & (TRANSFER_PENDING | TRANSFER_FEE_LEG))) {
        recent_push(l, dr);
        recent_push(l, cr);
    }
    account_assert(dr);
    account_assert(cr);
}

/* Close a pending transfer: post amount (0 for void and expiry) and release the rest. */
void view_apply_close(struct ledger *l, struct rec *p, int64_t amount, uint16_t state)
{
    struct account *dr = view_account(l, p->debit);
    struct account *cr = view_account(l, p->credit);
    int64_t released = p->amount - amount;

    MDT_ASSERT(dr != NULL && cr != NULL);
    MDT_ASSERT(p->state == TRANSFER_STATE_PENDING && amount >= 0 && amount <= p->amount);
    view_touch_account(l, dr);
    view_touch_account(l, cr);
    view_touch_rec(l, (uint32_t)(p - l->recs));
    dr->debits_pending -= p->amount;
    cr->credits_pending -= p->amount;
    dr->debits_posted += amount;
    cr->credits_posted += amount;
    l->totals.debits_pending -= p->amount;
    l->totals.credits_pending -= p->amount;
    l->totals.debits_posted += amount;
    l->totals.credits_posted += amount;
    l->totals.pending_open--;
    window_release(dr, p->timestamp_us, released, false);
    window_release(cr, p->timestamp_us, released, true);
    p->state = state;
    p->settled = amount;
    if (state == TRANSFER_STATE_POSTED && amount > 0 && !(p->flags & TRANSFER_FEE_LEG)) {
        recent_push(l, dr); /* the post row about to be added */
        recent_push(l, cr);
    }
    if (p->kind == TRANSFER_REFUND && released > 0) {
        /* A pending refund counted its whole hold against the original: give back the part
         * that was not posted, so that it can be refunded again. */
        struct rec *orig = view_rec_find(l, p->link);

        MDT_ASSERT(orig != NULL && orig->refunded >= released);
        view_touch_rec(l, (uint32_t)(orig - l->recs));
        orig->refunded -= released;
    }
    account_assert(dr);
    account_assert(cr);
}

/* ---- expiry heap: binary min-heap on expires_us ---- */

void view_heap_push(struct ledger *l, int64_t expires_us, uint32_t rec)
{
    size_t i;

    mem_grow((void **)&l->heap, &l->heap_cap, l->heap_count + 1, sizeof(*l->heap));
    i = l->heap_count++;
    while (i > 0 && l->heap[(i - 1) / 2].expires_us > expires_us) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = (struct heap_item){.expires_us = expires_us, .rec = rec};
}

static void heap_pop(struct ledger *l)
{
    struct heap_item last;
    size_t i = 0;

    MDT_ASSERT(l->heap_count > 0);
    last = l->heap[--l->heap_count];
    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= l->heap_count) {
            break;
        }
        if (c + 1 < l->heap_count && l->heap[c + 1].expires_us < l->heap[c].expires_us) {
            c++;
        }
        if (l->heap[c].expires_us >= last.expires_us) {
            break;
        }
        l->heap[i] = l->heap[c];
        i = c;
    }
    l->heap[i] = last;
}

/* The heap's top if it is still an open pending transfer; drops stale entries. */
static struct heap_item *heap_top(struct ledger *l)
{
    while (l->heap_count > 0) {
        struct heap_item *h = &l->heap[0];

        if (h->rec < l->rec_count && l->recs[h->rec].state == TRANSFER_STATE_PENDING &&
            l->recs[h->rec].expires_us == h->expires_us) {
            return h;
        }
        heap_pop(l);
    }
    return NULL;
}

int64_t ledger_next_expiry_us(struct ledger *l)
{
    struct heap_item *h = heap_top(l);

    return h != NULL ? h->expires_us : INT64_MAX;
}

struct rec *view_pop_due(struct ledger *l, int64_t now_us)
{
    struct heap_item *h = heap_top(l);
    struct rec *r;

    if (h == NULL || h->expires_us > now_us) {
        return NULL;
    }
    r = &l->recs[h->rec];
    heap_pop(l);
    return r;
}

/* ---- units: one op with its legs, or one linked chain, applied all or nothing ---- */

void view_unit_begin(struct ledger *l, struct ledger_changes *ch)
{
    l->undo_count = 0;
    l->unit_pending_count = 0;
    l->mark.rec_count = l->rec_count;
    l->mark.account_count = l->account_count;
    l->mark.last_seq = l->last_seq;
    l->mark.last_ts = l->last_ts;
    l->mark.transfer_count = ch != NULL ? ch->transfer_count : 0;
    l->mark.state_count = ch != NULL ? ch->state_count : 0;
    l->mark.event_count = ch != NULL ? ch->event_count : 0;
    l->mark.totals = l->totals;
}

void view_unit_commit(struct ledger *l)
{
    for (size_t i = 0; i < l->unit_pending_count; i++) {
        struct rec *r = &l->recs[l->unit_pending[i]];

        view_heap_push(l, r->expires_us, l->unit_pending[i]);
    }
    l->undo_count = 0;
    l->unit_pending_count = 0;
}

void view_unit_rollback(struct ledger *l, struct ledger_changes *ch)
{
    /* Restore in reverse order so that the oldest copy of each account wins. */
    for (size_t i = l->undo_count; i-- > 0;) {
        struct undo *u = &l->undo[i];

        if (u->is_rec) {
            l->recs[u->rec].state = u->state;
            l->recs[u->rec].settled = u->settled;
            l->recs[u->rec].refunded = u->refunded;
        } else {
            l->accounts[u->account.id - 1] = u->account;
        }
    }
    /* Newest first: with backward-shift deletion any order works, this one is cheapest. */
    while (l->rec_count > l->mark.rec_count) {
        bool removed =
            index_remove(&l->index, id128_hash(l->recs[l->rec_count - 1].id), l->rec_count);

        MDT_ASSERT(removed);
        l->rec_count--;
    }
    MDT_ASSERT(l->account_count == l->mark.account_count);
    l->last_seq = l->mark.last_seq;
    l->last_ts = l->mark.last_ts;
    l->totals = l->mark.totals;
    if (ch != NULL) {
        ch->transfer_count = l->mark.transfer_count;
        ch->state_count = l->mark.state_count;
        ch->event_count = l->mark.event_count;
    }
    l->undo_count = 0;
    l->unit_pending_count = 0;
}

/* ---- batches in flight ---- */

void ledger_batch_begin(struct ledger *l)
{
    struct batch_mark *m;

    MDT_ASSERT(l->batch_count < LEDGER_BATCHES_MAX && l->undo_count == 0);
    m = &l->batches[l->batch_count++];
    *m = (struct batch_mark){.log_pos = l->blog_count,
                             .rec_count = l->rec_count,
                             .account_count = l->account_count,
                             .last_seq = l->last_seq,
                             .last_ts = l->last_ts,
                             .totals = l->totals};
}

void ledger_batch_done(struct ledger *l)
{
    size_t drop;

    MDT_ASSERT(l->batch_count > 0);
    drop = l->batch_count > 1 ? l->batches[1].log_pos : l->blog_count;
    if (drop > 0 && l->blog_count > drop) {
        memmove(l->blog, l->blog + drop, (l->blog_count - drop) * sizeof(*l->blog));
    }
    l->blog_count -= drop;
    free(l->batches[0].systems);
    memmove(&l->batches[0], &l->batches[1], (l->batch_count - 1) * sizeof(l->batches[0]));
    l->batch_count--;
    for (unsigned i = 0; i < l->batch_count; i++) {
        l->batches[i].log_pos -= drop;
    }
}

void ledger_batch_undo(struct ledger *l)
{
    struct batch_mark *m;

    MDT_ASSERT(l->batch_count > 0 && l->undo_count == 0);
    m = &l->batches[l->batch_count - 1];
    /* Newest first, so that the oldest copy of each account and record wins. */
    for (size_t i = l->blog_count; i-- > m->log_pos;) {
        const struct undo *u = &l->blog[i];

        if (!u->is_rec) {
            l->accounts[u->account.id - 1] = u->account;
            continue;
        }
        l->recs[u->rec].state = u->state;
        l->recs[u->rec].settled = u->settled;
        l->recs[u->rec].refunded = u->refunded;
        if (u->state == TRANSFER_STATE_PENDING && u->rec < m->rec_count) {
            /* Its heap entry may have been popped (expired, or dropped once closed): pushed
             * again; a second entry for one record is skipped once the record closes. */
            view_heap_push(l, l->recs[u->rec].expires_us, u->rec);
        }
    }
    while (l->rec_count > m->rec_count) {
        bool removed =
            index_remove(&l->index, id128_hash(l->recs[l->rec_count - 1].id), l->rec_count);

        MDT_ASSERT(removed);
        l->rec_count--;
    }
    l->account_count = m->account_count;
    if (m->systems != NULL) {
        memcpy(l->systems, m->systems, sizeof(l->systems));
        l->system_count = m->system_count;
        free(m->systems);
    }
    l->last_seq = m->last_seq;
    l->last_ts = m->last_ts;
    l->totals = m->totals;
    l->blog_count = m->log_pos;
    l->batch_count--;
}

unsigned ledger_batches_open(const struct ledger *l)
{
    return l->batch_count;
}

/* ---- account events ---- */

static struct system_accounts *system_for(struct ledger *l, const char *currency, bool create)
{
    for (uint32_t i = 0; i < l->system_count; i++) {
        if (memcmp(l->systems[i].currency, currency, 4) == 0) {
            return &l->systems[i];
        }
    }
    if (!create || l->system_count >= LEDGER_CURRENCIES_MAX) {
        return NULL;
    }
    memset(&l->systems[l->system_count], 0, sizeof(l->systems[0]));
    memcpy(l->systems[l->system_count].currency, currency, 4);
    return &l->systems[l->system_count++];
}

static bool kind_is_system(int kind)
{
    return kind == ACCOUNT_BANK || kind == ACCOUNT_FEES || kind == ACCOUNT_OPERATOR ||
           kind == ACCOUNT_SUSPENSE;
}

void view_open_account(struct ledger *l, const struct account_event *ev)
{
    struct account *a;

    MDT_ASSERT(ev->account_id == l->account_count + 1);
    MDT_ASSERT(l->account_count < LEDGER_ACCOUNTS_MAX);
    mem_grow((void **)&l->accounts, &l->account_cap, l->account_count + 1, sizeof(*l->accounts));
    a = &l->accounts[l->account_count++];
    memset(a, 0, sizeof(*a));
    a->id = ev->account_id;
    a->kind = ev->kind;
    a->status = ev->status;
    a->tier = ev->tier;
    a->flags = ev->flags;
    memcpy(a->currency, ev->currency, 4);
    a->created_us = ev->timestamp_us;
    if (kind_is_system(ev->kind)) {
        struct system_accounts *s;

        if (l->batch_count > 0 && l->batches[l->batch_count - 1].systems == NULL) {
            struct batch_mark *m = &l->batches[l->batch_count - 1];

            /* Rare (a currency's first use): the whole table as the batch found it. */
            m->systems = malloc(sizeof(l->systems));
            MDT_ASSERT(m->systems != NULL);
            memcpy(m->systems, l->systems, sizeof(l->systems));
            m->system_count = l->system_count;
        }
        s = system_for(l, ev->currency, true);

        MDT_ASSERT(s != NULL);
        s->ids[ev->kind] = ev->account_id;
    }
}

uint64_t ledger_system_account(const struct ledger *l, int kind, const char *currency)
{
    for (uint32_t i = 0; i < l->system_count; i++) {
        if (strncmp(l->systems[i].currency, currency, 4) == 0) {
            return kind_is_system(kind) ? l->systems[i].ids[kind] : 0;
        }
    }
    return 0;
}

/* ---- replay: rows read back from the store, in seq order ---- */

static int replay_check_seq(struct ledger *l, uint64_t seq, int64_t ts, struct mdt_err *err)
{
    if (seq <= l->last_seq) {
        return mdt_err_set(err, MDT_E(CORRUPT), "row seq %llu after seq %llu: log out of order",
                           (unsigned long long)seq, (unsigned long long)l->last_seq);
    }
    l->last_seq = seq;
    if (ts > l->last_ts) {
        l->last_ts = ts;
    }
    return 0;
}

int ledger_replay_event(struct ledger *l, const struct account_event *ev, struct mdt_err *err)
{
    struct account *a;
    int rc = replay_check_seq(l, ev->seq, ev->timestamp_us, err);

    if (rc < 0) {
        return rc;
    }
    if (ev->type == ACCOUNT_EVENT_OPEN) {
        if (ev->account_id != l->account_count + 1 || ev->kind >= ACCOUNT_KIND_COUNT) {
            return mdt_err_set(err, MDT_E(CORRUPT),
                               "event seq %llu opens account %llu out of order",
                               (unsigned long long)ev->seq, (unsigned long long)ev->account_id);
        }
        view_open_account(l, ev);
        return 0;
    }
    a = view_account(l, ev->account_id);
    if (a == NULL) {
        return mdt_err_set(err, MDT_E(CORRUPT), "event seq %llu names unknown account %llu",
                           (unsigned long long)ev->seq, (unsigned long long)ev->account_id);
    }
    if (ev->type == ACCOUNT_EVENT_STATUS) {
        a->status = ev->status;
    } else {
        a->tier = ev->tier;
    }
    return 0;
}

int ledger_replay_rejection(struct ledger *l, const struct transfer *row, struct mdt_err *err)
{
    int rc = replay_check_seq(l, row->seq, row->timestamp_us, err);

    if (rc < 0) {
        return rc;
    }
    if (row->reason == LEDGER_OK || view_rec_find(l, row->id) != NULL) {
        return mdt_err_set(err, MDT_E(CORRUPT),
                           "rejection seq %llu is a duplicate or has no reason",
                           (unsigned long long)row->seq);
    }
    view_rec_add(l, row);
    l->totals.rejections++;
    return 0;
}

struct rec *view_refundable(struct ledger *l, struct id128 id, int64_t *left)
{
    struct rec *r = view_rec_find(l, id);
    int64_t moved;

    /* A two-phase order is refunded by the id of its pending transfer, never by its post row:
     * one original, one refund counter. */
    if (r == NULL || r->reason != LEDGER_OK ||
        (r->flags & (TRANSFER_EXPIRE | TRANSFER_VOID_PENDING | TRANSFER_POST_PENDING))) {
        return NULL;
    }
    if (r->state != TRANSFER_STATE_POSTED) {
        return NULL;
    }
    if (r->flags & TRANSFER_FEE_LEG) {
        /* A fee leg only of a card's withdrawal, given back with it by a reversal (issue 15);
         * no other fee is refundable. */
        const struct rec *parent = view_rec_find(l, r->link);

        if (parent == NULL || parent->kind != TRANSFER_WITHDRAWAL ||
            (parent->flags & TRANSFER_FEE_LEG) || view_account(l, r->debit) == NULL ||
            view_account(l, r->debit)->kind != ACCOUNT_CARD) {
            return NULL;
        }
        moved = (r->flags & TRANSFER_PENDING) ? r->settled : r->amount;
        *left = moved - r->refunded;
        return r;
    }
    switch (r->kind) {
    case TRANSFER_P2P:
    case TRANSFER_PAYMENT:
    case TRANSFER_DONATION:
    case TRANSFER_CARD_LOAD:
    case TRANSFER_TOPUP:
        break;
    case TRANSFER_WITHDRAWAL:
        /* A card's, reversed by its card network after it was posted (issue 15); a wallet's
         * payout is not refundable. */
        if (view_account(l, r->debit) == NULL || view_account(l, r->debit)->kind != ACCOUNT_CARD) {
            return NULL;
        }
        break;
    default:
        return NULL;
    }
    moved = (r->flags & TRANSFER_PENDING) ? r->settled : r->amount;
    *left = moved - r->refunded;
    return r;
}

int ledger_replay_transfer(struct ledger *l, const struct transfer *row, struct mdt_err *err)
{
    struct transfer first = *row;
    struct rec *p = NULL;
    uint32_t idx;
    int rc = replay_check_seq(l, row->seq, row->timestamp_us, err);

    if (rc < 0) {
        return rc;
    }
    if (view_rec_find(l, row->id) != NULL || view_account(l, row->debit_account_id) == NULL ||
        view_account(l, row->credit_account_id) == NULL || row->amount < 0) {
        return mdt_err_set(err, MDT_E(CORRUPT),
                           "transfer seq %llu: duplicate id, unknown account or negative amount",
                           (unsigned long long)row->seq);
    }
    if (row->flags & (TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING | TRANSFER_EXPIRE)) {
        p = view_rec_find(l, row->link_id);
        if (p == NULL || !(p->flags & TRANSFER_PENDING) || p->state != TRANSFER_STATE_PENDING ||
            row->amount > p->amount) {
            return mdt_err_set(err, MDT_E(CORRUPT),
                               "transfer seq %llu closes a transfer that is not open",
                               (unsigned long long)row->seq);
        }
        view_apply_close(l, p, (row->flags & TRANSFER_POST_PENDING) ? row->amount : 0,
                         (row->flags & TRANSFER_POST_PENDING) ? TRANSFER_STATE_POSTED
                         : (row->flags & TRANSFER_EXPIRE)     ? TRANSFER_STATE_EXPIRED
                                                              : TRANSFER_STATE_VOIDED);
        first.state = TRANSFER_STATE_POSTED;
    } else {
        if (row->amount == 0) {
            return mdt_err_set(err, MDT_E(CORRUPT), "transfer seq %llu moves nothing",
                               (unsigned long long)row->seq);
        }
        view_apply_new(l, row);
        first.state =
            (row->flags & TRANSFER_PENDING) ? TRANSFER_STATE_PENDING : TRANSFER_STATE_POSTED;
        if (row->kind == TRANSFER_REFUND) {
            int64_t left = 0;
            struct rec *orig = view_refundable(l, row->link_id, &left);

            if (orig == NULL || row->amount > left) {
                return mdt_err_set(err, MDT_E(CORRUPT),
                                   "transfer seq %llu refunds more than its original",
                                   (unsigned long long)row->seq);
            }
            orig->refunded += row->amount;
        }
    }
    idx = view_rec_add(l, &first);
    l->totals.transfers++;
    if (first.state == TRANSFER_STATE_PENDING && !(row->flags & TRANSFER_FEE_LEG)) {
        view_heap_push(l, row->expires_us, idx);
    }
    l->undo_count = 0; /* replay is never undone */
    return 0;
}

/* ---- lifetime and reads ---- */

int ledger_create(const struct ledger_config *cfg, struct ledger **out)
{
    struct ledger *l = calloc(1, sizeof(*l));

    if (l == NULL) {
        return MDT_E(NOMEM);
    }
    l->cfg = *cfg;
    if (index_init(&l->index, LEDGER_RECORDS_MAX) < 0) {
        free(l);
        return MDT_E(NOMEM);
    }
    *out = l;
    return 0;
}

void ledger_free(struct ledger *l)
{
    if (l == NULL) {
        return;
    }
    free(l->accounts);
    free(l->recs);
    index_free(&l->index);
    free(l->heap);
    free(l->undo);
    free(l->unit_pending);
    free(l->blog);
    for (unsigned i = 0; i < l->batch_count; i++) {
        free(l->batches[i].systems);
    }
    free(l);
}

uint64_t ledger_last_seq(const struct ledger *l)
{
    return l->last_seq;
}

const struct account *ledger_account_get(const struct ledger *l, uint64_t id)
{
    if (id == 0 || id > l->account_count) {
        return NULL;
    }
    return &l->accounts[id - 1];
}

const struct ledger_limits *ledger_limits_of(const struct ledger *l, uint64_t id)
{
    const struct account *a = ledger_account_get(l, id);

    if (a == NULL || a->kind >= ACCOUNT_KIND_COUNT || a->tier >= KYC_TIER_COUNT) {
        return NULL;
    }
    return &l->cfg.limits[a->kind][a->tier];
}

uint64_t ledger_account_count(const struct ledger *l)
{
    return l->account_count;
}

int ledger_transfer_find(const struct ledger *l, struct id128 id, struct transfer *out)
{
    const struct rec *r = view_rec_find((struct ledger *)l, id);

    if (r == NULL) {
        return MDT_E(NOTFOUND);
    }
    memset(out, 0, sizeof(*out));
    out->id = r->id;
    out->link_id = r->link;
    out->seq = r->seq;
    out->debit_account_id = r->debit;
    out->credit_account_id = r->credit;
    out->amount = r->amount;
    out->kind = r->kind;
    out->flags = r->flags;
    out->state = r->state;
    out->reason = r->reason;
    out->timestamp_us = r->timestamp_us;
    out->expires_us = r->expires_us;
    out->fingerprint = r->fingerprint;
    memcpy(out->fee_schedules, r->fee_schedules, sizeof(out->fee_schedules));
    return 0;
}

size_t ledger_account_recent(const struct ledger *l, uint64_t id, struct transfer *out, size_t max)
{
    const struct account *a = ledger_account_get(l, id);
    size_t n = 0;

    if (a == NULL) {
        return 0;
    }
    for (uint32_t k = 0; k < ACCOUNT_RECENT_MAX && k < a->recent_count && n < max; k++) {
        uint32_t idx = a->recent[(a->recent_count - 1 - k) % ACCOUNT_RECENT_MAX];

        MDT_ASSERT(idx < l->rec_count);
        if (ledger_transfer_find(l, l->recs[idx].id, &out[n]) == 0) {
            n++;
        }
    }
    return n;
}

void ledger_totals_get(const struct ledger *l, struct ledger_totals *out)
{
    *out = l->totals;
}
