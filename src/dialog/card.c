/* SPDX-License-Identifier: Apache-2.0 */
/* Prepaid cards in the conversation (issue 13): the cards in memory (issued by the CLI, read at
 * start and every second), senders' aliases, and what card commands mean: CARTE AJOUT links a
 * card under an alias with its activation code, ACTIVER activates it from the holder's phone,
 * RECHARGE holds amount and fee on the sender's wallet (or, paid by bank card, RECHARGE ... CB,
 * on the bank account, or sends a page's link) until the code confirms it, SOLDE MAMAN
 * and SOLDE CARTE read a card's balance, BLOQUER blocks it at once, CARTES lists the aliases.
 * Nothing here sees a card number: cards are their token, BIN and last four digits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/mem.h"
#include "dialog/card_input.h"
#include "dialog/dialog_int.h"
#include "dialog/topup.h"
#include "vault/vault.h"

static uint64_t str_key(const char *s)
{
    return hash_fnv1a(HASH_FNV1A_SEED, s, strlen(s));
}

static uint64_t id_key(uint64_t id)
{
    return hash_fnv1a(HASH_FNV1A_SEED, &id, sizeof(id));
}

/* The index key of a card number's keyed hash (uniform already: its first 8 bytes); 0 for a
 * row that does not carry it. */
static uint64_t mac_key(const uint8_t mac[32])
{
    uint64_t k;

    memcpy(&k, mac, sizeof(k));
    return k;
}

/* ---- memory ---- */

struct card_row *dialog_card_find(struct dialog *d, uint64_t account_id)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->card_ids, id_key(account_id), &pos); v != 0;
         v = index_find_next(&d->card_ids, &pos)) {
        if (d->cards[v - 1].account_id == account_id) {
            return &d->cards[v - 1];
        }
    }
    return NULL;
}

/* The card of holder phone ending in last4, or NULL; without last4, one that was not replaced
 * (lost) when there is one. */
static struct card_row *card_of_holder(struct dialog *d, const char *phone, const char *last4)
{
    struct card_row *lost = NULL;
    struct index_pos pos;

    for (uint32_t v = index_find(&d->card_phones, str_key(phone), &pos); v != 0;
         v = index_find_next(&d->card_phones, &pos)) {
        struct card_row *k = &d->cards[v - 1];

        if (strcmp(k->phone, phone) != 0) {
            continue;
        }
        if (last4 != NULL ? strcmp(k->last4, last4) == 0 : k->status != CARD_STATUS_LOST) {
            return k;
        }
        lost = lost != NULL ? lost : k;
    }
    return last4 == NULL ? lost : NULL;
}

/* Keep the row of a card the store or a step gives: a newer one replaces it (the CLI blocks a
 * card beside mandatd; a step's change is newer than the reread that raced it). */
void dialog_card_apply(struct dialog *d, const struct card_row *r)
{
    struct card_row *k = dialog_card_find(d, r->account_id);
    uint32_t val;

    if (k != NULL) {
        if (r->updated_us < k->updated_us) {
            return;
        }
        val = (uint32_t)(k - d->cards) + 1;
        if (mac_key(r->pan_mac) != 0 && mac_key(k->pan_mac) == 0) {
            dialog_index_put(&d->card_macs, mac_key(r->pan_mac), val);
        }
        if (strcmp(k->phone, r->phone) != 0) {
            (void)index_remove(&d->card_phones, str_key(k->phone), val);
            if (r->phone[0] != '\0') {
                dialog_index_put(&d->card_phones, str_key(r->phone), val);
            }
        }
        uint8_t mac[32];

        memcpy(mac, k->pan_mac, sizeof(mac));
        *k = *r;
        if (mac_key(k->pan_mac) == 0) {
            memcpy(k->pan_mac, mac, sizeof(mac)); /* a step's row: the number's hash stays */
        }
        return;
    }
    if (d->card_count >= DIALOG_CARDS_MAX) {
        return; /* past the bound: the card waits in the store (logged by the caller's reread) */
    }
    mem_grow((void **)&d->cards, &d->card_cap, d->card_count + 1, sizeof(*d->cards));
    mem_grow((void **)&d->card_busy, &d->card_busy_cap, d->card_count + 1, 1);
    d->card_busy[d->card_count] = 0;
    d->cards[d->card_count++] = *r;
    val = (uint32_t)d->card_count;
    if (mac_key(r->pan_mac) != 0) {
        dialog_index_put(&d->card_macs, mac_key(r->pan_mac), val);
    }
    dialog_index_put(&d->card_ids, id_key(r->account_id), val);
    dialog_index_put(&d->card_last4, str_key(r->last4), val);
    dialog_index_put(&d->card_tokens, str_key(r->token), val);
    if (r->phone[0] != '\0') {
        dialog_index_put(&d->card_phones, str_key(r->phone), val);
    }
}

