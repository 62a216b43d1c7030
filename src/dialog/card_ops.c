/* SPDX-License-Identifier: Apache-2.0 */
/* Cards changed outside the SMS conversation (card_ops.h): the operator API's issue, block,
 * unblock and replacement, the activation page, and the cards set expired by the clock. A step
 * of this module holds its cards (dialog_card_busy) until it is durable, so that no load reaches a
 * card while its row or its balance is being changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "dialog/card_input.h"
#include "dialog/card_ops.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

#define TAG_CARD_MOVE_STEP 0xc00u /* a replacement's second step, from the first's id */
#define TAG_CARD_MOVE 0xc01u      /* its card_move transfer */
#define TAG_CARD_EXPIRE 0xc02u    /* a step of cards set expired */

static bool issuing_on(const struct dialog *d)
{
    const struct card_order_settings *cs = &d->corder_cfg;

    return cs->cv != NULL && cs->bin != NULL && cs->bin[0] != '\0' && cs->emboss_file != NULL &&
           cs->emboss_file[0] != '\0';
}

int dialog_card_make(struct dialog *d, const struct card_issue_in *in, bool code_on_line,
                     struct dialog_step *s, struct mdt_err *err)
{
    const struct card_order_settings *cs = &d->corder_cfg;
    char code[CARD_ACTIVATION_LEN + 1] = "";
    struct store_extra rows[2];
    struct card_emboss e;
    int rc;

    memset(rows, 0, sizeof(rows));
    rc = card_issue_rows(d->vault, in, rows, code);
    if (rc == 0) {
        /* No lookup of the number among the cards: the store's unique keyed hash refuses a
         * number drawn twice (a chance in about 10^9 per card at 9 random digits). */
        rc = card_issue_number(cs->cv, NULL, cs->bin, &rows[0].u.card_pan);
    }
    if (rc < 0) {
        mdt_err_set(err, rc, "cannot make a card number: %s", mdt_strerror(rc));
    } else {
        e = (struct card_emboss){.token = rows[0].u.card_pan.token,
                                 .sealed = rows[0].u.card_pan.sealed,
                                 .sealed_len = rows[0].u.card_pan.sealed_len,
                                 .exp_month = rows[1].u.card.exp_month,
                                 .exp_year = rows[1].u.card.exp_year,
                                 .holder = rows[1].u.card.holder,
                                 .activation = code_on_line ? code : NULL};
        rc = card_vault_emboss_append(cs->cv, cs->emboss_file, &e, err);
    }
    if (rc == 0) {
        s->card_pan = rows[0].u.card_pan;
        s->card = rows[1].u.card;
        snprintf(s->card.bin, sizeof(s->card.bin), "%s", s->card_pan.bin);
        snprintf(s->card.last4, sizeof(s->card.last4), "%s", s->card_pan.last4);
        s->card.pan_len = s->card_pan.pan_len;
        memcpy(s->card.pan_mac, s->card_pan.pan_mac, sizeof(s->card.pan_mac));
        if (!code_on_line) {
            _Static_assert(sizeof(code) <= sizeof(s->otp), "the code fits the step's otp");
            memcpy(s->otp, code, sizeof(code));
        }
    }
    vault_wipe(code, sizeof(code));
    vault_wipe(rows, sizeof(rows));
    return rc;
}

/* The card's account: the step's one op. */
static void open_account(struct dialog *d, struct dialog_step *s)
{
    struct ledger_op *op = dialog_add_op(s);

    op->type = LEDGER_OP_ACCOUNT_OPEN;
    op->account.kind = ACCOUNT_CARD;
    snprintf(op->account.currency, sizeof(op->account.currency), "%s", d->cfg.currency->code);
}

/* A step of action opening the account of a new card made for ci (dialog_card_make). NULL
 * with *rc and err on failure. */
static struct dialog_step *new_card_step(struct dialog *d, int action,
                                         const struct card_issue_in *ci, struct mdt_err *err,
                                         int *rc)
{
    struct dialog_step *s = dialog_step_new_api(d, ci->now_us);

    if (s == NULL) {
        *rc = mdt_err_set(err, MDT_E(IO), "no random bytes");
        return NULL;
    }
    s->action = action;
    *rc = dialog_card_make(d, ci, false, s, err);
    if (*rc < 0) {
        vault_wipe(s, sizeof(*s));
        free(s);
        return NULL;
    }
    open_account(d, s);
    return s;
}

