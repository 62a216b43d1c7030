/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's ISO 8583 issuer host (issue 15): each [iso8583.<name>] link started, its requests
 * translated into the host's (src/dialog/iso_host.h), submitted to the engine, and answered
 * once durable, or 91 when the network's time budget (answer_ms) runs out first; a late
 * approval is then undone (its hold voided, its cash refunded) and 91 recorded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h> /* a pending request's timer inside it: no allocation of its own */

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "channel/iso8583/iso_link.h"
#include "channel/loop/wake.h"
#include "dialog/card_pin.h"
#include "dialog/iso_host.h"
#include "engine/engine.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "vault/pin_block.h"

/* Retransmissions of a request being decided that wait for its answer, at most. */
#define ISO_WAITERS_MAX 4

struct iso_dlink {
    struct iso_daemon *owner;
    const struct config_iso *cfg;
    struct iso_link *link;
    struct pin_zpk *zpk;
    struct timeval budget;          /* answer_ms */
    const struct timeval *budget_q; /* the same as libevent's common timeout, or &budget */
};

struct iso_daemon {
    struct daemon *d;
    struct iso_host *host;
    struct iso_dlink links[CONFIG_ISO_LINKS_MAX];
    size_t link_count;
    struct wake_queue finished;
    struct event *reread;
    unsigned reread_ticks; /* seconds since the last pruning of the host's memory */
    /* The requests in the engine, to attach retransmissions to their original's: a short list
     * (in_flight bounds it per connection), scanned; each knows its place, so that taking one
     * out is O(1). */
    struct iso_pending **pendings;
    size_t pending_count, pending_cap;
};

/* One request in the engine. */
struct iso_pending {
    struct iso_dlink *link;
    struct iso_link_request *rq; /* NULL once answered 91 */
    struct iso_link_request *waiters[ISO_WAITERS_MAX];
    size_t waiter_count;
    struct iso_host_step *step;
    struct event timer; /* the link's time budget */
    size_t slot;        /* where it is in pendings */
    int rc;
    bool undo; /* the undoing of a late approval: nobody to answer */
};

static void pending_forget(struct iso_daemon *id, struct iso_pending *p)
{
    struct iso_pending *last;

    MDT_ASSERT(p->slot < id->pending_count && id->pendings[p->slot] == p);
    last = id->pendings[--id->pending_count];
    id->pendings[p->slot] = last;
    last->slot = p->slot;
}

static struct iso_pending *pending_of(struct iso_daemon *id, const char *orig)
{
    for (size_t i = 0; i < id->pending_count; i++) {
        struct iso_pending *p = id->pendings[i];

        if (p->step != NULL && strcmp(p->step->req.orig, orig) == 0) {
            return p;
        }
    }
    return NULL;
}

/* Field 54: the available balance, ISO 8583:1987 additional amounts (account type 00, amount
 * type 02, the currency's numeric code, C or D, 12 digits). */
static void balance_field(const struct iso_host_answer *a, char out[24])
{
    int64_t v = a->balance_minor < 0 ? -a->balance_minor : a->balance_minor;

    snprintf(out, 24, "0002%03u%c%012lld", (unsigned)(a->currency->numeric % 1000),
             a->balance_minor < 0 ? 'D' : 'C', (long long)(v % 1000000000000LL));
}

static void answer(struct iso_link_request *rq, const struct iso_host_answer *a)
{
    const struct iso8583_msg *req = iso_link_request_msg(rq);
    struct iso8583_msg resp;
    struct mdt_err err = {0};
    char bal[24];
    int rc = iso8583_response_init(req, &resp, &err);

    if (rc == 0) {
        rc = iso8583_set_str(&resp, ISO8583_F_response_code, a->code, &err);
    }
    if (rc == 0 && a->auth_id[0] != '\0' && strcmp(a->code, ISO_RC_APPROVED) == 0) {
        rc = iso8583_set_str(&resp, ISO8583_F_authorization_id, a->auth_id, &err);
    }
    if (rc == 0 && a->has_balance && a->currency != NULL) {
        balance_field(a, bal);
        rc = iso8583_set_str(&resp, ISO8583_F_additional_amounts, bal, &err);
    }
    if (rc == 0) {
        rc = iso_link_answer(rq, &resp, &err);
    } else {
        iso_link_answer(rq, NULL, NULL);
    }
    if (rc < 0 && rc != -MDT_EIO) {
        log_warn("iso8583: cannot answer: %s", err.msg);
    }
}

