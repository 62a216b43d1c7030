/* SPDX-License-Identifier: Apache-2.0 */
/* What the phone channel (issue 14) asks of the dialog beyond messages: a payment request
 * found by the digits a caller keys, whether an order waits for the caller's code, and the
 * associations a caller can give to. The decisions themselves stay the SMS ones. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dialog/dialog_int.h"
#include "dialog/voice.h"

_Static_assert(DIALOG_PHONE_REF_DIGITS == VOICE_REF_DIGITS, "the menu keys what the dialog finds");
_Static_assert(COMMAND_CODE_DIGITS == VOICE_CODE_DIGITS, "the menu sends a whole code");

void dialog_request_phone_ref(const struct payment_request_row *r,
                              char out[DIALOG_PHONE_REF_DIGITS + 1])
{
    /* Both halves of the id mixed (splitmix64's finaliser), so that ids differing in either
     * give unrelated references. */
    uint64_t x = r->id.hi * 0x9e3779b97f4a7c15u ^ r->id.lo;

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    x ^= x >> 31;
    snprintf(out, DIALOG_PHONE_REF_DIGITS + 1, "%06" PRIu64, x % 1000000u);
}

const struct payment_request_row *dialog_request_by_phone_ref(struct dialog *d, const char *payer,
                                                              const char *digits, int64_t now_us)
{
    const struct payment_request_row *found = NULL;
    char ref[DIALOG_PHONE_REF_DIGITS + 1];

    for (size_t i = 0; i < d->request_count; i++) {
        const struct payment_request_row *r = &d->requests[i].row;

        if (r->state != PR_PENDING || r->expires_us <= now_us ||
            (payer != NULL && strcmp(r->payer, payer) != 0)) {
            continue;
        }
        dialog_request_phone_ref(r, ref);
        if (strcmp(ref, digits) != 0) {
            continue;
        }
        if (found != NULL) {
            return NULL; /* two requests alike: say none rather than read back a stranger's */
        }
        found = r;
    }
    return found;
}

bool dialog_order_waiting(struct dialog *d, const char *e164)
{
    const struct cust *c = dialog_cust_find(d, e164);

    return c != NULL && c->has_conv && c->conv.active && c->conv.origin[0] == '\0';
}

const struct association_row *dialog_association_at(const struct dialog *d, size_t i)
{
    return i < d->assoc_count ? &d->assocs[i] : NULL;
}
