/* SPDX-License-Identifier: Apache-2.0 */
/* Verify a mandat webhook in C with OpenSSL (docs/webhooks.md), as a merchant's server does:
 * recompute HMAC-SHA256 over "<t>." followed by the body with the signing secret, compare it in
 * constant time with each v1 signature of the Mandat-Signature header, and refuse a timestamp
 * more than 5 minutes from now. The e2e test builds and runs this file.
 *
 *   cc -o verify_webhook verify_webhook.c -lcrypto
 *   ./verify_webhook "$SECRET" "$MANDAT_SIGNATURE" < body.json   # exit 0: valid */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOLERANCE_S 300        /* older (or newer) signatures may be replays */
#define BODY_MAX (1024 * 1024) /* mandat's events are a few kilobytes */

/* hex(HMAC-SHA256(secret, "<t>." body)) into out (65 bytes). Returns 0, or -1 when out of
 * memory. */
static int signature(const char *secret, long long t, const char *body, size_t len, char out[65])
{
    unsigned char mac[32];
    unsigned int mac_len = sizeof(mac);
    char *msg = malloc(len + 32);
    int n;

    if (msg == NULL) {
        return -1;
    }
    n = snprintf(msg, 32, "%lld.", t);
    memcpy(msg + n, body, len);
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)n + len,
             mac, &mac_len) == NULL) {
        free(msg);
        return -1;
    }
    free(msg);
    for (unsigned int i = 0; i < mac_len; i++) {
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
    }
    return 0;
}

/* 1 when header ("t=1795428000,v1=<64 hex>[,v1=...]") signs body with secret within
 * TOLERANCE_S of now; 0 otherwise, with *why set. */
static int mandat_webhook_verify(const char *secret, const char *header, const char *body,
                                 size_t len, time_t now, const char **why)
{
    char expected[65];
    long long t = -1;
    int valid = 0;
    const char *p;

    /* The timestamp first: it is part of what was signed. */
    for (p = header; p != NULL && t < 0; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, "t=", 2) == 0) {
            t = strtoll(p + 2, NULL, 10);
        }
    }
    if (t <= 0) {
        *why = "no timestamp in the header";
        return 0;
    }
    if (llabs((long long)now - t) > TOLERANCE_S) {
        *why = "timestamp more than 5 minutes from now: a replay?";
        return 0;
    }
    if (signature(secret, t, body, len, expected) < 0) {
        *why = "out of memory";
        return 0;
    }
    /* Any v1 may match (a secret being rotated signs twice); compare without leaking time. */
    for (p = header; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, "v1=", 3) == 0 && strcspn(p + 3, ",") == 64 &&
            CRYPTO_memcmp(p + 3, expected, 64) == 0) {
            valid = 1;
        }
    }
    *why = valid ? "" : "no v1 signature matches";
    return valid;
}

int main(int argc, char **argv)
{
    char *body = malloc(BODY_MAX + 1);
    const char *why = "";
    size_t len;
    int valid;

    if (argc != 3 || body == NULL) {
        fprintf(stderr, "usage: verify_webhook SECRET SIGNATURE_HEADER < BODY\n");
        free(body);
        return 2;
    }
    len = fread(body, 1, BODY_MAX + 1, stdin);
    if (len > BODY_MAX) {
        fprintf(stderr, "invalid: body larger than %d bytes\n", BODY_MAX);
        free(body);
        return 1;
    }
    valid = mandat_webhook_verify(argv[1], argv[2], body, len, time(NULL), &why);
    free(body);
    if (!valid) {
        fprintf(stderr, "invalid: %s\n", why);
        return 1;
    }
    printf("valid\n");
    return 0;
}
