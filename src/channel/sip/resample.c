/* SPDX-License-Identifier: Apache-2.0 */
/* Polyphase windowed-sinc resampling (resample.h). Output sample j lies at input position
 * j * down / up: its integer part k selects the input samples, its fraction (phase) selects one
 * of up precomputed filters, each normalised to unit gain at 0 Hz. */
#include "channel/sip/resample.h"

#include <math.h>
#include <stdlib.h>

static unsigned gcd(unsigned a, unsigned b)
{
    while (b != 0) {
        unsigned t = a % b;

        a = b;
        b = t;
    }
    return a;
}

/* The filter of one phase: taps t = -H+1..H at distance (t - phase / up) from the output
 * position, a sinc at fc (cycles per input sample) under a Blackman window. */
static void phase_taps(float *taps, unsigned phase, unsigned up, double fc)
{
    const int h = RESAMPLE_HALF_TAPS;
    double sum = 0.0, w[2 * RESAMPLE_HALF_TAPS];

    for (int t = -h + 1; t <= h; t++) {
        double x = (double)t - (double)phase / (double)up;
        double s = x == 0.0 ? 2.0 * fc : sin(2.0 * M_PI * fc * x) / (M_PI * x);
        double pos = (x + h) / (2.0 * h); /* 0..1 across the window */
        double win = 0.42 - 0.5 * cos(2.0 * M_PI * pos) + 0.08 * cos(4.0 * M_PI * pos);

        w[t + h - 1] = s * win;
        sum += s * win;
    }
    for (int i = 0; i < 2 * h; i++) {
        taps[i] = (float)(w[i] / sum);
    }
}

int resample_init(struct resampler *r, unsigned in_hz, unsigned out_hz, unsigned cutoff_hz,
                  struct mdt_err *err)
{
    unsigned g;

    *r = (struct resampler){0};
    if (out_hz == 0 || in_hz <= out_hz || cutoff_hz == 0 || 2 * cutoff_hz >= out_hz) {
        return mdt_err_set(err, MDT_E(INVAL), "cannot resample %u Hz to %u Hz below %u Hz", in_hz,
                           out_hz, cutoff_hz);
    }
    g = gcd(in_hz, out_hz);
    if (out_hz / g > RESAMPLE_PHASES_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "%u Hz to %u Hz needs %u phases, at most %d", in_hz,
                           out_hz, out_hz / g, RESAMPLE_PHASES_MAX);
    }
    r->in_hz = in_hz;
    r->out_hz = out_hz;
    r->up = out_hz / g;
    r->down = in_hz / g;
    r->taps = malloc(sizeof(float) * r->up * 2 * RESAMPLE_HALF_TAPS);
    if (r->taps == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "no memory for a resampling table");
    }
    for (unsigned p = 0; p < r->up; p++) {
        phase_taps(r->taps + (size_t)p * 2 * RESAMPLE_HALF_TAPS, p, r->up,
                   (double)cutoff_hz / (double)in_hz);
    }
    return 0;
}

void resample_release(struct resampler *r)
{
    free(r->taps);
    r->taps = NULL;
}

size_t resample_out_len(const struct resampler *r, size_t n)
{
    /* Outputs j with j * down / up < n. Clip lengths are bounded (prompts: 30 s), so the
     * product does not overflow. */
    return n == 0 ? 0 : ((n - 1) * r->up) / r->down + 1;
}

void resample_run(const struct resampler *r, const int16_t *in, size_t n, int16_t *out)
{
    const int h = RESAMPLE_HALF_TAPS;
    size_t len = resample_out_len(r, n);

    for (size_t j = 0; j < len; j++) {
        size_t pos = j * r->down;
        size_t k = pos / r->up;
        const float *taps = r->taps + (size_t)(pos % r->up) * 2 * h;
        float acc = 0.0f;

        /* Input k + t for t = -h+1..h, where it exists. */
        for (int t = -h + 1; t <= h; t++) {
            long long i = (long long)k + t;

            if (i >= 0 && (size_t)i < n) {
                acc += taps[t + h - 1] * (float)in[i];
            }
        }
        if (acc > 32767.0f) {
            acc = 32767.0f;
        } else if (acc < -32767.0f) {
            acc = -32767.0f;
        }
        out[j] = (int16_t)lrintf(acc);
    }
}
