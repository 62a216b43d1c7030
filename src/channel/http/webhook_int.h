/* SPDX-License-Identifier: Apache-2.0 */
/* Webhook internals shared by the sender (webhook.c) and its pure rules (webhook_plan.c): where
 * a URL points, when to try again, and which headers a try carries. No I/O here; the unit test
 * (tests/unit/test_webhook.c) drives them directly. */
#ifndef MDT_CHANNEL_HTTP_WEBHOOK_INT_H
#define MDT_CHANNEL_HTTP_WEBHOOK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "channel/http/webhook.h"

#define WEBHOOK_HOST_MAX 256 /* RFC 1035: a name is at most 253 characters */
#define WEBHOOK_USER_AGENT "mandat-webhook/1"

/* Where one event goes, from its URL. */
struct webhook_target {
    bool tls;        /* https */
    bool ip_literal; /* host is an IPv4 or IPv6 address: no SNI, the certificate names the IP */
    uint16_t port;
    char host[WEBHOOK_HOST_MAX];            /* a DNS name or an address; IPv6 without brackets */
    char host_header[WEBHOOK_HOST_MAX + 8]; /* Host: the host, [v6], ":port" unless default */
    char path[STORE_URL_MAX];               /* request target: path and query, "/" at least */
};

/* The target of a URL from its parts as a URI parser split them (RFC 3986): scheme, host (IPv6
 * in brackets), port (-1 when absent), path ("" or NULL when absent), query (NULL when absent)
 * and userinfo (NULL when absent). Returns 0, or -MDT_EINVAL with *why, a static text for
 * people ("unsupported scheme: use https or http"). */
int webhook_target_make(const char *scheme, const char *userinfo, const char *host, int port,
                        const char *path, const char *query, struct webhook_target *t,
                        const char **why);

/* Parse url with libevent's evhttp_uri, then webhook_target_make (webhook.c). */
int webhook_target_parse(const char *url, struct webhook_target *t, const char **why);

/* Whether host (a name or an address literal) is loopback, private, link-local or otherwise
 * inside the operator's network: events are not sent there unless the operator allows it, so
 * that a merchant's callback_url cannot reach mandat's own network (SSRF). */
bool webhook_host_private(const char *host);

/* The wait after the n-th failed try (n >= 1): retry_min_s * 2^(n-1), capped at
 * WEBHOOK_BACKOFF_MAX_S, less a jitter of up to a quarter drawn from rand32 (uniform over
 * 32 bits), so that events that failed together do not come back together. Microseconds. */
int64_t webhook_backoff_us(uint32_t n, uint32_t retry_min_s, uint32_t rand32);

/* What a finished try did to its event. */
enum webhook_outcome {
    WEBHOOK_OUT_DELIVERED = 0, /* 2xx */
    WEBHOOK_OUT_RETRY = 1,     /* anything else, inside the retry period: queued, next_try_us */
    WEBHOOK_OUT_FAILED = 2,    /* anything else, and the retry period is over */
};

/* Update r after a try at now_us that got HTTP status (0: no response at all): attempts + 1,
 * then delivered on 2xx; else queued for now + webhook_backoff_us, never past created_us +
 * retry_period_s (the last try happens at the end of the period); else, when that end has come,
 * failed. Delivered and failed rows keep the time of their last try in next_try_us. */
enum webhook_outcome webhook_row_after_try(struct webhook_row *r, int status, int64_t now_us,
                                           uint32_t retry_min_s, uint32_t retry_period_s,
                                           uint32_t rand32);

#define WEBHOOK_HEADER_COUNT 6
#define WEBHOOK_HEADER_VALUE_MAX (WEBHOOK_HOST_MAX + 16)

struct webhook_header {
    const char *name;
    char value[WEBHOOK_HEADER_VALUE_MAX];
};

/* The headers of a try of r to t, signed at t_s (Unix seconds) with sig (64 hex digits): Host,
 * Content-Type, User-Agent, Mandat-Event-Id, Mandat-Signature "t=<t_s>,v1=<sig>" and
 * Connection: close (one request per connection). out holds the signature: wipe it after. */
void webhook_headers_make(const struct webhook_target *t, const struct webhook_row *r, int64_t t_s,
                          const char *sig, struct webhook_header out[WEBHOOK_HEADER_COUNT]);

/* "payment_request.confirmed" and the like are printable ASCII; a type from a damaged row is
 * shown as "?" characters in logs. Writes at most cap bytes with NUL. */
void webhook_text_safe(const char *in, char *out, size_t cap);

#endif
