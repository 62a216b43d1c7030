/* SPDX-License-Identifier: Apache-2.0 */
/* The enrolment link: after INSCRIPTION a person gets a single-use link to a page where they set
 * their 6-digit code, instead of typing it in an SMS (where it would sit in the phone's message
 * history). The token is 128 random bits; only its keyed hash is kept, with an expiry, on the
 * customer row; using it clears it. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "dialog/dialog_int.h"
#include "vault/vault.h"

void dialog_enrol_link(struct dialog_step *s)
{
    if (vault_token_new(s->d->vault, s->token, s->customer.enrol_hash) < 0) {
        s->token[0] = '\0';
        s->customer.enrol_expires_us = 0;
        return;
    }
    s->customer.enrol_expires_us = s->now_us + (int64_t)DIALOG_ENROL_LINK_S * 1000000;
}

/* The customer whose live link hashes to token_hash, or NULL. */
static struct cust *enrol_find(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                               int64_t now_us)
{
    uint32_t at = dialog_token_find(&d->enrol_tokens, d->custs, sizeof(*d->custs),
                                    offsetof(struct cust, row.enrol_hash), token_hash);
    struct cust *c;

    if (at == 0) {
        return NULL;
    }
    c = &d->custs[at - 1];
    if (c->row.enrol_expires_us <= now_us) {
        return NULL;
    }
    /* The link sets a code only where there is none: it dies once one is set, by any channel
     * (DESIGN.md: the code is knowledge; possession of a link must not replace it). */
    if (c->row.has_pin) {
        return NULL;
    }
    return c;
}

void dialog_enrol_index(struct dialog *d, struct cust *c)
{
    dialog_index_move(&d->enrol_tokens, &c->enrol_key, dialog_token_key(c->row.enrol_hash),
                      c->row.enrol_expires_us != 0, (uint32_t)(c - d->custs) + 1);
}

const char *dialog_enrol_phone(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                               int64_t now_us)
{
    const struct cust *c = enrol_find(d, token_hash, now_us);

    return c != NULL ? c->row.phone : NULL;
}

int dialog_enrol_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *code,
                     int64_t now_us, struct dialog_step **out, struct mdt_err *err)
{
    struct cust *c = enrol_find(d, token_hash, now_us);
    enum pin_weakness w;
    struct dialog_step *s;

    if (c == NULL) {
        return dialog_page_err(err, MDT_E(NOTFOUND), LANG_FR, TEXT_PAGE_LINK_GONE);
    }
    if (c->busy) {
        return dialog_page_err(err, MDT_E(BUSY), (enum lang)c->row.lang, TEXT_PAGE_BUSY);
    }
    w = vault_pin_weakness(code, c->row.phone);
    if (w != PIN_OK) {
        return mdt_err_set(err, MDT_E(INVAL), "%s",
                           vault_pin_weakness_text(w, c->row.lang == LANG_FR));
    }
    s = dialog_step_new_api(d, now_us);
    if (s == NULL) {
        return mdt_err_set(err, MDT_E(IO), "%s",
                           dialog_text(TEXT_PAGE_NO_RANDOM, (enum lang)c->row.lang));
    }
    s->action = ACT_CODE;
    snprintf(s->phone, sizeof(s->phone), "%s", c->row.phone);
    s->lang = (enum lang)c->row.lang;
    s->customer = c->row;
    s->customer_changed = true;
    dialog_code_store(d, s, code); /* kills this link; the lock and its counter stay */
    c->busy = true;
    *out = s;
    return 0;
}
