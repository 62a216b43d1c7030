/* SPDX-License-Identifier: Apache-2.0 */
/* The money model's plain data: accounts, transfers, rejection reasons, limits, fee schedules,
 * the rows of the ledger's log and the batch of rows one commit writes. Shared by the ledger
 * (which decides), the store (which persists) and the config loader: data, names and defaults,
 * no decisions. The store includes this header and nothing else of the ledger. */
#ifndef MDT_LEDGER_TYPES_H
#define MDT_LEDGER_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/id128.h"
#include "base/limits.h"

/* X(name, text): account kinds. System kinds exist once per currency. */
#define ACCOUNT_KIND_MAP(X)                                                                        \
    X(WALLET, "wallet")                                                                            \
    X(MERCHANT, "merchant")                                                                        \
    X(ASSOCIATION, "association")                                                                  \
    X(CARD, "card")                                                                                \
    X(BANK, "bank")                                                                                \
    X(FEES, "fees")                                                                                \
    X(OPERATOR, "operator")                                                                        \
    X(SUSPENSE, "suspense")

enum account_kind {
#define ACCOUNT_KIND_ENUM_(n, s) ACCOUNT_##n,
    ACCOUNT_KIND_MAP(ACCOUNT_KIND_ENUM_)
#undef ACCOUNT_KIND_ENUM_
        ACCOUNT_KIND_COUNT
};

enum account_status {
    ACCOUNT_ACTIVE = 0,
    ACCOUNT_FROZEN = 1,
    ACCOUNT_CLOSED = 2,
};

enum account_flags {
    /* Posted plus pending debits may never exceed posted credits: wallets and cards. */
    ACCOUNT_NO_OVERDRAFT = (1u << 0),
};

/* KYC tiers: 0 unverified (AMLD5 caps), 1 verified identity, 2 fully verified. */
#define KYC_TIER_COUNT 3

/* Movements remembered per account for the SMS history (HISTO: the last 5 operations). */
#define ACCOUNT_RECENT_MAX 5

/* The four balances (TigerBeetle's model) plus the limit windows that the ledger keeps. */
struct account {
    uint64_t id; /* assigned by the ledger, starting at 1 */
    uint16_t kind;
    uint16_t status;
    uint16_t tier;
    uint16_t flags;
    char currency[4];
    int64_t debits_posted;
    int64_t credits_posted;
    int64_t debits_pending;
    int64_t credits_pending;
    /* Calendar windows in UTC: key = days since epoch, months since 1970-01, year. */
    int32_t day_key;
    int32_t month_key;
    int32_t year_key;
    int64_t day_debits;
    int64_t month_debits;
    int64_t year_debits;
    int64_t year_loads;
    int64_t created_us;
    /* The last ACCOUNT_RECENT_MAX movements (posted transfers and posts of holds, no fee legs),
     * as record indices of the ledger's view: what HISTO shows. Kept by the view, replayed. */
    uint32_t recent[ACCOUNT_RECENT_MAX];
    uint32_t recent_count; /* total pushed; the newest is recent[(recent_count - 1) % MAX] */
};

/* X(name, text) */
#define TRANSFER_KIND_MAP(X)                                                                       \
    X(TOPUP, "topup")                                                                              \
    X(P2P, "p2p")                                                                                  \
    X(DONATION, "donation")                                                                        \
    X(PAYMENT, "payment")                                                                          \
    X(REFUND, "refund")                                                                            \
    X(FEE, "fee")                                                                                  \
    X(CARD_LOAD, "card_load")                                                                      \
    X(WITHDRAWAL, "withdrawal")                                                                    \
    X(PAYOUT, "payout")                                                                            \
    /* a replaced card's balance to its replacement: card to card, posted, not a load */           \
    X(CARD_MOVE, "card_move")

enum transfer_kind {
#define TRANSFER_KIND_ENUM_(n, s) TRANSFER_##n,
    TRANSFER_KIND_MAP(TRANSFER_KIND_ENUM_)
#undef TRANSFER_KIND_ENUM_
        TRANSFER_KIND_COUNT
};

