/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd: reads mandat.conf, opens the store, recovers the ledger view, runs the engine, the
 * SMS dialog and the Kannel-compatible HTTP endpoint on one event loop, and stops cleanly on
 * SIGTERM or SIGINT; SIGHUP reads associations and API keys again at once. */
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
#include "mandatd/service.h"
#include "mandatd/smpp_links.h"
#include "store/store.h"
#include "vault/vault.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mandatd [--config FILE] [--db PATH] [--ports-file PATH]\n"
                 "\n"
                 "Runs the mandat daemon: the ledger engine on the store named in the config.\n"
                 "  --config FILE  configuration (default: mandat.conf if present, else defaults;\n"
                 "                 see docs/mandat.conf)\n"
                 "  --db PATH      database file, overrides [store] path\n"
                 "  --ports-file PATH  once every listener is bound, write \"name host:port\"\n"
                 "                 a line (listen, internal_listen) to PATH, atomically: with\n"
                 "                 port 0 in the config, the ports the kernel chose\n"
                 "Stop it with SIGTERM or Ctrl-C: queued operations finish first. SIGHUP reads\n"
                 "associations and API keys made beside it at once (else within a second).\n");
}

static int parse_args(int argc, char **argv, struct mandat_config *cfg, const char **ports_file)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"ports-file", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL;
    const char *db = NULL;
    struct mdt_err err = {0};

    for (;;) {
        int c = getopt_long(argc, argv, "c:d:p:h", opts, NULL);

        if (c == -1) {
            break;
        }
        if (c == 'c') {
            config = optarg;
        } else if (c == 'd') {
            db = optarg;
        } else if (c == 'p') {
            *ports_file = optarg;
        } else if (c == 'h') {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mandatd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    config_defaults(cfg);
    if (config == NULL && access("mandat.conf", R_OK) == 0) {
        config = "mandat.conf";
    }
    if (config != NULL && config_load_file(cfg, config, &err) < 0) {
        fprintf(stderr, "mandatd: %s\n", err.msg);
        return 2;
    }
    if (db != NULL) {
        snprintf(cfg->store_path, sizeof(cfg->store_path), "%s", db);
    }
    return 0;
}

/* Everything mandatd runs, and the order to stop it in. */
struct daemon {
    const struct mandat_config *cfg;
    struct store *store;
    struct engine *engine;
    struct vault *vault;
    struct dialog *dialog;
    struct event_base *base;
    struct service *service;
    struct kannel *kannel;          /* the public listener */
    struct kannel *kannel_internal; /* Kannel, /metrics, /dev: never on the internet */
    struct smpp_links *links;       /* every bind of every SMSC link; NULL without [smpp] host */
    struct kannel_send *kannel_send;
    struct event *sigterm, *sigint, *sighup, *flush;
    struct store *reader;     /* a second, read-only connection: what other processes added */
    struct store *api_reader; /* a third, the API's reader thread's own (statements, journal) */
    struct api *api;
    struct web *web;
    struct acquirer *acquirer; /* [acquirer]; NULL when kind is none */
    struct topup_flow *topups; /* top-ups by bank card over it */
    uint64_t bank_account;     /* top-ups through the operator API come from it */
    struct webhook_sender *webhooks;
    struct social *social;  /* NULL without [social] x_consumer_secret or mastodon_url */
    const char *ports_file; /* --ports-file, or NULL */
    /* Where the listeners are bound ("" when off): the port the kernel chose for port 0. */
    char public_addr[80], internal_addr[80];
};

/* The deliver_sm_resp status for a message's outcome: ESME_ROK once committed (or already
 * handled), ESME_RX_T_APPN (temporary: the SMSC delivers it again later) otherwise. Replies go
 * out through the outbox and submit_sm. */
static void smpp_ack(void *ctx, int rc, const struct id128 *inbox_id)
{
    smpp_mo_ack(ctx, (rc == 0 || rc == MDT_E(EXISTS)) ? ESME_ROK : ESME_RX_T_APPN, inbox_id);
}

static void smpp_on_mo(void *ctx, const struct dialog_message *m, struct smpp_mo *mo)
{
    struct daemon *d = ctx;

    service_receive_tracked(d->service, m, mo, smpp_ack);
}

static void smpp_on_acks_read(void *ctx, const struct id128 *ids, size_t n)
{
    struct daemon *d = ctx;

    service_acks_read(d->service, ids, n);
}

static void smpp_on_acks_in_doubt(void *ctx, const struct id128 *ids, size_t n)
{
    struct daemon *d = ctx;

    service_acks_in_doubt(d->service, ids, n);
}

static void smpp_on_submitted(void *ctx, struct id128 id, int rc, uint32_t status,
                              const char *message_id)
{
    struct daemon *d = ctx;

    if (rc < 0) {
        log_warn("the SMSC refused a message for good: status 0x%08x", status);
    }
    service_outbox_submitted(d->service, id, rc, message_id);
}

static void smpp_on_receipt(void *ctx, const char *message_id, const char *stat)
{
    struct daemon *d = ctx;

    service_outbox_receipt(d->service, message_id, stat);
}

static void smpp_on_bound(void *ctx, bool up)
{
    struct daemon *d = ctx;

    if (up) {
        service_outbox_flush(d->service);
    }
}

/* Bind to the operator's SMSCs: [smpp] and each [smpp.<name>] with a host, `binds` sessions
 * each. Passwords are never logged. */
static int start_smpp(struct daemon *d, struct mdt_err *err)
{
    struct smpp_handlers h = {.mo = smpp_on_mo,
                              .submitted = smpp_on_submitted,
                              .receipt = smpp_on_receipt,
                              .bound = smpp_on_bound,
                              .acks_read = smpp_on_acks_read,
                              .acks_in_doubt = smpp_on_acks_in_doubt,
                              .ctx = d};
    struct service_sender snd;
    int rc = smpp_links_start(d->base, d->cfg, &h, &d->links, err);

    if (rc == 0 && d->links != NULL) {
        snd = smpp_links_sender(d->links);
        service_sender_set(d->service, &snd);
    }
    return rc;
}

static void kannel_on_submitted(void *ctx, struct id128 id, int rc, const char *peer_id)
{
    struct daemon *d = ctx;

    service_outbox_submitted(d->service, id, rc, peer_id);
}

static void kannel_on_requeue(void *ctx, const struct outbox_row *r)
{
    struct daemon *d = ctx;

    service_outbox_requeue(d->service, r);
}

/* Without an SMPP link, send replies through Kannel's sendsms when [kannel] says where. */
static int start_kannel_send(struct daemon *d, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    struct kannel_send_config kc = {.in_flight = 10};
    struct kannel_send_handlers h = {
        .submitted = kannel_on_submitted, .requeue = kannel_on_requeue, .ctx = d};
    struct service_sender snd = {.submit = kannel_send_submit, .ready = kannel_send_ready};
    int rc;

    if (cfg->smpp.host[0] != '\0' || cfg->kannel.sendsms_url[0] == '\0') {
        return 0;
    }
    snprintf(kc.url, sizeof(kc.url), "%s", cfg->kannel.sendsms_url);
    snprintf(kc.username, sizeof(kc.username), "%s", cfg->kannel.username);
    snprintf(kc.password, sizeof(kc.password), "%s", cfg->kannel.password);
    snprintf(kc.dlr_url, sizeof(kc.dlr_url), "%s", cfg->kannel.dlr_url);
    snprintf(kc.dlr_secret, sizeof(kc.dlr_secret), "%s", cfg->kannel.mo_secret);
    rc = kannel_send_start(d->base, &kc, &h, &d->kannel_send, err);
    vault_wipe(kc.password, sizeof(kc.password));
    if (rc == 0) {
        snd.ctx = d->kannel_send;
        service_sender_set(d->service, &snd);
    }
    return rc;
}

static void kannel_dlr(void *ctx, const char *peer_id, const char *stat)
{
    struct daemon *d = ctx;

    service_outbox_receipt(d->service, peer_id, stat);
}

/* Associations the CLI creates while mandatd runs: read the (small, at most
 * DIALOG_ASSOCIATIONS_MAX rows) table again through the reader connection. */
static void reload_associations(struct daemon *d)
{
    struct store_channel_fns fns = {.association = dialog_channel_fns()->association,
                                    .merchant = dialog_channel_fns()->merchant,
                                    .campaign = dialog_campaign_loaded,
                                    .code_order = dialog_code_order_loaded};
    struct mdt_err err = {0};

    if (d->reader != NULL && store_channel_load(d->reader, &fns, d->dialog, INT64_MAX, &err) < 0) {
        log_warn("cannot read new associations: %s (retried in a second)", err.msg);
    }
    if (d->reader != NULL && d->api != NULL) {
        struct store_channel_fns keys = {.api_key = api_key_loaded};

        if (store_channel_load(d->reader, &keys, d->api, INT64_MAX, &err) < 0) {
            log_warn("cannot read new API keys: %s (retried in a second)", err.msg);
        }
    }
}

static int webhook_due(void *ctx, const struct webhook_row *r)
{
    return webhook_sender_offer(ctx, r) == MDT_E(FULL) ? 1 : 0; /* full: the rest next second */
}

/* Webhook events whose next try has come, through the reader connection: those committed by any
 * process, those whose retry wait is over, those `mandat webhook replay` queued again. Cost: the
 * queued rows of the webhooks table (a partial index), once a second. */
static void poll_webhooks(struct daemon *d)
{
    struct store_channel_fns fns = {.webhook = webhook_due};
    struct mdt_err err = {0};

    if (d->webhooks != NULL && d->reader != NULL &&
        store_channel_load(d->reader, &fns, d->webhooks, clock_now_us(), &err) < 0) {
        log_warn("cannot read due webhook events: %s (retried in a second)", err.msg);
    }
}

/* Once a second: new associations, the dialog's own work, and what waits to be sent. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;

    (void)fd;
    (void)what;
    reload_associations(d);
    poll_webhooks(d);
    service_work(d->service);
    service_outbox_flush(d->service);
}

static void on_unbound(void *arg)
{
    struct daemon *d = arg;

    event_base_loopbreak(d->base);
}

/* SIGHUP: what the CLI made beside mandatd (associations, merchants, campaigns, API keys) is
 * read now rather than at the next second's poll; tests send it instead of waiting. */
static void on_reload(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    reload_associations(arg);
    log_info("SIGHUP received: associations and API keys read again");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;

    (void)what;
    log_info("%s received: finishing queued operations", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    if (d->links != NULL) {
        smpp_links_stop(d->links, on_unbound, d); /* unbind gracefully, then stop the loop */
    } else {
        event_base_loopbreak(d->base);
    }
}

static void kannel_mo(void *ctx, const struct dialog_message *m, struct kannel_request *req)
{
    struct daemon *d = ctx;

    service_receive(d->service, m, req, (service_ack_fn)kannel_reply);
}

static size_t kannel_outbox(void *ctx, const char *dest, struct outbox_row *out, size_t max)
{
    struct daemon *d = ctx;

    return service_outbox_take(d->service, dest, out, max);
}

struct suspense_ask {
    const char *currency;
    uint64_t id;
    uint64_t bank;
};

static void read_suspense(void *ctx, const struct ledger *l)
{
    struct suspense_ask *a = ctx;

    a->id = ledger_system_account(l, ACCOUNT_SUSPENSE, a->currency);
    a->bank = ledger_system_account(l, ACCOUNT_BANK, a->currency);
}

/* Money for a number with no wallet is held towards the suspense account for claim_period; the
 * ledger's own timeout on that hold, a little later, returns it even if mandatd is down then. */
static int claim_settings(struct daemon *d, struct dialog_config *dc, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    struct suspense_ask ask = {.currency = cfg->ledger.default_currency};
    uint32_t max = cfg->ledger.pending_timeout_max_s;

    if (cfg->sms.claim_period_s > max) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[sms] claim_period %u is above [ledger] pending_timeout_max %u: "
                           "lower it or raise pending_timeout_max",
                           (unsigned)cfg->sms.claim_period_s, (unsigned)max);
    }
    engine_read(d->engine, read_suspense, &ask);
    if (ask.id == 0) {
        log_warn("no suspense account in %s (run mandat init): money sent to numbers with no "
                 "wallet is refused",
                 ask.currency);
    }
    dc->suspense_account = ask.id;
    d->bank_account = ask.bank;
    dc->claim_period_s = cfg->sms.claim_period_s;
    dc->hold_timeout_s =
        max - cfg->sms.claim_period_s > 3600 ? cfg->sms.claim_period_s + 3600 : max;
    return 0;
}

