/* SPDX-License-Identifier: Apache-2.0 */
/* mandat migrate --to postgresql://...: every row of a SQLite store copied into an empty
 * PostgreSQL one, table by table, in one PostgreSQL transaction. Driven by the PostgreSQL
 * schema (the same tables and columns as SQLite's, store_pg_schema.c): each table's columns are
 * read from information_schema and selected by name from SQLite, so a migration ported to both
 * backends needs nothing here. The journal is copied as it is (same digests, same hashes), so
 * mandat check on the copy verifies the chain the SQLite store built. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "store/store_pg_int.h"

/* The text parameters of one SQLite row, as PostgreSQL's text format wants them. */
static void row_params(sqlite3_stmt *st, int n, struct pg_params *p)
{
    char num[24];

    p->b.len = 0;
    p->n = 0;
    for (int i = 0; i < n; i++) {
        int type = sqlite3_column_type(st, i);
        const char *v = "";
        size_t len = 0;
        char *hex = NULL;

        MDT_ASSERT(p->n < PG_PARAMS_MAX);
        if (type == SQLITE_INTEGER) {
            len = (size_t)snprintf(num, sizeof(num), "%lld", sqlite3_column_int64(st, i));
            v = num;
        } else if (type == SQLITE_BLOB) {
            len = (size_t)sqlite3_column_bytes(st, i);
            hex = malloc(2 * len + 3);
            MDT_ASSERT(hex != NULL);
            pg_hex_text(sqlite3_column_blob(st, i), len, hex);
            v = hex;
            len = 2 * len + 2;
        } else if (type != SQLITE_NULL) {
            v = (const char *)sqlite3_column_text(st, i);
            len = (size_t)sqlite3_column_bytes(st, i);
        }
        mem_grow((void **)&p->b.p, &p->b.cap, p->b.len + len + 1, 1);
        p->off[p->n] = p->b.len;
        p->null[p->n++] = type == SQLITE_NULL;
        memcpy(p->b.p + p->b.len, v, len);
        p->b.len += len;
        p->b.p[p->b.len++] = '\0';
        free(hex);
    }
    for (int i = 0; i < p->n; i++) {
        p->v[i] = p->null[i] ? NULL : p->b.p + p->off[i];
    }
}

/* SELECT cols FROM table on SQLite and INSERT INTO table(cols) on PostgreSQL, the rows sent in
 * the pipeline. cols: the PostgreSQL table's columns, comma-separated. */
