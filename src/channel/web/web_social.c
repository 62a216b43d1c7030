/* SPDX-License-Identifier: Apache-2.0 */
/* The wallet pages of the social channel. /link/<token>: after "@mandat ouvrir", the person
 * proves a phone number with a one-time code sent by SMS, then types their wallet's code (or
 * chooses one for a new wallet), and the social account is linked. /o/<token>: an order made by
 * a post, confirmed with the code; the code is typed here, never in public. Same rules as the
 * other pages: 128-bit single-use tokens, CSRF tokens bound to the link, no cross-origin posts. */
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "channel/web/web_int.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"

/* One form's fields, all optional but the CSRF token. */
struct form {
    char csrf[SHA256_HEX_MAX];
    char step[16];
    char phone[PHONE_TEXT_MAX];
    char otp[16];
    char code[16];
    char again[16];
    bool show_name;
};

/* A call waiting for a step, with what its answer page needs. */
struct social_call {
    struct page_call pc; /* first: web_on_close takes it */
    struct order_view order;
    char note[MDT_ERR_MSG_MAX];
    bool fr;
    bool otp_step; /* the phone form: the answer is the code form */
};

static void field(struct evkeyvalq *q, const char *name, char *out, size_t cap)
{
    const char *v = evhttp_find_header(q, name);

    out[0] = '\0';
    if (v != NULL && strlen(v) < cap) {
        snprintf(out, cap, "%s", v);
    }
}

static void form_wipe(struct form *f)
{
    vault_wipe(f, sizeof(*f));
}

/* Read and check the form: false when it is too long, lacks its CSRF token or comes from
 * another site (the caller answers 403). */
static bool form_read(struct web *w, struct evhttp_request *req, const char *token, struct form *f)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char body[WEB_FORM_MAX + 1];
    struct evkeyvalq q = {0};
    bool ok = false;

    memset(f, 0, sizeof(*f));
    if (len > WEB_FORM_MAX || !web_same_origin(req)) {
        return false;
    }
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    if (evhttp_parse_query_str(body, &q) == 0) {
        field(&q, "csrf", f->csrf, sizeof(f->csrf));
        field(&q, "step", f->step, sizeof(f->step));
        field(&q, "phone", f->phone, sizeof(f->phone));
        field(&q, "otp", f->otp, sizeof(f->otp));
        field(&q, "code", f->code, sizeof(f->code));
        field(&q, "again", f->again, sizeof(f->again));
        f->show_name = evhttp_find_header(&q, "show_name") != NULL;
        ok = web_csrf_ok(w, token, f->csrf);
    }
    evhttp_clear_headers(&q);
    vault_wipe(body, sizeof(body));
    return ok;
}

static void refused(struct evhttp_request *req)
{
    web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                     "Rechargez la page et réessayez. Reload the page and try again.", "bad");
}

static void busy(struct evhttp_request *req, bool fr)
{
    web_page_message(req, 503, fr, fr ? "Réessayez" : "Try again",
                     fr ? "Le service est occupé : réessayez dans un instant."
                        : "The service is busy: try again in a moment.",
                     "bad");
}

static void note_line(struct evbuffer *b, const char *note)
{
    if (note != NULL && note[0] != '\0') {
        evbuffer_add_printf(b, "<p class=\"bad\" id=\"note\">");
        web_html(b, note);
        evbuffer_add_printf(b, "</p>");
    }
}

static const uint8_t *token_hash(struct web *w, const char *token, uint8_t out[SHA256_LEN])
{
    return vault_token_check(w->cfg.vault, token, out) == 0 ? out : NULL;
}

/* Submit s; done shows the answer. Answers 503 itself when the engine is full. */
static void submit(struct web *w, struct evhttp_request *req, const char *token,
                   struct dialog_step *s, struct social_call *c,
                   void (*done)(void *ctx, int rc, const struct dialog_step *s))
{
    c->pc.w = w;
    c->pc.req = req;
    snprintf(c->pc.token, sizeof(c->pc.token), "%s", token);
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), web_on_close, &c->pc);
    if (w->cfg.submit(w->cfg.submit_ctx, s, c, done) < 0) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
        busy(req, c->fr);
        free(c);
    }
}

