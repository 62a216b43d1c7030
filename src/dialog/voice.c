/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu's state machine (voice.h). The texts are short and end with the choice, so a
 * caller who knows the menu can press at once (barge-in). What the caller keys in an entry is
 * kept only in the call's struct, put into one turn's text and wiped from the struct. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dialog/voice.h"
#include "vault/vault.h"

_Static_assert(VOICE_KEYS_MAX > VOICE_CODE_DIGITS && VOICE_KEYS_MAX > VOICE_REF_DIGITS,
               "an entry holds a code and a reference");

/* Texts by prompt, French then English. */
static const char *const prompt_texts[VOICE_PROMPT_COUNT_][2] = {
    [VOICE_PROMPT_NONE] = {"", ""},
    [VOICE_PROMPT_MENU] =
        {"Bienvenue chez mandat. Pour votre solde, tapez 1. Pour envoyer de l'argent, tapez 2. "
         "Pour payer une commande, tapez 3. Pour un don, tapez 4. For English, press 9.",
         "Welcome to mandat. For your balance, press 1. To send money, press 2. To pay an "
         "order, press 3. To give to a charity, press 4. Pour le français, tapez 9."},
    [VOICE_PROMPT_SAY] = {"", ""},
    [VOICE_PROMPT_NOT_BUILT] = {"Ce service n'est pas encore disponible par téléphone. "
                                "Utilisez les SMS.",
                                "This service is not available by phone yet. Please use SMS."},
    [VOICE_PROMPT_INVALID] = {"Ce choix n'existe pas.", "That is not a choice."},
    [VOICE_PROMPT_ANONYMOUS] = {"Votre numéro est masqué: nous ne pouvons pas trouver votre "
                                "compte, et le paiement par carte n'est pas encore possible par "
                                "téléphone. Appelez sans masquer votre numéro.",
                                "Your number is hidden, so we cannot find your account, and card "
                                "payments are not possible by phone yet. Please call again "
                                "without hiding it."},
    [VOICE_PROMPT_GOODBYE] = {"Au revoir.", "Goodbye."},
    [VOICE_PROMPT_ASK_NUMBER] = {"Tapez le numéro de téléphone du bénéficiaire, puis dièse.",
                                 "Key the payee's phone number, then hash."},
    [VOICE_PROMPT_ASK_AMOUNT] = {"Tapez le montant en euros, étoile pour la virgule, puis dièse.",
                                 "Key the amount, star for the decimal point, then hash."},
    [VOICE_PROMPT_ASK_CODE] = {"Tapez votre code à 6 chiffres.", "Key your 6-digit code."},
    [VOICE_PROMPT_ASK_REF] = {"Tapez la référence de la commande, 6 chiffres, puis dièse.",
                              "Key the order's reference, 6 digits, then hash."},
    [VOICE_PROMPT_BAD_NUMBER] = {"Ce numéro n'est pas valable. Tapez-le à nouveau, puis dièse.",
                                 "That number is not valid. Key it again, then hash."},
    [VOICE_PROMPT_BAD_AMOUNT] = {"Ce montant n'est pas valable. Tapez-le à nouveau, étoile pour "
                                 "la virgule, puis dièse.",
                                 "That amount is not valid. Key it again, star for the decimal "
                                 "point, then hash."},
    [VOICE_PROMPT_BAD_CODE] = {"Le code a 6 chiffres. Tapez-le à nouveau.",
                               "The code has 6 digits. Key it again."},
    [VOICE_PROMPT_NO_ORDER] = {"Aucune commande ne vous attend avec cette référence.",
                               "No order waits for you with that reference."},
    [VOICE_PROMPT_WRONG_CODE] = {"Code faux. Tapez-le à nouveau.", "Wrong code. Key it again."},
    [VOICE_PROMPT_ORDER_OVER] = {"Cette commande ne peut plus être payée.",
                                 "This order can no longer be paid."},
    [VOICE_PROMPT_NO_CHARITY] = {"Aucune association n'est proposée pour l'instant.",
                                 "No charity is offered for now."},
    [VOICE_PROMPT_TROUBLE] = {"Le service ne peut pas répondre pour l'instant. Réessayez dans "
                              "un instant.",
                              "The service cannot answer right now. Please try again shortly."},
    [VOICE_PROMPT_ANON_MENU] = {"Votre numéro est masqué: vous pouvez payer une commande par "
                                "carte. Tapez sa référence, 6 chiffres, puis dièse.",
                                "Your number is hidden: you can pay an order by card. Key its "
                                "reference, 6 digits, then hash."},
    [VOICE_PROMPT_ASK_PAN] = {"Tapez le numéro de la carte, puis dièse.",
                              "Key the card number, then hash."},
    [VOICE_PROMPT_BAD_PAN] = {"Ce numéro de carte n'est pas valable. Tapez-le à nouveau, puis "
                              "dièse.",
                              "That card number is not valid. Key it again, then hash."},
    [VOICE_PROMPT_ASK_EXPIRY] = {"Tapez la date d'expiration: le mois puis l'année, 4 chiffres.",
                                 "Key the expiry date: the month then the year, 4 digits."},
    [VOICE_PROMPT_BAD_EXPIRY] = {"Cette date n'est pas valable, ou la carte a expiré. Tapez-la à "
                                 "nouveau, 4 chiffres.",
                                 "That date is not valid, or the card has expired. Key it again, "
                                 "4 digits."},
    [VOICE_PROMPT_ASK_CVV] = {"Tapez le code de sécurité au dos de la carte, puis dièse.",
                              "Key the security code on the back of the card, then hash."},
    [VOICE_PROMPT_BAD_CVV] = {"Le code de sécurité a 3 ou 4 chiffres. Tapez-le à nouveau, puis "
                              "dièse.",
                              "The security code has 3 or 4 digits. Key it again, then hash."},
    [VOICE_PROMPT_TOO_MANY] = {"Trop d'erreurs. Rien n'a été payé. Au revoir.",
                               "Too many mistakes. Nothing was paid. Goodbye."},
    [VOICE_PROMPT_CARD_WAIT] = {"Paiement en cours, un instant.", "Paying, one moment."},
};