struct card_row *dialog_card_by_token(struct dialog *d, const char *token)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->card_tokens, str_key(token), &pos); v != 0;
         v = index_find_next(&d->card_tokens, &pos)) {
        if (strcmp(d->cards[v - 1].token, token) == 0) {
            return &d->cards[v - 1];
        }
    }
    return NULL;
}

bool dialog_card_busy(const struct dialog *d, const struct card_row *k)
{
    return d->card_busy[k - d->cards] != 0;
}

void dialog_card_busy_set(struct dialog *d, const struct card_row *k, bool busy)
{
    d->card_busy[k - d->cards] = busy ? 1 : 0;
}

int dialog_card_by_mac(struct dialog *d, const uint8_t mac[32], struct card_row **out)
{
    struct index_pos pos;

    *out = NULL;
    for (uint32_t v = index_find(&d->card_macs, mac_key(mac), &pos); v != 0;
         v = index_find_next(&d->card_macs, &pos)) {
        if (vault_hash_equal(d->cards[v - 1].pan_mac, mac)) {
            *out = &d->cards[v - 1];
            return 0;
        }
    }
    return MDT_E(NOTFOUND);
}

int dialog_card_get(struct dialog *d, const char *token, struct card_row *out)
{
    const struct card_row *k = dialog_card_by_token(d, token);

    if (k == NULL) {
        return MDT_E(NOTFOUND);
    }
    *out = *k;
    vault_wipe(out->activation_hash, sizeof(out->activation_hash));
    return 0;
}

int dialog_card_loaded(void *ctx, const struct card_row *r)
{
    dialog_card_apply(ctx, r);
    return 0;
}

static struct card_alias_row *alias_find(struct dialog *d, const char *owner, const char *alias)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->alias_owners, str_key(owner), &pos); v != 0;
         v = index_find_next(&d->alias_owners, &pos)) {
        struct card_alias_row *a = &d->aliases[v - 1];

        if (a->active && strcmp(a->owner, owner) == 0 && strcmp(a->alias, alias) == 0) {
            return a;
        }
    }
    return NULL;
}

/* Aliases of owner, at most max, into out; returns how many. */
static size_t aliases_of(struct dialog *d, const char *owner, const struct card_alias_row **out,
                         size_t max)
{
    struct index_pos pos;
    size_t n = 0;

    for (uint32_t v = index_find(&d->alias_owners, str_key(owner), &pos); v != 0 && n < max;
         v = index_find_next(&d->alias_owners, &pos)) {
        const struct card_alias_row *a = &d->aliases[v - 1];

        if (a->active && strcmp(a->owner, owner) == 0) {
            out[n++] = a;
        }
    }
    return n;
}

bool dialog_alias_free(struct dialog *d, const char *owner, const char *alias)
{
    const struct card_alias_row *mine[DIALOG_ALIASES_PER_OWNER];

    return alias_find(d, owner, alias) == NULL &&
           aliases_of(d, owner, mine, DIALOG_ALIASES_PER_OWNER) < DIALOG_ALIASES_PER_OWNER;
}

/* A removed alias stays in the array, inactive (its slot is reused by the next alias of the same
 * owner and name): removals are rare, and no index entry moves. */
void dialog_alias_apply(struct dialog *d, const struct card_alias_row *r)
{
    struct card_alias_row *a = alias_find(d, r->owner, r->alias);

    if (a != NULL) {
        *a = *r;
        return;
    }
    if (!r->active || d->alias_count >= DIALOG_CARD_ALIASES_MAX) {
        return;
    }
    mem_grow((void **)&d->aliases, &d->alias_cap, d->alias_count + 1, sizeof(*d->aliases));
    d->aliases[d->alias_count++] = *r;
    dialog_index_put(&d->alias_owners, str_key(r->owner), (uint32_t)d->alias_count);
}

