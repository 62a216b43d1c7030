/* SPDX-License-Identifier: Apache-2.0 */
/* The conversation: what a person's message means for their wallet, and what to answer. It keeps
 * customers (number, wallet, code hash, language), the order waiting for a code, and donation
 * keywords in memory; it turns a message into one engine step (ledger ops, rows to persist, and
 * a hook that writes the replies once the ledger has decided), and learns the outcome when the
 * step is durable. No I/O, no protocol, no SQL; one thread (the event loop). */
#ifndef MDT_DIALOG_DIALOG_H
#define MDT_DIALOG_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/money.h"
#include "ledger/ledger.h"
#include "store/store_channel.h"
#include "vault/vault.h"

struct vault;

/* A merchant's event as the dialog decides it, in plain data: what happened to which payment
 * request. The HTTP channel writes it as the webhook's JSON body (request_json_event). */
struct dialog_event {
    struct id128 id;  /* stable event id, derived from the request or the refund */
    const char *type; /* "payment_request.confirmed", "refund.succeeded", ... */
    int64_t created_us;
    const struct payment_request_row *request; /* as the step leaves it */
    bool refund;                               /* refund.succeeded: the refund below */
    struct id128 refund_id;
    int64_t refund_minor;
};

struct dialog_config {
    char short_code[STORE_ADDR_MAX]; /* our address, source of replies: "71004" */
    char country[3];                 /* default country of national numbers: "FR" */
    const struct currency *currency; /* wallets' currency */
    enum lang lang;                  /* language before a person's first keyword */
    uint32_t order_timeout_s;        /* an unconfirmed order expires (PSD2: 300) */
    uint32_t code_attempts_max;      /* wrong codes before the order fails (5) */
    uint32_t code_lock_s;            /* then the code is locked (1800) */
    uint32_t code_reset_s;           /* a forgotten code's reset waits this long (86400) */
    uint16_t order_fee_schedule;     /* fee schedule id billed by the operator per order, 0 none */
    uint16_t card_reload_fee_schedule;   /* the reload fee's schedule id ([fee.card_reload]), 0 */
    struct fee_schedule card_reload_fee; /* a copy of it, for the replies (the fee, the minimum) */
    struct fee_schedule order_fee;       /* a copy of the order fee's, for reloads by bank card */
    uint32_t dedup_window_s;             /* redeliveries recognised within this window (86400) */
    uint32_t claim_period_s;       /* money for a number with no wallet waits this long (604800) */
    uint64_t suspense_account;     /* where that money is held; 0: refuse such transfers */
    uint32_t hold_timeout_s;       /* the ledger's own timeout of such holds, >= claim_period_s */
    char link_base[STORE_URL_MAX]; /* start of links in messages: "https://pay.example.com" */
    char social_handle[STORE_ADDR_MAX]; /* our account as people mention it: "@mandat" */
    /* Writes an event as the body of the merchant's webhook (at most cap bytes, NUL-terminated),
     * returning its length or a negative code: the HTTP channel's request_json_event. Called on
     * the ledger thread. NULL, or a failure: the body carries only the event's id and type. */
    int (*event_json)(const struct dialog_event *ev, char *buf, size_t cap);
    /* Top-ups by bank card (topup.h): topup_link_s 0 turns them off (TOPUP says so). */
    uint32_t topup_link_s;         /* a top-up page's link lives this long */
    uint64_t bank_account;         /* the bank system account: card money comes in from it */
    uint16_t topup_fee_schedule;   /* the acquirer's fee (ledger schedule id), 0: none */
    uint64_t topup_fee_account;    /* 0: the schedule's fee leg to the fees account; else a
                                    * linked payout of that fee from the bank to this account */
    struct fee_schedule topup_fee; /* the schedule itself, to compute that payout */
};

/* A message received on a channel. */
/* An account a social post mentions, by its platform id (pointers into the caller's post). */
struct dialog_mention {
    const char *handle; /* lower-case, no '@' */
    const char *id;
};

