/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/iso8583: the field table against ISO 8583:1987, frames laid out by the
 * test's own encoder (bitmaps computed here) and one by hand, round trips of 0100/0110,
 * 0200/0210, 0420/0430 and 0800/0810, the echoed fields, secondary bitmaps, every length kind,
 * every parse and build error with its message, masking, and the 2-byte length framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "channel/iso8583/iso8583.h"

static uint8_t out_buf[ISO8583_MSG_MAX];
static char frame_buf[ISO8583_MSG_MAX + 64];

/* A field as the test writes it on the wire, length prefix included. */
struct wire {
    unsigned n;
    const char *text;
};

static void hex64(uint64_t v, char *out)
{
    static const char digits[] = "0123456789ABCDEF";

    for (int i = 0; i < 16; i++) {
        out[i] = digits[(v >> (60 - 4 * i)) & 0xF];
    }
}

/* The test's own encoder: MTI, bitmaps computed from the field numbers (bit 1 when a field
 * above 64 is there, or when force_bit1), then the fields in the order given. */
static size_t make(const char *mti, const struct wire *w, size_t count, bool force_bit1)
{
    uint64_t bm[2] = {0, 0};
    size_t len = 0;

    for (size_t i = 0; i < count; i++) {
        bm[(w[i].n - 1) / 64] |= 1ull << (63 - (w[i].n - 1) % 64);
    }
    if (bm[1] != 0 || force_bit1) {
        bm[0] |= 1ull << 63;
    }
    memcpy(frame_buf, mti, 4);
    len = 4;
    hex64(bm[0], frame_buf + len);
    len += 16;
    if ((bm[0] >> 63) != 0) {
        hex64(bm[1], frame_buf + len);
        len += 16;
    }
    for (size_t i = 0; i < count; i++) {
        memcpy(frame_buf + len, w[i].text, strlen(w[i].text));
        len += strlen(w[i].text);
    }
    frame_buf[len] = '\0';
    return len;
}

static void assert_field(const struct iso8583_msg *m, unsigned n, const char *want)
{
    const struct iso8583_slice *s = iso8583_get(m, n);

    assert_non_null(s);
    assert_int_equal(s->len, strlen(want));
    assert_memory_equal(s->p, want, s->len);
}

/* Same MTI and same fields, byte for byte (field 1 aside: the codec writes it). */
static void assert_same(const struct iso8583_msg *a, const struct iso8583_msg *b)
{
    assert_string_equal(a->mti, b->mti);
    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX; n++) {
        assert_int_equal(iso8583_has(a, n), iso8583_has(b, n));
        if (iso8583_has(a, n)) {
            assert_int_equal(a->field[n].len, b->field[n].len);
            assert_memory_equal(a->field[n].p, b->field[n].p, a->field[n].len);
        }
    }
}

/* Build m, parse it back into back, and check they are the same message. Returns the length. */
static size_t round_trip(const struct iso8583_msg *m, struct iso8583_msg *back)
{
    struct mdt_err err = {0};
    size_t len = 0;

    assert_int_equal(iso8583_build(m, out_buf, sizeof(out_buf), &len, &err), 0);
    assert_int_equal(iso8583_parse(out_buf, len, back, &err), 0);
    assert_same(m, back);
    return len;
}

static void parse_ok(size_t len, struct iso8583_msg *m)
{
    struct mdt_err err = {0};

    if (iso8583_parse((const uint8_t *)frame_buf, len, m, &err) != 0) {
        fail_msg("parse: %s", err.msg);
    }
}

static void parse_fails(size_t len, const char *msg)
{
    struct iso8583_msg m;
    struct mdt_err err = {0};

    assert_int_equal(iso8583_parse((const uint8_t *)frame_buf, len, &m, &err), MDT_E(PARSE));
    assert_int_equal(err.code, MDT_E(PARSE));
    assert_string_equal(err.msg, msg);
}

/* ---- the table ---- */

