/* SPDX-License-Identifier: Apache-2.0 */
/* The call's words for the dialog's replies (voice_reply.h): one table per family of reply
 * kinds, indexed by the kind, and a matcher that finds which template (and which language)
 * wrote a reply and what stands in its placeholders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog/command.h"
#include "dialog/dialog_text.h"
#include "dialog/speak.h"
#include "dialog/voice_reply.h"
#include "dialog/voice_text.h"

/* A reply whose kind says so, the SMS going too. */
#define SAID(roles, fr, en)                                                                        \
    {                                                                                              \
        .args = roles, .words = { fr, en }                                                         \
    }
#define SAID_SMS(roles, fr, en)                                                                    \
    {                                                                                              \
        .args = roles, .words = {fr, en}, .sms = true                                              \
    }
#define OFF_PHONE                                                                                  \
    {                                                                                              \
        .off_phone = true                                                                          \
    }

/* What a reply the phone's commands never get says if it is heard all the same, and what any
 * reply the table does not know says: the SMS goes and tells. */
static const char *const answer_by_sms[2] = {"La réponse vous est envoyée par SMS.",
                                             "The answer is on its way by text message."};

/* The dialog's texts (dialog_text.h), in its order. Replies to the four things a caller can key
 * (the balance, a transfer, a gift, a code, an order's code) have words; the others are marked
 * OFF_PHONE. The words leave out what the SMS writes for a screen: masked numbers, the order's
 * written reference ("Ref 9LS7"), a delay in minutes, dates in UTC, the ledger's codes. */
