/* SPDX-License-Identifier: Apache-2.0 */
/* The webhook sender on the event loop: a bounded table of events, those waiting for one of
 * [webhook] concurrency requests in flight (merchant_concurrency at most per merchant, the least
 * busy merchants first), one http_client request per try, and each result saved through the
 * caller before the event is forgotten. The store is the queue of record: an event waiting for
 * its next try lives there, not here, and the once-a-second poll offers it again. */
#include "channel/webhook/webhook.h"

#include <event2/event.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/index.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/http/http_client.h"
#include "channel/webhook/webhook_int.h"

enum entry_state {
    ENTRY_FREE = 0,
    ENTRY_WAITING,    /* due, waiting for a free connection (in the waiting ring) */
    ENTRY_SENDING,    /* a try is in flight */
    ENTRY_SAVING,     /* its new state is being saved: offers of its id are ignored meanwhile */
    ENTRY_SAVE_AGAIN, /* save could not be queued: asked again by the save_again timer */
};

/* One event in memory. Its request, while SENDING, is the http_client's. */
struct entry {
    struct webhook_sender *ws;
    enum entry_state state;
    struct webhook_row row;
    char host[WEBHOOK_HOST_MAX]; /* the URL's host, for logs; "" until parsed */
    int64_t started_us;          /* monotonic */
};

/* What one merchant has in memory: events held (any state, at least one) and tries in flight;
 * in_flight <= held always. */
struct merchant_load {
    uint64_t merchant_id;
    uint32_t held;
    uint32_t in_flight;
};

/* A save that finished, reported by webhook_sender_saved from any thread. */
struct saved {
    struct id128 id;
    int rc;
};

struct webhook_sender {
    struct event_base *base;
    struct http_client *http; /* the tries' requests: TLS, connections, deadlines */
    struct webhook_config cfg;
    struct webhook_handlers h;
    struct entry *entries;               /* WEBHOOK_QUEUE_MAX, allocated once */
    uint32_t used;                       /* entries not FREE */
    uint32_t in_flight;                  /* entries SENDING */
    uint32_t waiting[WEBHOOK_QUEUE_MAX]; /* indices of WAITING entries, oldest first */
    uint32_t wait_count;
    /* Merchants holding events (at most one per event), packed at the front, and their index
     * (merchant id -> loads index + 1); allocated once. */
    struct merchant_load *loads;
    struct index load_index;
    uint64_t rng;   /* xorshift64* state, for the jitter only */
    bool kicking;   /* kick is on the stack: a try that ends at once must not start another */
    uint32_t skips; /* offers turned down for their merchant's share, since: */
    int64_t skips_since_us;   /* monotonic */
    struct event *wake;       /* saves finished (webhook_sender_saved, any thread) */
    struct event *save_again; /* one second after a save could not be queued */
    pthread_mutex_t mu;
    struct saved *saved; /* guarded by mu; at most one per entry, so WEBHOOK_QUEUE_MAX */
    size_t saved_count;  /* guarded by mu */
};

static uint32_t rng_next(struct webhook_sender *ws)
{
    ws->rng ^= ws->rng >> 12;
    ws->rng ^= ws->rng << 25;
    ws->rng ^= ws->rng >> 27;
    return (uint32_t)((ws->rng * 2685821657736338717ull) >> 32);
}

/* Id, type and merchant of an event, for every log line about it. Never the URL's path or
 * query (merchants put tokens there), the body, the signature or the secret. */
struct event_name {
    char id[ID128_TEXT_MAX];
    char type[sizeof(((struct webhook_row *)0)->type)];
    char host[WEBHOOK_HOST_MAX];
};

static void event_name_get(const struct entry *e, struct event_name *n)
{
    id128_format(e->row.id, n->id);
    webhook_text_safe(e->row.type, n->type, sizeof(n->type));
    webhook_text_safe(e->host[0] != '\0' ? e->host : "-", n->host, sizeof(n->host));
}

/* ---- per merchant: what it holds, what it has in flight ---- */

static uint64_t load_key(uint64_t merchant_id)
{
    return merchant_id * 0x9e3779b97f4a7c15ull;
}

/* The merchant's load, or NULL when it holds nothing. O(1) expected. */
static struct merchant_load *load_find(struct webhook_sender *ws, uint64_t merchant_id)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&ws->load_index, load_key(merchant_id), &pos); v != 0;
         v = index_find_next(&ws->load_index, &pos)) {
        if (ws->loads[v - 1].merchant_id == merchant_id) {
            return &ws->loads[v - 1];
        }
    }
    return NULL;
}

