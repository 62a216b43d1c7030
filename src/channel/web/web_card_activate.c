/* SPDX-License-Identifier: Apache-2.0 */
/* /activate: the public page where a card's holder activates it (issue 13) with the card's
 * number, its expiry and the activation code printed on the card carrier, and a mobile number
 * for receipts when the card has none. The dialog decides as for ACTIVER by SMS (wrong codes
 * count on the card and lock it); the page answers the same for a number no card has, a wrong
 * date and a wrong code, so it never tells whether a card number exists. No link token here:
 * the form's CSRF token is bound to a nonce of the form itself (time and 128 random bits, fresh
 * for WEB_ACTIVATE_FORM_S), and cross-origin posts are refused as on every page. The number is
 * wiped from the request, the form and the stack once its keyed hash is made. */
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/id128.h"
#include "channel/web/web_int.h"
#include "dialog/card_input.h"
#include "dialog/card_ops.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"

/* A form of the page is good this long after it was shown. */
#define WEB_ACTIVATE_FORM_S 1800
/* A form's nonce: "act-<unix seconds>-<32 hex digits>". */
#define WEB_ACTIVATE_NONCE_MAX 64

struct activate_form {
    struct web *w;
    char nonce[WEB_ACTIVATE_NONCE_MAX];
    char csrf[SHA256_HEX_MAX];
    char lang[4];
    char pan[CARD_TEXT_MAX];
    char expiry[16];
    char code[16];
    char phone[PHONE_TEXT_MAX];
};

struct activate_call {
    struct page_call pc; /* first: web_on_close takes it */
    bool fr;
    char phone[PHONE_TEXT_MAX];
};

/* The one answer for every failure that could tell whether a number is a card. */
static const char *wrong_text(bool fr)
{
    return fr ? "Ce numéro de carte, cette date ou ce code d'activation ne correspondent pas. "
                "Après plusieurs essais faux, la carte se bloque : appelez alors le service "
                "client."
              : "This card number, date or activation code do not match. After several wrong "
                "tries the card locks: then call customer service.";
}

static void text_input(struct evbuffer *b, const char *id, const char *label, const char *value,
                       const char *extra)
{
    evbuffer_add_printf(
        b, "<label for=\"%s\">%s</label><input type=\"text\" id=\"%s\" name=\"%s\" value=\"", id,
        label, id, id);
    web_html(b, value);
    evbuffer_add_printf(b, "\" %s>", extra);
}

/* The form, with a fresh nonce; phone: what was typed (kept after a wrong try), note above it.
 * The card number, date and code are never written back. */
static void page_form(struct web *w, struct evhttp_request *req, bool fr, const char *phone,
                      const char *note, int status)
{
    char nonce[WEB_ACTIVATE_NONCE_MAX], hex[ID128_TEXT_MAX], csrf[SHA256_HEX_MAX];
    struct evbuffer *b = evbuffer_new();
    struct id128 r;

    MDT_ASSERT(b != NULL);
    if (id128_random(&r) < 0) {
        evbuffer_free(b);
        web_page_busy(req, fr);
        return;
    }
    id128_format(r, hex);
    snprintf(nonce, sizeof(nonce), "act-%" PRId64 "-%s", clock_now_us() / 1000000, hex);
    web_csrf_token(w, nonce, csrf);
    web_head(b, fr, fr ? "Activer une carte" : "Activate a card");
    evbuffer_add_printf(b, "<h1>%s</h1><p>%s</p>",
                        fr ? "Activer votre carte prépayée" : "Activate your prepaid card",
                        fr ? "Tapez le numéro et la date de la carte, et le code d'activation "
                             "imprimé sur le courrier qui l'accompagne."
                           : "Type the card's number and date, and the activation code printed "
                             "on the letter that came with it.");
    web_note(b, note);
    evbuffer_add_printf(b,
                        "<form method=\"post\" action=\"/activate\" autocomplete=\"off\">"
                        "<input type=\"hidden\" name=\"nonce\" value=\"%s\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<input type=\"hidden\" name=\"lang\" value=\"%s\">",
                        nonce, csrf, fr ? "fr" : "en");
    text_input(b, "pan", fr ? "Numéro de la carte" : "Card number", "",
               "inputmode=\"numeric\" maxlength=\"23\" required autofocus");
    text_input(b, "expiry", fr ? "Date d'expiration (MM/AA)" : "Expiry date (MM/YY)", "",
               "inputmode=\"numeric\" maxlength=\"7\" required");
    evbuffer_add_printf(b,
                        "<label for=\"code\">%s</label>"
                        "<input type=\"password\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
                        "pattern=\"[0-9]{6}\" maxlength=\"6\" required>",
                        fr ? "Code d'activation (6 chiffres)" : "Activation code (6 digits)");
    text_input(b, "phone",
               fr ? "Votre mobile, pour les reçus (facultatif)"
                  : "Your mobile, for receipts (optional)",
               phone, "inputmode=\"tel\" maxlength=\"20\"");
    evbuffer_add_printf(b, "<button type=\"submit\" id=\"activate\">%s</button></form>",
                        fr ? "Activer" : "Activate");
    web_foot(b);
    web_reply(req, status, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

/* Whether nonce is one of ours from the last WEB_ACTIVATE_FORM_S (its CSRF token is checked
 * by the caller: a nonce alone is not proof). */
static bool nonce_fresh(const char *nonce)
{
    long long t = 0;
    int64_t now = clock_now_us() / 1000000;
    int end = 0;

    if (sscanf(nonce, "act-%lld-%n", &t, &end) != 1 || end == 0 ||
        strlen(nonce + end) != ID128_TEXT_MAX - 1) {
        return false;
    }
    return t <= now && now - t <= WEB_ACTIVATE_FORM_S;
}

/* The form's fields (web_form_read's take): good when its nonce is fresh and its CSRF token is
 * the nonce's. */
static bool form_take(const struct evkeyvalq *q, void *ctx)
{
    struct activate_form *f = ctx;
    struct {
        const char *name;
        char *out;
        size_t cap;
    } fields[] = {
        {"nonce", f->nonce, sizeof(f->nonce)},    {"csrf", f->csrf, sizeof(f->csrf)},
        {"lang", f->lang, sizeof(f->lang)},       {"pan", f->pan, sizeof(f->pan)},
        {"expiry", f->expiry, sizeof(f->expiry)}, {"code", f->code, sizeof(f->code)},
        {"phone", f->phone, sizeof(f->phone)},
    };

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        web_form_field(q, fields[i].name, fields[i].out, fields[i].cap);
    }
    return nonce_fresh(f->nonce) && web_csrf_ok(f->w, f->nonce, f->csrf);
}

static void activate_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct activate_call *c = ctx;
    struct evhttp_request *req = c->pc.req;
    struct card_row k;
    char text[256];

    if (req == NULL) {
        goto out;
    }
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    if (rc < 0) {
        web_page_busy(req, c->fr);
    } else if (dialog_step_outcome(s) == OUTCOME_DONE) {
        dialog_card_step_card(s, &k);
        snprintf(text, sizeof(text),
                 c->fr ? "Carte ****%s activée : elle peut être rechargée dès maintenant."
                       : "Card ****%s activated: it can be loaded from now on.",
                 k.last4);
        web_page_message(req, 200, c->fr, c->fr ? "Carte activée" : "Card activated", text, "ok");
    } else {
        page_form(c->pc.w, req, c->fr, c->phone, wrong_text(c->fr), 422);
    }
out:
    vault_wipe(c, sizeof(*c));
    free(c);
}

