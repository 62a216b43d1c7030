/* SPDX-License-Identifier: Apache-2.0 */
/* Posts on social networks (S-Money's "pay by tweet"): a public post to our account becomes an
 * order that the person confirms with their code on the wallet page, never in public. Social
 * accounts are tied to wallets through a link page (a one-time code by SMS proves the number);
 * payees are found by their linked handle, and money for a handle with no wallet is held like
 * money for a number with none. A post holding the author's own code locks that code. Posts
 * that are not commands get no answer; commands with errors get one short public reply that
 * reveals nothing of a wallet; everything else is answered in private. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/id128.h"
#include "base/mem.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/vault.h"

/* The link page and the one-time code. */
#define LINK_PAGE_S 1800
#define LINK_OTP_S 600
#define LINK_OTP_TRIES 5

/* Codes looked for in one post; a post is at most COMMAND_TEXT_MAX bytes. */
#define LEAK_CANDIDATES_MAX 16

/* ---- memory ---- */

static uint64_t address_key(const struct dialog *d, const char *address)
{
    uint8_t mac[SHA256_LEN];

    /* Keyed: handles are chosen by anyone, and an unkeyed hash could be made to collide. */
    vault_mac(d->vault, address, strlen(address), mac);
    return dialog_token_key(mac);
}

struct slink *dialog_link_find(struct dialog *d, const char *address)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->link_addrs, address_key(d, address), &pos); v != 0;
         v = index_find_next(&d->link_addrs, &pos)) {
        if (strcmp(d->links[v - 1].row.address, address) == 0) {
            return &d->links[v - 1];
        }
    }
    return NULL;
}

/* The network part of an address, with its colon ("m:" of "m:alice"); 0 when none. */
static size_t network_len(const char *address)
{
    const char *colon = strchr(address, ':');

    return colon != NULL ? (size_t)(colon - address) + 1 : 0;
}

static uint64_t user_key(const struct dialog *d, const char *address, const char *user_id)
{
    char buf[STORE_ADDR_MAX + STORE_PEER_ID_MAX];
    int n = snprintf(buf, sizeof(buf), "%.*s%s", (int)network_len(address), address, user_id);

    MDT_ASSERT(n > 0 && (size_t)n < sizeof(buf));
    return address_key(d, buf);
}

struct slink *dialog_link_find_user(struct dialog *d, const char *address, const char *user_id)
{
    struct index_pos pos;
    size_t net = network_len(address);

    if (user_id[0] == '\0') {
        return NULL;
    }
    for (uint32_t v = index_find(&d->link_users, user_key(d, address, user_id), &pos); v != 0;
         v = index_find_next(&d->link_users, &pos)) {
        const struct slink *k = &d->links[v - 1];

        if (strcmp(k->row.user_id, user_id) == 0 && strncmp(k->row.address, address, net) == 0 &&
            network_len(k->row.address) == net) {
            return &d->links[v - 1];
        }
    }
    return NULL;
}

/* Index link k under its row's address, user id and live token, in place of what it was indexed
 * under before (nothing, for a row wiped by link_forget). */
static void link_index(struct dialog *d, struct slink *k)
{
    uint32_t val = (uint32_t)(k - d->links) + 1;
    bool addr = k->row.address[0] != '\0', user = k->row.user_id[0] != '\0';

    /* Keys are MACs: computed only for what is indexed. */
    dialog_index_move(&d->link_addrs, &k->addr_key, addr ? address_key(d, k->row.address) : 0, addr,
                      val);
    dialog_index_move(&d->link_users, &k->user_key,
                      user ? user_key(d, k->row.address, k->row.user_id) : 0, user, val);
    dialog_index_move(&d->link_tokens, &k->token_key, dialog_token_key(k->row.token_hash),
                      k->row.token_expires_us != 0, val);
}

/* Drop a link whose handle another account now holds (the store replaced its row). */
static void link_forget(struct dialog *d, struct slink *k)
{
    vault_wipe(&k->row, sizeof(k->row)); /* no address or user id: no lookup finds it */
    k->busy = false;
    link_index(d, k);
}

void dialog_link_apply(struct dialog *d, const struct social_link_row *r)
{
    struct slink *k = dialog_link_find(d, r->address);
    struct slink *same = dialog_link_find_user(d, r->address, r->user_id);

    if (same != NULL && same != k) {
        /* The account renamed itself: its link moves to the new handle (the store deleted the
         * old row), and a row another account left under that handle goes. */
        if (k != NULL) {
            link_forget(d, k);
        }
        k = same;
    }
    if (k == NULL) {
        if (d->link_count >= DIALOG_LINKS_MAX) {
            return;
        }
        mem_grow((void **)&d->links, &d->link_cap, d->link_count + 1, sizeof(*d->links));
        k = &d->links[d->link_count++];
        memset(k, 0, sizeof(*k));
    }
    k->row = *r;
    link_index(d, k);
}

