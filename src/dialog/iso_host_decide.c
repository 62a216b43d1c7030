/* SPDX-License-Identifier: Apache-2.0 */
/* The issuer host's decisions per message (issue 15): authorization (0100) and its advice
 * (0120), cash (0200: hold and post in one), completion (0220), reversals (0400, 0420) and the
 * balance inquiry (processing code 31); the hook that turns the ledger's result into the
 * response code and the request's row; and the undoing of an answer that came too late. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"
#include "dialog/card_input.h"
#include "dialog/dialog_int.h"
#include "dialog/iso_host.h"
#include "dialog/iso_host_int.h"
#include "vault/card_vault.h"

/* Transfer ids of an original's money, from its key: a hold, its post, a refund, a void. The
 * vault's MAC, because the key's fields come from outside and must not be made to collide. */
enum { ID_HOLD = 1, ID_POST = 2, ID_VOID = 3, ID_REFUND = 4, ID_FORCED = 5 };

static struct id128 orig_id(const struct iso_host *h, const char *orig, int what)
{
    uint8_t mac[32];
    /* "iso-%d|%s", by hand: the same bytes, so the same ids as before (held money's). */
    char text[STORE_ISO_ORIG_MAX + 16] = {'i', 's', 'o', '-', (char)('0' + what), '|'};
    struct id128 id;

    MDT_ASSERT(what >= 1 && what <= 9); /* one digit, as %d wrote it */
    iso_host_copy(text + 6, sizeof(text) - 6, orig);
    vault_mac(h->vault, text, 6 + strlen(text + 6), mac);
    memcpy(&id.hi, mac, 8);
    memcpy(&id.lo, mac + 8, 8);
    if (id128_is_zero(id)) {
        id.lo = 1;
    }
    return id;
}

/*
 * A zeroed step but for its rows (15 KB of the step's 21 KB): each row is written whole, kind
 * and member, before it is counted in row_count, and nothing reads past row_count. Zeroing them
 * with the rest was a sixth of the event loop's time at 10k authorizations per second.
 */
static struct iso_host_step *step_alloc(void)
{
    struct iso_host_step *s = malloc(sizeof(*s));

    if (s != NULL) {
        memset(s, 0, offsetof(struct iso_host_step, rows));
        memset(&s->row_count, 0, sizeof(*s) - offsetof(struct iso_host_step, row_count));
    }
    return s;
}

static struct iso_host_step *step_new(const struct iso_host_request *rq, const char *orig,
                                      int64_t now_us)
{
    struct iso_host_step *s = step_alloc();

    if (s == NULL) {
        return NULL;
    }
    iso_host_copy(s->req.key, sizeof(s->req.key), rq->key);
    iso_host_copy(s->req.orig, sizeof(s->req.orig), orig);
    iso_host_copy(s->req.mti, sizeof(s->req.mti), rq->mti);
    iso_host_copy(s->req.pcode, sizeof(s->req.pcode), rq->pcode);
    s->req.created_us = now_us;
    s->req.updated_us = now_us;
    return s;
}

/* A decision made before the ledger: the code, nothing moved. */
static void step_code(struct iso_host_step *s, const char *code)
{
    memcpy(s->req.code, code, 3);
    s->ledger_decides = false;
    s->n = 0;
}

static bool pcode_is(const struct iso_host_step *s, const char *two)
{
    return s->req.pcode[0] == two[0] && s->req.pcode[1] == two[1];
}

/* The card behind the PAN, and its status: 0, or the code to answer. */
static const char *card_check(struct iso_host *h, const struct iso_host_request *rq, int64_t now_us,
                              struct card_row **out)
{
    uint8_t mac[32];
    unsigned status;

    *out = NULL;
    if (rq->pan[0] == '\0' || strlen(rq->pan) < 13 || !card_luhn_valid(rq->pan) ||
        h->cards == NULL) {
        return ISO_RC_INVALID_CARD;
    }
    card_vault_pan_mac(h->cards, rq->pan, mac);
    if (dialog_card_by_mac(h->dialog, mac, out) < 0) {
        return ISO_RC_INVALID_CARD;
    }
    status = card_status_now((*out)->status, (*out)->exp_month, (*out)->exp_year, now_us);
    if (status == CARD_STATUS_EXPIRED) {
        return ISO_RC_EXPIRED;
    }
    if (rq->exp_yymm != 0 && rq->exp_yymm != ((*out)->exp_year % 100) * 100u + (*out)->exp_month) {
        return ISO_RC_EXPIRED; /* an expiry that is not the card's: not this card's plastic */
    }
    if (status != CARD_STATUS_ACTIVE) {
        return ISO_RC_NOT_PERMITTED; /* blocked, lost, or never activated */
    }
    return NULL;
}

