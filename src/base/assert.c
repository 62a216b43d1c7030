/* SPDX-License-Identifier: Apache-2.0 */
/* Assertion failure reporting; kept out of line so that MDT_ASSERT stays small. */
#include "base/assert.h"

#include <stdio.h>
#include <stdlib.h>

void mdt_assert_fail(const char *expr, const char *file, int line, const char *func)
{
    fprintf(stderr, "mandat: assertion failed: %s (%s:%d in %s)\n", expr, file, line, func);
    fflush(stderr);
    abort();
}
