/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/smpp/gsm: the whole GSM 03.38 table against an independent copy,
 * extension characters, French text, 7-bit packing vectors of TS 23.038, UCS-2 and surrogates,
 * Latin-1, user data headers (good and malformed), and the splitting of MT text into parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "channel/smpp/gsm.h"

#define EURO "\xe2\x82\xac"
#define GRIN "\xf0\x9f\x98\x80" /* U+1F600, a surrogate pair in UTF-16 */
#define CEDIL "\xc3\xa7"        /* ç, absent from GSM */

/* The default alphabet written as UTF-8 text, position by position from the TS 23.038 §6.2.1
 * table, independently of the code-point table in gsm.c. NULL at 0x1B (escape). ASCII letters
 * and digits are filled in by gsm_expected(). */
static const char *const gsm_specials[128] = {
    [0x00] = "@", [0x01] = "£",  [0x02] = "$", [0x03] = "¥",  [0x04] = "è",  [0x05] = "é",
    [0x06] = "ù", [0x07] = "ì",  [0x08] = "ò", [0x09] = "Ç",  [0x0A] = "\n", [0x0B] = "Ø",
    [0x0C] = "ø", [0x0D] = "\r", [0x0E] = "Å", [0x0F] = "å",  [0x10] = "Δ",  [0x11] = "_",
    [0x12] = "Φ", [0x13] = "Γ",  [0x14] = "Λ", [0x15] = "Ω",  [0x16] = "Π",  [0x17] = "Ψ",
    [0x18] = "Σ", [0x19] = "Θ",  [0x1A] = "Ξ", [0x1C] = "Æ",  [0x1D] = "æ",  [0x1E] = "ß",
    [0x1F] = "É", [0x20] = " ",  [0x21] = "!", [0x22] = "\"", [0x23] = "#",  [0x24] = "¤",
    [0x25] = "%", [0x26] = "&",  [0x27] = "'", [0x28] = "(",  [0x29] = ")",  [0x2A] = "*",
    [0x2B] = "+", [0x2C] = ",",  [0x2D] = "-", [0x2E] = ".",  [0x2F] = "/",  [0x3A] = ":",
    [0x3B] = ";", [0x3C] = "<",  [0x3D] = "=", [0x3E] = ">",  [0x3F] = "?",  [0x40] = "¡",
    [0x5B] = "Ä", [0x5C] = "Ö",  [0x5D] = "Ñ", [0x5E] = "Ü",  [0x5F] = "§",  [0x60] = "¿",
    [0x7B] = "ä", [0x7C] = "ö",  [0x7D] = "ñ", [0x7E] = "ü",  [0x7F] = "à",
};

/* TS 23.038 §6.2.1.1: extension code and its character. */
static const struct {
    uint8_t code;
    const char *utf8;
} gsm_exts[] = {
    {0x0A, "\f"}, {0x14, "^"}, {0x28, "{"}, {0x29, "}"}, {0x2F, "\\"},
    {0x3C, "["},  {0x3D, "~"}, {0x3E, "]"}, {0x40, "|"}, {0x65, EURO},
};

/* Expected UTF-8 of basic septet c in buf. */
static const char *gsm_expected(unsigned c, char buf[2])
{
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
        buf[0] = (char)c;
        buf[1] = '\0';
        return buf;
    }
    return gsm_specials[c];
}

/* Hex string ("E8 32" or "E832") to bytes; returns the count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;

    while (*hex != '\0') {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        assert_int_equal(sscanf(hex, "%2x", &v), 1);
        assert_true(n < cap);
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

/* UTF-8 to GSM must fit and give exactly want (hex). */
static void expect_gsm(const char *utf8, const char *want_hex)
{
    uint8_t want[400];
    uint8_t got[400];
    size_t want_n = unhex(want_hex, want, sizeof(want));
    size_t n = 0;
    bool fits = false;

    assert_int_equal(gsm_from_utf8(utf8, strlen(utf8), got, sizeof(got), &n, &fits), 0);
    assert_true(fits);
    assert_int_equal(n, want_n);
    assert_memory_equal(got, want, n);
}

static void expect_not_gsm(const char *utf8)
{
    uint8_t got[64];
    size_t n = 99;
    bool fits = true;

    assert_int_equal(gsm_from_utf8(utf8, strlen(utf8), got, sizeof(got), &n, &fits), 0);
    if (fits) {
        print_error("'%s' should not fit GSM\n", utf8);
    }
    assert_false(fits);
    assert_int_equal(n, 0);
}

/* Decode septets (hex) and compare with want. */
static void expect_gsm_text(const char *hex, const char *want)
{
    uint8_t sep[64];
    char out[128];
    size_t n = unhex(hex, sep, sizeof(sep));
    size_t len = 0;

    assert_int_equal(gsm_to_utf8(sep, n, out, sizeof(out), &len), 0);
    assert_int_equal(len, strlen(want));
    assert_string_equal(out, want);
}

/* sms_decode on hex data; returns rc and leaves the text in out. */
static int decode_hex(uint8_t dc, const char *hex, bool udhi, char *out, size_t cap,
                      struct sms_udh *udh, struct mdt_err *err)
{
    uint8_t data[300];
    size_t n = unhex(hex, data, sizeof(data));
    size_t len = 12345;
    int rc = sms_decode(dc, data, n, udhi, out, cap, &len, udh, err);

    if (rc == 0) {
        assert_int_equal(len, strlen(out));
    } else {
        assert_int_equal(len, 0);
        assert_int_equal(err->code, rc);
    }
    return rc;
}

