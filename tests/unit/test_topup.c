/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the dialog's top-ups by bank card (dialog/topup.h), in the dialog's world (a
 * real engine and store): the link sent for TOPUP 50, the wallet's limit checked before the
 * card is charged, each answer of the acquirer recorded and followed (capture, credit with the
 * fee leg, decline, unknown then settled), a second answer or a second click changing nothing,
 * and a restart between the capture's approval and the credit crediting once. A prepaid card's
 * reload paid by bank card: by the card on file once the code confirms it, or on the page; its
 * fees; a capture declined voided; a credit the ledger refuses (or a card blocked) refunded. An
 * order paid by card over the phone (a top-up whose target is a payment request): approved, the
 * request paid from the bank under its payment id with its webhook; one card at a time; a
 * decline leaves it payable by another card; a request cancelled meanwhile refunds the card. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/topup.h"
#include "dialog_world.h"

#define EUR(x) ((int64_t)(x)*100)

/* Top-ups on, with a fee of 1.2 % + 0.10 EUR to the fees account. */
static void topups_on(void)
{
    struct fee_schedule *f = &w.cfg.fee_schedules[w.cfg.fee_schedule_count++];

    close_world();
    w.topup_link_s = 900;
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "card_acquiring");
    f->type = FEE_PERCENT;
    f->payer = FEE_PAYER;
    snprintf(f->currency, sizeof(f->currency), "EUR");
    f->percent_bp = 120;
    f->fixed = 10;
    w.topup_fee_schedule = (uint16_t)w.cfg.fee_schedule_count;
    open_world(false);
}

/* TOPUP amount from A: the page's token hash, from the link in the reply. */
static const struct card_topup_row *ask(const char *text, uint8_t hash[32])
{
    say(A, text);
    const char *at = strstr(w.replies[0], "/t/");
    if (at == NULL) {
        fail_msg("no link in '%s'", w.replies[0]);
    }
    char token[33];
    snprintf(token, sizeof(token), "%.32s", at + 3);
    assert_int_equal(vault_token_check(w.vault, token, hash), 0);
    /* The outbox keeps no token. */
    assert_null(strstr(w.stored[0], token));
    return dialog_topup_by_token(w.dialog, hash, fake_clock());
}

static int pay(const uint8_t hash[32])
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    int rc = dialog_topup_pay_web(w.dialog, hash, "1111", fake_clock(), &s, &err);

    return rc < 0 ? rc : run_step(s);
}

static int answer(struct id128 id, uint16_t op, uint16_t outcome, const char *code, const char *ref)
{
    struct topup_answer a = {.op = op, .outcome = outcome};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};

    snprintf(a.code, sizeof(a.code), "%s", code);
    snprintf(a.ref, sizeof(a.ref), "%s", ref);
    w.nreplies = 0;
    int rc = dialog_topup_answer(w.dialog, id, &a, fake_clock(), &s, &err);
    return rc < 0 ? rc : run_step(s);
}

/* The capture's answer with the page's card kept on file (its box ticked): a fake seal. */
static int answer_keep(struct id128 id, uint16_t outcome, const char *code, const char *last4)
{
    struct topup_answer a = {.op = TOPUP_OP_CAPTURE, .outcome = outcome};
    struct card_file_row f = {.exp_month = 9, .exp_year = 2031};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};

    snprintf(a.code, sizeof(a.code), "%s", code);
    snprintf(a.ref, sizeof(a.ref), "%s", "T0000000009");
    snprintf(f.pan.token, sizeof(f.pan.token), "card_%s%028d", last4, 0);
    f.pan.sealed_len = 40;
    memset(f.pan.sealed, 0x5c, f.pan.sealed_len);
    f.pan.key_version = 1;
    memset(f.pan.pan_mac, last4[3], sizeof(f.pan.pan_mac));
    snprintf(f.pan.bin, sizeof(f.pan.bin), "411111");
    snprintf(f.pan.last4, sizeof(f.pan.last4), "%s", last4);
    f.pan.pan_len = 16;
    w.nreplies = 0;
    int rc = dialog_topup_answer(w.dialog, id, &a, fake_clock(), &s, &err);
    if (rc < 0) {
        return rc;
    }
    dialog_topup_keep_card(s, &f);
    return run_step(s);
}

