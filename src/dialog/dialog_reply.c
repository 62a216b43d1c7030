/* SPDX-License-Identifier: Apache-2.0 */
/* Replies: written by the engine hook on the ledger thread once the ledger has decided, so that
 * they commit with the money they talk about; and the dialog's memory updated when the step is
 * durable. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/limits.h"
#include "base/log.h"
#include "dialog/command.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "ledger/ledger.h"
#include "vault/vault.h"

#define TAG_REPLY 0x200u

/* The formats come from one compile-time table (dialog_text.h), each documented with its
 * arguments; -Wformat-nonliteral cannot see through the table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void dialog_reply(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap,
                  const char *dest, enum lang lang, enum dialog_text t, ...)
{
    struct outbox_row *o;
    va_list ap;

    if ((dest != NULL ? dest : s->phone)[0] == '\0' && s->address[0] == '\0') {
        return; /* no one to tell: a hidden number's card payment by phone */
    }
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_OUTBOX;
    o = &rows[*count].u.outbox;
    o->id = id128_derive(s->inbox_id, TAG_REPLY + s->replies++);
    o->inbox_id = s->inbox_id;
    o->channel = CHANNEL_SMS;
    o->state = OUTBOX_QUEUED;
    o->created_us = s->now_us;
    o->next_try_us = s->now_us;
    snprintf(o->source, sizeof(o->source), "%s", s->d->cfg.short_code);
    snprintf(o->dest, sizeof(o->dest), "%s", dest != NULL ? dest : s->phone);
    if (dest == NULL && s->address[0] != '\0') {
        /* The person wrote from a social account: answer there, in private unless told. */
        o->channel = CHANNEL_SOCIAL;
        snprintf(o->source, sizeof(o->source), "%s", s->d->cfg.social_handle);
        snprintf(o->dest, sizeof(o->dest), "%s", s->address);
        snprintf(o->dest_id, sizeof(o->dest_id), "%s", s->address_id);
        snprintf(o->reply_to, sizeof(o->reply_to), "%s", s->post_id);
        o->visibility = s->reply_public ? VIS_PUBLIC : VIS_DIRECT;
    } else if (dest != NULL && strchr(dest, ':') != NULL) {
        /* Someone else's social account (an invitation to collect): a public mention in the
         * thread of the post, the only way to reach a person who is not linked yet. */
        o->channel = CHANNEL_SOCIAL;
        snprintf(o->source, sizeof(o->source), "%s", s->d->cfg.social_handle);
        snprintf(o->reply_to, sizeof(o->reply_to), "%s", s->post_id);
        o->visibility = VIS_PUBLIC;
    }
    va_start(ap, t);
    vsnprintf(o->text, sizeof(o->text), dialog_text(t, lang), ap);
    va_end(ap);
    dialog_outbox_seal(s, o);
    (*count)++;
}

int dialog_page_err(struct mdt_err *err, int code, enum lang lang, enum dialog_text t, ...)
{
    va_list ap;

    if (err == NULL) {
        return code;
    }
    err->code = code;
    va_start(ap, t);
    vsnprintf(err->msg, sizeof(err->msg), dialog_text(t, lang), ap);
    va_end(ap);
    return code;
}
#pragma GCC diagnostic pop

static void plain_reply(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap,
                        const char *text)
{
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_HELP);
    snprintf(rows[*count - 1].u.outbox.text, sizeof(rows[*count - 1].u.outbox.text), "%s", text);
}

/* How the person's counterpart is named in a reply: "@bob", a charity, or a masked number. */
static void show_payee(const struct dialog_step *s, char *out, size_t cap)
{
    dialog_payee_show(s->payee_show[0] != '\0' ? s->payee_show : s->payee, out, cap);
}

/* How a payee's receipt names the payer: a social handle, or the name they chose (NOM) with the
 * end of their number, or their number with its last four digits (issue 12: two payers whose
 * numbers end alike must be told apart; a chosen name alone could pose as anyone). */
static void show_payer(const struct dialog_step *s, char *out, size_t cap)
{
    char tail[PHONE_MASK_MAX];

    if (s->address[0] != '\0' || s->phone[0] != '+') {
        dialog_payee_show(s->address[0] != '\0' ? s->address : s->phone, out, cap);
        return;
    }
    dialog_payer_mask(s->phone, tail, sizeof(tail));
    if (s->customer.name[0] != '\0') {
        snprintf(out, cap, "%s (%s)", s->customer.name, tail);
    } else {
        snprintf(out, cap, "%s", tail);
    }
}