static const struct voice_reply_entry text_words[TEXT_COUNT] = {
    [TEXT_WELCOME] = SAID_SMS("l",
                              "Bienvenue chez mandat ! Le lien pour choisir votre code vous "
                              "est envoyé par SMS.",
                              "Welcome to mandat! The link to choose your code is on its way "
                              "by text message."),
    [TEXT_ALREADY_JOINED] = OFF_PHONE, /* INSCRIPTION */
    [TEXT_NOT_JOINED] = SAID("",
                             "Ce numéro n'a pas encore de compte mandat. Pour en ouvrir un, "
                             "envoyez INSCRIPTION par SMS.",
                             "This number has no mandat account yet. To open one, text JOIN."),
    [TEXT_CODE_SET] = OFF_PHONE, /* CODE */
    [TEXT_CODE_NEEDED] = SAID("",
                              "Choisissez d'abord votre code : envoyez CODE et six chiffres "
                              "par SMS.",
                              "Choose your code first: text CODE and six digits."),
    [TEXT_BALANCE] = SAID("a", "Votre solde est de\n%1.", "Your balance is\n%1."),
    [TEXT_HELP] = OFF_PHONE, /* AIDE */
    /* The plain asks for the code are read back by voice_send_say (the number in words); these
     * are their words when it cannot (the ask for the code follows). */
    [TEXT_CONFIRM_SEND] = SAID("a---", "Envoyer\n%1\n?", "Send\n%1\n?"),
    [TEXT_CONFIRM_DONATE] = SAID("an--", "Donner\n%1\nà\n%2\n?", "Give\n%1\nto\n%2\n?"),
    [TEXT_SENT] = SAID("a-a", "C'est envoyé :\n%1.\nVotre nouveau solde est de\n%3.",
                       "Sent:\n%1.\nYour new balance is\n%3."),
    [TEXT_RECEIVED] = OFF_PHONE, /* to the payee */
    [TEXT_DONATED] = SAID("ana",
                          "Merci ! Votre don de\n%1\nà\n%2\nest fait. Votre nouveau solde "
                          "est de\n%3.",
                          "Thank you! Your gift of\n%1\nto\n%2\nis made. Your new balance "
                          "is\n%3."),
    [TEXT_WRONG_CODE] =
        SAID("u", "Code incorrect. Essais restants :\n%1.", "Wrong code. Tries left:\n%1."),
    [TEXT_LOCKED_NOW] = SAID_SMS("u-",
                                 "Trop de codes incorrects : l'ordre est annulé et votre "
                                 "code est bloqué un moment. Un SMS vous dit combien de "
                                 "temps.",
                                 "Too many wrong codes: the order is cancelled and your code is "
                                 "locked for a while. A text message tells you how long."),
    [TEXT_LOCKED] = SAID_SMS("-",
                             "Votre code est bloqué après trop d'erreurs : rien n'a été "
                             "débité. Un SMS vous dit jusqu'à quand.",
                             "Your code is locked after too many wrong codes: nothing was "
                             "taken. A text message tells you until when."),
    [TEXT_NO_ORDER] =
        SAID("", "Aucun ordre n'attend votre code.", "No order is waiting for your code."),
    [TEXT_ORDER_WAITING] =
        SAID("", "Un ordre attend déjà votre code.", "An order is already waiting for your code."),
    [TEXT_CANCELLED] = SAID("", "L'ordre est annulé : rien n'a été débité.",
                            "The order is cancelled: nothing was taken."),
    [TEXT_EXPIRED] = SAID("", "L'ordre a expiré : rien n'a été débité. Recommencez.",
                          "The order expired: nothing was taken. Please start again."),
    [TEXT_PAYEE_UNKNOWN] = SAID("--",
                                "Ce numéro n'a pas de compte mandat : invitez son titulaire "
                                "à s'inscrire.",
                                "That number has no mandat account: ask its owner to join."),
    [TEXT_PAYEE_SELF] = SAID("", "Vous ne pouvez pas vous envoyer de l'argent.",
                             "You cannot send money to yourself."),
    [TEXT_CHARITY_UNKNOWN] =
        SAID("n", "L'association\n%1\nest inconnue.", "The charity\n%1\nis unknown."),
    [TEXT_NO_FUNDS] = SAID("a",
                           "Votre solde ne suffit pas. Disponible :\n%1.\nRien n'a été "
                           "débité.",
                           "Not enough money. Available:\n%1.\nNothing was taken."),
    [TEXT_LIMIT] = SAID("",
                        "Le plafond de votre compte est atteint : envoyez moins, ou faites "
                        "vérifier votre identité.",
                        "Your account's limit is reached: send less, or get your identity "
                        "verified."),
    [TEXT_LIMIT_VERIFIED] = SAID("",
                                 "Le plafond de votre compte est atteint : envoyez moins, ou "
                                 "attendez.",
                                 "Your account's limit is reached: send less, or wait."),
    [TEXT_LIMIT_ORDER] = SAID("a", "Montant trop élevé : au plus\n%1\npar ordre.",
                              "Amount too large: at most\n%1\nper order."),
    [TEXT_FROZEN] = SAID("", "Votre compte est bloqué : contactez le service client.",
                         "Your account is frozen: please contact customer service."),
    [TEXT_PAYEE_FROZEN] = SAID("-",
                               "Ce bénéficiaire ne peut pas recevoir d'argent pour "
                               "l'instant : rien n'a été débité.",
                               "That payee cannot receive money for now: nothing was taken."),
    [TEXT_PAYEE_CAP] = SAID("-a",
                            "Ce bénéficiaire ne peut pas recevoir\n%2\npour l'instant : "
                            "rien n'a été débité.",
                            "That payee cannot receive\n%2\nfor now: nothing was taken."),
    [TEXT_PAYEE_CAP_NOTICE] = OFF_PHONE, /* to the payee */
    [TEXT_REFUSED] =
        SAID("w", "C'est refusé :\n%1.\nRien n'a été débité.", "Refused:\n%1.\nNothing was taken."),
    [TEXT_RELOAD_SOON] = OFF_PHONE, /* RECHARGE */
    [TEXT_HISTORY] = OFF_PHONE,     /* HISTO */
    [TEXT_HISTORY_EMPTY] = OFF_PHONE,
    [TEXT_LANG_SET] = OFF_PHONE, /* LANGUE: the call changes its own with 9 */
    [TEXT_BUSY] = SAID("", "Un instant : votre demande précédente est en cours.",
                       "One moment: your previous request is being handled."),
    /* A payee without a wallet: the money is held for them (the ask for the code follows). */
    [TEXT_CONFIRM_SEND_NEW] = SAID("a----",
                                   "Ce numéro n'a pas encore de compte mandat. "
                                   "Envoyer\n%1\nquand même ? L'argent lui est gardé un "
                                   "temps, sinon il vous revient.",
                                   "This number has no mandat account yet. Send\n%1\nall the "
                                   "same? The money is kept for them for a while, or else it "
                                   "comes back to you."),
    [TEXT_HELD] = SAID("a--a",
                       "C'est envoyé :\n%1,\ngardés le temps de son inscription. Votre "
                       "nouveau solde est de\n%4.",
                       "Sent:\n%1,\nkept until they join. Your new balance is\n%4."),
    [TEXT_HELD_FOR_YOU] = OFF_PHONE, /* to the payee */
    [TEXT_COLLECTED] = OFF_PHONE,    /* later, by SMS */
    [TEXT_RETURNED] = OFF_PHONE,
    [TEXT_CLAIM_REFUSED] = OFF_PHONE,
    [TEXT_PAY_ASK] = SAID("nar-", "%1\nvous demande\n%2,\nréférence\n%3.",
                          "%1\nasks you for\n%2,\nreference\n%3."),
    [TEXT_PAY_ASK_LINK] = SAID_SMS("narl",
                                   "%1\nvous demande\n%2,\nréférence\n%3.\nLe lien pour "
                                   "payer vous est envoyé par SMS.",
                                   "%1\nasks you for\n%2,\nreference\n%3.\nThe link to pay is on "
                                   "its way by text message."),
    [TEXT_PAID] = SAID("anra", "C'est payé :\n%1\nà\n%2.\nVotre nouveau solde est de\n%4.",
                       "Paid:\n%1\nto\n%2.\nYour new balance is\n%4."),
    [TEXT_PAID_CARD] =
        SAID("anr-", "C'est payé :\n%1\nà\n%2,\npar carte.", "Paid:\n%1\nto\n%2,\nby card."),
    [TEXT_PAY_DECLINED] = SAID("na", "La demande de\n%1\nest refusée : rien n'a été débité.",
                               "The request from\n%1\nis declined: nothing was taken."),
    [TEXT_PAY_CANCELLED] = SAID("na", "%1\na retiré sa demande : rien n'a été débité.",
                                "%1\nwithdrew its request: nothing was taken."),
    [TEXT_PAY_EXPIRED] = SAID("na", "La demande de\n%1\na expiré : rien n'a été débité.",
                              "The request from\n%1\nexpired: nothing was taken."),
    [TEXT_REFUNDED] = OFF_PHONE, /* later, by SMS */
    /* Social posts and their pages (issue 11). */
    [TEXT_SOCIAL_LINK] = OFF_PHONE,
    [TEXT_SOCIAL_ALREADY_LINKED] = OFF_PHONE,
    [TEXT_SOCIAL_NOT_LINKED] = OFF_PHONE,
    [TEXT_SOCIAL_CONFIRM_SEND] = OFF_PHONE,
    [TEXT_SOCIAL_CONFIRM_DONATE] = OFF_PHONE,
    [TEXT_SOCIAL_CONFIRM_SEND_NEW] = OFF_PHONE,
    [TEXT_SOCIAL_INVITE] = OFF_PHONE,
    [TEXT_SOCIAL_LEAK] = OFF_PHONE,
    [TEXT_SOCIAL_NO_CODE] = OFF_PHONE,
    [TEXT_SOCIAL_LINKED] = OFF_PHONE,
    [TEXT_SOCIAL_LINK_NOTICE] = OFF_PHONE,
    [TEXT_SOCIAL_OTP] = OFF_PHONE,
    [TEXT_SOCIAL_HELP] = OFF_PHONE,
    /* The code's own commands (CODE ...), but for its lock, which a transfer's code can meet. */
    [TEXT_CODE_ALREADY_SET] = OFF_PHONE,
    [TEXT_CODE_CHANGED] = OFF_PHONE,
    [TEXT_CODE_CHANGED_RESET_OFF] = OFF_PHONE,
    [TEXT_CODE_WRONG_OLD] = OFF_PHONE,
    [TEXT_CODE_LOCKED_NOW] = SAID_SMS("-",
                                      "Trop de codes incorrects : votre code est bloqué un "
                                      "moment. Un SMS vous dit combien de temps.",
                                      "Too many wrong codes: your code is locked for a while. A "
                                      "text message tells you how long."),
    [TEXT_CODE_LOCKED_LEFT] = SAID_SMS("-",
                                       "Votre code est encore bloqué après trop d'erreurs : "
                                       "rien n'a été fait. Un SMS vous dit jusqu'à quand.",
                                       "Your code is still locked after too many wrong codes: "
                                       "nothing was done. A text message tells you until when."),
    [TEXT_CODE_BY_SMS] = OFF_PHONE,
    [TEXT_RESET_STARTED] = OFF_PHONE,
    [TEXT_RESET_ALREADY] = OFF_PHONE,
    [TEXT_RESET_BLOCKS] = SAID_SMS("-",
                                   "Les paiements sont suspendus : votre code est en cours "
                                   "de réinitialisation. Un SMS vous dit jusqu'à quand.",
                                   "Payments are suspended: your code is being reset. A text "
                                   "message tells you until when."),
    [TEXT_RESET_NOT_YET] = OFF_PHONE,
    [TEXT_RESET_DONE] = OFF_PHONE,
    [TEXT_RESET_DONE_OPERATOR] = OFF_PHONE,
    [TEXT_RESET_KEPT] = OFF_PHONE,
    [TEXT_RESET_CANCELLED_OPERATOR] = OFF_PHONE,
    [TEXT_RESET_NONE] = OFF_PHONE,
    /* The same order as one just confirmed (issue 12): ENCORE is an SMS's answer. */
    [TEXT_REPEAT_SEND] = SAID_SMS("a-r",
                                  "Vous venez d'envoyer\n%1\nà ce numéro. Pour envoyer la "
                                  "même chose encore, répondez ENCORE au SMS que nous "
                                  "vous envoyons.",
                                  "You just sent\n%1\nto that number. To send it again, reply "
                                  "AGAIN to the text message we are sending you."),
    [TEXT_REPEAT_DONATE] = SAID_SMS("anr",
                                    "Vous venez de donner\n%1\nà\n%2.\nPour donner encore, "
                                    "répondez ENCORE au SMS que nous vous envoyons.",
                                    "You just gave\n%1\nto\n%2.\nTo give it again, reply AGAIN "
                                    "to the text message we are sending you."),
    [TEXT_NO_REPEAT] = OFF_PHONE, /* ENCORE */
    [TEXT_NAME_SET] = OFF_PHONE,  /* NOM */
    [TEXT_NAME_CLEARED] = OFF_PHONE,
    /* Cards, top-ups by card, their pages (issues 13 and 15): SMS commands and pages. */
    [TEXT_CARD_CONFIRM_RELOAD] = OFF_PHONE,
    [TEXT_CARD_RELOADED] = OFF_PHONE,
    [TEXT_CARD_LOADED_HOLDER] = OFF_PHONE,
    [TEXT_ISO_WITHDRAWAL] = OFF_PHONE, /* the ISO 8583 host's SMS to a card's holder */
    [TEXT_ISO_FORCED_POST] = OFF_PHONE,
    [TEXT_CARD_YEAR_CAP] = OFF_PHONE,
    [TEXT_CARD_MIN] = OFF_PHONE,
    [TEXT_CARD_INACTIVE] = OFF_PHONE,
    [TEXT_CARD_BLOCKED] = OFF_PHONE,
    [TEXT_CARD_ALIAS_UNKNOWN] = OFF_PHONE,
    [TEXT_CARD_ADDED] = OFF_PHONE,
    [TEXT_CARD_WRONG] = OFF_PHONE,
    [TEXT_CARD_TOO_MANY] = OFF_PHONE,
    [TEXT_CARDS_LIST] = OFF_PHONE,
    [TEXT_CARDS_NONE] = OFF_PHONE,
    [TEXT_CARD_ACTIVATED] = OFF_PHONE,
    [TEXT_CARD_ACTIVE_ALREADY] = OFF_PHONE,
    [TEXT_CARD_NOT_YOURS] = OFF_PHONE,
    [TEXT_CARD_ACTIVATION_WRONG] = OFF_PHONE,
    [TEXT_CARD_ACTIVATION_LOCKED] = OFF_PHONE,
    [TEXT_CARD_BLOCKED_NOW] = OFF_PHONE,
    [TEXT_CARD_BALANCE] = OFF_PHONE,
    [TEXT_CARD_NONE_HERE] = OFF_PHONE,
    [TEXT_CARD_FILE_FORGOTTEN] = OFF_PHONE,
    [TEXT_CARD_FILE_NONE] = OFF_PHONE,
    [TEXT_CARD_CONFIRM_RELOAD_BANK] = OFF_PHONE,
    [TEXT_CARD_RELOADED_BANK] = OFF_PHONE,
    [TEXT_TOPUP_CARD_LINK] = OFF_PHONE,
    [TEXT_TOPUP_REFUNDED] = OFF_PHONE,
    [TEXT_TOPUP_REFUNDED_CAP] = OFF_PHONE,
    [TEXT_TOPUP_LINK] = OFF_PHONE,
    [TEXT_TOPUP_DONE] = OFF_PHONE,
    [TEXT_TOPUP_DONE_KEPT] = OFF_PHONE,
    [TEXT_TOPUP_DECLINED] = OFF_PHONE,
    [TEXT_TOPUP_CHECKING] = OFF_PHONE,
    [TEXT_TOPUP_OFF] = OFF_PHONE,
    [TEXT_TOPUP_CAP] = OFF_PHONE,
    [TEXT_CARD_PIN_LINK] = OFF_PHONE,
    [TEXT_CARD_PIN_SENT] = OFF_PHONE,
    [TEXT_CARD_PIN_OFF] = OFF_PHONE,
    [TEXT_CARD_ORDER_LINK] = OFF_PHONE,
    [TEXT_CARD_ORDER_DONE] = OFF_PHONE,
    [TEXT_CARD_ORDER_OFF] = OFF_PHONE,
    [TEXT_PAGE_HOLDER_BAD] = OFF_PHONE,
    [TEXT_PAGE_ALIAS_BAD] = OFF_PHONE,
    [TEXT_PAGE_ALIAS_TAKEN] = OFF_PHONE,
    [TEXT_TOPUP_WHY_REFUSED] = OFF_PHONE, /* parts of TOPUP_DECLINED */
    [TEXT_TOPUP_WHY_FUNDS] = OFF_PHONE,
    [TEXT_TOPUP_WHY_EXPIRED] = OFF_PHONE,
    [TEXT_TOPUP_WHY_INVALID] = OFF_PHONE,
    [TEXT_PAGE_LINK_GONE] = OFF_PHONE,
    [TEXT_PAGE_ORDER_GONE] = OFF_PHONE,
    [TEXT_PAGE_BUSY] = OFF_PHONE,
    [TEXT_PAGE_NO_RANDOM] = OFF_PHONE,
    [TEXT_PAGE_PHONE_FIRST] = OFF_PHONE,
    [TEXT_PAGE_OTP_EXPIRED] = OFF_PHONE,
    [TEXT_PAGE_PHONE_BAD] = OFF_PHONE,
    [TEXT_PAGE_WRONG_OTP] = OFF_PHONE,
    [TEXT_PAGE_WRONG_CODE] = OFF_PHONE,
};

