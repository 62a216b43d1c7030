/* SPDX-License-Identifier: Apache-2.0 */
/* The phone's own wording (voice_text.h): a table of sentences by language whose "%s" are
 * filled with words from speak.c, their pieces separated by VOICE_PIECE. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dialog/dialog_text.h"
#include "dialog/speak.h"
#include "dialog/voice_reply.h"
#include "dialog/voice_text.h"

/* The sentences; '\n' (VOICE_PIECE) between pieces, each "%s" a piece of its own. */
enum voice_sentence {
    SAY_BALANCE,    /* %s the balance */
    SAY_SEND,       /* %s amount, %s number */
    SAY_GIVE,       /* %s amount, %s association */
    SAY_ORDER,      /* %s payee, %s amount, %s reference */
    SAY_ORDER_HEAD, /* the same for a hidden number: no code to key, the card follows */
    SAY_PAID,       /* %s amount, %s payee: VOICE_RESULT_PAID and the next ones in order */
    SAY_SENT,       /* %s amount, %s number */
    SAY_GIVEN,      /* %s amount, %s association */
    SAY_WRONG_CODE,
    SAY_LOCKED,
    SAY_REFUSED,
    SAY_COUNT_
};

/* Columns: LANG_FR, LANG_EN (enum lang's values). */
#define SAY_LANGS 2
static const char *const sentences[SAY_COUNT_][SAY_LANGS] = {
    [SAY_BALANCE] = {"Votre solde est de\n%s.", "Your balance is\n%s."},
    [SAY_SEND] = {"Envoyer\n%s\nau\n%s ?\nTapez votre code à six chiffres.",
                  "Send\n%s\nto\n%s?\nKey your six-digit code."},
    [SAY_GIVE] = {"Donner\n%s\nà\n%s ?\nTapez votre code à six chiffres.",
                  "Give\n%s\nto\n%s?\nKey your six-digit code."},
    [SAY_ORDER] = {"%s\nvous demande\n%s,\nréférence\n%s.\nPour payer, tapez votre code à six "
                   "chiffres.",
                   "%s\nasks you for\n%s,\nreference\n%s.\nTo pay, key your six-digit code."},
    [SAY_ORDER_HEAD] = {"%s\nvous demande\n%s,\nréférence\n%s.",
                        "%s\nasks you for\n%s,\nreference\n%s."},
    [SAY_PAID] = {"C'est payé :\n%s\nà\n%s.\nLe reçu vous est envoyé par SMS.",
                  "Paid:\n%s\nto\n%s.\nThe receipt is on its way by text message."},
    [SAY_SENT] = {"C'est envoyé :\n%s\nau\n%s.\nLe reçu vous est envoyé par SMS.",
                  "Sent:\n%s\nto\n%s.\nThe receipt is on its way by text message."},
    [SAY_GIVEN] = {"Merci ! Votre don de\n%s\nà\n%s\nest fait.",
                   "Thank you! Your gift of\n%s\nto\n%s\nis made."},
    [SAY_WRONG_CODE] = {"Code incorrect.", "Wrong code."},
    [SAY_LOCKED] = {"Trop de codes incorrects : rien n'a été payé, et votre code est bloqué. "
                    "Un SMS vous en dit plus.",
                    "Too many wrong codes: nothing was paid, and your code is locked. A text "
                    "message tells you more."},
    [SAY_REFUSED] = {"Le paiement n'a pas été fait : rien n'a été débité. Un SMS vous dit "
                     "pourquoi.",
                     "The payment was not made: nothing was taken. A text message tells you "
                     "why."},
};

/* Appends c to out (len so far, cap bytes); false when there is no room for it and the NUL. */
static bool put(char *out, size_t cap, size_t *len, char c)
{
    if (*len + 1 >= cap) {
        return false;
    }
    out[(*len)++] = c;
    return true;
}

/* Writes sentence s in lang with args[0..n) in place of its "%s" (each once, in order; a
 * VOICE_PIECE inside an argument, words from outside such as a merchant's name, becomes a space
 * so that it does not cut a piece in two). */
