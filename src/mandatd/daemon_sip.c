/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's phone wiring (issue 14): the SIP channel's calls and keys into the phone menu
 * (dialog/voice.c) and the menu's turns back out to the call, with the channel's start and
 * stop. Keys come by RFC 4733, SIP INFO and in-band tones (channel/sip/dtmf.c, on the SIP
 * thread), counted once per press (dtmf_dedup). The turns' work lives beside it:
 * daemon_sip_prompt.c (prompts and read-backs), daemon_sip_ask.c (questions to the dialog and
 * their replies said), daemon_sip_order.c (an order paid by its code), daemon_sip_card.c (by
 * card); daemon_sip_int.h is what they share. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/sip/dtmf.h"
#include "channel/sip/prompts.h"
#include "channel/sip/sip.h"
#include "channel/sip/speech.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "dialog/voice.h"
#include "mandatd/daemon.h"
#include "mandatd/daemon_sip_int.h"
#include "vault/vault.h"

/* The key paths are the same in both modules: a key's source passes as is. */
_Static_assert((int)SIP_KEY_RFC4733 == (int)DTMF_SRC_RFC4733 &&
                   (int)SIP_KEY_INFO == (int)DTMF_SRC_INFO &&
                   (int)SIP_KEY_INBAND == (int)DTMF_SRC_INBAND,
               "sip_key_source and dtmf_source agree");

/* The self-check's key: 5 (770 + 1336 Hz), 100 ms, each sine at about -10 dBm0. */
#define CHECK_SAMPLES 800
#define CHECK_AMPLITUDE 7000.0

/* In-band detection on every call's audio, on the SIP thread. */
static const struct sip_inband inband = {dtmf_inband_open, dtmf_inband_feed, dtmf_inband_close,
                                         NULL};

struct voice_session *sipd_session_find(struct daemon_sip *s, uint32_t call)
{
    for (size_t i = 0; i < s->cap; i++) {
        if (s->sessions[i].call == call) {
            return &s->sessions[i];
        }
    }
    return NULL;
}

static void on_silence(evutil_socket_t fd, short what, void *arg)
{
    struct voice_session *vs = arg;
    struct voice_turn t;

    (void)fd;
    (void)what;
    voice_call_silence(&vs->v, &t);
    sipd_turn_run(vs, &t, NULL);
}

void sipd_turn_run(struct voice_session *vs, struct voice_turn *t, const char *say)
{
    if (t->action != VOICE_NONE) {
        event_del(vs->silence);
    }
    if (t->card_reset) {
        sipd_card_field_wipe(vs->card); /* an entry starts again, or ended */
    }
    switch (t->action) {
    case VOICE_PLAY:
        log_info("sip: call %u says %s", vs->call, voice_prompt_name(t->prompt));
        sipd_prompt_play(vs, t->prompt, say);
        break;
    case VOICE_ASK:
        sipd_ask_dialog(vs, t->text);
        break;
    case VOICE_CHARITIES:
        sipd_charities_list(vs);
        break;
    case VOICE_FIND_ORDER:
        sipd_order_find(vs, t->text);
        break;
    case VOICE_PAY_ORDER:
        sipd_order_pay(vs, t->text);
        break;
    case VOICE_HANGUP:
        (void)sip_call_hangup(vs->s->chan, vs->call);
        break;
    case VOICE_CARD_KEY:
        sipd_card_add(vs->card, t->text);
        break;
    case VOICE_CARD_CHECK:
        sipd_card_check(vs, t->text);
        break;
    case VOICE_CARD_PAY:
        sipd_card_pay(vs);
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
    struct voice_session *vs = sipd_session_find(s, 0);
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
    sipd_turn_run(vs, &t, NULL);
}

static void on_event(void *ctx, const struct sip_event *ev)
{
    struct daemon_sip *s = ctx;
    struct voice_session *vs = ev->kind == SIP_EV_CALL ? NULL : sipd_session_find(s, ev->call);
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
            sipd_say_cancel(vs); /* barge-in on a read-back still being synthesised */
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
            sipd_say_cancel(vs); /* queued, being synthesised or on its way back */
        }
        vault_wipe(&vs->v, sizeof(vs->v));
        vault_wipe(vs->say, sizeof(vs->say));
        sipd_card_wipe(vs->card); /* a card keyed but not paid with: gone */
        vs->call = 0;
        return;
    default:
        return;
    }
    sipd_turn_run(vs, &t, NULL);
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
        s->sessions[i].answer = evtimer_new(d->base, sipd_on_answer, &s->sessions[i]);
        if (s->sessions[i].silence == NULL || s->sessions[i].answer == NULL) {
            return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
        }
    }
    rc = sipd_cards_map(s, err);
    if (rc < 0) {
        return rc;
    }
    sipd_tones_make(s);
    if (!inband_works()) {
        log_error("sip: the in-band DTMF detector does not hear a 5 as a 5: in-band keys are off");
        h.inband = NULL;
    }
    sipd_speech_open(s);
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
    sipd_cards_unmap(s);
    free(s->sessions);
    speech_free(s->speech); /* the fixed prompts' audio goes with it */
    free(s);
    d->sip = NULL;
}
