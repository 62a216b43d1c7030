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

/* ---- Hashes ---- */

/* SHA-256 (FIPS 180-4), and HMAC-SHA256 (RFC 2104) over it: every hash, MAC and key of mandat
 * is 32 bytes. Its text is 64 hex digits, and the NUL. */
#define SHA256_LEN 32
#define SHA256_HEX_MAX (2 * SHA256_LEN + 1)

/* ---- Phone numbers ---- */

/* An E.164 number in text: '+', at most 15 digits (ITU-T E.164 §6.1), NUL: 17 bytes. A 16-byte
 * buffer would only hold 14 digits, which real numbers reach (China +86 mobiles have 13). */
#define PHONE_E164_MAX 17

/* Longest input phone_normalize reads. "+33 (0)6 12 34 56 78" is 20 bytes; 64 leaves room for
 * any separators while bounding every loop. */
#define PHONE_TEXT_MAX 64

/* ---- SMS and SMPP (what SMSCs and handsets send) ---- */

/* Largest PDU mandat reads or writes, command_length included. The longest body SMPP 3.4 defines
 * without TLVs is about 350 octets (submit_sm, §4.4.1); only message_payload (§5.3.2.32) makes
 * PDUs larger, and a whole 255-part concatenated message is 255 * 140 = 35 700 octets. 64 KiB
 * carries that with room for every other field, is a single comparison against a power of two,
 * and is the most a peer can make mandat buffer per connection. A peer announcing more is broken
 * or hostile; the session answers generic_nack ESME_RINVCMDLEN and closes. */
#define SMPP_PDU_MAX 65536u

/* short_message is 0 to 254 octets (§5.2.22); longer text goes in message_payload. */
#define SMPP_SHORT_MESSAGE_MAX 254u

/* C-Octet String message_id: up to 64 characters and the NUL (§5.2.23). */
#define SMPP_MESSAGE_ID_MAX 65u

/* Addresses in submit_sm/deliver_sm are C-Octet Strings of 21 octets, NUL included (§5.2.8). */
#define SMPP_ADDR_MAX 21u

/* Unknown optional parameters remembered per PDU. SMSCs add a handful of vendor TLVs to
 * deliver_sm (routing, billing, MCC/MNC); 16 is several times what any known SMSC sends. Those
 * beyond are skipped and counted in unknown_dropped, never refused: refusing a deliver_sm only
 * makes the SMSC send it again forever. */
#define SMPP_TLV_UNKNOWN_MAX 16u

/* Delivery receipt text (Appendix B) is about 150 octets, and vendors' extra fields (IMSI,
 * MCC/MNC, network error) bring it to some 300; short_message holds at most 254. Longer input is
 * not a receipt; refusing it bounds the scan. */
#define SMPP_DLR_LEN_MAX 1024u

/* Receipt id: up to 64 characters, as a message_id (§5.2.23); hexadecimal, decimal and UUID
 * ids all fit. */
#define SMPP_DLR_ID_MAX 64u

/* Receipt "err:" value: 3 digits in Appendix B; up to 8 characters so that the variants SMSCs
 * send ("0", "000", "0x0000") are kept as they came. */
#define SMPP_DLR_ERR_MAX 8u

/* Receipt "text:" (the first 20 characters of the message by convention) is informational: up
 * to 64 octets are kept and the rest dropped. */
#define SMPP_DLR_TEXT_MAX 64u

/* TS 23.040 §9.2.3.16: 140 octets of user data = 160 septets or 70 UTF-16 units. A 6-octet
 * concatenation header (05 00 03 ref total seq, §9.2.3.24.1) leaves 134 octets: 153 septets
 * (48 header bits + 1 fill bit + 153 * 7 = 1120 bits) or 67 UTF-16 units. */
#define SMS_GSM_SINGLE_MAX 160
#define SMS_GSM_PART_MAX 153
#define SMS_UCS2_SINGLE_MAX 70
#define SMS_UCS2_PART_MAX 67
#define SMS_UDH_CONCAT_OCTETS 6

/* Parts of one outgoing message. Each part is billed and each part may be lost or delayed on
 * its own; mandat's replies (confirmations, balances, receipts) fit in one or two. 10 parts
 * (1530 GSM characters, 670 UCS-2) is where handsets and SMSCs commonly stop reassembling and
 * where a longer text is a bug upstream, not a message to bill ten times over. The 8-bit
 * concatenation header would allow 255. */
#define SMS_PARTS_MAX 10

