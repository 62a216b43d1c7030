/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite rows of cards (issue 13): sealed card numbers, issued cards, senders' aliases and
 * the bank cards senders keep on file,
 * written with a batch and read back at load, and the key rotation's re-encryption batches.
 * Nothing here ever sees a card number in clear: only the vault's seals and keyed hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "store/store_sqlite_int.h"

static void bind_text(sqlite3_stmt *st, int col, const char *text, size_t cap)
{
    sqlite3_bind_text(st, col, text, (int)strnlen(text, cap), SQLITE_STATIC);
}

static void column_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

static void column_blob(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
    if (sqlite3_column_bytes(st, col) == (int)len) {
        memcpy(out, sqlite3_column_blob(st, col), len);
    }
}

/* Insert a sealed number; one already there by its pan_mac is an error, or, when known_ok (a
 * card on file someone else keeps too), left as it is. */
static int card_pan_insert(struct sqlite_store *s, const struct card_pan_row *r, bool known_ok,
                           struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_INS_CARD_PAN];
    bool known = false;
    int rc;

    MDT_ASSERT(r->sealed_len > 0 && r->sealed_len <= sizeof(r->sealed));
    if (known_ok) {
        rc = sqlite_card_pan_known(&s->base, r->pan_mac, &known, err);
        if (rc < 0 || known) {
            return rc;
        }
    }
    bind_text(st, 1, r->token, sizeof(r->token));
    sqlite3_bind_blob(st, 2, r->sealed, r->sealed_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->key_version);
    sqlite3_bind_blob(st, 4, r->pan_mac, sizeof(r->pan_mac), SQLITE_STATIC);
    bind_text(st, 5, r->bin, sizeof(r->bin));
    bind_text(st, 6, r->last4, sizeof(r->last4));
    sqlite3_bind_int(st, 7, r->pan_len);
    sqlite3_bind_int64(st, 8, r->created_us);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_CONSTRAINT) {
        /* The message names the token only: never anything derived from the number. */
        return mdt_err_set(err, MDT_E(EXISTS), "card %.40s: this card number or token is taken",
                           r->token);
    }
    return rc == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "write card number");
}

static int write_card(struct sqlite_store *s, const struct card_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CARD];
    static const uint8_t zero[32];

    sqlite3_bind_int64(st, 1, (int64_t)r->account_id);
    bind_text(st, 2, r->token, sizeof(r->token));
    sqlite3_bind_int(st, 3, r->exp_month);
    sqlite3_bind_int(st, 4, r->exp_year);
    sqlite3_bind_int(st, 5, r->status);
    bind_text(st, 6, r->holder, sizeof(r->holder));
    bind_text(st, 7, r->phone, sizeof(r->phone));
    if (memcmp(r->activation_hash, zero, sizeof(zero)) == 0) {
        sqlite3_bind_null(st, 8);
    } else {
        sqlite3_bind_blob(st, 8, r->activation_hash, 32, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 9, r->activation_failures);
    sqlite3_bind_int64(st, 10, r->activated_us);
    sqlite3_bind_int64(st, 11, r->created_us);
    sqlite3_bind_int64(st, 12, r->updated_us);
    return sqlite_step_done(s, st, err);
}

static int write_card_alias(struct sqlite_store *s, const struct card_alias_row *r,
                            struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[r->active ? ST_UPSERT_CARD_ALIAS : ST_DELETE_CARD_ALIAS];

    bind_text(st, 1, r->owner, sizeof(r->owner));
    bind_text(st, 2, r->alias, sizeof(r->alias));
    if (r->active) {
        sqlite3_bind_int64(st, 3, (int64_t)r->card_account);
        sqlite3_bind_int64(st, 4, r->created_us);
    }
    return sqlite_step_done(s, st, err);
}

/* Run sql with the owner (?1) or a pan_mac (?1) bound; one statement, prepared per call: cards
 * on file are written rarely (a kept card, a forgotten one). mac_out, when not NULL, gets the
 * first row's first column (a pan_mac) and *found whether there was one. */
static int card_file_exec(struct sqlite_store *s, const char *sql, const char *owner,
                          const uint8_t *mac, uint8_t mac_out[32], bool *found, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, step;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "write card on file");
    }
    if (owner != NULL) {
        sqlite3_bind_text(st, 1, owner, (int)strnlen(owner, STORE_ADDR_MAX), SQLITE_STATIC);
    } else {
        sqlite3_bind_blob(st, 1, mac, 32, SQLITE_STATIC);
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && mac_out != NULL && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(mac_out, sqlite3_column_blob(st, 0), 32);
        *found = true;
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = sqlite_db_error(s, err, "write card on file");
    }
    sqlite3_finalize(st);
    return rc;
}