/* The command hints (command.h): the keypad makes well-formed commands, but an amount or a
 * number keyed may still be refused by the grammar. */
static const struct voice_reply_entry hint_words[HINT_COUNT_] = {
    [HINT_NONE] = OFF_PHONE, /* not a reply */
    [HINT_UNKNOWN_COMMAND] = OFF_PHONE,
    [HINT_EMPTY] = OFF_PHONE,
    [HINT_TOO_LONG] = OFF_PHONE,
    [HINT_ENCODING] = OFF_PHONE,
    [HINT_AMOUNT_MISSING] = OFF_PHONE,
    [HINT_AMOUNT_INVALID] = SAID("", "Ce montant n'est pas valable.", "That amount is not valid."),
    [HINT_PAYEE_MISSING] = OFF_PHONE,
    [HINT_PAYEE_INVALID] = SAID("", "Ce numéro n'est pas valable.", "That number is not valid."),
    [HINT_KEYWORD_MISSING] = OFF_PHONE,
    [HINT_KEYWORD_INVALID] =
        SAID("", "Cette association n'est pas valable.", "That charity is not valid."),
    [HINT_ALIAS_MISSING] = OFF_PHONE,
    [HINT_ALIAS_INVALID] = OFF_PHONE,
    [HINT_CODE_FORMAT] = SAID("", "Le code a six chiffres.", "The code has six digits."),
    [HINT_CODE_CHANGE_FORMAT] = OFF_PHONE,
    [HINT_LANG_INVALID] = OFF_PHONE,
    [HINT_AMOUNT_TOO_LARGE] = SAID("", "Montant trop élevé : au plus un million par ordre.",
                                   "Amount too large: at most one million per order."),
    [HINT_NAME_INVALID] = OFF_PHONE,
    [HINT_CARD_ADD_FORMAT] = OFF_PHONE,
    [HINT_ACTIVATE_FORMAT] = OFF_PHONE,
    [HINT_BLOCK_MISSING] = OFF_PHONE,
    [HINT_TOPUP_AMOUNT] = OFF_PHONE,
    [HINT_CARD_FORGET_FORMAT] = OFF_PHONE,
};

