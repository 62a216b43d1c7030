/* SPDX-License-Identifier: Apache-2.0 */
/* Phone numbers as people type them ("06 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6...") turned
 * into E.164 ("+33612345678"), and masked for logs and replies ("+33 6 12 .. .. 78"). */
#ifndef MDT_DIALOG_PHONE_H
#define MDT_DIALOG_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/limits.h"

/* Largest buffer phone_mask can need, including NUL: "+123 4 56 .. .. 89" and "(invalid)". */
#define PHONE_MASK_MAX 24

/* Whether phone_normalize knows default_country (ISO 3166 alpha-2, case-insensitive): FR, BE,
 * CH, MA, SN, CI, GB, US. Thread-safe. */
bool phone_country_known(const char *country);

/* A national number of that country as people write it ("06 12 34 56 78"), for messages in a
 * language phone_normalize's English ones do not speak; an international one for an unknown
 * country. Static storage. */
const char *phone_example(const char *country);

/* Normalize a phone number typed by a person into E.164.
 *
 * text:            NUL-terminated; surrounding blanks are ignored; separators ' ', '.', '-', '/',
 *                  '(', ')' and no-break spaces may appear between digits.
 * default_country: the country of national numbers, e.g. "FR" (see phone_country_known).
 * e164:            output, PHONE_E164_MAX bytes owned by the caller: "+33612345678" on success,
 *                  "" on failure. Must not overlap text.
 * err:             optional; on failure a message for people that quotes the input and shows
 *                  the expected form: "'06123' is too short for a French number: write it like
 *                  06 12 34 56 78".
 *
 * Accepted forms, for default country FR:
 *   national with the trunk prefix    0612345678, 06 12 34 56 78, 06.12.34.56.78, 06-12-...
 *   international                     +33612345678, +33 6 12 34 56 78, 0033612345678
 *   trunk prefix kept after the code  +33 (0)6 12 34 56 78, +33 06 12 34 56 78 (the 0 is dropped)
 *   code without '+' or 00            33612345678: only for the default country's own code, and
 *                                     only because a national number can never take that form
 *                                     (it would start with the trunk prefix, or have another
 *                                     length); SMS gateways write sender numbers this way.
 * Refused: a national number without its trunk prefix in a country that has one ("612345678":
 * a dropped digit is likelier than a deliberate form), letters, any other character.
 *
 * Numbers of the countries in the table (FR +33, BE +32, CH +41, MA +212, SN +221, CI +225,
 * GB +44, US and the rest of NANP +1) are checked against their national lengths; other
 * international numbers only against E.164: 7 to 15 digits, no leading 0.
 *
 * Returns 0, -MDT_EPARSE (not a number, letters, too short, too long, missing trunk prefix) or
 * -MDT_EINVAL (NULL argument, unknown default country). Thread-safe; never allocates. */
int phone_normalize(const char *text, const char *default_country, char e164[PHONE_E164_MAX],
                    struct mdt_err *err);

/* Mask an E.164 number for logs and replies: the country code, the first three national digits
 * and the last two, never the middle: "+33612345678" -> "+33 6 12 .. .. 78". The hidden part
 * always reads ".. .." whatever its length, and at least two digits are hidden even in the
 * shortest numbers. Input that is not E.164 ('+', 7 to 15 digits) gives "(invalid)".
 * Writes at most cap bytes including the NUL (PHONE_MASK_MAX is always enough); a smaller cap
 * truncates. Nothing when cap is 0. Thread-safe. */
void phone_mask(const char *e164, char *out, size_t cap);

#endif
