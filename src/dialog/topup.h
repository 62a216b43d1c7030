/* SPDX-License-Identifier: Apache-2.0 */
/* Money in by bank card (issue 13), as the dialog decides it. A top-up's target is the sender's
 * wallet (TOPUP 50 / ALIMENTER 50), a prepaid card (RECHARGE MAMAN 100 CB: the sender pays
 * the reload fee on top), or a merchant's payment request paid by card over the phone (issue
 * 14). By SMS a single-use link to a page (/t/<token>), whose card payment is
 * recorded before it goes to the acquirer; or, for a card's reload with a bank card on file, the
 * order waits for the code like every order and then its stored-credential authorization is
 * recorded. Each answer of the acquirer (authorization, capture, void, refund, or a lookup after
 * an unknown result or a restart) becomes a step that records it and, once the capture is
 * approved, credits the target from the bank account with the fee legs, under the top-up's own
 * id, so that a second credit is impossible. A capture declined after its authorization is
 * voided; a captured payment whose credit the ledger refuses (or whose card was blocked
 * meanwhile) is refunded. The person is told by SMS. No card number or security code ever
 * reaches these rows, steps or texts: the last four digits only. The acquirer itself is the
 * channel's (channel/acquirer); here only plain data. */
#ifndef MDT_DIALOG_TOPUP_H
#define MDT_DIALOG_TOPUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/id128.h"
#include "dialog/dialog.h"
#include "store/store_channel.h"

/* The acquirer's operations as the rows number them (= enum acquirer_op of
 * channel/acquirer/acquirer.h, which checks it). */
enum topup_op {
    TOPUP_OP_AUTHORIZE = 0,
    TOPUP_OP_CAPTURE = 1,
    TOPUP_OP_VOID = 2,   /* a capture declined after its authorization: the hold released */
    TOPUP_OP_REFUND = 3, /* captured, but the ledger refused the credit: the money given back */
};

/* What the acquirer answered for one operation of a top-up. */
struct topup_answer {
    uint16_t op;                 /* enum topup_op: the operation answered */
    uint16_t outcome;            /* ACQ_OP_APPROVED, ACQ_OP_DECLINED or ACQ_OP_UNKNOWN */
    char code[3];                /* ISO 8583 response code; "" when unknown */
    char ref[STORE_ACQ_REF_MAX]; /* the acquirer's reference when approved */
};

/* Top-ups remembered in memory: open links and recent ones (about 400 bytes each). */
#define DIALOG_TOPUPS_MAX (1u << 22)
/* Acquirer operations awaiting an answer or a lookup: one or two per top-up in flight. */
#define DIALOG_TOPUP_OPS_MAX 65536

/* The idempotency key of top-up id's operation op: its 32 hex digits, '.', 'a' (authorize),
 * 'c' (capture), 'v' (void) or 'r' (refund). Derived, so that a restart sends the same key. */
void dialog_topup_key(struct id128 id, uint16_t op, char out[STORE_ACQ_KEY_MAX]);

/* The top-up whose page token hashes to token_hash, open or finished (its page shows the
 * result), or NULL when there is none or its link expired unused. Loop thread. */
const struct card_topup_row *
dialog_topup_by_token(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us);

/* What the bank card of top-up r is charged: the amount, and for a prepaid card's reload the
 * fees the sender pays on top (charge_minor). */
int64_t dialog_topup_charge(const struct card_topup_row *r);

/* Called (loop thread, once its step is durable) when a reload paid by the sender's card on file
 * was confirmed with the code: its authorization is recorded pending, for the caller to send
 * (topup_flow). One callback per dialog; NULL stops them. */
typedef void (*dialog_topup_start_fn)(void *ctx, struct id128 topup_id);
void dialog_topup_on_start(struct dialog *d, dialog_topup_start_fn fn, void *ctx);

/* The top-up id, or NULL. */
const struct card_topup_row *dialog_topup_get(struct dialog *d, struct id128 id);

