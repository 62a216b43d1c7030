/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8583:1987 message codec of the issuer host (issue 15): ASCII MTI, hex-ASCII bitmaps, the
 * fields of iso8583.def; parse a frame into slices, build a message into a buffer, the
 * response's echoed fields, a masked one-line form for logs, and the 2-byte length framing. No
 * I/O, no allocation, no money logic, no shared state: thread-safe. */
#ifndef MDT_CHANNEL_ISO8583_H
#define MDT_CHANNEL_ISO8583_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

/* Data element numbers: 1 (secondary bitmap) to 128. 0 is the MTI, which is not a field here. */
#define ISO8583_FIELDS_MAX 128
#define ISO8583_MTI_LEN 4
/* Each bitmap as hex-ASCII: 64 bits in 16 characters. */
#define ISO8583_BITMAP_LEN 16
/* The 2-byte big-endian length header in front of every message on the wire. */
#define ISO8583_HEADER_LEN 2

/* Character classes of iso8583.def (see there for what each accepts). */
enum iso8583_type {
    ISO8583_TYPE_N,
    ISO8583_TYPE_AN,
    ISO8583_TYPE_ANS,
    ISO8583_TYPE_Z,
    ISO8583_TYPE_B
};

/* How a field's length is known. */
enum iso8583_length { ISO8583_FIXED, ISO8583_LLVAR, ISO8583_LLLVAR };

/* Row flags of iso8583.def. */
enum iso8583_flag {
    ISO8583_ECHO = (1u << 0),   /* copied from request to response */
    ISO8583_PAN = (1u << 1),    /* printed as BIN and last four */
    ISO8583_TRACK = (1u << 2),  /* printed as BIN and last four of its PAN, nothing else */
    ISO8583_SECRET = (1u << 3), /* never printed */
};

/* Field numbers by name, from the table: ISO8583_F_pan is 2, ISO8583_F_pin_block 52. */
enum iso8583_field_number {
#define ISO8583_FIELD(number, name, type, length, max, flags) ISO8583_F_##name = number,
#include "channel/iso8583/iso8583.def"
#undef ISO8583_FIELD
};

/* One row of the table. max is in characters, or in bytes for ISO8583_TYPE_B (which travel as
 * twice as many hex characters: wire_max). */
struct iso8583_field_def {
    uint8_t number;
    enum iso8583_type type;
    enum iso8583_length length;
    uint16_t max;
    uint16_t wire_max;
    unsigned flags;
    const char *name;
};

/* The row of field number, or NULL when the host has none (such a field cannot be parsed). */
const struct iso8583_field_def *iso8583_field_def(unsigned number);

/* A field's value as it travels (for ISO8583_TYPE_B, the hex characters), without its length
 * prefix: len characters at p, not NUL-terminated. Borrowed: from the parsed frame, or from
 * whatever the caller gave iso8583_set. */
struct iso8583_slice {
    const char *p;
    size_t len;
};

/* What a link changes of the table: the length of field 52, the PIN block. 8 bytes is the
 * table's (ISO 9564 format 0 under a TDES zone PIN key); a link whose key is AES carries format
 * 4, whose block is 16 bytes (32 hex characters). A zeroed profile is the table as it is. */
struct iso8583_profile {
    uint8_t pin_block_len; /* 0 or 8: the table's; 16: an AES link's */
};

/* A message: its MTI and which fields are present with their values. 2 KB; the caller owns it
 * (stack or arena). Fields are read and written with the functions below. */
struct iso8583_msg {
    char mti[ISO8583_MTI_LEN + 1];  /* NUL-terminated */
    struct iso8583_profile profile; /* set by iso8583_parse_profile, or by the caller after init */
    uint64_t present[2]; /* the bitmaps as on the wire: the top bit of word 0 is field 1 */
    bool bitmap2_zero;   /* parsed: bit 1 was set with an all-zero secondary bitmap */
    struct iso8583_slice field[ISO8583_FIELDS_MAX + 1];
};

/* An empty message with mti (4 digits, version 0: "0100"). -MDT_EINVAL when mti is not 4 digits
 * beginning with 0 (err says why). */
