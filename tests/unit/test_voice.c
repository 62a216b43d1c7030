/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu's state machine (dialog/voice.c): each key's turn, barge-in waiting for the
 * balance, '*' repeats, 9 changes the language, silences re-prompt twice then say goodbye and
 * hang up, a hidden number hears why and is hung up on; sending money (number #, amount # with
 * '*' as the decimal separator, the code sent at its sixth digit), giving to an association
 * chosen from a list, paying an order by its reference and code, and bad entries re-asked;
 * paying an order by card (a hidden number, or # instead of the code): the fields counted, never
 * kept, each checked by the channel and re-asked three times at most. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "dialog/dialog_text.h"
#include "dialog/voice.h"
#include "dialog/voice_text.h"

static void expect_turn(const struct voice_turn *t, enum voice_action a, enum voice_prompt p)
{
    assert_int_equal(t->action, a);
    assert_int_equal(t->prompt, p);
}

static void keys(struct voice_call *v, const char *k, struct voice_turn *t)
{
    for (; *k != '\0'; k++) {
        voice_call_key(v, *k, t);
    }
}

static void test_menu(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_FR, false, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_key(&v, '7', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_INVALID);
    voice_call_key(&v, '*', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_key(&v, '9', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    assert_int_equal(v.lang, LANG_EN);
    assert_string_equal(voice_balance_keyword(v.lang), "BAL");
    voice_call_key(&v, '1', &t);
    expect_turn(&t, VOICE_ASK, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "BAL");
    voice_call_key(&v, '2', &t); /* waiting for the dialog: keys do nothing */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_answer(&v, VOICE_ANSWER_SAID, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    assert_int_equal(v.state, VOICE_MENU);
    voice_call_answer(&v, VOICE_ANSWER_SAID, &t); /* nothing asked: a stale answer */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_key(&v, '#', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_GOODBYE);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_HANGUP, VOICE_PROMPT_NONE);
}

static void test_send(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_FR, false, &t);
    voice_call_key(&v, '2', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_NUMBER);
    keys(&v, "061#", &t); /* too short */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_NUMBER);
    keys(&v, "0698*", &t); /* '*' starts the number again */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_NUMBER);
    keys(&v, "0698765432#", &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_AMOUNT);
    keys(&v, "1*2*3#", &t); /* two separators */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_AMOUNT);
    keys(&v, "1*234#", &t); /* three decimals */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_AMOUNT);
    keys(&v, "0*00#", &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_AMOUNT);
    keys(&v, "12*5#", &t);
    expect_turn(&t, VOICE_ASK, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "ENVOI 12,5 0698765432");
    assert_int_equal(v.amount_minor, 1250);
    assert_int_equal(v.nkeys, 0);
    voice_call_answer(&v, VOICE_ANSWER_CODE, &t); /* the read-back, then the code */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    assert_int_equal(v.state, VOICE_CODE);
    keys(&v, "12#", &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_CODE);
    keys(&v, "48392", &t);
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_key(&v, '0', &t); /* the sixth digit sends it */
    expect_turn(&t, VOICE_ASK, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "483920");
    assert_int_equal(v.after, VOICE_CODE);
    for (size_t i = 0; i < sizeof(v.keys); i++) {
        assert_int_equal(v.keys[i], 0); /* the code is not kept */
    }
    voice_call_answer(&v, VOICE_ANSWER_CODE, &t); /* a wrong code: the order still waits */
    assert_int_equal(v.state, VOICE_CODE);
    keys(&v, "483921", &t);
    voice_call_answer(&v, VOICE_ANSWER_SAID, &t); /* the receipt */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    assert_int_equal(v.state, VOICE_MENU);

    /* English: SEND, the decimal point, an amount started with '*'. */
    voice_call_start(&v, LANG_EN, false, &t);
    keys(&v, "20033612345678#*5#", &t);
    expect_turn(&t, VOICE_ASK, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "SEND 0.5 0033612345678");
    assert_int_equal(v.amount_minor, 50);
    voice_call_answer(&v, VOICE_ANSWER_FAILED, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_TROUBLE);
    assert_int_equal(v.state, VOICE_MENU);
    /* Too many digits are refused, never kept past the buffer. */
    keys(&v, "212345678901234567890#", &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_NUMBER);
    keys(&v, "0612345678#", &t);
    keys(&v, "12345678901234567890#", &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_AMOUNT);
}

