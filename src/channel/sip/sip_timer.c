/* SPDX-License-Identifier: Apache-2.0 */
/* Session timers (RFC 4028), which libre 1.1.0's sipsess does not implement: the interval of a
 * new INVITE (422 below our Min-SE), Session-Expires and Require: timer in the 200, UPDATE
 * (RFC 3311) answered here since sipsess does not know it, the caller's refreshing re-INVITEs
 * answered here with Session-Expires (sipsess's 200 cannot carry it), our own refreshes (a
 * re-INVITE without a body, through sipsess_modify) when mandat is the refresher, and a BYE
 * when a session is not refreshed in time. SIP thread only. */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/log.h"
#include "channel/sip/sip_int.h"

/* RFC 4028 §10: the side not refreshing sends its BYE this long before the session expires:
 * the smaller of 32 s and a third of the interval. */
static uint64_t bye_after_ms(uint32_t se_s)
{
    uint32_t margin_s = se_s / 3 < 32 ? se_s / 3 : 32;

    return (uint64_t)(se_s - margin_s) * 1000;
}

/* 422 with our Min-SE (RFC 4028 §6). */
static void refuse_small(struct sip_channel *c, const struct sip_msg *msg, uint32_t se_s)
{
    log_info("sip: %.*s refused: Session-Expires %u below [sip] min_se %u", (int)msg->met.l,
             msg->met.p, se_s, c->min_se_s);
    (void)sip_treplyf(NULL, NULL, c->sip, msg, false, 422, "Session Interval Too Small",
                      "Min-SE: %u\r\nContent-Length: 0\r\n\r\n", c->min_se_s);
}

/* Session-Expires and Min-SE of msg: 0 when read (se_s 0 when absent), else 400 sent. */
static int headers_read(struct sip_channel *c, const struct sip_msg *msg, uint32_t *se_s,
                        enum sip_refresher *refresher, uint32_t *min_se_s)
{
    const struct sip_hdr *se = sip_msg_hdr(msg, SIP_HDR_SESSION_EXPIRES);
    const struct sip_hdr *min = sip_msg_hdr(msg, SIP_HDR_MIN_SE);

    *se_s = 0;
    *min_se_s = 0;
    *refresher = SIP_REFRESHER_NONE;
    if ((se != NULL && sip_hdr_delta_parse(se->val.p, se->val.l, se_s, refresher) < 0) ||
        (min != NULL && sip_hdr_delta_parse(min->val.p, min->val.l, min_se_s, NULL) < 0)) {
        (void)sip_treply(NULL, c->sip, msg, 400, "Bad Session-Expires or Min-SE");
        return 400;
    }
    return 0;
}

int sip_timer_negotiate(struct sip_channel *c, const struct sip_msg *msg, struct sip_timer_offer *t)
{
    enum sip_refresher refresher;
    uint32_t se_s, min_se_s;

    memset(t, 0, sizeof(*t));
    if (headers_read(c, msg, &se_s, &refresher, &min_se_s) != 0) {
        return 400;
    }
    if (se_s != 0 && se_s < c->min_se_s) {
        refuse_small(c, msg, se_s);
        return 422;
    }
    t->uac_timer = sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED, "timer");
    /* §9: no Session-Expires asked: ours, but never below the caller's own Min-SE */
    t->se_s = se_s != 0 ? se_s : c->session_expires_s;
    if (t->se_s < min_se_s) {
        t->se_s = min_se_s;
    }
    /* §9: the caller's choice stands; otherwise it refreshes if it can, else we do */
    if (refresher != SIP_REFRESHER_NONE && t->uac_timer) {
        t->we_refresh = refresher == SIP_REFRESHER_UAS;
    } else {
        t->we_refresh = !t->uac_timer;
    }
    return 0;
}

void sip_timer_headers(const struct sip_timer_offer *t, char *out, size_t cap)
{
    if (t->se_s == 0) {
        snprintf(out, cap, "Supported: timer\r\n");
        return;
    }
    /* §9: Require: timer only to a caller that supports it */
    snprintf(out, cap, "Session-Expires: %u;refresher=%s\r\nSupported: timer\r\n%s", t->se_s,
             t->we_refresh ? "uas" : "uac", t->uac_timer ? "Require: timer\r\n" : "");
}

