/* SPDX-License-Identifier: Apache-2.0 */
/* mandat prompt: the phone channel's prompts for people and tests, without a call. `say` writes
 * what a caller would hear into a WAV file (8 kHz, A-law, µ-law or 16-bit linear decoded from
 * A-law); `words` prints an amount, a date, a reference or a phone number as it is spoken. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/sip/prompts.h"
#include "cli/cli.h"
#include "dialog/speak.h"

/* Pieces one `say` joins: a handful of sentences and an amount. */
#define SAY_PIECES_MAX 16
/* WAV format tags (RFC 2361): linear PCM, A-law, µ-law. */
#define WAV_PCM 1
#define WAV_ALAW 6
#define WAV_MULAW 7

struct prompt_args {
    enum lang lang;
    const char *codec; /* "linear", "pcma", "pcmu" */
    const char *amount;
    const char *date;
    const char *ref;
    const char *phone;
    const char *out;
    unsigned gap_ms;
};

void cmd_prompt_usage(FILE *out)
{
    fprintf(out,
            "usage: mandat prompt say [--lang fr|en] [--codec linear|pcma|pcmu] [--amount A]\n"
            "                         [--gap MS] --out FILE.wav TEXT...\n"
            "       mandat prompt words [--lang fr|en] (--amount A | --date YYYY-MM-DD |\n"
            "                           --ref REF | --phone +E164)\n"
            "\n"
            "say: synthesise each TEXT (then the amount, spoken in words) with espeak-ng as the\n"
            "phone channel does, at 8 kHz through G.711, and write it as a WAV file: 16-bit\n"
            "linear decoded from A-law (default), or the A-law or µ-law bytes themselves.\n"
            "words: print the words the phone channel speaks for an amount, a date (day 00 for\n"
            "a month and year), a reference or a phone number.\n"
            "\n"
            "examples:\n"
            "  mandat prompt say --lang fr --amount 25,50 --out pay.wav \"Vous allez payer\"\n"
            "  mandat prompt words --lang en --amount 1000000\n"
            "  mandat prompt words --lang fr --date 2028-12-00\n");
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Writes a mono 8 kHz WAV of n samples (data: n * bytes_per bytes). Non-PCM formats carry the
 * 18-byte fmt chunk and the fact chunk the format requires. Returns 0 or -1 (printed). */
static int wav_write(const char *path, int format, const void *data, size_t n)
{
    unsigned bytes_per = format == WAV_PCM ? 2 : 1;
    uint32_t data_len = (uint32_t)(n * bytes_per);
    uint32_t fmt_len = format == WAV_PCM ? 16 : 18;
    uint32_t fact_len = format == WAV_PCM ? 0 : 12;
    uint8_t h[58] = {0};
    size_t hl = 0;
    FILE *f;
    int rc = 0;

    memcpy(h, "RIFF", 4);
    put_le(h + 4, 4 + (8 + fmt_len) + fact_len + 8 + data_len, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le(h + 16, fmt_len, 4);
    put_le(h + 20, (uint32_t)format, 2);
    put_le(h + 22, 1, 2);
    put_le(h + 24, PROMPTS_RATE_HZ, 4);
    put_le(h + 28, PROMPTS_RATE_HZ * bytes_per, 4);
    put_le(h + 32, bytes_per, 2);
    put_le(h + 34, 8 * bytes_per, 2);
    hl = 20 + fmt_len; /* cbSize, when present, is already 0 */
    if (fact_len != 0) {
        memcpy(h + hl, "fact", 4);
        put_le(h + hl + 4, 4, 4);
        put_le(h + hl + 8, (uint32_t)n, 4);
        hl += fact_len;
    }
    memcpy(h + hl, "data", 4);
    put_le(h + hl + 4, data_len, 4);
    hl += 8;
    f = fopen(path, "wb");
    if (f == NULL) {
        cli_error("cannot write '%s'", path);
        return -1;
    }
    if (fwrite(h, 1, hl, f) != hl || fwrite(data, 1, data_len, f) != data_len) {
        rc = -1;
    }
    if (fclose(f) != 0 || rc != 0) {
        cli_error("cannot write '%s'", path);
        return -1;
    }
    return 0;
}

/* The amount's words into buf; CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
static int amount_words(const struct prompt_args *a, char *buf, size_t cap)
{
    const struct currency *cur = NULL;
    struct mdt_err err = {0};
    int64_t minor = 0;

    if (money_parse(a->amount, a->lang, currency_find("EUR"), &minor, &cur, &err) != 0 ||
        speak_amount(minor, cur, a->lang, buf, cap, &err) < 0) {
        cli_error("amount '%s': %s", a->amount, err.msg);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int prompt_words(const struct prompt_args *a)
{
    char buf[SPEAK_TEXT_MAX];
    struct mdt_err err = {0};
    int y = 0, m = 0, d = 0, rc = -1;

    if (a->amount != NULL) {
        if (amount_words(a, buf, sizeof(buf)) != CLI_EXIT_OK) {
            return CLI_EXIT_USAGE;
        }
        rc = 0;
    } else if (a->date != NULL) {
        if (sscanf(a->date, "%4d-%2d-%2d", &y, &m, &d) != 3) {
            return cli_usage_error("prompt", "--date is YYYY-MM-DD, not '%s'", a->date);
        }
        rc = speak_date(y, m, d, a->lang, buf, sizeof(buf), &err);
    } else if (a->ref != NULL) {
        rc = speak_reference(a->ref, a->lang, buf, sizeof(buf), &err);
    } else if (a->phone != NULL) {
        rc = speak_phone(a->phone, a->lang, buf, sizeof(buf), &err);
    } else {
        return cli_usage_error("prompt", "words needs --amount, --date, --ref or --phone");
    }
    if (rc < 0) {
        cli_error("%s", err.msg);
        return CLI_EXIT_USAGE;
    }
    printf("%s\n", buf);
    return CLI_EXIT_OK;
}

/* Synthesises the pieces into out (cap bytes, the codec's) and writes the WAV. */
static int say_write(struct prompts *p, const struct prompt_args *a, const char *const *pieces,
                     size_t n, uint8_t *out, size_t cap)
{
    enum g711_codec codec = strcmp(a->codec, "pcmu") == 0 ? G711_PCMU : G711_PCMA;
    struct mdt_err err = {0};
    int16_t *pcm = NULL;
    size_t len = 0;
    int rc;

    if (prompts_join(p, a->lang, pieces, n, a->gap_ms, codec, out, cap, &len, &err) != 0) {
        cli_error("cannot synthesise: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(a->codec, "linear") != 0) {
        rc = wav_write(a->out, codec == G711_PCMA ? WAV_ALAW : WAV_MULAW, out, len);
        return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    pcm = malloc(sizeof(int16_t) * (len > 0 ? len : 1));
    if (pcm == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_USAGE;
    }
    g711_frame_decode(codec, out, len, pcm);
    rc = wav_write(a->out, WAV_PCM, pcm, len);
    free(pcm);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

static int prompt_say(const struct prompt_args *a, int argc, char **argv)
{
    const char *pieces[SAY_PIECES_MAX + 1];
    char words[SPEAK_TEXT_MAX];
    size_t n = 0, cap = (size_t)PROMPTS_RATE_HZ * 120;
    struct prompts *p = NULL;
    struct mdt_err err = {0};
    uint8_t *out = NULL;
    int rc;

    if (a->out == NULL) {
        return cli_usage_error("prompt", "say needs --out FILE.wav");
    }
    if (argc > SAY_PIECES_MAX || (argc == 0 && a->amount == NULL)) {
        return cli_usage_error("prompt", "say takes 1 to %d texts, or an --amount", SAY_PIECES_MAX);
    }
    for (int i = 0; i < argc; i++) {
        pieces[n++] = argv[i];
    }
    if (a->amount != NULL) {
        if (amount_words(a, words, sizeof(words)) != CLI_EXIT_OK) {
            return CLI_EXIT_USAGE;
        }
        pieces[n++] = words;
    }
    if (prompts_new(NULL, &p, &err) != 0) {
        cli_error("cannot start espeak-ng: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    out = malloc(cap);
    if (out == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    rc = say_write(p, a, pieces, n, out, cap);
done:
    free(out);
    prompts_free(p);
    return rc;
}

/* Options of both subcommands; returns -1 to go on, or an exit status. */
static int prompt_options(struct prompt_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"lang", required_argument, NULL, 'l'},   {"codec", required_argument, NULL, 'k'},
        {"amount", required_argument, NULL, 'a'}, {"date", required_argument, NULL, 'd'},
        {"ref", required_argument, NULL, 'r'},    {"phone", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},    {"gap", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int ch;

    cli_getopt_reset();
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (ch == 'l' && (strcmp(optarg, "fr") == 0 || strcmp(optarg, "en") == 0)) {
            a->lang = optarg[0] == 'f' ? LANG_FR : LANG_EN;
        } else if (ch == 'l') {
            return cli_usage_error("prompt", "--lang is fr or en, not '%s'", optarg);
        } else if (ch == 'k' && (strcmp(optarg, "linear") == 0 || strcmp(optarg, "pcma") == 0 ||
                                 strcmp(optarg, "pcmu") == 0)) {
            a->codec = optarg;
        } else if (ch == 'k') {
            return cli_usage_error("prompt", "--codec is linear, pcma or pcmu, not '%s'", optarg);
        } else if (ch == 'g') {
            char *end = NULL;
            unsigned long gap = strtoul(optarg, &end, 10);

            if (end == optarg || *end != '\0' || gap > 5000) {
                return cli_usage_error("prompt", "--gap is 0 to 5000 ms, not '%s'", optarg);
            }
            a->gap_ms = (unsigned)gap;
        } else if (ch == 'a' || ch == 'd' || ch == 'r' || ch == 'p' || ch == 'o') {
            const char **slot = ch == 'a'   ? &a->amount
                                : ch == 'd' ? &a->date
                                : ch == 'r' ? &a->ref
                                : ch == 'p' ? &a->phone
                                            : &a->out;

            *slot = optarg;
        } else if (ch == 'h') {
            cmd_prompt_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_option_error("prompt", ch, argv);
        }
    }
    return -1;
}

int cmd_prompt(struct cli *c, int argc, char **argv)
{
    struct prompt_args a = {.lang = LANG_FR, .codec = "linear", .gap_ms = 200};
    int rc = prompt_options(&a, argc, argv);

    (void)c;
    if (rc >= 0) {
        return rc;
    }
    argc -= optind;
    argv += optind;
    if (argc >= 1 && strcmp(argv[0], "say") == 0) {
        return prompt_say(&a, argc - 1, argv + 1);
    }
    if (argc == 1 && strcmp(argv[0], "words") == 0) {
        return prompt_words(&a);
    }
    return cli_usage_error("prompt", "write: prompt say ... or prompt words ...");
}
