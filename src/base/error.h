/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes for every fallible function in mandat: 0 or a negative MDT_E* code from one X-macro
 * table, with mdt_strerror() generated from the same table, and a caller-owned detail buffer. */
#ifndef MDT_BASE_ERROR_H
#define MDT_BASE_ERROR_H

#include <stddef.h>

/* X(name, message): messages are lowercase, no final period (git style). */
#define MDT_ERRNO_MAP(X)                                                                           \
    X(NOMEM, "out of memory")                                                                      \
    X(INVAL, "invalid argument")                                                                   \
    X(PARSE, "malformed input")                                                                    \
    X(RANGE, "value out of range")                                                                 \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(FULL, "queue full, try again later")                                                         \
    X(BUSY, "resource busy")                                                                       \
    X(IO, "input/output error")                                                                    \
    X(STORE, "store error")                                                                        \
    X(CORRUPT, "stored data is corrupt")                                                           \
    X(SCHEMA, "unsupported schema version")                                                        \
    X(SHUTDOWN, "shutting down")                                                                   \
    X(REJECTED, "rejected by the ledger")                                                          \
    X(CHECK, "invariant violated")                                                                 \
    X(CONFLICT, "another writer committed first, try again")

enum mdt_errno {
    MDT_OK = 0,
#define MDT_ERRNO_ENUM_(name, msg) MDT_E##name,
    MDT_ERRNO_FIRST_ = 0,
    MDT_ERRNO_MAP(MDT_ERRNO_ENUM_)
#undef MDT_ERRNO_ENUM_
        MDT_ERRNO_COUNT_
};

/* Codes are returned negated: `return -MDT_EINVAL;`. MDT_E(x) spells that. */
#define MDT_E(name) (-(int)MDT_E##name)

/* Detail for people: filled by the failing function when the caller passes one. */
#define MDT_ERR_MSG_MAX 256
struct mdt_err {
    int code;                  /* negative MDT_E* code, 0 when unset */
    char msg[MDT_ERR_MSG_MAX]; /* what was wrong and, where possible, what to do */
};

/* Static text for a code (0, negative MDT_E*); never NULL. Thread-safe. */
const char *mdt_strerror(int code);

/* Fill err (if not NULL) with code and a printf-style message; returns code, so that
 * `return mdt_err_set(err, MDT_E(PARSE), "...")` reads naturally. Never allocates. */
int mdt_err_set(struct mdt_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset err to "no error". */
void mdt_err_clear(struct mdt_err *err);

#endif
