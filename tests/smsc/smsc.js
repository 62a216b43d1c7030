#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// SMSC simulator for mandat's end-to-end tests: an SMPP 3.4 server (the "smpp" npm package) that
// mandat's ESME binds to, plus a JSON control API on HTTP that a test script drives (send MOs and
// delivery receipts, read the MTs the ESME submitted, switch failure modes, drop connections).
// Independent of mandat's C code on purpose: its own GSM 03.38 / UCS-2 / Latin-1 codec and its own
// UDH and SAR handling, so that a shared bug cannot hide on both sides. See README.md beside it.
'use strict';

const http = require('http');
const fs = require('fs');
const smpp = require('smpp');

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node tests/smsc/smsc.js [options]
  --host ADDR            listen address for SMPP and control (default 127.0.0.1)
  --port N               SMPP port (default 2775; 0 = any free port)
  --control-port N       control HTTP port (default 8775; 0 = any free port)
  --system-id S          system_id the ESME must bind with (default mandat)
  --password P           password the ESME must bind with (default secret)
  --smsc-id S            system_id returned in bind responses (default SIMSMSC)
  --id-format hex|dec    message_id style for accepted submit_sm (default hex)
  --auto-dlr             start with the auto_dlr mode on
  --max-mt N             MT history kept (default 100000)
  --ready-file PATH      also write the ready line (JSON) to PATH
  --verbose              log one line per PDU to stderr
  --tls-cert FILE        with --tls-key: SMPP over TLS with this PEM certificate
  --tls-key FILE         the certificate's PEM private key
