/* SPDX-License-Identifier: Apache-2.0 */
/* Sample rate conversion for prompts: espeak-ng speaks at 22050 Hz, the telephone at 8000 Hz. A
 * polyphase windowed-sinc filter (low-pass below the new Nyquist, then decimation), not sample
 * dropping, so that what lies above 4 kHz does not fold back into the voice band. */
#ifndef MDT_CHANNEL_SIP_RESAMPLE_H
#define MDT_CHANNEL_SIP_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Input samples each side of an output sample: 128 taps. With a Blackman window the transition
 * band is about 5.5 / 128 of the input rate (950 Hz at 22050 Hz): from the 3600 Hz cutoff the
 * stopband (-74 dB) begins near 4075 Hz, and the telephone band (300-3400 Hz) passes whole. */
#define RESAMPLE_HALF_TAPS 64

/* Phases of the polyphase table: out_hz / gcd(in_hz, out_hz), 160 for 22050 -> 8000. Bounded so
 * that the table (phases x 128 floats, 80 KB at 160) stays small. */
#define RESAMPLE_PHASES_MAX 1000

/* A converter from in_hz to a lower out_hz. Owned by the caller; resample_init fills it and
 * allocates its table, resample_release frees it. */
struct resampler {
    unsigned in_hz;
    unsigned out_hz;
    unsigned up;   /* out_hz / gcd */
    unsigned down; /* in_hz / gcd */
    float *taps;   /* up phases of 2 * RESAMPLE_HALF_TAPS taps */
};

/* Prepares r for in_hz -> out_hz (out_hz < in_hz). cutoff_hz is where the low-pass turns: below
 * out_hz / 2 by the transition band (3600 for 8000). Returns 0, -MDT_EINVAL (rates not
 * decreasing, cutoff not below out_hz / 2, too many phases) or -MDT_ENOMEM. */
int resample_init(struct resampler *r, unsigned in_hz, unsigned out_hz, unsigned cutoff_hz,
                  struct mdt_err *err);

/* Frees r's table; r may be re-initialised. Safe on a zeroed or released r. */
void resample_release(struct resampler *r);

/* Samples resample_run writes for n input samples. */
size_t resample_out_len(const struct resampler *r, size_t n);

/* Converts n samples of in (a whole clip: samples before and after it count as silence) into
 * resample_out_len(r, n) samples of out (caller-owned). Cost: 128 multiply-adds per output
 * sample. Thread-safe for distinct outputs (r is read-only). */
void resample_run(const struct resampler *r, const int16_t *in, size_t n, int16_t *out);

#endif
