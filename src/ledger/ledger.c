/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's decisions: validation, idempotency, two-phase rules, refunds, limits, fee legs
 * and linked chains. Every accepted change goes through the view primitives and becomes a row. */
#include <string.h>

#include "base/assert.h"
#include "base/hash.h"
#include "base/id128.h"
#include "base/mem.h"
#include "base/money.h"
#include "ledger/ledger_int.h"

/* Tags of ids the ledger derives from a caller's id (id128_derive). */
#define TAG_FEE_LEG 1u        /* + leg index: fee legs of a transfer */
#define TAG_EXPIRE 0x100u     /* the expiry row of a pending transfer */
#define TAG_FEE_REFUND 0x200u /* + leg index: the refund of a withdrawal's fee leg */

static const uint16_t caller_flags = TRANSFER_LINKED | TRANSFER_PENDING | TRANSFER_POST_PENDING |
                                     TRANSFER_VOID_PENDING | TRANSFER_RETRY_REFUSED |
                                     TRANSFER_BALANCING_DEBIT;

/* FNV-1a over the caller-set fields, in a fixed order. */
uint64_t transfer_fingerprint(const struct transfer *t)
{
    uint64_t h = HASH_FNV1A_SEED;

    h = hash_fnv1a(h, &t->id, sizeof(t->id));
    h = hash_fnv1a(h, &t->debit_account_id, sizeof(t->debit_account_id));
    h = hash_fnv1a(h, &t->credit_account_id, sizeof(t->credit_account_id));
    h = hash_fnv1a(h, &t->amount, sizeof(t->amount));
    h = hash_fnv1a(h, &t->link_id, sizeof(t->link_id));
    h = hash_fnv1a(h, &t->timeout_s, sizeof(t->timeout_s));
    h = hash_fnv1a(h, &t->kind, sizeof(t->kind));
    h = hash_fnv1a(h, &t->flags, sizeof(t->flags));
    h = hash_fnv1a(h, t->fee_schedules, sizeof(t->fee_schedules));
    h = hash_fnv1a(h, &t->channel, sizeof(t->channel));
    h = hash_fnv1a(h, t->ext_ref, strnlen(t->ext_ref, sizeof(t->ext_ref)));
    return h == 0 ? 1 : h;
}

static int64_t next_ts(struct ledger *l, int64_t now_us)
{
    l->last_ts = now_us > l->last_ts ? now_us : l->last_ts + 1;
    return l->last_ts;
}

static void *push(void **arr, size_t *count, size_t *cap, size_t elem)
{
    mem_grow(arr, cap, *count + 1, elem);
    return (char *)*arr + (*count)++ * elem;
}

/* Append an accepted row to the changes and the view's index. Returns the rec index. */
static uint32_t emit_transfer(struct ledger *l, struct transfer *row, struct ledger_changes *ch)
{
    struct transfer *out;

    row->seq = ++l->last_seq;
    out = push((void **)&ch->transfers, &ch->transfer_count, &ch->transfer_cap, sizeof(*out));
    *out = *row;
    l->totals.transfers++;
    return view_rec_add(l, row);
}

static void emit_state(struct ledger *l, const struct rec *p, struct ledger_changes *ch)
{
    struct state_change *s;

    (void)l;
    s = push((void **)&ch->states, &ch->state_count, &ch->state_cap, sizeof(*s));
    s->seq = p->seq;
    s->state = p->state;
}

static int check_status(const struct account *a)
{
    if (a->status == ACCOUNT_FROZEN) {
        return LEDGER_ACCOUNT_FROZEN;
    }
    if (a->status == ACCOUNT_CLOSED) {
        return LEDGER_ACCOUNT_CLOSED;
    }
    return LEDGER_OK;
}

static bool over(int64_t used, int64_t amount, int64_t max)
{
    int64_t sum;

    return max > 0 && (__builtin_add_overflow(used, amount, &sum) || sum > max);
}

