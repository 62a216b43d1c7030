/* SPDX-License-Identifier: Apache-2.0 */
/* Decisions about payment requests: a merchant creates, cancels or refunds one; the payer
 * confirms or declines it by SMS or on the wallet page; nobody confirms it in time. Each is one
 * engine step whose ids derive from the request's id, so that a step decided twice (a retry
 * after a crash) moves money once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/vault.h"

#define TAG_PAY 0x600u
#define TAG_STEP 0x800u /* + n: the step's own id (its outbox rows derive from it) */

#define REQUEST_EXPIRES_MIN_S 60
#define REQUEST_EXPIRES_MAX_S (7 * 86400)
#define REQUEST_EXPIRES_DEFAULT_S 900 /* 15 minutes: an order at a till or online checkout */

/* Dialog work looks for expired requests at most this often: the scan is O(requests). */
#define REQUEST_EXPIRY_SCAN_US 1000000

static struct dialog_step *api_step(struct dialog *d, struct cust *payer, struct id128 step_id,
                                    int action, int64_t now_us)
{
    struct dialog_step *s = calloc(1, sizeof(*s));

    MDT_ASSERT(s != NULL);
    s->d = d;
    s->api = true;
    s->now_us = now_us;
    s->inbox_id = step_id;
    s->action = action;
    snprintf(s->phone, sizeof(s->phone), "%s", payer->row.phone);
    s->lang = (enum lang)payer->row.lang;
    s->customer = payer->row;
    payer->busy = true;
    return s;
}

/* The payer's conversation about request r, closed by this step. */
static void close_conversation(struct dialog_step *s, const struct cust *c, const struct request *r)
{
    if (c->has_conv && id128_eq(c->conv.order_id, r->row.id)) {
        s->conversation = c->conv;
        s->conversation.active = false;
        s->conversation_changed = true;
    }
}

/* The account a request's money goes to: the merchant's, or the campaign's association's. */
static uint64_t request_credit(struct dialog *d, const struct payment_request_row *r)
{
    const struct campaign *k;

    if (r->campaign[0] == '\0') {
        return r->merchant_id;
    }
    k = dialog_campaign_find(d, r->campaign);
    return k != NULL ? k->row.account_id : 0; /* 0: the ledger refuses, nothing moves */
}

void dialog_request_payee(struct dialog *d, const struct payment_request_row *r, enum lang lang,
                          char *out, size_t cap)
{
    const struct merchant_row *m = dialog_merchant_get(d, r->merchant_id);
    const struct campaign *k = r->campaign[0] != '\0' ? dialog_campaign_find(d, r->campaign) : NULL;

    int n;

    MDT_ASSERT(cap > 0);
    if (k != NULL) {
        n = snprintf(out, cap, "%s %s %s", m != NULL ? m->name : "?",
                     lang == LANG_FR ? "pour" : "for", k->row.name);
    } else {
        n = snprintf(out, cap, "%s", m != NULL ? m->name : "?");
    }
    if (n >= 0 && (size_t)n >= cap && cap > 1) { /* cut: never inside a UTF-8 character */
        size_t last = cap - 2, need;
        unsigned char lead;

        while (last > 0 && ((unsigned char)out[last] & 0xc0) == 0x80) {
            last--;
        }
        lead = (unsigned char)out[last];
        need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (last + need > cap - 1) {
            out[last] = '\0';
        }
    }
}

static struct cust *payer_of(struct dialog *d, const struct request *r, struct mdt_err *err,
                             int *rc)
{
    struct cust *c = dialog_cust_find(d, r->row.payer);

    *rc = 0;
    if (c == NULL || c->row.account_id == 0) {
        *rc = mdt_err_set(err, MDT_E(NOTFOUND), "the payer's wallet is gone");
    } else if (c->busy) {
        *rc = mdt_err_set(err, MDT_E(BUSY), "the payer has an operation in flight: retry");
    }
    return c;
}

