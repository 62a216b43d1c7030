/* SPDX-License-Identifier: Apache-2.0 */
/* The conventional design for bench/ledger: a naive ledger on PostgreSQL, one transaction per
 * transfer over one connection per submitter, with durable commits (fsync, synchronous_commit). */
#ifndef MDT_BENCH_PG_NAIVE_H
#define MDT_BENCH_PG_NAIVE_H

#include <stddef.h>
#include <stdint.h>

/* Guarded so the benchmark driver may define the same struct in its own header first. */
#ifndef BENCH_RESULT_DEFINED
#define BENCH_RESULT_DEFINED
struct bench_result {
    double transfers_per_s; /* durable transfers acknowledged per second of wall time */
    double p50_us, p99_us;  /* latency of one transfer from submit to acknowledged commit */
    uint64_t transfers;     /* acknowledged */
    uint64_t rejected;      /* e.g. insufficient funds */
    double seconds;
};
#endif

/* Drop and recreate the tables
 *   accounts(id bigint primary key, balance bigint not null)
 *   transfers(id uuid primary key, debit bigint, credit bigint, amount bigint,
 *             created_at timestamptz default now())
 * and fill accounts with ids 1..accounts, each holding `balance` minor units, then VACUUM
 * ANALYZE it so the timed phase starts from a clean, planned table.
 *
 * conninfo is a libpq connection string; the connection is closed before returning.
 * Returns 0, or -1 with a lowercase message in errbuf (errlen bytes, always terminated).
 * Not to be called while pg_naive_run runs against the same database. */
int pg_naive_setup(const char *conninfo, uint32_t accounts, int64_t balance, char *errbuf,
                   size_t errlen);

/* Run `submitters` threads, each with its own connection, each posting transfers of 1 minor unit
 * one at a time (BEGIN; debit; credit; INSERT INTO transfers; COMMIT) until `seconds` of wall
 * time elapse or `max_transfers` transfers (acknowledged plus rejected) have been done; 0 means
 * no limit for either, but not both. Pairs: if hot_account != 0 every credit goes to it and the
 * debit is uniform over the other accounts; otherwise both are uniform and distinct.
 *
 * All connections are opened and their statements prepared before the clock starts. Deadlocks
 * and serialization failures are rolled back and retried (bounded); the latency of a transfer
 * includes its retries. Latency percentiles are over acknowledged transfers only.
 *
 * Fills *out (caller-owned). Returns 0, or -1 with a message in errbuf; on error *out holds what
 * was measured before the failure. Allocates and frees its own per-thread memory. */
int pg_naive_run(const char *conninfo, uint32_t accounts, uint64_t hot_account, uint32_t submitters,
                 double seconds, uint64_t max_transfers, struct bench_result *out, char *errbuf,
                 size_t errlen);

/* Check the ledger after a run: no balance is negative, balances sum to accounts * balance
 * (each transfer moves money, never creates it), and `transfers` holds expected_transfers rows
 * (every acknowledged commit is there, nothing unacknowledged is). expected_transfers is the sum
 * of bench_result.transfers since pg_naive_setup. Returns 0, or -1 with a message in errbuf. */
int pg_naive_verify(const char *conninfo, uint32_t accounts, int64_t balance,
                    uint64_t expected_transfers, char *errbuf, size_t errlen);

#endif
