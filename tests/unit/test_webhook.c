/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/http webhooks: the retry schedule, what a try does to its row, request
 * targets from URLs, the headers of a try, and the sender itself against an in-process libevent
 * HTTP server (delivered, retried, duplicates ignored, memory bounded, bad URLs failed). */
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

#include "base/id128.h"
#include "base/limits.h"
#include "channel/webhook/webhook.h"
#include "channel/webhook/webhook_int.h"

#define S_US 1000000LL

/* ---- the schedule ---- */

static void test_backoff_doubles_to_the_cap(void **state)
{
    static const int64_t want_s[] = {10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};

    (void)state;
    for (uint32_t n = 1; n <= sizeof(want_s) / sizeof(want_s[0]); n++) {
        assert_int_equal(webhook_backoff_us(n, 10, 0), want_s[n - 1] * S_US);
    }
    /* Far past the cap, no overflow. */
    assert_int_equal(webhook_backoff_us(1000, 10, 0), 3600 * S_US);
    assert_int_equal(webhook_backoff_us(UINT32_MAX, 10, 0), 3600 * S_US);
    assert_int_equal(webhook_backoff_us(1, 1, 0), 1 * S_US);
    assert_int_equal(webhook_backoff_us(3, 1, 0), 4 * S_US);
    assert_int_equal(webhook_backoff_us(1, 3600, 0), 3600 * S_US);
    assert_int_equal(webhook_backoff_us(2, 3600, 0), 3600 * S_US);
}

/* The jitter takes at most a quarter off, never adds, and spreads over that range. */
static void test_backoff_jitter(void **state)
{
    int64_t lo = INT64_MAX, hi = 0;

    (void)state;
    assert_int_equal(webhook_backoff_us(1, 10, UINT32_MAX), 10 * S_US - (int64_t)(2.5 * S_US) + 1);
    assert_int_equal(webhook_backoff_us(1, 10, 1u << 31), 10 * S_US - 1250000);
    assert_true(webhook_backoff_us(20, 10, UINT32_MAX) >= 2700 * S_US);
    for (uint32_t r = 0; r < 1000; r++) {
        int64_t d = webhook_backoff_us(2, 10, r * 4294967u);

        assert_true(d > 15 * S_US && d <= 20 * S_US);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(hi - lo > 4 * S_US);
}

static struct webhook_row row_new(int64_t created_us)
{
    struct webhook_row r;

    memset(&r, 0, sizeof(r));
    r.id.hi = 0x0123456789abcdefULL;
    r.id.lo = 0xfedcba9876543210ULL;
    r.merchant_id = 6;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:1/hooks");
    snprintf(r.type, sizeof(r.type), "payment_request.confirmed");
    r.state = WEBHOOK_QUEUED;
    r.created_us = created_us;
    r.next_try_us = created_us;
    snprintf(r.body, sizeof(r.body), "{\"id\":\"x\"}");
    return r;
}

static void test_after_try(void **state)
{
    const int64_t t0 = 1795428000 * S_US;
    struct webhook_row r = row_new(t0);

    (void)state;
    /* 2xx delivers; anything else is retried with the schedule. */
    assert_int_equal(webhook_row_after_try(&r, 500, t0, 10, 86400, 0), WEBHOOK_OUT_RETRY);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.state, WEBHOOK_QUEUED);
    assert_int_equal(r.next_try_us, t0 + 10 * S_US);
    assert_int_equal(webhook_row_after_try(&r, 0, t0 + 10 * S_US, 10, 86400, 0), WEBHOOK_OUT_RETRY);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(r.next_try_us, t0 + 30 * S_US);
    assert_int_equal(webhook_row_after_try(&r, 199, t0, 10, 86400, 0), WEBHOOK_OUT_RETRY);
    assert_int_equal(webhook_row_after_try(&r, 300, t0, 10, 86400, 0), WEBHOOK_OUT_RETRY);
    assert_int_equal(webhook_row_after_try(&r, 204, t0 + 99 * S_US, 10, 86400, 0),
                     WEBHOOK_OUT_DELIVERED);
    assert_int_equal(r.state, WEBHOOK_DELIVERED);
    assert_int_equal(r.attempts, 5);
    assert_int_equal(r.next_try_us, t0 + 99 * S_US);
    r = row_new(t0);
    assert_int_equal(webhook_row_after_try(&r, 299, t0, 10, 86400, 0), WEBHOOK_OUT_DELIVERED);
}

