/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for dialog/speak: random amounts, currencies, languages, dates, buffer sizes
 * and texts. Every call either writes a text that fits its buffer exactly as its return says,
 * or fails with one of the documented codes and an empty buffer; nothing is written past the
 * buffer. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialog/speak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 16
#define TEXT_MAX 64

static const char *const codes[] = {"EUR", "USD", "GBP", "JPY", "CHF",
                                    "XOF", "XAF", "MAD", "TND", "DZD"};

/* The result of one call: rc and buf must agree, and the guard after cap be untouched. */
static void check(int rc, const char *buf, size_t cap, int may_parse)
{
    if (rc >= 0) {
        if ((size_t)rc >= cap || strlen(buf) != (size_t)rc) {
            abort();
        }
    } else {
        if (buf[0] != '\0' ||
            (rc != MDT_E(RANGE) && rc != MDT_E(INVAL) && !(may_parse && rc == MDT_E(PARSE)))) {
            abort();
        }
    }
    for (size_t i = 0; i < GUARD; i++) {
        if (buf[cap + i] != '#') {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[SPEAK_TEXT_MAX + GUARD], text[TEXT_MAX + 1];
    int64_t amount = 0;
    size_t cap, tlen;
    enum lang lang;
    const struct currency *cur;
    int rc;

    if (size < 12) {
        return 0;
    }
    memcpy(&amount, data, sizeof(amount));
    cur = currency_find(codes[data[8] % 10]);
    lang = (enum lang)(data[9] % 3); /* 2 is not a language: -MDT_EINVAL */
    cap = 1 + ((size_t)data[10] << 8 | data[11]) % SPEAK_TEXT_MAX;
    tlen = size - 12 < TEXT_MAX ? size - 12 : TEXT_MAX;
    memcpy(text, data + 12, tlen);
    text[tlen] = '\0';

    memset(buf, '#', sizeof(buf));
    rc = speak_amount(amount, cur, lang, buf, cap, NULL);
    check(rc, buf, cap, 0);
    /* With a whole buffer, every amount in every currency is spoken. */
    if (lang != 2 && speak_amount(amount, cur, lang, buf, SPEAK_TEXT_MAX, NULL) <= 0) {
        abort();
    }
    memset(buf, '#', sizeof(buf));
    check(speak_number(amount, lang, buf, cap, NULL), buf, cap, 0);
    memset(buf, '#', sizeof(buf));
    check(speak_date((int)(amount % 10001), (int)((amount >> 16) % 14), (int)((amount >> 24) % 33),
                     lang, buf, cap, NULL),
          buf, cap, 0);
    memset(buf, '#', sizeof(buf));
    check(speak_reference(text, lang, buf, cap, NULL), buf, cap, 1);
    memset(buf, '#', sizeof(buf));
    check(speak_phone(text, lang, buf, cap, NULL), buf, cap, 1);
    return 0;
}
