/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for vault/pin_block: any 8 or 16 bytes with any PAN text decrypt under fixed
 * TDES and AES keys to a PIN of 4 to 12 digits, or are refused with a message and the PIN buffer
 * wiped. Aborts on any mismatch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/pin_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static void check_one(const struct pin_zpk *k, const uint8_t *data, size_t size)
{
    size_t blen = pin_zpk_block_len(k);
    char pan[24] = {0};
    char pin[PIN_BLOCK_PIN_MAX + 1];
    struct mdt_err err = {0};
    size_t plen = size > blen ? size - blen : 0;
    int rc;

    if (size < blen) {
        check(pin_block_decrypt(k, data, size, "4111111111111111", pin, &err) == MDT_E(INVAL));
        return;
    }
    memcpy(pan, data + blen, plen < sizeof(pan) - 1 ? plen : sizeof(pan) - 1);
    rc = pin_block_decrypt(k, data, blen, pan, pin, &err);
    if (rc == 0) {
        size_t n = strlen(pin);

        check(n >= PIN_BLOCK_PIN_MIN && n <= PIN_BLOCK_PIN_MAX);
        check(strspn(pin, "0123456789") == n);
    } else {
        check((rc == MDT_E(INVAL) || rc == MDT_E(CORRUPT)) && err.msg[0] != '\0');
        for (size_t i = 0; i < sizeof(pin); i++) {
            check(pin[i] == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pin_zpk *tdes, *aes;
    struct mdt_err err = {0};

    if (tdes == NULL) {
        check(pin_zpk_from_hex(PIN_ZPK_TDES2, "0123456789ABCDEFFEDCBA9876543210", &tdes, &err) ==
              0);
        check(pin_zpk_from_hex(PIN_ZPK_AES128, "2b7e151628aed2a6abf7158809cf4f3c", &aes, &err) ==
              0);
    }
    check_one(tdes, data, size);
    check_one(aes, data, size);
    /* The standard example's PAN after any block. */
    if (size >= 8) {
        char pin[PIN_BLOCK_PIN_MAX + 1];
        int rc = pin_block_decrypt(tdes, data, 8, "4111111111111111", pin, &err);

        check(rc == 0 || rc == MDT_E(CORRUPT));
    }
    return 0;
}
