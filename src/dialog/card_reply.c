/* SPDX-License-Identifier: Apache-2.0 */
/* The replies of card steps (issue 13), written on the ledger thread from the step and the
 * ledger's view: the reload's confirmation question, the sender's receipt (amount, fee, the
 * card's new balance), the holder's notice in their language, a refusal that names its rule
 * (the yearly cap with what is left this year, the smallest reload), balances and activation. */
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "dialog/dialog_int.h"

static void amount_text(const struct dialog_step *s, int64_t amount, enum lang lang,
                        char out[MONEY_FORMAT_MAX])
{
    if (money_format(amount, s->d->cfg.currency, lang, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "?");
    }
}

/* What the card holds for spending: posted, less what is held. */
static int64_t card_balance(const struct ledger *l, uint64_t id)
{
    const struct account *a = ledger_account_get(l, id);

    return a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0;
}

/* What may still be loaded on the card this calendar year (holds count: they are loads the
 * ledger reserved). 0 when the card has no yearly cap. */
int64_t dialog_card_year_left(const struct ledger *l, uint64_t id, int64_t now_us)
{
    const struct account *a = ledger_account_get(l, id);
    const struct ledger_limits *lim = ledger_limits_of(l, id);
    struct calendar_keys k;
    int64_t used;

    if (a == NULL || lim == NULL || lim->year_loads_max <= 0) {
        return 0;
    }
    clock_calendar_keys(now_us, &k);
    used = a->year_key == k.year ? a->year_loads : 0;
    return used < lim->year_loads_max ? lim->year_loads_max - used : 0;
}

/* The reload fee the sender pays on amount (the SMS order fee is the operator's). */
static int64_t reload_fee(const struct dialog_step *s, int64_t amount)
{
    int64_t fee = 0;

    if (s->d->cfg.card_reload_fee_schedule == 0 ||
        fee_compute(&s->d->cfg.card_reload_fee, amount, &fee) != LEDGER_OK) {
        return 0;
    }
    return fee;
}

static void reply_refused(struct dialog_step *s, const struct ledger *l, int reason,
                          struct store_extra *rows, size_t *count, size_t cap)
{
    char a[MONEY_FORMAT_MAX];

    if (reason == LEDGER_LIMIT_YEARLY_LOADS) {
        amount_text(s, dialog_card_year_left(l, s->card.account_id, s->now_us), s->lang, a);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_YEAR_CAP, s->card.last4, a);
    } else if (reason == LEDGER_FEE_BELOW_MINIMUM_AMOUNT) {
        amount_text(s, s->d->cfg.card_reload_fee.min_amount, s->lang, a);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_MIN, a);
    } else {
        dialog_refusal(s, l, reason, rows, count, cap);
    }
}

/* RECHARGE ... CB by the page: the rules the load will meet (the minimum and the fee table, the
 * card's yearly cap), checked before the link is sent, so that a refusal names its rule and
 * charges nothing. The ledger checks them again in the load's own atomic step. */
static int reload_by_card_check(const struct dialog_step *s, const struct ledger *l)
{
    const struct ledger_limits *lim = ledger_limits_of(l, s->card.account_id);
    int64_t fee = 0;
    int rc;

    if (s->amount <= 0) {
        return LEDGER_AMOUNT_MUST_BE_POSITIVE;
    }
    if (s->d->cfg.card_reload_fee_schedule != 0) {
        rc = fee_compute(&s->d->cfg.card_reload_fee, s->amount, &fee);
        if (rc != LEDGER_OK) {
            return rc;
        }
    }
    if (lim != NULL && lim->year_loads_max > 0 &&
        s->amount > dialog_card_year_left(l, s->card.account_id, s->now_us)) {
        return LEDGER_LIMIT_YEARLY_LOADS;
    }
    return LEDGER_OK;
}

bool dialog_card_reload_refused(struct dialog_step *s, const struct ledger *l,
                                struct store_extra *rows, size_t *count, size_t cap)
{
    int reason = reload_by_card_check(s, l);

    if (reason == LEDGER_OK) {
        return false;
    }
    reply_refused(s, l, reason, rows, count, cap);
    return true;
}