/* A top-up paid up to its capture (authorized): its id. */
static struct id128 paid(const char *text)
{
    uint8_t hash[32];
    struct id128 id = ask(text, hash)->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000001"), 0);
    return id;
}

static uint64_t wallet_of(const char *phone)
{
    (void)phone;
    return 6; /* setup_ledger: system accounts 1-4, TELETHON 5, the first wallet 6 */
}

static void test_off(void **state)
{
    (void)state;
    enrol(A, "CODE 483920");
    say(A, "ALIMENTER 50");
    expect(0, "pas disponible");
}

static void test_approved(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    uint8_t hash[32];
    const struct card_topup_row *r = ask("ALIMENTER 50", hash);
    expect(0, "50,00");
    assert_non_null(r);
    assert_int_equal(r->state, TOPUP_OPEN);
    assert_int_equal(r->amount_minor, EUR(50));
    struct id128 id = r->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_AUTHORIZING);
    assert_string_equal(dialog_topup_get(w.dialog, id)->card_last4, "1111");
    /* A second click: the top-up is not open any more. */
    assert_int_equal(pay(hash), MDT_E(BUSY));

    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000001"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CAPTURING);
    assert_string_equal(dialog_topup_auth_ref(w.dialog, id), "T0000000001");
    assert_int_equal(account(wallet_of(A)).credits_posted, 0); /* nothing before the capture */

    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000002"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CREDITED);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(50));
    assert_int_equal(account(2).credits_posted, 70); /* 1.2 % of 50 + 0.10 */
    expect(0, "****1111");
    expect(0, "50,00");
    assert_string_equal(w.reply_dest[0], A);
    /* The same answer again changes nothing. */
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000002"),
                     MDT_E(EXISTS));
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(50));
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
}

static void test_declined(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    static const struct {
        const char *code, *words;
    } cases[] = {{"05", "refusé par la banque"},
                 {"51", "provision insuffisante"},
                 {"54", "carte expirée"},
                 {"14", "numéro de carte invalide"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t hash[32];
        struct id128 id = ask("ALIMENTER 20", hash)->id;

        assert_int_equal(pay(hash), 0);
        assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_DECLINED, cases[i].code, ""), 0);
        assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_DECLINED);
        expect(0, cases[i].words);
        expect(0, "Rien n'a été débité");
        /* The finished page is still found (it shows the result), and cannot be paid again. */
        assert_non_null(dialog_topup_by_token(w.dialog, hash, fake_clock()));
        assert_int_equal(pay(hash), MDT_E(BUSY));
    }
    assert_int_equal(account(wallet_of(A)).credits_posted, 0);
    assert_string_equal(dialog_topup_reason("05", LANG_EN), "refused by the bank");
    assert_string_equal(dialog_topup_reason("51", LANG_EN), "insufficient funds");
}

static void test_unknown_then_settled(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    uint8_t hash[32];
    struct id128 id = ask("TOPUP 30", hash)->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_UNKNOWN, "", ""), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CHECKING);
    expect(0, "vérification");
    /* Still unknown: nothing new, no second SMS. */
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_UNKNOWN, "", ""), MDT_E(EXISTS));
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, 0, open, 4), 1);
    assert_int_equal(open[0].state, ACQ_OP_UNKNOWN);
    char key[STORE_ACQ_KEY_MAX];
    dialog_topup_key(id, TOPUP_OP_AUTHORIZE, key);
    assert_string_equal(open[0].key, key);
    /* The lookup says approved: the capture follows, then the credit. */
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T7"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CAPTURING);
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T8"), 0);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(30));
    expect(0, "Nouveau solde");
}

