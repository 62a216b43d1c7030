/* SPDX-License-Identifier: Apache-2.0 */
/* SMS text coding: GSM 7-bit default alphabet and extension table (3GPP TS 23.038), 7-bit
 * packing, UCS-2/UTF-16BE, Latin-1, the user data header (TS 23.040 §9.2.3.24), decoding by SMPP
 * data_coding and the splitting of outgoing text into concatenated parts. */
#include "channel/smpp/gsm.h"

#include <string.h>

/* TS 23.038 §6.2.1: the default alphabet, septet -> Unicode code point. 0x1B is the escape to
 * the extension table and has no character of its own: 0xFFFF there, never read (the lookups
 * skip GSM_ESC and the decoder handles it first). */

static const uint16_t gsm_basic[128] = {
    0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, /* @ £ $ ¥ è é ù ì */
    0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5, /* ò Ç LF Ø ø CR Å å */
    0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, /* Δ _ Φ Γ Λ Ω Π Ψ */
    0x03A3, 0x0398, 0x039E, 0xFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9, /* Σ Θ Ξ ESC Æ æ ß É */
    0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, /* SP ! " # ¤ % & ' */
    0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F, /* ( ) * + , - . / */
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, /* 0 .. 7 */
    0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F, /* 8 9 : ; < = > ? */
    0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* ¡ A .. G */
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, /* H .. O */
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, /* P .. W */
    0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7, /* X Y Z Ä Ö Ñ Ü § */
    0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* ¿ a .. g */
    0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F, /* h .. o */
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, /* p .. w */
    0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, /* x y z ä ö ñ ü à */
};

/* TS 23.038 §6.2.1.1: the extension table, reached by ESC. 0x0A is the page break, shown as a
 * line feed by phones without the extension mechanism; we map it to U+000C FORM FEED. */
struct gsm_ext_entry {
    uint8_t code;
    uint16_t cp;
};

static const struct gsm_ext_entry gsm_ext[] = {
    {0x0A, 0x000C}, {0x14, 0x005E}, {0x28, 0x007B}, {0x29, 0x007D}, {0x2F, 0x005C},
    {0x3C, 0x005B}, {0x3D, 0x007E}, {0x3E, 0x005D}, {0x40, 0x007C}, {0x65, 0x20AC},
};

#define GSM_EXT_COUNT_ (sizeof(gsm_ext) / sizeof(gsm_ext[0]))
_Static_assert(GSM_EXT_COUNT_ == 10, "TS 23.038 §6.2.1.1 defines 10 extension characters");

/* gsm_code() result: a basic septet (0..0x7F), GSM_EXT_ | code for an extension character, or
 * GSM_NONE_ when the character has no GSM representation. */
#define GSM_EXT_ 0x100
#define GSM_NONE_ (-1)

/* Concatenation information elements, TS 23.040 §9.2.3.24.1 and §9.2.3.24.8. */
#define UDH_IEI_CONCAT8 0x00
#define UDH_IEI_CONCAT16 0x08

_Static_assert(SMS_UDH_CONCAT_OCTETS + SMS_GSM_PART_MAX <= SMS_PART_OCTETS_MAX, "GSM part");
_Static_assert(SMS_UDH_CONCAT_OCTETS + 2 * SMS_UCS2_PART_MAX <= SMS_PART_OCTETS_MAX, "UCS-2");
_Static_assert(SMS_GSM_SINGLE_MAX <= SMS_PART_OCTETS_MAX, "single GSM part");
_Static_assert(SMS_PARTS_MAX >= 2 && SMS_PARTS_MAX <= 255, "the 8-bit total field");

/* A bounded writer: counts every byte offered, stores those that fit. Lets each converter
 * report the size it needs when the caller's buffer is too small, in the same pass. */
