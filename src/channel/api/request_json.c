/* SPDX-License-Identifier: Apache-2.0 */
/* Payment requests as JSON for merchants: the same object in the API's answers and in the data
 * of webhook events, so that a merchant reads one shape wherever it comes from. */
#include "channel/api/request_json.h"

#include <jansson.h>
#include <stdio.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/id128.h"

/* RFC 3339 in UTC, to the second: "2026-11-23T10:00:00Z". */
static void iso_time(int64_t us, char out[32])
{
    char t[24];

    clock_format_utc(us, t, sizeof(t)); /* "2026-11-23 10:00:00" */
    snprintf(out, 32, "%.10sT%.8sZ", t, t + 11);
}

static json_t *request_object(const struct payment_request_row *r)
{
    char id[ID128_TEXT_MAX], tid[ID128_TEXT_MAX], created[32], expires[32], updated[32];
    json_t *o;

    id128_format(r->id, id);
    id128_format(r->transfer_id, tid);
    iso_time(r->created_us, created);
    iso_time(r->expires_us, expires);
    iso_time(r->updated_us, updated);
    o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", id,
                  "object", "payment_request", "amount", (json_int_t)r->amount_minor, "currency",
                  r->currency, "payer", r->payer, "reference", r->reference, "description",
                  r->description, "state", payment_request_state_name(r->state), "created_at",
                  created, "expires_at", expires, "updated_at", updated, "merchant_id",
                  (json_int_t)r->merchant_id);
    MDT_ASSERT(o != NULL);
    if (r->state == PR_PENDING) { /* what the payer keys to pay it by phone (issue 14) */
        char ref[DIALOG_PHONE_REF_DIGITS + 1];

        dialog_request_phone_ref(r, ref);
        json_object_set_new(o, "phone_ref", json_string(ref));
    }
    if (r->callback_url[0] != '\0') {
        json_object_set_new(o, "callback_url", json_string(r->callback_url));
    }
    if (r->campaign[0] != '\0') {
        json_object_set_new(o, "campaign", json_string(r->campaign));
    }
    if (r->state == PR_CONFIRMED) {
        json_object_set_new(o, "transfer_id", json_string(tid));
        json_object_set_new(o, "fee", json_integer(r->fee_minor));
        json_object_set_new(o, "refunded", json_integer(r->refunded_minor));
    }
    return o;
}

/* o as compact JSON into buf, then o is released. */
static int dump(json_t *o, char *buf, size_t cap)
{
    size_t n = json_dumpb(o, buf, cap, JSON_COMPACT);

    json_decref(o);
    if (n == 0 || n >= cap) {
        return MDT_E(RANGE);
    }
    buf[n] = '\0';
    return (int)n;
}

int request_json_write(const struct payment_request_row *r, char *buf, size_t cap)
{
    return dump(request_object(r), buf, cap);
}

int request_json_event(const struct dialog_event *ev, char *buf, size_t cap)
{
    char eid[ID128_TEXT_MAX], created[32], rid[ID128_TEXT_MAX];
    json_t *data = request_object(ev->request), *o;

    id128_format(ev->id, eid);
    iso_time(ev->created_us, created);
    if (ev->refund) {
        id128_format(ev->refund_id, rid);
        json_object_set_new(
            data, "refund",
            json_pack("{s:s, s:I}", "id", rid, "amount", (json_int_t)ev->refund_minor));
    }
    o = json_pack("{s:s, s:s, s:s, s:o}", "id", eid, "type", ev->type, "created_at", created,
                  "data", data);
    MDT_ASSERT(o != NULL);
    return dump(o, buf, cap);
}
