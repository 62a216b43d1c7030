/* SPDX-License-Identifier: Apache-2.0 */
/* Webhook internals shared by the sender (webhook.c) and its pure rules (webhook_plan.c): where
 * a URL points, when to try again, and which headers a try carries. No I/O here; the unit test
 * (tests/unit/test_webhook.c) drives them directly. */
#ifndef MDT_CHANNEL_WEBHOOK_WEBHOOK_INT_H
#define MDT_CHANNEL_WEBHOOK_WEBHOOK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "channel/http/http_client.h"
#include "channel/webhook/webhook.h"

#define WEBHOOK_USER_AGENT "mandat-webhook/1"

/* Where a URL points and the SSRF guard are http_client's rules (http_client.h); the webhook
 * names stay for the sender and its tests. */
#define WEBHOOK_HOST_MAX HTTP_HOST_MAX
#define webhook_target http_target
#define webhook_target_make http_target_make
#define webhook_target_parse http_target_parse
#define webhook_host_private http_host_private
#define webhook_host_special http_host_special

/* The wait after the n-th failed try (n >= 1): retry_min_s * 2^(n-1), capped at
 * WEBHOOK_BACKOFF_MAX_S, less a jitter of up to a quarter drawn from rand32 (uniform over
 * 32 bits), so that events that failed together do not come back together. Microseconds. */
int64_t webhook_backoff_us(uint32_t n, uint32_t retry_min_s, uint32_t rand32);

/* What a finished try did to its event. */
enum webhook_outcome {
    WEBHOOK_OUT_DELIVERED = 0, /* 2xx */
    WEBHOOK_OUT_RETRY = 1,     /* anything else, inside the retry period: queued, next_try_us */
    WEBHOOK_OUT_FAILED = 2,    /* anything else, and the retry period is over */
    WEBHOOK_OUT_REFUSED = 3,   /* the SSRF guard refused its host or address: never sent */
};

/* Update r after the SSRF guard refused its URL's host at now_us: refused for good (a replay
 * tries again), attempts unchanged since nothing was sent, next_try_us = now_us. */
enum webhook_outcome webhook_row_refuse(struct webhook_row *r, int64_t now_us);

/* Update r after a try at now_us that got HTTP status (0: no response at all): attempts + 1,
 * then delivered on 2xx; else queued for now + webhook_backoff_us, never past created_us +
 * retry_period_s (the last try happens at the end of the period); else, when that end has come,
 * failed. Delivered and failed rows keep the time of their last try in next_try_us. */
enum webhook_outcome webhook_row_after_try(struct webhook_row *r, int status, int64_t now_us,
                                           uint32_t retry_min_s, uint32_t retry_period_s,
                                           uint32_t rand32);

#define WEBHOOK_HEADER_COUNT 4
#define WEBHOOK_HEADER_VALUE_MAX 128 /* the longest is "t=<20 digits>,v1=<64 hex digits>" */

struct webhook_header {
    const char *name;
    char value[WEBHOOK_HEADER_VALUE_MAX];
};

/* The headers of a try of r, signed at t_s (Unix seconds) with sig (64 hex digits):
 * Content-Type, User-Agent, Mandat-Event-Id and Mandat-Signature "t=<t_s>,v1=<sig>". http_client
 * adds Host and Connection: close. out holds the signature: wipe it after. */
void webhook_headers_make(const struct webhook_row *r, int64_t t_s, const char *sig,
                          struct webhook_header out[WEBHOOK_HEADER_COUNT]);

/* "payment_request.confirmed" and the like are printable ASCII; a type from a damaged row is
 * shown as "?" characters in logs. Writes at most cap bytes with NUL. */
void webhook_text_safe(const char *in, char *out, size_t cap);

#endif