static void test_table(void **state)
{
    /* ISO 8583:1987 for every field issue 15 names, and the binary convention of field 52. */
    static const struct {
        unsigned n;
        enum iso8583_type type;
        enum iso8583_length length;
        unsigned max, wire_max;
    } want[] = {
        {1, ISO8583_TYPE_B, ISO8583_FIXED, 8, 16},
        {2, ISO8583_TYPE_N, ISO8583_LLVAR, 19, 19},
        {3, ISO8583_TYPE_N, ISO8583_FIXED, 6, 6},
        {4, ISO8583_TYPE_N, ISO8583_FIXED, 12, 12},
        {6, ISO8583_TYPE_N, ISO8583_FIXED, 12, 12},
        {7, ISO8583_TYPE_N, ISO8583_FIXED, 10, 10},
        {11, ISO8583_TYPE_N, ISO8583_FIXED, 6, 6},
        {12, ISO8583_TYPE_N, ISO8583_FIXED, 6, 6},
        {13, ISO8583_TYPE_N, ISO8583_FIXED, 4, 4},
        {14, ISO8583_TYPE_N, ISO8583_FIXED, 4, 4},
        {18, ISO8583_TYPE_N, ISO8583_FIXED, 4, 4},
        {22, ISO8583_TYPE_N, ISO8583_FIXED, 3, 3},
        {32, ISO8583_TYPE_N, ISO8583_LLVAR, 11, 11},
        {35, ISO8583_TYPE_Z, ISO8583_LLVAR, 37, 37},
        {37, ISO8583_TYPE_AN, ISO8583_FIXED, 12, 12},
        {38, ISO8583_TYPE_AN, ISO8583_FIXED, 6, 6},
        {39, ISO8583_TYPE_AN, ISO8583_FIXED, 2, 2},
        {41, ISO8583_TYPE_ANS, ISO8583_FIXED, 8, 8},
        {42, ISO8583_TYPE_ANS, ISO8583_FIXED, 15, 15},
        {43, ISO8583_TYPE_ANS, ISO8583_FIXED, 40, 40},
        {49, ISO8583_TYPE_N, ISO8583_FIXED, 3, 3},
        {51, ISO8583_TYPE_N, ISO8583_FIXED, 3, 3},
        {52, ISO8583_TYPE_B, ISO8583_FIXED, 8, 16},
        {54, ISO8583_TYPE_ANS, ISO8583_LLLVAR, 120, 120},
        {56, ISO8583_TYPE_ANS, ISO8583_LLLVAR, 999, 999},
        {70, ISO8583_TYPE_N, ISO8583_FIXED, 3, 3},
        {90, ISO8583_TYPE_N, ISO8583_FIXED, 42, 42},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct iso8583_field_def *d = iso8583_field_def(want[i].n);

        assert_non_null(d);
        assert_int_equal(d->number, want[i].n);
        assert_int_equal(d->type, want[i].type);
        assert_int_equal(d->length, want[i].length);
        assert_int_equal(d->max, want[i].max);
        assert_int_equal(d->wire_max, want[i].wire_max);
        assert_non_null(d->name);
    }
    assert_int_equal(ISO8583_F_pan, 2);
    assert_int_equal(ISO8583_F_pin_block, 52);
    assert_int_equal(ISO8583_F_original_data, 90);
    assert_string_equal(iso8583_field_def(37)->name, "rrn");
    assert_true((iso8583_field_def(52)->flags & ISO8583_SECRET) != 0);
    assert_true((iso8583_field_def(2)->flags & ISO8583_PAN) != 0);
    assert_true((iso8583_field_def(35)->flags & ISO8583_TRACK) != 0);
    assert_null(iso8583_field_def(0));
    assert_null(iso8583_field_def(5));
    assert_null(iso8583_field_def(64));
    assert_null(iso8583_field_def(129));
}

/* ---- round trips ---- */

static void test_echo_0800_by_hand(void **state)
{
    /* Laid out by hand: bitmap 1, 7 and 11 is 82 20 00.., secondary bit 70 (6th of 65-72) is
     * 04 00 00... */
    static const char literal[] = "0800"
                                  "8220000000000000"
                                  "0400000000000000"
                                  "1207103015"
                                  "000042"
                                  "301";
    struct iso8583_msg m, resp, back;
    struct mdt_err err = {0};
    size_t len = 0;

    (void)state;
    assert_int_equal(iso8583_init(&m, "0800", &err), 0);
    assert_int_equal(iso8583_set_str(&m, 7, "1207103015", &err), 0);
    assert_int_equal(iso8583_set_str(&m, 11, "000042", &err), 0);
    assert_int_equal(iso8583_set_str(&m, 70, "301", &err), 0);
    assert_int_equal(iso8583_build(&m, out_buf, sizeof(out_buf), &len, &err), 0);
    assert_int_equal(len, strlen(literal));
    assert_memory_equal(out_buf, literal, len);
    assert_int_equal(iso8583_parse((const uint8_t *)literal, strlen(literal), &back, &err), 0);
    assert_same(&m, &back);
    assert_false(back.bitmap2_zero);
    assert_int_equal(iso8583_response_init(&back, &resp, &err), 0);
    assert_string_equal(resp.mti, "0810");
    assert_int_equal(iso8583_set_str(&resp, 39, "00", &err), 0);
    round_trip(&resp, &m);
    assert_field(&m, 7, "1207103015");
    assert_field(&m, 11, "000042");
    assert_field(&m, 70, "301");
    assert_field(&m, 39, "00");
    /* Sign-on and sign-off are the same exchange with 001 and 002. */
    assert_int_equal(iso8583_set_str(&resp, 70, "001", &err), 0);
    round_trip(&resp, &m);
    assert_field(&m, 70, "001");
}

