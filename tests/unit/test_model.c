/* SPDX-License-Identifier: Apache-2.0 */
/* Randomized model test: tens of thousands of random operations (valid and invalid, retries of
 * old ids, linked chains, expiries) run through the real engine and store, and through a tiny
 * reference model written independently here. Every result and every balance must agree, the
 * store's check must find nothing, and a fresh replay must rebuild the same view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/id128.h"
#include "engine/engine.h"
#include "engine/recovery.h"
#include "store/store.h"
#include "store_test.h"

#define WALLETS 20
#define IDS_MAX 60000
#define OPS_TOTAL 30000
#define BATCH_MAX_OPS 48

/* ---- the reference model: plain arrays, no cleverness ---- */

struct m_account {
    int64_t dp, cp, dq, cq;
    int no_overdraft;
};

struct m_transfer {
    int used;
    int chain;           /* member of a linked chain: never retried alone */
    struct transfer req; /* fields as submitted */
    int reason;
    /* pending bookkeeping */
    int is_pending;
    int state; /* enum transfer_state */
    int64_t held;
    int64_t expires_us;
    uint64_t debit, credit;
};

/* Indexed by ledger account id: 1 bank, 2-4 fees/operator/suspense (unused), 5.. wallets. */
#define FIRST_WALLET 5
#define LAST_ACCOUNT (FIRST_WALLET + WALLETS - 1)
static struct m_account m_acc[LAST_ACCOUNT + 1];
static struct m_transfer m_tr[IDS_MAX];
static uint32_t id_next = 1;
static int64_t fake_now_us = 1700000000000000LL;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static int64_t fake_clock(void)
{
    return __atomic_load_n(&fake_now_us, __ATOMIC_SEQ_CST);
}

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t pick(uint64_t n)
{
    return rnd() % n;
}

static struct id128 mk_id(uint32_t k)
{
    return (struct id128){.hi = 0x5eed, .lo = k};
}

static int m_fields_equal(const struct transfer *a, const struct transfer *b)
{
    return a->debit_account_id == b->debit_account_id &&
           a->credit_account_id == b->credit_account_id && a->amount == b->amount &&
           id128_eq(a->link_id, b->link_id) && a->timeout_s == b->timeout_s && a->kind == b->kind &&
           a->flags == b->flags;
}

static void m_expire(int64_t now)
{
    for (uint32_t k = 1; k < id_next; k++) {
        struct m_transfer *t = &m_tr[k];

        if (t->used && t->reason == LEDGER_OK && t->is_pending &&
            t->state == TRANSFER_STATE_PENDING && t->expires_us <= now) {
            m_acc[t->debit].dq -= t->held;
            m_acc[t->credit].cq -= t->held;
            t->state = TRANSFER_STATE_EXPIRED;
        }
    }
}

/* Decide a new (posted or pending) transfer the way DESIGN.md says, and apply it. */
static int m_new(const struct transfer *t)
{
    struct m_account *d, *c;

    if (t->amount <= 0) {
        return LEDGER_AMOUNT_MUST_BE_POSITIVE;
    }
    if (t->debit_account_id < 1 || t->debit_account_id > LAST_ACCOUNT) {
        return LEDGER_DEBIT_ACCOUNT_NOT_FOUND;
    }
    if (t->credit_account_id < 1 || t->credit_account_id > LAST_ACCOUNT) {
        return LEDGER_CREDIT_ACCOUNT_NOT_FOUND;
    }
    if (t->debit_account_id == t->credit_account_id) {
        return LEDGER_ACCOUNTS_MUST_BE_DIFFERENT;
    }
    d = &m_acc[t->debit_account_id];
    c = &m_acc[t->credit_account_id];
    if (d->no_overdraft && d->dp + d->dq + t->amount > d->cp) {
        return LEDGER_INSUFFICIENT_FUNDS;
    }
    if (t->flags & TRANSFER_PENDING) {
        d->dq += t->amount;
        c->cq += t->amount;
    } else {
        d->dp += t->amount;
        c->cp += t->amount;
    }
    return LEDGER_OK;
}

static struct m_transfer *m_find(struct id128 id)
{
    if (id.hi != 0x5eed || id.lo == 0 || id.lo >= id_next || !m_tr[id.lo].used) {
        return NULL;
    }
    return &m_tr[id.lo];
}