void dialog_payer_mask(const char *e164, char *out, size_t cap)
{
    size_t len = strlen(e164), cl;

    phone_mask(e164, out, cap);
    /* "+33 6 12 .. .. 78" -> "+33 6 .. .. 56 78": as many digits shown, but the last four. */
    cl = (size_t)(strchr(out, ' ') != NULL ? strchr(out, ' ') - out - 1 : 0);
    if (out[0] != '+' || len < cl + 9) {
        return;
    }
    snprintf(out, cap, "+%.*s %c .. .. %.2s %.2s", (int)cl, e164 + 1, e164[1 + cl], e164 + len - 4,
             e164 + len - 2);
}

static void fmt_amount(const struct dialog_step *s, int64_t amount, enum lang lang,
                       char out[MONEY_FORMAT_MAX])
{
    if (money_format(amount, s->d->cfg.currency, lang, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "?");
    }
}

/* The balance people mean: what they could spend now (posted, less what is on hold). */
static void fmt_balance(const struct dialog_step *s, const struct ledger *l, uint64_t account,
                        enum lang lang, char out[MONEY_FORMAT_MAX])
{
    const struct account *a = ledger_account_get(l, account);
    int64_t v = a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0;

    fmt_amount(s, v, lang, out);
}

void dialog_duration_format(uint32_t seconds, enum lang lang, char out[DIALOG_DURATION_MAX])
{
    if (seconds >= 2 * 86400 && seconds % 86400 == 0) {
        snprintf(out, DIALOG_DURATION_MAX, "%u %s", seconds / 86400,
                 lang == LANG_EN ? "days" : "jours");
    } else if (seconds >= 3600 && seconds % 3600 == 0) {
        snprintf(out, DIALOG_DURATION_MAX, "%u h", seconds / 3600);
    } else if (seconds >= 60) {
        /* Rounded up: "encore 1 min" rather than "encore 0 min". */
        snprintf(out, DIALOG_DURATION_MAX, "%u min", (seconds + 59) / 60);
    } else {
        snprintf(out, DIALOG_DURATION_MAX, "%u s", seconds);
    }
}

void dialog_when_format(int64_t us, enum lang lang, char out[DIALOG_WHEN_MAX])
{
    char t[24];

    clock_format_utc(us, t, sizeof(t)); /* "2026-12-07 23:40:00" */
    if (lang == LANG_EN) {
        snprintf(out, DIALOG_WHEN_MAX, "%.16s", t);
    } else {
        snprintf(out, DIALOG_WHEN_MAX, "%.2s/%.2s/%.4s %.5s", t + 8, t + 5, t, t + 11);
    }
}

/* How long held money waits, in the reader's language. */
static void fmt_period(const struct dialog_step *s, enum lang lang, char out[DIALOG_DURATION_MAX])
{
    dialog_duration_format(s->d->cfg.claim_period_s, lang, out);
}

/* The reason of a linked chain: the op that failed, not the ones failed with it. */
static int chain_reason(const struct ledger_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].reason != LEDGER_OK && r[i].reason != LEDGER_LINKED_EVENT_FAILED) {
            return r[i].reason;
        }
    }
    return n > 0 ? r[0].reason : LEDGER_OK;
}

/* The hold a claim names is gone (voided or expired): the money is the payer's again. */
static bool hold_gone(int reason)
{
    return reason == LEDGER_PENDING_EXPIRED || reason == LEDGER_PENDING_ALREADY_VOIDED ||
           reason == LEDGER_PENDING_NOT_FOUND;
}

static void add_state_rows(struct dialog_step *s, struct store_extra *rows, size_t *count,
                           size_t cap)
{
    if (s->customer_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CUSTOMER;
        rows[*count].u.customer = s->customer;
        (*count)++;
    }
    if (s->conversation_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CONVERSATION;
        rows[*count].u.conversation = s->conversation;
        (*count)++;
    }
    if (s->link_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_SOCIAL_LINK;
        rows[*count].u.social_link = s->link;
        (*count)++;
    }
    if (s->claim_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CLAIM;
        rows[*count].u.claim = s->claim;
        (*count)++;
    }
    if (s->work || s->api) {
        return; /* no message behind it */
    }
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_INBOX_DONE;
    rows[*count].u.inbox.id = s->inbox_id;
    (*count)++;
}

