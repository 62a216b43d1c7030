/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/sip/dtmf: every key of the keypad found in tones made by spandsp's
 * generator, clean, in noise and through G.711, none in noise alone; and the deduplication of a
 * press reported by several paths, with real repeats kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <spandsp.h>

#include "channel/sip/dtmf.h"
#include "channel/sip/g711.h"
#include "channel/sip/sip.h"

#define ALL_KEYS "123A456B789C*0#D"
#define AUDIO_MAX (8000 * 10)
#define PACKET 160 /* 20 ms */

/* Tones for digits (spandsp's generator: -10 dBm0 per tone, 50 ms on, 55 ms off) after 100 ms of
 * silence, plus uniform noise of +-noise; returns the sample count. */
static size_t make_tones(const char *digits, int16_t *pcm, size_t cap, int noise)
{
    dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
    size_t n = 800;
    int got;

    assert_non_null(tx);
    memset(pcm, 0, sizeof(int16_t) * cap);
    dtmf_tx_put(tx, digits, -1);
    do {
        got = dtmf_tx(tx, pcm + n, (int)(cap - n > PACKET ? PACKET : cap - n));
        n += (size_t)got;
    } while (got > 0 && n < cap);
    n = n + 800 < cap ? n + 800 : cap;
    dtmf_tx_free(tx);
    srand(14);
    for (size_t i = 0; i < n && noise > 0; i++) {
        int v = pcm[i] + rand() % (2 * noise + 1) - noise;

        pcm[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < -INT16_MAX ? -INT16_MAX : v);
    }
    return n;
}

/* Feeds pcm by 20 ms packets; writes the keys found as a string into got (cap bytes). */
static void detect(const int16_t *pcm, size_t n, char *got, size_t cap, struct dtmf_key *last)
{
    struct dtmf_detector *d = NULL;
    size_t found = 0;

    assert_int_equal(dtmf_detector_new(&d, NULL), 0);
    for (size_t at = 0; at < n; at += PACKET) {
        struct dtmf_key keys[DTMF_FEED_KEYS_MAX];
        size_t len = n - at < PACKET ? n - at : PACKET, dropped = 1;
        size_t k = dtmf_detector_feed(d, pcm + at, len, at / 8, keys, DTMF_FEED_KEYS_MAX, &dropped);

        assert_int_equal(dropped, 0);
        for (size_t i = 0; i < k && found + 1 < cap; i++) {
            assert_int_equal(keys[i].source, DTMF_SRC_INBAND);
            /* The 10 ms step of the packet in which it was recognised. */
            assert_true(keys[i].at_ms == at / 8 || keys[i].at_ms == at / 8 + 10);
            got[found++] = keys[i].key;
            if (last != NULL) {
                *last = keys[i];
            }
        }
    }
    got[found] = '\0';
    dtmf_detector_free(d);
}

static void test_all_keys(void **state)
{
    int16_t *pcm = malloc(sizeof(int16_t) * AUDIO_MAX);
    char got[64];
    size_t n;

    (void)state;
    assert_non_null(pcm);
    n = make_tones(ALL_KEYS, pcm, AUDIO_MAX, 0);
    detect(pcm, n, got, sizeof(got), NULL);
    assert_string_equal(got, ALL_KEYS);
    /* White noise at about -20 dB below the tones. */
    n = make_tones(ALL_KEYS, pcm, AUDIO_MAX, 1200);
    detect(pcm, n, got, sizeof(got), NULL);
    assert_string_equal(got, ALL_KEYS);
    free(pcm);
}

/* Through A-law and µ-law and back, as the audio of a call arrives. */
static void test_through_g711(void **state)
{
    static const enum g711_codec codecs[] = {G711_PCMA, G711_PCMU};
    int16_t *pcm = malloc(sizeof(int16_t) * AUDIO_MAX);
    uint8_t *coded = malloc(AUDIO_MAX);
    char got[64];
    size_t n;

    (void)state;
    assert_non_null(pcm);
    assert_non_null(coded);
    for (size_t c = 0; c < 2; c++) {
        n = make_tones(ALL_KEYS, pcm, AUDIO_MAX, 300);
        g711_frame_encode(codecs[c], pcm, n, coded);
        g711_frame_decode(codecs[c], coded, n, pcm);
        detect(pcm, n, got, sizeof(got), NULL);
        assert_string_equal(got, ALL_KEYS);
    }
    free(pcm);
    free(coded);
}