static int m_close(const struct transfer *t)
{
    struct m_transfer *p = m_find(t->link_id);
    int64_t amount;

    if (p == NULL || p->reason != LEDGER_OK || !p->is_pending) {
        return LEDGER_PENDING_NOT_FOUND;
    }
    if (p->state == TRANSFER_STATE_POSTED) {
        return LEDGER_PENDING_ALREADY_POSTED;
    }
    if (p->state == TRANSFER_STATE_VOIDED) {
        return LEDGER_PENDING_ALREADY_VOIDED;
    }
    if (p->state == TRANSFER_STATE_EXPIRED) {
        return LEDGER_PENDING_EXPIRED;
    }
    if (t->amount > p->held) {
        return LEDGER_PENDING_AMOUNT_EXCEEDED;
    }
    amount = (t->flags & TRANSFER_POST_PENDING) ? (t->amount ? t->amount : p->held) : 0;
    m_acc[p->debit].dq -= p->held;
    m_acc[p->credit].cq -= p->held;
    m_acc[p->debit].dp += amount;
    m_acc[p->credit].cp += amount;
    p->state = (t->flags & TRANSFER_POST_PENDING) ? TRANSFER_STATE_POSTED : TRANSFER_STATE_VOIDED;
    return LEDGER_OK;
}

/* One op of a unit: idempotency first, then the rules. Records new ids. */
static int m_exec(const struct transfer *t, int *duplicate)
{
    struct m_transfer *old = m_find(t->id);
    struct m_transfer *rec;
    int r;

    *duplicate = 0;
    if (old != NULL) {
        if (!m_fields_equal(&old->req, t)) {
            return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
        }
        *duplicate = 1;
        return old->reason;
    }
    r = (t->flags & (TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING)) ? m_close(t) : m_new(t);
    rec = &m_tr[t->id.lo];
    rec->used = 1;
    rec->req = *t;
    rec->reason = r;
    rec->is_pending = r == LEDGER_OK && (t->flags & TRANSFER_PENDING);
    rec->state = rec->is_pending ? TRANSFER_STATE_PENDING : TRANSFER_STATE_POSTED;
    rec->held = t->amount;
    rec->debit = t->debit_account_id;
    rec->credit = t->credit_account_id;
    return r;
}

/* ---- random operations ---- */

static uint64_t any_account(void)
{
    if (pick(50) == 0) {
        return LAST_ACCOUNT + 1 + pick(3); /* unknown */
    }
    return FIRST_WALLET + pick(WALLETS);
}

static void gen_transfer(struct transfer *t, int kind_sel)
{
    memset(t, 0, sizeof(*t));
    t->id = mk_id(id_next);
    t->kind = TRANSFER_P2P;
    t->debit_account_id = any_account();
    t->credit_account_id = pick(40) == 0 ? t->debit_account_id : any_account();
    t->amount = pick(50) == 0 ? 0 : (int64_t)(1 + pick(4000));
    if (pick(8) == 0 && t->debit_account_id <= LAST_ACCOUNT) {
        /* The edges: exactly what is available, or one cent more. */
        const struct m_account *d = &m_acc[t->debit_account_id];

        t->amount = d->cp - d->dp - d->dq + (int64_t)pick(2);
    }
    if (kind_sel == 0) {
        t->kind = TRANSFER_TOPUP;
        t->debit_account_id = 1;
        t->amount = (int64_t)(1000 + pick(20000));
    } else if (kind_sel == 1) {
        t->flags = TRANSFER_PENDING;
        t->timeout_s = (uint32_t)(1 + pick(5));
    }
}

/* A post or void naming some earlier id (often a pending one), or a random unknown one. */
static void gen_close(struct transfer *t)
{
    uint32_t target = id_next > 1 ? (uint32_t)(1 + pick(id_next - 1)) : 1;

    memset(t, 0, sizeof(*t));
    t->id = mk_id(id_next);
    t->kind = TRANSFER_P2P;
    for (int tries = 0; tries < 8; tries++) {
        if (m_tr[target].used && m_tr[target].is_pending) {
            break;
        }
        target = (uint32_t)(1 + pick(id_next > 1 ? id_next - 1 : 1));
    }
    t->link_id = pick(30) == 0 ? mk_id(IDS_MAX + 7) : mk_id(target);
    t->flags = pick(3) == 0 ? TRANSFER_VOID_PENDING : TRANSFER_POST_PENDING;
    if ((t->flags & TRANSFER_POST_PENDING) && m_tr[target].used && pick(2) == 0) {
        t->amount = (int64_t)pick((uint64_t)m_tr[target].held + 2); /* 0 = full, > held fails */
    }
}

/* ---- the run ---- */

struct batch {
    struct ledger_op ops[BATCH_MAX_OPS];
    int expect[BATCH_MAX_OPS];
    int expect_dup[BATCH_MAX_OPS];
    struct ledger_result res[BATCH_MAX_OPS];
    size_t n;
};

