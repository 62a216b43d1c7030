/* SPDX-License-Identifier: Apache-2.0 */
/* The social channel's I/O: the X Account Activity webhook (CRC challenge, signed events),
 * Mastodon polling of mentions (since_id, Link pagination), and the replies from the outbox,
 * as public replies in the post's thread or as direct messages, retried with backoff and
 * waiting for the network's rate-limit reset on 429. Posts become dialog messages; nothing here
 * knows about money. Loop thread only. */
#ifndef MDT_CHANNEL_SOCIAL_SOCIAL_H
#define MDT_CHANNEL_SOCIAL_SOCIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "dialog/dialog.h"
#include "store/store_channel.h"

struct event_base;
struct social;
struct vault;

struct social_config {
    char handle[STORE_ADDR_MAX]; /* "@mandat", for logs */
    /* Answers X's CRC challenges and checks its signatures (vault_x_sign, vault_x_signature_ok):
     * the X webhook is served when it holds the consumer secret. Borrowed; may be NULL. */
    const struct vault *vault;
    char x_api[256]; /* "https://api.x.com" */
    char x_bearer_token[512];
    char x_user_id[32];
    char mastodon_url[256]; /* "": no polling */
    char mastodon_token[256];
    uint32_t mastodon_poll_ms;
    uint32_t timeout_s;
    uint32_t retry_min_s;
    uint32_t retry_period_s;
    char tls_ca_file[512];
    bool allow_private; /* the networks' URLs may be private addresses (tests) */
};

/* What the channel asks of mandatd. */
struct social_handlers {
    /* Handle message m; call done(arg, rc) once it is durable (0), a redelivery (-MDT_EEXISTS)
     * or refused for now (other rc < 0). */
    void (*receive)(void *ctx, const struct dialog_message *m, void *arg,
                    void (*done)(void *arg, int rc));
    /* Persist Mastodon's cursor (a social_cursor row); done as above. */
    void (*save_cursor)(void *ctx, const char *since_id, void *arg,
                        void (*done)(void *arg, int rc));
    /* Outbox row id went out (rc 0, with the network's id of the post) or was given up. */
    void (*sent)(void *ctx, struct id128 id, int rc, const char *peer_id);
    void *ctx;
};

/* Start on base; since_id is where Mastodon polling resumes ("" from the newest page).
 * *out: social_free. -MDT_EINVAL with err on a bad URL or CA file. */
int social_start(struct event_base *base, const struct social_config *cfg,
                 const struct social_handlers *h, const char *since_id, struct social **out,
                 struct mdt_err *err);
void social_free(struct social *s);

/* Serve req (a struct evhttp_request *) when it is the X webhook (/social/x/webhook). */
bool social_handle_http(struct social *s, void *req);

/* Queue an outbox row of CHANNEL_SOCIAL for sending: 0, or -MDT_EFULL (keep it for later). */
int social_offer(struct social *s, const struct outbox_row *r);

/* Replies held in memory (queued, waiting or in flight). */
size_t social_depth(const struct social *s);

#endif
