/* SPDX-License-Identifier: Apache-2.0 */
/* The world the dialog's unit tests run in: a real engine, store and vault in a scratch
 * directory, a clock the test moves, and helpers that say a message and run its step to the
 * end, keeping the replies. Shared by test_dialog.c and test_dialog_web.c. */
#ifndef MDT_TESTS_DIALOG_WORLD_H
#define MDT_TESTS_DIALOG_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "dialog/dialog.h"
#include "engine/engine.h"
#include "store/store.h"
#include "vault/vault.h"

#define A "+33612345678"
#define B "+33698765432"

/* The test's clock (µs since the epoch), moved by advance_s or directly. */
extern int64_t world_now_us;
int64_t fake_clock(void);
void advance_s(int64_t s);

struct world {
    char dir[64], db[512], key[96];
    struct ledger_config cfg;
    struct store *store;
    struct engine *engine;
    struct vault *vault;
    struct dialog *dialog;
    uint64_t peer_seq;
    uint64_t suspense; /* 0: money to numbers with no wallet is refused */
    uint32_t order_timeout_s, code_attempts, code_lock_s; /* 0: 300, 5, 1800 */
    uint32_t topup_link_s;                                /* top-ups by bank card: 0 off */
    uint16_t topup_fee_schedule;                          /* their fee, a schedule of cfg; 0 none */
    uint64_t topup_fee_account;                           /* 0: to the fees account (2) */
    char replies[8][STORE_TEXT_MAX];                      /* as the peer gets them: links opened */
    char stored[8][STORE_TEXT_MAX];                       /* as the outbox keeps them */
    char inbox[STORE_TEXT_MAX];                           /* the message as the inbox keeps it */
    struct outbox_row first_row;                          /* the first reply's row as stored */
    char reply_dest[8][STORE_ADDR_MAX];
    int nreplies;
    char events[8][48];
    int nevents;
    char event_body[STORE_WEBHOOK_BODY_MAX];
    enum step_outcome outcome;
};

extern struct world w;

/* Submits the step to the engine, waits for it, and gives it back to the dialog (the replies
 * land in w.replies); returns the step's code. */
int run_step(struct dialog_step *s);
/* run_step, calling then (when not NULL) once the step is durable (or failed) and before the
 * dialog takes it back, as a channel's done callback runs (the operator API's replacement). */
int run_step_then(struct dialog_step *s, void (*then)(struct dialog_step *s, int rc, void *ctx),
                  void *ctx);
/* A message from phone (peer_id NULL: a new one); returns dialog_receive's code or the step's. */
int say_id(const char *phone, const char *text, const char *peer_id);
/* Work the dialog starts itself (held money collected or returned): -MDT_ENOTFOUND when none. */
int work(void);
/* A message from phone that must be answered. */
void say(const char *phone, const char *text);
/* Reply i of the last step contains needle. */
void expect(int i, const char *needle);
/* Opens the store, engine, vault and dialog on w's files (fresh: a new vault key). */
void open_world(bool fresh);
void close_world(void);
/* One ledger operation, executed now. */
struct ledger_result run(struct ledger_op *op);
/* System accounts, and a charity with the keyword TELETHON (account 5). */
void setup_ledger(void);
/* Money from the bank to account. */
void topup(uint64_t account, int64_t amount);
/* The account as the engine's view holds it now. */
struct account account(uint64_t id);
/* cmocka setup and teardown: a scratch directory with a fresh world in it, removed after. */
int setup(void **state);
int teardown(void **state);
/* INSCRIPTION, a weak code refused, then code ("CODE 483920"). */
void enrol(const char *phone, const char *code);
/* The hash of the enrolment link in the last welcome reply (reply 0). */
void enrol_hash(uint8_t hash[32]);
/* A merchant "Boutique Zoé" with an account and a webhook URL, known to the dialog; its id. */
uint64_t open_merchant(void);
/* The merchant's payment request of amount to payer, id {0xa5c, serial}, reference
 * "order <serial>", run; token (33 bytes, may be NULL) gets its link token. dialog_request_create's
 * code, or the step's. */
int request_ask(uint64_t merchant, int64_t amount, const char *payer, uint64_t serial,
                char token[33]);

/* Prepaid cards: the holder, abroad, without a wallet, and the card's token. */
#define WORLD_HOLDER "+212612345678"
#define WORLD_CARD_TOKEN "card_0123456789abcdef0123456789abcdef"
/* A card of account id, ending in 4242, for WORLD_HOLDER, with activation code 135790. */
void world_card_issue(uint64_t id);
/* A new card account: its id. */
uint64_t world_card_open(void);
/* amount loaded on card from the bank (a transfer id of its own per amount). */
void world_card_load(uint64_t card, int64_t amount);

#endif
