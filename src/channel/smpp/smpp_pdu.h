/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 PDU codec for mandat's ESME: structs, unpack and pack generated from smpp_pdu.def,
 * the optional parameters (TLVs) mandat uses, command and status names, and the parser of the
 * de-facto delivery receipt text. No I/O, no allocation, no shared state: thread-safe. */
#ifndef MDT_CHANNEL_SMPP_PDU_H
#define MDT_CHANNEL_SMPP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

/* The bounds of what peers send in PDUs are in base/limits.h. */

/* The header every PDU starts with: command_length, command_id, command_status and
 * sequence_number, 4 octets each (§3.2). Fixed by the protocol, not a tuning knob. */
#define SMPP_PDU_HEADER_LEN 16u

/*
 * Command ids (§5.1.2.1). Macros rather than an enum: ISO C limits enumeration constants to int,
 * and response ids have bit 31 set. The names follow the spec and smpp_pdu.def (lower case after
 * the prefix), and smpp_pdu.c checks at compile time that every row of the .def agrees with them.
 */
#define SMPP_RESP_BIT 0x80000000u
#define SMPP_CMD_generic_nack 0x80000000u
#define SMPP_CMD_bind_receiver 0x00000001u
#define SMPP_CMD_bind_receiver_resp 0x80000001u
#define SMPP_CMD_bind_transmitter 0x00000002u
#define SMPP_CMD_bind_transmitter_resp 0x80000002u
#define SMPP_CMD_query_sm 0x00000003u
#define SMPP_CMD_query_sm_resp 0x80000003u
#define SMPP_CMD_submit_sm 0x00000004u
#define SMPP_CMD_submit_sm_resp 0x80000004u
#define SMPP_CMD_deliver_sm 0x00000005u
#define SMPP_CMD_deliver_sm_resp 0x80000005u
#define SMPP_CMD_unbind 0x00000006u
#define SMPP_CMD_unbind_resp 0x80000006u
#define SMPP_CMD_bind_transceiver 0x00000009u
#define SMPP_CMD_bind_transceiver_resp 0x80000009u
#define SMPP_CMD_outbind 0x0000000Bu
#define SMPP_CMD_enquire_link 0x00000015u
#define SMPP_CMD_enquire_link_resp 0x80000015u
#define SMPP_CMD_data_sm 0x00000103u
#define SMPP_CMD_data_sm_resp 0x80000103u

/* interface_version of a bind (§5.2.4): 0x34 for SMPP 3.4. */
#define SMPP_INTERFACE_VERSION 0x34u

/*
 * command_status values, SMPP 3.4 §5.1.3 table 5-2. X(name, value).
 */
