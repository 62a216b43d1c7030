/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for config_load_string: arbitrary bytes must either load into a config that
 * keeps every documented invariant, or fail with one "name:line: ..." message. Never crash. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mandatd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few times the sample's size: enough for every section, small enough to run fast. */
#define FUZZ_TEXT_MAX (64 * 1024)

static void check_fee(const struct fee_schedule *f)
{
    size_t name_len = strnlen(f->name, sizeof(f->name));

    if (name_len == 0 || name_len == sizeof(f->name) || f->type > FEE_FIXED ||
        f->payer > FEE_OPERATOR || strnlen(f->currency, sizeof(f->currency)) != 3 ||
        f->min_amount < 0 || f->percent_bp < 0 || f->percent_bp > 10000 || f->fixed < 0 ||
        f->fee_min < 0 || f->fee_max < 0 || f->tier_count > FEE_TIERS_MAX) {
        abort();
    }
    if (f->type == FEE_PERCENT && f->fee_max != 0 && f->fee_min > f->fee_max) {
        abort();
    }
    /* Tiers: strictly ascending positive bounds, the last one open, every fee above 0. */
    for (uint32_t i = 0; i < f->tier_count; i++) {
        bool last = i + 1 == f->tier_count;

        if (f->tiers[i].fee <= 0 || (last != (f->tiers[i].up_to == 0)) ||
            (i > 0 && f->tiers[i].up_to != 0 && f->tiers[i].up_to <= f->tiers[i - 1].up_to)) {
            abort();
        }
    }
    if (f->type == FEE_TIERED && f->tier_count == 0) {
        abort();
    }
}

static void check_config(const struct mandat_config *cfg)
{
    const struct ledger_config *lc = &cfg->ledger;

    if (strnlen(cfg->store_path, sizeof(cfg->store_path)) == 0 ||
        strnlen(cfg->store_path, sizeof(cfg->store_path)) == sizeof(cfg->store_path) ||
        cfg->store_sync > STORE_SYNC_OFF || cfg->log_level > LOG_DEBUG || cfg->batch_max == 0 ||
        cfg->queue_depth == 0 || lc->pending_timeout_default_s == 0 ||
        lc->pending_timeout_default_s > lc->pending_timeout_max_s ||
        lc->fee_schedule_count > FEE_SCHEDULES_MAX ||
        strnlen(lc->default_currency, sizeof(lc->default_currency)) != 3) {
        abort();
    }
    for (int k = 0; k < ACCOUNT_KIND_COUNT; k++) {
        for (int t = 0; t < KYC_TIER_COUNT; t++) {
            const struct ledger_limits *l = &lc->limits[k][t];

            if (l->op_max_p2p < 0 || l->op_max_payment < 0 || l->day_debits_max < 0 ||
                l->month_debits_max < 0 || l->year_debits_max < 0 || l->year_loads_max < 0 ||
                l->balance_max < 0) {
                abort();
            }
        }
    }
    for (uint32_t i = 0; i < lc->fee_schedule_count; i++) {
        check_fee(&lc->fee_schedules[i]);
        /* Names are unique, so that a schedule id found by name is the only one. */
        if (ledger_config_fee_find(lc, lc->fee_schedules[i].name) != i + 1) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};
    char *text;
    int rc;

    if (size > FUZZ_TEXT_MAX) {
        return 0;
    }
    text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    rc = config_load_string(&cfg, text, "fuzz.conf", &err);
    if (rc == 0) {
        if (err.code != 0 || err.msg[0] != '\0') {
            abort();
        }
        check_config(&cfg);
    } else if (rc != MDT_E(PARSE) || err.code != rc || strncmp(err.msg, "fuzz.conf:", 10) != 0 ||
               strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg)) {
        abort();
    }
    free(text);
    return 0;
}