/* Malformed input: -MDT_EPARSE with phrase in the message. */
static void expect_decode_error(uint8_t dc, const char *hex, bool udhi, const char *phrase)
{
    char out[64];
    struct mdt_err err = {0};

    assert_int_equal(decode_hex(dc, hex, udhi, out, sizeof(out), NULL, &err), MDT_E(PARSE));
    if (strstr(err.msg, phrase) == NULL) {
        print_error("message '%s' lacks '%s'\n", err.msg, phrase);
    }
    assert_non_null(strstr(err.msg, phrase));
    assert_string_equal(out, "");
}

/* n copies of s into buf (NUL-terminated); returns the byte length. */
static size_t repeat(char *buf, size_t cap, const char *s, size_t n)
{
    size_t len = strlen(s);

    assert_true(n * len < cap);
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + i * len, s, len);
    }
    buf[n * len] = '\0';
    return n * len;
}

/* Plan text and check coding and parts. */
static void expect_plan(const char *text, size_t len, enum sms_coding coding, unsigned parts,
                        struct sms_plan *plan)
{
    assert_int_equal(sms_plan(text, len, plan), 0);
    assert_int_equal(plan->coding, coding);
    assert_int_equal(plan->parts, parts);
    assert_int_equal(plan->start[0], 0);
    assert_int_equal(plan->start[parts], len);
}

/* Write every part, decode it back with sms_decode and require the original text; return the
 * payload size (octets after the header) of part `probe` in *probe_octets. */
static void expect_reassembly(const char *text, size_t len, unsigned probe, size_t *probe_octets)
{
    struct sms_plan plan;
    char joined[4096];
    size_t at = 0;

    assert_int_equal(sms_plan(text, len, &plan), 0);
    for (unsigned i = 0; i < plan.parts; i++) {
        uint8_t pdu[SMS_PART_OCTETS_MAX];
        struct sms_udh udh;
        struct mdt_err err = {0};
        size_t n = 0;
        size_t got = 0;
        uint8_t dc = 0xFF;
        bool udhi = false;

        assert_int_equal(sms_part(&plan, text, len, i, 0x5A, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
        assert_int_equal(dc, plan.coding);
        assert_int_equal(udhi, plan.parts > 1);
        assert_int_equal(
            sms_decode(dc, pdu, n, udhi, joined + at, sizeof(joined) - at, &got, &udh, &err), 0);
        assert_int_equal(udh.concat, plan.parts > 1);
        if (udhi) {
            assert_int_equal(udh.ref, 0x5A);
            assert_int_equal(udh.total, plan.parts);
            assert_int_equal(udh.seq, i + 1);
        }
        if (i == probe) {
            *probe_octets = n - udh.octets;
        }
        at += got;
    }
    assert_int_equal(at, len);
    assert_memory_equal(joined, text, len);
}

/* ---- GSM alphabet ---------------------------------------------------------------------- */

/* Every basic septet decodes to the spec's character and encodes back to itself. */
static void test_gsm_table_round_trip(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 128; c++) {
        char one[2];
        const char *want = gsm_expected(c, one);
        uint8_t sep = (uint8_t)c;
        uint8_t back[4];
        char out[8];
        size_t len = 0;
        size_t n = 0;
        bool fits = false;

        if (c == GSM_ESC) {
            continue;
        }
        assert_non_null(want);
        assert_int_equal(gsm_to_utf8(&sep, 1, out, sizeof(out), &len), 0);
        if (strcmp(out, want) != 0) {
            print_error("septet 0x%02x: got '%s', want '%s'\n", c, out, want);
        }
        assert_string_equal(out, want);
        assert_int_equal(gsm_from_utf8(out, len, back, sizeof(back), &n, &fits), 0);
        assert_true(fits);
        assert_int_equal(n, 1);
        assert_int_equal(back[0], c);
    }
}

/* Every extension character is ESC + its code, both ways. */
static void test_gsm_extension_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(gsm_exts) / sizeof(gsm_exts[0]); i++) {
        uint8_t pair[2] = {GSM_ESC, gsm_exts[i].code};
        uint8_t back[4];
        char out[8];
        size_t len = 0;
        size_t n = 0;
        bool fits = false;

        assert_int_equal(gsm_to_utf8(pair, 2, out, sizeof(out), &len), 0);
        assert_string_equal(out, gsm_exts[i].utf8);
        assert_int_equal(gsm_from_utf8(out, len, back, sizeof(back), &n, &fits), 0);
        assert_true(fits);
        assert_int_equal(n, 2);
        assert_memory_equal(back, pair, 2);
    }
}

static void test_gsm_euro_two_septets(void **state)
{
    (void)state;
    expect_gsm(EURO, "1B65");
    expect_gsm("10" EURO, "3130 1B65");
}

static void test_gsm_brackets_two_septets(void **state)
{
    (void)state;
    expect_gsm("[]{}\\~^|", "1B3C 1B3E 1B28 1B29 1B2F 1B3D 1B14 1B40");
    expect_gsm("a\fb", "61 1B0A 62");
}

static void test_gsm_ascii_that_moves(void **state)
{
    (void)state;
    /* '@' '$' '_' live at other codes than in ASCII. */
    expect_gsm("@$_", "00 02 11");
    expect_gsm("Hi\r\n", "48 69 0D 0A");
}

/* French letters GSM has: one septet each. */
static void test_gsm_french_letters_fit(void **state)
{
    (void)state;
    expect_gsm("éèùàìòÇÉ", "05 04 06 7F 07 08 09 1F");
    expect_gsm("ÑñüöäÄÖÜÅåÆæßØø", "5D 7D 7E 7C 7B 5B 5C 5E 0E 0F 1C 1D 1E 0B 0C");
    expect_gsm("¿¡£¥§¤", "60 40 01 03 5F 24");
}

/* French letters GSM lacks: each alone forces UCS-2. ç is the classic trap: 0x09 is the capital
 * Ç in TS 23.038 (some old phones showed it lowercase, but the table says capital). */
