/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the phone menu (dialog/voice.c), the one place that reads what callers
 * key: each input byte is an event (a key of the keypad, or any other byte: an answer of the
 * dialog, a prompt's end, a silence, the list of associations, a new call). Every turn must be
 * one the channel knows, its text NUL-terminated, a code sent exactly 6 digits and an order's
 * command one of ENVOI/SEND/DON/GIVE; the state stays in range. The card states too (a hidden
 * number's call, a check of a card field answered either way): a card key carries exactly the
 * one digit pressed, the menu's own memory never holds a digit of a card field, and a card
 * payment is asked only after the number, the expiry and the code were each checked. The same
 * bytes are also read as a reply of the dialog to be said on a call (dialog/voice_reply.c, which
 * matches it against every SMS template and reads its arguments back): its words are
 * NUL-terminated within their buffer and as long as said, or "" with an error. Aborts
 * otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"
#include "dialog/voice.h"
#include "dialog/voice_reply.h"

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

static bool card_state(enum voice_state s)
{
    return s == VOICE_CARD_PAN || s == VOICE_CARD_EXPIRY || s == VOICE_CARD_CVV;
}

static void check(const struct voice_call *v, enum voice_state before, const struct voice_turn *t,
                  uint8_t *checked)
{
    if (card_state(v->state) || card_state(before)) {
        for (size_t i = 0; i < sizeof(v->keys); i++) {
            if (v->keys[i] != '\0') {
                abort(); /* a card's digit in the menu's memory */
            }
        }
    }
    if (t->action == VOICE_CARD_KEY && (!card_state(before) || !digits(t->text, 1))) {
        abort();
    }
    if (t->action == VOICE_CARD_CHECK &&
        (!card_state(before) || (t->text[0] != '\0' && !digits(t->text, 1)))) {
        abort();
    }
    if (t->action == VOICE_CARD_PAY && (before != VOICE_CARD_CVV || *checked != 3)) {
        abort();
    }
    if ((unsigned)v->state >= VOICE_STATE_COUNT_ || (unsigned)t->prompt >= VOICE_PROMPT_COUNT_ ||
        (unsigned)t->action >= VOICE_ACTION_COUNT_ ||
        memchr(t->text, '\0', sizeof(t->text)) == NULL || v->ncharities > VOICE_CHARITIES_MAX) {
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

/* The input as a reply (cut to a reply's size), said in both languages. */
static void reply_check(const uint8_t *data, size_t size)
{
    char reply[1024], out[1024];
    size_t n = size < sizeof(reply) - 1 ? size : sizeof(reply) - 1;

    memcpy(reply, data, n);
    reply[n] = '\0';
    for (int l = 0; l < 2; l++) {
        bool sms = false;
        int rc = voice_reply_say((enum lang)l, reply, currency_find("EUR"), out, sizeof(out), &sms);

        if (memchr(out, '\0', sizeof(out)) == NULL || (rc >= 0 && strlen(out) != (size_t)rc) ||
            (rc < 0 && out[0] != '\0')) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kw[] = {"TELETHON", "ACF", "RESTOS"};
    struct voice_call v;
    struct voice_turn t;

    uint8_t checked = 0; /* card fields checked good, in order: number, expiry, code */

    reply_check(data, size);

    voice_call_start(&v, LANG_FR, size > 0 && data[0] == 13, &t);
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
        } else if (b == 12 || b == 13) {
            voice_call_start(&v, (enum lang)(i & 1), b == 13, &t);
            checked = 0;
        } else if (b == 14 || b == 15) {
            /* The channel's check of the field keyed: good (14) or bad (15). checked counts
             * the fields passed in order; a bad one keeps those before it. */
            uint8_t field = v.state == VOICE_CARD_PAN ? 0 : v.state == VOICE_CARD_EXPIRY ? 1 : 2;

            if (b == 14 && card_state(v.state)) {
                checked = checked == field ? (uint8_t)(field + 1) : 0;
            }
            voice_call_card(&v, b == 14, &t);
        } else {
            continue;
        }
        if (!card_state(v.state) && t.action != VOICE_CARD_PAY) {
            checked = card_state(before) && v.state == VOICE_ASKING ? checked : 0;
        }
        check(&v, before, &t, &checked);
        if (t.action == VOICE_CARD_PAY) {
            checked = 0;
        }
    }
    return 0;
}
