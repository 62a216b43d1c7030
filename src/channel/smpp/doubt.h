/* SPDX-License-Identifier: Apache-2.0 */
/* The in-doubt FIFO of one SMPP connection: MOs acknowledged (deliver_sm_resp written) whose
 * response the SMSC has not yet shown it read. Private to the session. */
#ifndef MDT_CHANNEL_SMPP_DOUBT_H
#define MDT_CHANNEL_SMPP_DOUBT_H

#include <stddef.h>
#include <stdint.h>

#include "base/id128.h"

/* One acknowledged MO: the write ordinal of its last deliver_sm_resp, and the handler's id. */
struct smpp_doubt_entry {
    uint64_t ord;
    struct id128 id;
};

/* A ring of at most cap entries, ordinals increasing from head to tail. */
struct smpp_doubt {
    struct smpp_doubt_entry *e;
    uint32_t cap, head, count;
};

/* Allocate room for cap entries. 0 or -MDT_ENOMEM. Release with smpp_doubt_release. */
int smpp_doubt_init(struct smpp_doubt *d, uint32_t cap);
void smpp_doubt_release(struct smpp_doubt *d);

/* Append an MO acknowledged at write ordinal ord (not below the last one's). -MDT_EFULL when
 * cap entries are held (the session keeps that from happening). */
int smpp_doubt_push(struct smpp_doubt *d, uint64_t ord, struct id128 id);

/* Remove the entries written before ord (the SMSC answered a request written at ord, so it read
 * them: TCP is ordered) into out, at most max; returns how many. Call again while it fills out. */
size_t smpp_doubt_pop_before(struct smpp_doubt *d, uint64_t ord, struct id128 *out, size_t max);

/* The ordinal of the newest entry, 0 when empty. */
uint64_t smpp_doubt_last(const struct smpp_doubt *d);

#endif
