/* SPDX-License-Identifier: Apache-2.0 */
/* mandat: the operator's command line. Parses the global options, dispatches to a command, and
 * prints usage ('mandat --help', 'mandat help CMD', 'mandat CMD --help'). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_command commands[] = {
    {"init", cmd_init, cmd_init_usage, "create the database and the system accounts"},
    {"account", cmd_account, cmd_account_usage, "open, list, show, freeze, close accounts"},
    {"transfer", cmd_transfer, cmd_transfer_usage, "move money, or hold it (--pending)"},
    {"post", cmd_post, cmd_post_usage, "post a pending transfer, fully or partly"},
    {"void", cmd_void, cmd_void_usage, "void a pending transfer: release its hold"},
    {"statement", cmd_statement, cmd_statement_usage, "every transfer of an account"},
    {"show", cmd_show, cmd_show_usage, "one transfer or rejection, all fields"},
    {"check", cmd_check, cmd_check_usage, "verify every invariant of the books"},
    {"journal", cmd_journal, cmd_journal_usage, "the audit journal (hash chain)"},
    {"migrate", cmd_migrate, cmd_migrate_usage, "copy the SQLite store into PostgreSQL"},
    {"association", cmd_association, cmd_association_usage, "give a charity a donation keyword"},
    {"campaign", cmd_campaign, cmd_campaign_usage, "a hashtag for donations, with a public total"},
    {"merchant", cmd_merchant, cmd_merchant_usage, "merchants of the HTTP API and their keys"},
    {"webhook", cmd_webhook, cmd_webhook_usage, "merchants' events: list, replay, secret"},
    {"card", cmd_card, cmd_card_usage, "prepaid cards: issue, list, show, block"},
    {"rates", cmd_rates, cmd_rates_usage, "exchange rates of the ISO 8583 host's cards"},
    {"vault", cmd_vault, cmd_vault_usage, "rotate the card numbers' encryption key"},
    {"sms", cmd_sms, cmd_sms_usage, "send an SMS to mandatd as if from a phone"},
    {"phone", cmd_phone, cmd_phone_usage, "an interactive phone on mandatd"},
    {"prompt", cmd_prompt, cmd_prompt_usage, "hear a phone prompt (WAV) or its words"},
    {"sip-user", cmd_sip_user, cmd_sip_user_usage, "a SIP trunk's digest line for [sip] auth_file"},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: mandat [--config FILE] [--db PATH] COMMAND [ARGS]\n"
                 "\n"
                 "The operator's tool for the mandat ledger. Global options:\n"
                 "  --config FILE  configuration (default: ./mandat.conf if it exists, else the\n"
                 "                 built-in defaults)\n"
                 "  --db PATH      database file, overrides [store] path\n"
                 "  --help         this text; 'mandat help COMMAND' for one command\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n"
                 "Examples:\n"
                 "  mandat init\n"
                 "  mandat account open wallet --tier 1\n"
                 "  mandat transfer --from 1 --to 5 --amount 100 --kind topup\n"
                 "  mandat --db /var/lib/mandat/mandat.db statement 5 --csv\n"
                 "\n"
                 "Exit status: 0 done, 1 refused, not found or check failed, 2 usage or I/O "
                 "error.\n");
}

static const struct cli_command *command_find(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

/* mandat help [COMMAND] */
static int help(int argc, char **argv)
{
    const struct cli_command *cmd;

    if (argc < 2 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 2) {
        return cli_usage_error("help", "unexpected argument '%s'", argv[2]);
    }
    cmd = command_find(argv[1]);
    if (cmd == NULL) {
        cli_error("'%s' is not a mandat command: see 'mandat --help'", argv[1]);
        return CLI_EXIT_USAGE;
    }
    cmd->usage(stdout);
    return CLI_EXIT_OK;
}

/* Global options, up to the command name ('+': stop at the first non-option). Returns -1 to go
 * on, or an exit status. */
static int parse_global(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

    opterr = 0;
    for (;;) {
        int opt = getopt_long(argc, argv, "+:c:d:h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 'c') {
            c->config_path = optarg;
        } else if (opt == 'd') {
            c->db_path = optarg;
        } else if (opt == 'h') {
            usage(stdout);
            return CLI_EXIT_OK;
        } else {
            cli_option_error("mandat", opt, argv);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("no command given: see 'mandat --help'");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct cli *c = calloc(1, sizeof(*c));
    const struct cli_command *cmd;
    int rc;

    if (c == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_USAGE;
    }
    rc = parse_global(c, argc, argv);
    if (rc >= 0) {
        goto out;
    }
    argc -= optind;
    argv += optind;
    if (strcmp(argv[0], "help") == 0) {
        rc = help(argc, argv);
        goto out;
    }
    cmd = command_find(argv[0]);
    if (cmd == NULL) {
        cli_error("'%s' is not a mandat command: see 'mandat --help'", argv[0]);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    cli_getopt_reset();
    rc = cmd->run(c, argc, argv);
out:
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        cli_error("cannot write to the standard output");
        rc = CLI_EXIT_USAGE;
    }
    free(c);
    return rc;
}
