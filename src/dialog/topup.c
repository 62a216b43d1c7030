/* SPDX-License-Identifier: Apache-2.0 */
/* Money in by bank card (topup.h): a wallet's top-up, or a prepaid card's reload (its target is
 * the card, the sender pays its fees on top): the link sent by SMS, or the order confirmed with
 * the code and paid by the card on file; the payment recorded before it goes to the acquirer,
 * every answer recorded and followed by the next operation or the credit (bank -> wallet or
 * card under the top-up's id, with the fee legs), a void when a capture is declined, a refund
 * when the ledger refuses the credit, and the receipts. Decisions only: the acquirer is the
 * channel's (channel/acquirer). */
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
#define TAG_TOPUP_FILE 0xa02u /* a reload paid by the card on file: its id, from its hold's */
#define TAG_TOPUP_STEP 0xa10u /* + state: the id a step's receipts derive from */

void dialog_topup_key(struct id128 id, uint16_t op, char out[STORE_ACQ_KEY_MAX])
{
    static const char letter[] = "acvr"; /* = enum topup_op */

    MDT_ASSERT(op < sizeof(letter) - 1);
    snprintf(out, STORE_ACQ_KEY_MAX, "%016llx%016llx.%c", (unsigned long long)id.hi,
             (unsigned long long)id.lo, letter[op]);
}

int64_t dialog_topup_charge(const struct card_topup_row *r)
{
    return r->charge_minor > 0 ? r->charge_minor : r->amount_minor;
}