static void answer_code(struct iso_link_request *rq, const char *code)
{
    struct iso_host_answer a = {0};

    memcpy(a.code, code, 3);
    answer(rq, &a);
}

static void pending_answer(struct iso_pending *p, const struct iso_host_answer *a)
{
    if (p->rq != NULL) {
        answer(p->rq, a);
        p->rq = NULL;
    }
    for (size_t i = 0; i < p->waiter_count; i++) {
        answer(p->waiters[i], a);
    }
    p->waiter_count = 0;
}

static void pending_free(struct iso_pending *p)
{
    pending_forget(p->link->owner, p);
    event_del(&p->timer);
    free(p);
}

/* Ledger thread: hand the step back to the loop. */
static void on_engine_done(void *ctx, int rc, const struct ledger_result *results, size_t n)
{
    struct iso_host_step *s = ctx;
    struct iso_pending *p = s->owner;

    (void)results;
    (void)n;
    p->rc = rc;
    wake_queue_push(&p->link->owner->finished, p);
}

static int submit(struct iso_daemon *id, struct iso_pending *p)
{
    struct iso_host_step *s = p->step;
    size_t count = 0;

    s->owner = p;
    if (s->pin_changed) {
        s->rows[count].kind = EXTRA_CARD_PIN;
        s->rows[count++].u.card_pin = s->pin;
    }
    s->row_count = count;
    return engine_submit_rows(id->d->engine, s->ops, s->n, s->rows, count,
                              sizeof(s->rows) / sizeof(s->rows[0]), iso_host_hook, s->results, s,
                              on_engine_done);
}

/* The network's time ran out: 91 now; the step's result is undone when it comes. */
static void on_budget(evutil_socket_t fd, short what, void *arg)
{
    struct iso_pending *p = arg;
    struct iso_host_answer a = {0};

    (void)fd;
    (void)what;
    memcpy(a.code, ISO_RC_UNAVAILABLE, 3);
    log_warn("iso8583 %s: no durable answer within %u ms: answered 91", p->link->cfg->name,
             p->link->cfg->answer_ms);
    pending_answer(p, &a);
}

/* Loop thread: a step is durable (or failed). */
static void on_finished(void *ctx, void *item)
{
    struct iso_daemon *id = ctx;
    struct iso_pending *p = item;
    struct iso_host_answer a = {0};
    struct iso_host_step *undo, *next;

    next = p->undo ? NULL : iso_host_step_next(id->host, p->step, p->rc, clock_now_us());
    if (next != NULL) {
        /* A completion whose hold lapsed in the ledger: its forced post, answered once durable
         * (the network's time still runs). */
        p->step = next;
        if (submit(id, p) == 0) {
            return;
        }
        p->rc = -MDT_EFULL; /* answered 96: the switch sends the advice again */
    }
    event_del(&p->timer);
    if (p->undo) {
        iso_host_done(id->host, p->step, p->rc, &a);
        pending_free(p);
        return;
    }
    if (p->rq == NULL) {
        undo = iso_host_done_late(id->host, p->step, p->rc, clock_now_us());
        p->step = NULL;
        pending_answer(p, &(struct iso_host_answer){.code = "91"});
        if (undo != NULL) {
            p->step = undo;
            p->undo = true;
            if (submit(id, p) == 0) {
                return;
            }
            log_error("iso8583: cannot undo a late approval: its hold expires on its own");
            iso_host_done(id->host, undo, -MDT_EFULL, &a);
        }
        pending_free(p);
        return;
    }
    if (p->rc == 0 && iso_host_step_sms(p->step) != NULL) {
        /* The holder's receipt, committed with the withdrawal: to the outbox's queue. */
        service_outbox_loaded(id->d->service, iso_host_step_sms(p->step));
        service_outbox_flush(id->d->service);
    }
    iso_host_done(id->host, p->step, p->rc, &a);
    p->step = NULL;
    pending_answer(p, &a);
    pending_free(p);
}

static void discard_finished(void *ctx, void *item)
{
    struct iso_daemon *id = ctx;
    struct iso_pending *p = item;
    struct iso_host_answer a;

    iso_host_done(id->host, p->step, -MDT_ESHUTDOWN, &a);
    p->step = NULL;
    pending_answer(p, &a);
    pending_free(p);
}

