/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the ISO 8583 codec: arbitrary bytes must parse or be refused with a
 * message; what parses must build, parse back equal and build again to the same bytes, print
 * within its buffer, and, when it is a request, give a response that builds and parses. The same
 * bytes through the frame reader in pieces must give frames within its maximum. The same bytes
 * under an AES link's profile (field 52 of 16 bytes) likewise; field 90 of what parses reads
 * into its parts or is refused with a message. Aborts on any mismatch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/iso8583/iso8583.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc1[ISO8583_MSG_MAX];
static uint8_t enc2[ISO8583_MSG_MAX];
static char line[ISO8583_MSG_MAX * 2];
static struct iso8583_reader reader;

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static void check_same(const struct iso8583_msg *a, const struct iso8583_msg *b)
{
    check(strcmp(a->mti, b->mti) == 0);
    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX; n++) {
        check(iso8583_has(a, n) == iso8583_has(b, n));
        if (iso8583_has(a, n)) {
            check(a->field[n].len == b->field[n].len);
            check(a->field[n].len == 0 ||
                  memcmp(a->field[n].p, b->field[n].p, a->field[n].len) == 0);
        }
    }
}

static void check_print(const struct iso8583_msg *m)
{
    size_t n = iso8583_format(m, line, sizeof(line));

    check(n == strlen(line) && n < sizeof(line));
    if (iso8583_has(m, 52)) {
        check(strstr(line, " 52=[hidden]") != NULL);
    }
    n = iso8583_format(m, line, 16);
    check(n == strlen(line) && n < 16);
}

static void check_response(const struct iso8583_msg *req)
{
    struct iso8583_msg resp, back;
    struct mdt_err err = {0};
    size_t len = 0;

    if (!iso8583_mti_is_request(req->mti)) {
        check(iso8583_response_init(req, &resp, &err) == MDT_E(INVAL));
        return;
    }
    check(iso8583_response_init(req, &resp, &err) == 0);
    check(!iso8583_has(&resp, 35) && !iso8583_has(&resp, 52) && !iso8583_has(&resp, 14));
    check(iso8583_set_str(&resp, 39, "91", &err) == 0);
    check(iso8583_build(&resp, enc2, sizeof(enc2), &len, &err) == 0);
    check(iso8583_parse_profile(enc2, len, &resp.profile, &back, &err) == 0);
    check_same(&resp, &back);
}

/* Field 90: absent, its parts (digits, each of its length), or refused with a message. */
static void check_original(const struct iso8583_msg *m)
{
    struct iso8583_original od;
    struct mdt_err err = {0};
    int rc = iso8583_original_parse(m, &od, &err);

    if (rc == 0) {
        check(strlen(od.mti) == 4 && strlen(od.stan) == 6 && strlen(od.transmission) == 10 &&
              strlen(od.acquirer) == 11 && strlen(od.forwarder) == 11);
        check(strspn(od.stan, "0123456789") == 6 && strcmp(od.stan, "000000") != 0);
    } else if (rc == MDT_E(NOTFOUND)) {
        size_t zeros = 0;

        for (size_t i = 0; iso8583_has(m, 90) && i < m->field[90].len; i++) {
            zeros += m->field[90].p[i] == '0';
        }
        check(!iso8583_has(m, 90) || zeros == 42);
    } else {
        check(rc == MDT_E(PARSE) && err.msg[0] != '\0');
    }
}

static void check_parsed(const uint8_t *data, size_t size, const struct iso8583_msg *a)
{
    struct iso8583_msg b;
    struct mdt_err err = {0};
    size_t len1 = 0, len2 = 0;

    for (unsigned n = 1; n <= ISO8583_FIELDS_MAX; n++) {
        if (iso8583_has(a, n) && a->field[n].len > 0) {
            check((const uint8_t *)a->field[n].p >= data &&
                  (const uint8_t *)a->field[n].p + a->field[n].len <= data + size);
        }
    }
    check_original(a);
    check(iso8583_build(a, enc1, sizeof(enc1), &len1, &err) == 0);
    /* Only an all-zero secondary bitmap is dropped; hex case may change, not length. */
    check(len1 == size - (a->bitmap2_zero ? ISO8583_BITMAP_LEN : 0));
    check(iso8583_parse_profile(enc1, len1, &a->profile, &b, &err) == 0);
    check_same(a, &b);
    check(!b.bitmap2_zero);
    check(iso8583_build(&b, enc2, sizeof(enc2), &len2, &err) == 0);
    check(len2 == len1 && memcmp(enc1, enc2, len1) == 0);
    check_print(a);
    check_response(a);
}

static void check_message(const uint8_t *data, size_t size)
{
    static const struct iso8583_profile profiles[] = {{0}, {.pin_block_len = 16}};

    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        struct iso8583_msg m;
        struct mdt_err err = {0};
        int rc = iso8583_parse_profile(data, size, &profiles[i], &m, &err);

        if (rc == 0) {
            check(m.profile.pin_block_len == profiles[i].pin_block_len);
            check(!iso8583_has(&m, 52) ||
                  m.field[52].len == (profiles[i].pin_block_len ? 32u : 16u));
            check_parsed(data, size, &m);
        } else {
            check(rc == MDT_E(PARSE) && err.code == rc && err.msg[0] != '\0');
        }
    }
}

/* The bytes as a stream of frames, read 7 bytes at a time. */
static void check_reader(const uint8_t *data, size_t size)
{
    struct mdt_err err = {0};
    size_t off = 0;

    iso8583_reader_init(&reader, 4096);
    while (off < size) {
        size_t piece = size - off < 7 ? size - off : 7;
        size_t used = 0, msg_len = 0;
        const uint8_t *msg = NULL;
        int rc = iso8583_reader_feed(&reader, data + off, piece, &used, &msg, &msg_len, &err);

        if (rc < 0) {
            check(rc == MDT_E(RANGE) && reader.spent);
            return;
        }
        check(used <= piece && (rc == 1 || used == piece));
        if (rc == 1) {
            check(msg_len >= 1 && msg_len <= 4096);
            check_message(msg, msg_len);
        }
        off += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_message(data, size);
    if (size >= ISO8583_HEADER_LEN) {
        check_reader(data, size);
    }
    return 0;
}
