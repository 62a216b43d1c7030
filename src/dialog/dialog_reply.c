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
#include "base/log.h"
#include "dialog/command.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
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

static void show_payer(const struct dialog_step *s, char *out, size_t cap)
{
    dialog_payee_show(s->address[0] != '\0' ? s->address : s->phone, out, cap);
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

/* "7 jours", "3 h", "10 min": how long held money waits, in the reader's language. */
static void fmt_period(const struct dialog_step *s, enum lang lang, char out[24])
{
    uint32_t p = s->d->cfg.claim_period_s;

    if (p >= 86400) {
        snprintf(out, 24, "%u %s", p / 86400, lang == LANG_EN ? "days" : "jours");
    } else if (p >= 3600) {
        snprintf(out, 24, "%u h", p / 3600);
    } else if (p >= 60) {
        snprintf(out, 24, "%u min", p / 60);
    } else {
        snprintf(out, 24, "%u s", p);
    }
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

/* Why the ledger refused, in words for the person. */
static void refusal(struct dialog_step *s, const struct ledger *l, int reason,
                    struct store_extra *rows, size_t *count, size_t cap)
{
    char avail[MONEY_FORMAT_MAX];

    switch (reason) {
    case LEDGER_INSUFFICIENT_FUNDS:
        fmt_balance(s, l, s->customer.account_id, s->lang, avail);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_NO_FUNDS, avail);
        break;
    case LEDGER_LIMIT_OPERATION_MAX:
    case LEDGER_LIMIT_DAILY_DEBITS:
    case LEDGER_LIMIT_MONTHLY_DEBITS:
    case LEDGER_LIMIT_YEARLY_DEBITS:
    case LEDGER_LIMIT_YEARLY_LOADS:
    case LEDGER_LIMIT_MAX_BALANCE:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_LIMIT);
        break;
    case LEDGER_ACCOUNT_FROZEN:
    case LEDGER_ACCOUNT_CLOSED:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_FROZEN);
        break;
    case LEDGER_PENDING_EXPIRED:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_EXPIRED);
        break;
    default:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_REFUSED, ledger_reason_name(reason));
        break;
    }
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
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_PAYEE_UNKNOWN, masked);
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
    char link[STORE_URL_MAX + 48], who[STORE_ADDR_MAX], period[24];

    snprintf(link, sizeof(link), "%s/o/%s", s->d->cfg.link_base, s->token);
    show_payee(s, who, sizeof(who));
    if (s->payee_is_charity) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_CONFIRM_DONATE, amount, who,
                     link, s->conversation.ref);
    } else if (s->payee_account == s->d->cfg.suspense_account) {
        fmt_period(s, s->lang, period);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_CONFIRM_SEND_NEW, amount, who,
                     period, link, s->conversation.ref);
    } else {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_CONFIRM_SEND, amount, who,
                     link, s->conversation.ref);
    }
    vault_wipe(link, sizeof(link));
}

static void reply_order(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *r, struct store_extra *rows, size_t *count,
                        size_t cap)
{
    char amount[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX];

    if (r->reason != LEDGER_OK) {
        s->conversation_changed = false;
        refusal(s, l, r->reason, rows, count, cap);
        return;
    }
    s->conversation.expires_us = r->timestamp_us + (int64_t)s->d->cfg.order_timeout_s * 1000000;
    fmt_amount(s, s->amount, s->lang, amount);
    if (s->address[0] != '\0') {
        reply_order_social(s, amount, rows, count, cap);
        return;
    }
    if (s->payee_is_charity) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CONFIRM_DONATE, amount, s->payee,
                     s->conversation.ref);
    } else if (s->payee_account == s->d->cfg.suspense_account) {
        char period[24];

        fmt_period(s, s->lang, period);
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CONFIRM_SEND_NEW, amount, masked,
                     period, s->conversation.ref);
    } else {
        show_payee(s, masked, sizeof(masked));
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CONFIRM_SEND, amount, masked,
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
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX];

    if (r->reason != LEDGER_OK) {
        s->outcome = r->reason == LEDGER_PENDING_EXPIRED ? OUTCOME_EXPIRED : OUTCOME_REFUSED;
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
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX], period[24];

    if (chain_reason(r, n) != LEDGER_OK) {
        s->outcome =
            chain_reason(r, n) == LEDGER_PENDING_EXPIRED ? OUTCOME_EXPIRED : OUTCOME_REFUSED;
        s->claim_changed = false;
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
    show_payer(s, masked, sizeof(masked));
    if (strchr(s->payee, ':') != NULL) {
        /* A public mention: it names neither the amount nor anything of the payer's wallet. */
        dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_SOCIAL_INVITE, masked,
                     s->d->cfg.social_handle, period);
        return;
    }
    dialog_reply(s, rows, count, cap, s->payee, s->payee_lang, TEXT_HELD_FOR_YOU, masked, amount,
                 period);
}

/* Work: held money goes to the payee who joined, or back to the payer. */
static void reply_claim(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *r, size_t n, struct store_extra *rows,
                        size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX], masked[STORE_ADDR_MAX], period[24];
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

/* "23/11 -12,50 € envoi ; 23/11 +100,00 € recharge": the last movements, newest first. */
static void reply_history(struct dialog_step *s, const struct ledger *l, struct store_extra *rows,
                          size_t *count, size_t cap)
{
    struct transfer t[ACCOUNT_RECENT_MAX];
    size_t n = ledger_account_recent(l, s->customer.account_id, t, ACCOUNT_RECENT_MAX);
    char list[320] = "", amount[MONEY_FORMAT_MAX], date[24];

    if (n == 0) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_HISTORY_EMPTY);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool out = t[i].debit_account_id == s->customer.account_id;
        size_t len = strlen(list);

        fmt_amount(s, t[i].amount, s->lang, amount);
        clock_format_utc(t[i].timestamp_us, date, sizeof(date)); /* "2026-11-23 10:00:00" */
        snprintf(list + len, sizeof(list) - len, "%s%.2s/%.2s %s%s %s", i > 0 ? " ; " : "",
                 date + 8, date + 5, out ? "-" : "+", amount, kind_word(t[i].kind, s->lang));
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
        reply_order(s, l, r, rows, &count, cap);
        break;
    case ACT_CONFIRM:
        reply_confirm(s, l, r, rows, &count, cap);
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
        dialog_reply(s, rows, &count, cap, NULL, s->lang, TEXT_LOCKED_NOW,
                     s->d->cfg.code_lock_s / 60);
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
    if (c != NULL) {
        c->busy = false;
    }
    vault_wipe(s->token, sizeof(s->token));
    vault_wipe(s->otp, sizeof(s->otp));
    vault_wipe(s->customer.pin_hash, sizeof(s->customer.pin_hash));
    free(s);
}