/* The PIN of a request that carries one (cash always must): NULL, or the code to answer; wrong
 * tries are counted in s->pin, written with the step. */
static const char *pin_check(struct iso_host *h, const struct iso_host_request *rq,
                             const struct card_row *k, struct iso_host_step *s, int64_t now_us)
{
    struct host_card *c = iso_host_card(h, k->account_id);
    bool match = false;
    struct mdt_err err = {0};
    int rc;

    if (rq->pin_block_len == 0) {
        return pcode_is(s, "01") ? ISO_RC_WRONG_PIN : NULL;
    }
    if (!c->has_pin || c->pin.failures >= ISO_HOST_PIN_TRIES_MAX) {
        return c->has_pin ? ISO_RC_PIN_TRIES : ISO_RC_WRONG_PIN;
    }
    if (rq->zpk == NULL) {
        return ISO_RC_MALFUNCTION;
    }
    rc = pin_block_verify(h->vault, rq->zpk, rq->pin_block, rq->pin_block_len, rq->pan, k->token,
                          c->pin.pin_hash, &match, &err);
    if (rc < 0 && rc != -MDT_ECORRUPT) {
        return ISO_RC_MALFUNCTION;
    }
    s->pin = c->pin;
    s->pin.updated_us = now_us;
    if (match) {
        s->pin_changed = c->pin.failures != 0;
        s->pin.failures = 0;
        return NULL;
    }
    s->pin.failures++;
    s->pin_changed = true;
    return s->pin.failures >= ISO_HOST_PIN_TRIES_MAX ? ISO_RC_PIN_TRIES : ISO_RC_WRONG_PIN;
}

/* The amount in the cards' currency: field 6 when it is in that currency, else field 4
 * converted at the operator's rate (*fx set). NULL, or the code to answer. */
static const char *amount_of(const struct iso_host *h, const struct iso_host_request *rq,
                             int64_t now_us, int64_t *amount, bool *fx)
{
    const struct currency *txn = rq->txn_currency != NULL ? rq->txn_currency : h->cfg.currency;
    const struct currency *bill =
        rq->billing_currency != NULL ? rq->billing_currency : h->cfg.currency;

    *fx = txn != h->cfg.currency;
    if (rq->billing_minor >= 0 && bill == h->cfg.currency) {
        *amount = rq->billing_minor;
        return NULL;
    }
    if (iso_host_convert(h, txn, rq->amount_minor, now_us, amount) < 0) {
        log_warn("iso8583: no exchange rate for %s: set one with mandat rates set", txn->code);
        return ISO_RC_DO_NOT_HONOR;
    }
    return NULL;
}

/* ops[i]: post hold, amount of it (0: all), and the step's length i + 1. */
static void post_op(const struct iso_host *h, struct iso_host_step *s, size_t i, struct id128 hold,
                    int64_t amount)
{
    struct transfer *p = &s->ops[i].transfer;

    s->ops[i].type = LEDGER_OP_TRANSFER;
    p->id = orig_id(h, s->req.orig, ID_POST);
    p->link_id = hold;
    p->flags = TRANSFER_POST_PENDING;
    p->kind = TRANSFER_WITHDRAWAL;
    p->amount = amount;
    p->channel = CHANNEL_ISO8583;
    s->n = i + 1;
}

/* ops[0]: the original's withdrawal `what` (ID_HOLD, ID_FORCED) of amount from the card to the
 * bank, with flags; the step's length 1 and the request's hold. */