enum transfer_flags {
    TRANSFER_LINKED = (1u << 0),       /* chained with the next op: all or nothing */
    TRANSFER_PENDING = (1u << 1),      /* hold funds until posted, voided or expired */
    TRANSFER_POST_PENDING = (1u << 2), /* post the pending transfer named by pending_id */
    TRANSFER_VOID_PENDING = (1u << 3), /* void the pending transfer named by pending_id */
    TRANSFER_EXPIRE = (1u << 4),       /* written by the ledger only: a pending timed out */
    TRANSFER_FEE_LEG = (1u << 5),      /* written by the ledger only: a fee leg of pending_id */
    /* A refusal on the merits (funds short, a limit, an account blocked) is not kept under the
     * id, so the same id can be tried again and succeed later. For ids that stand for one
     * outcome that may be tried more than once, such as a payment request's single payment:
     * the id still guards against a second success, never against a second attempt. */
    TRANSFER_RETRY_REFUSED = (1u << 6),
    /* (TigerBeetle's balancing_debit) move at most amount: less when the debited account has
     * less available, refused (insufficient_funds) when it has nothing; single-phase only. A card
     * network's forced post (issue 15): the cash is gone, the card gives what it has. */
    TRANSFER_BALANCING_DEBIT = (1u << 7),
};

enum transfer_state {
    TRANSFER_STATE_POSTED = 0,
    TRANSFER_STATE_PENDING = 1,
    TRANSFER_STATE_VOIDED = 2,
    TRANSFER_STATE_EXPIRED = 3,
};

/* Why the ledger refused an operation. Stable names: they reach people and API clients. */
#define LEDGER_REASON_MAP(X)                                                                       \
    X(OK, "ok")                                                                                    \
    X(LINKED_EVENT_FAILED, "linked_event_failed")                                                  \
    X(LINKED_EVENT_CHAIN_OPEN, "linked_event_chain_open")                                          \
    X(ID_MUST_NOT_BE_ZERO, "id_must_not_be_zero")                                                  \
    X(FLAGS_INVALID, "flags_invalid")                                                              \
    X(KIND_INVALID, "kind_invalid")                                                                \
    X(AMOUNT_MUST_BE_POSITIVE, "amount_must_be_positive")                                          \
    X(ACCOUNTS_MUST_BE_DIFFERENT, "accounts_must_be_different")                                    \
    X(DEBIT_ACCOUNT_NOT_FOUND, "debit_account_not_found")                                          \
    X(CREDIT_ACCOUNT_NOT_FOUND, "credit_account_not_found")                                        \
    X(CURRENCY_MISMATCH, "currency_mismatch")                                                      \
    X(ACCOUNT_FROZEN, "account_frozen")                                                            \
    X(ACCOUNT_CLOSED, "account_closed")                                                            \
    X(INSUFFICIENT_FUNDS, "insufficient_funds")                                                    \
    X(OVERFLOW, "overflow")                                                                        \
    X(EXISTS_WITH_DIFFERENT_FIELDS, "exists_with_different_fields")                                \
    X(TIMEOUT_REQUIRES_PENDING, "timeout_requires_pending")                                        \
    X(TIMEOUT_EXCEEDS_MAXIMUM, "timeout_exceeds_maximum")                                          \
    X(PENDING_NOT_FOUND, "pending_not_found")                                                      \
    X(PENDING_ALREADY_POSTED, "pending_already_posted")                                            \
    X(PENDING_ALREADY_VOIDED, "pending_already_voided")                                            \
    X(PENDING_EXPIRED, "pending_expired")                                                          \
    X(PENDING_AMOUNT_EXCEEDED, "pending_amount_exceeded")                                          \
    X(PENDING_ACCOUNTS_MISMATCH, "pending_accounts_mismatch")                                      \
    X(REFUND_ORIGINAL_NOT_FOUND, "refund_original_not_found")                                      \
    X(REFUND_ORIGINAL_NOT_REFUNDABLE, "refund_original_not_refundable")                            \
    X(REFUND_ACCOUNTS_MISMATCH, "refund_accounts_mismatch")                                        \
    X(REFUND_EXCEEDS_ORIGINAL, "refund_exceeds_original")                                          \
    X(REFERENCE_REQUIRES_REFUND, "reference_requires_refund")                                      \
    X(LIMIT_OPERATION_MAX, "limit_exceeded:operation_max")                                         \
    X(LIMIT_DAILY_DEBITS, "limit_exceeded:daily_debits")                                           \
    X(LIMIT_MONTHLY_DEBITS, "limit_exceeded:monthly_debits")                                       \
    X(LIMIT_YEARLY_DEBITS, "limit_exceeded:yearly_debits")                                         \
    X(LIMIT_YEARLY_LOADS, "limit_exceeded:yearly_loads")                                           \
    X(LIMIT_MAX_BALANCE, "limit_exceeded:max_balance")                                             \
    X(FEE_SCHEDULE_NOT_FOUND, "fee_schedule_not_found")                                            \
    X(FEE_BELOW_MINIMUM_AMOUNT, "fee_below_minimum_amount")                                        \
    X(FEE_ACCOUNT_MISSING, "fee_account_missing")                                                  \
    X(ACCOUNT_NOT_FOUND, "account_not_found")                                                      \
    X(ACCOUNT_KIND_INVALID, "account_kind_invalid")                                                \
    X(CURRENCY_UNKNOWN, "currency_unknown")                                                        \
    X(TIER_INVALID, "tier_invalid")                                                                \
    X(STATUS_INVALID, "status_invalid")                                                            \
    X(ACCOUNT_NOT_EMPTY, "account_not_empty")                                                      \
    X(SYSTEM_ACCOUNT_EXISTS, "system_account_exists")