void dialog_order_index(struct dialog *d, struct cust *c)
{
    static const uint8_t zero[SHA256_LEN];

    dialog_index_move(&d->order_tokens, &c->order_key, dialog_token_key(c->conv.token_hash),
                      c->has_conv && memcmp(c->conv.token_hash, zero, sizeof(zero)) != 0,
                      (uint32_t)(c - d->custs) + 1);
}

void dialog_social_free_all(struct dialog *d)
{
    for (size_t i = 0; i < d->link_count; i++) {
        vault_wipe(&d->links[i].row, sizeof(d->links[i].row));
    }
    free(d->links);
}

struct cust *dialog_payee_cust(struct dialog *d, const char *payee)
{
    struct cust *c;

    if (strchr(payee, ':') != NULL) {
        const struct slink *k = dialog_link_find(d, payee);

        if (k == NULL || k->row.phone[0] == '\0') {
            return NULL;
        }
        payee = k->row.phone;
    }
    c = dialog_cust_find(d, payee);
    return c != NULL && c->row.account_id != 0 ? c : NULL;
}

void dialog_payee_show(const char *payee, char *out, size_t cap)
{
    const char *colon = strchr(payee, ':');

    if (colon != NULL) {
        snprintf(out, cap, "@%s", colon + 1);
    } else if (payee[0] == '+') {
        phone_mask(payee, out, cap);
    } else {
        snprintf(out, cap, "%s", payee); /* a charity's name */
    }
}

/* ---- posts ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Six digits standing alone ("123456", "123 456", "12-34-56"), as a person would post a code:
 * at most LEAK_CANDIDATES_MAX of them into out. Digits inside a longer number are not a code.
 * Returns how many. */
static size_t code_candidates(const char *t, size_t len, char out[][COMMAND_CODE_DIGITS + 1])
{
    size_t n = 0;

    for (size_t i = 0; i < len && n < LEAK_CANDIDATES_MAX; i++) {
        char digits[COMMAND_CODE_DIGITS + 1];
        size_t got = 0, j = i;

        if (!is_digit(t[i]) || (i > 0 && is_digit(t[i - 1]))) {
            continue;
        }
        while (j < len && got < COMMAND_CODE_DIGITS) {
            if (is_digit(t[j])) {
                digits[got++] = t[j++];
            } else if ((t[j] == ' ' || t[j] == '-' || t[j] == '.') && j + 1 < len &&
                       is_digit(t[j + 1]) && got > 0) {
                j++;
            } else {
                break;
            }
        }
        if (got == COMMAND_CODE_DIGITS && (j >= len || !is_digit(t[j]))) {
            digits[got] = '\0';
            memcpy(out[n++], digits, sizeof(digits));
        }
        vault_wipe(digits, sizeof(digits));
    }
    return n;
}

/* Whether the post holds c's own code. Cost: one keyed hash per candidate. */
static bool post_leaks_code(struct dialog *d, const struct cust *c, const char *t, size_t len)
{
    char cand[LEAK_CANDIDATES_MAX][COMMAND_CODE_DIGITS + 1];
    size_t n;
    bool leak = false;

    if (c == NULL || !c->row.has_pin) {
        return false;
    }
    n = code_candidates(t, len, cand);
    for (size_t i = 0; i < n && !leak; i++) {
        leak = vault_pin_verify(d->vault, c->row.phone, cand[i], c->row.pin_hash);
    }
    vault_wipe(cand, sizeof(cand));
    return leak;
}

/* The stored copy of a post never keeps anything that may be a code (DESIGN.md). */
static void redact_codes(char *t)
{
    size_t len = strlen(t);
    char cand[LEAK_CANDIDATES_MAX][COMMAND_CODE_DIGITS + 1];
    size_t n = code_candidates(t, len, cand);

    vault_wipe(cand, sizeof(cand));
    if (n == 0) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (is_digit(t[i])) {
            t[i] = '*';
        }
    }
}

