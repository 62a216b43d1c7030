/* SPDX-License-Identifier: Apache-2.0 */
/* bench/sms: a donation campaign through real SMPP binds. `setup` preloads N customers with
 * wallets, codes and 100 EUR each into a fresh store; `smsc` is the operator's SMSC: it accepts
 * one bind_transceiver (mandatd, or Kannel's bearerbox) and drives every number through
 * "DON 5 TELETHON" (or, with --card, "RECHARGE MAMAN 60") then its code, pipelined across
 * numbers, measuring MO->reply latency. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/money.h"
#include "engine/engine.h"
#include "sms.h"
#include "store/store.h"
#include "vault/vault.h"

/* MOs waiting for their reply, at most: mandatd answers ESME_RTHROTTLED past its
 * SMPP_MO_PENDING_MAX (1024) unacknowledged deliver_sm. */
#define SMSC_WINDOW_MAX 1024u

/* A throttled or temporarily refused MO is sent again after this long, at most this often. */
#define SMSC_RETRY_US 10000
#define SMSC_RETRIES_MAX 100

/* Stop queueing MOs while this much output is unsent: the peer is not reading. */
#define SMSC_OUT_HIGH (1u << 20)

/* Processes whose CPU time is the peer's: mandatd; or bearerbox, smsbox and the app. */
#define SMSC_PEERS_MAX 4

/* After the campaign, serve the peer (its unbind, the last submit_sm) this long at most. */
#define SMSC_LINGER_US (30 * 1000000LL)

/* ---- setup: customers preloaded through the engine, as mandatd would have written them ---- */

struct setup_opts {
    const char *db, *key, *assoc_out;
    const char *cards_ring; /* --cards: also a card per customer, sealed under this key ring */
    uint32_t numbers;
};

static void die(const char *what, const struct mdt_err *err)
{
    fprintf(stderr, "bench_sms: %s: %s\n", what, err != NULL ? err->msg : strerror(errno));
    exit(2);
}

void sms_setup_exec(struct engine *e, const struct ledger_op *ops, size_t n,
                    struct store_extra *rows, size_t nrows, struct ledger_result *res)
{
    struct mdt_err err = {0};

    if (engine_execute_rows(e, ops, n, rows, nrows, res, &err) < 0) {
        die("setup batch", &err);
    }
    for (size_t i = 0; i < n; i++) {
        if (res[i].reason != LEDGER_OK) {
            fprintf(stderr, "bench_sms: setup refused: %s\n", ledger_reason_name(res[i].reason));
            exit(2);
        }
    }
}

/* The association TELETHON; returns its account id. */
static uint64_t setup_association(struct engine *e)
{
    struct ledger_op op = {.type = LEDGER_OP_SYSTEM_INIT};
    struct ledger_result res = {0};
    struct store_extra *row = calloc(1, sizeof(*row));

    if (row == NULL) {
        die("out of memory", NULL);
    }
    strcpy(op.account.currency, "EUR");
    sms_setup_exec(e, &op, 1, NULL, 0, &res);
    memset(&op, 0, sizeof(op));
    op.type = LEDGER_OP_ACCOUNT_OPEN;
    op.account.kind = ACCOUNT_ASSOCIATION;
    strcpy(op.account.currency, "EUR");
    sms_setup_exec(e, &op, 1, NULL, 0, &res);
    row->kind = EXTRA_ASSOCIATION;
    snprintf(row->u.association.keyword, sizeof(row->u.association.keyword), "%s", SMS_KEYWORD);
    snprintf(row->u.association.name, sizeof(row->u.association.name), "Téléthon");
    row->u.association.account_id = res.account_id;
    sms_setup_exec(e, NULL, 0, row, 1, NULL);
    free(row);
    return res.account_id;
}

/* Numbers [first, first + n): wallets (tier 2), 100 EUR each from the bank, customer rows with
 * the code's keyed hash. Two commits per chunk: the wallets, then top-ups and customers. */
static void setup_chunk(struct engine *e, const struct vault *v, uint32_t first, size_t n,
                        struct ledger_op *ops, struct ledger_result *res, struct store_extra *rows)
{
    int64_t now = clock_now_us();

    for (size_t i = 0; i < n; i++) {
        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].type = LEDGER_OP_ACCOUNT_OPEN;
        ops[i].account.kind = ACCOUNT_WALLET;
        ops[i].account.tier = 2;
        strcpy(ops[i].account.currency, "EUR");
    }
    sms_setup_exec(e, ops, n, NULL, 0, res);
    for (size_t i = 0; i < n; i++) {
        struct customer_row *c = &rows[i].u.customer;
        uint64_t account = res[i].account_id;

        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].type = LEDGER_OP_TRANSFER;
        ops[i].transfer.id = (struct id128){.hi = 0x5e75, .lo = first + i + 1};
        ops[i].transfer.debit_account_id = 1; /* the bank */
        ops[i].transfer.credit_account_id = account;
        ops[i].transfer.amount = 10000;
        ops[i].transfer.kind = TRANSFER_TOPUP;
        memset(&rows[i], 0, sizeof(rows[i]));
        rows[i].kind = EXTRA_CUSTOMER;
        snprintf(c->phone, sizeof(c->phone), "+%" PRIu64, SMS_NUMBER_BASE + first + i);
        c->account_id = account;
        c->lang = LANG_FR;
        c->has_pin = true;
        c->created_us = now;
        if (vault_pin_hash(v, c->phone, SMS_CODE, c->pin_hash) < 0) {
            die("vault_pin_hash", NULL);
        }
    }
    sms_setup_exec(e, ops, n, rows, n, res);
}

