/* SPDX-License-Identifier: Apache-2.0 */
/* bench/sms: bounded buffers on non-blocking sockets and SMPP framing over them, shared by the
 * load generator and its trivial peers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "channel/smpp/gsm.h"
#include "sms.h"

/* Kernel socket buffers: 4 MiB each way keeps a 1000-MO window of PDUs (a few hundred KB) from
 * ever blocking on the kernel. */
#define SMS_SOCKET_BUF (4 << 20)

/* Reads per sms_fd_read call: bounds the time one socket holds the loop. */
#define SMS_READS_MAX 64

int sms_buf_init(struct sms_buf *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    if (cap == 0 || cap > SMS_BUF_MAX) {
        return -1;
    }
    b->data = malloc(cap);
    if (b->data == NULL) {
        return -1;
    }
    b->cap = cap;
    return 0;
}

void sms_buf_release(struct sms_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* Move the pending octets to the front when that makes room for need more. */
static int buf_room(struct sms_buf *b, size_t need)
{
    if (b->cap - b->len >= need) {
        return 0;
    }
    if (b->off > 0) {
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    return b->cap - b->len >= need ? 0 : -1;
}

long sms_fd_read(int fd, struct sms_buf *b)
{
    long got = 0;

    for (int i = 0; i < SMS_READS_MAX; i++) {
        ssize_t n;

        if (buf_room(b, 65536) < 0) {
            break; /* full: the caller drains it first */
        }
        n = read(fd, b->data + b->len, b->cap - b->len);
        if (n > 0) {
            b->len += (size_t)n;
            got += n;
        } else if (n == 0) {
            return -1;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else if (errno != EINTR) {
            return -1;
        }
    }
    return got;
}

int sms_fd_write(int fd, struct sms_buf *b)
{
    while (b->off < b->len) {
        ssize_t n = write(fd, b->data + b->off, b->len - b->off);

        if (n > 0) {
            b->off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return -1;
        }
    }
    b->off = 0;
    b->len = 0;
    return 0;
}

int sms_pdu_take(struct sms_buf *in, struct smpp_pdu *pdu)
{
    uint32_t len = 0;
    const uint8_t *p = in->data + in->off;

    if (smpp_pdu_frame_length(p, sms_buf_pending(in), &len, NULL) < 0) {
        return -1;
    }
    if (len == 0 || sms_buf_pending(in) < len) {
        return 0;
    }
    in->off += len;
    if (smpp_pdu_decode(p, len, pdu, NULL) < 0) {
        return -2;
    }
    return 1;
}

int sms_pdu_put(struct sms_buf *out, const struct smpp_pdu *pdu)
{
    size_t len = 0;

    if (buf_room(out, 1024) < 0) {
        return -1;
    }
    if (smpp_pdu_encode(pdu, out->data + out->len, out->cap - out->len, &len, NULL) < 0) {
        return -1;
    }
    out->len += len;
    return 0;
}

int sms_pdu_respond(struct sms_buf *out, uint32_t command_id, uint32_t seq, uint32_t status)
{
    static struct smpp_pdu pdu; /* the body is empty strings: zeroes */

    pdu.command_id = command_id;
    pdu.sequence_number = seq;
    pdu.command_status = status;
    pdu.body_absent = status != ESME_ROK && command_id != SMPP_CMD_generic_nack &&
                      command_id != SMPP_CMD_unbind_resp &&
                      command_id != SMPP_CMD_enquire_link_resp;
    return sms_pdu_put(out, &pdu);
}

int sms_pdu_text(const struct smpp_pdu *pdu, char *utf8, size_t cap, bool *first)
{
    const struct smpp_submit_sm *s = &pdu->body.submit_sm; /* deliver_sm has the same layout */
    const uint8_t *data = s->short_message;
    size_t len = s->sm_length, out_len = 0;
    struct sms_udh udh;

    _Static_assert(sizeof(struct smpp_submit_sm) == sizeof(struct smpp_deliver_sm), "layouts");
    if (len == 0 && (pdu->tlv.present & SMPP_TLV_message_payload) != 0) {
        data = pdu->tlv.message_payload;
        len = pdu->tlv.message_payload_len;
    }
    if (sms_decode(s->data_coding, data, len, (s->esm_class & SMPP_ESM_UDHI) != 0, utf8, cap,
                   &out_len, &udh, NULL) < 0) {
        return -1;
    }
    *first = !udh.concat || udh.seq <= 1;
    return 0;
}

int64_t sms_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sms_socket_tune(int fd)
{
    int one = 1, size = SMS_SOCKET_BUF;

    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int sms_listen(uint16_t port, uint16_t *port_out)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    socklen_t alen = sizeof(a);
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        close(fd);
        return -1;
    }
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    *port_out = ntohs(a.sin_port);
    return fd;
}

int sms_connect(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    sms_socket_tune(fd);
    return fd;
}
