/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the ledger: every rejection reason, single-phase and two-phase transfers,
 * linked chains, idempotency, refunds, the default limits and fee schedules, account events,
 * and the replay of the log into a second ledger that must end up identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/id128.h"
#include "base/mem.h"
#include "ledger/ledger.h"

/* ------------------------------------------------------------------------------------------ */
/* Fixture: one ledger with the default config and the EUR system accounts, the rows of the   */
/* last batch, and every row so far (the log that teardown replays into a second ledger).     */
/* ------------------------------------------------------------------------------------------ */

#define EUR(x) ((int64_t)(x)*100)
#define SEC_US INT64_C(1000000)
#define OPS_MAX 16
#define SNAP_MAX 64

struct fx {
    struct ledger_config cfg;
    struct ledger *l;
    struct ledger *replica;    /* built by replay; freed by teardown */
    struct ledger_changes ch;  /* rows of the last batch */
    struct ledger_changes log; /* every row of every batch, for replay */
    struct ledger_result res[OPS_MAX];
    uint64_t bank, fees, oper;
    int64_t now;
    uint64_t next_id;
};

/* Everything starts on a weekday in 2025, so that the calendar tests of 2026 and 2027 only
 * move forward (ledger time never goes back). */
static int64_t t0(void)
{
    return clock_utc_us(2025, 6, 2, 12, 0, 0);
}

/* Compare reasons and say which names differed. */
#define assert_reason(got, want)                                                                   \
    do {                                                                                           \
        int got_r_ = (got);                                                                        \
        int want_r_ = (want);                                                                      \
        if (got_r_ != want_r_) {                                                                   \
            print_error("reason %s, want %s\n", ledger_reason_name(got_r_),                        \
                        ledger_reason_name(want_r_));                                              \
        }                                                                                          \
        assert_int_equal(got_r_, want_r_);                                                         \
    } while (0)

static void log_append(struct ledger_changes *log, const struct ledger_changes *ch)
{
    if (ch->transfer_count > 0) {
        mem_grow((void **)&log->transfers, &log->transfer_cap,
                 log->transfer_count + ch->transfer_count, sizeof(*log->transfers));
        memcpy(log->transfers + log->transfer_count, ch->transfers,
               ch->transfer_count * sizeof(*ch->transfers));
        log->transfer_count += ch->transfer_count;
    }
    if (ch->rejection_count > 0) {
        mem_grow((void **)&log->rejections, &log->rejection_cap,
                 log->rejection_count + ch->rejection_count, sizeof(*log->rejections));
        memcpy(log->rejections + log->rejection_count, ch->rejections,
               ch->rejection_count * sizeof(*ch->rejections));
        log->rejection_count += ch->rejection_count;
    }
    if (ch->event_count > 0) {
        mem_grow((void **)&log->events, &log->event_cap, log->event_count + ch->event_count,
                 sizeof(*log->events));
        memcpy(log->events + log->event_count, ch->events, ch->event_count * sizeof(*ch->events));
        log->event_count += ch->event_count;
    }
}

static void log_event(struct fx *f, const struct account_event *ev)
{
    mem_grow((void **)&f->log.events, &f->log.event_cap, f->log.event_count + 1,
             sizeof(*f->log.events));
    f->log.events[f->log.event_count++] = *ev;
}

/* Debits equal credits, posted and pending, after every batch. */
static void check_balanced(const struct ledger *l)
{
    struct ledger_totals t;

    ledger_totals_get(l, &t);
    assert_int_equal(t.debits_posted, t.credits_posted);
    assert_int_equal(t.debits_pending, t.credits_pending);
}

static struct id128 new_id(struct fx *f)
{
    return (struct id128){.hi = 0x6d616e6461740000ULL, .lo = ++f->next_id};
}

/* ---- op builders ---- */

static struct ledger_op op_xfer(struct id128 id, uint64_t debit, uint64_t credit, int64_t amount,
                                int kind, unsigned flags)
{
    struct ledger_op op;

    memset(&op, 0, sizeof(op));
    op.type = LEDGER_OP_TRANSFER;
    op.transfer.id = id;
    op.transfer.debit_account_id = debit;
    op.transfer.credit_account_id = credit;
    op.transfer.amount = amount;
    op.transfer.kind = (uint16_t)kind;
    op.transfer.flags = (uint16_t)flags;
    return op;
}

/* Post (amount 0: the full hold) or void the pending transfer named pending. */
static struct ledger_op op_close(struct id128 id, struct id128 pending, int64_t amount, bool post)
{
    struct ledger_op op = op_xfer(id, 0, 0, amount, TRANSFER_PAYMENT,
                                  post ? TRANSFER_POST_PENDING : TRANSFER_VOID_PENDING);

    op.transfer.link_id = pending;
    return op;
}

static struct ledger_op op_refund(struct id128 id, uint64_t debit, uint64_t credit, int64_t amount,
                                  struct id128 original)
{
    struct ledger_op op = op_xfer(id, debit, credit, amount, TRANSFER_REFUND, 0);

    op.transfer.link_id = original;
    return op;
}

static struct ledger_op op_account(int type, uint64_t account_id, int kind, int tier, int status,
                                   const char *currency)
{
    struct ledger_op op;

    memset(&op, 0, sizeof(op));
    op.type = (uint16_t)type;
    op.account.account_id = account_id;
    op.account.kind = (uint16_t)kind;
    op.account.tier = (uint16_t)tier;
    op.account.status = (uint16_t)status;
    if (currency != NULL) {
        snprintf(op.account.currency, sizeof(op.account.currency), "%.3s", currency);
    }
    return op;
}

static struct ledger_op op_open(int kind, int tier, const char *currency)
{
    return op_account(LEDGER_OP_ACCOUNT_OPEN, 0, kind, tier, 0, currency);
}

static struct ledger_op op_status(uint64_t account_id, int status)
{
    return op_account(LEDGER_OP_ACCOUNT_STATUS, account_id, 0, 0, status, NULL);
}

static struct ledger_op op_tier(uint64_t account_id, int tier)
{
    return op_account(LEDGER_OP_ACCOUNT_TIER, account_id, 0, tier, 0, NULL);
}

static struct ledger_op op_init(const char *currency)
{
    return op_account(LEDGER_OP_SYSTEM_INIT, 0, 0, 0, 0, currency);
}

/* ---- running batches ---- */

/* Execute ops at f->now; the rows land in f->ch (reset first) and in the log. */
static void run(struct fx *f, const struct ledger_op *ops, size_t n)
{
    assert_true(n <= OPS_MAX);
    ledger_changes_reset(&f->ch);
    ledger_execute(f->l, ops, n, f->now, f->res, &f->ch);
    log_append(&f->log, &f->ch);
    check_balanced(f->l);
}

static int run1(struct fx *f, const struct ledger_op *op)
{
    run(f, op, 1);
    return f->res[0].reason;
}

static size_t expire_at(struct fx *f, int64_t now_us, size_t max)
{
    size_t n;

    ledger_changes_reset(&f->ch);
    n = ledger_expire(f->l, now_us, max, &f->ch);
    log_append(&f->log, &f->ch);
    check_balanced(f->l);
    return n;
}

/* Create the ledger from f->cfg and open the EUR system accounts. */
static void fx_open(struct fx *f)
{
    struct ledger_op op = op_init("EUR");

    assert_int_equal(ledger_create(&f->cfg, &f->l), 0);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.event_count, 4);
    f->bank = ledger_system_account(f->l, ACCOUNT_BANK, "EUR");
    f->fees = ledger_system_account(f->l, ACCOUNT_FEES, "EUR");
    f->oper = ledger_system_account(f->l, ACCOUNT_OPERATOR, "EUR");
    assert_int_equal(f->res[0].account_id, f->bank);
    assert_true(f->bank != 0 && f->fees != 0 && f->oper != 0);
}

/* Start over with a changed f->cfg: a new empty ledger and an empty log. */
static void fx_reopen(struct fx *f)
{
    ledger_free(f->l);
    f->l = NULL;
    ledger_changes_reset(&f->log);
    fx_open(f);
}

/* ---- accounts and common moves ---- */

static const struct account *acct(struct fx *f, uint64_t id)
{
    const struct account *a = ledger_account_get(f->l, id);

    assert_non_null(a);
    return a;
}

static int64_t balance(struct fx *f, uint64_t id)
{
    return acct(f, id)->credits_posted - acct(f, id)->debits_posted;
}

static int64_t available(struct fx *f, uint64_t id)
{
    return balance(f, id) - acct(f, id)->debits_pending;
}

static uint64_t open_cur(struct fx *f, int kind, int tier, const char *currency)
{
    struct ledger_op op = op_open(kind, tier, currency);

    assert_reason(run1(f, &op), LEDGER_OK);
    assert_true(f->res[0].account_id != 0);
    return f->res[0].account_id;
}

static uint64_t open_acct(struct fx *f, int kind, int tier)
{
    return open_cur(f, kind, tier, "EUR");
}

static int xfer(struct fx *f, uint64_t debit, uint64_t credit, int64_t amount, int kind)
{
    struct ledger_op op = op_xfer(new_id(f), debit, credit, amount, kind, 0);

    return run1(f, &op);
}

/* A transfer that must succeed; returns its id. */
static struct id128 xfer_ok(struct fx *f, uint64_t debit, uint64_t credit, int64_t amount, int kind)
{
    struct ledger_op op = op_xfer(new_id(f), debit, credit, amount, kind, 0);

    assert_reason(run1(f, &op), LEDGER_OK);
    return op.transfer.id;
}

static void topup(struct fx *f, uint64_t account, int64_t amount)
{
    (void)xfer_ok(f, f->bank, account, amount, TRANSFER_TOPUP);
}

static uint64_t wallet(struct fx *f, int tier, int64_t amount)
{
    uint64_t w = open_acct(f, ACCOUNT_WALLET, tier);

    if (amount > 0) {
        topup(f, w, amount);
    }
    return w;
}

/* A pending transfer that must be accepted; returns its id. */
static struct id128 hold(struct fx *f, uint64_t debit, uint64_t credit, int64_t amount, int kind,
                         uint16_t fee)
{
    struct ledger_op op = op_xfer(new_id(f), debit, credit, amount, kind, TRANSFER_PENDING);

    op.transfer.fee_schedules[0] = fee;
    assert_reason(run1(f, &op), LEDGER_OK);
    return op.transfer.id;
}

static int post(struct fx *f, struct id128 pending, int64_t amount)
{
    struct ledger_op op = op_close(new_id(f), pending, amount, true);

    return run1(f, &op);
}

static int cancel(struct fx *f, struct id128 pending)
{
    struct ledger_op op = op_close(new_id(f), pending, 0, false);

    return run1(f, &op);
}

static int set_status(struct fx *f, uint64_t account, int status)
{
    struct ledger_op op = op_status(account, status);

    return run1(f, &op);
}

static struct transfer find(struct fx *f, struct id128 id)
{
    struct transfer t;

    assert_int_equal(ledger_transfer_find(f->l, id, &t), 0);
    return t;
}

static uint16_t fee_id(struct fx *f, const char *name)
{
    uint32_t id = ledger_config_fee_find(&f->cfg, name);

    assert_true(id != 0);
    return (uint16_t)id;
}

/* ---- snapshots: a refusal changes nothing ---- */

struct snap {
    uint64_t count;
    struct account accounts[SNAP_MAX];
    struct ledger_totals totals;
};

static void snap_take(struct fx *f, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    s->count = ledger_account_count(f->l);
    assert_true(s->count <= SNAP_MAX);
    for (uint64_t i = 0; i < s->count; i++) {
        s->accounts[i] = *acct(f, i + 1);
    }
    ledger_totals_get(f->l, &s->totals);
}

static void snap_assert_unchanged(struct fx *f, const struct snap *s)
{
    struct ledger_totals t;

    assert_int_equal(ledger_account_count(f->l), s->count);
    for (uint64_t i = 0; i < s->count; i++) {
        assert_memory_equal(acct(f, i + 1), &s->accounts[i], sizeof(struct account));
    }
    ledger_totals_get(f->l, &t);
    assert_int_equal(t.debits_posted, s->totals.debits_posted);
    assert_int_equal(t.credits_posted, s->totals.credits_posted);
    assert_int_equal(t.debits_pending, s->totals.debits_pending);
    assert_int_equal(t.credits_pending, s->totals.credits_pending);
    assert_int_equal(t.transfers, s->totals.transfers);
    assert_int_equal(t.pending_open, s->totals.pending_open);
}

/* Run op alone and check it is refused with reason, that nothing moved, and that the refusal is
 * kept as a rejection row (stored) or not at all. */
static void expect_reject(struct fx *f, const struct ledger_op *op, int reason, bool stored)
{
    struct snap before;
    struct ledger_totals t;

    snap_take(f, &before);
    assert_reason(run1(f, op), reason);
    assert_int_equal(f->res[0].duplicate, 0);
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.transfer_count, 0);
    assert_int_equal(f->ch.event_count, 0);
    assert_int_equal(f->ch.state_count, 0);
    ledger_totals_get(f->l, &t);
    if (stored) {
        struct transfer r;

        assert_int_equal(f->ch.rejection_count, 1);
        assert_int_equal(f->ch.rejections[0].reason, reason);
        assert_true(id128_eq(f->ch.rejections[0].id, op->transfer.id));
        assert_int_equal(f->ch.rejections[0].seq, ledger_last_seq(f->l));
        assert_int_equal(t.rejections, before.totals.rejections + 1);
        r = find(f, op->transfer.id);
        assert_int_equal(r.reason, reason);
    } else {
        assert_int_equal(f->ch.rejection_count, 0);
        assert_int_equal(t.rejections, before.totals.rejections);
    }
}

/* ---- replay: a second ledger built from the log must equal the first ---- */

static struct ledger *replay_log(struct fx *f)
{
    const struct ledger_changes *g = &f->log;
    size_t ie = 0, it = 0, ir = 0;

    ledger_free(f->replica);
    f->replica = NULL;
    assert_int_equal(ledger_create(&f->cfg, &f->replica), 0);
    for (;;) {
        uint64_t se = ie < g->event_count ? g->events[ie].seq : UINT64_MAX;
        uint64_t st = it < g->transfer_count ? g->transfers[it].seq : UINT64_MAX;
        uint64_t sr = ir < g->rejection_count ? g->rejections[ir].seq : UINT64_MAX;
        struct mdt_err err = {0};
        int rc;

        if (se == UINT64_MAX && st == UINT64_MAX && sr == UINT64_MAX) {
            break;
        }
        if (se < st && se < sr) {
            rc = ledger_replay_event(f->replica, &g->events[ie++], &err);
        } else if (st < sr) {
            rc = ledger_replay_transfer(f->replica, &g->transfers[it++], &err);
        } else {
            rc = ledger_replay_rejection(f->replica, &g->rejections[ir++], &err);
        }
        if (rc != 0) {
            print_error("replay: %s\n", err.msg);
        }
        assert_int_equal(rc, 0);
    }
    return f->replica;
}

