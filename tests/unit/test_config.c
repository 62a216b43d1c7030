/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for mandatd/config: the defaults, the documented sample (which must equal them),
 * overrides of every section, and each error with its exact message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mandatd/config.h"

#ifndef MDT_SOURCE_DIR
#define MDT_SOURCE_DIR "."
#endif
#define SAMPLE_PATH MDT_SOURCE_DIR "/docs/mandat.conf"

#define EUR(x) ((int64_t)(x)*100)

/* Load text, which must succeed; cfg gets the result. */
static void load_ok(struct mandat_config *cfg, const char *text)
{
    struct mdt_err err = {0};
    int rc = config_load_string(cfg, text, "mandat.conf", &err);

    if (rc != 0) {
        print_error("unexpected error: %s\n", err.msg);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.msg, "");
}

/* Load text, which must fail with -MDT_EPARSE and exactly msg. */
static void load_fails(const char *text, const char *msg)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};
    int rc = config_load_string(&cfg, text, "mandat.conf", &err);

    assert_int_equal(rc, MDT_E(PARSE));
    assert_int_equal(err.code, MDT_E(PARSE));
    assert_string_equal(err.msg, msg);
}

static const struct fee_schedule *fee_get(const struct mandat_config *cfg, const char *name)
{
    uint32_t id = ledger_config_fee_find(&cfg->ledger, name);

    assert_int_not_equal(id, 0);
    return &cfg->ledger.fee_schedules[id - 1];
}

static void test_defaults(void **state)
{
    struct mandat_config cfg;
    const struct ledger_limits *w0;
    const struct fee_schedule *f;

    (void)state;
    config_defaults(&cfg);
    assert_string_equal(cfg.store_path, "mandat.db");
    assert_int_equal(cfg.store_sync, STORE_SYNC_FULL);
    assert_int_equal(cfg.batch_max, 8190);
    assert_int_equal(cfg.queue_depth, 65536);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_string_equal(cfg.ledger.default_currency, "EUR");
    assert_int_equal(cfg.ledger.pending_timeout_default_s, 300);
    assert_int_equal(cfg.ledger.pending_timeout_max_s, 604800);
    w0 = &cfg.ledger.limits[ACCOUNT_WALLET][0];
    assert_int_equal(w0->op_max_p2p, EUR(250));
    assert_int_equal(w0->op_max_payment, EUR(500));
    assert_int_equal(w0->month_debits_max, EUR(150));
    assert_int_equal(w0->balance_max, EUR(150));
    assert_int_equal(w0->day_debits_max, 0);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_CARD][2].year_loads_max, EUR(6000));
    assert_int_equal(cfg.ledger.fee_schedule_count, 3);
    f = fee_get(&cfg, "card_reload");
    assert_int_equal(f->tier_count, 4);
    assert_int_equal(f->tiers[3].fee, EUR(22));
    assert_int_equal(fee_get(&cfg, "merchant_standard")->percent_bp, 150);
    assert_int_equal(fee_get(&cfg, "sms_order")->fixed, 50);
    assert_int_equal(fee_get(&cfg, "sms_order")->payer, FEE_OPERATOR);
}

/* [acquirer]: the test acquirer, its timing, its journal and the fee leg. */
static void test_acquirer(void **state)
{
    struct mandat_config cfg;

    (void)state;
    load_ok(&cfg, "");
    assert_string_equal(cfg.acquirer.kind, "none");
    assert_string_equal(cfg.acquirer.fee, "none");
    assert_int_equal(cfg.acquirer.timeout_ms, 10000);
    load_ok(&cfg, "[acquirer]\nkind = test\nlatency = 5\ntimeout = 300\nstate_file = /tmp/a\n"
                  "fee = card_acquiring\nfee_account = 7\nlink_timeout = 60\n"
                  "[fee.card_acquiring]\ntype = percent\npayer = payer\npercent = 1.2\n"
                  "fixed = 0.10\n");
    assert_string_equal(cfg.acquirer.kind, "test");
    assert_int_equal(cfg.acquirer.latency_ms, 5);
    assert_int_equal(cfg.acquirer.timeout_ms, 300);
    assert_string_equal(cfg.acquirer.state_file, "/tmp/a");
    assert_int_equal(cfg.acquirer.fee_account, 7);
    assert_int_equal(cfg.acquirer.link_timeout_s, 60);
    assert_int_equal(fee_get(&cfg, "card_acquiring")->percent_bp, 120);
    load_fails("[acquirer]\ntimeout = 0\n",
               "mandat.conf:2: [acquirer] timeout: '0' is not a whole number from 1 to 120000");
}

