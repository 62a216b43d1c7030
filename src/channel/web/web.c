/* SPDX-License-Identifier: Apache-2.0 */
/* The confirmation page of a payment request: what the payer sees after following the link
 * in the SMS. It shows the payee, amount, reference and time left, takes the 6-digit code and
 * shows the result; the dialog applies the same rules as by SMS. The link's token is the only
 * key to the page: 128 random bits, kept as a keyed hash, useless once the request is no longer
 * pending. Forms carry a CSRF token bound to the link (an HMAC), and cross-origin posts are
 * refused. Nothing personal appears in URLs. */
#include "channel/web/web.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/log.h"
#include "channel/web/web_int.h"
#include "dialog/dialog.h"
#include "store/store.h"
#include "vault/vault.h"

/* Messages /dev/history shows: a screenful of conversation. */
#define DEV_HISTORY_MAX 50

extern const char web_style_css[];
extern const size_t web_style_css_len;
extern const char web_phone_html[];
extern const size_t web_phone_html_len;
extern const char web_phone_js[];
extern const size_t web_phone_js_len;
extern const char web_openapi_yaml[]; /* YAML in its JSON subset: served as JSON */
extern const size_t web_openapi_yaml_len;

int web_create(const struct web_config *cfg, struct web **out, struct mdt_err *err)
{
    struct web *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory creating the pages");
    }
    w->cfg = *cfg;
    *out = w;
    return 0;
}

void web_free(struct web *w)
{
    free(w);
}

void web_reply(struct evhttp_request *req, int status, const char *type, struct evbuffer *b)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    /* same-origin: links never leak the page's token to other sites, and our own form posts
     * keep their Origin (no-referrer would make it "null"). */
    evhttp_add_header(h, "Referrer-Policy", "same-origin");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; script-src 'self'; "
                      "style-src 'self'; form-action 'self'; frame-ancestors 'none'");
    evhttp_send_reply(req, status, NULL, b);
}

void web_page_suspended(struct evhttp_request *req, bool fr)
{
    web_page_message(req, 403, fr, fr ? "Paiements suspendus" : "Payments suspended",
                     fr ? "Paiements suspendus : une réinitialisation de votre code est en "
                          "cours (voyez le SMS reçu). Code retrouvé ? Envoyez CODE GARDER et "
                          "le code par SMS."
                        : "Payments are suspended: a reset of your code is under way (see "
                          "the SMS you got). Remembered it? Text CODE KEEP and the code.",
                     "bad");
}

void web_wrong_code_text(const struct dialog_step *s, bool fr, char *text, size_t cap)
{
    snprintf(text, cap,
             fr ? "Code incorrect. Encore %u essai(s)." : "Wrong code. %u more try(ies).",
             dialog_step_tries_left(s));
}

void web_page_busy(struct evhttp_request *req, bool fr)
{
    web_page_message(req, 503, fr, fr ? "Réessayez" : "Try again",
                     fr ? "Le service est occupé : réessayez dans un instant."
                        : "The service is busy: try again in a moment.",
                     "bad");
}

void web_page_locked(struct evhttp_request *req, bool fr, bool request)
{
    const char *fr_text = request ? "Trop de codes erronés : la demande est refusée et votre "
                                    "code bloqué pour un moment."
                                  : "Trop de codes erronés : l'ordre est annulé et votre code "
                                    "bloqué pour un moment.";
    const char *en_text = request ? "Too many wrong codes: the request is declined and your code "
                                    "locked for a while."
                                  : "Too many wrong codes: the order is cancelled and your code "
                                    "locked for a while.";

    web_page_message(req, 403, fr, fr ? "Code bloqué" : "Code locked", fr ? fr_text : en_text,
                     "bad");
}