On start it prints one JSON line to stdout: {"event":"ready","host":..,"smpp_port":..,"control_port":..}`;

function parseArgs(argv) {
    const o = {
        host: '127.0.0.1', port: 2775, controlPort: 8775, systemId: 'mandat', password: 'secret',
        smscId: 'SIMSMSC', idFormat: 'hex', autoDlr: false, maxMt: 100000, readyFile: null,
        verbose: false, tlsCert: null, tlsKey: null,
    };
    const take = (i, name) => {
        if (i + 1 >= argv.length) die(`${name} needs a value`);
        return argv[i + 1];
    };
    const num = (v, name) => {
        if (!/^\d+$/.test(v) || +v > 65535 * 100000) die(`${name}: not a number: ${v}`);
        return +v;
    };
    for (let i = 0; i < argv.length; i++) {
        let a = argv[i];
        const eq = a.indexOf('=');
        if (a.startsWith('--') && eq > 0) { // --port=2775 as well as --port 2775
            argv.splice(i + 1, 0, a.slice(eq + 1));
            a = a.slice(0, eq);
        }
        switch (a) {
        case '--host': o.host = take(i++, a); break;
        case '--port': o.port = num(take(i++, a), a); break;
        case '--control-port': o.controlPort = num(take(i++, a), a); break;
        case '--system-id': o.systemId = take(i++, a); break;
        case '--password': o.password = take(i++, a); break;
        case '--smsc-id': o.smscId = take(i++, a); break;
        case '--id-format': o.idFormat = take(i++, a); break;
        case '--auto-dlr': o.autoDlr = true; break;
        case '--max-mt': o.maxMt = Math.max(1, num(take(i++, a), a)); break;
        case '--ready-file': o.readyFile = take(i++, a); break;
        case '--verbose': case '-v': o.verbose = true; break;
        case '--tls-cert': o.tlsCert = take(i++, a); break;
        case '--tls-key': o.tlsKey = take(i++, a); break;
        case '--help': case '-h': process.stdout.write(USAGE + '\n'); process.exit(0); break;
        default: die(`unknown option ${a}\n${USAGE}`);
        }
    }
    if (o.port > 65535 || o.controlPort > 65535) die('port out of range');
    if (o.idFormat !== 'hex' && o.idFormat !== 'dec') die('--id-format: hex or dec');
    if ((o.tlsCert === null) !== (o.tlsKey === null)) die('--tls-cert and --tls-key go together');
    return o;
}

function die(msg) {
    process.stderr.write(`smsc: ${msg}\n`);
    process.exit(2);
}

const opt = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// Constants and limits

const ST = smpp.errors;
const BODY_LIMIT = 64 * 1024;          // control API request body
const BODY_DRAIN_LIMIT = 16 * 1024 * 1024; // past this an oversized body is cut off, not drained
const MAX_WAIT_MS = 30000;             // any wait a request may ask for
const DEFAULT_RESP_WAIT_MS = 5000;     // wait for deliver_sm_resp
const MAX_TEXT = 20000;                // characters of an MO text
const MAX_SM = 254;                    // short_message octets (SMPP 3.4 sm_length)
const MAX_PAYLOAD = 64000;             // message_payload octets
const MAX_CONNECTIONS = 64;
const MAX_REDELIVER = 100;
const MT_LIST_DEFAULT = 10000;

const MESSAGE_STATE = {
    ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};

// The library decodes short_message, message_payload and times itself (and can throw on odd
// input, which wedges its session). Keep every field raw: this file does its own decoding.
const RAW = { encode: (v) => v, decode: (v) => v };
for (const c of Object.values(smpp.commands)) {
    for (const p of Object.values(c.params || {})) if (p.filter) p.filter = RAW;
}
for (const t of Object.values(smpp.tlvs)) if (t.filter) t.filter = RAW;

// ---------------------------------------------------------------------------------------------
// Text coding: GSM 03.38 default alphabet (unpacked septets, as SMPP carries them), its
// extension table, UCS-2 (UTF-16BE), Latin-1.

const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = { 0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~',
    0x3e: ']', 0x40: '|', 0x65: '€' };
if ([...GSM_BASIC].length !== 128) throw new Error('GSM table');
const GSM_ENC = new Map();
[...GSM_BASIC].forEach((ch, i) => { if (i !== 0x1b) GSM_ENC.set(ch, [i]); });
for (const [code, ch] of Object.entries(GSM_EXT)) GSM_ENC.set(ch, [0x1b, +code]);

// Each character's octets ("atoms"), so that splitting never cuts an escape or a surrogate pair.
// Returns null when some character has no representation in the coding.
function encodeAtoms(text, coding) {
    const atoms = [];
    for (const ch of text) { // iterates code points
        if (coding === 'gsm') {
            const s = GSM_ENC.get(ch);
            if (!s) return null;
            atoms.push(Buffer.from(s));
        } else if (coding === 'latin1') {
            const cp = ch.codePointAt(0);
            if (cp > 0xff) return null;
            atoms.push(Buffer.from([cp]));
        } else { // ucs2: UTF-16BE, a character beyond the BMP as its surrogate pair
            atoms.push(Buffer.from(ch, 'utf16le').swap16());
        }
    }
    return atoms;
}

const CODING_DC = { gsm: 0x00, latin1: 0x03, ucs2: 0x08 };

function gsmDecode(buf) {
    let out = '';
    let bad = false;
    for (let i = 0; i < buf.length; i++) {
        const b = buf[i];
        if (b > 0x7f) { out += '\ufffd'; bad = true; continue; }
        if (b !== 0x1b) { out += GSM_BASIC[b]; continue; }
        // ESC: extension character; ESC + unknown code shows the base character; ESC ESC and a
        // final ESC show a space (3GPP TS 23.038 6.2.1.1).
        if (i + 1 >= buf.length) { out += ' '; continue; }
        const n = buf[++i];
        if (n === 0x1b) out += ' ';
        else if (n > 0x7f) { out += '\ufffd'; bad = true; }
        else out += GSM_EXT[n] !== undefined ? GSM_EXT[n] : GSM_BASIC[n];
    }
    return { text: out, bad };
}

// data_coding -> how the octets are text. SMPP 3.4 5.2.19 for 0x00-0x0F; GSM 03.38 coding
// groups for the rest.
function codingOf(dc) {
    if (dc === 0x00) return 'gsm';
    if (dc === 0x01) return 'ascii';
    if (dc === 0x03) return 'latin1';
    if (dc === 0x08) return 'ucs2';
    if (dc === 0x02 || dc === 0x04) return 'binary';
    if (dc >= 0x10 && dc <= 0x3f) { // general data coding group
        if (dc & 0x20) return 'binary'; // compressed
        return ['gsm', 'binary', 'ucs2', 'binary'][(dc >> 2) & 3];
    }
    if ((dc & 0xf0) === 0xf0) return dc & 0x04 ? 'binary' : 'gsm';
    if (dc >= 0xc0 && dc <= 0xdf) return 'gsm'; // message waiting indication, default alphabet
    if ((dc & 0xf0) === 0xe0) return 'ucs2';
    return 'binary';
}

function decodeText(buf, dc) {
    const coding = codingOf(dc);
    switch (coding) {
    case 'gsm': { const r = gsmDecode(buf); return { coding, text: r.text, bad: r.bad }; }
    case 'ascii': return { coding, text: buf.toString('latin1'), bad: buf.some((b) => b > 0x7f) };
    case 'latin1': return { coding, text: buf.toString('latin1'), bad: false };
    case 'ucs2': {
        const even = buf.subarray(0, buf.length & ~1);
        return { coding, text: Buffer.from(even).swap16().toString('utf16le'), bad: buf.length !== even.length };
    }
    default: return { coding, text: null, bad: false };
    }
}

// User data header: the concatenation element, 8-bit (IEI 0x00) or 16-bit (0x08) reference.
function parseUdh(buf) {
    if (buf.length < 1 || buf[0] + 1 > buf.length) return { err: 'UDH length past the message' };
    const udhl = buf[0];
    let concat = null;
    for (let i = 1; i < 1 + udhl;) {
        if (i + 2 > 1 + udhl) return { err: 'truncated UDH element' };
        const iei = buf[i], len = buf[i + 1];
        if (i + 2 + len > 1 + udhl) return { err: 'UDH element past the header' };
        const d = buf.subarray(i + 2, i + 2 + len);
        if (iei === 0x00 && len === 3) concat = { ref: d[0], total: d[1], seq: d[2], ref_bits: 8 };
        if (iei === 0x08 && len === 4) concat = { ref: d.readUInt16BE(0), total: d[2], seq: d[3], ref_bits: 16 };
        i += 2 + len;
    }
    return { udhLen: 1 + udhl, concat, hex: buf.subarray(0, 1 + udhl).toString('hex') };
}

// ---------------------------------------------------------------------------------------------
// State

const state = {
    sessions: new Map(), // id -> session record
    nextSession: 1,
    mt: [],              // history of submit_sm, oldest first, at most opt.maxMt
    mtBase: 0,           // index of mt[0]
    byMessageId: new Map(), // message_id -> MT record (only records still in history)
    idCounter: 0x10000000,
    udhRef: 0,           // next 8-bit reference for MOs split with UDH
    sarRef: 0,
    timers: new Set(),
    redeliveries: [],    // MOs sent again by after_resp + redeliver_after_ms, oldest first
    modes: null,
    stats: null,
    stopping: false,
};

function defaultModes() {
    return {
        throttle: false,               // submit_sm -> ESME_RTHROTTLED
        queue_full: false,             // submit_sm -> ESME_RMSGQFUL
        drop_next_submit_resp: 0,      // leave the next n submit_sm unanswered
        reject_next_submit: 0,         // answer the next n submit_sm with reject_status
        reject_status: ST.ESME_RSUBMITFAIL,
        submit_resp_delay_ms: 0,       // answer submit_sm after this delay
        auto_dlr: opt.autoDlr,         // receipt after each accepted submit_sm that asked for one
        auto_dlr_stat: 'DELIVRD',
        auto_dlr_delay_ms: 50,
        ignore_enquire_link: false,    // leave enquire_link unanswered (dead-link detection)
        refuse_bind: false,            // answer every bind with ESME_RBINDFAIL
    };
}

function defaultStats() {
    return {
        connections_total: 0, binds_ok: 0, binds_failed: 0, unbinds: 0, enquire_links: 0,
        enquire_links_sent: 0, enquire_links_acked: 0, mo_sent: 0, mo_acked: 0, dlr_sent: 0,
        dlr_acked: 0, mt_received: 0, mt_accepted: 0, mt_rejected: 0, mt_unanswered: 0,
        generic_nacks_sent: 0, protocol_errors: 0, dropped: 0, mo_redelivered: 0,
    };
}

state.modes = defaultModes();
state.stats = defaultStats();

function later(ms, fn) {
    const t = setTimeout(() => { state.timers.delete(t); fn(); }, ms);
    state.timers.add(t);
    return t;
}

function clearTimers() {
    for (const t of state.timers) clearTimeout(t);
    state.timers.clear();
}

function newMessageId() {
    state.idCounter++;
    if (opt.idFormat === 'dec') return String(state.idCounter).padStart(10, '0');
    return state.idCounter.toString(16).toUpperCase();
}

const canReceive = (s) => s.bind === 'receiver' || s.bind === 'transceiver';
const canTransmit = (s) => s.bind === 'transmitter' || s.bind === 'transceiver';

// ---------------------------------------------------------------------------------------------
// PDU logging (--verbose)

function describe(pdu) {
    const f = [`${pdu.command} seq=${pdu.sequence_number}`];
    if (pdu.command_status) f.push(`status=0x${pdu.command_status.toString(16).padStart(2, '0')}`);
    if (pdu.system_id !== undefined && /bind/.test(pdu.command)) f.push(`system_id=${pdu.system_id}`);
    if (pdu.source_addr !== undefined) f.push(`from=${pdu.source_addr} to=${pdu.destination_addr}`);
    if (pdu.esm_class) f.push(`esm=0x${pdu.esm_class.toString(16)}`);
    if (pdu.data_coding) f.push(`dc=${pdu.data_coding}`);
    if (pdu.registered_delivery) f.push(`rd=${pdu.registered_delivery}`);
    if (Buffer.isBuffer(pdu.short_message)) f.push(`sm=${pdu.short_message.toString('hex')}`);
    if (pdu.message_id) f.push(`message_id=${pdu.message_id}`);
    if (pdu.receipted_message_id) f.push(`receipted=${pdu.receipted_message_id}`);
    return f.join(' ');
}

function log(msg) {
    if (opt.verbose) process.stderr.write(`smsc ${new Date().toISOString()} ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// SMPP side