/* A key pressed twice is two keys; the later one's time is later. */
static void test_repeats(void **state)
{
    int16_t *pcm = malloc(sizeof(int16_t) * AUDIO_MAX);
    struct dtmf_key last = {0};
    char got[64];
    size_t n;

    (void)state;
    assert_non_null(pcm);
    n = make_tones("1111", pcm, AUDIO_MAX, 0);
    detect(pcm, n, got, sizeof(got), &last);
    assert_string_equal(got, "1111");
    /* The fourth tone starts at 100 + 3 * 105 ms and is recognised within about 60 ms. */
    assert_true(last.at_ms >= 400 && last.at_ms <= 500);
    free(pcm);
}

/* Noise, silence and a pure 1 kHz tone give no key. */
static void test_no_false_keys(void **state)
{
    int16_t *pcm = malloc(sizeof(int16_t) * AUDIO_MAX);
    char got[64];

    (void)state;
    assert_non_null(pcm);
    srand(7);
    for (size_t i = 0; i < AUDIO_MAX; i++) {
        pcm[i] = (int16_t)(rand() % 20001 - 10000);
    }
    detect(pcm, AUDIO_MAX, got, sizeof(got), NULL);
    assert_string_equal(got, "");
    memset(pcm, 0, sizeof(int16_t) * AUDIO_MAX);
    detect(pcm, AUDIO_MAX, got, sizeof(got), NULL);
    assert_string_equal(got, "");
    free(pcm);
}

/* One long chunk: keys get distinct times from their 10 ms step; a small cap counts the rest. */
static void test_long_chunk(void **state)
{
    int16_t *pcm = malloc(sizeof(int16_t) * AUDIO_MAX);
    struct dtmf_detector *d = NULL;
    struct dtmf_key keys[4];
    size_t n, k, dropped = 0;

    (void)state;
    assert_non_null(pcm);
    n = make_tones("123456", pcm, AUDIO_MAX, 0);
    assert_int_equal(dtmf_detector_new(&d, NULL), 0);
    k = dtmf_detector_feed(d, pcm, n, 1000, keys, 4, &dropped);
    assert_int_equal(k, 4);
    assert_int_equal(dropped, 2);
    for (size_t i = 1; i < k; i++) {
        assert_true(keys[i].at_ms > keys[i - 1].at_ms + 80);
    }
    assert_true(keys[0].at_ms >= 1100);
    /* A gap declared lost, then nothing: no key from the gap. */
    dtmf_detector_lost(d, 8000);
    k = dtmf_detector_feed(d, pcm, 0, 3000, keys, 4, NULL);
    assert_int_equal(k, 0);
    dtmf_detector_free(d);
    dtmf_detector_free(NULL);
    free(pcm);
}

/* The detector as the SIP channel runs it: struct sip_inband's signatures (checked by the
 * compiler here), 20 ms packets, keys as characters, a short key buffer. */
static void test_sip_inband(void **state)
{
    static const struct sip_inband inband = {dtmf_inband_open, dtmf_inband_feed, dtmf_inband_close,
                                             NULL};
    int16_t *pcm = malloc(sizeof(int16_t) * AUDIO_MAX);
    char got[64] = "", keys[4];
    size_t n, found = 0;
    void *d;

    (void)state;
    assert_non_null(pcm);
    n = make_tones("#0*9", pcm, AUDIO_MAX, 300);
    d = inband.open(inband.ctx);
    assert_non_null(d);
    for (size_t at = 0; at < n; at += PACKET) {
        size_t k = inband.feed(d, pcm + at, n - at < PACKET ? n - at : PACKET, keys, 4);

        assert_true(k <= 4);
        for (size_t i = 0; i < k && found + 1 < sizeof(got); i++) {
            got[found++] = keys[i];
        }
    }
    got[found] = '\0';
    assert_string_equal(got, "#0*9");
    /* All in one call with room for one key: the first only. */
    inband.close(d);
    d = inband.open(NULL);
    assert_int_equal(inband.feed(d, pcm, n, keys, 1), 1);
    assert_int_equal(keys[0], '#');
    inband.close(d);
    free(pcm);
}

static bool offer(struct dtmf_dedup *d, char key, enum dtmf_source src, uint64_t at_ms)
{
    struct dtmf_key k = {.key = key, .source = src, .at_ms = at_ms};

    return dtmf_dedup_accept(d, &k);
}