/* The last try happens at the end of the retry period; a failure then is final. */
static void test_retry_period(void **state)
{
    const int64_t t0 = 1795428000 * S_US;
    struct webhook_row r = row_new(t0);

    (void)state;
    r.attempts = 12; /* waits are an hour now */
    assert_int_equal(webhook_row_after_try(&r, 503, t0 + 86000 * S_US, 10, 86400, 0),
                     WEBHOOK_OUT_RETRY);
    assert_int_equal(r.next_try_us, t0 + 86400 * S_US);
    assert_int_equal(webhook_row_after_try(&r, 503, t0 + 86400 * S_US, 10, 86400, 0),
                     WEBHOOK_OUT_FAILED);
    assert_int_equal(r.state, WEBHOOK_FAILED);
    assert_int_equal(r.attempts, 14);
    /* An event replayed after its period gets one try, delivered or failed at once. */
    r = row_new(t0);
    assert_int_equal(webhook_row_after_try(&r, 0, t0 + 3 * 86400 * S_US, 10, 86400, 0),
                     WEBHOOK_OUT_FAILED);
    r = row_new(t0);
    assert_int_equal(webhook_row_after_try(&r, 200, t0 + 3 * 86400 * S_US, 10, 86400, 0),
                     WEBHOOK_OUT_DELIVERED);
    /* The whole schedule of a day: 10 s doubling to an hour, then hourly, then failed. */
    r = row_new(t0);
    for (int i = 0; i < 100 && r.state == WEBHOOK_QUEUED; i++) {
        webhook_row_after_try(&r, 500, r.next_try_us, 10, 86400, 0);
    }
    assert_int_equal(r.state, WEBHOOK_FAILED);
    /* 9 tries while the wait doubles (at 0 s .. 2550 s), 23 an hour apart (5110 s .. 84310 s),
     * and the last at the end of the period itself (86400 s). */
    assert_int_equal(r.attempts, 9 + 23 + 1);
}

/* ---- targets ---- */

static void target_ok(const char *url, bool tls, const char *host, uint16_t port,
                      const char *host_header, const char *path)
{
    struct webhook_target t;
    const char *why = NULL;

    if (webhook_target_parse(url, &t, &why) != 0) {
        print_error("%s: %s\n", url, why);
    }
    assert_int_equal(webhook_target_parse(url, &t, &why), 0);
    assert_int_equal(t.tls, tls);
    assert_string_equal(t.host, host);
    assert_int_equal(t.port, port);
    assert_string_equal(t.host_header, host_header);
    assert_string_equal(t.path, path);
}

static void target_bad(const char *url, const char *why_part)
{
    struct webhook_target t;
    const char *why = NULL;

    assert_int_equal(webhook_target_parse(url, &t, &why), MDT_E(INVAL));
    assert_non_null(why);
    if (strstr(why, why_part) == NULL) {
        print_error("%s: %s\n", url, why);
    }
    assert_non_null(strstr(why, why_part));
}

/* The SSRF guard: every special-purpose range of IANA's registries, at both ends of each; the
 * IPv6 forms that carry an IPv4 address; inet_aton's literals; localhost names in any case. */
