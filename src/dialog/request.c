/* SPDX-License-Identifier: Apache-2.0 */
/* Merchants' payment requests: a merchant asks a person for an amount; the person confirms with
 * their code by SMS or on the wallet page (the same rules: tries, lock, expiry), and only then
 * does money move, payer -> merchant, with the merchant's fee legs. Every state change writes a
 * webhook event in the same commit as the money. No I/O: steps for the engine, as dialog.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "base/mem.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "vault/vault.h"

static const char *const state_names[] = {"pending", "confirmed", "declined", "expired",
                                          "cancelled"};

const char *payment_request_state_name(int state)
{
    if (state < 0 || state > PR_CANCELLED) {
        return "?";
    }
    return state_names[state];
}

int payment_request_state_parse(const char *name)
{
    for (int i = 0; i <= PR_CANCELLED; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* ---- an index of 16-byte keys ---- */

uint32_t *dialog_idx_slot(struct idx *x, struct id128 key)
{
    uint64_t i;

    if (x->keys == NULL) {
        return NULL;
    }
    i = id128_hash(key) & x->mask;
    while (x->vals[i] != 0 && !id128_eq(x->keys[i], key)) {
        i = (i + 1) & x->mask;
    }
    return &x->vals[i];
}

static void idx_grow(struct idx *x)
{
    struct idx old = *x;
    uint64_t size = old.keys == NULL ? 1024 : (old.mask + 1) * 2;

    x->keys = calloc(size, sizeof(*x->keys));
    x->vals = calloc(size, sizeof(*x->vals));
    MDT_ASSERT(x->keys != NULL && x->vals != NULL);
    x->mask = size - 1;
    x->count = 0;
    for (uint64_t i = 0; old.keys != NULL && i <= old.mask; i++) {
        if (old.vals[i] != 0) {
            dialog_idx_put(x, old.keys[i], old.vals[i]);
        }
    }
    free(old.keys);
    free(old.vals);
}

void dialog_idx_put(struct idx *x, struct id128 key, uint32_t val)
{
    uint32_t *slot;
    uint64_t i;

    if (x->keys == NULL || (x->count + 1) * 2 > x->mask + 1) {
        idx_grow(x);
    }
    slot = dialog_idx_slot(x, key);
    if (*slot == 0) {
        x->count++;
    }
    i = (uint64_t)(slot - x->vals);
    x->keys[i] = key;
    *slot = val;
}

uint32_t dialog_token_find(struct idx *x, const uint8_t hash[32])
{
    uint32_t *slot = dialog_idx_slot(x, dialog_token_key(hash));

    return slot != NULL ? *slot : 0;
}

struct id128 dialog_token_key(const uint8_t hash[32])
{
    struct id128 k;

    memcpy(&k.hi, hash, 8);
    memcpy(&k.lo, hash + 8, 8);
    return k;
}

void dialog_request_free_all(struct dialog *d)
{
    free(d->requests);
    free(d->merchants);
    free(d->request_ids.keys);
    free(d->request_ids.vals);
    free(d->request_tokens.keys);
    free(d->request_tokens.vals);
    free(d->enrol_tokens.keys);
    free(d->enrol_tokens.vals);
}

/* ---- memory ---- */

void dialog_merchant_set(struct dialog *d, const struct merchant_row *r)
{
    for (size_t i = 0; i < d->merchant_count; i++) {
        if (d->merchants[i].account_id == r->account_id) {
            d->merchants[i] = *r;
            return;
        }
    }
    if (d->merchant_count >= DIALOG_MERCHANTS_MAX) {
        return;
    }
    mem_grow((void **)&d->merchants, &d->merchant_cap, d->merchant_count + 1,
             sizeof(*d->merchants));
    d->merchants[d->merchant_count++] = *r;
}

const struct merchant_row *dialog_merchant_get(const struct dialog *d, uint64_t id)
{
    for (size_t i = 0; i < d->merchant_count; i++) {
        if (d->merchants[i].account_id == id) {
            return &d->merchants[i];
        }
    }
    return NULL;
}

struct request *dialog_request_find(struct dialog *d, struct id128 id)
{
    uint32_t *slot = dialog_idx_slot(&d->request_ids, id);

    return slot != NULL && *slot != 0 ? &d->requests[*slot - 1] : NULL;
}

void dialog_request_apply(struct dialog *d, const struct payment_request_row *r)
{
    struct request *q = dialog_request_find(d, r->id);

    if (q == NULL) {
        if (d->request_count >= DIALOG_REQUESTS_MAX) {
            return;
        }
        mem_grow((void **)&d->requests, &d->request_cap, d->request_count + 1,
                 sizeof(*d->requests));
        q = &d->requests[d->request_count++];
        dialog_idx_put(&d->request_ids, r->id, (uint32_t)d->request_count);
        dialog_idx_put(&d->request_tokens, dialog_token_key(r->token_hash),
                       (uint32_t)d->request_count);
    }
    q->row = *r;
}

const struct payment_request_row *dialog_request_get(struct dialog *d, struct id128 id)
{
    struct request *q = dialog_request_find(d, id);

    return q != NULL ? &q->row : NULL;
}

const struct payment_request_row *dialog_request_by_token(struct dialog *d,
                                                          const uint8_t token_hash[32])
{
    uint32_t at = dialog_token_find(&d->request_tokens, token_hash);
    const struct payment_request_row *r;

    if (at == 0) {
        return NULL;
    }
    r = &d->requests[at - 1].row;
    return vault_hash_equal(r->token_hash, token_hash) ? r : NULL;
}

size_t dialog_request_list(struct dialog *d, uint64_t merchant_id, struct id128 after, int state,
                           struct payment_request_row *out, size_t max)
{
    size_t i = d->request_count, n = 0;

    if (!id128_is_zero(after)) {
        uint32_t *slot = dialog_idx_slot(&d->request_ids, after);

        i = slot != NULL && *slot != 0 ? *slot - 1 : 0;
    }
    while (i > 0 && n < max) {
        const struct payment_request_row *r = &d->requests[--i].row;

        if (r->merchant_id == merchant_id && (state < 0 || r->state == state)) {
            out[n++] = *r;
        }
    }
    return n;
}

/* ---- outcomes ---- */

enum step_outcome dialog_step_outcome(const struct dialog_step *s)
{
    return (enum step_outcome)s->outcome;
}

uint32_t dialog_step_tries_left(const struct dialog_step *s)
{
    uint32_t max = s->d->cfg.code_attempts_max;

    return s->customer.pin_failures < max ? max - s->customer.pin_failures : 0;
}

int dialog_step_reason(const struct dialog_step *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->results[i].reason != LEDGER_OK &&
            s->results[i].reason != LEDGER_LINKED_EVENT_FAILED) {
            return s->results[i].reason;
        }
    }
    return LEDGER_OK;
}

enum lang dialog_customer_lang(struct dialog *d, const char *e164)
{
    const struct cust *c = dialog_cust_find(d, e164);

    return c != NULL ? (enum lang)c->row.lang : d->cfg.lang;
}

const char *dialog_currency_code(const struct dialog *d)
{
    return d->cfg.currency->code;
}
