/* SPDX-License-Identifier: Apache-2.0 */
/* Wall and monotonic clocks, and UTC calendar arithmetic without time zones or libc tables. */
#include "base/clock.h"

#include <stdio.h>
#include <time.h>

int64_t clock_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Floor division: C's '/' truncates toward zero, which is wrong for times before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

/* civil_from_days: http://howardhinnant.github.io/date_algorithms.html */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era;
    int64_t doe, yoe, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void clock_calendar_keys(int64_t us, struct calendar_keys *out)
{
    int64_t days = floor_div(us, 86400LL * 1000000);
    int64_t y;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    out->day = (int32_t)days;
    out->month = (int32_t)((y - 1970) * 12 + (m - 1));
    out->year = (int32_t)y;
}

int64_t clock_utc_us(int year, int month, int day, int hour, int min, int sec)
{
    int64_t days;

    /* Out of range, the arithmetic below would overflow (a year of 2147483647 did): callers
     * validate what they parse, and this answers a value no caller can mistake for a time. */
    if (year < CLOCK_YEAR_MIN || year > CLOCK_YEAR_MAX || month < 1 || month > 12 || day < 1 ||
        day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) {
        return CLOCK_INVALID_US;
    }
    days = days_from_civil(year, month, day);

    return ((days * 86400) + hour * 3600 + min * 60 + sec) * 1000000;
}

void clock_format_utc(int64_t us, char *buf, int buf_size)
{
    int64_t secs = floor_div(us, 1000000);
    int64_t days = floor_div(secs, 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    snprintf(buf, (size_t)buf_size, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}
