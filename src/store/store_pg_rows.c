/* SPDX-License-Identifier: Apache-2.0 */
/* The channels' tables described column by column (store_pg_rows.h), and what the descriptions
 * do: the INSERT of a table, a row's parameters in text format, a result row decoded back. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "store/store_pg_rows.h"

static const struct col inbox_cols[] = {C_ID(struct inbox_row, id),
                                        C_INT(struct inbox_row, channel),
                                        C_TEXT(struct inbox_row, peer_id),
                                        C_TEXT(struct inbox_row, source),
                                        C_TEXT(struct inbox_row, dest),
                                        C_TEXT(struct inbox_row, text),
                                        C_INT(struct inbox_row, peer_time_us),
                                        C_INT(struct inbox_row, received_us),
                                        C_ID_NULL(struct inbox_row, doubt_key)};
static const struct col outbox_cols[] = {C_ID(struct outbox_row, id),
                                         C_ID(struct outbox_row, inbox_id),
                                         C_INT(struct outbox_row, channel),
                                         C_INT(struct outbox_row, state),
                                         C_INT(struct outbox_row, attempts),
                                         C_TEXT(struct outbox_row, source),
                                         C_TEXT(struct outbox_row, dest),
                                         C_TEXT(struct outbox_row, peer_id),
                                         C_TEXT(struct outbox_row, final_state),
                                         C_INT(struct outbox_row, next_try_us),
                                         C_INT(struct outbox_row, created_us),
                                         C_TEXT(struct outbox_row, text),
                                         C_TEXT(struct outbox_row, dest_id),
                                         C_TEXT(struct outbox_row, reply_to),
                                         C_INT(struct outbox_row, visibility),
                                         C_SEAL(struct outbox_row, link_seal, link_seal_len)};
static const struct col customer_cols[] = {C_TEXT(struct customer_row, phone),
                                           C_INT(struct customer_row, account_id),
                                           C_INT(struct customer_row, lang),
                                           C_HASH(struct customer_row, pin_hash),
                                           C_INT(struct customer_row, pin_failures),
                                           C_INT(struct customer_row, locked_until_us),
                                           C_INT(struct customer_row, created_us),
                                           C_HASH(struct customer_row, enrol_hash),
                                           C_INT(struct customer_row, enrol_expires_us),
                                           C_INT(struct customer_row, code_reset_us),
                                           C_TEXT(struct customer_row, name),
                                           C_TEXT(struct customer_row, last_payee),
                                           C_INT(struct customer_row, last_amount_minor),
                                           C_INT(struct customer_row, last_kind),
                                           C_TEXT(struct customer_row, last_ref),
                                           C_INT(struct customer_row, last_done_us)};
static const struct col conversation_cols[] = {
    C_TEXT(struct conversation_row, phone),        C_ID(struct conversation_row, order_id),
    C_INT(struct conversation_row, payee_account), C_TEXT(struct conversation_row, payee),
    C_INT(struct conversation_row, amount_minor),  C_TEXT(struct conversation_row, ref),
    C_INT(struct conversation_row, expires_us),    C_INT(struct conversation_row, attempts),
    C_INT(struct conversation_row, kind),          C_TEXT(struct conversation_row, campaign),
    C_TEXT(struct conversation_row, origin),       C_TEXT(struct conversation_row, origin_user),
    C_TEXT(struct conversation_row, origin_post),  C_HASH(struct conversation_row, token_hash)};
static const struct col association_cols[] = {C_TEXT(struct association_row, keyword),
                                              C_INT(struct association_row, account_id),
                                              C_TEXT(struct association_row, name)};
static const struct col claim_cols[] = {C_ID(struct claim_row, id),
                                        C_TEXT(struct claim_row, payer),
                                        C_INT(struct claim_row, payer_account),
                                        C_TEXT(struct claim_row, payee),
                                        C_INT(struct claim_row, amount_minor),
                                        C_INT(struct claim_row, created_us),
                                        C_INT(struct claim_row, expires_us)};
static const struct col merchant_cols[] = {
    C_INT(struct merchant_row, account_id), C_TEXT(struct merchant_row, name),
    C_TEXT(struct merchant_row, webhook_url), C_INT(struct merchant_row, fee_schedule),
    C_INT(struct merchant_row, created_us)};
static const struct col api_key_cols[] = {
    C_TEXT(struct api_key_row, key_id),    C_INT(struct api_key_row, merchant_id),
    C_BYTES(struct api_key_row, hash),     C_INT(struct api_key_row, scopes),
    C_INT(struct api_key_row, rate_per_s), C_INT(struct api_key_row, revoked),
    C_INT(struct api_key_row, created_us)};
static const struct col payment_request_cols[] = {C_ID(struct payment_request_row, id),
                                                  C_INT(struct payment_request_row, merchant_id),
                                                  C_INT(struct payment_request_row, amount_minor),
                                                  C_TEXT(struct payment_request_row, currency),
                                                  C_TEXT(struct payment_request_row, payer),
                                                  C_TEXT(struct payment_request_row, reference),
                                                  C_TEXT(struct payment_request_row, description),
                                                  C_TEXT(struct payment_request_row, callback_url),
                                                  C_INT(struct payment_request_row, state),
                                                  C_ID(struct payment_request_row, transfer_id),
                                                  C_INT(struct payment_request_row, fee_minor),
                                                  C_INT(struct payment_request_row, refunded_minor),
                                                  C_INT(struct payment_request_row, created_us),
                                                  C_INT(struct payment_request_row, expires_us),
                                                  C_INT(struct payment_request_row, updated_us),
                                                  C_BYTES(struct payment_request_row, token_hash),
                                                  C_TEXT(struct payment_request_row, campaign)};
/* last_error last: written by the state updates, not by the insert */
static const struct col webhook_cols[] = {
    C_ID(struct webhook_row, id),          C_INT(struct webhook_row, merchant_id),
    C_TEXT(struct webhook_row, url),       C_TEXT(struct webhook_row, type),
    C_INT(struct webhook_row, state),      C_INT(struct webhook_row, attempts),
    C_INT(struct webhook_row, created_us), C_INT(struct webhook_row, next_try_us),
    C_TEXT(struct webhook_row, body),      C_TEXT(struct webhook_row, last_error)};
