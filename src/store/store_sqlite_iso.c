/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite rows of the ISO 8583 issuer host (issue 15): the switches' requests and their answers,
 * cards' PINs as keyed hashes, the operator's exchange rates. Written with a batch, read back at
 * load. No card number and no PIN ever reaches these tables. */
#include <stdio.h>
#include <string.h>

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

static int write_iso_request(struct sqlite_store *s, const struct iso_request_row *r,
                             struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_ISO_REQUEST];

    bind_text(st, 1, r->key, sizeof(r->key));
    bind_text(st, 2, r->orig, sizeof(r->orig));
    bind_text(st, 3, r->mti, sizeof(r->mti));
    bind_text(st, 4, r->pcode, sizeof(r->pcode));
    bind_text(st, 5, r->code, sizeof(r->code));
    bind_text(st, 6, r->auth_id, sizeof(r->auth_id));
    sqlite3_bind_int64(st, 7, (int64_t)r->card_account);
    if (!id128_is_zero(r->hold_id)) {
        sqlite_bind_id(st, 8, r->hold_id);
    }
    sqlite3_bind_int64(st, 9, r->amount_minor);
    sqlite3_bind_int64(st, 10, r->posted_minor);
    sqlite3_bind_int64(st, 11, r->cash_minor);
    sqlite3_bind_int64(st, 12, r->fee_minor);
    sqlite3_bind_int64(st, 13, r->balance_minor);
    sqlite3_bind_int(st, 14, r->state);
    sqlite3_bind_int64(st, 15, r->created_us);
    sqlite3_bind_int64(st, 16, r->updated_us);
    return sqlite_step_done(s, st, err);
}

static int write_card_pin(struct sqlite_store *s, const struct card_pin_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CARD_PIN];

    sqlite3_bind_int64(st, 1, (int64_t)r->account_id);
    sqlite3_bind_blob(st, 2, r->pin_hash, sizeof(r->pin_hash), SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->failures);
    sqlite3_bind_int64(st, 4, r->updated_us);
    return sqlite_step_done(s, st, err);
}

static int write_fx_rate(struct sqlite_store *s, const struct fx_rate_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_FX_RATE];

    bind_text(st, 1, r->currency, sizeof(r->currency));
    sqlite3_bind_int64(st, 2, r->effective_us);
    sqlite3_bind_int64(st, 3, r->rate_micro);
    sqlite3_bind_int64(st, 4, r->created_us);
    return sqlite_step_done(s, st, err);
}

int sqlite_write_iso(struct sqlite_store *s, const struct store_extra *x, struct mdt_err *err)
{
    switch (x->kind) {
    case EXTRA_ISO_REQUEST:
        return write_iso_request(s, &x->u.iso_request, err);
    case EXTRA_CARD_PIN:
        return write_card_pin(s, &x->u.card_pin, err);
    case EXTRA_FX_RATE:
        return write_fx_rate(s, &x->u.fx_rate, err);
    default:
        return mdt_err_set(err, MDT_E(INVAL), "unknown ISO 8583 row kind %u", x->kind);
    }
}

int sqlite_load_iso_request(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct iso_request_row r = {0};

    column_text(st, 0, r.key, sizeof(r.key));
    column_text(st, 1, r.orig, sizeof(r.orig));
    column_text(st, 2, r.mti, sizeof(r.mti));
    column_text(st, 3, r.pcode, sizeof(r.pcode));
    column_text(st, 4, r.code, sizeof(r.code));
    column_text(st, 5, r.auth_id, sizeof(r.auth_id));
    r.card_account = (uint64_t)sqlite3_column_int64(st, 6);
    r.hold_id = sqlite_column_id(st, 7);
    r.amount_minor = sqlite3_column_int64(st, 8);
    r.posted_minor = sqlite3_column_int64(st, 9);
    r.cash_minor = sqlite3_column_int64(st, 10);
    r.fee_minor = sqlite3_column_int64(st, 11);
    r.balance_minor = sqlite3_column_int64(st, 12);
    r.state = (uint16_t)sqlite3_column_int(st, 13);
    r.created_us = sqlite3_column_int64(st, 14);
    r.updated_us = sqlite3_column_int64(st, 15);
    return f->iso_request(ctx, &r);
}

int sqlite_load_card_pin(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_pin_row r = {0};

    r.account_id = (uint64_t)sqlite3_column_int64(st, 0);
    if (sqlite3_column_bytes(st, 1) == (int)sizeof(r.pin_hash)) {
        memcpy(r.pin_hash, sqlite3_column_blob(st, 1), sizeof(r.pin_hash));
    }
    r.failures = (uint32_t)sqlite3_column_int64(st, 2);
    r.updated_us = sqlite3_column_int64(st, 3);
    return f->card_pin(ctx, &r);
}

int sqlite_load_fx_rate(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct fx_rate_row r = {0};

    column_text(st, 0, r.currency, sizeof(r.currency));
    r.effective_us = sqlite3_column_int64(st, 1);
    r.rate_micro = sqlite3_column_int64(st, 2);
    r.created_us = sqlite3_column_int64(st, 3);
    return f->fx_rate(ctx, &r);
}
