/* SPDX-License-Identifier: Apache-2.0 */
/* What the SQLite store reads for people and for checks: statements, one transfer, the
 * journal, each batch's digest recomputed from its rows, per-account sums, and the row checks
 * (unique ids, pending states). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "store/store_int.h"
#include "store/store_sqlite_int.h"

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
        sqlite_column_transfer(st, &t);
        rc = fn(ctx, &t);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int sqlite_statement(struct store *base, uint64_t account_id, store_transfer_fn fn, void *ctx,
                     struct mdt_err *err)
{
    return statement_walk((struct sqlite_store *)base, account_id, 0, 0, fn, ctx, err);
}

int sqlite_statement_page(struct store *base, uint64_t account_id, uint64_t after_seq,
                          uint32_t limit, store_transfer_fn fn, void *ctx, struct mdt_err *err)
{
    return statement_walk((struct sqlite_store *)base, account_id, after_seq, limit, fn, ctx, err);
}

int sqlite_transfer_get(struct store *base, struct id128 id, struct transfer *out,
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
            sqlite_column_transfer(st, out);
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

int sqlite_journal(struct store *base, store_journal_fn fn, void *ctx, struct mdt_err *err)
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

static uint64_t cursor_batch(const struct sqlite_cursor *c)
{
    return c->live ? (uint64_t)sqlite3_column_int64(c->st, 1) : UINT64_MAX;
}

/* Collect the rows of one batch from the three cursors (each ordered by seq, hence by batch). */
static int collect_batch(struct sqlite_store *s, struct sqlite_cursor c[3], uint64_t batch,
                         struct ledger_changes *ch, struct mdt_err *err)
{
    int rc = 0;

    ledger_changes_reset(ch);
    while (rc == 0 && cursor_batch(&c[0]) == batch) {
        mem_grow((void **)&ch->events, &ch->event_cap, ch->event_count + 1, sizeof(*ch->events));
        sqlite_column_event(c[0].st, &ch->events[ch->event_count++]);
        rc = sqlite_cursor_next(s, &c[0], err);
    }
    while (rc == 0 && cursor_batch(&c[1]) == batch) {
        mem_grow((void **)&ch->transfers, &ch->transfer_cap, ch->transfer_count + 1,
                 sizeof(*ch->transfers));
        sqlite_column_transfer(c[1].st, &ch->transfers[ch->transfer_count++]);
        rc = sqlite_cursor_next(s, &c[1], err);
    }
    while (rc == 0 && cursor_batch(&c[2]) == batch) {
        mem_grow((void **)&ch->rejections, &ch->rejection_cap, ch->rejection_count + 1,
                 sizeof(*ch->rejections));
        sqlite_column_transfer(c[2].st, &ch->rejections[ch->rejection_count++]);
        rc = sqlite_cursor_next(s, &c[2], err);
    }
    return rc;
}

static int verify_entries(struct sqlite_store *s, sqlite3_stmt *js, struct sqlite_cursor c[3],
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
        store_batch_normalise(&ch);
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

int sqlite_journal_verify(struct store *base, store_digest_fn fn, void *ctx, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct sqlite_cursor c[3] = {{0}};
    sqlite3_stmt *js = NULL;
    uint64_t orphans = 0;
    int rc;

    rc = sqlite_cursors_open(s, c, 0, err);
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
            rc = sqlite_cursor_next(s, &c[i], err);
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

/* Sums per account from the rows alone (STORE_SUMS_SQL, store_int.h). */
int sqlite_sums(struct store *base, store_sums_fn fn, void *ctx, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    struct store_account_sums sum;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, STORE_SUMS_SQL, -1, &st, NULL) != SQLITE_OK) {
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
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "check ids");
            break;
        }
        store_report(report, ctx, violations,
                     "transfer id %s is stored %lld times: ids must be unique",
                     (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
    }
    sqlite3_finalize(st);
    return rc;
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
        int step = sqlite3_step(st);
        int64_t closes, state, want;

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "check pending");
            break;
        }
        state = sqlite3_column_int64(st, 1);
        closes = sqlite3_column_int64(st, 2);
        want = store_pending_expected(closes, sqlite3_column_int64(st, 3));
        if (closes > 1 || state != want) {
            store_report(
                report, ctx, violations,
                "pending transfer at seq %lld: state %s, closed by %lld rows (expected %s)",
                sqlite3_column_int64(st, 0), transfer_state_name((int)state), (long long)closes,
                transfer_state_name((int)want));
        }
    }
    sqlite3_finalize(st);
    sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.chk_close", NULL, NULL, NULL);
    return rc;
}

int sqlite_check_rows(struct store *base, store_report_fn report, void *ctx, uint64_t *violations,
                      struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc;

    *violations = 0;
    rc = check_duplicates(s, report, ctx, violations, err);
    if (rc == 0) {
        rc = check_pending_states(s, report, ctx, violations, err);
    }
    if (rc == 0) {
        rc = sqlite_check_cards(s, report, ctx, violations, err);
    }
    return rc;
}
