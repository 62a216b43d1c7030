/* SPDX-License-Identifier: Apache-2.0 */
/* The embedded store on SQLite: WAL mode, synchronous=FULL by default, versioned migrations,
 * append-only log tables without secondary indexes (an index on random ids or account ids
 * costs 10-30x on the write path: measured 775k rows/s bare, 68k with a unique id index). */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"

/* Migration 7: in table T, the 32 hex digits after the first P (N characters) become
 * "[token]"; SCRUB_ALL does it for each kind of link. SQLite has no regular expressions:
 * instr and GLOB do it in one pass. */
#define SCRUB(T, P, N)                                                                             \
    "UPDATE " T " SET text = substr(text, 1, instr(text, '" P "') + " N " - 1) || '[token]'"       \
    " || substr(text, instr(text, '" P "') + " N " + 32) WHERE instr(text, '" P "') > 0"           \
    " AND length(substr(text, instr(text, '" P "') + " N ", 32)) = 32"                             \
    " AND substr(text, instr(text, '" P "') + " N ", 32) NOT GLOB '*[^0-9a-f]*';"
#define SCRUB_ALL(T)                                                                               \
    SCRUB(T, "/c/", "3") SCRUB(T, "/o/", "3") SCRUB(T, "/link/", "6") SCRUB(T, "/enrol/", "7")