static int setup_run(const struct setup_opts *o)
{
    struct ledger_config cfg;
    struct store_options so = {.path = o->db, .create = true, .sync = STORE_DURABLE_NORMAL};
    struct engine_options eo = {
        .ledger = &cfg, .batch_max = ENGINE_BATCH_MAX, .queue_depth = ENGINE_QUEUE_MAX};
    struct ledger_op *ops = calloc(ENGINE_SUBMIT_MAX, sizeof(*ops));
    struct ledger_result *res = calloc(ENGINE_SUBMIT_MAX, sizeof(*res));
    struct store_extra *rows = calloc(ENGINE_SUBMIT_MAX, sizeof(*rows));
    struct store *s = NULL;
    struct engine *e = NULL;
    struct vault *v = NULL;
    struct mdt_err err = {0};
    int64_t t0 = sms_now_us();
    uint64_t assoc;
    FILE *f;

    if (ops == NULL || res == NULL || rows == NULL) {
        die("out of memory", NULL);
    }
    ledger_config_defaults(&cfg);
    if (vault_open(o->key, true, &v, &err) < 0) {
        die("vault", &err);
    }
    if (store_open(&so, &s, &err) < 0) {
        die("store", &err);
    }
    eo.store = s;
    if (engine_start(&eo, &e, &err) < 0) {
        die("engine", &err);
    }
    assoc = setup_association(e);
    for (uint32_t first = 0; first < o->numbers; first += ENGINE_SUBMIT_MAX) {
        size_t n = o->numbers - first < ENGINE_SUBMIT_MAX ? o->numbers - first : ENGINE_SUBMIT_MAX;

        setup_chunk(e, v, first, n, ops, res, rows);
    }
    if (o->cards_ring != NULL) {
        sms_setup_cards(e, v, o->cards_ring, o->numbers);
    }
    engine_stop(e);
    store_close(s);
    vault_close(v);
    f = fopen(o->assoc_out, "w");
    if (f == NULL || fprintf(f, "%" PRIu64 "\n", assoc) < 0 || fclose(f) != 0) {
        die(o->assoc_out, NULL);
    }
    printf("setup: %u customers with 100 EUR and a code, association %s = account %" PRIu64
           ", in %.1f s\n",
           o->numbers, SMS_KEYWORD, assoc, (double)(sms_now_us() - t0) / 1e6);
    free(ops);
    free(res);
    free(rows);
    return 0;
}

static int setup_main(int argc, char **argv)
{
    static const struct option lo[] = {{"db", required_argument, NULL, 'd'},
                                       {"key", required_argument, NULL, 'k'},
                                       {"numbers", required_argument, NULL, 'n'},
                                       {"association-file", required_argument, NULL, 'a'},
                                       {"cards", required_argument, NULL, 'c'},
                                       {NULL, 0, NULL, 0}};
    struct setup_opts o = {.numbers = 100000};
    int c;

    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'd') {
            o.db = optarg;
        } else if (c == 'k') {
            o.key = optarg;
        } else if (c == 'a') {
            o.assoc_out = optarg;
        } else if (c == 'c') {
            o.cards_ring = optarg;
        } else if (c == 'n') {
            o.numbers = (uint32_t)strtoul(optarg, NULL, 10);
        } else {
            return 2;
        }
    }
    if (o.db == NULL || o.key == NULL || o.assoc_out == NULL || o.numbers == 0 ||
        o.numbers > SMS_NUMBERS_MAX) {
        fprintf(stderr,
                "usage: bench_sms setup --db FILE --key FILE --association-file FILE "
                "[--numbers 1..%u] [--cards KEY_RING]\n",
                SMS_NUMBERS_MAX);
        return 2;
    }
    return setup_run(&o);
}

/* ---- smsc: the load generator ---- */

enum step {
    STEP_IDLE = 0,
    STEP_DONATE_SENT, /* waiting for "Donner ..." */
    STEP_CODE_READY,  /* in the ready ring: its code goes next */
    STEP_CODE_SENT,   /* waiting for "Merci ! ..." */
    STEP_DONE,
    STEP_FAILED,
};

struct number {
    int64_t sent_us; /* when the MO now awaited first left (retries keep it) */
    int64_t due_us;  /* when a throttled MO goes again */
    uint8_t step;    /* enum step */
    uint8_t retries;
    uint8_t flags; /* enum mo_flag: --crash-tolerant's bookkeeping per MO */
};

/* Per number and MO (d: "DON 5 TELETHON", c: the code), for --crash-tolerant. */
enum mo_flag {
    MO_SENT_D = 1u << 0,  /* sent at least once */
    MO_SENT_C = 1u << 1,
    MO_PEND_D = 1u << 2,  /* sent on the current bind, deliver_sm_resp awaited */
    MO_PEND_C = 1u << 3,
    MO_ACK_D = 1u << 4,   /* acknowledged (deliver_sm_resp ESME_ROK) at least once */
    MO_ACK_C = 1u << 5,
    MO_GOT_CONFIRM = 1u << 6, /* "Donner ..." received */
    MO_GOT_DONE = 1u << 7,    /* "Merci ! ..." received */
};
#define MO_SENT(code) ((code) ? MO_SENT_C : MO_SENT_D)
#define MO_PEND(code) ((code) ? MO_PEND_C : MO_PEND_D)
#define MO_ACK(code) ((code) ? MO_ACK_C : MO_ACK_D)

/* --crash-tolerant: a number awaiting a reply gets none for this long after the last bind (or
 * its send): it is given up as a lost reply. */
#define SMSC_REPLY_LOST_US (15 * 1000000LL)

/* A FIFO of number indices, capacity N: each number is in it at most once. */
struct ring {
    uint32_t *at;
    size_t head, count, cap;
};

struct smsc_opts {
    uint16_t port;
    uint32_t numbers, window;
    double seconds_max, start_delay_s;
    double rate; /* new numbers per second at most (0: as fast as the window allows) */
    const char *ready_file, *peer_pid_file, *label, *acked_file;
    bool msgid, stop_peer, crash_tolerant;
    bool card; /* --card: RECHARGE MAMAN 60 instead of DON 5 TELETHON */
};

/* What each number sends first, and the starts of the two replies it waits for. */
struct campaign_texts {
    const char *order, *reply_confirm, *reply_done;
};

static const struct campaign_texts texts_donate = {SMS_DONATE_TEXT, SMS_REPLY_CONFIRM,
                                                   SMS_REPLY_DONE};
static const struct campaign_texts texts_card = {SMS_RELOAD_TEXT, SMS_REPLY_RELOAD_CONFIRM,
                                                 SMS_REPLY_RELOADED};

