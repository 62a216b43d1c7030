/* SPDX-License-Identifier: Apache-2.0 */
/* mandat init and mandat account: create the database with its system accounts, open accounts,
 * list and show them with their balances and limit windows, freeze, unfreeze, close, set tiers. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"

/* The system kinds that 'mandat init' opens for a currency, in the ledger's order. */
static const int system_kinds[] = {ACCOUNT_BANK, ACCOUNT_FEES, ACCOUNT_OPERATOR, ACCOUNT_SUSPENSE};
#define SYSTEM_KIND_COUNT (sizeof(system_kinds) / sizeof(system_kinds[0]))

void cmd_init_usage(FILE *out)
{
    fprintf(out, "usage: mandat init [--currency CUR]\n"
                 "\n"
                 "Create the database (the [store] path of the config, or --db) and the system\n"
                 "accounts of a currency: bank (money held at the partner bank), fees, operator\n"
                 "(fees billed by mobile operators) and suspense. Running it again is harmless.\n"
                 "  --currency CUR  ISO 4217 code (default: [ledger] currency, EUR)\n"
                 "\n"
                 "Examples:\n"
                 "  mandat init\n"
                 "  mandat --db /tmp/test.db init --currency XOF\n");
}

void cmd_account_usage(FILE *out)
{
    fprintf(out, "usage: mandat account open KIND [--tier N] [--currency CUR]\n"
                 "       mandat account list [--kind KIND] [--json]\n"
                 "       mandat account show ID [--json]\n"
                 "       mandat account freeze|unfreeze|close ID\n"
                 "       mandat account tier ID N\n"
                 "       mandat account code-reset complete|cancel NUMBER\n"
                 "\n"
                 "KIND is wallet, merchant, association or card (system accounts come from\n"
                 "'mandat init'). N is the KYC tier: 0 unverified, 1 verified, 2 fully verified;\n"
                 "limits depend on kind and tier. Balances: balance = credits - debits posted;\n"
                 "available = balance - pending debits. An account closes only when empty.\n"
                 "code-reset completes or cancels a person's forgotten-code reset (see\n"
                 "'mandat account code-reset --help'): complete only after an identity check.\n"
                 "\n"
                 "Examples:\n"
                 "  mandat account open wallet --tier 1\n"
                 "  mandat account list --kind merchant --json\n"
                 "  mandat account show 5\n"
                 "  mandat account freeze 5\n"
                 "  mandat account tier 5 2\n");
}

/* ---- init ---- */

struct system_ids {
    char currency[4];
    uint64_t ids[SYSTEM_KIND_COUNT];
};

static void system_ids_read(void *ctx, const struct ledger *l)
{
    struct system_ids *s = ctx;

    for (size_t i = 0; i < SYSTEM_KIND_COUNT; i++) {
        s->ids[i] = ledger_system_account(l, system_kinds[i], s->currency);
    }
}

static bool system_complete(const struct system_ids *s)
{
    for (size_t i = 0; i < SYSTEM_KIND_COUNT; i++) {
        if (s->ids[i] == 0) {
            return false;
        }
    }
    return true;
}