static void test_limit_before_the_card(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    /* An unverified wallet holds 150 EUR at most. */
    say(A, "ALIMENTER 200");
    expect(0, "150,00");
    assert_null(strstr(w.replies[0], "/t/"));
    uint8_t hash[32];
    struct id128 id = ask("ALIMENTER 100", hash)->id;
    topup(wallet_of(A), EUR(100)); /* meanwhile, money came in */
    assert_int_equal(pay(hash), 0);
    assert_int_equal(w.outcome, OUTCOME_REFUSED);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_OPEN); /* nothing sent */
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
}

/* The card kept on file by a credited top-up only; there after a restart; a new one replaces
 * it; CB OUBLIER forgets it, and says so when there is none. */
static void test_card_on_file(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    say(A, "CB OUBLIER");
    expect(0, "Aucune carte bancaire");

    assert_int_equal(answer_keep(paid("ALIMENTER 50"), ACQ_OP_DECLINED, "51", "4242"), 0);
    assert_null(dialog_card_file_get(w.dialog, A)); /* nothing taken, nothing kept */

    assert_int_equal(answer_keep(paid("ALIMENTER 50"), ACQ_OP_APPROVED, "00", "1111"), 0);
    expect(0, "gardée");
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(50));
    close_world();
    open_world(false);
    const struct card_file_row *f = dialog_card_file_get(w.dialog, A);
    assert_non_null(f);
    assert_string_equal(f->pan.last4, "1111");
    assert_int_equal(f->exp_year, 2031);
    assert_int_equal(f->pan.sealed_len, 40);

    assert_int_equal(answer_keep(paid("ALIMENTER 20"), ACQ_OP_APPROVED, "00", "4444"), 0);
    assert_string_equal(dialog_card_file_get(w.dialog, A)->pan.last4, "4444");
    say(A, "CB OUBLIER");
    expect(0, "****4444 oubliée");
    assert_null(dialog_card_file_get(w.dialog, A));
    close_world();
    open_world(false);
    assert_null(dialog_card_file_get(w.dialog, A));
    say(A, "CARD FORGET");
    expect(0, "Aucune carte bancaire"); /* CARD FORGET parsed; the wallet speaks French */
}

static void test_restart_credits_once(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    uint8_t hash[32];
    struct id128 id = ask("ALIMENTER 40", hash)->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T1"), 0);
    /* The capture is sent, approved, and mandatd dies before recording it. */
    close_world();
    open_world(false);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CAPTURING);
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, fake_clock() + 1, open, 4), 1);
    assert_int_equal(open[0].kind, TOPUP_OP_CAPTURE);
    assert_string_equal(open[0].auth_ref, "T1");
    assert_string_equal(dialog_topup_auth_ref(w.dialog, id), "T1");
    /* Its lookup says approved: credited, once. */
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T2"), 0);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(40));
    close_world();
    open_world(false);
    assert_null(dialog_topup_get(w.dialog, id)); /* finished: not read back */
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(40));
}

/* ---- a prepaid card's reload paid by bank card ---- */

static struct id128 started; /* the reload the dialog asked to send (dialog_topup_on_start) */

static void on_started(void *ctx, struct id128 id)
{
    (void)ctx;
    started = id;
}

/* A's card MAMAN (active, of WORLD_HOLDER), and with file A's bank card ending in 1111 on file
 * (a fake seal: nothing here opens it). Top-ups on, the acquirer's fee paid to account 4. */
static uint64_t mum(bool file)
{
    struct card_file_row f = {.active = true, .exp_month = 9, .exp_year = 2031};
    uint64_t card;

    w.topup_fee_account = 4;
    topups_on();
    dialog_topup_on_start(w.dialog, on_started, NULL);
    enrol(A, "CODE 483920");
    card = world_card_open();
    world_card_issue(card);
    say(A, "CARTE AJOUT MAMAN 4242 135790");
    say(WORLD_HOLDER, "ACTIVER 4242 135790");
    if (file) {
        strcpy(f.owner, A);
        strcpy(f.pan.token, "card_1111");
        strcpy(f.pan.last4, "1111");
        assert_int_equal(dialog_card_file_loaded(w.dialog, &f), 0);
    }
    return card;
}

