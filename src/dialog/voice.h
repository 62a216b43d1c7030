/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu (issue 14): what a caller's keys mean and what to play next, as a small state
 * machine the SIP channel feeds (keys, prompts ended, silences, the dialog's answers) and that
 * answers with one turn: a prompt to play, a question for the dialog (an SMS-style command, a
 * payment request's reference, a request's code), or hang up. No I/O, no audio: the prompts
 * are named here with their texts; synthesis and playout are the channel's. Money rules stay
 * the dialog's: sending money and giving are the SMS commands (ENVOI, DON, the bare code) put
 * together from keys; paying an order is the payment request's code path. */
#ifndef MDT_DIALOG_VOICE_H
#define MDT_DIALOG_VOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/money.h" /* enum lang */

enum voice_prompt {
    VOICE_PROMPT_NONE = 0,
    VOICE_PROMPT_MENU,      /* welcome and the menu: 1 balance, 2 send, 3 pay, 4 give, 9 language */
    VOICE_PROMPT_SAY,       /* words decided elsewhere, in the turn's say (the dialog's reply) */
    VOICE_PROMPT_NOT_BUILT, /* that choice is not yet offered by phone */
    VOICE_PROMPT_INVALID,   /* a key the menu does not know */
    VOICE_PROMPT_ANONYMOUS, /* (unused since hidden numbers pay by card: VOICE_PROMPT_ANON_MENU) */
    VOICE_PROMPT_GOODBYE,
    VOICE_PROMPT_ASK_NUMBER, /* the payee's number, then # */
    VOICE_PROMPT_ASK_AMOUNT, /* the amount, * for the decimal separator, then # */
    VOICE_PROMPT_ASK_CODE,   /* the 6-digit code (said again after a silence) */
    VOICE_PROMPT_ASK_REF,    /* the order's reference, then # */
    VOICE_PROMPT_BAD_NUMBER, /* not a phone number: key it again */
    VOICE_PROMPT_BAD_AMOUNT, /* not an amount: key it again */
    VOICE_PROMPT_BAD_CODE,   /* # before 6 digits: key the code again */
    VOICE_PROMPT_NO_ORDER,   /* no order of yours waits with that reference */
    VOICE_PROMPT_WRONG_CODE, /* a wrong code for an order, tries left: key it again */
    VOICE_PROMPT_ORDER_OVER, /* the order can no longer be paid (expired, paid, declined) */
    VOICE_PROMPT_NO_CHARITY, /* no association to give to */
    VOICE_PROMPT_TROUBLE,    /* the service could not answer: try again */
    /* Paying an order by card (PCI DSS): the digits are the channel's, never the menu's. */
    VOICE_PROMPT_ANON_MENU,  /* a hidden number: only an order by card; its reference, then # */
    VOICE_PROMPT_ASK_PAN,    /* the card number, then # */
    VOICE_PROMPT_BAD_PAN,    /* not a card number (length, Luhn): key it again */
    VOICE_PROMPT_ASK_EXPIRY, /* the expiry date, MMYY */
    VOICE_PROMPT_BAD_EXPIRY, /* not a date, or past: key it again */
    VOICE_PROMPT_ASK_CVV,    /* the security code, then # */
    VOICE_PROMPT_BAD_CVV,    /* not 3 or 4 digits: key it again */
    VOICE_PROMPT_TOO_MANY,   /* too many mistakes: nothing paid, goodbye */
    VOICE_PROMPT_CARD_WAIT,  /* the card is being charged: please hold */
    VOICE_PROMPT_COUNT_
};

enum voice_action {
    VOICE_NONE = 0,   /* nothing to do: wait for a key or the end of the prompt */
    VOICE_PLAY,       /* play prompt (barge-in allowed: a key stops it); say for VOICE_PROMPT_SAY */
    VOICE_ASK,        /* send text to the dialog as the caller's message, then voice_call_answer */
    VOICE_CHARITIES,  /* list the associations, then voice_call_charities */
    VOICE_FIND_ORDER, /* find the caller's pending request whose phone reference is text */
    VOICE_PAY_ORDER,  /* pay that request with the code in text, then voice_call_answer */
    VOICE_HANGUP,     /* hang up now */
    /* Card entry: the channel keeps the digits (the menu only counts them). */
    VOICE_CARD_KEY,     /* add text (one key) to the card field being keyed */
    VOICE_CARD_CHECK,   /* add text (one key, or none), check the field, then voice_call_card */
    VOICE_CARD_PAY,     /* pay the order found with the card keyed, then voice_call_answer */
    VOICE_ACTION_COUNT_ /* not an action */
};

/* Room for a turn's text: "DON 1000000,00 ABCDEFGHIJKLMNOP" and a 6-digit code fit. */
#define VOICE_TEXT_MAX 64

/* One turn. text holds what VOICE_ASK, VOICE_FIND_ORDER, VOICE_PAY_ORDER and VOICE_CARD_KEY
 * / CHECK carry: it may be a code or a card's digit, so the caller wipes it (explicit_bzero)
 * once used. card_reset: an entry starts (again) or ends: the channel wipes the card field
 * being keyed (what a check already took, sealed number or pooled code, stays). */
struct voice_turn {
    enum voice_action action;
    enum voice_prompt prompt;
    bool card_reset;
    char text[VOICE_TEXT_MAX];
};

enum voice_state {
    VOICE_MENU = 0,    /* the menu was played or is playing: waiting for a choice */
    VOICE_ASKING,      /* waiting for the dialog's answer */
    VOICE_LEAVING,     /* the goodbye is playing: hang up when it ends */
    VOICE_NUMBER,      /* send: keying the payee's number */
    VOICE_AMOUNT,      /* send or give: keying the amount */
    VOICE_CODE,        /* an order (send, give) waits for the code: keying it */
    VOICE_CHARITY,     /* give: choosing the association */
    VOICE_REF,         /* pay an order: keying its reference */
    VOICE_ORDER_CODE,  /* pay an order: the code for the request found (# alone: by card) */
    VOICE_CARD_PAN,    /* pay an order by card: keying the card number (kept by the channel) */
    VOICE_CARD_EXPIRY, /* its expiry, MMYY */
    VOICE_CARD_CVV,    /* its security code */
    VOICE_STATE_COUNT_ /* not a state */
};

/* What the dialog's answer to a turn means for the call (the channel tells). */
enum voice_answer {
    VOICE_ANSWER_SAID = 0,   /* replied (in say); nothing waits for the caller: back to the menu */
    VOICE_ANSWER_CODE,       /* replied (in say) and an order waits for the caller's code */
    VOICE_ANSWER_FOUND,      /* the request was found: say reads it back, then its code */
    VOICE_ANSWER_NOT_FOUND,  /* no such request for this caller */
    VOICE_ANSWER_WRONG_CODE, /* a wrong code for the request, tries left */
    VOICE_ANSWER_OVER,       /* the request can no longer be paid, and nothing was said */
    VOICE_ANSWER_FAILED,     /* the service could not answer (busy, store failure) */
    VOICE_ANSWER_COUNT_      /* not an answer */
};

/* Associations offered on one call (one key each: 1 to 9). */
#define VOICE_CHARITIES_MAX 9
/* An association's keyword as the dialog knows it. */
#define VOICE_KEYWORD_MAX (COMMAND_KEYWORD_MAX + 1)
/* Digits kept while keying: the longest is an E.164 number's 15 digits. */
#define VOICE_KEYS_MAX 16
/* A payment request's phone reference: digits keyed (dialog_request_phone_ref). */
#define VOICE_REF_DIGITS 6
/* The confirmation code's digits (COMMAND_CODE_DIGITS). */
#define VOICE_CODE_DIGITS 6

/* One call's menu. The caller owns it (zeroed, then voice_call_start). */
struct voice_call {
    enum voice_state state;
    enum voice_state after; /* VOICE_ASKING: what was asked (the state that asked) */
    enum lang lang;
    bool anonymous;
    uint8_t silences;            /* re-prompts after a silence, since the last key */
    char keys[VOICE_KEYS_MAX];   /* digits keyed so far in an entry state (may be a code) */
    uint8_t nkeys;               /* of keys */
    char number[VOICE_KEYS_MAX]; /* send: the payee's number, as keyed */
    char charities[VOICE_CHARITIES_MAX][VOICE_KEYWORD_MAX];
    uint8_t ncharities;
    uint8_t charity; /* give: 1 + the index chosen; 0: sending to number */
    uint8_t tries;   /* card field (or, hidden number, reference) keyed wrong in a row */
};

/* Tries of each card field, and of an order's reference from a hidden number, before goodbye:
 * three, as a card terminal allows, and a bound on guessing references (6 digits). */
#define VOICE_TRIES_MAX 3
/* Digits of an expiry date (MMYY), and the longest security code (Amex CID). */
#define VOICE_EXPIRY_DIGITS 4
#define VOICE_CVV_DIGITS_MAX 4

/* Re-prompts after silences before goodbye (issue 14: twice, then goodbye and hang up). */
#define VOICE_SILENCES_MAX 2
/* Seconds of silence after a prompt ends before it is played again. */
#define VOICE_SILENCE_S 8

/* Start v for a caller in lang (their wallet's language, or the service's); anonymous: no
 * number, so no wallet: only an order paid by card (its reference is asked at once). *out: the
 * first turn. */
void voice_call_start(struct voice_call *v, enum lang lang, bool anonymous, struct voice_turn *out);

/* The caller pressed key ('0'-'9', '*', '#', 'A'-'D'). In the menu '*' repeats it; in an entry
 * state '*' starts the entry again, except in an amount where it is the decimal separator. */
void voice_call_key(struct voice_call *v, char key, struct voice_turn *out);

/* The dialog's answer to the last VOICE_ASK, VOICE_FIND_ORDER, VOICE_PAY_ORDER or VOICE_CARD_PAY
 * (a card payment's answer is VOICE_ANSWER_SAID with its words, declined or paid, or FAILED,
 * OVER). A hidden number's call ends after a card payment's words. */
void voice_call_answer(struct voice_call *v, enum voice_answer a, struct voice_turn *out);

/* The channel checked the card field of VOICE_CARD_CHECK: ok goes on (number, expiry, code,
 * then VOICE_CARD_PAY); not ok asks again, VOICE_TRIES_MAX times, then says goodbye. */
void voice_call_card(struct voice_call *v, bool ok, struct voice_turn *out);

/* The associations for VOICE_CHARITIES: keywords[0..n) (n cut to VOICE_CHARITIES_MAX), copied.
 * The list to say is voice_charities_text's. */
void voice_call_charities(struct voice_call *v, const char *const *keywords, size_t n,
                          struct voice_turn *out);

/* The last prompt ended (not stopped by a key). */
void voice_call_played(struct voice_call *v, struct voice_turn *out);

/* VOICE_SILENCE_S passed since the prompt ended with no key. */
void voice_call_silence(struct voice_call *v, struct voice_turn *out);

/* The text of prompt p in lang, for synthesis (static storage; "" for VOICE_PROMPT_SAY, whose
 * words come from elsewhere). */
const char *voice_prompt_text(enum voice_prompt p, enum lang lang);

/* A stable name of p for logs ("menu", "ask_code"); "?" out of range. */
const char *voice_prompt_name(enum voice_prompt p);

/* The SMS keyword the dialog knows for the balance in lang ("SOLDE", "BAL"). */
const char *voice_balance_keyword(enum lang lang);

/* The list of associations to say, names[0..n) in key order, into out (cap bytes, cut):
 * "Pour Téléthon, tapez 1. ..." then how to go back. */
void voice_charities_text(enum lang lang, const char *const *names, size_t n, char *out,
                          size_t cap);

/* The read-back of an order found by its reference, into out (cap bytes): payee, amount (as
 * formatted by the caller), the merchant's reference, then the ask for the code. */
void voice_order_text(enum lang lang, const char *payee, const char *amount,
                      const char *reference, char *out, size_t cap);

/* How a card payment by phone ended, for voice_card_result_text. */
enum voice_card_result {
    VOICE_CARD_PAID = 0, /* the order is paid */
    VOICE_CARD_DECLINED, /* refused (why: the bank's reason in words): nothing taken */
    VOICE_CARD_CHECKING, /* no answer in time: being checked, the result by SMS if a number */
    VOICE_CARD_NOT_PAID, /* the card was charged but the order could not be paid: refunded */
};

/* What the call says of a card payment's end r, into out (cap bytes); why: the reason of a
 * decline ("refusée par la banque"), else unused. */
void voice_card_result_text(enum lang lang, enum voice_card_result r, const char *why, char *out,
                            size_t cap);

/* The read-back of an order for a hidden number (no code to key): payee, amount, reference. */
void voice_order_head_text(enum lang lang, const char *payee, const char *amount,
                           const char *reference, char *out, size_t cap);

/* The end of a read-back for a card payment, into out (cap bytes): a wallet caller may key
 * their code or press # to pay by card; a hidden number keys the card number. */
void voice_order_card_text(enum lang lang, bool anonymous, char *out, size_t cap);

#endif
