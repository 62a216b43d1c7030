/* SPDX-License-Identifier: Apache-2.0 */
/* The SIP channel's parts that need no peer: INFO dtmf-relay bodies, Session-Expires values,
 * digest nonces and htdigest lines, and the SIP thread started and stopped cleanly (no leak under
 * ASan), refusing bad addresses and authentication settings with a message. Calls are tested end
 * to end with baresip (tests/e2e/test_sip.sh, test_sip_auth.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "base/error.h"
#include "channel/sip/sip.h"
#include "channel/sip/sip_hdr.h"
#include "channel/sip/sip_info.h"

static void info_ok(const char *body, char want_key, uint32_t want_ms)
{
    char key = 0;
    uint32_t ms = 1;

    assert_int_equal(sip_info_dtmf_parse(body, strlen(body), &key, &ms), 0);
    assert_int_equal(key, want_key);
    assert_int_equal(ms, want_ms);
}

static void info_bad(const char *body, int want_rc)
{
    char key = 0;
    uint32_t ms = 0;

    assert_int_equal(sip_info_dtmf_parse(body, strlen(body), &key, &ms), want_rc);
}

static void test_info(void **state)
{
    char big[SIP_INFO_BODY_MAX + 2];

    (void)state;
    info_ok("Signal=5\r\nDuration=160\r\n", '5', 160);
    info_ok("Signal= #\nDuration= 250\n", '#', 250);
    info_ok("signal=d\r\n", 'D', 0);
    info_ok("Signal=10\r\nDuration=100\r\n", '*', 100);
    info_ok("Signal=11", '#', 0);
    info_ok("  Signal = 7  \r\nX-Vendor=abc\r\n", '7', 0);
    info_bad("", MDT_E(PARSE));
    info_bad("Duration=160\r\n", MDT_E(PARSE));
    info_bad("Signal=x\r\n", MDT_E(PARSE));
    info_bad("Signal=12\r\n", MDT_E(PARSE));
    info_bad("Signal\r\n", MDT_E(PARSE));
    info_bad("Signal=5\r\nDuration=1234567\r\n", MDT_E(PARSE));
    info_bad("Signal=5\r\nDuration=-1\r\n", MDT_E(PARSE));
    info_bad("=5\r\n", MDT_E(PARSE));
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "Signal=1\n", 9);
    info_bad(big, MDT_E(RANGE));
}

static void se_ok(const char *v, uint32_t want_s, enum sip_refresher want_r)
{
    enum sip_refresher r = SIP_REFRESHER_UAS;
    uint32_t se_s = 0;

    assert_int_equal(sip_hdr_delta_parse(v, strlen(v), &se_s, &r), 0);
    assert_int_equal(se_s, want_s);
    assert_int_equal(r, want_r);
}

static void se_bad(const char *v)
{
    enum sip_refresher r;
    uint32_t se_s = 7;

    assert_int_equal(sip_hdr_delta_parse(v, strlen(v), &se_s, &r), MDT_E(PARSE));
    assert_int_equal(se_s, 7);
}

/* RFC 4028 §4: delta-seconds and parameters. */
static void test_session_expires(void **state)
{
    uint32_t se_s = 0;

    (void)state;
    se_ok("90", 90, SIP_REFRESHER_NONE);
    se_ok("1800;refresher=uac", 1800, SIP_REFRESHER_UAC);
    se_ok(" 600 ; x=1 ;Refresher = UAS ", 600, SIP_REFRESHER_UAS);
    se_ok("90;lr", 90, SIP_REFRESHER_NONE);
    se_ok("86400", 86400, SIP_REFRESHER_NONE);
    se_bad("");
    se_bad("abc");
    se_bad("86401");
    se_bad("99999999999");
    se_bad("90;refresher=both");
    se_bad("90;refresher=");
    se_bad("90;");
    se_bad("90 x");
    se_bad("-90");
    /* Min-SE: the refresher is not asked for */
    assert_int_equal(sip_hdr_delta_parse("120;refresher=uac", 17, &se_s, NULL), 0);
    assert_int_equal(se_s, 120);
    /* the length bounds the read: "90" of "905" */
    assert_int_equal(sip_hdr_delta_parse("905", 2, &se_s, NULL), 0);
    assert_int_equal(se_s, 90);
}

