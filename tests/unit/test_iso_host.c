/* SPDX-License-Identifier: Apache-2.0 */
/* The ISO 8583 host's decisions (dialog/iso_host*.c) with the real engine, store, vault and card
 * vault: an approval and its retransmission (one hold), the currency conversion and rates, a
 * wrong PIN three times (55, 55, 75, then 75), the day's cash limit (61), insufficient funds
 * (51), a bad Luhn digit (14), a blocked card (57), an expiry that is not the card's (54), a
 * reversal twice and one of an unknown original, a completion, and a late approval undone (91
 * recorded, nothing held). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "dialog/iso_host.h"
#include "dialog/iso_host_int.h"
#include "engine/engine.h"
#include "vault/card_vault.h"
#include "vault/pin_block.h"
#include "vault/vault.h"

#include "dialog_world.h"

#define PAN "4970100000000014"
#define ZPK "0123456789ABCDEFFEDCBA9876543210"

static struct card_vault *cv;
static struct iso_host *host;
static struct pin_zpk *zpk;
static uint64_t card;
static unsigned serial;

static int setup_host(void **state)
{
    char path[128];
    struct card_row r = {.exp_month = 12, .exp_year = 2099, .status = CARD_STATUS_ACTIVE};
    struct card_pin_row pin = {.updated_us = 1};
    struct iso_host_config hc = {.currency = currency_find("EUR"),
                                 .bank_account = 1,
                                 .cash_day_max_minor = 30000,
                                 .hold_timeout_s = 7 * 86400,
                                 .atm_fee_schedule = 0};
    struct fx_rate_row mad = {.currency = "MAD", .rate_micro = 10850000, .effective_us = 0};
    int rc = setup(state);

    snprintf(path, sizeof(path), "%s/cards.keys", w.dir);
    assert_int_equal(card_vault_open(path, true, &cv, NULL), 0);
    card = world_card_open();
    world_card_load(card, 100000);
    r.account_id = card;
    strcpy(r.token, WORLD_CARD_TOKEN);
    strcpy(r.bin, "497010");
    strcpy(r.last4, "0014");
    r.pan_len = 16;
    card_vault_pan_mac(cv, PAN, r.pan_mac);
    assert_int_equal(dialog_card_loaded(w.dialog, &r), 0);
    assert_int_equal(iso_host_create(&hc, w.dialog, cv, w.vault, &host), 0);
    pin.account_id = card;
    assert_int_equal(pin_block_hash(w.vault, WORLD_CARD_TOKEN, "1234", pin.pin_hash), 0);
    assert_int_equal(iso_host_pin_loaded(host, &pin), 0);
    assert_int_equal(iso_host_rate_loaded(host, &mad), 0);
    assert_int_equal(pin_zpk_from_hex(PIN_ZPK_TDES2, ZPK, &zpk, NULL), 0);
    return rc;
}

static int teardown_host(void **state)
{
    iso_host_free(host);
    pin_zpk_free(zpk);
    card_vault_close(cv);
    return teardown(state);
}

/* The engine's answer, waited for. */
struct wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
};

