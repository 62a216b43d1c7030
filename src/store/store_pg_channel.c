/* SPDX-License-Identifier: Apache-2.0 */
/* The channels' rows on PostgreSQL (store_channel.h): written in the batch's transaction, read
 * back at start-up. Each table is described once, column by column (name, kind, where the field
 * is in its row struct), and the same description makes the INSERT, binds the parameters and
 * decodes the rows: a new column is one line here. The cards' own tables (card_pans, cards,
 * card_aliases, card_files, card_orders) are not written here yet: their rows are refused, and
 * loading them refuses unless they are empty. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "store/store_pg_int.h"

enum col_kind {
    COL_INT,     /* bool, uint8/16/32, int64 or uint64 (as bigint) by its size */
    COL_TEXT,    /* char[cap], not necessarily NUL-terminated */
    COL_ID,      /* struct id128 as 16 bytes */
    COL_ID_NULL, /* the same, NULL when zero */
    COL_BYTES,   /* uint8_t[size], never NULL */
    COL_HASH,    /* uint8_t[32], NULL when all zeros */
    COL_SEAL,    /* uint8_t[cap] with its length in a uint16_t at aux; NULL when 0 */
};

struct col {
    const char *name;
    uint8_t kind;
    uint16_t off, size, aux;
};

#define FIELD_SIZE(T, f) ((uint16_t)sizeof(((T *)0)->f))
#define C_INT(T, f)                                                                                \
    {                                                                                              \
#f, COL_INT, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), 0                                 \
    }
#define C_TEXT(T, f)                                                                               \
    {                                                                                              \
#f, COL_TEXT, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), 0                                \
    }
#define C_ID(T, f)                                                                                 \
    {                                                                                              \
#f, COL_ID, (uint16_t)offsetof(T, f), 16, 0                                                \
    }
#define C_ID_NULL(T, f)                                                                            \
    {                                                                                              \
#f, COL_ID_NULL, (uint16_t)offsetof(T, f), 16, 0                                           \
    }
#define C_BYTES(T, f)                                                                              \
    {                                                                                              \
#f, COL_BYTES, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), 0                               \
    }
#define C_HASH(T, f)                                                                               \
    {                                                                                              \
#f, COL_HASH, (uint16_t)offsetof(T, f), 32, 0                                              \
    }
#define C_SEAL(T, f, len)                                                                          \
    {                                                                                              \
#f, COL_SEAL, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), (uint16_t)offsetof(T, len)       \
    }

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
                                             C_INT(struct card_topup_row, updated_us)};
static const struct col acquirer_op_cols[] = {
    C_TEXT(struct acquirer_op_row, key),           C_ID(struct acquirer_op_row, topup_id),
    C_INT(struct acquirer_op_row, kind),           C_INT(struct acquirer_op_row, state),
    C_INT(struct acquirer_op_row, amount_minor),   C_TEXT(struct acquirer_op_row, currency),
    C_INT(struct acquirer_op_row, wallet_account), C_TEXT(struct acquirer_op_row, ref),
    C_TEXT(struct acquirer_op_row, auth_ref),      C_TEXT(struct acquirer_op_row, code),
    C_INT(struct acquirer_op_row, created_us),     C_INT(struct acquirer_op_row, updated_us)};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* How a table's rows are written: insert only, insert ignoring a known key, or upsert on key. */
enum write_mode { W_INSERT, W_IGNORE, W_UPSERT };

struct table {
    const char *name;
    const struct col *cols;
    int ncols;       /* columns read back */
    int nwrite;      /* the first nwrite of them written by an insert */
    int mode;        /* enum write_mode */
    const char *key; /* the conflict target of W_UPSERT */
};

enum table_id {
    T_INBOX,
    T_OUTBOX,
    T_CUSTOMER,
    T_CONVERSATION,
    T_ASSOCIATION,
    T_CLAIM,
    T_MERCHANT,
    T_API_KEY,
    T_PAYMENT_REQUEST,
    T_WEBHOOK,
    T_IDEMPOTENCY,
    T_CAMPAIGN,
    T_DONATION,
    T_SOCIAL_LINK,
    T_SOCIAL_CURSOR,
    T_CODE_ORDER,
    T_CARD_TOPUP,
    T_ACQUIRER_OP,
    T_COUNT
};