struct dialog_message {
    uint16_t channel;                /* enum channel_id */
    char source[STORE_ADDR_MAX];     /* the person, E.164 or as the SMSC wrote it */
    char dest[STORE_ADDR_MAX];       /* our short code */
    char peer_id[STORE_PEER_ID_MAX]; /* the SMSC's message id, "" when it gives none */
    int64_t peer_time_us;            /* the SMSC's time, 0 when unknown */
    const char *text;                /* UTF-8, not NUL-terminated */
    size_t len;
    /* CHANNEL_SOCIAL: source is the author's address ("m:alice", "x:bob"), peer_id the post's
     * id, and source_id the author's id on the platform (X direct messages need it). */
    char source_id[STORE_PEER_ID_MAX];
    /* SMPP: the SMSC link's name ("" for [smpp]); NULL for every other channel. A message
     * without peer_id from a link is taken for a redelivery only if the same link left the same
     * message in doubt (dialog_acks_in_doubt); every other message is new. */
    const char *link;
    /* CHANNEL_SOCIAL: the accounts the post mentions with their ids, so that a payee is the
     * account the network means, not whoever last linked that handle; read during the call. */
    const struct dialog_mention *mentions;
    size_t n_mentions;
};

#define DIALOG_OPS_MAX 3
#define DIALOG_ROWS_MAX 8

/* One message's work for the engine. The dialog owns it: submit ops[0..n) with
 * rows[0..row_count) (capacity DIALOG_ROWS_MAX) and dialog_hook, then call dialog_step_done. */
struct dialog_step {
    struct ledger_op ops[DIALOG_OPS_MAX];
    size_t n;
    struct ledger_result results[DIALOG_OPS_MAX];
    struct store_extra rows[DIALOG_ROWS_MAX];
    size_t row_count;
    void *owner; /* the caller's: submit the step itself as the engine ctx, find yours here */
    /* private: the decision, for the hook and step_done */
    struct dialog *d;
    struct id128 inbox_id;
    int64_t now_us;
    int action;
    char phone[STORE_ADDR_MAX];
    enum lang lang;
    struct customer_row customer; /* the person as the step leaves them */
    bool customer_changed;
    struct conversation_row conversation; /* the order as the step leaves it */
    bool conversation_changed;
    int64_t amount;
    char payee[STORE_ADDR_MAX]; /* E.164 of a person, or a charity's name */
    uint64_t payee_account;
    enum lang payee_lang;
    bool payee_is_charity;
    char text_arg[64];
    int reply_kind; /* for replies decided here: 0 a dialog text, 1 a command hint, 2 a weak code */
    int text_id;    /* enum dialog_text */
    int hint;       /* enum command_hint */
    int weakness;   /* enum pin_weakness */
    char detail[128];
    uint32_t replies;
    bool work; /* started by the dialog itself (dialog_work), not by a message */
    bool api;  /* started by the HTTP API or a wallet page, not by a message */
    struct payment_request_row request; /* the payment request as the step leaves it */
    bool request_changed;
    uint64_t merchant_id;
    struct id128 refund_id;
    char token[VAULT_TOKEN_MAX]; /* a new request's link token: in its message only, never stored */
    int outcome;                 /* enum step_outcome, for api steps */
    bool campaign_counted;       /* a donation row for counted_tag was written */
    struct claim_row claim;      /* money held for a number with no wallet, as the step leaves it */
    bool claim_changed;
    /* social: replies to the person go to this address, in the thread of post_id */
    char address[STORE_ADDR_MAX];
    char address_id[STORE_PEER_ID_MAX];
    char post_id[STORE_PEER_ID_MAX];
    char payee_id[STORE_PEER_ID_MAX]; /* the payee handle's platform id, from the post's mentions */
    bool payee_unlinked; /* the link under the payee's handle is another account's: ignore it */
    char payee_phone[STORE_ADDR_MAX]; /* a renamed payee's wallet, while its link moves */
    bool reply_public;                /* the next reply to the person is public (errors only) */
    struct social_link_row link;      /* the social account as the step leaves it */
    bool link_changed;
    char otp[8];                     /* a one-time code to text: in its SMS only, wiped */
    char payee_show[STORE_ADDR_MAX]; /* how replies name the payee: "@bob"; "" the number */
    char donor[64]; /* a campaign donation's public name ("@alice", opted in); "" anonymous */
    char counted_tag[CAMPAIGN_TAG_MAX]; /* the campaign of that row, and its amount */
    int64_t counted_minor;
    struct code_order_row code_order; /* an operator's order this step carries out; seq 0 none */
    /* a social account linked to the wallet, told in private of a code reset ("" none) */
    char notify[STORE_ADDR_MAX];
    char notify_id[STORE_PEER_ID_MAX];
    bool again;           /* ENCORE: an order like the last one, asked for on purpose */
    struct card_row card; /* the card a card command names, as the step leaves it */
    bool card_changed;
    struct card_alias_row alias; /* a sender's alias as the step leaves it */
    bool alias_changed;
    /* a partner's card load (dialog_card_load), written by the hook for the API's answer */
    int64_t card_fee;       /* the reload fee the partner paid */
    int64_t card_balance;   /* the card's balance after the load */
    int64_t card_year_left; /* what may still be loaded this year (also when refused) */
    int64_t card_load_min;  /* the smallest load the reload fee table takes */
    /* a top-up by bank card (topup.c): the top-up and its acquirer operations as the step
     * leaves them, and, when the wallet's limit refused it, what still fits under it */
    struct card_topup_row topup;
    bool topup_changed;
    struct acquirer_op_row acq[2];
    size_t acq_count;
    int64_t topup_room, topup_cap;
    /* the sender's card on file (card_file.c) as the step leaves it: kept by a credited top-up,
     * or forgotten (CB OUBLIER) */
    struct card_file_row card_file;
    bool card_file_changed;
    /* a card ordered on a page (card_order.c): the order as the step leaves it, and the new
     * card's sealed number (its row is card above) */
    struct card_order_row corder;
    bool corder_changed;
    struct card_pan_row card_pan;
};

