/* SPDX-License-Identifier: Apache-2.0 */
/* A wallet's top-up by bank card (topup.h): the link sent by SMS, the page's payment recorded
 * before it goes to the acquirer, every answer recorded and followed by the next operation or
 * the credit (bank -> wallet under the top-up's id, with the acquirer's fee as a linked leg),
 * and the receipts. Decisions only: the acquirer is the channel's (channel/acquirer). */
#include "dialog/topup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "dialog/dialog_int.h"
#include "vault/vault.h"

#define TAG_TOPUP 0xa00u      /* a top-up's id, from the SMS that asked for it */
#define TAG_TOPUP_FEE 0xa01u  /* the fee leg's transfer id, from the top-up's id */
#define TAG_TOPUP_STEP 0xa10u /* + state: the id a step's receipts derive from */

void dialog_topup_key(struct id128 id, uint16_t op, char out[STORE_ACQ_KEY_MAX])
{
    snprintf(out, STORE_ACQ_KEY_MAX, "%016llx%016llx.%c", (unsigned long long)id.hi,
             (unsigned long long)id.lo, op == TOPUP_OP_CAPTURE ? 'c' : 'a');
}

static struct topup *topup_find(struct dialog *d, struct id128 id)
{
    uint32_t v = dialog_id_find(&d->topup_ids, d->topups, sizeof(*d->topups),
                                offsetof(struct topup, row.id), id);

    return v != 0 ? &d->topups[v - 1] : NULL;
}

/* Remember r (new, or the next state of one known). false when memory holds its maximum. */
static bool topup_apply(struct dialog *d, const struct card_topup_row *r)
{
    struct topup *t = topup_find(d, r->id);

    if (t == NULL) {
        t = dialog_linked_add((void **)&d->topups, &d->topup_count, &d->topup_cap,
                              sizeof(*d->topups), DIALOG_TOPUPS_MAX, &d->topup_ids,
                              &d->topup_tokens, r->id, r->token_hash);
        if (t == NULL) {
            return false;
        }
    }
    t->row = *r;
    return true;
}

/* The operations awaiting an answer: r replaces the one of its key, and stays while pending or
 * unknown. */
static void acq_open_apply(struct dialog *d, const struct acquirer_op_row *r)
{
    for (size_t i = 0; i < d->acq_open_count; i++) {
        if (strcmp(d->acq_open[i].key, r->key) == 0) {
            d->acq_open[i] = d->acq_open[--d->acq_open_count];
            break;
        }
    }
    if ((r->state != ACQ_OP_PENDING && r->state != ACQ_OP_UNKNOWN) ||
        d->acq_open_count >= DIALOG_TOPUP_OPS_MAX) {
        return; /* past the bound, it waits in the store for the next start */
    }
    mem_grow((void **)&d->acq_open, &d->acq_open_cap, d->acq_open_count + 1, sizeof(*d->acq_open));
    d->acq_open[d->acq_open_count++] = *r;
}

int dialog_topup_loaded(void *ctx, const struct card_topup_row *r)
{
    struct dialog *d = ctx;

    if (r->state == TOPUP_OPEN && r->expires_us <= clock_now_us()) {
        return 0; /* a link nobody used: its page says it is gone */
    }
    (void)topup_apply(d, r);
    return 0;
}

int dialog_acquirer_op_loaded(void *ctx, const struct acquirer_op_row *r)
{
    struct dialog *d = ctx;
    struct topup *t = topup_find(d, r->topup_id);

    acq_open_apply(d, r);
    if (t != NULL && r->kind == TOPUP_OP_CAPTURE) {
        snprintf(t->auth_ref, sizeof(t->auth_ref), "%s", r->auth_ref);
    }
    return 0;
}

void dialog_topup_free_all(struct dialog *d)
{
    free(d->topups);
    free(d->acq_open);
}

const struct card_topup_row *
dialog_topup_by_token(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us)
{
    uint32_t at = dialog_token_find(&d->topup_tokens, d->topups, sizeof(*d->topups),
                                    offsetof(struct topup, row.token_hash), token_hash);
    const struct topup *t = at != 0 ? &d->topups[at - 1] : NULL;

    if (t == NULL || (t->row.state == TOPUP_OPEN && t->row.expires_us <= now_us)) {
        return NULL;
    }
    return &t->row;
}