static void on_done(void *ctx, int rc, const struct ledger_result *results, size_t n)
{
    struct iso_host_step *s = ctx;
    struct wait *wt = s->owner;

    (void)results;
    (void)n;
    pthread_mutex_lock(&wt->mu);
    wt->rc = rc;
    wt->done = true;
    pthread_cond_signal(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

/* Run a step to the end: its rc (the engine's). */
static int run_iso(struct iso_host_step *s)
{
    struct wait wt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};
    size_t count = 0;

    s->owner = &wt;
    if (s->pin_changed) {
        s->rows[count].kind = EXTRA_CARD_PIN;
        s->rows[count++].u.card_pin = s->pin;
    }
    assert_int_equal(engine_submit_rows(w.engine, s->ops, s->n, s->rows, count, 3, iso_host_hook,
                                        s->results, s, on_done),
                     0);
    pthread_mutex_lock(&wt.mu);
    while (!wt.done) {
        pthread_cond_wait(&wt.cv, &wt.mu);
    }
    pthread_mutex_unlock(&wt.mu);
    return wt.rc;
}

/* Field 52 as the switch's HSM makes it: ISO 9564 format 0 ("0" N PIN, F fill, xor "0000" and
 * the PAN's 12 digits before its check digit) under the test ZPK, with OpenSSL. */
static void switch_pin_block(const char *pin, uint8_t out[8])
{
    char text[40], key_hex[] = ZPK;
    uint8_t clear[8], key[16];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;

    snprintf(text, sizeof(text), "0%zu%-14s", strlen(pin), pin);
    for (int i = 0; i < 16; i++) {
        text[i] = text[i] == ' ' ? 'F' : text[i];
    }
    for (int i = 0; i < 8; i++) {
        unsigned hi = (unsigned)strtoul((char[]){text[2 * i], 0}, NULL, 16);
        unsigned lo = (unsigned)strtoul((char[]){text[2 * i + 1], 0}, NULL, 16);
        unsigned ph = i < 2 ? 0 : (unsigned)(PAN[2 * i - 1] - '0');
        unsigned pl = i < 2 ? 0 : (unsigned)(PAN[2 * i] - '0');

        clear[i] = (uint8_t)(((hi ^ ph) << 4) | (lo ^ pl));
    }
    for (int i = 0; i < 16; i++) {
        key[i] = (uint8_t)strtoul((char[]){key_hex[2 * i], key_hex[2 * i + 1], 0}, NULL, 16);
    }
    assert_non_null(c);
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_des_ede_ecb(), NULL, key, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(c, 0), 1);
    assert_int_equal(EVP_EncryptUpdate(c, out, &n, clear, 8), 1);
    EVP_CIPHER_CTX_free(c);
}

/* A request: MTI, processing code, amount (in cur, "" the card's), PIN ("" none), RRN. */
static struct iso_host_request req(const char *mti, const char *pcode, int64_t amount,
                                   const char *cur, const char *pin, const char *rrn)
{
    struct iso_host_request rq = {.amount_minor = amount, .billing_minor = -1, .zpk = zpk};
    char stan[8];

    snprintf(stan, sizeof(stan), "%06u", ++serial);
    strcpy(rq.mti, mti);
    strcpy(rq.pcode, pcode);
    strcpy(rq.pan, PAN);
    rq.txn_currency = cur[0] != '\0' ? currency_find(cur) : NULL;
    iso_host_key(mti, "12345", stan, rrn, "ATM00042", "1207101500", rq.key);
    iso_host_orig("12345", "ATM00042", rrn, rq.orig);
    if (pin[0] != '\0') {
        switch_pin_block(pin, rq.pin_block);
        rq.pin_block_len = 8;
    }
    return rq;
}

/* The holder's SMS the steps wrote, the last one's text and how many. */
static char sms_last[STORE_TEXT_MAX];
static unsigned sms_count;

/* Decide rq at the host's time now_us and run it (and the step that must follow it): the
 * answer. */
static struct iso_host_answer decide_at(const struct iso_host_request *rq, int64_t now_us)
{
    struct iso_host_answer a = {0};
    struct iso_host_step *s = NULL, *next;
    int rc = iso_host_receive(host, rq, now_us, &s, &a);

    assert_true(rc == 0 || rc == 1);
    if (rc == 0) {
        rc = run_iso(s);
        next = iso_host_step_next(host, s, rc, now_us);
        if (next != NULL) {
            s = next;
            rc = run_iso(s);
        }
        if (rc == 0 && iso_host_step_sms(s) != NULL) {
            snprintf(sms_last, sizeof(sms_last), "%s", iso_host_step_sms(s)->text);
            sms_count++;
        }
        iso_host_done(host, s, rc, &a);
    }
    return a;
}

static struct iso_host_answer decide(const struct iso_host_request *rq)
{
    return decide_at(rq, world_now_us);
}