/* Whether "host:port" asks for port 0, the kernel's choice. */
static bool listen_port_zero(const char *listen)
{
    const char *colon = strrchr(listen, ':');

    return colon != NULL && strcmp(colon + 1, "0") == 0;
}

static int start_dialog(struct daemon *d, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    struct dialog_config dc = {.lang = cfg->sms.lang == 1 ? LANG_EN : LANG_FR,
                               .order_timeout_s = cfg->sms.order_timeout_s,
                               .code_attempts_max = cfg->sms.code_attempts,
                               .code_lock_s = cfg->sms.code_lock_s,
                               .code_reset_s = cfg->sms.code_reset_delay_s,
                               .dedup_window_s = cfg->sms.dedup_window_s,
                               .event_json = request_json_event};
    int64_t since = clock_now_us() - (int64_t)cfg->sms.dedup_window_s * 1000000;
    int rc;

    snprintf(dc.short_code, sizeof(dc.short_code), "%s", cfg->sms.short_code);
    snprintf(dc.social_handle, sizeof(dc.social_handle), "%s", cfg->social.handle);
    if (cfg->http.public_url[0] != '\0') {
        snprintf(dc.link_base, sizeof(dc.link_base), "%s", cfg->http.public_url);
    } else {
        /* Port 0: the port the kernel chose, else the address as the operator wrote it. */
        snprintf(dc.link_base, sizeof(dc.link_base), "%s://%s",
                 cfg->http.tls_cert[0] != '\0' ? "https" : "http",
                 listen_port_zero(cfg->http_listen) ? d->public_addr : cfg->http_listen);
    }
    if (strlen(dc.link_base) > DIALOG_LINK_BASE_SMS_MAX) {
        log_warn("public URL '%s' is longer than %d characters: replies with a link (the welcome) "
                 "take two SMS",
                 dc.link_base, DIALOG_LINK_BASE_SMS_MAX);
    }
    snprintf(dc.country, sizeof(dc.country), "%s", cfg->sms.country);
    dc.currency = currency_find(cfg->ledger.default_currency);
    if (strcmp(cfg->sms.order_fee, "none") != 0) {
        dc.order_fee_schedule = (uint16_t)ledger_config_fee_find(&cfg->ledger, cfg->sms.order_fee);
        if (dc.order_fee_schedule == 0) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "[sms] order_fee '%s' names no [fee.*] schedule: add it or "
                               "write none",
                               cfg->sms.order_fee);
        }
    }
    rc = claim_settings(d, &dc, err);
    if (rc == 0) {
        rc = card_topups_settings(cfg, d->bank_account, &dc, err);
    }
    if (rc == 0) {
        rc = vault_open(cfg->vault_key_file, true, &d->vault, err);
    }
    if (rc == 0) {
        rc = dialog_create(&dc, d->vault, &d->dialog);
    }
    if (rc == 0) {
        rc = store_channel_load(d->store, dialog_channel_fns(), d->dialog, since, err);
    }
    return rc;
}

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
    if (ops_handle(&ops, req) || social_handle_http(d->social, req) ||
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
static int start_api(struct daemon *d, struct mdt_err *err)
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
                            .submit_ctx = d->service,
                            .topup = d->topups};
    int rc = api_create(&ac, &d->api, err);

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
static int start_webhooks(struct daemon *d, struct mdt_err *err)
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
static int start_social(struct daemon *d, struct mdt_err *err)
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

