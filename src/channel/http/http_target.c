/* SPDX-License-Identifier: Apache-2.0 */
/* Where an outgoing request goes: the target of a URL, its host in one spelling (lower case,
 * IPv4 literals as dotted quads). Pure rules: no libevent, no I/O. */
#include <arpa/inet.h>
#include <ctype.h>
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
    /* Host names are case-insensitive (RFC 4343): one spelling for the guard, the Host header,
     * SNI and the logs. */
    for (size_t i = 0; i <= len; i++) {
        t->host[i] = (char)tolower((unsigned char)host[i]);
    }
    /* "2130706433", "0x7f.1" and "0177.0.0.1" are 127.0.0.1 to inet_aton and to browsers; written
     * as the address itself, so that the guard, the connection and the certificate check all
     * see the same one. */
    if (http_ipv4_parse(t->host, addr) == 0) {
        inet_ntop(AF_INET, addr, t->host, sizeof(t->host));
        t->ip_literal = true;
    }
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
