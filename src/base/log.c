/* SPDX-License-Identifier: Apache-2.0 */
/* Logging to stderr: one formatted line per call so that threads do not interleave. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int log_level = 2;

void log_level_set(int level)
{
    atomic_store(&log_level, level);
}

int log_level_get(void)
{
    return atomic_load(&log_level);
}

void log_write(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char line[1024];
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;

    if (level > atomic_load(&log_level) || level < 0 || level > 3) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03ldZ mandat %s: %s\n", stamp, ts.tv_nsec / 1000000L, names[level], line);
}