/* One more event held for the merchant. */
static void load_hold(struct webhook_sender *ws, uint64_t merchant_id)
{
    struct merchant_load *l = load_find(ws, merchant_id);
    uint32_t n = ws->load_index.count;

    if (l == NULL) {
        /* At most WEBHOOK_QUEUE_MAX merchants hold events, and the index is reserved whole. */
        int rc = index_put(&ws->load_index, load_key(merchant_id), n + 1);

        MDT_ASSERT(rc == 0);
        l = &ws->loads[n];
        memset(l, 0, sizeof(*l));
        l->merchant_id = merchant_id;
    }
    l->held++;
}

/* One event fewer held for the merchant; at 0 its load goes, the last moving into its place. */
static void load_release(struct webhook_sender *ws, uint64_t merchant_id)
{
    struct merchant_load *l = load_find(ws, merchant_id);
    uint32_t at, last = ws->load_index.count;
    int rc = 0;

    MDT_ASSERT(l != NULL && l->held > l->in_flight);
    if (--l->held > 0) {
        return;
    }
    at = (uint32_t)(l - ws->loads) + 1;
    (void)index_remove(&ws->load_index, load_key(merchant_id), at);
    if (at != last) {
        (void)index_remove(&ws->load_index, load_key(ws->loads[last - 1].merchant_id), last);
        *l = ws->loads[last - 1];
        rc = index_put(&ws->load_index, load_key(l->merchant_id), at);
    }
    MDT_ASSERT(rc == 0 && "a load that was in the index fits again");
}

static struct entry *entry_find(struct webhook_sender *ws, struct id128 id)
{
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX; i++) {
        if (ws->entries[i].state != ENTRY_FREE && id128_eq(ws->entries[i].row.id, id)) {
            return &ws->entries[i];
        }
    }
    return NULL;
}

static void entry_release(struct webhook_sender *ws, struct entry *e)
{
    MDT_ASSERT(e->state != ENTRY_FREE && ws->used > 0);
    load_release(ws, e->row.merchant_id);
    memset(e, 0, sizeof(*e));
    e->ws = ws;
    ws->used--;
}

/* ---- saving results ---- */

static void save(struct webhook_sender *ws, struct entry *e)
{
    struct timeval second = {1, 0};

    e->state = ENTRY_SAVING;
    if (ws->h.save(ws->h.ctx, &e->row) < 0) {
        e->state = ENTRY_SAVE_AGAIN;
        if (!evtimer_pending(ws->save_again, NULL)) {
            evtimer_add(ws->save_again, &second);
        }
    }
}

static void on_save_again(evutil_socket_t fd, short what, void *arg)
{
    struct webhook_sender *ws = arg;
    uint32_t again = 0;

    (void)fd;
    (void)what;
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX; i++) {
        if (ws->entries[i].state == ENTRY_SAVE_AGAIN) {
            save(ws, &ws->entries[i]);
            again += ws->entries[i].state == ENTRY_SAVE_AGAIN;
        }
    }
    if (again > 0) {
        log_warn("webhook states not saved: engine queue full (%u waiting, asked again in 1 s)",
                 again);
    }
}

void webhook_sender_saved(struct webhook_sender *ws, struct id128 id, int rc)
{
    pthread_mutex_lock(&ws->mu);
    MDT_ASSERT(ws->saved_count < WEBHOOK_QUEUE_MAX);
    ws->saved[ws->saved_count].id = id;
    ws->saved[ws->saved_count].rc = rc;
    ws->saved_count++;
    pthread_mutex_unlock(&ws->mu);
    event_active(ws->wake, EV_READ, 0);
}

static void kick(struct webhook_sender *ws);