/* The card's holder phone set (its SMS wanted from now on). */
static void card_phone(const char *phone)
{
    struct card_row k;

    assert_int_equal(dialog_card_get(w.dialog, WORLD_CARD_TOKEN, &k), 0);
    snprintf(k.phone, sizeof(k.phone), "%s", phone);
    k.updated_us = 2;
    assert_int_equal(dialog_card_loaded(w.dialog, &k), 0);
    sms_count = 0;
    sms_last[0] = '\0';
}

static int64_t available(void)
{
    struct account a = account(card);

    return a.credits_posted - a.debits_posted - a.debits_pending;
}

static void test_rates(void **state)
{
    int64_t v = 0;

    (void)state;
    assert_int_equal(iso_host_rate_parse("10.85", &v), 0);
    assert_int_equal(v, 10850000);
    assert_int_equal(iso_host_rate_parse("1,5", &v), 0);
    assert_int_equal(v, 1500000);
    assert_int_equal(iso_host_rate_parse("0", &v), -MDT_EINVAL);
    assert_int_equal(iso_host_rate_parse("1.1234567", &v), -MDT_EINVAL);
    assert_int_equal(iso_host_rate_parse("abc", &v), -MDT_EINVAL);
    assert_int_equal(iso_host_rate_parse("", &v), -MDT_EINVAL);
    /* 500,00 MAD at 10.85 MAD per euro: 46,08 EUR (the receipt). */
    assert_int_equal(iso_host_convert(host, currency_find("MAD"), 50000, world_now_us, &v), 0);
    assert_int_equal(v, 4608);
    assert_int_equal(iso_host_convert(host, currency_find("USD"), 100, world_now_us, &v),
                     -MDT_ENOTFOUND);
    assert_ptr_equal(iso_host_currency_numeric("504"), currency_find("MAD"));
    assert_null(iso_host_currency_numeric("999"));
}

static void test_approve_and_retransmit(void **state)
{
    struct iso_host_request rq = req("0200", "010000", 50000, "MAD", "1234", "000000000001");
    struct iso_host_answer a, b;

    (void)state;
    a = decide(&rq);
    assert_string_equal(a.code, "00");
    assert_int_equal(strlen(a.auth_id), 6);
    assert_true(a.has_balance);
    assert_int_equal(a.balance_minor, 100000 - 4608);
    assert_int_equal(available(), 100000 - 4608);
    b = decide(&rq); /* a retransmission: the first answer, no second hold */
    assert_string_equal(b.code, "00");
    assert_string_equal(b.auth_id, a.auth_id);
    assert_int_equal(available(), 100000 - 4608); /* An advice the ledger refuses (above the
                                                     balance) is still acknowledged, also again. */
    rq = req("0120", "000000", 500000, "", "", "000000000009");
    assert_string_equal(decide(&rq).code, "00");
    assert_string_equal(decide(&rq).code, "00");
    assert_int_equal(available(), 100000 - 4608);
}

static void test_declines(void **state)
{
    struct iso_host_request rq;
    struct card_row k;

    (void)state;
    rq = req("0200", "010000", 30001, "", "1234", "000000000002");
    assert_string_equal(decide(&rq).code, "61"); /* above the day's cash */
    rq = req("0100", "000000", 200000, "", "1234", "000000000003");
    assert_string_equal(decide(&rq).code, "51");
    rq = req("0100", "000000", 100, "", "1234", "000000000004");
    rq.pan[15] = '5';
    assert_string_equal(decide(&rq).code, "14");
    rq = req("0100", "000000", 100, "", "1234", "000000000005");
    rq.exp_yymm = 2001;
    assert_string_equal(decide(&rq).code, "54");
    rq = req("0100", "400000", 100, "", "1234", "000000000006");
    assert_string_equal(decide(&rq).code, "57"); /* a processing code the card may not do */
    rq = req("0200", "010000", 100, "", "", "000000000007");
    assert_string_equal(decide(&rq).code, "55"); /* cash without a PIN */
    assert_int_equal(dialog_card_get(w.dialog, WORLD_CARD_TOKEN, &k), 0);
    k.status = CARD_STATUS_BLOCKED;
    k.updated_us = 2;
    assert_int_equal(dialog_card_loaded(w.dialog, &k), 0);
    rq = req("0100", "000000", 100, "", "1234", "000000000008");
    assert_string_equal(decide(&rq).code, "57");
    assert_int_equal(available(), 100000); /* nothing held by any of them */
}

