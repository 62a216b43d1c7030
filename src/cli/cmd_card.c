/* SPDX-License-Identifier: Apache-2.0 */
/* `mandat card` and `mandat vault rotate`: prepaid cards (issue 13). Issuing makes a card number
 * from the configured BIN, seals it in the card vault, opens the card's ledger account and
 * prints the activation code once; the full number, expiry and name go only to the emboss file
 * for the card maker (0600). Everything else shows the BIN and the last four digits. A running
 * mandatd learns new cards and status changes within a second (or at SIGHUP). */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/id128.h"
#include "base/mem.h"
#include "cli/cli.h"
#include "dialog/card_input.h"
#include "dialog/card_issue.h"
#include "dialog/phone.h"
#include "vault/card_vault.h"
#include "vault/pin_block.h"
#include "vault/vault.h"

#define ROTATE_BATCH_DEFAULT 500 /* rows per transaction: milliseconds of the write lock */
#define ROTATE_BATCH_MAX 10000

void cmd_card_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat card issue --holder NAME [--phone NUMBER] --emboss FILE\n"
            "       mandat card list\n"
            "       mandat card show TOKEN|LAST4\n"
            "       mandat card block|unblock TOKEN\n"
            "       mandat card replace TOKEN --emboss FILE\n"
            "       mandat card pin TOKEN < PIN\n"
            "       mandat card shortfalls\n"
            "\n"
            "issue makes a card: a number in the [cards] bin range with a valid check digit,\n"
            "an account of kind card, an expiry [cards] expiry_years ahead, and an activation\n"
            "code for the card carrier, printed once (the holder activates the card by SMS:\n"
            "ACTIVER <last 4> <code>). The full number, the expiry and the name are written\n"
            "only to the emboss FILE (appended, mode 0600) for the card maker; mandat keeps the\n"
            "number encrypted in the card vault. Everything else shows BIN and last 4 only.\n"
            "block stops loads at once (not on a lost or expired card); unblock lifts it\n"
            "(not from a card past its expiry month: mandatd marks it expired for good).\n"
            "replace issues a new card to the same holder, phone and senders' aliases (a new\n"
            "activation code), moves the old card's balance to it in the same commit (a\n"
            "card_move, not a load: the yearly cap does not count it) and marks the old card\n"
            "lost for good.\n"
            "pin sets the card's PIN for ATMs (the ISO 8583 host), read from standard input\n"
            "(4 to 12 digits), kept as a keyed hash; it also clears the wrong tries (75).\n"
            "shortfalls lists the ISO 8583 host's forced posts (completions of operations it\n"
            "did not hold, which the network paid) that took less than asked because the card\n"
            "had less: the card, the amounts and the request, for the operator to recover.\n"
            "\n"
            "examples:\n"
            "  mandat card issue --holder 'AICHA BENALI' --phone +212612345678 --emboss cards.txt\n"
            "  mandat card show 4242\n"
            "  mandat card block card_0f3a...\n");
}

void cmd_vault_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat vault rotate [--batch N]\n"
            "\n"
            "rotate adds a key version to the card key ring ([cards] key_ring) and\n"
            "re-encrypts every stored card number under it, N per transaction (default %d),\n"
            "while mandatd runs: no payment waits more than one batch. Safe to run again,\n"
            "and to interrupt: what is left is re-encrypted by the next run.\n"
            "\n"
            "example:\n"
            "  mandat vault rotate\n",
            ROTATE_BATCH_DEFAULT);
}

int cli_card_ring_create(struct cli *c)
{
    struct card_vault *cv = NULL;
    struct mdt_err err = {0};

    if (card_vault_open(c->cfg.cards.key_ring, true, &cv, &err) < 0) {
        cli_error("cannot open the card key ring '%s': %s", c->cfg.cards.key_ring, err.msg);
        return CLI_EXIT_USAGE;
    }
    card_vault_close(cv);
    return 0;
}

/* ---- issue ---- */