/* [sip]: off by default, the trunk's addresses, the bound on calls. */
static void test_sip(void **state)
{
    struct mandat_config cfg;

    (void)state;
    load_ok(&cfg, "");
    assert_string_equal(cfg.sip.listen, "");
    assert_string_equal(cfg.sip.allow, "127.0.0.1 ::1");
    assert_int_equal(cfg.sip.max_calls, 64);
    load_ok(&cfg, "[sip]\nlisten = 127.0.0.1:5062\nrtp_addr = 127.0.0.1\nrtp_port_min = 20000\n"
                  "rtp_port_max = 20100\nmax_calls = 2\nretry_after = 5\nrtp_timeout = 3\nallow = 10.0.0.1\n"
                  "trusted = 10.0.0.1\n");
    assert_string_equal(cfg.sip.listen, "127.0.0.1:5062");
    assert_int_equal(cfg.sip.rtp_port_min, 20000);
    assert_int_equal(cfg.sip.rtp_port_max, 20100);
    assert_int_equal(cfg.sip.max_calls, 2);
    assert_int_equal(cfg.sip.retry_after_s, 5);
    assert_int_equal(cfg.sip.rtp_timeout_s, 3);
    assert_string_equal(cfg.sip.trusted, "10.0.0.1");
    load_fails("[sip]\nmax_calls = 0\n",
               "mandat.conf:2: [sip] max_calls: '0' is not a whole number from 1 to 4096");
}

/* docs/mandat.conf documents the defaults: loading it must change nothing at all. */
static void test_sms_http_vault(void **state)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};

    (void)state;
    config_defaults(&cfg);
    assert_int_equal(config_load_string(&cfg,
                                        "[sms]\nshort_code = 36180\ncountry = be\nlang = en\n"
                                        "order_timeout = 120\norder_fee = none\n"
                                        "[http]\nlisten =\n[vault]\nkey_file = /etc/k\n"
                                        "[smpp]\nhost = smsc.example\ntransceiver = no\n"
                                        "window = 50\n",
                                        "mandat.conf", &err),
                     0);
    assert_string_equal(cfg.sms.short_code, "36180");
    assert_string_equal(cfg.sms.country, "BE");
    assert_int_equal(cfg.sms.lang, 1);
    assert_int_equal(cfg.sms.order_timeout_s, 120);
    assert_string_equal(cfg.sms.order_fee, "none");
    assert_string_equal(cfg.http_listen, "");
    assert_string_equal(cfg.vault_key_file, "/etc/k");
    assert_string_equal(cfg.smpp.host, "smsc.example");
    assert_int_equal(cfg.smpp.transceiver, 0);
    assert_int_equal(cfg.smpp.window, 50);
    assert_int_equal(cfg.smpp.port, 2775);
    config_defaults(&cfg);
    assert_int_equal(config_load_string(&cfg, "[sms]\ncountry = France\n", "mandat.conf", &err),
                     MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "two letters like FR"));
    assert_int_equal(config_load_string(&cfg, "[sms]\norder_timeout = 5\n", "mandat.conf", &err),
                     MDT_E(PARSE));
}

static void test_sample_equals_defaults(void **state)
{
    struct mandat_config want;
    struct mandat_config got;
    struct mdt_err err = {0};
    int rc;

    (void)state;
    config_defaults(&want);
    memset(&got, 0xa5, sizeof(got));
    rc = config_load_file(&got, SAMPLE_PATH, &err);
    if (rc != 0) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, 0);
    assert_memory_equal(got.ledger.limits, want.ledger.limits, sizeof(want.ledger.limits));
    assert_int_equal(got.ledger.fee_schedule_count, want.ledger.fee_schedule_count);
    assert_memory_equal(got.ledger.fee_schedules, want.ledger.fee_schedules,
                        sizeof(want.ledger.fee_schedules));
    assert_memory_equal(&got, &want, sizeof(want));
}

/* An empty file, or one of comments only, is the defaults. */
static void test_empty(void **state)
{
    struct mandat_config want;
    struct mandat_config got;

    (void)state;
    config_defaults(&want);
    load_ok(&got, "");
    assert_memory_equal(&got, &want, sizeof(want));
    load_ok(&got, "; nothing\n\n# still nothing\r\n   \n");
    assert_memory_equal(&got, &want, sizeof(want));
}

/* Relative paths follow the config file, not the working directory; absolute ones, empty
 * ones and PostgreSQL URIs stay; a config named without a directory changes nothing. */
static void test_paths_follow_the_config(void **state)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};
    char longpath[CONFIG_PATH_MAX];

    (void)state;
    load_ok(&cfg, "[store]\npath = mandat.db\n[vault]\nkey_file = /etc/mandat/pin.key\n"
                  "[cards]\nkey_ring = keys/cards.keys\n"
                  "[sip]\nauth_file = trunk.digest\n"
                  "[iso8583.visa]\nlisten = 127.0.0.1:9000\nzpk_file = visa.zpk\n");
    assert_int_equal(config_resolve_paths(&cfg, "/srv/mandat/etc/mandat.conf", &err), 0);
    assert_string_equal(cfg.store_path, "/srv/mandat/etc/mandat.db");
    assert_string_equal(cfg.vault_key_file, "/etc/mandat/pin.key");
    assert_string_equal(cfg.cards.key_ring, "/srv/mandat/etc/keys/cards.keys");
    assert_string_equal(cfg.cards.emboss_file, "/srv/mandat/etc/mandat-emboss.txt"); /* default */
    assert_string_equal(cfg.iso[0].zpk_file, "/srv/mandat/etc/visa.zpk");
    assert_string_equal(cfg.sip.auth_file, "/srv/mandat/etc/trunk.digest");
    assert_string_equal(cfg.acquirer.state_file, ""); /* empty: memory, stays so */
    load_ok(&cfg, "[store]\npath = postgresql://mandat@db/mandat\n");
    assert_int_equal(config_resolve_paths(&cfg, "etc/mandat.conf", &err), 0);
    assert_string_equal(cfg.store_path, "postgresql://mandat@db/mandat");
    assert_string_equal(cfg.cards.key_ring, "etc/mandat-cards.keys");
    load_ok(&cfg, "");
    assert_int_equal(config_resolve_paths(&cfg, "mandat.conf", &err), 0);
    assert_string_equal(cfg.store_path, "mandat.db");
    assert_int_equal(config_resolve_paths(&cfg, "/mandat.conf", &err), 0);
    assert_string_equal(cfg.store_path, "/mandat.db");
    /* Too long once joined: the key is named and the path left alone. */
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    load_ok(&cfg, "");
    memcpy(cfg.cards.key_ring, longpath, sizeof(longpath));
    assert_int_equal(config_resolve_paths(&cfg, "/srv/mandat.conf", &err), MDT_E(RANGE));
    assert_non_null(strstr(err.msg, "[cards] key_ring"));
    assert_non_null(strstr(err.msg, "give an absolute path"));
}

