/* SPDX-License-Identifier: Apache-2.0 */
/* Dialog internals shared by its files: memory (dialog.c), decisions (dialog_decide.c) and
 * replies (dialog_reply.c). Not for use outside src/dialog. */
#ifndef MDT_DIALOG_INT_H
#define MDT_DIALOG_INT_H

#include "base/index.h"
#include "base/limits.h"
#include "dialog/card_issue.h"
#include "dialog/card_order.h"
#include "dialog/card_pin.h"
#include "dialog/command.h"
#include "dialog/dialog.h"
#include "dialog/dialog_text.h"
#include "dialog/topup.h"

struct campaign {
    struct campaign_row row;
    int64_t total_minor;
    uint64_t donations;
    char donors[CAMPAIGN_DONORS_MAX][64]; /* newest first */
    size_t donor_count;
};

enum dialog_action {
    ACT_REPLY = 0,    /* only a reply (help, hints, refusals decided here) */
    ACT_JOIN,         /* open a wallet */
    ACT_CODE,         /* set the code */
    ACT_BALANCE,      /* read the balance in the hook */
    ACT_HISTORY,      /* read the last movements in the hook */
    ACT_ORDER,        /* hold funds for a transfer or a donation, wait for the code */
    ACT_CONFIRM,      /* the right code: post the hold */
    ACT_WRONG_CODE,   /* a wrong code, tries left */
    ACT_LOCK,         /* the last wrong code: void the hold, lock the code */
    ACT_CANCEL,       /* void the hold */
    ACT_LANG,         /* change the language */
    ACT_HOLD,         /* the right code for a number with no wallet: hold the money for them */
    ACT_COLLECT,      /* work: the number joined, the held money is theirs */
    ACT_RETURN,       /* work: nobody collected the held money, it goes back */
    ACT_REQUEST,      /* api: a new payment request, the payer is asked */
    ACT_PAY,          /* the right code for a payment request: pay the merchant */
    ACT_DECLINE,      /* the payer said no (ANNULER) or typed 5 wrong codes */
    ACT_REQ_CANCEL,   /* api: the merchant withdrew the request */
    ACT_REQ_EXPIRE,   /* work: nobody confirmed in time */
    ACT_REFUND,       /* api: money back from the merchant to the payer */
    ACT_IGNORE,       /* a post that is not a command: recorded, not answered */
    ACT_LINK,         /* social: a link page to tie the account to a wallet */
    ACT_LINK_OTP,     /* web: a one-time code texted to the number being proven */
    ACT_LINK_DONE,    /* web: the account is linked (a wallet opened when the number had none) */
    ACT_LINK_WRONG,   /* web: a wrong one-time code or wallet code */
    ACT_LEAK,         /* social: the person posted their own code: it is cleared */
    ACT_CODE_CHG,     /* CODE <old> <new> with the right old code */
    ACT_CODE_BAD,     /* a wrong current code (change or keep), tries left */
    ACT_CODE_LOCK,    /* the last wrong current code: locked, an order waiting is voided */
    ACT_RESET,        /* CODE OUBLIE: payments stop, the code goes after the delay */
    ACT_RESET_KEEP,   /* CODE GARDER with the right code: the reset is withdrawn */
    ACT_RESET_DONE,   /* work: the delay passed, or an operator completed it: code cleared */
    ACT_RESET_OFF,    /* work: an operator withdrew the reset */
    ACT_CODE_NOP,     /* work: an operator's order with nothing to do; marked done */
    ACT_CARD_ADD,     /* CARTE AJOUT: the alias is the sender's */
    ACT_CARD_WRONG,   /* CARTE AJOUT with a wrong card or activation code, tries left */
    ACT_CARD_BALANCE, /* SOLDE MAMAN, SOLDE CARTE: read the card's balance in the hook */
    ACT_CARD_SAY,     /* a card reply decided in card.c (text_id), maybe a card row to write */
    ACT_CARD_LOAD,    /* a partner's load by the API: the holder's receipt, the API's figures */
    ACT_TOP_LINK,     /* TOPUP 50: a link to the top-up page, if the wallet's limit allows */
    ACT_TOP_PAY,      /* web: the card is typed: the authorization recorded before it goes */
    ACT_TOP_ANSWER,   /* the acquirer answered: recorded, the next operation or the credit */
    ACT_CORDER_LINK,  /* CARTE COMMANDE: a link to the page that orders a card */
    ACT_CORDER_PAY,   /* web: the order's form with the code: the price paid, or why not */
    ACT_CORDER_ISSUE, /* work: a paid order's card issued under it */
    ACT_TOP_FILE,     /* the code confirms a reload paid by the card on file: hold voided,
                       * the authorization recorded before it goes */
    ACT_TOP_SETTLE,   /* the acquirer answered a void or a refund: recorded */
    /* card_ops.c: cards changed by the operator API, the activation page and the clock */
    ACT_CARD_ISSUE,    /* api: the card's account opened, its rows in the same commit */
    ACT_CARD_REPLACE,  /* api: a replacement's account opened, the old card's balance read */
    ACT_CARD_MOVE,     /* api: the replacement's rows, the old card lost, its balance moved */
    ACT_CARD_STATUS,   /* api, page, work: card rows only (block, unblock, activate, expire,
                        * a PIN set on its page) */
    ACT_CARD_PIN_LINK, /* PIN CARTE, PIN MAMAN: a link to the card's PIN page (card_pin.c) */
};