static void test_private_hosts(void **state)
{
    static const char *const special[] = {
        /* IPv4, first and last of each range */
        "0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255", "100.64.0.0", "100.127.255.255",
        "127.0.0.1", "127.255.255.254", "169.254.0.1", "169.254.169.254", "172.16.0.0",
        "172.31.255.255", "192.0.0.0", "192.0.0.255", "192.0.2.0", "192.0.2.255", "192.88.99.1",
        "192.168.0.0", "192.168.255.255", "198.18.0.0", "198.19.255.255", "198.51.100.0",
        "198.51.100.255", "203.0.113.0", "203.0.113.255", "224.0.0.1", "239.255.255.255",
        "240.0.0.0", "254.255.255.255", "255.255.255.255",
        /* IPv6 */
        "::", "::1", "fc00::1", "fd00::1", "fdff:ffff::1", "fe80::1", "febf::1", "fec0::1",
        "ff02::1", "ff0e::1", "2001:db8::1", "2001:db8:ffff::1", "2001::1", "2001:1ff::1", "100::1",
        "64:ff9b:1::1", "3fff::1", "5f00::1", "::2", "1::1", "4000::1", "e000::1",
        /* IPv4 inside IPv6: mapped, compatible, translated, NAT64, 6to4 */
        "::ffff:127.0.0.1", "::ffff:7f00:1", "::FFFF:10.0.0.1", "::ffff:169.254.169.254",
        "::127.0.0.1", "::8.8.8.8", "::ffff:0:127.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::a00:1",
        "64:ff9b::192.168.1.1", "2002:7f00:1::1", "2002:c0a8:101::",
        /* inet_aton's literals, and a final dot */
        "2130706433", "0x7f000001", "0x7f.1", "0x7F.0.0.1", "0177.0.0.1", "0177.1", "127.1",
        "127.0.1", "10.1", "167772161", "0", "0x0", "0xa9fea9fe", "127.0.0.1.", "017700000001",
        /* names: localhost in any case, with or without the root's dot */
        "localhost", "LOCALHOST", "LocalHost", "localhost.", "api.localhost", "API.LOCALHOST",
        "a.b.localhost."};
    static const char *const public[] = {"8.8.8.8",
                                         "1.1.1.1",
                                         "9.255.255.255",
                                         "11.0.0.0",
                                         "100.63.255.255",
                                         "100.128.0.0",
                                         "126.255.255.255",
                                         "128.0.0.0",
                                         "169.253.255.255",
                                         "169.255.0.0",
                                         "172.15.255.255",
                                         "172.32.0.0",
                                         "192.0.1.255",
                                         "192.0.3.0",
                                         "192.88.98.255",
                                         "192.167.255.255",
                                         "192.169.0.0",
                                         "198.17.255.255",
                                         "198.20.0.0",
                                         "198.51.99.255",
                                         "203.0.112.255",
                                         "223.255.255.255",
                                         "2606:4700:4700::1111",
                                         "2a00:1450:4007:80e::200e",
                                         "2001:4860::8888",
                                         "2001:200::1",
                                         "::ffff:8.8.8.8",
                                         "64:ff9b::808:808",
                                         "64:ff9b::8.8.8.8",
                                         "2002:808:808::1",
                                         "0x8.0x8.0x8.0x8",
                                         "134744072",
                                         "example.com",
                                         "notlocalhost",
                                         "localhost.example",
                                         "LOCALHOST.example.com",
                                         "127.0.0.1.example",
                                         "0x7g.1",
                                         "1.2.3.4.5",
                                         "256.0.0.1."};

    (void)state;
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
        if (webhook_host_special(special[i]) == NULL) {
            fail_msg("%s should be special", special[i]);
        }
        assert_true(webhook_host_private(special[i]));
    }
    for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
        if (webhook_host_special(public[i]) != NULL) {
            fail_msg("%s should be public, is %s", public[i], webhook_host_special(public[i]));
        }
    }
    /* The reason names the range, for the log. */
    assert_string_equal(webhook_host_special("::ffff:127.0.0.1"), "loopback (127.0.0.0/8)");
    assert_string_equal(webhook_host_special("2130706433"), "loopback (127.0.0.0/8)");
    assert_string_equal(webhook_host_special("fe80::1"), "link-local (fe80::/10)");
    assert_string_equal(webhook_host_special("LOCALHOST"), "localhost name (RFC 6761)");
}

/* inet_aton's forms, parsed as the C library and browsers do. */
static void test_ipv4_literals(void **state)
{
    static const struct {
        const char *text;
        uint8_t want[4];
    } ok[] = {
        {"127.0.0.1", {127, 0, 0, 1}},
        {"2130706433", {127, 0, 0, 1}},
        {"0x7f.1", {127, 0, 0, 1}},
        {"0177.0.0.01", {127, 0, 0, 1}},
        {"127.1", {127, 0, 0, 1}},
        {"10.0.513", {10, 0, 2, 1}},
        {"0xffffffff", {255, 255, 255, 255}},
        {"0", {0, 0, 0, 0}},
        {"1.2.3.4.", {1, 2, 3, 4}},
        {"0X0A.0x0.0x0.0x1", {10, 0, 0, 1}},
    };
    static const char *const bad[] = {"",          ".",         "1..2",       "1.2.3.4.5",
                                      "256.1.1.1", "1.2.65536", "4294967296", "0x100000000",
                                      "08.1.1.1",  "0x7g",      "1.2.3.4..",  "a.b.c.d",
                                      "-1",        "1.2.3. 4",  ".1.2.3"};
    uint8_t a[4];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (http_ipv4_parse(ok[i].text, a) != 0) {
            fail_msg("%s should parse", ok[i].text);
        }
        assert_memory_equal(a, ok[i].want, 4);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (http_ipv4_parse(bad[i], a) == 0) {
            fail_msg("%s should not parse", bad[i]);
        }
    }
}

