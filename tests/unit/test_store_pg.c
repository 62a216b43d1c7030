/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL store beside SQLite: the same operations give the same journal (digests and
 * hashes, entry by entry), the same replayed view and sums, the same schema version; checks
 * find tampering; what is refused is refused with a clear error; a lost
 * connection mid-batch loses nothing and commits nothing twice; a serialization failure is
 * retried without a second effect; a password in the URI is refused; the batch's binary arrays
 * keep every byte; channel rows written twice in one batch end as if written one by one; batches
 * in flight commit in order, each only on top of the one before it.
 * Needs the suite's server (tests/pg.sh, CTest fixture pg_server). */
#include <libpq-fe.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine/recovery.h"
#include "store/store.h"
#include "store_test.h"

static int64_t now_us = 1700000000000000;

static int64_t fixed_clock(void)
{
    return now_us;
}

/* A PostgreSQL location whatever MANDAT_STORE says (this test is about PostgreSQL). */
static void pg_path(const char *name, char *out, size_t cap)
{
    setenv("MANDAT_STORE", "postgres", 1);
    test_store_path("/nonexistent", name, out, cap);
}

/* Execute op; want: LEDGER_OK, or -1 for any refusal. */
static void exec_ok(struct engine *e, struct ledger_op *op, int want)
{
    struct ledger_result res;

    assert_int_equal(engine_execute(e, op, 1, &res, NULL), 0);
    if (want < 0) {
        assert_int_not_equal(res.reason, LEDGER_OK);
    } else {
        assert_int_equal(res.reason, want);
    }
}

/* The same operations, one batch each, at the same clock. */
static void run_ops(struct store *s)
{
    struct ledger_config cfg;
    struct engine_options eo = {
        .ledger = &cfg, .store = s, .batch_max = 64, .queue_depth = 64, .clock_us = fixed_clock};
    struct engine *e = NULL;
    struct ledger_op op;

    now_us = 1700000000000000;
    ledger_config_defaults(&cfg);
    assert_int_equal(engine_start(&eo, &e, NULL), 0);
    memset(&op, 0, sizeof(op));
    op.type = LEDGER_OP_SYSTEM_INIT;
    strcpy(op.account.currency, "EUR");
    exec_ok(e, &op, LEDGER_OK);
    for (int i = 0; i < 3; i++) {
        memset(&op, 0, sizeof(op));
        op.type = LEDGER_OP_ACCOUNT_OPEN;
        op.account.kind = ACCOUNT_WALLET;
        op.account.tier = 2;
        strcpy(op.account.currency, "EUR");
        now_us += 1000;
        exec_ok(e, &op, LEDGER_OK);
    }
    for (int i = 0; i < 6; i++) {
        memset(&op, 0, sizeof(op));
        op.type = LEDGER_OP_TRANSFER;
        op.transfer.id = (struct id128){.hi = 7, .lo = (uint64_t)i + 1};
        /* 1 is the bank, 2-4 system accounts, 5-7 the wallets */
        op.transfer.debit_account_id = i == 0 ? 1 : 5;
        op.transfer.credit_account_id = i == 0 ? 5 : 6;
        op.transfer.amount = i == 0 ? 50000 : 1000 * i;
        op.transfer.kind = i == 0 ? TRANSFER_TOPUP : TRANSFER_P2P;
        op.transfer.flags = i == 3 ? TRANSFER_PENDING : 0;
        op.transfer.timeout_s = i == 3 ? 3600 : 0;
        snprintf(op.transfer.ext_ref, sizeof(op.transfer.ext_ref), "ref-%d", i);
        now_us += 1000;
        exec_ok(e, &op, LEDGER_OK);
        if (i == 1) {
            /* a payment larger than what wallet 7 holds: a rejection row */
            op.transfer.id.lo = 100;
            op.transfer.amount = 1000000;
            op.transfer.debit_account_id = 7;
            op.transfer.credit_account_id = 5;
            exec_ok(e, &op, -1);
        }
    }
    engine_stop(e);
}

