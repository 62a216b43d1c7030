/* SPDX-License-Identifier: Apache-2.0 */
/* Speech off the loop (channel/sip/speech.c): the worker makes the prompts and answers a fixed
 * prompt while the loop waits; read-backs queued from the loop come back on it, through the
 * eventfd, in order; a full queue refuses at once; a cancelled read-back (its call hung up) never
 * calls back, whether still queued or being synthesised; stopping with read-backs queued or
 * delivered-but-unread leaks nothing (run under ASan) and a new worker can start after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "base/error.h"
#include "channel/sip/speech.h"

struct seen {
    struct event_base *base;
    size_t n;
    uint64_t ids[8];
    int rc[8];
    size_t len[8];
};

static void on_said(void *ctx, const struct speech_done *d)
{
    struct seen *s = ctx;

    if (s->n < 8) {
        s->ids[s->n] = d->id;
        s->rc[s->n] = d->rc;
        s->len[s->n] = d->len;
        assert_true(d->rc < 0 || (d->audio != NULL && d->len > 0));
        assert_true(d->queued_us >= 0 && d->spoken_us >= 0);
    }
    s->n++;
    event_base_loopbreak(s->base);
}

/* Runs the loop until n results came back (at most 20 s: a loaded machine synthesises slowly). */
static void run_until(struct seen *s, size_t n)
{
    for (int i = 0; i < 200 && s->n < n; i++) {
        struct timeval tv = {0, 100000};

        event_base_loopexit(s->base, &tv);
        event_base_dispatch(s->base);
    }
    assert_int_equal(s->n, n);
}

static void test_get_and_say(void **state)
{
    struct seen seen = {.base = event_base_new()};
    const char *pieces[] = {"Votre solde est de", "douze euros.", "Merci."};
    struct speech *s = NULL;
    struct speech_stats st;
    struct mdt_err err = {0};
    const uint8_t *buf = NULL;
    size_t len = 0;
    uint64_t a = 0, b = 0;

    (void)state;
    assert_int_equal(speech_start(seen.base, NULL, 4, on_said, &seen, &s, &err), 0);
    assert_int_equal(speech_get(s, LANG_FR, "Au revoir.", G711_PCMA, &buf, &len, &err), 0);
    assert_non_null(buf);
    assert_true(len > 2000); /* a quarter of a second at least */
    assert_int_equal(speech_get(s, LANG_FR, "", G711_PCMA, &buf, &len, &err), MDT_E(INVAL));
    assert_int_equal(speech_say(s, LANG_FR, pieces, 3, 60, G711_PCMA, 8000 * 30, &a), 0);
    assert_int_equal(speech_say(s, LANG_EN, pieces + 2, 1, 60, G711_PCMU, 8000 * 30, &b), 0);
    assert_true(b > a);
    run_until(&seen, 2);
    assert_true(seen.ids[0] == a && seen.ids[1] == b); /* in order */
    assert_int_equal(seen.rc[0], 0);
    assert_true(seen.len[0] > seen.len[1]);
    /* Too small a buffer: the worker's error comes back as the result. */
    assert_int_equal(speech_say(s, LANG_FR, pieces, 3, 60, G711_PCMA, 100, &a), 0);
    run_until(&seen, 3);
    assert_int_equal(seen.rc[2], MDT_E(RANGE));
    speech_stats_get(s, &st);
    assert_int_equal(st.said, 3);
    assert_int_equal(st.queued, 0);
    speech_free(s);
    event_base_free(seen.base);
}

/* A full queue refuses at once: the slots stay taken until the loop takes their results. */
static void test_bounded(void **state)
{
    struct seen seen = {.base = event_base_new()};
    const char *one[] = {"Un."};
    char big[SPEECH_TEXT_MAX + 8];
    const char *bigs[] = {big};
    struct speech *s = NULL;
    struct speech_stats st;
    uint64_t id = 0;

    (void)state;
    assert_int_equal(speech_start(seen.base, NULL, 2, on_said, &seen, &s, NULL), 0);
    assert_int_equal(speech_say(s, LANG_FR, one, 1, 0, G711_PCMA, 80000, &id), 0);
    assert_int_equal(speech_say(s, LANG_FR, one, 1, 0, G711_PCMA, 80000, &id), 0);
    assert_int_equal(speech_say(s, LANG_FR, one, 1, 0, G711_PCMA, 80000, &id), MDT_E(FULL));
    assert_int_equal(speech_say(s, LANG_FR, one, 0, 0, G711_PCMA, 80000, &id), MDT_E(INVAL));
    run_until(&seen, 2);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(speech_say(s, LANG_FR, bigs, 1, 0, G711_PCMA, 80000, &id), MDT_E(RANGE));
    speech_stats_get(s, &st);
    assert_int_equal(st.refused, 1);
    assert_int_equal(st.queued, 0); /* the refused long text took no slot */
    speech_free(s);
    event_base_free(seen.base);
}

/* A call that hangs up while its read-back is queued or being synthesised: cancelled, never
 * called back; the next one still comes. */
static void test_cancel(void **state)
{
    struct seen seen = {.base = event_base_new()};
    const char *pieces[] = {"Vous avez envoyé", "trois cent quarante-deux euros."};
    struct speech *s = NULL;
    struct speech_stats st;
    uint64_t a = 0, b = 0, c = 0;

    (void)state;
    assert_int_equal(speech_start(seen.base, NULL, 4, on_said, &seen, &s, NULL), 0);
    assert_int_equal(speech_say(s, LANG_FR, pieces, 2, 60, G711_PCMA, 80000, &a), 0);
    assert_int_equal(speech_say(s, LANG_FR, pieces + 1, 1, 60, G711_PCMA, 80000, &b), 0);
    assert_int_equal(speech_say(s, LANG_EN, pieces, 1, 60, G711_PCMA, 80000, &c), 0);
    speech_cancel(s, a); /* running or queued */
    speech_cancel(s, b); /* queued */
    speech_cancel(s, b); /* twice: once counted */
    speech_cancel(s, 999);
    run_until(&seen, 1);
    assert_true(seen.ids[0] == c);
    speech_stats_get(s, &st);
    assert_int_equal(st.cancelled, 2);
    assert_int_equal(st.said, 1);
    speech_free(s);
    event_base_free(seen.base);
}

/* Stopping with read-backs queued, and one finished but never taken by the loop: nothing
 * leaks, nothing calls back, and espeak-ng can be taken again. */
static void test_free_pending(void **state)
{
    struct seen seen = {.base = event_base_new()};
    const char *pieces[] = {"Un", "deux", "trois"};
    struct speech *s = NULL;
    uint64_t id = 0;

    (void)state;
    assert_int_equal(speech_start(seen.base, NULL, 8, on_said, &seen, &s, NULL), 0);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(speech_say(s, LANG_FR, pieces, 3, 60, G711_PCMA, 80000, &id), 0);
    }
    speech_free(s);
    assert_int_equal(seen.n, 0);
    assert_int_equal(speech_start(seen.base, NULL, 1, on_said, &seen, &s, NULL), 0);
    speech_free(s);
    speech_free(NULL);
    event_base_free(seen.base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_say),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_free_pending),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