static int fill(enum voice_sentence s, enum lang lang, const char *const *args, size_t n, char *out,
                size_t cap)
{
    const char *t = sentences[s][(unsigned)lang < SAY_LANGS ? lang : LANG_FR];
    size_t len = 0, used = 0;
    bool room = true;

    while (*t != '\0' && room) {
        if (t[0] == '%' && t[1] == 's' && used < n) {
            for (const char *a = args[used++]; *a != '\0' && room; a++) {
                room = put(out, cap, &len, *a == VOICE_PIECE ? ' ' : *a);
            }
            t += 2;
            continue;
        }
        room = put(out, cap, &len, *t++);
    }
    if (!room) {
        out[0] = '\0';
        return -MDT_ERANGE;
    }
    out[len] = '\0';
    return (int)len;
}

int voice_amount_words(int64_t amount_minor, const struct currency *cur, enum lang lang, char *buf,
                       size_t cap)
{
    int rc = speak_amount(amount_minor, cur, lang, buf, cap, NULL);

    if (rc == -MDT_ENOTFOUND) {
        rc = money_format(amount_minor, cur, lang, buf, cap);
    }
    return rc;
}

/* The formatted amount in a balance reply written in lang (the template with the amount in
 * place of its "%s"), into amount; false when reply is not that template's. */
static bool balance_amount(enum lang lang, const char *reply, char *amount, size_t cap)
{
    const char *tmpl = dialog_text(TEXT_BALANCE, lang);
    const char *mark = strstr(tmpl, "%s");
    size_t pre, suf, rlen = strlen(reply);

    if (mark == NULL) {
        return false;
    }
    pre = (size_t)(mark - tmpl);
    suf = strlen(mark + 2);
    if (rlen <= pre + suf || rlen - pre - suf >= cap || strncmp(reply, tmpl, pre) != 0 ||
        strcmp(reply + rlen - suf, mark + 2) != 0) {
        return false;
    }
    memcpy(amount, reply + pre, rlen - pre - suf);
    amount[rlen - pre - suf] = '\0';
    return true;
}

int voice_balance_say(enum lang lang, const char *reply, char *out, size_t cap)
{
    const struct currency *cur = NULL;
    char amount[SPEAK_TEXT_MAX], words[SPEAK_TEXT_MAX];
    int64_t minor = 0;
    int rc = -MDT_EPARSE;

    if (reply == NULL || out == NULL || cap == 0) {
        return -MDT_EINVAL;
    }
    out[0] = '\0';
    /* The dialog writes in the wallet's language, which the call may have changed (9): the
     * reply is read in whichever language wrote it and spoken in the call's. */
    for (int l = 0; l < SAY_LANGS && rc < 0; l++) {
        if (balance_amount((enum lang)l, reply, amount, sizeof(amount))) {
            rc = money_parse(amount, (enum lang)l, currency_find("EUR"), &minor, &cur, NULL);
        }
    }
    if (rc == 0) {
        rc = voice_amount_words(minor, cur, lang, words, sizeof(words));
    }
    if (rc < 0) {
        return rc;
    }
    return fill(SAY_BALANCE, lang, (const char *const[]){words}, 1, out, cap);
}

/* The text kind that wrote reply (voice_reply_kind: the most specific template, in either
 * language), or TEXT_COUNT for none or a hint. */
static enum dialog_text reply_text(const char *reply)
{
    enum voice_reply_family f;
    unsigned kind;

    if (!voice_reply_kind(reply, &f, &kind) || f != VOICE_REPLY_TEXT) {
        return TEXT_COUNT;
    }
    return (enum dialog_text)kind;
}

/* Whether reply is the dialog's plain ask for a transfer's or a gift's code, in either language
 * (not, say, a transfer to a number without a wallet, whose money waits for its owner: that
 * reply says more than the phone's words would, and its more specific template wins). */
static bool send_reply(const char *reply)
{
    enum dialog_text x = reply_text(reply);

    return x == TEXT_CONFIRM_SEND || x == TEXT_CONFIRM_DONATE;
}

