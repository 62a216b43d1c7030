/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/smpp/smpp_pdu: round trips of every PDU, byte sequences laid out by hand
 * from SMPP 3.4, every decode and encode error with the status to answer, framing, names, and
 * delivery receipt text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "channel/smpp/smpp_pdu.h"

/* Scratch buffers, static because SMPP_PDU_MAX is too much for a test's stack. */
static uint8_t enc_buf[SMPP_PDU_MAX + 64];
static uint8_t enc_buf2[SMPP_PDU_MAX + 64];

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* A PDU builder for the error tests: fields are appended as the spec lays them out. */
struct bb {
    uint8_t b[SMPP_PDU_MAX + 64];
    size_t n;
};

static struct bb bb_scratch;

static struct bb *bb_start(uint32_t id, uint32_t status, uint32_t seq);

static void bb_u8(struct bb *b, uint8_t v)
{
    b->b[b->n++] = v;
}

static void bb_u16(struct bb *b, uint16_t v)
{
    bb_u8(b, (uint8_t)(v >> 8));
    bb_u8(b, (uint8_t)v);
}

static void bb_u32(struct bb *b, uint32_t v)
{
    bb_u16(b, (uint16_t)(v >> 16));
    bb_u16(b, (uint16_t)v);
}

static void bb_mem(struct bb *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

/* A C-Octet String: the characters and the NUL. */
static void bb_cstr(struct bb *b, const char *s)
{
    bb_mem(b, s, strlen(s) + 1);
}

static struct bb *bb_start(uint32_t id, uint32_t status, uint32_t seq)
{
    struct bb *b = &bb_scratch;

    b->n = 0;
    bb_u32(b, 0);
    bb_u32(b, id);
    bb_u32(b, status);
    bb_u32(b, seq);
    return b;
}

/* Patch command_length to the octets written. */
static size_t bb_finish(struct bb *b)
{
    b->b[0] = (uint8_t)(b->n >> 24);
    b->b[1] = (uint8_t)(b->n >> 16);
    b->b[2] = (uint8_t)(b->n >> 8);
    b->b[3] = (uint8_t)b->n;
    return b->n;
}

/* submit_sm body up to and including short_message (§4.4.1). */
static void bb_submit_body(struct bb *b, const char *src, const char *dst, const char *text)
{
    bb_cstr(b, "");                  /* service_type */
    bb_u8(b, 1);                     /* source_addr_ton */
    bb_u8(b, 1);                     /* source_addr_npi */
    bb_cstr(b, src);                 /* source_addr */
    bb_u8(b, 1);                     /* dest_addr_ton */
    bb_u8(b, 1);                     /* dest_addr_npi */
    bb_cstr(b, dst);                 /* destination_addr */
    bb_u8(b, 0);                     /* esm_class */
    bb_u8(b, 0);                     /* protocol_id */
    bb_u8(b, 0);                     /* priority_flag */
    bb_cstr(b, "");                  /* schedule_delivery_time */
    bb_cstr(b, "");                  /* validity_period */
    bb_u8(b, 1);                     /* registered_delivery */
    bb_u8(b, 0);                     /* replace_if_present_flag */
    bb_u8(b, 0);                     /* data_coding */
    bb_u8(b, 0);                     /* sm_default_msg_id */
    bb_u8(b, (uint8_t)strlen(text)); /* sm_length */
    bb_mem(b, text, strlen(text));
}

/* Encode, check the header, decode, compare, and re-encode to the same octets. */
static void check_roundtrip(const struct smpp_pdu *in)
{
    struct smpp_pdu out;
    struct mdt_err err = {0};
    size_t len = 0;
    size_t len2 = 0;
    int rc = smpp_pdu_encode(in, enc_buf, sizeof(enc_buf), &len, &err);

    if (rc != 0) {
        print_error("encode %s: %s\n", smpp_command_name(in->command_id), err.msg);
    }
    assert_int_equal(rc, 0);
    assert_true(len >= SMPP_PDU_HEADER_LEN);
    assert_int_equal(get_be32(enc_buf), len);
    assert_int_equal(get_be32(enc_buf + 4), in->command_id);
    assert_int_equal(get_be32(enc_buf + 8), in->command_status);
    assert_int_equal(get_be32(enc_buf + 12), in->sequence_number);
    rc = smpp_pdu_decode(enc_buf, len, &out, &err);
    if (rc != 0) {
        print_error("decode %s: %s\n", smpp_command_name(in->command_id), err.msg);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(out.command_length, len);
    assert_int_equal(out.reject_status, ESME_ROK);
    assert_true(smpp_pdu_equal(in, &out));
    assert_true(smpp_pdu_equal(&out, in));
    assert_int_equal(smpp_pdu_encode(&out, enc_buf2, sizeof(enc_buf2), &len2, &err), 0);
    assert_int_equal(len2, len);
    assert_memory_equal(enc_buf, enc_buf2, len);
}

/* Decode must fail with -MDT_EPARSE, say phrase, and leave the status to answer. */
static void check_reject(const uint8_t *buf, size_t len, uint32_t want_status, const char *phrase)
{
    struct smpp_pdu out;
    struct mdt_err err = {0};
    int rc = smpp_pdu_decode(buf, len, &out, &err);

    if (rc != MDT_E(PARSE) || out.reject_status != want_status) {
        print_error("rc %d status 0x%x (%s): %s\n", rc, out.reject_status,
                    smpp_status_name(out.reject_status), err.msg);
    }
    assert_int_equal(rc, MDT_E(PARSE));
    assert_int_equal(err.code, MDT_E(PARSE));
    assert_int_equal(out.reject_status, want_status);
    if (strstr(err.msg, phrase) == NULL) {
        print_error("message '%s' lacks '%s'\n", err.msg, phrase);
    }
    assert_non_null(strstr(err.msg, phrase));
    /* Nothing but the header survives a failure. */
    assert_false(out.body_absent);
    assert_int_equal(out.tlv.present, 0);
    assert_int_equal(out.tlv.unknown_count, 0);
    assert_null(out.tlv.message_payload);
    if (len >= SMPP_PDU_HEADER_LEN) {
        assert_int_equal(out.command_id, get_be32(buf + 4));
        assert_int_equal(out.sequence_number, get_be32(buf + 12));
    } else {
        assert_int_equal(out.command_id, 0);
        assert_int_equal(out.sequence_number, 0);
    }
}

static void fill_bind(struct smpp_pdu *p, uint32_t id, uint32_t seq)
{
    memset(p, 0, sizeof(*p));
    p->command_id = id;
    p->sequence_number = seq;
    /* Every bind has the same body; bind_transmitter's member stands for all three. */
    strcpy(p->body.bind_transmitter.system_id, "mandat-esme-01");
    strcpy(p->body.bind_transmitter.password, "s3cr3t!");
    strcpy(p->body.bind_transmitter.system_type, "VMA");
    p->body.bind_transmitter.interface_version = SMPP_INTERFACE_VERSION;
    p->body.bind_transmitter.addr_ton = 1;
    p->body.bind_transmitter.addr_npi = 1;
    strcpy(p->body.bind_transmitter.address_range, "^336[0-9]+$");
}

/*
 * Round trips.
 */
static void test_roundtrip_binds(void **state)
{
    static const uint32_t ids[] = {SMPP_CMD_bind_transmitter, SMPP_CMD_bind_receiver,
                                   SMPP_CMD_bind_transceiver};
    struct smpp_pdu p;

    (void)state;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        fill_bind(&p, ids[i], (uint32_t)i + 1);
        assert_string_equal(p.body.bind_receiver.system_id, "mandat-esme-01");
        assert_string_equal(p.body.bind_transceiver.address_range, "^336[0-9]+$");
        check_roundtrip(&p);
    }
}

static void test_roundtrip_bind_resps(void **state)
{
    static const uint32_t ids[] = {SMPP_CMD_bind_transmitter_resp, SMPP_CMD_bind_receiver_resp,
                                   SMPP_CMD_bind_transceiver_resp};
    struct smpp_pdu p;

    (void)state;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        memset(&p, 0, sizeof(p));
        p.command_id = ids[i];
        p.sequence_number = 0x7FFFFFFF;
        strcpy(p.body.bind_transmitter_resp.system_id, "SMSC-ORANGE");
        p.tlv.present = SMPP_TLV_sc_interface_version;
        p.tlv.sc_interface_version = 0x34;
        check_roundtrip(&p);
    }
}