int dialog_card_alias_loaded(void *ctx, const struct card_alias_row *r)
{
    dialog_alias_apply(ctx, r);
    return 0;
}

void dialog_card_free_all(struct dialog *d)
{
    for (size_t i = 0; i < d->card_count; i++) {
        vault_wipe(d->cards[i].activation_hash, sizeof(d->cards[i].activation_hash));
    }
    free(d->cards);
    free(d->card_busy);
    free(d->aliases);
}

/* ---- decisions ---- */

bool dialog_card_loadable(const struct dialog *d, const struct card_row *k, int64_t now_us)
{
    return k->status == CARD_STATUS_ACTIVE && !card_expired(k->exp_month, k->exp_year, now_us) &&
           !dialog_card_busy(d, k);
}

bool dialog_card_usable(struct dialog *d, uint64_t account, int64_t now_us)
{
    const struct card_row *k = dialog_card_find(d, account);

    return k != NULL && dialog_card_loadable(d, k, now_us);
}

/* A card reply decided here, with its arguments taken from s->card and s->text_arg by
 * dialog_card_hook. */
static void card_say(struct dialog_step *s, enum dialog_text t)
{
    s->action = ACT_CARD_SAY;
    s->text_id = (int)t;
}

/* The card's last four and the alias, for the replies. */
static void step_card(struct dialog_step *s, const struct card_row *k, const char *alias)
{
    s->card = *k;
    /* An alias is at most STORE_CARD_ALIAS_MAX; the bound keeps -Wformat-truncation quiet where
     * it comes from a conversation's payee field, which is wider than text_arg. */
    snprintf(s->text_arg, sizeof(s->text_arg), "%.*s", (int)sizeof(s->text_arg) - 1, alias);
}

/* RECHARGE MAMAN 100: hold amount and reload fee on the sender's wallet, wait for the code. */
static void decide_reload(struct dialog *d, struct dialog_step *s, struct cust *c,
                          const struct command *cmd)
{
    const struct card_alias_row *a = alias_find(d, s->phone, cmd->keyword);
    const struct card_row *k = a != NULL ? dialog_card_find(d, a->card_account) : NULL;
    const struct card_file_row *file;
    struct ledger_op *op;

    if (dialog_order_cannot_start(s, c)) {
        return;
    }
    snprintf(s->text_arg, sizeof(s->text_arg), "%s", cmd->keyword);
    if (k == NULL) {
        card_say(s, TEXT_CARD_ALIAS_UNKNOWN);
        return;
    }
    step_card(s, k, a->alias);
    if (!dialog_card_loadable(d, k, s->now_us)) {
        card_say(s, k->status == CARD_STATUS_INACTIVE ? TEXT_CARD_INACTIVE : TEXT_CARD_BLOCKED);
        return;
    }
    s->amount = cmd->amount_minor;
    file = cmd->by_card ? dialog_card_file_get(d, s->phone) : NULL;
    /* Paid by bank card: without a card on file, a link to the page that takes one; with one,
     * the order below holds the load from the bank (the ledger checks the minimum, the fee and
     * the yearly cap now, a refusal names its rule) until the code confirms it, then the card on
     * file is charged and the card credited (topup.c). */
    if (cmd->by_card && !dialog_topup_card(d, s, c, k, a->alias, file)) {
        return;
    }
    if (cmd->by_card && file == NULL) {
        return;
    }
    s->action = ACT_ORDER;
    s->payee_account = k->account_id;
    snprintf(s->payee, sizeof(s->payee), "%s", a->alias);
    op = dialog_add_op(s);
    op->transfer.debit_account_id = file != NULL ? d->cfg.bank_account : c->row.account_id;
    op->transfer.credit_account_id = k->account_id;
    op->transfer.amount = cmd->amount_minor;
    op->transfer.kind = TRANSFER_CARD_LOAD;
    op->transfer.flags = TRANSFER_PENDING;
    op->transfer.timeout_s = d->cfg.order_timeout_s;
    /* The operator bills the SMS order; the sender pays the reload fee on top. */
    op->transfer.fee_schedules[0] = d->cfg.order_fee_schedule;
    op->transfer.fee_schedules[1] = d->cfg.card_reload_fee_schedule;
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "%s", a->alias);
    dialog_conversation_open(s, op);
    if (file != NULL) {
        dialog_topup_file_order(s, op);
    }
}

