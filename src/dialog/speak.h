/* SPDX-License-Identifier: Apache-2.0 */
/* Amounts, numbers, dates, references and phone numbers written out in words for a speech
 * synthesiser ("vingt-cinq euros et cinquante centimes", "twenty-five euros and fifty cents"), so
 * that the phone channel reads them naturally rather than digit by digit. Pure text: no I/O. */
#ifndef MDT_DIALOG_SPEAK_H
#define MDT_DIALOG_SPEAK_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/money.h"

/* A buffer that holds every text these functions write: the longest is a negative amount near
 * INT64_MIN in French with its minor unit (about 240 bytes); a 15-digit phone number in English
 * word by word is under 150. */
#define SPEAK_TEXT_MAX 512

/* Every function below writes UTF-8 text into buf (cap bytes including the NUL, owned by the
 * caller) and returns its length without the NUL, or a negative code:
 *   -MDT_ERANGE     the text needs more than cap bytes (buf then holds ""), or a value out of
 *                   range (a date that does not exist);
 *   -MDT_EPARSE     input text that cannot be spoken (a reference with a character other than
 *                   letters and digits, a phone number that is not E.164);
 *   -MDT_ENOTFOUND  a currency without spoken names for that language;
 *   -MDT_EINVAL     NULL arguments, cap 0, a language not in the table.
 * err (optional) gets a message for people. Thread-safe; never allocates. Words are separated
 * by single spaces; ", " marks a pause. */

/* A whole number in words: fr 71 "soixante et onze", 80 "quatre-vingts", 91 "quatre-vingt-onze",
 * 200 "deux cents", 1000 "mille", 2 000 000 "deux millions"; en "one hundred and five",
 * "two thousand and one". Negative numbers start with "moins" / "minus". */
int speak_number(int64_t n, enum lang lang, char *buf, size_t cap, struct mdt_err *err);

/* An amount of money in amount_minor units of cur (its exponent decides the minor unit): fr
 * 2550 EUR "vingt-cinq euros et cinquante centimes", 100 "un euro", 1 "un centime", 0 "zéro
 * euro", 100000000 "un million d'euros"; en "twenty-five euros and fifty cents", "one euro",
 * "one cent", "zero euros", "one million euros"; GBP in French is feminine ("vingt et une livres
 * sterling"); JPY, XOF, XAF have no minor unit. */
int speak_amount(int64_t amount_minor, const struct currency *cur, enum lang lang, char *buf,
                 size_t cap, struct mdt_err *err);

/* A calendar date: fr "le premier décembre deux mille vingt-six", en "the first of December,
 * twenty twenty-six". day 0 speaks only month and year, as for a card's expiry: fr "décembre deux
 * mille vingt-huit", en "December twenty twenty-eight". year 1..9999, month 1..12, day 0 or a
 * day of that month (-MDT_ERANGE otherwise). */
int speak_date(int year, int month, int day, enum lang lang, char *buf, size_t cap,
               struct mdt_err *err);

/* A reference spelled character by character with a pause between each: "K7q2" -> "K, 7, Q,
 * 2" (letters upper-cased, which synthesisers read as letter names; digits as digits, read in the
 * voice's language). ASCII letters and digits only; spaces and '-' between them are skipped;
 * anything else is -MDT_EPARSE; "" too. At most SPEAK_REF_MAX characters. */
#define SPEAK_REF_MAX 32
int speak_reference(const char *ref, enum lang lang, char *buf, size_t cap, struct mdt_err *err);

/* An E.164 phone number ("+33612345678") as people say it: in French, a French number in its
 * national form by pairs ("zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit"),
 * others after "plus" by pairs ("plus, quarante-quatre, ..."); in English digit by digit in
 * pairs ("plus, three three, six one, two three, four five, six seven, eight"). */
int speak_phone(const char *e164, enum lang lang, char *buf, size_t cap, struct mdt_err *err);

#endif