static void test_pin_tries(void **state)
{
    const char *want[] = {"55", "55", "75", "75"};
    const char *pins[] = {"9999", "0000", "1111", "1234"};

    (void)state;
    for (int i = 0; i < 4; i++) {
        char rrn[32];
        struct iso_host_request rq;

        snprintf(rrn, sizeof(rrn), "0000000001%02d", i);
        rq = req("0200", "010000", 100, "", pins[i], rrn);
        assert_string_equal(decide(&rq).code, want[i]);
    }
}

static void test_reversal_and_completion(void **state)
{
    struct iso_host_request rq = req("0100", "000000", 30000, "", "1234", "000000000201");
    struct iso_host_request rv = req("0400", "000000", 30000, "", "", "000000000201");
    struct iso_host_request rv2 = req("0420", "000000", 30000, "", "", "000000000201");
    struct iso_host_request unk = req("0400", "000000", 30000, "", "", "000000000299");
    struct iso_host_request a2 = req("0100", "000000", 30000, "", "1234", "000000000202");
    struct iso_host_request c2 = req("0220", "000000", 10000, "", "", "000000000202");
    struct iso_host_request r2 = req("0400", "000000", 10000, "", "", "000000000202");

    (void)state;
    assert_string_equal(decide(&rq).code, "00");
    assert_int_equal(available(), 70000);
    assert_string_equal(decide(&rv).code, "00");
    assert_int_equal(available(), 100000);
    assert_string_equal(decide(&rv2).code, "00"); /* changes nothing */
    assert_int_equal(available(), 100000);
    assert_string_equal(decide(&unk).code, "00");
    assert_int_equal(available(), 100000);
    assert_string_equal(decide(&a2).code, "00");
    assert_string_equal(decide(&c2).code, "00"); /* partial: 100 of 300 posted */
    assert_int_equal(available(), 90000);
    assert_int_equal(account(card).debits_pending, 0);
    assert_string_equal(decide(&r2).code, "00"); /* the posting refunded */
    assert_int_equal(available(), 100000);
}

/* The host forgets answered requests and their originals a day after the hold expiry, not
 * before; what it keeps still answers retransmissions. */
static void test_prune(void **state)
{
    struct iso_host_request old = req("0100", "000000", 1000, "", "1234", "000000000401");
    struct iso_host_request rv = req("0400", "000000", 1000, "", "", "000000000401");
    const int64_t window_us = (7 * 86400LL + 86400) * 1000000;
    struct iso_host_answer a;

    (void)state;
    a = decide(&old);
    assert_string_equal(a.code, "00");
    assert_int_equal(iso_host_prune(host, world_now_us + window_us - 1000000), 0);
    assert_non_null(iso_host_req_find(host, old.key));
    assert_string_equal(decide(&old).auth_id, a.auth_id); /* still answered from memory */
    assert_int_equal(iso_host_prune(host, world_now_us + window_us + 1000000), 1);
    assert_null(iso_host_req_find(host, old.key));
    assert_null(iso_host_orig_get(host, old.orig, false));
    /* What stays is found again through the rebuilt indexes. */
    assert_string_equal(decide(&rv).code, "00");
    assert_non_null(iso_host_req_find(host, rv.key));
    assert_non_null(iso_host_orig_get(host, rv.orig, false));
    assert_int_equal(iso_host_prune(host, world_now_us), 0);
    assert_non_null(iso_host_req_find(host, rv.key));
}

