/* SPDX-License-Identifier: Apache-2.0 */
/* The command grammar of the dialog layer: the text a person sent (an SMS to a short code, a
 * social post) turned into a command. No I/O, no money rules, no protocol. */
#ifndef MDT_DIALOG_COMMAND_H
#define MDT_DIALOG_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/money.h"
#include "dialog/phone.h"

/* The confirmation code: 6 digits (DESIGN.md, "Confirmation"). */
#define COMMAND_CODE_DIGITS 6

/* The parser's message for people; money and phone messages fit in about 100 bytes. */
#define COMMAND_DETAIL_MAX 127

/* X(name, text): what the person asked for; text is the stable name for logs. */
#define COMMAND_TYPE_MAP(X)                                                                        \
    X(NONE, "none")       /* unparseable, see hint */                                              \
    X(JOIN, "join")       /* INSCRIPTION, JOIN, START */                                           \
    X(CODE, "code")       /* CODE 123456: set it; CODE <old> <new>: change it */                   \
    X(CONFIRM, "confirm") /* a bare 6-digit code replying to a pending order */                    \
    X(BALANCE, "balance") /* SOLDE [card] */                                                       \
    X(HISTORY, "history") /* HISTO [card] */                                                       \
    X(HELP, "help")       /* AIDE [topic], HELP, ? */                                              \
    X(SEND, "send")       /* ENVOI 10 0612345678 [note] */                                         \
    X(DONATE, "donate")   /* DON 5 TELETHON */                                                     \
    X(RELOAD, "reload")   /* RECHARGE MAMAN 100 */                                                 \
    X(CANCEL, "cancel")   /* ANNULER: the pending order */                                         \
    X(LANG, "lang")       /* LANGUE EN, LANG FR */                                                 \
    X(STOP, "stop")       /* STOP: SMS opt-out, see command_parse */                               \
    /* CODE OUBLIE, CODE FORGOT: start a delayed reset of a forgotten code */                      \
    X(CODE_RESET, "code_reset")                                                                    \
    /* CODE GARDER 123456: withdraw a reset with the code */                                       \
    X(CODE_KEEP, "code_keep")                                                                      \
    /* ENCORE / AGAIN: make again the order just confirmed (issue 12) */                           \
    X(AGAIN, "again")                                                                              \
    /* NOM Karim / NAME Karim: the name payees see; NOM alone removes it (note holds it) */        \
    X(NAME, "name")                                                                                \
    /* Cards (issue 13). CARTE AJOUT MAMAN 4242 <activation code>: link a card under an alias */   \
    X(CARD_ADD, "card_add")                                                                        \
    X(CARDS, "cards")       /* CARTES / CARDS: the sender's aliases */                             \
    X(ACTIVATE, "activate") /* ACTIVER 4242 <activation code>, from the holder's phone */          \
    X(BLOCK, "block")       /* BLOQUER MAMAN / BLOCK MUM */                                        \
    /* ALIMENTER 50 / TOPUP 50: a wallet's top-up by bank card, on a page (issue 13) */            \
    X(TOPUP, "topup")                                                                              \
    /* CB OUBLIER / CARD FORGET: forget the bank card kept on file (issue 13) */                   \
    X(CARD_FORGET, "card_forget")                                                                  \
    /* CARTE COMMANDE / CARD ORDER: a link to the page that orders a card (issue 13) */            \
    X(CARD_ORDER, "card_order")                                                                    \
    /* PIN CARTE / PIN CARD (holder), PIN MAMAN (sender): a link to the card's PIN page (issue 15) */ \
    X(CARD_PIN, "card_pin")

enum command_type {
#define COMMAND_TYPE_ENUM_(name, text) CMD_##name,
    COMMAND_TYPE_MAP(COMMAND_TYPE_ENUM_)
#undef COMMAND_TYPE_ENUM_
        CMD_COUNT_
};

/* X(name, fr, en): why a command is unparseable or incomplete, and the short reply that says
 * what to do. Replies stay within the GSM 7-bit alphabet (é, è, à but no ê or ç), so that an
 * SMS reply is one part of 160 characters. */
