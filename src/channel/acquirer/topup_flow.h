/* SPDX-License-Identifier: Apache-2.0 */
/* Money in by bank card, end to end (issue 13): a top-up page's card goes to the acquirer only
 * after its authorization is recorded, and so does a card on file's (a reload the code
 * confirmed: the dialog tells this flow, which opens the card's sealed number from the vault
 * just for the stored-credential authorization, without a security code). Each answer is
 * recorded (dialog/topup.h decides what it means) before the next operation is sent: capture,
 * then the credit, or a void, or a refund. Unknown results, and what a restart finds
 * unfinished, are looked up by idempotency key until the acquirer says; one it never received
 * is sent again under the same key (but a page's authorization: its card is gone). The card
 * number lives here only until the authorization is sent; the security code stays in the
 * vault's CVV pool until the acquirer answers. Loop thread only. */
#ifndef MDT_CHANNEL_ACQUIRER_TOPUP_FLOW_H
#define MDT_CHANNEL_ACQUIRER_TOPUP_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "base/id128.h"
#include "base/money.h" /* enum lang */
#include "base/limits.h"
#include "store/store_channel.h"

struct event_base;
struct acquirer;
struct dialog;
struct dialog_step;
struct topup_flow;
struct card_vault;

struct topup_flow_config {
    struct acquirer *acquirer; /* borrowed */
    struct dialog *dialog;     /* borrowed */
    struct card_vault *vault;  /* borrowed: seals the cards kept on file; NULL: none kept */
    /* Submit a step; done runs on the loop once it is durable or failed (service_submit). */
    int (*submit)(void *submit_ctx, struct dialog_step *s, void *ctx,
                  void (*done)(void *ctx, int rc, const struct dialog_step *s));
    void *submit_ctx;
    /* Unknown results are looked up again this often (and pending operations older than
     * twice this are taken for lost); 0: never by itself. */
    uint32_t recheck_ms;
};

/* How a page's payment ended (for now: CHECKING is not the end, the SMS says the rest). */
struct topup_flow_result {
    int rc;             /* 0, or why nothing was sent (err has the person's words) */
    bool refused;       /* the wallet's limit: nothing sent to the acquirer */
    int64_t room_minor; /* then: what still fits, and the limit */
    int64_t cap_minor;
    struct card_topup_row topup; /* CREDITED, DECLINED (code) or CHECKING */
    struct mdt_err err;
};

/* Called once per topup_flow_pay that returned 0, on the loop, never inside it. */
typedef void (*topup_flow_fn)(void *ctx, const struct topup_flow_result *r);

/* *out: topup_flow_free. Starts the recheck timer, and takes the dialog's reloads confirmed by
 * code (dialog_topup_on_start) until freed. -MDT_ENOMEM. */
int topup_flow_create(struct event_base *base, const struct topup_flow_config *cfg,
                      struct topup_flow **out);

/* Stop: chains in flight end without their done. NULL allowed. */
void topup_flow_free(struct topup_flow *f);

/* Pay the top-up whose page token hashes to token_hash with the card pan (caller-owned, wiped
 * by the caller after the call: it is copied here until the authorization is sent, then wiped),
 * valid through month/year, and the security code in the vault's CVV pool at cvv_slot (taken
 * over: dropped here once the acquirer answers, or on any error, whatever the return). Errors,
 * done never called, err in the person's language: -MDT_ENOTFOUND (link gone), -MDT_EBUSY (the
 * top-up is already being paid: a second click), -MDT_EFULL (too many payments in flight).
 * keep: the person ticked "keep this card": its number is sealed by the vault now (the clear
 * copy is wiped as before) and kept on file for its sender with the credit, if the payment goes
 * through in this run (a restart before the capture's answer forgets it: nothing is kept). */
int topup_flow_pay(struct topup_flow *f, const uint8_t token_hash[SHA256_LEN], const char *pan,
                   unsigned month, unsigned year, uint32_t cvv_slot, bool keep, topup_flow_fn done,
                   void *ctx, struct mdt_err *err);

/* Pay an order (payment request request_id) with a card keyed on the phone (issue 14): pan,
 * month, year and cvv_slot as for topup_flow_pay (the pan is copied until the authorization is
 * sent; the code is taken over and dropped once the acquirer answers, or on any error). phone:
 * the caller's number for the SMS receipt, "" none; lang: theirs. The capture's step pays the
 * request from the bank under its payment id (dialog_topup_pay_request). done, once, as for a
 * page; a call gone meanwhile changes nothing: the chain goes on. Errors, done never called:
 * -MDT_ENOTFOUND (the order can no longer be paid), -MDT_EBUSY (being paid by card), -MDT_ERANGE
 * (card payments off), -MDT_EFULL, -MDT_EINVAL. */
int topup_flow_pay_request(struct topup_flow *f, struct id128 request_id, const char *phone,
                           enum lang lang, const char *pan, unsigned month, unsigned year,
                           uint32_t cvv_slot, topup_flow_fn done, void *ctx, struct mdt_err *err);

/* Look up every unfinished operation now (at start: at_start takes every pending one for lost,
 * as the process that sent them is gone). Idempotent: a key already being looked up is not
 * asked twice. */
void topup_flow_recover(struct topup_flow *f, bool at_start);

#endif