static const char *const prompt_names[VOICE_PROMPT_COUNT_] = {
    [VOICE_PROMPT_NONE] = "none",
    [VOICE_PROMPT_MENU] = "menu",
    [VOICE_PROMPT_SAY] = "say",
    [VOICE_PROMPT_NOT_BUILT] = "not_built",
    [VOICE_PROMPT_INVALID] = "invalid",
    [VOICE_PROMPT_ANONYMOUS] = "anonymous",
    [VOICE_PROMPT_GOODBYE] = "goodbye",
    [VOICE_PROMPT_ASK_NUMBER] = "ask_number",
    [VOICE_PROMPT_ASK_AMOUNT] = "ask_amount",
    [VOICE_PROMPT_ASK_CODE] = "ask_code",
    [VOICE_PROMPT_ASK_REF] = "ask_ref",
    [VOICE_PROMPT_BAD_NUMBER] = "bad_number",
    [VOICE_PROMPT_BAD_AMOUNT] = "bad_amount",
    [VOICE_PROMPT_BAD_CODE] = "bad_code",
    [VOICE_PROMPT_NO_ORDER] = "no_order",
    [VOICE_PROMPT_WRONG_CODE] = "wrong_code",
    [VOICE_PROMPT_ORDER_OVER] = "order_over",
    [VOICE_PROMPT_NO_CHARITY] = "no_charity",
    [VOICE_PROMPT_TROUBLE] = "trouble",
    [VOICE_PROMPT_ANON_MENU] = "anon_menu",
    [VOICE_PROMPT_ASK_PAN] = "ask_pan",
    [VOICE_PROMPT_BAD_PAN] = "bad_pan",
    [VOICE_PROMPT_ASK_EXPIRY] = "ask_expiry",
    [VOICE_PROMPT_BAD_EXPIRY] = "bad_expiry",
    [VOICE_PROMPT_ASK_CVV] = "ask_cvv",
    [VOICE_PROMPT_BAD_CVV] = "bad_cvv",
    [VOICE_PROMPT_TOO_MANY] = "too_many",
    [VOICE_PROMPT_CARD_WAIT] = "card_wait",
};

