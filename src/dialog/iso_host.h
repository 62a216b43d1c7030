/* SPDX-License-Identifier: Apache-2.0 */
/* The issuer host's decisions (issue 15): what a card network's request means for a prepaid
 * card's money. An authorization holds, a cash withdrawal holds and posts in one, a completion
 * posts a hold fully or partly, a reversal voids the hold or refunds the posting, a balance
 * inquiry reads the balance; each request is one engine step whose rows record its answer in
 * the same commit as its money, so that a retransmission gets the first answer and never a
 * second hold. The channel translates ISO 8583 into struct iso_host_request and the answer back;
 * the money rules are here and in the ledger. No I/O, no protocol; one thread (the loop), except
 * iso_host_hook (the ledger thread). */
#ifndef MDT_DIALOG_ISO_HOST_H
#define MDT_DIALOG_ISO_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/money.h"
#include "ledger/ledger.h"
#include "store/store_channel.h"
#include "vault/pin_block.h"

struct dialog;
struct card_vault;
struct vault;
struct iso_host;

/* Wrong PINs in a row that block PIN use (75) until the PIN is set again. */
#define ISO_HOST_PIN_TRIES_MAX 3
/* Ledger ops of one step at most: hold and post, or a refund and nothing else. */
#define ISO_HOST_OPS_MAX 2

struct iso_host_config {
    const struct currency *currency; /* the cards' (the ledger's) */
    uint64_t bank_account;           /* the bank account of that currency: money settles there */
    int64_t cash_day_max_minor;      /* cash per card per UTC day; 0: no limit */
    uint32_t hold_timeout_s;         /* an authorization never completed expires (7 days) */
    uint16_t atm_fee_schedule;       /* ledger schedule ids of the fee legs, 0: none */
    uint16_t fx_fee_schedule;
};

/* The holder's SMS of a withdrawal, written by the hook in the step's commit. */
struct iso_host_sms {
    bool wanted;                /* cash approved, and the card has a phone */
    char phone[STORE_ADDR_MAX]; /* the holder's */
    char last4[5];
    enum lang lang;    /* the holder's wallet's, else the dialog's */
    int64_t txn_minor; /* what the ATM gave, in its currency */
    const struct currency *txn_currency;
    struct outbox_row row; /* the message, once the hook wrote it */
};

/* Response codes (ISO 8583:1987 field 39) this host answers. */
#define ISO_RC_APPROVED "00"
#define ISO_RC_DO_NOT_HONOR "05"
#define ISO_RC_INVALID_CARD "14"
#define ISO_RC_INSUFFICIENT "51"
#define ISO_RC_EXPIRED "54"
#define ISO_RC_WRONG_PIN "55"
#define ISO_RC_NOT_PERMITTED "57"
#define ISO_RC_CASH_LIMIT "61"
#define ISO_RC_FORMAT_ERROR "30" /* a field the channel cannot read (a malformed field 90) */
#define ISO_RC_PIN_TRIES "75"
#define ISO_RC_UNAVAILABLE "91"
#define ISO_RC_MALFUNCTION "96"

/* A request as the channel read it; borrowed for the call. pan and pin_block are card data:
 * the caller wipes them after the call. */
struct iso_host_request {
    char mti[5];
    char key[STORE_ISO_KEY_MAX];             /* the retransmission key: iso_host_key */
    char orig[STORE_ISO_ORIG_MAX];           /* the original transaction: iso_host_orig */
    char orig_trace[STORE_ISO_ORIG_MAX];     /* field 90's original (iso_host_trace), "" none */
    char pcode[7];                           /* field 3 */
    int64_t amount_minor;                    /* field 4, in txn_currency's minor units */
    const struct currency *txn_currency;     /* field 49; NULL: the cards' */
    int64_t billing_minor;                   /* field 6, or -1 when absent */
    const struct currency *billing_currency; /* field 51; NULL: the cards' */
    char pan[20];                            /* field 2 or track 2's; "" none */
    unsigned exp_yymm;                       /* field 14 as YYMM, 0 absent */
    uint8_t pin_block[PIN_BLOCK_LEN_MAX];    /* field 52 decoded */
    size_t pin_block_len;                    /* 0: no PIN */
    const struct pin_zpk *zpk;               /* the link's zone PIN key, NULL: none */
};

/* The answer: field 39, 38 and 54 (the card's available balance after, in its currency). */
struct iso_host_answer {
    char code[3];
    char auth_id[7];
    bool has_balance;
    int64_t balance_minor;
    const struct currency *currency;
};

/* One request's work for the engine: submit ops[0..n) with rows[0..row_count) (capacity
 * rows_cap) and iso_host_hook (ctx: the step), then give the result to iso_host_done. */
struct iso_host_step {
    struct ledger_op ops[ISO_HOST_OPS_MAX];
    size_t n;
    struct ledger_result results[ISO_HOST_OPS_MAX];
    struct store_extra rows[3];
    size_t row_count;
    void *owner; /* the caller's */
    /* private */
    struct iso_request_row req; /* the row written, as decided so far */
    bool ledger_decides;        /* the code follows the ledger's result of ops[0] */
    bool is_undo;               /* the undoing of a late answer */
    bool advice;                /* an advice: always answered 00 */
    bool forced;                /* a completion's forced post: the card gives what it has */
    bool post_lapsed;           /* the ledger found the completion's hold expired or voided */
    int64_t cash_minor;         /* counted against the day's cash limit if approved */
    int64_t cash_release;       /* given back to it (a reversal) */
    struct card_pin_row pin;
    bool pin_changed;
    struct iso_host_sms sms;
};

