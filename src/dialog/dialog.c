/* SPDX-License-Identifier: Apache-2.0 */
/* The conversation's memory (customers, orders, charities, recent messages) and the decisions:
 * a message becomes ledger ops and state changes at once; replies are written by the hook when
 * the ledger has decided, in the same transaction. */
#include "dialog/dialog.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/hash.h"
#include "base/id128.h"
#include "base/index.h"
#include "base/mem.h"
#include "dialog/command.h"
#include "dialog/dialog_int.h"
#include "dialog/phone.h"
#include "dialog/topup.h"
#include "vault/vault.h"

const char *dialog_text(enum dialog_text t, enum lang lang)
{
    static const char *const fr[] = {
#define T_(n, f, e) f,
        DIALOG_TEXT_MAP(T_)
#undef T_
    };
    static const char *const en[] = {
#define T_(n, f, e) e,
        DIALOG_TEXT_MAP(T_)
#undef T_
    };

    MDT_ASSERT(t >= 0 && t < TEXT_COUNT);
    return lang == LANG_EN ? en[t] : fr[t];
}

/* ---- customers: open addressing on the phone number ---- */

static uint64_t str_hash(const char *s)
{
    return hash_fnv1a(HASH_FNV1A_SEED, s, strlen(s));
}

struct cust *dialog_cust_find(struct dialog *d, const char *phone)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->cust_phones, str_hash(phone), &pos); v != 0;
         v = index_find_next(&d->cust_phones, &pos)) {
        if (strcmp(d->custs[v - 1].row.phone, phone) == 0) {
            return &d->custs[v - 1];
        }
    }
    return NULL;
}

struct cust *dialog_cust_add(struct dialog *d, const char *phone)
{
    struct cust *c;

    MDT_ASSERT(d->cust_count < DIALOG_CUSTOMERS_MAX);
    mem_grow((void **)&d->custs, &d->cust_cap, d->cust_count + 1, sizeof(*d->custs));
    c = &d->custs[d->cust_count++];
    memset(c, 0, sizeof(*c));
    snprintf(c->row.phone, sizeof(c->row.phone), "%s", phone);
    dialog_index_put(&d->cust_phones, str_hash(phone), (uint32_t)d->cust_count);
    return c;
}

/* ---- recently handled messages: two generations of an id set, rotated per window ---- */

static bool idset_has(const struct idset *s, struct id128 id)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&s->index, id128_hash(id), &pos); v != 0;
         v = index_find_next(&s->index, &pos)) {
        if (id128_eq(s->ids[v - 1], id)) {
            return true;
        }
    }
    return false;
}

static void idset_add(struct idset *s, struct id128 id)
{
    if (idset_has(s, id)) {
        return;
    }
    s->ids[s->index.count] = id;
    dialog_index_put(&s->index, id128_hash(id), s->index.count + 1);
}

bool dialog_seen(struct dialog *d, struct id128 id)
{
    return idset_has(&d->seen[0], id) || idset_has(&d->seen[1], id);
}

void dialog_seen_add(struct dialog *d, struct id128 id, int64_t now_us)
{
    struct idset *cur = &d->seen[d->seen_current];

    /* Rotate when the window has passed or the set is full. */
    if (cur->index.count >= DIALOG_DEDUP_MAX ||
        now_us - cur->started_us > (int64_t)d->cfg.dedup_window_s * 1000000) {
        d->seen_current ^= 1;
        cur = &d->seen[d->seen_current];
        index_clear(&cur->index);
        cur->started_us = now_us;
    }
    idset_add(cur, id);
}