/* The shortest and longest national or international numbers a payee can have (E.164: 15). */
#define NUMBER_DIGITS_MIN 4
#define NUMBER_DIGITS_MAX 15
/* Amounts keyed: up to 1 000 000 per order (the grammar's bound), two decimals. */
#define AMOUNT_INT_DIGITS_MAX 7
#define AMOUNT_FRAC_DIGITS_MAX 2

/* What each state waiting for keys asks, again after a silence or a '*'. */
static const enum voice_prompt ask_again[VOICE_STATE_COUNT_] = {
    [VOICE_MENU] = VOICE_PROMPT_MENU,         [VOICE_NUMBER] = VOICE_PROMPT_ASK_NUMBER,
    [VOICE_AMOUNT] = VOICE_PROMPT_ASK_AMOUNT, [VOICE_CODE] = VOICE_PROMPT_ASK_CODE,
    [VOICE_REF] = VOICE_PROMPT_ASK_REF,       [VOICE_ORDER_CODE] = VOICE_PROMPT_ASK_CODE,
    [VOICE_CARD_PAN] = VOICE_PROMPT_ASK_PAN,  [VOICE_CARD_EXPIRY] = VOICE_PROMPT_ASK_EXPIRY,
    [VOICE_CARD_CVV] = VOICE_PROMPT_ASK_CVV,
};

/* What a card field keyed wrong says before it is asked again. */
static const enum voice_prompt card_bad[VOICE_STATE_COUNT_] = {
    [VOICE_CARD_PAN] = VOICE_PROMPT_BAD_PAN,
    [VOICE_CARD_EXPIRY] = VOICE_PROMPT_BAD_EXPIRY,
    [VOICE_CARD_CVV] = VOICE_PROMPT_BAD_CVV,
};

/* Where each answer of the dialog leads, and what is played there. */
static const struct {
    enum voice_state state;
    enum voice_prompt prompt;
} answer_next[] = {
    [VOICE_ANSWER_SAID] = {VOICE_MENU, VOICE_PROMPT_SAY},
    [VOICE_ANSWER_CODE] = {VOICE_CODE, VOICE_PROMPT_SAY},
    [VOICE_ANSWER_FOUND] = {VOICE_ORDER_CODE, VOICE_PROMPT_SAY},
    [VOICE_ANSWER_NOT_FOUND] = {VOICE_MENU, VOICE_PROMPT_NO_ORDER},
    [VOICE_ANSWER_WRONG_CODE] = {VOICE_ORDER_CODE, VOICE_PROMPT_WRONG_CODE},
    [VOICE_ANSWER_OVER] = {VOICE_MENU, VOICE_PROMPT_ORDER_OVER},
    [VOICE_ANSWER_FAILED] = {VOICE_MENU, VOICE_PROMPT_TROUBLE},
};
_Static_assert(sizeof(answer_next) / sizeof(answer_next[0]) == VOICE_ANSWER_COUNT_,
               "every answer leads somewhere");

static bool card_state(enum voice_state s)
{
    return s == VOICE_CARD_PAN || s == VOICE_CARD_EXPIRY || s == VOICE_CARD_CVV;
}

static void turn(struct voice_turn *out, enum voice_action a, enum voice_prompt p)
{
    out->action = a;
    out->prompt = p;
    out->card_reset = false;
    out->text[0] = '\0';
}

static void keys_clear(struct voice_call *v)
{
    vault_wipe(v->keys, sizeof(v->keys));
    v->nkeys = 0;
}

/* Enter state s (clearing any entry) and play p. */
static void enter(struct voice_call *v, enum voice_state s, enum voice_prompt p,
                  struct voice_turn *out)
{
    keys_clear(v);
    v->state = s;
    turn(out, VOICE_PLAY, p);
    out->card_reset = true; /* whatever the channel was keeping for a field goes */
}

static void leave(struct voice_call *v, struct voice_turn *out)
{
    enter(v, VOICE_LEAVING, VOICE_PROMPT_GOODBYE, out);
}

/* Ask the dialog: the turn carries the text; the entry is wiped. */
static void ask(struct voice_call *v, enum voice_action a, struct voice_turn *out)
{
    v->after = v->state;
    v->state = VOICE_ASKING;
    keys_clear(v);
    out->action = a;
    out->prompt = VOICE_PROMPT_NONE;
    out->card_reset = true;
}

