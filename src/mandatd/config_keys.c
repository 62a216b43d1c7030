/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf's schema: every section and its keys, with where each value goes, how it is read
 * and its accepted range. docs/mandat.conf documents the same keys; a key not listed here is an
 * error. */
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "mandatd/config.h"
#include "mandatd/config_int.h"

#define CFG_OFF(field) offsetof(struct mandat_config, field)
#define LIM_OFF(field) offsetof(struct ledger_limits, field)
#define FEE_OFF(field) offsetof(struct fee_schedule, field)
#define FEE_ALL ((1u << FEE_TIERED) | (1u << FEE_PERCENT) | (1u << FEE_FIXED))

static const struct key_def store_keys[] = {
    {"path", config_set_path, 0, 0, 0, 0},
    {"synchronous", config_set_sync, 0, 0, 0, 0},
};

static const struct key_def engine_keys[] = {
    {"batch_max", config_set_u32, CFG_OFF(batch_max), 1, BATCH_MAX_MAX, 0},
    {"queue_depth", config_set_u32, CFG_OFF(queue_depth), 1, QUEUE_DEPTH_MAX, 0},
};

static const struct key_def log_keys[] = {
    {"level", config_set_level, 0, 0, 0, 0},
};

/* pending_timeout is checked against pending_timeout_max when the section ends. */
static const struct key_def ledger_keys[] = {
    {"currency", config_set_ledger_currency, 0, 0, 0, 0},
    {"pending_timeout", config_set_u32, CFG_OFF(ledger.pending_timeout_default_s), 1,
     PENDING_TIMEOUT_MAX_MAX, 0},
    {"pending_timeout_max", config_set_u32, CFG_OFF(ledger.pending_timeout_max_s), 1,
     PENDING_TIMEOUT_MAX_MAX, 0},
};

static const struct key_def sms_keys[] = {
    {"short_code", config_set_string, CFG_OFF(sms.short_code), 1,
     sizeof(((struct mandat_config *)0)->sms.short_code) - 1, 0},
    {"country", config_set_country, CFG_OFF(sms.country), 0, 0, 0},
    {"lang", config_set_lang, CFG_OFF(sms.lang), 0, 0, 0},
    {"order_timeout", config_set_u32, CFG_OFF(sms.order_timeout_s), 30, 3600, 0},
    {"code_attempts", config_set_u32, CFG_OFF(sms.code_attempts), 1, 10, 0},
    {"code_lock", config_set_u32, CFG_OFF(sms.code_lock_s), 60, 7 * 86400, 0},
    /* a few seconds are allowed for tests; people need hours to notice a reset they did not ask */
    {"code_reset_delay", config_set_u32, CFG_OFF(sms.code_reset_delay_s), 1, 30 * 86400, 0},
    /* a few seconds are allowed for tests; SMSCs redeliver within hours */
    {"dedup_window", config_set_u32, CFG_OFF(sms.dedup_window_s), 1, 7 * 86400, 0},
    {"claim_period", config_set_u32, CFG_OFF(sms.claim_period_s), 1, 90 * 86400, 0},
    {"order_fee", config_set_string, CFG_OFF(sms.order_fee), 1, FEE_NAME_MAX - 1, 0},
};

#define SMPP_STR(field) CFG_OFF(smpp.field), 0, sizeof(((struct mandat_config *)0)->smpp.field) - 1

