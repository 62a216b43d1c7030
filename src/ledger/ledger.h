/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger: the only writer of money. It keeps the in-memory view of every account, pending
 * transfer and transfer id, decides each operation (limits, fees, idempotency, two-phase rules),
 * and emits the rows the store must persist. No I/O, no threads, no clock: time is a parameter.
 *
 * Every change is a row of one append-only log (struct transfer or struct account_event) with
 * a global sequence number; the view is rebuilt by replaying those rows in seq order. */
#ifndef MDT_LEDGER_LEDGER_H
#define MDT_LEDGER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "ledger/ledger_types.h"

enum ledger_op_type {
    LEDGER_OP_TRANSFER = 0,
    LEDGER_OP_ACCOUNT_OPEN = 1,   /* kind, currency, tier; system kinds are opened by INIT */
    LEDGER_OP_ACCOUNT_STATUS = 2, /* account_id, status */
    LEDGER_OP_ACCOUNT_TIER = 3,   /* account_id, tier */
    LEDGER_OP_SYSTEM_INIT = 4,    /* currency: opens the missing bank/fees/operator/suspense */
};

struct account_req {
    uint64_t account_id;
    uint16_t kind;
    uint16_t tier;
    uint16_t status;
    char currency[4];
};

/* An operation submitted to the ledger. Transfers flagged LINKED chain with the next op. */
struct ledger_op {
    uint16_t type; /* enum ledger_op_type */
    struct transfer transfer;
    struct account_req account;
};

/* What happened to one op. */
struct ledger_result {
    uint16_t reason;      /* enum ledger_reason; LEDGER_OK on success */
    uint8_t duplicate;    /* 1: the id was seen before with the same fields: first result */
    uint64_t account_id;  /* account ops: the account opened or changed */
    int64_t timestamp_us; /* ledger time of the (first) execution */
    int64_t fee_minor;    /* total fees taken by legs of this transfer */
    int64_t amount;       /* amount actually moved (the full pending amount when posting 0) */
};

struct ledger;

/* Create an empty view with cfg (copied). *out is owned by the caller: ledger_free(). */
int ledger_create(const struct ledger_config *cfg, struct ledger **out);
void ledger_free(struct ledger *l);

/* Execute ops[0..n) in order at time now_us, writing one result per op and appending the rows
 * to persist to ch. Linked chains succeed or fail whole. Never fails as a function: refusals are
 * results. Until the caller has made ch durable, results must not be shown to anyone.
 * Cost: O(n) expected (hash lookups), plus fee legs. Not thread-safe: one writer. */
void ledger_execute(struct ledger *l, const struct ledger_op *ops, size_t n, int64_t now_us,
                    struct ledger_result *results, struct ledger_changes *ch);

/* Expire up to max pending transfers whose timeout is at or before now_us, appending EXPIRE
 * rows to ch. Returns how many expired. */
size_t ledger_expire(struct ledger *l, int64_t now_us, size_t max, struct ledger_changes *ch);

/* Batches in flight: the engine decides a batch while the one before it commits, on a view
 * that holds that one's effects; a batch not committed must be taken back. Between
 * ledger_batch_begin and its batch's ledger_batch_done (committed: forget how to undo it) or
 * ledger_batch_undo (not committed: the view as before it), the view records what each change
 * overwrites. At most LEDGER_BATCHES_MAX open; undo takes back the newest, done forgets the
 * oldest. Not during replay. */
#define LEDGER_BATCHES_MAX 4
void ledger_batch_begin(struct ledger *l);
void ledger_batch_done(struct ledger *l);
void ledger_batch_undo(struct ledger *l);
/* Batches open (begun, neither done nor undone). */
unsigned ledger_batches_open(const struct ledger *l);

/* Earliest expiry among open pending transfers, or INT64_MAX when none. */
int64_t ledger_next_expiry_us(struct ledger *l);

/* Apply a stored row without deciding (recovery and other writers' rows). Rows must come in
 * seq order. Returns 0, or -MDT_ECORRUPT when the row contradicts the view (err says how). */
int ledger_replay_transfer(struct ledger *l, const struct transfer *row, struct mdt_err *err);
int ledger_replay_rejection(struct ledger *l, const struct transfer *row, struct mdt_err *err);
int ledger_replay_event(struct ledger *l, const struct account_event *ev, struct mdt_err *err);

/* Highest seq applied so far (0 for an empty log). */
uint64_t ledger_last_seq(const struct ledger *l);

/* Account by id, or NULL. The pointer is valid until the next execute/replay. */
const struct account *ledger_account_get(const struct ledger *l, uint64_t id);

/* The limits that apply to the account (its kind and KYC tier), or NULL for an unknown id. Valid
 * as long as the ledger. */
const struct ledger_limits *ledger_limits_of(const struct ledger *l, uint64_t id);

/* Number of accounts; ids are 1..count. */
uint64_t ledger_account_count(const struct ledger *l);

/* The system account of kind (BANK, FEES, OPERATOR, SUSPENSE) in currency, or 0. */
uint64_t ledger_system_account(const struct ledger *l, int kind, const char *currency);

/* Find a transfer or rejection by id. On success copies the facts kept in memory into out
 * (id, link_id, accounts, amount, kind, flags, state, reason, timestamp, expiry, seq; not
 * ext_ref). */
int ledger_transfer_find(const struct ledger *l, struct id128 id, struct transfer *out);

/* The account's last movements, newest first (at most ACCOUNT_RECENT_MAX and max), copied into
 * out as ledger_transfer_find gives them. Returns how many. */
size_t ledger_account_recent(const struct ledger *l, uint64_t id, struct transfer *out, size_t max);

/* Fees taken by the fee legs of transfer id (0 when none or unknown): what the first result
 * reported as fee_minor. */
int64_t ledger_transfer_fees(const struct ledger *l, struct id128 id);

/* Totals of the four balances over all accounts: debits must equal credits at every commit. */
struct ledger_totals {
    int64_t debits_posted, credits_posted, debits_pending, credits_pending;
    uint64_t transfers, rejections, pending_open;
};
void ledger_totals_get(const struct ledger *l, struct ledger_totals *out);

/* Fingerprint of the caller-set fields of t: equal fields give equal fingerprints. */
uint64_t transfer_fingerprint(const struct transfer *t);

/* Compute the fee of schedule s for amount. Returns LEDGER_OK and *fee, or a reason
 * (LEDGER_FEE_BELOW_MINIMUM_AMOUNT). Pure; in fees.c. */
int fee_compute(const struct fee_schedule *s, int64_t amount, int64_t *fee);

#endif