static void assert_same_row(struct fx *f, struct ledger *r, struct id128 id)
{
    struct transfer a, b;

    assert_int_equal(ledger_transfer_find(f->l, id, &a), 0);
    assert_int_equal(ledger_transfer_find(r, id, &b), 0);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void assert_replica_equal(struct fx *f, struct ledger *r)
{
    struct ledger_totals a, b;

    assert_int_equal(ledger_account_count(r), ledger_account_count(f->l));
    for (uint64_t id = 1; id <= ledger_account_count(f->l); id++) {
        assert_memory_equal(ledger_account_get(r, id), acct(f, id), sizeof(struct account));
    }
    ledger_totals_get(f->l, &a);
    ledger_totals_get(r, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(ledger_last_seq(r), ledger_last_seq(f->l));
    assert_int_equal(ledger_next_expiry_us(r), ledger_next_expiry_us(f->l));
    for (size_t i = 0; i < f->log.transfer_count; i++) {
        assert_same_row(f, r, f->log.transfers[i].id);
    }
    for (size_t i = 0; i < f->log.rejection_count; i++) {
        assert_same_row(f, r, f->log.rejections[i].id);
    }
}

/* The invariants of DESIGN.md that the view alone can show: the accounts add up to the totals,
 * debits equal credits, and no wallet or card is below zero. Sums wrap as unsigned, so that an
 * account near INT64_MAX still compares equal. */
static void check_invariants(struct fx *f)
{
    struct ledger_totals t;
    uint64_t dp = 0, cp = 0, dq = 0, cq = 0;

    check_balanced(f->l);
    ledger_totals_get(f->l, &t);
    for (uint64_t id = 1; id <= ledger_account_count(f->l); id++) {
        const struct account *a = acct(f, id);

        assert_true(a->debits_pending >= 0 && a->credits_pending >= 0);
        if (a->flags & ACCOUNT_NO_OVERDRAFT) {
            assert_true(a->debits_posted + a->debits_pending <= a->credits_posted);
        }
        dp += (uint64_t)a->debits_posted;
        cp += (uint64_t)a->credits_posted;
        dq += (uint64_t)a->debits_pending;
        cq += (uint64_t)a->credits_pending;
    }
    assert_int_equal(dp, (uint64_t)t.debits_posted);
    assert_int_equal(cp, (uint64_t)t.credits_posted);
    assert_int_equal(dq, (uint64_t)t.debits_pending);
    assert_int_equal(cq, (uint64_t)t.credits_pending);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    ledger_config_defaults(&f->cfg);
    f->now = t0();
    fx_open(f);
    *state = f;
    return 0;
}

/* After every test: the invariants hold and the log replays into an identical ledger. */
static int fx_teardown(void **state)
{
    struct fx *f = *state;

    if (f->l != NULL) {
        check_invariants(f);
        assert_replica_equal(f, replay_log(f));
    }
    ledger_free(f->l);
    ledger_free(f->replica);
    ledger_changes_release(&f->ch);
    ledger_changes_release(&f->log);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Names and single-phase transfers                                                          */
/* ------------------------------------------------------------------------------------------ */

static void test_reason_names(void **state)
{
    (void)state;
    for (int r = 0; r < LEDGER_REASON_COUNT; r++) {
        const char *name = ledger_reason_name(r);

        assert_non_null(name);
        assert_string_not_equal(name, "unknown");
        for (int s = 0; s < r; s++) {
            assert_string_not_equal(name, ledger_reason_name(s));
        }
    }
    assert_string_equal(ledger_reason_name(LEDGER_OK), "ok");
    assert_string_equal(ledger_reason_name(LEDGER_LIMIT_MAX_BALANCE), "limit_exceeded:max_balance");
    assert_string_equal(ledger_reason_name(LEDGER_REASON_COUNT), "unknown");
    assert_string_equal(ledger_reason_name(-1), "unknown");
}

static void test_single_phase_moves_balances(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = open_acct(f, ACCOUNT_WALLET, 1);
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), f->bank, w1, EUR(100), TRANSFER_TOPUP, 0);
    struct ledger_totals t;
    struct transfer row;

    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 0);
    assert_int_equal(f->res[0].amount, EUR(100));
    assert_int_equal(f->res[0].fee_minor, 0);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(f->ch.rejection_count, 0);
    row = f->ch.transfers[0];
    assert_true(id128_eq(row.id, op.transfer.id));
    assert_int_equal(row.state, TRANSFER_STATE_POSTED);
    assert_int_equal(row.reason, LEDGER_OK);
    assert_int_equal(row.seq, ledger_last_seq(f->l));
    assert_int_equal(row.timestamp_us, f->res[0].timestamp_us);
    assert_int_equal(row.fingerprint, transfer_fingerprint(&op.transfer));
    assert_int_equal(acct(f, f->bank)->debits_posted, EUR(100));
    assert_int_equal(balance(f, f->bank), -EUR(100));
    assert_int_equal(acct(f, w1)->credits_posted, EUR(100));

    assert_reason(xfer(f, w1, w2, 3050, TRANSFER_P2P), LEDGER_OK);
    assert_int_equal(balance(f, w1), 6950);
    assert_int_equal(balance(f, w2), 3050);
    assert_int_equal(acct(f, w1)->debits_posted, 3050);
    assert_int_equal(acct(f, w1)->day_debits, 3050);
    assert_int_equal(acct(f, w2)->year_loads, 3050);

    ledger_totals_get(f->l, &t);
    assert_int_equal(t.debits_posted, EUR(100) + 3050);
    assert_int_equal(t.credits_posted, EUR(100) + 3050);
    assert_int_equal(t.transfers, 2);
    assert_int_equal(t.rejections, 0);
    assert_int_equal(t.pending_open, 0);
    row = find(f, op.transfer.id);
    assert_int_equal(row.amount, EUR(100));
    assert_int_equal(row.kind, TRANSFER_TOPUP);
}

/* Ledger time is unique and increasing even when the caller's clock stands still or goes back. */
static void test_timestamps_increase(void **state)
{
    struct fx *f = *state;
    uint64_t w = open_acct(f, ACCOUNT_WALLET, 1);
    int64_t first;

    topup(f, w, 100);
    first = f->res[0].timestamp_us;
    topup(f, w, 100);
    assert_true(f->res[0].timestamp_us > first);
    f->now -= 3600 * SEC_US;
    topup(f, w, 100);
    assert_true(f->res[0].timestamp_us > first + 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Validation of a transfer: one test per reason, nothing moves                              */
/* ------------------------------------------------------------------------------------------ */

static void test_reason_id_must_not_be_zero(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer((struct id128){0, 0}, w, f->bank, 100, TRANSFER_WITHDRAWAL, 0);

    expect_reject(f, &op, LEDGER_ID_MUST_NOT_BE_ZERO, false);
}

static void test_reason_flags_invalid(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    static const unsigned bad[] = {
        TRANSFER_PENDING | TRANSFER_POST_PENDING,
        TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING,
        TRANSFER_FEE_LEG,
        TRANSFER_EXPIRE,
        1u << 9,
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ledger_op op = op_xfer(new_id(f), w, f->bank, 100, TRANSFER_WITHDRAWAL, bad[i]);

        expect_reject(f, &op, LEDGER_FLAGS_INVALID, true);
    }
}

static void test_reason_kind_invalid(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer(new_id(f), w, f->bank, 100, TRANSFER_KIND_COUNT, 0);

    expect_reject(f, &op, LEDGER_KIND_INVALID, true);
    /* Fee legs are the ledger's own: callers cannot write one. */
    op = op_xfer(new_id(f), w, f->fees, 100, TRANSFER_FEE, 0);
    expect_reject(f, &op, LEDGER_KIND_INVALID, true);
    /* An unknown op type is refused the same way, and there is no transfer to keep. */
    op = op_xfer(new_id(f), w, f->bank, 100, TRANSFER_WITHDRAWAL, 0);
    op.type = 99;
    expect_reject(f, &op, LEDGER_KIND_INVALID, false);
}

static void test_reason_amount_must_be_positive(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer(new_id(f), w, f->bank, 0, TRANSFER_WITHDRAWAL, 0);
    struct id128 p;

    expect_reject(f, &op, LEDGER_AMOUNT_MUST_BE_POSITIVE, true);
    op = op_xfer(new_id(f), w, f->bank, -100, TRANSFER_WITHDRAWAL, 0);
    expect_reject(f, &op, LEDGER_AMOUNT_MUST_BE_POSITIVE, true);
    op = op_xfer(new_id(f), w, f->bank, 0, TRANSFER_WITHDRAWAL, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_AMOUNT_MUST_BE_POSITIVE, true);
    /* Posting a negative amount. */
    p = hold(f, w, f->bank, 500, TRANSFER_WITHDRAWAL, 0);
    op = op_close(new_id(f), p, -1, true);
    expect_reject(f, &op, LEDGER_AMOUNT_MUST_BE_POSITIVE, true);
}

static void test_reason_accounts_must_be_different(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer(new_id(f), w, w, 100, TRANSFER_P2P, 0);

    expect_reject(f, &op, LEDGER_ACCOUNTS_MUST_BE_DIFFERENT, true);
}

static void test_reason_debit_account_not_found(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer(new_id(f), 999, w, 100, TRANSFER_P2P, 0);

    expect_reject(f, &op, LEDGER_DEBIT_ACCOUNT_NOT_FOUND, true);
    op = op_xfer(new_id(f), 0, w, 100, TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_DEBIT_ACCOUNT_NOT_FOUND, true);
}

static void test_reason_credit_account_not_found(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer(new_id(f), w, 999, 100, TRANSFER_P2P, 0);

    expect_reject(f, &op, LEDGER_CREDIT_ACCOUNT_NOT_FOUND, true);
    op = op_xfer(new_id(f), w, 0, 100, TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_CREDIT_ACCOUNT_NOT_FOUND, true);
}

static void test_reason_currency_mismatch(void **state)
{
    struct fx *f = *state;
    uint64_t eur = wallet(f, 1, EUR(50));
    uint64_t usd = open_cur(f, ACCOUNT_WALLET, 1, "USD");
    uint64_t usd_bank = ledger_system_account(f->l, ACCOUNT_BANK, "USD");
    struct ledger_op op = op_xfer(new_id(f), eur, usd, 100, TRANSFER_P2P, 0);

    expect_reject(f, &op, LEDGER_CURRENCY_MISMATCH, true);
    op = op_xfer(new_id(f), usd, eur, 100, TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_CURRENCY_MISMATCH, true);
    /* A EUR fee schedule on a USD transfer: the transfer itself is fine, its leg is not, and the
     * whole unit is undone. */
    op = op_xfer(new_id(f), usd_bank, usd, 1000, TRANSFER_TOPUP, 0);
    op.transfer.fee_schedules[0] = fee_id(f, "sms_order");
    expect_reject(f, &op, LEDGER_CURRENCY_MISMATCH, true);
}

static void test_reason_insufficient_funds(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(50));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(50) + 1, TRANSFER_P2P, 0);

    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    op = op_xfer(new_id(f), w2, w1, 1, TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    /* Exactly the balance is fine. */
    assert_reason(xfer(f, w1, w2, EUR(50), TRANSFER_P2P), LEDGER_OK);
    assert_int_equal(balance(f, w1), 0);
}

/* A refusal under TRANSFER_RETRY_REFUSED is not kept: the same id is tried again once the
 * payer has the money, succeeds once, and a third try is a duplicate of that success. Without
 * the flag the first refusal stands for good. A linked chain with the flag keeps no refusal
 * for any of its ids. */
static void test_retry_refused_keeps_id_free(void **state)
{
    struct fx *f = *state;
    uint64_t payer = wallet(f, 1, EUR(10));
    uint64_t shop = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 order = new_id(f);
    struct ledger_op op = op_xfer(order, payer, shop, EUR(20), TRANSFER_P2P, TRANSFER_RETRY_REFUSED);
    struct ledger_op kept = op_xfer(new_id(f), payer, shop, EUR(20), TRANSFER_P2P, 0);
    struct ledger_op chain[2];

    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, false);
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, false);
    expect_reject(f, &kept, LEDGER_INSUFFICIENT_FUNDS, true);
    topup(f, payer, EUR(10));
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 0);
    assert_int_equal(balance(f, payer), 0);
    assert_int_equal(balance(f, shop), EUR(20));
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 1);
    assert_int_equal(balance(f, shop), EUR(20));
    /* The refusal kept without the flag still answers, though the money is there now. */
    topup(f, payer, EUR(20));
    assert_reason(run1(f, &kept), LEDGER_INSUFFICIENT_FUNDS);
    /* A flagged chain whose second leg fails leaves both ids free. */
    chain[0] = op_xfer(new_id(f), payer, shop, EUR(5), TRANSFER_P2P, TRANSFER_LINKED);
    chain[1] = op_xfer(new_id(f), payer, shop, EUR(50), TRANSFER_P2P, TRANSFER_RETRY_REFUSED);
    run(f, chain, 2);
    assert_reason(f->res[0].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[1].reason, LEDGER_INSUFFICIENT_FUNDS);
    assert_int_equal(f->ch.rejection_count, 0);
    chain[1].transfer.amount = EUR(10);
    run(f, chain, 2);
    assert_reason(f->res[0].reason, LEDGER_OK);
    assert_reason(f->res[1].reason, LEDGER_OK);
    assert_int_equal(balance(f, payer), EUR(5));
    check_invariants(f);
}

static void test_reason_overflow(void **state)
{
    struct fx *f = *state;
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct ledger_op op;

    /* A merchant has no overdraft flag and no limit: only representability stops it. */
    topup(f, m, INT64_MAX);
    op = op_xfer(new_id(f), f->bank, m, 1, TRANSFER_TOPUP, 0);
    expect_reject(f, &op, LEDGER_OVERFLOW, true);
    assert_int_equal(acct(f, m)->credits_posted, INT64_MAX);
}

static void test_reason_timeout_requires_pending(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger_op op = op_xfer(new_id(f), w, f->bank, 100, TRANSFER_WITHDRAWAL, 0);
    struct id128 p;

    op.transfer.timeout_s = 60;
    expect_reject(f, &op, LEDGER_TIMEOUT_REQUIRES_PENDING, true);
    /* A post carries no timeout either. */
    p = hold(f, w, f->bank, 100, TRANSFER_WITHDRAWAL, 0);
    op = op_close(new_id(f), p, 0, true);
    op.transfer.timeout_s = 60;
    expect_reject(f, &op, LEDGER_TIMEOUT_REQUIRES_PENDING, true);
}

/* ------------------------------------------------------------------------------------------ */
/* Two-phase transfers                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void test_pending_holds_funds(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    struct ledger_totals t;
    struct transfer row = find(f, p);
    struct ledger_op op;

    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(f->ch.transfers[0].state, TRANSFER_STATE_PENDING);
    assert_int_equal(acct(f, w1)->debits_pending, EUR(60));
    assert_int_equal(acct(f, w1)->debits_posted, 0);
    assert_int_equal(acct(f, w2)->credits_pending, EUR(60));
    assert_int_equal(acct(f, w2)->credits_posted, 0);
    assert_int_equal(row.state, TRANSFER_STATE_PENDING);
    ledger_totals_get(f->l, &t);
    assert_int_equal(t.debits_pending, EUR(60));
    assert_int_equal(t.credits_pending, EUR(60));
    assert_int_equal(t.pending_open, 1);
    assert_int_equal(available(f, w1), EUR(40));

    /* Funds on hold cannot be spent twice. */
    op = op_xfer(new_id(f), w1, w2, EUR(50), TRANSFER_P2P, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    op = op_xfer(new_id(f), w1, w2, EUR(50), TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    /* Nor can the payee spend what it has not received yet. */
    op = op_xfer(new_id(f), w2, w1, 1, TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    /* What remains can be held. */
    (void)hold(f, w1, w2, EUR(40), TRANSFER_P2P, 0);
    assert_int_equal(available(f, w1), 0);
}

static void test_pending_post_full(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    uint64_t pseq = f->ch.transfers[0].seq;
    struct ledger_op op = op_close(new_id(f), p, 0, true);
    struct ledger_totals t;

    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].amount, EUR(60)); /* 0 means the full hold */
    assert_int_equal(acct(f, w1)->debits_pending, 0);
    assert_int_equal(acct(f, w1)->debits_posted, EUR(60));
    assert_int_equal(acct(f, w2)->credits_pending, 0);
    assert_int_equal(acct(f, w2)->credits_posted, EUR(60));
    assert_int_equal(find(f, p).state, TRANSFER_STATE_POSTED);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(f->ch.transfers[0].flags & TRANSFER_POST_PENDING, TRANSFER_POST_PENDING);
    assert_true(id128_eq(f->ch.transfers[0].link_id, p));
    assert_int_equal(f->ch.transfers[0].amount, EUR(60));
    assert_int_equal(f->ch.transfers[0].debit_account_id, w1);
    assert_int_equal(f->ch.transfers[0].credit_account_id, w2);
    assert_int_equal(f->ch.state_count, 1);
    assert_int_equal(f->ch.states[0].seq, pseq);
    assert_int_equal(f->ch.states[0].state, TRANSFER_STATE_POSTED);
    ledger_totals_get(f->l, &t);
    assert_int_equal(t.pending_open, 0);
    assert_int_equal(t.debits_pending, 0);
    assert_int_equal(ledger_next_expiry_us(f->l), INT64_MAX);
}

