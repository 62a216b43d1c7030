/* SPDX-License-Identifier: Apache-2.0 */
/* What the channels and the dialog persist beside the ledger: the inbox of messages received
 * (deduplicated by id), the outbox of messages to send (retried until the peer accepts them),
 * customers (a phone number, its wallet and its code hash), conversations (the order waiting for
 * a code) and associations (donation keywords). Personal data lives here, never in the ledger's
 * hash-chained log, so that an erasure request can remove a person while the books still
 * balance. These rows commit in the same transaction as the ledger batch they ride with. */
#ifndef MDT_STORE_STORE_CHANNEL_H
#define MDT_STORE_STORE_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "ledger/ledger_types.h"

#define STORE_REF_MAX 16
/* A sealed link token (vault_secret_seal of a 2-byte offset and 32 hex digits: 34 + 29). */
#define STORE_SEAL_MAX 64

enum channel_id {
    CHANNEL_CLI = 0,
    CHANNEL_SMS = 1,
    CHANNEL_HTTP = 2,
    CHANNEL_SOCIAL = 3,
    CHANNEL_VOICE = 4,
    CHANNEL_ISO8583 = 5, /* a card network's switch (issue 15) */
};

enum outbox_state {
    OUTBOX_QUEUED = 0,    /* waiting to be sent or retried */
    OUTBOX_SENT = 1,      /* accepted by the peer (submit_sm_resp OK): peer_id set */
    OUTBOX_DELIVERED = 2, /* delivery receipt: delivered */
    OUTBOX_FAILED = 3,    /* delivery receipt: undeliverable, expired, rejected; or gave up */
};

struct inbox_row {
    struct id128 id; /* derived from the peer's id or the dedup key: a redelivery has the same */
    uint16_t channel;
    char peer_id[STORE_PEER_ID_MAX];
    char source[STORE_ADDR_MAX];
    char dest[STORE_ADDR_MAX];
    int64_t peer_time_us;
    int64_t received_us;
    char text[STORE_TEXT_MAX];
    /* An SMPP message without the SMSC's id: its keyed content key while its acknowledgement is
     * not known read (a crash leaves it in doubt: a candidate for a redelivery after the
     * restart); zero otherwise, and once cleared (EXTRA_INBOX_CONFIRMED). */
    struct id128 doubt_key;
};

struct outbox_row {
    struct id128 id; /* derived from the inbox id and the reply's index: replies are idempotent */
    struct id128 inbox_id;
    uint16_t channel;
    uint16_t state; /* enum outbox_state */
    uint32_t attempts;
    char source[STORE_ADDR_MAX];
    char dest[STORE_ADDR_MAX];
    char peer_id[STORE_PEER_ID_MAX];
    char final_state[16]; /* DELIVRD, UNDELIV, ... as the peer said */
    int64_t next_try_us;
    int64_t created_us;
    char text[STORE_TEXT_MAX];
    /* social replies (CHANNEL_SOCIAL): */
    char dest_id[STORE_PEER_ID_MAX];  /* the platform's id of dest (X direct messages need it) */
    char reply_to[STORE_PEER_ID_MAX]; /* the post answered; "" none */
    uint16_t visibility;              /* enum outbox_visibility */
    /* The link's token, sealed by the vault: text holds a neutral marker in its place, so that
     * the token is never stored in clear (DESIGN.md). Senders put it back just before sending
     * (dialog_outbox_open); the store drops it once the peer has accepted the message. */
    uint8_t link_seal[STORE_SEAL_MAX];
    uint16_t link_seal_len; /* 0: no link */
};

/* Who sees a social reply. Direct is the default: links, amounts and receipts never go public. */
enum outbox_visibility {
    VIS_DIRECT = 0,
    VIS_PUBLIC = 1,
};

