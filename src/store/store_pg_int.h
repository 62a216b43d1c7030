/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the PostgreSQL backend's files: the handle, the schema's migrations and the
 * small helpers (errors, text decoding of results) they all use. Only src/store includes libpq. */
#ifndef MDT_STORE_PG_INT_H
#define MDT_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Same column lists as SQLite's (store_sqlite_int.h), so that rows decode the same way. */
#define PG_TRANSFER_COLS                                                                           \
    "seq, batch, id, debit_account_id, credit_account_id, amount, link_id, timeout_s, kind,"       \
    " flags, state, fee1, fee2, channel, reason, created_us, expires_us, fingerprint, ext_ref"
#define PG_EVENT_COLS                                                                              \
    "seq, batch, account_id, type, kind, status, tier, flags, currency, created_us"
#define PG_TRANSFER_NCOLS 19
#define PG_EVENT_NCOLS 10

/* Statements sent in pipeline mode before their results are read: bounds what the server has to
 * hold in its send buffer for us (about 25 bytes of results a statement), so neither side blocks
 * on a full socket while the other waits. */
#define PG_PIPELINE_CHUNK 1024
/* Rows fetched at once from a server-side cursor (replay, verification): memory stays bounded
 * however long the log is. */
#define PG_FETCH_ROWS 4096
/* Times a batch refused by a serialization failure or a deadlock is sent again before the
 * engine is told (PostgreSQL itself only raises them under contention on distributed engines or
 * SERIALIZABLE; each try is a full, fresh transaction). */
#define PG_RETRY_MAX 5
/* Waits between two reconnection attempts after the server went away: doubled from the first
 * to the last, so a server down for long costs one connection attempt every 5 s, not a busy
 * loop of the engine's batches. */
#define PG_RECONNECT_FIRST_MS 100
#define PG_RECONNECT_MAX_MS 5000
/* How long a batch whose COMMIT's fate was lost with the connection waits for the server to
 * come back and say (by its journal entry) whether it committed, before the batch is reported
 * failed with its fate unknown (the next start's replay then decides). */
#define PG_RESOLVE_MAX_MS 30000

/* A growing text buffer (SQL, COPY data, parameters). */
struct pg_sbuf {
    char *p;
    size_t len, cap;
};

/* One column of a batch's log rows as a PostgreSQL array in binary format (store_pg_array.c). */
struct pg_array {
    struct pg_sbuf b;
    uint32_t oid, n; /* element type, elements */
    bool nulls;
};

/* Columns sent as arrays by one statement: the widest row written (a log's or a channel
 * table's, store_pg_rows.c), checked when the statements are prepared. */
#define PG_ARRAYS_MAX 32
_Static_assert(PG_TRANSFER_NCOLS <= PG_ARRAYS_MAX, "a log's row fits the arrays");

/* Text parameters of one statement, formatted into one buffer. */
#define PG_PARAMS_MAX 32
struct pg_params {
    struct pg_sbuf b;
    size_t off[PG_PARAMS_MAX];
    bool null[PG_PARAMS_MAX];
    int n;
    const char *v[PG_PARAMS_MAX];
};

/* A batch's channel rows waiting to be sent, grouped by kind of write (a table's insert or
 * upsert, an update, a delete: store_pg_channel_group.c), one statement a kind. */
#define PG_WRITE_KINDS 26
struct pg_group_row {
    const struct store_extra *x; /* the engine's, valid until the commit (struct pg_pending) */
    uint64_t hash;               /* of its table and key */
    int32_t next;                /* the next row of its kind, or -1 */
    uint8_t kind;
    bool done; /* an inbox row marked done in its batch (EXTRA_INBOX_DONE after it) */
};
struct pg_groups {
    struct pg_group_row *rows; /* in arrival order */
    size_t n, cap;
    int32_t head[PG_WRITE_KINDS], tail[PG_WRITE_KINDS];
    uint8_t order[PG_WRITE_KINDS]; /* the kinds with rows, by their first row */
    uint8_t place[PG_WRITE_KINDS]; /* where a kind with rows is in order[] */
    int norder;
    int32_t *slots; /* each key's last write: open addressing, -1 free, at most half full */
    size_t nslots, slots_cap;
    int8_t key[25][2]; /* the key columns of each table (enum table_id), -1 after the last */
};

