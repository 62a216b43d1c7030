/* SPDX-License-Identifier: Apache-2.0 */
/* An order paid by phone (issue 14): a payment request found by its phone reference (a hidden
 * number's misses bounded per minute), read back, and paid with the caller's code through the
 * request's code path; what the call says of the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialog/dialog.h"
#include "dialog/voice.h"
#include "dialog/voice_reply.h"
#include "dialog/voice_text.h"
#include "mandatd/daemon.h"
#include "mandatd/daemon_sip_int.h"
#include "mandatd/service.h"

static const struct payment_request_row *order_lookup(struct voice_session *vs, const char *digits);

/* Pay an order: the caller's pending request with this phone reference, read back. */
void sipd_order_find(struct voice_session *vs, const char *digits)
{
    struct dialog *dl = vs->s->d->dialog;
    const struct payment_request_row *r = order_lookup(vs, digits);
    char payee[128];
    size_t len;

    if (r == NULL && vs->v.anonymous && vs->s->misses > SIP_ANON_MISSES_PER_MIN) {
        log_warn("sip: call %u: too many unknown references from hidden numbers this minute",
                 vs->call);
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
        return;
    }
    if (r == NULL) {
        log_info("sip: call %u: no order with that reference", vs->call);
        sipd_answer_later(vs, VOICE_ANSWER_NOT_FOUND);
        return;
    }
    vs->order = r->id;
    dialog_request_payee(dl, r, vs->v.lang, payee, sizeof(payee));
    vs->order_minor = r->amount_minor;
    vs->order_cur = currency_find(r->currency);
    snprintf(vs->order_payee, sizeof(vs->order_payee), "%s", payee);
    if (voice_order_say(vs->v.lang, payee, r->amount_minor, currency_find(r->currency),
                        r->reference, vs->v.anonymous, vs->say, sizeof(vs->say)) < 0) {
        log_warn("sip: call %u: the order cannot be read back", vs->call);
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
        return;
    }
    len = strlen(vs->say);
    if (len + 1 < sizeof(vs->say)) { /* the card's way to pay, a piece of its own */
        vs->say[len++] = '\n';
        voice_order_card_text(vs->v.lang, vs->v.anonymous, vs->say + len, sizeof(vs->say) - len);
    }
    log_info("sip: call %u: order found", vs->call);
    sipd_answer_later(vs, VOICE_ANSWER_FOUND);
}

/* The payer's code for the request is durable: what to say. The SMS receipt and the
 * merchant's webhook are the step's, whether or not the call is still there. */
static void order_paid(void *ctx, int rc, const struct dialog_step *step)
{
    struct voice_ask *a = ctx;
    struct voice_session *vs = sipd_session_find(a->s, a->call);
    enum step_outcome o = rc == 0 ? dialog_step_outcome(step) : OUTCOME_REFUSED;
    const char *said = NULL;

    if (vs == NULL) {
        log_info("sip: call %u is gone: the order's answer goes by SMS", a->call);
        free(a);
        return;
    }
    free(a);
    for (size_t i = 0; rc == 0 && i < step->row_count && said == NULL; i++) {
        if (step->rows[i].kind == EXTRA_OUTBOX &&
            strcmp(step->rows[i].u.outbox.dest, vs->e164) == 0) {
            said = step->rows[i].u.outbox.text; /* the payer's SMS: a receipt or a lock */
        }
    }
    log_info("sip: call %u: order answered (%d)", vs->call, (int)o);
    if (said != NULL && o != OUTCOME_WRONG_CODE) {
        /* The receipt, the lock or the refusal in the call's words; the SMS keeps its text. A
         * refusal says why when the table has words for the payer's SMS (funds short, a
         * limit), else that the SMS says why. */
        enum voice_result r = o == OUTCOME_DONE     ? VOICE_RESULT_PAID
                              : o == OUTCOME_LOCKED ? VOICE_RESULT_LOCKED
                                                    : VOICE_RESULT_REFUSED;
        bool sms = false;

        if (r == VOICE_RESULT_REFUSED &&
            voice_reply_say(vs->v.lang, said, vs->order_cur, vs->say, sizeof(vs->say), &sms) >= 0) {
            log_info("sip: call %u: said the refusal in the call's words", vs->call);
            said = vs->say;
        } else if (voice_result_say(vs->v.lang, r, vs->order_minor, vs->order_cur, vs->order_payee,
                                    vs->say, sizeof(vs->say)) >= 0) {
            log_info("sip: call %u: said %s in the call's words", vs->call, voice_result_name(r));
            said = vs->say;
        }
    }
    if (said != vs->say) {
        snprintf(vs->say, sizeof(vs->say), "%s", said != NULL ? said : "");
    }
    if (rc < 0) {
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
    } else if (o == OUTCOME_WRONG_CODE) {
        sipd_answer_later(vs, VOICE_ANSWER_WRONG_CODE);
    } else if (said != NULL) {
        sipd_answer_later(vs, VOICE_ANSWER_SAID);
    } else {
        sipd_answer_later(vs, VOICE_ANSWER_OVER);
    }
}

void sipd_order_pay(struct voice_session *vs, const char *code)
{
    struct daemon *d = vs->s->d;
    struct dialog_step *step = NULL;
    struct voice_ask *a;
    struct mdt_err err = {0};
    int rc = dialog_request_confirm_phone(d->dialog, vs->order, vs->e164, code, clock_now_us(),
                                          &step, &err);

    if (rc < 0) {
        log_info("sip: call %u: cannot pay the order: %s", vs->call, err.msg);
        sipd_answer_later(vs, rc == MDT_E(NOTFOUND) ? VOICE_ANSWER_OVER : VOICE_ANSWER_FAILED);
        return;
    }
    a = calloc(1, sizeof(*a));
    MDT_ASSERT(a != NULL);
    a->s = vs->s;
    a->call = vs->call;
    rc = service_submit(d->service, step, a, order_paid);
    if (rc < 0) {
        free(a);
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
    }
}

/* The caller's pending request with this reference; for a hidden number anyone's, and each
 * reference that finds nothing counts against SIP_ANON_MISSES_PER_MIN (past it, nothing is
 * looked up until the minute ends). */
static const struct payment_request_row *order_lookup(struct voice_session *vs, const char *digits)
{
    struct daemon_sip *s = vs->s;
    int64_t now = clock_now_us(), minute = now / 60000000;
    const struct payment_request_row *r;

    if (!vs->v.anonymous) {
        return dialog_request_by_phone_ref(s->d->dialog, vs->e164, digits, now);
    }
    if (minute != s->miss_minute) {
        s->miss_minute = minute;
        s->misses = 0;
    }
    if (s->misses >= SIP_ANON_MISSES_PER_MIN) {
        s->misses = SIP_ANON_MISSES_PER_MIN + 1; /* refused without looking */
        return NULL;
    }
    r = dialog_request_by_phone_ref(s->d->dialog, NULL, digits, now);
    s->misses += r == NULL ? 1 : 0;
    return r;
}