static int init_parse(int argc, char **argv, const char **currency)
{
    static const struct option opts[] = {{"currency", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

    for (;;) {
        int opt = getopt_long(argc, argv, ":c:h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'c') {
            *currency = optarg;
        } else if (opt == 'h') {
            cmd_init_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("init", opt, argv);
        }
    }
    return cli_positional("init", argc, argv, 0, "") == 0 ? -1 : CLI_EXIT_USAGE;
}

int cmd_init(struct cli *c, int argc, char **argv)
{
    const char *code = NULL;
    const struct currency *cur;
    struct cli_engine e = {0};
    struct ledger_op op = {.type = LEDGER_OP_SYSTEM_INIT};
    struct ledger_result res = {0};
    struct system_ids ids = {0};
    bool was_complete;
    int rc = init_parse(argc, argv, &code);

    if (rc >= 0) {
        return rc;
    }
    rc = cli_config_load(c);
    if (rc != 0) {
        return rc;
    }
    cur = cli_parse_currency(code != NULL ? code : c->cfg.ledger.default_currency);
    if (cur == NULL) {
        return CLI_EXIT_USAGE;
    }
    rc = cli_engine_open(c, CLI_STORE_CREATE, &e);
    if (rc != 0) {
        return rc;
    }
    memcpy(ids.currency, cur->code, 4);
    engine_read(e.engine, system_ids_read, &ids);
    was_complete = system_complete(&ids);
    if (!was_complete) {
        memcpy(op.account.currency, cur->code, 4);
        rc = cli_engine_execute(&e, &op, &res);
        if (rc == 0 && res.reason != LEDGER_OK) {
            rc = cli_refusal(c, "init", &op, &res, &(struct cli_facts){0});
        }
        if (rc != 0) {
            goto out;
        }
        engine_read(e.engine, system_ids_read, &ids);
    }
    rc = cli_card_ring_create(c);
    if (rc != 0) {
        goto out;
    }
    printf(was_complete ? "'%s' is already initialised for %s\n" : "initialised '%s' for %s\n",
           c->cfg.store_path, cur->code);
    for (size_t i = 0; i < SYSTEM_KIND_COUNT; i++) {
        printf("%-9s %" PRIu64 "\n", account_kind_name(system_kinds[i]), ids.ids[i]);
    }
out:
    cli_engine_close(&e);
    return rc;
}

/* ---- account open ---- */

static int open_parse(int argc, char **argv, uint64_t *tier, const char **currency)
{
    static const struct option opts[] = {{"tier", required_argument, NULL, 't'},
                                         {"currency", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

    for (;;) {
        int opt = getopt_long(argc, argv, ":t:c:h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 't') {
            if (cli_parse_uint(optarg, "tier", UINT16_MAX, tier) != 0) {
                return CLI_EXIT_USAGE;
            }
        } else if (opt == 'c') {
            *currency = optarg;
        } else if (opt == 'h') {
            cmd_account_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("account", opt, argv);
        }
    }
    return cli_positional("account", argc, argv, 1, "a KIND (wallet, merchant, association, card)")
               ? CLI_EXIT_USAGE
               : -1;
}

static int account_open(struct cli *c, int argc, char **argv)
{
    uint64_t tier = 0;
    const char *code = NULL;
    const struct currency *cur;
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct ledger_result res = {0};
    struct cli_engine e = {0};
    int kind, rc = open_parse(argc, argv, &tier, &code);

    if (rc >= 0) {
        return rc;
    }
    rc = cli_config_load(c);
    if (rc != 0) {
        return rc;
    }
    kind = account_kind_parse(argv[optind]);
    if (kind != ACCOUNT_WALLET && kind != ACCOUNT_MERCHANT && kind != ACCOUNT_ASSOCIATION &&
        kind != ACCOUNT_CARD) {
        return cli_usage_error("account",
                               "'%s' is not a kind of account you can open: use "
                               "wallet, merchant, association or card",
                               argv[optind]);
    }
    cur = cli_parse_currency(code != NULL ? code : c->cfg.ledger.default_currency);
    if (cur == NULL) {
        return CLI_EXIT_USAGE;
    }
    op.account.kind = (uint16_t)kind;
    op.account.tier = (uint16_t)tier;
    memcpy(op.account.currency, cur->code, 4);
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc != 0) {
        return rc;
    }
    rc = cli_engine_execute(&e, &op, &res);
    if (rc == 0 && res.reason != LEDGER_OK) {
        rc = cli_refusal(c, "account open", &op, &res, &(struct cli_facts){0});
    } else if (rc == 0) {
        printf("account %" PRIu64 " opened (%s, %s, tier %" PRIu64 ")\n", res.account_id,
               account_kind_name(kind), cur->code, tier);
    }
    cli_engine_close(&e);
    return rc;
}

/* ---- account freeze, unfreeze, close, tier ---- */

static int change_parse(int argc, char **argv, int want)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

    for (;;) {
        int opt = getopt_long(argc, argv, ":h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'h') {
            cmd_account_usage(stdout);
            return CLI_EXIT_OK;
        }
        return cli_option_error("account", opt, argv);
    }
    if (cli_positional("account", argc, argv, want,
                       want == 1 ? "an account ID" : "an account ID and a tier N")) {
        return CLI_EXIT_USAGE;
    }
    return -1;
}

static int account_change(struct cli *c, int argc, char **argv)
{
    const char *sub = argv[0];
    bool tier = strcmp(sub, "tier") == 0;
    struct ledger_op op = {.type = tier ? LEDGER_OP_ACCOUNT_TIER : LEDGER_OP_ACCOUNT_STATUS};
    struct ledger_result res = {0};
    struct cli_facts f = {0};
    struct cli_engine e = {0};
    uint64_t n = 0;
    int rc = change_parse(argc, argv, tier ? 2 : 1);

    if (rc >= 0) {
        return rc;
    }
    if (cli_parse_account_id(argv[optind], &op.account.account_id) != 0 ||
        (tier && cli_parse_uint(argv[optind + 1], "tier", UINT16_MAX, &n) != 0)) {
        return CLI_EXIT_USAGE;
    }
    op.account.tier = (uint16_t)n;
    op.account.status = strcmp(sub, "freeze") == 0  ? ACCOUNT_FROZEN
                        : strcmp(sub, "close") == 0 ? ACCOUNT_CLOSED
                                                    : ACCOUNT_ACTIVE;
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc != 0) {
        return rc;
    }
    rc = cli_engine_execute(&e, &op, &res);
    f.account_ids[0] = op.account.account_id;
    cli_engine_facts(&e, &f);
    if (rc == 0 && res.reason != LEDGER_OK) {
        rc = cli_refusal(c, sub, &op, &res, &f);
    } else if (rc == 0 && tier) {
        printf("account %" PRIu64 " is now tier %" PRIu64 "\n", op.account.account_id, n);
    } else if (rc == 0) {
        printf("account %" PRIu64 " %s\n", op.account.account_id,
               op.account.status == ACCOUNT_ACTIVE ? "unfrozen: active"
                                                   : cli_status_name(op.account.status));
    }
    cli_engine_close(&e);
    return rc;
}

/* ---- account list, show ---- */

static json_t *account_json(const struct account *a)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_integer((json_int_t)a->id));
    json_object_set_new(o, "kind", json_string(account_kind_name(a->kind)));
    json_object_set_new(o, "currency", json_stringn(a->currency, strnlen(a->currency, 4)));
    json_object_set_new(o, "status", json_string(cli_status_name(a->status)));
    json_object_set_new(o, "tier", json_integer(a->tier));
    cli_json_money(o, "balance", a->credits_posted - a->debits_posted, a->currency);
    cli_json_money(o, "available", a->credits_posted - a->debits_posted - a->debits_pending,
                   a->currency);
    cli_json_money(o, "debits_posted", a->debits_posted, a->currency);
    cli_json_money(o, "credits_posted", a->credits_posted, a->currency);
    cli_json_money(o, "debits_pending", a->debits_pending, a->currency);
    cli_json_money(o, "credits_pending", a->credits_pending, a->currency);
    return o;
}