/* A link to a card's PIN page, in memory only (card_pin.c); a zero hash: a free slot. */
struct pin_link {
    uint8_t token_hash[SHA256_LEN];
    uint64_t card_account;
    int64_t expires_us;
    uint16_t lang; /* enum lang of the SMS that asked for it */
};

/* A top-up by bank card in memory (topup.c). */
struct topup {
    struct card_topup_row row;
    char auth_ref[STORE_ACQ_REF_MAX]; /* the authorization's reference, to capture it */
    bool busy;                        /* a step of it is in flight */
};

/* A card ordered on a page, in memory (card_order.c). */
struct corder {
    struct card_order_row row;
    bool busy;        /* a step of it is in flight */
    int64_t retry_us; /* an issue that failed before its step is tried again from then */
};

/* A social account in memory. */
struct slink {
    struct social_link_row row;
    bool busy; /* a step of its own (link page) is in flight */
    /* the hashes it is indexed under (dialog_index_move): address, user id, link page token */
    uint64_t addr_key, user_key, token_key;
};

/* Money held for a number with no wallet. */
struct claim {
    struct claim_row row;
    bool in_flight; /* a work step for it is in the engine */
    bool stuck;     /* collecting it was refused (the payee's limits): it waits for its expiry */
};

struct request {
    struct payment_request_row row;
};

struct cust {
    struct customer_row row; /* account_id 0 while the wallet is being opened */
    bool has_conv;
    struct conversation_row conv;
    bool busy; /* a step is in flight: later messages wait */
    /* the hashes it is indexed under (dialog_index_move): enrolment link, order page token */
    uint64_t enrol_key, order_key;
};

/* A message tracked for in-doubt redeliveries (doubt.c). */
struct doubt_entry {
    struct id128 id, key; /* inbox id; keyed content key (link, source, dest, text) */
    int64_t at_us;        /* first received: the window counts from here */
};

/* In arrival order at e[head .. head + count); at most DIALOG_DOUBT_MAX, allocated on first
 * use. Confirmations come in arrival order: removing the first entry only moves head. */
struct doubt_list {
    struct doubt_entry *e;
    size_t head, count;
};

/* A generation of handled messages: their ids in arrival order, indexed. */
struct idset {
    struct id128 *ids; /* DIALOG_DEDUP_MAX, allocated once */
    struct index index;
    int64_t started_us;
};

