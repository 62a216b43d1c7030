/* SPDX-License-Identifier: Apache-2.0 */
/* A card ordered on a wallet page (card_order.h): the link sent by SMS, the form checked, the
 * code and the price in one step, then the card issued under the order by a step of its own.
 * The emboss line is written through the card vault (the one place a number is opened) before
 * the issue's step goes to the ledger: a card the maker cannot emboss would be worse than a line
 * for a card that failed to commit (the maker checks lines against `mandat card list`). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"
#include "base/mem.h"
#include "dialog/card_issue.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

#define TAG_CORDER 0xb00u       /* an order's id, from the SMS that asked for it */
#define TAG_CORDER_PRICE 0xb01u /* the price's transfer id, from the order's id */
#define TAG_CORDER_STEP 0xb10u  /* + state: the id a step's receipts derive from */

static struct corder *corder_find(struct dialog *d, struct id128 id)
{
    uint32_t v = dialog_id_find(&d->corder_ids, d->corders, sizeof(*d->corders),
                                offsetof(struct corder, row.id), id);

    return v != 0 ? &d->corders[v - 1] : NULL;
}

/* Remember r (new, or the next state of one known); past the bound it waits in the store. */
static void corder_apply(struct dialog *d, const struct card_order_row *r)
{
    struct corder *o = corder_find(d, r->id);

    if (o != NULL && o->row.state == CARD_ORDER_PAID) {
        d->corder_paid--;
    }
    if (o == NULL) {
        o = dialog_linked_add((void **)&d->corders, &d->corder_count, &d->corder_cap,
                              sizeof(*d->corders), DIALOG_CARD_ORDERS_MAX, &d->corder_ids,
                              &d->corder_tokens, r->id, r->token_hash);
        if (o == NULL) {
            return;
        }
    }
    o->row = *r;
    if (r->state == CARD_ORDER_PAID) {
        d->corder_paid++;
    }
}

void dialog_card_orders_set(struct dialog *d, const struct card_order_settings *cs)
{
    d->corder_cfg = *cs;
}

static bool orders_on(const struct dialog *d)
{
    const struct card_order_settings *cs = &d->corder_cfg;

    return cs->cv != NULL && cs->emboss_file != NULL && cs->emboss_file[0] != '\0' &&
           cs->bin != NULL && cs->fees_account != 0 && cs->price_minor > 0 && cs->link_s > 0;
}

int dialog_card_order_loaded(void *ctx, const struct card_order_row *r)
{
    corder_apply(ctx, r);
    return 0;
}

void dialog_card_order_free_all(struct dialog *d)
{
    free(d->corders);
}

const struct card_order_row *
dialog_card_order_by_token(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us)
{
    uint32_t at = dialog_token_find(&d->corder_tokens, d->corders, sizeof(*d->corders),
                                    offsetof(struct corder, row.token_hash), token_hash);
    const struct corder *o = at != 0 ? &d->corders[at - 1] : NULL;

    if (o == NULL || (o->row.state == CARD_ORDER_OPEN && o->row.expires_us <= now_us)) {
        return NULL;
    }
    return &o->row;
}

static void fmt_money(const struct dialog *d, int64_t v, enum lang lang, char out[MONEY_FORMAT_MAX])
{
    if (money_format(v, d->cfg.currency, lang, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "?");
    }
}

/* ---- CARTE COMMANDE: the link ---- */

void dialog_card_order_decide(struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    struct card_order_row *r = &s->corder;

    if (!orders_on(d) || d->corder_count >= DIALOG_CARD_ORDERS_MAX) {
        dialog_reply_only(s, TEXT_CARD_ORDER_OFF);
        return;
    }
    memset(r, 0, sizeof(*r));
    if (vault_token_new(d->vault, s->token, r->token_hash) < 0) {
        dialog_reply_only(s, TEXT_PAGE_NO_RANDOM);
        return;
    }
    s->action = ACT_CORDER_LINK;
    r->id = id128_derive(s->inbox_id, TAG_CORDER);
    snprintf(r->phone, sizeof(r->phone), "%s", c->row.phone);
    r->wallet_account = c->row.account_id;
    r->price_minor = d->corder_cfg.price_minor;
    snprintf(r->currency, sizeof(r->currency), "%s", d->cfg.currency->code);
    r->state = CARD_ORDER_OPEN;
    r->lang = (uint16_t)s->lang;
    r->created_us = s->now_us;
    r->updated_us = s->now_us;
    r->expires_us = s->now_us + (int64_t)d->corder_cfg.link_s * 1000000;
    s->corder_changed = true;
}

