/* SPDX-License-Identifier: Apache-2.0 */
/* Money in by bank card (issue 13): the acquirer interface. Authorize, capture, void and refund,
 * each under an idempotency key, with the result delivered later on the event loop (approved,
 * declined with an ISO 8583 response code, or unknown when no answer came in time), and a lookup
 * by idempotency key that settles an unknown result afterwards. A module (the built-in test
 * acquirer, later an ISO 8583 link or an HTTPS API) fills an ops table; this file owns the
 * deadline of every call, so each module only answers. No money logic here. */
#ifndef MDT_CHANNEL_ACQUIRER_ACQUIRER_H
#define MDT_CHANNEL_ACQUIRER_ACQUIRER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "vault/card_vault.h"

struct event_base;
struct acquirer;
struct acquirer_call;

#define ACQUIRER_KEY_MAX 64 /* idempotency key and NUL: mandat's keys are 32 hex digits */
#define ACQUIRER_REF_MAX 24 /* the acquirer's reference (ISO 8583 field 37 is 12 characters) */
#define ACQUIRER_CODE_LEN 2 /* ISO 8583:1987 field 39, two characters */
/* Card schemes time an authorization out well within a minute: two at most. */
#define ACQUIRER_TIMEOUT_MS_MAX 120000
#define ACQUIRER_LATENCY_MS_MAX 60000
/* Calls in flight at once: each holds a timer; past it the caller pushes back (-MDT_EBUSY),
 * like the CVV pool it mirrors (CARD_CVV_SLOTS). */
#define ACQUIRER_INFLIGHT_MAX CARD_CVV_SLOTS

/* ISO 8583:1987 field 39 codes that mandat tells apart (others read as "refused by the bank"). */
#define ACQUIRER_CODE_APPROVED "00"
#define ACQUIRER_CODE_REFUSED "05"   /* do not honour */
#define ACQUIRER_CODE_INVALID "14"   /* invalid card number */
#define ACQUIRER_CODE_NO_RECORD "25" /* unable to locate record: a key never received */
#define ACQUIRER_CODE_FUNDS "51"     /* insufficient funds */
#define ACQUIRER_CODE_EXPIRED "54"   /* expired card */
#define ACQUIRER_CODE_AMOUNT "13"    /* invalid amount (capture or refund above what is left) */
#define ACQUIRER_CODE_STATE "12"     /* invalid transaction (void of a captured payment, ...) */

enum acquirer_op {
    ACQUIRER_AUTHORIZE, /* hold amount on the card */
    ACQUIRER_CAPTURE,   /* take (part of) a held amount */
    ACQUIRER_VOID,      /* release a hold that was not captured */
    ACQUIRER_REFUND,    /* give back (part of) a captured amount */
    ACQUIRER_LOOKUP,    /* what became of the operation with this key */
};

enum acquirer_outcome {
    ACQUIRER_APPROVED,
    ACQUIRER_DECLINED, /* code says why; nothing held, nothing taken */
    ACQUIRER_UNKNOWN,  /* no answer in time: look it up later by key */
};

/* One operation. The caller owns it and every string it points to; the call copies what it
 * needs before returning, except the CVV, which stays in the vault's pool until the result. */
struct acquirer_request {
    enum acquirer_op op;        /* AUTHORIZE, CAPTURE, VOID or REFUND */
    char key[ACQUIRER_KEY_MAX]; /* idempotency key: the same key, the same answer */
    int64_t amount_minor;       /* > 0; ignored by VOID */
    char currency[4];           /* ISO 4217 */
    /* AUTHORIZE only: the card. pan is caller-owned (wipe it after the call returns). */
    const char *pan;
    unsigned exp_month, exp_year; /* as read by card_expiry_parse */
    uint32_t cvv_slot;            /* card_cvv_take's slot; the caller drops it at the result */
    /* A card on file (kept by the sender for later reloads): a stored-credential authorization
     * that mandat starts without the cardholder, so without a security code (cvv_slot unused).
     * The first payment that kept the card was a normal one, with its code. */
    bool stored_credential;
    /* CAPTURE, VOID, REFUND: the authorization's reference from its approval. */
    char auth_ref[ACQUIRER_REF_MAX];
};

/* What came back; valid during the done callback only. */
struct acquirer_result {
    enum acquirer_op op; /* the operation answered (LOOKUP: the one found) */
    enum acquirer_outcome outcome;
    char key[ACQUIRER_KEY_MAX];
    char code[ACQUIRER_CODE_LEN + 1]; /* "00" when approved, "" when unknown */
    char ref[ACQUIRER_REF_MAX];       /* the acquirer's reference, "" unless approved */
    int64_t amount_minor;
};