struct dialog {
    struct dialog_config cfg;
    struct vault *vault;
    struct cust *custs;
    size_t cust_count, cust_cap;
    struct index cust_phones; /* phone number hash -> custs index + 1 */
    struct association_row assocs[DIALOG_ASSOCIATIONS_MAX];
    size_t assoc_count;
    struct campaign campaigns[DIALOG_CAMPAIGNS_MAX];
    size_t campaign_count;
    struct idset seen[2];
    int seen_current;
    uint64_t unique_serial; /* makes ids of messages never taken for redeliveries unique */
    /* doubt.c: messages whose acknowledgement is unconfirmed, and candidates for a redelivery */
    struct doubt_list unconfirmed, candidates;
    struct id128 received_id; /* dialog_received_id */
    struct claim *claims;     /* unordered; O(n) scans, n is small (money waiting for joiners) */
    size_t claim_count, claim_cap;
    struct request *requests; /* in creation order */
    size_t request_count, request_cap;
    struct index request_ids, request_tokens; /* -> requests index + 1 */
    struct index enrol_tokens;                /* enrolment links' hashes -> customer index + 1 */
    struct merchant_row *merchants;
    size_t merchant_count, merchant_cap;
    int64_t next_expiry_scan_us; /* dialog_work looks for expired requests from then */
    struct slink *links;
    size_t link_count, link_cap;
    struct index link_addrs;   /* address key -> links index + 1 */
    struct index link_users;   /* network and user id key -> links index + 1 (renames) */
    struct index link_tokens;  /* link page token key -> links index + 1 */
    struct index order_tokens; /* order page token key -> customer index + 1 */
    struct topup *topups;      /* in creation order (topup.c) */
    size_t topup_count, topup_cap;
    struct index topup_ids, topup_tokens; /* -> topups index + 1 */
    struct acquirer_op_row *acq_open;     /* operations awaiting an answer; few, O(n) scans */
    struct corder *corders; /* cards ordered on a page, in creation order (card_order.c) */
    size_t corder_count, corder_cap;
    struct index corder_ids, corder_tokens; /* -> corders index + 1 */
    size_t corder_paid;                     /* of them paid and not issued yet */
    struct card_order_settings corder_cfg;  /* dialog_card_orders_set; cv NULL: off */
    /* card_pin.c: open PIN page links, a ring: the next one overwrites pin_link_next */
    struct pin_link pin_links[DIALOG_PIN_LINKS_MAX];
    size_t pin_link_next;
    dialog_card_pin_set_fn pin_set; /* dialog_card_pin_on_set */
    void *pin_set_ctx;
    size_t acq_open_count, acq_open_cap;
    /* customers with a code reset under way (index + 1); few */
    uint32_t *resets;
    size_t reset_count, reset_cap;
    struct code_order *code_orders; /* operators' orders waiting to be carried out */
    size_t code_order_count, code_order_cap;
    /* card.c: issued cards and senders' aliases */
    struct card_row *cards;
    size_t card_count, card_cap;
    struct index card_ids;    /* account id -> cards index + 1 */
    struct index card_phones; /* holder's number -> cards index + 1 */
    struct index card_last4;  /* last four digits -> cards index + 1 */
    struct index card_tokens; /* token -> cards index + 1 (the partner API) */
    struct index card_macs;   /* the number's keyed hash -> cards index + 1 (activation page) */
    uint8_t *card_busy;       /* per card: a step of card_ops.c is in flight (no load now) */
    size_t card_busy_cap;
    size_t card_expiry_at;       /* card_ops.c: where the scan for expired cards goes on */
    int64_t card_expiry_scan_us; /* and when the next scan starts */
    struct card_alias_row *aliases;
    size_t alias_count, alias_cap;
    struct index alias_owners; /* sender's number -> aliases index + 1 */
    /* card_file.c: senders' cards on file */
    struct card_file_row *files;
    size_t file_count, file_cap;
    struct index file_owners; /* sender's number -> files index + 1 */
    /* topup.c: told when a reload paid by the card on file is confirmed (topup_flow sends it) */
    dialog_topup_start_fn topup_start;
    void *topup_start_ctx;
};

/* An operator's order in memory. */
struct code_order {
    struct code_order_row row;
    bool in_flight;
};

/* A short reference people can quote: 4 letters and digits from an id. */
void dialog_order_ref(struct id128 id, char out[STORE_REF_MAX]);
/* Decide a reply only, from text t. */
void dialog_reply_only(struct dialog_step *s, enum dialog_text t);

/* Count a confirmed donation towards campaign tag: its row in this commit, and the page's total
 * once the step is durable. */
void dialog_campaign_donation(struct dialog_step *s, const char *tag, struct id128 transfer_id,
                              int64_t amount_minor, struct store_extra *rows, size_t *count,
                              size_t cap);

/* Set err to text t in lang (its arguments follow) for a web page's note, and return code: the
 * way dialog functions behind a page fail, in the person's language. */
int dialog_page_err(struct mdt_err *err, int code, enum lang lang, enum dialog_text t, ...);

/* The dialog's indexes (base/index.h) hold at most one entry per element of the array they
 * point into, whose length is bounded before it grows: a put can only fail for memory, which
 * is fatal as in mem_grow. Move val's entry in x from hash *key (none when *key is 0 and
 * nothing is there) to new_key, or remove it when !present; *key becomes new_key. */
