/* SPDX-License-Identifier: Apache-2.0 */
/* The playout thread alone (no libre): over a UDP socket pair on 127.0.0.1, the RTP frames it
 * sends (header, prompt then silence, 20 ms apart), the prompt's end reported once, barge-in,
 * a prompt in the other G.711 law converted, nothing sent after a call is removed, the bound on
 * calls, and the lateness percentiles. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "channel/sip/sip_playout.h"

#define FRAME 160
#define PKT (12 + FRAME)

/* What the played callback saw. */
struct seen {
    pthread_mutex_t mu;
    int count;
    uint32_t call, tag;
    bool barged;
};

static void on_played(void *ctx, uint32_t call, uint32_t tag, bool barged)
{
    struct seen *s = ctx;

    pthread_mutex_lock(&s->mu);
    s->count++;
    s->call = call;
    s->tag = tag;
    s->barged = barged;
    pthread_mutex_unlock(&s->mu);
}

static int seen_count(struct seen *s)
{
    int n;

    pthread_mutex_lock(&s->mu);
    n = s->count;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A UDP socket on 127.0.0.1, an ephemeral port; its address in *a. */
static int udp_open(struct sockaddr_in *a)
{
    socklen_t len = sizeof(*a);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)a, &len), 0);
    return fd;
}

/* The next datagram on fd within timeout_ms (its length), or -1. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    if (poll(&pfd, 1, timeout_ms) != 1) {
        return -1;
    }
    return recv(fd, buf, cap, 0);
}

struct rig {
    struct sip_playout *p;
    struct seen seen;
    int tx, rx;
    struct sip_playout_call call;
};

static void rig_open(struct rig *r, uint32_t cap)
{
    struct sip_playout_xlat x;
    struct sockaddr_in a;

    for (int i = 0; i < 256; i++) { /* not G.711: tables the test can tell apart */
        x.a2u[i] = (uint8_t)(255 - i);
        x.u2a[i] = (uint8_t)(i ^ 0x0f);
    }
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->seen.mu, NULL);
    r->tx = udp_open(&a);
    r->rx = udp_open(&a);
    r->call.call = 42;
    r->call.fd = r->tx;
    r->call.pt = SIP_LAW_PCMA;
    memcpy(&r->call.dest, &a, sizeof(a));
    r->call.dest_len = sizeof(a);
    r->call.ssrc = 0x11223344;
    r->call.ts = 1000;
    r->call.seq = 65535; /* wraps to 0 on the second frame */
    assert_int_equal(sip_playout_start(&r->p, cap, &x, on_played, &r->seen), 0);
}

static void rig_close(struct rig *r, struct sip_playout_stats *st)
{
    sip_playout_stop(r->p, st);
    close(r->tx);
    close(r->rx);
    pthread_mutex_destroy(&r->seen.mu);
}

static uint8_t *samples(size_t n, uint8_t base)
{
    uint8_t *s = malloc(n);

    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        s[i] = (uint8_t)(base + i % 100);
    }
    return s;
}

static void test_frames(void **state)
{
    struct rig r;
    struct sip_playout_stats *st = calloc(1, sizeof(*st));
    uint8_t pkt[4][PKT + 8];
    uint64_t t_add, t_recv[4];
    int id;

    (void)state;
    assert_non_null(st);
    rig_open(&r, 4);
    t_add = now_ms();
    id = sip_playout_add(r.p, &r.call);
    assert_true(id >= 0);
    sip_playout_play(r.p, id, samples(400, 0), 400, SIP_LAW_PCMA, false, 7);
    /* silence frames may go out before the prompt is handed over: skip to the first with it */
    for (int tries = 0; tries < 50; tries++) {
        assert_int_equal(recv_within(r.rx, pkt[0], sizeof(pkt[0]), 2000), PKT);
        if (pkt[0][12] == 0 && pkt[0][13] == 1) {
            break;
        }
    }
    t_recv[0] = now_ms();
    for (int i = 1; i < 4; i++) {
        assert_int_equal(recv_within(r.rx, pkt[i], sizeof(pkt[i]), 2000), PKT);
        t_recv[i] = now_ms();
    }
    for (int i = 0; i < 4; i++) {
        uint16_t seq = (uint16_t)(pkt[i][2] << 8 | pkt[i][3]);
        uint16_t seq0 = (uint16_t)(pkt[0][2] << 8 | pkt[0][3]);
        uint32_t ts, ts0;

        memcpy(&ts, pkt[i] + 4, 4);
        memcpy(&ts0, pkt[0] + 4, 4);
        assert_int_equal(pkt[i][0], 0x80);
        assert_int_equal(pkt[i][1] & 0x7f, SIP_LAW_PCMA);
        assert_int_equal(seq, (uint16_t)(seq0 + i));
        assert_int_equal(ntohl(ts), ntohl(ts0) + (uint32_t)(FRAME * i));
        assert_int_equal(pkt[i][8], 0x11);
        assert_int_equal(pkt[i][11], 0x44);
    }
    /* the prompt, then A-law silence after its 400 samples */
    assert_int_equal(pkt[1][12], 160 % 100);
    assert_int_equal(pkt[2][12 + 79], (320 + 79) % 100);
    assert_int_equal(pkt[2][12 + 80], 0xd5);
    assert_int_equal(pkt[3][12 + FRAME - 1], 0xd5);
    /* paced, not a burst: frame k (from the first seq) never leaves before k periods after
     * the add (the schedule starts at the add's millisecond); a loaded machine may only
     * delay it */
    for (int i = 0; i < 4; i++) {
        uint16_t k = (uint16_t)((pkt[i][2] << 8 | pkt[i][3]) - 65535);

        assert_true(t_recv[i] + 1 >= t_add + 20u * k);
    }
    /* reported when its last frame went out (the third), so by now; bounded wait anyway */
    for (int i = 0; i < 200 && seen_count(&r.seen) == 0; i++) {
        (void)recv_within(r.rx, pkt[0], sizeof(pkt[0]), 10);
    }
    assert_int_equal(seen_count(&r.seen), 1);
    assert_int_equal(r.seen.call, 42);
    assert_int_equal(r.seen.tag, 7);
    assert_false(r.seen.barged);
    sip_playout_remove(r.p, id);
    rig_close(&r, st);
    assert_true(st->frames >= 4);
    assert_true(sip_playout_percentile_us(st, 9900) <= st->late_max_us);
    free(st);
}

