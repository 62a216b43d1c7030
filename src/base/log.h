/* SPDX-License-Identifier: Apache-2.0 */
/* Logging to stderr with a level. Callers must never pass secrets (codes, card numbers, keys);
 * phone numbers go through a masking helper in the channel that owns them. */
#ifndef MDT_BASE_LOG_H
#define MDT_BASE_LOG_H

/* Levels match enum log_level of the config: 0 error, 1 warn, 2 info, 3 debug. */
void log_level_set(int level);
int log_level_get(void);

/* Write one line "2026-11-23T10:00:00.123Z mandatd info: ..." if level is enabled.
 * Thread-safe (one fprintf per line). */
void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(0, __VA_ARGS__)
#define log_warn(...) log_write(1, __VA_ARGS__)
#define log_info(...) log_write(2, __VA_ARGS__)
#define log_debug(...) log_write(3, __VA_ARGS__)

#endif
