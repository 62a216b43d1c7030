/* SPDX-License-Identifier: Apache-2.0 */
/* Card numbers, expiry dates and security codes as people type them; see card_input.h. The
 * messages never quote the input: a mistyped card number is still most of a card number. */
#include "dialog/card_input.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "store/store_channel.h"
#include "vault/vault.h"

bool card_luhn_valid(const char *digits)
{
    size_t n = strnlen(digits, CARD_PAN_MAX + 1);
    unsigned sum = 0;

    if (n < 2 || n > CARD_PAN_MAX) {
        return false;
    }
    /* ISO/IEC 7812-1 annex B: from the right, every second digit doubled, 9 taken off above 9. */
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(digits[n - 1 - i] - '0');

        if (d > 9) {
            return false;
        }
        if (i % 2 == 1) {
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* Copy the digits of text into out (at most max of them, plus NUL), allowing one blank or '-'
 * between two digits and blanks around. The count of digits, or -1 for any other character, a
 * doubled separator or more than max digits. */
static int digits_read(const char *text, char *out, size_t max)
{
    size_t n = strnlen(text, CARD_TEXT_MAX + 1), i = 0, o = 0;

    if (n > CARD_TEXT_MAX) {
        return -1;
    }
    while (i < n && text[i] == ' ') {
        i++;
    }
    while (n > i && text[n - 1] == ' ') {
        n--;
    }
    for (; i < n; i++) {
        char c = text[i];

        if (c >= '0' && c <= '9') {
            if (o == max) {
                return -1;
            }
            out[o++] = c;
        } else if ((c != ' ' && c != '-') || o == 0 || text[i + 1] < '0' || text[i + 1] > '9') {
            return -1;
        }
    }
    out[o] = '\0';
    return (int)o;
}

int card_pan_parse(const char *text, char pan[CARD_PAN_MAX + 1], struct mdt_err *err)
{
    char buf[CARD_PAN_MAX + 2];
    int n = digits_read(text, buf, CARD_PAN_MAX + 1);
    int rc = 0;

    if (n < 0 || n > CARD_PAN_MAX) {
        rc = mdt_err_set(err, MDT_E(PARSE),
                         "a card number is 12 to 19 digits, in groups or not: type it again");
    } else if (n < CARD_PAN_MIN) {
        rc = mdt_err_set(err, MDT_E(PARSE),
                         "a card number is 12 to 19 digits; this one is too short: type it again");
    } else if (!card_luhn_valid(buf)) {
        rc = mdt_err_set(err, MDT_E(PARSE),
                         "this card number has a typing error (its check digit does not match): "
                         "check it against the card");
    } else {
        memcpy(pan, buf, (size_t)n + 1);
    }
    vault_wipe(buf, sizeof(buf));
    if (rc < 0) {
        vault_wipe(pan, CARD_PAN_MAX + 1);
    }
    return rc;
}

int card_expiry_parse(const char *text, unsigned *month, unsigned *year, struct mdt_err *err)
{
    unsigned m = 0, y = 0, nd = 0, sep = 0;
    size_t n = strnlen(text, CARD_TEXT_MAX + 1);

    if (n > CARD_TEXT_MAX) {
        return mdt_err_set(err, MDT_E(PARSE), "an expiry date is MM/YY, like 09/28");
    }
    for (size_t i = 0; i < n; i++) {
        char c = text[i];

        if (c >= '0' && c <= '9') {
            if (nd < 2) {
                m = m * 10 + (unsigned)(c - '0');
            } else {
                y = y * 10 + (unsigned)(c - '0');
            }
            nd++;
        } else if ((c == '/' || c == ' ' || c == '-') && nd == 2 && sep == 0) {
            sep++;
        } else if (c != ' ' || (nd != 0 && nd != 4 && nd != 6)) {
            return mdt_err_set(err, MDT_E(PARSE), "an expiry date is MM/YY, like 09/28");
        }
    }
    if (nd != 4 && nd != 6) {
        return mdt_err_set(err, MDT_E(PARSE), "an expiry date is MM/YY, like 09/28");
    }
    if (m < 1 || m > 12) {
        return mdt_err_set(err, MDT_E(PARSE), "the month of an expiry date is 01 to 12");
    }
    if (nd == 4) {
        y += 2000;
    } else if (y < 2000 || y > 2099) {
        return mdt_err_set(err, MDT_E(PARSE), "the year of an expiry date is 20YY");
    }
    *month = m;
    *year = y;
    return 0;
}

bool card_expired(unsigned month, unsigned year, int64_t now_us)
{
    time_t t = (time_t)(now_us / 1000000);
    struct tm tm;
    const struct tm *ok = gmtime_r(&t, &tm);

    MDT_ASSERT(month >= 1 && month <= 12 && ok != NULL);
    return (unsigned)tm.tm_year + 1900 > year ||
           ((unsigned)tm.tm_year + 1900 == year && (unsigned)tm.tm_mon + 1 > month);
}

unsigned card_status_now(unsigned status, unsigned month, unsigned year, int64_t now_us)
{
    if (status == CARD_STATUS_LOST || month < 1 || month > 12) {
        return status;
    }
    return card_expired(month, year, now_us) ? CARD_STATUS_EXPIRED : status;
}

int card_cvv_parse(const char *text, char cvv[CARD_CVV_MAX + 1], struct mdt_err *err)
{
    char buf[CARD_CVV_MAX + 2];
    int n = digits_read(text, buf, CARD_CVV_MAX + 1);

    if (n < 3 || n > CARD_CVV_MAX || strpbrk(text, " -") != NULL) {
        vault_wipe(buf, sizeof(buf));
        vault_wipe(cvv, CARD_CVV_MAX + 1);
        return mdt_err_set(err, MDT_E(PARSE),
                           "the security code is the 3 digits on the back of the card (4 on the "
                           "front of an American Express)");
    }
    memcpy(cvv, buf, (size_t)n + 1);
    vault_wipe(buf, sizeof(buf));
    return 0;
}

void card_mask(const char *bin, const char *last4, unsigned hidden, char out[CARD_MASK_MAX])
{
    char stars[10] = "*********";

    MDT_ASSERT(hidden <= 9);
    stars[hidden] = '\0';
    snprintf(out, CARD_MASK_MAX, "%.6s%s%.4s", bin, stars, last4);
}

const char *card_status_name(unsigned status)
{
    static const char *const names[] = {"inactive", "active", "blocked", "lost", "expired"};

    return status < sizeof(names) / sizeof(names[0]) ? names[status] : "?";
}
