// SPDX-License-Identifier: Apache-2.0
// A stand-in for the Mastodon and X (Twitter API v2) endpoints mandat's social channel uses, for
// the end-to-end test of that channel, with node's own modules only. It answers with the JSON
// and headers the real services send (entities, Link pagination, rate-limit headers, errors),
// keeps what mandat posts, and lets the test make mentions and arm 429s.
//
// usage: node social_standin.js PORT_FILE LOG
//   PORT_FILE  written once it listens on 127.0.0.1 (a free port): {"port": N}
//   LOG        one JSON object a line per request mandat makes: api (mastodon, x, other),
//              method, url, headers, body (parsed), raw, status, early, at (ms since epoch);
//              early is true when the request came before the reset time of the last 429
//              that api answered (mandat did not wait)
// SIGTERM ends it with status 0.
//
// Mastodon (instance social.example, our account @mandat, Authorization: Bearer mastotoken)
//   GET  /api/v1/notifications   types[] exclude_types[] since_id max_id min_id limit (40, max 80);
//                                newest first, Link: <…?limit=2&max_id=OLDEST&types%5B%5D=mention>;
//                                rel="next", <…&min_id=NEWEST…>; rel="prev" (as Rails writes it)
//   GET  /api/v1/notifications/:id, GET /api/v1/statuses/:id
//   POST /api/v1/statuses        JSON, form or multipart: status, in_reply_to_id, visibility,
//                                spoiler_text, sensitive, language; Idempotency-Key honoured
//   GET  /api/v1/accounts/verify_credentials
//   Every answer has X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (ISO 8601).
// X (Authorization: Bearer xtoken)
//   POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}}                        -> 201
//   POST /2/dm_conversations/with/:participant_id/messages {"text"}                   -> 201
//   Every answer has x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset (Unix s).
// Control (no auth, JSON, not logged)
//   POST /__mention   {"from": "alice" | "bob@other.example", "text": "@mandat envoie 10€ à @bob",
//                      "visibility": "public", "in_reply_to_id"?, "language"?, "display_name"?,
//                      "type"?: "mention" (default) | "favourite" | "reblog" | "follow" | …,
//                      "status_id"?: the status a favourite/reblog is about (else mandat's last)}
//                     -> {"notification_id", "status_id", "account_id"}
//   POST /__ratelimit {"api": "mastodon" | "x", "count": N, "seconds": S}: the next N requests to
//                      that api answer 429, each saying the limit resets S seconds later
//   GET  /__statuses  statuses mandat posted: [{id, status, visibility, in_reply_to_id,
//                      idempotency_key, at}]
//   GET  /__x         [{kind: "tweet" | "dm", id, text, in_reply_to_tweet_id, participant_id, at}]
//   GET  /__requests  {"notifications": {"count", "polls": [{query, types, since_id, max_id,
//                      min_id, limit, status, returned, at}]}, "counts": {"METHOD /path": n}}
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const { URL, URLSearchParams } = require('url');

const [portPath, logPath] = process.argv.slice(2);
if (!portPath || !logPath) {
  process.stderr.write('usage: node social_standin.js PORT_FILE LOG\n');
  process.exit(2);
}

const DOMAIN = 'social.example';
const OUR = 'mandat';
const MASTO_TOKEN = 'mastotoken';
const X_TOKEN = 'xtoken';
const X_OUR_USER_ID = '1603819465729392640';
const MASTO_MAX_CHARS = 500;
const X_MAX_WEIGHT = 280;
let port = 0;

// ---------------------------------------------------------------------------------------------
// Ids: snowflake-like 18-digit strings (Mastodon), 19-digit ones (X); compared as BigInt.

let mastoSeq = 0n;
function nextMastoId() {
  mastoSeq += 1n;
  return (109000000000000000n + mastoSeq * 65536n).toString();
}
let xSeq = 0n;
function nextXId() {
  xSeq += 1n;
  return (1870000000000000000n + xSeq * 4194304n).toString();
}
function accountIdFor(acct) { // stable from one run to the next
  const h = crypto.createHash('sha256').update(acct.toLowerCase()).digest();
  return (108000000000000000n + (h.readBigUInt64BE(0) % 1000000000000000n)).toString();
}
function bigOrNull(v) {
  return typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : null;
}

