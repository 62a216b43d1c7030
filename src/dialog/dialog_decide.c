/* SPDX-License-Identifier: Apache-2.0 */
/* Decisions: what a message means given the person's state, as ledger ops and state changes.
 * Every id written on a message's behalf derives from the message's id, so that handling the
 * same message twice (a redelivery after a crash) can neither move money twice nor answer
 * twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "base/limits.h"
#include "dialog/command.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/vault.h"

/* Tags of derived ids (id128_derive(inbox id, tag + n)). */
#define TAG_TRANSFER 0x300u
/* Tags of a claim's work steps (id128_derive(claim id, tag)): one per outcome, so that a step
 * submitted twice (a crash before its claim row was deleted) is the same step. */
#define TAG_COLLECT 0x400u
#define TAG_RETURN 0x500u

/* A message's id: the peer's own id when it gives one, so that a redelivery has the same id;
 * otherwise unique, because a person may really send the same text twice (DESIGN.md,
 * Durability): a redelivery without the peer's id is recognised only when it arrived in doubt
 * (doubt.c). Keyed (vault_mac): the text may be a code, and an unkeyed hash of six digits is
 * reversed by trying them all. */
struct id128 dialog_message_id(struct dialog *d, const struct dialog_message *m, int64_t now_us)
{
    static unsigned char buf[STORE_TEXT_MAX + 256];
    /* Unique across restarts too: the time, and a counter for messages of the same µs. */
    int64_t when = now_us ^ (int64_t)(++d->unique_serial << 1) ^ INT64_MIN;
    size_t len = m->len < STORE_TEXT_MAX ? m->len : STORE_TEXT_MAX;
    uint8_t mac[32];
    struct id128 id;
    int n;

    if (m->peer_id[0] != '\0') {
        n = snprintf((char *)buf, sizeof(buf), "%u|%s|id|%s", m->channel, m->source, m->peer_id);
    } else {
        n = snprintf((char *)buf, sizeof(buf), "%u|%s|%s|%lld|", m->channel, m->source, m->dest,
                     (long long)when);
        MDT_ASSERT(n >= 0 && (size_t)n + len <= sizeof(buf));
        memcpy(buf + n, m->text, len);
        n += (int)len;
    }
    MDT_ASSERT(n >= 0 && (size_t)n <= sizeof(buf));
    vault_mac(d->vault, buf, (size_t)n, mac);
    vault_wipe(buf, (size_t)n);
    memcpy(&id.hi, mac, 8);
    memcpy(&id.lo, mac + 8, 8);
    return id128_is_zero(id) ? (struct id128){.hi = 1, .lo = 1} : id;
}

void dialog_order_ref(struct id128 id, char out[STORE_REF_MAX])
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uint64_t x = id.lo;

    for (int i = 0; i < 4; i++) {
        out[i] = alphabet[x % 32];
        x /= 32;
    }
    out[4] = '\0';
}

struct ledger_op *dialog_add_op(struct dialog_step *s)
{
    struct ledger_op *op;

    MDT_ASSERT(s->n < DIALOG_OPS_MAX);
    op = &s->ops[s->n];
    memset(op, 0, sizeof(*op));
    op->type = LEDGER_OP_TRANSFER;
    op->transfer.id = id128_derive(s->inbox_id, TAG_TRANSFER + (uint32_t)s->n);
    op->transfer.channel = CHANNEL_SMS;
    s->n++;
    return op;
}

void dialog_reply_only(struct dialog_step *s, enum dialog_text t)
{
    s->action = ACT_REPLY;
    s->reply_kind = 0;
    s->text_id = (int)t;
}

