/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the API's JSON input (bodies, payment requests, refunds). Oracles: no crash
 * or sanitizer report; an accepted request's strings are NUL-terminated within their buffers and
 * its numbers within their documented ranges; a refusal always names a status and a type. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/api/api_parse.h"
#include "dialog/dialog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_error e = {0};
    struct request_input in;
    struct id128 id;
    int64_t amount = 0;
    json_t *o = api_parse_body((const char *)data, size, &e);

    if (o == NULL) {
        if (e.status < 400 || e.slug == NULL || e.detail[0] == '\0') {
            abort();
        }
        return 0;
    }
    memset(&in, 0xa5, sizeof(in));
    if (api_parse_request_input(o, &in, &e) == 0) {
        if (in.amount_minor < 1 || in.expires_in_s < 60 || in.expires_in_s > 7 * 86400 ||
            memchr(in.payer, 0, sizeof(in.payer)) == NULL ||
            memchr(in.reference, 0, sizeof(in.reference)) == NULL ||
            memchr(in.description, 0, sizeof(in.description)) == NULL ||
            memchr(in.callback_url, 0, sizeof(in.callback_url)) == NULL) {
            abort();
        }
    } else if (e.status != 422 || e.slug == NULL) {
        abort();
    }
    if (api_parse_refund(o, &id, &amount, &e) == 0 && amount < 0) {
        abort();
    }
    json_decref(o);
    return 0;
}