/* The public and the internal listener (DESIGN.md, "Who may speak for a phone"). */
static int start_listeners(struct daemon *d, struct kannel_handlers *h, struct mdt_err *err)
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
        !listen_port_zero(cfg->http_listen)) {
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

/* The event loop and the listeners, bound first so that the dialog's links carry the port the
 * kernel chose for port 0. Nothing is served before event_base_dispatch: connections wait in
 * the backlog until then. */
static int start_base(struct daemon *d, struct mdt_err *err)
{
    struct kannel_handlers h = {
        .mo = kannel_mo, .outbox_take = kannel_outbox, .dlr = kannel_dlr, .ctx = d};

    /* The engine finishes steps on its own thread and wakes the loop with event_active: libevent
     * must lock its base. */
    if (evthread_use_pthreads() < 0) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot enable libevent's thread support");
    }
    d->base = event_base_new();
    if (d->base == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the event loop");
    }
    return start_listeners(d, &h, err);
}

/* --ports-file: "name host:port" a line, written to a temporary file renamed over PATH, so that
 * a reader sees all of it or nothing. */
static int write_ports_file(const struct daemon *d, struct mdt_err *err)
{
    char tmp[4096];
    FILE *f;
    int rc = 0;

    if (d->ports_file == NULL) {
        return 0;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", d->ports_file) >= (int)sizeof(tmp)) {
        return mdt_err_set(err, MDT_E(INVAL), "--ports-file '%s': path too long", d->ports_file);
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        return mdt_err_set(err, MDT_E(IO), "cannot write '%s': %s", tmp, strerror(errno));
    }
    if (d->public_addr[0] != '\0') {
        fprintf(f, "listen %s\n", d->public_addr);
    }
    if (d->internal_addr[0] != '\0') {
        fprintf(f, "internal_listen %s\n", d->internal_addr);
    }
    if (fclose(f) != 0 || rename(tmp, d->ports_file) < 0) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot write '%s': %s", d->ports_file, strerror(errno));
    }
    return rc;
}