// With --tls-cert/--tls-key the npm smpp package makes a TLS server (its SecureServer).
const tlsOptions = opt.tlsCert ? {
    cert: require('fs').readFileSync(opt.tlsCert), key: require('fs').readFileSync(opt.tlsKey),
} : {};
const server = smpp.createServer(tlsOptions, (session) => {
    const sock = session.socket;
    const s = {
        id: state.nextSession++, session, bind: null, system_id: null, bound_at: null,
        remote: `${sock.remoteAddress}:${sock.remotePort}`, connected_at: new Date().toISOString(),
        pending: new Set(), // finishers of requests waiting for a response
    };
    state.sessions.set(s.id, s);
    state.stats.connections_total++;
    sock.setNoDelay(true);

    session.on('pdu', (pdu) => {
        log(`#${s.id} <- ${describe(pdu)}`);
        try {
            onPdu(s, pdu);
        } catch (e) {
            process.stderr.write(`smsc: #${s.id}: error handling ${pdu.command}: ${e.stack}\n`);
            state.stats.protocol_errors++;
            session.destroy();
        }
    });
    session.on('send', (pdu) => log(`#${s.id} -> ${describe(pdu)}`));
    session.on('error', (e) => {
        // A PDU the library could not parse leaves its session stuck: close the connection, after
        // a generic_nack ESME_RINVCMDLEN when the command_length was the trouble.
        log(`#${s.id} error: ${e.message}`);
        if (/ECONNRESET|EPIPE/.test(e.code || '')) return void session.destroy();
        state.stats.protocol_errors++;
        if (/PDU length/.test(e.message) && sock.writable) {
            state.stats.generic_nacks_sent++;
            session.send(new smpp.PDU('generic_nack', { command_status: ST.ESME_RINVCMDLEN }), () => session.destroy());
        } else {
            session.destroy();
        }
    });
    session.on('close', () => {
        log(`#${s.id} closed`);
        state.sessions.delete(s.id);
        for (const finish of [...s.pending]) finish(null);
    });
});
server.maxConnections = MAX_CONNECTIONS;

function onPdu(s, pdu) {
    const session = s.session;
    if (pdu.isResponse()) return; // answers to our requests go to their callbacks
    if (s.muted) return; // after_resp: this connection reads on but answers nothing more
    switch (pdu.command) {
    case 'bind_transceiver':
    case 'bind_transmitter':
    case 'bind_receiver': {
        let status = ST.ESME_ROK;
        if (s.bind) status = ST.ESME_RALYBND;
        else if (state.modes.refuse_bind || pdu.system_id !== opt.systemId) status = ST.ESME_RBINDFAIL;
        else if (pdu.password !== opt.password) status = ST.ESME_RINVPASWD;
        if (status) {
            state.stats.binds_failed++;
            session.send(pdu.response({ command_status: status }));
            return;
        }
        s.bind = pdu.command.slice(5);
        s.system_id = pdu.system_id;
        s.bound_at = new Date().toISOString();
        state.stats.binds_ok++;
        session.send(pdu.response({ system_id: opt.smscId, sc_interface_version: 0x34 }));
        return;
    }
    case 'enquire_link':
        state.stats.enquire_links++;
        if (!state.modes.ignore_enquire_link) session.send(pdu.response());
        return;
    case 'unbind':
        if (!s.bind) {
            session.send(pdu.response({ command_status: ST.ESME_RINVBNDSTS }));
            return;
        }
        state.stats.unbinds++;
        s.bind = null;
        session.send(pdu.response(), () => session.close());
        return;
    case 'submit_sm':
        onSubmit(s, pdu);
        return;
    case 'query_sm': {
        if (!canTransmit(s)) return void session.send(pdu.response({ command_status: ST.ESME_RINVBNDSTS }));
        const rec = state.byMessageId.get(pdu.message_id);
        if (!rec) return void session.send(pdu.response({ command_status: ST.ESME_RQUERYFAIL }));
        session.send(pdu.response({
            message_id: rec.message_id, final_date: '', error_code: 0,
            message_state: MESSAGE_STATE[rec.state] || MESSAGE_STATE.ENROUTE,
        }));
        return;
    }
    case 'unknown':
        state.stats.generic_nacks_sent++;
        session.send(pdu.response()); // generic_nack ESME_RINVCMDID
        return;
    default: // a command an ESME does not send to an SMSC, or one this simulator does not offer
        session.send(pdu.response({ command_status: s.bind ? ST.ESME_RINVCMDID : ST.ESME_RINVBNDSTS }));
    }
}

