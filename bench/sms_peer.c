/* SPDX-License-Identifier: Apache-2.0 */
/* bench/sms peers that do no work of their own: `esme`, an ESME that answers every MO at once
 * with mandat's reply texts (the load generator alone, to show it is not the bottleneck), and
 * `app`, the HTTP application behind Kannel's smsbox get-url that answers each request with the
 * same texts. Both single-threaded, poll-driven, bounded in time. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel/smpp/gsm.h"
#include "sms.h"

/* The replies, as mandat words them (dialog_text.h TEXT_CONFIRM_DONATE, TEXT_DONATED). */
#define PEER_CONFIRM SMS_REPLY_CONFIRM "Téléthon ? Répondez avec votre code sous 5 min. Ref K7Q2"
#define PEER_DONE SMS_REPLY_DONE "Téléthon effectué. Nouveau solde : 95,00 €."

/* HTTP connections from smsbox at once: it keeps at most max-pending-requests (512 by default)
 * in flight. Requests are a URL and a few headers; 16 KiB each way is plenty. */
#define APP_CONNS_MAX 1024
#define APP_BUF 16384

static double peer_seconds_max(int argc, char **argv, uint16_t *port)
{
    static const struct option lo[] = {{"port", required_argument, NULL, 'p'},
                                       {"seconds-max", required_argument, NULL, 's'},
                                       {NULL, 0, NULL, 0}};
    double secs = 600;
    int c;

    *port = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'p') {
            *port = (uint16_t)strtoul(optarg, NULL, 10);
        } else if (c == 's') {
            secs = strtod(optarg, NULL);
        } else {
            return -1;
        }
    }
    return secs > 0 && secs <= 3600 ? secs : -1;
}

/* ---- esme ---- */

struct esme {
    int fd;
    bool bound, unbound;
    struct sms_buf in, out;
    struct smpp_pdu pdu, confirm, done;
    uint64_t mos;
};

/* A submit_sm from the short code carrying text (one GSM part). */
static int esme_reply_template(struct smpp_pdu *p, const char *text)
{
    struct sms_plan plan;
    size_t len = 0;
    bool udhi = false;
    struct smpp_submit_sm *s = &p->body.submit_sm;

    memset(p, 0, sizeof(*p));
    p->command_id = SMPP_CMD_submit_sm;
    s->source_addr_ton = 3;
    snprintf(s->source_addr, sizeof(s->source_addr), "%s", SMS_SHORT_CODE);
    s->dest_addr_ton = 1;
    s->dest_addr_npi = 1;
    if (sms_plan(text, strlen(text), &plan) < 0 || plan.parts != 1 ||
        sms_part(&plan, text, strlen(text), 0, 0, s->short_message, sizeof(s->short_message), &len,
                 &s->data_coding, &udhi) < 0) {
        return -1;
    }
    s->sm_length = (uint8_t)len;
    return 0;
}

static void esme_on_deliver(struct esme *e, const struct smpp_pdu *p)
{
    char text[1024];
    bool first = true;
    struct smpp_pdu *r;

    (void)sms_pdu_respond(&e->out, SMPP_CMD_deliver_sm_resp, p->sequence_number, ESME_ROK);
    if (sms_pdu_text(p, text, sizeof(text), &first) < 0) {
        return;
    }
    r = strncmp(text, "DON", 3) == 0 ? &e->confirm : &e->done;
    r->sequence_number = (uint32_t)(++e->mos % 0x7FFFFFFF) + 1;
    snprintf(r->body.submit_sm.destination_addr, sizeof(r->body.submit_sm.destination_addr), "%s",
             p->body.deliver_sm.source_addr);
    (void)sms_pdu_put(&e->out, r);
}

static void esme_on_pdu(struct esme *e, const struct smpp_pdu *p)
{
    switch (p->command_id) {
    case SMPP_CMD_bind_transceiver_resp:
        e->bound = p->command_status == ESME_ROK;
        break;
    case SMPP_CMD_deliver_sm:
        esme_on_deliver(e, p);
        break;
    case SMPP_CMD_enquire_link:
        (void)sms_pdu_respond(&e->out, SMPP_CMD_enquire_link_resp, p->sequence_number, 0);
        break;
    case SMPP_CMD_unbind:
        (void)sms_pdu_respond(&e->out, SMPP_CMD_unbind_resp, p->sequence_number, 0);
        e->unbound = true;
        break;
    default:
        break; /* submit_sm_resp and the rest: nothing to do */
    }
}

static int esme_bind(struct esme *e)
{
    struct smpp_pdu *b = &e->pdu;

    memset(b, 0, sizeof(*b));
    b->command_id = SMPP_CMD_bind_transceiver;
    b->sequence_number = 0x7FFFFFFF;
    snprintf(b->body.bind_transceiver.system_id, sizeof(b->body.bind_transceiver.system_id),
             "trivial");
    b->body.bind_transceiver.interface_version = SMPP_INTERFACE_VERSION;
    return sms_pdu_put(&e->out, b);
}

/* Read, answer, write until unbound, disconnected or the deadline. */
static void esme_loop(struct esme *e, int64_t deadline)
{
    while (sms_now_us() < deadline && !(e->unbound && sms_buf_pending(&e->out) == 0)) {
        struct pollfd pf = {.fd = e->fd, .events = POLLIN};
        int rc;

        if (sms_buf_pending(&e->out) > 0) {
            pf.events |= POLLOUT;
        }
        if (poll(&pf, 1, 100) < 0 && errno != EINTR) {
            return;
        }
        if (sms_fd_read(e->fd, &e->in) < 0) {
            return;
        }
        while ((rc = sms_pdu_take(&e->in, &e->pdu)) == 1) {
            esme_on_pdu(e, &e->pdu);
        }
        if (rc == -1 || sms_fd_write(e->fd, &e->out) < 0) {
            return;
        }
    }
}