#define ENTRIES_MAX 64

struct journal_copy {
    struct journal_entry e[ENTRIES_MAX];
    size_t n;
};

static int copy_entry(void *ctx, const struct journal_entry *e)
{
    struct journal_copy *j = ctx;

    assert_true(j->n < ENTRIES_MAX);
    j->e[j->n++] = *e;
    return 0;
}

static uint64_t check_all(struct store *s)
{
    uint64_t v = 0;

    assert_int_equal(store_check_journal(s, NULL, NULL, &v, NULL), 0);
    assert_int_equal(store_check_rows(s, NULL, NULL, &v, NULL), 0);
    return v;
}

struct sums_copy {
    struct store_account_sums a[16];
    size_t n;
};

static int copy_sums(void *ctx, const struct store_account_sums *s)
{
    struct sums_copy *c = ctx;

    assert_true(c->n < 16);
    c->a[c->n++] = *s;
    return 0;
}

static int cmp_sums(const void *a, const void *b)
{
    const struct store_account_sums *x = a, *y = b;

    return x->account_id < y->account_id ? -1 : x->account_id > y->account_id;
}

/* The same batch gives the same digest and the same chain on both backends. */
static void test_same_journal(void **state)
{
    char dir[] = "/tmp/mandat-storepg-XXXXXX", lite[128], pg[512], cmd[160];
    struct store_options so = {.create = true, .sync = STORE_DURABLE_FULL};
    struct store *s[2] = {NULL, NULL};
    struct journal_copy *j = calloc(2, sizeof(*j));
    struct sums_copy sums[2] = {{.n = 0}};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(lite, sizeof(lite), "%s/t.db", dir);
    pg_path("journal", pg, sizeof(pg));
    so.path = lite;
    assert_int_equal(store_open(&so, &s[0], NULL), 0);
    so.path = pg;
    assert_int_equal(store_open(&so, &s[1], NULL), 0);
    assert_string_equal(store_backend_name(s[1]), "postgresql");
    for (int b = 0; b < 2; b++) {
        run_ops(s[b]);
        assert_int_equal(store_journal(s[b], copy_entry, &j[b], NULL), 0);
        assert_int_equal(check_all(s[b]), 0);
        assert_int_equal(store_sums(s[b], copy_sums, &sums[b], NULL), 0);
        qsort(sums[b].a, sums[b].n, sizeof(sums[b].a[0]), cmp_sums);
    }
    assert_true(j[0].n >= 10);
    assert_int_equal(j[0].e[j[0].n - 5].rejections, 1); /* the refused payment */
    assert_int_equal(j[0].n, j[1].n);
    for (size_t i = 0; i < j[0].n; i++) {
        assert_memory_equal(&j[0].e[i], &j[1].e[i], sizeof(j[0].e[i]));
    }
    assert_int_equal(sums[0].n, sums[1].n);
    assert_memory_equal(sums[0].a, sums[1].a, sums[0].n * sizeof(sums[0].a[0]));
    store_close(s[0]);
    store_close(s[1]);
    /* A changed row, then a changed journal entry, are found on PostgreSQL too. */
    assert_int_equal(test_store_sql(pg, "UPDATE transfers SET amount = amount + 1 WHERE seq ="
                                        " (SELECT min(seq) FROM transfers)"),
                     0);
    so.path = pg;
    so.create = false;
    assert_int_equal(store_open(&so, &s[1], NULL), 0);
    assert_int_equal(check_all(s[1]), 1);
    store_close(s[1]);
    test_store_drop(pg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(j);
}

static int64_t pg_int_query(const char *uri, const char *sql)
{
    PGconn *c = PQconnectdb(uri);
    PGresult *r = PQexec(c, sql);
    int64_t v = -1;

    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    }
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Where a SQLite migration is ported to PostgreSQL: said by every failure of the parity checks
 * below, so that whoever adds migration N to SQLite knows what is left to do. */
#define PORT_HOWTO                                                                                 \
    "port it: the schema string in src/store/store_pg_schema.c, its columns in"                    \
    " src/store/store_pg_rows.c, a new table in enum table_id (store_pg_rows.h), pg_tables[],"      \
    " loads[] (store_pg_channel_read.c) and channel_sql[] (store_pg_int.h), new row kinds in"       \
    " store_pg_channel.c; docs/postgres.md \"Porting a new SQLite migration N\""

/* The "table.column" names of the PostgreSQL schema at uri, space-separated with a space at both
 * ends; the caller frees it. */
static char *pg_columns(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    PGresult *r = PQexec(c, "SELECT ' ' || string_agg(table_name || '.' || column_name, ' ')"
                            " || ' ' FROM information_schema.columns"
                            " WHERE table_schema = current_schema()");
    char *out = NULL;

    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    out = strdup(PQgetvalue(r, 0, 0));
    assert_non_null(out);
    PQclear(r);
    PQfinish(c);
    return out;
}

/* The columns of SQLite's tables (h) missing from PostgreSQL's schema (uri), each said with
 * where to port it. */
static int missing_columns(sqlite3 *h, const char *uri)
{
    char *pg = pg_columns(uri);
    sqlite3_stmt *st = NULL;
    char want[256];
    int missing = 0;

    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT m.name, c.name FROM sqlite_master m,"
                                        " pragma_table_info(m.name) c WHERE m.type = 'table'"
                                        " AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, c.cid",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(want, sizeof(want), " %s.%s ", (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 1));
        if (strstr(pg, want) == NULL) {
            print_error("column%sis in SQLite's schema, not in PostgreSQL's: %s\n", want,
                        PORT_HOWTO);
            missing++;
        }
    }
    sqlite3_finalize(st);
    free(pg);
    return missing;
}

