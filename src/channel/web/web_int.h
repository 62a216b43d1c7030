/* SPDX-License-Identifier: Apache-2.0 */
/* What the wallet pages share (web.c, web_social.c): the page frame, escaping, the CSRF token
 * bound to a link, and the call that waits for a step. Not for use outside src/channel/web. */
#ifndef MDT_CHANNEL_WEB_WEB_INT_H
#define MDT_CHANNEL_WEB_WEB_INT_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"

#include "channel/web/web.h"
#include "vault/vault.h"

struct web {
    struct web_config cfg;
};

/* A form post waiting for its step. */
struct page_call {
    struct web *w;
    struct evhttp_request *req; /* NULL once the client left */
    char token[VAULT_TOKEN_MAX];
};

/* Send b with the pages' security headers. */
void web_reply(struct evhttp_request *req, int status, const char *type, struct evbuffer *b);
/* Text into HTML, escaped. */
void web_html(struct evbuffer *b, const char *s);
void web_head(struct evbuffer *b, bool fr, const char *title);
void web_foot(struct evbuffer *b);
/* A line above a form saying what went wrong (id "note"), escaped; nothing when note is NULL. */
void web_note(struct evbuffer *b, const char *note);
/* The last fact of a page's list: the time left until expires_us (minutes and seconds, none
 * once past), after an open <dd>; closes the list. */
void web_time_left(struct evbuffer *b, bool fr, int64_t expires_us);
/* A page with a title and one sentence; cls "ok" or "bad". */
void web_page_message(struct evhttp_request *req, int status, bool fr, const char *title,
                      const char *text, const char *cls);
/* 503: the engine's queue is full, or the step failed: try again. */
void web_page_busy(struct evhttp_request *req, bool fr);
/* 403: payments are suspended while a forgotten code's reset waits out its delay. */
void web_page_suspended(struct evhttp_request *req, bool fr);
/* What a page says under its form after a wrong code: the tries the step left. */
void web_wrong_code_text(const struct dialog_step *s, bool fr, char *text, size_t cap);
/* 403: the last try was wrong; what was waiting (a request: declined; an order: cancelled) is
 * over and the code locked. */
void web_page_locked(struct evhttp_request *req, bool fr, bool request);
/* The form's CSRF token for the link token: 64 hex digits, an HMAC. */
void web_csrf_token(const struct web *w, const char *token, char out[SHA256_HEX_MAX]);
/* Whether csrf is the form's token for the link token (constant time). */
bool web_csrf_ok(const struct web *w, const char *token, const char *csrf);
/* A post from another site carries its Origin: false for those. */
bool web_same_origin(struct evhttp_request *req);
/* A form's value name into out (cap bytes): "" when absent or not shorter than cap. */
void web_form_field(const struct evkeyvalq *q, const char *name, char *out, size_t cap);
/* Read a posted form (application/x-www-form-urlencoded, WEB_FORM_MAX bytes at most, from this
 * site only) and hand its fields to take, which copies what it needs and says whether the form
 * is good (its CSRF token). The body is wiped from the request and the stack, and libevent's
 * copies freed, before it returns. false: too long, another site's, unreadable, or take's. */
bool web_form_read(struct evhttp_request *req, bool (*take)(const struct evkeyvalq *q, void *ctx),
                   void *ctx);
/* The connection closed before the step answered: forget the request. arg: a page_call. */
void web_on_close(struct evhttp_connection *conn, void *arg);

/* /link/<token> and /o/<token> (web_social.c): true when path was one of them. */
bool web_social_handle(struct web *w, struct evhttp_request *req, const char *path,
                       enum evhttp_cmd_type m);

/* /t/<token> (web_topup.c): a wallet's top-up by bank card; true when path was one. */
bool web_topup_handle(struct web *w, struct evhttp_request *req, const char *path,
                      enum evhttp_cmd_type m);

/* /k/<token> (web_card_order.c): a card ordered on a wallet page; true when path was one. */
bool web_card_order_handle(struct web *w, struct evhttp_request *req, const char *path,
                           enum evhttp_cmd_type m);

/* /activate (web_card_activate.c): a card's holder activates it; true when path was it. */
bool web_card_activate_handle(struct web *w, struct evhttp_request *req, const char *path,
                              enum evhttp_cmd_type m);

/* /p/<token> (web_card_pin.c): a card's holder sets its PIN; true when path was one. */
bool web_card_pin_handle(struct web *w, struct evhttp_request *req, const char *path,
                         enum evhttp_cmd_type m);

#endif