static int check_input(struct dialog *d, const struct request_input *in, char *e164,
                       uint32_t *expires_s, struct mdt_err *err)
{
    if (dialog_merchant_get(d, in->merchant_id) == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "merchant %llu is unknown",
                           (unsigned long long)in->merchant_id);
    }
    if (in->amount_minor <= 0) {
        return mdt_err_set(err, MDT_E(INVAL), "amount must be a positive number of cents");
    }
    if (in->currency[0] != '\0' && strcmp(in->currency, d->cfg.currency->code) != 0) {
        return mdt_err_set(err, MDT_E(INVAL), "currency %s is not taken here: use %s", in->currency,
                           d->cfg.currency->code);
    }
    if (phone_normalize(in->payer, d->cfg.country, e164, NULL) < 0) {
        return mdt_err_set(err, MDT_E(INVAL), "payer must be a phone number, e.g. +33612345678");
    }
    if (in->campaign[0] != '\0' && dialog_campaign_find(d, in->campaign) == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND),
                           "campaign %s is unknown: the operator creates it (POST /v1/campaigns)",
                           in->campaign);
    }
    *expires_s = in->expires_in_s != 0 ? in->expires_in_s : REQUEST_EXPIRES_DEFAULT_S;
    if (*expires_s < REQUEST_EXPIRES_MIN_S || *expires_s > REQUEST_EXPIRES_MAX_S) {
        return mdt_err_set(err, MDT_E(INVAL), "expires_in must be between %d and %d seconds",
                           REQUEST_EXPIRES_MIN_S, REQUEST_EXPIRES_MAX_S);
    }
    return 0;
}

static void fill_request(struct dialog_step *s, const struct request_input *in, const char *e164,
                         uint32_t expires_s, int64_t now_us)
{
    struct payment_request_row *r = &s->request;

    r->id = in->id;
    r->merchant_id = in->merchant_id;
    r->amount_minor = in->amount_minor;
    snprintf(r->currency, sizeof(r->currency), "%s", s->d->cfg.currency->code);
    snprintf(r->payer, sizeof(r->payer), "%s", e164);
    snprintf(r->reference, sizeof(r->reference), "%s", in->reference);
    snprintf(r->description, sizeof(r->description), "%s", in->description);
    snprintf(r->callback_url, sizeof(r->callback_url), "%s", in->callback_url);
    snprintf(r->campaign, sizeof(r->campaign), "%s", in->campaign);
    r->state = PR_PENDING;
    r->transfer_id = id128_derive(in->id, TAG_PAY);
    r->created_us = now_us;
    r->updated_us = now_us;
    r->expires_us = now_us + (int64_t)expires_s * 1000000;
    s->request_changed = true;
}

int dialog_request_create(struct dialog *d, const struct request_input *in, int64_t now_us,
                          struct dialog_step **out, struct mdt_err *err)
{
    char e164[PHONE_E164_MAX];
    uint32_t expires_s = 0;
    struct dialog_step *s;
    struct cust *c;
    int rc = check_input(d, in, e164, &expires_s, err);

    if (rc < 0) {
        return rc;
    }
    if (dialog_request_find(d, in->id) != NULL) {
        return mdt_err_set(err, MDT_E(EXISTS), "this payment request exists");
    }
    c = dialog_cust_find(d, e164);
    if (c == NULL || c->row.account_id == 0) {
        return mdt_err_set(err, MDT_E(NOTFOUND),
                           "no mandat wallet for this payer: ask them to text JOIN to %s",
                           d->cfg.short_code);
    }
    if (c->busy) {
        return mdt_err_set(err, MDT_E(BUSY), "the payer has an operation in flight: retry");
    }
    s = api_step(d, c, id128_derive(in->id, TAG_STEP), ACT_REQUEST, now_us);
    fill_request(s, in, e164, expires_s, now_us);
    if (vault_token_new(d->vault, s->token, s->request.token_hash) < 0) {
        c->busy = false;
        free(s);
        return mdt_err_set(err, MDT_E(IO), "no random bytes for the link token");
    }
    s->text_id = c->has_conv ? TEXT_PAY_ASK_LINK : TEXT_PAY_ASK;
    if (!c->has_conv) {
        /* The payer may answer the SMS with their code: the request is their order. */
        struct conversation_row *v = &s->conversation;

        s->conversation_changed = true;
        snprintf(v->phone, sizeof(v->phone), "%s", e164);
        v->active = true;
        v->order_id = in->id;
        v->payee_account = request_credit(d, &s->request);
        dialog_request_payee(d, &s->request, s->lang, v->payee, sizeof(v->payee));
        v->amount_minor = in->amount_minor;
        dialog_order_ref(in->id, v->ref);
        v->expires_us = s->request.expires_us;
        v->kind = TRANSFER_PAYMENT; /* a request's conversation, whatever its transfer's kind */
    }
    *out = s;
    return 0;
}

int dialog_request_cancel(struct dialog *d, uint64_t merchant_id, struct id128 id, int64_t now_us,
                          struct dialog_step **out, struct mdt_err *err)
{
    struct request *r = dialog_request_find(d, id);
    struct dialog_step *s;
    struct cust *c;
    int rc;

