/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/acquirer: the test acquirer driven on a real event_base (the test card
 * numbers, latency, the deadline that makes a silent authorization UNKNOWN and the lookup that
 * settles it, captures, voids and refunds against what was held, the same key's same answer,
 * its journal read back after a restart), and the interface's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "base/clock.h"
#include "channel/acquirer/acquirer.h"

struct got {
    int calls;
    struct acquirer_result res;
};

static void on_done(void *ctx, const struct acquirer_result *res)
{
    struct got *g = ctx;
    g->calls++;
    g->res = *res;
}

struct harness {
    struct event_base *base;
    struct acquirer *a;
    char state[64];
};

static void harness_open(struct harness *h, uint32_t latency_ms, uint32_t timeout_ms, bool journal)
{
    struct acquirer_test_config cfg = {.latency_ms = latency_ms, .timeout_ms = timeout_ms};
    if (journal) {
        snprintf(cfg.state_path, sizeof cfg.state_path, "%s", h->state);
    }
    if (h->base == NULL) {
        h->base = event_base_new();
    }
    assert_non_null(h->base);
    struct mdt_err err = {0};
    assert_int_equal(acquirer_test_open(h->base, &cfg, &h->a, &err), 0);
}

static void harness_close(struct harness *h)
{
    acquirer_free(h->a);
    h->a = NULL;
}

/* Run the loop until g has its answer (bounded by the loop emptying). */
static void wait_for(struct harness *h, struct got *g)
{
    while (g->calls == 0) {
        assert_int_equal(event_base_loop(h->base, EVLOOP_ONCE), 0);
    }
}

static struct got authorize(struct harness *h, const char *key, const char *pan, unsigned month,
                            unsigned year, int64_t amount)
{
    struct acquirer_request req = {.op = ACQUIRER_AUTHORIZE,
                                   .amount_minor = amount,
                                   .pan = pan,
                                   .exp_month = month,
                                   .exp_year = year};
    snprintf(req.key, sizeof req.key, "%s", key);
    snprintf(req.currency, sizeof req.currency, "EUR");
    char cvv[CARD_CVV_MAX + 1] = "123";
    assert_int_equal(card_cvv_take(cvv, &req.cvv_slot), 0);
    struct got g = {0};
    assert_int_equal(acquirer_submit(h->a, &req, on_done, &g), 0);
    assert_int_equal(g.calls, 0); /* never from inside the call */
    wait_for(h, &g);
    card_cvv_drop(req.cvv_slot);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.res.key, key);
    return g;
}

static struct got follow_up(struct harness *h, enum acquirer_op op, const char *key,
                            const char *auth_ref, int64_t amount)
{
    struct acquirer_request req = {.op = op, .amount_minor = amount};
    snprintf(req.key, sizeof req.key, "%s", key);
    snprintf(req.currency, sizeof req.currency, "EUR");
    snprintf(req.auth_ref, sizeof req.auth_ref, "%s", auth_ref);
    struct got g = {0};
    assert_int_equal(acquirer_submit(h->a, &req, on_done, &g), 0);
    wait_for(h, &g);
    return g;
}

static struct got lookup(struct harness *h, const char *key)
{
    struct got g = {0};
    assert_int_equal(acquirer_lookup(h->a, key, on_done, &g), 0);
    wait_for(h, &g);
    return g;
}

static void test_decide_table(void **state)
{
    (void)state;
    int64_t now = clock_utc_us(2026, 12, 7, 12, 0, 0);
    char code[3];
    assert_int_equal(acquirer_test_decide("4111111111111111", 12, 2030, now, code),
                     ACQUIRER_APPROVED);
    assert_string_equal(code, "00");
    assert_int_equal(acquirer_test_decide("5555555555554444", 1, 2027, now, code),
                     ACQUIRER_APPROVED);
    assert_int_equal(acquirer_test_decide("4000000000000002", 12, 2030, now, code),
                     ACQUIRER_DECLINED);
    assert_string_equal(code, "05");
    assert_int_equal(acquirer_test_decide("4000000000009995", 12, 2030, now, code),
                     ACQUIRER_DECLINED);
    assert_string_equal(code, "51");
    assert_int_equal(acquirer_test_decide("4000000000000069", 12, 2030, now, code),
                     ACQUIRER_DECLINED);
    assert_string_equal(code, "54");
    /* Valid through the end of its month: December 2026 still works on 7 December. */
    assert_int_equal(acquirer_test_decide("4111111111111111", 12, 2026, now, code),
                     ACQUIRER_APPROVED);
    assert_int_equal(acquirer_test_decide("4111111111111111", 11, 2026, now, code),
                     ACQUIRER_DECLINED);
    assert_string_equal(code, "54");
    assert_int_equal(acquirer_test_decide("4000000000000119", 12, 2030, now, code),
                     ACQUIRER_UNKNOWN);
    assert_string_equal(code, "");
    assert_int_equal(acquirer_test_decide("4242424242424242", 12, 2030, now, code),
                     ACQUIRER_DECLINED);
    assert_string_equal(code, "14");
    /* Not Luhn-valid: 14 too. */
    assert_int_equal(acquirer_test_decide("4111111111111112", 12, 2030, now, code),
                     ACQUIRER_DECLINED);
    assert_string_equal(code, "14");
}

