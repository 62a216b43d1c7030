/* SPDX-License-Identifier: Apache-2.0 */
/* The conventional design for bench/ledger: each transfer is its own PostgreSQL transaction
 * (BEGIN; debit; credit; INSERT; COMMIT), one blocking connection per submitter thread, so every
 * acknowledged transfer has waited for its own WAL flush (or shared one by chance). */
#include "pg_naive.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Retries of one transfer after a deadlock or serialization failure. Updates are taken in
 * account-id order, so deadlocks should not happen at all; a bound still keeps a bug from
 * spinning forever. */
#define PG_NAIVE_RETRY_MAX 64u
/* 4096 threads with 8 MiB default stacks is already 32 GiB of address space, and the server
 * allows max_connections = 600; anything above this is a mistake in the caller. */
#define PG_NAIVE_SUBMITTERS_MAX 4096u
/* Used only to size the latency arrays: one transfer is five round trips plus a WAL flush, so
 * one connection cannot acknowledge more than this many transfers per second. Transfers past
 * an array's end are still counted but not sampled. */
#define PG_NAIVE_CONN_RATE_MAX 20000.0
/* Latency samples across all threads (4 bytes each): 512 MiB of address space at most, of which
 * only the pages actually written are ever touched. */
#define PG_NAIVE_SAMPLES_MAX (1u << 27)
/* Thread-local error messages; libpq messages are a line or two. */
#define PG_NAIVE_ERR_MAX 256u
/* Amount of every transfer, in minor units. */
#define PG_NAIVE_AMOUNT 1

/* Outcome of one statement or one transfer attempt. */
enum tx_outcome {
    TX_OK = 0,   /* statement done, or transfer committed */
    TX_REJECTED, /* debit account lacks funds: rolled back, not an error */
    TX_RETRY,    /* deadlock or serialization failure: rolled back, try again */
    TX_ERROR,    /* anything else: the run stops */
};

/* State shared by the coordinator and all submitters. `mu` guards `ready`, `finished` and `go`.
 * Two condition variables, so that each of 512 threads reporting ready wakes only the
 * coordinator (cv_main), not the 511 others waiting for `go` (cv_go). cv_main runs on
 * CLOCK_MONOTONIC so the deadline wait is immune to clock steps. */
struct run_shared {
    const char *conninfo;
    uint32_t accounts;
    uint64_t hot_account;
    uint64_t max_transfers;
    atomic_bool stop;
    atomic_uint_fast64_t claimed;
    pthread_mutex_t mu;
    pthread_cond_t cv_main;
    pthread_cond_t cv_go;
    uint32_t ready;
    uint32_t finished;
    bool go;
};

struct submitter {
    pthread_t thread;
    struct run_shared *sh;
    PGconn *conn;
    uint64_t rng;
    uint32_t *lat_us; /* lat_cap samples, lat_n written */
    size_t lat_cap;
    size_t lat_n;
    uint64_t transfers;
    uint64_t rejected;
    uint64_t retries;
    int64_t end_ns; /* when this thread's last transfer returned */
    bool failed;
    char err[PG_NAIVE_ERR_MAX];
};

struct transfer {
    uint64_t debit;
    uint64_t credit;
    unsigned char id[16];
};

__attribute__((format(printf, 3, 4))) static void err_set(char *buf, size_t len, const char *fmt,
                                                          ...)
{
    va_list ap;
    size_t n;

    if (buf == NULL || len == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    /* libpq messages span lines ("...failed: Connection refused\n\tIs the server running");
     * the caller prints ours as one line. */
    n = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || buf[i] == '\t') {
            buf[i] = ' ';
        }
    }
    while (n > 0 && buf[n - 1] == ' ') {
        buf[--n] = '\0';
    }
}

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: turns consecutive seeds into well-spread, nonzero xorshift states. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* xorshift64* (Vigna); the state is never zero because splitmix64 of our seeds is not. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1du;
}

