/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for money_parse: arbitrary bytes in both languages must either fail with a
 * message or give an amount that formats and parses back to itself. Aborts on any mismatch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer than money_parse's 64-byte limit, so that the "too long" path is fuzzed as well. */
#define FUZZ_TEXT_MAX 256

static const char *const fallback_codes[] = {"EUR", "JPY", "XAF", "TND", "USD"};

/* Parse text written by money_format or money_format_plain and require the same amount. */
static void check_back(const char *text, enum lang lang, const struct currency *fallback,
                       int64_t want, const struct currency *want_cur)
{
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t back = -1;

    if (money_parse(text, lang, fallback, &back, &cur, &err) != 0 || back != want ||
        cur != want_cur) {
        abort();
    }
}

static void check_lang(const char *text, enum lang lang, const struct currency *fallback)
{
    char buf[MONEY_FORMAT_MAX];
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t amount = -1;
    int rc = money_parse(text, lang, fallback, &amount, &cur, &err);

    if (rc != 0) {
        /* Every refusal is a parse or range error with a bounded message for people. */
        if ((rc != MDT_E(PARSE) && rc != MDT_E(RANGE)) || err.code != rc || err.msg[0] == '\0' ||
            strlen(err.msg) > 200 || cur != NULL || amount != -1) {
            abort();
        }
        return;
    }
    if (amount < 0 || cur == NULL) {
        abort();
    }
    for (int out = LANG_FR; out <= LANG_EN; out++) {
        if (money_format(amount, cur, (enum lang)out, buf, sizeof(buf)) <= 0) {
            abort();
        }
        check_back(buf, (enum lang)out, fallback, amount, cur);
    }
    if (money_format_plain(amount, cur, buf, sizeof(buf)) <= 0) {
        abort();
    }
    check_back(buf, LANG_EN, cur, amount, cur);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[FUZZ_TEXT_MAX + 1];
    const struct currency *fallback;

    if (size > FUZZ_TEXT_MAX) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    fallback =
        currency_find(fallback_codes[size % (sizeof(fallback_codes) / sizeof(fallback_codes[0]))]);
    if (fallback == NULL) {
        abort();
    }
    check_lang(text, LANG_FR, fallback);
    check_lang(text, LANG_EN, fallback);
    return 0;
}
