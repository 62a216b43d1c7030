/* SPDX-License-Identifier: Apache-2.0 */
/* What the config loader's files share: the schema's types (sections, keys), the loader's state,
 * and the helpers each file offers the others. config.c reads lines and runs the passes,
 * config_keys.c lists every section's keys, config_section.c begins and ends sections,
 * config_value.c reads values, config_fee.c reads [fee.<name>]. Not for use outside
 * src/mandatd/config*.c. */
#ifndef MDT_MANDATD_CONFIG_INT_H
#define MDT_MANDATD_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/money.h"
#include "mandatd/config.h"

/* inih cuts section names at 49 bytes without saying so; every name we accept is shorter
 * ("fee." and a 31-byte schedule name), so longer ones are refused before inih can cut them. */
#define SECTION_NAME_MAX 48

/* [engine] bounds: the engine's own limits (src/base/limits.h explains the numbers); the config
 * may lower them, never raise them. */
#define BATCH_MAX_MAX ((unsigned)ENGINE_BATCH_MAX)
#define QUEUE_DEPTH_MAX ((unsigned)ENGINE_QUEUE_MAX)
/* Card authorisation holds last at most 30 days; no payment order should wait longer. */
#define PENDING_TIMEOUT_MAX_MAX (30u * 24 * 3600)

/* Values quoted in messages are cut at this many bytes, so that the message keeps its advice. */
#define QUOTE_MAX 40
#define QUOTE_BUF (QUOTE_MAX + 4)

/* Keys of any one section at most ([sip] has 17); one bit each in section.keys_seen (32). */
#define SECTION_KEYS_MAX 32

#define WORDS_COUNT(w) ((int)(sizeof(w) / sizeof((w)[0])))

/* Indices of keys in config_keys.c's tables, for checks that need the whole section. */
#define LEDGER_KEY_TIMEOUT 1
#define LEDGER_KEY_TIMEOUT_MAX 2
#define FEE_KEY_TIERS 4
#define FEE_KEY_PERCENT 5
#define FEE_KEY_MIN 7
#define FEE_KEY_MAX 8
#define FEE_KEY_AMOUNT 9

#define TIERS_TEXT_MAX 256

enum section_id {
    SEC_NONE = 0, /* before the first section header */
    SEC_STORE,
    SEC_ENGINE,
    SEC_LOG,
    SEC_LEDGER,
    SEC_SMS,
    SEC_SMPP,
    SEC_KANNEL,
    SEC_HTTP,
    SEC_VAULT,
    SEC_WEBHOOK,
    SEC_SOCIAL,
    SEC_CARDS,
    SEC_ACQUIRER,
    SEC_SIP,
    SEC_ISO,
    SEC_LIMITS,
    SEC_FEE,
    SEC_COUNT_
};

struct load_ctx;
struct key_def;

typedef int (*key_set_fn)(struct load_ctx *ctx, const struct key_def *key, const char *value);

struct key_def {
    const char *name;
    key_set_fn set;
    size_t offset;      /* of the field set, in the struct the section fills */
    uint32_t min;       /* integer keys: accepted range */
    uint32_t max;       /* integer keys */
    unsigned fee_types; /* fee keys: (1u << FEE_*) of the types the key applies to */
};

struct section_def {
    const char *name; /* the full name, or the prefix before '.' for limits and fees */
    const struct key_def *keys;
    size_t key_count;
};

/* A value that decides how other keys are read (a currency, a fee type), remembered by the
 * first pass so that key order in the file does not matter. */
struct scan_value {
    char text[QUOTE_MAX + 8];
    int line; /* 0 when the key is absent */
};

struct scan_fee {
    char section[SECTION_NAME_MAX + 1];
    struct scan_value currency;
    struct scan_value type;
};

/* The section being read in the second pass. */
struct section {
    enum section_id id;
    char name[SECTION_NAME_MAX + 1];
    int line;
    uint32_t keys_seen;
    int key_lines[SECTION_KEYS_MAX];
    struct ledger_limits *limits;
    struct fee_schedule *fee;
    bool fee_fresh; /* new, or type or currency changed: nothing kept from the old schedule */
    const struct currency *cur; /* of the amounts in this section */
    size_t link_offset;         /* [smpp.<name>]: from cfg->smpp to this link; keys are [smpp]'s */
};

