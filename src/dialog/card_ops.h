/* SPDX-License-Identifier: Apache-2.0 */
/* Cards changed outside the SMS conversation (issue 13): issued, blocked, unblocked and replaced
 * by the operator API, activated on the public page /activate, and set expired by mandatd once
 * their month is over. The same rules as `mandat card` and ACTIVER: the issue is card_issue.c's,
 * the activation decision card.c's. Nothing here returns or logs a card number: a card is its
 * token, BIN and last four; the number typed on the page is wiped once its keyed hash is made. */
#ifndef MDT_DIALOG_CARD_OPS_H
#define MDT_DIALOG_CARD_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "dialog/card_issue.h"
#include "dialog/dialog.h"

/* mandatd looks for cards past their expiry month this often (and at start). */
#define CARD_EXPIRY_SCAN_S 3600
/* Cards an operator's list answers at most. */
#define CARD_LIST_MAX 100
/* A replacement moves at most this many senders' aliases in its one commit. */
#define CARD_REPLACE_ALIASES_MAX (DIALOG_ROWS_MAX - 3)

/* What the operator asks for (POST /v1/cards); borrowed for the call. */
struct card_issue_api_in {
    const char *holder;    /* as embossed: card_issue_holder_read */
    const char *phone;     /* NULL or "": none; else any form phone_normalize reads */
    unsigned expiry_years; /* 0: [cards] expiry_years */
    const char *token;     /* the card's token (from the Idempotency-Key); NULL: random */
};

/* Issue a card: number, seal and row (card_issue.c), the card maker's line appended to
 * [cards] emboss_file now (number, expiry, name: as `mandat card issue` writes it), then a step
 * that opens the card's account and writes its rows in the same commit. Once it is durable,
 * the step's card (dialog_card_step_card) and activation code (dialog_card_step_code) are the
 * answer; the code is wiped with the step. Errors with err: -MDT_EINVAL (holder, phone,
 * expiry_years), -MDT_EEXISTS (a card with this token exists: dialog_card_get it), -MDT_ERANGE
 * (issuing is off: no card vault, BIN or emboss file), -MDT_EIO (the emboss file). Loop thread. */
int dialog_card_issue_api(struct dialog *d, const struct card_issue_api_in *in, int64_t now_us,
                          struct dialog_step **out, struct mdt_err *err);

enum card_op {
    CARD_OP_BLOCK = 0, /* loads refused at once; lifted by unblock */
    CARD_OP_UNBLOCK,   /* a blocked card back to active (inactive if never activated) */
};

/* Block or unblock the card token, with the CLI's rules: a lost or expired card cannot be
 * blocked, only a blocked card can be unblocked, and not once expired. *out: a step writing the
 * card's row, or NULL when the card is already as asked (answer it as it is). Errors with err:
 * -MDT_ENOTFOUND, -MDT_ERANGE (the rule refused: the card's status says why), -MDT_EBUSY. */
int dialog_card_status_api(struct dialog *d, const char *token, enum card_op op, int64_t now_us,
                           struct dialog_step **out, struct mdt_err *err);

/* A lost card replaced (`mandat card replace`): a new card to the same holder and phone (its
 * emboss line written now), its account opened by this step, whose hook reads the old card's
 * balance; no load reaches the old card from now on. Once that step is durable, pass it to
 * dialog_card_replace_move. Errors with err: -MDT_ENOTFOUND, -MDT_ERANGE (lost already, or too
 * many aliases for one commit), -MDT_EBUSY, and dialog_card_issue_api's. */
int dialog_card_replace_api(struct dialog *d, const char *token, int64_t now_us,
                            struct dialog_step **out, struct mdt_err *err);

/* The second step of a replacement, from the first (durable, rc 0): in one commit the new
 * card's number and row, the old card lost, its senders' aliases moved to the new card and its
 * balance moved by a card_move (not a load: the yearly cap does not count it). Always returns a
 * step (call it for every durable first step: it releases the old card). */
struct dialog_step *dialog_card_replace_move(struct dialog *d, const struct dialog_step *first);

/* The card a step of this module leaves (the new one of an issue or replacement, the changed
 * one of a status change), without its activation hash; the activation code of a new card ("" for
 * others; wiped with the step); the balance moved by a replacement. */
void dialog_card_step_card(const struct dialog_step *s, struct card_row *out);
const char *dialog_card_step_code(const struct dialog_step *s);
int64_t dialog_card_step_moved(const struct dialog_step *s);
/* The token of the card a replacement's second step marks lost. */
const char *dialog_card_step_replaced(const struct dialog_step *s);

/* Cards in issue order, after the card after_token ("" or NULL: from the first), at most max
 * into out (without activation hashes); *more: others follow. -MDT_ENOTFOUND: no such card. */
int dialog_card_list(struct dialog *d, const char *after_token, struct card_row *out, size_t max,
                     bool *more);

/* What the activation page's form gave, read by card_input.h; borrowed for the call. */
struct card_activate_form {
    const char *pan; /* the number's digits (card_pan_parse): the caller wipes it */
    unsigned exp_month, exp_year;
    const char *code;  /* the activation code as typed */
    const char *phone; /* "" none; else any form phone_normalize reads */
};

/* The holder activates a card on the page with its number, expiry and the activation code on
 * the carrier (and a phone for receipts when the card has none). The number is looked up by the
 * card vault's keyed hash and wiped. The decision is ACTIVER's (wrong codes count on the card, the
 * lock after code_attempts_max); a wrong expiry counts as a wrong code. Always a step (also for a
 * number no card has, so that both take the same path and time); its outcome is OUTCOME_DONE
 * (activated: dialog_card_step_card) or OUTCOME_WRONG_CODE for everything else, which the page
 * must answer with one message: it never tells whether a card number exists. Errors before any
 * step, with err in lang: -MDT_EINVAL (a phone that cannot be one), -MDT_ERANGE (activation
 * off: no card vault), -MDT_EBUSY. */
int dialog_card_activate_web(struct dialog *d, const struct card_activate_form *f, enum lang lang,
                             int64_t now_us, struct dialog_step **out, struct mdt_err *err);

#endif
