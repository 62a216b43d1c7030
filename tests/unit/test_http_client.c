/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/http/http_client: requests against an in-process libevent HTTP server on
 * 127.0.0.1 and the same event_base (headers and bodies both ways, statuses, refused
 * connections, deadlines, body limits, the SSRF guard on literals and on resolved names, done
 * never called from inside a call). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "base/limits.h"
#include "channel/http/http_client.h"

/* What the server saw of the last request, and what the client got back. */
struct harness {
    struct event_base *base;
    struct evhttp *http;
    uint16_t port;
    struct http_client *c;
    struct evhttp_request *hanging; /* a request the server never answers */
    int requests;
    char method[8];
    char uri[128];
    char auth[128];
    char custom[64];
    char agent[64];
    char host[64];
    char connection[32];
    char length[16];
    char body_in[256];
    bool in_call; /* http_client_request is on the stack */
    int dones;
    struct {
        int status;
        int status_line;
        enum http_client_fail fail;
        char error[200];
        char body[4096];
        size_t body_len;
        char reply_header[64];
        char retry_after[16];
    } got;
};

static void copy_header(const struct evkeyvalq *h, const char *name, char *out, size_t cap)
{
    const char *v = h != NULL ? evhttp_find_header(h, name) : NULL;

    snprintf(out, cap, "%s", v != NULL ? v : "");
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct harness *h = arg;
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    struct evbuffer *out = evbuffer_new();
    const char *uri = evhttp_request_get_uri(req);
    size_t len = evbuffer_get_length(body);

    h->requests++;
    snprintf(h->method, sizeof(h->method), "%s",
             evhttp_request_get_command(req) == EVHTTP_REQ_POST  ? "POST"
             : evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET"
                                                                 : "OTHER");
    snprintf(h->uri, sizeof(h->uri), "%s", uri);
    copy_header(in, "Authorization", h->auth, sizeof(h->auth));
    copy_header(in, "X-Custom", h->custom, sizeof(h->custom));
    copy_header(in, "User-Agent", h->agent, sizeof(h->agent));
    copy_header(in, "Host", h->host, sizeof(h->host));
    copy_header(in, "Connection", h->connection, sizeof(h->connection));
    copy_header(in, "Content-Length", h->length, sizeof(h->length));
    len = len < sizeof(h->body_in) - 1 ? len : sizeof(h->body_in) - 1;
    evbuffer_copyout(body, h->body_in, len);
    h->body_in[len] = '\0';
    if (strncmp(uri, "/hang", 5) == 0) {
        h->hanging = req; /* never answered; evhttp_free drops it */
        evbuffer_free(out);
        return;
    }
    if (strncmp(uri, "/limited", 8) == 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "30");
        evbuffer_add_printf(out, "slow down");
        evhttp_send_reply(req, 429, "Too Many Requests", out);
    } else if (strncmp(uri, "/big", 4) == 0) {
        for (int i = 0; i < 2000; i++) {
            evbuffer_add(out, "x", 1);
        }
        evhttp_send_reply(req, 200, "OK", out);
    } else {
        evhttp_add_header(evhttp_request_get_output_headers(req), "X-Reply", "yes");
        evbuffer_add_printf(out, "hello %s", h->method);
        evhttp_send_reply(req, 200, "OK", out);
    }
    evbuffer_free(out);
}

static void on_done(void *arg, const struct http_response *r)
{
    struct harness *h = arg;

    assert_false(h->in_call); /* never from inside http_client_request */
    h->dones++;
    h->got.status = r->status;
    h->got.status_line = r->status_line;
    h->got.fail = r->fail;
    snprintf(h->got.error, sizeof(h->got.error), "%s", r->error);
    assert_non_null(r->body);
    assert_int_equal(r->body[r->body_len], '\0');
    h->got.body_len = r->body_len;
    snprintf(h->got.body, sizeof(h->got.body), "%s", r->body);
    if (r->status == 0) {
        assert_null(r->headers);
        assert_string_not_equal(r->error, "");
        assert_true(r->fail != HTTP_CLIENT_OK);
    } else {
        assert_non_null(r->headers);
        assert_string_equal(r->error, "");
        assert_int_equal(r->fail, HTTP_CLIENT_OK);
    }
    copy_header(r->headers, "X-Reply", h->got.reply_header, sizeof(h->got.reply_header));
    copy_header(r->headers, "Retry-After", h->got.retry_after, sizeof(h->got.retry_after));
}

