/* SPDX-License-Identifier: Apache-2.0 */
/* Time: wall clock in microseconds and UTC calendar keys for the limit windows. */
#ifndef MDT_BASE_CLOCK_H
#define MDT_BASE_CLOCK_H

#include <stdint.h>

/* Microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_now_us(void);

/* Microseconds of CLOCK_MONOTONIC, for durations and timeouts. */
int64_t clock_mono_us(void);

/* UTC calendar keys of a timestamp: days since 1970-01-01, months since 1970-01, year.
 * Pure arithmetic (Howard Hinnant's civil_from_days), valid for any int64 microseconds. */
struct calendar_keys {
    int32_t day;
    int32_t month;
    int32_t year;
};
void clock_calendar_keys(int64_t us, struct calendar_keys *out);

/* Microseconds since the epoch of a UTC civil date and time, for tests and parsing. Years
 * CLOCK_YEAR_MIN..CLOCK_YEAR_MAX, months 1..12, days 1..31, hours 0..23, minutes 0..59,
 * seconds 0..60; anything else gives CLOCK_INVALID_US (never an overflow). */
#define CLOCK_YEAR_MIN 1
#define CLOCK_YEAR_MAX 9999
#define CLOCK_INVALID_US INT64_MIN
int64_t clock_utc_us(int year, int month, int day, int hour, int min, int sec);

/* Format us as "2026-11-23 10:00:00" (UTC) into buf of at least 20 bytes. */
void clock_format_utc(int64_t us, char *buf, int buf_size);

#endif