// Decode a submit_sm into the record GET /mt shows.
function mtRecord(s, pdu) {
    const sm = Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0);
    const payload = Buffer.isBuffer(pdu.message_payload) ? pdu.message_payload : null;
    const body = sm.length === 0 && payload ? payload : sm;
    const dc = pdu.data_coding || 0;
    const rec = {
        index: 0, session: s.id, system_id: s.system_id, sequence_number: pdu.sequence_number,
        received_at: new Date().toISOString(),
        from: pdu.source_addr, from_ton: pdu.source_addr_ton, from_npi: pdu.source_addr_npi,
        to: pdu.destination_addr, to_ton: pdu.dest_addr_ton, to_npi: pdu.dest_addr_npi,
        service_type: pdu.service_type, esm_class: pdu.esm_class, protocol_id: pdu.protocol_id,
        priority_flag: pdu.priority_flag, registered_delivery: pdu.registered_delivery,
        schedule_delivery_time: String(pdu.schedule_delivery_time || ''),
        validity_period: String(pdu.validity_period || ''),
        data_coding: dc, coding: codingOf(dc), text: null, hex: body.toString('hex'),
        payload: body === payload, udh: null, sar: null, error: null,
        message_id: null, command_status: null, accepted: false, answered: false, state: null,
    };
    let text = body;
    if (pdu.esm_class & 0x40) {
        const u = parseUdh(body);
        if (u.err) rec.error = u.err;
        else {
            text = body.subarray(u.udhLen);
            rec.udh = Object.assign({ hex: u.hex }, u.concat || {});
        }
    }
    if (pdu.sar_msg_ref_num !== undefined || pdu.sar_total_segments !== undefined) {
        rec.sar = { ref: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, seq: pdu.sar_segment_seqnum };
    }
    const d = decodeText(text, dc);
    rec.text = d.text;
    if (d.bad && !rec.error) rec.error = `octets invalid for ${d.coding}`;
    rec._body = text; // octets after the UDH, for reassembly (not shown)
    return rec;
}

function remember(rec) {
    rec.index = state.mtBase + state.mt.length;
    state.mt.push(rec);
    while (state.mt.length > opt.maxMt) {
        const old = state.mt.shift();
        state.mtBase++;
        if (old.message_id && state.byMessageId.get(old.message_id) === old) state.byMessageId.delete(old.message_id);
    }
}

function onSubmit(s, pdu) {
    const session = s.session;
    if (!canTransmit(s)) {
        session.send(pdu.response({ command_status: ST.ESME_RINVBNDSTS }));
        return;
    }
    const m = state.modes;
    const rec = mtRecord(s, pdu);
    remember(rec);
    state.stats.mt_received++;
    if (m.drop_next_submit_resp > 0) {
        m.drop_next_submit_resp--;
        state.stats.mt_unanswered++;
        return;
    }
    let status = ST.ESME_ROK;
    if (m.throttle) status = ST.ESME_RTHROTTLED;
    else if (m.queue_full) status = ST.ESME_RMSGQFUL;
    else if (m.reject_next_submit > 0) { m.reject_next_submit--; status = m.reject_status; }
    rec.command_status = status;
    rec.answered = true;
    if (status === ST.ESME_ROK) {
        rec.accepted = true;
        rec.message_id = newMessageId();
        rec.state = 'ENROUTE';
        state.byMessageId.set(rec.message_id, rec);
        state.stats.mt_accepted++;
    } else {
        state.stats.mt_rejected++;
    }
    const resp = status ? pdu.response({ command_status: status }) : pdu.response({ message_id: rec.message_id });
    const answer = () => {
        session.send(resp);
        if (rec.accepted && m.auto_dlr && wantsReceipt(rec.registered_delivery, m.auto_dlr_stat)) {
            const stat = m.auto_dlr_stat;
            later(m.auto_dlr_delay_ms, () => {
                sendDlr({ message_id: rec.message_id, stat }).catch((e) => log(`auto_dlr: ${e.message}`));
            });
        }
    };
    if (m.submit_resp_delay_ms > 0) later(m.submit_resp_delay_ms, answer);
    else answer();
}

// registered_delivery bits 1..0 (SMPP 3.4 5.2.17): 1 = receipt on success or failure, 2 = on
// failure only, 3 = on success only (SMPP 5.0).
function wantsReceipt(rd, stat) {
    const r = (rd || 0) & 3;
    return stat === 'DELIVRD' ? r === 1 || r === 3 : r === 1 || r === 2;
}

// Send a request and wait for its response; resolves to the response's command_status, or null
// when no response came within ms (or the connection closed first). onResp(resp), if given, runs
// as soon as the response is parsed, before any PDU after it on the connection.
function request(s, command, fields, ms, onResp) {
    return new Promise((resolve) => {
        let timer = null;
        let seq = 0;
        const finish = (status) => {
            if (!s.pending.has(finish)) return;
            s.pending.delete(finish);
            clearTimeout(timer);
            if (seq) delete s.session._callbacks[seq];
            resolve({ seq, status });
        };
        s.pending.add(finish);
        const pdu = new smpp.PDU(command, fields);
        const ok = s.session.send(pdu, (resp) => {
            if (onResp) onResp(resp);
            finish(resp.command_status);
        });
        seq = pdu.sequence_number;
        if (!ok) return finish(null);
        timer = setTimeout(() => finish(null), ms);
    });
}