/* Uniform in [0, n): the modulo bias is below n / 2^64, invisible at these sizes. */
static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return rng_next(s) % n;
}

/* A random seed per run, so that transfer ids of two runs on one setup do not collide. */
static uint64_t run_seed(void)
{
    uint64_t seed = 0;

    if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
        seed = (uint64_t)mono_ns() ^ ((uint64_t)time(NULL) << 32);
    }
    return seed;
}

static void transfer_pick(struct submitter *s, struct transfer *t)
{
    uint64_t n = s->sh->accounts;
    uint64_t hot = s->sh->hot_account;
    uint64_t a = rng_next(&s->rng);
    uint64_t b = rng_next(&s->rng);

    if (hot != 0) {
        t->credit = hot;
        t->debit = 1 + rng_below(&s->rng, n - 1);
        t->debit += t->debit >= hot; /* skip the hot account */
    } else {
        t->debit = 1 + rng_below(&s->rng, n);
        t->credit = 1 + rng_below(&s->rng, n - 1);
        t->credit += t->credit >= t->debit; /* distinct from the debit */
    }
    memcpy(t->id, &a, 8);
    memcpy(t->id + 8, &b, 8);
    t->id[6] = (unsigned char)((t->id[6] & 0x0f) | 0x40); /* RFC 9562 §5.4: version 4 */
    t->id[8] = (unsigned char)((t->id[8] & 0x3f) | 0x80); /* RFC 9562 §4.1: variant 10 */
}

/* ---- setup and verification: one connection, plain SQL ---- */

