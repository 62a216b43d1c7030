/* SPDX-License-Identifier: Apache-2.0 */
/* The store: everything mandat persists, behind one interface that SQLite implements today and
 * PostgreSQL can implement later without touching the ledger. The ledger's state is an
 * append-only log (account events, transfers, rejections) grouped in batches; each batch has a
 * journal entry whose hash chains to the previous one (SHA-256), so tampering shows. The store
 * knows the ledger's row types only (ledger_types.h): replaying rows into the ledger's view is
 * the engine's job (engine/recovery.h). */
#ifndef MDT_STORE_STORE_H
#define MDT_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "ledger/ledger_types.h"
#include "store/store_channel.h"

enum store_sync_mode {
    STORE_DURABLE_FULL = 0,   /* fsync at every commit: what mandat promises */
    STORE_DURABLE_NORMAL = 1, /* fsync at checkpoints: faster, may lose the last commits */
    STORE_DURABLE_OFF = 2,    /* no fsync at all: benchmarks of CPU cost only */
};

struct store_options {
    const char *path;    /* SQLite file, or a "postgresql://..." URI for PostgreSQL */
    int sync;            /* enum store_sync_mode */
    bool read_only;      /* readers: no migration, no write through this handle (not enforced by
                          * SQLite: WAL readers need to update the shared-memory index) */
    bool create;         /* create the file and schema when missing (mandat init, mandatd) */
    int busy_timeout_ms; /* how long to wait for another writer's transaction */
};

#define JOURNAL_KIND_MAX 16

/* One journal entry: a committed batch. */
struct journal_entry {
    uint64_t seq;
    int64_t created_us;
    char kind[JOURNAL_KIND_MAX]; /* "batch", "init" */
    char detail[256];
    uint32_t transfers, rejections, events;
    uint8_t digest[SHA256_LEN];    /* of the batch's rows, canonical encoding */
    uint8_t prev_hash[SHA256_LEN]; /* hash of the previous entry, zeros for the first */
    uint8_t hash[SHA256_LEN];      /* SHA-256(prev_hash, seq, created_us, kind, detail, digest) */
};

/* Per-account sums computed by the store from its own rows, independently of the ledger. */
struct store_account_sums {
    uint64_t account_id;
    int64_t debits_posted, credits_posted, debits_pending, credits_pending;
};

struct store;

/* Called once per finding of a check; text is for people ("account 12: ..."). */
typedef void (*store_report_fn)(void *ctx, const char *text);
typedef int (*store_transfer_fn)(void *ctx, const struct transfer *t);
typedef int (*store_sums_fn)(void *ctx, const struct store_account_sums *s);
typedef int (*store_journal_fn)(void *ctx, const struct journal_entry *e);
/* e with the digest recomputed from its batch's rows; e == NULL reports orphan rows (rows whose
 * batch has no journal entry), with orphans their count. */
typedef int (*store_digest_fn)(void *ctx, const struct journal_entry *e,
                               const uint8_t digest[SHA256_LEN], uint64_t orphans);

/* Which webhook events store_webhook_list and store_webhook_requeue select: the one with id
 * when by_id, else those of merchant_id (0: every merchant) created at or after since_us, in
 * state (enum webhook_state, or -1 for any). */
struct store_webhook_filter {
    bool by_id;
    struct id128 id;
    uint64_t merchant_id;
    int64_t since_us;
    int state;
    uint32_t limit; /* list only: at most this many, newest first; 0: all */
};
typedef int (*store_webhook_fn)(void *ctx, const struct webhook_row *r);

/* One message of a number's conversation (the dev phone's history): what the number sent (an
 * inbox row) or what it was sent (an outbox row that left the queue). Texts as stored: codes
 * masked, link tokens as markers. */
struct store_message {
    bool inbound;
    int64_t at_us;
    char text[STORE_TEXT_MAX];
};
typedef int (*store_message_fn)(void *ctx, const struct store_message *m);

/* One card number's re-encryption for store_card_reseal: 1 when out holds a new seal of *out_len
 * bytes under *version, 0 when it was already current, or a negative error (the batch stops). */
typedef int (*store_reseal_fn)(void *ctx, const char *token, const uint8_t *sealed, size_t len,
                               uint8_t out[STORE_CARD_SEALED_MAX], size_t *out_len,
                               uint32_t *version);

/* Where store_replay hands each row of the log; each returning non-zero stops the walk and is
 * returned. The rows are valid during the call only. */