static void on_expired(void *arg)
{
    struct sip_call *call = arg;

    log_info("sip: call %u: session not refreshed within %u s (RFC 4028), hanging up", call->id,
             call->se_s);
    sip_ua_call_end(call); /* BYE */
}

static void on_refresh(void *arg)
{
    struct sip_call *call = arg;

    /* §10: a re-INVITE without a body: the caller offers, we answer in the ACK (on_offer) */
    if (sipsess_modify(call->sess, NULL) != 0) {
        log_warn("sip: call %u: cannot send the session refresh now", call->id);
    } else {
        log_info("sip: call %u: session refresh sent", call->id);
    }
}

static void arm(struct sip_call *call)
{
    tmr_start(&call->se_tmr, bye_after_ms(call->se_s), on_expired, call);
    if (call->we_refresh) {
        tmr_start(&call->refresh_tmr, (uint64_t)call->se_s * 500, on_refresh, call);
    } else {
        tmr_cancel(&call->refresh_tmr);
    }
}

void sip_timer_start(struct sip_call *call, const struct sip_timer_offer *t)
{
    call->se_s = t->se_s;
    call->we_refresh = t->we_refresh;
    if (call->se_s != 0) {
        arm(call);
    }
}

void sip_timer_refreshed(struct sip_call *call, bool from_request)
{
    if (call->se_s == 0) {
        return;
    }
    if (from_request && !call->we_refresh) {
        log_info("sip: call %u: refreshed by re-INVITE; mandat refreshes from now on", call->id);
        call->we_refresh = true;
    } else {
        log_info("sip: call %u: session refreshed", call->id);
    }
    arm(call);
}

static void ok_clear(struct sip_call *call);

void sip_timer_stop(struct sip_call *call)
{
    tmr_cancel(&call->se_tmr);
    tmr_cancel(&call->refresh_tmr);
    ok_clear(call);
}

static struct sip_call *call_of_dialog(struct sip_channel *c, const struct sip_msg *msg)
{
    for (struct le *le = list_head(&c->calls); le != NULL; le = le->next) {
        struct sip_call *call = le->data;

        if (call->sess != NULL && sip_dialog_cmp(sipsess_dialog(call->sess), msg)) {
            return call;
        }
    }
    return NULL;
}

/* The 200 to a refresh: Contact (RFC 3311 §5.2, RFC 3261 §12.1.1), the interval, an SDP answer
 * if it offered; *mbp (NULL: not wanted) gets the message, to send again. */
static int refresh_ok(struct sip_channel *c, const struct sip_call *call, const struct sip_msg *msg,
                      struct mbuf *desc, bool uac_timer, struct mbuf **mbp)
{
    struct sip_timer_offer t = {
        .se_s = call->se_s, .we_refresh = call->we_refresh, .uac_timer = uac_timer};
    struct sip_contact contact;
    char hdrs[128];

    sip_timer_headers(&t, hdrs, sizeof(hdrs));
    sip_contact_set(&contact, "mandat", &msg->dst, msg->tp);
    return sip_treplyf(
        NULL, mbp, c->sip, msg, true, 200, "OK", "%H%s%sContent-Length: %zu\r\n\r\n%b",
        sip_contact_print, &contact, hdrs, desc != NULL ? "Content-Type: application/sdp\r\n" : "",
        desc != NULL ? mbuf_get_left(desc) : (size_t)0, desc != NULL ? mbuf_buf(desc) : NULL,
        desc != NULL ? mbuf_get_left(desc) : (size_t)0);
}

/* The 200 to a re-INVITE is the UAS core's to send again until the ACK (RFC 3261 §13.3.1.4):
 * every T1, doubling up to T2, for 64 * T1. */
static void ok_clear(struct sip_call *call)
{
    tmr_cancel(&call->ok_tmr);
    tmr_cancel(&call->ok_end_tmr);
    call->ok_mb = mem_deref(call->ok_mb);
    call->ok_msg = mem_deref((void *)call->ok_msg);
}

static void on_ok_resend(void *arg)
{
    struct sip_call *call = arg;
    uint64_t next_ms = (uint64_t)SIP_T1 << ++call->ok_txc;

    (void)sip_send(call->c->sip, call->ok_msg->sock, call->ok_msg->tp, &call->ok_msg->src,
                   call->ok_mb);
    tmr_start(&call->ok_tmr, next_ms < SIP_T2 ? next_ms : SIP_T2, on_ok_resend, call);
}