static void test_gsm_french_letters_absent(void **state)
{
    static const char *const absent[] = {
        "ç", "â", "ê", "î", "ô", "û", "ë", "ï", "ÿ", "œ", "À", "Â",
        "È", "Ê", "Ë", "Î", "Ï", "Ô", "Ù", "Û", "Ÿ", "Œ", "«", "»",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        expect_not_gsm(absent[i]);
    }
}

static void test_gsm_other_absent(void **state)
{
    (void)state;
    expect_not_gsm("`");
    expect_not_gsm("a\tb");
    expect_not_gsm("10\xc2\xa0" EURO); /* no-break space: money_format avoids it for this reason */
    expect_not_gsm(GRIN);
    expect_not_gsm("\xe2\x80\x99"); /* typographic apostrophe */
}

static void test_gsm_french_sentence(void **state)
{
    const char *text = "Envoi de 10,00 " EURO " à +33 6 12 34 56 78 ? Répondez avec votre code";
    uint8_t sep[128];
    size_t n = 0;
    bool fits = false;

    (void)state;
    assert_int_equal(gsm_from_utf8(text, strlen(text), sep, sizeof(sep), &n, &fits), 0);
    assert_true(fits);
    assert_int_equal(n, 64); /* 63 characters, the euro sign counting twice */
    assert_int_equal(sep[15], GSM_ESC);
    assert_int_equal(sep[16], 0x65);
    assert_int_equal(sep[18], 0x7F); /* à */
    assert_int_equal(sep[41], 0x05); /* é of Répondez */
}

static void test_gsm_recu_forces_ucs2(void **state)
{
    struct sms_plan plan;

    (void)state;
    expect_not_gsm("Re" CEDIL "u");
    expect_plan("Re" CEDIL "u", 5, SMS_CODING_UCS2, 1, &plan);
    assert_int_equal(plan.units, 4);
}

/* RFC 3629 §3-4: invalid sequences fail with the offset of their first byte. */
static void test_gsm_invalid_utf8(void **state)
{
    static const struct {
        const char *text;
        size_t len;
        size_t at;
    } bad[] = {
        {"ab\xc3", 3, 2},             /* truncated */
        {"ab\xc3(", 4, 2},            /* bad continuation */
        {"\x80", 1, 0},               /* stray continuation */
        {"x\xc0\x80", 3, 1},          /* overlong NUL */
        {"xy\xe0\x80\xaf", 5, 2},     /* overlong '/' */
        {"\xed\xa0\x80", 3, 0},       /* surrogate U+D800 */
        {"ok\xf4\x90\x80\x80", 6, 2}, /* above U+10FFFF */
        {"\xff", 1, 0},               /* never in UTF-8 */
        {"\xc3\xa7 then \xc3", 9, 8}, /* after a non-GSM character: still found */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t sep[16];
        size_t n = 777;
        bool fits = true;

        assert_int_equal(gsm_from_utf8(bad[i].text, bad[i].len, sep, sizeof(sep), &n, &fits),
                         MDT_E(PARSE));
        assert_int_equal(n, bad[i].at);
    }
}

static void test_gsm_from_utf8_small_buffer(void **state)
{
    uint8_t sep[3];
    size_t n = 0;
    bool fits = false;

    (void)state;
    assert_int_equal(gsm_from_utf8("ab" EURO, 5, sep, sizeof(sep), &n, &fits), MDT_E(RANGE));
    assert_int_equal(n, 4);
    assert_int_equal(gsm_from_utf8("ab" EURO, 5, NULL, 0, &n, &fits), MDT_E(RANGE));
    assert_int_equal(n, 4);
    assert_int_equal(gsm_from_utf8("", 0, NULL, 0, &n, &fits), 0);
    assert_true(fits);
    assert_int_equal(n, 0);
}

/* TS 23.038 §6.2.1.1 notes: unknown extension -> base character, ESC ESC -> space. */
static void test_gsm_decode_extension_fallbacks(void **state)
{
    (void)state;
    expect_gsm_text("1B41", "A");
    expect_gsm_text("1B0D", "\r");
    expect_gsm_text("1B1B 41", " A");
    expect_gsm_text("41 1B", "A ");
    expect_gsm_text("1B0A", "\f");
    expect_gsm_text("1B00 1B65", "@" EURO);
}

static void test_gsm_decode_not_a_septet(void **state)
{
    uint8_t sep[] = {'a', 'b', 0x80, 'c'};
    uint8_t esc[] = {'a', GSM_ESC, 0xE9};
    char out[16];
    size_t len = 0;

    (void)state;
    assert_int_equal(gsm_to_utf8(sep, sizeof(sep), out, sizeof(out), &len), MDT_E(PARSE));
    assert_int_equal(len, 2);
    assert_int_equal(gsm_to_utf8(esc, sizeof(esc), out, sizeof(out), &len), MDT_E(PARSE));
    assert_int_equal(len, 2);
}

static void test_gsm_decode_small_buffer(void **state)
{
    uint8_t sep[] = {0x10, 0x10}; /* ΔΔ: 4 bytes of UTF-8 */
    char out[4];
    size_t len = 0;

    (void)state;
    assert_int_equal(gsm_to_utf8(sep, 2, out, sizeof(out), &len), MDT_E(RANGE));
    assert_int_equal(len, 4);
    assert_string_equal(out, "");
    assert_int_equal(gsm_to_utf8(sep, 1, out, sizeof(out), &len), 0);
    assert_string_equal(out, "Δ");
}

/* ---- 7-bit packing, TS 23.038 §6.1.2.1.1 ---------------------------------------------- */