static void batch_add(struct batch *b, const struct transfer *t, int reason, int dup)
{
    memset(&b->ops[b->n], 0, sizeof(b->ops[b->n]));
    b->ops[b->n].type = LEDGER_OP_TRANSFER;
    b->ops[b->n].transfer = *t;
    b->expect[b->n] = reason;
    b->expect_dup[b->n] = dup;
    b->n++;
}

static void add_chain(struct batch *b)
{
    struct m_account saved[LAST_ACCOUNT + 1];
    struct transfer t1, t2;
    int r1, r2 = LEDGER_LINKED_EVENT_FAILED, dup;

    gen_transfer(&t1, 2);
    t1.flags = TRANSFER_LINKED;
    id_next++;
    gen_transfer(&t2, 2);
    id_next++;
    memcpy(saved, m_acc, sizeof(saved));
    r1 = m_exec(&t1, &dup);
    if (r1 == LEDGER_OK) {
        r2 = m_exec(&t2, &dup);
    } else {
        m_tr[t2.id.lo] = (struct m_transfer){.used = 1, .req = t2, .reason = r2};
    }
    if (r1 != LEDGER_OK || r2 != LEDGER_OK) {
        memcpy(m_acc, saved, sizeof(saved));
        if (r1 == LEDGER_OK) {
            r1 = LEDGER_LINKED_EVENT_FAILED;
        }
        m_tr[t1.id.lo].reason = r1;
        m_tr[t1.id.lo].is_pending = 0;
    }
    m_tr[t1.id.lo].chain = 1;
    m_tr[t2.id.lo].chain = 1;
    batch_add(b, &t1, r1, 0);
    batch_add(b, &t2, r2, 0);
}

static void add_retry(struct batch *b, int change)
{
    uint32_t k = (uint32_t)(1 + pick(id_next - 1));
    struct transfer t;
    int dup, r;

    if (!m_tr[k].used || m_tr[k].chain) {
        return;
    }
    t = m_tr[k].req;
    if (change) {
        t.amount += 1;
    }
    r = m_exec(&t, &dup);
    batch_add(b, &t, r, dup);
}

static void build_batch(struct batch *b)
{
    size_t want = 1 + pick(BATCH_MAX_OPS - 2);

    b->n = 0;
    while (b->n + 2 <= want) {
        uint64_t sel = pick(100);
        struct transfer t;
        int dup, r;

        if (sel < 4) {
            add_chain(b);
            continue;
        }
        if (sel < 14 && id_next > 1) {
            add_retry(b, sel < 6);
            continue;
        }
        if (sel < 36) {
            gen_close(&t);
        } else {
            gen_transfer(&t, sel < 46 ? 0 : sel < 66 ? 1 : 2);
        }
        id_next++;
        r = m_exec(&t, &dup);
        batch_add(b, &t, r, dup);
    }
}

static void check_batch(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct transfer *t = &b->ops[i].transfer;

        if (b->res[i].reason != b->expect[i] || b->res[i].duplicate != b->expect_dup[i]) {
            fail_msg("op %zu (id %llu, flags %u, amount %lld): ledger says %s%s, model says %s%s",
                     i, (unsigned long long)t->id.lo, t->flags, (long long)t->amount,
                     ledger_reason_name(b->res[i].reason), b->res[i].duplicate ? " (dup)" : "",
                     ledger_reason_name(b->expect[i]), b->expect_dup[i] ? " (dup)" : "");
        }
        if (b->res[i].reason == LEDGER_OK && !b->res[i].duplicate &&
            (t->flags & TRANSFER_PENDING)) {
            m_tr[t->id.lo].expires_us = b->res[i].timestamp_us + (int64_t)t->timeout_s * 1000000;
        }
    }
}

struct compare_ctx {
    int mismatches;
    struct ledger_totals totals;
};

static void compare_view(void *ctx, const struct ledger *l)
{
    struct compare_ctx *c = ctx;

    for (uint64_t id = 1; id <= LAST_ACCOUNT; id++) {
        const struct account *a = ledger_account_get(l, id);
        const struct m_account *m = &m_acc[id];

        if (a == NULL || a->debits_posted != m->dp || a->credits_posted != m->cp ||
            a->debits_pending != m->dq || a->credits_pending != m->cq) {
            print_error("account %llu: ledger %lld/%lld/%lld/%lld, model %lld/%lld/%lld/%lld\n",
                        (unsigned long long)id, a ? (long long)a->debits_posted : -1,
                        a ? (long long)a->credits_posted : -1,
                        a ? (long long)a->debits_pending : -1,
                        a ? (long long)a->credits_pending : -1, (long long)m->dp, (long long)m->cp,
                        (long long)m->dq, (long long)m->cq);
            c->mismatches++;
        }
    }
    ledger_totals_get(l, &c->totals);
}