void dialog_index_move(struct index *x, uint64_t *key, uint64_t new_key, bool present,
                       uint32_t val);
void dialog_index_put(struct index *x, uint64_t key, uint32_t val);
/* The index key of a token from its keyed hash (uniform already: its first 8 bytes). */
uint64_t dialog_token_key(const uint8_t hash[SHA256_LEN]);
/* The token lookup: the value (array position + 1) indexed in x under token hash whose element
 * of array (elements of elem bytes) holds that hash at offset hash_at, compared in constant
 * time; 0 when none. The caller still checks the expiry. */
uint32_t dialog_token_find(const struct index *x, const void *array, size_t elem, size_t hash_at,
                           const uint8_t hash[SHA256_LEN]);
/* The id lookup of the rows kept by id and link token (payment requests, top-ups, card
 * orders): the value (array position + 1) indexed in x under id whose element holds that id at
 * offset id_at; 0 when none. */
uint32_t dialog_id_find(const struct index *x, const void *array, size_t elem, size_t id_at,
                        struct id128 id);
/* A new zeroed element at the end of *array (*count of them, *cap allocated), indexed once under
 * its id in ids and its token's hash in tokens (unless that is zero: no link): neither ever
 * changes. NULL when *count is max. */
void *dialog_linked_add(void **array, size_t *count, size_t *cap, size_t elem, size_t max,
                        struct index *ids, struct index *tokens, struct id128 id,
                        const uint8_t token_hash[SHA256_LEN]);
/* Top-ups (topup.c): CMD_TOPUP's decision for customer c, the hook of the ACT_TOP_* steps,
 * the memory once a step is durable (or failed), rows at load, and freeing. */
void dialog_topup_decide(struct dialog *d, struct dialog_step *s, const struct cust *c,
                         const struct command *cmd);
void dialog_topup_hook(struct dialog_step *s, const struct ledger *l,
                       const struct ledger_result *results, size_t n, struct store_extra *rows,
                       size_t *count, size_t cap);
void dialog_topup_done(struct dialog_step *s, int rc);
int dialog_topup_loaded(void *ctx, const struct card_topup_row *r);
/* Whether action is one of a top-up's steps (their hook and done are topup.c's). */
bool dialog_topup_action(int action);
/* The step's top-up and acquirer operation rows, if it changes them, appended to rows. */
void dialog_topup_rows(const struct dialog_step *s, struct store_extra *rows, size_t *count,
                       size_t cap);
/* RECHARGE MAMAN 100 CB (s->amount) from sender c for card k, usable, named alias: a top-up whose
 * target is k, its fees and what the bank card is charged. file NULL: a link to the page
 * (ACT_TOP_LINK); else paid by that card on file once the code confirms the order, whose hold
 * the caller then adds and names with dialog_topup_file_order. False, and the step answered,
 * when card payments are off. */
bool dialog_topup_card(struct dialog *d, struct dialog_step *s, const struct cust *c,
                       const struct card_row *k, const char *alias,
                       const struct card_file_row *file);
void dialog_topup_file_order(struct dialog_step *s, const struct ledger_op *hold);
/* The right code for c's order: when it is a reload paid by the card on file, the step becomes
 * ACT_TOP_FILE (its authorization recorded pending; the caller voids the order's hold in the same
 * step) and true; false for any other order. */
bool dialog_topup_file_confirm(struct dialog *d, struct dialog_step *s, const struct cust *c);
int dialog_acquirer_op_loaded(void *ctx, const struct acquirer_op_row *r);
void dialog_topup_free_all(struct dialog *d);
/* Card orders (card_order.c): CARTE COMMANDE's decision for customer c, the hook of the
 * ACT_CORDER_* steps, the memory once a step ended, the issue of a paid order (work), and
 * freeing. alias_free: whether owner may name a new card alias (card.c). */
void dialog_card_order_decide(struct dialog *d, struct dialog_step *s, const struct cust *c);
void dialog_card_order_hook(struct dialog_step *s, const struct ledger_result *results, size_t n,
                            struct store_extra *rows, size_t *count, size_t cap);
void dialog_card_order_done(struct dialog_step *s, int rc);
struct dialog_step *dialog_card_order_work(struct dialog *d, int64_t now_us);
void dialog_card_order_free_all(struct dialog *d);
bool dialog_alias_free(struct dialog *d, const char *owner, const char *alias);