// ---------------------------------------------------------------------------------------------
// Mastodon state.

const accounts = new Map(); // lower-case acct -> {id, username, domain, display_name, bot, ...}
const statuses = new Map(); // id -> status record
const notifications = []; // ascending id
const posted = []; // what /__statuses shows
const idempotency = new Map(); // key -> status id
const xPosted = [];
const requestCounts = {};
const polls = [];

function acctOf(username, domain) {
  return domain.toLowerCase() === DOMAIN ? username : `${username}@${domain}`;
}
function findAccount(username, domain) {
  return accounts.get(acctOf(username, domain).toLowerCase()) || null;
}
function ensureAccount(username, domain, displayName) {
  const found = findAccount(username, domain);
  if (found) return found;
  const acct = acctOf(username, domain);
  const rec = {
    id: accountIdFor(acct), username, domain: domain.toLowerCase(), acct,
    display_name: displayName !== undefined ? displayName
      : username.charAt(0).toUpperCase() + username.slice(1),
    bot: false, statuses_count: 0, last_status_at: null,
  };
  accounts.set(acct.toLowerCase(), rec);
  return rec;
}
const us = ensureAccount(OUR, DOMAIN, 'Mandat');
us.bot = true;

function accountJSON(a) {
  const local = a.domain === DOMAIN;
  const base = local ? `https://${DOMAIN}` : `https://${a.domain}`;
  return {
    id: a.id,
    username: a.username,
    acct: a.acct,
    display_name: a.display_name,
    locked: false,
    bot: a.bot,
    discoverable: true,
    indexable: false,
    group: false,
    created_at: '2022-11-04T00:00:00.000Z',
    note: '',
    url: `${base}/@${a.username}`,
    uri: `${base}/users/${a.username}`,
    avatar: `https://${DOMAIN}/avatars/original/missing.png`,
    avatar_static: `https://${DOMAIN}/avatars/original/missing.png`,
    header: `https://${DOMAIN}/headers/original/missing.png`,
    header_static: `https://${DOMAIN}/headers/original/missing.png`,
    followers_count: 0,
    following_count: 0,
    statuses_count: a.statuses_count,
    last_status_at: a.last_status_at,
    hide_collections: null,
    noindex: false,
    emojis: [],
    roles: [],
    fields: [],
  };
}
function mentionJSON(a) {
  const base = a.domain === DOMAIN ? `https://${DOMAIN}` : `https://${a.domain}`;
  return { id: a.id, username: a.username, url: `${base}/@${a.username}`, acct: a.acct };
}

// ---------------------------------------------------------------------------------------------
// Text to Mastodon HTML: mentions as h-cards, hashtags, links, the rest escaped; paragraphs on
// blank lines, <br /> on single newlines (Rails simple_format, newlines then removed).

const URL_SRC = String.raw`https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]`;
const MENTION_SRC = String.raw`(?<![\p{L}\p{N}_@\/])@([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)` +
  String.raw`(?:@([a-z0-9-]+(?:\.[a-z0-9-]+)+))?`;
const TAG_SRC = String.raw`(?<![\p{L}\p{N}_\/#&])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)`;
const TOKEN_RE = new RegExp(`(${URL_SRC})|${MENTION_SRC}|${TAG_SRC}`, 'giu');
const URL_RE = new RegExp(URL_SRC, 'giu');

function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// @name: our local account of that name, else the author's instance's, else the one known
// account of that name, else a new local account. @name@domain: that account (made if new).
function resolveMention(username, domain, author) {
  if (domain) return ensureAccount(username, domain);
  const local = findAccount(username, DOMAIN);
  if (local) return local;
  if (author && author.domain !== DOMAIN) {
    const same = findAccount(username, author.domain);
    if (same) return same;
  }
  const known = [...accounts.values()].filter((a) => a.username.toLowerCase() === username.toLowerCase());
  if (known.length === 1) return known[0];
  return ensureAccount(username, DOMAIN);
}