struct customer_row {
    char phone[STORE_ADDR_MAX]; /* E.164 */
    uint64_t account_id;
    uint16_t lang; /* enum lang */
    bool has_pin;
    uint8_t pin_hash[32];
    uint32_t pin_failures;
    int64_t locked_until_us;
    int64_t created_us;
    uint8_t enrol_hash[32];   /* keyed hash of the link to set the code (/enrol/<token>) */
    int64_t enrol_expires_us; /* 0: no link */
    /* A forgotten code's reset (DESIGN.md, "The code is knowledge"): 0 none; otherwise when the
     * code stops working and a new one may be set. Until then no payment leaves the wallet. */
    int64_t code_reset_us;
    /* Schema 10 (issue 12). The name payees see (NOM Karim): GSM letters, "" none. */
    char name[STORE_NAME_MAX];
    /* The last order confirmed by SMS, so that the same order just after is questioned (ENCORE)
     * and a code redelivered after it is not answered twice: the payee as typed (E.164, or a
     * donation keyword or campaign tag), amount, kind, ref, and when; done_us 0 none. */
    char last_payee[STORE_ADDR_MAX];
    int64_t last_amount_minor;
    uint16_t last_kind;
    char last_ref[STORE_REF_MAX];
    int64_t last_done_us;
};

/* The order a person must confirm with their code. */
struct conversation_row {
    char phone[STORE_ADDR_MAX];
    bool active;            /* false: delete the row */
    struct id128 order_id;  /* the pending transfer */
    uint64_t payee_account; /* for the reply: who gets the money */
    char payee[STORE_ADDR_MAX];
    int64_t amount_minor;
    char ref[STORE_REF_MAX]; /* short reference shown to the person, e.g. K7Q2 */
    int64_t expires_us;
    uint32_t attempts;
    uint16_t kind;                   /* enum transfer_kind: p2p or donation */
    char campaign[CAMPAIGN_TAG_MAX]; /* a donation for this campaign's tag; "" none */
    /* an order from a social post: confirmed on the wallet page (/o/<token>) */
    char origin[STORE_ADDR_MAX];         /* the author's social address; "" for SMS */
    char origin_user[STORE_PEER_ID_MAX]; /* their platform id */
    char origin_post[STORE_PEER_ID_MAX]; /* the post */
    uint8_t token_hash[32];              /* vault_mac of the page's token; zero: none */
};

/* A social account (X, Mastodon) linked to a wallet: opened by "@mandat ouvrir", which sends a
 * link to a page where the person proves a phone number (a one-time code by SMS) and sets or
 * types their code. */
struct social_link_row {
    char address[STORE_ADDR_MAX];    /* "m:alice", "m:bob@other.example", "x:carol" */
    char user_id[STORE_PEER_ID_MAX]; /* the platform's id of the account */
    char phone[STORE_ADDR_MAX];      /* the wallet's E.164 number; "" until linked */
    uint8_t token_hash[32];          /* the link page's token (keyed hash); zero: none */
    int64_t token_expires_us;
    char otp_phone[STORE_ADDR_MAX]; /* the number being proven */
    uint8_t otp_hash[32];           /* keyed hash of the one-time code sent to it */
    int64_t otp_expires_us;
    uint32_t otp_attempts;
    uint16_t lang;
    bool show_name; /* opted in: the handle is shown on campaign pages */
    int64_t created_us;
    int64_t linked_us;
};

/* Where a social network's polling stopped (Mastodon's since_id). */
struct social_cursor_row {
    char network[16];
    char since_id[STORE_PEER_ID_MAX];
};

struct association_row {
    char keyword[COMMAND_KEYWORD_MAX + 1]; /* upper-case ASCII: TELETHON, ACF */
    uint64_t account_id;
    char name[64];
};

/* Money sent to a number with no wallet yet: held (a pending transfer from the payer to the
 * suspense account) until the number joins and collects it, or returned when it expires. */
struct claim_row {
    struct id128 id; /* the pending transfer holding the money */
    bool active;     /* false: delete the row (collected or returned) */
    char payer[STORE_ADDR_MAX];
    uint64_t payer_account;
    char payee[STORE_ADDR_MAX]; /* E.164 of the person who may collect */
    int64_t amount_minor;
    int64_t created_us;
    int64_t expires_us; /* returned to the payer at this time when not collected */
};