/* A new enrolment link for step s's person, valid DIALOG_ENROL_LINK_S (token in s->token). */
void dialog_enrol_link(struct dialog_step *s);
#define DIALOG_ENROL_LINK_S 1800
/* Index c's live enrolment link (after it became durable, or at load). */
void dialog_enrol_index(struct dialog *d, struct cust *c);

struct campaign *dialog_campaign_find(struct dialog *d, const char *tag);
/* Count a durable donation towards tag's total (loop thread, when its step is durable). */
void dialog_campaign_count(struct dialog *d, const char *tag, int64_t amount_minor,
                           const char *donor);

struct request *dialog_request_find(struct dialog *d, struct id128 id);
void dialog_request_apply(struct dialog *d, const struct payment_request_row *r);
/* Decide a code (by SMS or on the page) for request r of payer c. */
void dialog_decide_pay(struct dialog *d, struct dialog_step *s, struct cust *c, struct request *r,
                       const char *code, int64_t now_us);
/* The ledger op that pays request r from account debit (the payer's wallet, a prepaid card, the
 * bank for a bank card): under the request's payment id, to the merchant with its fee (or the
 * campaign's association), so that whatever pays it pays it once. op is overwritten; the caller
 * sets its channel. */
void dialog_request_pay_op(struct dialog *d, const struct payment_request_row *r, uint64_t debit,
                           struct ledger_op *op);
/* Request s->request paid by a card over the phone (r: the ledger's result of the payment, not
 * refused): CONFIRMED, its webhook, and a receipt naming the card (s->topup.card_last4) to the
 * caller's number to (none when ""). write_row: add the request's row (a top-up step's hook;
 * dialog_request_hook writes its own). Ledger thread. */
void dialog_request_card_paid(struct dialog_step *s, const struct ledger_result *r, const char *to,
                              bool write_row, struct store_extra *rows, size_t *count, size_t cap);
/* The payer said ANNULER to a request waiting for their code. */
void dialog_decide_decline(struct dialog_step *s, struct cust *c, struct request *r);
/* Work: an expired pending request, as a step, or NULL. */
struct dialog_step *dialog_request_work(struct dialog *d, int64_t now_us);
/* The replies and rows of request actions (hook, ledger thread). */
void dialog_request_hook(struct dialog_step *s, const struct ledger *l,
                         const struct ledger_result *r, size_t n, struct store_extra *rows,
                         size_t *count, size_t cap);
void dialog_request_free_all(struct dialog *d);

/* ---- social (social.c) ---- */
/* A message from a social network: the dialog_receive of posts. */
int dialog_social_receive(struct dialog *d, const struct dialog_message *m, int64_t now_us,
                          struct dialog_step **out);
/* The linked account of address ("m:alice"), or NULL. */
struct slink *dialog_link_find(struct dialog *d, const char *address);
/* The link of the account with the platform id user_id on address's network ("m:" of
 * "m:alice"), whatever its handle now; NULL when none or user_id is "". */
struct slink *dialog_link_find_user(struct dialog *d, const char *address, const char *user_id);
/* Apply a durable link row (load, step done). */
void dialog_link_apply(struct dialog *d, const struct social_link_row *r);
/* Index c's order page token (after it became durable, or at load). */
void dialog_order_index(struct dialog *d, struct cust *c);
/* The wallet a claim's payee names: a number, or a linked social address. */
struct cust *dialog_payee_cust(struct dialog *d, const char *payee);
/* The payee's wallet as a step decided it (social payees found by id: social.c). */
struct cust *dialog_step_payee_cust(struct dialog *d, const struct dialog_step *s);
/* The replies and rows of social actions (hook, ledger thread). */
void dialog_social_hook(struct dialog_step *s, const struct ledger_result *r, size_t n,
                        struct store_extra *rows, size_t *count, size_t cap);
void dialog_social_free_all(struct dialog *d);

/* ---- the code's rules (code.c) ---- */
/* CODE, CODE <old> <new>, CODE OUBLIE, CODE GARDER from person c (a wallet). */
void dialog_decide_code(struct dialog *d, struct dialog_step *s, struct cust *c,
                        const struct command *cmd);
/* True (and the step decided: a reply saying until when) when c's wallet may not pay now
 * because its code is being reset. */
