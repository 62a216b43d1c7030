/* SPDX-License-Identifier: Apache-2.0 */
/* The user agent server on the SIP thread: transports, the trunk allow-list (403) and digest
 * authentication (sip_auth.c), OPTIONS, INVITE through libre's sipsess (RFC 3261 §13.3: answered
 * at once with 200 and our SDP) with its session interval (sip_timer.c), the bound on calls held
 * (503 with Retry-After, RFC 3261 §21.5.4), INFO keys, UPDATE, BYE and CANCEL (which libre's
 * transactions answer and report through the close handler). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/log.h"
#include "channel/sip/sip_info.h"
#include "channel/sip/sip_int.h"

#define SIP_ALLOW_HDR "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE\r\n"

/* ---- the allow-list ---- */

/* "127.0.0.1, ::1": addresses, no port, no networks. */
static int addr_list_parse(struct sip_channel *c, const char *key, const char *text, struct sa *out,
                           size_t *count)
{
    const char *p = text;

    *count = 0;
    while (*p != '\0') {
        size_t n = strcspn(p, ", \t");
        char item[64];

        if (n == 0) {
            p++;
            continue;
        }
        if (n >= sizeof(item) || *count >= SIP_ALLOW_MAX) {
            snprintf(c->start_msg, sizeof(c->start_msg),
                     "%s: at most %d addresses of at most %zu characters", key, SIP_ALLOW_MAX,
                     sizeof(item) - 1);
            return MDT_E(INVAL);
        }
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        if (sa_set_str(&out[*count], item, 0) != 0) {
            snprintf(c->start_msg, sizeof(c->start_msg),
                     "%s: '%s' is not an IPv4 or IPv6 address (networks are not supported)", key,
                     item);
            return MDT_E(INVAL);
        }
        (*count)++;
    }
    return 0;
}

static bool addr_in(const struct sa *list, size_t n, const struct sa *a)
{
    for (size_t i = 0; i < n; i++) {
        if (sa_cmp(&list[i], a, SA_ADDR)) {
            return true;
        }
    }
    return false;
}

/* "a.b.c.d:port" of a, for logs (libre's %J is not printf's). */
static const char *addr_str(const struct sa *a, char buf[64])
{
    if (re_snprintf(buf, 64, "%J", a) < 0) {
        snprintf(buf, 64, "?");
    }
    return buf;
}

/* ---- calls ---- */

struct sip_call *sip_ua_call_find(struct sip_channel *c, uint32_t id)
{
    for (struct le *le = list_head(&c->calls); le != NULL; le = le->next) {
        struct sip_call *call = le->data;

        if (call->id == id) {
            return call;
        }
    }
    return NULL;
}

static void call_destructor(void *arg)
{
    struct sip_call *call = arg;

    list_unlink(&call->le);
    sip_timer_stop(call);
    call->sess = mem_deref(call->sess); /* sends BYE when established (libre sipsess) */
    call->media = mem_deref(call->media);
}

void sip_ua_call_end(struct sip_call *call)
{
    struct sip_event ev = {.kind = SIP_EV_ENDED, .call = call->id};

    sip_media_counts(call->media, &ev.rx_packets, &ev.rx_loud);
    atomic_fetch_sub(&call->c->calls_held, 1);
    sip_event_push(call->c, &ev);
    mem_deref(call);
}

void sip_ua_call_play(struct sip_call *call, struct sip_cmd *cmd)
{
    sip_media_play(call->media, cmd);
}

static void on_established(const struct sip_msg *msg, void *arg)
{
    struct sip_call *call = arg;

    (void)msg;
    sip_media_start(call->media);
}

/* libre reports a BYE received as ECONNRESET, a failed session (no ACK, a transport error) with
 * its own error, and a request refused in the dialog with the response. */
static void on_close(int err, const struct sip_msg *msg, void *arg)
{
    struct sip_call *call = arg;

    if (msg != NULL && msg->scode != 0) {
        log_info("sip: call %u closed: %u %.*s", call->id, msg->scode, (int)msg->reason.l,
                 msg->reason.p);
    } else if (err == ECONNRESET) {
        log_info("sip: call %u hung up by the caller", call->id);
    } else {
        log_info("sip: call %u closed: %s", call->id, err != 0 ? strerror(err) : "no reason");
    }
    call->sess = mem_deref(call->sess); /* closed: no BYE of ours */
    sip_ua_call_end(call);
}

/* A re-INVITE's offer, or the offer in the 2xx to our own refresh: either refreshes the session. */
static int on_offer(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
    struct sip_call *call = arg;

    sip_timer_refreshed(call, msg->req);
    return sip_media_offer(call->media, msg, descp);
}

static int on_answer(const struct sip_msg *msg, void *arg)
{
    struct sip_call *call = arg;

    return sip_media_answer(call->media, msg);
}

