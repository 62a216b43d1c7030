/* SPDX-License-Identifier: Apache-2.0 */
/* bench/ledger: durable transfers per second and commit latency of mandat's engine (group
 * commit on SQLite, synchronous=FULL) against the conventional design (one PostgreSQL
 * transaction per transfer, bench/pg_naive.c) in the same run, for 100k accounts with uniform
 * random pairs and for one hot account receiving every transfer, at 1, 8, 64 and 512
 * concurrent submitters. A submitter has one transfer in flight and sends the next only after
 * the previous one is durable, on both sides. */
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "engine/engine.h"
#include "pg_naive.h"
#include "store/store.h"

#define LAT_MAX (64u * 1024 * 1024) /* latency samples kept per run */

struct opts {
    double seconds;
    uint32_t accounts;
    const char *pg;
    const char *store; /* --store: mandat's store (a postgresql:// URI); else SQLite in dir */
    const char *dir;
    long server_pid; /* --server-pid: the PostgreSQL postmaster whose CPU is counted, or 0 */
    uint32_t submitters[8];
    int nsub;
};

/* The submitters' side: one thread, like mandatd's event loop, with n transfers in flight. */
struct driver {
    struct engine *e;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint32_t *done_slots; /* completed slot numbers, handed from the ledger thread */
    size_t done_count;
    bool waiting;
};

struct slot {
    struct driver *d;
    uint32_t index;
    int64_t t0_us;
    struct ledger_op op;
    struct ledger_result res;
};

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void on_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct slot *s = ctx;
    struct driver *d = s->d;

    (void)res;
    (void)n;
    if (rc < 0) {
        fprintf(stderr, "bench: commit failed: %s\n", mdt_strerror(rc));
        exit(1);
    }
    pthread_mutex_lock(&d->mu);
    d->done_slots[d->done_count++] = s->index;
    if (d->waiting) {
        pthread_cond_signal(&d->cv);
    }
    pthread_mutex_unlock(&d->mu);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static void percentiles(int64_t *lat, size_t n, double *p50, double *p99)
{
    qsort(lat, n, sizeof(*lat), cmp_i64);
    *p50 = n ? (double)lat[n / 2] : 0;
    *p99 = n ? (double)lat[(size_t)((double)n * 0.99)] : 0;
}

static void fill(struct slot *s, uint64_t *seed, uint64_t first, uint32_t n, uint64_t hot,
                 uint64_t serial)
{
    struct transfer *t = &s->op.transfer;

    memset(&s->op, 0, sizeof(s->op));
    s->op.type = LEDGER_OP_TRANSFER;
    t->id = (struct id128){.hi = 0xbe4c0000ULL | (hot ? 1 : 0), .lo = serial};
    t->debit_account_id = first + rng(seed) % n;
    if (hot != 0) {
        t->credit_account_id = hot;
        t->kind = TRANSFER_DONATION;
    } else {
        do {
            t->credit_account_id = first + rng(seed) % n;
        } while (t->credit_account_id == t->debit_account_id);
        t->kind = TRANSFER_P2P;
    }
    t->amount = 1;
}

struct run {
    uint64_t first;
    uint32_t n;
    uint64_t hot;
    uint32_t submitters;
    double seconds;
    uint64_t *serial;
};

static uint32_t collect(struct driver *d, uint32_t *out)
{
    uint32_t n;

    pthread_mutex_lock(&d->mu);
    while (d->done_count == 0) {
        d->waiting = true;
        pthread_cond_wait(&d->cv, &d->mu);
        d->waiting = false;
    }
    n = (uint32_t)d->done_count;
    memcpy(out, d->done_slots, n * sizeof(*out));
    d->done_count = 0;
    pthread_mutex_unlock(&d->mu);
    return n;
}

static void submit(struct driver *d, struct slot *s)
{
    s->t0_us = clock_mono_us();
    while (engine_submit(d->e, &s->op, 1, &s->res, s, on_done) == MDT_E(FULL)) {
        usleep(50);
    }
}

