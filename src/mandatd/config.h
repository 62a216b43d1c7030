/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf: the INI file read by mandatd and the mandat CLI. Every key has a documented
 * default (docs/mandat.conf); unknown sections or keys are errors, so typos never pass silently. */
#ifndef MDT_MANDATD_CONFIG_H
#define MDT_MANDATD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h" /* CONFIG_SMPP_LINKS_MAX, CONFIG_SMPP_BINDS_MAX */
#include "ledger/ledger_types.h"

#define CONFIG_PATH_MAX 512
/* [iso8583.<name>] sections at most: one per card network or switch. */
#define CONFIG_ISO_LINKS_MAX 4

enum store_sync {
    STORE_SYNC_FULL = 0,   /* fsync the WAL at every commit: nothing acknowledged is lost */
    STORE_SYNC_NORMAL = 1, /* fsync at checkpoints only: a power cut may lose recent commits */
    STORE_SYNC_OFF = 2,    /* tests and benchmarks of CPU cost only */
};

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,
    LOG_DEBUG = 3,
};

struct mandat_config {
    /* [store] */
    char store_path[CONFIG_PATH_MAX]; /* path = mandat.db (relative to the config's directory) */
    uint8_t store_sync;               /* synchronous = full | normal | off */
    /* [engine] */
    uint32_t batch_max;   /* batch_max = 8190: operations committed together at most */
    uint32_t queue_depth; /* queue_depth = 65536: queued operations before callers get EFULL */
    /* [log] */
    uint8_t log_level; /* level = error | warn | info | debug */
    /* [ledger], [limits.<kind>.<tier>], [fee.<name>] */
    struct ledger_config ledger;
    /* [sms]: the conversation by SMS (see docs/mandat.conf) */
    struct {
        char short_code[33];          /* short_code = 71004 */
        char country[3];              /* country = FR: default country of national numbers */
        uint8_t lang;                 /* lang = fr | en: before a person's first keyword */
        uint32_t order_timeout_s;     /* order_timeout = 300 (PSD2) */
        uint32_t code_attempts;       /* code_attempts = 5 */
        uint32_t code_lock_s;         /* code_lock = 1800 */
        uint32_t code_reset_delay_s;  /* code_reset_delay = 86400: a forgotten code's reset */
        uint32_t dedup_window_s;      /* dedup_window = 86400 */
        uint32_t claim_period_s;      /* claim_period = 604800: money for a number with no wallet */
        char order_fee[FEE_NAME_MAX]; /* order_fee = sms_order (a [fee.*] name, or none) */
    } sms;
    /* [smpp]: the operator's SMSC; host empty: no SMPP link (see docs/mandat.conf). More links,
     * to other SMSCs, in [smpp.<name>] sections: smpp_more[0..smpp_more_count). */
    struct config_smpp {
        char name[24]; /* "" for [smpp], <name> for [smpp.<name>] */
        char host[64];
        uint32_t port; /* 2775 */
        char system_id[16];
        char password[9]; /* a secret: never logged */
        char system_type[13];
        char address_range[41];            /* SMPP 3.4 §5.2.7; empty: what the SMSC routes to us */
        uint8_t transceiver;               /* 1: bind_transceiver; 0: transmitter + receiver */
        uint32_t window;                   /* 10 unacknowledged submit_sm */
        uint32_t throughput;               /* submit_sm per second, 0: no cap */
        uint32_t enquire_link_s;           /* 30 */
        uint8_t registered_delivery;       /* 1: ask for delivery receipts */
        uint32_t binds;                    /* 1: parallel binds to this SMSC, same credentials */
        uint8_t tls;                       /* 0: plain TCP; 1: TLS */
        char tls_ca_file[CONFIG_PATH_MAX]; /* "" the system's trust store */
        uint8_t tls_verify;                /* 1: check the certificate and the host name */
    } smpp;
    struct config_smpp smpp_more[CONFIG_SMPP_LINKS_MAX - 1];
    uint32_t smpp_more_count;
    /* [kannel]: send through Kannel's sendsms when there is no [smpp] link */
    struct {
        char sendsms_url[256]; /* http://127.0.0.1:13013/cgi-bin/sendsms; empty: off */
        char username[64];
        char password[64]; /* a secret: never logged */
        char dlr_url[256]; /* http://127.0.0.1:8711/kannel/dlr; empty: no delivery reports */
        /* Who may deliver MOs and DLRs to the gateway endpoints (internal listener only); both
         * empty: the endpoints are off. A secret never logged; allow is a list of addresses and
         * CIDRs. */
        char mo_secret[128];
        char mo_allow[256];
    } kannel;
    /* [http]: local HTTP endpoint for MO in Kannel smsbox get-url form and the dev phone */
    char http_listen[64]; /* listen = 127.0.0.1:8710 (public: pages, API, social); empty: off */
    /* internal_listen = (Kannel, /metrics, the dev pages: never on the internet); empty: off */
    char http_internal_listen[64];
    struct {
        char tls_cert[CONFIG_PATH_MAX]; /* tls_cert = (PEM chain; with tls_key: HTTPS only) */
        char tls_key[CONFIG_PATH_MAX];  /* tls_key = (PEM private key, 0600) */
        char public_url[256];    /* public_url = (links in messages; empty: http(s)://listen) */
        uint8_t dev_mode;        /* dev_mode = false: /dev/phone and /dev/outbox (internal) */
        char metrics_token[128]; /* metrics_token = (Bearer for /metrics on the public side) */
        uint32_t api_rate;       /* api_rate = 100: requests per second per API key */
        /* What one client may send and hold (src/base/limits.h HTTP_*_DEFAULT). */
        uint32_t request_timeout_s;    /* request_timeout = 10: head and body, not reset */
        uint32_t max_connections;      /* max_connections = 1024 */
        uint32_t max_connections_addr; /* max_connections_per_address = 256 */
        uint32_t max_header_bytes;     /* max_header_bytes = 32768: request line and headers */
        uint32_t max_headers;          /* max_headers = 100: header lines */
        uint32_t max_request_line;     /* max_request_line = 8192: method, URL, version */
    } http;
    /* [vault] */
    char vault_key_file[CONFIG_PATH_MAX]; /* key_file = mandat.key (0600, outside the database) */
    /* [cards]: prepaid cards (issue 13) */
    struct {
        char key_ring[CONFIG_PATH_MAX]; /* key_ring = mandat-cards.keys (0600, created at init) */
        char bin[9];                    /* bin = 999999: the issuer range, 6 to 8 digits */
        uint32_t expiry_years;          /* expiry_years = 3 */
        int64_t price_minor;            /* price = 19 EUR: a card ordered on a page */
        /* emboss_file = mandat-emboss.txt: the card maker's lines of cards ordered on a page */
        char emboss_file[CONFIG_PATH_MAX];
    } cards;
    /* [webhook]: delivery of merchants' events (docs/webhooks.md) */
    struct {
        uint32_t timeout_s;                /* timeout = 10: one try, DNS to response */
        uint32_t concurrency;              /* concurrency = 16: requests in flight at most */
        uint32_t merchant_concurrency;     /* merchant_concurrency = 4: of those, per merchant */
        uint32_t retry_min_s;              /* retry_min = 10: first wait, doubled up to 1 h */
        uint32_t retry_period_s;           /* retry_period = 86400: then failed */
        char tls_ca_file[CONFIG_PATH_MAX]; /* tls_ca_file = (empty: the system's trust store) */
        uint8_t allow_private; /* allow_private = no: loopback and private addresses refused */
    } webhook;
    /* [acquirer]: money in by bank card (issue 13; docs/mandat.conf) */
    struct {
        char kind[8];                     /* kind = none | test: the module behind acquirer.h */
        uint32_t latency_ms;              /* latency = 200: the test acquirer's answer time */
        uint32_t timeout_ms;              /* timeout = 10000: then a call is unknown */
        char state_file[CONFIG_PATH_MAX]; /* state_file = (test acquirer's journal; "" memory) */
        char fee[FEE_NAME_MAX];           /* fee = none, or a [fee.*] name: card_acquiring */
        uint32_t fee_account;             /* fee_account = 0: the fees account of the currency */
        uint32_t link_timeout_s;          /* link_timeout = 900: a top-up page's link lives */
    } acquirer;
    /* [social]: posts on X and Mastodon (docs/mandat.conf); secrets are never logged */
    struct {
        char handle[33];             /* handle = @mandat: how people mention us */
        char x_consumer_secret[128]; /* empty: no X webhook */
        char x_api[256];             /* x_api = https://api.x.com: replies and messages */
        char x_bearer_token[512];
        char x_user_id[32];     /* our account's id: its own posts are ignored */
        char mastodon_url[256]; /* empty: no Mastodon polling */
        char mastodon_token[256];
        uint32_t mastodon_poll_ms; /* mastodon_poll = 2000 */
        uint32_t timeout_s;        /* timeout = 10 */
        uint32_t retry_min_s;      /* retry_min = 5 */
        uint32_t retry_period_s;   /* retry_period = 86400 */
        char tls_ca_file[CONFIG_PATH_MAX];
    } social;
    /* [sip]: the phone channel (issue 14, docs/mandat.conf); listen empty: off */
    struct {
        char listen[64];        /* listen = (empty: off); "127.0.0.1:5060": UDP and TCP */
        char rtp_addr[64];      /* rtp_addr = (empty: listen's address): where RTP is bound */
        uint32_t rtp_port_min;  /* rtp_port_min = 16384 */
        uint32_t rtp_port_max;  /* rtp_port_max = 32767 */
        uint32_t max_calls;     /* max_calls = 64: then 503 with Retry-After */
        uint32_t retry_after_s; /* retry_after = 30 */
        uint32_t rtp_timeout_s; /* rtp_timeout = 60: a call with no RTP that long is ended */
        char allow[256];        /* allow = 127.0.0.1 ::1: the trunk's addresses; others get 403 */
        char trusted[256];      /* trusted = (empty): peers whose P-Asserted-Identity is believed */
        char auth[24];          /* auth = allow | digest | allow_or_digest | allow_and_digest */
        char auth_realm[64];    /* auth_realm = mandat: the digest realm */
        char auth_file[CONFIG_PATH_MAX]; /* auth_file: "user:realm:HA1" lines, mode 0600 */
        uint32_t nonce_life_s;           /* nonce_life = 300 */
        uint32_t auth_fail_max;          /* auth_fail_max = 5 */
        uint32_t auth_fail_lock_s;       /* auth_fail_lock = 300 */
        uint32_t session_expires_s;      /* session_expires = 1800 (RFC 4028) */
        uint32_t min_se_s;               /* min_se = 90 (RFC 4028 §4; lower for tests only) */
    } sip;
    /* [iso8583.<name>]: the card networks' switches of the issuer host (issue 15;
     * docs/mandat.conf): iso[0..iso_count). */
    struct config_iso {
        char name[24];
        char listen[64];  /* "IP:port": switches connect to us; or */
        char connect[64]; /* "IP:port": we connect to the switch */
        char tls_cert[CONFIG_PATH_MAX];
        char tls_key[CONFIG_PATH_MAX];
        char tls_ca[CONFIG_PATH_MAX];
        uint32_t in_flight;             /* in_flight = 64: requests per connection, then 91 */
        uint32_t answer_ms;             /* answer_ms = 5000: the network's time budget, then 91 */
        uint32_t echo_idle_s;           /* echo_idle = 60: our 0800/301 on a silent connection */
        char zpk_file[CONFIG_PATH_MAX]; /* zpk_file: the zone PIN key, hex, mode 0600 */
        char zpk_alg[8];                /* zpk_alg = tdes | aes128 | aes256 */
        int64_t cash_day_max;           /* cash_day_max = 500 EUR per card per day; none */
        uint32_t hold_expiry_s;         /* hold_expiry = 604800 (7 days) */
        char atm_fee[FEE_NAME_MAX];     /* atm_fee = none, or a [fee.*] name */
        char fx_fee[FEE_NAME_MAX];      /* fx_fee = none, or a [fee.*] name */
    } iso[CONFIG_ISO_LINKS_MAX];
    uint32_t iso_count;
};