/* The echoed fields of a response are exactly those of the request among the ECHO rows. */
static void assert_echo(const struct iso8583_msg *req, const struct iso8583_msg *resp)
{
    static const unsigned echo[] = {2, 3, 4, 6, 7, 11, 12, 13, 32, 37, 41, 42, 49, 51, 70, 90};

    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX; n++) {
        bool flagged = false;

        for (size_t i = 0; i < sizeof(echo) / sizeof(echo[0]); i++) {
            flagged |= echo[i] == n;
        }
        assert_int_equal(iso8583_has(resp, n), flagged && iso8583_has(req, n));
    }
}

static const struct wire auth_fields[] = {
    {2, "164111111111111111"},
    {3, "010000"},
    {4, "000000050000"},
    {7, "1207103015"},
    {11, "123456"},
    {12, "113015"},
    {13, "1207"},
    {14, "2912"},
    {18, "6011"},
    {22, "021"},
    {32, "06423935"},
    {35, "374111111111111111=29121010000012300000"},
    {37, "334112345678"},
    {41, "ATM00042"},
    {42, "CASABLANCA00001"},
    {43, "BMCE AGENCE MAARIF     CASABLANCA    MA "},
    {49, "504"},
    {52, "0123456789ABCDEF"},
};

static void test_auth_0100_0110(void **state)
{
    struct iso8583_msg req, resp, back;
    struct mdt_err err = {0};
    size_t len = make("0100", auth_fields, sizeof(auth_fields) / sizeof(auth_fields[0]), false);

    (void)state;
    parse_ok(len, &req);
    assert_string_equal(req.mti, "0100");
    assert_field(&req, 2, "4111111111111111");
    assert_field(&req, 32, "423935");
    assert_field(&req, 35, "4111111111111111=29121010000012300000");
    assert_field(&req, 43, "BMCE AGENCE MAARIF     CASABLANCA    MA ");
    assert_field(&req, 52, "0123456789ABCDEF");
    assert_false(iso8583_has(&req, 1));
    assert_int_equal(round_trip(&req, &back), len);
    assert_memory_equal(out_buf, frame_buf, len);
    assert_int_equal(iso8583_response_init(&req, &resp, &err), 0);
    assert_string_equal(resp.mti, "0110");
    assert_echo(&req, &resp);
    assert_false(iso8583_has(&resp, 14));
    assert_false(iso8583_has(&resp, 35));
    assert_false(iso8583_has(&resp, 52));
    assert_int_equal(iso8583_set_str(&resp, 38, "A1B2 3", &err), 0);
    assert_int_equal(iso8583_set_str(&resp, 39, "00", &err), 0);
    assert_int_equal(iso8583_set_str(&resp, 54, "1001504C000000009392", &err), 0);
    round_trip(&resp, &back);
    assert_field(&back, 39, "00");
    assert_field(&back, 54, "1001504C000000009392");
    assert_field(&back, 37, "334112345678");
}

static void test_financial_0200_0210(void **state)
{
    static const struct wire fields[] = {
        {2, "165555555555554444"},
        {3, "011000"},
        {4, "000000050000"},
        {6, "000000004608"},
        {7, "1207103015"},
        {11, "000777"},
        {12, "113015"},
        {13, "1207"},
        {22, "051"},
        {32, "03123"},
        {37, "334112345679"},
        {41, "ATM00042"},
        {42, "CASABLANCA00001"},
        {49, "504"},
        {51, "978"},
        {52, "fedcba9876543210"},
    };
    struct iso8583_msg req, resp, back;
    struct mdt_err err = {0};
    size_t len = make("0200", fields, sizeof(fields) / sizeof(fields[0]), false);
    uint64_t amount = 0;

    (void)state;
    parse_ok(len, &req);
    assert_int_equal(iso8583_number(&req, 6, &amount), 0);
    assert_int_equal(amount, 4608);
    round_trip(&req, &back);
    assert_int_equal(iso8583_response_init(&req, &resp, &err), 0);
    assert_string_equal(resp.mti, "0210");
    assert_echo(&req, &resp);
    assert_field(&resp, 6, "000000004608");
    assert_field(&resp, 51, "978");
    assert_int_equal(iso8583_set_str(&resp, 39, "51", &err), 0);
    round_trip(&resp, &back);
}