int dialog_card_issue_api(struct dialog *d, const struct card_issue_api_in *in, int64_t now_us,
                          struct dialog_step **out, struct mdt_err *err)
{
    char holder[CARD_HOLDER_EMBOSS_MAX + 1], phone[PHONE_E164_MAX] = "";
    struct card_issue_in ci = {.holder = holder, .now_us = now_us, .token = in->token};
    int rc;

    if (!issuing_on(d)) {
        return mdt_err_set(err, MDT_E(RANGE),
                           "card issuing is off: [cards] bin, key_ring and emboss_file are needed");
    }
    if (in->holder == NULL || !card_issue_holder_read(in->holder, holder)) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "holder is the name as embossed: 2 to %d letters without accents, "
                           "blanks, hyphens or apostrophes",
                           CARD_HOLDER_EMBOSS_MAX);
    }
    if (in->phone != NULL && in->phone[0] != '\0' &&
        phone_normalize(in->phone, d->cfg.country, phone, NULL) < 0) {
        return mdt_err_set(err, MDT_E(INVAL), "phone is not a phone number");
    }
    if (in->token != NULL && dialog_card_by_token(d, in->token) != NULL) {
        return mdt_err_set(err, MDT_E(EXISTS), "this card was issued already");
    }
    ci.phone = phone[0] != '\0' ? phone : NULL;
    ci.expiry_years = in->expiry_years != 0 ? in->expiry_years : d->corder_cfg.expiry_years;
    *out = new_card_step(d, ACT_CARD_ISSUE, &ci, err, &rc);
    return rc;
}

/* ---- status changes: rows only ---- */

static void add_card_row(struct dialog_step *s, const struct card_row *r)
{
    MDT_ASSERT(s->row_count < DIALOG_ROWS_MAX);
    memset(&s->rows[s->row_count], 0, sizeof(s->rows[s->row_count]));
    s->rows[s->row_count].kind = EXTRA_CARD;
    s->rows[s->row_count++].u.card = *r;
}

/* A step writing card k's row as next, holding k until it is durable. */
static struct dialog_step *status_step(struct dialog *d, struct card_row *k,
                                       const struct card_row *next, int64_t now_us)
{
    struct dialog_step *s = dialog_step_new_api(d, now_us);

    if (s == NULL) {
        return NULL;
    }
    s->action = ACT_CARD_STATUS;
    s->card = *next;
    add_card_row(s, next);
    dialog_card_busy_set(d, k, true);
    return s;
}

int dialog_card_status_api(struct dialog *d, const char *token, enum card_op op, int64_t now_us,
                           struct dialog_step **out, struct mdt_err *err)
{
    struct card_row *k = dialog_card_by_token(d, token);
    struct card_row next;
    unsigned st;

    *out = NULL;
    if (k == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such card");
    }
    if (dialog_card_busy(d, k)) {
        return mdt_err_set(err, MDT_E(BUSY), "the card is being changed: try again");
    }
    st = card_status_now(k->status, k->exp_month, k->exp_year, now_us);
    next = *k;
    if (op == CARD_OP_BLOCK) {
        if (st == CARD_STATUS_LOST || st == CARD_STATUS_EXPIRED) {
            return mdt_err_set(err, MDT_E(RANGE), "the card is %s: it takes no load already",
                               card_status_name(st));
        }
        if (st == CARD_STATUS_BLOCKED) {
            return 0;
        }
        next.status = CARD_STATUS_BLOCKED;
    } else {
        if (st == CARD_STATUS_EXPIRED) {
            return mdt_err_set(err, MDT_E(RANGE), "the card is expired: it cannot be unblocked");
        }
        if (st != CARD_STATUS_BLOCKED) {
            return mdt_err_set(err, MDT_E(RANGE), "the card is %s, not blocked",
                               card_status_name(st));
        }
        next.status = k->activated_us != 0 ? CARD_STATUS_ACTIVE : CARD_STATUS_INACTIVE;
    }
    next.updated_us = now_us;
    *out = status_step(d, k, &next, now_us);
    return *out != NULL ? 0 : mdt_err_set(err, MDT_E(IO), "no random bytes");
}