#define SMPP_STATUS_MAP(X)                                                                         \
    X(ESME_ROK, 0x00)                                                                              \
    X(ESME_RINVMSGLEN, 0x01)                                                                       \
    X(ESME_RINVCMDLEN, 0x02)                                                                       \
    X(ESME_RINVCMDID, 0x03)                                                                        \
    X(ESME_RINVBNDSTS, 0x04)                                                                       \
    X(ESME_RALYBND, 0x05)                                                                          \
    X(ESME_RINVPRTFLG, 0x06)                                                                       \
    X(ESME_RINVREGDLVFLG, 0x07)                                                                    \
    X(ESME_RSYSERR, 0x08)                                                                          \
    X(ESME_RINVSRCADR, 0x0A)                                                                       \
    X(ESME_RINVDSTADR, 0x0B)                                                                       \
    X(ESME_RINVMSGID, 0x0C)                                                                        \
    X(ESME_RBINDFAIL, 0x0D)                                                                        \
    X(ESME_RINVPASWD, 0x0E)                                                                        \
    X(ESME_RINVSYSID, 0x0F)                                                                        \
    X(ESME_RCANCELFAIL, 0x11)                                                                      \
    X(ESME_RREPLACEFAIL, 0x13)                                                                     \
    X(ESME_RMSGQFUL, 0x14)                                                                         \
    X(ESME_RINVSERTYP, 0x15)                                                                       \
    X(ESME_RINVNUMDESTS, 0x33)                                                                     \
    X(ESME_RINVDLNAME, 0x34)                                                                       \
    X(ESME_RINVDESTFLAG, 0x40)                                                                     \
    X(ESME_RINVSUBREP, 0x42)                                                                       \
    X(ESME_RINVESMCLASS, 0x43)                                                                     \
    X(ESME_RCNTSUBDL, 0x44)                                                                        \
    X(ESME_RSUBMITFAIL, 0x45)                                                                      \
    X(ESME_RINVSRCTON, 0x48)                                                                       \
    X(ESME_RINVSRCNPI, 0x49)                                                                       \
    X(ESME_RINVDSTTON, 0x50)                                                                       \
    X(ESME_RINVDSTNPI, 0x51)                                                                       \
    X(ESME_RINVSYSTYP, 0x53)                                                                       \
    X(ESME_RINVREPFLAG, 0x54)                                                                      \
    X(ESME_RINVNUMMSGS, 0x55)                                                                      \
    X(ESME_RTHROTTLED, 0x58)                                                                       \
    X(ESME_RINVSCHED, 0x61)                                                                        \
    X(ESME_RINVEXPIRY, 0x62)                                                                       \
    X(ESME_RINVDFTMSGID, 0x63)                                                                     \
    X(ESME_RX_T_APPN, 0x64)                                                                        \
    X(ESME_RX_P_APPN, 0x65)                                                                        \
    X(ESME_RX_R_APPN, 0x66)                                                                        \
    X(ESME_RQUERYFAIL, 0x67)                                                                       \
    X(ESME_RINVOPTPARSTREAM, 0xC0)                                                                 \
    X(ESME_ROPTPARNOTALLWD, 0xC1)                                                                  \
    X(ESME_RINVPARLEN, 0xC2)                                                                       \
    X(ESME_RMISSINGOPTPARAM, 0xC3)                                                                 \
    X(ESME_RINVOPTPARAMVAL, 0xC4)                                                                  \
    X(ESME_RDELIVERYFAILURE, 0xFE)                                                                 \
    X(ESME_RUNKNOWNERR, 0xFF)

enum smpp_status {
#define SMPP_STATUS_ENUM_(name, value) name = value,
    SMPP_STATUS_MAP(SMPP_STATUS_ENUM_)
#undef SMPP_STATUS_ENUM_
};

/* message_state (§5.2.28), in query_sm_resp, the message_state TLV and receipts' "stat:". */
enum smpp_message_state {
    SMPP_STATE_ENROUTE = 1,
    SMPP_STATE_DELIVERED = 2,
    SMPP_STATE_EXPIRED = 3,
    SMPP_STATE_DELETED = 4,
    SMPP_STATE_UNDELIVERABLE = 5,
    SMPP_STATE_ACCEPTED = 6,
    SMPP_STATE_UNKNOWN = 7,
    SMPP_STATE_REJECTED = 8
};

/* esm_class bits (§5.2.12): bits 5-2 are the message type; 0x04 marks a delivery receipt in a
 * deliver_sm; 0x40 says short_message starts with a User Data Header (concatenation). */
enum smpp_esm_class {
    SMPP_ESM_TYPE_MASK = 0x3Cu,
    SMPP_ESM_TYPE_DELIVERY_RECEIPT = 0x04u,
    SMPP_ESM_UDHI = 0x40u
};

/*
 * Mandatory bodies, one struct per row of smpp_pdu.def: C-Octet Strings are NUL-terminated
 * char arrays of their maximum size (NUL included, as §3.1 counts it), integers are uintN_t,
 * short_message is sm_length octets (not NUL-terminated).
 */
#define SMPP_TLVS 1
#define SMPP_NO_TLVS 0
#define SMPP_INT_TYPE_1 uint8_t
#define SMPP_INT_TYPE_2 uint16_t
#define SMPP_INT_TYPE_4 uint32_t

#define SMPP_CSTR(name, max, status) char name[max];
#define SMPP_INT(name, octets) SMPP_INT_TYPE_##octets name;
#define SMPP_OCTETS(len, name, max)                                                                \
    uint8_t len;                                                                                   \
    uint8_t name[max];