/* Limits of DESIGN.md on the debited and the credited account, with the windows rolled to ts. */
static int check_limits(struct ledger *l, const struct transfer *t, int64_t ts)
{
    struct account dr = *view_account(l, t->debit_account_id);
    struct account cr = *view_account(l, t->credit_account_id);
    const struct ledger_limits *dl = &l->cfg.limits[dr.kind][dr.tier];
    const struct ledger_limits *cl = &l->cfg.limits[cr.kind][cr.tier];
    int64_t op_max = 0;

    view_window_roll(&dr, ts);
    view_window_roll(&cr, ts);
    if (t->kind == TRANSFER_P2P) {
        op_max = dl->op_max_p2p;
    } else if (t->kind == TRANSFER_PAYMENT || t->kind == TRANSFER_DONATION) {
        op_max = dl->op_max_payment;
    }
    if (op_max > 0 && t->amount > op_max) {
        return LEDGER_LIMIT_OPERATION_MAX;
    }
    if (over(dr.day_debits, t->amount, dl->day_debits_max)) {
        return LEDGER_LIMIT_DAILY_DEBITS;
    }
    if (over(dr.month_debits, t->amount, dl->month_debits_max)) {
        return LEDGER_LIMIT_MONTHLY_DEBITS;
    }
    if (over(dr.year_debits, t->amount, dl->year_debits_max)) {
        return LEDGER_LIMIT_YEARLY_DEBITS;
    }
    if (t->kind != TRANSFER_CARD_MOVE && over(cr.year_loads, t->amount, cl->year_loads_max)) {
        return LEDGER_LIMIT_YEARLY_LOADS;
    }
    if (cl->balance_max > 0 && over(cr.credits_posted - cr.debits_posted + cr.credits_pending,
                                    t->amount, cl->balance_max)) {
        return LEDGER_LIMIT_MAX_BALANCE;
    }
    return LEDGER_OK;
}

/* A card move (a replacement's balance) is not counted as a load: only between two card
 * accounts, posted at once, so that it cannot carry other money past the yearly cap. */
static bool card_move_valid(struct ledger *l, const struct transfer *t)
{
    const struct account *dr = view_account(l, t->debit_account_id);
    const struct account *cr = view_account(l, t->credit_account_id);

    return dr != NULL && cr != NULL && dr->kind == ACCOUNT_CARD && cr->kind == ACCOUNT_CARD &&
           !(t->flags & TRANSFER_PENDING) && t->fee_schedules[0] == 0;
}

/* Funds and overflow: whatever the limits say, balances must stay representable and accounts
 * without overdraft may not spend more than they hold (posted credits, not pending ones). */
static int check_funds(struct ledger *l, uint64_t debit, uint64_t credit, int64_t amount)
{
    const struct account *dr = view_account(l, debit);
    const struct account *cr = view_account(l, credit);
    int64_t d, c, spent;

    if (__builtin_add_overflow(dr->debits_posted, dr->debits_pending, &d) ||
        __builtin_add_overflow(d, amount, &d) ||
        __builtin_add_overflow(cr->credits_posted, cr->credits_pending, &c) ||
        __builtin_add_overflow(c, amount, &c) ||
        __builtin_add_overflow(l->totals.debits_posted, l->totals.debits_pending, &spent) ||
        __builtin_add_overflow(spent, amount, &spent)) {
        return LEDGER_OVERFLOW;
    }
    if ((dr->flags & ACCOUNT_NO_OVERDRAFT) && d > dr->credits_posted) {
        return LEDGER_INSUFFICIENT_FUNDS;
    }
    return LEDGER_OK;
}

static int check_accounts(struct ledger *l, const struct transfer *t)
{
    const struct account *dr = view_account(l, t->debit_account_id);
    const struct account *cr = view_account(l, t->credit_account_id);
    int rc;

    if (dr == NULL) {
        return LEDGER_DEBIT_ACCOUNT_NOT_FOUND;
    }
    if (cr == NULL) {
        return LEDGER_CREDIT_ACCOUNT_NOT_FOUND;
    }
    if (dr == cr) {
        return LEDGER_ACCOUNTS_MUST_BE_DIFFERENT;
    }
    if (memcmp(dr->currency, cr->currency, 4) != 0) {
        return LEDGER_CURRENCY_MISMATCH;
    }
    rc = check_status(dr);
    if (rc == LEDGER_OK) {
        rc = check_status(cr);
    }
    return rc;
}

/* A row the ledger derives from a caller's transfer (a fee leg, a fee given back), after its
 * accounts and funds are checked, timed after after_us. */
static int emit_derived(struct ledger *l, struct transfer *row, int64_t after_us,
                        struct ledger_changes *ch)
{
    int rc = check_accounts(l, row);

    if (rc == LEDGER_OK) {
        rc = check_funds(l, row->debit_account_id, row->credit_account_id, row->amount);
    }
    if (rc != LEDGER_OK) {
        return rc;
    }
    MDT_ASSERT(view_rec_find(l, row->id) == NULL);
    row->timestamp_us = next_ts(l, after_us);
    view_apply_new(l, row);
    emit_transfer(l, row, ch);
    return LEDGER_OK;
}

/* Fee legs of a new transfer: one per schedule it names, debiting the payer, the payee or the
 * operator's account, crediting the fees account, pending if the transfer is pending. */