/* The payee of "@bob" as a post by address names it: on the author's network, "m:bob". */
static void payee_address(const char *author, const char *handle, char *out, size_t cap)
{
    const char *colon = strchr(author, ':');
    size_t net = colon != NULL ? (size_t)(colon - author) : 0;
    char lower[COMMAND_HANDLE_MAX + 1];
    size_t i;

    for (i = 0; handle[i] != '\0' && i < COMMAND_HANDLE_MAX; i++) {
        char ch = handle[i];

        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    lower[i] = '\0';
    snprintf(out, cap, "%.*s:%s", (int)net, author, lower);
}

/* The platform id of the handle a post names as payee, from the post's mentions; "" when the
 * post does not mention it (then it is found by handle). */
static void payee_id_find(const struct dialog_message *m, const char *handle, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; handle[0] != '\0' && i < m->n_mentions; i++) {
        if (strcasecmp(m->mentions[i].handle, handle) == 0) {
            snprintf(out, cap, "%s", m->mentions[i].id);
            return;
        }
    }
}

/* The link a payee's handle leads to, by the platform id the post gives for it:
 *   - an account that renamed since it last posted is found under its old handle: its link
 *     moves to the handle the post names, in this step, and its wallet is the payee's;
 *   - a link under the handle that belongs to another id is its former holder's: it moves
 *     aside to "<net>:#<id>" in this step (where its owner's next post finds and renames it),
 *     so that the handle, and money held for it, go to the account the network names.
 * A link busy with a step of its own, or a step that moves the author's link already, keeps
 * the link where it is: the payee is then its old handle, or nobody. */
static void payee_by_id(struct dialog *d, struct dialog_step *s)
{
    struct slink *by_id, *by_name;

    if (s->payee_id[0] == '\0') {
        return;
    }
    by_id = dialog_link_find_user(d, s->payee, s->payee_id);
    by_name = dialog_link_find(d, s->payee);
    if (by_id != NULL && by_id != by_name) {
        if (by_id->busy || s->link_changed || by_name != NULL) {
            snprintf(s->payee, sizeof(s->payee), "%s", by_id->row.address);
            return;
        }
        s->link = by_id->row;
        snprintf(s->link.address, sizeof(s->link.address), "%s", s->payee);
        s->link_changed = true;
        snprintf(s->payee_phone, sizeof(s->payee_phone), "%s", by_id->row.phone);
        by_id->busy = true;
        return;
    }
    if (by_id == NULL && by_name != NULL && by_name->row.user_id[0] != '\0') {
        size_t net = network_len(by_name->row.address);

        s->payee_unlinked = true; /* whatever happens to the link below, not its wallet */
        if (by_name->busy || s->link_changed || net == 0) {
            return;
        }
        s->link = by_name->row;
        snprintf(s->link.address, sizeof(s->link.address), "%.*s#%s", (int)net,
                 by_name->row.address, by_name->row.user_id);
        s->link_changed = true;
        by_name->busy = true;
    }
}

struct cust *dialog_step_payee_cust(struct dialog *d, const struct dialog_step *s)
{
    struct cust *c;

    if (s->payee_unlinked) {
        return NULL;
    }
    if (s->payee_phone[0] == '\0') {
        return dialog_payee_cust(d, s->payee);
    }
    c = dialog_cust_find(d, s->payee_phone); /* a renamed payee's, its link not moved yet */
    return c != NULL && c->row.account_id != 0 ? c : NULL;
}

/* A new link page for the step's account. */
static void link_page(struct dialog *d, struct dialog_step *s, const struct slink *k)
{
    if (k != NULL) {
        if (!s->link_changed) {
            s->link = k->row; /* else the row of a rename, decided already */
        }
    } else {
        memset(&s->link, 0, sizeof(s->link));
        snprintf(s->link.address, sizeof(s->link.address), "%s", s->address);
        s->link.created_us = s->now_us;
    }
    snprintf(s->link.user_id, sizeof(s->link.user_id), "%s", s->address_id);
    s->link.lang = (uint16_t)s->lang;
    if (vault_token_new(d->vault, s->token, s->link.token_hash) < 0) {
        s->action = ACT_IGNORE; /* no random bytes: the person may post again */
        return;
    }
    s->link.token_expires_us = s->now_us + (int64_t)LINK_PAGE_S * 1000000;
    s->link_changed = true;
    s->action = ACT_LINK;
}

/* The author posted their own code: it stops working now (the hash is cleared, so no one can
 * use it, not even after a lock), any order waiting for it is voided, and a link to choose a
 * new one goes out in private. */
static void decide_leak(struct dialog *d, struct dialog_step *s, struct cust *c)
{
    struct ledger_op *op;

    s->action = ACT_LEAK;
    s->customer = c->row;
    s->customer_changed = true;
    s->customer.has_pin = false;
    vault_wipe(s->customer.pin_hash, sizeof(s->customer.pin_hash));
    s->customer.code_reset_us = 0; /* nothing left to reset; a lock stays until its end */
    dialog_enrol_link(s);
    op = dialog_order_void(s, c);
    if (op != NULL) {
        op->transfer.channel = CHANNEL_SOCIAL;
    }
    (void)d;
}

