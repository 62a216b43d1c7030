/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the phone menu (dialog/voice.c), the one place that reads what callers
 * key: each input byte is an event (a key of the keypad, or any other byte: an answer of the
 * dialog, a prompt's end, a silence, the list of associations, a new call). Every turn must be
 * one the channel knows, its text NUL-terminated, a code sent exactly 6 digits and an order's
 * command one of ENVOI/SEND/DON/GIVE; the state stays in range. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialog/voice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool digits(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') {
            return false;
        }
    }
    return t[n] == '\0';
}

static void check(const struct voice_call *v, enum voice_state before, const struct voice_turn *t)
{
    if ((unsigned)v->state >= VOICE_STATE_COUNT_ || (unsigned)t->prompt >= VOICE_PROMPT_COUNT_ ||
        (unsigned)t->action > VOICE_HANGUP || memchr(t->text, '\0', sizeof(t->text)) == NULL ||
        v->ncharities > VOICE_CHARITIES_MAX) {
        abort();
    }
    if (t->action == VOICE_PLAY && t->prompt == VOICE_PROMPT_NONE) {
        abort();
    }
    if ((t->action == VOICE_PAY_ORDER || (t->action == VOICE_ASK && before == VOICE_CODE)) &&
        !digits(t->text, VOICE_CODE_DIGITS)) {
        abort();
    }
    if (t->action == VOICE_FIND_ORDER && !digits(t->text, VOICE_REF_DIGITS)) {
        abort();
    }
    if (t->action == VOICE_ASK && before == VOICE_AMOUNT && strncmp(t->text, "ENVOI ", 6) != 0 &&
        strncmp(t->text, "SEND ", 5) != 0 && strncmp(t->text, "DON ", 4) != 0 &&
        strncmp(t->text, "GIVE ", 5) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kw[] = {"TELETHON", "ACF", "RESTOS"};
    struct voice_call v;
    struct voice_turn t;

    voice_call_start(&v, LANG_FR, false, &t);
    for (size_t i = 0; i < size; i++) {
        enum voice_state before = v.state;
        uint8_t b = data[i];

        if (strchr("0123456789*#ABCD", b) != NULL && b != 0) {
            voice_call_key(&v, (char)b, &t);
        } else if (b < 8) {
            voice_call_answer(&v, (enum voice_answer)b, &t);
        } else if (b == 8) {
            voice_call_played(&v, &t);
        } else if (b == 9) {
            voice_call_silence(&v, &t);
        } else if (b == 10 || b == 11) {
            voice_call_charities(&v, kw, b == 10 ? 3 : 0, &t);
        } else if (b == 12) {
            voice_call_start(&v, (enum lang)(i & 1), false, &t);
        } else {
            continue;
        }
        check(&v, before, &t);
    }
    return 0;
}
