/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the SMPP PDU codec: the field reader and writer shared by smpp_pdu.c (mandatory fields,
 * framing) and smpp_tlv.c (optional parameters). Not for other modules. */
#ifndef MDT_CHANNEL_SMPP_SMPP_PDU_INT_H
#define MDT_CHANNEL_SMPP_SMPP_PDU_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/smpp/smpp_pdu.h"

/* Room for the reason a reader or writer failed: a field name and two numbers. */
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

/* Records the first failure of r: the command_status to answer and the reason. */
void smpp_rd_fail(struct smpp_rd *r, uint32_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether r has not failed yet. */
static inline bool smpp_rd_ok(const struct smpp_rd *r)
{
    return r->status == ESME_ROK;
}

/* Reads an Integer of 1, 2 or 4 octets, most significant first (§3.1); 0 once r has failed. */
uint32_t smpp_rd_uint(struct smpp_rd *r, size_t octets, const char *field);

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

/* Records the first failure of w (MDT_E(INVAL)) and its reason. */
void smpp_wr_fail(struct smpp_wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n octets, or only counts them past cap. */
void smpp_wr_bytes(struct smpp_wr *w, const void *src, size_t n);
/* Appends an Integer of 1, 2 or 4 octets, most significant first. */
void smpp_wr_uint(struct smpp_wr *w, uint32_t v, size_t octets);
/* Length of s before its NUL, or max when there is none within max octets. */
size_t smpp_cstr_len(const char *s, size_t max);

/*
 * Optional parameters (smpp_tlv.c).
 */

/* Reads TLVs to the end of the body into t; values point into r's buffer. */
void smpp_rd_tlvs(struct smpp_rd *r, struct smpp_tlvs *t);
/* Writes the TLVs present in t: the known ones in table order, then the unknown ones. */
void smpp_wr_tlvs(struct smpp_wr *w, const struct smpp_tlvs *t);
/* Whether a and b carry the same TLVs. */
bool smpp_tlvs_equal(const struct smpp_tlvs *a, const struct smpp_tlvs *b);

#endif