const struct card_topup_row *dialog_topup_get(struct dialog *d, struct id128 id)
{
    const struct topup *t = topup_find(d, id);

    return t != NULL ? &t->row : NULL;
}

const char *dialog_topup_auth_ref(struct dialog *d, struct id128 id)
{
    const struct topup *t = topup_find(d, id);

    return t != NULL ? t->auth_ref : "";
}

size_t dialog_topup_unresolved(struct dialog *d, int64_t pending_before_us,
                               struct acquirer_op_row *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < d->acq_open_count && n < max; i++) {
        const struct acquirer_op_row *r = &d->acq_open[i];
        const struct topup *t = topup_find(d, r->topup_id);

        if (t != NULL && t->busy) {
            continue;
        }
        if (r->state == ACQ_OP_UNKNOWN || r->updated_us < pending_before_us) {
            out[n++] = *r;
        }
    }
    return n;
}

int64_t dialog_topup_room(const struct dialog_step *s, int64_t *limit_minor)
{
    if (limit_minor != NULL) {
        *limit_minor = s->topup_cap;
    }
    return s->topup_room;
}

const char *dialog_topup_reason(const char *code, enum lang lang)
{
    enum dialog_text t = TEXT_TOPUP_WHY_REFUSED;

    if (strcmp(code, "51") == 0) {
        t = TEXT_TOPUP_WHY_FUNDS;
    } else if (strcmp(code, "54") == 0) {
        t = TEXT_TOPUP_WHY_EXPIRED;
    } else if (strcmp(code, "14") == 0) {
        t = TEXT_TOPUP_WHY_INVALID;
    }
    return dialog_text(t, lang);
}

/* ---- steps ---- */

static void fmt_money(const struct dialog *d, int64_t v, enum lang lang, char out[MONEY_FORMAT_MAX])
{
    if (money_format(v, d->cfg.currency, lang, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "?");
    }
}

/* An acquirer operation of top-up r, as recorded before it is sent. */
static struct acquirer_op_row *acq_add(struct dialog_step *s, const struct card_topup_row *r,
                                       uint16_t op, uint16_t state)
{
    struct acquirer_op_row *a;

    MDT_ASSERT(s->acq_count < sizeof(s->acq) / sizeof(s->acq[0]));
    a = &s->acq[s->acq_count++];
    memset(a, 0, sizeof(*a));
    dialog_topup_key(r->id, op, a->key);
    a->topup_id = r->id;
    a->kind = op;
    a->state = state;
    a->amount_minor = r->amount_minor;
    snprintf(a->currency, sizeof(a->currency), "%s", r->currency);
    a->wallet_account = r->wallet_account;
    a->created_us = s->now_us;
    a->updated_us = s->now_us;
    return a;
}

void dialog_topup_decide(struct dialog *d, struct dialog_step *s, const struct cust *c,
                         const struct command *cmd)
{
    struct card_topup_row *r = &s->topup;

    if (d->cfg.topup_link_s == 0 || d->topup_count >= DIALOG_TOPUPS_MAX ||
        (cmd->currency != NULL && cmd->currency != d->cfg.currency)) {
        dialog_reply_only(s, TEXT_TOPUP_OFF);
        return;
    }
    memset(r, 0, sizeof(*r));
    if (vault_token_new(d->vault, s->token, r->token_hash) < 0) {
        dialog_reply_only(s, TEXT_PAGE_NO_RANDOM);
        return;
    }
    s->action = ACT_TOP_LINK;
    s->amount = cmd->amount_minor;
    r->id = id128_derive(s->inbox_id, TAG_TOPUP);
    snprintf(r->phone, sizeof(r->phone), "%s", c->row.phone);
    r->wallet_account = c->row.account_id;
    r->amount_minor = cmd->amount_minor;
    snprintf(r->currency, sizeof(r->currency), "%s", d->cfg.currency->code);
    r->state = TOPUP_OPEN;
    r->lang = (uint16_t)s->lang;
    r->created_us = s->now_us;
    r->updated_us = s->now_us;
    r->expires_us = s->now_us + (int64_t)d->cfg.topup_link_s * 1000000;
    s->topup_changed = true;
}

