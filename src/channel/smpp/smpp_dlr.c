/* SPDX-License-Identifier: Apache-2.0 */
/* SMPP 3.4 delivery receipt text (Appendix B): the parser of smpp_dlr_parse. Bounded, for text
 * from the SMSC; no allocation. */
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "channel/smpp/smpp_pdu.h"

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