static void test_late_answer_undone(void **state)
{
    struct iso_host_request rq = req("0100", "000000", 25000, "", "1234", "000000000301");
    struct iso_host_answer a = {0};
    struct iso_host_step *s = NULL, *undo;

    (void)state;
    assert_int_equal(iso_host_receive(host, &rq, world_now_us, &s, &a), 0);
    assert_int_equal(run_iso(s), 0);
    assert_int_equal(available(), 75000); /* the hold is committed, but the switch got 91 */
    undo = iso_host_done_late(host, s, 0, world_now_us);
    assert_non_null(undo);
    assert_int_equal(iso_host_receive(host, &rq, world_now_us, &s, &a), 1);
    assert_string_equal(a.code, "91"); /* a retransmission: what the switch was answered */
    iso_host_done(host, undo, run_iso(undo), &a);
    assert_int_equal(available(), 100000); /* nothing stays held */
    assert_int_equal(iso_host_receive(host, &rq, world_now_us, &s, &a), 1);
    assert_string_equal(a.code, "91");
}

/* The keys written by hand are snprintf's, byte for byte, for fields shorter than, as long as
 * and longer than their widths (a switch may send any), MTIs of 2 to 4 characters; and the copy
 * cuts as "%s" does. A key that changed would make retransmissions after an upgrade new
 * requests. */
static void test_keys_as_snprintf(void **state)
{
    static const char *const mtis[] = {"01", "010", "0100", "0101", "0421"};
    static const size_t lens[] = {0, 1, 5, 6, 7, 8, 10, 11, 12, 13, 20};
    char f[5][24], want[STORE_ISO_KEY_MAX], got[STORE_ISO_KEY_MAX], cut[8];
    unsigned compared = 0;

    (void)state;
    for (size_t m = 0; m < sizeof(mtis) / sizeof(mtis[0]); m++) {
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            for (size_t k = 0; k < 5; k++) {
                size_t len = lens[(i + k * 3) % (sizeof(lens) / sizeof(lens[0]))];

                memset(f[k], (int)('A' + k * 5 + i % 5), len);
                f[k][len] = '\0';
            }
            snprintf(want, sizeof(want), "%.2s%c|%.11s|%.6s|%.12s|%.8s|%.10s", mtis[m],
                     mtis[m][2] == '\0' ? '0' : mtis[m][2], f[0], f[1], f[2], f[3], f[4]);
            memset(got, 0x55, sizeof(got));
            iso_host_key(mtis[m], f[0], f[1], f[2], f[3], f[4], got);
            assert_string_equal(got, want);
            snprintf(want, STORE_ISO_ORIG_MAX, "%.11s|%.8s|%.12s", f[0], f[3], f[2]);
            memset(got, 0x55, sizeof(got));
            iso_host_orig(f[0], f[3], f[2], got);
            assert_string_equal(got, want);
            compared++;
        }
    }
    assert_int_equal(compared, 5 * 11);
    iso_host_copy(cut, sizeof(cut), "0123456789");
    assert_string_equal(cut, "0123456");
    iso_host_copy(cut, sizeof(cut), "01");
    assert_string_equal(cut, "01");
}

/* A hold's id is the vault's MAC of "iso-1|" and its original's key (the first 16 bytes): the
 * derivation reversals and completions of holds made before an upgrade rely on. */
static void test_hold_id_derivation(void **state)
{
    struct iso_host_request rq = req("0100", "000000", 1000, "", "1234", "000000004242");
    struct iso_host_answer a = {0};
    struct iso_host_step *s = NULL;
    char text[STORE_ISO_ORIG_MAX + 16];
    uint8_t mac[32];
    struct id128 want;
    int n;

    (void)state;
    assert_int_equal(iso_host_receive(host, &rq, world_now_us, &s, &a), 0);
    n = snprintf(text, sizeof(text), "iso-%d|%s", 1, rq.orig);
    vault_mac(host->vault, text, (size_t)n, mac);
    memcpy(&want.hi, mac, 8);
    memcpy(&want.lo, mac + 8, 8);
    assert_memory_equal(&s->req.hold_id, &want, sizeof(want));
    iso_host_done(host, s, run_iso(s), &a);
    assert_string_equal(a.code, "00");
}

