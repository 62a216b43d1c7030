/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of the API's JSON input, with no I/O: bodies, fields, a payment request, a refund.
 * Every refusal says which field and what is expected, as an HTTP status and a problem type;
 * the caller writes the problem. Fuzzed (tests/fuzz/fuzz_api.c). */
#ifndef MDT_CHANNEL_API_API_PARSE_H
#define MDT_CHANNEL_API_API_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/id128.h"
#include "base/limits.h"

struct request_input;

/* Why input was refused: status (400, 413, 422), a problem type slug, a title and detail. */
struct api_error {
    int status;
    const char *slug;
    const char *title;
    char detail[256];
};

/* The body as a JSON object (NULL with e set): at most API_BODY_MAX bytes, nested at most
 * API_JSON_DEPTH_MAX, no duplicate keys. The caller owns the result: json_decref(). */
json_t *api_parse_body(const char *text, size_t len, struct api_error *e);

/* Copy string field name into out (cap bytes, NUL-terminated); missing: "" unless required.
 * Returns 0, or -1 with e set. */
int api_get_string(json_t *o, const char *name, bool required, char *out, size_t cap,
                   struct api_error *e);

/* An integer field in [min, max]; missing: def unless required. Returns 0 or -1 with e set. */
int api_get_int(json_t *o, const char *name, bool required, int64_t min, int64_t max, int64_t def,
                int64_t *out, struct api_error *e);

/* POST /v1/payment-requests into *in (its id and merchant are the caller's). */
int api_parse_request_input(json_t *o, struct request_input *in, struct api_error *e);

/* POST /v1/refunds: the request refunded and the amount (0: what is left). */
int api_parse_refund(json_t *o, struct id128 *request_id, int64_t *amount, struct api_error *e);

#endif
