/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/sip/g711: the round trip of every 16-bit sample stays within G.711's
 * quantisation error, every code decodes and re-encodes to itself (in value), INT16_MIN is safe,
 * and silence is silence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel/sip/g711.h"

#define ALL_SAMPLES 65536

/* The largest error G.711 may make on x: half a step of x's segment. The top segment's step is
 * 1024 in 16-bit units in both laws, and each segment's step is at most 1/16 of its
 * smallest value, so |x| / 32 plus the smallest step bounds both laws. */
static long bound(long x)
{
    return labs(x) / 30 + 16;
}

static void round_trip(enum g711_codec codec)
{
    int16_t *pcm = malloc(sizeof(int16_t) * ALL_SAMPLES);
    int16_t *back = malloc(sizeof(int16_t) * ALL_SAMPLES);
    uint8_t *coded = malloc(ALL_SAMPLES);
    long worst = 0;

    assert_non_null(pcm);
    assert_non_null(back);
    assert_non_null(coded);
    for (long i = 0; i < ALL_SAMPLES; i++) {
        pcm[i] = (int16_t)(i - 32768);
    }
    g711_frame_encode(codec, pcm, ALL_SAMPLES, coded);
    g711_frame_decode(codec, coded, ALL_SAMPLES, back);
    for (long i = 0; i < ALL_SAMPLES; i++) {
        long x = pcm[i] == INT16_MIN ? -32767 : pcm[i];
        long e = labs(x - back[i]);

        if (e > bound(x)) {
            print_error("codec %d: %ld -> %d, error %ld\n", (int)codec, x, back[i], e);
            fail();
        }
        /* The sign survives outside the smallest steps. */
        if (labs(x) > 64) {
            assert_true((x < 0) == (back[i] < 0));
        }
        if (e > worst) {
            worst = e;
        }
    }
    /* The bound is not vacuous: the top segment's error is near half its step. */
    assert_true(worst >= 256);
    assert_true(worst <= 1100);
    free(pcm);
    free(back);
    free(coded);
}

static void test_round_trip_alaw(void **state)
{
    (void)state;
    round_trip(G711_PCMA);
}

static void test_round_trip_ulaw(void **state)
{
    (void)state;
    round_trip(G711_PCMU);
}

/* decode(encode(decode(c))) == decode(c) for all 256 codes of both laws. */
static void test_codes_stable(void **state)
{
    static const enum g711_codec codecs[] = {G711_PCMA, G711_PCMU};

    (void)state;
    for (size_t c = 0; c < 2; c++) {
        for (int b = 0; b < 256; b++) {
            uint8_t code = (uint8_t)b, again;
            int16_t v, w;

            g711_frame_decode(codecs[c], &code, 1, &v);
            g711_frame_encode(codecs[c], &v, 1, &again);
            g711_frame_decode(codecs[c], &again, 1, &w);
            if (v != w) {
                print_error("codec %d code 0x%02x: %d then %d\n", (int)codecs[c], b, v, w);
                fail();
            }
        }
    }
}

static void test_edges(void **state)
{
    int16_t in[2] = {INT16_MIN, -32767}, out[2];
    uint8_t coded[2];
    uint8_t sil;

    (void)state;
    g711_frame_encode(G711_PCMA, in, 2, coded);
    assert_int_equal(coded[0], coded[1]);
    g711_frame_encode(G711_PCMU, in, 2, coded);
    assert_int_equal(coded[0], coded[1]);
    g711_frame_decode(G711_PCMU, coded, 2, out);
    assert_true(out[0] < -30000);
    /* Zero encodes to each law's silence byte, which decodes to (near) zero. */
    in[0] = 0;
    g711_frame_encode(G711_PCMA, in, 1, coded);
    assert_int_equal(coded[0], G711_PCMA_SILENCE);
    assert_int_equal(g711_frame_silence(G711_PCMA), G711_PCMA_SILENCE);
    g711_frame_encode(G711_PCMU, in, 1, coded);
    assert_int_equal(coded[0], G711_PCMU_SILENCE);
    assert_int_equal(g711_frame_silence(G711_PCMU), G711_PCMU_SILENCE);
    sil = G711_PCMA_SILENCE;
    g711_frame_decode(G711_PCMA, &sil, 1, out);
    assert_true(abs(out[0]) <= 8);
    sil = G711_PCMU_SILENCE;
    g711_frame_decode(G711_PCMU, &sil, 1, out);
    assert_true(abs(out[0]) <= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_alaw),
        cmocka_unit_test(test_round_trip_ulaw),
        cmocka_unit_test(test_codes_stable),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
