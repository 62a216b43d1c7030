/* SPDX-License-Identifier: Apache-2.0 */
/* What every backend's checks share, so that SQLite and PostgreSQL compute them alike: the
 * per-account sums query (standard SQL both run), the state a stored row had when its digest
 * was taken, and the state a pending row should have given the rows that closed it. */
#ifndef MDT_STORE_INT_H
#define MDT_STORE_INT_H

#include <stdint.h>

#include "ledger/ledger_types.h"

/* Sums per account from the rows alone, in columns account_id, debits_posted, credits_posted,
 * debits_pending, credits_pending. Posted: rows that move money (neither pending, void nor
 * expiry rows). Pending: pending rows still open. flags: PENDING 2, VOID 8, EXPIRE 16. */
#define STORE_SUMS_SQL                                                                             \
    "WITH legs(acc, d, c, flags, state) AS ("                                                      \
    " SELECT debit_account_id, amount, 0, flags, state FROM transfers"                             \
    " UNION ALL SELECT credit_account_id, 0, amount, flags, state FROM transfers),"                \
    " sums AS (SELECT acc,"                                                                        \
    "  SUM(CASE WHEN flags & 26 = 0 THEN d ELSE 0 END) AS dp,"                                     \
    "  SUM(CASE WHEN flags & 26 = 0 THEN c ELSE 0 END) AS cp,"                                     \
    "  SUM(CASE WHEN flags & 2 != 0 AND state = 1 THEN d ELSE 0 END) AS dq,"                       \
    "  SUM(CASE WHEN flags & 2 != 0 AND state = 1 THEN c ELSE 0 END) AS cq"                        \
    "  FROM legs GROUP BY acc)"                                                                    \
    " SELECT e.account_id, coalesce(dp, 0), coalesce(cp, 0), coalesce(dq, 0),"                     \
    " coalesce(cq, 0) FROM account_events e LEFT JOIN sums ON sums.acc = e.account_id"             \
    " WHERE e.type = 0"                                                                            \
    " UNION ALL SELECT acc, dp, cp, dq, cq FROM sums"                                              \
    " WHERE acc NOT IN (SELECT account_id FROM account_events WHERE type = 0)"

/* Rows store the state as it is now; the digest covers the state they were written with:
 * pending rows were written pending, every other row posted. Rewrites ch's transfers so. */
void store_batch_normalise(struct ledger_changes *ch);

/* The state a pending row should have, given how many rows closed it (closes) and the flags of
 * the (last) one that did. */
int store_pending_expected(int64_t closes, int64_t flags);

#endif