static void harness_start_hosts(struct harness *h, uint32_t timeout_s, size_t body_max,
                                bool allow_private, const char *hosts_file)
{
    struct http_client_config cfg;
    struct evhttp_bound_socket *sock;
    struct sockaddr_storage ss;
    ev_socklen_t sl = sizeof(ss);
    struct mdt_err err = {0};

    memset(h, 0, sizeof(*h));
    h->base = event_base_new();
    assert_non_null(h->base);
    h->http = evhttp_new(h->base);
    sock = evhttp_bind_socket_with_handle(h->http, "127.0.0.1", 0);
    assert_non_null(sock);
    assert_int_equal(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &sl), 0);
    h->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    evhttp_set_gencb(h->http, on_request, h);
    memset(&cfg, 0, sizeof(cfg));
    cfg.timeout_s = timeout_s;
    cfg.body_max = body_max;
    cfg.allow_private = allow_private;
    snprintf(cfg.hosts_file, sizeof(cfg.hosts_file), "%s", hosts_file);
    assert_int_equal(http_client_start(h->base, &cfg, &h->c, &err), 0);
}

static void harness_start(struct harness *h, uint32_t timeout_s, size_t body_max,
                          bool allow_private)
{
    harness_start_hosts(h, timeout_s, body_max, allow_private, "");
}

static void harness_stop(struct harness *h)
{
    http_client_free(h->c);
    evhttp_free(h->http);
    event_base_free(h->base);
}

/* Send a request with the in_call flag up, so that a synchronous done fails the test. */
static int request_to(struct harness *h, enum evhttp_cmd_type method, const char *path,
                      const struct http_header *hd, size_t n, const char *body, struct mdt_err *err)
{
    char url[128];
    int rc;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", h->port, path);
    h->in_call = true;
    rc = http_client_request(h->c, method, url, hd, n, body, body != NULL ? strlen(body) : 0,
                             on_done, h, err);
    h->in_call = false;
    return rc;
}

/* Run the loop until done came `want` times, 5 s at most. */
static void run_until_done(struct harness *h, int want)
{
    for (int i = 0; i < 500 && h->dones < want; i++) {
        struct timeval ten_ms = {0, 10000};

        event_base_loopexit(h->base, &ten_ms);
        event_base_dispatch(h->base);
    }
    assert_int_equal(h->dones, want);
    assert_int_equal(http_client_in_flight(h->c), 0);
}

/* A free port on 127.0.0.1: bound, then closed, so that connecting to it is refused. */
static uint16_t closed_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void test_get_with_headers(void **state)
{
    static const struct http_header hd[] = {{"Authorization", "Bearer s3cret-token"},
                                            {"X-Custom", "one two"}};
    struct harness h;
    struct mdt_err err = {0};
    char host[32];

    (void)state;
    harness_start(&h, 5, 0, true);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/timeline?limit=5", hd, 2, NULL, &err), 0);
    assert_int_equal(h.dones, 0);
    assert_int_equal(http_client_in_flight(h.c), 1);
    run_until_done(&h, 1);
    assert_int_equal(h.requests, 1);
    assert_string_equal(h.method, "GET");
    assert_string_equal(h.uri, "/timeline?limit=5");
    assert_string_equal(h.auth, "Bearer s3cret-token");
    assert_string_equal(h.custom, "one two");
    assert_string_equal(h.agent, HTTP_CLIENT_USER_AGENT);
    snprintf(host, sizeof(host), "127.0.0.1:%u", h.port);
    assert_string_equal(h.host, host);
    assert_string_equal(h.connection, "close");
    assert_string_equal(h.length, ""); /* a GET without a body has none */
    assert_int_equal(h.got.status, 200);
    assert_int_equal(h.got.status_line, 200);
    assert_string_equal(h.got.body, "hello GET");
    assert_int_equal(h.got.body_len, 9);
    assert_string_equal(h.got.reply_header, "yes");
    harness_stop(&h);
}