/* Threads of the first peer process reported one by one when busy 1 % of the time or more
 * (mandatd has two: the event loop and the ledger thread); more are summed in the total. */
#define SMSC_THREADS_MAX 16

struct cpu_sample {
    int64_t wall_us;
    double self_s, peer_s, busy_s, total_s; /* busy/total: the whole machine, /proc/stat */
    double each_s[SMSC_PEERS_MAX];          /* per peer process */
    size_t threads;
    int tid[SMSC_THREADS_MAX];
    double thread_s[SMSC_THREADS_MAX];
};

struct smsc {
    struct smsc_opts o;
    const struct campaign_texts *texts;
    int lfd, fd;
    bool bound;
    int64_t start_after_us; /* bind time + start_delay_s: let the peer settle (Kannel's boxes) */
    int peer_pid[SMSC_PEERS_MAX]; /* 0: none; a peer may be several processes (Kannel) */
    size_t peers;
    struct sms_buf in, out;
    struct number *nums;
    struct ring ready, retry;
    struct ring redeliver; /* --crash-tolerant: 2 * i + code of MOs to send (again), FIFO */
    uint32_t next_new, inflight;
    uint64_t acked, dup_replies, dup_resps, rebinds, lost, redelivered;
    int64_t bind_us, sweep_us;
    uint32_t *lat_us;
    size_t lat_count;
    uint64_t mo_sent, replies, throttled, errors, unexpected, done, failed, mt_parts, mt_id;
    int64_t start_us, end_us;
    struct cpu_sample cpu0, cpu1;
    struct smpp_pdu mo; /* the deliver_sm template */
    struct smpp_pdu pdu;
};

static int ring_init(struct ring *r, size_t cap)
{
    memset(r, 0, sizeof(*r));
    r->at = calloc(cap, sizeof(*r->at));
    r->cap = cap;
    return r->at == NULL ? -1 : 0;
}

static void ring_push(struct ring *r, uint32_t v)
{
    MDT_ASSERT(r->count < r->cap); /* each number is queued at most once */
    r->at[(r->head + r->count) % r->cap] = v;
    r->count++;
}

static uint32_t ring_pop(struct ring *r)
{
    uint32_t v;

    MDT_ASSERT(r->count > 0);
    v = r->at[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    return v;
}

/* utime + stime in seconds from a proc(5) stat file; -1 if unknown. */
static double stat_cpu_s(const char *path)
{
    char buf[1024];
    unsigned long long ut = 0, st = 0;
    const char *p;
    FILE *f;
    size_t n;

    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces */
    /* After ")": state (3) ... utime (14), stime (15), in clock ticks (proc(5)). */
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds (user + system, all threads) of pid, or of this process for 0; -1 if unknown. */
static double proc_cpu_s(int pid)
{
    char path[64];

    snprintf(path, sizeof(path), pid > 0 ? "/proc/%d/stat" : "/proc/self/stat", pid);
    return stat_cpu_s(path);
}

/* CPU seconds of one thread. */
static double proc_task_cpu_s(int pid, int tid)
{
    char path[96];

    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
    return stat_cpu_s(path);
}

/* The machine's busy and total CPU seconds so far, from the "cpu" line of /proc/stat. */
static void machine_cpu_s(double *busy, double *total)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    double tick = (double)sysconf(_SC_CLK_TCK);

    *busy = *total = 0;
    if (f == NULL) {
        return;
    }
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]) == 8) {
        double all = 0;

        for (int i = 0; i < 8; i++) {
            all += (double)v[i];
        }
        *total = all / tick;
        *busy = (all - (double)v[3] - (double)v[4]) / tick; /* idle and iowait are not busy */
    }
    fclose(f);
}

/* The command name of pid (proc(5) comm), or "?". */
static void proc_comm(int pid, char *name, size_t cap)
{
    char path[64];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    snprintf(name, cap, "?");
    f = fopen(path, "r");
    if (f != NULL) {
        if (fgets(name, (int)cap, f) != NULL) {
            name[strcspn(name, "\n")] = '\0';
        }
        fclose(f);
    }
}