/* The card whose activation code this is among those ending in last4, or NULL. At most a few
 * cards share four digits per million issued: each costs one HMAC. */
static struct card_row *card_by_code(struct dialog *d, const char *last4, const char *code)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->card_last4, str_key(last4), &pos); v != 0;
         v = index_find_next(&d->card_last4, &pos)) {
        struct card_row *k = &d->cards[v - 1];

        if (strcmp(k->last4, last4) == 0 &&
            vault_pin_verify(d->vault, k->token, code, k->activation_hash)) {
            return k;
        }
    }
    return NULL;
}

/* CARTE AJOUT MAMAN 4242 <activation code>. A wrong code counts against the sender's code, as a
 * wrong code does (PSD2 RTS art. 4): guessing activation codes costs the same tries. */
static void decide_add(struct dialog *d, struct dialog_step *s, struct cust *c,
                       const struct command *cmd)
{
    const struct card_alias_row *mine[DIALOG_ALIASES_PER_OWNER];
    const struct card_row *k;

    if (c->row.locked_until_us > s->now_us) {
        dialog_reply_only(s, TEXT_LOCKED);
        return;
    }
    k = card_by_code(d, cmd->last4, cmd->code);
    s->customer_changed = true;
    if (k == NULL) {
        s->customer.pin_failures++;
        if (s->customer.pin_failures < d->cfg.code_attempts_max) {
            s->action = ACT_CARD_WRONG;
            return;
        }
        s->customer.pin_failures = 0;
        s->customer.locked_until_us = s->now_us + (int64_t)d->cfg.code_lock_s * 1000000;
        dialog_reply_only(s, TEXT_CODE_LOCKED_NOW);
        return;
    }
    s->customer.pin_failures = 0;
    if (alias_find(d, s->phone, cmd->keyword) == NULL &&
        aliases_of(d, s->phone, mine, DIALOG_ALIASES_PER_OWNER) >= DIALOG_ALIASES_PER_OWNER) {
        card_say(s, TEXT_CARD_TOO_MANY);
        return;
    }
    step_card(s, k, cmd->keyword);
    s->action = ACT_CARD_ADD;
    s->alias_changed = true;
    memset(&s->alias, 0, sizeof(s->alias));
    snprintf(s->alias.owner, sizeof(s->alias.owner), "%s", s->phone);
    snprintf(s->alias.alias, sizeof(s->alias.alias), "%.15s", cmd->keyword);
    s->alias.card_account = k->account_id;
    s->alias.active = true;
    s->alias.created_us = s->now_us;
}

void dialog_card_activate_decide(struct dialog *d, struct dialog_step *s, const struct card_row *k,
                                 const char *code)
{
    s->action = ACT_CARD_SAY;
    if (k == NULL) {
        s->text_id = TEXT_CARD_NOT_YOURS;
        return;
    }
    step_card(s, k, "");
    if (k->status == CARD_STATUS_ACTIVE) {
        s->text_id = TEXT_CARD_ACTIVE_ALREADY;
        return;
    }
    if (k->status != CARD_STATUS_INACTIVE || card_expired(k->exp_month, k->exp_year, s->now_us)) {
        s->text_id = TEXT_CARD_BLOCKED;
        return;
    }
    if (k->activation_failures >= d->cfg.code_attempts_max) {
        s->text_id = TEXT_CARD_ACTIVATION_LOCKED;
        return;
    }
    s->card_changed = true;
    s->card.updated_us = s->now_us;
    if (!vault_pin_verify(d->vault, k->token, code, k->activation_hash)) {
        s->card.activation_failures++;
        s->text_id = s->card.activation_failures >= d->cfg.code_attempts_max
                         ? TEXT_CARD_ACTIVATION_LOCKED
                         : TEXT_CARD_ACTIVATION_WRONG;
        return;
    }
    s->card.activation_failures = 0;
    s->card.status = CARD_STATUS_ACTIVE;
    s->card.activated_us = s->now_us;
    s->text_id = TEXT_CARD_ACTIVATED;
}

/* ACTIVER 4242 <activation code>, from the holder's phone (no wallet needed). Wrong codes count
 * on the card: past code_attempts_max, only customer service can help. */
