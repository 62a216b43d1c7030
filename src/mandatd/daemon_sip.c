/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's phone wiring (issue 14): the SIP channel's events into the phone menu
 * (dialog/voice.c), the menu's turns back out as prompts played on the call; the balance, a
 * transfer, a donation and their code asked of the dialog as SMS-style messages on
 * CHANNEL_VOICE whose replies are said (and go by SMS when the call is gone, or when they
 * answer a code); an order paid through the payment request's code path. Prompts are spoken:
 * synthesised by channel/sip/prompts.c on the speech worker's thread (channel/sip/speech.c: the
 * menu's fixed prompts in both languages at start, while the loop waits; a read-back's new
 * pieces queued from the loop and played when they come back), in the phone's own words
 * (dialog/voice_text.c, dialog/voice_reply.c). Keys come by RFC 4733, SIP INFO and in-band tones
 * (channel/sip/dtmf.c, on the SIP thread), counted once per press (dtmf_dedup). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "channel/acquirer/topup_flow.h"
#include "channel/sip/dtmf.h"
#include "channel/sip/prompts.h"
#include "channel/sip/sip.h"
#include "channel/sip/speech.h"
#include "dialog/card_input.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "dialog/topup.h"
#include "dialog/voice.h"
#include "dialog/voice_reply.h"
#include "dialog/voice_text.h"
#include "engine/engine.h"
#include "ledger/ledger.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "store/store_channel.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

/* A tone prompt, when espeak-ng cannot speak (its data missing): 1.2 s, long enough to be heard
 * and short enough for tests. */
#define TONE_SAMPLES 9600
/* Pieces of one read-back (voice_text.h): a sentence and its amount, number and reference. */
#define SAY_PIECES_MAX 16
/* Silence between the pieces of a read-back: a breath, not a pause. */
#define SAY_GAP_MS 60

/* The key paths are the same in both modules: a key's source passes as is. */
_Static_assert((int)SIP_KEY_RFC4733 == (int)DTMF_SRC_RFC4733 &&
                   (int)SIP_KEY_INFO == (int)DTMF_SRC_INFO &&
                   (int)SIP_KEY_INBAND == (int)DTMF_SRC_INBAND,
               "sip_key_source and dtmf_source agree");
_Static_assert((int)SIP_LAW_PCMA == (int)G711_PCMA, "one A-law");

/* The self-check's key: 5 (770 + 1336 Hz), 100 ms, each sine at about -10 dBm0. */
#define CHECK_SAMPLES 800
#define CHECK_AMPLITUDE 7000.0

/* In-band detection on every call's audio, on the SIP thread. */
static const struct sip_inband inband = {dtmf_inband_open, dtmf_inband_feed, dtmf_inband_close,
                                         NULL};
/* What a call says from the dialog: a reply or two, or a read-back (outbox texts are shorter). */
#define SAY_MAX 1024

/* One call's menu on the loop. */
struct voice_session {
    uint32_t call; /* 0: free slot */
    struct voice_call v;
    char e164[PHONE_E164_MAX]; /* "" anonymous or not a number */
    uint32_t tag;              /* of the prompt playing: older SIP_EV_PLAYED are stale */
    struct event *silence;
    struct event *answer;      /* the dialog's answer, run once its step is done */
    enum voice_answer pending; /* that answer */
    char say[SAY_MAX];         /* its words; wiped once played */
    uint64_t speech;           /* its read-back being synthesised (speech_say's id), 0: none */
    uint32_t speech_tag;       /* the tag it plays with */
    bool read_back;            /* say reads back a transfer or a gift with its ask for the code */
    struct id128 order;        /* pay an order: the request found by its phone reference */
    int64_t order_minor;       /* its amount, currency and payee, for the receipt's words */
    const struct currency *order_cur;
    char order_payee[128];
    struct call_card *card;         /* its card entry, in the locked pages (daemon_sip.cards) */
    struct dtmf_dedup dedup;        /* a press reported by two paths counts once */
    int64_t start_ms;               /* the call's clock for dedup: when it was answered */
    uint64_t last_ms[DTMF_SOURCES]; /* each path's last key on that clock */
    struct daemon_sip *s;
};

/* A card keyed on one call (PCI DSS): the field being keyed, the number sealed by the card
 * vault as soon as it is checked (with its keyed hash, to find a card mandat issued), the
 * expiry, and the security code's slot in the vault's CVV pool. Never copied, never logged:
 * it lives in pages locked in memory and left out of core dumps, wiped field by field as each
 * is used and whole when the call ends. */
struct call_card {
    char field[CARD_PAN_MAX + 1]; /* digits keyed of the field being keyed, NUL-terminated */
    uint8_t n;
    bool over; /* more digits than any card field has */
    bool has_pan;
    char token[CARD_TOKEN_MAX]; /* the seal's authenticated data (nothing is stored) */
    uint8_t sealed[CARD_SEALED_MAX];
    size_t sealed_len;
    uint8_t pan_mac[32];
    unsigned month, year;
    bool has_cvv;
    uint32_t cvv_slot;
};