/* The sealed number of mac goes once neither a card issued here nor a sender's card on file
 * has it. */
#define CARD_PAN_ORPHAN_DELETE                                                                     \
    "DELETE FROM card_pans WHERE pan_mac = ?1 AND NOT EXISTS (SELECT 1 FROM cards c"               \
    " WHERE c.token = card_pans.token) AND NOT EXISTS (SELECT 1 FROM card_files f"                 \
    " WHERE f.pan_mac = ?1)"

/* A card on file kept (its number sealed unless already there, the owner's previous one
 * replaced) or forgotten; the sealed number nobody keeps any more goes. */
static int write_card_file(struct sqlite_store *s, const struct card_file_row *r,
                           struct mdt_err *err)
{
    uint8_t old[32];
    bool had = false;
    int rc = card_file_exec(s, "SELECT pan_mac FROM card_files WHERE owner = ?1", r->owner, NULL,
                            old, &had, err);
    sqlite3_stmt *st = NULL;

    if (rc == 0 && !r->active) {
        rc = card_file_exec(s, "DELETE FROM card_files WHERE owner = ?1", r->owner, NULL, NULL,
                            NULL, err);
    }
    if (rc == 0 && r->active) {
        rc = card_pan_insert(s, &r->pan, true, err);
    }
    if (rc == 0 && r->active) {
        if (sqlite3_prepare_v2(s->db,
                               "INSERT OR REPLACE INTO card_files(owner, pan_mac, exp_month,"
                               " exp_year, created_us) VALUES(?,?,?,?,?)",
                               -1, &st, NULL) != SQLITE_OK) {
            return sqlite_db_error(s, err, "write card on file");
        }
        bind_text(st, 1, r->owner, sizeof(r->owner));
        sqlite3_bind_blob(st, 2, r->pan.pan_mac, 32, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, r->exp_month);
        sqlite3_bind_int(st, 4, r->exp_year);
        sqlite3_bind_int64(st, 5, r->created_us);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "write card on file");
        sqlite3_finalize(st);
    }
    if (rc == 0 && had && (!r->active || memcmp(old, r->pan.pan_mac, 32) != 0)) {
        rc = card_file_exec(s, CARD_PAN_ORPHAN_DELETE, NULL, old, NULL, NULL, err);
    }
    return rc;
}

static int write_card_order(struct sqlite_store *s, const struct card_order_row *r,
                            struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CARD_ORDER];
    static const uint8_t zero[32];

    sqlite_bind_id(st, 1, r->id);
    bind_text(st, 2, r->phone, sizeof(r->phone));
    sqlite3_bind_int64(st, 3, (int64_t)r->wallet_account);
    sqlite3_bind_int64(st, 4, r->price_minor);
    bind_text(st, 5, r->currency, sizeof(r->currency));
    sqlite3_bind_int(st, 6, r->state);
    sqlite3_bind_int(st, 7, r->lang);
    bind_text(st, 8, r->holder, sizeof(r->holder));
    bind_text(st, 9, r->holder_phone, sizeof(r->holder_phone));
    bind_text(st, 10, r->alias, sizeof(r->alias));
    bind_text(st, 11, r->card_token, sizeof(r->card_token));
    bind_text(st, 12, r->card_last4, sizeof(r->card_last4));
    if (memcmp(r->token_hash, zero, sizeof(zero)) != 0) {
        sqlite3_bind_blob(st, 13, r->token_hash, sizeof(r->token_hash), SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 14, r->created_us);
    sqlite3_bind_int64(st, 15, r->expires_us);
    sqlite3_bind_int64(st, 16, r->updated_us);
    return sqlite_step_done(s, st, err);
}

int sqlite_write_card(struct sqlite_store *s, const struct store_extra *x, struct mdt_err *err)
{
    switch (x->kind) {
    case EXTRA_CARD_PAN:
        return card_pan_insert(s, &x->u.card_pan, false, err);
    case EXTRA_CARD:
        return write_card(s, &x->u.card, err);
    case EXTRA_CARD_ALIAS:
        return write_card_alias(s, &x->u.card_alias, err);
    case EXTRA_CARD_FILE:
        return write_card_file(s, &x->u.card_file, err);

    case EXTRA_CARD_ORDER:
        return write_card_order(s, &x->u.card_order, err);
    default:
        return mdt_err_set(err, MDT_E(INVAL), "unknown card row kind %u", x->kind);
    }
}