void dialog_topup_on_start(struct dialog *d, dialog_topup_start_fn fn, void *ctx)
{
    d->topup_start = fn;
    d->topup_start_ctx = ctx;
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
    if (t != NULL && r->kind != TOPUP_OP_AUTHORIZE) {
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
    a->amount_minor = dialog_topup_charge(r);
    snprintf(a->currency, sizeof(a->currency), "%s", r->currency);
    a->wallet_account = r->wallet_account;
    a->created_us = s->now_us;
    a->updated_us = s->now_us;
    return a;
}

/* A new top-up of s's person c for amount, open until lives_s from now: with a page's link
 * (s->token) when link, else without (paid by the card on file once the code confirms it).
 * False, and the step answered, when top-ups are off, memory is full, or no randomness. */
static bool topup_new(struct dialog *d, struct dialog_step *s, const struct cust *c, int64_t amount,
                      bool link, uint32_t lives_s)
{
    struct card_topup_row *r = &s->topup;

    if (d->cfg.topup_link_s == 0 || d->topup_count >= DIALOG_TOPUPS_MAX) {
        dialog_reply_only(s, TEXT_TOPUP_OFF);
        return false;
    }
    memset(r, 0, sizeof(*r));
    if (link && vault_token_new(d->vault, s->token, r->token_hash) < 0) {
        dialog_reply_only(s, TEXT_PAGE_NO_RANDOM);
        return false;
    }
    s->amount = amount;
    r->id = id128_derive(s->inbox_id, TAG_TOPUP);
    snprintf(r->phone, sizeof(r->phone), "%s", c->row.phone);
    r->wallet_account = c->row.account_id;
    r->amount_minor = amount;
    snprintf(r->currency, sizeof(r->currency), "%s", d->cfg.currency->code);
    r->state = TOPUP_OPEN;
    r->lang = (uint16_t)s->lang;
    r->created_us = s->now_us;
    r->updated_us = s->now_us;
    r->expires_us = s->now_us + (int64_t)lives_s * 1000000;
    s->topup_changed = true;
    return true;
}

void dialog_topup_decide(struct dialog *d, struct dialog_step *s, const struct cust *c,
                         const struct command *cmd)
{
    if (cmd->currency != NULL && cmd->currency != d->cfg.currency) {
        dialog_reply_only(s, TEXT_TOPUP_OFF);
        return;
    }
    if (topup_new(d, s, c, cmd->amount_minor, true, d->cfg.topup_link_s)) {
        s->action = ACT_TOP_LINK;
    }
}

/* fee of schedule f on amount, 0 when there is none (the ledger refuses the load then). */
static int64_t fee_of(uint16_t schedule, const struct fee_schedule *f, int64_t amount,
                      int64_t *charged)
{
    int64_t fee = 0;

    if (schedule == 0 || fee_compute(f, amount, &fee) != LEDGER_OK) {
        return 0;
    }
    if (f->payer == FEE_PAYER) {
        *charged += fee; /* the bank account pays it on top: the bank card is charged it */
    }
    return fee;
}

bool dialog_topup_card(struct dialog *d, struct dialog_step *s, const struct cust *c,
                       const struct card_row *k, const char *alias,
                       const struct card_file_row *file)
{
    struct card_topup_row *r = &s->topup;
    bool link = file == NULL;

    if (!topup_new(d, s, c, s->amount, link, link ? d->cfg.topup_link_s : d->cfg.order_timeout_s)) {
        return false;
    }
    r->card_account = k->account_id;
    snprintf(r->card_alias, sizeof(r->card_alias), "%s", alias);
    snprintf(r->card_target_last4, sizeof(r->card_target_last4), "%s", k->last4);
    r->charge_minor = r->amount_minor;
    r->fee_minor = fee_of(d->cfg.card_reload_fee_schedule, &d->cfg.card_reload_fee, r->amount_minor,
                          &r->charge_minor);
    r->order_fee_minor =
        fee_of(d->cfg.order_fee_schedule, &d->cfg.order_fee, r->amount_minor, &r->charge_minor);
    if (link) {
        s->action = ACT_TOP_LINK;
        return true;
    }
    snprintf(r->file_token, sizeof(r->file_token), "%s", file->pan.token);
    snprintf(r->card_last4, sizeof(r->card_last4), "%s", file->pan.last4);
    return true;
}

void dialog_topup_file_order(struct dialog_step *s, const struct ledger_op *hold)
{
    /* The code finds the top-up from the conversation's order, which is this hold. */
    s->topup.id = id128_derive(hold->transfer.id, TAG_TOPUP_FILE);
}

bool dialog_topup_file_confirm(struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    struct topup *t = topup_find(d, id128_derive(c->conv.order_id, TAG_TOPUP_FILE));

    if (t == NULL || t->busy || t->row.state != TOPUP_OPEN || t->row.file_token[0] == '\0') {
        return false;
    }
    s->action = ACT_TOP_FILE;
    s->topup = t->row;
    s->topup.state = TOPUP_AUTHORIZING;
    s->topup.updated_us = s->now_us;
    s->topup_changed = true;
    (void)acq_add(s, &s->topup, TOPUP_OP_AUTHORIZE, ACQ_OP_PENDING);
    t->busy = true;
    return true;
}

/* A step of top-up t, on no one's conversation: replies name their number. */
static struct dialog_step *topup_step(struct dialog *d, struct topup *t, int action, int64_t now_us)
{
    /* Each step of a top-up has an id of its own: its receipts derive from it. */
    struct dialog_step *s = dialog_step_derived(
        d, action, id128_derive(t->row.id, TAG_TOPUP_STEP + (uint32_t)action * 16 + t->row.state),
        (enum lang)t->row.lang, now_us);

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
    if (t->row.card_account != 0 && !dialog_card_usable(d, t->row.card_account, now_us)) {
        return dialog_page_err(err, MDT_E(RANGE), (enum lang)t->row.lang, TEXT_CARD_BLOCKED,
                               t->row.card_target_last4, t->row.card_alias);
    }
    s = topup_step(d, t, ACT_TOP_PAY, now_us);
    s->topup.state = TOPUP_AUTHORIZING;
    snprintf(s->topup.card_last4, sizeof(s->topup.card_last4), "%.4s", last4);
    (void)acq_add(s, &s->topup, TOPUP_OP_AUTHORIZE, ACQ_OP_PENDING);
    *out = s;
    return 0;
}

/* Whether a card payment of request id is in flight or done: a second card would be charged
 * for an order paid once. O(top-ups in memory), once per card payment by phone. */
static bool request_paying(const struct dialog *d, struct id128 id)
{
    for (size_t i = 0; i < d->topup_count; i++) {
        const struct card_topup_row *r = &d->topups[i].row;

        if (id128_eq(r->request_id, id) && r->state != TOPUP_DECLINED &&
            r->state != TOPUP_REFUNDED) {
            return true;
        }
    }
    return false;
}

int dialog_topup_pay_request(struct dialog *d, struct id128 request_id, const char *phone,
                             const char *last4, enum lang lang, int64_t now_us,
                             struct dialog_step **out, struct mdt_err *err)
{
    const struct request *q = dialog_request_find(d, request_id);
    struct card_topup_row *r;
    struct dialog_step *s;
    struct id128 id;

    if (q == NULL || q->row.state != PR_PENDING || q->row.expires_us <= now_us) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "the order can no longer be paid");
    }
    if (d->cfg.topup_link_s == 0 || d->topup_count >= DIALOG_TOPUPS_MAX) {
        return mdt_err_set(err, MDT_E(RANGE), "card payments are off");
    }
    if (request_paying(d, request_id)) {
        return mdt_err_set(err, MDT_E(BUSY), "a card payment of this order is under way");
    }
    if (id128_random(&id) < 0) {
        return mdt_err_set(err, MDT_E(IO), "no random bytes");
    }
    s = dialog_step_derived(d, ACT_TOP_PAY, id128_derive(id, TAG_TOPUP_STEP), lang, now_us);
    s->amount = q->row.amount_minor;
    s->topup_changed = true;
    r = &s->topup;
    r->id = id;
    r->request_id = request_id;
    snprintf(r->phone, sizeof(r->phone), "%s", phone);
    r->amount_minor = q->row.amount_minor;
    snprintf(r->currency, sizeof(r->currency), "%s", q->row.currency);
    r->state = TOPUP_AUTHORIZING;
    r->lang = (uint16_t)lang;
    snprintf(r->card_last4, sizeof(r->card_last4), "%.4s", last4);
    r->created_us = now_us;
    r->updated_us = now_us;
    r->expires_us = q->row.expires_us;
    (void)acq_add(s, r, TOPUP_OP_AUTHORIZE, ACQ_OP_PENDING);
    /* Known at once (busy until its step is done), so that the flow finds it when the step is
     * durable and a second card for the same order is refused meanwhile. */
    if (!topup_apply(d, r)) {
        free(s);
        return mdt_err_set(err, MDT_E(RANGE), "card payments are off");
    }
    topup_find(d, id)->busy = true;
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