static int start_loop(struct daemon *d, struct mdt_err *err)
{
    static const struct store_channel_fns outbox_fns = {.outbox = service_outbox_loaded};
    struct timeval second = {1, 0};
    int rc;

    rc = service_create(d->base, d->engine, d->dialog, &d->service, err);
    if (rc == 0) {
        rc = store_channel_load(d->store, &outbox_fns, d->service, INT64_MAX, err);
    }
    if (rc == 0) {
        rc = card_topups_start(d->base, d->cfg, d->dialog, api_submit, d->service, &d->acquirer,
                               &d->topups, err);
    }
    if (rc == 0) {
        rc = start_api(d, err);
    }
    if (rc == 0) {
        rc = start_smpp(d, err);
    }
    if (rc == 0) {
        rc = start_kannel_send(d, err);
    }
    if (rc == 0) {
        rc = start_webhooks(d, err);
    }
    if (rc == 0) {
        rc = start_social(d, err);
    }
    /* Retry what is queued every second: after a throttle, a refused request, a lost link. */
    d->flush = event_new(d->base, -1, EV_PERSIST, on_flush, d);
    if (rc == 0 && (d->flush == NULL || event_add(d->flush, &second) < 0)) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "cannot create the outbox timer");
    }
    d->sigterm = evsignal_new(d->base, SIGTERM, on_signal, d);
    d->sigint = evsignal_new(d->base, SIGINT, on_signal, d);
    d->sighup = evsignal_new(d->base, SIGHUP, on_reload, d);
    if (rc == 0 && (d->sigterm == NULL || d->sigint == NULL || d->sighup == NULL ||
                    evsignal_add(d->sigterm, NULL) < 0 || evsignal_add(d->sigint, NULL) < 0 ||
                    evsignal_add(d->sighup, NULL) < 0)) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "cannot watch SIGTERM, SIGINT and SIGHUP");
    }
    if (rc == 0) {
        sigset_t set;

        /* The ledger thread started with them blocked; this thread now takes them. */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    return rc;
}

