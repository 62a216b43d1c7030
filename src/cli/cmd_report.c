/* SPDX-License-Identifier: Apache-2.0 */
/* mandat statement, show, check and journal: the readers. They open the store read-only and
 * replay it into a ledger view of their own (no engine), so they run beside mandatd. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/id128.h"
#include "cli/cli.h"
#include "engine/recovery.h"

/* Entries 'mandat journal --limit' keeps in memory: 100 000 entries of about 400 bytes. */
#define JOURNAL_LIMIT_MAX 100000

void cmd_statement_usage(FILE *out)
{
    fprintf(out, "usage: mandat statement ACCOUNT [--json | --csv]\n"
                 "\n"
                 "Every transfer touching ACCOUNT, oldest first: date (UTC), id, kind, state,\n"
                 "counterparty, amount from the account's side (debits negative), running\n"
                 "balance and reference. The balance counts posted money only: a hold (state\n"
                 "pending, or held once closed) shows its amount without changing the balance;\n"
                 "posting it does; voided and expired rows release the hold and change nothing.\n"
                 "  --json  one object {account, currency, ..., transfers: [...]}; amounts as\n"
                 "          integer minor units (amount_minor) and text (amount)\n"
                 "  --csv   a header line, then RFC 4180 rows\n"
                 "\n"
                 "Examples:\n"
                 "  mandat statement 5\n"
                 "  mandat statement 5 --csv > account-5.csv\n");
}

void cmd_show_usage(FILE *out)
{
    fprintf(out, "usage: mandat show ID128\n"
                 "\n"
                 "Every field of one transfer or rejection (with the reason of the refusal).\n"
                 "\n"
                 "Example:\n"
                 "  mandat show 0123456789abcdef0123456789abcdef\n");
}

void cmd_check_usage(FILE *out)
{
    fprintf(out, "usage: mandat check\n"
                 "\n"
                 "Replay the whole log and verify every invariant: debits equal credits; each\n"
                 "account's balances equal the sums of its transfers; no wallet or card below\n"
                 "zero; pending balances equal the open holds; ids unique; the journal's hash\n"
                 "chain and each batch's digest. Prints each violation, then a summary.\n"
                 "Warns (without failing) of the ISO 8583 host's forced posts that took less\n"
                 "than the network paid ('mandat card shortfalls' lists them).\n"
                 "Exit status: 0 all good, 1 violations found, 2 the store cannot be read.\n"
                 "\n"
                 "Example:\n"
                 "  mandat --db /var/lib/mandat/mandat.db check\n");
}

void cmd_journal_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat journal [--limit N]\n"
            "\n"
            "The audit journal, one entry per committed batch: sequence, time (UTC), kind,\n"
            "detail and the first 16 hex digits of the entry's hash.\n"
            "  --limit N  only the last N entries (at most %d)\n"
            "\n"
            "Example:\n"
            "  mandat journal --limit 20\n",
            JOURNAL_LIMIT_MAX);
}

/* Options of the readers: --json, --csv, --limit N, --help; want positional arguments. */
struct report_args {
    bool json, csv;
    const char *limit;
};

static int report_parse(const char *cmd, int argc, char **argv, const char *optstring, int want,
                        const char *names, void (*usage)(FILE *out), struct report_args *a)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'c'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

    for (;;) {
        int opt = getopt_long(argc, argv, optstring, opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'h') {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (opt != '?' && opt != ':' && strchr(optstring, opt) == NULL) {
            return cli_usage_error(cmd, "'%s' takes no option '%s'", cmd, argv[optind - 1]);
        }
        if (opt == 'j') {
            a->json = true;
        } else if (opt == 'c') {
            a->csv = true;
        } else if (opt == 'l') {
            a->limit = optarg;
        } else {
            return cli_option_error(cmd, opt, argv);
        }
    }
    if (a->json && a->csv) {
        return cli_usage_error(cmd, "choose one of --json and --csv");
    }
    return cli_positional(cmd, argc, argv, want, names) ? CLI_EXIT_USAGE : -1;
}

