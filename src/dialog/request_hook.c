/* SPDX-License-Identifier: Apache-2.0 */
/* What payment request steps write once the ledger has decided (ledger thread): the request's
 * new state, the payer's message, and the merchant's webhook event, all in the same commit as
 * the money. The event's JSON is the HTTP channel's (dialog_config.event_json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "base/limits.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/vault.h"

#define TAG_EVENT 0x700u        /* + state: one event per state change of a request */
#define TAG_REFUND_EVENT 0x900u /* one event per refund */

/* The merchant's event for this step, when it has a URL for it. The body is written by the
 * HTTP channel (dialog_config.event_json) from the event's plain data. */
static void add_event(struct dialog_step *s, const struct dialog_event *ev,
                      struct store_extra *rows, size_t *count, size_t cap)
{
    const struct merchant_row *m = dialog_merchant_get(s->d, s->request.merchant_id);
    const char *url = s->request.callback_url[0] != '\0' ? s->request.callback_url
                      : m != NULL                        ? m->webhook_url
                                                         : "";
    int (*to_json)(const struct dialog_event *, char *, size_t) = s->d->cfg.event_json;
    char eid[ID128_TEXT_MAX];
    struct webhook_row *w;

    if (url[0] == '\0') {
        return;
    }
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_WEBHOOK;
    w = &rows[*count].u.webhook;
    w->id = ev->id;
    w->merchant_id = s->request.merchant_id;
    snprintf(w->url, sizeof(w->url), "%s", url);
    snprintf(w->type, sizeof(w->type), "%s", ev->type);
    w->state = WEBHOOK_QUEUED;
    w->created_us = s->now_us;
    w->next_try_us = s->now_us;
    if (to_json == NULL || to_json(ev, w->body, sizeof(w->body)) < 0) {
        id128_format(ev->id, eid);
        snprintf(w->body, sizeof(w->body), "{\"id\":\"%s\",\"type\":\"%s\"}", eid, ev->type);
    }
    (*count)++;
}

static void state_event(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap)
{
    char type[48];
    struct dialog_event ev = {.id = id128_derive(s->request.id, TAG_EVENT + s->request.state),
                              .type = type,
                              .created_us = s->now_us,
                              .request = &s->request};

    snprintf(type, sizeof(type), "payment_request.%s",
             payment_request_state_name(s->request.state));
    add_event(s, &ev, rows, count, cap);
}

static void fmt_money(const struct dialog_step *s, int64_t v, enum lang lang, char *out)
{
    if (money_format(v, s->d->cfg.currency, lang, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "?");
    }
}

static void fmt_available(const struct dialog_step *s, const struct ledger *l, char *out)
{
    const struct account *a = ledger_account_get(l, s->customer.account_id);

    fmt_money(s, a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0, s->lang,
              out);
}

/* How the payer's messages name who asked (payee) and the merchant's reference (ref): the
 * merchant, or the merchant for a campaign, as one SMS can hold them. */
static void names(struct dialog_step *s, char payee[STORE_ADDR_MAX], char ref[STORE_ADDR_MAX])
{
    char full[STORE_ADDR_MAX];

    dialog_request_payee(s->d, &s->request, s->lang, full, sizeof(full));
    dialog_sms_name(full, DIALOG_PAYEE_SMS_MAX, payee, STORE_ADDR_MAX);
    dialog_sms_name(s->request.reference, DIALOG_REFERENCE_SMS_MAX, ref, STORE_ADDR_MAX);
}

/* Paid: CONFIRMED with the merchant's fee, a campaign's donation counted. */
static void confirmed(struct dialog_step *s, const struct ledger_result *r,
                      struct store_extra *rows, size_t *count, size_t cap)
{
    s->request.state = PR_CONFIRMED;
    s->request.fee_minor = r->fee_minor;
    s->request.updated_us = s->now_us;
    s->request_changed = true;
    if (s->request.campaign[0] != '\0' && !r->duplicate) {
        dialog_campaign_donation(s, s->request.campaign, s->request.transfer_id,
                                 s->request.amount_minor, rows, count, cap);
    }
}

void dialog_request_card_paid(struct dialog_step *s, const struct ledger_result *r, const char *to,
                              bool write_row, struct store_extra *rows, size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], payee[STORE_ADDR_MAX], ref[STORE_ADDR_MAX];

    names(s, payee, ref);
    confirmed(s, r, rows, count, cap);
    fmt_money(s, s->request.amount_minor, s->lang, amount);
    if (to[0] != '\0') {
        dialog_reply(s, rows, count, cap, to, s->lang, TEXT_PAID_CARD, amount, payee, ref,
                     s->topup.card_last4);
    }
    state_event(s, rows, count, cap);
    if (write_row) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_PAYMENT_REQUEST;
        rows[*count].u.payment_request = s->request;
        (*count)++;
    }
}