/* Why the ledger refused (TEXT_REFUSED's ledger_reason_name), in words: by the name's start;
 * the last row, "", for every other reason (none a caller can act on). */
static const struct {
    const char *name;
    const char *words[2];
} reasons[] = {
    {"insufficient_funds", {"votre solde ne suffit pas", "there is not enough money"}},
    {"limit_exceeded:", {"un plafond est atteint", "a limit is reached"}},
    {"account_frozen", {"un compte est bloqué", "an account is frozen"}},
    {"account_closed", {"un compte est fermé", "an account is closed"}},
    {"", {"l'opération n'est pas possible", "the operation is not possible"}},
};

/* Columns of the words: LANG_FR, LANG_EN. */
#define LANGS 2
/* Placeholders of one template ("%s", "%u"), at most: CARD_RELOADED has 6. */
#define ARGS_MAX 9

const struct voice_reply_entry *voice_reply_entry(enum voice_reply_family f, unsigned i)
{
    if (f == VOICE_REPLY_TEXT && i < TEXT_COUNT) {
        return &text_words[i];
    }
    if (f == VOICE_REPLY_HINT && i < HINT_COUNT_) {
        return &hint_words[i];
    }
    return NULL;
}

unsigned voice_reply_kinds(enum voice_reply_family f)
{
    return f == VOICE_REPLY_TEXT ? TEXT_COUNT : f == VOICE_REPLY_HINT ? HINT_COUNT_ : 0;
}