static void test_missing_file(void **state)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(config_load_file(&cfg, "/nonexistent/mandat.conf", &err), MDT_E(NOTFOUND));
    assert_string_equal(err.msg, "cannot open '/nonexistent/mandat.conf': No such file or "
                                 "directory: copy docs/mandat.conf or pass --config");
    assert_int_equal(config_load_file(&cfg, NULL, &err), MDT_E(NOTFOUND));
    assert_int_equal(config_load_file(&cfg, "/nonexistent/mandat.conf", NULL), MDT_E(NOTFOUND));
}

static void test_store_engine_log(void **state)
{
    struct mandat_config cfg;

    (void)state;
    load_ok(&cfg, "[store]\npath = /var/lib/mandat/ledger.db\nsynchronous = normal\n"
                  "[engine]\nbatch_max = 1\nqueue_depth = 65536\n"
                  "[log]\nlevel = DEBUG ; case does not matter\n");
    assert_string_equal(cfg.store_path, "/var/lib/mandat/ledger.db");
    assert_int_equal(cfg.store_sync, STORE_SYNC_NORMAL);
    assert_int_equal(cfg.batch_max, 1);
    assert_int_equal(cfg.queue_depth, 65536);
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    load_ok(&cfg, "[store]\nsynchronous = off\n[log]\nlevel = error\n");
    assert_int_equal(cfg.store_sync, STORE_SYNC_OFF);
    assert_int_equal(cfg.log_level, LOG_ERROR);
    assert_string_equal(cfg.store_path, "mandat.db");
}

static void test_ledger(void **state)
{
    struct mandat_config cfg;

    (void)state;
    load_ok(&cfg, "[ledger]\ncurrency = xof\npending_timeout = 600\npending_timeout_max = 600\n");
    assert_string_equal(cfg.ledger.default_currency, "XOF");
    assert_int_equal(cfg.ledger.pending_timeout_default_s, 600);
    assert_int_equal(cfg.ledger.pending_timeout_max_s, 600);
    /* The check of the timeout against its maximum does not depend on key order. */
    load_ok(&cfg, "[ledger]\npending_timeout = 900000\npending_timeout_max = 2592000\n");
    assert_int_equal(cfg.ledger.pending_timeout_default_s, 900000);
}

static void test_limits_override(void **state)
{
    struct mandat_config want;
    struct mandat_config cfg;

    (void)state;
    config_defaults(&want);
    load_ok(&cfg, "[limits.wallet.0]\nop_max_p2p = 100.50\nbalance_max = none\n"
                  "[limits.merchant.2]\nday_debits_max = 1,000.25 ; grouping is fine here\n"
                  "[limits.card.1]\nyear_loads_max = 0\nop_max_payment = 750 EUR\n");
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][0].op_max_p2p, 10050);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][0].balance_max, 0);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][0].month_debits_max, EUR(150));
    assert_int_equal(cfg.ledger.limits[ACCOUNT_MERCHANT][2].day_debits_max, 100025);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_CARD][1].year_loads_max, 0);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_CARD][1].op_max_payment, EUR(750));
    assert_memory_equal(&cfg.ledger.limits[ACCOUNT_CARD][0], &want.ledger.limits[ACCOUNT_CARD][0],
                        sizeof(struct ledger_limits));
    assert_memory_equal(cfg.ledger.fee_schedules, want.ledger.fee_schedules,
                        sizeof(want.ledger.fee_schedules));
}

/* Limits are read in the ledger currency even when [ledger] comes after them. */
static void test_limits_currency_later(void **state)
{
    struct mandat_config cfg;

    (void)state;
    load_ok(&cfg, "[limits.wallet.0]\nop_max_p2p = 30000\n[ledger]\ncurrency = JPY\n");
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][0].op_max_p2p, 30000);
    load_fails("[limits.wallet.0]\nop_max_p2p = 0.5\n[ledger]\ncurrency = JPY\n",
               "mandat.conf:2: [limits.wallet.0] op_max_p2p: '0.5' is not an amount: write it "
               "like 50");
}