static void test_targets(void **state)
{
    struct webhook_target t;
    const char *why = NULL;

    (void)state;
    target_ok("https://shop.example/hooks", true, "shop.example", 443, "shop.example", "/hooks");
    target_ok("http://shop.example", false, "shop.example", 80, "shop.example", "/");
    target_ok("HTTPS://shop.example:8443/a/b?x=1&y=2#frag", true, "shop.example", 8443,
              "shop.example:8443", "/a/b?x=1&y=2");
    target_ok("http://127.0.0.1:8080/h", false, "127.0.0.1", 8080, "127.0.0.1:8080", "/h");
    target_ok("https://[::1]:9443/h", true, "::1", 9443, "[::1]:9443", "/h");
    target_ok("https://[2001:db8::1]/", true, "2001:db8::1", 443, "[2001:db8::1]", "/");
    target_ok("http://shop.example:443/", false, "shop.example", 443, "shop.example:443", "/");
    target_ok("http://shop.example?q", false, "shop.example", 80, "shop.example", "/?q");
    /* One spelling of the host: lower case, IPv4 literals as dotted quads. */
    target_ok("http://LOCALHOST/", false, "localhost", 80, "localhost", "/");
    target_ok("https://Shop.EXAMPLE/", true, "shop.example", 443, "shop.example", "/");
    target_ok("http://2130706433/", false, "127.0.0.1", 80, "127.0.0.1", "/");
    target_ok("http://0x7f.1:8080/h", false, "127.0.0.1", 8080, "127.0.0.1:8080", "/h");
    target_ok("http://[::FFFF:127.0.0.1]/", false, "::FFFF:127.0.0.1", 80, "[::FFFF:127.0.0.1]",
              "/");
    assert_int_equal(webhook_target_parse("http://0177.0.0.1/", &t, &why), 0);
    assert_true(t.ip_literal);
    assert_string_equal(t.host, "127.0.0.1");
    assert_int_equal(webhook_target_parse("https://10.0.0.1/x", &t, &why), 0);
    assert_true(t.ip_literal);
    assert_int_equal(webhook_target_parse("https://shop.example/x", &t, &why), 0);
    assert_false(t.ip_literal);
    target_bad("ftp://shop.example/x", "unsupported scheme");
    target_bad("shop.example/hooks", "unsupported scheme");
    target_bad("mailto:ops@shop.example", "unsupported scheme");
    target_bad("https://user:pw@shop.example/", "credentials");
    target_bad("https:///hooks", "no host");
    target_bad("https://shop.example:0/", "port");
    target_bad("https://shop.example:99999/", "not a URL");
    target_bad("https://shop example/", "not a URL");
    target_bad("", "unsupported scheme");
}