#define SMPP_PDU(name, id, tlvs, fields)                                                           \
    struct smpp_##name {                                                                           \
        fields                                                                                     \
    };
#define SMPP_PDU_EMPTY(name, id)
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
#undef SMPP_CSTR
#undef SMPP_INT
#undef SMPP_OCTETS

/* The body of any PDU; which member is live follows command_id. Header-only PDUs have none. */
union smpp_body {
#define SMPP_PDU(name, id, tlvs, fields) struct smpp_##name name;
#define SMPP_PDU_EMPTY(name, id)
#define SMPP_CSTR(name, max, status)
#define SMPP_INT(name, octets)
#define SMPP_OCTETS(len, name, max)
#include "channel/smpp/smpp_pdu.def"
#undef SMPP_PDU
#undef SMPP_PDU_EMPTY
#undef SMPP_CSTR
#undef SMPP_INT
#undef SMPP_OCTETS
};

/*
 * Optional parameters (§3.2.4, §5.3.2) that mandat reads. X(name, tag, kind, size):
 *   U8, U16    Integer of 1 or 2 octets; the TLV length must be exactly that
 *   CSTR       C-Octet String of at most size octets with its NUL
 *   NETERR     network_error_code: network type (1 octet) then error code (2 octets)
 *   PAYLOAD    octets of any length, borrowed from the decoded buffer (see struct smpp_tlvs)
 */
#define SMPP_TLV_MAP(X)                                                                            \
    X(receipted_message_id, 0x001E, CSTR, 65) /* §5.3.2.12 */                                     \
    X(user_message_reference, 0x0204, U16, 2) /* §5.3.2.17 */                                     \
    X(source_port, 0x020A, U16, 2)            /* §5.3.2.20 */                                     \
    X(destination_port, 0x020B, U16, 2)       /* §5.3.2.21 */                                     \
    X(sar_msg_ref_num, 0x020C, U16, 2)        /* §5.3.2.22 */                                     \
    X(sar_total_segments, 0x020E, U8, 1)      /* §5.3.2.23 */                                     \
    X(sar_segment_seqnum, 0x020F, U8, 1)      /* §5.3.2.24 */                                     \
    X(sc_interface_version, 0x0210, U8, 1)    /* §5.3.2.25 */                                     \
    X(network_error_code, 0x0423, NETERR, 3)  /* §5.3.2.31 */                                     \
    X(message_payload, 0x0424, PAYLOAD, 0)    /* §5.3.2.32 */                                     \
    X(message_state, 0x0427, U8, 1)           /* §5.3.2.35 */

/* TLV tags, e.g. SMPP_TAG_message_payload. */
enum smpp_tlv_tag {
#define SMPP_TLV_TAG_(name, tag, kind, size) SMPP_TAG_##name = tag,
    SMPP_TLV_MAP(SMPP_TLV_TAG_)
#undef SMPP_TLV_TAG_
};

/* Position of each known TLV in smpp_tlvs.present. */
enum smpp_tlv_index {
#define SMPP_TLV_INDEX_(name, tag, kind, size) SMPP_TLV_INDEX_##name,
    SMPP_TLV_MAP(SMPP_TLV_INDEX_)
#undef SMPP_TLV_INDEX_
        SMPP_TLV_COUNT
};

/* Presence flags for smpp_tlvs.present, e.g. SMPP_TLV_message_state. */
enum smpp_tlv_flag {
#define SMPP_TLV_FLAG_(name, tag, kind, size) SMPP_TLV_##name = 1u << SMPP_TLV_INDEX_##name,
    SMPP_TLV_MAP(SMPP_TLV_FLAG_)
#undef SMPP_TLV_FLAG_
};

/* network_error_code (§5.3.2.31): type 1 ANSI-136, 2 IS-95, 3 GSM, ...; then the code. */
struct smpp_network_error {
    uint8_t network_type;
    uint16_t error_code;
};

/* An optional parameter that mandat does not interpret. value points into the decoded buffer. */
struct smpp_tlv_unknown {
    uint16_t tag;
    uint16_t len;
    const uint8_t *value;
};

