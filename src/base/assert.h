/* SPDX-License-Identifier: Apache-2.0 */
/* MDT_ASSERT: invariant checks that stay on in release builds and say where they failed. */
#ifndef MDT_BASE_ASSERT_H
#define MDT_BASE_ASSERT_H

/* Logs file, line and the failed expression to stderr, then aborts. Never returns. */
_Noreturn void mdt_assert_fail(const char *expr, const char *file, int line, const char *func);

#define MDT_ASSERT(expr)                                                                           \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            mdt_assert_fail(#expr, __FILE__, __LINE__, __func__);                                  \
        }                                                                                          \
    } while (0)

#endif