static const struct col idempotency_cols[] = {
    C_BYTES(struct idempotency_row, key_hash), C_BYTES(struct idempotency_row, body_hash),
    C_INT(struct idempotency_row, status), C_INT(struct idempotency_row, created_us),
    C_TEXT(struct idempotency_row, response)};
static const struct col campaign_cols[] = {
    C_TEXT(struct campaign_row, tag), C_TEXT(struct campaign_row, keyword),
    C_INT(struct campaign_row, account_id), C_TEXT(struct campaign_row, name),
    C_INT(struct campaign_row, created_us)};
static const struct col donation_cols[] = {
    C_TEXT(struct campaign_donation_row, tag), C_ID(struct campaign_donation_row, transfer_id),
    C_INT(struct campaign_donation_row, amount_minor), C_TEXT(struct campaign_donation_row, donor),
    C_INT(struct campaign_donation_row, created_us)};
static const struct col social_link_cols[] = {
    C_TEXT(struct social_link_row, address),         C_TEXT(struct social_link_row, user_id),
    C_TEXT(struct social_link_row, phone),           C_HASH(struct social_link_row, token_hash),
    C_INT(struct social_link_row, token_expires_us), C_TEXT(struct social_link_row, otp_phone),
    C_HASH(struct social_link_row, otp_hash),        C_INT(struct social_link_row, otp_expires_us),
    C_INT(struct social_link_row, otp_attempts),     C_INT(struct social_link_row, lang),
    C_INT(struct social_link_row, show_name),        C_INT(struct social_link_row, created_us),
    C_INT(struct social_link_row, linked_us)};
static const struct col social_cursor_cols[] = {C_TEXT(struct social_cursor_row, network),
                                                C_TEXT(struct social_cursor_row, since_id)};
/* seq first: a new order (seq 0) is inserted without it */
static const struct col code_order_cols[] = {
    C_INT(struct code_order_row, seq),        C_TEXT(struct code_order_row, phone),
    C_INT(struct code_order_row, action),     C_INT(struct code_order_row, state),
    C_INT(struct code_order_row, created_us), C_INT(struct code_order_row, done_us)};
