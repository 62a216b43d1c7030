/* SPDX-License-Identifier: Apache-2.0 */
/* Engine and store together (SQLite, or PostgreSQL with MANDAT_STORE=postgres): results only after commit, recovery after reopen, pending
 * expiry by the engine's own timer, two writers on one file (also while batches are in flight),
 * push back when the queue is full,
 * tamper detection by the journal, schema versions. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/id128.h"
#include "engine/engine.h"
#include "engine/recovery.h"
#include "store/store.h"
#include "store_test.h"

struct fixture {
    char dir[64];
    char db[512];
    struct ledger_config cfg;
    struct store *store;
    struct engine *engine;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store_options so = {.create = true, .sync = STORE_DURABLE_FULL};
    struct engine_options eo = {.batch_max = 8190, .queue_depth = 1024};
    struct mdt_err err = {0};

    strcpy(f->dir, "/tmp/mandat-engine-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_store_path(f->dir, "t.db", f->db, sizeof(f->db));
    ledger_config_defaults(&f->cfg);
    so.path = f->db;
    assert_int_equal(store_open(&so, &f->store, &err), 0);
    eo.ledger = &f->cfg;
    eo.store = f->store;
    assert_int_equal(engine_start(&eo, &f->engine, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];

    engine_stop(f->engine);
    store_close(f->store);
    test_store_drop(f->db);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static uint64_t open_account(struct engine *e, int kind, int tier)
{
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct ledger_result res;

    op.account.kind = (uint16_t)kind;
    op.account.tier = (uint16_t)tier;
    strcpy(op.account.currency, "EUR");
    assert_int_equal(engine_execute(e, &op, 1, &res, NULL), 0);
    assert_int_equal(res.reason, LEDGER_OK);
    return res.account_id;
}

static int transfer(struct engine *e, struct id128 id, uint64_t from, uint64_t to, int64_t amount,
                    uint16_t flags, uint32_t timeout_s)
{
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
    struct ledger_result res;

    op.transfer.id = id;
    op.transfer.debit_account_id = from;
    op.transfer.credit_account_id = to;
    op.transfer.amount = amount;
    op.transfer.kind = from == 1 ? TRANSFER_TOPUP : TRANSFER_P2P;
    op.transfer.flags = flags;
    op.transfer.timeout_s = timeout_s;
    assert_int_equal(engine_execute(e, &op, 1, &res, NULL), 0);
    return res.reason;
}

struct balance_ctx {
    uint64_t id;
    struct account a;
};

static void read_balance(void *ctx, const struct ledger *l)
{
    struct balance_ctx *b = ctx;

    b->a = *ledger_account_get(l, b->id);
}

static struct account balance(struct engine *e, uint64_t id)
{
    struct balance_ctx b = {.id = id};

    engine_read(e, read_balance, &b);
    return b.a;
}

static struct id128 nid(uint64_t n)
{
    return (struct id128){.hi = 42, .lo = n};
}

static void init_system(struct engine *e)
{
    struct ledger_op op = {.type = LEDGER_OP_SYSTEM_INIT};
    struct ledger_result res;

    strcpy(op.account.currency, "EUR");
    assert_int_equal(engine_execute(e, &op, 1, &res, NULL), 0);
    assert_int_equal(res.account_id, 1); /* bank */
}

static void restart(struct fixture *f)
{
    struct store_options so = {.path = f->db, .sync = STORE_DURABLE_FULL};
    struct engine_options eo = {.ledger = &f->cfg, .batch_max = 8190, .queue_depth = 1024};

    engine_stop(f->engine);
    store_close(f->store);
    assert_int_equal(store_open(&so, &f->store, NULL), 0);
    eo.store = f->store;
    assert_int_equal(engine_start(&eo, &f->engine, NULL), 0);
}