static void test_roundtrip_outbind(void **state)
{
    struct smpp_pdu p = {0};

    (void)state;
    p.command_id = SMPP_CMD_outbind;
    p.sequence_number = 9;
    strcpy(p.body.outbind.system_id, "SMSC");
    strcpy(p.body.outbind.password, "12345678");
    check_roundtrip(&p);
}

static void test_roundtrip_header_only(void **state)
{
    static const uint32_t ids[] = {SMPP_CMD_generic_nack, SMPP_CMD_unbind, SMPP_CMD_unbind_resp,
                                   SMPP_CMD_enquire_link, SMPP_CMD_enquire_link_resp};
    struct smpp_pdu p;
    size_t len = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        memset(&p, 0, sizeof(p));
        p.command_id = ids[i];
        p.command_status = ids[i] == SMPP_CMD_generic_nack ? ESME_RINVCMDID : ESME_ROK;
        p.sequence_number = 1000u + (uint32_t)i;
        check_roundtrip(&p);
        assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, NULL), 0);
        assert_int_equal(len, SMPP_PDU_HEADER_LEN);
    }
}

static void fill_submit(struct smpp_pdu *p)
{
    static const char text[] = "ENVOI 10 0612345678";
    struct smpp_submit_sm *s = &p->body.submit_sm;

    memset(p, 0, sizeof(*p));
    p->command_id = SMPP_CMD_submit_sm;
    p->sequence_number = 42;
    strcpy(s->service_type, "CMT");
    s->source_addr_ton = 3;
    s->source_addr_npi = 0;
    strcpy(s->source_addr, "71004");
    s->dest_addr_ton = 1;
    s->dest_addr_npi = 1;
    strcpy(s->destination_addr, "33612345678");
    s->esm_class = 0x40;
    s->protocol_id = 0;
    s->priority_flag = 1;
    strcpy(s->schedule_delivery_time, "");
    strcpy(s->validity_period, "000001000000000R");
    s->registered_delivery = 1;
    s->data_coding = 0;
    s->sm_length = (uint8_t)(sizeof(text) - 1);
    memcpy(s->short_message, text, sizeof(text) - 1);
}

static void test_roundtrip_submit_sm(void **state)
{
    struct smpp_pdu p;

    (void)state;
    fill_submit(&p);
    check_roundtrip(&p);
    /* With the concatenation and port TLVs, and a full 254-octet short_message. */
    p.tlv.present = SMPP_TLV_sar_msg_ref_num | SMPP_TLV_sar_total_segments |
                    SMPP_TLV_sar_segment_seqnum | SMPP_TLV_user_message_reference |
                    SMPP_TLV_source_port | SMPP_TLV_destination_port;
    p.tlv.sar_msg_ref_num = 0xBEEF;
    p.tlv.sar_total_segments = 3;
    p.tlv.sar_segment_seqnum = 2;
    p.tlv.user_message_reference = 0x1234;
    p.tlv.source_port = 9200;
    p.tlv.destination_port = 2948;
    p.body.submit_sm.sm_length = SMPP_SHORT_MESSAGE_MAX;
    memset(p.body.submit_sm.short_message, 0xA5, SMPP_SHORT_MESSAGE_MAX);
    check_roundtrip(&p);
}

static void test_roundtrip_deliver_sm(void **state)
{
    static const char text[] = "id:1 stat:DELIVRD";
    struct smpp_pdu p = {0};
    struct smpp_deliver_sm *d = &p.body.deliver_sm;

    (void)state;
    p.command_id = SMPP_CMD_deliver_sm;
    p.sequence_number = 77;
    strcpy(d->source_addr, "33612345678");
    strcpy(d->destination_addr, "71004");
    d->esm_class = SMPP_ESM_TYPE_DELIVERY_RECEIPT;
    d->sm_length = (uint8_t)(sizeof(text) - 1);
    memcpy(d->short_message, text, sizeof(text) - 1);
    p.tlv.present =
        SMPP_TLV_receipted_message_id | SMPP_TLV_message_state | SMPP_TLV_network_error_code;
    strcpy(p.tlv.receipted_message_id, "1");
    p.tlv.message_state = SMPP_STATE_DELIVERED;
    p.tlv.network_error_code.network_type = 3;
    p.tlv.network_error_code.error_code = 0x0102;
    check_roundtrip(&p);
}

static void test_roundtrip_message_ids(void **state)
{
    static const uint32_t ids[] = {SMPP_CMD_submit_sm_resp, SMPP_CMD_deliver_sm_resp,
                                   SMPP_CMD_data_sm_resp};
    struct smpp_pdu p;

    (void)state;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        memset(&p, 0, sizeof(p));
        p.command_id = ids[i];
        p.sequence_number = 5;
        /* The longest message_id: 64 characters and the NUL. */
        memset(p.body.submit_sm_resp.message_id, 'f', SMPP_MESSAGE_ID_MAX - 1);
        check_roundtrip(&p);
        p.body.submit_sm_resp.message_id[0] = '\0';
        check_roundtrip(&p);
    }
}

static void test_roundtrip_query_sm(void **state)
{
    struct smpp_pdu p = {0};

    (void)state;
    p.command_id = SMPP_CMD_query_sm;
    p.sequence_number = 8;
    strcpy(p.body.query_sm.message_id, "2F1A9C0B44");
    p.body.query_sm.source_addr_ton = 3;
    strcpy(p.body.query_sm.source_addr, "71004");
    check_roundtrip(&p);
    memset(&p, 0, sizeof(p));
    p.command_id = SMPP_CMD_query_sm_resp;
    p.sequence_number = 8;
    strcpy(p.body.query_sm_resp.message_id, "2F1A9C0B44");
    strcpy(p.body.query_sm_resp.final_date, "240315123100004+");
    p.body.query_sm_resp.message_state = SMPP_STATE_DELIVERED;
    p.body.query_sm_resp.error_code = 0;
    check_roundtrip(&p);
}

static void test_roundtrip_data_sm_payload(void **state)
{
    static uint8_t payload[8000];
    struct smpp_pdu p = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(payload); i++) {
        payload[i] = (uint8_t)(i * 7);
    }
    p.command_id = SMPP_CMD_data_sm;
    p.sequence_number = 3;
    strcpy(p.body.data_sm.source_addr, "+33612345678901234567890123456789"); /* > 21 here */
    strcpy(p.body.data_sm.destination_addr, "71004");
    p.body.data_sm.data_coding = 8;
    p.tlv.present = SMPP_TLV_message_payload;
    p.tlv.message_payload = payload;
    p.tlv.message_payload_len = (uint16_t)sizeof(payload);
    check_roundtrip(&p);
    p.tlv.message_payload_len = 0;
    p.tlv.message_payload = NULL;
    check_roundtrip(&p);
}

static void test_roundtrip_unknown_tlvs(void **state)
{
    static const uint8_t v1[] = {1, 2, 3};
    static const uint8_t v2[] = {0x20, 0x80};
    struct smpp_pdu p;
    struct smpp_pdu out;
    size_t len = 0;

    (void)state;
    fill_submit(&p);
    p.command_id = SMPP_CMD_deliver_sm;
    p.tlv.unknown_count = 3;
    p.tlv.unknown[0] = (struct smpp_tlv_unknown){.tag = 0x1400, .len = 3, .value = v1};
    p.tlv.unknown[1] = (struct smpp_tlv_unknown){.tag = 0x1401, .len = 0, .value = NULL};
    p.tlv.unknown[2] = (struct smpp_tlv_unknown){.tag = 0x3001, .len = 2, .value = v2};
    check_roundtrip(&p);
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, NULL), 0);
    assert_int_equal(smpp_pdu_decode(enc_buf, len, &out, NULL), 0);
    assert_int_equal(out.tlv.unknown_count, 3);
    assert_int_equal(out.tlv.unknown[2].tag, 0x3001);
    assert_int_equal(out.tlv.unknown[2].len, 2);
    /* Borrowed: the value points into the decoded buffer. */
    assert_ptr_equal(out.tlv.unknown[2].value, enc_buf + len - 2);
}

