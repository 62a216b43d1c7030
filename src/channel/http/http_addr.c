/* SPDX-License-Identifier: Apache-2.0 */
/* The SSRF guard's rules: which addresses are special-purpose (IANA's IPv4 and IPv6
 * Special-Purpose Address Registries, RFC 6890) and so never a merchant's or a social network's
 * server, and the IPv4 literals inet_aton(3) accepts besides dotted quads. Pure: no I/O. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "channel/http/http_client.h"

struct range {
    uint8_t prefix[16];
    uint8_t bits;
    const char *name;
};

/* IANA IPv4 Special-Purpose Address Registry, plus multicast and the reserved 240/4. Ranges the
 * registry marks globally reachable (AS112, AMT) are left out: they are someone's servers. */
static const struct range v4_ranges[] = {
    {{0}, 8, "\"this network\" (0.0.0.0/8)"},
    {{10}, 8, "private (10.0.0.0/8)"},
    {{100, 64}, 10, "shared address space (100.64.0.0/10)"},
    {{127}, 8, "loopback (127.0.0.0/8)"},
    {{169, 254}, 16, "link-local (169.254.0.0/16)"},
    {{172, 16}, 12, "private (172.16.0.0/12)"},
    {{192, 0, 0}, 24, "IETF protocol assignments (192.0.0.0/24)"},
    {{192, 0, 2}, 24, "documentation (192.0.2.0/24)"},
    {{192, 88, 99}, 24, "6to4 relay anycast (192.88.99.0/24)"},
    {{192, 168}, 16, "private (192.168.0.0/16)"},
    {{198, 18}, 15, "benchmarking (198.18.0.0/15)"},
    {{198, 51, 100}, 24, "documentation (198.51.100.0/24)"},
    {{203, 0, 113}, 24, "documentation (203.0.113.0/24)"},
    {{224}, 4, "multicast (224.0.0.0/4)"},
    {{240}, 4, "reserved or broadcast (240.0.0.0/4)"},
};

/* IANA IPv6 Special-Purpose Address Registry. The forms that carry an IPv4 address (mapped,
 * translated, NAT64, 6to4) are judged by that address first (see http_addr6_special). */
static const struct range v6_ranges[] = {
    {{0}, 128, "unspecified (::)"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback (::1)"},
    {{0}, 96, "IPv4-compatible, deprecated (::/96)"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "local-use IPv4/IPv6 translation (64:ff9b:1::/48)"},
    {{0x01}, 64, "discard-only (100::/64)"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation (2001:db8::/32)"},
    {{0x20, 0x01}, 23, "IETF protocol assignments, Teredo (2001::/23)"},
    {{0x3f, 0xff}, 20, "documentation (3fff::/20)"},
    {{0x5f, 0x00}, 16, "segment routing (5f00::/16)"},
    {{0xfc}, 7, "unique local (fc00::/7)"},
    {{0xfe, 0x80}, 10, "link-local (fe80::/10)"},
    {{0xfe, 0xc0}, 10, "site-local, deprecated (fec0::/10)"},
    {{0xff}, 8, "multicast (ff00::/8)"},
};

static bool range_has(const struct range *r, const uint8_t *a)
{
    size_t whole = r->bits / 8;
    unsigned rest = r->bits % 8;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));

    if (memcmp(a, r->prefix, whole) != 0) {
        return false;
    }
    return rest == 0 || (a[whole] & mask) == (r->prefix[whole] & mask);
}

const char *http_addr4_special(const uint8_t a[4])
{
    for (size_t i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++) {
        if (range_has(&v4_ranges[i], a)) {
            return v4_ranges[i].name;
        }
    }
    return NULL;
}

/* Where an IPv6 address carries an IPv4 one that a gateway or the kernel may reach for it:
 * the IPv4 bytes, else NULL. */
static const uint8_t *v6_embedded_v4(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t translated[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};

    if (memcmp(a, mapped, 12) == 0 || memcmp(a, translated, 12) == 0 || memcmp(a, nat64, 12) == 0) {
        return a + 12; /* RFC 4291 §2.5.5.2, RFC 2765 §2.1, RFC 6052 §2.1 */
    }
    if (a[0] == 0x20 && a[1] == 0x02) {
        return a + 2; /* 6to4, RFC 3056 §2 */
    }
    return NULL;
}