/* The ledger checks the payer's account first: a frozen or closed account that is not the
 * payer's is the payee's. */
static bool payer_blocked(const struct dialog_step *s, const struct ledger *l)
{
    const struct account *a = ledger_account_get(l, s->customer.account_id);

    return a == NULL || a->status == ACCOUNT_FROZEN || a->status == ACCOUNT_CLOSED;
}

/* The payee cannot take the money (its yearly loads or its balance cap): the payer is told it is
 * the payee's limit, and a person payee is told someone tried and how to raise it. */
static void refusal_payee_cap(struct dialog_step *s, struct store_extra *rows, size_t *count,
                              size_t cap)
{
    char who[STORE_ADDR_MAX + 64], amount[MONEY_FORMAT_MAX];

    show_payee(s, who, sizeof(who));
    fmt_amount(s, s->amount, s->lang, amount);
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAYEE_CAP, who, amount);
    if (s->payee_is_charity || s->payee[0] != '+' ||
        s->payee_account == s->d->cfg.suspense_account) {
        return;
    }
    show_payer(s, who, sizeof(who));
    fmt_amount(s, s->amount, s->payee_lang, amount);
    dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_PAYEE_CAP_NOTICE, who, amount);
}

/* The payer's own limits: the most one order may move is said; verifying one's identity only
 * helps an unverified wallet. */
static void refusal_limit(struct dialog_step *s, const struct ledger *l, int reason,
                          struct store_extra *rows, size_t *count, size_t cap)
{
    const struct account *a = ledger_account_get(l, s->customer.account_id);
    const struct ledger_limits *lim = ledger_limits_of(l, s->customer.account_id);
    char most[MONEY_FORMAT_MAX];

    if (reason == LEDGER_LIMIT_OPERATION_MAX && lim != NULL) {
        fmt_amount(s, s->payee_is_charity ? lim->op_max_payment : lim->op_max_p2p, s->lang, most);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_LIMIT_ORDER, most);
        return;
    }
    dialog_reply(s, rows, count, cap, NULL, s->lang,
                 a != NULL && a->tier > 0 ? TEXT_LIMIT_VERIFIED : TEXT_LIMIT);
}

/* Why the ledger refused, in words for the person. */
static void refusal(struct dialog_step *s, const struct ledger *l, int reason,
                    struct store_extra *rows, size_t *count, size_t cap)
{
    char avail[MONEY_FORMAT_MAX], who[STORE_ADDR_MAX + 64];

    switch (reason) {
    case LEDGER_INSUFFICIENT_FUNDS:
        fmt_balance(s, l, s->customer.account_id, s->lang, avail);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_NO_FUNDS, avail);
        break;
    case LEDGER_LIMIT_OPERATION_MAX:
    case LEDGER_LIMIT_DAILY_DEBITS:
    case LEDGER_LIMIT_MONTHLY_DEBITS:
    case LEDGER_LIMIT_YEARLY_DEBITS:
        refusal_limit(s, l, reason, rows, count, cap);
        break;
    case LEDGER_LIMIT_YEARLY_LOADS: /* checked on the credited account: the payee's */
    case LEDGER_LIMIT_MAX_BALANCE:
        refusal_payee_cap(s, rows, count, cap);
        break;
    case LEDGER_ACCOUNT_FROZEN:
    case LEDGER_ACCOUNT_CLOSED:
        if (payer_blocked(s, l) || s->payee_account == 0) {
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_FROZEN);
            break;
        }
        show_payee(s, who, sizeof(who));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAYEE_FROZEN, who);
        break;
    case LEDGER_PENDING_EXPIRED:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_EXPIRED);
        break;
    default:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_REFUSED, ledger_reason_name(reason));
        break;
    }
}

void dialog_refusal(struct dialog_step *s, const struct ledger *l, int reason,
                    struct store_extra *rows, size_t *count, size_t cap)
{
    refusal(s, l, reason, rows, count, cap);
}

/* An order like the one just confirmed: say so, and how to make it again (ENCORE). */
static void reply_repeat(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], who[STORE_ADDR_MAX + 64];

    fmt_amount(s, s->customer.last_amount_minor, s->lang, amount);
    dialog_payee_show(s->payee, who, sizeof(who));
    dialog_reply(s, rows, count, cap, NULL, s->lang, (enum dialog_text)s->text_id, amount, who,
                 s->customer.last_ref);
}