/* The request of a finished call, or NULL when the client left. */
static struct evhttp_request *answered_req(struct social_call *c)
{
    struct evhttp_request *req = c->pc.req;

    if (req != NULL) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    }
    return req;
}

/* ---- /link/<token> ---- */

static void link_invalid(struct evhttp_request *req)
{
    web_page_message(req, 404, true, "Lien invalide / Invalid link",
                     "Ce lien a déjà servi ou a expiré : écrivez-nous « ouvrir » à nouveau. This "
                     "link was used or expired: post \"open\" to us again.",
                     "bad");
}

static void page_link_row(struct web *w, struct evhttp_request *req, const char *token,
                          const struct social_link_row *r, bool wallet, const char *note);

static void page_link(struct web *w, struct evhttp_request *req, const char *token,
                      const char *note)
{
    uint8_t h[SHA256_LEN];
    bool wallet = false;
    const struct social_link_row *r =
        token_hash(w, token, h) != NULL ? dialog_link_get(w->cfg.dialog, h, clock_now_us(), &wallet)
                                        : NULL;

    page_link_row(w, req, token, r, wallet, note);
}

/* The page for the account as r says (the step's row, before the dialog's memory has it). */
static void page_link_row(struct web *w, struct evhttp_request *req, const char *token,
                          const struct social_link_row *r, bool wallet, const char *note)
{
    struct evbuffer *b;
    char csrf[SHA256_HEX_MAX], who[STORE_ADDR_MAX], masked[PHONE_MASK_MAX];
    bool fr;

    if (r == NULL) {
        link_invalid(req);
        return;
    }
    fr = r->lang == LANG_FR;
    b = evbuffer_new();
    MDT_ASSERT(b != NULL);
    web_csrf_token(w, token, csrf);
    dialog_payee_show(r->address, who, sizeof(who));
    web_head(b, fr, fr ? "Relier votre compte" : "Link your account");
    evbuffer_add_printf(b, "<h1>");
    web_html(b, fr ? "Relier " : "Link ");
    web_html(b, who);
    evbuffer_add_printf(b, "%s</h1>", fr ? " à mandat" : " to mandat");
    note_line(b, note);
    if (r->otp_phone[0] == '\0' || r->otp_expires_us <= clock_now_us()) {
        evbuffer_add_printf(
            b,
            "<p class=\"muted\">%s</p><form method=\"post\" action=\"/link/%s\" "
            "autocomplete=\"off\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
            "<input type=\"hidden\" name=\"step\" value=\"phone\"><label for=\"phone\">%s</label>"
            "<input type=\"tel\" id=\"phone\" name=\"phone\" maxlength=\"32\" required autofocus>"
            "<button type=\"submit\" id=\"send\">%s</button></form>",
            fr ? "Votre numéro de mobile : nous y envoyons un code de vérification par SMS."
               : "Your mobile number: we text a verification code to it.",
            token, csrf, fr ? "Numéro de mobile" : "Mobile number",
            fr ? "Recevoir le code" : "Get the code");
    } else {
        phone_mask(r->otp_phone, masked, sizeof(masked));
        evbuffer_add_printf(b,
                            "<form method=\"post\" action=\"/link/%s\" autocomplete=\"off\">"
                            "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                            "<input type=\"hidden\" name=\"step\" value=\"finish\">"
                            "<label for=\"otp\">%s ",
                            token, csrf, fr ? "Code reçu par SMS au" : "Code texted to");
        web_html(b, masked);
        evbuffer_add_printf(b,
                            "</label><input type=\"text\" id=\"otp\" name=\"otp\" "
                            "inputmode=\"numeric\" pattern=\"[0-9]{6}\" maxlength=\"6\" required "
                            "autofocus><label for=\"code\">%s</label><input type=\"password\" "
                            "id=\"code\" name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" "
                            "maxlength=\"6\" required>",
                            wallet ? (fr ? "Le code secret de votre compte mandat"
                                         : "Your mandat wallet's secret code")
                                   : (fr ? "Choisissez votre code secret (6 chiffres)"
                                         : "Choose your secret code (6 digits)"));
        if (!wallet) {
            evbuffer_add_printf(b,
                                "<label for=\"again\">%s</label><input type=\"password\" "
                                "id=\"again\" name=\"again\" inputmode=\"numeric\" "
                                "pattern=\"[0-9]{6}\" maxlength=\"6\" required>",
                                fr ? "Encore une fois" : "Once more");
        }
        evbuffer_add_printf(b,
                            "<label><input type=\"checkbox\" id=\"show_name\" name=\"show_name\" "
                            "value=\"1\"> %s</label><button type=\"submit\" id=\"link\">%s</button>"
                            "</form><p class=\"muted\">%s</p>",
                            fr ? "Afficher mon pseudo sur les pages des campagnes que je soutiens"
                               : "Show my handle on the pages of campaigns I give to",
                            fr ? "Relier" : "Link",
                            fr ? "mandat ne vous demandera jamais votre code par téléphone."
                               : "mandat will never ask for your code by phone.");
    }
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

static void link_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct social_call *c = ctx;
    struct evhttp_request *req = answered_req(c);
    char text[160], who[STORE_ADDR_MAX];

    if (req == NULL) {
        goto out;
    }
    if (rc < 0) {
        busy(req, c->fr);
        goto out;
    }
    if (c->otp_step) {
        page_link_row(c->pc.w, req, c->pc.token, &s->link,
                      dialog_has_wallet(c->pc.w->cfg.dialog, s->link.otp_phone), NULL);
        goto out;
    }
    switch (dialog_step_outcome(s)) {
    case OUTCOME_DONE:
        dialog_payee_show(s->address, who, sizeof(who));
        snprintf(text, sizeof(text),
                 c->fr ? "C'est fait : %s est relié à votre compte mandat. Vous pouvez payer et "
                         "donner par message."
                       : "Done: %s is linked to your mandat wallet. You can pay and give by post.",
                 who);
        web_page_message(req, 200, c->fr, c->fr ? "Compte relié" : "Account linked", text, "ok");
        break;
    case OUTCOME_WRONG_CODE:
        page_link(c->pc.w, req, c->pc.token, c->note);
        break;
    case OUTCOME_LOCKED:
        web_page_message(req, 403, c->fr, c->fr ? "Trop d'essais" : "Too many tries",
                         c->fr ? "Trop de codes erronés : recommencez plus tard en écrivant "
                                 "« ouvrir »."
                               : "Too many wrong codes: start again later by posting \"open\".",
                         "bad");
        break;
    default:
        web_page_message(req, 409, c->fr, c->fr ? "Refusé" : "Refused",
                         c->fr ? "Le compte n'a pas pu être ouvert : contactez le service client."
                               : "The wallet could not be opened: contact customer service.",
                         "bad");
        break;
    }
out:
    free(c);
}