static void decide_join(struct dialog *d, struct dialog_step *s, struct cust *c)
{
    struct ledger_op *op;

    if (c != NULL) {
        dialog_reply_only(s, TEXT_ALREADY_JOINED);
        return;
    }
    s->action = ACT_JOIN;
    s->customer_changed = true;
    memset(&s->customer, 0, sizeof(s->customer));
    snprintf(s->customer.phone, sizeof(s->customer.phone), "%s", s->phone);
    s->customer.lang = (uint16_t)s->lang;
    op = dialog_add_op(s);
    op->type = LEDGER_OP_ACCOUNT_OPEN;
    op->account.kind = ACCOUNT_WALLET;
    op->account.tier = 0;
    snprintf(op->account.currency, sizeof(op->account.currency), "%s", d->cfg.currency->code);
    dialog_enrol_link(s);
}

/* Who an SMS order goes to, as ENCORE retypes it: the number, or for a donation the campaign's
 * tag or the association's keyword (found by its account: O(associations), on confirmation). */
static void order_target(const struct dialog *d, const char *payee, uint64_t payee_account,
                         uint16_t kind, const char *campaign, char out[STORE_ADDR_MAX])
{
    out[0] = '\0';
    if (kind != TRANSFER_DONATION) {
        snprintf(out, STORE_ADDR_MAX, "%s", payee);
        return;
    }
    if (campaign[0] != '\0') {
        snprintf(out, STORE_ADDR_MAX, "%s", campaign);
        return;
    }
    for (size_t i = 0; i < d->assoc_count; i++) {
        if (d->assocs[i].account_id == payee_account) {
            snprintf(out, STORE_ADDR_MAX, "%s", d->assocs[i].keyword);
            return;
        }
    }
}

static bool within(int64_t since_us, int64_t now_us, uint32_t window_s)
{
    return since_us != 0 && now_us - since_us <= (int64_t)window_s * 1000000;
}

/* DESIGN.md: an order identical to one just completed is not repeated silently. True (and the
 * step decided: a reply that says so and how to do it again) when this one is. */
static bool order_repeats(const struct dialog *d, struct dialog_step *s, const struct cust *c,
                          int64_t amount, uint16_t kind)
{
    char target[STORE_ADDR_MAX];

    if (s->again || s->address[0] != '\0' ||
        !within(c->row.last_done_us, s->now_us, DIALOG_REPEAT_WINDOW_S)) {
        return false;
    }
    order_target(d, s->payee, s->payee_account, kind, s->conversation.campaign, target);
    if (c->row.last_amount_minor != amount || c->row.last_kind != kind ||
        strcmp(c->row.last_payee, target) != 0) {
        return false;
    }
    dialog_reply_only(s, kind == TRANSFER_DONATION ? TEXT_REPEAT_DONATE : TEXT_REPEAT_SEND);
    return true;
}

/* The order is confirmed: remember it for the two checks above (SMS transfers and donations
 * only; a post's is confirmed on its page, a merchant's request is the merchant's). */
static void remember_order(const struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    if (c->conv.origin[0] != '\0' ||
        (c->conv.kind != TRANSFER_P2P && c->conv.kind != TRANSFER_DONATION)) {
        return;
    }
    order_target(d, c->conv.payee, c->conv.payee_account, c->conv.kind, c->conv.campaign,
                 s->customer.last_payee);
    s->customer.last_amount_minor = c->conv.amount_minor;
    s->customer.last_kind = c->conv.kind;
    snprintf(s->customer.last_ref, sizeof(s->customer.last_ref), "%s", c->conv.ref);
    s->customer.last_done_us = s->now_us;
}

/* ENCORE: the last order confirmed by SMS, made again as if typed (and confirmed as usual). */
static void decide_again(struct dialog *d, struct dialog_step *s, struct cust *c)
{
    struct command again;

    if (!within(c->row.last_done_us, s->now_us, DIALOG_AGAIN_WINDOW_S)) {
        dialog_reply_only(s, TEXT_NO_REPEAT);
        return;
    }
    memset(&again, 0, sizeof(again));
    again.amount_minor = c->row.last_amount_minor;
    if (c->row.last_kind == TRANSFER_DONATION) {
        again.type = CMD_DONATE;
        snprintf(again.keyword, sizeof(again.keyword), "%.31s", c->row.last_payee);
    } else {
        again.type = CMD_SEND;
        snprintf(again.payee_e164, sizeof(again.payee_e164), "%.16s", c->row.last_payee);
    }
    s->again = true;
    dialog_decide_order(d, s, c, &again);
}