struct dialog;

/* Create a dialog. cfg is copied; v (the code vault) is borrowed and must outlive the dialog.
 * *out: dialog_free(). */
int dialog_create(const struct dialog_config *cfg, struct vault *v, struct dialog **out);
void dialog_free(struct dialog *d);

/* Rebuild the dialog from the store's channel rows at start-up (use as store_channel_fns ctx):
 * see dialog_channel_fns. Inbox rows seen here are recognised as redeliveries. */
const struct store_channel_fns *dialog_channel_fns(void);

/* Add (or rename) a donation keyword now, and fill *row with what to persist (the caller submits
 * it). mandatd rereads the table every second for keywords the CLI adds beside it. */
int dialog_association_add(struct dialog *d, const char *keyword, uint64_t account_id,
                           const char *name, struct store_extra *row, struct mdt_err *err);

/* Decide what message m means at now_us. Returns 0 with *out a step to submit, or
 * -MDT_EEXISTS when m is a redelivery of a message already handled (acknowledge it, do nothing
 * more), or -MDT_EBUSY when the same person has a step in flight (retry after it is done). */
int dialog_receive(struct dialog *d, const struct dialog_message *m, int64_t now_us,
                   struct dialog_step **out);

/* ---- redeliveries without the peer's id (doubt.c; DESIGN.md, Durability) ---- */

/* The inbox id dialog_receive gave its last message when that message is tracked for in-doubt
 * redeliveries (an SMPP message without the SMSC's id, handled or recognised as a redelivery);
 * zero otherwise. Give it to the channel with the acknowledgement (smpp_mo_ack). */
struct id128 dialog_received_id(const struct dialog *d);

/* The acknowledgements of these messages were read by the peer: they will not come again.
 * Writes into rows (room for n) the store rows that clear their content keys, and returns how
 * many (ids the dialog does not track are skipped). Submit them like any rows. O(n * tracked). */
size_t dialog_acks_read(struct dialog *d, const struct id128 *ids, size_t n,
                        struct store_extra *rows);

/* The link dropped before these acknowledgements were known read: each becomes a candidate,
 * for dedup_window from its first receipt, for one later message with the same link, sender,
 * destination and text, which is then recognised as its redelivery (-MDT_EEXISTS). */
void dialog_acks_in_doubt(struct dialog *d, const struct id128 *ids, size_t n);

/* The message with this id was not acknowledged (not committed): stop tracking it. */
void dialog_doubt_forget(struct dialog *d, struct id128 id);