/* Called once per accepted call, on the loop thread, never from inside the call that started it.
 * It may start other calls or free the acquirer. */
typedef void (*acquirer_done_fn)(void *ctx, const struct acquirer_result *res);

/* What a module implements. Each function runs on the loop thread. */
struct acquirer_ops {
    const char *name;
    /* Send req (op is not LOOKUP for submit); answer through acquirer_call_answer(call), at most
     * once, later on the loop. Return 0, or an error: the call is then dropped unanswered. */
    int (*submit)(struct acquirer *a, const struct acquirer_request *req,
                  struct acquirer_call *call);
    /* Ask what became of key; answer as for submit (op the operation found, DECLINED with
     * ACQUIRER_CODE_NO_RECORD when the acquirer never received it). */
    int (*lookup)(struct acquirer *a, const char *key, struct acquirer_call *call);
    /* The deadline passed (or the acquirer is freed): forget call, never answer it. */
    void (*abandon)(struct acquirer *a, struct acquirer_call *call);
    /* Free the module's state (every call has been abandoned before). */
    void (*free)(struct acquirer *a);
};

/* The part every module shares; a module embeds it first in its own struct. */
struct acquirer {
    const struct acquirer_ops *ops;
    struct event_base *base;
    uint32_t timeout_ms;         /* a call unanswered after this is UNKNOWN */
    struct acquirer_call *calls; /* in flight, owned here */
    uint32_t calls_count;
};

/* Start an authorization, capture, void or refund (req->op) on a's loop: done(ctx, result) comes
 * once, within timeout_ms (UNKNOWN past it). Errors, with done never called: -MDT_EINVAL (a bad
 * request: empty key, amount <= 0, AUTHORIZE without a card, others without auth_ref),
 * -MDT_EBUSY (ACQUIRER_INFLIGHT_MAX calls in flight), -MDT_ENOMEM, or the module's. Loop thread. */
int acquirer_submit(struct acquirer *a, const struct acquirer_request *req, acquirer_done_fn done,
                    void *ctx);

/* Ask what became of the operation sent under key (after an UNKNOWN, or after a restart):
 * done as for acquirer_submit. Loop thread. */
int acquirer_lookup(struct acquirer *a, const char *key, acquirer_done_fn done, void *ctx);

/* For modules: deliver the answer of call (which is then freed). Loop thread. */
void acquirer_call_answer(struct acquirer_call *call, const struct acquirer_result *res);

/* For modules: one pointer of the module's own per call (its pending answer), NULL at first. */
void **acquirer_call_priv(struct acquirer_call *call);

/* Free a and its module: calls in flight are abandoned, their done is NOT called. NULL allowed. */
void acquirer_free(struct acquirer *a);

/* The test acquirer's settings ([acquirer] kind = test). */
struct acquirer_test_config {
    uint32_t latency_ms; /* before each answer (0: on the next loop turn) */
    uint32_t timeout_ms; /* the deadline of every call, 1..ACQUIRER_TIMEOUT_MS_MAX */
    /* Its own journal, so that it remembers its answers across a restart of mandatd as a real
     * acquirer would (lookups after a crash): "" keeps them in memory only. No card data in it. */
    char state_path[512];
};

/* The built-in test acquirer on base (acquirer_test.c): test card numbers decide the answer
 * (see there). *out: acquirer_free. -MDT_EINVAL (bad config, err says which), -MDT_EIO (the
 * state file), -MDT_ENOMEM. */
int acquirer_test_open(struct event_base *base, const struct acquirer_test_config *cfg,
                       struct acquirer **out, struct mdt_err *err);

/* What the test acquirer answers to an authorization of pan valid through month/year at now_us:
 * APPROVED (4111111111111111, 5555555555554444), DECLINED with code (4000000000000002: 05,
 * 4000000000009995: 51, 4000000000000069 or a past expiry: 54, any other number: 14), or UNKNOWN
 * for 4000000000000119, which it approves but never answers in time. code gets two digits, or ""
 * for UNKNOWN. An approval needs a security code, except for a stored-credential authorization,
 * whose answer the amount's cents may decide instead (x.05: 05, x.51: 51, x.19: UNKNOWN).
 * Pure: the test acquirer's table, exposed for its unit tests. */
enum acquirer_outcome acquirer_test_decide(const char *pan, unsigned month, unsigned year,
                                           int64_t now_us, char code[ACQUIRER_CODE_LEN + 1]);

/* "approved", "declined", "unknown". */
const char *acquirer_outcome_name(enum acquirer_outcome o);
/* "authorize", "capture", "void", "refund", "lookup". */
const char *acquirer_op_name(enum acquirer_op op);

#endif