struct daemon_sip {
    struct daemon *d;
    struct sip_channel *chan;
    struct voice_session *sessions; /* max_calls slots */
    size_t cap;
    struct call_card *cards; /* max_calls slots, mmap'd: locked, not dumped */
    size_t cards_len;        /* bytes mapped */
    /* Hidden numbers' references that found no order, in the current minute (a bound on
     * guessing 6-digit references: SIP_ANON_MISSES_PER_MIN). */
    int64_t miss_minute;
    uint32_t misses;
    struct speech *speech; /* NULL: espeak-ng cannot speak, the tones stand in */
    const uint8_t *fixed[VOICE_PROMPT_COUNT_][2]; /* A-law, by language: the speech's cache */
    size_t fixed_len[VOICE_PROMPT_COUNT_][2];
    uint8_t tones[VOICE_PROMPT_COUNT_][TONE_SAMPLES]; /* A-law */
};

/* Stand-in prompts: prompt p is a sine at 300 + 150 p Hz. */
static void tones_make(struct daemon_sip *s)
{
    for (int p = 0; p < VOICE_PROMPT_COUNT_; p++) {
        sip_tone(s->tones[p], TONE_SAMPLES, SIP_LAW_PCMA, 300 + 150 * (unsigned)p);
    }
}

static struct voice_session *session_find(struct daemon_sip *s, uint32_t call)
{
    for (size_t i = 0; i < s->cap; i++) {
        if (s->sessions[i].call == call) {
            return &s->sessions[i];
        }
    }
    return NULL;
}

/* The menu's fixed prompts in both languages, synthesised once at start (a second or two) and
 * kept for the daemon's life; one that fails is left to its tone. */
static void prompts_fixed(struct daemon_sip *s)
{
    struct mdt_err err = {0};

    for (int p = 0; p < VOICE_PROMPT_COUNT_; p++) {
        for (int l = 0; l < 2; l++) {
            const char *text = voice_prompt_text((enum voice_prompt)p, l ? LANG_EN : LANG_FR);

            if (text[0] == '\0') {
                continue; /* none, or words decided at the time (VOICE_PROMPT_SAY) */
            }
            if (speech_get(s->speech, l ? LANG_EN : LANG_FR, text, G711_PCMA, &s->fixed[p][l],
                           &s->fixed_len[p][l], &err) < 0) {
                log_warn("sip: prompt %s cannot be spoken: %s",
                         voice_prompt_name((enum voice_prompt)p), err.msg);
                s->fixed[p][l] = NULL;
            }
        }
    }
}

/* Plays samples (n bytes of A-law) on the call with tag. A key stops a prompt (barge-in) but
 * not the call's last words (VOICE_LEAVING: a goodbye, too many tries, a hidden number's
 * payment result): the menu ignores keys then and hangs up when they end, so a stopped one
 * would hold the call, and its slot of max_calls, until the caller or the RTP timeout ends it.
 * Last words that cannot be played end the call now. */
static void play(struct voice_session *vs, const uint8_t *samples, size_t n, uint32_t tag)
{
    bool last = vs->v.state == VOICE_LEAVING;
    int rc = sip_call_play(vs->s->chan, vs->call, SIP_LAW_PCMA, samples, n, !last, tag);

    if (rc < 0) {
        log_warn("sip: call %u: cannot play: %s", vs->call, mdt_strerror(rc));
        if (last) {
            (void)sip_call_hangup(vs->s->chan, vs->call);
        }
    }
}

/* The words of a VOICE_PROMPT_SAY (pieces separated by VOICE_PIECE) queued for the speech
 * worker: each piece synthesised (or taken from the cache: the fixed words of a read-back are
 * said on every call) and joined there; on_spoken plays them. Returns 0 or speech_say's error. */
static int say_queue(struct voice_session *vs, const char *say, uint32_t tag)
{
    char copy[SAY_MAX];
    const char *pieces[SAY_PIECES_MAX];
    size_t k = 0;
    int rc;

    snprintf(copy, sizeof(copy), "%s", say != NULL ? say : "");
    for (char *c = copy, *next; c != NULL && k < SAY_PIECES_MAX; c = next) {
        next = strchr(c, VOICE_PIECE);
        if (next != NULL) {
            *next++ = '\0';
        }
        if (strspn(c, " ") < strlen(c)) {
            pieces[k++] = c;
        }
    }
    rc = k == 0 ? MDT_E(INVAL)
                : speech_say(vs->s->speech, vs->v.lang, pieces, k, SAY_GAP_MS, G711_PCMA,
                             SIP_PLAY_SAMPLES_MAX, &vs->speech);
    vault_wipe(copy, sizeof(copy));
    if (rc < 0) {
        log_warn("sip: call %u: a reply cannot be spoken: %s", vs->call,
                 k == 0 ? "no words" : mdt_strerror(rc));
        vs->speech = 0;
        return rc;
    }
    vs->speech_tag = tag;
    return 0;
}

/* A read-back no longer wanted (a newer prompt, a key, the call's end): the worker drops it. */
static void say_cancel(struct voice_session *vs)
{
    if (vs->speech != 0) {
        speech_cancel(vs->s->speech, vs->speech);
        vs->speech = 0;
    }
}

/* Plays prompt p on the call in its language, replacing what it played: a fixed prompt's audio
 * at once; a VOICE_PROMPT_SAY's words (the dialog's reply, a read-back, a list) once the speech
 * worker has them (the caller hears silence meanwhile: the last prompt ended, or a key stopped
 * it); a tone when they cannot be spoken. */
