/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SMPP PDU codec: arbitrary bytes must decode or be refused with a
 * status to answer; what decodes must encode, decode back equal and re-encode to the same octets;
 * receipt text (and the raw input) must parse or be refused cleanly. Aborts on any mismatch. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/smpp/smpp_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t patched[SMPP_PDU_MAX];
static uint8_t enc1[SMPP_PDU_MAX];
static uint8_t enc2[SMPP_PDU_MAX];

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static void check_dlr(const uint8_t *text, size_t len)
{
    struct smpp_dlr d;
    struct mdt_err err = {0};
    int rc = smpp_dlr_parse((const char *)text, len, &d, &err);

    if (rc == 0) {
        check(d.id[0] != '\0' && strlen(d.id) <= SMPP_DLR_ID_MAX);
        check(d.stat >= SMPP_STATE_ENROUTE && d.stat <= SMPP_STATE_REJECTED);
        check(d.text_len <= SMPP_DLR_TEXT_MAX && (d.fields & ~0x3Fu) == 0);
    } else {
        check((rc == MDT_E(PARSE) || rc == MDT_E(RANGE)) && err.code == rc && err.msg[0] != '\0');
    }
}

/* A refused PDU keeps its header and says what to answer. */
static void check_rejected(const uint8_t *buf, size_t len, const struct smpp_pdu *p,
                           const struct mdt_err *err)
{
    check(err->code == MDT_E(PARSE) && err->msg[0] != '\0');
    check(p->reject_status != ESME_ROK);
    check(strcmp(smpp_status_name(p->reject_status), "reserved") != 0);
    check(p->tlv.present == 0 && p->tlv.unknown_count == 0 && p->tlv.message_payload == NULL);
    if (len >= SMPP_PDU_HEADER_LEN) {
        check(p->sequence_number == (((uint32_t)buf[12] << 24) | ((uint32_t)buf[13] << 16) |
                                     ((uint32_t)buf[14] << 8) | buf[15]));
    }
}

static void check_accepted(const uint8_t *buf, size_t len, const struct smpp_pdu *a)
{
    struct smpp_pdu b;
    struct mdt_err err = {0};
    uint32_t frame = 0;
    size_t len1 = 0;
    size_t len2 = 0;
    int rc;

    check(a->command_length == len && a->reject_status == ESME_ROK);
    check(smpp_pdu_frame_length(buf, len, &frame, &err) == 0 && frame == len);
    check(strcmp(smpp_command_name(a->command_id), "unknown") != 0);
    rc = smpp_pdu_encode(a, enc1, sizeof(enc1), &len1, &err);
    if (rc == MDT_E(RANGE)) {
        /* Only a PDU at the maximum can grow past it (an unterminated receipted_message_id
         * gains its NUL). */
        check(len + 1 > SMPP_PDU_MAX);
        return;
    }
    check(rc == 0 && len1 >= SMPP_PDU_HEADER_LEN);
    /* Re-encoding can only drop unknown TLVs past the bound or add a missing NUL. */
    check(len1 <= len + 1 || a->tlv.unknown_dropped != 0);
    check(smpp_pdu_decode(enc1, len1, &b, &err) == 0);
    check(smpp_pdu_equal(a, &b) && smpp_pdu_equal(&b, a));
    check(b.tlv.unknown_dropped == 0);
    check(smpp_pdu_encode(&b, enc2, sizeof(enc2), &len2, &err) == 0);
    check(len2 == len1 && memcmp(enc1, enc2, len1) == 0);
    if (a->command_id == SMPP_CMD_deliver_sm && !a->body_absent) {
        check_dlr(a->body.deliver_sm.short_message, a->body.deliver_sm.sm_length);
    } else if (a->command_id == SMPP_CMD_submit_sm) {
        check_dlr(a->body.submit_sm.short_message, a->body.submit_sm.sm_length);
    }
    if ((a->tlv.present & SMPP_TLV_message_payload) != 0) {
        check(a->tlv.message_payload >= buf && a->tlv.message_payload <= buf + len);
        check_dlr(a->tlv.message_payload, a->tlv.message_payload_len);
    }
}

static void check_pdu(const uint8_t *buf, size_t len)
{
    struct smpp_pdu p;
    struct mdt_err err = {0};
    int rc = smpp_pdu_decode(buf, len, &p, &err);

    if (rc == 0) {
        check_accepted(buf, len, &p);
    } else {
        check(rc == MDT_E(PARSE));
        check_rejected(buf, len, &p, &err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t frame = 7;
    int rc = smpp_pdu_frame_length(data, size, &frame, NULL);

    check(rc == 0 || (rc == MDT_E(RANGE) && frame == 0));
    check(rc != 0 || frame == 0 || (frame >= SMPP_PDU_HEADER_LEN && frame <= SMPP_PDU_MAX));
    check_pdu(data, size);
    /* Mutations rarely keep command_length right: decode a copy where it is, too. */
    if (size >= SMPP_PDU_HEADER_LEN && size <= SMPP_PDU_MAX) {
        memcpy(patched, data, size);
        patched[0] = (uint8_t)(size >> 24);
        patched[1] = (uint8_t)(size >> 16);
        patched[2] = (uint8_t)(size >> 8);
        patched[3] = (uint8_t)size;
        check_pdu(patched, size);
    }
    check_dlr(data, size);
    return 0;
}