void voice_call_start(struct voice_call *v, enum lang lang, bool anonymous, struct voice_turn *out)
{
    memset(v, 0, sizeof(*v));
    v->lang = lang == LANG_EN ? LANG_EN : LANG_FR;
    v->anonymous = anonymous;
    if (anonymous) {
        enter(v, VOICE_REF, VOICE_PROMPT_ANON_MENU, out); /* only an order, by card */
        return;
    }
    enter(v, VOICE_MENU, VOICE_PROMPT_MENU, out);
}

static void menu_key(struct voice_call *v, char key, struct voice_turn *out)
{
    switch (key) {
    case '1':
        ask(v, VOICE_ASK, out);
        snprintf(out->text, sizeof(out->text), "%s", voice_balance_keyword(v->lang));
        break;
    case '2':
        v->charity = 0;
        enter(v, VOICE_NUMBER, VOICE_PROMPT_ASK_NUMBER, out);
        break;
    case '3':
        enter(v, VOICE_REF, VOICE_PROMPT_ASK_REF, out);
        break;
    case '4':
        v->state = VOICE_CHARITY;
        ask(v, VOICE_CHARITIES, out);
        break;
    case '9':
        v->lang = v->lang == LANG_FR ? LANG_EN : LANG_FR;
        turn(out, VOICE_PLAY, VOICE_PROMPT_MENU);
        break;
    case '*':
        turn(out, VOICE_PLAY, VOICE_PROMPT_MENU);
        break;
    case '#':
        leave(v, out);
        break;
    default:
        turn(out, VOICE_PLAY, VOICE_PROMPT_INVALID);
        break;
    }
}

/* The amount keyed ("12*5") as the grammar reads it in lang ("12,5", "12.5"); false when it is
 * not an amount (no digit, two separators, three decimals, zero, too large). */
static bool amount_text(const struct voice_call *v, char *out, size_t cap)
{
    const char *star;
    size_t ni, nf;
    bool nonzero = false;

    if (v->nkeys >= sizeof(v->keys)) {
        return false; /* more keys than kept */
    }
    star = memchr(v->keys, '*', v->nkeys);
    ni = star != NULL ? (size_t)(star - v->keys) : v->nkeys;
    nf = star != NULL ? v->nkeys - ni - 1 : 0;
    if (ni + nf == 0 || ni > AMOUNT_INT_DIGITS_MAX || nf > AMOUNT_FRAC_DIGITS_MAX ||
        (star != NULL && memchr(star + 1, '*', nf) != NULL)) {
        return false;
    }
    for (size_t i = 0; i < v->nkeys; i++) {
        nonzero |= v->keys[i] >= '1' && v->keys[i] <= '9';
    }
    if (!nonzero) {
        return false;
    }
    snprintf(out, cap, "%s%.*s%s%.*s", ni == 0 ? "0" : "", (int)ni, v->keys,
             nf > 0 ? (v->lang == LANG_EN ? "." : ",") : "", (int)nf, star != NULL ? star + 1 : "");
    return true;
}

/* # after an amount: the order's command (ENVOI / SEND to the number, DON / GIVE to the
 * association), as an SMS would carry it. */
static void amount_done(struct voice_call *v, struct voice_turn *out)
{
    char amount[AMOUNT_INT_DIGITS_MAX + AMOUNT_FRAC_DIGITS_MAX + 3];
    bool en = v->lang == LANG_EN;
    char text[VOICE_TEXT_MAX];

    if (!amount_text(v, amount, sizeof(amount))) {
        enter(v, VOICE_AMOUNT, VOICE_PROMPT_BAD_AMOUNT, out);
        return;
    }
    if (v->charity > 0) {
        snprintf(text, sizeof(text), "%s %s %s", en ? "GIVE" : "DON", amount,
                 v->charities[v->charity - 1]);
    } else {
        snprintf(text, sizeof(text), "%s %s %s", en ? "SEND" : "ENVOI", amount, v->number);
    }
    ask(v, VOICE_ASK, out);
    memcpy(out->text, text, sizeof(text));
}

/* A wrong reference from a hidden number: a try of VOICE_TRIES_MAX (each one a guess at
 * someone's order), then goodbye. */