/* Text into HTML: & < > " ' escaped. */
void web_html(struct evbuffer *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            evbuffer_add(b, "&amp;", 5);
            break;
        case '<':
            evbuffer_add(b, "&lt;", 4);
            break;
        case '>':
            evbuffer_add(b, "&gt;", 4);
            break;
        case '"':
            evbuffer_add(b, "&quot;", 6);
            break;
        case '\'':
            evbuffer_add(b, "&#39;", 5);
            break;
        default:
            evbuffer_add(b, s, 1);
        }
    }
}

void web_head(struct evbuffer *b, bool fr, const char *title)
{
    evbuffer_add_printf(b,
                        "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                        "<title>",
                        fr ? "fr" : "en");
    web_html(b, title);
    evbuffer_add_printf(b, "</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>"
                           "<body><main><div class=\"card\">");
}

void web_time_left(struct evbuffer *b, bool fr, int64_t expires_us)
{
    int64_t left_s = (expires_us - clock_now_us()) / 1000000;

    if (left_s < 0) {
        left_s = 0;
    }
    evbuffer_add_printf(b, "</dd><dt>%s</dt><dd id=\"left\">%lld min %02lld s</dd></dl>",
                        fr ? "Temps restant" : "Time left", (long long)(left_s / 60),
                        (long long)(left_s % 60));
}

void web_note(struct evbuffer *b, const char *note)
{
    if (note != NULL) {
        evbuffer_add_printf(b, "<p class=\"bad\" id=\"note\">");
        web_html(b, note);
        evbuffer_add_printf(b, "</p>");
    }
}

void web_foot(struct evbuffer *b)
{
    evbuffer_add_printf(b, "</div><footer class=\"muted\">mandat</footer></main></body></html>");
}

/* A page with a title and one sentence. */
void web_page_message(struct evhttp_request *req, int status, bool fr, const char *title,
                      const char *text, const char *cls)
{
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    web_head(b, fr, title);
    evbuffer_add_printf(b, "<h1>");
    web_html(b, title);
    evbuffer_add_printf(b, "</h1><p class=\"result %s\" id=\"result\">", cls);
    web_html(b, text);
    evbuffer_add_printf(b, "</p>");
    web_foot(b);
    web_reply(req, status, "text/html; charset=utf-8", b);
    evbuffer_free(b);
}

void web_csrf_token(const struct web *w, const char *token, char out[SHA256_HEX_MAX])
{
    char buf[64];
    uint8_t mac[SHA256_LEN];
    int n = snprintf(buf, sizeof(buf), "csrf|%s", token);
    /* snprintf counts what did not fit: a longer token (callers check theirs) is cut, not read
     * past the buffer. */
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

    vault_mac(w->cfg.vault, buf, len, mac);
    hex_encode(mac, SHA256_LEN, out);
}

static void amount_text(const struct payment_request_row *r, bool fr, char out[MONEY_FORMAT_MAX])
{
    const struct currency *cur = currency_find(r->currency);

    if (cur == NULL ||
        money_format(r->amount_minor, cur, fr ? LANG_FR : LANG_EN, out, MONEY_FORMAT_MAX) < 0) {
        snprintf(out, MONEY_FORMAT_MAX, "%lld", (long long)r->amount_minor);
    }
}