struct sink {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

static void sink_put(struct sink *s, uint8_t b)
{
    if (s->len < s->cap) {
        s->buf[s->len] = b;
    }
    s->len++;
}

/* RFC 3629 §3: cp is a valid scalar value (checked by utf8_next or by the tables). */
static void sink_utf8(struct sink *s, uint32_t cp)
{
    if (cp < 0x80) {
        sink_put(s, (uint8_t)cp);
    } else if (cp < 0x800) {
        sink_put(s, (uint8_t)(0xC0 | (cp >> 6)));
        sink_put(s, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        sink_put(s, (uint8_t)(0xE0 | (cp >> 12)));
        sink_put(s, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        sink_put(s, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        sink_put(s, (uint8_t)(0xF0 | (cp >> 18)));
        sink_put(s, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
        sink_put(s, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        sink_put(s, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

/* Finish UTF-8 text: NUL-terminate when it fits (the NUL needs one byte beyond the text),
 * else leave "" and report the text length needed. */
static int sink_text_end(const struct sink *s, size_t *len)
{
    *len = s->len;
    if (s->len >= s->cap) {
        if (s->cap > 0) {
            s->buf[0] = '\0';
        }
        return MDT_E(RANGE);
    }
    s->buf[s->len] = '\0';
    return 0;
}

/* Finish binary output: every byte must have fitted. */
static int sink_bin_end(const struct sink *s, size_t *len)
{
    *len = s->len;
    return s->len > s->cap ? MDT_E(RANGE) : 0;
}

/* Decode one scalar value at s[*pos] (strict UTF-8, RFC 3629 §3-4: shortest form only, no
 * surrogates, nothing above U+10FFFF) and advance *pos. Returns 0, or -1 leaving *pos at the
 * offending lead byte. */
static int utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *cp)
{
    size_t i = *pos;
    uint8_t lead = s[i];
    size_t need;
    uint32_t c;
    uint32_t min;

    if (lead < 0x80) {
        *cp = lead;
        *pos = i + 1;
        return 0;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 1;
        c = lead & 0x1Fu;
        min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        c = lead & 0x0Fu;
        min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        c = lead & 0x07u;
        min = 0x10000;
    } else {
        return -1;
    }
    if (len - i - 1 < need) {
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            return -1;
        }
        c = (c << 6) | (s[i + k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return -1;
    }
    *cp = c;
    *pos = i + 1 + need;
    return 0;
}

/* GSM representation of cp (see GSM_EXT_, GSM_NONE_). Most ASCII sits at its own code in GSM,
 * which the first test catches; the rest is a linear search of 138 entries. */
static int gsm_code(uint32_t cp)
{
    if (cp < 0x80 && gsm_basic[cp] == cp) {
        return (int)cp;
    }
    for (int i = 0; i < 128; i++) {
        if (i != GSM_ESC && gsm_basic[i] == cp) {
            return i;
        }
    }
    for (size_t i = 0; i < GSM_EXT_COUNT_; i++) {
        if (gsm_ext[i].cp == cp) {
            return GSM_EXT_ | gsm_ext[i].code;
        }
    }
    return GSM_NONE_;
}

/* Character after ESC, TS 23.038 §6.2.1.1 and its notes: ESC ESC shows a space; a code absent
 * from the extension table shows its base character. */
static uint32_t gsm_ext_decode(uint8_t code)
{
    if (code == GSM_ESC) {
        return 0x20;
    }
    for (size_t i = 0; i < GSM_EXT_COUNT_; i++) {
        if (gsm_ext[i].code == code) {
            return gsm_ext[i].cp;
        }
    }
    return gsm_basic[code];
}

int gsm_from_utf8(const char *utf8, size_t len, uint8_t *septets, size_t cap, size_t *n, bool *fits)
{
    const uint8_t *s = (const uint8_t *)utf8;
    struct sink out = {septets, cap, 0};
    bool all = true;
    size_t pos = 0;

    if ((utf8 == NULL && len > 0) || (septets == NULL && cap > 0) || n == NULL || fits == NULL) {
        return MDT_E(INVAL);
    }
    *fits = false;
    while (pos < len) {
        size_t at = pos;
        uint32_t cp;
        int code;

        if (utf8_next(s, len, &pos, &cp) != 0) {
            *n = at;
            return MDT_E(PARSE);
        }
        if (!all) {
            continue; /* only validating the rest */
        }
        code = gsm_code(cp);
        if (code == GSM_NONE_) {
            all = false;
        } else if ((code & GSM_EXT_) != 0) {
            sink_put(&out, GSM_ESC);
            sink_put(&out, (uint8_t)(code & 0x7F));
        } else {
            sink_put(&out, (uint8_t)code);
        }
    }
    if (!all) {
        *n = 0;
        return 0;
    }
    *fits = true;
    return sink_bin_end(&out, n);
}

int gsm_to_utf8(const uint8_t *septets, size_t n, char *out, size_t cap, size_t *len)
{
    struct sink text = {(uint8_t *)out, cap, 0};

    if ((septets == NULL && n > 0) || (out == NULL && cap > 0) || len == NULL) {
        return MDT_E(INVAL);
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = septets[i];

        if (c > 0x7F) {
            *len = i;
            return MDT_E(PARSE);
        }
        if (c != GSM_ESC) {
            sink_utf8(&text, gsm_basic[c]);
        } else if (i + 1 == n) {
            sink_put(&text, 0x20); /* a final ESC: what phones without extensions show */
        } else if (septets[i + 1] > 0x7F) {
            *len = i + 1;
            return MDT_E(PARSE);
        } else {
            i++;
            sink_utf8(&text, gsm_ext_decode(septets[i]));
        }
    }
    return sink_text_end(&text, len);
}

/* TS 23.038 §6.1.2.1.1: septet i occupies bits fill + 7i .. fill + 7i + 6 of the packed
 * stream, counted from bit 0 of the first octet; a septet starting at bit 2..7 of an octet
 * spills its high bits into the next one. */
int gsm_pack(const uint8_t *septets, size_t n, uint8_t *out, size_t cap, size_t *octets,
             unsigned fill_bits)
{
    size_t need;

    if ((septets == NULL && n > 0) || (out == NULL && cap > 0) || octets == NULL || fill_bits > 6) {
        return MDT_E(INVAL);
    }
    for (size_t i = 0; i < n; i++) {
        if (septets[i] > 0x7F) {
            return MDT_E(INVAL);
        }
    }
    need = gsm_packed_octets(n, fill_bits);
    *octets = need;
    if (need > cap) {
        return MDT_E(RANGE);
    }
    memset(out, 0, need);
    for (size_t i = 0; i < n; i++) {
        size_t bit = fill_bits + 7 * i;
        unsigned shift = (unsigned)(bit % 8);

        out[bit / 8] |= (uint8_t)(septets[i] << shift);
        if (shift > 1) {
            out[bit / 8 + 1] |= (uint8_t)(septets[i] >> (8 - shift));
        }
    }
    return 0;
}

int gsm_unpack(const uint8_t *packed, size_t octets, size_t count, uint8_t *septets, size_t cap,
               unsigned fill_bits)
{
    if ((packed == NULL && octets > 0) || (septets == NULL && cap > 0) || fill_bits > 6) {
        return MDT_E(INVAL);
    }
    if (count > SIZE_MAX / 8 || octets != gsm_packed_octets(count, fill_bits)) {
        return MDT_E(PARSE);
    }
    if (count > cap) {
        return MDT_E(RANGE);
    }
    for (size_t i = 0; i < count; i++) {
        size_t bit = fill_bits + 7 * i;
        unsigned shift = (unsigned)(bit % 8);
        unsigned v = (unsigned)packed[bit / 8] >> shift;

        if (shift > 1) {
            v |= (unsigned)packed[bit / 8 + 1] << (8 - shift);
        }
        septets[i] = (uint8_t)(v & 0x7F);
    }
    return 0;
}

/* UTF-16BE code unit. */
static void sink_be16(struct sink *s, uint32_t unit)
{
    sink_put(s, (uint8_t)(unit >> 8));
    sink_put(s, (uint8_t)(unit & 0xFF));
}

int ucs2_from_utf8(const char *utf8, size_t len, uint8_t *out, size_t cap, size_t *octets)
{
    const uint8_t *s = (const uint8_t *)utf8;
    struct sink bin = {out, cap, 0};
    size_t pos = 0;

    if ((utf8 == NULL && len > 0) || (out == NULL && cap > 0) || octets == NULL) {
        return MDT_E(INVAL);
    }
    while (pos < len) {
        size_t at = pos;
        uint32_t cp;

        if (utf8_next(s, len, &pos, &cp) != 0) {
            *octets = at;
            return MDT_E(PARSE);
        }
        if (cp < 0x10000) {
            sink_be16(&bin, cp);
        } else {
            /* RFC 2781 §2.1: a surrogate pair carries the 20 bits above U+FFFF. */
            sink_be16(&bin, 0xD800 + ((cp - 0x10000) >> 10));
            sink_be16(&bin, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        }
    }
    return sink_bin_end(&bin, octets);
}

int ucs2_to_utf8(const uint8_t *ucs2, size_t octets, char *out, size_t cap, size_t *len)
{
    struct sink text = {(uint8_t *)out, cap, 0};

    if ((ucs2 == NULL && octets > 0) || (out == NULL && cap > 0) || len == NULL) {
        return MDT_E(INVAL);
    }
    if (octets % 2 != 0) {
        *len = octets - 1;
        return MDT_E(PARSE);
    }
    for (size_t i = 0; i < octets; i += 2) {
        uint32_t unit = ((uint32_t)ucs2[i] << 8) | ucs2[i + 1];
        uint32_t low;

        if (unit < 0xD800 || unit > 0xDFFF) {
            sink_utf8(&text, unit);
            continue;
        }
        /* RFC 2781 §2.2: a high surrogate must be followed by a low one. */
        if (unit > 0xDBFF || octets - i < 4) {
            *len = i;
            return MDT_E(PARSE);
        }
        low = ((uint32_t)ucs2[i + 2] << 8) | ucs2[i + 3];
        if (low < 0xDC00 || low > 0xDFFF) {
            *len = i;
            return MDT_E(PARSE);
        }
        sink_utf8(&text, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
    }
    return sink_text_end(&text, len);
}

int latin1_to_utf8(const uint8_t *latin1, size_t n, char *out, size_t cap, size_t *len)
{
    struct sink text = {(uint8_t *)out, cap, 0};

    if ((latin1 == NULL && n > 0) || (out == NULL && cap > 0) || len == NULL) {
        return MDT_E(INVAL);
    }
    for (size_t i = 0; i < n; i++) {
        sink_utf8(&text, latin1[i]);
    }
    return sink_text_end(&text, len);
}

/* IA5 (ITU-T T.50 International Reference Version, i.e. ASCII): 7-bit only. */
static int ia5_to_utf8(const uint8_t *ia5, size_t n, char *out, size_t cap, size_t *len)
{
    struct sink text = {(uint8_t *)out, cap, 0};

    for (size_t i = 0; i < n; i++) {
        if (ia5[i] > 0x7F) {
            *len = i;
            return MDT_E(PARSE);
        }
        sink_put(&text, ia5[i]);
    }
    return sink_text_end(&text, len);
}

/* Concatenation IE at octet `at` of the header, its data `d` of `dl` octets: 0x00 is ref (8 bit),
 * total, seq (§9.2.3.24.1); 0x08 is ref (16 bit, big endian), total, seq (§9.2.3.24.8). Parts
 * are numbered from 1 and 0 total is reserved: both are errors. */
static int udh_concat(uint8_t iei, const uint8_t *d, unsigned dl, size_t at, struct sms_udh *udh,
                      struct mdt_err *err)
{
    unsigned want = iei == UDH_IEI_CONCAT8 ? 3 : 4;
    uint8_t total;
    uint8_t seq;

    if (dl != want) {
        return mdt_err_set(err, MDT_E(PARSE),
                           "udh concatenation element 0x%02x at octet %zu has length %u, not %u",
                           iei, at, dl, want);
    }
    total = d[want - 2];
    seq = d[want - 1];
    if (total == 0) {
        return mdt_err_set(err, MDT_E(PARSE),
                           "udh concatenation element 0x%02x at octet %zu says 0 parts", iei, at);
    }
    if (seq == 0 || seq > total) {
        return mdt_err_set(err, MDT_E(PARSE),
                           "udh concatenation element 0x%02x at octet %zu: part %u of %u", iei, at,
                           (unsigned)seq, (unsigned)total);
    }
    udh->concat = true;
    udh->ref16 = iei == UDH_IEI_CONCAT16;
    udh->ref = udh->ref16 ? (uint16_t)((d[0] << 8) | d[1]) : d[0];
    udh->total = total;
    udh->seq = seq;
    return 0;
}

/* TS 23.040 §9.2.3.24: UDHL, then IEs (IEI, IEDL, IEDL octets) filling exactly UDHL octets.
 * The loop visits at most 127 IEs (UDHL <= 255, 2 octets each at least). */
static int udh_parse(const uint8_t *data, size_t len, struct sms_udh *udh, struct mdt_err *err)
{
    size_t end;
    size_t pos = 1;

    if (len == 0) {
        return mdt_err_set(err, MDT_E(PARSE), "udh indicator set but the message is empty");
    }
    end = 1 + (size_t)data[0];
    if (end > len) {
        return mdt_err_set(err, MDT_E(PARSE), "udh length %u exceeds the %zu octets after it",
                           (unsigned)data[0], len - 1);
    }
    while (pos < end) {
        uint8_t iei = data[pos];
        unsigned iedl;
        int rc;

        if (end - pos < 2) {
            return mdt_err_set(err, MDT_E(PARSE),
                               "udh element 0x%02x at octet %zu has no length octet", iei, pos);
        }
        iedl = data[pos + 1];
        if (iedl > end - pos - 2) {
            return mdt_err_set(err, MDT_E(PARSE),
                               "udh element 0x%02x at octet %zu (%u octets) overruns the "
                               "%zu-octet header",
                               iei, pos, iedl, end);
        }
        if (iei == UDH_IEI_CONCAT8 || iei == UDH_IEI_CONCAT16) {
            /* A repeated IE: the last occurrence is the one used (§9.2.3.24). */
            rc = udh_concat(iei, data + pos + 2, iedl, pos, udh, err);
            if (rc != 0) {
                return rc;
            }
        }
        pos += 2 + iedl;
    }
    udh->present = true;
    udh->octets = end;
    return 0;
}

/* TS 23.038 §4 coding groups as SMPP 3.4 §5.2.19 lists them; 0xF0..0xF3 are the data coding /
 * message class group with bit 2 clear (GSM default alphabet), classes 0 to 3. */
static bool coding_is_gsm(uint8_t dc)
{
    return dc == 0x00 || (dc >= 0xF0 && dc <= 0xF3);
}

static bool coding_supported(uint8_t dc)
{
    return coding_is_gsm(dc) || dc == 0x01 || dc == 0x03 || dc == 0x08;
}

/* Decode the text after the header; on -MDT_EPARSE *len is the offset of the bad octet within
 * body, on -MDT_ERANGE the text length needed. */
static int decode_body(uint8_t dc, const uint8_t *body, size_t n, char *out, size_t cap,
                       size_t *len)
{
    if (coding_is_gsm(dc)) {
        return gsm_to_utf8(body, n, out, cap, len);
    }
    if (dc == 0x01) {
        return ia5_to_utf8(body, n, out, cap, len);
    }
    if (dc == 0x03) {
        return latin1_to_utf8(body, n, out, cap, len);
    }
    return ucs2_to_utf8(body, n, out, cap, len);
}

/* Turn decode_body's failure into a message that says what and where (offsets count from the
 * start of data, header included). */
static int decode_error(int rc, uint8_t dc, const uint8_t *data, size_t len, size_t off, size_t got,
                        size_t cap, struct mdt_err *err)
{
    size_t at = off + got;

    if (rc == MDT_E(RANGE)) {
        return mdt_err_set(err, rc, "decoded text needs %zu bytes and a NUL, buffer has %zu", got,
                           cap);
    }
    if (rc != MDT_E(PARSE)) {
        return mdt_err_set(err, rc, "cannot decode data_coding 0x%02x", (unsigned)dc);
    }
    if (coding_is_gsm(dc)) {
        return mdt_err_set(err, rc, "octet 0x%02x at offset %zu is not a GSM septet",
                           (unsigned)data[at], at);
    }
    if (dc == 0x01) {
        return mdt_err_set(err, rc, "octet 0x%02x at offset %zu is not IA5 (ASCII)",
                           (unsigned)data[at], at);
    }
    if ((len - off) % 2 != 0) {
        return mdt_err_set(err, rc, "UCS-2 text has an odd length (%zu octets)", len - off);
    }
    return mdt_err_set(err, rc, "unpaired UTF-16 surrogate 0x%02x%02x at offset %zu",
                       (unsigned)data[at], (unsigned)data[at + 1], at);
}

int sms_decode(uint8_t data_coding, const uint8_t *data, size_t len, bool udhi, char *utf8,
               size_t cap, size_t *out_len, struct sms_udh *udh, struct mdt_err *err)
{
    struct sms_udh local;
    struct sms_udh *h = udh != NULL ? udh : &local;
    size_t off = 0;
    size_t got = 0;
    int rc = 0;

    if ((data == NULL && len > 0) || (utf8 == NULL && cap > 0) || out_len == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "sms_decode: NULL argument");
    }
    memset(h, 0, sizeof(*h));
    if (!coding_supported(data_coding)) {
        rc =
            mdt_err_set(err, MDT_E(PARSE), "unsupported data_coding 0x%02x", (unsigned)data_coding);
        goto out;
    }
    if (udhi) {
        rc = udh_parse(data, len, h, err);
        if (rc != 0) {
            goto out;
        }
        off = h->octets;
    }
    /* data is NULL only when len is 0, and then off is 0 too: no offset from NULL. */
    rc = decode_body(data_coding, data == NULL ? data : data + off, len - off, utf8, cap, &got);
    if (rc != 0) {
        rc = decode_error(rc, data_coding, data, len, off, got, cap, err);
        goto out;
    }
    *out_len = got;
out:
    if (rc != 0) {
        *out_len = 0;
        if (cap > 0) {
            utf8[0] = '\0';
        }
    }
    return rc;
}

/* Units a character takes in a coding: septets (1, or 2 for ESC + code) or UTF-16 units
 * (1, or 2 for a surrogate pair). code is gsm_code(cp), unused for UCS-2. */
static size_t char_units(enum sms_coding coding, uint32_t cp, int code)
{
    if (coding == SMS_CODING_GSM) {
        return (code & GSM_EXT_) != 0 ? 2 : 1;
    }
    return cp > 0xFFFF ? 2 : 1;
}

/* First pass: validate, choose the coding, count units. */
static int plan_scan(const uint8_t *s, size_t len, struct sms_plan *plan)
{
    bool gsm = true;
    size_t septets = 0;
    size_t units16 = 0;
    size_t pos = 0;

    while (pos < len) {
        size_t at = pos;
        uint32_t cp;
        int code = GSM_NONE_;

        if (utf8_next(s, len, &pos, &cp) != 0) {
            plan->bad_offset = at;
            return MDT_E(PARSE);
        }
        if (gsm) {
            code = gsm_code(cp);
            gsm = code != GSM_NONE_;
            septets += char_units(SMS_CODING_GSM, cp, code);
        }
        units16 += char_units(SMS_CODING_UCS2, cp, code);
    }
    plan->coding = gsm ? SMS_CODING_GSM : SMS_CODING_UCS2;
    plan->units = gsm ? septets : units16;
    return 0;
}

/* Second pass for a multipart text: greedy cut on character boundaries, so that an ESC pair or
 * a surrogate pair always lands whole in one part. */
static int plan_cut(const uint8_t *s, size_t len, struct sms_plan *plan)
{
    size_t per = plan->coding == SMS_CODING_GSM ? SMS_GSM_PART_MAX : SMS_UCS2_PART_MAX;
    size_t fill = 0;
    size_t pos = 0;

    if (plan->units > per * SMS_PARTS_MAX) {
        return MDT_E(RANGE); /* cheap early refusal; the loop checks exactly */
    }
    while (pos < len) {
        size_t at = pos;
        uint32_t cp = 0;
        size_t w;

        if (utf8_next(s, len, &pos, &cp) != 0) {
            return MDT_E(PARSE); /* unreachable: plan_scan validated the text */
        }
        w = char_units(plan->coding, cp, plan->coding == SMS_CODING_GSM ? gsm_code(cp) : 0);
        if (fill + w > per) {
            if (plan->parts == SMS_PARTS_MAX) {
                return MDT_E(RANGE);
            }
            plan->start[plan->parts] = at;
            plan->parts++;
            fill = 0;
        }
        fill += w;
    }
    return 0;
}

int sms_plan(const char *utf8, size_t len, struct sms_plan *plan)
{
    const uint8_t *s = (const uint8_t *)utf8;
    size_t single;
    int rc;

    if ((utf8 == NULL && len > 0) || plan == NULL) {
        return MDT_E(INVAL);
    }
    memset(plan, 0, sizeof(*plan));
    plan->len = len;
    plan->parts = 1;
    rc = plan_scan(s, len, plan);
    if (rc != 0) {
        return rc;
    }
    single = plan->coding == SMS_CODING_GSM ? SMS_GSM_SINGLE_MAX : SMS_UCS2_SINGLE_MAX;
    if (plan->units > single) {
        rc = plan_cut(s, len, plan);
        if (rc != 0) {
            return rc;
        }
    }
    plan->start[plan->parts] = len;
    return 0;
}

/* Encode one part's slice of the text into out (after the header, if any); a slice that no
 * longer encodes as planned means the caller changed the text: -MDT_EINVAL. */
static int part_payload(const struct sms_plan *plan, const char *slice, size_t slen, uint8_t *out,
                        size_t cap, size_t *n)
{
    size_t per = plan->parts == 1 ? SMS_GSM_SINGLE_MAX : SMS_GSM_PART_MAX;
    bool fits = false;
    int rc;

    if (plan->coding == SMS_CODING_GSM) {
        rc = gsm_from_utf8(slice, slen, out, cap, n, &fits);
        if (rc == 0 && !fits) {
            rc = MDT_E(INVAL); /* the text changed since sms_plan */
        }
    } else {
        per = 2 * (plan->parts == 1 ? SMS_UCS2_SINGLE_MAX : SMS_UCS2_PART_MAX);
        rc = ucs2_from_utf8(slice, slen, out, cap, n);
    }
    if (rc == MDT_E(PARSE) || (rc == 0 && *n > per)) {
        rc = MDT_E(INVAL); /* same: a planned slice is valid and within its part */
    }
    return rc;
}

int sms_part(const struct sms_plan *plan, const char *utf8, size_t len, unsigned index, uint8_t ref,
             uint8_t *out, size_t cap, size_t *out_len, uint8_t *data_coding, bool *udhi)
{
    size_t o = 0;
    size_t n = 0;
    size_t from;
    int rc;

    if (plan == NULL || (utf8 == NULL && len > 0) || (out == NULL && cap > 0) || out_len == NULL ||
        data_coding == NULL || udhi == NULL || plan->len != len || plan->parts == 0 ||
        plan->parts > SMS_PARTS_MAX || index >= plan->parts) {
        return MDT_E(INVAL);
    }
    from = plan->start[index];
    if (from > plan->start[index + 1] || plan->start[index + 1] > len) {
        return MDT_E(INVAL);
    }
    if (plan->parts > 1) {
        /* TS 23.040 §9.2.3.24.1: UDHL 5, IEI 0x00, IEDL 3, ref, total, seq. */
        const uint8_t udh[SMS_UDH_CONCAT_OCTETS] = {
            5, UDH_IEI_CONCAT8, 3, ref, (uint8_t)plan->parts, (uint8_t)(index + 1)};

        o = SMS_UDH_CONCAT_OCTETS;
        if (cap < o) {
            *out_len = o;
            return MDT_E(RANGE);
        }
        memcpy(out, udh, o);
    }
    rc = part_payload(plan, utf8 == NULL ? utf8 : utf8 + from, plan->start[index + 1] - from,
                      out == NULL ? out : out + o, cap - o, &n);
    *out_len = o + n;
    if (rc != 0) {
        return rc;
    }
    *data_coding = (uint8_t)plan->coding;
    *udhi = plan->parts > 1;
    return 0;
}
