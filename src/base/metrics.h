/* SPDX-License-Identifier: Apache-2.0 */
/* Process metrics for /metrics: counters and histograms with fixed buckets, updated lock-free
 * from any thread (C11 atomics), written out in the Prometheus text exposition format 0.0.4.
 * The series are declared once, statically, in metrics.c: a fixed set, no allocation. */
#ifndef MDT_BASE_METRICS_H
#define MDT_BASE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_counter {
    METRIC_MESSAGES_IN_SMS = 0, /* MOs handed to the dialog (SMPP, Kannel, dev phone) */
    METRIC_MESSAGES_OUT_SMS,    /* MTs handed to a sender */
    METRIC_HTTP_API_REQUESTS,   /* requests under /v1 */
    METRIC_COUNTER_COUNT
};

enum metric_histogram {
    METRIC_BATCH_SIZE = 0, /* submissions per engine batch */
    METRIC_COMMIT_SECONDS, /* one store commit, seconds */
    METRIC_HISTOGRAM_COUNT
};

/* Add n to a counter. Any thread. */
void metrics_add(enum metric_counter c, uint64_t n);

/* Observe v (in the histogram's unit: a count, or microseconds for *_SECONDS). Any thread. */
void metrics_observe(enum metric_histogram h, uint64_t v);

/* Gauges and series read at scrape time, from the caller (they live elsewhere). */
struct metrics_gauges {
    uint64_t transfers;          /* rows accepted by the ledger (posts, voids, expiries included) */
    uint64_t transfers_pending;  /* holds open now */
    uint64_t rejections;         /* refusals recorded */
    uint64_t outbox_depth;       /* SMS replies waiting to be sent */
    uint64_t smpp_window_in_use; /* submit_sm awaiting their response */
    uint64_t smpp_bound;         /* SMPP binds up now */
    uint64_t smpp_mo_unconfirmed; /* MOs acknowledged, not yet known read by the SMSC */
};

/* Write every series in the text format into buf (cap bytes). Returns the length, or -1 when
 * cap is too small (4096 is enough for today's series). */
int metrics_format(const struct metrics_gauges *g, char *buf, size_t cap);

/* Reset every counter and histogram (tests). */
void metrics_reset(void);

#endif
