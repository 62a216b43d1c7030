/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's phone wiring (issue 14): the SIP channel's events into the phone menu
 * (dialog/voice.c), the menu's turns back out as prompts played on the call; the balance, a
 * transfer, a donation and their code asked of the dialog as SMS-style messages on
 * CHANNEL_VOICE whose replies are said (and go by SMS when the call is gone, or when they
 * answer a code); an order paid through the payment request's code path. Prompts are spoken:
 * synthesised by channel/sip/prompts.c on the loop thread, which owns it (the menu's fixed
 * prompts in both languages at start, a read-back's amount once per turn), in the phone's own
 * words (dialog/voice_text.c). Keys come by RFC 4733, SIP INFO and in-band tones
 * (channel/sip/dtmf.c, on the SIP thread), counted once per press (dtmf_dedup). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "channel/sip/dtmf.h"
#include "channel/sip/prompts.h"
#include "channel/sip/sip.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "dialog/voice.h"
#include "dialog/voice_text.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "store/store_channel.h"
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
    struct event *answer;           /* the dialog's answer, run once its step is done */
    enum voice_answer pending;      /* that answer */
    char say[SAY_MAX];              /* its words; wiped once played */
    struct id128 order;             /* pay an order: the request found by its phone reference */
    struct dtmf_dedup dedup;        /* a press reported by two paths counts once */
    int64_t start_ms;               /* the call's clock for dedup: when it was answered */
    uint64_t last_ms[DTMF_SOURCES]; /* each path's last key on that clock */
    struct daemon_sip *s;
};

struct daemon_sip {
    struct daemon *d;
    struct sip_channel *chan;
    struct voice_session *sessions; /* max_calls slots */
    size_t cap;
    struct prompts *prompts; /* NULL: espeak-ng cannot speak, the tones stand in */
    const uint8_t *fixed[VOICE_PROMPT_COUNT_][2]; /* A-law, by language: owned by prompts */
    size_t fixed_len[VOICE_PROMPT_COUNT_][2];
    uint8_t *play; /* a read-back's audio, SIP_PLAY_SAMPLES_MAX bytes (sip_call_play copies) */
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
            if (prompts_get(s->prompts, l ? LANG_EN : LANG_FR, text, G711_PCMA, &s->fixed[p][l],
                            &s->fixed_len[p][l], &err) < 0) {
                log_warn("sip: prompt %s cannot be spoken: %s",
                         voice_prompt_name((enum voice_prompt)p), err.msg);
                s->fixed[p][l] = NULL;
            }
        }
    }
}

/* The words of a VOICE_PROMPT_SAY (pieces separated by VOICE_PIECE) into s->play: each piece
 * synthesised (or taken from the cache: the fixed words of a read-back are said on every call)
 * and joined. Returns the bytes written, 0 when it cannot be spoken. */
static size_t say_render(struct daemon_sip *s, enum lang lang, const char *say)
{
    char copy[SAY_MAX];
    const char *pieces[SAY_PIECES_MAX];
    size_t k = 0, len = 0;
    struct mdt_err err = {0};
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
                : prompts_join(s->prompts, lang, pieces, k, SAY_GAP_MS, G711_PCMA, s->play,
                               SIP_PLAY_SAMPLES_MAX, &len, &err);
    vault_wipe(copy, sizeof(copy));
    if (rc < 0) {
        log_warn("sip: a reply cannot be spoken: %s", k == 0 ? "no words" : err.msg);
        return 0;
    }
    return len;
}

/* The audio of prompt p in lang: its synthesised words, say's for VOICE_PROMPT_SAY (the
 * dialog's reply, a read-back, a list); a tone when they cannot be spoken. */
