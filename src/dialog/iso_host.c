/* SPDX-License-Identifier: Apache-2.0 */
/* The issuer host's decisions (issue 15): card checks, PIN, currency and the day's cash limit
 * on the loop thread before the ledger; funds, holds, posts and refunds by the ledger; the
 * answer and the request's row by the hook, in the same commit as the money. See iso_host.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/hash.h"
#include "base/index.h"
#include "base/log.h"
#include "base/mem.h"
#include "dialog/card_input.h"
#include "dialog/dialog_int.h"
#include "dialog/iso_host.h"
#include "dialog/iso_host_int.h"
#include "vault/card_vault.h"

static uint64_t str_hash(const char *s)
{
    return hash_fnv1a(HASH_FNV1A_SEED, s, strlen(s));
}

int32_t iso_host_day(int64_t us)
{
    return (int32_t)(us / (86400LL * 1000000));
}

/* ---- memory: requests, originals, cards ---- */

static struct iso_request_row *req_find(struct iso_host *h, const char *key)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&h->req_ix, str_hash(key), &pos); v != 0;
         v = index_find_next(&h->req_ix, &pos)) {
        if (strcmp(h->reqs[v - 1].key, key) == 0) {
            return &h->reqs[v - 1];
        }
    }
    return NULL;
}

const struct iso_request_row *iso_host_req_find(struct iso_host *h, const char *key)
{
    return req_find(h, key);
}

/* The trace of a request's key (iso_host_key): its acquirer and STAN, the second and third
 * parts, and its time, the last (the terminal before it may hold a '|'). "" when absent. */
static void trace_of_key(const char *key, char out[STORE_ISO_ORIG_MAX])
{
    char acq[12] = "", stan[7] = "";
    const char *p = strchr(key, '|');
    const char *q = p != NULL ? strchr(p + 1, '|') : NULL;
    const char *r = q != NULL ? strchr(q + 1, '|') : NULL;
    const char *time = strrchr(key, '|');

    out[0] = '\0';
    if (r == NULL || time == r) {
        return;
    }
    snprintf(acq, sizeof(acq), "%.*s", (int)(q - p - 1), p + 1);
    snprintf(stan, sizeof(stan), "%.*s", (int)(r - q - 1), q + 1);
    iso_host_trace(acq, stan, time + 1, out);
}

const struct iso_request_row *iso_host_req_by_trace(struct iso_host *h, const char *trace)
{
    struct index_pos pos;
    char t[STORE_ISO_ORIG_MAX];

    for (uint32_t v = index_find(&h->trace_ix, str_hash(trace), &pos); v != 0;
         v = index_find_next(&h->trace_ix, &pos)) {
        trace_of_key(h->reqs[v - 1].key, t);
        if (strcmp(t, trace) == 0) {
            return &h->reqs[v - 1];
        }
    }
    return NULL;
}

/* Index request i (0-based) by its trace, when it has one. */
static void trace_put(struct iso_host *h, size_t i)
{
    char t[STORE_ISO_ORIG_MAX];

    trace_of_key(h->reqs[i].key, t);
    if (t[0] != '\0' && index_put(&h->trace_ix, str_hash(t), (uint32_t)(i + 1)) < 0) {
        MDT_ASSERT(!"iso host: trace index full");
    }
}

void iso_host_req_put(struct iso_host *h, const struct iso_request_row *r)
{
    struct iso_request_row *k = req_find(h, r->key);

    if (k != NULL) {
        *k = *r;
        return;
    }
    mem_grow((void **)&h->reqs, &h->req_cap, h->req_count + 1, sizeof(*h->reqs));
    h->reqs[h->req_count++] = *r;
    if (index_put(&h->req_ix, str_hash(r->key), (uint32_t)h->req_count) < 0) {
        MDT_ASSERT(!"iso host: request index full");
    }
    trace_put(h, h->req_count - 1);
}

struct host_orig *iso_host_orig_get(struct iso_host *h, const char *orig, bool add)
{
    struct index_pos pos;
    struct host_orig *o;

    for (uint32_t v = index_find(&h->orig_ix, str_hash(orig), &pos); v != 0;
         v = index_find_next(&h->orig_ix, &pos)) {
        if (strcmp(h->origs[v - 1].orig, orig) == 0) {
            return &h->origs[v - 1];
        }
    }
    if (!add) {
        return NULL;
    }
    mem_grow((void **)&h->origs, &h->orig_cap, h->orig_count + 1, sizeof(*h->origs));
    o = &h->origs[h->orig_count++];
    memset(o, 0, sizeof(*o));
    iso_host_copy(o->orig, sizeof(o->orig), orig);
    if (index_put(&h->orig_ix, str_hash(orig), (uint32_t)h->orig_count) < 0) {
        MDT_ASSERT(!"iso host: original index full");
    }
    return o;
}

