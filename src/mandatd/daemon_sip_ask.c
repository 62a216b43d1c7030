/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu's questions to the dialog (issue 14): the balance, a transfer, a donation and
 * their code asked as SMS-style messages on CHANNEL_VOICE, the associations' list; the
 * dialog's replies said on the call in the phone's words (dialog/voice_text.c,
 * dialog/voice_reply.c), and by SMS when the call is gone or they answer a code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/log.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "dialog/voice.h"
#include "dialog/voice_reply.h"
#include "dialog/voice_text.h"
#include "mandatd/daemon.h"
#include "mandatd/daemon_sip_int.h"
#include "mandatd/service.h"
#include "store/store_channel.h"
#include "vault/vault.h"

/* A transfer's payee (E.164, into e164) or a donation's association (*charity: its name when
 * the list has one), as keyed on the call. */
static int send_parties(struct voice_session *vs, char e164[PHONE_E164_MAX], const char **charity)
{
    struct dialog *dl = vs->s->d->dialog;
    const struct voice_call *v = &vs->v;

    *charity = NULL;
    e164[0] = '\0';
    if (v->charity > 0) {
        const struct association_row *r = dialog_association_at(dl, v->charity - 1u);

        *charity = v->charities[v->charity - 1];
        if (r != NULL && strcmp(r->keyword, *charity) == 0 && r->name[0] != '\0') {
            *charity = r->name;
        }
        return 0;
    }
    return phone_normalize(v->number, vs->s->d->cfg->sms.country, e164, NULL) < 0 ? MDT_E(PARSE)
                                                                                  : 0;
}

/* A transfer or a donation waiting for its code (reply: the dialog's plain ask for the code),
 * read back in the phone's words (the amount and the number as keyed, in words) into said;
 * < 0 for any other reply. */
static int send_said(struct voice_session *vs, const char *reply, char *said, size_t cap)
{
    const struct currency *cur = currency_find(dialog_currency_code(vs->s->d->dialog));
    const char *charity = NULL;
    char e164[PHONE_E164_MAX] = "";

    if (send_parties(vs, e164, &charity) < 0) {
        return MDT_E(PARSE);
    }
    return voice_send_say(vs->v.lang, reply, vs->v.amount_minor, cur, e164, charity, said, cap);
}

/* The dialog's reply to a transfer's or a donation's code (a receipt, a wrong code, a lock) in
 * the call's words and language, into said; < 0 leaves the SMS text. */
static int code_said(struct voice_session *vs, const char *reply, char *said, size_t cap)
{
    const struct currency *cur = currency_find(dialog_currency_code(vs->s->d->dialog));
    const char *charity = NULL;
    char e164[PHONE_E164_MAX] = "";
    int r = voice_code_result(reply);
    int rc;

    if (r < 0) {
        return r;
    }
    if ((r == VOICE_RESULT_SENT || r == VOICE_RESULT_GIVEN) &&
        (send_parties(vs, e164, &charity) < 0 || (r == VOICE_RESULT_GIVEN) != (charity != NULL))) {
        return MDT_E(PARSE);
    }
    rc = voice_result_say(vs->v.lang, (enum voice_result)r, vs->v.amount_minor, cur,
                          charity != NULL ? charity : e164, said, cap);
    if (rc >= 0) {
        log_info("sip: call %u: said %s in the call's words", vs->call,
                 voice_result_name((enum voice_result)r));
    }
    return rc;
}

/* The dialog's answer, once its step is done (the dialog's memory then says whether an order
 * waits for the caller's code). */
void sipd_on_answer(evutil_socket_t fd, short what, void *arg)
{
    struct voice_session *vs = arg;
    struct voice_turn t;
    enum voice_answer a = vs->pending;

    (void)fd;
    (void)what;
    if (a == VOICE_ANSWER_SAID && (vs->v.after == VOICE_AMOUNT || vs->v.after == VOICE_CODE) &&
        dialog_order_waiting(vs->s->d->dialog, vs->e164)) {
        size_t len = strlen(vs->say);

        a = VOICE_ANSWER_CODE; /* an order (or a wrong code's retry) waits for the code */
        if (vs->v.after == VOICE_AMOUNT && vs->read_back) {
            log_info("sip: call %u: read back in the call's words", vs->call);
        } else {
            /* The words of the reply end without the ask (a payee without a wallet, a wrong
             * code): on the phone, say which keys. */
            snprintf(vs->say + len, sizeof(vs->say) - len, "%c%s", VOICE_PIECE,
                     voice_prompt_text(VOICE_PROMPT_ASK_CODE, vs->v.lang));
        }
    }
    voice_call_answer(&vs->v, a, &t);
    sipd_turn_run(vs, &t, vs->say);
    vault_wipe(vs->say, sizeof(vs->say));
}