static PGconn *conn_open(const char *conninfo, char *errbuf, size_t errlen)
{
    PGconn *c = PQconnectdb(conninfo);

    if (c == NULL) {
        err_set(errbuf, errlen, "cannot allocate a libpq connection");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        err_set(errbuf, errlen, "cannot connect to postgresql: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Run one command (text parameters, may be none) and discard its result. */
static int exec_cmd(PGconn *c, const char *sql, int nparams, const char *const *params,
                    char *errbuf, size_t errlen)
{
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        err_set(errbuf, errlen, "'%.60s' failed: %s", sql, PQerrorMessage(c));
        rc = -1;
    }
    PQclear(r);
    return rc;
}

/* Run a query returning one row of one bigint into *v. */
static int query_int64(PGconn *c, const char *sql, int64_t *v, char *errbuf, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    int rc = 0;

    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != 1) {
        err_set(errbuf, errlen, "'%.60s' failed: %s", sql, PQerrorMessage(c));
        rc = -1;
    } else {
        *v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    }
    PQclear(r);
    return rc;
}

/* The schema lives in one transaction with the bulk load: at wal_level = minimal a table created
 * in the same transaction is loaded without WAL, and the primary key is built once, after the
 * load, instead of row by row. */
static const char *const setup_sql[] = {
    "SET client_min_messages = warning", /* no NOTICE for DROP ... IF EXISTS on stderr */
    "BEGIN",
    "DROP TABLE IF EXISTS transfers, accounts",
    "CREATE TABLE accounts (id bigint NOT NULL, balance bigint NOT NULL)",
    "INSERT INTO accounts (id, balance) SELECT g, $2::bigint FROM generate_series(1, $1::bigint) g",
    "ALTER TABLE accounts ADD PRIMARY KEY (id)",
    ("CREATE TABLE transfers (id uuid PRIMARY KEY, debit bigint NOT NULL, credit bigint NOT NULL,"
     " amount bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"),
    "COMMIT",
    "VACUUM ANALYZE accounts",
    /* Start timing right after a checkpoint, not in the middle of one the load caused. */
    "CHECKPOINT",
};

int pg_naive_setup(const char *conninfo, uint32_t accounts, int64_t balance, char *errbuf,
                   size_t errlen)
{
    char n_txt[24];
    char bal_txt[24];
    const char *params[2] = {n_txt, bal_txt};
    PGconn *c = NULL;
    int rc = -1;

    if (conninfo == NULL || accounts < 2 || balance < 0) {
        err_set(errbuf, errlen, "setup needs a conninfo, 2 accounts or more, a balance >= 0");
        goto out;
    }
    c = conn_open(conninfo, errbuf, errlen);
    if (c == NULL) {
        goto out;
    }
    snprintf(n_txt, sizeof(n_txt), "%" PRIu32, accounts);
    snprintf(bal_txt, sizeof(bal_txt), "%" PRId64, balance);
    for (size_t i = 0; i < sizeof(setup_sql) / sizeof(setup_sql[0]); i++) {
        int np = strstr(setup_sql[i], "$1") != NULL ? 2 : 0;

        if (exec_cmd(c, setup_sql[i], np, params, errbuf, errlen) != 0) {
            goto out;
        }
    }
    rc = 0;
out:
    PQfinish(c);
    return rc;
}

int pg_naive_verify(const char *conninfo, uint32_t accounts, int64_t balance,
                    uint64_t expected_transfers, char *errbuf, size_t errlen)
{
    PGconn *c = NULL;
    int64_t sum = 0, negative = 0, rows = 0, n = 0;
    int rc = -1;

    c = conninfo != NULL ? conn_open(conninfo, errbuf, errlen) : NULL;
    if (c == NULL) {
        goto out;
    }
    if (query_int64(c, "SELECT count(*) FROM accounts", &n, errbuf, errlen) != 0 ||
        query_int64(c, "SELECT coalesce(sum(balance), 0)::bigint FROM accounts", &sum, errbuf,
                    errlen) != 0 ||
        query_int64(c, "SELECT count(*) FROM accounts WHERE balance < 0", &negative, errbuf,
                    errlen) != 0 ||
        query_int64(c, "SELECT count(*) FROM transfers", &rows, errbuf, errlen) != 0) {
        goto out;
    }
    if (n != (int64_t)accounts || sum != (int64_t)accounts * balance || negative != 0) {
        err_set(errbuf, errlen,
                "ledger broken: %" PRId64 " accounts summing to %" PRId64 " (want %" PRIu32
                " summing to %" PRId64 "), %" PRId64 " negative",
                n, sum, accounts, (int64_t)accounts * balance, negative);
        goto out;
    }
    if ((uint64_t)rows != expected_transfers) {
        err_set(errbuf, errlen, "transfers holds %" PRId64 " rows, %" PRIu64 " were acknowledged",
                rows, expected_transfers);
        goto out;
    }
    rc = 0;
out:
    PQfinish(c);
    return rc;
}

/* ---- one submitter: its connection, statements and transfer loop ---- */

static const char *const stmt_names[] = {"debit", "credit", "insert"};
static const char *const stmt_sql[] = {
    /* The funds check is in the predicate: 0 rows updated means insufficient funds. */
    "UPDATE accounts SET balance = balance - $2 WHERE id = $1 AND balance >= $2",
    "UPDATE accounts SET balance = balance + $2 WHERE id = $1",
    "INSERT INTO transfers (id, debit, credit, amount) VALUES ($1, $2, $3, $4)",
};

static int submitter_connect(struct submitter *s)
{
    s->conn = conn_open(s->sh->conninfo, s->err, sizeof(s->err));
    if (s->conn == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(stmt_names) / sizeof(stmt_names[0]); i++) {
        PGresult *r = PQprepare(s->conn, stmt_names[i], stmt_sql[i], 0, NULL);
        int bad = PQresultStatus(r) != PGRES_COMMAND_OK;

        if (bad) {
            err_set(s->err, sizeof(s->err), "cannot prepare '%s': %s", stmt_names[i],
                    PQerrorMessage(s->conn));
        }
        PQclear(r);
        if (bad) {
            return -1;
        }
    }
    return 0;
}

/* Classify a statement's result and free it. *rows gets the affected row count. */
static enum tx_outcome stmt_result(struct submitter *s, PGresult *r, const char *what, long *rows)
{
    enum tx_outcome rc = TX_OK;
    const char *state;

    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        *rows = strtol(PQcmdTuples(r), NULL, 10);
        goto out;
    }
    state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    /* 40P01 deadlock_detected, 40001 serialization_failure (PostgreSQL Appendix A). */
    if (state != NULL && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0)) {
        rc = TX_RETRY;
        goto out;
    }
    err_set(s->err, sizeof(s->err), "%s failed: %s", what, PQerrorMessage(s->conn));
    rc = TX_ERROR;
