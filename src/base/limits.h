/* SPDX-License-Identifier: Apache-2.0 */
/* Every bound of mandat in one place, each with the reason for its number (SQLite's
 * sqliteLimit.h, TigerBeetle's "a limit on everything"). */
#ifndef MDT_BASE_LIMITS_H
#define MDT_BASE_LIMITS_H

/* Operations the engine commits in one store transaction. TigerBeetle's 8190 per request: large
 * enough that one fsync is shared by thousands, small enough that a batch (about 2 MB of rows)
 * is written in a few milliseconds. The config may lower it. */
#define ENGINE_BATCH_MAX 8190

/* Queued operations before submitters get -MDT_EFULL (and channels push back with
 * ESME_RTHROTTLED or HTTP 503). 64 Ki ops is 8 batches: past that, latency would exceed any
 * channel timeout anyway, so refusing early is kinder than queueing. */
#define ENGINE_QUEUE_MAX 65536

/* Operations one submission may carry (a linked chain lives in one submission). */
#define ENGINE_SUBMIT_MAX 8190

/* Pending transfers expired per batch, so that a mass expiry never stalls new payments. */
#define ENGINE_EXPIRE_MAX 4096

/* Transfers and rejections kept in the in-memory id index: 2^31 records of about 100 bytes is
 * 200 GB, far beyond one machine; the index uses 32-bit slots and refuses past this. */
#define LEDGER_RECORDS_MAX 2147483647u

/* Accounts: ids are dense from 1; 2^31 accounts of 128 bytes would be 256 GB of view. */
#define LEDGER_ACCOUNTS_MAX 2147483647u

/* Currencies with system accounts in one ledger: ISO 4217 has about 180. */
#define LEDGER_CURRENCIES_MAX 256

/* Journal entry detail text (a short human summary of the batch). */
#define JOURNAL_DETAIL_MAX 256

/* SMSC links in mandat.conf: [smpp] and up to 7 [smpp.<name>]. Operators interconnect through a
 * few SMSCs, one per network or aggregator; the config holds every link inline (about 700 bytes
 * each), so this is a fixed cost of every config. */
#define CONFIG_SMPP_LINKS_MAX 8

/* Parallel binds to one SMSC (`binds`): operators grant a handful per system_id. With all links
 * at it, 128 sessions: 128 sockets and, over TLS, about 6 MB of buffers. */
#define CONFIG_SMPP_BINDS_MAX 16

/* Webhook events held in memory by the sender at once (due, in flight, or having their new state
 * saved). An event and its host name are 2.7 KB, so 1024 is under 3 MB; at 16 in flight and a 10 s
 * timeout that is still over ten minutes of sending when every merchant is down. Past it rows
 * stay in the store, which the once-a-second poll reads again: nothing is lost, only later. */
#define WEBHOOK_QUEUE_MAX 1024

/* Webhook requests in flight at once, the most [webhook] concurrency may ask: each is a socket
 * and, over TLS, about 50 KB of buffers, so 256 is 13 MB and well below any file limit. */
#define WEBHOOK_CONCURRENCY_MAX 256

/* Fair memory for the webhook sender: once fewer than WEBHOOK_QUEUE_RESERVE entries are free,
 * a merchant that already holds WEBHOOK_MERCHANT_HELD_MIN events gets no more (they stay in the
 * store for the next poll). So one merchant whose endpoint hangs, with a backlog of thousands,
 * fills three quarters of the table at most, and the last quarter still takes 8 other merchants'
 * 32 events each; 32 is two seconds of sending at [webhook] merchant_concurrency 4 and 250 ms a
 * try, before the next poll refills. */
#define WEBHOOK_QUEUE_RESERVE (WEBHOOK_QUEUE_MAX / 4)
#define WEBHOOK_MERCHANT_HELD_MIN 32

/* Offers the webhook sender turns down for their merchant's share, at most, in half a second
 * (one poll of the store reads its due rows in one go, polls are a second apart); past it the
 * poll is told the sender is full and stops reading. A due row is about 2.5 KB: 4096 of them is
 * 10 MB of reading, some milliseconds of the loop, where a stalled merchant's backlog of 100 000
 * due rows would cost a quarter of every second. Other merchants' new events are offered when
 * they commit, not by the poll, so they still come in; only their retries may wait behind that
 * many of a stalled merchant's older rows. */
#define WEBHOOK_SKIPS_MAX 4096
#define WEBHOOK_SKIPS_WINDOW_US 500000

/* Bytes of a merchant's response body read at most: it is ignored (the status line decides).
 * Larger responses end the connection; their headers are bounded by HTTP_CLIENT_HEADERS_MAX. */
#define WEBHOOK_RESPONSE_BODY_MAX 65536

/* Longest wait between two tries of an event, whatever its attempts so far: a merchant back
 * after an outage gets its events within the hour. */
#define WEBHOOK_BACKOFF_MAX_S 3600

/* Outgoing HTTP requests (channel/http/http_client.h). */

/* Requests one client has in flight at once: each is a socket and, over TLS, about 50 KB of
 * buffers, so 1024 is about 50 MB and below the usual file limit; above WEBHOOK_CONCURRENCY_MAX,
 * so that the webhook sender never meets it. Past it a request is refused (-MDT_EFULL). */
#define HTTP_CLIENT_IN_FLIGHT_MAX 1024

/* A response body read at most when the caller does not say (body_max 0): the JSON of an API
 * answer (a Mastodon timeline page of 40 statuses is about 200 KB) with room to spare. */
#define HTTP_CLIENT_BODY_MAX_DEFAULT (1024 * 1024)

/* The most body_max may ask: a body is held whole in memory until done returns, and a thousand
 * requests in flight must not be able to take gigabytes. */