/* A merchant (or an association taking payments) integrating through the HTTP API. Its id is
 * its ledger account's id. */
struct merchant_row {
    uint64_t account_id;
    char name[64];
    char webhook_url[STORE_URL_MAX]; /* default URL of its events; "" none */
    uint16_t fee_schedule;           /* ledger fee schedule id (1-based) taken at confirmation */
    int64_t created_us;
};

/* API key scopes. */
enum api_scope {
    SCOPE_PAYMENTS = (1u << 0),
    SCOPE_REFUNDS = (1u << 1),
    SCOPE_READ = (1u << 2),
    SCOPE_ADMIN = (1u << 3), /* operator: accounts, associations, top-ups, journal */
};

/* An API key: "mdt_<key_id>_<secret>"; only a keyed hash of the whole key is stored. */
struct api_key_row {
    char key_id[STORE_KEY_ID_MAX];
    uint64_t merchant_id; /* 0 for operator keys */
    uint8_t hash[32];
    uint32_t scopes;     /* enum api_scope */
    uint32_t rate_per_s; /* requests per second allowed, 0: the configured default */
    bool revoked;
    int64_t created_us;
};

enum payment_request_state {
    PR_PENDING = 0,
    PR_CONFIRMED = 1,
    PR_DECLINED = 2,
    PR_EXPIRED = 3,
    PR_CANCELLED = 4,
};

/* A merchant asks a person to pay: confirmed with the person's code by SMS or on the wallet
 * page, then a transfer payer -> merchant (transfer_id) with the merchant's fee legs. */
struct payment_request_row {
    struct id128 id;
    uint64_t merchant_id;
    int64_t amount_minor;
    char currency[4];
    char payer[STORE_ADDR_MAX]; /* E.164 */
    char reference[REQUEST_REFERENCE_MAX];
    char description[REQUEST_DESCRIPTION_MAX];
    char callback_url[STORE_URL_MAX];
    uint16_t state; /* enum payment_request_state */
    struct id128 transfer_id;
    int64_t fee_minor;      /* the merchant's fee, once confirmed */
    int64_t refunded_minor; /* refunds so far */
    int64_t created_us;
    int64_t expires_us;
    int64_t updated_us;
    uint8_t token_hash[32]; /* vault_mac of the confirmation link's token: the token is not kept */
    /* a donation to this campaign's association (its tag); "" a payment */
    char campaign[CAMPAIGN_TAG_MAX];
};

enum webhook_state {
    WEBHOOK_QUEUED = 0,
    WEBHOOK_DELIVERED = 1,
    WEBHOOK_FAILED = 2,  /* gave up after the retry period */
    WEBHOOK_REFUSED = 3, /* never sent: its host is or resolves to a special-purpose address */
};

/* An event for a merchant's URL, signed at sending time. */
struct webhook_row {
    struct id128 id; /* stable event id, sent as "id" and kept across retries */
    uint64_t merchant_id;
    char url[STORE_URL_MAX];
    char type[48]; /* payment_request.confirmed, refund.succeeded, ... */
    uint16_t state;
    uint32_t attempts;
    int64_t created_us;
    int64_t next_try_us;
    char body[STORE_WEBHOOK_BODY_MAX];
    /* Why the last try failed or was refused ("HTTP 500", "SSRF guard: <host> resolves to
     * 127.0.0.1, loopback (127.0.0.0/8)"), for the operator; "" after a delivery or before any
     * try. Never the URL's path or query, a body or a secret. Written by EXTRA_WEBHOOK_STATE. */
    char last_error[STORE_WEBHOOK_ERROR_MAX];
};

/* The first response to a POST with an Idempotency-Key, replayed for retries. */
struct idempotency_row {
    uint8_t key_hash[32];  /* sha256(api key id, method, path, Idempotency-Key) */
    uint8_t body_hash[32]; /* sha256(request body): another body with the same key is 422 */
    uint16_t status;
    int64_t created_us;
    char response[STORE_HTTP_BODY_MAX];
};

