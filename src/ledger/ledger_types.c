/* SPDX-License-Identifier: Apache-2.0 */
/* Names of the money model's enums, the default limits and fee schedules of DESIGN.md, and the
 * reuse and release of a batch's row arrays. */
#include "ledger/ledger_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const account_kind_names[] = {
#define N_(n, s) s,
    ACCOUNT_KIND_MAP(N_)
#undef N_
};

static const char *const transfer_kind_names[] = {
#define N_(n, s) s,
    TRANSFER_KIND_MAP(N_)
#undef N_
};

static const char *const reason_names[] = {
#define N_(n, s) s,
    LEDGER_REASON_MAP(N_)
#undef N_
};

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == LEDGER_REASON_COUNT,
               "one name per ledger reason");

const char *account_kind_name(int kind)
{
    if (kind < 0 || kind >= ACCOUNT_KIND_COUNT) {
        return "unknown";
    }
    return account_kind_names[kind];
}

const char *transfer_kind_name(int kind)
{
    if (kind < 0 || kind >= TRANSFER_KIND_COUNT) {
        return "unknown";
    }
    return transfer_kind_names[kind];
}

const char *transfer_state_name(int state)
{
    static const char *const names[] = {"posted", "pending", "voided", "expired"};

    if (state < 0 || state > TRANSFER_STATE_EXPIRED) {
        return "unknown";
    }
    return names[state];
}

const char *ledger_reason_name(int reason)
{
    if (reason < 0 || reason >= LEDGER_REASON_COUNT) {
        return "unknown";
    }
    return reason_names[reason];
}

int account_kind_parse(const char *name)
{
    for (int i = 0; i < ACCOUNT_KIND_COUNT; i++) {
        if (strcmp(name, account_kind_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

int transfer_kind_parse(const char *name)
{
    for (int i = 0; i < TRANSFER_KIND_COUNT; i++) {
        if (strcmp(name, transfer_kind_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* Euros in cents, for readability of the tables below. */
#define EUR(x) ((int64_t)(x)*100)

static void defaults_limits(struct ledger_config *cfg)
{
    struct ledger_limits *w = cfg->limits[ACCOUNT_WALLET];

    /* S-Money: 250 € per p2p transfer, 500 € per payment; AMLD5 for unverified e-money:
     * 150 € balance and 150 € spent per month. Verified tiers get the operator's usual caps. */
    for (int t = 0; t < KYC_TIER_COUNT; t++) {
        w[t].op_max_p2p = EUR(250);
        w[t].op_max_payment = EUR(500);
    }
    w[0].month_debits_max = EUR(150);
    w[0].balance_max = EUR(150);
    w[1].day_debits_max = EUR(1000);
    w[1].month_debits_max = EUR(2500);
    w[1].balance_max = EUR(10000);
    w[2].day_debits_max = EUR(5000);
    w[2].month_debits_max = EUR(15000);
    /* Flouss.com: 6 000 € loaded per card per year, whatever the tier. */
    for (int t = 0; t < KYC_TIER_COUNT; t++) {
        cfg->limits[ACCOUNT_CARD][t].year_loads_max = EUR(6000);
        cfg->limits[ACCOUNT_CARD][t].op_max_payment = EUR(500);
    }
}

static void defaults_fees(struct ledger_config *cfg)
{
    struct fee_schedule *f = cfg->fee_schedules;

    /* Flouss.com's card reload table: 6 € for 50-100 €, 22 € above 500 €; the middle tiers are
     * ours (documented in docs/mandat.conf). Loads start at 50 €. */
    snprintf(f[0].name, sizeof(f[0].name), "card_reload");
    f[0].type = FEE_TIERED;
    f[0].payer = FEE_PAYER;
    snprintf(f[0].currency, sizeof(f[0].currency), "EUR");
    f[0].min_amount = EUR(50);
    f[0].tier_count = 4;
    f[0].tiers[0] = (struct fee_tier){.up_to = EUR(100), .fee = EUR(6)};
    f[0].tiers[1] = (struct fee_tier){.up_to = EUR(250), .fee = EUR(10)};
    f[0].tiers[2] = (struct fee_tier){.up_to = EUR(500), .fee = EUR(15)};
    f[0].tiers[3] = (struct fee_tier){.up_to = 0, .fee = EUR(22)};
    /* Merchants pay 1.5 % + 0.25 €, at least 0.30 €, at most 5 €; payers pay nothing. */
    snprintf(f[1].name, sizeof(f[1].name), "merchant_standard");
    f[1].type = FEE_PERCENT;
    f[1].payer = FEE_PAYEE;
    snprintf(f[1].currency, sizeof(f[1].currency), "EUR");
    f[1].percent_bp = 150;
    f[1].fixed = 25;
    f[1].fee_min = 30;
    f[1].fee_max = EUR(5);
    /* SMS+ order: 0.50 € on the phone bill, billed by the mobile operator. */
    snprintf(f[2].name, sizeof(f[2].name), "sms_order");
    f[2].type = FEE_FIXED;
    f[2].payer = FEE_OPERATOR;
    snprintf(f[2].currency, sizeof(f[2].currency), "EUR");
    f[2].fixed = 50;
    cfg->fee_schedule_count = 3;
}

void ledger_config_defaults(struct ledger_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->default_currency, sizeof(cfg->default_currency), "EUR");
    cfg->pending_timeout_default_s = 300; /* PSD2: unconfirmed orders expire after 5 min */
    cfg->pending_timeout_max_s = 7 * 24 * 3600;
    defaults_limits(cfg);
    defaults_fees(cfg);
}

uint32_t ledger_config_fee_find(const struct ledger_config *cfg, const char *name)
{
    for (uint32_t i = 0; i < cfg->fee_schedule_count; i++) {
        if (strcmp(cfg->fee_schedules[i].name, name) == 0) {
            return i + 1;
        }
    }
    return 0;
}

void ledger_changes_reset(struct ledger_changes *ch)
{
    ch->transfer_count = 0;
    ch->rejection_count = 0;
    ch->event_count = 0;
    ch->state_count = 0;
}

void ledger_changes_release(struct ledger_changes *ch)
{
    free(ch->transfers);
    free(ch->rejections);
    free(ch->events);
    free(ch->states);
    memset(ch, 0, sizeof(*ch));
}