static void decide_activate(struct dialog *d, struct dialog_step *s, const struct command *cmd)
{
    const struct card_row *k = card_of_holder(d, s->phone, cmd->last4);

    snprintf(s->card.last4, sizeof(s->card.last4), "%s", cmd->last4);
    if (k != NULL && dialog_card_busy(d, k)) {
        dialog_reply_only(s, TEXT_PAGE_BUSY);
        return;
    }
    dialog_card_activate_decide(d, s, k, cmd->code);
}

/* BLOQUER MAMAN: at once, whatever the card's state but expired. */
static void decide_block(struct dialog *d, struct dialog_step *s, const struct command *cmd)
{
    const struct card_alias_row *a = alias_find(d, s->phone, cmd->keyword);
    const struct card_row *k = a != NULL ? dialog_card_find(d, a->card_account) : NULL;

    snprintf(s->text_arg, sizeof(s->text_arg), "%s", cmd->keyword);
    if (k == NULL) {
        card_say(s, TEXT_CARD_ALIAS_UNKNOWN);
        return;
    }
    step_card(s, k, a->alias);
    card_say(s, TEXT_CARD_BLOCKED_NOW);
    if (k->status != CARD_STATUS_BLOCKED) {
        s->card_changed = true;
        s->card.status = CARD_STATUS_BLOCKED;
        s->card.updated_us = s->now_us;
    }
}

/* SOLDE MAMAN (a sender's alias), SOLDE CARTE / BAL CARD (the holder's own card); HISTO MAMAN,
 * HISTO CARTE the same way. */
static bool decide_balance(struct dialog *d, struct dialog_step *s, const struct command *cmd)
{
    const struct card_alias_row *a = alias_find(d, s->phone, cmd->keyword);
    const struct card_row *k = a != NULL ? dialog_card_find(d, a->card_account) : NULL;
    bool own = strcmp(cmd->keyword, "CARTE") == 0 || strcmp(cmd->keyword, "CARD") == 0;

    if (k == NULL && own) {
        k = card_of_holder(d, s->phone, NULL);
        if (k == NULL) {
            card_say(s, TEXT_CARD_NONE_HERE);
            return true;
        }
    }
    if (k == NULL) {
        return false;
    }
    step_card(s, k, a != NULL ? a->alias : "");
    /* HISTO MAMAN: the card's last movements, as HISTO gives a wallet's (issue 15). */
    s->action = cmd->type == CMD_HISTORY ? ACT_HISTORY : ACT_CARD_BALANCE;
    return true;
}

/* CARTES: the list is written now (the hook runs on the ledger thread and may not read the
 * dialog's memory), as many as one SMS holds. */
static void decide_list(struct dialog *d, struct dialog_step *s)
{
    const struct card_alias_row *mine[DIALOG_ALIASES_PER_OWNER];
    size_t n = aliases_of(d, s->phone, mine, DIALOG_ALIASES_PER_OWNER), len = 0;

    if (n == 0) {
        card_say(s, TEXT_CARDS_NONE);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct card_row *k = dialog_card_find(d, mine[i]->card_account);
        char item[STORE_CARD_ALIAS_MAX + 16];
        int w = snprintf(item, sizeof(item), "%s%s ****%s", i > 0 ? ", " : "", mine[i]->alias,
                         k != NULL ? k->last4 : "????");

        if (w < 0 || len + (size_t)w + 1 > sizeof(s->detail)) {
            break; /* the others do not fit one SMS */
        }
        memcpy(s->detail + len, item, (size_t)w + 1);
        len += (size_t)w;
    }
    card_say(s, TEXT_CARDS_LIST);
}

/* PIN CARTE (the holder's own card, from its phone), PIN MAMAN (a sender's alias): a link to the
 * card's PIN page; no wallet needed. */
static void decide_pin(struct dialog *d, struct dialog_step *s, const struct command *cmd)
{
    const struct card_alias_row *a = alias_find(d, s->phone, cmd->keyword);
    const struct card_row *k = a != NULL ? dialog_card_find(d, a->card_account) : NULL;
    bool own = strcmp(cmd->keyword, "CARTE") == 0 || strcmp(cmd->keyword, "CARD") == 0;

    snprintf(s->text_arg, sizeof(s->text_arg), "%s", cmd->keyword);
    if (k == NULL && own) {
        k = card_of_holder(d, s->phone, NULL);
        if (k == NULL) {
            card_say(s, TEXT_CARD_NONE_HERE);
            return;
        }
    }
    if (k == NULL) {
        card_say(s, TEXT_CARD_ALIAS_UNKNOWN);
        return;
    }
    dialog_card_pin_decide(d, s, k);
}

