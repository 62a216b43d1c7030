/* SPDX-License-Identifier: Apache-2.0 */
/* Recovery: the store's rows replayed into the ledger's view, and the checks that need both
 * (the view's own balances, and each account against the sums of its stored rows). */
#include "engine/recovery.h"

#include <inttypes.h>

static int replay_event(void *ctx, const struct account_event *ev, struct mdt_err *err)
{
    return ledger_replay_event(ctx, ev, err);
}

static int replay_transfer(void *ctx, const struct transfer *row, struct mdt_err *err)
{
    return ledger_replay_transfer(ctx, row, err);
}

static int replay_rejection(void *ctx, const struct transfer *row, struct mdt_err *err)
{
    return ledger_replay_rejection(ctx, row, err);
}

int recovery_replay(struct store *s, struct ledger *l, struct mdt_err *err)
{
    static const struct store_replay_fns fns = {
        .event = replay_event,
        .transfer = replay_transfer,
        .rejection = replay_rejection,
    };

    return store_replay(s, ledger_last_seq(l), &fns, l, err);
}

/* ---- check ---- */

struct check_ctx {
    const struct ledger *l;
    store_report_fn report;
    void *report_ctx;
    uint64_t violations;
};

/* A finding of the view's or the accounts' check. */
#define REPORT(c, ...) store_report((c)->report, (c)->report_ctx, &(c)->violations, __VA_ARGS__)

/* One account's sums from the stored rows against the view's balances. */
static int check_account_sums(void *ctx, const struct store_account_sums *s)
{
    struct check_ctx *c = ctx;
    const struct account *a = ledger_account_get(c->l, s->account_id);

    if (a == NULL) {
        REPORT(c, "account %" PRIu64 ": has transfers but was never opened", s->account_id);
        return 0;
    }
    if (a->debits_posted != s->debits_posted || a->credits_posted != s->credits_posted) {
        REPORT(c,
               "account %" PRIu64 ": posted balances %" PRId64 "/%" PRId64
               " differ from the sums of its transfers %" PRId64 "/%" PRId64,
               s->account_id, a->debits_posted, a->credits_posted, s->debits_posted,
               s->credits_posted);
    }
    if (a->debits_pending != s->debits_pending || a->credits_pending != s->credits_pending) {
        REPORT(c,
               "account %" PRIu64 ": pending balances %" PRId64 "/%" PRId64
               " differ from its open pending transfers %" PRId64 "/%" PRId64,
               s->account_id, a->debits_pending, a->credits_pending, s->debits_pending,
               s->credits_pending);
    }
    return 0;
}

/* Invariants of the view alone: debits = credits, nothing below zero where forbidden. */
static void check_view(struct check_ctx *c)
{
    struct ledger_totals t = {0};
    int64_t dp = 0, cp = 0, dpend = 0, cpend = 0;

    for (uint64_t id = 1; id <= ledger_account_count(c->l); id++) {
        const struct account *a = ledger_account_get(c->l, id);

        dp += a->debits_posted;
        cp += a->credits_posted;
        dpend += a->debits_pending;
        cpend += a->credits_pending;
        if ((a->flags & ACCOUNT_NO_OVERDRAFT) &&
            (a->credits_posted < a->debits_posted + a->debits_pending)) {
            REPORT(c,
                   "account %" PRIu64 " (%s): below zero: credits %" PRId64 " < debits %" PRId64
                   " + pending %" PRId64,
                   id, account_kind_name(a->kind), a->credits_posted, a->debits_posted,
                   a->debits_pending);
        }
    }
    if (dp != cp || dpend != cpend) {
        REPORT(c,
               "debits differ from credits: posted %" PRId64 " / %" PRId64 ", pending %" PRId64
               " / %" PRId64,
               dp, cp, dpend, cpend);
    }
    ledger_totals_get(c->l, &t);
    if (t.debits_posted != dp || t.credits_posted != cp || t.debits_pending != dpend) {
        REPORT(c, "ledger running totals differ from the sum of its accounts");
    }
}

int recovery_check(struct store *s, const struct ledger *l, store_report_fn report_fn, void *ctx,
                   uint64_t *violations, struct mdt_err *err)
{
    struct check_ctx c = {.l = l, .report = report_fn, .report_ctx = ctx};
    int rc;

    /* The order of the reports: the view, the journal, the accounts, the rows. */
    check_view(&c);
    rc = store_check_journal(s, report_fn, ctx, &c.violations, err);
    if (rc == 0) {
        rc = store_sums(s, check_account_sums, &c, err);
    }
    if (rc == 0) {
        rc = store_check_rows(s, report_fn, ctx, &c.violations, err);
    }
    *violations = c.violations;
    return rc;
}