bool dialog_code_blocks(struct dialog_step *s, const struct cust *c, int64_t now_us);
/* Work: a reset whose delay passed, or an operator's order, as a step; NULL when none. */
struct dialog_step *dialog_code_work(struct dialog *d, int64_t now_us);
/* Keep the list of resets under way in step with c's row (load, step done). */
void dialog_code_track(struct dialog *d, const struct cust *c);
/* The step that carried out order seq ended (rc 0: durable). */
void dialog_code_order_done(struct dialog *d, uint64_t seq, int rc);
/* The replies of the code's actions (hook, ledger thread). */
void dialog_code_hook(struct dialog_step *s, const struct ledger_result *r, size_t n,
                      struct store_extra *rows, size_t *count, size_t cap);
void dialog_code_free_all(struct dialog *d);

/* ---- cards (card.c, card_reply.c) ---- */
/* Card commands: ACTIVER and SOLDE CARTE from anyone, the others from a wallet c. True when the
 * step is decided; false: not a card command (or no wallet: the caller says how to join). */
bool dialog_card_decide(struct dialog *d, struct dialog_step *s, struct cust *c,
                        const struct command *cmd);
/* The code confirms c's reload: the card and its holder's language into the step. False when
 * the card may not be loaded any more (blocked, expired, unknown since the order). */
bool dialog_card_confirm_prep(struct dialog *d, struct dialog_step *s, const struct cust *c);
/* The card with this ledger account, or NULL. */
struct card_row *dialog_card_find(struct dialog *d, uint64_t account_id);
/* Whether the card of account may be loaded at now_us (known, active, not expired). */
bool dialog_card_usable(struct dialog *d, uint64_t account, int64_t now_us);
/* The card of account (named alias) and its holder's language into the step, for the receipts;
 * false when it may not be loaded any more. */
bool dialog_card_prep(struct dialog *d, struct dialog_step *s, uint64_t account, const char *alias);
/* What may still be loaded on card id this calendar year (ledger view; hook). 0: no cap. */
int64_t dialog_card_year_left(const struct ledger *l, uint64_t id, int64_t now_us);
/* A reload paid by bank card (s->card, s->amount) that the rules refuse (the minimum and fee
 * table, the yearly cap): the refusal naming its rule is replied, and true. Hook. */
bool dialog_card_reload_refused(struct dialog_step *s, const struct ledger *l,
                                struct store_extra *rows, size_t *count, size_t cap);
/* The receipts of a reload paid by bank card (s->topup credited): the sender's, and the
 * holder's when the card has a phone. Hook. */
void dialog_card_reply_topup(struct dialog_step *s, const struct ledger *l,
                             struct store_extra *rows, size_t *count, size_t cap);
/* Apply a durable card or alias row to memory (load, reread, step done). */
void dialog_card_apply(struct dialog *d, const struct card_row *r);
/* The card with this token, or NULL (card.c). */
struct card_row *dialog_card_by_token(struct dialog *d, const char *token);
/* Whether a card takes money now: active, not expired, no operator's step in flight on it. */
bool dialog_card_loadable(const struct dialog *d, const struct card_row *k, int64_t now_us);
/* Whether a step of card_ops.c holds card k; and set or clear it. */
bool dialog_card_busy(const struct dialog *d, const struct card_row *k);
void dialog_card_busy_set(struct dialog *d, const struct card_row *k, bool busy);
/* The activation decision, the same from the holder's phone (ACTIVER) and the page: card k
 * (NULL: none matched, counted nowhere) with the code typed. Sets s->action ACT_CARD_SAY and
 * s->text_id (TEXT_CARD_ACTIVATED, _ACTIVATION_WRONG, _ACTIVATION_LOCKED, _ACTIVE_ALREADY,
 * _BLOCKED), and s->card (card_changed) when the card's row changes: a wrong code counts on the
 * card, code_attempts_max of them lock it. */
void dialog_card_activate_decide(struct dialog *d, struct dialog_step *s, const struct card_row *k,
                                 const char *code);
/* card_ops.c: the hook of the ACT_CARD_ISSUE..ACT_CARD_STATUS steps (ledger thread), and the
 * memory once one ended (loop thread). */
void dialog_card_ops_hook(struct dialog_step *s, const struct ledger *l,
                          const struct ledger_result *results, size_t n, struct store_extra *rows,
                          size_t *count, size_t cap);
void dialog_card_ops_done(struct dialog_step *s, int rc);
/* The card whose number has this keyed hash (the card vault's pan_mac) into *out (NULL and
 * -MDT_ENOTFOUND when none). Compared in constant time. */