/* A payment or donation post: the order is held as by SMS, and confirmed on its page. */
static void decide_post_order(struct dialog *d, struct dialog_step *s, struct cust *c,
                              const struct command *cmd)
{
    if (cmd->type == CMD_SEND && cmd->payee_handle[0] != '\0') {
        payee_address(s->address, cmd->payee_handle, s->payee, sizeof(s->payee));
        payee_by_id(d, s);
        if (strcmp(s->payee, s->address) == 0) {
            s->reply_public = true;
            dialog_reply_only(s, TEXT_PAYEE_SELF);
            return;
        }
    }
    dialog_decide_order(d, s, c, cmd);
    if (s->action != ACT_ORDER) {
        return;
    }
    snprintf(s->conversation.origin, sizeof(s->conversation.origin), "%s", s->address);
    snprintf(s->conversation.origin_user, sizeof(s->conversation.origin_user), "%s", s->address_id);
    snprintf(s->conversation.origin_post, sizeof(s->conversation.origin_post), "%s", s->post_id);
    if (vault_token_new(d->vault, s->token, s->conversation.token_hash) < 0) {
        memset(s->conversation.token_hash, 0, sizeof(s->conversation.token_hash));
        s->token[0] = '\0';
    }
}

static void decide_post(struct dialog *d, struct dialog_step *s, struct cust *c,
                        const struct slink *k, const struct command *cmd)
{
    bool linked = c != NULL && c->row.account_id != 0;

    switch (cmd->type) {
    case CMD_NONE:
    case CMD_STOP:
        s->action = ACT_IGNORE; /* not a command: no reply spam */
        return;
    case CMD_CODE:
    case CMD_CONFIRM:
        dialog_reply_only(s, TEXT_SOCIAL_NO_CODE);
        return;
    default:
        break;
    }
    if (cmd->hint != HINT_NONE) {
        s->action = ACT_REPLY;
        s->reply_kind = 1;
        s->hint = (int)cmd->hint;
        s->reply_public = true;
        return;
    }
    if (cmd->type == CMD_JOIN) {
        if (linked) {
            char masked[PHONE_MASK_MAX];

            phone_mask(c->row.phone, masked, sizeof(masked));
            snprintf(s->text_arg, sizeof(s->text_arg), "%s", masked);
            dialog_reply_only(s, TEXT_SOCIAL_ALREADY_LINKED);
            return;
        }
        link_page(d, s, k);
        return;
    }
    if (cmd->type == CMD_HELP) {
        dialog_reply_only(s, TEXT_SOCIAL_HELP);
        return;
    }
    if (!linked) {
        s->reply_public = true;
        dialog_reply_only(s, TEXT_SOCIAL_NOT_LINKED);
        return;
    }
    s->customer = c->row;
    if ((cmd->type == CMD_SEND || cmd->type == CMD_DONATE) && c->row.has_pin) {
        if (c->has_conv) {
            dialog_reply_only(s, TEXT_ORDER_WAITING);
            return;
        }
        decide_post_order(d, s, c, cmd);
        return;
    }
    dialog_decide_customer(d, s, c, cmd, s->now_us);
}

/* The author's link: found by their platform id first, so that it follows a rename (the step
 * then moves the row to the new handle); a link under this handle that belongs to another id
 * is someone who left the handle, never this author's (*stale, which the step replaces if it
 * writes a link). */
static struct slink *author_link(struct dialog *d, struct dialog_step *s, struct slink **stale)
{
    struct slink *by_id = dialog_link_find_user(d, s->address, s->address_id);
    struct slink *by_name = dialog_link_find(d, s->address);

    *stale = NULL;
    if (by_id != NULL) {
        if (strcmp(by_id->row.address, s->address) != 0) {
            s->link = by_id->row;
            snprintf(s->link.address, sizeof(s->link.address), "%s", s->address);
            s->link_changed = true;
            *stale = by_name;
        }
        return by_id;
    }
    if (by_name != NULL && by_name->row.user_id[0] != '\0' && s->address_id[0] != '\0' &&
        strcmp(by_name->row.user_id, s->address_id) != 0) {
        *stale = by_name;
        return NULL;
    }
    return by_name;
}

int dialog_social_receive(struct dialog *d, const struct dialog_message *m, int64_t now_us,
                          struct dialog_step **out)
{
    struct dialog_step *s;
    struct command cmd;
    struct slink *k, *stale;
    struct cust *c = NULL;