static void test_headers(void **state)
{
    struct webhook_header h[WEBHOOK_HEADER_COUNT];
    struct webhook_row r = row_new(0);
    char sig[65];

    (void)state;
    memset(sig, 'a', 64);
    sig[64] = '\0';
    webhook_headers_make(&r, 1795428000, sig, h);
    assert_string_equal(h[0].name, "Content-Type");
    assert_string_equal(h[0].value, "application/json");
    assert_string_equal(h[1].name, "User-Agent");
    assert_string_equal(h[1].value, "mandat-webhook/1");
    assert_string_equal(h[2].name, "Mandat-Event-Id");
    assert_string_equal(h[2].value, "0123456789abcdeffedcba9876543210");
    assert_string_equal(h[3].name, "Mandat-Signature");
    assert_string_equal(h[3].value,
                        "t=1795428000,v1=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        "aaaaaaaaaaaaaaaaa");
}

static void test_text_safe(void **state)
{
    char out[8];

    (void)state;
    webhook_text_safe("a b\n\x1b[31m", out, sizeof(out));
    assert_string_equal(out, "a?b??[3");
    webhook_text_safe("refund.succeeded", out, 4);
    assert_string_equal(out, "ref");
}

/* ---- the sender against an in-process server ---- */

struct harness {
    struct event_base *base;
    struct evhttp *http;
    uint16_t port;
    struct webhook_sender *ws;
    int fail_first; /* answer 500 to this many requests first */
    int requests;
    char last_sig[128];
    char last_event[64];
    char last_type[64];
    char last_ua[64];
    char last_body[256];
    int hanging; /* requests on /hang: never answered (evhttp_free ends them) */
    struct webhook_row saved[64];
    int saved_count;
};

static void on_request(struct evhttp_request *req, void *arg)
{
    struct harness *h = arg;
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(body);
    const char *v;

    if (strcmp(evhttp_request_get_uri(req), "/hang") == 0) {
        h->hanging++;
        return; /* a merchant's endpoint that accepts and never answers */
    }
    h->requests++;
    v = evhttp_find_header(in, "Mandat-Signature");
    snprintf(h->last_sig, sizeof(h->last_sig), "%s", v != NULL ? v : "");
    v = evhttp_find_header(in, "Mandat-Event-Id");
    snprintf(h->last_event, sizeof(h->last_event), "%s", v != NULL ? v : "");
    v = evhttp_find_header(in, "Content-Type");
    snprintf(h->last_type, sizeof(h->last_type), "%s", v != NULL ? v : "");
    v = evhttp_find_header(in, "User-Agent");
    snprintf(h->last_ua, sizeof(h->last_ua), "%s", v != NULL ? v : "");
    len = len < sizeof(h->last_body) - 1 ? len : sizeof(h->last_body) - 1;
    evbuffer_copyout(body, h->last_body, len);
    h->last_body[len] = '\0';
    evhttp_send_reply(req, h->requests <= h->fail_first ? 500 : 200, "x", NULL);
}

static void fake_sign(void *ctx, uint64_t merchant_id, int64_t t, const char *body, size_t len,
                      char sig[WEBHOOK_SIG_HEX_MAX])
{
    (void)ctx;
    snprintf(sig, WEBHOOK_SIG_HEX_MAX, "%064llx",
             (unsigned long long)(merchant_id * 1000003u + (uint64_t)t % 7 + len + body[0]));
}

/* Saves complete at once, as a synchronous store would; the sender still learns it later. */
static int fake_save(void *ctx, const struct webhook_row *r)
{
    struct harness *h = ctx;

    if (h->saved_count < 64) {
        h->saved[h->saved_count] = *r;
    }
    h->saved_count++;
    webhook_sender_saved(h->ws, r->id, 0);
    return 0;
}

static void harness_start_with(struct harness *h, uint32_t concurrency, uint32_t per_merchant)
{
    struct webhook_handlers hd = {.sign = fake_sign, .save = fake_save, .ctx = h};
    struct webhook_config cfg;
    struct evhttp_bound_socket *sock;
    struct sockaddr_storage ss;
    ev_socklen_t sl = sizeof(ss);
    struct mdt_err err = {0};

    memset(h, 0, sizeof(*h));
    h->base = event_base_new();
    h->http = evhttp_new(h->base);
    sock = evhttp_bind_socket_with_handle(h->http, "127.0.0.1", 0);
    assert_non_null(sock);
    assert_int_equal(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &sl), 0);
    h->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    evhttp_set_gencb(h->http, on_request, h);
    webhook_config_default(&cfg);
    cfg.concurrency = concurrency;
    cfg.merchant_concurrency = per_merchant;
    cfg.timeout_s = 2;
    cfg.allow_private = true; /* the receiver is on 127.0.0.1 */
    assert_int_equal(webhook_sender_start(h->base, &cfg, &hd, &h->ws, &err), 0);
}

static void harness_start(struct harness *h, uint32_t concurrency)
{
    harness_start_with(h, concurrency, concurrency);
}

static void harness_stop(struct harness *h)
{
    webhook_sender_free(h->ws);
    evhttp_free(h->http);
    event_base_free(h->base);
}

/* Run the loop until the sender holds nothing (every try saved and forgotten), 5 s at most. */
static void run_until_idle(struct harness *h)
{
    for (int i = 0; i < 500 && webhook_sender_depth(h->ws) > 0; i++) {
        struct timeval ten_ms = {0, 10000};

        event_base_loopexit(h->base, &ten_ms);
        event_base_dispatch(h->base);
    }
    assert_int_equal(webhook_sender_depth(h->ws), 0);
}