static void test_give(void **state)
{
    const char *kw[] = {"TELETHON", "ACF"};
    struct voice_call v = {0};
    struct voice_turn t;
    char text[256];

    (void)state;
    voice_call_start(&v, LANG_FR, false, &t);
    voice_call_key(&v, '4', &t);
    expect_turn(&t, VOICE_CHARITIES, VOICE_PROMPT_NONE);
    voice_call_charities(&v, kw, 0, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_NO_CHARITY);
    voice_call_key(&v, '4', &t);
    voice_call_charities(&v, kw, 2, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    voice_call_key(&v, '3', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_INVALID);
    voice_call_key(&v, '2', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_AMOUNT);
    keys(&v, "5#", &t);
    expect_turn(&t, VOICE_ASK, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "DON 5 ACF");
    voice_charities_text(LANG_FR, (const char *[]){"Téléthon", "Action contre la faim"}, 2, text,
                         sizeof(text));
    assert_string_equal(text, "Pour Téléthon, tapez 1. Pour Action contre la faim, tapez 2. "
                              "Pour revenir, tapez dièse.");
    voice_charities_text(LANG_EN, kw, 1, text, 12); /* cut, terminated */
    assert_string_equal(text, "For TELETHO");
}

static void test_order(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;
    char text[256];
    int rc;

    (void)state;
    voice_call_start(&v, LANG_EN, false, &t);
    voice_call_key(&v, '3', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_REF);
    keys(&v, "12345#", &t); /* not 6 digits */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_NO_ORDER);
    keys(&v, "3123456#", &t);
    expect_turn(&t, VOICE_FIND_ORDER, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "123456");
    voice_call_answer(&v, VOICE_ANSWER_NOT_FOUND, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_NO_ORDER);
    keys(&v, "3654321#", &t);
    voice_call_answer(&v, VOICE_ANSWER_FOUND, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    keys(&v, "111111", &t);
    expect_turn(&t, VOICE_PAY_ORDER, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "111111");
    voice_call_answer(&v, VOICE_ANSWER_WRONG_CODE, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_WRONG_CODE);
    keys(&v, "222222", &t);
    expect_turn(&t, VOICE_PAY_ORDER, VOICE_PROMPT_NONE);
    voice_call_answer(&v, VOICE_ANSWER_OVER, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ORDER_OVER);
    assert_int_equal(v.state, VOICE_MENU);
    rc = voice_order_say(LANG_EN, "Zoe's", 2500, currency_find("EUR"), "A12", false, text,
                         sizeof(text));
    assert_int_equal(rc, (int)strlen(text));
    assert_string_equal(text, "Zoe's\nasks you for\ntwenty-five euros,\nreference\nA, 1, 2.\n"
                              "To pay, key your six-digit code.");
    /* A reference of words is read as written; a name cannot cut a piece in two. */
    voice_order_say(LANG_FR, "Chez\nZoé", 1, currency_find("EUR"), "mai 3!", false, text,
                    sizeof(text));
    assert_string_equal(text, "Chez Zoé\nvous demande\nun centime,\nréférence\nmai 3!.\n"
                              "Pour payer, tapez votre code à six chiffres.");
    assert_int_equal(voice_order_say(LANG_FR, "Zoé", 1, currency_find("EUR"), "1", false, text, 20),
                     -MDT_ERANGE);
    assert_string_equal(text, "");
    /* A hidden number has no code: no ask for one, the card's way to pay follows. */
    voice_order_say(LANG_EN, "Zoe", 100, currency_find("EUR"), "A1", true, text, sizeof(text));
    assert_null(strstr(text, "code"));
    assert_non_null(strstr(text, "asks you for\none euro"));
}

/* The dialog's reply: its template tmpl with value in place of its "%s". */
static void reply_of(const char *tmpl, const char *value, char *out, size_t cap)
{
    const char *mark = strstr(tmpl, "%s");

    assert_non_null(mark);
    snprintf(out, cap, "%.*s%s%s", (int)(mark - tmpl), tmpl, value, mark + 2);
}

/* The phone's own words for the balance and a transfer, amounts and numbers in words. */
static void test_spoken(void **state)
{
    const struct currency *eur = currency_find("EUR");
    char text[512], reply[256];

    (void)state;
    reply_of(dialog_text(TEXT_BALANCE, LANG_FR), "25,50 €", reply, sizeof(reply));
    assert_true(voice_balance_say(LANG_FR, reply, text, sizeof(text)) > 0);
    assert_string_equal(text, "Votre solde est de\nvingt-cinq euros et cinquante centimes.");
    reply_of(dialog_text(TEXT_BALANCE, LANG_EN), "€1,000.50", reply, sizeof(reply));
    assert_true(voice_balance_say(LANG_EN, reply, text, sizeof(text)) > 0);
    assert_string_equal(text, "Your balance is\none thousand euros and fifty cents.");
    /* Any other reply (a wallet missing, a lock) is not a balance: said as written. */
    assert_int_equal(voice_balance_say(LANG_FR, "Solde : beaucoup", text, sizeof(text)),
                     -MDT_EPARSE);
    /* A wallet in French on a call switched to English: the French reply, said in English. */
    reply_of(dialog_text(TEXT_BALANCE, LANG_FR), "3,00 €", reply, sizeof(reply));
    assert_true(voice_balance_say(LANG_EN, reply, text, sizeof(text)) > 0);
    assert_string_equal(text, "Your balance is\nthree euros.");
    snprintf(reply, sizeof(reply),
             "Envoyer 12,50 € à +33 6 98 .. .. 32 ? Répondez avec votre "
             "code sous 5 min. Ref K7Q2");
    assert_true(
        voice_send_say(LANG_FR, reply, 1250, eur, "+33698123432", NULL, text, sizeof(text)) > 0);
    assert_string_equal(text, "Envoyer\ndouze euros et cinquante centimes\nau\nzéro six, "
                              "quatre-vingt-dix-huit, douze, trente-quatre, trente-deux ?\n"
                              "Tapez votre code à six chiffres.");
    /* The reply may be the buffer written (the call's one buffer of words). */
    snprintf(text, sizeof(text),
             "Give €5.00 to Red Cross? Reply with your code within 5 min. "
             "Ref K7Q2");
    assert_true(voice_send_say(LANG_EN, text, 500, eur, NULL, "Red Cross", text, sizeof(text)) > 0);
    assert_string_equal(text, "Give\nfive euros\nto\nRed Cross?\nKey your six-digit code.");
    assert_int_equal(voice_send_say(LANG_FR, reply, 500, eur, "0698", NULL, text, sizeof(text)),
                     -MDT_EPARSE);
    /* A payee without a wallet: the SMS says the money waits for them; the call says it too. */
    snprintf(reply, sizeof(reply),
             "Envoyer 20,00 € à +33 6 98 .. .. 32 (sans compte : gardé 7 "
             "jours pour lui, sinon rendu) ? Répondez avec votre code sous "
             "5 min. Ref K7Q2");
    assert_int_equal(
        voice_send_say(LANG_FR, reply, 2000, eur, "+33698123432", NULL, text, sizeof(text)),
        -MDT_EPARSE);
    assert_int_equal(voice_send_say(LANG_FR, "Solde insuffisant.", 2000, eur, "+33698123432", NULL,
                                    text, sizeof(text)),
                     -MDT_EPARSE);
}

/* A code's results in the phone's words: read off the dialog's reply in either language, said
 * in the call's, amounts in words; a reply of another shape stays the SMS text. */
static void test_results(void **state)
{
    const struct currency *eur = currency_find("EUR");
    char text[512];

    (void)state;
    assert_int_equal(voice_code_result("Envoyé : 7,00 € à +33 6 98 .. .. 32. Nouveau solde : "
                                       "93,00 €."),
                     VOICE_RESULT_SENT);
    assert_int_equal(voice_code_result("Thank you! €5.00 given to Téléthon. New balance: €88.00."),
                     VOICE_RESULT_GIVEN);
    assert_int_equal(voice_code_result("Code incorrect. Encore 4 essai(s), ou ANNULER."),
                     VOICE_RESULT_WRONG_CODE);
    assert_int_equal(voice_code_result("5 wrong codes: order cancelled, code locked for 15 min."),
                     VOICE_RESULT_LOCKED);
    /* Held for a payee without a wallet: its SMS says more than the phone's words would. */
    assert_int_equal(voice_code_result("Envoyé : 7,00 € à +33 6 98 .. .. 32, gardé 7 jours le "
                                       "temps de son inscription. Nouveau solde : 93,00 €."),
                     -MDT_EPARSE);
    assert_int_equal(voice_code_result("Solde insuffisant."), -MDT_EPARSE);
    assert_int_equal(voice_code_result(NULL), -MDT_EINVAL);

    /* A French wallet's receipt said on a call switched to English (9). */
    assert_true(voice_result_say(LANG_EN, VOICE_RESULT_SENT, 700, eur, "+33698123432", text,
                                 sizeof(text)) > 0);
    assert_non_null(strstr(text, "Sent:\nseven euros\nto\n"));
    assert_non_null(strstr(text, ".\nThe receipt is on its way by text message."));
    assert_true(voice_result_say(LANG_FR, VOICE_RESULT_SENT, 700, eur, "+33698123432", text,
                                 sizeof(text)) > 0);
    assert_string_equal(text, "C'est envoyé :\nsept euros\nau\nzéro six, quatre-vingt-dix-huit, "
                              "douze, trente-quatre, trente-deux.\nLe reçu vous est envoyé par "
                              "SMS.");
    assert_true(voice_result_say(LANG_FR, VOICE_RESULT_PAID, 2550, eur, "Boutique Zoé", text,
                                 sizeof(text)) > 0);
    assert_string_equal(text, "C'est payé :\nvingt-cinq euros et cinquante centimes\nà\n"
                              "Boutique Zoé.\nLe reçu vous est envoyé par SMS.");
    assert_true(voice_result_say(LANG_FR, VOICE_RESULT_GIVEN, 500, eur, "Téléthon", text,
                                 sizeof(text)) > 0);
    assert_string_equal(text, "Merci ! Votre don de\ncinq euros\nà\nTéléthon\nest fait.");
    assert_true(
        voice_result_say(LANG_EN, VOICE_RESULT_WRONG_CODE, 0, NULL, NULL, text, sizeof(text)) > 0);
    assert_string_equal(text, "Wrong code.");
    assert_true(voice_result_say(LANG_FR, VOICE_RESULT_LOCKED, 0, NULL, NULL, text, sizeof(text)) >
                0);
    assert_non_null(strstr(text, "code est bloqué"));
    assert_true(voice_result_say(LANG_EN, VOICE_RESULT_REFUSED, 0, NULL, NULL, text, sizeof(text)) >
                0);
    assert_non_null(strstr(text, "nothing was taken"));
    /* A merchant's name holding the piece separator does not cut a piece in two. */
    assert_true(voice_result_say(LANG_EN, VOICE_RESULT_PAID, 100, eur, "A\nB", text, sizeof(text)) >
                0);
    assert_string_equal(text, "Paid:\none euro\nto\nA B.\nThe receipt is on its way by text "
                              "message.");
    assert_int_equal(
        voice_result_say(LANG_EN, VOICE_RESULT_PAID, 100, eur, NULL, text, sizeof(text)),
        -MDT_EINVAL);
    assert_int_equal(
        voice_result_say(LANG_EN, VOICE_RESULT_COUNT_, 100, eur, "x", text, sizeof(text)),
        -MDT_EINVAL);
    assert_int_equal(voice_result_say(LANG_EN, VOICE_RESULT_PAID, 100, eur, "Zoé", text, 8),
                     -MDT_ERANGE);
    assert_string_equal(text, "");
    assert_string_equal(voice_result_name(VOICE_RESULT_WRONG_CODE), "wrong_code");
    assert_string_equal(voice_result_name(VOICE_RESULT_COUNT_), "?");
}

static void test_entry_silences(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_FR, false, &t);
    keys(&v, "2061", &t);
    voice_call_silence(&v, &t); /* the question again, the entry cleared */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_NUMBER);
    assert_int_equal(v.nkeys, 0);
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_NUMBER);
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_GOODBYE);
    voice_call_start(&v, LANG_FR, false, &t);
    voice_call_key(&v, '4', &t);
    const char *kw[] = {"ACF"};
    voice_call_charities(&v, kw, 1, &t);
    voice_call_silence(&v, &t); /* the list again, asked of the channel */
    expect_turn(&t, VOICE_CHARITIES, VOICE_PROMPT_NONE);
    for (int p = 0; p < VOICE_PROMPT_COUNT_; p++) {
        assert_string_not_equal(voice_prompt_name((enum voice_prompt)p), "?");
        assert_non_null(voice_prompt_name((enum voice_prompt)p));
    }
    assert_string_equal(voice_prompt_name(VOICE_PROMPT_COUNT_), "?");
}