// ---------------------------------------------------------------------------------------------
// MO: split the text into deliver_sm PDUs

class HttpError extends Error {
    constructor(code, msg) { super(msg); this.code = code; }
}

const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
function int(b, key, lo, hi, dflt) {
    const v = b[key];
    if (v === undefined || v === null) return dflt;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new HttpError(400, `${key}: integer ${lo}..${hi}`);
    return v;
}
function str(b, key, max, dflt) {
    const v = b[key];
    if (v === undefined || v === null) {
        if (dflt === undefined) throw new HttpError(400, `${key}: required`);
        return dflt;
    }
    if (typeof v !== 'string' || v.length > max) throw new HttpError(400, `${key}: string of at most ${max}`);
    return v;
}
const bool = (b, key) => {
    if (b[key] !== undefined && typeof b[key] !== 'boolean') throw new HttpError(400, `${key}: boolean`);
    return b[key] === true;
};

// An address as an SMSC would send it: "+33..." becomes "33..." with TON 1 (international),
// NPI 1 (E.164); letters make TON 5 (alphanumeric); anything else TON 0, NPI 1. The body can
// override with from_ton/from_npi/to_ton/to_npi, and keep the "+" with keep_plus.
function address(b, key) {
    let a = str(b, key, 21);
    let ton = 0, npi = 1;
    if (a.startsWith('+')) { ton = 1; if (!b.keep_plus) a = a.slice(1); }
    else if (/[^0-9]/.test(a)) { ton = 5; npi = 0; }
    if (Buffer.byteLength(a) > 20) throw new HttpError(400, `${key}: at most 20 octets`);
    return { addr: a, ton: int(b, `${key}_ton`, 0, 255, ton), npi: int(b, `${key}_npi`, 0, 255, npi) };
}

function splitAtoms(atoms, n, maxBytes) {
    const parts = [];
    if (n) { // n parts of about the same number of characters
        if (n > atoms.length) throw new HttpError(400, `parts: ${n} parts for ${atoms.length} characters`);
        let at = 0;
        for (let i = 0; i < n; i++) {
            const take = Math.ceil((atoms.length - at) / (n - i));
            parts.push(Buffer.concat(atoms.slice(at, at + take)));
            at += take;
        }
    } else { // as many parts as the per-part limit needs
        let cur = [], len = 0;
        for (const a of atoms) {
            if (len + a.length > maxBytes) { parts.push(Buffer.concat(cur)); cur = []; len = 0; }
            cur.push(a); len += a.length;
        }
        parts.push(Buffer.concat(cur));
    }
    return parts;
}

// Single-part limits (octets) and per-part limits after a 6-octet UDH, per coding.
const LIMITS = { gsm: [160, 153], latin1: [140, 134], ucs2: [140, 134] };

function buildMo(b) {
    const from = address(b, 'from');
    const to = address(b, 'to');
    const common = {
        source_addr_ton: from.ton, source_addr_npi: from.npi, source_addr: from.addr,
        dest_addr_ton: to.ton, dest_addr_npi: to.npi, destination_addr: to.addr,
        service_type: str(b, 'service_type', 5, ''), protocol_id: int(b, 'protocol_id', 0, 255, 0),
    };
    const messageId = str(b, 'message_id', 64, null);
    const extra = {};
    if (messageId !== null) extra.receipted_message_id = messageId; // see README: the MO's SMSC id
    const umr = int(b, 'user_message_reference', 0, 65535, null);
    if (umr !== null) extra.user_message_reference = umr;

    if (b.hex !== undefined) { // raw octets, sent as they are
        const hex = str(b, 'hex', 2 * MAX_SM);
        if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new HttpError(400, 'hex: pairs of hex digits');
        return [Object.assign({}, common, extra, {
            esm_class: int(b, 'esm_class', 0, 255, 0), data_coding: int(b, 'data_coding', 0, 255, 0),
            short_message: Buffer.from(hex, 'hex'),
        })];
    }
    const text = str(b, 'text', MAX_TEXT);
    let coding = b.coding;
    let atoms;
    if (coding === undefined || coding === null) {
        atoms = encodeAtoms(text, 'gsm');
        coding = 'gsm';
        if (!atoms) { coding = 'ucs2'; atoms = encodeAtoms(text, coding); }
    } else {
        if (!(coding in CODING_DC)) throw new HttpError(400, 'coding: gsm, ucs2 or latin1');
        atoms = encodeAtoms(text, coding);
        if (!atoms) throw new HttpError(400, `text: not representable in ${coding}`);
    }
    const dc = int(b, 'data_coding', 0, 255, CODING_DC[coding]);
    const esm = int(b, 'esm_class', 0, 255, 0);
    const sar = bool(b, 'sar');
    const total = atoms.reduce((n, a) => n + a.length, 0);

    if (bool(b, 'payload')) { // whole text in message_payload, short_message empty
        if (total > MAX_PAYLOAD) throw new HttpError(400, 'text: too long for message_payload');
        return [Object.assign({}, common, extra, {
            esm_class: esm, data_coding: dc, short_message: Buffer.alloc(0),
            message_payload: Buffer.concat(atoms),
        })];
    }
    let n = int(b, 'parts', 1, 255, null);
    let parts;
    if (n === null && total <= LIMITS[coding][0] && !sar) parts = [Buffer.concat(atoms)];
    else if (n === 1) parts = [Buffer.concat(atoms)];
    else parts = splitAtoms(atoms, n, LIMITS[coding][1]);
    n = parts.length;
    if (parts.length > 255) throw new HttpError(400, 'text: more than 255 parts');
    const concat = n > 1 || sar;
    const ref16 = bool(b, 'udh16');
    let ref;
    if (concat) {
        const max = sar || ref16 ? 65535 : 255;
        ref = int(b, 'ref', 0, max, null);
        if (ref === null) {
            if (sar) ref = state.sarRef = (state.sarRef + 1) & 0xffff;
            else ref = ref16 ? (state.sarRef = (state.sarRef + 1) & 0xffff) : (state.udhRef = (state.udhRef + 1) & 0xff);
        }
    }
    return parts.map((p, i) => {
        const f = Object.assign({}, common, extra, { esm_class: esm, data_coding: dc });
        if (concat && sar) {
            f.sar_msg_ref_num = ref; f.sar_total_segments = n; f.sar_segment_seqnum = i + 1;
        } else if (concat) {
            const udh = ref16 ? Buffer.from([6, 0x08, 4, ref >> 8, ref & 0xff, n, i + 1])
                : Buffer.from([5, 0x00, 3, ref, n, i + 1]);
            p = Buffer.concat([udh, p]);
            f.esm_class |= 0x40;
        }
        if (p.length > MAX_SM) throw new HttpError(400, `part ${i + 1}: ${p.length} octets, over ${MAX_SM}`);
        f.short_message = p;
        return f;
    });
}