/* Work the dialog starts on its own at now_us: money held for a number that now has a wallet is
 * collected; money held past its period goes back to the payer. Returns 0 with *out a step to
 * submit like dialog_receive's (its replies go to the outbox), or -MDT_ENOTFOUND when there is
 * nothing to do now. Call after every finished step and once a second. Cost: O(claims). */
int dialog_work(struct dialog *d, int64_t now_us, struct dialog_step **out);

/* What a stored outbox text shows where its link's token was (DESIGN.md: never at rest), and
 * where a one-time code was. */
#define DIALOG_LINK_MARKER VAULT_TOKEN_MARKER
#define DIALOG_CODE_MARKER "******"

/* The message to send for a stored outbox row: *out = *in with its link's token (or one-time
 * code) opened from in->link_seal and put back in place of its marker, and no seal. Call just
 * before handing the row to a peer; wipe out->text (vault_wipe) once done with it. A row without a
 * seal is copied as it is. -MDT_ECORRUPT (or the vault's error) when the seal does not open or does
 * not match the text: out then holds the text with the marker (a dead link, the rest intact).
 * Thread-safe: reads only the vault. */
int dialog_outbox_open(const struct dialog *d, const struct outbox_row *in, struct outbox_row *out);

/* ---- merchants' payment requests (request.c) ---- */

/* What a merchant asks (POST /v1/payment-requests), already parsed from JSON. */
struct request_input {
    struct id128 id;                       /* derived from the Idempotency-Key, or random */
    uint64_t merchant_id;                  /* the API key's merchant */
    int64_t amount_minor;                  /* > 0, in the wallets' currency */
    char currency[4];                      /* must be the wallets' currency */
    char payer[PHONE_TEXT_MAX];            /* a phone number as given; normalised here */
    char reference[REQUEST_REFERENCE_MAX]; /* the merchant's order number, shown to the payer */
    char description[REQUEST_DESCRIPTION_MAX];
    char callback_url[STORE_URL_MAX]; /* events of this request; "" the merchant's default */
    uint32_t expires_in_s;            /* 60 .. 7 days */
    /* a campaign's tag ("FAIM2026", no '#'): a donation to its association, counted towards its
     * total; "" a payment to the merchant */
    char campaign[CAMPAIGN_TAG_MAX];
};

/* Add or update a merchant (loaded, created by the CLI and reread). */
void dialog_merchant_set(struct dialog *d, const struct merchant_row *r);
const struct merchant_row *dialog_merchant_get(const struct dialog *d, uint64_t id);

/* Decide a new payment request: a step that stores it and texts the payer (with a link to the
 * wallet page), to submit like dialog_receive's. Errors, with err saying what to fix:
 * -MDT_EINVAL bad input, -MDT_ENOTFOUND no wallet for that number, -MDT_EEXISTS a request with
 * this id exists (return it), -MDT_EBUSY the payer has a step in flight (retry). */
int dialog_request_create(struct dialog *d, const struct request_input *in, int64_t now_us,
                          struct dialog_step **out, struct mdt_err *err);

/* The merchant cancels a pending request: -MDT_ENOTFOUND (not theirs or unknown), -MDT_ERANGE
 * (not pending any more), -MDT_EBUSY. */
int dialog_request_cancel(struct dialog *d, uint64_t merchant_id, struct id128 id, int64_t now_us,
                          struct dialog_step **out, struct mdt_err *err);

/* The payer's code typed on the wallet page for the request whose link token hashes to
 * token_hash: the same rules as by SMS (tries, lock, expiry). dialog_step_outcome says what
 * happened. -MDT_ENOTFOUND unknown token, -MDT_ERANGE not pending, -MDT_EBUSY. */
int dialog_request_confirm_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                               const char *code, int64_t now_us, struct dialog_step **out,
                               struct mdt_err *err);

/* The payer's code keyed on a phone call for request id, which must be payer's (E.164): the
 * same rules and outcomes as dialog_request_confirm_web (tries, lock, expiry, the payer's SMS
 * receipt, the merchant's webhook). -MDT_ENOTFOUND (unknown, or not payer's), -MDT_EBUSY. */
int dialog_request_confirm_phone(struct dialog *d, struct id128 id, const char *payer,
                                 const char *code, int64_t now_us, struct dialog_step **out,
                                 struct mdt_err *err);