static void expect_pack(const char *ascii, unsigned fill, const char *want_hex)
{
    uint8_t want[64];
    uint8_t got[64];
    uint8_t back[64];
    size_t want_n = unhex(want_hex, want, sizeof(want));
    size_t n = strlen(ascii);
    size_t octets = 0;

    assert_int_equal(gsm_pack((const uint8_t *)ascii, n, got, sizeof(got), &octets, fill), 0);
    assert_int_equal(octets, want_n);
    assert_int_equal(octets, gsm_packed_octets(n, fill));
    assert_memory_equal(got, want, want_n);
    assert_int_equal(gsm_unpack(got, octets, n, back, sizeof(back), fill), 0);
    assert_memory_equal(back, ascii, n);
}

/* The example of TS 23.038 §6.1.2.1.1, and the 7- and 8-septet edges. */
static void test_pack_spec_vectors(void **state)
{
    (void)state;
    expect_pack("hellohello", 0, "E8329BFD4697D9EC37");
    expect_pack("hello", 0, "E8329BFD06");
    expect_pack("12345678", 0, "31D98C56B3DD70");
    expect_pack("1234567", 0, "31D98C56B3DD00");
    expect_pack("", 0, "");
}

/* After a 6-octet UDH one fill bit aligns the first septet (TS 23.040 §9.2.3.24). */
static void test_pack_fill_bits(void **state)
{
    (void)state;
    assert_int_equal(gsm_fill_bits(6), 1);
    assert_int_equal(gsm_fill_bits(7), 0);
    assert_int_equal(gsm_fill_bits(1), 6);
    assert_int_equal(gsm_fill_bits(0), 0);
    expect_pack("hello", 1, "D06536FB0D");
    expect_pack("hellohello", 1, "D06536FB8D2EB3D96F");
    expect_pack("Hi", 1, "9069");
    expect_pack("hello", 3, "4097D9EC37");
}

/* Seven spare zero bits read as '@' when the caller asks for one septet too many: the length
 * (TP-UDL) decides, as the spec says. */
static void test_unpack_spare_bits_are_the_callers(void **state)
{
    uint8_t packed[8];
    uint8_t sep[8];
    size_t octets = 0;

    (void)state;
    assert_int_equal(gsm_pack((const uint8_t *)"1234567", 7, packed, sizeof(packed), &octets, 0),
                     0);
    assert_int_equal(octets, 7);
    assert_int_equal(gsm_unpack(packed, 7, 8, sep, sizeof(sep), 0), 0);
    assert_int_equal(sep[7], 0x00);
    assert_int_equal(gsm_unpack(packed, 7, 9, sep, sizeof(sep), 0), MDT_E(PARSE));
    assert_int_equal(gsm_unpack(packed, 6, 7, sep, sizeof(sep), 0), MDT_E(PARSE));
}

static void test_pack_round_trip_every_fill(void **state)
{
    uint8_t sep[64];
    uint8_t packed[64];
    uint8_t back[64];
    uint32_t x = 12345;

    (void)state;
    for (unsigned fill = 0; fill <= 6; fill++) {
        for (size_t n = 0; n <= 50; n++) {
            size_t octets = 0;

            for (size_t i = 0; i < n; i++) {
                x = x * 1103515245u + 12345u;
                sep[i] = (uint8_t)((x >> 16) & 0x7F);
            }
            assert_int_equal(gsm_pack(sep, n, packed, sizeof(packed), &octets, fill), 0);
            assert_int_equal(octets, (7 * n + fill + 7) / 8);
            if (octets > 0) {
                assert_int_equal(packed[0] & ((1u << fill) - 1), 0); /* fill bits are zero */
            }
            assert_int_equal(gsm_unpack(packed, octets, n, back, sizeof(back), fill), 0);
            assert_memory_equal(back, sep, n);
        }
    }
}

static void test_pack_errors(void **state)
{
    uint8_t sep[] = {0x41, 0x80};
    uint8_t out[8];
    size_t octets = 0;

    (void)state;
    assert_int_equal(gsm_pack(sep, 1, out, sizeof(out), &octets, 7), MDT_E(INVAL));
    assert_int_equal(gsm_pack(sep, 2, out, sizeof(out), &octets, 0), MDT_E(INVAL));
    assert_int_equal(gsm_pack((const uint8_t *)"hellohello", 10, out, sizeof(out), &octets, 0),
                     MDT_E(RANGE));
    assert_int_equal(octets, 9);
    assert_int_equal(gsm_unpack(out, 1, 1, sep, sizeof(sep), 7), MDT_E(INVAL));
    assert_int_equal(gsm_unpack(out, 8, 9, sep, 1, 0), MDT_E(RANGE));
}

/* ---- UCS-2 / UTF-16BE and Latin-1 ------------------------------------------------------ */

static void test_ucs2_from_utf8(void **state)
{
    uint8_t want[16];
    uint8_t out[16];
    size_t n = unhex("0052 00E9 00E7 20AC D83D DE00", want, sizeof(want));
    size_t octets = 0;
    const char *text = "Réç" EURO GRIN;

    (void)state;
    assert_int_equal(ucs2_from_utf8(text, strlen(text), out, sizeof(out), &octets), 0);
    assert_int_equal(octets, n);
    assert_memory_equal(out, want, n);
    assert_int_equal(ucs2_from_utf8(text, strlen(text), out, 4, &octets), MDT_E(RANGE));
    assert_int_equal(octets, 12);
    assert_int_equal(ucs2_from_utf8("a\xe2\x82", 3, out, sizeof(out), &octets), MDT_E(PARSE));
    assert_int_equal(octets, 1);
}