    command_parse(m->text, m->len, d->cfg.country, d->cfg.currency, &cmd);
    vault_wipe(cmd.code, sizeof(cmd.code)); /* a code in a post is never used, only detected */
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return MDT_E(NOMEM);
    }
    s->d = d;
    s->now_us = now_us;
    s->inbox_id = dialog_message_id(d, m, now_us); /* the post's id: stable */
    if (dialog_seen(d, s->inbox_id)) {
        free(s);
        return MDT_E(EXISTS);
    }
    snprintf(s->address, sizeof(s->address), "%s", m->source);
    snprintf(s->address_id, sizeof(s->address_id), "%s", m->source_id);
    snprintf(s->post_id, sizeof(s->post_id), "%s", m->peer_id);
    payee_id_find(m, cmd.payee_handle, s->payee_id, sizeof(s->payee_id));
    k = author_link(d, s, &stale);
    if ((k != NULL && k->busy) || (stale != NULL && stale->busy)) {
        free(s);
        return MDT_E(BUSY);
    }
    if (k != NULL && k->row.phone[0] != '\0') {
        snprintf(s->phone, sizeof(s->phone), "%s", k->row.phone);
        c = dialog_cust_find(d, s->phone);
        if (c != NULL && c->busy) {
            free(s);
            return MDT_E(BUSY);
        }
    } else {
        snprintf(s->phone, sizeof(s->phone), "%s", s->address); /* no wallet: never matches one */
    }
    /* A post is answered in the language it was written in, else the person's. */
    if (cmd.lang_known) {
        s->lang = cmd.lang;
    } else if (c != NULL) {
        s->lang = (enum lang)c->row.lang;
    } else {
        s->lang = k != NULL ? (enum lang)k->row.lang : d->cfg.lang;
    }
    dialog_fill_inbox(s, m, now_us);
    snprintf(s->rows[0].u.inbox.source, sizeof(s->rows[0].u.inbox.source), "%s", s->address);
    redact_codes(s->rows[0].u.inbox.text);
    if (post_leaks_code(d, c, m->text, m->len)) {
        decide_leak(d, s, c);
    } else {
        decide_post(d, s, c, k, &cmd);
    }
    if (c != NULL) {
        c->busy = true;
    }
    if (k != NULL) {
        k->busy = true;
    }
    if (stale != NULL) {
        stale->busy = true;
    }
    *out = s;
    return 0;
}

/* ---- the link page ---- */

static struct slink *link_by_token(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                                   int64_t now_us)
{
    uint32_t at = dialog_token_find(&d->link_tokens, d->links, sizeof(*d->links),
                                    offsetof(struct slink, row.token_hash), token_hash);

    if (at == 0 || d->links[at - 1].row.token_expires_us <= now_us) {
        return NULL;
    }
    return &d->links[at - 1];
}

/* The link a page step works on (*k), free for that step, and the language of its notes (*lang).
 * Returns 0, or -MDT_ENOTFOUND / -MDT_EBUSY with err's note. */
static int link_for_step(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us,
                         struct slink **k, enum lang *lang, struct mdt_err *err)
{
    *k = link_by_token(d, token_hash, now_us);
    if (*k == NULL) {
        return dialog_page_err(err, MDT_E(NOTFOUND), LANG_FR, TEXT_PAGE_LINK_GONE);
    }
    *lang = (enum lang)(*k)->row.lang;
    if ((*k)->busy) {
        return dialog_page_err(err, MDT_E(BUSY), *lang, TEXT_PAGE_BUSY);
    }
    return 0;
}

bool dialog_has_wallet(struct dialog *d, const char *e164)
{
    const struct cust *c = dialog_cust_find(d, e164);

    return c != NULL && c->row.account_id != 0 && c->row.has_pin;
}

const struct social_link_row *dialog_link_get(struct dialog *d,
                                              const uint8_t token_hash[SHA256_LEN], int64_t now_us,
                                              bool *has_wallet)
{
    const struct slink *k = link_by_token(d, token_hash, now_us);
    const struct cust *c;

    if (k == NULL) {
        return NULL;
    }
    c = k->row.otp_phone[0] != '\0' ? dialog_cust_find(d, k->row.otp_phone) : NULL;
    *has_wallet = c != NULL && c->row.account_id != 0 && c->row.has_pin;
    return &k->row;
}

/* A step of the link page, for k's account. */
static struct dialog_step *link_step(struct dialog *d, struct slink *k, int64_t now_us)
{
    struct dialog_step *s = dialog_step_new_api(d, now_us);

