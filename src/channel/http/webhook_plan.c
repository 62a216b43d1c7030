/* SPDX-License-Identifier: Apache-2.0 */
/* The pure rules of webhook delivery: the request target of a URL, the retry schedule and the
 * headers of a try. No libevent, no clock, no randomness of their own: all passed in. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/id128.h"
#include "base/limits.h"
#include "channel/http/webhook_int.h"

void webhook_config_default(struct webhook_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout_s = 10;         /* merchants answer in milliseconds; 10 s covers a cold start */
    cfg->concurrency = 16;       /* a few per merchant at peak, without a thundering herd */
    cfg->retry_min_s = 10;       /* 10 s, 20 s, 40 s ... 1 h */
    cfg->retry_period_s = 86400; /* a day of outage at the merchant's, then failed */
}

/* The host as the URI has it; an IPv6 literal loses its brackets. */
static int target_host(struct webhook_target *t, const char *host, const char **why)
{
    size_t len = host != NULL ? strlen(host) : 0;
    unsigned char addr[16];

    if (len == 0) {
        *why = "no host: write it like https://shop.example/hooks";
        return MDT_E(INVAL);
    }
    if (host[0] == '[') {
        if (len < 3 || host[len - 1] != ']' || len - 2 >= sizeof(t->host)) {
            *why = "malformed IPv6 address";
            return MDT_E(INVAL);
        }
        memcpy(t->host, host + 1, len - 2);
        t->host[len - 2] = '\0';
        if (inet_pton(AF_INET6, t->host, addr) != 1) {
            *why = "malformed IPv6 address (zone ids and IPvFuture are not supported)";
            return MDT_E(INVAL);
        }
        t->ip_literal = true;
        return 0;
    }
    if (len >= sizeof(t->host)) {
        *why = "host name longer than 255 characters";
        return MDT_E(INVAL);
    }
    memcpy(t->host, host, len + 1);
    t->ip_literal = inet_pton(AF_INET, t->host, addr) == 1;
    return 0;
}

int webhook_target_make(const char *scheme, const char *userinfo, const char *host, int port,
                        const char *path, const char *query, struct webhook_target *t,
                        const char **why)
{
    uint16_t default_port;
    bool v6;
    int n;
    int rc = 0;

    memset(t, 0, sizeof(*t));
    if (scheme != NULL && strcasecmp(scheme, "https") == 0) {
        t->tls = true;
    } else if (scheme == NULL || strcasecmp(scheme, "http") != 0) {
        *why = "unsupported scheme: use https or http";
        rc = MDT_E(INVAL);
        goto out;
    }
    default_port = t->tls ? 443 : 80;
    if (userinfo != NULL) {
        *why = "credentials in the URL are not supported: the signature authenticates mandat";
        rc = MDT_E(INVAL);
        goto out;
    }
    rc = target_host(t, host, why);
    if (rc < 0) {
        goto out;
    }
    if (port == 0 || port > 65535) {
        *why = "port out of range: use 1 to 65535";
        rc = MDT_E(INVAL);
        goto out;
    }
    t->port = port < 0 ? default_port : (uint16_t)port;
    v6 = strchr(t->host, ':') != NULL;
    n = snprintf(t->host_header, sizeof(t->host_header), "%s%s%s", v6 ? "[" : "", t->host,
                 v6 ? "]" : "");
    if (t->port != default_port) {
        snprintf(t->host_header + n, sizeof(t->host_header) - (size_t)n, ":%u", t->port);
    }
    n = snprintf(t->path, sizeof(t->path), "%s%s%s%s", (path == NULL || path[0] != '/') ? "/" : "",
                 path != NULL ? path : "", query != NULL ? "?" : "", query != NULL ? query : "");
    if (n < 0 || (size_t)n >= sizeof(t->path)) {
        *why = "path too long";
        rc = MDT_E(INVAL);
    }
out:
    return rc;
}

