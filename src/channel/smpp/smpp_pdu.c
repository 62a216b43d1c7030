/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 PDU codec: the field reader and writer, unpack, pack and compare generated from
 * smpp_pdu.def, the command and status names, framing, decoding and encoding. The optional
 * parameters are in smpp_tlv.c, the delivery receipt text parser in smpp_dlr.c. */
#include "channel/smpp/smpp_pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "channel/smpp/smpp_pdu_int.h"

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

/*
 * Reading (smpp_pdu_int.h): every read checks its length against end before touching buf.
 */
void smpp_rd_fail(struct smpp_rd *r, uint32_t status, const char *fmt, ...)
{
    va_list ap;

    if (r->status == ESME_ROK) {
        r->status = status;
        va_start(ap, fmt);
        vsnprintf(r->why, sizeof(r->why), fmt, ap);
        va_end(ap);
    }
}

/* Integer of 1, 2 or 4 octets, most significant first (§3.1). */
uint32_t smpp_rd_uint(struct smpp_rd *r, size_t octets, const char *field)
{
    uint32_t v = 0;

    if (smpp_rd_ok(r) && r->end - r->pos < octets) {
        smpp_rd_fail(r, ESME_RINVCMDLEN, "body ends inside %s", field);
    }
    if (smpp_rd_ok(r)) {
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

    if (smpp_rd_ok(r)) {
        left = r->end - r->pos;
        scan = left < max ? left : max;
        nul = memchr(r->buf + r->pos, 0, scan);
        if (nul != NULL) {
            size_t n = (size_t)(nul - (r->buf + r->pos)) + 1;

            memcpy(dst, r->buf + r->pos, n);
            r->pos += n;
        } else if (scan < max) {
            smpp_rd_fail(r, ESME_RINVCMDLEN, "body ends inside %s", field);
        } else {
            smpp_rd_fail(r, status, "%s has no NUL within %zu octets", field, max);
        }
    }
}

/* sm_length then short_message (§5.2.21, §5.2.22). */
static uint8_t rd_octets(struct smpp_rd *r, uint8_t *dst, size_t max, const char *len_field)
{
    uint8_t n = (uint8_t)smpp_rd_uint(r, 1, len_field);

    if (smpp_rd_ok(r) && n > max) {
        smpp_rd_fail(r, ESME_RINVMSGLEN, "%s %u exceeds %zu", len_field, (unsigned)n, max);
    } else if (smpp_rd_ok(r) && n > r->end - r->pos) {
        smpp_rd_fail(r, ESME_RINVMSGLEN, "%s %u runs past the body (%zu octets left)", len_field,
                     (unsigned)n, r->end - r->pos);
    }
    if (smpp_rd_ok(r)) {
        memcpy(dst, r->buf + r->pos, n);
        r->pos += n;
    } else {
        n = 0;
    }
    return n;
}

/* Generated unpack functions, one per PDU with a body: fields in wire order. */
#define SMPP_CSTR(name, max, status) rd_cstr(r, b->name, max, status, #name);
#define SMPP_INT(name, octets) b->name = (SMPP_INT_TYPE_##octets)smpp_rd_uint(r, octets, #name);
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
 * Writing (smpp_pdu_int.h): octets past cap are counted, not written.
 */
void smpp_wr_fail(struct smpp_wr *w, const char *fmt, ...)
{
    va_list ap;

    if (w->rc == 0) {
        w->rc = MDT_E(INVAL);
        va_start(ap, fmt);
        vsnprintf(w->why, sizeof(w->why), fmt, ap);
        va_end(ap);
    }
}

void smpp_wr_bytes(struct smpp_wr *w, const void *src, size_t n)
{
    if (n > 0 && w->pos <= w->cap && n <= w->cap - w->pos) {
        memcpy(w->buf + w->pos, src, n);
    }
    w->pos += n;
}

void smpp_wr_uint(struct smpp_wr *w, uint32_t v, size_t octets)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    MDT_ASSERT(octets == 1 || octets == 2 || octets == 4);
    smpp_wr_bytes(w, be + 4 - octets, octets);
}

/* Length of s before its NUL, or max when there is none within max octets (strnlen is POSIX). */
size_t smpp_cstr_len(const char *s, size_t max)
{
    const char *nul = memchr(s, 0, max);

    return nul != NULL ? (size_t)(nul - s) : max;
}

static void wr_cstr(struct smpp_wr *w, const char *s, size_t max, const char *field)
{
    size_t n = smpp_cstr_len(s, max);

    if (n == max) {
        smpp_wr_fail(w, "%s has no NUL within %zu octets", field, max);
    } else {
        smpp_wr_bytes(w, s, n + 1);
    }
}

static void wr_octets(struct smpp_wr *w, const uint8_t *data, uint8_t len, size_t max,
                      const char *len_field)
{
    if (len > max) {
        smpp_wr_fail(w, "%s %u exceeds %zu", len_field, (unsigned)len, max);
    } else {
        smpp_wr_uint(w, len, 1);
        smpp_wr_bytes(w, data, len);
    }
}

/* Generated pack functions. */
#define SMPP_CSTR(name, max, status) wr_cstr(w, b->name, max, #name);
#define SMPP_INT(name, octets) smpp_wr_uint(w, b->name, octets);
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
        eq = smpp_tlvs_equal(&a->tlv, &b->tlv);
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
            smpp_rd_tlvs(r, &out->tlv);
        } else if (smpp_rd_ok(r) && r->pos != r->end) {
            smpp_rd_fail(r, ESME_RINVCMDLEN, "%zu octets after the last field", r->end - r->pos);
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
        out->command_length = smpp_rd_uint(&r, 4, "command_length");
        out->command_id = smpp_rd_uint(&r, 4, "command_id");
        out->command_status = smpp_rd_uint(&r, 4, "command_status");
        out->sequence_number = smpp_rd_uint(&r, 4, "sequence_number");
    }
    if (len < SMPP_PDU_HEADER_LEN || len > SMPP_PDU_MAX) {
        smpp_rd_fail(&r, ESME_RINVCMDLEN, "PDU of %zu octets, outside %u..%u", len,
                     SMPP_PDU_HEADER_LEN, SMPP_PDU_MAX);
    } else if (out->command_length != len) {
        smpp_rd_fail(&r, ESME_RINVCMDLEN, "command_length %u but %zu octets given",
                     out->command_length, len);
    } else {
        cmd = smpp_cmd_find(out->command_id);
        if (cmd == NULL) {
            smpp_rd_fail(&r, ESME_RINVCMDID, "unknown command_id 0x%08x", out->command_id);
        } else {
            decode_body(&r, cmd, out);
        }
    }
    if (!smpp_rd_ok(&r)) {
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
    smpp_wr_uint(&w, 0, 4);
    smpp_wr_uint(&w, pdu->command_id, 4);
    smpp_wr_uint(&w, pdu->command_status, 4);
    smpp_wr_uint(&w, pdu->sequence_number, 4);
    if (cmd->pack != NULL && !pdu->body_absent) {
        cmd->pack(&w, &pdu->body);
    }
    if (cmd->tlvs) {
        smpp_wr_tlvs(&w, &pdu->tlv);
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
