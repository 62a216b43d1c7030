/* SPDX-License-Identifier: Apache-2.0 */
/* The SIP channel's parts that need no peer: INFO dtmf-relay bodies, and the SIP thread started
 * and stopped cleanly (no leak under ASan), refusing bad addresses with a message. Calls are
 * tested end to end with baresip (tests/e2e/test_sip.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "base/error.h"
#include "channel/sip/sip.h"
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
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_start_stop),
        cmocka_unit_test(test_tone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