/* The request and, while it is pending, the code form. note: a line above the form. */
static void page_request(struct web *w, struct evhttp_request *req, const char *token,
                         const struct payment_request_row *r, const char *note)
{
    bool fr = dialog_customer_lang(w->cfg.dialog, r->payer) == LANG_FR;
    char amount[MONEY_FORMAT_MAX], csrf[SHA256_HEX_MAX], payee[STORE_ADDR_MAX];
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    amount_text(r, fr, amount);
    web_head(b, fr, fr ? "Confirmer le paiement" : "Confirm the payment");
    evbuffer_add_printf(b, "<h1>");
    dialog_request_payee(w->cfg.dialog, r, fr ? LANG_FR : LANG_EN, payee, sizeof(payee));
    web_html(b, payee);
    evbuffer_add_printf(b, fr ? " vous demande</h1>" : " asks you for</h1>");
    evbuffer_add_printf(b, "<p class=\"amount\" id=\"amount\">");
    web_html(b, amount);
    evbuffer_add_printf(b, "</p><dl><dt>%s</dt><dd id=\"reference\">",
                        fr ? "Référence" : "Reference");
    web_html(b, r->reference);
    if (r->description[0] != '\0') {
        evbuffer_add_printf(b, "</dd><dt>%s</dt><dd>", fr ? "Objet" : "For");
        web_html(b, r->description);
    }
    web_time_left(b, fr, r->expires_us);
    web_note(b, note);
    web_csrf_token(w, token, csrf);
    evbuffer_add_printf(b,
                        "<form method=\"post\" action=\"/c/%s\" autocomplete=\"off\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<label for=\"code\">%s</label>"
                        "<input type=\"password\" id=\"code\" name=\"code\" inputmode=\"numeric\" "
                        "pattern=\"[0-9]{6}\" maxlength=\"6\" required autofocus>"
                        "<button type=\"submit\" id=\"pay\">%s</button></form>"
                        "<p class=\"muted\">%s</p>",
                        token, csrf,
                        fr ? "Votre code secret à 6 chiffres" : "Your 6-digit secret code",
                        fr ? "Payer" : "Pay",
                        fr ? "mandat ne vous demandera jamais votre code par téléphone."
                           : "mandat will never ask for your code by phone.");
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

static const struct payment_request_row *find(struct web *w, const char *token)
{
    uint8_t hash[SHA256_LEN];

    if (vault_token_check(w->cfg.vault, token, hash) < 0) {
        return NULL;
    }
    return dialog_request_by_token(w->cfg.dialog, hash);
}

/* What a request that is not pending any more says. */
static void page_closed(struct evhttp_request *req, const struct payment_request_row *r, bool fr)
{
    static const char *const fr_text[] = {
        "", "Ce paiement est déjà fait.", "Cette demande a été refusée.",
        "Cette demande a expiré : rien n'a été débité.", "Le marchand a retiré sa demande."};
    static const char *const en_text[] = {
        "", "This payment is already done.", "This request was declined.",
        "This request expired: nothing was taken.", "The merchant withdrew its request."};

    web_page_message(req, 410, fr, fr ? "Lien inactif" : "Link no longer active",
                     fr ? fr_text[r->state] : en_text[r->state], "bad");
}

static void get_page(struct web *w, struct evhttp_request *req, const char *token)
{
    const struct payment_request_row *r = find(w, token);
    bool fr;

    if (r == NULL) {
        web_page_message(req, 404, true, "Lien invalide / Invalid link",
                         "Ce lien n'est pas valide. This link is not valid.", "bad");
        return;
    }
    fr = dialog_customer_lang(w->cfg.dialog, r->payer) == LANG_FR;
    if (r->state != PR_PENDING) {
        page_closed(req, r, fr);
    } else if (r->expires_us <= clock_now_us()) {
        web_page_message(req, 410, fr, fr ? "Lien expiré" : "Link expired",
                         fr ? "Cette demande a expiré : rien n'a été débité."
                            : "This request expired: nothing was taken.",
                         "bad");
    } else {
        page_request(w, req, token, r, NULL);
    }
}

void web_on_close(struct evhttp_connection *conn, void *arg)
{
    struct page_call *c = arg;

    (void)conn;
    c->req = NULL;
}

/* The code was judged and the step is durable: show the outcome. */
static void step_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct page_call *c = ctx;
    struct evhttp_request *req = c->req;
    const struct payment_request_row *r = find(c->w, c->token);
    bool fr;
    char amount[MONEY_FORMAT_MAX], text[256];

    if (req == NULL) {
        goto out;
    }
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    fr = r != NULL && dialog_customer_lang(c->w->cfg.dialog, r->payer) == LANG_FR;
    if (rc < 0 || r == NULL) {
        web_page_busy(req, fr);
        goto out;
    }
    switch (dialog_step_outcome(s)) {
    case OUTCOME_DONE:
        amount_text(r, fr, amount);
        snprintf(text, sizeof(text),
                 fr ? "Payé : %s. Un reçu vous est envoyé par SMS."
                    : "Paid: %s. A receipt is on its way by SMS.",
                 amount);
        web_page_message(req, 200, fr, fr ? "Paiement effectué" : "Payment done", text, "ok");
        break;
    case OUTCOME_WRONG_CODE:
        web_wrong_code_text(s, fr, text, sizeof(text));
        page_request(c->w, req, c->token, r, text);
        break;
    case OUTCOME_LOCKED:
        web_page_locked(req, fr, true);
        break;
    case OUTCOME_SUSPENDED:
        web_page_suspended(req, fr);
        break;
    case OUTCOME_REFUSED:
        if (dialog_step_reason(s) == LEDGER_INSUFFICIENT_FUNDS) {
            /* The order stays payable: say what to do, then the same code pays it. */
            snprintf(text, sizeof(text), "%s",
                     fr ? "Paiement refusé : votre solde ne suffit pas. Rechargez votre compte, "
                          "puis payez ici avec votre code."
                        : "Payment refused: your balance is too low. Top up your wallet, then "
                          "pay here with your code.");
        } else {
            snprintf(text, sizeof(text), fr ? "Paiement refusé (%s)." : "Payment refused (%s).",
                     ledger_reason_name(dialog_step_reason(s)));
        }
        page_request(c->w, req, c->token, r, text);
        break;
    default:
        page_closed(req, r, fr);
        break;
    }
out:
    free(c);
}

