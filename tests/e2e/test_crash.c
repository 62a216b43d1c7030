/* SPDX-License-Identifier: Apache-2.0 */
/* Crash test: a child process runs the engine under load and reports every acknowledged
 * transfer on a pipe; the parent kills it with SIGKILL at random moments (after a random number
 * of acknowledgements, so that a machine's speed changes nothing; MDT_SEED=N replays the
 * numbers of a run, which prints its seed), many times, then
 * proves from the store that every acknowledged transfer is there exactly once, with the result
 * that was acknowledged, and that every invariant holds. Each round also retries the ids the
 * previous round had in flight, so idempotency is exercised across crashes. On PostgreSQL too
 * (MANDAT_STORE=postgres: the server sees the client die mid-batch). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine/recovery.h"
#include "store/store.h"
#include "store_test.h"

#define ROUNDS 25
#define WALLETS 50
#define IN_FLIGHT 64
#define RETRY_BACK 200 /* ids of the previous round retried at the start of the next */
#define FIRST_WALLET 5

struct ack {
    uint64_t id_lo;
    uint32_t reason;
    uint32_t round;
};

struct child {
    int fd;
    uint32_t round;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight;
};

struct slot {
    struct child *c;
    struct ledger_op op;
    struct ledger_result res;
};

static struct ledger_config cfg;
static char db_path[512];

static void on_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct slot *s = ctx;
    struct ack a = {.id_lo = s->op.transfer.id.lo, .reason = res[0].reason, .round = s->c->round};

    (void)n;
    if (rc == 0) {
        /* One write of a small record is atomic on a pipe (PIPE_BUF). */
        if (write(s->c->fd, &a, sizeof(a)) != (ssize_t)sizeof(a)) {
            _exit(3);
        }
    }
    pthread_mutex_lock(&s->c->mu);
    s->c->in_flight--;
    pthread_cond_signal(&s->c->cv);
    pthread_mutex_unlock(&s->c->mu);
    free(s);
}

/* Transfer number k of the whole test: the same k always gives the same transfer. */
static void make_transfer(uint64_t k, struct ledger_op *op)
{
    uint64_t h = k * 0x9e3779b97f4a7c15ULL;

    memset(op, 0, sizeof(*op));
    op->type = LEDGER_OP_TRANSFER;
    op->transfer.id = (struct id128){.hi = 0xc4a54, .lo = k};
    op->transfer.debit_account_id = FIRST_WALLET + (h >> 8) % WALLETS;
    op->transfer.credit_account_id = FIRST_WALLET + (h >> 24) % WALLETS;
    op->transfer.amount = (int64_t)(1 + (h >> 40) % 3000);
    op->transfer.kind = TRANSFER_P2P;
    if (k % 5 == 0 || op->transfer.debit_account_id == op->transfer.credit_account_id) {
        op->transfer.debit_account_id = 1; /* bank: money enters */
        op->transfer.kind = TRANSFER_TOPUP;
    } else if (k % 7 == 0) {
        op->transfer.flags = TRANSFER_PENDING;
        op->transfer.timeout_s = 1;
    } else if (k % 11 == 0) {
        op->transfer.flags = TRANSFER_POST_PENDING; /* posts k - 4 if it was a pending one */
        op->transfer.link_id = (struct id128){.hi = 0xc4a54, .lo = k - 4};
        op->transfer.debit_account_id = 0;
        op->transfer.credit_account_id = 0;
        op->transfer.amount = 0;
    }
}