#define TABLE(n, c, mode, key)                                                                     \
    {                                                                                              \
        n, c, NCOLS(c), NCOLS(c), mode, key                                                        \
    }
static const struct table tables[T_COUNT] = {
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
};

/* ---- SQL from the descriptions ---- */

static void sb_add(struct pg_sbuf *b, const char *s)
{
    size_t n = strlen(s);

    mem_grow((void **)&b->p, &b->cap, b->len + n + 1, 1);
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static void sb_cols(struct pg_sbuf *b, const struct col *c, int from, int n, const char *prefix)
{
    for (int i = from; i < n; i++) {
        if (i > from) {
            sb_add(b, ", ");
        }
        sb_add(b, prefix);
        sb_add(b, c[i].name);
    }
}

/* INSERT of columns [from, nwrite) with $1..: the caller frees b.p. extra_col/extra_val: one more
 * constant column (inbox.done), or NULL. */
static char *insert_sql(const struct table *t, int from, const char *extra_col,
                        const char *extra_val)
{
    struct pg_sbuf b = {0};
    char num[16];

    sb_add(&b, "INSERT INTO ");
    sb_add(&b, t->name);
    sb_add(&b, "(");
    sb_cols(&b, t->cols, from, t->nwrite, "");
    if (extra_col != NULL) {
        sb_add(&b, ", ");
        sb_add(&b, extra_col);
    }
    sb_add(&b, ") VALUES(");
    for (int i = from; i < t->nwrite; i++) {
        snprintf(num, sizeof(num), "%s$%d", i > from ? ", " : "", i - from + 1);
        sb_add(&b, num);
    }
    if (extra_val != NULL) {
        sb_add(&b, ", ");
        sb_add(&b, extra_val);
    }
    sb_add(&b, ")");
    if (t->mode == W_IGNORE) {
        sb_add(&b, " ON CONFLICT DO NOTHING");
    } else if (t->mode == W_UPSERT) {
        sb_add(&b, " ON CONFLICT (");
        sb_add(&b, t->key);
        sb_add(&b, ") DO UPDATE SET ");
        for (int i = from; i < t->nwrite; i++) {
            if (i > from) {
                sb_add(&b, ", ");
            }
            sb_add(&b, t->cols[i].name);
            sb_add(&b, " = EXCLUDED.");
            sb_add(&b, t->cols[i].name);
        }
    }
    return b.p;
}

/* ---- parameters ---- */

static void p_begin(struct pg_params *p)
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

static bool zeros(const uint8_t *b, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++) {
        acc |= b[i];
    }
    return acc == 0;
}

static int64_t field_int(const void *row, const struct col *c)
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

