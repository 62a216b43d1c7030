/* SPDX-License-Identifier: Apache-2.0 */
/* Growable arrays for structures that must never be left half-updated. */
#ifndef MDT_BASE_MEM_H
#define MDT_BASE_MEM_H

#include <stddef.h>

/* Grow *p (an array of elem-sized items with capacity *cap) to hold at least need items,
 * doubling. Aborts with a log line on out-of-memory: used where a half-applied change would be
 * worse than a restart (the ledger view is rebuilt from the store). O(1) amortised. */
void mem_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