static void run_mandat(struct engine *e, const struct run *r, struct bench_result *out,
                       int64_t *lat)
{
    struct driver d = {.e = e};
    struct slot *slots = calloc(r->submitters, sizeof(*slots));
    uint32_t *ready = calloc(r->submitters, sizeof(*ready));
    uint64_t seed = 0x1234567ULL + r->submitters, acked = 0, rejected = 0;
    uint32_t in_flight = r->submitters;
    int64_t start = clock_mono_us(), end = start + (int64_t)(r->seconds * 1e6);

    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    d.done_slots = calloc(r->submitters, sizeof(*d.done_slots));
    for (uint32_t i = 0; i < r->submitters; i++) {
        slots[i] = (struct slot){.d = &d, .index = i};
        fill(&slots[i], &seed, r->first, r->n, r->hot, ++*r->serial);
        submit(&d, &slots[i]);
    }
    while (in_flight > 0) {
        uint32_t n = collect(&d, ready);
        int64_t now = clock_mono_us();

        for (uint32_t i = 0; i < n; i++) {
            struct slot *s = &slots[ready[i]];

            if (acked < LAT_MAX) {
                lat[acked] = now - s->t0_us;
            }
            acked++;
            rejected += s->res.reason != LEDGER_OK;
            if (now < end) {
                fill(s, &seed, r->first, r->n, r->hot, ++*r->serial);
                submit(&d, s);
            } else {
                in_flight--;
            }
        }
    }
    out->seconds = (double)(clock_mono_us() - start) / 1e6;
    out->transfers = acked;
    out->rejected = rejected;
    out->transfers_per_s = (double)acked / out->seconds;
    percentiles(lat, acked < LAT_MAX ? acked : LAT_MAX, &out->p50_us, &out->p99_us);
    free(d.done_slots);
    free(slots);
    free(ready);
}

static void execute_chunked(struct engine *e, struct ledger_op *ops, size_t n,
                            struct ledger_result *res)
{
    for (size_t i = 0; i < n; i += 8190) {
        size_t m = n - i < 8190 ? n - i : 8190;

        if (engine_execute(e, ops + i, m, res + i, NULL) < 0) {
            fprintf(stderr, "bench: setup failed\n");
            exit(1);
        }
        for (size_t k = i; k < i + m; k++) {
            if (res[k].reason != LEDGER_OK) {
                fprintf(stderr, "bench: setup refused: %s\n", ledger_reason_name(res[k].reason));
                exit(1);
            }
        }
    }
}

/* 100k verified wallets with 1 000 € each, and one association: the hot account. */
static uint64_t setup_accounts(struct engine *e, uint32_t n, uint64_t *first)
{
    struct ledger_op *ops = calloc(n + 1, sizeof(*ops));
    struct ledger_result *res = calloc(n + 1, sizeof(*res));
    uint64_t hot;

    ops[0].type = LEDGER_OP_SYSTEM_INIT;
    strcpy(ops[0].account.currency, "EUR");
    execute_chunked(e, ops, 1, res);
    for (uint32_t i = 0; i <= n; i++) {
        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].type = LEDGER_OP_ACCOUNT_OPEN;
        ops[i].account.kind = i == n ? ACCOUNT_ASSOCIATION : ACCOUNT_WALLET;
        ops[i].account.tier = 2;
        strcpy(ops[i].account.currency, "EUR");
    }
    execute_chunked(e, ops, n + 1, res);
    *first = res[0].account_id;
    hot = res[n].account_id;
    for (uint32_t i = 0; i < n; i++) {
        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].type = LEDGER_OP_TRANSFER;
        ops[i].transfer.id = (struct id128){.hi = 0x70900, .lo = i + 1};
        ops[i].transfer.debit_account_id = 1; /* bank */
        ops[i].transfer.credit_account_id = *first + i;
        ops[i].transfer.amount = 100000;
        ops[i].transfer.kind = TRANSFER_TOPUP;
    }
    execute_chunked(e, ops, n, res);
    free(ops);
    free(res);
    return hot;
}

/* CPU time (user + system, in clock ticks) of process pid from /proc/pid/stat, with the time of
 * its children already reaped when reaped is set. 0 when it cannot be read. */
static uint64_t proc_ticks(long pid, long *ppid, bool reaped)
{
    char path[64], buf[1024];
    unsigned long long f[15] = {0};
    FILE *fp;
    size_t n;
    char *p;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    fp = fopen(path, "r");
    if (fp == NULL) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces */
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
     * stime cutime cstime */
    if (p == NULL ||
        sscanf(p + 2, "%*c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
               &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11],
               &f[12], &f[13]) != 14) {
        return 0;
    }
    *ppid = (long)f[0];
    return f[10] + f[11] + (reaped ? f[12] + f[13] : 0);
}