/* The child: submit transfers k0, k0+1, ... forever, IN_FLIGHT at a time, acking on fd. */
static _Noreturn void child_main(int fd, uint32_t round, uint64_t k0)
{
    struct store_options so = {.path = db_path, .sync = STORE_DURABLE_FULL};
    struct engine_options eo = {.ledger = &cfg, .batch_max = 8190, .queue_depth = 4096};
    struct child c = {.fd = fd, .round = round};
    struct store *store = NULL;
    struct engine *e = NULL;

    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    if (store_open(&so, &store, NULL) < 0) {
        _exit(2);
    }
    eo.store = store;
    if (engine_start(&eo, &e, NULL) < 0) {
        _exit(2);
    }
    for (uint64_t k = k0;; k++) {
        struct slot *s = calloc(1, sizeof(*s));

        s->c = &c;
        make_transfer(k, &s->op);
        pthread_mutex_lock(&c.mu);
        while (c.in_flight >= IN_FLIGHT) {
            pthread_cond_wait(&c.cv, &c.mu);
        }
        c.in_flight++;
        pthread_mutex_unlock(&c.mu);
        while (engine_submit(e, &s->op, 1, &s->res, s, on_done) == MDT_E(FULL)) {
            usleep(100);
        }
    }
}

struct acked {
    uint16_t *reason; /* by k; 0xffff = never acknowledged */
    size_t cap;
    uint64_t max_k, count;
};

static void acked_put(struct acked *a, const struct ack *r)
{
    if (r->id_lo >= a->cap) {
        size_t ncap = (r->id_lo + 1) * 2;

        a->reason = realloc(a->reason, ncap * sizeof(*a->reason));
        assert_non_null(a->reason);
        memset(a->reason + a->cap, 0xff, (ncap - a->cap) * sizeof(*a->reason));
        a->cap = ncap;
    }
    if (a->reason[r->id_lo] != 0xffff && a->reason[r->id_lo] != r->reason) {
        fail_msg("transfer %llu acknowledged as %s, then as %s after a crash",
                 (unsigned long long)r->id_lo, ledger_reason_name(a->reason[r->id_lo]),
                 ledger_reason_name((int)r->reason));
    }
    if (a->reason[r->id_lo] == 0xffff) {
        a->count++;
    }
    a->reason[r->id_lo] = (uint16_t)r->reason;
    if (r->id_lo > a->max_k) {
        a->max_k = r->id_lo;
    }
}

/* Seconds a child may go without acknowledging anything before the test gives up on it. */
#define ACK_STALL_S 60

/* Reads one ack from fd into *r, waiting at most ACK_STALL_S; returns 1, or 0 at end of file. */
static int ack_read(int fd, struct ack *r)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    for (;;) {
        int n = poll(&p, 1, ACK_STALL_S * 1000);
        ssize_t got;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            fail_msg("the child acknowledged nothing for %d s", ACK_STALL_S);
        }
        got = read(fd, r, sizeof(*r));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got == 0) {
            return 0;
        }
        assert_int_equal(got, sizeof(*r));
        return 1;
    }
}

/* Run one child, kill it once it has acknowledged kill_after transfers (a count, not a time:
 * the same on a fast machine and a slow one), and collect everything it acknowledged. */
static uint64_t run_round(struct acked *a, uint32_t round, uint64_t k0, uint64_t kill_after)
{
    int fds[2];
    struct ack r;
    uint64_t got = 0;
    pid_t pid;
    int status = 0;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], round, k0);
    }
    close(fds[1]);
    while (got < kill_after && ack_read(fds[0], &r) == 1) {
        acked_put(a, &r);
        got++;
    }
    kill(pid, SIGKILL);
    while (ack_read(fds[0], &r) == 1) {
        acked_put(a, &r);
        got++;
    }
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return got;
}

static void report(void *ctx, const char *text)
{
    (void)ctx;
    print_error("check: %s\n", text);
}