int sqlite_load_card(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_row r = {0};

    r.account_id = (uint64_t)sqlite3_column_int64(st, 0);
    column_text(st, 1, r.token, sizeof(r.token));
    r.exp_month = (uint8_t)sqlite3_column_int(st, 2);
    r.exp_year = (uint16_t)sqlite3_column_int(st, 3);
    r.status = (uint16_t)sqlite3_column_int(st, 4);
    column_text(st, 5, r.holder, sizeof(r.holder));
    column_text(st, 6, r.phone, sizeof(r.phone));
    column_blob(st, 7, r.activation_hash, sizeof(r.activation_hash));
    r.activation_failures = (uint32_t)sqlite3_column_int64(st, 8);
    r.activated_us = sqlite3_column_int64(st, 9);
    r.created_us = sqlite3_column_int64(st, 10);
    r.updated_us = sqlite3_column_int64(st, 11);
    column_text(st, 12, r.bin, sizeof(r.bin));
    column_text(st, 13, r.last4, sizeof(r.last4));
    r.pan_len = (uint16_t)sqlite3_column_int(st, 14);
    column_blob(st, 15, r.pan_mac, sizeof(r.pan_mac));
    return f->card(ctx, &r);
}

int sqlite_load_card_order(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_order_row r = {0};

    r.id = sqlite_column_id(st, 0);
    column_text(st, 1, r.phone, sizeof(r.phone));
    r.wallet_account = (uint64_t)sqlite3_column_int64(st, 2);
    r.price_minor = sqlite3_column_int64(st, 3);
    column_text(st, 4, r.currency, sizeof(r.currency));
    r.state = (uint16_t)sqlite3_column_int(st, 5);
    r.lang = (uint16_t)sqlite3_column_int(st, 6);
    column_text(st, 7, r.holder, sizeof(r.holder));
    column_text(st, 8, r.holder_phone, sizeof(r.holder_phone));
    column_text(st, 9, r.alias, sizeof(r.alias));
    column_text(st, 10, r.card_token, sizeof(r.card_token));
    column_text(st, 11, r.card_last4, sizeof(r.card_last4));
    column_blob(st, 12, r.token_hash, sizeof(r.token_hash));
    r.created_us = sqlite3_column_int64(st, 13);
    r.expires_us = sqlite3_column_int64(st, 14);
    r.updated_us = sqlite3_column_int64(st, 15);
    return f->card_order(ctx, &r);
}

int sqlite_load_card_alias(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_alias_row r = {.active = true};

    column_text(st, 0, r.owner, sizeof(r.owner));
    column_text(st, 1, r.alias, sizeof(r.alias));
    r.card_account = (uint64_t)sqlite3_column_int64(st, 2);
    r.created_us = sqlite3_column_int64(st, 3);
    return f->card_alias(ctx, &r);
}

/* A card_pans row from columns 0..7 of st. */
static void column_pan(sqlite3_stmt *st, struct card_pan_row *r)
{
    int n = sqlite3_column_bytes(st, 1);

    column_text(st, 0, r->token, sizeof(r->token));
    if (n > 0 && n <= (int)sizeof(r->sealed)) {
        memcpy(r->sealed, sqlite3_column_blob(st, 1), (size_t)n);
        r->sealed_len = (uint16_t)n;
    }
    r->key_version = (uint32_t)sqlite3_column_int64(st, 2);
    column_blob(st, 3, r->pan_mac, sizeof(r->pan_mac));
    column_text(st, 4, r->bin, sizeof(r->bin));
    column_text(st, 5, r->last4, sizeof(r->last4));
    r->pan_len = (uint16_t)sqlite3_column_int(st, 6);
    r->created_us = sqlite3_column_int64(st, 7);
}

int sqlite_load_card_pan(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_pan_row r = {0};

    column_pan(st, &r);
    return f->card_pan(ctx, &r);
}

int sqlite_load_card_file(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_file_row r = {.active = true};

    column_pan(st, &r.pan);
    column_text(st, 8, r.owner, sizeof(r.owner));
    r.exp_month = (uint8_t)sqlite3_column_int(st, 9);
    r.exp_year = (uint16_t)sqlite3_column_int(st, 10);
    r.created_us = sqlite3_column_int64(st, 11);
    return f->card_file(ctx, &r);
}

