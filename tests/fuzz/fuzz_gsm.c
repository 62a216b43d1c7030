/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for channel/smpp/gsm: decodes arbitrary short_message bytes with each
 * data_coding, with and without a user data header, and plans and splits arbitrary text, checking
 * that the parts reassemble to it. Input: one selector octet (bits 0-3 pick the data_coding,
 * bit 4 sets udhi, bits 5-7 give the fill bits), then the body. Aborts on any broken property. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/smpp/gsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Beyond SMPP's 254-octet short_message and past SMS_PARTS_MAX parts of text, so that
 * message_payload sizes and the too-many-parts refusal are both reached. */
#define FUZZ_BODY_MAX 4096

/* Supported codings, then unsupported ones (8-bit data, class with 8-bit, Cyrillic, binary). */
static const uint8_t codings[16] = {0x00, 0x01, 0x03, 0x08, 0xF0, 0xF1, 0xF2, 0xF3,
                                    0x00, 0x08, 0x03, 0x02, 0x04, 0xF4, 0x06, 0x10};

static char text_buf[SMS_DECODE_CAP(FUZZ_BODY_MAX)];
static char text_buf2[SMS_DECODE_CAP(FUZZ_BODY_MAX)];
static uint8_t bin_buf[4 * FUZZ_BODY_MAX];
static uint8_t bin_buf2[4 * FUZZ_BODY_MAX];

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

/* Offset of the first invalid UTF-8 sequence, or len. Written from the Unicode Standard's
 * table 3-7 of well-formed byte sequences, independently of gsm.c's decoder. */
static size_t utf8_bad_at(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t b = s[i];
        size_t k;
        uint8_t lo = 0x80;
        uint8_t hi = 0xBF;

        if (b <= 0x7F) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            k = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            k = 2;
            lo = b == 0xE0 ? 0xA0 : 0x80;
            hi = b == 0xED ? 0x9F : 0xBF;
        } else if (b >= 0xF0 && b <= 0xF4) {
            k = 3;
            lo = b == 0xF0 ? 0x90 : 0x80;
            hi = b == 0xF4 ? 0x8F : 0xBF;
        } else {
            return i;
        }
        if (len - i - 1 < k || s[i + 1] < lo || s[i + 1] > hi) {
            return i;
        }
        for (size_t j = 2; j <= k; j++) {
            if (s[i + j] < 0x80 || s[i + j] > 0xBF) {
                return i;
            }
        }
        i += k + 1;
    }
    return len;
}

static void fuzz_decode(uint8_t dc, bool udhi, const uint8_t *body, size_t n)
{
    struct sms_udh udh;
    struct mdt_err err = {0};
    size_t len = 99;
    size_t small = 99;
    int rc = sms_decode(dc, body, n, udhi, text_buf, sizeof(text_buf), &len, &udh, &err);

    if (rc != 0) {
        check(rc == MDT_E(PARSE) && err.code == rc && err.msg[0] != '\0' && len == 0);
        check(text_buf[0] == '\0');
        return;
    }
    check(len < SMS_DECODE_CAP(n) && text_buf[len] == '\0');
    check(utf8_bad_at((const uint8_t *)text_buf, len) == len);
    check(udh.present == udhi && udh.octets <= n);
    check(!udh.concat || (udh.total >= 1 && udh.seq >= 1 && udh.seq <= udh.total));
    if (dc == 0x08) {
        /* UTF-16 decoding loses nothing: encoding the text again gives the payload back. */
        check(ucs2_from_utf8(text_buf, len, bin_buf, sizeof(bin_buf), &small) == 0);
        check(small == n - udh.octets && memcmp(bin_buf, body + udh.octets, small) == 0);
    }
    if (dc == 0x01) {
        check(len == n - udh.octets && memcmp(text_buf, body + udh.octets, len) == 0);
    }
    /* One byte short of the text and its NUL: refused, with the size needed. */
    rc = sms_decode(dc, body, n, udhi, text_buf2, len, &small, NULL, &err);
    check(rc == MDT_E(RANGE) && small == 0 && err.code == rc && (len == 0 || text_buf2[0] == 0));
}