/* A campaign: a hashtag for donations to an association, with a public total. */
struct campaign_row {
    char tag[CAMPAIGN_TAG_MAX];            /* upper-case ASCII letters and digits: TELETHON2026 */
    char keyword[COMMAND_KEYWORD_MAX + 1]; /* the association's donation keyword */
    uint64_t account_id;
    char name[64];
    int64_t created_us;
};

/* One donation counted towards a campaign (a log: totals are sums at load). */
struct campaign_donation_row {
    char tag[CAMPAIGN_TAG_MAX];
    struct id128 transfer_id;
    int64_t amount_minor;
    char donor[64]; /* shown on the campaign page only when the donor opted in; "" otherwise */
    int64_t created_us;
};

/* An operator's order about a person's code reset (`mandat account code-reset`), written by the
 * CLI and carried out by mandatd, which marks it done in the same commit as the change. */
enum code_order_action {
    CODE_ORDER_COMPLETE = 1, /* identity checked: the reset takes effect now */
    CODE_ORDER_CANCEL = 2,   /* the reset is withdrawn; the code stays */
};
enum code_order_state {
    CODE_ORDER_WAITING = 0,
    CODE_ORDER_DONE = 1,
    CODE_ORDER_NOTHING = 2, /* there was no reset in progress: nothing changed */
};
struct code_order_row {
    uint64_t seq; /* 0: a new order (the store numbers it) */
    char phone[STORE_ADDR_MAX];
    uint16_t action; /* enum code_order_action */
    uint16_t state;  /* enum code_order_state */
    int64_t created_us;
    int64_t done_us;
};

/* A campaign's totals as the store sums them at load. */
struct campaign_total {
    char tag[CAMPAIGN_TAG_MAX];
    int64_t total_minor;
    uint64_t donations;
};

/* Cards (issue 13). A card is a ledger account of kind card; its number (PAN) lives only sealed
 * by the card vault, in card_pans, under a random token (sizes: STORE_CARD_* in limits.h). */

/* A sealed card number. pan_mac (the vault's keyed hash of the PAN) is unique: the same number
 * is never issued twice. Written once (EXTRA_CARD_PAN); a key rotation re-encrypts it in place
 * (store_card_reseal), nothing else changes it. */
struct card_pan_row {
    char token[STORE_CARD_TOKEN_MAX];
    uint8_t sealed[STORE_CARD_SEALED_MAX];
    uint16_t sealed_len;
    uint32_t key_version;
    uint8_t pan_mac[32];
    char bin[STORE_CARD_BIN_MAX];
    char last4[5];
    uint16_t pan_len;
    int64_t created_us;
};

/* A sender's bank card kept for later reloads by SMS (a card on file, issue 13): one per owner, a
 * new one replaces it. Its number is sealed in card_pans, found by pan_mac: written there unless
 * already known (two senders may keep the same card), removed with the last owner that keeps it
 * (unless a card issued here has it). Never a security code. EXTRA_CARD_FILE. */
struct card_file_row {
    char owner[STORE_ADDR_MAX]; /* the sender's number (E.164) */
    bool active;                /* false: forget the owner's card (CB OUBLIER) */
    struct card_pan_row pan;    /* the sealed number, its BIN and last 4 (at load: as stored) */
    uint8_t exp_month;          /* valid through the end of this month */
    uint16_t exp_year;
    int64_t created_us;
};

enum card_status {
    CARD_STATUS_INACTIVE = 0, /* issued, the holder has not activated it yet */
    CARD_STATUS_ACTIVE = 1,
    CARD_STATUS_BLOCKED = 2, /* by the operator or a sender (BLOQUER): unblock restores it */
    CARD_STATUS_LOST = 3,
    CARD_STATUS_EXPIRED = 4, /* past its expiry month: set by mandatd, for good */
};

