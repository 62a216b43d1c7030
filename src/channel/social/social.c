/* SPDX-License-Identifier: Apache-2.0 */
/* The social channel's I/O (see social.h). Posts are handed to mandatd one at a time, in the
 * order they were written, so that two posts of one person never race; the X webhook answers
 * 200 only once every post of its body is durable (X sends it again otherwise), and Mastodon's
 * cursor moves only once every post before it is durable. Replies carry an Idempotency-Key
 * (Mastodon) derived from the outbox row, so that a retry after a lost answer posts once. */
#include "channel/social/social.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/log.h"
#include "channel/http/http_client.h"
#include "channel/social/social_parse.h"
#include "vault/vault.h"

/* Replies held in memory; the rest wait in the outbox (the service offers them again). */
#define SOCIAL_QUEUE_MAX 128
/* Replies in flight at once, both networks together. */
#define SOCIAL_IN_FLIGHT_MAX 4
/* Mastodon: notifications per page, pages per poll (older ones wait for the next poll). */
#define MASTODON_PAGE 40
#define MASTODON_PAGES_MAX 8
#define BACKOFF_MAX_S 600

enum network { NET_X = 0, NET_MASTODON = 1, NET_COUNT };

struct reply {
    bool used, in_flight;
    struct outbox_row row;
    int64_t next_us;
    uint32_t tries;
    struct social *s;
};

/* A batch of posts handed to mandatd one by one. */
struct batch {
    struct social *s;
    struct social_post *posts;
    size_t n, next;
    bool failed;
    enum network net;
    struct evhttp_request *req; /* X: answered at the end; NULL once the client left */
};

struct social {
    struct event_base *base;
    struct social_config cfg;
    struct social_handlers h;
    struct http_client *http;
    struct reply replies[SOCIAL_QUEUE_MAX];
    uint32_t in_flight;
    int64_t paused_until_us[NET_COUNT];
    struct event *tick;
    /* Mastodon polling */
    char since_id[SOCIAL_ID_MAX];
    char newest[SOCIAL_ID_MAX];
    struct event *poll_ev;
    struct batch poll;
    size_t poll_cap;
    int pages;
    bool polling;
};

static enum network net_of(const char *address)
{
    return strncmp(address, "x:", 2) == 0 ? NET_X : NET_MASTODON;
}

/* ---- sending replies ---- */

static void kick(struct social *s);

static int64_t backoff_us(const struct social *s, uint32_t tries)
{
    uint64_t w = (uint64_t)s->cfg.retry_min_s << (tries < 16 ? tries - 1 : 15);

    return (int64_t)(w < BACKOFF_MAX_S ? w : BACKOFF_MAX_S) * 1000000;
}

/* The network's id of what we posted, from its answer. */
static void posted_id(enum network net, const char *body, char out[SOCIAL_ID_MAX])
{
    json_t *j = json_loads(body, 0, NULL);
    const char *id = NULL;

    out[0] = '\0';
    if (j != NULL && net == NET_MASTODON) {
        id = json_string_value(json_object_get(j, "id"));
    } else if (j != NULL) {
        json_t *d = json_object_get(j, "data");

        id = json_string_value(json_object_get(d, "id"));
        if (id == NULL) {
            id = json_string_value(json_object_get(d, "dm_event_id"));
        }
    }
    snprintf(out, SOCIAL_ID_MAX, "%s", id != NULL ? id : "");
    json_decref(j);
}

/* How long a 429 asks us to wait: Mastodon's X-RateLimit-Reset, X's x-rate-limit-reset, or
 * Retry-After; fallback when none is usable. */
static int64_t rate_wait_us(const struct http_response *resp, int64_t now, int64_t fallback)
{
    struct evkeyvalq *hd = (struct evkeyvalq *)resp->headers;
    const char *reset = hd != NULL ? evhttp_find_header(hd, "X-RateLimit-Reset") : NULL;
    int64_t wait;

    if (hd != NULL && reset == NULL) {
        reset = evhttp_find_header(hd, "x-rate-limit-reset");
    }
    wait =
        social_rate_wait_us(reset, hd != NULL ? evhttp_find_header(hd, "Retry-After") : NULL, now);
    return wait < 0 ? fallback : wait;
}

