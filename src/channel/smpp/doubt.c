/* SPDX-License-Identifier: Apache-2.0 */
/* The in-doubt FIFO of an SMPP connection (DESIGN.md, Durability): an MO is in doubt from the
 * moment its deliver_sm_resp is written until the SMSC answers a request written after it;
 * TCP delivers in order, so that answer proves the response was read. A ring: O(1) per MO. */
#include "channel/smpp/doubt.h"

#include <stdlib.h>

#include "base/assert.h"
#include "base/error.h"

int smpp_doubt_init(struct smpp_doubt *d, uint32_t cap)
{
    MDT_ASSERT(cap > 0);
    d->e = calloc(cap, sizeof(*d->e));
    d->cap = d->e != NULL ? cap : 0;
    d->head = 0;
    d->count = 0;
    return d->e != NULL ? 0 : MDT_E(NOMEM);
}

void smpp_doubt_release(struct smpp_doubt *d)
{
    free(d->e);
    d->e = NULL;
    d->cap = d->head = d->count = 0;
}

uint64_t smpp_doubt_last(const struct smpp_doubt *d)
{
    return d->count == 0 ? 0 : d->e[(d->head + d->count - 1) % d->cap].ord;
}

int smpp_doubt_push(struct smpp_doubt *d, uint64_t ord, struct id128 id)
{
    if (d->count >= d->cap) {
        return MDT_E(FULL);
    }
    MDT_ASSERT(ord >= smpp_doubt_last(d));
    d->e[(d->head + d->count) % d->cap] = (struct smpp_doubt_entry){.ord = ord, .id = id};
    d->count++;
    return 0;
}

size_t smpp_doubt_pop_before(struct smpp_doubt *d, uint64_t ord, struct id128 *out, size_t max)
{
    size_t n = 0;

    while (n < max && d->count > 0 && d->e[d->head].ord < ord) {
        out[n++] = d->e[d->head].id;
        d->head = (d->head + 1) % d->cap;
        d->count--;
    }
    return n;
}
