/* SPDX-License-Identifier: Apache-2.0 */
/* The code is knowledge (DESIGN.md, "Security and privacy"; PSD2 RTS art. 4 and 22): it is set
 * once, changed only with the current code, and never reset by possession of the phone alone. A
 * forgotten code starts a reset that is announced by SMS, stops payments from the wallet for a
 * cooling-off delay, and only then clears the code; an operator may complete it early after
 * checking the person's identity, or withdraw it. Wrong current codes count towards the same
 * lock as wrong confirmation codes, and nothing here ever lifts a lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/log.h"
#include "base/mem.h"
#include "dialog/dialog_int.h"
#include "vault/vault.h"

static int64_t reset_delay_us(const struct dialog *d)
{
    return (int64_t)(d->cfg.code_reset_s != 0 ? d->cfg.code_reset_s : 86400) * 1000000;
}

/* The reset has passed its delay but its work step has not cleared the code yet: the code
 * already counts as gone. */
static bool reset_due(const struct cust *c, int64_t now_us)
{
    return c->row.code_reset_us != 0 && c->row.code_reset_us <= now_us;
}

static bool has_code(const struct cust *c, int64_t now_us)
{
    return c->row.has_pin && !reset_due(c, now_us);
}

struct ledger_op *dialog_order_void(struct dialog_step *s, const struct cust *c)
{
    struct ledger_op *op;

    if (!c->has_conv || c->conv.kind == TRANSFER_PAYMENT) {
        return NULL;
    }
    op = dialog_add_op(s);
    op->transfer.flags = TRANSFER_VOID_PENDING;
    op->transfer.link_id = c->conv.order_id;
    s->conversation = c->conv;
    s->conversation.active = false;
    s->conversation_changed = true;
    return op;
}

/* A wrong current code: the confirmation's counter and lock (PSD2 RTS art. 4). */
static void wrong_code(struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    s->customer = c->row;
    s->customer_changed = true;
    s->customer.pin_failures++;
    if (s->customer.pin_failures < d->cfg.code_attempts_max) {
        s->action = ACT_CODE_BAD;
        return;
    }
    s->action = ACT_CODE_LOCK;
    s->customer.pin_failures = 0;
    s->customer.locked_until_us = s->now_us + (int64_t)d->cfg.code_lock_s * 1000000;
    dialog_order_void(s, c);
}

/* The current code is checked: false (and the step decided) when it is locked or wrong. */
static bool current_code_ok(struct dialog *d, struct dialog_step *s, const struct cust *c,
                            const char *code)
{
    if (c->row.locked_until_us > s->now_us) {
        s->action = ACT_REPLY;
        s->reply_kind = 0;
        s->text_id = TEXT_CODE_LOCKED_LEFT;
        return false;
    }
    if (!vault_pin_verify(d->vault, c->row.phone, code, c->row.pin_hash)) {
        wrong_code(d, s, c);
        return false;
    }
    return true;
}

void dialog_code_store(struct dialog *d, struct dialog_step *s, const char *code)
{
    s->customer.has_pin = true;
    s->customer.code_reset_us = 0;
    memset(s->customer.enrol_hash, 0, sizeof(s->customer.enrol_hash));
    s->customer.enrol_expires_us = 0;
    MDT_ASSERT(vault_pin_hash(d->vault, s->phone, code, s->customer.pin_hash) == 0);
}

static bool weak(struct dialog_step *s, const char *code)
{
    enum pin_weakness w = vault_pin_weakness(code, s->phone);

    if (w == PIN_OK) {
        return false;
    }
    s->action = ACT_REPLY;
    s->reply_kind = 2;
    s->weakness = (int)w;
    return true;
}

/* CODE nnnnnn: only when there is no code (never set, or cleared by a reset or a leak). */
static void decide_set(struct dialog *d, struct dialog_step *s, const struct cust *c,
                       const char *code)
{
    if (has_code(c, s->now_us)) {
        dialog_reply_only(s,
                          c->row.code_reset_us != 0 ? TEXT_RESET_NOT_YET : TEXT_CODE_ALREADY_SET);
        return;
    }
    if (weak(s, code)) {
        return;
    }
    s->action = ACT_CODE;
    s->customer = c->row;
    s->customer_changed = true;
    dialog_code_store(d, s, code);
}

