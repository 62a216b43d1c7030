/* SPDX-License-Identifier: Apache-2.0 */
/* Standalone driver for the PostgreSQL baseline alone: set up, run, verify, print one line.
 * usage: pg_naive_main CONNINFO ACCOUNTS SUBMITTERS SECONDS [HOT] */
#include "pg_naive.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Enough that no debit account runs dry in a short run, so rejections mean a bug. */
#define MAIN_BALANCE 1000000

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
    char *end = NULL;
    unsigned long long x;

    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || x > max) {
        return -1;
    }
    *v = x;
    return 0;
}

static int parse_seconds(const char *s, double *v)
{
    char *end = NULL;

    errno = 0;
    *v = strtod(s, &end);
    return errno != 0 || end == s || *end != '\0' || !(*v > 0) ? -1 : 0;
}

int main(int argc, char **argv)
{
    uint64_t accounts = 0, submitters = 0, hot = 0;
    double seconds = 0;
    struct bench_result r;
    char err[512];

    if (argc < 5 || argc > 6 || parse_u64(argv[2], UINT32_MAX, &accounts) != 0 ||
        parse_u64(argv[3], UINT32_MAX, &submitters) != 0 || parse_seconds(argv[4], &seconds) != 0 ||
        (argc == 6 && parse_u64(argv[5], accounts, &hot) != 0)) {
        fprintf(stderr, "usage: %s CONNINFO ACCOUNTS SUBMITTERS SECONDS [HOT]\n", argv[0]);
        return 2;
    }
    if (pg_naive_setup(argv[1], (uint32_t)accounts, MAIN_BALANCE, err, sizeof(err)) != 0) {
        fprintf(stderr, "pg_naive_main: setup: %s\n", err);
        return 1;
    }
    if (pg_naive_run(argv[1], (uint32_t)accounts, hot, (uint32_t)submitters, seconds, 0, &r, err,
                     sizeof(err)) != 0) {
        fprintf(stderr, "pg_naive_main: run: %s\n", err);
        return 1;
    }
    if (pg_naive_verify(argv[1], (uint32_t)accounts, MAIN_BALANCE, r.transfers, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "pg_naive_main: verify: %s\n", err);
        return 1;
    }
    printf("pg-naive accounts=%" PRIu64 " submitters=%" PRIu64 " hot=%" PRIu64
           " tps=%.0f p50_us=%.0f p99_us=%.0f rejected=%" PRIu64 " transfers=%" PRIu64
           " seconds=%.2f\n",
           accounts, submitters, hot, r.transfers_per_s, r.p50_us, r.p99_us, r.rejected,
           r.transfers, r.seconds);
    return 0;
}