static void ref_miss(struct voice_call *v, enum voice_prompt p, struct voice_turn *out)
{
    if (++v->tries >= VOICE_TRIES_MAX) {
        enter(v, VOICE_LEAVING, VOICE_PROMPT_TOO_MANY, out);
        return;
    }
    enter(v, VOICE_REF, p, out);
}

/* A key of a card field: the channel keeps the digit (text), the menu only counts. The number
 * ends with '#'; the expiry at its fourth digit; the security code with '#' or its fourth. */
static void card_key(struct voice_call *v, char key, struct voice_turn *out)
{
    bool digit = key >= '0' && key <= '9';
    unsigned full = v->state == VOICE_CARD_EXPIRY ? VOICE_EXPIRY_DIGITS
                    : v->state == VOICE_CARD_CVV  ? VOICE_CVV_DIGITS_MAX
                                                  : UINT8_MAX;

    if (key == '*') {
        enter(v, v->state, ask_again[v->state], out);
        return;
    }
    if (!digit && key != '#') {
        return; /* A-D: not part of a card */
    }
    if (digit) {
        out->text[0] = key;
        out->text[1] = '\0';
        if (v->nkeys < UINT8_MAX) {
            v->nkeys++;
        }
    }
    out->action = key == '#' || v->nkeys >= full ? VOICE_CARD_CHECK : VOICE_CARD_KEY;
}

/* A key in an entry state: digits collect, '#' ends the entry, '*' starts it again (in an
 * amount, the decimal separator). A code is sent at its sixth digit. */
static void entry_key(struct voice_call *v, char key, struct voice_turn *out)
{
    bool digit = key >= '0' && key <= '9';

    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (card_state(v->state)) {
        card_key(v, key, out);
        return;
    }
    if (key == '*' && v->state != VOICE_AMOUNT) {
        enter(v, v->state, ask_again[v->state], out);
        return;
    }
    if (key == '#' && v->state == VOICE_ORDER_CODE && v->nkeys == 0) {
        v->tries = 0;
        enter(v, VOICE_CARD_PAN, VOICE_PROMPT_ASK_PAN, out); /* by card rather than the code */
        return;
    }
    if (digit || key == '*') {
        if (v->nkeys < sizeof(v->keys) - 1) {
            v->keys[v->nkeys] = key;
        }
        if (v->nkeys < UINT8_MAX) {
            v->nkeys++; /* past the buffer: too long, refused at '#' */
        }
    }
    if ((v->state == VOICE_CODE || v->state == VOICE_ORDER_CODE) && v->nkeys == VOICE_CODE_DIGITS) {
        memcpy(out->text, v->keys, VOICE_CODE_DIGITS);
        out->text[VOICE_CODE_DIGITS] = '\0';
        ask(v, v->state == VOICE_CODE ? VOICE_ASK : VOICE_PAY_ORDER, out);
        return;
    }
    if (key != '#') {
        return;
    }
    switch (v->state) {
    case VOICE_NUMBER:
        if (v->nkeys < NUMBER_DIGITS_MIN || v->nkeys > NUMBER_DIGITS_MAX) {
            enter(v, VOICE_NUMBER, VOICE_PROMPT_BAD_NUMBER, out);
            break;
        }
        memcpy(v->number, v->keys, v->nkeys);
        v->number[v->nkeys] = '\0';
        enter(v, VOICE_AMOUNT, VOICE_PROMPT_ASK_AMOUNT, out);
        break;
    case VOICE_AMOUNT:
        amount_done(v, out);
        break;
    case VOICE_REF:
        if (v->nkeys != VOICE_REF_DIGITS && v->anonymous) {
            ref_miss(v, VOICE_PROMPT_NO_ORDER, out);
            break;
        }
        if (v->nkeys != VOICE_REF_DIGITS) {
            enter(v, VOICE_MENU, VOICE_PROMPT_NO_ORDER, out);
            break;
        }
        memcpy(out->text, v->keys, VOICE_REF_DIGITS);
        out->text[VOICE_REF_DIGITS] = '\0';
        ask(v, VOICE_FIND_ORDER, out);
        break;
    default: /* a code ended early */
        enter(v, v->state, VOICE_PROMPT_BAD_CODE, out);
        break;
    }
}

