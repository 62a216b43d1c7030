/* SPDX-License-Identifier: Apache-2.0 */
/* Hexadecimal digits: the one reader and writer of hex text (ids, keys, hashes, tokens). */
#ifndef MDT_BASE_HEX_H
#define MDT_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1 when c is not one. */
int hex_digit(char c);

/* Write 2 * len lowercase hex digits of bytes and a NUL into out (2 * len + 1 bytes). */
void hex_encode(const uint8_t *bytes, size_t len, char *out);

/* Read exactly 2 * len hex digits from text into bytes; text must end there (NUL). 0, or -1 when
 * it is not that (bytes then holds garbage the caller wipes if it was secret). */
int hex_decode(const char *text, uint8_t *bytes, size_t len);

#endif
