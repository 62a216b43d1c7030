/* SPDX-License-Identifier: Apache-2.0 */
/* Merchants' payment requests: a merchant asks a person for an amount; the person confirms with
 * their code by SMS or on the wallet page (the same rules: tries, lock, expiry), and only then
 * does money move, payer -> merchant, with the merchant's fee legs. Every state change writes a
 * webhook event in the same commit as the money. No I/O: steps for the engine, as dialog.c. */
#include <jansson.h>
#include <stddef.h>
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

/* ---- the dialog's indexes ---- */

void dialog_index_put(struct index *x, uint64_t key, uint32_t val)
{
    int rc = index_put(x, key, val);

    MDT_ASSERT(rc == 0 && "a dialog index is bounded by its array: only memory can fail");
}

void dialog_index_move(struct index *x, uint64_t *key, uint64_t new_key, bool present, uint32_t val)
{
    (void)index_remove(x, *key, val); /* val has no other entry in x: absent is fine */
    *key = present ? new_key : 0;
    if (present) {
        dialog_index_put(x, new_key, val);
    }
}

uint64_t dialog_token_key(const uint8_t hash[SHA256_LEN])
{
    uint64_t k;

    memcpy(&k, hash, sizeof(k));
    return k;
}

uint32_t dialog_token_find(const struct index *x, const void *array, size_t elem, size_t hash_at,
                           const uint8_t hash[SHA256_LEN])
{
    struct index_pos pos;

    for (uint32_t v = index_find(x, dialog_token_key(hash), &pos); v != 0;
         v = index_find_next(x, &pos)) {
        const uint8_t *held = (const uint8_t *)array + (size_t)(v - 1) * elem + hash_at;

        if (vault_hash_equal(held, hash)) {
            return v;
        }
    }
    return 0;
}

uint32_t dialog_id_find(const struct index *x, const void *array, size_t elem, size_t id_at,
                        struct id128 id)
{
    struct index_pos pos;

    for (uint32_t v = index_find(x, id128_hash(id), &pos); v != 0; v = index_find_next(x, &pos)) {
        struct id128 held;

        memcpy(&held, (const uint8_t *)array + (size_t)(v - 1) * elem + id_at, sizeof(held));
        if (id128_eq(held, id)) {
            return v;
        }
    }
    return 0;
}

void *dialog_linked_add(void **array, size_t *count, size_t *cap, size_t elem, size_t max,
                        struct index *ids, struct index *tokens, struct id128 id,
                        const uint8_t token_hash[SHA256_LEN])
{
    uint8_t *e;

    if (*count >= max) {
        return NULL; /* past the bound, the row waits in the store */
    }
    mem_grow(array, cap, *count + 1, elem);
    e = (uint8_t *)*array + *count * elem;
    memset(e, 0, elem);
    (*count)++;
    static const uint8_t none[SHA256_LEN];

    dialog_index_put(ids, id128_hash(id), (uint32_t)*count);
    if (memcmp(token_hash, none, SHA256_LEN) != 0) {
        /* A row without a link (a reload paid by the card on file) is found by id only: many
         * equal keys would make one long probe run of the index. */
        dialog_index_put(tokens, dialog_token_key(token_hash), (uint32_t)*count);
    }
    return e;
}

void dialog_request_free_all(struct dialog *d)
{
    free(d->requests);
    free(d->merchants);
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
    uint32_t v = dialog_id_find(&d->request_ids, d->requests, sizeof(*d->requests),
                                offsetof(struct request, row.id), id);

    return v != 0 ? &d->requests[v - 1] : NULL;
}

void dialog_request_apply(struct dialog *d, const struct payment_request_row *r)
{
    struct request *q = dialog_request_find(d, r->id);

    if (q == NULL) {
        q = dialog_linked_add((void **)&d->requests, &d->request_count, &d->request_cap,
                              sizeof(*d->requests), DIALOG_REQUESTS_MAX, &d->request_ids,
                              &d->request_tokens, r->id, r->token_hash);
        if (q == NULL) {
            return;
        }
    }
    q->row = *r;
}

const struct payment_request_row *dialog_request_get(struct dialog *d, struct id128 id)
{
    struct request *q = dialog_request_find(d, id);

    return q != NULL ? &q->row : NULL;
}

const struct payment_request_row *dialog_request_by_token(struct dialog *d,
                                                          const uint8_t token_hash[SHA256_LEN])
{
    uint32_t at = dialog_token_find(&d->request_tokens, d->requests, sizeof(*d->requests),
                                    offsetof(struct request, row.token_hash), token_hash);

    return at != 0 ? &d->requests[at - 1].row : NULL;
}

size_t dialog_request_list(struct dialog *d, uint64_t merchant_id, struct id128 after, int state,
                           struct payment_request_row *out, size_t max)
{
    size_t i = d->request_count, n = 0;

    if (!id128_is_zero(after)) {
        const struct request *q = dialog_request_find(d, after);

        i = q != NULL ? (size_t)(q - d->requests) : 0;
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