struct host_card *iso_host_card(struct iso_host *h, uint64_t account)
{
    struct index_pos pos;
    uint64_t hash = hash_fnv1a(HASH_FNV1A_SEED, &account, sizeof(account));
    struct host_card *c;

    for (uint32_t v = index_find(&h->hcard_ix, hash, &pos); v != 0;
         v = index_find_next(&h->hcard_ix, &pos)) {
        if (h->hcards[v - 1].account == account) {
            return &h->hcards[v - 1];
        }
    }
    mem_grow((void **)&h->hcards, &h->hcard_cap, h->hcard_count + 1, sizeof(*h->hcards));
    c = &h->hcards[h->hcard_count++];
    memset(c, 0, sizeof(*c));
    c->account = account;
    if (index_put(&h->hcard_ix, hash, (uint32_t)h->hcard_count) < 0) {
        MDT_ASSERT(!"iso host: card index full");
    }
    return c;
}

/* The card's cash today, after adding delta (which may be negative). */
static void cash_add(struct iso_host *h, uint64_t account, int32_t day, int64_t delta)
{
    struct host_card *c = iso_host_card(h, account);

    if (c->cash_day != day) {
        if (day < c->cash_day) {
            return; /* a reversal of another day's cash: that day is over */
        }
        c->cash_day = day;
        c->cash_minor = 0;
    }
    c->cash_minor += delta;
    if (c->cash_minor < 0) {
        c->cash_minor = 0;
    }
}

/* Apply a durable request row to memory: the answer for retransmissions, its original's state,
 * the day's cash. Loop thread (and at load). */
void iso_host_row_apply(struct iso_host *h, const struct iso_request_row *r, int64_t cash_delta)
{
    struct host_orig *o = iso_host_orig_get(h, r->orig, true);

    iso_host_req_put(h, r);
    if (r->state != ISO_ORIG_NONE || o->state == ISO_ORIG_NONE) {
        if (!id128_is_zero(r->hold_id)) {
            o->hold_id = r->hold_id;
        }
        if (r->card_account != 0) {
            o->card_account = r->card_account;
        }
        if (r->state == ISO_ORIG_HELD || (r->state == ISO_ORIG_POSTED && o->amount_minor == 0)) {
            o->amount_minor = r->amount_minor;
            o->cash_day = iso_host_day(r->created_us);
        }
        if (r->state == ISO_ORIG_HELD) {
            o->expires_us = r->created_us + (int64_t)h->cfg.hold_timeout_s * 1000000;
        }
        if (r->state == ISO_ORIG_POSTED) {
            o->posted_minor = r->posted_minor;
        }
        o->state = r->state;
    }
    if (cash_delta > 0) {
        o->cash_minor += cash_delta;
        o->cash_day = iso_host_day(r->created_us);
    }
    if (cash_delta != 0 && o->card_account != 0) {
        cash_add(h, o->card_account, o->cash_day, cash_delta);
    }
    if (cash_delta < 0) {
        o->cash_minor = 0;
    }
}

/* ---- loading ---- */

static int iso_request_loaded(void *ctx, const struct iso_request_row *r)
{
    struct iso_host *h = ctx;
    struct host_orig *o = iso_host_orig_get(h, r->orig, false);
    int64_t delta = 0;

    /* Cash counts when it was approved, and stops counting when reversed. */
    if (r->state == ISO_ORIG_VOIDED || r->state == ISO_ORIG_REFUNDED) {
        delta = o != NULL ? -o->cash_minor : 0;
    } else if (strcmp(r->code, ISO_RC_APPROVED) == 0) {
        delta = r->cash_minor;
    }
    iso_host_row_apply(h, r, delta);
    return 0;
}

int iso_host_pin_loaded(void *ctx, const struct card_pin_row *r)
{
    struct iso_host *h = ctx;
    struct host_card *c = iso_host_card(h, r->account_id);

    /* A reread keeps what this process wrote since: the newer row wins. */
    if (!c->has_pin || r->updated_us > c->pin.updated_us) {
        c->pin = *r;
        c->has_pin = true;
    }
    return 0;
}

int iso_host_rate_loaded(void *ctx, const struct fx_rate_row *r)
{
    struct iso_host *h = ctx;
    size_t i = 0;

    while (i < h->rate_count && (strcmp(h->rates[i].currency, r->currency) < 0 ||
                                 (strcmp(h->rates[i].currency, r->currency) == 0 &&
                                  h->rates[i].effective_us < r->effective_us))) {
        i++;
    }
    if (i < h->rate_count && strcmp(h->rates[i].currency, r->currency) == 0 &&
        h->rates[i].effective_us == r->effective_us) {
        h->rates[i] = *r;
        return 0;
    }
    mem_grow((void **)&h->rates, &h->rate_cap, h->rate_count + 1, sizeof(*h->rates));
    memmove(&h->rates[i + 1], &h->rates[i], (h->rate_count - i) * sizeof(*h->rates));
    h->rates[i] = *r;
    h->rate_count++;
    return 0;
}

