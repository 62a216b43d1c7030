/* SPDX-License-Identifier: Apache-2.0 */
/* Prepaid cards in the conversation (issue 13), with the real engine, store and vault: a sender
 * links a card with its activation code (wrong codes count), the holder activates it from their
 * phone, a reload holds amount and fee until the code, the receipts to sender and holder, the
 * minimum and the yearly cap refused by name with what is left (also before a reload paid by bank
 * card: a page's link, or the card on file), balances, the list, blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/card_pin.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "vault/pin_block.h"
#include "vault/vault.h"

#include "dialog_world.h"

#define H WORLD_HOLDER
#define TOKEN WORLD_CARD_TOKEN

static void test_link_activate_reload(void **state)
{
    uint64_t card;

    (void)state;
    enrol(A, "CODE 483920");
    topup(6, 14000);
    card = world_card_open();
    world_card_issue(card);
    say(A, "CARTE AJOUT MAMAN 4242 000000");
    expect(0, "Carte ou code d'activation incorrect. Encore 4 essai(s).");
    assert_null(strstr(w.inbox, "000000")); /* an activation code is never stored */
    say(A, "CARTE AJOUT MAMAN 4242 135790");
    expect(0, "Carte ****4242 enregistrée sous MAMAN. Pour la recharger : RECHARGE MAMAN 100");
    assert_null(strstr(w.inbox, "135790"));
    say(A, "RECHARGE MAMAN 100");
    expect(0, "n'est pas encore activée : son titulaire envoie ACTIVER 4242");
    say(H, "ACTIVER 4242 135791");
    expect(0, "Code d'activation incorrect. Encore 4 essai(s).");
    say(H, "ACTIVER 4242 135790");
    expect(0, "Carte ****4242 activée.");
    say(A, "RECHARGE MAMAN 40");
    expect(0, "Recharge minimum : 50,00 €. Rien n'a été débité.");
    say(A, "RECHARGE MAMAN 100");
    expect(0, "Recharger ****4242 (MAMAN) de 100,00 € + frais 6,00 € ?");
    assert_int_equal(account(6).debits_pending, 10600); /* amount and fee held */
    say(A, "483920");
    assert_int_equal(w.nreplies, 2);
    expect(0, "Recharge de 100,00 € sur ****4242 (MAMAN), frais 6,00 €. Solde carte : 100,00 €. "
              "Votre solde : 34,00 €.");
    expect(1, "+100,00 € sur votre carte ****4242, solde 100,00 €");
    assert_string_equal(w.reply_dest[1], H);
    assert_int_equal(account(card).credits_posted, 10000);
    assert_int_equal(account(6).debits_posted, 10600);
    assert_int_equal(account(6).debits_pending, 0);
    assert_int_equal(account(2).credits_posted, 650); /* fees: 6 € reload, 0,50 € SMS order */
    assert_int_equal(account(3).debits_posted, 50);   /* the operator bills the SMS order */
    say(A, "SOLDE MAMAN");
    expect(0, "Solde de la carte ****4242 : 100,00 €. Encore 5 900,00 € à charger cette année.");
    say(H, "SOLDE CARTE");
    expect(0, "Solde de la carte ****4242 : 100,00 €.");
}

/* RECHARGE MAMAN 100 CB: without a bank card on file, a link to the page with the fee (nothing
 * held, the minimum refused by name first); with one, the minimum and the yearly cap are refused
 * by name before any charge, else the order waits for the code with the load and its fee held
 * on the bank account, not on the wallet (topup.c charges the card once the code confirms it). */
