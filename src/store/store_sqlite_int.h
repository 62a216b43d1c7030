/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the SQLite backend's files: the handle, its prepared statements and the
 * small helpers both use. Only src/store includes SQLite. */
#ifndef MDT_STORE_SQLITE_INT_H
#define MDT_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

enum stmt_id {
    ST_INS_TRANSFER,
    ST_INS_REJECTION,
    ST_INS_EVENT,
    ST_INS_JOURNAL,
    ST_SET_STATE,
    ST_DATA_VERSION,
    ST_INS_INBOX,
    ST_INBOX_DONE,
    ST_INBOX_CONFIRMED,
    ST_INS_OUTBOX,
    ST_OUTBOX_STATE,
    ST_UPSERT_CUSTOMER,
    ST_UPSERT_CONVERSATION,
    ST_DELETE_CONVERSATION,
    ST_UPSERT_ASSOCIATION,
    ST_UPSERT_CLAIM,
    ST_DELETE_CLAIM,
    ST_UPSERT_MERCHANT,
    ST_UPSERT_API_KEY,
    ST_UPSERT_PAYMENT_REQUEST,
    ST_INS_WEBHOOK,
    ST_WEBHOOK_STATE,
    ST_INS_IDEMPOTENCY,
    ST_UPSERT_CAMPAIGN,
    ST_INS_CAMPAIGN_DONATION,
    ST_UPSERT_SOCIAL_LINK,
    ST_DELETE_SOCIAL_ALIASES,
    ST_UPSERT_SOCIAL_CURSOR,
    ST_UPSERT_CODE_ORDER,
    ST_COUNT
};

struct sqlite_store {
    struct store base;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    bool read_only;
    bool in_tx;
    int64_t data_version;
    /* the journal's head, and the head a pending commit will make current */
    uint64_t journal_seq, next_journal_seq;
    uint8_t journal_hash[SHA256_LEN], next_journal_hash[SHA256_LEN];
};

/* Turn the connection's last error into a code and a message ("what: sqlite's words"). */
int sqlite_db_error(struct sqlite_store *s, struct mdt_err *err, const char *what);
/* Run SQL without results. */
int sqlite_run(struct sqlite_store *s, const char *sql, struct mdt_err *err);
/* Ids as 16-byte big-endian blobs. */
void sqlite_bind_id(sqlite3_stmt *st, int col, struct id128 id);
struct id128 sqlite_column_id(sqlite3_stmt *st, int col);
/* Step a write statement to completion, reset it and clear its bindings. */
int sqlite_step_done(struct sqlite_store *s, sqlite3_stmt *st, struct mdt_err *err);

/* Channel rows (store_sqlite_channel.c). */
int sqlite_write_extras(struct sqlite_store *s, const struct store_extras *x, size_t nx,
                        struct mdt_err *err);
int sqlite_channel_load(struct store *base, const struct store_channel_fns *fns, void *ctx,
                        int64_t inbox_since_us, struct mdt_err *err);
int sqlite_messages(struct store *base, const char *number, uint32_t limit, store_message_fn fn,
                    void *ctx, struct mdt_err *err);
int sqlite_webhook_list(struct store *base, const struct store_webhook_filter *f,
                        store_webhook_fn fn, void *ctx, struct mdt_err *err);
int sqlite_webhook_requeue(struct store *base, const struct store_webhook_filter *f, int64_t now_us,
                           uint64_t *count, struct mdt_err *err);

#endif