static void on_ok_unacked(void *arg)
{
    struct sip_call *call = arg;

    log_info("sip: call %u: no ACK to the 200 of its re-INVITE, hanging up", call->id);
    sip_ua_call_end(call); /* RFC 3261 §13.3.1.4: the session ends with a BYE */
}

/* A refresh (UPDATE, or a re-INVITE with an offer) in call: its interval, our answer, the 200.
 * Every outcome is answered here. */
static void refresh_request(struct sip_channel *c, struct sip_call *call, const struct sip_msg *msg,
                            bool invite)
{
    enum sip_refresher refresher;
    uint32_t se_s, min_se_s;
    struct mbuf *desc = NULL;
    bool uac_timer;

    if (!sip_dialog_rseq_valid(sipsess_dialog(call->sess), msg)) {
        (void)sip_treply(NULL, c->sip, msg, 500, "Server Internal Error");
        return;
    }
    if (headers_read(c, msg, &se_s, &refresher, &min_se_s) != 0) {
        return;
    }
    if (se_s != 0 && se_s < c->min_se_s) {
        refuse_small(c, msg, se_s);
        return;
    }
    if (mbuf_get_left(msg->mb) > 0) {
        int scode = sip_media_offer(call->media, msg, &desc);

        if (scode != 0) {
            (void)sip_treply(NULL, c->sip, msg, (uint16_t)scode, "Not Acceptable Here");
            return;
        }
    }
    if (invite) {
        (void)sip_dialog_update(sipsess_dialog(call->sess), msg); /* a target refresh */
    }
    uac_timer = sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED, "timer");
    if (se_s != 0) {
        /* §9 applied to a refresh: the interval and refresher the request asks */
        call->se_s = se_s;
        call->we_refresh = refresher == SIP_REFRESHER_UAS || !uac_timer;
    }
    if (refresh_ok(c, call, msg, desc, uac_timer, invite ? &call->ok_mb : NULL) == 0 && invite) {
        call->ok_msg = mem_ref((void *)msg);
        call->ok_cseq = msg->cseq.num;
        call->ok_txc = 0;
        tmr_start(&call->ok_tmr, SIP_T1, on_ok_resend, call);
        tmr_start(&call->ok_end_tmr, 64 * SIP_T1, on_ok_unacked, call);
    }
    mem_deref(desc);
    log_info("sip: call %u: session refreshed by %s", call->id, invite ? "re-INVITE" : "UPDATE");
    arm(call);
}

bool sip_timer_request(struct sip_channel *c, const struct sip_msg *msg)
{
    bool update = pl_strcmp(&msg->met, "UPDATE") == 0;
    struct sip_call *call;

    if (!update && (!pl_isset(&msg->to.tag) ||
                    (pl_strcmp(&msg->met, "INVITE") != 0 && pl_strcmp(&msg->met, "ACK") != 0))) {
        return false;
    }
    call = call_of_dialog(c, msg);
    if (update) {
        if (call == NULL) {
            (void)sip_reply(c->sip, msg, 481, "Call/Transaction Does Not Exist");
        } else {
            refresh_request(c, call, msg, false);
        }
        return true;
    }
    if (call == NULL) {
        return false; /* sipsess answers 481, or drops a stray ACK */
    }
    if (pl_strcmp(&msg->met, "ACK") == 0) {
        if (call->ok_mb == NULL || msg->cseq.num != call->ok_cseq) {
            return false; /* the ACK of a 200 sipsess sent */
        }
        ok_clear(call);
        return true;
    }
    /* A re-INVITE. sipsess answers it without Session-Expires (RFC 4028 §7.4: the caller would
     * then stop refreshing), so mandat answers those it can: with an offer (an offerless one
     * needs our offer, which sipsess holds), while the caller refreshes (when mandat does,
     * sipsess knows of its own re-INVITE in flight and answers a crossing one 491). */
    if (call->we_refresh || mbuf_get_left(msg->mb) == 0) {
        return false;
    }
    if (call->ok_mb != NULL) {
        (void)sip_treplyf(NULL, NULL, c->sip, msg, false, 500, "Server Internal Error",
                          "Retry-After: 1\r\nContent-Length: 0\r\n\r\n"); /* §14.2 */
        return true;
    }
    refresh_request(c, call, msg, true);
    return true;
}