/* Schema versions, applied in order inside one transaction. Never edit a published one. */
static const char *const migrations[] = {
    /* 1: the log, the journal, and the accounts snapshot for SQL readers. */
    "CREATE TABLE journal(seq INTEGER PRIMARY KEY, created_us INTEGER NOT NULL,"
    " kind TEXT NOT NULL, detail TEXT NOT NULL, transfers INTEGER NOT NULL,"
    " rejections INTEGER NOT NULL, events INTEGER NOT NULL, digest BLOB NOT NULL,"
    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
    "CREATE TABLE account_events(seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL,"
    " account_id INTEGER NOT NULL, type INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " status INTEGER NOT NULL, tier INTEGER NOT NULL, flags INTEGER NOT NULL,"
    " currency TEXT NOT NULL, created_us INTEGER NOT NULL);"
    "CREATE TABLE transfers(seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL, id BLOB NOT NULL,"
    " debit_account_id INTEGER NOT NULL, credit_account_id INTEGER NOT NULL,"
    " amount INTEGER NOT NULL, link_id BLOB, timeout_s INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " flags INTEGER NOT NULL, state INTEGER NOT NULL, fee1 INTEGER NOT NULL,"
    " fee2 INTEGER NOT NULL, channel INTEGER NOT NULL, reason INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL, fingerprint INTEGER NOT NULL,"
    " ext_ref TEXT NOT NULL);"
    "CREATE TABLE rejections(seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL, id BLOB NOT NULL,"
    " debit_account_id INTEGER NOT NULL, credit_account_id INTEGER NOT NULL,"
    " amount INTEGER NOT NULL, link_id BLOB, timeout_s INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " flags INTEGER NOT NULL, state INTEGER NOT NULL, fee1 INTEGER NOT NULL,"
    " fee2 INTEGER NOT NULL, channel INTEGER NOT NULL, reason INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL, fingerprint INTEGER NOT NULL,"
    " ext_ref TEXT NOT NULL);",
    /* 2: the channels' tables; personal data apart from the ledger's log. */
    "CREATE TABLE customers(phone TEXT PRIMARY KEY, account_id INTEGER NOT NULL,"
    " lang INTEGER NOT NULL, pin_hash BLOB, pin_failures INTEGER NOT NULL,"
    " locked_until_us INTEGER NOT NULL, created_us INTEGER NOT NULL);"
    "CREATE TABLE conversations(phone TEXT PRIMARY KEY, order_id BLOB NOT NULL,"
    " payee_account INTEGER NOT NULL, payee TEXT NOT NULL, amount_minor INTEGER NOT NULL,"
    " ref TEXT NOT NULL, expires_us INTEGER NOT NULL, attempts INTEGER NOT NULL,"
    " kind INTEGER NOT NULL);"
    "CREATE TABLE associations(keyword TEXT PRIMARY KEY, account_id INTEGER NOT NULL,"
    " name TEXT NOT NULL);"
    "CREATE TABLE inbox(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, channel INTEGER NOT NULL,"
    " peer_id TEXT NOT NULL, source TEXT NOT NULL, dest TEXT NOT NULL, text TEXT NOT NULL,"
    " peer_time_us INTEGER NOT NULL, received_us INTEGER NOT NULL, done INTEGER NOT NULL);"
    "CREATE INDEX inbox_received ON inbox(received_us);"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, inbox_id BLOB,"
    " channel INTEGER NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL,"
    " source TEXT NOT NULL, dest TEXT NOT NULL, peer_id TEXT NOT NULL, final_state TEXT NOT NULL,"
    " next_try_us INTEGER NOT NULL, created_us INTEGER NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX outbox_open ON outbox(state) WHERE state < 2;",
    /* 3: money held for numbers that have no wallet yet. */
    "CREATE TABLE claims(id BLOB PRIMARY KEY, payer TEXT NOT NULL, payer_account INTEGER NOT NULL,"
    " payee TEXT NOT NULL, amount_minor INTEGER NOT NULL, created_us INTEGER NOT NULL,"
    " expires_us INTEGER NOT NULL);",
    /* 4: the merchant API: merchants, API keys (hashed), payment requests, webhook events and
     * the responses replayed for Idempotency-Key retries. */
    "CREATE TABLE merchants(account_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " webhook_url TEXT NOT NULL, fee_schedule INTEGER NOT NULL, created_us INTEGER NOT NULL);"
    "CREATE TABLE api_keys(key_id TEXT PRIMARY KEY, merchant_id INTEGER NOT NULL,"
    " hash BLOB NOT NULL, scopes INTEGER NOT NULL, rate_per_s INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL, created_us INTEGER NOT NULL);"
    /* payment_requests and idempotency are logs: a row per change, the last one of an id wins
     * at load. Random-key indexes cost 10-30x on the write path (README, design notes). */
    "CREATE TABLE payment_requests(seq INTEGER PRIMARY KEY, id BLOB NOT NULL,"
    " merchant_id INTEGER NOT NULL,"
    " amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, payer TEXT NOT NULL,"
    " reference TEXT NOT NULL, description TEXT NOT NULL, callback_url TEXT NOT NULL,"
    " state INTEGER NOT NULL, transfer_id BLOB NOT NULL, fee_minor INTEGER NOT NULL,"
    " refunded_minor INTEGER NOT NULL, created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL,"
    " updated_us INTEGER NOT NULL, token_hash BLOB NOT NULL);"
    "CREATE TABLE webhooks(seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
    " merchant_id INTEGER NOT NULL, url TEXT NOT NULL, type TEXT NOT NULL, state INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL, created_us INTEGER NOT NULL, next_try_us INTEGER NOT NULL,"
    " body TEXT NOT NULL);"
    "CREATE INDEX webhooks_open ON webhooks(state) WHERE state = 0;"
    "CREATE TABLE idempotency(seq INTEGER PRIMARY KEY, key_hash BLOB NOT NULL,"
    " body_hash BLOB NOT NULL,"
    " status INTEGER NOT NULL, created_us INTEGER NOT NULL, response TEXT NOT NULL);"
    "CREATE INDEX idempotency_created ON idempotency(created_us);"
    /* the single-use link to set or change one's code (the token itself is never stored) */
    "ALTER TABLE customers ADD COLUMN enrol_hash BLOB;"
    "ALTER TABLE customers ADD COLUMN enrol_expires_us INTEGER NOT NULL DEFAULT 0;"
    /* campaigns: a hashtag for donations to an association; donations counted in a log */
    "CREATE TABLE campaigns(tag TEXT PRIMARY KEY, keyword TEXT NOT NULL,"
    " account_id INTEGER NOT NULL, name TEXT NOT NULL, created_us INTEGER NOT NULL);"
    "CREATE TABLE campaign_donations(seq INTEGER PRIMARY KEY, tag TEXT NOT NULL,"
    " transfer_id BLOB NOT NULL, amount_minor INTEGER NOT NULL, donor TEXT NOT NULL,"
    " created_us INTEGER NOT NULL);"
    "ALTER TABLE conversations ADD COLUMN campaign TEXT NOT NULL DEFAULT '';",
    /* 5: the social channel: accounts linked to wallets, replies in threads and in private,
     * orders confirmed on the wallet page, and where polling stopped. */
    "CREATE TABLE social_links(address TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
    " phone TEXT NOT NULL, token_hash BLOB, token_expires_us INTEGER NOT NULL,"
    " otp_phone TEXT NOT NULL, otp_hash BLOB, otp_expires_us INTEGER NOT NULL,"
    " otp_attempts INTEGER NOT NULL, lang INTEGER NOT NULL, show_name INTEGER NOT NULL,"
    " created_us INTEGER NOT NULL, linked_us INTEGER NOT NULL);"
    "CREATE TABLE social_cursors(network TEXT PRIMARY KEY, since_id TEXT NOT NULL);"
    "ALTER TABLE outbox ADD COLUMN dest_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE outbox ADD COLUMN visibility INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE conversations ADD COLUMN origin TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE conversations ADD COLUMN origin_user TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE conversations ADD COLUMN origin_post TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE conversations ADD COLUMN token_hash BLOB;"
    "CREATE INDEX campaign_donations_named ON campaign_donations(tag, seq) WHERE donor != '';",
    /* 6: an account renamed on its network keeps its link: rows are found by the network's
     * user id too, and one user id has one row per network. */
    "CREATE INDEX social_links_user ON social_links(user_id) WHERE user_id != '';"
    /* and a payment request may be a donation to a campaign, counted towards its total. */
    "ALTER TABLE payment_requests ADD COLUMN campaign TEXT NOT NULL DEFAULT '';",
    /* 7: the code is knowledge: a forgotten code's reset waits out a delay (or an operator's
     * completion, ordered with the CLI and carried out by mandatd). */
    "ALTER TABLE customers ADD COLUMN code_reset_us INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE code_orders(seq INTEGER PRIMARY KEY, phone TEXT NOT NULL,"
    " action INTEGER NOT NULL, state INTEGER NOT NULL, created_us INTEGER NOT NULL,"
    " done_us INTEGER NOT NULL);"
    "CREATE INDEX code_orders_waiting ON code_orders(state) WHERE state = 0;",
    /* 8: link tokens are never at rest in clear (DESIGN.md): an outbox row keeps its link's
     * token sealed by the vault, dropped once the peer has the message; texts written before
     * this lose the token of their first link of each kind. */
    "PRAGMA secure_delete = ON;" /* the old texts' bytes are zeroed, not left in free space */
    "ALTER TABLE outbox ADD COLUMN link_seal BLOB;" SCRUB_ALL("outbox")
        SCRUB_ALL("inbox") "PRAGMA secure_delete = OFF;",
    /* 9: why a webhook event's last try failed, or why it was refused (mandat webhook list). */
    "ALTER TABLE webhooks ADD COLUMN last_error TEXT NOT NULL DEFAULT '';",
    /* 10: the name payees see (NOM), and the last order confirmed by SMS (ENCORE, and a code
     * redelivered after its receipt): issue 12. */
    "ALTER TABLE customers ADD COLUMN name TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE customers ADD COLUMN last_payee TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE customers ADD COLUMN last_amount_minor INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE customers ADD COLUMN last_kind INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE customers ADD COLUMN last_ref TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE customers ADD COLUMN last_done_us INTEGER NOT NULL DEFAULT 0;",
    /* 11: an SMPP message without the SMSC's id keeps its keyed content key while its
     * acknowledgement is not known read by the SMSC (NULL once it is): after a crash those are
     * the only messages a redelivery may match (DESIGN.md, Durability). */
    "ALTER TABLE inbox ADD COLUMN doubt_key BLOB;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define TRANSFER_COLS                                                                              \
    "seq, batch, id, debit_account_id, credit_account_id, amount, link_id, timeout_s, kind,"       \
    " flags, state, fee1, fee2, channel, reason, created_us, expires_us, fingerprint, ext_ref"