/* The form's card fields read (card_input.h); a field typed in a form no card has gets its own
 * hint, which says nothing of any card. Returns 0, or -1 with note set. */
static int card_read(struct activate_form *f, bool fr, char pan[CARD_PAN_MAX + 1], unsigned *month,
                     unsigned *year, const char **note)
{
    struct mdt_err err = {0};
    size_t n = strlen(f->code);

    if (card_pan_parse(f->pan, pan, &err) < 0) {
        *note = fr ? "Numéro de carte mal tapé : vérifiez les 16 chiffres."
                   : "Card number mistyped: check the 16 digits.";
        return -1;
    }
    if (card_expiry_parse(f->expiry, month, year, &err) < 0) {
        *note = fr ? "Date mal tapée : le mois et l'année, comme 09/29."
                   : "Date mistyped: the month and year, like 09/29.";
        return -1;
    }
    if (n != 6 || strspn(f->code, "0123456789") != n) {
        *note = fr ? "Le code d'activation a 6 chiffres." : "The activation code has 6 digits.";
        return -1;
    }
    return 0;
}

static void post_activate(struct web *w, struct evhttp_request *req)
{
    struct activate_call *c = calloc(1, sizeof(*c));
    struct activate_form f;
    struct dialog_step *s = NULL;
    char pan[CARD_PAN_MAX + 1] = "";
    const char *note = NULL;
    struct mdt_err err = {0};
    unsigned month = 0, year = 0;
    int rc = -1;

    MDT_ASSERT(c != NULL);
    memset(&f, 0, sizeof(f));
    f.w = w;
    if (!web_form_read(req, form_take, &f)) {
        vault_wipe(&f, sizeof(f));
        free(c);
        web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                         "Rechargez la page et réessayez. Reload the page and try again.", "bad");
        return;
    }
    c->fr = strcmp(f.lang, "en") != 0;
    snprintf(c->phone, sizeof(c->phone), "%s", f.phone);
    if (card_read(&f, c->fr, pan, &month, &year, &note) == 0) {
        struct card_activate_form af = {
            .pan = pan, .exp_month = month, .exp_year = year, .code = f.code, .phone = f.phone};

        rc = dialog_card_activate_web(w->cfg.dialog, &af, c->fr ? LANG_FR : LANG_EN, clock_now_us(),
                                      &s, &err);
        note = err.msg;
    }
    vault_wipe(pan, sizeof(pan));
    vault_wipe(&f, sizeof(f));
    if (rc < 0) {
        page_form(w, req, c->fr, c->phone, note, rc == MDT_E(BUSY) ? 503 : 422);
        free(c);
        return;
    }
    c->pc.w = w;
    c->pc.req = req;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), web_on_close, &c->pc);
    if (w->cfg.submit(w->cfg.submit_ctx, s, c, activate_answered) < 0) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
        web_page_busy(req, c->fr);
        free(c);
    }
}

bool web_card_activate_handle(struct web *w, struct evhttp_request *req, const char *path,
                              enum evhttp_cmd_type m)
{
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

    if (strcmp(path, "/activate") != 0) {
        return false;
    }
    if (m == EVHTTP_REQ_POST) {
        post_activate(w, req);
    } else {
        page_form(w, req, query == NULL || strstr(query, "lang=en") == NULL, "", NULL, 200);
    }
    return true;
}
