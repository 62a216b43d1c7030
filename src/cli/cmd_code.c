/* SPDX-License-Identifier: Apache-2.0 */
/* `mandat account code-reset complete|cancel NUMBER`: the operator's side of a forgotten code's
 * reset. The CLI writes an order; mandatd (or the next one to start) carries it out within a
 * second, in one commit with the customer's row, and texts the person. Completing a reset early
 * is the only way around its delay, for after the person's identity was checked out of band. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "dialog/phone.h"
#include "engine/engine.h"

void cmd_code_reset_usage(FILE *out)
{
    fprintf(out, "usage: mandat account code-reset complete NUMBER\n"
                 "       mandat account code-reset cancel NUMBER\n"
                 "\n"
                 "A person who forgot their code texts CODE OUBLIE (CODE FORGOT): the reset is\n"
                 "announced by SMS, payments from the wallet stop, and the code is cleared after\n"
                 "[sms] code_reset_delay (a day by default); the person then sets a new one.\n"
                 "complete clears the code now: only after checking the person's identity by\n"
                 "other means than the phone (an ID document, a call to the number on file),\n"
                 "since whoever holds the phone can ask for a reset. cancel withdraws the reset\n"
                 "(the code stays). Either is carried out by mandatd within a second (or when it\n"
                 "next starts) and the person is told by SMS.\n"
                 "\n"
                 "Examples:\n"
                 "  mandat account code-reset complete 0612345678\n"
                 "  mandat account code-reset cancel +33612345678\n");
}

struct found {
    const char *phone;
    bool exists;
    bool has_pin;
    int64_t reset_us;
};

static int customer_seen(void *ctx, const struct customer_row *r)
{
    struct found *f = ctx;

    if (strcmp(r->phone, f->phone) == 0) {
        f->exists = true;
        f->has_pin = r->has_pin;
        f->reset_us = r->code_reset_us;
    }
    return 0;
}

/* The customer's row as committed. Cost: a scan of the customers table, fine for an operator's
 * command. */
static int find_customer(struct cli *c, struct found *f)
{
    struct store_channel_fns fns = {.customer = customer_seen};
    struct store *s = NULL;
    struct mdt_err err = {0};
    int rc = cli_store_open(c, CLI_STORE_READ, &s);

    if (rc != 0) {
        return rc;
    }
    rc = store_channel_load(s, &fns, f, 0, &err);
    store_close(s);
    if (rc < 0) {
        cli_error("cannot read customers: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* Why the order cannot be given, or NULL when it can. */
static const char *refusal(const struct found *f, bool complete)
{
    if (!f->exists) {
        return "no wallet for this number";
    }
    if (!f->has_pin) {
        return complete ? "this wallet has no code: the person can set one with CODE and 6 digits"
                        : "this wallet has no code, so there is no reset to cancel";
    }
    if (f->reset_us == 0) {
        return "no code reset under way: the person asks for one by texting CODE OUBLIE";
    }
    return NULL;
}

static int order_write(struct cli *c, const char *e164, bool complete)
{
    struct store_extra row = {.kind = EXTRA_CODE_ORDER};
    struct cli_engine e = {0};
    int rc = cli_engine_open(c, CLI_STORE_WRITE, &e);

    if (rc != 0) {
        return rc;
    }
    snprintf(row.u.code_order.phone, sizeof(row.u.code_order.phone), "%s", e164);
    row.u.code_order.action = complete ? CODE_ORDER_COMPLETE : CODE_ORDER_CANCEL;
    row.u.code_order.created_us = clock_now_us();
    rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
    cli_engine_close(&e);
    if (rc < 0) {
        cli_error("cannot record the order: %s", mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int cmd_account_code_reset(struct cli *c, int argc, char **argv)
{
    char e164[PHONE_E164_MAX];
    struct found f = {.phone = e164};
    const char *why;
    bool complete;
    int rc;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_code_reset_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc != 3 || (strcmp(argv[1], "complete") != 0 && strcmp(argv[1], "cancel") != 0)) {
        return cli_usage_error("account", "code-reset needs complete or cancel, and a NUMBER");
    }
    complete = strcmp(argv[1], "complete") == 0;
    rc = cli_config_load(c); /* the country of national numbers */
    if (rc != 0) {
        return rc;
    }
    if (phone_normalize(argv[2], c->cfg.sms.country, e164, NULL) < 0) {
        return cli_usage_error("account", "'%s' is not a phone number", argv[2]);
    }
    rc = find_customer(c, &f);
    if (rc != 0) {
        return rc;
    }
    why = refusal(&f, complete);
    if (why != NULL) {
        cli_error("%s: %s", e164, why);
        return CLI_EXIT_REFUSED;
    }
    rc = order_write(c, e164, complete);
    if (rc == CLI_EXIT_OK) {
        printf("%s: code reset %s; mandatd carries it out within a second and texts the person\n",
               e164, complete ? "completed" : "cancelled");
    }
    return rc;
}