#define HTTP_CLIENT_BODY_MAX_LIMIT (16 * 1024 * 1024)

/* Response headers read at most: what any server or proxy sends, with cookies. */
#define HTTP_CLIENT_HEADERS_MAX 16384

/* Longest timeout_s: a request that takes longer than five minutes is broken, not slow. */
#define HTTP_CLIENT_TIMEOUT_MAX_S 300

/* Headers a caller may pass with a request: the few an API needs (authorization, content type,
 * signatures, idempotency keys). */
#define HTTP_CLIENT_HEADERS_COUNT_MAX 32

/* Issue 12, replies. An SMS order identical to one confirmed this recently (same payee, same
 * amount) is questioned, not held: people send again when a receipt is slow, and phones and
 * SMSCs resend; ten minutes covers both, and a real second payment costs one word (ENCORE). A
 * bare code this soon after a confirmation, with no order waiting, is the same code again and
 * gets no second answer. */
#define DIALOG_REPEAT_WINDOW_S 600
/* ENCORE repeats the last order confirmed by SMS within this: long enough to answer the
 * question above at leisure, short enough that ENCORE never means an order from another day. */
#define DIALOG_AGAIN_WINDOW_S 3600
/* The public URL (link_base) assumed by the one-SMS rule of replies that carry a link: 32
 * characters ("https://pay.mandat-example.fr" is 29). With a longer one the welcome SMS takes two
 * parts; tests/unit/test_dialog_text.c proves the rest with this length. */
#define DIALOG_LINK_BASE_SMS_MAX 32

/* A merchant's name (with its campaign's: "Boutique Zoé pour Contre la faim") and its order
 * reference as SMS texts show them: cut to these many characters, so that a payment request with
 * a link, the largest amount and both at their longest still fits one SMS (test_dialog_text.c).
 * 32 is the charities' length; 12 holds "order 123456" and most invoice numbers. */
#define DIALOG_PAYEE_SMS_MAX 32
#define DIALOG_REFERENCE_SMS_MAX 12

/* The HTTP server (channel/http/http_guard.h); defaults of the [http] keys. */

/* Request line, CRLF included (max_request_line): RFC 9112 §3 asks servers to take at least 8000
 * octets; our longest URLs (wallet links with a token, API paths with ids) are under 300. */
#define HTTP_REQUEST_LINE_MAX_DEFAULT 8192

/* Header lines (max_headers): a browser sends about 15, Kannel's smsbox about 10; Apache's
 * LimitRequestFields is 100. */
#define HTTP_HEADER_COUNT_MAX_DEFAULT 100

/* Request line and headers together (max_header_bytes): nginx's default (4 buffers of 8 KiB)
 * and room for large cookies; a head is held whole in memory until it is checked, so this is
 * also about what one connection costs. */
#define HTTP_HEAD_BYTES_MAX_DEFAULT 32768

/* Seconds from the first byte of a request to the last byte of its body (request_timeout), and
 * from the accept to the end of the first request: an SMS text or an API call is a few KiB, sent
 * in milliseconds; a client slower than this is holding a connection, not sending. */
#define HTTP_REQUEST_TIMEOUT_S_DEFAULT 10
#define HTTP_REQUEST_TIMEOUT_S_MAX 300

/* Open connections per listener (max_connections): each is a descriptor and at most a head of
 * buffers (about 70 KiB), so 1024 is about 70 MB; the usual soft file limit is 1024 too. */
#define HTTP_CONNECTIONS_MAX_DEFAULT 1024
#define HTTP_CONNECTIONS_MAX_MAX 65536

/* Of those, from one client address (max_connections_per_address): a browser opens 6, Kannel's
 * smsbox a few; 256 leaves room for a NAT or a benchmark, and still lets one address take only a
 * quarter of the default total. Behind a reverse proxy, raise it to max_connections. */
#define HTTP_CONNECTIONS_PER_ADDR_MAX_DEFAULT 256

/* Listeners (each an evhttp with its guard) in one process: public and internal, with room. */
#define HTTP_GUARD_LISTENERS_MAX 16

/* Pause of accepting when the process is out of descriptors: long enough not to spin (a retry
 * costs a wake-up and a failed accept), short enough that clients barely notice once some close. */
#define HTTP_ACCEPT_PAUSE_MS 100

/* At most one warning about those pauses per this many seconds: a day of exhaustion is 8 640
 * lines, not 864 000. */
#define HTTP_ACCEPT_WARN_S 10

/* Connections the kernel queues before accept: the Linux default of somaxconn. */
#define HTTP_LISTEN_BACKLOG 4096

/* Acknowledged MOs per SMPP connection whose deliver_sm_resp the SMSC has not yet shown it read
 * (smpp_mo_ack's in-doubt FIFO, 32 bytes each: 128 KB). mandat closes the doubt with an
 * enquire_link after each burst, so the FIFO holds about one round trip of MOs; an SMSC that
 * stops answering is dropped after response_timeout_s. Past the bound a new deliver_sm is
 * answered ESME_RTHROTTLED, counting the MOs still being committed. */
#define SMPP_MO_DOUBT_MAX 4096u

/* Messages the dialog keeps for in-doubt redeliveries (inbox id, content key and time, 40 bytes
 * each), in two lists of at most this many: those whose acknowledgement is unconfirmed (about
 * one round trip of MOs per link), and candidates (what a drop or a crash left in doubt), each
 * allocated twice over so that a full list compacts once per this many adds. Both
 * are scanned linearly, which is cheap while they are short, as they are outside a crash; past
 * the bound the oldest entry is forgotten, and logged (its redelivery would be answered as a
 * new message). */
#define DIALOG_DOUBT_MAX 16384u

#endif