/* CPU seconds used so far by the PostgreSQL server: its postmaster, every live backend and
 * helper (children of the postmaster) and those that exited. */
static double server_cpu_s(long postmaster)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    long ppid = 0;
    uint64_t ticks;

    if (postmaster <= 0 || d == NULL) {
        if (d != NULL) {
            closedir(d);
        }
        return 0;
    }
    ticks = proc_ticks(postmaster, &ppid, true);
    while ((de = readdir(d)) != NULL) {
        long pid = strtol(de->d_name, NULL, 10);
        uint64_t t;

        if (pid <= 0 || pid == postmaster) {
            continue;
        }
        t = proc_ticks(pid, &ppid, false);
        if (ppid == postmaster) {
            ticks += t;
        }
    }
    closedir(d);
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds used so far by this process (the engine's thread and the submitters'). */
static double self_cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_ledger [--seconds S] [--accounts N] [--submitters 1,8,64,512]\n"
            "                    [--pg CONNINFO] [--store URI] [--dir DIR] [--server-pid PID]\n"
            "Without --pg only mandat is measured (bench/run_ledger.sh starts PostgreSQL).\n"
            "--store puts mandat's own store there (a postgresql:// URI) instead of SQLite.\n"
            "--server-pid: the postmaster of --store's server; its CPU per mandat transfer is\n"
            "shown (srv_us, all its processes; cli_us is this process's own).\n");
    exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"seconds", required_argument, NULL, 's'},    {"accounts", required_argument, NULL, 'a'},
        {"submitters", required_argument, NULL, 'n'}, {"pg", required_argument, NULL, 'p'},
        {"dir", required_argument, NULL, 'd'},        {"store", required_argument, NULL, 'S'},
        {"server-pid", required_argument, NULL, 'P'}, {NULL, 0, NULL, 0}};
    static const uint32_t def[] = {1, 8, 64, 512};

    *o = (struct opts){.seconds = 5, .accounts = 100000, .dir = "/tmp", .nsub = 4};
    memcpy(o->submitters, def, sizeof(def));
    for (;;) {
        int c = getopt_long(argc, argv, "", lo, NULL);
        char *p;

        if (c == -1) {
            break;
        }
        switch (c) {
        case 's':
            o->seconds = atof(optarg);
            break;
        case 'a':
            o->accounts = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'n':
            o->nsub = 0;
            for (p = strtok(optarg, ","); p != NULL && o->nsub < 8; p = strtok(NULL, ",")) {
                o->submitters[o->nsub++] = (uint32_t)strtoul(p, NULL, 10);
            }
            break;
        case 'p':
            o->pg = optarg;
            break;
        case 'd':
            o->dir = optarg;
            break;
        case 'S':
            o->store = optarg;
            break;
        case 'P':
            o->server_pid = strtol(optarg, NULL, 10);
            break;
        default:
            usage();
        }
    }
    if (o->seconds <= 0 || o->accounts < 2 || o->nsub == 0) {
        usage();
    }
}

/* CPU a mandat transfer cost during one run, in µs: the server's (srv < 0: not measured) and
 * this process's. */
struct cpu_cost {
    double srv_us, cli_us;
};

static void print_row(const char *scenario, uint32_t n, const struct bench_result *m,
                      double batch_avg, const struct cpu_cost *c, const struct bench_result *pg)
{
    char srv[16];

    snprintf(srv, sizeof(srv), c->srv_us < 0 ? "-" : "%.1f", c->srv_us);
    printf("%-8s %5u | %10.0f %8.0f %8.0f %7.1f %6s %6.1f |", scenario, n, m->transfers_per_s,
           m->p50_us, m->p99_us, batch_avg, srv, c->cli_us);
    if (pg != NULL) {
        printf(" %9.0f %8.0f %8.0f | %7.1fx\n", pg->transfers_per_s, pg->p50_us, pg->p99_us,
               pg->transfers_per_s > 0 ? m->transfers_per_s / pg->transfers_per_s : 0);
    } else {
        printf(" %9s %8s %8s | %8s\n", "-", "-", "-", "-");
    }
    fflush(stdout);
}