/* ---- the phone channel's look-ups (phone_pay.c, issue 14) ---- */

/* Digits of a request's phone reference, what a caller keys to pay it. */
#define DIALOG_PHONE_REF_DIGITS 6

/* The phone reference of request r: 6 digits derived from its id (not secret: it only finds a
 * request the caller must still confirm with their code). */
void dialog_request_phone_ref(const struct payment_request_row *r,
                              char out[DIALOG_PHONE_REF_DIGITS + 1]);

/* The pending, unexpired request of payer (E.164; NULL: of anyone, for a hidden number paying
 * by card) whose phone reference is digits, or NULL (none, or two alike). Valid until the next
 * call into the dialog. O(requests). */
const struct payment_request_row *dialog_request_by_phone_ref(struct dialog *d, const char *payer,
                                                              const char *digits, int64_t now_us);

/* The account of the card mandat issued whose number has this keyed hash (card_vault_pan_mac), or
 * 0: such a card pays from its own balance (dialog_request_pay_card), another through the
 * acquirer. */
uint64_t dialog_card_ours(struct dialog *d, const uint8_t pan_mac[32]);

/* Pay request request_id with the prepaid card mandat issued whose number has keyed hash pan_mac
 * and that expires at month/year (no security code: mandat's own cards are checked by number,
 * expiry and state): one step, card -> merchant under the request's payment id (its fee, its
 * webhook); the ledger refuses it when the card's balance is short (OUTCOME_REFUSED; the ledger
 * keeps that refusal under the request's payment id, which then pays nothing else: check the
 * balance first, as the phone channel does). caller:
 * the caller's number for the SMS receipt, "" none. *out: submit it. -MDT_ENOTFOUND (the
 * request can no longer be paid), -MDT_EREJECTED (no such card, another expiry, blocked,
 * expired, or busy), -MDT_EBUSY (the caller has a step in flight), -MDT_EIO. Loop thread. */
int dialog_request_pay_card(struct dialog *d, struct id128 request_id, const uint8_t pan_mac[32],
                            unsigned month, unsigned year, const char *caller, enum lang lang,
                            int64_t now_us, struct dialog_step **out, struct mdt_err *err);

/* Whether e164 has an order waiting for their code (an SMS or phone order, or a request whose
 * SMS asked for it). Read once the step that may have changed it is done. */
bool dialog_order_waiting(struct dialog *d, const char *e164);

/* The i-th donation keyword known (in the order they were added) and its association's name;
 * NULL past the last. */
const struct association_row *dialog_association_at(const struct dialog *d, size_t i);

/* A refund of amount_minor (0: what is left) of a confirmed request, with the merchant's
 * refund id (idempotent). -MDT_ENOTFOUND, -MDT_ERANGE (not confirmed, or above what is left),
 * -MDT_EBUSY. */
int dialog_refund(struct dialog *d, uint64_t merchant_id, struct id128 request_id,
                  struct id128 refund_id, int64_t amount_minor, int64_t now_us,
                  struct dialog_step **out, struct mdt_err *err);

/* A request by id (check merchant_id), or by its link token's hash; NULL when unknown. Valid
 * until the next call into the dialog. */
const struct payment_request_row *dialog_request_get(struct dialog *d, struct id128 id);
const struct payment_request_row *dialog_request_by_token(struct dialog *d,
                                                          const uint8_t token_hash[SHA256_LEN]);

/* The merchant's requests, newest first, strictly older than the one with id after (zero id:
 * from the newest), in state (-1: any). Copies at most max into out; returns how many. O(n). */
size_t dialog_request_list(struct dialog *d, uint64_t merchant_id, struct id128 after, int state,
                           struct payment_request_row *out, size_t max);

/* How a step from the API or the wallet page ended, for its HTTP answer. */
enum step_outcome {
    OUTCOME_DONE = 0,   /* created, confirmed, cancelled, refunded */
    OUTCOME_WRONG_CODE, /* tries left: dialog_step_tries_left */
    OUTCOME_LOCKED,     /* too many wrong codes, or locked: the request is declined */
    OUTCOME_EXPIRED,
    OUTCOME_NOT_PENDING,
    OUTCOME_REFUSED, /* the ledger refused: dialog_step_reason */
    /* a reset of the payer's code is under way: no payment until it ends */
    OUTCOME_SUSPENDED,
};
enum step_outcome dialog_step_outcome(const struct dialog_step *s);
uint32_t dialog_step_tries_left(const struct dialog_step *s);
int dialog_step_reason(const struct dialog_step *s);

