/* SPDX-License-Identifier: Apache-2.0 */
/* A card's PIN set on its page (card_pin.h): the weak PINs refused, the links in memory, the SMS
 * that carries one, and the step that writes the PIN's keyed hash with no wrong tries. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "dialog/card_input.h"
#include "dialog/dialog_int.h"
#include "vault/pin_block.h"
#include "vault/vault.h"

/* ---- weak PINs ---- */

enum card_pin_weakness card_pin_weakness(const char *pin)
{
    int up = 1, down = 1;

    if (pin == NULL || strlen(pin) != CARD_PIN_DIGITS ||
        strspn(pin, "0123456789") != CARD_PIN_DIGITS) {
        return CARD_PIN_NOT_FOUR_DIGITS;
    }
    if (pin[1] == pin[0] && pin[2] == pin[0] && pin[3] == pin[0]) {
        return CARD_PIN_ALL_SAME;
    }
    /* A run up or down, 0 following 9 going up (7890) and 9 following 0 going down (2109). */
    for (size_t i = 1; i < CARD_PIN_DIGITS; i++) {
        int step = (pin[i] - pin[i - 1] + 10) % 10;

        up = up && step == 1;
        down = down && step == 9;
    }
    if (up || down) {
        return CARD_PIN_SEQUENCE;
    }
    if (pin[0] == pin[2] && pin[1] == pin[3]) {
        return CARD_PIN_REPEATED;
    }
    return CARD_PIN_OK;
}

const char *card_pin_weakness_text(enum card_pin_weakness w, bool fr)
{
    switch (w) {
    case CARD_PIN_OK:
        return fr ? "Code PIN accepté." : "PIN accepted.";
    case CARD_PIN_NOT_FOUR_DIGITS:
        return fr ? "Le code PIN a 4 chiffres." : "The PIN has 4 digits.";
    case CARD_PIN_ALL_SAME:
        return fr ? "Code PIN trop simple (chiffres identiques) : choisissez-en un autre."
                  : "PIN too easy (all the same digit): choose another.";
    case CARD_PIN_SEQUENCE:
        return fr ? "Code PIN trop simple (suite de chiffres) : choisissez-en un autre."
                  : "PIN too easy (a run of digits): choose another.";
    case CARD_PIN_REPEATED:
        return fr ? "Code PIN trop simple (motif répété) : choisissez-en un autre."
                  : "PIN too easy (a repeated pattern): choose another.";
    }
    return "";
}

/* ---- the links ---- */

static bool hash_zero(const uint8_t h[SHA256_LEN])
{
    uint8_t acc = 0;

    for (size_t i = 0; i < SHA256_LEN; i++) {
        acc |= h[i];
    }
    return acc == 0;
}

/* The open link of token_hash, or NULL. O(DIALOG_PIN_LINKS_MAX) constant-time compares: a few
 * microseconds per page, for links that are few and short-lived. */
static struct pin_link *link_find(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                                  int64_t now_us)
{
    for (size_t i = 0; i < DIALOG_PIN_LINKS_MAX; i++) {
        struct pin_link *p = &d->pin_links[i];

        if (!hash_zero(p->token_hash) &&
            CRYPTO_memcmp(p->token_hash, token_hash, SHA256_LEN) == 0) {
            return p->expires_us > now_us ? p : NULL;
        }
    }
    return NULL;
}

void dialog_card_pin_decide(struct dialog *d, struct dialog_step *s, const struct card_row *k)
{
    unsigned st = card_status_now(k->status, k->exp_month, k->exp_year, s->now_us);
    struct pin_link *p;

    s->card = *k;
    snprintf(s->card.last4, sizeof(s->card.last4), "%s", k->last4);
    s->action = ACT_CARD_SAY;
    if (st == CARD_STATUS_LOST || st == CARD_STATUS_EXPIRED) {
        s->text_id = TEXT_CARD_PIN_OFF; /* dialog_card_hook says it */
        return;
    }
    p = &d->pin_links[d->pin_link_next];
    memset(p, 0, sizeof(*p));
    if (vault_token_new(d->vault, s->token, p->token_hash) < 0) {
        s->token[0] = '\0';
        dialog_reply_only(s, TEXT_PAGE_NO_RANDOM);
        return;
    }
    d->pin_link_next = (d->pin_link_next + 1) % DIALOG_PIN_LINKS_MAX;
    p->card_account = k->account_id;
    p->expires_us = s->now_us + (int64_t)DIALOG_PIN_LINK_S * 1000000;
    p->lang = (uint16_t)s->lang;
    s->action = ACT_CARD_PIN_LINK;
}