void web_form_field(const struct evkeyvalq *q, const char *name, char *out, size_t cap)
{
    const char *v = evhttp_find_header(q, name);

    out[0] = '\0';
    if (v != NULL && strlen(v) < cap) {
        snprintf(out, cap, "%s", v);
    }
}

bool web_form_read(struct evhttp_request *req, bool (*take)(const struct evkeyvalq *q, void *ctx),
                   void *ctx)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char body[WEB_FORM_MAX + 1];
    struct evkeyvalq q = {0};
    unsigned char *raw;
    bool ok = false;

    if (len > WEB_FORM_MAX || !web_same_origin(req)) {
        return false;
    }
    raw = evbuffer_pullup(in, -1);
    if (raw != NULL) {
        memcpy(body, raw, len);
        vault_wipe(raw, len);
    }
    body[raw != NULL ? len : 0] = '\0';
    if (evhttp_parse_query_str(body, &q) == 0) {
        ok = take(&q, ctx);
    }
    evhttp_clear_headers(&q); /* libevent's copies are freed here: the secrets with them */
    vault_wipe(body, sizeof(body));
    return ok;
}

/* application/x-www-form-urlencoded body: the code and the CSRF token. */
static int read_form(struct evhttp_request *req, char *code, char *csrf, char *again)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char body[WEB_FORM_MAX + 1];
    struct evkeyvalq q = {0};
    const char *v;
    int rc = -1;

    if (len > WEB_FORM_MAX) {
        return -1;
    }
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    if (evhttp_parse_query_str(body, &q) == 0) {
        v = evhttp_find_header(&q, "code");
        if (v != NULL && strlen(v) < 16) {
            snprintf(code, 16, "%s", v);
            v = evhttp_find_header(&q, "csrf");
            if (v != NULL && strlen(v) == 64) {
                memcpy(csrf, v, 65);
                rc = 0;
            }
            v = evhttp_find_header(&q, "again");
            if (again != NULL && (v == NULL || strlen(v) >= 16)) {
                rc = -1;
            } else if (again != NULL) {
                snprintf(again, 16, "%s", v);
            }
        }
    }
    evhttp_clear_headers(&q);
    vault_wipe(body, sizeof(body));
    return rc;
}