/* The STAN req() gave rq: the third part of its key. */
static void stan_of(const struct iso_host_request *rq, char out[7])
{
    const char *p = strchr(strchr(rq->key, '|') + 1, '|') + 1;

    snprintf(out, 7, "%.6s", p);
}

/* Field 90 names the original by its acquirer (zero-padded there), STAN and transmission time:
 * a reversal with another RRN reverses that hold; one naming nothing is answered 00, recorded
 * under "90|", and reverses nothing, not even the original its own RRN names. */
static void test_reversal_by_field_90(void **state)
{
    struct iso_host_request a = req("0100", "000000", 20000, "", "1234", "000000000501");
    struct iso_host_request b = req("0100", "000000", 5000, "", "1234", "000000000502");
    struct iso_host_request rv = req("0400", "000000", 20000, "", "", "  0000000999");
    struct iso_host_request unk = req("0400", "000000", 5000, "", "", "000000000502");
    const struct iso_request_row *r;
    char stan[7], want[40];

    (void)state;
    assert_string_equal(decide(&a).code, "00");
    assert_string_equal(decide(&b).code, "00");
    assert_int_equal(available(), 75000);
    stan_of(&a, stan);
    iso_host_trace("00000012345", stan, "1207101500", rv.orig_trace);
    snprintf(want, sizeof(want), "12345|%s|1207101500", stan);
    assert_string_equal(rv.orig_trace, want); /* the acquirer's zeros dropped */
    assert_string_equal(decide(&rv).code, "00");
    assert_int_equal(available(), 95000); /* a's hold voided, b's kept */
    r = iso_host_req_find(host, rv.key);
    assert_non_null(r);
    assert_string_equal(r->orig, a.orig);
    assert_int_equal(r->state, ISO_ORIG_VOIDED);
    iso_host_trace("12345", "999999", "1207101500", unk.orig_trace);
    assert_string_equal(decide(&unk).code, "00");
    assert_int_equal(available(), 95000);
    r = iso_host_req_find(host, unk.key);
    assert_non_null(r);
    assert_string_equal(r->orig, "90|12345|999999|1207101500");
    assert_int_equal(r->state, ISO_ORIG_NONE);
}

/* A completion advice of an unknown authorization is a forced post: posted at once and once,
 * at most what the card has (the row keeps the shortfall), nothing when it has nothing; a
 * reversal refunds what was posted. */
static void test_forced_post(void **state)
{
    struct iso_host_request c = req("0220", "010000", 30000, "", "", "000000000601");
    struct iso_host_request c2 = req("0220", "010000", 30000, "", "", "000000000601");
    struct iso_host_request c3 = req("0220", "000000", 100000, "", "", "000000000602");
    struct iso_host_request c4 = req("0220", "000000", 100, "", "", "000000000603");
    struct iso_host_request rv = req("0400", "000000", 100000, "", "", "000000000602");
    const struct iso_request_row *r;

    (void)state;
    card_phone("+33612345678");
    assert_string_equal(decide(&c).code, "00");
    assert_int_equal(available(), 70000);
    /* The holder is told, as of a withdrawal, that an earlier operation was completed. */
    assert_int_equal(sms_count, 1);
    assert_string_equal(sms_last, "Finalisation d'une opération antérieure : 300,00 € débités "
                                  "sur ****0014, solde 700,00 €");
    assert_string_equal(decide(&c).code, "00");  /* a retransmission */
    assert_string_equal(decide(&c2).code, "00"); /* another advice of the same original */
    assert_int_equal(available(), 70000);
    assert_int_equal(sms_count, 1); /* once */
    assert_string_equal(decide(&c3).code, "00");
    assert_int_equal(available(), 0);
    /* Short: the SMS says what the card gave, not what the network asked. */
    assert_int_equal(sms_count, 2);
    assert_string_equal(sms_last, "Finalisation d'une opération antérieure : 700,00 € débités "
                                  "sur ****0014, solde 0,00 €");
    r = iso_host_req_find(host, c3.key);
    assert_non_null(r);
    assert_int_equal(r->amount_minor, 100000);
    assert_int_equal(r->posted_minor, 70000);
    assert_int_equal(r->state, ISO_ORIG_POSTED);
    assert_string_equal(decide(&c4).code, "00");
    r = iso_host_req_find(host, c4.key);
    assert_non_null(r);
    assert_int_equal(r->posted_minor, 0);
    assert_int_equal(r->state, ISO_ORIG_NONE);
    assert_int_equal(sms_count, 2); /* nothing taken, nothing said */
    assert_string_equal(decide(&rv).code, "00");
    assert_int_equal(available(), 70000);
    assert_int_equal(account(card).debits_pending, 0);
}

