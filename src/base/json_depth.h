/* SPDX-License-Identifier: Apache-2.0 */
/* A bound on JSON nesting checked before a parser sees the text: jansson recurses once per
 * level, so input from outside (API bodies, social networks' events) is refused when deeper. */
#ifndef MDT_BASE_JSON_DEPTH_H
#define MDT_BASE_JSON_DEPTH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether t[0..len) opens more than max levels of [ and { outside strings. O(len). */
bool json_too_deep(const char *t, size_t len, int max);

#endif