#define COMMAND_HINT_MAP(X)                                                                        \
    X(NONE, "", "")                                                                                \
    X(UNKNOWN_COMMAND, "Commande inconnue : envoyez AIDE pour la liste",                           \
      "Unknown command: send HELP for the list")                                                   \
    X(EMPTY, "Message vide : envoyez AIDE pour la liste des commandes",                            \
      "Empty message: send HELP for the list of commands")                                         \
    X(TOO_LONG, "Message trop long : envoyez seulement la commande, ex. ENVOI 10 0612345678",      \
      "Message too long: send only the command, e.g. SEND 10 +33612345678")                        \
    X(ENCODING, "Message illisible : renvoyez-le sans caractères spéciaux",                        \
      "Unreadable message: send it again without special characters")                              \
    X(AMOUNT_MISSING, "Montant manquant : ENVOI 10 0612345678",                                    \
      "Amount missing: SEND 10 +33612345678")                                                      \
    X(AMOUNT_INVALID, "Montant invalide : écrivez-le comme 10 ou 10,50",                           \
      "Invalid amount: write it like 10 or 10.50")                                                 \
    X(PAYEE_MISSING, "Destinataire manquant : ENVOI 10 0612345678",                                \
      "Payee missing: SEND 10 +33612345678")                                                       \
    X(PAYEE_INVALID, "Destinataire invalide : un numéro comme 0612345678 ou un @pseudo",           \
      "Invalid payee: a number like +33612345678 or an @handle")                                   \
    X(KEYWORD_MISSING, "Association manquante : DON 5 TELETHON",                                   \
      "Charity missing: GIVE 5 TELETHON")                                                          \
    X(KEYWORD_INVALID, "Association invalide : lettres et chiffres, ex. DON 5 TELETHON",           \
      "Invalid charity: letters and digits, e.g. GIVE 5 TELETHON")                                 \
    X(ALIAS_MISSING, "Carte manquante : RECHARGE MAMAN 100", "Card missing: RELOAD MUM 100")       \
    X(ALIAS_INVALID, "Nom de carte invalide : lettres et chiffres, ex. RECHARGE MAMAN 100",        \
      "Invalid card name: letters and digits, e.g. RELOAD MUM 100")                                \
    X(CODE_FORMAT, "Code invalide : il a 6 chiffres, sans lettres",                                \
      "Invalid code: it has 6 digits, no letters")                                                 \
    X(CODE_CHANGE_FORMAT, "Pour changer de code : CODE ancien nouveau, 6 chiffres chacun",         \
      "To change your code: CODE old new, 6 digits each")                                          \
    X(LANG_INVALID, "Langue : envoyez LANGUE FR ou LANGUE EN",                                     \
      "Language: send LANG EN or LANG FR")                                                         \
    X(AMOUNT_TOO_LARGE,                                                                            \
      "Montant trop élevé : au plus 1 000 000 par ordre, ex. ENVOI 10 0612345678",                 \
      "Amount too large: at most 1,000,000 per order, e.g. SEND 10 +33612345678")                  \
    X(NAME_INVALID, "Nom invalide : 20 lettres au plus, sans chiffres, ex. NOM Karim",             \
      "Invalid name: 20 letters at most, no digits, e.g. NAME Karim")                              \
    X(CARD_ADD_FORMAT, "Pour ajouter une carte : CARTE AJOUT MAMAN 4242 et le code d'activation",  \
      "To add a card: CARD ADD MUM 4242 and the activation code")                                  \
    X(ACTIVATE_FORMAT, "Pour activer : ACTIVER, les 4 derniers chiffres et le code d'activation",  \
      "To activate: ACTIVATE, the last 4 digits and the activation code")                          \
    X(BLOCK_MISSING, "Carte manquante : BLOQUER MAMAN", "Card missing: BLOCK MUM")                 \
    X(TOPUP_AMOUNT, "Montant manquant : ALIMENTER 50 pour ajouter 50 EUR par carte bancaire",      \
      "Amount missing: TOPUP 50 to add 50 EUR by bank card")                                      \
    X(CARD_FORGET_FORMAT, "Pour oublier votre carte bancaire : CB OUBLIER",                        \
      "To forget your bank card: CARD FORGET")