/* ---- key rotation ---- */

/* One row of a batch, copied out of the statement before any write. */
struct reseal_item {
    char token[STORE_CARD_TOKEN_MAX];
    uint8_t sealed[STORE_CARD_SEALED_MAX];
    size_t len;
};

static int reseal_rows(struct sqlite_store *s, struct reseal_item *items, size_t n,
                       store_reseal_fn fn, void *ctx, uint64_t *resealed, struct mdt_err *err)
{
    sqlite3_stmt *up = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db,
                           "UPDATE card_pans SET sealed = ?1, key_version = ?2"
                           " WHERE token = ?3 AND sealed = ?4",
                           -1, &up, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "re-encrypt card numbers");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t out[STORE_CARD_SEALED_MAX];
        size_t out_len = 0;
        uint32_t version = 0;
        int r = fn(ctx, items[i].token, items[i].sealed, items[i].len, out, &out_len, &version);

        if (r < 0) {
            rc = mdt_err_set(err, r, "re-encrypt card %.40s: %s", items[i].token, mdt_strerror(r));
            break;
        }
        if (r == 0) {
            continue;
        }
        sqlite3_bind_blob(up, 1, out, (int)out_len, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 2, version);
        sqlite3_bind_text(up, 3, items[i].token, -1, SQLITE_STATIC);
        sqlite3_bind_blob(up, 4, items[i].sealed, (int)items[i].len, SQLITE_STATIC);
        rc = sqlite_step_done(s, up, err);
        if (rc == 0) {
            *resealed += (uint64_t)sqlite3_changes(s->db);
        }
    }
    sqlite3_finalize(up);
    return rc;
}

static int read_stale(struct sqlite_store *s, uint32_t version, uint32_t limit,
                      struct reseal_item *items, size_t *n, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, step;

    *n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT token, sealed FROM card_pans WHERE key_version < ?1 LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "read card numbers to re-encrypt");
    }
    sqlite3_bind_int64(st, 1, version);
    sqlite3_bind_int64(st, 2, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int len = sqlite3_column_bytes(st, 1);

        if (*n >= limit || len <= 0 || len > STORE_CARD_SEALED_MAX) {
            continue; /* a damaged seal stays for mandat check to report */
        }
        column_text(st, 0, items[*n].token, sizeof(items[*n].token));
        memcpy(items[*n].sealed, sqlite3_column_blob(st, 1), (size_t)len);
        items[*n].len = (size_t)len;
        (*n)++;
    }
    if (step != SQLITE_DONE) {
        rc = sqlite_db_error(s, err, "read card numbers to re-encrypt");
    }
    sqlite3_finalize(st);
    return rc;
}

static int count_stale(struct sqlite_store *s, uint32_t version, uint64_t *left,
                       struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM card_pans WHERE key_version < ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "count card numbers to re-encrypt");
    }
    sqlite3_bind_int64(st, 1, version);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *left = (uint64_t)sqlite3_column_int64(st, 0);
    } else {
        rc = sqlite_db_error(s, err, "count card numbers to re-encrypt");
    }
    sqlite3_finalize(st);
    return rc;
}

int sqlite_card_pan_known(struct store *base, const uint8_t pan_mac[32], bool *known,
                          struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    int rc = 0, step;

    *known = false;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM card_pans WHERE pan_mac = ?1", -1, &st, NULL) !=
        SQLITE_OK) {
        return sqlite_db_error(s, err, "look a card number up");
    }
    sqlite3_bind_blob(st, 1, pan_mac, 32, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *known = true;
    } else if (step != SQLITE_DONE) {
        rc = sqlite_db_error(s, err, "look a card number up");
    }
    sqlite3_finalize(st);
    return rc;
}

