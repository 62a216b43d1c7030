/* SPDX-License-Identifier: Apache-2.0 */
/* mandat sip-user: the line of [sip] auth_file for a SIP trunk's digest credentials, from a
 * password read on stdin (never on the command line, where ps and the shell's history see it).
 * The file keeps HA1 = MD5(user:realm:password), never the password. */
#include <stdio.h>
#include <string.h>

#include "channel/sip/sip.h"
#include "cli/cli.h"

/* A password longer than this is refused: trunks' are short. */
#define SIP_PASSWORD_MAX 256

void cmd_sip_user_usage(FILE *out)
{
    fprintf(
        out,
        "usage: mandat sip-user USER REALM < PASSWORD_FILE\n"
        "\n"
        "Read the SIP trunk's password from the first line of stdin and print the line of\n"
        "[sip] auth_file for it: USER:REALM:HA1, HA1 = MD5(USER:REALM:PASSWORD) in hex\n"
        "(Apache's htdigest form). The password itself is not printed or stored. The file\n"
        "must be readable by mandat only (mode 0600).\n"
        "\n"
        "example:\n"
        "  (umask 077; mandat sip-user trunk mandat < trunk.pass >> /etc/mandat/sip.htdigest)\n");
}

int cmd_sip_user(struct cli *c, int argc, char **argv)
{
    char password[SIP_PASSWORD_MAX + 2], line[2 * SIP_DIGEST_NAME_MAX + 40];
    size_t n;
    int rc;

    (void)c;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_sip_user_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc != 3) {
        return cli_usage_error("sip-user", "write: sip-user USER REALM < PASSWORD_FILE");
    }
    if (fgets(password, sizeof(password), stdin) == NULL) {
        return cli_usage_error("sip-user", "no password on stdin");
    }
    n = strcspn(password, "\r\n");
    if (n > SIP_PASSWORD_MAX) {
        rc = cli_usage_error("sip-user", "the password is longer than %d bytes", SIP_PASSWORD_MAX);
        goto out;
    }
    rc = sip_digest_line(argv[1], argv[2], password, n, line, sizeof(line));
    if (rc < 0) {
        rc = cli_usage_error(
            "sip-user", "USER and REALM: 1 to %d characters without ':'; the password not empty",
            SIP_DIGEST_NAME_MAX);
        goto out;
    }
    printf("%s\n", line);
    rc = CLI_EXIT_OK;
out:
    memset(password, 0, sizeof(password));
    return rc;
}
