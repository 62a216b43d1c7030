/* SPDX-License-Identifier: Apache-2.0 */
/* The service's outbox (src/mandatd/service.c), without running its loop: which rows are
 * queued at start-up, the order they leave in and what waits when a sender is full or down
 * (each channel's sender on its own), what the dev phone takes, and the states saved for a
 * submission and its delivery receipt. The engine, store, vault and dialog are real
 * (dialog_world.h); the event base only exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dialog_world.h"
#include "mandatd/service.h"

/* A channel's sender: takes `room` more rows, then says it is full. */
struct fake_sender {
    bool ready;
    int room;
    char got[8][16];
    int n;
};

static int fake_submit(void *ctx, const struct outbox_row *r)
{
    struct fake_sender *f = ctx;

    if (f->room == 0 || f->n == 8) {
        return MDT_E(FULL);
    }
    f->room--;
    snprintf(f->got[f->n++], sizeof(f->got[0]), "%.15s", r->text);
    return 0;
}

static bool fake_ready(void *ctx)
{
    return ((struct fake_sender *)ctx)->ready;
}

static struct event_base *base;
static struct service *svc;

static int svc_setup(void **state)
{
    setup(state);
    base = event_base_new();
    assert_non_null(base);
    assert_int_equal(service_create(base, w.engine, w.dialog, &svc, NULL), 0);
    return 0;
}

static int svc_teardown(void **state)
{
    service_free(svc);
    event_base_free(base);
    return teardown(state);
}

static struct outbox_row row(uint64_t n, uint16_t channel, uint16_t st, const char *dest,
                             const char *text)
{
    struct outbox_row r = {.id = {.hi = 0x0b0, .lo = n}, .channel = channel, .state = st};

    snprintf(r.source, sizeof(r.source), "71004");
    snprintf(r.dest, sizeof(r.dest), "%s", dest);
    snprintf(r.text, sizeof(r.text), "%s", text);
    r.created_us = fake_clock();
    return r;
}

static void load(struct outbox_row r)
{
    assert_int_equal(service_outbox_loaded(svc, &r), 0);
}

static void set_sender(struct fake_sender *f, bool social)
{
    struct service_sender snd = {.submit = fake_submit, .ready = fake_ready, .ctx = f};

    if (social) {
        service_social_sender_set(svc, &snd);
    } else {
        service_sender_set(svc, &snd);
    }
}

/* Queued rows are loaded, sent ones are not; rows leave in order; a full sender keeps the rest
 * of its rows, in order, without holding back the other channel's. */
static void test_flush_order(void **state)
{
    struct fake_sender sms = {.ready = false, .room = 2}, social = {.ready = true, .room = 8};

    (void)state;
    load(row(1, CHANNEL_SMS, OUTBOX_QUEUED, A, "un"));
    load(row(2, CHANNEL_SMS, OUTBOX_SENT, A, "déjà parti"));
    load(row(3, CHANNEL_SMS, OUTBOX_QUEUED, B, "deux"));
    load(row(4, CHANNEL_SOCIAL, OUTBOX_QUEUED, "m:alice", "trois"));
    load(row(5, CHANNEL_SMS, OUTBOX_QUEUED, A, "quatre"));
    assert_int_equal(service_outbox_depth(svc), 4);
    service_outbox_flush(svc); /* no sender yet */
    assert_int_equal(service_outbox_depth(svc), 4);
    set_sender(&sms, false); /* not ready: nothing goes */
    assert_int_equal(sms.n, 0);
    assert_int_equal(service_outbox_depth(svc), 4);
    sms.ready = true;
    service_outbox_flush(svc);
    assert_int_equal(sms.n, 2);
    assert_string_equal(sms.got[0], "un");
    assert_string_equal(sms.got[1], "deux");
    assert_int_equal(service_outbox_depth(svc), 2);
    set_sender(&social, true); /* the SMS sender is still full: the post goes anyway */
    assert_int_equal(social.n, 1);
    assert_string_equal(social.got[0], "trois");
    assert_int_equal(service_outbox_depth(svc), 1);
    sms.room = 1;
    service_outbox_flush(svc);
    assert_int_equal(sms.n, 3);
    assert_string_equal(sms.got[2], "quatre");
    assert_int_equal(service_outbox_depth(svc), 0);
    service_outbox_requeue(svc, &(struct outbox_row){.channel = CHANNEL_SMS, .text = "encore"});
    assert_int_equal(service_outbox_depth(svc), 1);
    sms.room = 1;
    service_outbox_flush(svc);
    assert_string_equal(sms.got[3], "encore");
}

