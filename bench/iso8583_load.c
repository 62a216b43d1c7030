// SPDX-License-Identifier: Apache-2.0
/*
 * The load of bench/iso8583.sh: authorizations (0100, 0.01 EUR purchases of one card, each its own
 * RRN) over CONNS connections spread over the host's links, WINDOW in flight on each, for SECONDS;
 * prints durable authorizations per second and the p50/p99 latency (send to answer). One thread
 * and epoll, so that the client takes as little of the machine's two cores as it can; messages
 * are built and parsed with mandat's codec (the bench measures the host, not the codec's
 * independence: the e2e test does that with the npm package).
 * Usage: bench_iso8583_load PAN SECONDS CONNS WINDOW PORT...
 */
#include "channel/iso8583/iso8583.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNS_MAX = 64, WINDOW_MAX = 1024, OUT_MAX = 256 * 1024, LAT_MAX = 4 * 1000 * 1000 };

struct conn {
    int fd;
    unsigned index;
    struct iso8583_reader reader;
    uint8_t out[OUT_MAX];
    size_t out_len;
    size_t in_flight;
    int64_t sent_ns[WINDOW_MAX]; /* by slot: STAN = index * WINDOW_MAX + slot */
};

static const char *pan;
static unsigned window;
static uint64_t seq;
static uint32_t *lat_us;
static size_t lat_n;
static uint64_t approved, declined;
static unsigned codes[100];

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_iso8583_load: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Append one 0100 for slot to c's output buffer. */
static void queue_request(struct conn *c, unsigned slot)
{
    struct iso8583_msg m;
    struct mdt_err err = {0};
    char stan[8], rrn[16], term[16];
    size_t len = 0;

    seq++;
    snprintf(stan, sizeof stan, "%06u", c->index * WINDOW_MAX + slot);
    snprintf(rrn, sizeof rrn, "%012" PRIu64, seq);
    snprintf(term, sizeof term, "BENCH%03u", (unsigned)(seq % 1000));
    iso8583_init(&m, "0100", &err);
    iso8583_set_str(&m, 2, pan, &err);
    iso8583_set_str(&m, 3, "000000", &err);
    iso8583_set_str(&m, 4, "000000000001", &err);
    iso8583_set_str(&m, 7, "1207101500", &err);
    iso8583_set_str(&m, 11, stan, &err);
    iso8583_set_str(&m, 32, "12345", &err);
    iso8583_set_str(&m, 37, rrn, &err);
    iso8583_set_str(&m, 41, term, &err);
    iso8583_set_str(&m, 49, "978", &err);
    if (c->out_len + 2 + ISO8583_MSG_MAX > OUT_MAX ||
        iso8583_build(&m, c->out + c->out_len + 2, OUT_MAX - c->out_len - 2, &len, &err) < 0) {
        fprintf(stderr, "bench_iso8583_load: cannot build: %s\n", err.msg);
        exit(1);
    }
    iso8583_header_put(len, c->out + c->out_len);
    c->out_len += 2 + len;
    c->sent_ns[slot] = now_ns();
    c->in_flight++;
}

static void flush(struct conn *c)
{
    size_t off = 0;

    while (off < c->out_len) {
        ssize_t n = write(c->fd, c->out + off, c->out_len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = c->fd, .events = POLLOUT};
            poll(&p, 1, 100); /* the host reads as it answers: wait for room */
            continue;
        }
        if (n < 0) {
            die("write");
        }
        off += (size_t)n;
    }
    c->out_len = 0;
}

/* One answer: its latency, its code; the slot's next request when the run is not over. */
static void on_answer(struct conn *c, const uint8_t *msg, size_t len, bool more)
{
    struct iso8583_msg m;
    struct mdt_err err = {0};
    uint64_t stan = 0;
    const struct iso8583_slice *rc;

    if (iso8583_parse(msg, len, &m, &err) < 0 || iso8583_number(&m, 11, &stan) < 0) {
        fprintf(stderr, "bench_iso8583_load: bad answer: %s\n", err.msg);
        exit(1);
    }
    unsigned slot = (unsigned)(stan % WINDOW_MAX);
    rc = iso8583_get(&m, 39);
    if (rc != NULL && rc->len == 2 && rc->p[0] >= '0' && rc->p[0] <= '9' && rc->p[1] >= '0' &&
        rc->p[1] <= '9') {
        codes[(rc->p[0] - '0') * 10 + (rc->p[1] - '0')]++;
    }
    if (rc != NULL && rc->len == 2 && memcmp(rc->p, "00", 2) == 0) {
        approved++;
    } else {
        declined++;
    }
    if (lat_n < LAT_MAX) {
        lat_us[lat_n++] = (uint32_t)((now_ns() - c->sent_ns[slot]) / 1000);
    }
    c->in_flight--;
    if (more) {
        queue_request(c, slot);
    }
}