/* Both backends are at the same schema version, with the same columns; a newer one is refused. */
static void test_schema_version(void **state)
{
    char dir[] = "/tmp/mandat-storepg-XXXXXX", lite[128], pg[512], cmd[160];
    struct store_options so = {.create = true};
    struct store *s = NULL;
    struct mdt_err err = {0};
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int64_t lite_version, pg_version;
    int missing;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(lite, sizeof(lite), "%s/t.db", dir);
    so.path = lite;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    store_close(s);
    assert_int_equal(sqlite3_open(lite, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    lite_version = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    pg_path("schema", pg, sizeof(pg));
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    store_close(s);
    pg_version = pg_int_query(pg, "SELECT version FROM mandat_schema");
    missing = missing_columns(h, pg);
    sqlite3_close(h);
    if (pg_version != lite_version) {
        print_error("SQLite's newest migration is %lld (src/store/store_sqlite.c, migrations[]),"
                    " PostgreSQL's %lld: every SQLite migration after %lld must be ported to"
                    " PostgreSQL too (%s)\n",
                    (long long)lite_version, (long long)pg_version, (long long)pg_version,
                    PORT_HOWTO);
    }
    assert_int_equal(pg_version, lite_version);
    assert_int_equal(missing, 0); /* a column only SQLite has */
    /* Every table has a primary key (what a distributed engine needs). */
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM pg_tables t WHERE schemaname ="
                                      " current_schema() AND NOT EXISTS (SELECT 1 FROM"
                                      " pg_indexes i WHERE i.schemaname = t.schemaname AND"
                                      " i.tablename = t.tablename AND i.indexname LIKE '%_pkey')"),
                     0);
    assert_int_equal(test_store_sql(pg, "UPDATE mandat_schema SET version = 99"), 0);
    so.create = false;
    assert_int_equal(store_open(&so, &s, &err), MDT_E(SCHEMA));
    assert_non_null(strstr(err.msg, "newer"));
    test_store_drop(pg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int any_customer(void *ctx, const struct customer_row *r)
{
    (void)ctx, (void)r;
    return 0;
}

static int any_alias(void *ctx, const struct card_alias_row *r)
{
    (void)ctx, (void)r;
    return 0;
}

/* A store not initialised, a password in the URI, no server: refused plainly, nothing secret
 * quoted. */
static void test_refusals(void **state)
{
    char pg[512], bad[600];
    struct store_options so = {.create = false};
    struct store *s = NULL;
    struct mdt_err err = {0};
    struct store_channel_fns fns = {.customer = any_customer};
    struct store_channel_fns cards = {.card_alias = any_alias};
    const char *at;

    (void)state;
    pg_path("refuse", pg, sizeof(pg));
    so.path = pg;
    assert_int_equal(store_open(&so, &s, &err), MDT_E(NOTFOUND));
    assert_non_null(strstr(err.msg, "mandat init"));
    so.create = true;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    /* Channel rows load (here: none yet). */
    assert_int_equal(store_channel_load(s, &fns, NULL, 0, NULL), 0);
    assert_int_equal(store_channel_load(s, &cards, NULL, 0, NULL), 0);
    store_close(s);
    /* A password in the URI is refused (it would be in ps and in messages): a passfile. */
    at = strchr(pg, '@');
    assert_non_null(at);
    snprintf(bad, sizeof(bad), "postgresql://postgres:s3cretpw@127.0.0.1:1/postgres");
    so.path = bad;
    assert_int_equal(store_open(&so, &s, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "passfile"));
    assert_null(strstr(err.msg, "s3cretpw"));
    snprintf(bad, sizeof(bad), "postgresql://127.0.0.1:1/postgres?user=x&password=s3cretpw");
    assert_int_equal(store_open(&so, &s, &err), MDT_E(INVAL));
    /* No server there: an I/O error. */
    snprintf(bad, sizeof(bad), "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2");
    assert_int_equal(store_open(&so, &s, &err), MDT_E(IO));
    test_store_drop(pg);
}

/* The connection dies between the batch's lock and its COMMIT: the batch is not there, the
 * engine says so, and the next batch commits on a new connection. */
static void test_lost_connection(void **state)
{
    char pg[600], base[512], sql[256];
    struct store_options so = {.create = true};
    struct store *s = NULL;
    struct ledger_changes ch = {0};
    struct account_event ev = {.seq = 1, .account_id = 1, .type = 0, .currency = "EUR"};
    struct mdt_err err = {0};
    bool changed = false;
    uint64_t v = 0;

    (void)state;
    pg_path("lost", base, sizeof(base));
    snprintf(pg, sizeof(pg), "%s&application_name=mdt_lost_%d", base, (int)getpid());
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    ch.events = &ev;
    ch.event_count = 1;
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, &ch, NULL, 0, "batch", 1, NULL), 0);
    snprintf(sql, sizeof(sql),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name ="
             " 'mdt_lost_%d'",
             (int)getpid());
    assert_int_equal(test_store_sql(base, sql), 0);
    assert_true(store_commit(s, &err) < 0);
    assert_non_null(strstr(err.msg, "not committed"));
    assert_int_equal(pg_int_query(base, "SELECT count(*) FROM journal"), 0);
    /* The next batch goes through on the new connection, once. */
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, &ch, NULL, 0, "batch", 1, NULL), 0);
    assert_int_equal(store_commit(s, NULL), 0);
    assert_int_equal(pg_int_query(base, "SELECT count(*) FROM journal"), 1);
    assert_int_equal(store_check_journal(s, NULL, NULL, &v, NULL), 0);
    assert_int_equal(v, 0);
    store_close(s);
    test_store_drop(base);
}