enum command_hint {
#define COMMAND_HINT_ENUM_(name, fr, en) HINT_##name,
    COMMAND_HINT_MAP(COMMAND_HINT_ENUM_)
#undef COMMAND_HINT_ENUM_
        HINT_COUNT_
};

/* A parsed command. Every string is NUL-terminated and empty when unused. */
struct command {
    enum command_type type;
    enum lang lang;  /* language of the keyword used (ENVOI: fr, SEND: en); for CMD_LANG, the
                      * language asked for; when lang_known is false, the default country's */
    bool lang_known; /* false for keywords shared by both languages (CODE, STOP, ?) and codes */
    int64_t amount_minor;            /* SEND, DONATE, RELOAD, TOPUP; >0 when hint is HINT_NONE */
    const struct currency *currency; /* static storage; NULL when there is no amount */
    char payee_e164[PHONE_E164_MAX]; /* SEND to a phone number: "+33612345678" */
    char payee_handle[COMMAND_HANDLE_MAX + 1]; /* SEND to a social handle, without the '@' */
    char keyword[COMMAND_KEYWORD_MAX + 1];  /* DONATE: association; RELOAD, BALANCE, HISTORY: card
                                             * alias; HELP: topic. Upper-case ASCII */
    char note[COMMAND_NOTE_MAX + 1];        /* SEND, DONATE, RELOAD: what follows the arguments */
    bool by_card; /* RELOAD ... CB / CARD: paid with the sender's bank card on file (note "") */
    char code[COMMAND_CODE_DIGITS + 1];     /* CODE, CODE_KEEP, CONFIRM: digits only; the caller
                                             * wipes it. For a change, the current code */
    char new_code[COMMAND_CODE_DIGITS + 1]; /* CODE <old> <new>: the new code, else ""; wiped */
    char last4[5]; /* CARD_ADD, ACTIVATE: the card's last 4 digits; code holds the activation
                    * code (wiped like a code) */
    enum command_hint hint;              /* HINT_NONE, or why it is unparseable or incomplete */
    char detail[COMMAND_DETAIL_MAX + 1]; /* the money or phone parser's message, in English,
                                          * for people (never holds a code) */
};