/* Loop thread: forget the events whose state is durable. A failed save leaves the store's row as
 * it was (queued, due): the next poll offers it again, so it is sent again, never lost. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct webhook_sender *ws = arg;
    struct saved done[64];
    size_t n;

    (void)fd;
    (void)what;
    do {
        pthread_mutex_lock(&ws->mu);
        n = ws->saved_count < 64 ? ws->saved_count : 64;
        ws->saved_count -= n;
        memcpy(done, ws->saved + ws->saved_count, n * sizeof(done[0]));
        pthread_mutex_unlock(&ws->mu);
        for (size_t i = 0; i < n; i++) {
            struct entry *e = entry_find(ws, done[i].id);
            char id[ID128_TEXT_MAX];

            if (e == NULL || e->state != ENTRY_SAVING) {
                continue;
            }
            if (done[i].rc < 0) {
                id128_format(done[i].id, id);
                log_error("webhook %s: state not saved: %s (it may be sent again)", id,
                          mdt_strerror(done[i].rc));
            }
            entry_release(ws, e);
        }
    } while (n > 0);
    kick(ws);
}

/* ---- one try ---- */

/* What a try got, for the log: "HTTP <status>", or why there was no answer. The status line
 * decides: a 2xx whose body then broke or overflowed is delivered. */
static int try_status(const struct webhook_sender *ws, const struct http_response *r, char *why,
                      size_t cap)
{
    static const size_t cert = sizeof(HTTP_CLIENT_CERT_PREFIX) - 1;
    int status = r->status != 0 ? r->status : r->status_line;

    if (r->fail == HTTP_CLIENT_FAIL_TIMEOUT) {
        status = 0; /* the deadline ends the try, whatever came before it */
    }
    if (status > 0) {
        snprintf(why, cap, "HTTP %d", status);
        return status;
    }
    switch (r->fail) {
    case HTTP_CLIENT_FAIL_CERTIFICATE:
        snprintf(why, cap, "TLS certificate refused: %s",
                 strncmp(r->error, HTTP_CLIENT_CERT_PREFIX, cert) == 0 ? r->error + cert
                                                                       : r->error);
        break;
    case HTTP_CLIENT_FAIL_TIMEOUT:
        snprintf(why, cap, "no answer within %u s", ws->cfg.timeout_s);
        break;
    case HTTP_CLIENT_FAIL_CLOSED:
        snprintf(why, cap, "connection closed before the response");
        break;
    case HTTP_CLIENT_FAIL_REFUSED:
    case HTTP_CLIENT_FAIL_MALFORMED:
    case HTTP_CLIENT_FAIL_IO:
    case HTTP_CLIENT_FAIL_TOO_LARGE:
        snprintf(why, cap, "%s", r->error);
        break;
    default:
        snprintf(why, cap, "connection failed: %s", r->error);
        break;
    }
    return 0;
}

static void log_result(const struct entry *e, enum webhook_outcome out, const char *why,
                       int64_t now_us)
{
    struct event_name n;
    long long ms = (long long)((clock_mono_us() - e->started_us) / 1000);
    unsigned long long merchant = (unsigned long long)e->row.merchant_id;

    event_name_get(e, &n);
    if (out == WEBHOOK_OUT_DELIVERED) {
        log_info("webhook %s %s for merchant %llu to %s: delivered, %s (try %u, %lld ms)", n.id,
                 n.type, merchant, n.host, why, e->row.attempts, ms);
    } else if (out == WEBHOOK_OUT_REFUSED) {
        log_warn("webhook %s %s for merchant %llu to %s: refused, not sent: %s ([webhook] "
                 "allow_private = yes allows it; 'mandat webhook replay %s' tries again)",
                 n.id, n.type, merchant, n.host, why, n.id);
    } else if (out == WEBHOOK_OUT_RETRY) {
        log_info("webhook %s %s for merchant %llu to %s: %s (try %u, %lld ms): next try in %lld s",
                 n.id, n.type, merchant, n.host, why, e->row.attempts, ms,
                 (long long)((e->row.next_try_us - now_us + 999999) / 1000000));
    } else {
        log_warn("webhook %s %s for merchant %llu to %s: failed for good after %u %s: %s "
                 "(retry period over; 'mandat webhook replay %s' sends it again)",
                 n.id, n.type, merchant, n.host, e->row.attempts,
                 e->row.attempts == 1 ? "try" : "tries", why, n.id);
    }
}

/* The try is over (status 0: no answer, why says why; refused: the SSRF guard stopped it before
 * connecting): decide, log, save, and start the next. */
