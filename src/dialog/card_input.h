/* SPDX-License-Identifier: Apache-2.0 */
/* Card details as people type them on a page or a keypad (issue 13): the card number (PAN, with
 * its Luhn check digit, ISO/IEC 7812-1 annex B), the expiry date and the security code, and the
 * masked form every place outside the vault shows (first six and last four, PCI DSS 3.3). No
 * message here ever quotes a digit of what was typed: a typed card number is a secret. */
#ifndef MDT_DIALOG_CARD_INPUT_H
#define MDT_DIALOG_CARD_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "vault/card_vault.h"

/* Longest input read: 19 digits and separators between every one, and blanks around. */
#define CARD_TEXT_MAX 64
/* "497010 •••••• 7890" in GSM-safe form: BIN, six '*' at most, last four, NUL. */
#define CARD_MASK_MAX (CARD_PAN_MAX + 1)

/* Whether digits (only '0'-'9', at least 2) end with a valid Luhn check digit. */
bool card_luhn_valid(const char *digits);

/* Read a card number: digits with optional single blanks or '-' between groups. pan gets
 * CARD_PAN_MIN..CARD_PAN_MAX digits and NUL (CARD_PAN_MAX + 1 bytes, caller-owned: wipe it);
 * on failure pan is wiped and err says what is wrong without quoting the input ("a card number
 * has 12 to 19 digits", "this card number has a typing error: check it"). -MDT_EPARSE. */
int card_pan_parse(const char *text, char pan[CARD_PAN_MAX + 1], struct mdt_err *err);

/* Read an expiry date: "MM/YY", "MM/YYYY", "MM YY", "MMYY". *month 1..12, *year four digits
 * (20YY). A card is valid through the last day of its month. -MDT_EPARSE with err. */
int card_expiry_parse(const char *text, unsigned *month, unsigned *year, struct mdt_err *err);

/* The name of a card status (enum card_status): "inactive", "active", "blocked", "lost",
 * "expired"; "?" for anything else. A static string. */
const char *card_status_name(unsigned status);

/* Whether a card valid through month/year has expired at the UTC time now_us. */
bool card_expired(unsigned month, unsigned year, int64_t now_us);

/* A card's status as people should see it at now_us: CARD_STATUS_EXPIRED once its month is
 * over (mandatd writes it within the hour; lost stays lost), else status. */
unsigned card_status_now(unsigned status, unsigned month, unsigned year, int64_t now_us);

/* Read a security code (CVV2/CVC2 3 digits, Amex CID 4): cvv gets the digits and NUL
 * (CARD_CVV_MAX + 1 bytes, caller-owned: hand it to card_cvv_take, which wipes it).
 * -MDT_EPARSE with err (never quoting it). */
int card_cvv_parse(const char *text, char cvv[CARD_CVV_MAX + 1], struct mdt_err *err);

/* The masked card for people and logs: the BIN (first six), a '*' per hidden digit, the last
 * four: "497010******7890". bin is CARD_BIN_LEN digits, last4 CARD_LAST4_LEN, hidden the number
 * of digits between them (0..9). */
void card_mask(const char *bin, const char *last4, unsigned hidden, char out[CARD_MASK_MAX]);

#endif