static void test_approve_capture_refund(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 5, 1000, false);
    struct got g = authorize(&h, "k-auth", "4111111111111111", 12, 2099, 5000);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    assert_string_equal(g.res.code, "00");
    assert_true(g.res.ref[0] != '\0');
    char ref[ACQUIRER_REF_MAX];
    snprintf(ref, sizeof ref, "%s", g.res.ref);

    g = follow_up(&h, ACQUIRER_CAPTURE, "k-cap-big", ref, 5001);
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED);
    assert_string_equal(g.res.code, "13");
    g = follow_up(&h, ACQUIRER_CAPTURE, "k-cap", ref, 5000);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    g = follow_up(&h, ACQUIRER_CAPTURE, "k-cap-2", ref, 5000);
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED); /* captured once */
    assert_string_equal(g.res.code, "12");
    g = follow_up(&h, ACQUIRER_VOID, "k-void", ref, 0);
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED); /* too late to void */
    g = follow_up(&h, ACQUIRER_REFUND, "k-ref-1", ref, 3000);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    g = follow_up(&h, ACQUIRER_REFUND, "k-ref-2", ref, 2001);
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED);
    assert_string_equal(g.res.code, "13");
    g = follow_up(&h, ACQUIRER_REFUND, "k-ref-3", ref, 2000);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    g = follow_up(&h, ACQUIRER_CAPTURE, "k-cap-none", "T9999999999", 1);
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED);
    harness_close(&h);
    event_base_free(h.base);
}

/* A card on file: approved without a security code when marked a stored credential; its
 * declines stay the card's (51); an amount's cents decide for a card that approves: .05
 * refused, .51 insufficient funds (a card kept on file is never a declining number). */
static void test_stored_credential(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 0, 1000, false);
    struct acquirer_request req = {.op = ACQUIRER_AUTHORIZE,
                                   .amount_minor = 10600,
                                   .pan = "4111111111111111",
                                   .exp_month = 12,
                                   .exp_year = 2099,
                                   .stored_credential = true};
    snprintf(req.currency, sizeof req.currency, "EUR");
    const char *keys[] = {"s-cof", "s-funds", "s-cents-05", "s-cents-51"};
    const char *codes[] = {"00", "51", "05", "51"};
    const int64_t amounts[] = {10600, 10600, 6605, 11051};
    for (size_t i = 0; i < 4; i++) {
        struct got g = {0};
        snprintf(req.key, sizeof req.key, "%s", keys[i]);
        req.amount_minor = amounts[i];
        req.pan = i == 1 ? "4000000000009995" : "4111111111111111";
        req.cvv_slot = UINT32_MAX; /* no code taken: never read */
        assert_int_equal(acquirer_submit(h.a, &req, on_done, &g), 0);
        wait_for(&h, &g);
        assert_string_equal(g.res.code, codes[i]);
    }
    harness_close(&h);
    event_base_free(h.base);
}

static void test_void_releases(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 0, 1000, false);
    struct got g = authorize(&h, "v-auth", "5555555555554444", 1, 2099, 1200);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    char ref[ACQUIRER_REF_MAX];
    snprintf(ref, sizeof ref, "%s", g.res.ref);
    g = follow_up(&h, ACQUIRER_VOID, "v-void", ref, 0);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    g = follow_up(&h, ACQUIRER_CAPTURE, "v-cap", ref, 1200);
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED);
    harness_close(&h);
    event_base_free(h.base);
}

static void test_declines(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 1, 1000, false);
    static const struct {
        const char *pan;
        unsigned month, year;
        const char *code;
    } cases[] = {
        {"4000000000000002", 12, 2099, "05"}, {"4000000000009995", 12, 2099, "51"},
        {"4000000000000069", 12, 2099, "54"}, {"4111111111111111", 1, 2020, "54"},
        {"4242424242424242", 12, 2099, "14"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char key[16];
        snprintf(key, sizeof key, "d-%zu", i);
        struct got g = authorize(&h, key, cases[i].pan, cases[i].month, cases[i].year, 100);
        assert_int_equal(g.res.outcome, ACQUIRER_DECLINED);
        assert_string_equal(g.res.code, cases[i].code);
        assert_string_equal(g.res.ref, "");
    }
    harness_close(&h);
    event_base_free(h.base);
}

static void test_timeout_then_lookup(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 1, 50, false);
    int64_t t0 = clock_mono_us();
    struct got g = authorize(&h, "t-auth", "4000000000000119", 12, 2099, 700);
    assert_int_equal(g.res.outcome, ACQUIRER_UNKNOWN);
    assert_true(clock_mono_us() - t0 >= 45000);
    g = lookup(&h, "t-auth");
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    assert_int_equal(g.res.op, ACQUIRER_AUTHORIZE);
    assert_int_equal(g.res.amount_minor, 700);
    assert_true(g.res.ref[0] != '\0');
    /* The same key sent again now gets the answer. */
    g = authorize(&h, "t-auth", "4000000000000119", 12, 2099, 700);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    g = lookup(&h, "never-sent");
    assert_int_equal(g.res.outcome, ACQUIRER_DECLINED);
    assert_string_equal(g.res.code, "25");
    harness_close(&h);
    event_base_free(h.base);
}

