/* SPDX-License-Identifier: Apache-2.0 */
/* bench/sms: what the load generator (sms.c) and its peers (sms_peer.c: a trivial ESME and a
 * trivial HTTP application for Kannel) share: bounded byte buffers on non-blocking sockets, SMPP
 * framing on top of them, the campaign's numbers and texts. */
#ifndef MDT_BENCH_SMS_H
#define MDT_BENCH_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/smpp/smpp_pdu.h"

/* Octets buffered per direction and connection. At 20k MO/s both ways a PDU is ~100 octets, so
 * 8 MiB is several hundred milliseconds of traffic: a peer that stops reading for longer is
 * broken, and the buffer refuses to grow (sms_buf_put returns -1) rather than eat memory. */
#define SMS_BUF_MAX (8u << 20)

/* The campaign: number i is +336 1xxxxxxx (a French mobile), text DON 5 TELETHON, then the code.
 * 1 000 000 numbers at most: a sequence number is 2 * i + step + 1 < 2^31 (SMPP 3.4 §3.2). */
#define SMS_NUMBER_BASE UINT64_C(33610000000)
#define SMS_NUMBERS_MAX 1000000u
#define SMS_SHORT_CODE "71004"
#define SMS_KEYWORD "TELETHON"
#define SMS_DONATE_TEXT "DON 5 " SMS_KEYWORD
#define SMS_CODE "483920"
#define SMS_AMOUNT_MINOR 500
/* What each reply must start with (mandat's TEXT_CONFIRM_DONATE and TEXT_DONATED in French). */
#define SMS_REPLY_CONFIRM "Donner 5,00 € à "
#define SMS_REPLY_DONE "Merci ! Don de 5,00 € à "

/* The card campaign (bench/cards.sh, smsc --card): number i reloads the prepaid card it linked
 * as MAMAN (bench_sms setup --cards) with 60 EUR, the reload fee (6 EUR, [fee.card_reload]) on
 * top, then confirms with the same code. The replies start with mandat's
 * TEXT_CARD_CONFIRM_RELOAD and TEXT_CARD_RELOADED in French. */
#define SMS_CARD_ALIAS "MAMAN"
#define SMS_RELOAD_TEXT "RECHARGE " SMS_CARD_ALIAS " 60"
#define SMS_RELOAD_AMOUNT_MINOR 6000
#define SMS_REPLY_RELOAD_CONFIRM "Recharger ****"
#define SMS_REPLY_RELOADED "Recharge de 60,00 € sur ****"

/* A bounded FIFO of octets: data[off..len) is pending. */
struct sms_buf {
    uint8_t *data;
    size_t off, len, cap;
};

/* Allocate cap octets (at most SMS_BUF_MAX). Returns 0 or -1. Release with sms_buf_release. */
int sms_buf_init(struct sms_buf *b, size_t cap);
void sms_buf_release(struct sms_buf *b);
static inline size_t sms_buf_pending(const struct sms_buf *b)
{
    return b->len - b->off;
}

/* Read what fd has into b. Returns the octets read (0: nothing now), or -1 on EOF or error.
 * Reads at most 64 times, so that one busy socket cannot starve the loop. */
long sms_fd_read(int fd, struct sms_buf *b);

/* Write as much of b as fd takes. Returns 0, or -1 when the connection is gone. */
int sms_fd_write(int fd, struct sms_buf *b);

/* Take the next complete PDU from in and decode it into *pdu (whose borrowed TLVs point into
 * in's storage until the next call). Returns 1 with a PDU, 0 when none is complete yet, -1 when
 * the stream cannot be framed, or -2 when the PDU did not decode (pdu has the header fields and
 * reject_status, as smpp_pdu_decode documents). */
int sms_pdu_take(struct sms_buf *in, struct smpp_pdu *pdu);

/* Encode pdu at the end of out. Returns 0 or -1 (encoding error or out full). */
int sms_pdu_put(struct sms_buf *out, const struct smpp_pdu *pdu);

/* A response without a body beyond an empty message_id or system_id. */
int sms_pdu_respond(struct sms_buf *out, uint32_t command_id, uint32_t seq, uint32_t status);

/* UTF-8 text of a submit_sm or deliver_sm (short_message or message_payload, after any UDH).
 * *first is false for a part other than the first of a concatenated message. Returns 0 or -1. */
int sms_pdu_text(const struct smpp_pdu *pdu, char *utf8, size_t cap, bool *first);

/* Monotonic microseconds. */
int64_t sms_now_us(void);

/* A non-blocking TCP listener on 127.0.0.1:port (0: any; *port_out gets the port), or a
 * blocking connect made non-blocking once connected. Return the fd or -1 (errno says why). */
int sms_listen(uint16_t port, uint16_t *port_out);
int sms_connect(uint16_t port);

/* Make fd non-blocking, TCP_NODELAY, with big kernel buffers. */
void sms_socket_tune(int fd);

struct engine;
struct ledger_op;
struct ledger_result;
struct store_extra;
struct vault;

/* Execute n ops (n <= ENGINE_SUBMIT_MAX) with nrows channel rows in one durable commit; exits
 * the process (status 2) unless every op is accepted: setup has no use for a partial store. */
void sms_setup_exec(struct engine *e, const struct ledger_op *ops, size_t n,
                    struct store_extra *rows, size_t nrows, struct ledger_result *res);

/* bench_sms setup --cards (sms_card.c): issue one active card to each of the numbers
 * customers [0, numbers), its PAN sealed by the card vault at ring (created if missing), its
 * ledger account of kind card, linked by its number under SMS_CARD_ALIAS, in bulk commits.
 * Prints the store-level issuing rate (and a line "ISSUE store cards=N secs=S"). Exits on
 * error, like the rest of setup. */
void sms_setup_cards(struct engine *e, const struct vault *v, const char *ring, uint32_t numbers);

/* Subcommands in sms_peer.c: the trivial ESME (the generator alone against a peer that does no
 * work) and the trivial HTTP application behind Kannel's smsbox. */
int sms_esme_main(int argc, char **argv);
int sms_app_main(int argc, char **argv);

#endif