static int copy_table(struct pg_store *s, sqlite3 *db, const char *table, const char *cols,
                      int ncols, uint64_t *rows, struct mdt_err *err)
{
    char sql[2048], ins[4096];
    size_t len;
    sqlite3_stmt *st = NULL;
    struct pg_drain d = {0};
    int sent = 0, rc = 0, step;

    snprintf(sql, sizeof(sql), "SELECT %s FROM %s", cols, table);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return mdt_err_set(err, MDT_E(STORE), "migrate %s: %s", table, sqlite3_errmsg(db));
    }
    len = (size_t)snprintf(ins, sizeof(ins), "INSERT INTO %s(%s) VALUES(", table, cols);
    for (int i = 1; i <= ncols && len < sizeof(ins); i++) {
        len += (size_t)snprintf(ins + len, sizeof(ins) - len, "%s$%d%s", i > 1 ? ", " : "", i,
                                i == ncols ? ")" : "");
    }
    if (len >= sizeof(ins)) {
        sqlite3_finalize(st);
        return mdt_err_set(err, MDT_E(RANGE), "migrate %s: too many columns", table);
    }
    if (PQenterPipelineMode(s->conn) != 1) {
        sqlite3_finalize(st);
        return pg_error(s, NULL, err, "migrate");
    }
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        row_params(st, ncols, &s->params);
        rc = pg_send_params(s, ins, ncols, s->params.v, &d, &sent);
        (*rows)++;
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = mdt_err_set(err, MDT_E(STORE), "migrate %s: %s", table, sqlite3_errmsg(db));
    } else if (rc == 0) {
        rc = pg_pipeline_end(s, &d, &sent);
    }
    if (d.first_error != NULL || d.lost) {
        rc = pg_error(s, d.first_error, err, table);
        PQclear(d.first_error);
    }
    if (PQstatus(s->conn) == CONNECTION_OK) {
        PQexitPipelineMode(s->conn);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Every table of the PostgreSQL schema but its own two (mandat_schema, journal_head), copied. */
static int copy_tables(struct pg_store *s, sqlite3 *db, uint64_t *rows, struct mdt_err *err)
{
    PGresult *tables = NULL;
    int rc = pg_query(s,
                      "SELECT t.table_name, string_agg(c.column_name, ', ' ORDER BY"
                      " c.ordinal_position), count(*) FROM information_schema.tables t JOIN"
                      " information_schema.columns c ON c.table_schema = t.table_schema AND"
                      " c.table_name = t.table_name WHERE t.table_schema = current_schema() AND"
                      " t.table_type = 'BASE TABLE' AND t.table_name NOT IN ('mandat_schema',"
                      " 'journal_head') GROUP BY t.table_name ORDER BY t.table_name",
                      0, NULL, &tables, err);

    for (int i = 0; rc == 0 && i < PQntuples(tables); i++) {
        rc = copy_table(s, db, PQgetvalue(tables, i, 0), PQgetvalue(tables, i, 1),
                        (int)pg_int(tables, i, 2), rows, err);
    }
    PQclear(tables);
    return rc;
}

/* After the copy: the journal's head is the last entry copied, and each identity column goes on
 * after the largest key copied. */
static int copy_finish(struct pg_store *s, struct mdt_err *err)
{
    static const char *const seq_tables[] = {"inbox",      "outbox",      "payment_requests",
                                             "webhooks",   "idempotency", "campaign_donations",
                                             "code_orders"};
    char sql[256];
    int rc = pg_run(s,
                    "UPDATE journal_head h SET seq = j.seq, hash = j.hash FROM (SELECT seq, hash"
                    " FROM journal ORDER BY seq DESC LIMIT 1) j WHERE h.id = 1",
                    err);

    for (size_t i = 0; rc == 0 && i < sizeof(seq_tables) / sizeof(seq_tables[0]); i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT setval(pg_get_serial_sequence('%s', 'seq'), max(seq)) FROM %s"
                 " HAVING max(seq) IS NOT NULL",
                 seq_tables[i], seq_tables[i]);
        rc = pg_run(s, sql, err);
    }
    return rc;
}

static int sqlite_version(sqlite3 *db, int *version, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = mdt_err_set(err, MDT_E(STORE), "read the SQLite schema version: %s",
                         sqlite3_errmsg(db));
    } else {
        *version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_migrate_to_pg(const char *from, const char *to, uint64_t *rows, struct mdt_err *err)
{
    struct store_options so = {.path = to, .create = true};
    struct store *base = NULL;
    struct pg_store *s;
    sqlite3 *db = NULL;
    int version = 0, rc;

    *rows = 0;
    if (store_path_is_pg(from) || !store_path_is_pg(to)) {
        return mdt_err_set(err, MDT_E(INVAL), "migrate: from a SQLite file to a postgresql:// URI");
    }
    if (sqlite3_open_v2(from, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot open '%s': %s", from,
                         db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    rc = sqlite_version(db, &version, err);
    if (rc == 0 && version != pg_schema_version) {
        rc = mdt_err_set(err, MDT_E(SCHEMA),
                         "'%s' is at schema version %d, this mandat at %d: run mandat init on it"
                         " first",
                         from, version, pg_schema_version);
    }
    if (rc == 0) {
        rc = store_pg_open(&so, &base, err);
    }
    if (rc < 0) {
        goto out;
    }
    s = (struct pg_store *)base;
    /* One transaction: a copy is whole or nothing; the head's lock keeps writers out. */
    rc = pg_run(s, "BEGIN", err);
    if (rc == 0) {
        rc = pg_head_read(s, true, err);
    }
    if (rc == 0 && s->journal_seq != 0) {
        rc = mdt_err_set(err, MDT_E(EXISTS),
                         "the PostgreSQL store already holds %" PRIu64 " journal entries: migrate"
                         " into an empty one",
                         s->journal_seq);
    }
    if (rc == 0) {
        rc = copy_tables(s, db, rows, err);
    }
    if (rc == 0) {
        rc = copy_finish(s, err);
    }
    if (rc == 0) {
        rc = pg_run(s, "COMMIT", err);
    }
    if (rc < 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
    }
out:
    store_close(base);
    sqlite3_close(db);
    return rc;
}