static void test_pending_post_partial_releases_rest(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);

    assert_int_equal(acct(f, w1)->day_debits, EUR(60));
    assert_reason(post(f, p, EUR(25)), LEDGER_OK);
    assert_int_equal(f->res[0].amount, EUR(25));
    assert_int_equal(acct(f, w1)->debits_posted, EUR(25));
    assert_int_equal(acct(f, w1)->debits_pending, 0);
    assert_int_equal(acct(f, w2)->credits_posted, EUR(25));
    assert_int_equal(acct(f, w2)->credits_pending, 0);
    assert_int_equal(available(f, w1), EUR(75));
    /* The window counts what was posted, not what was held. */
    assert_int_equal(acct(f, w1)->day_debits, EUR(25));
    assert_int_equal(acct(f, w2)->year_loads, EUR(25));
}

static void test_pending_void(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct snap before;
    struct id128 p;

    snap_take(f, &before);
    p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    assert_reason(cancel(f, p), LEDGER_OK);
    assert_int_equal(find(f, p).state, TRANSFER_STATE_VOIDED);
    assert_int_equal(f->ch.state_count, 1);
    assert_int_equal(f->ch.states[0].state, TRANSFER_STATE_VOIDED);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(f->ch.transfers[0].flags & TRANSFER_VOID_PENDING, TRANSFER_VOID_PENDING);
    assert_int_equal(acct(f, w1)->debits_pending, 0);
    assert_int_equal(acct(f, w1)->debits_posted, 0);
    assert_int_equal(acct(f, w2)->credits_pending, 0);
    assert_int_equal(acct(f, w2)->credits_posted, 0);
    assert_int_equal(available(f, w1), EUR(100));
    assert_int_equal(acct(f, w1)->day_debits, before.accounts[w1 - 1].day_debits);
}

static void test_pending_default_timeout(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(100));
    struct id128 p = hold(f, w, f->bank, EUR(10), TRANSFER_WITHDRAWAL, 0);
    struct transfer row = find(f, p);

    assert_int_equal(f->cfg.pending_timeout_default_s, 300);
    assert_int_equal(row.expires_us - row.timestamp_us, 300 * SEC_US);
    assert_int_equal(row.timestamp_us, f->res[0].timestamp_us);
    assert_int_equal(f->ch.transfers[0].expires_us, row.expires_us);
    assert_int_equal(ledger_next_expiry_us(f->l), row.expires_us);
}

static void test_pending_custom_timeout(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(100));
    struct ledger_op op =
        op_xfer(new_id(f), w, f->bank, EUR(10), TRANSFER_WITHDRAWAL, TRANSFER_PENDING);
    struct transfer row;

    op.transfer.timeout_s = 60;
    assert_reason(run1(f, &op), LEDGER_OK);
    row = find(f, op.transfer.id);
    assert_int_equal(row.expires_us - row.timestamp_us, 60 * SEC_US);
    assert_int_equal(ledger_next_expiry_us(f->l), row.expires_us);
    /* The maximum itself is allowed. */
    op = op_xfer(new_id(f), w, f->bank, EUR(10), TRANSFER_WITHDRAWAL, TRANSFER_PENDING);
    op.transfer.timeout_s = f->cfg.pending_timeout_max_s;
    assert_reason(run1(f, &op), LEDGER_OK);
    row = find(f, op.transfer.id);
    assert_int_equal(row.expires_us - row.timestamp_us,
                     (int64_t)f->cfg.pending_timeout_max_s * SEC_US);
}

static void test_reason_timeout_exceeds_maximum(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(100));
    struct ledger_op op =
        op_xfer(new_id(f), w, f->bank, EUR(10), TRANSFER_WITHDRAWAL, TRANSFER_PENDING);

    op.transfer.timeout_s = f->cfg.pending_timeout_max_s + 1;
    expect_reject(f, &op, LEDGER_TIMEOUT_EXCEEDS_MAXIMUM, true);
}

static void test_pending_expire_at_not_before(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    int64_t expires = find(f, p).expires_us;
    struct ledger_totals t;

    assert_int_equal(expire_at(f, expires - 1, 100), 0);
    assert_int_equal(f->ch.transfer_count, 0);
    assert_int_equal(find(f, p).state, TRANSFER_STATE_PENDING);
    assert_int_equal(acct(f, w1)->debits_pending, EUR(60));

    assert_int_equal(expire_at(f, expires, 100), 1);
    assert_int_equal(find(f, p).state, TRANSFER_STATE_EXPIRED);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(f->ch.transfers[0].flags & TRANSFER_EXPIRE, TRANSFER_EXPIRE);
    assert_true(id128_eq(f->ch.transfers[0].link_id, p));
    assert_int_equal(f->ch.state_count, 1);
    assert_int_equal(f->ch.states[0].state, TRANSFER_STATE_EXPIRED);
    assert_int_equal(acct(f, w1)->debits_pending, 0);
    assert_int_equal(acct(f, w1)->debits_posted, 0);
    assert_int_equal(acct(f, w2)->credits_pending, 0);
    assert_int_equal(acct(f, w1)->day_debits, 0);
    ledger_totals_get(f->l, &t);
    assert_int_equal(t.pending_open, 0);
    assert_int_equal(ledger_next_expiry_us(f->l), INT64_MAX);
    /* Nothing left to expire. */
    assert_int_equal(expire_at(f, expires + 10 * SEC_US, 100), 0);

    /* After the deadline works too. */
    f->now = expires + SEC_US;
    p = hold(f, w1, w2, EUR(10), TRANSFER_P2P, 0);
    expires = find(f, p).expires_us;
    assert_int_equal(expire_at(f, expires + 3600 * SEC_US, 100), 1);
    assert_int_equal(find(f, p).state, TRANSFER_STATE_EXPIRED);
}

static void test_pending_expire_bounded(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(100));
    struct id128 p[3];

    for (int i = 0; i < 3; i++) {
        p[i] = hold(f, w, f->bank, EUR(10), TRANSFER_WITHDRAWAL, 0);
    }
    assert_int_equal(expire_at(f, f->now + 301 * SEC_US, 2), 2);
    assert_int_equal(acct(f, w)->debits_pending, EUR(10));
    assert_int_equal(expire_at(f, f->now + 301 * SEC_US, 2), 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(find(f, p[i]).state, TRANSFER_STATE_EXPIRED);
    }
}

static void test_reason_pending_expired(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    int64_t expires = find(f, p).expires_us;
    struct ledger_op op;

    /* At the deadline, before the expiry sweep ran: too late to post, still held. */
    f->now = expires;
    op = op_close(new_id(f), p, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_EXPIRED, true);
    assert_int_equal(acct(f, w1)->debits_pending, EUR(60));
    op = op_close(new_id(f), p, 0, false);
    expect_reject(f, &op, LEDGER_PENDING_EXPIRED, true);
    /* After the sweep. */
    assert_int_equal(expire_at(f, expires, 10), 1);
    op = op_close(new_id(f), p, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_EXPIRED, true);

    /* One microsecond before the deadline a post is still in time. */
    p = hold(f, w1, w2, EUR(10), TRANSFER_P2P, 0);
    f->now = find(f, p).expires_us - 1;
    assert_reason(post(f, p, 0), LEDGER_OK);
}

static void test_reason_pending_already_posted(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    struct ledger_op op;

    assert_reason(post(f, p, 0), LEDGER_OK);
    op = op_close(new_id(f), p, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_ALREADY_POSTED, true);
    /* Void after post. */
    op = op_close(new_id(f), p, 0, false);
    expect_reject(f, &op, LEDGER_PENDING_ALREADY_POSTED, true);
    /* A posted hold does not expire either. */
    assert_int_equal(expire_at(f, f->now + 3600 * SEC_US, 10), 0);
    assert_int_equal(balance(f, w2), EUR(60));
}

static void test_reason_pending_already_voided(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    struct ledger_op op;

    assert_reason(cancel(f, p), LEDGER_OK);
    op = op_close(new_id(f), p, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_ALREADY_VOIDED, true);
    op = op_close(new_id(f), p, 0, false);
    expect_reject(f, &op, LEDGER_PENDING_ALREADY_VOIDED, true);
    assert_int_equal(expire_at(f, f->now + 3600 * SEC_US, 10), 0);
}

static void test_reason_pending_not_found(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(500));
    uint64_t card = open_acct(f, ACCOUNT_CARD, 0);
    struct id128 posted = xfer_ok(f, w, f->bank, EUR(1), TRANSFER_WITHDRAWAL);
    struct ledger_op op = op_close(new_id(f), new_id(f), 0, true);
    struct ledger_op rejected = op_xfer(new_id(f), w, f->bank, 0, TRANSFER_WITHDRAWAL, 0);
    struct id128 p;

    expect_reject(f, &op, LEDGER_PENDING_NOT_FOUND, true); /* unknown id */
    op = op_close(new_id(f), (struct id128){0, 0}, 0, false);
    expect_reject(f, &op, LEDGER_PENDING_NOT_FOUND, true); /* no link */
    op = op_close(new_id(f), posted, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_NOT_FOUND, true); /* single-phase */
    assert_reason(run1(f, &rejected), LEDGER_AMOUNT_MUST_BE_POSITIVE);
    op = op_close(new_id(f), rejected.transfer.id, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_NOT_FOUND, true); /* a rejection */
    /* The fee leg of a pending is closed with its transfer, never by itself. */
    p = hold(f, w, card, EUR(100), TRANSFER_CARD_LOAD, fee_id(f, "card_reload"));
    assert_int_equal(f->ch.transfer_count, 2);
    op = op_close(new_id(f), f->ch.transfers[1].id, 0, true);
    expect_reject(f, &op, LEDGER_PENDING_NOT_FOUND, true);
    op = op_close(new_id(f), f->ch.transfers[1].id, 0, false);
    expect_reject(f, &op, LEDGER_PENDING_NOT_FOUND, true);
    assert_int_equal(find(f, p).state, TRANSFER_STATE_PENDING);
}

static void test_reason_pending_amount_exceeded(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    struct ledger_op op = op_close(new_id(f), p, EUR(60) + 1, true);

    expect_reject(f, &op, LEDGER_PENDING_AMOUNT_EXCEEDED, true);
    assert_reason(post(f, p, EUR(60)), LEDGER_OK);
}

static void test_reason_pending_accounts_mismatch(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    uint64_t w3 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    struct ledger_op op = op_close(new_id(f), p, 0, true);

    op.transfer.credit_account_id = w3;
    expect_reject(f, &op, LEDGER_PENDING_ACCOUNTS_MISMATCH, true);
    op = op_close(new_id(f), p, 0, true);
    op.transfer.debit_account_id = w2;
    expect_reject(f, &op, LEDGER_PENDING_ACCOUNTS_MISMATCH, true);
    op = op_close(new_id(f), p, 0, false);
    op.transfer.debit_account_id = w3;
    expect_reject(f, &op, LEDGER_PENDING_ACCOUNTS_MISMATCH, true);
    /* Naming the right accounts is allowed. */
    op = op_close(new_id(f), p, 0, true);
    op.transfer.debit_account_id = w1;
    op.transfer.credit_account_id = w2;
    assert_reason(run1(f, &op), LEDGER_OK);
}

/* ------------------------------------------------------------------------------------------ */
/* Linked chains                                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_linked_all_or_nothing(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    uint64_t w3 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op ops[3];
    struct snap before;
    struct ledger_totals t;

    ops[0] = op_xfer(new_id(f), w1, w2, EUR(60), TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w1, w3, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    ops[2] = op_xfer(new_id(f), w1, w3, EUR(60), TRANSFER_P2P, 0);
    snap_take(f, &before);
    run(f, ops, 3);
    assert_reason(f->res[0].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[1].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[2].reason, LEDGER_INSUFFICIENT_FUNDS);
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.transfer_count, 0);
    assert_int_equal(f->ch.rejection_count, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(id128_eq(f->ch.rejections[i].id, ops[i].transfer.id));
        assert_int_equal(f->ch.rejections[i].reason, f->res[i].reason);
        assert_int_equal(find(f, ops[i].transfer.id).reason, f->res[i].reason);
    }
    ledger_totals_get(f->l, &t);
    assert_int_equal(t.rejections, before.totals.rejections + 3);

    /* The same chain that fits commits whole. */
    ops[0] = op_xfer(new_id(f), w1, w2, EUR(60), TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w1, w3, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    ops[2] = op_xfer(new_id(f), w1, w3, EUR(30), TRANSFER_P2P, 0);
    run(f, ops, 3);
    for (int i = 0; i < 3; i++) {
        assert_reason(f->res[i].reason, LEDGER_OK);
    }
    assert_int_equal(f->ch.transfer_count, 3);
    assert_int_equal(balance(f, w1), 0);
    assert_int_equal(balance(f, w2), EUR(60));
    assert_int_equal(balance(f, w3), EUR(40));
}

static void test_linked_first_fails(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op ops[3];
    struct snap before;

    ops[0] = op_xfer(new_id(f), w1, w2, 0, TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);
    /* An independent op after the chain is not affected. */
    ops[2] = op_xfer(new_id(f), w1, w2, EUR(5), TRANSFER_P2P, 0);
    snap_take(f, &before);
    run(f, ops, 3);
    assert_reason(f->res[0].reason, LEDGER_AMOUNT_MUST_BE_POSITIVE);
    assert_reason(f->res[1].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[2].reason, LEDGER_OK);
    assert_int_equal(f->ch.rejection_count, 2);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(balance(f, w2), EUR(5));
}

static void test_reason_linked_event_chain_open(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op ops[3];
    struct snap before;

    ops[0] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    snap_take(f, &before);
    run(f, ops, 2);
    assert_reason(f->res[0].reason, LEDGER_LINKED_EVENT_CHAIN_OPEN);
    assert_reason(f->res[1].reason, LEDGER_LINKED_EVENT_CHAIN_OPEN);
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.transfer_count, 0);
    assert_int_equal(f->ch.rejection_count, 0);
    assert_int_equal(ledger_transfer_find(f->l, ops[0].transfer.id, &ops[2].transfer),
                     MDT_E(NOTFOUND));

    /* A single LINKED op at the end, and a chain cut by an account op. */
    ops[0] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);
    ops[1] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    ops[2] = op_open(ACCOUNT_WALLET, 0, "EUR");
    run(f, ops, 3);
    assert_reason(f->res[0].reason, LEDGER_OK);
    assert_reason(f->res[1].reason, LEDGER_LINKED_EVENT_CHAIN_OPEN);
    assert_reason(f->res[2].reason, LEDGER_OK);
    assert_int_equal(f->ch.rejection_count, 0);
    assert_int_equal(balance(f, w2), EUR(10));
}