static int list_parse(int argc, char **argv, int want, int *kind, bool *json)
{
    static const struct option opts[] = {{"kind", required_argument, NULL, 'k'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

    for (;;) {
        int opt = getopt_long(argc, argv, ":k:jh", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'k') {
            *kind = account_kind_parse(optarg);
            if (*kind < 0) {
                return cli_usage_error("account", "'%s' is not a kind of account", optarg);
            }
        } else if (opt == 'j') {
            *json = true;
        } else if (opt == 'h') {
            cmd_account_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("account", opt, argv);
        }
    }
    return cli_positional("account", argc, argv, want, "an account ID") ? CLI_EXIT_USAGE : -1;
}

static void list_row(const struct account *a)
{
    char bal[MONEY_FORMAT_MAX], dr[MONEY_FORMAT_MAX], cr[MONEY_FORMAT_MAX];

    printf("%6" PRIu64 "  %-11s  %-3.3s  %-6s  %4u  %14s  %14s  %14s\n", a->id,
           account_kind_name(a->kind), a->currency, cli_status_name(a->status), a->tier,
           cli_money_plain(a->credits_posted - a->debits_posted, a->currency, bal),
           cli_money_plain(a->debits_pending, a->currency, dr),
           cli_money_plain(a->credits_pending, a->currency, cr));
}

static int account_list(struct cli *c, int argc, char **argv)
{
    struct cli_view v;
    json_t *arr = NULL;
    bool json = false;
    int kind = -1;
    int rc = list_parse(argc, argv, 0, &kind, &json);

    if (rc >= 0) {
        return rc;
    }
    rc = cli_view_open(c, &v);
    if (rc != 0) {
        return rc;
    }
    if (json) {
        arr = json_array();
    } else {
        printf("%6s  %-11s  %-3s  %-6s  %4s  %14s  %14s  %14s\n", "ID", "KIND", "CUR", "STATUS",
               "TIER", "BALANCE", "PENDING_DEBITS", "PENDING_CREDIT");
    }
    for (uint64_t id = 1; id <= ledger_account_count(v.ledger); id++) {
        const struct account *a = ledger_account_get(v.ledger, id);

        if (a == NULL || (kind >= 0 && a->kind != kind)) {
            continue;
        }
        if (json) {
            json_array_append_new(arr, account_json(a));
        } else {
            list_row(a);
        }
    }
    if (json) {
        rc = cli_json_print(arr);
    }
    cli_view_close(&v);
    return rc;
}

/* Limit windows, valid only while their calendar key is the current one. */
struct windows {
    int64_t day, month, year, loads;
};

static void windows_now(const struct account *a, struct windows *w)
{
    struct calendar_keys k;

    clock_calendar_keys(clock_now_us(), &k);
    w->day = a->day_key == k.day ? a->day_debits : 0;
    w->month = a->month_key == k.month ? a->month_debits : 0;
    w->year = a->year_key == k.year ? a->year_debits : 0;
    w->loads = a->year_key == k.year ? a->year_loads : 0;
}

static void show_window(const char *name, int64_t used, int64_t max, const char *cur)
{
    char u[MONEY_FORMAT_MAX], m[MONEY_FORMAT_MAX];

    printf("%-16s %s", name, cli_money_plain(used, cur, u));
    if (max > 0) {
        printf(" of %s", cli_money_plain(max, cur, m));
    }
    printf(" %.3s\n", cur);
}

static void show_text(const struct cli *c, const struct account *a)
{
    const struct ledger_limits *lim = &c->cfg.ledger.limits[a->kind][a->tier % KYC_TIER_COUNT];
    char b[5][MONEY_FORMAT_MAX], t[CLI_TIME_MAX];
    struct windows w;
    const char *cur = a->currency;

    windows_now(a, &w);
    printf("%-16s %" PRIu64 "\n%-16s %s\n%-16s %.3s\n", "account", a->id, "kind",
           account_kind_name(a->kind), "currency", cur);
    printf("%-16s %s\n%-16s %u\n%-16s %s\n%-16s %s UTC\n", "status", cli_status_name(a->status),
           "tier", a->tier, "flags", (a->flags & ACCOUNT_NO_OVERDRAFT) ? "no_overdraft" : "none",
           "opened", cli_time(a->created_us, t));
    printf("%-16s %s %.3s\n%-16s %s %.3s\n", "balance",
           cli_money_plain(a->credits_posted - a->debits_posted, cur, b[0]), cur, "available",
           cli_money_plain(a->credits_posted - a->debits_posted - a->debits_pending, cur, b[1]),
           cur);
    printf("%-16s %s %.3s\n%-16s %s %.3s\n", "debits_posted",
           cli_money_plain(a->debits_posted, cur, b[1]), cur, "credits_posted",
           cli_money_plain(a->credits_posted, cur, b[2]), cur);
    printf("%-16s %s %.3s\n%-16s %s %.3s\n", "debits_pending",
           cli_money_plain(a->debits_pending, cur, b[3]), cur, "credits_pending",
           cli_money_plain(a->credits_pending, cur, b[4]), cur);
    show_window("day_debits", w.day, lim->day_debits_max, cur);
    show_window("month_debits", w.month, lim->month_debits_max, cur);
    show_window("year_debits", w.year, lim->year_debits_max, cur);
    show_window("year_loads", w.loads, lim->year_loads_max, cur);
}

/* A window's use and its maximum; a maximum of 0 means no limit and is written as null. */
static void json_window(json_t *o, const char *name, int64_t used, int64_t max, const char *cur)
{
    char key[64];

    cli_json_money(o, name, used, cur);
    snprintf(key, sizeof(key), "%s_max", name);
    if (max > 0) {
        cli_json_money(o, key, max, cur);
        return;
    }
    json_object_set_new(o, key, json_null());
    snprintf(key, sizeof(key), "%s_max_minor", name);
    json_object_set_new(o, key, json_null());
}

static json_t *show_json(const struct cli *c, const struct account *a)
{
    const struct ledger_limits *lim = &c->cfg.ledger.limits[a->kind][a->tier % KYC_TIER_COUNT];
    json_t *o = account_json(a);
    json_t *lw = json_object();
    char t[CLI_TIME_MAX];
    struct windows w;

    windows_now(a, &w);
    json_object_set_new(o, "flags",
                        json_string((a->flags & ACCOUNT_NO_OVERDRAFT) ? "no_overdraft" : "none"));
    json_object_set_new(o, "opened", json_string(cli_time(a->created_us, t)));
    json_window(lw, "day_debits", w.day, lim->day_debits_max, a->currency);
    json_window(lw, "month_debits", w.month, lim->month_debits_max, a->currency);
    json_window(lw, "year_debits", w.year, lim->year_debits_max, a->currency);
    json_window(lw, "year_loads", w.loads, lim->year_loads_max, a->currency);
    json_object_set_new(o, "limits", lw);
    return o;
}

static int account_show(struct cli *c, int argc, char **argv)
{
    const struct account *a;
    struct cli_view v;
    uint64_t id = 0;
    bool json = false;
    int kind = -1;
    int rc = list_parse(argc, argv, 1, &kind, &json);

    if (rc >= 0) {
        return rc;
    }
    if (kind >= 0) {
        return cli_usage_error("account", "'show' takes no --kind");
    }
    if (cli_parse_account_id(argv[optind], &id) != 0) {
        return CLI_EXIT_USAGE;
    }
    rc = cli_view_open(c, &v);
    if (rc != 0) {
        return rc;
    }
    a = ledger_account_get(v.ledger, id);
    if (a == NULL) {
        cli_error("account %" PRIu64 " not found: list accounts with 'mandat account list'", id);
        rc = CLI_EXIT_REFUSED;
    } else if (json) {
        rc = cli_json_print(show_json(c, a));
    } else {
        show_text(c, a);
    }
    cli_view_close(&v);
    return rc;
}

int cmd_account(struct cli *c, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(struct cli *c, int argc, char **argv);
    } subs[] = {{"open", account_open},     {"list", account_list},       {"show", account_show},
                {"freeze", account_change}, {"unfreeze", account_change}, {"close", account_change},
                {"tier", account_change}};

    if (argc < 2) {
        return cli_usage_error("account", "'account' needs a subcommand");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_account_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "code-reset") == 0) {
        return cmd_account_code_reset(c, argc - 1, argv + 1);
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            cli_getopt_reset();
            return subs[i].run(c, argc - 1, argv + 1);
        }
    }
    return cli_usage_error("account", "'%s' is not an account subcommand", argv[1]);
}