/* Batches of the three logs sent as binary arrays (store_pg_array.c), with texts a text format
 * would have to escape, UTF-8, NULL and extreme values: the rows read back give the digest the
 * journal has (so every field came back as written), for a large batch and a small one. */
static void test_array_batch(void **state)
{
    static struct transfer t[200], r[8];
    char pg[512];
    struct store_options so = {.create = true};
    struct store *s = NULL;
    struct ledger_changes ch = {0};
    struct account_event ev = {.seq = 1, .account_id = 1, .type = 0, .currency = "EUR"};
    uint64_t v = 0;
    bool changed = false;

    (void)state;
    pg_path("arrays", pg, sizeof(pg));
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    for (size_t i = 0; i < 200; i++) {
        t[i] = (struct transfer){.seq = 2 + i,
                                 .id = {.hi = 9, .lo = i},
                                 .debit_account_id = 1,
                                 .credit_account_id = 1 + i,
                                 .amount = (int64_t)i * 7 - 3,
                                 .link_id = {.hi = i % 3, .lo = i % 2},
                                 .timeout_s = (uint32_t)i,
                                 .fee_schedules = {1, 2},
                                 .timestamp_us = 1700000000000000 + (int64_t)i,
                                 .fingerprint = UINT64_MAX - i};
        snprintf(t[i].ext_ref, sizeof(t[i].ext_ref), "a\\b\tc\nd\re %zu \\N", i);
    }
    for (size_t i = 0; i < 8; i++) {
        r[i] = t[i];
        r[i].seq = 900 + i;
        r[i].id.hi = 10;
        r[i].reason = (uint16_t)(1 + i);
        snprintf(r[i].ext_ref, sizeof(r[i].ext_ref), "d\xc3\xa9j\xc3\xa0 %zu", i);
    }
    ch.events = &ev;
    ch.event_count = 1;
    for (int round = 0; round < 2; round++) {
        /* 180 transfers and 7 rejections; then 20 and 1 */
        ch.transfers = t + (round == 0 ? 0 : 180);
        ch.transfer_count = round == 0 ? 180 : 20;
        ch.rejections = r + (round == 0 ? 0 : 7);
        ch.rejection_count = round == 0 ? 7 : 1;
        ev.seq = round == 0 ? 1 : 1000;
        assert_int_equal(store_begin(s, &changed, NULL), 0);
        assert_int_equal(store_write(s, &ch, NULL, 0, "batch", 5, NULL), 0);
        assert_int_equal(store_commit(s, NULL), 0);
    }
    assert_int_equal(store_check_journal(s, NULL, NULL, &v, NULL), 0);
    assert_int_equal(v, 0);
    store_close(s);
    test_store_drop(pg);
}