/* Units of the first character of a part's payload. */
static size_t first_units(enum sms_coding coding, const uint8_t *p, size_t octets)
{
    if (octets == 0) {
        return 0;
    }
    if (coding == SMS_CODING_GSM) {
        return p[0] == GSM_ESC ? 2 : 1;
    }
    return p[0] >= 0xD8 && p[0] <= 0xDB ? 2 : 1;
}

/* Write part i, check its header and size, append its decoded text at text_buf2 + *at. */
static void fuzz_part(const struct sms_plan *plan, const char *text, size_t len, unsigned i,
                      uint8_t *pdu, size_t *payload, size_t *at)
{
    struct sms_udh udh;
    struct mdt_err err = {0};
    size_t n = 0;
    size_t got = 0;
    uint8_t dc = 0xFF;
    bool udhi = false;
    size_t unit = plan->coding == SMS_CODING_GSM ? 1 : 2;
    size_t max = plan->parts == 1 ? (unit == 1 ? SMS_GSM_SINGLE_MAX : SMS_UCS2_SINGLE_MAX)
                                  : (unit == 1 ? SMS_GSM_PART_MAX : SMS_UCS2_PART_MAX);

    check(sms_part(plan, text, len, i, (uint8_t)len, pdu, SMS_PART_OCTETS_MAX, &n, &dc, &udhi) ==
          0);
    check(n <= SMS_PART_OCTETS_MAX && dc == plan->coding && udhi == (plan->parts > 1));
    check(sms_decode(dc, pdu, n, udhi, text_buf2 + *at, sizeof(text_buf2) - *at, &got, &udh,
                     &err) == 0);
    check(udh.concat == udhi);
    if (udhi) {
        check(udh.octets == SMS_UDH_CONCAT_OCTETS && udh.ref == (uint8_t)len);
        check(udh.total == plan->parts && udh.seq == i + 1);
    }
    *payload = n - udh.octets;
    check(*payload % unit == 0 && *payload / unit <= max);
    *at += got;
}

static void fuzz_plan(const uint8_t *body, size_t n)
{
    const char *text = (const char *)body;
    struct sms_plan plan;
    uint8_t pdu[SMS_PARTS_MAX * SMS_PART_OCTETS_MAX];
    size_t payload[SMS_PARTS_MAX];
    size_t bad = utf8_bad_at(body, n);
    size_t at = 0;
    int rc = sms_plan(text, n, &plan);
    bool fits = false;

    if (bad < n) {
        check(rc == MDT_E(PARSE) && plan.bad_offset == bad);
        return;
    }
    if (rc == MDT_E(RANGE)) {
        /* Ten full parts came first. A UCS-2 part holds 66 units or more (67 but for a pair),
         * each at least a byte of UTF-8; a GSM part 152 septets or more, at most 2 per byte
         * ('{' is ESC 0x28): so the text is longer than 660 bytes either way. */
        check(n > SMS_PARTS_MAX * (SMS_UCS2_PART_MAX - 1));
        return;
    }
    check(rc == 0 && plan.parts >= 1 && plan.parts <= SMS_PARTS_MAX && plan.len == n);
    /* GSM exactly when every character has a GSM form. */
    check(gsm_from_utf8(text, n, bin_buf, sizeof(bin_buf), &at, &fits) == 0);
    check(fits == (plan.coding == SMS_CODING_GSM) && (!fits || at == plan.units));
    at = 0;
    for (unsigned i = 0; i < plan.parts; i++) {
        fuzz_part(&plan, text, n, i, pdu + i * SMS_PART_OCTETS_MAX, &payload[i], &at);
    }
    check(at == n && memcmp(text_buf2, text, n) == 0);
    /* Greedy: each part but the last is full up to the next character. */
    for (unsigned i = 0; i + 1 < plan.parts; i++) {
        size_t unit = plan.coding == SMS_CODING_GSM ? 1 : 2;
        size_t max = unit == 1 ? SMS_GSM_PART_MAX : SMS_UCS2_PART_MAX;
        const uint8_t *next = pdu + (i + 1) * SMS_PART_OCTETS_MAX + SMS_UDH_CONCAT_OCTETS;

        check(payload[i] / unit + first_units(plan.coding, next, payload[i + 1]) > max);
    }
}

