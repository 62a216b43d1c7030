/* SPDX-License-Identifier: Apache-2.0 */
/* SMS text coding for the SMPP channel: the GSM 7-bit default alphabet (3GPP TS 23.038), UCS-2,
 * Latin-1, 7-bit packing, the user data header (TS 23.040 §9.2.3.24), decoding by data_coding and
 * splitting outgoing text into concatenated parts. Pure codec: no I/O, no allocation. */
#ifndef MDT_CHANNEL_SMPP_GSM_H
#define MDT_CHANNEL_SMPP_GSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

/* Conventions shared by every function below.
 *
 * - Callers own every buffer; nothing is kept after a call returns and nothing is allocated.
 *   An output pointer may be NULL only when its capacity is 0 (to measure what is needed).
 * - Text going out (`char *out`, `char *utf8`) is UTF-8, followed by a NUL that the capacity
 *   must include; the length output excludes that NUL and is authoritative (decoded text may
 *   contain U+0000, e.g. from UCS-2).
 * - Returns 0, -MDT_EPARSE for bad input, -MDT_ERANGE when the output capacity is too small, or
 *   -MDT_EINVAL for arguments no correct caller passes (NULL, fill bits above 6).
 * - The length output (n, octets, len) carries detail on failure: with -MDT_EPARSE it is the
 *   offset in the input of the first bad byte or octet; with -MDT_ERANGE it is the size the
 *   output needs (excluding the NUL for text). Other outputs are unspecified on failure.
 * - All functions are thread-safe (they only read constant tables) and O(input length), except
 *   where stated. */

/* GSM 7-bit default alphabet, TS 23.038 §6.2.1 ------------------------------------------- */

/* Escape to the extension table (TS 23.038 §6.2.1.1): an extension character takes 2 septets. */
#define GSM_ESC 0x1B

/* Convert UTF-8 to unpacked GSM septets, one septet (0..0x7F) per byte; extension characters
 * (form feed ^ { } \ [ ~ ] | €) become GSM_ESC and their code.
 *
 * utf8, len: input, not NUL-terminated necessarily; strict UTF-8 (RFC 3629: no overlong forms,
 *            no surrogates, nothing above U+10FFFF).
 * septets, cap: output buffer.
 * n:         output: septets written.
 * fits:      output: false when some character has no GSM representation (then the caller uses
 *            UCS-2; *n is 0 and the function still returns 0). GSM has Ç (0x09) but not ç, and
 *            none of â ê î ô û ë ï ÿ œ À Â È Ê Ë Î Ï Ô Ù Û Ÿ Œ, so French text with them does not
 *            fit. Nothing is approximated (ê is never sent as e): the text reaches people as
 *            written, at the price of UCS-2's 70 characters.
 *
 * The whole input is validated even after a character that does not fit, so invalid UTF-8
 * always gives -MDT_EPARSE (with *n the byte offset). Cost: O(len), with a linear search of the
 * 138-entry table for characters outside the ASCII subset that GSM shares. */
int gsm_from_utf8(const char *utf8, size_t len, uint8_t *septets, size_t cap, size_t *n,
                  bool *fits);

/* Decode unpacked GSM septets (one per byte) to UTF-8, NUL-terminated.
 *
 * Extension table, TS 23.038 §6.2.1.1: ESC + a code absent from the table decodes as the base
 * character of that code (the ESC is dropped, as the spec tells a receiving MS to display);
 * ESC ESC (reserved for a further extension table) decodes as one space; a final ESC with nothing
 * after it decodes as a space (what phones without the extension mechanism show). A byte above
 * 0x7F is not a septet: -MDT_EPARSE with *len its offset. Output never exceeds 2 bytes per
 * septet, so cap = 2 * n + 1 always suffices. */
int gsm_to_utf8(const uint8_t *septets, size_t n, char *out, size_t cap, size_t *len);

/* Octets that n septets occupy when packed after fill_bits fill bits (TS 23.038 §6.1.2.1.1). */
static inline size_t gsm_packed_octets(size_t n, unsigned fill_bits)
{
    return (n * 7 + fill_bits + 7) / 8;
}

/* Fill bits that put the first septet on a septet boundary after a user data header of
 * udh_octets octets, its length byte included (TS 23.040 §9.2.3.24): 6 octets -> 1 bit. */
static inline unsigned gsm_fill_bits(size_t udh_octets)
{
    return (unsigned)((7 - (udh_octets * 8) % 7) % 7);
}