/* RECHARGE MAMAN 100 CB with the card on file, a wrong code, then the right one: the reload's
 * authorization recorded pending (for 100 + 6 reload fee: the SMS order fee is the operator's),
 * the order's hold released, and the flow asked to send it. Its id. */
static struct id128 reload_confirmed(void)
{
    struct acquirer_op_row open[4];
    const struct card_topup_row *r;

    say(A, "RECHARGE MAMAN 100 CB");
    expect(0, "Recharger ****4242 (MAMAN) de 100,00 € + frais 6,00 € par la CB ****1111 ?");
    assert_int_equal(account(1).debits_pending, EUR(106));
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0); /* not yet */
    say(A, "111111");
    expect(0, "Encore 4 essai(s)");
    started = (struct id128){0, 0};
    w.nreplies = 0;
    assert_int_equal(say_id(A, "483920", NULL), 0);
    assert_int_equal(w.nreplies, 0); /* the receipt follows the bank's answer */
    assert_int_equal(account(1).debits_pending, 0);
    r = dialog_topup_get(w.dialog, started);
    assert_non_null(r);
    assert_int_equal(r->state, TOPUP_AUTHORIZING);
    assert_int_equal(r->amount_minor, EUR(100));
    assert_int_equal(r->fee_minor, EUR(6));
    assert_int_equal(r->order_fee_minor, 50);
    assert_int_equal(dialog_topup_charge(r), EUR(106));
    assert_string_equal(r->file_token, "card_1111");
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 1);
    assert_int_equal(open[0].kind, TOPUP_OP_AUTHORIZE);
    assert_int_equal(open[0].amount_minor, EUR(106));
    return started;
}

static void test_reload_by_card_on_file(void **state)
{
    (void)state;
    uint64_t card = mum(true);
    struct id128 id = reload_confirmed();
    int64_t bank = account(1).debits_posted, fees = account(2).credits_posted;

    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T1"), 0);
    assert_int_equal(account(card).credits_posted, 0);
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T2"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CREDITED);
    assert_int_equal(account(card).credits_posted, EUR(100));
    assert_int_equal(account(2).credits_posted - fees, 650); /* 6 € reload, 0,50 € SMS order */
    assert_int_equal(account(4).credits_posted, 137);        /* 1.2 % of 106 + 0.10 */
    assert_int_equal(account(1).debits_posted - bank, EUR(106) + 137);
    assert_int_equal(w.nreplies, 2);
    expect(0, "Recharge de 100,00 € sur ****4242 (MAMAN), frais 6,00 €, payée par la CB ****1111. "
              "Solde carte : 100,00 €.");
    assert_string_equal(w.reply_dest[0], A);
    expect(1, "+100,00 € sur votre carte ****4242, solde 100,00 €");
    assert_string_equal(w.reply_dest[1], WORLD_HOLDER);
    /* The capture's answer again: nothing new, credited once. */
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T2"), MDT_E(EXISTS));
    assert_int_equal(account(card).credits_posted, EUR(100));
}

static void test_reload_by_card_declined(void **state)
{
    (void)state;
    uint64_t card = mum(true);
    struct id128 id = reload_confirmed();
    struct acquirer_op_row open[4];

    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_DECLINED, "51", ""), 0);
    expect(0, "Paiement par carte de 106,00 € refusé : provision insuffisante. Rien n'a été");
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);

    /* Authorized, then the capture declined: the authorization's hold is voided. */
    id = reload_confirmed();
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T1"), 0);
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_DECLINED, "05", ""), 0);
    expect(0, "refusé par la banque");
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 1);
    assert_int_equal(open[0].kind, TOPUP_OP_VOID);
    assert_string_equal(open[0].auth_ref, "T1");
    assert_int_equal(answer(id, TOPUP_OP_VOID, ACQ_OP_UNKNOWN, "", ""), 0);
    assert_int_equal(answer(id, TOPUP_OP_VOID, ACQ_OP_UNKNOWN, "", ""), MDT_E(EXISTS));
    assert_int_equal(answer(id, TOPUP_OP_VOID, ACQ_OP_APPROVED, "00", "T3"), 0);
    assert_int_equal(w.nreplies, 0);
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
    assert_int_equal(answer(id, TOPUP_OP_VOID, ACQ_OP_APPROVED, "00", "T3"), MDT_E(EXISTS));
    assert_int_equal(account(card).credits_posted, 0);
    assert_int_equal(account(1).debits_pending, 0);
}