int iso8583_init(struct iso8583_msg *m, const char *mti, struct mdt_err *err);

/*
 * Parse one message (the bytes after the length header) into m, whose slices then point into
 * frame: frame must outlive m's use. Never reads outside frame[0 .. len). Checks the MTI (4
 * digits, version 0 of 1987), the bitmaps (16 hex characters each; the secondary one when bit 1
 * is set), every present field against its row (characters of its type, its length kind and
 * bounds), that the host knows every field present, and that nothing follows the last field.
 * -MDT_EPARSE with err naming the field and what is wrong ("field 4: 13 characters, fixed
 * length is 12"); m is then partly filled and must not be used. Thread-safe.
 */
int iso8583_parse(const uint8_t *frame, size_t len, struct iso8583_msg *m, struct mdt_err *err);

/* The same under profile p (copied into m->profile; NULL: the table's). -MDT_EINVAL when p's
 * field 52 is neither 8 nor 16 bytes. */
int iso8583_parse_profile(const uint8_t *frame, size_t len, const struct iso8583_profile *p,
                          struct iso8583_msg *m, struct mdt_err *err);

/* ISO 8583:1987 field 90, the original data elements of a reversal or completion: the
 * original's MTI, STAN, transmission date and time (MMDDhhmmss, field 7) and acquiring and
 * forwarding institution ids (11 digits each, zeros on the left), NUL-terminated. */
struct iso8583_original {
    char mti[ISO8583_MTI_LEN + 1];
    char stan[7];
    char transmission[11];
    char acquirer[12];
    char forwarder[12];
};

/* Read field 90 of m into out: 0; -MDT_ENOTFOUND when absent or all zeros (as switches send it
 * when they have no original); -MDT_EPARSE with err naming the part that is wrong ("field 90:
 * original MTI 0800 is not an authorization or financial message", "field 90: original
 * transmission time 1332101500: month not 01 to 12"). Never reads past the field. Thread-safe. */
int iso8583_original_parse(const struct iso8583_msg *m, struct iso8583_original *out,
                           struct mdt_err *err);

/* Write m (MTI, bitmaps, fields in number order) into buf[0 .. cap), without the length header;
 * *len gets the bytes written. The secondary bitmap is written when a field above 64 is present.
 * Every field is checked as iso8583_parse checks it: -MDT_EPARSE naming the field when one is
 * not what its row says, -MDT_ERANGE when cap or ISO8583_MSG_MAX is too small. Thread-safe. */
int iso8583_build(const struct iso8583_msg *m, uint8_t *buf, size_t cap, size_t *len,
                  struct mdt_err *err);

/* Set field n to value[0 .. len), borrowed (keep it alive until the message is built), checked
 * against its row (field 52 against m->profile): -MDT_EINVAL naming the field when n has no row, is
 * 1 (the codec writes the bitmap), or value does not fit. NUL-terminated convenience:
 * iso8583_set_str. */
int iso8583_set(struct iso8583_msg *m, unsigned n, const char *value, size_t len,
                struct mdt_err *err);
int iso8583_set_str(struct iso8583_msg *m, unsigned n, const char *value, struct mdt_err *err);

/* Remove field n (nothing when absent). */
void iso8583_unset(struct iso8583_msg *m, unsigned n);

/* Whether field n (1 to 128) is present. */
bool iso8583_has(const struct iso8583_msg *m, unsigned n);

/* Field n's value, or NULL when absent. */
const struct iso8583_slice *iso8583_get(const struct iso8583_msg *m, unsigned n);

/* Copy field n into out as a NUL-terminated string (cap bytes, caller-owned). -MDT_ENOTFOUND
 * when absent ("" in out), -MDT_ERANGE when it does not fit (out ""). A copy of 2, 35 or 52 is
 * card data: wipe it (vault_wipe) after use. */
int iso8583_copy(const struct iso8583_msg *m, unsigned n, char *out, size_t cap);

/* Field n's digits as a number (fields of type N of at most 18 digits: amounts, STAN).
 * -MDT_ENOTFOUND when absent, -MDT_EINVAL when the field is not numeric or longer. */
