/* SPDX-License-Identifier: Apache-2.0 */
/* An order paid by card over the phone (issue 14, PCI DSS): the call's card entry in locked,
 * undumped pages, the number sealed by the card vault as soon as it is checked, the security
 * code in the vault's pool; paid by a prepaid card of mandat's from its balance, or any other
 * card through the acquirer's chain. */
#include <stdlib.h>
#include <sys/mman.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "channel/acquirer/topup_flow.h"
#include "dialog/card_input.h"
#include "dialog/dialog.h"
#include "dialog/topup.h"
#include "dialog/voice.h"
#include "engine/engine.h"
#include "ledger/ledger.h"
#include "mandatd/daemon.h"
#include "mandatd/daemon_sip_int.h"
#include "mandatd/service.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

/* The field being keyed goes (a check took what it needed, or the entry starts again). */
void sipd_card_field_wipe(struct call_card *k)
{
    vault_wipe(k->field, sizeof(k->field));
    k->n = 0;
    k->over = false;
}

/* The whole card goes: the call ended, or the payment took what it needed. */
void sipd_card_wipe(struct call_card *k)
{
    if (k->has_cvv) {
        card_cvv_drop(k->cvv_slot);
    }
    vault_wipe(k, sizeof(*k));
}

void sipd_card_add(struct call_card *k, const char *text)
{
    if (text[0] < '0' || text[0] > '9') {
        return;
    }
    if (k->n < CARD_PAN_MAX) {
        k->field[k->n++] = text[0];
    } else {
        k->over = true;
    }
}

/* The number keyed: Luhn and length (card_pan_parse), then sealed by the card vault at once
 * with its keyed hash; the clear digits are wiped here. */
static bool card_pan_take(struct daemon_sip *s, struct call_card *k)
{
    char pan[CARD_PAN_MAX + 1];
    uint32_t version = 0;
    bool ok = !k->over && s->d->cards != NULL && card_pan_parse(k->field, pan, NULL) == 0 &&
              card_vault_token_new(k->token) == 0 &&
              card_vault_seal(s->d->cards, k->token, pan, k->sealed, &k->sealed_len, &version) == 0;

    if (ok) {
        card_vault_pan_mac(s->d->cards, pan, k->pan_mac);
    }
    k->has_pan = ok;
    vault_wipe(pan, sizeof(pan));
    return ok;
}

static bool card_cvv_keyed(struct call_card *k)
{
    char cvv[CARD_CVV_MAX + 1];
    bool ok = !k->over && k->n >= 3 && k->n <= VOICE_CVV_DIGITS_MAX &&
              card_cvv_parse(k->field, cvv, NULL) == 0;

    if (ok && k->has_cvv) {
        card_cvv_drop(k->cvv_slot);
        k->has_cvv = false;
    }
    ok = ok && card_cvv_take(cvv, &k->cvv_slot) == 0; /* wipes cvv */
    k->has_cvv = ok;
    vault_wipe(cvv, sizeof(cvv));
    return ok;
}

/* VOICE_CARD_CHECK: the field is complete (last: its final key, or ""): check it, keep what
 * the payment needs where it belongs, wipe the digits, and tell the menu. */
void sipd_card_check(struct voice_session *vs, const char *last)
{
    struct call_card *k = vs->card;
    struct voice_turn t;
    bool ok = false;

    sipd_card_add(k, last);
    switch (vs->v.state) {
    case VOICE_CARD_PAN:
        ok = card_pan_take(vs->s, k);
        break;
    case VOICE_CARD_EXPIRY:
        ok = !k->over && k->n == VOICE_EXPIRY_DIGITS &&
             card_expiry_parse(k->field, &k->month, &k->year, NULL) == 0 &&
             !card_expired(k->month, k->year, clock_now_us());
        break;
    case VOICE_CARD_CVV:
        ok = card_cvv_keyed(k);
        break;
    default:
        break;
    }
    sipd_card_field_wipe(k);
    log_info("sip: call %u: card %s %s", vs->call,
             vs->v.state == VOICE_CARD_PAN      ? "number"
             : vs->v.state == VOICE_CARD_EXPIRY ? "expiry"
                                                : "code",
             ok ? "taken" : "refused");
    voice_call_card(&vs->v, ok, &t);
    sipd_turn_run(vs, &t, NULL);
}

