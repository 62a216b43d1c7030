/* SPDX-License-Identifier: Apache-2.0 */
/* `mandat merchant`: merchants who integrate through the HTTP API, and their API keys. A key is
 * printed once, at creation: only its keyed hash is stored. A running mandatd learns new
 * merchants and keys within a second. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "vault/vault.h"

#define MERCHANT_DEFAULT_FEE "merchant_standard"

void cmd_merchant_usage(FILE *out)
{
    fprintf(
        out,
        "usage: mandat merchant create NAME... [--webhook-url URL] [--fee SCHEDULE]\n"
        "       mandat merchant key MERCHANT_ID [--scopes payments,refunds,read,admin] [--rate N]\n"
        "       mandat merchant list\n"
        "\n"
        "create opens a merchant account, and prints its id, a first API key (scopes\n"
        "payments, refunds, read) and its webhook signing secret. The API key is shown\n"
        "only now: mandat keeps a keyed hash of it. Store it like a password.\n"
        "--fee names the [fee.*] schedule taken at each payment (default %s, or none).\n"
        "key makes another key; MERCHANT_ID 0 makes an operator key (scope admin);\n"
        "--rate caps its requests per second (default: mandatd's, 20000).\n"
        "\n"
        "examples:\n"
        "  mandat merchant create Boutique Zoé --webhook-url https://zoe.example/hooks\n"
        "  mandat merchant key 6 --scopes read\n"
        "  mandat merchant key 0 --scopes admin,read\n",
        MERCHANT_DEFAULT_FEE);
}

static int parse_scopes(const char *text, uint32_t *out)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } names[] = {{"payments", SCOPE_PAYMENTS},
                 {"refunds", SCOPE_REFUNDS},
                 {"read", SCOPE_READ},
                 {"admin", SCOPE_ADMIN}};
    char buf[128], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", text);
    *out = 0;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (strcmp(t, names[i].name) == 0) {
                *out |= names[i].bit;
                break;
            }
        }
        if (i == sizeof(names) / sizeof(names[0])) {
            return cli_usage_error("merchant", "unknown scope '%s': payments, refunds, read, admin",
                                   t);
        }
    }
    return *out == 0 ? cli_usage_error("merchant", "--scopes needs at least one scope") : 0;
}

/* Make a key for merchant_id and persist its hash; prints the key. */
static int new_key(struct cli *c, struct cli_engine *e, uint64_t merchant_id, uint32_t scopes,
                   uint32_t rate)
{
    struct store_extra row = {.kind = EXTRA_API_KEY};
    char key[VAULT_API_KEY_MAX];
    struct vault *v = NULL;
    struct mdt_err err = {0};
    int rc = vault_open(c->cfg.vault_key_file, true, &v, &err);

    if (rc < 0) {
        cli_error("cannot open the vault: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    rc = vault_api_key_new(v, key, row.u.api_key.key_id, row.u.api_key.hash);
    row.u.api_key.merchant_id = merchant_id;
    row.u.api_key.scopes = scopes;
    row.u.api_key.rate_per_s = rate;
    row.u.api_key.created_us = clock_now_us();
    if (rc == 0) {
        rc = engine_execute_rows(e->engine, NULL, 0, &row, 1, NULL, NULL);
    }
    if (rc == 0) {
        printf("api key: %s\n", key);
        printf("(shown once: mandat keeps only a keyed hash of it)\n");
    }
    if (rc == 0 && merchant_id != 0) {
        char secret[VAULT_WEBHOOK_SECRET_MAX];

        vault_webhook_secret(v, merchant_id, secret);
        printf("webhook secret: %s\n", secret);
        vault_wipe(secret, sizeof(secret));
    }
    vault_wipe(key, sizeof(key));
    vault_close(v);
    if (rc < 0) {
        cli_error("cannot make the key: %s", mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int merchant_create(struct cli *c, const char *name, const char *url, const char *fee)
{
    struct cli_engine e = {0};
    struct store_extra row = {.kind = EXTRA_MERCHANT};
    struct merchant_row *m = &row.u.merchant;
    int rc;

    if (strcmp(fee, "none") != 0) {
        m->fee_schedule = (uint16_t)ledger_config_fee_find(&c->cfg.ledger, fee);
        if (m->fee_schedule == 0) {
            return cli_usage_error("merchant", "--fee '%s' names no [fee.*] schedule", fee);
        }
    }
    if (url[0] != '\0' && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        return cli_usage_error("merchant", "--webhook-url must start with https:// or http://");
    }
    rc = cli_account_open(c, ACCOUNT_MERCHANT, &e, &m->account_id);
    if (rc != 0) {
        return rc;
    }
    snprintf(m->name, sizeof(m->name), "%s", name);
    snprintf(m->webhook_url, sizeof(m->webhook_url), "%s", url);
    m->created_us = clock_now_us();
    rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
    if (rc == 0) {
        printf("merchant %llu: %s\n", (unsigned long long)m->account_id, name);
        rc = new_key(c, &e, m->account_id, SCOPE_PAYMENTS | SCOPE_REFUNDS | SCOPE_READ, 0);
    } else {
        cli_error("cannot create the merchant: %s", mdt_strerror(rc));
        rc = CLI_EXIT_USAGE;
    }
    cli_engine_close(&e);
    return rc;
}

static int list_one(void *ctx, const struct merchant_row *r)
{
    (void)ctx;
    printf("%-6llu %-32s %s\n", (unsigned long long)r->account_id, r->name,
           r->webhook_url[0] != '\0' ? r->webhook_url : "-");
    return 0;
}

static int merchant_list(struct cli *c)
{
    struct store_channel_fns fns = {.merchant = list_one};
    struct store *s = NULL;
    struct mdt_err err = {0};
    int rc = cli_store_open(c, CLI_STORE_READ, &s);

    if (rc != 0) {
        return rc;
    }
    printf("%-6s %-32s %s\n", "id", "name", "webhook");
    rc = store_channel_load(s, &fns, NULL, 0, &err);
    store_close(s);
    if (rc < 0) {
        cli_error("cannot list merchants: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int merchant_key(struct cli *c, const char *id_text, uint32_t scopes, uint32_t rate)
{
    struct cli_engine e = {0};
    uint64_t id = 0;
    int rc;

    if (cli_parse_uint(id_text, "MERCHANT_ID", UINT64_MAX, &id) != 0) {
        return CLI_EXIT_USAGE;
    }
    if (id == 0 && scopes == 0) {
        scopes = SCOPE_ADMIN | SCOPE_READ;
    } else if (scopes == 0) {
        scopes = SCOPE_PAYMENTS | SCOPE_REFUNDS | SCOPE_READ;
    }
    if (id != 0 && (scopes & SCOPE_ADMIN)) {
        return cli_usage_error("merchant", "scope admin is for operator keys (MERCHANT_ID 0)");
    }
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc == 0) {
        rc = new_key(c, &e, id, scopes, rate);
        cli_engine_close(&e);
    }
    return rc;
}

int cmd_merchant(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"webhook-url", required_argument, NULL, 'w'},
                                         {"fee", required_argument, NULL, 'f'},
                                         {"scopes", required_argument, NULL, 's'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *url = "", *fee = MERCHANT_DEFAULT_FEE;
    char name[64] = "";
    uint32_t scopes = 0, rate = 0;
    int ch, rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    cli_getopt_reset();
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (ch == 'w') {
            url = optarg;
        } else if (ch == 'f') {
            fee = optarg;
        } else if (ch == 's') {
            rc = parse_scopes(optarg, &scopes);
            if (rc != 0) {
                return rc;
            }
        } else if (ch == 'r') {
            uint64_t r = 0;

            if (cli_parse_uint(optarg, "--rate", 1000000, &r) != 0) {
                return CLI_EXIT_USAGE;
            }
            rate = (uint32_t)r;
        } else if (ch == 'h') {
            cmd_merchant_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("merchant", ch, argv);
        }
    }
    argc -= optind;
    argv += optind;
    if (argc >= 1 && strcmp(argv[0], "list") == 0) {
        return merchant_list(c);
    }
    if (argc == 2 && strcmp(argv[0], "key") == 0) {
        return merchant_key(c, argv[1], scopes, rate);
    }
    if (argc < 2 || strcmp(argv[0], "create") != 0) {
        return cli_usage_error("merchant", "write: merchant create NAME, merchant key ID or "
                                           "merchant list");
    }
    for (int i = 1; i < argc; i++) {
        size_t len = strlen(name);

        snprintf(name + len, sizeof(name) - len, "%s%s", i > 1 ? " " : "", argv[i]);
    }
    return merchant_create(c, name, url, fee);
}