    if (s == NULL) {
        return NULL;
    }
    s->lang = (enum lang)k->row.lang;
    s->link = k->row;
    s->link_changed = true;
    snprintf(s->address, sizeof(s->address), "%s", k->row.address);
    snprintf(s->address_id, sizeof(s->address_id), "%s", k->row.user_id);
    return s;
}

static void otp_hash(const struct dialog *d, const struct social_link_row *r, const char *otp,
                     uint8_t out[SHA256_LEN])
{
    char buf[STORE_ADDR_MAX * 2 + 16];
    int n = snprintf(buf, sizeof(buf), "otp|%s|%s|%s", r->address, r->otp_phone, otp);

    MDT_ASSERT(n > 0 && (size_t)n < sizeof(buf));
    vault_mac(d->vault, buf, (size_t)n, out);
    vault_wipe(buf, sizeof(buf));
}

int dialog_link_phone_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *phone,
                          int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    enum lang lang = LANG_FR;
    struct slink *k = NULL;
    int rc = link_for_step(d, token_hash, now_us, &k, &lang, err);
    char e164[PHONE_E164_MAX];
    struct mdt_err perr = {0};
    struct dialog_step *s;
    struct id128 rnd;

    if (rc < 0) {
        return rc;
    }
    if (phone_normalize(phone, d->cfg.country, e164, &perr) < 0) {
        /* phone_normalize speaks English only; its precise message serves English pages. */
        return lang == LANG_FR ? dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_PHONE_BAD,
                                                 phone_example(d->cfg.country))
                               : mdt_err_set(err, MDT_E(INVAL), "%s", perr.msg);
    }
    s = link_step(d, k, now_us);
    if (s == NULL || id128_random(&rnd) < 0) {
        free(s);
        return dialog_page_err(err, MDT_E(IO), lang, TEXT_PAGE_NO_RANDOM);
    }
    /* 64 random bits modulo 10^6: the bias is below 10^-13. */
    snprintf(s->otp, sizeof(s->otp), "%06u", (unsigned)(rnd.lo % 1000000u));
    vault_wipe(&rnd, sizeof(rnd));
    snprintf(s->phone, sizeof(s->phone), "%s", e164);
    snprintf(s->link.otp_phone, sizeof(s->link.otp_phone), "%s", e164);
    otp_hash(d, &s->link, s->otp, s->link.otp_hash);
    s->link.otp_expires_us = now_us + (int64_t)LINK_OTP_S * 1000000;
    s->link.otp_attempts = 0;
    s->action = ACT_LINK_OTP;
    k->busy = true;
    *out = s;
    return 0;
}

/* What a page says is left after a wrong code (0 once locked). */
static unsigned tries_left(uint32_t used, uint32_t max)
{
    return used < max ? (unsigned)(max - used) : 0u;
}

/* The one-time code was wrong: count it; at the last try the page's link stops working. */
static void link_wrong(struct dialog_step *s, uint32_t max)
{
    s->action = ACT_LINK_WRONG;
    s->link.otp_attempts++;
    s->outcome = OUTCOME_WRONG_CODE;
    if (s->link.otp_attempts >= max) {
        memset(s->link.token_hash, 0, sizeof(s->link.token_hash));
        s->link.token_expires_us = 0;
        memset(s->link.otp_hash, 0, sizeof(s->link.otp_hash));
        s->outcome = OUTCOME_LOCKED;
    }
}

/* The wallet's code on the link page for an existing wallet: the rules of a code by SMS. */
static bool link_code_ok(struct dialog *d, struct dialog_step *s, const struct cust *c,
                         const char *code)
{
    s->customer = c->row;
    if (c->row.locked_until_us > s->now_us) {
        s->outcome = OUTCOME_LOCKED;
        s->action = ACT_LINK_WRONG;
        return false;
    }
    if (vault_pin_verify(d->vault, c->row.phone, code, c->row.pin_hash)) {
        s->customer.pin_failures = 0;
        s->customer_changed = c->row.pin_failures != 0;
        return true;
    }
    s->customer_changed = true;
    s->customer.pin_failures++;
    s->action = ACT_LINK_WRONG;
    s->outcome = OUTCOME_WRONG_CODE;
    if (s->customer.pin_failures >= d->cfg.code_attempts_max) {
        s->customer.pin_failures = 0;
        s->customer.locked_until_us = s->now_us + (int64_t)d->cfg.code_lock_s * 1000000;
        s->outcome = OUTCOME_LOCKED;
    }
    return false;
}

