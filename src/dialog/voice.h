/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu (issue 14): what a caller's keys mean and what to play next, as a small state
 * machine the SIP channel feeds (keys, prompts ended, silences) and that answers with one turn:
 * a prompt to play, a question for the dialog (the balance), or hang up. No I/O, no audio: the
 * prompts are named here with their texts; synthesis and playout are the channel's. */
#ifndef MDT_DIALOG_VOICE_H
#define MDT_DIALOG_VOICE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/money.h" /* enum lang */

enum voice_prompt {
    VOICE_PROMPT_NONE = 0,
    VOICE_PROMPT_MENU,      /* welcome and the menu: 1 balance, 2 send, 3 pay, 4 give, 9 language */
    VOICE_PROMPT_BALANCE,   /* the dialog's balance reply, in voice_turn.say (from the caller) */
    VOICE_PROMPT_NOT_BUILT, /* that choice is not yet offered by phone */
    VOICE_PROMPT_INVALID,   /* a key the menu does not know */
    VOICE_PROMPT_ANONYMOUS, /* a hidden number: nothing a wallet's owner can do yet */
    VOICE_PROMPT_GOODBYE,
    VOICE_PROMPT_COUNT_
};

enum voice_action {
    VOICE_NONE = 0,    /* nothing to do: wait for a key or the end of the prompt */
    VOICE_PLAY,        /* play prompt (barge-in allowed: a key stops it) */
    VOICE_ASK_BALANCE, /* ask the dialog for the caller's balance, then voice_call_balance */
    VOICE_HANGUP,      /* hang up now */
};

struct voice_turn {
    enum voice_action action;
    enum voice_prompt prompt;
};

enum voice_state {
    VOICE_MENU = 0, /* the menu was played or is playing: waiting for a choice */
    VOICE_ASKING,   /* waiting for the dialog's answer */
    VOICE_LEAVING,  /* the goodbye is playing: hang up when it ends */
};

/* One call's menu. The caller owns it (zeroed, then voice_call_start). */
struct voice_call {
    enum voice_state state;
    enum lang lang;
    bool anonymous;
    uint8_t silences; /* re-prompts after a silence, since the last key */
};

/* Re-prompts after silences before goodbye (issue 14: twice, then goodbye and hang up). */
#define VOICE_SILENCES_MAX 2
/* Seconds of silence after a prompt ends before it is played again. */
#define VOICE_SILENCE_S 8

/* Start v for a caller in lang (their wallet's language, or the service's); anonymous: no
 * number (only card payments of an order will be offered, not built yet). *out: the first turn. */
void voice_call_start(struct voice_call *v, enum lang lang, bool anonymous, struct voice_turn *out);

/* The caller pressed key ('0'-'9', '*', '#', 'A'-'D'). '*' repeats the menu. */
void voice_call_key(struct voice_call *v, char key, struct voice_turn *out);

/* The balance the dialog answered (to be said: voice_prompt_text does not hold it). */
void voice_call_balance(struct voice_call *v, struct voice_turn *out);

/* The last prompt ended (not stopped by a key). */
void voice_call_played(struct voice_call *v, struct voice_turn *out);

/* VOICE_SILENCE_S passed since the prompt ended with no key. */
void voice_call_silence(struct voice_call *v, struct voice_turn *out);

/* The text of prompt p in lang, for synthesis (static storage; "" for VOICE_PROMPT_BALANCE,
 * whose words come from the dialog). */
const char *voice_prompt_text(enum voice_prompt p, enum lang lang);

/* The SMS keyword the dialog knows for the balance in lang ("SOLDE", "BAL"). */
const char *voice_balance_keyword(enum lang lang);

#endif