/* A post undone by its chain leaves the hold open, and a pending undone never expires. */
static void test_linked_rollback_two_phase(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(60), TRANSFER_P2P, 0);
    int64_t expires = find(f, p).expires_us;
    struct ledger_op ops[2];
    struct snap before;

    ops[0] = op_close(new_id(f), p, 0, true);
    ops[0].transfer.flags |= TRANSFER_LINKED;
    ops[1] = op_xfer(new_id(f), w2, f->bank, EUR(1000), TRANSFER_WITHDRAWAL, 0);
    snap_take(f, &before);
    run(f, ops, 2);
    assert_reason(f->res[0].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[1].reason, LEDGER_INSUFFICIENT_FUNDS);
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.state_count, 0);
    assert_int_equal(find(f, p).state, TRANSFER_STATE_PENDING);
    assert_int_equal(ledger_next_expiry_us(f->l), expires);

    ops[0] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, TRANSFER_PENDING | TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w2, f->bank, EUR(1000), TRANSFER_WITHDRAWAL, 0);
    run(f, ops, 2);
    assert_reason(f->res[0].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[1].reason, LEDGER_INSUFFICIENT_FUNDS);
    assert_int_equal(ledger_next_expiry_us(f->l), expires);
    assert_reason(post(f, p, 0), LEDGER_OK);
    assert_int_equal(ledger_next_expiry_us(f->l), INT64_MAX);
    assert_int_equal(expire_at(f, expires + 3600 * SEC_US, 10), 0);
    assert_int_equal(balance(f, w2), EUR(60));
}

/* ------------------------------------------------------------------------------------------ */
/* Idempotency                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_idempotent_same_fields(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);
    struct ledger_result first;
    struct snap before;
    uint64_t seq;

    strcpy(op.transfer.ext_ref, "order-42");
    op.transfer.channel = 3;
    assert_reason(run1(f, &op), LEDGER_OK);
    first = f->res[0];
    seq = ledger_last_seq(f->l);
    snap_take(f, &before);
    f->now += 60 * SEC_US;
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 1);
    assert_int_equal(f->res[0].timestamp_us, first.timestamp_us);
    assert_int_equal(f->res[0].amount, first.amount);
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.transfer_count, 0);
    assert_int_equal(f->ch.rejection_count, 0);
    assert_int_equal(ledger_last_seq(f->l), seq);
    assert_int_equal(before.totals.rejections, 0);
    assert_int_equal(balance(f, w2), EUR(10));

    /* Twice in the same batch: the second is the duplicate. */
    op = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);
    {
        struct ledger_op ops[2] = {op, op};

        run(f, ops, 2);
    }
    assert_reason(f->res[0].reason, LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 0);
    assert_reason(f->res[1].reason, LEDGER_OK);
    assert_int_equal(f->res[1].duplicate, 1);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(balance(f, w2), EUR(20));
}

static void test_idempotent_two_phase(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op pend = op_xfer(new_id(f), w1, w2, EUR(60), TRANSFER_P2P, TRANSFER_PENDING);
    struct ledger_op postop;
    struct snap before;

    assert_reason(run1(f, &pend), LEDGER_OK);
    postop = op_close(new_id(f), pend.transfer.id, 0, true);
    assert_reason(run1(f, &postop), LEDGER_OK);
    snap_take(f, &before);
    /* Retrying the hold after it was posted answers its first result and holds nothing. */
    assert_reason(run1(f, &pend), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 1);
    assert_reason(run1(f, &postop), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 1);
    assert_int_equal(f->res[0].amount, EUR(60));
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.transfer_count + f->ch.rejection_count + f->ch.state_count, 0);
}

static void test_reason_exists_with_different_fields(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);
    struct ledger_op other;

    assert_reason(run1(f, &op), LEDGER_OK);
    other = op;
    other.transfer.amount += 1;
    expect_reject(f, &other, LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, false);
    other = op;
    other.transfer.credit_account_id = f->bank;
    expect_reject(f, &other, LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, false);
    other = op;
    strcpy(other.transfer.ext_ref, "another");
    expect_reject(f, &other, LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, false);
    other = op;
    other.transfer.flags = TRANSFER_PENDING;
    expect_reject(f, &other, LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, false);
    /* The first transfer is untouched. */
    assert_int_equal(find(f, op.transfer.id).amount, EUR(10));
}

static void test_idempotent_rejection_retry(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(10));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(50), TRANSFER_P2P, 0);
    struct ledger_op other;
    int64_t first_ts;
    struct snap before;

    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    first_ts = f->ch.rejections[0].timestamp_us;
    topup(f, w1, EUR(100));
    /* It would succeed now, but this id already has its answer. */
    snap_take(f, &before);
    assert_reason(run1(f, &op), LEDGER_INSUFFICIENT_FUNDS);
    assert_int_equal(f->res[0].duplicate, 1);
    assert_int_equal(f->res[0].timestamp_us, first_ts);
    snap_assert_unchanged(f, &before);
    assert_int_equal(f->ch.transfer_count + f->ch.rejection_count, 0);
    assert_int_equal(balance(f, w1), EUR(110));
    /* The same id with other fields is still a conflict. */
    other = op;
    other.transfer.amount = EUR(5);
    expect_reject(f, &other, LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, false);
}

/* ------------------------------------------------------------------------------------------ */
/* Refunds                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A tier-2 wallet that paid 100 € to a merchant: the original of the refund tests. */
struct paid {
    uint64_t w, m;
    struct id128 pay;
};

static struct paid pay_merchant(struct fx *f)
{
    struct paid p;

    p.w = wallet(f, 2, EUR(300));
    p.m = open_acct(f, ACCOUNT_MERCHANT, 0);
    p.pay = xfer_ok(f, p.w, p.m, EUR(100), TRANSFER_PAYMENT);
    return p;
}

static void test_refund_full(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op = op_refund(new_id(f), p.m, p.w, EUR(100), p.pay);

    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.transfers[0].kind, TRANSFER_REFUND);
    assert_true(id128_eq(f->ch.transfers[0].link_id, p.pay));
    assert_int_equal(balance(f, p.w), EUR(300));
    assert_int_equal(balance(f, p.m), 0);
}

static void test_refund_partial_sum(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op = op_refund(new_id(f), p.m, p.w, EUR(30), p.pay);

    assert_reason(run1(f, &op), LEDGER_OK);
    op = op_refund(new_id(f), p.m, p.w, EUR(70) - 1, p.pay);
    assert_reason(run1(f, &op), LEDGER_OK);
    op = op_refund(new_id(f), p.m, p.w, 1, p.pay);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(balance(f, p.w), EUR(300));
    op = op_refund(new_id(f), p.m, p.w, 1, p.pay);
    expect_reject(f, &op, LEDGER_REFUND_EXCEEDS_ORIGINAL, true);
}

static void test_reason_refund_exceeds_original(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op;

    topup(f, p.m, EUR(500)); /* the merchant could pay, the original says no */
    op = op_refund(new_id(f), p.m, p.w, EUR(100) + 1, p.pay);
    expect_reject(f, &op, LEDGER_REFUND_EXCEEDS_ORIGINAL, true);
    op = op_refund(new_id(f), p.m, p.w, EUR(60), p.pay);
    assert_reason(run1(f, &op), LEDGER_OK);
    op = op_refund(new_id(f), p.m, p.w, EUR(40) + 1, p.pay);
    expect_reject(f, &op, LEDGER_REFUND_EXCEEDS_ORIGINAL, true);
}

static void test_reason_refund_accounts_mismatch(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    uint64_t m2 = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct ledger_op op;

    topup(f, m2, EUR(500));
    topup(f, p.m, EUR(500));
    op = op_refund(new_id(f), p.w, p.m, EUR(10), p.pay); /* same direction */
    expect_reject(f, &op, LEDGER_REFUND_ACCOUNTS_MISMATCH, true);
    op = op_refund(new_id(f), m2, p.w, EUR(10), p.pay); /* another merchant */
    expect_reject(f, &op, LEDGER_REFUND_ACCOUNTS_MISMATCH, true);
    op = op_refund(new_id(f), p.m, f->bank, EUR(10), p.pay); /* another payee */
    expect_reject(f, &op, LEDGER_REFUND_ACCOUNTS_MISMATCH, true);
}

static void test_reason_refund_original_not_found(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op = op_refund(new_id(f), p.m, p.w, EUR(10), new_id(f));

    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_FOUND, true);
    op = op_refund(new_id(f), p.m, p.w, EUR(10), (struct id128){0, 0});
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_FOUND, true);
}

static void test_reason_refund_original_not_refundable(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(1000));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    uint64_t card = open_acct(f, ACCOUNT_CARD, 0);
    struct ledger_op op = op_xfer(new_id(f), w, card, EUR(100), TRANSFER_CARD_LOAD, 0);
    struct ledger_op bad = op_xfer(new_id(f), w, m, 0, TRANSFER_PAYMENT, 0);
    struct id128 leg, pend, voided, refund;

    topup(f, m, EUR(100));
    /* A fee leg. */
    op.transfer.fee_schedules[0] = fee_id(f, "card_reload");
    assert_reason(run1(f, &op), LEDGER_OK);
    leg = f->ch.transfers[1].id;
    assert_int_equal(f->ch.transfers[1].flags, TRANSFER_FEE_LEG);
    op = op_refund(new_id(f), f->fees, w, EUR(6), leg);
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE, true);
    /* A pending not yet posted. */
    pend = hold(f, w, m, EUR(50), TRANSFER_PAYMENT, 0);
    op = op_refund(new_id(f), m, w, EUR(50), pend);
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE, true);
    /* A voided pending. */
    voided = hold(f, w, m, EUR(50), TRANSFER_PAYMENT, 0);
    assert_reason(cancel(f, voided), LEDGER_OK);
    op = op_refund(new_id(f), m, w, EUR(50), voided);
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE, true);
    /* A refund. */
    refund = xfer_ok(f, w, m, EUR(20), TRANSFER_PAYMENT);
    op = op_refund(new_id(f), m, w, EUR(20), refund);
    assert_reason(run1(f, &op), LEDGER_OK);
    refund = op.transfer.id;
    op = op_refund(new_id(f), w, m, EUR(20), refund);
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE, true);
    /* A rejection. */
    assert_reason(run1(f, &bad), LEDGER_AMOUNT_MUST_BE_POSITIVE);
    op = op_refund(new_id(f), m, w, EUR(1), bad.transfer.id);
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE, true);
    /* A fee itself is not refundable by kind either (a withdrawal neither). */
    refund = xfer_ok(f, w, f->bank, EUR(5), TRANSFER_WITHDRAWAL);
    op = op_refund(new_id(f), f->bank, w, EUR(5), refund);
    expect_reject(f, &op, LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE, true);
}

static void test_refund_posted_pending(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(300));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct id128 p = hold(f, w, m, EUR(100), TRANSFER_PAYMENT, 0);
    struct ledger_op op;

    assert_reason(post(f, p, EUR(60)), LEDGER_OK);
    op = op_refund(new_id(f), m, w, EUR(60) + 1, p);
    expect_reject(f, &op, LEDGER_REFUND_EXCEEDS_ORIGINAL, true);
    op = op_refund(new_id(f), m, w, EUR(60), p);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(balance(f, w), EUR(300));
    assert_int_equal(balance(f, m), 0);
}

/* A card network's reversal of a card's withdrawal gives its fees back with it (issue 15): the
 * refund that completes the original returns every fee leg in the same unit, a partial one
 * none; a two-phase withdrawal's posted legs likewise; a fee leg cannot be refunded twice. The
 * teardown's replay accepts the rows. */
static void test_refund_card_withdrawal_fees(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(1000));
    uint64_t card = open_acct(f, ACCOUNT_CARD, 0);
    uint16_t fee = fee_id(f, "card_reload");
    struct ledger_op op;
    struct id128 cash, p, leg;
    int64_t fees;

    (void)xfer_ok(f, w, card, EUR(400), TRANSFER_CARD_LOAD);
    op = op_xfer(new_id(f), card, f->bank, EUR(100), TRANSFER_WITHDRAWAL, 0);
    op.transfer.fee_schedules[0] = fee;
    assert_reason(run1(f, &op), LEDGER_OK);
    cash = op.transfer.id;
    leg = f->ch.transfers[1].id;
    fees = f->res[0].fee_minor;
    assert_true(fees > 0);
    assert_int_equal(balance(f, card), EUR(300) - fees);
    /* A partial refund keeps the fee. */
    op = op_refund(new_id(f), f->bank, card, EUR(40), cash);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.transfer_count, 1);
    assert_int_equal(balance(f, card), EUR(340) - fees);
    /* The rest of it returns the fee too, in the same unit. */
    op = op_refund(new_id(f), f->bank, card, EUR(60), cash);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.transfer_count, 2);
    assert_int_equal(f->ch.transfers[1].kind, TRANSFER_REFUND);
    assert_int_equal(f->ch.transfers[1].debit_account_id, f->fees);
    assert_int_equal(f->ch.transfers[1].amount, fees);
    assert_true(id128_eq(f->ch.transfers[1].link_id, leg));
    assert_int_equal(balance(f, card), EUR(400));
    op = op_refund(new_id(f), f->fees, card, 1, leg);
    expect_reject(f, &op, LEDGER_REFUND_EXCEEDS_ORIGINAL, true);
    /* Two-phase: refunded by its pending id, its posted fee leg with it. */
    p = hold(f, card, f->bank, EUR(80), TRANSFER_WITHDRAWAL, fee);
    assert_reason(post(f, p, 0), LEDGER_OK);
    assert_int_equal(balance(f, card), EUR(320) - fees);
    op = op_refund(new_id(f), f->bank, card, EUR(80), p);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.transfer_count, 2);
    assert_int_equal(balance(f, card), EUR(400));
}

/* A balancing debit moves what the account has, at most its amount; nothing is refused. */
static void test_balancing_debit(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(1000));
    uint64_t card = open_acct(f, ACCOUNT_CARD, 0);
    struct ledger_op op, again;

    (void)xfer_ok(f, w, card, EUR(30), TRANSFER_CARD_LOAD);
    op = op_xfer(new_id(f), card, f->bank, EUR(50), TRANSFER_WITHDRAWAL, TRANSFER_BALANCING_DEBIT);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].amount, EUR(30));
    assert_int_equal(f->ch.transfers[0].amount, EUR(30));
    assert_int_equal(balance(f, card), 0);
    assert_reason(run1(f, &op), LEDGER_OK); /* a retry: its first result */
    assert_int_equal(f->res[0].duplicate, 1);
    assert_int_equal(f->res[0].amount, EUR(30));
    again = op_xfer(new_id(f), card, f->bank, EUR(5), TRANSFER_WITHDRAWAL,
                    TRANSFER_BALANCING_DEBIT);
    expect_reject(f, &again, LEDGER_INSUFFICIENT_FUNDS, true);
    /* Within the balance it is a plain transfer. */
    (void)xfer_ok(f, w, card, EUR(30), TRANSFER_CARD_LOAD);
    again = op_xfer(new_id(f), card, f->bank, EUR(5), TRANSFER_WITHDRAWAL,
                    TRANSFER_BALANCING_DEBIT);
    assert_reason(run1(f, &again), LEDGER_OK);
    assert_int_equal(f->res[0].amount, EUR(5));
    again = op_xfer(new_id(f), card, f->bank, EUR(5), TRANSFER_WITHDRAWAL,
                    TRANSFER_BALANCING_DEBIT | TRANSFER_PENDING);
    expect_reject(f, &again, LEDGER_FLAGS_INVALID, true);
}

static void test_reason_reference_requires_refund(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op = op_xfer(new_id(f), p.m, p.w, EUR(10), TRANSFER_P2P, 0);

    op.transfer.link_id = p.pay;
    expect_reject(f, &op, LEDGER_REFERENCE_REQUIRES_REFUND, true);
    op = op_xfer(new_id(f), p.w, p.m, EUR(10), TRANSFER_PAYMENT, TRANSFER_PENDING);
    op.transfer.link_id = p.pay;
    expect_reject(f, &op, LEDGER_REFERENCE_REQUIRES_REFUND, true);
}

