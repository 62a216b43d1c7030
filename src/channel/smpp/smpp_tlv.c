/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 optional parameters (TLVs, §3.2.4, §5.3.2): reading, writing and comparing the ones
 * smpp_pdu.h knows, and keeping the unknown ones as they came. Part of the PDU codec. */
#include <stdint.h>
#include <string.h>

#include "channel/smpp/smpp_pdu.h"
#include "channel/smpp/smpp_pdu_int.h"

/*
 * Optional parameters (§3.2.4, §5.3.2): Tag (2), Length (2), Value (Length octets), repeated to
 * the end of the PDU in any order.
 */
static void tlv_get_u8(struct smpp_rd *r, uint8_t *dst, const uint8_t *v, uint16_t vlen,
                       const char *name)
{
    if (vlen != 1) {
        smpp_rd_fail(r, ESME_RINVPARLEN, "%s has length %u, not 1", name, (unsigned)vlen);
    } else {
        *dst = v[0];
    }
}

static void tlv_get_u16(struct smpp_rd *r, uint16_t *dst, const uint8_t *v, uint16_t vlen,
                        const char *name)
{
    if (vlen != 2) {
        smpp_rd_fail(r, ESME_RINVPARLEN, "%s has length %u, not 2", name, (unsigned)vlen);
    } else {
        *dst = (uint16_t)((v[0] << 8) | v[1]);
    }
}

static void tlv_get_neterr(struct smpp_rd *r, struct smpp_network_error *dst, const uint8_t *v,
                           uint16_t vlen, const char *name)
{
    if (vlen != 3) {
        smpp_rd_fail(r, ESME_RINVPARLEN, "%s has length %u, not 3", name, (unsigned)vlen);
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
        smpp_rd_fail(r, ESME_RINVOPTPARAMVAL, "%s has octets after its NUL", name);
    } else if (n + 1 > max) {
        smpp_rd_fail(r, ESME_RINVPARLEN, "%s has length %u, more than %zu", name, (unsigned)vlen,
                     max);
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
            smpp_rd_fail(r, ESME_RINVOPTPARSTREAM, "%s appears twice", #name);                     \
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
        smpp_rd_fail(r, ESME_RINVOPTPARSTREAM, "optional parameter cut short: %zu octets left",
                     r->end - r->pos);
    }
    tag = (uint16_t)smpp_rd_uint(r, 2, "optional parameter tag");
    vlen = (uint16_t)smpp_rd_uint(r, 2, "optional parameter length");
    if (smpp_rd_ok(r) && vlen > r->end - r->pos) {
        smpp_rd_fail(r, ESME_RINVOPTPARSTREAM,
                     "optional parameter 0x%04x of length %u runs past the body (%zu octets left)",
                     (unsigned)tag, (unsigned)vlen, r->end - r->pos);
    }
    if (smpp_rd_ok(r)) {
        v = r->buf + r->pos;
        r->pos += vlen;
        switch (tag) {
            SMPP_TLV_MAP(SMPP_TLV_CASE_)
        default:
            tlv_keep_unknown(t, tag, vlen, v);
            break;
        }
        if (smpp_rd_ok(r)) {
            t->present |= flag;
        }
    }
}

/* Bounded: each pass consumes at least the 4-octet tag and length, or fails and stops. */
void smpp_rd_tlvs(struct smpp_rd *r, struct smpp_tlvs *t)
{
    while (smpp_rd_ok(r) && r->pos < r->end) {
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
        smpp_wr_fail(w, "%s has length %u but no octets", name, (unsigned)vlen);
    } else {
        smpp_wr_uint(w, tag, 2);
        smpp_wr_uint(w, vlen, 2);
        smpp_wr_bytes(w, v, vlen);
    }
}

static void wr_tlv_cstr(struct smpp_wr *w, uint16_t tag, const char *s, size_t max,
                        const char *name)
{
    size_t n = smpp_cstr_len(s, max);

    if (n == max) {
        smpp_wr_fail(w, "%s has no NUL within %zu octets", name, max);
    } else {
        wr_tlv_octets(w, tag, (const uint8_t *)s, (uint16_t)(n + 1), name);
    }
}

#define SMPP_TLV_PUT_U8(name, tag, size)                                                           \
    smpp_wr_uint(w, tag, 2);                                                                       \
    smpp_wr_uint(w, 1, 2);                                                                         \
    smpp_wr_uint(w, t->name, 1);
#define SMPP_TLV_PUT_U16(name, tag, size)                                                          \
    smpp_wr_uint(w, tag, 2);                                                                       \
    smpp_wr_uint(w, 2, 2);                                                                         \
    smpp_wr_uint(w, t->name, 2);
#define SMPP_TLV_PUT_CSTR(name, tag, size) wr_tlv_cstr(w, tag, t->name, size, #name);
#define SMPP_TLV_PUT_NETERR(name, tag, size)                                                       \
    smpp_wr_uint(w, tag, 2);                                                                       \
    smpp_wr_uint(w, 3, 2);                                                                         \
    smpp_wr_uint(w, t->name.network_type, 1);                                                      \
    smpp_wr_uint(w, t->name.error_code, 2);
#define SMPP_TLV_PUT_PAYLOAD(name, tag, size) wr_tlv_octets(w, tag, t->name, t->name##_len, #name);
#define SMPP_TLV_PUT_(name, tag, kind, size)                                                       \
    if ((t->present & SMPP_TLV_##name) != 0) {                                                     \
        SMPP_TLV_PUT_##kind(name, tag, size)                                                       \
    }

/* Known TLVs in table order, then the unknown ones as they came. */
void smpp_wr_tlvs(struct smpp_wr *w, const struct smpp_tlvs *t)
{
    SMPP_TLV_MAP(SMPP_TLV_PUT_)
    for (size_t i = 0; i < t->unknown_count; i++) {
        if (tlv_tag_known(t->unknown[i].tag)) {
            smpp_wr_fail(w, "unknown optional parameter %zu uses the known tag 0x%04x", i,
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

bool smpp_tlvs_equal(const struct smpp_tlvs *a, const struct smpp_tlvs *b)
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
