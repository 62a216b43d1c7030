/* SPDX-License-Identifier: Apache-2.0 */
/* The mandat command: declarations shared by the dispatcher (main.c), the commands
 * (cmd_*.c) and their helpers (cli_util.c): options, opening the store, the view or the engine,
 * parsing what people type, and explaining the ledger's refusals. */
#ifndef MDT_CLI_CLI_H
#define MDT_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "base/money.h"
#include "engine/engine.h"
#include "ledger/ledger.h"
#include "mandatd/config.h"
#include "store/store.h"

/* Exit statuses of every command. */
enum cli_exit {
    CLI_EXIT_OK = 0,      /* done */
    CLI_EXIT_REFUSED = 1, /* the ledger refused, something was not found, check found violations */
    CLI_EXIT_USAGE = 2,   /* bad command line, unreadable config, store I/O error */
};

/* Global options and the configuration, shared by all commands. */
struct cli {
    const char *config_path; /* --config, or NULL */
    const char *db_path;     /* --db, or NULL */
    bool loaded;             /* cfg holds the configuration */
    struct mandat_config cfg;
};

/* A command: name, entry point (argv[0] is the command name; returns an exit status), usage
 * text writer (with examples) and a one-line summary for 'mandat --help'. */
struct cli_command {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv);
    void (*usage)(FILE *out);
    const char *summary;
};

/* ---- commands (cmd_account.c, cmd_transfer.c, cmd_report.c) ---- */

int cmd_init(struct cli *c, int argc, char **argv);
void cmd_init_usage(FILE *out);
int cmd_account(struct cli *c, int argc, char **argv);
void cmd_account_usage(FILE *out);
/* `mandat account code-reset complete|cancel NUMBER` (cmd_code.c); argv[0] is "code-reset". */
void cmd_code_reset_usage(FILE *out);
int cmd_account_code_reset(struct cli *c, int argc, char **argv);
int cmd_transfer(struct cli *c, int argc, char **argv);
void cmd_transfer_usage(FILE *out);
int cmd_post(struct cli *c, int argc, char **argv);
void cmd_post_usage(FILE *out);
int cmd_void(struct cli *c, int argc, char **argv);
void cmd_void_usage(FILE *out);
int cmd_statement(struct cli *c, int argc, char **argv);
void cmd_statement_usage(FILE *out);
int cmd_show(struct cli *c, int argc, char **argv);
void cmd_show_usage(FILE *out);
int cmd_check(struct cli *c, int argc, char **argv);
/* mandat migrate --to postgresql://... (cmd_migrate.c). */
int cmd_migrate(struct cli *c, int argc, char **argv);
void cmd_migrate_usage(FILE *out);
void cmd_check_usage(FILE *out);
int cmd_journal(struct cli *c, int argc, char **argv);
void cmd_journal_usage(FILE *out);

/* ---- the dev phone and charities (cmd_sms.c) ---- */

int cmd_sms(struct cli *c, int argc, char **argv);
void cmd_sms_usage(FILE *out);
int cmd_phone(struct cli *c, int argc, char **argv);
void cmd_phone_usage(FILE *out);
int cmd_association(struct cli *c, int argc, char **argv);
void cmd_association_usage(FILE *out);
int cmd_campaign(struct cli *c, int argc, char **argv);
void cmd_campaign_usage(FILE *out);
int cmd_merchant(struct cli *c, int argc, char **argv);
void cmd_merchant_usage(FILE *out);
int cmd_webhook(struct cli *c, int argc, char **argv);
void cmd_webhook_usage(FILE *out);

/* ---- a SIP trunk's digest credentials (cmd_sip.c) ---- */

int cmd_sip_user(struct cli *c, int argc, char **argv);
void cmd_sip_user_usage(FILE *out);

/* ---- the phone channel's prompts (cmd_prompt.c) ---- */

int cmd_prompt(struct cli *c, int argc, char **argv);
void cmd_prompt_usage(FILE *out);

/* ---- cards (cmd_card.c) ---- */

int cmd_card(struct cli *c, int argc, char **argv);

