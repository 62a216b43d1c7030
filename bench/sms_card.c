/* SPDX-License-Identifier: Apache-2.0 */
/* bench/sms setup --cards: one active prepaid card per preloaded customer, issued in bulk the way
 * `mandat card issue` issues one (a number sealed by the card vault, an account of kind card, the
 * card's row) and linked the way CARTE AJOUT links one (an alias), so that bench/cards.sh can time
 * reloads by SMS, and print the store-level issuing rate beside the CLI's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "dialog/card_input.h"
#include "engine/engine.h"
#include "sms.h"
#include "store/store.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

/* The test BIN of docs/mandat.conf (no network's). Card i's number is the BIN, i in nine digits,
 * and the Luhn check digit: 16 digits, like the CLI's. */
#define BENCH_CARD_BIN "999999"
#define BENCH_CARD_PAN_LEN 16
#define BENCH_CARD_EXPIRY_YEARS 3
/* Cards per commit: three rows each (number, card, alias), within ENGINE_SUBMIT_MAX. */
#define BENCH_CARD_CHUNK (ENGINE_SUBMIT_MAX / 3)

static void card_die(const char *what)
{
    fprintf(stderr, "bench_sms: cards: %s\n", what);
    exit(2);
}

/* Card i's number. One check digit in ten makes it pass: the loop ends by the tenth. */
static void card_pan(uint32_t i, char pan[CARD_PAN_MAX + 1])
{
    int last = BENCH_CARD_PAN_LEN - 1;

    snprintf(pan, CARD_PAN_MAX + 1, "%s%09" PRIu32 "0", BENCH_CARD_BIN, i);
    while (!card_luhn_valid(pan)) {
        MDT_ASSERT(pan[last] < '9');
        pan[last]++;
    }
}

/* The number's row: a new token, the number sealed under it and its keyed hash. */
static void card_pan_row(struct card_vault *cv, uint32_t i, int64_t now, struct card_pan_row *p)
{
    char pan[CARD_PAN_MAX + 1];
    size_t len = 0;

    if (card_vault_token_new(p->token) < 0) {
        card_die("no random bytes for a token");
    }
    card_pan(i, pan);
    card_vault_pan_mac(cv, pan, p->pan_mac);
    if (card_vault_seal(cv, p->token, pan, p->sealed, &len, &p->key_version) < 0) {
        card_die("cannot seal a card number");
    }
    p->sealed_len = (uint16_t)len;
    snprintf(p->bin, sizeof(p->bin), "%s", BENCH_CARD_BIN);
    memcpy(p->last4, pan + BENCH_CARD_PAN_LEN - 4, sizeof(p->last4));
    p->pan_len = BENCH_CARD_PAN_LEN;
    p->created_us = now;
    vault_wipe(pan, sizeof(pan));
}

/* Card i's three rows: its number, the card (active, activation code SMS_CODE), and customer i's
 * alias SMS_CARD_ALIAS for it. */
static void card_rows(struct card_vault *cv, const struct vault *v, uint32_t i, uint64_t account,
                      int64_t now, struct store_extra rows[3])
{
    struct card_row *k = &rows[1].u.card;
    struct card_alias_row *a = &rows[2].u.card_alias;
    time_t secs = (time_t)(now / 1000000);
    struct tm tm;

    memset(rows, 0, 3 * sizeof(*rows));
    rows[0].kind = EXTRA_CARD_PAN;
    rows[1].kind = EXTRA_CARD;
    rows[2].kind = EXTRA_CARD_ALIAS;
    card_pan_row(cv, i, now, &rows[0].u.card_pan);
    gmtime_r(&secs, &tm);
    k->account_id = account;
    memcpy(k->token, rows[0].u.card_pan.token, sizeof(k->token));
    k->exp_month = (uint8_t)(tm.tm_mon + 1);
    k->exp_year = (uint16_t)(tm.tm_year + 1900 + BENCH_CARD_EXPIRY_YEARS);
    k->status = CARD_STATUS_ACTIVE;
    snprintf(k->holder, sizeof(k->holder), "HOLDER %" PRIu32, i);
    if (vault_pin_hash(v, k->token, SMS_CODE, k->activation_hash) < 0) {
        card_die("vault_pin_hash");
    }
    k->activated_us = now;
    k->created_us = now;
    k->updated_us = now;
    snprintf(a->owner, sizeof(a->owner), "+%" PRIu64, SMS_NUMBER_BASE + i);
    snprintf(a->alias, sizeof(a->alias), "%s", SMS_CARD_ALIAS);
    a->card_account = account;
    a->active = true;
    a->created_us = now;
}

/* Cards [first, first + n): their accounts in one commit, then their rows in another (as the
 * CLI does it for one card). */
static void cards_chunk(struct engine *e, struct card_vault *cv, const struct vault *v,
                        uint32_t first, size_t n, struct ledger_op *ops, struct ledger_result *res,
                        struct store_extra *rows)
{
    int64_t now = clock_now_us();

    for (size_t i = 0; i < n; i++) {
        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].type = LEDGER_OP_ACCOUNT_OPEN;
        ops[i].account.kind = ACCOUNT_CARD;
        snprintf(ops[i].account.currency, sizeof(ops[i].account.currency), "EUR");
    }
    sms_setup_exec(e, ops, n, NULL, 0, res);
    for (size_t i = 0; i < n; i++) {
        card_rows(cv, v, first + (uint32_t)i, res[i].account_id, now, &rows[3 * i]);
    }
    sms_setup_exec(e, NULL, 0, rows, 3 * n, NULL);
}

void sms_setup_cards(struct engine *e, const struct vault *v, const char *ring, uint32_t numbers)
{
    struct ledger_op *ops = calloc(BENCH_CARD_CHUNK, sizeof(*ops));
    struct ledger_result *res = calloc(BENCH_CARD_CHUNK, sizeof(*res));
    struct store_extra *rows = calloc(3 * (size_t)BENCH_CARD_CHUNK, sizeof(*rows));
    struct card_vault *cv = NULL;
    struct mdt_err err = {0};
    int64_t t0;
    double secs;

    if (ops == NULL || res == NULL || rows == NULL) {
        card_die("out of memory");
    }
    if (card_vault_open(ring, true, &cv, &err) < 0) {
        card_die(err.msg);
    }
    t0 = clock_now_us();
    for (uint32_t first = 0; first < numbers; first += BENCH_CARD_CHUNK) {
        size_t n = numbers - first < BENCH_CARD_CHUNK ? numbers - first : BENCH_CARD_CHUNK;

        cards_chunk(e, cv, v, first, n, ops, res, rows);
    }
    secs = (double)(clock_now_us() - t0) / 1e6;
    printf("setup: %u active cards issued in the store (sealed number, account, card, alias %s) "
           "in %.2f s: %.0f cards/s\n",
           numbers, SMS_CARD_ALIAS, secs, secs > 0 ? numbers / secs : 0);
    printf("ISSUE store cards=%u secs=%.3f\n", numbers, secs);
    vault_wipe(rows, 3 * (size_t)BENCH_CARD_CHUNK * sizeof(*rows));
    free(ops);
    free(res);
    free(rows);
    card_vault_close(cv);
}