/* The next operation of the step's top-up (a capture, void or refund), recorded pending (the
 * caller sends it once the step is durable), against the authorization's reference auth_ref. */
static void settle_add(struct dialog_step *s, uint16_t op, const char *auth_ref)
{
    struct acquirer_op_row *r = acq_add(s, &s->topup, op, ACQ_OP_PENDING);

    snprintf(r->auth_ref, sizeof(r->auth_ref), "%s", auth_ref);
}

/* The acquirer's fee on what the card was charged. To the fees account, the ledger's own fee leg
 * of the schedule (its payer: payer, the bank bears it; payee, the person does) when the credit
 * has a slot for it; to another account, or when a card load's two slots hold its order and
 * reload fees, a linked payout of the same amount from the bank. */
static void acquirer_fee(struct dialog *d, struct dialog_step *s, struct ledger_op *credit,
                         const struct topup_answer *a)
{
    uint64_t to = d->cfg.topup_fee_account;
    struct ledger_op *op;
    int64_t fee = 0;

    if (d->cfg.topup_fee_schedule == 0) {
        return;
    }
    if (to == 0 && s->topup.card_account == 0 && id128_is_zero(s->topup.request_id)) {
        credit->transfer.fee_schedules[0] = d->cfg.topup_fee_schedule;
        return;
    }
    to = to != 0 ? to : d->corder_cfg.fees_account;
    if (to == 0 ||
        fee_compute(&d->cfg.topup_fee, dialog_topup_charge(&s->topup), &fee) != LEDGER_OK ||
        fee <= 0) {
        return;
    }
    credit->transfer.flags = TRANSFER_LINKED;
    op = dialog_add_op(s);
    op->transfer.id = id128_derive(s->topup.id, TAG_TOPUP_FEE);
    op->transfer.debit_account_id = d->cfg.bank_account;
    op->transfer.credit_account_id = to;
    op->transfer.amount = fee;
    op->transfer.kind = TRANSFER_PAYOUT;
    op->transfer.channel = CHANNEL_HTTP;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "acquirer fee %s", a->ref);
}

