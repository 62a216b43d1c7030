/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in test acquirer ([acquirer] kind = test): the usual test card numbers decide each
 * authorization (acquirer_test_decide), every answer comes after a configurable latency, and it
 * keeps its operations (bounded) so that captures, voids and refunds are checked against what
 * was authorized, a key sent again gets the first answer, and a lookup finds what a timed-out
 * call became. With a state file it journals its operations (keys, amounts, references, never a
 * card digit) and reads them back on open, as a real acquirer remembers across our restarts. */
#include "channel/acquirer/acquirer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/clock.h"
#include "dialog/card_input.h"

/* Operations remembered: the oldest is forgotten past it (a capture of a forgotten
 * authorization is declined 12). Found by a linear scan, O(n): a test tool, not a hot path. */
#define TEST_RECORDS_MAX 4096
#define TEST_LINE_MAX 256

enum auth_state { AUTH_NONE, AUTH_HELD, AUTH_CAPTURED, AUTH_VOIDED };

struct test_record {
    char key[ACQUIRER_KEY_MAX];
    enum acquirer_op op;
    enum acquirer_outcome outcome; /* APPROVED or DECLINED: what a lookup says */
    char code[ACQUIRER_CODE_LEN + 1];
    char ref[ACQUIRER_REF_MAX];      /* this operation's, when approved */
    char auth_ref[ACQUIRER_REF_MAX]; /* capture, void, refund: the authorization's */
    int64_t amount_minor;
    /* Authorizations only: what became of the hold. */
    enum auth_state state;
    int64_t captured_minor, refunded_minor;
};

struct test_acquirer {
    struct acquirer base; /* first: a struct acquirer * is one of these */
    uint32_t latency_ms;
    int state_fd;                /* the journal, -1 without */
    struct test_record *records; /* a ring of TEST_RECORDS_MAX */
    uint32_t head, count;
    uint32_t seq; /* references handed out */
};

/* An answer waiting for its latency. */
struct test_pending {
    struct test_acquirer *t;
    struct acquirer_call *call;
    struct event *ev;
    struct acquirer_result res;
};

enum acquirer_outcome acquirer_test_decide(const char *pan, unsigned month, unsigned year,
                                           int64_t now_us, char code[ACQUIRER_CODE_LEN + 1])
{
    static const struct {
        const char *pan;
        enum acquirer_outcome outcome;
        const char *code;
    } table[] = {
        {"4111111111111111", ACQUIRER_APPROVED, ACQUIRER_CODE_APPROVED},
        {"5555555555554444", ACQUIRER_APPROVED, ACQUIRER_CODE_APPROVED},
        {"4000000000000002", ACQUIRER_DECLINED, ACQUIRER_CODE_REFUSED},
        {"4000000000009995", ACQUIRER_DECLINED, ACQUIRER_CODE_FUNDS},
        {"4000000000000069", ACQUIRER_DECLINED, ACQUIRER_CODE_EXPIRED},
        {"4000000000000119", ACQUIRER_UNKNOWN, ""},
    };
    if (!card_luhn_valid(pan)) {
        snprintf(code, ACQUIRER_CODE_LEN + 1, "%s", ACQUIRER_CODE_INVALID);
        return ACQUIRER_DECLINED;
    }
    if (card_expired(month, year, now_us)) {
        snprintf(code, ACQUIRER_CODE_LEN + 1, "%s", ACQUIRER_CODE_EXPIRED);
        return ACQUIRER_DECLINED;
    }
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(pan, table[i].pan) == 0) {
            snprintf(code, ACQUIRER_CODE_LEN + 1, "%s", table[i].code);
            return table[i].outcome;
        }
    }
    snprintf(code, ACQUIRER_CODE_LEN + 1, "%s", ACQUIRER_CODE_INVALID);
    return ACQUIRER_DECLINED;
}

/* A card on file was kept by a payment that went through, so it is never one of the numbers
 * that decline: a stored-credential authorization takes its answer from the amount's cents, as
 * acquirers' sandboxes do. x.05 is declined 05, x.51 declined 51, x.19 approved but never
 * answered in time (UNKNOWN); any other amount is answered as the card's number says. */