int voice_send_say(enum lang lang, const char *reply, int64_t amount_minor,
                   const struct currency *cur, const char *payee_e164, const char *charity,
                   char *out, size_t cap)
{
    char amount[SPEAK_TEXT_MAX], payee[SPEAK_TEXT_MAX];
    int rc;

    if (reply == NULL || out == NULL || cap == 0 || (charity == NULL && payee_e164 == NULL)) {
        return -MDT_EINVAL;
    }
    if (!send_reply(reply)) { /* before out is written: reply may be out */
        return -MDT_EPARSE;
    }
    out[0] = '\0';
    rc = voice_amount_words(amount_minor, cur, lang, amount, sizeof(amount));
    if (rc >= 0 && charity == NULL) {
        rc = speak_phone(payee_e164, lang, payee, sizeof(payee), NULL);
    }
    if (rc < 0) {
        return rc;
    }
    return fill(charity != NULL ? SAY_GIVE : SAY_SEND, lang,
                (const char *const[]){amount, charity != NULL ? charity : payee}, 2, out, cap);
}

int voice_order_say(enum lang lang, const char *payee, int64_t amount_minor,
                    const struct currency *cur, const char *reference, bool anonymous, char *out,
                    size_t cap)
{
    char amount[SPEAK_TEXT_MAX], ref[SPEAK_TEXT_MAX];
    int rc;

    if (payee == NULL || reference == NULL || out == NULL || cap == 0) {
        return -MDT_EINVAL;
    }
    out[0] = '\0';
    rc = voice_amount_words(amount_minor, cur, lang, amount, sizeof(amount));
    if (rc < 0) {
        return rc;
    }
    /* A reference of letters and digits is spelled; one of words ("commande du 3 mai") is
     * read as written. */
    if (speak_reference(reference, lang, ref, sizeof(ref), NULL) < 0) {
        snprintf(ref, sizeof(ref), "%s", reference);
    }
    return fill(anonymous ? SAY_ORDER_HEAD : SAY_ORDER, lang,
                (const char *const[]){payee, amount, ref}, 3, out, cap);
}

int voice_code_result(const char *reply)
{
    if (reply == NULL) {
        return -MDT_EINVAL;
    }
    /* A transfer held for a payee without a wallet (TEXT_HELD, more specific than TEXT_SENT)
     * says more than the phone's words would: none here. */
    switch (reply_text(reply)) {
    case TEXT_SENT:
        return VOICE_RESULT_SENT;
    case TEXT_DONATED:
        return VOICE_RESULT_GIVEN;
    case TEXT_WRONG_CODE:
        return VOICE_RESULT_WRONG_CODE;
    case TEXT_LOCKED_NOW:
    case TEXT_CODE_LOCKED_NOW:
    case TEXT_LOCKED:
        return VOICE_RESULT_LOCKED;
    default:
        return -MDT_EPARSE;
    }
}

int voice_result_say(enum lang lang, enum voice_result r, int64_t amount_minor,
                     const struct currency *cur, const char *who, char *out, size_t cap)
{
    char amount[SPEAK_TEXT_MAX], number[SPEAK_TEXT_MAX];
    int rc;

    if (out == NULL || cap == 0 || (unsigned)r >= VOICE_RESULT_COUNT_) {
        return -MDT_EINVAL;
    }
    out[0] = '\0';
    if (r > VOICE_RESULT_GIVEN) { /* no amount, no payee */
        return fill((enum voice_sentence)(SAY_PAID + r), lang, NULL, 0, out, cap);
    }
    if (who == NULL) {
        return -MDT_EINVAL;
    }
    rc = voice_amount_words(amount_minor, cur, lang, amount, sizeof(amount));
    if (rc >= 0 && r == VOICE_RESULT_SENT) {
        rc = speak_phone(who, lang, number, sizeof(number), NULL);
        who = number;
    }
    if (rc < 0) {
        return rc;
    }
    return fill((enum voice_sentence)(SAY_PAID + r), lang, (const char *const[]){amount, who}, 2,
                out, cap);
}

const char *voice_result_name(enum voice_result r)
{
    static const char *const names[VOICE_RESULT_COUNT_] = {
        [VOICE_RESULT_PAID] = "paid",     [VOICE_RESULT_SENT] = "sent",
        [VOICE_RESULT_GIVEN] = "given",   [VOICE_RESULT_WRONG_CODE] = "wrong_code",
        [VOICE_RESULT_LOCKED] = "locked", [VOICE_RESULT_REFUSED] = "refused",
    };

    return (unsigned)r < VOICE_RESULT_COUNT_ ? names[r] : "?";
}