/* The dev phone takes its own rows, at most max, oldest first; the others stay in order. */
static void test_take(void **state)
{
    struct outbox_row out[4];

    (void)state;
    load(row(1, CHANNEL_SMS, OUTBOX_QUEUED, A, "un"));
    load(row(2, CHANNEL_SMS, OUTBOX_QUEUED, B, "deux"));
    load(row(3, CHANNEL_SMS, OUTBOX_QUEUED, A, "trois"));
    load(row(4, CHANNEL_SMS, OUTBOX_QUEUED, A, "quatre"));
    assert_int_equal(service_outbox_take(svc, A, out, 2), 2);
    assert_string_equal(out[0].text, "un");
    assert_string_equal(out[1].text, "trois");
    assert_int_equal(service_outbox_depth(svc), 2);
    assert_int_equal(service_outbox_take(svc, "+33600000000", out, 4), 0);
    assert_int_equal(service_outbox_take(svc, A, out, 4), 1);
    assert_string_equal(out[0].text, "quatre");
    assert_int_equal(service_outbox_take(svc, B, out, 4), 1);
    assert_string_equal(out[0].text, "deux");
    assert_int_equal(service_outbox_depth(svc), 0);
}

struct seen {
    uint16_t state;
    char peer_id[STORE_PEER_ID_MAX];
    int n;
};

static int seen_row(void *ctx, const struct outbox_row *r)
{
    struct seen *s = ctx;

    s->state = r->state;
    snprintf(s->peer_id, sizeof(s->peer_id), "%s", r->peer_id);
    s->n++;
    return 0;
}

/* The stored outbox rows that are still to send or to confirm (state queued or sent), read
 * through a connection of its own. */
static struct seen stored(void)
{
    struct store_options so = {.path = w.db, .read_only = true};
    struct store_channel_fns fns = {.outbox = seen_row};
    struct store *r = NULL;
    struct seen s = {0};

    assert_int_equal(store_open(&so, &r, NULL), 0);
    assert_int_equal(store_channel_load(r, &fns, &s, INT64_MAX, NULL), 0);
    store_close(r);
    return s;
}

/* Until what is stored matches (the saves are asynchronous), 5 s at most. */
static struct seen stored_until(int n, uint16_t state)
{
    struct seen s = {0};

    for (int i = 0; i < 500; i++) {
        s = stored();
        if (s.n == n && (n == 0 || s.state == state)) {
            break;
        }
        usleep(10000);
    }
    return s;
}

/* A submission saves "sent" with the peer's id; its receipt saves the final state; a receipt
 * for an id nobody sent changes nothing; a refused submission is saved as failed. */
static void test_receipts(void **state)
{
    struct outbox_row r1 = row(1, CHANNEL_SMS, OUTBOX_QUEUED, A, "un");
    struct outbox_row r2 = row(2, CHANNEL_SMS, OUTBOX_QUEUED, B, "deux");
    struct store_extra x[2] = {{.kind = EXTRA_OUTBOX}, {.kind = EXTRA_OUTBOX}};
    struct seen s;

    (void)state;
    x[0].u.outbox = r1;
    x[1].u.outbox = r2;
    assert_int_equal(engine_execute_rows(w.engine, NULL, 0, x, 2, NULL, NULL), 0);
    assert_int_equal(stored().n, 2);
    service_outbox_submitted(svc, r2.id, MDT_E(IO), "");
    s = stored_until(1, OUTBOX_QUEUED);
    assert_int_equal(s.n, 1); /* r2 failed: nothing more to do for it */
    service_outbox_submitted(svc, r1.id, 0, "smsc-77");
    s = stored_until(1, OUTBOX_SENT);
    assert_int_equal(s.state, OUTBOX_SENT);
    assert_string_equal(s.peer_id, "smsc-77");
    service_outbox_receipt(svc, "smsc-78", "DELIVRD");
    service_outbox_receipt(svc, "smsc-77", "DELIVRD");
    s = stored_until(0, 0);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flush_order, svc_setup, svc_teardown),
        cmocka_unit_test_setup_teardown(test_take, svc_setup, svc_teardown),
        cmocka_unit_test_setup_teardown(test_receipts, svc_setup, svc_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