/* ---- a replacement ---- */

static size_t aliases_of_card(const struct dialog *d, uint64_t card_account)
{
    size_t n = 0;

    for (size_t i = 0; i < d->alias_count; i++) {
        n += d->aliases[i].active && d->aliases[i].card_account == card_account;
    }
    return n;
}

int dialog_card_replace_api(struct dialog *d, const char *token, int64_t now_us,
                            struct dialog_step **out, struct mdt_err *err)
{
    struct card_row *k = dialog_card_by_token(d, token);
    struct card_issue_in ci = {.now_us = now_us, .expiry_years = d->corder_cfg.expiry_years};
    struct dialog_step *s;
    int rc;

    if (k == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such card");
    }
    if (!issuing_on(d)) {
        return mdt_err_set(err, MDT_E(RANGE),
                           "card issuing is off: [cards] bin, key_ring and emboss_file are needed");
    }
    if (dialog_card_busy(d, k)) {
        return mdt_err_set(err, MDT_E(BUSY), "the card is being changed: try again");
    }
    if (k->status == CARD_STATUS_LOST) {
        return mdt_err_set(err, MDT_E(RANGE), "the card is lost: it was replaced already");
    }
    if (aliases_of_card(d, k->account_id) > CARD_REPLACE_ALIASES_MAX) {
        return mdt_err_set(err, MDT_E(RANGE),
                           "more than %d senders name this card: replace it with mandat card "
                           "replace",
                           CARD_REPLACE_ALIASES_MAX);
    }
    ci.holder = k->holder;
    ci.phone = k->phone[0] != '\0' ? k->phone : NULL;
    s = new_card_step(d, ACT_CARD_REPLACE, &ci, err, &rc);
    if (s == NULL) {
        return rc;
    }
    s->payee_account = k->account_id;
    dialog_card_busy_set(d, k, true); /* no load from now: the balance read stays true */
    *out = s;
    return 0;
}

struct dialog_step *dialog_card_replace_move(struct dialog *d, const struct dialog_step *first)
{
    struct card_row *old = dialog_card_find(d, first->payee_account);
    struct dialog_step *s = calloc(1, sizeof(*s));
    struct card_row lost;
    struct ledger_op *op;

    MDT_ASSERT(s != NULL && old != NULL && first->action == ACT_CARD_REPLACE);
    s->d = d;
    s->api = true;
    s->now_us = first->now_us;
    s->inbox_id = id128_derive(first->inbox_id, TAG_CARD_MOVE_STEP);
    s->action = ACT_CARD_MOVE;
    s->card = first->card;
    s->card_pan = first->card_pan;
    memcpy(s->otp, first->otp, sizeof(s->otp));
    s->payee_account = old->account_id;
    s->amount = first->amount;
    snprintf(s->text_arg, sizeof(s->text_arg), "%s", old->token);
    memset(&s->rows[0], 0, sizeof(s->rows[0]));
    s->rows[0].kind = EXTRA_CARD_PAN;
    s->rows[0].u.card_pan = first->card_pan;
    s->row_count = 1;
    add_card_row(s, &first->card);
    lost = *old;
    lost.status = CARD_STATUS_LOST;
    lost.updated_us = first->now_us;
    add_card_row(s, &lost);
    for (size_t i = 0; i < d->alias_count && s->row_count < DIALOG_ROWS_MAX; i++) {
        if (d->aliases[i].active && d->aliases[i].card_account == old->account_id) {
            memset(&s->rows[s->row_count], 0, sizeof(s->rows[s->row_count]));
            s->rows[s->row_count].kind = EXTRA_CARD_ALIAS;
            s->rows[s->row_count].u.card_alias = d->aliases[i];
            s->rows[s->row_count++].u.card_alias.card_account = first->card.account_id;
        }
    }
    if (first->amount > 0) {
        op = dialog_add_op(s);
        op->transfer.id = id128_derive(first->inbox_id, TAG_CARD_MOVE);
        op->transfer.debit_account_id = old->account_id;
        op->transfer.credit_account_id = first->card.account_id;
        op->transfer.amount = first->amount;
        op->transfer.kind = TRANSFER_CARD_MOVE;
        op->transfer.channel = CHANNEL_HTTP;
        snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "replaces ****%s", old->last4);
    }
    return s;
}

