/* SPDX-License-Identifier: Apache-2.0 */
/* The one non-cryptographic hash of mandat: FNV-1a (Fowler, Noll, Vo), for index keys that are not
 * uniform already (phone numbers, API key ids) and for fingerprints chained over fields. Not
 * keyed: keys anyone may choose go through a MAC (vault_mac) instead, or they could be made to
 * collide. */
#ifndef MDT_BASE_HASH_H
#define MDT_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The FNV-1a offset basis: where a hash starts. */
#define HASH_FNV1A_SEED 0xcbf29ce484222325ULL

/* h carried over n bytes at p (h is HASH_FNV1A_SEED for the first field). Inline: it runs on
 * every customer lookup. O(n). */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 0x100000001b3ULL;
    }
    return h;
}

#endif
