/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the mandat commands: messages and option errors, the configuration, opening
 * the store as a reader (a replayed view) or a writer (the engine), parsing ids and amounts,
 * formatting money and time, and explaining each ledger refusal to people. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/id128.h"
#include "cli/cli.h"
#include "engine/recovery.h"

/* SQLite waits this long for another writer (mandatd beside the CLI) before giving up. */
#define CLI_BUSY_TIMEOUT_MS 5000

/* ---- messages ---- */

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("mandat: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("mandat: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (strcmp(cmd, "mandat") == 0) {
        fputs(": see 'mandat --help'\n", stderr);
    } else {
        fprintf(stderr, ": see 'mandat help %s'\n", cmd);
    }
    return CLI_EXIT_USAGE;
}

int cli_option_error(const char *cmd, int c, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";

    if (c == ':') {
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    }
    if (optopt != 0) {
        return cli_usage_error(cmd, "unknown option '-%c' for '%s'", optopt, cmd);
    }
    return cli_usage_error(cmd, "unknown option '%s' for '%s'", arg, cmd);
}

void cli_getopt_reset(void)
{
    /* glibc: optind 0 reinitialises getopt completely, as each command parses a new argv. */
    optind = 0;
    opterr = 0;
}

int cli_positional(const char *cmd, int argc, char **argv, int want, const char *names)
{
    int have = argc - optind;

    if (have < want && strcmp(cmd, argv[0]) != 0) {
        return cli_usage_error(cmd, "'%s %s' needs %s", cmd, argv[0], names);
    }
    if (have < want) {
        return cli_usage_error(cmd, "'%s' needs %s", cmd, names);
    }
    if (have > want) {
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + want]);
    }
    return 0;
}

/* ---- configuration and store ---- */

int cli_config_load(struct cli *c)
{
    struct mdt_err err = {0};
    const char *path = c->config_path;

    if (c->loaded) {
        return 0;
    }
    config_defaults(&c->cfg);
    if (path == NULL && access("mandat.conf", F_OK) == 0) {
        path = "mandat.conf";
    }
    if (path != NULL && (config_load_file(&c->cfg, path, &err) < 0 ||
                         config_resolve_paths(&c->cfg, path, &err) < 0)) {
        if (err.msg[0] == '\0') {
            cli_error("cannot read config '%s': %s", path, mdt_strerror(err.code));
        } else {
            cli_error("%s", err.msg);
        }
        return CLI_EXIT_USAGE;
    }
    if (c->db_path != NULL) {
        snprintf(c->cfg.store_path, sizeof(c->cfg.store_path), "%s", c->db_path);
    }
    c->loaded = true;
    return 0;
}

