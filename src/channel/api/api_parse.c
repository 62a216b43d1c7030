/* SPDX-License-Identifier: Apache-2.0 */
/* The API's JSON input checked field by field, without I/O, so that it can be fuzzed alone. */
#include "channel/api/api_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/json_depth.h"
#include "dialog/dialog.h"

static int refuse(struct api_error *e, int status, const char *slug, const char *title,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int refuse(struct api_error *e, int status, const char *slug, const char *title,
                  const char *fmt, ...)
{
    va_list ap;

    e->status = status;
    e->slug = slug;
    e->title = title;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
    return -1;
}

json_t *api_parse_body(const char *text, size_t len, struct api_error *e)
{
    json_error_t je;
    json_t *o;

    if (len > API_BODY_MAX) {
        refuse(e, 413, "body-too-large", "Request body too large", "bodies are limited to %d bytes",
               API_BODY_MAX);
        return NULL;
    }
    if (json_too_deep(text, len, API_JSON_DEPTH_MAX)) {
        refuse(e, 400, "malformed-json", "Malformed JSON", "JSON nested deeper than %d levels",
               API_JSON_DEPTH_MAX);
        return NULL;
    }
    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL) {
        refuse(e, 400, "malformed-json", "Malformed JSON",
               "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        refuse(e, 400, "malformed-json", "Malformed JSON", "the body must be an object");
        return NULL;
    }
    return o;
}

int api_get_string(json_t *o, const char *name, bool required, char *out, size_t cap,
                   struct api_error *e)
{
    json_t *v = json_object_get(o, name);

    out[0] = '\0';
    if (v == NULL || json_is_null(v)) {
        return required
                   ? refuse(e, 422, "missing-field", "A field is missing", "%s is required", name)
                   : 0;
    }
    /* A string with a NUL inside is refused: C code downstream would see it cut short. */
    if (!json_is_string(v) || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        return refuse(e, 422, "invalid-field", "A field is invalid",
                      "%s must be a string of at most %zu bytes", name, cap - 1);
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

int api_get_int(json_t *o, const char *name, bool required, int64_t min, int64_t max, int64_t def,
                int64_t *out, struct api_error *e)
{
    json_t *v = json_object_get(o, name);

    *out = def;
    if (v == NULL || json_is_null(v)) {
        return required
                   ? refuse(e, 422, "missing-field", "A field is missing", "%s is required", name)
                   : 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        return refuse(e, 422, "invalid-field", "A field is invalid",
                      "%s must be an integer from %lld to %lld", name, (long long)min,
                      (long long)max);
    }
    *out = json_integer_value(v);
    return 0;
}

/* A campaign's tag as people write it ("#Faim2026"): upper-cased, without its '#'. */
static int campaign_read(json_t *o, char out[32], struct api_error *e)
{
    char raw[33];
    const char *t = raw;
    size_t n = 0;

    out[0] = '\0';
    if (api_get_string(o, "campaign", false, raw, sizeof(raw), e) < 0) {
        return -1;
    }
    if (raw[0] == '\0') {
        return 0;
    }
    t += raw[0] == '#';
    for (; t[n] != '\0' && n < 31; n++) {
        char c = t[n];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            break;
        }
        out[n] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    if (n == 0 || t[n] != '\0') {
        out[0] = '\0';
        return refuse(e, 422, "invalid-field", "A field is invalid",
                      "campaign must be a campaign's tag: 1 to 31 letters and digits, e.g. "
                      "FAIM2026");
    }
    out[n] = '\0';
    return 0;
}

int api_parse_request_input(json_t *o, struct request_input *in, struct api_error *e)
{
    char channel[8];
    int64_t v;

    if (api_get_int(o, "amount", true, 1, 100000000000LL, 0, &in->amount_minor, e) < 0 ||
        api_get_string(o, "currency", false, in->currency, sizeof(in->currency), e) < 0 ||
        api_get_string(o, "payer", true, in->payer, sizeof(in->payer), e) < 0 ||
        api_get_string(o, "reference", true, in->reference, sizeof(in->reference), e) < 0 ||
        api_get_string(o, "description", false, in->description, sizeof(in->description), e) < 0 ||
        api_get_string(o, "callback_url", false, in->callback_url, sizeof(in->callback_url), e) <
            0 ||
        api_get_int(o, "expires_in", false, 60, 7 * 86400, 900, &v, e) < 0 ||
        campaign_read(o, in->campaign, e) < 0 ||
        api_get_string(o, "channel", false, channel, sizeof(channel), e) < 0) {
        return -1;
    }
    /* Where the merchant expects the payer to answer (issue 14). Either way the payer is texted
     * and may pay by SMS, on the page, or by phone with the request's phone_ref. */
    if (channel[0] != '\0' && strcmp(channel, "sms") != 0 && strcmp(channel, "voice") != 0) {
        return refuse(e, 422, "invalid-field", "A field is invalid",
                      "channel must be sms or voice");
    }
    in->expires_in_s = (uint32_t)v;
    if (in->callback_url[0] != '\0' && strncmp(in->callback_url, "https://", 8) != 0 &&
        strncmp(in->callback_url, "http://", 7) != 0) {
        return refuse(e, 422, "invalid-field", "A field is invalid",
                      "callback_url must start with https:// or http://");
    }
    return 0;
}

int api_parse_refund(json_t *o, struct id128 *request_id, int64_t *amount, struct api_error *e)
{
    char idtext[40];

    if (api_get_string(o, "payment_request_id", true, idtext, sizeof(idtext), e) < 0 ||
        api_get_int(o, "amount", false, 1, 100000000000LL, 0, amount, e) < 0) {
        return -1;
    }
    if (id128_parse(idtext, request_id, NULL) < 0) {
        return refuse(e, 422, "invalid-field", "A field is invalid",
                      "payment_request_id must be 32 hex digits");
    }
    return 0;
}
