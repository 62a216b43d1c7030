/* SPDX-License-Identifier: Apache-2.0 */
/* Webhooks: merchants' events POSTed to their URL, signed with a timestamp (docs/webhooks.md),
 * from the durable outbox of webhook rows, and retried with exponential backoff until their retry
 * period ends. A sender on the event loop with a bounded memory: the store keeps every event
 * and its state, and rows that do not fit now are offered again by the next poll. */
#ifndef MDT_CHANNEL_WEBHOOK_WEBHOOK_H
#define MDT_CHANNEL_WEBHOOK_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "ledger/ledger_types.h"
#include "store/store_channel.h"

struct event_base;
struct webhook_sender;

#define WEBHOOK_SIG_HEX_MAX SHA256_HEX_MAX /* hex(HMAC-SHA256): 64 digits and NUL */
#define WEBHOOK_CA_FILE_MAX 512

struct webhook_config {
    uint32_t timeout_s;            /* one try at most: DNS, connect, TLS, request and response */
    uint32_t concurrency;          /* requests in flight at most, 1..WEBHOOK_CONCURRENCY_MAX */
    uint32_t merchant_concurrency; /* of those, to one merchant at most; 1..concurrency works */
    uint32_t retry_min_s;          /* nominal wait after the first failed try; doubles after each */
    uint32_t retry_period_s;       /* no new try this long after the event's created_us */
    char tls_ca_file[WEBHOOK_CA_FILE_MAX]; /* PEM trust anchors for https; "": the system's */
    bool allow_private; /* send to special-purpose addresses too (tests, on-premises) */
};

struct webhook_handlers {
    /* Write into sig the hex HMAC-SHA256 of "<t>." body with the merchant's secret (main.c: the
     * vault). Called on the loop thread right before each try; the sender puts sig in the
     * Mandat-Signature header only, never in a log, and wipes its copies afterwards. */
    void (*sign)(void *ctx, uint64_t merchant_id, int64_t t, const char *body, size_t len,
                 char sig[WEBHOOK_SIG_HEX_MAX]);
    /* Persist r's new state, attempts and next_try_us (an EXTRA_WEBHOOK_STATE row). r is only
     * valid during the call. Return 0, then call webhook_sender_saved(ws, r->id, rc) exactly
     * once when it is durable or failed, from any thread; or return < 0 when it could not even
     * be queued: the sender asks again a second later. */
    int (*save)(void *ctx, const struct webhook_row *r);
    void *ctx;
};

/* The defaults of docs/mandat.conf [webhook]: 10 s timeout, 16 in flight and 4 of them to one
 * merchant, first retry after 10 s, tries for 24 h, the system's trust store. */
void webhook_config_default(struct webhook_config *cfg);

/* Create the sender on base (the loop thread owns it from then on): checks cfg, loads the TLS
 * trust anchors and starts the DNS resolver. *out: webhook_sender_free. Errors: -MDT_EINVAL
 * (cfg out of range, unreadable tls_ca_file; err says which), -MDT_ENOMEM. */
int webhook_sender_start(struct event_base *base, const struct webhook_config *cfg,
                         const struct webhook_handlers *h, struct webhook_sender **out,
                         struct mdt_err *err);

/* Queue a copy of r (state WEBHOOK_QUEUED) to be sent as soon as a connection is free: to one
 * merchant merchant_concurrency at most at once, and merchants with fewer tries in flight
 * first, then the oldest. A host that is, or resolves to, a special-purpose address (unless
 * allow_private) makes the event WEBHOOK_REFUSED, never sent. Returns 0 when queued, 1 when an
 * event with this id is already queued, in flight or being saved (the offer is ignored), 2 when
 * memory is short and r's merchant holds its share already (WEBHOOK_QUEUE_RESERVE: leave it in
 * the store and offer the next rows, other merchants' may fit), -MDT_EFULL when
 * WEBHOOK_QUEUE_MAX events are in memory or WEBHOOK_SKIPS_MAX offers were turned down for their
 * merchant's share within WEBHOOK_SKIPS_WINDOW_US (leave it in the store and stop offering: the
 * next poll offers it again), -MDT_EINVAL when r is not queued. Loop thread only. Cost: O(1) when
 * r's merchant holds its share, else O(events in memory), a scan for the id. */
int webhook_sender_offer(struct webhook_sender *ws, const struct webhook_row *r);

/* The handlers' save of event id finished: rc 0 when durable. The sender then forgets the event
 * (a later poll may offer it again when it is due). Thread-safe: the engine's done callback may
 * call it on the ledger thread (the loop's base must then have libevent's thread support, as
 * mandatd's has); the work happens on the loop thread. */
void webhook_sender_saved(struct webhook_sender *ws, struct id128 id, int rc);

/* Events held in memory now: queued, in flight or being saved. Loop thread only. */
size_t webhook_sender_depth(const struct webhook_sender *ws);

/* Stop: requests in flight are abandoned and their rows stay queued in the store, to be sent
 * again after a restart (delivery is at least once; merchants deduplicate by event id). Call
 * after the engine stopped, so that no webhook_sender_saved call is still to come. NULL is
 * allowed. */
void webhook_sender_free(struct webhook_sender *ws);

#endif
