/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL server stopped at once (pg_ctl -m immediate, a power cut to the server) while
 * the engine commits transfers, then started again: the engine reconnects by itself, every
 * transfer it acknowledged is in the store once, none it refused is (a COMMIT whose answer was
 * lost is read back before anyone is answered), and every invariant holds. A crash that falls
 * between two batches refuses nothing (the next BEGIN reconnects): the server's restart, not a
 * refusal, is what proves the outage happened. Runs alone (it stops the
 * suite's server): CTest pg_outage, RUN_SERIAL. */
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
#include <libpq-fe.h>

#include "base/clock.h"
#include "engine/engine.h"
#include "engine/recovery.h"
#include "store/store.h"
#include "store_test.h"

#define TRANSFERS_MAX 200000

static volatile int crash_done; /* set by the crasher once the server is back */

static void *crash_server(void *arg)
{
    char cmd[1024];
    int rc;

    (void)arg;
    snprintf(cmd, sizeof(cmd), "'%s' crash '%s'", getenv("MANDAT_PG_SH"),
             getenv("MANDAT_PG_STATE"));
    rc = system(cmd);
    __atomic_store_n(&crash_done, 1, __ATOMIC_SEQ_CST);
    return (void *)(intptr_t)rc;
}

/* When the server behind uri started (pg_postmaster_start_time), into out. */
static void server_started(const char *uri, char *out, size_t cap)
{
    PGconn *c = PQconnectdb(uri);
    PGresult *r = PQexec(c, "SELECT pg_postmaster_start_time()::text");

    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
}

static int run(struct engine *e, struct ledger_op *op, struct ledger_result *res)
{
    return engine_execute(e, op, 1, res, NULL);
}

static void setup_ledger(struct engine *e)
{
    struct ledger_op op = {.type = LEDGER_OP_SYSTEM_INIT};
    struct ledger_result res;

    strcpy(op.account.currency, "EUR");
    assert_int_equal(run(e, &op, &res), 0);
    memset(&op, 0, sizeof(op));
    op.type = LEDGER_OP_ACCOUNT_OPEN;
    op.account.kind = ACCOUNT_WALLET;
    op.account.tier = 2;
    strcpy(op.account.currency, "EUR");
    assert_int_equal(run(e, &op, &res), 0);
    assert_int_equal(res.account_id, 5);
}

static void test_server_crash(void **state)
{
    static uint8_t acked[TRANSFERS_MAX], refused[TRANSFERS_MAX];
    char path[512], started[64], restarted[64];
    struct ledger_config cfg;
    struct store_options so = {.create = true, .sync = STORE_DURABLE_FULL};
    struct engine_options eo = {.ledger = &cfg, .batch_max = 64, .queue_depth = 64};
    struct store *s = NULL;
    struct engine *e = NULL;
    struct ledger *l = NULL;
    pthread_t crasher;
    void *crash_rc = NULL;
    uint64_t violations = 0, nacked = 0, nrefused = 0, after = 0;
    int64_t deadline = clock_mono_us() + 45 * 1000000LL;
    int n = 0;

    (void)state;
    if (getenv("MANDAT_PG_SH") == NULL) {
        skip();
    }
    setenv("MANDAT_STORE", "postgres", 1);
    test_store_path("/nonexistent", "outage", path, sizeof(path));
    so.path = path;
    ledger_config_defaults(&cfg);
    assert_int_equal(store_open(&so, &s, NULL), 0);
    server_started(path, started, sizeof(started));
    eo.store = s;
    assert_int_equal(engine_start(&eo, &e, NULL), 0);
    setup_ledger(e);
    /* Top-ups of the wallet, one a batch; the server goes down after the 50th and comes back;
     * on until 50 more are acknowledged after that. */
    for (; n < TRANSFERS_MAX && clock_mono_us() < deadline && after < 50; n++) {
        struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
        struct ledger_result res;

        op.transfer.id = (struct id128){.hi = 77, .lo = (uint64_t)n + 1};
        op.transfer.debit_account_id = 1;
        op.transfer.credit_account_id = 5;
        op.transfer.amount = 100;
        op.transfer.kind = TRANSFER_TOPUP;
        if (n == 50) {
            assert_int_equal(pthread_create(&crasher, NULL, crash_server, NULL), 0);
        }
        if (run(e, &op, &res) == 0 && res.reason == LEDGER_OK) {
            acked[n] = 1;
            nacked++;
            after += __atomic_load_n(&crash_done, __ATOMIC_SEQ_CST);
        } else {
            refused[n] = 1;
            nrefused++;
            usleep(20 * 1000); /* the engine's own retries are the next submissions */
        }
    }
    pthread_join(crasher, &crash_rc);
    assert_int_equal((intptr_t)crash_rc, 0);
    print_message("outage: %d transfers, %llu acknowledged, %llu refused while the server was"
                  " down\n",
                  n, (unsigned long long)nacked, (unsigned long long)nrefused);
    /* The server went down and came back (refusals only if a batch was in flight then)... */
    server_started(path, restarted, sizeof(restarted));
    assert_string_not_equal(started, restarted);
    assert_true(after >= 50); /* and the engine came back by itself */
    engine_stop(e);
    store_close(s);
    /* A fresh reader: exactly the acknowledged ones, and the books hold. */
    so.create = false;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    assert_int_equal(ledger_create(&cfg, &l), 0);
    assert_int_equal(recovery_replay(s, l, NULL), 0);
    for (int i = 0; i < n; i++) {
        struct transfer t;
        int found = ledger_transfer_find(l, (struct id128){.hi = 77, .lo = (uint64_t)i + 1}, &t);

        /* refused means not committed: a COMMIT lost with the connection was read back */
        if (acked[i]) {
            assert_int_equal(found, 0);
        } else if (refused[i]) {
            assert_int_not_equal(found, 0);
        }
    }
    assert_int_equal(ledger_account_get(l, 5)->credits_posted, (int64_t)(100 * nacked));
    assert_int_equal(recovery_check(s, l, NULL, NULL, &violations, NULL), 0);
    assert_int_equal(violations, 0);
    ledger_free(l);
    store_close(s);
    test_store_drop(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_crash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