static void reply_done(void *arg, const struct http_response *resp)
{
    struct reply *r = arg;
    struct social *s = r->s;
    enum network net = net_of(r->row.dest);
    int64_t now = clock_now_us();
    char peer[SOCIAL_ID_MAX], idtext[ID128_TEXT_MAX];

    r->in_flight = false;
    s->in_flight--;
    id128_format(r->row.id, idtext);
    if (resp->status >= 200 && resp->status < 300) {
        posted_id(net, resp->body, peer);
        log_info("social reply %s to %s sent (%s)", idtext, net == NET_X ? "X" : "Mastodon", peer);
        s->h.sent(s->h.ctx, r->row.id, 0, peer);
        r->used = false;
    } else if (resp->status == 429) {
        int64_t wait = rate_wait_us(resp, now, backoff_us(s, 1));

        s->paused_until_us[net] = now + wait;
        r->next_us = now + wait;
        log_warn("social: %s answered 429: replies wait %lld s for its rate-limit reset",
                 net == NET_X ? "X" : "Mastodon", (long long)(wait / 1000000));
    } else if (resp->status == 0 || resp->status >= 500 || resp->status == 408) {
        r->tries++;
        if (now - r->row.created_us > (int64_t)s->cfg.retry_period_s * 1000000) {
            log_error("social reply %s given up after %u tries: %s", idtext, r->tries,
                      resp->status == 0 ? resp->error : "server error");
            s->h.sent(s->h.ctx, r->row.id, MDT_E(IO), "");
            r->used = false;
        } else {
            r->next_us = now + backoff_us(s, r->tries);
            log_warn("social reply %s: %s%s; retried in %lld s", idtext,
                     resp->status == 0 ? "" : "status ", resp->status == 0 ? resp->error : "5xx",
                     (long long)((r->next_us - now) / 1000000));
        }
    } else {
        /* The network may quote the text it refused: never a link's token in the log. A token
         * cut at the end of the copy is past what is printed. */
        char body[240];

        snprintf(body, sizeof(body), "%s", resp->body);
        vault_token_redact(body);
        log_error("social reply %s refused by %s: status %d: %.200s", idtext,
                  net == NET_X ? "X" : "Mastodon", resp->status, body);
        s->h.sent(s->h.ctx, r->row.id, MDT_E(INVAL), "");
        r->used = false;
    }
    kick(s);
}

/* The request of reply r: Mastodon status, X reply tweet or X direct message. */
static int reply_send(struct social *s, struct reply *r)
{
    enum network net = net_of(r->row.dest);
    const char *who = strchr(r->row.dest, ':') + 1;
    char url[STORE_URL_MAX + 128], auth[600], key[ID128_TEXT_MAX], text[STORE_TEXT_MAX + 80];
    struct http_header hdr[3];
    struct mdt_err err = {0};
    json_t *j;
    char *body;
    int rc;

    snprintf(text, sizeof(text), "@%s %s", who, r->row.text);
    if (net == NET_MASTODON) {
        snprintf(url, sizeof(url), "%s/api/v1/statuses", s->cfg.mastodon_url);
        snprintf(auth, sizeof(auth), "Bearer %s", s->cfg.mastodon_token);
        j = json_pack("{s:s, s:s}", "status", text, "visibility",
                      r->row.visibility == VIS_PUBLIC ? "public" : "direct");
        if (r->row.reply_to[0] != '\0') {
            json_object_set_new(j, "in_reply_to_id", json_string(r->row.reply_to));
        }
    } else if (r->row.visibility == VIS_PUBLIC) {
        snprintf(url, sizeof(url), "%s/2/tweets", s->cfg.x_api);
        snprintf(auth, sizeof(auth), "Bearer %s", s->cfg.x_bearer_token);
        j = json_pack("{s:s}", "text", text);
        if (r->row.reply_to[0] != '\0') {
            json_object_set_new(j, "reply",
                                json_pack("{s:s}", "in_reply_to_tweet_id", r->row.reply_to));
        }
    } else {
        if (r->row.dest_id[0] == '\0') {
            log_error("social reply to %s: no X user id for a direct message: given up",
                      r->row.dest);
            return MDT_E(INVAL);
        }
        snprintf(url, sizeof(url), "%s/2/dm_conversations/with/%s/messages", s->cfg.x_api,
                 r->row.dest_id);
        snprintf(auth, sizeof(auth), "Bearer %s", s->cfg.x_bearer_token);
        j = json_pack("{s:s}", "text", r->row.text);
    }
    body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (body == NULL) {
        return MDT_E(NOMEM);
    }
    id128_format(r->row.id, key);
    hdr[0] = (struct http_header){"Authorization", auth};
    hdr[1] = (struct http_header){"Content-Type", "application/json"};
    hdr[2] = (struct http_header){"Idempotency-Key", key};
    rc = http_client_request(s->http, EVHTTP_REQ_POST, url, hdr, 3, body, strlen(body), reply_done,
                             r, &err);
    free(body);
    memset(auth, 0, sizeof(auth));
    if (rc < 0) {
        log_error("social reply to %s: %s", net == NET_X ? "X" : "Mastodon", err.msg);
    }
    return rc;
}