int iso8583_number(const struct iso8583_msg *m, unsigned n, uint64_t *out);

/* A binary field's bytes (its hex characters decoded) into out (cap bytes); *len gets how many.
 * -MDT_ENOTFOUND when absent, -MDT_EINVAL when n is not of type B, -MDT_ERANGE when cap is too
 * small. Field 52 decoded is a PIN block: wipe it after use. */
int iso8583_binary(const struct iso8583_msg *m, unsigned n, uint8_t *out, size_t cap, size_t *len);

/* Whether mti is a request or advice this host answers (third digit 0 or 2: 0100, 0120, 0200,
 * 0220, 0400, 0420, 0800 and their repeats); a response or notification is not. */
bool iso8583_mti_is_request(const char *mti);

/*
 * The response skeleton of req into resp: MTI + 10 with the origin digit reset (0100 and its
 * repeat 0101 give 0110, 0420 gives 0430, 0800 gives 0810), and the fields flagged ECHO in
 * iso8583.def copied when the request has them: 2, 3, 4, 6, 7, 11, 12, 13, 32, 37, 41, 42, 49,
 * 51, 70, 90. Never 14, 35, 52 or anything else. resp's slices borrow req's frame. The caller
 * then sets 39 and what else the answer carries. -MDT_EINVAL when req is not a request.
 */
int iso8583_response_init(const struct iso8583_msg *req, struct iso8583_msg *resp,
                          struct mdt_err *err);

/* Largest masked form of a PAN: 19 digits. */
#define ISO8583_MASKED_PAN_MAX 20

/* out = the first six and last four digits of pan[0 .. len) with '*' between (PCI DSS 3.3), or
 * all '*' when len is not 13 to 19 (too short to hide anything, or not a PAN; at most 19 stars).
 * NUL-terminated, at most ISO8583_MASKED_PAN_MAX bytes. */
void iso8583_mask_pan(const char *pan, size_t len, char out[ISO8583_MASKED_PAN_MAX]);

/* One line for logs: "0200 2=411111******1111 3=010000 ... 35=411111******1111=*** 52=[hidden]"
 * with fields in number order, PAN and track 2 masked, 52 and every SECRET field never printed.
 * Cut at cap with "..." (NUL always written). Returns the length written. */
size_t iso8583_format(const struct iso8583_msg *m, char *out, size_t cap);

/* ---- framing: a 2-byte big-endian length, then the message ---- */

/* Write the length header of a message of len bytes: -MDT_ERANGE above ISO8583_MSG_MAX. */
int iso8583_header_put(size_t len, uint8_t out[ISO8583_HEADER_LEN]);

/*
 * Reassembles messages from a byte stream read in any pieces. The caller owns it (8 KB: embed
 * it in the connection). A header announcing more than frame_max is refused before anything is
 * buffered (the connection should then be closed: the stream cannot be resynchronised). A
 * zero-length frame, which some switches send as a keep-alive, is skipped.
 */
struct iso8583_reader {
    size_t frame_max; /* at most ISO8583_MSG_MAX */
    size_t have;      /* bytes of buf filled: the header, then the message */
    size_t want;      /* the message's length once the header is read, else 0 */
    bool spent;       /* a frame above frame_max was announced: nothing more is read */
    uint8_t buf[ISO8583_HEADER_LEN + ISO8583_MSG_MAX];
};

/* Start a reader refusing frames above frame_max (0 or above ISO8583_MSG_MAX: that maximum). */
void iso8583_reader_init(struct iso8583_reader *r, size_t frame_max);

/*
 * Take bytes from data[0 .. len); *used gets how many were taken. Returns 1 when a whole
 * message is ready: *msg and *msg_len then give it (inside r, valid until the next call), and
 * the bytes after *used are the next message's: call again with them. Returns 0 when all of
 * data was taken and the message is not whole yet. -MDT_ERANGE when a header announces more
 * than frame_max (err says how much): the reader is then spent until iso8583_reader_init.
 */
int iso8583_reader_feed(struct iso8583_reader *r, const uint8_t *data, size_t len, size_t *used,
                        const uint8_t **msg, size_t *msg_len, struct mdt_err *err);

#endif