int sms_esme_main(int argc, char **argv)
{
    uint16_t port;
    double secs = peer_seconds_max(argc, argv, &port);
    struct esme *e = calloc(1, sizeof(*e));
    int rc = 2;

    if (secs < 0 || port == 0 || e == NULL) {
        fprintf(stderr, "usage: bench_sms esme --port P [--seconds-max S]\n");
        goto out;
    }
    e->fd = -1;
    if (sms_buf_init(&e->in, SMS_BUF_MAX) < 0 || sms_buf_init(&e->out, SMS_BUF_MAX) < 0 ||
        esme_reply_template(&e->confirm, PEER_CONFIRM) < 0 ||
        esme_reply_template(&e->done, PEER_DONE) < 0) {
        goto out;
    }
    e->fd = sms_connect(port);
    if (e->fd < 0 || esme_bind(e) < 0) {
        perror("bench_sms esme: connect");
        goto out;
    }
    esme_loop(e, sms_now_us() + (int64_t)(secs * 1e6));
    fprintf(stderr, "bench_sms esme: %llu MOs answered\n", (unsigned long long)e->mos);
    rc = 0;
out:
    if (e != NULL) {
        if (e->fd >= 0) {
            close(e->fd);
        }
        sms_buf_release(&e->in);
        sms_buf_release(&e->out);
        free(e);
    }
    return rc;
}

/* ---- app: the HTTP application behind Kannel ---- */

struct app_conn {
    int fd;
    size_t in_len, out_off, out_len;
    char in[APP_BUF], out[APP_BUF];
};

/* Whether the query's text= value starts with DON (Kannel's %a: URL-encoded, '+' for spaces). */
static bool app_is_donation(const char *req)
{
    const char *t = strstr(req, "text=");

    return t != NULL && (strncmp(t + 5, "DON", 3) == 0 || strncmp(t + 5, "don", 3) == 0);
}

/* Answer every complete request in c->in (pipelining allowed). Returns -1 to close. */
static int app_answer(struct app_conn *c)
{
    char *end;

    while ((end = memmem(c->in, c->in_len, "\r\n\r\n", 4)) != NULL) {
        size_t req_len = (size_t)(end - c->in) + 4;
        const char *body;
        bool close_after;
        int n;

        *end = '\0';
        body = app_is_donation(c->in) ? PEER_CONFIRM : PEER_DONE;
        close_after = strstr(c->in, "HTTP/1.0") != NULL
                          ? strcasestr(c->in, "keep-alive") == NULL
                          : strcasestr(c->in, "connection: close") != NULL;
        n = snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n%s\r\n%s",
                     strlen(body), close_after ? "Connection: close\r\n" : "", body);
        if (n < 0 || (size_t)n >= sizeof(c->out) - c->out_len) {
            return -1;
        }
        c->out_len += (size_t)n;
        memmove(c->in, c->in + req_len, c->in_len - req_len);
        c->in_len -= req_len;
        if (close_after) {
            return 1;
        }
    }
    return c->in_len >= sizeof(c->in) - 1 ? -1 : 0;
}

/* Read, answer, write. Returns -1 when the connection should close. */
static int app_io(struct app_conn *c)
{
    ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
    int rc = 0;

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        return -1;
    }
    if (n > 0) {
        c->in_len += (size_t)n;
        rc = app_answer(c);
    }
    while (c->out_off < c->out_len) {
        n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n <= 0) {
            break; /* the rest goes at the next round */
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        if (rc == 1) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

static void app_accept(int lfd, struct app_conn **conns, size_t *n)
{
    for (int i = 0; i < 64; i++) {
        int fd = accept(lfd, NULL, NULL);

        if (fd < 0) {
            return;
        }
        if (*n >= APP_CONNS_MAX || (conns[*n] = calloc(1, sizeof(**conns))) == NULL) {
            close(fd);
            continue;
        }
        sms_socket_tune(fd);
        conns[*n]->fd = fd;
        (*n)++;
    }
}

int sms_app_main(int argc, char **argv)
{
    uint16_t port, bound = 0;
    double secs = peer_seconds_max(argc, argv, &port);
    static struct app_conn *conns[APP_CONNS_MAX];
    static struct pollfd pf[APP_CONNS_MAX + 1];
    size_t n = 0;
    int64_t deadline = sms_now_us() + (int64_t)(secs * 1e6);
    int lfd = secs < 0 || port == 0 ? -1 : sms_listen(port, &bound);

    if (lfd < 0) {
        fprintf(stderr, "usage: bench_sms app --port P [--seconds-max S] (listen failed?)\n");
        return 2;
    }
    while (sms_now_us() < deadline) {
        pf[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (size_t i = 0; i < n; i++) {
            pf[i + 1] = (struct pollfd){.fd = conns[i]->fd, .events = POLLIN};
            if (conns[i]->out_len > conns[i]->out_off) {
                pf[i + 1].events |= POLLOUT;
            }
        }
        if (poll(pf, n + 1, 100) < 0 && errno != EINTR) {
            break;
        }
        for (size_t i = n; i > 0; i--) {
            if (pf[i].revents != 0 && app_io(conns[i - 1]) < 0) {
                close(conns[i - 1]->fd);
                free(conns[i - 1]);
                conns[i - 1] = conns[--n];
            }
        }
        if ((pf[0].revents & POLLIN) != 0) {
            app_accept(lfd, conns, &n);
        }
    }
    return 0;
}
