/* SPDX-License-Identifier: Apache-2.0 */
/* Session timers (RFC 4028), which libre 1.1.0's sipsess does not implement: the interval of a
 * new INVITE (422 below our Min-SE), Session-Expires and Require: timer in the 200, UPDATE
 * (RFC 3311) answered here since sipsess does not know it, our own refreshes (a re-INVITE
 * without a body, through sipsess_modify) when mandat is the refresher, and a BYE when a
 * session is not refreshed in time. SIP thread only. */
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

void sip_timer_stop(struct sip_call *call)
{
    tmr_cancel(&call->se_tmr);
    tmr_cancel(&call->refresh_tmr);
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

/* The 200 to an UPDATE: Contact (RFC 3311 §5.2), the interval, an SDP answer if it offered. */
static void update_ok(struct sip_channel *c, const struct sip_call *call, const struct sip_msg *msg,
                      struct mbuf *desc, bool uac_timer)
{
    struct sip_timer_offer t = {
        .se_s = call->se_s, .we_refresh = call->we_refresh, .uac_timer = uac_timer};
    struct sip_contact contact;
    char hdrs[128];

    sip_timer_headers(&t, hdrs, sizeof(hdrs));
    sip_contact_set(&contact, "mandat", &msg->dst, msg->tp);
    (void)sip_treplyf(
        NULL, NULL, c->sip, msg, true, 200, "OK", "%H%s%sContent-Length: %zu\r\n\r\n%b",
        sip_contact_print, &contact, hdrs, desc != NULL ? "Content-Type: application/sdp\r\n" : "",
        desc != NULL ? mbuf_get_left(desc) : (size_t)0, desc != NULL ? mbuf_buf(desc) : NULL,
        desc != NULL ? mbuf_get_left(desc) : (size_t)0);
}

bool sip_timer_update(struct sip_channel *c, const struct sip_msg *msg)
{
    struct sip_call *call;
    enum sip_refresher refresher;
    uint32_t se_s, min_se_s;
    struct mbuf *desc = NULL;
    bool uac_timer;

    if (pl_strcmp(&msg->met, "UPDATE") != 0) {
        return false;
    }
    call = call_of_dialog(c, msg);
    if (call == NULL) {
        (void)sip_reply(c->sip, msg, 481, "Call/Transaction Does Not Exist");
        return true;
    }
    if (!sip_dialog_rseq_valid(sipsess_dialog(call->sess), msg)) {
        (void)sip_reply(c->sip, msg, 500, "Server Internal Error");
        return true;
    }
    if (headers_read(c, msg, &se_s, &refresher, &min_se_s) != 0) {
        return true;
    }
    if (se_s != 0 && se_s < c->min_se_s) {
        refuse_small(c, msg, se_s);
        return true;
    }
    if (mbuf_get_left(msg->mb) > 0) {
        int scode = sip_media_offer(call->media, msg, &desc);

        if (scode != 0) {
            (void)sip_treply(NULL, c->sip, msg, (uint16_t)scode, "Not Acceptable Here");
            return true;
        }
    }
    uac_timer = sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED, "timer");
    if (se_s != 0) {
        /* §9 applied to a refresh: the interval and refresher the UPDATE asks */
        call->se_s = se_s;
        call->we_refresh = refresher == SIP_REFRESHER_UAS || !uac_timer;
    }
    update_ok(c, call, msg, desc, uac_timer);
    mem_deref(desc);
    if (call->se_s != 0) {
        log_info("sip: call %u: session refreshed by UPDATE", call->id);
        arm(call);
    }
    return true;
}
