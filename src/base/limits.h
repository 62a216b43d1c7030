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

/* Acknowledged MOs per SMPP connection whose deliver_sm_resp the SMSC has not yet shown it read
 * (smpp_mo_ack's in-doubt FIFO, 32 bytes each: 128 KB). mandat closes the doubt with an
 * enquire_link after each burst, so the FIFO holds about one round trip of MOs; an SMSC that
 * stops answering is dropped after response_timeout_s. Past the bound a new deliver_sm is
 * answered ESME_RTHROTTLED, counting the MOs still being committed. */
#define SMPP_MO_DOUBT_MAX 4096u

/* Messages the dialog keeps for in-doubt redeliveries (inbox id, content key and time, 40 bytes
 * each), in two lists of at most this many: those whose acknowledgement is unconfirmed (about
 * one round trip of MOs per link), and candidates (what a drop or a crash left in doubt). Both
 * are scanned linearly, which is cheap while they are short, as they are outside a crash; past
 * the bound the oldest entry is forgotten, and logged (its redelivery would be answered as a
 * new message). */
#define DIALOG_DOUBT_MAX 16384u

#endif