/* Field n as text into out ("" when absent or too long). */
static void field_text(const struct iso8583_msg *m, unsigned n, char *out, size_t cap)
{
    if (iso8583_copy(m, n, out, cap) < 0) {
        out[0] = '\0';
    }
}

/* The PAN of field 2, else of track 2 (the digits before the separator). */
static void request_pan(const struct iso8583_msg *m, char pan[20])
{
    char track[40];

    field_text(m, ISO8583_F_pan, pan, 20);
    if (pan[0] != '\0') {
        return;
    }
    field_text(m, ISO8583_F_track2, track, sizeof(track));
    for (size_t i = 0; i < 19 && track[i] >= '0' && track[i] <= '9'; i++) {
        pan[i] = track[i];
        pan[i + 1] = '\0';
    }
    vault_wipe(track, sizeof(track));
}

/* Field 90's original into rq->orig_trace: 0 (absent or all zeros: ""), or -MDT_EPARSE when it
 * is malformed (logged with the reason, answered 30). An acquirer of zeros there is the
 * request's own (field 32). */
static int request_original(const struct iso_dlink *l, const struct iso8583_msg *m, const char *acq,
                            struct iso_host_request *rq)
{
    struct iso8583_original od;
    struct mdt_err err = {0};
    int rc = iso8583_original_parse(m, &od, &err);

    if (rc == -MDT_ENOTFOUND) {
        return 0;
    }
    if (rc < 0) {
        log_warn("iso8583 %s: %s %s refused: %s", l->cfg->name, m->mti, rq->key, err.msg);
        return -MDT_EPARSE;
    }
    iso_host_trace(strspn(od.acquirer, "0") == strlen(od.acquirer) ? acq : od.acquirer, od.stan,
                   od.transmission, rq->orig_trace);
    return 0;
}

/* What the host needs of msg, into rq: 0, -MDT_EINVAL when a currency or amount is not one this
 * host knows (answered 05 at once), or -MDT_EPARSE when field 90 is malformed (30). */
static int request_read(const struct iso_dlink *l, const struct iso8583_msg *m,
                        struct iso_host_request *rq)
{
    char acq[12], stan[7], rrn[13], term[9], time[11], cur[4], exp[5];
    uint64_t v = 0;
    size_t len = 0;

    memset(rq, 0, sizeof(*rq));
    snprintf(rq->mti, sizeof(rq->mti), "%s", m->mti);
    field_text(m, ISO8583_F_acquirer_id, acq, sizeof(acq));
    field_text(m, ISO8583_F_stan, stan, sizeof(stan));
    field_text(m, ISO8583_F_rrn, rrn, sizeof(rrn));
    field_text(m, ISO8583_F_terminal_id, term, sizeof(term));
    field_text(m, ISO8583_F_transmission_datetime, time, sizeof(time));
    iso_host_key(m->mti, acq, stan, rrn, term, time, rq->key);
    iso_host_orig(acq, term, rrn, rq->orig);
    field_text(m, ISO8583_F_processing_code, rq->pcode, sizeof(rq->pcode));
    rq->amount_minor = iso8583_number(m, ISO8583_F_amount_transaction, &v) == 0 ? (int64_t)v : 0;
    rq->billing_minor = -1;
    if (iso8583_number(m, ISO8583_F_amount_cardholder_billing, &v) == 0) {
        rq->billing_minor = (int64_t)v;
    }
    field_text(m, ISO8583_F_currency_transaction, cur, sizeof(cur));
    if (cur[0] != '\0' && (rq->txn_currency = iso_host_currency_numeric(cur)) == NULL) {
        return -MDT_EINVAL;
    }
    field_text(m, ISO8583_F_currency_cardholder_billing, cur, sizeof(cur));
    if (cur[0] != '\0' && (rq->billing_currency = iso_host_currency_numeric(cur)) == NULL) {
        return -MDT_EINVAL;
    }
    field_text(m, ISO8583_F_date_expiration, exp, sizeof(exp));
    rq->exp_yymm = exp[0] != '\0' ? (unsigned)strtoul(exp, NULL, 10) : 0;
    request_pan(m, rq->pan);
    if (iso8583_binary(m, ISO8583_F_pin_block, rq->pin_block, sizeof(rq->pin_block), &len) == 0) {
        rq->pin_block_len = len;
    }
    rq->zpk = l->zpk;
    return request_original(l, m, acq, rq);
}