/* Every command in the table encodes and decodes, with a zeroed body. */
static void test_roundtrip_every_command(void **state)
{
    static const uint32_t ids[] = {SMPP_CMD_generic_nack,
                                   SMPP_CMD_bind_receiver,
                                   SMPP_CMD_bind_receiver_resp,
                                   SMPP_CMD_bind_transmitter,
                                   SMPP_CMD_bind_transmitter_resp,
                                   SMPP_CMD_query_sm,
                                   SMPP_CMD_query_sm_resp,
                                   SMPP_CMD_submit_sm,
                                   SMPP_CMD_submit_sm_resp,
                                   SMPP_CMD_deliver_sm,
                                   SMPP_CMD_deliver_sm_resp,
                                   SMPP_CMD_unbind,
                                   SMPP_CMD_unbind_resp,
                                   SMPP_CMD_bind_transceiver,
                                   SMPP_CMD_bind_transceiver_resp,
                                   SMPP_CMD_outbind,
                                   SMPP_CMD_enquire_link,
                                   SMPP_CMD_enquire_link_resp,
                                   SMPP_CMD_data_sm,
                                   SMPP_CMD_data_sm_resp};
    struct smpp_pdu p;

    (void)state;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        memset(&p, 0, sizeof(p));
        p.command_id = ids[i];
        p.sequence_number = (uint32_t)i;
        assert_string_not_equal(smpp_command_name(ids[i]), "unknown");
        check_roundtrip(&p);
    }
}

/* An error response without its body (§4.4.2) is read, and written back the same way. */
static void test_body_absent_error_response(void **state)
{
    struct bb *b = bb_start(SMPP_CMD_submit_sm_resp, ESME_RTHROTTLED, 12);
    size_t n = bb_finish(b);
    struct smpp_pdu out;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(smpp_pdu_decode(b->b, n, &out, &err), 0);
    assert_true(out.body_absent);
    assert_int_equal(out.command_status, ESME_RTHROTTLED);
    assert_string_equal(out.body.submit_sm_resp.message_id, "");
    check_roundtrip(&out);
    /* A successful response, or a request, must have its body. */
    b = bb_start(SMPP_CMD_submit_sm_resp, ESME_ROK, 12);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "body ends inside message_id");
    b = bb_start(SMPP_CMD_bind_transceiver, ESME_RSYSERR, 12);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "body ends inside system_id");
    /* An error response may also carry its body. */
    b = bb_start(SMPP_CMD_submit_sm_resp, ESME_RINVDSTADR, 13);
    bb_cstr(b, "");
    n = bb_finish(b);
    assert_int_equal(smpp_pdu_decode(b->b, n, &out, &err), 0);
    assert_false(out.body_absent);
}

/*
 * Byte sequences laid out by hand from SMPP 3.4.
 */
static void test_decode_bind_transceiver_bytes(void **state)
{
    /* §4.1.5, 39 octets. */
    static const uint8_t pdu[] = {
        0x00, 0x00, 0x00, 0x27,                  /* command_length 39 */
        0x00, 0x00, 0x00, 0x09,                  /* command_id bind_transceiver */
        0x00, 0x00, 0x00, 0x00,                  /* command_status */
        0x00, 0x00, 0x00, 0x01,                  /* sequence_number */
        'm',  'a',  'n',  'd',  'a',  't', 0x00, /* system_id */
        's',  'e',  'c',  'r',  'e',  't', 0x00, /* password */
        'S',  'M',  'P',  'P',  0x00,            /* system_type */
        0x34,                                    /* interface_version */
        0x01,                                    /* addr_ton: international */
        0x01,                                    /* addr_npi: E.164 */
        0x00,                                    /* address_range: NULL */
    };
    struct smpp_pdu out;
    struct mdt_err err = {0};
    const struct smpp_bind_transceiver *b = &out.body.bind_transceiver;
    size_t len = 0;

    (void)state;
    assert_int_equal(sizeof(pdu), 0x27);
    assert_int_equal(smpp_pdu_decode(pdu, sizeof(pdu), &out, &err), 0);
    assert_int_equal(out.command_length, 39);
    assert_int_equal(out.command_id, SMPP_CMD_bind_transceiver);
    assert_int_equal(out.command_status, 0);
    assert_int_equal(out.sequence_number, 1);
    assert_string_equal(b->system_id, "mandat");
    assert_string_equal(b->password, "secret");
    assert_string_equal(b->system_type, "SMPP");
    assert_int_equal(b->interface_version, 0x34);
    assert_int_equal(b->addr_ton, 1);
    assert_int_equal(b->addr_npi, 1);
    assert_string_equal(b->address_range, "");
    assert_int_equal(out.tlv.present, 0);
    /* And the encoder writes exactly these octets back. */
    assert_int_equal(smpp_pdu_encode(&out, enc_buf, sizeof(enc_buf), &len, &err), 0);
    assert_int_equal(len, sizeof(pdu));
    assert_memory_equal(enc_buf, pdu, sizeof(pdu));
}

#define DLR_TEXT_                                                                                  \
    "id:2F1A9C0B44 sub:001 dlvrd:001 submit date:2403151230 done date:2403151231 stat:DELIVRD "    \
    "err:000 text:Votre solde est"

static void test_decode_deliver_sm_receipt_bytes(void **state)
{
    /* §4.6.1 with a delivery receipt (esm_class 0x04, Appendix B) and its TLVs. 186 octets. */
    static const uint8_t head[] = {
        0x00, 0x00, 0x00, 0xBA, /* command_length 186 */
        0x00, 0x00, 0x00, 0x05, /* command_id deliver_sm */
        0x00, 0x00, 0x00, 0x00, /* command_status */
        0x00, 0x01, 0x02, 0x03, /* sequence_number */
        0x00,                   /* service_type: NULL */
        0x01, 0x01,             /* source_addr_ton, source_addr_npi */
        '3',  '3',  '6',  '1',  '2', '3',  '4', '5', '6', '7', '8', 0x00, /* source_addr */
        0x00, 0x00,                                                       /* dest ton, npi */
        '7',  '1',  '0',  '0',  '4', 0x00,                                /* destination_addr */
        0x04,                   /* esm_class: SMSC delivery receipt */
        0x00, 0x00,             /* protocol_id, priority_flag */
        0x00, 0x00,             /* schedule_delivery_time, validity_period: NULL */
        0x00, 0x00, 0x00, 0x00, /* registered_delivery, replace, data_coding, id */
        117,                    /* sm_length */
    };
    static const uint8_t tail[] = {
        0x00, 0x1E, 0x00, 0x0B, '2',  'F',  '1',  'A',  '9',  'C',
        '0',  'B',  '4',  '4',  0x00, 0x04, 0x27, 0x00, 0x01, 0x02, /* message_state DELIVERED */
    };
    uint8_t pdu[186];
    struct smpp_pdu out;
    struct smpp_dlr dlr;
    struct mdt_err err = {0};
    const struct smpp_deliver_sm *d = &out.body.deliver_sm;

    (void)state;
    assert_int_equal(sizeof(DLR_TEXT_) - 1, 117);
    assert_int_equal(sizeof(head) + 117 + sizeof(tail), sizeof(pdu));
    memcpy(pdu, head, sizeof(head));
    memcpy(pdu + sizeof(head), DLR_TEXT_, 117);
    memcpy(pdu + sizeof(head) + 117, tail, sizeof(tail));
    assert_int_equal(smpp_pdu_decode(pdu, sizeof(pdu), &out, &err), 0);
    assert_int_equal(out.command_id, SMPP_CMD_deliver_sm);
    assert_int_equal(out.sequence_number, 0x00010203);
    assert_string_equal(d->service_type, "");
    assert_int_equal(d->source_addr_ton, 1);
    assert_int_equal(d->source_addr_npi, 1);
    assert_string_equal(d->source_addr, "33612345678");
    assert_int_equal(d->dest_addr_ton, 0);
    assert_string_equal(d->destination_addr, "71004");
    assert_int_equal(d->esm_class & SMPP_ESM_TYPE_MASK, SMPP_ESM_TYPE_DELIVERY_RECEIPT);
    assert_string_equal(d->schedule_delivery_time, "");
    assert_string_equal(d->validity_period, "");
    assert_int_equal(d->sm_length, 117);
    assert_memory_equal(d->short_message, DLR_TEXT_, 117);
    assert_int_equal(out.tlv.present, SMPP_TLV_receipted_message_id | SMPP_TLV_message_state);
    assert_string_equal(out.tlv.receipted_message_id, "2F1A9C0B44");
    assert_int_equal(out.tlv.message_state, SMPP_STATE_DELIVERED);
    /* The text agrees with the TLVs. */
    assert_int_equal(smpp_dlr_parse((const char *)d->short_message, d->sm_length, &dlr, &err), 0);
    assert_string_equal(dlr.id, out.tlv.receipted_message_id);
    assert_int_equal(dlr.stat, out.tlv.message_state);
}