struct store_replay_fns {
    int (*event)(void *ctx, const struct account_event *ev, struct mdt_err *err);
    int (*transfer)(void *ctx, const struct transfer *row, struct mdt_err *err);
    int (*rejection)(void *ctx, const struct transfer *row, struct mdt_err *err);
};

/* The operations a backend implements. All return 0 or a negative MDT_E* code with err. */
struct store_ops {
    const char *name;
    void (*close)(struct store *s);
    int (*replay)(struct store *s, uint64_t after_seq, const struct store_replay_fns *fns,
                  void *ctx, struct mdt_err *err);
    int (*changed)(struct store *s, bool *changed, struct mdt_err *err);
    int (*begin)(struct store *s, bool *changed, struct mdt_err *err);
    int (*write)(struct store *s, const struct ledger_changes *ch, const struct store_extras *x,
                 size_t nx, const char *kind, int64_t now_us, struct mdt_err *err);
    int (*channel_load)(struct store *s, const struct store_channel_fns *fns, void *ctx,
                        int64_t inbox_since_us, struct mdt_err *err);
    int (*commit)(struct store *s, struct mdt_err *err);
    void (*rollback)(struct store *s);
    /* Batches in flight (store_pipelines); NULL where a commit is only ever waited for. */
    int (*commit_send)(struct store *s, struct mdt_err *err);
    int (*write_send)(struct store *s, const struct ledger_changes *ch,
                      const struct store_extras *x, size_t nx, const char *kind, int64_t now_us,
                      struct mdt_err *err);
    int (*commit_wait)(struct store *s, struct mdt_err *err);
    int (*read_begin)(struct store *s, struct mdt_err *err);
    void (*read_end)(struct store *s);
    int (*statement)(struct store *s, uint64_t account_id, store_transfer_fn fn, void *ctx,
                     struct mdt_err *err);
    int (*statement_page)(struct store *s, uint64_t account_id, uint64_t after_seq, uint32_t limit,
                          store_transfer_fn fn, void *ctx, struct mdt_err *err);
    int (*transfer_get)(struct store *s, struct id128 id, struct transfer *out,
                        struct mdt_err *err);
    int (*journal)(struct store *s, store_journal_fn fn, void *ctx, struct mdt_err *err);
    int (*journal_verify)(struct store *s, store_digest_fn fn, void *ctx, struct mdt_err *err);
    int (*sums)(struct store *s, store_sums_fn fn, void *ctx, struct mdt_err *err);
    int (*check_rows)(struct store *s, store_report_fn report, void *ctx, uint64_t *violations,
                      struct mdt_err *err);
    int (*webhook_list)(struct store *s, const struct store_webhook_filter *f, store_webhook_fn fn,
                        void *ctx, struct mdt_err *err);
    int (*webhook_requeue)(struct store *s, const struct store_webhook_filter *f, int64_t now_us,
                           uint64_t *count, struct mdt_err *err);
    int (*messages)(struct store *s, const char *number, uint32_t limit, store_message_fn fn,
                    void *ctx, struct mdt_err *err);
    int (*card_reseal)(struct store *s, uint32_t version, uint32_t limit, store_reseal_fn fn,
                       void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err);
    int (*card_pan_known)(struct store *s, const uint8_t pan_mac[32], bool *known,
                          struct mdt_err *err);
};

/* Every backend's handle starts with this. */
struct store {
    const struct store_ops *ops;
};

/* Open the store at opt->path: a postgresql:// (or postgres://) URI opens the PostgreSQL backend
 * (store_pg*.c; its password from the URI's passfile= or PGPASSFILE, never from a message),
 * anything else a SQLite file. Migrates the schema when opened for writing;
 * refuses a schema newer than this program (-MDT_ESCHEMA). *out: store_close(). */
int store_open(const struct store_options *opt, struct store **out, struct mdt_err *err);
void store_close(struct store *s);

/* Hand every row of the log with seq > after_seq to fns, in seq order across the three logs
 * (events, transfers, rejections), from one read snapshot: what recovery_replay feeds the
 * ledger's view with at start-up and after another process wrote. Cost: one scan of the rows
 * after after_seq, by the seq primary keys. */
int store_replay(struct store *s, uint64_t after_seq, const struct store_replay_fns *fns, void *ctx,
                 struct mdt_err *err);

/* Whether another connection committed since this one last looked (cheap; no lock). */
int store_changed(struct store *s, bool *changed, struct mdt_err *err);