void sipd_answer_later(struct voice_session *vs, enum voice_answer a)
{
    vs->pending = a;
    event_active(vs->answer, EV_TIMEOUT, 0);
}

/* One reply of the dialog in the call's words and language, into said (cap bytes): the balance,
 * a transfer's or a gift's read-back, a code's result, or any other reply by the table of reply
 * kinds (voice_reply.c: a refusal before the code, a payee without a wallet...); *sms when the
 * SMS must go too (a link, a date the call leaves out, a reply the table has no words for). */
static void reply_said(struct voice_session *vs, const char *reply, bool code, char *said,
                       size_t cap, bool *sms)
{
    const struct currency *cur = currency_find(dialog_currency_code(vs->s->d->dialog));
    int rc;

    *sms = false;
    if (vs->v.after == VOICE_MENU && voice_balance_say(vs->v.lang, reply, said, cap) >= 0) {
        return;
    }
    if (vs->v.after == VOICE_AMOUNT && send_said(vs, reply, said, cap) >= 0) {
        vs->read_back = true;
        return;
    }
    if (code && code_said(vs, reply, said, cap) >= 0) {
        return;
    }
    rc = voice_reply_say(vs->v.lang, reply, cur, said, cap, sms);
    if (rc < 0) {
        log_info("sip: call %u: a reply without the call's words: it goes by SMS", vs->call);
        snprintf(said, cap, "%s", voice_reply_by_sms(vs->v.lang));
    }
}

/* The dialog's replies to the caller's message: said on the call if it is still there, in the
 * call's words. The replies to a code (a receipt, a wrong code, a lock) also go by SMS: a
 * written receipt of a payment, and a word to the wallet's phone when someone tries codes from
 * a number that may be spoofed; so do replies the call only sums up (a link, a date). A call
 * gone meanwhile gets every reply by SMS. */
static bool ask_told(void *ctx, int rc, const char *const *replies, size_t n)
{
    struct voice_ask *a = ctx;
    struct voice_session *vs = sipd_session_find(a->s, a->call);
    uint32_t call = a->call;
    bool code = a->code;
    size_t len = 0;
    bool sms = false;

    free(a);
    if (vs == NULL) {
        log_info("sip: call %u is gone: its replies go by SMS", call);
        return false;
    }
    if (rc < 0) {
        log_warn("sip: call %u: the dialog could not answer: %s", vs->call, mdt_strerror(rc));
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
        return true;
    }
    log_info("sip: call %u: %s answered", vs->call,
             vs->v.after == VOICE_MENU ? "balance" : "order");
    vs->say[0] = '\0';
    vs->read_back = false;
    for (size_t i = 0; i < n && len + 1 < sizeof(vs->say); i++) {
        char said[SAY_MAX];
        bool one = false;
        int w;

        reply_said(vs, replies[i], code, said, sizeof(said), &one);
        sms |= one;
        w = snprintf(vs->say + len, sizeof(vs->say) - len, "%s%s", i > 0 ? "\n" : "", said);
        len += w > 0 ? (size_t)w : 0;
        vault_wipe(said, sizeof(said));
    }
    sipd_answer_later(vs, VOICE_ANSWER_SAID);
    return !code && !sms;
}

void sipd_ask_dialog(struct voice_session *vs, const char *text)
{
    struct daemon *d = vs->s->d;
    struct dialog_message m = {.channel = CHANNEL_VOICE};
    struct voice_ask *a = calloc(1, sizeof(*a));

    MDT_ASSERT(a != NULL);
    a->s = vs->s;
    a->call = vs->call;
    a->code = vs->v.after == VOICE_CODE;
    snprintf(m.source, sizeof(m.source), "%s", vs->e164);
    snprintf(m.dest, sizeof(m.dest), "%s", d->cfg->sms.short_code);
    m.text = text;
    m.len = strlen(text);
    service_receive(d->service, &m, a, ask_told);
}

/* The associations a caller can give to, in the order they were created (up to 9). */
void sipd_charities_list(struct voice_session *vs)
{
    const char *keywords[VOICE_CHARITIES_MAX], *names[VOICE_CHARITIES_MAX];
    const struct association_row *r;
    struct voice_turn t;
    size_t n = 0;

    while (n < VOICE_CHARITIES_MAX && (r = dialog_association_at(vs->s->d->dialog, n)) != NULL) {
        keywords[n] = r->keyword;
        names[n] = r->name[0] != '\0' ? r->name : r->keyword;
        n++;
    }
    voice_charities_text(vs->v.lang, names, n, vs->say, sizeof(vs->say));
    voice_call_charities(&vs->v, keywords, n, &t);
    sipd_turn_run(vs, &t, vs->say);
}
