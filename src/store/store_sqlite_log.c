/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's log on SQLite: a batch's rows and its journal entry written in one transaction,
 * and the three logs (events, transfers, rejections) merged by seq for replay. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "store/store_sqlite_int.h"

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
void sqlite_column_transfer(sqlite3_stmt *st, struct transfer *t)
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

void sqlite_column_event(sqlite3_stmt *st, struct account_event *e)
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
        snprintf(e->currency, sizeof(e->currency), "%.3s", (const char *)cur);
    }
    e->timestamp_us = sqlite3_column_int64(st, 9);
}

/* ---- replay: merge the three logs by seq ---- */

static int cursor_open(struct sqlite_store *s, struct sqlite_cursor *c, const char *sql,
                       uint64_t after, struct mdt_err *err)
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

int sqlite_cursor_next(struct sqlite_store *s, struct sqlite_cursor *c, struct mdt_err *err)
{
    int rc = sqlite3_step(c->st);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return sqlite_db_error(s, err, "load");
    }
    c->live = rc == SQLITE_ROW;
    return 0;
}

/* The three logs after seq `after`, each in seq order: events, transfers, rejections. */
int sqlite_cursors_open(struct sqlite_store *s, struct sqlite_cursor c[3], uint64_t after,
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

static uint64_t cursor_seq(const struct sqlite_cursor *c)
{
    return c->live ? (uint64_t)sqlite3_column_int64(c->st, 0) : UINT64_MAX;
}

/* Hand over the row under the cursor with the smallest seq. */
static int replay_step(struct sqlite_store *s, struct sqlite_cursor c[3],
                       const struct store_replay_fns *fns, void *ctx, struct mdt_err *err)
{
    uint64_t a = cursor_seq(&c[0]), b = cursor_seq(&c[1]), r = cursor_seq(&c[2]);
    int pick = (a < b && a < r) ? 0 : (b < r ? 1 : 2);
    struct transfer t;
    struct account_event e;
    int rc;

    if (pick == 0) {
        sqlite_column_event(c[0].st, &e);
        rc = fns->event(ctx, &e, err);
    } else {
        sqlite_column_transfer(c[pick].st, &t);
        rc = pick == 1 ? fns->transfer(ctx, &t, err) : fns->rejection(ctx, &t, err);
    }
    if (rc == 0) {
        rc = sqlite_cursor_next(s, &c[pick], err);
    }
    return rc;
}

int sqlite_replay(struct store *base, uint64_t after, const struct store_replay_fns *fns, void *ctx,
                  struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct sqlite_cursor c[3] = {{0}};
    bool own_tx = !s->in_tx;
    int rc = 0;

    /* One read transaction, so that the three cursors see the same snapshot. */
    if (own_tx) {
        rc = sqlite_run(s, "BEGIN", err);
    }
    if (rc == 0) {
        rc = sqlite_cursors_open(s, c, after, err);
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

int sqlite_changed(struct store *base, bool *changed, struct mdt_err *err)
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

int sqlite_begin(struct store *base, bool *changed, struct mdt_err *err)
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
        rc = sqlite_journal_head_read(s, err);
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

int sqlite_write(struct store *base, const struct ledger_changes *ch, const struct store_extras *x,
                 size_t nx, const char *kind, int64_t now_us, struct mdt_err *err)
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

int sqlite_commit(struct store *base, struct mdt_err *err)
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

void sqlite_rollback(struct store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;

    if (s->in_tx) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_tx = false;
    }
    s->next_journal_seq = s->journal_seq;
}

/* ---- reading ---- */

int sqlite_read_begin(struct store *base, struct mdt_err *err)
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

void sqlite_read_end(struct store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;

    if (s->in_tx) {
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        s->in_tx = false;
    }
}