/* Who a request's money goes to, as the payer sees it: the merchant's name, or for a campaign
 * donation "<merchant> pour <campaign>" (English "for"). Writes at most cap bytes. */
void dialog_request_payee(struct dialog *d, const struct payment_request_row *r, enum lang lang,
                          char *out, size_t cap);

/* ---- campaigns (campaign.c) ---- */

/* Named donors a campaign page shows. */
#define CAMPAIGN_DONORS_MAX 10

/* A campaign's public figures. */
struct campaign_info {
    char tag[CAMPAIGN_TAG_MAX];
    char name[64];
    char association[64];
    const struct currency *currency;
    int64_t total_minor;
    uint64_t donations;
    char donors[CAMPAIGN_DONORS_MAX][64]; /* the last donors who opted in, newest first */
    size_t donor_count;
};

/* Create or rename campaign tag (upper-case letters and digits) for the association with the
 * donation keyword keyword, known now; *row is what to persist. Errors with err: -MDT_EINVAL
 * (tag), -MDT_ENOTFOUND (no such association), -MDT_EEXISTS (tag is another association's
 * keyword), -MDT_EFULL. */
int dialog_campaign_add(struct dialog *d, const char *tag, const char *keyword, const char *name,
                        int64_t now_us, struct store_extra *row, struct mdt_err *err);

/* The figures of campaign tag, or -MDT_ENOTFOUND. */
int dialog_campaign_get(struct dialog *d, const char *tag, struct campaign_info *out);

/* store_channel_fns callbacks (ctx = dialog), also for rereading campaigns the CLI adds. */
int dialog_campaign_loaded(void *ctx, const struct campaign_row *r);
int dialog_campaign_total_loaded(void *ctx, const struct campaign_total *t);
/* Named donors, newest first (store_channel_fns.campaign_donor). */
int dialog_campaign_donor_loaded(void *ctx, const struct campaign_donation_row *r);

/* ---- cards (card.c) ---- */

/* store_channel_fns callbacks (ctx = dialog) for cards and aliases, also for rereading the cards
 * the CLI issues, blocks and unblocks beside mandatd (a newer updated_us wins). */
int dialog_card_loaded(void *ctx, const struct card_row *r);
/* A sender's card on file read from the store (ctx: the dialog), as at load; for tests. */
int dialog_card_file_loaded(void *ctx, const struct card_file_row *r);
int dialog_card_alias_loaded(void *ctx, const struct card_alias_row *r);

/* The card with this token into *out, without its activation hash (zeroed); -MDT_ENOTFOUND. */
int dialog_card_get(struct dialog *d, const char *token, struct card_row *out);

/* A partner's load of card token (POST /v1/cards/{token}/loads): amount_minor from the merchant's
 * account to the card, the reload fee ([fee.card_reload]) a linked leg the merchant pays, the
 * yearly cap and the minimum checked by the ledger in the same step. load_id is the transfer's
 * id. *out: a step to submit, freed by dialog_step_done; its outcome says whether the ledger
 * refused (dialog_step_reason) and card_fee, card_balance, card_year_left hold the figures.
 * Errors with err: -MDT_ENOTFOUND (no such card), -MDT_ERANGE (the card is not active or has
 * expired), -MDT_EINVAL (amount). */
int dialog_card_load(struct dialog *d, uint64_t merchant_id, const char *token,
                     struct id128 load_id, int64_t amount_minor, int64_t now_us,
                     struct dialog_step **out, struct mdt_err *err);

/* ---- the enrolment link (enrol.c) ---- */

/* The E.164 number whose live enrolment link hashes to token_hash, or NULL. */
const char *dialog_enrol_phone(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                               int64_t now_us);

/* Set the code typed on the enrolment page: a step to submit (service_submit). Errors, err
 * saying what to do: -MDT_ENOTFOUND (link unknown, used or expired), -MDT_EINVAL (a weak code:
 * err says why), -MDT_EBUSY. */