out:
    PQclear(r);
    return rc;
}

static enum tx_outcome stmt_simple(struct submitter *s, const char *sql)
{
    long rows = 0;

    return stmt_result(s, PQexec(s->conn, sql), sql, &rows);
}

/* COMMIT answers "ROLLBACK" instead of an error when the transaction had failed; that must
 * never count as acknowledged. */
static enum tx_outcome stmt_commit(struct submitter *s)
{
    PGresult *r = PQexec(s->conn, "COMMIT");
    long rows = 0;

    if (PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        err_set(s->err, sizeof(s->err), "COMMIT answered '%s'", PQcmdStatus(r));
        PQclear(r);
        return TX_ERROR;
    }
    return stmt_result(s, r, "COMMIT", &rows);
}

/* The debit or the credit leg: exactly one row must change, except that a debit changing none
 * is a rejection for insufficient funds. */
static enum tx_outcome stmt_leg(struct submitter *s, uint64_t account, bool debit)
{
    char id_txt[24];
    char amount_txt[24];
    const char *params[2] = {id_txt, amount_txt};
    const char *name = debit ? "debit" : "credit";
    long rows = 0;
    enum tx_outcome rc;

    snprintf(id_txt, sizeof(id_txt), "%" PRIu64, account);
    snprintf(amount_txt, sizeof(amount_txt), "%d", PG_NAIVE_AMOUNT);
    rc = stmt_result(s, PQexecPrepared(s->conn, name, 2, params, NULL, NULL, 0), name, &rows);
    if (rc == TX_OK && rows == 0 && debit) {
        rc = TX_REJECTED;
    } else if (rc == TX_OK && rows != 1) {
        err_set(s->err, sizeof(s->err), "%s of account %" PRIu64 " changed %ld rows", name, account,
                rows);
        rc = TX_ERROR;
    }
    return rc;
}

static enum tx_outcome stmt_insert(struct submitter *s, const struct transfer *t)
{
    char debit_txt[24];
    char credit_txt[24];
    char amount_txt[24];
    /* The uuid goes as its 16 raw bytes (binary format), the rest as text. */
    const char *params[4] = {(const char *)t->id, debit_txt, credit_txt, amount_txt};
    const int lengths[4] = {16, 0, 0, 0};
    const int formats[4] = {1, 0, 0, 0};
    long rows = 0;

    snprintf(debit_txt, sizeof(debit_txt), "%" PRIu64, t->debit);
    snprintf(credit_txt, sizeof(credit_txt), "%" PRIu64, t->credit);
    snprintf(amount_txt, sizeof(amount_txt), "%d", PG_NAIVE_AMOUNT);
    return stmt_result(s, PQexecPrepared(s->conn, "insert", 4, params, lengths, formats, 0),
                       "insert", &rows);
}

/* One attempt at a transfer, five round trips. The two UPDATEs run in account-id order (lower
 * id first), whichever is the debit: two transfers touching the same pair of accounts in opposite
 * directions would otherwise each lock one row and wait for the other (a deadlock, detected only
 * after deadlock_timeout = 1 s). The funds check stays on the debit row whatever the order; if it
 * fails after the credit was applied, the ROLLBACK undoes the credit. */
static enum tx_outcome transfer_try(struct submitter *s, const struct transfer *t)
{
    bool debit_first = t->debit < t->credit;
    enum tx_outcome rc = stmt_simple(s, "BEGIN");