static void test_sender_delivers(void **state)
{
    struct harness h;
    struct webhook_row r = row_new(0);

    (void)state;
    harness_start(&h, 4);
    r.created_us = 1795428000 * S_US;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u/hooks", h.port);
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    assert_int_equal(webhook_sender_offer(h.ws, &r), 1); /* the same id: ignored */
    assert_int_equal(webhook_sender_depth(h.ws), 1);
    run_until_idle(&h);
    assert_int_equal(h.requests, 1);
    assert_string_equal(h.last_event, "0123456789abcdeffedcba9876543210");
    assert_string_equal(h.last_type, "application/json");
    assert_string_equal(h.last_ua, "mandat-webhook/1");
    assert_string_equal(h.last_body, "{\"id\":\"x\"}");
    assert_int_equal(strncmp(h.last_sig, "t=", 2), 0);
    assert_non_null(strstr(h.last_sig, ",v1="));
    assert_int_equal(strlen(strstr(h.last_sig, ",v1=") + 4), 64);
    assert_int_equal(h.saved_count, 1);
    assert_int_equal(h.saved[0].state, WEBHOOK_DELIVERED);
    assert_int_equal(h.saved[0].attempts, 1);
    /* Forgotten once saved: offered again (a replay), it is sent again. */
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    run_until_idle(&h);
    assert_int_equal(h.requests, 2);
    harness_stop(&h);
}

static void test_sender_retries(void **state)
{
    struct harness h;
    struct webhook_row r = row_new(0);
    int64_t before;

    (void)state;
    harness_start(&h, 1);
    h.fail_first = 1;
    r.created_us = 4000000000LL * S_US; /* far in the future: inside its retry period */
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u/hooks", h.port);
    before = 1795428000 * S_US;
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    run_until_idle(&h);
    assert_int_equal(h.saved_count, 1);
    assert_int_equal(h.saved[0].state, WEBHOOK_QUEUED);
    assert_int_equal(h.saved[0].attempts, 1);
    assert_true(h.saved[0].next_try_us > before);
    assert_string_equal(h.saved[0].last_error, "HTTP 500"); /* for mandat webhook list */
    /* Its next try, as the poll would offer it: delivered, attempts counted on. */
    assert_int_equal(webhook_sender_offer(h.ws, &h.saved[0]), 0);
    run_until_idle(&h);
    assert_int_equal(h.saved_count, 2);
    assert_int_equal(h.saved[1].state, WEBHOOK_DELIVERED);
    assert_int_equal(h.saved[1].attempts, 2);
    assert_string_equal(h.saved[1].last_error, "");
    /* Nobody listening: a failed try, retried. */
    r.id.lo++;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:1/hooks");
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    run_until_idle(&h);
    assert_int_equal(h.saved[2].state, WEBHOOK_QUEUED);
    assert_int_equal(h.saved[2].attempts, 1);
    assert_string_equal(h.saved[2].last_error, "connection failed: connection refused");
    harness_stop(&h);
}