/* ------------------------------------------------------------------------------------------ */
/* Limits (default config)                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_reason_limit_max_balance(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 0, EUR(150)); /* exactly the cap */
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 0);
    uint64_t w3 = open_acct(f, ACCOUNT_WALLET, 0);
    struct ledger_op op = op_xfer(new_id(f), f->bank, w2, EUR(150) + 1, TRANSFER_TOPUP, 0);

    assert_int_equal(balance(f, w1), EUR(150));
    expect_reject(f, &op, LEDGER_LIMIT_MAX_BALANCE, true);
    op = op_xfer(new_id(f), f->bank, w1, 1, TRANSFER_TOPUP, 0);
    expect_reject(f, &op, LEDGER_LIMIT_MAX_BALANCE, true);
    /* Incoming holds count. */
    (void)hold(f, f->bank, w3, EUR(100), TRANSFER_TOPUP, 0);
    op = op_xfer(new_id(f), f->bank, w3, EUR(50) + 1, TRANSFER_TOPUP, 0);
    expect_reject(f, &op, LEDGER_LIMIT_MAX_BALANCE, true);
    topup(f, w3, EUR(50));
    /* Spending makes room again. */
    assert_reason(xfer(f, w1, f->bank, EUR(1), TRANSFER_WITHDRAWAL), LEDGER_OK);
    topup(f, w1, EUR(1));
}

static void test_limit_monthly_debits_month_boundary(void **state)
{
    struct fx *f = *state;
    uint64_t w, m;
    struct ledger_op op;

    f->now = clock_utc_us(2026, 1, 31, 23, 59, 0);
    w = wallet(f, 0, EUR(150));
    m = open_acct(f, ACCOUNT_MERCHANT, 0);
    assert_reason(xfer(f, w, m, EUR(100), TRANSFER_PAYMENT), LEDGER_OK);
    assert_reason(xfer(f, w, m, EUR(50), TRANSFER_PAYMENT), LEDGER_OK);
    assert_int_equal(acct(f, w)->month_debits, EUR(150));
    topup(f, w, EUR(100));
    op = op_xfer(new_id(f), w, m, 1, TRANSFER_PAYMENT, 0);
    expect_reject(f, &op, LEDGER_LIMIT_MONTHLY_DEBITS, true);
    f->now = clock_utc_us(2026, 1, 31, 23, 59, 59);
    op = op_xfer(new_id(f), w, m, 1, TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_LIMIT_MONTHLY_DEBITS, true);
    /* A new month. */
    f->now = clock_utc_us(2026, 2, 1, 0, 0, 0);
    assert_reason(xfer(f, w, m, EUR(100), TRANSFER_PAYMENT), LEDGER_OK);
    assert_int_equal(acct(f, w)->month_debits, EUR(100));
    assert_int_equal(balance(f, w), 0);
}

static void test_reason_limit_operation_max_p2p(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 2, EUR(1000));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 2);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(250) + 1, TRANSFER_P2P, 0);

    expect_reject(f, &op, LEDGER_LIMIT_OPERATION_MAX, true);
    op = op_xfer(new_id(f), w1, w2, EUR(250) + 1, TRANSFER_P2P, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_LIMIT_OPERATION_MAX, true);
    assert_reason(xfer(f, w1, w2, EUR(250), TRANSFER_P2P), LEDGER_OK);
    /* The cap is per operation, not per day. */
    assert_reason(xfer(f, w1, w2, EUR(250), TRANSFER_P2P), LEDGER_OK);
    assert_int_equal(balance(f, w2), EUR(500));
}

static void test_limit_operation_max_payment_donation(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(2000));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    uint64_t a = open_acct(f, ACCOUNT_ASSOCIATION, 0);
    struct ledger_op op = op_xfer(new_id(f), w, m, EUR(500) + 1, TRANSFER_PAYMENT, 0);

    expect_reject(f, &op, LEDGER_LIMIT_OPERATION_MAX, true);
    op = op_xfer(new_id(f), w, a, EUR(500) + 1, TRANSFER_DONATION, 0);
    expect_reject(f, &op, LEDGER_LIMIT_OPERATION_MAX, true);
    assert_reason(xfer(f, w, m, EUR(500), TRANSFER_PAYMENT), LEDGER_OK);
    assert_reason(xfer(f, w, a, EUR(500), TRANSFER_DONATION), LEDGER_OK);
    /* Payments above 250 € are fine: the p2p cap is for p2p only. */
    assert_int_equal(balance(f, a), EUR(500));
}

static void test_reason_limit_daily_debits(void **state)
{
    struct fx *f = *state;
    uint64_t w, m;
    struct ledger_op op;

    f->now = clock_utc_us(2026, 4, 15, 23, 0, 0);
    w = wallet(f, 1, EUR(1500));
    m = open_acct(f, ACCOUNT_MERCHANT, 0);
    assert_reason(xfer(f, w, m, EUR(500), TRANSFER_PAYMENT), LEDGER_OK);
    assert_reason(xfer(f, w, m, EUR(500), TRANSFER_PAYMENT), LEDGER_OK);
    op = op_xfer(new_id(f), w, m, 1, TRANSFER_PAYMENT, 0);
    expect_reject(f, &op, LEDGER_LIMIT_DAILY_DEBITS, true);
    f->now = clock_utc_us(2026, 4, 15, 23, 59, 59);
    op = op_xfer(new_id(f), w, f->bank, 1, TRANSFER_WITHDRAWAL, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_LIMIT_DAILY_DEBITS, true);
    /* The next day. */
    f->now = clock_utc_us(2026, 4, 16, 0, 0, 0);
    assert_reason(xfer(f, w, m, EUR(500), TRANSFER_PAYMENT), LEDGER_OK);
    assert_int_equal(acct(f, w)->day_debits, EUR(500));
    assert_int_equal(acct(f, w)->month_debits, EUR(1500));
}

static void test_reason_limit_yearly_loads(void **state)
{
    struct fx *f = *state;
    uint64_t card;
    struct ledger_op op;

    f->now = clock_utc_us(2026, 12, 31, 22, 0, 0);
    card = open_acct(f, ACCOUNT_CARD, 0);
    assert_reason(xfer(f, f->bank, card, EUR(4000), TRANSFER_CARD_LOAD), LEDGER_OK);
    assert_reason(xfer(f, f->bank, card, EUR(2000), TRANSFER_CARD_LOAD), LEDGER_OK);
    assert_int_equal(acct(f, card)->year_loads, EUR(6000));
    op = op_xfer(new_id(f), f->bank, card, 1, TRANSFER_CARD_LOAD, 0);
    expect_reject(f, &op, LEDGER_LIMIT_YEARLY_LOADS, true);
    f->now = clock_utc_us(2026, 12, 31, 23, 59, 59);
    op = op_xfer(new_id(f), f->bank, card, 1, TRANSFER_CARD_LOAD, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_LIMIT_YEARLY_LOADS, true);
    /* A new year. */
    f->now = clock_utc_us(2027, 1, 1, 0, 0, 0);
    assert_reason(xfer(f, f->bank, card, EUR(6000), TRANSFER_CARD_LOAD), LEDGER_OK);
    assert_int_equal(acct(f, card)->year_loads, EUR(6000));
    assert_int_equal(balance(f, card), EUR(12000));
}

/* A replaced card's balance moves to its replacement as a card_move: not a load, so the new
 * card's yearly cap is whole; only card to card, posted at once. */
static void test_card_move_not_a_load(void **state)
{
    struct fx *f = *state;
    uint64_t old, card, w = wallet(f, 1, EUR(10));
    struct ledger_op op;

    f->now = clock_utc_us(2026, 6, 1, 12, 0, 0);
    old = open_acct(f, ACCOUNT_CARD, 0);
    card = open_acct(f, ACCOUNT_CARD, 0);
    assert_reason(xfer(f, f->bank, old, EUR(6000), TRANSFER_CARD_LOAD), LEDGER_OK);
    assert_reason(xfer(f, old, card, EUR(6000), TRANSFER_CARD_MOVE), LEDGER_OK);
    assert_int_equal(acct(f, card)->year_loads, 0);
    assert_int_equal(balance(f, card), EUR(6000));
    assert_reason(xfer(f, f->bank, card, EUR(6000), TRANSFER_CARD_LOAD), LEDGER_OK);
    op = op_xfer(new_id(f), w, card, 100, TRANSFER_CARD_MOVE, 0);
    expect_reject(f, &op, LEDGER_KIND_INVALID, true);
    op = op_xfer(new_id(f), card, old, 100, TRANSFER_CARD_MOVE, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_KIND_INVALID, true);
}

static void test_reason_limit_yearly_debits(void **state)
{
    struct fx *f = *state;
    uint64_t w;
    struct ledger_op op;

    /* No default sets a yearly debit cap: configure one. */
    f->cfg.limits[ACCOUNT_WALLET][2].year_debits_max = EUR(1000);
    fx_reopen(f);
    f->now = clock_utc_us(2026, 12, 30, 12, 0, 0);
    w = wallet(f, 2, EUR(3000));
    assert_reason(xfer(f, w, f->bank, EUR(600), TRANSFER_WITHDRAWAL), LEDGER_OK);
    f->now = clock_utc_us(2026, 12, 31, 12, 0, 0);
    assert_reason(xfer(f, w, f->bank, EUR(400), TRANSFER_WITHDRAWAL), LEDGER_OK);
    op = op_xfer(new_id(f), w, f->bank, 1, TRANSFER_WITHDRAWAL, 0);
    expect_reject(f, &op, LEDGER_LIMIT_YEARLY_DEBITS, true);
    f->now = clock_utc_us(2027, 1, 1, 0, 0, 0);
    assert_reason(xfer(f, w, f->bank, EUR(1000), TRANSFER_WITHDRAWAL), LEDGER_OK);
}

static void test_limit_void_releases_window(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 0, EUR(150));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct id128 p = hold(f, w, m, EUR(150), TRANSFER_PAYMENT, 0);
    struct ledger_op op;

    assert_int_equal(acct(f, w)->month_debits, EUR(150));
    op = op_xfer(new_id(f), w, m, 1, TRANSFER_PAYMENT, 0);
    expect_reject(f, &op, LEDGER_LIMIT_MONTHLY_DEBITS, true);
    assert_reason(cancel(f, p), LEDGER_OK);
    assert_int_equal(acct(f, w)->month_debits, 0);
    assert_reason(xfer(f, w, m, EUR(150), TRANSFER_PAYMENT), LEDGER_OK);
}

static void test_limit_expiry_releases_window(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 0, EUR(150));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct id128 p = hold(f, w, m, EUR(100), TRANSFER_PAYMENT, 0);

    assert_int_equal(acct(f, w)->month_debits, EUR(100));
    assert_int_equal(expire_at(f, find(f, p).expires_us, 10), 1);
    assert_int_equal(acct(f, w)->month_debits, 0);
    f->now = find(f, p).expires_us;
    assert_reason(xfer(f, w, m, EUR(150), TRANSFER_PAYMENT), LEDGER_OK);
}

/* ------------------------------------------------------------------------------------------ */
/* Fees (default schedules)                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* A funded tier-2 wallet (no balance cap) and a card to load. */
struct loader {
    uint64_t w, card;
    uint16_t reload;
};

static struct loader loader(struct fx *f, int64_t amount)
{
    struct loader ld;

    ld.w = wallet(f, 2, amount);
    ld.card = open_acct(f, ACCOUNT_CARD, 0);
    ld.reload = fee_id(f, "card_reload");
    return ld;
}

static struct ledger_op op_load(struct fx *f, const struct loader *ld, int64_t amount,
                                unsigned flags)
{
    struct ledger_op op = op_xfer(new_id(f), ld->w, ld->card, amount, TRANSFER_CARD_LOAD, flags);

    op.transfer.fee_schedules[0] = ld->reload;
    return op;
}

static void test_fee_card_reload_table(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(3000));
    static const int64_t table[][2] = {
        {EUR(50), EUR(6)},       {EUR(100), EUR(6)},  {EUR(100) + 1, EUR(10)},
        {EUR(250), EUR(10)},     {EUR(300), EUR(15)}, {EUR(500), EUR(15)},
        {EUR(500) + 1, EUR(22)}, {EUR(75), EUR(6)},   {EUR(250) + 1, EUR(15)},
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        struct ledger_op op = op_load(f, &ld, table[i][0], 0);
        int64_t w0 = acct(f, ld.w)->debits_posted;
        int64_t c0 = acct(f, ld.card)->credits_posted;
        int64_t f0 = acct(f, f->fees)->credits_posted;
        const struct transfer *leg;
        int64_t fee;

        assert_reason(run1(f, &op), LEDGER_OK);
        assert_int_equal(fee_compute(&f->cfg.fee_schedules[ld.reload - 1], table[i][0], &fee),
                         LEDGER_OK);
        assert_int_equal(fee, table[i][1]);
        assert_int_equal(f->res[0].fee_minor, table[i][1]);
        assert_int_equal(f->res[0].amount, table[i][0]);
        assert_int_equal(f->ch.transfer_count, 2);
        leg = &f->ch.transfers[1];
        assert_int_equal(leg->kind, TRANSFER_FEE);
        assert_int_equal(leg->flags, TRANSFER_FEE_LEG);
        assert_int_equal(leg->state, TRANSFER_STATE_POSTED);
        assert_int_equal(leg->debit_account_id, ld.w);
        assert_int_equal(leg->credit_account_id, f->fees);
        assert_int_equal(leg->amount, table[i][1]);
        assert_true(id128_eq(leg->link_id, op.transfer.id));
        assert_true(leg->seq > f->ch.transfers[0].seq);
        assert_int_equal(acct(f, ld.w)->debits_posted - w0, table[i][0] + table[i][1]);
        assert_int_equal(acct(f, ld.card)->credits_posted - c0, table[i][0]);
        assert_int_equal(acct(f, f->fees)->credits_posted - f0, table[i][1]);
    }
}

static void test_reason_fee_below_minimum_amount(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(100));
    struct ledger_op op = op_load(f, &ld, EUR(50) - 1, 0);
    int64_t fee = -1;

    assert_int_equal(fee_compute(&f->cfg.fee_schedules[ld.reload - 1], EUR(50) - 1, &fee),
                     LEDGER_FEE_BELOW_MINIMUM_AMOUNT);
    expect_reject(f, &op, LEDGER_FEE_BELOW_MINIMUM_AMOUNT, true);
    op = op_load(f, &ld, EUR(50) - 1, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_FEE_BELOW_MINIMUM_AMOUNT, true);
}

static void test_fee_payer_insufficient_funds(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(100));
    struct ledger_op op = op_load(f, &ld, EUR(100), 0);

    /* 100 € loads cost 106 €: the payer has 100. */
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    op = op_load(f, &ld, EUR(100), TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_INSUFFICIENT_FUNDS, true);
    op = op_load(f, &ld, EUR(94), 0);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, EUR(6));
    assert_int_equal(balance(f, ld.w), 0);
    assert_int_equal(balance(f, ld.card), EUR(94));
    assert_int_equal(balance(f, f->fees), EUR(6));
}

static void test_fee_merchant_percent_payee(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(1000));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    uint16_t sid = fee_id(f, "merchant_standard");
    /* 1.5 % + 0.25, at least 0.30, at most 5: amount, fee. */
    static const int64_t table[][2] = {
        {EUR(100), 175}, /* 150 + 25 */
        {EUR(10), 40},   /* 15 + 25 */
        {EUR(1), 30},    /* 2 + 25 = 27, raised to the minimum */
        {EUR(400), 500}, /* 6025, cut to the maximum */
        {3333, 75},      /* 49.995 rounds half up to 50, + 25 */
        {3300, 75},      /* 49.5 -> 50 */
        {3, 30},
    };
    int64_t paid = 0, fees = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        struct ledger_op op = op_xfer(new_id(f), w, m, table[i][0], TRANSFER_PAYMENT, 0);

        op.transfer.fee_schedules[0] = sid;
        assert_reason(run1(f, &op), LEDGER_OK);
        assert_int_equal(f->res[0].fee_minor, table[i][1]);
        assert_int_equal(f->ch.transfer_count, 2);
        assert_int_equal(f->ch.transfers[1].debit_account_id, m);
        assert_int_equal(f->ch.transfers[1].credit_account_id, f->fees);
        assert_int_equal(f->ch.transfers[1].amount, table[i][1]);
        paid += table[i][0];
        fees += table[i][1];
        /* The payer pays the amount only. */
        assert_int_equal(balance(f, w), EUR(1000) - paid);
        assert_int_equal(balance(f, m), paid - fees);
        assert_int_equal(balance(f, f->fees), fees);
    }
}

