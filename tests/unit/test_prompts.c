/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/sip/prompts against the real espeak-ng: prompts are speech (loud
 * enough, of a plausible length at 8 kHz), French and English differ, both laws carry the same
 * audio, the cache answers the second time and stays within its bounds, pinned prompts are
 * never evicted, pieces join with their gap, and every refusal. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel/sip/prompts.h"
#include "dialog/speak.h"

static double rms(enum g711_codec codec, const uint8_t *buf, size_t len)
{
    int16_t *pcm = malloc(sizeof(int16_t) * len);
    double sum = 0.0;

    assert_non_null(pcm);
    g711_frame_decode(codec, buf, len, pcm);
    for (size_t i = 0; i < len; i++) {
        sum += (double)pcm[i] * pcm[i];
    }
    free(pcm);
    return len > 0 ? sqrt(sum / (double)len) : 0.0;
}

static int setup(void **state)
{
    struct prompts *p = NULL;
    struct mdt_err err = {0};

    if (prompts_new(NULL, &p, &err) != 0) {
        print_error("prompts_new: %s\n", err.msg);
        return -1;
    }
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    prompts_free(*state);
    return 0;
}

static void test_speech(void **state)
{
    struct prompts *p = *state;
    const uint8_t *a = NULL, *u = NULL;
    size_t alen = 0, ulen = 0;
    const char *text = "Bienvenue chez mandat. Pour connaître votre solde, tapez 1.";

    assert_int_equal(prompts_get(p, LANG_FR, text, G711_PCMA, &a, &alen, NULL), 0);
    /* About 3 s of speech at 150 words a minute: between 1.5 s and 8 s at 8000 bytes a second. */
    assert_true(alen > 12000 && alen < 64000);
    /* Speech, not silence: espeak-ng speaks at several thousand RMS; silence is near 0. */
    assert_true(rms(G711_PCMA, a, alen) > 1000.0);
    /* The same prompt in µ-law: same length, same audio within G.711's error. */
    assert_int_equal(prompts_get(p, LANG_FR, text, G711_PCMU, &u, &ulen, NULL), 0);
    assert_int_equal(ulen, alen);
    assert_true(fabs(rms(G711_PCMU, u, ulen) - rms(G711_PCMA, a, alen)) <
                0.05 * rms(G711_PCMA, a, alen));
    prompts_release(p, a);
    prompts_release(p, u);
}

/* A spoken amount, as the IVR will ask for it, in both languages: they differ. */
static void test_languages_differ(void **state)
{
    struct prompts *p = *state;
    const struct currency *eur = currency_find("EUR");
    char fr[SPEAK_TEXT_MAX], en[SPEAK_TEXT_MAX];
    const uint8_t *a = NULL, *b = NULL, *c = NULL;
    size_t alen = 0, blen = 0, clen = 0;

    assert_true(speak_amount(2550, eur, LANG_FR, fr, sizeof(fr), NULL) > 0);
    assert_true(speak_amount(2550, eur, LANG_EN, en, sizeof(en), NULL) > 0);
    assert_int_equal(prompts_get(p, LANG_FR, fr, G711_PCMA, &a, &alen, NULL), 0);
    assert_int_equal(prompts_get(p, LANG_EN, en, G711_PCMA, &b, &blen, NULL), 0);
    assert_true(rms(G711_PCMA, a, alen) > 1000.0);
    assert_true(rms(G711_PCMA, b, blen) > 1000.0);
    assert_true(alen != blen || memcmp(a, b, alen) != 0);
    /* The same text in each voice differs too: the key is (language, text). */
    assert_int_equal(prompts_get(p, LANG_EN, fr, G711_PCMA, &c, &clen, NULL), 0);
    assert_true(alen != clen || memcmp(a, c, alen) != 0);
    prompts_release(p, a);
    prompts_release(p, b);
    prompts_release(p, c);
}

static void test_cache_hits(void **state)
{
    struct prompts *p = *state;
    struct prompts_stats before, after;
    const uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;

    assert_int_equal(prompts_get(p, LANG_EN, "Goodbye.", G711_PCMU, &a, &alen, NULL), 0);
    prompts_stats_get(p, &before);
    assert_int_equal(prompts_get(p, LANG_EN, "Goodbye.", G711_PCMU, &b, &blen, NULL), 0);
    prompts_stats_get(p, &after);
    assert_ptr_equal(a, b);
    assert_int_equal(alen, blen);
    assert_int_equal(after.hits, before.hits + 1);
    assert_int_equal(after.synths, before.synths);
    assert_true(after.bytes >= 2 * alen);
    prompts_release(p, a);
    prompts_release(p, b);
}

static void test_join(void **state)
{
    struct prompts *p = *state;
    const char *pieces[] = {"Vous allez payer", "vingt-cinq euros et cinquante centimes"};
    const uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0, len = 0;
    uint8_t *out = malloc(200000);

    assert_non_null(out);
    assert_int_equal(prompts_join(p, LANG_FR, pieces, 2, 300, G711_PCMA, out, 200000, &len, NULL),
                     0);
    assert_int_equal(prompts_get(p, LANG_FR, pieces[0], G711_PCMA, &a, &alen, NULL), 0);
    assert_int_equal(prompts_get(p, LANG_FR, pieces[1], G711_PCMA, &b, &blen, NULL), 0);
    assert_int_equal(len, alen + 2400 + blen);
    assert_memory_equal(out, a, alen);
    for (size_t i = 0; i < 2400; i++) {
        assert_int_equal(out[alen + i], G711_PCMA_SILENCE);
    }
    assert_memory_equal(out + alen + 2400, b, blen);
    /* Too small a buffer: a precise error. */
    assert_int_equal(
        prompts_join(p, LANG_FR, pieces, 2, 300, G711_PCMA, out, alen + 10, &len, NULL),
        MDT_E(RANGE));
    prompts_release(p, a);
    prompts_release(p, b);
    free(out);
}