/* Everything acknowledged is in the store with its acknowledged result; check is clean. */
static void verify(const struct acked *a)
{
    struct store_options so = {.path = db_path};
    struct store *s = NULL;
    struct ledger *l = NULL;
    struct mdt_err err = {0};
    uint64_t violations = 1;

    assert_int_equal(store_open(&so, &s, &err), 0);
    assert_int_equal(ledger_create(&cfg, &l), 0);
    /* One snapshot for the replay and the check: on PostgreSQL the last child's server
     * process may still be committing what that child sent before it was killed (a batch and
     * the one behind it), and a commit between the two reads would make them disagree. */
    assert_int_equal(store_read_begin(s, &err), 0);
    if (recovery_replay(s, l, &err) < 0) {
        fail_msg("recovery failed: %s", err.msg);
    }
    for (uint64_t k = 0; k < a->cap && k <= a->max_k; k++) {
        struct transfer t;

        if (a->reason[k] == 0xffff) {
            continue;
        }
        if (ledger_transfer_find(l, (struct id128){.hi = 0xc4a54, .lo = k}, &t) < 0) {
            fail_msg("transfer %llu was acknowledged but is not in the store",
                     (unsigned long long)k);
        }
        assert_int_equal(t.reason, a->reason[k]);
    }
    assert_int_equal(recovery_check(s, l, report, NULL, &violations, &err), 0);
    assert_int_equal(violations, 0);
    store_read_end(s);
    ledger_free(l);
    store_close(s);
}

static void setup_accounts(void)
{
    struct store_options so = {.path = db_path, .create = true};
    struct engine_options eo = {.ledger = &cfg, .batch_max = 100, .queue_depth = 100};
    struct ledger_op ops[WALLETS];
    struct ledger_result res[WALLETS];
    struct store *s = NULL;
    struct engine *e = NULL;

    assert_int_equal(store_open(&so, &s, NULL), 0);
    eo.store = s;
    assert_int_equal(engine_start(&eo, &e, NULL), 0);
    memset(ops, 0, sizeof(ops));
    ops[0].type = LEDGER_OP_SYSTEM_INIT;
    strcpy(ops[0].account.currency, "EUR");
    assert_int_equal(engine_execute(e, ops, 1, res, NULL), 0);
    for (int i = 0; i < WALLETS; i++) {
        ops[i].type = LEDGER_OP_ACCOUNT_OPEN;
        ops[i].account.kind = ACCOUNT_WALLET;
        ops[i].account.tier = 2;
        strcpy(ops[i].account.currency, "EUR");
    }
    assert_int_equal(engine_execute(e, ops, WALLETS, res, NULL), 0);
    assert_int_equal(res[0].account_id, FIRST_WALLET);
    engine_stop(e);
    store_close(s);
}

static void test_kill9(void **state)
{
    char dir[] = "/tmp/mandat-crash-XXXXXX";
    struct acked a = {0};
    uint64_t k0 = 1, acks = 0;
    const char *env = getenv("MDT_SEED");
    unsigned seed = env != NULL ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    char cmd[128];

    (void)state;
    assert_non_null(mkdtemp(dir));
    test_store_path(dir, "crash.db", db_path, sizeof(db_path));
    ledger_config_defaults(&cfg);
    memset(cfg.limits, 0, sizeof(cfg.limits));
    setup_accounts();
    print_message("crash: seed %u (MDT_SEED=%u replays these kill points)\n", seed, seed);
    srand(seed);
    for (uint32_t round = 0; round < ROUNDS; round++) {
        /* Past the retried ids of the previous round, then anywhere in the next few batches. */
        uint64_t kill_after = RETRY_BACK + 50 + (uint64_t)(rand() % 3000);

        acks += run_round(&a, round, k0, kill_after);
        verify(&a);
        /* Next round starts a little before the last acknowledged id: the in-flight ones of
         * this round are retried, some of which may have committed without an ack. */
        k0 = a.max_k > RETRY_BACK ? a.max_k - RETRY_BACK : 1;
    }
    print_message("crash: %d kills, %llu acknowledgements, %llu distinct transfers, all present\n",
                  ROUNDS, (unsigned long long)acks, (unsigned long long)a.count);
    assert_true(a.count > (uint64_t)ROUNDS * 10);
    free(a.reason);
    test_store_drop(db_path);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill9),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