int dialog_enrol_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *code,
                     int64_t now_us, struct dialog_step **out, struct mdt_err *err);

/* ---- social accounts and orders from posts (social.c) ---- */

/* The social account whose live link page hashes to token_hash, or NULL. has_wallet says
 * whether the number being proven (link->otp_phone) already has a wallet with a code. */
const struct social_link_row *dialog_link_get(struct dialog *d,
                                              const uint8_t token_hash[SHA256_LEN], int64_t now_us,
                                              bool *has_wallet);

/* The link page's first form: text a one-time code to phone. A step to submit. Errors with err
 * for the person: -MDT_ENOTFOUND (link unknown or expired), -MDT_EINVAL (not a phone number),
 * -MDT_EBUSY. */
int dialog_link_phone_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *phone,
                          int64_t now_us, struct dialog_step **out, struct mdt_err *err);

/* The second form: the one-time code, and the wallet's code (a new one for a new wallet, checked
 * against the weakness rules; the existing one otherwise); show_name: the person opts in to
 * their handle on campaign pages. A step to submit; dialog_step_outcome then says DONE, or
 * WRONG_CODE (err says which code), or LOCKED. Errors before any step: -MDT_ENOTFOUND,
 * -MDT_EINVAL (weak code, no code sent yet), -MDT_ERANGE (the one-time code expired), -MDT_EBUSY.
 */
int dialog_link_finish_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN], const char *otp,
                           const char *code, bool show_name, int64_t now_us,
                           struct dialog_step **out, struct mdt_err *err);

/* ---- the code's rules (code.c) ---- */

/* An operator's order about a code reset, read from the store (store_channel_fns.code_order):
 * remembered once (by its seq) and carried out by dialog_work. Loop thread. */
int dialog_code_order_loaded(void *ctx, const struct code_order_row *r);

/* Whether the E.164 number has a wallet with a code. */
bool dialog_has_wallet(struct dialog *d, const char *e164);

/* How replies and pages name a person or payee: "@bob" for a social address ("m:bob"), a
 * masked number for an E.164 one, a charity's name as it is. */
void dialog_payee_show(const char *payee, char *out, size_t cap);

/* What a post's order waiting on the wallet page (/o/<token>) is, for the page. */
struct order_view {
    char payer_address[STORE_ADDR_MAX]; /* "m:alice" */
    char payee[STORE_ADDR_MAX];         /* "@bob", a masked number or a charity's name */
    int64_t amount_minor;
    char ref[STORE_REF_MAX];
    int64_t expires_us;
    bool donation;
    enum lang lang;
};

/* The order whose page token hashes to token_hash, or -MDT_ENOTFOUND (unknown, done, expired). */
int dialog_order_get(struct dialog *d, const uint8_t token_hash[SHA256_LEN], int64_t now_us,
                     struct order_view *out);

/* The payer's code typed on the order's page: the same rules as a code by SMS. A step; its
 * outcome is DONE, WRONG_CODE, LOCKED, EXPIRED or REFUSED. -MDT_ENOTFOUND, -MDT_EBUSY. */
int dialog_order_confirm_web(struct dialog *d, const uint8_t token_hash[SHA256_LEN],
                             const char *code, int64_t now_us, struct dialog_step **out,
                             struct mdt_err *err);

/* The wallets' currency code ("EUR"). */
const char *dialog_currency_code(const struct dialog *d);

/* The language a person chose (LANG), or the default; for pages shown to them. */
enum lang dialog_customer_lang(struct dialog *d, const char *e164);

/* Names for the JSON and the pages: pending, confirmed, declined, expired, cancelled. */
const char *payment_request_state_name(int state);
int payment_request_state_parse(const char *name);

/* engine_hook_fn for a step: runs on the ledger thread, reads results and the view, appends the
 * replies and state rows. */
size_t dialog_hook(void *step, const struct ledger *l, const struct ledger_result *results,
                   size_t n, struct store_extra *rows, size_t count, size_t cap);

/* The step is durable (rc 0) or failed (rc < 0: nothing of it happened): update the dialog's
 * memory accordingly and free the step. Loop thread. */
void dialog_step_done(struct dialog_step *s, int rc);

#endif
