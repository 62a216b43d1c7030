/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot HTTP/1.1 requests from the event loop: one connection per request (http, or https
 * with the peer's certificate checked against the URL's host name or address), a deadline over
 * the whole request, bounded responses, and no special-purpose (loopback, private, ...) address
 * unless allowed: a name is resolved once, without blocking, every address it resolves to is
 * checked, and the connection goes to the address checked (no second lookup to rebind). Shared
 * by the webhook sender and the social-network channels, so that the TLS, connection and
 * deadline handling that libevent 2.1 makes delicate exists once. */
#ifndef MDT_CHANNEL_HTTP_HTTP_CLIENT_H
#define MDT_CHANNEL_HTTP_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>

#include "base/error.h"
#include "base/limits.h"

struct event_base;
struct evkeyvalq;
struct http_client;

#define HTTP_CLIENT_CA_FILE_MAX 512
#define HTTP_CLIENT_USER_AGENT "mandat/1"

struct http_client_config {
    uint32_t timeout_s; /* a whole request at most: DNS, connect, TLS, request, response */
    char tls_ca_file[HTTP_CLIENT_CA_FILE_MAX]; /* PEM trust anchors for https; "": the system's */
    bool allow_private; /* allow special-purpose addresses (else refused: SSRF guard) */
    size_t body_max; /* largest response body accepted; 0: 1 MiB (HTTP_CLIENT_BODY_MAX_DEFAULT) */
    /* More names, in /etc/hosts form, resolved before DNS (tests); "": the system's only */
    char hosts_file[HTTP_CLIENT_CA_FILE_MAX];
};

/* Create a client on base (the loop thread owns it from then on): checks cfg, loads the TLS
 * trust anchors and starts a non-blocking DNS resolver. *out: http_client_free. Errors:
 * -MDT_EINVAL (timeout_s 0 or above HTTP_CLIENT_TIMEOUT_MAX_S, body_max above
 * HTTP_CLIENT_BODY_MAX_LIMIT, unreadable tls_ca_file or hosts_file: err says which, as
 * "tls_ca_file '<path>': ..."), -MDT_ENOMEM. */
int http_client_start(struct event_base *base, const struct http_client_config *cfg,
                      struct http_client **out, struct mdt_err *err);

/* Free the client: in-flight requests are cancelled; their done is NOT called. NULL is allowed.
 * Loop thread only; may be called from inside a done callback. */
void http_client_free(struct http_client *c);

struct http_header {
    const char *name;
    const char *value;
};

/* Why a request got no response (status 0). */
enum http_client_fail {
    HTTP_CLIENT_OK = 0,           /* a response came: status says which */
    HTTP_CLIENT_FAIL_CONNECT,     /* refused, unreachable, name unknown */
    HTTP_CLIENT_FAIL_TLS,         /* the TLS handshake failed (not the certificate) */
    HTTP_CLIENT_FAIL_CERTIFICATE, /* the peer's certificate was refused */
    HTTP_CLIENT_FAIL_TIMEOUT,     /* not over within timeout_s */
    HTTP_CLIENT_FAIL_TOO_LARGE,   /* body over body_max, or headers over HTTP_CLIENT_HEADERS_MAX */
    HTTP_CLIENT_FAIL_CLOSED,      /* the connection closed before the whole response came */
    HTTP_CLIENT_FAIL_MALFORMED,   /* not an HTTP/1.x response */
    HTTP_CLIENT_FAIL_IO,          /* a read or write error, or out of memory */
    HTTP_CLIENT_FAIL_REFUSED,     /* the name resolves to a special-purpose address: not sent */
};

/* The prefix of error for HTTP_CLIENT_FAIL_REFUSED and of err for a refused literal, before
 * "<host> resolves to <address>, <range>" or "<host> is <range>". */
#define HTTP_CLIENT_SSRF_PREFIX "SSRF guard: "

/* The prefix of error for HTTP_CLIENT_FAIL_CERTIFICATE, before OpenSSL's reason. */
#define HTTP_CLIENT_CERT_PREFIX "certificate: "

/* What came back. Everything it points to is the client's, valid during the done call only. */
struct http_response {
    int status;        /* 0: no response; then error says why */
    const char *error; /* "" when status != 0; else e.g. "connection refused", "timed out after
                        * 10 s", "certificate: <OpenSSL's reason>" */
    const struct evkeyvalq *headers; /* response headers; NULL when status is 0 */
    const char *body;                /* NUL-terminated; "" when none */
    size_t body_len;
    enum http_client_fail fail; /* HTTP_CLIENT_OK when status != 0 */
    int status_line; /* the status of the response's head even when its body then failed (too
                      * large, cut off); 0 when no head came */
};