/* A write transaction: begin takes the write lock (waiting up to busy_timeout_ms) and says
 * whether others wrote meanwhile (then replay before deciding anything); write adds
 * the batch's ledger rows and its journal entry, and the channel rows x[0..nx) (not in the
 * journal: personal data must stay erasable); commit makes it durable (one fsync in FULL mode). */
int store_begin(struct store *s, bool *changed, struct mdt_err *err);
int store_write(struct store *s, const struct ledger_changes *ch, const struct store_extras *x,
                size_t nx, const char *kind, int64_t now_us, struct mdt_err *err);

/* Read what the dialog and the channels rebuild at start-up: every customer, conversation,
 * association and claim, inbox rows received at or after inbox_since_us (the dedup window, and the
 * ones not yet answered), and the outbox rows still queued or waiting for a delivery receipt. Only
 * the tables whose callback in fns is set are read. Also the merchant API's rows: every
 * merchant, API key and payment request, the webhook events still queued whose next try is at
 * or before inbox_since_us, and the idempotency records created since inbox_since_us (so load
 * webhooks in a call of their own, with the current time). */
int store_channel_load(struct store *s, const struct store_channel_fns *fns, void *ctx,
                       int64_t inbox_since_us, struct mdt_err *err);
int store_commit(struct store *s, struct mdt_err *err);
void store_rollback(struct store *s);

/* ---- batches in flight ----
 * A backend over the network (PostgreSQL) spends most of a commit waiting: for the server's
 * work, its WAL flush and the round trip. There the engine sends a batch and decides the next
 * one meanwhile, at most STORE_PIPE_MAX in flight; each commits only on top of the one before
 * it, so a failure takes those behind it along and nothing is applied twice or out of order. */
#define STORE_PIPE_MAX 2

/* Whether the backend can keep batches in flight (store_commit_send and the two below). */
bool store_pipelines(const struct store *s);

/* After store_begin and store_write: send the COMMIT without waiting for it. The batch is then
 * in flight (whatever is returned): store_commit_wait tells its fate; its ch and x must stay
 * valid until then. Only with nothing else in flight. */
int store_commit_send(struct store *s, struct mdt_err *err);

/* A whole write transaction, sent behind the batches in flight without a store_begin: its
 * journal entry follows theirs, and the server checks under the head's lock that the head is
 * the one it was built on, so it commits only if they all did and no other process wrote in
 * between. In flight whatever is returned, like store_commit_send. */
int store_write_send(struct store *s, const struct ledger_changes *ch, const struct store_extras *x,
                     size_t nx, const char *kind, int64_t now_us, struct mdt_err *err);

/* Wait for the oldest batch in flight: 0 once durable; -MDT_ECONFLICT when another process
 * committed between it and the batch it was built on (nothing of it applied: decide it again
 * on a fresh view); another negative code when it was not committed (or, the connection lost
 * and not back, its fate is unknown until the next start reads the journal). A failed batch
 * fails those sent behind it. Serialization failures are retried here, the whole pipeline sent
 * again. */
int store_commit_wait(struct store *s, struct mdt_err *err);

/* One read snapshot for several reads (recovery_replay then recovery_check): without it, a writer
 * committing between two of them would make them disagree. Not while a write is open. */
int store_read_begin(struct store *s, struct mdt_err *err);
void store_read_end(struct store *s);

/* Every accepted transfer debiting or crediting account_id, oldest first. fn returning
 * non-zero stops the walk and is returned. Cost: a scan of the transfers log (no per-account
 * index: an index on random account ids costs 10x on the write path, see DESIGN notes). */
int store_statement(struct store *s, uint64_t account_id, store_transfer_fn fn, void *ctx,
                    struct mdt_err *err);

/* At most limit transfers of account_id with seq > after_seq, oldest first (a page of a
 * statement; the cursor is the last seq shown). Cost: the log from after_seq on until limit
 * rows of the account are found, by the seq primary key. */
int store_statement_page(struct store *s, uint64_t account_id, uint64_t after_seq, uint32_t limit,
                         store_transfer_fn fn, void *ctx, struct mdt_err *err);

/* The full stored row (with ext_ref) of a transfer or rejection. -MDT_ENOTFOUND if absent. */
int store_transfer_get(struct store *s, struct id128 id, struct transfer *out, struct mdt_err *err);

/* Journal entries in order. */
int store_journal(struct store *s, store_journal_fn fn, void *ctx, struct mdt_err *err);

/* The checks of DESIGN.md's invariants that need the stored rows alone (recovery_check adds
 * those that compare them with the replayed view). Each reports every violation through report
 * (may be NULL), adds their number to *violations, and returns 0 (even with violations) or an
 * error. check_journal: the journal chain, every batch's digest, rows outside any batch.
 * check_rows: ids unique, pending states matching the rows that closed them. */