/* CODE <old> <new>: the new code is checked first, so that a weak one costs no try. */
static void decide_change(struct dialog *d, struct dialog_step *s, const struct cust *c,
                          const struct command *cmd)
{
    if (!has_code(c, s->now_us)) {
        dialog_reply_only(s, TEXT_CODE_NEEDED);
        return;
    }
    if (weak(s, cmd->new_code) || !current_code_ok(d, s, c, cmd->code)) {
        return;
    }
    s->action = ACT_CODE_CHG;
    s->text_id = c->row.code_reset_us != 0 ? TEXT_CODE_CHANGED_RESET_OFF : TEXT_CODE_CHANGED;
    s->customer = c->row;
    s->customer_changed = true;
    s->customer.pin_failures = 0; /* a right code, as when confirming */
    dialog_code_store(d, s, cmd->new_code);
}

/* A reset is told to the phone and, in private, to a social account linked to the wallet: a
 * second channel, which someone holding only the phone may not read or silence. Cost: a scan
 * of the linked accounts, for a rare event. */
static void notify_find(struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    for (size_t i = 0; i < d->link_count; i++) {
        const struct social_link_row *k = &d->links[i].row;

        if (k->phone[0] != '\0' && strcmp(k->phone, c->row.phone) == 0) {
            snprintf(s->notify, sizeof(s->notify), "%s", k->address);
            snprintf(s->notify_id, sizeof(s->notify_id), "%s", k->user_id);
            return;
        }
    }
}

/* CODE OUBLIE: announced now, effective after the delay; the order waiting is voided. */
static void decide_reset(struct dialog *d, struct dialog_step *s, const struct cust *c)
{
    if (!c->row.has_pin) {
        dialog_reply_only(s, TEXT_CODE_NEEDED);
        return;
    }
    if (reset_due(c, s->now_us)) {
        dialog_reply_only(s, TEXT_RESET_DONE);
        return;
    }
    if (c->row.code_reset_us != 0) {
        dialog_reply_only(s, TEXT_RESET_ALREADY);
        return;
    }
    s->action = ACT_RESET;
    s->customer = c->row;
    s->customer_changed = true;
    s->customer.code_reset_us = s->now_us + reset_delay_us(d);
    dialog_order_void(s, c);
    notify_find(d, s, c);
}

/* CODE GARDER nnnnnn: whoever knows the code withdraws the reset. */
static void decide_keep(struct dialog *d, struct dialog_step *s, const struct cust *c,
                        const char *code)
{
    if (!c->row.has_pin) {
        dialog_reply_only(s, TEXT_CODE_NEEDED);
        return;
    }
    if (c->row.code_reset_us == 0) {
        dialog_reply_only(s, TEXT_RESET_NONE);
        return;
    }
    if (reset_due(c, s->now_us)) {
        dialog_reply_only(s, TEXT_RESET_DONE);
        return;
    }
    if (!current_code_ok(d, s, c, code)) {
        return;
    }
    s->action = ACT_RESET_KEEP;
    s->customer = c->row;
    s->customer_changed = true;
    s->customer.pin_failures = 0;
    s->customer.code_reset_us = 0;
}

void dialog_decide_code(struct dialog *d, struct dialog_step *s, struct cust *c,
                        const struct command *cmd)
{
    s->customer = c->row;
    if (s->address[0] != '\0') {
        /* A post is public, and a social account is not the phone: codes are managed by SMS. */
        dialog_reply_only(s, TEXT_CODE_BY_SMS);
        return;
    }
    switch (cmd->type) {
    case CMD_CODE:
        if (cmd->new_code[0] != '\0') {
            decide_change(d, s, c, cmd);
        } else {
            decide_set(d, s, c, cmd->code);
        }
        break;
    case CMD_CODE_RESET:
        decide_reset(d, s, c);
        break;
    case CMD_CODE_KEEP:
        decide_keep(d, s, c, cmd->code);
        break;
    default:
        MDT_ASSERT(!"not a code command");
    }
}

bool dialog_code_blocks(struct dialog_step *s, const struct cust *c, int64_t now_us)
{
    if (c->row.code_reset_us == 0) {
        return false;
    }
    s->customer = c->row;
    dialog_reply_only(s, reset_due(c, now_us) ? TEXT_RESET_DONE : TEXT_RESET_BLOCKS);
    s->outcome = OUTCOME_SUSPENDED;
    return true;
}