static void post_link(struct web *w, struct evhttp_request *req, const char *token)
{
    uint8_t h[SHA256_LEN];
    bool wallet = false;
    const struct social_link_row *r =
        token_hash(w, token, h) != NULL ? dialog_link_get(w->cfg.dialog, h, clock_now_us(), &wallet)
                                        : NULL;
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct social_call *c;
    struct form f;
    bool fr, otp_step;
    int rc;

    if (r == NULL) {
        link_invalid(req);
        return;
    }
    fr = r->lang == LANG_FR;
    if (!form_read(w, req, token, &f)) {
        form_wipe(&f);
        refused(req);
        return;
    }
    otp_step = strcmp(f.step, "phone") == 0;
    if (otp_step) {
        rc = dialog_link_phone_web(w->cfg.dialog, h, f.phone, clock_now_us(), &s, &err);
    } else if (!wallet && strcmp(f.code, f.again) != 0) {
        form_wipe(&f);
        page_link(w, req, token, fr ? "Les deux codes diffèrent." : "The two codes differ.");
        return;
    } else {
        rc = dialog_link_finish_web(w->cfg.dialog, h, f.otp, f.code, f.show_name, clock_now_us(),
                                    &s, &err);
    }
    form_wipe(&f);
    if (rc == MDT_E(INVAL) || rc == MDT_E(RANGE)) {
        page_link(w, req, token, err.msg);
        return;
    }
    if (rc < 0) {
        web_page_message(req, rc == MDT_E(NOTFOUND) ? 404 : 503, fr, fr ? "Réessayez" : "Try again",
                         err.msg, "bad");
        return;
    }
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->fr = fr;
    c->otp_step = otp_step;
    snprintf(c->note, sizeof(c->note), "%s", err.msg); /* which code was wrong, if one was */
    submit(w, req, token, s, c, link_answered);
}

