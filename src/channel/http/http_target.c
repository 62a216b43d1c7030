/* SPDX-License-Identifier: Apache-2.0 */
/* Where an outgoing request goes: the target of a URL, and whether its host is inside the
 * operator's network (the SSRF guard). Pure rules: no libevent, no I/O. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "channel/http/http_client.h"

/* The host as the URI has it; an IPv6 literal loses its brackets. */
static int target_host(struct http_target *t, const char *host, const char **why)
{
    size_t len = host != NULL ? strlen(host) : 0;
    unsigned char addr[16];

    if (len == 0) {
        *why = "no host: write it like https://host.example/path";
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

int http_target_make(const char *scheme, const char *userinfo, const char *host, int port,
                     const char *path, const char *query, struct http_target *t, const char **why)
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
        *why = "credentials in the URL are not supported: send them in a header";
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

/* Loopback, private (RFC 1918, RFC 4193), link-local, CGNAT, unspecified, and "localhost". A
 * literal only: a name that resolves to such an address is not seen here (see the README). */
bool http_host_private(const char *host)
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
            return http_host_private(v4);
        }
        return memcmp(a, zero, 15) == 0 /* :: and ::1 */ || (a[0] & 0xfe) == 0xfc ||
               (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
    }
    return false;
}
