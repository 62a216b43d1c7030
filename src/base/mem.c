/* SPDX-License-Identifier: Apache-2.0 */
/* Growable arrays: doubling with overflow checks, abort on out-of-memory. */
#include "base/mem.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/log.h"

void mem_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 16;
    void *np;

    if (need <= *cap) {
        return;
    }
    while (ncap < need) {
        MDT_ASSERT(ncap <= SIZE_MAX / 2 / elem);
        ncap *= 2;
    }
    np = realloc(*p, ncap * elem);
    if (np == NULL) {
        log_error("out of memory growing an array to %zu items", ncap);
        abort();
    }
    *p = np;
    *cap = ncap;
}