/* What was acknowledged is there after a restart, once, and a retry is recognised. */
static void test_recovery(void **state)
{
    struct fixture *f = *state;
    uint64_t w;
    struct account a;

    init_system(f->engine);
    w = open_account(f->engine, ACCOUNT_WALLET, 2);
    assert_int_equal(transfer(f->engine, nid(1), 1, w, 10000, 0, 0), LEDGER_OK);
    assert_int_equal(transfer(f->engine, nid(2), w, 2, 2500, TRANSFER_PENDING, 60), LEDGER_OK);
    restart(f);
    a = balance(f->engine, w);
    assert_int_equal(a.credits_posted, 10000);
    assert_int_equal(a.debits_pending, 2500);
    assert_int_equal(transfer(f->engine, nid(1), 1, w, 10000, 0, 0), LEDGER_OK);
    a = balance(f->engine, w);
    assert_int_equal(a.credits_posted, 10000); /* not twice */
    assert_int_equal(transfer(f->engine, nid(1), 1, w, 10001, 0, 0),
                     LEDGER_EXISTS_WITH_DIFFERENT_FIELDS);
}

/* Holds expire on the engine's own timer, with nobody submitting anything. */
static void test_timer_expiry(void **state)
{
    struct fixture *f = *state;
    struct store_options so = {.path = f->db};
    struct ledger *l = NULL;
    struct store *reader = NULL;
    struct transfer t;
    uint64_t w;

    init_system(f->engine);
    w = open_account(f->engine, ACCOUNT_WALLET, 2);
    assert_int_equal(transfer(f->engine, nid(1), 1, w, 5000, 0, 0), LEDGER_OK);
    assert_int_equal(transfer(f->engine, nid(2), w, 1, 3000, TRANSFER_PENDING, 1), LEDGER_OK);
    assert_int_equal(balance(f->engine, w).debits_pending, 3000);
    usleep(1600 * 1000);
    /* Read through another connection: the expiry must be durable, not only in memory. */
    assert_int_equal(store_open(&so, &reader, NULL), 0);
    assert_int_equal(ledger_create(&f->cfg, &l), 0);
    assert_int_equal(recovery_replay(reader, l, NULL), 0);
    assert_int_equal(ledger_account_get(l, w)->debits_pending, 0);
    assert_int_equal(ledger_transfer_find(l, nid(2), &t), 0);
    assert_int_equal(t.state, TRANSFER_STATE_EXPIRED);
    ledger_free(l);
    store_close(reader);
}

/* The CLI writes with its own engine while mandatd runs: both views stay right. */
static void test_two_writers(void **state)
{
    struct fixture *f = *state;
    struct store_options so = {.path = f->db, .busy_timeout_ms = 5000};
    struct engine_options eo = {.ledger = &f->cfg, .batch_max = 100, .queue_depth = 100};
    struct store *s2 = NULL;
    struct engine *e2 = NULL;
    uint64_t w1, w2, violations = 9;
    struct ledger *l = NULL;

    init_system(f->engine);
    w1 = open_account(f->engine, ACCOUNT_WALLET, 2);
    assert_int_equal(store_open(&so, &s2, NULL), 0);
    eo.store = s2;
    assert_int_equal(engine_start(&eo, &e2, NULL), 0);
    w2 = open_account(e2, ACCOUNT_WALLET, 2); /* the other writer opens an account */
    assert_int_equal(w2, w1 + 1);
    assert_int_equal(transfer(e2, nid(1), 1, w1, 7000, 0, 0), LEDGER_OK);
    /* The first engine sees both at its next batch. */
    assert_int_equal(transfer(f->engine, nid(2), w1, w2, 2000, 0, 0), LEDGER_OK);
    assert_int_equal(balance(f->engine, w2).credits_posted, 2000);
    assert_int_equal(transfer(e2, nid(3), w2, w1, 500, 0, 0), LEDGER_OK);
    assert_int_equal(transfer(f->engine, nid(3), w2, w1, 500, 0, 0), LEDGER_OK); /* retry */
    assert_int_equal(balance(f->engine, w1).credits_posted, 7500);
    engine_stop(e2);
    assert_int_equal(ledger_create(&f->cfg, &l), 0);
    assert_int_equal(recovery_replay(s2, l, NULL), 0);
    assert_int_equal(recovery_check(s2, l, NULL, NULL, &violations, NULL), 0);
    assert_int_equal(violations, 0);
    ledger_free(l);
    store_close(s2);
}