enum ledger_reason {
#define LEDGER_REASON_ENUM_(n, s) LEDGER_##n,
    LEDGER_REASON_MAP(LEDGER_REASON_ENUM_)
#undef LEDGER_REASON_ENUM_
        LEDGER_REASON_COUNT
};

/* Per (account kind, KYC tier) limits. 0 means "no limit". Amounts in minor units of the
 * account's currency. Checked on the account being debited (debits) or credited (loads,
 * balance). */
struct ledger_limits {
    int64_t op_max_p2p;       /* one p2p transfer (S-Money: 250 €) */
    int64_t op_max_payment;   /* one payment or donation (S-Money: 500 €) */
    int64_t day_debits_max;   /* debits in one UTC calendar day */
    int64_t month_debits_max; /* debits in one UTC calendar month (AMLD5: 150 € unverified) */
    int64_t year_debits_max;  /* debits in one UTC calendar year */
    int64_t year_loads_max;   /* credits in one UTC calendar year (card: 6 000 €) */
    int64_t balance_max;      /* posted credits + pending credits - posted debits (150 €) */
};

enum fee_type {
    FEE_TIERED = 0,  /* flat amount chosen by the transfer amount (card reload table) */
    FEE_PERCENT = 1, /* basis points + fixed, clamped to [min, max] (merchants) */
    FEE_FIXED = 2,   /* one flat amount per order (SMS order billed by the operator) */
};

enum fee_payer {
    FEE_PAYER = 0,    /* the debited account pays on top */
    FEE_PAYEE = 1,    /* the credited account pays out of what it receives */
    FEE_OPERATOR = 2, /* the mobile operator bills it: booked operator -> fees */
};

#define FEE_TIERS_MAX 16
#define FEE_NAME_MAX 32

struct fee_tier {
    int64_t up_to; /* inclusive upper bound of the transfer amount; 0 on the last = no bound */
    int64_t fee;
};

struct fee_schedule {
    char name[FEE_NAME_MAX];
    uint8_t type;  /* enum fee_type */
    uint8_t payer; /* enum fee_payer */
    char currency[4];
    int64_t min_amount; /* transfers below this are refused (card loads start at 50 €); 0 none */
    /* FEE_TIERED */
    uint32_t tier_count;
    struct fee_tier tiers[FEE_TIERS_MAX];
    /* FEE_PERCENT */
    int64_t percent_bp; /* basis points: 150 = 1.50 % */
    int64_t fixed;      /* also the amount of FEE_FIXED */
    int64_t fee_min;
    int64_t fee_max; /* 0 = no maximum */
};

#define FEE_SCHEDULES_MAX 32
/* Fee schedules a transfer may name; 0 means none (schedule ids start at 1). */
#define TRANSFER_FEES_MAX 2