static enum acquirer_outcome stored_decide(int64_t amount_minor, enum acquirer_outcome by_pan,
                                           char code[ACQUIRER_CODE_LEN + 1])
{
    switch (amount_minor % 100) {
    case 5:
        snprintf(code, ACQUIRER_CODE_LEN + 1, "%s", ACQUIRER_CODE_REFUSED);
        return ACQUIRER_DECLINED;
    case 51:
        snprintf(code, ACQUIRER_CODE_LEN + 1, "%s", ACQUIRER_CODE_FUNDS);
        return ACQUIRER_DECLINED;
    case 19:
        code[0] = '\0';
        return ACQUIRER_UNKNOWN;
    default:
        return by_pan;
    }
}

static struct test_record *record_at(struct test_acquirer *t, uint32_t i)
{
    return &t->records[(t->head + i) % TEST_RECORDS_MAX];
}

static struct test_record *record_by_key(struct test_acquirer *t, const char *key)
{
    for (uint32_t i = 0; i < t->count; i++) {
        if (strcmp(record_at(t, i)->key, key) == 0) {
            return record_at(t, i);
        }
    }
    return NULL;
}

static struct test_record *auth_by_ref(struct test_acquirer *t, const char *ref)
{
    for (uint32_t i = 0; i < t->count; i++) {
        struct test_record *r = record_at(t, i);
        if (r->op == ACQUIRER_AUTHORIZE && r->outcome == ACQUIRER_APPROVED &&
            strcmp(r->ref, ref) == 0) {
            return r;
        }
    }
    return NULL;
}

/* A slot for a new record; the oldest goes when the ring is full. */
static struct test_record *record_add(struct test_acquirer *t)
{
    if (t->count == TEST_RECORDS_MAX) {
        t->head = (t->head + 1) % TEST_RECORDS_MAX;
        t->count--;
    }
    struct test_record *r = record_at(t, t->count);
    t->count++;
    memset(r, 0, sizeof *r);
    return r;
}

static void record_decline(struct test_record *r, const char *code)
{
    r->outcome = ACQUIRER_DECLINED;
    snprintf(r->code, sizeof r->code, "%s", code);
}

/* Capture, void or refund r against its authorization: the state changes and the answer. */
static void record_apply_follow_up(struct test_acquirer *t, struct test_record *r)
{
    struct test_record *auth = auth_by_ref(t, r->auth_ref);
    r->outcome = ACQUIRER_APPROVED;
    snprintf(r->code, sizeof r->code, "%s", ACQUIRER_CODE_APPROVED);
    if (auth == NULL) {
        record_decline(r, ACQUIRER_CODE_STATE);
    } else if (r->op == ACQUIRER_CAPTURE) {
        if (auth->state != AUTH_HELD) {
            record_decline(r, ACQUIRER_CODE_STATE);
        } else if (r->amount_minor > auth->amount_minor) {
            record_decline(r, ACQUIRER_CODE_AMOUNT);
        } else {
            auth->state = AUTH_CAPTURED;
            auth->captured_minor = r->amount_minor;
        }
    } else if (r->op == ACQUIRER_VOID) {
        if (auth->state != AUTH_HELD) {
            record_decline(r, ACQUIRER_CODE_STATE);
        } else {
            auth->state = AUTH_VOIDED;
            r->amount_minor = auth->amount_minor;
        }
    } else if (auth->state != AUTH_CAPTURED) {
        record_decline(r, ACQUIRER_CODE_STATE);
    } else if (r->amount_minor > auth->captured_minor - auth->refunded_minor) {
        record_decline(r, ACQUIRER_CODE_AMOUNT);
    } else {
        auth->refunded_minor += r->amount_minor;
    }
}

/* Give r its reference when approved (the same sequence on replay, so references repeat). */
static void record_finish(struct test_acquirer *t, struct test_record *r)
{
    if (r->outcome == ACQUIRER_APPROVED) {
        t->seq++;
        snprintf(r->ref, sizeof r->ref, "T%010" PRIu32, t->seq);
        if (r->op == ACQUIRER_AUTHORIZE) {
            r->state = AUTH_HELD;
        }
    }
}

/* Append r to the journal, synced: the acquirer's own durable record. */
static int journal_append(struct test_acquirer *t, const struct test_record *r)
{
    if (t->state_fd < 0) {
        return 0;
    }
    char line[TEST_LINE_MAX];
    int n = snprintf(line, sizeof line, "%s %d %d %s %s %" PRId64 "\n", r->key, (int)r->op,
                     (int)r->outcome, r->code, r->auth_ref[0] != '\0' ? r->auth_ref : "-",
                     r->amount_minor);
    if (n < 0 || (size_t)n >= sizeof line || write(t->state_fd, line, (size_t)n) != n ||
        fdatasync(t->state_fd) != 0) {
        return MDT_E(IO);
    }
    return 0;
}

