/* SPDX-License-Identifier: Apache-2.0 */
/* The store on PostgreSQL (libpq): selected by a [store] path that is a postgresql:// URI. This
 * file connects (the password comes from the URI's passfile or PGPASSFILE, and no message ever
 * quotes the connection string), applies the migrations of store_pg_schema.c, decodes results,
 * and holds the backend's table of operations; the ledger's log is in store_pg_log.c (arrays in
 * store_pg_array.c), reads and checks in store_pg_read.c, the channels' rows in
 * store_pg_channel.c and store_pg_channel_read.c (their tables described in store_pg_rows.c),
 * cards' own operations in store_pg_card.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "store/store_pg_int.h"

/* ---- errors and queries ---- */

int pg_error(struct pg_store *s, const PGresult *res, struct mdt_err *err, const char *what)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    int code = MDT_E(STORE);

    if (msg == NULL) {
        msg = PQerrorMessage(s->conn);
    }
    if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                          strcmp(state, "55P03") == 0)) {
        code = MDT_E(BUSY);
    } else if (state != NULL && strcmp(state, "23505") == 0) {
        code = MDT_E(EXISTS); /* a unique key taken: a card number or token, a known id */
    } else if (PQstatus(s->conn) != CONNECTION_OK) {
        code = MDT_E(IO);
    }
    /* libpq's messages end with a newline; ours do not. */
    return mdt_err_set(err, code, "%s: %.*s%s%s", what, (int)strcspn(msg, "\n"), msg,
                       state != NULL ? " sqlstate " : "", state != NULL ? state : "");
}

bool pg_retryable(const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

int pg_run(struct pg_store *s, const char *sql, struct mdt_err *err)
{
    PGresult *res = PQexec(s->conn, sql);
    int rc = 0;

    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_error(s, res, err, "run");
    }
    PQclear(res);
    return rc;
}

int pg_query(struct pg_store *s, const char *sql, int n, const char *const *params, PGresult **out,
             struct mdt_err *err)
{
    PGresult *res = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = pg_error(s, res, err, "query");

        PQclear(res);
        *out = NULL;
        return rc;
    }
    *out = res;
    return 0;
}

/* ---- decoding (text format) ---- */

