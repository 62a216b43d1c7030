/* SPDX-License-Identifier: Apache-2.0 */
/* A batch's log rows (and, through the channel tables' descriptions, its channel rows:
 * store_pg_channel_group.c) as one INSERT ... SELECT FROM unnest(...) a table, its columns sent as
 * arrays in PostgreSQL's binary format: one statement a table whatever the batch's size, parsed
 * and planned once a connection (prepared), and, unlike COPY, sent in the same pipeline as the
 * journal entry and the COMMIT, so that a whole batch costs one round trip and one WAL flush
 * (bench/RESULTS.md, 2026-12-07 "issue 16 continued"). Binary values need no text conversion
 * on either side: integers go big-endian, ids as their 16 bytes, text as its bytes. */
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "store/store_pg_rows.h"

/* Element types (pg_type.oid) of the arrays, checked by the server's array_recv. */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_INT4 = 23, OID_TEXT = 25 };

/* The array header (array_send): ndim, has-nulls flag, element type, then length and lower
 * bound of the one dimension. */
#define ARRAY_HEADER 20

static void put_be32(struct pg_sbuf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    mem_grow((void **)&b->p, &b->cap, b->len + 4, 1);
    memcpy(b->p + b->len, t, 4);
    b->len += 4;
}

static void put_raw(struct pg_sbuf *b, const void *p, size_t n)
{
    mem_grow((void **)&b->p, &b->cap, b->len + n, 1);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void arr_begin(struct pg_array *a, uint32_t oid)
{
    a->b.len = 0;
    a->oid = oid;
    a->n = 0;
    a->nulls = false;
    mem_grow((void **)&a->b.p, &a->b.cap, ARRAY_HEADER, 1);
    a->b.len = ARRAY_HEADER;
}

static void arr_end(struct pg_array *a)
{
    size_t len = a->b.len;

    a->b.len = 0;
    put_be32(&a->b, 1);
    put_be32(&a->b, a->nulls ? 1 : 0);
    put_be32(&a->b, a->oid);
    put_be32(&a->b, a->n);
    put_be32(&a->b, 1);
    a->b.len = len;
}

static void arr_i8(struct pg_array *a, int64_t v)
{
    put_be32(&a->b, 8);
    put_be32(&a->b, (uint32_t)((uint64_t)v >> 32));
    put_be32(&a->b, (uint32_t)v);
    a->n++;
}

static void arr_i4(struct pg_array *a, int64_t v)
{
    put_be32(&a->b, 4);
    put_be32(&a->b, (uint32_t)(int32_t)v);
    a->n++;
}

static void arr_bytes(struct pg_array *a, const void *p, size_t n)
{
    put_be32(&a->b, (uint32_t)n);
    put_raw(&a->b, p, n);
    a->n++;
}

static void arr_text(struct pg_array *a, const char *s, size_t cap)
{
    arr_bytes(a, s, strnlen(s, cap));
}

static void arr_null(struct pg_array *a)
{
    put_be32(&a->b, UINT32_MAX); /* -1: NULL */
    a->nulls = true;
    a->n++;
}

/* An id as a bytea of its 16 bytes (hi then lo, big-endian), as pg_id reads it; NULL when
 * zero and null_if_zero (a transfer without link). */
static void arr_id(struct pg_array *a, struct id128 id, bool null_if_zero)
{
    uint8_t b[16];

    if (null_if_zero && id.hi == 0 && id.lo == 0) {
        arr_null(a);
        return;
    }
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(id.hi >> (56 - 8 * i));
        b[8 + i] = (uint8_t)(id.lo >> (56 - 8 * i));
    }
    arr_bytes(a, b, 16);
}

/* Column types, in PG_TRANSFER_COLS and PG_EVENT_COLS order (the casts of the statements in
 * store_pg_log.c say the same). */
static const uint32_t transfer_oids[PG_TRANSFER_NCOLS] = {
    OID_INT8, OID_INT8, OID_BYTEA, OID_INT8, OID_INT8, OID_INT8, OID_BYTEA,
    OID_INT8, OID_INT4, OID_INT4,  OID_INT4, OID_INT4, OID_INT4, OID_INT4,
    OID_INT4, OID_INT8, OID_INT8,  OID_INT8, OID_TEXT};
static const uint32_t event_oids[PG_EVENT_NCOLS] = {OID_INT8, OID_INT8, OID_INT8, OID_INT4,
                                                    OID_INT4, OID_INT4, OID_INT4, OID_INT4,
                                                    OID_TEXT, OID_INT8};

static void row_transfer(struct pg_array *c, const struct transfer *t, uint64_t batch)
{
    arr_i8(&c[0], (int64_t)t->seq);
    arr_i8(&c[1], (int64_t)batch);
    arr_id(&c[2], t->id, false);
    arr_i8(&c[3], (int64_t)t->debit_account_id);
    arr_i8(&c[4], (int64_t)t->credit_account_id);
    arr_i8(&c[5], t->amount);
    arr_id(&c[6], t->link_id, true);
    arr_i8(&c[7], t->timeout_s);
    arr_i4(&c[8], t->kind);
    arr_i4(&c[9], t->flags);
    arr_i4(&c[10], t->state);
    arr_i4(&c[11], t->fee_schedules[0]);
    arr_i4(&c[12], t->fee_schedules[1]);
    arr_i4(&c[13], t->channel);
    arr_i4(&c[14], t->reason);
    arr_i8(&c[15], t->timestamp_us);
    arr_i8(&c[16], t->expires_us);
    arr_i8(&c[17], (int64_t)t->fingerprint);
    arr_text(&c[18], t->ext_ref, sizeof(t->ext_ref));
}