/* An issued card; its id is its ledger account's id. bin, last4 and pan_len are read from its
 * card_pans row at load (written there only). */
struct card_row {
    uint64_t account_id;
    char token[STORE_CARD_TOKEN_MAX];
    uint8_t exp_month; /* valid through the end of this month */
    uint16_t exp_year;
    uint16_t status;             /* enum card_status */
    char holder[64];             /* the name embossed */
    char phone[STORE_ADDR_MAX];  /* the holder's E.164 number; "" none */
    uint8_t activation_hash[32]; /* vault_mac of the activation code on the card carrier */
    uint32_t activation_failures;
    int64_t activated_us;
    /* when its holder activated it; 0 never */ /* wrong activation codes in a row */
    int64_t created_us;
    int64_t updated_us;
    char bin[STORE_CARD_BIN_MAX]; /* (load only) */
    char last4[5];                /* (load only) */
    uint16_t pan_len;             /* (load only) */
    uint8_t pan_mac[32];          /* (load only) the vault's keyed hash of its number */
};

/* A sender's name for a card they reload: RECHARGE MAMAN 100. */
struct card_alias_row {
    char owner[STORE_ADDR_MAX];       /* the sender's E.164 number */
    char alias[STORE_CARD_ALIAS_MAX]; /* upper-case letters and digits */
    uint64_t card_account;
    bool active; /* false: delete the row */
    int64_t created_us;
};

/* Money in by bank card (issue 13): a top-up of a wallet, from the link sent by SMS (TOPUP 50)
 * to the credit. Its acquirer operations are acquirer_op_row; no card number or security code
 * is ever in either, only the last four digits for receipts. */
enum card_topup_state {
    TOPUP_OPEN = 0,        /* link sent, card not typed yet */
    TOPUP_AUTHORIZING = 1, /* authorization recorded, sent to the acquirer */
    TOPUP_CAPTURING = 2,   /* authorized; capture recorded, sent */
    TOPUP_CHECKING = 3,    /* no answer in time: resolved by a lookup of the key */
    TOPUP_CREDITED = 4,    /* captured and the wallet credited */
    TOPUP_DECLINED = 5,    /* refused (code says why): nothing taken, nothing held */
    TOPUP_EXPIRED = 6,     /* the link expired unused */
    /* captured, but the ledger refused the credit (a card's yearly cap reached meanwhile, the
     * card blocked, a wallet's limit): the refund is recorded and sent, the person told */
    TOPUP_REFUNDED = 7,
};
#define STORE_ACQ_KEY_MAX 64 /* = ACQUIRER_KEY_MAX */
#define STORE_ACQ_REF_MAX 24 /* = ACQUIRER_REF_MAX */
struct card_topup_row {
    struct id128 id; /* the wallet's credit transfer has this id: a second credit is impossible */
    char phone[STORE_ADDR_MAX];
    uint64_t wallet_account;
    int64_t amount_minor;
    char currency[4];
    uint16_t state; /* enum card_topup_state */
    uint16_t lang;
    char code[3];           /* the acquirer's response code of a decline; "" */
    char card_last4[5];     /* the card's last four digits, for the receipt; "" before */
    uint8_t token_hash[32]; /* vault_mac of the page's token (/t/<token>): the token is not kept */
    int64_t created_us;
    int64_t expires_us; /* the link's */
    int64_t updated_us;
    /* A prepaid card's reload (migration 16); card_account 0: the wallet's top-up. */
    uint64_t card_account;                 /* the card credited instead of the wallet */
    char card_alias[STORE_CARD_ALIAS_MAX]; /* the sender's name for it (MAMAN) */
    char card_target_last4[5];             /* its last four digits */
    int64_t fee_minor;                     /* the reload fee the sender pays on top */
    int64_t order_fee_minor;               /* the SMS order fee (the operator may bill it) */
    int64_t charge_minor;                  /* what the bank card is charged; 0: amount_minor */
    char file_token[STORE_CARD_TOKEN_MAX]; /* paid by the card on file of this vault token */
    /* An order paid by card over the phone (migration 18): the payment request credited, under
     * its payment id, instead of a wallet or a card; zero otherwise. */
    struct id128 request_id;
};