static void try_finish(struct entry *e, int status, bool refused, const char *why)
{
    struct webhook_sender *ws = e->ws;
    struct merchant_load *l = load_find(ws, e->row.merchant_id);
    int64_t now_us = clock_now_us();
    enum webhook_outcome out;

    MDT_ASSERT(e->state == ENTRY_SENDING && ws->in_flight > 0);
    MDT_ASSERT(l != NULL && l->in_flight > 0);
    ws->in_flight--;
    l->in_flight--;
    if (refused) {
        out = webhook_row_refuse(&e->row, now_us);
    } else {
        out = webhook_row_after_try(&e->row, status, now_us, ws->cfg.retry_min_s,
                                    ws->cfg.retry_period_s, rng_next(ws));
    }
    log_result(e, out, why, now_us);
    snprintf(e->row.last_error, sizeof(e->row.last_error), "%s",
             out == WEBHOOK_OUT_DELIVERED ? "" : why);
    save(ws, e);
    kick(ws);
}

/* http_client's answer to a try, from the loop. */
static void on_response(void *arg, const struct http_response *r)
{
    struct entry *e = arg;
    char why[WEBHOOK_HOST_MAX + 256];
    int status = try_status(e->ws, r, why, sizeof(why));

    try_finish(e, status, r->fail == HTTP_CLIENT_FAIL_REFUSED, why);
}

/* Send a try: the signed headers and the body, POSTed to the event's URL. Returns 0, or what
 * http_client_request returned (err says why); then on_response is not called. */
static int try_send(struct webhook_sender *ws, struct entry *e, struct mdt_err *err)
{
    struct webhook_header hdr[WEBHOOK_HEADER_COUNT];
    struct http_header out[WEBHOOK_HEADER_COUNT];
    char sig[WEBHOOK_SIG_HEX_MAX];
    size_t len = strnlen(e->row.body, sizeof(e->row.body));
    int64_t t_s = clock_now_us() / 1000000;
    int rc;

    memset(sig, 0, sizeof(sig));
    ws->h.sign(ws->h.ctx, e->row.merchant_id, t_s, e->row.body, len, sig);
    webhook_headers_make(&e->row, t_s, sig, hdr);
    for (size_t i = 0; i < WEBHOOK_HEADER_COUNT; i++) {
        out[i].name = hdr[i].name;
        out[i].value = hdr[i].value;
    }
    rc = http_client_request(ws->http, EVHTTP_REQ_POST, e->row.url, out, WEBHOOK_HEADER_COUNT,
                             e->row.body, len, on_response, e, err);
    explicit_bzero(sig, sizeof(sig));
    explicit_bzero(hdr, sizeof(hdr));
    return rc;
}

/* Start a try of a WAITING entry. A URL mandat cannot send to fails the event at once; a host
 * the SSRF guard knows to be special as written (a localhost name, a special-purpose literal in
 * any spelling) refuses it at once; a name is refused by http_client once resolved. */
static void try_start(struct webhook_sender *ws, struct entry *e)
{
    struct http_target t;
    struct mdt_err err = {0};
    const char *why = "";
    const char *special = NULL;
    struct event_name n;

    e->started_us = clock_mono_us();
    if (webhook_target_parse(e->row.url, &t, &why) == 0) {
        snprintf(e->host, sizeof(e->host), "%s", t.host);
        special = ws->cfg.allow_private ? NULL : webhook_host_special(t.host);
    }
    explicit_bzero(&t, sizeof(t)); /* the path may hold the merchant's token */
    if (special != NULL) {
        /* The host cut short, if need be, so that the range still shows. */
        snprintf(e->row.last_error, sizeof(e->row.last_error),
                 HTTP_CLIENT_SSRF_PREFIX "%.160s is %s", e->host, special);
        log_result(e, webhook_row_refuse(&e->row, clock_now_us()), e->row.last_error, 0);
        save(ws, e);
        return;
    }
    if (why[0] != '\0') {
        event_name_get(e, &n);
        log_warn("webhook %s %s for merchant %llu: cannot send to its URL: %s: failed", n.id,
                 n.type, (unsigned long long)e->row.merchant_id, why);
        e->row.state = WEBHOOK_FAILED;
        e->row.next_try_us = clock_now_us();
        snprintf(e->row.last_error, sizeof(e->row.last_error), "cannot send to its URL: %s", why);
        save(ws, e);
        return;
    }
    e->state = ENTRY_SENDING;
    ws->in_flight++;
    load_find(ws, e->row.merchant_id)->in_flight++;
    if (try_send(ws, e, &err) < 0) {
        event_name_get(e, &n);
        log_error("webhook %s: cannot start a try: %s", n.id, err.msg);
        try_finish(e, 0, false, "not sent"); /* counts as a failed try: retried later */
    }
}

