/* SPDX-License-Identifier: Apache-2.0 */
/* `mandat webhook`: the merchants' events that mandatd delivers (list), sending some again
 * (replay: queued with their next try now, picked up by a running mandatd within a second), and
 * a merchant's signing secret (derived by the vault, never stored). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/id128.h"
#include "cli/cli.h"
#include "vault/vault.h"

#define WEBHOOK_LIST_DEFAULT 50

static const char *const state_names[] = {"queued", "delivered", "failed", "refused"};

#define STATE_COUNT (int)(sizeof(state_names) / sizeof(state_names[0]))

_Static_assert(WEBHOOK_QUEUED == 0 && WEBHOOK_DELIVERED == 1 && WEBHOOK_FAILED == 2 &&
                   WEBHOOK_REFUSED == 3,
               "state_names follows enum webhook_state");

void cmd_webhook_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat webhook list [--merchant ID] [--state queued|delivered|failed|refused]\n"
            "                           [--since TIME] [--limit N]\n"
            "       mandat webhook replay EVENT_ID\n"
            "       mandat webhook replay --merchant ID --since TIME\n"
            "       mandat webhook secret MERCHANT_ID\n"
            "\n"
            "list shows merchants' events, newest first (at most %d unless --limit; 0: all):\n"
            "id, merchant, type, state, tries so far, creation time, for queued ones the\n"
            "next try, and why the last try failed (never the URL's path or a secret).\n"
            "refused: never sent, because its URL's host is, or resolves to, a loopback,\n"
            "private or other special-purpose address (the SSRF guard: last error names the\n"
            "address; [webhook] allow_private = yes allows them).\n"
            "replay queues events again, whatever their state: their next try is now and\n"
            "their tries so far are kept. A running mandatd sends them within a second, with\n"
            "a fresh signature; past their retry period ([webhook] retry_period after their\n"
            "creation) each gets one more try. An event whose try is in flight at that very\n"
            "moment keeps the outcome of that try.\n"
            "secret prints the merchant's signing secret, whsec_ and 64 hex digits. It is a\n"
            "secret: give it to the merchant only, over a channel you trust; with it anyone\n"
            "can sign events in mandat's name. mandat derives it from the vault key and\n"
            "stores it nowhere.\n"
            "TIME is UTC: 2026-11-23T10:00:00Z, 2026-11-23 10:00:00 or 2026-11-23.\n"
            "\n"
            "examples:\n"
            "  mandat webhook list --merchant 6 --state failed\n"
            "  mandat webhook replay 9f86d081884c7d659a2feaa0c55ad015\n"
            "  mandat webhook replay --merchant 6 --since 2026-11-23T10:00:00Z\n"
            "  mandat webhook secret 6\n",
            WEBHOOK_LIST_DEFAULT);
}

/* "2026-11-23T10:00:00Z", "2026-11-23 10:00:00" or "2026-11-23", UTC. */
static int parse_time(const char *text, int64_t *out)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0, m = 0;
    const char *rest;

    if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) {
        goto bad;
    }
    rest = text + n;
    if (*rest == 'T' || *rest == ' ') {
        if (sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &m) != 3 || m != 8) {
            goto bad;
        }
        rest += 1 + m;
        rest += *rest == 'Z';
    }
    /* clock_utc_us checks every field's range (a "-1" hour included). */
    if (*rest != '\0' || y < 1970) {
        goto bad;
    }
    *out = clock_utc_us(y, mo, d, h, mi, s);
    if (*out == CLOCK_INVALID_US) {
        goto bad;
    }
    return 0;
bad:
    return cli_usage_error("webhook", "'%s' is not a time: write it like 2026-11-23T10:00:00Z",
                           text);
}

