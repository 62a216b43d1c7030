/* SPDX-License-Identifier: Apache-2.0 */
/* The Kannel-compatible HTTP endpoint: messages received in Kannel smsbox's get-url/post-url
 * form (/kannel/mo), answered only once they are durable, with the reply to the sender as the
 * response body (smsbox sends it back as the reply SMS); and the dev phone's inbox
 * (/dev/outbox), and the delivery reports of messages sent through Kannel's sendsms
 * (/kannel/dlr?id=...&status=%d). Protocol only: what a message means is the handler's business. */
#ifndef MDT_CHANNEL_KANNEL_KANNEL_H
#define MDT_CHANNEL_KANNEL_KANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "channel/http/http_guard.h"
#include "dialog/dialog.h"

struct event_base;
struct kannel;
struct kannel_request;

struct kannel_handlers {
    /* A message arrived: answer it later with kannel_reply(req, ...). */
    void (*mo)(void *ctx, const struct dialog_message *m, struct kannel_request *req);
    /* Messages waiting for dest (the dev phone): copy up to max into out, return the count. */
    size_t (*outbox_take)(void *ctx, const char *dest, struct outbox_row *out, size_t max);
    /* A delivery report for the message sent with peer_id (sendsms dlr-url): stat DELIVRD,
     * UNDELIV or REJECTD. Optional. */
    void (*dlr)(void *ctx, const char *peer_id, const char *stat);
    void *ctx;
    /* Paths not served here (a struct evhttp_request *): true when answered. Optional. */
    bool (*other)(void *other_ctx, void *req);
    void *other_ctx;
    /* Which audience this listener serves. Internal: /kannel/mo and /kannel/dlr (when
     * mo_secret or mo_allow is set), /dev/outbox and /dev/mo (dev_mode), the probes, then
     * other(). Public: the probes, then other(); nothing that speaks for a phone. */
    bool internal;
    bool dev_mode;         /* internal only: serve /dev/outbox and /dev/mo (no credential) */
    const char *mo_secret; /* the shared secret Kannel's get-url carries (?secret=), or "" */
    const char
        *mo_allow; /* addresses and CIDRs that may call the gateway endpoints, or "" for any */
    const char *tls_cert; /* PEM files: both set, the server speaks HTTPS only; NULL or "": HTTP */
    const char *tls_key;
    /* Bounds on requests and connections (http_guard.h); NULL: the defaults. */
    const struct http_guard_limits *limits;
};

/* Listen on "host:port" (e.g. 127.0.0.1:8710), over TLS when h names a certificate and key
 * (errors say which file is wrong), for h->internal's audience, behind the guard of
 * http_guard.h with h->limits. h is copied (h->limits too), the strings it points to are not
 * (they must outlive the listener). A malformed mo_allow is -MDT_EINVAL. *out: kannel_free(). */
int kannel_listen(struct event_base *base, const char *listen, const struct kannel_handlers *h,
                  struct kannel **out, struct mdt_err *err);
void kannel_free(struct kannel *k);

/* The address the listener is bound to, "host:port" ("[v6]:port"), written into out (cap bytes):
 * the port the kernel chose when the config said port 0. Errors: IO (not bound, or out too
 * small). */
int kannel_local_addr(const struct kannel *k, char *out, size_t cap);

/* Answer a message: rc and replies as service_ack_fn. Returns true when the replies went out
 * in the HTTP response (always, on success). The request is freed. */
bool kannel_reply(struct kannel_request *req, int rc, const char *const *replies, size_t n);

#endif
