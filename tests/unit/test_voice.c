/* SPDX-License-Identifier: Apache-2.0 */
/* The phone menu's state machine (dialog/voice.c): each key's turn, barge-in waiting for the
 * balance, '*' repeats, 9 changes the language, silences re-prompt twice then say goodbye and
 * hang up, a hidden number hears why and is hung up on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/voice.h"

static void expect_turn(const struct voice_turn *t, enum voice_action a, enum voice_prompt p)
{
    assert_int_equal(t->action, a);
    assert_int_equal(t->prompt, p);
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
    voice_call_key(&v, '2', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_NOT_BUILT);
    voice_call_key(&v, '*', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_key(&v, '9', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    assert_int_equal(v.lang, LANG_EN);
    assert_string_equal(voice_balance_keyword(v.lang), "BAL");
    voice_call_key(&v, '1', &t);
    expect_turn(&t, VOICE_ASK_BALANCE, VOICE_PROMPT_NONE);
    voice_call_key(&v, '2', &t); /* waiting for the dialog: keys do nothing */
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_balance(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_BALANCE);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_key(&v, '#', &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_GOODBYE);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_HANGUP, VOICE_PROMPT_NONE);
}

static void test_silences(void **state)
{
    struct voice_call v = {0};
    struct voice_turn t;

    (void)state;
    voice_call_start(&v, LANG_EN, false, &t);
    voice_call_silence(&v, &t);
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_MENU);
    voice_call_key(&v, '4', &t); /* a key resets the count */
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
    expect_turn(&t, VOICE_PLAY, VOICE_PROMPT_ANONYMOUS);
    voice_call_key(&v, '1', &t);
    expect_turn(&t, VOICE_NONE, VOICE_PROMPT_NONE);
    voice_call_played(&v, &t);
    expect_turn(&t, VOICE_HANGUP, VOICE_PROMPT_NONE);
    for (int p = VOICE_PROMPT_MENU; p < VOICE_PROMPT_COUNT_; p++) {
        if (p != VOICE_PROMPT_BALANCE) {
            assert_true(strlen(voice_prompt_text((enum voice_prompt)p, LANG_FR)) > 0);
            assert_true(strlen(voice_prompt_text((enum voice_prompt)p, LANG_EN)) > 0);
        }
    }
    assert_non_null(strstr(voice_prompt_text(VOICE_PROMPT_MENU, LANG_FR), "tapez 1"));
    assert_string_equal(voice_prompt_text(VOICE_PROMPT_COUNT_, LANG_FR), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_menu),
        cmocka_unit_test(test_silences),
        cmocka_unit_test(test_anonymous_and_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
