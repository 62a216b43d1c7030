/* SPDX-License-Identifier: Apache-2.0 */
/* One ISO 8583 link of the issuer host (issue 15, `[iso8583.<name>]`): a TCP listener that
 * several switches connect to, or an outbound connection kept up with backoff; 2-byte length
 * framing; network management answered here (echo 301, sign-on 001, sign-off 002: 0800/0810
 * both ways, an echo sent on an idle connection and the connection dropped when it goes
 * unanswered); every other request handed to the caller's callback, at most inflight_max per
 * connection at once, the rest answered 91 at once. No money logic: what a request gets is the
 * caller's answer. Plain TCP or TLS (with a client certificate check on a listener). Runs on
 * one libevent loop; not thread-safe. */
#ifndef MDT_CHANNEL_ISO8583_ISO_LINK_H
#define MDT_CHANNEL_ISO8583_ISO_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "channel/iso8583/iso8583.h"

struct event_base;
struct iso_link;
struct iso_link_request;

/* The bounds of a link (connections, requests in flight) are in base/limits.h. */

struct iso_link_config {
    const char *name;      /* for logs: the <name> of [iso8583.<name>] */
    const char *listen;    /* "IP:port" (port 0: the kernel's choice), or NULL */
    const char *connect;   /* "IP:port" to connect to, or NULL; exactly one of the two */
    size_t inflight_max;   /* per connection, 1 to ISO_LINK_INFLIGHT_MAX */
    size_t frame_max;      /* largest frame read (0: ISO8583_MSG_MAX) */
    unsigned echo_idle_ms; /* send 0800/301 after this long without traffic (0: never) */
    unsigned echo_wait_ms; /* drop the connection when that echo is not answered in time */
    unsigned reconnect_ms; /* first wait before reconnecting (doubles to 30 s) */
    bool sign_on;          /* outbound: send 0800/001 once connected */
    /* The table as this link's switch sends it: field 52 of 16 bytes when its zone PIN key is
     * AES (ISO 9564 format 4), else zeroed (8 bytes, TDES). */
    struct iso8583_profile profile;
    /* TLS, all NULL for plain TCP. A listener needs tls_cert and tls_key (PEM) and, with
     * tls_ca, refuses a peer without a certificate signed by that CA. An outbound link needs
     * tls_ca to check the switch's certificate (against the connect IP) and presents
     * tls_cert/tls_key when given. TLS 1.2 at least. */
    const char *tls_cert;
    const char *tls_key;
    const char *tls_ca;
};

/* Counters of a link, over all its connections since it started. */
struct iso_link_stats {
    uint64_t connections;  /* accepted or made */
    uint64_t requests;     /* handed to the callback */
    uint64_t refused_busy; /* answered 91: inflight_max reached */
    uint64_t malformed;    /* frames that did not parse (logged, not answered) */
    uint64_t echoes_sent;  /* 0800/301 sent by us */
    uint64_t echoes_answered;
    uint64_t network_answered; /* 0800 of the peer answered */
    size_t open;               /* connections open now */
    size_t in_flight;          /* requests waiting for the caller's answer now */
    bool signed_on;            /* outbound: the peer answered our sign-on 00 */
};

/* Called for each request (an 01xx, 02xx, 04xx request or advice) within the in-flight
 * limit: answer it once with iso_link_answer, now or later. msg's slices live as long as rq. */
typedef void (*iso_link_request_cb)(struct iso_link_request *rq, const struct iso8583_msg *msg,
                                    void *arg);

/* Check cfg and start listening or connecting on base. *out: iso_link_free. -MDT_EINVAL with
 * err saying which setting is wrong (a TLS file that does not load included); -MDT_EIO when the
 * address cannot be bound. */
int iso_link_start(struct event_base *base, const struct iso_link_config *cfg,
                   iso_link_request_cb cb, void *arg, struct iso_link **out, struct mdt_err *err);

/* The request's message (slices into rq's own copy of the frame). */
const struct iso8583_msg *iso_link_request_msg(const struct iso_link_request *rq);

/* Send resp (built from iso8583_response_init of the request) on the connection the request
 * came by, and release rq (never use it again, whatever the result). -MDT_EIO when that
 * connection is gone (nothing sent), -MDT_EPARSE when resp does not build (err says why). */
int iso_link_answer(struct iso_link_request *rq, const struct iso8583_msg *resp,
                    struct mdt_err *err);

/* The listening port (after port 0), or 0 for an outbound link. */
int iso_link_port(const struct iso_link *l);

void iso_link_stats(const struct iso_link *l, struct iso_link_stats *out);

/* Close every connection and the listener. Requests not yet answered stay valid: their
 * iso_link_answer returns -MDT_EIO and releases them (they never point at a freed link). NULL
 * is allowed. */
void iso_link_free(struct iso_link *l);

#endif