/* A trigger that refuses the next two journal entries with a serialization failure (40001; a
 * sequence counts the tries, since it is not rolled back). */
static void refuse_twice(const char *pg)
{
    assert_int_equal(test_store_sql(pg, "CREATE SEQUENCE tries;"
                                        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN"
                                        " IF nextval('tries') <= 2 THEN RAISE EXCEPTION 'injected'"
                                        " USING ERRCODE = '40001'; END IF; RETURN NEW; END $$"
                                        " LANGUAGE plpgsql;"
                                        "CREATE TRIGGER refuse BEFORE INSERT ON journal"
                                        " FOR EACH ROW EXECUTE FUNCTION refuse()"),
                     0);
}

/* A batch refused with a serialization failure (40001, injected by a trigger that fails the
 * first tries: a sequence is not rolled back) is sent again and committed once; refused more
 * than PG_RETRY_MAX times, it is reported and nothing of it stays. */
static void test_retry_serialization(void **state)
{
    char pg[512];
    struct store_options so = {.create = true};
    struct store *s = NULL;
    struct ledger_changes ch = {0};
    struct account_event ev = {.seq = 1, .account_id = 1, .type = 0, .currency = "EUR"};
    struct mdt_err err = {0};
    bool changed = false;
    uint64_t v = 0;

    (void)state;
    pg_path("retry", pg, sizeof(pg));
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    refuse_twice(pg);
    ch.events = &ev;
    ch.event_count = 1;
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, &ch, NULL, 0, "batch", 1, NULL), 0);
    assert_int_equal(store_commit(s, NULL), 0);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM account_events"), 1);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM journal"), 1);
    assert_int_equal(pg_int_query(pg, "SELECT last_value FROM tries"), 3);
    /* Refused every time: an error, and no row of it. */
    assert_int_equal(test_store_sql(pg, "ALTER SEQUENCE tries RESTART WITH -100 MINVALUE -100"), 0);
    ev.seq = 2;
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, &ch, NULL, 0, "batch", 2, NULL), 0);
    assert_int_equal(store_commit(s, &err), MDT_E(BUSY));
    assert_non_null(strstr(err.msg, "40001"));
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM account_events"), 1);
    assert_int_equal(store_check_journal(s, NULL, NULL, &v, NULL), 0);
    assert_int_equal(v, 0);
    store_close(s);
    test_store_drop(pg);
}