static void row_event(struct pg_array *c, const struct account_event *e, uint64_t batch)
{
    arr_i8(&c[0], (int64_t)e->seq);
    arr_i8(&c[1], (int64_t)batch);
    arr_i8(&c[2], (int64_t)e->account_id);
    arr_i4(&c[3], e->type);
    arr_i4(&c[4], e->kind);
    arr_i4(&c[5], e->status);
    arr_i4(&c[6], e->tier);
    arr_i4(&c[7], e->flags);
    arr_text(&c[8], e->currency, 4);
    arr_i8(&c[9], e->timestamp_us);
}

/* ---- a channel table's column (store_pg_rows.h), as its text parameter says it (pg_p_col) ---- */

void pg_array_begin(struct pg_array *a, const struct col *c)
{
    arr_begin(a, c->kind == COL_INT ? OID_INT8 : c->kind == COL_TEXT ? OID_TEXT : OID_BYTEA);
}

void pg_array_col(struct pg_array *a, const void *row, const struct col *c)
{
    const uint8_t *f = (const uint8_t *)row + c->off;
    struct id128 id;
    uint16_t len;

    switch (c->kind) {
    case COL_INT:
        arr_i8(a, pg_field_int(row, c));
        break;
    case COL_TEXT:
        arr_text(a, (const char *)f, c->size);
        break;
    case COL_ID:
    case COL_ID_NULL:
        memcpy(&id, f, sizeof(id));
        arr_id(a, id, c->kind == COL_ID_NULL);
        break;
    case COL_BYTES:
        arr_bytes(a, f, c->size);
        break;
    case COL_HASH:
        if (pg_zeros(f, 32)) {
            arr_null(a);
        } else {
            arr_bytes(a, f, 32);
        }
        break;
    default: /* COL_SEAL */
        memcpy(&len, (const uint8_t *)row + c->aux, sizeof(len));
        MDT_ASSERT(len <= c->size);
        if (len == 0) {
            arr_null(a);
        } else {
            arr_bytes(a, f, len);
        }
        break;
    }
}

int pg_send_arrays(struct pg_store *s, const char *stmt, const char *sql, int ncols,
                   struct pg_drain *d, int *sent)
{
    const char *v[PG_ARRAYS_MAX];
    int len[PG_ARRAYS_MAX], fmt[PG_ARRAYS_MAX];

    MDT_ASSERT(ncols > 0 && ncols <= PG_ARRAYS_MAX);
    for (int i = 0; i < ncols; i++) {
        arr_end(&s->arrays[i]);
        v[i] = s->arrays[i].b.p;
        len[i] = (int)s->arrays[i].b.len;
        fmt[i] = 1;
    }
    return pg_send_binary(s, stmt, sql, ncols, v, len, fmt, d, sent);
}

static void arrays_begin(struct pg_store *s, const uint32_t *oids, int ncols)
{
    for (int i = 0; i < ncols; i++) {
        arr_begin(&s->arrays[i], oids[i]);
    }
}

int pg_send_logs(struct pg_store *s, const struct ledger_changes *ch, uint64_t batch,
                 struct pg_drain *d, int *sent)
{
    int rc = 0;

    if (ch->event_count > 0) {
        arrays_begin(s, event_oids, PG_EVENT_NCOLS);
        for (size_t i = 0; i < ch->event_count; i++) {
            row_event(s->arrays, &ch->events[i], batch);
        }
        rc = pg_send_arrays(s, "mdt_arr_event", NULL, PG_EVENT_NCOLS, d, sent);
    }
    if (rc == 0 && ch->transfer_count > 0) {
        arrays_begin(s, transfer_oids, PG_TRANSFER_NCOLS);
        for (size_t i = 0; i < ch->transfer_count; i++) {
            row_transfer(s->arrays, &ch->transfers[i], batch);
        }
        rc = pg_send_arrays(s, "mdt_arr_transfer", NULL, PG_TRANSFER_NCOLS, d, sent);
    }
    if (rc == 0 && ch->rejection_count > 0) {
        arrays_begin(s, transfer_oids, PG_TRANSFER_NCOLS);
        for (size_t i = 0; i < ch->rejection_count; i++) {
            row_transfer(s->arrays, &ch->rejections[i], batch);
        }
        rc = pg_send_arrays(s, "mdt_arr_rejection", NULL, PG_TRANSFER_NCOLS, d, sent);
    }
    if (rc == 0 && ch->state_count > 0) {
        /* Closed pending transfers: one statement for all, not one a row (it was 200 000
         * statements in bench/sms.sh). Planned for each batch's values: a plan prepared while
         * the log was small keeps a scan of the whole log. A pending transfer closes once, so a
         * seq comes once; DISTINCT ON keeps the last change should that ever not hold, as
         * SQLite's row-by-row updates would. */
        arr_begin(&s->arrays[0], OID_INT4);
        arr_begin(&s->arrays[1], OID_INT8);
        for (size_t i = 0; i < ch->state_count; i++) {
            arr_i4(&s->arrays[0], ch->states[i].state);
            arr_i8(&s->arrays[1], (int64_t)ch->states[i].seq);
        }
        rc = pg_send_arrays(s, NULL,
                            "UPDATE transfers t SET state = u.state FROM (SELECT DISTINCT ON (seq)"
                            " seq, state FROM unnest($1::int4[], $2::int8[]) WITH ORDINALITY"
                            " AS c(state, seq, n) ORDER BY seq, n DESC) u WHERE t.seq = u.seq",
                            2, d, sent);
    }
    return rc;
}

void pg_arrays_release(struct pg_store *s)
{
    for (int i = 0; i < PG_ARRAYS_MAX; i++) {
        free(s->arrays[i].b.p);
        s->arrays[i] = (struct pg_array){0};
    }
}
