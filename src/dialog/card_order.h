/* SPDX-License-Identifier: Apache-2.0 */
/* A card ordered on a wallet page (issue 13), as the dialog decides it. CARTE COMMANDE / CARD
 * ORDER by SMS sends a single-use link to /k/<token>; the page takes the holder's name, their
 * phone (optional) and the sender's alias for the card, and the sender's code (the same rules
 * and lock as every page). The price ([cards] price) goes from the wallet to the fees account
 * under a transfer id derived from the order's: paid at most once. The ledger cannot chain an
 * account's opening with a transfer, so the card is issued by the next step, under the order:
 * the emboss line first (number, expiry, name and activation code, for the card maker only),
 * then in one commit the card's account, its sealed number, its row, the alias and the order
 * marked issued; a restart finds a paid order not issued and issues it then (dialog_work). */
#ifndef MDT_DIALOG_CARD_ORDER_H
#define MDT_DIALOG_CARD_ORDER_H

#include <stdint.h>

#include "base/error.h"
#include "dialog/dialog.h"
#include "store/store_channel.h"

struct card_vault;

/* Card orders remembered in memory: open links and paid orders (about 500 bytes each). */
#define DIALOG_CARD_ORDERS_MAX (1u << 20)
/* A link to the order page lives this long: time to ask the holder for their name. */
#define DIALOG_CARD_ORDER_LINK_S 1800
/* An issue that could not write its emboss line is tried again after this long. */
#define DIALOG_CARD_ORDER_RETRY_S 60

/* What card orders need; pointers borrowed for the dialog's life. Orders are off (CARTE
 * COMMANDE says so) unless cv, emboss_file, fees_account, price_minor and link_s are all set. */
struct card_order_settings {
    struct card_vault *cv;   /* seals the new numbers */
    const char *emboss_file; /* [cards] emboss_file */
    const char *bin;         /* [cards] bin */
    uint32_t expiry_years;   /* [cards] expiry_years */
    int64_t price_minor;     /* [cards] price */
    uint64_t fees_account;   /* the fees system account: the price goes there */
    uint32_t link_s;         /* a link to the page lives this long */
};
void dialog_card_orders_set(struct dialog *d, const struct card_order_settings *cs);

/* What the page's form gave; borrowed for the call. phone may be "" (none). */
struct card_order_form {
    const char *holder;
    const char *phone;
    const char *alias;
    const char *code;
};

/* The order whose page token hashes to token_hash: open (not expired), paid or issued; NULL
 * when none. Loop thread. */
const struct card_order_row *
dialog_card_order_by_token(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us);

/* The form is sent: its fields are checked (errors in the person's language in err:
 * -MDT_EINVAL; the page shows its form again with it), then a step: the code checked as every
 * page does it (outcome WRONG_CODE, LOCKED, SUSPENDED) and, when right, the price paid (outcome
 * DONE, or REFUSED with dialog_step_reason when the wallet cannot pay it). Once it is durable
 * the card is issued by dialog_work. -MDT_ENOTFOUND (no open link), -MDT_EBUSY (a step of the
 * order or the sender is in flight). Loop thread. */
int dialog_card_order_pay_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                              const struct card_order_form *f, int64_t now_us,
                              struct dialog_step **out, struct mdt_err *err);

/* A card order's row read from the store (store_channel_fns.card_order). */
int dialog_card_order_loaded(void *ctx, const struct card_order_row *r);

#endif