function linkHTML(url) {
  const m = /^(https?:\/\/(?:www\.)?)(.*)$/i.exec(url);
  const prefix = m[1];
  const rest = m[2];
  const shown = rest.length > 30
    ? `<span class="ellipsis">${esc(rest.slice(0, 30))}</span><span class="invisible">${esc(rest.slice(30))}</span>`
    : `<span class="">${esc(rest)}</span><span class="invisible"></span>`;
  return `<a href="${esc(url)}" target="_blank" rel="nofollow noopener" translate="no">` +
    `<span class="invisible">${esc(prefix)}</span>${shown}</a>`;
}

function render(text, author) {
  const mentions = [];
  const tags = [];
  const inline = (part) => {
    let out = '';
    let last = 0;
    TOKEN_RE.lastIndex = 0;
    for (let m; (m = TOKEN_RE.exec(part)) !== null;) {
      out += esc(part.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[1]) {
        out += linkHTML(m[1]);
      } else if (m[2]) {
        const a = resolveMention(m[2], m[3], author);
        if (!mentions.includes(a)) mentions.push(a);
        const href = mentionJSON(a).url;
        out += `<span class="h-card" translate="no"><a href="${esc(href)}" class="u-url mention">` +
          `@<span>${esc(a.username)}</span></a></span>`;
      } else {
        const name = m[4];
        if (!tags.some((t) => t.toLowerCase() === name.toLowerCase())) tags.push(name);
        out += `<a href="https://${DOMAIN}/tags/${encodeURIComponent(name)}" class="mention hashtag" ` +
          `rel="tag">#<span>${esc(name)}</span></a>`;
      }
    }
    return out + esc(part.slice(last));
  };
  const paragraphs = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  const content = paragraphs.map((p) => `<p>${inline(p).replace(/\n/g, '<br />')}</p>`).join('');
  return {
    content,
    mentions: mentions.map((a) => a.acct.toLowerCase()),
    tags: tags.map((t) => t.toLowerCase()),
  };
}

// Mastodon counts a link as 23 characters and a remote mention without its domain.
function mastoLength(text) {
  const t = text.replace(URL_RE, 'x'.repeat(23))
    .replace(new RegExp(MENTION_SRC, 'giu'), (all, user) => `@${user}`);
  return [...t].length;
}

// twitter-text v3 weighting: most Latin and punctuation ranges weigh 1, the rest 2, links 23.
function xWeightedLength(text) {
  let n = 0;
  for (const ch of text.normalize('NFC').replace(URL_RE, 'x'.repeat(23))) {
    const cp = ch.codePointAt(0);
    n += (cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) ||
      (cp >= 8242 && cp <= 8247)) ? 1 : 2;
  }
  return n;
}

function addStatus(author, text, opts) {
  const id = nextMastoId();
  const r = render(text, author);
  const parent = opts.in_reply_to_id ? statuses.get(opts.in_reply_to_id) : null;
  const now = new Date();
  const s = {
    id, acct: author.acct.toLowerCase(), text, content: r.content, mentions: r.mentions,
    tags: r.tags, visibility: opts.visibility || 'public',
    in_reply_to_id: parent ? parent.id : null,
    in_reply_to_account_id: parent ? accounts.get(parent.acct).id : null,
    sensitive: !!opts.sensitive, spoiler_text: opts.spoiler_text || '',
    language: opts.language || 'fr', created_at: now.toISOString(),
    replies_count: 0, reblogs_count: 0, favourites_count: 0,
  };
  if (parent) parent.replies_count++;
  statuses.set(id, s);
  author.statuses_count++;
  author.last_status_at = now.toISOString().slice(0, 10);
  return s;
}