int store_check_journal(struct store *s, store_report_fn report, void *ctx, uint64_t *violations,
                        struct mdt_err *err);
int store_check_rows(struct store *s, store_report_fn report, void *ctx, uint64_t *violations,
                     struct mdt_err *err);

/* Format one finding of a check, count it in *violations and hand it to report (may be NULL):
 * the one reporter of the store's checks and of recovery_check. Texts are cut at 511 bytes. */
void store_report(store_report_fn report, void *ctx, uint64_t *violations, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Per-account sums computed from the rows alone, one call of fn per account that was opened or
 * has rows; fn returning non-zero stops the walk and is returned. Cost: a scan of the log. */
int store_sums(struct store *s, store_sums_fn fn, void *ctx, struct mdt_err *err);

/* Canonical digest of a batch's rows: events, then transfers, then rejections, in seq order.
 * Shared by every backend so that digests compare across them. */
void store_digest(const struct account_event *ev, size_t nev, const struct transfer *tr, size_t ntr,
                  const struct transfer *rj, size_t nrj, uint8_t out[SHA256_LEN]);

/* Hash of a journal entry given its fields (prev_hash, seq, created_us, kind, detail, counts,
 * digest). */
void store_journal_hash(const struct journal_entry *e, uint8_t out[SHA256_LEN]);

/* Webhook events that f selects, newest first; fn returning non-zero stops the walk and is
 * returned. For people (mandat webhook list): cost is a scan of the webhooks table unless by_id. */
int store_webhook_list(struct store *s, const struct store_webhook_filter *f, store_webhook_fn fn,
                       void *ctx, struct mdt_err *err);

/* Queue the events f selects again (mandat webhook replay): state queued, next try at now_us,
 * attempts and everything else kept. *count: how many events that was. One statement, committed
 * at once beside the engine's transactions (webhooks are not in the journal); a running mandatd
 * sees them at its next poll. -MDT_EINVAL on a read-only store. */
int store_webhook_requeue(struct store *s, const struct store_webhook_filter *f, int64_t now_us,
                          uint64_t *count, struct mdt_err *err);

/* The last limit messages from and to number (E.164), newest first, to fn. For development
 * pages: cost O(inbox + outbox rows), no index on the numbers (the write path stays lean). */
int store_messages(struct store *s, const char *number, uint32_t limit, store_message_fn fn,
                   void *ctx, struct mdt_err *err);

/* One batch of a key rotation (mandat vault rotate): at most limit card numbers sealed under a
 * key version below version are handed to fn and their new seals written, in one short write
 * transaction of its own beside the engine's (a running mandatd waits for it at most
 * milliseconds: no payment is refused). A row is only updated if it still has the seal fn saw.
 * *resealed: rows rewritten; *left: rows still below version after the batch (0: done). Call
 * again until *left is 0; safe to run twice or from two processes. Cost: the key_version index,
 * limit rows. -MDT_EINVAL on a read-only store. */
int store_card_reseal(struct store *s, uint32_t version, uint32_t limit, store_reseal_fn fn,
                      void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err);

/* Whether a card number with this keyed hash (the vault's pan_mac) is stored: *known. What
 * issuing checks a new number against. Cost: one lookup in pan_mac's UNIQUE index. */
int store_card_pan_known(struct store *s, const uint8_t pan_mac[32], bool *known,
                         struct mdt_err *err);

/* SQLite backend constructor (store_sqlite.c). */
int store_sqlite_open(const struct store_options *opt, struct store **out, struct mdt_err *err);

/* PostgreSQL backend constructor (store_pg.c; docs/postgres.md). */
int store_pg_open(const struct store_options *opt, struct store **out, struct mdt_err *err);

/* mandat migrate: copy every row of the SQLite store at from (at this program's schema version)
 * into the PostgreSQL store at to, created and migrated here and empty (else -MDT_EEXISTS), in
 * one transaction: the ledger's log, the journal as it is (same hashes), the channels' rows.
 * *rows: how many were copied. Stop mandatd first: rows it writes meanwhile are not copied. */
int store_migrate_to_pg(const char *from, const char *to, uint64_t *rows, struct mdt_err *err);

/* Whether path selects the PostgreSQL backend (a postgresql:// or postgres:// URI). */
bool store_path_is_pg(const char *path);

/* "sqlite" or "postgresql": which backend s is. */
const char *store_backend_name(const struct store *s);

#endif