static const struct col card_topup_cols[] = {C_ID(struct card_topup_row, id),
                                             C_TEXT(struct card_topup_row, phone),
                                             C_INT(struct card_topup_row, wallet_account),
                                             C_INT(struct card_topup_row, amount_minor),
                                             C_TEXT(struct card_topup_row, currency),
                                             C_INT(struct card_topup_row, state),
                                             C_INT(struct card_topup_row, lang),
                                             C_TEXT(struct card_topup_row, code),
                                             C_TEXT(struct card_topup_row, card_last4),
                                             C_HASH(struct card_topup_row, token_hash),
                                             C_INT(struct card_topup_row, created_us),
                                             C_INT(struct card_topup_row, expires_us),
                                             C_INT(struct card_topup_row, updated_us),
                                             /* migration 16: a prepaid card's reload */
                                             C_INT(struct card_topup_row, card_account),
                                             C_TEXT(struct card_topup_row, card_alias),
                                             C_TEXT(struct card_topup_row, card_target_last4),
                                             C_INT(struct card_topup_row, fee_minor),
                                             C_INT(struct card_topup_row, order_fee_minor),
                                             C_INT(struct card_topup_row, charge_minor),
                                             C_TEXT(struct card_topup_row, file_token),
                                             /* migration 18: an order paid over the phone */
                                             C_ID_NULL(struct card_topup_row, request_id)};
static const struct col acquirer_op_cols[] = {
    C_TEXT(struct acquirer_op_row, key),           C_ID(struct acquirer_op_row, topup_id),
    C_INT(struct acquirer_op_row, kind),           C_INT(struct acquirer_op_row, state),
    C_INT(struct acquirer_op_row, amount_minor),   C_TEXT(struct acquirer_op_row, currency),
    C_INT(struct acquirer_op_row, wallet_account), C_TEXT(struct acquirer_op_row, ref),
    C_TEXT(struct acquirer_op_row, auth_ref),      C_TEXT(struct acquirer_op_row, code),
    C_INT(struct acquirer_op_row, created_us),     C_INT(struct acquirer_op_row, updated_us)};

#define TABLE(n, c, mode, key)                                                                     \
    {                                                                                              \
        n, c, NCOLS(c), NCOLS(c), mode, key                                                        \
    }
static const struct col card_pan_cols[] = {
    C_TEXT(struct card_pan_row, token),      C_SEAL(struct card_pan_row, sealed, sealed_len),
    C_INT(struct card_pan_row, key_version), C_BYTES(struct card_pan_row, pan_mac),
    C_TEXT(struct card_pan_row, bin),        C_TEXT(struct card_pan_row, last4),
    C_INT(struct card_pan_row, pan_len),     C_INT(struct card_pan_row, created_us)};
static const struct col card_cols[] = {C_INT(struct card_row, account_id),
                                       C_TEXT(struct card_row, token),
                                       C_INT(struct card_row, exp_month),
                                       C_INT(struct card_row, exp_year),
                                       C_INT(struct card_row, status),
                                       C_TEXT(struct card_row, holder),
                                       C_TEXT(struct card_row, phone),
                                       C_HASH(struct card_row, activation_hash),
                                       C_INT(struct card_row, activation_failures),
                                       C_INT(struct card_row, activated_us),
                                       C_INT(struct card_row, created_us),
                                       C_INT(struct card_row, updated_us),
                                       C_TEXT(struct card_row, bin),
                                       C_TEXT(struct card_row, last4),
                                       C_INT(struct card_row, pan_len),
                                       C_BYTES(struct card_row, pan_mac)};
static const struct col card_alias_cols[] = {
    C_TEXT(struct card_alias_row, owner), C_TEXT(struct card_alias_row, alias),
    C_INT(struct card_alias_row, card_account), C_INT(struct card_alias_row, created_us)};
static const struct col card_order_cols[] = {C_ID(struct card_order_row, id),
                                             C_TEXT(struct card_order_row, phone),
                                             C_INT(struct card_order_row, wallet_account),
                                             C_INT(struct card_order_row, price_minor),
                                             C_TEXT(struct card_order_row, currency),
                                             C_INT(struct card_order_row, state),
                                             C_INT(struct card_order_row, lang),
                                             C_TEXT(struct card_order_row, holder),
                                             C_TEXT(struct card_order_row, holder_phone),
                                             C_TEXT(struct card_order_row, alias),
                                             C_TEXT(struct card_order_row, card_token),
                                             C_TEXT(struct card_order_row, card_last4),
                                             C_HASH(struct card_order_row, token_hash),
                                             C_INT(struct card_order_row, created_us),
                                             C_INT(struct card_order_row, expires_us),
                                             C_INT(struct card_order_row, updated_us)};