    if (r == NULL || r->row.merchant_id != merchant_id) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such payment request");
    }
    if (r->row.state != PR_PENDING) {
        return mdt_err_set(err, MDT_E(RANGE), "the payment request is %s, not pending",
                           payment_request_state_name(r->row.state));
    }
    c = payer_of(d, r, err, &rc);
    if (rc < 0) {
        return rc;
    }
    s = api_step(d, c, id128_derive(id, TAG_STEP + 1), ACT_REQ_CANCEL, now_us);
    s->request = r->row;
    s->request.state = PR_CANCELLED;
    s->request.updated_us = now_us;
    s->request_changed = true;
    close_conversation(s, c, r);
    *out = s;
    return 0;
}

void dialog_decide_decline(struct dialog_step *s, struct cust *c, struct request *r)
{
    s->action = ACT_DECLINE;
    s->text_id = TEXT_PAY_DECLINED;
    s->request = r->row;
    s->request.state = PR_DECLINED;
    s->request.updated_us = s->now_us;
    s->request_changed = true;
    s->outcome = OUTCOME_LOCKED;
    close_conversation(s, c, r);
}

void dialog_request_pay_op(struct dialog *d, const struct payment_request_row *r, uint64_t debit,
                           struct ledger_op *op)
{
    const struct merchant_row *m = dialog_merchant_get(d, r->merchant_id);

    memset(op, 0, sizeof(*op));
    op->type = LEDGER_OP_TRANSFER;
    op->transfer.id = r->transfer_id;
    /* The id is the order's one payment: a payer refused now (funds short, a limit) may pay
     * it later, or someone else may; the id still stops a second success. */
    op->transfer.flags = TRANSFER_RETRY_REFUSED;
    op->transfer.debit_account_id = debit;
    op->transfer.credit_account_id = request_credit(d, r);
    op->transfer.amount = r->amount_minor;
    if (r->campaign[0] != '\0') {
        /* A donation: the association gets it all; the merchant only collected it. */
        op->transfer.kind = TRANSFER_DONATION;
    } else {
        op->transfer.kind = TRANSFER_PAYMENT;
        op->transfer.fee_schedules[0] = m != NULL ? m->fee_schedule : 0;
    }
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "%s", r->reference);
}

static void decide_pay_code(struct dialog *d, struct dialog_step *s, struct cust *c,
                            struct request *r, const char *code, int64_t now_us)
{
    struct ledger_op *op = &s->ops[0];

    s->customer = c->row;
    s->customer_changed = true;
    if (c->row.has_pin && vault_pin_verify(d->vault, c->row.phone, code, c->row.pin_hash)) {
        s->customer.pin_failures = 0;
        s->action = ACT_PAY;
        s->request = r->row;
        s->request_changed = true;
        dialog_request_pay_op(d, &r->row, c->row.account_id, op);
        op->transfer.channel = s->api ? CHANNEL_HTTP : CHANNEL_SMS;
        s->n = 1;
        close_conversation(s, c, r);
        return;
    }
    s->customer.pin_failures++;
    if (s->customer.pin_failures < d->cfg.code_attempts_max) {
        s->action = ACT_WRONG_CODE;
        s->outcome = OUTCOME_WRONG_CODE;
        if (c->has_conv && id128_eq(c->conv.order_id, r->row.id)) {
            s->conversation = c->conv;
            s->conversation.attempts++;
            s->conversation_changed = true;
        }
        return;
    }
    /* PSD2 RTS art. 4: the fifth wrong code fails the order and locks the code. */
    s->customer.pin_failures = 0;
    s->customer.locked_until_us = now_us + (int64_t)d->cfg.code_lock_s * 1000000;
    dialog_decide_decline(s, c, r);
    s->text_id = TEXT_LOCKED_NOW;
}

void dialog_decide_pay(struct dialog *d, struct dialog_step *s, struct cust *c, struct request *r,
                       const char *code, int64_t now_us)
{
    if (r->row.state != PR_PENDING) {
        s->outcome = OUTCOME_NOT_PENDING;
        dialog_reply_only(s, TEXT_NO_ORDER);
        return;
    }
    if (r->row.expires_us <= now_us) {
        s->outcome = OUTCOME_EXPIRED;
        dialog_reply_only(s, TEXT_EXPIRED);
        return;
    }
    if (c->row.locked_until_us > now_us) {
        s->outcome = OUTCOME_LOCKED;
        dialog_reply_only(s, TEXT_LOCKED);
        return;
    }
    if (dialog_code_blocks(s, c, now_us)) {
        return;
    }
    decide_pay_code(d, s, c, r, code, now_us);
}

