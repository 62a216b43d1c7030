/* SPDX-License-Identifier: Apache-2.0 */
/* Cards on PostgreSQL (issue 13): the bank cards senders keep on file, the key rotation's
 * re-encryption batches, the lookup of a number by its keyed hash, and mandat check's card
 * rules, as store_sqlite_card.c does them. Nothing here ever sees a card number in clear: only
 * the vault's seals and keyed hashes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_pg_rows.h"

/* The sealed number nobody keeps any more (no card issued here, no other sender's card on
 * file) goes. The CTEs see the table as it was before the statement: the owner's own row is
 * left out by owner. */
#define ORPHAN_PAN_DELETE                                                                          \
    " DELETE FROM card_pans p USING old WHERE p.pan_mac = old.pan_mac AND %s"                      \
    " NOT EXISTS (SELECT 1 FROM cards c WHERE c.token = p.token) AND NOT EXISTS (SELECT 1"         \
    " FROM card_files f WHERE f.pan_mac = old.pan_mac AND f.owner != $1)"

int pg_send_card_file(struct pg_store *s, const struct card_file_row *r, struct pg_drain *d,
                      int *sent)
{
    char mac[2 * 32 + 3], month[8], year[8], created[24], sql[768];
    const char *params[5] = {r->owner, mac, month, year, created};
    char owner[STORE_ADDR_MAX + 1];
    int rc = 0;

    snprintf(owner, sizeof(owner), "%.*s", (int)strnlen(r->owner, sizeof(r->owner)), r->owner);
    params[0] = owner;
    if (!r->active) {
        snprintf(sql, sizeof(sql),
                 "WITH old AS (DELETE FROM card_files WHERE owner = $1 RETURNING "
                 "pan_mac)" ORPHAN_PAN_DELETE,
                 "");
        return pg_send_params(s, sql, 1, params, d, sent);
    }
    rc = pg_send_card_pan(s, &r->pan, true, d, sent);
    if (rc < 0) {
        return rc;
    }
    pg_hex_text(r->pan.pan_mac, 32, mac);
    snprintf(month, sizeof(month), "%u", r->exp_month);
    snprintf(year, sizeof(year), "%u", r->exp_year);
    snprintf(created, sizeof(created), "%" PRId64, r->created_us);
    snprintf(sql, sizeof(sql),
             "WITH old AS (SELECT pan_mac FROM card_files WHERE owner = $1),"
             " up AS (INSERT INTO card_files(owner, pan_mac, exp_month, exp_year, created_us)"
             " VALUES($1, $2, $3, $4, $5) ON CONFLICT (owner) DO UPDATE SET pan_mac ="
             " EXCLUDED.pan_mac, exp_month = EXCLUDED.exp_month, exp_year = EXCLUDED.exp_year,"
             " created_us = EXCLUDED.created_us RETURNING 1)" ORPHAN_PAN_DELETE,
             "old.pan_mac != $2::bytea AND");
    return pg_send_params(s, sql, 5, params, d, sent);
}

int pg_card_pan_known(struct store *base, const uint8_t pan_mac[32], bool *known,
                      struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    char mac[2 * 32 + 3];
    const char *params[1] = {mac};
    PGresult *res = NULL;
    int rc = pg_connected(s, err);

    *known = false;
    pg_hex_text(pan_mac, 32, mac);
    if (rc == 0) {
        rc = pg_query(s, "SELECT 1 FROM card_pans WHERE pan_mac = $1", 1, params, &res, err);
    }
    if (rc == 0) {
        *known = PQntuples(res) > 0;
    }
    PQclear(res);
    return rc;
}

/* ---- key rotation ---- */

/* Re-encrypt the rows of res (token, sealed) through fn; a row is only updated if it still has
 * the seal fn saw. */
static int reseal_rows(struct pg_store *s, const PGresult *res, store_reseal_fn fn, void *ctx,
                       uint64_t *resealed, struct mdt_err *err)
{
    int rc = 0;

    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        uint8_t old[STORE_CARD_SEALED_MAX], out[STORE_CARD_SEALED_MAX];
        char old_hex[2 * STORE_CARD_SEALED_MAX + 3], new_hex[2 * STORE_CARD_SEALED_MAX + 3];
        char version_text[16];
        const char *params[4] = {new_hex, version_text, PQgetvalue(res, i, 0), old_hex};
        int len = (PQgetlength(res, i, 1) - 2) / 2;
        size_t out_len = 0;
        uint32_t version = 0;
        PGresult *up = NULL;
        int r;

        if (len <= 0 || len > STORE_CARD_SEALED_MAX || !pg_bytes(res, i, 1, old, (size_t)len)) {
            continue; /* a damaged seal stays for mandat check to report */
        }
        r = fn(ctx, PQgetvalue(res, i, 0), old, (size_t)len, out, &out_len, &version);
        if (r < 0) {
            rc = mdt_err_set(err, r, "re-encrypt card %.40s: %s", PQgetvalue(res, i, 0),
                             mdt_strerror(r));
        }
        if (r <= 0) {
            memset(old, 0, sizeof(old));
            continue;
        }
        pg_hex_text(old, (size_t)len, old_hex);
        pg_hex_text(out, out_len, new_hex);
        snprintf(version_text, sizeof(version_text), "%" PRIu32, version);
        rc = pg_query(s,
                      "UPDATE card_pans SET sealed = $1, key_version = $2 WHERE token = $3"
                      " AND sealed = $4",
                      4, params, &up, err);
        if (rc == 0) {
            *resealed += strtoull(PQcmdTuples(up), NULL, 10);
        }
        PQclear(up);
        memset(old, 0, sizeof(old));
        memset(out, 0, sizeof(out));
    }
    return rc;
}