/* One batch writing some rows twice (store_pg_channel_group.c sends a batch's channel rows
 * grouped by kind of write): an upsert again replaces the first, a delete after an upsert and an
 * upsert after a delete keep their order (one row upserted, deleted and upserted again), an update after its insert applies, a second insert of
 * an inbox id is ignored, a customer without a code keeps no code hash. */
static void test_channel_groups(void **state)
{
    static struct store_extra x[14];
    char pg[512];
    struct store_options so = {.create = true};
    struct store *s = NULL;
    struct ledger_changes ch = {0};
    struct account_event ev = {.seq = 1, .account_id = 1, .type = 0, .currency = "EUR"};
    struct store_extras xs = {.rows = x, .count = 14};
    bool changed = false;

    (void)state;
    pg_path("groups", pg, sizeof(pg));
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    x[0].kind = EXTRA_CUSTOMER;
    strcpy(x[0].u.customer.phone, "+33600000001");
    x[0].u.customer.lang = 1;
    x[0].u.customer.pin_hash[0] = 7; /* no code: not written */
    x[1] = x[0];
    x[1].u.customer.lang = 2;
    x[1].u.customer.has_pin = true;
    x[2].kind = EXTRA_CONVERSATION;
    strcpy(x[2].u.conversation.phone, "+33600000001");
    x[2].u.conversation.active = true;
    x[2].u.conversation.amount_minor = 100;
    x[3] = x[2];
    x[3].u.conversation.active = false;
    x[4] = x[3];
    strcpy(x[4].u.conversation.phone, "+33600000002");
    x[5] = x[4];
    x[5].u.conversation.active = true;
    x[5].u.conversation.amount_minor = 200;
    x[6].kind = EXTRA_INBOX;
    x[6].u.inbox.id = (struct id128){.hi = 1, .lo = 1};
    strcpy(x[6].u.inbox.text, "first 'quoted' \\ \xc3\xa9");
    x[7] = x[6];
    strcpy(x[7].u.inbox.text, "second");
    x[8] = x[6];
    x[8].kind = EXTRA_INBOX_DONE;
    x[9].kind = EXTRA_OUTBOX;
    x[9].u.outbox.id = (struct id128){.hi = 2, .lo = 2};
    x[9].u.outbox.link_seal_len = 3;
    x[10] = x[9];
    x[10].kind = EXTRA_OUTBOX_STATE;
    x[10].u.outbox.state = 2;
    x[10].u.outbox.attempts = 1;
    x[11] = x[0];
    strcpy(x[11].u.customer.phone, "+33600000003");
    x[12] = x[1];
    x[12].u.customer.lang = 3;
    x[13] = x[2]; /* upserted, deleted, upserted again */
    x[13].u.conversation.amount_minor = 300;
    ch.events = &ev;
    ch.event_count = 1;
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, &ch, &xs, 1, "batch", 1, NULL), 0);
    assert_int_equal(store_commit(s, NULL), 0);
    assert_int_equal(pg_int_query(pg, "SELECT lang FROM customers WHERE phone = '+33600000001'"
                                      " AND pin_hash IS NOT NULL"),
                     3);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM customers WHERE pin_hash IS NULL"), 1);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM conversations"), 2);
    assert_int_equal(pg_int_query(pg, "SELECT amount_minor FROM conversations"
                                      " WHERE phone = '+33600000001'"),
                     300);
    assert_int_equal(pg_int_query(pg, "SELECT amount_minor FROM conversations"
                                      " WHERE phone = '+33600000002'"),
                     200);
    assert_int_equal(pg_int_query(pg, "SELECT done FROM inbox WHERE text ="
                                      " E'first \\'quoted\\' \\\\ \\xc3\\xa9'"),
                     1);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM inbox"), 1);
    assert_int_equal(pg_int_query(pg, "SELECT state * 10 + attempts FROM outbox"
                                      " WHERE link_seal IS NULL"),
                     21);
    store_close(s);
    test_store_drop(pg);
}