static void reply_decided(struct dialog_step *s, struct store_extra *rows, size_t *count,
                          size_t cap)
{
    char masked[STORE_ADDR_MAX];

    if (s->reply_kind == 1) {
        plain_reply(s, rows, count, cap, command_hint_text((enum command_hint)s->hint, s->lang));
    } else if (s->reply_kind == 2) {
        plain_reply(s, rows, count, cap,
                    vault_pin_weakness_text((enum pin_weakness)s->weakness, s->lang == LANG_FR));
    } else if (s->text_id == TEXT_PAYEE_UNKNOWN) {
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAYEE_UNKNOWN, masked,
                     s->d->cfg.short_code);
    } else if (s->text_id == TEXT_LOCKED) {
        char when[DIALOG_WHEN_MAX];

        dialog_when_format(s->customer.locked_until_us, s->lang, when);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_LOCKED, when);
    } else if (s->text_id == TEXT_REPEAT_SEND || s->text_id == TEXT_REPEAT_DONATE) {
        reply_repeat(s, rows, count, cap);
    } else if (s->text_id == TEXT_CODE_LOCKED_NOW) {
        char lock[DIALOG_DURATION_MAX];

        dialog_duration_format(s->d->cfg.code_lock_s, s->lang, lock);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CODE_LOCKED_NOW, lock);
    } else if (s->text_id == TEXT_NAME_SET) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_NAME_SET, s->customer.name);
    } else if (s->text_id == TEXT_SOCIAL_ALREADY_LINKED) {
        dialog_payee_show(s->address, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_ALREADY_LINKED, masked,
                     s->text_arg);
    } else if (s->text_id == TEXT_SOCIAL_NOT_LINKED) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_NOT_LINKED,
                     s->d->cfg.social_handle);
    } else if (s->text_id == TEXT_CHARITY_UNKNOWN) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CHARITY_UNKNOWN, s->text_arg);
    } else {
        dialog_reply(s, rows, count, cap, NULL, s->lang, (enum dialog_text)s->text_id);
    }
}

/* A post's order: the confirmation page's link, in private. */
static void reply_order_social(struct dialog_step *s, const char *amount, struct store_extra *rows,
                               size_t *count, size_t cap)
{
    char link[STORE_URL_MAX + 48], who[STORE_ADDR_MAX], period[DIALOG_DURATION_MAX];
    char timeout[DIALOG_DURATION_MAX];

    snprintf(link, sizeof(link), "%s/o/%s", s->d->cfg.link_base, s->token);
    show_payee(s, who, sizeof(who));
    dialog_duration_format(s->d->cfg.order_timeout_s, s->lang, timeout);
    if (s->payee_is_charity) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_CONFIRM_DONATE, amount, who,
                     timeout, link, s->conversation.ref);
    } else if (s->payee_account == s->d->cfg.suspense_account) {
        fmt_period(s, s->lang, period);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_CONFIRM_SEND_NEW, amount, who,
                     period, link, s->conversation.ref);
    } else {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_CONFIRM_SEND, amount, who,
                     timeout, link, s->conversation.ref);
    }
    vault_wipe(link, sizeof(link));
}

static void reply_order(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *r, struct store_extra *rows, size_t *count,
                        size_t cap)
{
    char amount[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX], timeout[DIALOG_DURATION_MAX];

    if (r->reason != LEDGER_OK) {
        s->conversation_changed = false;
        refusal(s, l, r->reason, rows, count, cap);
        return;
    }
    s->conversation.expires_us = r->timestamp_us + (int64_t)s->d->cfg.order_timeout_s * 1000000;
    fmt_amount(s, s->amount, s->lang, amount);
    dialog_duration_format(s->d->cfg.order_timeout_s, s->lang, timeout);
    if (s->address[0] != '\0') {
        reply_order_social(s, amount, rows, count, cap);
        return;
    }
    if (s->payee_is_charity) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CONFIRM_DONATE, amount, s->payee,
                     timeout, s->conversation.ref);
    } else if (s->payee_account == s->d->cfg.suspense_account) {
        char period[DIALOG_DURATION_MAX];

        fmt_period(s, s->lang, period);
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CONFIRM_SEND_NEW, amount, masked,
                     period, timeout, s->conversation.ref);
    } else {
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CONFIRM_SEND, amount, masked, timeout,
                     s->conversation.ref);
    }
}