static void run_all(const struct opts *o, struct engine *e, uint64_t first, uint64_t hot)
{
    int64_t *lat = malloc(LAT_MAX * sizeof(*lat));
    uint64_t serial = 0;
    char errbuf[1024];

    printf("%-8s %5s | %10s %8s %8s %7s %6s %6s | %9s %8s %8s | %8s\n", "scenario", "subm",
           "mandat/s", "p50_us", "p99_us", "batch", "srv_us", "cli_us", "pg/s", "p50_us", "p99_us",
           "ratio");
    for (int hot_run = 0; hot_run < 2; hot_run++) {
        for (int i = 0; i < o->nsub; i++) {
            struct run r = {.first = first,
                            .n = o->accounts,
                            .hot = hot_run ? hot : 0,
                            .submitters = o->submitters[i],
                            .seconds = o->seconds,
                            .serial = &serial};
            struct bench_result m = {0}, pg = {0};
            struct engine_stats s0, s1;
            double srv0 = server_cpu_s(o->server_pid), cli0 = self_cpu_s();
            struct cpu_cost c;

            engine_stats_get(e, &s0);
            run_mandat(e, &r, &m, lat);
            engine_stats_get(e, &s1);
            c.srv_us = o->server_pid > 0 && m.transfers > 0
                           ? (server_cpu_s(o->server_pid) - srv0) * 1e6 / (double)m.transfers
                           : -1;
            c.cli_us = m.transfers > 0 ? (self_cpu_s() - cli0) * 1e6 / (double)m.transfers : 0;
            /* Fresh tables for every PostgreSQL run, so that no run pays for the dead rows
             * and the growing transfers table of the previous one. */
            if (o->pg != NULL &&
                pg_naive_setup(o->pg, o->accounts, 1000000000000LL, errbuf, sizeof(errbuf)) < 0) {
                fprintf(stderr, "bench: postgresql setup: %s\n", errbuf);
                exit(1);
            }
            if (o->pg != NULL &&
                pg_naive_run(o->pg, o->accounts, hot_run ? (uint64_t)o->accounts : 0,
                             o->submitters[i], o->seconds, 0, &pg, errbuf, sizeof(errbuf)) < 0) {
                fprintf(stderr, "bench: postgresql: %s\n", errbuf);
                exit(1);
            }
            print_row(hot_run ? "hot" : "uniform", o->submitters[i], &m,
                      s1.batches > s0.batches
                          ? (double)(s1.ops - s0.ops) / (double)(s1.batches - s0.batches)
                          : 0,
                      &c, o->pg != NULL ? &pg : NULL);
        }
    }
    free(lat);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct ledger_config cfg;
    char dir[256], db[300], errbuf[320];
    struct store_options so = {.path = db, .create = true, .sync = STORE_DURABLE_FULL};
    struct engine_options eo = {.ledger = &cfg, .batch_max = 8190, .queue_depth = 65536};
    struct store *s = NULL;
    struct engine *e = NULL;
    struct mdt_err err = {0};
    uint64_t first = 0, hot;

    parse(argc, argv, &o);
    snprintf(dir, sizeof(dir), "%s/mandat-bench-XXXXXX", o.dir);
    if (mkdtemp(dir) == NULL) {
        perror("bench: mkdtemp");
        return 2;
    }
    snprintf(db, sizeof(db), "%s/bench.db", dir);
    if (o.store != NULL) {
        so.path = o.store;
    }
    ledger_config_defaults(&cfg);
    if (store_open(&so, &s, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 2;
    }
    eo.store = s;
    if (engine_start(&eo, &e, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 2;
    }
    hot = setup_accounts(e, o.accounts, &first);
    printf("bench/ledger: %u accounts, %.1f s per run, mandat's store on %s, durable commits"
           " (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on), %ld cores\n",
           o.accounts, o.seconds, store_backend_name(s), sysconf(_SC_NPROCESSORS_ONLN));
    run_all(&o, e, first, hot);
    engine_stop(e);
    store_close(s);
    snprintf(errbuf, sizeof(errbuf), "rm -rf '%s'", dir);
    return system(errbuf) == 0 ? 0 : 1;
}