static void test_ucs2_to_utf8_pairs(void **state)
{
    uint8_t in[16];
    char out[32];
    size_t n = unhex("0052 00E9 D83D DE00 20AC DBFF DFFF", in, sizeof(in));
    size_t len = 0;

    (void)state;
    assert_int_equal(ucs2_to_utf8(in, n, out, sizeof(out), &len), 0);
    assert_string_equal(out, "Ré" GRIN EURO "\xf4\x8f\xbf\xbf");
    assert_int_equal(len, strlen(out));
}

static void expect_ucs2_bad(const char *hex, size_t at)
{
    uint8_t in[16];
    char out[32];
    size_t n = unhex(hex, in, sizeof(in));
    size_t len = 999;

    assert_int_equal(ucs2_to_utf8(in, n, out, sizeof(out), &len), MDT_E(PARSE));
    assert_int_equal(len, at);
}

static void test_ucs2_unpaired_surrogates(void **state)
{
    (void)state;
    expect_ucs2_bad("0041 D83D", 2);      /* high surrogate at the end */
    expect_ucs2_bad("D83D 0041", 0);      /* high surrogate then a letter */
    expect_ucs2_bad("0041 DE00 0041", 2); /* lone low surrogate */
    expect_ucs2_bad("D83D D83D DE00", 0); /* two highs */
    expect_ucs2_bad("DE00 DC00", 0);      /* two lows: not a pair in reverse either */
    expect_ucs2_bad("0041 00", 2);        /* odd length */
}

static void test_latin1_to_utf8(void **state)
{
    uint8_t all[256];
    char out[600];
    size_t len = 0;

    (void)state;
    for (unsigned i = 0; i < 256; i++) {
        all[i] = (uint8_t)i;
    }
    assert_int_equal(latin1_to_utf8(all, 256, out, sizeof(out), &len), 0);
    assert_int_equal(len, 128 + 2 * 128);
    assert_memory_equal(out + 128 + 2 * (0xE7 - 0x80), CEDIL, 2);
    assert_memory_equal(out + 128 + 2 * (0xFF - 0x80), "ÿ", 2);
    assert_int_equal(latin1_to_utf8(all + 0xE7, 1, out, 2, &len), MDT_E(RANGE));
    assert_int_equal(len, 2);
}

/* ---- sms_decode by data_coding --------------------------------------------------------- */

static void test_decode_gsm_default(void **state)
{
    char out[64];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        decode_hex(0x00, "52 05 70 6F 6E 73 65 20 1B65", false, out, sizeof(out), NULL, &err), 0);
    assert_string_equal(out, "Réponse " EURO);
}

static void test_decode_gsm_message_classes(void **state)
{
    char out[16];
    struct mdt_err err = {0};

    (void)state;
    for (unsigned dc = 0xF0; dc <= 0xF3; dc++) {
        assert_int_equal(decode_hex((uint8_t)dc, "00 7F", false, out, sizeof(out), NULL, &err), 0);
        assert_string_equal(out, "@à");
    }
    expect_decode_error(0xF4, "41", false, "unsupported data_coding 0xf4");
}

static void test_decode_ia5(void **state)
{
    char out[16];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(decode_hex(0x01, "53 4F 4C 44 45 40 24", false, out, sizeof(out), NULL, &err),
                     0);
    assert_string_equal(out, "SOLDE@$");
    expect_decode_error(0x01, "52 E9", false, "octet 0xe9 at offset 1 is not IA5");
}

static void test_decode_latin1(void **state)
{
    char out[16];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(decode_hex(0x03, "52 65 E7 75", false, out, sizeof(out), NULL, &err), 0);
    assert_string_equal(out, "Re" CEDIL "u");
}

static void test_decode_ucs2(void **state)
{
    char out[32];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        decode_hex(0x08, "0052 0065 00E7 0075 0020 D83D DE00", false, out, sizeof(out), NULL, &err),
        0);
    assert_string_equal(out, "Re" CEDIL "u " GRIN);
    expect_decode_error(0x08, "0052 00", false, "odd length (3 octets)");
    expect_decode_error(0x08, "0052 DE00", false, "unpaired UTF-16 surrogate 0xde00 at offset 2");
}

static void test_decode_unsupported_coding(void **state)
{
    (void)state;
    expect_decode_error(0x04, "41", false, "unsupported data_coding 0x04");
    expect_decode_error(0x02, "41", false, "unsupported data_coding 0x02");
    expect_decode_error(0x06, "", false, "unsupported data_coding 0x06");
}

static void test_decode_not_a_septet_offset(void **state)
{
    (void)state;
    expect_decode_error(0x00, "41 42 C3", false, "octet 0xc3 at offset 2 is not a GSM septet");
    /* Offsets count from the start of short_message, header included. */
    expect_decode_error(0x00, "050003CC0201 41 E9", true, "octet 0xe9 at offset 7");
}

static void test_decode_small_buffer(void **state)
{
    char out[4];
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(decode_hex(0x00, "41 42 43 44", false, out, sizeof(out), NULL, &err),
                     MDT_E(RANGE));
    assert_non_null(strstr(err.msg, "needs 4 bytes"));
    assert_string_equal(out, "");
    assert_int_equal(decode_hex(0x00, "41 42 43", false, out, sizeof(out), NULL, &err), 0);
    assert_string_equal(out, "ABC");
}

/* ---- user data header, TS 23.040 §9.2.3.24 --------------------------------------------- */

/* Part 1 of 2 as phones send it: 05 00 03 ref total seq, then GSM text. */
static void test_udh_concat_8bit(void **state)
{
    char out[64];
    struct sms_udh udh;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        decode_hex(0x00, "050003CC0201 68 65 6C 6C 6F", true, out, sizeof(out), &udh, &err), 0);
    assert_string_equal(out, "hello");
    assert_true(udh.present);
    assert_true(udh.concat);
    assert_false(udh.ref16);
    assert_int_equal(udh.octets, 6);
    assert_int_equal(udh.ref, 0xCC);
    assert_int_equal(udh.total, 2);
    assert_int_equal(udh.seq, 1);
}