void dialog_campaign_donation(struct dialog_step *s, const char *tag, struct id128 transfer_id,
                              int64_t amount_minor, struct store_extra *rows, size_t *count,
                              size_t cap)
{
    struct campaign_donation_row *c;

    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_CAMPAIGN_DONATION;
    c = &rows[*count].u.campaign_donation;
    snprintf(c->tag, sizeof(c->tag), "%s", tag);
    c->transfer_id = transfer_id;
    c->amount_minor = amount_minor;
    c->created_us = s->now_us;
    snprintf(c->donor, sizeof(c->donor), "%s", s->donor);
    (*count)++;
    s->campaign_counted = true;
    snprintf(s->counted_tag, sizeof(s->counted_tag), "%s", tag);
    s->counted_minor = amount_minor;
}

/* Receipts to both sides, each with their new balance. */
static void reply_confirm(struct dialog_step *s, const struct ledger *l,
                          const struct ledger_result *r, struct store_extra *rows, size_t *count,
                          size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX + 64];

    if (r->reason != LEDGER_OK) {
        s->outcome = r->reason == LEDGER_PENDING_EXPIRED ? OUTCOME_EXPIRED : OUTCOME_REFUSED;
        s->customer.last_done_us = 0; /* nothing was confirmed after all */
        refusal(s, l, r->reason, rows, count, cap);
        return;
    }
    fmt_amount(s, s->amount, s->lang, amount);
    fmt_balance(s, l, s->customer.account_id, s->lang, bal);
    if (s->payee_is_charity) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_DONATED, amount, s->payee, bal);
        if (s->conversation.campaign[0] != '\0' && !r->duplicate) {
            dialog_campaign_donation(s, s->conversation.campaign, s->conversation.order_id,
                                     r->amount != 0 ? r->amount : s->amount, rows, count, cap);
        }
        return;
    }
    show_payee(s, masked, sizeof(masked));
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SENT, amount, masked, bal);
    fmt_amount(s, s->amount, s->payee_lang, amount);
    fmt_balance(s, l, s->payee_account, s->payee_lang, bal);
    show_payer(s, masked, sizeof(masked));
    dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_RECEIVED, amount, masked, bal);
}

/* The order became a hold for a number with no wallet: receipt to the payer, invitation to
 * the payee. */
static void reply_hold(struct dialog_step *s, const struct ledger *l, const struct ledger_result *r,
                       size_t n, struct store_extra *rows, size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX + 64],
        period[DIALOG_DURATION_MAX];

    if (chain_reason(r, n) != LEDGER_OK) {
        s->outcome =
            chain_reason(r, n) == LEDGER_PENDING_EXPIRED ? OUTCOME_EXPIRED : OUTCOME_REFUSED;
        s->claim_changed = false;
        s->customer.last_done_us = 0;
        refusal(s, l, chain_reason(r, n), rows, count, cap);
        return;
    }
    s->claim.created_us = r[n - 1].timestamp_us;
    s->claim.expires_us = s->claim.created_us + (int64_t)s->d->cfg.claim_period_s * 1000000;
    fmt_amount(s, s->amount, s->lang, amount);
    fmt_balance(s, l, s->customer.account_id, s->lang, bal);
    fmt_period(s, s->lang, period);
    show_payee(s, masked, sizeof(masked));
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_HELD, amount, masked, period, bal);
    fmt_amount(s, s->amount, s->payee_lang, amount);
    fmt_period(s, s->payee_lang, period);
    if (strchr(s->payee, ':') != NULL) {
        /* A public mention: it names neither the amount nor anything of the payer's wallet,
         * nor the name they chose for their payees' eyes. */
        dialog_payee_show(s->address[0] != '\0' ? s->address : s->phone, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_SOCIAL_INVITE, masked,
                     s->d->cfg.social_handle, period);
        return;
    }
    show_payer(s, masked, sizeof(masked));
    dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_HELD_FOR_YOU, masked, amount,
                 period);
}