static void test_post_body(void **state)
{
    static const struct http_header hd[] = {{"Content-Type", "application/json"},
                                            {"user-agent", "mandat-social/1"}};
    struct harness h;
    struct mdt_err err = {0};

    (void)state;
    harness_start(&h, 5, 0, true);
    assert_int_equal(
        request_to(&h, EVHTTP_REQ_POST, "/statuses", hd, 2, "{\"status\":\"hi\"}", &err), 0);
    run_until_done(&h, 1);
    assert_string_equal(h.method, "POST");
    assert_string_equal(h.body_in, "{\"status\":\"hi\"}");
    assert_string_equal(h.length, "15");
    assert_string_equal(h.agent, "mandat-social/1"); /* the caller's, not the default */
    assert_int_equal(h.got.status, 200);
    assert_string_equal(h.got.body, "hello POST");
    /* Two in flight at once, each with its own answer. */
    assert_int_equal(request_to(&h, EVHTTP_REQ_POST, "/a", NULL, 0, "", &err), 0);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/limited", NULL, 0, NULL, &err), 0);
    assert_int_equal(http_client_in_flight(h.c), 2);
    run_until_done(&h, 3);
    assert_int_equal(h.requests, 3);
    harness_stop(&h);
}

static void test_status_429(void **state)
{
    struct harness h;
    struct mdt_err err = {0};

    (void)state;
    harness_start(&h, 5, 0, true);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/limited", NULL, 0, NULL, &err), 0);
    run_until_done(&h, 1);
    assert_int_equal(h.got.status, 429);
    assert_string_equal(h.got.retry_after, "30");
    assert_string_equal(h.got.body, "slow down");
    harness_stop(&h);
}

static void test_connection_refused(void **state)
{
    struct harness h;
    struct mdt_err err = {0};
    char url[64];

    (void)state;
    harness_start(&h, 5, 0, true);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", closed_port());
    h.in_call = true;
    assert_int_equal(
        http_client_request(h.c, EVHTTP_REQ_GET, url, NULL, 0, NULL, 0, on_done, &h, &err), 0);
    h.in_call = false;
    assert_int_equal(h.dones, 0);
    run_until_done(&h, 1);
    assert_int_equal(h.got.status, 0);
    assert_int_equal(h.got.status_line, 0);
    assert_int_equal(h.got.fail, HTTP_CLIENT_FAIL_CONNECT);
    assert_string_equal(h.got.error, "connection refused");
    harness_stop(&h);
}

static void test_deadline(void **state)
{
    struct harness h;
    struct mdt_err err = {0};

    (void)state;
    harness_start(&h, 1, 0, true);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/hang", NULL, 0, NULL, &err), 0);
    run_until_done(&h, 1);
    assert_int_equal(h.requests, 1); /* the server got it and never answered */
    assert_int_equal(h.got.status, 0);
    assert_int_equal(h.got.fail, HTTP_CLIENT_FAIL_TIMEOUT);
    assert_string_equal(h.got.error, "timed out after 1 s");
    harness_stop(&h);
}

static void test_body_max(void **state)
{
    struct harness h;
    struct mdt_err err = {0};

    (void)state;
    harness_start(&h, 5, 1000, true);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/big", NULL, 0, NULL, &err), 0);
    run_until_done(&h, 1);
    assert_int_equal(h.got.status, 0);
    assert_int_equal(h.got.status_line, 200); /* the head came; the body was too large */
    assert_int_equal(h.got.fail, HTTP_CLIENT_FAIL_TOO_LARGE);
    assert_non_null(strstr(h.got.error, "response too large"));
    assert_string_equal(h.got.body, "");
    harness_stop(&h);
    /* Within the limit, the whole body. */
    harness_start(&h, 5, 2000, true);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/big", NULL, 0, NULL, &err), 0);
    run_until_done(&h, 1);
    assert_int_equal(h.got.status, 200);
    assert_int_equal(h.got.body_len, 2000);
    harness_stop(&h);
}