/* Our nonce round-trips; anything else is refused; nonce counts are 8 hex digits. */
static void test_nonce(void **state)
{
    uint8_t mac[SIP_NONCE_MAC_LEN], back[SIP_NONCE_MAC_LEN];
    char nonce[SIP_NONCE_LEN + 1];
    uint64_t ms = 0;
    uint32_t nc = 0, seq = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(mac); i++) {
        mac[i] = (uint8_t)(i * 17 + 3);
    }
    sip_nonce_format(0x0123456789abcdefULL, 0xfedcba98u, mac, nonce);
    assert_int_equal(strlen(nonce), SIP_NONCE_LEN);
    assert_int_equal(sip_nonce_parse(nonce, SIP_NONCE_LEN, &ms, &seq, back), 0);
    assert_true(ms == 0x0123456789abcdefULL);
    assert_true(seq == 0xfedcba98u);
    assert_memory_equal(mac, back, sizeof(mac));
    assert_int_equal(sip_nonce_parse(nonce, SIP_NONCE_LEN - 1, &ms, &seq, back), MDT_E(PARSE));
    nonce[5] = 'A'; /* we write lowercase only */
    assert_int_equal(sip_nonce_parse(nonce, SIP_NONCE_LEN, &ms, &seq, back), MDT_E(PARSE));
    nonce[5] = 'g';
    assert_int_equal(sip_nonce_parse(nonce, SIP_NONCE_LEN, &ms, &seq, back), MDT_E(PARSE));
    assert_int_equal(sip_hdr_nc_parse("0000000a", 8, &nc), 0);
    assert_int_equal(nc, 10);
    assert_int_equal(sip_hdr_nc_parse("FFFFFFFF", 8, &nc), 0);
    assert_true(nc == 0xffffffffu);
    assert_int_equal(sip_hdr_nc_parse("0000001", 7, &nc), MDT_E(PARSE));
    assert_int_equal(sip_hdr_nc_parse("0000000x", 8, &nc), MDT_E(PARSE));
}

static void test_digest_user(void **state)
{
    const char *line = "trunk:mandat:0123456789abcdefABCDEF0123456789";
    struct sip_digest_user u;

    (void)state;
    assert_int_equal(sip_digest_user_parse(line, strlen(line), &u), 0);
    assert_string_equal(u.user, "trunk");
    assert_string_equal(u.realm, "mandat");
    assert_int_equal(u.ha1[0], 0x01);
    assert_int_equal(u.ha1[15], 0x89);
    assert_int_equal(u.ha1[8], 0xab);
    assert_int_equal(sip_digest_user_parse(line, strlen(line) - 1, &u), MDT_E(PARSE));
    assert_int_equal(u.user[0], '\0'); /* wiped on error */
    line = ":mandat:0123456789abcdef0123456789abcdef";
    assert_int_equal(sip_digest_user_parse(line, strlen(line), &u), MDT_E(PARSE));
    line = "trunk::0123456789abcdef0123456789abcdef";
    assert_int_equal(sip_digest_user_parse(line, strlen(line), &u), MDT_E(PARSE));
    line = "trunk:mandat:0123456789abcdef0123456789abcdeg";
    assert_int_equal(sip_digest_user_parse(line, strlen(line), &u), MDT_E(PARSE));
    line = "trunk-mandat-0123456789abcdef0123456789abcdef";
    assert_int_equal(sip_digest_user_parse(line, strlen(line), &u), MDT_E(PARSE));
}

/* RFC 2617 §3.5's example: Mufasa's HA1; bad names and small buffers refused. */
static void test_digest_line(void **state)
{
    char line[128];

    (void)state;
    assert_int_equal(
        sip_digest_line("Mufasa", "testrealm@host.com", "Circle Of Life", 14, line, sizeof(line)),
        0);
    assert_string_equal(line, "Mufasa:testrealm@host.com:939e7578ed9e3c518a452acee763bce9");
    assert_int_equal(sip_digest_line("a:b", "r", "p", 1, line, sizeof(line)), MDT_E(INVAL));
    assert_int_equal(sip_digest_line("a", "", "p", 1, line, sizeof(line)), MDT_E(INVAL));
    assert_int_equal(sip_digest_line("a", "r\n", "p", 1, line, sizeof(line)), MDT_E(INVAL));
    assert_int_equal(sip_digest_line("a", "r", "", 0, line, sizeof(line)), MDT_E(INVAL));
    assert_int_equal(sip_digest_line("a", "r", "p", 1, line, 20), MDT_E(RANGE));
}