/* CPU seconds of each thread of pid (/proc/PID/task/TID/stat). */
static void thread_cpu_s(int pid, struct cpu_sample *c)
{
    char path[64];
    DIR *d;
    struct dirent *e;

    c->threads = 0;
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    d = opendir(path);
    while (d != NULL && c->threads < SMSC_THREADS_MAX && (e = readdir(d)) != NULL) {
        int tid = atoi(e->d_name);

        if (tid > 0) {
            c->tid[c->threads] = tid;
            c->thread_s[c->threads] = proc_task_cpu_s(pid, tid);
            c->threads++;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
}

static void cpu_sample(const struct smsc *s, struct cpu_sample *c)
{
    c->wall_us = sms_now_us();
    c->self_s = proc_cpu_s(0);
    c->peer_s = 0;
    for (size_t i = 0; i < s->peers; i++) {
        double v = proc_cpu_s(s->peer_pid[i]);

        c->each_s[i] = v > 0 ? v : 0;
        c->peer_s += c->each_s[i];
    }
    machine_cpu_s(&c->busy_s, &c->total_s);
    if (s->peers > 0) {
        thread_cpu_s(s->peer_pid[0], c);
    }
}

/* The peer's pids, one a line, from --peer-pid-file, read when the first MO leaves. */
static void peer_pid_read(struct smsc *s)
{
    FILE *f;

    if (s->o.peer_pid_file == NULL) {
        return;
    }
    f = fopen(s->o.peer_pid_file, "r");
    while (f != NULL && s->peers < SMSC_PEERS_MAX && fscanf(f, "%d", &s->peer_pid[s->peers]) == 1) {
        s->peers++;
    }
    if (s->peers == 0) {
        fprintf(stderr, "bench_sms: cannot read a pid from %s\n", s->o.peer_pid_file);
    }
    if (f != NULL) {
        fclose(f);
    }
}

/* The deliver_sm every MO is built from (SMPP 3.4 §4.6.1): an international number to the
 * short code, GSM text (data_coding 0, one septet per octet: ASCII as it is). */
static void mo_template(struct smpp_pdu *p)
{
    memset(p, 0, sizeof(*p));
    p->command_id = SMPP_CMD_deliver_sm;
    p->body.deliver_sm.source_addr_ton = 1;
    p->body.deliver_sm.source_addr_npi = 1;
    snprintf(p->body.deliver_sm.destination_addr, sizeof(p->body.deliver_sm.destination_addr), "%s",
             SMS_SHORT_CODE);
}

/* Queue number i's MO for its current step. Returns 0 or -1 (output full). */
static int mo_send_mo(struct smsc *s, uint32_t i, bool code)
{
    struct number *n = &s->nums[i];
    struct smpp_deliver_sm *d = &s->mo.body.deliver_sm;
    const char *text = code ? SMS_CODE : s->texts->order;
    size_t len = strlen(text);

    s->mo.sequence_number = 2 * i + (code ? 2 : 1);
    snprintf(d->source_addr, sizeof(d->source_addr), "%" PRIu64, SMS_NUMBER_BASE + i);
    memcpy(d->short_message, text, len);
    d->sm_length = (uint8_t)len;
    s->mo.tlv.present = 0;
    if (s->o.msgid) {
        /* A unique id per MO, the same on a retry: mandat deduplicates by it. */
        s->mo.tlv.present = SMPP_TLV_receipted_message_id;
        snprintf(s->mo.tlv.receipted_message_id, sizeof(s->mo.tlv.receipted_message_id),
                 "b%" PRIu32 "%c", i, code ? 'c' : 'd');
    }
    if (sms_pdu_put(&s->out, &s->mo) < 0) {
        return -1;
    }
    s->mo_sent++;
    n->flags |= MO_SENT(code) | MO_PEND(code);
    return 0;
}

static int mo_send(struct smsc *s, uint32_t i)
{
    return mo_send_mo(s, i, s->nums[i].step == STEP_CODE_SENT);
}

static void number_fail(struct smsc *s, struct number *n)
{
    n->step = STEP_FAILED;
    s->inflight--;
    s->failed++;
}

/* Send what the window allows: throttled MOs that are due, then codes, then new numbers.
 * Bounded by the window plus the retries due. */
static void smsc_fill(struct smsc *s, int64_t now)
{
    while (sms_buf_pending(&s->out) < SMSC_OUT_HIGH) {
        uint32_t i;
        struct number *n;

        if (s->redeliver.count > 0 &&
            s->nums[s->redeliver.at[s->redeliver.head] / 2].due_us <= now) {
            uint32_t v = ring_pop(&s->redeliver);

            if (mo_send_mo(s, v / 2, v % 2 == 1) < 0) {
                ring_push(&s->redeliver, v); /* output full: later */
                break;
            }
            s->redelivered++;
            continue;
        }
        if (s->retry.count > 0 && s->nums[s->retry.at[s->retry.head]].due_us <= now) {
            i = ring_pop(&s->retry);
            if (mo_send(s, i) < 0) {
                s->errors++;
                number_fail(s, &s->nums[i]);
            }
            continue;
        }
        if (s->inflight >= s->o.window) {
            break;
        }
        if (s->ready.count > 0) {
            i = ring_pop(&s->ready);
            n = &s->nums[i];
            n->step = STEP_CODE_SENT;
        } else if (s->next_new < s->o.numbers &&
                   (s->o.rate <= 0 || s->start_us == 0 ||
                    (double)s->next_new < s->o.rate * (double)(now - s->start_us) / 1e6)) {
            i = s->next_new++;
            n = &s->nums[i];
            n->step = STEP_DONATE_SENT;
        } else {
            break;
        }
        n->sent_us = now;
        n->retries = 0;
        s->inflight++;
        if (s->start_us == 0) {
            s->start_us = now;
            peer_pid_read(s);
            cpu_sample(s, &s->cpu0);
        }
        if (mo_send(s, i) < 0) {
            s->errors++;
            number_fail(s, n);
        }
    }
}

/* §4.6.2: the peer's answer to an MO. Temporary refusals are sent again after SMSC_RETRY_US. */
static void on_deliver_resp(struct smsc *s, const struct smpp_pdu *p, int64_t now)
{
    uint32_t seq = p->sequence_number;
    uint32_t i = (seq - 1) / 2;
    uint8_t want = seq % 2 == 1 ? STEP_DONATE_SENT : STEP_CODE_SENT;
    struct number *n;

    if (s->o.crash_tolerant) {
        bool code = seq % 2 == 0;

        if (seq == 0 || i >= s->o.numbers) {
            s->unexpected++;
            return;
        }
        n = &s->nums[i];
        if ((n->flags & MO_PEND(code)) == 0) {
            s->dup_resps++; /* not awaited on this bind */
            return;
        }
        n->flags &= (uint8_t)~MO_PEND(code);
        if (p->command_status == ESME_ROK) {
            if ((n->flags & MO_ACK(code)) == 0) {
                s->acked++;
            }
            n->flags |= MO_ACK(code);
            return;
        }
        if ((p->command_status == ESME_RTHROTTLED || p->command_status == ESME_RMSGQFUL ||
             p->command_status == ESME_RX_T_APPN || p->command_status == ESME_RSYSERR) &&
            n->retries < SMSC_RETRIES_MAX) {
            s->throttled++;
            n->retries++;
            n->due_us = now + SMSC_RETRY_US;
            ring_push(&s->redeliver, 2 * i + (code ? 1 : 0));
            return;
        }
        fprintf(stderr, "bench_sms: MO seq %u refused: %s\n", seq,
                smpp_status_name(p->command_status));
        s->errors++;
        if (n->step == want) {
            number_fail(s, n);
        }
        return;
    }
    if (seq == 0 || i >= s->o.numbers || s->nums[i].step != want) {
        s->unexpected++;
        return;
    }
    n = &s->nums[i];
    if (p->command_status == ESME_ROK) {
        return;
    }
    if ((p->command_status == ESME_RTHROTTLED || p->command_status == ESME_RMSGQFUL ||
         p->command_status == ESME_RX_T_APPN) &&
        n->retries < SMSC_RETRIES_MAX) {
        s->throttled++;
        n->retries++;
        n->due_us = now + SMSC_RETRY_US;
        ring_push(&s->retry, i);
        return;
    }
    fprintf(stderr, "bench_sms: MO seq %u refused: %s\n", seq, smpp_status_name(p->command_status));
    s->errors++;
    number_fail(s, n);
}

/* The number a submit_sm goes to, or UINT32_MAX. "+336..." and "336..." are both accepted. */
static uint32_t mt_number(const struct smpp_pdu *p, uint32_t numbers)
{
    const char *a = p->body.submit_sm.destination_addr;
    char *end = NULL;
    unsigned long long v;

    a += a[0] == '+';
    errno = 0;
    v = strtoull(a, &end, 10);
    if (errno != 0 || end == a || *end != '\0' || v < SMS_NUMBER_BASE ||
        v - SMS_NUMBER_BASE >= numbers) {
        return UINT32_MAX;
    }
    return (uint32_t)(v - SMS_NUMBER_BASE);
}

/* §4.4.1: a reply. Accepted at once (submit_sm_resp with a message id), then matched to the
 * number's awaited MO by its text. */
static void on_submit(struct smsc *s, const struct smpp_pdu *p, int64_t now)
{
    static struct smpp_pdu resp;
    char text[1024];
    bool first = true;
    uint32_t i = mt_number(p, s->o.numbers);
    struct number *n;
    const char *want;

    resp.command_id = SMPP_CMD_submit_sm_resp;
    resp.sequence_number = p->sequence_number;
    snprintf(resp.body.submit_sm_resp.message_id, sizeof(resp.body.submit_sm_resp.message_id),
             "%" PRIx64, ++s->mt_id);
    if (sms_pdu_put(&s->out, &resp) < 0) {
        s->errors++; /* the peer will wait for this answer in vain */
    }
    s->mt_parts++;
    if (sms_pdu_text(p, text, sizeof(text), &first) < 0) {
        s->errors++;
        return;
    }
    if (!first) {
        return;
    }
    if (s->o.crash_tolerant && i != UINT32_MAX) {
        /* MTs are delivered at least once: after a restart mandat sends its outbox again. */
        n = &s->nums[i];
        if (strncmp(text, s->texts->reply_confirm, strlen(s->texts->reply_confirm)) == 0) {
            if ((n->flags & MO_GOT_CONFIRM) != 0) {
                s->dup_replies++;
                return;
            }
            n->flags |= MO_GOT_CONFIRM;
        } else if (strncmp(text, s->texts->reply_done, strlen(s->texts->reply_done)) == 0) {
            if ((n->flags & MO_GOT_DONE) != 0) {
                s->dup_replies++;
                return;
            }
            n->flags |= MO_GOT_DONE;
        }
    }
    if (i == UINT32_MAX ||
        (s->nums[i].step != STEP_DONATE_SENT && s->nums[i].step != STEP_CODE_SENT)) {
        s->unexpected++;
        return;
    }
    n = &s->nums[i];
    want = n->step == STEP_DONATE_SENT ? s->texts->reply_confirm : s->texts->reply_done;
    if (strncmp(text, want, strlen(want)) != 0) {
        if (s->errors < 5) {
            fprintf(stderr, "bench_sms: to %s: \"%s\", expected \"%s...\"\n",
                    p->body.submit_sm.destination_addr, text, want);
        }
        s->errors++;
        number_fail(s, n);
        return;
    }
    s->lat_us[s->lat_count++] = (uint32_t)(now - n->sent_us);
    s->replies++;
    s->end_us = now;
    s->inflight--;
    if (n->step == STEP_DONATE_SENT) {
        n->step = STEP_CODE_READY;
        ring_push(&s->ready, i);
    } else {
        n->step = STEP_DONE;
        s->done++;
    }
}

/* §4.1.5: accept the bind whatever its credentials: this SMSC is the benchmark's. */
static void on_bind(struct smsc *s, const struct smpp_pdu *p)
{
    static struct smpp_pdu resp;

    resp.command_id = p->command_id | SMPP_RESP_BIT;
    resp.sequence_number = p->sequence_number;
    snprintf(resp.body.bind_transceiver_resp.system_id,
             sizeof(resp.body.bind_transceiver_resp.system_id), "benchsmsc");
    (void)sms_pdu_put(&s->out, &resp);
    if (!s->bound && s->o.crash_tolerant) {
        s->bound = true;
        s->bind_us = sms_now_us();
        s->start_after_us = s->bind_us + (int64_t)(s->o.start_delay_s * 1e6);
        if (s->start_us != 0) { /* a re-bind: the peer was restarted */
            s->rebinds++;
            s->peers = 0;
            peer_pid_read(s);
            for (uint32_t k = 0; k < s->o.numbers; k++) {
                s->nums[k].retries = 0;
            }
            fprintf(stderr, "bench_sms: %s re-bound (%" PRIu64 "), %zu MOs to redeliver\n",
                    s->o.label, s->rebinds, s->redeliver.count);
        } else {
            fprintf(stderr, "bench_sms: %s bound as '%s' (%s), crash-tolerant\n", s->o.label,
                    p->body.bind_transceiver.system_id, smpp_command_name(p->command_id));
        }
        return;
    }
    if (!s->bound) {
        s->bound = true;
        s->start_after_us = sms_now_us() + (int64_t)(s->o.start_delay_s * 1e6);
        fprintf(stderr, "bench_sms: %s bound as '%s' (%s)\n", s->o.label,
                p->body.bind_transceiver.system_id, smpp_command_name(p->command_id));
    }
}

static void on_pdu(struct smsc *s, const struct smpp_pdu *p, int64_t now)
{
    switch (p->command_id) {
    case SMPP_CMD_bind_transceiver:
    case SMPP_CMD_bind_transmitter:
    case SMPP_CMD_bind_receiver:
        on_bind(s, p);
        break;
    case SMPP_CMD_enquire_link:
        (void)sms_pdu_respond(&s->out, SMPP_CMD_enquire_link_resp, p->sequence_number, 0);
        break;
    case SMPP_CMD_unbind:
        (void)sms_pdu_respond(&s->out, SMPP_CMD_unbind_resp, p->sequence_number, 0);
        break;
    case SMPP_CMD_submit_sm:
        on_submit(s, p, now);
        break;
    case SMPP_CMD_deliver_sm_resp:
        on_deliver_resp(s, p, now);
        break;
    case SMPP_CMD_enquire_link_resp:
    case SMPP_CMD_unbind_resp:
        break;
    default:
        s->unexpected++;
        if ((p->command_id & SMPP_RESP_BIT) == 0) {
            (void)sms_pdu_respond(&s->out, SMPP_CMD_generic_nack, p->sequence_number,
                                  ESME_RINVCMDID);
        }
    }
}

/* Read, handle every complete PDU, queue more MOs, write. Returns -1 when the peer is gone. */
static int smsc_io(struct smsc *s, short revents, int64_t now)
{
    int rc;

    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && sms_fd_read(s->fd, &s->in) < 0) {
        return -1;
    }
    while ((rc = sms_pdu_take(&s->in, &s->pdu)) != 0) {
        if (rc == -1) {
            fprintf(stderr, "bench_sms: the peer's byte stream cannot be framed\n");
            return -1;
        }
        if (rc == -2) {
            s->errors++;
            (void)sms_pdu_respond(&s->out, SMPP_CMD_generic_nack, s->pdu.sequence_number,
                                  s->pdu.reject_status);
            continue;
        }
        on_pdu(s, &s->pdu, now);
    }
    if (s->bound && now >= s->start_after_us) {
        smsc_fill(s, now);
    }
    return sms_fd_write(s->fd, &s->out);
}

/* --crash-tolerant: the peer's connection is gone (killed). Whatever was queued is lost; every
 * MO sent on it and not acknowledged is redelivered, with the same id, after the next bind. */
static void smsc_drop(struct smsc *s)
{
    size_t n = 0;

    close(s->fd);
    s->fd = -1;
    s->bound = false;
    s->in.off = s->in.len = 0;
    s->out.off = s->out.len = 0;
    for (uint32_t i = 0; i < s->o.numbers; i++) {
        struct number *m = &s->nums[i];

        for (int code = 0; code < 2; code++) {
            if ((m->flags & MO_PEND(code)) != 0) {
                m->flags &= (uint8_t)~MO_PEND(code);
                m->due_us = 0;
                ring_push(&s->redeliver, 2 * i + (uint32_t)code);
                n++;
            }
        }
    }
    fprintf(stderr, "bench_sms: %s: the peer's connection dropped: %zu MOs unacknowledged\n",
            s->o.label, n);
}

/* --crash-tolerant: numbers awaiting a reply that did not come SMSC_REPLY_LOST_US after their MO
 * and the last bind, with nothing of theirs left to send, are given up (lost reply). */
static void smsc_sweep(struct smsc *s, int64_t now)
{
    if (!s->bound || now < s->sweep_us) {
        return;
    }
    s->sweep_us = now + 500000;
    for (uint32_t i = 0; i < s->o.numbers; i++) {
        struct number *n = &s->nums[i];
        int64_t since = n->sent_us > s->bind_us ? n->sent_us : s->bind_us;

        if ((n->step == STEP_DONATE_SENT || n->step == STEP_CODE_SENT) &&
            (n->flags & (MO_PEND_D | MO_PEND_C)) == 0 && now - since > SMSC_REPLY_LOST_US) {
            bool in_ring = false;

            for (size_t k = 0; k < s->redeliver.count && !in_ring; k++) {
                in_ring = s->redeliver.at[(s->redeliver.head + k) % s->redeliver.cap] / 2 == i;
            }
            if (!in_ring) {
                s->lost++;
                number_fail(s, n);
            }
        }
    }
}

static void smsc_accept(struct smsc *s)
{
    int fd = accept(s->lfd, NULL, NULL);

    if (fd < 0) {
        return;
    }
    if (s->fd >= 0 && s->o.crash_tolerant) {
        smsc_drop(s); /* the restarted peer came before the old socket's EOF */
    }
    if (s->fd >= 0) {
        close(fd); /* one bind at a time: the benchmark has one peer */
        return;
    }
    sms_socket_tune(fd);
    s->fd = fd;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static void smsc_report(struct smsc *s)
{
    double secs = s->end_us > s->start_us ? (double)(s->end_us - s->start_us) / 1e6 : 0;
    double cpu_wall = (double)(s->cpu1.wall_us - s->cpu0.wall_us) / 1e6;
    double self = s->cpu1.self_s - s->cpu0.self_s, peer = s->cpu1.peer_s - s->cpu0.peer_s;
    double busy = s->cpu1.busy_s - s->cpu0.busy_s, total = s->cpu1.total_s - s->cpu0.total_s;
    uint32_t p50 = 0, p99 = 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    if (s->lat_count > 0) {
        qsort(s->lat_us, s->lat_count, sizeof(*s->lat_us), cmp_u32);
        p50 = s->lat_us[s->lat_count / 2];
        p99 = s->lat_us[(s->lat_count * 99) / 100];
    }
    if (cpu_wall <= 0) {
        cpu_wall = 1;
    }
    printf("%s: %" PRIu64 " MOs answered (%" PRIu64 " sent) from %u numbers, %" PRIu64
           " orders confirmed, in %.2f s: %.0f MO/s; MO->reply p50 %u us, p99 %u us\n",
           s->o.label, s->replies, s->mo_sent, s->o.numbers, s->done, secs,
           secs > 0 ? (double)s->replies / secs : 0, p50, p99);
    printf("%s: errors %" PRIu64 ", unexpected %" PRIu64 ", failed numbers %" PRIu64
           ", throttled/retried %" PRIu64 ", MT parts %" PRIu64 "\n",
           s->o.label, s->errors, s->unexpected, s->failed, s->throttled, s->mt_parts);
    printf("%s: cpu over %.2f s: generator %.2f s (%.0f%% of a core), peer %.2f s (%.0f%%, "
           "%zu process(es)), machine %.0f%% of %ld cores busy\n",
           s->o.label, cpu_wall, self, 100 * self / cpu_wall, peer, 100 * peer / cpu_wall, s->peers,
           total > 0 ? 100 * busy / total : 0, cores);
    for (size_t i = 0; s->peers > 1 && i < s->peers; i++) {
        double d = s->cpu1.each_s[i] - s->cpu0.each_s[i];

        char name[32];

        proc_comm(s->peer_pid[i], name, sizeof(name));
        printf("%s:   peer process %d %s: %.2f s (%.0f%% of a core)\n", s->o.label, s->peer_pid[i],
               name, d, 100 * d / cpu_wall);
    }
    for (size_t t = 0; t < s->cpu1.threads; t++) {
        for (size_t u = 0; u < s->cpu0.threads; u++) {
            if (s->cpu0.tid[u] == s->cpu1.tid[t] &&
                s->cpu1.thread_s[t] - s->cpu0.thread_s[u] >= 0.01 * cpu_wall) {
                double d = s->cpu1.thread_s[t] - s->cpu0.thread_s[u];

                printf("%s:   peer thread %d%s: %.2f s (%.0f%% of a core)\n", s->o.label,
                       s->cpu1.tid[t], s->cpu1.tid[t] == s->peer_pid[0] ? " (main)" : "", d,
                       100 * d / cpu_wall);
            }
        }
    }
    printf("RESULT %s mos=%" PRIu64 " secs=%.3f mo_per_s=%.0f p50_us=%u p99_us=%u errors=%" PRIu64
           " gen_cpu=%.2f peer_cpu=%.2f wall=%.2f done=%" PRIu64 "\n",
           s->o.label, s->replies, secs, secs > 0 ? (double)s->replies / secs : 0, p50, p99,
           s->errors + s->unexpected + s->failed, self, peer, cpu_wall, s->done);
    fflush(stdout);
}

/* --crash-tolerant: what was acknowledged, lost or doubled; the acknowledged MOs' ids, one a
 * line, to --acked-file. Returns 0, or -1 when an MO was never acknowledged. */
static int smsc_crash_report(const struct smsc *s)
{
    uint64_t sent = 0, acked = 0, unacked = 0, confirmed = 0, no_final = 0;
    FILE *f = s->o.acked_file != NULL ? fopen(s->o.acked_file, "w") : NULL;

    if (s->o.acked_file != NULL && f == NULL) {
        perror("bench_sms: acked file");
    }
    for (uint32_t i = 0; i < s->o.numbers; i++) {
        uint8_t fl = s->nums[i].flags;

        for (int code = 0; code < 2; code++) {
            if ((fl & MO_SENT(code)) == 0) {
                continue;
            }
            sent++;
            if ((fl & MO_ACK(code)) != 0) {
                acked++;
                if (f != NULL) {
                    fprintf(f, "b%" PRIu32 "%c\n", i, code ? 'c' : 'd');
                }
            } else {
                unacked++;
            }
        }
        confirmed += (fl & MO_GOT_DONE) != 0;
        no_final += (fl & MO_GOT_DONE) == 0;
    }
    if (f != NULL && fclose(f) != 0) {
        perror("bench_sms: acked file");
    }
    printf("%s: crash-tolerant: numbers %u, re-binds %" PRIu64 ", distinct MOs sent %" PRIu64
           ", MOs acknowledged %" PRIu64 ", MOs never acknowledged %" PRIu64
           ", MOs redelivered %" PRIu64 ", donations confirmed %" PRIu64
           ", numbers with no final reply %" PRIu64 " (given up as lost %" PRIu64
           "), duplicate replies %" PRIu64 ", stray deliver_sm_resp %" PRIu64 "\n",
           s->o.label, s->o.numbers, s->rebinds, sent, acked, unacked, s->redelivered, confirmed,
           no_final, s->lost, s->dup_replies, s->dup_resps);
    printf("CRASH numbers=%u rebinds=%" PRIu64 " acked=%" PRIu64 " unacked=%" PRIu64
           " confirmed=%" PRIu64 " no_final=%" PRIu64 " dup_replies=%" PRIu64 "\n",
           s->o.numbers, s->rebinds, acked, unacked, confirmed, no_final, s->dup_replies);
    fflush(stdout);
    return unacked == 0 && no_final == 0 ? 0 : -1;
}

static int smsc_init(struct smsc *s, const struct smsc_opts *o)
{
    uint16_t port = 0;
    FILE *f;

    memset(s, 0, sizeof(*s));
    s->o = *o;
    s->texts = o->card ? &texts_card : &texts_donate;
    s->fd = -1;
    s->lfd = -1;
    s->nums = calloc(o->numbers, sizeof(*s->nums));
    s->lat_us = calloc(2 * (size_t)o->numbers, sizeof(*s->lat_us));
    if (s->nums == NULL || s->lat_us == NULL || ring_init(&s->ready, o->numbers) < 0 ||
        ring_init(&s->retry, o->numbers) < 0 ||
        ring_init(&s->redeliver, 2 * (size_t)o->numbers) < 0 || sms_buf_init(&s->in, SMS_BUF_MAX) < 0 ||
        sms_buf_init(&s->out, SMS_BUF_MAX) < 0) {
        return -1;
    }
    mo_template(&s->mo);
    s->lfd = sms_listen(o->port, &port);
    if (s->lfd < 0) {
        perror("bench_sms: listen");
        return -1;
    }
    if (o->ready_file != NULL) {
        f = fopen(o->ready_file, "w");
        if (f == NULL || fprintf(f, "%u\n", (unsigned)port) < 0 || fclose(f) != 0) {
            perror("bench_sms: ready file");
            return -1;
        }
    }
    return 0;
}

/* One poll round: the listener and the peer. Returns -1 when the peer is gone. */
static int smsc_round(struct smsc *s)
{
    struct pollfd pf[2] = {{.fd = s->lfd, .events = POLLIN}, {.fd = s->fd, .events = POLLIN}};
    int timeout_ms = s->retry.count > 0 || s->redeliver.count > 0 ? 1 : s->o.rate > 0 ? 5 : 50;
    int rc;

    if (sms_buf_pending(&s->out) > 0) {
        pf[1].events |= POLLOUT;
    }
    rc = poll(pf, s->fd >= 0 ? 2 : 1, timeout_ms);
    if (rc < 0 && errno != EINTR) {
        return -1;
    }
    if ((pf[0].revents & POLLIN) != 0) {
        smsc_accept(s);
    }
    if (s->fd >= 0 && smsc_io(s, s->fd == pf[1].fd ? pf[1].revents : POLLIN, sms_now_us()) < 0) {
        if (!s->o.crash_tolerant) {
            return -1;
        }
        smsc_drop(s);
    }
    if (s->o.crash_tolerant) {
        smsc_sweep(s, sms_now_us());
    }
    return 0;
}

static void smsc_free(struct smsc *s)
{
    if (s == NULL) {
        return;
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->lfd >= 0) {
        close(s->lfd);
    }
    sms_buf_release(&s->in);
    sms_buf_release(&s->out);
    free(s->nums);
    free(s->lat_us);
    free(s->ready.at);
    free(s->retry.at);
    free(s->redeliver.at);
    free(s);
}

/* The campaign until every number is done or failed, or seconds_max; then the report, then the
 * peer is served (its unbind) for SMSC_LINGER_US at most. Returns the exit status. */
static int smsc_run(const struct smsc_opts *o)
{
    struct smsc *s = calloc(1, sizeof(*s));
    int64_t deadline, linger;
    bool gone = false;
    int rc = 2;

    if (s == NULL || smsc_init(s, o) < 0) {
        goto out;
    }
    deadline = sms_now_us() + (int64_t)(o->seconds_max * 1e6);
    while (s->done + s->failed < o->numbers && sms_now_us() < deadline) {
        if (smsc_round(s) < 0) {
            fprintf(stderr, "bench_sms: the peer went away mid-campaign\n");
            gone = true;
            break;
        }
    }
    cpu_sample(s, &s->cpu1);
    if (s->done + s->failed < o->numbers) {
        fprintf(stderr,
                "bench_sms: stopped with %" PRIu64 " of %u numbers done (time limit %.0f s"
                " or peer gone)\n",
                s->done, o->numbers, o->seconds_max);
        s->errors++;
    }
    smsc_report(s);
    for (size_t i = 0; o->stop_peer && i < s->peers; i++) {
        kill(s->peer_pid[i], SIGTERM); /* mandatd unbinds, then exits */
    }
    linger = sms_now_us() + SMSC_LINGER_US;
    while (!gone && s->fd >= 0 && sms_now_us() < linger && smsc_round(s) == 0) {
    }
    rc = s->errors + s->unexpected + s->failed == 0 && s->done == o->numbers ? 0 : 1;
    if (o->crash_tolerant && smsc_crash_report(s) < 0) {
        rc = 1;
    }
out:
    smsc_free(s);
    return rc;
}

static int smsc_main(int argc, char **argv)
{
    static const struct option lo[] = {{"port", required_argument, NULL, 'p'},
                                       {"numbers", required_argument, NULL, 'n'},
                                       {"window", required_argument, NULL, 'w'},
                                       {"seconds-max", required_argument, NULL, 's'},
                                       {"ready-file", required_argument, NULL, 'r'},
                                       {"peer-pid-file", required_argument, NULL, 'P'},
                                       {"label", required_argument, NULL, 'l'},
                                       {"no-msgid", no_argument, NULL, 'M'},
                                       {"stop-peer", no_argument, NULL, 'S'},
                                       {"start-delay", required_argument, NULL, 'D'},
                                       {"crash-tolerant", no_argument, NULL, 'C'},
                                       {"rate", required_argument, NULL, 'R'},
                                       {"acked-file", required_argument, NULL, 'A'},
                                       {"card", no_argument, NULL, 'K'},
                                       {NULL, 0, NULL, 0}};
    struct smsc_opts o = {
        .numbers = 100000, .window = 1000, .seconds_max = 600, .msgid = true, .label = "mandat"};
    int c;

    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'p':
            o.port = (uint16_t)strtoul(optarg, NULL, 10);
            break;
        case 'n':
            o.numbers = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'w':
            o.window = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 's':
            o.seconds_max = strtod(optarg, NULL);
            break;
        case 'r':
            o.ready_file = optarg;
            break;
        case 'P':
            o.peer_pid_file = optarg;
            break;
        case 'l':
            o.label = optarg;
            break;
        case 'M':
            o.msgid = false;
            break;
        case 'S':
            o.stop_peer = true;
            break;
        case 'D':
            o.start_delay_s = strtod(optarg, NULL);
            break;
        case 'C':
            o.crash_tolerant = true;
            break;
        case 'R':
            o.rate = strtod(optarg, NULL);
            break;
        case 'A':
            o.acked_file = optarg;
            break;
        case 'K':
            o.card = true;
            break;
        default:
            return 2;
        }
    }
    if (o.numbers == 0 || o.numbers > SMS_NUMBERS_MAX || o.window == 0 ||
        o.window > SMSC_WINDOW_MAX || !(o.seconds_max > 0 && o.seconds_max <= 3600) ||
        !(o.start_delay_s >= 0 && o.start_delay_s <= 60) || !(o.rate >= 0)) {
        fprintf(stderr,
                "usage: bench_sms smsc [--port P] [--numbers 1..%u] [--window 1..%u]\n"
                "       [--seconds-max 1..3600] [--ready-file F] [--peer-pid-file F]\n"
                "       [--label NAME] [--no-msgid] [--stop-peer] [--start-delay 0..60]\n"
                "       [--crash-tolerant [--acked-file F]] [--rate NEW_NUMBERS_PER_S]\n"
                "       [--card]\n",
                SMS_NUMBERS_MAX, SMSC_WINDOW_MAX);
        return 2;
    }
    return smsc_run(&o);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "setup") == 0) {
        return setup_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "smsc") == 0) {
        return smsc_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "esme") == 0) {
        return sms_esme_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "app") == 0) {
        return sms_app_main(argc - 1, argv + 1);
    }
    fprintf(stderr, "usage: bench_sms setup|smsc|esme|app [options] (see bench/sms.sh)\n");
    return 2;
}