/* ---- work: resets whose delay passed, operators' orders ---- */

void dialog_code_track(struct dialog *d, const struct cust *c)
{
    uint32_t at = (uint32_t)(c - d->custs) + 1;

    if (c->row.code_reset_us == 0) {
        return; /* dropped from the list by the next scan */
    }
    for (size_t i = 0; i < d->reset_count; i++) {
        if (d->resets[i] == at) {
            return;
        }
    }
    mem_grow((void **)&d->resets, &d->reset_cap, d->reset_count + 1, sizeof(*d->resets));
    d->resets[d->reset_count++] = at;
}

static struct dialog_step *work_new(struct dialog *d, struct cust *c, const char *phone,
                                    int64_t now_us)
{
    struct dialog_step *s = dialog_step_new_api(d, now_us);

    if (s == NULL) {
        return NULL;
    }
    snprintf(s->phone, sizeof(s->phone), "%s", phone);
    s->lang = c != NULL ? (enum lang)c->row.lang : d->cfg.lang;
    if (c != NULL) {
        s->customer = c->row;
        c->busy = true;
    }
    return s;
}

/* The code is cleared: a new one may be set with CODE nnnnnn (or a page that sets codes only
 * where there is none). The lock and its counter stay as they are. */
static void reset_finish(struct dialog_step *s)
{
    s->action = ACT_RESET_DONE;
    s->customer_changed = true;
    s->customer.has_pin = false;
    vault_wipe(s->customer.pin_hash, sizeof(s->customer.pin_hash));
    s->customer.code_reset_us = 0;
    /* No link from before (a database of older rules) may set the new code. */
    memset(s->customer.enrol_hash, 0, sizeof(s->customer.enrol_hash));
    s->customer.enrol_expires_us = 0;
}

static struct dialog_step *order_step(struct dialog *d, struct code_order *o, int64_t now_us)
{
    struct cust *c = dialog_cust_find(d, o->row.phone);
    struct dialog_step *s;

    if (c != NULL && c->busy) {
        return NULL;
    }
    s = work_new(d, c, o->row.phone, now_us);
    if (s == NULL) {
        return NULL;
    }
    s->code_order = o->row;
    s->code_order.state = CODE_ORDER_NOTHING;
    s->code_order.done_us = now_us;
    s->action = ACT_CODE_NOP;
    if (c != NULL && c->row.has_pin && c->row.code_reset_us != 0) {
        s->code_order.state = CODE_ORDER_DONE;
        if (o->row.action == CODE_ORDER_COMPLETE) {
            reset_finish(s);
            s->text_id = TEXT_RESET_DONE_OPERATOR;
            notify_find(d, s, c);
        } else {
            s->action = ACT_RESET_OFF;
            s->customer_changed = true;
            s->customer.code_reset_us = 0;
        }
    }
    o->in_flight = true;
    return s;
}

struct dialog_step *dialog_code_work(struct dialog *d, int64_t now_us)
{
    for (size_t i = 0; i < d->code_order_count; i++) {
        struct dialog_step *s;

        if (d->code_orders[i].in_flight) {
            continue;
        }
        s = order_step(d, &d->code_orders[i], now_us);
        if (s != NULL) {
            return s;
        }
    }
    for (size_t i = 0; i < d->reset_count;) {
        struct cust *c = &d->custs[d->resets[i] - 1];
        struct dialog_step *s;

        if (c->row.code_reset_us == 0 || !c->row.has_pin) {
            d->resets[i] = d->resets[--d->reset_count]; /* withdrawn or done */
            continue;
        }
        if (c->busy || c->row.code_reset_us > now_us) {
            i++;
            continue;
        }
        s = work_new(d, c, c->row.phone, now_us);
        if (s != NULL) {
            reset_finish(s);
            s->text_id = TEXT_RESET_DONE;
            notify_find(d, s, c);
        }
        return s;
    }
    return NULL;
}

int dialog_code_order_loaded(void *ctx, const struct code_order_row *r)
{
    struct dialog *d = ctx;

    if (r->state != CODE_ORDER_WAITING) {
        return 0;
    }
    for (size_t i = 0; i < d->code_order_count; i++) {
        if (d->code_orders[i].row.seq == r->seq) {
            return 0;
        }
    }
    if (d->code_order_count >= DIALOG_CODE_ORDERS_MAX) {
        return 0; /* read again next time */
    }
    mem_grow((void **)&d->code_orders, &d->code_order_cap, d->code_order_count + 1,
             sizeof(*d->code_orders));
    d->code_orders[d->code_order_count++] = (struct code_order){.row = *r};
    return 0;
}