/* Read the journal back into the ring, replaying each operation's effect in order. */
static int journal_load(struct test_acquirer *t, FILE *f)
{
    char line[TEST_LINE_MAX];
    while (fgets(line, sizeof line, f) != NULL) {
        char key[ACQUIRER_KEY_MAX], code[8], auth_ref[ACQUIRER_REF_MAX];
        int op = 0, outcome = 0;
        int64_t amount = 0;
        if (sscanf(line, "%63s %d %d %7s %23s %" SCNd64, key, &op, &outcome, code, auth_ref,
                   &amount) != 6 ||
            op < ACQUIRER_AUTHORIZE || op > ACQUIRER_REFUND || strlen(code) != 2 ||
            (outcome != ACQUIRER_APPROVED && outcome != ACQUIRER_DECLINED)) {
            return MDT_E(CORRUPT);
        }
        struct test_record *r = record_add(t);
        snprintf(r->key, sizeof r->key, "%s", key);
        r->op = (enum acquirer_op)op;
        r->amount_minor = amount;
        if (r->op == ACQUIRER_AUTHORIZE) {
            r->outcome = (enum acquirer_outcome)outcome;
            memcpy(r->code, code, ACQUIRER_CODE_LEN + 1); /* two digits, checked above */
        } else {
            snprintf(r->auth_ref, sizeof r->auth_ref, "%s", auth_ref);
            record_apply_follow_up(t, r);
        }
        record_finish(t, r);
    }
    return 0;
}

static void result_of(const struct test_record *r, struct acquirer_result *res)
{
    memset(res, 0, sizeof *res);
    res->op = r->op;
    res->outcome = r->outcome;
    snprintf(res->key, sizeof res->key, "%s", r->key);
    snprintf(res->code, sizeof res->code, "%s", r->code);
    snprintf(res->ref, sizeof res->ref, "%s", r->ref);
    res->amount_minor = r->amount_minor;
}

static void on_latency(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct test_pending *p = arg;
    struct acquirer_call *call = p->call;
    struct acquirer_result res = p->res;
    *acquirer_call_priv(call) = NULL;
    event_free(p->ev);
    free(p);
    acquirer_call_answer(call, &res);
}

/* Answer call with res after the latency. */
static int answer_later(struct test_acquirer *t, struct acquirer_call *call,
                        const struct acquirer_result *res)
{
    struct test_pending *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return MDT_E(NOMEM);
    }
    p->ev = evtimer_new(t->base.base, on_latency, p);
    if (p->ev == NULL) {
        free(p);
        return MDT_E(NOMEM);
    }
    p->t = t;
    p->call = call;
    p->res = *res;
    struct timeval tv = {.tv_sec = t->latency_ms / 1000, .tv_usec = (t->latency_ms % 1000) * 1000};
    evtimer_add(p->ev, &tv);
    *acquirer_call_priv(call) = p;
    return 0;
}

/* Whether a key sent again carries the same operation as the first time. */
static bool same_request(const struct test_record *r, const struct acquirer_request *req)
{
    return r->op == req->op && (req->op == ACQUIRER_VOID || r->amount_minor == req->amount_minor) &&
           (req->op == ACQUIRER_AUTHORIZE || strcmp(r->auth_ref, req->auth_ref) == 0);
}

static int test_submit(struct acquirer *a, const struct acquirer_request *req,
                       struct acquirer_call *call)
{
    struct test_acquirer *t = (struct test_acquirer *)a;
    struct acquirer_result res;
    struct test_record *r = record_by_key(t, req->key);
    if (r != NULL) {
        result_of(r, &res);
        if (!same_request(r, req)) {
            res.outcome = ACQUIRER_DECLINED;
            snprintf(res.code, sizeof res.code, "%s", ACQUIRER_CODE_STATE);
            res.ref[0] = '\0';
        }
        return answer_later(t, call, &res);
    }
    r = record_add(t);
    snprintf(r->key, sizeof r->key, "%s", req->key);
    r->op = req->op;
    r->amount_minor = req->amount_minor;
    bool silent = false;
    if (req->op == ACQUIRER_AUTHORIZE) {
        /* The CVV is read where a real module would send it, and checked for form only; a
         * stored credential (card on file) is approved without one. */
        const char *cvv = req->stored_credential ? "" : card_cvv_get(req->cvv_slot);
        r->outcome =
            acquirer_test_decide(req->pan, req->exp_month, req->exp_year, clock_now_us(), r->code);
        if (req->stored_credential) {
            r->outcome = stored_decide(req->amount_minor, r->outcome, r->code);
        }
        if (r->outcome == ACQUIRER_UNKNOWN) {
            silent = true;
            r->outcome = ACQUIRER_APPROVED;
            snprintf(r->code, sizeof r->code, "%s", ACQUIRER_CODE_APPROVED);
        } else if (r->outcome == ACQUIRER_APPROVED && !req->stored_credential &&
                   (cvv == NULL || strlen(cvv) < 3)) {
            record_decline(r, ACQUIRER_CODE_REFUSED);
        }
    } else {
        snprintf(r->auth_ref, sizeof r->auth_ref, "%s", req->auth_ref);
        record_apply_follow_up(t, r);
    }
    record_finish(t, r);
    int rc = journal_append(t, r);
    if (rc < 0 || silent) {
        return rc; /* silent: no answer; the deadline makes it UNKNOWN */
    }
    result_of(r, &res);
    return answer_later(t, call, &res);
}