static void test_reversal_0420_0430(void **state)
{
    static const struct wire fields[] = {
        {2, "164111111111111111"},
        {3, "010000"},
        {4, "000000050000"},
        {7, "1207103500"},
        {11, "123457"},
        {32, "06423935"},
        {37, "334112345678"},
        {39, "00"},
        {41, "ATM00042"},
        {42, "CASABLANCA00001"},
        {49, "504"},
        {56, "0280100123456120710301506423935"},
        {90, "010012345612071030150000042393500000000000"},
    };
    struct iso8583_msg req, resp, back;
    struct mdt_err err = {0};
    size_t len = make("0420", fields, sizeof(fields) / sizeof(fields[0]), false);

    (void)state;
    assert_true(frame_buf[4] >= '8'); /* bit 1: field 90 is in the secondary bitmap */
    parse_ok(len, &req);
    assert_true(iso8583_has(&req, 1));
    assert_field(&req, 1, "0000004000000000");
    assert_field(&req, 56, "0100123456120710301506423935");
    assert_field(&req, 90, "010012345612071030150000042393500000000000");
    assert_int_equal(round_trip(&req, &back), len);
    assert_memory_equal(out_buf, frame_buf, len);
    assert_int_equal(iso8583_response_init(&req, &resp, &err), 0);
    assert_string_equal(resp.mti, "0430");
    assert_echo(&req, &resp);
    assert_false(iso8583_has(&resp, 39)); /* the request's 39 is not the answer's */
    assert_false(iso8583_has(&resp, 56));
    assert_int_equal(iso8583_set_str(&resp, 39, "00", &err), 0);
    round_trip(&resp, &back);
    assert_field(&back, 90, "010012345612071030150000042393500000000000");
    /* Without field 90, the response has no secondary bitmap. */
    iso8583_unset(&resp, 90);
    assert_false(iso8583_has(&resp, 90));
    round_trip(&resp, &back);
    assert_true(out_buf[4] < '8');
}

