/* SPDX-License-Identifier: Apache-2.0 */
/* End-to-end test of the SMPP session (ESME) against the independent SMSC simulator
 * tests/smsc/smsc.js: binds, MO of every coding and concatenation, deferred deliver_sm_resp, MT
 * splitting, window, throttling, receipts, drops, enquire_link, unbind, and a fake SMSC that
 * sends garbage. The event loop runs on the main thread; the test drives it from a second
 * thread and the simulator over its HTTP control API. Prints "N passed, M failed". */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "channel/smpp/session.h"
#include "channel/smpp/smpp_pdu.h"

#ifndef MDT_SOURCE_DIR
#define MDT_SOURCE_DIR "."
#endif

#define TEST_TIMEOUT_S 58 /* the whole program; CTest's own timeout is the backstop */
#define HTTP_MAX 262144   /* a control API answer (GET /mt of a test is a few KB) */
#define EVENTS_MAX 64
#define SUBMITS_MAX 64
#define SKIP_CODE 77

/* ------------------------------------------------------------------------------------------
 * Shared state: written by the session's handlers on the loop thread, read by the test
 * thread, under mu. */

struct mo_rec {
    char source[STORE_ADDR_MAX];
    char dest[STORE_ADDR_MAX];
    char peer_id[STORE_PEER_ID_MAX];
    char text[STORE_TEXT_MAX];
    struct smpp_mo *mo; /* NULL once acknowledged */
};

struct sub_rec {
    struct id128 id;
    int rc;
    uint32_t status;
    char message_id[SMPP_MESSAGE_ID_MAX];
    int64_t at_us;
};