static void on_event(void *ctx, const struct sip_event *ev)
{
    (void)ctx;
    (void)ev;
}

static void test_start_stop(void **state)
{
    struct event_base *base = event_base_new();
    struct sip_options o = {.listen = "127.0.0.1:0",
                            .rtp_port_min = 40000,
                            .rtp_port_max = 40100,
                            .max_calls = 4,
                            .retry_after_s = 5,
                            .allow = "127.0.0.1, ::1",
                            .trusted = ""};
    struct sip_handlers h = {.event = on_event};
    struct sip_channel *c = NULL;
    struct mdt_err err = {0};

    (void)state;
    assert_non_null(base);
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), 0);
    assert_non_null(c);
    assert_int_equal(strncmp(sip_channel_addr(c), "127.0.0.1:", 10), 0);
    assert_int_equal(sip_channel_calls(c), 0);
    sip_channel_stop(c);

    o.allow = "10.0.0.0/8";
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_null(c);
    assert_non_null(strstr(err.msg, "allow: '10.0.0.0/8' is not an IPv4 or IPv6 address"));
    o.allow = "127.0.0.1";
    o.listen = "localhost";
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "listen: 'localhost' is not address:port"));
    o.listen = "127.0.0.1:0";
    o.max_calls = 0;
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    event_base_free(base);
}

/* Write text to a file of mode; returns its path (static buffer). */
static const char *auth_file(const char *text, mode_t mode)
{
    static char path[64];
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/test_sip_auth.%ld", (long)getpid());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* Digest needs a realm and a file only mandat may read, with a user of that realm; the session
 * interval is at least min_se. */
static void test_auth_options(void **state)
{
    struct event_base *base = event_base_new();
    struct sip_options o = {.listen = "127.0.0.1:0",
                            .rtp_port_min = 40000,
                            .rtp_port_max = 40100,
                            .max_calls = 4,
                            .allow = "127.0.0.1",
                            .auth = SIP_AUTH_DIGEST,
                            .auth_realm = "mandat"};
    struct sip_handlers h = {.event = on_event};
    struct sip_channel *c = NULL;
    struct mdt_err err = {0};
    const char *good = "# trunk\ntrunk:mandat:0123456789abcdef0123456789abcdef\n";

    (void)state;
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "digest needs auth_realm and auth_file"));
    o.auth_file = auth_file(good, 0644);
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "may be read by others"));
    o.auth_file = auth_file("trunk:elsewhere:0123456789abcdef0123456789abcdef\n", 0600);
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "no user of realm 'mandat'"));
    o.auth_file = auth_file("trunk:mandat:secret\n", 0600);
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "line 1: not user:realm:HA1"));
    o.auth_file = auth_file(good, 0600);
    o.session_expires_s = 60;
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "session_expires 60: from min_se (90)"));
    o.session_expires_s = 0;
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), 0);
    sip_channel_stop(c);
    unlink(o.auth_file);
    o.auth_file = "/nonexistent/sip.htdigest";
    assert_int_equal(sip_channel_start(base, &o, &h, &c, &err), MDT_E(IO));
    event_base_free(base);
}

/* The stand-in prompt is a tone: not silence, and of the law asked for. */
static void test_tone(void **state)
{
    uint8_t a[160], u[160];

    (void)state;
    sip_tone(a, sizeof(a), SIP_LAW_PCMA, 1000);
    sip_tone(u, sizeof(u), SIP_LAW_PCMU, 1000);
    assert_int_equal(a[0], 0xd5); /* A-law zero */
    assert_int_equal(u[0], 0xff); /* µ-law zero */
    assert_int_not_equal(a[2], 0xd5);
    assert_memory_not_equal(a, u, sizeof(a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info),        cmocka_unit_test(test_session_expires),
        cmocka_unit_test(test_nonce),       cmocka_unit_test(test_digest_user),
        cmocka_unit_test(test_digest_line), cmocka_unit_test(test_auth_options),
        cmocka_unit_test(test_start_stop),  cmocka_unit_test(test_tone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
