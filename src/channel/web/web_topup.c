/* SPDX-License-Identifier: Apache-2.0 */
/* /t/<token>: a wallet's top-up, or a prepaid card's reload (RECHARGE MAMAN 100 CB without a card
 * on file), by bank card (issue 13). The page shows the amount (and a reload's card and fees) and
 * takes the card number, expiry date and security code; the post reads them with card_input.h, puts
 * the code in the vault's CVV pool and hands the card to the top-up flow (channel/acquirer),
 * then shows the result: credited, declined with the reason in words, or being checked. The
 * card's digits are read from the request into local buffers, the request's own copy is wiped,
 * and nothing here ever writes them anywhere else: no log, no error text, no page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/money.h"
#include "channel/acquirer/topup_flow.h"
#include "channel/web/web_int.h"
#include "dialog/card_input.h"
#include "dialog/dialog.h"
#include "dialog/dialog_text.h"
#include "dialog/topup.h"
#include "vault/card_vault.h"

/* The fields of the form, as typed (a card number with blanks is about 23 characters). */
#define TOPUP_FIELD_MAX CARD_TEXT_MAX

struct topup_call {
    struct web *w;
    struct evhttp_request *req; /* NULL once the client left */
    char token[VAULT_TOKEN_MAX];
};

static void amount_of(const struct card_topup_row *r, int64_t v, bool fr,
                      char out[MONEY_FORMAT_MAX])
{
    const struct currency *cur = currency_find(r->currency);

    if (cur == NULL || money_format(v, cur, fr ? LANG_FR : LANG_EN, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "%lld", (long long)v);
    }
}

/* What a card's reload costs, in one line: "Recharge de la carte MAMAN ****4242 : 100,00 € +
 * frais 6,00 € + 0,50 €" (the SMS order fee, marked when the operator bills it, not the card). */
static void reload_line(struct evbuffer *b, const struct card_topup_row *r, bool fr)
{
    char amount[MONEY_FORMAT_MAX], fee[MONEY_FORMAT_MAX], order[MONEY_FORMAT_MAX];
    char line[STORE_CARD_ALIAS_MAX + 3 * MONEY_FORMAT_MAX + 96];
    bool billed = dialog_topup_charge(r) < r->amount_minor + r->fee_minor + r->order_fee_minor;

    amount_of(r, r->amount_minor, fr, amount);
    amount_of(r, r->fee_minor, fr, fee);
    amount_of(r, r->order_fee_minor, fr, order);
    snprintf(line, sizeof(line),
             fr ? "Recharge de la carte %s ****%s : %s + frais %s"
                : "Reload of card %s ****%s: %s + fee %s",
             r->card_alias, r->card_target_last4, amount, fee);
    evbuffer_add_printf(b, "<p id=\"reload\">");
    web_html(b, line);
    if (r->order_fee_minor > 0) {
        snprintf(line, sizeof(line), " + %s%s", order,
                 !billed ? ""
                 : fr    ? " (SMS, sur votre facture mobile)"
                         : " (SMS, on your phone bill)");
        web_html(b, line);
    }
    evbuffer_add_printf(b, "</p>");
}

