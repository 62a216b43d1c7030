/* SPDX-License-Identifier: Apache-2.0 */
/* The pure rules of webhook delivery: the retry schedule and the headers of a try. No libevent, no
 * clock, no randomness of their own: all passed in. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/id128.h"
#include "base/limits.h"
#include "channel/webhook/webhook_int.h"

void webhook_config_default(struct webhook_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout_s = 10;           /* merchants answer in milliseconds; 10 s covers a cold start */
    cfg->concurrency = 16;         /* a few per merchant at peak, without a thundering herd */
    cfg->merchant_concurrency = 4; /* a merchant that never answers holds a quarter of them */
    cfg->retry_min_s = 10;         /* 10 s, 20 s, 40 s ... 1 h */
    cfg->retry_period_s = 86400;   /* a day of outage at the merchant's, then failed */
}

int64_t webhook_backoff_us(uint32_t n, uint32_t retry_min_s, uint32_t rand32)
{
    uint64_t nominal_s = retry_min_s > 0 ? retry_min_s : 1;
    uint64_t nominal_us, jitter_us;

    MDT_ASSERT(n >= 1);
    /* Doubling stops once past the cap; 2^31 s would overflow nothing, but the cap comes first. */
    for (uint32_t i = 1; i < n && nominal_s < WEBHOOK_BACKOFF_MAX_S; i++) {
        nominal_s *= 2;
    }
    if (nominal_s > WEBHOOK_BACKOFF_MAX_S) {
        nominal_s = WEBHOOK_BACKOFF_MAX_S;
    }
    nominal_us = nominal_s * 1000000u;
    /* (nominal / 4) * rand / 2^32: below 9e8 * 4.3e9 = 3.9e18, inside 64 bits. */
    jitter_us = ((nominal_us / 4) * (uint64_t)rand32) >> 32;
    return (int64_t)(nominal_us - jitter_us);
}

enum webhook_outcome webhook_row_after_try(struct webhook_row *r, int status, int64_t now_us,
                                           uint32_t retry_min_s, uint32_t retry_period_s,
                                           uint32_t rand32)
{
    int64_t end_us = r->created_us + (int64_t)retry_period_s * 1000000;
    int64_t next_us;

    MDT_ASSERT(r->state == WEBHOOK_QUEUED);
    if (r->attempts < UINT32_MAX) {
        r->attempts++;
    }
    if (status >= 200 && status <= 299) {
        r->state = WEBHOOK_DELIVERED;
        r->next_try_us = now_us;
        return WEBHOOK_OUT_DELIVERED;
    }
    if (now_us >= end_us) {
        r->state = WEBHOOK_FAILED;
        r->next_try_us = now_us;
        return WEBHOOK_OUT_FAILED;
    }
    next_us = now_us + webhook_backoff_us(r->attempts, retry_min_s, rand32);
    r->next_try_us = next_us < end_us ? next_us : end_us;
    return WEBHOOK_OUT_RETRY;
}

enum webhook_outcome webhook_row_refuse(struct webhook_row *r, int64_t now_us)
{
    MDT_ASSERT(r->state == WEBHOOK_QUEUED);
    r->state = WEBHOOK_REFUSED;
    r->next_try_us = now_us;
    return WEBHOOK_OUT_REFUSED;
}

void webhook_headers_make(const struct webhook_row *r, int64_t t_s, const char *sig,
                          struct webhook_header out[WEBHOOK_HEADER_COUNT])
{
    char id[ID128_TEXT_MAX];
    size_t i = 0;

    id128_format(r->id, id);
    memset(out, 0, WEBHOOK_HEADER_COUNT * sizeof(*out));
    out[i].name = "Content-Type";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "application/json");
    out[i].name = "User-Agent";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "%s", WEBHOOK_USER_AGENT);
    out[i].name = "Mandat-Event-Id";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "%s", id);
    /* The scheme of Stripe-Signature: a timestamp, and a versioned list of signatures, so that
     * a v2 can be added beside v1 while merchants move over. */
    out[i].name = "Mandat-Signature";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "t=%lld,v1=%.64s", (long long)t_s, sig);
    MDT_ASSERT(i == WEBHOOK_HEADER_COUNT);
}

void webhook_text_safe(const char *in, char *out, size_t cap)
{
    size_t i = 0;

    MDT_ASSERT(cap > 0);
    for (; in[i] != '\0' && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];

        out[i] = (c < 0x21 || c > 0x7e) ? '?' : (char)c;
    }
    out[i] = '\0';
}
