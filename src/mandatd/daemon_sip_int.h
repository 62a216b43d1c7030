/* SPDX-License-Identifier: Apache-2.0 */
/* What the files of mandatd's phone channel share (issue 14): a call's session on the loop, its
 * card entry, the channel's state, and the functions one file calls in another. daemon_sip.c
 * (calls, keys and the menu's turns, start and stop), daemon_sip_prompt.c (prompts and
 * read-backs played), daemon_sip_ask.c (questions to the dialog, their answers said),
 * daemon_sip_order.c (an order found and paid by its code), daemon_sip_card.c (an order paid by
 * card). The functions one file calls in another take the prefix sipd_. Loop thread only. */
#ifndef MDT_MANDATD_DAEMON_SIP_INT_H
#define MDT_MANDATD_DAEMON_SIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "base/error.h"
#include "base/id128.h"
#include "channel/sip/dtmf.h"
#include "dialog/phone.h"
#include "dialog/voice.h"
#include "vault/card_vault.h"

struct currency;
struct daemon;
struct sip_channel;
struct speech;

/* A tone prompt, when espeak-ng cannot speak (its data missing): 1.2 s, long enough to be heard
 * and short enough for tests. */
#define TONE_SAMPLES 9600

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

/* A question to the dialog about one call (the call may be gone when it is answered). */
struct voice_ask {
    struct daemon_sip *s;
    uint32_t call;
    bool code; /* the question was a code: its replies also go by SMS */
};

/* ---- daemon_sip.c ---- */

/* The session of call (0: a free slot), NULL when there is none. */
struct voice_session *sipd_session_find(struct daemon_sip *s, uint32_t call);

/* Runs the menu's turn t on the call: a prompt played (say: a VOICE_PROMPT_SAY's words), a
 * question to the dialog, an order found or paid, a card field, a hang-up. Wipes t->text. */
void sipd_turn_run(struct voice_session *vs, struct voice_turn *t, const char *say);

/* ---- daemon_sip_prompt.c ---- */

/* The stand-in tones of every prompt, for when espeak-ng cannot speak. */
void sipd_tones_make(struct daemon_sip *s);

/* Starts the speech worker and synthesises the fixed prompts (the loop waits); without
 * espeak-ng's data s->speech stays NULL and the tones stand in. */
void sipd_speech_open(struct daemon_sip *s);

/* Plays prompt p on the call in its language, replacing what it played. */
void sipd_prompt_play(struct voice_session *vs, enum voice_prompt p, const char *say);

/* Drops the call's read-back still being synthesised, if any. */
void sipd_say_cancel(struct voice_session *vs);

/* ---- daemon_sip_ask.c ---- */

/* The evtimer callback of vs->answer: the menu's turn for vs->pending. */
void sipd_on_answer(evutil_socket_t fd, short what, void *arg);

/* Answers the menu with a on the loop's next turn (after the current step is done). */
void sipd_answer_later(struct voice_session *vs, enum voice_answer a);

/* Asks the dialog text (the balance, a transfer, a gift, a code) as the caller's message on
 * CHANNEL_VOICE; its replies are said on the call (or go by SMS). */
void sipd_ask_dialog(struct voice_session *vs, const char *text);

/* Reads the associations' list to the caller and has the menu choose among them. */
void sipd_charities_list(struct voice_session *vs);

/* ---- daemon_sip_order.c ---- */

/* The order with the phone reference digits, read back (or not found). */
void sipd_order_find(struct voice_session *vs, const char *digits);

/* Pays the order found with the caller's code. */
void sipd_order_pay(struct voice_session *vs, const char *code);

/* ---- daemon_sip_card.c ---- */

/* A digit keyed in the card field being keyed (text: the key). */
void sipd_card_add(struct call_card *k, const char *text);

/* The card field is complete (last: its final key, or ""): checked and taken, or refused. */
void sipd_card_check(struct voice_session *vs, const char *last);

/* The caller confirmed: the order paid with the card keyed. */
void sipd_card_pay(struct voice_session *vs);

/* The field being keyed is wiped. */
void sipd_card_field_wipe(struct call_card *k);

/* The whole card is wiped, its security code's slot dropped. */
void sipd_card_wipe(struct call_card *k);

/* Maps s->cap card entries in locked pages left out of core dumps, one per session.
 * Errors: -MDT_ENOMEM. */
int sipd_cards_map(struct daemon_sip *s, struct mdt_err *err);

/* Wipes and unmaps the card entries. */
void sipd_cards_unmap(struct daemon_sip *s);

#endif