/* A step of top-up t, on no one's conversation: replies name their number. */
static struct dialog_step *topup_step(struct dialog *d, struct topup *t, int action, int64_t now_us)
{
    struct dialog_step *s = calloc(1, sizeof(*s));

    MDT_ASSERT(s != NULL);
    s->d = d;
    s->api = true;
    s->now_us = now_us;
    s->action = action;
    /* Each step of a top-up has an id of its own: its receipts derive from it. */
    s->inbox_id = id128_derive(t->row.id, TAG_TOPUP_STEP + (uint32_t)action * 16 + t->row.state);
    s->lang = (enum lang)t->row.lang;
    s->amount = t->row.amount_minor;
    s->topup = t->row;
    s->topup.updated_us = now_us;
    s->topup_changed = true;
    t->busy = true;
    return s;
}

int dialog_topup_pay_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *last4,
                         int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    const struct card_topup_row *row = dialog_topup_by_token(d, token_hash, now_us);
    struct topup *t = row != NULL ? topup_find(d, row->id) : NULL;
    struct dialog_step *s;

    if (t == NULL) {
        return dialog_page_err(err, MDT_E(NOTFOUND), LANG_FR, TEXT_PAGE_LINK_GONE);
    }
    if (t->busy || t->row.state != TOPUP_OPEN) {
        return dialog_page_err(err, MDT_E(BUSY), (enum lang)t->row.lang, TEXT_PAGE_BUSY);
    }
    s = topup_step(d, t, ACT_TOP_PAY, now_us);
    s->topup.state = TOPUP_AUTHORIZING;
    snprintf(s->topup.card_last4, sizeof(s->topup.card_last4), "%.4s", last4);
    (void)acq_add(s, &s->topup, TOPUP_OP_AUTHORIZE, ACQ_OP_PENDING);
    *out = s;
    return 0;
}

/* The answer's operation row: the open one of its key, or a fresh one. */
static void answer_record(struct dialog_step *s, const struct topup_answer *a)
{
    struct acquirer_op_row *r = acq_add(s, &s->topup, a->op, a->outcome);
    char key[STORE_ACQ_KEY_MAX];

    dialog_topup_key(s->topup.id, a->op, key);
    for (size_t i = 0; i < s->d->acq_open_count; i++) {
        if (strcmp(s->d->acq_open[i].key, key) == 0) {
            *r = s->d->acq_open[i];
        }
    }
    r->state = a->outcome;
    r->updated_us = s->now_us;
    snprintf(r->code, sizeof(r->code), "%s", a->code);
    snprintf(r->ref, sizeof(r->ref), "%s", a->ref);
}

/* Capture approved: the credit from the bank and the acquirer's fee. To the fees account, the
 * ledger's own fee leg of the schedule (its payer: payer, the bank bears it; payee, the person
 * does); to another account, a linked payout of the same amount from the bank. */
static void answer_credit(struct dialog *d, struct dialog_step *s, const struct topup_answer *a)
{
    struct ledger_op *op = dialog_add_op(s);
    int64_t fee = 0;

    op->transfer.id = s->topup.id; /* a second credit of this top-up is impossible */
    op->transfer.debit_account_id = d->cfg.bank_account;
    op->transfer.credit_account_id = s->topup.wallet_account;
    op->transfer.amount = s->topup.amount_minor;
    op->transfer.kind = TRANSFER_TOPUP;
    op->transfer.channel = CHANNEL_HTTP;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "card %s", a->ref);
    if (d->cfg.topup_fee_schedule == 0) {
        return;
    }
    if (d->cfg.topup_fee_account == 0) {
        op->transfer.fee_schedules[0] = d->cfg.topup_fee_schedule;
        return;
    }
    if (fee_compute(&d->cfg.topup_fee, s->topup.amount_minor, &fee) != LEDGER_OK || fee <= 0) {
        return;
    }
    op->transfer.flags = TRANSFER_LINKED;
    op = dialog_add_op(s);
    op->transfer.id = id128_derive(s->topup.id, TAG_TOPUP_FEE);
    op->transfer.debit_account_id = d->cfg.bank_account;
    op->transfer.credit_account_id = d->cfg.topup_fee_account;
    op->transfer.amount = fee;
    op->transfer.kind = TRANSFER_PAYOUT;
    op->transfer.channel = CHANNEL_HTTP;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "acquirer fee %s", a->ref);
}