/* Text codecs on their own: GSM and UTF-16 round trips, decode-encode idempotence, packing. */
static void fuzz_codecs(unsigned fill, const uint8_t *body, size_t n)
{
    const char *text = (const char *)body;
    size_t len = 0;
    size_t m = 0;
    size_t octets = 0;
    bool fits = false;

    /* UTF-8 -> GSM -> packed -> unpacked -> UTF-8 is the identity when the text fits. */
    if (gsm_from_utf8(text, n, bin_buf, sizeof(bin_buf), &m, &fits) == 0 && fits) {
        check(gsm_pack(bin_buf, m, bin_buf2, sizeof(bin_buf2), &octets, fill) == 0);
        check(octets == gsm_packed_octets(m, fill));
        check(gsm_unpack(bin_buf2, octets, m, bin_buf2 + octets, m, fill) == 0);
        check(memcmp(bin_buf2 + octets, bin_buf, m) == 0);
        check(gsm_to_utf8(bin_buf, m, text_buf, sizeof(text_buf), &len) == 0);
        check(len == n && memcmp(text_buf, text, n) == 0);
    }
    /* UTF-8 -> UTF-16 -> UTF-8 is the identity for valid text. */
    if (ucs2_from_utf8(text, n, bin_buf, sizeof(bin_buf), &m) == 0) {
        check(ucs2_to_utf8(bin_buf, m, text_buf, sizeof(text_buf), &len) == 0);
        check(len == n && memcmp(text_buf, text, n) == 0);
    }
    /* Septets -> UTF-8 always fits GSM again and decodes to the same text (the fallbacks for
     * unknown extensions make the first step lossy, never the second). */
    for (size_t i = 0; i < n; i++) {
        bin_buf[i] = body[i] & 0x7F;
    }
    check(gsm_to_utf8(bin_buf, n, text_buf, sizeof(text_buf), &len) == 0);
    check(gsm_from_utf8(text_buf, len, bin_buf2, sizeof(bin_buf2), &m, &fits) == 0 && fits);
    check(gsm_to_utf8(bin_buf2, m, text_buf2, sizeof(text_buf2), &octets) == 0);
    check(octets == len && memcmp(text_buf, text_buf2, len) == 0);
    /* Packed octets -> septets -> packed again: the same bits, fill and spare bits aside. */
    if (n > 0) {
        size_t count = (8 * n - fill) / 7;
        size_t spare = 8 * n - fill - 7 * count;

        check(gsm_unpack(body, n, count, bin_buf, sizeof(bin_buf), fill) == 0);
        check(gsm_pack(bin_buf, count, bin_buf2, sizeof(bin_buf2), &octets, fill) == 0);
        check(octets == n);
        check((bin_buf2[0] & ((1u << fill) - 1)) == 0);
        for (size_t i = 0; i < n; i++) {
            unsigned mask = 0xFF;

            if (i == 0) {
                mask &= ~((1u << fill) - 1);
            }
            if (i == n - 1) {
                mask &= 0xFFu >> spare;
            }
            check((bin_buf2[i] & mask) == (body[i] & mask) && (bin_buf2[i] & ~mask) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    uint8_t sel;

    if (size == 0 || n > FUZZ_BODY_MAX) {
        return 0;
    }
    sel = data[0];
    fuzz_decode(codings[sel & 0x0F], (sel & 0x10) != 0, body, n);
    fuzz_plan(body, n);
    fuzz_codecs((unsigned)(sel >> 5) % 7, body, n);
    return 0;
}