static const struct key_def smpp_keys[] = {
    {"host", config_set_string, SMPP_STR(host), 0},
    {"port", config_set_u32, CFG_OFF(smpp.port), 1, 65535, 0},
    {"system_id", config_set_string, SMPP_STR(system_id), 0},
    {"password", config_set_string, SMPP_STR(password), 0},
    {"system_type", config_set_string, SMPP_STR(system_type), 0},
    {"address_range", config_set_string, SMPP_STR(address_range), 0},
    {"transceiver", config_set_bool, CFG_OFF(smpp.transceiver), 0, 0, 0},
    {"window", config_set_u32, CFG_OFF(smpp.window), 1, 1000, 0},
    {"throughput", config_set_u32, CFG_OFF(smpp.throughput), 0, 100000, 0},
    {"enquire_link", config_set_u32, CFG_OFF(smpp.enquire_link_s), 5, 3600, 0},
    {"registered_delivery", config_set_bool, CFG_OFF(smpp.registered_delivery), 0, 0, 0},
    {"binds", config_set_u32, CFG_OFF(smpp.binds), 1, CONFIG_SMPP_BINDS_MAX, 0},
    {"tls", config_set_bool, CFG_OFF(smpp.tls), 0, 0, 0},
    {"tls_ca_file", config_set_string, SMPP_STR(tls_ca_file), 0},
    {"tls_verify", config_set_bool, CFG_OFF(smpp.tls_verify), 0, 0, 0},
};
_Static_assert(offsetof(struct mandat_config, smpp_more) ==
                   offsetof(struct mandat_config, smpp) + sizeof(struct config_smpp),
               "[smpp.<name>] links are addressed as offsets from [smpp]");

#define KANNEL_STR(field)                                                                          \
    CFG_OFF(kannel.field), 0, sizeof(((struct mandat_config *)0)->kannel.field) - 1

static const struct key_def kannel_keys[] = {
    {"sendsms_url", config_set_string, KANNEL_STR(sendsms_url), 0},
    {"username", config_set_string, KANNEL_STR(username), 0},
    {"password", config_set_string, KANNEL_STR(password), 0},
    {"dlr_url", config_set_string, KANNEL_STR(dlr_url), 0},
    {"mo_secret", config_set_string, KANNEL_STR(mo_secret), 0},
    {"mo_allow", config_set_string, KANNEL_STR(mo_allow), 0},
};

#define HTTP_STR(field) CFG_OFF(http.field), 0, sizeof(((struct mandat_config *)0)->http.field) - 1

static const struct key_def http_keys[] = {
    {"listen", config_set_string, CFG_OFF(http_listen), 0,
     sizeof(((struct mandat_config *)0)->http_listen) - 1, 0},
    {"tls_cert", config_set_string, HTTP_STR(tls_cert), 0},
    {"tls_key", config_set_string, HTTP_STR(tls_key), 0},
    {"public_url", config_set_string, HTTP_STR(public_url), 0},
    {"dev_mode", config_set_bool, CFG_OFF(http.dev_mode), 0, 0, 0},
    {"internal_listen", config_set_string, CFG_OFF(http_internal_listen), 0,
     sizeof(((struct mandat_config *)0)->http_internal_listen) - 1, 0},
    {"metrics_token", config_set_string, HTTP_STR(metrics_token), 0},
    {"api_rate", config_set_u32, CFG_OFF(http.api_rate), 1, 1000000, 0},
    {"request_timeout", config_set_u32, CFG_OFF(http.request_timeout_s), 1,
     HTTP_REQUEST_TIMEOUT_S_MAX, 0},
    {"max_connections", config_set_u32, CFG_OFF(http.max_connections), 1, HTTP_CONNECTIONS_MAX_MAX,
     0},
    {"max_connections_per_address", config_set_u32, CFG_OFF(http.max_connections_addr), 1,
     HTTP_CONNECTIONS_MAX_MAX, 0},
    {"max_header_bytes", config_set_u32, CFG_OFF(http.max_header_bytes), 1024, 1024 * 1024, 0},
    {"max_headers", config_set_u32, CFG_OFF(http.max_headers), 1, 10000, 0},
    {"max_request_line", config_set_u32, CFG_OFF(http.max_request_line), 64, 1024 * 1024, 0},
};

static const struct key_def vault_keys[] = {
    {"key_file", config_set_string, CFG_OFF(vault_key_file), 1, CONFIG_PATH_MAX - 1, 0},
};