async function pickReceiver(b, systemId, exclude) {
    const wait = exclude !== undefined ? MAX_WAIT_MS : int(b, 'wait_bind_ms', 0, MAX_WAIT_MS, 0);
    const want = int(b, 'session', 1, Number.MAX_SAFE_INTEGER, null);
    const deadline = Date.now() + wait;
    for (;;) {
        const all = [...state.sessions.values()].filter((x) => canReceive(x) && !x.muted && x.id !== exclude);
        let s;
        if (want !== null) s = all.find((x) => x.id === want);
        else s = all.find((x) => x.system_id === systemId && x.bind === 'transceiver')
            || all.find((x) => x.system_id === systemId) || all[0];
        if (s) return s;
        if (Date.now() >= deadline) {
            throw new HttpError(409, want !== null ? `session ${want} not bound as a receiver` : 'no receiver or transceiver bound');
        }
        await new Promise((r) => setTimeout(r, 50)); // not later(): POST /reset must not strand it
    }
}

// Send each round of PDUs, wait for all their responses, then the next round. onLast(resp) runs
// on the response to the last PDU of the last round, as soon as it is read.
async function deliver(s, rounds, ms, kind, onLast) {
    const seqs = [], statuses = [];
    for (const [r, pdus] of rounds.entries()) {
        const res = await Promise.all(pdus.map((f, i) => {
            state.stats[`${kind}_sent`]++;
            const last = r === rounds.length - 1 && i === pdus.length - 1;
            return request(s, 'deliver_sm', Object.assign({}, f), ms, last ? onLast : undefined);
        }));
        for (const r of res) {
            seqs.push(r.seq);
            statuses.push(r.status);
            if (r.status === 0) state.stats[`${kind}_acked`]++;
        }
    }
    const nack = statuses.find((x) => x !== null && x !== 0);
    return {
        session: s.id, sequence_numbers: seqs, statuses,
        acked: statuses.every((x) => x === 0),
        command_status: nack !== undefined ? nack : statuses.includes(null) ? null : 0,
    };
}

// after_resp "drop" | "mute": the moment the (last) deliver_sm_resp is read, destroy the
// connection, or keep it open but answer nothing more on it; either way nothing written after
// that response is answered, so the ESME cannot know it was read (a message in doubt). With
// redeliver_after_ms, the same PDUs go again that long after, on the next bind (another
// connection, waited for up to 30 s); the outcome is listed by GET /redeliveries.
async function handleMo(b) {
    const pdus = buildMo(b);
    const k = int(b, 'redeliver', 0, MAX_REDELIVER, 0);
    const ms = int(b, 'timeout_ms', 1, MAX_WAIT_MS, DEFAULT_RESP_WAIT_MS);
    const after = str(b, 'after_resp', 8, '');
    const again = int(b, 'redeliver_after_ms', 0, 24 * 3600 * 1000, null);
    if (after !== '' && after !== 'drop' && after !== 'mute') throw new HttpError(400, 'after_resp is drop or mute');
    if (again !== null && after === '') throw new HttpError(400, 'redeliver_after_ms needs after_resp');
    const s = await pickReceiver(b, opt.systemId);
    const rounds = [];
    for (let i = 0; i <= k; i++) rounds.push(pdus);
    const onLast = after === '' ? undefined : () => {
        s.muted = true;
        if (after === 'drop') {
            state.stats.dropped++;
            s.session.destroy();
        }
    };
    const res = await deliver(s, rounds, ms, 'mo', onLast);
    if (again !== null) {
        const entry = { from: b.from, text: b.text, due: new Date(Date.now() + again).toISOString(), done: false };
        state.redeliveries.push(entry);
        later(again, () => redeliver(b, pdus, ms, s.id, entry));
        res.redelivery = state.redeliveries.length - 1;
    }
    return res;
}

async function redeliver(b, pdus, ms, exclude, entry) {
    try {
        const s = await pickReceiver(b, opt.systemId, exclude);
        state.stats.mo_redelivered++;
        Object.assign(entry, await deliver(s, [pdus], ms, 'mo'));
    } catch (e) {
        entry.error = e.message;
    }
    entry.done = true;
}

// ---------------------------------------------------------------------------------------------
// Delivery receipts

function yymmddhhmm(d) {
    const p = (n) => String(n).padStart(2, '0');
    return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes());
}