static int parse_state(const char *text, int *out)
{
    for (int i = 0; i < STATE_COUNT; i++) {
        if (strcmp(text, state_names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return cli_usage_error("webhook",
                           "'%s' is not a state: write queued, delivered, failed or refused", text);
}

static int list_one(void *ctx, const struct webhook_row *r)
{
    char id[ID128_TEXT_MAX], created[CLI_TIME_MAX], next[CLI_TIME_MAX];
    unsigned *count = ctx;

    id128_format(r->id, id);
    if (r->state == WEBHOOK_QUEUED) {
        cli_time(r->next_try_us, next);
    } else {
        snprintf(next, sizeof(next), "-");
    }
    printf("%-32s %-8llu %-28s %-9s %5u  %-19s  %-19s  %s\n", id,
           (unsigned long long)r->merchant_id, r->type,
           r->state < STATE_COUNT ? state_names[r->state] : "?", r->attempts,
           cli_time(r->created_us, created), next, r->last_error[0] != '\0' ? r->last_error : "-");
    (*count)++;
    return 0;
}

static int webhook_list(struct cli *c, const struct store_webhook_filter *f)
{
    struct store *s = NULL;
    struct mdt_err err = {0};
    unsigned count = 0;
    int rc = cli_store_open(c, CLI_STORE_READ, &s);

    if (rc != 0) {
        return rc;
    }
    printf("%-32s %-8s %-28s %-9s %5s  %-19s  %-19s  %s\n", "id", "merchant", "type", "state",
           "tries", "created (UTC)", "next try", "last error");
    rc = store_webhook_list(s, f, list_one, &count, &err);
    store_close(s);
    if (rc < 0) {
        cli_error("cannot list webhook events: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (count == 0) {
        printf("(no events)\n");
    }
    return CLI_EXIT_OK;
}

static int webhook_replay(struct cli *c, const struct store_webhook_filter *f, const char *what)
{
    struct store *s = NULL;
    struct mdt_err err = {0};
    uint64_t count = 0;
    int rc = cli_store_open(c, CLI_STORE_WRITE, &s);

    if (rc != 0) {
        return rc;
    }
    rc = store_webhook_requeue(s, f, clock_now_us(), &count, &err);
    store_close(s);
    if (rc < 0) {
        cli_error("cannot requeue webhook events: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (count == 0) {
        cli_error("no webhook event %s: see 'mandat webhook list'", what);
        return CLI_EXIT_REFUSED;
    }
    printf("%llu event%s requeued: a running mandatd sends %s within a second\n",
           (unsigned long long)count, count == 1 ? "" : "s", count == 1 ? "it" : "them");
    return CLI_EXIT_OK;
}

static int merchant_found(void *ctx, const struct merchant_row *r)
{
    const uint64_t *want = ctx;

    return r->account_id == *want ? 1 : 0;
}

static int webhook_secret(struct cli *c, const char *id_text)
{
    struct store_channel_fns fns = {.merchant = merchant_found};
    char secret[VAULT_WEBHOOK_SECRET_MAX];
    struct store *s = NULL;
    struct vault *v = NULL;
    struct mdt_err err = {0};
    uint64_t id = 0;
    int rc = cli_parse_uint(id_text, "MERCHANT_ID", UINT64_MAX, &id);

    if (rc == 0) {
        rc = cli_store_open(c, CLI_STORE_READ, &s);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_channel_load(s, &fns, &id, 0, &err);
    store_close(s);
    if (rc < 0) {
        cli_error("cannot read the merchants: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (rc == 0 || id == 0) {
        cli_error("merchant %s not found: see 'mandat merchant list'", id_text);
        return CLI_EXIT_REFUSED;
    }
    if (vault_open(c->cfg.vault_key_file, false, &v, &err) < 0) {
        cli_error("cannot open the vault: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    vault_webhook_secret(v, id, secret);
    printf("%s\n", secret);
    vault_wipe(secret, sizeof(secret));
    vault_close(v);
    return CLI_EXIT_OK;
}

/* Options of list and replay into f. Returns 0 or an exit status. */
static int parse_options(int argc, char **argv, struct store_webhook_filter *f, bool *since_set)
{
    static const struct option opts[] = {
        {"merchant", required_argument, NULL, 'm'}, {"state", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 't'},    {"limit", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    uint64_t v = 0;
    int ch, rc = 0;

    cli_getopt_reset();
    while (rc == 0 && (ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (ch == 'm') {
            rc = cli_parse_uint(optarg, "merchant id", UINT64_MAX, &f->merchant_id);
        } else if (ch == 's') {
            rc = parse_state(optarg, &f->state);
        } else if (ch == 't') {
            rc = parse_time(optarg, &f->since_us);
            *since_set = rc == 0;
        } else if (ch == 'l') {
            rc = cli_parse_uint(optarg, "--limit", 1000000, &v);
            f->limit = (uint32_t)v;
        } else if (ch == 'h') {
            cmd_webhook_usage(stdout);
            return -1;
        } else {
            return cli_option_error("webhook", ch, argv);
        }
    }
    return rc;
}

int cmd_webhook(struct cli *c, int argc, char **argv)
{
    struct store_webhook_filter f = {.state = -1, .since_us = 0, .limit = WEBHOOK_LIST_DEFAULT};
    bool since_set = false;
    int rc = cli_config_load(c);

    if (rc == 0) {
        rc = parse_options(argc, argv, &f, &since_set);
    }
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    argc -= optind;
    argv += optind;
    if (argc == 1 && strcmp(argv[0], "list") == 0) {
        return webhook_list(c, &f);
    }
    if (argc == 2 && strcmp(argv[0], "secret") == 0) {
        return webhook_secret(c, argv[1]);
    }
    if (argc == 2 && strcmp(argv[0], "replay") == 0 && f.merchant_id == 0 && !since_set) {
        f.by_id = true;
        return cli_parse_id128(argv[1], &f.id) != 0 ? CLI_EXIT_USAGE
                                                    : webhook_replay(c, &f, argv[1]);
    }
    if (argc == 1 && strcmp(argv[0], "replay") == 0) {
        if (f.merchant_id == 0 || !since_set || f.state != -1) {
            return cli_usage_error("webhook", "replay takes EVENT_ID, or --merchant ID and "
                                              "--since TIME");
        }
        return webhook_replay(c, &f, "matches");
    }
    return cli_usage_error("webhook", "write: webhook list, webhook replay EVENT_ID, webhook "
                                      "replay --merchant ID --since TIME or webhook secret ID");
}