/* RFC 3261 §20.15: INFO keys in application/dtmf-relay (a trunk's, not a standard's, form). */
static void on_info(struct sip *sip, const struct sip_msg *msg, void *arg)
{
    struct sip_call *call = arg;
    char key = 0;
    uint32_t duration_ms = 0;

    if (!msg_ctype_cmp(&msg->ctyp, "application", "dtmf-relay")) {
        (void)sip_reply(sip, msg, 415, "Unsupported Media Type");
        return;
    }
    if (sip_info_dtmf_parse((const char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb), &key,
                            &duration_ms) < 0) {
        (void)sip_reply(sip, msg, 400, "Bad dtmf-relay body");
        return;
    }
    (void)sip_reply(sip, msg, 200, "OK");
    sip_media_key(call->media, key, SIP_KEY_INFO);
}

/* The caller's number: P-Asserted-Identity from a trusted peer (RFC 3325 §9.1), else From. */
static void caller_of(const struct sip_channel *c, const struct sip_msg *msg, char *out, size_t cap)
{
    const struct uri *uri = &msg->from.uri;
    const struct sip_hdr *pai = sip_msg_hdr(msg, SIP_HDR_P_ASSERTED_IDENTITY);
    struct sip_addr addr;

    if (pai != NULL && addr_in(c->trusted, c->trusted_count, &msg->src) &&
        sip_addr_decode(&addr, &pai->val) == 0) {
        uri = &addr.uri;
    }
    if (uri->user.l == 0 || pl_strcasecmp(&uri->user, "anonymous") == 0) {
        out[0] = '\0';
        return;
    }
    (void)pl_strcpy(&uri->user, out, cap);
}

static void call_accept(struct sip_channel *c, const struct sip_msg *msg,
                        const struct sip_timer_offer *t)
{
    struct sip_call *call = mem_zalloc(sizeof(*call), call_destructor);
    struct sip_event ev = {.kind = SIP_EV_CALL};
    struct mbuf *desc = NULL;
    char hdrs[160];
    int scode;

    if (call == NULL) {
        (void)sip_treply(NULL, c->sip, msg, 500, "Server Internal Error");
        return;
    }
    call->c = c;
    call->id = ++c->next_call;
    tmr_init(&call->se_tmr);
    tmr_init(&call->refresh_tmr);
    tmr_init(&call->ok_tmr);
    tmr_init(&call->ok_end_tmr);
    sip_timer_headers(t, hdrs, sizeof(hdrs));
    scode = sip_media_alloc(&call->media, c, call->id, msg, &desc);
    if (scode != 0) {
        (void)sip_treply(NULL, c->sip, msg, (uint16_t)scode,
                         scode == 488 ? "Not Acceptable Here" : "Server Internal Error");
        mem_deref(call);
        return;
    }
    if (sipsess_accept(&call->sess, c->sess_sock, msg, 200, "OK", "mandat", "application/sdp", desc,
                       NULL, NULL, false, on_offer, on_answer, on_established, on_info, NULL,
                       on_close, call, SIP_ALLOW_HDR "%s", hdrs) != 0) {
        mem_deref(desc);
        mem_deref(call);
        return;
    }
    mem_deref(desc);
    list_append(&c->calls, &call->le, call);
    sip_timer_start(call, t);
    atomic_fetch_add(&c->calls_held, 1);
    caller_of(c, msg, ev.caller, sizeof(ev.caller));
    addr_str(&msg->src, ev.peer);
    ev.call = call->id;
    if (t->se_s != 0) {
        log_info("sip: call %u answered from %s, session expires in %u s, refresher %s", call->id,
                 ev.peer, t->se_s, t->we_refresh ? "mandat" : "the caller");
    } else {
        log_info("sip: call %u answered from %s", call->id, ev.peer);
    }
    sip_event_push(c, &ev);
}

/* Whether requests from src need be on the allow-list under c->auth (on_request refuses them). */
static bool allow_list_required(const struct sip_channel *c)
{
    return c->auth == SIP_AUTH_ALLOW || c->auth == SIP_AUTH_ALLOW_AND_DIGEST;
}