static void test_silences(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_EN, false, &t);
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_key(&v, '7', &t); /* a key resets the count */
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_GOODBYE);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_HANGUP, VOICE_PROMPT_NONE);
}

static void test_anonymous_and_texts(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_FR, true, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ANON_MENU); /* no menu: an order's reference */
    assert_int_equal(v.state, VOICE_REF);
    voice_call_key(&v, '1', &t); /* a digit of the reference, not "balance" */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    for (int p = VOICE_PROMPT_MENU; p < VOICE_PROMPT_COUNT_; p++) {
        if (p != VOICE_PROMPT_SAY) {
            assert_true(strlen(voice_prompt_text((enum voice_prompt)p, LANG_FR)) > 0);
            assert_true(strlen(voice_prompt_text((enum voice_prompt)p, LANG_EN)) > 0);
        }
    }
    assert_non_null(strstr(voice_prompt_text(VOICE_PROMPT_MENU, LANG_FR), "tapez 1"));
    assert_string_equal(voice_prompt_text(VOICE_PROMPT_COUNT_, LANG_FR), "");
}

/* The card's fields as the channel sees them: keys to keep, then a check. */
static void card_field(struct voice_call *v, const char *k, struct voice_turn *t,
                       enum voice_action last)
{
    for (; *k != '\0'; k++) {
        voice_call_key(v, *k, t);
        if (k[1] != '\0') {
            expect_turn(t, VOICE_CARD_KEY, VOICE_PROMPT_NONE);
            assert_int_equal(t->text[0], *k); /* the channel's to keep, not the menu's */
        }
    }
    expect_turn(t, last, VOICE_PROMPT_NONE);
}