/* migration 17: the ISO 8583 host (store_pg_iso.c) */
static const struct col iso_request_cols[] = {C_TEXT(struct iso_request_row, key),
                                              C_TEXT(struct iso_request_row, orig),
                                              C_TEXT(struct iso_request_row, mti),
                                              C_TEXT(struct iso_request_row, pcode),
                                              C_TEXT(struct iso_request_row, code),
                                              C_TEXT(struct iso_request_row, auth_id),
                                              C_INT(struct iso_request_row, card_account),
                                              C_ID_NULL(struct iso_request_row, hold_id),
                                              C_INT(struct iso_request_row, amount_minor),
                                              C_INT(struct iso_request_row, posted_minor),
                                              C_INT(struct iso_request_row, cash_minor),
                                              C_INT(struct iso_request_row, fee_minor),
                                              C_INT(struct iso_request_row, balance_minor),
                                              C_INT(struct iso_request_row, state),
                                              C_INT(struct iso_request_row, created_us),
                                              C_INT(struct iso_request_row, updated_us)};
static const struct col card_pin_cols[] = {
    C_INT(struct card_pin_row, account_id), C_BYTES(struct card_pin_row, pin_hash),
    C_INT(struct card_pin_row, failures), C_INT(struct card_pin_row, updated_us)};
static const struct col fx_rate_cols[] = {
    C_TEXT(struct fx_rate_row, currency), C_INT(struct fx_rate_row, effective_us),
    C_INT(struct fx_rate_row, rate_micro), C_INT(struct fx_rate_row, created_us)};

const struct table pg_tables[T_COUNT] = {
    [T_INBOX] = TABLE("inbox", inbox_cols, W_IGNORE, NULL),
    [T_OUTBOX] = TABLE("outbox", outbox_cols, W_IGNORE, NULL),
    [T_CUSTOMER] = TABLE("customers", customer_cols, W_UPSERT, "phone"),
    [T_CONVERSATION] = TABLE("conversations", conversation_cols, W_UPSERT, "phone"),
    [T_ASSOCIATION] = TABLE("associations", association_cols, W_UPSERT, "keyword"),
    [T_CLAIM] = TABLE("claims", claim_cols, W_UPSERT, "id"),
    [T_MERCHANT] = TABLE("merchants", merchant_cols, W_UPSERT, "account_id"),
    [T_API_KEY] = TABLE("api_keys", api_key_cols, W_UPSERT, "key_id"),
    [T_PAYMENT_REQUEST] = TABLE("payment_requests", payment_request_cols, W_INSERT, NULL),
    [T_WEBHOOK] = {"webhooks", webhook_cols, NCOLS(webhook_cols), NCOLS(webhook_cols) - 1, W_IGNORE,
                   NULL},
    [T_IDEMPOTENCY] = TABLE("idempotency", idempotency_cols, W_INSERT, NULL),
    [T_CAMPAIGN] = TABLE("campaigns", campaign_cols, W_UPSERT, "tag"),
    [T_DONATION] = TABLE("campaign_donations", donation_cols, W_INSERT, NULL),
    [T_SOCIAL_LINK] = TABLE("social_links", social_link_cols, W_UPSERT, "address"),
    [T_SOCIAL_CURSOR] = TABLE("social_cursors", social_cursor_cols, W_UPSERT, "network"),
    [T_CODE_ORDER] = TABLE("code_orders", code_order_cols, W_UPSERT, "seq"),
    [T_CARD_TOPUP] = TABLE("card_topups", card_topup_cols, W_UPSERT, "id"),
    [T_ACQUIRER_OP] = TABLE("acquirer_ops", acquirer_op_cols, W_UPSERT, "key"),
    [T_CARD_PAN] = TABLE("card_pans", card_pan_cols, W_INSERT, NULL),
    [T_CARD] = {"cards", card_cols, NCOLS(card_cols), NCOLS(card_cols) - 4, W_UPSERT, "account_id"},
    [T_CARD_ALIAS] = TABLE("card_aliases", card_alias_cols, W_UPSERT, "owner, alias"),
    [T_CARD_ORDER] = TABLE("card_orders", card_order_cols, W_UPSERT, "id"),
    [T_ISO_REQUEST] = TABLE("iso_requests", iso_request_cols, W_UPSERT, "created_us, key"),
    [T_CARD_PIN] = TABLE("card_pins", card_pin_cols, W_UPSERT, "account_id"),
    [T_FX_RATE] = TABLE("fx_rates", fx_rate_cols, W_UPSERT, "currency, effective_us"),
};

