/* SPDX-License-Identifier: Apache-2.0 */
/* The wallet pages, server-rendered, French and English, no external assets: /c/<token>, where
 * a payer confirms a merchant's payment request with their code (the same rules as by SMS),
 * /enrol/<token>, where a person sets their code after INSCRIPTION, the
 * stylesheet, the API's description (/openapi.json, from docs/openapi.yaml), and the dev phone
 * (/dev/phone, and /dev/history?number= the conversation so far, only in dev mode). */
#ifndef MDT_CHANNEL_WEB_WEB_H
#define MDT_CHANNEL_WEB_WEB_H

#include <stdbool.h>

#include "base/error.h"

struct dialog;
struct dialog_step;
struct store;
struct vault;
struct web;
struct topup_flow;

struct web_config {
    struct dialog *dialog; /* borrowed */
    struct vault *vault;   /* borrowed: link tokens and CSRF tokens */
    bool dev_mode;         /* serve /dev/phone and /dev/history */
    struct store *reader;  /* borrowed, read-only: the dev phone's history; NULL: none */
    /* Submit a step; done runs on the loop once it is durable or failed. */
    int (*submit)(void *submit_ctx, struct dialog_step *s, void *ctx,
                  void (*done)(void *ctx, int rc, const struct dialog_step *s));
    void *submit_ctx;
    struct topup_flow *topup; /* borrowed: top-ups by bank card (/t/<token>); NULL: none */
};

/* *out: web_free(). */
int web_create(const struct web_config *cfg, struct web **out, struct mdt_err *err);
void web_free(struct web *w);

/* Serve req (a struct evhttp_request *) when its path is a page of ours; false otherwise. */
bool web_handle(struct web *w, void *req);

#endif