/* Capture approved for an order paid by card over the phone: the request is paid from the bank
 * under its own payment id, as the payer's code would have paid it from the wallet (the same
 * merchant fee, the same webhook), so that it is paid at most once whatever pays it. A request
 * no longer pending (paid meanwhile, expired, cancelled) is not paid: the card is refunded. */
static void answer_pay_request(struct dialog *d, struct dialog_step *s,
                               const struct topup_answer *a)
{
    const struct request *q = dialog_request_find(d, s->topup.request_id);
    struct ledger_op *op;

    if (q == NULL || q->row.state != PR_PENDING || q->row.expires_us <= s->now_us) {
        s->topup.state = TOPUP_REFUNDED;
        settle_add(s, TOPUP_OP_REFUND, s->acq[0].auth_ref);
        return;
    }
    s->request = q->row;
    op = dialog_add_op(s);
    dialog_request_pay_op(d, &q->row, d->cfg.bank_account, op);
    op->transfer.channel = CHANNEL_HTTP;
    acquirer_fee(d, s, op, a);
}

/* Capture approved: one ledger step credits the target from the bank under the top-up's own id
 * (a second credit is impossible): a wallet's top-up, or a card's load with its SMS order fee and
 * reload fee as the ledger's fee legs (the sender pays them on top: the bank card was charged
 * them), and the acquirer's fee. A card that may not be loaded any more (blocked, expired since
 * the order) is not credited: its payment is refunded. */
static void answer_credit(struct dialog *d, struct dialog_step *s, const struct topup_answer *a)
{
    const struct card_topup_row *r = &s->topup;
    struct ledger_op *op;

    if (!id128_is_zero(r->request_id)) {
        answer_pay_request(d, s, a);
        return;
    }
    if (r->card_account != 0 && !dialog_card_prep(d, s, r->card_account, r->card_alias)) {
        s->topup.state = TOPUP_REFUNDED;
        settle_add(s, TOPUP_OP_REFUND, s->acq[0].auth_ref);
        return;
    }
    op = dialog_add_op(s);
    op->transfer.id = r->id;
    op->transfer.debit_account_id = d->cfg.bank_account;
    op->transfer.credit_account_id = r->card_account != 0 ? r->card_account : r->wallet_account;
    op->transfer.amount = r->amount_minor;
    op->transfer.kind = r->card_account != 0 ? TRANSFER_CARD_LOAD : TRANSFER_TOPUP;
    op->transfer.channel = CHANNEL_HTTP;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "card %s", a->ref);
    if (r->card_account != 0) {
        op->transfer.fee_schedules[0] = d->cfg.order_fee_schedule;
        op->transfer.fee_schedules[1] = d->cfg.card_reload_fee_schedule;
    }
    acquirer_fee(d, s, op, a);
}

/* The open operation of key, or NULL. */
static const struct acquirer_op_row *open_op(const struct dialog *d, const char *key)
{
    for (size_t i = 0; i < d->acq_open_count; i++) {
        if (strcmp(d->acq_open[i].key, key) == 0) {
            return &d->acq_open[i];
        }
    }
    return NULL;
}

/* Whether a answers what top-up t waits for (else it is stale: nothing to do). A void or a
 * refund is waited for while its operation is open. */