static void test_mti(void **state)
{
    static const struct {
        const char *req, *resp;
    } pairs[] = {
        {"0100", "0110"}, {"0101", "0110"}, {"0120", "0130"}, {"0200", "0210"}, {"0220", "0230"},
        {"0400", "0410"}, {"0420", "0430"}, {"0421", "0430"}, {"0800", "0810"},
    };
    static const char *const not_requests[] = {"0110", "0210", "0430", "0810", "0140", "0104"};
    struct iso8583_msg req, resp;
    struct mdt_err err = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        assert_true(iso8583_mti_is_request(pairs[i].req));
        assert_int_equal(iso8583_init(&req, pairs[i].req, &err), 0);
        assert_int_equal(iso8583_response_init(&req, &resp, &err), 0);
        assert_string_equal(resp.mti, pairs[i].resp);
    }
    for (size_t i = 0; i < sizeof(not_requests) / sizeof(not_requests[0]); i++) {
        assert_false(iso8583_mti_is_request(not_requests[i]));
        assert_int_equal(iso8583_init(&req, not_requests[i], &err), 0);
        assert_int_equal(iso8583_response_init(&req, &resp, &err), MDT_E(INVAL));
    }
    assert_string_equal(err.msg, "MTI 0104: not a request this host answers");
    assert_false(iso8583_mti_is_request("1100"));
    assert_false(iso8583_mti_is_request("010"));
    assert_false(iso8583_mti_is_request(NULL));
    assert_int_equal(iso8583_init(&req, "1100", &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "MTI 1100: version 1 is not ISO 8583:1987 (0)");
    assert_int_equal(iso8583_init(&req, "010", &err), MDT_E(INVAL));
    assert_int_equal(iso8583_init(&req, "01x0", &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "MTI: character 3 is not a digit");
    assert_int_equal(iso8583_init(&req, NULL, &err), MDT_E(INVAL));
}

/* ---- secondary bitmaps and length kinds ---- */

static void test_secondary_bitmap(void **state)
{
    static const struct wire fields[] = {{3, "310000"}, {11, "000001"}, {41, "ATM00042"}};
    struct iso8583_msg m, back;
    size_t len;

    (void)state;
    /* Bit 1 with an all-zero secondary bitmap, as common switches send: accepted. */
    len = make("0100", fields, 3, true);
    assert_memory_equal(frame_buf + 4,
                        "A020000000800000"
                        "0000000000000000",
                        32);
    parse_ok(len, &m);
    assert_true(m.bitmap2_zero);
    assert_field(&m, 3, "310000");
    /* Rebuilt without it, and the same message. */
    assert_int_equal(round_trip(&m, &back), len - 16);
    assert_memory_equal(out_buf + 4, "2020000000800000", 16);
    /* Bitmaps in lower case. */
    len = make("0100", fields, 3, true);
    memcpy(frame_buf + 4, "a020000000800000", 16);
    parse_ok(len, &m);
    /* Bit 1 set and nothing after the primary bitmap. */
    memcpy(frame_buf, "0800A000000000000000", 20);
    parse_fails(20, "field 1: bit 1 set but 0 characters left, the secondary bitmap is 16");
    memcpy(frame_buf,
           "08008000000000000000"
           "00000000",
           28);
    parse_fails(28, "field 1: bit 1 set but 8 characters left, the secondary bitmap is 16");
    memcpy(frame_buf,
           "08008000000000000000"
           "000000000000000G",
           36);
    parse_fails(36, "field 1: secondary bitmap not 16 hex characters");
    /* Bit 1 alone with a zero secondary bitmap: a message without fields. */
    memcpy(frame_buf,
           "08008000000000000000"
           "0000000000000000",
           36);
    parse_ok(36, &m);
    assert_true(m.bitmap2_zero);
}

static void test_length_kinds(void **state)
{
    static char big[1100];
    struct wire w[2];
    struct iso8583_msg m, back;
    size_t len;

    (void)state;
    /* LLVAR: empty, at the maximum, above it. */
    w[0] = (struct wire){32, "00"};
    len = make("0100", w, 1, false);
    parse_ok(len, &m);
    assert_int_equal(iso8583_get(&m, 32)->len, 0);
    round_trip(&m, &back);
    w[0] = (struct wire){2, "194111111111111111111"};
    parse_ok(make("0100", w, 1, false), &m);
    assert_field(&m, 2, "4111111111111111111");
    round_trip(&m, &back);
    w[0] = (struct wire){2, "2041111111111111111111"};
    parse_fails(make("0100", w, 1, false), "field 2: length 20, at most 19");
    /* LLLVAR: 54 at 120 and 121, 56 at 999. */
    memset(big, 'C', sizeof(big));
    memcpy(big, "120", 3);
    big[3 + 120] = '\0';
    w[0] = (struct wire){54, big};
    parse_ok(make("0110", w, 1, false), &m);
    assert_int_equal(iso8583_get(&m, 54)->len, 120);
    round_trip(&m, &back);
    memcpy(big, "121", 3);
    big[3 + 120] = 'C';
    big[3 + 121] = '\0';
    parse_fails(make("0110", w, 1, false), "field 54: length 121, at most 120");
    memset(big, ' ', sizeof(big));
    memcpy(big, "999", 3);
    big[3 + 999] = '\0';
    w[0] = (struct wire){56, big};
    w[1] = (struct wire){90, "010012345612071030150000042393500000000000"};
    parse_ok(make("0420", w, 2, false), &m);
    assert_int_equal(iso8583_get(&m, 56)->len, 999);
    round_trip(&m, &back);
    /* FIXED: exactly its length. */
    w[0] = (struct wire){13, "1207"};
    parse_ok(make("0100", w, 1, false), &m);
    assert_field(&m, 13, "1207");
}

/* ---- errors ---- */

static void test_parse_errors(void **state)
{
    static const struct {
        unsigned n;
        const char *text, *msg;
    } bad[] = {
        {2, "1A4111", "field 2: length prefix is not 2 digits"},
        {2, "1", "field 2: frame ends in its 2-digit length"},
        {2, "1641111111", "field 2: 16 characters expected, 8 left in the frame"},
        {4, "00000000A000", "field 4: character 9 is not a digit (type n)"},
        {4, "0000", "field 4: 12 characters expected, 4 left in the frame"},
        {5, "000000000000", "field 5: not in this host's field table, its length is unknown"},
        {35, "104111=29X21", "field 35: character 8 is not a digit or separator (type z)"},
        {37, "ABC-12345678", "field 37: character 4 is not a letter, digit or space (type an)"},
        {43, "\x01xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
         "field 43: character 1 is not printable ASCII (type ans)"},
        {52, "Z123456789ABCDEF", "field 52: character 1 is not a hex digit (type b)"},
        {54, "12", "field 54: frame ends in its 3-digit length"},
        {54, "0A1x", "field 54: length prefix is not 3 digits"},
    };
    struct wire w;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        w = (struct wire){bad[i].n, bad[i].text};
        parse_fails(make("0100", &w, 1, false), bad[i].msg);
    }
    parse_fails(0, "MTI: 0 characters, 4 digits expected");
    memcpy(frame_buf, "01", 2);
    parse_fails(2, "MTI: 2 characters, 4 digits expected");
    memcpy(frame_buf, "0A00", 4);
    parse_fails(4, "MTI: character 2 is not a digit");
    memcpy(frame_buf,
           "2100"
           "0000000000000000",
           20);
    parse_fails(20, "MTI 2100: version 2 is not ISO 8583:1987 (0)");
    memcpy(frame_buf,
           "0100"
           "20000000",
           12);
    parse_fails(12, "primary bitmap: 8 characters, 16 expected");
    memcpy(frame_buf,
           "0100"
           "200000000000000X",
           20);
    parse_fails(20, "primary bitmap: not 16 hex characters");
    /* Bytes after the last field. */
    w = (struct wire){70, "301XY"};
    len = make("0800", &w, 1, false);
    parse_fails(len, "2 bytes after the last field");
    /* Above the largest message. */
    memset(frame_buf, '0', ISO8583_MSG_MAX + 1);
    parse_fails(ISO8583_MSG_MAX + 1, "message of 8193 bytes, at most 8192");
}