/* Where in waiting the next try to start is: among merchants below merchant_concurrency, one
 * with the fewest tries in flight, and its oldest event; wait_count when none may start. So a
 * merchant whose endpoint hangs holds merchant_concurrency connections at most, and another's
 * event goes first as soon as one is free. O(waiting). */
static uint32_t waiting_next(struct webhook_sender *ws)
{
    uint32_t best = ws->wait_count, best_busy = UINT32_MAX;

    for (uint32_t i = 0; i < ws->wait_count && best_busy > 0; i++) {
        const struct entry *e = &ws->entries[ws->waiting[i]];
        const struct merchant_load *l = load_find(ws, e->row.merchant_id);

        MDT_ASSERT(l != NULL && e->state == ENTRY_WAITING);
        if (l->in_flight < ws->cfg.merchant_concurrency && l->in_flight < best_busy) {
            best = i;
            best_busy = l->in_flight;
        }
    }
    return best;
}

/* Start tries while connections are free, fairly (waiting_next). Bounded by the waiting count. Not
 * reentered: a try that fails inside its own start calls kick again, and the loop here, still
 * running, takes the freed connection; so a burst of such failures never deepens the stack. */
static void kick(struct webhook_sender *ws)
{
    if (ws->kicking) {
        return;
    }
    ws->kicking = true;
    while (ws->wait_count > 0 && ws->in_flight < ws->cfg.concurrency) {
        uint32_t pos = waiting_next(ws);
        struct entry *e;

        if (pos == ws->wait_count) {
            break; /* every waiting event's merchant has its share in flight */
        }
        e = &ws->entries[ws->waiting[pos]];
        memmove(&ws->waiting[pos], &ws->waiting[pos + 1],
                (ws->wait_count - pos - 1) * sizeof(ws->waiting[0]));
        ws->wait_count--;
        try_start(ws, e);
    }
    ws->kicking = false;
}

/* ---- public ---- */

/* An offer turned down for its merchant's share: 2, so that the poll reads on for other
 * merchants' rows; but past WEBHOOK_SKIPS_MAX of them within WEBHOOK_SKIPS_WINDOW_US, -MDT_EFULL,
 * so that a stalled merchant's backlog of due rows does not cost the loop a read of every one
 * of them each second. */
static int offer_skip(struct webhook_sender *ws)
{
    int64_t now_us = clock_mono_us();

    if (now_us - ws->skips_since_us > WEBHOOK_SKIPS_WINDOW_US) {
        ws->skips_since_us = now_us;
        ws->skips = 0;
    }
    return ++ws->skips > WEBHOOK_SKIPS_MAX ? MDT_E(FULL) : 2;
}

int webhook_sender_offer(struct webhook_sender *ws, const struct webhook_row *r)
{
    struct entry *e = NULL;
    const struct merchant_load *l;
    uint32_t i;

    if (r->state != WEBHOOK_QUEUED) {
        return MDT_E(INVAL);
    }
    l = load_find(ws, r->merchant_id);
    if (l != NULL && l->held >= WEBHOOK_MERCHANT_HELD_MIN &&
        WEBHOOK_QUEUE_MAX - ws->used < WEBHOOK_QUEUE_RESERVE) {
        return offer_skip(ws); /* its share of short memory: the rest is for other merchants */
    }
    if (entry_find(ws, r->id) != NULL) {
        return 1;
    }
    if (ws->used >= WEBHOOK_QUEUE_MAX) {
        return MDT_E(FULL);
    }
    for (i = 0; i < WEBHOOK_QUEUE_MAX && e == NULL; i++) {
        e = ws->entries[i].state == ENTRY_FREE ? &ws->entries[i] : NULL;
    }
    MDT_ASSERT(e != NULL && ws->wait_count < WEBHOOK_QUEUE_MAX);
    e->row = *r;
    e->row.url[sizeof(e->row.url) - 1] = '\0';
    e->row.type[sizeof(e->row.type) - 1] = '\0';
    e->row.body[sizeof(e->row.body) - 1] = '\0';
    e->row.last_error[sizeof(e->row.last_error) - 1] = '\0';
    e->state = ENTRY_WAITING;
    ws->used++;
    load_hold(ws, r->merchant_id);
    ws->waiting[ws->wait_count++] = (uint32_t)(e - ws->entries);
    kick(ws);
    return 0;
}