struct load_ctx {
    struct mandat_config *cfg;
    const char *name; /* file name for messages */
    struct mdt_err *err;
    int rc; /* first error; once set, the reader stops inih */
    /* Line reader over the text. */
    const char *text;
    size_t pos;
    int lineno;
    bool scanning;
    /* Second pass. */
    struct section sec;
    const struct currency *ledger_cur;
    int section_lines[SEC_COUNT_]; /* where each fixed section appeared, for duplicates */
    int limits_lines[ACCOUNT_KIND_COUNT][KYC_TIER_COUNT];
    int fee_lines[FEE_SCHEDULES_MAX];
    /* First pass. */
    struct scan_value ledger_currency;
    uint32_t scan_fee_count;
    struct scan_fee scan_fees[FEE_SCHEDULES_MAX];
};

/* Every section and its keys, by enum section_id (config_keys.c). */
extern const struct section_def config_sections[SEC_COUNT_];

/* "tiered", "percent", "fixed": the fee types as the file writes them, by FEE_* (config_fee.c). */
extern const char *const config_fee_type_words[3];

/* ---- messages (config.c) ---- */

/* Copy at most QUOTE_MAX of the len bytes of s into out for a message, control characters shown
 * as '?' (the text comes from outside and ends up in logs and terminals). Returns out. */
const char *config_quote_n(char out[QUOTE_BUF], const char *s, size_t len);

/* config_quote_n of the whole string s. */
const char *config_quote(char out[QUOTE_BUF], const char *s);

/* Record the first error: "name:line: what is wrong: what to do". Later errors are dropped.
 * Returns ctx->rc (-MDT_EPARSE). */
int config_fail(struct load_ctx *ctx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, about key on the current line: "name:line: [section] key: ...". */
int config_fail_key(struct load_ctx *ctx, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append word to the list in buf (size bytes), so that count words read "a, b or c". */
void config_list_add(char *buf, size_t size, int i, int count, const char *word);

/* ---- values (config_value.c) ---- */

/* s past its leading blanks. */
const char *config_skip_blank(const char *s);

/* Trim blanks on both sides, in place; returns the start of what is left. */
char *config_trim(char *s);

/* Index of value in words[0 .. count) (case-insensitive), or -1. */
int config_word_find(const char *value, const char *const *words, int count);

/* An amount in the section's currency into *out, in minor units; "none" and 0 both give 0.
 * key names the key in the message on error. */
int config_parse_amount(struct load_ctx *ctx, const char *key, const char *text, int64_t *out);

/* Key setters (key_set_fn): check value and write it where key says. 0 or config_fail's code. */
int config_set_path(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_sync(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_level(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_string(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_country(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_bool(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_lang(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_u32(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_ledger_currency(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_amount(struct load_ctx *ctx, const struct key_def *key, const char *value);
/* [cards] bin: an issuer range of key->min to key->max digits. */
int config_set_digits(struct load_ctx *ctx, const struct key_def *key, const char *value);
/* [cards] price: an amount in the ledger's currency into an int64_t field of the config. */
int config_set_cfg_amount(struct load_ctx *ctx, const struct key_def *key, const char *value);
/* [iso8583.<name>] cash_day_max: an amount in the ledger's currency, or none, into the link. */
int config_set_link_amount(struct load_ctx *ctx, const struct key_def *key, const char *value);

/* ---- [fee.<name>] (config_fee.c) ---- */

int config_set_fee_type(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_fee_currency(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_fee_payer(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_percent(struct load_ctx *ctx, const struct key_def *key, const char *value);
int config_set_tiers(struct load_ctx *ctx, const struct key_def *key, const char *value);

/* The first pass's record of section (a "fee.<name>"), added when add is set and there is room;
 * NULL otherwise. */
struct scan_fee *config_scan_fee_find(struct load_ctx *ctx, const char *section, bool add);

/* [fee.<name>]: redefine the schedule of that name, or add one. */
int config_fee_begin(struct load_ctx *ctx, const char *fee_name);

/* Checks that need the whole [fee.<name>] section. */
int config_fee_end(struct load_ctx *ctx);

/* ---- sections (config_section.c) ---- */

/* A section header on the current line; the previous section has been ended. */
int config_section_begin(struct load_ctx *ctx, const char *name);

/* End the current section: the checks that need all its keys. */
int config_section_end(struct load_ctx *ctx);

/* An SMSC link's defaults, for [smpp] and each [smpp.<name>]. */
void config_smpp_link_defaults(struct config_smpp *l);

/* An [iso8583.<name>] link's defaults. */
void config_iso_defaults(struct config_iso *l);

#endif