bool dialog_card_decide(struct dialog *d, struct dialog_step *s, struct cust *c,
                        const struct command *cmd)
{
    switch (cmd->type) {
    case CMD_CARD_PIN:
        decide_pin(d, s, cmd);
        return true;
    case CMD_ACTIVATE:
        decide_activate(d, s, cmd);
        return true;
    case CMD_BALANCE:
    case CMD_HISTORY:
        return cmd->keyword[0] != '\0' && decide_balance(d, s, cmd);
    default:
        break;
    }
    if (c == NULL || c->row.account_id == 0) {
        return false; /* the caller says how to join */
    }
    s->customer = c->row;
    switch (cmd->type) {
    case CMD_CARD_ADD:
        decide_add(d, s, c, cmd);
        return true;
    case CMD_CARDS:
        decide_list(d, s);
        return true;
    case CMD_BLOCK:
        decide_block(d, s, cmd);
        return true;
    case CMD_CARD_FORGET:
        dialog_card_file_forget(d, s);
        return true;
    case CMD_RELOAD:
        if (!c->row.has_pin) {
            dialog_reply_only(s, TEXT_CODE_NEEDED);
        } else {
            decide_reload(d, s, c, cmd);
        }
        return true;
    default:
        return false;
    }
}

bool dialog_card_prep(struct dialog *d, struct dialog_step *s, uint64_t account, const char *alias)
{
    const struct card_row *k = dialog_card_find(d, account);
    const struct cust *holder;

    if (k == NULL) {
        return false;
    }
    step_card(s, k, alias);
    holder = k->phone[0] != '\0' ? dialog_cust_find(d, k->phone) : NULL;
    s->payee_lang = holder != NULL ? (enum lang)holder->row.lang : d->cfg.lang;
    return dialog_card_loadable(d, k, s->now_us);
}

bool dialog_card_confirm_prep(struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    return dialog_card_prep(d, s, c->conv.payee_account, c->conv.payee);
}

/* The step's own id, from the load's: its outbox rows (the holder's receipt) derive from it. */
#define TAG_CARD_LOAD_STEP 0x900u

int dialog_card_load(struct dialog *d, uint64_t merchant_id, const char *token,
                     struct id128 load_id, int64_t amount_minor, int64_t now_us,
                     struct dialog_step **out, struct mdt_err *err)
{
    const struct card_row *k = dialog_card_by_token(d, token);
    const struct cust *holder;
    struct dialog_step *s;
    struct ledger_op *op;

    if (k == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no such card");
    }
    if (amount_minor <= 0) {
        return mdt_err_set(err, MDT_E(INVAL), "amount is a positive number of cents");
    }
    if (dialog_card_busy(d, k)) {
        return mdt_err_set(err, MDT_E(BUSY), "the card is being changed: try again");
    }
    if (!dialog_card_loadable(d, k, now_us)) {
        return mdt_err_set(err, MDT_E(RANGE), "the card is %s",
                           card_expired(k->exp_month, k->exp_year, now_us)
                               ? "expired"
                               : card_status_name(k->status));
    }
    s = dialog_step_derived(d, ACT_CARD_LOAD, id128_derive(load_id, TAG_CARD_LOAD_STEP),
                            d->cfg.lang, now_us);
    s->amount = amount_minor;
    s->card_load_min = d->cfg.card_reload_fee.min_amount;
    s->merchant_id = merchant_id;
    s->card = *k;
    holder = k->phone[0] != '\0' ? dialog_cust_find(d, k->phone) : NULL;
    s->payee_lang = holder != NULL ? (enum lang)holder->row.lang : d->cfg.lang;
    op = dialog_add_op(s);
    op->transfer.id = load_id;
    op->transfer.debit_account_id = merchant_id;
    op->transfer.credit_account_id = k->account_id;
    op->transfer.amount = amount_minor;
    op->transfer.kind = TRANSFER_CARD_LOAD;
    op->transfer.channel = CHANNEL_HTTP;
    op->transfer.fee_schedules[0] = d->cfg.card_reload_fee_schedule; /* the partner pays it */
    snprintf(op->transfer.ext_ref, sizeof(op->transfer.ext_ref), "%s", k->token);
    *out = s;
    return 0;
}