static void charity_key(struct voice_call *v, char key, struct voice_turn *out)
{
    if (key >= '1' && key < (char)('1' + v->ncharities)) {
        v->charity = (uint8_t)(key - '0');
        enter(v, VOICE_AMOUNT, VOICE_PROMPT_ASK_AMOUNT, out);
    } else if (key == '*') {
        ask(v, VOICE_CHARITIES, out);
    } else if (key == '#') {
        enter(v, VOICE_MENU, VOICE_PROMPT_MENU, out);
    } else {
        turn(out, VOICE_PLAY, VOICE_PROMPT_INVALID);
    }
}

void voice_call_key(struct voice_call *v, char key, struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (v->state == VOICE_ASKING || v->state == VOICE_LEAVING) {
        return; /* an answer is coming, or the goodbye is playing: keys wait */
    }
    v->silences = 0;
    switch (v->state) {
    case VOICE_MENU:
        menu_key(v, key, out);
        break;
    case VOICE_CHARITY:
        charity_key(v, key, out);
        break;
    default: /* VOICE_NUMBER, VOICE_AMOUNT, VOICE_CODE, VOICE_REF, VOICE_ORDER_CODE, cards */
        entry_key(v, key, out);
        break;
    }
}

void voice_call_answer(struct voice_call *v, enum voice_answer a, struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (v->state != VOICE_ASKING) {
        return; /* nothing was asked: a stale answer */
    }
    if ((unsigned)a >= VOICE_ANSWER_COUNT_) {
        a = VOICE_ANSWER_FAILED;
    }
    if (!v->anonymous) {
        enter(v, answer_next[a].state, answer_next[a].prompt, out);
        return;
    }
    /* A hidden number has no menu: its home is the reference; its call ends with a payment's
     * words, and the card is asked for at once once the order is found. */
    if (v->after == VOICE_CARD_CVV && a != VOICE_ANSWER_FAILED) {
        enter(v, VOICE_LEAVING, answer_next[a].prompt, out);
    } else if (a == VOICE_ANSWER_FOUND) {
        v->tries = 0;
        enter(v, VOICE_CARD_PAN, VOICE_PROMPT_SAY, out);
    } else if (a == VOICE_ANSWER_NOT_FOUND) {
        ref_miss(v, VOICE_PROMPT_NO_ORDER, out);
    } else {
        enter(v, VOICE_REF, answer_next[a].prompt, out);
    }
}

void voice_call_card(struct voice_call *v, bool ok, struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (!card_state(v->state)) {
        return; /* a stale check */
    }
    if (!ok) {
        if (++v->tries >= VOICE_TRIES_MAX) {
            enter(v, VOICE_LEAVING, VOICE_PROMPT_TOO_MANY, out);
            return;
        }
        enter(v, v->state, card_bad[v->state], out);
        return;
    }
    v->tries = 0;
    switch (v->state) {
    case VOICE_CARD_PAN:
        enter(v, VOICE_CARD_EXPIRY, VOICE_PROMPT_ASK_EXPIRY, out);
        break;
    case VOICE_CARD_EXPIRY:
        enter(v, VOICE_CARD_CVV, VOICE_PROMPT_ASK_CVV, out);
        break;
    default: /* the security code: the card is complete, the caller has confirmed */
        ask(v, VOICE_CARD_PAY, out);
        break;
    }
}

void voice_call_charities(struct voice_call *v, const char *const *keywords, size_t n,
                          struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (v->state != VOICE_ASKING) {
        return;
    }
    if (n == 0) {
        enter(v, VOICE_MENU, VOICE_PROMPT_NO_CHARITY, out);
        return;
    }
    v->ncharities = (uint8_t)(n < VOICE_CHARITIES_MAX ? n : VOICE_CHARITIES_MAX);
    for (size_t i = 0; i < v->ncharities; i++) {
        snprintf(v->charities[i], sizeof(v->charities[i]), "%s", keywords[i]);
    }
    enter(v, VOICE_CHARITY, VOICE_PROMPT_SAY, out);
}

void voice_call_played(struct voice_call *v, struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (v->state == VOICE_LEAVING) {
        turn(out, VOICE_HANGUP, VOICE_PROMPT_NONE);
    }
}