/* A hidden number pays an order by card: the reference (three guesses at most), the read-back,
 * the number (re-asked on a bad one), the expiry at its fourth digit, the security code, then
 * the payment asked; its words end the call. No card digit stays in the menu's memory. */
static void test_card_anonymous(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_EN, true, &t);
    keys(&v, "123#", &t); /* too short: one guess */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_NO_ORDER);
    assert_int_equal(v.state, VOICE_REF);
    keys(&v, "123456#", &t);
    expect_turn(&t, VOICE_FIND_ORDER, VOICE_PROMPT_NONE);
    assert_string_equal(t.text, "123456");
    voice_call_answer(&v, VOICE_ANSWER_FOUND, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    assert_true(t.card_reset);
    assert_int_equal(v.state, VOICE_CARD_PAN);
    card_field(&v, "4111111111111112#", &t, VOICE_CARD_CHECK);
    assert_int_equal(t.text[0], '\0'); /* '#' adds nothing */
    voice_call_card(&v, false, &t);    /* Luhn: asked again */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_PAN);
    assert_true(t.card_reset);
    voice_call_key(&v, '4', &t);
    voice_call_key(&v, '*', &t); /* starts the number again */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_PAN);
    assert_true(t.card_reset);
    card_field(&v, "4111111111111111#", &t, VOICE_CARD_CHECK);
    voice_call_card(&v, true, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_EXPIRY);
    card_field(&v, "1230", &t, VOICE_CARD_CHECK); /* the fourth digit checks */
    assert_int_equal(t.text[0], '0');
    voice_call_card(&v, true, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_CVV);
    voice_call_key(&v, 'A', &t); /* not a digit: nothing kept */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    card_field(&v, "123#", &t, VOICE_CARD_CHECK);
    voice_call_card(&v, true, &t);
    expect_turn(&t, VOICE_CARD_PAY, VOICE_PROMPT_NONE);
    assert_true(t.card_reset);
    for (size_t i = 0; i < sizeof(v.keys); i++) {
        assert_int_equal(v.keys[i], 0);
    }
    voice_call_key(&v, '5', &t); /* waiting for the acquirer: keys do nothing */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_answer(&v, VOICE_ANSWER_SAID, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_HANGUP, VOICE_PROMPT_NONE);
}