static void test_encode_enquire_link_bytes(void **state)
{
    static const uint8_t want[] = {0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x15,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07};
    struct smpp_pdu p = {.command_id = SMPP_CMD_enquire_link, .sequence_number = 7};
    size_t len = 0;

    (void)state;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, NULL), 0);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(enc_buf, want, sizeof(want));
}

static void test_encode_submit_sm_bytes(void **state)
{
    struct smpp_pdu p;
    struct bb *b;
    size_t n;
    size_t len = 0;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.command_id = SMPP_CMD_submit_sm;
    p.sequence_number = 2;
    p.body.submit_sm.source_addr_ton = 1;
    p.body.submit_sm.source_addr_npi = 1;
    strcpy(p.body.submit_sm.source_addr, "71004");
    p.body.submit_sm.dest_addr_ton = 1;
    p.body.submit_sm.dest_addr_npi = 1;
    strcpy(p.body.submit_sm.destination_addr, "33612345678");
    p.body.submit_sm.registered_delivery = 1;
    p.body.submit_sm.sm_length = 5;
    memcpy(p.body.submit_sm.short_message, "SOLDE", 5);
    p.tlv.present = SMPP_TLV_user_message_reference;
    p.tlv.user_message_reference = 0x0102;
    b = bb_start(SMPP_CMD_submit_sm, 0, 2);
    bb_submit_body(b, "71004", "33612345678", "SOLDE");
    bb_u16(b, 0x0204); /* user_message_reference */
    bb_u16(b, 2);
    bb_u16(b, 0x0102);
    n = bb_finish(b);
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, NULL), 0);
    assert_int_equal(len, n);
    assert_memory_equal(enc_buf, b->b, n);
}

/*
 * Decode errors: each with the command_status the session answers.
 */
static void test_reject_short_and_long(void **state)
{
    uint8_t small[15] = {0x00, 0x00, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x15};
    struct bb *b;

    (void)state;
    check_reject(small, 0, ESME_RINVCMDLEN, "PDU of 0 octets");
    check_reject(small, sizeof(small), ESME_RINVCMDLEN, "PDU of 15 octets");
    /* One octet more than SMPP_PDU_MAX, even with a matching command_length. */
    b = bb_start(SMPP_CMD_data_sm_resp, 0, 4);
    memset(b->b + b->n, 'x', SMPP_PDU_MAX + 1 - b->n);
    b->n = SMPP_PDU_MAX + 1;
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "PDU of 65537 octets");
}

static void test_reject_length_mismatch(void **state)
{
    struct bb *b = bb_start(SMPP_CMD_enquire_link, 0, 99);
    size_t n = bb_finish(b);

    (void)state;
    b->b[3] = 17; /* says 17, gives 16 */
    check_reject(b->b, n, ESME_RINVCMDLEN, "command_length 17 but 16 octets given");
    b->b[3] = 16;
    /* Given more octets than command_length says: never read as the next PDU. */
    b->b[16] = 0;
    check_reject(b->b, 17, ESME_RINVCMDLEN, "command_length 16 but 17 octets given");
}

static void test_reject_unknown_command(void **state)
{
    /* replace_sm (§4.10) is not in the table, nor is an invented id. */
    struct bb *b = bb_start(0x00000007, 0, 5);

    (void)state;
    check_reject(b->b, bb_finish(b), ESME_RINVCMDID, "unknown command_id 0x00000007");
    b = bb_start(0x8000FFFF, 0, 6);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDID, "unknown command_id 0x8000ffff");
}

static void test_reject_cstr_too_long(void **state)
{
    struct bb *b;

    (void)state;
    /* source_addr of 21 characters: no NUL within its 21 octets. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "123456789012345678901", "71004", "x");
    check_reject(b->b, bb_finish(b), ESME_RINVSRCADR, "source_addr has no NUL within 21 octets");
    b = bb_start(SMPP_CMD_submit_sm, 0, 1);
    bb_submit_body(b, "71004", "1234567890123456789012345", "x");
    check_reject(b->b, bb_finish(b), ESME_RINVDSTADR, "destination_addr has no NUL within 21");
    /* system_id of 16 characters. */
    b = bb_start(SMPP_CMD_bind_transceiver_resp, 0, 1);
    bb_cstr(b, "ABCDEFGHIJKLMNOP");
    check_reject(b->b, bb_finish(b), ESME_RINVSYSID, "system_id has no NUL within 16 octets");
    /* message_id of 65 characters. */
    b = bb_start(SMPP_CMD_submit_sm_resp, 0, 1);
    for (int i = 0; i < 65; i++) {
        bb_u8(b, 'a');
    }
    bb_u8(b, 0);
    check_reject(b->b, bb_finish(b), ESME_RINVMSGID, "message_id has no NUL within 65 octets");
    /* data_sm takes 65-octet addresses: 40 characters are fine there. */
    b = bb_start(SMPP_CMD_data_sm, 0, 1);
    bb_cstr(b, "");
    bb_u8(b, 1);
    bb_u8(b, 1);
    bb_cstr(b, "1234567890123456789012345678901234567890");
    bb_u8(b, 1);
    bb_u8(b, 1);
    bb_cstr(b, "71004");
    bb_u8(b, 0);
    bb_u8(b, 0);
    bb_u8(b, 0);
    {
        struct smpp_pdu out;
        size_t n = bb_finish(b);

        assert_int_equal(smpp_pdu_decode(b->b, n, &out, NULL), 0);
        assert_string_equal(out.body.data_sm.source_addr,
                            "1234567890123456789012345678901234567890");
    }
}

static void test_reject_truncated_body(void **state)
{
    struct bb *b;

    (void)state;
    /* The body ends inside a C-Octet String. */
    b = bb_start(SMPP_CMD_bind_transmitter_resp, 0, 1);
    bb_mem(b, "SMSC", 4);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "body ends inside system_id");
    /* The body ends before an integer. */
    b = bb_start(SMPP_CMD_bind_transmitter, 0, 1);
    bb_cstr(b, "esme");
    bb_cstr(b, "pw");
    bb_cstr(b, "");
    bb_u8(b, 0x34);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "body ends inside addr_ton");
    /* query_sm_resp without message_state and error_code. */
    b = bb_start(SMPP_CMD_query_sm_resp, 0, 1);
    bb_cstr(b, "abc");
    bb_cstr(b, "");
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "body ends inside message_state");
}