/* Parse what a person sent into out.
 *
 * utf8, len:        the message, not necessarily NUL-terminated; NULL is allowed when len is 0.
 * default_country:  country of national phone numbers ("FR"), see phone_country_known; also
 *                   decides the language when the keyword does not (GB, US: en; others: fr).
 * default_currency: currency of amounts that name none (not NULL).
 * out:              caller-owned; overwritten entirely. Holds the confirmation code for CODE and
 *                   CONFIRM: wipe it (explicit_bzero) once used. Nothing else is allocated.
 *
 * Grammar (keywords case- and accent-insensitive: "envoï", "ÉNVOI", "#Envoyer"):
 *   INSCRIPTION | INSCRIRE / JOIN | START                 CMD_JOIN
 *   CODE <6 digits> (also PIN)                            CMD_CODE   ("CODE 123 456")
 *   CODE <6 digits> [A|PAR|EN|TO|NEW|NOUVEAU] <6 digits>  CMD_CODE with new_code (a change:
 *                                                         "CODE 483920 271828", "CODE 483 920
 *                                                         271 828"; 12 digits in a row split
 *                                                         6 + 6)
 *   CODE OUBLIE | PERDU | RESET / FORGOT | FORGOTTEN | LOST, also OUBLI / FORGOT alone
 *                                                         CMD_CODE_RESET
 *   CODE GARDER | CONSERVER / KEEP <6 digits>             CMD_CODE_KEEP
 *   <6 digits> alone                                      CMD_CONFIRM ("123 456")
 *   SOLDE / BAL | BALANCE [card]                          CMD_BALANCE
 *   HISTO | HISTORIQUE / HIST | HISTORY [card]            CMD_HISTORY
 *   AIDE / HELP | ? / INFO [topic]                        CMD_HELP
 *   ENVOI | ENVOYER | ENVOIE | PAYER / SEND | PAY
 *       <amount> <payee> [note] or <payee> <amount> [note]   CMD_SEND
 *   DON | DONNER / GIVE | DONATE <amount> <association>, or the other way round   CMD_DONATE
 *   RECHARGE | RECHARGER / RELOAD | TOPUP <card> <amount>, or the other way round  CMD_RELOAD
 *       ending in CB / CARD (or CARTE BANCAIRE / BANK CARD): paid by the card on file (by_card)
 *   ANNULER | ANNULE / CANCEL                             CMD_CANCEL
 *   LANGUE | LANG | LANGUAGE FR | EN (also FRANCAIS, ENGLISH alone)    CMD_LANG
 *   STOP                                                  CMD_STOP
 *   CARTE AJOUT | AJOUTER / CARD ADD <alias> <last 4> <6 digits>   CMD_CARD_ADD
 *   CARTES / CARDS                                        CMD_CARDS
 *   CARTE COMMANDE / CARD ORDER                           CMD_CARD_ORDER
 *   ACTIVER / ACTIVATE <last 4> <6 digits>                CMD_ACTIVATE
 *   BLOQUER / BLOCK <alias>                               CMD_BLOCK
 *   CB OUBLIER | OUBLIE / CB | CARD FORGET                CMD_CARD_FORGET
 *   PIN CARTE / PIN CARD | PIN <alias>                    CMD_CARD_PIN (keyword: CARTE, CARD or
 *                                                         the alias); PIN followed by digits, a
 *                                                         reset or keep word, or nothing stays
 *                                                         CMD_CODE's alias
 * SOLDE CARTE / BAL CARD is CMD_BALANCE with keyword CARTE or CARD: the holder's own card.
 * Amounts as money_parse reads them, over one or more words ("10€", "10 €", "20 euros",
 * "1 000,50", "EUR 10"); payees as phone_normalize reads them, spaces allowed inside
 * ("06 12 34 56 78"), or a social @handle. The payee's end is where the digits read so far stop
 * forming a valid number ("ENVOI 10 06 12 34 56 78 12 roses": the note is "12 roses"); when two
 * readings are possible, the one where amount and payee both parse wins. "à", "a", "au", "to",
 * "pour" and "for" may precede the payee or association ("envoie 20 € à @bob").
 * Social posts: the first word, when it is an @mention, names the service and is skipped
 * ("@SMoneyfr #envoyer 20€ @bob"); keywords may carry a '#' ("#don 5€ #ACF").
 * STOP is the SMS opt-out keyword that French short-code rules (and CTIA rules in the US) make
 * mandatory: it is its own command, never a synonym of ANNULER, and anything after it is
 * ignored so that an opt-out is never missed. START is JOIN: for a number that sent STOP, the
 * dialog reads it as opting back in. CANCEL is an opt-out word for US short codes too; here it
 * cancels the pending order, and a US channel must treat it as well as an opt-out.
 * A code is copied only for CODE, CODE_KEEP, CONFIRM, CARD_ADD and ACTIVATE (the activation
 * code), and never into detail or note; digits in
 * an ENVOI note stay in the note. Codes seen on a public channel are the dialog's concern.
 *
 * Returns 0 whenever out holds a result, including CMD_NONE (see out->hint). Incomplete
 * commands keep their type and what was understood, with a hint: "ENVOI 0612345678" is CMD_SEND
 * with the payee and HINT_AMOUNT_MISSING; a zero or negative amount is HINT_AMOUNT_INVALID.
 * Returns -MDT_EINVAL for NULL arguments or an unknown default country (out, when not NULL, is
 * then CMD_NONE). Thread-safe; never allocates; cost linear in len with a small constant
 * (at most a few hundred calls of money_parse and phone_normalize on 64-byte inputs). */
int command_parse(const char *utf8, size_t len, const char *default_country,
                  const struct currency *default_currency, struct command *out);

/* The short reply for a hint in lang ("" for HINT_NONE and out-of-range values): says what is
 * wrong and what to send, e.g. fr "Montant manquant : ENVOI 10 0612345678". UTF-8, static
 * storage. Thread-safe. */
const char *command_hint_text(enum command_hint hint, enum lang lang);

/* Stable names for logs and tests: "send", "AMOUNT_MISSING"; "?" when out of range. */
const char *command_type_str(enum command_type type);
const char *command_hint_str(enum command_hint hint);

#endif