static int add_fee_legs(struct ledger *l, const struct transfer *t, struct ledger_changes *ch,
                        int64_t *fee_total)
{
    const struct account *dr = view_account(l, t->debit_account_id);

    for (uint32_t i = 0; i < TRANSFER_FEES_MAX; i++) {
        const struct fee_schedule *s;
        struct transfer leg;
        int64_t fee = 0;
        int rc;

        if (t->fee_schedules[i] == 0) {
            continue;
        }
        if (t->fee_schedules[i] > l->cfg.fee_schedule_count) {
            return LEDGER_FEE_SCHEDULE_NOT_FOUND;
        }
        s = &l->cfg.fee_schedules[t->fee_schedules[i] - 1];
        if (strncmp(s->currency, dr->currency, 4) != 0) {
            return LEDGER_CURRENCY_MISMATCH;
        }
        rc = fee_compute(s, t->amount, &fee);
        if (rc != LEDGER_OK || fee == 0) {
            if (rc != LEDGER_OK) {
                return rc;
            }
            continue;
        }
        memset(&leg, 0, sizeof(leg));
        leg.id = id128_derive(t->id, TAG_FEE_LEG + i);
        leg.debit_account_id = s->payer == FEE_PAYER ? t->debit_account_id
                               : s->payer == FEE_PAYEE
                                   ? t->credit_account_id
                                   : ledger_system_account(l, ACCOUNT_OPERATOR, dr->currency);
        leg.credit_account_id = ledger_system_account(l, ACCOUNT_FEES, dr->currency);
        if (leg.debit_account_id == 0 || leg.credit_account_id == 0) {
            return LEDGER_FEE_ACCOUNT_MISSING;
        }
        leg.amount = fee;
        leg.link_id = t->id;
        leg.kind = TRANSFER_FEE;
        leg.flags = TRANSFER_FEE_LEG | (t->flags & TRANSFER_PENDING);
        leg.channel = t->channel;
        leg.expires_us = t->expires_us;
        leg.state = t->state;
        rc = emit_derived(l, &leg, t->timestamp_us, ch);
        if (rc != LEDGER_OK) {
            return rc;
        }
        *fee_total += fee;
    }
    return LEDGER_OK;
}

static int check_new(struct ledger *l, const struct transfer *t, uint32_t *orig)
{
    int64_t left = 0;
    struct rec *o;
    int rc;

    if (t->amount <= 0) {
        return LEDGER_AMOUNT_MUST_BE_POSITIVE;
    }
    if (t->timeout_s != 0 && !(t->flags & TRANSFER_PENDING)) {
        return LEDGER_TIMEOUT_REQUIRES_PENDING;
    }
    if (t->timeout_s > l->cfg.pending_timeout_max_s) {
        return LEDGER_TIMEOUT_EXCEEDS_MAXIMUM;
    }
    if (t->kind == TRANSFER_FEE) {
        return LEDGER_KIND_INVALID; /* fee legs are the ledger's own */
    }
    if (t->kind == TRANSFER_CARD_MOVE && !card_move_valid(l, t)) {
        return LEDGER_KIND_INVALID;
    }
    if (!id128_is_zero(t->link_id) && t->kind != TRANSFER_REFUND) {
        return LEDGER_REFERENCE_REQUIRES_REFUND;
    }
    rc = check_accounts(l, t);
    if (rc != LEDGER_OK || t->kind != TRANSFER_REFUND) {
        return rc;
    }
    o = view_refundable(l, t->link_id, &left);
    if (o == NULL) {
        return view_rec_find(l, t->link_id) == NULL ? LEDGER_REFUND_ORIGINAL_NOT_FOUND
                                                    : LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE;
    }
    if (t->debit_account_id != o->credit || t->credit_account_id != o->debit) {
        return LEDGER_REFUND_ACCOUNTS_MISMATCH;
    }
    if (t->amount > left) {
        return LEDGER_REFUND_EXCEEDS_ORIGINAL;
    }
    *orig = (uint32_t)(o - l->recs);
    return LEDGER_OK;
}

/* A balancing debit moves what the debited account has, at most its amount (TigerBeetle's
 * balancing_debit): t->amount is lowered before the limits and funds are checked. Only an
 * account without overdraft has a bound; nothing available is insufficient_funds. */
static int balance_debit(struct ledger *l, struct transfer *t)
{
    const struct account *dr = view_account(l, t->debit_account_id);
    int64_t avail;

    if (!(t->flags & TRANSFER_BALANCING_DEBIT) || !(dr->flags & ACCOUNT_NO_OVERDRAFT)) {
        return LEDGER_OK;
    }
    avail = dr->credits_posted - dr->debits_posted - dr->debits_pending;
    if (avail <= 0) {
        return LEDGER_INSUFFICIENT_FUNDS;
    }
    if (t->amount > avail) {
        t->amount = avail;
    }
    return LEDGER_OK;
}