static void test_reject_sm_length(void **state)
{
    struct bb *b;
    size_t n;

    (void)state;
    /* sm_length says 10, 3 octets follow. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "abc");
    b->b[b->n - 4] = 10;
    check_reject(b->b, bb_finish(b), ESME_RINVMSGLEN, "sm_length 10 runs past the body");
    /* sm_length 255 is over the 254 of §5.2.22, even with 255 octets present. */
    b = bb_start(SMPP_CMD_submit_sm, 0, 1);
    bb_submit_body(b, "71004", "33612345678", "");
    b->b[b->n - 1] = 255;
    memset(b->b + b->n, 'A', 255);
    b->n += 255;
    n = bb_finish(b);
    check_reject(b->b, n, ESME_RINVMSGLEN, "sm_length 255 exceeds 254");
}

static void test_reject_trailing_garbage(void **state)
{
    struct bb *b;

    (void)state;
    /* A header-only PDU with one octet more. */
    b = bb_start(SMPP_CMD_enquire_link_resp, 0, 1);
    bb_u8(b, 0);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "1 octets after the last field");
    /* query_sm takes no optional parameters: a TLV after it is garbage. */
    b = bb_start(SMPP_CMD_query_sm, 0, 1);
    bb_cstr(b, "abc");
    bb_u8(b, 1);
    bb_u8(b, 1);
    bb_cstr(b, "71004");
    bb_u16(b, SMPP_TAG_message_state);
    bb_u16(b, 1);
    bb_u8(b, 2);
    check_reject(b->b, bb_finish(b), ESME_RINVCMDLEN, "5 octets after the last field");
}

static void test_reject_tlv_framing(void **state)
{
    struct bb *b;

    (void)state;
    /* Length beyond the body. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "hi");
    bb_u16(b, SMPP_TAG_message_payload);
    bb_u16(b, 100);
    bb_mem(b, "abcdefghij", 10);
    check_reject(b->b, bb_finish(b), ESME_RINVOPTPARSTREAM,
                 "optional parameter 0x0424 of length 100 runs past the body (10 octets left)");
    /* One octet past the body: the boundary. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "hi");
    bb_u16(b, 0x1500);
    bb_u16(b, 11);
    bb_mem(b, "abcdefghij", 10);
    check_reject(b->b, bb_finish(b), ESME_RINVOPTPARSTREAM,
                 "optional parameter 0x1500 of length 11 runs past the body (10 octets left)");
    /* A TLV header cut short. */
    b = bb_start(SMPP_CMD_data_sm_resp, 0, 1);
    bb_cstr(b, "id");
    bb_u16(b, 0x1234);
    bb_u8(b, 0);
    check_reject(b->b, bb_finish(b), ESME_RINVOPTPARSTREAM,
                 "optional parameter cut short: 3 octets left");
    /* The same known TLV twice. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "");
    bb_u16(b, SMPP_TAG_message_state);
    bb_u16(b, 1);
    bb_u8(b, 2);
    bb_u16(b, SMPP_TAG_message_state);
    bb_u16(b, 1);
    bb_u8(b, 5);
    check_reject(b->b, bb_finish(b), ESME_RINVOPTPARSTREAM, "message_state appears twice");
}

static void test_reject_tlv_values(void **state)
{
    struct bb *b;

    (void)state;
    /* A 1-octet TLV of length 2. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "");
    bb_u16(b, SMPP_TAG_message_state);
    bb_u16(b, 2);
    bb_u16(b, 2);
    check_reject(b->b, bb_finish(b), ESME_RINVPARLEN, "message_state has length 2, not 1");
    /* network_error_code is 3 octets. */
    b = bb_start(SMPP_CMD_data_sm_resp, 0, 1);
    bb_cstr(b, "");
    bb_u16(b, SMPP_TAG_network_error_code);
    bb_u16(b, 2);
    bb_u16(b, 0x0300);
    check_reject(b->b, bb_finish(b), ESME_RINVPARLEN, "network_error_code has length 2, not 3");
    /* receipted_message_id with octets after its NUL. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "");
    bb_u16(b, SMPP_TAG_receipted_message_id);
    bb_u16(b, 4);
    bb_mem(b, "ab\0c", 4);
    check_reject(b->b, bb_finish(b), ESME_RINVOPTPARAMVAL,
                 "receipted_message_id has octets after its NUL");
    /* receipted_message_id longer than 65 octets. */
    b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    bb_submit_body(b, "33612345678", "71004", "");
    bb_u16(b, SMPP_TAG_receipted_message_id);
    bb_u16(b, 66);
    memset(b->b + b->n, '7', 65);
    b->n += 65;
    bb_u8(b, 0);
    check_reject(b->b, bb_finish(b), ESME_RINVPARLEN, "receipted_message_id has length 66");
}

/* Tolerated: a receipted_message_id without its NUL, as some SMSCs send it. */
static void test_tlv_unterminated_receipted_id(void **state)
{
    struct bb *b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    struct smpp_pdu out;
    size_t n;

    (void)state;
    bb_submit_body(b, "33612345678", "71004", "");
    bb_u16(b, SMPP_TAG_receipted_message_id);
    bb_u16(b, 10);
    bb_mem(b, "2F1A9C0B44", 10);
    n = bb_finish(b);
    assert_int_equal(smpp_pdu_decode(b->b, n, &out, NULL), 0);
    assert_string_equal(out.tlv.receipted_message_id, "2F1A9C0B44");
    /* Re-encoded with its NUL: one octet longer, same content. */
    check_roundtrip(&out);
}

static void test_unknown_tlvs_bounded(void **state)
{
    struct bb *b = bb_start(SMPP_CMD_deliver_sm, 0, 1);
    struct smpp_pdu out;
    size_t n;

    (void)state;
    bb_submit_body(b, "33612345678", "71004", "");
    for (uint16_t i = 0; i < SMPP_TLV_UNKNOWN_MAX + 5; i++) {
        bb_u16(b, (uint16_t)(0x1400 + i));
        bb_u16(b, 1);
        bb_u8(b, (uint8_t)i);
    }
    bb_u16(b, SMPP_TAG_message_state);
    bb_u16(b, 1);
    bb_u8(b, SMPP_STATE_EXPIRED);
    n = bb_finish(b);
    assert_int_equal(smpp_pdu_decode(b->b, n, &out, NULL), 0);
    assert_int_equal(out.tlv.unknown_count, SMPP_TLV_UNKNOWN_MAX);
    assert_int_equal(out.tlv.unknown_dropped, 5);
    assert_int_equal(out.tlv.unknown[15].tag, 0x140F);
    assert_int_equal(out.tlv.unknown[15].value[0], 15);
    /* Known TLVs after the dropped ones are still read. */
    assert_int_equal(out.tlv.message_state, SMPP_STATE_EXPIRED);
}

/* The comparison used by every round trip must itself see differences. */
static void test_equal_detects_changes(void **state)
{
    static const uint8_t pay1[] = "abc";
    static const uint8_t pay2[] = "abd";
    struct smpp_pdu a;
    struct smpp_pdu b;

    (void)state;
    fill_submit(&a);
    a.tlv.present = SMPP_TLV_message_payload;
    a.tlv.message_payload = pay1;
    a.tlv.message_payload_len = 3;
    b = a;
    assert_true(smpp_pdu_equal(&a, &b));
    b.body.submit_sm.source_addr[2] = 'X';
    assert_false(smpp_pdu_equal(&a, &b));
    b = a;
    b.body.submit_sm.short_message[0] ^= 1;
    assert_false(smpp_pdu_equal(&a, &b));
    b = a;
    b.body.submit_sm.priority_flag = 0;
    assert_false(smpp_pdu_equal(&a, &b));
    b = a;
    b.tlv.message_payload = pay2;
    assert_false(smpp_pdu_equal(&a, &b));
    b = a;
    b.sequence_number++;
    assert_false(smpp_pdu_equal(&a, &b));
    b = a;
    b.tlv.unknown_count = 1;
    b.tlv.unknown[0].tag = 0x1500;
    assert_false(smpp_pdu_equal(&a, &b));
    /* Octets after a string's NUL do not count. */
    b = a;
    b.body.submit_sm.source_addr[10] = 'Z';
    assert_true(smpp_pdu_equal(&a, &b));
}