/* The dialog's indexes and their bounds, for dialog_create and dialog_free. */
static const struct {
    size_t at; /* in struct dialog */
    uint32_t max;
} dialog_indexes[] = {
    {offsetof(struct dialog, cust_phones), DIALOG_CUSTOMERS_MAX},
    {offsetof(struct dialog, seen[0].index), DIALOG_DEDUP_MAX},
    {offsetof(struct dialog, seen[1].index), DIALOG_DEDUP_MAX},
    {offsetof(struct dialog, request_ids), DIALOG_REQUESTS_MAX},
    {offsetof(struct dialog, request_tokens), DIALOG_REQUESTS_MAX},
    {offsetof(struct dialog, enrol_tokens), DIALOG_CUSTOMERS_MAX},
    {offsetof(struct dialog, link_addrs), DIALOG_LINKS_MAX},
    {offsetof(struct dialog, link_users), DIALOG_LINKS_MAX},
    {offsetof(struct dialog, link_tokens), DIALOG_LINKS_MAX},
    {offsetof(struct dialog, order_tokens), DIALOG_CUSTOMERS_MAX},
    {offsetof(struct dialog, card_ids), DIALOG_CARDS_MAX},
    {offsetof(struct dialog, card_phones), DIALOG_CARDS_MAX},
    {offsetof(struct dialog, card_last4), DIALOG_CARDS_MAX},
    {offsetof(struct dialog, card_tokens), DIALOG_CARDS_MAX},
    {offsetof(struct dialog, card_macs), DIALOG_CARDS_MAX},
    {offsetof(struct dialog, alias_owners), DIALOG_CARD_ALIASES_MAX},
    {offsetof(struct dialog, topup_ids), DIALOG_TOPUPS_MAX},
    {offsetof(struct dialog, topup_tokens), DIALOG_TOPUPS_MAX},
    {offsetof(struct dialog, file_owners), DIALOG_CARD_FILES_MAX},
    {offsetof(struct dialog, corder_ids), DIALOG_CARD_ORDERS_MAX},
    {offsetof(struct dialog, corder_tokens), DIALOG_CARD_ORDERS_MAX},
};

static struct index *dialog_index_at(struct dialog *d, size_t i)
{
    return (struct index *)((char *)d + dialog_indexes[i].at);
}

struct dialog_step *dialog_step_new_api(struct dialog *d, int64_t now_us)
{
    struct dialog_step *s = calloc(1, sizeof(*s));

    MDT_ASSERT(s != NULL);
    s->d = d;
    s->api = true;
    s->now_us = now_us;
    if (id128_random(&s->inbox_id) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

struct dialog_step *dialog_step_derived(struct dialog *d, int action, struct id128 inbox_id,
                                        enum lang lang, int64_t now_us)
{
    struct dialog_step *s = calloc(1, sizeof(*s));

    MDT_ASSERT(s != NULL);
    s->d = d;
    s->api = true;
    s->now_us = now_us;
    s->action = action;
    s->inbox_id = inbox_id;
    s->lang = lang;
    return s;
}

/* ---- lifetime and loading ---- */

int dialog_create(const struct dialog_config *cfg, struct vault *v, struct dialog **out)
{
    struct dialog *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return MDT_E(NOMEM);
    }
    d->cfg = *cfg;
    d->vault = v;
    for (size_t i = 0; i < sizeof(dialog_indexes) / sizeof(dialog_indexes[0]); i++) {
        if (index_init(dialog_index_at(d, i), dialog_indexes[i].max) < 0) {
            dialog_free(d); /* frees the indexes made so far: the others are zeroed */
            return MDT_E(NOMEM);
        }
    }
    d->seen[0].ids = calloc(DIALOG_DEDUP_MAX, sizeof(struct id128));
    d->seen[1].ids = calloc(DIALOG_DEDUP_MAX, sizeof(struct id128));
    if (d->seen[0].ids == NULL || d->seen[1].ids == NULL) {
        dialog_free(d);
        return MDT_E(NOMEM);
    }
    *out = d;
    return 0;
}

void dialog_free(struct dialog *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->cust_count; i++) {
        vault_wipe(d->custs[i].row.pin_hash, sizeof(d->custs[i].row.pin_hash));
    }
    free(d->custs);
    free(d->claims);
    dialog_request_free_all(d);
    dialog_social_free_all(d);
    dialog_code_free_all(d);
    dialog_card_free_all(d);
    dialog_topup_free_all(d);
    dialog_card_file_free_all(d);
    dialog_card_order_free_all(d);
    for (size_t i = 0; i < sizeof(dialog_indexes) / sizeof(dialog_indexes[0]); i++) {
        index_free(dialog_index_at(d, i));
    }
    free(d->seen[0].ids);
    free(d->seen[1].ids);
    dialog_doubt_free(d);
    free(d);
}

static int load_customer(void *ctx, const struct customer_row *r)
{
    struct dialog *d = ctx;
    struct cust *c = dialog_cust_find(d, r->phone);

    if (c == NULL) {
        c = dialog_cust_add(d, r->phone);
    }
    c->row = *r;
    dialog_enrol_index(d, c);
    dialog_code_track(d, c);
    return 0;
}

static int load_conversation(void *ctx, const struct conversation_row *r)
{
    struct dialog *d = ctx;
    struct cust *c = dialog_cust_find(d, r->phone);

    if (c != NULL) {
        c->has_conv = true;
        c->conv = *r;
        dialog_order_index(d, c);
    }
    return 0;
}

static int load_social_link(void *ctx, const struct social_link_row *r)
{
    dialog_link_apply(ctx, r);
    return 0;
}