void voice_call_silence(struct voice_call *v, struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (v->state == VOICE_ASKING || v->state == VOICE_LEAVING) {
        return;
    }
    if (v->silences >= VOICE_SILENCES_MAX) {
        leave(v, out);
        return;
    }
    v->silences++;
    if (v->state == VOICE_CHARITY) {
        ask(v, VOICE_CHARITIES, out); /* the list again */
        return;
    }
    enter(v, v->state, ask_again[v->state], out);
}

void voice_card_result_text(enum lang lang, enum voice_card_result r, const char *why, char *out,
                            size_t cap)
{
    static const char *const texts[][2] = {
        [VOICE_CARD_PAID] = {"Paiement accepté: la commande est payée. Merci.",
                             "Payment accepted: the order is paid. Thank you."},
        [VOICE_CARD_DECLINED] = {"", ""}, /* with its reason: below */
        [VOICE_CARD_CHECKING] = {"Le paiement est en cours de vérification auprès de la banque.",
                                 "The payment is being checked with the bank."},
        [VOICE_CARD_NOT_PAID] = {"La commande n'a pas pu être payée: votre carte est remboursée.",
                                 "The order could not be paid: your card is refunded."},
    };
    unsigned i = (unsigned)r < sizeof(texts) / sizeof(texts[0]) ? (unsigned)r : VOICE_CARD_NOT_PAID;

    if (i == VOICE_CARD_DECLINED) {
        snprintf(out, cap,
                 lang == LANG_EN ? "Payment declined: %s. Nothing was taken."
                                 : "Paiement refusé: %s. Rien n'a été débité.",
                 why);
    } else {
        snprintf(out, cap, "%s", texts[i][lang == LANG_EN ? 1 : 0]);
    }
}

void voice_order_head_text(enum lang lang, const char *payee, const char *amount,
                           const char *reference, char *out, size_t cap)
{
    snprintf(out, cap,
             lang == LANG_EN ? "%s asks you for %s, reference %s."
                             : "%s vous demande %s, référence %s.",
             payee, amount, reference);
}

void voice_order_card_text(enum lang lang, bool anonymous, char *out, size_t cap)
{
    static const char *const texts[2][2] = {
        {"Pour payer par carte, tapez dièse.", "To pay by card, press hash."},
        {"Pour payer par carte, tapez le numéro de la carte, puis dièse.",
         "To pay by card, key the card number, then hash."},
    };

    snprintf(out, cap, "%s", texts[anonymous ? 1 : 0][lang == LANG_EN ? 1 : 0]);
}

const char *voice_prompt_text(enum voice_prompt p, enum lang lang)
{
    if ((unsigned)p >= VOICE_PROMPT_COUNT_) {
        return "";
    }
    return prompt_texts[p][lang == LANG_EN ? 1 : 0];
}

const char *voice_prompt_name(enum voice_prompt p)
{
    return (unsigned)p < VOICE_PROMPT_COUNT_ ? prompt_names[p] : "?";
}

const char *voice_balance_keyword(enum lang lang)
{
    return lang == LANG_EN ? "BAL" : "SOLDE";
}

void voice_charities_text(enum lang lang, const char *const *names, size_t n, char *out,
                          size_t cap)
{
    size_t len = 0;

    if (cap == 0) {
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < n && i < VOICE_CHARITIES_MAX && len < cap; i++) {
        int w = snprintf(out + len, cap - len, lang == LANG_EN ? "For %s, press %zu. "
                                                               : "Pour %s, tapez %zu. ",
                         names[i], i + 1);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len < cap) {
        snprintf(out + len, cap - len, "%s",
                 lang == LANG_EN ? "To go back, press hash." : "Pour revenir, tapez dièse.");
    }
}

void voice_order_text(enum lang lang, const char *payee, const char *amount,
                      const char *reference, char *out, size_t cap)
{
    snprintf(out, cap,
             lang == LANG_EN ? "%s asks you for %s, reference %s. To pay, key your 6-digit code."
                             : "%s vous demande %s, référence %s. Pour payer, tapez votre code "
                               "à 6 chiffres.",
             payee, amount, reference);
}