/* ---- the page's form: the code and the price ---- */

/* The sender's name for the card: letters and digits, upper-cased, 1 to 15; not CARTE or CARD
 * (SOLDE CARTE is the holder's own balance). */
static bool alias_read(const char *in, char out[STORE_CARD_ALIAS_MAX])
{
    size_t n = 0;

    for (; *in != '\0'; in++) {
        unsigned char ch = (unsigned char)*in;

        if (ch == ' ' && (n == 0 || in[1] == '\0' || in[1] == ' ')) {
            continue; /* blanks around */
        }
        if (!isascii(ch) || !isalnum(ch) || n + 1 >= STORE_CARD_ALIAS_MAX) {
            return false;
        }
        out[n++] = (char)toupper(ch);
    }
    out[n] = '\0';
    return n > 0 && strcmp(out, "CARTE") != 0 && strcmp(out, "CARD") != 0;
}

/* The form's fields into the step's order, or err in the person's language. */
static int form_read(struct dialog *d, struct dialog_step *s, const struct card_order_form *f,
                     struct mdt_err *err)
{
    struct card_order_row *r = &s->corder;
    enum lang lang = (enum lang)r->lang;

    if (!card_issue_holder_read(f->holder, r->holder)) {
        return dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_HOLDER_BAD);
    }
    if (f->phone[0] != '\0' &&
        phone_normalize(f->phone, d->cfg.country, r->holder_phone, NULL) < 0) {
        return dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_PHONE_BAD,
                               phone_example(d->cfg.country));
    }
    if (!alias_read(f->alias, r->alias)) {
        return dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_ALIAS_BAD);
    }
    if (!dialog_alias_free(d, r->phone, r->alias)) {
        return dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_ALIAS_TAKEN);
    }
    return 0;
}

/* The code, as every page checks it (PSD2 RTS art. 4): locked, a reset under way, wrong (the
 * fifth locks the code and voids an order waiting by SMS), or right: the price's transfer. */
static void pay_decide(struct dialog *d, struct dialog_step *s, struct cust *c, const char *code)
{
    struct ledger_op *op;

    s->customer = c->row;
    if (c->row.locked_until_us > s->now_us) {
        s->outcome = OUTCOME_LOCKED;
        return;
    }
    if (c->row.code_reset_us != 0) {
        s->outcome = OUTCOME_SUSPENDED;
        return;
    }
    s->customer_changed = true;
    if (!c->row.has_pin || !vault_pin_verify(d->vault, c->row.phone, code, c->row.pin_hash)) {
        s->customer.pin_failures++;
        s->outcome = OUTCOME_WRONG_CODE;
        if (s->customer.pin_failures >= d->cfg.code_attempts_max) {
            s->customer.pin_failures = 0;
            s->customer.locked_until_us = s->now_us + (int64_t)d->cfg.code_lock_s * 1000000;
            s->outcome = OUTCOME_LOCKED;
            dialog_order_void(s, c);
        }
        return;
    }
    s->customer.pin_failures = 0;
    s->corder.state = CARD_ORDER_PAID;
    s->corder_changed = true;
    op = dialog_add_op(s);
    op->transfer.id = id128_derive(s->corder.id, TAG_CORDER_PRICE); /* paid at most once */
    op->transfer.debit_account_id = s->corder.wallet_account;
    op->transfer.credit_account_id = d->corder_cfg.fees_account;
    op->transfer.amount = s->corder.price_minor;
    op->transfer.kind = TRANSFER_PAYMENT;
    op->transfer.channel = CHANNEL_HTTP;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "card order");
}