/* ---- the ISO 8583 host's forced posts short (cmd_shortfall.c) ---- */

/* mandat card shortfalls: the forced posts that took less than the network asked (the card
 * had less), with the card, the amounts and the request's key and original. Returns 0 or an
 * exit status (printed). */
int cmd_card_shortfalls(struct cli *c);
/* mandat check's warnings of the same (printed one a line, "warning: ..."), in the caller's
 * read snapshot of s; *count how many. A shortfall is money the operator recovers, not a
 * broken invariant: the caller does not count it as a violation. 0, or a negative code with
 * err. */
int cli_shortfalls_warn(struct cli *c, struct store *s, uint64_t *count, struct mdt_err *err);

/* ---- exchange rates of the ISO 8583 host (cmd_rates.c) ---- */

void cmd_rates_usage(FILE *out);
int cmd_rates(struct cli *c, int argc, char **argv);
void cmd_card_usage(FILE *out);
int cmd_vault(struct cli *c, int argc, char **argv);
void cmd_vault_usage(FILE *out);
/* Make the card key ring ([cards] key_ring) when missing (mandat init). Returns 0 or
 * CLI_EXIT_USAGE (printed). */
int cli_card_ring_create(struct cli *c);

/* ---- messages (cli_util.c) ---- */

/* Print "mandat: <message>" and a newline to stderr. Git style: lowercase, no final period,
 * what is wrong first, the subject quoted, what to do last. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print a usage error about command cmd, point to 'mandat help cmd', return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report what getopt_long returned for a bad option (c is '?' or ':', optstring starting with
 * ':'); argv is the command's argv. Returns CLI_EXIT_USAGE. */
int cli_option_error(const char *cmd, int c, char **argv);

/* Reset getopt_long for a new argv (the commands parse their own options). */
void cli_getopt_reset(void);

/* Check that exactly want positional arguments remain after the options (argv[optind..]);
 * names are used in the message. Returns 0 or CLI_EXIT_USAGE. */
int cli_positional(const char *cmd, int argc, char **argv, int want, const char *names);

/* ---- configuration and store (cli_util.c) ---- */

/* Load the configuration once: --config FILE, else ./mandat.conf if it exists, else the
 * built-in defaults; --db overrides [store] path. Returns 0 or CLI_EXIT_USAGE (printed). */
int cli_config_load(struct cli *c);

enum cli_store_mode {
    CLI_STORE_READ = 0,   /* readers: list, show, statement, check, journal */
    CLI_STORE_WRITE = 1,  /* writers on an existing database */
    CLI_STORE_CREATE = 2, /* mandat init: create the file and schema when missing */
};

/* Open the configured store. *out: store_close(). Returns 0 or CLI_EXIT_USAGE (printed). */
int cli_store_open(struct cli *c, enum cli_store_mode mode, struct store **out);

/* A read-only view: the store and the ledger rebuilt from it (no engine, no thread). */
struct cli_view {
    struct store *store;
    struct ledger *ledger;
};

/* Open the store read-only and replay it into a new ledger view. On failure prints the error,
 * leaves nothing open and returns CLI_EXIT_USAGE. Release with cli_view_close. */
int cli_view_open(struct cli *c, struct cli_view *v);
void cli_view_close(struct cli_view *v);

/* The writer: the store and a running engine (which replays the whole log at start). */
struct cli_engine {
    struct store *store;
    struct engine *engine;
};

/* Open the store (mode WRITE or CREATE) and start the engine. On failure prints the error,
 * leaves nothing open and returns CLI_EXIT_USAGE. Release with cli_engine_close. */
int cli_engine_open(struct cli *c, enum cli_store_mode mode, struct cli_engine *e);
void cli_engine_close(struct cli_engine *e);

/* Execute one operation and wait until it is durable. Returns 0 (see res->reason) or
 * CLI_EXIT_USAGE when the engine could not commit (printed). */
int cli_engine_execute(struct cli_engine *e, const struct ledger_op *op, struct ledger_result *res);