/* A bare code with no order waiting. Right after a confirmation it is that code again (a phone's
 * retry, a redelivery the SMSC gave a new id): the right code needs no second answer. A wrong one
 * counts against the code as with an order, so that silence tells a guesser nothing for free. */
static void decide_code_echo(struct dialog *d, struct dialog_step *s, struct cust *c,
                             const char *code)
{
    if (!within(c->row.last_done_us, s->now_us, DIALOG_REPEAT_WINDOW_S) || !c->row.has_pin ||
        c->row.locked_until_us > s->now_us) {
        dialog_reply_only(s, TEXT_NO_ORDER);
        return;
    }
    if (vault_pin_verify(d->vault, s->phone, code, c->row.pin_hash)) {
        s->action = ACT_IGNORE;
        return;
    }
    s->customer = c->row;
    s->customer_changed = true;
    s->customer.pin_failures++;
    if (s->customer.pin_failures < d->cfg.code_attempts_max) {
        dialog_reply_only(s, TEXT_NO_ORDER);
        return;
    }
    s->customer.pin_failures = 0;
    s->customer.locked_until_us = s->now_us + (int64_t)d->cfg.code_lock_s * 1000000;
    dialog_reply_only(s, TEXT_CODE_LOCKED_NOW);
}

bool dialog_order_cannot_start(struct dialog_step *s, const struct cust *c)
{
    if (c->has_conv) {
        dialog_reply_only(s, TEXT_ORDER_WAITING);
        return true;
    }
    if (c->row.locked_until_us > s->now_us) {
        /* Issue 12: no money held for an order whose code cannot be typed; say until when. */
        dialog_reply_only(s, TEXT_LOCKED);
        return true;
    }
    return dialog_code_blocks(s, c, s->now_us);
}

void dialog_conversation_open(struct dialog_step *s, const struct ledger_op *op)
{
    char campaign[sizeof(s->conversation.campaign)];

    memcpy(campaign, s->conversation.campaign, sizeof(campaign));
    memset(&s->conversation, 0, sizeof(s->conversation));
    memcpy(s->conversation.campaign, campaign, sizeof(campaign));
    s->conversation_changed = true;
    snprintf(s->conversation.phone, sizeof(s->conversation.phone), "%s", s->phone);
    s->conversation.active = true;
    s->conversation.order_id = op->transfer.id;
    s->conversation.payee_account = s->payee_account;
    snprintf(s->conversation.payee, sizeof(s->conversation.payee), "%s", s->payee);
    s->conversation.amount_minor = s->amount;
    s->conversation.kind = op->transfer.kind;
    dialog_order_ref(op->transfer.id, s->conversation.ref);
}