bool web_csrf_ok(const struct web *w, const char *token, const char *csrf)
{
    char want[SHA256_HEX_MAX];
    bool ok;

    web_csrf_token(w, token, want);
    /* 64 hex digits compared in constant time, as two 32-byte halves. */
    ok = strlen(csrf) == 2 * SHA256_LEN &&
         vault_hash_equal((const uint8_t *)csrf, (const uint8_t *)want) &&
         vault_hash_equal((const uint8_t *)csrf + SHA256_LEN, (const uint8_t *)want + SHA256_LEN);
    vault_wipe(want, sizeof(want));
    return ok;
}

/* A post from another site carries its Origin: refuse it (with the CSRF token, two locks). */
bool web_same_origin(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *origin = evhttp_find_header(h, "Origin");
    const char *host = evhttp_find_header(h, "Host");
    const char *p;

    if (origin == NULL || strcmp(origin, "null") == 0) {
        return true; /* no origin given: the CSRF token alone decides */
    }
    p = strstr(origin, "://");
    return p != NULL && host != NULL && strcmp(p + 3, host) == 0;
}

static void post_page(struct web *w, struct evhttp_request *req, const char *token)
{
    const struct payment_request_row *r = find(w, token);
    char code[16] = "", csrf[SHA256_HEX_MAX] = "";
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct page_call *c;
    uint8_t hash[SHA256_LEN];
    int rc;

    if (r == NULL) {
        get_page(w, req, token);
        return;
    }
    if (!web_same_origin(req) || read_form(req, code, csrf, NULL) < 0 ||
        !web_csrf_ok(w, token, csrf)) {
        vault_wipe(code, sizeof(code));
        web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                         "Rechargez la page et réessayez. Reload the page and try again.", "bad");
        return;
    }
    MDT_ASSERT(vault_token_check(w->cfg.vault, token, hash) == 0);
    rc = dialog_request_confirm_web(w->cfg.dialog, hash, code, clock_now_us(), &s, &err);
    vault_wipe(code, sizeof(code));
    if (rc < 0) {
        web_page_message(req, 503, true, "Réessayez / Try again", err.msg, "bad");
        return;
    }
    c = calloc(1, sizeof(*c));
    MDT_ASSERT(c != NULL);
    c->w = w;
    c->req = req;
    snprintf(c->token, sizeof(c->token), "%s", token);
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), web_on_close, c);
    if (w->cfg.submit(w->cfg.submit_ctx, s, c, step_answered) < 0) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
        free(c);
        web_page_message(req, 503, true, "Réessayez / Try again", "busy: try again", "bad");
    }
}

/* ---- /enrol/<token>: set one's code ---- */

static void page_enrol(struct web *w, struct evhttp_request *req, const char *token,
                       const char *phone, const char *note)
{
    bool fr = dialog_customer_lang(w->cfg.dialog, phone) == LANG_FR;
    struct evbuffer *b = evbuffer_new();
    char csrf[SHA256_HEX_MAX];

    MDT_ASSERT(b != NULL);
    web_csrf_token(w, token, csrf);
    web_head(b, fr, fr ? "Votre code secret" : "Your secret code");
    evbuffer_add_printf(b, "<h1>%s</h1><p class=\"muted\">%s</p>",
                        fr ? "Choisissez votre code secret" : "Choose your secret code",
                        fr ? "6 chiffres, que vous seul connaissez : il confirme chaque paiement. "
                             "Évitez 123456, 000000 et les chiffres de votre numéro."
                           : "6 digits only you know: it confirms every payment. Avoid 123456, "
                             "000000 and the digits of your number.");
    web_note(b, note);
    evbuffer_add_printf(b,
                        "<form method=\"post\" action=\"/enrol/%s\" autocomplete=\"off\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<label for=\"code\">%s</label><input type=\"password\" id=\"code\" "
                        "name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" maxlength=\"6\" "
                        "required autofocus><label for=\"again\">%s</label><input "
                        "type=\"password\" id=\"again\" name=\"again\" inputmode=\"numeric\" "
                        "pattern=\"[0-9]{6}\" maxlength=\"6\" required>"
                        "<button type=\"submit\" id=\"save\">%s</button></form>",
                        token, csrf, fr ? "Code" : "Code", fr ? "Encore une fois" : "Once more",
                        fr ? "Enregistrer" : "Save");
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
    vault_wipe(csrf, sizeof(csrf));
}