static void kick(struct social *s)
{
    int64_t now = clock_now_us();

    for (size_t i = 0; i < SOCIAL_QUEUE_MAX && s->in_flight < SOCIAL_IN_FLIGHT_MAX; i++) {
        struct reply *r = &s->replies[i];

        if (!r->used || r->in_flight || r->next_us > now ||
            s->paused_until_us[net_of(r->row.dest)] > now) {
            continue;
        }
        r->in_flight = true;
        s->in_flight++;
        if (reply_send(s, r) < 0) {
            r->in_flight = false;
            s->in_flight--;
            s->h.sent(s->h.ctx, r->row.id, MDT_E(INVAL), "");
            r->used = false;
        }
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kick(arg);
}

int social_offer(struct social *s, const struct outbox_row *row)
{
    for (size_t i = 0; i < SOCIAL_QUEUE_MAX; i++) {
        if (s->replies[i].used && id128_eq(s->replies[i].row.id, row->id)) {
            return 0; /* already here */
        }
    }
    for (size_t i = 0; i < SOCIAL_QUEUE_MAX; i++) {
        struct reply *r = &s->replies[i];

        if (!r->used) {
            memset(r, 0, sizeof(*r));
            r->used = true;
            r->s = s;
            r->row = *row;
            r->next_us = clock_now_us();
            kick(s);
            return 0;
        }
    }
    return MDT_E(FULL);
}

size_t social_depth(const struct social *s)
{
    size_t n = 0;

    for (size_t i = 0; i < SOCIAL_QUEUE_MAX; i++) {
        n += s->replies[i].used ? 1 : 0;
    }
    return n;
}

/* ---- posts in: one at a time ---- */

static void batch_next(struct batch *b);

static void batch_post_done(void *arg, int rc)
{
    struct batch *b = arg;

    if (rc < 0 && rc != MDT_E(EXISTS)) {
        b->failed = true;
        b->next = b->n; /* stop: the rest comes again (X resends, Mastodon polls again) */
    }
    batch_next(b);
}

static void batch_end(struct batch *b);

static void batch_next(struct batch *b)
{
    struct social *s = b->s;

    while (b->next < b->n) {
        const struct social_post *p = &b->posts[b->next++];
        struct dialog_mention mentions[SOCIAL_POST_MENTIONS];
        struct dialog_message m;

        if (p->repost || p->from_self || p->author[0] == '\0' ||
            (b->net == NET_MASTODON && strcmp(p->author, s->cfg.handle + 1) == 0)) {
            continue; /* not a post to us: our own, or a repost */
        }
        memset(&m, 0, sizeof(m));
        m.channel = CHANNEL_SOCIAL;
        snprintf(m.source, sizeof(m.source), "%s:%s", b->net == NET_X ? "x" : "m", p->author);
        snprintf(m.dest, sizeof(m.dest), "%s", s->cfg.handle);
        snprintf(m.peer_id, sizeof(m.peer_id), "%s", p->id);
        snprintf(m.source_id, sizeof(m.source_id), "%s", p->author_id);
        m.peer_time_us = p->created_us;
        m.text = p->text;
        m.len = strlen(p->text);
        for (size_t i = 0; i < p->n_mentions; i++) {
            mentions[i] = (struct dialog_mention){p->mentions[i].handle, p->mentions[i].id};
        }
        m.mentions = mentions;
        m.n_mentions = p->n_mentions;
        s->h.receive(s->h.ctx, &m, b, batch_post_done); /* reads m during the call only */
        return;                                         /* batch_post_done continues */
    }
    batch_end(b);
}

/* ---- X: the Account Activity webhook ---- */

static void x_reply(struct evhttp_request *req, int status, const char *type, const char *body)
{
    struct evbuffer *out = evbuffer_new();

    MDT_ASSERT(out != NULL);
    evbuffer_add(out, body, strlen(body));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evhttp_send_reply(req, status, NULL, out);
    evbuffer_free(out);
}

static void x_problem(struct evhttp_request *req, int status, const char *title, const char *detail)
{
    json_t *j = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title, "status",
                          status, "detail", detail);
    char *body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

    x_reply(req, status, "application/problem+json", body != NULL ? body : "{}");
    free(body);
    json_decref(j);
}