void dialog_card_pin_hook(struct dialog_step *s, struct store_extra *rows, size_t *count,
                          size_t cap)
{
    char link[STORE_URL_MAX + 48], lasts[DIALOG_DURATION_MAX];
    /* The holder's phone when the card has one (the PIN is theirs to know), else the asker. */
    const char *dest = s->card.phone[0] != '\0' ? s->card.phone : NULL;

    snprintf(link, sizeof(link), "%s/p/%s", s->d->cfg.link_base, s->token);
    dialog_duration_format(DIALOG_PIN_LINK_S, s->lang, lasts);
    dialog_reply(s, rows, count, cap, dest, s->lang, TEXT_CARD_PIN_LINK, s->card.last4, link,
                 lasts);
    if (dest != NULL && strcmp(dest, s->phone) != 0) {
        dialog_reply(s, rows, count, cap, NULL, s->lang, TEXT_CARD_PIN_SENT, s->card.last4);
    }
    vault_wipe(link, sizeof(link));
    vault_wipe(s->token, sizeof(s->token));
}

/* ---- the page ---- */

void dialog_card_pin_on_set(struct dialog *d, dialog_card_pin_set_fn fn, void *ctx)
{
    d->pin_set = fn;
    d->pin_set_ctx = ctx;
}

void dialog_card_pin_done(struct dialog *d, const struct card_pin_row *r)
{
    if (d->pin_set != NULL) {
        (void)d->pin_set(d->pin_set_ctx, r);
    }
}

const struct card_row *dialog_card_pin_page(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                                            int64_t now_us, enum lang *lang)
{
    const struct pin_link *p = link_find(d, token_hash, now_us);

    if (p == NULL) {
        return NULL;
    }
    *lang = (enum lang)p->lang;
    return dialog_card_find(d, p->card_account);
}

int dialog_card_pin_set_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *pin,
                            const char *again, int64_t now_us, struct dialog_step **out,
                            struct mdt_err *err)
{
    struct pin_link *p = link_find(d, token_hash, now_us);
    const struct card_row *k = p != NULL ? dialog_card_find(d, p->card_account) : NULL;
    struct card_pin_row *r;
    struct dialog_step *s;
    enum card_pin_weakness w;
    bool fr;

    *out = NULL;
    if (k == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "no open PIN link");
    }
    fr = p->lang == LANG_FR;
    w = card_pin_weakness(pin);
    if (w != CARD_PIN_OK) {
        return mdt_err_set(err, MDT_E(INVAL), "%s", card_pin_weakness_text(w, fr));
    }
    if (strcmp(pin, again) != 0) {
        return mdt_err_set(err, MDT_E(INVAL), "%s",
                           fr ? "Les deux codes PIN tapés diffèrent : tapez-les à nouveau."
                              : "The two PINs typed differ: type them again.");
    }
    s = dialog_step_new_api(d, now_us);
    if (s == NULL) {
        return dialog_page_err(err, MDT_E(IO), (enum lang)p->lang, TEXT_PAGE_NO_RANDOM);
    }
    s->lang = (enum lang)p->lang;
    s->action = ACT_CARD_STATUS;
    s->outcome = OUTCOME_DONE;
    s->card = *k;
    MDT_ASSERT(s->row_count < DIALOG_ROWS_MAX);
    memset(&s->rows[s->row_count], 0, sizeof(s->rows[s->row_count]));
    s->rows[s->row_count].kind = EXTRA_CARD_PIN;
    r = &s->rows[s->row_count++].u.card_pin;
    r->account_id = k->account_id;
    r->failures = 0; /* a card locked by 75 works again */
    r->updated_us = now_us;
    MDT_ASSERT(pin_block_hash(d->vault, k->token, pin, r->pin_hash) == 0);
    memset(p, 0, sizeof(*p)); /* single use */
    *out = s;
    return 0;
}