static void prompt_play(struct voice_session *vs, enum voice_prompt p, const char *say)
{
    struct daemon_sip *s = vs->s;
    int l = vs->v.lang == LANG_EN ? 1 : 0;
    uint32_t tag = ++vs->tag;

    say_cancel(vs);
    if (s->speech != NULL && p == VOICE_PROMPT_SAY && say_queue(vs, say, tag) == 0) {
        return;
    }
    if (s->speech != NULL && p != VOICE_PROMPT_SAY && s->fixed[p][l] != NULL) {
        play(vs, s->fixed[p][l], s->fixed_len[p][l], tag);
        return;
    }
    play(vs, s->tones[p], TONE_SAMPLES, tag);
}

/* The speech worker's read-back, on the loop: played if its call still waits for it (a call
 * gone, or one that has moved on, has cleared its id and the audio is dropped). */
static void on_spoken(void *ctx, const struct speech_done *d)
{
    struct daemon_sip *s = ctx;
    struct voice_session *vs = NULL;

    for (size_t i = 0; i < s->cap && vs == NULL; i++) {
        if (s->sessions[i].call != 0 && s->sessions[i].speech == d->id) {
            vs = &s->sessions[i];
        }
    }
    if (vs == NULL) {
        return;
    }
    vs->speech = 0;
    if (d->rc < 0) {
        log_warn("sip: call %u: a reply cannot be spoken: %s", vs->call, d->err.msg);
        play(vs, s->tones[VOICE_PROMPT_SAY], TONE_SAMPLES, vs->speech_tag);
        return;
    }
    log_info("sip: call %u: read-back spoken in %lld ms after %lld ms in the queue", vs->call,
             (long long)(d->spoken_us / 1000), (long long)(d->queued_us / 1000));
    play(vs, d->audio, d->len, vs->speech_tag);
}

static void turn_run(struct voice_session *vs, struct voice_turn *t, const char *say);

static void on_silence(evutil_socket_t fd, short what, void *arg)
{
    struct voice_session *vs = arg;
    struct voice_turn t;

    (void)fd;
    (void)what;
    voice_call_silence(&vs->v, &t);
    turn_run(vs, &t, NULL);
}

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
static void on_answer(evutil_socket_t fd, short what, void *arg)
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
    turn_run(vs, &t, vs->say);
    vault_wipe(vs->say, sizeof(vs->say));
}

static void answer_later(struct voice_session *vs, enum voice_answer a)
{
    vs->pending = a;
    event_active(vs->answer, EV_TIMEOUT, 0);
}

/* A question to the dialog about one call (the call may be gone when it is answered). */
struct voice_ask {
    struct daemon_sip *s;
    uint32_t call;
    bool code; /* the question was a code: its replies also go by SMS */
};

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
    struct voice_session *vs = session_find(a->s, a->call);
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
        answer_later(vs, VOICE_ANSWER_FAILED);
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
    answer_later(vs, VOICE_ANSWER_SAID);
    return !code && !sms;
}

static void ask_dialog(struct voice_session *vs, const char *text)
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
static void charities_list(struct voice_session *vs)
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
    turn_run(vs, &t, vs->say);
}

static const struct payment_request_row *order_lookup(struct voice_session *vs, const char *digits);

/* Pay an order: the caller's pending request with this phone reference, read back. */
static void order_find(struct voice_session *vs, const char *digits)
{
    struct dialog *dl = vs->s->d->dialog;
    const struct payment_request_row *r = order_lookup(vs, digits);
    char payee[128];
    size_t len;

    if (r == NULL && vs->v.anonymous && vs->s->misses > SIP_ANON_MISSES_PER_MIN) {
        log_warn("sip: call %u: too many unknown references from hidden numbers this minute",
                 vs->call);
        answer_later(vs, VOICE_ANSWER_FAILED);
        return;
    }
    if (r == NULL) {
        log_info("sip: call %u: no order with that reference", vs->call);
        answer_later(vs, VOICE_ANSWER_NOT_FOUND);
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
        answer_later(vs, VOICE_ANSWER_FAILED);
        return;
    }
    len = strlen(vs->say);
    if (len + 1 < sizeof(vs->say)) { /* the card's way to pay, a piece of its own */
        vs->say[len++] = '\n';
        voice_order_card_text(vs->v.lang, vs->v.anonymous, vs->say + len, sizeof(vs->say) - len);
    }
    log_info("sip: call %u: order found", vs->call);
    answer_later(vs, VOICE_ANSWER_FOUND);
}

/* The payer's code for the request is durable: what to say. The SMS receipt and the
 * merchant's webhook are the step's, whether or not the call is still there. */
static void order_paid(void *ctx, int rc, const struct dialog_step *step)
{
    struct voice_ask *a = ctx;
    struct voice_session *vs = session_find(a->s, a->call);
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
        answer_later(vs, VOICE_ANSWER_FAILED);
    } else if (o == OUTCOME_WRONG_CODE) {
        answer_later(vs, VOICE_ANSWER_WRONG_CODE);
    } else if (said != NULL) {
        answer_later(vs, VOICE_ANSWER_SAID);
    } else {
        answer_later(vs, VOICE_ANSWER_OVER);
    }
}

