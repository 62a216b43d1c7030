/* SPDX-License-Identifier: Apache-2.0 */
/* Secrets in stored messages: a reply's link token (or one-time code) is replaced in its text by
 * a neutral marker and kept beside it sealed by the vault (bound to the row's id), so that neither
 * the outbox nor the WAL ever holds it in clear (DESIGN.md); senders put it back in memory just
 * before sending. */
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"
#include "dialog/dialog_int.h"
#include "vault/vault.h"

#define LINK_TOKEN_LEN (VAULT_TOKEN_MAX - 1)
/* What is sealed: the marker's offset (big-endian) and the secret (a token or a 6-digit code). */
#define SEAL_PLAIN_MAX (2 + LINK_TOKEN_LEN)

_Static_assert(SEAL_PLAIN_MAX + VAULT_SEAL_OVERHEAD <= STORE_SEAL_MAX, "a seal fits a row");
_Static_assert(STORE_TEXT_MAX <= 0xffff, "offsets fit 16 bits");

/* What a seal is bound to: the row's id, so a seal copied into another row (to another number)
 * does not open. */
static void link_aad(const struct outbox_row *o, uint8_t aad[28])
{
    memcpy(aad, "outbox-link:", 12);
    for (int i = 0; i < 8; i++) {
        aad[12 + i] = (uint8_t)(o->id.hi >> (56 - 8 * i));
        aad[20 + i] = (uint8_t)(o->id.lo >> (56 - 8 * i));
    }
}

/* The secret of step s that o's text carries, and where: the link's token, else the one-time
 * code (the first occurrence: both texts name the secret before anything a person chose).
 * NULL when none. */
static const char *secret_in(const struct dialog_step *s, const struct outbox_row *o, char **at)
{
    if (strlen(s->token) == LINK_TOKEN_LEN) {
        *at = strstr(o->text, s->token);
        if (*at != NULL) {
            return s->token;
        }
    }
    if (s->otp[0] != '\0') {
        *at = strstr(o->text, s->otp);
        if (*at != NULL) {
            return s->otp;
        }
    }
    return NULL;
}

static const char *marker_for(size_t secret_len)
{
    return secret_len == LINK_TOKEN_LEN ? DIALOG_LINK_MARKER : DIALOG_CODE_MARKER;
}

void dialog_outbox_seal(struct dialog_step *s, struct outbox_row *o)
{
    uint8_t plain[SEAL_PLAIN_MAX], aad[28];
    char *at = NULL;
    const char *secret = secret_in(s, o, &at);
    size_t off, len, n;
    const char *marker;

    if (secret == NULL) {
        return;
    }
    n = strlen(secret);
    marker = marker_for(n);
    MDT_ASSERT(n <= LINK_TOKEN_LEN && strlen(marker) <= n);
    off = (size_t)(at - o->text);
    len = strlen(o->text);
    plain[0] = (uint8_t)(off >> 8);
    plain[1] = (uint8_t)(off & 0xff);
    memcpy(plain + 2, secret, n);
    link_aad(o, aad);
    if (vault_secret_seal(s->d->vault, aad, sizeof(aad), plain, 2 + n, o->link_seal) == 0) {
        o->link_seal_len = (uint16_t)(2 + n + VAULT_SEAL_OVERHEAD);
    } else {
        /* Never the secret in clear: the message goes without it rather than not at all. */
        log_error("cannot seal the secret of a message: it is sent without it");
    }
    vault_wipe(plain, sizeof(plain));
    memcpy(at, marker, strlen(marker));
    memmove(at + strlen(marker), at + n, len - off - n + 1);
    MDT_ASSERT(strstr(o->text, secret) == NULL || n < LINK_TOKEN_LEN);
}

/* Put the secret of plain (n bytes after the offset) back at its offset in out->text, if the
 * marker is there. */
static int splice(struct outbox_row *out, const uint8_t *plain, size_t n)
{
    size_t off = ((size_t)plain[0] << 8) | plain[1];
    size_t len = strlen(out->text);
    const char *marker = marker_for(n);
    size_t mlen = strlen(marker);
    char *at = out->text + off;

    if (off + mlen > len || memcmp(at, marker, mlen) != 0 || len - mlen + n >= sizeof(out->text)) {
        return MDT_E(CORRUPT);
    }
    memmove(at + n, at + mlen, len - off - mlen + 1);
    memcpy(at, plain + 2, n);
    return 0;
}

int dialog_outbox_open(const struct dialog *d, const struct outbox_row *in, struct outbox_row *out)
{
    uint8_t plain[SEAL_PLAIN_MAX], aad[28];
    size_t n;
    int rc;

    *out = *in;
    out->link_seal_len = 0;
    vault_wipe(out->link_seal, sizeof(out->link_seal));
    if (in->link_seal_len == 0) {
        return 0; /* no secret, or already opened (a row a sender gave back) */
    }
    if (in->link_seal_len <= 2 + VAULT_SEAL_OVERHEAD ||
        in->link_seal_len > sizeof(plain) + VAULT_SEAL_OVERHEAD) {
        return MDT_E(CORRUPT);
    }
    n = in->link_seal_len - VAULT_SEAL_OVERHEAD - 2;
    link_aad(in, aad);
    rc = vault_secret_open(d->vault, aad, sizeof(aad), in->link_seal, in->link_seal_len, plain);
    if (rc == 0) {
        rc = splice(out, plain, n);
    }
    vault_wipe(plain, sizeof(plain));
    return rc;
}
