/* SPDX-License-Identifier: Apache-2.0 */
/* Issuing a prepaid card (issue 13), shared by `mandat card issue|replace` and a card ordered on
 * a wallet page: a token, a card number from the configured BIN with its Luhn digit that no card
 * has yet (by its keyed hash), sealed in the card vault, the card's row (expiry, holder, status
 * inactive) and its activation code, kept only as a keyed hash. The caller opens the card's
 * ledger account, writes the emboss line (card_vault_emboss_append) and commits the rows. */
#ifndef MDT_DIALOG_CARD_ISSUE_H
#define MDT_DIALOG_CARD_ISSUE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_channel.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

#define CARD_ISSUE_PAN_LEN 16 /* Visa and Mastercard prepaid cards: 16 digits */
#define CARD_ISSUE_TRIES 8    /* new random numbers tried when one is taken */
#define CARD_ACTIVATION_LEN 6 /* the activation code printed on the card carrier */
/* The longest holder name embossed (ISO/IEC 7813: 26 characters on the card's front). */
#define CARD_HOLDER_EMBOSS_MAX 26

/* Who a card is for and how long it lives. holder and phone (NULL or a number already
 * normalized) are borrowed for the call. */
struct card_issue_in {
    const char *holder;
    const char *phone;
    unsigned expiry_years; /* valid through the end of this month, so many years on */
    int64_t now_us;
    const char *token; /* the card's token (CARD_TOKEN_MAX at most); NULL: a random one */
};

/* Fill rows[0] (kind EXTRA_CARD_PAN: its token) and rows[1] (EXTRA_CARD: token, expiry, holder,
 * phone, status inactive, the activation code's hash under v) and code with the activation code
 * (CARD_ACTIVATION_LEN digits and NUL; the caller prints or embosses it, then wipes it). The
 * number is card_issue_number's; account_id is the caller's. -MDT_EIO without random bytes. */
int card_issue_rows(struct vault *v, const struct card_issue_in *in, struct store_extra rows[2],
                    char code[CARD_ACTIVATION_LEN + 1]);

/* A new card number from bin that no card in s has (at most CARD_ISSUE_TRIES draws), sealed
 * under p->token into p (with its keyed hash, BIN, last four digits and length). s NULL: no
 * lookup (mandatd, whose store is the engine's: the unique keyed hash refuses a number drawn
 * twice at commit). The number in the clear exists only on this function's stack and is wiped
 * before it returns. -MDT_EEXISTS when every draw was taken, -MDT_EINVAL for a BIN too long,
 * -MDT_EIO, or store's errors. */
int card_issue_number(struct card_vault *cv, struct store *s, const char *bin,
                      struct card_pan_row *p);

/* The holder's name as embossed: letters (upper-cased), blanks, '-' and '\'', 2 to
 * CARD_HOLDER_EMBOSS_MAX, blanks around dropped, into out. false for anything else (accents too:
 * the embosser's character set is ASCII). Used by the card order page and the operator API. */
bool card_issue_holder_read(const char *in, char out[CARD_HOLDER_EMBOSS_MAX + 1]);

#endif