/*
 * A card network's reversal takes back the whole withdrawal (issue 15): once a refund brings a
 * card withdrawal's refunds to all it moved, what is left of each of its fee legs (the ATM and
 * exchange fees) goes back too, as a refund of that leg in the same unit, debiting the fees
 * account. A partial refund keeps the fees; a refund that names fee schedules of its own
 * returns none (its legs' ids would meet). Limits are not checked: giving a fee back is no load.
 */
static int refund_fee_legs(struct ledger *l, const struct transfer *t, uint32_t orig,
                           struct ledger_changes *ch)
{
    struct id128 oid = l->recs[orig].id;
    int64_t moved =
        (l->recs[orig].flags & TRANSFER_PENDING) ? l->recs[orig].settled : l->recs[orig].amount;

    if (l->recs[orig].kind != TRANSFER_WITHDRAWAL || l->recs[orig].refunded != moved ||
        t->fee_schedules[0] != 0 || t->fee_schedules[1] != 0) {
        return LEDGER_OK;
    }
    for (uint32_t i = 0; i < TRANSFER_FEES_MAX; i++) {
        struct rec *leg = view_rec_find(l, id128_derive(oid, TAG_FEE_LEG + i));
        struct transfer row;
        int64_t left = 0;
        uint32_t li;
        int rc;

        if (leg == NULL || view_refundable(l, leg->id, &left) == NULL || left <= 0) {
            continue;
        }
        li = (uint32_t)(leg - l->recs);
        memset(&row, 0, sizeof(row));
        row.id = id128_derive(t->id, TAG_FEE_REFUND + i);
        row.debit_account_id = leg->credit;
        row.credit_account_id = leg->debit;
        row.amount = left;
        row.link_id = leg->id;
        row.kind = TRANSFER_REFUND;
        row.channel = t->channel;
        row.state = TRANSFER_STATE_POSTED;
        memcpy(row.ext_ref, t->ext_ref, sizeof(row.ext_ref));
        rc = emit_derived(l, &row, t->timestamp_us, ch);
        if (rc != LEDGER_OK) {
            return rc;
        }
        view_touch_rec(l, li);
        l->recs[li].refunded += left;
    }
    return LEDGER_OK;
}

/* A single-phase or pending transfer, with its refund bookkeeping and fee legs. */
static int exec_new(struct ledger *l, struct transfer *t, int64_t now_us, struct ledger_result *res,
                    struct ledger_changes *ch)
{
    uint32_t orig = UINT32_MAX;
    uint32_t idx;
    int64_t ts;
    int rc = check_new(l, t, &orig);

    if (rc != LEDGER_OK) {
        return rc;
    }
    rc = balance_debit(l, t);
    if (rc != LEDGER_OK) {
        return rc;
    }
    ts = next_ts(l, now_us);
    rc = check_limits(l, t, ts);
    if (rc == LEDGER_OK) {
        rc = check_funds(l, t->debit_account_id, t->credit_account_id, t->amount);
    }
    if (rc != LEDGER_OK) {
        return rc;
    }
    t->timestamp_us = ts;
    if (t->flags & TRANSFER_PENDING) {
        uint32_t timeout = t->timeout_s ? t->timeout_s : l->cfg.pending_timeout_default_s;

        t->state = TRANSFER_STATE_PENDING;
        t->expires_us = ts + (int64_t)timeout * 1000000;
    } else {
        t->state = TRANSFER_STATE_POSTED;
    }
    view_apply_new(l, t);
    if (orig != UINT32_MAX) {
        view_touch_rec(l, orig);
        l->recs[orig].refunded += t->amount;
    }
    idx = emit_transfer(l, t, ch);
    if (t->flags & TRANSFER_PENDING) {
        uint32_t *slot = push((void **)&l->unit_pending, &l->unit_pending_count,
                              &l->unit_pending_cap, sizeof(*slot));
        *slot = idx;
    }
    res->timestamp_us = ts;
    res->amount = t->amount;
    if (orig != UINT32_MAX) {
        rc = refund_fee_legs(l, t, orig, ch);
        if (rc != LEDGER_OK) {
            return rc;
        }
    }
    return add_fee_legs(l, t, ch, &res->fee_minor);
}

/* Close the rec at index p with a row of its own: post amount, or void/expire (amount 0).
 * row must have id, flags, channel and ext_ref set; the rest comes from the pending. */
static void close_one(struct ledger *l, uint32_t p, int64_t amount, uint16_t state,
                      struct transfer *row, struct ledger_changes *ch)
{
    const struct rec *r = &l->recs[p];