/* Work: held money goes to the payee who joined, or back to the payer. */
static void reply_claim(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *r, size_t n, struct store_extra *rows,
                        size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX + 64],
        period[DIALOG_DURATION_MAX];
    int reason = chain_reason(r, n);

    s->claim.active = false;
    if (s->action == ACT_COLLECT && reason == LEDGER_OK) {
        fmt_amount(s, s->amount, s->payee_lang, amount);
        fmt_balance(s, l, s->payee_account, s->payee_lang, bal);
        show_payer(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_RECEIVED, amount, masked,
                     bal);
        fmt_amount(s, s->amount, s->lang, amount);
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_COLLECTED, masked, amount);
    } else if (reason == LEDGER_OK || hold_gone(reason)) {
        fmt_amount(s, s->amount, s->lang, amount);
        fmt_balance(s, l, s->customer.account_id, s->lang, bal);
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_RETURNED, amount, masked, bal);
    } else if (s->action == ACT_COLLECT) {
        /* The payee cannot take it (a limit): it stays held and returns at its expiry. */
        s->claim.active = true;
        s->claim_changed = false;
        fmt_amount(s, s->amount, s->payee_lang, amount);
        fmt_period(s, s->payee_lang, period);
        dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_CLAIM_REFUSED, amount,
                     period);
    } else {
        /* Not voidable for another reason (already posted): nothing is held any more. */
        log_warn("held money not returned: %s; the claim is closed", ledger_reason_name(reason));
    }
}

static const char *kind_word(int kind, enum lang lang)
{
    static const char *const fr[TRANSFER_KIND_COUNT] = {"recharge", "envoi",         "don",
                                                        "paiement", "remboursement", "frais",
                                                        "carte",    "retrait",       "versement"};
    static const char *const en[TRANSFER_KIND_COUNT] = {"top-up",  "transfer",   "donation",
                                                        "payment", "refund",     "fee",
                                                        "card",    "withdrawal", "payout"};

    if (kind < 0 || kind >= TRANSFER_KIND_COUNT) {
        return "?";
    }
    return lang == LANG_EN ? en[kind] : fr[kind];
}

/* Septets a text of ours takes in GSM 03.38: one per character, two for the euro sign and the
 * characters of the extension table. For texts made only of GSM characters (ours). */
static size_t gsm_units(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t n = 0;

    for (; *p != '\0'; p++) {
        if ((*p & 0xc0) == 0x80) {
            continue; /* inside a UTF-8 sequence */
        }
        n += (*p < 0x80 && strchr("^{}\\[~]|", *p) != NULL) ? 2 : 1;
        n += (p[0] == 0xe2 && p[1] == 0x82 && p[2] == 0xac) ? 1 : 0; /* U+20AC */
    }
    return n;
}

/* "23/11 -12,50 € envoi ; 23/11 +100,00 € recharge": the last movements, newest first, as many
 * as one SMS holds (issue 12: every standard reply is one SMS). */
static void reply_history(struct dialog_step *s, const struct ledger *l, struct store_extra *rows,
                          size_t *count, size_t cap)
{
    /* HISTO MAMAN names a card (dialog_card_decide): its movements, else the wallet's. */
    uint64_t acct = s->card.account_id != 0 ? s->card.account_id : s->customer.account_id;
    struct transfer t[ACCOUNT_RECENT_MAX];
    size_t n = ledger_account_recent(l, acct, t, ACCOUNT_RECENT_MAX);
    char list[320] = "", item[96], amount[MONEY_FORMAT_MAX], date[24];
    size_t room = SMS_GSM_SINGLE_MAX + 2 - gsm_units(dialog_text(TEXT_HISTORY, s->lang));

    if (n == 0) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_HISTORY_EMPTY);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool out = t[i].debit_account_id == acct;
        size_t len = strlen(list);

        fmt_amount(s, t[i].amount, s->lang, amount);
        clock_format_utc(t[i].timestamp_us, date, sizeof(date)); /* "2026-11-23 10:00:00" */
        snprintf(item, sizeof(item), "%s%.2s/%.2s %s%s %s", i > 0 ? " ; " : "", date + 8, date + 5,
                 out ? "-" : "+", amount, kind_word(t[i].kind, s->lang));
        if (gsm_units(list) + gsm_units(item) > room || len + strlen(item) >= sizeof(list)) {
            break; /* the older ones do not fit in one SMS */
        }
        memcpy(list + len, item, strlen(item) + 1);
    }
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_HISTORY, list);
}