/* A step of order o, on no message: each has an id of its own, for its receipts. */
static struct dialog_step *corder_step(struct dialog *d, struct corder *o, int action,
                                       int64_t now_us)
{
    struct dialog_step *s = dialog_step_derived(
        d, action, id128_derive(o->row.id, TAG_CORDER_STEP + (uint32_t)action * 16 + o->row.state),
        (enum lang)o->row.lang, now_us);

    s->amount = o->row.price_minor;
    s->corder = o->row;
    s->corder.updated_us = now_us;
    o->busy = true;
    return s;
}

int dialog_card_order_pay_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                              const struct card_order_form *f, int64_t now_us,
                              struct dialog_step **out, struct mdt_err *err)
{
    const struct card_order_row *row = dialog_card_order_by_token(d, token_hash, now_us);
    struct corder *o = row != NULL ? corder_find(d, row->id) : NULL;
    struct cust *c = o != NULL ? dialog_cust_find(d, o->row.phone) : NULL;
    struct dialog_step *s;
    int rc;

    if (o == NULL || o->row.state != CARD_ORDER_OPEN || c == NULL) {
        return dialog_page_err(err, MDT_E(NOTFOUND), LANG_FR, TEXT_PAGE_LINK_GONE);
    }
    if (o->busy || c->busy) {
        return dialog_page_err(err, MDT_E(BUSY), (enum lang)o->row.lang, TEXT_PAGE_BUSY);
    }
    s = corder_step(d, o, ACT_CORDER_PAY, now_us);
    rc = form_read(d, s, f, err);
    if (rc < 0) {
        o->busy = false;
        free(s);
        return rc;
    }
    snprintf(s->phone, sizeof(s->phone), "%s", o->row.phone);
    pay_decide(d, s, c, f->code);
    c->busy = true;
    *out = s;
    return 0;
}

/* ---- the card, issued under a paid order ---- */

/* The card's rows into the step and its emboss line (with the activation code: nobody else sees
 * it) into the file, or an error (logged, the order tried again later): nothing of it reaches
 * the ledger then. */
static int issue_prepare(struct dialog *d, struct dialog_step *s)
{
    const struct card_order_settings *cs = &d->corder_cfg;
    struct card_issue_in in = {.holder = s->corder.holder,
                               .phone = s->corder.holder_phone[0] != '\0' ? s->corder.holder_phone
                                                                          : NULL,
                               .expiry_years = cs->expiry_years,
                               .now_us = s->now_us};
    struct mdt_err err = {0};
    int rc = dialog_card_make(d, &in, true, s, &err);

    if (rc < 0) {
        log_error("card order %016llx: the card is not issued yet (%s): tried again in %d s",
                  (unsigned long long)s->corder.id.lo,
                  err.msg[0] != '\0' ? err.msg : mdt_strerror(rc), DIALOG_CARD_ORDER_RETRY_S);
    }
    return rc;
}

struct dialog_step *dialog_card_order_work(struct dialog *d, int64_t now_us)
{
    struct ledger_op *op;
    struct dialog_step *s;

    if (!orders_on(d) || d->corder_paid == 0) {
        return NULL; /* the usual case: no scan */
    }
    /* O(orders in memory) while one is paid and not issued: seconds at most, or a minute
     * between tries when its emboss line cannot be written. */
    for (size_t i = 0; i < d->corder_count; i++) {
        struct corder *o = &d->corders[i];

        if (o->row.state != CARD_ORDER_PAID || o->busy || o->retry_us > now_us) {
            continue;
        }
        s = corder_step(d, o, ACT_CORDER_ISSUE, now_us);
        if (issue_prepare(d, s) < 0) {
            o->busy = false;
            o->retry_us = now_us + (int64_t)DIALOG_CARD_ORDER_RETRY_S * 1000000;
            free(s);
            continue;
        }
        op = dialog_add_op(s);
        op->type = LEDGER_OP_ACCOUNT_OPEN;
        op->account.kind = ACCOUNT_CARD;
        snprintf(op->account.currency, sizeof(op->account.currency), "%s", o->row.currency);
        return s;
    }
    return NULL;
}

/* ---- hooks (ledger thread) and the memory ---- */

static void append_order(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap)
{
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_CARD_ORDER;
    rows[(*count)++].u.card_order = s->corder;
}

