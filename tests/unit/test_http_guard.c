/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/http/http_guard: an evhttp behind the guard on 127.0.0.1, its loop on a
 * thread, and raw sockets as clients: each limit, Content-Length framing, pipelining, a
 * deadline that bytes do not reset, the connection caps, and the cost of a huge header line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "channel/http/http_guard.h"

struct server {
    struct event_base *base;
    struct evhttp *http;
    struct http_guard *guard;
    pthread_t loop;
    uint16_t port;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* /echo answers the body's length: it shows what evhttp took as the body. */
static void on_echo(struct evhttp_request *req, void *arg)
{
    struct evbuffer *b = evbuffer_new();

    (void)arg;
    evbuffer_add_printf(b, "len=%zu\n", evbuffer_get_length(evhttp_request_get_input_buffer(req)));
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

static void *loop_run(void *arg)
{
    struct server *s = arg;

    event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static uint16_t free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static struct server *server_start(const struct http_guard_limits *lim)
{
    struct server *s = calloc(1, sizeof(*s));
    struct mdt_err err = {0};
    char listen[32];

    assert_non_null(s);
    s->base = event_base_new();
    s->http = evhttp_new(s->base);
    s->port = free_port();
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", s->port);
    assert_int_equal(http_guard_listen(s->base, s->http, listen, NULL, lim, &s->guard, &err), 0);
    evhttp_set_cb(s->http, "/echo", on_echo, NULL);
    evhttp_set_max_body_size(s->http, 1 << 20);
    assert_int_equal(pthread_create(&s->loop, NULL, loop_run, s), 0);
    return s;
}

static void server_stop(struct server *s)
{
    event_base_loopbreak(s->base);
    pthread_join(s->loop, NULL);
    evhttp_free(s->http);
    http_guard_free(s->guard);
    event_base_free(s->base);
    free(s);
}

static struct http_guard_limits small_limits(void)
{
    struct http_guard_limits lim;

    http_guard_limits_default(&lim);
    lim.request_line_max = 256;
    lim.header_count_max = 10;
    lim.head_bytes_max = 1024;
    lim.request_deadline_ms = 2000;
    lim.connections_max = 8;
    lim.connections_per_addr_max = 4;
    return lim;
}

static int client_connect(uint16_t port)
{
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Sends what it can (the server may close first), ignoring a reset. */
static void client_send(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n <= 0) {
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

/* Reads until the server closes or timeout_ms passes; out is NUL-terminated. */
static size_t client_read(int fd, char *out, size_t cap, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    size_t got = 0;

    while (got + 1 < cap && now_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&p, 1, (int)(end - now_ms())) <= 0) {
            break;
        }
        n = recv(fd, out + got, cap - 1 - got, 0);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    out[got] = '\0';
    return got;
}

/* One connection: send, read everything until the close (or 5 s), close. */
static void exchange(uint16_t port, const char *data, size_t len, char *out, size_t cap)
{
    int fd = client_connect(port);

    client_send(fd, data, len);
    client_read(fd, out, cap, 5000);
    close(fd);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void test_pipelined_requests_served(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    static const char reqs[] = "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"
                               "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                               "\r\n" /* an empty line between requests is ignored */
                               "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    char out[4096];

    (void)state;
    exchange(s->port, reqs, sizeof(reqs) - 1, out, sizeof(out));
    assert_int_equal(count_of(out, "HTTP/1.1 200 OK"), 3);
    assert_non_null(strstr(out, "len=5"));
    assert_int_equal(count_of(out, "len=0"), 2);
    server_stop(s);
}

/* A body far above a head's worth flows through to evhttp whole, also pipelined between other
 * requests sent at once (the filter stalls and resumes as evhttp reads). */
static void test_large_body_passed(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    size_t body = 300 * 1024;
    char *req = malloc(body + 512);
    size_t n;
    char out[4096];

    (void)state;
    assert_non_null(req);
    n = (size_t)snprintf(req, 256,
                         "GET /echo HTTP/1.1\r\n\r\n"
                         "POST /echo HTTP/1.1\r\nContent-Length: %zu\r\n\r\n",
                         body);
    memset(req + n, 'b', body);
    n += body;
    n += (size_t)snprintf(req + n, 256,
                          "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                          "GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n");
    exchange(s->port, req, n, out, sizeof(out));
    assert_int_equal(count_of(out, "200 OK"), 4);
    assert_non_null(strstr(out, "len=307200"));
    assert_non_null(strstr(out, "len=5"));
    free(req);
    server_stop(s);
}

/* A POST whose head (about 20 KB: 200 headers, then Content-Length) is sent in pieces;
 * repeated: a second Content-Length among the headers. */
static size_t big_head_request(char *req, bool repeated)
{
    size_t n = (size_t)snprintf(req, 64, "POST /echo HTTP/1.1\r\n");

    for (int i = 0; i < 200; i++) {
        n += (size_t)snprintf(req + n, 128, "X-%03d: %090d\r\n", i, i);
    }
    if (repeated) {
        n += (size_t)snprintf(req + n, 64, "Content-Length: 6\r\n");
    }
    n += (size_t)snprintf(req + n, 128, "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
    return n;
}

/* A head that arrives in pieces spread over several buffer chunks (the scanner's other path)
 * is read the same: its Content-Length frames the body, and a repeated one is still refused. */
static void test_head_in_pieces(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s;
    char *req = malloc(32768);
    char out[4096];

    (void)state;
    lim.head_bytes_max = 32768;
    lim.header_count_max = 300;
    s = server_start(&lim);
    assert_non_null(req);
    for (int repeated = 0; repeated < 2; repeated++) {
        size_t n = big_head_request(req, repeated);
        int fd = client_connect(s->port);

        client_send(fd, req, 10000);
        usleep(50 * 1000);
        client_send(fd, req + 10000, 9000);
        usleep(50 * 1000);
        client_send(fd, req + 19000, n - 19000);
        client_read(fd, out, sizeof(out), 5000);
        close(fd);
        assert_non_null(strstr(out, repeated ? "HTTP/1.1 400 " : "len=5"));
        assert_int_equal(count_of(out, "HTTP/1.1 "), 1);
    }
    free(req);
    server_stop(s);
}

/* The head of a refused request, and whatever follows it, never reach evhttp. */
static void expect_refusal(uint16_t port, const char *req, size_t len, const char *status)
{
    char out[4096];

    exchange(port, req, len, out, sizeof(out));
    assert_non_null(strstr(out, status));
    assert_non_null(strstr(out, "Connection: close"));
    assert_null(strstr(out, "200 OK"));
}

static void test_request_line_bounded(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    char req[2048];
    int n = snprintf(req, sizeof(req), "GET /echo?%0300d HTTP/1.1\r\nHost: a\r\n\r\n", 0);

    (void)state;
    expect_refusal(s->port, req, (size_t)n, "HTTP/1.1 414 ");
    /* Still incomplete (no end of line): refused as soon as it is too long. */
    expect_refusal(s->port, req, 300, "HTTP/1.1 414 ");
    server_stop(s);
}

static void test_header_count_bounded(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    char req[2048] = "GET /echo HTTP/1.1\r\n";
    char out[4096];

    (void)state;
    for (int i = 0; i < 10; i++) {
        strcat(req, "X-A: b\r\n");
    }
    strcat(req, "\r\nGET /echo HTTP/1.1\r\nConnection: close\r\n\r\n");
    exchange(s->port, req, strlen(req), out, sizeof(out));
    assert_int_equal(count_of(out, "200 OK"), 2); /* exactly the limit is fine */
    strcpy(strstr(req, "\r\n\r\n") + 2, "X-A: b\r\n\r\n");
    expect_refusal(s->port, req, strlen(req), "HTTP/1.1 431 ");
    server_stop(s);
}

static void test_head_bytes_bounded(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    char req[4096] = "GET /echo HTTP/1.1\r\nX-Big: ";

    (void)state;
    memset(req + strlen(req), 'a', 1100);
    expect_refusal(s->port, req, strlen(req), "HTTP/1.1 431 ");
    strcat(req, "\r\n\r\n");
    expect_refusal(s->port, req, strlen(req), "HTTP/1.1 431 ");
    server_stop(s);
}

static void test_content_length_framing(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    /* Each is followed by a request that would be served if it were read (smuggled). */
    static const char *const bad[] = {
        "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nContent-Length: 4\r\ncontent-length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nContent-Length : 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nX-A: b\r\n Content-Length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
        "HEAD /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd",
    };
    static const char smuggled[] = "GET /echo HTTP/1.1\r\n\r\n";
    char req[512];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(req, sizeof(req), "%s%s", bad[i], smuggled);
        expect_refusal(s->port, req, strlen(req), "HTTP/1.1 400 ");
    }
    snprintf(req, sizeof(req),
             "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
             "4\r\nabcd\r\n0\r\n\r\n%s",
             smuggled);
    expect_refusal(s->port, req, strlen(req), "HTTP/1.1 411 ");
    server_stop(s);
}

/* A byte every 100 ms does not keep a request alive past its 300 ms. */
static void test_deadline_not_reset_by_bytes(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s;
    static const char slow[] = "GET /echo HTTP/1.1\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n";
    char out[1024] = "";
    int fd;
    int64_t t0;

    (void)state;
    lim.request_deadline_ms = 300;
    s = server_start(&lim);
    fd = client_connect(s->port);
    t0 = now_ms();
    for (size_t i = 0; i < sizeof(slow) - 1 && out[0] == '\0'; i++) {
        client_send(fd, slow + i, 1);
        client_read(fd, out, sizeof(out), 100);
    }
    client_read(fd, out + strlen(out), sizeof(out) - strlen(out), 1000);
    assert_non_null(strstr(out, "HTTP/1.1 408 "));
    assert_true(now_ms() - t0 < 1000);
    close(fd);
    /* A connection that sends nothing is closed at the deadline, without an answer. */
    fd = client_connect(s->port);
    t0 = now_ms();
    assert_int_equal(client_read(fd, out, sizeof(out), 3000), 0);
    assert_true(now_ms() - t0 < 1000);
    close(fd);
    server_stop(s);
}

/* A 8 MiB header line costs the server time linear in its length: refused in well under a
 * second (the old server took seconds, quadratic), with the rest of the stream dropped. */
static void test_huge_header_line_cheap(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    size_t len = 8u << 20;
    char *req = malloc(len);
    char out[1024];
    int64_t t0 = now_ms();

    (void)state;
    assert_non_null(req);
    memcpy(req, "GET /echo HTTP/1.1\r\nX-A: ", 25);
    memset(req + 25, 'a', len - 25);
    exchange(s->port, req, len, out, sizeof(out));
    assert_non_null(strstr(out, "HTTP/1.1 431 "));
    assert_true(now_ms() - t0 < 3000);
    free(req);
    server_stop(s);
}

/* Connections past the caps get 503 with Retry-After and are closed; others still work. */
static void test_connection_caps(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    static const char get[] = "GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n";
    int fds[8];
    char out[1024];

    (void)state;
    for (int i = 0; i < 4; i++) {
        fds[i] = client_connect(s->port);
    }
    usleep(100 * 1000);
    exchange(s->port, get, sizeof(get) - 1, out, sizeof(out));
    assert_non_null(strstr(out, "HTTP/1.1 503 "));
    assert_non_null(strstr(out, "Retry-After: 1"));
    assert_non_null(strstr(out, "4 connections from your address"));
    close(fds[3]);
    usleep(100 * 1000);
    exchange(s->port, get, sizeof(get) - 1, out, sizeof(out));
    assert_non_null(strstr(out, "200 OK"));
    close(fds[0]);
    close(fds[1]);
    close(fds[2]);
    server_stop(s);

    lim.connections_per_addr_max = 100;
    s = server_start(&lim);
    for (int i = 0; i < 8; i++) {
        fds[i] = client_connect(s->port);
    }
    usleep(100 * 1000);
    exchange(s->port, get, sizeof(get) - 1, out, sizeof(out));
    assert_non_null(strstr(out, "HTTP/1.1 503 "));
    assert_non_null(strstr(out, "more than 8 connections"));
    for (int i = 0; i < 8; i++) {
        close(fds[i]);
    }
    server_stop(s);
}

/* A client asking for the guard's own path is not answered as if refused. */
static void test_guard_path_not_for_clients(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct server *s = server_start(&lim);
    static const char req[] = "GET /.mandat-guard HTTP/1.1\r\nConnection: close\r\n\r\n";
    char out[1024];

    (void)state;
    exchange(s->port, req, sizeof(req) - 1, out, sizeof(out));
    assert_non_null(strstr(out, "HTTP/1.1 404 "));
    server_stop(s);
}

static void test_limits_checked(void **state)
{
    struct http_guard_limits lim = small_limits();
    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    struct http_guard *g = NULL;
    struct mdt_err err = {0};

    (void)state;
    lim.connections_max = 0;
    assert_int_equal(http_guard_listen(base, http, "127.0.0.1:1", NULL, &lim, &g, &err),
                     MDT_E(INVAL));
    lim = small_limits();
    assert_int_equal(http_guard_listen(base, http, "no port", NULL, &lim, &g, &err), MDT_E(INVAL));
    assert_null(g);
    evhttp_free(http);
    event_base_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_requests_served),
        cmocka_unit_test(test_large_body_passed),
        cmocka_unit_test(test_head_in_pieces),
        cmocka_unit_test(test_request_line_bounded),
        cmocka_unit_test(test_header_count_bounded),
        cmocka_unit_test(test_head_bytes_bounded),
        cmocka_unit_test(test_content_length_framing),
        cmocka_unit_test(test_deadline_not_reset_by_bytes),
        cmocka_unit_test(test_huge_header_line_cheap),
        cmocka_unit_test(test_connection_caps),
        cmocka_unit_test(test_guard_path_not_for_clients),
        cmocka_unit_test(test_limits_checked),
    };

    evthread_use_pthreads();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