static void test_fee_sms_order_operator(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);

    op.transfer.fee_schedules[0] = fee_id(f, "sms_order");
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, 50);
    assert_int_equal(f->ch.transfer_count, 2);
    assert_int_equal(f->ch.transfers[1].kind, TRANSFER_FEE);
    assert_int_equal(f->ch.transfers[1].debit_account_id, f->oper);
    assert_int_equal(f->ch.transfers[1].credit_account_id, f->fees);
    assert_int_equal(balance(f, f->oper), -50);
    assert_int_equal(balance(f, f->fees), 50);
    assert_int_equal(balance(f, w1), EUR(90));
    assert_int_equal(balance(f, w2), EUR(10));
    /* Even a payer with exactly the amount can order by SMS. */
    op = op_xfer(new_id(f), w1, w2, EUR(90), TRANSFER_P2P, 0);
    op.transfer.fee_schedules[0] = fee_id(f, "sms_order");
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(balance(f, w1), 0);
}

static void test_fee_two_schedules(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(200));
    struct ledger_op op = op_load(f, &ld, EUR(100), 0);

    op.transfer.fee_schedules[1] = fee_id(f, "sms_order");
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, EUR(6) + 50);
    assert_int_equal(f->ch.transfer_count, 3);
    assert_int_equal(f->ch.transfers[1].debit_account_id, ld.w);
    assert_int_equal(f->ch.transfers[2].debit_account_id, f->oper);
    assert_false(id128_eq(f->ch.transfers[1].id, f->ch.transfers[2].id));
    assert_int_equal(balance(f, ld.w), EUR(94));
    assert_int_equal(balance(f, f->fees), EUR(6) + 50);
}

static void test_reason_fee_schedule_not_found(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(200));
    struct ledger_op op = op_load(f, &ld, EUR(100), 0);

    op.transfer.fee_schedules[0] = (uint16_t)(f->cfg.fee_schedule_count + 1);
    expect_reject(f, &op, LEDGER_FEE_SCHEDULE_NOT_FOUND, true);
    op = op_load(f, &ld, EUR(100), 0);
    op.transfer.fee_schedules[1] = 999;
    expect_reject(f, &op, LEDGER_FEE_SCHEDULE_NOT_FOUND, true);
    assert_int_equal(ledger_config_fee_find(&f->cfg, "no_such_fee"), 0);
}

static void test_reason_fee_account_missing(void **state)
{
    struct fx *f = *state;
    struct account_event ev[3];
    struct ledger_op op;

    /* Only replay can build a currency without its fees and operator accounts. */
    ledger_free(f->l);
    assert_int_equal(ledger_create(&f->cfg, &f->l), 0);
    ledger_changes_reset(&f->log);
    memset(ev, 0, sizeof(ev));
    for (int i = 0; i < 3; i++) {
        ev[i].seq = (uint64_t)i + 1;
        ev[i].account_id = (uint64_t)i + 1;
        ev[i].type = ACCOUNT_EVENT_OPEN;
        ev[i].timestamp_us = f->now + i;
        memcpy(ev[i].currency, "EUR", 4);
    }
    ev[0].kind = ACCOUNT_BANK;
    ev[1].kind = ACCOUNT_WALLET;
    ev[1].tier = 2;
    ev[1].flags = ACCOUNT_NO_OVERDRAFT;
    ev[2].kind = ACCOUNT_CARD;
    ev[2].flags = ACCOUNT_NO_OVERDRAFT;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ledger_replay_event(f->l, &ev[i], NULL), 0);
        log_event(f, &ev[i]);
    }
    f->bank = ledger_system_account(f->l, ACCOUNT_BANK, "EUR");
    assert_int_equal(f->bank, 1);
    assert_int_equal(ledger_system_account(f->l, ACCOUNT_FEES, "EUR"), 0);
    topup(f, 2, EUR(500));
    op = op_xfer(new_id(f), 2, 3, EUR(100), TRANSFER_CARD_LOAD, 0);
    op.transfer.fee_schedules[0] = fee_id(f, "card_reload");
    expect_reject(f, &op, LEDGER_FEE_ACCOUNT_MISSING, true);
    op.transfer.id = new_id(f);
    op.transfer.fee_schedules[0] = fee_id(f, "sms_order");
    expect_reject(f, &op, LEDGER_FEE_ACCOUNT_MISSING, true);
    /* Without a fee it goes through. */
    assert_reason(xfer(f, 2, 3, EUR(100), TRANSFER_CARD_LOAD), LEDGER_OK);
}

static void test_fee_pending_posted_with_main(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(1000));
    struct ledger_op op = op_load(f, &ld, EUR(300), TRANSFER_PENDING);
    struct id128 leg;
    struct ledger_totals t;

    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, EUR(15));
    assert_int_equal(f->ch.transfer_count, 2);
    leg = f->ch.transfers[1].id;
    assert_int_equal(f->ch.transfers[1].flags, TRANSFER_FEE_LEG | TRANSFER_PENDING);
    assert_int_equal(f->ch.transfers[1].state, TRANSFER_STATE_PENDING);
    assert_int_equal(f->ch.transfers[1].expires_us, f->ch.transfers[0].expires_us);
    assert_int_equal(acct(f, ld.w)->debits_pending, EUR(315));
    assert_int_equal(acct(f, f->fees)->credits_pending, EUR(15));
    assert_int_equal(acct(f, f->fees)->credits_posted, 0);
    assert_int_equal(available(f, ld.w), EUR(685));

    assert_reason(post(f, op.transfer.id, 0), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, EUR(15));
    assert_int_equal(f->ch.transfer_count, 2);
    assert_int_equal(f->ch.state_count, 2);
    assert_int_equal(find(f, leg).state, TRANSFER_STATE_POSTED);
    assert_int_equal(acct(f, ld.w)->debits_pending, 0);
    assert_int_equal(acct(f, ld.w)->debits_posted, EUR(315));
    assert_int_equal(acct(f, f->fees)->credits_pending, 0);
    assert_int_equal(acct(f, f->fees)->credits_posted, EUR(15));
    assert_int_equal(acct(f, ld.card)->credits_posted, EUR(300));
    ledger_totals_get(f->l, &t);
    assert_int_equal(t.debits_pending, 0);
}

static void test_fee_pending_voided_with_main(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(1000));
    struct ledger_op op = op_load(f, &ld, EUR(300), TRANSFER_PENDING);
    struct id128 leg;

    assert_reason(run1(f, &op), LEDGER_OK);
    leg = f->ch.transfers[1].id;
    assert_reason(cancel(f, op.transfer.id), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, 0);
    assert_int_equal(f->ch.transfer_count, 2);
    assert_int_equal(find(f, leg).state, TRANSFER_STATE_VOIDED);
    assert_int_equal(acct(f, ld.w)->debits_pending, 0);
    assert_int_equal(acct(f, ld.w)->debits_posted, 0);
    assert_int_equal(acct(f, f->fees)->credits_pending, 0);
    assert_int_equal(acct(f, f->fees)->credits_posted, 0);
    assert_int_equal(available(f, ld.w), EUR(1000));
}

static void test_fee_pending_expired_with_main(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(1000));
    struct ledger_op op = op_load(f, &ld, EUR(300), TRANSFER_PENDING);
    struct id128 leg;

    assert_reason(run1(f, &op), LEDGER_OK);
    leg = f->ch.transfers[1].id;
    assert_int_equal(expire_at(f, find(f, op.transfer.id).expires_us, 10), 1);
    assert_int_equal(f->ch.transfer_count, 2);
    assert_int_equal(f->ch.state_count, 2);
    assert_int_equal(find(f, op.transfer.id).state, TRANSFER_STATE_EXPIRED);
    assert_int_equal(find(f, leg).state, TRANSFER_STATE_EXPIRED);
    assert_int_equal(f->ch.transfers[1].flags & TRANSFER_FEE_LEG, TRANSFER_FEE_LEG);
    assert_int_equal(acct(f, ld.w)->debits_pending, 0);
    assert_int_equal(acct(f, f->fees)->credits_pending, 0);
    assert_int_equal(acct(f, f->fees)->credits_posted, 0);
    assert_int_equal(available(f, ld.w), EUR(1000));
}

static void test_fee_partial_post_recomputes(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(1000));
    struct ledger_op op = op_load(f, &ld, EUR(300), TRANSFER_PENDING);
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct id128 p;

    assert_reason(run1(f, &op), LEDGER_OK);
    assert_reason(post(f, op.transfer.id, EUR(100)), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, EUR(6));
    assert_int_equal(f->ch.transfers[1].amount, EUR(6));
    assert_int_equal(acct(f, ld.w)->debits_posted, EUR(106));
    assert_int_equal(acct(f, ld.w)->debits_pending, 0);
    assert_int_equal(acct(f, f->fees)->credits_posted, EUR(6));
    assert_int_equal(acct(f, ld.card)->credits_posted, EUR(100));

    /* A percent fee too: 1.5 % of 50 € + 0.25 instead of 1.5 % of 200 € + 0.25. */
    p = hold(f, ld.w, m, EUR(200), TRANSFER_PAYMENT, fee_id(f, "merchant_standard"));
    assert_int_equal(f->res[0].fee_minor, 325);
    assert_reason(post(f, p, EUR(50)), LEDGER_OK);
    assert_int_equal(f->res[0].fee_minor, 100);
    assert_int_equal(balance(f, m), EUR(50) - 100);
    assert_int_equal(balance(f, f->fees), EUR(6) + 100);
}

/* ------------------------------------------------------------------------------------------ */
/* Accounts                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_account_open(void **state)
{
    struct fx *f = *state;
    uint64_t w = open_acct(f, ACCOUNT_WALLET, 1);
    uint64_t m;
    const struct account *a = acct(f, w);

    assert_int_equal(f->ch.event_count, 1);
    assert_int_equal(f->ch.events[0].type, ACCOUNT_EVENT_OPEN);
    assert_int_equal(f->ch.events[0].account_id, w);
    assert_int_equal(a->kind, ACCOUNT_WALLET);
    assert_int_equal(a->tier, 1);
    assert_int_equal(a->status, ACCOUNT_ACTIVE);
    assert_int_equal(a->flags, ACCOUNT_NO_OVERDRAFT);
    assert_string_equal(a->currency, "EUR");
    assert_int_equal(a->created_us, f->ch.events[0].timestamp_us);
    m = open_acct(f, ACCOUNT_MERCHANT, 0);
    assert_int_equal(acct(f, m)->flags, 0);
    assert_int_equal(acct(f, open_acct(f, ACCOUNT_CARD, 0))->flags, ACCOUNT_NO_OVERDRAFT);
    /* Lower-case currency codes are accepted and stored upper case. */
    assert_string_equal(acct(f, open_cur(f, ACCOUNT_WALLET, 0, "eur"))->currency, "EUR");
    assert_int_equal(ledger_account_count(f->l), 8);
    assert_null(ledger_account_get(f->l, 9));
    assert_null(ledger_account_get(f->l, 0));
}

static void test_reason_account_frozen(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = wallet(f, 1, EUR(100));
    struct id128 p = hold(f, w1, w2, EUR(10), TRANSFER_P2P, 0);
    struct ledger_op op;

    assert_reason(set_status(f, w1, ACCOUNT_FROZEN), LEDGER_OK);
    assert_int_equal(f->ch.event_count, 1);
    assert_int_equal(f->ch.events[0].type, ACCOUNT_EVENT_STATUS);
    assert_int_equal(f->ch.events[0].status, ACCOUNT_FROZEN);
    assert_int_equal(acct(f, w1)->status, ACCOUNT_FROZEN);
    op = op_xfer(new_id(f), w1, w2, EUR(1), TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_ACCOUNT_FROZEN, true); /* debit */
    op = op_xfer(new_id(f), w2, w1, EUR(1), TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_ACCOUNT_FROZEN, true); /* credit */
    op = op_xfer(new_id(f), f->bank, w1, EUR(1), TRANSFER_TOPUP, TRANSFER_PENDING);
    expect_reject(f, &op, LEDGER_ACCOUNT_FROZEN, true);
    op = op_close(new_id(f), p, 0, true);
    expect_reject(f, &op, LEDGER_ACCOUNT_FROZEN, true); /* no post from a frozen account */

    assert_reason(set_status(f, w1, ACCOUNT_ACTIVE), LEDGER_OK);
    assert_int_equal(acct(f, w1)->status, ACCOUNT_ACTIVE);
    assert_reason(xfer(f, w1, w2, EUR(1), TRANSFER_P2P), LEDGER_OK);
    assert_reason(post(f, p, 0), LEDGER_OK);
    assert_int_equal(balance(f, w2), EUR(111));
}

static void test_account_frozen_void_allowed(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct id128 p = hold(f, w1, w2, EUR(10), TRANSFER_P2P, 0);

    /* Freezing must not trap funds on hold: a void gives them back. */
    assert_reason(set_status(f, w1, ACCOUNT_FROZEN), LEDGER_OK);
    assert_reason(cancel(f, p), LEDGER_OK);
    assert_int_equal(acct(f, w1)->debits_pending, 0);
}

static void test_reason_account_not_empty(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(10));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_status(w1, ACCOUNT_CLOSED);
    struct id128 p;

    expect_reject(f, &op, LEDGER_ACCOUNT_NOT_EMPTY, false);
    /* Empty but with an incoming hold. */
    p = hold(f, w1, w2, EUR(10), TRANSFER_P2P, 0);
    op = op_status(w2, ACCOUNT_CLOSED);
    expect_reject(f, &op, LEDGER_ACCOUNT_NOT_EMPTY, false);
    op = op_status(w1, ACCOUNT_CLOSED);
    expect_reject(f, &op, LEDGER_ACCOUNT_NOT_EMPTY, false);
    assert_reason(cancel(f, p), LEDGER_OK);
    assert_reason(xfer(f, w1, f->bank, EUR(10), TRANSFER_WITHDRAWAL), LEDGER_OK);
    /* Balanced (debits = credits) is empty. */
    assert_reason(set_status(f, w1, ACCOUNT_CLOSED), LEDGER_OK);
    assert_int_equal(acct(f, w1)->status, ACCOUNT_CLOSED);
}

static void test_reason_account_closed(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(10));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op;

    assert_reason(set_status(f, w2, ACCOUNT_CLOSED), LEDGER_OK);
    op = op_xfer(new_id(f), w1, w2, EUR(1), TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_ACCOUNT_CLOSED, true);
    op = op_xfer(new_id(f), w2, w1, EUR(1), TRANSFER_P2P, 0);
    expect_reject(f, &op, LEDGER_ACCOUNT_CLOSED, true);
    /* Closed is final: no reopening, no tier change. */
    op = op_status(w2, ACCOUNT_ACTIVE);
    expect_reject(f, &op, LEDGER_ACCOUNT_CLOSED, false);
    op = op_tier(w2, 2);
    expect_reject(f, &op, LEDGER_ACCOUNT_CLOSED, false);
}

static void test_account_tier_change(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 0, EUR(150));
    struct ledger_op op = op_xfer(new_id(f), f->bank, w, EUR(50), TRANSFER_TOPUP, 0);

    expect_reject(f, &op, LEDGER_LIMIT_MAX_BALANCE, true);
    op = op_tier(w, 1);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].account_id, w);
    assert_int_equal(f->ch.event_count, 1);
    assert_int_equal(f->ch.events[0].type, ACCOUNT_EVENT_TIER);
    assert_int_equal(f->ch.events[0].tier, 1);
    assert_int_equal(acct(f, w)->tier, 1);
    topup(f, w, EUR(50));
    assert_int_equal(balance(f, w), EUR(200));
}

