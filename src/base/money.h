/* SPDX-License-Identifier: Apache-2.0 */
/* Money: ISO 4217 currencies, amounts as int64 minor units, parsing what people type and
 * formatting per language. No floating point anywhere; overflow is an error, never a wrap. */
#ifndef MDT_BASE_MONEY_H
#define MDT_BASE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* An ISO 4217 currency: alphabetic code, numeric code, exponent (digits after the decimal
 * separator: EUR 2, JPY 0, XOF 0), and the symbol people write, if it has one. */
struct currency {
    char code[4];       /* "EUR", NUL-terminated */
    uint16_t numeric;   /* 978 */
    uint8_t exponent;   /* 2 */
    const char *symbol; /* "€", or NULL when people write the code */
};

/* Languages mandat speaks; they decide separators and symbol placement. */
enum lang {
    LANG_FR = 0,
    LANG_EN = 1,
};

/* The currency with this alphabetic code (case-insensitive), or NULL. Static storage. */
const struct currency *currency_find(const char *code);

/* The currency whose symbol is sym ("€", "$", "£"), or NULL. Static storage. */
const struct currency *currency_find_symbol(const char *sym);

/* Parse an amount as typed by a person: "10", "10,5", "10,50", "10.50", "10€", "10 €", "€10",
 * "10 EUR", "EUR 10", "1 000,00", "1.000,00" (fr), "1,000.50" (en), "20 euros".
 *
 * text:      NUL-terminated input, UTF-8; surrounding spaces are ignored.
 * lang:      decides how an ambiguous single separator is read ("1.000" is 1000 in fr when followed
 *            by exactly three digits and grouping is plausible; "1,5" is 1.5 in both languages).
 * fallback:  currency used when the text names none (must not be NULL).
 * amount_minor, cur: outputs, set only on success.
 * err:       optional; on failure gets a message for people, e.g.
 *            "too many decimals in '10,505': EUR has 2".
 *
 * Returns 0, or -MDT_EPARSE (not an amount, negative, several currencies, misplaced separators,
 * too many decimals, unknown currency), -MDT_ERANGE (above INT64_MAX minor units), or
 * -MDT_EINVAL (NULL arguments). Zero is accepted here; callers decide whether it is allowed.
 * Thread-safe; never allocates. */
int money_parse(const char *text, enum lang lang, const struct currency *fallback,
                int64_t *amount_minor, const struct currency **cur, struct mdt_err *err);

/* Format amount_minor in cur for people: fr "1 000,50 €", en "€1,000.50" (plain ASCII spaces:
 * they survive the GSM 7-bit alphabet of SMS, where U+202F does not); currencies without
 * a symbol use the code ("1 000 XOF", "XOF 1,000"); negative amounts get a leading "-".
 * Writes at most buf_size bytes including the NUL. Returns the length written (excluding NUL),
 * or -MDT_ERANGE when buf is too small (buf then holds an empty string). Thread-safe. */
int money_format(int64_t amount_minor, const struct currency *cur, enum lang lang, char *buf,
                 size_t buf_size);

/* Format without grouping or symbol, for machines: "1000.50" (always '.', exponent digits).
 * Same return convention as money_format. */
int money_format_plain(int64_t amount_minor, const struct currency *cur, char *buf,
                       size_t buf_size);

/* Largest buffer money_format can need, including NUL. */
#define MONEY_FORMAT_MAX 64

#endif