/* A transfer to a person or a donation: hold the funds and wait for the code. */
void dialog_decide_order(struct dialog *d, struct dialog_step *s, struct cust *c,
                         const struct command *cmd)
{
    struct ledger_op *op;
    const struct cust *payee = NULL;
    const struct association_row *a = NULL;

    if (dialog_order_cannot_start(s, c)) {
        return;
    }
    if (cmd->type == CMD_DONATE) {
        const struct campaign *k = NULL;

        a = dialog_association_find(d, cmd->keyword);
        if (a == NULL) {
            /* A campaign's tag: a donation to its association, counted for the campaign. */
            k = dialog_campaign_find(d, cmd->keyword);
            a = k != NULL ? dialog_association_find(d, k->row.keyword) : NULL;
        }
        if (a == NULL) {
            snprintf(s->text_arg, sizeof(s->text_arg), "%s", cmd->keyword);
            dialog_reply_only(s, TEXT_CHARITY_UNKNOWN);
            return;
        }
        s->payee_account = a->account_id;
        s->payee_is_charity = true;
        snprintf(s->payee, sizeof(s->payee), "%.32s", k != NULL ? k->row.name : a->name);
        if (k != NULL) {
            snprintf(s->conversation.campaign, sizeof(s->conversation.campaign), "%s", k->row.tag);
        }
    } else {
        /* A social @handle: social.c put the linked number, or the address, in s->payee. */
        if (cmd->payee_handle[0] == '\0') {
            snprintf(s->payee, sizeof(s->payee), "%s", cmd->payee_e164);
        }
        payee = dialog_step_payee_cust(d, s);
        if (strcmp(s->payee, s->phone) == 0 || payee == c) {
            dialog_reply_only(s, TEXT_PAYEE_SELF);
            return;
        }
        if ((payee == NULL || payee->row.account_id == 0) && d->cfg.suspense_account == 0) {
            dialog_reply_only(s, TEXT_PAYEE_UNKNOWN);
            return;
        }
        if (payee == NULL || payee->row.account_id == 0) {
            /* No wallet yet: the money will be held for them (see decide_hold). */
            s->payee_account = d->cfg.suspense_account;
            s->payee_lang = d->cfg.lang;
        } else {
            s->payee_account = payee->row.account_id;
            s->payee_lang = (enum lang)payee->row.lang;
        }
    }
    if (order_repeats(d, s, c, cmd->amount_minor,
                      cmd->type == CMD_DONATE ? TRANSFER_DONATION : TRANSFER_P2P)) {
        return;
    }
    s->action = ACT_ORDER;
    s->amount = cmd->amount_minor;
    op = dialog_add_op(s);
    op->transfer.debit_account_id = c->row.account_id;
    op->transfer.credit_account_id = s->payee_account;
    op->transfer.amount = cmd->amount_minor;
    op->transfer.kind = cmd->type == CMD_DONATE ? TRANSFER_DONATION : TRANSFER_P2P;
    op->transfer.flags = TRANSFER_PENDING;
    op->transfer.timeout_s = d->cfg.order_timeout_s;
    /* The operator bills SMS orders; a post costs the person nothing. */
    op->transfer.fee_schedules[0] = s->address[0] == '\0' ? d->cfg.order_fee_schedule : 0;
    op->transfer.channel = s->address[0] == '\0' ? CHANNEL_SMS : CHANNEL_SOCIAL;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "%.60s", cmd->note);
    dialog_conversation_open(s, op);
}

static void close_order(struct dialog_step *s, struct cust *c, uint16_t flag)
{
    struct ledger_op *op = dialog_add_op(s);

    op->transfer.flags = flag;
    op->transfer.link_id = c->conv.order_id;
    s->conversation = c->conv;
    s->conversation.active = false;
    s->conversation_changed = true;
    s->amount = c->conv.amount_minor;
    s->payee_account = c->conv.payee_account;
    snprintf(s->payee, sizeof(s->payee), "%s", c->conv.payee);
    s->payee_is_charity = c->conv.kind == TRANSFER_DONATION;
}

/* The right code for money to a number with no wallet: the 5-minute order hold becomes a hold
 * for the claim period, in one linked chain, and a claim row remembers whom it is for. When
 * mandatd is down at the end of the period, the ledger's own timeout still returns it. */
static void decide_hold(struct dialog *d, struct dialog_step *s, struct cust *c)
{
    struct ledger_op *op;

    s->action = ACT_HOLD;
    close_order(s, c, TRANSFER_VOID_PENDING | TRANSFER_LINKED);
    op = dialog_add_op(s);
    op->transfer.debit_account_id = c->row.account_id;
    op->transfer.credit_account_id = d->cfg.suspense_account;
    op->transfer.amount = c->conv.amount_minor;
    op->transfer.kind = TRANSFER_P2P;
    op->transfer.flags = TRANSFER_PENDING;
    op->transfer.timeout_s = d->cfg.hold_timeout_s;
    op->transfer.fee_schedules[0] = c->conv.origin[0] == '\0' ? d->cfg.order_fee_schedule : 0;
    s->payee_lang = d->cfg.lang;
    s->claim_changed = true;
    memset(&s->claim, 0, sizeof(s->claim));
    s->claim.id = op->transfer.id;
    s->claim.active = true;
    snprintf(s->claim.payer, sizeof(s->claim.payer), "%s", s->phone);
    s->claim.payer_account = c->row.account_id;
    snprintf(s->claim.payee, sizeof(s->claim.payee), "%s", c->conv.payee);
    s->claim.amount_minor = c->conv.amount_minor;
}