    row->debit_account_id = r->debit;
    row->credit_account_id = r->credit;
    row->amount = state == TRANSFER_STATE_POSTED ? amount : r->amount;
    row->link_id = r->id;
    row->kind = r->kind;
    row->state = TRANSFER_STATE_POSTED;
    row->timestamp_us = next_ts(l, row->timestamp_us);
    view_apply_close(l, &l->recs[p], amount, state);
    emit_state(l, &l->recs[p], ch);
    emit_transfer(l, row, ch);
}

/* Close the open fee legs of pending transfer p along with it. A partial post recomputes each
 * fee on the posted amount, never above what was held. */
static void close_legs(struct ledger *l, uint32_t p, const struct transfer *closing, int64_t posted,
                       uint16_t state, struct ledger_changes *ch, int64_t *fee_total)
{
    struct id128 pid = l->recs[p].id;
    int64_t held_main = l->recs[p].amount;

    for (uint32_t i = 0; i < TRANSFER_FEES_MAX; i++) {
        struct rec *leg = view_rec_find(l, id128_derive(pid, TAG_FEE_LEG + i));
        struct transfer row;
        int64_t fee = 0;

        if (leg == NULL || leg->state != TRANSFER_STATE_PENDING) {
            continue;
        }
        if (state == TRANSFER_STATE_POSTED) {
            uint16_t sid = l->recs[p].fee_schedules[i];

            fee = leg->amount;
            if (posted < held_main && sid != 0 && sid <= l->cfg.fee_schedule_count &&
                fee_compute(&l->cfg.fee_schedules[sid - 1], posted, &fee) != LEDGER_OK) {
                fee = leg->amount;
            }
            fee = fee < leg->amount ? fee : leg->amount;
            *fee_total += fee;
        }
        memset(&row, 0, sizeof(row));
        row.id = id128_derive(closing->id, TAG_FEE_LEG + i);
        row.flags = (uint16_t)(TRANSFER_FEE_LEG |
                               (closing->flags &
                                (TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING | TRANSFER_EXPIRE)));
        row.channel = closing->channel;
        row.timestamp_us = closing->timestamp_us;
        close_one(l, (uint32_t)(leg - l->recs), fee, state, &row, ch);
    }
}

static int check_close(struct ledger *l, const struct transfer *t, int64_t now_us, uint32_t *p)
{
    struct rec *r = id128_is_zero(t->link_id) ? NULL : view_rec_find(l, t->link_id);

    if (r == NULL || !(r->flags & TRANSFER_PENDING) || (r->flags & TRANSFER_FEE_LEG) ||
        r->reason != LEDGER_OK) {
        return LEDGER_PENDING_NOT_FOUND;
    }
    if (r->state == TRANSFER_STATE_POSTED) {
        return LEDGER_PENDING_ALREADY_POSTED;
    }
    if (r->state == TRANSFER_STATE_VOIDED) {
        return LEDGER_PENDING_ALREADY_VOIDED;
    }
    if (r->state == TRANSFER_STATE_EXPIRED || now_us >= r->expires_us) {
        return LEDGER_PENDING_EXPIRED;
    }
    if ((t->debit_account_id != 0 && t->debit_account_id != r->debit) ||
        (t->credit_account_id != 0 && t->credit_account_id != r->credit)) {
        return LEDGER_PENDING_ACCOUNTS_MISMATCH;
    }
    if (t->timeout_s != 0) {
        return LEDGER_TIMEOUT_REQUIRES_PENDING;
    }
    if (t->amount < 0) {
        return LEDGER_AMOUNT_MUST_BE_POSITIVE;
    }
    if (t->amount > r->amount) {
        return LEDGER_PENDING_AMOUNT_EXCEEDED;
    }
    *p = (uint32_t)(r - l->recs);
    return LEDGER_OK;
}

/* Post (fully or partly) or void a pending transfer and its fee legs. */
static int exec_close(struct ledger *l, struct transfer *t, int64_t now_us,
                      struct ledger_result *res, struct ledger_changes *ch)
{
    uint32_t p = 0;
    bool post = (t->flags & TRANSFER_POST_PENDING) != 0;
    int64_t amount;
    int rc = check_close(l, t, now_us, &p);

    if (rc != LEDGER_OK) {
        return rc;
    }
    amount = post ? (t->amount != 0 ? t->amount : l->recs[p].amount) : 0;
    if (post) {
        rc = check_status(view_account(l, l->recs[p].debit));
        if (rc == LEDGER_OK) {
            rc = check_status(view_account(l, l->recs[p].credit));
        }
        if (rc != LEDGER_OK) {
            return rc;
        }
    }
    t->timestamp_us = now_us;
    close_one(l, p, amount, post ? TRANSFER_STATE_POSTED : TRANSFER_STATE_VOIDED, t, ch);
    close_legs(l, p, t, amount, post ? TRANSFER_STATE_POSTED : TRANSFER_STATE_VOIDED, ch,
               &res->fee_minor);
    res->timestamp_us = t->timestamp_us;
    res->amount = amount;
    return LEDGER_OK;
}