function statusJSON(s) {
  const a = accounts.get(s.acct);
  const local = a.domain === DOMAIN;
  const base = local ? `https://${DOMAIN}` : `https://${a.domain}`;
  const ours = a === us;
  const j = {
    id: s.id,
    created_at: s.created_at,
    in_reply_to_id: s.in_reply_to_id,
    in_reply_to_account_id: s.in_reply_to_account_id,
    sensitive: s.sensitive,
    spoiler_text: s.spoiler_text,
    visibility: s.visibility,
    language: s.language,
    uri: `${base}/users/${a.username}/statuses/${s.id}`,
    url: `${base}/@${a.username}/${s.id}`,
    replies_count: s.replies_count,
    reblogs_count: s.reblogs_count,
    favourites_count: s.favourites_count,
    edited_at: null,
    favourited: false,
    reblogged: false,
    muted: false,
    bookmarked: false,
  };
  if (ours && (s.visibility === 'public' || s.visibility === 'unlisted')) j.pinned = false;
  Object.assign(j, { content: s.content, filtered: [], reblog: null });
  if (ours) j.application = { name: 'mandat', website: null };
  Object.assign(j, {
    account: accountJSON(a),
    media_attachments: [],
    mentions: s.mentions.map((k) => mentionJSON(accounts.get(k))),
    tags: s.tags.map((t) => ({ name: t, url: `https://${DOMAIN}/tags/${encodeURIComponent(t)}` })),
    emojis: [],
    card: null,
    poll: null,
  });
  return j;
}

function notificationJSON(n) {
  const j = {
    id: n.id,
    type: n.type,
    created_at: n.created_at,
    group_key: `ungrouped-${n.id}`,
    account: accountJSON(accounts.get(n.acct)),
  };
  if (n.status_id) j.status = statusJSON(statuses.get(n.status_id));
  return j;
}

// ---------------------------------------------------------------------------------------------
// Rate limits. Mastodon: 300 a token per 5 minutes, windows on the clock, reset as Rails'
// iso8601(6). X: a window of 15 minutes per endpoint from its first call, reset in Unix seconds.
// An armed 429 says the limit resets S seconds later (rounded up to a whole second, so a client
// that reads the reset to the second is not told it came early).

const limits = {
  mastodon: { armed: 0, seconds: 0, blockedUntil: 0, buckets: {} },
  x: { armed: 0, seconds: 0, blockedUntil: 0, buckets: {} },
};
const BUCKETS = {
  mastodon: { limit: 300, period: 300 },
  'x:tweets': { limit: 100, period: 900 },
  'x:dm': { limit: 200, period: 900 },
  'x:other': { limit: 300, period: 900 },
};

function iso6(ms) {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

// Decides whether this request is throttled; returns {status429, headers, early}.
function rateLimit(api, bucketName, now) {
  const st = limits[api];
  const early = now < st.blockedUntil;
  const def = BUCKETS[bucketName];
  let b = st.buckets[bucketName];
  if (api === 'mastodon') {
    const secs = Math.floor(now / 1000);
    const windowEnd = (secs - (secs % def.period) + def.period) * 1000;
    if (!b || b.windowEnd !== windowEnd) b = st.buckets[bucketName] = { windowEnd, used: 0 };
  } else if (!b || now >= b.windowEnd) {
    b = st.buckets[bucketName] = { windowEnd: Math.ceil((now + def.period * 1000) / 1000) * 1000, used: 0 };
  }
  if (st.armed > 0) {
    st.armed--;
    const reset = Math.ceil((now + st.seconds * 1000) / 1000) * 1000;
    st.blockedUntil = reset;
    b.windowEnd = Math.max(b.windowEnd, reset);
    b.used = 0;
    return { throttled: true, early, headers: limitHeaders(api, def.limit, 0, reset) };
  }
  b.used++;
  const remaining = Math.max(def.limit - b.used, 0);
  // Rails adds the seconds left in the window to now, keeping now's fraction.
  const reset = api === 'mastodon' ? now + (b.windowEnd - Math.floor(now / 1000) * 1000) : b.windowEnd;
  return { throttled: false, early, headers: limitHeaders(api, def.limit, remaining, reset) };
}

function limitHeaders(api, limit, remaining, resetMs) {
  if (api === 'mastodon') {
    return {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': iso6(resetMs),
    };
  }
  return {
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(resetMs / 1000)),
  };
}