/*
 * Encode errors.
 */
static void test_encode_cap_too_small(void **state)
{
    struct smpp_pdu p;
    struct mdt_err err = {0};
    size_t need = 0;
    size_t len = 0;

    (void)state;
    fill_submit(&p);
    /* Measuring: no buffer at all. */
    assert_int_equal(smpp_pdu_encode(&p, NULL, 0, &need, &err), MDT_E(RANGE));
    assert_non_null(strstr(err.msg, "buffer holds 0"));
    assert_true(need > SMPP_PDU_HEADER_LEN);
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, need - 1, &len, &err), MDT_E(RANGE));
    assert_int_equal(len, need);
    memset(enc_buf2, 0xEE, sizeof(enc_buf2));
    assert_int_equal(smpp_pdu_encode(&p, enc_buf2, need, &len, &err), 0);
    assert_int_equal(len, need);
    assert_int_equal(get_be32(enc_buf2), need);
    /* Nothing written past cap. */
    assert_int_equal(enc_buf2[need], 0xEE);
}

static void test_encode_invalid(void **state)
{
    static const uint8_t v[] = {1};
    struct smpp_pdu p;
    struct mdt_err err = {0};
    size_t len = 7;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.command_id = 0x00000021; /* submit_multi is not supported */
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.msg, "unknown command_id 0x00000021"));

    fill_submit(&p);
    memset(p.body.submit_sm.destination_addr, '9', sizeof(p.body.submit_sm.destination_addr));
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "submit_sm: destination_addr has no NUL within 21 octets"));

    fill_submit(&p);
    p.body.submit_sm.sm_length = 255;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "sm_length 255 exceeds 254"));

    memset(&p, 0, sizeof(p));
    p.command_id = SMPP_CMD_enquire_link;
    p.tlv.present = SMPP_TLV_message_state;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "enquire_link takes no optional parameters"));

    fill_submit(&p);
    p.tlv.present = SMPP_TLV_message_payload;
    p.tlv.message_payload_len = 4;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "message_payload has length 4 but no octets"));

    fill_submit(&p);
    p.tlv.unknown_count = 1;
    p.tlv.unknown[0] =
        (struct smpp_tlv_unknown){.tag = SMPP_TAG_message_payload, .len = 1, .value = v};
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "uses the known tag 0x0424"));

    fill_submit(&p);
    p.tlv.present = 1u << 31;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "unknown flags"));
}

static void test_encode_body_absent_rules(void **state)
{
    struct smpp_pdu p = {0};
    struct mdt_err err = {0};
    size_t len = 0;

    (void)state;
    p.command_id = SMPP_CMD_deliver_sm_resp;
    p.body_absent = true;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "body_absent"));
    p.command_status = ESME_RSYSERR;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), 0);
    assert_int_equal(len, SMPP_PDU_HEADER_LEN);
    p.command_id = SMPP_CMD_submit_sm;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(INVAL));
}

static void test_encode_over_pdu_max(void **state)
{
    static uint8_t payload[UINT16_MAX];
    struct smpp_pdu p;
    struct mdt_err err = {0};
    size_t len = 1;

    (void)state;
    fill_submit(&p);
    p.tlv.present = SMPP_TLV_message_payload;
    p.tlv.message_payload = payload;
    p.tlv.message_payload_len = UINT16_MAX;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), MDT_E(RANGE));
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.msg, "more than the 65536 an SMPP PDU may have"));
    /* The largest payload that fits. */
    p.tlv.message_payload_len = 0;
    assert_int_equal(smpp_pdu_encode(&p, enc_buf, sizeof(enc_buf), &len, &err), 0);
    p.tlv.message_payload_len = (uint16_t)(SMPP_PDU_MAX - len);
    check_roundtrip(&p);
}

/*
 * Framing.
 */
static void test_frame_length_needs_four_octets(void **state)
{
    static const uint8_t buf[4] = {0x00, 0x00, 0x00, 0x10};
    uint32_t len = 99;

    (void)state;
    for (size_t avail = 0; avail < 4; avail++) {
        len = 99;
        assert_int_equal(smpp_pdu_frame_length(buf, avail, &len, NULL), 0);
        assert_int_equal(len, 0);
    }
    assert_int_equal(smpp_pdu_frame_length(NULL, 0, &len, NULL), 0);
    assert_int_equal(smpp_pdu_frame_length(buf, 4, &len, NULL), 0);
    assert_int_equal(len, 16);
}

static void test_frame_length_bounds(void **state)
{
    static const struct {
        uint8_t b[4];
        int rc;
        uint32_t len;
    } cases[] = {
        {{0x00, 0x00, 0x00, 0x00}, MDT_E(RANGE), 0}, {{0x00, 0x00, 0x00, 0x0F}, MDT_E(RANGE), 0},
        {{0x00, 0x00, 0x00, 0x10}, 0, 16},           {{0x00, 0x00, 0x01, 0x00}, 0, 256},
        {{0x00, 0x01, 0x00, 0x00}, 0, 65536},        {{0x00, 0x01, 0x00, 0x01}, MDT_E(RANGE), 0},
        {{0x7F, 0xFF, 0xFF, 0xFF}, MDT_E(RANGE), 0}, {{0xFF, 0xFF, 0xFF, 0xFF}, MDT_E(RANGE), 0},
    };
    struct mdt_err err = {0};
    uint32_t len;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = 12345;
        assert_int_equal(smpp_pdu_frame_length(cases[i].b, 4, &len, &err), cases[i].rc);
        assert_int_equal(len, cases[i].len);
    }
    assert_int_equal(smpp_pdu_frame_length(cases[7].b, 4, &len, &err), MDT_E(RANGE));
    assert_string_equal(err.msg, "command_length 4294967295 outside 16..65536");
}

/*
 * Names.
 */
static void test_command_names(void **state)
{
    (void)state;
    assert_string_equal(smpp_command_name(SMPP_CMD_submit_sm), "submit_sm");
    assert_string_equal(smpp_command_name(SMPP_CMD_deliver_sm_resp), "deliver_sm_resp");
    assert_string_equal(smpp_command_name(SMPP_CMD_generic_nack), "generic_nack");
    assert_string_equal(smpp_command_name(SMPP_CMD_bind_transceiver), "bind_transceiver");
    assert_string_equal(smpp_command_name(SMPP_CMD_outbind), "outbind");
    assert_string_equal(smpp_command_name(SMPP_CMD_data_sm_resp), "data_sm_resp");
    assert_string_equal(smpp_command_name(SMPP_CMD_enquire_link), "enquire_link");
    assert_string_equal(smpp_command_name(0x00000008), "unknown"); /* cancel_sm: left out */
    assert_string_equal(smpp_command_name(0xFFFFFFFF), "unknown");
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(smpp_status_name(0x00), "ESME_ROK");
    assert_string_equal(smpp_status_name(0x01), "ESME_RINVMSGLEN");
    assert_string_equal(smpp_status_name(0x02), "ESME_RINVCMDLEN");
    assert_string_equal(smpp_status_name(0x03), "ESME_RINVCMDID");
    assert_string_equal(smpp_status_name(0x04), "ESME_RINVBNDSTS");
    assert_string_equal(smpp_status_name(0x05), "ESME_RALYBND");
    assert_string_equal(smpp_status_name(0x08), "ESME_RSYSERR");
    assert_string_equal(smpp_status_name(0x0A), "ESME_RINVSRCADR");
    assert_string_equal(smpp_status_name(0x0B), "ESME_RINVDSTADR");
    assert_string_equal(smpp_status_name(0x0C), "ESME_RINVMSGID");
    assert_string_equal(smpp_status_name(0x0D), "ESME_RBINDFAIL");
    assert_string_equal(smpp_status_name(0x0E), "ESME_RINVPASWD");
    assert_string_equal(smpp_status_name(0x0F), "ESME_RINVSYSID");
    assert_string_equal(smpp_status_name(0x14), "ESME_RMSGQFUL");
    assert_string_equal(smpp_status_name(0x58), "ESME_RTHROTTLED");
    assert_string_equal(smpp_status_name(0xC0), "ESME_RINVOPTPARSTREAM");
    assert_string_equal(smpp_status_name(0xC1), "ESME_ROPTPARNOTALLWD");
    assert_string_equal(smpp_status_name(0xC2), "ESME_RINVPARLEN");
    assert_string_equal(smpp_status_name(0xC3), "ESME_RMISSINGOPTPARAM");
    assert_string_equal(smpp_status_name(0xC4), "ESME_RINVOPTPARAMVAL");
    assert_string_equal(smpp_status_name(0xFF), "ESME_RUNKNOWNERR");
    assert_string_equal(smpp_status_name(ESME_RX_T_APPN), "ESME_RX_T_APPN");
    assert_string_equal(smpp_status_name(0x09), "reserved");
    assert_string_equal(smpp_status_name(0x400), "vendor specific");
    assert_string_equal(smpp_status_name(0x4FF), "vendor specific");
    assert_string_equal(smpp_status_name(0x500), "reserved");
}