/* ---- Commands people type (SMS, posts) ---- */

/* Longest message command_parse reads, in bytes. An SMS to a short code is at most 4
 * concatenated parts in practice (operators bill each part; 4 x 160 GSM characters = 640), and
 * a 280-character post of French text is about 300 bytes of UTF-8. The longest real command,
 * "ENVOYER 1 000,00 EUR +33 (0)6 12 34 56 78" and a 160-byte note, is about 210 bytes. Longer
 * messages are refused (HINT_TOO_LONG), not cut: a cut command could mean something else. */
#define COMMAND_TEXT_MAX 640

/* The note travels in the payee's SMS receipt: one SMS of 160 characters. Longer notes are cut
 * at a character boundary, not refused: the note is not what moves money. */
#define COMMAND_NOTE_MAX 160

/* Social handles: X/Twitter allows 15 characters, a fediverse "user@instance.example" more. */
#define COMMAND_HANDLE_MAX 63

/* Association keywords ("TELETHON") and card aliases ("MAMAN"), upper-case ASCII. */
#define COMMAND_KEYWORD_MAX 31

/* The largest amount the grammar reads, in major units (1 000 000,00 €): far above any wallet's
 * limit per order (250 € and 500 € by default), so that an amount past it is a typing slip or
 * an attack on the parser, answered as too large rather than read as something else. */
#define COMMAND_AMOUNT_MAJOR_MAX 1000000

/* A name payees see (NOM): 20 characters, letters of the GSM alphabet, spaces, - and ', so that
 * a receipt naming it stays one 160-character SMS and no name poses as a number. */
#define COMMAND_NAME_CHARS_MAX 20

/* A campaign's hashtag without its '#', upper-case ASCII letters and digits ("TELETHON2026"),
 * NUL included: hashtags people type and share are short words. */
#define CAMPAIGN_TAG_MAX 32

/* ---- Social networks (what X and Mastodon send) ---- */

/* Platform ids: X id_str (19 digits today), Mastodon ids (strings, 18 digits today; other
 * servers send ULIDs or flake ids of 26 characters). 64 bytes leaves room for all of them. */
#define SOCIAL_ID_MAX 65

/* X screen_name (15) or Mastodon acct "user@instance": COMMAND_HANDLE_MAX + 1, so that an
 * author can always be named as a payee. */
#define SOCIAL_HANDLE_MAX 64

/* Plain text of a post, NUL included. Longer texts are cut at a UTF-8 boundary and flagged; a
 * cut text is always longer than COMMAND_TEXT_MAX, so command_parse refuses it as too long. */
#define SOCIAL_TEXT_MAX 2048

/* Posts read from one X event body or one Mastodon page (Mastodon pages are 40 by default,
 * 80 at most: callers ask for limit=40). */
#define SOCIAL_POSTS_MAX 64

/* Bodies read at most: a Mastodon page of 80 notifications, each with its status, accounts,
 * emojis and media, is a few hundred KB; X delivers one or a few tweets per body. */
#define SOCIAL_BODY_MAX (2 * 1024 * 1024)

/* JSON nesting read at most, checked before jansson (which recurses per level). A status in a
 * notification with a reblog, its account and its emojis is 7 levels; an X tweet with a quoted
 * tweet, its extended entities and media sizes is about 10. */
#define SOCIAL_JSON_DEPTH_MAX 32

/* Mentions of one Mastodon status: 500 characters hold about 160 "@a" mentions; some servers
 * allow 5000 characters, but a post mentioning more people is not a payment. */
#define SOCIAL_MENTIONS_MAX 256

/* ---- The API and the wallet pages (what merchants and browsers send) ---- */

/* An API request body: a payment request is a few hundred bytes; 16 KiB leaves room for long
 * descriptions and is refused (413) before any parsing. */
#define API_BODY_MAX 16384

/* JSON nesting of an API body: our bodies are flat objects; deeper is refused before jansson
 * (which recurses per level) sees it. */
#define API_JSON_DEPTH_MAX 8

/* An Idempotency-Key header, as Stripe: enough for a UUID or an order number. */
#define API_IDEMPOTENCY_KEY_MAX 255

/* Items per page of a list an API client asks for. */
#define API_LIST_MAX 100

/* A payment request's reference (the merchant's order number) and description, as merchants
 * send them, NUL included: both are shown to the payer on one page and in one SMS. */
#define REQUEST_REFERENCE_MAX 64
#define REQUEST_DESCRIPTION_MAX 128