static void expire_one(struct ledger *l, uint32_t p, int64_t now_us, struct ledger_changes *ch)
{
    struct transfer row;
    int64_t unused = 0;

    memset(&row, 0, sizeof(row));
    row.id = id128_derive(l->recs[p].id, TAG_EXPIRE);
    row.flags = TRANSFER_EXPIRE;
    row.timestamp_us = now_us;
    close_one(l, p, 0, TRANSFER_STATE_EXPIRED, &row, ch);
    close_legs(l, p, &row, 0, TRANSFER_STATE_EXPIRED, ch, &unused);
}

size_t ledger_expire(struct ledger *l, int64_t now_us, size_t max, struct ledger_changes *ch)
{
    size_t n = 0;

    while (n < max) {
        struct rec *r = view_pop_due(l, now_us);

        if (r == NULL) {
            break;
        }
        view_unit_begin(l, ch);
        expire_one(l, (uint32_t)(r - l->recs), now_us, ch);
        view_unit_commit(l);
        n++;
    }
    return n;
}

/* The result a known id got the first time: its time, the amount it moved and its fees (the
 * fee legs have ids derived from it). */
static void first_result(struct ledger *l, const struct rec *old, struct ledger_result *res)
{
    struct id128 id = old->id;

    res->duplicate = 1;
    res->timestamp_us = old->timestamp_us;
    res->amount = (old->flags & TRANSFER_VOID_PENDING) ? 0 : old->amount;
    res->fee_minor = old->reason == LEDGER_OK ? ledger_transfer_fees(l, id) : 0;
}

int64_t ledger_transfer_fees(const struct ledger *l, struct id128 id)
{
    int64_t fees = 0;

    for (uint32_t i = 0; i < TRANSFER_FEES_MAX; i++) {
        const struct rec *leg =
            view_rec_find((struct ledger *)l, id128_derive(id, TAG_FEE_LEG + i));

        if (leg != NULL && (leg->flags & TRANSFER_FEE_LEG) && leg->reason == LEDGER_OK &&
            !(leg->flags & TRANSFER_VOID_PENDING)) {
            fees += leg->amount;
        }
    }
    return fees;
}

/* Idempotency first: a known id answers with its first result, whatever the view says now. */
static int exec_transfer(struct ledger *l, const struct ledger_op *op, int64_t now_us,
                         struct ledger_result *res, struct ledger_changes *ch)
{
    struct transfer t = op->transfer;
    const struct rec *old;
    uint16_t phase;

    t.fingerprint = transfer_fingerprint(&op->transfer);
    t.ext_ref[sizeof(t.ext_ref) - 1] = '\0';
    /* Output fields are the ledger's: whatever the caller left there is not trusted. */
    t.seq = 0;
    t.state = 0;
    t.reason = 0;
    t.timestamp_us = 0;
    t.expires_us = 0;
    if (id128_is_zero(t.id)) {
        return LEDGER_ID_MUST_NOT_BE_ZERO;
    }
    old = view_rec_find(l, t.id);
    if (old != NULL) {
        if (old->fingerprint != t.fingerprint) {
            return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
        }
        first_result(l, old, res);
        return old->reason;
    }
    phase = t.flags & (TRANSFER_PENDING | TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING);
    if ((t.flags & ~caller_flags) != 0 || (phase & (phase - 1)) != 0 ||
        ((t.flags & TRANSFER_BALANCING_DEBIT) && phase != 0)) {
        return LEDGER_FLAGS_INVALID;
    }
    if (t.kind >= TRANSFER_KIND_COUNT) {
        return LEDGER_KIND_INVALID;
    }
    if (phase & (TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING)) {
        return exec_close(l, &t, now_us, res, ch);
    }
    return exec_new(l, &t, now_us, res, ch);
}

/* Rejections decided on the merits are kept, so that a retry with the same id gets the same
 * answer; refusals about the id itself are not (there is nothing to key them on). */
static void store_rejection(struct ledger *l, const struct transfer *t, int reason, int64_t now_us,
                            struct ledger_changes *ch)
{
    struct transfer *row;

    if (id128_is_zero(t->id) || reason == LEDGER_EXISTS_WITH_DIFFERENT_FIELDS ||
        reason == LEDGER_LINKED_EVENT_CHAIN_OPEN || view_rec_find(l, t->id) != NULL) {
        return;
    }
    row = push((void **)&ch->rejections, &ch->rejection_count, &ch->rejection_cap, sizeof(*row));
    *row = *t;
    row->ext_ref[sizeof(row->ext_ref) - 1] = '\0';
    row->fingerprint = transfer_fingerprint(t);
    row->seq = ++l->last_seq;
    row->reason = (uint16_t)reason;
    row->timestamp_us = next_ts(l, now_us);
    row->state = 0;
    row->expires_us = 0;
    view_rec_add(l, row);
    l->totals.rejections++;
}