/* The batch a write transaction carries until its COMMIT: kept so that a batch refused with a
 * serialization failure or a deadlock (40001, 40P01) is sent again, whole, in a new transaction.
 * Valid between pg_write (or pg_write_send) and the end of the pg_commit_wait that reports it
 * (the engine keeps them that long). */
struct pg_pending {
    const struct ledger_changes *ch;
    struct journal_entry j;
    bool has_entry;               /* ledger rows and their journal entry */
    const struct store_extras *x; /* channel rows */
    size_t nx;
    /* A batch in flight (store_pg_pipe.c): the head its transaction requires (checked by the
     * server under the head's lock), whether sending it lost the connection, and, once known
     * ahead of its turn (a lost connection resolves every batch in flight), its outcome. */
    uint64_t prev_seq;
    uint8_t prev_hash[SHA256_LEN];
    bool send_lost;
    bool resolved;
    int rc;
    char why[MDT_ERR_MSG_MAX];
};

/* Batches in flight at once (store.h). */
#define PG_PIPE_MAX STORE_PIPE_MAX

struct pg_store {
    struct store base;
    PGconn *conn;
    bool read_only;
    bool create;
    bool in_tx;
    bool prepared; /* the write path's statements exist in this session */
    /* the journal's head as this connection last saw it (store_changed compares with it), and
     * the head a pending commit will make current */
    uint64_t journal_seq, next_journal_seq;
    uint8_t journal_hash[SHA256_LEN], next_journal_hash[SHA256_LEN];
    uint64_t seen_seq;
    struct pg_pending pending;
    /* batches sent and not yet waited for (store_pg_pipe.c), oldest at pipe_head; the head the
     * newest of them makes current (tip), and, while one is being sent, no sync point midway
     * (its results are read in order, batch by batch) */
    struct pg_pending pipe[PG_PIPE_MAX];
    int pipe_head, pipe_count;
    uint64_t tip_seq;
    uint8_t tip_hash[SHA256_LEN];
    bool pipe_sending;
    /* store_pg_channel.c's inserts, made once per handle: two per table of store_pg_rows.h's
     * enum table_id (T_COUNT, checked there) */
    char *channel_sql[2 * 25];
    struct pg_params params;
    struct pg_groups groups;
    /* the columns of one log's rows (or of one kind of channel write) while a batch is sent,
     * kept for the next batch */
    struct pg_array arrays[PG_ARRAYS_MAX];
    /* session settings, set again on every new connection */
    int sync;
    int busy_timeout_ms;
    /* reconnection backoff: no attempt before retry_at_us (monotonic); wait_ms the next wait */
    int64_t retry_at_us;
    int wait_ms;
};

/* The schema's versions (store_pg_schema.c): pg_migrations[v - 1] takes a database from version
 * v - 1 to v; PG_SCHEMA_VERSION must equal SQLite's (a test compares them). */
extern const char *const pg_migrations[];
extern const int pg_schema_version;

/* What a batch's results said: the first error kept for the message (PQclear it). */
struct pg_drain {
    PGresult *first_error;
    bool retry;     /* 40001 or 40P01: send the batch again */
    bool lost;      /* the connection went away: the fate of what was sent is unknown */
    bool keep_rows; /* keep the last rows a statement returned in rows (PQclear it) */
    PGresult *rows;
};

/* Send the three logs' rows of ch (batch number batch) in the batch's pipeline, one
 * INSERT ... SELECT FROM unnest() a table that has rows, its columns as binary arrays
 * (store_pg_array.c), then its state changes of earlier transfers as one UPDATE. 0, or -1 with
 * d filled. */
int pg_send_logs(struct pg_store *s, const struct ledger_changes *ch, uint64_t batch,
                 struct pg_drain *d, int *sent);
/* Send prepared statement stmt (or, stmt NULL, statement sql: pg_send_binary) with the first
 * ncols arrays of s->arrays (ended here) as its binary parameters, in the batch's pipeline: 0, or
 * -1 with d filled. */
int pg_send_arrays(struct pg_store *s, const char *stmt, const char *sql, int ncols,
                   struct pg_drain *d, int *sent);
/* Free the arrays' buffers kept in s. */
void pg_arrays_release(struct pg_store *s);

