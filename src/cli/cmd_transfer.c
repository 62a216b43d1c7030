/* SPDX-License-Identifier: Apache-2.0 */
/* mandat transfer, post and void: move money or hold it, then post (fully or partly) or void the
 * hold. Each operation carries a 128-bit id, printed so that a retry with --id is idempotent. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "base/id128.h"
#include "cli/cli.h"

void cmd_transfer_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat transfer --from ID --to ID --amount AMOUNT [--kind KIND]\n"
            "                       [--pending [--timeout SECONDS]] [--fee NAME]...\n"
            "                       [--ref TEXT] [--refund-of ID128] [--id ID128]\n"
            "\n"
            "Move AMOUNT from one account to another of the same currency. AMOUNT is read in\n"
            "the currency of --from, as people write it: 10, 10,50, 10.50, '10.50 EUR'.\n"
            "  --kind KIND        p2p (default), topup, donation, payment, refund, card_load,\n"
            "                     withdrawal or payout; limits depend on it\n"
            "  --pending          hold the funds only; then 'mandat post' or 'mandat void'\n"
            "  --timeout SECONDS  release the hold after this long (default: [ledger] config)\n"
            "  --fee NAME         apply fee schedule NAME of the config (at most 2)\n"
            "  --ref TEXT         external reference, up to 63 bytes\n"
            "  --refund-of ID128  the transfer this refunds (implies --kind refund)\n"
            "  --id ID128         the operation's id (default: random, printed); repeating a\n"
            "                     command with the same --id never moves money twice\n"
            "\n"
            "Examples:\n"
            "  mandat transfer --from 1 --to 5 --amount 100 --kind topup\n"
            "  mandat transfer --from 5 --to 6 --amount 12,50 --ref 'order 42'\n"
            "  mandat transfer --from 5 --to 7 --amount 30 --kind payment --pending --fee "
            "merchant_standard\n"
            "  mandat transfer --from 7 --to 5 --amount 5 --refund-of 0123456789abcdef0123456789"
            "abcdef\n");
}

void cmd_post_usage(FILE *out)
{
    fprintf(out, "usage: mandat post PENDING_ID [--amount AMOUNT] [--id ID128]\n"
                 "\n"
                 "Post a pending transfer: the held amount moves for good. With --amount, post\n"
                 "only part of it; the rest of the hold is released.\n"
                 "  --amount AMOUNT  at most the held amount (default: all of it)\n"
                 "  --id ID128       this operation's id (default: random, printed)\n"
                 "\n"
                 "Examples:\n"
                 "  mandat post 0123456789abcdef0123456789abcdef\n"
                 "  mandat post 0123456789abcdef0123456789abcdef --amount 7.50\n");
}

void cmd_void_usage(FILE *out)
{
    fprintf(out, "usage: mandat void PENDING_ID [--id ID128]\n"
                 "\n"
                 "Void a pending transfer: its hold is released and nothing moves.\n"
                 "  --id ID128  this operation's id (default: random, printed)\n"
                 "\n"
                 "Example:\n"
                 "  mandat void 0123456789abcdef0123456789abcdef\n");
}

struct transfer_args {
    const char *from, *to, *amount, *kind, *timeout, *ref, *refund_of, *id;
    const char *fees[TRANSFER_FEES_MAX];
    int fee_count;
    bool pending;
};

/* ---- output ---- */

/* What happened, from the view after the commit, so that a retry prints the same lines. */
static void print_result(const struct cli_facts *f, const struct ledger_op *op,
                         const struct ledger_result *res)
{
    const struct transfer *t = &f->transfer;
    const char *cur = f->have_account[0] ? f->accounts[0].currency : "";
    char id[ID128_TEXT_MAX], link[ID128_TEXT_MAX];
    char amount[MONEY_FORMAT_MAX], fees[MONEY_FORMAT_MAX], when[CLI_TIME_MAX];
    const char *state = transfer_state_name(t->state);

    id128_format(op->transfer.id, id);
    if (op->transfer.flags & TRANSFER_POST_PENDING) {
        state = "posted";
    } else if (op->transfer.flags & TRANSFER_VOID_PENDING) {
        state = "voided";
    }
    if (res->duplicate) {
        cli_error("note: operation %s was already done: this is its first result", id);
    }
    printf("%-10s %s\n%-10s %s\n", "id", id, "state", state);
    if (op->transfer.flags & (TRANSFER_POST_PENDING | TRANSFER_VOID_PENDING)) {
        id128_format(op->transfer.link_id, link);
        printf("%-10s %s\n", "pending", link);
    }
    printf("%-10s %s %.3s\n%-10s %s %.3s\n", "amount", cli_money_plain(t->amount, cur, amount), cur,
           "fees", cli_money_plain(f->fees, cur, fees), cur);
    printf("%-10s %" PRIu64 "\n%-10s %" PRIu64 "\n", "from", t->debit_account_id, "to",
           t->credit_account_id);
    if (t->state == TRANSFER_STATE_PENDING) {
        printf("%-10s %s UTC\n", "expires", cli_time(t->expires_us, when));
    }
    printf("%-10s %s UTC\n", "timestamp", cli_time(t->timestamp_us, when));
}