static void test_none(void **state)
{
    struct mandat_config cfg;

    (void)state;
    load_ok(&cfg, "[limits.wallet.1]\nday_debits_max = none\nmonth_debits_max = NONE\n"
                  "[fee.merchant_standard]\nmax = none\n");
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][1].day_debits_max, 0);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][1].month_debits_max, 0);
    assert_int_equal(cfg.ledger.limits[ACCOUNT_WALLET][1].balance_max, EUR(10000));
    assert_int_equal(fee_get(&cfg, "merchant_standard")->fee_max, 0);
}

static void test_fee_override(void **state)
{
    struct mandat_config want;
    struct mandat_config cfg;
    const struct fee_schedule *f;

    (void)state;
    config_defaults(&want);
    load_ok(&cfg, "[fee.sms_order]\namount = 0.35\n"
                  "[fee.card_reload]\ntiers = 100:5, max:20\nmin_amount = 20\npayer = payee\n");
    f = fee_get(&cfg, "sms_order");
    assert_int_equal(f->fixed, 35);
    assert_int_equal(f->payer, FEE_OPERATOR);
    assert_int_equal(f->type, FEE_FIXED);
    f = fee_get(&cfg, "card_reload");
    assert_int_equal(f->tier_count, 2);
    assert_int_equal(f->tiers[0].up_to, EUR(100));
    assert_int_equal(f->tiers[0].fee, EUR(5));
    assert_int_equal(f->tiers[1].up_to, 0);
    assert_int_equal(f->tiers[1].fee, EUR(20));
    assert_int_equal(f->tiers[2].fee, 0);
    assert_int_equal(f->min_amount, EUR(20));
    assert_int_equal(f->payer, FEE_PAYEE);
    assert_int_equal(cfg.ledger.fee_schedule_count, 3);
    assert_memory_equal(fee_get(&cfg, "merchant_standard"), fee_get(&want, "merchant_standard"),
                        sizeof(struct fee_schedule));
}

/* Changing type or currency starts afresh: no tier of the old table survives. */
static void test_fee_type_change(void **state)
{
    struct mandat_config cfg;
    const struct fee_schedule *f;

    (void)state;
    load_ok(&cfg, "[fee.card_reload]\namount = 3\ntype = fixed\n");
    f = fee_get(&cfg, "card_reload");
    assert_int_equal(f->type, FEE_FIXED);
    assert_int_equal(f->fixed, EUR(3));
    assert_int_equal(f->tier_count, 0);
    assert_int_equal(f->tiers[0].fee, 0);
    assert_int_equal(f->min_amount, 0);
    assert_int_equal(f->payer, FEE_PAYER);
    load_fails("[fee.card_reload]\ncurrency = USD\n",
               "mandat.conf:1: [fee.card_reload]: a tiered schedule needs tiers: add it (a new "
               "schedule, type or currency starts afresh)");
}

static void test_fee_new(void **state)
{
    struct mandat_config cfg;
    const struct fee_schedule *f;

    (void)state;
    /* Amounts before currency: read in the schedule's currency all the same. */
    load_ok(&cfg,
            "[fee.donation_card]\nmin = 0.10\nmax = none\npercent = 2.25\n"
            "payer = payer\ntype = percent\n"
            "[fee.ussd_order]\namount = 50\ncurrency = XOF\ntype = fixed\npayer = operator\n");
    assert_int_equal(cfg.ledger.fee_schedule_count, 5);
    assert_int_equal(ledger_config_fee_find(&cfg.ledger, "donation_card"), 4);
    f = fee_get(&cfg, "donation_card");
    assert_int_equal(f->type, FEE_PERCENT);
    assert_int_equal(f->percent_bp, 225);
    assert_int_equal(f->fee_min, 10);
    assert_int_equal(f->fee_max, 0);
    assert_string_equal(f->currency, "EUR");
    f = fee_get(&cfg, "ussd_order");
    assert_string_equal(f->currency, "XOF");
    assert_int_equal(f->fixed, 50);
    assert_int_equal(f->payer, FEE_OPERATOR);
}

static void test_percent(void **state)
{
    static const struct {
        const char *text;
        int64_t bp;
    } cases[] = {
        {"1.5", 150},   {"1.50", 150},  {"2", 200}, {"0.25", 25},
        {"100", 10000}, {"1,5 %", 150}, {"0", 0},   {"0.01", 1},
    };
    struct mandat_config cfg;
    char text[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "[fee.merchant_standard]\npercent = %s\n", cases[i].text);
        load_ok(&cfg, text);
        assert_int_equal(fee_get(&cfg, "merchant_standard")->percent_bp, cases[i].bp);
    }
}