/* ---- SQL from the descriptions ---- */

void pg_sb_add(struct pg_sbuf *b, const char *s)
{
    size_t n = strlen(s);

    mem_grow((void **)&b->p, &b->cap, b->len + n + 1, 1);
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

void pg_sb_cols(struct pg_sbuf *b, const struct col *c, int from, int n, const char *prefix)
{
    for (int i = from; i < n; i++) {
        if (i > from) {
            pg_sb_add(b, ", ");
        }
        pg_sb_add(b, prefix);
        pg_sb_add(b, c[i].name);
    }
}

const char *pg_col_array_type(const struct col *c)
{
    switch (c->kind) {
    case COL_INT:
        return "int8";
    case COL_TEXT:
        return "text";
    default:
        return "bytea";
    }
}

/* INSERT of columns [from, nwrite) with $1..: the caller frees b.p. extra_col/extra_val: one more
 * constant column (inbox.done), or NULL. arrays: each $n an array of the column's values,
 * unnest()ed in the select list (walked in lockstep), instead of VALUES. */
char *pg_insert_sql(const struct table *t, int from, const char *extra_col, const char *extra_val,
                    bool arrays)
{
    struct pg_sbuf b = {0};
    char num[48];

    pg_sb_add(&b, "INSERT INTO ");
    pg_sb_add(&b, t->name);
    pg_sb_add(&b, "(");
    pg_sb_cols(&b, t->cols, from, t->nwrite, "");
    if (extra_col != NULL) {
        pg_sb_add(&b, ", ");
        pg_sb_add(&b, extra_col);
    }
    pg_sb_add(&b, arrays ? ") SELECT " : ") VALUES(");
    for (int i = from; i < t->nwrite; i++) {
        if (arrays) {
            snprintf(num, sizeof(num), "%sunnest($%d::%s[])", i > from ? ", " : "", i - from + 1,
                     pg_col_array_type(&t->cols[i]));
        } else {
            snprintf(num, sizeof(num), "%s$%d", i > from ? ", " : "", i - from + 1);
        }
        pg_sb_add(&b, num);
    }
    if (extra_val != NULL) {
        pg_sb_add(&b, ", ");
        pg_sb_add(&b, extra_val);
    }
    if (!arrays) {
        pg_sb_add(&b, ")");
    }
    if (t->mode == W_IGNORE) {
        pg_sb_add(&b, " ON CONFLICT DO NOTHING");
    } else if (t->mode == W_UPSERT) {
        pg_sb_add(&b, " ON CONFLICT (");
        pg_sb_add(&b, t->key);
        pg_sb_add(&b, ") DO UPDATE SET ");
        for (int i = from; i < t->nwrite; i++) {
            if (i > from) {
                pg_sb_add(&b, ", ");
            }
            pg_sb_add(&b, t->cols[i].name);
            pg_sb_add(&b, " = EXCLUDED.");
            pg_sb_add(&b, t->cols[i].name);
        }
    }
    return b.p;
}

/* ---- parameters ---- */

void pg_p_begin(struct pg_params *p)
{
    p->b.len = 0;
    p->n = 0;
    mem_grow((void **)&p->b.p, &p->b.cap, 1, 1);
}

static void p_add(struct pg_params *p, const char *s, size_t n, bool null)
{
    MDT_ASSERT(p->n < PG_PARAMS_MAX);
    mem_grow((void **)&p->b.p, &p->b.cap, p->b.len + n + 1, 1);
    p->off[p->n] = p->b.len;
    p->null[p->n++] = null;
    memcpy(p->b.p + p->b.len, s, n);
    p->b.len += n;
    p->b.p[p->b.len++] = '\0';
}

static void p_bytes(struct pg_params *p, const uint8_t *b, size_t n)
{
    char hex[2 * STORE_CARD_SEALED_MAX + 3];

    MDT_ASSERT(n <= STORE_CARD_SEALED_MAX);
    pg_hex_text(b, n, hex);
    p_add(p, hex, strlen(hex), false);
}

bool pg_zeros(const uint8_t *b, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++) {
        acc |= b[i];
    }
    return acc == 0;
}