static bool answer_expected(const struct dialog *d, const struct topup *t,
                            const struct topup_answer *a)
{
    uint16_t waiting = a->op == TOPUP_OP_AUTHORIZE ? TOPUP_AUTHORIZING : TOPUP_CAPTURING;

    if (a->op == TOPUP_OP_VOID || a->op == TOPUP_OP_REFUND) {
        char key[STORE_ACQ_KEY_MAX];
        const struct acquirer_op_row *o;

        dialog_topup_key(t->row.id, a->op, key);
        o = open_op(d, key);
        return o != NULL && !(o->state == ACQ_OP_UNKNOWN && a->outcome == ACQ_OP_UNKNOWN);
    }
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
    if (!answer_expected(d, t, a)) {
        return mdt_err_set(err, MDT_E(EXISTS), "nothing new for this top-up");
    }
    if (a->op == TOPUP_OP_VOID || a->op == TOPUP_OP_REFUND) {
        s = topup_step(d, t, ACT_TOP_SETTLE, now_us);
        s->topup_changed = false; /* only the operation's row: the top-up's end is told */
        answer_record(s, a);
        *out = s;
        return 0;
    }
    s = topup_step(d, t, ACT_TOP_ANSWER, now_us);
    answer_record(s, a);
    if (a->outcome == ACQ_OP_UNKNOWN) {
        s->topup.state = TOPUP_CHECKING;
    } else if (a->outcome == ACQ_OP_DECLINED) {
        s->topup.state = TOPUP_DECLINED;
        snprintf(s->topup.code, sizeof(s->topup.code), "%s", a->code);
        if (a->op == TOPUP_OP_CAPTURE) {
            settle_add(s, TOPUP_OP_VOID, t->auth_ref); /* the authorization's hold is released */
        }
    } else if (a->op == TOPUP_OP_AUTHORIZE) {
        settle_add(s, TOPUP_OP_CAPTURE, a->ref);
        s->topup.state = TOPUP_CAPTURING;
    } else {
        answer_credit(d, s, a); /* the hook says CREDITED once the ledger took it */
    }
    *out = s;
    return 0;
}

/* Whether the amount fits under the target's limit (the wallet's balance limit, the card's
 * yearly loads); else the step says how much does. */
static bool topup_fits(struct dialog_step *s, const struct ledger *l)
{
    const struct card_topup_row *r = &s->topup;
    uint64_t target = r->card_account != 0 ? r->card_account : r->wallet_account;
    const struct account *a = ledger_account_get(l, target);
    const struct ledger_limits *lim = ledger_limits_of(l, target);
    int64_t held;

    if (!id128_is_zero(r->request_id)) {
        return true; /* an order: the merchant's account takes it; the ledger says at the credit */
    }
    if (a == NULL || lim == NULL) {
        return a != NULL;
    }
    if (r->card_account != 0) {
        if (lim->year_loads_max <= 0) {
            return true;
        }
        s->topup_cap = lim->year_loads_max;
        s->topup_room = dialog_card_year_left(l, target, s->now_us);
        return r->amount_minor <= s->topup_room;
    }
    if (lim->balance_max <= 0) {
        return true;
    }
    held = a->credits_posted - a->debits_posted + a->credits_pending;
    s->topup_cap = lim->balance_max;
    s->topup_room = lim->balance_max > held ? lim->balance_max - held : 0;
    return r->amount_minor <= s->topup_room;
}

void dialog_topup_rows(const struct dialog_step *s, struct store_extra *rows, size_t *count,
                       size_t cap)
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