#define SMPP_TLV_MEMBER_U8(name, size) uint8_t name;
#define SMPP_TLV_MEMBER_U16(name, size) uint16_t name;
#define SMPP_TLV_MEMBER_CSTR(name, size) char name[size];
#define SMPP_TLV_MEMBER_NETERR(name, size) struct smpp_network_error name;
#define SMPP_TLV_MEMBER_PAYLOAD(name, size)                                                        \
    const uint8_t *name;                                                                           \
    uint16_t name##_len;
#define SMPP_TLV_MEMBER_(name, tag, kind, size) SMPP_TLV_MEMBER_##kind(name, size)

/* The optional parameters of a PDU. A member is meaningful only when its SMPP_TLV_<name> flag is
 * in present. message_payload and unknown[].value are borrowed: they point into the buffer given
 * to smpp_pdu_decode and are valid only as long as that buffer is; copy them before reusing it.
 * When building a PDU they point into memory the caller keeps alive until smpp_pdu_encode
 * returns. */
struct smpp_tlvs {
    uint32_t present; /* SMPP_TLV_* flags */
    SMPP_TLV_MAP(SMPP_TLV_MEMBER_)
    uint16_t unknown_count;   /* entries used in unknown[] */
    uint16_t unknown_dropped; /* unknown TLVs skipped past SMPP_TLV_UNKNOWN_MAX (decode only) */
    struct smpp_tlv_unknown unknown[SMPP_TLV_UNKNOWN_MAX];
};

/* One PDU. Build one with `struct smpp_pdu pdu = {0};` and set command_id, sequence_number,
 * command_status (responses), the body member named like the command and any TLVs. */
struct smpp_pdu {
    uint32_t command_length;  /* decode: the header's value; encode ignores it (§3.2) */
    uint32_t command_id;      /* SMPP_CMD_* */
    uint32_t command_status;  /* enum smpp_status; 0 in requests */
    uint32_t sequence_number; /* 1..0x7FFFFFFF by §3.2; not checked */
    /* Decode failures only: the command_status to answer with (see smpp_pdu_decode). */
    uint32_t reject_status;
    /* A response with a non-zero command_status that came, or goes, without its body, as
     * §4.4.2 prescribes for submit_sm_resp and SMSCs do for every response. Body fields are
     * then all zero on decode and ignored on encode. */
    bool body_absent;
    union smpp_body body;
    struct smpp_tlvs tlv;
};

/* The 4-octet command_length at the start of buf, checked before anything is buffered or
 * allocated for the PDU. Returns 0 with *len = 0 when avail < 4 (read more), 0 with *len in
 * SMPP_PDU_HEADER_LEN..SMPP_PDU_MAX when the length is acceptable, or -MDT_ERANGE with *len = 0
 * when it is not: the byte stream can no longer be framed, so the session answers generic_nack
 * ESME_RINVCMDLEN and closes. Reads at most 4 octets of buf. */
int smpp_pdu_frame_length(const uint8_t *buf, size_t avail, uint32_t *len, struct mdt_err *err);

/* Decode exactly one PDU: buf holds len octets and len must equal its command_length. Never reads
 * outside buf[0..len), never allocates. On success returns 0 and fills *out; message_payload and
 * unknown TLV values point into buf (see struct smpp_tlvs).
 *
 * On failure returns -MDT_EPARSE (err says what and where) and leaves in *out only:
 *   - command_length, command_id, command_status and sequence_number when len >= 16 (else 0),
 *   - reject_status, the command_status to answer with: ESME_RINVCMDLEN (lengths), ESME_RINVCMDID
 *     (unknown command_id), ESME_RINVMSGLEN (sm_length), the field's own status for an over-long
 *     C-Octet String (ESME_RINVSRCADR, ESME_RINVSYSID, ...), ESME_RINVOPTPARSTREAM (TLV framing,
 *     duplicates), ESME_RINVPARLEN (TLV of the wrong size), ESME_RINVOPTPARAMVAL (bad TLV value).
 * The session answers a request whose command_id is known with its response
 * (command_id | SMPP_RESP_BIT) carrying reject_status, and anything else with generic_nack
 * carrying reject_status and the sequence_number (§4.3.1). */
int smpp_pdu_decode(const uint8_t *buf, size_t len, struct smpp_pdu *out, struct mdt_err *err);