/* A try of the payer's code for request r, from a page or a call (not an SMS message). */
static int confirm_try(struct dialog *d, struct request *r, const char *code, int64_t now_us,
                       struct dialog_step **out, struct mdt_err *err)
{
    struct dialog_step *s;
    struct cust *c;
    int rc;

    c = payer_of(d, r, err, &rc);
    if (rc < 0) {
        return rc;
    }
    struct id128 step_id;

    /* Each try is a step of its own, with an id of its own. */
    if (id128_random(&step_id) < 0) {
        return mdt_err_set(err, MDT_E(IO), "no random bytes");
    }
    s = api_step(d, c, step_id, ACT_REPLY, now_us);
    dialog_decide_pay(d, s, c, r, code, now_us);
    *out = s;
    return 0;
}

int dialog_request_confirm_web(struct dialog *d, const uint8_t token_hash[32], const char *code,
                               int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    const struct payment_request_row *row = dialog_request_by_token(d, token_hash);
    struct request *r = row != NULL ? dialog_request_find(d, row->id) : NULL;

    if (r == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "this link is not valid");
    }
    return confirm_try(d, r, code, now_us, out, err);
}

int dialog_request_confirm_phone(struct dialog *d, struct id128 id, const char *payer,
                                 const char *code, int64_t now_us, struct dialog_step **out,
                                 struct mdt_err *err)
{
    struct request *r = dialog_request_find(d, id);

    if (r == NULL || strcmp(r->row.payer, payer) != 0) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such payment request for this caller");
    }
    return confirm_try(d, r, code, now_us, out, err);
}

int dialog_refund(struct dialog *d, uint64_t merchant_id, struct id128 request_id,
                  struct id128 refund_id, int64_t amount_minor, int64_t now_us,
                  struct dialog_step **out, struct mdt_err *err)
{
    struct request *r = dialog_request_find(d, request_id);
    int64_t left;
    struct dialog_step *s;
    struct ledger_op *op;
    struct cust *c;
    int rc;

    if (r == NULL || r->row.merchant_id != merchant_id) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such payment request");
    }
    left = r->row.amount_minor - r->row.refunded_minor;
    if (r->row.campaign[0] != '\0') {
        return mdt_err_set(err, MDT_E(RANGE),
                           "this payment request was a donation to campaign %s: its money is the "
                           "association's, which alone can give it back",
                           r->row.campaign);
    }
    if (r->row.state != PR_CONFIRMED) {
        return mdt_err_set(err, MDT_E(RANGE),
                           "the payment request is %s: only a confirmed one "
                           "can be refunded",
                           payment_request_state_name(r->row.state));
    }
    if (amount_minor < 0 || amount_minor > left || left == 0) {
        return mdt_err_set(err, MDT_E(RANGE), "refund above what is left to refund (%lld cents)",
                           (long long)left);
    }
    c = payer_of(d, r, err, &rc);
    if (rc < 0) {
        return rc;
    }
    s = api_step(d, c, id128_derive(refund_id, TAG_STEP), ACT_REFUND, now_us);
    s->request = r->row;
    s->refund_id = refund_id;
    s->amount = amount_minor != 0 ? amount_minor : left;
    op = &s->ops[0];
    op->type = LEDGER_OP_TRANSFER;
    op->transfer.id = refund_id;
    op->transfer.debit_account_id = merchant_id;
    op->transfer.credit_account_id = c->row.account_id;
    op->transfer.amount = s->amount;
    op->transfer.kind = TRANSFER_REFUND;
    op->transfer.link_id = r->row.transfer_id;
    op->transfer.channel = CHANNEL_HTTP;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "%s", r->row.reference);
    s->n = 1;
    *out = s;
    return 0;
}

struct dialog_step *dialog_request_work(struct dialog *d, int64_t now_us)
{
    if (now_us < d->next_expiry_scan_us) {
        return NULL;
    }
    for (size_t i = 0; i < d->request_count; i++) {
        struct request *r = &d->requests[i];
        struct cust *c;

        if (r->row.state != PR_PENDING || r->row.expires_us > now_us) {
            continue;
        }
        c = dialog_cust_find(d, r->row.payer);
        if (c == NULL || c->busy) {
            continue;
        }
        {
            struct dialog_step *s =
                api_step(d, c, id128_derive(r->row.id, TAG_STEP + 2), ACT_REQ_EXPIRE, now_us);

            s->request = r->row;
            s->request.state = PR_EXPIRED;
            s->request.updated_us = now_us;
            s->request_changed = true;
            close_conversation(s, c, r);
            return s;
        }
    }
    d->next_expiry_scan_us = now_us + REQUEST_EXPIRY_SCAN_US;
    return NULL;
}