    if (rc == TX_OK) {
        rc = stmt_leg(s, debit_first ? t->debit : t->credit, debit_first);
    }
    if (rc == TX_OK) {
        rc = stmt_leg(s, debit_first ? t->credit : t->debit, !debit_first);
    }
    if (rc == TX_OK) {
        rc = stmt_insert(s, t);
    }
    if (rc == TX_OK) {
        rc = stmt_commit(s);
    }
    /* A failed COMMIT already ended the transaction; ROLLBACK only what is still open. */
    if (rc != TX_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE &&
        stmt_simple(s, "ROLLBACK") != TX_OK) {
        rc = TX_ERROR;
    }
    return rc;
}

/* A transfer with its retries: TX_OK (committed), TX_REJECTED or TX_ERROR. */
static enum tx_outcome transfer_post(struct submitter *s, const struct transfer *t)
{
    enum tx_outcome rc = TX_RETRY;

    for (unsigned attempt = 0; attempt <= PG_NAIVE_RETRY_MAX && rc == TX_RETRY; attempt++) {
        if (attempt > 0) {
            s->retries++;
        }
        rc = transfer_try(s, t);
    }
    if (rc == TX_RETRY) {
        err_set(s->err, sizeof(s->err),
                "transfer %" PRIu64 " -> %" PRIu64 " still failing after %u retries", t->debit,
                t->credit, PG_NAIVE_RETRY_MAX);
        rc = TX_ERROR;
    }
    return rc;
}

static void submitter_record(struct submitter *s, int64_t latency_ns)
{
    int64_t us = latency_ns / 1000;

    s->transfers++;
    if (s->lat_n < s->lat_cap) {
        s->lat_us[s->lat_n++] = us > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    }
}

static void submitter_loop(struct submitter *s)
{
    struct run_shared *sh = s->sh;
    struct transfer t;

    while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        int64_t start_ns;
        enum tx_outcome rc;

        if (sh->max_transfers != 0 && atomic_fetch_add(&sh->claimed, 1) >= sh->max_transfers) {
            break;
        }
        transfer_pick(s, &t);
        start_ns = mono_ns();
        rc = transfer_post(s, &t);
        if (rc == TX_OK) {
            submitter_record(s, mono_ns() - start_ns);
        } else if (rc == TX_REJECTED) {
            s->rejected++;
        } else {
            s->failed = true;
            atomic_store(&sh->stop, true);
            break;
        }
    }
}

/* Connect, report ready, wait for the start signal, post transfers until told to stop. A thread
 * that cannot connect still reports ready (and stops the run), so the coordinator never waits
 * for a thread that will not come. */
static void *submitter_main(void *arg)
{
    struct submitter *s = arg;
    struct run_shared *sh = s->sh;

    if (submitter_connect(s) != 0) {
        s->failed = true;
        atomic_store(&sh->stop, true);
    }
    pthread_mutex_lock(&sh->mu);
    sh->ready++;
    pthread_cond_signal(&sh->cv_main);
    while (!sh->go) {
        pthread_cond_wait(&sh->cv_go, &sh->mu);
    }
    pthread_mutex_unlock(&sh->mu);

    submitter_loop(s);
    s->end_ns = mono_ns();

    pthread_mutex_lock(&sh->mu);
    sh->finished++;
    pthread_cond_signal(&sh->cv_main);
    pthread_mutex_unlock(&sh->mu);
    /* Disconnecting 512 backends takes a while; it happens after end_ns, outside the timing. */
    PQfinish(s->conn);
    s->conn = NULL;
    return NULL;
}

/* ---- the coordinator ---- */