/* Every key of the sample is in the table below; this guards the message format. */
static void test_errors(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"[fee.sms_order]\namount = 0,5x\n",
         "mandat.conf:2: [fee.sms_order] amount: '0,5x' is not an amount: write it like 0.50"},
        {"[stor]\npath = x\n",
         "mandat.conf:1: unknown section [stor]: use [store], [engine], [log], [ledger], [sms], "
         "[smpp], [smpp.<name>], [kannel], [http], [vault], [webhook], [social], [cards], "
         "[acquirer], [sip], [iso8583.<name>], "
         "[limits.<kind>.<tier>] or [fee.<name>]"},
        {"[cards]\nbin = 12345\n", "mandat.conf:2: [cards] bin: '12345' is not 6 to 8 digits"},
        {"[cards]\nbin = 4970101x\n",
         "mandat.conf:2: [cards] bin: '4970101x' is not 6 to 8 digits"},
        {"[cards]\nprice = 19 USD\n",
         "mandat.conf:2: [cards] price: '19 USD' is in USD but amounts here are in EUR: drop the "
         "currency"},
        {"[store]\npaht = x\n",
         "mandat.conf:2: [store] paht: unknown key: use path or synchronous"},
        {"[store]\nsynchronous = fast\n",
         "mandat.conf:2: [store] synchronous: 'fast' is not a mode: write full, normal or off"},
        {"[log]\nlevel = verbose\n",
         "mandat.conf:2: [log] level: 'verbose' is not a level: write error, warn, info or debug"},
        {"[engine]\nbatch_max = 0\n",
         "mandat.conf:2: [engine] batch_max: '0' is not a whole number from 1 to 8190"},
        {"[engine]\nqueue_depth = 65537\n",
         "mandat.conf:2: [engine] queue_depth: '65537' is not a whole number from 1 to 65536"},
        {"[engine]\nbatch_max = -5\n",
         "mandat.conf:2: [engine] batch_max: '-5' is not a whole number from 1 to 8190"},
        {"[fee.card_reload]\ntiers = 100:6, 100:10, max:22\n",
         "mandat.conf:2: [fee.card_reload] tiers: duplicate tier '100': keep one"},
        {"[fee.card_reload]\ntiers = 250:6, 100:10, max:22\n",
         "mandat.conf:2: [fee.card_reload] tiers: tiers not ascending: '100' comes after a higher "
         "bound: sort them"},
        {"[fee.card_reload]\ntiers =\n",
         "mandat.conf:2: [fee.card_reload] tiers: the tier list is empty: write up_to:fee pairs "
         "like 100:6, 250:10, max:22"},
        {"[fee.card_reload]\ntiers = 100:6, 250:10\n",
         "mandat.conf:2: [fee.card_reload] tiers: the last tier must be max:<fee>, for amounts "
         "above every bound"},
        {"[fee.card_reload]\ntiers = max:6, 250:10\n",
         "mandat.conf:2: [fee.card_reload] tiers: 'max' must be the last tier: remove the tiers "
         "after it"},
        {"[fee.card_reload]\ntiers = 0:6, max:10\n",
         "mandat.conf:2: [fee.card_reload] tiers: tier bound '0' is 0: bounds are above 0, the "
         "last is max"},
        {"[fee.card_reload]\ntiers = 100:0, max:10\n",
         "mandat.conf:2: [fee.card_reload] tiers: the fee of tier '100' is 0: a tier's fee is "
         "above 0"},
        {"[fee.card_reload]\ntiers = 100:6,, max:10\n",
         "mandat.conf:2: [fee.card_reload] tiers: empty tier: remove the extra comma"},
        {"[fee.card_reload]\ntiers = 100=6, max:10\n",
         "mandat.conf:2: [fee.card_reload] tiers: '100=6' is not a tier: write up_to:fee pairs "
         "like 100:6, max:22"},
        {"[fee.card_reload]\ntiers = 1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1,"
         "14:1,15:1,16:1,max:1\n",
         "mandat.conf:2: [fee.card_reload] tiers: more than 16 tiers: merge some"},
        {"[fee.merchant_standard]\npercent = 1.555\n",
         "mandat.conf:2: [fee.merchant_standard] percent: '1.555' has more than 2 decimals: 0.01 "
         "(one basis point) is the finest step"},
        {"[fee.merchant_standard]\npercent = 100.01\n",
         "mandat.conf:2: [fee.merchant_standard] percent: '100.01' is above 100 percent: write at "
         "most 100"},
        {"[fee.merchant_standard]\npercent = 1.5.0\n",
         "mandat.conf:2: [fee.merchant_standard] percent: '1.5.0' is not a percent: write it like "
         "1.5"},
        {"[limits.walet.0]\n",
         "mandat.conf:1: [limits.walet.0]: unknown account kind 'walet': use wallet, merchant, "
         "association, card, bank, fees, operator or suspense"},
        {"[limits.wallet.3]\n",
         "mandat.conf:1: [limits.wallet.3]: tier '3' is out of range: use 0, 1 or 2"},
        {"[limits.wallet]\n",
         "mandat.conf:1: [limits.wallet]: name the kind and tier: write it like "
         "[limits.wallet.0]"},
        {"[fee.abcdefghijklmnopqrstuvwxyz012345]\ntype = fixed\n",
         "mandat.conf:1: [fee.abcdefghijklmnopqrstuvwxyz012345]: a fee name is 1 to 31 lowercase "
         "letters, digits or '_': rename it"},
        {"[fee.SMS]\ntype = fixed\n",
         "mandat.conf:1: [fee.SMS]: a fee name is 1 to 31 lowercase letters, digits or '_': "
         "rename it"},
        {"[fee.new_one]\namount = 1\n",
         "mandat.conf:1: [fee.new_one]: a new fee schedule needs type = tiered, percent or fixed"},
        {"[fee.new_one]\ntype = flat\n",
         "mandat.conf:2: [fee.new_one] type: 'flat' is not a fee type: write tiered, percent or "
         "fixed"},
        {"[fee.new_one]\ntype = fixed\n",
         "mandat.conf:1: [fee.new_one]: a fixed schedule needs amount: add it (a new schedule, "
         "type or currency starts afresh)"},
        {"[fee.sms_order]\npercent = 1\n",
         "mandat.conf:2: [fee.sms_order] percent: does not apply to a fixed schedule: remove it or "
         "change type"},
        {"[fee.sms_order]\npayer = bank\n",
         "mandat.conf:2: [fee.sms_order] payer: 'bank' is not a payer: write payer, payee or "
         "operator"},
        {"[fee.sms_order]\namount = 0.50 USD\n",
         "mandat.conf:2: [fee.sms_order] amount: '0.50 USD' is in USD but amounts here are in "
         "EUR: drop the currency"},
        {"[fee.sms_order]\namount = 99999999999999999999\n",
         "mandat.conf:2: [fee.sms_order] amount: '99999999999999999999' is too large: write a "
         "smaller amount"},
        {"[fee.merchant_standard]\nmin = 6\n",
         "mandat.conf:2: [fee.merchant_standard] min: above max: lower min or raise max"},
        {"[ledger]\ncurrency = EURO\n",
         "mandat.conf:2: [ledger] currency: 'EURO' is not a known currency: write an ISO 4217 "
         "code like EUR"},
        {"[fee.sms_order]\ncurrency = ZZZ\n",
         "mandat.conf:2: [fee.sms_order] currency: 'ZZZ' is not a known currency: write an ISO "
         "4217 code like EUR"},
        {"[ledger]\npending_timeout = 700000\n",
         "mandat.conf:2: [ledger] pending_timeout: 700000 is above pending_timeout_max 604800: "
         "lower it or raise pending_timeout_max"},
        {"[ledger]\npending_timeout = 0\n",
         "mandat.conf:2: [ledger] pending_timeout: '0' is not a whole number from 1 to 2592000"},
        {"path = x\n",
         "mandat.conf:1: key 'path' is outside any section: put it under its [section]"},
        {"[store]\npath = a\npath = b\n",
         "mandat.conf:3: [store] path: set twice (first at line 2): keep one"},
        {"[store]\n[log]\n[store]\n",
         "mandat.conf:3: [store] appears twice (first at line 1): merge the two"},
        {"[fee.sms_order]\n[fee.sms_order]\n",
         "mandat.conf:2: [fee.sms_order] appears twice (first at line 1): merge the two"},
        {"[store]\npath = a\n  synchronous = off\n",
         "mandat.conf:3: line starts with a blank: start keys and sections at the beginning of "
         "the line"},
        {"[store\n", "mandat.conf:1: '[' without ']': write sections like [store]"},
        {"[store] path = x\n", "mandat.conf:1: text after ']': put comments after ';'"},
        {"[store]\nsynchronous\n",
         "mandat.conf:2: 'synchronous' is not key = value: write key = value, [section] or ; "
         "comment"},
        {"[ store ]\n", "mandat.conf:1: unknown section [ store ]: section names have no blanks"},
        {"[store]\npath =\n",
         "mandat.conf:2: [store] path: the path is empty: write a file name like mandat.db"},
        {"[fee.this_section_name_is_much_longer_than_any_we_accept]\n",
         "mandat.conf:1: section name [fee.this_section_name_is_much_longer_tha...] is too long: "
         "at most 48 characters"},
        /* The first error wins, even when a later one is found first by a simpler check. */
        {"[store]\nsynchronous = fast\n[nope]\n",
         "mandat.conf:2: [store] synchronous: 'fast' is not a mode: write full, normal or off"},
        {"\xef\xbb\xbf[store]\r\n; comment\r\n\r\nsynchronous = fast\r\n",
         "mandat.conf:4: [store] synchronous: 'fast' is not a mode: write full, normal or off"},
        {"[store]\npath = a\x01z\nsynchronous = x\x7fy\n",
         "mandat.conf:3: [store] synchronous: 'x?y' is not a mode: write full, normal or off"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        load_fails(cases[i].text, cases[i].msg);
    }
}