/* A bare code: the order waiting for it is posted, or the code is wrong. PSD2 RTS art. 4:
 * at most 5 failed attempts, then the order fails and the code is locked. */
void dialog_decide_confirm(struct dialog *d, struct dialog_step *s, struct cust *c,
                           const char *code, int64_t now_us)
{
    const struct cust *payee;

    if (!c->has_conv) {
        decide_code_echo(d, s, c, code);
        return;
    }
    if (c->conv.kind == TRANSFER_PAYMENT) {
        struct request *r = dialog_request_find(d, c->conv.order_id);

        if (r != NULL) {
            dialog_decide_pay(d, s, c, r, code, now_us);
            return;
        }
    }
    if (c->row.locked_until_us > now_us) {
        dialog_reply_only(s, TEXT_LOCKED);
        return;
    }
    if (dialog_code_blocks(s, c, now_us)) {
        return;
    }
    s->customer = c->row;
    s->customer_changed = true;
    if (c->row.has_pin && vault_pin_verify(d->vault, s->phone, code, c->row.pin_hash)) {
        s->customer.pin_failures = 0;
        remember_order(d, s, c);
        if (c->conv.kind == TRANSFER_P2P && d->cfg.suspense_account != 0 &&
            c->conv.payee_account == d->cfg.suspense_account) {
            decide_hold(d, s, c);
            return;
        }
        if (c->conv.kind == TRANSFER_CARD_LOAD && !dialog_card_confirm_prep(d, s, c)) {
            /* Blocked (BLOQUER) since the order: the hold goes back, nothing is loaded. */
            close_order(s, c, TRANSFER_VOID_PENDING);
            s->action = ACT_CARD_SAY;
            s->text_id = TEXT_CARD_BLOCKED;
            return;
        }
        if (c->conv.kind == TRANSFER_CARD_LOAD && dialog_topup_file_confirm(d, s, c)) {
            /* Paid by the card on file: the hold only reserved the load; the card is charged
             * now and credited with the capture (topup.c). */
            close_order(s, c, TRANSFER_VOID_PENDING);
            return;
        }
        s->action = ACT_CONFIRM;
        close_order(s, c, TRANSFER_POST_PENDING);
        if (c->conv.kind == TRANSFER_CARD_LOAD) {
            return;
        }
        payee = s->payee_is_charity ? NULL : dialog_payee_cust(d, c->conv.payee);
        if (payee != NULL && strchr(s->payee, ':') != NULL) {
            /* A linked social account: named by its handle, told by SMS to its number. */
            snprintf(s->payee_show, sizeof(s->payee_show), "%s", s->payee);
            snprintf(s->payee, sizeof(s->payee), "%s", payee->row.phone);
        }
        s->payee_lang = payee != NULL ? (enum lang)payee->row.lang : s->lang;
        return;
    }
    s->customer.pin_failures++;
    if (s->customer.pin_failures < d->cfg.code_attempts_max) {
        s->action = ACT_WRONG_CODE;
        s->conversation = c->conv;
        s->conversation.attempts++;
        s->conversation_changed = true;
        return;
    }
    s->action = ACT_LOCK;
    s->customer.pin_failures = 0;
    s->customer.locked_until_us = now_us + (int64_t)d->cfg.code_lock_s * 1000000;
    close_order(s, c, TRANSFER_VOID_PENDING);
}