#define EVENT_COLS "seq, batch, account_id, type, kind, status, tier, flags, currency, created_us"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_INS_TRANSFER] = "INSERT INTO transfers(" TRANSFER_COLS ") VALUES"
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_REJECTION] = "INSERT INTO rejections(" TRANSFER_COLS ") VALUES"
                         "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_EVENT] = "INSERT INTO account_events(" EVENT_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_JOURNAL] = "INSERT INTO journal(seq, created_us, kind, detail, transfers, rejections,"
                       " events, digest, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?,?,?)",
    [ST_SET_STATE] = "UPDATE transfers SET state = ? WHERE seq = ?",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_INS_INBOX] = "INSERT OR IGNORE INTO inbox(id, channel, peer_id, source, dest, text,"
                     " peer_time_us, received_us, done, doubt_key) VALUES(?,?,?,?,?,?,?,?,0,?)",
    [ST_INBOX_DONE] = "UPDATE inbox SET done = 1 WHERE id = ?",
    [ST_INBOX_CONFIRMED] = "UPDATE inbox SET doubt_key = NULL WHERE id = ?",
    [ST_INS_OUTBOX] = "INSERT OR IGNORE INTO outbox(id, inbox_id, channel, state, attempts, source,"
                      " dest, peer_id, final_state, next_try_us, created_us, text, dest_id,"
                      " reply_to, visibility, link_seal) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    /* Once the peer has the message (any state but queued), its link's seal is dropped. */
    [ST_OUTBOX_STATE] = "UPDATE outbox SET state = ?1, attempts = ?2, next_try_us = ?3,"
                        " peer_id = ?4, final_state = ?5,"
                        " link_seal = CASE WHEN ?1 = 0 THEN link_seal END WHERE id = ?6",
    [ST_UPSERT_CUSTOMER] = "INSERT OR REPLACE INTO customers(phone, account_id, lang, pin_hash,"
                           " pin_failures, locked_until_us, created_us, enrol_hash,"
                           " enrol_expires_us, code_reset_us, name, last_payee, last_amount_minor,"
                           " last_kind, last_ref, last_done_us)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_UPSERT_CONVERSATION] = "INSERT OR REPLACE INTO conversations(phone, order_id,"
                               " payee_account, payee, amount_minor, ref, expires_us, attempts,"
                               " kind, campaign, origin, origin_user, origin_post,"
                               " token_hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_UPSERT_CAMPAIGN] = "INSERT OR REPLACE INTO campaigns(tag, keyword, account_id, name,"
                           " created_us) VALUES(?,?,?,?,?)",
    [ST_INS_CAMPAIGN_DONATION] = "INSERT INTO campaign_donations(tag, transfer_id, amount_minor,"
                                 " donor, created_us) VALUES(?,?,?,?,?)",
    [ST_UPSERT_SOCIAL_LINK] = "INSERT OR REPLACE INTO social_links(address, user_id, phone,"
                              " token_hash, token_expires_us, otp_phone, otp_hash,"
                              " otp_expires_us, otp_attempts, lang, show_name, created_us,"
                              " linked_us) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
    /* The account's other rows on the same network (its old handles; ?2 is the new address). */
    [ST_DELETE_SOCIAL_ALIASES] = "DELETE FROM social_links WHERE user_id = ?1 AND user_id != ''"
                                 " AND address != ?2 AND substr(address, 1, instr(address, ':'))"
                                 " = substr(?2, 1, instr(?2, ':'))",
    [ST_UPSERT_SOCIAL_CURSOR] = "INSERT OR REPLACE INTO social_cursors(network, since_id)"
                                " VALUES(?,?)",
    [ST_UPSERT_CODE_ORDER] = "INSERT OR REPLACE INTO code_orders(seq, phone, action, state,"
                             " created_us, done_us) VALUES(?,?,?,?,?,?)",
    [ST_DELETE_CONVERSATION] = "DELETE FROM conversations WHERE phone = ?",
    [ST_UPSERT_ASSOCIATION] = "INSERT OR REPLACE INTO associations(keyword, account_id, name)"
                              " VALUES(?,?,?)",
    [ST_UPSERT_CLAIM] = "INSERT OR REPLACE INTO claims(id, payer, payer_account, payee,"
                        " amount_minor, created_us, expires_us) VALUES(?,?,?,?,?,?,?)",
    [ST_DELETE_CLAIM] = "DELETE FROM claims WHERE id = ?",
    [ST_UPSERT_MERCHANT] = "INSERT OR REPLACE INTO merchants(account_id, name, webhook_url,"
                           " fee_schedule, created_us) VALUES(?,?,?,?,?)",
    [ST_UPSERT_API_KEY] = "INSERT OR REPLACE INTO api_keys(key_id, merchant_id, hash, scopes,"
                          " rate_per_s, revoked, created_us) VALUES(?,?,?,?,?,?,?)",
    [ST_UPSERT_PAYMENT_REQUEST] =
        "INSERT INTO payment_requests(id, merchant_id, amount_minor, currency, payer,"
        " reference, description, callback_url, state, transfer_id, fee_minor, refunded_minor,"
        " created_us, expires_us, updated_us, token_hash, campaign)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_INS_WEBHOOK] = "INSERT OR IGNORE INTO webhooks(id, merchant_id, url, type, state, attempts,"
                       " created_us, next_try_us, body) VALUES(?,?,?,?,?,?,?,?,?)",
    [ST_WEBHOOK_STATE] =
        "UPDATE webhooks SET state = ?, attempts = ?, next_try_us = ?, last_error = ? WHERE id = ?",
    [ST_INS_IDEMPOTENCY] = "INSERT INTO idempotency(key_hash, body_hash, status,"
                           " created_us, response) VALUES(?,?,?,?,?)",
};

int sqlite_db_error(struct sqlite_store *s, struct mdt_err *err, const char *what)
{
    int code = sqlite3_errcode(s->db);

    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        return mdt_err_set(err, MDT_E(BUSY), "%s: database is locked by another writer: retry",
                           what);
    }
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
        return mdt_err_set(err, MDT_E(CORRUPT), "%s: %s", what, sqlite3_errmsg(s->db));
    }
    return mdt_err_set(err, MDT_E(STORE), "%s: %s", what, sqlite3_errmsg(s->db));
}

int sqlite_run(struct sqlite_store *s, const char *sql, struct mdt_err *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, sql);
    }
    return 0;
}

