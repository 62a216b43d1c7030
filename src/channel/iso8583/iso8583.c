/* SPDX-License-Identifier: Apache-2.0 */
/* The ISO 8583:1987 codec, driven by the rows of iso8583.def: parsing into slices of the frame,
 * building, the response's echo, masking for logs, and the 2-byte length framing. */
#include "channel/iso8583/iso8583.h"

#include <string.h>

#include "base/hex.h"

/* ---- the table ---- */

#define ECHO ISO8583_ECHO
#define PAN ISO8583_PAN
#define TRACK ISO8583_TRACK
#define SECRET ISO8583_SECRET
#define ISO8583_WIRE_(type, max) (ISO8583_TYPE_##type == ISO8583_TYPE_B ? 2 * (max) : (max))

/* Indexed by field number; a row with number 0 is a field the host does not know. */
static const struct iso8583_field_def defs[ISO8583_FIELDS_MAX + 1] = {
#define ISO8583_FIELD(number, name, type, length, max, flags)                                      \
    [number] = {number, ISO8583_TYPE_##type,      ISO8583_##length,                                \
                max,    ISO8583_WIRE_(type, max), (flags),                                         \
                #name},
#include "channel/iso8583/iso8583.def"
#undef ISO8583_FIELD
};

/* Each row's bounds are what its length kind can say, and numbers are 1 to 128. */
#define ISO8583_PREFIX_FIXED 0
#define ISO8583_PREFIX_LLVAR 2
#define ISO8583_PREFIX_LLLVAR 3
#define ISO8583_FIELD(number, name, type, length, max, flags)                                      \
    _Static_assert((number) >= 1 && (number) <= ISO8583_FIELDS_MAX, "field number " #number);      \
    _Static_assert(ISO8583_PREFIX_##length != 2 || ISO8583_WIRE_(type, max) <= 99,                 \
                   "field " #number ": an LLVAR says at most 99");                                 \
    _Static_assert(ISO8583_PREFIX_##length != 3 || ISO8583_WIRE_(type, max) <= 999,                \
                   "field " #number ": an LLLVAR says at most 999");                               \
    _Static_assert(ISO8583_TYPE_##type != ISO8583_TYPE_B || ISO8583_PREFIX_##length == 0,          \
                   "field " #number ": binary fields are fixed here");
#include "channel/iso8583/iso8583.def"
#undef ISO8583_FIELD

/* A message with every field at its maximum fits ISO8583_MSG_MAX (base/limits.h). */
enum {
    ISO8583_ALL_FIELDS_ = ISO8583_MTI_LEN + 2 * ISO8583_BITMAP_LEN
#define ISO8583_FIELD(number, name, type, length, max, flags)                                      \
    +(number == 1 ? 0 : ISO8583_PREFIX_##length + ISO8583_WIRE_(type, max))
#include "channel/iso8583/iso8583.def"
#undef ISO8583_FIELD
};
/* The AES profile's field 52 is 8 bytes (16 hex characters) longer. */
_Static_assert(ISO8583_ALL_FIELDS_ + 16 <= ISO8583_MSG_MAX,
               "ISO8583_MSG_MAX below the table's sum");
_Static_assert(ISO8583_MSG_MAX <= 0xFFFF, "the length header is 2 bytes");

#undef ECHO
#undef PAN
#undef TRACK
#undef SECRET

const struct iso8583_field_def *iso8583_field_def(unsigned number)
{
    if (number == 0 || number > ISO8583_FIELDS_MAX || defs[number].number == 0) {
        return NULL;
    }
    return &defs[number];
}

/* The row of field n under profile p: the table's, or a copy in *tmp with field 52's length. */
static const struct iso8583_field_def *def_of(const struct iso8583_profile *p, unsigned n,
                                              struct iso8583_field_def *tmp)
{
    const struct iso8583_field_def *d = iso8583_field_def(n);

    if (d == NULL || n != ISO8583_F_pin_block || p->pin_block_len == 0 ||
        p->pin_block_len == d->max) {
        return d;
    }
    *tmp = *d;
    tmp->max = p->pin_block_len;
    tmp->wire_max = (uint16_t)(2 * p->pin_block_len);
    return tmp;
}

/* ---- presence ---- */

static uint64_t bit_of(unsigned n)
{
    return 1ull << (63 - (n - 1) % 64);
}

bool iso8583_has(const struct iso8583_msg *m, unsigned n)
{
    return n >= 1 && n <= ISO8583_FIELDS_MAX && (m->present[(n - 1) / 64] & bit_of(n)) != 0;
}

const struct iso8583_slice *iso8583_get(const struct iso8583_msg *m, unsigned n)
{
    return iso8583_has(m, n) ? &m->field[n] : NULL;
}

void iso8583_unset(struct iso8583_msg *m, unsigned n)
{
    if (n >= 1 && n <= ISO8583_FIELDS_MAX) {
        m->present[(n - 1) / 64] &= ~bit_of(n);
        m->field[n] = (struct iso8583_slice){NULL, 0};
    }
}

/* ---- characters and lengths ---- */

static const char *type_name(enum iso8583_type t)
{
    switch (t) {
    case ISO8583_TYPE_N:
        return "a digit (type n)";
    case ISO8583_TYPE_AN:
        return "a letter, digit or space (type an)";
    case ISO8583_TYPE_ANS:
        return "printable ASCII (type ans)";
    case ISO8583_TYPE_Z:
        return "a digit or separator (type z)";
    case ISO8583_TYPE_B:
        return "a hex digit (type b)";
    }
    return "?";
}

static bool char_ok(enum iso8583_type t, char c)
{
    bool digit = c >= '0' && c <= '9';
    bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

    switch (t) {
    case ISO8583_TYPE_N:
        return digit;
    case ISO8583_TYPE_AN:
        return digit || letter || c == ' ';
    case ISO8583_TYPE_ANS:
        return c >= 0x20 && c <= 0x7E;
    case ISO8583_TYPE_Z:
        return digit || c == '=' || c == 'D';
    case ISO8583_TYPE_B:
        return hex_digit(c) >= 0;
    }
    return false;
}

static const char *unit(const struct iso8583_field_def *d)
{
    return d->type == ISO8583_TYPE_B ? "hex characters" : "characters";
}

/* Whether value[0 .. len) may be field d: its length, then each character. The character itself
 * is never quoted (it may be a card digit), only its position. */
static int field_check(const struct iso8583_field_def *d, const char *value, size_t len, int code,
                       struct mdt_err *err)
{
    if (d->length == ISO8583_FIXED && len != d->wire_max) {
        return mdt_err_set(err, code, "field %u: %zu %s, fixed length is %u", d->number, len,
                           unit(d), d->wire_max);
    }
    if (len > d->wire_max) {
        return mdt_err_set(err, code, "field %u: %zu %s, at most %u", d->number, len, unit(d),
                           d->wire_max);
    }
    for (size_t i = 0; i < len; i++) {
        if (!char_ok(d->type, value[i])) {
            return mdt_err_set(err, code, "field %u: character %zu is not %s", d->number, i + 1,
                               type_name(d->type));
        }
    }
    return 0;
}

static bool mti_ok(const char *mti, size_t len, struct mdt_err *err, int code)
{
    if (len < ISO8583_MTI_LEN) {
        mdt_err_set(err, code, "MTI: %zu characters, 4 digits expected", len);
        return false;
    }
    for (size_t i = 0; i < ISO8583_MTI_LEN; i++) {
        if (mti[i] < '0' || mti[i] > '9') {
            mdt_err_set(err, code, "MTI: character %zu is not a digit", i + 1);
            return false;
        }
    }
    if (mti[0] != '0') {
        mdt_err_set(err, code, "MTI %.4s: version %c is not ISO 8583:1987 (0)", mti, mti[0]);
        return false;
    }
    return true;
}

int iso8583_init(struct iso8583_msg *m, const char *mti, struct mdt_err *err)
{
    memset(m, 0, sizeof(*m));
    if (mti == NULL || strlen(mti) != ISO8583_MTI_LEN) {
        return mdt_err_set(err, MDT_E(INVAL), "MTI: 4 digits expected");
    }
    if (!mti_ok(mti, ISO8583_MTI_LEN, err, MDT_E(INVAL))) {
        return MDT_E(INVAL);
    }
    memcpy(m->mti, mti, ISO8583_MTI_LEN);
    return 0;
}

int iso8583_set(struct iso8583_msg *m, unsigned n, const char *value, size_t len,
                struct mdt_err *err)
{
    struct iso8583_field_def tmp;
    const struct iso8583_field_def *d = def_of(&m->profile, n, &tmp);
    int rc;

    if (d == NULL || n == 1) {
        return mdt_err_set(err, MDT_E(INVAL), "field %u: not a field this host writes", n);
    }
    if (value == NULL && len > 0) {
        return mdt_err_set(err, MDT_E(INVAL), "field %u: no value", n);
    }
    rc = field_check(d, value, len, MDT_E(INVAL), err);
    if (rc < 0) {
        return rc;
    }
    m->present[(n - 1) / 64] |= bit_of(n);
    m->field[n] = (struct iso8583_slice){value, len};
    return 0;
}

int iso8583_set_str(struct iso8583_msg *m, unsigned n, const char *value, struct mdt_err *err)
{
    return iso8583_set(m, n, value, value != NULL ? strlen(value) : 0, err);
}

/* ---- parsing ---- */

/* The 64 bits of 16 hex characters at p (which has them). -1 when one is not hex. */
static int bitmap_read(const uint8_t *p, uint64_t *out)
{
    uint64_t v = 0;

    for (size_t i = 0; i < ISO8583_BITMAP_LEN; i++) {
        int d = hex_digit((char)p[i]);

        if (d < 0) {
            return -1;
        }
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* The MTI and the bitmaps; *pos gets where the fields start. */
static int parse_head(const uint8_t *f, size_t len, struct iso8583_msg *m, size_t *pos,
                      struct mdt_err *err)
{
    if (!mti_ok((const char *)f, len, err, MDT_E(PARSE))) {
        return MDT_E(PARSE);
    }
    memcpy(m->mti, f, ISO8583_MTI_LEN);
    if (len < ISO8583_MTI_LEN + ISO8583_BITMAP_LEN) {
        return mdt_err_set(err, MDT_E(PARSE), "primary bitmap: %zu characters, 16 expected",
                           len - ISO8583_MTI_LEN);
    }
    if (bitmap_read(f + ISO8583_MTI_LEN, &m->present[0]) < 0) {
        return mdt_err_set(err, MDT_E(PARSE), "primary bitmap: not 16 hex characters");
    }
    *pos = ISO8583_MTI_LEN + ISO8583_BITMAP_LEN;
    if ((m->present[0] & bit_of(1)) == 0) {
        return 0;
    }
    if (len - *pos < ISO8583_BITMAP_LEN) {
        return mdt_err_set(err, MDT_E(PARSE),
                           "field 1: bit 1 set but %zu characters left, the secondary bitmap is 16",
                           len - *pos);
    }
    if (bitmap_read(f + *pos, &m->present[1]) < 0) {
        return mdt_err_set(err, MDT_E(PARSE), "field 1: secondary bitmap not 16 hex characters");
    }
    m->field[1] = (struct iso8583_slice){(const char *)f + *pos, ISO8583_BITMAP_LEN};
    m->bitmap2_zero = m->present[1] == 0;
    *pos += ISO8583_BITMAP_LEN;
    return 0;
}

/* The length of the field at f[*pos] (its prefix read and skipped). */
static int parse_length(const struct iso8583_field_def *d, const uint8_t *f, size_t len,
                        size_t *pos, size_t *flen, struct mdt_err *err)
{
    size_t digits = d->length == ISO8583_LLVAR ? 2 : d->length == ISO8583_LLLVAR ? 3 : 0;
    size_t v = 0;

    if (digits == 0) {
        *flen = d->wire_max;
        return 0;
    }
    if (len - *pos < digits) {
        return mdt_err_set(err, MDT_E(PARSE), "field %u: frame ends in its %zu-digit length",
                           d->number, digits);
    }
    for (size_t i = 0; i < digits; i++) {
        uint8_t c = f[*pos + i];

        if (c < '0' || c > '9') {
            return mdt_err_set(err, MDT_E(PARSE), "field %u: length prefix is not %zu digits",
                               d->number, digits);
        }
        v = v * 10 + (size_t)(c - '0');
    }
    if (v > d->wire_max) {
        return mdt_err_set(err, MDT_E(PARSE), "field %u: length %zu, at most %u", d->number, v,
                           d->wire_max);
    }
    *pos += digits;
    *flen = v;
    return 0;
}

static int parse_field(unsigned n, const uint8_t *f, size_t len, size_t *pos, struct iso8583_msg *m,
                       struct mdt_err *err)
{
    struct iso8583_field_def tmp;
    const struct iso8583_field_def *d = def_of(&m->profile, n, &tmp);
    size_t flen = 0;
    int rc;

    if (d == NULL) {
        return mdt_err_set(err, MDT_E(PARSE),
                           "field %u: not in this host's field table, its length is unknown", n);
    }
    rc = parse_length(d, f, len, pos, &flen, err);
    if (rc < 0) {
        return rc;
    }
    if (len - *pos < flen) {
        return mdt_err_set(err, MDT_E(PARSE), "field %u: %zu %s expected, %zu left in the frame", n,
                           flen, unit(d), len - *pos);
    }
    rc = field_check(d, (const char *)f + *pos, flen, MDT_E(PARSE), err);
    if (rc < 0) {
        return rc;
    }
    m->field[n] = (struct iso8583_slice){(const char *)f + *pos, flen};
    *pos += flen;
    return 0;
}

int iso8583_parse(const uint8_t *frame, size_t len, struct iso8583_msg *m, struct mdt_err *err)
{
    return iso8583_parse_profile(frame, len, NULL, m, err);
}

int iso8583_parse_profile(const uint8_t *frame, size_t len, const struct iso8583_profile *p,
                          struct iso8583_msg *m, struct mdt_err *err)
{
    size_t pos = 0;
    int rc;

    memset(m, 0, sizeof(*m));
    if (p != NULL && p->pin_block_len != 0 && p->pin_block_len != 8 && p->pin_block_len != 16) {
        return mdt_err_set(err, MDT_E(INVAL), "profile: field 52 of %u bytes, 8 or 16 expected",
                           (unsigned)p->pin_block_len);
    }
    if (p != NULL) {
        m->profile = *p;
    }
    if (len > ISO8583_MSG_MAX) {
        return mdt_err_set(err, MDT_E(PARSE), "message of %zu bytes, at most %d", len,
                           ISO8583_MSG_MAX);
    }
    rc = parse_head(frame, len, m, &pos, err);
    if (rc < 0) {
        return rc;
    }
    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX; n++) {
        if (iso8583_has(m, n)) {
            rc = parse_field(n, frame, len, &pos, m, err);
            if (rc < 0) {
                return rc;
            }
        }
    }
    if (pos != len) {
        return mdt_err_set(err, MDT_E(PARSE), "%zu bytes after the last field", len - pos);
    }
    return 0;
}

/* ---- building ---- */

struct out {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool full;
};

static void put(struct out *o, const void *p, size_t n)
{
    if (o->full || o->cap - o->len < n) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void put_bitmap(struct out *o, uint64_t v)
{
    static const char digits[] = "0123456789ABCDEF";
    char hex[ISO8583_BITMAP_LEN];

    for (int i = 0; i < ISO8583_BITMAP_LEN; i++) {
        hex[i] = digits[(v >> (60 - 4 * i)) & 0xF];
    }
    put(o, hex, sizeof(hex));
}

static int build_field(const struct iso8583_msg *m, unsigned n, struct out *o, struct mdt_err *err)
{
    struct iso8583_field_def tmp;
    const struct iso8583_field_def *d = def_of(&m->profile, n, &tmp);
    const struct iso8583_slice *s = &m->field[n];
    char prefix[4];
    int rc;

    if (d == NULL) {
        return mdt_err_set(err, MDT_E(PARSE), "field %u: not in this host's field table", n);
    }
    if (s->p == NULL && s->len > 0) {
        return mdt_err_set(err, MDT_E(PARSE), "field %u: no value", n);
    }
    rc = field_check(d, s->p, s->len, MDT_E(PARSE), err);
    if (rc < 0) {
        return rc;
    }
    if (d->length == ISO8583_LLVAR) {
        prefix[0] = (char)('0' + s->len / 10);
        prefix[1] = (char)('0' + s->len % 10);
        put(o, prefix, 2);
    } else if (d->length == ISO8583_LLLVAR) {
        prefix[0] = (char)('0' + s->len / 100);
        prefix[1] = (char)('0' + s->len / 10 % 10);
        prefix[2] = (char)('0' + s->len % 10);
        put(o, prefix, 3);
    }
    put(o, s->p, s->len);
    return 0;
}

int iso8583_build(const struct iso8583_msg *m, uint8_t *buf, size_t cap, size_t *len,
                  struct mdt_err *err)
{
    struct out o = {buf, cap < ISO8583_MSG_MAX ? cap : ISO8583_MSG_MAX, 0, false};
    uint64_t primary = m->present[0] & ~bit_of(1);
    int rc;

    *len = 0;
    if (!mti_ok(m->mti, strnlen(m->mti, sizeof(m->mti)), err, MDT_E(PARSE))) {
        return MDT_E(PARSE);
    }
    if (m->present[1] != 0) {
        primary |= bit_of(1);
    }
    put(&o, m->mti, ISO8583_MTI_LEN);
    put_bitmap(&o, primary);
    if (m->present[1] != 0) {
        put_bitmap(&o, m->present[1]);
    }
    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX; n++) {
        if (iso8583_has(m, n)) {
            rc = build_field(m, n, &o, err);
            if (rc < 0) {
                return rc;
            }
        }
    }
    if (o.full) {
        return mdt_err_set(err, MDT_E(RANGE), "message %.4s does not fit %zu bytes", m->mti, o.cap);
    }
    *len = o.len;
    return 0;
}

/* ---- reading fields ---- */

int iso8583_copy(const struct iso8583_msg *m, unsigned n, char *out, size_t cap)
{
    const struct iso8583_slice *s = iso8583_get(m, n);

    if (cap > 0) {
        out[0] = '\0';
    }
    if (s == NULL) {
        return MDT_E(NOTFOUND);
    }
    if (s->len >= cap) {
        return MDT_E(RANGE);
    }
    memcpy(out, s->p, s->len);
    out[s->len] = '\0';
    return 0;
}

int iso8583_number(const struct iso8583_msg *m, unsigned n, uint64_t *out)
{
    const struct iso8583_slice *s = iso8583_get(m, n);
    const struct iso8583_field_def *d = iso8583_field_def(n);
    uint64_t v = 0;

    if (s == NULL) {
        return MDT_E(NOTFOUND);
    }
    if (d == NULL || d->type != ISO8583_TYPE_N || s->len == 0 || s->len > 18) {
        return MDT_E(INVAL);
    }
    for (size_t i = 0; i < s->len; i++) {
        if (s->p[i] < '0' || s->p[i] > '9') {
            return MDT_E(INVAL);
        }
        v = v * 10 + (uint64_t)(s->p[i] - '0');
    }
    *out = v;
    return 0;
}

int iso8583_binary(const struct iso8583_msg *m, unsigned n, uint8_t *out, size_t cap, size_t *len)
{
    const struct iso8583_slice *s = iso8583_get(m, n);
    const struct iso8583_field_def *d = iso8583_field_def(n);

    *len = 0;
    if (s == NULL) {
        return MDT_E(NOTFOUND);
    }
    if (d == NULL || d->type != ISO8583_TYPE_B || s->len % 2 != 0) {
        return MDT_E(INVAL);
    }
    if (s->len / 2 > cap) {
        return MDT_E(RANGE);
    }
    for (size_t i = 0; i < s->len / 2; i++) {
        int hi = hex_digit(s->p[2 * i]);
        int lo = hex_digit(s->p[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return MDT_E(INVAL);
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = s->len / 2;
    return 0;
}

/* ---- field 90 ---- */

/* Two digits at p as a number. */
static unsigned two(const char *p)
{
    return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
}

/* A transmission date and time MMDDhhmmss that a clock can show: NULL, or what is wrong. */
static const char *datetime_wrong(const char *t)
{
    if (two(t) < 1 || two(t) > 12) {
        return "month not 01 to 12";
    }
    if (two(t + 2) < 1 || two(t + 2) > 31) {
        return "day not 01 to 31";
    }
    if (two(t + 4) > 23) {
        return "hour not 00 to 23";
    }
    if (two(t + 6) > 59) {
        return "minute not 00 to 59";
    }
    return two(t + 8) > 59 ? "second not 00 to 59" : NULL;
}

/* ISO 8583:1987 field 90 (n 42): MTI 4, STAN 6, transmission date and time 10, acquiring
 * institution 11, forwarding institution 11. */
int iso8583_original_parse(const struct iso8583_msg *m, struct iso8583_original *out,
                           struct mdt_err *err)
{
    const struct iso8583_slice *s = iso8583_get(m, ISO8583_F_original_data);
    const char *p;
    const char *wrong;
    size_t zeros = 0;

    memset(out, 0, sizeof(*out));
    if (s == NULL) {
        return MDT_E(NOTFOUND);
    }
    if (s->len != 42 || s->p == NULL) {
        return mdt_err_set(err, MDT_E(PARSE), "field 90: %zu characters, 42 expected", s->len);
    }
    p = s->p;
    for (size_t i = 0; i < 42; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return mdt_err_set(err, MDT_E(PARSE), "field 90: character %zu is not a digit", i + 1);
        }
        zeros += p[i] == '0';
    }
    if (zeros == 42) {
        return MDT_E(NOTFOUND); /* all zeros: the sender has no original to name */
    }
    memcpy(out->mti, p, 4);
    memcpy(out->stan, p + 4, 6);
    memcpy(out->transmission, p + 10, 10);
    memcpy(out->acquirer, p + 20, 11);
    memcpy(out->forwarder, p + 31, 11);
    /* The original is a request or advice of an authorization (01xx) or a financial
     * transaction (02xx), 1987 (version 0), from any origin. */
    if (p[0] != '0' || (p[1] != '1' && p[1] != '2') || (p[2] != '0' && p[2] != '2') || p[3] > '3') {
        return mdt_err_set(err, MDT_E(PARSE),
                           "field 90: original MTI %.4s is not an authorization or financial "
                           "request or advice",
                           p);
    }
    if (strcmp(out->stan, "000000") == 0) {
        return mdt_err_set(err, MDT_E(PARSE), "field 90: original STAN is zero");
    }
    wrong = datetime_wrong(out->transmission);
    if (wrong != NULL) {
        return mdt_err_set(err, MDT_E(PARSE), "field 90: original transmission time %.10s: %s",
                           out->transmission, wrong);
    }
    return 0;
}

/* ---- responses ---- */

bool iso8583_mti_is_request(const char *mti)
{
    if (mti == NULL || strnlen(mti, ISO8583_MTI_LEN + 1) != ISO8583_MTI_LEN ||
        !mti_ok(mti, ISO8583_MTI_LEN, NULL, MDT_E(PARSE))) {
        return false;
    }
    return (mti[2] == '0' || mti[2] == '2') && mti[3] <= '3';
}

int iso8583_response_init(const struct iso8583_msg *req, struct iso8583_msg *resp,
                          struct mdt_err *err)
{
    memset(resp, 0, sizeof(*resp));
    if (!iso8583_mti_is_request(req->mti)) {
        return mdt_err_set(err, MDT_E(INVAL), "MTI %.4s: not a request this host answers",
                           req->mti);
    }
    memcpy(resp->mti, req->mti, ISO8583_MTI_LEN);
    resp->profile = req->profile;
    resp->mti[2] = (char)(req->mti[2] + 1);
    resp->mti[3] = '0';
    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX; n++) {
        const struct iso8583_field_def *d = iso8583_field_def(n);

        if (d != NULL && (d->flags & ISO8583_ECHO) != 0 && iso8583_has(req, n)) {
            resp->present[(n - 1) / 64] |= bit_of(n);
            resp->field[n] = req->field[n];
        }
    }
    return 0;
}

/* ---- printing ---- */

void iso8583_mask_pan(const char *pan, size_t len, char out[ISO8583_MASKED_PAN_MAX])
{
    size_t n = len < ISO8583_MASKED_PAN_MAX - 1 ? len : ISO8583_MASKED_PAN_MAX - 1;
    /* 13 to 19 digits: a PAN; anything else is shown as stars only. */
    bool show = len >= 13 && len <= ISO8583_MASKED_PAN_MAX - 1;

    for (size_t i = 0; i < n; i++) {
        out[i] = show && (i < 6 || i >= n - 4) ? pan[i] : '*';
    }
    out[n] = '\0';
}

struct text {
    char *out;
    size_t cap;
    size_t len;
    bool cut;
};

static void text_put(struct text *t, const char *p, size_t n)
{
    for (size_t i = 0; i < n && !t->cut; i++) {
        if (t->len + 4 >= t->cap) { /* room for "..." and the NUL */
            memcpy(t->out + t->len, "...", 3);
            t->len += 3;
            t->cut = true;
            break;
        }
        t->out[t->len++] = p[i] >= 0x20 && p[i] <= 0x7E ? p[i] : '?';
    }
    t->out[t->len] = '\0';
}

static void format_field(struct text *t, const struct iso8583_field_def *d,
                         const struct iso8583_slice *s)
{
    char masked[ISO8583_MASKED_PAN_MAX];
    size_t pan_len = 0;

    if (d != NULL && (d->flags & ISO8583_SECRET) != 0) {
        text_put(t, "[hidden]", 8);
        return;
    }
    if (d != NULL && (d->flags & (ISO8583_PAN | ISO8583_TRACK)) != 0) {
        while (pan_len < s->len && s->p[pan_len] != '=' && s->p[pan_len] != 'D') {
            pan_len++;
        }
        iso8583_mask_pan(s->p, pan_len, masked);
        text_put(t, masked, strlen(masked));
        if (pan_len < s->len) {
            text_put(t, "=***", 4);
        }
        return;
    }
    text_put(t, s->p, s->len);
}

size_t iso8583_format(const struct iso8583_msg *m, char *out, size_t cap)
{
    struct text t = {out, cap, 0, false};
    char num[8];

    if (cap < 8) {
        if (cap > 0) {
            out[0] = '\0';
        }
        return 0;
    }
    out[0] = '\0';
    text_put(&t, m->mti, strnlen(m->mti, ISO8583_MTI_LEN));
    for (unsigned n = 2; n <= ISO8583_FIELDS_MAX && !t.cut; n++) {
        const struct iso8583_slice *s = iso8583_get(m, n);
        int k;

        if (s == NULL) {
            continue;
        }
        k = 0;
        num[k++] = ' ';
        if (n >= 100) {
            num[k++] = (char)('0' + n / 100);
        }
        if (n >= 10) {
            num[k++] = (char)('0' + n / 10 % 10);
        }
        num[k++] = (char)('0' + n % 10);
        num[k++] = '=';
        text_put(&t, num, (size_t)k);
        format_field(&t, iso8583_field_def(n), s);
    }
    return t.len;
}

/* ---- framing ---- */

int iso8583_header_put(size_t len, uint8_t out[ISO8583_HEADER_LEN])
{
    if (len > ISO8583_MSG_MAX) {
        return MDT_E(RANGE);
    }
    out[0] = (uint8_t)(len >> 8);
    out[1] = (uint8_t)len;
    return 0;
}

void iso8583_reader_init(struct iso8583_reader *r, size_t frame_max)
{
    r->frame_max = frame_max == 0 || frame_max > ISO8583_MSG_MAX ? ISO8583_MSG_MAX : frame_max;
    r->have = 0;
    r->want = 0;
    r->spent = false;
}

/* Move up to need - r->have bytes of data into r->buf. */
static size_t reader_take(struct iso8583_reader *r, size_t need, const uint8_t *data, size_t len)
{
    size_t n = need - r->have < len ? need - r->have : len;

    memcpy(r->buf + r->have, data, n);
    r->have += n;
    return n;
}

int iso8583_reader_feed(struct iso8583_reader *r, const uint8_t *data, size_t len, size_t *used,
                        const uint8_t **msg, size_t *msg_len, struct mdt_err *err)
{
    *used = 0;
    *msg = NULL;
    *msg_len = 0;
    if (r->spent) {
        return mdt_err_set(err, MDT_E(RANGE), "frame reader stopped after an oversized frame");
    }
    while (*used < len) {
        if (r->want == 0) {
            *used += reader_take(r, ISO8583_HEADER_LEN, data + *used, len - *used);
            if (r->have < ISO8583_HEADER_LEN) {
                return 0;
            }
            r->want = (size_t)r->buf[0] << 8 | r->buf[1];
            if (r->want == 0) { /* a keep-alive */
                r->have = 0;
                continue;
            }
            if (r->want > r->frame_max) {
                r->spent = true;
                return mdt_err_set(err, MDT_E(RANGE), "frame of %zu bytes announced, at most %zu",
                                   r->want, r->frame_max);
            }
        }
        *used += reader_take(r, ISO8583_HEADER_LEN + r->want, data + *used, len - *used);
        if (r->have == ISO8583_HEADER_LEN + r->want) {
            *msg = r->buf + ISO8583_HEADER_LEN;
            *msg_len = r->want;
            r->have = 0;
            r->want = 0;
            return 1;
        }
    }
    return 0;
}
