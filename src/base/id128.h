/* SPDX-License-Identifier: Apache-2.0 */
/* 128-bit ids: text form (32 hex digits, dashes allowed as in UUIDs), random generation, and
 * derivation of the ids of rows the ledger writes on a caller's behalf (fee legs, expiries). */
#ifndef MDT_BASE_ID128_H
#define MDT_BASE_ID128_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

#define ID128_TEXT_MAX 33 /* 32 hex digits and NUL */

/* 128-bit identifier chosen by the caller (idempotency key of a transfer). Zero is invalid. */
struct id128 {
    uint64_t hi;
    uint64_t lo;
};

/* Parse 32 hex digits (upper or lower case, '-' ignored). -MDT_EPARSE with err on bad input. */
int id128_parse(const char *text, struct id128 *out, struct mdt_err *err);

/* Write 32 lowercase hex digits and NUL into buf (ID128_TEXT_MAX bytes). */
void id128_format(struct id128 id, char buf[ID128_TEXT_MAX]);

/* A random id from the kernel CSPRNG (getrandom); never zero. Returns 0 or -MDT_EIO. */
int id128_random(struct id128 *out);

/* A deterministic id derived from parent and a tag: the same inputs always give the same id,
 * and derived ids do not collide with random ones in practice (a 128-bit hash). */
struct id128 id128_derive(struct id128 parent, uint32_t tag);

bool id128_is_zero(struct id128 id);
bool id128_eq(struct id128 a, struct id128 b);

/* 64-bit hash of an id, for hash tables (ids are random already; this mixes derived ones). */
uint64_t id128_hash(struct id128 id);

#endif