/* TOPUP 50, or RECHARGE MAMAN 100 CB without a card on file: the link, or why not. */
static void hook_link(struct dialog_step *s, const struct ledger *l, struct store_extra *rows,
                      size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], room[MONEY_FORMAT_MAX], link[STORE_URL_MAX + 48];
    char fee[MONEY_FORMAT_MAX], lasts[DIALOG_DURATION_MAX];

    fmt_money(s->d, s->amount, s->lang, amount);
    if (s->topup.card_account != 0 && dialog_card_reload_refused(s, l, rows, count, cap)) {
        s->topup_changed = false;
        return;
    }
    if (s->topup.card_account == 0 && !topup_fits(s, l)) {
        s->topup_changed = false;
        fmt_money(s->d, s->topup_cap, s->lang, amount);
        fmt_money(s->d, s->topup_room, s->lang, room);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_TOPUP_CAP, amount, room);
        return;
    }
    snprintf(link, sizeof(link), "%s/t/%s", s->d->cfg.link_base, s->token);
    dialog_duration_format(s->d->cfg.topup_link_s, s->lang, lasts);
    if (s->topup.card_account != 0) {
        fmt_money(s->d, s->topup.fee_minor, s->lang, fee);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_TOPUP_CARD_LINK,
                     s->topup.card_target_last4, amount, fee, link, lasts);
    } else {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_TOPUP_LINK, amount, link, lasts);
    }
    vault_wipe(link, sizeof(link));
    vault_wipe(s->token, sizeof(s->token));
}

/* The reason of the leg that failed a chain of results, LEDGER_OK when none did. */
static int chain_reason(const struct ledger_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (results[i].reason != LEDGER_OK && results[i].reason != LEDGER_LINKED_EVENT_FAILED) {
            return results[i].reason;
        }
    }
    return LEDGER_OK;
}

/* Captured, but not credited (reason: the ledger's refusal, or LEDGER_OK when the card may not
 * be loaded any more): the refund is recorded pending and the person told. */
static void reply_refunded(struct dialog_step *s, const struct ledger *l, int reason,
                           struct store_extra *rows, size_t *count, size_t cap)
{
    char amount[MONEY_FORMAT_MAX], paid[MONEY_FORMAT_MAX], left[MONEY_FORMAT_MAX];

    log_warn("top-up %016llx: captured, not credited (%s): refunded",
             (unsigned long long)s->topup.id.lo,
             reason != LEDGER_OK ? ledger_reason_name(reason) : "card not usable");
    if (s->topup.state != TOPUP_REFUNDED) {
        s->topup.state = TOPUP_REFUNDED;
        settle_add(s, TOPUP_OP_REFUND, s->acq[0].auth_ref);
    }
    fmt_money(s->d, s->topup.amount_minor, s->lang, amount);
    fmt_money(s->d, dialog_topup_charge(&s->topup), s->lang, paid);
    if (reason == LEDGER_LIMIT_YEARLY_LOADS && s->topup.card_account != 0) {
        fmt_money(s->d, dialog_card_year_left(l, s->topup.card_account, s->now_us), s->lang, left);
        dialog_reply(s, rows, count, cap, s->topup.phone, s->lang, TEXT_TOPUP_REFUNDED_CAP,
                     s->topup.card_target_last4, left, paid, s->topup.card_last4);
        return;
    }
    dialog_reply(s, rows, count, cap, s->topup.phone, s->lang, TEXT_TOPUP_REFUNDED, amount, paid,
                 s->topup.card_last4);
}

/* The answer's receipt by SMS, and CREDITED once the ledger took the credit. */
static void hook_answer(struct dialog_step *s, const struct ledger *l,
                        const struct ledger_result *results, size_t n, struct store_extra *rows,
                        size_t *count, size_t cap)
{
    const char *to = s->topup.phone;
    char amount[MONEY_FORMAT_MAX], balance[MONEY_FORMAT_MAX];
    int reason = chain_reason(results, n);
    const struct account *a;

    fmt_money(s->d, s->topup.amount_minor, s->lang, amount);
    if ((n > 0 && reason != LEDGER_OK) || s->topup.state == TOPUP_REFUNDED) {
        reply_refunded(s, l, reason, rows, count, cap);
    } else if (n > 0 && !id128_is_zero(s->topup.request_id)) {
        s->topup.state = TOPUP_CREDITED; /* the order is paid */
        dialog_request_card_paid(s, &results[0], to, true, rows, count, cap);
    } else if (n > 0 && s->topup.card_account != 0) {
        s->topup.state = TOPUP_CREDITED;
        dialog_card_reply_topup(s, l, rows, count, cap);
    } else if (n > 0) {
        s->topup.state = TOPUP_CREDITED;
        a = ledger_account_get(l, s->topup.wallet_account);
        fmt_money(s->d, a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0,
                  s->lang, balance);
        dialog_reply(s, rows, count, cap, to, s->lang,
                     s->card_file_changed ? TEXT_TOPUP_DONE_KEPT : TEXT_TOPUP_DONE, amount,
                     s->topup.card_last4, balance);
    } else if (s->topup.state == TOPUP_DECLINED) {
        fmt_money(s->d, dialog_topup_charge(&s->topup), s->lang, amount); /* what was asked */
        dialog_reply(s, rows, count, cap, to, s->lang, TEXT_TOPUP_DECLINED, amount,
                     dialog_topup_reason(s->topup.code, s->lang));
    } else if (s->topup.state == TOPUP_CHECKING) {
        dialog_reply(s, rows, count, cap, to, s->lang, TEXT_TOPUP_CHECKING, amount);
    }
}

