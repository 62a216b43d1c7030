/* SPDX-License-Identifier: Apache-2.0 */
/* The hash index (index.h): growing, inserting and deleting; lookups are inline in the header. */
#include "base/index.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/error.h"

/* Entries of the first table: 1024 slots of 8 bytes, as the tables this index replaced. */
#define INDEX_FIRST_ENTRIES 512u

/* Slots for n entries: a power of two, at least twice n (probes stay short at half full). */
static uint64_t slots_for(uint32_t n)
{
    uint64_t slots = 2;

    while (slots < 2 * (uint64_t)n) {
        slots *= 2;
    }
    return slots;
}

int index_init(struct index *x, uint32_t max)
{
    uint64_t slots;

    MDT_ASSERT(max >= 1 && max <= INDEX_ENTRIES_MAX);
    slots = slots_for(max < INDEX_FIRST_ENTRIES ? max : INDEX_FIRST_ENTRIES);
    memset(x, 0, sizeof(*x));
    x->slots = calloc(slots, sizeof(*x->slots));
    if (x->slots == NULL) {
        return MDT_E(NOMEM);
    }
    x->mask = slots - 1;
    x->max = max;
    return 0;
}

void index_free(struct index *x)
{
    free(x->slots);
    memset(x, 0, sizeof(*x));
}

void index_clear(struct index *x)
{
    memset(x->slots, 0, (x->mask + 1) * sizeof(*x->slots));
    x->count = 0;
}

/* Store a slot in the first free place of its probe run (its tag is not there yet). */
static void slot_place(struct index_slot *slots, uint64_t mask, struct index_slot s)
{
    uint64_t i = s.tag & mask;

    while (slots[i].val != 0) {
        i = (i + 1) & mask;
    }
    slots[i] = s;
}

/* A larger table of slots: every entry finds its place again from its tag alone. */
static int resize(struct index *x, uint64_t slots)
{
    uint64_t old_slots = x->mask + 1;
    struct index_slot *t = calloc(slots, sizeof(*t));

    if (t == NULL) {
        return MDT_E(NOMEM);
    }
    for (uint64_t i = 0; i < old_slots; i++) {
        if (x->slots[i].val != 0) {
            slot_place(t, slots - 1, x->slots[i]);
        }
    }
    free(x->slots);
    x->slots = t;
    x->mask = slots - 1;
    return 0;
}

int index_reserve(struct index *x, uint32_t n)
{
    uint64_t slots = slots_for(n);

    MDT_ASSERT(n <= x->max);
    return slots > x->mask + 1 ? resize(x, slots) : 0;
}

int index_put(struct index *x, uint64_t hash, uint32_t val)
{
    struct index_slot s = {index_tag(hash), val};

    MDT_ASSERT(val != 0);
    if (x->count >= x->max) {
        return MDT_E(FULL);
    }
    if (2 * ((uint64_t)x->count + 1) > x->mask + 1) {
        int rc = resize(x, (x->mask + 1) * 2);

        if (rc < 0) {
            return rc;
        }
    }
    slot_place(x->slots, x->mask, s);
    x->count++;
    return 0;
}

bool index_remove(struct index *x, uint64_t hash, uint32_t val)
{
    struct index_pos pos;
    uint64_t hole, j;
    uint32_t v = index_find(x, hash, &pos);

    while (v != 0 && v != val) {
        v = index_find_next(x, &pos);
    }
    if (v == 0) {
        return false;
    }
    /* Later entries of the run move back into the hole unless their home lies cyclically in
     * (hole, j]: then the hole is before their home and they must stay. */
    hole = pos.i;
    for (j = (hole + 1) & x->mask; x->slots[j].val != 0; j = (j + 1) & x->mask) {
        uint64_t home = x->slots[j].tag & x->mask;

        if (((j - home) & x->mask) >= ((j - hole) & x->mask)) {
            x->slots[hole] = x->slots[j];
            hole = j;
        }
    }
    x->slots[hole].val = 0;
    x->slots[hole].tag = 0;
    x->count--;
    return true;
}