static void test_refusals(void **state)
{
    struct prompts *p = *state, *other = NULL;
    struct mdt_err err = {0};
    const uint8_t *a = NULL;
    size_t alen = 0;
    char *longtext = malloc(PROMPTS_TEXT_MAX + 1);

    assert_non_null(longtext);
    assert_int_equal(prompts_get(p, LANG_FR, "", G711_PCMA, &a, &alen, NULL), MDT_E(INVAL));
    assert_int_equal(prompts_get(p, LANG_FR, NULL, G711_PCMA, &a, &alen, NULL), MDT_E(INVAL));
    assert_int_equal(prompts_get(p, (enum lang)9, "x", G711_PCMA, &a, &alen, NULL), MDT_E(INVAL));
    assert_int_equal(prompts_get(p, LANG_FR, "x", (enum g711_codec)3, &a, &alen, NULL),
                     MDT_E(INVAL));
    memset(longtext, 'a', PROMPTS_TEXT_MAX);
    longtext[PROMPTS_TEXT_MAX] = '\0';
    assert_int_equal(prompts_get(p, LANG_FR, longtext, G711_PCMA, &a, &alen, &err), MDT_E(RANGE));
    assert_string_equal(err.msg, "prompt text longer than 1023 bytes");
    /* espeak-ng is global: one struct prompts per process. */
    assert_int_equal(prompts_new(NULL, &other, &err), MDT_E(BUSY));
    assert_null(other);
    free(longtext);
}

/* A cache of 2 entries: the least recently used unpinned one goes; pinned ones never do. */
static void test_bounds(void **state)
{
    struct prompts *p = NULL;
    struct prompts_config cfg = {.entries_max = 2};
    struct prompts_stats st;
    const uint8_t *a = NULL, *b = NULL, *c = NULL, *again = NULL;
    size_t alen = 0, blen = 0, clen = 0, len = 0;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(prompts_new(&cfg, &p, &err), 0);
    assert_int_equal(prompts_get(p, LANG_EN, "one", G711_PCMA, &a, &alen, NULL), 0);
    assert_int_equal(prompts_get(p, LANG_EN, "two", G711_PCMA, &b, &blen, NULL), 0);
    /* Both pinned: no room for a third. */
    assert_int_equal(prompts_get(p, LANG_EN, "three", G711_PCMA, &c, &clen, &err), MDT_E(FULL));
    /* "one" released: it is evicted for "three"; "two" stays. */
    prompts_release(p, a);
    assert_int_equal(prompts_get(p, LANG_EN, "three", G711_PCMA, &c, &clen, NULL), 0);
    prompts_stats_get(p, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(prompts_get(p, LANG_EN, "two", G711_PCMA, &again, &len, NULL), 0);
    assert_ptr_equal(again, b);
    prompts_release(p, again);
    prompts_release(p, b);
    prompts_release(p, c);
    prompts_free(p);
    /* A byte bound smaller than a prompt: refused, not grown. */
    cfg = (struct prompts_config){.bytes_max = 1000};
    assert_int_equal(prompts_new(&cfg, &p, NULL), 0);
    assert_int_equal(prompts_get(p, LANG_EN,
                                 "A long sentence that needs more than a thousand "
                                 "bytes of audio.",
                                 G711_PCMA, &a, &alen, &err),
                     MDT_E(FULL));
    prompts_free(p);
}

struct handover {
    struct prompts *p;
    int rc;
    size_t len;
};

/* The SIP thread's side: it adopts the prompts, then speaks with them. */
static void *sip_thread(void *arg)
{
    struct handover *h = arg;
    const uint8_t *buf = NULL;

    prompts_adopt(h->p);
    h->rc = prompts_get(h->p, LANG_FR, "Au revoir.", G711_PCMU, &buf, &h->len, NULL);
    if (h->rc == 0) {
        prompts_release(h->p, buf);
    }
    return NULL;
}

/* Made on one thread, handed to another as mandatd does, handed back to be freed. */
static void test_handover(void **state)
{
    struct handover h = {0};
    pthread_t t;

    (void)state;
    assert_int_equal(prompts_new(NULL, &h.p, NULL), 0);
    assert_int_equal(pthread_create(&t, NULL, sip_thread, &h), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(h.rc, 0);
    assert_true(h.len > 2000);
    prompts_adopt(h.p);
    prompts_free(h.p);
}

int main(void)
{
    const struct CMUnitTest shared[] = {
        cmocka_unit_test(test_speech),     cmocka_unit_test(test_languages_differ),
        cmocka_unit_test(test_cache_hits), cmocka_unit_test(test_join),
        cmocka_unit_test(test_refusals),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_handover),
    };
    int failed = cmocka_run_group_tests_name("shared", shared, setup, teardown);

    return failed + cmocka_run_group_tests_name("own", own, NULL, NULL);
}