void dialog_card_reply_topup(struct dialog_step *s, const struct ledger *l,
                             struct store_extra *rows, size_t *count, size_t cap)
{
    const struct card_topup_row *t = &s->topup;
    char amount[MONEY_FORMAT_MAX], fee[MONEY_FORMAT_MAX], card[MONEY_FORMAT_MAX];

    amount_text(s, t->amount_minor, s->lang, amount);
    amount_text(s, t->fee_minor, s->lang, fee);
    amount_text(s, card_balance(l, t->card_account), s->lang, card);
    dialog_reply(s, rows, count, cap, t->phone, s->lang, TEXT_CARD_RELOADED_BANK, amount,
                 t->card_target_last4, t->card_alias, fee, t->card_last4, card);
    if (s->card.phone[0] == '\0' || strcmp(s->card.phone, t->phone) == 0) {
        return;
    }
    amount_text(s, t->amount_minor, s->payee_lang, amount);
    amount_text(s, card_balance(l, t->card_account), s->payee_lang, card);
    dialog_reply(s, rows, count, cap, s->card.phone, s->payee_lang, TEXT_CARD_LOADED_HOLDER, amount,
                 t->card_target_last4, card);
}

void dialog_card_reply_order(struct dialog_step *s, const struct ledger *l,
                             const struct ledger_result *r, struct store_extra *rows, size_t *count,
                             size_t cap)
{
    char amount[MONEY_FORMAT_MAX], fee[MONEY_FORMAT_MAX], timeout[DIALOG_DURATION_MAX];

    if (r->reason != LEDGER_OK) {
        s->conversation_changed = false;
        s->topup_changed = false;
        reply_refused(s, l, r->reason, rows, count, cap);
        return;
    }
    s->conversation.expires_us = r->timestamp_us + (int64_t)s->d->cfg.order_timeout_s * 1000000;
    amount_text(s, s->amount, s->lang, amount);
    amount_text(s, reload_fee(s, s->amount), s->lang, fee);
    dialog_duration_format(s->d->cfg.order_timeout_s, s->lang, timeout);
    if (s->topup_changed) { /* paid by the card on file once the code confirms it */
        s->topup.expires_us = s->conversation.expires_us;
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_CONFIRM_RELOAD_BANK,
                     s->card.last4, s->text_arg, amount, fee, s->topup.card_last4, timeout,
                     s->conversation.ref);
        dialog_topup_rows(s, rows, count, cap);
        return;
    }
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_CONFIRM_RELOAD, s->card.last4,
                 s->text_arg, amount, fee, timeout, s->conversation.ref);
}

void dialog_card_reply_confirm(struct dialog_step *s, const struct ledger *l,
                               const struct ledger_result *r, struct store_extra *rows,
                               size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], fee[MONEY_FORMAT_MAX], card[MONEY_FORMAT_MAX];
    char wallet[MONEY_FORMAT_MAX];

    if (r->reason != LEDGER_OK) {
        s->outcome = r->reason == LEDGER_PENDING_EXPIRED ? OUTCOME_EXPIRED : OUTCOME_REFUSED;
        reply_refused(s, l, r->reason, rows, count, cap);
        return;
    }
    amount_text(s, s->amount, s->lang, amount);
    amount_text(s, reload_fee(s, s->amount), s->lang, fee);
    amount_text(s, card_balance(l, s->card.account_id), s->lang, card);
    amount_text(s, card_balance(l, s->customer.account_id), s->lang, wallet);
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_RELOADED, amount, s->card.last4,
                 s->text_arg, fee, card, wallet);
    if (s->card.phone[0] == '\0' || strcmp(s->card.phone, s->phone) == 0) {
        return;
    }
    amount_text(s, s->amount, s->payee_lang, amount);
    amount_text(s, card_balance(l, s->card.account_id), s->payee_lang, card);
    dialog_reply(s, rows, count, cap, s->card.phone, s->payee_lang, TEXT_CARD_LOADED_HOLDER, amount,
                 s->card.last4, card);
}

/* A partner's load (dialog_card_load): the figures for the API's answer, and when it passed the
 * holder's notice, the same as after an SMS reload. The partner is answered by the API. */