/* Pack n septets into 7-bit packed octets, least significant bits first (TS 23.038
 * §6.1.2.1.1), after fill_bits (0..6) zero fill bits at the bottom of the first octet. Unused
 * high bits of the last octet are zero. "hellohello" packs to E8 32 9B FD 46 97 D9 EC 37.
 *
 * SMPP carries GSM text unpacked (one septet per octet in short_message with data_coding 0) and
 * the SMSC packs it; packing is for the TP-UD that other transports (AT modems, SS7/SIGTRAN,
 * SMPP gateways configured for packed 7-bit) carry. Both forms are supported here.
 * octets: output: octets written (gsm_packed_octets(n, fill_bits)).
 * Returns -MDT_EINVAL for a septet above 0x7F or fill_bits > 6. */
int gsm_pack(const uint8_t *septets, size_t n, uint8_t *out, size_t cap, size_t *octets,
             unsigned fill_bits);

/* Unpack count septets from packed octets that start with fill_bits fill bits (the inverse of
 * gsm_pack). count comes from TP-UDL (which counts septets, the UDH's included: subtract
 * (udh_octets * 8 + fill_bits) / 7). octets must equal gsm_packed_octets(count, fill_bits):
 * anything else is -MDT_EPARSE. The ambiguity of 7 spare zero bits (which read as '@') is thus
 * the caller's to resolve with the length it was given, as TS 23.038 §6.1.2.1.1 intends.
 * septets, cap: output, count bytes. Returns -MDT_EINVAL for fill_bits > 6. */
int gsm_unpack(const uint8_t *packed, size_t octets, size_t count, uint8_t *septets, size_t cap,
               unsigned fill_bits);

/* UCS-2 / UTF-16BE, TS 23.038 §6.2.3 (data_coding 8) ------------------------------------ */

/* Convert UTF-8 to UTF-16 big endian. Characters above U+FFFF (emoji) become surrogate pairs:
 * strictly UCS-2 has none, but every handset since the late 2000s decodes UTF-16.
 * octets: output: octets written (2 per BMP character, 4 per pair). */
int ucs2_from_utf8(const char *utf8, size_t len, uint8_t *out, size_t cap, size_t *octets);

/* Decode UTF-16BE to UTF-8, NUL-terminated. Surrogate pairs decode to their character; an
 * unpaired surrogate or an odd number of octets is -MDT_EPARSE (*len = offset of the bad
 * octet). At most 3 bytes per 2 octets: cap = octets * 3 / 2 + 1 always suffices. */
int ucs2_to_utf8(const uint8_t *ucs2, size_t octets, char *out, size_t cap, size_t *len);

/* ISO-8859-1 (data_coding 3) --------------------------------------------------------------- */

/* Decode Latin-1 to UTF-8, NUL-terminated: byte b is U+00bb (0x80..0x9F are the C1 controls).
 * Never fails on content; cap = 2 * n + 1 always suffices. */
int latin1_to_utf8(const uint8_t *latin1, size_t n, char *out, size_t cap, size_t *len);

/* Incoming SMS --------------------------------------------------------------------------- */

/* What the user data header said (TS 23.040 §9.2.3.24). */
struct sms_udh {
    bool present;  /* udhi was set and the header parsed */
    size_t octets; /* header size, its length byte included (0 when absent) */
    bool concat;   /* a concatenation IE (0x00 or 0x08) was present */
    bool ref16;    /* the reference is 16-bit (IE 0x08, §9.2.3.24.8) */
    uint16_t ref;  /* concatenated message reference */
    uint8_t total; /* number of parts, 1..255 */
    uint8_t seq;   /* this part, 1..total */
};

/* Largest UTF-8 text that sms_decode can write for len input octets, NUL included. */
#define SMS_DECODE_CAP(len) (2 * (len) + 1)

