/* SPDX-License-Identifier: Apache-2.0 */
/* Error code table and caller-owned error detail. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *mdt_strerror(int code)
{
    static const char *const msgs[] = {[0] = "success",
#define MDT_ERRNO_STR_(name, msg) [MDT_E##name] = msg,
                                       MDT_ERRNO_MAP(MDT_ERRNO_STR_)
#undef MDT_ERRNO_STR_
    };
    int idx = code < 0 ? -code : code;

    if (idx >= (int)MDT_ERRNO_COUNT_ || msgs[idx] == NULL) {
        return "unknown error";
    }
    return msgs[idx];
}

int mdt_err_set(struct mdt_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return code;
    }
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void mdt_err_clear(struct mdt_err *err)
{
    if (err != NULL) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}