/* A try waits at most 5 minutes; a retry period of at most 30 days, as card authorisations. */
static const struct key_def webhook_keys[] = {
    {"timeout", config_set_u32, CFG_OFF(webhook.timeout_s), 1, 300, 0},
    {"concurrency", config_set_u32, CFG_OFF(webhook.concurrency), 1, WEBHOOK_CONCURRENCY_MAX, 0},
    {"merchant_concurrency", config_set_u32, CFG_OFF(webhook.merchant_concurrency), 1,
     WEBHOOK_CONCURRENCY_MAX, 0},
    {"retry_min", config_set_u32, CFG_OFF(webhook.retry_min_s), 1, WEBHOOK_BACKOFF_MAX_S, 0},
    {"retry_period", config_set_u32, CFG_OFF(webhook.retry_period_s), 1, 30 * 86400, 0},
    {"tls_ca_file", config_set_string, CFG_OFF(webhook.tls_ca_file), 0, CONFIG_PATH_MAX - 1, 0},
    {"allow_private", config_set_bool, CFG_OFF(webhook.allow_private), 0, 0, 0},
};

static const struct key_def social_keys[] = {
    {"handle", config_set_string, CFG_OFF(social.handle), 2, 32, 0},
    {"x_consumer_secret", config_set_string, CFG_OFF(social.x_consumer_secret), 0, 127, 0},
    {"x_api", config_set_string, CFG_OFF(social.x_api), 0, 255, 0},
    {"x_bearer_token", config_set_string, CFG_OFF(social.x_bearer_token), 0, 511, 0},
    {"x_user_id", config_set_string, CFG_OFF(social.x_user_id), 0, 31, 0},
    {"mastodon_url", config_set_string, CFG_OFF(social.mastodon_url), 0, 255, 0},
    {"mastodon_token", config_set_string, CFG_OFF(social.mastodon_token), 0, 255, 0},
    {"mastodon_poll", config_set_u32, CFG_OFF(social.mastodon_poll_ms), 100, 3600000, 0},
    {"timeout", config_set_u32, CFG_OFF(social.timeout_s), 1, 300, 0},
    {"retry_min", config_set_u32, CFG_OFF(social.retry_min_s), 1, 3600, 0},
    {"retry_period", config_set_u32, CFG_OFF(social.retry_period_s), 60, 30 * 86400, 0},
    {"tls_ca_file", config_set_string, CFG_OFF(social.tls_ca_file), 0, CONFIG_PATH_MAX - 1, 0},
};

/* Cards (issue 13). A BIN of 6 to 8 digits (ISO/IEC 7812-1:2017 moved to 8); cards last 1 to
 * 10 years (networks issue 2 to 5). */
static const struct key_def cards_keys[] = {
    {"key_ring", config_set_string, CFG_OFF(cards.key_ring), 1, CONFIG_PATH_MAX - 1, 0},
    {"bin", config_set_digits, CFG_OFF(cards.bin), 6, 8, 0},
    {"expiry_years", config_set_u32, CFG_OFF(cards.expiry_years), 1, 10, 0},
    {"price", config_set_cfg_amount, CFG_OFF(cards.price_minor), 0, 0, 0},
    {"emboss_file", config_set_string, CFG_OFF(cards.emboss_file), 1, CONFIG_PATH_MAX - 1, 0},
};

/* The kind is checked by mandatd, which knows the modules; a call waits at most 2 minutes. */
static const struct key_def acquirer_keys[] = {
    {"kind", config_set_string, CFG_OFF(acquirer.kind), 1,
     sizeof(((struct mandat_config *)0)->acquirer.kind) - 1, 0},
    {"latency", config_set_u32, CFG_OFF(acquirer.latency_ms), 0, 60000, 0},
    {"timeout", config_set_u32, CFG_OFF(acquirer.timeout_ms), 1, 120000, 0},
    {"state_file", config_set_string, CFG_OFF(acquirer.state_file), 0, CONFIG_PATH_MAX - 1, 0},
    {"fee", config_set_string, CFG_OFF(acquirer.fee), 1, FEE_NAME_MAX - 1, 0},
    {"fee_account", config_set_u32, CFG_OFF(acquirer.fee_account), 0, UINT32_MAX, 0},
    {"link_timeout", config_set_u32, CFG_OFF(acquirer.link_timeout_s), 60, 86400, 0},
};

