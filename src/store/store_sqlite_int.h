/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the SQLite backend's files: the handle, its prepared statements and the
 * small helpers both use. Only src/store includes SQLite. */
#ifndef MDT_STORE_SQLITE_INT_H
#define MDT_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define TRANSFER_COLS                                                                              \
    "seq, batch, id, debit_account_id, credit_account_id, amount, link_id, timeout_s, kind,"       \
    " flags, state, fee1, fee2, channel, reason, created_us, expires_us, fingerprint, ext_ref"
#define EVENT_COLS "seq, batch, account_id, type, kind, status, tier, flags, currency, created_us"

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
    ST_INS_CARD_PAN,
    ST_UPSERT_CARD,
    ST_UPSERT_CARD_ALIAS,
    ST_DELETE_CARD_ALIAS,
    ST_UPSERT_CARD_TOPUP,
    ST_UPSERT_ACQUIRER_OP,
    ST_UPSERT_CARD_ORDER,
    ST_UPSERT_ISO_REQUEST,
    ST_UPSERT_CARD_PIN,
    ST_UPSERT_FX_RATE,
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

/* Read the journal's head (seq and hash) into s. */
int sqlite_journal_head_read(struct sqlite_store *s, struct mdt_err *err);

/* ---- the ledger's log (store_sqlite_log.c) ---- */

/* A row of struct transfer or struct account_event from columns in TRANSFER_COLS or
 * EVENT_COLS order. */
void sqlite_column_transfer(sqlite3_stmt *st, struct transfer *t);
void sqlite_column_event(sqlite3_stmt *st, struct account_event *e);

/* A walk over one log in seq order; live while it stands on a row. */
struct sqlite_cursor {
    sqlite3_stmt *st;
    bool live;
};
/* The three logs after seq `after`, each in seq order: events, transfers, rejections. The
 * caller finalizes c[i].st. */
int sqlite_cursors_open(struct sqlite_store *s, struct sqlite_cursor c[3], uint64_t after,
                        struct mdt_err *err);
int sqlite_cursor_next(struct sqlite_store *s, struct sqlite_cursor *c, struct mdt_err *err);

/* The store_ops of the log (see store.h for each). */
int sqlite_replay(struct store *base, uint64_t after, const struct store_replay_fns *fns, void *ctx,
                  struct mdt_err *err);
int sqlite_changed(struct store *base, bool *changed, struct mdt_err *err);
int sqlite_begin(struct store *base, bool *changed, struct mdt_err *err);
int sqlite_write(struct store *base, const struct ledger_changes *ch, const struct store_extras *x,
                 size_t nx, const char *kind, int64_t now_us, struct mdt_err *err);
int sqlite_commit(struct store *base, struct mdt_err *err);
void sqlite_rollback(struct store *base);
int sqlite_read_begin(struct store *base, struct mdt_err *err);
void sqlite_read_end(struct store *base);

/* ---- reads and checks (store_sqlite_read.c): store_ops, see store.h ---- */

int sqlite_statement(struct store *base, uint64_t account_id, store_transfer_fn fn, void *ctx,
                     struct mdt_err *err);
int sqlite_statement_page(struct store *base, uint64_t account_id, uint64_t after_seq,
                          uint32_t limit, store_transfer_fn fn, void *ctx, struct mdt_err *err);
int sqlite_transfer_get(struct store *base, struct id128 id, struct transfer *out,
                        struct mdt_err *err);
int sqlite_journal(struct store *base, store_journal_fn fn, void *ctx, struct mdt_err *err);
int sqlite_journal_verify(struct store *base, store_digest_fn fn, void *ctx, struct mdt_err *err);
int sqlite_sums(struct store *base, store_sums_fn fn, void *ctx, struct mdt_err *err);
int sqlite_check_rows(struct store *base, store_report_fn report, void *ctx, uint64_t *violations,
                      struct mdt_err *err);

/* ---- channel rows (store_sqlite_channel.c) ---- */
int sqlite_write_extras(struct sqlite_store *s, const struct store_extras *x, size_t nx,
                        struct mdt_err *err);
int sqlite_channel_load(struct store *base, const struct store_channel_fns *fns, void *ctx,
                        int64_t inbox_since_us, struct mdt_err *err);
int sqlite_messages(struct store *base, const char *number, uint32_t limit, store_message_fn fn,
                    void *ctx, struct mdt_err *err);
int sqlite_webhook_list(struct store *base, const struct store_webhook_filter *f,
                        store_webhook_fn fn, void *ctx, struct mdt_err *err);
/* ---- cards (store_sqlite_card.c) ---- */
/* Write one EXTRA_CARD_PAN, EXTRA_CARD, EXTRA_CARD_ALIAS, EXTRA_CARD_FILE or EXTRA_CARD_ORDER row. */
int sqlite_write_card(struct sqlite_store *s, const struct store_extra *x, struct mdt_err *err);
/* Rows of the card queries of sqlite_channel_load, to fns' callbacks. */
/* mandat check's card rules (store_check_rows): every card has an account of kind card and a
 * sealed number, every alias names a card, every sealed number has its card or a sender who
 * keeps it (a card on file), every card on file has its sealed number. */
int sqlite_check_cards(struct sqlite_store *s, store_report_fn report, void *ctx,
                       uint64_t *violations, struct mdt_err *err);
int sqlite_load_card(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_load_card_alias(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_load_card_pan(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_load_card_file(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_load_card_order(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_card_reseal(struct store *base, uint32_t version, uint32_t limit, store_reseal_fn fn,
                       void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err);
int sqlite_card_pan_known(struct store *base, const uint8_t pan_mac[32], bool *known,
                          struct mdt_err *err);
/* ---- the ISO 8583 host (store_sqlite_iso.c) ---- */
/* Write one EXTRA_ISO_REQUEST, EXTRA_CARD_PIN or EXTRA_FX_RATE row. */
int sqlite_write_iso(struct sqlite_store *s, const struct store_extra *x, struct mdt_err *err);
int sqlite_load_iso_request(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_load_card_pin(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_load_fx_rate(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);
int sqlite_webhook_requeue(struct store *base, const struct store_webhook_filter *f, int64_t now_us,
                           uint64_t *count, struct mdt_err *err);

#endif