static void test_barge_and_law(void **state)
{
    struct rig r;
    uint8_t pkt[PKT + 8];
    int id;

    (void)state;
    rig_open(&r, 4);
    id = sip_playout_add(r.p, &r.call);
    assert_true(id >= 0);
    /* a µ-law prompt on an A-law call goes out converted (the test's u2a: i ^ 0x0f) */
    sip_playout_play(r.p, id, samples(8000, 1), 8000, SIP_LAW_PCMU, false, 1);
    for (int tries = 0; tries < 50; tries++) {
        assert_int_equal(recv_within(r.rx, pkt, sizeof(pkt), 2000), PKT);
        if (pkt[12] != 0xd5) {
            break;
        }
    }
    assert_int_equal(pkt[12] ^ 0x0f, 1);
    assert_int_equal(pkt[13] ^ 0x0f, 2);
    /* a prompt without barge-in is not stopped by a key */
    assert_false(sip_playout_barge(r.p, id));
    assert_int_equal(seen_count(&r.seen), 0);
    /* one with it is, reported at once as barged, and only once */
    sip_playout_play(r.p, id, samples(8000, 0), 8000, SIP_LAW_PCMA, true, 2);
    assert_true(sip_playout_barge(r.p, id));
    assert_int_equal(seen_count(&r.seen), 1);
    assert_int_equal(r.seen.tag, 2);
    assert_true(r.seen.barged);
    assert_false(sip_playout_barge(r.p, id));
    assert_int_equal(seen_count(&r.seen), 1);
    sip_playout_remove(r.p, id);
    rig_close(&r, NULL);
}

static void test_remove_and_full(void **state)
{
    struct rig r;
    uint8_t pkt[PKT + 8];
    int id;

    (void)state;
    rig_open(&r, 1);
    id = sip_playout_add(r.p, &r.call);
    assert_true(id >= 0);
    assert_int_equal(sip_playout_add(r.p, &r.call), MDT_E(FULL));
    sip_playout_play(r.p, id, samples(8000, 0), 8000, SIP_LAW_PCMA, false, 3);
    assert_int_equal(recv_within(r.rx, pkt, sizeof(pkt), 2000), PKT);
    sip_playout_remove(r.p, id); /* its prompt is dropped unreported */
    while (recv_within(r.rx, pkt, sizeof(pkt), 0) >= 0) {
    }
    /* nothing after the removal: five frame periods of silence on the wire */
    assert_int_equal(recv_within(r.rx, pkt, sizeof(pkt), 100), -1);
    assert_int_equal(seen_count(&r.seen), 0);
    /* its place is free again */
    id = sip_playout_add(r.p, &r.call);
    assert_true(id >= 0);
    sip_playout_remove(r.p, id);
    rig_close(&r, NULL);
}

static void test_percentile(void **state)
{
    struct sip_playout_stats *st = calloc(1, sizeof(*st));

    (void)state;
    assert_non_null(st);
    assert_int_equal(sip_playout_percentile_us(st, 9900), 0);
    st->frames = 1000;
    st->hist[0] = 990;                          /* under 100 µs */
    st->hist[50] = 9;                           /* 5.0 to 5.1 ms */
    st->hist[SIP_PLAYOUT_HIST_BUCKETS - 1] = 1; /* beyond the histogram */
    st->late_max_us = 250000;
    assert_int_equal(sip_playout_percentile_us(st, 9900), 100);
    assert_int_equal(sip_playout_percentile_us(st, 9990), 5100);
    assert_int_equal(sip_playout_percentile_us(st, 10000), 250000);
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_barge_and_law),
        cmocka_unit_test(test_remove_and_full),
        cmocka_unit_test(test_percentile),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
