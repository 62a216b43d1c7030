/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the SSRF guard's parsing: arbitrary bytes as a URL and as a host. A URL
 * that parses has one spelling of its host (lower case; IPv4 literals as dotted quads that
 * inet_pton reads back) and the guard judges it the same way twice; an inet_aton literal formats
 * and parses back to the same address. Aborts on any mismatch. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/http/http_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Past HTTP_HOST_MAX and the URL's path bound, so that the length checks are fuzzed too. */
#define FUZZ_TEXT_MAX 4096

static void check_url(const char *text)
{
    struct http_target t;
    const char *why = NULL;
    uint8_t a[16];

    if (http_target_parse(text, &t, &why) != 0) {
        if (why == NULL || why[0] == '\0') {
            abort();
        }
        return;
    }
    for (const char *p = t.host; *p != '\0'; p++) {
        if (isupper((unsigned char)*p) && strchr(t.host, ':') == NULL) {
            abort(); /* names are lower case (IPv6 literals keep theirs) */
        }
    }
    if (t.ip_literal && inet_pton(AF_INET, t.host, a) != 1 && inet_pton(AF_INET6, t.host, a) != 1) {
        abort();
    }
    if ((http_host_special(t.host) == NULL) != (http_host_special(t.host) == NULL)) {
        abort();
    }
}

static void check_host(const char *text)
{
    uint8_t a[4], b[4];
    char dotted[INET_ADDRSTRLEN];

    (void)http_host_special(text);
    if (http_ipv4_parse(text, a) != 0) {
        return;
    }
    if (inet_ntop(AF_INET, a, dotted, sizeof(dotted)) == NULL || http_ipv4_parse(dotted, b) != 0 ||
        memcmp(a, b, 4) != 0 ||
        (http_addr4_special(a) == NULL) != (http_host_special(text) == NULL)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[FUZZ_TEXT_MAX + 1];

    if (size > FUZZ_TEXT_MAX) {
        size = FUZZ_TEXT_MAX;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    check_url(text);
    check_host(text);
    return 0;
}