const char *voice_reply_template(enum voice_reply_family f, unsigned i, enum lang lang)
{
    if (f == VOICE_REPLY_TEXT && i < TEXT_COUNT) {
        return dialog_text((enum dialog_text)i, lang);
    }
    if (f == VOICE_REPLY_HINT && i < HINT_COUNT_) {
        return command_hint_text((enum command_hint)i, lang);
    }
    return "";
}

/* What stands in one placeholder of a reply. */
struct capture {
    const char *at;
    size_t len;
};

static bool placeholder(const char *t)
{
    return t[0] == '%' && (t[1] == 's' || t[1] == 'u');
}

/* Opens capture k at r; closes capture k-1, whose template literal since then (from after[k-1]
 * to t) r has just matched. */
static bool capture_open(struct capture *caps, const char **after, size_t k, const char *t,
                         const char *r)
{
    if (k >= ARGS_MAX) {
        return false;
    }
    if (k > 0) {
        caps[k - 1].len = (size_t)((r - (t - after[k - 1])) - caps[k - 1].at);
    }
    caps[k].at = r;
    after[k] = t + 2;
    return true;
}

/* Whether reply has the shape of template t, each placeholder standing for any text (a glob,
 * iterative: one backtrack point, the last placeholder, O(len(t) x len(reply)) at worst). On a
 * match, caps[0..*n) get what stands in each placeholder, leftmost-shortest but the last. */