void dialog_card_reply_load(struct dialog_step *s, const struct ledger *l,
                            const struct ledger_result *r, struct store_extra *rows, size_t *count,
                            size_t cap)
{
    char amount[MONEY_FORMAT_MAX], card[MONEY_FORMAT_MAX];

    s->card_year_left = dialog_card_year_left(l, s->card.account_id, s->now_us);
    s->card_balance = card_balance(l, s->card.account_id);
    if (r->reason != LEDGER_OK) {
        s->outcome = OUTCOME_REFUSED;
        return;
    }
    s->card_fee = r->fee_minor;
    if (s->card.phone[0] == '\0' || r->duplicate) { /* a replay: the holder was told already */
        return;
    }
    amount_text(s, s->amount, s->payee_lang, amount);
    amount_text(s, s->card_balance, s->payee_lang, card);
    dialog_reply(s, rows, count, cap, s->card.phone, s->payee_lang, TEXT_CARD_LOADED_HOLDER, amount,
                 s->card.last4, card);
}

/* Texts decided in card.c, each with its own arguments. */
static void reply_said(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap)
{
    enum dialog_text t = (enum dialog_text)s->text_id;
    const char *last4 = s->card.last4, *alias = s->text_arg;
    unsigned max = s->d->cfg.code_attempts_max;

    switch (t) {
    case TEXT_CARD_INACTIVE:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, last4, alias, last4);
        break;
    case TEXT_CARD_BLOCKED:
    case TEXT_CARD_BLOCKED_NOW:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, last4, alias[0] ? alias : "-");
        break;
    case TEXT_CARD_ALIAS_UNKNOWN:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, alias, alias);
        break;
    case TEXT_CARD_ADDED:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, last4, alias, alias);
        break;
    case TEXT_CARD_ACTIVATED:
    case TEXT_CARD_ACTIVE_ALREADY:
    case TEXT_CARD_NOT_YOURS:
    case TEXT_CARD_PIN_OFF:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, last4);
        break;
    case TEXT_CARD_ACTIVATION_WRONG:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t,
                     max > s->card.activation_failures ? max - s->card.activation_failures : 0);
        break;
    case TEXT_CARD_WRONG:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t,
                     max > s->customer.pin_failures ? max - s->customer.pin_failures : 0);
        break;
    case TEXT_CARD_TOO_MANY:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, (unsigned)DIALOG_ALIASES_PER_OWNER);
        break;
    case TEXT_CARDS_LIST:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, s->detail);
        break;
    case TEXT_CARD_FILE_FORGOTTEN:
        dialog_reply(s, rows, count, cap, NULL, s->lang, t, s->card_file.pan.last4);
        break;
    default: /* CARDS_NONE, CARD_NONE_HERE, CARD_ACTIVATION_LOCKED: no argument */
        dialog_reply(s, rows, count, cap, NULL, s->lang, t);
        break;
    }
}

void dialog_card_hook(struct dialog_step *s, const struct ledger *l, struct store_extra *rows,
                      size_t *count, size_t cap)
{
    char bal[MONEY_FORMAT_MAX], left[MONEY_FORMAT_MAX];

    switch (s->action) {
    case ACT_CARD_ADD:
        s->text_id = TEXT_CARD_ADDED;
        reply_said(s, rows, count, cap);
        break;
    case ACT_CARD_WRONG:
        s->text_id = TEXT_CARD_WRONG;
        reply_said(s, rows, count, cap);
        break;
    case ACT_CARD_BALANCE:
        amount_text(s, card_balance(l, s->card.account_id), s->lang, bal);
        amount_text(s, dialog_card_year_left(l, s->card.account_id, s->now_us), s->lang, left);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_BALANCE, s->card.last4, bal,
                     left);
        break;
    default:
        reply_said(s, rows, count, cap);
        break;
    }
    if (s->card_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CARD;
        rows[*count].u.card = s->card;
        (*count)++;
    }
    if (s->alias_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CARD_ALIAS;
        rows[*count].u.card_alias = s->alias;
        (*count)++;
    }
    dialog_card_file_row(s, rows, count, cap);
}