/* Create a host over the dialog's cards (borrowed: card status, expiry, account), the card vault
 * (the PAN's keyed hash) and the code vault (PIN hashes); all must outlive it. *out:
 * iso_host_free. -MDT_EINVAL (no currency or bank account), -MDT_ENOMEM. */
int iso_host_create(const struct iso_host_config *cfg, struct dialog *dialog,
                    struct card_vault *cards, const struct vault *v, struct iso_host **out);
void iso_host_free(struct iso_host *h);

/* Forget the answered requests not touched for hold_timeout_s plus a day before now_us (what a
 * restart would not load again either), and the originals no kept request names and none in
 * the engine. A retransmission or reversal that late finds nothing: a hold that old has
 * expired. Returns how many requests were forgotten. O(requests + originals): call it now and
 * then (mandatd: hourly), never per request. */
size_t iso_host_prune(struct iso_host *h, int64_t now_us);

/* store_channel_fns for the host's rows (ctx: the host): requests, PINs and rates. Rereading
 * PINs and rates later (the CLI writes them) keeps what is newer in memory. */
const struct store_channel_fns *iso_host_channel_fns(void);

/* The retransmission key (acquirer 32, STAN 11, RRN 37, terminal 41, transmission time 7, and
 * the message class, so a reversal never takes its original's answer) and the original's
 * (acquirer, terminal, RRN) from the fields as text ("" when absent). */
void iso_host_key(const char *mti, const char *acq, const char *stan, const char *rrn,
                  const char *term, const char *time, char out[STORE_ISO_KEY_MAX]);
void iso_host_orig(const char *acq, const char *term, const char *rrn,
                   char out[STORE_ISO_ORIG_MAX]);
/* How a 1987 reversal or completion names its original in field 90: the original's acquirer
 * (leading zeros dropped, as field 32 carries it without them), STAN and transmission time. ""
 * when the STAN or the time is empty. Every answered request is found by it. */
void iso_host_trace(const char *acq, const char *stan, const char *time,
                    char out[STORE_ISO_ORIG_MAX]);

/*
 * Decide rq at now_us. A reversal or completion whose orig_trace is set acts on the original
 * that trace names (its own acquirer, terminal and RRN are then not used); one naming nothing is
 * an unknown original, recorded under "90|<trace>". Returns 1 with *answer filled when the answer
 * is known now (a retransmission of an answered request: its first answer), 0 with *out a step to
 * submit, or -MDT_EBUSY when the same request or another of its original is being decided (answer
 * it when that one is done, or 91), -MDT_ENOMEM.
 */
int iso_host_receive(struct iso_host *h, const struct iso_host_request *rq, int64_t now_us,
                     struct iso_host_step **out, struct iso_host_answer *answer);

/* The engine hook of a step (ctx: the step; ledger thread): decides the code from the ledger's
 * result, reads the balance after and appends the request's row. */
size_t iso_host_hook(void *ctx, const struct ledger *l, const struct ledger_result *results,
                     size_t n, struct store_extra *rows, size_t count, size_t cap);

/* The step is durable (rc 0) or failed (rc < 0: nothing of it happened, the answer is 96):
 * update memory, fill *answer, free the step. Loop thread. */
void iso_host_done(struct iso_host *h, struct iso_host_step *s, int rc,
                   struct iso_host_answer *answer);

/*
 * The same for a step whose answer came after the network's time ran out, when the switch was
 * answered 91 already: the step's money must then not stand. Its row is applied as durable, and
 * when it approved, the result is a step (to submit like any) that voids its hold or refunds its
 * cash and records 91 as the request's answer; a retransmission is answered 91 from now on. NULL
 * when there is nothing to undo. Frees s.
 */
struct iso_host_step *iso_host_done_late(struct iso_host *h, struct iso_host_step *s, int rc,
                                         int64_t now_us);

/*
 * The step that must follow s before the request is answered, or NULL (s untouched): a
 * completion whose hold the ledger found expired or voided (the host's clock had it held still:
 * the milliseconds between the two expiries) wrote nothing, and is posted by force instead, as a
 * completion of an unknown authorization is, with its SMS. Submit the result like any step and
 * give it to iso_host_done (or iso_host_done_late); s is freed. When it cannot be made (no
 * memory) s goes to iso_host_done, which answers 96: the switch sends the advice again. Loop
 * thread.
 */
struct iso_host_step *iso_host_step_next(struct iso_host *h, struct iso_host_step *s, int rc,
                                         int64_t now_us);

/* The holder's SMS a durable step wrote (to queue for sending), or NULL. */
const struct outbox_row *iso_host_step_sms(const struct iso_host_step *s);

/* Release a step not submitted. NULL allowed. */
void iso_host_step_free(struct iso_host *h, struct iso_host_step *s);

/* An amount in currency `from` (minor units) in the cards' currency at the rate in force at
 * now_us (rounded half up): 0 and *out, or -MDT_ENOTFOUND when the operator set no rate. */
int iso_host_convert(const struct iso_host *h, const struct currency *from, int64_t amount_minor,
                     int64_t now_us, int64_t *out);

/* Rows of the host's tables to remember without the store (tests, the CLI's checks). */
int iso_host_pin_loaded(void *ctx, const struct card_pin_row *r);
int iso_host_rate_loaded(void *ctx, const struct fx_rate_row *r);

/* Parse an exchange rate as the operator writes it ("10.85": units of the currency for one of
 * the cards') into millionths: 0, or -MDT_EINVAL (not a positive number with at most 6
 * decimals, or above 10^9). */
int iso_host_rate_parse(const char *text, int64_t *rate_micro);

/* The currency of an ISO 4217 numeric code ("504" for MAD), or NULL. */
const struct currency *iso_host_currency_numeric(const char *digits);

#endif