size_t dialog_hook(void *step, const struct ledger *l, const struct ledger_result *results,
                   size_t n, struct store_extra *rows, size_t count, size_t cap)
{
    struct dialog_step *s = step;
    const struct ledger_result *r = n > 0 ? &results[0] : NULL;
    char text[MONEY_FORMAT_MAX];

    MDT_ASSERT(n == s->n);
    switch (s->action) {
    case ACT_JOIN:
        if (r->reason == LEDGER_OK) {
            char link[STORE_URL_MAX + 48];

            s->customer.account_id = r->account_id;
            s->customer.created_us = s->now_us;
            snprintf(link, sizeof(link), "%s/enrol/%s", s->d->cfg.link_base, s->token);
            dialog_reply(s, rows, &count, cap, NULL, s->lang, TEXT_WELCOME, link);
            vault_wipe(link, sizeof(link));
            vault_wipe(s->token, sizeof(s->token));
        } else {
            s->customer_changed = false;
            refusal(s, l, r->reason, rows, &count, cap);
        }
        break;
    case ACT_CODE:
    case ACT_CODE_CHG:
    case ACT_CODE_BAD:
    case ACT_CODE_LOCK:
    case ACT_RESET:
    case ACT_RESET_KEEP:
    case ACT_RESET_DONE:
    case ACT_RESET_OFF:
    case ACT_CODE_NOP:
        dialog_code_hook(s, results, n, rows, &count, cap);
        break;
    case ACT_BALANCE:
        fmt_balance(s, l, s->customer.account_id, s->lang, text);
        dialog_reply(s, rows, &count, cap, NULL, s->lang, TEXT_BALANCE, text);
        break;
    case ACT_HISTORY:
        reply_history(s, l, rows, &count, cap);
        break;
    case ACT_ORDER:
        if (s->conversation.kind == TRANSFER_CARD_LOAD) {
            dialog_card_reply_order(s, l, r, rows, &count, cap);
        } else {
            reply_order(s, l, r, rows, &count, cap);
        }
        break;
    case ACT_CONFIRM:
        if (s->conversation.kind == TRANSFER_CARD_LOAD) {
            dialog_card_reply_confirm(s, l, r, rows, &count, cap);
        } else {
            reply_confirm(s, l, r, rows, &count, cap);
        }
        break;
    case ACT_CARD_ADD:
    case ACT_CARD_WRONG:
    case ACT_CARD_BALANCE:
    case ACT_CARD_SAY:
        dialog_card_hook(s, l, rows, &count, cap);
        break;
    case ACT_CARD_LOAD:
        dialog_card_reply_load(s, l, r, rows, &count, cap);
        break;
    case ACT_WRONG_CODE:
        if (!s->api) { /* the wallet page shows it */
            dialog_reply(s, rows, &count, cap, NULL, s->lang, TEXT_WRONG_CODE,
                         s->d->cfg.code_attempts_max - s->customer.pin_failures);
        }
        break;
    case ACT_REQUEST:
    case ACT_PAY:
    case ACT_DECLINE:
    case ACT_REQ_CANCEL:
    case ACT_REQ_EXPIRE:
    case ACT_REFUND:
        dialog_request_hook(s, l, results, n, rows, &count, cap);
        break;
    case ACT_LOCK:
        dialog_duration_format(s->d->cfg.code_lock_s, s->lang, text);
        dialog_reply(s, rows, &count, cap, NULL, s->lang, TEXT_LOCKED_NOW,
                     s->d->cfg.code_attempts_max, text);
        break;
    case ACT_CANCEL:
        dialog_reply(s, rows, &count, cap, NULL, s->lang,
                     r->reason == LEDGER_OK ? TEXT_CANCELLED : TEXT_EXPIRED);
        break;
    case ACT_LANG:
        dialog_reply(s, rows, &count, cap, NULL, (enum lang)s->customer.lang, TEXT_LANG_SET);
        break;
    case ACT_HOLD:
        reply_hold(s, l, results, n, rows, &count, cap);
        break;
    case ACT_COLLECT:
    case ACT_RETURN:
        reply_claim(s, l, results, n, rows, &count, cap);
        break;
    case ACT_IGNORE:
        break;
    case ACT_TOP_LINK:
    case ACT_TOP_PAY:
    case ACT_TOP_ANSWER:
    case ACT_TOP_FILE:
    case ACT_TOP_SETTLE:
        dialog_topup_hook(s, l, results, n, rows, &count, cap);
        break;
    case ACT_CORDER_LINK:
    case ACT_CORDER_PAY:
    case ACT_CORDER_ISSUE:
        dialog_card_order_hook(s, results, n, rows, &count, cap);
        break;
    case ACT_CARD_ISSUE:
    case ACT_CARD_REPLACE:
    case ACT_CARD_MOVE:
    case ACT_CARD_STATUS:
        dialog_card_ops_hook(s, l, results, n, rows, &count, cap);
        break;
    case ACT_CARD_PIN_LINK:
        dialog_card_pin_hook(s, rows, &count, cap);
        break;
    case ACT_LINK:
    case ACT_LINK_OTP:
    case ACT_LINK_DONE:
    case ACT_LINK_WRONG:
    case ACT_LEAK:
        dialog_social_hook(s, results, n, rows, &count, cap);
        break;
    default:
        if (s->api) {
            break;
        }
        if (s->text_id == TEXT_RESET_ALREADY || s->text_id == TEXT_RESET_BLOCKS ||
            s->text_id == TEXT_RESET_NOT_YET || s->text_id == TEXT_CODE_LOCKED_LEFT) {
            dialog_code_hook(s, results, n, rows, &count, cap); /* replies with a time */
        } else {
            reply_decided(s, rows, &count, cap);
        }
        break;
    }
    add_state_rows(s, rows, &count, cap);
    s->row_count = count; /* the step's own view of its rows, for whoever reads them later */
    return count;
}

