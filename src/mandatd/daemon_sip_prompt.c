/* SPDX-License-Identifier: Apache-2.0 */
/* The phone channel's prompts (issue 14): the menu's fixed prompts synthesised at start by the
 * speech worker (channel/sip/speech.c), a read-back's pieces queued to it and played when they
 * come back, tones standing in when espeak-ng cannot speak; a key stops a prompt, not the
 * call's last words. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/sip/prompts.h"
#include "channel/sip/sip.h"
#include "channel/sip/speech.h"
#include "dialog/voice.h"
#include "dialog/voice_text.h"
#include "mandatd/daemon.h"
#include "mandatd/daemon_sip_int.h"
#include "vault/vault.h"

/* Pieces of one read-back (voice_text.h): a sentence and its amount, number and reference. */
#define SAY_PIECES_MAX 16
/* Silence between the pieces of a read-back: a breath, not a pause. */
#define SAY_GAP_MS 60

_Static_assert((int)SIP_LAW_PCMA == (int)G711_PCMA, "one A-law");

/* Stand-in prompts: prompt p is a sine at 300 + 150 p Hz. */
void sipd_tones_make(struct daemon_sip *s)
{
    for (int p = 0; p < VOICE_PROMPT_COUNT_; p++) {
        sip_tone(s->tones[p], TONE_SAMPLES, SIP_LAW_PCMA, 300 + 150 * (unsigned)p);
    }
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
void sipd_say_cancel(struct voice_session *vs)
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
void sipd_prompt_play(struct voice_session *vs, enum voice_prompt p, const char *say)
{
    struct daemon_sip *s = vs->s;
    int l = vs->v.lang == LANG_EN ? 1 : 0;
    uint32_t tag = ++vs->tag;

    sipd_say_cancel(vs);
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

/* The speech: espeak-ng on the speech worker's thread, which synthesises the fixed prompts
 * now (the loop waits: nothing is served yet) and the read-backs as calls ask. Without
 * espeak-ng's data the calls still work, with tones for words. */
void sipd_speech_open(struct daemon_sip *s)
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