static void emit_event(struct ledger *l, struct account_event *ev, int64_t now_us,
                       struct ledger_changes *ch)
{
    struct account_event *out;

    ev->seq = ++l->last_seq;
    ev->timestamp_us = next_ts(l, now_us);
    out = push((void **)&ch->events, &ch->event_count, &ch->event_cap, sizeof(*out));
    *out = *ev;
}

/* Open whichever of bank, fees, operator and suspense the currency lacks. */
static uint64_t open_system(struct ledger *l, const char *currency, int64_t now_us,
                            struct ledger_changes *ch)
{
    static const int kinds[] = {ACCOUNT_BANK, ACCOUNT_FEES, ACCOUNT_OPERATOR, ACCOUNT_SUSPENSE};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct account_event ev = {0};

        if (ledger_system_account(l, kinds[i], currency) != 0) {
            continue;
        }
        ev.type = ACCOUNT_EVENT_OPEN;
        ev.account_id = l->account_count + 1;
        ev.kind = (uint16_t)kinds[i];
        memcpy(ev.currency, currency, 4);
        emit_event(l, &ev, now_us, ch);
        view_open_account(l, &ev);
    }
    return ledger_system_account(l, ACCOUNT_BANK, currency);
}

static int exec_open(struct ledger *l, const struct account_req *req, int64_t now_us,
                     struct ledger_result *res, struct ledger_changes *ch)
{
    const struct currency *cur = currency_find(req->currency);
    struct account_event ev = {0};

    if (cur == NULL) {
        return LEDGER_CURRENCY_UNKNOWN;
    }
    if (req->kind >= ACCOUNT_KIND_COUNT) {
        return LEDGER_ACCOUNT_KIND_INVALID;
    }
    if (req->tier >= KYC_TIER_COUNT) {
        return LEDGER_TIER_INVALID;
    }
    if (ledger_system_account(l, req->kind, cur->code) != 0) {
        return LEDGER_SYSTEM_ACCOUNT_EXISTS;
    }
    if (l->system_count >= LEDGER_CURRENCIES_MAX) {
        return LEDGER_CURRENCY_UNKNOWN;
    }
    res->account_id = open_system(l, cur->code, now_us, ch);
    if (req->kind == ACCOUNT_BANK || req->kind == ACCOUNT_FEES || req->kind == ACCOUNT_OPERATOR ||
        req->kind == ACCOUNT_SUSPENSE) {
        res->account_id = ledger_system_account(l, req->kind, cur->code);
        return LEDGER_OK;
    }
    ev.type = ACCOUNT_EVENT_OPEN;
    ev.account_id = l->account_count + 1;
    ev.kind = req->kind;
    ev.tier = req->tier;
    ev.flags =
        (req->kind == ACCOUNT_WALLET || req->kind == ACCOUNT_CARD) ? ACCOUNT_NO_OVERDRAFT : 0;
    memcpy(ev.currency, cur->code, 4);
    emit_event(l, &ev, now_us, ch);
    view_open_account(l, &ev);
    res->account_id = ev.account_id;
    return LEDGER_OK;
}

static int exec_change(struct ledger *l, const struct ledger_op *op, int64_t now_us,
                       struct ledger_result *res, struct ledger_changes *ch)
{
    struct account *a = view_account(l, op->account.account_id);
    struct account_event ev = {0};

    if (a == NULL) {
        return LEDGER_ACCOUNT_NOT_FOUND;
    }
    if (a->status == ACCOUNT_CLOSED) {
        return LEDGER_ACCOUNT_CLOSED;
    }
    ev.account_id = a->id;
    ev.kind = a->kind;
    ev.status = a->status;
    ev.tier = a->tier;
    memcpy(ev.currency, a->currency, 4);
    if (op->type == LEDGER_OP_ACCOUNT_TIER) {
        if (op->account.tier >= KYC_TIER_COUNT) {
            return LEDGER_TIER_INVALID;
        }
        ev.type = ACCOUNT_EVENT_TIER;
        ev.tier = op->account.tier;
    } else {
        if (op->account.status > ACCOUNT_CLOSED) {
            return LEDGER_STATUS_INVALID;
        }
        if (op->account.status == ACCOUNT_CLOSED &&
            (a->debits_posted != a->credits_posted || a->debits_pending != 0 ||
             a->credits_pending != 0)) {
            return LEDGER_ACCOUNT_NOT_EMPTY;
        }
        ev.type = ACCOUNT_EVENT_STATUS;
        ev.status = op->account.status;
    }
    view_touch_account(l, a);
    emit_event(l, &ev, now_us, ch);
    a->status = ev.status;
    a->tier = ev.tier;
    res->account_id = a->id;
    return LEDGER_OK;
}