/* A completion after its hold's expiry is a forced post too: the card is debited. */
static void test_completion_of_expired_hold(void **state)
{
    struct iso_host_request a = req("0100", "000000", 20000, "", "1234", "000000000701");
    struct iso_host_request c = req("0220", "000000", 20000, "", "", "000000000701");
    const struct iso_request_row *r;
    int64_t posted = account(card).debits_posted;

    (void)state;
    assert_string_equal(decide(&a).code, "00");
    advance_s(7 * 86400 + 60);
    assert_string_equal(decide(&c).code, "00");
    assert_int_equal(account(card).debits_posted, posted + 20000);
    r = iso_host_req_find(host, c.key);
    assert_non_null(r);
    assert_int_equal(r->posted_minor, 20000);
    assert_int_equal(r->state, ISO_ORIG_POSTED);
}

/*
 * A completion landing between its hold's expiry by the ledger's clock and by the host's (here
 * the host's clock two minutes behind): the ledger refuses to post the lapsed hold, so the same
 * decision posts it by force, once, with the holder's SMS; a retransmission changes nothing.
 * Before, it was answered 00 and not posted at all.
 */
static void test_completion_in_expiry_window(void **state)
{
    struct iso_host_request a = req("0100", "010000", 20000, "", "1234", "000000000801");
    struct iso_host_request c = req("0220", "010000", 15000, "", "", "000000000801");
    const struct iso_request_row *r;
    int64_t posted = account(card).debits_posted, host_us;

    (void)state;
    card_phone("+33612345678");
    assert_string_equal(decide(&a).code, "00");
    assert_int_equal(sms_count, 1); /* the withdrawal's */
    advance_s(7 * 86400 + 60);      /* the ledger's clock: past the hold's expiry */
    host_us = world_now_us - 120 * 1000000LL;
    assert_true(host_us < iso_host_orig_get(host, c.orig, false)->expires_us); /* host: held */
    assert_string_equal(decide_at(&c, host_us).code, "00");
    assert_int_equal(account(card).debits_posted, posted + 15000);
    assert_int_equal(account(card).debits_pending, 0);
    r = iso_host_req_find(host, c.key);
    assert_non_null(r);
    assert_string_equal(r->code, "00");
    assert_int_equal(r->amount_minor, 15000);
    assert_int_equal(r->posted_minor, 15000);
    assert_int_equal(r->state, ISO_ORIG_POSTED);
    assert_int_equal(sms_count, 2);
    assert_string_equal(sms_last, "Finalisation d'une opération antérieure : 150,00 € débités "
                                  "sur ****0014, solde 850,00 €");
    assert_string_equal(decide_at(&c, host_us).code, "00"); /* a retransmission */
    assert_string_equal(decide(&c).code, "00");
    assert_int_equal(account(card).debits_posted, posted + 15000);
    assert_int_equal(sms_count, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rates, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_approve_and_retransmit, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_declines, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_pin_tries, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_reversal_and_completion, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_late_answer_undone, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_prune, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_reversal_by_field_90, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_forced_post, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_completion_of_expired_hold, setup_host, teardown_host),
        cmocka_unit_test_setup_teardown(test_completion_in_expiry_window, setup_host,
                                        teardown_host),
        cmocka_unit_test(test_keys_as_snprintf),
        cmocka_unit_test_setup_teardown(test_hold_id_derivation, setup_host, teardown_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