static void order_pay(struct voice_session *vs, const char *code)
{
    struct daemon *d = vs->s->d;
    struct dialog_step *step = NULL;
    struct voice_ask *a;
    struct mdt_err err = {0};
    int rc = dialog_request_confirm_phone(d->dialog, vs->order, vs->e164, code, clock_now_us(),
                                          &step, &err);

    if (rc < 0) {
        log_info("sip: call %u: cannot pay the order: %s", vs->call, err.msg);
        answer_later(vs, rc == MDT_E(NOTFOUND) ? VOICE_ANSWER_OVER : VOICE_ANSWER_FAILED);
        return;
    }
    a = calloc(1, sizeof(*a));
    MDT_ASSERT(a != NULL);
    a->s = vs->s;
    a->call = vs->call;
    rc = service_submit(d->service, step, a, order_paid);
    if (rc < 0) {
        free(a);
        answer_later(vs, VOICE_ANSWER_FAILED);
    }
}

/* ---- an order paid by card (PCI DSS): the digits stay in the call's locked card entry ---- */

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

/* The field being keyed goes (a check took what it needed, or the entry starts again). */
static void card_field_wipe(struct call_card *k)
{
    vault_wipe(k->field, sizeof(k->field));
    k->n = 0;
    k->over = false;
}

/* The whole card goes: the call ended, or the payment took what it needed. */
static void card_wipe(struct call_card *k)
{
    if (k->has_cvv) {
        card_cvv_drop(k->cvv_slot);
    }
    vault_wipe(k, sizeof(*k));
}

static void card_add(struct call_card *k, const char *text)
{
    if (text[0] < '0' || text[0] > '9') {
        return;
    }
    if (k->n < CARD_PAN_MAX) {
        k->field[k->n++] = text[0];
    } else {
        k->over = true;
    }
}

/* The number keyed: Luhn and length (card_pan_parse), then sealed by the card vault at once
 * with its keyed hash; the clear digits are wiped here. */
static bool card_pan_take(struct daemon_sip *s, struct call_card *k)
{
    char pan[CARD_PAN_MAX + 1];
    uint32_t version = 0;
    bool ok = !k->over && s->d->cards != NULL && card_pan_parse(k->field, pan, NULL) == 0 &&
              card_vault_token_new(k->token) == 0 &&
              card_vault_seal(s->d->cards, k->token, pan, k->sealed, &k->sealed_len, &version) == 0;

    if (ok) {
        card_vault_pan_mac(s->d->cards, pan, k->pan_mac);
    }
    k->has_pan = ok;
    vault_wipe(pan, sizeof(pan));
    return ok;
}

static bool card_cvv_keyed(struct call_card *k)
{
    char cvv[CARD_CVV_MAX + 1];
    bool ok = !k->over && k->n >= 3 && k->n <= VOICE_CVV_DIGITS_MAX &&
              card_cvv_parse(k->field, cvv, NULL) == 0;

    if (ok && k->has_cvv) {
        card_cvv_drop(k->cvv_slot);
        k->has_cvv = false;
    }
    ok = ok && card_cvv_take(cvv, &k->cvv_slot) == 0; /* wipes cvv */
    k->has_cvv = ok;
    vault_wipe(cvv, sizeof(cvv));
    return ok;
}

/* VOICE_CARD_CHECK: the field is complete (last: its final key, or ""): check it, keep what
 * the payment needs where it belongs, wipe the digits, and tell the menu. */
static void card_check(struct voice_session *vs, const char *last)
{
    struct call_card *k = vs->card;
    struct voice_turn t;
    bool ok = false;

    card_add(k, last);
    switch (vs->v.state) {
    case VOICE_CARD_PAN:
        ok = card_pan_take(vs->s, k);
        break;
    case VOICE_CARD_EXPIRY:
        ok = !k->over && k->n == VOICE_EXPIRY_DIGITS &&
             card_expiry_parse(k->field, &k->month, &k->year, NULL) == 0 &&
             !card_expired(k->month, k->year, clock_now_us());
        break;
    case VOICE_CARD_CVV:
        ok = card_cvv_keyed(k);
        break;
    default:
        break;
    }
    card_field_wipe(k);
    log_info("sip: call %u: card %s %s", vs->call,
             vs->v.state == VOICE_CARD_PAN      ? "number"
             : vs->v.state == VOICE_CARD_EXPIRY ? "expiry"
                                                : "code",
             ok ? "taken" : "refused");
    voice_call_card(&vs->v, ok, &t);
    turn_run(vs, &t, NULL);
}

/* What the call says of a card payment's end, then the menu's turn (or the end of a hidden
 * number's call). */
static void card_said(struct voice_session *vs, enum voice_card_result r, const char *why)
{
    voice_card_result_text(vs->v.lang, r, why, vs->say, sizeof(vs->say));
    answer_later(vs, VOICE_ANSWER_SAID);
}

/* A card payment's end: its session if the call is still there (else the chain went on alone:
 * the SMS says the rest when the caller has a number). */
static struct voice_session *card_session(struct voice_ask *a, const char *what)
{
    struct voice_session *vs = session_find(a->s, a->call);

