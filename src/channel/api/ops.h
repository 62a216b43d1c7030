/* SPDX-License-Identifier: Apache-2.0 */
/* The operator's probes over HTTP: /readyz (the store answers and, when one is configured, the
 * SMSC link is bound: 200, or 503 as a problem saying which) and /metrics (Prometheus text
 * format 0.0.4). What "ready" and the gauges mean is the caller's (mandatd's) business. */
#ifndef MDT_CHANNEL_API_OPS_H
#define MDT_CHANNEL_API_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/metrics.h"

struct ops_handlers {
    /* Whether mandatd can take traffic; when not, why (a sentence) into why. */
    bool (*ready)(void *ctx, char *why, size_t cap);
    /* Fill the gauges read at scrape time. */
    void (*gauges)(void *ctx, struct metrics_gauges *g);
    void *ctx;
    /* Who may read /metrics: NULL anyone (the internal listener); "" nobody (404); else
     * "Authorization: Bearer <metrics_token>" (401 without it). */
    const char *metrics_token;
};

/* Serve req (a struct evhttp_request *) when its path is /readyz or /metrics; false otherwise. */
bool ops_handle(const struct ops_handlers *h, void *req);

#endif