/* Captured, but not credited: the yearly cap reached meanwhile (the ledger refuses), or the card
 * blocked meanwhile (the dialog does not ask): a refund of what was charged, the sender told. */
static void test_reload_by_card_refunded(void **state)
{
    (void)state;
    uint64_t card = mum(true);
    struct id128 id = reload_confirmed();
    struct acquirer_op_row open[4];
    struct card_row k;

    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T1"), 0);
    world_card_load(card, 595000); /* a partner's load took the room */
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T2"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_REFUNDED);
    expect(0, "Plafond annuel de la carte ****4242 atteint (reste 50,00 €) : vos 106,00 € sont "
              "remboursés sur la CB ****1111.");
    assert_int_equal(account(card).credits_posted, 595000);
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 1);
    assert_int_equal(open[0].kind, TOPUP_OP_REFUND);
    assert_int_equal(open[0].amount_minor, EUR(106));
    assert_string_equal(open[0].auth_ref, "T1");
    assert_int_equal(answer(id, TOPUP_OP_REFUND, ACQ_OP_APPROVED, "00", "T3"), 0);
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);

    say(A, "RECHARGE MAMAN 50 CB"); /* what still fits; the card is blocked before its capture */
    expect(0, "par la CB ****1111 ?");
    w.nreplies = 0;
    started = (struct id128){0, 0};
    assert_int_equal(say_id(A, "483920", NULL), 0);
    id = started;
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T4"), 0);
    assert_int_equal(dialog_card_get(w.dialog, WORLD_CARD_TOKEN, &k), 0);
    k.status = CARD_STATUS_BLOCKED;
    k.updated_us = fake_clock();
    assert_int_equal(dialog_card_loaded(w.dialog, &k), 0);
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T5"), 0);
    expect(0, "Crédit de 50,00 € impossible (limite atteinte ou carte bloquée) : vos 56,00 € "
              "sont remboursés sur la CB ****1111.");
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 1);
    assert_int_equal(open[0].kind, TOPUP_OP_REFUND);
    assert_int_equal(open[0].amount_minor, EUR(56));
    assert_int_equal(account(card).credits_posted, 595000);
}

/* The code after the order's 5 minutes: nothing is charged (the order expired). */
static void test_reload_by_card_expired(void **state)
{
    (void)state;
    uint64_t card = mum(true);
    struct acquirer_op_row open[4];

    say(A, "RECHARGE MAMAN 100 CB");
    expect(0, "par la CB ****1111 ?");
    advance_s(301);
    started = (struct id128){0, 0};
    say(A, "483920");
    expect(0, "Ordre expiré : rien n'a été débité.");
    assert_true(id128_is_zero(started));
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
    assert_int_equal(account(1).debits_pending, 0);
    assert_int_equal(account(card).credits_posted, 0);
}

/* RECHARGE MAMAN 100 CB without a card on file: the page's link; the card typed there pays the
 * load, its fees and the acquirer's, and the card (not the wallet) is credited. */
static void test_reload_by_page(void **state)
{
    (void)state;
    uint64_t card = mum(false);
    uint8_t hash[32];
    const struct card_topup_row *r = ask("RECHARGE MAMAN 100 CB", hash);
    struct id128 id;

    expect(0, "Recharge ****4242 de 100,00 € + frais 6,00 € par CB : ");
    assert_non_null(r);
    id = r->id;
    assert_int_equal(r->card_account, card);
    assert_string_equal(r->card_alias, "MAMAN");
    assert_string_equal(r->card_target_last4, "4242");
    assert_string_equal(r->file_token, "");
    assert_int_equal(dialog_topup_charge(r), EUR(106));
    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T1"), 0);
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T2"), 0);
    assert_int_equal(account(card).credits_posted, EUR(100));
    assert_int_equal(account(wallet_of(A)).credits_posted, 0);
    expect(0, "payée par la CB ****1111. Solde carte : 100,00 €.");
    expect(1, "+100,00 € sur votre carte ****4242, solde 100,00 €");

    /* A page whose card got full meanwhile: refused before the card is charged. */
    r = ask("RECHARGE MAMAN 100 CB", hash);
    id = r->id;
    world_card_load(card, 590000);
    assert_int_equal(pay(hash), 0);
    assert_int_equal(w.outcome, OUTCOME_REFUSED);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_OPEN);
}

