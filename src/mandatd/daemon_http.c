/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's HTTP wiring: the merchant API and its probes, the webhook sender's persistence, and
 * the two listeners (public, internal) with their routes. */
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
#include "mandatd/card_topups.h"
#include "mandatd/config.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "mandatd/smpp_links.h"
#include "store/store.h"
#include "vault/vault.h"

static int api_submit(void *ctx, struct dialog_step *s, void *call,
                      void (*done)(void *call, int rc, const struct dialog_step *s))
{
    return service_submit(ctx, s, call, done);
}

/* /readyz: the store answers, and the SMSC link is bound when one is configured. */
static bool ops_ready(void *ctx, char *why, size_t cap)
{
    struct daemon *d = ctx;
    struct mdt_err err = {0};
    bool changed = false;

    if (!engine_store_ok(d->engine)) {
        snprintf(why, cap, "the store cannot commit since %lld ms: channels push back",
                 (long long)((clock_now_us() - engine_store_down_since(d->engine)) / 1000));
        return false;
    }
    if (d->reader == NULL || store_changed(d->reader, &changed, &err) < 0) {
        snprintf(why, cap, "the store does not answer: %s", err.msg);
        return false;
    }
    if (d->links != NULL && smpp_links_bound(d->links) == 0) {
        snprintf(why, cap,
                 "not bound to any SMSC (%zu binds configured): check [smpp] and the "
                 "operator's link",
                 smpp_links_count(d->links));
        return false;
    }
    return true;
}

static void read_totals(void *ctx, const struct ledger *l)
{
    struct ledger_totals *t = ctx;

    ledger_totals_get(l, t);
}

/* /metrics: the gauges read at scrape time. */
static void ops_gauges(void *ctx, struct metrics_gauges *g)
{
    struct daemon *d = ctx;
    struct ledger_totals t = {0};

    engine_read(d->engine, read_totals, &t);
    g->transfers = t.transfers;
    g->transfers_pending = t.pending_open;
    g->rejections = t.rejections;
    g->outbox_depth = service_outbox_depth(d->service);
    if (d->links != NULL) {
        struct smpp_session_stats st;

        smpp_links_stats(d->links, &st);
        g->smpp_window_in_use = st.submit_in_flight;
        g->smpp_bound = smpp_links_bound(d->links);
        g->smpp_mo_unconfirmed = st.mo_unconfirmed;
    }
}

/* The path of req, or "" when it has none. */
static const char *req_path(void *req)
{
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

    return path != NULL ? path : "";
}

/* Seconds a client is told to wait while the store cannot commit: the PostgreSQL store's
 * longest reconnect backoff, and the engine probes the store four times a second. */
#define STORE_DOWN_RETRY_AFTER "5"

/* While the store cannot commit, a request that would write (anything but GET and HEAD) is
 * answered 503 with Retry-After before it reaches the API, the pages or the social webhooks:
 * nothing is accepted that cannot be recorded. True when answered. */
static bool store_down_reply(const struct daemon *d, struct evhttp_request *req)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(req);

    if (engine_store_ok(d->engine) || m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD) {
        return false;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
                      STORE_DOWN_RETRY_AFTER);
    api_problem(req, 503, "store-unavailable", "Temporarily unable to record payments",
                "the service cannot record payments right now (its database does not commit): "
                "nothing was done; retry later");
    return true;
}

/* The public listener: the probes, the social webhooks, the API, then the wallet pages. Never
 * the dev pages, and /metrics only with [http] metrics_token as a bearer token. */
static bool public_handle_req(void *ctx, void *req)
{
    struct daemon *d = ctx;
    struct ops_handlers ops = {.ready = ops_ready,
                               .gauges = ops_gauges,
                               .ctx = d,
                               .metrics_token = d->cfg->http.metrics_token};
    const char *path = req_path(req);

    if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/kannel/", 8) == 0) {
        api_problem(req, 404, "not-found", "Not found",
                    "not on this listener: the gateway and development endpoints are on "
                    "[http] internal_listen");
        return true;
    }
    if (ops_handle(&ops, req) || store_down_reply(d, req) || social_handle_http(d->social, req) ||
        (d->api != NULL && api_handle(d->api, req)) ||
        (d->web != NULL && web_handle(d->web, req))) {
        return true;
    }
    api_problem(req, 404, "not-found", "Not found", "no such page: the API is under /v1");
    return true;
}