static const char *enrol_phone(struct web *w, const char *token)
{
    uint8_t hash[SHA256_LEN];

    if (vault_token_check(w->cfg.vault, token, hash) < 0) {
        return NULL;
    }
    return dialog_enrol_phone(w->cfg.dialog, hash, clock_now_us());
}

static void enrol_invalid(struct evhttp_request *req)
{
    web_page_message(
        req, 404, true, "Lien invalide / Invalid link",
        "Ce lien a déjà servi ou a expiré : répondez INSCRIPTION ou CODE par SMS. This "
        "link was used or expired: text JOIN or CODE.",
        "bad");
}

static void enrol_answered(void *ctx, int rc, const struct dialog_step *s)
{
    struct page_call *c = ctx;
    struct evhttp_request *req = c->req;
    bool fr = dialog_customer_lang(c->w->cfg.dialog, s->phone) == LANG_FR;

    if (req != NULL) {
        evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
        if (rc < 0) {
            web_page_message(req, 503, fr, fr ? "Réessayez" : "Try again",
                             fr ? "Le service est occupé : réessayez." : "Busy: try again.", "bad");
        } else {
            web_page_message(
                req, 200, fr, fr ? "Code enregistré" : "Code saved",
                fr ? "Code enregistré. Gardez-le secret : mandat ne vous le demandera "
                     "jamais par téléphone."
                   : "Code saved. Keep it secret: mandat will never ask for it by phone.",
                "ok");
        }
    }
    free(c);
}

static void post_enrol(struct web *w, struct evhttp_request *req, const char *token)
{
    const char *phone = enrol_phone(w, token);
    char code[16] = "", again[16] = "", csrf[SHA256_HEX_MAX] = "";
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct page_call *c;
    uint8_t hash[SHA256_LEN];
    int rc;

    if (phone == NULL) {
        enrol_invalid(req);
        return;
    }
    if (!web_same_origin(req) || read_form(req, code, csrf, again) < 0 ||
        !web_csrf_ok(w, token, csrf)) {
        web_page_message(req, 403, true, "Formulaire refusé / Form refused",
                         "Rechargez la page et réessayez. Reload the page and try again.", "bad");
    } else if (strcmp(code, again) != 0) {
        page_enrol(w, req, token, phone,
                   dialog_customer_lang(w->cfg.dialog, phone) == LANG_FR
                       ? "Les deux codes diffèrent."
                       : "The two codes differ.");
    } else {
        MDT_ASSERT(vault_token_check(w->cfg.vault, token, hash) == 0);
        rc = dialog_enrol_web(w->cfg.dialog, hash, code, clock_now_us(), &s, &err);
        if (rc == MDT_E(INVAL)) {
            page_enrol(w, req, token, phone, err.msg);
        } else if (rc < 0) {
            web_page_message(req, 503, true, "Réessayez / Try again", err.msg, "bad");
        } else {
            c = calloc(1, sizeof(*c));
            MDT_ASSERT(c != NULL);
            c->w = w;
            c->req = req;
            evhttp_connection_set_closecb(evhttp_request_get_connection(req), web_on_close, c);
            if (w->cfg.submit(w->cfg.submit_ctx, s, c, enrol_answered) < 0) {
                evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
                free(c);
                web_page_message(req, 503, true, "Réessayez / Try again", "busy: try again", "bad");
            }
        }
    }
    vault_wipe(code, sizeof(code));
    vault_wipe(again, sizeof(again));
}

/* ---- /campaigns/<tag>: a campaign's public total (and .json) ---- */