int sqlite_card_reseal(struct store *base, uint32_t version, uint32_t limit, store_reseal_fn fn,
                       void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct reseal_item *items = NULL;
    size_t n = 0;
    int rc;

    *resealed = 0;
    *left = 0;
    if (s->read_only || s->in_tx) {
        return mdt_err_set(err, MDT_E(INVAL), "re-encrypt card numbers: %s",
                           s->read_only ? "the store is open read-only" : "inside a transaction");
    }
    items = calloc(limit > 0 ? limit : 1, sizeof(*items));
    if (items == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "re-encrypt card numbers: out of memory");
    }
    /* IMMEDIATE: the write lock first, so that the rows read are the rows written. */
    rc = sqlite_run(s, "BEGIN IMMEDIATE", err);
    if (rc == 0) {
        rc = read_stale(s, version, limit, items, &n, err);
    }
    if (rc == 0) {
        rc = reseal_rows(s, items, n, fn, ctx, resealed, err);
    }
    if (rc == 0) {
        rc = count_stale(s, version, left, err);
    }
    if (rc == 0) {
        rc = sqlite_run(s, "COMMIT", err);
    }
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        *resealed = 0;
    }
    for (size_t i = 0; i < n; i++) {
        memset(items[i].sealed, 0, sizeof(items[i].sealed));
    }
    free(items);
    return rc;
}

/* ---- mandat check ---- */

/* What must hold between the card tables and the ledger, one query each, its rows the cards
 * (or aliases) that break it; every one is reported as "<what>: <first column>". */
static const struct {
    const char *sql;
    const char *what;
} card_checks[] = {
    {"SELECT token FROM cards c WHERE NOT EXISTS (SELECT 1 FROM account_events e WHERE"
     " e.account_id = c.account_id AND e.type = 0 AND e.kind = ?1)",
     "card without an account of kind card"},
    {"SELECT token FROM cards c WHERE NOT EXISTS (SELECT 1 FROM card_pans p WHERE"
     " p.token = c.token AND length(p.sealed) > 0)",
     "card without its sealed number"},
    {"SELECT alias || ' -> account ' || card_account FROM card_aliases a WHERE NOT EXISTS"
     " (SELECT 1 FROM cards c WHERE c.account_id = a.card_account) AND ?1 IS NOT NULL",
     "alias of no card"},
    {"SELECT token FROM card_pans p WHERE NOT EXISTS (SELECT 1 FROM cards c WHERE"
     " c.token = p.token) AND NOT EXISTS (SELECT 1 FROM card_files f WHERE"
     " f.pan_mac = p.pan_mac) AND ?1 IS NOT NULL",
     "sealed card number without its card"},
    {"SELECT owner FROM card_files f WHERE NOT EXISTS (SELECT 1 FROM card_pans p WHERE"
     " p.pan_mac = f.pan_mac) AND ?1 IS NOT NULL",
     "card on file without its sealed number"},
    {"SELECT token FROM cards WHERE status NOT BETWEEN 0 AND 4 AND ?1 IS NOT NULL",
     "card with an unknown status"},
    /* Expired (4) is set once the card's month is over (UTC), never before. */
    {"SELECT token FROM cards WHERE status = 4 AND exp_year * 12 + exp_month >="
     " CAST(strftime('%Y', 'now') AS INTEGER) * 12 + CAST(strftime('%m', 'now') AS INTEGER)"
     " AND ?1 IS NOT NULL",
     "card expired before its expiry month ended"},
    /* The ISO 8583 host (issue 15): an approval's hold was committed with its answer. */
    {"SELECT key FROM iso_requests r WHERE code = '00' AND state IN (1, 2) AND hold_id IS NOT"
     " NULL AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = r.hold_id) AND ?1 IS NOT NULL",
     "approved ISO 8583 request without its hold"},
    {"SELECT account_id FROM card_pins p WHERE NOT EXISTS (SELECT 1 FROM cards c WHERE"
     " c.account_id = p.account_id) AND ?1 IS NOT NULL",
     "card PIN of no card"},
};

int sqlite_check_cards(struct sqlite_store *s, store_report_fn report, void *ctx,
                       uint64_t *violations, struct mdt_err *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < sizeof(card_checks) / sizeof(card_checks[0]); i++) {
        sqlite3_stmt *st = NULL;

        if (sqlite3_prepare_v2(s->db, card_checks[i].sql, -1, &st, NULL) != SQLITE_OK) {
            return sqlite_db_error(s, err, "check cards");
        }
        sqlite3_bind_int64(st, 1, ACCOUNT_CARD);
        for (;;) {
            int step = sqlite3_step(st);
            const unsigned char *t;

            if (step != SQLITE_ROW) {
                rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "check cards");
                break;
            }
            t = sqlite3_column_text(st, 0);
            store_report(report, ctx, violations, "%s: %s", card_checks[i].what,
                         t != NULL ? (const char *)t : "?");
        }
        sqlite3_finalize(st);
    }
    return rc;
}