size_t webhook_sender_depth(const struct webhook_sender *ws)
{
    return ws->used;
}

static int config_check(const struct webhook_config *cfg, struct mdt_err *err)
{
    if (cfg->concurrency < 1 || cfg->concurrency > WEBHOOK_CONCURRENCY_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "[webhook] concurrency %u: use 1 to %d",
                           (unsigned)cfg->concurrency, WEBHOOK_CONCURRENCY_MAX);
    }
    if (cfg->merchant_concurrency < 1 || cfg->merchant_concurrency > WEBHOOK_CONCURRENCY_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "[webhook] merchant_concurrency %u: use 1 to %d",
                           (unsigned)cfg->merchant_concurrency, WEBHOOK_CONCURRENCY_MAX);
    }
    if (cfg->timeout_s < 1 || cfg->retry_min_s < 1 || cfg->retry_period_s < 1) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[webhook] timeout, retry_min and retry_period must be above 0");
    }
    return 0;
}

/* The events of the sender, and its HTTP client with [webhook]'s timeout and trust anchors. */
static int events_start(struct webhook_sender *ws, struct mdt_err *err)
{
    struct http_client_config hc;
    struct mdt_err sub = {0};
    int rc;

    ws->wake = event_new(ws->base, -1, EV_PERSIST, on_wake, ws);
    ws->save_again = evtimer_new(ws->base, on_save_again, ws);
    if (ws->wake == NULL || ws->save_again == NULL || event_add(ws->wake, NULL) < 0) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the webhook sender's events");
    }
    memset(&hc, 0, sizeof(hc));
    hc.timeout_s = ws->cfg.timeout_s;
    snprintf(hc.tls_ca_file, sizeof(hc.tls_ca_file), "%s", ws->cfg.tls_ca_file);
    hc.allow_private = ws->cfg.allow_private;
    hc.body_max = WEBHOOK_RESPONSE_BODY_MAX;
    rc = http_client_start(ws->base, &hc, &ws->http, &sub);
    if (rc < 0) {
        return mdt_err_set(err, rc, "[webhook] %.240s", sub.msg);
    }
    return 0;
}

int webhook_sender_start(struct event_base *base, const struct webhook_config *cfg,
                         const struct webhook_handlers *h, struct webhook_sender **out,
                         struct mdt_err *err)
{
    struct webhook_sender *ws = NULL;
    int rc = config_check(cfg, err);

    MDT_ASSERT(h->sign != NULL && h->save != NULL);
    if (rc < 0) {
        goto out;
    }
    ws = calloc(1, sizeof(*ws));
    if (ws == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the webhook sender");
        goto out;
    }
    pthread_mutex_init(&ws->mu, NULL);
    ws->entries = calloc(WEBHOOK_QUEUE_MAX, sizeof(*ws->entries));
    ws->saved = calloc(WEBHOOK_QUEUE_MAX, sizeof(*ws->saved));
    ws->loads = calloc(WEBHOOK_QUEUE_MAX, sizeof(*ws->loads));
    if (ws->entries == NULL || ws->saved == NULL || ws->loads == NULL ||
        index_init(&ws->load_index, WEBHOOK_QUEUE_MAX) < 0 ||
        index_reserve(&ws->load_index, WEBHOOK_QUEUE_MAX) < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the webhook sender");
        goto out;
    }
    ws->base = base;
    ws->cfg = *cfg;
    ws->cfg.tls_ca_file[sizeof(ws->cfg.tls_ca_file) - 1] = '\0';
    ws->h = *h;
    ws->rng = (uint64_t)clock_mono_us() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)ws;
    ws->rng |= 1; /* xorshift's state must not be zero */
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX; i++) {
        ws->entries[i].ws = ws;
    }
    rc = events_start(ws, err);
out:
    if (rc < 0) {
        webhook_sender_free(ws);
    } else {
        *out = ws;
    }
    return rc;
}

void webhook_sender_free(struct webhook_sender *ws)
{
    if (ws == NULL) {
        return;
    }
    http_client_free(ws->http); /* tries in flight end here, without calling on_response */
    if (ws->wake != NULL) {
        event_free(ws->wake);
    }
    if (ws->save_again != NULL) {
        event_free(ws->save_again);
    }
    pthread_mutex_destroy(&ws->mu);
    free(ws->loads);
    index_free(&ws->load_index);
    free(ws->saved);
    free(ws->entries);
    free(ws);
}
