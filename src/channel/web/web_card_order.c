/* SPDX-License-Identifier: Apache-2.0 */
/* /k/<token>: a card ordered on a wallet page (issue 13). The page shows the price and takes
 * the holder's name, their phone (optional), the sender's name for the card (MAMAN) and the
 * sender's code; the dialog checks it all (dialog/card_order.h), the price is paid, and the
 * card is issued by the step after: the page then says its masked number and that it will be
 * sent. Same rules as the other pages: single-use 128-bit tokens, CSRF tokens bound to the
 * link, no cross-origin posts; the code is wiped from the request once read. No card number
 * ever passes here: the last four digits at most. */
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/money.h"
#include "channel/web/web_int.h"
#include "dialog/card_order.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"

/* The form as typed: kept for the page shown again after a wrong code (but the code). */
struct order_form {
    char csrf[SHA256_HEX_MAX];
    char holder[64];
    char phone[PHONE_TEXT_MAX];
    char alias[STORE_CARD_ALIAS_MAX + 8];
    char code[16];
};

struct order_call {
    struct page_call pc; /* first: web_on_close takes it */
    struct order_form f;
    struct card_order_row order;
};

static void price_of(const struct card_order_row *r, bool fr, char out[MONEY_FORMAT_MAX])
{
    const struct currency *cur = currency_find(r->currency);

    if (cur == NULL ||
        money_format(r->price_minor, cur, fr ? LANG_FR : LANG_EN, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "%lld", (long long)r->price_minor);
    }
}

static void text_input(struct evbuffer *b, const char *id, const char *label, const char *value,
                       const char *extra)
{
    evbuffer_add_printf(b, "<label for=\"%s\">%s</label><input id=\"%s\" name=\"%s\" value=\"", id,
                        label, id, id);
    web_html(b, value);
    evbuffer_add_printf(b, "\" %s>", extra);
}

