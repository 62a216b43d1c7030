/* SPDX-License-Identifier: Apache-2.0 */
/* A prepaid card's PIN for ATMs set on a page (issue 15). PIN CARTE from the holder's phone, or
 * PIN MAMAN from a sender with that alias, sends a single-use link to /p/<token> (to the card's
 * holder phone; to the sender only when the card has no phone). The page takes the new 4-digit
 * PIN twice; weak PINs are refused; the PIN is kept as pin_block.c's keyed hash in card_pins with
 * the wrong tries cleared (a card locked by 75 works again), and the ISO 8583 host rereads it
 * within a second. Links live in memory only (their token hashed): a restart voids an unused one,
 * and PIN CARTE sends another. */
#ifndef MDT_DIALOG_CARD_PIN_H
#define MDT_DIALOG_CARD_PIN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "dialog/dialog.h"
#include "store/store_channel.h"

/* Open PIN links kept at once; past it the oldest is dropped (its holder asks again). */
#define DIALOG_PIN_LINKS_MAX 1024
/* A PIN link lives as long as a card order's (DIALOG_CARD_ORDER_LINK_S). */
#define DIALOG_PIN_LINK_S 1800
/* A card PIN set on the page: 4 digits, as ATMs ask for. */
#define CARD_PIN_DIGITS 4

/* Why a new card PIN is refused. */
enum card_pin_weakness {
    CARD_PIN_OK = 0,
    CARD_PIN_NOT_FOUR_DIGITS,
    CARD_PIN_ALL_SAME, /* 0000, 7777 */
    CARD_PIN_SEQUENCE, /* 1234, 4321, 0123, 9876, 7890 */
    CARD_PIN_REPEATED, /* 1212, 9090 */
};

/* Judge a new card PIN (NUL-terminated; NULL is CARD_PIN_NOT_FOUR_DIGITS). Pure. */
enum card_pin_weakness card_pin_weakness(const char *pin);
/* What to tell the holder, in French (fr) or English; never echoes the PIN. Static storage. */
const char *card_pin_weakness_text(enum card_pin_weakness w, bool fr);

/* A PIN link's card and language: NULL when token_hash names no open link (unknown, used or
 * expired). The row is the dialog's: copy what is needed before the loop runs on. Loop thread. */
const struct card_row *dialog_card_pin_page(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                                            int64_t now_us, enum lang *lang);

/* The page's form: pin and again as typed (borrowed; the caller wipes them). Checked (errors in
 * the link's language in err, -MDT_EINVAL: the page shows its form again), then *out: a step
 * writing the card's PIN row (hash, no wrong tries), to submit; the link is used up.
 * -MDT_ENOTFOUND (no open link), -MDT_EIO (no randomness for the step). Loop thread. */
int dialog_card_pin_set_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *pin,
                            const char *again, int64_t now_us, struct dialog_step **out,
                            struct mdt_err *err);

/* Called on the loop thread with each PIN row a page step made durable (the ISO 8583 host's
 * iso_host_pin_loaded, so that it holds the new PIN at once); fn NULL: none. ctx borrowed. */
typedef int (*dialog_card_pin_set_fn)(void *ctx, const struct card_pin_row *r);
void dialog_card_pin_on_set(struct dialog *d, dialog_card_pin_set_fn fn, void *ctx);

#endif