/* ---- answers and lists ---- */

void dialog_card_step_card(const struct dialog_step *s, struct card_row *out)
{
    *out = s->card;
    vault_wipe(out->activation_hash, sizeof(out->activation_hash));
}

const char *dialog_card_step_code(const struct dialog_step *s)
{
    return s->otp;
}

int64_t dialog_card_step_moved(const struct dialog_step *s)
{
    return s->amount;
}

const char *dialog_card_step_replaced(const struct dialog_step *s)
{
    return s->text_arg;
}

int dialog_card_list(struct dialog *d, const char *after_token, struct card_row *out, size_t max,
                     bool *more)
{
    size_t i = 0, n = 0;

    if (after_token != NULL && after_token[0] != '\0') {
        const struct card_row *k = dialog_card_by_token(d, after_token);

        if (k == NULL) {
            return MDT_E(NOTFOUND);
        }
        i = (size_t)(k - d->cards) + 1;
    }
    for (; i < d->card_count && n < max; i++) {
        out[n] = d->cards[i];
        vault_wipe(out[n].activation_hash, sizeof(out[n].activation_hash));
        n++;
    }
    *more = i < d->card_count;
    return (int)n;
}

/* ---- the activation page ---- */

int dialog_card_activate_web(struct dialog *d, const struct card_activate_form *f, enum lang lang,
                             int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    char phone[PHONE_E164_MAX] = "";
    struct card_row *k = NULL;
    struct dialog_step *s;
    uint8_t mac[32];
    bool right_date;

    if (d->corder_cfg.cv == NULL) {
        return mdt_err_set(err, MDT_E(RANGE), "cards are off");
    }
    if (f->phone[0] != '\0' && phone_normalize(f->phone, d->cfg.country, phone, NULL) < 0) {
        return dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_PHONE_BAD,
                               phone_example(d->cfg.country));
    }
    card_vault_pan_mac(d->corder_cfg.cv, f->pan, mac);
    (void)dialog_card_by_mac(d, mac, &k);
    vault_wipe(mac, sizeof(mac));
    if (k != NULL && dialog_card_busy(d, k)) {
        k = NULL; /* as a number no card has: "try again" would tell two racing posts it is one */
    }
    s = dialog_step_new_api(d, now_us);
    if (s == NULL) {
        return dialog_page_err(err, MDT_E(IO), lang, TEXT_PAGE_NO_RANDOM);
    }
    s->lang = lang;
    /* A wrong expiry counts as a wrong code: the number alone is not the card. */
    right_date = k != NULL && k->exp_month == f->exp_month && k->exp_year == f->exp_year;
    dialog_card_activate_decide(d, s, k, right_date ? f->code : "");
    s->action = ACT_CARD_STATUS;
    s->outcome = s->text_id == TEXT_CARD_ACTIVATED ? OUTCOME_DONE : OUTCOME_WRONG_CODE;
    if (s->card_changed) {
        if (s->outcome == OUTCOME_DONE && s->card.phone[0] == '\0') {
            snprintf(s->card.phone, sizeof(s->card.phone), "%s", phone);
        }
        s->card_changed = false;
        add_card_row(s, &s->card);
        dialog_card_busy_set(d, k, true);
    }
    *out = s;
    return 0;
}

/* ---- expiry ---- */

struct dialog_step *dialog_card_expire_work(struct dialog *d, int64_t now_us)
{
    struct dialog_step *s = NULL;
    struct calendar_keys now;