const struct store_channel_fns *iso_host_channel_fns(void)
{
    static const struct store_channel_fns fns = {.iso_request = iso_request_loaded,
                                                 .card_pin = iso_host_pin_loaded,
                                                 .fx_rate = iso_host_rate_loaded};
    return &fns;
}

int iso_host_create(const struct iso_host_config *cfg, struct dialog *dialog,
                    struct card_vault *cards, const struct vault *v, struct iso_host **out)
{
    struct iso_host *h;

    *out = NULL;
    if (cfg->currency == NULL || cfg->bank_account == 0 || cfg->hold_timeout_s == 0) {
        return -MDT_EINVAL;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return -MDT_ENOMEM;
    }
    h->cfg = *cfg;
    h->dialog = dialog;
    h->cards = cards;
    h->vault = v;
    if (index_init(&h->req_ix, INDEX_ENTRIES_MAX) < 0 ||
        index_init(&h->trace_ix, INDEX_ENTRIES_MAX) < 0 ||
        index_init(&h->orig_ix, INDEX_ENTRIES_MAX) < 0 ||
        index_init(&h->hcard_ix, INDEX_ENTRIES_MAX) < 0) {
        iso_host_free(h);
        return -MDT_ENOMEM;
    }
    *out = h;
    return 0;
}

/* Rebuild the request and original indexes after the arrays were compacted. */
static void prune_reindex(struct iso_host *h)
{
    index_clear(&h->req_ix);
    index_clear(&h->trace_ix);
    index_clear(&h->orig_ix);
    for (size_t i = 0; i < h->req_count; i++) {
        if (index_put(&h->req_ix, str_hash(h->reqs[i].key), (uint32_t)(i + 1)) < 0) {
            MDT_ASSERT(!"iso host: request index full");
        }
        trace_put(h, i);
    }
    for (size_t i = 0; i < h->orig_count; i++) {
        if (index_put(&h->orig_ix, str_hash(h->origs[i].orig), (uint32_t)(i + 1)) < 0) {
            MDT_ASSERT(!"iso host: original index full");
        }
    }
}

size_t iso_host_prune(struct iso_host *h, int64_t now_us)
{
    int64_t before = now_us - ((int64_t)h->cfg.hold_timeout_s + 86400) * 1000000;
    size_t kept = 0, origs_kept = 0, pruned;
    bool *used;

    for (size_t i = 0; i < h->req_count; i++) {
        if (h->reqs[i].updated_us >= before) {
            h->reqs[kept++] = h->reqs[i];
        }
    }
    pruned = h->req_count - kept;
    if (pruned == 0) {
        return 0;
    }
    /* An original stays while a kept request names it or one of its requests is in the
     * engine; the index still finds them by their old places until prune_reindex. */
    used = calloc(h->orig_count + 1, sizeof(*used));
    if (used == NULL) {
        h->req_count = kept; /* the originals stay: more memory, never a wrong answer */
        prune_reindex(h);
        return pruned;
    }
    for (size_t i = 0; i < kept; i++) {
        struct host_orig *o = iso_host_orig_get(h, h->reqs[i].orig, false);
        if (o != NULL) {
            used[o - h->origs] = true;
        }
    }
    for (size_t i = 0; i < h->orig_count; i++) {
        if (used[i] || h->origs[i].busy) {
            h->origs[origs_kept++] = h->origs[i];
        }
    }
    free(used);
    h->req_count = kept;
    h->orig_count = origs_kept;
    prune_reindex(h);
    return pruned;
}

void iso_host_free(struct iso_host *h)
{
    if (h == NULL) {
        return;
    }
    index_free(&h->req_ix);
    index_free(&h->trace_ix);
    index_free(&h->orig_ix);
    index_free(&h->hcard_ix);
    free(h->reqs);
    free(h->origs);
    vault_wipe(h->hcards, h->hcard_cap * sizeof(*h->hcards));
    free(h->hcards);
    free(h->rates);
    free(h);
}

/* ---- keys, currencies, rates ---- */

void iso_host_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* At most max bytes of s (up to its NUL) at at, then sep unless it is '\0'; where they end. */
static char *put(char *at, const char *s, size_t max, char sep)
{
    size_t n = strnlen(s, max);

    memcpy(at, s, n);
    at += n;
    if (sep != '\0') {
        *at++ = sep;
    }
    return at;
}