static void test_sender_refuses(void **state)
{
    struct harness h;
    struct webhook_row r = row_new(0);
    struct webhook_config cfg;
    struct webhook_handlers hd = {.sign = fake_sign, .save = fake_save};
    struct webhook_sender *ws = NULL;
    struct mdt_err err = {0};
    int rc = 0;

    (void)state;
    harness_start(&h, 1);
    /* Not queued: refused. */
    r.state = WEBHOOK_DELIVERED;
    assert_int_equal(webhook_sender_offer(h.ws, &r), MDT_E(INVAL));
    /* An unsupported URL fails the event at once, without a try. */
    r.state = WEBHOOK_QUEUED;
    snprintf(r.url, sizeof(r.url), "ftp://shop.example/x");
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    run_until_idle(&h);
    assert_int_equal(h.saved[0].state, WEBHOOK_FAILED);
    assert_int_equal(h.saved[0].attempts, 0);
    /* Memory is bounded and shared: one merchant fills it until WEBHOOK_QUEUE_RESERVE entries
     * are left, then gets 2 (its share: they stay in the store) while another merchant's events
     * still fit; WEBHOOK_QUEUE_MAX events in all, then -MDT_EFULL. The first one is in flight to
     * a port where nothing answers; the others wait. */
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:1/hooks");
    for (uint32_t i = 0; i < WEBHOOK_QUEUE_MAX && rc == 0; i++) {
        r.id.lo = 1000 + i;
        rc = webhook_sender_offer(h.ws, &r);
    }
    assert_int_equal(rc, 2);
    assert_int_equal(webhook_sender_depth(h.ws), WEBHOOK_QUEUE_MAX - WEBHOOK_QUEUE_RESERVE + 1);
    r.merchant_id = 7;
    for (uint32_t i = 0; i < WEBHOOK_MERCHANT_HELD_MIN + 1; i++) {
        r.id.lo = 5000 + i;
        rc = webhook_sender_offer(h.ws, &r);
        assert_int_equal(rc, i < WEBHOOK_MERCHANT_HELD_MIN ? 0 : 2);
    }
    /* Turned down too often within a poll, the poll is told to stop (its rows cost the loop a
     * read each); others' offers still come in, and the next poll may offer again. */
    usleep(WEBHOOK_SKIPS_WINDOW_US + 100000); /* a fresh window */
    r.merchant_id = 6;
    for (uint32_t i = 0; i < WEBHOOK_SKIPS_MAX; i++) {
        r.id.lo = 20000 + i;
        assert_int_equal(webhook_sender_offer(h.ws, &r), 2);
    }
    assert_int_equal(webhook_sender_offer(h.ws, &r), MDT_E(FULL));
    r.merchant_id = 8;
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    usleep(WEBHOOK_SKIPS_WINDOW_US + 100000);
    r.merchant_id = 6;
    r.id.lo = 30000;
    assert_int_equal(webhook_sender_offer(h.ws, &r), 2);
    for (uint32_t i = 0; webhook_sender_depth(h.ws) < WEBHOOK_QUEUE_MAX; i++) {
        r.merchant_id = 100 + i; /* a new merchant each: under its share */
        r.id.lo = 9000 + i;
        assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    }
    r.merchant_id = 99;
    r.id.lo = 999;
    assert_int_equal(webhook_sender_offer(h.ws, &r), MDT_E(FULL));
    assert_int_equal(webhook_sender_depth(h.ws), WEBHOOK_QUEUE_MAX);
    harness_stop(&h); /* frees the waiting ones and the one in flight */
    /* Configurations out of range are refused with the key named. */
    webhook_config_default(&cfg);
    cfg.concurrency = WEBHOOK_CONCURRENCY_MAX + 1;
    assert_int_equal(webhook_sender_start(NULL, &cfg, &hd, &ws, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "[webhook] concurrency"));
    webhook_config_default(&cfg);
    cfg.merchant_concurrency = 0;
    assert_int_equal(webhook_sender_start(NULL, &cfg, &hd, &ws, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "[webhook] merchant_concurrency"));
    webhook_config_default(&cfg);
    snprintf(cfg.tls_ca_file, sizeof(cfg.tls_ca_file), "/nonexistent/ca.pem");
    h.base = event_base_new();
    assert_int_equal(webhook_sender_start(h.base, &cfg, &hd, &ws, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "tls_ca_file '/nonexistent/ca.pem'"));
    event_base_free(h.base);
}

/* Run the loop for ms milliseconds. */
static void run_for(struct harness *h, long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    event_base_loopexit(h->base, &tv);
    event_base_dispatch(h->base);
}

/* The SSRF guard in the sender: a host special as written is refused at once, in every
 * spelling, never sent, and saved as refused with its tries unchanged. */
