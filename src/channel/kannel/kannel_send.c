/* SPDX-License-Identifier: Apache-2.0 */
/* Kannel sendsms client: one GET per message with UTF-8 text, the coding chosen by whether the
 * text fits the GSM alphabet, and a dlr-url that names the outbox row. */
#include "channel/kannel/kannel_send.h"

#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id128.h"
#include "base/log.h"
#include "channel/smpp/gsm.h"

struct kannel_send {
    struct event_base *base;
    struct kannel_send_config cfg;
    struct kannel_send_handlers h;
    struct evhttp_uri *uri;
    struct evhttp_connection *conn;
    uint32_t in_flight;
};

struct send_req {
    struct kannel_send *ks;
    struct outbox_row row;
};

static char *encode(const char *s)
{
    return evhttp_encode_uri(s);
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct send_req *sr = arg;
    struct kannel_send *ks = sr->ks;
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
    char idtext[ID128_TEXT_MAX];

    ks->in_flight--;
    id128_format(sr->row.id, idtext);
    if (code == 200 || code == 202) {
        ks->h.submitted(ks->h.ctx, sr->row.id, 0, idtext);
    } else if (code >= 400 && code < 500) {
        log_warn("kannel refused a message for good: HTTP %d", code);
        ks->h.submitted(ks->h.ctx, sr->row.id, MDT_E(IO), "");
    } else {
        log_warn("kannel did not take a message (HTTP %d): it waits in the outbox", code);
        ks->h.requeue(ks->h.ctx, &sr->row);
    }
    free(sr);
}

/* The query for one message. Returns NULL when out of memory. */
static char *query_for(const struct kannel_send *ks, const struct outbox_row *r)
{
    struct sms_plan plan;
    char idtext[ID128_TEXT_MAX];
    char *u = encode(ks->cfg.username), *p = encode(ks->cfg.password), *f = encode(r->source);
    char *t = encode(r->dest), *x = encode(r->text), *d = NULL;
    char *q = NULL;
    size_t n;
    bool ucs2 = sms_plan(r->text, strlen(r->text), &plan) == 0 && plan.coding == SMS_CODING_UCS2;

    id128_format(r->id, idtext);
    if (ks->cfg.dlr_url[0] != '\0') {
        char dlr[800];
        char *sec = ks->cfg.dlr_secret[0] != '\0' ? encode(ks->cfg.dlr_secret) : NULL;

        /* The report comes back to /kannel/dlr, which, like /kannel/mo, wants the secret. */
        snprintf(dlr, sizeof(dlr), "%s?id=%s&status=%%d%s%s", ks->cfg.dlr_url, idtext,
                 sec != NULL ? "&secret=" : "", sec != NULL ? sec : "");
        free(sec);
        d = encode(dlr);
    }
    if (u != NULL && p != NULL && f != NULL && t != NULL && x != NULL) {
        n = strlen(u) + strlen(p) + strlen(f) + strlen(t) + strlen(x) + (d ? strlen(d) : 0) + 160;
        q = malloc(n);
        if (q != NULL) {
            snprintf(q, n,
                     "username=%s&password=%s&from=%s&to=%s&text=%s&charset=UTF-8&coding=%d%s%s", u,
                     p, f, t, x, ucs2 ? 2 : 0, d ? "&dlr-mask=3&dlr-url=" : "", d ? d : "");
        }
    }
    free(u);
    free(p);
    free(f);
    free(t);
    free(x);
    free(d);
    return q;
}

int kannel_send_submit(void *arg, const struct outbox_row *r)
{
    struct kannel_send *ks = arg;
    struct evhttp_request *req;
    struct send_req *sr;
    char path[8192];
    char *q;

    if (ks->in_flight >= ks->cfg.in_flight) {
        return MDT_E(FULL);
    }
    sr = malloc(sizeof(*sr));
    q = query_for(ks, r);
    if (sr == NULL || q == NULL || strlen(q) + 300 > sizeof(path)) {
        free(sr);
        free(q);
        return MDT_E(FULL);
    }
    sr->ks = ks;
    sr->row = *r;
    snprintf(path, sizeof(path), "%s?%s", evhttp_uri_get_path(ks->uri), q);
    free(q);
    req = evhttp_request_new(on_done, sr);
    if (req == NULL) {
        free(sr);
        return MDT_E(FULL);
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Host", evhttp_uri_get_host(ks->uri));
    if (evhttp_make_request(ks->conn, req, EVHTTP_REQ_GET, path) < 0) {
        free(sr); /* libevent freed req */
        return MDT_E(FULL);
    }
    ks->in_flight++;
    return 0;
}

bool kannel_send_ready(void *arg)
{
    struct kannel_send *ks = arg;

    return ks->in_flight < ks->cfg.in_flight;
}

int kannel_send_start(struct event_base *base, const struct kannel_send_config *cfg,
                      const struct kannel_send_handlers *h, struct kannel_send **out,
                      struct mdt_err *err)
{
    struct kannel_send *ks = calloc(1, sizeof(*ks));
    int port;

    if (ks == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory");
    }
    ks->base = base;
    ks->cfg = *cfg;
    ks->h = *h;
    if (ks->cfg.in_flight == 0) {
        ks->cfg.in_flight = 10;
    }
    ks->uri = evhttp_uri_parse(cfg->url);
    if (ks->uri == NULL || evhttp_uri_get_host(ks->uri) == NULL ||
        evhttp_uri_get_path(ks->uri) == NULL) {
        kannel_send_free(ks);
        return mdt_err_set(err, MDT_E(INVAL),
                           "[kannel] sendsms_url '%.80s': write it like "
                           "http://127.0.0.1:13013/cgi-bin/sendsms",
                           cfg->url);
    }
    port = evhttp_uri_get_port(ks->uri);
    ks->conn = evhttp_connection_base_new(base, NULL, evhttp_uri_get_host(ks->uri),
                                          (uint16_t)(port > 0 ? port : 80));
    if (ks->conn == NULL) {
        kannel_send_free(ks);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot create the connection to Kannel");
    }
    evhttp_connection_set_timeout(ks->conn, 30);
    evhttp_connection_set_retries(ks->conn, 0);
    *out = ks;
    return 0;
}

void kannel_send_free(struct kannel_send *ks)
{
    if (ks == NULL) {
        return;
    }
    if (ks->conn != NULL) {
        evhttp_connection_free(ks->conn);
    }
    if (ks->uri != NULL) {
        evhttp_uri_free(ks->uri);
    }
    memset(ks->cfg.password, 0, sizeof(ks->cfg.password));
    free(ks);
}