async function sendDlr(b) {
    const id = str(b, 'message_id', 64);
    const stat = str(b, 'stat', 7, 'DELIVRD');
    if (!/^[A-Z]{1,7}$/.test(stat)) throw new HttpError(400, 'stat: DELIVRD, UNDELIV, EXPIRED, ...');
    const rec = state.byMessageId.get(id) || null;
    const err = str(b, 'err', 3, '000');
    const ms = int(b, 'timeout_ms', 1, MAX_WAIT_MS, DEFAULT_RESP_WAIT_MS);
    // The receipt goes back the way the MT came: from its destination to its source.
    const from = b.from !== undefined ? address(b, 'from') : rec ? { addr: rec.to, ton: rec.to_ton, npi: rec.to_npi } : { addr: '', ton: 0, npi: 0 };
    const to = b.to !== undefined ? address(b, 'to') : rec ? { addr: rec.from, ton: rec.from_ton, npi: rec.from_npi } : { addr: '', ton: 0, npi: 0 };
    // Only characters GSM and ASCII share, so that the receipt reads the same either way.
    const orig = rec && rec.text ? rec.text.slice(0, 20).replace(/[^A-Za-z0-9 !"#%&'()*+,\-.\/:;<=>?]/g, '?') : '';
    const dlvrd = str(b, 'dlvrd', 3, stat === 'DELIVRD' ? '001' : '000');
    const submitted = rec ? new Date(rec.received_at) : new Date();
    const text = str(b, 'text', 200, `id:${str(b, 'text_id', 64, id)} sub:001 dlvrd:${dlvrd} ` +
        `submit date:${yymmddhhmm(submitted)} done date:${yymmddhhmm(new Date())} stat:${stat} err:${err} text:${orig}`);
    const atoms = encodeAtoms(text, 'gsm');
    if (!atoms) throw new HttpError(400, 'text: not representable in GSM');
    const f = {
        source_addr_ton: from.ton, source_addr_npi: from.npi, source_addr: from.addr,
        dest_addr_ton: to.ton, dest_addr_npi: to.npi, destination_addr: to.addr,
        esm_class: 0x04, data_coding: 0, short_message: Buffer.concat(atoms),
    };
    if (f.short_message.length > MAX_SM) throw new HttpError(400, 'text: too long');
    if (!bool(b, 'no_tlv')) {
        f.receipted_message_id = id;
        f.message_state = int(b, 'message_state', 0, 255, MESSAGE_STATE[stat] || MESSAGE_STATE.UNKNOWN);
        if (!/^0*$/.test(err)) { // network_error_code: type 3 (GSM), then the error code
            const e = parseInt(err, 10) || 0;
            f.network_error_code = Buffer.from([3, (e >> 8) & 0xff, e & 0xff]);
        }
    }
    let s;
    if (b.session === undefined && rec) { // the ESME that submitted, if it can still receive
        const same = state.sessions.get(rec.session);
        if (same && canReceive(same)) s = same;
        else s = await pickReceiver(b, rec.system_id);
    } else {
        s = await pickReceiver(b, opt.systemId);
    }
    if (rec) rec.state = stat;
    return Object.assign(await deliver(s, [[f]], ms, 'dlr'), { text });
}

// ---------------------------------------------------------------------------------------------
// MT listing: parts as received, and messages reassembled from UDH or SAR parts

function publicRecord(r) {
    const o = Object.assign({}, r);
    delete o._body;
    delete o.state;
    return o;
}

function reassemble(recs) {
    const messages = [];
    const open = new Map();
    for (const r of recs) {
        if (!r.accepted) continue; // rejected or unanswered submits get resent by the ESME
        const c = r.udh && r.udh.total ? Object.assign({ via: 'udh' }, r.udh) : r.sar ? Object.assign({ via: 'sar' }, r.sar) : null;
        if (!c || !(c.total > 1)) {
            messages.push({ via: 'single', ref: null, from: r.from, to: r.to, data_coding: r.data_coding,
                total: 1, parts: [r.index], message_ids: [r.message_id], complete: true, text: r.text, _p: null });
            continue;
        }
        const key = `${c.via}|${c.ref_bits || 16}|${c.ref}|${c.total}|${r.from}|${r.to}`;
        let m = open.get(key);
        if (m && m._p.has(c.seq)) { open.delete(key); m = null; } // same ref again: a new message
        if (!m) {
            m = { via: c.via, ref: c.ref, ref_bits: c.via === 'udh' ? c.ref_bits : 16, from: r.from, to: r.to,
                data_coding: r.data_coding, total: c.total, parts: [], message_ids: [], complete: false,
                text: null, _p: new Map() };
            open.set(key, m);
            messages.push(m);
        }
        m._p.set(c.seq, r);
        m.parts.push(r.index);
        m.message_ids.push(r.message_id);
        if (m._p.size === m.total) open.delete(key);
    }
    for (const m of messages) {
        if (!m._p) { delete m._p; continue; }
        const seqs = [...m._p.keys()].sort((a, b) => a - b);
        m.complete = seqs.length === m.total && seqs[0] === 1 && seqs[seqs.length - 1] === m.total;
        const body = Buffer.concat(seqs.map((q) => m._p.get(q)._body)); // decode once: a character may straddle parts
        m.text = decodeText(body, m.data_coding).text;
        m.received_parts = seqs;
        delete m._p;
    }
    return messages;
}

function listMt(query) {
    const since = Math.max(0, parseInt(query.get('since') || '0', 10) || 0);
    let limit = parseInt(query.get('limit') || String(MT_LIST_DEFAULT), 10);
    if (!(limit > 0)) limit = MT_LIST_DEFAULT;
    limit = Math.min(limit, opt.maxMt);
    const start = Math.max(since, state.mtBase) - state.mtBase;
    const window = state.mt.slice(start, start + limit);
    const total = state.mtBase + state.mt.length;
    const next = window.length ? window[window.length - 1].index + 1 : Math.max(Math.min(since, total), state.mtBase);
    // Messages with a part in the window, built from all the history kept (parts may be older).
    const inWindow = new Set(window.map((r) => r.index));
    const messages = reassemble(state.mt).filter((m) => m.parts.some((i) => inWindow.has(i)));
    return {
        since, next, first: state.mtBase, total,
        truncated: start + limit < state.mt.length,
        mt: window.map(publicRecord), messages,
    };
}

// ---------------------------------------------------------------------------------------------
// Control API

function setModes(b) {
    const m = state.modes;
    const next = Object.assign({}, m);
    const known = Object.keys(m);
    for (const k of Object.keys(b)) {
        if (!known.includes(k)) throw new HttpError(400, `unknown mode ${k}; modes: ${known.join(', ')}`);
        const v = b[k];
        if (typeof m[k] === 'boolean') {
            if (typeof v !== 'boolean') throw new HttpError(400, `${k}: boolean`);
        } else if (k === 'auto_dlr_stat') {
            if (typeof v !== 'string' || !/^[A-Z]{1,7}$/.test(v)) throw new HttpError(400, `${k}: DELIVRD, UNDELIV, ...`);
        } else if (!Number.isInteger(v) || v < 0 || v > (k.endsWith('_ms') ? MAX_WAIT_MS : 0xffffffff)) {
            throw new HttpError(400, `${k}: non-negative integer`);
        }
        next[k] = v;
    }
    Object.assign(m, next);
    return m;
}

function binds() {
    const list = [...state.sessions.values()];
    return {
        connections: list.length,
        binds: list.filter((s) => s.bind).map((s) => ({
            session: s.id, bind: s.bind, system_id: s.system_id, remote: s.remote, bound_at: s.bound_at,
        })),
    };
}

function dropAll() {
    const list = [...state.sessions.values()];
    for (const s of list) s.session.destroy();
    state.stats.dropped += list.length;
    return { dropped: list.length };
}

async function enquireAll(b) {
    const ms = int(b, 'timeout_ms', 1, MAX_WAIT_MS, DEFAULT_RESP_WAIT_MS);
    const list = [...state.sessions.values()].filter((s) => s.bind);
    const res = await Promise.all(list.map((s) => {
        state.stats.enquire_links_sent++;
        return request(s, 'enquire_link', {}, ms);
    }));
    const results = res.map((r, i) => ({ session: list[i].id, sequence_number: r.seq, command_status: r.status }));
    const ok = res.filter((r) => r.status === 0).length;
    state.stats.enquire_links_acked += ok;
    return { sent: list.length, acked: list.length > 0 && ok === list.length, results };
}

function reset() {
    clearTimers();
    state.mt = [];
    state.mtBase = 0;
    state.byMessageId.clear();
    state.modes = defaultModes();
    state.stats = defaultStats();
    state.redeliveries = [];
    return { ok: true };
}

function stats() {
    const bs = binds();
    return Object.assign({}, state.stats, {
        connections: bs.connections, binds: bs.binds.length, mt_recorded: state.mt.length,
    });
}

const routes = {
    'GET /health': () => ({ ok: true }),
    'GET /binds': () => binds(),
    'GET /stats': () => stats(),
    'GET /mt': (b, q) => listMt(q),
    'GET /mode': () => state.modes,
    'GET /redeliveries': () => ({ redeliveries: state.redeliveries }),
    'POST /mode': (b) => setModes(b),
    'POST /mo': (b) => handleMo(b),
    'POST /dlr': (b) => sendDlr(b),
    'POST /drop': () => dropAll(),
    'POST /reset': () => reset(),
    'POST /enquire_link': (b) => enquireAll(b),
};

function reply(res, code, obj) {
    const body = JSON.stringify(obj) + '\n';
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const declared = parseInt(req.headers['content-length'] || '0', 10);
        if (declared > BODY_DRAIN_LIMIT) return reject(new HttpError(413, `body over ${BODY_LIMIT} octets`));
        const chunks = [];
        let n = 0;
        req.on('data', (c) => {
            n += c.length;
            if (n > BODY_DRAIN_LIMIT) { req.destroy(); return; }
            if (n <= BODY_LIMIT) chunks.push(c); // over the limit: drain and discard, then 413
        });
        req.on('end', () => {
            if (n > BODY_LIMIT) return reject(new HttpError(413, `body over ${BODY_LIMIT} octets`));
            resolve(Buffer.concat(chunks).toString('utf8'));
        });
        req.on('error', reject);
    });
}

