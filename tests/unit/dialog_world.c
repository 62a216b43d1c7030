/* SPDX-License-Identifier: Apache-2.0 */
/* The dialog tests' world (dialog_world.h): engine, store, vault and dialog in a scratch
 * directory, a fake clock, and the step runner that keeps the replies. */
#include "dialog_world.h"
#include "store_test.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/id128.h"
#include "channel/api/request_json.h"

int64_t world_now_us = 1767225600000000LL; /* 2026-01-01 00:00 UTC */

int64_t fake_clock(void)
{
    return __atomic_load_n(&world_now_us, __ATOMIC_SEQ_CST);
}

struct world w;

struct wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
    struct dialog_step *step;
};

static void on_done(void *ctx, int rc, const struct ledger_result *res, size_t n)
{
    struct dialog_step *s = ctx;
    struct wait *wt = s->owner;

    (void)res;
    (void)n;
    w.nreplies = 0;
    for (size_t i = 0; i < s->row_count && w.nreplies < 8; i++) {
        if (s->rows[i].kind == EXTRA_OUTBOX) {
            static struct outbox_row open;

            /* The ledger thread: no cmocka assertion here; a failure shows in the text. */
            bool opened = dialog_outbox_open(w.dialog, &s->rows[i].u.outbox, &open) == 0;

            snprintf(w.replies[w.nreplies], sizeof(w.replies[0]), "%s",
                     opened ? open.text : "(link seal did not open)");
            snprintf(w.stored[w.nreplies], sizeof(w.stored[0]), "%s", s->rows[i].u.outbox.text);
            if (w.nreplies == 0) {
                w.first_row = s->rows[i].u.outbox;
            }
            snprintf(w.reply_dest[w.nreplies], sizeof(w.reply_dest[0]), "%s",
                     s->rows[i].u.outbox.dest);
            w.nreplies++;
        }
        if (s->rows[i].kind == EXTRA_INBOX) {
            snprintf(w.inbox, sizeof(w.inbox), "%s", s->rows[i].u.inbox.text);
        }
        if (s->rows[i].kind == EXTRA_WEBHOOK && w.nevents < 8) {
            snprintf(w.events[w.nevents], sizeof(w.events[0]), "%s", s->rows[i].u.webhook.type);
            snprintf(w.event_body, sizeof(w.event_body), "%s", s->rows[i].u.webhook.body);
            w.nevents++;
        }
    }
    w.outcome = dialog_step_outcome(s);
    pthread_mutex_lock(&wt->mu);
    wt->rc = rc;
    wt->done = true;
    pthread_cond_signal(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

/* A message from phone: returns dialog_receive's code; the replies land in w.replies. */
int say_id(const char *phone, const char *text, const char *peer_id)
{
    struct dialog_message m = {.channel = CHANNEL_SMS, .text = text, .len = strlen(text)};
    struct dialog_step *s = NULL;
    int rc;

    snprintf(m.source, sizeof(m.source), "%s", phone);
    snprintf(m.dest, sizeof(m.dest), "71004");
    if (peer_id != NULL) {
        snprintf(m.peer_id, sizeof(m.peer_id), "%s", peer_id);
    } else {
        snprintf(m.peer_id, sizeof(m.peer_id), "smsc-%llu", (unsigned long long)++w.peer_seq);
    }
    w.nreplies = 0;
    rc = dialog_receive(w.dialog, &m, fake_clock(), &s);
    if (rc < 0) {
        return rc;
    }
    return run_step(s);
}

/* Work the dialog starts itself (held money collected or returned): -MDT_ENOTFOUND when none. */
int work(void)
{
    struct dialog_step *s = NULL;
    int rc;

    w.nreplies = 0;
    rc = dialog_work(w.dialog, fake_clock(), &s);
    if (rc < 0) {
        return rc;
    }
    return run_step(s);
}

int run_step(struct dialog_step *s)
{
    return run_step_then(s, NULL, NULL);
}

int run_step_then(struct dialog_step *s, void (*then)(struct dialog_step *s, int rc, void *ctx),
                  void *ctx)
{
    struct wait wt = {.done = false};

    w.nevents = 0;
    pthread_mutex_init(&wt.mu, NULL);
    pthread_cond_init(&wt.cv, NULL);
    wt.step = s;
    s->owner = &wt;
    assert_int_equal(engine_submit_rows(w.engine, s->ops, s->n, s->rows, s->row_count,
                                        DIALOG_ROWS_MAX, dialog_hook, s->results, s, on_done),
                     0);
    pthread_mutex_lock(&wt.mu);
    while (!wt.done) {
        pthread_cond_wait(&wt.cv, &wt.mu);
    }
    pthread_mutex_unlock(&wt.mu);
    if (then != NULL) {
        then(s, wt.rc, ctx);
    }
    s->row_count = 0;
    dialog_step_done(s, wt.rc);
    return wt.rc;
}

void say(const char *phone, const char *text)
{
    assert_int_equal(say_id(phone, text, NULL), 0);
    assert_true(w.nreplies >= 1);
}

void expect(int i, const char *needle)
{
    assert_true(i < w.nreplies);
    if (strstr(w.replies[i], needle) == NULL) {
        fail_msg("reply %d '%s' does not contain '%s'", i, w.replies[i], needle);
    }
}

void open_world(bool fresh)
{
    struct store_options so = {.path = w.db, .create = true, .sync = STORE_DURABLE_NORMAL};
    struct engine_options eo = {
        .ledger = &w.cfg, .batch_max = 1000, .queue_depth = 1000, .clock_us = fake_clock};
    struct dialog_config dc = {.short_code = "71004",
                               .country = "FR",
                               .lang = LANG_FR,
                               .order_timeout_s = w.order_timeout_s ? w.order_timeout_s : 300,
                               .code_attempts_max = w.code_attempts ? w.code_attempts : 5,
                               .code_lock_s = w.code_lock_s ? w.code_lock_s : 1800,
                               .dedup_window_s = 86400,
                               .claim_period_s = 7 * 86400,
                               .hold_timeout_s = 7 * 86400 + 3600,
                               .event_json = request_json_event};

    dc.suspense_account = w.suspense;
    dc.topup_link_s = w.topup_link_s;
    dc.bank_account = 1; /* setup_ledger's system accounts: bank 1, fees 2 */
    dc.topup_fee_schedule = w.topup_fee_schedule;
    dc.topup_fee_account = w.topup_fee_account;
    if (w.topup_fee_schedule != 0) {
        dc.topup_fee = w.cfg.fee_schedules[w.topup_fee_schedule - 1];
    }
    dc.currency = currency_find("EUR");
    dc.order_fee_schedule = (uint16_t)ledger_config_fee_find(&w.cfg, "sms_order");
    dc.card_reload_fee_schedule = (uint16_t)ledger_config_fee_find(&w.cfg, "card_reload");
    dc.card_reload_fee = w.cfg.fee_schedules[dc.card_reload_fee_schedule - 1];
    dc.order_fee = w.cfg.fee_schedules[dc.order_fee_schedule - 1];
    assert_int_equal(store_open(&so, &w.store, NULL), 0);
    eo.store = w.store;
    assert_int_equal(engine_start(&eo, &w.engine, NULL), 0);
    assert_int_equal(vault_open(w.key, fresh, &w.vault, NULL), 0);
    assert_int_equal(dialog_create(&dc, w.vault, &w.dialog), 0);
    assert_int_equal(store_channel_load(w.store, dialog_channel_fns(), w.dialog, 0, NULL), 0);
}

void close_world(void)
{
    engine_stop(w.engine);
    store_close(w.store);
    dialog_free(w.dialog);
    vault_close(w.vault);
}

struct ledger_result run(struct ledger_op *op)
{
    struct ledger_result r;

    assert_int_equal(engine_execute(w.engine, op, 1, &r, NULL), 0);
    return r;
}

/* System accounts, and a charity with the keyword TELETHON. */
void setup_ledger(void)
{
    struct ledger_op op = {.type = LEDGER_OP_SYSTEM_INIT};
    struct store_extra row;
    struct ledger_result r;

    strcpy(op.account.currency, "EUR");
    run(&op);
    memset(&op, 0, sizeof(op));
    op.type = LEDGER_OP_ACCOUNT_OPEN;
    op.account.kind = ACCOUNT_ASSOCIATION;
    strcpy(op.account.currency, "EUR");
    r = run(&op);
    assert_int_equal(
        dialog_association_add(w.dialog, "TELETHON", r.account_id, "Téléthon", &row, NULL), 0);
    assert_int_equal(engine_execute_rows(w.engine, NULL, 0, &row, 1, NULL, NULL), 0);
}

void topup(uint64_t account, int64_t amount)
{
    static uint64_t serial;
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};

    op.transfer.id = (struct id128){.hi = 0x70b, .lo = ++serial};
    op.transfer.debit_account_id = 1;
    op.transfer.credit_account_id = account;
    op.transfer.amount = amount;
    op.transfer.kind = TRANSFER_TOPUP;
    assert_int_equal(run(&op).reason, LEDGER_OK);
}

struct bal {
    uint64_t id;
    struct account a;
};

static void read_bal(void *ctx, const struct ledger *l)
{
    struct bal *b = ctx;

    b->a = *ledger_account_get(l, b->id);
}

struct account account(uint64_t id)
{
    struct bal b = {.id = id};

    engine_read(w.engine, read_bal, &b);
    return b.a;
}

int setup(void **state)
{
    (void)state;
    memset(&w, 0, sizeof(w));
    strcpy(w.dir, "/tmp/mandat-dialog-XXXXXX");
    assert_non_null(mkdtemp(w.dir));
    test_store_path(w.dir, "d.db", w.db, sizeof(w.db));
    snprintf(w.key, sizeof(w.key), "%s/pin.key", w.dir);
    ledger_config_defaults(&w.cfg);
    open_world(true);
    setup_ledger();
    return 0;
}

int teardown(void **state)
{
    char cmd[128];

    (void)state;
    close_world();
    test_store_drop(w.db);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w.dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* INSCRIPTION, a weak code refused, a good code, the balance. */
void enrol(const char *phone, const char *code)
{
    const char *link;

    say(phone, "INSCRIPTION");
    expect(0, "Bienvenue");
    /* The welcome's link: its token goes out, the outbox keeps a marker and a seal. */
    link = strstr(w.replies[0], "/enrol/");
    assert_non_null(link);
    assert_int_equal(strspn(link + 7, "0123456789abcdef"), 32);
    assert_non_null(strstr(w.stored[0], "/enrol/" DIALOG_LINK_MARKER));
    assert_null(strstr(w.stored[0], link + 7));
    say(phone, "CODE 123456");
    expect(0, "suite de chiffres");
    say(phone, code);
    expect(0, "Code enregistré");
}

/* The hash of the enrolment link in the last welcome reply (reply 0). */
void enrol_hash(uint8_t hash[32])
{
    const char *at = strstr(w.replies[0], "/enrol/");
    char token[VAULT_TOKEN_MAX];

    assert_non_null(at);
    snprintf(token, sizeof(token), "%.32s", at + 7);
    assert_int_equal(vault_token_check(w.vault, token, hash), 0);
}

void advance_s(int64_t s)
{
    __atomic_add_fetch(&world_now_us, s * 1000000, __ATOMIC_SEQ_CST);
}

/* A merchant with an account (id 6 after the system accounts and TELETHON) and a webhook. */
uint64_t open_merchant(void)
{
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct merchant_row m = {.fee_schedule = 0};
    struct store_extra row = {.kind = EXTRA_MERCHANT};

    op.account.kind = ACCOUNT_MERCHANT;
    strcpy(op.account.currency, "EUR");
    m.account_id = run(&op).account_id;
    snprintf(m.name, sizeof(m.name), "Boutique Zoé");
    snprintf(m.webhook_url, sizeof(m.webhook_url), "http://127.0.0.1:9/hook");
    row.u.merchant = m;
    assert_int_equal(engine_execute_rows(w.engine, NULL, 0, &row, 1, NULL, NULL), 0);
    dialog_merchant_set(w.dialog, &m);
    return m.account_id;
}

int request_ask(uint64_t merchant, int64_t amount, const char *payer, uint64_t serial,
                char token[33])
{
    struct request_input in = {.merchant_id = merchant, .amount_minor = amount};
    struct dialog_step *s = NULL;
    int rc;

    in.id = (struct id128){.hi = 0xa5c, .lo = serial};
    snprintf(in.payer, sizeof(in.payer), "%s", payer);
    snprintf(in.reference, sizeof(in.reference), "order %llu", (unsigned long long)serial);
    w.nreplies = 0;
    rc = dialog_request_create(w.dialog, &in, fake_clock(), &s, NULL);
    if (rc < 0) {
        return rc;
    }
    if (token != NULL) {
        memcpy(token, s->token, 33);
    }
    return run_step(s);
}

void world_card_issue(uint64_t id)
{
    struct card_row r = {.account_id = id, .exp_month = 12, .exp_year = 2099};

    strcpy(r.token, WORLD_CARD_TOKEN);
    strcpy(r.bin, "999999");
    strcpy(r.last4, "4242");
    r.pan_len = 16;
    strcpy(r.holder, "AICHA BENALI");
    strcpy(r.phone, WORLD_HOLDER);
    assert_int_equal(vault_pin_hash(w.vault, WORLD_CARD_TOKEN, "135790", r.activation_hash), 0);
    r.created_us = r.updated_us = 1;
    assert_int_equal(dialog_card_loaded(w.dialog, &r), 0);
}

uint64_t world_card_open(void)
{
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};

    op.account.kind = ACCOUNT_CARD;
    strcpy(op.account.currency, "EUR");
    return run(&op).account_id;
}

void world_card_load(uint64_t card, int64_t amount)
{
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};

    op.transfer.id = (struct id128){.hi = 0xca4d, .lo = (uint64_t)amount};
    op.transfer.debit_account_id = 1;
    op.transfer.credit_account_id = card;
    op.transfer.amount = amount;
    op.transfer.kind = TRANSFER_CARD_LOAD;
    assert_int_equal(run(&op).reason, LEDGER_OK);
}
