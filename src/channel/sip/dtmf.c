/* SPDX-License-Identifier: Apache-2.0 */
/* In-band DTMF detection with spandsp and deduplication across the keypad's paths (dtmf.h). */
#include "channel/sip/dtmf.h"

#include <spandsp.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"

/* Samples per dtmf_rx call: 10 ms, so that each key gets the time of the 10 ms in which it was
 * recognised, and two keys in one long chunk never share a time. */
#define FEED_STEP 80
#define SAMPLES_PER_MS 8

struct dtmf_detector {
    dtmf_rx_state_t *rx;
    /* Where dtmf_rx's callback puts keys during one dtmf_detector_feed. */
    struct dtmf_key *keys;
    size_t cap;
    size_t found;
    size_t dropped;
    uint64_t step_ms;
};

bool dtmf_key_valid(char c)
{
    return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

/* spandsp's digit callback, called from inside dtmf_rx. */
static void digits_cb(void *user, const char *digits, int len)
{
    struct dtmf_detector *d = user;

    for (int i = 0; i < len; i++) {
        if (!dtmf_key_valid(digits[i])) {
            continue;
        }
        if (d->found < d->cap) {
            d->keys[d->found++] =
                (struct dtmf_key){.key = digits[i], .source = DTMF_SRC_INBAND, .at_ms = d->step_ms};
        } else {
            d->dropped++;
        }
    }
}

int dtmf_detector_new(struct dtmf_detector **out, struct mdt_err *err)
{
    struct dtmf_detector *d = calloc(1, sizeof(*d));

    *out = NULL;
    if (d == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "no memory for a DTMF detector");
    }
    d->rx = dtmf_rx_init(NULL, digits_cb, d);
    if (d->rx == NULL) {
        free(d);
        return mdt_err_set(err, MDT_E(NOMEM), "no memory for a DTMF detector");
    }
    *out = d;
    return 0;
}

void dtmf_detector_free(struct dtmf_detector *d)
{
    if (d == NULL) {
        return;
    }
    dtmf_rx_free(d->rx);
    free(d);
}

size_t dtmf_detector_feed(struct dtmf_detector *d, const int16_t *pcm, size_t n, uint64_t start_ms,
                          struct dtmf_key *keys, size_t cap, size_t *dropped)
{
    d->keys = keys;
    d->cap = keys != NULL ? cap : 0;
    d->found = 0;
    d->dropped = 0;
    for (size_t at = 0; at < n; at += FEED_STEP) {
        size_t step = n - at < FEED_STEP ? n - at : FEED_STEP;

        d->step_ms = start_ms + at / SAMPLES_PER_MS;
        dtmf_rx(d->rx, pcm + at, (int)step);
    }
    if (dropped != NULL) {
        *dropped = d->dropped;
    }
    d->keys = NULL;
    d->cap = 0;
    return d->found;
}

void dtmf_detector_lost(struct dtmf_detector *d, size_t n)
{
    /* dtmf_rx_fillin takes an int: a gap longer than that is many hours of audio. */
    dtmf_rx_fillin(d->rx, n > (size_t)INT32_MAX ? INT32_MAX : (int)n);
}

void *dtmf_inband_open(void *ctx)
{
    struct dtmf_detector *d = NULL;

    (void)ctx;
    return dtmf_detector_new(&d, NULL) == 0 ? d : NULL;
}

size_t dtmf_inband_feed(void *state, const int16_t *pcm, size_t n, char *keys, size_t keys_max)
{
    struct dtmf_key found[DTMF_FEED_KEYS_MAX];
    size_t k = dtmf_detector_feed(state, pcm, n, 0, found, DTMF_FEED_KEYS_MAX, NULL);
    size_t out = k < keys_max ? k : keys_max;

    for (size_t i = 0; i < out; i++) {
        keys[i] = found[i].key;
    }
    return out;
}

void dtmf_inband_close(void *state)
{
    dtmf_detector_free(state);
}

void dtmf_dedup_init(struct dtmf_dedup *d, uint32_t window_ms)
{
    memset(d, 0, sizeof(*d));
    d->window_ms = window_ms != 0 ? window_ms : DTMF_DEDUP_WINDOW_MS;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* The first press this report repeats: same key, not yet reported by its source, within the
 * window of the time of the first report. Oldest first, so that "1" "1" keyed on two paths pair
 * up in order. */
static struct dtmf_press *press_match(struct dtmf_dedup *d, const struct dtmf_key *k)
{
    uint8_t bit = (uint8_t)(1u << k->source);

    for (size_t i = 0; i < d->n; i++) {
        struct dtmf_press *p = &d->presses[i];
        uint64_t first = UINT64_MAX;

        if (p->key != k->key || (p->sources & bit) != 0) {
            continue;
        }
        for (unsigned s = 0; s < DTMF_SOURCES; s++) {
            if ((p->sources & (1u << s)) != 0 && p->at_ms[s] < first) {
                first = p->at_ms[s];
            }
        }
        if (distance(first, k->at_ms) <= d->window_ms) {
            return p;
        }
    }
    return NULL;
}

static bool retransmitted(const struct dtmf_dedup *d, const struct dtmf_key *k)
{
    uint8_t bit = (uint8_t)(1u << k->source);

    for (size_t i = 0; i < d->n; i++) {
        const struct dtmf_press *p = &d->presses[i];

        if (p->key == k->key && (p->sources & bit) != 0 && p->at_ms[k->source] == k->at_ms) {
            return true;
        }
    }
    return false;
}

bool dtmf_dedup_accept(struct dtmf_dedup *d, const struct dtmf_key *k)
{
    struct dtmf_press *p;

    if (!dtmf_key_valid(k->key) || (unsigned)k->source >= DTMF_SOURCES) {
        return false;
    }
    if (retransmitted(d, k)) {
        return false;
    }
    p = press_match(d, k);
    if (p != NULL) {
        p->sources |= (uint8_t)(1u << k->source);
        p->at_ms[k->source] = k->at_ms;
        return false;
    }
    /* A new press; the oldest is forgotten when the memory is full. */
    if (d->n == DTMF_DEDUP_KEEP) {
        memmove(&d->presses[0], &d->presses[1], sizeof(d->presses[0]) * (DTMF_DEDUP_KEEP - 1));
        d->n--;
    }
    p = &d->presses[d->n++];
    memset(p, 0, sizeof(*p));
    p->key = k->key;
    p->sources = (uint8_t)(1u << k->source);
    p->at_ms[k->source] = k->at_ms;
    MDT_ASSERT(d->n <= DTMF_DEDUP_KEEP);
    return true;
}
