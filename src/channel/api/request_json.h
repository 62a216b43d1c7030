/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON merchants see for a payment request (docs/openapi.yaml, docs/webhooks.md): the API's
 * answers and the events of their webhooks, written from the dialog's plain data. No I/O;
 * thread-safe (webhook events are written on the ledger thread, through dialog_config). */
#ifndef MDT_CHANNEL_API_REQUEST_JSON_H
#define MDT_CHANNEL_API_REQUEST_JSON_H

#include <stddef.h>

#include "dialog/dialog.h"
#include "store/store_channel.h"

/* The request as the API shows it and webhooks carry it: compact JSON into buf (cap bytes,
 * NUL-terminated). Returns the length, or -MDT_ERANGE when cap is too small. */
int request_json_write(const struct payment_request_row *r, char *buf, size_t cap);

/* A webhook event, {"id", "type", "created_at", "data": the request (and "refund": {"id",
 * "amount"} for a refund)}, as compact JSON into buf (cap bytes, NUL-terminated). Returns the
 * length, or -MDT_ERANGE when cap is too small. Fits dialog_config.event_json. */
int request_json_event(const struct dialog_event *ev, char *buf, size_t cap);

#endif