/* Encode pdu into buf[0..cap) and set *len to its length, written as command_length (§3.2).
 * Returns 0; -MDT_ERANGE when cap is too small (*len is then the size needed, so encoding with
 * cap 0 measures a PDU) or the PDU would exceed SMPP_PDU_MAX (*len = 0); -MDT_EINVAL when pdu
 * cannot be encoded: unknown command_id, a C-Octet String without its NUL within its maximum,
 * sm_length over 254, TLVs in a PDU that takes none, a NULL pointer with a non-zero length, an
 * unknown TLV that uses a known tag, body_absent on a request or with status 0 (*len = 0). buf may
 * be NULL when cap is 0. On failure buf's contents are unspecified. */
int smpp_pdu_encode(const struct smpp_pdu *pdu, uint8_t *buf, size_t cap, size_t *len,
                    struct mdt_err *err);

/* True when a and b carry the same PDU: header (command_length, reject_status excepted), body
 * fields up to each string's NUL, TLVs present and their values (borrowed octets compared by
 * content) and unknown TLVs in order. unknown_dropped is not compared. */
bool smpp_pdu_equal(const struct smpp_pdu *a, const struct smpp_pdu *b);

/* "submit_sm", "generic_nack", ... for a command_id in smpp_pdu.def, "unknown" otherwise. Static
 * text, never NULL. */
const char *smpp_command_name(uint32_t id);

/* "ESME_ROK", "ESME_RTHROTTLED", ...; "vendor specific" for 0x400..0x4FF (§5.1.3), "reserved"
 * for other values. Static text, never NULL. */
const char *smpp_status_name(uint32_t status);

/*
 * Delivery receipts: the text an SMSC puts in short_message (or message_payload) of a deliver_sm
 * whose esm_class type is SMPP_ESM_TYPE_DELIVERY_RECEIPT (SMPP 3.4 Appendix B, a de-facto
 * format): "id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD
 * err:E text:...". The receipted_message_id and message_state TLVs, when present, are the better
 * source (§5.3.2.12, §5.3.2.35); this text is the fallback most SMSCs still require.
 */

/* Flags for smpp_dlr.fields: which optional receipt fields were present. */
enum smpp_dlr_field {
    SMPP_DLR_SUB = 1u << 0,
    SMPP_DLR_DLVRD = 1u << 1,
    SMPP_DLR_SUBMIT_DATE = 1u << 2,
    SMPP_DLR_DONE_DATE = 1u << 3,
    SMPP_DLR_ERR = 1u << 4,
    SMPP_DLR_TEXT = 1u << 5
};

struct smpp_dlr {
    char id[SMPP_DLR_ID_MAX + 1];        /* always present: 1..64 printable characters, no space */
    enum smpp_message_state stat;        /* always present: DELIVRD -> SMPP_STATE_DELIVERED, ... */
    uint32_t fields;                     /* enum smpp_dlr_field flags of what follows */
    uint16_t sub;                        /* messages submitted, 0..999 */
    uint16_t dlvrd;                      /* messages delivered, 0..999 */
    char submit_date[13];                /* YYMMDDhhmm or YYMMDDhhmmss, digits, ranges checked */
    char done_date[13];                  /* same */
    char err[SMPP_DLR_ERR_MAX + 1];      /* network-specific error code, as sent */
    uint8_t text[SMPP_DLR_TEXT_MAX + 1]; /* first SMPP_DLR_TEXT_MAX octets after "text:", NUL */
    uint8_t text_len;                    /* octets kept in text (text may hold NUL octets) */
};

/* Parse len octets of receipt text (no NUL needed) into *out. Keys are case-insensitive;
 * "submit_date" and "done_date" are accepted for "submit date" and "done date"; unknown "key:value"
 * fields are skipped; "text:" takes the rest of the input. id and stat are required, the other
 * fields optional, none repeated. Returns 0, -MDT_EPARSE (err says what) or -MDT_ERANGE when len
 * exceeds SMPP_DLR_LEN_MAX. *out is written only on success. */
int smpp_dlr_parse(const char *text, size_t len, struct smpp_dlr *out, struct mdt_err *err);

#endif