int dialog_link_finish_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *otp,
                           const char *code, bool show_name, int64_t now_us,
                           struct dialog_step **out, struct mdt_err *err)
{
    enum lang lang = LANG_FR;
    struct slink *k = NULL;
    int rc = link_for_step(d, token_hash, now_us, &k, &lang, err);
    struct dialog_step *s;
    struct cust *c;
    uint8_t h[SHA256_LEN];
    bool wallet;

    if (rc < 0) {
        return rc;
    }
    if (k->row.otp_phone[0] == '\0' || k->row.otp_expires_us == 0) {
        return dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_PHONE_FIRST);
    }
    if (k->row.otp_expires_us <= now_us) {
        return dialog_page_err(err, MDT_E(RANGE), lang, TEXT_PAGE_OTP_EXPIRED);
    }
    c = dialog_cust_find(d, k->row.otp_phone);
    if (c != NULL && c->busy) {
        return dialog_page_err(err, MDT_E(BUSY), lang, TEXT_PAGE_BUSY);
    }
    wallet = c != NULL && c->row.account_id != 0 && c->row.has_pin;
    if (!wallet) {
        enum pin_weakness w = vault_pin_weakness(code, k->row.otp_phone);

        if (w != PIN_OK) {
            return mdt_err_set(err, MDT_E(INVAL), "%s",
                               vault_pin_weakness_text(w, k->row.lang == LANG_FR));
        }
    }
    s = link_step(d, k, now_us);
    if (s == NULL) {
        return dialog_page_err(err, MDT_E(IO), lang, TEXT_PAGE_NO_RANDOM);
    }
    snprintf(s->phone, sizeof(s->phone), "%s", k->row.otp_phone);
    otp_hash(d, &k->row, otp, h);
    if (!vault_hash_equal(h, k->row.otp_hash)) {
        link_wrong(s, LINK_OTP_TRIES);
        dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_WRONG_OTP,
                        tries_left(s->link.otp_attempts, LINK_OTP_TRIES));
    } else if (wallet && !link_code_ok(d, s, c, code)) {
        s->link_changed = false;
        dialog_page_err(err, MDT_E(INVAL), lang, TEXT_PAGE_WRONG_CODE,
                        tries_left(s->customer.pin_failures, d->cfg.code_attempts_max));
    } else {
        s->action = ACT_LINK_DONE;
        s->outcome = OUTCOME_DONE;
        snprintf(s->link.phone, sizeof(s->link.phone), "%s", k->row.otp_phone);
        s->link.linked_us = now_us;
        s->link.show_name = show_name;
        memset(s->link.token_hash, 0, sizeof(s->link.token_hash)); /* single use */
        s->link.token_expires_us = 0;
        memset(s->link.otp_hash, 0, sizeof(s->link.otp_hash));
        s->link.otp_expires_us = 0;
        if (c != NULL && c->row.account_id != 0 && !c->row.has_pin) {
            s->customer = c->row; /* a wallet waiting for its code: this one */
        }
        if (!wallet) {
            if (c == NULL || c->row.account_id == 0) {
                struct ledger_op *op = dialog_add_op(s);

                op->type = LEDGER_OP_ACCOUNT_OPEN;
                op->account.kind = ACCOUNT_WALLET;
                snprintf(op->account.currency, sizeof(op->account.currency), "%s",
                         d->cfg.currency->code);
                memset(&s->customer, 0, sizeof(s->customer));
                snprintf(s->customer.phone, sizeof(s->customer.phone), "%s", s->phone);
                s->customer.lang = (uint16_t)s->lang;
                if (c == NULL) {
                    c = dialog_cust_add(d, s->phone); /* account 0 until the wallet is open */
                    c->row.lang = (uint16_t)s->lang;
                }
            }
            /* Only where there is no code (a new wallet, or one whose code was cleared): the
             * lock and its counter stay, and the enrolment link dies with the new code. */
            dialog_code_store(d, s, code);
            s->customer_changed = true;
        }
    }
    vault_wipe(h, sizeof(h));
    k->busy = true;
    if (c != NULL) {
        c->busy = true;
    }
    *out = s;
    return 0;
}

/* ---- orders from posts, confirmed on their page ---- */

static struct cust *order_by_token(struct dialog *d, const uint8_t token_hash[SHA256_LEN])
{
    uint32_t at = dialog_token_find(&d->order_tokens, d->custs, sizeof(*d->custs),
                                    offsetof(struct cust, conv.token_hash), token_hash);

    if (at == 0 || !d->custs[at - 1].has_conv) {
        return NULL;
    }
    return &d->custs[at - 1];
}

int dialog_order_get(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us,
                     struct order_view *out)
{
    const struct cust *c = order_by_token(d, token_hash);