    if (vs == NULL) {
        log_info("sip: call %u is gone: its card payment %s", a->call, what);
    }
    free(a);
    return vs;
}

/* A prepaid card of ours paid (or not) from its balance: the step is durable. */
static void card_paid_ours(void *ctx, int rc, const struct dialog_step *step)
{
    struct voice_session *vs = card_session(ctx, "ended");

    if (vs == NULL) {
        return;
    }
    if (rc < 0) {
        answer_later(vs, VOICE_ANSWER_FAILED);
    } else if (dialog_step_outcome(step) == OUTCOME_REFUSED) {
        card_said(vs, VOICE_CARD_DECLINED, dialog_topup_reason("51", vs->v.lang));
    } else {
        card_said(vs, VOICE_CARD_PAID, "");
    }
    log_info("sip: call %u: prepaid card payment %s", vs->call,
             rc < 0                                         ? "failed"
             : dialog_step_outcome(step) == OUTCOME_REFUSED ? "refused"
                                                            : "done");
}

/* Any other card: the acquirer's chain ended (paid, declined, or being checked). */
static void card_paid_acquirer(void *ctx, const struct topup_flow_result *r)
{
    struct voice_session *vs = card_session(ctx, "goes on");

    if (vs == NULL) {
        return;
    }
    log_info("sip: call %u: card payment ended (%d, state %u)", vs->call, r->rc,
             (unsigned)r->topup.state);
    if (r->rc < 0) {
        answer_later(vs, VOICE_ANSWER_FAILED);
    } else if (r->topup.state == TOPUP_CREDITED) {
        card_said(vs, VOICE_CARD_PAID, "");
    } else if (r->topup.state == TOPUP_DECLINED) {
        card_said(vs, VOICE_CARD_DECLINED, dialog_topup_reason(r->topup.code, vs->v.lang));
    } else if (r->topup.state == TOPUP_REFUNDED) {
        card_said(vs, VOICE_CARD_NOT_PAID, "");
    } else {
        card_said(vs, VOICE_CARD_CHECKING, "");
    }
}

/* A card account's available balance, read between the ledger's batches. */
struct card_avail {
    uint64_t account;
    int64_t minor;
};

static void card_avail_read(void *ctx, const struct ledger *l)
{
    struct card_avail *c = ctx;
    const struct account *a = ledger_account_get(l, c->account);

    c->minor = a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0;
}

/* Our own prepaid card: one step from its balance (its code is not used: dropped now). The
 * balance is read first (one wait for the ledger's thread): the ledger keeps a refusal under
 * the request's payment id, so a short card must not try, or the order could not be paid by
 * anything else. (A spend between the read and the step can still be refused: then so is the
 * order's id, as with a wallet's code.) */
static int card_pay_ours(struct voice_session *vs, uint64_t account, struct voice_ask *a,
                         struct mdt_err *err)
{
    struct daemon *d = vs->s->d;
    struct call_card *k = vs->card;
    struct dialog_step *step = NULL;
    const struct payment_request_row *r = dialog_request_get(d->dialog, vs->order);
    struct card_avail avail = {.account = account};
    int rc;

    if (r == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "the order is gone");
    }
    rc = engine_read(d->engine, card_avail_read, &avail);
    if (rc < 0) {
        return mdt_err_set(err, rc, "cannot read the card's balance");
    }
    if (avail.minor < r->amount_minor) {
        return mdt_err_set(err, MDT_E(RANGE), "the card's balance is short");
    }
    rc = dialog_request_pay_card(d->dialog, vs->order, k->pan_mac, k->month, k->year, vs->e164,
                                 vs->v.lang, clock_now_us(), &step, err);

    if (rc == 0) {
        rc = service_submit(d->service, step, a, card_paid_ours);
    }
    return rc;
}

/* Another card: its number opened from the seal just for the acquirer's chain, which copies
 * it until the authorization is sent and takes the code's slot over. */
static int card_pay_acquirer(struct voice_session *vs, struct voice_ask *a, struct mdt_err *err)
{
    struct daemon *d = vs->s->d;
    struct call_card *k = vs->card;
    char pan[CARD_PAN_MAX + 1];
    int rc;

    if (d->topups == NULL) {
        return mdt_err_set(err, MDT_E(RANGE), "no acquirer: only mandat's cards are taken");
    }
    rc = card_vault_open_pan(d->cards, k->token, k->sealed, k->sealed_len, pan);
    if (rc == 0) {
        k->has_cvv = false; /* the chain's now, whatever happens */
        rc = topup_flow_pay_request(d->topups, vs->order, vs->e164, vs->v.lang, pan, k->month,
                                    k->year, k->cvv_slot, card_paid_acquirer, a, err);
    }
    vault_wipe(pan, sizeof(pan));
    return rc;
}

/* VOICE_CARD_PAY: the caller confirmed (the code keyed). From here the payment completes once
 * whether or not the call stays: a step, or the acquirer's durable chain. */