static void stop(struct daemon *d)
{
    struct engine_stats st = {0};

    kannel_free(d->kannel);
    kannel_free(d->kannel_internal);
    smpp_links_free(d->links);
    kannel_send_free(d->kannel_send);
    if (d->flush != NULL) {
        event_free(d->flush);
    }
    if (d->engine != NULL) {
        engine_stats_get(d->engine, &st);
        engine_stop(d->engine); /* finishes queued steps; their acks are dropped with the loop */
    }
    api_free(d->api); /* after the engine: its last reads hand their answers to the API */
    webhook_sender_free(d->webhooks); /* after the engine: its last saves report to the sender */
    social_free(d->social);
    web_free(d->web);
    card_topups_stop(d->acquirer, d->topups); /* the loop is over: no step answers any more */
    service_free(d->service);
    store_close(d->reader);
    store_close(d->api_reader); /* after api_free: its reader thread is joined */
    if (d->sigterm != NULL) {
        event_free(d->sigterm);
    }
    if (d->sigint != NULL) {
        event_free(d->sigint);
    }
    if (d->sighup != NULL) {
        event_free(d->sighup);
    }
    if (d->base != NULL) {
        event_base_free(d->base);
    }
    dialog_free(d->dialog);
    vault_close(d->vault);
    store_close(d->store);
    log_info("mandatd stopped: %llu batches, %llu operations, %llu expired",
             (unsigned long long)st.batches, (unsigned long long)st.ops,
             (unsigned long long)st.expired);
}

