/* SPDX-License-Identifier: Apache-2.0 */
/* What the issuer host's two files share (iso_host.c: memory, loading, rates; iso_host_decide.c:
 * the decisions). Not for use outside src/dialog/iso_host*.c. */
#ifndef MDT_DIALOG_ISO_HOST_INT_H
#define MDT_DIALOG_ISO_HOST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/index.h"
#include "dialog/iso_host.h"

/* What the host remembers of an original transaction (acquirer, terminal, RRN). */
struct host_orig {
    char orig[STORE_ISO_ORIG_MAX];
    uint64_t card_account;
    struct id128 hold_id;
    int64_t amount_minor, posted_minor, cash_minor;
    int32_t cash_day;
    int64_t expires_us; /* a held original's hold expires then (its request's time + expiry) */
    uint16_t state;     /* enum iso_orig_state */
    bool busy;          /* a request of it is being decided */
};

/* A card's PIN and its cash today. */
struct host_card {
    uint64_t account;
    struct card_pin_row pin;
    bool has_pin;
    int32_t cash_day;
    int64_t cash_minor;
};

struct iso_host {
    struct iso_host_config cfg;
    struct dialog *dialog;
    struct card_vault *cards;
    const struct vault *vault;
    struct iso_request_row *reqs;
    size_t req_count, req_cap;
    struct index req_ix;
    struct index trace_ix; /* requests by iso_host_trace of their key (field 90 names them) */
    struct host_orig *origs;
    size_t orig_count, orig_cap;
    struct index orig_ix;
    struct host_card *hcards;
    size_t hcard_count, hcard_cap;
    struct index hcard_ix;
    struct fx_rate_row *rates; /* by currency, then effective_us */
    size_t rate_count, rate_cap;
};

/* Days since the epoch (UTC) of a time in microseconds: the cash limit's window. */
int32_t iso_host_day(int64_t us);
/* The answered request of key, or NULL. */
const struct iso_request_row *iso_host_req_find(struct iso_host *h, const char *key);
/* The answered request whose acquirer, STAN and transmission time make trace, or NULL. */
const struct iso_request_row *iso_host_req_by_trace(struct iso_host *h, const char *trace);
/* Record the answer of a request in memory (a retransmission gets it). */
void iso_host_req_put(struct iso_host *h, const struct iso_request_row *r);
/* The original orig, added (empty) when add is set; NULL otherwise when unknown. */
struct host_orig *iso_host_orig_get(struct iso_host *h, const char *orig, bool add);
/* The card's PIN and cash, added empty when unknown. */
struct host_card *iso_host_card(struct iso_host *h, uint64_t account);
/* A durable request row into memory, with cash_delta added to its card's cash today. */
void iso_host_row_apply(struct iso_host *h, const struct iso_request_row *r, int64_t cash_delta);
/* dst = src cut to cap - 1 bytes, NUL-terminated: snprintf's "%s" without its cost (a few
 * per request; snprintf was 3 % of the loop at 20 000 requests per second). */
void iso_host_copy(char *dst, size_t cap, const char *src);

#endif