static void card_pay(struct voice_session *vs)
{
    struct voice_ask *a = calloc(1, sizeof(*a));
    struct voice_turn wait = {.action = VOICE_PLAY, .prompt = VOICE_PROMPT_CARD_WAIT};
    struct mdt_err err = {0};
    uint64_t account;
    bool ours;
    int rc;

    MDT_ASSERT(a != NULL);
    a->s = vs->s;
    a->call = vs->call;
    account = vs->card->has_pan ? dialog_card_ours(vs->s->d->dialog, vs->card->pan_mac) : 0;
    ours = account != 0;
    if (!vs->card->has_pan || !vs->card->has_cvv) {
        rc = mdt_err_set(&err, MDT_E(INVAL), "the card is incomplete");
    } else if (ours) {
        rc = card_pay_ours(vs, account, a, &err);
    } else {
        rc = card_pay_acquirer(vs, a, &err);
    }
    card_wipe(vs->card);
    log_info("sip: call %u: %s card payment %s", vs->call, ours ? "prepaid" : "bank",
             rc < 0 ? "not started" : "started");
    if (rc < 0) {
        free(a);
        if (rc == MDT_E(REJECTED) || rc == MDT_E(RANGE)) {
            card_said(vs, VOICE_CARD_DECLINED,
                      dialog_topup_reason(rc == MDT_E(RANGE) && ours ? "51" : "05", vs->v.lang));
        } else {
            log_info("sip: call %u: %s", vs->call, err.msg);
            answer_later(vs, rc == MDT_E(NOTFOUND) || rc == MDT_E(BUSY) ? VOICE_ANSWER_OVER
                                                                        : VOICE_ANSWER_FAILED);
        }
        return;
    }
    turn_run(vs, &wait, NULL);
}

/* Locked pages for the calls' card entries: out of swap and core dumps (PCI DSS 3.4: no card
 * data where it is not needed). mlock may be refused (RLIMIT_MEMLOCK): said, and go on. */
static int cards_map(struct daemon_sip *s, struct mdt_err *err)
{
    s->cards_len = s->cap * sizeof(struct call_card);
    s->cards = mmap(NULL, s->cards_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->cards == MAP_FAILED) {
        s->cards = NULL;
        return mdt_err_set(err, MDT_E(NOMEM), "sip: cannot map the card entries");
    }
    (void)madvise(s->cards, s->cards_len, MADV_DONTDUMP);
    if (mlock(s->cards, s->cards_len) < 0) {
        log_warn("sip: card entries not locked in memory (RLIMIT_MEMLOCK): they may be swapped");
    }
    for (size_t i = 0; i < s->cap; i++) {
        s->sessions[i].card = &s->cards[i];
    }
    return 0;
}

static void cards_unmap(struct daemon_sip *s)
{
    if (s->cards == NULL) {
        return;
    }
    for (size_t i = 0; i < s->cap; i++) {
        card_wipe(&s->cards[i]);
    }
    (void)munlock(s->cards, s->cards_len);
    (void)munmap(s->cards, s->cards_len);
    s->cards = NULL;
}

static void turn_run(struct voice_session *vs, struct voice_turn *t, const char *say)
{
    if (t->action != VOICE_NONE) {
        event_del(vs->silence);
    }
    if (t->card_reset) {
        card_field_wipe(vs->card); /* an entry starts again, or ended */
    }
    switch (t->action) {
    case VOICE_PLAY:
        log_info("sip: call %u says %s", vs->call, voice_prompt_name(t->prompt));
        prompt_play(vs, t->prompt, say);
        break;
    case VOICE_ASK:
        ask_dialog(vs, t->text);
        break;
    case VOICE_CHARITIES:
        charities_list(vs);
        break;
    case VOICE_FIND_ORDER:
        order_find(vs, t->text);
        break;
    case VOICE_PAY_ORDER:
        order_pay(vs, t->text);
        break;
    case VOICE_HANGUP:
        (void)sip_call_hangup(vs->s->chan, vs->call);
        break;
    case VOICE_CARD_KEY:
        card_add(vs->card, t->text);
        break;
    case VOICE_CARD_CHECK:
        card_check(vs, t->text);
        break;
    case VOICE_CARD_PAY:
        card_pay(vs);
        break;
    case VOICE_NONE:
    case VOICE_ACTION_COUNT_:
        break;
    }
    vault_wipe(t->text, sizeof(t->text)); /* may be a code */
}

static const char *source_name(enum sip_key_source src)
{
    return src == SIP_KEY_RFC4733 ? "rfc4733" : src == SIP_KEY_INFO ? "info" : "inband";
}

/* Whether a key is a new press, not the same press by another path (a trunk sending RFC 4733
 * and the tone in the audio). Each key is stamped when the loop receives it: the paths of one
 * press arrive within tens of milliseconds of each other. The SIP thread already reports each
 * press once per path (an RFC 4733 event's retransmitted ends are one key), so two keys of one
 * path are two presses even within one millisecond (INFOs sent back to back): each path's
 * stamps are made to increase, as dtmf_dedup reads an equal stamp as a retransmission. */
static bool key_counted(struct voice_session *vs, const struct sip_event *ev)
{
    unsigned src = (unsigned)ev->source < DTMF_SOURCES ? (unsigned)ev->source : DTMF_SRC_INFO;
    uint64_t now_ms = (uint64_t)(clock_mono_us() / 1000 - vs->start_ms);
    struct dtmf_key k = {
        .key = ev->key,
        .source = (enum dtmf_source)src,
        .at_ms = now_ms > vs->last_ms[src] ? now_ms : vs->last_ms[src] + 1,
    };

    vs->last_ms[src] = k.at_ms;
    if (dtmf_dedup_accept(&vs->dedup, &k)) {
        return true;
    }
    log_info("sip: call %u: a key by %s counted once", vs->call, source_name(ev->source));
    return false;
}

