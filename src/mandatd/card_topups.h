/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's money in by bank card (issue 13): [acquirer] turned into the dialog's top-up
 * settings, the acquirer module it names, and the top-up flow over them. */
#ifndef MDT_MANDATD_CARD_TOPUPS_H
#define MDT_MANDATD_CARD_TOPUPS_H

#include <stdint.h>

#include "base/error.h"
#include "dialog/dialog.h"
#include "mandatd/config.h"

struct event_base;
struct acquirer;
struct topup_flow;
struct card_vault;

/* Fill dc's top-up fields from cfg: off when [acquirer] kind is none; bank_account is the bank
 * system account card money comes from. -MDT_EINVAL (an unknown kind, a fee naming no
 * schedule, no bank account), with err saying which key. */
int card_topups_settings(const struct mandat_config *cfg, uint64_t bank_account,
                         struct dialog_config *dc, struct mdt_err *err);

/* Start the acquirer [acquirer] names on base and the flow over it (steps submitted through
 * submit; cards kept on file sealed by vault, borrowed, NULL: none kept), and look up what a
 * previous run left unfinished. *acq and *flow stay NULL when kind is none. Free with
 * card_topups_stop. */
int card_topups_start(struct event_base *base, const struct mandat_config *cfg,
                      struct dialog *dialog, struct card_vault *vault,
                      int (*submit)(void *submit_ctx, struct dialog_step *s, void *ctx,
                                    void (*done)(void *ctx, int rc, const struct dialog_step *s)),
                      void *submit_ctx, struct acquirer **acq, struct topup_flow **flow,
                      struct mdt_err *err);

/* After the loop has stopped (no step answers any more): calls in flight are abandoned and
 * their card data wiped. NULLs allowed. */
void card_topups_stop(struct acquirer *acq, struct topup_flow *flow);

#endif