/* Whether a answers what top-up t waits for (else it is stale: nothing to do). */
static bool answer_expected(const struct topup *t, const struct topup_answer *a)
{
    uint16_t waiting = a->op == TOPUP_OP_AUTHORIZE ? TOPUP_AUTHORIZING : TOPUP_CAPTURING;

    if (t->row.state == TOPUP_CHECKING) {
        return a->outcome != ACQ_OP_UNKNOWN; /* still unknown: nothing new to record */
    }
    return t->row.state == waiting;
}

int dialog_topup_answer(struct dialog *d, struct id128 id, const struct topup_answer *a,
                        int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    struct topup *t = topup_find(d, id);
    struct dialog_step *s;

    if (t == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such top-up");
    }
    if (t->busy) {
        return mdt_err_set(err, MDT_E(BUSY), "a step of this top-up is in flight");
    }
    if (!answer_expected(t, a)) {
        return mdt_err_set(err, MDT_E(EXISTS), "nothing new for this top-up");
    }
    s = topup_step(d, t, ACT_TOP_ANSWER, now_us);
    answer_record(s, a);
    if (a->outcome == ACQ_OP_UNKNOWN) {
        s->topup.state = TOPUP_CHECKING;
    } else if (a->outcome == ACQ_OP_DECLINED) {
        s->topup.state = TOPUP_DECLINED;
        snprintf(s->topup.code, sizeof(s->topup.code), "%s", a->code);
    } else if (a->op == TOPUP_OP_AUTHORIZE) {
        struct acquirer_op_row *c = acq_add(s, &s->topup, TOPUP_OP_CAPTURE, ACQ_OP_PENDING);

        snprintf(c->auth_ref, sizeof(c->auth_ref), "%s", a->ref);
        s->topup.state = TOPUP_CAPTURING;
    } else {
        answer_credit(d, s, a); /* the hook says CREDITED once the ledger took it */
    }
    *out = s;
    return 0;
}

/* Whether amount fits under the wallet's balance limit; else the step says how much does. */
static bool topup_fits(struct dialog_step *s, const struct ledger *l, uint64_t wallet,
                       int64_t amount)
{
    const struct account *a = ledger_account_get(l, wallet);
    const struct ledger_limits *lim = ledger_limits_of(l, wallet);
    int64_t held;

    if (a == NULL || lim == NULL || lim->balance_max <= 0) {
        return a != NULL;
    }
    held = a->credits_posted - a->debits_posted + a->credits_pending;
    s->topup_cap = lim->balance_max;
    s->topup_room = lim->balance_max > held ? lim->balance_max - held : 0;
    return amount <= s->topup_room;
}

static void append_rows(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap)
{
    if (s->topup_changed) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CARD_TOPUP;
        rows[(*count)++].u.card_topup = s->topup;
    }
    for (size_t i = 0; i < s->acq_count; i++) {
        MDT_ASSERT(*count < cap);
        memset(&rows[*count], 0, sizeof(rows[*count]));
        rows[*count].kind = EXTRA_ACQUIRER_OP;
        rows[(*count)++].u.acquirer_op = s->acq[i];
    }
}

/* TOPUP 50: the link, or why not. */
static void hook_link(struct dialog_step *s, const struct ledger *l, struct store_extra *rows,
                      size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], room[MONEY_FORMAT_MAX], link[STORE_URL_MAX + 48];
    char lasts[DIALOG_DURATION_MAX];

    fmt_money(s->d, s->amount, s->lang, amount);
    if (!topup_fits(s, l, s->topup.wallet_account, s->amount)) {
        s->topup_changed = false;
        fmt_money(s->d, s->topup_cap, s->lang, amount);
        fmt_money(s->d, s->topup_room, s->lang, room);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_TOPUP_CAP, amount, room);
        return;
    }
    snprintf(link, sizeof(link), "%s/t/%s", s->d->cfg.link_base, s->token);
    dialog_duration_format(s->d->cfg.topup_link_s, s->lang, lasts);
    dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_TOPUP_LINK, amount, link, lasts);
    vault_wipe(link, sizeof(link));
    vault_wipe(s->token, sizeof(s->token));
}

