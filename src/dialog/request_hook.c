/* SPDX-License-Identifier: Apache-2.0 */
/* What payment request steps write once the ledger has decided (ledger thread): the request's
 * new state, the payer's message, and the merchant's webhook event, all in the same commit as
 * the money; and their JSON, the same for the API and the webhooks. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/limits.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/vault.h"

#define TAG_EVENT 0x700u        /* + state: one event per state change of a request */
#define TAG_REFUND_EVENT 0x900u /* one event per refund */

static void iso_time(int64_t us, char out[32])
{
    char t[24];

    clock_format_utc(us, t, sizeof(t)); /* "2026-11-23 10:00:00" */
    snprintf(out, 32, "%.10sT%.8sZ", t, t + 11);
}

static json_t *request_object(const struct payment_request_row *r)
{
    char id[ID128_TEXT_MAX], tid[ID128_TEXT_MAX], created[32], expires[32], updated[32];
    json_t *o;

    id128_format(r->id, id);
    id128_format(r->transfer_id, tid);
    iso_time(r->created_us, created);
    iso_time(r->expires_us, expires);
    iso_time(r->updated_us, updated);
    o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", id,
                  "object", "payment_request", "amount", (json_int_t)r->amount_minor, "currency",
                  r->currency, "payer", r->payer, "reference", r->reference, "description",
                  r->description, "state", payment_request_state_name(r->state), "created_at",
                  created, "expires_at", expires, "updated_at", updated, "merchant_id",
                  (json_int_t)r->merchant_id);
    MDT_ASSERT(o != NULL);
    if (r->callback_url[0] != '\0') {
        json_object_set_new(o, "callback_url", json_string(r->callback_url));
    }
    if (r->campaign[0] != '\0') {
        json_object_set_new(o, "campaign", json_string(r->campaign));
    }
    if (r->state == PR_CONFIRMED) {
        json_object_set_new(o, "transfer_id", json_string(tid));
        json_object_set_new(o, "fee", json_integer(r->fee_minor));
        json_object_set_new(o, "refunded", json_integer(r->refunded_minor));
    }
    return o;
}

static int dump(json_t *o, char *buf, size_t cap)
{
    size_t n = json_dumpb(o, buf, cap, JSON_COMPACT);

    json_decref(o);
    if (n == 0 || n >= cap) {
        return MDT_E(RANGE);
    }
    buf[n] = '\0';
    return (int)n;
}

int dialog_request_json(const struct dialog *d, const struct payment_request_row *r, char *buf,
                        size_t cap)
{
    (void)d;
    return dump(request_object(r), buf, cap);
}

/* The merchant's event for this step, when it has a URL for it. */
static void add_event(struct dialog_step *s, const char *type, struct id128 id, json_t *extra,
                      struct store_extra *rows, size_t *count, size_t cap)
{
    const struct merchant_row *m = dialog_merchant_get(s->d, s->request.merchant_id);
    const char *url = s->request.callback_url[0] != '\0' ? s->request.callback_url
                      : m != NULL                        ? m->webhook_url
                                                         : "";
    char eid[ID128_TEXT_MAX], created[32];
    struct webhook_row *w;
    json_t *data = request_object(&s->request), *ev;

    if (url[0] == '\0') {
        json_decref(data);
        json_decref(extra);
        return;
    }
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_WEBHOOK;
    w = &rows[*count].u.webhook;
    w->id = id;
    w->merchant_id = s->request.merchant_id;
    snprintf(w->url, sizeof(w->url), "%s", url);
    snprintf(w->type, sizeof(w->type), "%s", type);
    w->state = WEBHOOK_QUEUED;
    w->created_us = s->now_us;
    w->next_try_us = s->now_us;
    id128_format(id, eid);
    iso_time(s->now_us, created);
    if (extra != NULL) {
        json_object_set_new(data, "refund", extra);
    }
    ev = json_pack("{s:s, s:s, s:s, s:o}", "id", eid, "type", type, "created_at", created, "data",
                   data);
    MDT_ASSERT(ev != NULL);
    if (dump(ev, w->body, sizeof(w->body)) < 0) {
        snprintf(w->body, sizeof(w->body), "{\"id\":\"%s\",\"type\":\"%s\"}", eid, type);
    }
    (*count)++;
}

static void state_event(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap)
{
    char type[48];

    snprintf(type, sizeof(type), "payment_request.%s",
             payment_request_state_name(s->request.state));
    add_event(s, type, id128_derive(s->request.id, TAG_EVENT + s->request.state), NULL, rows, count,
              cap);
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

static void hook_pay(struct dialog_step *s, const struct ledger *l, const struct ledger_result *r,
                     const char *payee, const char *ref, struct store_extra *rows, size_t *count,
                     size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX];

    if (r->reason != LEDGER_OK) {
        /* Nothing moved: the request stays pending, the payer is told why. */
        s->outcome = OUTCOME_REFUSED;
        s->request_changed = false;
        s->conversation_changed = false;
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_REFUSED,
                     ledger_reason_name(r->reason));
        return;
    }
    s->request.state = PR_CONFIRMED;
    s->request.fee_minor = r->fee_minor;
    s->request.updated_us = s->now_us;
    if (s->request.campaign[0] != '\0' && !r->duplicate) {
        dialog_campaign_donation(s, s->request.campaign, s->request.transfer_id,
                                 s->request.amount_minor, rows, count, cap);
    }
    fmt_money(s, s->request.amount_minor, s->lang, amount);
    fmt_available(s, l, bal);
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAID, amount, payee, ref, bal);
    state_event(s, rows, count, cap);
}

static void hook_refund(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *r, const char *payee, const char *ref,
                        struct store_extra *rows, size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], rid[ID128_TEXT_MAX];

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
    id128_format(s->refund_id, rid);
    add_event(s, "refund.succeeded", id128_derive(s->refund_id, TAG_REFUND_EVENT),
              json_pack("{s:s, s:I}", "id", rid, "amount", (json_int_t)s->amount), rows, count,
              cap);
}

void dialog_request_hook(struct dialog_step *s, const struct ledger *l,
                         const struct ledger_result *r, size_t n, struct store_extra *rows,
                         size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], link[STORE_URL_MAX + 48], full[STORE_ADDR_MAX];
    char payee[STORE_ADDR_MAX], ref[STORE_ADDR_MAX];

    (void)n;
    fmt_money(s, s->request.amount_minor, s->lang, amount);
    /* How the payer's messages name who asked: the merchant, or the merchant for a campaign;
     * both it and the merchant's reference as one SMS can hold them. */
    dialog_request_payee(s->d, &s->request, s->lang, full, sizeof(full));
    dialog_sms_name(full, DIALOG_PAYEE_SMS_MAX, payee, sizeof(payee));
    dialog_sms_name(s->request.reference, DIALOG_REFERENCE_SMS_MAX, ref, sizeof(ref));
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
