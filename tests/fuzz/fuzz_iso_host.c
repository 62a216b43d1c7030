/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for what the ISO 8583 host reads as text (issue 15): an exchange rate as the
 * operator writes it (mandat rates set), an ISO 4217 numeric currency code (fields 49 and 51),
 * and the retransmission and original keys built from fields that come from the switch. A rate
 * read is positive and within its bound; a key is always NUL-terminated within its size. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialog/iso_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TEXT_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[FUZZ_TEXT_MAX + 1], key[STORE_ISO_KEY_MAX], orig[STORE_ISO_ORIG_MAX];
    const struct currency *c;
    int64_t rate = 0;

    if (size > FUZZ_TEXT_MAX) {
        size = FUZZ_TEXT_MAX;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (iso_host_rate_parse(text, &rate) == 0 && (rate <= 0 || rate > 1000000000LL * 1000000)) {
        abort();
    }
    c = iso_host_currency_numeric(text);
    if (c != NULL && (strlen(text) != 3 || c->numeric != (unsigned)atoi(text))) {
        abort();
    }
    iso_host_key(text, text, text, text, text, text, key);
    iso_host_orig(text, text, text, orig);
    if (memchr(key, '\0', sizeof(key)) == NULL || memchr(orig, '\0', sizeof(orig)) == NULL) {
        abort();
    }
    return 0;
}