/* Three bad fields in a row, or three wrong references from a hidden number: goodbye. */
static void test_card_tries(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_FR, true, &t);
    keys(&v, "111111#", &t);
    voice_call_answer(&v, VOICE_ANSWER_NOT_FOUND, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_NO_ORDER);
    keys(&v, "222222#", &t);
    voice_call_answer(&v, VOICE_ANSWER_NOT_FOUND, &t);
    keys(&v, "333333#", &t);
    voice_call_answer(&v, VOICE_ANSWER_NOT_FOUND, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_TOO_MANY);
    assert_int_equal(v.state, VOICE_LEAVING);

    voice_call_start(&v, LANG_FR, true, &t);
    keys(&v, "123456#", &t);
    voice_call_answer(&v, VOICE_ANSWER_FOUND, &t);
    card_field(&v, "4111111111111111#", &t, VOICE_CARD_CHECK);
    voice_call_card(&v, true, &t);
    for (int i = 0; i < VOICE_TRIES_MAX - 1; i++) {
        card_field(&v, "0199", &t, VOICE_CARD_CHECK);
        voice_call_card(&v, false, &t);
        expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BAD_EXPIRY);
        assert_int_equal(v.state, VOICE_CARD_EXPIRY);
    }
    voice_call_silence(&v, &t); /* asked again, the field wiped */
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_EXPIRY);
    assert_true(t.card_reset);
    card_field(&v, "0199", &t, VOICE_CARD_CHECK);
    voice_call_card(&v, false, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_TOO_MANY);
    voice_call_card(&v, true, &t); /* a stale check */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
}