/* A card ordered on a wallet page (issue 13): CARTE COMMANDE sends the link (/k/<token>), the
 * page's form with the sender's code pays the price from the wallet (the fee's transfer id
 * derives from the order's id: paid at most once), then the card is issued under the order
 * (its account, number and rows in one commit, with the order marked issued: issued at most
 * once). Never a card number: the last four digits at most. */
enum card_order_state {
    CARD_ORDER_OPEN = 0,   /* link sent, form not sent yet */
    CARD_ORDER_PAID = 1,   /* the price is taken; the card is being issued */
    CARD_ORDER_ISSUED = 2, /* the card exists, linked to the sender under the alias */
};
struct card_order_row {
    struct id128 id;
    char phone[STORE_ADDR_MAX]; /* the sender */
    uint64_t wallet_account;
    int64_t price_minor;
    char currency[4];
    uint16_t state; /* enum card_order_state */
    uint16_t lang;
    char holder[64];                       /* the name to emboss, as the page took it */
    char holder_phone[STORE_ADDR_MAX];     /* E.164; "" none */
    char alias[STORE_CARD_ALIAS_MAX];      /* the sender's name for it: MAMAN */
    char card_token[STORE_CARD_TOKEN_MAX]; /* once issued */
    char card_last4[5];                    /* once issued */
    uint8_t token_hash[32]; /* vault_mac of the page's token (/k/<token>): the token is not kept */
    int64_t created_us;
    int64_t expires_us; /* the link's */
    int64_t updated_us;
};

enum acquirer_op_state {
    ACQ_OP_PENDING = 0, /* recorded, sent or about to be: a restart looks it up by key */
    ACQ_OP_APPROVED = 1,
    ACQ_OP_DECLINED = 2,
    ACQ_OP_UNKNOWN = 3, /* no answer in time: looked up later */
};
/* One operation sent to the acquirer, written before it is sent. */
struct acquirer_op_row {
    char key[STORE_ACQ_KEY_MAX]; /* the idempotency key */
    struct id128 topup_id;
    uint16_t kind;  /* enum acquirer_op: authorize, capture, void, refund */
    uint16_t state; /* enum acquirer_op_state */
    int64_t amount_minor;
    char currency[4];
    uint64_t wallet_account;
    char ref[STORE_ACQ_REF_MAX];      /* the acquirer's reference, once approved */
    char auth_ref[STORE_ACQ_REF_MAX]; /* capture, void, refund: the authorization's */
    char code[3];                     /* ISO 8583 response code, "" before the answer */
    int64_t created_us;
    int64_t updated_us;
};

/* The ISO 8583 issuer host (issue 15). One row per request of a switch, keyed by what makes a
 * retransmission the same request (acquirer 32, STAN 11, RRN 37, terminal 41, transmission time
 * 7): the answer it got, written in the commit of the money it moved, so that a retransmission
 * gets the first answer and never a second hold. orig names the original transaction
 * (acquirer, terminal, RRN) that completions and reversals act on; state is that original's
 * after this request. Never a card number: the card is its account. */