static void hook_pay(struct dialog_step *s, const struct ledger *l, const struct ledger_result *r,
                     const char *payee, const char *ref, struct store_extra *rows, size_t *count,
                     size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX];

    if (r->reason == LEDGER_OK && s->topup.card_last4[0] != '\0') {
        dialog_request_card_paid(s, r, s->phone, false, rows, count, cap); /* a prepaid card */
        return;
    }
    if (r->reason != LEDGER_OK) {
        /* Nothing moved and the order's payment id stays free (TRANSFER_RETRY_REFUSED): the
         * request stays pending, the payer is told why and can pay it once that is mended. */
        s->outcome = OUTCOME_REFUSED;
        s->request_changed = false;
        s->conversation_changed = false;
        if (s->customer.account_id != 0) {
            dialog_refusal(s, l, r->reason, rows, count, cap); /* a wallet's own words */
        } else {
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_REFUSED,
                         ledger_reason_name(r->reason));
        }
        return;
    }
    confirmed(s, r, rows, count, cap);
    fmt_money(s, s->request.amount_minor, s->lang, amount);
    fmt_available(s, l, bal);
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAID, amount, payee, ref, bal);
    state_event(s, rows, count, cap);
}

static void hook_refund(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *r, const char *payee, const char *ref,
                        struct store_extra *rows, size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX];
    struct dialog_event ev = {.id = id128_derive(s->refund_id, TAG_REFUND_EVENT),
                              .type = "refund.succeeded",
                              .created_us = s->now_us,
                              .request = &s->request,
                              .refund = true,
                              .refund_id = s->refund_id,
                              .refund_minor = s->amount};

    if (r->reason != LEDGER_OK) {
        s->outcome = OUTCOME_REFUSED;
        return;
    }
    if (r->duplicate) {
        return; /* counted and announced the first time */
    }
    s->request.refunded_minor += s->amount;
    s->request.updated_us = s->now_us;
    s->request_changed = true;
    fmt_money(s, s->amount, s->lang, amount);
    fmt_available(s, l, bal);
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_REFUNDED, payee, amount, ref, bal);
    add_event(s, &ev, rows, count, cap);
}

void dialog_request_hook(struct dialog_step *s, const struct ledger *l,
                         const struct ledger_result *r, size_t n, struct store_extra *rows,
                         size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], link[STORE_URL_MAX + 48];
    char payee[STORE_ADDR_MAX], ref[STORE_ADDR_MAX];

    (void)n;
    fmt_money(s, s->request.amount_minor, s->lang, amount);
    names(s, payee, ref);
    switch (s->action) {
    case ACT_REQUEST:
        if (s->text_id == TEXT_PAY_ASK) {
            /* The payer answers with their code: no room for a link in the same SMS. */
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAY_ASK, payee, amount, ref,
                         s->conversation.ref);
        } else {
            snprintf(link, sizeof(link), "%s/c/%s", s->d->cfg.link_base, s->token);
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAY_ASK_LINK, payee, amount, ref,
                         link);
            vault_wipe(link, sizeof(link));
        }
        vault_wipe(s->token, sizeof(s->token)); /* after dialog_reply has sealed it */
        break;
    case ACT_PAY:
        hook_pay(s, l, r, payee, ref, rows, count, cap);
        break;
    case ACT_REFUND:
        hook_refund(s, l, r, payee, ref, rows, count, cap);
        break;
    case ACT_DECLINE:
        if (s->text_id == TEXT_LOCKED_NOW) {
            char lock[DIALOG_DURATION_MAX];

            dialog_duration_format(s->d->cfg.code_lock_s, s->lang, lock);
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_LOCKED_NOW,
                         s->d->cfg.code_attempts_max, lock);
        } else {
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAY_DECLINED, payee, amount);
        }
        state_event(s, rows, count, cap);
        break;
    case ACT_REQ_CANCEL:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAY_CANCELLED, payee, amount);
        state_event(s, rows, count, cap);
        break;
    case ACT_REQ_EXPIRE:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAY_EXPIRED, payee, amount);
        state_event(s, rows, count, cap);
        break;
    default:
        break;
    }
    if (s->request_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_PAYMENT_REQUEST;
        rows[*count].u.payment_request = s->request;
        (*count)++;
    }
}