/* A wallet caller hears the order and may key the code, or '#' alone to pay by card; a card
 * payment's answer brings the menu back. */
static void test_card_wallet(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;
    char text[128];

    (void)state;
    voice_call_start(&v, LANG_FR, false, &t);
    keys(&v, "3123456#", &t);
    voice_call_answer(&v, VOICE_ANSWER_FOUND, &t);
    assert_int_equal(v.state, VOICE_ORDER_CODE);
    voice_call_key(&v, '#', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ASK_PAN);
    card_field(&v, "4111111111111111#", &t, VOICE_CARD_CHECK);
    voice_call_card(&v, true, &t);
    card_field(&v, "1230", &t, VOICE_CARD_CHECK);
    voice_call_card(&v, true, &t);
    card_field(&v, "1234", &t, VOICE_CARD_CHECK); /* four digits: checked at the fourth */
    voice_call_card(&v, true, &t);
    expect_turn(&t, VOICE_CARD_PAY, VOICE_PROMPT_NONE);
    voice_call_answer(&v, VOICE_ANSWER_SAID, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_SAY);
    assert_int_equal(v.state, VOICE_MENU);
    voice_order_card_text(LANG_FR, false, text, sizeof(text));
    assert_non_null(strstr(text, "dièse"));
    voice_order_card_text(LANG_EN, true, text, sizeof(text));
    assert_non_null(strstr(text, "card number"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_menu),           cmocka_unit_test(test_send),
        cmocka_unit_test(test_give),           cmocka_unit_test(test_order),
        cmocka_unit_test(test_spoken),         cmocka_unit_test(test_entry_silences),
        cmocka_unit_test(test_silences),       cmocka_unit_test(test_anonymous_and_texts),
        cmocka_unit_test(test_card_anonymous), cmocka_unit_test(test_card_tries),
        cmocka_unit_test(test_card_wallet),    cmocka_unit_test(test_results),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