/* The X consumer secret goes into the vault and the config's copy is wiped: from here on only
 * the vault holds it (it answers X's CRC challenges and checks X's signatures). */
static int x_secret_to_vault(struct vault *v, struct mandat_config *cfg, struct mdt_err *err)
{
    int rc = vault_x_secret_set(v, cfg->social.x_consumer_secret);

    vault_wipe(cfg->social.x_consumer_secret, sizeof(cfg->social.x_consumer_secret));
    if (rc < 0) {
        return mdt_err_set(err, rc, "[social] x_consumer_secret: at most %d bytes",
                           VAULT_X_SECRET_MAX - 1);
    }
    return 0;
}

static int run(struct mandat_config *cfg, const char *ports_file)
{
    struct store_options so = {
        .path = cfg->store_path, .sync = cfg->store_sync, .create = true, .busy_timeout_ms = 5000};
    struct engine_options eo = {
        .ledger = &cfg->ledger, .batch_max = cfg->batch_max, .queue_depth = cfg->queue_depth};
    struct daemon d = {.cfg = cfg, .ports_file = ports_file};
    struct mdt_err err = {0};
    int64_t t0 = clock_mono_us();
    int rc = store_open(&so, &d.store, &err);

    eo.store = d.store;
    if (rc == 0) {
        rc = engine_start(&eo, &d.engine, &err);
    }
    if (rc == 0) {
        struct store_options ro = so;

        ro.read_only = true;
        ro.create = false;
        rc = store_open(&ro, &d.reader, &err);
        if (rc == 0) {
            rc = store_open(&ro, &d.api_reader, &err);
        }
    }
    if (rc == 0) {
        rc = start_base(&d, &err);
    }
    if (rc == 0) {
        rc = start_dialog(&d, &err);
    }
    if (rc == 0) {
        rc = x_secret_to_vault(d.vault, cfg, &err);
    }
    if (rc == 0) {
        rc = start_loop(&d, &err);
    }
    if (rc == 0) {
        rc = write_ports_file(&d, &err);
    }
    if (rc < 0) {
        log_error("cannot start: %s", err.msg);
        stop(&d);
        return 1;
    }
    log_info("mandatd ready in %lld ms: store %s (synchronous=%s), SMS short code %s, "
             "public HTTP %s, internal HTTP %s, SMSC %s",
             (long long)((clock_mono_us() - t0) / 1000), cfg->store_path,
             cfg->store_sync == STORE_SYNC_FULL     ? "full"
             : cfg->store_sync == STORE_SYNC_NORMAL ? "normal"
                                                    : "off",
             cfg->sms.short_code, d.public_addr[0] ? d.public_addr : "off",
             d.internal_addr[0] ? d.internal_addr : "off",
             cfg->smpp.host[0] ? cfg->smpp.host : "none");
    event_base_dispatch(d.base);
    stop(&d);
    return 0;
}

int main(int argc, char **argv)
{
    struct mandat_config *cfg = calloc(1, sizeof(*cfg));
    const char *ports_file = NULL;
    sigset_t set;
    int rc;

    if (cfg == NULL) {
        fprintf(stderr, "mandatd: out of memory\n");
        return 1;
    }
    /* The ledger thread must not take SIGTERM, SIGINT or SIGHUP: block them in every thread
     * created from here on, and let the loop thread receive them (libevent's signal events). */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = parse_args(argc, argv, cfg, &ports_file);
    if (rc == 0) {
        log_level_set(cfg->log_level);
        rc = run(cfg, ports_file);
    }
    free(cfg);
    return rc;
}