/* Pay request serial of the dialog's world by card from phone (""; a hidden number): the new
 * top-up's id, its authorization recorded. */
static struct id128 pay_request(uint64_t serial, const char *phone)
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct id128 id;

    assert_int_equal(dialog_topup_pay_request(w.dialog, (struct id128){.hi = 0xa5c, .lo = serial},
                                              phone, "1111", LANG_FR, fake_clock(), &s, &err),
                     0);
    id = s->topup.id;
    assert_int_equal(run_step(s), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_AUTHORIZING);
    return id;
}

static void test_request_by_card(void **state)
{
    const struct payment_request_row *r;
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct id128 t;
    uint64_t m;

    (void)state;
    topups_on();
    m = open_merchant();
    enrol(A, "CODE 483920");
    assert_int_equal(request_ask(m, 2500, A, 1, NULL), 0);
    r = dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 1});
    t = pay_request(1, "");
    assert_int_equal(
        dialog_topup_pay_request(w.dialog, r->id, "", "4444", LANG_FR, fake_clock(), &s, &err),
        MDT_E(BUSY)); /* one card at a time */
    assert_int_equal(answer(t, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000001"), 0);
    w.nevents = 0;
    assert_int_equal(answer(t, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000001"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, t)->state, TOPUP_CREDITED);
    assert_int_equal(r->state, PR_CONFIRMED);
    assert_int_equal(account(m).credits_posted, 2500);
    assert_int_equal(w.nevents, 1);
    assert_string_equal(w.events[0], "payment_request.confirmed");
    assert_int_equal(w.nreplies, 0); /* a hidden number */
    assert_int_equal(
        dialog_topup_pay_request(w.dialog, r->id, "", "1111", LANG_FR, fake_clock(), &s, &err),
        MDT_E(NOTFOUND)); /* paid */

    /* Declined: nothing paid, the caller told, another card may pay. */
    assert_int_equal(request_ask(m, 1200, A, 2, NULL), 0);
    r = dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 2});
    t = pay_request(2, A);
    assert_int_equal(answer(t, TOPUP_OP_AUTHORIZE, ACQ_OP_DECLINED, "05", ""), 0);
    expect(0, "refusé");
    assert_int_equal(r->state, PR_PENDING);
    t = pay_request(2, A);
    assert_int_equal(answer(t, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000002"), 0);
    assert_int_equal(answer(t, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000002"), 0);
    expect(0, "Payé : 12,00 € à Boutique Zoé (order 2) par la carte ****1111.");
    assert_int_equal(account(m).credits_posted, 3700);

    /* Cancelled while the card was being charged: refunded, the merchant not paid. */
    assert_int_equal(request_ask(m, 800, A, 3, NULL), 0);
    t = pay_request(3, A);
    assert_int_equal(answer(t, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000003"), 0);
    assert_int_equal(dialog_request_cancel(w.dialog, m, (struct id128){.hi = 0xa5c, .lo = 3},
                                           fake_clock(), &s, &err),
                     0);
    assert_int_equal(run_step(s), 0);
    assert_int_equal(answer(t, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000003"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, t)->state, TOPUP_REFUNDED);
    assert_int_equal(account(m).credits_posted, 3700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_approved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_declined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_then_settled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_before_the_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_credits_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_on_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_by_card_on_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_by_card_declined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_by_card_refunded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_by_card_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_by_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_by_card, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