/* inih takes lines of at most 197 characters; longer ones are refused, never split. */
static void test_long_line(void **state)
{
    char text[512];
    struct mandat_config cfg;

    (void)state;
    snprintf(text, sizeof(text), "[store]\npath = %0197d\n", 0);
    load_fails(text, "mandat.conf:2: line is longer than 197 characters: shorten it");
    snprintf(text, sizeof(text), "[store]\npath = %0190d\n", 7);
    load_ok(&cfg, text);
    assert_int_equal(strlen(cfg.store_path), 190);
}

/* A new schedule past FEE_SCHEDULES_MAX is refused with the section that overflows. */
static void test_too_many_fees(void **state)
{
    char text[4096];
    size_t len = 0;

    (void)state;
    for (int i = 0; i <= FEE_SCHEDULES_MAX - 3; i++) {
        len += (size_t)snprintf(text + len, sizeof(text) - len,
                                "[fee.extra_%d]\ntype = fixed\namount = 1\n", i);
    }
    load_fails(text, "mandat.conf:88: [fee.extra_29]: more than 32 fee schedules: remove one");
}

/* A file with a NUL byte is not a text file; the message says where. */
static void test_file_errors(void **state)
{
    char path[] = "/tmp/test_config_XXXXXX";
    static const char body[] = "[store]\npath = a\n\0\n";
    struct mandat_config cfg;
    struct mdt_err err = {0};
    int fd = mkstemp(path);
    char want[128];

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
    close(fd);
    assert_int_equal(config_load_file(&cfg, path, &err), MDT_E(PARSE));
    snprintf(want, sizeof(want), "%s:3: NUL byte: is it a text file?", path);
    assert_string_equal(err.msg, want);
    unlink(path);
    assert_int_equal(config_load_file(&cfg, "/tmp", &err), MDT_E(IO));
    assert_string_equal(err.msg, "cannot read '/tmp': Is a directory");
}