static void test_sender_guard(void **state)
{
    /* Scheme and host; the port is the harness's. */
    static const char *const hosts[] = {
        "http://LOCALHOST",      "http://[::ffff:127.0.0.1]", "http://2130706433",
        "http://0x7f.1",         "https://127.0.0.1",         "http://[::1]",
        "http://api.localhost.", "http://169.254.169.254",    "http://[64:ff9b::7f00:1]",
        "http://0177.0.0.1",
    };
    struct webhook_config cfg;
    struct harness h;
    struct webhook_row r = row_new(4000000000LL * S_US);
    size_t n = sizeof(hosts) / sizeof(hosts[0]);

    (void)state;
    harness_start(&h, 4);
    webhook_sender_free(h.ws); /* the same harness, with the guard on */
    webhook_config_default(&cfg);
    cfg.timeout_s = 2;
    {
        struct webhook_handlers hd = {.sign = fake_sign, .save = fake_save, .ctx = &h};
        struct mdt_err err = {0};

        assert_int_equal(webhook_sender_start(h.base, &cfg, &hd, &h.ws, &err), 0);
    }
    for (size_t i = 0; i < n; i++) {
        r.id.lo = i;
        snprintf(r.url, sizeof(r.url), "%s:%u/hooks", hosts[i], h.port);
        assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    }
    run_until_idle(&h);
    assert_int_equal(h.requests, 0);
    assert_int_equal(h.saved_count, (int)n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h.saved[i].state, WEBHOOK_REFUSED);
        assert_int_equal(h.saved[i].attempts, 0);
        assert_int_equal(strncmp(h.saved[i].last_error, "SSRF guard: ", 12), 0);
    }
    assert_string_equal(h.saved[2].last_error, "SSRF guard: 127.0.0.1 is loopback (127.0.0.0/8)");
    harness_stop(&h);
}

/* Fair per merchant: merchant 6's endpoint accepts and never answers, with ten events due
 * first; merchant 7's one event is still delivered at once, and merchant 6 never holds more
 * than merchant_concurrency connections. Before the cap, 7's event waited for 6's timeouts. */
static void test_sender_fair(void **state)
{
    struct harness h;
    struct webhook_row r = row_new(4000000000LL * S_US);

    (void)state;
    harness_start_with(&h, 4, 2);
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u/hang", h.port);
    for (uint32_t i = 0; i < 10; i++) {
        r.id.lo = i;
        assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    }
    run_for(&h, 100);
    assert_int_equal(h.hanging, 2);
    r.merchant_id = 7;
    r.id.lo = 100;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u/hooks", h.port);
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    for (int i = 0; i < 50 && h.saved_count == 0; i++) {
        run_for(&h, 10);
    }
    assert_int_equal(h.requests, 1);
    assert_int_equal(h.saved_count, 1);
    assert_int_equal(h.saved[0].merchant_id, 7);
    assert_int_equal(h.saved[0].state, WEBHOOK_DELIVERED);
    assert_int_equal(h.hanging, 2); /* still two: 6's share, while 7 had a connection */
    /* A second busy merchant gets the other two connections first, not merchant 6. */
    r.merchant_id = 8;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u/hang", h.port);
    for (uint32_t i = 0; i < 3; i++) {
        r.id.lo = 200 + i;
        assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    }
    run_for(&h, 100);
    assert_int_equal(h.hanging, 4);
    harness_stop(&h);
}

/* Many merchants at once: their counts share one open-addressing table, whose slots move back
 * as merchants leave it; every event is still delivered once and every count found again (the
 * sender asserts it), and the table ends empty. */
static void test_sender_many_merchants(void **state)
{
    struct harness h;
    struct webhook_row r = row_new(4000000000LL * S_US);
    uint32_t offered = 0;

    (void)state;
    harness_start_with(&h, 16, 1);
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u/hooks", h.port);
    for (uint32_t i = 0; i < 600; i++) {
        uint64_t k = i % 300;

        r.id.lo = i;
        /* Cubes, not a progression (which a multiplicative hash spreads evenly): 17 of these
         * 300 share a home slot, so leaving merchants move others back in their probe runs. */
        r.merchant_id = k * k * k + 7;
        assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
        offered++;
    }
    run_until_idle(&h);
    assert_int_equal(h.requests, (int)offered);
    assert_int_equal(h.saved_count, (int)offered);
    /* Once forgotten, a merchant starts from nothing again. */
    r.id.lo = 10000;
    assert_int_equal(webhook_sender_offer(h.ws, &r), 0);
    run_until_idle(&h);
    assert_int_equal(h.requests, (int)offered + 1);
    harness_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_to_the_cap),
        cmocka_unit_test(test_backoff_jitter),
        cmocka_unit_test(test_after_try),
        cmocka_unit_test(test_retry_period),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_private_hosts),
        cmocka_unit_test(test_ipv4_literals),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_text_safe),
        cmocka_unit_test(test_sender_delivers),
        cmocka_unit_test(test_sender_retries),
        cmocka_unit_test(test_sender_refuses),
        cmocka_unit_test(test_sender_guard),
        cmocka_unit_test(test_sender_fair),
        cmocka_unit_test(test_sender_many_merchants),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
