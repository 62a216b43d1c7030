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
#include "dialog/card_order.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "mandatd/card_topups.h"
#include "mandatd/config.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "mandatd/smpp_links.h"
#include "store/store.h"
#include "vault/card_vault.h"
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
    if (config != NULL && (config_load_file(cfg, config, &err) < 0 ||
                           config_resolve_paths(cfg, config, &err) < 0)) {
        fprintf(stderr, "mandatd: %s\n", err.msg);
        return 2;
    }
    if (db != NULL) {
        snprintf(cfg->store_path, sizeof(cfg->store_path), "%s", db);
    }
    return 0;
}

/* Associations the CLI creates while mandatd runs: read the (small, at most
 * DIALOG_ASSOCIATIONS_MAX rows) table again through the reader connection. Cards too (issued,
 * blocked, unblocked, replaced by the CLI, with the aliases a replacement moves): that is a scan of
 * every card a second, fine for tens of thousands; past that it wants a cursor on cards.updated_us.
 */
static void reload_associations(struct daemon *d)
{
    struct store_channel_fns fns = {.association = dialog_channel_fns()->association,
                                    .merchant = dialog_channel_fns()->merchant,
                                    .campaign = dialog_campaign_loaded,
                                    .code_order = dialog_code_order_loaded,
                                    .card = dialog_card_loaded,
                                    .card_alias = dialog_card_alias_loaded};
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

struct suspense_ask {
    const char *currency;
    uint64_t id;
    uint64_t bank;
    uint64_t fees;
};

static void read_suspense(void *ctx, const struct ledger *l)
{
    struct suspense_ask *a = ctx;

    a->id = ledger_system_account(l, ACCOUNT_SUSPENSE, a->currency);
    a->bank = ledger_system_account(l, ACCOUNT_BANK, a->currency);
    a->fees = ledger_system_account(l, ACCOUNT_FEES, a->currency);
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
    d->fees_account = ask.fees;
    dc->claim_period_s = cfg->sms.claim_period_s;
    dc->hold_timeout_s =
        max - cfg->sms.claim_period_s > 3600 ? cfg->sms.claim_period_s + 3600 : max;
    return 0;
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
                 daemon_listen_port_zero(cfg->http_listen) ? d->public_addr : cfg->http_listen);
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
        dc.order_fee = cfg->ledger.fee_schedules[dc.order_fee_schedule - 1];
    }
    /* Card reloads by SMS pay [fee.card_reload] when the file has it (issue 13). */
    dc.card_reload_fee_schedule = (uint16_t)ledger_config_fee_find(&cfg->ledger, "card_reload");
    if (dc.card_reload_fee_schedule != 0) {
        dc.card_reload_fee = cfg->ledger.fee_schedules[dc.card_reload_fee_schedule - 1];
    }
    rc = claim_settings(d, &dc, err);
    if (rc == 0) {
        rc = card_topups_settings(cfg, d->bank_account, &dc, err);
    }
    if (rc == 0) {
        rc = vault_open(cfg->vault_key_file, true, &d->vault, err);
    }
    if (rc == 0) {
        rc = card_vault_open(cfg->cards.key_ring, true, &d->cards, err);
    }
    if (rc == 0) {
        rc = dialog_create(&dc, d->vault, &d->dialog);
    }
    if (rc == 0) {
        /* Cards ordered on a page (issue 13): the price to the fees account, the card maker's
         * lines to [cards] emboss_file. */
        struct card_order_settings cs = {.cv = d->cards,
                                         .emboss_file = cfg->cards.emboss_file,
                                         .bin = cfg->cards.bin,
                                         .expiry_years = cfg->cards.expiry_years,
                                         .price_minor = cfg->cards.price_minor,
                                         .fees_account = d->fees_account,
                                         .link_s = DIALOG_CARD_ORDER_LINK_S};

        dialog_card_orders_set(d->dialog, &cs);
        rc = store_channel_load(d->store, dialog_channel_fns(), d->dialog, since, err);
    }
    return rc;
}

/* The event loop and the listeners, bound first so that the dialog's links carry the port the
 * kernel chose for port 0. Nothing is served before event_base_dispatch: connections wait in
 * the backlog until then. */
static int start_base(struct daemon *d, struct mdt_err *err)
{
    struct kannel_handlers h = {.mo = daemon_kannel_mo,
                                .outbox_take = daemon_kannel_outbox,
                                .dlr = daemon_kannel_dlr,
                                .ctx = d};

    /* The engine finishes steps on its own thread and wakes the loop with event_active: libevent
     * must lock its base. */
    if (evthread_use_pthreads() < 0) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot enable libevent's thread support");
    }
    d->base = event_base_new();
    if (d->base == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the event loop");
    }
    return daemon_start_listeners(d, &h, err);
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
    daemon_iso_ports(d, f);
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
        rc = daemon_start_api(d, err);
    }
    if (rc == 0) {
        rc = daemon_start_smpp(d, err);
    }
    if (rc == 0) {
        rc = daemon_start_kannel_send(d, err);
    }
    if (rc == 0) {
        rc = daemon_start_webhooks(d, err);
    }
    if (rc == 0) {
        rc = daemon_start_social(d, err);
    }
    if (rc == 0) {
        rc = daemon_start_sip(d, err);
    }
    if (rc == 0) {
        rc = daemon_start_iso(d, err);
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

    daemon_stop_sip(d); /* first: its calls end while the rest still runs */
    daemon_stop_iso_links(d);
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
    daemon_stop_iso(d);                       /* after the engine: its last steps answered */
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
    card_vault_close(d->cards);
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