/* The answer's receipt by SMS, and CREDITED once the ledger took the credit. */
static void hook_answer(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *results, size_t n, struct store_extra *rows,
                        size_t *count, size_t cap)
{
    const char *to = s->topup.phone;
    char amount[MONEY_FORMAT_MAX], balance[MONEY_FORMAT_MAX];
    const struct account *a;

    fmt_money(s->d, s->topup.amount_minor, s->lang, amount);
    int reason = LEDGER_OK;

    for (size_t i = 0; i < n && reason == LEDGER_OK; i++) {
        if (results[i].reason != LEDGER_LINKED_EVENT_FAILED) {
            reason = results[i].reason; /* the leg that failed the chain */
        }
    }
    if (n > 0 && reason != LEDGER_OK) {
        /* Captured but refused by the ledger (its limit moved meanwhile): nothing was credited;
         * the operator refunds the card (logged, never with card data). */
        log_error("top-up %016llx: captured but the ledger refused the credit (%s): refund it",
                  (unsigned long long)s->topup.id.lo, ledger_reason_name(reason));
        s->topup.state = TOPUP_DECLINED;
        snprintf(s->topup.code, sizeof(s->topup.code), "%s", "05");
        dialog_reply(s, rows, count, cap, to, s->lang, TEXT_TOPUP_DECLINED, amount,
                     dialog_topup_reason(s->topup.code, s->lang));
    } else if (n > 0) {
        s->topup.state = TOPUP_CREDITED;
        a = ledger_account_get(l, s->topup.wallet_account);
        fmt_money(s->d, a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0,
                  s->lang, balance);
        dialog_reply(s, rows, count, cap, to, s->lang,
                     s->card_file_changed ? TEXT_TOPUP_DONE_KEPT : TEXT_TOPUP_DONE, amount,
                     s->topup.card_last4, balance);
    } else if (s->topup.state == TOPUP_DECLINED) {
        dialog_reply(s, rows, count, cap, to, s->lang, TEXT_TOPUP_DECLINED, amount,
                     dialog_topup_reason(s->topup.code, s->lang));
    } else if (s->topup.state == TOPUP_CHECKING) {
        dialog_reply(s, rows, count, cap, to, s->lang, TEXT_TOPUP_CHECKING, amount);
    }
}

void dialog_topup_hook(struct dialog_step *s, const struct ledger *l,
                       const struct ledger_result *results, size_t n, struct store_extra *rows,
                       size_t *count, size_t cap)
{
    switch (s->action) {
    case ACT_TOP_LINK:
        hook_link(s, l, rows, count, cap);
        break;
    case ACT_TOP_PAY:
        /* The wallet's limit is checked before the card is charged. */
        if (!topup_fits(s, l, s->topup.wallet_account, s->topup.amount_minor)) {
            s->outcome = OUTCOME_REFUSED;
            s->topup_changed = false;
            s->acq_count = 0;
        }
        break;
    default:
        hook_answer(s, l, results, n, rows, count, cap);
        break;
    }
    if (s->topup.state != TOPUP_CREDITED) {
        s->card_file_changed = false; /* only a payment that went through keeps its card */
    }
    append_rows(s, rows, count, cap);
    dialog_card_file_row(s, rows, count, cap);
}

void dialog_topup_done(struct dialog_step *s, int rc)
{
    struct dialog *d = s->d;
    struct topup *t = topup_find(d, s->topup.id);

    if (t != NULL) {
        t->busy = false;
    }
    if (rc < 0) {
        return;
    }
    if (s->topup_changed) {
        (void)topup_apply(d, &s->topup);
        t = topup_find(d, s->topup.id);
    }
    for (size_t i = 0; i < s->acq_count; i++) {
        acq_open_apply(d, &s->acq[i]);
        if (t != NULL && s->acq[i].kind == TOPUP_OP_CAPTURE) {
            snprintf(t->auth_ref, sizeof(t->auth_ref), "%s", s->acq[i].auth_ref);
        }
    }
}