static void test_reload_by_card(void **state)
{
    struct card_file_row f = {.active = true, .exp_month = 9, .exp_year = 2031};
    uint64_t card;

    (void)state;
    close_world();
    w.topup_link_s = 900; /* card payments on */
    open_world(false);
    enrol(A, "CODE 483920");
    topup(6, 14000);
    card = world_card_open();
    world_card_issue(card);
    say(A, "CARTE AJOUT MAMAN 4242 135790");
    say(H, "ACTIVER 4242 135790");
    say(A, "RECHARGE MAMAN 100 CB");
    expect(0, "Recharge ****4242 de 100,00 € + frais 6,00 € par CB : ");
    expect(0, "/t/");
    say(A, "RECHARGE MAMAN 40 CB");
    expect(0, "Recharge minimum : 50,00 €. Rien n'a été débité.");
    assert_int_equal(account(6).debits_pending, 0);
    assert_int_equal(account(1).debits_pending, 0);
    strcpy(f.owner, A);
    strcpy(f.pan.token, "card_1111");
    strcpy(f.pan.last4, "1111");
    assert_int_equal(dialog_card_file_loaded(w.dialog, &f), 0);
    say(A, "RECHARGE MAMAN 40 CB");
    expect(0, "Recharge minimum : 50,00 €. Rien n'a été débité.");
    world_card_load(card, 595000);
    say(A, "RECHARGE MAMAN 100 CB");
    expect(0, "Plafond annuel de la carte ****4242 : il reste 50,00 € à charger cette année.");
    assert_int_equal(account(1).debits_pending, 0);
    say(A, "RECHARGE MAMAN 50 CB");
    expect(0, "Recharger ****4242 (MAMAN) de 50,00 € + frais 6,00 € par la CB ****1111 ? "
              "Répondez avec votre code sous 5 min.");
    assert_int_equal(account(6).debits_pending, 0);
    assert_int_equal(account(1).debits_pending, 5600); /* the load and its fee, from the bank */
    assert_int_equal(account(card).credits_posted, 595000);
    say(A, "ANNULER");
    assert_int_equal(account(1).debits_pending, 0);
}

static void test_cap_list_block(void **state)
{
    uint64_t card;

    (void)state;
    enrol(A, "CODE 483920");
    say(A, "LANG EN");
    topup(6, 14000);
    card = world_card_open();
    world_card_issue(card);
    say(A, "CARD ADD MUM 4242 135790");
    expect(0, "Card ****4242 saved as MUM.");
    say(H, "ACTIVATE 4242 135790");
    expect(0, "Card ****4242 activated.");
    world_card_load(card, 595000); /* 5 950 € loaded this year already */
    say(A, "RELOAD MUM 100");
    expect(0, "Yearly limit of card ****4242: €50.00 left to load this year. Nothing was taken.");
    assert_int_equal(account(6).debits_pending, 0);
    say(A, "CARDS");
    expect(0, "Your cards: MUM ****4242");
    say(A, "RELOAD MUM 50");
    expect(0, "Reload ****4242 (MUM) with €50.00 + fee €6.00?");
    say(A, "BLOCK MUM"); /* the card is lost while the order waits for the code */
    expect(0, "Card ****4242 (MUM) blocked");
    say(A, "483920");
    expect(0, "Card ****4242 (MUM) is blocked or expired: nothing was taken.");
    assert_int_equal(account(6).debits_pending, 0);
    assert_int_equal(account(card).credits_pending, 0);
    say(A, "RELOAD MUM 50");
    expect(0, "Card ****4242 (MUM) is blocked or expired: nothing was taken.");
    say(A, "BAL KARIM");
    expect(0, "Balance: "); /* not a card: the wallet's balance, as before */
    say(B, "BAL CARD");
    expect(0, "No card for this number.");
}

/* A partner's load by the API (dialog_card_load): refused before the ledger for an unknown or
 * inactive card; the amount and the reload fee from the partner's account, the holder's receipt;
 * the minimum and the yearly cap refused by the ledger with no money moved. */
static struct dialog_step *partner_load(uint64_t merchant, int64_t amount, uint64_t n, int want)
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct id128 id = {.hi = 0x10ad, .lo = n};

    assert_int_equal(
        dialog_card_load(w.dialog, merchant, TOKEN, id, amount, fake_clock(), &s, &err), want);
    return s;
}