static void report_violation(void *ctx, const char *text)
{
    (void)ctx;
    print_error("check: %s\n", text);
}

static void open_accounts(struct engine *e)
{
    struct ledger_op ops[WALLETS];
    struct ledger_result res[WALLETS];
    struct mdt_err err = {0};

    memset(ops, 0, sizeof(ops));
    ops[0].type = LEDGER_OP_SYSTEM_INIT; /* bank = 1, fees 2, operator 3, suspense 4 */
    strcpy(ops[0].account.currency, "EUR");
    assert_int_equal(engine_execute(e, ops, 1, res, &err), 0);
    assert_int_equal(res[0].account_id, 1);
    for (int i = 0; i < WALLETS; i++) {
        ops[i].type = LEDGER_OP_ACCOUNT_OPEN;
        ops[i].account.kind = ACCOUNT_WALLET;
        strcpy(ops[i].account.currency, "EUR");
    }
    assert_int_equal(engine_execute(e, ops, WALLETS, res, &err), 0);
    for (int i = 0; i < WALLETS; i++) {
        assert_int_equal(res[i].reason, LEDGER_OK);
        assert_int_equal(res[i].account_id, 5 + i);
    }
}

static void run_batches(struct engine *e)
{
    static struct batch b;
    struct mdt_err err = {0};
    size_t ops = 0;

    while (ops < OPS_TOTAL && id_next + BATCH_MAX_OPS < IDS_MAX) {
        /* Time moves between batches; the engine expires due holds at the next batch. */
        __atomic_add_fetch(&fake_now_us, (int64_t)pick(2500000), __ATOMIC_SEQ_CST);
        m_expire(fake_clock());
        build_batch(&b);
        if (b.n == 0) {
            continue;
        }
        assert_int_equal(engine_execute(e, b.ops, b.n, b.res, &err), 0);
        check_batch(&b);
        ops += b.n;
    }
}

static void test_model_random(void **state)
{
    char path[] = "/tmp/mandat-model-XXXXXX";
    char db[512];
    struct ledger_config cfg;
    struct store_options so = {.path = db, .sync = STORE_DURABLE_NORMAL, .create = true};
    struct engine_options eo = {
        .ledger = &cfg, .batch_max = 8190, .queue_depth = 65536, .clock_us = fake_clock};
    struct store *store = NULL;
    struct engine *e = NULL;
    struct ledger *fresh = NULL;
    struct compare_ctx cmp = {0}, cmp2 = {0};
    struct mdt_err err = {0};
    uint64_t violations = 0;

    (void)state;
    assert_non_null(mkdtemp(path));
    test_store_path(path, "model.db", db, sizeof(db));
    ledger_config_defaults(&cfg);
    memset(cfg.limits, 0, sizeof(cfg.limits)); /* limits have their own unit tests */
    for (int i = FIRST_WALLET; i <= LAST_ACCOUNT; i++) {
        m_acc[i].no_overdraft = 1;
    }
    assert_int_equal(store_open(&so, &store, &err), 0);
    eo.store = store;
    assert_int_equal(engine_start(&eo, &e, &err), 0);
    open_accounts(e);
    run_batches(e);
    engine_read(e, compare_view, &cmp);
    assert_int_equal(cmp.mismatches, 0);
    assert_true(cmp.totals.transfers > 5000);
    assert_true(cmp.totals.rejections > 1000);
    engine_stop(e);

    /* Recovery: a fresh view replayed from the store equals the model, and check is clean. */
    assert_int_equal(ledger_create(&cfg, &fresh), 0);
    assert_int_equal(recovery_replay(store, fresh, &err), 0);
    compare_view(&cmp2, fresh);
    assert_int_equal(cmp2.mismatches, 0);
    assert_memory_equal(&cmp.totals, &cmp2.totals, sizeof(cmp.totals));
    assert_int_equal(recovery_check(store, fresh, report_violation, NULL, &violations, &err), 0);
    assert_int_equal(violations, 0);
    print_message("model: %llu transfers, %llu rejections, %llu pending open\n",
                  (unsigned long long)cmp2.totals.transfers,
                  (unsigned long long)cmp2.totals.rejections,
                  (unsigned long long)cmp2.totals.pending_open);
    ledger_free(fresh);
    store_close(store);
    test_store_drop(db);
    unlink(db);
    snprintf(db, sizeof(db), "%s/model.db-wal", path);
    unlink(db);
    snprintf(db, sizeof(db), "%s/model.db-shm", path);
    unlink(db);
    rmdir(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
