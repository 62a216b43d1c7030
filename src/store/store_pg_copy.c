/* SPDX-License-Identifier: Apache-2.0 */
/* A batch's log rows by COPY ... FROM STDIN in text format: one message stream a table instead
 * of one INSERT a row, so the server parses, plans and acknowledges once per table (what
 * carries large batches: bench/RESULTS.md). Values are formatted as PostgreSQL's COPY text
 * format wants them: tab between columns, \N for NULL, backslash escapes in text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/store_pg_int.h"

struct copy_buf {
    char *p;
    size_t len, cap;
};

static void put(struct copy_buf *b, const char *s, size_t n)
{
    mem_grow((void **)&b->p, &b->cap, b->len + n + 1, 1);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_int(struct copy_buf *b, int64_t v, char sep)
{
    char t[24];
    int n = snprintf(t, sizeof(t), "%" PRId64 "%c", v, sep);

    put(b, t, (size_t)n);
}

/* bytea in hex, its backslash escaped for COPY: \\x0011... */
static void put_id(struct copy_buf *b, struct id128 id, char sep)
{
    char t[36];

    pg_id_text(id, t);
    put(b, "\\", 1);
    put(b, t, strlen(t));
    put(b, &sep, 1);
}

static void put_text(struct copy_buf *b, const char *s, size_t cap, char sep)
{
    size_t n = strnlen(s, cap);

    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '\\'   ? "\\\\"
                          : s[i] == '\t' ? "\\t"
                          : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r"
                                         : NULL;

        if (esc != NULL) {
            put(b, esc, 2);
        } else {
            put(b, &s[i], 1);
        }
    }
    put(b, &sep, 1);
}

static void row_transfer(struct copy_buf *b, const struct transfer *t, uint64_t batch)
{
    put_int(b, (int64_t)t->seq, '\t');
    put_int(b, (int64_t)batch, '\t');
    put_id(b, t->id, '\t');
    put_int(b, (int64_t)t->debit_account_id, '\t');
    put_int(b, (int64_t)t->credit_account_id, '\t');
    put_int(b, t->amount, '\t');
    if (t->link_id.hi == 0 && t->link_id.lo == 0) {
        put(b, "\\N\t", 3);
    } else {
        put_id(b, t->link_id, '\t');
    }
    put_int(b, t->timeout_s, '\t');
    put_int(b, t->kind, '\t');
    put_int(b, t->flags, '\t');
    put_int(b, t->state, '\t');
    put_int(b, t->fee_schedules[0], '\t');
    put_int(b, t->fee_schedules[1], '\t');
    put_int(b, t->channel, '\t');
    put_int(b, t->reason, '\t');
    put_int(b, t->timestamp_us, '\t');
    put_int(b, t->expires_us, '\t');
    put_int(b, (int64_t)t->fingerprint, '\t');
    put_text(b, t->ext_ref, sizeof(t->ext_ref), '\n');
}

static void row_event(struct copy_buf *b, const struct account_event *e, uint64_t batch)
{
    put_int(b, (int64_t)e->seq, '\t');
    put_int(b, (int64_t)batch, '\t');
    put_int(b, (int64_t)e->account_id, '\t');
    put_int(b, e->type, '\t');
    put_int(b, e->kind, '\t');
    put_int(b, e->status, '\t');
    put_int(b, e->tier, '\t');
    put_int(b, e->flags, '\t');
    put_text(b, e->currency, 4, '\t');
    put_int(b, e->timestamp_us, '\n');
}

/* One COPY: start it, stream b, end it, read its result. */
static int copy_one(struct pg_store *s, const char *sql, const struct copy_buf *b,
                    struct pg_drain *d)
{
    PGresult *res = PQexec(s->conn, sql);
    int rc = 0;

    if (PQresultStatus(res) != PGRES_COPY_IN) {
        goto failed;
    }
    PQclear(res);
    if (PQputCopyData(s->conn, b->p, (int)b->len) != 1 || PQputCopyEnd(s->conn, NULL) != 1) {
        d->lost = true;
        return -1;
    }
    res = PQgetResult(s->conn);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        goto failed;
    }
    PQclear(res);
    while ((res = PQgetResult(s->conn)) != NULL) {
        PQclear(res);
    }
    return 0;
failed:
    rc = -1;
    if (PQstatus(s->conn) != CONNECTION_OK) {
        d->lost = true;
        PQclear(res);
    } else {
        d->retry = pg_retryable(res);
        d->first_error = res;
        while ((res = PQgetResult(s->conn)) != NULL) {
            PQclear(res);
        }
    }
    return rc;
}

int pg_copy_logs(struct pg_store *s, const struct ledger_changes *ch, uint64_t batch,
                 struct pg_drain *d)
{
    struct copy_buf b = {0};
    int rc = 0;

    if (ch->event_count > 0) {
        for (size_t i = 0; i < ch->event_count; i++) {
            row_event(&b, &ch->events[i], batch);
        }
        rc = copy_one(s, "COPY account_events(" PG_EVENT_COLS ") FROM STDIN", &b, d);
    }
    if (rc == 0 && ch->transfer_count > 0) {
        b.len = 0;
        for (size_t i = 0; i < ch->transfer_count; i++) {
            row_transfer(&b, &ch->transfers[i], batch);
        }
        rc = copy_one(s, "COPY transfers(" PG_TRANSFER_COLS ") FROM STDIN", &b, d);
    }
    if (rc == 0 && ch->rejection_count > 0) {
        b.len = 0;
        for (size_t i = 0; i < ch->rejection_count; i++) {
            row_transfer(&b, &ch->rejections[i], batch);
        }
        rc = copy_one(s, "COPY rejections(" PG_TRANSFER_COLS ") FROM STDIN", &b, d);
    }
    free(b.p);
    return rc;
}