int dialog_card_by_mac(struct dialog *d, const uint8_t mac[32], struct card_row **out);
/* A new card for s (card_issue.c's number, seal and row into s->card_pan and s->card, with its
 * BIN, last four and keyed hash), its line appended to [cards] emboss_file with the activation
 * code when code_on_line, else the code in s->otp (wiped with the step). Errors with err. */
int dialog_card_make(struct dialog *d, const struct card_issue_in *in, bool code_on_line,
                     struct dialog_step *s, struct mdt_err *err);
/* Work: cards past their expiry month set expired (a step of card rows), or NULL. */
struct dialog_step *dialog_card_expire_work(struct dialog *d, int64_t now_us);
void dialog_alias_apply(struct dialog *d, const struct card_alias_row *r);
void dialog_card_free_all(struct dialog *d);

/* ---- cards on file (card_file.c) ---- */
/* Apply a durable card on file (kept or forgotten) to memory (load, step done). */
void dialog_card_file_apply(struct dialog *d, const struct card_file_row *r);
void dialog_card_file_free_all(struct dialog *d);
/* CB OUBLIER from s->phone: the card on file forgotten (its row in the step), or the reply that
 * there is none. */
void dialog_card_file_forget(struct dialog *d, struct dialog_step *s);
/* The step's card on file row, if it changes one, appended to rows (capacity cap). */
void dialog_card_file_row(const struct dialog_step *s, struct store_extra *rows, size_t *count,
                          size_t cap);
/* Replies (hook, ledger thread): a reload's order and its confirmation, and ACT_CARD_*. */
void dialog_card_reply_order(struct dialog_step *s, const struct ledger *l,
                             const struct ledger_result *r, struct store_extra *rows, size_t *count,
                             size_t cap);
void dialog_card_reply_confirm(struct dialog_step *s, const struct ledger *l,
                               const struct ledger_result *r, struct store_extra *rows,
                               size_t *count, size_t cap);
/* The hook of a partner's load by the API (ACT_CARD_LOAD). */
void dialog_card_reply_load(struct dialog_step *s, const struct ledger *l,
                            const struct ledger_result *r, struct store_extra *rows, size_t *count,
                            size_t cap);
void dialog_card_hook(struct dialog_step *s, const struct ledger *l, struct store_extra *rows,
                      size_t *count, size_t cap);
/* Why the ledger refused an order, in words for the person (dialog_reply.c). */
void dialog_refusal(struct dialog_step *s, const struct ledger *l, int reason,
                    struct store_extra *rows, size_t *count, size_t cap);

/* ---- shared by dialog_decide.c and social.c ---- */
struct id128 dialog_message_id(struct dialog *d, const struct dialog_message *m, int64_t now_us);
/* doubt.c: the id of message m (dialog_message_id), and for an SMPP message without the SMSC's
 * id its content key (else zero). Returns true when m is the redelivery of a candidate: *id is
 * then the candidate's, consumed, and tracked again as unconfirmed. */
bool dialog_doubt_identify(struct dialog *d, const struct dialog_message *m, int64_t now_us,
                           struct id128 *id, struct id128 *key);
/* Track a new message's unconfirmed acknowledgement; a stored one in doubt (at load). */
void dialog_doubt_track(struct dialog *d, struct id128 id, struct id128 key, int64_t at_us);
void dialog_doubt_candidate(struct dialog *d, struct id128 id, struct id128 key, int64_t at_us);
void dialog_doubt_free(struct dialog *d);
void dialog_fill_inbox(struct dialog_step *s, const struct dialog_message *m, int64_t now_us);
void dialog_decide_order(struct dialog *d, struct dialog_step *s, struct cust *c,
                         const struct command *cmd);
/* True (and the step decided: a reply saying why) when c may not start an order now: one waits
 * for its code, the code is locked, or a reset of it is under way. */
bool dialog_order_cannot_start(struct dialog_step *s, const struct cust *c);
/* The conversation of an order whose hold is op, to s->payee (s->payee_account) for s->amount:
 * it waits for the code (a donation's campaign already in s->conversation is kept). */
void dialog_conversation_open(struct dialog_step *s, const struct ledger_op *op);
void dialog_decide_confirm(struct dialog *d, struct dialog_step *s, struct cust *c,
                           const char *code, int64_t now_us);