static bool shape_capture(const char *t, const char *reply, struct capture *caps, size_t *n)
{
    const char *after[ARGS_MAX];
    const char *r = reply, *star_t = NULL, *star_r = NULL;
    size_t k = 0, star_k = 0;

    while (*r != '\0') {
        if (placeholder(t)) {
            if (!capture_open(caps, after, k, t, r)) {
                return false;
            }
            t += 2;
            k++;
            star_t = t;
            star_r = r;
            star_k = k;
        } else if (*t == *r) {
            t++;
            r++;
        } else if (star_t != NULL) {
            t = star_t;
            r = ++star_r;
            k = star_k;
        } else {
            return false;
        }
    }
    for (; placeholder(t); t += 2, k++) {
        if (!capture_open(caps, after, k, t, r)) {
            return false;
        }
    }
    if (*t != '\0') {
        return false;
    }
    if (k > 0) {
        caps[k - 1].len = (size_t)((r - (t - after[k - 1])) - caps[k - 1].at);
    }
    *n = k;
    return true;
}

/* The reply's kind: the template it matches with the most written characters (the most
 * specific: a transfer held for a payee without a wallet, not a plain transfer), the language
 * it was written in, and what stands in its placeholders. false when no template matches. */
struct match {
    enum voice_reply_family f;
    unsigned kind;
    enum lang written;
    struct capture caps[ARGS_MAX];
    size_t n;
};