#define SIP_STR(field) CFG_OFF(sip.field), 0, sizeof(((struct mandat_config *)0)->sip.field) - 1

/* The phone channel (issue 14). RTP ports are even numbers above the well-known range; a call
 * takes two (RTP and RTCP). Retry-After within an hour: callers redial within minutes. */
static const struct key_def sip_keys[] = {
    {"listen", config_set_string, SIP_STR(listen), 0},
    {"rtp_addr", config_set_string, SIP_STR(rtp_addr), 0},
    {"rtp_port_min", config_set_u32, CFG_OFF(sip.rtp_port_min), 1024, 65534, 0},
    {"rtp_port_max", config_set_u32, CFG_OFF(sip.rtp_port_max), 1025, 65535, 0},
    {"max_calls", config_set_u32, CFG_OFF(sip.max_calls), 1, SIP_CALLS_MAX, 0},
    {"retry_after", config_set_u32, CFG_OFF(sip.retry_after_s), 1, 3600, 0},
    {"rtp_timeout", config_set_u32, CFG_OFF(sip.rtp_timeout_s), 1, 3600, 0},
    {"allow", config_set_string, SIP_STR(allow), 0},
    {"trusted", config_set_string, SIP_STR(trusted), 0},
    {"auth", config_set_string, SIP_STR(auth), 0},
    {"auth_realm", config_set_string, SIP_STR(auth_realm), 0},
    {"auth_file", config_set_string, SIP_STR(auth_file), 0},
    {"nonce_life", config_set_u32, CFG_OFF(sip.nonce_life_s), 1, 3600, 0},
    {"auth_fail_max", config_set_u32, CFG_OFF(sip.auth_fail_max), 1, 100, 0},
    {"auth_fail_lock", config_set_u32, CFG_OFF(sip.auth_fail_lock_s), 1, 86400, 0},
    /* RFC 4028 §4: 90 s at least; lower values are for tests that cannot wait a minute */
    {"session_expires", config_set_u32, CFG_OFF(sip.session_expires_s), 1, 86400, 0},
    {"min_se", config_set_u32, CFG_OFF(sip.min_se_s), 1, 86400, 0},
};

#define ISO_STR(field) CFG_OFF(iso[0].field), 0, sizeof(((struct mandat_config *)0)->iso[0].field) - 1

/* [iso8583.<name>]: offsets from iso[0]; the section adds its link's. */
static const struct key_def iso_keys[] = {
    {"listen", config_set_string, ISO_STR(listen), 0},
    {"connect", config_set_string, ISO_STR(connect), 0},
    {"tls_cert", config_set_string, ISO_STR(tls_cert), 0},
    {"tls_key", config_set_string, ISO_STR(tls_key), 0},
    {"tls_ca", config_set_string, ISO_STR(tls_ca), 0},
    {"in_flight", config_set_u32, CFG_OFF(iso[0].in_flight), 1, ISO_LINK_INFLIGHT_MAX, 0},
    {"answer_ms", config_set_u32, CFG_OFF(iso[0].answer_ms), 100, 60000, 0},
    {"echo_idle", config_set_u32, CFG_OFF(iso[0].echo_idle_s), 0, 3600, 0},
    {"zpk_file", config_set_string, ISO_STR(zpk_file), 0},
    {"zpk_alg", config_set_string, ISO_STR(zpk_alg), 0},
    {"cash_day_max", config_set_link_amount, CFG_OFF(iso[0].cash_day_max), 0, 0, 0},
    {"hold_expiry", config_set_u32, CFG_OFF(iso[0].hold_expiry_s), 60, PENDING_TIMEOUT_MAX_MAX, 0},
    {"atm_fee", config_set_string, ISO_STR(atm_fee), 0},
    {"fx_fee", config_set_string, ISO_STR(fx_fee), 0},
};