static void prompt_render(struct daemon_sip *s, enum voice_prompt p, enum lang lang,
                          const char *say, const uint8_t **samples, size_t *n)
{
    int l = lang == LANG_EN ? 1 : 0;

    if (s->prompts != NULL && p == VOICE_PROMPT_SAY) {
        *n = say_render(s, lang, say);
        *samples = s->play;
    } else if (s->prompts != NULL && s->fixed[p][l] != NULL) {
        *samples = s->fixed[p][l];
        *n = s->fixed_len[p][l];
    } else {
        *n = 0;
    }
    if (*n == 0) {
        *samples = s->tones[p];
        *n = TONE_SAMPLES;
    }
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

/* A transfer or a donation waiting for its code, read back in the phone's words (the amount and
 * the number as keyed, in words) instead of the SMS text; < 0 leaves the SMS text. */
static int send_said(struct voice_session *vs)
{
    struct dialog *dl = vs->s->d->dialog;
    const struct voice_call *v = &vs->v;
    const struct currency *cur = currency_find(dialog_currency_code(dl));
    const char *charity = NULL;
    char e164[PHONE_E164_MAX] = "";

    if (v->charity > 0) {
        const struct association_row *r = dialog_association_at(dl, v->charity - 1u);

        charity = v->charities[v->charity - 1];
        if (r != NULL && strcmp(r->keyword, charity) == 0 && r->name[0] != '\0') {
            charity = r->name;
        }
    } else if (phone_normalize(v->number, vs->s->d->cfg->sms.country, e164, NULL) < 0) {
        return MDT_E(PARSE);
    }
    return voice_send_say(v->lang, vs->say, v->amount_minor, cur, e164, charity, vs->say,
                          sizeof(vs->say));
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
        if (vs->v.after == VOICE_AMOUNT && send_said(vs) >= 0) {
            log_info("sip: call %u: read back in the call's words", vs->call);
        } else {
            /* The SMS text says "reply with your code": on the phone, say which keys. */
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

/* The dialog's replies to the caller's message: said on the call if it is still there. The
 * replies to a code (a receipt, a wrong code, a lock) also go by SMS: a written receipt of a
 * payment, and a word to the wallet's phone when someone tries codes from a number that may be
 * spoofed. A call gone meanwhile gets every reply by SMS. */
static bool ask_told(void *ctx, int rc, const char *const *replies, size_t n)
{
    struct voice_ask *a = ctx;
    struct voice_session *vs = session_find(a->s, a->call);
    uint32_t call = a->call;
    bool code = a->code;
    size_t len = 0;

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
    for (size_t i = 0; i < n && len + 1 < sizeof(vs->say); i++) {
        char said[SAY_MAX];
        int w;

        /* The balance in words; any other reply (a refusal, a lock) as the SMS says it. */
        if (vs->v.after != VOICE_MENU ||
            voice_balance_say(vs->v.lang, replies[i], said, sizeof(said)) < 0) {
            snprintf(said, sizeof(said), "%s", replies[i]);
        }
        w = snprintf(vs->say + len, sizeof(vs->say) - len, "%s%s", i > 0 ? "\n" : "", said);
        len += w > 0 ? (size_t)w : 0;
    }
    answer_later(vs, VOICE_ANSWER_SAID);
    return !code;
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

/* Pay an order: the caller's pending request with this phone reference, read back. */
static void order_find(struct voice_session *vs, const char *digits)
{
    struct dialog *dl = vs->s->d->dialog;
    const struct payment_request_row *r =
        dialog_request_by_phone_ref(dl, vs->e164, digits, clock_now_us());
    char payee[128];

    if (r == NULL) {
        log_info("sip: call %u: no order with that reference", vs->call);
        answer_later(vs, VOICE_ANSWER_NOT_FOUND);
        return;
    }
    vs->order = r->id;
    dialog_request_payee(dl, r, vs->v.lang, payee, sizeof(payee));
    if (voice_order_say(vs->v.lang, payee, r->amount_minor, currency_find(r->currency),
                        r->reference, vs->say, sizeof(vs->say)) < 0) {
        log_warn("sip: call %u: the order cannot be read back", vs->call);
        answer_later(vs, VOICE_ANSWER_FAILED);
        return;
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
    snprintf(vs->say, sizeof(vs->say), "%s", said != NULL ? said : "");
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

static void turn_run(struct voice_session *vs, struct voice_turn *t, const char *say)
{
    const uint8_t *samples;
    size_t n;
    int rc;

    if (t->action != VOICE_NONE) {
        event_del(vs->silence);
    }
    switch (t->action) {
    case VOICE_PLAY:
        prompt_render(vs->s, t->prompt, vs->v.lang, say, &samples, &n);
        log_info("sip: call %u says %s", vs->call, voice_prompt_name(t->prompt));
        rc = sip_call_play(vs->s->chan, vs->call, SIP_LAW_PCMA, samples, n, true, ++vs->tag);
        if (rc < 0) {
            log_warn("sip: call %u: cannot play: %s", vs->call, mdt_strerror(rc));
        }
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
    case VOICE_NONE:
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
        voice_call_key(&vs->v, ev->key, &t);
        if (t.action == VOICE_NONE && vs->v.state != VOICE_ASKING && vs->v.state != VOICE_LEAVING) {
            event_add(vs->silence, &silence); /* mid-entry: a caller who stops is asked again */
        }
        break;
    case SIP_EV_PLAYED:
        if (ev->tag != vs->tag || ev->barged) {
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
        vault_wipe(&vs->v, sizeof(vs->v));
        vault_wipe(vs->say, sizeof(vs->say));
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

/* The speech: espeak-ng on this (the loop) thread, the fixed prompts, the read-backs' buffer.
 * Without espeak-ng's data the calls still work, with tones for words. */
static int speech_start(struct daemon_sip *s, struct mdt_err *err)
{
    struct mdt_err perr = {0};
    int64_t t0 = clock_mono_us();

    s->play = malloc(SIP_PLAY_SAMPLES_MAX);
    if (s->play == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
    }
    if (prompts_new(NULL, &s->prompts, &perr) < 0) {
        log_warn("sip: no speech, tones stand in for the prompts: %s", perr.msg);
        s->prompts = NULL;
        return 0;
    }
    prompts_fixed(s);
    log_info("sip: prompts spoken in %lld ms", (long long)((clock_mono_us() - t0) / 1000));
    return 0;
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
    };
    struct sip_handlers h = {.event = on_event, .inband = &inband};
    struct daemon_sip *s;
    int rc;

    if (cfg->sip.listen[0] == '\0') {
        return 0;
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
    tones_make(s);
    if (!inband_works()) {
        log_error("sip: the in-band DTMF detector does not hear a 5 as a 5: in-band keys are off");
        h.inband = NULL;
    }
    rc = speech_start(s, err);
    if (rc < 0) {
        return rc;
    }
    h.ctx = s;
    rc = sip_channel_start(d->base, &o, &h, &s->chan, err);
    if (rc == 0) {
        log_info("sip: listening on %s (UDP and TCP), at most %u calls", sip_channel_addr(s->chan),
                 cfg->sip.max_calls);
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
    free(s->sessions);
    prompts_free(s->prompts);
    free(s->play);
    free(s);
    d->sip = NULL;
}