/* ---- statement ---- */

enum stmt_format { STMT_TABLE, STMT_JSON, STMT_CSV };

struct stmt_ctx {
    uint64_t account;
    char currency[4];
    enum stmt_format format;
    int64_t balance; /* running, posted only */
    json_t *rows;
};

/* One row from the account's point of view. */
struct stmt_row {
    const char *state;
    uint64_t counterparty;
    int64_t amount; /* signed: debits negative */
    bool moves;     /* changes the posted balance */
};

static void stmt_classify(const struct transfer *t, uint64_t account, struct stmt_row *r)
{
    bool debit = t->debit_account_id == account;

    r->counterparty = debit ? t->credit_account_id : t->debit_account_id;
    r->amount = debit ? -t->amount : t->amount;
    r->moves = false;
    if (t->flags & TRANSFER_POST_PENDING) {
        r->state = "posted";
        r->moves = true;
    } else if (t->flags & TRANSFER_VOID_PENDING) {
        r->state = "voided";
    } else if (t->flags & TRANSFER_EXPIRE) {
        r->state = "expired";
    } else if (t->flags & TRANSFER_PENDING) {
        /* The hold itself: "pending" while open, "held" once posted, voided or expired. */
        r->state = t->state == TRANSFER_STATE_PENDING ? "pending" : "held";
    } else {
        r->state = "posted";
        r->moves = true;
    }
}

/* RFC 4180: quote a field holding a comma, a quote, CR or LF; double the quotes inside. */
static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    fputc('"', stdout);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"') {
            fputc('"', stdout);
        }
        fputc(*p, stdout);
    }
    fputc('"', stdout);
}

static void stmt_json_row(struct stmt_ctx *s, const struct transfer *t, const struct stmt_row *r,
                          const char *date, const char *id)
{
    json_t *o = json_object();
    char link[ID128_TEXT_MAX];

    json_object_set_new(o, "date", json_string(date));
    json_object_set_new(o, "timestamp_us", json_integer(t->timestamp_us));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "kind", json_string(transfer_kind_name(t->kind)));
    json_object_set_new(o, "state", json_string(r->state));
    json_object_set_new(o, "counterparty", json_integer((json_int_t)r->counterparty));
    cli_json_money(o, "amount", r->amount, s->currency);
    cli_json_money(o, "balance", s->balance, s->currency);
    if (!id128_is_zero(t->link_id)) {
        id128_format(t->link_id, link);
        json_object_set_new(o, "link_id", json_string(link));
    }
    json_object_set_new(o, "fee_leg", json_boolean((t->flags & TRANSFER_FEE_LEG) != 0));
    json_object_set_new(o, "reference", json_string(t->ext_ref));
    json_array_append_new(s->rows, o);
}

static int stmt_row(void *ctx, const struct transfer *t)
{
    struct stmt_ctx *s = ctx;
    struct stmt_row r;
    char date[CLI_TIME_MAX], id[ID128_TEXT_MAX];
    char amount[MONEY_FORMAT_MAX], balance[MONEY_FORMAT_MAX];

    stmt_classify(t, s->account, &r);
    if (r.moves) {
        s->balance += r.amount;
    }
    cli_time(t->timestamp_us, date);
    id128_format(t->id, id);
    cli_money_plain(r.amount, s->currency, amount);
    cli_money_plain(s->balance, s->currency, balance);
    if (s->format == STMT_JSON) {
        stmt_json_row(s, t, &r, date, id);
    } else if (s->format == STMT_CSV) {
        printf("%s,%s,%s,%s,%" PRIu64 ",%s,%s,%.3s,", date, id, transfer_kind_name(t->kind),
               r.state, r.counterparty, amount, balance, s->currency);
        csv_field(t->ext_ref);
        fputs("\r\n", stdout);
    } else {
        printf("%-19s  %s  %-10s  %-7s  %12" PRIu64 "  %14s  %14s  %s\n", date, id,
               transfer_kind_name(t->kind), r.state, r.counterparty, amount, balance, t->ext_ref);
    }
    return 0;
}