static void test_ssrf_guard(void **state)
{
    static const char *const urls[] = {"http://127.0.0.1:1/x",
                                       "https://localhost/x",
                                       "http://10.1.2.3/x",
                                       "http://[::1]/x",
                                       "http://192.168.0.1/x",
                                       "http://LOCALHOST/x",
                                       "http://Api.LocalHost./x",
                                       "http://[::ffff:127.0.0.1]/x",
                                       "http://[::ffff:7f00:1]/x",
                                       "http://2130706433/x",
                                       "http://0x7f.1/x",
                                       "http://0177.0.0.1/x",
                                       "http://[fd12::1]/x",
                                       "http://169.254.169.254/latest/meta-data/",
                                       "http://[64:ff9b::a9fe:a9fe]/x"};
    struct harness h;
    struct mdt_err err = {0};

    (void)state;
    harness_start(&h, 5, 0, false);
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        mdt_err_clear(&err);
        assert_int_equal(
            http_client_request(h.c, EVHTTP_REQ_GET, urls[i], NULL, 0, NULL, 0, on_done, &h, &err),
            MDT_E(INVAL));
        assert_int_equal(strncmp(err.msg, HTTP_CLIENT_SSRF_PREFIX, strlen(HTTP_CLIENT_SSRF_PREFIX)),
                         0);
    }
    assert_int_equal(http_client_in_flight(h.c), 0);
    run_until_done(&h, 0); /* done is not called for a refused request */
    assert_int_equal(h.requests, 0);
    harness_stop(&h);
}

/* A hosts file of the test's own, read before DNS: names it controls, no outside address. */
static void hosts_file_make(char *path, size_t cap)
{
    FILE *f;
    int fd;

    snprintf(path, cap, "/tmp/mandat-hosts-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "127.0.0.1 evil.mandat.test shop.mandat.test\n"
               "10.0.0.7 intranet.mandat.test\n");
    fclose(f);
}

/* A name is resolved once and every address checked: one that resolves to loopback, private or
 * mapped loopback is refused after the lookup (done says why, nothing connects); with
 * allow_private the connection goes to the address while Host keeps the name. */
static void test_ssrf_resolved(void **state)
{
    static const struct {
        const char *host;
        const char *why;
    } refused[] = {
        {"evil.mandat.test", "SSRF guard: evil.mandat.test resolves to 127.0.0.1, loopback"},
        {"EVIL.Mandat.Test", "SSRF guard: evil.mandat.test resolves to 127.0.0.1, loopback"},
        {"intranet.mandat.test", "resolves to 10.0.0.7, private (10.0.0.0/8)"},
    };
    struct harness h;
    struct mdt_err err = {0};
    char hosts[64], url[128], want_host[64];

    (void)state;
    hosts_file_make(hosts, sizeof(hosts));
    harness_start_hosts(&h, 5, 0, false, hosts);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(url, sizeof(url), "http://%s:%u/x", refused[i].host, h.port);
        h.in_call = true;
        assert_int_equal(
            http_client_request(h.c, EVHTTP_REQ_GET, url, NULL, 0, NULL, 0, on_done, &h, &err), 0);
        h.in_call = false;
        run_until_done(&h, (int)i + 1);
        assert_int_equal(h.got.status, 0);
        assert_int_equal(h.got.fail, HTTP_CLIENT_FAIL_REFUSED);
        if (strstr(h.got.error, refused[i].why) == NULL) {
            fail_msg("%s: %s", refused[i].host, h.got.error);
        }
    }
    assert_int_equal(h.requests, 0);
    harness_stop(&h);
    /* Allowed: connected to 127.0.0.1, the name in Host. */
    harness_start_hosts(&h, 5, 0, true, hosts);
    snprintf(url, sizeof(url), "http://Shop.Mandat.Test:%u/ok", h.port);
    h.in_call = true;
    assert_int_equal(
        http_client_request(h.c, EVHTTP_REQ_GET, url, NULL, 0, NULL, 0, on_done, &h, &err), 0);
    h.in_call = false;
    run_until_done(&h, 1);
    assert_int_equal(h.got.status, 200);
    snprintf(want_host, sizeof(want_host), "shop.mandat.test:%u", h.port);
    assert_string_equal(h.host, want_host);
    assert_string_equal(h.uri, "/ok");
    harness_stop(&h);
    /* An unreadable hosts file is the caller's mistake, said as such. */
    {
        struct event_base *base = event_base_new();
        struct http_client_config cfg = {.timeout_s = 1, .hosts_file = "/nonexistent/hosts"};
        struct http_client *c = NULL;

        assert_int_equal(http_client_start(base, &cfg, &c, &err), MDT_E(INVAL));
        assert_non_null(strstr(err.msg, "hosts_file '/nonexistent/hosts'"));
        event_base_free(base);
    }
    unlink(hosts);
}