static void x_client_gone(struct evhttp_connection *conn, void *arg)
{
    struct batch *b = arg;

    (void)conn;
    b->req = NULL;
}

static void x_crc(struct social *s, struct evhttp_request *req)
{
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    struct evkeyvalq params = {0};
    const char *token;
    char sig[VAULT_X_SIG_MAX], out[sizeof(sig) + 32];

    if (q == NULL || evhttp_parse_query_str(q, &params) < 0 ||
        (token = evhttp_find_header(&params, "crc_token")) == NULL ||
        vault_x_sign(s->cfg.vault, token, strlen(token), sig) < 0) {
        evhttp_clear_headers(&params);
        x_problem(req, 400, "Bad Request", "crc_token missing or too long: GET ?crc_token=...");
        return;
    }
    evhttp_clear_headers(&params);
    /* Base64 needs no JSON escaping. */
    snprintf(out, sizeof(out), "{\"response_token\":\"%s\"}", sig);
    x_reply(req, 200, "application/json", out);
}

static void x_events(struct social *s, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *sig =
        evhttp_find_header(evhttp_request_get_input_headers(req), "x-twitter-webhooks-signature");
    struct mdt_err err = {0};
    struct batch *b;
    char *body;
    int n;

    body = malloc(len + 1);
    MDT_ASSERT(body != NULL);
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    /* The signature is checked before a byte of the body is read. */
    if (!vault_x_signature_ok(s->cfg.vault, body, len, sig)) {
        free(body);
        log_warn("social: X webhook with a %s signature refused (401)",
                 sig == NULL ? "missing" : "wrong");
        x_problem(req, 401, "Unauthorized",
                  "x-twitter-webhooks-signature missing or wrong: sign the body with the app's "
                  "consumer secret");
        return;
    }
    b = calloc(1, sizeof(*b));
    MDT_ASSERT(b != NULL);
    b->posts = calloc(SOCIAL_POSTS_MAX, sizeof(*b->posts));
    MDT_ASSERT(b->posts != NULL);
    n = social_x_parse_events(body, len, b->posts, SOCIAL_POSTS_MAX, &err);
    free(body);
    if (n < 0) {
        free(b->posts);
        free(b);
        x_problem(req, 400, "Bad Request", err.msg);
        return;
    }
    b->s = s;
    b->n = (size_t)n;
    b->net = NET_X;
    b->req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), x_client_gone, b);
    batch_next(b);
}

bool social_handle_http(struct social *s, void *r)
{
    struct evhttp_request *req = r;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

    if (path == NULL || strcmp(path, "/social/x/webhook") != 0) {
        return false;
    }
    if (s == NULL || !vault_x_secret_held(s->cfg.vault)) {
        return false; /* not configured: a 404 like any unknown path */
    }
    if (evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
        x_crc(s, req);
    } else if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
        x_events(s, req);
    } else {
        x_problem(req, 405, "Method Not Allowed", "GET (CRC) or POST (events) only");
    }
    return true;
}

/* ---- Mastodon: polling ---- */

static void poll_later(struct social *s, int64_t wait_us)
{
    struct timeval tv = {(time_t)(wait_us / 1000000), (suseconds_t)(wait_us % 1000000)};

    s->polling = false;
    evtimer_add(s->poll_ev, &tv);
}