/* Fill cfg with the defaults (the same values docs/mandat.conf documents). */
void config_defaults(struct mandat_config *cfg);

/* Load an INI file over the defaults. path NULL or missing file: -MDT_ENOTFOUND.
 * On a malformed file returns -MDT_EPARSE with err naming the line, section and key, and what
 * is expected: "mandat.conf:12: [fee.sms] amount: '0,5x' is not an amount". cfg is then
 * partly filled and must not be used. Not thread-safe (call at start-up). */
int config_load_file(struct mandat_config *cfg, const char *path, struct mdt_err *err);

/* Make every relative file path of cfg (the store's file, key files, the key ring, the emboss
 * file, TLS files, the acquirer's journal, zone PIN keys) relative to the directory of the
 * config file at config_path, as a daemon's working directory is anyone's guess: a key ring
 * named "mandat-cards.keys" lands beside the config that names it, not wherever mandatd or
 * mandat was started (once, a benchmark's key ring landed in a source tree). Absolute paths,
 * empty ones and PostgreSQL URIs are left alone; a config in the working directory changes
 * nothing. -MDT_ERANGE with err naming the key when a joined path is too long. */
int config_resolve_paths(struct mandat_config *cfg, const char *config_path, struct mdt_err *err);

/* Same as config_load_file on an in-memory, NUL-terminated text (used by the fuzz target and
 * tests). name is used in error messages. */
int config_load_string(struct mandat_config *cfg, const char *text, const char *name,
                       struct mdt_err *err);

#endif