static bool reply_match(const char *reply, struct match *m)
{
    size_t best = 0;
    bool found = false;

    for (int f = 0; f < VOICE_REPLY_FAMILIES_; f++) {
        for (unsigned i = 0; i < voice_reply_kinds((enum voice_reply_family)f); i++) {
            for (int l = 0; l < LANGS; l++) {
                const char *t = voice_reply_template((enum voice_reply_family)f, i, (enum lang)l);
                struct capture caps[ARGS_MAX];
                size_t n = 0, literal;

                if (t[0] == '\0' || !shape_capture(t, reply, caps, &n)) {
                    continue;
                }
                literal = strlen(t) - 2 * n;
                if (!found || literal > best) {
                    *m = (struct match){.f = (enum voice_reply_family)f,
                                        .kind = i,
                                        .written = (enum lang)l,
                                        .n = n};
                    memcpy(m->caps, caps, sizeof(caps));
                    best = literal;
                    found = true;
                }
            }
        }
    }
    return found;
}

bool voice_reply_kind(const char *reply, enum voice_reply_family *f, unsigned *kind)
{
    struct match m;

    if (reply == NULL || !reply_match(reply, &m)) {
        return false;
    }
    *f = m.f;
    *kind = m.kind;
    return true;
}

/* Argument k of the match said in lang by its role, into buf. */
static int arg_words(const struct match *m, size_t k, char role, enum lang lang,
                     const struct currency *cur, char *buf, size_t cap)
{
    char written[SPEAK_TEXT_MAX];
    const struct currency *c = NULL;
    int64_t minor = 0;
    int rc;

    if (k >= m->n || m->caps[k].len >= sizeof(written)) {
        return MDT_E(PARSE);
    }
    memcpy(written, m->caps[k].at, m->caps[k].len);
    written[m->caps[k].len] = '\0';
    switch (role) {
    case 'a':
        rc = money_parse(written, m->written, cur, &minor, &c, NULL);
        return rc < 0 ? rc : voice_amount_words(minor, c, lang, buf, cap);
    case 'u':
        if (written[0] == '\0' || strspn(written, "0123456789") != strlen(written) ||
            strlen(written) > 9) {
            return MDT_E(PARSE);
        }
        return speak_number(strtoll(written, NULL, 10), lang, buf, cap, NULL);
    case 'r':
        if (speak_reference(written, lang, buf, cap, NULL) >= 0) {
            return 0;
        }
        return snprintf(buf, cap, "%s", written) < (int)cap ? 0 : MDT_E(RANGE); /* words */
    case 'n':
        return snprintf(buf, cap, "%s", written) < (int)cap ? 0 : MDT_E(RANGE);
    case 'w':
        for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
            if (strncmp(written, reasons[i].name, strlen(reasons[i].name)) == 0) {
                return snprintf(buf, cap, "%s", reasons[i].words[lang == LANG_EN ? 1 : 0]) <
                               (int)cap
                           ? 0
                           : MDT_E(RANGE);
            }
        }
        return MDT_E(PARSE); /* cannot happen: the last row takes any name */
    default: /* '-', 'l': never said (the table test checks that no words ask for them) */
        return MDT_E(PARSE);
    }
}