/* The internal listener: the probes, /metrics, and the dev phone's page in dev mode. */
static bool internal_handle_req(void *ctx, void *req)
{
    struct daemon *d = ctx;
    struct ops_handlers ops = {.ready = ops_ready, .gauges = ops_gauges, .ctx = d};
    const char *path = req_path(req);

    if (ops_handle(&ops, req) ||
        ((strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/static/", 8) == 0) && d->web != NULL &&
         web_handle(d->web, req))) {
        return true;
    }
    api_problem(req, 404, "not-found", "Not found",
                "the internal listener serves /kannel/mo, /kannel/dlr (with [kannel] mo_secret "
                "or mo_allow), /metrics, /readyz, /healthz and, in dev mode, /dev/phone");
    return true;
}

/* The merchant API, with its keys and recent idempotency records. */
int daemon_start_api(struct daemon *d, struct mdt_err *err)
{
    struct api_config ac = {.base = d->base,
                            .dialog = d->dialog,
                            .submit = api_submit,
                            .submit_ctx = d->service,
                            .engine = d->engine,
                            .reader = d->api_reader,
                            .vault = d->vault,
                            .rate_per_s = d->cfg->http.api_rate,
                            .bank_account = d->bank_account};
    struct store_channel_fns fns = {.api_key = api_key_loaded,
                                    .idempotency = api_idempotency_loaded};
    struct web_config wc = {.dialog = d->dialog,
                            .vault = d->vault,
                            .dev_mode = d->cfg->http.dev_mode != 0,
                            .reader = d->reader,
                            .submit = api_submit,
                            .submit_ctx = d->service};
    int rc = api_create(&ac, &d->api, err);

    if (rc == 0) {
        rc = card_topups_start(d->base, d->cfg, d->dialog, d->cards, api_submit, d->service,
                               &d->acquirer, &d->topups, err);
        wc.topup = d->topups; /* the top-up pages (/t/<token>) */
    }
    if (rc == 0) {
        rc = web_create(&wc, &d->web, err);
    }

    if (rc == 0) {
        rc = store_channel_load(d->store, &fns, d->api, clock_now_us() - (int64_t)86400 * 1000000,
                                err);
    }
    return rc;
}

/* The merchant's secret never leaves the vault: only the signature comes out. */
static void webhook_sign(void *ctx, uint64_t merchant_id, int64_t t, const char *body, size_t len,
                         char sig[WEBHOOK_SIG_HEX_MAX])
{
    struct daemon *d = ctx;

    vault_webhook_sign(d->vault, merchant_id, t, body, len, sig);
}

struct webhook_save {
    struct daemon *d;
    struct store_extra row;
};

/* Ledger thread: the state is durable (or not); the sender takes it from there. */
static void webhook_saved(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct webhook_save *ws = ctx;

    (void)res;
    (void)n;
    webhook_sender_saved(ws->d->webhooks, ws->row.u.webhook.id, rc);
    free(ws);
}

static int webhook_save(void *ctx, const struct webhook_row *r)
{
    struct daemon *d = ctx;
    struct webhook_save *ws = calloc(1, sizeof(*ws));
    int rc;

    if (ws == NULL) {
        return MDT_E(NOMEM);
    }
    ws->d = d;
    ws->row.kind = EXTRA_WEBHOOK_STATE;
    ws->row.u.webhook = *r;
    rc = engine_submit_rows(d->engine, NULL, 0, &ws->row, 1, 1, NULL, NULL, ws, webhook_saved);
    if (rc < 0) {
        free(ws);
    }
    return rc;
}

static void webhook_committed(void *ctx, const struct webhook_row *r)
{
    (void)webhook_sender_offer(ctx, r); /* full or known: the poll offers it later */
}

/* Merchants' events: sent from the store's webhooks table, and at once when a step commits one. */
int daemon_start_webhooks(struct daemon *d, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    struct webhook_config wc = {.timeout_s = cfg->webhook.timeout_s,
                                .concurrency = cfg->webhook.concurrency,
                                .merchant_concurrency = cfg->webhook.merchant_concurrency,
                                .retry_min_s = cfg->webhook.retry_min_s,
                                .retry_period_s = cfg->webhook.retry_period_s,
                                .allow_private = cfg->webhook.allow_private != 0};
    struct webhook_handlers h = {.sign = webhook_sign, .save = webhook_save, .ctx = d};
    int rc;

    _Static_assert(sizeof(wc.tls_ca_file) == sizeof(cfg->webhook.tls_ca_file), "same paths");
    memcpy(wc.tls_ca_file, cfg->webhook.tls_ca_file, sizeof(wc.tls_ca_file));
    rc = webhook_sender_start(d->base, &wc, &h, &d->webhooks, err);
    if (rc == 0) {
        service_webhook_hook_set(d->service, webhook_committed, d->webhooks);
    }
    return rc;
}

/* Whether "host:port" asks for port 0, the kernel's choice. */
bool daemon_listen_port_zero(const char *listen)
{
    const char *colon = strrchr(listen, ':');

    return colon != NULL && strcmp(colon + 1, "0") == 0;
}

/* The public and the internal listener (DESIGN.md, "Who may speak for a phone"). */
int daemon_start_listeners(struct daemon *d, struct kannel_handlers *h, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    /* What one client may send and hold, on both listeners (http_guard.h copies it). */
    struct http_guard_limits lim = {
        .request_line_max = cfg->http.max_request_line,
        .header_count_max = cfg->http.max_headers,
        .head_bytes_max = cfg->http.max_header_bytes,
        .request_deadline_ms = cfg->http.request_timeout_s * 1000,
        .connections_max = cfg->http.max_connections,
        .connections_per_addr_max = cfg->http.max_connections_addr,
    };
    int rc = 0;

    h->limits = &lim;
    h->dev_mode = cfg->http.dev_mode != 0;
    h->mo_secret = cfg->kannel.mo_secret;
    h->mo_allow = cfg->kannel.mo_allow;
    if (cfg->http_listen[0] != '\0' && strcmp(cfg->http_listen, cfg->http_internal_listen) == 0 &&
        !daemon_listen_port_zero(cfg->http_listen)) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[http] internal_listen must differ from listen: the gateway and "
                           "/metrics must not face the internet");
    }
    if (cfg->http_listen[0] != '\0') {
        h->internal = false;
        h->other = public_handle_req;
        h->other_ctx = d;
        h->tls_cert = cfg->http.tls_cert;
        h->tls_key = cfg->http.tls_key;
        if ((h->tls_cert[0] != '\0') != (h->tls_key[0] != '\0')) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "[http] tls_cert and tls_key go together: set both, or neither");
        }
        rc = kannel_listen(d->base, cfg->http_listen, h, &d->kannel, err);
        if (rc == 0) {
            rc = kannel_local_addr(d->kannel, d->public_addr, sizeof(d->public_addr));
        }
    }
    if (rc == 0 && cfg->http_internal_listen[0] != '\0') {
        h->internal = true;
        h->other = internal_handle_req;
        h->other_ctx = d;
        h->tls_cert = NULL; /* loopback or the operator's own network: plain HTTP */
        h->tls_key = NULL;
        rc = kannel_listen(d->base, cfg->http_internal_listen, h, &d->kannel_internal, err);
        if (rc == 0) {
            rc = kannel_local_addr(d->kannel_internal, d->internal_addr, sizeof(d->internal_addr));
        }
    }
    h->limits = NULL; /* lim ends here; kannel_listen kept its own copy */
    if (rc == 0 && (cfg->kannel.mo_secret[0] != '\0' || cfg->kannel.mo_allow[0] != '\0') &&
        cfg->http_internal_listen[0] == '\0') {
        log_warn("[kannel] mo_secret or mo_allow is set but [http] internal_listen is not: "
                 "nothing receives messages from Kannel");
    }
    return rc;
}