/* One report and whether it is a new press. key 0 starts a new call (window 500 ms). */
struct report {
    char key;
    enum dtmf_source src;
    uint64_t at_ms;
    bool want;
};

#define R4733 DTMF_SRC_RFC4733
#define RINFO DTMF_SRC_INFO
#define RBAND DTMF_SRC_INBAND

static const struct report reports[] = {
    /* RFC 4733 then in-band, and the other way round. */
    {'1', R4733, 0, true},
    {'1', RBAND, 40, false},
    {'5', RBAND, 1000, true},
    {'5', R4733, 960, false},
    /* All three paths for one press; a fourth report from a path already counted is new. */
    {'#', RINFO, 2000, true},
    {'#', R4733, 1990, false},
    {'#', RBAND, 2050, false},
    {'#', RBAND, 2200, true},
    /* "1" "1" on two paths, in order. */
    {0, R4733, 0, false},
    {'1', R4733, 0, true},
    {'1', RBAND, 40, false},
    {'1', R4733, 300, true},
    {'1', RBAND, 340, false},
    /* The same, the second path late: its reports pair with the presses in order. */
    {0, R4733, 0, false},
    {'1', R4733, 0, true},
    {'1', R4733, 300, true},
    {'1', RBAND, 40, false},
    {'1', RBAND, 340, false},
    /* One path only: every press counts, however quick. */
    {0, R4733, 0, false},
    {'1', RINFO, 0, true},
    {'1', RINFO, 120, true},
    {'1', RINFO, 240, true},
};

static void test_dedup_reports(void **state)
{
    struct dtmf_dedup d;

    (void)state;
    dtmf_dedup_init(&d, 0);
    assert_int_equal(d.window_ms, DTMF_DEDUP_WINDOW_MS);
    for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
        const struct report *r = &reports[i];

        if (r->key == 0) {
            dtmf_dedup_init(&d, 500);
        } else if (offer(&d, r->key, r->src, r->at_ms) != r->want) {
            print_error("report %zu: '%c' from %d at %llu ms: wanted %s\n", i, r->key, (int)r->src,
                        (unsigned long long)r->at_ms, r->want ? "new" : "repeat");
            fail();
        }
    }
}

static void test_dedup_edges(void **state)
{
    struct dtmf_dedup d;

    (void)state;
    dtmf_dedup_init(&d, 500);
    /* RFC 4733's repeated end packets carry the event's timestamp: one press. */
    assert_true(offer(&d, '7', DTMF_SRC_RFC4733, 100));
    assert_false(offer(&d, '7', DTMF_SRC_RFC4733, 100));
    assert_false(offer(&d, '7', DTMF_SRC_RFC4733, 100));
    /* Different keys at once are different presses. */
    assert_true(offer(&d, '8', DTMF_SRC_INBAND, 120));
    /* Outside the window: a new press. */
    assert_true(offer(&d, '7', DTMF_SRC_INBAND, 601));
    assert_false(offer(&d, '7', DTMF_SRC_RFC4733, 650));
    /* Invalid keys and sources are refused. */
    assert_false(offer(&d, 'x', DTMF_SRC_INFO, 700));
    assert_false(offer(&d, '\0', DTMF_SRC_INFO, 700));
    assert_false(offer(&d, '1', (enum dtmf_source)3, 700));
    /* The memory stays bounded and keeps working. */
    for (uint64_t i = 0; i < 200; i++) {
        assert_true(offer(&d, ALL_KEYS[i % 16], DTMF_SRC_INFO, 1000 + i * 1000));
        assert_true(d.n <= DTMF_DEDUP_KEEP);
    }
    assert_false(offer(&d, ALL_KEYS[199 % 16], DTMF_SRC_INBAND, 1000 + 199 * 1000 + 30));
    assert_true(dtmf_key_valid('D'));
    assert_false(dtmf_key_valid('E'));
    assert_false(dtmf_key_valid('a'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_keys),    cmocka_unit_test(test_through_g711),
        cmocka_unit_test(test_repeats),     cmocka_unit_test(test_no_false_keys),
        cmocka_unit_test(test_long_chunk),  cmocka_unit_test(test_dedup_reports),
        cmocka_unit_test(test_dedup_edges), cmocka_unit_test(test_sip_inband),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