static void stmt_header(const struct stmt_ctx *s, const struct account *a)
{
    if (s->format == STMT_CSV) {
        fputs("date,id,kind,state,counterparty,amount,balance,currency,reference\r\n", stdout);
    } else if (s->format == STMT_TABLE) {
        printf("account %" PRIu64 " (%s, %.3s, %s)\n", a->id, account_kind_name(a->kind),
               a->currency, cli_status_name(a->status));
        printf("%-19s  %-32s  %-10s  %-7s  %12s  %14s  %14s  %s\n", "DATE (UTC)", "ID", "KIND",
               "STATE", "COUNTERPARTY", "AMOUNT", "BALANCE", "REFERENCE");
    }
}

/* The footer of the table, or the JSON document, once every row is written. */
static int stmt_footer(struct stmt_ctx *s, const struct account *a)
{
    int64_t bal = a->credits_posted - a->debits_posted;
    char b[4][MONEY_FORMAT_MAX];
    json_t *root;

    if (s->format == STMT_TABLE) {
        printf("balance %s %.3s, available %s (pending debits %s, pending credits %s)\n",
               cli_money_plain(bal, a->currency, b[0]), a->currency,
               cli_money_plain(bal - a->debits_pending, a->currency, b[1]),
               cli_money_plain(a->debits_pending, a->currency, b[2]),
               cli_money_plain(a->credits_pending, a->currency, b[3]));
        return 0;
    }
    if (s->format == STMT_CSV) {
        return 0;
    }
    root = json_object();
    json_object_set_new(root, "account", json_integer((json_int_t)a->id));
    json_object_set_new(root, "kind", json_string(account_kind_name(a->kind)));
    json_object_set_new(root, "currency", json_stringn(a->currency, strnlen(a->currency, 4)));
    json_object_set_new(root, "status", json_string(cli_status_name(a->status)));
    cli_json_money(root, "balance", bal, a->currency);
    cli_json_money(root, "available", bal - a->debits_pending, a->currency);
    cli_json_money(root, "debits_pending", a->debits_pending, a->currency);
    cli_json_money(root, "credits_pending", a->credits_pending, a->currency);
    json_object_set(root, "transfers", s->rows);
    return cli_json_print(root);
}

static int stmt_run(struct cli_view *v, const struct account *a, struct stmt_ctx *s)
{
    struct mdt_err err = {0};
    int rc;

    stmt_header(s, a);
    rc = store_statement(v->store, a->id, stmt_row, s, &err);
    if (rc < 0) {
        cli_error("cannot read the transfers of account %" PRIu64 ": %s", a->id, err.msg);
        return CLI_EXIT_USAGE;
    }
    rc = stmt_footer(s, a);
    /* Paired check: the rows must add up to the balance the replayed view holds. */
    if (rc == 0 && s->balance != a->credits_posted - a->debits_posted) {
        cli_error("the transfers of account %" PRIu64 " do not add up to its balance: run "
                  "'mandat check'",
                  a->id);
        rc = CLI_EXIT_REFUSED;
    }
    return rc;
}