static void on_request(struct iso_link_request *rq, const struct iso8583_msg *msg, void *arg)
{
    struct iso_dlink *l = arg;
    struct iso_daemon *id = l->owner;
    struct iso_host_request hr;
    struct iso_host_answer a = {0};
    struct iso_host_step *s = NULL;
    struct iso_pending *p;
    int rc = request_read(l, msg, &hr);

    if (rc == 0) {
        rc = iso_host_receive(id->host, &hr, clock_now_us(), &s, &a);
    }
    vault_wipe(&hr.pan, sizeof(hr.pan));
    vault_wipe(hr.pin_block, sizeof(hr.pin_block));
    if (rc == 1) {
        answer(rq, &a);
        return;
    }
    if (rc == -MDT_EINVAL || rc == -MDT_EPARSE) {
        answer_code(rq, rc == -MDT_EPARSE ? ISO_RC_FORMAT_ERROR : ISO_RC_DO_NOT_HONOR);
        return;
    }
    if (rc == -MDT_EBUSY) {
        p = pending_of(id, hr.orig);
        if (p != NULL && p->waiter_count < ISO_WAITERS_MAX) {
            p->waiters[p->waiter_count++] = rq;
        } else {
            answer_code(rq, ISO_RC_UNAVAILABLE);
        }
        return;
    }
    p = rc == 0 ? calloc(1, sizeof(*p)) : NULL;
    if (p == NULL) {
        if (s != NULL) {
            iso_host_done(id->host, s, -MDT_ENOMEM, &a); /* frees the step, its original too */
        }
        answer_code(rq, ISO_RC_MALFUNCTION);
        return;
    }
    p->link = l;
    p->rq = rq;
    p->step = s;
    evtimer_assign(&p->timer, id->d->base, on_budget, p);
    mem_grow((void **)&id->pendings, &id->pending_cap, id->pending_count + 1,
             sizeof(*id->pendings));
    p->slot = id->pending_count;
    id->pendings[id->pending_count++] = p;
    evtimer_add(&p->timer, l->budget_q);
    rc = submit(id, p);
    if (rc < 0) {
        /* The engine's queue is full: the store is not keeping up. Nothing was decided. */
        iso_host_done(id->host, s, rc, &a);
        p->step = NULL;
        pending_answer(p, &(struct iso_host_answer){.code = "91"});
        pending_free(p);
    }
}

/* The host's memory of answered requests is pruned hourly (a restart loads the same window). */
#define ISO_PRUNE_EVERY_S 3600

/* The reread of PINs and rates the CLI writes beside mandatd (once a second), and the hourly
 * pruning of the host's memory. */
static void on_reread(evutil_socket_t fd, short what, void *arg)
{
    static const struct store_channel_fns fns = {.card_pin = iso_host_pin_loaded,
                                                 .fx_rate = iso_host_rate_loaded};
    struct iso_daemon *id = arg;
    struct mdt_err err = {0};

    (void)fd;
    (void)what;
    if (store_channel_load(id->d->reader, &fns, id->host, 0, &err) < 0) {
        log_warn("iso8583: cannot reread PINs and rates: %s", err.msg);
    }
    if (++id->reread_ticks >= ISO_PRUNE_EVERY_S) {
        size_t n = iso_host_prune(id->host, clock_now_us());
        id->reread_ticks = 0;
        if (n > 0) {
            log_info("iso8583: forgot %zu requests older than the hold expiry and a day", n);
        }
    }
}