/* Appends c to out (len so far, cap bytes); false when there is no room for it and the NUL. */
static bool put(char *out, size_t cap, size_t *len, char c)
{
    if (*len + 1 >= cap) {
        return false;
    }
    out[(*len)++] = c;
    return true;
}

/* The entry's words in lang with the match's arguments in place of "%1".."%9" (a VOICE_PIECE
 * inside an argument, such as a merchant's name, becomes a space). */
static int words_fill(const struct voice_reply_entry *e, const struct match *m, enum lang lang,
                      const struct currency *cur, char *out, size_t cap)
{
    const char *t = e->words[lang == LANG_EN ? 1 : 0];
    char arg[SPEAK_TEXT_MAX];
    size_t len = 0;
    bool room = true;
    int rc = 0;

    while (*t != '\0' && room && rc >= 0) {
        if (t[0] == '%' && t[1] >= '1' && t[1] <= '9') {
            size_t k = (size_t)(t[1] - '1');

            rc = k < strlen(e->args) ? arg_words(m, k, e->args[k], lang, cur, arg, sizeof(arg))
                                     : MDT_E(PARSE);
            for (const char *a = arg; rc >= 0 && *a != '\0' && room; a++) {
                room = put(out, cap, &len, *a == VOICE_PIECE ? ' ' : *a);
            }
            t += 2;
            continue;
        }
        room = put(out, cap, &len, *t++);
    }
    out[room ? len : 0] = '\0';
    if (rc < 0) {
        return rc;
    }
    return room ? (int)len : MDT_E(RANGE);
}

int voice_reply_say(enum lang lang, const char *reply, const struct currency *cur, char *out,
                    size_t cap, bool *sms)
{
    const struct voice_reply_entry *e = NULL;
    struct match m = {0};
    int rc = MDT_E(PARSE);

    if (reply == NULL || out == NULL || cap == 0 || sms == NULL) {
        return MDT_E(INVAL);
    }
    lang = lang == LANG_EN ? LANG_EN : LANG_FR;
    *sms = false;
    if (reply_match(reply, &m)) {
        e = voice_reply_entry(m.f, m.kind);
    }
    if (e != NULL && !e->off_phone && e->words[0] != NULL && e->words[1] != NULL &&
        e->args != NULL) {
        rc = words_fill(e, &m, lang, cur, out, cap);
        *sms = e->sms || strchr(e->args, 'l') != NULL;
    }
    if (rc == MDT_E(RANGE) || rc >= 0) {
        return rc;
    }
    /* Unknown, off the phone, or an argument that cannot be said: the SMS says it. */
    *sms = true;
    out[0] = '\0';
    return MDT_E(NOTFOUND);
}

const char *voice_reply_by_sms(enum lang lang)
{
    return answer_by_sms[lang == LANG_EN ? 1 : 0];
}