static void p_col(struct pg_params *p, const void *row, const struct col *c)
{
    const uint8_t *f = (const uint8_t *)row + c->off;
    struct id128 id;
    char t[24];
    uint16_t len;

    switch (c->kind) {
    case COL_INT:
        snprintf(t, sizeof(t), "%" PRId64, field_int(row, c));
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
        if (zeros(f, 32)) {
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

static const char *const *p_values(struct pg_params *p)
{
    for (int i = 0; i < p->n; i++) {
        p->v[i] = p->null[i] ? NULL : p->b.p + p->off[i];
    }
    return p->v;
}

/* ---- writing, in the batch's pipeline ---- */

/* The SQL of a table's insert, made once per connection: variant 1 is inbox's (with done = 0)
 * and a new code order's (without seq). */
static const char *table_sql(struct pg_store *s, int t, int variant)
{
    _Static_assert(sizeof(s->channel_sql) / sizeof(s->channel_sql[0]) == 2 * T_COUNT,
                   "two variants of each table's insert");
    char **slot = &s->channel_sql[t * 2 + variant];

    if (*slot == NULL) {
        if (t == T_INBOX) {
            *slot = insert_sql(&tables[t], 0, "done", "0");
        } else {
            *slot = insert_sql(&tables[t], variant, NULL, NULL);
        }
    }
    return *slot;
}

static int send_table_row(struct pg_store *s, int t, const void *row, int from, struct pg_drain *d,
                          int *sent)
{
    struct pg_params *p = &s->params;

    p_begin(p);
    for (int i = from; i < tables[t].nwrite; i++) {
        p_col(p, row, &tables[t].cols[i]);
    }
    return pg_send_params(s, table_sql(s, t, t == T_INBOX ? 0 : from), p->n, p_values(p), d, sent);
}

/* A statement of its own on some columns of table t's row (updates, deletes). */
static int send_cols(struct pg_store *s, const char *sql, int t, const void *row, const int *cols,
                     int n, struct pg_drain *d, int *sent)
{
    struct pg_params *p = &s->params;

    p_begin(p);
    for (int i = 0; i < n; i++) {
        p_col(p, row, &tables[t].cols[cols[i]]);
    }
    return pg_send_params(s, sql, p->n, p_values(p), d, sent);
}

static int send_customer(struct pg_store *s, const struct customer_row *r, struct pg_drain *d,
                         int *sent)
{
    struct customer_row c = *r;

    /* As SQLite stores them: no code, no hash; no link, no link hash. */
    if (!c.has_pin) {
        memset(c.pin_hash, 0, sizeof(c.pin_hash));
    }
    if (c.enrol_expires_us == 0) {
        memset(c.enrol_hash, 0, sizeof(c.enrol_hash));
    }
    return send_table_row(s, T_CUSTOMER, &c, 0, d, sent);
}

static int send_social_link(struct pg_store *s, const struct social_link_row *r, struct pg_drain *d,
                            int *sent)
{
    static const int cols[] = {1, 0}; /* user_id, address */
    int rc;

    /* A rename: the row under the old handle goes, so that the old handle, which someone else
     * may take, no longer reaches this wallet. */
    rc = send_cols(s,
                   "DELETE FROM social_links WHERE user_id = $1 AND user_id != ''"
                   " AND address != $2 AND substr(address, 1, strpos(address, ':'))"
                   " = substr($2, 1, strpos($2, ':'))",
                   T_SOCIAL_LINK, r, cols, 2, d, sent);
    return rc == 0 ? send_table_row(s, T_SOCIAL_LINK, r, 0, d, sent) : rc;
}

static int send_extra(struct pg_store *s, const struct store_extra *x, struct pg_drain *d,
                      int *sent)
{
    static const int key[] = {0};
    static const int outbox_state[] = {3, 4, 9, 7, 8, 0};
    static const int webhook_state[] = {4, 5, 7, 9, 0};

    switch (x->kind) {
    case EXTRA_INBOX:
        return send_table_row(s, T_INBOX, &x->u.inbox, 0, d, sent);
    case EXTRA_INBOX_DONE:
        return send_cols(s, "UPDATE inbox SET done = 1 WHERE id = $1", T_INBOX, &x->u.inbox, key, 1,
                         d, sent);
    case EXTRA_INBOX_CONFIRMED:
        return send_cols(s, "UPDATE inbox SET doubt_key = NULL WHERE id = $1", T_INBOX, &x->u.inbox,
                         key, 1, d, sent);
    case EXTRA_OUTBOX:
        return send_table_row(s, T_OUTBOX, &x->u.outbox, 0, d, sent);
    case EXTRA_OUTBOX_STATE:
        /* Once the peer has the message (any state but queued), its link's seal is dropped. */
        return send_cols(s,
                         "UPDATE outbox SET state = $1, attempts = $2, next_try_us = $3,"
                         " peer_id = $4, final_state = $5,"
                         " link_seal = CASE WHEN $1 = 0 THEN link_seal END WHERE id = $6",
                         T_OUTBOX, &x->u.outbox, outbox_state, 6, d, sent);
    case EXTRA_CUSTOMER:
        return send_customer(s, &x->u.customer, d, sent);
    case EXTRA_CONVERSATION:
        if (!x->u.conversation.active) {
            return send_cols(s, "DELETE FROM conversations WHERE phone = $1", T_CONVERSATION,
                             &x->u.conversation, key, 1, d, sent);
        }
        return send_table_row(s, T_CONVERSATION, &x->u.conversation, 0, d, sent);
    case EXTRA_ASSOCIATION:
        return send_table_row(s, T_ASSOCIATION, &x->u.association, 0, d, sent);
    case EXTRA_CLAIM:
        if (!x->u.claim.active) {
            return send_cols(s, "DELETE FROM claims WHERE id = $1", T_CLAIM, &x->u.claim, key, 1, d,
                             sent);
        }
        return send_table_row(s, T_CLAIM, &x->u.claim, 0, d, sent);
    case EXTRA_MERCHANT:
        return send_table_row(s, T_MERCHANT, &x->u.merchant, 0, d, sent);
    case EXTRA_API_KEY:
        return send_table_row(s, T_API_KEY, &x->u.api_key, 0, d, sent);
    case EXTRA_PAYMENT_REQUEST:
        return send_table_row(s, T_PAYMENT_REQUEST, &x->u.payment_request, 0, d, sent);
    case EXTRA_WEBHOOK:
        return send_table_row(s, T_WEBHOOK, &x->u.webhook, 0, d, sent);
    case EXTRA_WEBHOOK_STATE:
        return send_cols(s,
                         "UPDATE webhooks SET state = $1, attempts = $2, next_try_us = $3,"
                         " last_error = $4 WHERE id = $5",
                         T_WEBHOOK, &x->u.webhook, webhook_state, 5, d, sent);
    case EXTRA_IDEMPOTENCY:
        return send_table_row(s, T_IDEMPOTENCY, &x->u.idempotency, 0, d, sent);
    case EXTRA_CAMPAIGN:
        return send_table_row(s, T_CAMPAIGN, &x->u.campaign, 0, d, sent);
    case EXTRA_CAMPAIGN_DONATION:
        return send_table_row(s, T_DONATION, &x->u.campaign_donation, 0, d, sent);
    case EXTRA_SOCIAL_LINK:
        return send_social_link(s, &x->u.social_link, d, sent);
    case EXTRA_SOCIAL_CURSOR:
        return send_table_row(s, T_SOCIAL_CURSOR, &x->u.social_cursor, 0, d, sent);
    case EXTRA_CODE_ORDER:
        return send_table_row(s, T_CODE_ORDER, &x->u.code_order, x->u.code_order.seq == 0 ? 1 : 0,
                              d, sent);
    case EXTRA_CARD_TOPUP:
        return send_table_row(s, T_CARD_TOPUP, &x->u.card_topup, 0, d, sent);
    default: /* EXTRA_ACQUIRER_OP; pg_extras_check refused the rest */
        return send_table_row(s, T_ACQUIRER_OP, &x->u.acquirer_op, 0, d, sent);
    }
}

int pg_extras_check(const struct store_extras *x, size_t nx, struct mdt_err *err)
{
    for (size_t i = 0; i < nx; i++) {
        for (size_t k = 0; k < x[i].count; k++) {
            unsigned kind = x[i].rows[k].kind;

            if (kind == EXTRA_CARD_PAN || kind == EXTRA_CARD || kind == EXTRA_CARD_ALIAS ||
                kind == EXTRA_CARD_FILE || kind == EXTRA_CARD_ORDER) {
                return mdt_err_set(err, MDT_E(INVAL),
                                   "the PostgreSQL store does not keep issued cards, card"
                                   " numbers, aliases or cards on file yet: use a SQLite [store]"
                                   " path for cards");
            }
            if (kind > EXTRA_CARD_ORDER) {
                return mdt_err_set(err, MDT_E(INVAL), "unknown channel row kind %u", kind);
            }
        }
    }
    return 0;
}

int pg_send_extras(struct pg_store *s, const struct store_extras *x, size_t nx, struct pg_drain *d,
                   int *sent)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < nx; i++) {
        for (size_t k = 0; rc == 0 && k < x[i].count; k++) {
            rc = send_extra(s, &x[i].rows[k], d, sent);
        }
    }
    return rc;
}

void pg_channel_release(struct pg_store *s)
{
    for (size_t i = 0; i < sizeof(s->channel_sql) / sizeof(s->channel_sql[0]); i++) {
        free(s->channel_sql[i]);
        s->channel_sql[i] = NULL;
    }
    free(s->params.b.p);
    s->params.b.p = NULL;
    s->params.b.cap = 0;
}

/* ---- reading back ---- */

/* Room for any one row being decoded. */
union store_row_u {
    struct inbox_row inbox;
    struct outbox_row outbox;
    struct customer_row customer;
    struct conversation_row conversation;
    struct association_row association;
    struct claim_row claim;
    struct merchant_row merchant;
    struct api_key_row api_key;
    struct payment_request_row payment_request;
    struct webhook_row webhook;
    struct idempotency_row idempotency;
    struct campaign_row campaign;
    struct campaign_total campaign_total;
    struct campaign_donation_row campaign_donation;
    struct social_link_row social_link;
    struct social_cursor_row social_cursor;
    struct code_order_row code_order;
    struct card_topup_row card_topup;
    struct acquirer_op_row acquirer_op;
};

static void get_col(const PGresult *r, int row, int i, void *out, const struct col *c)
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
enum load_id {
    L_CUSTOMER,
    L_CONVERSATION,
    L_ASSOCIATION,
    L_CLAIM,
    L_INBOX,
    L_OUTBOX,
    L_MERCHANT,
    L_API_KEY,
    L_PAYMENT_REQUEST,
    L_WEBHOOK,
    L_IDEMPOTENCY,
    L_CAMPAIGN,
    L_CAMPAIGN_TOTAL,
    L_CAMPAIGN_DONOR,
    L_SOCIAL_LINK,
    L_SOCIAL_CURSOR,
    L_CODE_ORDER,
    L_CARD_TOPUP,
    L_ACQUIRER_OP,
    L_COUNT
};

static const struct {
    int table;
    const char *tail;
} loads[L_COUNT] = {
    [L_CUSTOMER] = {T_CUSTOMER, ""},
    [L_CONVERSATION] = {T_CONVERSATION, ""},
    [L_ASSOCIATION] = {T_ASSOCIATION, ""},
    [L_CLAIM] = {T_CLAIM, " ORDER BY created_us"},
    [L_INBOX] = {T_INBOX, " WHERE received_us >= %lld OR done = 0 ORDER BY seq"},
    [L_OUTBOX] = {T_OUTBOX, " WHERE state < 2 ORDER BY seq"},
    [L_MERCHANT] = {T_MERCHANT, ""},
    [L_API_KEY] = {T_API_KEY, ""},
    [L_PAYMENT_REQUEST] = {T_PAYMENT_REQUEST, " ORDER BY seq"},
    [L_WEBHOOK] = {T_WEBHOOK, " WHERE state = 0 AND next_try_us <= %lld ORDER BY seq"},
    [L_IDEMPOTENCY] = {T_IDEMPOTENCY, " WHERE created_us >= %lld ORDER BY seq"},
    [L_CAMPAIGN] = {T_CAMPAIGN, ""},
    [L_CAMPAIGN_TOTAL] = {-1, "SELECT tag, SUM(amount_minor), COUNT(*) FROM campaign_donations"
                              " GROUP BY tag"},
    [L_CAMPAIGN_DONOR] = {T_DONATION, " WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER()"
                                      " OVER (PARTITION BY tag ORDER BY seq DESC) AS n FROM"
                                      " campaign_donations WHERE donor != '') d WHERE n <= 10)"
                                      " ORDER BY tag, seq DESC"},
    [L_SOCIAL_LINK] = {T_SOCIAL_LINK, ""},
    [L_SOCIAL_CURSOR] = {T_SOCIAL_CURSOR, ""},
    [L_CODE_ORDER] = {T_CODE_ORDER, " WHERE state = 0 ORDER BY seq"},
    [L_CARD_TOPUP] = {T_CARD_TOPUP, " WHERE state < 4 ORDER BY created_us"},
    [L_ACQUIRER_OP] = {T_ACQUIRER_OP, " WHERE state IN (0, 3) ORDER BY created_us"},
};

/* Hand one decoded row to its callback. */
static int deliver(int l, const struct store_channel_fns *f, void *ctx, union store_row_u *u,
                   bool done)
{
    switch (l) {
    case L_CUSTOMER:
        u->customer.has_pin = !zeros(u->customer.pin_hash, 32);
        if (zeros(u->customer.enrol_hash, 32)) {
            u->customer.enrol_expires_us = 0;
        }
        return f->customer(ctx, &u->customer);
    case L_CONVERSATION:
        u->conversation.active = true;
        return f->conversation(ctx, &u->conversation);
    case L_ASSOCIATION:
        return f->association(ctx, &u->association);
    case L_CLAIM:
        u->claim.active = true;
        return f->claim(ctx, &u->claim);
    case L_INBOX:
        return f->inbox(ctx, &u->inbox, done);
    case L_OUTBOX:
        return f->outbox(ctx, &u->outbox);
    case L_MERCHANT:
        return f->merchant(ctx, &u->merchant);
    case L_API_KEY:
        return f->api_key(ctx, &u->api_key);
    case L_PAYMENT_REQUEST:
        return f->payment_request(ctx, &u->payment_request);
    case L_WEBHOOK:
        return f->webhook(ctx, &u->webhook);
    case L_IDEMPOTENCY:
        return f->idempotency(ctx, &u->idempotency);
    case L_CAMPAIGN:
        return f->campaign(ctx, &u->campaign);
    case L_CAMPAIGN_TOTAL:
        return f->campaign_total(ctx, &u->campaign_total);
    case L_CAMPAIGN_DONOR:
        return f->campaign_donor(ctx, &u->campaign_donation);
    case L_SOCIAL_LINK:
        return f->social_link(ctx, &u->social_link);
    case L_SOCIAL_CURSOR:
        return f->social_cursor(ctx, &u->social_cursor);
    case L_CODE_ORDER:
        return f->code_order(ctx, &u->code_order);
    case L_CARD_TOPUP:
        return f->card_topup(ctx, &u->card_topup);
    default:
        return f->acquirer_op(ctx, &u->acquirer_op);
    }
}

static bool wanted(int l, const struct store_channel_fns *f)
{
    const void *fn[L_COUNT] = {
        [L_CUSTOMER] = (const void *)f->customer,
        [L_CONVERSATION] = (const void *)f->conversation,
        [L_ASSOCIATION] = (const void *)f->association,
        [L_CLAIM] = (const void *)f->claim,
        [L_INBOX] = (const void *)f->inbox,
        [L_OUTBOX] = (const void *)f->outbox,
        [L_MERCHANT] = (const void *)f->merchant,
        [L_API_KEY] = (const void *)f->api_key,
        [L_PAYMENT_REQUEST] = (const void *)f->payment_request,
        [L_WEBHOOK] = (const void *)f->webhook,
        [L_IDEMPOTENCY] = (const void *)f->idempotency,
        [L_CAMPAIGN] = (const void *)f->campaign,
        [L_CAMPAIGN_TOTAL] = (const void *)f->campaign_total,
        [L_CAMPAIGN_DONOR] = (const void *)f->campaign_donor,
        [L_SOCIAL_LINK] = (const void *)f->social_link,
        [L_SOCIAL_CURSOR] = (const void *)f->social_cursor,
        [L_CODE_ORDER] = (const void *)f->code_order,
        [L_CARD_TOPUP] = (const void *)f->card_topup,
        [L_ACQUIRER_OP] = (const void *)f->acquirer_op,
    };

    return fn[l] != NULL;
}

/* The SQL of load l, into b (the caller frees b->p). */
static void load_sql(int l, int64_t since_us, struct pg_sbuf *b)
{
    char tail[512];

    if (loads[l].table < 0) {
        sb_add(b, loads[l].tail);
        return;
    }
    sb_add(b, "SELECT ");
    sb_cols(b, tables[loads[l].table].cols, 0, tables[loads[l].table].ncols, "");
    sb_add(b, l == L_INBOX ? ", done FROM " : " FROM ");
    sb_add(b, tables[loads[l].table].name);
    /* The tails' only conversion is %lld (since_us), or none. */
    if (strstr(loads[l].tail, "%lld") != NULL) {
        const char *at = strstr(loads[l].tail, "%lld");

        snprintf(tail, sizeof(tail), "%.*s%lld%s", (int)(at - loads[l].tail), loads[l].tail,
                 (long long)since_us, at + 4);
        sb_add(b, tail);
    } else {
        sb_add(b, loads[l].tail);
    }
}

static int load_one(struct pg_store *s, int l, int64_t since_us, const struct store_channel_fns *f,
                    void *ctx, union store_row_u *u, struct mdt_err *err)
{
    struct pg_sbuf sql = {0};
    struct pg_cursor c;
    int rc;

    memset(&c, 0, sizeof(c));
    load_sql(l, since_us, &sql);
    rc = pg_cursor_open(s, &c, "mdt_load", sql.p, err);
    while (rc == 0 && c.live) {
        memset(u, 0, sizeof(*u));
        if (l == L_CAMPAIGN_TOTAL) {
            snprintf(u->campaign_total.tag, sizeof(u->campaign_total.tag), "%s",
                     PQgetvalue(c.res, c.row, 0));
            u->campaign_total.total_minor = pg_int(c.res, c.row, 1);
            u->campaign_total.donations = (uint64_t)pg_int(c.res, c.row, 2);
        } else {
            const struct table *t = &tables[loads[l].table];

            for (int i = 0; i < t->ncols; i++) {
                get_col(c.res, c.row, i, u, &t->cols[i]);
            }
        }
        rc =
            deliver(l, f, ctx, u, l == L_INBOX && pg_int(c.res, c.row, tables[T_INBOX].ncols) != 0);
        if (rc == 0) {
            rc = pg_cursor_next(s, &c, err);
        }
    }
    pg_cursor_close(s, &c);
    free(sql.p);
    return rc;
}

/* The cards' own tables are not read here yet: loading them is refused unless they are empty
 * (they are, while their rows are refused on write). */
static int cards_empty(struct pg_store *s, const struct store_channel_fns *f, struct mdt_err *err)
{
    PGresult *res = NULL;
    int rc;

    if (f->card == NULL && f->card_alias == NULL && f->card_pan == NULL && f->card_file == NULL &&
        f->card_order == NULL) {
        return 0;
    }
    rc = pg_query(s,
                  "SELECT EXISTS (SELECT 1 FROM cards) OR EXISTS (SELECT 1 FROM card_aliases)"
                  " OR EXISTS (SELECT 1 FROM card_pans) OR EXISTS (SELECT 1 FROM card_files)"
                  " OR EXISTS (SELECT 1 FROM card_orders)",
                  0, NULL, &res, err);
    if (rc == 0 && strcmp(PQgetvalue(res, 0, 0), "f") != 0) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "load card rows: the PostgreSQL store does not read cards yet, and its"
                         " card tables are not empty");
    }
    PQclear(res);
    return rc;
}