static int exec_op(struct ledger *l, const struct ledger_op *op, int64_t now_us,
                   struct ledger_result *res, struct ledger_changes *ch)
{
    switch (op->type) {
    case LEDGER_OP_TRANSFER:
        return exec_transfer(l, op, now_us, res, ch);
    case LEDGER_OP_ACCOUNT_OPEN:
        return exec_open(l, &op->account, now_us, res, ch);
    case LEDGER_OP_ACCOUNT_STATUS:
    case LEDGER_OP_ACCOUNT_TIER:
        return exec_change(l, op, now_us, res, ch);
    case LEDGER_OP_SYSTEM_INIT: {
        const struct currency *cur = currency_find(op->account.currency);

        if (cur == NULL) {
            return LEDGER_CURRENCY_UNKNOWN;
        }
        res->account_id = open_system(l, cur->code, now_us, ch);
        return LEDGER_OK;
    }
    default:
        return LEDGER_KIND_INVALID;
    }
}

/* A failed unit: undo it, then give each op its answer. The op that failed keeps its reason;
 * the others fail with it, unless they are retries of ids that already have an answer. A unit
 * with one op marked TRANSFER_RETRY_REFUSED keeps none of its refusals: its ids stay free. */
static void fail_unit(struct ledger *l, const struct ledger_op *ops, size_t first, size_t last,
                      size_t failed, int reason, int64_t now_us, struct ledger_result *results,
                      struct ledger_changes *ch)
{
    bool keep = true;

    view_unit_rollback(l, ch);
    for (size_t k = first; k <= last; k++) {
        if (ops[k].type == LEDGER_OP_TRANSFER && (ops[k].transfer.flags & TRANSFER_RETRY_REFUSED)) {
            keep = false;
        }
    }
    for (size_t k = first; k <= last; k++) {
        struct ledger_result *res = &results[k];
        const struct rec *old = NULL;
        int r = k == failed ? reason : LEDGER_LINKED_EVENT_FAILED;

        if (ops[k].type == LEDGER_OP_TRANSFER && !id128_is_zero(ops[k].transfer.id)) {
            old = view_rec_find(l, ops[k].transfer.id);
        }
        if (old != NULL && old->fingerprint == transfer_fingerprint(&ops[k].transfer)) {
            memset(res, 0, sizeof(*res));
            first_result(l, old, res);
            res->reason = old->reason;
            continue;
        }
        memset(res, 0, sizeof(*res));
        res->reason = (uint16_t)r;
        if (ops[k].type == LEDGER_OP_TRANSFER && keep) {
            store_rejection(l, &ops[k].transfer, r, now_us, ch);
        }
    }
}

/* Length of the unit starting at i: a linked chain ends at its first op without LINKED. */
static size_t unit_end(const struct ledger_op *ops, size_t n, size_t i, bool *open)
{
    size_t j = i;

    *open = false;
    while (j < n && ops[j].type == LEDGER_OP_TRANSFER &&
           (ops[j].transfer.flags & TRANSFER_LINKED)) {
        j++;
    }
    if (j == n || (j > i && ops[j].type != LEDGER_OP_TRANSFER)) {
        *open = j > i;
        return j > i ? j - 1 : j;
    }
    return j;
}

void ledger_execute(struct ledger *l, const struct ledger_op *ops, size_t n, int64_t now_us,
                    struct ledger_result *results, struct ledger_changes *ch)
{
    size_t i = 0;

    while (i < n) {
        bool open;
        size_t last = unit_end(ops, n, i, &open);
        size_t k;
        int rc = LEDGER_OK;

        if (open) {
            for (k = i; k <= last; k++) {
                memset(&results[k], 0, sizeof(results[k]));
                results[k].reason = LEDGER_LINKED_EVENT_CHAIN_OPEN;
            }
            i = last + 1;
            continue;
        }
        view_unit_begin(l, ch);
        for (k = i; k <= last; k++) {
            memset(&results[k], 0, sizeof(results[k]));
            rc = exec_op(l, &ops[k], now_us, &results[k], ch);
            if (rc != LEDGER_OK) {
                break;
            }
        }
        if (rc == LEDGER_OK) {
            view_unit_commit(l);
        } else {
            fail_unit(l, ops, i, last, k, rc, now_us, results, ch);
        }
        i = last + 1;
    }
    MDT_ASSERT(l->totals.debits_posted == l->totals.credits_posted);
    MDT_ASSERT(l->totals.debits_pending == l->totals.credits_pending);
}