int64_t pg_field_int(const void *row, const struct col *c)
{
    const uint8_t *f = (const uint8_t *)row + c->off;

    switch (c->size) {
    case 1: {
        uint8_t v;

        memcpy(&v, f, 1);
        return v;
    }
    case 2: {
        uint16_t v;

        memcpy(&v, f, 2);
        return v;
    }
    case 4: {
        uint32_t v;

        memcpy(&v, f, 4);
        return v;
    }
    default: {
        int64_t v;

        memcpy(&v, f, 8);
        return v;
    }
    }
}

static void set_int(void *row, const struct col *c, int64_t v)
{
    uint8_t *f = (uint8_t *)row + c->off;

    if (c->size == 1) {
        uint8_t x = (uint8_t)v;

        memcpy(f, &x, 1);
    } else if (c->size == 2) {
        uint16_t x = (uint16_t)v;

        memcpy(f, &x, 2);
    } else if (c->size == 4) {
        uint32_t x = (uint32_t)v;

        memcpy(f, &x, 4);
    } else {
        memcpy(f, &v, 8);
    }
}

void pg_p_col(struct pg_params *p, const void *row, const struct col *c)
{
    const uint8_t *f = (const uint8_t *)row + c->off;
    struct id128 id;
    char t[24];
    uint16_t len;

    switch (c->kind) {
    case COL_INT:
        snprintf(t, sizeof(t), "%" PRId64, pg_field_int(row, c));
        p_add(p, t, strlen(t), false);
        break;
    case COL_TEXT:
        p_add(p, (const char *)f, strnlen((const char *)f, c->size), false);
        break;
    case COL_ID:
    case COL_ID_NULL:
        memcpy(&id, f, sizeof(id));
        if (c->kind == COL_ID_NULL && id.hi == 0 && id.lo == 0) {
            p_add(p, "", 0, true);
        } else {
            char hex[35];

            pg_id_text(id, hex);
            p_add(p, hex, strlen(hex), false);
        }
        break;
    case COL_BYTES:
        p_bytes(p, f, c->size);
        break;
    case COL_HASH:
        if (pg_zeros(f, 32)) {
            p_add(p, "", 0, true);
        } else {
            p_bytes(p, f, 32);
        }
        break;
    default: /* COL_SEAL */
        memcpy(&len, (const uint8_t *)row + c->aux, sizeof(len));
        MDT_ASSERT(len <= c->size);
        if (len == 0) {
            p_add(p, "", 0, true);
        } else {
            p_bytes(p, f, len);
        }
        break;
    }
}

const char *const *pg_p_values(struct pg_params *p)
{
    for (int i = 0; i < p->n; i++) {
        p->v[i] = p->null[i] ? NULL : p->b.p + p->off[i];
    }
    return p->v;
}

/* ---- decoding ---- */

void pg_get_col(const PGresult *r, int row, int i, void *out, const struct col *c)
{
    uint8_t *f = (uint8_t *)out + c->off;

    switch (c->kind) {
    case COL_INT:
        set_int(out, c, pg_int(r, row, i));
        break;
    case COL_TEXT:
        snprintf((char *)f, c->size, "%s", PQgetvalue(r, row, i));
        break;
    case COL_ID:
    case COL_ID_NULL: {
        struct id128 id = pg_id(r, row, i);

        memcpy(f, &id, sizeof(id));
        break;
    }
    case COL_BYTES:
    case COL_HASH:
        if (!pg_bytes(r, row, i, f, c->kind == COL_HASH ? 32 : c->size)) {
            memset(f, 0, c->kind == COL_HASH ? 32 : c->size);
        }
        break;
    default: { /* COL_SEAL */
        int n = PQgetisnull(r, row, i) ? 0 : (PQgetlength(r, row, i) - 2) / 2;
        uint16_t len = 0;

        if (n > 0 && n <= c->size && pg_bytes(r, row, i, f, (size_t)n)) {
            len = (uint16_t)n;
        }
        memcpy((uint8_t *)out + c->aux, &len, sizeof(len));
        break;
    }
    }
}

/* One query of store_channel_load: a table's columns (t >= 0) or its own columns, the rest of
 * its SQL (%lld: inbox_since_us), and which callback gets its rows. */