static void test_reason_account_not_found(void **state)
{
    struct fx *f = *state;
    struct ledger_op op = op_status(999, ACCOUNT_FROZEN);

    expect_reject(f, &op, LEDGER_ACCOUNT_NOT_FOUND, false);
    op = op_tier(0, 1);
    expect_reject(f, &op, LEDGER_ACCOUNT_NOT_FOUND, false);
}

static void test_reason_account_kind_invalid(void **state)
{
    struct fx *f = *state;
    struct ledger_op op = op_open(ACCOUNT_KIND_COUNT, 0, "EUR");

    expect_reject(f, &op, LEDGER_ACCOUNT_KIND_INVALID, false);
}

static void test_reason_currency_unknown(void **state)
{
    struct fx *f = *state;
    struct ledger_op op = op_open(ACCOUNT_WALLET, 0, "XXX");

    expect_reject(f, &op, LEDGER_CURRENCY_UNKNOWN, false);
    op = op_open(ACCOUNT_WALLET, 0, "");
    expect_reject(f, &op, LEDGER_CURRENCY_UNKNOWN, false);
    op = op_init("ZZZ");
    expect_reject(f, &op, LEDGER_CURRENCY_UNKNOWN, false);
    assert_int_equal(ledger_system_account(f->l, ACCOUNT_BANK, "XXX"), 0);
}

static void test_reason_tier_invalid(void **state)
{
    struct fx *f = *state;
    uint64_t w = open_acct(f, ACCOUNT_WALLET, 0);
    struct ledger_op op = op_open(ACCOUNT_WALLET, KYC_TIER_COUNT, "EUR");

    expect_reject(f, &op, LEDGER_TIER_INVALID, false);
    op = op_tier(w, KYC_TIER_COUNT);
    expect_reject(f, &op, LEDGER_TIER_INVALID, false);
}

static void test_reason_status_invalid(void **state)
{
    struct fx *f = *state;
    uint64_t w = open_acct(f, ACCOUNT_WALLET, 0);
    struct ledger_op op = op_status(w, ACCOUNT_CLOSED + 1);

    expect_reject(f, &op, LEDGER_STATUS_INVALID, false);
}

static void test_reason_system_account_exists(void **state)
{
    struct fx *f = *state;
    static const int kinds[] = {ACCOUNT_BANK, ACCOUNT_FEES, ACCOUNT_OPERATOR, ACCOUNT_SUSPENSE};
    struct ledger_op op;
    uint64_t gbp;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        op = op_open(kinds[i], 0, "EUR");
        expect_reject(f, &op, LEDGER_SYSTEM_ACCOUNT_EXISTS, false);
    }
    /* Opening a system kind of a new currency opens that currency's set. */
    op = op_open(ACCOUNT_FEES, 0, "GBP");
    assert_reason(run1(f, &op), LEDGER_OK);
    gbp = ledger_system_account(f->l, ACCOUNT_FEES, "GBP");
    assert_int_equal(f->res[0].account_id, gbp);
    assert_int_equal(f->ch.event_count, 4);
    assert_int_equal(acct(f, gbp)->kind, ACCOUNT_FEES);
    /* SYSTEM_INIT again opens nothing. */
    op = op_init("EUR");
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.event_count, 0);
    assert_int_equal(f->res[0].account_id, f->bank);
}

static void test_account_other_currency_systems(void **state)
{
    struct fx *f = *state;
    uint64_t before = ledger_account_count(f->l);
    uint64_t usd = open_cur(f, ACCOUNT_WALLET, 1, "USD");
    uint64_t usd_bank = ledger_system_account(f->l, ACCOUNT_BANK, "USD");
    uint64_t usd2;

    /* bank, fees, operator, suspense, then the wallet. */
    assert_int_equal(f->ch.event_count, 5);
    assert_int_equal(ledger_account_count(f->l), before + 5);
    assert_int_equal(usd, before + 5);
    assert_true(usd_bank != 0 && usd_bank != f->bank);
    assert_true(ledger_system_account(f->l, ACCOUNT_FEES, "USD") != 0);
    assert_true(ledger_system_account(f->l, ACCOUNT_OPERATOR, "USD") != 0);
    assert_true(ledger_system_account(f->l, ACCOUNT_SUSPENSE, "USD") != 0);
    assert_string_equal(acct(f, usd_bank)->currency, "USD");
    assert_int_equal(ledger_system_account(f->l, ACCOUNT_WALLET, "USD"), 0);
    /* A second USD wallet opens nothing else. */
    usd2 = open_cur(f, ACCOUNT_WALLET, 1, "USD");
    assert_int_equal(f->ch.event_count, 1);
    assert_reason(xfer(f, usd_bank, usd, 1000, TRANSFER_TOPUP), LEDGER_OK);
    assert_reason(xfer(f, usd, usd2, 400, TRANSFER_P2P), LEDGER_OK);
    assert_int_equal(balance(f, usd2), 400);
}

/* ------------------------------------------------------------------------------------------ */
/* Replay                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_replay_full_scenario(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 2, EUR(2000));
    uint64_t w2 = wallet(f, 0, EUR(100));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    uint64_t card = open_acct(f, ACCOUNT_CARD, 0);
    uint64_t usd = open_cur(f, ACCOUNT_WALLET, 1, "USD");
    uint16_t reload = fee_id(f, "card_reload");
    uint16_t merchant = fee_id(f, "merchant_standard");
    struct id128 pay, p1, p2, p3, p4;
    struct ledger_op ops[3], rejected, dup, next;
    struct ledger_result want;
    struct ledger *r;

    /* Single-phase with fees, a refund, a few rejections. */
    ops[0] = op_xfer(new_id(f), w1, m, EUR(200), TRANSFER_PAYMENT, 0);
    ops[0].transfer.fee_schedules[0] = merchant;
    assert_reason(run1(f, &ops[0]), LEDGER_OK);
    pay = ops[0].transfer.id;
    ops[0] = op_refund(new_id(f), m, w1, EUR(50), pay);
    assert_reason(run1(f, &ops[0]), LEDGER_OK);
    rejected = op_xfer(new_id(f), w2, w1, EUR(101), TRANSFER_P2P, 0);
    assert_reason(run1(f, &rejected), LEDGER_INSUFFICIENT_FUNDS);
    ops[0] = op_xfer(new_id(f), f->bank, w2, EUR(51), TRANSFER_TOPUP, 0);
    assert_reason(run1(f, &ops[0]), LEDGER_LIMIT_MAX_BALANCE);
    ops[0] = op_xfer(new_id(f), w1, usd, 100, TRANSFER_P2P, 0);
    assert_reason(run1(f, &ops[0]), LEDGER_CURRENCY_MISMATCH);
    /* A failed chain and a committed one. */
    ops[0] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w2, f->bank, EUR(120), TRANSFER_WITHDRAWAL, 0);
    run(f, ops, 2);
    assert_reason(f->res[1].reason, LEDGER_INSUFFICIENT_FUNDS);
    ops[0] = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer(new_id(f), w2, m, EUR(20), TRANSFER_PAYMENT, 0);
    ops[1].transfer.fee_schedules[0] = fee_id(f, "sms_order");
    run(f, ops, 2);
    assert_reason(f->res[1].reason, LEDGER_OK);
    /* Two-phase: posted full, posted partly with a fee, voided with a fee, expired with a fee. */
    p1 = hold(f, w1, m, EUR(100), TRANSFER_PAYMENT, 0);
    p2 = hold(f, w1, card, EUR(300), TRANSFER_CARD_LOAD, reload);
    p3 = hold(f, w1, card, EUR(200), TRANSFER_CARD_LOAD, reload);
    p4 = hold(f, w1, card, EUR(60), TRANSFER_CARD_LOAD, reload);
    assert_reason(post(f, p1, 0), LEDGER_OK);
    assert_reason(post(f, p2, EUR(120)), LEDGER_OK);
    assert_reason(cancel(f, p3), LEDGER_OK);
    assert_reason(post(f, p3, 0), LEDGER_PENDING_ALREADY_VOIDED);
    ops[0] = op_refund(new_id(f), m, w1, EUR(100), p1);
    assert_reason(run1(f, &ops[0]), LEDGER_OK);
    /* Account events. */
    assert_reason(set_status(f, w2, ACCOUNT_FROZEN), LEDGER_OK);
    assert_reason(xfer(f, w2, m, EUR(1), TRANSFER_PAYMENT), LEDGER_ACCOUNT_FROZEN);
    assert_reason(set_status(f, w2, ACCOUNT_ACTIVE), LEDGER_OK);
    ops[0] = op_tier(w2, 1);
    assert_reason(run1(f, &ops[0]), LEDGER_OK);
    /* One pending left open across the replay, then one expiry. */
    f->now += 200 * SEC_US;
    dup = op_xfer(new_id(f), w1, m, EUR(30), TRANSFER_PAYMENT, TRANSFER_PENDING);
    assert_reason(run1(f, &dup), LEDGER_OK);
    assert_int_equal(expire_at(f, find(f, p4).expires_us, 100), 1);
    assert_int_equal(find(f, p4).state, TRANSFER_STATE_EXPIRED);
    assert_int_equal(find(f, dup.transfer.id).state, TRANSFER_STATE_PENDING);
    assert_true(f->log.transfer_count > 20);
    assert_true(f->log.rejection_count >= 6);

    r = replay_log(f);
    assert_replica_equal(f, r);

    /* Both answer retries and new work the same way. */
    next = op_refund(new_id(f), m, w1, EUR(150), pay); /* the rest of the 200 € payment */
    {
        struct ledger_op batch[4] = {rejected, dup, next, next};
        struct ledger_result got[4];
        struct ledger_changes rch = {0};

        run(f, batch, 4);
        ledger_execute(r, batch, 4, f->now, got, &rch);
        for (int i = 0; i < 4; i++) {
            want = f->res[i];
            assert_reason(got[i].reason, want.reason);
            assert_int_equal(got[i].duplicate, want.duplicate);
            assert_int_equal(got[i].timestamp_us, want.timestamp_us);
        }
        assert_reason(f->res[0].reason, LEDGER_INSUFFICIENT_FUNDS);
        assert_int_equal(f->res[0].duplicate, 1);
        assert_int_equal(f->res[1].duplicate, 1);
        assert_reason(f->res[2].reason, LEDGER_OK);
        assert_int_equal(rch.transfer_count, f->ch.transfer_count);
        assert_memory_equal(rch.transfers, f->ch.transfers,
                            rch.transfer_count * sizeof(*rch.transfers));
        ledger_changes_release(&rch);
    }
    /* The refund taken above is remembered on both sides. */
    next = op_refund(new_id(f), m, w1, 1, pay);
    {
        struct ledger_result got;
        struct ledger_changes rch = {0};

        assert_reason(run1(f, &next), LEDGER_REFUND_EXCEEDS_ORIGINAL);
        ledger_execute(r, &next, 1, f->now, &got, &rch);
        assert_reason(got.reason, LEDGER_REFUND_EXCEEDS_ORIGINAL);
        ledger_changes_release(&rch);
    }
    assert_int_equal(expire_at(f, f->now + 600 * SEC_US, 100), 1);
    {
        struct ledger_changes rch = {0};

        assert_int_equal(ledger_expire(r, f->now + 600 * SEC_US, 100, &rch), 1);
        ledger_changes_release(&rch);
    }
    for (uint64_t id = 1; id <= ledger_account_count(f->l); id++) {
        assert_memory_equal(ledger_account_get(r, id), acct(f, id), sizeof(struct account));
    }
}

static void test_replay_rejects_out_of_order(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 1, EUR(10));
    struct ledger *r = replay_log(f);
    struct transfer row = f->log.transfers[0];
    struct account_event ev = f->log.events[0];
    struct mdt_err err = {0};

    (void)w;
    assert_int_equal(ledger_replay_transfer(r, &row, &err), MDT_E(CORRUPT));
    assert_true(err.msg[0] != '\0');
    assert_int_equal(ledger_replay_event(r, &ev, NULL), MDT_E(CORRUPT));
    /* A closing row naming a transfer that is not open. */
    row.seq = ledger_last_seq(r) + 1;
    row.id = new_id(f);
    row.flags = TRANSFER_POST_PENDING;
    row.link_id = new_id(f);
    assert_int_equal(ledger_replay_transfer(r, &row, NULL), MDT_E(CORRUPT));
}

/* ------------------------------------------------------------------------------------------ */
/* Regressions: bugs found while writing these tests (see the report)                         */
/* ------------------------------------------------------------------------------------------ */

/* A refund undone by its chain must give back the refundable amount of its original. */
static void test_refund_rolled_back_in_chain_keeps_refundable(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    uint64_t empty = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op ops[2];

    ops[0] = op_refund(new_id(f), p.m, p.w, EUR(100), p.pay);
    ops[0].transfer.flags = TRANSFER_LINKED;
    ops[1] = op_xfer(new_id(f), empty, p.w, EUR(1), TRANSFER_P2P, 0);
    run(f, ops, 2);
    assert_reason(f->res[0].reason, LEDGER_LINKED_EVENT_FAILED);
    assert_reason(f->res[1].reason, LEDGER_INSUFFICIENT_FUNDS);
    assert_int_equal(balance(f, p.m), EUR(100));
    /* Nothing was refunded: the full refund is still possible. */
    ops[0] = op_refund(new_id(f), p.m, p.w, EUR(100), p.pay);
    assert_reason(run1(f, &ops[0]), LEDGER_OK);
}

/* Same, when the refund's own fee leg fails. */
static void test_refund_rolled_back_by_fee_keeps_refundable(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op = op_refund(new_id(f), p.m, p.w, EUR(40), p.pay);

    op.transfer.fee_schedules[0] = fee_id(f, "card_reload"); /* 40 € is below its minimum */
    expect_reject(f, &op, LEDGER_FEE_BELOW_MINIMUM_AMOUNT, true);
    op = op_refund(new_id(f), p.m, p.w, EUR(100), p.pay);
    assert_reason(run1(f, &op), LEDGER_OK);
}

/* A pending refund that is voided (or expires) moved nothing: the original stays refundable. */
static void test_refund_pending_voided_keeps_refundable(void **state)
{
    struct fx *f = *state;
    struct paid p = pay_merchant(f);
    struct ledger_op op = op_refund(new_id(f), p.m, p.w, EUR(100), p.pay);

    op.transfer.flags = TRANSFER_PENDING;
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_reason(cancel(f, op.transfer.id), LEDGER_OK);
    assert_int_equal(balance(f, p.m), EUR(100));
    op = op_refund(new_id(f), p.m, p.w, EUR(100), p.pay);
    assert_reason(run1(f, &op), LEDGER_OK);
}

/* The post row of a pending is not a second original: refunds of a pending payment may not
 * exceed what it moved, whichever row they name. */
static void test_refund_post_row_no_double_refund(void **state)
{
    struct fx *f = *state;
    uint64_t w = wallet(f, 2, EUR(300));
    uint64_t m = open_acct(f, ACCOUNT_MERCHANT, 0);
    struct id128 p = hold(f, w, m, EUR(100), TRANSFER_PAYMENT, 0);
    struct ledger_op postop = op_close(new_id(f), p, 0, true);
    struct ledger_op op;
    struct snap before;

    topup(f, m, EUR(500));
    assert_reason(run1(f, &postop), LEDGER_OK);
    op = op_refund(new_id(f), m, w, EUR(100), p);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(balance(f, w), EUR(300));
    snap_take(f, &before);
    op = op_refund(new_id(f), m, w, EUR(100), postop.transfer.id);
    assert_int_not_equal(run1(f, &op), LEDGER_OK);
    snap_assert_unchanged(f, &before);
    assert_int_equal(balance(f, w), EUR(300));
}