int cmd_statement(struct cli *c, int argc, char **argv)
{
    struct report_args a = {0};
    struct stmt_ctx s = {0};
    const struct account *acc;
    struct cli_view v;
    int rc =
        report_parse("statement", argc, argv, ":jch", 1, "an ACCOUNT id", cmd_statement_usage, &a);

    if (rc >= 0) {
        return rc;
    }
    if (cli_parse_account_id(argv[optind], &s.account) != 0) {
        return CLI_EXIT_USAGE;
    }
    rc = cli_view_open(c, &v);
    if (rc != 0) {
        return rc;
    }
    acc = ledger_account_get(v.ledger, s.account);
    if (acc == NULL) {
        cli_error("account %" PRIu64 " not found: list accounts with 'mandat account list'",
                  s.account);
        rc = CLI_EXIT_REFUSED;
        goto out;
    }
    memcpy(s.currency, acc->currency, 4);
    s.format = a.json ? STMT_JSON : a.csv ? STMT_CSV : STMT_TABLE;
    s.rows = json_array();
    rc = stmt_run(&v, acc, &s);
out:
    json_decref(s.rows);
    cli_view_close(&v);
    return rc;
}

/* ---- show ---- */

static void show_flags(uint16_t flags)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } names[] = {{TRANSFER_LINKED, "linked"},
                 {TRANSFER_PENDING, "pending"},
                 {TRANSFER_POST_PENDING, "post_pending"},
                 {TRANSFER_VOID_PENDING, "void_pending"},
                 {TRANSFER_EXPIRE, "expire"},
                 {TRANSFER_FEE_LEG, "fee_leg"},
                 {TRANSFER_BALANCING_DEBIT, "balancing_debit"},
                 {TRANSFER_RETRY_REFUSED, "retry_refused"}};
    bool any = false;

    printf("%-12s ", "flags");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (flags & names[i].bit) {
            printf("%s%s", any ? "," : "", names[i].name);
            any = true;
        }
    }
    printf("%s\n", any ? "" : "none");
}

/* What link_id means for this row. */
static const char *link_name(const struct transfer *t)
{
    if (t->flags & TRANSFER_FEE_LEG) {
        return "fee_of";
    }
    if (t->flags & (TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING | TRANSFER_EXPIRE)) {
        return "pending";
    }
    return "refund_of";
}

static void show_fees(const struct cli *c, const struct transfer *t, const struct cli_facts *f,
                      const char *cur)
{
    const struct ledger_config *lc = &c->cfg.ledger;
    char money[MONEY_FORMAT_MAX];
    bool any = false;

    printf("%-12s ", "fees");
    for (int i = 0; i < TRANSFER_FEES_MAX; i++) {
        uint16_t sid = t->fee_schedules[i];

        if (sid == 0) {
            continue;
        }
        printf("%s%s", any ? "," : "",
               sid <= lc->fee_schedule_count ? lc->fee_schedules[sid - 1].name : "(unknown)");
        any = true;
    }
    printf("%s%s%s %.3s\n", any ? "" : "none", any ? ": " : ", ",
           cli_money_plain(f->fees, cur, money), cur);
}

static void show_transfer(const struct cli *c, const struct transfer *t, const struct cli_facts *f,
                          const char *cur)
{
    char id[ID128_TEXT_MAX], when[CLI_TIME_MAX], money[MONEY_FORMAT_MAX];

    id128_format(t->id, id);
    printf("%-12s %s\n", "id", id);
    printf("%-12s %s\n", "kind", transfer_kind_name(t->kind));
    printf("%-12s %s\n", "state",
           t->reason != LEDGER_OK ? "rejected" : transfer_state_name(t->state));
    if (t->reason != LEDGER_OK) {
        printf("%-12s %s\n", "reason", ledger_reason_name(t->reason));
    }
    show_flags(t->flags);
    printf("%-12s %" PRIu64 "\n%-12s %" PRIu64 "\n", "from", t->debit_account_id, "to",
           t->credit_account_id);
    printf("%-12s %s %.3s\n", "amount", cli_money_plain(t->amount, cur, money), cur);
    if (!id128_is_zero(t->link_id)) {
        id128_format(t->link_id, id);
        printf("%-12s %s\n", link_name(t), id);
    }
    if (t->flags & TRANSFER_PENDING) {
        printf("%-12s %" PRIu32 " s\n", "timeout", t->timeout_s);
        printf("%-12s %s UTC\n", "expires", cli_time(t->expires_us, when));
    }
    show_fees(c, t, f, cur);
    printf("%-12s %u\n", "channel", t->channel);
    printf("%-12s %s\n", "reference", t->ext_ref);
    printf("%-12s %s UTC\n", "timestamp", cli_time(t->timestamp_us, when));
    printf("%-12s %" PRIu64 "\n", "seq", t->seq);
    printf("%-12s %016" PRIx64 "\n", "fingerprint", t->fingerprint);
}