static void test_same_key_same_answer(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 0, 1000, false);
    struct got a = authorize(&h, "s-auth", "4111111111111111", 12, 2099, 900);
    struct got b = authorize(&h, "s-auth", "4111111111111111", 12, 2099, 900);
    assert_int_equal(b.res.outcome, ACQUIRER_APPROVED);
    assert_string_equal(a.res.ref, b.res.ref);
    /* The key of a declined one stays declined, even with a good card. */
    struct got d = authorize(&h, "s-decl", "4000000000000002", 12, 2099, 900);
    assert_int_equal(d.res.outcome, ACQUIRER_DECLINED);
    d = authorize(&h, "s-decl", "4000000000000002", 12, 2099, 900);
    assert_string_equal(d.res.code, "05");
    /* The same key with another amount is refused, not a second payment. */
    struct got c = authorize(&h, "s-auth", "4111111111111111", 12, 2099, 901);
    assert_int_equal(c.res.outcome, ACQUIRER_DECLINED);
    assert_string_equal(c.res.code, "12");
    harness_close(&h);
    event_base_free(h.base);
}

static void test_journal_survives_restart(void **state)
{
    (void)state;
    struct harness h = {0};
    snprintf(h.state, sizeof h.state, "/tmp/mdt_acq_XXXXXX");
    int fd = mkstemp(h.state);
    assert_true(fd >= 0);
    close(fd);
    unlink(h.state);
    harness_open(&h, 0, 30, true);
    struct got g = authorize(&h, "j-auth", "4000000000000119", 12, 2099, 4200);
    assert_int_equal(g.res.outcome, ACQUIRER_UNKNOWN);
    struct got ok = authorize(&h, "j-ok", "4111111111111111", 12, 2099, 100);
    harness_close(&h);

    harness_open(&h, 0, 30, true);
    g = lookup(&h, "j-auth");
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    assert_int_equal(g.res.amount_minor, 4200);
    g = follow_up(&h, ACQUIRER_CAPTURE, "j-cap", ok.res.ref, 100);
    assert_int_equal(g.res.outcome, ACQUIRER_APPROVED);
    harness_close(&h);

    /* No card digit in the journal. */
    FILE *f = fopen(h.state, "r");
    assert_non_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_null(strstr(buf, "4111111111111111"));
    assert_null(strstr(buf, "4000000000000119"));
    assert_null(strstr(buf, "123"));
    unlink(h.state);
    event_base_free(h.base);
}

static void test_bad_requests(void **state)
{
    (void)state;
    struct harness h = {0};
    harness_open(&h, 0, 1000, false);
    struct got g = {0};
    struct acquirer_request req = {.op = ACQUIRER_AUTHORIZE,
                                   .amount_minor = 100,
                                   .pan = "4111111111111111",
                                   .exp_month = 12,
                                   .exp_year = 2099};
    assert_int_equal(acquirer_submit(h.a, &req, on_done, &g), MDT_E(INVAL)); /* no key */
    snprintf(req.key, sizeof req.key, "b-1");
    req.amount_minor = 0;
    assert_int_equal(acquirer_submit(h.a, &req, on_done, &g), MDT_E(INVAL));
    req.amount_minor = 100;
    req.exp_month = 13;
    assert_int_equal(acquirer_submit(h.a, &req, on_done, &g), MDT_E(INVAL));
    req.op = ACQUIRER_CAPTURE; /* no auth_ref */
    assert_int_equal(acquirer_submit(h.a, &req, on_done, &g), MDT_E(INVAL));
    assert_int_equal(acquirer_lookup(h.a, "", on_done, &g), MDT_E(INVAL));
    /* A call in flight when the acquirer is freed is dropped, done never called. */
    req.op = ACQUIRER_AUTHORIZE;
    req.exp_month = 12;
    char cvv[CARD_CVV_MAX + 1] = "999";
    assert_int_equal(card_cvv_take(cvv, &req.cvv_slot), 0);
    assert_int_equal(acquirer_submit(h.a, &req, on_done, &g), 0);
    card_cvv_drop(req.cvv_slot);
    harness_close(&h);
    event_base_loop(h.base, EVLOOP_NONBLOCK);
    assert_int_equal(g.calls, 0);
    struct acquirer_test_config cfg = {.timeout_ms = 0};
    struct mdt_err err = {0};
    assert_int_equal(acquirer_test_open(h.base, &cfg, &h.a, &err), MDT_E(INVAL));
    event_base_free(h.base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_table),
        cmocka_unit_test(test_approve_capture_refund),
        cmocka_unit_test(test_stored_credential),
        cmocka_unit_test(test_void_releases),
        cmocka_unit_test(test_declines),
        cmocka_unit_test(test_timeout_then_lookup),
        cmocka_unit_test(test_same_key_same_answer),
        cmocka_unit_test(test_journal_survives_restart),
        cmocka_unit_test(test_bad_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
