/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's phone wiring (issue 14): the SIP channel's events into the phone menu
 * (dialog/voice.c), the menu's turns back out as prompts played on the call, and the balance
 * asked of the dialog as an SMS-style question on CHANNEL_VOICE whose reply is said, not sent.
 * Until the prompt synthesis lands (src/channel/sip/prompts.c), each prompt is a tone of its
 * own pitch (prompt_render), so a test can tell them apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/log.h"
#include "channel/sip/sip.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "dialog/voice.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "store/store_channel.h"

/* A tone prompt: 1.2 s, long enough to be heard and short enough for tests. */
#define TONE_SAMPLES 9600

/* One call's menu on the loop. */
struct voice_session {
    uint32_t call; /* 0: free slot */
    struct voice_call v;
    char e164[PHONE_E164_MAX]; /* "" anonymous or not a number */
    uint32_t tag;              /* of the prompt playing: older SIP_EV_PLAYED are stale */
    struct event *silence;
    struct daemon_sip *s;
};

struct daemon_sip {
    struct daemon *d;
    struct sip_channel *chan;
    struct voice_session *sessions; /* max_calls slots */
    size_t cap;
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

/* The audio of prompt p: the synthesised words once prompts.c lands; a tone meanwhile. say is
 * what VOICE_PROMPT_BALANCE must say (the dialog's reply), for that synthesis. */
static void prompt_render(struct daemon_sip *s, enum voice_prompt p, enum lang lang,
                          const char *say, const uint8_t **samples, size_t *n)
{
    (void)lang;
    (void)say;
    *samples = s->tones[p];
    *n = TONE_SAMPLES;
}

static void turn_run(struct voice_session *vs, const struct voice_turn *t, const char *say);

static void on_silence(evutil_socket_t fd, short what, void *arg)
{
    struct voice_session *vs = arg;
    struct voice_turn t;

    (void)fd;
    (void)what;
    voice_call_silence(&vs->v, &t);
    turn_run(vs, &t, NULL);
}

struct balance_ask {
    struct daemon_sip *s;
    uint32_t call;
};

/* The dialog's answer to the balance question: said on the call if it is still there. */
static bool balance_told(void *ctx, int rc, const char *const *replies, size_t n)
{
    struct balance_ask *a = ctx;
    struct voice_session *vs = session_find(a->s, a->call);
    struct voice_turn t;

    free(a);
    if (vs == NULL) {
        return true; /* hung up meanwhile: nothing to send by SMS either */
    }
    if (rc < 0 || n == 0) {
        log_warn("sip: call %u: the balance could not be read: %s", vs->call, mdt_strerror(rc));
        t.action = VOICE_PLAY;
        t.prompt = VOICE_PROMPT_NOT_BUILT;
        vs->v.state = VOICE_MENU;
        turn_run(vs, &t, NULL);
        return true;
    }
    log_info("sip: call %u: balance answered", vs->call);
    voice_call_balance(&vs->v, &t);
    turn_run(vs, &t, replies[0]);
    return true; /* said on the call, not sent by SMS */
}

static void balance_ask(struct voice_session *vs)
{
    struct daemon *d = vs->s->d;
    struct dialog_message m = {.channel = CHANNEL_VOICE};
    struct balance_ask *a = calloc(1, sizeof(*a));
    const char *kw = voice_balance_keyword(vs->v.lang);

    MDT_ASSERT(a != NULL);
    a->s = vs->s;
    a->call = vs->call;
    snprintf(m.source, sizeof(m.source), "%s", vs->e164);
    snprintf(m.dest, sizeof(m.dest), "%s", d->cfg->sms.short_code);
    m.text = kw;
    m.len = strlen(kw);
    service_receive(d->service, &m, a, balance_told);
}

static void turn_run(struct voice_session *vs, const struct voice_turn *t, const char *say)
{
    const uint8_t *samples;
    size_t n;
    int rc;

    switch (t->action) {
    case VOICE_PLAY:
        event_del(vs->silence);
        prompt_render(vs->s, t->prompt, vs->v.lang, say, &samples, &n);
        rc = sip_call_play(vs->s->chan, vs->call, SIP_LAW_PCMA, samples, n, true, ++vs->tag);
        if (rc < 0) {
            log_warn("sip: call %u: cannot play: %s", vs->call, mdt_strerror(rc));
        }
        break;
    case VOICE_ASK_BALANCE:
        event_del(vs->silence);
        balance_ask(vs);
        break;
    case VOICE_HANGUP:
        event_del(vs->silence);
        (void)sip_call_hangup(vs->s->chan, vs->call);
        break;
    case VOICE_NONE:
        break;
    }
}

static const char *source_name(enum sip_key_source src)
{
    return src == SIP_KEY_RFC4733 ? "rfc4733" : src == SIP_KEY_INFO ? "info" : "inband";
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
    struct voice_turn t = {VOICE_NONE, VOICE_PROMPT_NONE};
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
        /* Menu choices only: once card entry exists, its digits must never reach a log. */
        if (vs->v.state == VOICE_MENU) {
            log_info("sip: call %u key %c (%s)", vs->call, ev->key, source_name(ev->source));
        }
        event_del(vs->silence);
        voice_call_key(&vs->v, ev->key, &t);
        break;
    case SIP_EV_PLAYED:
        if (ev->tag != vs->tag || ev->barged) {
            return; /* replaced or stopped by a key, which has its own turn */
        }
        voice_call_played(&vs->v, &t);
        if (t.action == VOICE_NONE && vs->v.state == VOICE_MENU) {
            event_add(vs->silence, &silence);
        }
        break;
    case SIP_EV_ENDED:
        log_info("sip: call %u ended: %llu audio packets received, %llu with sound", vs->call,
                 (unsigned long long)ev->rx_packets, (unsigned long long)ev->rx_loud);
        event_del(vs->silence);
        vs->call = 0;
        return;
    default:
        return;
    }
    turn_run(vs, &t, NULL);
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
    struct sip_handlers h = {.event = on_event};
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
        if (s->sessions[i].silence == NULL) {
            return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
        }
    }
    tones_make(s);
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
    }
    free(s->sessions);
    free(s);
    d->sip = NULL;
}