/* Send prepared statement stmt (or, stmt NULL, statement sql, planned for these values) with n
 * parameters (values[i] of lengths[i] bytes, in formats[i]: 0 text, 1 binary) in the batch's
 * pipeline (store_pg_log.c); 0, or -1 with d filled. */
int pg_send_binary(struct pg_store *s, const char *stmt, const char *sql, int n,
                   const char *const *values, const int *lengths, const int *formats,
                   struct pg_drain *d, int *sent);

/* Send one statement with text parameters in the batch's pipeline (store_pg_log.c); 0, or -1
 * with d filled. */
int pg_send_params(struct pg_store *s, const char *sql, int n, const char *const *values,
                   struct pg_drain *d, int *sent);

/* Read the pipeline's results up to its end (a sync point): 0, or -1 with d filled. */
int pg_pipeline_end(struct pg_store *s, struct pg_drain *d, int *sent);

/* ---- channel rows (store_pg_channel.c) ---- */
/* Refuse rows of a kind this backend does not know: -MDT_EINVAL. */
int pg_extras_check(const struct store_extras *x, size_t nx, struct mdt_err *err);
/* Send the channel rows x[0..nx) in the batch's pipeline: 0, or -1 with d filled. */
int pg_send_extras(struct pg_store *s, const struct store_extras *x, size_t nx, struct pg_drain *d,
                   int *sent);
/* Prepare the statements of the kinds of write (store_pg_channel_group.c) on a new connection. */
int pg_channel_prepare(struct pg_store *s, struct mdt_err *err);
/* The kind of write of a channel row, or -1 for one sent by a statement of its own. */
int pg_group_kind(const struct store_extra *x);
/* Start a batch's groups (empty), for at most rows_max rows. */
void pg_groups_begin(struct pg_store *s, size_t rows_max);
/* Add row x of kind k (pg_group_kind) to its group; a row whose key another group (or, but for
 * an upsert, which replaces it, its own) already holds first sends what is pending, so that the
 * writes of one row keep their order. 0, or -1 with d filled. */
int pg_groups_add(struct pg_store *s, const struct store_extra *x, int k, struct pg_drain *d,
                  int *sent);
/* Send what the groups hold (one statement a kind, in the order of their first rows) in the
 * batch's pipeline and empty them: 0, or -1 with d filled. */
int pg_groups_flush(struct pg_store *s, struct pg_drain *d, int *sent);
/* Free the groups' buffers. */
void pg_groups_release(struct pg_store *s);
/* store_channel_load, store_messages, store_webhook_list and store_webhook_requeue (store.h). */
int pg_channel_load(struct store *base, const struct store_channel_fns *fns, void *ctx,
                    int64_t inbox_since_us, struct mdt_err *err);
int pg_messages(struct store *base, const char *number, uint32_t limit, store_message_fn fn,
                void *ctx, struct mdt_err *err);
int pg_webhook_list(struct store *base, const struct store_webhook_filter *f, store_webhook_fn fn,
                    void *ctx, struct mdt_err *err);
int pg_webhook_requeue(struct store *base, const struct store_webhook_filter *f, int64_t now_us,
                       uint64_t *count, struct mdt_err *err);
/* Send a sealed card number's row; known_ok: one already there by its pan_mac is left as it is
 * (a card on file someone else keeps too), else a known pan_mac or token fails the batch
 * (-MDT_EEXISTS at commit). */
int pg_send_card_pan(struct pg_store *s, const struct card_pan_row *r, bool known_ok,
                     struct pg_drain *d, int *sent);

/* ---- cards (store_pg_card.c) ---- */
/* Send an EXTRA_CARD_FILE row (a card kept on file or forgotten, its sealed number inserted unless
 * known, the one nobody keeps any more deleted) in the batch's pipeline. */
int pg_send_card_file(struct pg_store *s, const struct card_file_row *r, struct pg_drain *d,
                      int *sent);
/* store_card_reseal and store_card_pan_known (store.h). */
int pg_card_reseal(struct store *base, uint32_t version, uint32_t limit, store_reseal_fn fn,
                   void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err);
int pg_card_pan_known(struct store *base, const uint8_t pan_mac[32], bool *known,
                      struct mdt_err *err);