int pg_card_reseal(struct store *base, uint32_t version, uint32_t limit, store_reseal_fn fn,
                   void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err)
{
    struct pg_store *s = (struct pg_store *)base;
    char v[16], n[16];
    const char *params[2] = {v, n};
    PGresult *res = NULL;
    int rc;

    *resealed = 0;
    *left = 0;
    if (s->read_only || s->in_tx) {
        return mdt_err_set(err, MDT_E(INVAL), "re-encrypt card numbers: %s",
                           s->read_only ? "the store is open read-only" : "inside a transaction");
    }
    snprintf(v, sizeof(v), "%" PRIu32, version);
    snprintf(n, sizeof(n), "%" PRIu32, limit);
    rc = pg_connected(s, err);
    if (rc == 0) {
        rc = pg_run(s, "BEGIN", err);
    }
    /* The rows locked as read, so that the rows read are the rows written. */
    if (rc == 0) {
        rc = pg_query(s,
                      "SELECT token, sealed FROM card_pans WHERE key_version < $1 LIMIT $2"
                      " FOR UPDATE",
                      2, params, &res, err);
    }
    if (rc == 0) {
        rc = reseal_rows(s, res, fn, ctx, resealed, err);
    }
    PQclear(res);
    res = NULL;
    if (rc == 0) {
        rc = pg_query(s, "SELECT count(*) FROM card_pans WHERE key_version < $1", 1, params, &res,
                      err);
    }
    if (rc == 0) {
        *left = (uint64_t)pg_int(res, 0, 0);
        rc = pg_run(s, "COMMIT", err);
    }
    PQclear(res);
    if (rc < 0) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        *resealed = 0;
    }
    return rc;
}

/* ---- mandat check ---- */

/* What must hold between the card tables and the ledger (as store_sqlite_card.c), one query
 * each, its rows the cards (or aliases) that break it. */
static const struct pg_check card_checks[] = {
    {"SELECT token FROM cards c WHERE NOT EXISTS (SELECT 1 FROM account_events e WHERE"
     " e.account_id = c.account_id AND e.type = 0 AND e.kind = $1)",
     "card without an account of kind card"},
    {"SELECT token FROM cards c WHERE NOT EXISTS (SELECT 1 FROM card_pans p WHERE"
     " p.token = c.token AND length(p.sealed) > 0) AND $1::int IS NOT NULL",
     "card without its sealed number"},
    {"SELECT alias || ' -> account ' || card_account FROM card_aliases a WHERE NOT EXISTS"
     " (SELECT 1 FROM cards c WHERE c.account_id = a.card_account) AND $1::int IS NOT NULL",
     "alias of no card"},
    {"SELECT token FROM card_pans p WHERE NOT EXISTS (SELECT 1 FROM cards c WHERE"
     " c.token = p.token) AND NOT EXISTS (SELECT 1 FROM card_files f WHERE"
     " f.pan_mac = p.pan_mac) AND $1::int IS NOT NULL",
     "sealed card number without its card"},
    {"SELECT owner FROM card_files f WHERE NOT EXISTS (SELECT 1 FROM card_pans p WHERE"
     " p.pan_mac = f.pan_mac) AND $1::int IS NOT NULL",
     "card on file without its sealed number"},
    {"SELECT token FROM cards WHERE status NOT BETWEEN 0 AND 4 AND $1::int IS NOT NULL",
     "card with an unknown status"},
    /* Expired (4) is set once the card's month is over (UTC), never before. */
    {"SELECT token FROM cards WHERE status = 4 AND exp_year * 12 + exp_month >="
     " extract(year FROM now() AT TIME ZONE 'UTC')::int * 12"
     " + extract(month FROM now() AT TIME ZONE 'UTC')::int AND $1::int IS NOT NULL",
     "card expired before its expiry month ended"},
};

int pg_check_queries(struct pg_store *s, const struct pg_check *q, size_t n,
                     store_report_fn report, void *ctx, uint64_t *violations, struct mdt_err *err)
{
    char kind[8];
    const char *params[1] = {kind};
    int rc = 0;

    snprintf(kind, sizeof(kind), "%d", ACCOUNT_CARD);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        PGresult *res = NULL;

        rc = pg_query(s, q[i].sql, 1, params, &res, err);
        for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
            store_report(report, ctx, violations, "%s: %s", q[i].what, PQgetvalue(res, r, 0));
        }
        PQclear(res);
    }
    return rc;
}

int pg_check_cards(struct pg_store *s, store_report_fn report, void *ctx, uint64_t *violations,
                   struct mdt_err *err)
{
    return pg_check_queries(s, card_checks, sizeof(card_checks) / sizeof(card_checks[0]), report,
                            ctx, violations, err);
}
