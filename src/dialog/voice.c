/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu's state machine (voice.h). The texts are short and end with the choice, so a
 * caller who knows the menu can press at once (barge-in). */
#include <stddef.h>

#include "dialog/voice.h"

/* Texts by prompt, French then English. */
static const char *const prompt_texts[VOICE_PROMPT_COUNT_][2] = {
    [VOICE_PROMPT_NONE] = {"", ""},
    [VOICE_PROMPT_MENU] =
        {"Bienvenue chez mandat. Pour votre solde, tapez 1. Pour envoyer de l'argent, tapez 2. "
         "Pour payer une commande, tapez 3. Pour un don, tapez 4. For English, press 9.",
         "Welcome to mandat. For your balance, press 1. To send money, press 2. To pay an "
         "order, press 3. To give to a charity, press 4. Pour le français, tapez 9."},
    [VOICE_PROMPT_BALANCE] = {"", ""},
    [VOICE_PROMPT_NOT_BUILT] = {"Ce service n'est pas encore disponible par téléphone. "
                                "Utilisez les SMS.",
                                "This service is not available by phone yet. Please use SMS."},
    [VOICE_PROMPT_INVALID] = {"Ce choix n'existe pas.", "That is not a choice."},
    [VOICE_PROMPT_ANONYMOUS] = {"Votre numéro est masqué: nous ne pouvons pas trouver votre "
                                "compte. Appelez sans masquer votre numéro.",
                                "Your number is hidden, so we cannot find your account. Please "
                                "call again without hiding it."},
    [VOICE_PROMPT_GOODBYE] = {"Au revoir.", "Goodbye."},
};

static void turn(struct voice_turn *out, enum voice_action a, enum voice_prompt p)
{
    out->action = a;
    out->prompt = p;
}

static void leave(struct voice_call *v, struct voice_turn *out)
{
    v->state = VOICE_LEAVING;
    turn(out, VOICE_PLAY, VOICE_PROMPT_GOODBYE);
}

void voice_call_start(struct voice_call *v, enum lang lang, bool anonymous, struct voice_turn *out)
{
    v->state = VOICE_MENU;
    v->lang = lang == LANG_EN ? LANG_EN : LANG_FR;
    v->anonymous = anonymous;
    v->silences = 0;
    if (anonymous) {
        v->state = VOICE_LEAVING;
        turn(out, VOICE_PLAY, VOICE_PROMPT_ANONYMOUS);
        return;
    }
    turn(out, VOICE_PLAY, VOICE_PROMPT_MENU);
}

void voice_call_key(struct voice_call *v, char key, struct voice_turn *out)
{
    turn(out, VOICE_NONE, VOICE_PROMPT_NONE);
    if (v->state != VOICE_MENU) {
        return; /* an answer is coming, or the goodbye is playing: keys wait */
    }
    v->silences = 0;
    switch (key) {
    case '1':
        v->state = VOICE_ASKING;
        turn(out, VOICE_ASK_BALANCE, VOICE_PROMPT_NONE);
        break;
    case '2':
    case '3':
    case '4':
        turn(out, VOICE_PLAY, VOICE_PROMPT_NOT_BUILT);
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

void voice_call_balance(struct voice_call *v, struct voice_turn *out)
{
    v->state = VOICE_MENU;
    turn(out, VOICE_PLAY, VOICE_PROMPT_BALANCE);
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
    if (v->state != VOICE_MENU) {
        return;
    }
    if (v->silences >= VOICE_SILENCES_MAX) {
        leave(v, out);
        return;
    }
    v->silences++;
    turn(out, VOICE_PLAY, VOICE_PROMPT_MENU);
}

const char *voice_prompt_text(enum voice_prompt p, enum lang lang)
{
    if ((unsigned)p >= VOICE_PROMPT_COUNT_) {
        return "";
    }
    return prompt_texts[p][lang == LANG_EN ? 1 : 0];
}

const char *voice_balance_keyword(enum lang lang)
{
    return lang == LANG_EN ? "BAL" : "SOLDE";
}