static void on_readable(struct conn *c, bool more)
{
    uint8_t buf[65536];

    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            die("read (connection closed)");
        }
        size_t off = 0;
        while (off < (size_t)n) {
            const uint8_t *msg;
            size_t msg_len, used;
            struct mdt_err err = {0};
            int r = iso8583_reader_feed(&c->reader, buf + off, (size_t)n - off, &used, &msg,
                                        &msg_len, &err);
            if (r < 0) {
                fprintf(stderr, "bench_iso8583_load: %s\n", err.msg);
                exit(1);
            }
            off += used;
            if (r == 1) {
                on_answer(c, msg, msg_len, more);
            }
        }
    }
    flush(c);
}

static int connect_to(unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        die("socket");
    }
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        die("connect");
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static double pct(double q)
{
    size_t i = (size_t)(q * (double)lat_n);

    return lat_n == 0 ? 0 : lat_us[i < lat_n ? i : lat_n - 1] / 1000.0;
}

int main(int argc, char **argv)
{
    static struct conn conns[CONNS_MAX];
    struct epoll_event ev[CONNS_MAX];
    unsigned nconns, nports;
    double seconds;

    if (argc < 6) {
        fprintf(stderr, "usage: %s PAN SECONDS CONNS WINDOW PORT...\n", argv[0]);
        return 2;
    }
    pan = argv[1];
    seconds = strtod(argv[2], NULL);
    nconns = (unsigned)strtoul(argv[3], NULL, 10);
    window = (unsigned)strtoul(argv[4], NULL, 10);
    nports = (unsigned)(argc - 5);
    if (nconns == 0 || nconns > CONNS_MAX || window == 0 || window > WINDOW_MAX || seconds <= 0) {
        fprintf(stderr, "bench_iso8583_load: 1 to %d connections, 1 to %d in flight each\n",
                CONNS_MAX, WINDOW_MAX);
        return 2;
    }
    lat_us = malloc(sizeof *lat_us * LAT_MAX);
    int ep = epoll_create1(0);
    if (lat_us == NULL || ep < 0) {
        die("setup");
    }
    for (unsigned i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        c->index = i;
        c->fd = connect_to((unsigned)strtoul(argv[5 + i % nports], NULL, 10));
        iso8583_reader_init(&c->reader, 0);
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0) {
            die("epoll_ctl");
        }
    }
    /* RRNs unique across runs on one database: the host answers 05 to a new request reusing an
     * original's RRN and terminal. A run sends fewer than a million. */
    seq = (uint64_t)time(NULL) % 1000000 * 1000000;
    int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9);
    for (unsigned i = 0; i < nconns; i++) {
        for (unsigned s = 0; s < window; s++) {
            queue_request(&conns[i], s);
        }
        flush(&conns[i]);
    }
    for (;;) {
        size_t in_flight = 0;
        for (unsigned i = 0; i < nconns; i++) {
            in_flight += conns[i].in_flight;
        }
        if (in_flight == 0) {
            break;
        }
        int n = epoll_wait(ep, ev, CONNS_MAX, 1000);
        if (n < 0 && errno != EINTR) {
            die("epoll_wait");
        }
        bool more = now_ns() < end;
        for (int i = 0; i < n; i++) {
            on_readable(ev[i].data.ptr, more);
        }
    }
    double took = (double)(now_ns() - t0) / 1e9;
    qsort(lat_us, lat_n, sizeof *lat_us, cmp_u32);
    printf("%4u x %3u in flight | %8.0f auth/s | p50 %6.2f ms | p99 %6.2f ms | 00: %" PRIu64
           ", other: %" PRIu64,
           nconns, window, (double)approved / took, pct(0.5), pct(0.99), approved, declined);
    for (unsigned i = 1; i < 100; i++) {
        if (codes[i] != 0) {
            printf(" (%02u: %u)", i, codes[i]);
        }
    }
    printf("\n");
    free(lat_us);
    close(ep);
    return 0;
}
