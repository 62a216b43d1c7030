/* SPDX-License-Identifier: Apache-2.0 */
/* Sending SMS through Kannel's sendsms interface (smsbox's /cgi-bin/sendsms), for operators who
 * already run Kannel in front of their SMSC: an HTTP client on the event loop with a bounded
 * number of requests in flight, and delivery reports asked back on mandat's /kannel/dlr. */
#ifndef MDT_CHANNEL_KANNEL_KANNEL_SEND_H
#define MDT_CHANNEL_KANNEL_KANNEL_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store_channel.h"

struct event_base;
struct kannel_send;

struct kannel_send_config {
    char url[256]; /* http://host:port/cgi-bin/sendsms */
    char username[64];
    char password[64];    /* a secret: never logged */
    char dlr_url[256];    /* http://our-host:port/kannel/dlr, or "" for no delivery reports */
    char dlr_secret[128]; /* [kannel] mo_secret, added to the dlr-url so reports authenticate */
    uint32_t in_flight;   /* requests at most at once (10) */
};

struct kannel_send_handlers {
    /* Kannel took the message (rc 0; peer_id is the id mandat gave it for reports) or refused it
     * for good (rc < 0). A failure to reach Kannel is not reported: the row stays queued. */
    void (*submitted)(void *ctx, struct id128 outbox_id, int rc, const char *peer_id);
    /* Rows Kannel could not take now, to queue again. */
    void (*requeue)(void *ctx, const struct outbox_row *r);
    void *ctx;
};

int kannel_send_start(struct event_base *base, const struct kannel_send_config *cfg,
                      const struct kannel_send_handlers *h, struct kannel_send **out,
                      struct mdt_err *err);
/* service_sender.submit: 0 when sent off, -MDT_EFULL when in_flight requests are out. */
int kannel_send_submit(void *ks, const struct outbox_row *r);
/* service_sender.ready */
bool kannel_send_ready(void *ks);
void kannel_send_free(struct kannel_send *ks);

#endif