/*
 * Delivery receipts.
 */
static void parse_ok(const char *text, struct smpp_dlr *out)
{
    struct mdt_err err = {0};
    int rc = smpp_dlr_parse(text, strlen(text), out, &err);

    if (rc != 0) {
        print_error("parse '%s': %s\n", text, err.msg);
    }
    assert_int_equal(rc, 0);
}

static void parse_fails(const char *text, size_t len, int code, const char *phrase)
{
    struct smpp_dlr out;
    struct mdt_err err = {0};
    int rc;

    memset(&out, 0x5A, sizeof(out));
    rc = smpp_dlr_parse(text, len, &out, &err);
    if (rc != code || strstr(err.msg, phrase) == NULL) {
        print_error("parse '%.*s': rc %d, '%s' (wanted '%s')\n", (int)len, text, rc, err.msg,
                    phrase);
    }
    assert_int_equal(rc, code);
    assert_non_null(strstr(err.msg, phrase));
    /* Not written on failure. */
    assert_int_equal(out.id[0], 0x5A);
    assert_int_equal(out.text_len, 0x5A);
}

static void parse_fails_str(const char *text, int code, const char *phrase)
{
    parse_fails(text, strlen(text), code, phrase);
}

static void test_dlr_appendix_b(void **state)
{
    struct smpp_dlr d;

    (void)state;
    parse_ok("id:0123456789 sub:001 dlvrd:001 submit date:0610191018 done date:0610191018 "
             "stat:DELIVRD err:000 text:Hello World",
             &d);
    assert_string_equal(d.id, "0123456789");
    assert_int_equal(d.stat, SMPP_STATE_DELIVERED);
    assert_int_equal(d.fields, SMPP_DLR_SUB | SMPP_DLR_DLVRD | SMPP_DLR_SUBMIT_DATE |
                                   SMPP_DLR_DONE_DATE | SMPP_DLR_ERR | SMPP_DLR_TEXT);
    assert_int_equal(d.sub, 1);
    assert_int_equal(d.dlvrd, 1);
    assert_string_equal(d.submit_date, "0610191018");
    assert_string_equal(d.done_date, "0610191018");
    assert_string_equal(d.err, "000");
    assert_int_equal(d.text_len, 11);
    assert_memory_equal(d.text, "Hello World", 11);
}

static void test_dlr_real_variants(void **state)
{
    struct smpp_dlr d;

    (void)state;
    /* A 32-digit hexadecimal id, dlvrd without padding, "Text:" capitalised. */
    parse_ok("id:c449ab9744f47b6af1879e49e75e4f40 sub:001 dlvrd:0 submit date:0610231217 done "
             "date:0610231220 stat:UNDELIV err:034 Text:Bonjour maman",
             &d);
    assert_string_equal(d.id, "c449ab9744f47b6af1879e49e75e4f40");
    assert_int_equal(d.stat, SMPP_STATE_UNDELIVERABLE);
    assert_int_equal(d.dlvrd, 0);
    assert_string_equal(d.err, "034");
    assert_memory_equal(d.text, "Bonjour maman", 13);
    /* Seconds in the dates, upper-case keys, underscores, a vendor field, a UUID id. */
    parse_ok("ID:6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b SUB:1 DLVRD:1 SUBMIT_DATE:240315123059 "
             "DONE_DATE:240315123105 STAT:delivrd ERR:0 IMSI:208011234567890 TEXT:",
             &d);
    assert_string_equal(d.id, "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
    assert_int_equal(d.stat, SMPP_STATE_DELIVERED);
    assert_string_equal(d.submit_date, "240315123059");
    assert_string_equal(d.done_date, "240315123105");
    assert_string_equal(d.err, "0");
    assert_int_equal(d.text_len, 0);
    assert_true((d.fields & SMPP_DLR_TEXT) != 0);
    /* Decimal id, tabs and a trailing CRLF. */
    parse_ok("id:1234567890\tsub:001\tdlvrd:000\tstat:EXPIRED\terr:000\r\n", &d);
    assert_string_equal(d.id, "1234567890");
    assert_int_equal(d.stat, SMPP_STATE_EXPIRED);
    assert_int_equal(d.fields, SMPP_DLR_SUB | SMPP_DLR_DLVRD | SMPP_DLR_ERR);
}

static void test_dlr_every_stat(void **state)
{
    static const struct {
        const char *text;
        enum smpp_message_state state;
    } cases[] = {
        {"id:1 stat:DELIVRD", SMPP_STATE_DELIVERED},
        {"id:1 stat:EXPIRED", SMPP_STATE_EXPIRED},
        {"id:1 stat:DELETED", SMPP_STATE_DELETED},
        {"id:1 stat:UNDELIV", SMPP_STATE_UNDELIVERABLE},
        {"id:1 stat:ACCEPTD", SMPP_STATE_ACCEPTED},
        {"id:1 stat:UNKNOWN", SMPP_STATE_UNKNOWN},
        {"id:1 stat:REJECTD", SMPP_STATE_REJECTED},
        {"id:1 stat:ENROUTE", SMPP_STATE_ENROUTE},
    };
    struct smpp_dlr d;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parse_ok(cases[i].text, &d);
        assert_int_equal(d.stat, cases[i].state);
        assert_int_equal(d.fields, 0);
    }
}

static void test_dlr_missing_fields(void **state)
{
    struct smpp_dlr d;

    (void)state;
    /* Only the two required fields, in either order. */
    parse_ok("stat:REJECTD id:abc", &d);
    assert_string_equal(d.id, "abc");
    assert_int_equal(d.stat, SMPP_STATE_REJECTED);
    assert_int_equal(d.fields, 0);
    assert_int_equal(d.text_len, 0);
    parse_fails_str("sub:001 dlvrd:001 stat:DELIVRD err:000 text:x", MDT_E(PARSE),
                    "receipt has no 'id:'");
    parse_fails_str("id:77 sub:001 dlvrd:001 err:000", MDT_E(PARSE), "receipt has no 'stat:'");
    parse_fails_str("", MDT_E(PARSE), "receipt has no 'id:'");
}

static void test_dlr_garbage(void **state)
{
    static const char binary[] = "\x05\x00\x03\x2a\x02\x01id:1 stat:DELIVRD";

    (void)state;
    parse_fails_str("Hello, how are you?", MDT_E(PARSE), "unexpected 'Hello, how are you?'");
    parse_fails(binary, sizeof(binary) - 1, MDT_E(PARSE), "unexpected '?");
    parse_fails_str("id:1 stat:DELIVRD ::", MDT_E(PARSE), "unexpected '::' at offset 18");
    parse_fails_str("id:1 stat", MDT_E(PARSE), "unexpected 'stat' at offset 5");
}