const control = http.createServer(async (req, res) => {
    try {
        const url = new URL(req.url, 'http://x');
        const route = routes[`${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`];
        const raw = await readBody(req);
        if (!route) {
            const known = Object.keys(routes).some((r) => r.endsWith(` ${url.pathname}`));
            throw new HttpError(known ? 405 : 404, `no ${req.method} ${url.pathname}`);
        }
        let b = {};
        if (raw.trim()) {
            try { b = JSON.parse(raw); } catch (e) { throw new HttpError(400, `bad JSON: ${e.message}`); }
            if (!isObj(b)) throw new HttpError(400, 'body: a JSON object');
        }
        reply(res, 200, await route(b, url.searchParams));
    } catch (e) {
        if (e instanceof HttpError) reply(res, e.code, { error: e.message });
        else {
            process.stderr.write(`smsc: control: ${e.stack}\n`);
            reply(res, 500, { error: e.message });
        }
    }
});
control.requestTimeout = 60000;
control.headersTimeout = 10000;
control.maxHeadersCount = 50;

// ---------------------------------------------------------------------------------------------
// Start and stop

function listen(srv, port) {
    return new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, opt.host, () => { srv.removeListener('error', reject); resolve(srv.address().port); });
    });
}

async function shutdown(sig) {
    if (state.stopping) return;
    state.stopping = true;
    log(`${sig}: stopping`);
    clearTimers();
    server.close();
    control.close();
    if (control.closeAllConnections) control.closeAllConnections();
    // Unbind the bound ESMEs politely (200 ms at most), then close everything.
    const bound = [...state.sessions.values()].filter((s) => s.bind);
    await Promise.all(bound.map((s) => request(s, 'unbind', {}, 200)));
    for (const s of state.sessions.values()) s.session.destroy();
    process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

(async () => {
    try {
        const smppPort = await listen(server, opt.port);
        const controlPort = await listen(control, opt.controlPort);
        const ready = JSON.stringify({ event: 'ready', host: opt.host, smpp_port: smppPort, control_port: controlPort, pid: process.pid });
        if (opt.readyFile) fs.writeFileSync(opt.readyFile, ready + '\n');
        process.stdout.write(ready + '\n');
        log(`listening: smpp ${opt.host}:${smppPort}, control http://${opt.host}:${controlPort}`);
    } catch (e) {
        die(`cannot listen: ${e.message}`);
    }
})();
