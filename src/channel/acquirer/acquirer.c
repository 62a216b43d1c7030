/* SPDX-License-Identifier: Apache-2.0 */
/* The acquirer interface's shared part: checks a request, bounds the calls in flight, and holds
 * each call's deadline, so that a module only sends and answers (acquirer.h). */
#include "channel/acquirer/acquirer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/assert.h"

struct acquirer_call {
    struct acquirer *a;
    struct event *deadline;
    acquirer_done_fn done;
    void *ctx;
    enum acquirer_op op;
    char key[ACQUIRER_KEY_MAX];
    void *priv; /* the module's */
    struct acquirer_call *prev, *next;
};

const char *acquirer_outcome_name(enum acquirer_outcome o)
{
    switch (o) {
    case ACQUIRER_APPROVED:
        return "approved";
    case ACQUIRER_DECLINED:
        return "declined";
    case ACQUIRER_UNKNOWN:
        return "unknown";
    }
    return "?";
}

const char *acquirer_op_name(enum acquirer_op op)
{
    switch (op) {
    case ACQUIRER_AUTHORIZE:
        return "authorize";
    case ACQUIRER_CAPTURE:
        return "capture";
    case ACQUIRER_VOID:
        return "void";
    case ACQUIRER_REFUND:
        return "refund";
    case ACQUIRER_LOOKUP:
        return "lookup";
    }
    return "?";
}

void **acquirer_call_priv(struct acquirer_call *call)
{
    return &call->priv;
}

/* Unlink and free call; its timer goes with it. */
static void call_free(struct acquirer_call *call)
{
    struct acquirer *a = call->a;
    if (call->prev != NULL) {
        call->prev->next = call->next;
    } else {
        a->calls = call->next;
    }
    if (call->next != NULL) {
        call->next->prev = call->prev;
    }
    MDT_ASSERT(a->calls_count > 0);
    a->calls_count--;
    event_free(call->deadline);
    free(call);
}

void acquirer_call_answer(struct acquirer_call *call, const struct acquirer_result *res)
{
    struct acquirer_result copy = *res;
    acquirer_done_fn done = call->done;
    void *ctx = call->ctx;
    memcpy(copy.key, call->key, sizeof copy.key);
    call_free(call);
    done(ctx, &copy);
}

/* No answer by the deadline: the module forgets the call, the caller learns UNKNOWN. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct acquirer_call *call = arg;
    struct acquirer *a = call->a;
    struct acquirer_result res = {.op = call->op, .outcome = ACQUIRER_UNKNOWN};
    a->ops->abandon(a, call);
    acquirer_call_answer(call, &res);
}

/* A new call in flight for key, with its deadline armed. NULL when full or out of memory. */
static struct acquirer_call *call_new(struct acquirer *a, enum acquirer_op op, const char *key,
                                      acquirer_done_fn done, void *ctx, int *rc)
{
    if (a->calls_count >= ACQUIRER_INFLIGHT_MAX) {
        *rc = MDT_E(BUSY);
        return NULL;
    }
    struct acquirer_call *call = calloc(1, sizeof *call);
    if (call == NULL) {
        *rc = MDT_E(NOMEM);
        return NULL;
    }
    call->deadline = evtimer_new(a->base, on_deadline, call);
    if (call->deadline == NULL) {
        free(call);
        *rc = MDT_E(NOMEM);
        return NULL;
    }
    struct timeval tv = {.tv_sec = a->timeout_ms / 1000, .tv_usec = (a->timeout_ms % 1000) * 1000};
    evtimer_add(call->deadline, &tv);
    call->a = a;
    call->done = done;
    call->ctx = ctx;
    call->op = op;
    snprintf(call->key, sizeof call->key, "%s", key);
    call->next = a->calls;
    if (a->calls != NULL) {
        a->calls->prev = call;
    }
    a->calls = call;
    a->calls_count++;
    return call;
}

/* Whether req is well formed for its operation. */
static bool request_valid(const struct acquirer_request *req)
{
    size_t key_len = strnlen(req->key, sizeof req->key);
    if (key_len == 0 || key_len == sizeof req->key) {
        return false;
    }
    if (req->op != ACQUIRER_VOID && req->amount_minor <= 0) {
        return false;
    }
    switch (req->op) {
    case ACQUIRER_AUTHORIZE:
        return req->pan != NULL && req->exp_month >= 1 && req->exp_month <= 12;
    case ACQUIRER_CAPTURE:
    case ACQUIRER_VOID:
    case ACQUIRER_REFUND:
        return req->auth_ref[0] != '\0' &&
               strnlen(req->auth_ref, sizeof req->auth_ref) < sizeof req->auth_ref;
    case ACQUIRER_LOOKUP:
        return false;
    }
    return false;
}

int acquirer_submit(struct acquirer *a, const struct acquirer_request *req, acquirer_done_fn done,
                    void *ctx)
{
    MDT_ASSERT(a != NULL && req != NULL && done != NULL);
    if (!request_valid(req)) {
        return MDT_E(INVAL);
    }
    int rc = 0;
    struct acquirer_call *call = call_new(a, req->op, req->key, done, ctx, &rc);
    if (call == NULL) {
        return rc;
    }
    rc = a->ops->submit(a, req, call);
    if (rc < 0) {
        a->ops->abandon(a, call);
        call_free(call);
    }
    return rc;
}

int acquirer_lookup(struct acquirer *a, const char *key, acquirer_done_fn done, void *ctx)
{
    MDT_ASSERT(a != NULL && key != NULL && done != NULL);
    size_t key_len = strnlen(key, ACQUIRER_KEY_MAX);
    if (key_len == 0 || key_len == ACQUIRER_KEY_MAX) {
        return MDT_E(INVAL);
    }
    int rc = 0;
    struct acquirer_call *call = call_new(a, ACQUIRER_LOOKUP, key, done, ctx, &rc);
    if (call == NULL) {
        return rc;
    }
    rc = a->ops->lookup(a, key, call);
    if (rc < 0) {
        a->ops->abandon(a, call);
        call_free(call);
    }
    return rc;
}

void acquirer_free(struct acquirer *a)
{
    if (a == NULL) {
        return;
    }
    while (a->calls != NULL) {
        struct acquirer_call *call = a->calls;
        a->ops->abandon(a, call);
        call_free(call);
    }
    a->ops->free(a);
}
