/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL rows of the ISO 8583 issuer host (issue 15; SQLite's twin: store_sqlite_iso.c): the
 * switches' requests and their answers, cards' PINs as keyed hashes, the operator's exchange
 * rates. Written with a batch in its pipeline from the tables' descriptions (store_pg_rows.c),
 * read back at load (store_pg_channel_read.c), and mandat check's rules on them. No card number
 * and no PIN ever reaches these tables. */
#include "base/assert.h"
#include "store/store_pg_rows.h"

int pg_send_iso(struct pg_store *s, const struct store_extra *x, struct pg_drain *d, int *sent)
{
    switch (x->kind) {
    case EXTRA_ISO_REQUEST:
        return pg_send_table_row(s, T_ISO_REQUEST, &x->u.iso_request, 0, d, sent);
    case EXTRA_CARD_PIN:
        return pg_send_table_row(s, T_CARD_PIN, &x->u.card_pin, 0, d, sent);
    default:
        MDT_ASSERT(x->kind == EXTRA_FX_RATE); /* pg_extras_check refused unknown kinds */
        return pg_send_table_row(s, T_FX_RATE, &x->u.fx_rate, 0, d, sent);
    }
}

/* What must hold for the ISO host's rows (as store_sqlite_card.c's last two rules), one query
 * each, reported as "<what>: <first column>". $1 is the card account kind (unused here). */
static const struct pg_check iso_checks[] = {
    /* An approval's hold was committed with its answer (the same batch). */
    {"SELECT key FROM iso_requests r WHERE code = '00' AND state IN (1, 2) AND hold_id IS NOT"
     " NULL AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = r.hold_id)"
     " AND $1::int IS NOT NULL",
     "approved ISO 8583 request without its hold"},
    {"SELECT account_id FROM card_pins p WHERE NOT EXISTS (SELECT 1 FROM cards c WHERE"
     " c.account_id = p.account_id) AND $1::int IS NOT NULL",
     "card PIN of no card"},
};

int pg_check_iso(struct pg_store *s, store_report_fn report, void *ctx, uint64_t *violations,
                 struct mdt_err *err)
{
    return pg_check_queries(s, iso_checks, sizeof(iso_checks) / sizeof(iso_checks[0]), report,
                            ctx, violations, err);
}