static int test_lookup(struct acquirer *a, const char *key, struct acquirer_call *call)
{
    struct test_acquirer *t = (struct test_acquirer *)a;
    struct acquirer_result res = {.op = ACQUIRER_LOOKUP, .outcome = ACQUIRER_DECLINED};
    struct test_record *r = record_by_key(t, key);
    if (r != NULL) {
        result_of(r, &res);
    } else {
        snprintf(res.key, sizeof res.key, "%s", key);
        snprintf(res.code, sizeof res.code, "%s", ACQUIRER_CODE_NO_RECORD);
    }
    return answer_later(t, call, &res);
}

static void test_abandon(struct acquirer *a, struct acquirer_call *call)
{
    (void)a;
    struct test_pending *p = *acquirer_call_priv(call);
    if (p != NULL) {
        event_free(p->ev);
        free(p);
        *acquirer_call_priv(call) = NULL;
    }
}

static void test_free(struct acquirer *a)
{
    struct test_acquirer *t = (struct test_acquirer *)a;
    if (t->state_fd >= 0) {
        close(t->state_fd);
    }
    free(t->records);
    free(t);
}

static const struct acquirer_ops test_ops = {
    .name = "test",
    .submit = test_submit,
    .lookup = test_lookup,
    .abandon = test_abandon,
    .free = test_free,
};

/* Open cfg's journal for appending after reading it back. */
static int state_open(struct test_acquirer *t, const char *path, struct mdt_err *err)
{
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        int rc = journal_load(t, f);
        fclose(f);
        if (rc < 0) {
            return mdt_err_set(err, rc, "acquirer state '%s': malformed line", path);
        }
    } else if (errno != ENOENT) {
        return mdt_err_set(err, MDT_E(IO), "acquirer state '%s': %s", path, strerror(errno));
    }
    t->state_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (t->state_fd < 0) {
        return mdt_err_set(err, MDT_E(IO), "acquirer state '%s': %s", path, strerror(errno));
    }
    return 0;
}

int acquirer_test_open(struct event_base *base, const struct acquirer_test_config *cfg,
                       struct acquirer **out, struct mdt_err *err)
{
    *out = NULL;
    if (cfg->timeout_ms == 0 || cfg->timeout_ms > ACQUIRER_TIMEOUT_MS_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "acquirer timeout_ms must be 1 to %d",
                           ACQUIRER_TIMEOUT_MS_MAX);
    }
    if (cfg->latency_ms > ACQUIRER_LATENCY_MS_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "acquirer latency_ms must be at most %d",
                           ACQUIRER_LATENCY_MS_MAX);
    }
    struct test_acquirer *t = calloc(1, sizeof *t);
    struct test_record *records = calloc(TEST_RECORDS_MAX, sizeof *records);
    if (t == NULL || records == NULL) {
        free(t);
        free(records);
        return mdt_err_set(err, MDT_E(NOMEM), "acquirer: out of memory");
    }
    t->records = records;
    t->base.ops = &test_ops;
    t->base.base = base;
    t->base.timeout_ms = cfg->timeout_ms;
    t->latency_ms = cfg->latency_ms;
    t->state_fd = -1;
    if (cfg->state_path[0] != '\0') {
        int rc = state_open(t, cfg->state_path, err);
        if (rc < 0) {
            test_free(&t->base);
            return rc;
        }
    }
    *out = &t->base;
    return 0;
}