static void test_partner_load(void **state)
{
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    uint64_t card, m;

    (void)state;
    op.account.kind = ACCOUNT_MERCHANT;
    strcpy(op.account.currency, "EUR");
    m = run(&op).account_id;
    topup(m, 100000);
    card = world_card_open();
    assert_int_equal(dialog_card_load(w.dialog, m, "card_00", (struct id128){.lo = 9}, 10000,
                                      fake_clock(), &s, &err),
                     MDT_E(NOTFOUND));
    world_card_issue(card);
    assert_null(partner_load(m, 10000, 1, MDT_E(RANGE))); /* not activated yet */
    say(H, "ACTIVER 4242 135790");
    assert_int_equal(run_step(partner_load(m, 10000, 2, 0)), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(account(card).credits_posted, 10000);
    assert_int_equal(account(m).debits_posted, 10600); /* the partner pays the 6 € fee */
    assert_int_equal(w.nreplies, 1);
    expect(0, "+100,00 € sur votre carte ****4242, solde 100,00 €");
    assert_string_equal(w.reply_dest[0], H);
    assert_int_equal(run_step(partner_load(m, 4999, 3, 0)), 0);
    assert_int_equal(w.outcome, OUTCOME_REFUSED);
    assert_int_equal(w.nreplies, 0);
    world_card_load(card, 585000);
    assert_int_equal(run_step(partner_load(m, 10000, 4, 0)), 0);
    assert_int_equal(w.outcome, OUTCOME_REFUSED);
    assert_int_equal(account(m).debits_posted, 10600);
    assert_int_equal(account(card).credits_posted, 595000);
    assert_null(partner_load(m, 0, 5, MDT_E(INVAL)));
}

/* The token of the PIN page link in reply i: 32 hex digits after "/p/". */
static void pin_token(int i, char token[33], uint8_t hash[32])
{
    const char *at = strstr(w.replies[i], "/p/");

    assert_non_null(at);
    memcpy(token, at + 3, 32);
    token[32] = '\0';
    assert_int_equal(vault_token_check(w.vault, token, hash), 0);
}

/* Weak card PINs (issue 15): 4 digits, no single digit, no run, no repeated pair. */
static void test_card_pin_weakness(void **state)
{
    static const struct {
        const char *pin;
        enum card_pin_weakness want;
    } cases[] = {
        {"4831", CARD_PIN_OK},
        {"1357", CARD_PIN_OK},
        {"0000", CARD_PIN_ALL_SAME},
        {"7777", CARD_PIN_ALL_SAME},
        {"1234", CARD_PIN_SEQUENCE},
        {"4321", CARD_PIN_SEQUENCE},
        {"0123", CARD_PIN_SEQUENCE},
        {"7890", CARD_PIN_SEQUENCE},
        {"9876", CARD_PIN_SEQUENCE},
        {"2109", CARD_PIN_SEQUENCE},
        {"1212", CARD_PIN_REPEATED},
        {"9090", CARD_PIN_REPEATED},
        {"123", CARD_PIN_NOT_FOUR_DIGITS},
        {"12345", CARD_PIN_NOT_FOUR_DIGITS},
        {"12a4", CARD_PIN_NOT_FOUR_DIGITS},
        {"", CARD_PIN_NOT_FOUR_DIGITS},
        {NULL, CARD_PIN_NOT_FOUR_DIGITS},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(card_pin_weakness(cases[i].pin), cases[i].want);
        assert_true(card_pin_weakness_text(cases[i].want, true)[0] != '\0');
    }
}

/* The rows dialog_card_pin_on_set's fn was given. */
static struct card_pin_row pin_told;
static int pin_told_count;

static int pin_set_seen(void *ctx, const struct card_pin_row *r)
{
    (void)ctx;
    pin_told = *r;
    pin_told_count++;
    return 0;
}

/* PIN CARTE from the holder's phone, PIN MAMAN from the sender: a single-use link to the PIN page
 * sent to the holder (the sender told so); the page refuses weak or differing PINs, then writes
 * the PIN's keyed hash with no wrong tries; the link is then used up. An unknown alias, a number
 * with no card and a lost card get their replies. The token is never stored in clear. */
static void test_card_pin_link(void **state)
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    const struct card_pin_row *r;
    uint8_t hash[32], want[32];
    char token[33];
    enum lang lang = LANG_EN;
    uint64_t card;

    (void)state;
    pin_told_count = 0;
    dialog_card_pin_on_set(w.dialog, pin_set_seen, NULL);
    enrol(A, "CODE 483920");
    card = world_card_open();
    world_card_issue(card);
    say(A, "CARTE AJOUT MAMAN 4242 135790");
    say(H, "ACTIVER 4242 135790");
    say(H, "PIN CARTE");
    assert_int_equal(w.nreplies, 1);
    assert_string_equal(w.reply_dest[0], H);
    expect(0, "Code PIN de la carte ****4242 : choisissez-le ici ");
    pin_token(0, token, hash);
    assert_null(strstr(w.stored[0], token));
    assert_non_null(dialog_card_pin_page(w.dialog, hash, world_now_us, &lang));
    assert_int_equal(lang, LANG_FR);
    assert_int_equal(
        dialog_card_pin_set_web(w.dialog, hash, "1234", "1234", world_now_us, &s, &err),
        MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "suite de chiffres"));
    assert_int_equal(
        dialog_card_pin_set_web(w.dialog, hash, "4831", "4813", world_now_us, &s, &err),
        MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "diffèrent"));
    assert_int_equal(
        dialog_card_pin_set_web(w.dialog, hash, "4831", "4831", world_now_us, &s, &err), 0);
    assert_int_equal(s->row_count, 1);
    assert_int_equal(s->rows[0].kind, EXTRA_CARD_PIN);
    r = &s->rows[0].u.card_pin;
    assert_int_equal(r->account_id, card);
    assert_int_equal(r->failures, 0);
    assert_int_equal(pin_block_hash(w.vault, TOKEN, "4831", want), 0);
    assert_memory_equal(r->pin_hash, want, 32);
    assert_int_equal(pin_told_count, 0); /* told once durable, not before */
    assert_int_equal(run_step(s), 0);
    assert_int_equal(pin_told_count, 1);
    assert_int_equal(pin_told.account_id, card);
    assert_memory_equal(pin_told.pin_hash, want, 32);
    assert_int_equal(
        dialog_card_pin_set_web(w.dialog, hash, "4831", "4831", world_now_us, &s, &err),
        MDT_E(NOTFOUND)); /* single use */
    assert_null(dialog_card_pin_page(w.dialog, hash, world_now_us, &lang));

    say(A, "PIN MAMAN"); /* the sender's: the link to the holder, the sender told */
    assert_int_equal(w.nreplies, 2);
    assert_string_equal(w.reply_dest[0], H);
    expect(0, "/p/");
    expect(1, "Lien envoyé au titulaire de la carte ****4242");
    pin_token(0, token, hash);
    advance_s(DIALOG_PIN_LINK_S + 1); /* expired */
    assert_null(dialog_card_pin_page(w.dialog, hash, world_now_us, &lang));
    assert_int_equal(
        dialog_card_pin_set_web(w.dialog, hash, "4831", "4831", world_now_us, &s, &err),
        MDT_E(NOTFOUND));

    say(A, "PIN PAPA");
    expect(0, "PAPA");
    say(B, "PIN CARD");
    expect(0, "No card for this number.");
    say(A, "PIN 123456"); /* still the wallet code's alias */
    assert_null(strstr(w.replies[0], "/p/"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_link_activate_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_list_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_by_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partner_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_pin_weakness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_pin_link, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
