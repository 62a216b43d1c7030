/* SPDX-License-Identifier: Apache-2.0 */
/* /p/<token>: a prepaid card's holder chooses its PIN for ATMs (issue 15), from the link PIN
 * CARTE or a sender's PIN MAMAN sent by SMS (dialog/card_pin.h). The form asks the 4 digits
 * twice; the dialog refuses weak ones and writes the keyed hash. Same rules as the other pages:
 * single-use 128-bit tokens kept hashed, CSRF tokens bound to the link, no cross-origin posts;
 * the PIN is wiped from the request, the form and the stack once its hash is made, and never
 * written back into a page. */
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "channel/web/web_int.h"
#include "dialog/card_pin.h"
#include "dialog/dialog.h"

struct pin_form {
    char csrf[SHA256_HEX_MAX];
    char pin[16];
    char again[16];
};

struct pin_call {
    struct page_call pc; /* first: web_on_close takes it */
    bool fr;
    char last4[5];
};

static void page_invalid(struct evhttp_request *req)
{
    web_page_message(req, 404, true, "Lien invalide / Invalid link",
                     "Ce lien n'est pas valide ou a déjà servi. This link is not valid or was "
                     "used already.",
                     "bad");
}

static void pin_input(struct evbuffer *b, const char *id, const char *label, bool focus)
{
    evbuffer_add_printf(b,
                        "<label for=\"%s\">%s</label>"
                        "<input type=\"password\" id=\"%s\" name=\"%s\" inputmode=\"numeric\" "
                        "pattern=\"[0-9]{4}\" maxlength=\"4\" required%s>",
                        id, label, id, id, focus ? " autofocus" : "");
}

/* The form for the card ****last4; note: a line above it. */
static void page_form(struct web *w, struct evhttp_request *req, const char *token, bool fr,
                      const char *last4, const char *note, int status)
{
    char csrf[SHA256_HEX_MAX];
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    web_head(b, fr, fr ? "Code PIN de la carte" : "Card PIN");
    evbuffer_add_printf(b, "<h1>%s ****", fr ? "Code PIN de la carte" : "PIN of card");
    web_html(b, last4);
    evbuffer_add_printf(b, "</h1><p>%s</p>",
                        fr ? "Choisissez les 4 chiffres à taper au distributeur. Évitez 1234, "
                             "0000 et les dates."
                           : "Choose the 4 digits to type at the cash machine. Avoid 1234, 0000 "
                             "and dates.");
    web_note(b, note);
    web_csrf_token(w, token, csrf);
    evbuffer_add_printf(b,
                        "<form method=\"post\" action=\"/p/%s\" autocomplete=\"off\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                        token, csrf);
    pin_input(b, "pin", fr ? "Nouveau code PIN (4 chiffres)" : "New PIN (4 digits)", true);
    pin_input(b, "again", fr ? "Le même, encore une fois" : "The same once more", false);
    evbuffer_add_printf(b, "<button type=\"submit\" id=\"set\">%s</button></form>",
                        fr ? "Enregistrer" : "Save");
    web_foot(b);
    web_reply(req, status, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

/* The link's card: its last four into last4 and its language; false when the link is not open. */
static bool find(struct web *w, const char *token, uint8_t hash[32], char last4[5], bool *fr)
{
    const struct card_row *k;
    enum lang lang = LANG_FR;

    if (vault_token_check(w->cfg.vault, token, hash) < 0) {
        return false;
    }
    k = dialog_card_pin_page(w->cfg.dialog, hash, clock_now_us(), &lang);
    if (k == NULL) {
        return false;
    }
    snprintf(last4, 5, "%s", k->last4);
    *fr = lang == LANG_FR;
    return true;
}

static void get_pin(struct web *w, struct evhttp_request *req, const char *token)
{
    uint8_t hash[32];
    char last4[5] = "";
    bool fr = true;

    if (!find(w, token, hash, last4, &fr)) {
        page_invalid(req);
        return;
    }
    page_form(w, req, token, fr, last4, NULL, 200);
}

struct form_ctx {
    struct web *w;
    const char *token;
    struct pin_form *f;
};

/* The form's fields (web_form_read's take): good when its CSRF token is the link's. */
static bool form_take(const struct evkeyvalq *q, void *ctx)
{
    struct form_ctx *x = ctx;

    web_form_field(q, "csrf", x->f->csrf, sizeof(x->f->csrf));
    web_form_field(q, "pin", x->f->pin, sizeof(x->f->pin));
    web_form_field(q, "again", x->f->again, sizeof(x->f->again));
    return web_csrf_ok(x->w, x->token, x->f->csrf);
}

static void pin_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct pin_call *c = ctx;
    struct evhttp_request *req = c->pc.req;
    char text[160];

    (void)s;
    if (req == NULL) {
        goto out;
    }
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    if (rc < 0) {
        web_page_busy(req, c->fr);
        goto out;
    }
    snprintf(text, sizeof(text),
             c->fr ? "Code PIN de la carte ****%s enregistré : il sert dès maintenant au "
                     "distributeur."
                   : "PIN of card ****%s saved: it works at cash machines from now on.",
             c->last4);
    web_page_message(req, 200, c->fr, c->fr ? "Code PIN enregistré" : "PIN saved", text, "ok");
out:
    free(c);
}

static void post_pin(struct web *w, struct evhttp_request *req, const char *token)
{
    struct pin_form f;
    struct pin_call *c;
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    uint8_t hash[32];
    char last4[5] = "";
    bool fr = true;
    int rc;

    if (!find(w, token, hash, last4, &fr)) {
        page_invalid(req);
        return;
    }
    memset(&f, 0, sizeof(f));
    if (!web_form_read(req, form_take, &(struct form_ctx){.w = w, .token = token, .f = &f})) {
        vault_wipe(&f, sizeof(f));
        web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                         "Rechargez la page et réessayez. Reload the page and try again.", "bad");
        return;
    }
    rc = dialog_card_pin_set_web(w->cfg.dialog, hash, f.pin, f.again, clock_now_us(), &s, &err);
    vault_wipe(&f, sizeof(f));
    if (rc == MDT_E(INVAL)) {
        page_form(w, req, token, fr, last4, err.msg, 422);
        return;
    }
    if (rc < 0) {
        page_invalid(req);
        return;
    }
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->fr = fr;
    snprintf(c->last4, sizeof(c->last4), "%s", last4);
    c->pc.w = w;
    c->pc.req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), web_on_close, &c->pc);
    if (w->cfg.submit(w->cfg.submit_ctx, s, c, pin_answered) < 0) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
        web_page_busy(req, fr);
        free(c);
    }
}

bool web_card_pin_handle(struct web *w, struct evhttp_request *req, const char *path,
                         enum evhttp_cmd_type m)
{
    if (strncmp(path, "/p/", 3) != 0 || strchr(path + 3, '/') != NULL) {
        return false;
    }
    if (m == EVHTTP_REQ_POST) {
        post_pin(w, req, path + 3);
    } else {
        get_pin(w, req, path + 3);
    }
    return true;
}