static void test_dlr_bad_values(void **state)
{
    char id65[96];

    (void)state;
    parse_fails_str("id:1 stat:DELIVERED", MDT_E(PARSE), "invalid stat 'DELIVERED'");
    parse_fails_str("id:1 stat:", MDT_E(PARSE), "invalid stat ''");
    parse_fails_str("id: stat:DELIVRD", MDT_E(PARSE), "invalid id ''");
    parse_fails_str("id:1 stat:DELIVRD submit date:0613321018", MDT_E(PARSE),
                    "invalid submit date '0613321018'");
    parse_fails_str("id:1 stat:DELIVRD submit date:0613311018", MDT_E(PARSE),
                    "invalid submit date '0613311018'");
    parse_fails_str("id:1 stat:DELIVRD submit date:0612321018", MDT_E(PARSE),
                    "invalid submit date '0612321018'");
    parse_fails_str("id:1 stat:DELIVRD submit date:0600151018", MDT_E(PARSE),
                    "invalid submit date '0600151018'");
    parse_fails_str("id:1 stat:DELIVRD submit date:061015106059", MDT_E(PARSE),
                    "invalid submit date '061015106059'");
    parse_fails_str("id:1 stat:DELIVRD submit date:061015105960", MDT_E(PARSE),
                    "invalid submit date '061015105960'");
    parse_fails_str("id:1 stat:DELIVRD submit date:06101510a6", MDT_E(PARSE),
                    "invalid submit date '06101510a6'");
    parse_fails_str("id:1 stat:DELIVRDX", MDT_E(PARSE), "invalid stat 'DELIVRDX'");
    parse_fails_str("id:1 stat:DELIVR", MDT_E(PARSE), "invalid stat 'DELIVR'");
    parse_fails_str("id:1 stat:DELIVRD done date:06101910181", MDT_E(PARSE),
                    "invalid done date '06101910181'");
    parse_fails_str("id:1 stat:DELIVRD done date:0610192459", MDT_E(PARSE),
                    "invalid done date '0610192459'");
    parse_fails_str("id:1 stat:DELIVRD sub:1000", MDT_E(PARSE), "invalid sub '1000'");
    parse_fails_str("id:1 stat:DELIVRD dlvrd:0x1", MDT_E(PARSE), "invalid dlvrd '0x1'");
    parse_fails_str("id:1 stat:DELIVRD err:123456789", MDT_E(PARSE), "invalid err '123456789'");
    parse_fails_str("id:1 stat:DELIVRD err:0-1", MDT_E(PARSE), "invalid err '0-1'");
    /* 64 characters of id are accepted, 65 are not. */
    memcpy(id65, "id:", 3);
    memset(id65 + 3, 'a', 65);
    memcpy(id65 + 68, " stat:ACCEPTD", 14);
    parse_fails(id65, strlen(id65), MDT_E(PARSE), "invalid id 'aaaa");
    memmove(id65 + 67, id65 + 68, 14);
    {
        struct smpp_dlr d;

        parse_ok(id65, &d);
        assert_int_equal(strlen(d.id), 64);
    }
}

static void test_dlr_duplicates(void **state)
{
    (void)state;
    parse_fails_str("id:1 stat:DELIVRD id:2", MDT_E(PARSE), "'id' appears twice");
    parse_fails_str("id:1 stat:DELIVRD submit_date:0610191018 submit date:0610191018", MDT_E(PARSE),
                    "'submit date' appears twice");
    /* Unknown fields may repeat: they are skipped. */
    {
        struct smpp_dlr d;

        parse_ok("id:1 x:1 x:2 stat:DELIVRD", &d);
        assert_string_equal(d.id, "1");
    }
}

static void test_dlr_text_rules(void **state)
{
    static const char with_nul[] = "id:9 stat:DELIVRD text:a\0b stat:xx";
    char long_text[200];
    struct smpp_dlr d;
    struct mdt_err err = {0};

    (void)state;
    /* text: runs to the end, even over what looks like fields, and keeps NUL octets. */
    assert_int_equal(smpp_dlr_parse(with_nul, sizeof(with_nul) - 1, &d, &err), 0);
    assert_int_equal(d.stat, SMPP_STATE_DELIVERED);
    assert_int_equal(d.text_len, 11);
    assert_memory_equal(d.text, "a\0b stat:xx", 11);
    /* Long text is cut at SMPP_DLR_TEXT_MAX. */
    strcpy(long_text, "id:9 stat:DELIVRD text:");
    memset(long_text + strlen(long_text), 'z', 100);
    long_text[23 + 100] = '\0';
    parse_ok(long_text, &d);
    assert_int_equal(d.text_len, SMPP_DLR_TEXT_MAX);
    assert_int_equal(d.text[SMPP_DLR_TEXT_MAX], '\0');
}

static void test_dlr_length_bound(void **state)
{
    static char big[SMPP_DLR_LEN_MAX + 2];

    (void)state;
    memset(big, ' ', sizeof(big));
    memcpy(big, "id:1 stat:DELIVRD", 17);
    parse_fails(big, SMPP_DLR_LEN_MAX + 1, MDT_E(RANGE), "receipt of 1025 octets, more than 1024");
    {
        struct smpp_dlr d;

        assert_int_equal(smpp_dlr_parse(big, SMPP_DLR_LEN_MAX, &d, NULL), 0);
        assert_string_equal(d.id, "1");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_binds),
        cmocka_unit_test(test_roundtrip_bind_resps),
        cmocka_unit_test(test_roundtrip_outbind),
        cmocka_unit_test(test_roundtrip_header_only),
        cmocka_unit_test(test_roundtrip_submit_sm),
        cmocka_unit_test(test_roundtrip_deliver_sm),
        cmocka_unit_test(test_roundtrip_message_ids),
        cmocka_unit_test(test_roundtrip_query_sm),
        cmocka_unit_test(test_roundtrip_data_sm_payload),
        cmocka_unit_test(test_roundtrip_unknown_tlvs),
        cmocka_unit_test(test_roundtrip_every_command),
        cmocka_unit_test(test_body_absent_error_response),
        cmocka_unit_test(test_decode_bind_transceiver_bytes),
        cmocka_unit_test(test_decode_deliver_sm_receipt_bytes),
        cmocka_unit_test(test_encode_enquire_link_bytes),
        cmocka_unit_test(test_encode_submit_sm_bytes),
        cmocka_unit_test(test_reject_short_and_long),
        cmocka_unit_test(test_reject_length_mismatch),
        cmocka_unit_test(test_reject_unknown_command),
        cmocka_unit_test(test_reject_cstr_too_long),
        cmocka_unit_test(test_reject_truncated_body),
        cmocka_unit_test(test_reject_sm_length),
        cmocka_unit_test(test_reject_trailing_garbage),
        cmocka_unit_test(test_reject_tlv_framing),
        cmocka_unit_test(test_reject_tlv_values),
        cmocka_unit_test(test_tlv_unterminated_receipted_id),
        cmocka_unit_test(test_unknown_tlvs_bounded),
        cmocka_unit_test(test_equal_detects_changes),
        cmocka_unit_test(test_encode_cap_too_small),
        cmocka_unit_test(test_encode_invalid),
        cmocka_unit_test(test_encode_body_absent_rules),
        cmocka_unit_test(test_encode_over_pdu_max),
        cmocka_unit_test(test_frame_length_needs_four_octets),
        cmocka_unit_test(test_frame_length_bounds),
        cmocka_unit_test(test_command_names),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_dlr_appendix_b),
        cmocka_unit_test(test_dlr_real_variants),
        cmocka_unit_test(test_dlr_every_stat),
        cmocka_unit_test(test_dlr_missing_fields),
        cmocka_unit_test(test_dlr_garbage),
        cmocka_unit_test(test_dlr_bad_values),
        cmocka_unit_test(test_dlr_duplicates),
        cmocka_unit_test(test_dlr_text_rules),
        cmocka_unit_test(test_dlr_length_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