static void poll_get(struct social *s, const char *url);

static void cursor_saved(void *arg, int rc)
{
    struct social *s = arg;

    if (rc == 0) {
        snprintf(s->since_id, sizeof(s->since_id), "%s", s->newest);
    }
    poll_later(s, (int64_t)s->cfg.mastodon_poll_ms * 1000);
}

static void batch_end(struct batch *b)
{
    struct social *s = b->s;

    if (b->net == NET_X) {
        if (b->req != NULL) {
            evhttp_connection_set_closecb(evhttp_request_get_connection(b->req), NULL, NULL);
            if (b->failed) {
                x_problem(b->req, 503, "Service Unavailable", "busy: send the event again");
            } else {
                x_reply(b->req, 200, "application/json", "{}");
            }
        }
        free(b->posts);
        free(b);
        return;
    }
    /* Mastodon: the cursor moves past the page only when all of it is durable. */
    if (b->failed || s->newest[0] == '\0' || social_id_cmp(s->newest, s->since_id) <= 0) {
        poll_later(s, (int64_t)s->cfg.mastodon_poll_ms * 1000);
        return;
    }
    s->h.save_cursor(s->h.ctx, s->newest, s, cursor_saved);
}

static int post_cmp(const void *a, const void *b)
{
    return social_id_cmp(((const struct social_post *)a)->notification_id,
                         ((const struct social_post *)b)->notification_id);
}

static void poll_process(struct social *s)
{
    struct batch *b = &s->poll;

    qsort(b->posts, b->n, sizeof(*b->posts), post_cmp); /* oldest first */
    b->next = 0;
    b->failed = false;
    batch_next(b);
}

static void poll_done(void *arg, const struct http_response *resp)
{
    struct social *s = arg;
    struct batch *b = &s->poll;
    const struct evkeyvalq *hd = resp->headers;
    char next[STORE_URL_MAX * 2];
    struct mdt_err err = {0};
    bool older = false;
    int n;

    if (resp->status == 429) {
        int64_t wait = rate_wait_us(resp, clock_now_us(), (int64_t)s->cfg.mastodon_poll_ms * 1000);

        log_warn("social: Mastodon answered 429: polling waits %lld s for its rate-limit reset",
                 (long long)(wait / 1000000));
        s->paused_until_us[NET_MASTODON] = clock_now_us() + wait;
        poll_later(s, wait);
        return;
    }
    if (resp->status != 200) {
        log_warn("social: Mastodon notifications: %s%d %.120s",
                 resp->status == 0 ? resp->error : "status ", resp->status, resp->body);
        poll_later(s, (int64_t)s->cfg.mastodon_poll_ms * 1000 * 5);
        return;
    }
    if (b->n + MASTODON_PAGE > s->poll_cap) {
        poll_process(s); /* full: the older ones come with the next poll */
        return;
    }
    n = social_mastodon_parse_notifications(resp->body, resp->body_len, b->posts + b->n,
                                            s->poll_cap - b->n, &err);
    if (n < 0) {
        log_warn("social: Mastodon notifications not understood: %s", err.msg);
        poll_later(s, (int64_t)s->cfg.mastodon_poll_ms * 1000 * 5);
        return;
    }
    for (int i = 0; i < n; i++) {
        const struct social_post *p = &b->posts[b->n + (size_t)i];

        if (s->since_id[0] != '\0' && social_id_cmp(p->notification_id, s->since_id) <= 0) {
            older = true;
        }
        if (social_id_cmp(p->notification_id, s->newest) > 0) {
            snprintf(s->newest, sizeof(s->newest), "%s", p->notification_id);
        }
    }
    /* Keep only what is newer than the cursor. */
    {
        size_t from = b->n, kept = b->n;

        for (size_t i = 0; i < (size_t)n; i++) {
            const struct social_post *p = &b->posts[from + i];

            if (s->since_id[0] == '\0' || social_id_cmp(p->notification_id, s->since_id) > 0) {
                if (kept != from + i) {
                    b->posts[kept] = *p;
                }
                kept++;
            }
        }
        b->n = kept;
    }
    /* A full page after since_id: older mentions may follow it (Link rel="next"). */
    if (n == MASTODON_PAGE && !older && s->since_id[0] != '\0' && ++s->pages < MASTODON_PAGES_MAX &&
        hd != NULL &&
        social_link_find(evhttp_find_header((struct evkeyvalq *)hd, "Link"), "next", next,
                         sizeof(next)) == 0) {
        poll_get(s, next);
        return;
    }
    poll_process(s);
}

