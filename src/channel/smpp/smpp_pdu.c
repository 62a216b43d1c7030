/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 PDU codec: unpack, pack and compare generated from smpp_pdu.def, the optional
 * parameters of smpp_pdu.h, the name tables, and the delivery receipt text parser. */
#include "channel/smpp/smpp_pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"

/* Every row of smpp_pdu.def must agree with the SMPP_CMD_* macro of the same name. */
#define SMPP_CSTR(name, max, status)
#define SMPP_INT(name, octets)
#define SMPP_OCTETS(len, name, max)
#define SMPP_PDU(name, id, tlvs, fields)                                                           \
    _Static_assert(SMPP_CMD_##name == (id), "smpp_pdu.def and SMPP_CMD_" #name " disagree");
#define SMPP_PDU_EMPTY(name, id)                                                                   \
    _Static_assert(SMPP_CMD_##name == (id), "smpp_pdu.def and SMPP_CMD_" #name " disagree");
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
#undef SMPP_CSTR
#undef SMPP_INT
#undef SMPP_OCTETS

_Static_assert(SMPP_TLV_COUNT <= 32, "smpp_tlvs.present is a uint32_t");
_Static_assert(SMPP_TLV_UNKNOWN_MAX <= UINT16_MAX, "smpp_tlvs.unknown_count is a uint16_t");
_Static_assert(sizeof(((struct smpp_submit_sm *)0)->short_message) == SMPP_SHORT_MESSAGE_MAX,
               "smpp_pdu.def short_message size and SMPP_SHORT_MESSAGE_MAX disagree");
_Static_assert(sizeof(((struct smpp_submit_sm_resp *)0)->message_id) == SMPP_MESSAGE_ID_MAX,
               "smpp_pdu.def message_id size and SMPP_MESSAGE_ID_MAX disagree");
_Static_assert(SMPP_PDU_MAX <= UINT32_MAX && SMPP_PDU_MAX > SMPP_PDU_HEADER_LEN,
               "command_length is a 4-octet Integer");
/* A PDU lives on the stack of the session's callbacks: keep it well under a page. */
_Static_assert(sizeof(struct smpp_pdu) <= 1024, "struct smpp_pdu grew past 1 KiB");

#define SMPP_TLV_ALL_ ((uint32_t)((1ull << SMPP_TLV_COUNT) - 1u))
#define SMPP_WHY_MAX 160

/*
 * Reading. A reader fails once: the first failure records the command_status to answer and the
 * reason, and every later read does nothing, so generated code needs no error checks between
 * fields. Every read checks its length against end before touching buf.
 */
struct smpp_rd {
    const uint8_t *buf;
    size_t pos;
    size_t end;
    uint32_t status; /* ESME_ROK until the first failure */
    char why[SMPP_WHY_MAX];
};

static void rd_fail(struct smpp_rd *r, uint32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rd_fail(struct smpp_rd *r, uint32_t status, const char *fmt, ...)
{
    va_list ap;

    if (r->status == ESME_ROK) {
        r->status = status;
        va_start(ap, fmt);
        vsnprintf(r->why, sizeof(r->why), fmt, ap);
        va_end(ap);
    }
}

static bool rd_ok(const struct smpp_rd *r)
{
    return r->status == ESME_ROK;
}

/* Integer of 1, 2 or 4 octets, most significant first (§3.1). */
static uint32_t rd_uint(struct smpp_rd *r, size_t octets, const char *field)
{
    uint32_t v = 0;

    if (rd_ok(r) && r->end - r->pos < octets) {
        rd_fail(r, ESME_RINVCMDLEN, "body ends inside %s", field);
    }
    if (rd_ok(r)) {
        for (size_t i = 0; i < octets; i++) {
            v = (v << 8) | r->buf[r->pos + i];
        }
        r->pos += octets;
    }
    return v;
}

/* C-Octet String (§3.1): the octets up to and including the first NUL, at most max of them. A
 * body that ends first is a length error; a string that runs past max is the field's own error. */
static void rd_cstr(struct smpp_rd *r, char *dst, size_t max, uint32_t status, const char *field)
{
    size_t left;
    size_t scan;
    const uint8_t *nul;

    if (rd_ok(r)) {
        left = r->end - r->pos;
        scan = left < max ? left : max;
        nul = memchr(r->buf + r->pos, 0, scan);
        if (nul != NULL) {
            size_t n = (size_t)(nul - (r->buf + r->pos)) + 1;

            memcpy(dst, r->buf + r->pos, n);
            r->pos += n;
        } else if (scan < max) {
            rd_fail(r, ESME_RINVCMDLEN, "body ends inside %s", field);
        } else {
            rd_fail(r, status, "%s has no NUL within %zu octets", field, max);
        }
    }
}

/* sm_length then short_message (§5.2.21, §5.2.22). */
static uint8_t rd_octets(struct smpp_rd *r, uint8_t *dst, size_t max, const char *len_field)
{
    uint8_t n = (uint8_t)rd_uint(r, 1, len_field);

    if (rd_ok(r) && n > max) {
        rd_fail(r, ESME_RINVMSGLEN, "%s %u exceeds %zu", len_field, (unsigned)n, max);
    } else if (rd_ok(r) && n > r->end - r->pos) {
        rd_fail(r, ESME_RINVMSGLEN, "%s %u runs past the body (%zu octets left)", len_field,
                (unsigned)n, r->end - r->pos);
    }
    if (rd_ok(r)) {
        memcpy(dst, r->buf + r->pos, n);
        r->pos += n;
    } else {
        n = 0;
    }
    return n;
}

/* Generated unpack functions, one per PDU with a body: fields in wire order. */
#define SMPP_CSTR(name, max, status) rd_cstr(r, b->name, max, status, #name);
#define SMPP_INT(name, octets) b->name = (SMPP_INT_TYPE_##octets)rd_uint(r, octets, #name);
#define SMPP_OCTETS(len, name, max) b->len = rd_octets(r, b->name, max, #len);
#define SMPP_PDU(pdu, id, tlvs, fields)                                                            \
    static void smpp_unpack_##pdu(struct smpp_rd *r, union smpp_body *body)                        \
    {                                                                                              \
        struct smpp_##pdu *b = &body->pdu;                                                         \
        fields                                                                                     \
    }
#define SMPP_PDU_EMPTY(pdu, id)
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
#undef SMPP_CSTR
#undef SMPP_INT
#undef SMPP_OCTETS

/*
 * Writing. Like the reader, a writer fails once (-MDT_EINVAL for content that cannot be
 * encoded). It keeps counting octets past cap without writing them, so that the caller learns
 * the size it needs.
 */
struct smpp_wr {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    int rc;
    char why[SMPP_WHY_MAX];
};

static void wr_fail(struct smpp_wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void wr_fail(struct smpp_wr *w, const char *fmt, ...)
{
    va_list ap;

    if (w->rc == 0) {
        w->rc = MDT_E(INVAL);
        va_start(ap, fmt);
        vsnprintf(w->why, sizeof(w->why), fmt, ap);
        va_end(ap);
    }
}

static void wr_bytes(struct smpp_wr *w, const void *src, size_t n)
{
    if (n > 0 && w->pos <= w->cap && n <= w->cap - w->pos) {
        memcpy(w->buf + w->pos, src, n);
    }
    w->pos += n;
}

static void wr_uint(struct smpp_wr *w, uint32_t v, size_t octets)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    MDT_ASSERT(octets == 1 || octets == 2 || octets == 4);
    wr_bytes(w, be + 4 - octets, octets);
}

/* Length of s before its NUL, or max when there is none within max octets (strnlen is POSIX). */
static size_t cstr_len(const char *s, size_t max)
{
    const char *nul = memchr(s, 0, max);

    return nul != NULL ? (size_t)(nul - s) : max;
}

static void wr_cstr(struct smpp_wr *w, const char *s, size_t max, const char *field)
{
    size_t n = cstr_len(s, max);

    if (n == max) {
        wr_fail(w, "%s has no NUL within %zu octets", field, max);
    } else {
        wr_bytes(w, s, n + 1);
    }
}

static void wr_octets(struct smpp_wr *w, const uint8_t *data, uint8_t len, size_t max,
                      const char *len_field)
{
    if (len > max) {
        wr_fail(w, "%s %u exceeds %zu", len_field, (unsigned)len, max);
    } else {
        wr_uint(w, len, 1);
        wr_bytes(w, data, len);
    }
}

/* Generated pack functions. */
#define SMPP_CSTR(name, max, status) wr_cstr(w, b->name, max, #name);
#define SMPP_INT(name, octets) wr_uint(w, b->name, octets);
#define SMPP_OCTETS(len, name, max) wr_octets(w, b->name, b->len, max, #len);
#define SMPP_PDU(pdu, id, tlvs, fields)                                                            \
    static void smpp_pack_##pdu(struct smpp_wr *w, const union smpp_body *body)                    \
    {                                                                                              \
        const struct smpp_##pdu *b = &body->pdu;                                                   \
        fields                                                                                     \
    }
#define SMPP_PDU_EMPTY(pdu, id)
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
#undef SMPP_CSTR
#undef SMPP_INT
#undef SMPP_OCTETS

/* Generated comparisons: strings up to their NUL, short_message up to sm_length. */
#define SMPP_CSTR(name, max, status) eq = eq && strncmp(a->name, b->name, max) == 0;
#define SMPP_INT(name, octets) eq = eq && a->name == b->name;
#define SMPP_OCTETS(len, name, max)                                                                \
    eq = eq && a->len == b->len && a->len <= max && memcmp(a->name, b->name, a->len) == 0;
#define SMPP_PDU(pdu, id, tlvs, fields)                                                            \
    static bool smpp_equal_##pdu(const union smpp_body *x, const union smpp_body *y)               \
    {                                                                                              \
        const struct smpp_##pdu *a = &x->pdu;                                                      \
        const struct smpp_##pdu *b = &y->pdu;                                                      \
        bool eq = true;                                                                            \
        fields return eq;                                                                          \
    }
#define SMPP_PDU_EMPTY(pdu, id)
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
#undef SMPP_CSTR
#undef SMPP_INT
#undef SMPP_OCTETS

/* The command table: one entry per row of smpp_pdu.def. */
struct smpp_cmd {
    uint32_t id;
    const char *name;
    bool tlvs; /* the body may end with optional parameters */
    void (*unpack)(struct smpp_rd *r, union smpp_body *body);
    void (*pack)(struct smpp_wr *w, const union smpp_body *body);
    bool (*equal)(const union smpp_body *x, const union smpp_body *y);
};

static const struct smpp_cmd smpp_cmds[] = {
#define SMPP_PDU(pdu, id, tlvs, fields)                                                            \
    {id, #pdu, tlvs, smpp_unpack_##pdu, smpp_pack_##pdu, smpp_equal_##pdu},
#define SMPP_PDU_EMPTY(pdu, id) {id, #pdu, false, NULL, NULL, NULL},
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
};

/* Linear over about 25 entries: cheaper than the read() that brought the PDU. */
static const struct smpp_cmd *smpp_cmd_find(uint32_t id)
{
    const struct smpp_cmd *found = NULL;

    for (size_t i = 0; i < sizeof(smpp_cmds) / sizeof(smpp_cmds[0]) && found == NULL; i++) {
        if (smpp_cmds[i].id == id) {
            found = &smpp_cmds[i];
        }
    }
    return found;
}

const char *smpp_command_name(uint32_t id)
{
    const struct smpp_cmd *cmd = smpp_cmd_find(id);

    return cmd != NULL ? cmd->name : "unknown";
}

const char *smpp_status_name(uint32_t status)
{
    const char *name = "reserved";

    switch (status) {
#define SMPP_STATUS_CASE_(sym, value)                                                              \
    case value:                                                                                    \
        name = #sym;                                                                               \
        break;
        SMPP_STATUS_MAP(SMPP_STATUS_CASE_)
#undef SMPP_STATUS_CASE_
    default:
        /* §5.1.3: 0x400..0x4FF are left to SMSC vendors. */
        if (status >= 0x400u && status <= 0x4FFu) {
            name = "vendor specific";
        }
        break;
    }
    return name;
}

/*
 * Optional parameters (§3.2.4, §5.3.2): Tag (2), Length (2), Value (Length octets), repeated to
 * the end of the PDU in any order.
 */
static void tlv_get_u8(struct smpp_rd *r, uint8_t *dst, const uint8_t *v, uint16_t vlen,
                       const char *name)
{
    if (vlen != 1) {
        rd_fail(r, ESME_RINVPARLEN, "%s has length %u, not 1", name, (unsigned)vlen);
    } else {
        *dst = v[0];
    }
}

static void tlv_get_u16(struct smpp_rd *r, uint16_t *dst, const uint8_t *v, uint16_t vlen,
                        const char *name)
{
    if (vlen != 2) {
        rd_fail(r, ESME_RINVPARLEN, "%s has length %u, not 2", name, (unsigned)vlen);
    } else {
        *dst = (uint16_t)((v[0] << 8) | v[1]);
    }
}

static void tlv_get_neterr(struct smpp_rd *r, struct smpp_network_error *dst, const uint8_t *v,
                           uint16_t vlen, const char *name)
{
    if (vlen != 3) {
        rd_fail(r, ESME_RINVPARLEN, "%s has length %u, not 3", name, (unsigned)vlen);
    } else {
        dst->network_type = v[0];
        dst->error_code = (uint16_t)((v[1] << 8) | v[2]);
    }
}

/* A C-Octet String TLV: its length counts the NUL. Some SMSCs leave the NUL out of
 * receipted_message_id; that is accepted (the id is what matters), octets after a NUL are not. */
static void tlv_get_cstr(struct smpp_rd *r, char *dst, size_t max, const uint8_t *v, uint16_t vlen,
                         const char *name)
{
    const uint8_t *nul = memchr(v, 0, vlen);
    size_t n = nul != NULL ? (size_t)(nul - v) : vlen;

    if (nul != NULL && n + 1 != vlen) {
        rd_fail(r, ESME_RINVOPTPARAMVAL, "%s has octets after its NUL", name);
    } else if (n + 1 > max) {
        rd_fail(r, ESME_RINVPARLEN, "%s has length %u, more than %zu", name, (unsigned)vlen, max);
    } else {
        memcpy(dst, v, n);
        dst[n] = '\0';
    }
}

static void tlv_keep_unknown(struct smpp_tlvs *t, uint16_t tag, uint16_t vlen, const uint8_t *v)
{
    if (t->unknown_count < SMPP_TLV_UNKNOWN_MAX) {
        t->unknown[t->unknown_count].tag = tag;
        t->unknown[t->unknown_count].len = vlen;
        t->unknown[t->unknown_count].value = v;
        t->unknown_count++;
    } else if (t->unknown_dropped < UINT16_MAX) {
        t->unknown_dropped++;
    }
}

#define SMPP_TLV_GET_U8(name, size) tlv_get_u8(r, &t->name, v, vlen, #name)
#define SMPP_TLV_GET_U16(name, size) tlv_get_u16(r, &t->name, v, vlen, #name)
#define SMPP_TLV_GET_CSTR(name, size) tlv_get_cstr(r, t->name, size, v, vlen, #name)
#define SMPP_TLV_GET_NETERR(name, size) tlv_get_neterr(r, &t->name, v, vlen, #name)
#define SMPP_TLV_GET_PAYLOAD(name, size)                                                           \
    do {                                                                                           \
        t->name = v;                                                                               \
        t->name##_len = vlen;                                                                      \
    } while (0)
#define SMPP_TLV_CASE_(name, tag, kind, size)                                                      \
    case tag:                                                                                      \
        if ((t->present & SMPP_TLV_##name) != 0) {                                                 \
            rd_fail(r, ESME_RINVOPTPARSTREAM, "%s appears twice", #name);                          \
        } else {                                                                                   \
            SMPP_TLV_GET_##kind(name, size);                                                       \
            flag = SMPP_TLV_##name;                                                                \
        }                                                                                          \
        break;

/* One TLV. A known tag twice is refused: two message_payloads would leave the reader to guess
 * which one the SMSC meant. */
static void rd_tlv(struct smpp_rd *r, struct smpp_tlvs *t)
{
    uint16_t tag;
    uint16_t vlen;
    const uint8_t *v;
    uint32_t flag = 0;

    if (r->end - r->pos < 4) {
        rd_fail(r, ESME_RINVOPTPARSTREAM, "optional parameter cut short: %zu octets left",
                r->end - r->pos);
    }
    tag = (uint16_t)rd_uint(r, 2, "optional parameter tag");
    vlen = (uint16_t)rd_uint(r, 2, "optional parameter length");
    if (rd_ok(r) && vlen > r->end - r->pos) {
        rd_fail(r, ESME_RINVOPTPARSTREAM,
                "optional parameter 0x%04x of length %u runs past the body (%zu octets left)",
                (unsigned)tag, (unsigned)vlen, r->end - r->pos);
    }
    if (rd_ok(r)) {
        v = r->buf + r->pos;
        r->pos += vlen;
        switch (tag) {
            SMPP_TLV_MAP(SMPP_TLV_CASE_)
        default:
            tlv_keep_unknown(t, tag, vlen, v);
            break;
        }
        if (rd_ok(r)) {
            t->present |= flag;
        }
    }
}

/* Bounded: each pass consumes at least the 4-octet tag and length, or fails and stops. */
static void rd_tlvs(struct smpp_rd *r, struct smpp_tlvs *t)
{
    while (rd_ok(r) && r->pos < r->end) {
        rd_tlv(r, t);
    }
}

static bool tlv_tag_known(uint16_t tag)
{
    bool known = false;

    switch (tag) {
#define SMPP_TLV_KNOWN_(name, tlv_tag, kind, size)                                                 \
    case tlv_tag:                                                                                  \
        known = true;                                                                              \
        break;
        SMPP_TLV_MAP(SMPP_TLV_KNOWN_)
#undef SMPP_TLV_KNOWN_
    default:
        break;
    }
    return known;
}

static void wr_tlv_octets(struct smpp_wr *w, uint16_t tag, const uint8_t *v, uint16_t vlen,
                          const char *name)
{
    if (v == NULL && vlen > 0) {
        wr_fail(w, "%s has length %u but no octets", name, (unsigned)vlen);
    } else {
        wr_uint(w, tag, 2);
        wr_uint(w, vlen, 2);
        wr_bytes(w, v, vlen);
    }
}

static void wr_tlv_cstr(struct smpp_wr *w, uint16_t tag, const char *s, size_t max,
                        const char *name)
{
    size_t n = cstr_len(s, max);

    if (n == max) {
        wr_fail(w, "%s has no NUL within %zu octets", name, max);
    } else {
        wr_tlv_octets(w, tag, (const uint8_t *)s, (uint16_t)(n + 1), name);
    }
}

#define SMPP_TLV_PUT_U8(name, tag, size)                                                           \
    wr_uint(w, tag, 2);                                                                            \
    wr_uint(w, 1, 2);                                                                              \
    wr_uint(w, t->name, 1);
#define SMPP_TLV_PUT_U16(name, tag, size)                                                          \
    wr_uint(w, tag, 2);                                                                            \
    wr_uint(w, 2, 2);                                                                              \
    wr_uint(w, t->name, 2);
#define SMPP_TLV_PUT_CSTR(name, tag, size) wr_tlv_cstr(w, tag, t->name, size, #name);
#define SMPP_TLV_PUT_NETERR(name, tag, size)                                                       \
    wr_uint(w, tag, 2);                                                                            \
    wr_uint(w, 3, 2);                                                                              \
    wr_uint(w, t->name.network_type, 1);                                                           \
    wr_uint(w, t->name.error_code, 2);
#define SMPP_TLV_PUT_PAYLOAD(name, tag, size) wr_tlv_octets(w, tag, t->name, t->name##_len, #name);
#define SMPP_TLV_PUT_(name, tag, kind, size)                                                       \
    if ((t->present & SMPP_TLV_##name) != 0) {                                                     \
        SMPP_TLV_PUT_##kind(name, tag, size)                                                       \
    }

/* Known TLVs in table order, then the unknown ones as they came. */
static void wr_tlvs(struct smpp_wr *w, const struct smpp_tlvs *t)
{
    SMPP_TLV_MAP(SMPP_TLV_PUT_)
    for (size_t i = 0; i < t->unknown_count; i++) {
        if (tlv_tag_known(t->unknown[i].tag)) {
            wr_fail(w, "unknown optional parameter %zu uses the known tag 0x%04x", i,
                    (unsigned)t->unknown[i].tag);
        } else {
            wr_tlv_octets(w, t->unknown[i].tag, t->unknown[i].value, t->unknown[i].len,
                          "unknown optional parameter");
        }
    }
}

static bool octets_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || (a != NULL && b != NULL && memcmp(a, b, alen) == 0));
}

#define SMPP_TLV_EQ_U8(name, size) (a->name == b->name)
#define SMPP_TLV_EQ_U16(name, size) (a->name == b->name)
#define SMPP_TLV_EQ_CSTR(name, size) (strncmp(a->name, b->name, size) == 0)
#define SMPP_TLV_EQ_NETERR(name, size)                                                             \
    (a->name.network_type == b->name.network_type && a->name.error_code == b->name.error_code)
#define SMPP_TLV_EQ_PAYLOAD(name, size) octets_equal(a->name, a->name##_len, b->name, b->name##_len)
#define SMPP_TLV_EQ_(name, tag, kind, size)                                                        \
    eq = eq && ((a->present & SMPP_TLV_##name) == 0 || SMPP_TLV_EQ_##kind(name, size));

static bool tlvs_equal(const struct smpp_tlvs *a, const struct smpp_tlvs *b)
{
    bool eq = a->present == b->present && a->unknown_count == b->unknown_count &&
              a->unknown_count <= SMPP_TLV_UNKNOWN_MAX;

    SMPP_TLV_MAP(SMPP_TLV_EQ_)
    for (size_t i = 0; eq && i < a->unknown_count; i++) {
        eq = a->unknown[i].tag == b->unknown[i].tag &&
             octets_equal(a->unknown[i].value, a->unknown[i].len, b->unknown[i].value,
                          b->unknown[i].len);
    }
    return eq;
}

bool smpp_pdu_equal(const struct smpp_pdu *a, const struct smpp_pdu *b)
{
    const struct smpp_cmd *cmd;
    bool eq;

    MDT_ASSERT(a != NULL && b != NULL);
    cmd = smpp_cmd_find(a->command_id);
    eq = a->command_id == b->command_id && a->command_status == b->command_status &&
         a->sequence_number == b->sequence_number && a->body_absent == b->body_absent;
    if (eq && cmd != NULL && cmd->equal != NULL && !a->body_absent) {
        eq = cmd->equal(&a->body, &b->body);
    }
    if (eq && (cmd == NULL || cmd->tlvs)) {
        eq = tlvs_equal(&a->tlv, &b->tlv);
    }
    return eq;
}

/*
 * Framing and decoding.
 */
static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* §3.2: command_length counts the whole PDU, header included. */
int smpp_pdu_frame_length(const uint8_t *buf, size_t avail, uint32_t *len, struct mdt_err *err)
{
    uint32_t n;
    int rc = 0;

    MDT_ASSERT(len != NULL);
    MDT_ASSERT(buf != NULL || avail == 0);
    *len = 0;
    if (avail >= 4) {
        n = be32(buf);
        if (n < SMPP_PDU_HEADER_LEN || n > SMPP_PDU_MAX) {
            rc = mdt_err_set(err, MDT_E(RANGE), "command_length %u outside %u..%u", n,
                             SMPP_PDU_HEADER_LEN, SMPP_PDU_MAX);
        } else {
            *len = n;
        }
    }
    return rc;
}

/* The body after the header: mandatory fields, then optional parameters or nothing. */
static void decode_body(struct smpp_rd *r, const struct smpp_cmd *cmd, struct smpp_pdu *out)
{
    bool is_resp = (cmd->id & SMPP_RESP_BIT) != 0;

    if (cmd->unpack != NULL && is_resp && out->command_status != ESME_ROK && r->pos == r->end) {
        /* §4.4.2: an error response may come without its body. */
        out->body_absent = true;
    } else {
        if (cmd->unpack != NULL) {
            cmd->unpack(r, &out->body);
        }
        if (cmd->tlvs) {
            rd_tlvs(r, &out->tlv);
        } else if (rd_ok(r) && r->pos != r->end) {
            rd_fail(r, ESME_RINVCMDLEN, "%zu octets after the last field", r->end - r->pos);
        }
    }
}

/* Keep only what the session needs to answer (the header and the status), so that no field and
 * no pointer into buf survives a failed decode. */
static int decode_reject(const struct smpp_rd *r, const struct smpp_cmd *cmd, struct smpp_pdu *out,
                         struct mdt_err *err)
{
    struct smpp_pdu keep = {0};

    keep.command_length = out->command_length;
    keep.command_id = out->command_id;
    keep.command_status = out->command_status;
    keep.sequence_number = out->sequence_number;
    keep.reject_status = r->status;
    *out = keep;
    return mdt_err_set(err, MDT_E(PARSE), "%s: %s", cmd != NULL ? cmd->name : "smpp pdu", r->why);
}

int smpp_pdu_decode(const uint8_t *buf, size_t len, struct smpp_pdu *out, struct mdt_err *err)
{
    struct smpp_rd r = {.buf = buf, .pos = 0, .end = len, .status = ESME_ROK};
    const struct smpp_cmd *cmd = NULL;
    int rc = 0;

    MDT_ASSERT(out != NULL);
    MDT_ASSERT(buf != NULL || len == 0);
    memset(out, 0, sizeof(*out));
    if (len >= SMPP_PDU_HEADER_LEN) {
        /* §3.2: read the header first so that even a rejected PDU can be answered. */
        out->command_length = rd_uint(&r, 4, "command_length");
        out->command_id = rd_uint(&r, 4, "command_id");
        out->command_status = rd_uint(&r, 4, "command_status");
        out->sequence_number = rd_uint(&r, 4, "sequence_number");
    }
    if (len < SMPP_PDU_HEADER_LEN || len > SMPP_PDU_MAX) {
        rd_fail(&r, ESME_RINVCMDLEN, "PDU of %zu octets, outside %u..%u", len, SMPP_PDU_HEADER_LEN,
                SMPP_PDU_MAX);
    } else if (out->command_length != len) {
        rd_fail(&r, ESME_RINVCMDLEN, "command_length %u but %zu octets given", out->command_length,
                len);
    } else {
        cmd = smpp_cmd_find(out->command_id);
        if (cmd == NULL) {
            rd_fail(&r, ESME_RINVCMDID, "unknown command_id 0x%08x", out->command_id);
        } else {
            decode_body(&r, cmd, out);
        }
    }
    if (!rd_ok(&r)) {
        rc = decode_reject(&r, cmd, out, err);
    }
    return rc;
}

/*
 * Encoding.
 */
static int encode_check(const struct smpp_cmd *cmd, const struct smpp_pdu *pdu, struct mdt_err *err)
{
    const struct smpp_tlvs *t = &pdu->tlv;
    bool has_tlvs = t->present != 0 || t->unknown_count != 0;
    int rc = 0;

    if (pdu->body_absent &&
        ((cmd->id & SMPP_RESP_BIT) == 0 || pdu->command_status == ESME_ROK || has_tlvs)) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "%s: body_absent needs a response with an error status and no TLVs",
                         cmd->name);
    } else if (has_tlvs && !cmd->tlvs) {
        rc = mdt_err_set(err, MDT_E(INVAL), "%s takes no optional parameters", cmd->name);
    } else if ((t->present & ~SMPP_TLV_ALL_) != 0) {
        rc = mdt_err_set(err, MDT_E(INVAL), "%s: unknown flags 0x%08x in tlv.present", cmd->name,
                         t->present & ~SMPP_TLV_ALL_);
    } else if (t->unknown_count > SMPP_TLV_UNKNOWN_MAX) {
        rc = mdt_err_set(err, MDT_E(INVAL), "%s: tlv.unknown_count %u exceeds %u", cmd->name,
                         (unsigned)t->unknown_count, SMPP_TLV_UNKNOWN_MAX);
    }
    return rc;
}

int smpp_pdu_encode(const struct smpp_pdu *pdu, uint8_t *buf, size_t cap, size_t *len,
                    struct mdt_err *err)
{
    struct smpp_wr w = {.buf = buf, .cap = cap, .pos = 0, .rc = 0};
    const struct smpp_cmd *cmd;
    int rc = 0;

    MDT_ASSERT(pdu != NULL && len != NULL);
    MDT_ASSERT(buf != NULL || cap == 0);
    *len = 0;
    cmd = smpp_cmd_find(pdu->command_id);
    if (cmd == NULL) {
        rc = mdt_err_set(err, MDT_E(INVAL), "cannot encode unknown command_id 0x%08x",
                         pdu->command_id);
        goto out;
    }
    rc = encode_check(cmd, pdu, err);
    if (rc != 0) {
        goto out;
    }
    /* §3.2: command_length is patched in once the length is known. */
    wr_uint(&w, 0, 4);
    wr_uint(&w, pdu->command_id, 4);
    wr_uint(&w, pdu->command_status, 4);
    wr_uint(&w, pdu->sequence_number, 4);
    if (cmd->pack != NULL && !pdu->body_absent) {
        cmd->pack(&w, &pdu->body);
    }
    if (cmd->tlvs) {
        wr_tlvs(&w, &pdu->tlv);
    }
    if (w.rc != 0) {
        rc = mdt_err_set(err, w.rc, "%s: %s", cmd->name, w.why);
    } else if (w.pos > SMPP_PDU_MAX) {
        rc = mdt_err_set(err, MDT_E(RANGE), "%s: %zu octets, more than the %u an SMPP PDU may have",
                         cmd->name, w.pos, SMPP_PDU_MAX);
    } else if (w.pos > cap) {
        *len = w.pos;
        rc = mdt_err_set(err, MDT_E(RANGE), "%s: needs %zu octets, buffer holds %zu", cmd->name,
                         w.pos, cap);
    } else {
        uint8_t be[4] = {(uint8_t)(w.pos >> 24), (uint8_t)(w.pos >> 16), (uint8_t)(w.pos >> 8),
                         (uint8_t)w.pos};

        memcpy(buf, be, sizeof(be));
        *len = w.pos;
    }
out:
    return rc;
}

/*
 * Delivery receipt text, SMPP 3.4 Appendix B (a de-facto format, not a normative one):
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD
 *   err:E text:...
 * Fields are separated by white space; "text:" runs to the end of the input.
 */
enum dlr_slot {
    DLR_ID,
    DLR_SUB,
    DLR_DLVRD,
    DLR_SUBMIT_DATE,
    DLR_DONE_DATE,
    DLR_STAT,
    DLR_ERR,
    DLR_TEXT,
    DLR_OTHER, /* a key:value mandat does not know; skipped */
    DLR_NONE   /* not a key at all */
};

struct dlr_key {
    const char *key;
    enum dlr_slot slot;
};

static const struct dlr_key dlr_keys[] = {
    {"id", DLR_ID},
    {"sub", DLR_SUB},
    {"dlvrd", DLR_DLVRD},
    {"submit date", DLR_SUBMIT_DATE},
    {"submit_date", DLR_SUBMIT_DATE},
    {"done date", DLR_DONE_DATE},
    {"done_date", DLR_DONE_DATE},
    {"stat", DLR_STAT},
    {"err", DLR_ERR},
    {"text", DLR_TEXT},
};

static const struct {
    const char *name;
    enum smpp_message_state state;
} dlr_stats[] = {
    {"DELIVRD", SMPP_STATE_DELIVERED}, {"EXPIRED", SMPP_STATE_EXPIRED},
    {"DELETED", SMPP_STATE_DELETED},   {"UNDELIV", SMPP_STATE_UNDELIVERABLE},
    {"ACCEPTD", SMPP_STATE_ACCEPTED},  {"UNKNOWN", SMPP_STATE_UNKNOWN},
    {"REJECTD", SMPP_STATE_REJECTED},  {"ENROUTE", SMPP_STATE_ENROUTE},
};

/* Keys longer than this are not keys: the scan for an unknown key stops here. */
#define DLR_KEY_MAX 32

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_ieq(const char *s, const char *lower, size_t n)
{
    bool eq = true;

    for (size_t i = 0; i < n && eq; i++) {
        eq = ascii_lower(s[i]) == ascii_lower(lower[i]);
    }
    return eq;
}

static bool dlr_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool dlr_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool dlr_key_char(char c)
{
    return dlr_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/* Which key starts at t[pos], and its length without the ':'. */
static enum dlr_slot dlr_key_at(const char *t, size_t len, size_t pos, size_t *klen)
{
    enum dlr_slot slot = DLR_NONE;
    size_t n = 0;

    for (size_t i = 0; i < sizeof(dlr_keys) / sizeof(dlr_keys[0]) && slot == DLR_NONE; i++) {
        n = strlen(dlr_keys[i].key);
        if (len - pos > n && ascii_ieq(t + pos, dlr_keys[i].key, n) && t[pos + n] == ':') {
            slot = dlr_keys[i].slot;
        }
    }
    if (slot == DLR_NONE) {
        n = 0;
        while (n < DLR_KEY_MAX && pos + n < len && dlr_key_char(t[pos + n])) {
            n++;
        }
        if (n > 0 && pos + n < len && t[pos + n] == ':') {
            slot = DLR_OTHER;
        }
    }
    *klen = n;
    return slot;
}

/* 1 to 3 digits (Appendix B: SSS, DDD). */
static bool dlr_count(const char *v, size_t n, uint16_t *out)
{
    bool ok = n >= 1 && n <= 3;
    uint16_t x = 0;

    for (size_t i = 0; i < n && ok; i++) {
        ok = dlr_digit(v[i]);
        x = (uint16_t)(x * 10 + (uint16_t)(v[i] - '0'));
    }
    if (ok) {
        *out = x;
    }
    return ok;
}

static unsigned dlr_2digits(const char *v)
{
    return (unsigned)(v[0] - '0') * 10u + (unsigned)(v[1] - '0');
}

/* YYMMDDhhmm or YYMMDDhhmmss, each part in range. */
static bool dlr_date(const char *v, size_t n, char *out)
{
    bool ok = n == 10 || n == 12;

    for (size_t i = 0; i < n && ok; i++) {
        ok = dlr_digit(v[i]);
    }
    if (ok) {
        unsigned month = dlr_2digits(v + 2);
        unsigned day = dlr_2digits(v + 4);

        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31 && dlr_2digits(v + 6) <= 23 &&
             dlr_2digits(v + 8) <= 59 && (n == 10 || dlr_2digits(v + 10) <= 59);
    }
    if (ok) {
        memcpy(out, v, n);
        out[n] = '\0';
    }
    return ok;
}

static bool dlr_stat(const char *v, size_t n, enum smpp_message_state *out)
{
    bool found = false;

    for (size_t i = 0; i < sizeof(dlr_stats) / sizeof(dlr_stats[0]) && !found; i++) {
        if (n == 7 && ascii_ieq(v, dlr_stats[i].name, 7)) {
            *out = dlr_stats[i].state;
            found = true;
        }
    }
    return found;
}

/* At most max octets, each printable and not a space (or, with alnum_only, a letter or a
 * digit), copied with a NUL when they all are. */
static bool dlr_token(const char *v, size_t n, size_t max, bool alnum_only, char *out)
{
    bool ok = n <= max;

    for (size_t i = 0; i < n && ok; i++) {
        ok = alnum_only ? (dlr_key_char(v[i]) && v[i] != '_' && v[i] != '-')
                        : (v[i] > ' ' && v[i] < 0x7F);
    }
    if (ok) {
        memcpy(out, v, n);
        out[n] = '\0';
    }
    return ok;
}

static bool dlr_value(enum dlr_slot slot, const char *v, size_t n, struct smpp_dlr *d)
{
    bool ok = true;

    switch (slot) {
    case DLR_ID:
        ok = n >= 1 && dlr_token(v, n, SMPP_DLR_ID_MAX, false, d->id);
        break;
    case DLR_SUB:
        ok = dlr_count(v, n, &d->sub);
        break;
    case DLR_DLVRD:
        ok = dlr_count(v, n, &d->dlvrd);
        break;
    case DLR_SUBMIT_DATE:
        ok = dlr_date(v, n, d->submit_date);
        break;
    case DLR_DONE_DATE:
        ok = dlr_date(v, n, d->done_date);
        break;
    case DLR_STAT:
        ok = dlr_stat(v, n, &d->stat);
        break;
    case DLR_ERR:
        ok = dlr_token(v, n, SMPP_DLR_ERR_MAX, true, d->err);
        break;
    case DLR_TEXT:
        /* Informational: keep the first SMPP_DLR_TEXT_MAX octets, whatever they are. */
        d->text_len = (uint8_t)(n < SMPP_DLR_TEXT_MAX ? n : SMPP_DLR_TEXT_MAX);
        memcpy(d->text, v, d->text_len);
        d->text[d->text_len] = '\0';
        break;
    case DLR_OTHER:
    case DLR_NONE:
        break;
    }
    return ok;
}

/* A short printable copy of untrusted text for an error message. */
static void dlr_snippet(const char *t, size_t n, char *out, size_t cap)
{
    size_t k = n < cap - 1 ? n : cap - 1;

    for (size_t i = 0; i < k; i++) {
        out[i] = (t[i] >= ' ' && t[i] < 0x7F) ? t[i] : '?';
    }
    out[k] = '\0';
}

/* Bit in smpp_dlr.fields for the optional slots; the required ones are checked apart. */
static uint32_t dlr_field_flag(enum dlr_slot slot)
{
    static const uint32_t flags[] = {
        [DLR_SUB] = SMPP_DLR_SUB,
        [DLR_DLVRD] = SMPP_DLR_DLVRD,
        [DLR_SUBMIT_DATE] = SMPP_DLR_SUBMIT_DATE,
        [DLR_DONE_DATE] = SMPP_DLR_DONE_DATE,
        [DLR_ERR] = SMPP_DLR_ERR,
        [DLR_TEXT] = SMPP_DLR_TEXT,
    };

    return slot < sizeof(flags) / sizeof(flags[0]) ? flags[slot] : 0;
}

/* One "key:value" at t[*pos]; *pos moves past it. seen collects (1 << slot). */
static int dlr_field(const char *t, size_t len, size_t *pos, struct smpp_dlr *d, uint32_t *seen,
                     struct mdt_err *err)
{
    char snip[24];
    size_t klen = 0;
    size_t vlen = 0;
    enum dlr_slot slot = dlr_key_at(t, len, *pos, &klen);
    int rc = 0;

    if (slot == DLR_NONE) {
        dlr_snippet(t + *pos, len - *pos, snip, sizeof(snip));
        rc = mdt_err_set(err, MDT_E(PARSE), "receipt: unexpected '%s' at offset %zu", snip, *pos);
        goto out;
    }
    *pos += klen + 1;
    if (slot == DLR_TEXT) {
        vlen = len - *pos;
    } else {
        while (*pos + vlen < len && !dlr_space(t[*pos + vlen])) {
            vlen++;
        }
    }
    if (slot != DLR_OTHER && (*seen & (1u << slot)) != 0) {
        rc = mdt_err_set(err, MDT_E(PARSE), "receipt: '%.*s' appears twice", (int)klen,
                         t + *pos - klen - 1);
    } else if (!dlr_value(slot, t + *pos, vlen, d)) {
        dlr_snippet(t + *pos, vlen, snip, sizeof(snip));
        rc = mdt_err_set(err, MDT_E(PARSE), "receipt: invalid %.*s '%s'", (int)klen,
                         t + *pos - klen - 1, snip);
    } else {
        *seen |= 1u << slot;
        d->fields |= dlr_field_flag(slot);
    }
    *pos += vlen;
out:
    return rc;
}

int smpp_dlr_parse(const char *text, size_t len, struct smpp_dlr *out, struct mdt_err *err)
{
    struct smpp_dlr d = {0};
    uint32_t seen = 0;
    size_t pos = 0;
    int rc = 0;

    MDT_ASSERT(out != NULL);
    MDT_ASSERT(text != NULL || len == 0);
    if (len > SMPP_DLR_LEN_MAX) {
        rc = mdt_err_set(err, MDT_E(RANGE), "receipt of %zu octets, more than %u", len,
                         SMPP_DLR_LEN_MAX);
    }
    /* Bounded by len: each pass consumes white space or a field of at least two octets. */
    while (rc == 0 && pos < len) {
        if (dlr_space(text[pos])) {
            pos++;
        } else {
            rc = dlr_field(text, len, &pos, &d, &seen, err);
        }
    }
    if (rc == 0 && (seen & (1u << DLR_ID)) == 0) {
        rc = mdt_err_set(err, MDT_E(PARSE), "receipt has no 'id:'");
    } else if (rc == 0 && (seen & (1u << DLR_STAT)) == 0) {
        rc = mdt_err_set(err, MDT_E(PARSE), "receipt has no 'stat:'");
    }
    if (rc == 0) {
        *out = d;
    }
    return rc;
}