static const struct key_def limits_keys[] = {
    {"op_max_p2p", config_set_amount, LIM_OFF(op_max_p2p), 0, 0, 0},
    {"op_max_payment", config_set_amount, LIM_OFF(op_max_payment), 0, 0, 0},
    {"day_debits_max", config_set_amount, LIM_OFF(day_debits_max), 0, 0, 0},
    {"month_debits_max", config_set_amount, LIM_OFF(month_debits_max), 0, 0, 0},
    {"year_debits_max", config_set_amount, LIM_OFF(year_debits_max), 0, 0, 0},
    {"year_loads_max", config_set_amount, LIM_OFF(year_loads_max), 0, 0, 0},
    {"balance_max", config_set_amount, LIM_OFF(balance_max), 0, 0, 0},
};

/* `fixed` (percent schedules) and `amount` (fixed schedules) are the same field: the ledger
 * adds `fixed` to every percent fee and charges it alone for a fixed schedule. */
static const struct key_def fee_keys[] = {
    {"type", config_set_fee_type, 0, 0, 0, FEE_ALL},
    {"payer", config_set_fee_payer, 0, 0, 0, FEE_ALL},
    {"currency", config_set_fee_currency, 0, 0, 0, FEE_ALL},
    {"min_amount", config_set_amount, FEE_OFF(min_amount), 0, 0, FEE_ALL},
    {"tiers", config_set_tiers, 0, 0, 0, 1u << FEE_TIERED},
    {"percent", config_set_percent, 0, 0, 0, 1u << FEE_PERCENT},
    {"fixed", config_set_amount, FEE_OFF(fixed), 0, 0, 1u << FEE_PERCENT},
    {"min", config_set_amount, FEE_OFF(fee_min), 0, 0, 1u << FEE_PERCENT},
    {"max", config_set_amount, FEE_OFF(fee_max), 0, 0, 1u << FEE_PERCENT},
    {"amount", config_set_amount, FEE_OFF(fixed), 0, 0, 1u << FEE_FIXED},
};

#define SECTION_DEF(name, keys)                                                                    \
    {                                                                                              \
        name, keys, sizeof(keys) / sizeof((keys)[0])                                               \
    }

const struct section_def config_sections[SEC_COUNT_] = {
    [SEC_NONE] = {"", NULL, 0},
    [SEC_STORE] = SECTION_DEF("store", store_keys),
    [SEC_ENGINE] = SECTION_DEF("engine", engine_keys),
    [SEC_LOG] = SECTION_DEF("log", log_keys),
    [SEC_LEDGER] = SECTION_DEF("ledger", ledger_keys),
    [SEC_SMS] = SECTION_DEF("sms", sms_keys),
    [SEC_SMPP] = SECTION_DEF("smpp", smpp_keys),
    [SEC_KANNEL] = SECTION_DEF("kannel", kannel_keys),
    [SEC_HTTP] = SECTION_DEF("http", http_keys),
    [SEC_VAULT] = SECTION_DEF("vault", vault_keys),
    [SEC_WEBHOOK] = SECTION_DEF("webhook", webhook_keys),
    [SEC_SOCIAL] = SECTION_DEF("social", social_keys),
    [SEC_CARDS] = SECTION_DEF("cards", cards_keys),
    [SEC_ACQUIRER] = SECTION_DEF("acquirer", acquirer_keys),
    [SEC_SIP] = SECTION_DEF("sip", sip_keys),
    [SEC_ISO] = SECTION_DEF("iso8583", iso_keys),
    [SEC_LIMITS] = SECTION_DEF("limits", limits_keys),
    [SEC_FEE] = SECTION_DEF("fee", fee_keys),
};

_Static_assert(sizeof(fee_keys) / sizeof(fee_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(iso_keys) / sizeof(iso_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(limits_keys) / sizeof(limits_keys[0]) <= SECTION_KEYS_MAX, "keys_seen");
_Static_assert(sizeof(sms_keys) / sizeof(sms_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(smpp_keys) / sizeof(smpp_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(kannel_keys) / sizeof(kannel_keys[0]) <= SECTION_KEYS_MAX, "keys_seen");
_Static_assert(sizeof(sip_keys) / sizeof(sip_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
