/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL backend's description of the channels' tables, column by column (name, kind,
 * where the field is in its row struct): the one place that makes their INSERTs, binds their
 * parameters and decodes their rows (store_pg_rows.c). A new column is one line there. */
#ifndef MDT_STORE_PG_ROWS_H
#define MDT_STORE_PG_ROWS_H

#include <stddef.h>

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

/* One column of table T's row struct: C_INT(struct inbox_row, channel). */
/* clang-format off */
#define FIELD_SIZE(T, f) ((uint16_t)sizeof(((T *)0)->f))
#define C_INT(T, f) {#f, COL_INT, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), 0}
#define C_TEXT(T, f) {#f, COL_TEXT, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), 0}
#define C_ID(T, f) {#f, COL_ID, (uint16_t)offsetof(T, f), 16, 0}
#define C_ID_NULL(T, f) {#f, COL_ID_NULL, (uint16_t)offsetof(T, f), 16, 0}
#define C_BYTES(T, f) {#f, COL_BYTES, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), 0}
#define C_HASH(T, f) {#f, COL_HASH, (uint16_t)offsetof(T, f), 32, 0}
#define C_SEAL(T, f, len) \
    {#f, COL_SEAL, (uint16_t)offsetof(T, f), FIELD_SIZE(T, f), (uint16_t)offsetof(T, len)}
/* clang-format on */

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
    T_CARD_PAN,
    T_CARD, /* its last four columns (bin, last4, pan_len, pan_mac) are card_pans', by a join */
    T_CARD_ALIAS,
    T_CARD_ORDER,
    T_ISO_REQUEST, /* migration 17, the ISO 8583 host: store_pg_iso.c */
    T_CARD_PIN,
    T_FX_RATE,
    T_COUNT
};

/* The tables, indexed by enum table_id. */
extern const struct table pg_tables[T_COUNT];

/* Send row (the struct of table t) by t's insert, its columns [from, nwrite), in the batch's
 * pipeline: 0, or -1 with d filled (store_pg_channel.c). */
int pg_send_table_row(struct pg_store *s, int t, const void *row, int from, struct pg_drain *d,
                      int *sent);

/* Append s to b (growing it; aborts on out-of-memory, as mem_grow). */
void pg_sb_add(struct pg_sbuf *b, const char *s);
/* Append the names of c[from..n), comma-separated, each after prefix ("c." or ""). */
void pg_sb_cols(struct pg_sbuf *b, const struct col *c, int from, int n, const char *prefix);
/* The INSERT of t's columns [from, nwrite) with $1..; extra_col/extra_val: one more constant
 * column (inbox.done), or NULL. arrays: INSERT ... SELECT unnest($1::int8[]), ... with each
 * parameter an array of the column's values (pg_col_array_type), else VALUES($1, ...). The
 * caller frees it. */
char *pg_insert_sql(const struct table *t, int from, const char *extra_col, const char *extra_val,
                    bool arrays);
/* The element type ("int8", "text" or "bytea") of column c sent as an array (store_pg_array.c). */
const char *pg_col_array_type(const struct col *c);
/* The integer field c of row, widened to int64 (unsigned fields by value). */
int64_t pg_field_int(const void *row, const struct col *c);
/* Parameters: start a statement's, add one column of row, the values for libpq. */
void pg_p_begin(struct pg_params *p);
void pg_p_col(struct pg_params *p, const void *row, const struct col *c);
const char *const *pg_p_values(struct pg_params *p);
/* Start a (column c) array, then add column c of row to it, as pg_p_col would send it but in
 * binary (store_pg_array.c; sent by pg_send_arrays). */
void pg_array_begin(struct pg_array *a, const struct col *c);
void pg_array_col(struct pg_array *a, const void *row, const struct col *c);
/* Decode field i of a result row into the column c of the row struct out. */
void pg_get_col(const PGresult *r, int row, int i, void *out, const struct col *c);
/* Whether the n bytes at b are all zero (a hash that means none). */
bool pg_zeros(const uint8_t *b, size_t n);

#endif