/* One account event as a batch of its own (the rows of the pipeline tests). */
struct one_event {
    struct account_event ev;
    struct ledger_changes ch;
};

static struct ledger_changes *one_event(struct one_event *o, uint64_t seq)
{
    o->ev = (struct account_event){.seq = seq, .account_id = seq, .type = 0, .currency = "EUR"};
    o->ch = (struct ledger_changes){.events = &o->ev, .event_count = 1};
    return &o->ch;
}

/* Batches in flight (store_commit_send, store_write_send): two commit in order; one sent after
 * another writer committed is refused as a conflict with nothing of it kept; when the first of
 * two fails, the second fails with it; a serialization failure sends both again, each committed
 * once; the journal stays one chain throughout. */
static void test_pipeline(void **state)
{
    char pg[512];
    struct store_options so = {.create = true};
    struct store *s = NULL, *other = NULL;
    struct one_event a, b, c;
    struct mdt_err err = {0};
    bool changed = false;
    uint64_t v = 0;

    (void)state;
    pg_path("pipe", pg, sizeof(pg));
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    assert_true(store_pipelines(s));
    /* Two in flight, committed in order. */
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, one_event(&a, 1), NULL, 0, "batch", 1, NULL), 0);
    assert_int_equal(store_commit_send(s, NULL), 0);
    assert_int_equal(store_write_send(s, one_event(&b, 2), NULL, 0, "batch", 2, NULL), 0);
    assert_int_equal(store_commit_wait(s, NULL), 0);
    assert_int_equal(store_commit_wait(s, NULL), 0);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM journal"), 2);

    /* Another writer commits between: the batch built on the old head is refused whole. */
    assert_int_equal(store_open(&so, &other, NULL), 0);
    assert_int_equal(store_begin(other, &changed, NULL), 0);
    assert_int_equal(store_write(other, one_event(&c, 3), NULL, 0, "batch", 3, NULL), 0);
    assert_int_equal(store_commit(other, NULL), 0);
    assert_int_equal(store_write_send(s, one_event(&a, 3), NULL, 0, "batch", 4, NULL), 0);
    assert_int_equal(store_commit_wait(s, &err), MDT_E(CONFLICT));
    assert_non_null(strstr(err.msg, "another writer"));
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM account_events"), 3);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM journal WHERE created_us = 4"), 0);

    /* The first of two fails (a trigger refuses its journal entry): the second, built on it,
     * fails too; the next batch commits on the durable head. */
    assert_int_equal(test_store_sql(pg, "CREATE FUNCTION refuse4() RETURNS trigger AS $$ BEGIN"
                                        " IF NEW.seq = 4 AND NEW.created_us = 5 THEN RAISE"
                                        " EXCEPTION 'injected'; END IF; RETURN NEW; END $$"
                                        " LANGUAGE plpgsql;"
                                        "CREATE TRIGGER refuse4 BEFORE INSERT ON journal"
                                        " FOR EACH ROW EXECUTE FUNCTION refuse4()"),
                     0);
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_true(changed);
    assert_int_equal(store_write(s, one_event(&a, 4), NULL, 0, "batch", 5, NULL), 0);
    assert_int_equal(store_commit_send(s, NULL), 0);
    assert_int_equal(store_write_send(s, one_event(&b, 5), NULL, 0, "batch", 6, NULL), 0);
    assert_true(store_commit_wait(s, &err) < 0);
    assert_non_null(strstr(err.msg, "injected"));
    assert_true(store_commit_wait(s, &err) < 0);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM account_events"), 3);
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, one_event(&a, 4), NULL, 0, "batch", 7, NULL), 0);
    assert_int_equal(store_commit(s, NULL), 0);

    /* A serialization failure of the first sends both again: each committed once. */
    refuse_twice(pg);
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, one_event(&a, 5), NULL, 0, "batch", 8, NULL), 0);
    assert_int_equal(store_commit_send(s, NULL), 0);
    assert_int_equal(store_write_send(s, one_event(&b, 6), NULL, 0, "batch", 9, NULL), 0);
    assert_int_equal(store_commit_wait(s, NULL), 0);
    assert_int_equal(store_commit_wait(s, NULL), 0);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM account_events"), 6);
    assert_int_equal(pg_int_query(pg, "SELECT count(*) FROM journal"), 6);
    assert_int_equal(store_check_journal(s, NULL, NULL, &v, NULL), 0);
    assert_int_equal(v, 0);
    store_close(other);
    store_close(s);
    test_store_drop(pg);
}

