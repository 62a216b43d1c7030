/* SPDX-License-Identifier: Apache-2.0 */
/* Fee schedules: tiered flat amounts, percent + fixed clamped, fixed per order. Pure functions. */
#include "base/assert.h"
#include "ledger/ledger.h"

/* Percent in basis points, rounded half up, without overflow for any int64 amount: split the
 * amount so that the product fits (amount / 10000 * bp + amount % 10000 * bp / 10000). */
static int64_t percent_of(int64_t amount, int64_t bp)
{
    int64_t whole = amount / 10000 * bp;
    int64_t part = (amount % 10000 * bp + 5000) / 10000;

    return whole + part;
}

int fee_compute(const struct fee_schedule *s, int64_t amount, int64_t *fee)
{
    MDT_ASSERT(amount > 0);
    MDT_ASSERT(s->percent_bp >= 0 && s->percent_bp <= 10000);
    *fee = 0;
    if (s->min_amount > 0 && amount < s->min_amount) {
        return LEDGER_FEE_BELOW_MINIMUM_AMOUNT;
    }
    switch (s->type) {
    case FEE_TIERED:
        for (uint32_t i = 0; i < s->tier_count; i++) {
            if (s->tiers[i].up_to == 0 || amount <= s->tiers[i].up_to) {
                *fee = s->tiers[i].fee;
                break;
            }
        }
        break;
    case FEE_PERCENT:
        *fee = percent_of(amount, s->percent_bp);
        if (__builtin_add_overflow(*fee, s->fixed, fee)) {
            return LEDGER_OVERFLOW;
        }
        if (*fee < s->fee_min) {
            *fee = s->fee_min;
        }
        if (s->fee_max > 0 && *fee > s->fee_max) {
            *fee = s->fee_max;
        }
        break;
    case FEE_FIXED:
        *fee = s->fixed;
        break;
    default:
        MDT_ASSERT(!"unknown fee type");
    }
    MDT_ASSERT(*fee >= 0);
    return LEDGER_OK;
}