/* The authorization's reference of a top-up being captured, voided or refunded ("" unless
 * known). */
const char *dialog_topup_auth_ref(struct dialog *d, struct id128 id);

/* The page's card is typed (last4: its last four digits): a step that checks the wallet's
 * balance limit against the view and, when the amount fits, records the authorization as
 * pending (the caller sends it once the step is durable: dialog_step_outcome OUTCOME_DONE),
 * else OUTCOME_REFUSED with dialog_topup_room. *out: submit it like any step. Errors, with err
 * in the person's language: -MDT_ENOTFOUND (no such open link, or expired), -MDT_EBUSY (this
 * top-up is already being paid: a second click), -MDT_EIO. Loop thread. */
int dialog_topup_pay_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *last4,
                         int64_t now_us, struct dialog_step **out, struct mdt_err *err);

/* An order (payment request request_id) paid by a card keyed on the phone (last4: its last
 * four digits): a new top-up whose target is the request, its authorization recorded pending
 * (the caller sends it once the step is durable). phone: the caller's number for the receipts,
 * "" for a hidden number (no SMS). When the capture is approved, the answer's step pays the
 * request from the bank under the request's payment id (the merchant's fee and webhook as for
 * any payment), or refunds the card if the request is no longer pending. -MDT_ENOTFOUND (no
 * such pending request), -MDT_EBUSY (a card payment of it is under way or done), -MDT_ERANGE
 * (card payments off), -MDT_EIO. Loop thread. */
int dialog_topup_pay_request(struct dialog *d, struct id128 request_id, const char *phone,
                             const char *last4, enum lang lang, int64_t now_us,
                             struct dialog_step **out, struct mdt_err *err);

/* The acquirer answered a for top-up id: a step that records it and decides what follows
 * (authorization approved: the capture is recorded pending, the caller sends it when the step
 * is durable; capture approved: the wallet or card is credited with the fee legs and the person
 * told, or, when the ledger refuses the credit or the card may not be loaded any more, a refund
 * is recorded pending; capture declined: a void is recorded pending; declined: nothing taken,
 * the person told why; unknown: being checked, the person told once; a void or refund answered:
 * recorded). The caller sends the operation a step leaves pending once it is durable.
 * -MDT_ENOTFOUND for an unknown top-up, -MDT_EBUSY while another step of it is in flight,
 * -MDT_EEXISTS when a already is what the top-up knows (nothing to do). Loop thread. */
int dialog_topup_answer(struct dialog *d, struct id128 id, const struct topup_answer *a,
                        int64_t now_us, struct dialog_step **out, struct mdt_err *err);

/* Operations that want a lookup: unknown ones, and pending ones recorded before
 * pending_before_us (a restart found them; their answer never came). Up to max into out;
 * returns how many. Loop thread. */
size_t dialog_topup_unresolved(struct dialog *d, int64_t pending_before_us,
                               struct acquirer_op_row *out, size_t max);

/* Keep the card of a top-up's payment on file for its sender (the page's box was ticked): r has
 * the sealed number, BIN, last 4 and expiry (the owner is the top-up's). Call on the step of the
 * capture's answer before submitting it: the row is written only when the step credits the
 * wallet (a declined or unknown payment keeps nothing). A new card replaces the sender's. */
void dialog_topup_keep_card(struct dialog_step *s, const struct card_file_row *r);

/* The sender's card on file (kept), or NULL. Loop thread. */
const struct card_file_row *dialog_card_file_get(struct dialog *d, const char *owner);

/* The room left under the wallet's balance limit that refused a top-up step (OUTCOME_REFUSED),
 * and the limit itself. */
int64_t dialog_topup_room(const struct dialog_step *s, int64_t *limit_minor);

/* The reason of a refusal in words, for the page and the SMS: "refused by the bank",
 * "insufficient funds", "card expired", "card number invalid". Static storage. */
const char *dialog_topup_reason(const char *code, enum lang lang);

#endif