/* The connection dies with two batches in flight, the first one still running: both are
 * reported not committed (read back: their journal entries are not there), and the next batch
 * commits on a new connection. */
static void test_pipeline_lost(void **state)
{
    char pg[600], base[512], sql[256];
    struct store_options so = {.create = true};
    struct store *s = NULL;
    struct one_event a, b;
    struct mdt_err err = {0};
    bool changed = false;
    uint64_t v = 0;
    int rc1, rc2;

    (void)state;
    pg_path("pipelost", base, sizeof(base));
    snprintf(pg, sizeof(pg), "%s&application_name=mdt_plost_%d", base, (int)getpid());
    so.path = pg;
    assert_int_equal(store_open(&so, &s, NULL), 0);
    snprintf(sql, sizeof(sql),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name ="
             " 'mdt_plost_%d'",
             (int)getpid());
    /* The first batch's journal entry takes half a second: the kill falls while it runs. */
    assert_int_equal(test_store_sql(base, "CREATE FUNCTION slow() RETURNS trigger AS $$ BEGIN"
                                          " IF NEW.seq = 1 AND NEW.created_us = 1 THEN"
                                          " PERFORM pg_sleep(0.5); END IF; RETURN NEW; END $$"
                                          " LANGUAGE plpgsql;"
                                          "CREATE TRIGGER slow BEFORE INSERT ON journal"
                                          " FOR EACH ROW EXECUTE FUNCTION slow()"),
                     0);
    assert_int_equal(store_begin(s, &changed, NULL), 0);
    assert_int_equal(store_write(s, one_event(&a, 1), NULL, 0, "batch", 1, NULL), 0);
    assert_int_equal(store_commit_send(s, NULL), 0);
    assert_int_equal(store_write_send(s, one_event(&b, 2), NULL, 0, "batch", 2, NULL), 0);
    assert_int_equal(test_store_sql(base, sql), 0);
    rc1 = store_commit_wait(s, &err);
    assert_non_null(strstr(err.msg, "not committed"));
    rc2 = store_commit_wait(s, NULL);
    assert_true(rc1 < 0 && rc2 < 0);
    assert_int_equal(pg_int_query(base, "SELECT count(*) FROM journal"), 0);
    if (store_begin(s, &changed, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(store_write(s, one_event(&a, 1), NULL, 0, "batch", 3, NULL), 0);
    assert_int_equal(store_commit(s, NULL), 0);
    assert_int_equal(pg_int_query(base, "SELECT count(*) FROM journal"), 1);
    assert_int_equal(store_check_journal(s, NULL, NULL, &v, NULL), 0);
    assert_int_equal(v, 0);
    store_close(s);
    test_store_drop(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_journal),   cmocka_unit_test(test_schema_version),
        cmocka_unit_test(test_refusals),       cmocka_unit_test(test_lost_connection),
        cmocka_unit_test(test_array_batch),    cmocka_unit_test(test_retry_serialization),
        cmocka_unit_test(test_channel_groups), cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_pipeline_lost),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