/* What the call says of a card payment's end, then the menu's turn (or the end of a hidden
 * number's call). */
static void card_said(struct voice_session *vs, enum voice_card_result r, const char *why)
{
    voice_card_result_text(vs->v.lang, r, why, vs->say, sizeof(vs->say));
    sipd_answer_later(vs, VOICE_ANSWER_SAID);
}

/* A card payment's end: its session if the call is still there (else the chain went on alone:
 * the SMS says the rest when the caller has a number). */
static struct voice_session *card_session(struct voice_ask *a, const char *what)
{
    struct voice_session *vs = sipd_session_find(a->s, a->call);

    if (vs == NULL) {
        log_info("sip: call %u is gone: its card payment %s", a->call, what);
    }
    free(a);
    return vs;
}

/* A prepaid card of ours paid (or not) from its balance: the step is durable. */
static void card_paid_ours(void *ctx, int rc, const struct dialog_step *step)
{
    struct voice_session *vs = card_session(ctx, "ended");

    if (vs == NULL) {
        return;
    }
    if (rc < 0) {
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
    } else if (dialog_step_outcome(step) == OUTCOME_REFUSED) {
        card_said(vs, VOICE_CARD_DECLINED, dialog_topup_reason("51", vs->v.lang));
    } else {
        card_said(vs, VOICE_CARD_PAID, "");
    }
    log_info("sip: call %u: prepaid card payment %s", vs->call,
             rc < 0                                         ? "failed"
             : dialog_step_outcome(step) == OUTCOME_REFUSED ? "refused"
                                                            : "done");
}

/* Any other card: the acquirer's chain ended (paid, declined, or being checked). */
static void card_paid_acquirer(void *ctx, const struct topup_flow_result *r)
{
    struct voice_session *vs = card_session(ctx, "goes on");

    if (vs == NULL) {
        return;
    }
    log_info("sip: call %u: card payment ended (%d, state %u)", vs->call, r->rc,
             (unsigned)r->topup.state);
    if (r->rc < 0) {
        sipd_answer_later(vs, VOICE_ANSWER_FAILED);
    } else if (r->topup.state == TOPUP_CREDITED) {
        card_said(vs, VOICE_CARD_PAID, "");
    } else if (r->topup.state == TOPUP_DECLINED) {
        card_said(vs, VOICE_CARD_DECLINED, dialog_topup_reason(r->topup.code, vs->v.lang));
    } else if (r->topup.state == TOPUP_REFUNDED) {
        card_said(vs, VOICE_CARD_NOT_PAID, "");
    } else {
        card_said(vs, VOICE_CARD_CHECKING, "");
    }
}

/* A card account's available balance, read between the ledger's batches. */
struct card_avail {
    uint64_t account;
    int64_t minor;
};

static void card_avail_read(void *ctx, const struct ledger *l)
{
    struct card_avail *c = ctx;
    const struct account *a = ledger_account_get(l, c->account);

    c->minor = a != NULL ? a->credits_posted - a->debits_posted - a->debits_pending : 0;
}

/* Our own prepaid card: one step from its balance (its code is not used: dropped now). The
 * balance is read first (one wait for the ledger's thread): the ledger keeps a refusal under
 * the request's payment id, so a short card must not try, or the order could not be paid by
 * anything else. (A spend between the read and the step can still be refused: then so is the
 * order's id, as with a wallet's code.) */
static int card_pay_ours(struct voice_session *vs, uint64_t account, struct voice_ask *a,
                         struct mdt_err *err)
{
    struct daemon *d = vs->s->d;
    struct call_card *k = vs->card;
    struct dialog_step *step = NULL;
    const struct payment_request_row *r = dialog_request_get(d->dialog, vs->order);
    struct card_avail avail = {.account = account};
    int rc;

    if (r == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND), "the order is gone");
    }
    rc = engine_read(d->engine, card_avail_read, &avail);
    if (rc < 0) {
        return mdt_err_set(err, rc, "cannot read the card's balance");
    }
    if (avail.minor < r->amount_minor) {
        return mdt_err_set(err, MDT_E(RANGE), "the card's balance is short");
    }
    rc = dialog_request_pay_card(d->dialog, vs->order, k->pan_mac, k->month, k->year, vs->e164,
                                 vs->v.lang, clock_now_us(), &step, err);

    if (rc == 0) {
        rc = service_submit(d->service, step, a, card_paid_ours);
    }
    return rc;
}