const char *http_addr6_special(const uint8_t a[16])
{
    const uint8_t *v4 = v6_embedded_v4(a);

    if (v4 != NULL) {
        return http_addr4_special(v4);
    }
    for (size_t i = 0; i < sizeof(v6_ranges) / sizeof(v6_ranges[0]); i++) {
        if (range_has(&v6_ranges[i], a)) {
            return v6_ranges[i].name;
        }
    }
    /* RFC 4291 §2.4: only 2000::/3 is allocated as global unicast. */
    if ((a[0] & 0xe0) != 0x20) {
        return "not global unicast (outside 2000::/3)";
    }
    return NULL;
}

const char *http_addr_special(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        return http_addr4_special(
            (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        return http_addr6_special(
            (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
    }
    return "not an Internet address";
}

/* One part of an inet_aton literal: 0x hex, 0 octal, else decimal. Returns 0 and *out, or -1
 * when text is not a number or is above 2^32 - 1. */
static int ipv4_part(const char *text, size_t len, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;
    size_t i = 0;

    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (len >= 2 && text[0] == '0') {
        base = 8;
        i = 1;
    }
    if (len == 0) {
        return -1;
    }
    for (; i < len; i++) {
        int c = tolower((unsigned char)text[i]);
        unsigned d = isdigit(c)               ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? 10u + (unsigned)(c - 'a')
                                              : 99u;

        if (d >= base) {
            return -1;
        }
        v = v * base + d;
        if (v > 0xffffffffu) {
            return -1;
        }
    }
    *out = v;
    return 0;
}

int http_ipv4_parse(const char *host, uint8_t out[4])
{
    uint64_t parts[4];
    size_t n = 0, len = strlen(host);
    const char *p = host;
    uint32_t v;

    if (len > 0 && host[len - 1] == '.') {
        len--; /* a fully qualified literal: "127.0.0.1." */
    }
    while (p < host + len) {
        const char *dot = memchr(p, '.', (size_t)(host + len - p));
        size_t part_len = dot != NULL ? (size_t)(dot - p) : (size_t)(host + len - p);

        if (n == 4 || ipv4_part(p, part_len, &parts[n]) < 0) {
            return MDT_E(INVAL);
        }
        n++;
        p += part_len + (dot != NULL ? 1 : 0);
        if (dot != NULL && p == host + len) {
            return MDT_E(INVAL); /* "1.2." */
        }
    }
    if (n == 0) {
        return MDT_E(INVAL);
    }
    /* inet_aton(3): a.b.c.d; a.b.c with c 16 bits; a.b with b 24 bits; a alone 32 bits. */
    for (size_t i = 0; i + 1 < n; i++) {
        if (parts[i] > 255) {
            return MDT_E(INVAL);
        }
    }
    if (parts[n - 1] > (0xffffffffu >> (8 * (n - 1)))) {
        return MDT_E(INVAL);
    }
    v = (uint32_t)parts[n - 1];
    for (size_t i = 0; i + 1 < n; i++) {
        v |= (uint32_t)parts[i] << (24 - 8 * i);
    }
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
    return 0;
}

/* RFC 6761 §6.3: "localhost" and its subdomains are the loopback, whatever DNS says. */
static bool name_is_localhost(const char *host)
{
    char low[HTTP_HOST_MAX];
    size_t n = strnlen(host, sizeof(low) - 1);

    for (size_t i = 0; i < n; i++) {
        low[i] = (char)tolower((unsigned char)host[i]);
    }
    if (n > 0 && low[n - 1] == '.') {
        n--;
    }
    low[n] = '\0';
    return strcmp(low, "localhost") == 0 || (n > 10 && strcmp(low + n - 10, ".localhost") == 0);
}

const char *http_host_special(const char *host)
{
    uint8_t a[16];

    if (name_is_localhost(host)) {
        return "localhost name (RFC 6761)";
    }
    if (http_ipv4_parse(host, a) == 0) {
        return http_addr4_special(a);
    }
    if (inet_pton(AF_INET6, host, a) == 1) {
        return http_addr6_special(a);
    }
    return NULL;
}

bool http_host_private(const char *host)
{
    return http_host_special(host) != NULL;
}