int64_t webhook_backoff_us(uint32_t n, uint32_t retry_min_s, uint32_t rand32)
{
    uint64_t nominal_s = retry_min_s > 0 ? retry_min_s : 1;
    uint64_t nominal_us, jitter_us;

    MDT_ASSERT(n >= 1);
    /* Doubling stops once past the cap; 2^31 s would overflow nothing, but the cap comes first. */
    for (uint32_t i = 1; i < n && nominal_s < WEBHOOK_BACKOFF_MAX_S; i++) {
        nominal_s *= 2;
    }
    if (nominal_s > WEBHOOK_BACKOFF_MAX_S) {
        nominal_s = WEBHOOK_BACKOFF_MAX_S;
    }
    nominal_us = nominal_s * 1000000u;
    /* (nominal / 4) * rand / 2^32: below 9e8 * 4.3e9 = 3.9e18, inside 64 bits. */
    jitter_us = ((nominal_us / 4) * (uint64_t)rand32) >> 32;
    return (int64_t)(nominal_us - jitter_us);
}

enum webhook_outcome webhook_row_after_try(struct webhook_row *r, int status, int64_t now_us,
                                           uint32_t retry_min_s, uint32_t retry_period_s,
                                           uint32_t rand32)
{
    int64_t end_us = r->created_us + (int64_t)retry_period_s * 1000000;
    int64_t next_us;

    MDT_ASSERT(r->state == WEBHOOK_QUEUED);
    if (r->attempts < UINT32_MAX) {
        r->attempts++;
    }
    if (status >= 200 && status <= 299) {
        r->state = WEBHOOK_DELIVERED;
        r->next_try_us = now_us;
        return WEBHOOK_OUT_DELIVERED;
    }
    if (now_us >= end_us) {
        r->state = WEBHOOK_FAILED;
        r->next_try_us = now_us;
        return WEBHOOK_OUT_FAILED;
    }
    next_us = now_us + webhook_backoff_us(r->attempts, retry_min_s, rand32);
    r->next_try_us = next_us < end_us ? next_us : end_us;
    return WEBHOOK_OUT_RETRY;
}

void webhook_headers_make(const struct webhook_target *t, const struct webhook_row *r, int64_t t_s,
                          const char *sig, struct webhook_header out[WEBHOOK_HEADER_COUNT])
{
    char id[ID128_TEXT_MAX];
    size_t i = 0;

    id128_format(r->id, id);
    memset(out, 0, WEBHOOK_HEADER_COUNT * sizeof(*out));
    out[i].name = "Host";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "%s", t->host_header);
    out[i].name = "Content-Type";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "application/json");
    out[i].name = "User-Agent";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "%s", WEBHOOK_USER_AGENT);
    out[i].name = "Mandat-Event-Id";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "%s", id);
    /* The scheme of Stripe-Signature: a timestamp, and a versioned list of signatures, so that
     * a v2 can be added beside v1 while merchants move over. */
    out[i].name = "Mandat-Signature";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "t=%lld,v1=%.64s", (long long)t_s, sig);
    out[i].name = "Connection";
    snprintf(out[i++].value, WEBHOOK_HEADER_VALUE_MAX, "close");
    MDT_ASSERT(i == WEBHOOK_HEADER_COUNT);
}

void webhook_text_safe(const char *in, char *out, size_t cap)
{
    size_t i = 0;

    MDT_ASSERT(cap > 0);
    for (; in[i] != '\0' && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];

        out[i] = (c < 0x21 || c > 0x7e) ? '?' : (char)c;
    }
    out[i] = '\0';
}

/* Loopback, private (RFC 1918, RFC 4193), link-local, CGNAT, unspecified, and "localhost". A
 * literal only: a name that resolves to such an address is not seen here (see the README). */
bool webhook_host_private(const char *host)
{
    unsigned char a[16];
    size_t n = strlen(host);

    if (strcmp(host, "localhost") == 0 || (n > 10 && strcmp(host + n - 10, ".localhost") == 0)) {
        return true;
    }
    if (inet_pton(AF_INET, host, a) == 1) {
        return a[0] == 127 || a[0] == 10 || a[0] == 0 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
               (a[0] == 100 && (a[1] & 0xc0) == 64);
    }
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char zero[16] = {0};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        char v4[INET_ADDRSTRLEN];

        if (memcmp(a, mapped, 12) == 0) {
            inet_ntop(AF_INET, a + 12, v4, sizeof(v4));
            return webhook_host_private(v4);
        }
        return memcmp(a, zero, 15) == 0 /* :: and ::1 */ || (a[0] & 0xfe) == 0xfc ||
               (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
    }
    return false;
}