int pg_channel_load(struct store *base, const struct store_channel_fns *fns, void *ctx,
                    int64_t inbox_since_us, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    union store_row_u *u = malloc(sizeof(*u));
    bool own = false;
    int rc;

    if (u == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "load channel rows: out of memory");
    }
    rc = pg_read_tx_begin(s, &own, err);
    if (rc == 0) {
        rc = cards_empty(s, fns, err);
    }
    for (int l = 0; rc == 0 && l < L_COUNT; l++) {
        if (wanted(l, fns)) {
            rc = load_one(s, l, inbox_since_us, fns, ctx, u, err);
        }
    }
    pg_read_tx_end(s, own);
    free(u);
    return rc;
}

/* ---- for people: a number's messages, webhook events ---- */

int pg_messages(struct store *base, const char *number, uint32_t limit, store_message_fn fn,
                void *ctx, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct store_message *m = malloc(sizeof(*m));
    char lim[16], chan[8], queued[8];
    const char *params[4] = {number, lim, chan, queued};
    PGresult *res = NULL;
    int rc;

    if (m == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "read messages: out of memory");
    }
    snprintf(lim, sizeof(lim), "%" PRIu32, limit);
    snprintf(chan, sizeof(chan), "%d", CHANNEL_SMS);
    snprintf(queued, sizeof(queued), "%d", OUTBOX_QUEUED); /* those reach the dev phone apart */
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s,
                      "SELECT 1, received_us, text FROM inbox WHERE source = $1 AND channel = $3"
                      " UNION ALL SELECT 0, created_us, text FROM outbox WHERE dest = $1"
                      " AND channel = $3 AND state != $4 ORDER BY 2 DESC LIMIT $2",
                      4, params, &res, err);
    }
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        m->inbound = pg_int(res, i, 0) != 0;
        m->at_us = pg_int(res, i, 1);
        snprintf(m->text, sizeof(m->text), "%s", PQgetvalue(res, i, 2));
        rc = fn(ctx, m);
    }
    PQclear(res);
    free(m);
    return rc;
}