/* A wallet page's form body: a CSRF token (64 hex digits), a 6-digit code twice, a phone number
 * and their names, urlencoded, are under 200 bytes. */
#define WEB_FORM_MAX 512

/* A host name in a URL (RFC 1035: a name is at most 253 characters), and a request target
 * (path and query) of an outgoing request. */
#define HTTP_HOST_MAX 256
#define HTTP_TARGET_PATH_MAX 2048

/* ---- Stored fields (what every channel hands the store) ---- */

/* An E.164 number (16), a short code, or a social address: "m:" and a fediverse acct
 * ("user@instance.example", 30 + 1 + a domain) or "x:" and an X screen name (15). */
#define STORE_ADDR_MAX 72

/* A peer's id for a message: SMSC message ids are C-strings of up to 65 octets (SMPP 3.4,
 * SMPP_MESSAGE_ID_MAX), social post ids SOCIAL_ID_MAX. */
#define STORE_PEER_ID_MAX 65

/* A concatenated SMS is at most SMS_PARTS_MAX (10) parts of 153 GSM characters, 1 530 characters,
 * at most 3 UTF-8 bytes each: 4 590; one more for NUL. */
#define STORE_TEXT_MAX 4600

/* A name a person chose for their receipts (NOM): 20 characters of the GSM alphabet, at most two
 * UTF-8 bytes each, and the NUL. */
#define STORE_NAME_MAX 48

/* A URL a merchant or the operator gives (webhook endpoint, callback, link base): a host name
 * (HTTP_HOST_MAX) and a short path. */
#define STORE_URL_MAX 256

/* 16 hex digits: the public half of an API key. */
#define STORE_KEY_ID_MAX 17

/* One webhook event's JSON: ids, amounts, states, short texts. */
#define STORE_WEBHOOK_BODY_MAX 2048

/* Why a webhook try failed: a host name (253) and a short reason. */
#define STORE_WEBHOOK_ERROR_MAX 256

/* A stored API response, replayed to a retry with the same Idempotency-Key. */
#define STORE_HTTP_BODY_MAX 2048

/* Cards (issue 13). Sizes match src/vault/card_vault.h (checked there): the store sits below the
 * vault and does not include it. A token: "card_" and 32 hex digits, NUL (CARD_TOKEN_MAX is 38). */
#define STORE_CARD_TOKEN_MAX 40
/* A sealed card number: version, nonce, tag and at most 19 digits make 51 (CARD_SEALED_MAX). */
#define STORE_CARD_SEALED_MAX 64
/* The issuer range shown (BIN): 6 to 8 digits (ISO/IEC 7812-1:2017), NUL. */
#define STORE_CARD_BIN_MAX 9
/* A sender's name for a card (MAMAN, KARIM): 15 letters or digits, so that a reply naming it twice
 * stays one SMS; NUL. */
#define STORE_CARD_ALIAS_MAX 16

/* A transfer's external reference, in bytes, NUL included: an order number, an SMSC message id. */
#define TRANSFER_EXT_REF_MAX 64

_Static_assert(STORE_PEER_ID_MAX >= SMPP_MESSAGE_ID_MAX && STORE_PEER_ID_MAX >= SOCIAL_ID_MAX,
               "a peer's id fits the store");

/* ---- Memory the dialog and the API hold ---- */

/* Customers kept in memory: 2^26 (67 million) numbers of about 200 bytes is 13 GB, past what one
 * machine of ours holds; the index's values are 32-bit. */
#define DIALOG_CUSTOMERS_MAX (1u << 26)

/* Messages remembered for redelivery detection, per generation (two generations are kept):
 * 524 288 ids of 16 bytes and their index (2^20 slots of 8 bytes), 16 MB each, which at the SMS
 * target of 20 000 per second is 26 s of peak traffic; at ordinary rates the window (a day)
 * rotates first. Past that, ledger ids derived from the message still make a redelivery
 * harmless. */
#define DIALOG_DEDUP_MAX (1u << 19)

/* Social accounts tied to wallets kept in memory (about 700 bytes each): as many as wallets. */
#define DIALOG_LINKS_MAX DIALOG_CUSTOMERS_MAX

/* Charities with a donation keyword. */
#define DIALOG_ASSOCIATIONS_MAX 1024

/* Campaigns (hashtags with a public total). */
#define DIALOG_CAMPAIGNS_MAX 1024

/* Operators' orders remembered at once: they are typed by people, a handful a day; more wait in
 * the store for the next reread. */