static void call_new(struct daemon_sip *s, const struct sip_event *ev)
{
    struct voice_session *vs = session_find(s, 0);
    struct voice_turn t;
    enum lang lang = (enum lang)s->d->cfg->sms.lang;

    if (vs == NULL) { /* the channel holds at most max_calls: cannot happen */
        (void)sip_call_hangup(s->chan, ev->call);
        return;
    }
    vs->call = ev->call;
    vs->tag = 0;
    dtmf_dedup_init(&vs->dedup, 0);
    vs->start_ms = clock_mono_us() / 1000;
    memset(vs->last_ms, 0, sizeof(vs->last_ms));
    vs->e164[0] = '\0';
    if (ev->caller[0] != '\0' &&
        phone_normalize(ev->caller, s->d->cfg->sms.country, vs->e164, NULL) < 0) {
        vs->e164[0] = '\0';
    }
    if (vs->e164[0] != '\0') {
        lang = dialog_customer_lang(s->d->dialog, vs->e164);
    }
    log_info("sip: call %u from %s (%s)", ev->call, vs->e164[0] ? vs->e164 : "anonymous", ev->peer);
    voice_call_start(&vs->v, lang, vs->e164[0] == '\0', &t);
    turn_run(vs, &t, NULL);
}

static void on_event(void *ctx, const struct sip_event *ev)
{
    struct daemon_sip *s = ctx;
    struct voice_session *vs = ev->kind == SIP_EV_CALL ? NULL : session_find(s, ev->call);
    struct voice_turn t = {.action = VOICE_NONE, .prompt = VOICE_PROMPT_NONE};
    struct timeval silence = {VOICE_SILENCE_S, 0};

    if (ev->kind == SIP_EV_CALL) {
        call_new(s, ev);
        return;
    }
    if (vs == NULL) {
        return;
    }
    switch (ev->kind) {
    case SIP_EV_KEY:
        if (!key_counted(vs, ev)) {
            return;
        }
        /* Menu choices only: digits keyed in an entry (a number, an amount, a code) never
         * reach the log. */
        if (vs->v.state == VOICE_MENU) {
            log_info("sip: call %u key %c (%s)", vs->call, ev->key, source_name(ev->source));
        }
        event_del(vs->silence);
        if (vs->v.state != VOICE_ASKING && vs->v.state != VOICE_LEAVING) {
            say_cancel(vs); /* barge-in on a read-back still being synthesised */
        }
        voice_call_key(&vs->v, ev->key, &t);
        if (t.action == VOICE_NONE && vs->v.state != VOICE_ASKING && vs->v.state != VOICE_LEAVING) {
            event_add(vs->silence, &silence); /* mid-entry: a caller who stops is asked again */
        }
        break;
    case SIP_EV_PLAYED:
        if (ev->tag != vs->tag || (ev->barged && vs->v.state != VOICE_LEAVING)) {
            return; /* replaced or stopped by a key, which has its own turn */
        }
        voice_call_played(&vs->v, &t);
        if (t.action == VOICE_NONE && vs->v.state != VOICE_ASKING && vs->v.state != VOICE_LEAVING) {
            event_add(vs->silence, &silence);
        }
        break;
    case SIP_EV_ENDED:
        log_info("sip: call %u ended: %llu audio packets received, %llu with sound", vs->call,
                 (unsigned long long)ev->rx_packets, (unsigned long long)ev->rx_loud);
        event_del(vs->silence);
        event_del(vs->answer);
        if (vs->speech != 0) {
            log_info("sip: call %u: its read-back, not yet spoken, is dropped", vs->call);
            say_cancel(vs); /* queued, being synthesised or on its way back */
        }
        vault_wipe(&vs->v, sizeof(vs->v));
        vault_wipe(vs->say, sizeof(vs->say));
        card_wipe(vs->card); /* a card keyed but not paid with: gone */
        vs->call = 0;
        return;
    default:
        return;
    }
    turn_run(vs, &t, NULL);
}

/* Whether the in-band detector hears a 5 as a 5. It is a guard on the link, not on the code:
 * librem and spandsp both export goertzel_*, and a spandsp given librem's reads every key as
 * 'D' (see CMakeLists.txt). A detector that fails is not used: keys then come by RFC 4733 and
 * INFO only, and the log says so. */
static bool inband_works(void)
{
    int16_t pcm[CHECK_SAMPLES + 400] = {0}; /* the tone, then 50 ms of silence */
    struct dtmf_key keys[DTMF_FEED_KEYS_MAX];
    struct dtmf_detector *d = NULL;
    size_t n;

    if (dtmf_detector_new(&d, NULL) < 0) {
        return false;
    }
    for (size_t i = 0; i < CHECK_SAMPLES; i++) {
        double t = (double)i / PROMPTS_RATE_HZ;

        pcm[i] = (int16_t)(CHECK_AMPLITUDE * (sin(2 * M_PI * 770 * t) + sin(2 * M_PI * 1336 * t)));
    }
    n = dtmf_detector_feed(d, pcm, sizeof(pcm) / sizeof(pcm[0]), 0, keys, DTMF_FEED_KEYS_MAX, NULL);
    dtmf_detector_free(d);
    return n == 1 && keys[0].key == '5';
}