/* The zone PIN key of a link: hex in a file only mandat may read (like the vault's key). */
static int zpk_load(const struct config_iso *c, struct pin_zpk **out, struct mdt_err *err)
{
    enum pin_zpk_alg alg = PIN_ZPK_TDES2;
    char hex[130] = "";
    struct stat st;
    ssize_t n;
    int fd, rc;

    *out = NULL;
    if (c->zpk_file[0] == '\0') {
        return 0; /* no PIN checks on this link: cash is refused 55 */
    }
    if (strcmp(c->zpk_alg, "aes128") == 0) {
        alg = PIN_ZPK_AES128;
    } else if (strcmp(c->zpk_alg, "aes256") == 0) {
        alg = PIN_ZPK_AES256;
    } else if (strcmp(c->zpk_alg, "tdes") != 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[iso8583.%s] zpk_alg '%.8s': write tdes, aes128 "
                           "or aes256",
                           c->name, c->zpk_alg);
    }
    fd = open(c->zpk_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = mdt_err_set(err, MDT_E(IO), "[iso8583.%s] zpk_file '%s': %s", c->name, c->zpk_file,
                         strerror(errno));
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "[iso8583.%s] zpk_file '%s' may be read by others: "
                         "chmod 600 it",
                         c->name, c->zpk_file);
        goto out;
    }
    n = read(fd, hex, sizeof(hex) - 1);
    hex[n > 0 ? n : 0] = '\0';
    hex[strcspn(hex, " \r\n")] = '\0';
    rc = pin_zpk_from_hex(alg, hex, out, err);
    if (rc < 0) {
        rc = mdt_err_set(err, rc, "[iso8583.%s] zpk_file '%s': not a key of %s", c->name,
                         c->zpk_file, c->zpk_alg);
    }
out:
    vault_wipe(hex, sizeof(hex));
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

/* A fee's schedule id from its name ("none": 0). */
static int fee_id(const struct daemon *d, const char *name, const char *key, uint16_t *out,
                  struct mdt_err *err)
{
    *out = 0;
    if (strcmp(name, "none") == 0 || name[0] == '\0') {
        return 0;
    }
    *out = (uint16_t)ledger_config_fee_find(&d->cfg->ledger, name);
    if (*out == 0) {
        return mdt_err_set(err, MDT_E(INVAL), "[iso8583] %s '%s' names no [fee.*] schedule", key,
                           name);
    }
    return 0;
}

/* The host's settings: the first [iso8583.<name>]'s (the cash limit and the hold expiry are
 * the cards', whichever network the request comes by). */
static int host_start(struct daemon *d, struct iso_daemon *id, struct mdt_err *err)
{
    const struct config_iso *c = &d->cfg->iso[0];
    struct iso_host_config hc = {.currency = currency_find(d->cfg->ledger.default_currency),
                                 .bank_account = d->bank_account,
                                 .cash_day_max_minor = c->cash_day_max,
                                 .hold_timeout_s = c->hold_expiry_s};
    int64_t since = clock_now_us() - ((int64_t)c->hold_expiry_s + 86400) * 1000000;
    int rc = fee_id(d, c->atm_fee, "atm_fee", &hc.atm_fee_schedule, err);

    if (rc == 0) {
        rc = fee_id(d, c->fx_fee, "fx_fee", &hc.fx_fee_schedule, err);
    }
    if (rc == 0 && c->hold_expiry_s > d->cfg->ledger.pending_timeout_max_s) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "[iso8583.%s] hold_expiry %u is above [ledger] "
                         "pending_timeout_max %u: raise it",
                         c->name, c->hold_expiry_s, d->cfg->ledger.pending_timeout_max_s);
    }
    if (rc == 0 && iso_host_create(&hc, d->dialog, d->cards, d->vault, &id->host) < 0) {
        rc = mdt_err_set(err, MDT_E(INVAL), "iso8583: no bank account in %s: run mandat init",
                         d->cfg->ledger.default_currency);
    }
    if (rc == 0) {
        rc = store_channel_load(d->store, iso_host_channel_fns(), id->host, since, err);
    }
    if (rc == 0) {
        /* A PIN set on its page reaches the host once durable, not at the next reread: a wrong
         * PIN typed meanwhile would write the old hash back over it. */
        dialog_card_pin_on_set(d->dialog, iso_host_pin_loaded, id->host);
    }
    return rc;
}