/* One rule of mandat check: a query whose rows break it ($1: ACCOUNT_CARD), each reported as
 * "<what>: <first column>". */
struct pg_check {
    const char *sql;
    const char *what;
};
/* Run the rules q[0..n), each finding counted in *violations and handed to report. */
int pg_check_queries(struct pg_store *s, const struct pg_check *q, size_t n, store_report_fn report,
                     void *ctx, uint64_t *violations, struct mdt_err *err);
/* mandat check's card rules (as SQLite's, store_sqlite_int.h). */
int pg_check_cards(struct pg_store *s, store_report_fn report, void *ctx, uint64_t *violations,
                   struct mdt_err *err);

/* ---- the ISO 8583 host (store_pg_iso.c) ---- */
/* Send one EXTRA_ISO_REQUEST, EXTRA_CARD_PIN or EXTRA_FX_RATE row (an upsert) in the batch's
 * pipeline: 0, or -1 with d filled. */
int pg_send_iso(struct pg_store *s, const struct store_extra *x, struct pg_drain *d, int *sent);
/* mandat check's ISO 8583 host rules (as SQLite's, store_sqlite_card.c): an approval's hold
 * committed with its answer, no PIN without its card. Each finding goes to report. */
int pg_check_iso(struct pg_store *s, store_report_fn report, void *ctx, uint64_t *violations,
                 struct mdt_err *err);

/* Free what the channel rows' code keeps in s. */
void pg_channel_release(struct pg_store *s);

/* Turn a failed result (or the connection's last error when res is NULL) into a code and a
 * message ("what: the server's words"); never includes the connection string. */
int pg_error(struct pg_store *s, const PGresult *res, struct mdt_err *err, const char *what);
/* The connection is up, or comes back (with its session settings): a lost one is reset at most
 * once per backoff wait; -MDT_EIO while the server cannot be reached. */
int pg_connected(struct pg_store *s, struct mdt_err *err);
/* A new session now, whatever the state of this one (a pipeline left with results nobody will
 * read), within the same backoff. */
int pg_reconnect(struct pg_store *s, struct mdt_err *err);
/* Set this connection's session (durability, bytea in hex, lock timeout, read-only). */
int pg_session(struct pg_store *s, struct mdt_err *err);
/* Run SQL without results (several statements allowed). */
int pg_run(struct pg_store *s, const char *sql, struct mdt_err *err);
/* Run one query with text parameters (rows or a command). *out: PQclear() it. */
int pg_query(struct pg_store *s, const char *sql, int n, const char *const *params, PGresult **out,
             struct mdt_err *err);
/* Whether a result's SQLSTATE asks for the transaction to be run again (40001, 40P01). */
bool pg_retryable(const PGresult *res);

/* Text decoding of result fields. */
int64_t pg_int(const PGresult *r, int row, int col);
/* A bytea field into out (exactly n bytes); false when NULL or of another length. */
bool pg_bytes(const PGresult *r, int row, int col, uint8_t *out, size_t n);
struct id128 pg_id(const PGresult *r, int row, int col);
/* An id as a bytea literal in text format ("\\x" and 32 hex digits), into buf[35]. */
void pg_id_text(struct id128 id, char buf[35]);
/* Bytes as a bytea literal ("\\x" and hex) into buf of at least 2 * n + 3 bytes. */
void pg_hex_text(const uint8_t *b, size_t n, char *buf);

/* Rows in PG_TRANSFER_COLS / PG_EVENT_COLS order. */
void pg_row_transfer(const PGresult *r, int row, struct transfer *t);
void pg_row_event(const PGresult *r, int row, struct account_event *e);

/* Read the journal's head (seq and hash) into s; with lock, FOR UPDATE (the write lock). */
int pg_head_read(struct pg_store *s, bool lock, struct mdt_err *err);
/* The head's row (seq, hash) of res into s as pg_head_read's; res is cleared. */
int pg_head_parse(struct pg_store *s, PGresult *res, struct mdt_err *err);

/* A walk over one log in seq order through a server-side cursor, fetched in pages. */
struct pg_cursor {
    char name[16];
    PGresult *res;
    int row;
    bool live, done;
};
/* Open cursor c, named name, on query (needs an open transaction); c->live when it stands on a
 * row (c->res, c->row). pg_cursor_close: close it (also when open failed). */