/* Decode the short_message (or message_payload) of a deliver_sm to UTF-8.
 *
 * data_coding (SMPP 3.4 §5.2.19; TS 23.038 §4): 0 (SMSC default, taken as GSM unpacked septets,
 * one per octet), 0xF0..0xF3 (GSM with message class 0..3), 1 (IA5/ASCII, bytes above 0x7F
 * refused), 3 (Latin-1), 8 (UCS-2/UTF-16BE). Anything else (8-bit binary, Cyrillic, Hebrew,
 * compressed, MWI groups) is -MDT_EPARSE "unsupported data_coding 0x..".
 * udhi:  esm_class had UDHI (0x40): data starts with a user data header (length octet, then
 *        IEs). Concatenation IEs 0x00 (8-bit reference) and 0x08 (16-bit) fill udh; other IEs
 *        are skipped; a repeated concatenation IE: the last one counts (§9.2.3.24). The header
 *        is octets, so GSM text after it is unpacked septets with no fill bits.
 * utf8, cap: output, NUL-terminated; SMS_DECODE_CAP(len) always suffices.
 * out_len:   output: bytes written, NUL excluded; 0 on failure (utf8 then "" when cap > 0).
 * udh:       optional output, cleared first; filled when udhi.
 * err:       optional; on failure a message for people, e.g.
 *            "udh element 0x00 at octet 1 overruns the 5-octet header".
 *
 * Returns 0, -MDT_EPARSE (unsupported coding, malformed header or text; the message says which
 * and where) or -MDT_ERANGE (cap too small). Thread-safe; never allocates. */
int sms_decode(uint8_t data_coding, const uint8_t *data, size_t len, bool udhi, char *utf8,
               size_t cap, size_t *out_len, struct sms_udh *udh, struct mdt_err *err);

/* Outgoing SMS (MT) --------------------------------------------------------------------- */

/* Largest short_message sms_part writes: one GSM part of 160 unpacked septets (a multipart GSM
 * part is 6 + 153 octets, a UCS-2 part at most 140). */
#define SMS_PART_OCTETS_MAX 160

/* SMPP data_coding of the text as sent (SMPP 3.4 §5.2.19). */
enum sms_coding {
    SMS_CODING_GSM = 0x00,  /* SMSC default alphabet, configured as GSM 03.38 */
    SMS_CODING_UCS2 = 0x08, /* ISO/IEC 10646, sent as UTF-16BE */
};

/* How sms_plan cut a text. Plain data: copy it freely; it refers to the text by byte offsets
 * only, so the caller keeps the text and passes the same one to sms_part. */
struct sms_plan {
    enum sms_coding coding;
    unsigned parts;                  /* 1..SMS_PARTS_MAX */
    size_t units;                    /* septets (GSM) or UTF-16 units (UCS-2) in the whole text */
    size_t len;                      /* byte length of the text planned */
    size_t start[SMS_PARTS_MAX + 1]; /* byte offset where part i starts; start[parts] == len */
    size_t bad_offset;               /* on -MDT_EPARSE: byte offset of the invalid UTF-8 */
};

/* Decide the coding and the parts of utf8 (len bytes): GSM when every character has a GSM
 * representation, else UCS-2; one part when the text fits in 160 septets / 70 units, else parts
 * of at most 153 septets / 67 units each. Parts are cut on character boundaries, so an
 * extension pair (ESC + code) or a surrogate pair is never split; each part is filled as far as
 * the next character allows. An empty text is one empty GSM part.
 * plan: output. Returns 0, -MDT_EPARSE (invalid UTF-8; plan->bad_offset says where) or
 * -MDT_ERANGE (more than SMS_PARTS_MAX parts). Cost: two passes over the text. */
int sms_plan(const char *utf8, size_t len, struct sms_plan *plan);

/* Write part index (0-based) of a planned text as an SMPP short_message: for a multipart text
 * the concatenation header 05 00 03 ref total seq (§9.2.3.24.1, seq = index + 1), then the
 * payload: GSM as unpacked septets, one per octet (what short_message carries with
 * data_coding 0), or UTF-16BE.
 * utf8, len: the text given to sms_plan (-MDT_EINVAL if len differs).
 * ref:       concatenation reference, the same for every part of one message; the caller
 *            chooses it (e.g. a counter per destination) so that parts of different messages
 *            to one phone do not mix.
 * out, cap:  output; SMS_PART_OCTETS_MAX always suffices. out_len: output, octets written.
 * data_coding, udhi: outputs for the submit_sm (udhi means esm_class |= 0x40).
 * Returns 0, -MDT_EINVAL (index >= parts, text not the planned one), -MDT_ERANGE (cap). */
int sms_part(const struct sms_plan *plan, const char *utf8, size_t len, unsigned index, uint8_t ref,
             uint8_t *out, size_t cap, size_t *out_len, uint8_t *data_coding, bool *udhi);

#endif