/* Commands for people who have a wallet (and, for money, a code). */
void dialog_decide_customer(struct dialog *d, struct dialog_step *s, struct cust *c,
                            const struct command *cmd, int64_t now_us)
{
    bool money = cmd->type == CMD_SEND || cmd->type == CMD_DONATE || cmd->type == CMD_CONFIRM ||
                 cmd->type == CMD_AGAIN || cmd->type == CMD_CARD_ORDER;

    s->customer = c->row; /* replies read the wallet; customer_changed says whether to save */
    if (money && !c->row.has_pin) {
        dialog_reply_only(s, TEXT_CODE_NEEDED);
        return;
    }
    if (money && dialog_code_blocks(s, c, now_us)) {
        return;
    }
    switch (cmd->type) {
    case CMD_CODE:
    case CMD_CODE_RESET:
    case CMD_CODE_KEEP:
        dialog_decide_code(d, s, c, cmd); /* at s->now_us */
        break;
    case CMD_BALANCE:
        s->action = ACT_BALANCE;
        break;
    case CMD_SEND:
    case CMD_DONATE:
        dialog_decide_order(d, s, c, cmd);
        break;
    case CMD_CONFIRM:
        dialog_decide_confirm(d, s, c, cmd->code, now_us);
        break;
    case CMD_CANCEL:
        if (!c->has_conv) {
            dialog_reply_only(s, TEXT_NO_ORDER);
            break;
        }
        if (c->conv.kind == TRANSFER_PAYMENT && dialog_request_find(d, c->conv.order_id) != NULL) {
            dialog_decide_decline(s, c, dialog_request_find(d, c->conv.order_id));
            break;
        }
        s->action = ACT_CANCEL;
        close_order(s, c, TRANSFER_VOID_PENDING);
        break;
    case CMD_HISTORY:
        s->action = ACT_HISTORY;
        break;
    case CMD_AGAIN:
        decide_again(d, s, c);
        break;
    case CMD_TOPUP:
        dialog_topup_decide(d, s, c, cmd);
        break;
    case CMD_CARD_ORDER:
        dialog_card_order_decide(d, s, c);
        break;
    case CMD_NAME:
        snprintf(s->customer.name, sizeof(s->customer.name), "%.47s", cmd->note); /* <= 20 chars */
        s->customer_changed = true;
        dialog_reply_only(s, cmd->note[0] != '\0' ? TEXT_NAME_SET : TEXT_NAME_CLEARED);
        break;
    default:
        dialog_reply_only(s, TEXT_HELP);
        break;
    }
}

static void decide(struct dialog *d, struct dialog_step *s, struct cust *c,
                   const struct command *cmd, int64_t now_us)
{
    if (cmd->hint != HINT_NONE && cmd->type != CMD_CONFIRM) {
        s->action = ACT_REPLY;
        s->reply_kind = 1;
        s->hint = (int)cmd->hint;
        return;
    }
    switch (cmd->type) {
    case CMD_JOIN:
        decide_join(d, s, c);
        return;
    case CMD_HELP:
        dialog_reply_only(s, TEXT_HELP);
        return;
    case CMD_LANG:
        s->lang = cmd->lang;
        if (c != NULL && c->row.account_id != 0) {
            s->action = ACT_LANG;
            s->customer = c->row;
            s->customer.lang = (uint16_t)cmd->lang;
            s->customer_changed = true;
        } else {
            dialog_reply_only(s, TEXT_LANG_SET);
        }
        return;
    case CMD_STOP:
    case CMD_NONE:
        dialog_reply_only(s, TEXT_HELP);
        return;
    default:
        break;
    }
    if (dialog_card_decide(d, s, c, cmd)) {
        return;
    }
    if (c == NULL || c->row.account_id == 0) {
        dialog_reply_only(s, TEXT_NOT_JOINED);
        return;
    }
    dialog_decide_customer(d, s, c, cmd, now_us);
}