/* The speech: espeak-ng on the speech worker's thread, which synthesises the fixed prompts
 * now (the loop waits: nothing is served yet) and the read-backs as calls ask. Without
 * espeak-ng's data the calls still work, with tones for words. */
static void speech_open(struct daemon_sip *s)
{
    struct mdt_err perr = {0};
    int64_t t0 = clock_mono_us();

    if (speech_start(s->d->base, NULL, SIP_SPEECH_QUEUE_MAX, on_spoken, s, &s->speech, &perr) < 0) {
        log_warn("sip: no speech, tones stand in for the prompts: %s", perr.msg);
        s->speech = NULL;
        return;
    }
    prompts_fixed(s);
    log_info("sip: prompts spoken in %lld ms", (long long)((clock_mono_us() - t0) / 1000));
}

/* [sip] auth's words. */
static int auth_mode(const char *text, enum sip_auth_mode *out, struct mdt_err *err)
{
    static const struct {
        const char *name;
        enum sip_auth_mode mode;
    } modes[] = {
        {"allow", SIP_AUTH_ALLOW},
        {"digest", SIP_AUTH_DIGEST},
        {"allow_or_digest", SIP_AUTH_ALLOW_OR_DIGEST},
        {"allow_and_digest", SIP_AUTH_ALLOW_AND_DIGEST},
    };

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(text, modes[i].name) == 0) {
            *out = modes[i].mode;
            return 0;
        }
    }
    return mdt_err_set(err, MDT_E(INVAL),
                       "[sip] auth '%s': write allow, digest, allow_or_digest or allow_and_digest",
                       text);
}

int daemon_start_sip(struct daemon *d, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    struct sip_options o = {
        .listen = cfg->sip.listen,
        .rtp_addr = cfg->sip.rtp_addr,
        .rtp_port_min = (uint16_t)cfg->sip.rtp_port_min,
        .rtp_port_max = (uint16_t)cfg->sip.rtp_port_max,
        .max_calls = cfg->sip.max_calls,
        .retry_after_s = cfg->sip.retry_after_s,
        .rtp_timeout_s = cfg->sip.rtp_timeout_s,
        .allow = cfg->sip.allow,
        .trusted = cfg->sip.trusted,
        .auth_realm = cfg->sip.auth_realm,
        .auth_file = cfg->sip.auth_file,
        .nonce_life_s = cfg->sip.nonce_life_s,
        .auth_fail_max = cfg->sip.auth_fail_max,
        .auth_fail_lock_s = cfg->sip.auth_fail_lock_s,
        .session_expires_s = cfg->sip.session_expires_s,
        .min_se_s = cfg->sip.min_se_s,
    };
    struct sip_handlers h = {.event = on_event, .inband = &inband};
    struct daemon_sip *s;
    int rc;

    if (cfg->sip.listen[0] == '\0') {
        return 0;
    }
    rc = auth_mode(cfg->sip.auth, &o.auth, err);
    if (rc < 0) {
        return rc;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
    }
    s->d = d;
    s->cap = cfg->sip.max_calls;
    s->sessions = calloc(s->cap, sizeof(*s->sessions));
    d->sip = s;
    if (s->sessions == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
    }
    for (size_t i = 0; i < s->cap; i++) {
        s->sessions[i].s = s;
        s->sessions[i].silence = evtimer_new(d->base, on_silence, &s->sessions[i]);
        s->sessions[i].answer = evtimer_new(d->base, on_answer, &s->sessions[i]);
        if (s->sessions[i].silence == NULL || s->sessions[i].answer == NULL) {
            return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
        }
    }
    rc = cards_map(s, err);
    if (rc < 0) {
        return rc;
    }
    tones_make(s);
    if (!inband_works()) {
        log_error("sip: the in-band DTMF detector does not hear a 5 as a 5: in-band keys are off");
        h.inband = NULL;
    }
    speech_open(s);
    h.ctx = s;
    rc = sip_channel_start(d->base, &o, &h, &s->chan, err);
    if (rc == 0) {
        log_info("sip: listening on %s (UDP and TCP), at most %u calls, auth %s, sessions of %u s",
                 sip_channel_addr(s->chan), cfg->sip.max_calls, cfg->sip.auth,
                 cfg->sip.session_expires_s);
    }
    return rc;
}

void daemon_stop_sip(struct daemon *d)
{
    struct daemon_sip *s = d->sip;

    if (s == NULL) {
        return;
    }
    sip_channel_stop(s->chan);
    for (size_t i = 0; s->sessions != NULL && i < s->cap; i++) {
        if (s->sessions[i].silence != NULL) {
            event_free(s->sessions[i].silence);
        }
        if (s->sessions[i].answer != NULL) {
            event_free(s->sessions[i].answer);
        }
    }
    cards_unmap(s);
    free(s->sessions);
    speech_free(s->speech); /* the fixed prompts' audio goes with it */
    free(s);
    d->sip = NULL;
}