static int64_t query_int(struct sqlite_store *s, const char *sql, int64_t fallback)
{
    sqlite3_stmt *st = NULL;
    int64_t v = fallback;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int migrate(struct sqlite_store *s, struct mdt_err *err)
{
    int64_t version = query_int(s, "PRAGMA user_version", -1);
    char sql[64];
    int rc = 0;

    if (version < 0) {
        return sqlite_db_error(s, err, "read schema version");
    }
    if (version > SCHEMA_VERSION) {
        return mdt_err_set(err, MDT_E(SCHEMA),
                           "database schema version %" PRId64
                           " is newer than this mandat (%d): upgrade mandat",
                           version, SCHEMA_VERSION);
    }
    if (version == SCHEMA_VERSION || s->read_only) {
        if (version < SCHEMA_VERSION) {
            return mdt_err_set(err, MDT_E(SCHEMA),
                               "database schema version %" PRId64
                               " is older than this mandat (%d): run mandat init to migrate",
                               version, SCHEMA_VERSION);
        }
        return 0;
    }
    rc = sqlite_run(s, "BEGIN IMMEDIATE", err);
    for (int v = (int)version; rc == 0 && v < SCHEMA_VERSION; v++) {
        rc = sqlite_run(s, migrations[v], err);
    }
    if (rc == 0) {
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
        rc = sqlite_run(s, sql, err);
    }
    if (rc == 0) {
        rc = sqlite_run(s, "COMMIT", err);
    }
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    /* Pages as they were before a migration (texts migration 7 scrubbed) must not stay behind in
     * the WAL: copy it into the database and empty it. Best effort, once per upgrade. */
    sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    return 0;
}

static int read_journal_head(struct sqlite_store *s, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1", -1,
                           &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "read journal head");
    }
    memset(s->journal_hash, 0, SHA256_LEN);
    s->journal_seq = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        s->journal_seq = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) != SHA256_LEN) {
            rc = mdt_err_set(err, MDT_E(CORRUPT), "journal entry %" PRIu64 " has no valid hash",
                             s->journal_seq);
        } else {
            memcpy(s->journal_hash, sqlite3_column_blob(st, 1), SHA256_LEN);
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static void sqlite_close(struct store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;

    if (s->in_tx) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
    }
    sqlite3_close(s->db);
    free(s);
}

static int configure(struct sqlite_store *s, const struct store_options *opt, struct mdt_err *err)
{
    static const char *const sync_sql[] = {"PRAGMA synchronous=FULL", "PRAGMA synchronous=NORMAL",
                                           "PRAGMA synchronous=OFF"};
    int rc = 0;

    sqlite3_busy_timeout(s->db, opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000);
    if (!opt->read_only) {
        rc = sqlite_run(s, "PRAGMA journal_mode=WAL", err);
        if (rc == 0) {
            rc = sqlite_run(s, sync_sql[opt->sync >= 0 && opt->sync <= 2 ? opt->sync : 0], err);
        }
        /* Bigger WAL between checkpoints: fewer checkpoint stalls under load (16 MB). */
        if (rc == 0) {
            rc = sqlite_run(s, "PRAGMA wal_autocheckpoint=4000", err);
        }
    }
    if (rc == 0) {
        rc = sqlite_run(s, "PRAGMA cache_size=-65536", err); /* 64 MB page cache */
    }
    if (rc == 0) {
        rc = migrate(s, err);
    }
    for (int i = 0; rc == 0 && i < ST_COUNT; i++) {
        if (s->read_only && i != ST_DATA_VERSION) {
            continue;
        }
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            rc = sqlite_db_error(s, err, "prepare statement");
        }
    }
    if (rc == 0) {
        rc = read_journal_head(s, err);
    }
    return rc;
}

static const struct store_ops sqlite_ops;