    if (c == NULL || c->conv.expires_us <= now_us) {
        return MDT_E(NOTFOUND);
    }
    memset(out, 0, sizeof(*out));
    snprintf(out->payer_address, sizeof(out->payer_address), "%s", c->conv.origin);
    dialog_payee_show(c->conv.payee, out->payee, sizeof(out->payee));
    out->amount_minor = c->conv.amount_minor;
    snprintf(out->ref, sizeof(out->ref), "%s", c->conv.ref);
    out->expires_us = c->conv.expires_us;
    out->donation = c->conv.kind == TRANSFER_DONATION;
    out->lang = (enum lang)c->row.lang;
    return 0;
}

int dialog_order_confirm_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                             const char *code, int64_t now_us, struct dialog_step **out,
                             struct mdt_err *err)
{
    struct cust *c = order_by_token(d, token_hash);
    struct dialog_step *s;

    enum lang lang;

    if (c == NULL) {
        return dialog_page_err(err, MDT_E(NOTFOUND), LANG_FR, TEXT_PAGE_ORDER_GONE);
    }
    lang = (enum lang)c->row.lang;
    if (c->busy) {
        return dialog_page_err(err, MDT_E(BUSY), lang, TEXT_PAGE_BUSY);
    }
    s = dialog_step_new_api(d, now_us);
    if (s == NULL) {
        return dialog_page_err(err, MDT_E(IO), lang, TEXT_PAGE_NO_RANDOM);
    }
    snprintf(s->phone, sizeof(s->phone), "%s", c->row.phone);
    snprintf(s->address, sizeof(s->address), "%s", c->conv.origin);
    snprintf(s->address_id, sizeof(s->address_id), "%s", c->conv.origin_user);
    snprintf(s->post_id, sizeof(s->post_id), "%s", c->conv.origin_post);
    s->lang = (enum lang)c->row.lang;
    s->customer = c->row;
    {
        const struct slink *k = dialog_link_find(d, c->conv.origin);

        if (k != NULL && k->row.show_name) {
            dialog_payee_show(k->row.address, s->donor, sizeof(s->donor));
        }
    }
    if (c->conv.expires_us <= now_us) {
        s->outcome = OUTCOME_EXPIRED;
    }
    dialog_decide_confirm(d, s, c, code, now_us);
    switch (s->action) {
    case ACT_WRONG_CODE:
        s->outcome = OUTCOME_WRONG_CODE;
        break;
    case ACT_LOCK:
        s->outcome = OUTCOME_LOCKED;
        break;
    case ACT_REPLY: /* locked for now, or payments suspended by a code reset */
        s->outcome = s->outcome == OUTCOME_SUSPENDED ? OUTCOME_SUSPENDED : OUTCOME_LOCKED;
        break;
    default:
        break;
    }
    c->busy = true;
    *out = s;
    return 0;
}

/* ---- replies (hook, ledger thread) ---- */

void dialog_social_hook(struct dialog_step *s, const struct ledger_result *r, size_t n,
                        struct store_extra *rows, size_t *count, size_t cap)
{
    char link[STORE_URL_MAX + 48], who[STORE_ADDR_MAX], how_long[DIALOG_DURATION_MAX];

    dialog_payee_show(s->address, who, sizeof(who));
    switch (s->action) {
    case ACT_LINK:
        snprintf(link, sizeof(link), "%s/link/%s", s->d->cfg.link_base, s->token);
        dialog_duration_format(LINK_PAGE_S, s->lang, how_long);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_LINK, who, how_long, link);
        vault_wipe(link, sizeof(link));
        break;
    case ACT_LINK_OTP:
        dialog_duration_format(LINK_OTP_S, s->lang, how_long);
        dialog_reply(s, rows, count, cap, s->phone, s->lang, TEXT_SOCIAL_OTP, s->otp, who,
                     how_long);
        break;
    case ACT_LINK_DONE:
        if (n > 0 && r[0].reason != LEDGER_OK) {
            s->link_changed = false;
            s->customer_changed = false;
            s->outcome = OUTCOME_REFUSED;
            break;
        }
        if (n > 0) {
            s->customer.account_id = r[0].account_id;
            s->customer.created_us = s->now_us;
        }
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_LINKED, who);
        dialog_reply(s, rows, count, cap, s->phone, s->lang, TEXT_SOCIAL_LINK_NOTICE, who);
        break;
    case ACT_LEAK:
        snprintf(link, sizeof(link), "%s/enrol/%s", s->d->cfg.link_base, s->token);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_SOCIAL_LEAK, link);
        vault_wipe(link, sizeof(link));
        break;
    default: /* ACT_LINK_WRONG: the page says it */
        break;
    }
}