static struct transfer *withdrawal_op(const struct iso_host *h, struct iso_host_step *s, int what,
                                      uint64_t account, int64_t amount, unsigned flags)
{
    struct transfer *t = &s->ops[0].transfer;

    s->ops[0].type = LEDGER_OP_TRANSFER;
    t->id = orig_id(h, s->req.orig, what);
    t->debit_account_id = account;
    t->credit_account_id = h->cfg.bank_account;
    t->amount = amount;
    t->kind = TRANSFER_WITHDRAWAL;
    t->flags = (uint16_t)flags;
    t->channel = CHANNEL_ISO8583;
    snprintf(t->ext_ref, sizeof(t->ext_ref), "iso:%.40s", s->req.orig);
    s->n = 1;
    s->req.hold_id = t->id;
    s->req.amount_minor = amount;
    return t;
}

/* The hold (and for cash its post) of an authorization or a financial request. */
static void money_ops(struct iso_host *h, struct iso_host_step *s, uint64_t account, int64_t amount,
                      bool fx, bool post_now)
{
    struct transfer *t = withdrawal_op(h, s, ID_HOLD, account, amount,
                                       TRANSFER_PENDING | (post_now ? TRANSFER_LINKED : 0));
    unsigned f = 0;

    t->timeout_s = h->cfg.hold_timeout_s;
    if (pcode_is(s, "01") && h->cfg.atm_fee_schedule != 0) {
        t->fee_schedules[f++] = h->cfg.atm_fee_schedule;
    }
    if (fx && h->cfg.fx_fee_schedule != 0) {
        t->fee_schedules[f++] = h->cfg.fx_fee_schedule;
    }
    s->req.state = post_now ? ISO_ORIG_POSTED : ISO_ORIG_HELD;
    s->req.posted_minor = post_now ? amount : 0;
    if (post_now) {
        post_op(h, s, 1, t->id, 0);
    }
    s->ledger_decides = true;
}

/* The amount of the request in its own currency: what the holder's SMS shows the ATM gave. */
static void sms_amount(struct iso_host *h, struct iso_host_step *s,
                       const struct iso_host_request *rq)
{
    s->sms.txn_minor = rq->amount_minor;
    s->sms.txn_currency = rq->txn_currency != NULL ? rq->txn_currency : h->cfg.currency;
}

/* What the holder's SMS of card k needs, known before the ledger decides (the amount: set by
 * sms_amount). */