int store_sqlite_open(const struct store_options *opt, struct store **out, struct mdt_err *err)
{
    struct sqlite_store *s;
    struct stat sb;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc;

    if (!opt->create && stat(opt->path, &sb) != 0) {
        return mdt_err_set(err, MDT_E(NOTFOUND),
                           "database '%s' does not exist: run 'mandat init' first", opt->path);
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory opening '%s'", opt->path);
    }
    s->base.ops = &sqlite_ops;
    s->read_only = opt->read_only;
    if (opt->create) {
        flags |= SQLITE_OPEN_CREATE;
    }
    if (sqlite3_open_v2(opt->path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot open database '%s': %s", opt->path,
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    rc = configure(s, opt, err);
    if (rc < 0) {
        goto fail;
    }
    s->data_version = query_int(s, "PRAGMA data_version", 0);
    *out = &s->base;
    return 0;
fail:
    sqlite_close(&s->base);
    return rc;
}

/* ---- rows ---- */

void sqlite_bind_id(sqlite3_stmt *st, int col, struct id128 id)
{
    uint8_t b[16];

    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(id.hi >> (56 - 8 * i));
        b[8 + i] = (uint8_t)(id.lo >> (56 - 8 * i));
    }
    sqlite3_bind_blob(st, col, b, 16, SQLITE_TRANSIENT);
}

struct id128 sqlite_column_id(sqlite3_stmt *st, int col)
{
    struct id128 id = {0, 0};
    const uint8_t *b = sqlite3_column_blob(st, col);

    if (b != NULL && sqlite3_column_bytes(st, col) == 16) {
        for (int i = 0; i < 8; i++) {
            id.hi = (id.hi << 8) | b[i];
            id.lo = (id.lo << 8) | b[8 + i];
        }
    }
    return id;
}

static void bind_transfer(sqlite3_stmt *st, const struct transfer *t, uint64_t batch)
{
    sqlite3_bind_int64(st, 1, (int64_t)t->seq);
    sqlite3_bind_int64(st, 2, (int64_t)batch);
    sqlite_bind_id(st, 3, t->id);
    sqlite3_bind_int64(st, 4, (int64_t)t->debit_account_id);
    sqlite3_bind_int64(st, 5, (int64_t)t->credit_account_id);
    sqlite3_bind_int64(st, 6, t->amount);
    if (t->link_id.hi == 0 && t->link_id.lo == 0) {
        sqlite3_bind_null(st, 7);
    } else {
        sqlite_bind_id(st, 7, t->link_id);
    }
    sqlite3_bind_int64(st, 8, t->timeout_s);
    sqlite3_bind_int(st, 9, t->kind);
    sqlite3_bind_int(st, 10, t->flags);
    sqlite3_bind_int(st, 11, t->state);
    sqlite3_bind_int(st, 12, t->fee_schedules[0]);
    sqlite3_bind_int(st, 13, t->fee_schedules[1]);
    sqlite3_bind_int(st, 14, t->channel);
    sqlite3_bind_int(st, 15, t->reason);
    sqlite3_bind_int64(st, 16, t->timestamp_us);
    sqlite3_bind_int64(st, 17, t->expires_us);
    sqlite3_bind_int64(st, 18, (int64_t)t->fingerprint);
    sqlite3_bind_text(st, 19, t->ext_ref, -1, SQLITE_STATIC);
}

/* Columns in TRANSFER_COLS order starting at 0; batch (1) is not part of struct transfer. */
static void column_transfer(sqlite3_stmt *st, struct transfer *t)
{
    const unsigned char *ext = sqlite3_column_text(st, 18);

    memset(t, 0, sizeof(*t));
    t->seq = (uint64_t)sqlite3_column_int64(st, 0);
    t->id = sqlite_column_id(st, 2);
    t->debit_account_id = (uint64_t)sqlite3_column_int64(st, 3);
    t->credit_account_id = (uint64_t)sqlite3_column_int64(st, 4);
    t->amount = sqlite3_column_int64(st, 5);
    t->link_id = sqlite_column_id(st, 6);
    t->timeout_s = (uint32_t)sqlite3_column_int64(st, 7);
    t->kind = (uint16_t)sqlite3_column_int(st, 8);
    t->flags = (uint16_t)sqlite3_column_int(st, 9);
    t->state = (uint16_t)sqlite3_column_int(st, 10);
    t->fee_schedules[0] = (uint16_t)sqlite3_column_int(st, 11);
    t->fee_schedules[1] = (uint16_t)sqlite3_column_int(st, 12);
    t->channel = (uint16_t)sqlite3_column_int(st, 13);
    t->reason = (uint16_t)sqlite3_column_int(st, 14);
    t->timestamp_us = sqlite3_column_int64(st, 15);
    t->expires_us = sqlite3_column_int64(st, 16);
    t->fingerprint = (uint64_t)sqlite3_column_int64(st, 17);
    if (ext != NULL) {
        snprintf(t->ext_ref, sizeof(t->ext_ref), "%s", (const char *)ext);
    }
}

static void bind_event(sqlite3_stmt *st, const struct account_event *e, uint64_t batch)
{
    sqlite3_bind_int64(st, 1, (int64_t)e->seq);
    sqlite3_bind_int64(st, 2, (int64_t)batch);
    sqlite3_bind_int64(st, 3, (int64_t)e->account_id);
    sqlite3_bind_int(st, 4, e->type);
    sqlite3_bind_int(st, 5, e->kind);
    sqlite3_bind_int(st, 6, e->status);
    sqlite3_bind_int(st, 7, e->tier);
    sqlite3_bind_int(st, 8, e->flags);
    sqlite3_bind_text(st, 9, e->currency, (int)strnlen(e->currency, 4), SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, e->timestamp_us);
}

static void column_event(sqlite3_stmt *st, struct account_event *e)
{
    const unsigned char *cur = sqlite3_column_text(st, 8);

    memset(e, 0, sizeof(*e));
    e->seq = (uint64_t)sqlite3_column_int64(st, 0);
    e->account_id = (uint64_t)sqlite3_column_int64(st, 2);
    e->type = (uint16_t)sqlite3_column_int(st, 3);
    e->kind = (uint16_t)sqlite3_column_int(st, 4);
    e->status = (uint16_t)sqlite3_column_int(st, 5);
    e->tier = (uint16_t)sqlite3_column_int(st, 6);
    e->flags = (uint16_t)sqlite3_column_int(st, 7);
    if (cur != NULL) {
        strncpy(e->currency, (const char *)cur, 3);
    }
    e->timestamp_us = sqlite3_column_int64(st, 9);
}

int sqlite_step_done(struct sqlite_store *s, sqlite3_stmt *st, struct mdt_err *err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        return sqlite_db_error(s, err, "write");
    }
    return 0;
}

/* ---- replay: merge the three logs by seq ---- */

struct cursor {
    sqlite3_stmt *st;
    bool live;
};

static int cursor_open(struct sqlite_store *s, struct cursor *c, const char *sql, uint64_t after,
                       struct mdt_err *err)
{
    int rc;

    c->live = false;
    if (sqlite3_prepare_v2(s->db, sql, -1, &c->st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "load");
    }
    sqlite3_bind_int64(c->st, 1, (int64_t)after);
    rc = sqlite3_step(c->st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return sqlite_db_error(s, err, "load");
    }
    c->live = rc == SQLITE_ROW;
    return 0;
}

static int cursor_next(struct sqlite_store *s, struct cursor *c, struct mdt_err *err)
{
    int rc = sqlite3_step(c->st);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return sqlite_db_error(s, err, "load");
    }
    c->live = rc == SQLITE_ROW;
    return 0;
}

/* The three logs after seq `after`, each in seq order: events, transfers, rejections. */
static int cursors_open(struct sqlite_store *s, struct cursor c[3], uint64_t after,
                        struct mdt_err *err)
{
    static const char *const sql[3] = {
        "SELECT " EVENT_COLS " FROM account_events WHERE seq > ? ORDER BY seq",
        "SELECT " TRANSFER_COLS " FROM transfers WHERE seq > ? ORDER BY seq",
        "SELECT " TRANSFER_COLS " FROM rejections WHERE seq > ? ORDER BY seq",
    };
    int rc = 0;

    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = cursor_open(s, &c[i], sql[i], after, err);
    }
    return rc;
}

static uint64_t cursor_seq(const struct cursor *c)
{
    return c->live ? (uint64_t)sqlite3_column_int64(c->st, 0) : UINT64_MAX;
}

/* Hand over the row under the cursor with the smallest seq. */
static int replay_step(struct sqlite_store *s, struct cursor c[3],
                       const struct store_replay_fns *fns, void *ctx, struct mdt_err *err)
{
    uint64_t a = cursor_seq(&c[0]), b = cursor_seq(&c[1]), r = cursor_seq(&c[2]);
    int pick = (a < b && a < r) ? 0 : (b < r ? 1 : 2);
    struct transfer t;
    struct account_event e;
    int rc;

    if (pick == 0) {
        column_event(c[0].st, &e);
        rc = fns->event(ctx, &e, err);
    } else {
        column_transfer(c[pick].st, &t);
        rc = pick == 1 ? fns->transfer(ctx, &t, err) : fns->rejection(ctx, &t, err);
    }
    if (rc == 0) {
        rc = cursor_next(s, &c[pick], err);
    }
    return rc;
}

static int sqlite_replay(struct store *base, uint64_t after, const struct store_replay_fns *fns,
                         void *ctx, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct cursor c[3] = {{0}};
    bool own_tx = !s->in_tx;
    int rc = 0;

    /* One read transaction, so that the three cursors see the same snapshot. */
    if (own_tx) {
        rc = sqlite_run(s, "BEGIN", err);
    }
    if (rc == 0) {
        rc = cursors_open(s, c, after, err);
    }
    while (rc == 0 && (c[0].live || c[1].live || c[2].live)) {
        rc = replay_step(s, c, fns, ctx, err);
    }
    for (int i = 0; i < 3; i++) {
        sqlite3_finalize(c[i].st);
    }
    if (own_tx) {
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    }
    return rc;
}

