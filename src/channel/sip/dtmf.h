/* SPDX-License-Identifier: Apache-2.0 */
/* Keypad presses on a call: in-band DTMF detected in the decoded 8 kHz audio (spandsp's
 * dtmf_rx), and a deduplicator that counts once a press a trunk reports by several paths (RFC
 * 4733 event, SIP INFO application/dtmf-relay, in-band tone) while keeping real repeats ("1"
 * pressed twice). No I/O; each object belongs to one call and one thread. */
#ifndef MDT_CHANNEL_SIP_DTMF_H
#define MDT_CHANNEL_SIP_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Where a key came from. */
enum dtmf_source {
    DTMF_SRC_RFC4733 = 0, /* telephone-event in RTP (RFC 4733) */
    DTMF_SRC_INFO = 1,    /* SIP INFO, application/dtmf-relay */
    DTMF_SRC_INBAND = 2,  /* tones in the audio */
};
#define DTMF_SOURCES 3

/* One key as a path reported it. at_ms is when the press began on the call's own clock (ms
 * since the call's media started), for every source alike: an RFC 4733 event's RTP timestamp /
 * 8, an in-band key's chunk start, an INFO's arrival. Each source's at_ms also names the press
 * within that source: the same key with the same at_ms from the same source is a retransmission
 * (RFC 4733 §2.5.1.4 repeats an event's end three times). */
struct dtmf_key {
    char key; /* '0'..'9', '*', '#', 'A'..'D' */
    enum dtmf_source source;
    uint64_t at_ms;
};

/* Whether c is a DTMF key: 0-9, *, #, A-D. */
bool dtmf_key_valid(char c);

/* ---- In-band detection. ---- */

/* Keys one dtmf_detector_feed call can report: a 20 ms packet holds at most one key start;
 * callers feeding longer chunks get up to this many, then *dropped counts the rest. */
#define DTMF_FEED_KEYS_MAX 16

struct dtmf_detector;

/* A detector for one call's audio (spandsp dtmf_rx with its defaults: -26 dBm0 threshold, 8 dB
 * twist, 4 dB reverse twist). *out is owned by the caller, freed with dtmf_detector_free.
 * Returns 0 or -MDT_ENOMEM. */
int dtmf_detector_new(struct dtmf_detector **out, struct mdt_err *err);

/* Frees d; NULL is a no-op. */
void dtmf_detector_free(struct dtmf_detector *d);

/* Feeds n samples of 8 kHz 16-bit linear audio (decoded G.711) that began at start_ms on the
 * call's clock. Keys whose tone was recognised during these samples are written to keys (at
 * most cap, in order; source DTMF_SRC_INBAND, at_ms = start_ms: detection lags the tone's start
 * by about 40 ms plus the chunk); the number written is returned. Keys beyond cap are counted in
 * *dropped (may be NULL). Any samples are valid input. */
size_t dtmf_detector_feed(struct dtmf_detector *d, const int16_t *pcm, size_t n, uint64_t start_ms,
                          struct dtmf_key *keys, size_t cap, size_t *dropped);

/* Tells d that n samples were lost (a gap in RTP), so that a tone spanning it is neither cut in
 * two keys nor joined wrongly (spandsp's dtmf_rx_fillin). */
void dtmf_detector_lost(struct dtmf_detector *d, size_t n);

/* The detector in the shape of sip.h's struct sip_inband, which runs it on the SIP thread over
 * each call's decoded audio:
 *     static const struct sip_inband inband = {dtmf_inband_open, dtmf_inband_feed,
 *                                              dtmf_inband_close, NULL};
 * open ignores ctx and returns a detector for one call (NULL when out of memory: that call gets
 * no in-band keys); feed writes the keys recognised in n samples as characters (at most
 * keys_max, the rest dropped) and returns how many; close frees it. The times of dtmf_key are
 * left to the caller: the loop stamps every key, whatever its path, when it receives it. */
void *dtmf_inband_open(void *ctx);
size_t dtmf_inband_feed(void *state, const int16_t *pcm, size_t n, char *keys, size_t keys_max);
void dtmf_inband_close(void *state);

/* ---- Deduplication across paths. ---- */

/* Presses remembered: enough for any burst a person can key within a window. */
#define DTMF_DEDUP_KEEP 32

/* Default window in which two paths' reports of one key are the same press: an INFO may arrive
 * at the start or the end of a 100-250 ms tone, and an in-band key is reported some 40-60 ms
 * after the tone starts. Real repeats are told apart by path, not by time (see below), so the
 * window may be wide. */
#define DTMF_DEDUP_WINDOW_MS 500

/* A call's deduplicator; plain data owned by the caller, set up with dtmf_dedup_init. */
struct dtmf_dedup {
    struct dtmf_press {
        char key;
        uint8_t sources;              /* bit per source that reported it */
        uint64_t at_ms[DTMF_SOURCES]; /* each source's at_ms for it */
    } presses[DTMF_DEDUP_KEEP];
    size_t n;
    uint32_t window_ms;
};

/* Starts d empty; window_ms 0 takes DTMF_DEDUP_WINDOW_MS. */
void dtmf_dedup_init(struct dtmf_dedup *d, uint32_t window_ms);

/* Whether k is a new press to act on (true), or another report of one already counted (false).
 * A report is the same press as an earlier one when it has the same key, its at_ms is within
 * the window of that press's, and that press was not yet reported by k's source: each path
 * reports each press once, so two reports by one path are two presses ("1" then "1"), and a
 * press two paths reported absorbs one report from the third at most. The same source with the
 * same key and at_ms is a retransmission (false). An invalid key is refused (false). */
bool dtmf_dedup_accept(struct dtmf_dedup *d, const struct dtmf_key *k);

#endif