int pg_cursor_open(struct pg_store *s, struct pg_cursor *c, const char *name, const char *query,
                   struct mdt_err *err);
void pg_cursor_close(struct pg_store *s, struct pg_cursor *c);
/* Open cursors c[0..3) on the three logs after seq `after` (events, transfers, rejections),
 * each in seq order; needs an open transaction. pg_cursors_close closes them. */
int pg_cursors_open(struct pg_store *s, struct pg_cursor c[3], uint64_t after, struct mdt_err *err);
int pg_cursor_next(struct pg_store *s, struct pg_cursor *c, struct mdt_err *err);
void pg_cursors_close(struct pg_store *s, struct pg_cursor c[3]);
/* A transaction of its own for a read when none is open (REPEATABLE READ: one snapshot). */
int pg_read_tx_begin(struct pg_store *s, bool *own, struct mdt_err *err);
void pg_read_tx_end(struct pg_store *s, bool own);

/* ---- store_ops of the log (store_pg_log.c) ---- */
int pg_replay(struct store *base, uint64_t after, const struct store_replay_fns *fns, void *ctx,
              struct mdt_err *err);
int pg_changed(struct store *base, bool *changed, struct mdt_err *err);
int pg_begin(struct store *base, bool *changed, struct mdt_err *err);
int pg_write(struct store *base, const struct ledger_changes *ch, const struct store_extras *x,
             size_t nx, const char *kind, int64_t now_us, struct mdt_err *err);
int pg_commit(struct store *base, struct mdt_err *err);
void pg_rollback(struct store *base);
int pg_read_begin(struct store *base, struct mdt_err *err);
void pg_read_end(struct store *base);

/* A batch's body in the pipeline (store_pg_log.c): its logs' rows, the state changes, the
 * channel rows, the journal entry and the head's update; no BEGIN, no COMMIT. 0, or -1 with d
 * filled. */
int pg_send_body(struct pg_store *s, const struct pg_pending *pb, struct pg_drain *d, int *sent);
/* Read results up to the next sync point into d. */
void pg_drain_sync(struct pg_store *s, struct pg_drain *d);
/* After a lost connection: reconnect (with backoff, up to PG_RESOLVE_MAX_MS) and say whether
 * journal entry (seq, hash) is stored: whether the batch that carried it committed. */
int pg_resolve(struct pg_store *s, uint64_t seq, const uint8_t hash[SHA256_LEN], bool *committed,
               struct mdt_err *err);
/* Fill journal entry j for the log rows of ch (none: false, j untouched) on top of the head
 * (prev_seq, prev_hash). */
bool pg_journal_fill(struct journal_entry *j, const struct ledger_changes *ch, uint64_t prev_seq,
                     const uint8_t prev_hash[SHA256_LEN], const char *kind, int64_t now_us);
/* Prepare the write path's statements on this connection if it has not yet. */
int pg_prepare_writes(struct pg_store *s, struct mdt_err *err);

/* ---- batches in flight (store_pg_pipe.c) ---- */
int pg_commit_send(struct store *base, struct mdt_err *err);
int pg_write_send(struct store *base, const struct ledger_changes *ch, const struct store_extras *x,
                  size_t nx, const char *kind, int64_t now_us, struct mdt_err *err);
int pg_commit_wait(struct store *base, struct mdt_err *err);

/* ---- reads and checks (store_pg_read.c) ---- */
int pg_statement(struct store *base, uint64_t account_id, store_transfer_fn fn, void *ctx,
                 struct mdt_err *err);
int pg_statement_page(struct store *base, uint64_t account_id, uint64_t after_seq, uint32_t limit,
                      store_transfer_fn fn, void *ctx, struct mdt_err *err);
int pg_transfer_get(struct store *base, struct id128 id, struct transfer *out, struct mdt_err *err);
int pg_journal(struct store *base, store_journal_fn fn, void *ctx, struct mdt_err *err);
int pg_journal_verify(struct store *base, store_digest_fn fn, void *ctx, struct mdt_err *err);
int pg_sums(struct store *base, store_sums_fn fn, void *ctx, struct mdt_err *err);
int pg_check_rows(struct store *base, store_report_fn report, void *ctx, uint64_t *violations,
                  struct mdt_err *err);

#endif