/* The WHERE of f: by id ($1), or merchant (0: any), created since, state (-1: any). */
static void webhook_where(const struct store_webhook_filter *f, char *where, size_t cap,
                          char id[35])
{
    if (f->by_id) {
        pg_id_text(f->id, id);
        snprintf(where, cap, " WHERE id = $1");
        return;
    }
    snprintf(where, cap,
             " WHERE ($1::bytea IS NULL) AND (%" PRIu64 " = 0 OR merchant_id = %" PRIu64 ")"
             " AND created_us >= %" PRId64 " AND (%d < 0 OR state = %d)",
             f->merchant_id, f->merchant_id, f->since_us, f->state, f->state);
}

int pg_webhook_list(struct store *base, const struct store_webhook_filter *f, store_webhook_fn fn,
                    void *ctx, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    struct webhook_row *r = malloc(sizeof(*r));
    struct pg_sbuf sql = {0};
    char where[256], id[35], lim[32] = "";
    const char *params[1] = {f->by_id ? id : NULL};
    PGresult *res = NULL;
    int rc;

    if (r == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "list webhook events: out of memory");
    }
    webhook_where(f, where, sizeof(where), id);
    if (f->limit > 0) {
        snprintf(lim, sizeof(lim), " LIMIT %" PRIu32, f->limit);
    }
    sb_add(&sql, "SELECT ");
    sb_cols(&sql, webhook_cols, 0, NCOLS(webhook_cols), "");
    sb_add(&sql, " FROM webhooks");
    sb_add(&sql, where);
    sb_add(&sql, " ORDER BY seq DESC");
    sb_add(&sql, lim);
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s, sql.p, 1, params, &res, err);
    }
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        memset(r, 0, sizeof(*r));
        for (int c = 0; c < NCOLS(webhook_cols); c++) {
            get_col(res, i, c, r, &webhook_cols[c]);
        }
        rc = fn(ctx, r);
    }
    PQclear(res);
    free(sql.p);
    free(r);
    return rc;
}

int pg_webhook_requeue(struct store *base, const struct store_webhook_filter *f, int64_t now_us,
                       uint64_t *count, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    char where[256], id[35], sql[400];
    const char *params[1] = {f->by_id ? id : NULL};
    PGresult *res = NULL;
    int rc;

    *count = 0;
    if (s->read_only || s->in_tx) {
        return mdt_err_set(err, MDT_E(INVAL), "requeue webhook events: %s",
                           s->read_only ? "the store is open read-only" : "inside a transaction");
    }
    webhook_where(f, where, sizeof(where), id);
    snprintf(sql, sizeof(sql), "UPDATE webhooks SET state = 0, next_try_us = %" PRId64 "%s", now_us,
             where);
    /* One statement is one transaction, beside the engine's. */
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_query(s, sql, 1, params, &res, err);
    }
    if (rc == 0) {
        *count = strtoull(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
    return rc;
}