/* Called exactly once per accepted request, from the loop. r is valid during the call only. */
typedef void (*http_client_done_fn)(void *arg, const struct http_response *r);

/* Send one request. method: EVHTTP_REQ_GET / POST / ...; url http:// or https://. Adds Host,
 * Connection: close, User-Agent (HTTP_CLIENT_USER_AGENT unless given), Content-Length for
 * bodies; headers must not name Host, Connection, Content-Length or Transfer-Encoding. The
 * client copies url, headers and body (the caller may free them on return); header values are
 * treated as secrets: never logged, and the client's copies are wiped before they are freed (the
 * bytes libevent wrote to the socket's buffers are not). done is called exactly once, always
 * from the loop and never from inside this call. A host name is resolved (evdns: /etc/hosts,
 * then DNS, never blocking) and, unless allow_private, refused when any of its addresses is
 * special-purpose (done gets HTTP_CLIENT_FAIL_REFUSED); else the connection goes to its first
 * address, while Host, SNI and the certificate check keep the name. Returns 0; or -MDT_EINVAL
 * (bad URL, a header name or value that is not allowed, or a host refused as it is written: a
 * localhost name or a special-purpose literal, err starts with HTTP_CLIENT_SSRF_PREFIX; done is
 * not called);
 * -MDT_EFULL (HTTP_CLIENT_IN_FLIGHT_MAX requests in flight); -MDT_ENOMEM. Loop thread only. */
int http_client_request(struct http_client *c, enum evhttp_cmd_type method, const char *url,
                        const struct http_header *headers, size_t n_headers, const char *body,
                        size_t body_len, http_client_done_fn done, void *arg, struct mdt_err *err);

/* Requests in flight now: accepted, done not called yet. Loop thread only. */
size_t http_client_in_flight(const struct http_client *c);

/* ---- URLs: where a request goes ---- */

/* Where a request goes, from its URL. */
struct http_target {
    bool tls;        /* https */
    bool ip_literal; /* host is an IPv4 or IPv6 address: no SNI, the certificate names the IP */
    uint16_t port;
    char host[HTTP_HOST_MAX];            /* a DNS name or an address; IPv6 without brackets */
    char host_header[HTTP_HOST_MAX + 8]; /* Host: the host, [v6], ":port" unless default */
    char path[HTTP_TARGET_PATH_MAX];     /* request target: path and query, "/" at least */
};

/* The target of a URL from its parts as a URI parser split them (RFC 3986): scheme, host (IPv6
 * in brackets), port (-1 when absent), path ("" or NULL when absent), query (NULL when absent)
 * and userinfo (NULL when absent). Returns 0, or -MDT_EINVAL with *why, a static text for
 * people ("unsupported scheme: use https or http"). No I/O. */
int http_target_make(const char *scheme, const char *userinfo, const char *host, int port,
                     const char *path, const char *query, struct http_target *t, const char **why);

/* Parse url with libevent's evhttp_uri, then http_target_make. Same returns. */
int http_target_parse(const char *url, struct http_target *t, const char **why);

/* ---- the SSRF guard (http_addr.c): where requests built from outside input must not go ---- */

/* Why an address is special-purpose (IANA's special-purpose registries: loopback, private,
 * shared, link-local, documentation, benchmarking, multicast, reserved, unique local, ...), as a
 * static text naming the range, e.g. "loopback (127.0.0.0/8)"; NULL for a public unicast
 * address. IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, translated, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are judged by that address; IPv4-compatible ::/96 is refused. */
const char *http_addr4_special(const uint8_t a[4]);
const char *http_addr6_special(const uint8_t a[16]);
/* The same for a socket address (AF_INET or AF_INET6; any other family is special). */
struct sockaddr;
const char *http_addr_special(const struct sockaddr *sa);

/* An IPv4 literal as inet_aton(3) and URL parsers read it: one to four parts, each decimal,
 * 0-prefixed octal or 0x-prefixed hex, the last filling the remaining bytes ("2130706433",
 * "0x7f.1", "0177.0.0.1"), one final dot allowed. Returns 0 and out in network order, or
 * -MDT_EINVAL when host is not such a literal (it is then a name, or an IPv6 literal). */
int http_ipv4_parse(const char *host, uint8_t out[4]);

/* Why host (a name or an address literal, any case) must not be a request's target: a
 * "localhost" name (RFC 6761) or a special-purpose literal. NULL when nothing is known against
 * it: a name must still be resolved and every address it resolves to checked, which
 * http_client_request does. */
const char *http_host_special(const char *host);

/* http_host_special(host) != NULL. */
bool http_host_private(const char *host);

#endif
