/* SPDX-License-Identifier: Apache-2.0 */
/* The call's words for every reply the dialog can give (issue 14): a reply written for SMS
 * (dialog_text.h's TEXT_*, command.h's HINT_*, in either language: the wallet's, which the call
 * may have switched with 9) is recognised by its template, its arguments read back (amounts,
 * names, references, counts) and said in the call's language in the phone's own sentence, with
 * amounts and references in words (speak.h), never a currency code, an SMS abbreviation or a
 * link: a reply with a link says that an SMS brings it, and the SMS goes. The sentences are one
 * table per reply kind, indexed by the kind: a kind without an entry is caught by the unit test
 * that walks every kind. Pure text: no I/O, no audio. */
#ifndef MDT_DIALOG_VOICE_REPLY_H
#define MDT_DIALOG_VOICE_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/money.h"

/* The kinds of replies: the dialog's texts, then the command hints after them. */
enum voice_reply_family {
    VOICE_REPLY_TEXT = 0, /* enum dialog_text */
    VOICE_REPLY_HINT,     /* enum command_hint */
    VOICE_REPLY_FAMILIES_
};

/* How the call treats one reply kind. */
struct voice_reply_entry {
    /* The roles of the SMS template's arguments, one letter each in their order: 'a' an amount
     * (said in words), 'n' a name (said as written), 'r' a reference (spelled), 'u' a count (in
     * words), 'w' the ledger's reason (said as why), 'l' a link (never said: the SMS goes), '-' not
     * said (a masked number, a delay, a date, a code of the ledger). NULL when off_phone. */
    const char *args;
    /* The call's sentence by language (LANG_FR, LANG_EN): "%1".."%9" put in the arguments by
     * position, each in a piece of its own (VOICE_PIECE around it). NULL when off_phone. */
    const char *words[2];
    /* The SMS also goes (it has a link, or a date or delay the call does not say). */
    bool sms;
    /* The phone's commands (the balance, a transfer, a gift, a code, an order's code) never
     * get this reply: it answers SMS commands the keypad cannot make, pages, social posts, or
     * goes to someone else. If it is heard all the same, the call says that an SMS says why. */
    bool off_phone;
};

/* The entry of kind i in family f, or NULL out of range (the tests walk every kind). */
const struct voice_reply_entry *voice_reply_entry(enum voice_reply_family f, unsigned i);

/* How many kinds family f has. */
unsigned voice_reply_kinds(enum voice_reply_family f);

/* The SMS template of kind i of family f in lang (dialog_text, command_hint_text). */
const char *voice_reply_template(enum voice_reply_family f, unsigned i, enum lang lang);

/* Which kind wrote reply (an SMS text, either language): *f and *kind get the template it
 * matches with the most written characters (the most specific: a transfer held for a payee
 * without a wallet rather than a plain one); false when none matches. Thread-safe. */
bool voice_reply_kind(const char *reply, enum voice_reply_family *f, unsigned *kind);

/* The dialog's reply (an SMS text, either language) said in lang: the pieces (VOICE_PIECE
 * between them) into out (cap bytes with the NUL, caller-owned), their length returned.
 * cur: the currency of an amount written without one (the dialog's). *sms is set when the SMS
 * must go too (a link, or a date or delay the call leaves out). -MDT_ENOTFOUND: the table has no
 * words for this reply (no template matches it, the phone never gets it, or an argument cannot
 * be said): *sms is set and the caller says something else (voice_reply_by_sms, or words of its
 * own). Other errors: -MDT_EINVAL (NULL arguments, cap 0), -MDT_ERANGE (cap too small). out is
 * "" on every error. Thread-safe; never allocates; O(kinds x length^2) at worst on a reply of a
 * few hundred bytes. */
int voice_reply_say(enum lang lang, const char *reply, const struct currency *cur, char *out,
                    size_t cap, bool *sms);

/* What the call says of a reply voice_reply_say has no words for, in lang: the SMS answers
 * ("La réponse vous est envoyée par SMS."). Static storage. */
const char *voice_reply_by_sms(enum lang lang);

#endif
