/* SPDX-License-Identifier: Apache-2.0 */
/* An order paid over the phone with a prepaid card mandat issued (issue 14): the card is found
 * by the vault's keyed hash of the number keyed (never the number itself), its expiry and state
 * checked, and the request paid from the card's own balance in one ledger step, card ->
 * merchant, under the request's payment id: the same transfer, fee and webhook as a payment by
 * code, so that it is paid at most once whatever pays it. Any other card goes to the acquirer
 * (topup.h). Decisions only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "dialog/dialog_int.h"

uint64_t dialog_card_ours(struct dialog *d, const uint8_t pan_mac[32])
{
    struct card_row *k = NULL;

    return dialog_card_by_mac(d, pan_mac, &k) == 0 && k != NULL ? k->account_id : 0;
}

int dialog_request_pay_card(struct dialog *d, struct id128 request_id, const uint8_t pan_mac[32],
                            unsigned month, unsigned year, const char *caller, enum lang lang,
                            int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    const struct request *r = dialog_request_find(d, request_id);
    struct cust *c = caller[0] != '\0' ? dialog_cust_find(d, caller) : NULL;
    struct card_row *k = NULL;
    struct dialog_step *s;
    struct id128 step_id;

    if (r == NULL || r->row.state != PR_PENDING || r->row.expires_us <= now_us) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "the order can no longer be paid");
    }
    /* No security code on our own cards: the number (by its keyed hash) and the expiry must
     * match a card that may spend now. */
    if (dialog_card_by_mac(d, pan_mac, &k) < 0 || k->exp_month != month || k->exp_year != year ||
        !dialog_card_loadable(d, k, now_us)) {
        return mdt_err_set(err, MDT_E(REJECTED), "card refused");
    }
    if (c != NULL && c->busy) {
        return mdt_err_set(err, MDT_E(BUSY), "the caller has an operation in flight: retry");
    }
    if (id128_random(&step_id) < 0) {
        return mdt_err_set(err, MDT_E(IO), "no random bytes");
    }
    /* Each try a step of its own: the payment's id is the request's. */
    s = dialog_step_derived(d, ACT_PAY, step_id, lang, now_us);
    snprintf(s->phone, sizeof(s->phone), "%s", caller); /* the receipt's; "" none */
    if (c != NULL) {
        c->busy = true; /* released when the step is done, as for any of the caller's steps */
    }
    s->request = r->row;
    s->request_changed = true;
    snprintf(s->topup.card_last4, sizeof(s->topup.card_last4), "%s", k->last4);
    dialog_request_pay_op(d, &r->row, k->account_id, &s->ops[0]);
    s->ops[0].transfer.channel = CHANNEL_HTTP;
    s->n = 1;
    *out = s;
    return 0;
}