static void test_udh_concat_16bit(void **state)
{
    char out[64];
    struct sms_udh udh;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        decode_hex(0x08, "060804F42E0302 00E9 0074 00E9", true, out, sizeof(out), &udh, &err), 0);
    assert_string_equal(out, "été");
    assert_true(udh.concat);
    assert_true(udh.ref16);
    assert_int_equal(udh.octets, 7);
    assert_int_equal(udh.ref, 0xF42E);
    assert_int_equal(udh.total, 3);
    assert_int_equal(udh.seq, 2);
}

/* An application port IE (0x05, §9.2.3.24.4) is skipped; the concatenation after it counts. */
static void test_udh_other_elements_skipped(void **state)
{
    char out[64];
    struct sms_udh udh;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        decode_hex(0x00, "0B 05040B8423F0 0003070202 4F4B", true, out, sizeof(out), &udh, &err), 0);
    assert_string_equal(out, "OK");
    assert_int_equal(udh.octets, 12);
    assert_int_equal(udh.ref, 7);
    assert_int_equal(udh.seq, 2);
    /* No concatenation at all: a header with only a port. */
    assert_int_equal(decode_hex(0x00, "06 05040B8423F0 4F4B", true, out, sizeof(out), &udh, &err),
                     0);
    assert_true(udh.present);
    assert_false(udh.concat);
    /* Empty header. */
    assert_int_equal(decode_hex(0x00, "00 4F4B", true, out, sizeof(out), &udh, &err), 0);
    assert_string_equal(out, "OK");
    assert_int_equal(udh.octets, 1);
}

/* §9.2.3.24: a repeated element, the last occurrence is used. */
static void test_udh_repeated_concat_last_wins(void **state)
{
    char out[16];
    struct sms_udh udh;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        decode_hex(0x00, "0A 0003010201 0003090403 41", true, out, sizeof(out), &udh, &err), 0);
    assert_int_equal(udh.ref, 9);
    assert_int_equal(udh.total, 4);
    assert_int_equal(udh.seq, 3);
}

static void test_udh_without_udhi_is_text(void **state)
{
    char out[16];
    struct sms_udh udh;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(decode_hex(0x00, "0500034F0201", false, out, sizeof(out), &udh, &err), 0);
    assert_false(udh.present);
    assert_string_equal(out, "é@¥O$£");
}

static void test_udh_malformed(void **state)
{
    (void)state;
    expect_decode_error(0x00, "", true, "udh indicator set but the message is empty");
    expect_decode_error(0x00, "0A 000301", true, "udh length 10 exceeds the 3 octets after it");
    expect_decode_error(0x00, "05 0005CC0201 41", true,
                        "udh element 0x00 at octet 1 (5 octets) overruns the 6-octet header");
    expect_decode_error(0x00, "07 050400000000 08", true, "element 0x08 at octet 7 has no length");
    expect_decode_error(0x00, "04 0002CC02 41", true,
                        "concatenation element 0x00 at octet 1 has length 2, not 3");
    expect_decode_error(0x08, "05 080300CC02 0041", true, "has length 3, not 4");
    expect_decode_error(0x00, "050003CC0001 41", true, "says 0 parts");
    expect_decode_error(0x00, "050003CC0200 41", true, "part 0 of 2");
    expect_decode_error(0x00, "050003CC0203 41", true, "part 3 of 2");
    expect_decode_error(0x08, "060804ABCD0000 0041", true, "element 0x08 at octet 1 says 0 parts");
}

/* ---- MT planning and parts -------------------------------------------------------------- */