static void sms_prepare(struct iso_host *h, struct iso_host_step *s, const struct card_row *k)
{
    struct cust *c = dialog_cust_find(h->dialog, k->phone);

    s->sms.wanted = true;
    snprintf(s->sms.phone, sizeof(s->sms.phone), "%s", k->phone);
    snprintf(s->sms.last4, sizeof(s->sms.last4), "%s", k->last4);
    s->sms.lang = c != NULL ? (enum lang)c->row.lang : h->dialog->cfg.lang;
    snprintf(s->sms.row.source, sizeof(s->sms.row.source), "%s", h->dialog->cfg.short_code);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* r->text = text t in lang with its four strings (the texts' table is printf formats). */
static void sms_text(struct outbox_row *r, enum dialog_text t, enum lang lang, const char *a,
                     const char *b, const char *c, const char *d)
{
    snprintf(r->text, sizeof(r->text), dialog_text(t, lang), a, b, c, d);
}
#pragma GCC diagnostic pop

/* The holder's SMS: "Retrait 500,00 MAD (46,08 €) ****4242, solde 93,92 €" (the converted
 * amount only when the ATM's currency is not the card's); of a forced post, TEXT_ISO_FORCED_POST
 * with what the card gave (only that, in the card's currency, when it gave less than asked).
 * Ledger thread: formatting only. */
static void sms_write(struct iso_host_step *s, const struct currency *cur)
{
    struct iso_host_sms *m = &s->sms;
    struct outbox_row *r = &m->row;
    char txn[MONEY_FORMAT_MAX], card[MONEY_FORMAT_MAX], bal[MONEY_FORMAT_MAX];
    char conv[MONEY_FORMAT_MAX + 4] = "";
    bool short_post = s->forced && s->req.posted_minor < s->req.amount_minor;

    money_format(s->forced ? s->req.posted_minor : s->req.amount_minor, cur, m->lang, card,
                 sizeof(card));
    money_format(s->req.balance_minor, cur, m->lang, bal, sizeof(bal));
    if (short_post) {
        snprintf(txn, sizeof(txn), "%s", card);
    } else {
        money_format(m->txn_minor, m->txn_currency, m->lang, txn, sizeof(txn));
    }
    if (!short_post && m->txn_currency != cur) {
        snprintf(conv, sizeof(conv), " (%s)", card);
    }
    r->id = s->req.hold_id;
    r->id.lo ^= 0x5a5a; /* the hold's (or forced post's) id, marked: one SMS per withdrawal */
    r->channel = CHANNEL_SMS;
    r->state = OUTBOX_QUEUED;
    snprintf(r->dest, sizeof(r->dest), "%s", m->phone);
    r->created_us = s->req.updated_us;
    r->next_try_us = s->req.updated_us;
    sms_text(r, s->forced ? TEXT_ISO_FORCED_POST : TEXT_ISO_WITHDRAWAL, m->lang, txn, conv,
             m->last4, bal);
}

/* 0100, 0120, 0200: the card, the PIN, the amount, the day's cash, then the ledger. */
static void decide_auth(struct iso_host *h, const struct iso_host_request *rq,
                        struct iso_host_step *s, int64_t now_us)
{
    struct card_row *k = NULL;
    const char *code = card_check(h, rq, now_us, &k);
    int64_t amount = 0;
    bool fx = false;

    s->advice = rq->mti[2] == '2';
    if (k != NULL) {
        s->req.card_account = k->account_id;
    }
    if (code == NULL && !pcode_is(s, "00") && !pcode_is(s, "01") && !pcode_is(s, "30") &&
        !pcode_is(s, "31")) {
        code = ISO_RC_NOT_PERMITTED; /* refunds, transfers, deposits: not on this card */
    }
    if (code == NULL && !s->advice) {
        code = pin_check(h, rq, k, s, now_us);
    }
    if (code == NULL && (pcode_is(s, "30") || pcode_is(s, "31"))) {
        step_code(s, ISO_RC_APPROVED); /* the hook reads the balance */
        return;
    }
    if (code == NULL) {
        code = amount_of(h, rq, now_us, &amount, &fx);
    }
    if (code == NULL && amount <= 0) {
        code = ISO_RC_DO_NOT_HONOR;
    }
    if (code == NULL && pcode_is(s, "01") && h->cfg.cash_day_max_minor > 0) {
        struct host_card *c = iso_host_card(h, k->account_id);
        int64_t today = c->cash_day == iso_host_day(now_us) ? c->cash_minor : 0;

        if (today + amount > h->cfg.cash_day_max_minor) {
            code = ISO_RC_CASH_LIMIT;
        }
    }
    if (code != NULL) {
        step_code(s, code);
        return;
    }
    s->cash_minor = pcode_is(s, "01") ? amount : 0;
    money_ops(h, s, k->account_id, amount, fx, rq->mti[1] == '2');
    if (s->cash_minor > 0 && k->phone[0] != '\0') {
        sms_amount(h, s, rq);
        sms_prepare(h, s, k);
    }
}

/* The card account of a forced post: the original's, else the PAN's card (0: none). */
static uint64_t forced_card(struct iso_host *h, const struct iso_host_request *rq,
                            const struct host_orig *o)
{
    uint8_t mac[32];
    struct card_row *k = NULL;

    if (o != NULL && o->card_account != 0) {
        return o->card_account;
    }
    if (rq->pan[0] == '\0' || !card_luhn_valid(rq->pan) || h->cards == NULL) {
        return 0;
    }
    card_vault_pan_mac(h->cards, rq->pan, mac);
    return dialog_card_by_mac(h->dialog, mac, &k) == 0 ? k->account_id : 0;
}

/*
 * The forced post of amount (the cards' currency) on the card account: the step's one op, a
 * balancing debit whose id derives from the original (ID_FORCED: never the hold's post), and
 * the holder's SMS when the card has a phone (s->sms's amount set already). The hook reads what
 * the card gave. Nothing to debit (no card, no amount): the row only, the whole of it short.
 */
static void forced_ops(struct iso_host *h, struct iso_host_step *s, uint64_t account,
                       int64_t amount)
{
    const struct card_row *k = account != 0 ? dialog_card_find(h->dialog, account) : NULL;

    step_code(s, ISO_RC_APPROVED);
    s->forced = true;
    s->advice = true;
    s->req.card_account = account;
    s->req.hold_id = (struct id128){0};
    s->req.amount_minor = amount;
    s->req.posted_minor = 0;
    s->req.state = ISO_ORIG_NONE;
    if (account == 0 || amount <= 0) {
        return; /* logged by iso_host_done with the whole shortfall */
    }
    withdrawal_op(h, s, ID_FORCED, account, amount, TRANSFER_BALANCING_DEBIT);
    s->req.state = ISO_ORIG_POSTED;
    s->cash_minor = pcode_is(s, "01") ? amount : 0;
    if (k != NULL && k->phone[0] != '\0') {
        sms_prepare(h, s, k);
    }
}

/*
 * A completion advice whose authorization this host does not hold (never seen, declined, or its
 * hold expired): the network paid the cash already, so the card is debited now, once (the id
 * derives from the original), whatever its status or limits say. The ledger's balancing debit
 * takes at most what the card has, since a card never goes below zero: the shortfall stays in
 * the request's row (amount asked, amount posted) and is logged for the operator. No fees: the
 * host never authorized it. The holder is told, as of a withdrawal.
 */
static void decide_forced(struct iso_host *h, const struct iso_host_request *rq,
                          struct iso_host_step *s, const struct host_orig *o, int64_t now_us)
{
    int64_t amount = 0;
    bool fx = false;

    if (amount_of(h, rq, now_us, &amount, &fx) != NULL || amount <= 0) {
        amount = o != NULL ? o->amount_minor : 0;
    }
    forced_ops(h, s, forced_card(h, rq, o), amount);
}

/* 0220: post the original's hold, fully or partly (field 4 is the final amount). */
static void decide_completion(struct iso_host *h, const struct iso_host_request *rq,
                              struct iso_host_step *s, const struct host_orig *o, int64_t now_us)
{
    int64_t amount = 0;
    bool fx = false;

    s->advice = true;
    s->req.card_account = o != NULL ? o->card_account : 0;
    sms_amount(h, s, rq); /* for a forced post's SMS, now or after a lapsed post */
    if (o == NULL || o->state == ISO_ORIG_NONE ||
        (o->state == ISO_ORIG_HELD && now_us >= o->expires_us)) {
        decide_forced(h, rq, s, o, now_us);
        return;
    }
    if (o->state != ISO_ORIG_HELD) {
        /* Posted, voided or refunded already: nothing more to post. */
        step_code(s, ISO_RC_APPROVED);
        s->req.state = o->state;
        return;
    }
    if (amount_of(h, rq, now_us, &amount, &fx) != NULL || amount <= 0 || amount > o->amount_minor) {
        amount = o->amount_minor;
    }
    post_op(h, s, 0, o->hold_id, amount);
    s->ledger_decides = true;
    s->req.hold_id = o->hold_id;
    s->req.amount_minor = o->amount_minor;
    s->req.posted_minor = amount;
    s->req.state = ISO_ORIG_POSTED;
}

/* Void the hold or refund the posting of o (a reversal, or a late answer undone). */
static void reverse_ops(struct iso_host *h, struct iso_host_step *s, const struct host_orig *o)
{
    struct transfer *t = &s->ops[0].transfer;

    s->req.card_account = o->card_account;
    s->req.hold_id = o->hold_id;
    s->req.amount_minor = o->amount_minor;
    s->req.posted_minor = o->posted_minor;
    s->cash_release = o->cash_minor;
    s->ops[0].type = LEDGER_OP_TRANSFER;
    t->channel = CHANNEL_ISO8583;
    t->kind = TRANSFER_WITHDRAWAL;
    snprintf(t->ext_ref, sizeof(t->ext_ref), "iso:%.40s", s->req.orig);
    if (o->state == ISO_ORIG_HELD) {
        t->id = orig_id(h, s->req.orig, ID_VOID);
        t->link_id = o->hold_id;
        t->flags = TRANSFER_VOID_PENDING;
        s->req.state = ISO_ORIG_VOIDED;
    } else {
        t->id = orig_id(h, s->req.orig, ID_REFUND);
        t->link_id = o->hold_id; /* a two-phase order is refunded by its pending id */
        t->debit_account_id = h->cfg.bank_account;
        t->credit_account_id = o->card_account;
        t->amount = o->posted_minor;
        t->kind = TRANSFER_REFUND;
        s->req.state = ISO_ORIG_REFUNDED;
    }
    s->n = 1;
    s->ledger_decides = false; /* a reversal is answered 00 whatever the ledger says */
    memcpy(s->req.code, ISO_RC_APPROVED, 3);
}

/* 0400, 0420: an unknown original is answered 00 and recorded; a second reversal changes
 * nothing. */
static void decide_reversal(struct iso_host *h, struct iso_host_step *s, const struct host_orig *o)
{
    s->advice = true;
    if (o == NULL || (o->state != ISO_ORIG_HELD && o->state != ISO_ORIG_POSTED)) {
        step_code(s, ISO_RC_APPROVED);
        s->req.state = o != NULL ? o->state : ISO_ORIG_NONE;
        s->req.card_account = o != NULL ? o->card_account : 0;
        s->req.hold_id = o != NULL ? o->hold_id : (struct id128){0};
        return;
    }
    reverse_ops(h, s, o);
}

static void answer_of(const struct iso_host *h, const struct iso_request_row *r,
                      struct iso_host_answer *a)
{
    memset(a, 0, sizeof(*a));
    memcpy(a->code, r->code, 3);
    memcpy(a->auth_id, r->auth_id, sizeof(a->auth_id));
    a->has_balance =
        r->card_account != 0 && r->code[0] != '\0' &&
        (strcmp(r->code, ISO_RC_APPROVED) == 0 || strcmp(r->code, ISO_RC_INSUFFICIENT) == 0);
    a->balance_minor = r->balance_minor;
    a->currency = h->cfg.currency;
}

int iso_host_receive(struct iso_host *h, const struct iso_host_request *rq, int64_t now_us,
                     struct iso_host_step **out, struct iso_host_answer *answer)
{
    const struct iso_request_row *done = iso_host_req_find(h, rq->key);
    const char *orig = rq->orig;
    char named[STORE_ISO_ORIG_MAX];
    struct host_orig *o;
    struct iso_host_step *s;

    *out = NULL;
    if (rq->orig_trace[0] != '\0' &&
        (rq->mti[1] == '4' || (rq->mti[1] == '2' && rq->mti[2] == '2'))) {
        /* Field 90 names the original: found by it, or an unknown one of its own. */
        const struct iso_request_row *first = iso_host_req_by_trace(h, rq->orig_trace);

        snprintf(named, sizeof(named), first != NULL ? "%s" : "90|%.28s",
                 first != NULL ? first->orig : rq->orig_trace);
        orig = named;
    }
    o = iso_host_orig_get(h, orig, false);
    if (done != NULL) {
        answer_of(h, done, answer);
        if (rq->mti[2] == '2' && strcmp(done->code, ISO_RC_UNAVAILABLE) != 0) {
            memcpy(answer->code, ISO_RC_APPROVED, 3); /* an advice is acknowledged, as first */
        }
        return 1;
    }
    if (o != NULL && o->busy) {
        return -MDT_EBUSY;
    }
    s = step_new(rq, orig, now_us);
    if (s == NULL) {
        return -MDT_ENOMEM;
    }
    if (rq->mti[1] == '4') {
        decide_reversal(h, s, o);
    } else if (rq->mti[1] == '2' && rq->mti[2] == '2') {
        decide_completion(h, rq, s, o, now_us);
    } else if (o != NULL && o->state != ISO_ORIG_NONE) {
        /* A new request reusing an original's RRN and terminal: never a second hold. */
        step_code(s, ISO_RC_DO_NOT_HONOR);
    } else {
        decide_auth(h, rq, s, now_us);
    }
    o = iso_host_orig_get(h, orig, true);
    o->busy = true;
    *out = s;
    return 0;
}

/* The response code of the ledger's refusal of a hold. */
static const char *code_of_reason(int reason)
{
    switch (reason) {
    case LEDGER_OK:
        return ISO_RC_APPROVED;
    case LEDGER_INSUFFICIENT_FUNDS:
        return ISO_RC_INSUFFICIENT;
    case LEDGER_ACCOUNT_FROZEN:
    case LEDGER_ACCOUNT_CLOSED:
        return ISO_RC_NOT_PERMITTED;
    case LEDGER_LIMIT_OPERATION_MAX:
    case LEDGER_LIMIT_DAILY_DEBITS:
    case LEDGER_LIMIT_MONTHLY_DEBITS:
    case LEDGER_LIMIT_YEARLY_DEBITS:
        return ISO_RC_CASH_LIMIT;
    default:
        return ISO_RC_DO_NOT_HONOR;
    }
}

size_t iso_host_hook(void *ctx, const struct ledger *l, const struct ledger_result *results,
                     size_t n, struct store_extra *rows, size_t count, size_t cap)
{
    struct iso_host_step *s = ctx;
    const struct account *a;

    if (s->ledger_decides && n > 0 && s->n == 1 &&
        (s->ops[0].transfer.flags & TRANSFER_POST_PENDING) &&
        (results[0].reason == LEDGER_PENDING_EXPIRED ||
         results[0].reason == LEDGER_PENDING_ALREADY_VOIDED)) {
        /* A completion whose hold lapsed in the ledger first: no row, iso_host_step_next posts
         * it by force and writes the request's row then. */
        s->post_lapsed = true;
        s->sms.wanted = false;
        return count;
    }
    if (s->ledger_decides && n > 0) {
        const char *code = code_of_reason(results[0].reason);

        memcpy(s->req.code, code, 3);
        if (results[0].reason != LEDGER_OK) {
            s->req.state = ISO_ORIG_NONE;
            s->req.hold_id = (struct id128){0};
            s->req.amount_minor = 0;
            s->req.posted_minor = 0;
        } else {
            s->req.fee_minor = results[0].fee_minor;
            if (s->req.auth_id[0] == '\0' && s->ops[0].transfer.flags & TRANSFER_PENDING) {
                snprintf(s->req.auth_id, sizeof(s->req.auth_id), "%06u",
                         (unsigned)(s->req.hold_id.lo % 1000000));
            }
        }
    }
    if (s->forced && n > 0) {
        /* What the card gave of a forced post (the rest is the row's shortfall). */
        s->req.posted_minor = results[0].reason == LEDGER_OK ? results[0].amount : 0;
        if (results[0].reason != LEDGER_OK) {
            s->req.state = ISO_ORIG_NONE;
            s->req.hold_id = (struct id128){0};
            s->cash_minor = 0;
        }
    }
    a = s->req.card_account != 0 ? ledger_account_get(l, s->req.card_account) : NULL;
    if (a != NULL) {
        s->req.balance_minor = a->credits_posted - a->debits_posted - a->debits_pending;
    }
    if (count < cap) {
        rows[count].kind = EXTRA_ISO_REQUEST;
        rows[count].u.iso_request = s->req;
        count++;
    }
    if (s->sms.wanted && strcmp(s->req.code, ISO_RC_APPROVED) == 0 && count < cap && a != NULL &&
        (!s->forced || s->req.posted_minor > 0)) {
        sms_write(s, currency_find(a->currency));
        rows[count].kind = EXTRA_OUTBOX;
        rows[count].u.outbox = s->sms.row;
        count++;
    } else {
        s->sms.wanted = false;
    }
    return count;
}

void iso_host_done(struct iso_host *h, struct iso_host_step *s, int rc,
                   struct iso_host_answer *answer)
{
    struct host_orig *o = iso_host_orig_get(h, s->req.orig, true);
    int64_t delta = 0;

    o->busy = false;
    if (rc == 0 && s->post_lapsed) {
        /* Its forced post could not be made: nothing was written, the advice is asked again. */
        log_warn("iso8583: completion %s: its hold lapsed in the ledger and no forced post "
                 "could be made: answered 96",
                 s->req.key);
        rc = -MDT_ENOMEM;
    }
    if (rc < 0) {
        struct iso_request_row r = s->req;

        memcpy(r.code, ISO_RC_MALFUNCTION, 3);
        answer_of(h, &r, answer);
        answer->has_balance = false;
        iso_host_step_free(h, s);
        return;
    }
    if (s->pin_changed) {
        /* Ours is the newest: the CLI's later rows win at the next reread (iso_host_pin_loaded). */
        struct host_card *c = iso_host_card(h, s->pin.account_id);

        c->pin = s->pin;
        c->has_pin = true;
    }
    if (s->is_undo || strcmp(s->req.code, ISO_RC_APPROVED) == 0) {
        delta = s->cash_release > 0 ? -s->cash_release : s->cash_minor;
    }
    iso_host_row_apply(h, &s->req, delta);
    if (s->forced && s->req.posted_minor < s->req.amount_minor) {
        /* The network paid cash the card could not cover: the operator's to recover. */
        log_warn("iso8583: forced post of completion %s: %lld of %lld posted on card account "
                 "%llu, %lld short (its iso_requests row keeps both)",
                 s->req.key, (long long)s->req.posted_minor, (long long)s->req.amount_minor,
                 (unsigned long long)s->req.card_account,
                 (long long)(s->req.amount_minor - s->req.posted_minor));
    } else if (s->req.mti[1] == '2' && s->req.mti[2] == '2' && s->ledger_decides &&
               strcmp(s->req.code, ISO_RC_APPROVED) != 0) {
        /* The ledger refused the post for another reason than a lapsed hold (that one is
         * posted by force: iso_host_step_next): unposted. */
        log_warn("iso8583: completion %s could not post its hold (%s): post it by hand", s->req.key,
                 s->req.code);
    }
    answer_of(h, &s->req, answer);
    if (s->advice) {
        memcpy(answer->code, ISO_RC_APPROVED, 3); /* an advice is acknowledged, not decided */
    }
    iso_host_step_free(h, s);
}

struct iso_host_step *iso_host_done_late(struct iso_host *h, struct iso_host_step *late, int rc,
                                         int64_t now_us)
{
    struct iso_host_answer ignored;
    struct host_orig o = {0};
    struct iso_host_step *s = NULL;
    bool undo = rc == 0 && !late->is_undo && !late->advice &&
                strcmp(late->req.code, ISO_RC_APPROVED) == 0 &&
                (late->req.state == ISO_ORIG_HELD || late->req.state == ISO_ORIG_POSTED);

    if (undo) {
        s = step_alloc();
    }
    if (s != NULL) {
        s->req = late->req;
        s->req.updated_us = now_us;
        snprintf(o.orig, sizeof(o.orig), "%s", late->req.orig);
        o.card_account = late->req.card_account;
        o.hold_id = late->req.hold_id;
        o.amount_minor = late->req.amount_minor;
        o.posted_minor = late->req.posted_minor;
        o.state = late->req.state;
        o.cash_minor = late->cash_minor;
        reverse_ops(h, s, &o);
        memcpy(s->req.code, ISO_RC_UNAVAILABLE, 3); /* what the switch was answered */
        s->req.auth_id[0] = '\0';
        s->is_undo = true;
    }
    iso_host_done(h, late, rc, &ignored);
    if (s != NULL) {
        /* From now on a retransmission is answered what the switch got (91), even before the
         * undoing is durable: 91 approves nothing. */
        iso_host_req_put(h, &s->req);
        iso_host_orig_get(h, s->req.orig, true)->busy = true;
    }
    return s;
}

struct iso_host_step *iso_host_step_next(struct iso_host *h, struct iso_host_step *s, int rc,
                                         int64_t now_us)
{
    struct iso_host_step *f = rc == 0 && s->post_lapsed ? step_alloc() : NULL;

    if (f == NULL) {
        return NULL;
    }
    f->req = s->req; /* key, original, MTI, processing code, card, the amount to post */
    f->req.updated_us = now_us;
    f->req.fee_minor = 0;
    f->req.auth_id[0] = '\0';
    f->sms.txn_minor = s->sms.txn_minor;
    f->sms.txn_currency = s->sms.txn_currency;
    f->owner = s->owner;
    log_info("iso8583: completion %s: its hold lapsed in the ledger first: posted by force",
             s->req.key);
    forced_ops(h, f, s->req.card_account, s->req.posted_minor);
    iso_host_step_free(h, s);
    return f;
}

const struct outbox_row *iso_host_step_sms(const struct iso_host_step *s)
{
    return s->sms.wanted ? &s->sms.row : NULL;
}

void iso_host_step_free(struct iso_host *h, struct iso_host_step *s)
{
    (void)h;
    if (s != NULL) {
        /* The step never holds the PAN or the PIN block (the daemon wipes its request); the
         * card's PIN hash is its one secret. Wiping all 21 KB cost more than the decision. */
        vault_wipe(&s->pin, sizeof(s->pin));
        free(s);
    }
}