int cmd_show(struct cli *c, int argc, char **argv)
{
    struct report_args a = {0};
    struct cli_facts f = {0};
    struct mdt_err err = {0};
    struct transfer t;
    struct cli_view v;
    struct id128 id;
    int rc = report_parse("show", argc, argv, ":h", 1, "a transfer ID128", cmd_show_usage, &a);

    if (rc >= 0) {
        return rc;
    }
    if (cli_parse_id128(argv[optind], &id) != 0) {
        return CLI_EXIT_USAGE;
    }
    rc = cli_view_open(c, &v);
    if (rc != 0) {
        return rc;
    }
    rc = store_transfer_get(v.store, id, &t, &err);
    if (rc == MDT_E(NOTFOUND)) {
        cli_error("no transfer or rejection has id '%s': check the id printed by 'mandat "
                  "transfer' or 'mandat statement'",
                  argv[optind]);
        rc = CLI_EXIT_REFUSED;
    } else if (rc < 0) {
        cli_error("cannot read transfer '%s': %s", argv[optind], err.msg);
        rc = CLI_EXIT_USAGE;
    } else {
        f.account_ids[0] = t.debit_account_id;
        f.id = id;
        cli_facts_get(v.ledger, &f);
        show_transfer(c, &t, &f,
                      f.have_account[0] ? f.accounts[0].currency : c->cfg.ledger.default_currency);
    }
    cli_view_close(&v);
    return rc;
}

/* ---- check ---- */

static void check_report(void *ctx, const char *text)
{
    (void)ctx;
    printf("%s\n", text);
}

