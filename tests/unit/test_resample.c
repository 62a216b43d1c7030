/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/sip/resample: 22050 Hz to 8000 Hz keeps the voice band's tones at their
 * level and frequency, and removes what lies above 4 kHz instead of folding it back (what
 * dropping samples would do). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "channel/sip/resample.h"

#define IN_HZ 22050
#define OUT_HZ 8000
#define SECONDS 1

/* The amplitude of frequency f in x (n samples at rate), by correlation with a sine and a
 * cosine over the middle of the clip (the filter's edges excluded). */
static double tone_level(const int16_t *x, size_t n, double rate, double f)
{
    double s = 0.0, c = 0.0;
    size_t from = n / 10, to = n - n / 10;

    for (size_t i = from; i < to; i++) {
        s += x[i] * sin(2.0 * M_PI * f * (double)i / rate);
        c += x[i] * cos(2.0 * M_PI * f * (double)i / rate);
    }
    return 2.0 * sqrt(s * s + c * c) / (double)(to - from);
}

/* Resamples a sine of frequency f and amplitude 10000; returns the output's level at out_f. */
static double through(const struct resampler *r, double f, double out_f)
{
    size_t n = IN_HZ * SECONDS;
    int16_t *in = malloc(sizeof(int16_t) * n);
    size_t m = resample_out_len(r, n);
    int16_t *out = malloc(sizeof(int16_t) * m);
    double level;

    assert_non_null(in);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        in[i] = (int16_t)lrint(10000.0 * sin(2.0 * M_PI * f * (double)i / IN_HZ));
    }
    resample_run(r, in, n, out);
    level = tone_level(out, m, OUT_HZ, out_f);
    free(in);
    free(out);
    return level;
}

static void test_lengths(void **state)
{
    struct resampler r;

    (void)state;
    assert_int_equal(resample_init(&r, IN_HZ, OUT_HZ, 3600, NULL), 0);
    assert_int_equal(r.up, 160);
    assert_int_equal(r.down, 441);
    assert_int_equal(resample_out_len(&r, 0), 0);
    assert_int_equal(resample_out_len(&r, 1), 1);
    assert_int_equal(resample_out_len(&r, IN_HZ), OUT_HZ);
    assert_int_equal(resample_out_len(&r, 2 * IN_HZ), 2 * OUT_HZ);
    resample_release(&r);
    resample_release(&r);
}

static void test_passband(void **state)
{
    static const double freqs[] = {300.0, 1000.0, 2000.0, 3000.0};
    struct resampler r;

    (void)state;
    assert_int_equal(resample_init(&r, IN_HZ, OUT_HZ, 3600, NULL), 0);
    for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
        double level = through(&r, freqs[i], freqs[i]);

        if (level < 9000.0 || level > 10300.0) {
            print_error("%.0f Hz: level %.0f of 10000\n", freqs[i], level);
            fail();
        }
    }
    resample_release(&r);
}

/* 5 kHz, 6 kHz and 9 kHz would fold to 3 kHz, 2 kHz and 1 kHz; the filter must remove them
 * (below 1 % of the input, -40 dB). */
static void test_no_aliasing(void **state)
{
    static const double freqs[][2] = {{5000.0, 3000.0}, {6000.0, 2000.0}, {9000.0, 1000.0}};
    struct resampler r;

    (void)state;
    assert_int_equal(resample_init(&r, IN_HZ, OUT_HZ, 3600, NULL), 0);
    for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
        double level = through(&r, freqs[i][0], freqs[i][1]);

        if (level > 100.0) {
            print_error("%.0f Hz folded to %.0f Hz at level %.0f\n", freqs[i][0], freqs[i][1],
                        level);
            fail();
        }
    }
    resample_release(&r);
}

static void test_refusals(void **state)
{
    struct resampler r;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(resample_init(&r, 8000, 22050, 3600, &err), MDT_E(INVAL));
    assert_int_equal(resample_init(&r, 22050, 8000, 4000, NULL), MDT_E(INVAL));
    assert_int_equal(resample_init(&r, 22050, 0, 100, NULL), MDT_E(INVAL));
    assert_int_equal(resample_init(&r, 22050, 8000, 0, NULL), MDT_E(INVAL));
    /* 44101 -> 8000 has 8000 phases. */
    assert_int_equal(resample_init(&r, 44101, 8000, 3600, &err), MDT_E(INVAL));
    assert_non_null(err.msg[0] != '\0' ? err.msg : NULL);
}

/* A full-scale square wave overshoots (Gibbs) past the int16 range: it must saturate, never
 * wrap to the other sign. Away from its edges each output keeps the input's sign and level. */
static void test_clipping(void **state)
{
    struct resampler r;
    int16_t in[2000], out[1000];
    size_t m;

    (void)state;
    assert_int_equal(resample_init(&r, IN_HZ, OUT_HZ, 3600, NULL), 0);
    for (size_t i = 0; i < 2000; i++) {
        in[i] = (i / 20) % 2 == 0 ? INT16_MAX : INT16_MIN;
    }
    m = resample_out_len(&r, 2000);
    assert_true(m <= 1000);
    resample_run(&r, in, 2000, out);
    for (size_t j = 0; j < m; j++) {
        size_t k = j * 441 / 160;

        if (k % 20 >= 4 && k % 20 <= 16) {
            assert_true(in[k] > 0 ? out[j] > 28000 : out[j] < -28000);
        }
    }
    resample_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths),     cmocka_unit_test(test_passband),
        cmocka_unit_test(test_no_aliasing), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_clipping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