/* The fields' widths add up to less than the buffers: nothing is ever cut. */
_Static_assert(3 + 1 + 11 + 1 + 6 + 1 + 12 + 1 + 8 + 1 + 10 < STORE_ISO_KEY_MAX, "key fits");
_Static_assert(11 + 1 + 8 + 1 + 12 < STORE_ISO_ORIG_MAX, "original's key fits");

/* "%.2s%c|%.11s|%.6s|%.12s|%.8s|%.10s" written by hand: once per request, where snprintf cost
 * more than the lookup the key is for. */
void iso_host_key(const char *mti, const char *acq, const char *stan, const char *rrn,
                  const char *term, const char *time, char out[STORE_ISO_KEY_MAX])
{
    char *at = put(out, mti, 2, '\0');

    /* The message class (010, 020, 022, 040, 042...): a repeat (0101) is its original's. */
    *at++ = mti[2] == '\0' ? '0' : mti[2];
    *at++ = '|';
    at = put(at, acq, 11, '|');
    at = put(at, stan, 6, '|');
    at = put(at, rrn, 12, '|');
    at = put(at, term, 8, '|');
    at = put(at, time, 10, '\0');
    *at = '\0';
}

/* "%.11s|%.8s|%.12s", by hand as iso_host_key. */
void iso_host_orig(const char *acq, const char *term, const char *rrn, char out[STORE_ISO_ORIG_MAX])
{
    char *at = put(out, acq, 11, '|');

    at = put(at, term, 8, '|');
    at = put(at, rrn, 12, '\0');
    *at = '\0';
}

void iso_host_trace(const char *acq, const char *stan, const char *time,
                    char out[STORE_ISO_ORIG_MAX])
{
    while (*acq == '0') {
        acq++; /* field 90 pads the acquirer to 11 digits, field 32 does not */
    }
    out[0] = '\0';
    if (stan[0] != '\0' && time[0] != '\0') {
        snprintf(out, STORE_ISO_ORIG_MAX, "%.11s|%.6s|%.10s", acq, stan, time);
    }
}

const struct currency *iso_host_currency_numeric(const char *digits)
{
    /* The currencies of mandat's corridors (money.c knows them by their letters). */
    static const char *const codes[] = {"EUR", "MAD", "USD", "GBP", "CHF", "TND", "DZD",
                                        "XOF", "XAF", "CAD", "SEK", "NOK", "DKK", "JPY",
                                        "TRY", "EGP", "SAR", "AED", "CNY", "PLN"};
    unsigned n = 0;

    if (digits == NULL || strlen(digits) != 3 || strspn(digits, "0123456789") != 3) {
        return NULL;
    }
    n = (unsigned)((digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0'));
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const struct currency *c = currency_find(codes[i]);

        if (c != NULL && c->numeric == n) {
            return c;
        }
    }
    return NULL;
}

int iso_host_rate_parse(const char *text, int64_t *rate_micro)
{
    int64_t v = 0;
    int decimals = -1;
    size_t digits = 0;

    for (const char *p = text; *p != '\0'; p++) {
        if ((*p == '.' || *p == ',') && decimals < 0) {
            decimals = 0;
        } else if (*p >= '0' && *p <= '9' && decimals < 6 && digits < 15) {
            v = v * 10 + (*p - '0');
            digits++;
            decimals += decimals >= 0 ? 1 : 0;
        } else {
            return -MDT_EINVAL;
        }
    }
    for (int d = decimals < 0 ? 0 : decimals; d < 6; d++) {
        v *= 10;
    }
    if (digits == 0 || v <= 0 || v > 1000000000LL * 1000000) {
        return -MDT_EINVAL;
    }
    *rate_micro = v;
    return 0;
}

static int64_t pow10_i(unsigned e)
{
    int64_t p = 1;

    while (e-- > 0) {
        p *= 10;
    }
    return p;
}

int iso_host_convert(const struct iso_host *h, const struct currency *from, int64_t amount_minor,
                     int64_t now_us, int64_t *out)
{
    const struct fx_rate_row *best = NULL;
    __int128 num, den;

    if (from == h->cfg.currency) {
        *out = amount_minor;
        return 0;
    }
    for (size_t i = 0; i < h->rate_count; i++) {
        if (strcmp(h->rates[i].currency, from->code) == 0 && h->rates[i].effective_us <= now_us) {
            best = &h->rates[i]; /* sorted by effective date: the last one in force */
        }
    }
    if (best == NULL) {
        return -MDT_ENOTFOUND;
    }
    /* card = amount / 10^e_from / (rate/10^6) * 10^e_card, rounded half up. */
    num = (__int128)amount_minor * 1000000 * pow10_i(h->cfg.currency->exponent);
    den = (__int128)best->rate_micro * pow10_i(from->exponent);
    *out = (int64_t)((num * 2 + den) / (den * 2));
    return 0;
}