/* ---- another writer while batches are in flight ---- */

#define LOAD_N 4000
#define LOAD_WINDOW 256
#define OTHER_N 40

struct load;
struct load_op {
    struct load *l;
    struct ledger_op op;
    struct ledger_result res;
};
struct load {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight, acked, refused, conflicts, failed, nretry;
    int retry[LOAD_N];
    struct load_op ops[LOAD_N];
};

static void load_done(void *ctx, int rc, const struct ledger_result *r, size_t n)
{
    struct load_op *o = ctx;
    struct load *l = o->l;

    (void)n;
    pthread_mutex_lock(&l->mu);
    if (rc == 0) {
        l->acked++;
        l->refused += r[0].reason != LEDGER_OK;
    } else if (rc == MDT_E(BUSY)) {
        l->conflicts++; /* decided on a view without the other write: sent again, as channels do */
        l->retry[l->nretry++] = (int)(o - l->ops);
    } else {
        l->failed++;
    }
    l->in_flight--;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

struct other {
    struct engine *e;
    uint64_t to;
    int ok;
};

static void read_totals(void *ctx, const struct ledger *l)
{
    ledger_totals_get(l, ctx);
}

/* The CLI's writes, one engine_execute each, while the load runs. */
static void *other_writer(void *arg)
{
    struct other *o = arg;

    for (int i = 0; i < OTHER_N; i++) {
        struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
        struct ledger_result res;

        op.transfer.id = nid(1000000 + (uint64_t)i);
        op.transfer.debit_account_id = 1;
        op.transfer.credit_account_id = o->to;
        op.transfer.amount = 1;
        op.transfer.kind = TRANSFER_TOPUP;
        o->ok += engine_execute(o->e, &op, 1, &res, NULL) == 0 && res.reason == LEDGER_OK;
        usleep(2000);
    }
    return NULL;
}

/* The CLI writes while mandatd has batches in flight: a batch decided before that write is
 * refused whole (never half applied), its submissions sent again go through once, and the
 * view, the refused batch taken back and the other write replayed, agrees with the store. */
static void test_two_writers_in_flight(void **state)
{
    struct fixture *f = *state;
    struct store_options so = {.path = f->db, .busy_timeout_ms = 5000};
    struct engine_options eo = {.ledger = &f->cfg, .batch_max = 100, .queue_depth = 100};
    struct load *l = calloc(1, sizeof(*l));
    struct other o = {0};
    struct store *s2 = NULL;
    struct ledger *view = NULL;
    struct ledger_totals live, replayed;
    pthread_t th;
    uint64_t w, violations = 0;
    int next = 0;

    assert_non_null(l);
    init_system(f->engine);
    w = open_account(f->engine, ACCOUNT_WALLET, 2);
    assert_int_equal(store_open(&so, &s2, NULL), 0);
    eo.store = s2;
    assert_int_equal(engine_start(&eo, &o.e, NULL), 0);
    o.to = w;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    for (int i = 0; i < LOAD_N; i++) {
        struct ledger_op *op = &l->ops[i].op;

        l->ops[i].l = l;
        op->type = LEDGER_OP_TRANSFER;
        op->transfer.id = nid((uint64_t)i + 1);
        op->transfer.debit_account_id = 1;
        op->transfer.credit_account_id = w;
        op->transfer.amount = 1;
        op->transfer.kind = TRANSFER_TOPUP;
    }
    assert_int_equal(pthread_create(&th, NULL, other_writer, &o), 0);
    pthread_mutex_lock(&l->mu);
    while (l->acked + l->failed < LOAD_N) {
        int i;

        if (l->in_flight >= LOAD_WINDOW || (l->nretry == 0 && next == LOAD_N)) {
            pthread_cond_wait(&l->cv, &l->mu);
            continue;
        }
        i = l->nretry > 0 ? l->retry[--l->nretry] : next++;
        l->in_flight++;
        pthread_mutex_unlock(&l->mu);
        if (engine_submit(f->engine, &l->ops[i].op, 1, &l->ops[i].res, &l->ops[i], load_done) <
            0) {
            pthread_mutex_lock(&l->mu);
            l->in_flight--;
            l->retry[l->nretry++] = i;
            pthread_mutex_unlock(&l->mu);
            usleep(200);
        }
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    pthread_join(th, NULL);
    engine_stop(o.e);
    print_message("%d submissions refused by a conflict and sent again\n", l->conflicts);
    assert_int_equal(l->failed, 0);
    assert_int_equal(l->refused, 0);
    assert_int_equal(o.ok, OTHER_N);
    /* Each transfer once: the engine's view (rebuilt after each conflict) and the store's. */
    assert_int_equal(balance(f->engine, w).credits_posted, LOAD_N + OTHER_N);
    assert_int_equal(ledger_create(&f->cfg, &view), 0);
    assert_int_equal(recovery_replay(s2, view, NULL), 0);
    assert_int_equal(ledger_account_get(view, w)->credits_posted, LOAD_N + OTHER_N);
    engine_read(f->engine, read_totals, &live);
    ledger_totals_get(view, &replayed);
    assert_memory_equal(&live, &replayed, sizeof(live));
    assert_int_equal(balance(f->engine, 1).debits_posted, ledger_account_get(view, 1)->debits_posted);
    assert_int_equal(recovery_check(s2, view, NULL, NULL, &violations, NULL), 0);
    assert_int_equal(violations, 0);
    ledger_free(view);
    store_close(s2);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
}

/* The store's health: a commit that cannot take the write lock (another writer holds it past
 * the busy timeout) marks it down; the idle probe finds it up again with nothing submitted. */
static void test_store_health(void **state)
{
    struct fixture *f = *state;
    struct store_options so = {.path = f->db, .busy_timeout_ms = 50};
    struct engine_options eo = {.ledger = &f->cfg, .batch_max = 100, .queue_depth = 100};
    struct store *holder = NULL, *s2 = NULL;
    struct engine *e2 = NULL;
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct ledger_result res;
    bool changed = false;
    int64_t t0;

    init_system(f->engine);
    assert_true(engine_store_ok(f->engine));
    assert_int_equal(engine_store_down_since(f->engine), 0);
    assert_true(engine_store_ok(NULL));
    assert_int_equal(store_open(&so, &s2, NULL), 0);
    so.busy_timeout_ms = 5000;
    assert_int_equal(store_open(&so, &holder, NULL), 0);
    eo.store = s2;
    assert_int_equal(engine_start(&eo, &e2, NULL), 0);
    assert_int_equal(store_begin(holder, &changed, NULL), 0); /* the write lock, held */
    op.account.kind = ACCOUNT_WALLET;
    op.account.tier = 1;
    assert_true(engine_execute(e2, &op, 1, &res, NULL) < 0);
    assert_false(engine_store_ok(e2));
    assert_true(engine_store_down_since(e2) > 0);
    store_rollback(holder);
    t0 = clock_mono_us();
    while (!engine_store_ok(e2) && clock_mono_us() - t0 < 5000000) {
        usleep(10000);
    }
    assert_true(engine_store_ok(e2)); /* the probe, with nothing submitted */
    assert_true(open_account(e2, ACCOUNT_WALLET, 1) > 0);
    assert_true(engine_store_ok(e2));
    engine_stop(e2);
    store_close(s2);
    store_close(holder);
}

static void ignore_done(void *ctx, int rc, const struct ledger_result *r, size_t n)
{
    (void)ctx;
    (void)rc;
    (void)r;
    (void)n;
}

/* A full queue pushes back instead of growing. */
static void test_queue_full(void **state)
{
    struct fixture *f = *state;
    static struct ledger_op ops[1025];
    static struct ledger_result res[1025];

    assert_int_equal(engine_submit(f->engine, ops, 1025, res, NULL, ignore_done), MDT_E(FULL));
    assert_int_equal(engine_submit(f->engine, ops, 0, res, NULL, ignore_done), MDT_E(INVAL));
}

static void count_violation(void *ctx, const char *text)
{
    int *n = ctx;

    (*n)++;
    print_message("  check: %s\n", text);
}

static void sql(const char *db, const char *statement)
{
    assert_int_equal(test_store_sql(db, statement), 0);
}

static uint64_t check_db(struct fixture *f, int *reports)
{
    struct store_options so = {.path = f->db};
    struct store *s = NULL;
    struct ledger *l = NULL;
    uint64_t violations = 0;

    assert_int_equal(store_open(&so, &s, NULL), 0);
    assert_int_equal(ledger_create(&f->cfg, &l), 0);
    assert_int_equal(recovery_replay(s, l, NULL), 0);
    assert_int_equal(recovery_check(s, l, count_violation, reports, &violations, NULL), 0);
    ledger_free(l);
    store_close(s);
    return violations;
}

/* Changing a committed row, or the journal, is detected by check. */
static void test_tamper(void **state)
{
    struct fixture *f = *state;
    uint64_t w;
    int reports = 0;

    init_system(f->engine);
    w = open_account(f->engine, ACCOUNT_WALLET, 2);
    assert_int_equal(transfer(f->engine, nid(1), 1, w, 10000, 0, 0), LEDGER_OK);
    assert_int_equal(transfer(f->engine, nid(2), w, 1, 100, TRANSFER_PENDING, 60), LEDGER_OK);
    assert_int_equal(check_db(f, &reports), 0);
    sql(f->db, "UPDATE transfers SET amount = 90000 WHERE seq = (SELECT min(seq) FROM transfers)");
    assert_true(check_db(f, &reports) >= 1);
    sql(f->db, "UPDATE transfers SET amount = 10000 WHERE seq = (SELECT min(seq) FROM transfers)");
    assert_int_equal(check_db(f, &reports), 0);
    sql(f->db, "UPDATE journal SET detail = 'nothing happened' WHERE seq = 1");
    assert_true(check_db(f, &reports) >= 1);
    sql(f->db, "UPDATE journal SET detail = '0 transfers, 0 rejections, 4 account events'"
               " WHERE seq = 1");
    assert_int_equal(check_db(f, &reports), 0);
    sql(f->db, "UPDATE transfers SET state = 0 WHERE flags & 2 != 0");
    assert_true(check_db(f, &reports) >= 1);
}

static void test_schema_and_missing(void **state)
{
    struct fixture *f = *state;
    struct store_options so = {.path = f->db};
    struct store_options missing = {.path = "/tmp/mandat-no-such-dir/x.db"};
    struct store *s = NULL;
    struct mdt_err err = {0};
    char fresh[512];
    bool pg = test_store_pg();

    restart(f);
    engine_stop(f->engine);
    f->engine = NULL;
    store_close(f->store);
    f->store = NULL;
    sql(f->db, pg ? "UPDATE mandat_schema SET version = 99" : "PRAGMA user_version = 99");
    assert_int_equal(store_open(&so, &s, &err), MDT_E(SCHEMA));
    assert_non_null(strstr(err.msg, "newer than this mandat"));
    if (pg) {
        /* A PostgreSQL schema with no mandat tables is "missing" */
        test_store_path(f->dir, "missing", fresh, sizeof(fresh));
        missing.path = fresh;
    }
    assert_int_equal(store_open(&missing, &s, &err), MDT_E(NOTFOUND));
    if (pg) {
        test_store_drop(fresh);
    }
    assert_non_null(strstr(err.msg, "mandat init"));
    /* A version-1 database (before the channel tables) is migrated when opened for writing
     * (card_topups goes with migration 16's columns, which the upgrade adds again). */
    sql(f->db, "DROP TABLE customers; DROP TABLE conversations; DROP TABLE associations;"
               " DROP TABLE inbox; DROP TABLE outbox; DROP TABLE claims; DROP TABLE merchants; DROP TABLE api_keys;"
               " DROP TABLE payment_requests; DROP TABLE webhooks; DROP TABLE idempotency;"
               " DROP TABLE campaigns; DROP TABLE campaign_donations; DROP TABLE social_links;"
               " DROP TABLE social_cursors; DROP TABLE code_orders; DROP TABLE card_pans;"
               " DROP TABLE cards; DROP TABLE card_aliases; DROP TABLE card_topups;"
               " DROP TABLE acquirer_ops; DROP TABLE card_files; DROP TABLE card_orders;"
               " DROP TABLE iso_requests; DROP TABLE card_pins; DROP TABLE fx_rates;");
    sql(f->db, pg ? "UPDATE mandat_schema SET version = 1" : "PRAGMA user_version = 1");
    assert_int_equal(store_open(&so, &f->store, &err), 0);
    sql(f->db, "SELECT count(*) FROM customers, outbox");
    {
        struct engine_options eo = {.ledger = &f->cfg, .store = f->store};

        assert_int_equal(engine_start(&eo, &f->engine, NULL), 0);
    }
}

struct loaded {
    int customers, conversations, associations, inbox, inbox_done, outbox;
    struct customer_row customer;
    struct outbox_row outbox_row;
    char inbox_text[64];
};

static int on_customer(void *ctx, const struct customer_row *r)
{
    struct loaded *l = ctx;

    l->customers++;
    l->customer = *r;
    return 0;
}

static int on_conversation(void *ctx, const struct conversation_row *r)
{
    (void)r;
    ((struct loaded *)ctx)->conversations++;
    return 0;
}

static int on_association(void *ctx, const struct association_row *r)
{
    struct loaded *l = ctx;

    assert_string_equal(r->keyword, "TELETHON");
    l->associations++;
    return 0;
}

static int on_inbox(void *ctx, const struct inbox_row *r, bool done)
{
    struct loaded *l = ctx;

    l->inbox++;
    l->inbox_done += done;
    snprintf(l->inbox_text, sizeof(l->inbox_text), "%.60s", r->text);
    return 0;
}

static int on_outbox(void *ctx, const struct outbox_row *r)
{
    struct loaded *l = ctx;

    l->outbox++;
    l->outbox_row = *r;
    return 0;
}

static struct loaded load_channel(struct fixture *f)
{
    struct store_channel_fns fns = {.customer = on_customer,
                                    .conversation = on_conversation,
                                    .association = on_association,
                                    .inbox = on_inbox,
                                    .outbox = on_outbox};
    struct loaded l = {0};

    assert_int_equal(store_channel_load(f->store, &fns, &l, 0, NULL), 0);
    return l;
}

/* Channel rows commit with the batch they ride with, survive a restart, and a redelivered
 * inbox row is kept once. */
static void test_channel_rows(void **state)
{
    struct fixture *f = *state;
    static struct store_extra x[6];
    struct ledger_op op = {.type = LEDGER_OP_SYSTEM_INIT};
    struct ledger_result res;
    struct loaded l;

    memset(x, 0, sizeof(x));
    strcpy(op.account.currency, "EUR");
    x[0].kind = EXTRA_INBOX;
    x[0].u.inbox.id = nid(7);
    strcpy(x[0].u.inbox.source, "+33612345678");
    strcpy(x[0].u.inbox.dest, "71004");
    strcpy(x[0].u.inbox.text, "DON 5 TELETHON");
    x[1] = x[0]; /* the SMSC delivers it twice */
    x[2].kind = EXTRA_CUSTOMER;
    strcpy(x[2].u.customer.phone, "+33612345678");
    x[2].u.customer.account_id = 5;
    x[2].u.customer.has_pin = true;
    memset(x[2].u.customer.pin_hash, 0xab, sizeof(x[2].u.customer.pin_hash));
    x[3].kind = EXTRA_ASSOCIATION;
    strcpy(x[3].u.association.keyword, "TELETHON");
    x[3].u.association.account_id = 6;
    x[4].kind = EXTRA_OUTBOX;
    x[4].u.outbox.id = nid(8);
    strcpy(x[4].u.outbox.dest, "+33612345678");
    strcpy(x[4].u.outbox.text, "Merci !");
    x[5].kind = EXTRA_CONVERSATION;
    strcpy(x[5].u.conversation.phone, "+33612345678");
    x[5].u.conversation.active = true;
    assert_int_equal(engine_submit_rows(f->engine, &op, 1, x, 6, 6, NULL, &res, NULL, ignore_done),
                     0);
    restart(f); /* engine_stop drains the queue */
    l = load_channel(f);
    assert_int_equal(l.customers, 1);
    assert_int_equal(l.customer.account_id, 5);
    assert_true(l.customer.has_pin);
    assert_int_equal(l.customer.pin_hash[31], 0xab);
    assert_int_equal(l.associations, 1);
    assert_int_equal(l.inbox, 1);
    assert_int_equal(l.inbox_done, 0);
    assert_string_equal(l.inbox_text, "DON 5 TELETHON");
    assert_int_equal(l.outbox, 1);
    assert_int_equal(l.conversations, 1);
    assert_int_equal(balance(f->engine, 1).id, 1); /* the ledger op committed with them */
    /* Rows alone (no ledger op): mark the inbox done, the outbox sent, end the conversation. */
    memset(x, 0, sizeof(x));
    x[0].kind = EXTRA_INBOX_DONE;
    x[0].u.inbox.id = nid(7);
    x[1].kind = EXTRA_OUTBOX_STATE;
    x[1].u.outbox.id = nid(8);
    x[1].u.outbox.state = OUTBOX_DELIVERED;
    strcpy(x[1].u.outbox.final_state, "DELIVRD");
    x[2].kind = EXTRA_CONVERSATION;
    strcpy(x[2].u.conversation.phone, "+33612345678");
    x[2].u.conversation.active = false;
    assert_int_equal(engine_submit_rows(f->engine, NULL, 0, x, 3, 3, NULL, NULL, NULL, ignore_done),
                     0);
    restart(f);
    l = load_channel(f);
    assert_int_equal(l.inbox, 1);
    assert_int_equal(l.inbox_done, 1);
    assert_int_equal(l.outbox, 0); /* delivered: no longer open */
    assert_int_equal(l.conversations, 0);
}

/* The hook sees the decided ops and the view, and its rows commit with them. */
static size_t reply_hook(void *ctx, const struct ledger *l, const struct ledger_result *res,
                         size_t n, struct store_extra *rows, size_t count, size_t cap)
{
    const struct account *a = ledger_account_get(l, *(uint64_t *)ctx);

    assert_int_equal(n, 1);
    assert_true(count < cap);
    memset(&rows[count], 0, sizeof(rows[count]));
    rows[count].kind = EXTRA_OUTBOX;
    rows[count].u.outbox.id = nid(99);
    snprintf(rows[count].u.outbox.text, sizeof(rows[count].u.outbox.text), "%s balance %lld",
             ledger_reason_name(res[0].reason), (long long)(a->credits_posted - a->debits_posted));
    return count + 1;
}

static void test_hook_rows(void **state)
{
    struct fixture *f = *state;
    static struct store_extra rows[2];
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
    struct ledger_result res;
    uint64_t w;
    struct loaded l;

    init_system(f->engine);
    w = open_account(f->engine, ACCOUNT_WALLET, 2);
    op.transfer.id = nid(1);
    op.transfer.debit_account_id = 1;
    op.transfer.credit_account_id = w;
    op.transfer.amount = 4200;
    op.transfer.kind = TRANSFER_TOPUP;
    assert_int_equal(
        engine_submit_rows(f->engine, &op, 1, rows, 0, 2, reply_hook, &res, &w, ignore_done), 0);
    restart(f);
    l = load_channel(f);
    assert_int_equal(l.outbox, 1);
    assert_string_equal(l.outbox_row.text, "ok balance 4200");
}

/* Top-ups by bank card and their acquirer operations: written, and read back at start while
 * unfinished (the restart completes them). */
struct topups_loaded {
    int topups, ops;
    struct card_topup_row topup;
    struct acquirer_op_row op;
};

static int on_topup(void *ctx, const struct card_topup_row *r)
{
    struct topups_loaded *l = ctx;
    l->topups++;
    l->topup = *r;
    return 0;
}

static int on_acquirer_op(void *ctx, const struct acquirer_op_row *r)
{
    struct topups_loaded *l = ctx;
    l->ops++;
    l->op = *r;
    return 0;
}

static struct topups_loaded load_topups(struct fixture *f)
{
    struct topups_loaded l = {0};
    struct store_channel_fns fns = {.card_topup = on_topup, .acquirer_op = on_acquirer_op};
    assert_int_equal(store_channel_load(f->store, &fns, &l, 0, NULL), 0);
    return l;
}

static void test_card_topup_rows(void **state)
{
    struct fixture *f = *state;
    static struct store_extra x[2];

    memset(x, 0, sizeof(x));
    x[0].kind = EXTRA_CARD_TOPUP;
    x[0].u.card_topup.id = nid(9);
    strcpy(x[0].u.card_topup.phone, "+33612345678");
    x[0].u.card_topup.wallet_account = 5;
    x[0].u.card_topup.amount_minor = 5000;
    strcpy(x[0].u.card_topup.currency, "EUR");
    x[0].u.card_topup.state = TOPUP_CAPTURING;
    strcpy(x[0].u.card_topup.card_last4, "1111");
    memset(x[0].u.card_topup.token_hash, 0xcd, 32);
    x[1].kind = EXTRA_ACQUIRER_OP;
    strcpy(x[1].u.acquirer_op.key, "0123456789abcdef0123456789abcdef.c");
    x[1].u.acquirer_op.topup_id = nid(9);
    x[1].u.acquirer_op.kind = 1;
    x[1].u.acquirer_op.state = ACQ_OP_PENDING;
    x[1].u.acquirer_op.amount_minor = 5000;
    strcpy(x[1].u.acquirer_op.auth_ref, "T0000000001");
    assert_int_equal(engine_submit_rows(f->engine, NULL, 0, x, 2, 2, NULL, NULL, NULL, ignore_done),
                     0);
    restart(f);
    struct topups_loaded l = load_topups(f);
    assert_int_equal(l.topups, 1);
    assert_int_equal(l.topup.amount_minor, 5000);
    assert_int_equal(l.topup.state, TOPUP_CAPTURING);
    assert_string_equal(l.topup.card_last4, "1111");
    assert_int_equal(l.topup.token_hash[31], 0xcd);
    assert_int_equal(l.ops, 1);
    assert_string_equal(l.op.auth_ref, "T0000000001");
    assert_true(id128_eq(l.op.topup_id, nid(9)));
    /* Finished: approved and credited, neither is read back any more. */
    x[0].u.card_topup.state = TOPUP_CREDITED;
    x[1].u.acquirer_op.state = ACQ_OP_APPROVED;
    strcpy(x[1].u.acquirer_op.code, "00");
    assert_int_equal(engine_submit_rows(f->engine, NULL, 0, x, 2, 2, NULL, NULL, NULL, ignore_done),
                     0);
    restart(f);
    l = load_topups(f);
    assert_int_equal(l.topups, 0);
    assert_int_equal(l.ops, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_channel_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_topup_rows, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