static void campaign_page(struct web *w, struct evhttp_request *req, const char *tag)
{
    char name[40], amount[MONEY_FORMAT_MAX];
    size_t n = strlen(tag);
    bool json = n > 5 && strcmp(tag + n - 5, ".json") == 0;
    struct campaign_info ci;
    struct evbuffer *b;

    snprintf(name, sizeof(name), "%.*s", (int)(json ? n - 5 : n), tag);
    for (char *p = name; *p != '\0'; p++) {
        *p = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    }
    if (dialog_campaign_get(w->cfg.dialog, name, &ci) < 0) {
        web_page_message(req, 404, true, "Campagne inconnue / Unknown campaign",
                         "Aucune campagne de ce nom. No campaign by that name.", "bad");
        return;
    }
    b = evbuffer_new();
    MDT_ASSERT(b != NULL);
    if (money_format(ci.total_minor, ci.currency, LANG_FR, amount, sizeof(amount)) < 0) {
        snprintf(amount, sizeof(amount), "%lld", (long long)ci.total_minor);
    }
    if (json) {
        /* Tags and names are checked ASCII letters and digits, or escaped below. */
        evbuffer_add_printf(b,
                            "{\"tag\":\"%s\",\"total\":%lld,\"currency\":\"%s\","
                            "\"donations\":%llu,\"name\":",
                            ci.tag, (long long)ci.total_minor, ci.currency->code,
                            (unsigned long long)ci.donations);
        evbuffer_add_printf(b, "\"");
        for (const char *p = ci.name; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\') {
                evbuffer_add_printf(b, "\\%c", *p);
            } else if ((unsigned char)*p >= 0x20) {
                evbuffer_add(b, p, 1);
            }
        }
        evbuffer_add_printf(b, "\",\"donors\":[");
        /* Donors who opted in are social handles: letters, digits, _ . - @ only. */
        for (size_t i = 0; i < ci.donor_count; i++) {
            evbuffer_add_printf(b, "%s\"", i > 0 ? "," : "");
            for (const char *p = ci.donors[i]; *p != '\0'; p++) {
                if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) {
                    evbuffer_add(b, p, 1);
                }
            }
            evbuffer_add_printf(b, "\"");
        }
        evbuffer_add_printf(b, "]}");
        web_reply(req, 200, "application/json", b);
        evbuffer_free(b);
        return;
    }
    web_head(b, true, ci.name);
    evbuffer_add_printf(b, "<h1>");
    web_html(b, ci.name);
    evbuffer_add_printf(b, "</h1><p class=\"muted\">#%s — ", ci.tag);
    web_html(b, ci.association);
    evbuffer_add_printf(b, "</p><p class=\"amount\" id=\"total\">");
    web_html(b, amount);
    evbuffer_add_printf(b,
                        "</p><p id=\"donations\">%llu don(s) / donation(s)</p>"
                        "<p class=\"muted\">DON 5 %s → 71004</p>",
                        (unsigned long long)ci.donations, ci.tag);
    if (ci.donor_count > 0) {
        evbuffer_add_printf(b, "<p class=\"muted\">Merci / Thanks</p><ul id=\"donors\">");
        for (size_t i = 0; i < ci.donor_count; i++) {
            evbuffer_add_printf(b, "<li>");
            web_html(b, ci.donors[i]);
            evbuffer_add_printf(b, "</li>");
        }
        evbuffer_add_printf(b, "</ul>");
    }
    web_foot(b);
    web_reply(req, 200, "text/html; charset=utf-8", b);
    evbuffer_free(b);
}

static void asset(struct evhttp_request *req, const char *type, const char *data, size_t len)
{
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    evbuffer_add(b, data, len);
    web_reply(req, 200, type, b);
    evbuffer_free(b);
}

struct history {
    struct store_message *m;
    size_t n;
};

static int history_add(void *ctx, const struct store_message *m)
{
    struct history *h = ctx;

    if (h->n < DEV_HISTORY_MAX) {
        h->m[h->n++] = *m;
    }
    return 0;
}