void dialog_fill_inbox(struct dialog_step *s, const struct dialog_message *m, int64_t now_us)
{
    struct inbox_row *r = &s->rows[0].u.inbox;

    s->rows[0].kind = EXTRA_INBOX;
    r->id = s->inbox_id;
    r->channel = m->channel;
    snprintf(r->peer_id, sizeof(r->peer_id), "%s", m->peer_id);
    snprintf(r->source, sizeof(r->source), "%s", s->phone);
    snprintf(r->dest, sizeof(r->dest), "%s", m->dest);
    r->peer_time_us = m->peer_time_us;
    r->received_us = now_us;
    snprintf(r->text, sizeof(r->text), "%.*s",
             (int)(m->len < sizeof(r->text) - 1 ? m->len : sizeof(r->text) - 1), m->text);
    vault_token_redact(r->text); /* a link pasted back: DESIGN.md, never at rest */
    s->row_count = 1;
}

int dialog_receive(struct dialog *d, const struct dialog_message *m, int64_t now_us,
                   struct dialog_step **out)
{
    struct id128 inbox_id, key;
    struct dialog_step *s;
    struct command cmd;
    struct cust *c;
    bool again;

    d->received_id = (struct id128){0, 0};
    if (m->channel == CHANNEL_SOCIAL) {
        return dialog_social_receive(d, m, now_us, out);
    }
    again = dialog_doubt_identify(d, m, now_us, &inbox_id, &key);
    if (again || dialog_seen(d, inbox_id)) {
        if (again) {
            d->received_id = inbox_id; /* handled once already: acknowledged, tracked again */
        }
        return MDT_E(EXISTS);
    }
    command_parse(m->text, m->len, d->cfg.country, d->cfg.currency, &cmd);
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return MDT_E(NOMEM);
    }
    s->d = d;
    s->inbox_id = inbox_id;
    s->now_us = now_us;
    if (phone_normalize(m->source, d->cfg.country, s->phone, NULL) < 0) {
        snprintf(s->phone, sizeof(s->phone), "%s", m->source);
    }
    c = dialog_cust_find(d, s->phone);
    if (c != NULL && c->busy) {
        vault_wipe(cmd.code, sizeof(cmd.code));
        vault_wipe(cmd.new_code, sizeof(cmd.new_code));
        free(s);
        return MDT_E(BUSY);
    }
    s->lang = c != NULL ? (enum lang)c->row.lang : (cmd.lang_known ? cmd.lang : d->cfg.lang);
    dialog_fill_inbox(s, m, now_us);
    if (!id128_is_zero(key)) {
        /* In doubt until the link confirms the acknowledgement; a crash keeps it so. */
        s->rows[0].u.inbox.doubt_key = key;
        dialog_doubt_track(d, inbox_id, key, now_us);
        d->received_id = inbox_id;
    }
    if (cmd.type == CMD_CARD_ADD || cmd.type == CMD_ACTIVATE) {
        /* The activation code is a secret like a code: not in the record of messages. */
        snprintf(s->rows[0].u.inbox.text, sizeof(s->rows[0].u.inbox.text),
                 cmd.type == CMD_ACTIVATE ? "ACTIVER %s ******" : "CARTE AJOUT %s %s ******",
                 cmd.type == CMD_ACTIVATE ? cmd.last4 : cmd.keyword, cmd.last4);
    }
    if (cmd.type == CMD_CODE || cmd.type == CMD_CONFIRM || cmd.type == CMD_CODE_KEEP ||
        cmd.type == CMD_CODE_RESET) {
        /* DESIGN.md: a code is never stored in clear, not even in the record of messages. */
        snprintf(s->rows[0].u.inbox.text, sizeof(s->rows[0].u.inbox.text), "%s",
                 cmd.type == CMD_CONFIRM      ? "******"
                 : cmd.type == CMD_CODE_KEEP  ? "CODE GARDER ******"
                 : cmd.type == CMD_CODE_RESET ? "CODE OUBLIE"
                 : cmd.new_code[0] != '\0'    ? "CODE ****** ******"
                                              : "CODE ******");
    }
    decide(d, s, c, &cmd, now_us);
    vault_wipe(cmd.code, sizeof(cmd.code));
    vault_wipe(cmd.new_code, sizeof(cmd.new_code));
    if (c == NULL && s->action == ACT_JOIN) {
        c = dialog_cust_add(d, s->phone); /* account 0 until the wallet is open */
        c->row.lang = (uint16_t)s->lang;
    }
    if (c != NULL) {
        c->busy = true;
    }
    *out = s;
    return 0;
}