#define STORE_ISO_KEY_MAX 64
#define STORE_ISO_ORIG_MAX 40
enum iso_orig_state {
    ISO_ORIG_NONE = 0,     /* nothing held: declined, an inquiry, an unknown reversal */
    ISO_ORIG_HELD = 1,     /* an authorization's hold is open */
    ISO_ORIG_POSTED = 2,   /* posted: a completion, or cash (hold and post in one) */
    ISO_ORIG_VOIDED = 3,   /* the hold voided by a reversal (or a late answer: 91) */
    ISO_ORIG_REFUNDED = 4, /* the posting refunded by a reversal */
};
struct iso_request_row {
    char key[STORE_ISO_KEY_MAX];
    char orig[STORE_ISO_ORIG_MAX];
    char mti[5];
    char pcode[7];  /* processing code, field 3 */
    char code[3];   /* the response code answered (field 39) */
    char auth_id[7]; /* field 38 of an approval, "" otherwise */
    uint64_t card_account; /* 0: no card found */
    struct id128 hold_id;  /* the original's hold (zero: none) */
    int64_t amount_minor;  /* held, in the card's currency */
    int64_t posted_minor;  /* posted of it */
    int64_t cash_minor;    /* counted against the day's cash limit */
    int64_t fee_minor;     /* ATM and exchange fees taken */
    int64_t balance_minor; /* the card's available balance after (field 54) */
    uint16_t state;        /* enum iso_orig_state of orig after this request */
    int64_t created_us;
    int64_t updated_us;
};

/* A card's PIN for the ISO 8583 host (issue 15): its keyed hash (pin_block_hash) and the wrong
 * PINs in a row (3 block PIN use until the PIN is set again). */
struct card_pin_row {
    uint64_t account_id;
    uint8_t pin_hash[32];
    uint32_t failures;
    int64_t updated_us;
};

/* The operator's exchange rate (mandat rates set MAD 10.85): rate_micro units of currency for
 * one unit of the ledger's currency, times 10^6, from effective_us on. Every rate is kept. */
struct fx_rate_row {
    char currency[4];
    int64_t rate_micro;
    int64_t effective_us;
    int64_t created_us;
};

enum store_extra_kind {
    EXTRA_INBOX = 0,        /* insert; a known id is ignored (dedup) */
    EXTRA_INBOX_DONE = 1,   /* mark inbox.id processed: replies are in the outbox */
    EXTRA_OUTBOX = 2,       /* insert; a known id is ignored */
    EXTRA_OUTBOX_STATE = 3, /* update state, attempts, next_try_us, peer_id, final_state by id */
    EXTRA_CUSTOMER = 4,     /* upsert by phone */
    EXTRA_CONVERSATION = 5, /* upsert by phone, or delete when !active */
    EXTRA_ASSOCIATION = 6,  /* upsert by keyword */
    EXTRA_CLAIM = 7,        /* upsert by id, or delete when !active */
    EXTRA_MERCHANT = 8,     /* upsert by account_id */
    EXTRA_API_KEY = 9,      /* upsert by key_id */
    EXTRA_PAYMENT_REQUEST = 10,   /* append; the last row of an id is its state */
    EXTRA_WEBHOOK = 11,           /* insert; a known id is ignored */
    EXTRA_WEBHOOK_STATE = 12,     /* update state, attempts, next_try_us, last_error by id */
    EXTRA_IDEMPOTENCY = 13,       /* append; at load the first of a key wins */
    EXTRA_CAMPAIGN = 14,          /* upsert by tag */
    EXTRA_CAMPAIGN_DONATION = 15, /* append */
    EXTRA_SOCIAL_LINK = 16,       /* upsert by address */
    EXTRA_SOCIAL_CURSOR = 17,     /* upsert by network */
    EXTRA_CODE_ORDER = 18,        /* insert when seq is 0, else upsert by seq */
    EXTRA_INBOX_CONFIRMED = 19,   /* clear inbox.id's doubt_key: its acknowledgement was read */
    EXTRA_CARD_PAN = 20,          /* insert; a known pan_mac or token is an error (-MDT_EEXISTS) */
    EXTRA_CARD = 21,              /* upsert by account_id */
    EXTRA_CARD_ALIAS = 22,        /* upsert by (owner, alias), or delete when !active */
    EXTRA_CARD_TOPUP = 23,        /* upsert by id */
    EXTRA_ACQUIRER_OP = 24,       /* upsert by key */
    EXTRA_CARD_FILE = 25,         /* upsert by owner, or delete when !active */
    EXTRA_CARD_ORDER = 26,        /* upsert by id */
    EXTRA_ISO_REQUEST = 27,       /* upsert by key */
    EXTRA_CARD_PIN = 28,          /* upsert by account_id */
    EXTRA_FX_RATE = 29,           /* upsert by (currency, effective_us) */
};