static int load_association(void *ctx, const struct association_row *r)
{
    struct dialog *d = ctx;

    for (size_t i = 0; i < d->assoc_count; i++) {
        if (strcmp(d->assocs[i].keyword, r->keyword) == 0) {
            d->assocs[i] = *r;
            return 0;
        }
    }
    if (d->assoc_count < DIALOG_ASSOCIATIONS_MAX) {
        d->assocs[d->assoc_count++] = *r;
    }
    return 0;
}

struct claim *dialog_claim_find(struct dialog *d, struct id128 id)
{
    for (size_t i = 0; i < d->claim_count; i++) {
        if (id128_eq(d->claims[i].row.id, id)) {
            return &d->claims[i];
        }
    }
    return NULL;
}

void dialog_claim_apply(struct dialog *d, const struct claim_row *r)
{
    struct claim *c = dialog_claim_find(d, r->id);

    if (!r->active) {
        if (c != NULL) {
            *c = d->claims[--d->claim_count];
        }
        return;
    }
    if (c == NULL) {
        mem_grow((void **)&d->claims, &d->claim_cap, d->claim_count + 1, sizeof(*d->claims));
        c = &d->claims[d->claim_count++];
        memset(c, 0, sizeof(*c));
    }
    c->row = *r;
}

static int load_claim(void *ctx, const struct claim_row *r)
{
    dialog_claim_apply(ctx, r);
    return 0;
}

static int load_merchant(void *ctx, const struct merchant_row *r)
{
    dialog_merchant_set(ctx, r);
    return 0;
}

static int load_payment_request(void *ctx, const struct payment_request_row *r)
{
    dialog_request_apply(ctx, r);
    return 0;
}

static int load_inbox(void *ctx, const struct inbox_row *r, bool done)
{
    (void)done; /* replies commit with the message: a stored message is always answered */
    dialog_seen_add(ctx, r->id, r->received_us);
    if (!id128_is_zero(r->doubt_key)) {
        /* Unconfirmed when mandatd stopped: the SMSC may deliver it again (DESIGN.md). */
        dialog_doubt_candidate(ctx, r->id, r->doubt_key, r->received_us);
    }
    return 0;
}

const struct store_channel_fns *dialog_channel_fns(void)
{
    static const struct store_channel_fns fns = {
        .customer = load_customer,
        .conversation = load_conversation,
        .association = load_association,
        .claim = load_claim,
        .merchant = load_merchant,
        .payment_request = load_payment_request,
        .campaign = dialog_campaign_loaded,
        .campaign_total = dialog_campaign_total_loaded,
        .campaign_donor = dialog_campaign_donor_loaded,
        .social_link = load_social_link,
        .inbox = load_inbox,
        .code_order = dialog_code_order_loaded,
        .card = dialog_card_loaded,
        .card_alias = dialog_card_alias_loaded,
        .card_topup = dialog_topup_loaded,
        .acquirer_op = dialog_acquirer_op_loaded,
        .card_file = dialog_card_file_loaded,
        .card_order = dialog_card_order_loaded,
    };

    return &fns;
}

const struct association_row *dialog_association_find(const struct dialog *d, const char *keyword)
{
    for (size_t i = 0; i < d->assoc_count; i++) {
        if (strcmp(d->assocs[i].keyword, keyword) == 0) {
            return &d->assocs[i];
        }
    }
    return NULL;
}

int dialog_association_add(struct dialog *d, const char *keyword, uint64_t account_id,
                           const char *name, struct store_extra *row, struct mdt_err *err)
{
    struct association_row r = {.account_id = account_id};
    size_t n = strlen(keyword);

    if (n == 0 || n >= sizeof(r.keyword)) {
        return mdt_err_set(err, MDT_E(INVAL), "keyword '%.40s' must be 1 to 31 letters", keyword);
    }
    for (size_t i = 0; i < n; i++) {
        char ch = keyword[i];

        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "keyword '%.40s' must be upper-case letters and digits", keyword);
        }
    }
    if (dialog_association_find(d, keyword) == NULL && d->assoc_count >= DIALOG_ASSOCIATIONS_MAX) {
        return mdt_err_set(err, MDT_E(FULL), "too many charities (%d)", DIALOG_ASSOCIATIONS_MAX);
    }
    memcpy(r.keyword, keyword, n + 1);
    snprintf(r.name, sizeof(r.name), "%s", name);
    memset(row, 0, sizeof(*row));
    row->kind = EXTRA_ASSOCIATION;
    row->u.association = r;
    load_association(d, &r);
    return 0;
}