/* sipsess's INVITE handler: the peer, its credentials, the bound, then the session interval. */
static void on_invite(const struct sip_msg *msg, void *arg)
{
    struct sip_channel *c = arg;
    bool allowed = addr_in(c->allow, c->allow_count, &msg->src);
    struct sip_timer_offer t;
    char peer[64];

    if (!allowed && allow_list_required(c)) {
        log_warn("sip: INVITE from %s refused: not in [sip] allow", addr_str(&msg->src, peer));
        (void)sip_treply(NULL, c->sip, msg, 403, "Forbidden");
        return;
    }
    if (sip_auth_required(c, allowed) && sip_auth_check(c, msg) != 0) {
        return; /* challenged or refused */
    }
    if (atomic_load(&c->calls_held) >= c->max_calls) {
        log_warn("sip: INVITE from %s refused: %u calls held ([sip] max_calls)",
                 addr_str(&msg->src, peer), c->max_calls);
        (void)sip_treplyf(NULL, NULL, c->sip, msg, false, 503, "Service Unavailable",
                          "Retry-After: %u\r\nContent-Length: 0\r\n\r\n", c->retry_after_s);
        return;
    }
    if (sip_timer_negotiate(c, msg, &t) != 0) {
        return; /* 422 or 400 sent */
    }
    call_accept(c, msg, &t);
}

/* Every request passes here before sipsess: peers off the allow-list get 403 for anything when
 * the allow-list is required, OPTIONS (a trunk's keep-alive, RFC 3261 §11.2) gets 200 with what
 * we support, UPDATE is ours (sipsess does not know it), and so are the caller's refreshing
 * re-INVITEs (sip_timer.c). Under auth = digest or allow_or_digest
 * any address reaches sipsess: a new INVITE is authenticated there, and a request in a dialog
 * belongs to a call that was. */
static bool on_request(const struct sip_msg *msg, void *arg)
{
    struct sip_channel *c = arg;
    char peer[64];

    if (allow_list_required(c) && !addr_in(c->allow, c->allow_count, &msg->src)) {
        if (pl_strcmp(&msg->met, "ACK") != 0) {
            log_warn("sip: %.*s from %s refused: not in [sip] allow", (int)msg->met.l, msg->met.p,
                     addr_str(&msg->src, peer));
            (void)sip_reply(c->sip, msg, 403, "Forbidden");
        }
        return true;
    }
    if (pl_strcmp(&msg->met, "OPTIONS") == 0) {
        (void)sip_replyf(c->sip, msg, 200, "OK",
                         SIP_ALLOW_HDR "Accept: application/sdp, application/dtmf-relay\r\n"
                                       "Supported: timer\r\nContent-Length: 0\r\n\r\n");
        return true;
    }
    return sip_timer_request(c, msg);
}

int sip_ua_start(struct sip_channel *c)
{
    struct sa laddr;
    int err;

    if (sa_decode(&laddr, c->listen, strlen(c->listen)) != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg),
                 "listen: '%s' is not address:port (\"127.0.0.1:5060\", \"[::1]:5060\")",
                 c->listen);
        return MDT_E(INVAL);
    }
    if (addr_list_parse(c, "allow", c->allow_text, c->allow, &c->allow_count) < 0 ||
        addr_list_parse(c, "trusted", c->trusted_text, c->trusted, &c->trusted_count) < 0) {
        return MDT_E(INVAL);
    }
    c->rtp_laddr = laddr;
    if (c->rtp_addr[0] != '\0' && sa_set_str(&c->rtp_laddr, c->rtp_addr, 0) != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "rtp_addr: '%s' is not an address",
                 c->rtp_addr);
        return MDT_E(INVAL);
    }
    if (sip_auth_init(c) < 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "cannot make the digest nonce key");
        return MDT_E(NOMEM);
    }
    err = sip_alloc(&c->sip, NULL, 32, 32, 32, "mandat", NULL, NULL);
    if (err == 0) {
        err = sip_transp_add(c->sip, SIP_TRANSP_UDP, &laddr);
    }
    if (err == 0) {
        err = sip_transp_add(c->sip, SIP_TRANSP_TCP, &laddr);
    }
    if (err != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "cannot listen on %s: %s", c->listen,
                 strerror(err));
        return MDT_E(IO);
    }
    err = sip_listen(&c->lsnr, c->sip, true, on_request, c);
    if (err == 0) {
        err = sipsess_listen(&c->sess_sock, c->sip, 32, on_invite, c);
    }
    if (err != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "cannot listen: %s", strerror(err));
        return MDT_E(NOMEM);
    }
    (void)re_snprintf(c->addr, sizeof(c->addr), "%J", &laddr);
    return 0;
}

void sip_ua_stop(struct sip_channel *c)
{
    struct le *le = list_head(&c->calls);

    while (le != NULL) {
        struct sip_call *call = le->data;

        le = le->next;
        sip_ua_call_end(call);
    }
}

void sip_ua_release(struct sip_channel *c)
{
    /* Calls still held (a stop that did not run) end without events to a loop that is gone. */
    list_flush(&c->calls);
    c->sess_sock = mem_deref(c->sess_sock);
    c->lsnr = mem_deref(c->lsnr);
    if (c->sip != NULL) {
        sip_close(c->sip, true);
    }
    c->sip = mem_deref(c->sip);
    sip_auth_release(c);
}