/* The account is open: the card's rows, the alias, the order issued, and the sender told. */
static void hook_issue(struct dialog_step *s, const struct ledger_result *results, size_t n,
                       struct store_extra *rows, size_t *count, size_t cap)
{
    char price[MONEY_FORMAT_MAX];

    if (n == 0 || results[0].reason != LEDGER_OK) {
        log_error("card order %016llx: the card's account was refused (%s): tried again later",
                  (unsigned long long)s->corder.id.lo,
                  ledger_reason_name(n > 0 ? results[0].reason : LEDGER_OK));
        s->corder_changed = false;
        return;
    }
    s->card.account_id = results[0].account_id;
    s->card_changed = true;
    memset(&s->alias, 0, sizeof(s->alias));
    snprintf(s->alias.owner, sizeof(s->alias.owner), "%s", s->corder.phone);
    snprintf(s->alias.alias, sizeof(s->alias.alias), "%s", s->corder.alias);
    s->alias.card_account = s->card.account_id;
    s->alias.active = true;
    s->alias.created_us = s->now_us;
    s->alias_changed = true;
    s->corder.state = CARD_ORDER_ISSUED;
    snprintf(s->corder.card_token, sizeof(s->corder.card_token), "%s", s->card.token);
    snprintf(s->corder.card_last4, sizeof(s->corder.card_last4), "%s", s->card.last4);
    s->corder_changed = true;
    MDT_ASSERT(*count + 3 <= cap);
    memset(&rows[*count], 0, 3 * sizeof(rows[*count]));
    rows[*count].kind = EXTRA_CARD_PAN;
    rows[(*count)++].u.card_pan = s->card_pan;
    rows[*count].kind = EXTRA_CARD;
    rows[(*count)++].u.card = s->card;
    rows[*count].kind = EXTRA_CARD_ALIAS;
    rows[(*count)++].u.card_alias = s->alias;
    fmt_money(s->d, s->corder.price_minor, s->lang, price);
    dialog_reply(s, rows, count, cap, s->corder.phone, s->lang, TEXT_CARD_ORDER_DONE, s->card.last4,
                 s->corder.alias, price);
}

void dialog_card_order_hook(struct dialog_step *s, const struct ledger_result *results, size_t n,
                            struct store_extra *rows, size_t *count, size_t cap)
{
    char price[MONEY_FORMAT_MAX], link[STORE_URL_MAX + 48], lasts[DIALOG_DURATION_MAX];

    switch (s->action) {
    case ACT_CORDER_LINK:
        fmt_money(s->d, s->corder.price_minor, s->lang, price);
        snprintf(link, sizeof(link), "%s/k/%s", s->d->cfg.link_base, s->token);
        dialog_duration_format(s->d->corder_cfg.link_s, s->lang, lasts);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_ORDER_LINK, price, link, lasts);
        vault_wipe(link, sizeof(link));
        vault_wipe(s->token, sizeof(s->token));
        break;
    case ACT_CORDER_PAY:
        if (s->corder_changed && (n == 0 || results[0].reason != LEDGER_OK)) {
            s->outcome = OUTCOME_REFUSED; /* the wallet cannot pay it: the order stays open */
            s->corder_changed = false;
        }
        break;
    default:
        hook_issue(s, results, n, rows, count, cap);
        break;
    }
    if (s->corder_changed) {
        append_order(s, rows, count, cap);
    }
}

void dialog_card_order_done(struct dialog_step *s, int rc)
{
    struct corder *o = corder_find(s->d, s->corder.id);

    if (o != NULL) {
        o->busy = false;
        if (s->action == ACT_CORDER_ISSUE && (rc < 0 || !s->corder_changed)) {
            /* Not issued (the commit failed, or the ledger refused the account): its emboss
             * line names a number no card has; the next try, a minute on, draws another. */
            o->retry_us = s->now_us + (int64_t)DIALOG_CARD_ORDER_RETRY_S * 1000000;
        }
    }
    if (rc == 0 && s->corder_changed) {
        corder_apply(s->d, &s->corder);
    }
    vault_wipe(&s->card_pan, sizeof(s->card_pan));
    vault_wipe(s->card.activation_hash, sizeof(s->card.activation_hash));
}