static void test_build_errors(void **state)
{
    static const char pan20[] = "41111111111111111111";
    struct iso8583_msg m;
    struct mdt_err err = {0};
    size_t len = 99;

    (void)state;
    assert_int_equal(iso8583_init(&m, "0200", &err), 0);
    assert_int_equal(iso8583_set_str(&m, 4, "0000000000001", &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "field 4: 13 characters, fixed length is 12");
    assert_int_equal(iso8583_set_str(&m, 2, pan20, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "field 2: 20 characters, at most 19");
    assert_int_equal(iso8583_set_str(&m, 5, "000000000000", &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "field 5: not a field this host writes");
    assert_int_equal(iso8583_set_str(&m, 1, "0000000000000000", &err), MDT_E(INVAL));
    assert_int_equal(iso8583_set_str(&m, 200, "1", &err), MDT_E(INVAL));
    assert_int_equal(iso8583_set(&m, 3, NULL, 6, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "field 3: no value");
    assert_int_equal(iso8583_set_str(&m, 52, "12345", &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "field 52: 5 hex characters, fixed length is 16");
    assert_int_equal(iso8583_set_str(&m, 39, "0!", &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "field 39: character 2 is not a letter, digit or space (type an)");
    /* Nothing of the refused sets is present. */
    for (unsigned n = 1; n <= ISO8583_FIELDS_MAX; n++) {
        assert_false(iso8583_has(&m, n));
    }
    /* A slice changed behind the codec's back is refused when building. */
    assert_int_equal(iso8583_set_str(&m, 3, "010000", &err), 0);
    m.field[3].len = 5;
    assert_int_equal(iso8583_build(&m, out_buf, sizeof(out_buf), &len, &err), MDT_E(PARSE));
    assert_string_equal(err.msg, "field 3: 5 characters, fixed length is 6");
    assert_int_equal(len, 0);
    m.field[3].len = 6;
    m.present[0] |= 1ull << (63 - 4); /* field 5 */
    assert_int_equal(iso8583_build(&m, out_buf, sizeof(out_buf), &len, &err), MDT_E(PARSE));
    assert_string_equal(err.msg, "field 5: not in this host's field table");
    iso8583_unset(&m, 5);
    m.mti[0] = 'X';
    assert_int_equal(iso8583_build(&m, out_buf, sizeof(out_buf), &len, &err), MDT_E(PARSE));
    assert_string_equal(err.msg, "MTI: character 1 is not a digit");
    m.mti[0] = '0';
    /* Too small a buffer. */
    assert_int_equal(iso8583_build(&m, out_buf, 25, &len, &err), MDT_E(RANGE));
    assert_string_equal(err.msg, "message 0200 does not fit 25 bytes");
    assert_int_equal(iso8583_build(&m, out_buf, 26, &len, &err), 0);
    assert_int_equal(len, 26);
}

/* ---- accessors and printing ---- */

static void test_accessors(void **state)
{
    struct iso8583_msg m;
    size_t len = make("0100", auth_fields, sizeof(auth_fields) / sizeof(auth_fields[0]), false);
    char text[20];
    uint8_t bin[8];
    uint64_t v = 0;
    size_t n = 0;

    (void)state;
    parse_ok(len, &m);
    assert_int_equal(iso8583_copy(&m, 41, text, sizeof(text)), 0);
    assert_string_equal(text, "ATM00042");
    assert_int_equal(iso8583_copy(&m, 41, text, 8), MDT_E(RANGE));
    assert_string_equal(text, "");
    assert_int_equal(iso8583_copy(&m, 39, text, sizeof(text)), MDT_E(NOTFOUND));
    assert_int_equal(iso8583_number(&m, 4, &v), 0);
    assert_int_equal(v, 50000);
    assert_int_equal(iso8583_number(&m, 2, &v), 0);
    assert_int_equal(v, 4111111111111111ull);
    assert_int_equal(iso8583_number(&m, 37, &v), MDT_E(INVAL));
    assert_int_equal(iso8583_number(&m, 6, &v), MDT_E(NOTFOUND));
    assert_int_equal(iso8583_binary(&m, 52, bin, sizeof(bin), &n), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(bin, "\x01\x23\x45\x67\x89\xAB\xCD\xEF", 8);
    assert_int_equal(iso8583_binary(&m, 52, bin, 4, &n), MDT_E(RANGE));
    assert_int_equal(iso8583_binary(&m, 4, bin, sizeof(bin), &n), MDT_E(INVAL));
    assert_int_equal(iso8583_binary(&m, 1, bin, sizeof(bin), &n), MDT_E(NOTFOUND));
    assert_null(iso8583_get(&m, 0));
    assert_false(iso8583_has(&m, 0));
    assert_false(iso8583_has(&m, 129));
}

static void test_format_masks(void **state)
{
    struct iso8583_msg m;
    size_t len = make("0100", auth_fields, sizeof(auth_fields) / sizeof(auth_fields[0]), false);
    char line[1024], small[40], masked[ISO8583_MASKED_PAN_MAX];
    size_t n;

    (void)state;
    parse_ok(len, &m);
    n = iso8583_format(&m, line, sizeof(line));
    assert_int_equal(n, strlen(line));
    assert_non_null(strstr(line, "0100 2=411111******1111 3=010000 4=000000050000"));
    assert_non_null(strstr(line, " 35=411111******1111=*** "));
    assert_non_null(strstr(line, " 52=[hidden]"));
    assert_non_null(strstr(line, " 41=ATM00042 "));
    assert_null(strstr(line, "4111111111111111"));
    assert_null(strstr(line, "2912101")); /* track 2 after its separator */
    assert_null(strstr(line, "0123456789ABCDEF"));
    n = iso8583_format(&m, small, sizeof(small));
    assert_int_equal(n, strlen(small));
    assert_true(n < sizeof(small));
    assert_string_equal(small + n - 3, "...");
    assert_int_equal(iso8583_format(&m, small, 4), 0);
    iso8583_mask_pan("4111111111111111", 16, masked);
    assert_string_equal(masked, "411111******1111");
    iso8583_mask_pan("4222222222222", 13, masked);
    assert_string_equal(masked, "422222***2222");
    iso8583_mask_pan("123456789012", 12, masked);
    assert_string_equal(masked, "************");
    iso8583_mask_pan("41111111111111111111111", 23, masked);
    assert_string_equal(masked, "*******************");
}

/* ---- framing ---- */

/* Feed data in pieces of step bytes; collect the messages' lengths and first bytes. */
static size_t feed_all(struct iso8583_reader *r, const uint8_t *data, size_t len, size_t step,
                       size_t *lens, char *firsts)
{
    size_t got = 0;
    struct mdt_err err = {0};

    for (size_t off = 0; off < len;) {
        size_t piece = len - off < step ? len - off : step;
        size_t used = 0;
        const uint8_t *msg = NULL;
        size_t msg_len = 0;
        int rc = iso8583_reader_feed(r, data + off, piece, &used, &msg, &msg_len, &err);

        assert_true(rc == 0 || rc == 1);
        assert_true(used <= piece);
        if (rc == 1) {
            lens[got] = msg_len;
            firsts[got] = (char)msg[0];
            got++;
        } else {
            assert_int_equal(used, piece);
        }
        off += used;
    }
    return got;
}

static void test_framing(void **state)
{
    uint8_t stream[64];
    uint8_t hdr[ISO8583_HEADER_LEN];
    size_t lens[4], n = 0, used = 0, msg_len = 0;
    char firsts[4];
    static struct iso8583_reader r;
    const uint8_t *msg = NULL;
    struct mdt_err err = {0};

    (void)state;
    /* "0800" (4), a keep-alive, "0810xx" (6). */
    memcpy(stream,
           "\x00\x04"
           "0800"
           "\x00\x00"
           "\x00\x06"
           "0810xx",
           16);
    for (size_t step = 1; step <= 16; step++) {
        iso8583_reader_init(&r, 0);
        n = feed_all(&r, stream, 16, step, lens, firsts);
        assert_int_equal(n, 2);
        assert_int_equal(lens[0], 4);
        assert_int_equal(lens[1], 6);
        assert_int_equal(firsts[0], '0');
    }
    /* A frame above the maximum is refused before its body, and the reader stays stopped. */
    iso8583_reader_init(&r, 100);
    assert_int_equal(r.frame_max, 100);
    assert_int_equal(
        iso8583_reader_feed(&r, (const uint8_t *)"\x00\x65xx", 4, &used, &msg, &msg_len, &err),
        MDT_E(RANGE));
    assert_string_equal(err.msg, "frame of 101 bytes announced, at most 100");
    assert_int_equal(
        iso8583_reader_feed(&r, (const uint8_t *)"\x00\x01x", 3, &used, &msg, &msg_len, &err),
        MDT_E(RANGE));
    iso8583_reader_init(&r, 100);
    assert_int_equal(
        iso8583_reader_feed(&r, (const uint8_t *)"\x00\x64", 2, &used, &msg, &msg_len, &err), 0);
    iso8583_reader_init(&r, ISO8583_MSG_MAX + 1);
    assert_int_equal(r.frame_max, ISO8583_MSG_MAX);
    assert_int_equal(iso8583_header_put(300, hdr), 0);
    assert_memory_equal(hdr, "\x01\x2C", 2);
    assert_int_equal(iso8583_header_put(ISO8583_MSG_MAX + 1, hdr), MDT_E(RANGE));
}

/* ---- field 90 and the AES profile ---- */

/* Field 90 of a 0400 read into its parts; all zeros is no original; each malformed part is
 * refused naming it. */
static void test_original_data(void **state)
{
    static const struct {
        const char *f90;
        const char *msg;
    } bad[] = {
        {"080000012312071015000000001234500000000000",
         "field 90: original MTI 0800 is not an authorization or financial request or advice"},
        {"010400012312071015000000001234500000000000",
         "field 90: original MTI 0104 is not an authorization or financial request or advice"},
        {"110000012312071015000000001234500000000000",
         "field 90: original MTI 1100 is not an authorization or financial request or advice"},
        {"010000000012071015000000001234500000000000", "field 90: original STAN is zero"},
        {"010000012313071015000000001234500000000000",
         "field 90: original transmission time 1307101500: month not 01 to 12"},
        {"010000012312001015000000001234500000000000",
         "field 90: original transmission time 1200101500: day not 01 to 31"},
        {"010000012312072415000000001234500000000000",
         "field 90: original transmission time 1207241500: hour not 00 to 23"},
        {"010000012312071060000000001234500000000000",
         "field 90: original transmission time 1207106000: minute not 00 to 59"},
        {"010000012312071015600000001234500000000000",
         "field 90: original transmission time 1207101560: second not 00 to 59"},
    };
    struct iso8583_original od;
    struct iso8583_msg m;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(iso8583_init(&m, "0400", &err), 0);
    assert_int_equal(iso8583_original_parse(&m, &od, &err), MDT_E(NOTFOUND));
    assert_int_equal(iso8583_set_str(&m, 90, "020000012312071015000000001234500000000077", &err),
                     0);
    assert_int_equal(iso8583_original_parse(&m, &od, &err), 0);
    assert_string_equal(od.mti, "0200");
    assert_string_equal(od.stan, "000123");
    assert_string_equal(od.transmission, "1207101500");
    assert_string_equal(od.acquirer, "00000012345");
    assert_string_equal(od.forwarder, "00000000077");
    assert_int_equal(iso8583_set_str(&m, 90, "000000000000000000000000000000000000000000", &err),
                     0);
    assert_int_equal(iso8583_original_parse(&m, &od, &err), MDT_E(NOTFOUND));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(iso8583_set_str(&m, 90, bad[i].f90, &err), 0);
        assert_int_equal(iso8583_original_parse(&m, &od, &err), MDT_E(PARSE));
        assert_string_equal(err.msg, bad[i].msg);
    }
    /* A slice the table would refuse (set by hand) is refused too, never read past. */
    m.field[90].len = 12;
    assert_int_equal(iso8583_original_parse(&m, &od, &err), MDT_E(PARSE));
    assert_string_equal(err.msg, "field 90: 12 characters, 42 expected");
}

/* An AES link's field 52 is 32 hex characters (16 bytes), the table's 16 (8): each profile
 * reads its own and refuses the other's; a response under the profile builds. */
static void test_profile_pin_block(void **state)
{
    static const char aes[] = "00112233445566778899AABBCCDDEEFF";
    const struct iso8583_profile p16 = {.pin_block_len = 16}, p9 = {.pin_block_len = 9};
    const struct wire w16[] = {{3, "010000"}, {11, "000001"}, {52, aes}};
    const struct wire w8[] = {{3, "010000"}, {11, "000001"}, {52, "0123456789ABCDEF"}};
    struct iso8583_msg m, resp, back;
    struct mdt_err err = {0};
    uint8_t block[16];
    size_t len = make("0200", w16, 3, false), blen = 0;

    (void)state;
    assert_int_equal(iso8583_parse_profile((const uint8_t *)frame_buf, len, &p16, &m, &err), 0);
    assert_field(&m, 52, aes);
    assert_int_equal(iso8583_binary(&m, 52, block, sizeof(block), &blen), 0);
    assert_int_equal(blen, 16);
    assert_int_equal(block[15], 0xFF);
    parse_fails(len, "16 bytes after the last field"); /* the table's field 52: 16 */
    len = make("0200", w8, 3, false);
    assert_int_equal(iso8583_parse_profile((const uint8_t *)frame_buf, len, &p16, &m, &err),
                     MDT_E(PARSE));
    assert_string_equal(err.msg, "field 52: 32 hex characters expected, 16 left in the frame");
    assert_int_equal(iso8583_parse_profile((const uint8_t *)frame_buf, len, NULL, &m, &err), 0);
    assert_int_equal(iso8583_parse_profile((const uint8_t *)frame_buf, len, &p9, &m, &err),
                     MDT_E(INVAL));
    /* Building and setting follow the message's profile. */
    assert_int_equal(iso8583_init(&m, "0200", &err), 0);
    assert_int_equal(iso8583_set_str(&m, 52, aes, &err), MDT_E(INVAL));
    m.profile = p16;
    assert_int_equal(iso8583_set_str(&m, 52, aes, &err), 0);
    assert_int_equal(iso8583_set_str(&m, 11, "000002", &err), 0);
    assert_int_equal(iso8583_build(&m, out_buf, sizeof(out_buf), &len, &err), 0);
    assert_int_equal(iso8583_parse_profile(out_buf, len, &p16, &back, &err), 0);
    assert_same(&m, &back);
    assert_int_equal(iso8583_response_init(&back, &resp, &err), 0);
    assert_int_equal(resp.profile.pin_block_len, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_echo_0800_by_hand),
        cmocka_unit_test(test_auth_0100_0110),
        cmocka_unit_test(test_financial_0200_0210),
        cmocka_unit_test(test_reversal_0420_0430),
        cmocka_unit_test(test_mti),
        cmocka_unit_test(test_secondary_bitmap),
        cmocka_unit_test(test_length_kinds),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_format_masks),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_original_data),
        cmocka_unit_test(test_profile_pin_block),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
