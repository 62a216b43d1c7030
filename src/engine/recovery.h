/* SPDX-License-Identifier: Apache-2.0 */
/* Recovery: the ledger's view rebuilt from the store's log, and the invariant check that
 * compares the two. It lives above both, so that the ledger (decisions, no I/O) and the store
 * (persistence) know each other only through the row types of ledger_types.h. */
#ifndef MDT_ENGINE_RECOVERY_H
#define MDT_ENGINE_RECOVERY_H

#include <stdint.h>

#include "base/error.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* Bring the view l up to date by replaying, in seq order, every stored row after
 * ledger_last_seq(l). Used at start-up (recovery) and after another process wrote (the mandat
 * CLI beside mandatd). Returns 0, a store error, or -MDT_ECORRUPT when a row contradicts the
 * view (err says which); l is then partly updated and should be freed. */
int recovery_replay(struct store *s, struct ledger *l, struct mdt_err *err);

/* Check every invariant of DESIGN.md against the stored rows and the replayed view l:
 * debits = credits; each account's balances equal the sums of its rows; no wallet or card below
 * zero; pending balances equal the open pending transfers; ids unique; pending states match the
 * rows that closed them; the journal chain and every batch digest. Reports each violation
 * through report (may be NULL) and sets *violations. Returns 0 (even with violations) or an
 * error. Run it in one read snapshot with the replay (store_read_begin). */
int recovery_check(struct store *s, const struct ledger *l, store_report_fn report, void *ctx,
                   uint64_t *violations, struct mdt_err *err);

#endif
