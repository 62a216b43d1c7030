/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's social wiring: posts and direct messages into the service, their acknowledgements,
 * and the polling cursors saved through the engine. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/api/api.h"
#include "channel/api/ops.h"
#include "channel/api/request_json.h"
#include "channel/kannel/kannel.h"
#include "channel/kannel/kannel_send.h"
#include "channel/smpp/session.h"
#include "channel/smpp/smpp_pdu.h"
#include "channel/social/social.h"
#include "channel/web/web.h"
#include "channel/webhook/webhook.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "mandatd/config.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "mandatd/smpp_links.h"
#include "store/store.h"
#include "vault/vault.h"

/* ---- the social channel ---- */

struct social_call {
    void (*done)(void *arg, int rc);
    void *arg;
};

static bool social_ack(void *ctx, int rc, const char *const *replies, size_t n)
{
    struct social_call *c = ctx;

    (void)replies;
    (void)n;
    c->done(c->arg, rc);
    free(c);
    return false; /* replies go out through the outbox */
}

static void social_receive(void *ctx, const struct dialog_message *m, void *arg,
                           void (*done)(void *arg, int rc))
{
    struct daemon *d = ctx;
    struct social_call *c = calloc(1, sizeof(*c));

    MDT_ASSERT(c != NULL);
    c->done = done;
    c->arg = arg;
    service_receive(d->service, m, c, social_ack);
}

struct cursor_save {
    struct daemon *d;
    struct store_extra row;
    void (*done)(void *arg, int rc);
    void *arg;
    int rc;
    struct event *ev;
};

static void cursor_on_loop(evutil_socket_t fd, short what, void *arg)
{
    struct cursor_save *cs = arg;

    (void)fd;
    (void)what;
    cs->done(cs->arg, cs->rc);
    event_free(cs->ev);
    free(cs);
}

/* Ledger thread: back to the loop. */
static void cursor_saved(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct cursor_save *cs = ctx;

    (void)res;
    (void)n;
    cs->rc = rc;
    event_active(cs->ev, EV_TIMEOUT, 0);
}

static void social_save_cursor(void *ctx, const char *since_id, void *arg,
                               void (*done)(void *arg, int rc))
{
    struct daemon *d = ctx;
    struct cursor_save *cs = calloc(1, sizeof(*cs));

    MDT_ASSERT(cs != NULL);
    cs->d = d;
    cs->done = done;
    cs->arg = arg;
    cs->ev = event_new(d->base, -1, 0, cursor_on_loop, cs);
    MDT_ASSERT(cs->ev != NULL);
    cs->row.kind = EXTRA_SOCIAL_CURSOR;
    snprintf(cs->row.u.social_cursor.network, sizeof(cs->row.u.social_cursor.network), "mastodon");
    snprintf(cs->row.u.social_cursor.since_id, sizeof(cs->row.u.social_cursor.since_id), "%s",
             since_id);
    if (engine_submit_rows(d->engine, NULL, 0, &cs->row, 1, 1, NULL, NULL, cs, cursor_saved) < 0) {
        cs->rc = MDT_E(FULL);
        event_active(cs->ev, EV_TIMEOUT, 0);
    }
}

static void social_sent(void *ctx, struct id128 id, int rc, const char *peer_id)
{
    struct daemon *d = ctx;

    service_outbox_submitted(d->service, id, rc, peer_id);
}

static int social_submit(void *ctx, const struct outbox_row *r)
{
    return social_offer(ctx, r);
}

static bool social_ready(void *ctx)
{
    (void)ctx;
    return true;
}

static int cursor_loaded(void *ctx, const struct social_cursor_row *r)
{
    if (strcmp(r->network, "mastodon") == 0) {
        snprintf(ctx, STORE_PEER_ID_MAX, "%s", r->since_id);
    }
    return 0;
}

/* Posts on X (webhook) and Mastodon (polling), when configured. */
int daemon_start_social(struct daemon *d, struct mdt_err *err)
{
    static const struct store_channel_fns fns = {.social_cursor = cursor_loaded};
    const struct mandat_config *cfg = d->cfg;
    struct social_handlers h = {.receive = social_receive,
                                .save_cursor = social_save_cursor,
                                .sent = social_sent,
                                .ctx = d};
    struct service_sender snd = {.submit = social_submit, .ready = social_ready};
    struct social_config sc = {.mastodon_poll_ms = cfg->social.mastodon_poll_ms,
                               .timeout_s = cfg->social.timeout_s,
                               .retry_min_s = cfg->social.retry_min_s,
                               .retry_period_s = cfg->social.retry_period_s,
                               .allow_private = true}; /* URLs the operator chose */
    char since_id[STORE_PEER_ID_MAX] = "";
    int rc;

    bool x = vault_x_secret_held(d->vault);

    if (!x && cfg->social.mastodon_url[0] == '\0') {
        return 0;
    }
    sc.vault = d->vault;
    snprintf(sc.handle, sizeof(sc.handle), "%s", cfg->social.handle);
    snprintf(sc.x_api, sizeof(sc.x_api), "%s", cfg->social.x_api);
    snprintf(sc.x_bearer_token, sizeof(sc.x_bearer_token), "%s", cfg->social.x_bearer_token);
    snprintf(sc.x_user_id, sizeof(sc.x_user_id), "%s", cfg->social.x_user_id);
    snprintf(sc.mastodon_url, sizeof(sc.mastodon_url), "%s", cfg->social.mastodon_url);
    snprintf(sc.mastodon_token, sizeof(sc.mastodon_token), "%s", cfg->social.mastodon_token);
    snprintf(sc.tls_ca_file, sizeof(sc.tls_ca_file), "%s", cfg->social.tls_ca_file);
    rc = store_channel_load(d->store, &fns, since_id, INT64_MAX, err);
    if (rc == 0) {
        rc = social_start(d->base, &sc, &h, since_id, &d->social, err);
    }
    memset(&sc, 0, sizeof(sc)); /* tokens */
    if (rc == 0) {
        snd.ctx = d->social;
        service_social_sender_set(d->service, &snd);
        log_info("social channel: %s%s%s", x ? "X webhook" : "",
                 x && cfg->social.mastodon_url[0] != '\0' ? ", " : "",
                 cfg->social.mastodon_url[0] != '\0' ? "Mastodon polling" : "");
    }
    return rc;
}