struct dlr_rec {
    char id[SMPP_MESSAGE_ID_MAX];
    char stat[16];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct mo_rec mos[EVENTS_MAX];
static int nmos;
static struct sub_rec subs[SUBMITS_MAX];
static int nsubs;
static struct dlr_rec dlrs[EVENTS_MAX];
static int ndlrs;
static int ups, downs;
static bool is_up, stopped, auto_ack;
/* In-doubt tracking: auto-acknowledged MOs get the id {0x1d, their index + 1} when track_ids;
 * acks_read / acks_in_doubt record what they report. */
static bool track_ids;
static struct id128 acks_read_ids[EVENTS_MAX], acks_doubt_ids[EVENTS_MAX];
static int nread, ndoubt;

static struct event_base *base;
static pid_t smsc_pid = -1;
static int smpp_port, ctl_port;
static int tests_passed, tests_failed;
static int checks_failed_here; /* in the running test */
static uint64_t next_id = 1;

/* ------------------------------------------------------------------------------------------
 * Checks. */

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            checks_failed_here++;                                                                  \
            fprintf(stderr, "    check failed (line %d): %s: ", __LINE__, #cond);                  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* Evaluate expr under mu every 10 ms until true or ms pass; ok gets the last value. */
#define WAIT_UNTIL(ok, expr, ms)                                                                   \
    do {                                                                                           \
        int64_t end_ = now_ms() + (ms);                                                            \
        for (;;) {                                                                                 \
            pthread_mutex_lock(&mu);                                                               \
            (ok) = (expr);                                                                         \
            pthread_mutex_unlock(&mu);                                                             \
            if ((ok) || now_ms() >= end_) {                                                        \
                break;                                                                             \
            }                                                                                      \
            usleep(10000);                                                                         \
        }                                                                                          \
    } while (0)

static int64_t now_ms(void)
{
    return clock_mono_us() / 1000;
}

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* ------------------------------------------------------------------------------------------
 * Handlers (loop thread). */

static void on_mo(void *ctx, const struct dialog_message *m, struct smpp_mo *mo)
{
    struct mo_rec *r;
    struct id128 id = {0x1d, 0};
    bool ack, track;

    (void)ctx;
    pthread_mutex_lock(&mu);
    ack = auto_ack;
    track = track_ids;
    id.lo = (uint64_t)nmos + 1;
    if (nmos < EVENTS_MAX) {
        r = &mos[nmos++];
        snprintf(r->source, sizeof(r->source), "%s", m->source);
        snprintf(r->dest, sizeof(r->dest), "%s", m->dest);
        snprintf(r->peer_id, sizeof(r->peer_id), "%s", m->peer_id);
        snprintf(r->text, sizeof(r->text), "%.*s", (int)m->len, m->text);
        r->mo = ack ? NULL : mo;
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    if (ack) {
        smpp_mo_ack(mo, ESME_ROK, track ? &id : NULL); /* from inside the handler: allowed */
    }
}

static void on_submitted(void *ctx, struct id128 id, int rc, uint32_t status,
                         const char *message_id)
{
    struct sub_rec *r;

    (void)ctx;
    pthread_mutex_lock(&mu);
    if (nsubs < SUBMITS_MAX) {
        r = &subs[nsubs++];
        r->id = id;
        r->rc = rc;
        r->status = status;
        snprintf(r->message_id, sizeof(r->message_id), "%s", message_id);
        r->at_us = clock_mono_us();
    }
    pthread_mutex_unlock(&mu);
}

static void on_receipt(void *ctx, const char *message_id, const char *stat)
{
    (void)ctx;
    pthread_mutex_lock(&mu);
    if (ndlrs < EVENTS_MAX) {
        snprintf(dlrs[ndlrs].id, sizeof(dlrs[ndlrs].id), "%s", message_id);
        snprintf(dlrs[ndlrs].stat, sizeof(dlrs[ndlrs].stat), "%s", stat);
        ndlrs++;
    }
    pthread_mutex_unlock(&mu);
}

static void on_bound(void *ctx, bool up)
{
    (void)ctx;
    pthread_mutex_lock(&mu);
    is_up = up;
    if (up) {
        ups++;
    } else {
        downs++;
    }
    pthread_mutex_unlock(&mu);
}

static void record_ids(struct id128 *to, int *count, const struct id128 *ids, size_t n)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < n && *count < EVENTS_MAX; i++) {
        to[(*count)++] = ids[i];
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void on_acks_read(void *ctx, const struct id128 *ids, size_t n)
{
    (void)ctx;
    record_ids(acks_read_ids, &nread, ids, n);
}

static void on_acks_in_doubt(void *ctx, const struct id128 *ids, size_t n)
{
    (void)ctx;
    record_ids(acks_doubt_ids, &ndoubt, ids, n);
}

static const struct smpp_handlers handlers = {
    .mo = on_mo,
    .submitted = on_submitted,
    .receipt = on_receipt,
    .bound = on_bound,
    .acks_read = on_acks_read,
    .acks_in_doubt = on_acks_in_doubt,
    .ctx = NULL,
};

/* ------------------------------------------------------------------------------------------
 * Running code on the loop thread and waiting for it. */

struct job {
    void (*fn)(void *arg);
    void *arg;
    bool done;
};

static void job_cb(evutil_socket_t fd, short what, void *arg)
{
    struct job *j = arg;

    (void)fd;
    (void)what;
    j->fn(j->arg);
    pthread_mutex_lock(&mu);
    j->done = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void on_loop(void (*fn)(void *arg), void *arg)
{
    struct job j = {.fn = fn, .arg = arg, .done = false};
    struct timeval zero = {0, 0};

    if (event_base_once(base, -1, EV_TIMEOUT, job_cb, &j, &zero) != 0) {
        fprintf(stderr, "event_base_once failed\n");
        abort();
    }
    pthread_mutex_lock(&mu);
    while (!j.done) {
        pthread_cond_wait(&cv, &mu);
    }
    pthread_mutex_unlock(&mu);
}

struct start_args {
    struct smpp_config cfg;
    struct smpp_session *s;
    int rc;
    struct mdt_err err;
};

static void do_start(void *arg)
{
    struct start_args *a = arg;

    a->rc = smpp_session_start(base, &a->cfg, &handlers, &a->s, &a->err);
}

static void done_cb(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    stopped = true;
    pthread_mutex_unlock(&mu);
}

static void do_stop(void *arg)
{
    smpp_session_stop(arg, done_cb, NULL);
}

static void do_free(void *arg)
{
    smpp_session_free(arg);
}

struct submit_args {
    struct smpp_session *s;
    struct outbox_row *row;
    int rc;
};

static void do_submit(void *arg)
{
    struct submit_args *a = arg;

    a->rc = smpp_session_submit(a->s, a->row);
}

struct ack_args {
    struct smpp_mo *mo;
    uint32_t status;
    const struct id128 *id;
};

static void do_ack(void *arg)
{
    struct ack_args *a = arg;

    smpp_mo_ack(a->mo, a->status, a->id);
}

struct stats_args {
    struct smpp_session *s;
    struct smpp_session_stats st;
};

static void do_stats(void *arg)
{
    struct stats_args *a = arg;

    smpp_session_stats(a->s, &a->st);
}

static void do_break(void *arg)
{
    (void)arg;
    event_base_loopbreak(base);
}

/* ------------------------------------------------------------------------------------------
 * A tiny blocking HTTP/1.1 client for the simulator's control API, and JSON peeking. */

static int http(const char *method, const char *path, const char *body, char *out, size_t cap)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ctl_port)};
    struct timeval tv = {.tv_sec = 35, .tv_usec = 0};
    char *buf = malloc(HTTP_MAX);
    char head[512];
    size_t blen = body != NULL ? strlen(body) : 0;
    size_t got = 0;
    int status = -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int hlen;
    char *sep;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (out != NULL && cap > 0) {
        out[0] = '\0';
    }
    if (fd < 0 || buf == NULL) {
        goto out;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        goto out;
    }
    hlen = snprintf(head, sizeof(head),
                    "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                    method, path, blen);
    if (write(fd, head, (size_t)hlen) != hlen ||
        (blen > 0 && write(fd, body, blen) != (ssize_t)blen)) {
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + got, HTTP_MAX - 1 - got);

        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        status = -1;
    }
    sep = strstr(buf, "\r\n\r\n");
    if (sep != NULL && out != NULL) {
        snprintf(out, cap, "%s", sep + 4);
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return status;
}

/* The value after "key": at or after from; NULL when absent. */
static const char *json_at(const char *from, const char *key)
{
    char pat[80];
    const char *p;

    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = from != NULL ? strstr(from, pat) : NULL;
    return p != NULL ? p + strlen(pat) : NULL;
}

static long json_int(const char *from, const char *key, long dflt)
{
    const char *p = json_at(from, key);

    return p != NULL && (*p == '-' || (*p >= '0' && *p <= '9')) ? strtol(p, NULL, 10) : dflt;
}

/* 1 true, 0 false, -1 anything else. */
static int json_bool(const char *from, const char *key)
{
    const char *p = json_at(from, key);

    if (p != NULL && strncmp(p, "true", 4) == 0) {
        return 1;
    }
    return p != NULL && strncmp(p, "false", 5) == 0 ? 0 : -1;
}

static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The string value of key at or after from, unescaped into out. Returns false when absent or
 * not a string. */
static bool json_str(const char *from, const char *key, char *out, size_t cap)
{
    const char *p = json_at(from, key);
    size_t n = 0;

    if (p == NULL || *p != '"') {
        return false;
    }
    for (p++; *p != '\0' && *p != '"' && n + 5 < cap; p++) {
        uint32_t cp;
        unsigned lo;

        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        p++;
        if (*p == 'n') {
            out[n++] = '\n';
        } else if (*p == 't') {
            out[n++] = '\t';
        } else if (*p == 'r') {
            out[n++] = '\r';
        } else if (*p == 'u' && sscanf(p + 1, "%4x", &lo) == 1) {
            cp = lo;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u' &&
                sscanf(p + 3, "%4x", &lo) == 1) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            n += utf8_put(out + n, cp);
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return *p == '"';
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    const char *p = hay;

    while (p != NULL) {
        p = strstr(p, needle);
        if (p != NULL) {
            n++;
            p += strlen(needle);
        }
    }
    return n;
}

static long smsc_stat(const char *key)
{
    char resp[4096];

    if (http("GET", "/stats", NULL, resp, sizeof(resp)) != 200) {
        return -1;
    }
    return json_int(resp, key, -1);
}

static int smsc_mode(const char *json)
{
    return http("POST", "/mode", json, NULL, 0);
}

/* POST /mo or /dlr from a thread, to watch it wait for the deliver_sm_resp. */
struct http_job {
    pthread_t th;
    char path[32];
    char body[2048];
    char *resp;
    int status;
    bool done;
};

static void *http_thread(void *arg)
{
    struct http_job *j = arg;
    int status = http("POST", j->path, j->body, j->resp, HTTP_MAX);

    pthread_mutex_lock(&mu);
    j->status = status;
    j->done = true;
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void http_start(struct http_job *j, const char *path, const char *body)
{
    memset(j, 0, sizeof(*j));
    snprintf(j->path, sizeof(j->path), "%s", path);
    snprintf(j->body, sizeof(j->body), "%s", body);
    j->resp = calloc(1, HTTP_MAX);
    pthread_create(&j->th, NULL, http_thread, j);
}

static void http_join(struct http_job *j)
{
    pthread_join(j->th, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Sessions and MTs. */

static void reset_all(void)
{
    http("POST", "/reset", "{}", NULL, 0);
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nmos; i++) {
        if (mos[i].mo != NULL) {
            fprintf(stderr, "    (an MO was left unacknowledged by the previous test)\n");
        }
    }
    nmos = nsubs = ndlrs = 0;
    nread = ndoubt = 0;
    track_ids = false;
    ups = downs = 0;
    is_up = false;
    stopped = false;
    auto_ack = true;
    pthread_mutex_unlock(&mu);
}

static void config_base(struct smpp_config *c)
{
    smpp_config_default(c);
    snprintf(c->host, sizeof(c->host), "127.0.0.1");
    c->port = (uint16_t)smpp_port;
    snprintf(c->system_id, sizeof(c->system_id), "mandat");
    snprintf(c->password, sizeof(c->password), "secret");
    snprintf(c->source_addr, sizeof(c->source_addr), "71004");
    c->enquire_link_s = 30;
    c->response_timeout_s = 2;
    c->reconnect_min_ms = 100;
    c->reconnect_max_ms = 800;
    c->throttle_pause_ms = 200;
}

/* Start a session; wait until bound when want_up. NULL on failure. */
static struct smpp_session *session_open(const struct smpp_config *cfg, bool want_up)
{
    struct start_args a;
    bool ok = false;

    memset(&a, 0, sizeof(a));
    a.cfg = *cfg;
    on_loop(do_start, &a);
    CHECK(a.rc == 0, "smpp_session_start: %s", a.err.msg);
    if (a.rc != 0) {
        return NULL;
    }
    if (want_up) {
        WAIT_UNTIL(ok, is_up, 3000);
        CHECK(ok, "session bound within 3 s");
    }
    return a.s;
}

/* Graceful stop (unbind), then free. */
static void session_close(struct smpp_session *s)
{
    bool ok = false;

    if (s == NULL) {
        return;
    }
    on_loop(do_stop, s);
    WAIT_UNTIL(ok, stopped, 4000);
    CHECK(ok, "stop completes (done_cb) within 4 s");
    on_loop(do_free, s);
}

static int submit(struct smpp_session *s, uint64_t id_lo, const char *dest, const char *text)
{
    struct outbox_row *row = calloc(1, sizeof(*row));
    struct submit_args a = {.s = s, .row = row, .rc = -1};

    row->id.hi = 0x5e55;
    row->id.lo = id_lo;
    row->channel = CHANNEL_SMS;
    snprintf(row->source, sizeof(row->source), "71004");
    snprintf(row->dest, sizeof(row->dest), "%s", dest);
    snprintf(row->text, sizeof(row->text), "%s", text);
    on_loop(do_submit, &a);
    free(row);
    return a.rc;
}

/* Submitted records for id (caller holds mu). */
static int subs_for(uint64_t id_lo)
{
    int n = 0;

    for (int i = 0; i < nsubs; i++) {
        if (subs[i].id.lo == id_lo) {
            n++;
        }
    }
    return n;
}

static const struct sub_rec *sub_find(uint64_t id_lo)
{
    for (int i = 0; i < nsubs; i++) {
        if (subs[i].id.lo == id_lo) {
            return &subs[i];
        }
    }
    return NULL;
}

static void ack_mo(int index, uint32_t status)
{
    struct ack_args a = {.id = NULL};

    pthread_mutex_lock(&mu);
    a.mo = mos[index].mo;
    mos[index].mo = NULL;
    pthread_mutex_unlock(&mu);
    a.status = status;
    if (a.mo != NULL) {
        on_loop(do_ack, &a);
    }
}

/* A GSM text of n repetitions of a phrase with extension characters and accents. */
static void make_text(char *out, size_t cap, const char *phrase, int n)
{
    size_t len = 0;

    out[0] = '\0';
    for (int i = 0; i < n && len + strlen(phrase) < cap; i++) {
        memcpy(out + len, phrase, strlen(phrase) + 1);
        len += strlen(phrase);
    }
}

/* ------------------------------------------------------------------------------------------
 * Tests. */

static void test_bind_transceiver(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    char resp[4096];

    config_base(&cfg);
    s = session_open(&cfg, true);
    http("GET", "/binds", NULL, resp, sizeof(resp));
    CHECK(count_of(resp, "\"bind\":\"transceiver\"") == 1, "one transceiver bind: %s", resp);
    CHECK(count_of(resp, "\"system_id\":\"mandat\"") == 1, "system_id mandat: %s", resp);
    session_close(s);
    CHECK(smsc_stat("unbinds") == 1, "one unbind on stop");
    http("GET", "/binds", NULL, resp, sizeof(resp));
    CHECK(json_int(resp, "connections", -1) == 0, "connection closed after stop: %s", resp);
}

/* POST /mo with auto-ack; returns the index of the MO received or -1. */
static int mo_roundtrip(const char *body, char *resp, size_t cap)
{
    int before;
    int status;
    bool ok = false;

    pthread_mutex_lock(&mu);
    before = nmos;
    pthread_mutex_unlock(&mu);
    status = http("POST", "/mo", body, resp, cap);
    CHECK(status == 200, "POST /mo answered 200 (%d): %s", status, resp);
    WAIT_UNTIL(ok, nmos > before, 2000);
    CHECK(ok, "mo handler called");
    pthread_mutex_lock(&mu);
    ok = nmos == before + 1;
    pthread_mutex_unlock(&mu);
    CHECK(ok, "mo handler called once");
    return ok ? before : -1;
}

static void check_mo_text(const char *coding_json, const char *text, const char *what)
{
    char body[4096];
    char resp[4096];
    int i;

    snprintf(
        body, sizeof(body),
        "{\"from\":\"+33612345678\",\"to\":\"71004\",\"message_id\":\"MO-%s\",\"text\":\"%s\"%s}",
        what, text, coding_json);
    i = mo_roundtrip(body, resp, sizeof(resp));
    if (i < 0) {
        return;
    }
    pthread_mutex_lock(&mu);
    CHECK(strcmp(mos[i].text, text) == 0, "%s text: got '%s' want '%s'", what, mos[i].text, text);
    CHECK(strcmp(mos[i].source, "+33612345678") == 0, "%s source: %s", what, mos[i].source);
    CHECK(strcmp(mos[i].dest, "71004") == 0, "%s dest: %s", what, mos[i].dest);
    CHECK(strncmp(mos[i].peer_id, "MO-", 3) == 0, "%s peer_id: %s", what, mos[i].peer_id);
    pthread_mutex_unlock(&mu);
    CHECK(json_bool(resp, "acked") == 1, "%s acked: %s", what, resp);
}

static void test_mo_codings(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    char text[2048];

    config_base(&cfg);
    s = session_open(&cfg, true);
    check_mo_text(",\"coding\":\"gsm\"", "Payé 10€ à Zoé {ok} [x]~|^ ÄÖÑÜäöñü ß Øø Åå èùìò", "gsm");
    check_mo_text(",\"coding\":\"ucs2\"", "Привет, 你好 — ça coûte 5 € 😀", "ucs2");
    check_mo_text(",\"coding\":\"latin1\"", "Crème brûlée, ça coûte 5 ÿ", "latin1");
    make_text(text, sizeof(text), "Virement de 12,50€ à Zoé [ok] ", 12);
    check_mo_text(",\"coding\":\"gsm\",\"parts\":3", text, "udh8");
    make_text(text, sizeof(text), "Tête-à-tête: Привет 😀! ", 8);
    check_mo_text(",\"udh16\":true,\"parts\":2", text, "udh16");
    make_text(text, sizeof(text), "SAR part text €; ", 20);
    check_mo_text(",\"sar\":true,\"parts\":3", text, "sar");
    make_text(text, sizeof(text), "Auto split by the phone é€ ", 10);
    check_mo_text("", text, "autosplit");
    session_close(s);
}

/* A GSM escape split across two parts (ESC at the end of part 1): decoded once joined. */
static void test_mo_straddle(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    struct http_job j1;
    char resp[4096];
    bool ok = false;

    config_base(&cfg);
    s = session_open(&cfg, true);
    http_start(&j1, "/mo",
               "{\"from\":\"+33612345678\",\"to\":\"71004\",\"hex\":\"050003aa0201411b\","
               "\"esm_class\":64,\"data_coding\":0,\"timeout_ms\":3000}");
    sleep_ms(200);
    CHECK(http("POST", "/mo",
               "{\"from\":\"+33612345678\",\"to\":\"71004\",\"hex\":\"050003aa02026542\","
               "\"esm_class\":64,\"data_coding\":0,\"timeout_ms\":3000}",
               resp, sizeof(resp)) == 200,
          "second part posted");
    http_join(&j1);
    CHECK(json_bool(resp, "acked") == 1, "second part acked: %s", resp);
    CHECK(json_bool(j1.resp, "acked") == 1, "first part acked: %s", j1.resp);
    free(j1.resp);
    WAIT_UNTIL(ok, nmos == 1, 1000);
    pthread_mutex_lock(&mu);
    CHECK(nmos == 1 && strcmp(mos[0].text, "A€B") == 0, "joined text 'A€B': '%s'",
          nmos > 0 ? mos[0].text : "");
    pthread_mutex_unlock(&mu);
    session_close(s);
}

/* deliver_sm_resp only after smpp_mo_ack; the status given is the status sent. */
static void deferred_case(const char *extra, uint32_t status, const char *what)
{
    struct http_job j;
    char body[1024];
    bool ok = false;
    bool early;
    int parts = strstr(extra, "\"parts\":2") != NULL ? 2 : 1;

    snprintf(body, sizeof(body),
             "{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"CODE 123456 deferred\","
             "\"timeout_ms\":8000%s}",
             extra);
    pthread_mutex_lock(&mu);
    auto_ack = false;
    nmos = 0;
    pthread_mutex_unlock(&mu);
    http_start(&j, "/mo", body);
    WAIT_UNTIL(ok, nmos == 1, 2000);
    CHECK(ok, "%s: mo handler called", what);
    sleep_ms(300);
    pthread_mutex_lock(&mu);
    early = j.done;
    pthread_mutex_unlock(&mu);
    CHECK(!early, "%s: no deliver_sm_resp before smpp_mo_ack", what);
    CHECK(smsc_stat("mo_acked") == 0, "%s: mo_acked 0 before smpp_mo_ack", what);
    if (ok) {
        ack_mo(0, status);
    }
    http_join(&j);
    CHECK(j.status == 200, "%s: POST /mo status %d", what, j.status);
    if (status == ESME_ROK) {
        CHECK(json_bool(j.resp, "acked") == 1, "%s: acked after smpp_mo_ack: %s", what, j.resp);
        CHECK(smsc_stat("mo_acked") == parts, "%s: mo_acked %d", what, parts);
    } else {
        CHECK(json_int(j.resp, "command_status", -1) == (long)status, "%s: command_status %u: %s",
              what, (unsigned)status, j.resp);
    }
    free(j.resp);
    http("POST", "/reset", "{}", NULL, 0);
}

static void test_mo_deferred_ack(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;

    config_base(&cfg);
    s = session_open(&cfg, true);
    deferred_case("", ESME_ROK, "single");
    deferred_case(",\"parts\":2", ESME_ROK, "two parts");
    deferred_case("", ESME_RX_T_APPN, "temporary failure");
    pthread_mutex_lock(&mu);
    auto_ack = true;
    pthread_mutex_unlock(&mu);
    session_close(s);
}

/* The connection drops between the MO and its acknowledgement: nothing is sent. */
static void test_mo_ack_after_drop(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    struct http_job j;
    bool ok = false;

    config_base(&cfg);
    s = session_open(&cfg, true);
    pthread_mutex_lock(&mu);
    auto_ack = false;
    pthread_mutex_unlock(&mu);
    http_start(
        &j, "/mo",
        "{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"SOLDE\",\"timeout_ms\":5000}");
    WAIT_UNTIL(ok, nmos == 1, 2000);
    CHECK(ok, "mo handler called");
    http("POST", "/drop", "{}", NULL, 0);
    WAIT_UNTIL(ok, downs == 1 && is_up, 3000);
    CHECK(ok, "down then up again after the drop");
    http_join(&j);
    CHECK(json_bool(j.resp, "acked") == 0, "not acked: %s", j.resp);
    free(j.resp);
    ack_mo(0, ESME_ROK);
    sleep_ms(100);
    CHECK(smsc_stat("mo_acked") == 0, "nothing acked on the new connection");
    pthread_mutex_lock(&mu);
    auto_ack = true;
    pthread_mutex_unlock(&mu);
    session_close(s);
}

/* DESIGN.md, Durability: an acknowledged MO is in doubt until the SMSC answers a PDU written
 * after its deliver_sm_resp; the session closes the doubt with an enquire_link (acks_read), and
 * a drop before that, or an ack that could not be written, reports it in doubt. */
static void test_mo_in_doubt(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    struct id128 id = {0x1d, 99};
    struct ack_args a = {.status = ESME_ROK, .id = &id};
    struct http_job j;
    char resp[4096];
    bool ok = false;

    config_base(&cfg);
    s = session_open(&cfg, true);
    pthread_mutex_lock(&mu);
    track_ids = true;
    pthread_mutex_unlock(&mu);
    mo_roundtrip("{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"SOLDE\"}", resp,
                 sizeof(resp));
    WAIT_UNTIL(ok, nread == 1 && acks_read_ids[0].lo == 1, 2000);
    CHECK(ok, "acks_read after the SMSC answered the enquire_link (read %d)", nread);
    CHECK(smsc_stat("enquire_links") >= 1, "an enquire_link closed the doubt at once");
    CHECK(ndoubt == 0, "nothing in doubt");
    /* The SMSC drops the link the moment it reads the response: in doubt, never read. */
    http("POST", "/mo",
         "{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"SOLDE\","
         "\"after_resp\":\"drop\"}",
         resp, sizeof(resp));
    WAIT_UNTIL(ok, ndoubt == 1 && acks_doubt_ids[0].lo == 2, 2000);
    CHECK(ok, "acks_in_doubt after the drop (in doubt %d): %s", ndoubt, resp);
    CHECK(nread == 1, "not reported read too (%d)", nread);
    WAIT_UNTIL(ok, is_up, 3000);
    /* Acknowledged after the connection it came on is gone: in doubt at once. */
    pthread_mutex_lock(&mu);
    auto_ack = false;
    pthread_mutex_unlock(&mu);
    http_start(&j, "/mo",
               "{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"AIDE\","
               "\"timeout_ms\":3000}");
    WAIT_UNTIL(ok, nmos == 3, 2000);
    http("POST", "/drop", "{}", NULL, 0);
    http_join(&j);
    free(j.resp);
    pthread_mutex_lock(&mu);
    a.mo = mos[2].mo;
    mos[2].mo = NULL;
    pthread_mutex_unlock(&mu);
    if (a.mo != NULL) {
        on_loop(do_ack, &a);
    }
    WAIT_UNTIL(ok, ndoubt == 2 && acks_doubt_ids[1].lo == 99, 2000);
    CHECK(ok, "an ack that could not be written is in doubt (in doubt %d)", ndoubt);
    pthread_mutex_lock(&mu);
    auto_ack = true;
    pthread_mutex_unlock(&mu);
    session_close(s);
}

/* Half a concatenated MO: its part is answered ESME_RX_T_APPN after mo_partial_timeout_s; an
 * undecodable MO is refused for good (ESME_RX_P_APPN). */
static void test_mo_incomplete_and_undecodable(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    struct stats_args st;
    char resp[4096];
    int64_t t0;
    int64_t ms;

    config_base(&cfg);
    cfg.mo_partial_timeout_s = 1;
    s = session_open(&cfg, true);
    t0 = now_ms();
    http("POST", "/mo",
         "{\"from\":\"+33612345678\",\"to\":\"71004\",\"hex\":\"050003bb02014142\","
         "\"esm_class\":64,\"data_coding\":0,\"timeout_ms\":5000}",
         resp, sizeof(resp));
    ms = now_ms() - t0;
    CHECK(json_int(resp, "command_status", -1) == ESME_RX_T_APPN, "part answered 0x64: %s", resp);
    CHECK(ms >= 900 && ms < 3000, "after the 1 s timeout: %lld ms", (long long)ms);
    st.s = s;
    on_loop(do_stats, &st);
    CHECK(st.st.mo_partial == 0 && st.st.mo_pending == 0, "nothing left: %u partial, %u pending",
          st.st.mo_partial, st.st.mo_pending);
    http("POST", "/mo",
         "{\"from\":\"+33612345678\",\"to\":\"71004\",\"hex\":\"0102\",\"data_coding\":4}", resp,
         sizeof(resp));
    CHECK(json_int(resp, "command_status", -1) == ESME_RX_P_APPN, "binary refused 0x65: %s", resp);
    pthread_mutex_lock(&mu);
    CHECK(nmos == 0, "no MO handed up");
    pthread_mutex_unlock(&mu);
    session_close(s);
}

/* Submit, wait for submitted, return the /mt answer in resp. */
static const struct sub_rec *mt_roundtrip(struct smpp_session *s, uint64_t id, const char *dest,
                                          const char *text, char *resp, size_t cap)
{
    const struct sub_rec *r;
    bool ok = false;

    CHECK(submit(s, id, dest, text) == 0, "submit accepted");
    WAIT_UNTIL(ok, subs_for(id) == 1, 3000);
    CHECK(ok, "submitted called");
    http("GET", "/mt?since=0", NULL, resp, cap);
    pthread_mutex_lock(&mu);
    r = sub_find(id);
    pthread_mutex_unlock(&mu);
    return r;
}

static void test_mt(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    const struct sub_rec *r;
    char *resp = malloc(HTTP_MAX);
    char text[2048];
    char got[4096];
    const char *msgs;
    uint64_t id;

    config_base(&cfg);
    s = session_open(&cfg, true);
    /* Short, GSM with an extension character. */
    id = next_id++;
    r = mt_roundtrip(s, id, "+33612345678", "Solde : 12,50 € {ok}", resp, HTTP_MAX);
    CHECK(r != NULL && r->rc == 0 && r->message_id[0] != '\0', "short MT accepted");
    CHECK(json_str(resp, "text", got, sizeof(got)) && strcmp(got, "Solde : 12,50 € {ok}") == 0,
          "short MT text: %s", got);
    CHECK(json_str(resp, "to", got, sizeof(got)) && strcmp(got, "33612345678") == 0, "to: %s", got);
    CHECK(json_int(resp, "to_ton", -1) == 1 && json_int(resp, "to_npi", -1) == 1, "TON/NPI 1/1");
    CHECK(json_str(resp, "from", got, sizeof(got)) && strcmp(got, "71004") == 0, "from: %s", got);
    CHECK(json_int(resp, "data_coding", -1) == 0, "data_coding 0");
    CHECK(json_int(resp, "registered_delivery", -1) == 1, "registered_delivery 1");
    http("POST", "/reset", "{}", NULL, 0);

    /* Long GSM: 3 parts, one UDH reference, reassembled by the SMSC. */
    id = next_id++;
    make_text(text, sizeof(text), "Virement de 12,50€ à Zoé [ok] ", 12);
    r = mt_roundtrip(s, id, "+33612345678", text, resp, HTTP_MAX);
    msgs = json_at(resp, "messages");
    CHECK(r != NULL && r->rc == 0, "long GSM MT accepted");
    CHECK(count_of(resp, "\"index\":") == 3, "3 parts sent");
    CHECK(json_int(msgs, "total", -1) == 3 && json_bool(msgs, "complete") == 1,
          "one complete message of 3");
    CHECK(json_str(msgs, "text", got, sizeof(got)) && strcmp(got, text) == 0,
          "long GSM text:\n got  %s\n want %s", got, text);
    CHECK(r != NULL && json_str(msgs, "message_ids", got, sizeof(got)) == false,
          "message_ids is an array");
    {
        const char *ids = json_at(msgs, "message_ids");
        char first[80] = "";

        if (ids != NULL && ids[0] == '[' && ids[1] == '"') {
            sscanf(ids + 2, "%79[^\"]", first);
        }
        CHECK(r != NULL && strcmp(first, r->message_id) == 0, "first part's id %s vs %s", first,
              r != NULL ? r->message_id : "");
    }
    http("POST", "/reset", "{}", NULL, 0);

    /* Long UCS-2 (ê has no GSM form): 3 parts. */
    id = next_id++;
    make_text(text, sizeof(text), "Tête-à-tête: Привет! ", 8);
    r = mt_roundtrip(s, id, "+33612345678", text, resp, HTTP_MAX);
    msgs = json_at(resp, "messages");
    CHECK(r != NULL && r->rc == 0, "long UCS-2 MT accepted");
    CHECK(json_int(resp, "data_coding", -1) == 8, "data_coding 8");
    CHECK(json_int(msgs, "total", -1) == 3 && json_bool(msgs, "complete") == 1,
          "one complete UCS-2 message of 3");
    CHECK(json_str(msgs, "text", got, sizeof(got)) && strcmp(got, text) == 0,
          "long UCS-2 text:\n got  %s\n want %s", got, text);
    session_close(s);
    free(resp);
}

static void test_window(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    char *resp = malloc(HTTP_MAX);
    uint64_t first = next_id;
    int max_open = 0;
    bool ok = false;

    config_base(&cfg);
    cfg.window = 3;
    s = session_open(&cfg, true);
    smsc_mode("{\"submit_resp_delay_ms\":600}");
    for (int i = 0; i < 7; i++) {
        CHECK(submit(s, next_id++, "+33612345678", "window test") == 0, "submit %d", i);
    }
    for (int k = 0; k < 8; k++) {
        long received;
        long answered;

        http("GET", "/mt?since=0", NULL, resp, HTTP_MAX);
        received = count_of(resp, "\"index\":");
        answered = count_of(resp, "\"answered\":true");
        if (received - answered > max_open) {
            max_open = (int)(received - answered);
        }
        if (k == 1) {
            CHECK(received == 3, "exactly the window in flight at first: %ld", received);
        }
        sleep_ms(150);
    }
    CHECK(max_open <= 3, "never more than 3 unanswered: %d", max_open);
    WAIT_UNTIL(ok, nsubs == 7, 5000);
    CHECK(ok, "all 7 submitted");
    pthread_mutex_lock(&mu);
    for (uint64_t id = first; id < first + 7; id++) {
        CHECK(subs_for(id) == 1 && sub_find(id)->rc == 0, "id %llu accepted once",
              (unsigned long long)id);
    }
    pthread_mutex_unlock(&mu);
    session_close(s);
    free(resp);
}

static void retry_case(struct smpp_session *s, const char *mode_on, const char *mode_off,
                       const char *what)
{
    uint64_t id = next_id++;
    char *resp = malloc(HTTP_MAX);
    bool ok = false;
    long rejected;

    smsc_mode(mode_on);
    CHECK(submit(s, id, "+33612345678", "retry me") == 0, "%s: submit", what);
    sleep_ms(700);
    pthread_mutex_lock(&mu);
    ok = subs_for(id) == 0;
    pthread_mutex_unlock(&mu);
    CHECK(ok, "%s: not reported while refused", what);
    rejected = smsc_stat("mt_rejected");
    CHECK(rejected >= 2, "%s: sent again after a pause (%ld refusals)", what, rejected);
    CHECK(rejected <= 6, "%s: paused between tries (%ld refusals in 700 ms)", what, rejected);
    smsc_mode(mode_off);
    WAIT_UNTIL(ok, subs_for(id) == 1, 2000);
    CHECK(ok, "%s: accepted once the SMSC accepts", what);
    pthread_mutex_lock(&mu);
    CHECK(sub_find(id) != NULL && sub_find(id)->rc == 0, "%s: rc 0", what);
    pthread_mutex_unlock(&mu);
    sleep_ms(300);
    CHECK(smsc_stat("mt_accepted") == 1, "%s: accepted exactly once", what);
    http("POST", "/reset", "{}", NULL, 0);
    free(resp);
}

static void test_throttle_and_queue_full(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;

    config_base(&cfg);
    s = session_open(&cfg, true);
    retry_case(s, "{\"throttle\":true}", "{\"throttle\":false}", "throttle");
    retry_case(s, "{\"queue_full\":true}", "{\"queue_full\":false}", "queue_full");
    session_close(s);
}

static void test_reject_and_timeout(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    uint64_t id = next_id++;
    bool ok = false;

    config_base(&cfg);
    cfg.response_timeout_s = 1;
    s = session_open(&cfg, true);
    /* A refusal for good is reported and not retried. */
    smsc_mode("{\"reject_next_submit\":1,\"reject_status\":69}");
    CHECK(submit(s, id, "+33612345678", "rejected") == 0, "submit");
    WAIT_UNTIL(ok, subs_for(id) == 1, 2000);
    pthread_mutex_lock(&mu);
    CHECK(ok && sub_find(id)->rc < 0 && sub_find(id)->status == ESME_RSUBMITFAIL,
          "reported refused with 0x45");
    pthread_mutex_unlock(&mu);
    sleep_ms(300);
    CHECK(smsc_stat("mt_received") == 1, "not sent again");
    http("POST", "/reset", "{}", NULL, 0);

    /* A missing submit_sm_resp: sent again after response_timeout_s. */
    id = next_id++;
    smsc_mode("{\"drop_next_submit_resp\":1}");
    CHECK(submit(s, id, "+33612345678", "no answer") == 0, "submit");
    WAIT_UNTIL(ok, subs_for(id) == 1, 3500);
    CHECK(ok, "accepted after a resend");
    CHECK(smsc_stat("mt_received") == 2 && smsc_stat("mt_unanswered") == 1,
          "two submit_sm, one unanswered");
    sleep_ms(200);
    pthread_mutex_lock(&mu);
    CHECK(subs_for(id) == 1 && sub_find(id)->rc == 0, "reported once");
    pthread_mutex_unlock(&mu);
    session_close(s);
}

static void test_receipts(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    uint64_t id = next_id++;
    char mid[SMPP_MESSAGE_ID_MAX] = "";
    char body[256];
    char resp[4096];
    bool ok = false;

    config_base(&cfg);
    s = session_open(&cfg, true);
    smsc_mode("{\"auto_dlr\":true}");
    CHECK(submit(s, id, "+33612345678", "receipt please") == 0, "submit");
    WAIT_UNTIL(ok, subs_for(id) == 1, 2000);
    pthread_mutex_lock(&mu);
    if (ok) {
        snprintf(mid, sizeof(mid), "%s", sub_find(id)->message_id);
    }
    pthread_mutex_unlock(&mu);
    WAIT_UNTIL(ok, ndlrs == 1, 2000);
    pthread_mutex_lock(&mu);
    CHECK(ok && strcmp(dlrs[0].id, mid) == 0 && strcmp(dlrs[0].stat, "DELIVRD") == 0,
          "auto receipt DELIVRD for %s: %s %s", mid, ndlrs > 0 ? dlrs[0].id : "",
          ndlrs > 0 ? dlrs[0].stat : "");
    pthread_mutex_unlock(&mu);
    WAIT_UNTIL(ok, smsc_stat("dlr_acked") == 1, 1000);
    CHECK(ok, "receipt acknowledged at once");

    /* Without TLVs: the text of Appendix B is parsed. */
    snprintf(body, sizeof(body), "{\"message_id\":\"%s\",\"stat\":\"UNDELIV\",\"no_tlv\":true}",
             mid);
    CHECK(http("POST", "/dlr", body, resp, sizeof(resp)) == 200, "POST /dlr");
    CHECK(json_bool(resp, "acked") == 1, "text receipt acked: %s", resp);
    WAIT_UNTIL(ok, ndlrs == 2, 1000);
    pthread_mutex_lock(&mu);
    CHECK(ok && strcmp(dlrs[1].id, mid) == 0 && strcmp(dlrs[1].stat, "UNDELIV") == 0,
          "text receipt UNDELIV");
    pthread_mutex_unlock(&mu);
    session_close(s);
}

static void test_drop_reconnect(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    char *resp = malloc(HTTP_MAX);
    uint64_t id = next_id++;
    bool ok = false;

    config_base(&cfg);
    s = session_open(&cfg, true);
    CHECK(http("POST", "/drop", "{}", NULL, 0) == 200, "drop");
    WAIT_UNTIL(ok, downs == 1 && ups == 2 && is_up, 3000);
    CHECK(ok, "down, then bound again (downs %d ups %d)", downs, ups);
    CHECK(smsc_stat("binds_ok") == 2, "second bind");
    mo_roundtrip("{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"after drop\"}", resp,
                 HTTP_MAX);

    /* An MT in flight when the connection drops is sent again on the next bind. */
    http("POST", "/reset", "{}", NULL, 0);
    smsc_mode("{\"submit_resp_delay_ms\":1500}");
    CHECK(submit(s, id, "+33612345678", "in flight") == 0, "submit");
    sleep_ms(200);
    smsc_mode("{\"submit_resp_delay_ms\":0}");
    http("POST", "/drop", "{}", NULL, 0);
    WAIT_UNTIL(ok, subs_for(id) == 1, 3000);
    CHECK(ok, "in-flight MT accepted after the reconnect");
    sleep_ms(1600); /* the first answer's timer fires into a closed connection */
    pthread_mutex_lock(&mu);
    CHECK(subs_for(id) == 1 && sub_find(id)->rc == 0, "reported exactly once");
    pthread_mutex_unlock(&mu);
    CHECK(smsc_stat("mt_received") == 2, "submitted twice (documented duplicate)");
    session_close(s);
    free(resp);
}

static void test_enquire_link(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    char resp[4096];
    bool ok = false;
    long n;

    config_base(&cfg);
    cfg.enquire_link_s = 1;
    cfg.response_timeout_s = 1;
    s = session_open(&cfg, true);
    CHECK(http("POST", "/enquire_link", "{}", resp, sizeof(resp)) == 200, "POST /enquire_link");
    CHECK(json_bool(resp, "acked") == 1, "the SMSC's enquire_link answered: %s", resp);
    sleep_ms(2600);
    n = smsc_stat("enquire_links");
    CHECK(n >= 2 && n <= 3, "ours every second: %ld in 2.6 s", n);
    /* A dead link: enquire_link unanswered for response_timeout_s. */
    smsc_mode("{\"ignore_enquire_link\":true}");
    WAIT_UNTIL(ok, downs == 1, 3500);
    CHECK(ok, "dropped when enquire_link goes unanswered");
    smsc_mode("{\"ignore_enquire_link\":false}");
    WAIT_UNTIL(ok, is_up, 3000);
    CHECK(ok, "bound again");
    session_close(s);
}

static void test_transmitter_receiver(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    char *resp = malloc(HTTP_MAX);
    const struct sub_rec *r;
    int i;

    config_base(&cfg);
    cfg.transceiver = false;
    snprintf(cfg.host, sizeof(cfg.host), "localhost"); /* a name: resolved by evdns */
    s = session_open(&cfg, true);
    http("GET", "/binds", NULL, resp, HTTP_MAX);
    CHECK(count_of(resp, "\"bind\":\"transmitter\"") == 1 &&
              count_of(resp, "\"bind\":\"receiver\"") == 1,
          "a transmitter and a receiver: %s", resp);
    i = mo_roundtrip("{\"from\":\"+33612345678\",\"to\":\"71004\",\"text\":\"on the receiver\"}",
                     resp, HTTP_MAX);
    pthread_mutex_lock(&mu);
    CHECK(i >= 0 && strcmp(mos[i].text, "on the receiver") == 0, "MO on the receiver");
    pthread_mutex_unlock(&mu);
    r = mt_roundtrip(s, next_id++, "+33612345678", "on the transmitter", resp, HTTP_MAX);
    CHECK(r != NULL && r->rc == 0, "MT on the transmitter");
    session_close(s);
    CHECK(smsc_stat("unbinds") == 2, "both unbound on stop");
    free(resp);
}

static void test_throughput(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    uint64_t first = next_id;
    int64_t t0 = clock_mono_us();
    int64_t last = 0;
    bool ok = false;

    config_base(&cfg);
    cfg.throughput_per_s = 4;
    s = session_open(&cfg, true);
    t0 = clock_mono_us();
    for (int i = 0; i < 8; i++) {
        CHECK(submit(s, next_id++, "+33612345678", "rate") == 0, "submit");
    }
    WAIT_UNTIL(ok, nsubs == 8, 4000);
    CHECK(ok, "8 accepted");
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nsubs; i++) {
        if (subs[i].id.lo >= first && subs[i].at_us > last) {
            last = subs[i].at_us;
        }
    }
    pthread_mutex_unlock(&mu);
    CHECK(last - t0 >= 900000, "8 at 4/s take a second: %lld ms", (long long)((last - t0) / 1000));
    CHECK(last - t0 < 2500000, "but not much more: %lld ms", (long long)((last - t0) / 1000));
    session_close(s);
}

static void test_bind_refused(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    bool ok = false;

    config_base(&cfg);
    snprintf(cfg.password, sizeof(cfg.password), "wrong");
    s = session_open(&cfg, false);
    WAIT_UNTIL(ok, smsc_stat("binds_failed") >= 2, 2000);
    CHECK(ok, "bind retried with backoff after a refusal");
    pthread_mutex_lock(&mu);
    CHECK(ups == 0, "never up");
    pthread_mutex_unlock(&mu);
    session_close(s);
}

/* Nothing listens: MTs queue up to queue_max, then -MDT_EFULL; stop ends at once. */
static void test_local_queue_full(void)
{
    struct smpp_config cfg;
    struct smpp_session *s;
    struct stats_args st;
    int rc = 0;
    int n = 0;

    config_base(&cfg);
    cfg.port = 1; /* refused */
    cfg.queue_max = 100;
    s = session_open(&cfg, false);
    CHECK(submit(s, next_id++, "", "bad") == MDT_E(INVAL), "empty destination refused");
    CHECK(submit(s, next_id++, "+123456789012345678901", "bad") == MDT_E(INVAL),
          "destination over 20 digits refused");
    while (rc == 0 && n < 200) {
        rc = submit(s, next_id++, "+33612345678", "queued");
        n += rc == 0;
    }
    CHECK(n == 100 && rc == MDT_E(FULL), "100 queued then -MDT_EFULL (%d, %d)", n, rc);
    st.s = s;
    on_loop(do_stats, &st);
    CHECK(st.st.mt_queued == 100, "stats: %u queued", st.st.mt_queued);
    session_close(s);
    pthread_mutex_lock(&mu);
    CHECK(nsubs == 0 && ups == 0, "nothing reported");
    pthread_mutex_unlock(&mu);
}

/* ------------------------------------------------------------------------------------------
 * A fake SMSC that sends garbage. */

static int read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);

        if (n <= 0) {
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* Read one PDU's header (and skip its body); -1 on EOF or timeout. */
static int read_pdu(int fd, uint32_t *id, uint32_t *status, uint32_t *seq)
{
    uint8_t head[16];
    uint8_t body[1024];
    uint32_t len;

    if (read_full(fd, head, 16) != 0) {
        return -1;
    }
    len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
    *id = (uint32_t)head[4] << 24 | (uint32_t)head[5] << 16 | (uint32_t)head[6] << 8 | head[7];
    *status =
        (uint32_t)head[8] << 24 | (uint32_t)head[9] << 16 | (uint32_t)head[10] << 8 | head[11];
    *seq = (uint32_t)head[12] << 24 | (uint32_t)head[13] << 16 | (uint32_t)head[14] << 8 | head[15];
    if (len < 16 || len - 16 > sizeof(body)) {
        return -1;
    }
    return read_full(fd, body, len - 16);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The next PDU that is not an enquire_link of the session's. */
static int read_answer(int fd, uint32_t *id, uint32_t *status, uint32_t *seq)
{
    int rc;

    do {
        rc = read_pdu(fd, id, status, seq);
    } while (rc == 0 && *id == SMPP_CMD_enquire_link);
    return rc;
}

/* Listen on a free port, start a session on it, accept it and answer its bind. Returns the
 * connection, with lfd the listener. */
static int fake_smsc_bind(int *lfd, struct smpp_session **s)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof(a);
    struct timeval tv = {.tv_sec = 3, .tv_usec = 0};
    struct smpp_config cfg;
    struct smpp_pdu pdu;
    uint8_t buf[256];
    size_t len = 0;
    uint32_t id = 0, status = 0, seq = 0;
    int fd;
    bool ok = false;

    *lfd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(*lfd, (struct sockaddr *)&a, sizeof(a));
    listen(*lfd, 4);
    getsockname(*lfd, (struct sockaddr *)&a, &alen);
    config_base(&cfg);
    cfg.port = ntohs(a.sin_port);
    *s = session_open(&cfg, false);
    fd = accept(*lfd, NULL, NULL);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    CHECK(read_pdu(fd, &id, &status, &seq) == 0 && id == SMPP_CMD_bind_transceiver,
          "bind_transceiver received");
    memset(&pdu, 0, sizeof(pdu));
    pdu.command_id = SMPP_CMD_bind_transceiver_resp;
    pdu.sequence_number = seq;
    snprintf(pdu.body.bind_transceiver_resp.system_id, 16, "FAKE");
    smpp_pdu_encode(&pdu, buf, sizeof(buf), &len, NULL);
    CHECK(write(fd, buf, len) == (ssize_t)len, "bind_transceiver_resp sent");
    WAIT_UNTIL(ok, is_up, 2000);
    CHECK(ok, "bound to the fake SMSC");
    return fd;
}

static void test_garbage(void)
{
    struct smpp_session *s = NULL;
    uint8_t buf[256];
    size_t len;
    uint32_t id = 0, status = 0, seq = 0;
    int lfd = -1;
    int fd = fake_smsc_bind(&lfd, &s);
    bool ok = false;

    /* An unknown command: generic_nack ESME_RINVCMDID with its sequence number. */
    put32(buf, 16);
    put32(buf + 4, 0x00000099);
    put32(buf + 8, 0);
    put32(buf + 12, 77);
    CHECK(write(fd, buf, 16) == 16, "unknown command sent");
    CHECK(read_answer(fd, &id, &status, &seq) == 0 && id == SMPP_CMD_generic_nack &&
              status == ESME_RINVCMDID && seq == 77,
          "generic_nack RINVCMDID seq 77: id 0x%x status 0x%x seq %u", id, status, seq);

    /* A deliver_sm whose sm_length runs past the PDU: deliver_sm_resp with the decoder's
     * status, and the session stays up. */
    memset(buf, 0, 64);
    put32(buf + 4, SMPP_CMD_deliver_sm);
    put32(buf + 12, 78);
    len = 16 + 17;      /* 5 empty strings and 12 zero integers, sm_length last */
    buf[len - 1] = 200; /* sm_length with nothing after it */
    put32(buf, (uint32_t)len);
    CHECK(write(fd, buf, len) == (ssize_t)len, "bad deliver_sm sent");
    CHECK(read_answer(fd, &id, &status, &seq) == 0 && id == SMPP_CMD_deliver_sm_resp &&
              status == ESME_RINVMSGLEN && seq == 78,
          "deliver_sm_resp with an error: id 0x%x status 0x%x seq %u", id, status, seq);

    /* A command_length that cannot be framed: generic_nack ESME_RINVCMDLEN, then close. */
    put32(buf, 5);
    put32(buf + 4, SMPP_CMD_deliver_sm);
    put32(buf + 8, 0);
    put32(buf + 12, 79);
    CHECK(write(fd, buf, 16) == 16, "unframeable PDU sent");
    CHECK(read_answer(fd, &id, &status, &seq) == 0 && id == SMPP_CMD_generic_nack &&
              status == ESME_RINVCMDLEN,
          "generic_nack RINVCMDLEN: id 0x%x status 0x%x", id, status);
    CHECK(read(fd, buf, sizeof(buf)) == 0, "connection closed after it");
    WAIT_UNTIL(ok, downs == 1, 2000);
    CHECK(ok, "session reported down");
    close(fd);
    close(lfd); /* the reconnects now fail; stop must still end */
    session_close(s);
}

/* ------------------------------------------------------------------------------------------
 * Simulator, driver, main. */

static int smsc_start(void)
{
    char ready[128];
    char script[512];
    char line[512] = "";
    int64_t end;
    FILE *f;

    snprintf(ready, sizeof(ready), "/tmp/mandat-smsc-%d.ready", (int)getpid());
    snprintf(script, sizeof(script), "%s/tests/smsc/smsc.js", MDT_SOURCE_DIR);
    unlink(ready);
    smsc_pid = fork();
    if (smsc_pid == 0) {
        int dn = open("/dev/null", O_WRONLY);

        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a test that crashed */

        dup2(dn, 1);
        if (getenv("SMPP_TEST_VERBOSE") == NULL) {
            dup2(dn, 2);
        }
        execlp("node", "node", script, "--port", "0", "--control-port", "0", "--ready-file", ready,
               getenv("SMPP_TEST_VERBOSE") != NULL ? "--verbose" : (char *)NULL, (char *)NULL);
        _exit(127);
    }
    end = now_ms() + 10000;
    while (now_ms() < end && line[0] == '\0') {
        int wst;

        if (waitpid(smsc_pid, &wst, WNOHANG) == smsc_pid) {
            smsc_pid = -1;
            return WIFEXITED(wst) && WEXITSTATUS(wst) == 127 ? SKIP_CODE : -1;
        }
        f = fopen(ready, "r");
        if (f != NULL) {
            if (fgets(line, sizeof(line), f) == NULL || strchr(line, '\n') == NULL) {
                line[0] = '\0';
            }
            fclose(f);
        }
        sleep_ms(20);
    }
    unlink(ready);
    smpp_port = (int)json_int(line, "smpp_port", 0);
    ctl_port = (int)json_int(line, "control_port", 0);
    return smpp_port > 0 && ctl_port > 0 ? 0 : -1;
}

static void smsc_stop(void)
{
    int64_t end = now_ms() + 2000;
    int wst;

    if (smsc_pid <= 0) {
        return;
    }
    kill(smsc_pid, SIGTERM);
    while (now_ms() < end) {
        if (waitpid(smsc_pid, &wst, WNOHANG) == smsc_pid) {
            smsc_pid = -1;
            return;
        }
        sleep_ms(20);
    }
    kill(smsc_pid, SIGKILL);
    waitpid(smsc_pid, &wst, 0);
    smsc_pid = -1;
}

static void on_alarm(int sig)
{
    static const char msg[] = "test_smpp: timed out\n0 passed, 1 failed\n";

    (void)sig;
    if (smsc_pid > 0) {
        kill(smsc_pid, SIGKILL);
    }
    (void)!write(2, msg, sizeof(msg) - 1);
    _exit(1);
}

struct test {
    const char *name;
    void (*fn)(void);
};

static const struct test tests[] = {
    {"bind transceiver, unbind on stop", test_bind_transceiver},
    {"MO codings and concatenation", test_mo_codings},
    {"MO character split across parts", test_mo_straddle},
    {"MO answered only after smpp_mo_ack", test_mo_deferred_ack},
    {"MO acknowledged after a drop", test_mo_ack_after_drop},
    {"MO acknowledgements in doubt", test_mo_in_doubt},
    {"MO incomplete or undecodable", test_mo_incomplete_and_undecodable},
    {"MT short, long GSM, long UCS-2", test_mt},
    {"MT window", test_window},
    {"MT throttled and queue full", test_throttle_and_queue_full},
    {"MT refused, MT unanswered", test_reject_and_timeout},
    {"delivery receipts", test_receipts},
    {"SMSC drop and reconnect", test_drop_reconnect},
    {"enquire_link both ways", test_enquire_link},
    {"transmitter + receiver", test_transmitter_receiver},
    {"throughput cap", test_throughput},
    {"bind refused", test_bind_refused},
    {"local queue bound", test_local_queue_full},
    {"garbage from the SMSC", test_garbage},
};

static void *driver(void *arg)
{
    const char *only = getenv("SMPP_TEST_ONLY");

    (void)arg;
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        int64_t t0 = now_ms();

        if (only != NULL && strstr(tests[i].name, only) == NULL) {
            continue;
        }
        reset_all();
        checks_failed_here = 0;
        tests[i].fn();
        printf("%s - %s (%lld ms)\n", checks_failed_here == 0 ? "ok" : "FAIL", tests[i].name,
               (long long)(now_ms() - t0));
        fflush(stdout);
        if (checks_failed_here == 0) {
            tests_passed++;
        } else {
            tests_failed++;
        }
    }
    on_loop(do_break, NULL);
    return NULL;
}

int main(void)
{
    pthread_t th;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm(TEST_TIMEOUT_S);
    log_level_set(getenv("SMPP_TEST_VERBOSE") != NULL ? 3 : 0);
    rc = smsc_start();
    if (rc == SKIP_CODE) {
        printf("skipped: node is not installed\n");
        return SKIP_CODE;
    }
    if (rc != 0) {
        printf("the SMSC simulator did not start\n0 passed, 1 failed\n");
        smsc_stop();
        return 1;
    }
    evthread_use_pthreads();
    base = event_base_new();
    pthread_create(&th, NULL, driver, NULL);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    pthread_join(th, NULL);
    event_base_free(base);
    smsc_stop();
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed == 0 ? 0 : 1;
}