/* ---- writing ---- */

static int sqlite_changed(struct store *base, bool *changed, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = s->st[ST_DATA_VERSION];
    int64_t v;

    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return sqlite_db_error(s, err, "read data_version");
    }
    v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    *changed = v != s->data_version;
    s->data_version = v;
    return 0;
}

static int sqlite_begin(struct store *base, bool *changed, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc;

    MDT_ASSERT(!s->in_tx && !s->read_only);
    rc = sqlite_run(s, "BEGIN IMMEDIATE", err);
    if (rc < 0) {
        return rc;
    }
    s->in_tx = true;
    rc = sqlite_changed(base, changed, err);
    /* Read the head under the write lock, every time: another process may have appended since
     * we last looked, even if a store_changed call already consumed the data_version change.
     * One indexed lookup per batch. */
    if (rc == 0) {
        rc = read_journal_head(s, err);
    }
    return rc;
}

static int write_rows(struct sqlite_store *s, const struct ledger_changes *ch, uint64_t batch,
                      struct mdt_err *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < ch->event_count; i++) {
        bind_event(s->st[ST_INS_EVENT], &ch->events[i], batch);
        rc = sqlite_step_done(s, s->st[ST_INS_EVENT], err);
    }
    for (size_t i = 0; rc == 0 && i < ch->transfer_count; i++) {
        bind_transfer(s->st[ST_INS_TRANSFER], &ch->transfers[i], batch);
        rc = sqlite_step_done(s, s->st[ST_INS_TRANSFER], err);
    }
    for (size_t i = 0; rc == 0 && i < ch->rejection_count; i++) {
        bind_transfer(s->st[ST_INS_REJECTION], &ch->rejections[i], batch);
        rc = sqlite_step_done(s, s->st[ST_INS_REJECTION], err);
    }
    /* Pending rows are recent, so these updates touch pages near the tail. */
    for (size_t i = 0; rc == 0 && i < ch->state_count; i++) {
        sqlite3_bind_int(s->st[ST_SET_STATE], 1, ch->states[i].state);
        sqlite3_bind_int64(s->st[ST_SET_STATE], 2, (int64_t)ch->states[i].seq);
        rc = sqlite_step_done(s, s->st[ST_SET_STATE], err);
    }
    return rc;
}

static int sqlite_write(struct store *base, const struct ledger_changes *ch,
                        const struct store_extras *x, size_t nx, const char *kind, int64_t now_us,
                        struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct journal_entry j = {0};
    sqlite3_stmt *st = s->st[ST_INS_JOURNAL];
    int rc;

    MDT_ASSERT(s->in_tx);
    rc = sqlite_write_extras(s, x, nx, err);
    /* Channel rows alone make no journal entry: the journal is the ledger's. */
    if (rc < 0 || ch->transfer_count + ch->rejection_count + ch->event_count == 0) {
        return rc;
    }
    j.seq = s->journal_seq + 1;
    j.created_us = now_us;
    snprintf(j.kind, sizeof(j.kind), "%s", kind);
    snprintf(j.detail, sizeof(j.detail), "%zu transfers, %zu rejections, %zu account events",
             ch->transfer_count, ch->rejection_count, ch->event_count);
    j.transfers = (uint32_t)ch->transfer_count;
    j.rejections = (uint32_t)ch->rejection_count;
    j.events = (uint32_t)ch->event_count;
    store_digest(ch->events, ch->event_count, ch->transfers, ch->transfer_count, ch->rejections,
                 ch->rejection_count, j.digest);
    memcpy(j.prev_hash, s->journal_hash, SHA256_LEN);
    store_journal_hash(&j, j.hash);
    rc = write_rows(s, ch, j.seq, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, (int64_t)j.seq);
    sqlite3_bind_int64(st, 2, j.created_us);
    sqlite3_bind_text(st, 3, j.kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, j.detail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, j.transfers);
    sqlite3_bind_int64(st, 6, j.rejections);
    sqlite3_bind_int64(st, 7, j.events);
    sqlite3_bind_blob(st, 8, j.digest, SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 9, j.prev_hash, SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 10, j.hash, SHA256_LEN, SQLITE_STATIC);
    rc = sqlite_step_done(s, st, err);
    if (rc == 0) {
        s->next_journal_seq = j.seq;
        memcpy(s->next_journal_hash, j.hash, SHA256_LEN);
    }
    return rc;
}

static int sqlite_commit(struct store *base, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc;

    MDT_ASSERT(s->in_tx);
    rc = sqlite_run(s, "COMMIT", err);
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_tx = false;
        return rc;
    }
    s->in_tx = false;
    if (s->next_journal_seq > s->journal_seq) {
        s->journal_seq = s->next_journal_seq;
        memcpy(s->journal_hash, s->next_journal_hash, SHA256_LEN);
    }
    return 0;
}

static void sqlite_rollback(struct store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;

    if (s->in_tx) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_tx = false;
    }
    s->next_journal_seq = s->journal_seq;
}

/* ---- reading ---- */

static int sqlite_read_begin(struct store *base, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc;

    MDT_ASSERT(!s->in_tx);
    rc = sqlite_run(s, "BEGIN", err);
    if (rc == 0) {
        s->in_tx = true;
    }
    return rc;
}

static void sqlite_read_end(struct store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;

    if (s->in_tx) {
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        s->in_tx = false;
    }
}

static int statement_walk(struct sqlite_store *s, uint64_t account_id, uint64_t after_seq,
                          uint32_t limit, store_transfer_fn fn, void *ctx, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    struct transfer t;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT " TRANSFER_COLS " FROM transfers WHERE seq > ?2 AND"
                           " (debit_account_id = ?1 OR credit_account_id = ?1) ORDER BY seq"
                           " LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "statement");
    }
    sqlite3_bind_int64(st, 1, (int64_t)account_id);
    sqlite3_bind_int64(st, 2, (int64_t)after_seq);
    sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
    for (;;) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "statement");
            break;
        }
        column_transfer(st, &t);
        rc = fn(ctx, &t);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int sqlite_statement(struct store *base, uint64_t account_id, store_transfer_fn fn,
                            void *ctx, struct mdt_err *err)
{
    return statement_walk((struct sqlite_store *)base, account_id, 0, 0, fn, ctx, err);
}

