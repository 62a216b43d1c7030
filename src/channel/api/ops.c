/* SPDX-License-Identifier: Apache-2.0 */
/* /readyz and /metrics on libevent's HTTP server. */
#include "channel/api/ops.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <string.h>

#include "base/assert.h"
#include "channel/api/api.h"
#include "channel/api/api_auth.h"
#include "vault/vault.h"

/* Room for today's series with their help lines (about 3 KB). */
#define OPS_METRICS_MAX 8192

static void text(struct evhttp_request *req, int status, const char *type, const char *body,
                 size_t len)
{
    struct evbuffer *b = evbuffer_new();

    MDT_ASSERT(b != NULL);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    evbuffer_add(b, body, len);
    evhttp_send_reply(req, status, NULL, b);
    evbuffer_free(b);
}

/* /metrics for whom h->metrics_token allows; otherwise the problem is sent and false returned. */
static bool metrics_allowed(const struct ops_handlers *h, struct evhttp_request *req)
{
    const char *auth;

    if (h->metrics_token == NULL) {
        return true;
    }
    if (h->metrics_token[0] == '\0') {
        api_problem(req, 404, "not-found", "Not found",
                    "/metrics is served on [http] internal_listen, or here with "
                    "[http] metrics_token");
        return false;
    }
    auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (!vault_secret_equal(api_bearer(auth), h->metrics_token)) {
        api_problem(req, 401, "unauthorized", "Unauthorized",
                    "send Authorization: Bearer <[http] metrics_token>");
        return false;
    }
    return true;
}

bool ops_handle(const struct ops_handlers *h, void *r)
{
    struct evhttp_request *req = r;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    static char buf[OPS_METRICS_MAX];
    struct metrics_gauges g = {0};
    char why[256] = "";
    int n;

    if (path == NULL) {
        return false;
    }
    if (strcmp(path, "/readyz") == 0) {
        if (h->ready(h->ctx, why, sizeof(why))) {
            text(req, 200, "text/plain; charset=utf-8", "ready\n", 6);
        } else {
            api_problem(req, 503, "not-ready", "Not ready", why);
        }
        return true;
    }
    if (strcmp(path, "/metrics") == 0 && metrics_allowed(h, req)) {
        h->gauges(h->ctx, &g);
        n = metrics_format(&g, buf, sizeof(buf));
        MDT_ASSERT(n > 0);
        text(req, 200, "text/plain; version=0.0.4; charset=utf-8", buf, (size_t)n);
        return true;
    }
    return false;
}