/* [webhook]: the defaults, every key, and the bounds of each. */
static void test_webhook(void **state)
{
    struct mandat_config cfg;

    (void)state;
    config_defaults(&cfg);
    assert_int_equal(cfg.webhook.timeout_s, 10);
    assert_int_equal(cfg.webhook.concurrency, 16);
    assert_int_equal(cfg.webhook.merchant_concurrency, 4);
    assert_int_equal(cfg.webhook.retry_min_s, 10);
    assert_int_equal(cfg.webhook.retry_period_s, 86400);
    assert_string_equal(cfg.webhook.tls_ca_file, "");
    load_ok(&cfg,
            "[webhook]\ntimeout = 2\nconcurrency = 256\nretry_min = 1\n"
            "retry_period = 30\ntls_ca_file = /etc/mandat/ca.pem\nmerchant_concurrency = 2\n");
    assert_int_equal(cfg.webhook.merchant_concurrency, 2);
    assert_int_equal(cfg.webhook.timeout_s, 2);
    assert_int_equal(cfg.webhook.concurrency, 256);
    assert_int_equal(cfg.webhook.retry_min_s, 1);
    assert_int_equal(cfg.webhook.retry_period_s, 30);
    assert_string_equal(cfg.webhook.tls_ca_file, "/etc/mandat/ca.pem");
    load_ok(&cfg, "[webhook]\ntls_ca_file =\nretry_min = 3600\nretry_period = 2592000\n");
    assert_string_equal(cfg.webhook.tls_ca_file, "");
    assert_int_equal(cfg.webhook.retry_min_s, 3600);
    assert_int_equal(cfg.webhook.timeout_s, 10);
    load_fails("[webhook]\nconcurrency = 0\n",
               "mandat.conf:2: [webhook] concurrency: '0' is not a whole number from 1 to 256");
    load_fails("[webhook]\nconcurrency = 257\n",
               "mandat.conf:2: [webhook] concurrency: '257' is not a whole number from 1 to 256");
    load_fails("[webhook]\nmerchant_concurrency = 0\n",
               "mandat.conf:2: [webhook] merchant_concurrency: '0' is not a whole number from 1 "
               "to 256");
    load_fails("[webhook]\ntimeout = 301\n",
               "mandat.conf:2: [webhook] timeout: '301' is not a whole number from 1 to 300");
    load_fails("[webhook]\nretry_min = 0\n",
               "mandat.conf:2: [webhook] retry_min: '0' is not a whole number from 1 to 3600");
    load_fails("[webhook]\nretry_period = 2592001\n",
               "mandat.conf:2: [webhook] retry_period: '2592001' is not a whole number from 1 to "
               "2592000");
    load_fails("[webhook]\nretries = 3\n",
               "mandat.conf:2: [webhook] retries: unknown key: use timeout, concurrency, "
               "merchant_concurrency, retry_min, retry_period, tls_ca_file or allow_private");
    load_fails("[webhook]\ntimeout = 5\n[webhook]\n",
               "mandat.conf:3: [webhook] appears twice (first at line 1): merge the two");
}