// ---------------------------------------------------------------------------------------------
// Request bodies: JSON (large integers kept as strings), form-encoded, multipart.

function formToObject(sp) {
  const o = {};
  for (const [k, v] of sp) {
    if (k.endsWith('[]')) (o[k] = o[k] || []).push(v);
    else o[k] = v;
  }
  return o;
}

function parseMultipart(buf, ctype) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctype);
  if (!m) return {};
  const boundary = `--${m[1] || m[2]}`;
  const o = {};
  for (const part of buf.toString('utf8').split(boundary)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/i.exec(head);
    if (!name) continue;
    const value = part.slice(sep + 4).replace(/\r\n$/, '');
    if (name[1].endsWith('[]')) (o[name[1]] = o[name[1]] || []).push(value);
    else o[name[1]] = value;
  }
  return o;
}

// Returns {body, error}; body is {} when there is none.
function parseBody(buf, ctype) {
  const text = buf.toString('utf8');
  if (buf.length === 0) return { body: {} };
  const type = (ctype || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json') || (!type && /^\s*[[{]/.test(text))) {
    try {
      return { body: JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"')) };
    } catch (e) {
      return { body: null, error: e.message };
    }
  }
  if (type === 'application/x-www-form-urlencoded' || !type) {
    return { body: formToObject(new URLSearchParams(text)) };
  }
  if (type === 'multipart/form-data') return { body: parseMultipart(buf, ctype) };
  return { body: null, error: `unsupported content type ${type}` };
}

// ---------------------------------------------------------------------------------------------
// Answers.

function send(res, status, obj, headers) {
  const body = obj === undefined ? '' : JSON.stringify(obj);
  res.writeHead(status, Object.assign({
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'private, no-store',
  }, headers || {}));
  res.end(body);
}

function bearer(req, query) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization || '');
  if (m) return m[1];
  return query.get('access_token');
}

function mastoParams(query, body) {
  return Object.assign(formToObject(query), body || {});
}