void dialog_code_order_done(struct dialog *d, uint64_t seq, int rc)
{
    for (size_t i = 0; i < d->code_order_count; i++) {
        if (d->code_orders[i].row.seq != seq) {
            continue;
        }
        if (rc == 0) {
            d->code_orders[i] = d->code_orders[--d->code_order_count];
        } else {
            d->code_orders[i].in_flight = false;
        }
        return;
    }
}

void dialog_code_free_all(struct dialog *d)
{
    free(d->resets);
    free(d->code_orders);
}

/* ---- replies ---- */

/* What is left of a lock, in whole seconds rounded up (then minutes rounded up). */
static uint32_t lock_left_s(const struct dialog_step *s)
{
    int64_t left = s->customer.locked_until_us - s->now_us;

    return left > 0 ? (uint32_t)((left + 999999) / 1000000) : 0u;
}

static void code_order_row(struct dialog_step *s, struct store_extra *rows, size_t *count,
                           size_t cap)
{
    if (s->code_order.seq == 0) {
        return;
    }
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_CODE_ORDER;
    rows[*count].u.code_order = s->code_order;
    (*count)++;
}

/* Reply t (its argument when) to the phone, and in private to the linked social account. */
static void reply_both(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap,
                       enum dialog_text t, const char *when)
{
    struct outbox_row *o;

    dialog_reply(s, rows, count, cap, NULL, s->lang, t, when);
    if (s->notify[0] == '\0') {
        return;
    }
    dialog_reply(s, rows, count, cap, s->notify, s->lang, t, when);
    o = &rows[*count - 1].u.outbox;
    o->visibility = VIS_DIRECT; /* about the wallet: never public */
    o->reply_to[0] = '\0';
    snprintf(o->dest_id, sizeof(o->dest_id), "%s", s->notify_id);
}

void dialog_code_hook(struct dialog_step *s, const struct ledger_result *r, size_t n,
                      struct store_extra *rows, size_t *count, size_t cap)
{
    char when[DIALOG_WHEN_MAX];

    (void)r;
    (void)n; /* a voided order's hold that already expired is the same outcome: nothing held */
    switch (s->action) {
    case ACT_CODE:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CODE_SET);
        break;
    case ACT_CODE_CHG:
        dialog_reply(s, rows, count, cap, NULL, s->lang, (enum dialog_text)s->text_id);
        break;
    case ACT_RESET_DONE:
        reply_both(s, rows, count, cap, (enum dialog_text)s->text_id, "");
        break;
    case ACT_CODE_BAD:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CODE_WRONG_OLD,
                     s->d->cfg.code_attempts_max - s->customer.pin_failures);
        break;
    case ACT_CODE_LOCK:
        dialog_duration_format(s->d->cfg.code_lock_s, s->lang, when);
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CODE_LOCKED_NOW, when);
        break;
    case ACT_RESET:
        dialog_when_format(s->customer.code_reset_us, s->lang, when);
        reply_both(s, rows, count, cap, TEXT_RESET_STARTED, when);
        log_info("code reset started: takes effect at %s UTC", when);
        break;
    case ACT_RESET_KEEP:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_RESET_KEPT);
        break;
    case ACT_RESET_OFF:
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_RESET_CANCELLED_OPERATOR);
        break;
    case ACT_CODE_NOP:
        log_warn("operator's code-reset order %llu: no reset under way for that number",
                 (unsigned long long)s->code_order.seq);
        break;
    default: /* ACT_REPLY with a text of this file that takes an argument */
        if (s->text_id == TEXT_CODE_LOCKED_LEFT) {
            dialog_duration_format(lock_left_s(s), s->lang, when);
            dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CODE_LOCKED_LEFT, when);
        } else {
            dialog_when_format(s->customer.code_reset_us, s->lang, when);
            dialog_reply(s, rows, count, cap, NULL, s->lang, (enum dialog_text)s->text_id, when);
        }
        break;
    }
    code_order_row(s, rows, count, cap);
}