static void poll_get(struct social *s, const char *url)
{
    char auth[300];
    struct http_header hdr[1];
    struct mdt_err err = {0};

    snprintf(auth, sizeof(auth), "Bearer %s", s->cfg.mastodon_token);
    hdr[0] = (struct http_header){"Authorization", auth};
    if (http_client_request(s->http, EVHTTP_REQ_GET, url, hdr, 1, NULL, 0, poll_done, s, &err) <
        0) {
        log_error("social: Mastodon poll: %s", err.msg);
        poll_later(s, (int64_t)s->cfg.mastodon_poll_ms * 1000 * 5);
    }
    memset(auth, 0, sizeof(auth));
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    struct social *s = arg;
    char url[STORE_URL_MAX * 2];

    (void)fd;
    (void)what;
    if (s->polling) {
        return;
    }
    if (s->paused_until_us[NET_MASTODON] > clock_now_us()) {
        /* A reply met a 429: nothing goes to Mastodon before its reset. */
        struct timeval tv = {0, 0};
        int64_t wait = s->paused_until_us[NET_MASTODON] - clock_now_us();

        tv.tv_sec = (time_t)(wait / 1000000);
        tv.tv_usec = (suseconds_t)(wait % 1000000);
        evtimer_add(s->poll_ev, &tv);
        return;
    }
    s->polling = true;
    s->poll.n = 0;
    s->poll.next = 0;
    s->pages = 0;
    snprintf(s->newest, sizeof(s->newest), "%s", s->since_id);
    snprintf(url, sizeof(url), "%s/api/v1/notifications?types%%5B%%5D=mention&limit=%d%s%s",
             s->cfg.mastodon_url, MASTODON_PAGE, s->since_id[0] != '\0' ? "&since_id=" : "",
             s->since_id);
    poll_get(s, url);
}

/* ---- life ---- */

int social_start(struct event_base *base, const struct social_config *cfg,
                 const struct social_handlers *h, const char *since_id, struct social **out,
                 struct mdt_err *err)
{
    struct social *s = calloc(1, sizeof(*s));
    struct http_client_config hc = {.timeout_s = cfg->timeout_s,
                                    .allow_private = cfg->allow_private};
    struct timeval tick = {0, 250000};
    int rc;

    if (s == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the social channel");
    }
    s->base = base;
    s->cfg = *cfg;
    s->h = *h;
    snprintf(s->since_id, sizeof(s->since_id), "%s", since_id);
    snprintf(hc.tls_ca_file, sizeof(hc.tls_ca_file), "%s", cfg->tls_ca_file);
    rc = http_client_start(base, &hc, &s->http, err);
    if (rc < 0) {
        free(s);
        return rc;
    }
    s->poll.s = s;
    s->poll.net = NET_MASTODON;
    s->poll_cap = MASTODON_PAGE * MASTODON_PAGES_MAX;
    s->poll.posts = calloc(s->poll_cap, sizeof(*s->poll.posts));
    s->tick = event_new(base, -1, EV_PERSIST, on_tick, s);
    s->poll_ev = evtimer_new(base, on_poll, s);
    if (s->poll.posts == NULL || s->tick == NULL || s->poll_ev == NULL) {
        social_free(s);
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory starting the social channel");
    }
    evtimer_add(s->tick, &tick);
    if (cfg->mastodon_url[0] != '\0') {
        poll_later(s, 0);
    }
    *out = s;
    return 0;
}

void social_free(struct social *s)
{
    if (s == NULL) {
        return;
    }
    http_client_free(s->http);
    if (s->tick != NULL) {
        event_free(s->tick);
    }
    if (s->poll_ev != NULL) {
        event_free(s->poll_ev);
    }
    free(s->poll.posts);
    memset(&s->cfg, 0, sizeof(s->cfg)); /* tokens */
    free(s);
}