/* Everything the ledger needs to decide; loaded from mandat.conf by mandatd/config.c. */
struct ledger_config {
    char default_currency[4];
    uint32_t pending_timeout_default_s; /* when a pending transfer names none: 300 (PSD2) */
    uint32_t pending_timeout_max_s;
    struct ledger_limits limits[ACCOUNT_KIND_COUNT][KYC_TIER_COUNT];
    uint32_t fee_schedule_count;
    struct fee_schedule fee_schedules[FEE_SCHEDULES_MAX]; /* schedule id N is index N-1 */
};

/* One row of the transfers log (accepted transfers) or of the rejections log (reason != 0).
 * Fields the caller sets are marked (in); the ledger fills the rest. */
struct transfer {
    uint64_t seq;               /* global log position, assigned by the ledger */
    struct id128 id;            /* (in) caller's idempotency id; never zero */
    uint64_t debit_account_id;  /* (in); 0 on post/void: taken from the pending transfer */
    uint64_t credit_account_id; /* (in) */
    int64_t amount;             /* (in) minor units > 0; on post, 0 means the full pending amount */
    struct id128 link_id;       /* (in) pending transfer to post/void, original of a refund */
    uint32_t timeout_s;         /* (in) pending only; 0 = ledger default */
    uint16_t kind;              /* (in) enum transfer_kind */
    uint16_t flags;             /* (in) enum transfer_flags (LINKED, PENDING, POST, VOID) */
    uint16_t fee_schedules[TRANSFER_FEES_MAX]; /* (in) schedule ids (1-based), 0 = none */
    uint16_t channel;                          /* (in) where the order came from, for reports */
    uint16_t state;                            /* enum transfer_state of this row */
    uint16_t reason;                           /* enum ledger_reason: 0 accepted */
    int64_t timestamp_us;                      /* ledger time, unique and increasing */
    int64_t expires_us;                        /* pending only */
    uint64_t fingerprint;                      /* hash of the (in) fields: same id, same fields */
    char ext_ref[TRANSFER_EXT_REF_MAX];        /* (in) external reference, NUL-terminated */
};

enum account_event_type {
    ACCOUNT_EVENT_OPEN = 0,
    ACCOUNT_EVENT_STATUS = 1,
    ACCOUNT_EVENT_TIER = 2,
};

/* One row of the account events log: opening, freezing, KYC tier changes. */
struct account_event {
    uint64_t seq;
    uint64_t account_id;
    uint16_t type; /* enum account_event_type */
    uint16_t kind;
    uint16_t status;
    uint16_t tier;
    uint16_t flags;
    char currency[4];
    int64_t timestamp_us;
};

/* A pending transfer whose state changed in this batch (the store updates its state column). */
struct state_change {
    uint64_t seq;
    uint16_t state;
};

/* Rows produced by one batch, in seq order within each array. Owned by the caller, reused across
 * batches with ledger_changes_reset; grows as needed (bounded by the batch size). */
struct ledger_changes {
    struct transfer *transfers; /* accepted rows, including fee legs and expiries */
    size_t transfer_count, transfer_cap;
    struct transfer *rejections;
    size_t rejection_count, rejection_cap;
    struct account_event *events;
    size_t event_count, event_cap;
    struct state_change *states;
    size_t state_count, state_cap;
};

/* Static names for the enums above ("wallet", "p2p", "insufficient_funds"); never NULL. */
const char *account_kind_name(int kind);
const char *transfer_kind_name(int kind);
const char *transfer_state_name(int state);
const char *ledger_reason_name(int reason);

/* Parse a name back; returns the enum value or -1. */
int account_kind_parse(const char *name);
int transfer_kind_parse(const char *name);

/* The defaults of DESIGN.md (S-Money, Flouss.com, AMLD5); the config file overrides them. */
void ledger_config_defaults(struct ledger_config *cfg);

/* Index of the fee schedule called name, plus one (a schedule id); 0 when absent. */
uint32_t ledger_config_fee_find(const struct ledger_config *cfg, const char *name);

/* Empty ch for the next batch, keeping its arrays; release frees them and zeroes ch. */
void ledger_changes_reset(struct ledger_changes *ch);
void ledger_changes_release(struct ledger_changes *ch);

#endif