/* A work step ended: its claim is settled, stuck, or to be tried again. */
static void work_done(struct dialog_step *s, int rc)
{
    struct claim *k = dialog_claim_find(s->d, s->claim.id);

    if (k != NULL) {
        k->in_flight = false;
        k->stuck = k->stuck || (rc == 0 && !s->claim_changed);
    }
    if (rc == 0 && s->claim_changed) {
        dialog_claim_apply(s->d, &s->claim);
    }
    free(s);
}

void dialog_step_done(struct dialog_step *s, int rc)
{
    struct dialog *d = s->d;
    struct cust *c;

    if (s->work) {
        work_done(s, rc);
        return;
    }
    if (rc == 0 && s->request_changed) {
        dialog_request_apply(d, &s->request);
    }
    if (rc == 0 && s->campaign_counted) {
        dialog_campaign_count(d, s->counted_tag, s->counted_minor, s->donor);
    }
    c = dialog_cust_find(d, s->phone);
    if (rc == 0 && s->claim_changed) {
        dialog_claim_apply(d, &s->claim);
    }

    if (rc == 0) {
        if (!s->api) { /* a message: its redeliveries are recognised from now on */
            dialog_seen_add(d, s->inbox_id, s->now_us);
        }
        if (c != NULL && s->customer_changed) {
            c->row = s->customer;
            dialog_enrol_index(d, c);
            dialog_code_track(d, c);
        }
        if (c != NULL && s->conversation_changed) {
            c->has_conv = s->conversation.active;
            c->conv = s->conversation;
            dialog_order_index(d, c);
        }
        if (s->link_changed) {
            dialog_link_apply(d, &s->link);
        }
        if (s->card_changed) {
            dialog_card_apply(d, &s->card);
        }
        if (s->alias_changed) {
            dialog_alias_apply(d, &s->alias);
        }
        if (s->card_file_changed) {
            dialog_card_file_apply(d, &s->card_file);
        }
    }
    if (s->link.address[0] != '\0' || s->address[0] != '\0') {
        /* The step held its link, found by id (a rename not applied when the step failed) or
         * by name, and the link another account left under the handle. */
        struct slink *held[4] = {
            dialog_link_find(d, s->link.address[0] != '\0' ? s->link.address : s->address),
            dialog_link_find(d, s->address), dialog_link_find_user(d, s->address, s->address_id),
            dialog_link_find_user(d, s->link.address, s->link.user_id), /* a payee's, moved */
        };

        for (size_t i = 0; i < 4; i++) {
            if (held[i] != NULL) {
                held[i]->busy = false;
            }
        }
    }
    if (s->code_order.seq != 0) {
        dialog_code_order_done(d, s->code_order.seq, rc);
    }
    if (dialog_topup_action(s->action) || s->topup_changed) {
        dialog_topup_done(s, rc); /* also an order's reload paid by the card on file */
    }
    if (s->action == ACT_CORDER_LINK || s->action == ACT_CORDER_PAY ||
        s->action == ACT_CORDER_ISSUE) {
        dialog_card_order_done(s, rc);
    }
    if (s->action >= ACT_CARD_ISSUE && s->action <= ACT_CARD_STATUS) {
        dialog_card_ops_done(s, rc);
    }
    if (c != NULL) {
        c->busy = false;
    }
    vault_wipe(s->token, sizeof(s->token));
    vault_wipe(s->otp, sizeof(s->otp));
    vault_wipe(s->customer.pin_hash, sizeof(s->customer.pin_hash));
    free(s);
}