/* ---- /o/<token> ---- */

static void order_text(struct web *w, const struct order_view *o, char out[MONEY_FORMAT_MAX])
{
    const struct currency *cur = currency_find(dialog_currency_code(w->cfg.dialog));

    if (cur == NULL || money_format(o->amount_minor, cur, o->lang, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "%lld", (long long)o->amount_minor);
    }
}

static void page_order(struct web *w, struct evhttp_request *req, const char *token,
                       const struct order_view *o, const char *note)
{
    bool fr = o->lang == LANG_FR;
    char amount[MONEY_FORMAT_MAX], csrf[SHA256_HEX_MAX], who[STORE_ADDR_MAX];
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    order_text(w, o, amount);
    dialog_payee_show(o->payer_address, who, sizeof(who));
    web_head(b, fr, fr ? "Confirmer" : "Confirm");
    evbuffer_add_printf(b, "<h1>%s</h1><p class=\"amount\" id=\"amount\">",
                        o->donation ? (fr ? "Confirmer votre don" : "Confirm your donation")
                                    : (fr ? "Confirmer votre envoi" : "Confirm your payment"));
    web_html(b, amount);
    evbuffer_add_printf(b, "</p><dl><dt>%s</dt><dd id=\"payee\">", fr ? "À" : "To");
    web_html(b, o->payee);
    evbuffer_add_printf(b, "</dd><dt>%s</dt><dd id=\"from\">", fr ? "Depuis" : "From");
    web_html(b, who);
    evbuffer_add_printf(b, "</dd><dt>%s</dt><dd id=\"reference\">", fr ? "Référence" : "Reference");
    web_html(b, o->ref);
    web_time_left(b, fr, o->expires_us);
    note_line(b, note);
    web_csrf_token(w, token, csrf);
    evbuffer_add_printf(b,
                        "<form method=\"post\" action=\"/o/%s\" autocomplete=\"off\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<label for=\"code\">%s</label>"
                        "<input type=\"password\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
                        "pattern=\"[0-9]{6}\" maxlength=\"6\" required autofocus>"
                        "<button type=\"submit\" id=\"confirm\">%s</button></form>"
                        "<p class=\"muted\">%s</p>",
                        token, csrf,
                        fr ? "Votre code secret à 6 chiffres" : "Your 6-digit secret code",
                        fr ? "Confirmer" : "Confirm",
                        fr ? "Ne publiez jamais votre code : tapez-le seulement ici."
                           : "Never post your code: type it here only.");
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

static void order_gone(struct evhttp_request *req)
{
    web_page_message(req, 410, true, "Lien inactif / Link no longer active",
                     "Cet ordre n'attend plus de code (confirmé, annulé ou expiré). This order is "
                     "not waiting for a code any more (confirmed, cancelled or expired).",
                     "bad");
}

static void order_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct social_call *c = ctx;
    struct evhttp_request *req = answered_req(c);
    char amount[MONEY_FORMAT_MAX], text[256];
    bool fr = c->fr;

    if (req == NULL) {
        goto out;
    }
    if (rc < 0) {
        busy(req, fr);
        goto out;
    }
    order_text(c->pc.w, &c->order, amount);
    switch (dialog_step_outcome(s)) {
    case OUTCOME_DONE:
        snprintf(text, sizeof(text),
                 c->order.donation
                     ? (fr ? "Merci ! Don de %s à %s effectué." : "Thank you! %s given to %s.")
                     : (fr ? "Envoyé : %s à %s." : "Sent: %s to %s."),
                 amount, c->order.payee);
        web_page_message(req, 200, fr, fr ? "C'est fait" : "Done", text, "ok");
        break;
    case OUTCOME_WRONG_CODE:
        web_wrong_code_text(s, fr, text, sizeof(text));
        page_order(c->pc.w, req, c->pc.token, &c->order, text);
        break;
    case OUTCOME_LOCKED:
        web_page_locked(req, fr, false);
        break;
    case OUTCOME_SUSPENDED:
        web_page_suspended(req, fr);
        break;
    case OUTCOME_EXPIRED:
        web_page_message(req, 410, fr, fr ? "Ordre expiré" : "Order expired",
                         fr ? "Ordre expiré : rien n'a été débité."
                            : "Order expired: nothing was "
                              "taken.",
                         "bad");
        break;
    default:
        snprintf(text, sizeof(text),
                 fr ? "Refusé (%s) : rien n'a été débité. Le détail vous est envoyé en message "
                      "privé."
                    : "Refused (%s): nothing was taken. The details are in a private message.",
                 ledger_reason_name(dialog_step_reason(s)));
        web_page_message(req, 409, fr, fr ? "Refusé" : "Refused", text, "bad");
        break;
    }
out:
    free(c);
}