/* [smpp.<name>]: more SMSC links, each with [smpp]'s keys and defaults, binds and TLS. */
static void test_smpp_links(void **state)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};

    (void)state;
    config_defaults(&cfg);
    assert_int_equal(config_load_string(&cfg,
                                        "[smpp]\nhost = a.example\nbinds = 2\n"
                                        "[smpp.orange]\nhost = b.example\nport = 3550\ntls = yes\n"
                                        "tls_ca_file = /etc/ca.pem\nwindow = 20\n"
                                        "[smpp.sfr]\nhost = c.example\ntls_verify = no\n",
                                        "mandat.conf", &err),
                     0);
    assert_int_equal(cfg.smpp.binds, 2);
    assert_int_equal(cfg.smpp.tls, 0);
    assert_int_equal(cfg.smpp_more_count, 2);
    assert_string_equal(cfg.smpp_more[0].name, "orange");
    assert_string_equal(cfg.smpp_more[0].host, "b.example");
    assert_int_equal(cfg.smpp_more[0].port, 3550);
    assert_int_equal(cfg.smpp_more[0].tls, 1);
    assert_int_equal(cfg.smpp_more[0].tls_verify, 1);
    assert_string_equal(cfg.smpp_more[0].tls_ca_file, "/etc/ca.pem");
    assert_int_equal(cfg.smpp_more[0].window, 20);
    assert_int_equal(cfg.smpp_more[0].binds, 1);
    assert_int_equal(cfg.smpp_more[1].port, 2775); /* [smpp]'s defaults, not its values */
    assert_int_equal(cfg.smpp_more[1].tls_verify, 0);
    assert_string_equal(cfg.smpp.host, "a.example"); /* untouched by the others */
    config_defaults(&cfg);
    assert_int_equal(
        config_load_string(&cfg, "[smpp.x]\nhost = a\n[smpp.x]\nhost = b\n", "mandat.conf", &err),
        MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "[smpp.x] appears twice"));
    config_defaults(&cfg);
    assert_int_equal(config_load_string(&cfg, "[smpp]\nbinds = 99\n", "mandat.conf", &err),
                     MDT_E(PARSE));
    assert_non_null(strstr(err.msg, "binds"));
    config_defaults(&cfg);
    assert_int_equal(config_load_string(&cfg, "[smpp.y]\nfoo = 1\n", "mandat.conf", &err),
                     MDT_E(PARSE));
}

/* The new keys' and sections' errors name the file, the line, the section and the key. */
static void test_smpp_link_errors(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"[smpp.orange]\nhost = b\ntls = maybe\n",
         "mandat.conf:3: [smpp.orange] tls: 'maybe' is not yes or no"},
        {"[smpp.a]\ntls_verify = 2\n", "mandat.conf:2: [smpp.a] tls_verify: '2' is not yes or no"},
        {"[smpp.orange]\nbinds = 0\n",
         "mandat.conf:2: [smpp.orange] binds: '0' is not a whole number from 1 to 16"},
        {"[smpp]\nbinds = 17\n",
         "mandat.conf:2: [smpp] binds: '17' is not a whole number from 1 to 16"},
        {"[smpp.y]\nfoo = 1\n",
         "mandat.conf:2: [smpp.y] foo: unknown key: use host, port, system_id, password, "
         "system_type, address_range, transceiver, window, throughput, enquire_link, "
         "registered_delivery, binds, tls, tls_ca_file or tls_verify"},
        {"[smpp.]\nhost = a\n", "mandat.conf:1: [smpp.]: a link name is 1 to 23 characters"},
        {"[smpp.abcdefghijklmnopqrstuvwxyz]\n",
         "mandat.conf:1: [smpp.abcdefghijklmnopqrstuvwxyz]: a link name is 1 to 23 characters"},
        {"[smpp.a]\n[smpp.b]\n[smpp.c]\n[smpp.d]\n[smpp.e]\n[smpp.f]\n[smpp.g]\n[smpp.h]\n",
         "mandat.conf:8: [smpp.h]: at most 8 SMSC links ([smpp] and 7 more)"},
    };
    struct mandat_config cfg;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mdt_err err = {0};

        config_defaults(&cfg);
        assert_int_equal(config_load_string(&cfg, cases[i].text, "mandat.conf", &err),
                         MDT_E(PARSE));
        assert_string_equal(err.msg, cases[i].msg);
    }
}

/* Sections after a [smpp.<name>] write to their own fields, not the link's: the link's offset
 * ends with its section. */
static void test_smpp_link_then_others(void **state)
{
    struct mandat_config cfg;
    struct mdt_err err = {0};

    (void)state;
    config_defaults(&cfg);
    assert_int_equal(config_load_string(&cfg,
                                        "[smpp.a]\nhost = a.example\n[store]\npath = x.db\n"
                                        "[smpp]\nhost = z.example\n[smpp.b]\nport = 1\n"
                                        "[smpp.c]\n[smpp.d]\n[smpp.e]\n[smpp.f]\n[smpp.g]\n",
                                        "mandat.conf", &err),
                     0);
    assert_string_equal(cfg.store_path, "x.db");
    assert_string_equal(cfg.smpp.host, "z.example");
    assert_int_equal(cfg.smpp.port, 2775);
    assert_int_equal(cfg.smpp_more_count, 7); /* [smpp] and 7 more: the most there can be */
    assert_string_equal(cfg.smpp_more[0].host, "a.example");
    assert_int_equal(cfg.smpp_more[1].port, 1);
    assert_string_equal(cfg.smpp_more[6].name, "g");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_sample_equals_defaults),
        cmocka_unit_test(test_sms_http_vault),
        cmocka_unit_test(test_acquirer),
        cmocka_unit_test(test_sip),
        cmocka_unit_test(test_smpp_links),
        cmocka_unit_test(test_smpp_link_errors),
        cmocka_unit_test(test_smpp_link_then_others),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_paths_follow_the_config),
        cmocka_unit_test(test_store_engine_log),
        cmocka_unit_test(test_ledger),
        cmocka_unit_test(test_limits_override),
        cmocka_unit_test(test_limits_currency_later),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_fee_override),
        cmocka_unit_test(test_fee_type_change),
        cmocka_unit_test(test_fee_new),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_too_many_fees),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_webhook),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