/* A work step for claim k: collect it into the payee's wallet, or return it to the payer. */
static struct dialog_step *work_step(struct dialog *d, struct claim *k, const struct cust *payee,
                                     int64_t now_us)
{
    struct dialog_step *s = calloc(1, sizeof(*s));
    const struct cust *payer = dialog_cust_find(d, k->row.payer);
    struct ledger_op *op;
    bool collect = payee != NULL;

    MDT_ASSERT(s != NULL);
    s->d = d;
    s->work = true;
    s->now_us = now_us;
    s->inbox_id = id128_derive(k->row.id, collect ? TAG_COLLECT : TAG_RETURN);
    s->action = collect ? ACT_COLLECT : ACT_RETURN;
    snprintf(s->phone, sizeof(s->phone), "%s", k->row.payer);
    snprintf(s->payee, sizeof(s->payee), "%s", k->row.payee);
    s->lang = payer != NULL ? (enum lang)payer->row.lang : d->cfg.lang;
    if (payer != NULL) { /* the payee's receipt names the payer as they chose */
        snprintf(s->customer.name, sizeof(s->customer.name), "%s", payer->row.name);
    }
    s->amount = k->row.amount_minor;
    s->customer.account_id = k->row.payer_account;
    s->claim = k->row;
    s->claim_changed = true;
    op = dialog_add_op(s);
    op->transfer.link_id = k->row.id;
    op->transfer.flags =
        collect ? (TRANSFER_POST_PENDING | TRANSFER_LINKED) : TRANSFER_VOID_PENDING;
    if (collect && strchr(k->row.payee, ':') != NULL) {
        snprintf(s->payee_show, sizeof(s->payee_show), "%s", k->row.payee);
        snprintf(s->payee, sizeof(s->payee), "%s", payee->row.phone);
    }
    if (collect) {
        s->payee_account = payee->row.account_id;
        s->payee_lang = (enum lang)payee->row.lang;
        op = dialog_add_op(s);
        op->transfer.debit_account_id = d->cfg.suspense_account;
        op->transfer.credit_account_id = payee->row.account_id;
        op->transfer.amount = k->row.amount_minor;
        op->transfer.kind = TRANSFER_P2P;
    }
    k->in_flight = true;
    return s;
}

int dialog_work(struct dialog *d, int64_t now_us, struct dialog_step **out)
{
    struct dialog_step *expired = dialog_request_work(d, now_us);

    if (expired == NULL) {
        expired = dialog_code_work(d, now_us);
    }
    if (expired == NULL) {
        expired = dialog_card_order_work(d, now_us);
    }
    if (expired == NULL) {
        expired = dialog_card_expire_work(d, now_us);
    }
    if (expired != NULL) {
        *out = expired;
        return 0;
    }
    for (size_t i = 0; i < d->claim_count; i++) {
        struct claim *k = &d->claims[i];
        const struct cust *payee = dialog_payee_cust(d, k->row.payee);

        if (k->in_flight) {
            continue;
        }
        if (payee != NULL && payee->row.account_id != 0 && !k->stuck &&
            k->row.expires_us > now_us) {
            *out = work_step(d, k, payee, now_us);
            return 0;
        }
        if (k->row.expires_us <= now_us) {
            *out = work_step(d, k, NULL, now_us);
            return 0;
        }
    }
    return MDT_E(NOTFOUND);
}