/* The order form; f: what was typed (NULL: nothing yet), note: a line above it. */
static void page_form(struct web *w, struct evhttp_request *req, const char *token,
                      const struct card_order_row *r, const struct order_form *f, const char *note)
{
    bool fr = r->lang == LANG_FR;
    char price[MONEY_FORMAT_MAX], csrf[SHA256_HEX_MAX];
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    price_of(r, fr, price);
    web_head(b, fr, fr ? "Commander une carte" : "Order a card");
    evbuffer_add_printf(b, "<h1>%s</h1><p class=\"amount\" id=\"amount\">",
                        fr ? "Commander une carte prépayée" : "Order a prepaid card");
    web_html(b, price);
    evbuffer_add_printf(b, "</p><dl><dt>%s</dt><dd>%s", fr ? "Payé" : "Paid",
                        fr ? "depuis votre compte" : "from your wallet");
    web_time_left(b, fr, r->expires_us);
    web_note(b, note);
    web_csrf_token(w, token, csrf);
    evbuffer_add_printf(b,
                        "<form method=\"post\" action=\"/k/%s\" autocomplete=\"off\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                        token, csrf);
    text_input(b, "holder",
               fr ? "Nom du titulaire (comme sur la carte)" : "Holder's name (as on the card)",
               f != NULL ? f->holder : "", "maxlength=\"26\" required autofocus");
    text_input(b, "phone", fr ? "Mobile du titulaire (facultatif)" : "Holder's mobile (optional)",
               f != NULL ? f->phone : "", "inputmode=\"tel\" maxlength=\"20\"");
    text_input(b, "alias",
               fr ? "Nom de la carte pour vous (ex. MAMAN)" : "Your name for the card (e.g. MUM)",
               f != NULL ? f->alias : "", "maxlength=\"15\" required");
    evbuffer_add_printf(b,
                        "<label for=\"code\">%s</label>"
                        "<input type=\"password\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
                        "pattern=\"[0-9]{6}\" maxlength=\"6\" required>"
                        "<button type=\"submit\" id=\"order\">%s ",
                        fr ? "Votre code secret à 6 chiffres" : "Your 6-digit secret code",
                        fr ? "Commander et payer" : "Order and pay");
    web_html(b, price);
    evbuffer_add_printf(b, "</button></form>");
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

/* Where an order stands once paid. */
static void page_state(struct evhttp_request *req, const struct card_order_row *r)
{
    bool fr = r->lang == LANG_FR;
    char text[256];

    if (r->state == CARD_ORDER_ISSUED) {
        snprintf(text, sizeof(text),
                 fr ? "Carte ****%s commandée pour %s : elle vous sera envoyée. À son arrivée, le "
                      "titulaire l'active avec ACTIVER. Un SMS vous le confirme."
                    : "Card ****%s ordered for %s: it will be sent to you. When it arrives, the "
                      "holder activates it with ACTIVATE. An SMS confirms it.",
                 r->card_last4, r->alias);
        web_page_message(req, 200, fr, fr ? "Carte commandée" : "Card ordered", text, "ok");
        return;
    }
    web_page_message(req, 202, fr, fr ? "Carte en préparation" : "Card being issued",
                     fr ? "Paiement reçu : votre carte est en préparation. Rechargez cette page "
                          "dans un instant pour voir son numéro masqué."
                        : "Payment received: your card is being issued. Reload this page in a "
                          "moment to see its masked number.",
                     "wait");
}

static void page_invalid(struct evhttp_request *req)
{
    web_page_message(req, 404, true, "Lien invalide / Invalid link",
                     "Ce lien n'est pas valide. This link is not valid.", "bad");
}

/* The order of token, or NULL. hash gets the token's keyed hash. */
static const struct card_order_row *find(struct web *w, const char *token, uint8_t hash[32])
{
    if (vault_token_check(w->cfg.vault, token, hash) < 0) {
        return NULL;
    }
    return dialog_card_order_by_token(w->cfg.dialog, hash, clock_now_us());
}

static void get_order(struct web *w, struct evhttp_request *req, const char *token)
{
    uint8_t hash[32];
    const struct card_order_row *r = find(w, token, hash);

    if (r == NULL) {
        page_invalid(req);
    } else if (r->state == CARD_ORDER_OPEN) {
        page_form(w, req, token, r, NULL, NULL);
    } else {
        page_state(req, r);
    }
}

/* The form's fields (web_form_read's take): good when its CSRF token is the link's. */
struct form_ctx {
    struct web *w;
    const char *token;
    struct order_form *f;
};

static bool form_take(const struct evkeyvalq *q, void *ctx)
{
    struct form_ctx *x = ctx;
    struct order_form *f = x->f;

    web_form_field(q, "csrf", f->csrf, sizeof(f->csrf));
    web_form_field(q, "holder", f->holder, sizeof(f->holder));
    web_form_field(q, "phone", f->phone, sizeof(f->phone));
    web_form_field(q, "alias", f->alias, sizeof(f->alias));
    web_form_field(q, "code", f->code, sizeof(f->code));
    return web_csrf_ok(x->w, x->token, f->csrf);
}

static void order_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct order_call *c = ctx;
    struct evhttp_request *req = c->pc.req;
    bool fr = c->order.lang == LANG_FR;
    char text[256];

    if (req == NULL) {
        goto out;
    }
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    if (rc < 0) {
        web_page_busy(req, fr);
        goto out;
    }
    switch (dialog_step_outcome(s)) {
    case OUTCOME_DONE:
        c->order.state = CARD_ORDER_PAID;
        page_state(req, &c->order);
        break;
    case OUTCOME_WRONG_CODE:
        web_wrong_code_text(s, fr, text, sizeof(text));
        page_form(c->pc.w, req, c->pc.token, &c->order, &c->f, text);
        break;
    case OUTCOME_LOCKED:
        web_page_locked(req, fr, false);
        break;
    case OUTCOME_SUSPENDED:
        web_page_suspended(req, fr);
        break;
    default:
        snprintf(text, sizeof(text),
                 fr ? "Refusé (%s) : rien n'a été débité, aucune carte commandée."
                    : "Refused (%s): nothing was taken, no card ordered.",
                 ledger_reason_name(dialog_step_reason(s)));
        web_page_message(req, 409, fr, fr ? "Refusé" : "Refused", text, "bad");
        break;
    }
out:
    vault_wipe(c, sizeof(*c));
    free(c);
}

static void post_order(struct web *w, struct evhttp_request *req, const char *token)
{
    uint8_t hash[32];
    const struct card_order_row *r = find(w, token, hash);
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct order_call *c;
    int rc;

    if (r == NULL || r->state != CARD_ORDER_OPEN) {
        get_order(w, req, token); /* a form sent again: where the first one stands */
        return;
    }
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->order = *r;
    if (!web_form_read(req, form_take, &(struct form_ctx){.w = w, .token = token, .f = &c->f})) {
        free(c);
        web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                         "Rechargez la page et réessayez. Reload the page and try again.", "bad");
        return;
    }
    rc = dialog_card_order_pay_web(
        w->cfg.dialog, hash,
        &(struct card_order_form){
            .holder = c->f.holder, .phone = c->f.phone, .alias = c->f.alias, .code = c->f.code},
        clock_now_us(), &s, &err);
    vault_wipe(c->f.code, sizeof(c->f.code));
    if (rc == MDT_E(INVAL)) {
        page_form(w, req, token, &c->order, &c->f, err.msg);
    } else if (rc == MDT_E(NOTFOUND)) {
        get_order(w, req, token);
    } else if (rc < 0) {
        web_page_message(req, 503, c->order.lang == LANG_FR, "Réessayez / Try again", err.msg,
                         "bad");
    }
    if (rc < 0) {
        free(c);
        return;
    }
    c->pc.w = w;
    c->pc.req = req;
    snprintf(c->pc.token, sizeof(c->pc.token), "%s", token);
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), web_on_close, &c->pc);
    if (w->cfg.submit(w->cfg.submit_ctx, s, c, order_answered) < 0) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
        web_page_busy(req, c->order.lang == LANG_FR);
        free(c);
    }
}

bool web_card_order_handle(struct web *w, struct evhttp_request *req, const char *path,
                           enum evhttp_cmd_type m)
{
    if (strncmp(path, "/k/", 3) != 0 || strchr(path + 3, '/') != NULL) {
        return false;
    }
    if (m == EVHTTP_REQ_POST) {
        post_order(w, req, path + 3);
    } else {
        get_order(w, req, path + 3);
    }
    return true;
}