int64_t pg_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool pg_bytes(const PGresult *r, int row, int col, uint8_t *out, size_t n)
{
    const char *v = PQgetvalue(r, row, col);

    /* bytea_output = hex, set at connect: "\x" then two digits a byte. */
    if (PQgetisnull(r, row, col) || strncmp(v, "\\x", 2) != 0 ||
        (size_t)PQgetlength(r, row, col) != 2 + 2 * n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(v[2 + 2 * i]), lo = hex_digit(v[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

struct id128 pg_id(const PGresult *r, int row, int col)
{
    uint8_t b[16];
    struct id128 id = {0, 0};

    if (pg_bytes(r, row, col, b, 16)) {
        for (int i = 0; i < 8; i++) {
            id.hi = (id.hi << 8) | b[i];
            id.lo = (id.lo << 8) | b[8 + i];
        }
    }
    return id;
}

void pg_hex_text(const uint8_t *b, size_t n, char *buf)
{
    static const char digits[] = "0123456789abcdef";

    buf[0] = '\\';
    buf[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        buf[2 + 2 * i] = digits[b[i] >> 4];
        buf[3 + 2 * i] = digits[b[i] & 15];
    }
    buf[2 + 2 * n] = '\0';
}

void pg_id_text(struct id128 id, char buf[35])
{
    uint8_t b[16];

    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(id.hi >> (56 - 8 * i));
        b[8 + i] = (uint8_t)(id.lo >> (56 - 8 * i));
    }
    pg_hex_text(b, 16, buf);
}

void pg_row_transfer(const PGresult *r, int row, struct transfer *t)
{
    memset(t, 0, sizeof(*t));
    t->seq = (uint64_t)pg_int(r, row, 0);
    t->id = pg_id(r, row, 2);
    t->debit_account_id = (uint64_t)pg_int(r, row, 3);
    t->credit_account_id = (uint64_t)pg_int(r, row, 4);
    t->amount = pg_int(r, row, 5);
    t->link_id = pg_id(r, row, 6);
    t->timeout_s = (uint32_t)pg_int(r, row, 7);
    t->kind = (uint16_t)pg_int(r, row, 8);
    t->flags = (uint16_t)pg_int(r, row, 9);
    t->state = (uint16_t)pg_int(r, row, 10);
    t->fee_schedules[0] = (uint16_t)pg_int(r, row, 11);
    t->fee_schedules[1] = (uint16_t)pg_int(r, row, 12);
    t->channel = (uint16_t)pg_int(r, row, 13);
    t->reason = (uint16_t)pg_int(r, row, 14);
    t->timestamp_us = pg_int(r, row, 15);
    t->expires_us = pg_int(r, row, 16);
    t->fingerprint = (uint64_t)pg_int(r, row, 17);
    snprintf(t->ext_ref, sizeof(t->ext_ref), "%s", PQgetvalue(r, row, 18));
}

void pg_row_event(const PGresult *r, int row, struct account_event *e)
{
    memset(e, 0, sizeof(*e));
    e->seq = (uint64_t)pg_int(r, row, 0);
    e->account_id = (uint64_t)pg_int(r, row, 2);
    e->type = (uint16_t)pg_int(r, row, 3);
    e->kind = (uint16_t)pg_int(r, row, 4);
    e->status = (uint16_t)pg_int(r, row, 5);
    e->tier = (uint16_t)pg_int(r, row, 6);
    e->flags = (uint16_t)pg_int(r, row, 7);
    snprintf(e->currency, sizeof(e->currency), "%.3s", PQgetvalue(r, row, 8));
    e->timestamp_us = pg_int(r, row, 9);
}

/* ---- the journal's head ---- */

int pg_head_parse(struct pg_store *s, PGresult *res, struct mdt_err *err)
{
    int rc = 0;

    if (PQntuples(res) != 1 || !pg_bytes(res, 0, 1, s->journal_hash, SHA256_LEN)) {
        rc = mdt_err_set(err, MDT_E(CORRUPT), "the journal's head row is missing or malformed");
    } else {
        s->journal_seq = (uint64_t)pg_int(res, 0, 0);
        s->next_journal_seq = s->journal_seq;
    }
    PQclear(res);
    return rc;
}

int pg_head_read(struct pg_store *s, bool lock, struct mdt_err *err)
{
    PGresult *res = NULL;
    int rc = pg_query(s,
                      lock ? "SELECT seq, hash FROM journal_head WHERE id = 1 FOR UPDATE"
                           : "SELECT seq, hash FROM journal_head WHERE id = 1",
                      0, NULL, &res, err);

    return rc < 0 ? rc : pg_head_parse(s, res, err);
}

/* ---- migrations ---- */

/* Apply the versions this database lacks, in one transaction. The version row is locked first,
 * so two processes migrating at once take turns. */
static int migrate(struct pg_store *s, bool create, struct mdt_err *err)
{
    PGresult *res = NULL;
    int64_t version;
    char sql[96];
    int rc;

    rc = pg_query(s, "SELECT to_regclass('mandat_schema') IS NOT NULL", 0, NULL, &res, err);
    if (rc < 0) {
        return rc;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0 && (!create || s->read_only)) {
        PQclear(res);
        return mdt_err_set(err, MDT_E(NOTFOUND),
                           "the PostgreSQL database holds no mandat schema: run 'mandat init' "
                           "first");
    }
    PQclear(res);
    if (!s->read_only) {
        rc = pg_run(s,
                    "BEGIN;"
                    "CREATE TABLE IF NOT EXISTS mandat_schema(id integer PRIMARY KEY"
                    " CHECK (id = 1), version integer NOT NULL);"
                    "INSERT INTO mandat_schema VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
                    err);
    }
    if (rc == 0) {
        rc = pg_query(s,
                      s->read_only ? "SELECT version FROM mandat_schema WHERE id = 1"
                                   : "SELECT version FROM mandat_schema WHERE id = 1 FOR UPDATE",
                      0, NULL, &res, err);
    }
    if (rc < 0) {
        goto out;
    }
    version = PQntuples(res) == 1 ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (version > pg_schema_version) {
        rc = mdt_err_set(err, MDT_E(SCHEMA),
                         "database schema version %" PRId64
                         " is newer than this mandat (%d): upgrade mandat",
                         version, pg_schema_version);
    } else if (version < pg_schema_version && s->read_only) {
        rc = mdt_err_set(err, MDT_E(SCHEMA),
                         "database schema version %" PRId64
                         " is older than this mandat (%d): run mandat init to migrate",
                         version, pg_schema_version);
    }
    for (int v = (int)version; rc == 0 && v < pg_schema_version; v++) {
        rc = pg_run(s, pg_migrations[v], err);
    }
    if (rc == 0 && !s->read_only) {
        snprintf(sql, sizeof(sql), "UPDATE mandat_schema SET version = %d WHERE id = 1",
                 pg_schema_version);
        rc = pg_run(s, sql, err);
        if (rc == 0) {
            rc = pg_run(s, "COMMIT", err);
        }
    }
out:
    if (rc < 0 && !s->read_only) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
    }
    return rc;
}

/* ---- open and close ---- */

static void pg_close(struct store *base)
{
    struct pg_store *s = (struct pg_store *)base;

    if (s->conn != NULL) {
        PQfinish(s->conn);
    }
    pg_channel_release(s);
    pg_arrays_release(s);
    free(s);
}

int pg_session(struct pg_store *s, struct mdt_err *err)
{
    /* Durability: FULL waits for the WAL flush at every COMMIT (what mandat promises); NORMAL
     * and OFF let the server acknowledge before it (a crash may lose the last commits, never
     * break one). bytea in hex, which pg_bytes decodes. */
    static const char *const sync_sql[] = {"SET synchronous_commit = on",
                                           "SET synchronous_commit = off",
                                           "SET synchronous_commit = off"};
    char sql[64];
    int rc = pg_run(s,
                    "SET bytea_output = 'hex'; SET client_min_messages = warning;"
                    " SET standard_conforming_strings = on",
                    err);

    if (rc == 0) {
        rc = pg_run(s, sync_sql[s->sync >= 0 && s->sync <= 2 ? s->sync : 0], err);
    }
    if (rc == 0 && s->busy_timeout_ms > 0) {
        snprintf(sql, sizeof(sql), "SET lock_timeout = %d", s->busy_timeout_ms);
        rc = pg_run(s, sql, err);
    }
    if (rc == 0 && s->read_only) {
        rc = pg_run(s, "SET default_transaction_read_only = on", err);
    }
    return rc;
}

int pg_connected(struct pg_store *s, struct mdt_err *err)
{
    return PQstatus(s->conn) == CONNECTION_OK ? 0 : pg_reconnect(s, err);
}

int pg_reconnect(struct pg_store *s, struct mdt_err *err)
{
    int64_t now = clock_mono_us();
    int rc;

    if (now < s->retry_at_us) {
        return mdt_err_set(err, MDT_E(IO),
                           "the PostgreSQL server cannot be reached: next try in %lld ms",
                           (long long)((s->retry_at_us - now) / 1000));
    }
    s->in_tx = false;
    s->prepared = false; /* a new session has no prepared statements */
    PQreset(s->conn);
    rc = PQstatus(s->conn) == CONNECTION_OK ? pg_session(s, err)
                                            : pg_error(s, NULL, err, "reconnect");
    if (rc < 0) {
        s->wait_ms = s->wait_ms == 0 ? PG_RECONNECT_FIRST_MS : s->wait_ms * 2;
        if (s->wait_ms > PG_RECONNECT_MAX_MS) {
            s->wait_ms = PG_RECONNECT_MAX_MS;
        }
        s->retry_at_us = now + (int64_t)s->wait_ms * 1000;
        return rc;
    }
    s->wait_ms = 0;
    s->retry_at_us = 0;
    return 0;
}

/* A password in the URI would be in the configuration, in messages that name the store and, on
 * a command line, in ps: refused; libpq reads it from passfile= or PGPASSFILE instead. */
static bool uri_has_password(const char *uri)
{
    const char *auth = strstr(uri, "://");
    size_t end;

    if (auth == NULL) {
        return false;
    }
    auth += 3;
    end = strcspn(auth, "/?");
    for (size_t i = 0; i < end; i++) {
        if (auth[i] == '@') {
            return memchr(auth, ':', i) != NULL;
        }
    }
    return strstr(auth + end, "password=") != NULL;
}

static int configure(struct pg_store *s, struct mdt_err *err)
{
    int rc = pg_session(s, err);

    if (rc == 0) {
        rc = migrate(s, s->create, err);
    }
    if (rc == 0) {
        rc = pg_head_read(s, false, err);
        s->seen_seq = s->journal_seq;
    }
    return rc;
}

static const struct store_ops pg_ops;

int store_pg_open(const struct store_options *opt, struct store **out, struct mdt_err *err)
{
    struct pg_store *s = calloc(1, sizeof(*s));
    int rc;

    if (s == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory opening the PostgreSQL store");
    }
    s->base.ops = &pg_ops;
    s->read_only = opt->read_only;
    s->create = opt->create;
    s->sync = opt->sync;
    s->busy_timeout_ms = opt->busy_timeout_ms;
    if (uri_has_password(opt->path)) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "the PostgreSQL URI holds a password: put it in a passfile"
                         " (the URI's passfile= or PGPASSFILE), never in [store] path");
        goto fail;
    }
    /* libpq reads the password from the URI's passfile= or PGPASSFILE when the URI has none;
     * the connection string itself is never quoted in a message (it may hold one). */
    s->conn = PQconnectdb(opt->path);
    if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
        const char *msg = s->conn != NULL ? PQerrorMessage(s->conn) : "out of memory";

        rc = mdt_err_set(err, MDT_E(IO), "cannot connect to the PostgreSQL store: %.*s",
                         (int)strcspn(msg, "\n"), msg);
        goto fail;
    }
    rc = configure(s, err);
    if (rc < 0) {
        goto fail;
    }
    *out = &s->base;
    return 0;
fail:
    pg_close(&s->base);
    return rc;
}

static const struct store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .replay = pg_replay,
    .changed = pg_changed,
    .begin = pg_begin,
    .write = pg_write,
    .commit = pg_commit,
    .commit_send = pg_commit_send,
    .write_send = pg_write_send,
    .commit_wait = pg_commit_wait,
    .rollback = pg_rollback,
    .channel_load = pg_channel_load,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .statement = pg_statement,
    .statement_page = pg_statement_page,
    .transfer_get = pg_transfer_get,
    .journal = pg_journal,
    .journal_verify = pg_journal_verify,
    .sums = pg_sums,
    .check_rows = pg_check_rows,
    .webhook_list = pg_webhook_list,
    .messages = pg_messages,
    .webhook_requeue = pg_webhook_requeue,
    .card_reseal = pg_card_reseal,
    .card_pan_known = pg_card_pan_known,
};
