/* SPDX-License-Identifier: Apache-2.0 */
/* mandat migrate --to postgresql://...: the configured SQLite store copied, whole, into an empty
 * PostgreSQL store (store_migrate_to_pg), after which mandat check on the copy verifies the same
 * journal and the same books. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "store/store.h"

void cmd_migrate_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat migrate --to postgresql://USER@HOST:PORT/DB[?passfile=FILE]\n"
            "\n"
            "Copy every row of the SQLite database (the [store] path of the config, or --db)\n"
            "into an empty PostgreSQL database, in one transaction: the ledger's log, the\n"
            "journal as it is (same hashes), the channels' rows. Stop mandatd first. Then\n"
            "set [store] path to the URI. The password goes in a passfile, never in the URI.\n"
            "\n"
            "Examples:\n"
            "  mandat migrate --to 'postgresql://mandat@db/mandat?passfile=/etc/mandat/pgpass'\n"
            "  mandat --db 'postgresql://mandat@db/mandat?passfile=/etc/mandat/pgpass' check\n");
}

static int migrate_parse(int argc, char **argv, const char **to)
{
    static const struct option opts[] = {
        {"to", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

    for (;;) {
        int opt = getopt_long(argc, argv, ":t:h", opts, NULL);

        if (opt == -1) {
            break;
        }
        if (opt == 't') {
            *to = optarg;
        } else if (opt == 'h') {
            cmd_migrate_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("migrate", opt, argv);
        }
    }
    if (*to == NULL) {
        return cli_usage_error("migrate", "--to postgresql://... is required");
    }
    return cli_positional("migrate", argc, argv, 0, "") == 0 ? -1 : CLI_EXIT_USAGE;
}

int cmd_migrate(struct cli *c, int argc, char **argv)
{
    const char *to = NULL;
    struct mdt_err err = {0};
    uint64_t rows = 0;
    int rc = migrate_parse(argc, argv, &to);

    if (rc >= 0) {
        return rc;
    }
    rc = cli_config_load(c);
    if (rc != 0) {
        return rc;
    }
    rc = store_migrate_to_pg(c->cfg.store_path, to, &rows, &err);
    if (rc < 0) {
        cli_error("cannot migrate '%s': %s", c->cfg.store_path, err.msg);
        return rc == MDT_E(EXISTS) || rc == MDT_E(SCHEMA) ? CLI_EXIT_REFUSED : CLI_EXIT_USAGE;
    }
    printf("migrated %" PRIu64 " rows from '%s' to PostgreSQL: check the copy with"
           " mandat --db URI check\n",
           rows, c->cfg.store_path);
    return CLI_EXIT_OK;
}