static int link_start(struct iso_daemon *id, size_t i, struct mdt_err *err)
{
    const struct config_iso *c = &id->d->cfg->iso[i];
    struct iso_dlink *l = &id->links[i];
    struct iso_link_config lc = {
        .name = c->name,
        .listen = c->listen[0] ? c->listen : NULL,
        .connect = c->connect[0] ? c->connect : NULL,
        .inflight_max = c->in_flight,
        .echo_idle_ms = c->echo_idle_s * 1000,
        .echo_wait_ms = 10000,
        .reconnect_ms = 500,
        .sign_on = c->connect[0] != '\0',
        /* An AES zone PIN key's blocks are ISO 9564 format 4: 16 bytes. */
        .profile = {.pin_block_len = strncmp(c->zpk_alg, "aes", 3) == 0 ? 16 : 0},
        .tls_cert = c->tls_cert[0] ? c->tls_cert : NULL,
        .tls_key = c->tls_key[0] ? c->tls_key : NULL,
        .tls_ca = c->tls_ca[0] ? c->tls_ca : NULL};
    int rc;

    l->owner = id;
    l->cfg = c;
    l->budget = (struct timeval){c->answer_ms / 1000, (c->answer_ms % 1000) * 1000};
    /* Every request of a link waits the same time: as a common timeout, libevent keeps their
     * timers in a queue (O(1) add and delete) instead of its heap (O(log n) each, per request). */
    l->budget_q = event_base_init_common_timeout(id->d->base, &l->budget);
    if (l->budget_q == NULL) {
        l->budget_q = &l->budget;
    }
    rc = zpk_load(c, &l->zpk, err);
    if (rc == 0) {
        rc = iso_link_start(id->d->base, &lc, on_request, l, &l->link, err);
    }
    if (rc == 0) {
        id->link_count = i + 1;
        if (lc.listen != NULL) {
            log_info("iso8583 %s: listening on port %d", c->name, iso_link_port(l->link));
        }
    }
    return rc;
}

int daemon_start_iso(struct daemon *d, struct mdt_err *err)
{
    struct iso_daemon *id;
    struct timeval second = {1, 0};
    int rc;

    if (d->cfg->iso_count == 0) {
        return 0;
    }
    id = calloc(1, sizeof(*id));
    if (id == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "iso8583: out of memory");
    }
    id->d = d;
    d->iso = id;
    rc = host_start(d, id, err);
    if (rc == 0 && wake_queue_init(&id->finished, d->base, on_finished, id) < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "iso8583: out of memory");
    }
    for (size_t i = 0; rc == 0 && i < d->cfg->iso_count; i++) {
        rc = link_start(id, i, err);
    }
    id->reread = rc == 0 ? event_new(d->base, -1, EV_PERSIST, on_reread, id) : NULL;
    if (rc == 0 && (id->reread == NULL || event_add(id->reread, &second) < 0)) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "iso8583: cannot create the reread timer");
    }
    return rc;
}

void daemon_iso_ports(const struct daemon *d, FILE *f)
{
    const struct iso_daemon *id = d->iso;

    for (size_t i = 0; id != NULL && i < id->link_count; i++) {
        const struct config_iso *c = id->links[i].cfg;

        if (c->listen[0] != '\0') {
            fprintf(f, "iso8583.%s %.*s:%d\n", c->name, (int)strcspn(c->listen, ":"), c->listen,
                    iso_link_port(id->links[i].link));
        }
    }
}

void daemon_stop_iso_links(struct daemon *d)
{
    struct iso_daemon *id = d->iso;

    for (size_t i = 0; id != NULL && i < id->link_count; i++) {
        iso_link_free(id->links[i].link);
        id->links[i].link = NULL;
    }
}

void daemon_stop_iso(struct daemon *d)
{
    struct iso_daemon *id = d->iso;

    if (id == NULL) {
        return;
    }
    daemon_stop_iso_links(d);
    /* The engine has stopped: steps it finished after the loop are answered (EIO) and freed. */
    wake_queue_release(&id->finished, discard_finished, id);
    while (id->pending_count > 0) {
        struct iso_pending *p = id->pendings[0];
        struct iso_host_answer a;

        if (p->step != NULL) {
            iso_host_done(id->host, p->step, -MDT_ESHUTDOWN, &a);
            p->step = NULL;
        }
        pending_answer(p, &(struct iso_host_answer){.code = "91"});
        pending_free(p);
    }
    free(id->pendings);
    if (id->reread != NULL) {
        event_free(id->reread);
    }
    for (size_t i = 0; i < id->link_count; i++) {
        pin_zpk_free(id->links[i].zpk);
    }
    dialog_card_pin_on_set(d->dialog, NULL, NULL);
    iso_host_free(id->host);
    free(id);
    d->iso = NULL;
}