static void post_order(struct web *w, struct evhttp_request *req, const char *token)
{
    struct order_view o;
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct social_call *c;
    struct form f;
    uint8_t h[SHA256_LEN];

    if (token_hash(w, token, h) == NULL ||
        dialog_order_get(w->cfg.dialog, h, clock_now_us(), &o) < 0) {
        order_gone(req);
        return;
    }
    if (!form_read(w, req, token, &f)) {
        form_wipe(&f);
        refused(req);
        return;
    }
    if (dialog_order_confirm_web(w->cfg.dialog, h, f.code, clock_now_us(), &s, &err) < 0) {
        form_wipe(&f);
        web_page_message(req, 503, o.lang == LANG_FR, "Réessayez / Try again", err.msg, "bad");
        return;
    }
    form_wipe(&f);
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->fr = o.lang == LANG_FR;
    c->order = o;
    submit(w, req, token, s, c, order_answered);
}

bool web_social_handle(struct web *w, struct evhttp_request *req, const char *path,
                       enum evhttp_cmd_type m)
{
    if (strncmp(path, "/link/", 6) == 0 && strchr(path + 6, '/') == NULL) {
        if (m == EVHTTP_REQ_POST) {
            post_link(w, req, path + 6);
        } else {
            page_link(w, req, path + 6, NULL);
        }
        return true;
    }
    if (strncmp(path, "/o/", 3) == 0 && strchr(path + 3, '/') == NULL) {
        struct order_view o;
        uint8_t h[SHA256_LEN];

        if (m == EVHTTP_REQ_POST) {
            post_order(w, req, path + 3);
        } else if (token_hash(w, path + 3, h) == NULL ||
                   dialog_order_get(w->cfg.dialog, h, clock_now_us(), &o) < 0) {
            order_gone(req);
        } else {
            page_order(w, req, path + 3, &o, NULL);
        }
        return true;
    }
    return false;
}
