/* SPDX-License-Identifier: Apache-2.0 */
/* The one hash index of mandat: from a 64-bit hash to uint32 values (a position + 1 in an array
 * the caller keeps, where the keys live), open addressing with linear probing, at most half
 * full, bounded by a maximum the caller declares. O(1) expected for every operation; lookups
 * allocate nothing. */
#ifndef MDT_BASE_INDEX_H
#define MDT_BASE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

/* A slot: 32 bits of the key's hash (its home is tag & mask) and the value, 0 when free. The
 * tag lets probes pass other keys without reading the caller's array, and lets the index grow
 * and delete without asking the caller for any hash. */
struct index_slot {
    uint32_t tag;
    uint32_t val;
};

/* The most entries an index may hold: its slots (twice the entries, a power of two) are
 * addressed by the 32-bit tag. */
#define INDEX_ENTRIES_MAX (1u << 31)

struct index {
    struct index_slot *slots;
    uint64_t mask;  /* slots - 1; slots is a power of two, at least twice count */
    uint32_t count; /* entries */
    uint32_t max;   /* declared bound: index_put refuses past it */
};

/* Where a lookup stands: index_find starts it, index_find_next goes on. */
struct index_pos {
    uint64_t i;
    uint32_t tag;
};

/* Prepare x for at most max entries (1 to INDEX_ENTRIES_MAX): allocates a first table (for up
 * to 512 entries, or max when smaller) that index_put doubles as needed. Returns 0 or
 * -MDT_ENOMEM (x then holds nothing to free). Release with index_free. */
int index_init(struct index *x, uint32_t max);

/* Release x's table; x is then as zeroed, and may be initialised again. NULL-safe on a zeroed
 * index. */
void index_free(struct index *x);

/* Forget every entry, keeping the table (O(slots)). */
void index_clear(struct index *x);

/* Make room for n entries (at most max) at once, so that index_put allocates nothing until x
 * holds more: for the tables that must not allocate once running. Returns 0 or -MDT_ENOMEM (x
 * unchanged). */
int index_reserve(struct index *x, uint32_t n);

/* Add val (not 0) under hash. Keys are the caller's: the index does not look for an entry of the
 * same key (find it first, and remove it, when a key may be put twice). Returns 0, -MDT_EFULL
 * when x already holds its max, or -MDT_ENOMEM when growing the table failed (x unchanged).
 * O(1) amortised; allocates only when the table doubles. Invalidates every index_pos. */
int index_put(struct index *x, uint64_t hash, uint32_t val);

/* Remove the entry of val under hash; false when there is none. Deletion moves later entries of
 * the probe run back (Knuth 6.4, algorithm R): no tombstones, probes stay short. Invalidates
 * every index_pos. */
bool index_remove(struct index *x, uint64_t hash, uint32_t val);

/* The tag of a hash: both halves count, as callers' hashes may be strong in either. */
static inline uint32_t index_tag(uint64_t hash)
{
    return (uint32_t)(hash ^ (hash >> 32));
}

/* The next value stored under pos's tag from pos->i on, or 0 when the probe run ends. */
static inline uint32_t index_scan(const struct index *x, struct index_pos *pos)
{
    for (;;) {
        const struct index_slot *s = &x->slots[pos->i];

        if (s->val == 0 || s->tag == pos->tag) {
            return s->val;
        }
        pos->i = (pos->i + 1) & x->mask;
    }
}

/* The first value stored under hash, or 0: a candidate, whose key the caller compares with its
 * own; when it differs, index_find_next gives the next candidate. Inline: it is the hot path of
 * every user (the ledger's id lookups, the dialog's customers). */
static inline uint32_t index_find(const struct index *x, uint64_t hash, struct index_pos *pos)
{
    pos->tag = index_tag(hash);
    pos->i = pos->tag & x->mask;
    return index_scan(x, pos);
}

/* The candidate after the one pos stands on, or 0 when none is left. */
static inline uint32_t index_find_next(const struct index *x, struct index_pos *pos)
{
    pos->i = (pos->i + 1) & x->mask;
    return index_scan(x, pos);
}

#endif
