/* SPDX-License-Identifier: Apache-2.0 */
/* 128-bit ids: hex text, CSPRNG generation, deterministic derivation. */
#include "base/id128.h"

#include "base/hex.h"

#include <string.h>
#include <sys/random.h>

int id128_parse(const char *text, struct id128 *out, struct mdt_err *err)
{
    uint64_t words[2] = {0, 0};
    int digits = 0;

    for (const char *p = text; *p != '\0'; p++) {
        int v;

        if (*p == '-') {
            continue;
        }
        v = hex_digit(*p);
        if (v < 0 || digits >= 32) {
            return mdt_err_set(err, MDT_E(PARSE),
                               "'%.40s' is not an id: write 32 hexadecimal digits", text);
        }
        words[digits / 16] = (words[digits / 16] << 4) | (uint64_t)v;
        digits++;
    }
    if (digits != 32) {
        return mdt_err_set(err, MDT_E(PARSE), "'%.40s' is not an id: write 32 hexadecimal digits",
                           text);
    }
    out->hi = words[0];
    out->lo = words[1];
    return 0;
}

void id128_format(struct id128 id, char buf[ID128_TEXT_MAX])
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < 16; i++) {
        buf[i] = digits[(id.hi >> (60 - 4 * i)) & 0xf];
        buf[16 + i] = digits[(id.lo >> (60 - 4 * i)) & 0xf];
    }
    buf[32] = '\0';
}

int id128_random(struct id128 *out)
{
    uint64_t w[2];

    do {
        if (getrandom(w, sizeof(w), 0) != (ssize_t)sizeof(w)) {
            return MDT_E(IO);
        }
    } while (w[0] == 0 && w[1] == 0);
    out->hi = w[0];
    out->lo = w[1];
    return 0;
}

/* splitmix64 finaliser: a bijective mixer, so distinct inputs stay distinct per word. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

struct id128 id128_derive(struct id128 parent, uint32_t tag)
{
    struct id128 out;
    uint64_t t = 0x6d616e646174ULL ^ ((uint64_t)tag << 48); /* "mandat" */

    out.hi = mix64(parent.hi ^ mix64(parent.lo + t));
    out.lo = mix64(parent.lo ^ mix64(out.hi + t + 1));
    if (out.hi == 0 && out.lo == 0) {
        out.lo = 1;
    }
    return out;
}

bool id128_is_zero(struct id128 id)
{
    return id.hi == 0 && id.lo == 0;
}

bool id128_eq(struct id128 a, struct id128 b)
{
    return a.hi == b.hi && a.lo == b.lo;
}

uint64_t id128_hash(struct id128 id)
{
    return mix64(id.hi ^ mix64(id.lo));
}
