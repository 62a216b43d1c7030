/* SPDX-License-Identifier: Apache-2.0 */
/* Speech off the loop thread (issue 14): one worker thread owns the struct prompts (espeak-ng,
 * which is not thread-safe, the resampler and the cache) and synthesises what the loop asks,
 * from a bounded queue; each result comes back to the loop through an eventfd that libevent
 * polls, as the SIP thread's events do. A read-back's new pieces take tens of milliseconds of
 * espeak-ng: on the loop they held up every SMPP, HTTP and ISO 8583 link for that long.
 *
 * Threads: speech_start, speech_get, speech_say, speech_cancel and speech_free are called from
 * the loop thread (the one whose event_base was given); the done callback runs there too. Only
 * the worker touches espeak-ng, from its first call (the start) to the last. */
#ifndef MDT_CHANNEL_SIP_SPEECH_H
#define MDT_CHANNEL_SIP_SPEECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/money.h"
#include "channel/sip/g711.h"
#include "channel/sip/prompts.h"

struct event_base;
struct speech;

/* Pieces of one read-back, at most, and their text in bytes (all pieces with their NULs). */
#define SPEECH_PIECES_MAX 16
#define SPEECH_TEXT_MAX PROMPTS_TEXT_MAX

/* A read-back synthesised: on the loop, once per speech_say that was not cancelled. audio (len
 * bytes of codec) is the worker's and lives until the callback returns: the channel copies it
 * (sip_call_play). rc: 0, or prompts_join's error (err.msg says why; audio NULL). */
struct speech_done {
    uint64_t id;
    int rc;
    struct mdt_err err;
    const uint8_t *audio;
    size_t len;
    int64_t queued_us; /* from speech_say to the worker taking it */
    int64_t spoken_us; /* the worker's synthesis and join */
};
typedef void (*speech_done_fn)(void *ctx, const struct speech_done *d);

/* Starts the worker on base's loop: it creates the prompts (cfg may be NULL: prompts_new's
 * defaults) and the call waits for that to end. queue_max (> 0) bounds the read-backs queued
 * or being delivered. done(ctx, ...) gets each result on the loop. On success *out is the
 * caller's, freed with speech_free. Errors: prompts_new's (-MDT_ENOTFOUND without espeak-ng's
 * data, -MDT_EBUSY), -MDT_EINVAL, -MDT_ENOMEM, -MDT_EIO (no thread or eventfd). */
int speech_start(struct event_base *base, const struct prompts_config *cfg, size_t queue_max,
                 speech_done_fn done, void *ctx, struct speech **out, struct mdt_err *err);

/* Stops the worker (the read-back it is synthesising is finished, the queued ones dropped, no
 * callback runs), frees the prompts and every buffer speech_get gave. NULL is a no-op. */
void speech_free(struct speech *s);

/* The prompt for text in lang and codec, synthesised by the worker while the loop waits (for
 * the fixed prompts, at start: a second or two for all of them), then kept for the life of s:
 * *buf (len bytes) is the cache's, pinned, never changed, readable from the loop until
 * speech_free. Errors: prompts_get's. */
int speech_get(struct speech *s, enum lang lang, const char *text, enum g711_codec codec,
               const uint8_t **buf, size_t *len, struct mdt_err *err);

/* Queues a read-back: pieces[0..n) in lang (each cached as prompts_get would), joined with
 * gap_ms of silence, in codec, at most cap bytes of audio. The texts are copied. *id names it
 * for speech_cancel and in its speech_done. Errors: -MDT_EINVAL (no piece, more than
 * SPEECH_PIECES_MAX, empty), -MDT_ERANGE (texts longer than SPEECH_TEXT_MAX), -MDT_EFULL (the
 * queue holds queue_max: the caller plays something else). Never blocks. */
int speech_say(struct speech *s, enum lang lang, const char *const *pieces, size_t n,
               unsigned gap_ms, enum g711_codec codec, size_t cap, uint64_t *id);

/* The read-back id is no longer wanted (its call ended, or something else is played): dropped
 * if still queued, its callback never runs. An id already delivered or unknown is ignored. */
void speech_cancel(struct speech *s, uint64_t id);

/* Counters for logs and tests. */
struct speech_stats {
    uint64_t said;      /* read-backs delivered */
    uint64_t cancelled; /* dropped by speech_cancel before delivery */
    uint64_t refused;   /* speech_say refused: the queue was full */
    size_t queued;      /* in the queue or being synthesised or delivered now */
};
void speech_stats_get(struct speech *s, struct speech_stats *st);

#endif
