/* SPDX-License-Identifier: Apache-2.0 */
/* Issuing a prepaid card (issue 13): the card number, its seal and the card's row, shared by the
 * CLI and the card ordered on a wallet page. See card_issue.h for the contract. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/id128.h"
#include "dialog/card_input.h"
#include "dialog/card_issue.h"

_Static_assert(CARD_TOKEN_MAX <= STORE_CARD_TOKEN_MAX, "a token fits the store's rows");
_Static_assert(CARD_SEALED_MAX <= STORE_CARD_SEALED_MAX, "a seal fits the store's rows");
_Static_assert(CARD_ISSUE_PAN_LEN <= CARD_PAN_MAX, "an issued number fits a PAN buffer");

/* n random decimal digits into out (no NUL). Bytes of 250 and above are dropped so that every
 * digit is equally likely. */
static int random_digits(char *out, size_t n)
{
    size_t got = 0;

    while (got < n) {
        struct id128 r;
        uint8_t b[16];

        if (id128_random(&r) < 0) {
            return MDT_E(IO);
        }
        for (int i = 0; i < 8; i++) {
            b[i] = (uint8_t)(r.hi >> (8 * i));
            b[8 + i] = (uint8_t)(r.lo >> (8 * i));
        }
        for (int i = 0; i < 16 && got < n; i++) {
            if (b[i] < 250) {
                out[got++] = (char)('0' + b[i] % 10);
            }
        }
        vault_wipe(b, sizeof(b));
    }
    return 0;
}

/* A new card number: the BIN, random account digits, and the Luhn check digit. */
static int pan_make(const char *bin, char pan[CARD_PAN_MAX + 1])
{
    size_t bl = strlen(bin);
    int rc;

    if (bl + 2 > CARD_ISSUE_PAN_LEN) {
        return MDT_E(INVAL);
    }
    rc = random_digits(pan + bl, CARD_ISSUE_PAN_LEN - 1 - bl);
    memcpy(pan, bin, bl);
    pan[CARD_ISSUE_PAN_LEN] = '\0';
    for (char d = '0'; rc == 0 && d <= '9'; d++) {
        pan[CARD_ISSUE_PAN_LEN - 1] = d;
        if (card_luhn_valid(pan)) {
            return 0;
        }
    }
    return rc < 0 ? rc : MDT_E(INVAL);
}

int card_issue_number(struct card_vault *cv, struct store *s, const char *bin,
                      struct card_pan_row *p)
{
    char pan[CARD_PAN_MAX + 1];
    size_t len = 0;
    int rc = MDT_E(EXISTS);

    for (int i = 0; i < CARD_ISSUE_TRIES && rc == MDT_E(EXISTS); i++) {
        uint8_t mac[32];
        bool taken = false;

        rc = pan_make(bin, pan);
        if (rc < 0) {
            break;
        }
        card_vault_pan_mac(cv, pan, mac);
        /* One lookup of the keyed hash's unique index, not a read of every stored number. */
        rc = s != NULL ? store_card_pan_known(s, mac, &taken, NULL) : 0;
        if (rc >= 0 && taken) {
            rc = MDT_E(EXISTS);
        }
        if (rc >= 0 && !taken) {
            memcpy(p->pan_mac, mac, sizeof(mac));
            rc = card_vault_seal(cv, p->token, pan, p->sealed, &len, &p->key_version);
        }
    }
    if (rc == 0) {
        p->sealed_len = (uint16_t)len;
        memcpy(p->bin, bin, strlen(bin) + 1);
        memcpy(p->last4, pan + CARD_ISSUE_PAN_LEN - 4, 5);
        p->pan_len = CARD_ISSUE_PAN_LEN;
    }
    vault_wipe(pan, sizeof(pan));
    return rc;
}

int card_issue_rows(struct vault *v, const struct card_issue_in *in, struct store_extra rows[2],
                    char code[CARD_ACTIVATION_LEN + 1])
{
    struct card_row *card = &rows[1].u.card;
    time_t now = (time_t)(in->now_us / 1000000);
    struct tm tm;
    int rc = 0;

    if (in->token != NULL) {
        snprintf(rows[0].u.card_pan.token, sizeof(rows[0].u.card_pan.token), "%s", in->token);
    } else {
        rc = card_vault_token_new(rows[0].u.card_pan.token);
    }

    rows[0].kind = EXTRA_CARD_PAN;
    rows[1].kind = EXTRA_CARD;
    memcpy(card->token, rows[0].u.card_pan.token, sizeof(card->token));
    rows[0].u.card_pan.created_us = in->now_us;
    gmtime_r(&now, &tm);
    card->exp_month = (uint8_t)(tm.tm_mon + 1);
    card->exp_year = (uint16_t)(tm.tm_year + 1900 + (int)in->expiry_years);
    card->status = CARD_STATUS_INACTIVE;
    snprintf(card->holder, sizeof(card->holder), "%s", in->holder);
    if (in->phone != NULL) {
        snprintf(card->phone, sizeof(card->phone), "%s", in->phone);
    }
    code[CARD_ACTIVATION_LEN] = '\0';
    if (rc == 0) {
        rc = random_digits(code, CARD_ACTIVATION_LEN);
    }
    if (rc == 0 && vault_pin_hash(v, card->token, code, card->activation_hash) < 0) {
        rc = MDT_E(IO);
    }
    card->created_us = in->now_us;
    card->updated_us = in->now_us;
    return rc;
}

bool card_issue_holder_read(const char *in, char out[CARD_HOLDER_EMBOSS_MAX + 1])
{
    size_t n = 0, letters = 0, len = strlen(in);

    while (len > 0 && in[len - 1] == ' ') {
        len--;
    }
    while (len > 0 && *in == ' ') {
        in++;
        len--;
    }
    if (len > CARD_HOLDER_EMBOSS_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];

        if (isascii(ch) && isalpha(ch)) {
            letters++;
            out[n++] = (char)toupper(ch);
        } else if (ch == ' ' || ch == '-' || ch == '\'') {
            out[n++] = (char)ch;
        } else {
            return false;
        }
    }
    out[n] = '\0';
    return letters >= 2;
}