static int sqlite_statement_page(struct store *base, uint64_t account_id, uint64_t after_seq,
                                 uint32_t limit, store_transfer_fn fn, void *ctx,
                                 struct mdt_err *err)
{
    return statement_walk((struct sqlite_store *)base, account_id, after_seq, limit, fn, ctx, err);
}

static int sqlite_transfer_get(struct store *base, struct id128 id, struct transfer *out,
                               struct mdt_err *err)
{
    static const char *const sql[] = {
        "SELECT " TRANSFER_COLS " FROM transfers WHERE id = ?",
        "SELECT " TRANSFER_COLS " FROM rejections WHERE id = ?",
    };
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc = MDT_E(NOTFOUND);

    for (int i = 0; i < 2 && rc == MDT_E(NOTFOUND); i++) {
        sqlite3_stmt *st = NULL;
        int step;

        if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
            return sqlite_db_error(s, err, "find transfer");
        }
        sqlite_bind_id(st, 1, id);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            column_transfer(st, out);
            rc = 0;
        } else if (step != SQLITE_DONE) {
            rc = sqlite_db_error(s, err, "find transfer");
        }
        sqlite3_finalize(st);
    }
    if (rc == MDT_E(NOTFOUND)) {
        mdt_err_set(err, rc, "no transfer with this id");
    }
    return rc;
}

static void column_journal(sqlite3_stmt *st, struct journal_entry *e)
{
    const unsigned char *kind = sqlite3_column_text(st, 2);
    const unsigned char *detail = sqlite3_column_text(st, 3);

    memset(e, 0, sizeof(*e));
    e->seq = (uint64_t)sqlite3_column_int64(st, 0);
    e->created_us = sqlite3_column_int64(st, 1);
    snprintf(e->kind, sizeof(e->kind), "%s", kind ? (const char *)kind : "");
    snprintf(e->detail, sizeof(e->detail), "%s", detail ? (const char *)detail : "");
    e->transfers = (uint32_t)sqlite3_column_int64(st, 4);
    e->rejections = (uint32_t)sqlite3_column_int64(st, 5);
    e->events = (uint32_t)sqlite3_column_int64(st, 6);
    for (int c = 7; c <= 9; c++) {
        uint8_t *dst = c == 7 ? e->digest : c == 8 ? e->prev_hash : e->hash;

        if (sqlite3_column_bytes(st, c) == SHA256_LEN) {
            memcpy(dst, sqlite3_column_blob(st, c), SHA256_LEN);
        }
    }
}

static int sqlite_journal(struct store *base, store_journal_fn fn, void *ctx, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    struct journal_entry e;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, created_us, kind, detail, transfers, rejections, events,"
                           " digest, prev_hash, hash FROM journal ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "journal");
    }
    for (;;) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "journal");
            break;
        }
        column_journal(st, &e);
        rc = fn(ctx, &e);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- verification ---- */

static uint64_t cursor_batch(const struct cursor *c)
{
    return c->live ? (uint64_t)sqlite3_column_int64(c->st, 1) : UINT64_MAX;
}

/* Collect the rows of one batch from the three cursors (each ordered by seq, hence by batch). */
static int collect_batch(struct sqlite_store *s, struct cursor c[3], uint64_t batch,
                         struct ledger_changes *ch, struct mdt_err *err)
{
    int rc = 0;

    ledger_changes_reset(ch);
    while (rc == 0 && cursor_batch(&c[0]) == batch) {
        mem_grow((void **)&ch->events, &ch->event_cap, ch->event_count + 1, sizeof(*ch->events));
        column_event(c[0].st, &ch->events[ch->event_count++]);
        rc = cursor_next(s, &c[0], err);
    }
    while (rc == 0 && cursor_batch(&c[1]) == batch) {
        mem_grow((void **)&ch->transfers, &ch->transfer_cap, ch->transfer_count + 1,
                 sizeof(*ch->transfers));
        column_transfer(c[1].st, &ch->transfers[ch->transfer_count++]);
        rc = cursor_next(s, &c[1], err);
    }
    while (rc == 0 && cursor_batch(&c[2]) == batch) {
        mem_grow((void **)&ch->rejections, &ch->rejection_cap, ch->rejection_count + 1,
                 sizeof(*ch->rejections));
        column_transfer(c[2].st, &ch->rejections[ch->rejection_count++]);
        rc = cursor_next(s, &c[2], err);
    }
    return rc;
}

/* Rows store the state as it is now; the digest covers the state they were written with:
 * pending rows were written pending, every other row posted. */
static void normalise_states(struct ledger_changes *ch)
{
    for (size_t i = 0; i < ch->transfer_count; i++) {
        struct transfer *t = &ch->transfers[i];

        t->state = (t->flags & TRANSFER_PENDING) ? TRANSFER_STATE_PENDING : TRANSFER_STATE_POSTED;
    }
}

static int verify_entries(struct sqlite_store *s, sqlite3_stmt *js, struct cursor c[3],
                          store_digest_fn fn, void *ctx, struct mdt_err *err)
{
    struct ledger_changes ch = {0};
    struct journal_entry e;
    uint8_t digest[SHA256_LEN];
    int rc = 0;

    for (;;) {
        int step = sqlite3_step(js);

        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            rc = sqlite_db_error(s, err, "journal");
            break;
        }
        column_journal(js, &e);
        rc = collect_batch(s, c, e.seq, &ch, err);
        if (rc < 0) {
            break;
        }
        normalise_states(&ch);
        store_digest(ch.events, ch.event_count, ch.transfers, ch.transfer_count, ch.rejections,
                     ch.rejection_count, digest);
        rc = fn(ctx, &e, digest, 0);
        if (rc != 0) {
            break;
        }
    }
    ledger_changes_release(&ch);
    return rc;
}

