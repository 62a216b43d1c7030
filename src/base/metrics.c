/* SPDX-License-Identifier: Apache-2.0 */
/* The registry behind metrics.h: relaxed atomic adds (a scrape may see a histogram's count and
 * sum a few observations apart, which Prometheus tolerates), formatted on demand. */
#include "base/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"

#define BUCKETS_MAX 12

struct counter_def {
    const char *name, *labels, *help;
};

struct histogram_def {
    const char *name, *help;
    double scale;                 /* observed units per exported unit */
    uint64_t bounds[BUCKETS_MAX]; /* upper bounds in observed units, ascending, 0 ends */
};

static const struct counter_def counters[METRIC_COUNTER_COUNT] = {
    [METRIC_MESSAGES_IN_SMS] = {"mandat_messages_total", "channel=\"sms\",direction=\"in\"",
                                "Messages received and sent, per channel"},
    [METRIC_MESSAGES_OUT_SMS] = {"mandat_messages_total", "channel=\"sms\",direction=\"out\"",
                                 "Messages received and sent, per channel"},
    [METRIC_HTTP_API_REQUESTS] = {"mandat_http_api_requests_total", "", "Requests under /v1"},
};

static const struct histogram_def histograms[METRIC_HISTOGRAM_COUNT] = {
    [METRIC_BATCH_SIZE] = {"mandat_engine_batch_size",
                           "Submissions committed together in one engine batch",
                           1,
                           {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 8190}},
    [METRIC_COMMIT_SECONDS] = {"mandat_engine_commit_seconds",
                               "Time of one store commit (write and fsync)",
                               1e6,
                               {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
                                250000, 1000000}},
};

static _Atomic uint64_t counter_values[METRIC_COUNTER_COUNT];
static _Atomic uint64_t bucket_counts[METRIC_HISTOGRAM_COUNT][BUCKETS_MAX];
static _Atomic uint64_t histogram_count[METRIC_HISTOGRAM_COUNT];
static _Atomic uint64_t histogram_sum[METRIC_HISTOGRAM_COUNT];

void metrics_add(enum metric_counter c, uint64_t n)
{
    MDT_ASSERT(c < METRIC_COUNTER_COUNT);
    atomic_fetch_add_explicit(&counter_values[c], n, memory_order_relaxed);
}

void metrics_observe(enum metric_histogram h, uint64_t v)
{
    MDT_ASSERT(h < METRIC_HISTOGRAM_COUNT);
    /* Buckets are not cumulative here (one add per observation); formatting sums them. */
    for (int i = 0; i < BUCKETS_MAX; i++) {
        if (v <= histograms[h].bounds[i]) {
            atomic_fetch_add_explicit(&bucket_counts[h][i], 1, memory_order_relaxed);
            break;
        }
    }
    atomic_fetch_add_explicit(&histogram_count[h], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&histogram_sum[h], v, memory_order_relaxed);
}

void metrics_reset(void)
{
    for (int c = 0; c < METRIC_COUNTER_COUNT; c++) {
        atomic_store(&counter_values[c], 0);
    }
    for (int h = 0; h < METRIC_HISTOGRAM_COUNT; h++) {
        for (int i = 0; i < BUCKETS_MAX; i++) {
            atomic_store(&bucket_counts[h][i], 0);
        }
        atomic_store(&histogram_count[h], 0);
        atomic_store(&histogram_sum[h], 0);
    }
}

struct out {
    char *buf;
    size_t cap, len;
    bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->full) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->full = true;
        return;
    }
    o->len += (size_t)n;
}

static void format_histogram(struct out *o, int h)
{
    const struct histogram_def *d = &histograms[h];
    uint64_t cumulative = 0;

    put(o, "# HELP %s %s\n# TYPE %s histogram\n", d->name, d->help, d->name);
    for (int i = 0; i < BUCKETS_MAX && d->bounds[i] != 0; i++) {
        cumulative += atomic_load_explicit(&bucket_counts[h][i], memory_order_relaxed);
        put(o, "%s_bucket{le=\"%g\"} %llu\n", d->name, (double)d->bounds[i] / d->scale,
            (unsigned long long)cumulative);
    }
    put(o, "%s_bucket{le=\"+Inf\"} %llu\n", d->name,
        (unsigned long long)atomic_load(&histogram_count[h]));
    put(o, "%s_sum %g\n%s_count %llu\n", d->name, (double)atomic_load(&histogram_sum[h]) / d->scale,
        d->name, (unsigned long long)atomic_load(&histogram_count[h]));
}

int metrics_format(const struct metrics_gauges *g, char *buf, size_t cap)
{
    struct out o = {.buf = buf, .cap = cap};
    const char *last = "";

    for (int c = 0; c < METRIC_COUNTER_COUNT; c++) {
        if (strcmp(last, counters[c].name) != 0) {
            put(&o, "# HELP %s %s\n# TYPE %s counter\n", counters[c].name, counters[c].help,
                counters[c].name);
            last = counters[c].name;
        }
        put(&o, "%s%s%s%s %llu\n", counters[c].name, counters[c].labels[0] ? "{" : "",
            counters[c].labels, counters[c].labels[0] ? "}" : "",
            (unsigned long long)atomic_load(&counter_values[c]));
    }
    for (int h = 0; h < METRIC_HISTOGRAM_COUNT; h++) {
        format_histogram(&o, h);
    }
    put(&o,
        "# HELP mandat_transfers Transfers of the ledger: accepted rows, holds open, refusals\n"
        "# TYPE mandat_transfers gauge\n"
        "mandat_transfers{state=\"accepted\"} %llu\nmandat_transfers{state=\"pending\"} %llu\n"
        "mandat_transfers{state=\"rejected\"} %llu\n",
        (unsigned long long)g->transfers, (unsigned long long)g->transfers_pending,
        (unsigned long long)g->rejections);
    put(&o,
        "# HELP mandat_outbox_depth SMS replies waiting to be sent\n"
        "# TYPE mandat_outbox_depth gauge\nmandat_outbox_depth %llu\n",
        (unsigned long long)g->outbox_depth);
    put(&o,
        "# HELP mandat_smpp_window_in_use submit_sm awaiting their response\n"
        "# TYPE mandat_smpp_window_in_use gauge\nmandat_smpp_window_in_use %llu\n"
        "# HELP mandat_smpp_bound SMPP binds up now, over every SMSC link\n"
        "# TYPE mandat_smpp_bound gauge\nmandat_smpp_bound %llu\n"
        "# HELP mandat_smpp_mo_unconfirmed MOs acknowledged whose response the SMSC has not yet"
        " shown it read (in doubt should the link drop now)\n"
        "# TYPE mandat_smpp_mo_unconfirmed gauge\nmandat_smpp_mo_unconfirmed %llu\n",
        (unsigned long long)g->smpp_window_in_use, (unsigned long long)g->smpp_bound,
        (unsigned long long)g->smpp_mo_unconfirmed);
    return o.full ? -1 : (int)o.len;
}