/* Give each of n threads its latency array and start it; *created says how many started. */
static int run_start(struct run_shared *sh, struct submitter *subs, uint32_t n, double seconds,
                     uint32_t *created, char *errbuf, size_t errlen)
{
    double cap = seconds > 0 ? seconds * PG_NAIVE_CONN_RATE_MAX + 1 : (double)PG_NAIVE_SAMPLES_MAX;
    uint64_t seed = run_seed();

    if (sh->max_transfers != 0 && (double)sh->max_transfers < cap) {
        cap = (double)sh->max_transfers;
    }
    if (cap > (double)(PG_NAIVE_SAMPLES_MAX / n)) {
        cap = (double)(PG_NAIVE_SAMPLES_MAX / n);
    }
    for (*created = 0; *created < n; (*created)++) {
        struct submitter *s = &subs[*created];
        int err;

        s->sh = sh;
        s->rng = splitmix64(seed + *created);
        s->lat_cap = (size_t)cap;
        /* Untouched pages of a large malloc are never backed, so sizing for the fastest
         * possible connection costs address space, not memory. */
        s->lat_us = malloc(s->lat_cap * sizeof(s->lat_us[0]));
        if (s->lat_us == NULL) {
            err_set(errbuf, errlen, "cannot allocate %zu latency samples", s->lat_cap);
            return -1;
        }
        err = pthread_create(&s->thread, NULL, submitter_main, s);
        if (err != 0) {
            err_set(errbuf, errlen, "cannot start submitter %" PRIu32 ": %s", *created,
                    strerror(err));
            return -1;
        }
    }
    return 0;
}

/* Wait until all started threads are connected, start the clock and release them, then wait
 * for the deadline, for all of them to finish (max_transfers), or for one to fail. Returns the
 * start time. */
