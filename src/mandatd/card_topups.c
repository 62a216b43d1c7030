/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's money in by bank card (card_topups.h): settings, the acquirer, the flow. */
#include "mandatd/card_topups.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "channel/acquirer/acquirer.h"
#include "channel/acquirer/topup_flow.h"

int card_topups_settings(const struct mandat_config *cfg, uint64_t bank_account,
                         struct dialog_config *dc, struct mdt_err *err)
{
    const struct ledger_config *l = &cfg->ledger;

    if (strcmp(cfg->acquirer.kind, "none") == 0) {
        return 0;
    }
    if (strcmp(cfg->acquirer.kind, "test") != 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[acquirer] kind '%s' is not a module of this mandatd: write none or "
                           "test",
                           cfg->acquirer.kind);
    }
    if (bank_account == 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[acquirer] needs the bank account of %s: run mandat init",
                           l->default_currency);
    }
    if (strcmp(cfg->acquirer.fee, "none") != 0) {
        dc->topup_fee_schedule = (uint16_t)ledger_config_fee_find(l, cfg->acquirer.fee);
        if (dc->topup_fee_schedule == 0) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "[acquirer] fee '%s' names no [fee.*] schedule: add it or write "
                               "none",
                               cfg->acquirer.fee);
        }
        dc->topup_fee = l->fee_schedules[dc->topup_fee_schedule - 1];
        dc->topup_fee_account = cfg->acquirer.fee_account;
    }
    dc->topup_link_s = cfg->acquirer.link_timeout_s;
    dc->bank_account = bank_account;
    log_warn("[acquirer] kind = test: test card numbers are approved; never in production");
    return 0;
}

int card_topups_start(struct event_base *base, const struct mandat_config *cfg,
                      struct dialog *dialog, struct card_vault *vault,
                      int (*submit)(void *submit_ctx, struct dialog_step *s, void *ctx,
                                    void (*done)(void *ctx, int rc, const struct dialog_step *s)),
                      void *submit_ctx, struct acquirer **acq, struct topup_flow **flow,
                      struct mdt_err *err)
{
    struct acquirer_test_config tc = {.latency_ms = cfg->acquirer.latency_ms,
                                      .timeout_ms = cfg->acquirer.timeout_ms};
    /* Unknown results are asked again at the pace of the acquirer's timeout, at most every
     * second. */
    struct topup_flow_config fc = {
        .dialog = dialog,
        .vault = vault,
        .submit = submit,
        .submit_ctx = submit_ctx,
        .recheck_ms = cfg->acquirer.timeout_ms > 1000 ? cfg->acquirer.timeout_ms : 1000};
    int rc;

    *acq = NULL;
    *flow = NULL;
    if (strcmp(cfg->acquirer.kind, "test") != 0) {
        return 0;
    }
    snprintf(tc.state_path, sizeof(tc.state_path), "%s", cfg->acquirer.state_file);
    rc = acquirer_test_open(base, &tc, acq, err);
    if (rc < 0) {
        return rc;
    }
    fc.acquirer = *acq;
    rc = topup_flow_create(base, &fc, flow);
    if (rc < 0) {
        acquirer_free(*acq);
        *acq = NULL;
        return mdt_err_set(err, rc, "cannot start the top-up flow");
    }
    topup_flow_recover(*flow, true);
    return 0;
}

void card_topups_stop(struct acquirer *acq, struct topup_flow *flow)
{
    acquirer_free(acq);
    topup_flow_free(flow);
}