/* Append the card maker's line to path (card_vault_emboss_append). */
static int emboss_write(const char *path, struct card_vault *cv, const struct card_pan_row *p,
                        const struct card_row *card)
{
    struct card_emboss line = {.token = p->token,
                               .sealed = p->sealed,
                               .sealed_len = p->sealed_len,
                               .exp_month = card->exp_month,
                               .exp_year = card->exp_year,
                               .holder = card->holder};
    struct mdt_err err = {0};

    if (card_vault_emboss_append(cv, path, &line, &err) < 0) {
        cli_error("%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

struct issue_args {
    const char *holder, *phone, *emboss;
};

/* The card's rows (card_issue_rows) with the phone typed on the command line. */
static int card_fill(struct cli *c, struct vault *v, const struct issue_args *a,
                     struct store_extra rows[2], char code[CARD_ACTIVATION_LEN + 1])
{
    char phone[STORE_ADDR_MAX] = "";
    struct mdt_err err = {0};
    struct card_issue_in in = {
        .holder = a->holder, .expiry_years = c->cfg.cards.expiry_years, .now_us = clock_now_us()};

    if (a->phone != NULL && phone_normalize(a->phone, c->cfg.sms.country, phone, &err) < 0) {
        return cli_usage_error("card", "--phone '%s': %s", a->phone, err.msg);
    }
    in.phone = a->phone != NULL ? phone : NULL;
    if (card_issue_rows(v, &in, rows, code) < 0) {
        cli_error("cannot make an activation code: no random bytes");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static void issue_print(const struct store_extra *rows, const char *code, const char *emboss)
{
    const struct card_pan_row *p = &rows[0].u.card_pan;
    const struct card_row *card = &rows[1].u.card;
    char mask[CARD_MASK_MAX];

    card_mask(p->bin, p->last4, (unsigned)(p->pan_len - strlen(p->bin) - 4), mask);
    printf("card %s issued: %s, account %" PRIu64 ", expires %02u/%u, holder %s\n", card->token,
           mask, card->account_id, card->exp_month, card->exp_year, card->holder);
    printf("activation code: %s (for the card carrier; shown once, kept only as a keyed hash)\n",
           code);
    printf("emboss: appended to %s (number, expiry and name for the card maker)\n", emboss);
}

/* Write the emboss line, then the card's number and row (its account is open). */
static int issue_commit(struct cli_engine *e, struct card_vault *cv, struct store_extra rows[2],
                        const char *emboss)
{
    /* The card maker's line first: a card in the books that nobody can emboss is worse than a
     * line for a card that failed to commit (the maker checks against `mandat card list`). */
    int rc = emboss_write(emboss, cv, &rows[0].u.card_pan, &rows[1].u.card);

    if (rc == 0) {
        rc = engine_execute_rows(e->engine, NULL, 0, rows, 2, NULL, NULL);
        if (rc < 0) {
            cli_error("cannot store the card: %s", mdt_strerror(rc));
            rc = CLI_EXIT_USAGE;
        }
    }
    return rc;
}

static int card_issue(struct cli *c, const struct issue_args *a)
{
    struct store_extra rows[2] = {{.kind = EXTRA_CARD_PAN}, {.kind = EXTRA_CARD}};
    struct card_vault *cv = NULL;
    struct vault *v = NULL;
    struct cli_engine e = {0};
    struct mdt_err err = {0};
    char code[CARD_ACTIVATION_LEN + 1] = "";
    int rc;

    if (card_vault_open(c->cfg.cards.key_ring, true, &cv, &err) < 0 ||
        vault_open(c->cfg.vault_key_file, true, &v, &err) < 0) {
        cli_error("cannot open the vault: %s", err.msg);
        card_vault_close(cv);
        return CLI_EXIT_USAGE;
    }
    rc = card_fill(c, v, a, rows, code);
    if (rc == 0) {
        rc = cli_account_open(c, ACCOUNT_CARD, &e, &rows[1].u.card.account_id);
    }
    if (rc == 0) {
        rc = card_issue_number(cv, e.store, c->cfg.cards.bin, &rows[0].u.card_pan);
        if (rc < 0) {
            cli_error("cannot make a card number: %s", mdt_strerror(rc));
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == 0) {
        rc = issue_commit(&e, cv, rows, a->emboss);
    }
    if (rc == 0) {
        issue_print(rows, code, a->emboss);
    }
    if (e.engine != NULL) {
        cli_engine_close(&e);
    }
    vault_wipe(code, sizeof(code));
    vault_wipe(rows, sizeof(rows));
    vault_close(v);
    card_vault_close(cv);
    return rc < 0 ? CLI_EXIT_USAGE : rc;
}

/* ---- list, show, block ---- */

struct card_find {
    const char *want; /* a token, a last4, or NULL for all */
    struct cli_view *view;
    struct card_row found;
    unsigned matches;
    bool print;
};

static void card_print(const struct card_row *r, const struct cli_view *view)
{
    char mask[CARD_MASK_MAX], phone[PHONE_MASK_MAX], money[MONEY_FORMAT_MAX];
    const struct account *a = ledger_account_get(view->ledger, r->account_id);
    int64_t balance = a != NULL ? a->credits_posted - a->debits_posted : 0;

    card_mask(r->bin, r->last4, (unsigned)(r->pan_len - strlen(r->bin) - 4), mask);
    phone_mask(r->phone, phone, sizeof(phone));
    /* A card past its month is expired even before mandatd has written it so. */
    printf("%-38s %-19s %-6" PRIu64 " %-8s %02u/%u %10s  %s%s%s\n", r->token, mask, r->account_id,
           card_status_name(card_status_now(r->status, r->exp_month, r->exp_year, clock_now_us())),
           r->exp_month, r->exp_year,
           cli_money_plain(balance, a != NULL ? a->currency : "EUR", money), r->holder,
           r->phone[0] != '\0' ? ", " : "", r->phone[0] != '\0' ? phone : "");
}

static int card_match(void *ctx, const struct card_row *r)
{
    struct card_find *f = ctx;

    if (f->want != NULL && strcmp(f->want, r->token) != 0 && strcmp(f->want, r->last4) != 0) {
        return 0;
    }
    f->matches++;
    f->found = *r;
    if (f->print) {
        card_print(r, f->view);
    }
    return 0;
}

static void card_header(void)
{
    printf("%-38s %-19s %-6s %-8s %-7s %10s  %s\n", "token", "card", "acct", "status", "expiry",
           "balance", "holder");
}

/* Cards matching want (NULL: all), printed when print. Returns 0 or an exit status. */
static int card_walk(struct cli *c, struct card_find *f)
{
    struct store_channel_fns fns = {.card = card_match};
    struct cli_view view = {0};
    struct mdt_err err = {0};
    int rc = cli_view_open(c, &view);

    if (rc != 0) {
        return rc;
    }
    f->view = &view;
    if (f->print) {
        card_header();
    }
    rc = store_channel_load(view.store, &fns, f, 0, &err);
    cli_view_close(&view);
    if (rc < 0) {
        cli_error("cannot read cards: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static int card_show(struct cli *c, const char *want)
{
    struct card_find f = {.want = want, .print = true};
    int rc = card_walk(c, &f);

    if (rc == 0 && f.matches == 0) {
        cli_error("no card '%s': see mandat card list", want);
        return CLI_EXIT_REFUSED;
    }
    return rc;
}

/* block: stops loads at once; unblock: a blocked card, back to active (inactive when its
 * holder never activated it). */
static int card_set_status(struct cli *c, const char *token, bool block)
{
    struct card_find f = {.want = token};
    struct store_extra row = {.kind = EXTRA_CARD};
    struct cli_engine e = {0};
    unsigned now;
    int rc = card_walk(c, &f);

    if (rc == 0 && (f.matches != 1 || strcmp(f.found.token, token) != 0)) {
        cli_error("no card with token '%s': see mandat card list", token);
        return CLI_EXIT_REFUSED;
    }
    now = rc == 0
              ? card_status_now(f.found.status, f.found.exp_month, f.found.exp_year, clock_now_us())
              : 0;
    if (rc == 0 && !block && now == CARD_STATUS_EXPIRED) {
        cli_error("card %s is expired: it cannot be unblocked (replace it)", token);
        return CLI_EXIT_REFUSED;
    }
    /* A lost card was replaced: blocking it would let unblock revive it. */
    if (rc == 0 && block && (now == CARD_STATUS_LOST || now == CARD_STATUS_EXPIRED)) {
        cli_error("card %s is %s: it takes no load already", token, card_status_name(now));
        return CLI_EXIT_REFUSED;
    }
    if (rc == 0 && !block && f.found.status != CARD_STATUS_BLOCKED) {
        cli_error("card %s is %s, not blocked: nothing to do", token,
                  card_status_name(f.found.status));
        return CLI_EXIT_REFUSED;
    }
    if (rc != 0) {
        return rc;
    }
    row.u.card = f.found;
    if (block) {
        row.u.card.status = CARD_STATUS_BLOCKED;
    } else {
        row.u.card.status = f.found.activated_us != 0 ? CARD_STATUS_ACTIVE : CARD_STATUS_INACTIVE;
    }
    row.u.card.updated_us = clock_now_us();
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc == 0) {
        rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
        cli_engine_close(&e);
        if (rc < 0) {
            cli_error("cannot change the card: %s", mdt_strerror(rc));
            return CLI_EXIT_USAGE;
        }
        printf("card %s ****%s %s\n", token, f.found.last4, card_status_name(row.u.card.status));
    }
    return rc;
}

/* pin: the card's PIN read from stdin, kept as its keyed hash; the wrong tries cleared. */
static int card_pin(struct cli *c, const char *token)
{
    struct card_find f = {.want = token};
    struct store_extra row = {.kind = EXTRA_CARD_PIN};
    struct cli_engine e = {0};
    struct vault *v = NULL;
    struct mdt_err err = {0};
    char pin[64] = "";
    int rc = card_walk(c, &f);

    if (rc == 0 && (f.matches != 1 || strcmp(f.found.token, token) != 0)) {
        cli_error("no card with token '%s': see mandat card list", token);
        return CLI_EXIT_REFUSED;
    }
    if (rc != 0) {
        return rc;
    }
    if (fgets(pin, sizeof(pin), stdin) == NULL) {
        pin[0] = '\0';
    }
    pin[strcspn(pin, "\r\n")] = '\0';
    rc = vault_open(c->cfg.vault_key_file, true, &v, &err) < 0 ? CLI_EXIT_USAGE : 0;
    if (rc != 0) {
        cli_error("%s", err.msg);
    } else if (pin_block_hash(v, f.found.token, pin, row.u.card_pin.pin_hash) < 0) {
        cli_error("a PIN is 4 to 12 digits");
        rc = CLI_EXIT_REFUSED;
    }
    vault_wipe(pin, sizeof(pin));
    vault_close(v);
    row.u.card_pin.account_id = f.found.account_id;
    row.u.card_pin.updated_us = clock_now_us();
    if (rc == 0) {
        rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    }
    if (rc == 0) {
        rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
        cli_engine_close(&e);
        if (rc < 0) {
            cli_error("cannot set the PIN: %s", mdt_strerror(rc));
            return CLI_EXIT_USAGE;
        }
        printf("card %s ****%s PIN set\n", token, f.found.last4);
    }
    return rc;
}

/* ---- replace ---- */

/* The aliases of one card, for a replacement to move them. */
struct alias_walk {
    uint64_t card_account;
    struct store_extra *rows; /* grown by mem_grow; the caller frees */
    size_t count, cap;
};

static int alias_collect(void *ctx, const struct card_alias_row *r)
{
    struct alias_walk *w = ctx;

    if (r->card_account != w->card_account) {
        return 0;
    }
    mem_grow((void **)&w->rows, &w->cap, w->count + 1, sizeof(*w->rows));
    memset(&w->rows[w->count], 0, sizeof(w->rows[w->count]));
    w->rows[w->count].kind = EXTRA_CARD_ALIAS;
    w->rows[w->count].u.card_alias = *r;
    w->rows[w->count].u.card_alias.card_account = 0; /* set to the new card's by the caller */
    w->count++;
    return 0;
}

/* The rows of a replacement: [0] the new card's number, [1] its row, [2] the old card lost,
 * then every alias of the old card (to point at the new one). *out (count in *n): the caller
 * frees. */
static int replace_rows(struct store *s, const struct card_row *old, struct store_extra **out,
                        size_t *n)
{
    struct alias_walk w = {.card_account = old->account_id};
    struct store_channel_fns fns = {.card_alias = alias_collect};
    struct mdt_err err = {0};

    mem_grow((void **)&w.rows, &w.cap, 3, sizeof(*w.rows));
    memset(w.rows, 0, 3 * sizeof(*w.rows));
    w.rows[0].kind = EXTRA_CARD_PAN;
    w.rows[1].kind = EXTRA_CARD;
    w.rows[2].kind = EXTRA_CARD;
    w.rows[2].u.card = *old;
    w.rows[2].u.card.status = CARD_STATUS_LOST;
    w.rows[2].u.card.updated_us = clock_now_us();
    w.count = 3;
    if (store_channel_load(s, &fns, &w, 0, &err) < 0) {
        cli_error("cannot read the card's aliases: %s", err.msg);
        free(w.rows);
        return CLI_EXIT_USAGE;
    }
    *out = w.rows;
    *n = w.count;
    return 0;
}

/* The old card's balance to the new one (a card_move: not a load for the yearly cap), with
 * every row, in one commit. The balance is read from the engine's view just before. */
static int replace_commit(struct cli_engine *e, struct store_extra *rows, size_t n, int64_t *moved)
{
    struct cli_facts f = {.account_ids = {rows[2].u.card.account_id}};
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
    struct ledger_result res = {0};
    struct mdt_err err = {0};
    const struct account *a = &f.accounts[0];
    int rc;

    cli_engine_facts(e, &f);
    *moved = f.have_account[0] ? a->credits_posted - a->debits_posted - a->debits_pending : 0;
    if (id128_random(&op.transfer.id) < 0) {
        cli_error("cannot make a transfer id: no random bytes");
        return CLI_EXIT_USAGE;
    }
    op.transfer.debit_account_id = rows[2].u.card.account_id;
    op.transfer.credit_account_id = rows[1].u.card.account_id;
    op.transfer.amount = *moved;
    op.transfer.kind = TRANSFER_CARD_MOVE;
    snprintf(op.transfer.ext_ref, sizeof(op.transfer.ext_ref), "replaces %s", rows[2].u.card.token);
    rc = engine_execute_rows(e->engine, &op, *moved > 0 ? 1 : 0, rows, n, &res, &err);
    if (rc < 0) {
        cli_error("cannot store the replacement: %s", err.msg[0] ? err.msg : mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    if (*moved > 0 && res.reason != LEDGER_OK) {
        cli_error("the balance was not moved (%s): the old card is lost and the new one issued; "
                  "move it with mandat transfer --kind card_move",
                  ledger_reason_name(res.reason));
        return CLI_EXIT_REFUSED;
    }
    return 0;
}

/* The new card of a replacement into rows (see replace_rows), its account open in e. */
static int replace_new_card(struct cli *c, struct cli_engine *e, struct card_vault *cv,
                            struct vault *v, const struct issue_args *a, struct store_extra *rows,
                            size_t n, char code[CARD_ACTIVATION_LEN + 1])
{
    int rc = card_fill(c, v, a, rows, code);

    if (rc == 0) {
        rc = cli_account_open(c, ACCOUNT_CARD, e, &rows[1].u.card.account_id);
    }
    if (rc == 0 && card_issue_number(cv, e->store, c->cfg.cards.bin, &rows[0].u.card_pan) < 0) {
        cli_error("cannot make a card number");
        rc = CLI_EXIT_USAGE;
    }
    for (size_t i = 3; rc == 0 && i < n; i++) {
        rows[i].u.card_alias.card_account = rows[1].u.card.account_id;
    }
    if (rc == 0) {
        rc = emboss_write(a->emboss, cv, &rows[0].u.card_pan, &rows[1].u.card);
    }
    return rc < 0 ? CLI_EXIT_USAGE : rc;
}

/* replace: a new card for the same holder, phone and aliases; the old one's balance moves to it
 * and the old card is lost (a block is BLOQUER's: it can be lifted, a replacement cannot). */
static int card_replace(struct cli *c, const char *token, const char *emboss)
{
    struct card_find f = {.want = token};
    struct store_extra *rows = NULL;
    struct card_vault *cv = NULL;
    struct vault *v = NULL;
    struct cli_view view = {0};
    struct cli_engine e = {0};
    struct mdt_err err = {0};
    char code[CARD_ACTIVATION_LEN + 1] = "", money[MONEY_FORMAT_MAX];
    struct issue_args a = {.emboss = emboss};
    int64_t moved = 0;
    size_t n = 0;
    int rc = card_walk(c, &f);

    if (rc == 0 && (f.matches != 1 || strcmp(f.found.token, token) != 0)) {
        cli_error("no card with token '%s': see mandat card list", token);
        return CLI_EXIT_REFUSED;
    }
    if (rc == 0 && f.found.status == CARD_STATUS_LOST) {
        cli_error("card %s is lost: it was replaced already", token);
        return CLI_EXIT_REFUSED;
    }
    if (rc == 0 && (card_vault_open(c->cfg.cards.key_ring, true, &cv, &err) < 0 ||
                    vault_open(c->cfg.vault_key_file, true, &v, &err) < 0)) {
        cli_error("cannot open the vault: %s", err.msg);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == 0) {
        rc = cli_view_open(c, &view);
    }
    if (rc == 0) {
        rc = replace_rows(view.store, &f.found, &rows, &n);
        cli_view_close(&view);
    }
    a.holder = f.found.holder;
    a.phone = f.found.phone[0] != '\0' ? f.found.phone : NULL;
    if (rc == 0) {
        rc = replace_new_card(c, &e, cv, v, &a, rows, n, code);
    }
    if (rc == 0) {
        rc = replace_commit(&e, rows, n, &moved);
    }
    if (rc == 0 || rc == CLI_EXIT_REFUSED) {
        issue_print(rows, code, emboss);
        printf("card %s ****%s lost; %s %s moved to the new card, %zu alias%s with it\n", token,
               f.found.last4, cli_money_plain(moved, c->cfg.ledger.default_currency, money),
               c->cfg.ledger.default_currency, n - 3, n - 3 == 1 ? "" : "es");
    }
    if (e.engine != NULL) {
        cli_engine_close(&e);
    }
    if (rows != NULL) {
        vault_wipe(rows, n * sizeof(*rows));
    }
    free(rows);
    vault_wipe(code, sizeof(code));
    vault_close(v);
    card_vault_close(cv);
    return rc;
}

int cmd_card(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"holder", required_argument, NULL, 'n'},
                                         {"phone", required_argument, NULL, 'p'},
                                         {"emboss", required_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct issue_args a = {0};
    int ch, rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    cli_getopt_reset();
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (ch == 'n') {
            a.holder = optarg;
        } else if (ch == 'p') {
            a.phone = optarg;
        } else if (ch == 'e') {
            a.emboss = optarg;
        } else if (ch == 'h') {
            cmd_card_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("card", ch, argv);
        }
    }
    argc -= optind;
    argv += optind;
    if (argc == 1 && strcmp(argv[0], "issue") == 0) {
        if (a.holder == NULL || a.holder[0] == '\0' || a.emboss == NULL) {
            return cli_usage_error("card", "issue needs --holder NAME and --emboss FILE");
        }
        return card_issue(c, &a);
    }
    if (argc == 1 && strcmp(argv[0], "list") == 0) {
        return card_walk(c, &(struct card_find){.print = true});
    }
    if (argc == 2 && strcmp(argv[0], "show") == 0) {
        return card_show(c, argv[1]);
    }
    if (argc == 2 && strcmp(argv[0], "replace") == 0) {
        if (a.emboss == NULL) {
            return cli_usage_error("card", "replace needs --emboss FILE");
        }
        return card_replace(c, argv[1], a.emboss);
    }
    if (argc == 1 && strcmp(argv[0], "shortfalls") == 0) {
        return cmd_card_shortfalls(c);
    }
    if (argc == 2 && strcmp(argv[0], "pin") == 0) {
        return card_pin(c, argv[1]);
    }
    if (argc == 2 && (strcmp(argv[0], "block") == 0 || strcmp(argv[0], "unblock") == 0)) {
        return card_set_status(c, argv[1], argv[0][0] == 'b');
    }
    return cli_usage_error("card", "write: card issue, list, show TOKEN|LAST4, block TOKEN, "
                                   "unblock TOKEN, pin TOKEN, replace TOKEN --emboss FILE or "
                                   "shortfalls");
}

/* ---- vault rotate ---- */

static int reseal_one(void *ctx, const char *token, const uint8_t *sealed, size_t len,
                      uint8_t out[STORE_CARD_SEALED_MAX], size_t *out_len, uint32_t *version)
{
    return card_vault_reseal(ctx, token, sealed, len, out, out_len, version);
}

static int vault_rotate(struct cli *c, uint32_t batch)
{
    struct card_vault *cv = NULL;
    struct store *s = NULL;
    struct mdt_err err = {0};
    uint64_t done = 0, left = 0, total = 0, batches = 0;
    uint32_t version = 0;
    int rc = cli_store_open(c, CLI_STORE_WRITE, &s);

    if (rc != 0) {
        return rc;
    }
    rc = card_vault_rotate(c->cfg.cards.key_ring, &version, &err);
    if (rc == 0) {
        rc = card_vault_open(c->cfg.cards.key_ring, false, &cv, &err);
    }
    if (rc == 0) {
        printf("key version %u added to %s\n", version, c->cfg.cards.key_ring);
    }
    do {
        if (rc == 0) {
            rc = store_card_reseal(s, version, batch, reseal_one, cv, &done, &left, &err);
        }
        if (rc == 0) {
            total += done;
            batches++;
            printf("re-encrypted %" PRIu64 " card numbers (%" PRIu64 " left)\n", done, left);
        }
    } while (rc == 0 && left > 0 && done > 0);
    if (rc == 0) {
        printf("done: %" PRIu64 " card numbers under version %u in %" PRIu64 " batches%s\n", total,
               version, batches, left > 0 ? " (some could not be opened: mandat check)" : "");
    } else {
        cli_error("cannot rotate the card keys: %s", err.msg[0] ? err.msg : mdt_strerror(rc));
    }
    card_vault_close(cv);
    store_close(s);
    return rc == 0 ? (left > 0 ? CLI_EXIT_REFUSED : CLI_EXIT_OK) : CLI_EXIT_USAGE;
}

int cmd_vault(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"batch", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    uint64_t batch = ROTATE_BATCH_DEFAULT;
    int ch, rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    cli_getopt_reset();
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (ch == 'b') {
            if (cli_parse_uint(optarg, "--batch", ROTATE_BATCH_MAX, &batch) != 0 || batch == 0) {
                return cli_usage_error("vault", "--batch is 1 to %d", ROTATE_BATCH_MAX);
            }
        } else if (ch == 'h') {
            cmd_vault_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("vault", ch, argv);
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "rotate") != 0) {
        return cli_usage_error("vault", "write: vault rotate");
    }
    return vault_rotate(c, (uint32_t)batch);
}