static int64_t run_coordinate(struct run_shared *sh, uint32_t created, double seconds)
{
    int64_t start_ns;
    struct timespec deadline;

    pthread_mutex_lock(&sh->mu);
    while (sh->ready < created) {
        pthread_cond_wait(&sh->cv_main, &sh->mu);
    }
    start_ns = mono_ns();
    sh->go = true;
    pthread_cond_broadcast(&sh->cv_go);
    if (seconds > 0) {
        int64_t end_ns = start_ns + (int64_t)(seconds * 1e9);

        deadline.tv_sec = end_ns / 1000000000;
        deadline.tv_nsec = end_ns % 1000000000;
    }
    while (sh->finished < created && !atomic_load(&sh->stop)) {
        int err = seconds > 0 ? pthread_cond_timedwait(&sh->cv_main, &sh->mu, &deadline)
                              : pthread_cond_wait(&sh->cv_main, &sh->mu);

        if (err == ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    atomic_store(&sh->stop, true);
    return start_ns;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double percentile(const uint32_t *sorted, size_t n, double p)
{
    double r = p * (double)n;
    size_t rank = (size_t)r;

    if (n == 0) {
        return 0;
    }
    rank += (double)rank < r; /* ceil without libm */
    return sorted[rank == 0 ? 0 : rank - 1];
}

/* Sum the counters of the joined threads and compute the latency percentiles. O(n log n) in the
 * number of samples; runs after the clock stopped. */
static int run_collect(struct submitter *subs, uint32_t created, int64_t start_ns,
                       struct bench_result *out, char *errbuf, size_t errlen)
{
    int64_t end_ns = start_ns;
    size_t total = 0;
    uint32_t *all;

    for (uint32_t i = 0; i < created; i++) {
        out->transfers += subs[i].transfers;
        out->rejected += subs[i].rejected;
        total += subs[i].lat_n;
        end_ns = subs[i].end_ns > end_ns ? subs[i].end_ns : end_ns;
    }
    out->seconds = (double)(end_ns - start_ns) / 1e9;
    out->transfers_per_s = out->seconds > 0 ? (double)out->transfers / out->seconds : 0;
    all = malloc((total > 0 ? total : 1) * sizeof(all[0]));
    if (all == NULL) {
        err_set(errbuf, errlen, "cannot allocate %zu latency samples", total);
        return -1;
    }
    total = 0;
    for (uint32_t i = 0; i < created; i++) {
        memcpy(all + total, subs[i].lat_us, subs[i].lat_n * sizeof(all[0]));
        total += subs[i].lat_n;
    }
    qsort(all, total, sizeof(all[0]), cmp_u32);
    out->p50_us = percentile(all, total, 0.50);
    out->p99_us = percentile(all, total, 0.99);
    free(all);
    return 0;
}

static int run_args_check(const char *conninfo, uint32_t accounts, uint64_t hot_account,
                          uint32_t submitters, double seconds, uint64_t max_transfers,
                          const struct bench_result *out, char *errbuf, size_t errlen)
{
    if (conninfo == NULL || out == NULL) {
        err_set(errbuf, errlen, "run needs a conninfo and a result");
    } else if (accounts < 2 || hot_account > accounts) {
        err_set(errbuf, errlen, "run needs 2 accounts or more and a hot account among them");
    } else if (submitters == 0 || submitters > PG_NAIVE_SUBMITTERS_MAX) {
        err_set(errbuf, errlen, "submitters must be 1 to %u, not %" PRIu32, PG_NAIVE_SUBMITTERS_MAX,
                submitters);
    } else if (!(seconds >= 0 && seconds < 1e6) || (seconds == 0 && max_transfers == 0)) {
        err_set(errbuf, errlen, "run needs seconds in [0, 1e6) and seconds or max_transfers");
    } else if (!PQisthreadsafe()) {
        err_set(errbuf, errlen, "libpq is not thread-safe");
    } else {
        return 0;
    }
    return -1;
}

static int run_shared_init(struct run_shared *sh)
{
    pthread_condattr_t attr;
    int err = pthread_condattr_init(&attr);

    if (err == 0) {
        err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    }
    if (err == 0) {
        err = pthread_cond_init(&sh->cv_main, &attr);
        pthread_condattr_destroy(&attr);
    }
    if (err == 0) {
        err = pthread_cond_init(&sh->cv_go, NULL);
    }
    if (err == 0) {
        err = pthread_mutex_init(&sh->mu, NULL);
    }
    return err;
}

int pg_naive_run(const char *conninfo, uint32_t accounts, uint64_t hot_account, uint32_t submitters,
                 double seconds, uint64_t max_transfers, struct bench_result *out, char *errbuf,
                 size_t errlen)
{
    struct run_shared sh = {.conninfo = conninfo,
                            .accounts = accounts,
                            .hot_account = hot_account,
                            .max_transfers = max_transfers};
    struct submitter *subs = NULL;
    uint32_t created = 0;
    int64_t start_ns;
    int rc = -1;

    if (run_args_check(conninfo, accounts, hot_account, submitters, seconds, max_transfers, out,
                       errbuf, errlen) != 0) {
        return -1;
    }
    memset(out, 0, sizeof(*out));
    atomic_init(&sh.stop, false);
    atomic_init(&sh.claimed, 0);
    if (run_shared_init(&sh) != 0) {
        err_set(errbuf, errlen, "cannot initialise thread synchronisation");
        return -1;
    }
    subs = calloc(submitters, sizeof(subs[0]));
    if (subs == NULL) {
        err_set(errbuf, errlen, "cannot allocate %" PRIu32 " submitters", submitters);
        goto out;
    }
    rc = run_start(&sh, subs, submitters, seconds, &created, errbuf, errlen);
    if (rc != 0) {
        atomic_store(&sh.stop, true); /* the threads already started connect and quit */
    }
    start_ns = run_coordinate(&sh, created, seconds);
    for (uint32_t i = 0; i < created; i++) {
        pthread_join(subs[i].thread, NULL);
    }
    if (rc == 0) {
        rc = run_collect(subs, created, start_ns, out, errbuf, errlen);
    }
    for (uint32_t i = 0; i < created && rc == 0; i++) {
        if (subs[i].failed) {
            err_set(errbuf, errlen, "submitter %" PRIu32 ": %s", i, subs[i].err);
            rc = -1;
        }
    }
out:
    for (uint32_t i = 0; subs != NULL && i < submitters; i++) {
        free(subs[i].lat_us);
    }
    free(subs);
    pthread_mutex_destroy(&sh.mu);
    pthread_cond_destroy(&sh.cv_main);
    pthread_cond_destroy(&sh.cv_go);
    return rc;
}