#define DIALOG_CODE_ORDERS_MAX 256

/* Payment requests kept in memory: each is about 900 bytes; 2^22 (4 million) is 3.8 GB, the
 * most one machine of ours should hold before old ones move to the store only. */
#define DIALOG_REQUESTS_MAX (1u << 22)
/* Merchants (their names, fees and webhook settings): a few hundred bytes each. */
#define DIALOG_MERCHANTS_MAX 4096

/* Issued cards kept in memory (about 250 bytes each): as many as wallets. */
#define DIALOG_CARDS_MAX DIALOG_CUSTOMERS_MAX
/* Senders' card aliases in memory (about 100 bytes each): a few per sender. */
#define DIALOG_CARD_ALIASES_MAX DIALOG_CUSTOMERS_MAX
/* Senders' cards on file in memory (about 200 bytes each): one per sender at most. */
#define DIALOG_CARD_FILES_MAX DIALOG_CUSTOMERS_MAX
/* Cards one sender may name: families reload a handful; ten keep CARTES one SMS. */
#define DIALOG_ALIASES_PER_OWNER 10

/* Keys held in memory; a key is about 100 bytes. */
#define API_KEYS_MAX 65536

/* Idempotency records held in memory (each about 2.1 KB): 2^17 is 280 MB (touched only as
 * used), a day of 1.5 POST/s or 9 s at the 15k/s target; past that the oldest are forgotten and
 * a retry with a forgotten key finds its payment request by the id derived from the key. */
#define API_IDEMPOTENCY_MAX (1u << 17)

/* Requests with an Idempotency-Key being answered at once: more wait on the engine with 503. */
#define API_IDEMPOTENCY_IN_FLIGHT_MAX 4096

/* Simultaneous phone calls ([sip] max_calls at most): the target is 1 000 on two cores;
 * each call holds two UDP sockets and about 2 KB, so the file descriptors bound it first. */
#define SIP_CALLS_MAX 4096
/* Events the SIP thread may have queued for the loop at once (keys, call states): a few per call;
 * past that a key is dropped (and logged) rather than the queue growing without bound. */
#define SIP_EVENTS_MAX (SIP_CALLS_MAX * 4)
/* References keyed by hidden numbers that found no order, per minute, for the whole service;
 * past it, hidden numbers are told to try later until the minute ends. A reference is 6 digits:
 * with P orders pending, each guess finds one with odds P in a million, and a find only reads
 * back a merchant, an amount and a reference the caller may then pay by card. 10 a minute (and 3
 * a call) keeps a guesser to 14 400 tries a day, under 1.5 % of the space. */
#define SIP_ANON_MISSES_PER_MIN 10
/* A prompt handed to a call, in 8 kHz samples: two minutes. */
#define SIP_PLAY_SAMPLES_MAX (8000 * 120)
/* Read-backs waiting for the speech worker or for the loop to play them: one per call at most
 * is current (a newer prompt cancels the older), and synthesis takes 10 to 60 ms, so 64 is a
 * burst of 64 calls' read-backs within a second or two; past it a call hears a tone for the
 * words rather than wait longer (speech_say's -MDT_EFULL). */
#define SIP_SPEECH_QUEUE_MAX 64

/* ISO 8583 issuer host (issue 15). The largest message read or written, without its 2-byte
 * length header: every field of channel/iso8583/iso8583.def at its maximum with both bitmaps is
 * about 6.6 KB (six LLLVAR fields of 999), which iso8583.c checks at compile time; an
 * authorization request is 200 to 400 bytes. A frame announcing more is refused before anything
 * is buffered. */
#define ISO8583_MSG_MAX 8192

/* Connections one listening ISO 8583 link serves at once: a link is one switch or acquirer,
 * which opens a few; each connection holds an 8 KB frame reader and its request table. */
#define ISO_LINK_CONNS_MAX 64
/* Requests in flight on one connection, the most a link's in_flight may say: issue 15's
 * benchmark runs 256 terminals over 4 links; 4096 of at most 8 KB each is 32 MB, a bound. */
#define ISO_LINK_INFLIGHT_MAX 4096
/* Bytes waiting to be written to a peer before answers to it are dropped (and its echo,
 * unanswered, drops the connection): about a thousand answers. A switch that stops reading
 * must not make mandat buffer without bound. */
#define ISO_LINK_OUTPUT_MAX (1u << 20)
/* The longest wait between two outbound connection attempts. */
#define ISO_LINK_BACKOFF_MAX_MS 30000u

#endif