static int journal_count(void *ctx, const struct journal_entry *e)
{
    (void)e;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Replay into a fresh view. A row that contradicts the view is a violation, not an I/O error:
 * the rest of the check still runs on what replayed. Returns 0 or CLI_EXIT_USAGE. */
static int check_replay(struct cli *c, struct store *s, struct ledger **l, uint64_t *violations)
{
    struct mdt_err err = {0};
    int rc;

    if (ledger_create(&c->cfg.ledger, l) < 0) {
        cli_error("out of memory building the ledger view");
        return CLI_EXIT_USAGE;
    }
    rc = recovery_replay(s, *l, &err);
    if (rc == MDT_E(CORRUPT)) {
        printf("the log does not replay: %s\n", err.msg);
        (*violations)++;
    } else if (rc < 0) {
        cli_error("cannot read '%s': %s", c->cfg.store_path, err.msg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
    struct report_args a = {0};
    struct ledger_totals tot = {0};
    struct mdt_err err = {0};
    struct store *s = NULL;
    struct ledger *l = NULL;
    uint64_t violations = 0, found = 0, entries = 0, short_posts = 0;
    int rc = report_parse("check", argc, argv, ":h", 0, "", cmd_check_usage, &a);

    if (rc >= 0) {
        return rc;
    }
    rc = cli_store_open(c, CLI_STORE_READ, &s);
    /* One snapshot for the replay and every check, so that mandatd committing meanwhile
     * cannot make them disagree. */
    if (rc == 0 && store_read_begin(s, &err) < 0) {
        cli_error("cannot read '%s': %s", c->cfg.store_path, err.msg);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == 0) {
        rc = check_replay(c, s, &l, &violations);
    }
    if (rc == 0 && (recovery_check(s, l, check_report, NULL, &found, &err) < 0 ||
                    store_journal(s, journal_count, &entries, &err) < 0 ||
                    cli_shortfalls_warn(c, s, &short_posts, &err) < 0)) {
        cli_error("cannot check '%s': %s", c->cfg.store_path, err.msg);
        rc = CLI_EXIT_USAGE;
    }
    if (s != NULL) {
        store_read_end(s);
    }
    if (rc != 0) {
        goto out;
    }
    violations += found;
    ledger_totals_get(l, &tot);
    printf("check: %" PRIu64 " accounts, %" PRIu64 " transfers, %" PRIu64 " rejections, %" PRIu64
           " journal entries%s\n",
           ledger_account_count(l), tot.transfers, tot.rejections, entries,
           violations == 0 ? ": ok" : "");
    if (short_posts > 0) {
        printf("check: %" PRIu64 " forced posts short of what the network paid (warnings, for "
               "the operator to recover: mandat card shortfalls)\n",
               short_posts);
    }
    if (violations > 0) {
        printf("check: %" PRIu64 " violations\n", violations);
        rc = CLI_EXIT_REFUSED;
    }
out:
    ledger_free(l);
    store_close(s);
    return rc;
}

/* ---- journal ---- */

struct journal_ctx {
    struct journal_entry *ring; /* the last limit entries, when limited */
    uint64_t limit, seen;
};

static void journal_print(const struct journal_entry *e)
{
    char when[CLI_TIME_MAX];

    printf("%8" PRIu64 "  %s  %-6s  ", e->seq, cli_time(e->created_us, when), e->kind);
    for (int i = 0; i < 8; i++) {
        printf("%02x", e->hash[i]);
    }
    printf("  %s\n", e->detail);
}

static int journal_row(void *ctx, const struct journal_entry *e)
{
    struct journal_ctx *j = ctx;

    if (j->ring == NULL) {
        journal_print(e);
    } else {
        j->ring[j->seen % j->limit] = *e;
    }
    j->seen++;
    return 0;
}

static int journal_run(struct cli *c, struct journal_ctx *j)
{
    struct mdt_err err = {0};
    struct store *s = NULL;
    uint64_t first;
    int rc = cli_store_open(c, CLI_STORE_READ, &s);

    if (rc != 0) {
        return rc;
    }
    printf("%8s  %-19s  %-6s  %-16s  %s\n", "SEQ", "TIME (UTC)", "KIND", "HASH", "DETAIL");
    if (store_journal(s, journal_row, j, &err) < 0) {
        cli_error("cannot read the journal of '%s': %s", c->cfg.store_path, err.msg);
        rc = CLI_EXIT_USAGE;
    }
    first = j->seen > j->limit ? j->seen - j->limit : 0;
    for (uint64_t i = first; rc == 0 && j->ring != NULL && i < j->seen; i++) {
        journal_print(&j->ring[i % j->limit]);
    }
    store_close(s);
    return rc;
}

int cmd_journal(struct cli *c, int argc, char **argv)
{
    struct report_args a = {0};
    struct journal_ctx j = {0};
    int rc = report_parse("journal", argc, argv, ":l:h", 0, "", cmd_journal_usage, &a);

    if (rc >= 0) {
        return rc;
    }
    if (a.limit != NULL) {
        if (cli_parse_uint(a.limit, "limit", JOURNAL_LIMIT_MAX, &j.limit) != 0) {
            return CLI_EXIT_USAGE;
        }
        if (j.limit == 0) {
            return cli_usage_error("journal", "--limit must be at least 1");
        }
        j.ring = calloc(j.limit, sizeof(*j.ring));
        if (j.ring == NULL) {
            cli_error("out of memory for %" PRIu64 " journal entries", j.limit);
            return CLI_EXIT_USAGE;
        }
    }
    rc = journal_run(c, &j);
    free(j.ring);
    return rc;
}