static void test_plan_160_gsm_is_one_part(void **state)
{
    char text[200];
    size_t len = repeat(text, sizeof(text), "a", 160);
    struct sms_plan plan;
    uint8_t pdu[SMS_PART_OCTETS_MAX];
    size_t n = 0;
    uint8_t dc = 0xFF;
    bool udhi = true;

    (void)state;
    expect_plan(text, len, SMS_CODING_GSM, 1, &plan);
    assert_int_equal(plan.units, 160);
    assert_int_equal(sms_part(&plan, text, len, 0, 1, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_int_equal(n, 160);
    assert_int_equal(dc, 0x00);
    assert_false(udhi);
    assert_int_equal(pdu[0], 'a');
}

static void test_plan_161_gsm_is_two_parts(void **state)
{
    char text[200];
    size_t len = repeat(text, sizeof(text), "a", 161);
    struct sms_plan plan;
    size_t octets = 0;

    (void)state;
    expect_plan(text, len, SMS_CODING_GSM, 2, &plan);
    assert_int_equal(plan.start[1], 153);
    expect_reassembly(text, len, 0, &octets);
    assert_int_equal(octets, 153);
    expect_reassembly(text, len, 1, &octets);
    assert_int_equal(octets, 8);
}

static void test_plan_70_71_ucs2(void **state)
{
    char text[200];
    size_t len = repeat(text, sizeof(text), CEDIL, 70);
    struct sms_plan plan;
    size_t octets = 0;

    (void)state;
    expect_plan(text, len, SMS_CODING_UCS2, 1, &plan);
    expect_reassembly(text, len, 0, &octets);
    assert_int_equal(octets, 140);
    len = repeat(text, sizeof(text), CEDIL, 71);
    expect_plan(text, len, SMS_CODING_UCS2, 2, &plan);
    expect_reassembly(text, len, 0, &octets);
    assert_int_equal(octets, 134);
    expect_reassembly(text, len, 1, &octets);
    assert_int_equal(octets, 8);
}

/* The euro sign falls on septets 153-154: it moves whole to part 2, part 1 has 152. */
static void test_plan_extension_at_boundary(void **state)
{
    char text[300];
    size_t len = repeat(text, sizeof(text), "a", 152);
    struct sms_plan plan;
    uint8_t pdu[SMS_PART_OCTETS_MAX];
    size_t n = 0;
    uint8_t dc = 0;
    bool udhi = false;

    (void)state;
    memcpy(text + len, EURO "aaaaaaaaaa", 14);
    len += 13;
    expect_plan(text, len, SMS_CODING_GSM, 2, &plan);
    assert_int_equal(plan.units, 164);
    assert_int_equal(plan.start[1], 152);
    assert_int_equal(sms_part(&plan, text, len, 0, 7, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_int_equal(n, 6 + 152);
    assert_int_equal(pdu[6 + 151], 'a');
    assert_int_equal(sms_part(&plan, text, len, 1, 7, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_int_equal(n, 6 + 12);
    assert_int_equal(pdu[6], GSM_ESC);
    assert_int_equal(pdu[7], 0x65);
}

/* 158 + euro = 160 septets: one part; 159 + euro = 161: two. */
static void test_plan_extension_single_limit(void **state)
{
    char text[300];
    size_t len = repeat(text, sizeof(text), "a", 158);
    struct sms_plan plan;
    size_t octets = 0;

    (void)state;
    memcpy(text + len, EURO, 4);
    expect_plan(text, len + 3, SMS_CODING_GSM, 1, &plan);
    assert_int_equal(plan.units, 160);
    len = repeat(text, sizeof(text), "a", 159);
    memcpy(text + len, EURO, 4);
    expect_plan(text, len + 3, SMS_CODING_GSM, 2, &plan);
    expect_reassembly(text, len + 3, 1, &octets);
    assert_int_equal(octets, 8); /* 6 'a' and ESC 0x65 */
}

/* The emoji's pair falls on units 67-68: it moves whole to part 2. */
static void test_plan_surrogate_at_boundary(void **state)
{
    char text[300];
    size_t len = repeat(text, sizeof(text), CEDIL, 66);
    struct sms_plan plan;
    uint8_t pdu[SMS_PART_OCTETS_MAX];
    size_t n = 0;
    uint8_t dc = 0;
    bool udhi = false;

    (void)state;
    memcpy(text + len, GRIN "abcd", 9);
    len += 8;
    expect_plan(text, len, SMS_CODING_UCS2, 2, &plan);
    assert_int_equal(plan.units, 72);
    assert_int_equal(plan.start[1], 132);
    assert_int_equal(sms_part(&plan, text, len, 0, 7, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_int_equal(n, 6 + 132);
    assert_int_equal(dc, 0x08);
    assert_int_equal(sms_part(&plan, text, len, 1, 7, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_int_equal(n, 6 + 12);
    assert_int_equal(pdu[6], 0xD8);
    assert_int_equal(pdu[7], 0x3D);
    assert_int_equal(pdu[8], 0xDE);
}

/* 68 units + a pair = 70: still one part. */
static void test_plan_surrogate_single_limit(void **state)
{
    char text[300];
    size_t len = repeat(text, sizeof(text), CEDIL, 68);
    struct sms_plan plan;
    size_t octets = 0;

    (void)state;
    memcpy(text + len, GRIN, 5);
    expect_plan(text, len + 4, SMS_CODING_UCS2, 1, &plan);
    expect_reassembly(text, len + 4, 0, &octets);
    assert_int_equal(octets, 140);
}

static void test_plan_parts_max(void **state)
{
    static char text[4 * 1600];
    size_t len = repeat(text, sizeof(text), "a", SMS_PARTS_MAX * SMS_GSM_PART_MAX);
    struct sms_plan plan;

    (void)state;
    expect_plan(text, len, SMS_CODING_GSM, SMS_PARTS_MAX, &plan);
    len = repeat(text, sizeof(text), "a", SMS_PARTS_MAX * SMS_GSM_PART_MAX + 1);
    assert_int_equal(sms_plan(text, len, &plan), MDT_E(RANGE));
    /* 765 euro signs are 1530 septets, but a part holds 76 pairs (152 septets): 11 parts. */
    len = repeat(text, sizeof(text), EURO, 765);
    assert_int_equal(sms_plan(text, len, &plan), MDT_E(RANGE));
    len = repeat(text, sizeof(text), EURO, 760);
    expect_plan(text, len, SMS_CODING_GSM, 10, &plan);
}

static void test_plan_invalid_utf8(void **state)
{
    struct sms_plan plan;

    (void)state;
    assert_int_equal(sms_plan("abc\xc3(", 5, &plan), MDT_E(PARSE));
    assert_int_equal(plan.bad_offset, 3);
    assert_int_equal(sms_plan(CEDIL "\xed\xb0\x80", 5, &plan), MDT_E(PARSE));
    assert_int_equal(plan.bad_offset, 2);
}

static void test_plan_empty_text(void **state)
{
    struct sms_plan plan;
    uint8_t pdu[SMS_PART_OCTETS_MAX];
    size_t n = 9;
    uint8_t dc = 0xFF;
    bool udhi = true;

    (void)state;
    expect_plan("", 0, SMS_CODING_GSM, 1, &plan);
    assert_int_equal(sms_part(&plan, "", 0, 0, 0, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_int_equal(n, 0);
    assert_int_equal(dc, 0);
    assert_false(udhi);
}

/* A long French confirmation: GSM, three parts, each header right, text intact. */
static void test_part_french_reassembly(void **state)
{
    char text[1024];
    size_t len =
        repeat(text, sizeof(text),
               "Envoi de 10,00 " EURO " à +33 6 12 34 56 78 ? Répondez avec votre code. ", 5);
    struct sms_plan plan;
    uint8_t pdu[SMS_PART_OCTETS_MAX];
    size_t n = 0;
    size_t octets = 0;
    uint8_t dc = 0xFF;
    bool udhi = false;

    (void)state;
    expect_plan(text, len, SMS_CODING_GSM, 3, &plan);
    assert_int_equal(plan.units, 5 * 66);
    assert_int_equal(sms_part(&plan, text, len, 1, 0xA7, pdu, sizeof(pdu), &n, &dc, &udhi), 0);
    assert_memory_equal(pdu, "\x05\x00\x03\xa7\x03\x02", 6);
    expect_reassembly(text, len, 2, &octets);
    assert_int_equal(octets, 5 * 66 - 2 * 153);
    /* The same with "Reçu": UCS-2, 5 * 68 units in 6 parts. */
    len = repeat(text, sizeof(text),
                 "Reçu : envoi de 10,00 " EURO " à +33 6 12 34 56 78, répondez avec le code. ", 5);
    expect_plan(text, len, SMS_CODING_UCS2, 6, &plan);
    assert_int_equal(plan.units, 5 * 68);
    expect_reassembly(text, len, 5, &octets);
    assert_int_equal(octets, 2 * (5 * 68 - 5 * 67));
}

static void test_part_errors(void **state)
{
    char text[200];
    size_t len = repeat(text, sizeof(text), "a", 200 - 1);
    struct sms_plan plan;
    uint8_t pdu[SMS_PART_OCTETS_MAX];
    size_t n = 0;
    uint8_t dc = 0;
    bool udhi = false;

    (void)state;
    expect_plan(text, len, SMS_CODING_GSM, 2, &plan);
    assert_int_equal(sms_part(&plan, text, len, 2, 0, pdu, sizeof(pdu), &n, &dc, &udhi),
                     MDT_E(INVAL));
    assert_int_equal(sms_part(&plan, text, len - 1, 0, 0, pdu, sizeof(pdu), &n, &dc, &udhi),
                     MDT_E(INVAL));
    assert_int_equal(sms_part(&plan, text, len, 0, 0, pdu, 100, &n, &dc, &udhi), MDT_E(RANGE));
    assert_int_equal(n, 159);
    assert_int_equal(sms_part(&plan, text, len, 0, 0, pdu, 3, &n, &dc, &udhi), MDT_E(RANGE));
    /* The text changed since planning (a ç replaced two a's): refused, not sent wrong. */
    memcpy(text + 10, CEDIL, 2);
    assert_int_equal(sms_part(&plan, text, len, 0, 0, pdu, sizeof(pdu), &n, &dc, &udhi),
                     MDT_E(INVAL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsm_table_round_trip),
        cmocka_unit_test(test_gsm_extension_round_trip),
        cmocka_unit_test(test_gsm_euro_two_septets),
        cmocka_unit_test(test_gsm_brackets_two_septets),
        cmocka_unit_test(test_gsm_ascii_that_moves),
        cmocka_unit_test(test_gsm_french_letters_fit),
        cmocka_unit_test(test_gsm_french_letters_absent),
        cmocka_unit_test(test_gsm_other_absent),
        cmocka_unit_test(test_gsm_french_sentence),
        cmocka_unit_test(test_gsm_recu_forces_ucs2),
        cmocka_unit_test(test_gsm_invalid_utf8),
        cmocka_unit_test(test_gsm_from_utf8_small_buffer),
        cmocka_unit_test(test_gsm_decode_extension_fallbacks),
        cmocka_unit_test(test_gsm_decode_not_a_septet),
        cmocka_unit_test(test_gsm_decode_small_buffer),
        cmocka_unit_test(test_pack_spec_vectors),
        cmocka_unit_test(test_pack_fill_bits),
        cmocka_unit_test(test_unpack_spare_bits_are_the_callers),
        cmocka_unit_test(test_pack_round_trip_every_fill),
        cmocka_unit_test(test_pack_errors),
        cmocka_unit_test(test_ucs2_from_utf8),
        cmocka_unit_test(test_ucs2_to_utf8_pairs),
        cmocka_unit_test(test_ucs2_unpaired_surrogates),
        cmocka_unit_test(test_latin1_to_utf8),
        cmocka_unit_test(test_decode_gsm_default),
        cmocka_unit_test(test_decode_gsm_message_classes),
        cmocka_unit_test(test_decode_ia5),
        cmocka_unit_test(test_decode_latin1),
        cmocka_unit_test(test_decode_ucs2),
        cmocka_unit_test(test_decode_unsupported_coding),
        cmocka_unit_test(test_decode_not_a_septet_offset),
        cmocka_unit_test(test_decode_small_buffer),
        cmocka_unit_test(test_udh_concat_8bit),
        cmocka_unit_test(test_udh_concat_16bit),
        cmocka_unit_test(test_udh_other_elements_skipped),
        cmocka_unit_test(test_udh_repeated_concat_last_wins),
        cmocka_unit_test(test_udh_without_udhi_is_text),
        cmocka_unit_test(test_udh_malformed),
        cmocka_unit_test(test_plan_160_gsm_is_one_part),
        cmocka_unit_test(test_plan_161_gsm_is_two_parts),
        cmocka_unit_test(test_plan_70_71_ucs2),
        cmocka_unit_test(test_plan_extension_at_boundary),
        cmocka_unit_test(test_plan_extension_single_limit),
        cmocka_unit_test(test_plan_surrogate_at_boundary),
        cmocka_unit_test(test_plan_surrogate_single_limit),
        cmocka_unit_test(test_plan_parts_max),
        cmocka_unit_test(test_plan_invalid_utf8),
        cmocka_unit_test(test_plan_empty_text),
        cmocka_unit_test(test_part_french_reassembly),
        cmocka_unit_test(test_part_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