/* Execute op, then print its result or explain its refusal with the facts of the accounts
 * involved (debit, credit). Returns an exit status. */
static int execute_and_print(struct cli *c, struct cli_engine *e, const char *what,
                             const struct ledger_op *op, uint64_t debit, uint64_t credit)
{
    struct ledger_result res = {0};
    struct cli_facts f = {0};
    int rc = cli_engine_execute(e, op, &res);

    if (rc != 0) {
        return rc;
    }
    f.account_ids[0] = debit;
    f.account_ids[1] = credit;
    f.id = op->transfer.id;
    f.link_id = op->transfer.link_id;
    cli_engine_facts(e, &f);
    if (res.reason != LEDGER_OK) {
        return cli_refusal(c, what, op, &res, &f);
    }
    if (!f.have_transfer) {
        cli_error("transfer done but not found in the ledger view: run 'mandat check'");
        return CLI_EXIT_USAGE;
    }
    print_result(&f, op, &res);
    return CLI_EXIT_OK;
}

/* The operation's id: --id, or a fresh random one. */
static int op_id(const char *text, struct id128 *out)
{
    if (text != NULL) {
        return cli_parse_id128(text, out);
    }
    if (id128_random(out) < 0) {
        cli_error("cannot draw a random id from the kernel: pass --id");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* ---- transfer ---- */

static int transfer_opt(struct transfer_args *a, int opt, char **argv)
{
    switch (opt) {
    case 'f':
        a->from = optarg;
        break;
    case 't':
        a->to = optarg;
        break;
    case 'a':
        a->amount = optarg;
        break;
    case 'k':
        a->kind = optarg;
        break;
    case 'p':
        a->pending = true;
        break;
    case 'T':
        a->timeout = optarg;
        break;
    case 'F':
        if (a->fee_count >= TRANSFER_FEES_MAX) {
            return cli_usage_error("transfer", "at most %d --fee per transfer", TRANSFER_FEES_MAX);
        }
        a->fees[a->fee_count++] = optarg;
        break;
    case 'r':
        a->ref = optarg;
        break;
    case 'R':
        a->refund_of = optarg;
        break;
    case 'i':
        a->id = optarg;
        break;
    default:
        return cli_option_error("transfer", opt, argv);
    }
    return -1;
}

static int transfer_parse(int argc, char **argv, struct transfer_args *a)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"amount", required_argument, NULL, 'a'},
                                         {"kind", required_argument, NULL, 'k'},
                                         {"pending", no_argument, NULL, 'p'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"fee", required_argument, NULL, 'F'},
                                         {"ref", required_argument, NULL, 'r'},
                                         {"refund-of", required_argument, NULL, 'R'},
                                         {"id", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int rc = -1;

    while (rc < 0) {
        int opt = getopt_long(argc, argv, ":f:t:a:k:pT:F:r:R:i:h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'h') {
            cmd_transfer_usage(stdout);
            return CLI_EXIT_OK;
        }
        rc = transfer_opt(a, opt, argv);
    }
    if (rc < 0 && cli_positional("transfer", argc, argv, 0, "") != 0) {
        rc = CLI_EXIT_USAGE;
    }
    if (rc < 0 && (a->from == NULL || a->to == NULL || a->amount == NULL)) {
        rc = cli_usage_error("transfer", "'transfer' needs --from, --to and --amount");
    }
    if (rc < 0 && a->timeout != NULL && !a->pending) {
        rc = cli_usage_error("transfer", "--timeout applies to pending transfers: add --pending");
    }
    return rc;
}

/* Everything but the amount, which needs the currency of the debited account. */
static int transfer_build(const struct cli *c, const struct transfer_args *a, struct transfer *t)
{
    int kind = TRANSFER_P2P;
    uint64_t timeout = 0;

    if (a->kind != NULL) {
        kind = transfer_kind_parse(a->kind);
    } else if (a->refund_of != NULL) {
        kind = TRANSFER_REFUND;
    }
    if (kind < 0 || kind == TRANSFER_FEE) {
        return cli_usage_error("transfer", "'%s' is not a transfer kind", a->kind);
    }
    t->kind = (uint16_t)kind;
    if (cli_parse_account_id(a->from, &t->debit_account_id) != 0 ||
        cli_parse_account_id(a->to, &t->credit_account_id) != 0 || op_id(a->id, &t->id) != 0 ||
        (a->refund_of != NULL && cli_parse_id128(a->refund_of, &t->link_id) != 0) ||
        (a->timeout != NULL && cli_parse_uint(a->timeout, "timeout", UINT32_MAX, &timeout))) {
        return CLI_EXIT_USAGE;
    }
    t->timeout_s = (uint32_t)timeout;
    t->flags = a->pending ? TRANSFER_PENDING : 0;
    for (int i = 0; i < a->fee_count; i++) {
        uint32_t sid = ledger_config_fee_find(&c->cfg.ledger, a->fees[i]);

        if (sid == 0) {
            return cli_usage_error("transfer", "fee schedule '%s' is not in the config",
                                   a->fees[i]);
        }
        t->fee_schedules[i] = (uint16_t)sid;
    }
    if (a->ref != NULL && strlen(a->ref) >= sizeof(t->ext_ref)) {
        return cli_usage_error("transfer", "--ref is longer than %zu bytes",
                               sizeof(t->ext_ref) - 1);
    }
    snprintf(t->ext_ref, sizeof(t->ext_ref), "%s", a->ref != NULL ? a->ref : "");
    return 0;
}

int cmd_transfer(struct cli *c, int argc, char **argv)
{
    struct transfer_args a = {0};
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
    struct cli_facts f = {0};
    struct cli_engine e = {0};
    int rc = transfer_parse(argc, argv, &a);

    if (rc >= 0) {
        return rc;
    }
    rc = cli_config_load(c);
    if (rc == 0) {
        rc = transfer_build(c, &a, &op.transfer);
    }
    if (rc == 0) {
        rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    }
    if (rc != 0) {
        return rc;
    }
    /* An unknown --from is left to the ledger, which refuses and records it. */
    f.account_ids[0] = op.transfer.debit_account_id;
    cli_engine_facts(&e, &f);
    rc = cli_parse_amount(
        a.amount, f.have_account[0] ? f.accounts[0].currency : c->cfg.ledger.default_currency,
        &op.transfer.amount);
    if (rc == 0) {
        rc = execute_and_print(c, &e, "transfer", &op, op.transfer.debit_account_id,
                               op.transfer.credit_account_id);
    }
    cli_engine_close(&e);
    return rc;
}

/* ---- post, void ---- */

static int close_parse(const char *cmd, int argc, char **argv, const char **amount, const char **id)
{
    static const struct option opts[] = {{"amount", required_argument, NULL, 'a'},
                                         {"id", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool post = strcmp(cmd, "post") == 0;

    for (;;) {
        int opt = getopt_long(argc, argv, post ? ":a:i:h" : ":i:h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'a' && !post) {
            return cli_usage_error(cmd, "'void' takes no --amount: it releases the whole hold");
        }
        if (opt == 'a') {
            *amount = optarg;
        } else if (opt == 'i') {
            *id = optarg;
        } else if (opt == 'h' && post) {
            cmd_post_usage(stdout);
            return CLI_EXIT_OK;
        } else if (opt == 'h') {
            cmd_void_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error(cmd, opt, argv);
        }
    }
    return cli_positional(cmd, argc, argv, 1, "the id of a pending transfer") ? CLI_EXIT_USAGE : -1;
}

/* mandat post and mandat void: one op naming the pending transfer by link_id. */
static int close_pending(struct cli *c, int argc, char **argv, uint16_t flag)
{
    const char *cmd = flag == TRANSFER_POST_PENDING ? "post" : "void";
    const char *amount = NULL, *id = NULL;
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
    struct cli_facts p = {0};
    struct cli_engine e = {0};
    int rc = close_parse(cmd, argc, argv, &amount, &id);

    if (rc >= 0) {
        return rc;
    }
    op.transfer.flags = flag;
    if (cli_parse_id128(argv[optind], &op.transfer.link_id) != 0 ||
        op_id(id, &op.transfer.id) != 0) {
        return CLI_EXIT_USAGE;
    }
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc != 0) {
        return rc;
    }
    /* The pending transfer gives the accounts, the currency of --amount and the kind. */
    p.id = op.transfer.link_id;
    cli_engine_facts(&e, &p);
    if (p.have_transfer) {
        p.account_ids[0] = p.transfer.debit_account_id;
        p.account_ids[1] = p.transfer.credit_account_id;
        op.transfer.kind = p.transfer.kind;
        cli_engine_facts(&e, &p);
    }
    if (amount != NULL) {
        rc = cli_parse_amount(
            amount, p.have_account[0] ? p.accounts[0].currency : c->cfg.ledger.default_currency,
            &op.transfer.amount);
    }
    if (rc == 0) {
        rc = execute_and_print(c, &e, cmd, &op, p.account_ids[0], p.account_ids[1]);
    }
    cli_engine_close(&e);
    return rc;
}

int cmd_post(struct cli *c, int argc, char **argv)
{
    return close_pending(c, argc, argv, TRANSFER_POST_PENDING);
}

int cmd_void(struct cli *c, int argc, char **argv)
{
    return close_pending(c, argc, argv, TRANSFER_VOID_PENDING);
}
