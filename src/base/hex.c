/* SPDX-License-Identifier: Apache-2.0 */
/* Hexadecimal digits both ways, without printf (hashes are written on hot paths). */
#include "base/hex.h"

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * len] = '\0';
}

int hex_decode(const char *text, uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hex_digit(text[2 * i]), lo = hi < 0 ? -1 : hex_digit(text[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return text[2 * len] == '\0' ? 0 : -1;
}
