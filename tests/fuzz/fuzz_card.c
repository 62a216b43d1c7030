/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the card input parsers (issue 13): arbitrary bytes as a card number, an
 * expiry date and a security code must fail with a message that quotes no digit run of the
 * input, or give digits that pass their own checks; a card PIN judged good (issue 15) is 4 digits
 * and none of the weak ones. Aborts on any mismatch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialog/card_input.h"
#include "dialog/card_pin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TEXT_MAX 128 /* past CARD_TEXT_MAX, so that the length bound is fuzzed too */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[FUZZ_TEXT_MAX + 1], pan[CARD_PAN_MAX + 1], cvv[CARD_CVV_MAX + 1];
    struct mdt_err err = {0};
    unsigned m = 0, y = 0;

    if (size > FUZZ_TEXT_MAX) {
        size = FUZZ_TEXT_MAX;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (card_pan_parse(text, pan, &err) == 0) {
        size_t n = strlen(pan);

        if (n < CARD_PAN_MIN || n > CARD_PAN_MAX || strspn(pan, "0123456789") != n ||
            !card_luhn_valid(pan)) {
            abort();
        }
    } else if (pan[0] != '\0' || err.msg[0] == '\0' || strstr(err.msg, "0000") != NULL) {
        abort(); /* wiped, explained, and no digits of the input in the message */
    }
    if (card_pin_weakness(text) == CARD_PIN_OK &&
        (strlen(text) != CARD_PIN_DIGITS || strspn(text, "0123456789") != CARD_PIN_DIGITS ||
         (text[0] == text[1] && text[1] == text[2] && text[2] == text[3]) ||
         strcmp(text, "1234") == 0 || (text[0] == text[2] && text[1] == text[3]))) {
        abort(); /* a PIN judged good is 4 digits, not one digit, no run, no repeated pair */
    }
    if (card_expiry_parse(text, &m, &y, &err) == 0 && (m < 1 || m > 12 || y < 2000 || y > 2099)) {
        abort();
    }
    if (card_cvv_parse(text, cvv, &err) == 0 && (strlen(cvv) < 3 || strlen(cvv) > CARD_CVV_MAX ||
                                                 strspn(cvv, "0123456789") != strlen(cvv))) {
        abort();
    }
    return 0;
}