/* Commands of a person with a wallet (balance, send, donate, cancel, ...). */
void dialog_decide_customer(struct dialog *d, struct dialog_step *s, struct cust *c,
                            const struct command *cmd, int64_t now_us);
struct ledger_op *dialog_add_op(struct dialog_step *s);
/* A new step with no message behind it (a page, an operator's order: no inbox row), under a
 * random id; NULL when the system gives no randomness. Ends with dialog_step_done, as any. */
struct dialog_step *dialog_step_new_api(struct dialog *d, int64_t now_us);
/* A step on no one's conversation (api: its replies name their number) whose id inbox_id is
 * derived from what it acts on (a top-up, a card order, a load: its replies derive from it, so a
 * replay makes the same rows). Caller-owned until submitted. */
struct dialog_step *dialog_step_derived(struct dialog *d, int action, struct id128 inbox_id,
                                        enum lang lang, int64_t now_us);
/* Void the hold of the order c waits to confirm (not a merchant's request: nothing is held for
 * it) and close the conversation; the op, or NULL when nothing was held (code.c). */
struct ledger_op *dialog_order_void(struct dialog_step *s, const struct cust *c);
/* Store code as s->phone's code (s->customer): a new code replaces none or the old one, the
 * enrolment link dies with it (single use; a link never sets a code over another), and any
 * reset is over. The lock and its counter stay: setting a code lifts none (code.c). */
void dialog_code_store(struct dialog *d, struct dialog_step *s, const char *code);

struct cust *dialog_cust_find(struct dialog *d, const char *phone);
struct cust *dialog_cust_add(struct dialog *d, const char *phone);
bool dialog_seen(struct dialog *d, struct id128 id);
void dialog_seen_add(struct dialog *d, struct id128 id, int64_t now_us);
struct claim *dialog_claim_find(struct dialog *d, struct id128 id);
/* Apply a durable claim row to memory: add, update, or remove when !active. */
void dialog_claim_apply(struct dialog *d, const struct claim_row *r);
const struct association_row *dialog_association_find(const struct dialog *d, const char *keyword);

/* If o's text holds the step's link token (else its one-time code), put DIALOG_LINK_MARKER
 * (DIALOG_CODE_MARKER) in its place and the secret, sealed by the vault, in o->link_seal
 * (outbox_link.c). */
void dialog_outbox_seal(struct dialog_step *s, struct outbox_row *o);

/* Durations and times as replies write them: "5 min", "30 min", "24 h", "7 jours" (days when a
 * whole number of two or more, hours when whole, else minutes rounded up); and a UTC time,
 * "07/12/2026 23:40" in French, "2026-12-07 23:40" in English. Every number of time in a reply
 * comes from the value its rule uses, through these. */
#define DIALOG_DURATION_MAX 24
#define DIALOG_WHEN_MAX 24
void dialog_duration_format(uint32_t seconds, enum lang lang, char out[DIALOG_DURATION_MAX]);
void dialog_when_format(int64_t us, enum lang lang, char out[DIALOG_WHEN_MAX]);
/* A name or reference someone else chose, as SMS texts show it: at most max_chars characters,
 * Latin letters outside GSM 03.38 written with the nearest GSM ones (sms_name.c). */
void dialog_sms_name(const char *in, size_t max_chars, char *out, size_t cap);
/* A payer's number as payees see it: "+33 6 .. .. 56 78" (the last four digits). */
void dialog_payer_mask(const char *e164, char *out, size_t cap);

/* PIN CARTE / PIN MAMAN for card k (card_pin.c): the link to its PIN page, or why not; the
 * hook of ACT_CARD_PIN_LINK writes the SMS. */
void dialog_card_pin_decide(struct dialog *d, struct dialog_step *s, const struct card_row *k);
void dialog_card_pin_hook(struct dialog_step *s, struct store_extra *rows, size_t *count,
                          size_t cap);
/* A PIN row of a page's step is durable: told to dialog_card_pin_on_set's fn. */
void dialog_card_pin_done(struct dialog *d, const struct card_pin_row *r);

/* Append a reply to the step's person (or to dest when not NULL), formatted from text t; a link
 * token in it is sealed (dialog_outbox_seal). */
void dialog_reply(struct dialog_step *s, struct store_extra *rows, size_t *count, size_t cap,
                  const char *dest, enum lang lang, enum dialog_text t, ...);

#endif