/* The code confirmed a reload paid by the card on file: the order's hold is voided in this
 * step (the credit comes with the capture); when the hold expired meanwhile, nothing is paid. */
static void hook_file(struct dialog_step *s, const struct ledger *l,
                      const struct ledger_result *results, size_t n, struct store_extra *rows,
                      size_t *count, size_t cap)
{
    int reason = chain_reason(results, n);

    if (reason == LEDGER_OK) {
        return; /* the receipt follows the acquirer's answers */
    }
    s->topup_changed = false;
    s->acq_count = 0;
    s->outcome = reason == LEDGER_PENDING_EXPIRED ? OUTCOME_EXPIRED : OUTCOME_REFUSED;
    dialog_refusal(s, l, reason, rows, count, cap);
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
        /* The target's limit is checked before the card is charged. */
        if (!topup_fits(s, l)) {
            s->outcome = OUTCOME_REFUSED;
            s->topup_changed = false;
            s->acq_count = 0;
        }
        break;
    case ACT_TOP_FILE:
        hook_file(s, l, results, n, rows, count, cap);
        break;
    case ACT_TOP_SETTLE:
        if (s->acq[0].state == ACQ_OP_DECLINED) {
            /* Never with card data: the operator finds it by the top-up's id. */
            log_error("top-up %016llx: the acquirer declined the %s (%s): settle it by hand",
                      (unsigned long long)s->topup.id.lo,
                      s->acq[0].kind == TOPUP_OP_VOID ? "void" : "refund", s->acq[0].code);
        }
        break;
    default:
        hook_answer(s, l, results, n, rows, count, cap);
        break;
    }
    if (s->topup.state != TOPUP_CREDITED) {
        s->card_file_changed = false; /* only a payment that went through keeps its card */
    }
    dialog_topup_rows(s, rows, count, cap);
    dialog_card_file_row(s, rows, count, cap);
}

bool dialog_topup_action(int action)
{
    return action == ACT_TOP_LINK || action == ACT_TOP_PAY || action == ACT_TOP_ANSWER ||
           action == ACT_TOP_FILE || action == ACT_TOP_SETTLE;
}

void dialog_topup_done(struct dialog_step *s, int rc)
{
    struct dialog *d = s->d;
    struct topup *t = topup_find(d, s->topup.id);

    if (t != NULL) {
        t->busy = false;
    }
    if (rc < 0 && t != NULL && s->action == ACT_TOP_PAY && !id128_is_zero(t->row.request_id)) {
        t->row.state = TOPUP_DECLINED; /* never recorded: nothing sent, the order free again */
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
        if (t != NULL && s->acq[i].kind != TOPUP_OP_AUTHORIZE) {
            snprintf(t->auth_ref, sizeof(t->auth_ref), "%s", s->acq[i].auth_ref);
        }
    }
    if (s->action == ACT_TOP_FILE && s->acq_count > 0 && d->topup_start != NULL) {
        d->topup_start(d->topup_start_ctx, s->topup.id); /* its authorization goes now */
    }
}