/* Open the engine (cli_engine_open, WRITE) and in it a new account of kind in the default
 * currency, for the commands that create a merchant, an association or a card and then write
 * its row with the same engine. On 0, *account_id is the new account and e is open (the caller
 * closes it); on failure (printed) e is closed and CLI_EXIT_USAGE returned. */
int cli_account_open(struct cli *c, enum account_kind kind, struct cli_engine *e,
                     uint64_t *account_id);

/* Facts copied out of a ledger view: up to two accounts, a transfer and the transfer it links
 * to, and the total of its fee legs. Fill the (in) fields, then call cli_facts_get (from a
 * view) or cli_engine_facts (from the engine's view, between batches). */
struct cli_facts {
    uint64_t account_ids[2]; /* (in) 0 = none */
    struct id128 id;         /* (in) transfer to look up; zero = none */
    struct id128 link_id;    /* (in) the pending or original it names; zero = none */
    bool have_account[2];
    struct account accounts[2];
    bool have_transfer;
    struct transfer transfer; /* ledger_transfer_find: no ext_ref, no link_id */
    bool have_link;
    struct transfer link;
    int64_t fees; /* sum of the fee legs the ledger derived from id */
    uint64_t system_bank, system_fees;
};
void cli_facts_get(const struct ledger *l, struct cli_facts *f);
void cli_engine_facts(struct cli_engine *e, struct cli_facts *f);

/* ---- parsing (cli_util.c) ---- */

/* Account id: decimal digits only, 1..UINT64_MAX ("'12x' is not an account id").
 * Returns 0 or CLI_EXIT_USAGE (printed). */
int cli_parse_account_id(const char *text, uint64_t *out);

/* 128-bit id with id128_parse; zero is refused. Returns 0 or CLI_EXIT_USAGE (printed). */
int cli_parse_id128(const char *text, struct id128 *out);

/* Unsigned decimal integer at most max; what names it in errors ("tier").
 * Returns 0 or CLI_EXIT_USAGE (printed). */
int cli_parse_uint(const char *text, const char *what, uint64_t max, uint64_t *out);

/* Amount as people type it ("10", "10,50", "10.50 €") in currency cur; an amount naming
 * another currency, or zero, is refused. Returns 0 or CLI_EXIT_USAGE (printed). */
int cli_parse_amount(const char *text, const char *cur, int64_t *out);

/* The currency with ISO 4217 code text; NULL (printed) when unknown. */
const struct currency *cli_parse_currency(const char *text);

/* ---- formatting (cli_util.c) ---- */

#define CLI_TIME_MAX 24 /* "2026-11-23 10:00:00" and NUL */

/* Amount in currency code cur for tables, CSV and JSON: "1000.50" (buf: MONEY_FORMAT_MAX).
 * Returns buf. */
const char *cli_money_plain(int64_t amount, const char *cur, char *buf);

/* Amount for sentences, money_format in English: "€1,000.50". Returns buf. */
const char *cli_money_human(int64_t amount, const char *cur, char *buf);

/* UTC date and time, "2026-11-23 10:00:00" (buf: CLI_TIME_MAX). Returns buf. */
const char *cli_time(int64_t us, char *buf);

/* Set key_minor (integer minor units) and key (plain string "10.50") on a JSON object. */
void cli_json_money(json_t *obj, const char *key, int64_t amount, const char *cur);

/* Write root to stdout, indented, with a final newline; steals the reference. Returns 0 or
 * CLI_EXIT_USAGE. */
int cli_json_print(json_t *root);

/* Name of an account status ("active", "frozen", "closed"). */
const char *cli_status_name(int status);

/* ---- refusals (cli_util.c) ---- */

/* Print "mandat: <what> refused: <reason name>: <explanation and what to do>" for a ledger
 * refusal of op, with facts gathered after the refusal (the accounts and transfers it names).
 * Returns CLI_EXIT_REFUSED. */
int cli_refusal(const struct cli *c, const char *what, const struct ledger_op *op,
                const struct ledger_result *res, const struct cli_facts *f);

#endif