static void test_refused_requests(void **state)
{
    static const struct http_header crlf[] = {{"X-Custom", "a\r\nInjected: yes"}};
    static const struct http_header host[] = {{"Host", "other.example"}};
    static const struct http_header name[] = {{"Bad Name", "x"}};
    struct harness h;
    struct mdt_err err = {0};

    (void)state;
    harness_start(&h, 5, 0, true);
    assert_int_equal(http_client_request(h.c, EVHTTP_REQ_GET, "ftp://example.org/", NULL, 0, NULL,
                                         0, on_done, &h, &err),
                     MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "unsupported scheme"));
    assert_int_equal(http_client_request(h.c, EVHTTP_REQ_GET, "https://a b/", NULL, 0, NULL, 0,
                                         on_done, &h, &err),
                     MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "not a URL"));
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/", crlf, 1, NULL, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "line break"));
    assert_null(strstr(err.msg, "Injected")); /* values are never shown */
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/", host, 1, NULL, &err), MDT_E(INVAL));
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/", name, 1, NULL, &err), MDT_E(INVAL));
    run_until_done(&h, 0);
    assert_int_equal(h.requests, 0);
    harness_stop(&h);
}

/* Freeing the client cancels what is in flight without calling done. */
static void test_free_cancels(void **state)
{
    struct harness h;
    struct mdt_err err = {0};
    char url[64];

    (void)state;
    harness_start(&h, 5, 0, true);
    assert_int_equal(request_to(&h, EVHTTP_REQ_GET, "/hang", NULL, 0, NULL, &err), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", closed_port());
    assert_int_equal(
        http_client_request(h.c, EVHTTP_REQ_GET, url, NULL, 0, NULL, 0, on_done, &h, &err), 0);
    for (int i = 0; i < 100 && h.requests == 0; i++) {
        struct timeval ten_ms = {0, 10000};

        event_base_loopexit(h.base, &ten_ms);
        event_base_dispatch(h.base);
    }
    assert_int_equal(h.requests, 1);
    assert_int_equal(h.dones, 1); /* the refused one */
    assert_int_equal(http_client_in_flight(h.c), 1);
    http_client_free(h.c);
    h.c = NULL;
    evhttp_free(h.http);
    event_base_free(h.base);
    assert_int_equal(h.dones, 1);
}

static void test_config_checked(void **state)
{
    struct http_client_config cfg;
    struct http_client *c = NULL;
    struct mdt_err err = {0};
    struct event_base *base = event_base_new();

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(http_client_start(base, &cfg, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "timeout"));
    cfg.timeout_s = 10;
    cfg.body_max = HTTP_CLIENT_BODY_MAX_LIMIT + 1;
    assert_int_equal(http_client_start(base, &cfg, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "body_max"));
    cfg.body_max = 0;
    snprintf(cfg.tls_ca_file, sizeof(cfg.tls_ca_file), "/nonexistent/ca.pem");
    assert_int_equal(http_client_start(base, &cfg, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "tls_ca_file '/nonexistent/ca.pem'"));
    event_base_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_with_headers), cmocka_unit_test(test_post_body),
        cmocka_unit_test(test_status_429),       cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_deadline),         cmocka_unit_test(test_body_max),
        cmocka_unit_test(test_ssrf_guard),       cmocka_unit_test(test_ssrf_resolved),
        cmocka_unit_test(test_refused_requests), cmocka_unit_test(test_free_cancels),
        cmocka_unit_test(test_config_checked),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