/* A zero id is never kept, not even as a linked_event_failed of a chain that failed earlier. */
static void test_linked_zero_id_not_stored(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op ops[2];
    struct transfer row;

    ops[0] = op_xfer(new_id(f), w1, w2, 0, TRANSFER_P2P, TRANSFER_LINKED);
    ops[1] = op_xfer((struct id128){0, 0}, w1, w2, EUR(1), TRANSFER_P2P, 0);
    run(f, ops, 2);
    assert_reason(f->res[0].reason, LEDGER_AMOUNT_MUST_BE_POSITIVE);
    assert_true(f->res[1].reason != LEDGER_OK);
    for (size_t i = 0; i < f->ch.rejection_count; i++) {
        assert_false(id128_is_zero(f->ch.rejections[i].id));
    }
    assert_int_equal(f->ch.rejection_count, 1);
    assert_int_equal(ledger_transfer_find(f->l, (struct id128){0, 0}, &row), MDT_E(NOTFOUND));
}

/* A duplicate answers the first result, fee included. */
static void test_idempotent_duplicate_reports_fee(void **state)
{
    struct fx *f = *state;
    struct loader ld = loader(f, EUR(500));
    struct ledger_op op = op_load(f, &ld, EUR(100), 0);
    struct ledger_result first;

    assert_reason(run1(f, &op), LEDGER_OK);
    first = f->res[0];
    assert_int_equal(first.fee_minor, EUR(6));
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 1);
    assert_int_equal(f->res[0].amount, first.amount);
    assert_int_equal(f->res[0].timestamp_us, first.timestamp_us);
    assert_int_equal(f->res[0].fee_minor, first.fee_minor);
}

/* Fields the ledger fills (reason, state, expiry) are not taken from the caller's op. */
static void test_output_fields_not_trusted(void **state)
{
    struct fx *f = *state;
    uint64_t w1 = wallet(f, 1, EUR(100));
    uint64_t w2 = open_acct(f, ACCOUNT_WALLET, 1);
    struct ledger_op op = op_xfer(new_id(f), w1, w2, EUR(10), TRANSFER_P2P, 0);

    /* E.g. a rejection row read back from the store and submitted again as an op. */
    op.transfer.reason = LEDGER_INSUFFICIENT_FUNDS;
    op.transfer.state = TRANSFER_STATE_VOIDED;
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->ch.transfers[0].state, TRANSFER_STATE_POSTED);
    assert_int_equal(f->ch.transfers[0].reason, LEDGER_OK);
    assert_int_equal(find(f, op.transfer.id).reason, LEDGER_OK);
    assert_reason(run1(f, &op), LEDGER_OK);
    assert_int_equal(f->res[0].duplicate, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Batches in flight: a batch taken back leaves the view as if it never ran.                  */
/* ------------------------------------------------------------------------------------------ */

#define DIFF_IDS 4096
#define DIFF_OPS 24

struct diff {
    uint64_t rng, next;
    struct id128 ids[DIFF_IDS]; /* every id used, for posts, voids, refunds and repeats */
    size_t nids;
    uint64_t accounts;
};

static uint64_t diff_rand(struct diff *d, uint64_t n)
{
    d->rng ^= d->rng << 13;
    d->rng ^= d->rng >> 7;
    d->rng ^= d->rng << 17;
    return d->rng % n;
}

static struct id128 diff_id(struct diff *d)
{
    struct id128 id = {.hi = 0x646966, .lo = ++d->next};

    if (d->nids < DIFF_IDS) {
        d->ids[d->nids++] = id;
    }
    return id;
}

/* A random op: transfers and holds (with short timeouts) between accounts 1 (the bank) to
 * d->accounts, posts and voids and refunds of earlier ids (some of them impossible: refused),
 * repeats of an earlier id, account openings, freezes and unfreezes, a new currency. */
static struct ledger_op diff_op(struct diff *d)
{
    uint64_t from = 1 + diff_rand(d, d->accounts), to = 1 + diff_rand(d, d->accounts);
    struct id128 old = d->nids > 0 ? d->ids[diff_rand(d, d->nids)] : (struct id128){0, 1};
    int64_t amount = 1 + (int64_t)diff_rand(d, EUR(50));
    struct ledger_op op;

    switch (diff_rand(d, 12)) {
    case 0:
        op = op_xfer(diff_id(d), from, to, amount, TRANSFER_PAYMENT, TRANSFER_PENDING);
        op.transfer.timeout_s = (uint32_t)(1 + diff_rand(d, 3));
        return op;
    case 1:
        return op_close(diff_id(d), old, diff_rand(d, 2) ? 0 : amount, true);
    case 2:
        return op_close(diff_id(d), old, 0, false);
    case 3:
        return op_refund(diff_id(d), to, from, amount, old);
    case 4:
        op = op_xfer(old, from, to, amount, TRANSFER_P2P, 0); /* an id again */
        return op;
    case 5:
        d->accounts++;
        return op_open(ACCOUNT_WALLET, 2, "EUR");
    case 6:
        return op_status(2 + diff_rand(d, d->accounts - 1),
                         diff_rand(d, 2) ? ACCOUNT_FROZEN : ACCOUNT_ACTIVE);
    case 7:
        if (diff_rand(d, 4) == 0) {
            d->accounts += 4; /* its four system accounts, when new */
            return op_init(diff_rand(d, 2) ? "USD" : "GBP");
        }
        return op_xfer(diff_id(d), 1, to, amount, TRANSFER_TOPUP, 0);
    default:
        return op_xfer(diff_id(d), from == to ? 1 : from, to == 1 ? 2 : to, amount,
                       from == 1 ? TRANSFER_TOPUP : TRANSFER_P2P, 0);
    }
}

static void diff_same_transfer(const struct transfer *a, const struct transfer *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_true(id128_eq(a->id, b->id));
    assert_int_equal(a->debit_account_id, b->debit_account_id);
    assert_int_equal(a->credit_account_id, b->credit_account_id);
    assert_int_equal(a->amount, b->amount);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->reason, b->reason);
    assert_int_equal(a->timestamp_us, b->timestamp_us);
    assert_int_equal(a->expires_us, b->expires_us);
}

/* Every account, every id and the totals of a and b agree. */
static void diff_same(struct ledger *a, struct ledger *b, const struct diff *d)
{
    struct ledger_totals ta, tb;

    assert_int_equal(ledger_account_count(a), ledger_account_count(b));
    assert_int_equal(ledger_last_seq(a), ledger_last_seq(b));
    assert_int_equal(ledger_next_expiry_us(a), ledger_next_expiry_us(b));
    ledger_totals_get(a, &ta);
    ledger_totals_get(b, &tb);
    assert_memory_equal(&ta, &tb, sizeof(ta));
    for (uint64_t id = 1; id <= ledger_account_count(a); id++) {
        const struct account *x = ledger_account_get(a, id), *y = ledger_account_get(b, id);
        struct transfer ra[ACCOUNT_RECENT_MAX], rb[ACCOUNT_RECENT_MAX];
        size_t na = ledger_account_recent(a, id, ra, ACCOUNT_RECENT_MAX);

        assert_int_equal(x->status, y->status);
        assert_int_equal(x->debits_posted, y->debits_posted);
        assert_int_equal(x->credits_posted, y->credits_posted);
        assert_int_equal(x->debits_pending, y->debits_pending);
        assert_int_equal(x->credits_pending, y->credits_pending);
        assert_int_equal(x->day_debits, y->day_debits);
        assert_int_equal(x->month_debits, y->month_debits);
        assert_int_equal(x->year_debits, y->year_debits);
        assert_int_equal(x->year_loads, y->year_loads);
        assert_int_equal(x->recent_count, y->recent_count);
        assert_int_equal(na, ledger_account_recent(b, id, rb, ACCOUNT_RECENT_MAX));
        for (size_t i = 0; i < na; i++) {
            diff_same_transfer(&ra[i], &rb[i]);
        }
    }
    for (size_t i = 0; i < d->nids; i++) {
        struct transfer x, y;
        int rx = ledger_transfer_find(a, d->ids[i], &x);

        assert_int_equal(rx, ledger_transfer_find(b, d->ids[i], &y));
        if (rx == 0) {
            diff_same_transfer(&x, &y);
        }
    }
}

/* One batch as the engine runs it: what is due expires, then the ops. */
static void diff_batch(struct ledger *l, const struct ledger_op *ops, size_t n, int64_t now,
                       struct ledger_changes *ch)
{
    struct ledger_result res[DIFF_OPS];

    ledger_changes_reset(ch);
    ledger_expire(l, now, 1000, ch);
    ledger_execute(l, ops, n, now, res, ch);
}

/* Ledger b runs random batches in flight, one or two at a time, and takes some back (the newest
 * first) or keeps them; ledger a runs only the batches kept. After every round both agree on
 * every account (balances, windows, history), every transfer and its state, the totals and the
 * next expiry, including holds that expired in a batch taken back; a final expiry far ahead
 * gives the same rows on both. */
static void test_batch_undo(void **state)
{
    static struct diff d;
    static struct ledger_op x[DIFF_OPS], y[DIFF_OPS];
    struct ledger_config cfg;
    struct ledger *a = NULL, *b = NULL;
    struct ledger_changes ca = {0}, cb = {0};
    struct ledger_op init = op_init("EUR");
    int64_t now = t0();
    int kept = 0, undone = 0;

    (void)state;
    d = (struct diff){.rng = 0x9e3779b97f4a7c15ULL, .accounts = 4};
    ledger_config_defaults(&cfg);
    assert_int_equal(ledger_create(&cfg, &a), 0);
    assert_int_equal(ledger_create(&cfg, &b), 0);
    diff_batch(a, &init, 1, now, &ca);
    diff_batch(b, &init, 1, now, &cb);
    for (int round = 0; round < 400; round++) {
        size_t nx = 1 + diff_rand(&d, DIFF_OPS), ny = 1 + diff_rand(&d, DIFF_OPS);
        uint64_t fate = diff_rand(&d, 5);
        bool two = fate != 0;

        now += (int64_t)diff_rand(&d, 1500) * 1000; /* holds of 1-3 s expire along the way */
        for (size_t i = 0; i < nx; i++) {
            x[i] = diff_op(&d);
        }
        for (size_t i = 0; two && i < ny; i++) {
            y[i] = diff_op(&d);
        }
        ledger_batch_begin(b);
        diff_batch(b, x, nx, now, &cb);
        if (two) {
            ledger_batch_begin(b);
            diff_batch(b, y, ny, now + 1000, &cb);
            assert_int_equal(ledger_batches_open(b), 2);
        }
        switch (fate) {
        case 0: /* one batch, kept */
        case 1: /* two, both kept */
            ledger_batch_done(b);
            diff_batch(a, x, nx, now, &ca);
            if (two) {
                ledger_batch_done(b);
                diff_batch(a, y, ny, now + 1000, &ca);
            }
            kept++;
            break;
        case 2: /* the first kept, the second taken back (a conflict) */
        case 3:
            ledger_batch_done(b);
            ledger_batch_undo(b);
            diff_batch(a, x, nx, now, &ca);
            undone++;
            break;
        default: /* both taken back, newest first (the first failed) */
            ledger_batch_undo(b);
            ledger_batch_undo(b);
            undone++;
            break;
        }
        assert_int_equal(ledger_batches_open(b), 0);
        d.accounts = ledger_account_count(a); /* the openings taken back did not happen; the
                                               * ids of transfers taken back stay in d.ids:
                                               * found in neither ledger */
        diff_same(a, b, &d);
    }
    assert_true(kept > 50 && undone > 100);
    ledger_changes_reset(&ca);
    ledger_changes_reset(&cb);
    now += 3600 * SEC_US;
    assert_int_equal(ledger_expire(a, now, 1000000, &ca), ledger_expire(b, now, 1000000, &cb));
    assert_int_equal(ca.transfer_count, cb.transfer_count);
    for (size_t i = 0; i < ca.transfer_count; i++) {
        diff_same_transfer(&ca.transfers[i], &cb.transfers[i]);
    }
    diff_same(a, b, &d);
    ledger_changes_release(&ca);
    ledger_changes_release(&cb);
    ledger_free(a);
    ledger_free(b);
}

/* ------------------------------------------------------------------------------------------ */

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* names and single-phase */
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_batch_undo),
        T(test_single_phase_moves_balances),
        T(test_timestamps_increase),
        /* validation */
        T(test_reason_id_must_not_be_zero),
        T(test_reason_flags_invalid),
        T(test_reason_kind_invalid),
        T(test_reason_amount_must_be_positive),
        T(test_reason_accounts_must_be_different),
        T(test_reason_debit_account_not_found),
        T(test_reason_credit_account_not_found),
        T(test_reason_currency_mismatch),
        T(test_reason_insufficient_funds),
        T(test_retry_refused_keeps_id_free),
        T(test_reason_overflow),
        T(test_reason_timeout_requires_pending),
        /* two-phase */
        T(test_pending_holds_funds),
        T(test_pending_post_full),
        T(test_pending_post_partial_releases_rest),
        T(test_pending_void),
        T(test_pending_default_timeout),
        T(test_pending_custom_timeout),
        T(test_reason_timeout_exceeds_maximum),
        T(test_pending_expire_at_not_before),
        T(test_pending_expire_bounded),
        T(test_reason_pending_expired),
        T(test_reason_pending_already_posted),
        T(test_reason_pending_already_voided),
        T(test_reason_pending_not_found),
        T(test_reason_pending_amount_exceeded),
        T(test_reason_pending_accounts_mismatch),
        /* linked chains */
        T(test_linked_all_or_nothing),
        T(test_linked_first_fails),
        T(test_reason_linked_event_chain_open),
        T(test_linked_rollback_two_phase),
        /* idempotency */
        T(test_idempotent_same_fields),
        T(test_idempotent_two_phase),
        T(test_reason_exists_with_different_fields),
        T(test_idempotent_rejection_retry),
        /* refunds */
        T(test_refund_full),
        T(test_refund_partial_sum),
        T(test_reason_refund_exceeds_original),
        T(test_reason_refund_accounts_mismatch),
        T(test_reason_refund_original_not_found),
        T(test_reason_refund_original_not_refundable),
        T(test_refund_posted_pending),
        T(test_refund_card_withdrawal_fees),
        T(test_balancing_debit),
        T(test_reason_reference_requires_refund),
        /* limits */
        T(test_reason_limit_max_balance),
        T(test_limit_monthly_debits_month_boundary),
        T(test_reason_limit_operation_max_p2p),
        T(test_limit_operation_max_payment_donation),
        T(test_reason_limit_daily_debits),
        T(test_reason_limit_yearly_loads),
        T(test_card_move_not_a_load),
        T(test_reason_limit_yearly_debits),
        T(test_limit_void_releases_window),
        T(test_limit_expiry_releases_window),
        /* fees */
        T(test_fee_card_reload_table),
        T(test_reason_fee_below_minimum_amount),
        T(test_fee_payer_insufficient_funds),
        T(test_fee_merchant_percent_payee),
        T(test_fee_sms_order_operator),
        T(test_fee_two_schedules),
        T(test_reason_fee_schedule_not_found),
        T(test_reason_fee_account_missing),
        T(test_fee_pending_posted_with_main),
        T(test_fee_pending_voided_with_main),
        T(test_fee_pending_expired_with_main),
        T(test_fee_partial_post_recomputes),
        /* accounts */
        T(test_account_open),
        T(test_reason_account_frozen),
        T(test_account_frozen_void_allowed),
        T(test_reason_account_not_empty),
        T(test_reason_account_closed),
        T(test_account_tier_change),
        T(test_reason_account_not_found),
        T(test_reason_account_kind_invalid),
        T(test_reason_currency_unknown),
        T(test_reason_tier_invalid),
        T(test_reason_status_invalid),
        T(test_reason_system_account_exists),
        T(test_account_other_currency_systems),
        /* replay */
        T(test_replay_full_scenario),
        T(test_replay_rejects_out_of_order),
        /* regressions */
        T(test_refund_rolled_back_in_chain_keeps_refundable),
        T(test_refund_rolled_back_by_fee_keeps_refundable),
        T(test_refund_pending_voided_keeps_refundable),
        T(test_refund_post_row_no_double_refund),
        T(test_linked_zero_id_not_stored),
        T(test_idempotent_duplicate_reports_fee),
        T(test_output_fields_not_trusted),
    };

    return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}