static int sqlite_journal_verify(struct store *base, store_digest_fn fn, void *ctx,
                                 struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct cursor c[3] = {{0}};
    sqlite3_stmt *js = NULL;
    uint64_t orphans = 0;
    int rc;

    rc = cursors_open(s, c, 0, err);
    if (rc == 0 && sqlite3_prepare_v2(s->db,
                                      "SELECT seq, created_us, kind, detail, transfers, rejections,"
                                      " events, digest, prev_hash, hash FROM journal ORDER BY seq",
                                      -1, &js, NULL) != SQLITE_OK) {
        rc = sqlite_db_error(s, err, "journal");
    }
    if (rc == 0) {
        rc = verify_entries(s, js, c, fn, ctx, err);
    }
    for (int i = 0; rc == 0 && i < 3; i++) {
        while (rc == 0 && c[i].live) {
            orphans++;
            rc = cursor_next(s, &c[i], err);
        }
    }
    if (rc == 0 && orphans > 0) {
        rc = fn(ctx, NULL, NULL, orphans);
    }
    sqlite3_finalize(js);
    for (int i = 0; i < 3; i++) {
        sqlite3_finalize(c[i].st);
    }
    return rc;
}

/* Sums per account from the rows alone. Posted: rows that move money (neither pending, void
 * nor expiry rows). Pending: pending rows still open. flags: PENDING 2, VOID 8, EXPIRE 16. */
static int sqlite_sums(struct store *base, store_sums_fn fn, void *ctx, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    struct store_account_sums sum;
    int rc = 0;

    if (sqlite3_prepare_v2(
            s->db,
            "WITH legs(acc, d, c, flags, state) AS ("
            " SELECT debit_account_id, amount, 0, flags, state FROM transfers"
            " UNION ALL SELECT credit_account_id, 0, amount, flags, state FROM transfers),"
            " sums AS (SELECT acc,"
            "  SUM(CASE WHEN flags & 26 = 0 THEN d ELSE 0 END) AS dp,"
            "  SUM(CASE WHEN flags & 26 = 0 THEN c ELSE 0 END) AS cp,"
            "  SUM(CASE WHEN flags & 2 != 0 AND state = 1 THEN d ELSE 0 END) AS dq,"
            "  SUM(CASE WHEN flags & 2 != 0 AND state = 1 THEN c ELSE 0 END) AS cq"
            "  FROM legs GROUP BY acc)"
            " SELECT e.account_id, coalesce(dp, 0), coalesce(cp, 0), coalesce(dq, 0),"
            " coalesce(cq, 0) FROM account_events e LEFT JOIN sums ON sums.acc = e.account_id"
            " WHERE e.type = 0"
            " UNION ALL SELECT acc, dp, cp, dq, cq FROM sums"
            " WHERE acc NOT IN (SELECT account_id FROM account_events WHERE type = 0)",
            -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "sums");
    }
    for (;;) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "sums");
            break;
        }
        sum.account_id = (uint64_t)sqlite3_column_int64(st, 0);
        sum.debits_posted = sqlite3_column_int64(st, 1);
        sum.credits_posted = sqlite3_column_int64(st, 2);
        sum.debits_pending = sqlite3_column_int64(st, 3);
        sum.credits_pending = sqlite3_column_int64(st, 4);
        rc = fn(ctx, &sum);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int check_duplicates(struct sqlite_store *s, store_report_fn report, void *ctx,
                            uint64_t *violations, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT lower(hex(id)), count(*) FROM (SELECT id FROM transfers"
                           " UNION ALL SELECT id FROM rejections) GROUP BY id HAVING count(*) > 1",
                           -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "check ids");
    }
    for (;;) {
        char text[160];
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "check ids");
            break;
        }
        snprintf(text, sizeof(text), "transfer id %s is stored %lld times: ids must be unique",
                 (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
        (*violations)++;
        report(ctx, text);
    }
    sqlite3_finalize(st);
    return rc;
}

/* State each pending row should have, given the rows that closed it. */
static int expected_state(int64_t closes, int64_t flags)
{
    if (closes == 0) {
        return TRANSFER_STATE_PENDING;
    }
    if (flags & TRANSFER_POST_PENDING) {
        return TRANSFER_STATE_POSTED;
    }
    return (flags & TRANSFER_EXPIRE) ? TRANSFER_STATE_EXPIRED : TRANSFER_STATE_VOIDED;
}

static int check_pending_states(struct sqlite_store *s, store_report_fn report, void *ctx,
                                uint64_t *violations, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite_run(s,
                        "DROP TABLE IF EXISTS temp.chk_close;"
                        "CREATE TEMP TABLE chk_close AS SELECT link_id, flags FROM transfers"
                        " WHERE flags & 28 != 0;"
                        "CREATE INDEX temp.chk_close_link ON chk_close(link_id);",
                        err);

    if (rc < 0) {
        return rc;
    }
    if (sqlite3_prepare_v2(s->db,
                           "SELECT p.seq, p.state, count(c.link_id), max(c.flags) FROM transfers p"
                           " LEFT JOIN chk_close c ON c.link_id = p.id WHERE p.flags & 2 != 0"
                           " GROUP BY p.seq",
                           -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "check pending");
    }
    for (;;) {
        char text[200];
        int step = sqlite3_step(st);
        int64_t closes, state, want;

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "check pending");
            break;
        }
        state = sqlite3_column_int64(st, 1);
        closes = sqlite3_column_int64(st, 2);
        want = expected_state(closes, sqlite3_column_int64(st, 3));
        if (closes > 1 || state != want) {
            snprintf(text, sizeof(text),
                     "pending transfer at seq %lld: state %s, closed by %lld rows (expected %s)",
                     sqlite3_column_int64(st, 0), transfer_state_name((int)state),
                     (long long)closes, transfer_state_name((int)want));
            (*violations)++;
            report(ctx, text);
        }
    }
    sqlite3_finalize(st);
    sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.chk_close", NULL, NULL, NULL);
    return rc;
}

static int sqlite_check_rows(struct store *base, store_report_fn report, void *ctx,
                             uint64_t *violations, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc;

    *violations = 0;
    rc = check_duplicates(s, report, ctx, violations, err);
    if (rc == 0) {
        rc = check_pending_states(s, report, ctx, violations, err);
    }
    return rc;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .replay = sqlite_replay,
    .changed = sqlite_changed,
    .begin = sqlite_begin,
    .write = sqlite_write,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .channel_load = sqlite_channel_load,
    .read_begin = sqlite_read_begin,
    .read_end = sqlite_read_end,
    .statement = sqlite_statement,
    .statement_page = sqlite_statement_page,
    .transfer_get = sqlite_transfer_get,
    .journal = sqlite_journal,
    .journal_verify = sqlite_journal_verify,
    .sums = sqlite_sums,
    .check_rows = sqlite_check_rows,
    .webhook_list = sqlite_webhook_list,
    .messages = sqlite_messages,
    .webhook_requeue = sqlite_webhook_requeue,
};