/* One row to write with a batch. Owned by the submitter until its done callback. */
struct store_extra {
    uint16_t kind;
    union {
        struct inbox_row inbox;
        struct outbox_row outbox;
        struct customer_row customer;
        struct conversation_row conversation;
        struct association_row association;
        struct claim_row claim;
        struct merchant_row merchant;
        struct api_key_row api_key;
        struct payment_request_row payment_request;
        struct webhook_row webhook;
        struct idempotency_row idempotency;
        struct campaign_row campaign;
        struct campaign_donation_row campaign_donation;
        struct social_link_row social_link;
        struct social_cursor_row social_cursor;
        struct code_order_row code_order;
        struct card_pan_row card_pan;
        struct card_row card;
        struct card_alias_row card_alias;
        struct card_topup_row card_topup;
        struct acquirer_op_row acquirer_op;
        struct card_file_row card_file;
        struct card_order_row card_order;
        struct iso_request_row iso_request;
        struct card_pin_row card_pin;
        struct fx_rate_row fx_rate;
    } u;
};

/* A submission's extras, as the engine hands them to the store. */
struct store_extras {
    const struct store_extra *rows;
    size_t count;
};

/* Callbacks of store_channel_load, one per row; any may be NULL. A non-zero return stops. */
struct store_channel_fns {
    int (*customer)(void *ctx, const struct customer_row *r);
    int (*conversation)(void *ctx, const struct conversation_row *r);
    int (*association)(void *ctx, const struct association_row *r);
    int (*claim)(void *ctx, const struct claim_row *r);
    int (*merchant)(void *ctx, const struct merchant_row *r);
    int (*api_key)(void *ctx, const struct api_key_row *r);
    int (*payment_request)(void *ctx, const struct payment_request_row *r); /* all of them */
    int (*webhook)(void *ctx, const struct webhook_row *r);                 /* queued only */
    int (*idempotency)(void *ctx, const struct idempotency_row *r); /* since inbox_since_us */
    int (*campaign)(void *ctx, const struct campaign_row *r);
    int (*campaign_total)(void *ctx, const struct campaign_total *t); /* per tag, summed */
    /* named donors, newest first, at most 10 per campaign */
    int (*campaign_donor)(void *ctx, const struct campaign_donation_row *r);
    int (*social_link)(void *ctx, const struct social_link_row *r);
    int (*social_cursor)(void *ctx, const struct social_cursor_row *r);
    int (*inbox)(void *ctx, const struct inbox_row *r, bool done); /* received since the cut */
    int (*outbox)(void *ctx, const struct outbox_row *r);          /* queued or sent only */
    int (*code_order)(void *ctx, const struct code_order_row *r);  /* waiting ones only */
    int (*card)(void *ctx, const struct card_row *r);              /* with bin, last4 */
    int (*card_alias)(void *ctx, const struct card_alias_row *r);
    int (*card_pan)(void *ctx, const struct card_pan_row *r); /* sealed: for the CLI's checks */
    /* not finished ones, and finished ones with a void or refund still open */
    int (*card_topup)(void *ctx, const struct card_topup_row *r);
    int (*acquirer_op)(void *ctx, const struct acquirer_op_row *r); /* pending or unknown only */
    int (*card_file)(void *ctx, const struct card_file_row *r);     /* with its sealed number */
    int (*card_order)(void *ctx, const struct card_order_row *r);   /* open or paid only */
    /* the ISO 8583 host: requests created since inbox_since_us, every PIN, every rate */
    int (*iso_request)(void *ctx, const struct iso_request_row *r);
    int (*card_pin)(void *ctx, const struct card_pin_row *r);
    int (*fx_rate)(void *ctx, const struct fx_rate_row *r); /* by currency, oldest first */
};

#endif
