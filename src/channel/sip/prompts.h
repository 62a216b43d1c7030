/* SPDX-License-Identifier: Apache-2.0 */
/* Spoken prompts for the phone channel: texts synthesised with espeak-ng in French or English,
 * converted from its 22050 Hz to 8 kHz, encoded in G.711 A-law and µ-law, and kept in a bounded
 * in-memory cache keyed by (language, text), so that each is synthesised once.
 *
 * Threads: espeak-ng keeps global state and is not thread-safe. There is at most one struct
 * prompts per process (a second prompts_new is -MDT_EBUSY), and it is owned by one thread: the
 * one that created it, or the last to call prompts_adopt. Every other call must come from that
 * thread (asserted). In mandatd that is the SIP thread, which streams the returned buffers;
 * synthesis takes tens of milliseconds per phrase, so fixed prompts are synthesised at start
 * and a spoken amount once per call, not per packet. */
#ifndef MDT_CHANNEL_SIP_PROMPTS_H
#define MDT_CHANNEL_SIP_PROMPTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/money.h"
#include "channel/sip/g711.h"

/* The telephone's sample rate: G.711 is 8 kHz, 8000 bytes a second. */
#define PROMPTS_RATE_HZ 8000

/* Bytes of one text to speak: the longest prompt is a few sentences. */
#define PROMPTS_TEXT_MAX 1024

/* Seconds of audio one text may give: the capture buffer at 22050 Hz (1.3 MB) is allocated
 * once at start; a longer prompt is refused rather than grown. */
#define PROMPTS_SECONDS_MAX 30

/* Default bounds of the cache: 256 prompts, 16 MB of audio (both codecs: 2 bytes per 8 kHz
 * sample, about 17 minutes of speech), far beyond the menu's fixed prompts and a few hundred
 * calls' amounts. */
#define PROMPTS_ENTRIES_MAX 256
#define PROMPTS_BYTES_MAX (16u * 1024u * 1024u)

struct prompts;

/* Options of prompts_new; zero fields take the defaults. */
struct prompts_config {
    const char *data_path; /* espeak-ng-data's parent, NULL for the system's */
    unsigned rate_wpm;     /* speaking rate, words per minute: 150 by default */
    size_t entries_max;    /* cache bounds: PROMPTS_ENTRIES_MAX, PROMPTS_BYTES_MAX */
    size_t bytes_max;
};

/* Counters of the cache, for metrics and tests. */
struct prompts_stats {
    uint64_t hits;      /* prompts_get answered from the cache */
    uint64_t synths;    /* texts synthesised */
    uint64_t evictions; /* unpinned prompts dropped for room */
    size_t entries;     /* prompts held now */
    size_t bytes;       /* their audio and texts */
};

/* Starts espeak-ng (synchronous output) the first time, checks that the French and English voices
 * exist and prepares the resampler. cfg may be NULL. On success *out is owned by the caller and
 * freed with prompts_free; the calling thread owns it. Returns 0, -MDT_EBUSY (another struct
 * prompts exists), -MDT_ENOTFOUND (espeak-ng's data or a voice missing), -MDT_ENOMEM. */
int prompts_new(const struct prompts_config *cfg, struct prompts **out, struct mdt_err *err);

/* Frees every prompt; buffers returned by prompts_get die with it. espeak-ng itself stays
 * loaded until the process exits (its 1.51 cannot be stopped and started again), so a later
 * prompts_new is cheap. NULL is a no-op. From the owning thread. */
void prompts_free(struct prompts *p);

/* Makes the calling thread the owner of p, when the one that made it hands it over (mandatd
 * makes it at start, then gives it to the SIP thread). The caller orders the hand-over (a
 * thread start or a queue), as for any object. */
void prompts_adopt(struct prompts *p);

/* The prompt for text in lang, encoded in codec: synthesised on first use, then from the cache.
 * *buf (len bytes, 8000 a second) is owned by p and stays valid, its entry pinned against
 * eviction, until prompts_release(p, *buf); a prompt meant to live as long as p (the menu) may
 * simply never be released. text: UTF-8, 1..PROMPTS_TEXT_MAX-1 bytes, spoken as written (not
 * SSML). Returns 0, -MDT_EINVAL (NULL, empty text, unknown language or codec), -MDT_ERANGE
 * (text too long, speech longer than PROMPTS_SECONDS_MAX), -MDT_EFULL (every cached prompt is
 * pinned and there is no room), -MDT_EIO (espeak-ng failed), -MDT_ENOMEM. */
int prompts_get(struct prompts *p, enum lang lang, const char *text, enum g711_codec codec,
                const uint8_t **buf, size_t *len, struct mdt_err *err);

/* Unpins the prompt whose buffer prompts_get returned (either codec's); it may then be evicted.
 * A buffer p does not know is a programmer error (asserted). */
void prompts_release(struct prompts *p, const uint8_t *buf);

/* Several pieces spoken one after the other ("Vous allez payer" + a spoken amount), with gap_ms
 * of silence between them, written into out (cap bytes, caller-owned); *len gets the bytes
 * written. Each piece is cached as prompts_get would. Returns 0, the errors of prompts_get, or
 * -MDT_ERANGE when out is too small (nothing useful is in out then). */
int prompts_join(struct prompts *p, enum lang lang, const char *const *texts, size_t n,
                 unsigned gap_ms, enum g711_codec codec, uint8_t *out, size_t cap, size_t *len,
                 struct mdt_err *err);

/* The cache's counters. */
void prompts_stats_get(const struct prompts *p, struct prompts_stats *stats);

#endif
