/* SPDX-License-Identifier: Apache-2.0 */
/* What a phone call says in its own words (issue 14), as opposed to the SMS texts: the balance,
 * a transfer or a donation waiting for its code, an order found by its reference, with amounts,
 * phone numbers and references in words (speak.h) rather than as written for a screen. The
 * sentences are one table, French and English: adding a language is adding a column. Pure text:
 * no I/O, no audio. */
#ifndef MDT_DIALOG_VOICE_TEXT_H
#define MDT_DIALOG_VOICE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/money.h"

/* What is said is a list of pieces separated by this character: the channel synthesises each
 * piece once and joins them, so that the fixed words ("Votre solde est de") are synthesised once
 * for every call and only the spoken amount is new. Pieces never contain it otherwise. */
#define VOICE_PIECE '\n'

/* Every function below writes the pieces into out (cap bytes including the NUL, caller-owned)
 * and returns their length, or a negative code: -MDT_EPARSE (voice_balance_say: reply is not
 * the dialog's balance reply), -MDT_ERANGE (cap too small; out then holds ""), -MDT_EINVAL
 * (NULL arguments, cap 0), or speak.h's errors for an amount or number that cannot be spoken.
 * On an error the caller says the written text instead. Thread-safe; never allocates. */

/* An amount in words in lang into buf (cap bytes); as written ("12,50 XYZ") for a currency
 * speak.c has no names for. Returns the length or speak.h's and money.h's errors. */
int voice_amount_words(int64_t amount_minor, const struct currency *cur, enum lang lang, char *buf,
                       size_t cap);

/* The dialog's balance reply (TEXT_BALANCE, "Solde : 25,50 €. ENVOI 10 ..." in either language:
 * the wallet's, which the call may have switched) said in lang as the balance alone: "Votre
 * solde est de" / "vingt-cinq euros et cinquante centimes." */
int voice_balance_say(enum lang lang, const char *reply, char *out, size_t cap);

/* A transfer waiting for its code: "Envoyer" / the amount / "au" / the payee's number spoken by
 * pairs (payee_e164, E.164) / "? Tapez votre code à six chiffres."; a donation when charity is
 * not NULL ("Donner" ... "à" the association's name; payee_e164 is then ignored). reply is the
 * dialog's answer to the order (it may be out): the phone's words replace it only when it is
 * the plain ask for the code (TEXT_CONFIRM_SEND or TEXT_CONFIRM_DONATE, either language);
 * anything else (a payee without a wallet, whose money waits for them) is -MDT_EPARSE. */
int voice_send_say(enum lang lang, const char *reply, int64_t amount_minor,
                   const struct currency *cur, const char *payee_e164, const char *charity,
                   char *out, size_t cap);

/* An order found by its phone reference: the payee's name / "vous demande" / the amount /
 * "référence" / the merchant's reference spelled (as written when it cannot be spelled: words)
 * / "Pour payer, tapez votre code à six chiffres." (anonymous: a hidden number, who has no code,
 * hears no such ask: the card's way to pay follows). */
int voice_order_say(enum lang lang, const char *payee, int64_t amount_minor,
                    const struct currency *cur, const char *reference, bool anonymous, char *out,
                    size_t cap);

/* How a payment keyed on the phone ended, for the call's own words (the SMS keeps its receipt). */
enum voice_result {
    VOICE_RESULT_PAID = 0,   /* an order paid with the code: amount, payee's name */
    VOICE_RESULT_SENT,       /* a transfer made: amount, payee's number (E.164) */
    VOICE_RESULT_GIVEN,      /* a donation made: amount, the association's name */
    VOICE_RESULT_WRONG_CODE, /* a wrong code, tries left (the ask for the code follows) */
    VOICE_RESULT_LOCKED,     /* too many wrong codes: nothing paid, the code locked */
    VOICE_RESULT_REFUSED,    /* not paid (refused, expired): nothing taken, the SMS says why */
    VOICE_RESULT_COUNT_
};

/* What the dialog's reply to a transfer's or donation's code says happened, read off its shape
 * in either language (the dialog answers a code with texts alone: TEXT_SENT, TEXT_DONATED,
 * TEXT_WRONG_CODE, TEXT_LOCKED_NOW, TEXT_CODE_LOCKED_NOW, TEXT_LOCKED); -MDT_EPARSE for any
 * other reply (a transfer held for a payee without a wallet says more than the phone's words
 * would, and stays the SMS text). */
int voice_code_result(const char *reply);

/* Result r said in lang, in the phone's words: the amount in words, who (the payee's name, the
 * E.164 number spoken by pairs for VOICE_RESULT_SENT, the association's name) for a payment
 * made; the others need neither (amount_minor, cur and who may be 0/NULL). */
int voice_result_say(enum lang lang, enum voice_result r, int64_t amount_minor,
                     const struct currency *cur, const char *who, char *out, size_t cap);

/* Result r's name for the log ("paid", "sent", "wrong_code"...): what was said, never its
 * words; "?" out of range. */
const char *voice_result_name(enum voice_result r);

#endif