/* /dev/history?number=+33612345678 (dev mode, internal listener): the number's last messages,
 * oldest first, one a line: "> " what it sent, "< " what it was sent (texts as stored: codes
 * and link tokens masked). The dev phone starts from there. */
static void dev_history(struct web *w, struct evhttp_request *req)
{
    struct evkeyvalq q = {0};
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *number = NULL;
    struct history h = {.m = calloc(DEV_HISTORY_MAX, sizeof(struct store_message))};
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    if (evhttp_parse_query_str(query != NULL ? query : "", &q) == 0) {
        number = evhttp_find_header(&q, "number");
    }
    if (number == NULL || h.m == NULL || w->cfg.reader == NULL ||
        store_messages(w->cfg.reader, number, DEV_HISTORY_MAX, history_add, &h, NULL) < 0) {
        evbuffer_add_printf(b, "number is required: /dev/history?number=+33612345678\n");
        web_reply(req, 400, "text/plain; charset=utf-8", b);
        goto out;
    }
    for (size_t i = h.n; i > 0; i--) {
        for (char *c = h.m[i - 1].text; *c != '\0'; c++) {
            *c = *c == '\n' || *c == '\r' ? ' ' : *c; /* one message, one line */
        }
        evbuffer_add_printf(b, "%c %s\n", h.m[i - 1].inbound ? '>' : '<', h.m[i - 1].text);
    }
    web_reply(req, 200, "text/plain; charset=utf-8", b);
out:
    evbuffer_free(b);
    free(h.m);
    evhttp_clear_headers(&q);
}

bool web_handle(struct web *w, void *r)
{
    struct evhttp_request *req = r;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    enum evhttp_cmd_type m = evhttp_request_get_command(req);

    if (path == NULL) {
        return false;
    }
    if (strcmp(path, "/static/style.css") == 0) {
        asset(req, "text/css; charset=utf-8", web_style_css, web_style_css_len);
    } else if (strcmp(path, "/openapi.json") == 0) {
        asset(req, "application/json", web_openapi_yaml, web_openapi_yaml_len);
    } else if (strcmp(path, "/dev/phone") == 0 && w->cfg.dev_mode) {
        asset(req, "text/html; charset=utf-8", web_phone_html, web_phone_html_len);
    } else if (strcmp(path, "/dev/phone.js") == 0 && w->cfg.dev_mode) {
        asset(req, "text/javascript; charset=utf-8", web_phone_js, web_phone_js_len);
    } else if (strcmp(path, "/dev/history") == 0 && w->cfg.dev_mode) {
        dev_history(w, req);
    } else if (strncmp(path, "/campaigns/", 11) == 0 && strchr(path + 11, '/') == NULL &&
               strlen(path + 11) < 40) {
        campaign_page(w, req, path + 11);
    } else if (strncmp(path, "/enrol/", 7) == 0 && strchr(path + 7, '/') == NULL) {
        const char *phone = enrol_phone(w, path + 7);

        if (m == EVHTTP_REQ_POST) {
            post_enrol(w, req, path + 7);
        } else if (phone == NULL) {
            enrol_invalid(req);
        } else {
            page_enrol(w, req, path + 7, phone, NULL);
        }
    } else if (web_social_handle(w, req, path, m)) {
        /* /link/<token>, /o/<token> */
    } else if (web_topup_handle(w, req, path, m)) {
        /* /t/<token> */
    } else if (web_card_order_handle(w, req, path, m)) {
        /* /k/<token> */
    } else if (web_card_activate_handle(w, req, path, m)) {
        /* /activate */
    } else if (web_card_pin_handle(w, req, path, m)) {
        /* /p/<token> */
    } else if (strncmp(path, "/c/", 3) == 0 && strchr(path + 3, '/') == NULL) {
        if (m == EVHTTP_REQ_POST) {
            post_page(w, req, path + 3);
        } else {
            get_page(w, req, path + 3);
        }
    } else {
        return false;
    }
    return true;
}