int cli_store_open(struct cli *c, enum cli_store_mode mode, struct store **out)
{
    struct store_options so = {.path = c->cfg.store_path,
                               .sync = c->cfg.store_sync,
                               .read_only = mode == CLI_STORE_READ,
                               .create = mode == CLI_STORE_CREATE,
                               .busy_timeout_ms = CLI_BUSY_TIMEOUT_MS};
    struct mdt_err err = {0};
    int rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    so.path = c->cfg.store_path;
    so.sync = c->cfg.store_sync;
    rc = store_open(&so, out, &err);
    if (rc < 0) {
        cli_error("%s", err.msg[0] ? err.msg : mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_view_open(struct cli *c, struct cli_view *v)
{
    struct mdt_err err = {0};
    int rc;

    memset(v, 0, sizeof(*v));
    rc = cli_store_open(c, CLI_STORE_READ, &v->store);
    if (rc != 0) {
        goto out;
    }
    if (ledger_create(&c->cfg.ledger, &v->ledger) < 0) {
        cli_error("out of memory building the ledger view");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (recovery_replay(v->store, v->ledger, &err) < 0) {
        cli_error("cannot replay '%s': %s: run 'mandat check'", c->cfg.store_path, err.msg);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
out:
    if (rc != 0) {
        cli_view_close(v);
    }
    return rc;
}

void cli_view_close(struct cli_view *v)
{
    ledger_free(v->ledger);
    store_close(v->store);
    v->ledger = NULL;
    v->store = NULL;
}

int cli_engine_open(struct cli *c, enum cli_store_mode mode, struct cli_engine *e)
{
    struct engine_options eo = {0};
    struct mdt_err err = {0};
    int rc;

    memset(e, 0, sizeof(*e));
    rc = cli_store_open(c, mode, &e->store);
    if (rc != 0) {
        return rc;
    }
    eo.ledger = &c->cfg.ledger;
    eo.store = e->store;
    eo.batch_max = c->cfg.batch_max;
    eo.queue_depth = c->cfg.queue_depth;
    rc = engine_start(&eo, &e->engine, &err);
    if (rc < 0) {
        cli_error("cannot start the ledger on '%s': %s", c->cfg.store_path, err.msg);
        store_close(e->store);
        e->store = NULL;
        return CLI_EXIT_USAGE;
    }
    return 0;
}

void cli_engine_close(struct cli_engine *e)
{
    engine_stop(e->engine);
    store_close(e->store);
    e->engine = NULL;
    e->store = NULL;
}

int cli_engine_execute(struct cli_engine *e, const struct ledger_op *op, struct ledger_result *res)
{
    struct mdt_err err = {0};
    int rc = engine_execute(e->engine, op, 1, res, &err);

    if (rc < 0) {
        cli_error("%s: nothing was done, try again", err.msg[0] ? err.msg : mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_account_open(struct cli *c, enum account_kind kind, struct cli_engine *e,
                     uint64_t *account_id)
{
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct ledger_result res = {0};
    int rc;

    op.account.kind = kind;
    snprintf(op.account.currency, sizeof(op.account.currency), "%s",
             c->cfg.ledger.default_currency);
    rc = cli_engine_open(c, CLI_STORE_WRITE, e);
    if (rc != 0) {
        return rc;
    }
    rc = cli_engine_execute(e, &op, &res);
    if (rc == 0 && res.reason != LEDGER_OK) {
        cli_error("cannot open the account: %s", ledger_reason_name(res.reason));
        rc = CLI_EXIT_USAGE;
    }
    if (rc != 0) {
        cli_engine_close(e);
        return rc;
    }
    *account_id = res.account_id;
    return 0;
}

void cli_facts_get(const struct ledger *l, struct cli_facts *f)
{
    for (int i = 0; i < 2; i++) {
        const struct account *a =
            f->account_ids[i] != 0 ? ledger_account_get(l, f->account_ids[i]) : NULL;

        f->have_account[i] = a != NULL;
        if (a != NULL) {
            f->accounts[i] = *a;
        }
    }
    f->have_transfer = false;
    f->have_link = false;
    f->fees = 0;
    if (!id128_is_zero(f->id) && ledger_transfer_find(l, f->id, &f->transfer) == 0) {
        f->have_transfer = true;
    }
    if (!id128_is_zero(f->link_id) && ledger_transfer_find(l, f->link_id, &f->link) == 0) {
        f->have_link = true;
    }
    if (f->have_transfer) {
        f->fees = ledger_transfer_fees(l, f->id);
    }
    f->system_bank = 0;
    f->system_fees = 0;
    if (f->have_account[0]) {
        f->system_bank = ledger_system_account(l, ACCOUNT_BANK, f->accounts[0].currency);
        f->system_fees = ledger_system_account(l, ACCOUNT_FEES, f->accounts[0].currency);
    }
}

static void facts_read(void *ctx, const struct ledger *l)
{
    cli_facts_get(l, ctx);
}

void cli_engine_facts(struct cli_engine *e, struct cli_facts *f)
{
    engine_read(e->engine, facts_read, f);
}

/* ---- parsing ---- */

int cli_parse_account_id(const char *text, uint64_t *out)
{
    unsigned long long v;
    char *end = NULL;

    if (text[0] < '0' || text[0] > '9') {
        goto bad;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v == 0) {
        goto bad;
    }
    *out = (uint64_t)v;
    return 0;
bad:
    cli_error("'%s' is not an account id: write the number shown by 'mandat account list'", text);
    return CLI_EXIT_USAGE;
}

int cli_parse_id128(const char *text, struct id128 *out)
{
    struct mdt_err err = {0};

    if (id128_parse(text, out, &err) < 0) {
        cli_error("%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (id128_is_zero(*out)) {
        cli_error("'%s' is the zero id, which names nothing: use another id", text);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_parse_uint(const char *text, const char *what, uint64_t max, uint64_t *out)
{
    unsigned long long v;
    char *end = NULL;

    errno = 0;
    if (text[0] < '0' || text[0] > '9') {
        goto bad;
    }
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        goto bad;
    }
    *out = (uint64_t)v;
    return 0;
bad:
    cli_error("'%s' is not a valid %s: write a whole number from 0 to %" PRIu64, text, what, max);
    return CLI_EXIT_USAGE;
}

int cli_parse_amount(const char *text, const char *cur, int64_t *out)
{
    const struct currency *want = currency_find(cur);
    const struct currency *got = NULL;
    struct mdt_err err = {0};
    int64_t amount = 0;

    if (want == NULL) {
        cli_error("currency '%s' is unknown: check the account's currency", cur);
        return CLI_EXIT_USAGE;
    }
    if (money_parse(text, LANG_EN, want, &amount, &got, &err) < 0) {
        cli_error("%s", err.msg[0] ? err.msg : "not an amount");
        return CLI_EXIT_USAGE;
    }
    if (got != want) {
        cli_error("amount '%s' is in %s but the account holds %s: write it in %s", text, got->code,
                  want->code, want->code);
        return CLI_EXIT_USAGE;
    }
    if (amount <= 0) {
        cli_error("amount '%s' is not more than zero: write a positive amount", text);
        return CLI_EXIT_USAGE;
    }
    *out = amount;
    return 0;
}

const struct currency *cli_parse_currency(const char *text)
{
    const struct currency *cur = currency_find(text);

    if (cur == NULL) {
        cli_error("'%s' is not a currency: use an ISO 4217 code such as EUR", text);
    }
    return cur;
}

/* ---- formatting ---- */

const char *cli_money_plain(int64_t amount, const char *cur, char *buf)
{
    const struct currency *c = currency_find(cur);

    if (c == NULL || money_format_plain(amount, c, buf, MONEY_FORMAT_MAX) < 0) {
        snprintf(buf, MONEY_FORMAT_MAX, "%" PRId64, amount);
    }
    return buf;
}

const char *cli_money_human(int64_t amount, const char *cur, char *buf)
{
    const struct currency *c = currency_find(cur);

    if (c == NULL || money_format(amount, c, LANG_EN, buf, MONEY_FORMAT_MAX) < 0) {
        snprintf(buf, MONEY_FORMAT_MAX, "%" PRId64 " %.3s", amount, cur);
    }
    return buf;
}

const char *cli_time(int64_t us, char *buf)
{
    clock_format_utc(us, buf, CLI_TIME_MAX);
    return buf;
}

void cli_json_money(json_t *obj, const char *key, int64_t amount, const char *cur)
{
    char name[64];
    char text[MONEY_FORMAT_MAX];

    snprintf(name, sizeof(name), "%s_minor", key);
    json_object_set_new(obj, name, json_integer(amount));
    json_object_set_new(obj, key, json_string(cli_money_plain(amount, cur, text)));
}

int cli_json_print(json_t *root)
{
    int rc = 0;

    if (root == NULL || json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
        cli_error("cannot write JSON to the standard output");
        rc = CLI_EXIT_USAGE;
    } else {
        fputc('\n', stdout);
    }
    json_decref(root);
    return rc;
}

const char *cli_status_name(int status)
{
    switch (status) {
    case ACCOUNT_ACTIVE:
        return "active";
    case ACCOUNT_FROZEN:
        return "frozen";
    case ACCOUNT_CLOSED:
        return "closed";
    default:
        return "unknown";
    }
}

/* ---- refusals: one explanation per ledger_reason ---- */

/* Explanations that need no facts. Dynamic ones are written by the explain_* functions. */
static const char *const reason_help[LEDGER_REASON_COUNT] = {
    [LEDGER_LINKED_EVENT_FAILED] = "another operation of the same chain was refused: fix that one",
    [LEDGER_LINKED_EVENT_CHAIN_OPEN] = "a chain of linked operations was left open: end it",
    [LEDGER_ID_MUST_NOT_BE_ZERO] = "the id is zero: pass another --id or leave it out",
    [LEDGER_FLAGS_INVALID] = "this combination of flags is not allowed: see 'mandat help transfer'",
    [LEDGER_KIND_INVALID] = "this transfer kind is not allowed here: see 'mandat help transfer'",
    [LEDGER_AMOUNT_MUST_BE_POSITIVE] = "the amount must be more than zero: write a positive amount",
    [LEDGER_ACCOUNTS_MUST_BE_DIFFERENT] =
        "--from and --to name the same account: pick two accounts",
    [LEDGER_OVERFLOW] = "a balance would overflow: send less",
    [LEDGER_EXISTS_WITH_DIFFERENT_FIELDS] =
        "this id was already used for a different operation: repeat it exactly, or drop --id",
    [LEDGER_TIMEOUT_REQUIRES_PENDING] = "--timeout applies to pending transfers: add --pending",
    [LEDGER_PENDING_ACCOUNTS_MISMATCH] =
        "the accounts differ from those of the pending transfer: post or void it without them",
    [LEDGER_REFUND_ACCOUNTS_MISMATCH] =
        "a refund goes back from the payee to the payer of the original: swap --from and --to",
    [LEDGER_REFERENCE_REQUIRES_REFUND] = "--refund-of needs --kind refund",
    [LEDGER_FEE_SCHEDULE_NOT_FOUND] = "a --fee names no schedule of the config: see [fee.*]",
    [LEDGER_ACCOUNT_KIND_INVALID] = "kinds are wallet, merchant, association and card",
    [LEDGER_CURRENCY_UNKNOWN] = "use an ISO 4217 currency code such as EUR",
    [LEDGER_TIER_INVALID] = "KYC tiers are 0 (unverified), 1 (verified) and 2 (fully verified)",
    [LEDGER_STATUS_INVALID] = "an account is active, frozen or closed",
    [LEDGER_SYSTEM_ACCOUNT_EXISTS] = "system accounts are opened by 'mandat init'",
};

/* The account the refusal is about: the debited one (index 0) unless credit is asked for. */
static const struct account *fact_account(const struct cli_facts *f, int i)
{
    return f->have_account[i] ? &f->accounts[i] : NULL;
}

static int64_t available(const struct account *a)
{
    return a->credits_posted - a->debits_posted - a->debits_pending;
}

static void explain_accounts(const struct ledger_op *op, int reason, const struct cli_facts *f,
                             char *out, size_t n)
{
    const struct account *dr = fact_account(f, 0);
    const struct account *cr = fact_account(f, 1);
    char money[MONEY_FORMAT_MAX];
    uint64_t id =
        op->type == LEDGER_OP_TRANSFER ? op->transfer.debit_account_id : op->account.account_id;
    const struct account *which = dr;

    if (reason == LEDGER_CREDIT_ACCOUNT_NOT_FOUND) {
        id = op->transfer.credit_account_id;
        which = NULL;
    } else if (reason == LEDGER_DEBIT_ACCOUNT_NOT_FOUND || reason == LEDGER_ACCOUNT_NOT_FOUND) {
        which = NULL;
    } else if (cr != NULL && (dr == NULL || dr->status == ACCOUNT_ACTIVE)) {
        which = cr; /* frozen or closed: the credited one, since the debited one is active */
    }
    if (which != NULL) {
        id = which->id;
    }
    if (reason == LEDGER_ACCOUNT_FROZEN) {
        snprintf(out, n,
                 "account %" PRIu64 " is frozen: unfreeze it with 'mandat account "
                 "unfreeze %" PRIu64 "'",
                 id, id);
    } else if (reason == LEDGER_ACCOUNT_CLOSED) {
        snprintf(out, n, "account %" PRIu64 " is closed: closed accounts move no money", id);
    } else if (reason == LEDGER_ACCOUNT_NOT_EMPTY && dr != NULL) {
        snprintf(out, n,
                 "account %" PRIu64 " still holds %s or has holds: move the money out first", id,
                 cli_money_human(dr->credits_posted - dr->debits_posted, dr->currency, money));
    } else if (reason == LEDGER_CURRENCY_MISMATCH && dr != NULL && cr != NULL) {
        snprintf(out, n,
                 "account %" PRIu64 " holds %.3s but account %" PRIu64
                 " holds %.3s: transfers stay within one currency",
                 dr->id, dr->currency, cr->id, cr->currency);
    } else if (reason == LEDGER_CURRENCY_MISMATCH) {
        snprintf(out, n, "a fee schedule is in another currency than the account: check [fee.*]");
    } else {
        snprintf(out, n, "account %" PRIu64 " not found: list accounts with 'mandat account list'",
                 id);
    }
}

/* Limits of the account's kind and tier, and the hint to raise the tier. */
static const struct ledger_limits *limits_of(const struct cli *c, const struct account *a)
{
    return &c->cfg.ledger.limits[a->kind % ACCOUNT_KIND_COUNT][a->tier % KYC_TIER_COUNT];
}

static void explain_debit_limit(const struct cli *c, const struct ledger_op *op, int reason,
                                const struct account *a, char *out, size_t n)
{
    const struct ledger_limits *lim = limits_of(c, a);
    struct calendar_keys k;
    char used[MONEY_FORMAT_MAX], max[MONEY_FORMAT_MAX];
    const char *period = "today";
    int64_t u = 0, m = 0;

    clock_calendar_keys(clock_now_us(), &k);
    if (reason == LEDGER_LIMIT_OPERATION_MAX) {
        m = op->transfer.kind == TRANSFER_P2P ? lim->op_max_p2p : lim->op_max_payment;
        snprintf(out, n,
                 "account %" PRIu64 " (%s, tier %u) may send at most %s in one %s transfer: send "
                 "less, "
                 "or raise its tier with 'mandat account tier %" PRIu64 " N'",
                 a->id, account_kind_name(a->kind), a->tier, cli_money_human(m, a->currency, max),
                 transfer_kind_name(op->transfer.kind), a->id);
        return;
    }
    if (reason == LEDGER_LIMIT_DAILY_DEBITS) {
        u = a->day_key == k.day ? a->day_debits : 0;
        m = lim->day_debits_max;
    } else if (reason == LEDGER_LIMIT_MONTHLY_DEBITS) {
        u = a->month_key == k.month ? a->month_debits : 0;
        m = lim->month_debits_max;
        period = "this month";
    } else {
        u = a->year_key == k.year ? a->year_debits : 0;
        m = lim->year_debits_max;
        period = "this year";
    }
    snprintf(out, n,
             "account %" PRIu64 " (%s, tier %u) has sent %s %s and may send %s: wait for the "
             "next period (UTC), send less, or raise its tier with 'mandat account tier %" PRIu64
             " N'",
             a->id, account_kind_name(a->kind), a->tier, cli_money_human(u, a->currency, used),
             period, cli_money_human(m, a->currency, max), a->id);
}

static void explain_credit_limit(const struct cli *c, int reason, const struct account *a,
                                 char *out, size_t n)
{
    const struct ledger_limits *lim = limits_of(c, a);
    struct calendar_keys k;
    char used[MONEY_FORMAT_MAX], max[MONEY_FORMAT_MAX];

    clock_calendar_keys(clock_now_us(), &k);
    if (reason == LEDGER_LIMIT_YEARLY_LOADS) {
        snprintf(out, n,
                 "account %" PRIu64 " (%s, tier %u) has received %s this year and may receive "
                 "%s a year: send less or wait for next year (UTC)",
                 a->id, account_kind_name(a->kind), a->tier,
                 cli_money_human(a->year_key == k.year ? a->year_loads : 0, a->currency, used),
                 cli_money_human(lim->year_loads_max, a->currency, max));
        return;
    }
    snprintf(out, n,
             "account %" PRIu64 " (%s, tier %u) may hold at most %s and already has %s with "
             "incoming holds: send less, or raise its tier with 'mandat account tier %" PRIu64
             " N'",
             a->id, account_kind_name(a->kind), a->tier,
             cli_money_human(lim->balance_max, a->currency, max),
             cli_money_human(a->credits_posted - a->debits_posted + a->credits_pending, a->currency,
                             used),
             a->id);
}

static void explain_pending(int reason, const struct ledger_op *op, const struct cli_facts *f,
                            char *out, size_t n)
{
    char id[ID128_TEXT_MAX];
    char money[MONEY_FORMAT_MAX];
    const char *done = reason == LEDGER_PENDING_ALREADY_POSTED   ? "posted"
                       : reason == LEDGER_PENDING_ALREADY_VOIDED ? "voided"
                                                                 : "expired";

    id128_format(op->transfer.link_id, id);
    if (reason == LEDGER_PENDING_NOT_FOUND) {
        snprintf(out, n, "no pending transfer has id %s: check it with 'mandat show %s'", id, id);
    } else if (reason == LEDGER_PENDING_AMOUNT_EXCEEDED && f->have_account[0]) {
        snprintf(
            out, n, "pending transfer %s holds only %s: post at most that", id,
            cli_money_human(f->have_link ? f->link.amount : 0, f->accounts[0].currency, money));
    } else if (reason == LEDGER_PENDING_AMOUNT_EXCEEDED) {
        snprintf(out, n, "the amount is more than pending transfer %s holds: post less", id);
    } else {
        snprintf(out, n, "pending transfer %s was already %s: nothing is left to post or void", id,
                 done);
    }
}

static void explain_refund(int reason, const struct ledger_op *op, char *out, size_t n)
{
    char id[ID128_TEXT_MAX];

    id128_format(op->transfer.link_id, id);
    if (reason == LEDGER_REFUND_ORIGINAL_NOT_FOUND) {
        snprintf(out, n, "no transfer has id %s: check --refund-of with 'mandat show %s'", id, id);
    } else if (reason == LEDGER_REFUND_ORIGINAL_NOT_REFUNDABLE) {
        snprintf(out, n, "transfer %s cannot be refunded (refused, pending or a fee)", id);
    } else {
        snprintf(out, n, "the refunds of transfer %s would exceed its amount: refund less", id);
    }
}

static void explain_fee(const struct cli *c, int reason, const struct ledger_op *op, char *out,
                        size_t n)
{
    const struct ledger_config *lc = &c->cfg.ledger;
    char money[MONEY_FORMAT_MAX];

    if (reason == LEDGER_FEE_ACCOUNT_MISSING) {
        snprintf(out, n,
                 "the fees or operator account of this currency is missing: run "
                 "'mandat init --currency CUR'");
        return;
    }
    for (int i = 0; i < TRANSFER_FEES_MAX; i++) {
        uint16_t sid = op->transfer.fee_schedules[i];
        const struct fee_schedule *s =
            sid > 0 && sid <= lc->fee_schedule_count ? &lc->fee_schedules[sid - 1] : NULL;

        if (s != NULL && op->transfer.amount < s->min_amount) {
            snprintf(out, n, "fee schedule '%s' applies from %s: send at least that", s->name,
                     cli_money_human(s->min_amount, s->currency, money));
            return;
        }
    }
    snprintf(out, n, "the amount is below the minimum of a fee schedule: send more");
}

static void explain_funds(const struct ledger_op *op, const struct cli_facts *f, char *out,
                          size_t n)
{
    const struct account *a = fact_account(f, 0);
    char money[MONEY_FORMAT_MAX];
    bool fees = op->type == LEDGER_OP_TRANSFER &&
                (op->transfer.fee_schedules[0] != 0 || op->transfer.fee_schedules[1] != 0);

    if (a == NULL) {
        snprintf(out, n, "the debited account has not enough money: top it up or send less");
        return;
    }
    snprintf(out, n, "account %" PRIu64 " has %s available%s: top it up or send less", a->id,
             cli_money_human(available(a), a->currency, money),
             fees ? " and fees come on top" : "");
}

static void explain(const struct cli *c, const struct ledger_op *op, int reason,
                    const struct cli_facts *f, char *out, size_t n)
{
    const struct account *dr = fact_account(f, 0);
    const struct account *cr = fact_account(f, 1);

    if (reason > 0 && reason < LEDGER_REASON_COUNT && reason_help[reason] != NULL) {
        snprintf(out, n, "%s", reason_help[reason]);
    } else if (reason == LEDGER_INSUFFICIENT_FUNDS) {
        explain_funds(op, f, out, n);
    } else if (reason >= LEDGER_LIMIT_OPERATION_MAX && reason <= LEDGER_LIMIT_YEARLY_DEBITS &&
               dr != NULL) {
        explain_debit_limit(c, op, reason, dr, out, n);
    } else if ((reason == LEDGER_LIMIT_YEARLY_LOADS || reason == LEDGER_LIMIT_MAX_BALANCE) &&
               cr != NULL) {
        explain_credit_limit(c, reason, cr, out, n);
    } else if (reason >= LEDGER_PENDING_NOT_FOUND && reason <= LEDGER_PENDING_AMOUNT_EXCEEDED) {
        explain_pending(reason, op, f, out, n);
    } else if (reason >= LEDGER_REFUND_ORIGINAL_NOT_FOUND &&
               reason <= LEDGER_REFUND_EXCEEDS_ORIGINAL) {
        explain_refund(reason, op, out, n);
    } else if (reason == LEDGER_FEE_BELOW_MINIMUM_AMOUNT || reason == LEDGER_FEE_ACCOUNT_MISSING) {
        explain_fee(c, reason, op, out, n);
    } else if (reason == LEDGER_TIMEOUT_EXCEEDS_MAXIMUM) {
        snprintf(out, n, "the timeout is longer than the maximum of %u seconds: ask for less",
                 c->cfg.ledger.pending_timeout_max_s);
    } else if (reason >= LEDGER_LIMIT_OPERATION_MAX && reason <= LEDGER_LIMIT_MAX_BALANCE) {
        snprintf(out, n, "a limit of the account's kind and tier is reached: see mandat.conf");
    } else {
        explain_accounts(op, reason, f, out, n);
    }
}

int cli_refusal(const struct cli *c, const char *what, const struct ledger_op *op,
                const struct ledger_result *res, const struct cli_facts *f)
{
    char text[512];

    explain(c, op, res->reason, f, text, sizeof(text));
    cli_error("%s refused: %s: %s", what, ledger_reason_name(res->reason), text);
    return CLI_EXIT_REFUSED;
}