/* Another card: its number opened from the seal just for the acquirer's chain, which copies
 * it until the authorization is sent and takes the code's slot over. */
static int card_pay_acquirer(struct voice_session *vs, struct voice_ask *a, struct mdt_err *err)
{
    struct daemon *d = vs->s->d;
    struct call_card *k = vs->card;
    char pan[CARD_PAN_MAX + 1];
    int rc;

    if (d->topups == NULL) {
        return mdt_err_set(err, MDT_E(RANGE), "no acquirer: only mandat's cards are taken");
    }
    rc = card_vault_open_pan(d->cards, k->token, k->sealed, k->sealed_len, pan);
    if (rc == 0) {
        k->has_cvv = false; /* the chain's now, whatever happens */
        rc = topup_flow_pay_request(d->topups, vs->order, vs->e164, vs->v.lang, pan, k->month,
                                    k->year, k->cvv_slot, card_paid_acquirer, a, err);
    }
    vault_wipe(pan, sizeof(pan));
    return rc;
}

/* VOICE_CARD_PAY: the caller confirmed (the code keyed). From here the payment completes once
 * whether or not the call stays: a step, or the acquirer's durable chain. */
void sipd_card_pay(struct voice_session *vs)
{
    struct voice_ask *a = calloc(1, sizeof(*a));
    struct voice_turn wait = {.action = VOICE_PLAY, .prompt = VOICE_PROMPT_CARD_WAIT};
    struct mdt_err err = {0};
    uint64_t account;
    bool ours;
    int rc;

    MDT_ASSERT(a != NULL);
    a->s = vs->s;
    a->call = vs->call;
    account = vs->card->has_pan ? dialog_card_ours(vs->s->d->dialog, vs->card->pan_mac) : 0;
    ours = account != 0;
    if (!vs->card->has_pan || !vs->card->has_cvv) {
        rc = mdt_err_set(&err, MDT_E(INVAL), "the card is incomplete");
    } else if (ours) {
        rc = card_pay_ours(vs, account, a, &err);
    } else {
        rc = card_pay_acquirer(vs, a, &err);
    }
    sipd_card_wipe(vs->card);
    log_info("sip: call %u: %s card payment %s", vs->call, ours ? "prepaid" : "bank",
             rc < 0 ? "not started" : "started");
    if (rc < 0) {
        free(a);
        if (rc == MDT_E(REJECTED) || rc == MDT_E(RANGE)) {
            card_said(vs, VOICE_CARD_DECLINED,
                      dialog_topup_reason(rc == MDT_E(RANGE) && ours ? "51" : "05", vs->v.lang));
        } else {
            log_info("sip: call %u: %s", vs->call, err.msg);
            sipd_answer_later(vs, rc == MDT_E(NOTFOUND) || rc == MDT_E(BUSY) ? VOICE_ANSWER_OVER
                                                                             : VOICE_ANSWER_FAILED);
        }
        return;
    }
    sipd_turn_run(vs, &wait, NULL);
}

/* Locked pages for the calls' card entries: out of swap and core dumps (PCI DSS 3.4: no card
 * data where it is not needed). mlock may be refused (RLIMIT_MEMLOCK): said, and go on. */
int sipd_cards_map(struct daemon_sip *s, struct mdt_err *err)
{
    s->cards_len = s->cap * sizeof(struct call_card);
    s->cards = mmap(NULL, s->cards_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->cards == MAP_FAILED) {
        s->cards = NULL;
        return mdt_err_set(err, MDT_E(NOMEM), "sip: cannot map the card entries");
    }
    (void)madvise(s->cards, s->cards_len, MADV_DONTDUMP);
    if (mlock(s->cards, s->cards_len) < 0) {
        log_warn("sip: card entries not locked in memory (RLIMIT_MEMLOCK): they may be swapped");
    }
    for (size_t i = 0; i < s->cap; i++) {
        s->sessions[i].card = &s->cards[i];
    }
    return 0;
}

void sipd_cards_unmap(struct daemon_sip *s)
{
    if (s->cards == NULL) {
        return;
    }
    for (size_t i = 0; i < s->cap; i++) {
        sipd_card_wipe(&s->cards[i]);
    }
    (void)munlock(s->cards, s->cards_len);
    (void)munmap(s->cards, s->cards_len);
    s->cards = NULL;
}