    if (d->card_count == 0 || now_us < d->card_expiry_scan_us) {
        return NULL;
    }
    /* This month, counted from 1970-01: a card valid through an earlier one has expired. One
     * calendar reading per scan, not one per card. */
    clock_calendar_keys(now_us, &now);
    /* O(cards) once per CARD_EXPIRY_SCAN_S, DIALOG_ROWS_MAX cards per step. */
    while (d->card_expiry_at < d->card_count && (s == NULL || s->row_count < DIALOG_ROWS_MAX)) {
        struct card_row *k = &d->cards[d->card_expiry_at++];
        struct card_row next;

        if (k->status == CARD_STATUS_EXPIRED || k->status == CARD_STATUS_LOST ||
            dialog_card_busy(d, k) ||
            ((int32_t)k->exp_year - 1970) * 12 + (int32_t)k->exp_month - 1 >= now.month) {
            continue;
        }
        if (s == NULL) {
            s = calloc(1, sizeof(*s));
            MDT_ASSERT(s != NULL);
            s->d = d;
            s->api = true;
            s->now_us = now_us;
            s->action = ACT_CARD_STATUS;
            s->inbox_id = id128_derive((struct id128){.hi = k->account_id, .lo = (uint64_t)now_us},
                                       TAG_CARD_EXPIRE);
        }
        next = *k;
        next.status = CARD_STATUS_EXPIRED;
        next.updated_us = now_us;
        add_card_row(s, &next);
        dialog_card_busy_set(d, k, true);
    }
    if (d->card_expiry_at >= d->card_count) {
        d->card_expiry_at = 0;
        d->card_expiry_scan_us = now_us + (int64_t)CARD_EXPIRY_SCAN_S * 1000000;
    }
    return s;
}

/* ---- hook (ledger thread) and memory ---- */

void dialog_card_ops_hook(struct dialog_step *s, const struct ledger *l,
                          const struct ledger_result *results, size_t n, struct store_extra *rows,
                          size_t *count, size_t cap)
{
    const struct account *a;

    if ((s->action == ACT_CARD_ISSUE || s->action == ACT_CARD_REPLACE) &&
        (n == 0 || results[0].reason != LEDGER_OK)) {
        log_error("card %s: its account was refused (%s)", s->card.token,
                  ledger_reason_name(n > 0 ? results[0].reason : LEDGER_OK));
        s->outcome = OUTCOME_REFUSED;
        return;
    }
    switch (s->action) {
    case ACT_CARD_ISSUE:
        s->card.account_id = results[0].account_id;
        s->card_changed = true;
        MDT_ASSERT(*count + 2 <= cap);
        memset(&rows[*count], 0, 2 * sizeof(rows[*count]));
        rows[*count].kind = EXTRA_CARD_PAN;
        rows[(*count)++].u.card_pan = s->card_pan;
        rows[*count].kind = EXTRA_CARD;
        rows[(*count)++].u.card = s->card;
        break;
    case ACT_CARD_REPLACE:
        /* The old card takes no load since this step was decided: its balance now is all of
         * it (a card is never debited but by a move). */
        s->card.account_id = results[0].account_id;
        a = ledger_account_get(l, s->payee_account);
        s->amount = a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0;
        break;
    case ACT_CARD_MOVE:
        if (n > 0 && results[0].reason != LEDGER_OK) {
            log_error("card %s: the old card's balance was not moved (%s): move it with mandat "
                      "transfer --kind card_move",
                      s->card.token, ledger_reason_name(results[0].reason));
            s->outcome = OUTCOME_REFUSED;
        }
        break;
    default:
        break;
    }
}

void dialog_card_ops_done(struct dialog_step *s, int rc)
{
    struct dialog *d = s->d;
    struct card_row *k;

    if (s->action == ACT_CARD_REPLACE && (rc < 0 || s->outcome == OUTCOME_REFUSED)) {
        k = dialog_card_find(d, s->payee_account);
        if (k != NULL) {
            dialog_card_busy_set(d, k, false); /* else held until the move is durable */
        }
    }
    /* Every row, not row_count's: the step's rows are zeroed past those it wrote, and a caller
     * may have reset the count once it took the rows. */
    for (size_t i = 0; i < DIALOG_ROWS_MAX; i++) {
        const struct store_extra *x = &s->rows[i];

        if (x->kind == EXTRA_CARD && rc == 0) {
            dialog_card_apply(d, &x->u.card);
        }
        if (x->kind == EXTRA_CARD_ALIAS && rc == 0) {
            dialog_alias_apply(d, &x->u.card_alias);
        }
        if (x->kind == EXTRA_CARD_PIN && rc == 0) {
            dialog_card_pin_done(d, &x->u.card_pin);
        }
        k = x->kind == EXTRA_CARD ? dialog_card_find(d, x->u.card.account_id) : NULL;
        if (k != NULL) {
            dialog_card_busy_set(d, k, false);
        }
    }
    vault_wipe(&s->card_pan, sizeof(s->card_pan));
    vault_wipe(s->card.activation_hash, sizeof(s->card.activation_hash));
}