/* The card form; note: a line above it (a typing error, a refusal). */
static void page_form(struct web *w, struct evhttp_request *req, const char *token,
                      const struct card_topup_row *r, const char *note)
{
    bool fr = r->lang == LANG_FR;
    bool card = r->card_account != 0;
    char amount[MONEY_FORMAT_MAX], csrf[SHA256_HEX_MAX];
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    amount_of(r, dialog_topup_charge(r), fr, amount);
    web_head(b, fr,
             card ? (fr ? "Recharger une carte" : "Reload a card")
                  : (fr ? "Alimenter votre compte" : "Top up your wallet"));
    evbuffer_add_printf(
        b, "<h1>%s</h1>",
        card ? (fr ? "Recharger une carte par carte bancaire" : "Reload a card by bank card")
             : (fr ? "Alimenter votre compte par carte" : "Top up by bank card"));
    if (card) {
        reload_line(b, r, fr);
    }
    evbuffer_add_printf(b, "<p class=\"amount\" id=\"amount\">");
    web_html(b, amount);
    evbuffer_add_printf(b, "</p><dl><dt>%s</dt><dd>%s", fr ? "Moyen" : "With",
                        fr ? "Carte bancaire (CB, Visa, Mastercard)"
                           : "Bank card (CB, Visa, Mastercard)");
    web_time_left(b, fr, r->expires_us);
    web_note(b, note);
    web_csrf_token(w, token, csrf);
    evbuffer_add_printf(
        b,
        "<form method=\"post\" action=\"/t/%s\">"
        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
        "<label for=\"pan\">%s</label><input id=\"pan\" name=\"pan\" inputmode=\"numeric\" "
        "autocomplete=\"cc-number\" maxlength=\"23\" required autofocus>"
        "<label for=\"exp\">%s</label><input id=\"exp\" name=\"exp\" autocomplete=\"cc-exp\" "
        "maxlength=\"7\" placeholder=\"%s\" required>"
        "<label for=\"cvv\">%s</label><input type=\"password\" id=\"cvv\" name=\"cvv\" "
        "inputmode=\"numeric\" autocomplete=\"cc-csc\" maxlength=\"4\" required>"
        "<label class=\"check\"><input type=\"checkbox\" id=\"keep\" name=\"keep\" value=\"1\"> "
        "%s</label>"
        "<button type=\"submit\" id=\"pay\">%s ",
        token, csrf, fr ? "Numéro de carte" : "Card number",
        fr ? "Date d'expiration" : "Expiry date", fr ? "MM/AA" : "MM/YY",
        fr ? "Code de sécurité (au dos)" : "Security code (on the back)",
        fr ? "Garder cette carte pour mes prochaines recharges par SMS"
           : "Keep this card for later reloads by SMS",
        fr ? "Payer" : "Pay");
    web_html(b, amount);
    evbuffer_add_printf(b, "</button></form><p class=\"muted\">%s</p>",
                        fr ? "Le numéro de votre carte n'est gardé, chiffré, que si vous cochez "
                             "la case (CB OUBLIER par SMS l'efface) ; son code de sécurité ne "
                             "l'est jamais : il est effacé dès la réponse de la banque."
                           : "Your card number is kept, encrypted, only if you tick the box (CARD "
                             "FORGET by SMS erases it); its security code never is: it is wiped "
                             "as soon as the bank answers.");
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

/* Where a top-up stands once its card was typed. */
static void page_state(struct evhttp_request *req, const struct card_topup_row *r)
{
    bool fr = r->lang == LANG_FR;
    char amount[MONEY_FORMAT_MAX], text[256];

    amount_of(r, r->amount_minor, fr, amount);
    switch (r->state) {
    case TOPUP_CREDITED:
        if (r->card_account != 0) {
            snprintf(text, sizeof(text),
                     fr ? "La carte ****%s est rechargée de %s. Un reçu vous est envoyé par SMS."
                        : "Card ****%s reloaded with %s. A receipt is on its way by SMS.",
                     r->card_target_last4, amount);
            web_page_message(req, 200, fr, fr ? "Paiement accepté" : "Payment approved", text,
                             "ok");
            break;
        }
        snprintf(text, sizeof(text),
                 fr ? "Votre compte est alimenté de %s. Un reçu vous est envoyé par SMS."
                    : "%s added to your wallet. A receipt is on its way by SMS.",
                 amount);
        web_page_message(req, 200, fr, fr ? "Paiement accepté" : "Payment approved", text, "ok");
        break;
    case TOPUP_DECLINED:
        amount_of(r, dialog_topup_charge(r), fr, amount); /* what was asked, as the SMS says */
        snprintf(text, sizeof(text),
                 fr ? "Paiement de %s refusé : %s. Rien n'a été débité."
                    : "Payment of %s declined: %s. Nothing was taken.",
                 amount, dialog_topup_reason(r->code, fr ? LANG_FR : LANG_EN));
        web_page_message(req, 200, fr, fr ? "Paiement refusé" : "Payment declined", text, "bad");
        break;
    case TOPUP_REFUNDED:
        amount_of(r, dialog_topup_charge(r), fr, amount);
        snprintf(text, sizeof(text),
                 fr ? "Le crédit n'a pas pu être fait (limite atteinte ou carte bloquée) : vos %s "
                      "sont remboursés sur votre carte bancaire."
                    : "The credit could not be made (a limit reached or the card blocked): your "
                      "%s are refunded to your bank card.",
                 amount);
        web_page_message(req, 200, fr, fr ? "Paiement remboursé" : "Payment refunded", text, "bad");
        break;
    case TOPUP_CHECKING:
        snprintf(text, sizeof(text),
                 fr ? "Paiement de %s en cours de vérification : le résultat vous sera envoyé "
                      "par SMS."
                    : "Payment of %s being checked: we will text you the result.",
                 amount);
        web_page_message(req, 202, fr, fr ? "Vérification en cours" : "Being checked", text,
                         "wait");
        break;
    default:
        web_page_message(req, 202, fr, fr ? "Paiement en cours" : "Payment in progress",
                         fr ? "Votre paiement est en cours : rechargez cette page dans un instant."
                            : "Your payment is in progress: reload this page in a moment.",
                         "wait");
        break;
    }
}

static void page_invalid(struct evhttp_request *req)
{
    web_page_message(req, 404, true, "Lien invalide / Invalid link",
                     "Ce lien n'est pas valide. This link is not valid.", "bad");
}

/* The top-up of token, or NULL (the page then says so). hash gets the token's keyed hash. */
static const struct card_topup_row *find(struct web *w, const char *token, uint8_t hash[32])
{
    if (w->cfg.topup == NULL || vault_token_check(w->cfg.vault, token, hash) < 0) {
        return NULL;
    }
    return dialog_topup_by_token(w->cfg.dialog, hash, clock_now_us());
}

static void get_topup(struct web *w, struct evhttp_request *req, const char *token)
{
    uint8_t hash[32];
    const struct card_topup_row *r = find(w, token, hash);

    if (r == NULL) {
        page_invalid(req);
    } else if (r->state == TOPUP_OPEN) {
        page_form(w, req, token, r, NULL);
    } else {
        page_state(req, r);
    }
}

/* One field of an application/x-www-form-urlencoded body, percent-decoded into out (cap bytes
 * with NUL); false when absent or too long. Reads only body: no copy of the value anywhere
 * else (libevent's parser would leave one in freed memory). */
static bool form_field(const char *body, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name), o = 0;
    const char *p = body;

    while (p != NULL && !(strncmp(p, name, nl) == 0 && p[nl] == '=')) {
        p = strchr(p, '&');
        p = p != NULL ? p + 1 : NULL;
    }
    if (p == NULL) {
        return false;
    }
    for (p += nl + 1; *p != '\0' && *p != '&'; p++) {
        unsigned v = 0;
        char c = *p;

        if (o + 1 >= cap) {
            vault_wipe(out, cap);
            return false;
        }
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && sscanf(p + 1, "%2x", &v) == 1 && p[1] != '\0' && p[2] != '\0') {
            c = (char)v;
            p += 2;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* The form's fields, each into its buffer, and whether the keep box was ticked; the request's
 * body is wiped in place. */
static int read_card_form(struct evhttp_request *req, char *pan, char *exp, char *cvv, char *csrf,
                          bool *keep)
{
    char box[4];

    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char body[WEB_FORM_MAX + 1];
    unsigned char *raw;
    int rc = -1;

    if (len > WEB_FORM_MAX) {
        return -1;
    }
    raw = evbuffer_pullup(in, -1);
    if (raw != NULL) {
        memcpy(body, raw, len);
        vault_wipe(raw, len); /* libevent's copy of the card */
    }
    body[raw != NULL ? len : 0] = '\0';
    if (form_field(body, "pan", pan, TOPUP_FIELD_MAX) &&
        form_field(body, "exp", exp, TOPUP_FIELD_MAX) &&
        form_field(body, "cvv", cvv, TOPUP_FIELD_MAX) &&
        form_field(body, "csrf", csrf, SHA256_HEX_MAX)) {
        rc = 0;
    }
    *keep = form_field(body, "keep", box, sizeof(box)) && strcmp(box, "1") == 0;
    vault_wipe(body, sizeof(body));
    return rc;
}

/* TEXT_TOPUP_CAP's format comes from the text table (dialog_text.h, checked there). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void on_paid(void *ctx, const struct topup_flow_result *r)
{
    struct topup_call *c = ctx;
    struct evhttp_request *req = c->req;
    bool fr = r->topup.lang == LANG_FR;
    char cap[MONEY_FORMAT_MAX], room[MONEY_FORMAT_MAX], text[256];

    if (req == NULL) {
        goto out;
    }
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    if (r->rc < 0) {
        web_page_message(req, 503, fr, fr ? "Réessayez" : "Try again", r->err.msg, "bad");
    } else if (r->refused && r->topup.card_account != 0) {
        amount_of(&r->topup, r->room_minor, fr, room);
        snprintf(text, sizeof(text), dialog_text(TEXT_CARD_YEAR_CAP, fr ? LANG_FR : LANG_EN),
                 r->topup.card_target_last4, room);
        web_page_message(req, 403, fr, fr ? "Montant trop élevé" : "Amount too high", text, "bad");
    } else if (r->refused) {
        amount_of(&r->topup, r->cap_minor, fr, cap);
        amount_of(&r->topup, r->room_minor, fr, room);
        snprintf(text, sizeof(text), dialog_text(TEXT_TOPUP_CAP, fr ? LANG_FR : LANG_EN), cap,
                 room);
        web_page_message(req, 403, fr, fr ? "Montant trop élevé" : "Amount too high", text, "bad");
    } else {
        page_state(req, &r->topup);
    }
out:
    free(c);
}
#pragma GCC diagnostic pop

static void topup_call_closed(struct evhttp_connection *conn, void *arg)
{
    struct topup_call *c = arg;

    (void)conn;
    c->req = NULL;
}

/* What the page says of a field it could not read, in the person's language; never what was
 * typed. */
static const char *card_note(int field, bool fr)
{
    static const char *const fr_text[] = {
        "Ce numéro de carte contient une erreur de frappe : vérifiez les 16 chiffres.",
        "Date d'expiration non reconnue : écrivez-la comme sur la carte, par exemple 09/28.",
        "Le code de sécurité a 3 chiffres, au dos de la carte (4 au recto d'une American "
        "Express)."};
    static const char *const en_text[] = {
        "This card number has a typing error: check the 16 digits.",
        "Expiry date not recognised: write it as on the card, for example 09/28.",
        "The security code is the 3 digits on the back of the card (4 on the front of an "
        "American Express)."};

    return fr ? fr_text[field] : en_text[field];
}

/* The card read and handed over; *field says which one could not be read (0 the number, 1 the
 * expiry, 2 the code) when the return is -MDT_EPARSE. */
static int card_pay(struct web *w, const uint8_t hash[32], struct topup_call *c, char *pan_text,
                    char *exp_text, char *cvv_text, bool keep, int *field, struct mdt_err *err)
{
    char pan[CARD_PAN_MAX + 1], cvv[CARD_CVV_MAX + 1];
    unsigned month = 0, year = 0;
    uint32_t slot = 0;
    int rc = card_pan_parse(pan_text, pan, err);

    *field = 0;
    if (rc == 0) {
        *field = 1;
        rc = card_expiry_parse(exp_text, &month, &year, err);
    }
    if (rc == 0) {
        *field = 2;
        rc = card_cvv_parse(cvv_text, cvv, err);
    }
    if (rc == 0 && card_cvv_take(cvv, &slot) < 0) {
        rc = mdt_err_set(err, MDT_E(FULL), "busy: try again in a moment");
    }
    if (rc == 0) {
        rc = topup_flow_pay(w->cfg.topup, hash, pan, month, year, slot, keep, on_paid, c, err);
    }
    vault_wipe(pan, sizeof(pan));
    vault_wipe(cvv, sizeof(cvv));
    return rc;
}

static void post_topup(struct web *w, struct evhttp_request *req, const char *token)
{
    char pan[TOPUP_FIELD_MAX], exp[TOPUP_FIELD_MAX], cvv[TOPUP_FIELD_MAX], csrf[SHA256_HEX_MAX];
    uint8_t hash[32];
    const struct card_topup_row *r = find(w, token, hash);
    struct mdt_err err = {0};
    struct topup_call *c;
    int rc, field = 0;
    bool keep = false;

    if (r == NULL || r->state != TOPUP_OPEN) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        unsigned char *raw = evbuffer_pullup(in, -1);

        if (raw != NULL) {
            vault_wipe(raw, evbuffer_get_length(in)); /* a card typed for nothing */
        }
        get_topup(w, req, token); /* a second click: where the first one stands */
        return;
    }
    if (!web_same_origin(req) || read_card_form(req, pan, exp, cvv, csrf, &keep) < 0 ||
        !web_csrf_ok(w, token, csrf)) {
        vault_wipe(pan, sizeof(pan));
        vault_wipe(cvv, sizeof(cvv));
        web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                         "Rechargez la page et réessayez. Reload the page and try again.", "bad");
        return;
    }
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->w = w;
    c->req = req;
    snprintf(c->token, sizeof(c->token), "%s", token);
    rc = card_pay(w, hash, c, pan, exp, cvv, keep, &field, &err);
    vault_wipe(pan, sizeof(pan));
    vault_wipe(exp, sizeof(exp));
    vault_wipe(cvv, sizeof(cvv));
    if (rc == MDT_E(PARSE) || rc == MDT_E(INVAL)) {
        free(c);
        page_form(w, req, token, r, card_note(field, r->lang == LANG_FR));
    } else if (rc == MDT_E(BUSY)) {
        free(c);
        page_state(req, r); /* a second click while the first is under way */
    } else if (rc == MDT_E(NOTFOUND)) {
        free(c);
        get_topup(w, req, token);
    } else if (rc < 0) {
        free(c);
        web_page_message(req, 503, r->lang == LANG_FR, "Réessayez / Try again", err.msg, "bad");
    } else {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), topup_call_closed, c);
    }
}

bool web_topup_handle(struct web *w, struct evhttp_request *req, const char *path,
                      enum evhttp_cmd_type m)
{
    if (strncmp(path, "/t/", 3) != 0 || strchr(path + 3, '/') != NULL) {
        return false;
    }
    if (w->cfg.topup == NULL) {
        page_invalid(req);
    } else if (m == EVHTTP_REQ_POST) {
        post_topup(w, req, path + 3);
    } else {
        get_topup(w, req, path + 3);
    }
    return true;
}