function str(v) {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

function handleMastodon(req, url, body, parseError, ctx) {
  const query = url.searchParams;
  const path = url.pathname.replace(/\/+$/, '');
  if (bearer(req, query) !== MASTO_TOKEN) {
    return [401, { error: 'The access token is invalid' }, {
      'WWW-Authenticate': 'Bearer realm="Doorkeeper", error="invalid_token", ' +
        'error_description="The access token is invalid"',
    }];
  }
  if (parseError) return [400, { error: 'Error occurred while parsing request parameters' }];

  if (req.method === 'GET' && path === '/api/v1/notifications') {
    return listNotifications(url, ctx);
  }
  let m;
  if (req.method === 'GET' && (m = /^\/api\/v1\/notifications\/(\d+)$/.exec(path))) {
    const n = notifications.find((x) => x.id === m[1]);
    return n ? [200, notificationJSON(n)] : [404, { error: 'Record not found' }];
  }
  if (req.method === 'GET' && (m = /^\/api\/v1\/statuses\/(\d+)$/.exec(path))) {
    const s = statuses.get(m[1]);
    return s ? [200, statusJSON(s)] : [404, { error: 'Record not found' }];
  }
  if (req.method === 'GET' && path === '/api/v1/accounts/verify_credentials') {
    return [200, Object.assign(accountJSON(us), {
      source: {
        privacy: 'public', sensitive: false, language: 'fr', note: '', fields: [],
        follow_requests_count: 0, hide_collections: null, discoverable: true, indexable: false,
      },
      role: { id: '-99', name: '', permissions: '0', color: '', highlighted: false },
    })];
  }
  if (req.method === 'POST' && path === '/api/v1/statuses') {
    return postStatus(req, mastoParams(query, body));
  }
  return [404, { error: 'Record not found' }];
}

function listNotifications(url, ctx) {
  const q = url.searchParams;
  const types = q.getAll('types[]');
  const exclude = q.getAll('exclude_types[]');
  const maxId = bigOrNull(q.get('max_id'));
  const sinceId = bigOrNull(q.get('since_id'));
  const minId = bigOrNull(q.get('min_id'));
  let limit = 40;
  if (q.has('limit')) limit = Math.min(Math.abs(parseInt(q.get('limit'), 10) || 0), 80);

  let list = notifications.filter((n) => (types.length === 0 || types.includes(n.type)) &&
    !exclude.includes(n.type) && (maxId === null || BigInt(n.id) < maxId));
  if (minId !== null) {
    list = list.filter((n) => BigInt(n.id) > minId).slice(0, limit).reverse();
  } else {
    if (sinceId !== null) list = list.filter((n) => BigInt(n.id) > sinceId);
    list = list.reverse().slice(0, limit);
  }

  const headers = {};
  if (list.length > 0) {
    // Rails: the permitted params (limit, types[], exclude_types[]) plus the cursor, sorted.
    const keep = [];
    if (q.has('limit')) keep.push(`limit=${encodeURIComponent(q.get('limit'))}`);
    if (types.length) keep.push(types.map((t) => `types%5B%5D=${encodeURIComponent(t)}`).join('&'));
    if (exclude.length) {
      keep.push(exclude.map((t) => `exclude_types%5B%5D=${encodeURIComponent(t)}`).join('&'));
    }
    const link = (cursor) => `http://127.0.0.1:${port}/api/v1/notifications?` +
      [...keep, cursor].sort().join('&');
    headers.Link = `<${link(`max_id=${list[list.length - 1].id}`)}>; rel="next", ` +
      `<${link(`min_id=${list[0].id}`)}>; rel="prev"`;
  }
  ctx.returned = list.map((n) => n.id);
  return [200, list.map(notificationJSON), headers];
}

function postStatus(req, p) {
  const key = req.headers['idempotency-key'];
  if (key && idempotency.has(key)) return [200, statusJSON(statuses.get(idempotency.get(key)))];

  const inReplyTo = str(p.in_reply_to_id);
  if (inReplyTo && !statuses.has(inReplyTo)) return [404, { error: 'Record not found' }];
  const visibility = p.visibility === undefined || p.visibility === '' ? 'public' : str(p.visibility);
  if (!['public', 'unlisted', 'private', 'direct'].includes(visibility)) {
    return [422, { error: `Validation failed: Visibility '${visibility}' is not a valid visibility` }];
  }
  const text = str(p.status);
  if (text.trim() === '') return [422, { error: "Validation failed: Text can't be blank" }];
  if (mastoLength(text) > MASTO_MAX_CHARS) {
    return [422, { error: `Validation failed: Text character limit of ${MASTO_MAX_CHARS} exceeded` }];
  }
  const s = addStatus(us, text, {
    in_reply_to_id: inReplyTo || null, visibility,
    sensitive: p.sensitive === true || p.sensitive === 'true' || p.sensitive === '1',
    spoiler_text: str(p.spoiler_text), language: p.language ? str(p.language) : 'fr',
  });
  if (key) idempotency.set(key, s.id);
  posted.push({
    id: s.id, status: text, visibility, in_reply_to_id: s.in_reply_to_id,
    idempotency_key: key || null, at: Date.now(),
  });
  return [200, statusJSON(s)];
}

function xProblem(status, title, detail, extra) {
  return Object.assign({ title, type: 'about:blank', status, detail }, extra || {});
}
function xInvalid(message) {
  return {
    errors: [{ message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  };
}

function handleX(req, url, body, parseError) {
  if (bearer(req, new URLSearchParams()) !== X_TOKEN) {
    return [401, xProblem(401, 'Unauthorized', 'Unauthorized')];
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (req.method === 'POST' && path === '/2/tweets') {
    if (parseError || !body || typeof body !== 'object' || Array.isArray(body)) {
      return [400, xInvalid('Request body is not valid JSON.')];
    }
    if (typeof body.text !== 'string' || body.text === '') {
      return [400, xInvalid('$.text: is missing but it is required')];
    }
    if (xWeightedLength(body.text) > X_MAX_WEIGHT) {
      return [400, xInvalid('Your Tweet text is too long. For more information on how Twitter ' +
        'determines text length see https://github.com/twitter/twitter-text.')];
    }
    let inReplyTo = null;
    if (body.reply !== undefined) {
      inReplyTo = body.reply && body.reply.in_reply_to_tweet_id;
      if (typeof inReplyTo !== 'string' || !/^\d{1,19}$/.test(inReplyTo)) {
        return [400, xInvalid('$.reply.in_reply_to_tweet_id: does not match the regex pattern ^[0-9]{1,19}$')];
      }
    }
    const id = nextXId();
    xPosted.push({ kind: 'tweet', id, text: body.text, in_reply_to_tweet_id: inReplyTo,
      participant_id: null, at: Date.now() });
    return [201, { data: { id, text: body.text, edit_history_tweet_ids: [id] } }];
  }
  const m = /^\/2\/dm_conversations\/with\/([^/]+)\/messages$/.exec(path);
  if (req.method === 'POST' && m) {
    const participant = decodeURIComponent(m[1]);
    if (!/^\d{1,19}$/.test(participant)) {
      return [400, xInvalid(`The \`participant_id\` query parameter value [${participant}] is not valid`)];
    }
    if (parseError || !body || typeof body !== 'object' || Array.isArray(body)) {
      return [400, xInvalid('Request body is not valid JSON.')];
    }
    if ((typeof body.text !== 'string' || body.text === '') && !body.attachments) {
      return [400, xInvalid('$.text: is missing but it is required')];
    }
    if (typeof body.text === 'string' && [...body.text].length > 10000) {
      return [400, xInvalid('$.text: must be at most 10000 characters long')];
    }
    const pair = [X_OUR_USER_ID, participant].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const eventId = nextXId();
    xPosted.push({ kind: 'dm', id: eventId, text: body.text, in_reply_to_tweet_id: null,
      participant_id: participant, at: Date.now() });
    return [201, { data: { dm_conversation_id: pair.join('-'), dm_event_id: eventId } }];
  }
  return [404, xProblem(404, 'Not Found Error', 'The requested resource could not be found.')];
}

// ---------------------------------------------------------------------------------------------
// Control endpoints for the test.

function splitHandle(handle) {
  const m = /^@?([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)(?:@([a-z0-9-]+(?:\.[a-z0-9-]+)+))?$/i
    .exec(String(handle || '').trim());
  return m ? { username: m[1], domain: m[2] || DOMAIN } : null;
}

const WITH_NEW_STATUS = ['mention', 'status', 'update'];
const WITHOUT_STATUS = ['follow', 'follow_request', 'admin.sign_up'];

function control(req, url, body, parseError) {
  const path = url.pathname;
  if (req.method === 'POST' && path === '/__mention') {
    if (parseError || !body) return [400, { error: 'body must be JSON' }];
    const who = splitHandle(body.from);
    if (!who) return [400, { error: 'from must be "name" or "name@domain"' }];
    const type = body.type || 'mention';
    const author = ensureAccount(who.username, who.domain, body.display_name);
    if (body.display_name !== undefined) author.display_name = body.display_name;
    let status = null;
    if (WITH_NEW_STATUS.includes(type)) {
      if (typeof body.text !== 'string') return [400, { error: 'text is required' }];
      if (body.in_reply_to_id && !statuses.has(String(body.in_reply_to_id))) {
        return [400, { error: `no status ${body.in_reply_to_id}` }];
      }
      status = addStatus(author, body.text, {
        visibility: body.visibility || 'public',
        in_reply_to_id: body.in_reply_to_id ? String(body.in_reply_to_id) : null,
        language: body.language, spoiler_text: body.spoiler_text, sensitive: body.sensitive,
      });
    } else if (!WITHOUT_STATUS.includes(type)) {
      if (body.status_id) {
        status = statuses.get(String(body.status_id));
        if (!status) return [400, { error: `no status ${body.status_id}` }];
      } else {
        status = [...statuses.values()].reverse().find((s) => s.acct === OUR) ||
          addStatus(us, body.text || 'Bonjour', { visibility: 'public' });
      }
      if (type === 'favourite') status.favourites_count++;
      if (type === 'reblog') status.reblogs_count++;
    }
    const n = {
      id: nextMastoId(), type, created_at: new Date().toISOString(),
      acct: author.acct.toLowerCase(), status_id: status ? status.id : null,
    };
    notifications.push(n);
    return [200, { notification_id: n.id, status_id: n.status_id, account_id: author.id }];
  }
  if (req.method === 'POST' && path === '/__ratelimit') {
    if (parseError || !body || !limits[body.api]) {
      return [400, { error: 'want {"api": "mastodon"|"x", "count": N, "seconds": S}' }];
    }
    limits[body.api].armed = Math.max(0, parseInt(body.count, 10) || 0);
    limits[body.api].seconds = Math.max(0, Number(body.seconds) || 0);
    return [200, { api: body.api, count: limits[body.api].armed, seconds: limits[body.api].seconds }];
  }
  if (req.method === 'GET' && path === '/__statuses') return [200, posted];
  if (req.method === 'GET' && path === '/__x') return [200, xPosted];
  if (req.method === 'GET' && path === '/__requests') {
    return [200, { notifications: { count: polls.length, polls }, counts: requestCounts }];
  }
  return [404, { error: 'no such control endpoint' }];
}

// ---------------------------------------------------------------------------------------------

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://127.0.0.1');
    const { body, error } = parseBody(raw, req.headers['content-type']);
    let answer;
    try {
      if (url.pathname.startsWith('/__')) { // always JSON, whatever the content type says
        let cbody = {};
        let cerror;
        try {
          if (raw.length) cbody = JSON.parse(raw.toString('utf8'));
        } catch (e) {
          cerror = e.message;
        }
        answer = control(req, url, cbody, cerror);
        send(res, answer[0], answer[1], answer[2]);
        return;
      }
      const now = Date.now();
      let api = 'other';
      let early = false;
      let extra = {};
      const ctx = {};
      if (url.pathname.startsWith('/api/')) {
        api = 'mastodon';
        const rl = rateLimit('mastodon', 'mastodon', now);
        early = rl.early;
        extra = rl.headers;
        answer = rl.throttled ? [429, { error: 'Too many requests' }]
          : handleMastodon(req, url, body, error, ctx);
      } else if (url.pathname.startsWith('/2/')) {
        api = 'x';
        const bucket = url.pathname.startsWith('/2/tweets') ? 'x:tweets'
          : url.pathname.startsWith('/2/dm_') ? 'x:dm' : 'x:other';
        const rl = rateLimit('x', bucket, now);
        early = rl.early;
        extra = rl.headers;
        answer = rl.throttled ? [429, xProblem(429, 'Too Many Requests', 'Too Many Requests')]
          : handleX(req, url, body, error);
      } else {
        answer = [404, { error: 'Not Found' }];
      }
      const key = `${req.method} ${url.pathname}`;
      requestCounts[key] = (requestCounts[key] || 0) + 1;
      if (api === 'mastodon' && req.method === 'GET' && url.pathname === '/api/v1/notifications') {
        const q = url.searchParams;
        polls.push({
          query: url.search.replace(/^\?/, ''), types: q.getAll('types[]'),
          since_id: q.get('since_id'), max_id: q.get('max_id'), min_id: q.get('min_id'),
          limit: q.get('limit'), status: answer[0], returned: ctx.returned || [], at: now,
        });
      }
      fs.appendFileSync(logPath, JSON.stringify({
        api, method: req.method, url: req.url, headers: req.headers,
        body: body === null ? raw.toString('utf8') : body, raw: raw.toString('utf8'),
        status: answer[0], early, at: now,
      }) + '\n');
      send(res, answer[0], answer[1], Object.assign({}, answer[2] || {}, extra));
    } catch (e) {
      process.stderr.write(`social_standin: ${e.stack}\n`);
      send(res, 500, { error: String(e.message) });
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  fs.writeFileSync(portPath + '.tmp', JSON.stringify({ port }));
  fs.renameSync(portPath + '.tmp', portPath);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
