#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A tiny ESME for selftest.sh: stands in for mandat to check the SMSC simulator (smsc.js) with
// the smpp package's own codec (not the simulator's). Two ways to run it:
//   --bind-only: bind once, print the bind_resp status as a JSON line, keep the bind --hold ms,
//                unbind and exit (bind failures, transmitter/receiver binds);
//   otherwise:   bind (transceiver by default), send two submit_sm (GSM text with a euro sign,
//                and UCS-2 text), ack every deliver_sm, reconnect when dropped (--reconnect),
//                and take orders on a small HTTP API (--http-port; ready line on stdout):
//                POST /submit, GET /received, POST /mode, POST /enquire_link, GET /state.
'use strict';

const http = require('http');
const smpp = require('smpp');

const o = { port: 2775, systemId: 'mandat', password: 'secret', bindMode: 'transceiver', httpPort: 0,
    bindOnly: false, hold: 0, reconnect: false };
const a = process.argv.slice(2);
for (let i = 0; i < a.length; i++) {
    switch (a[i]) {
    case '--port': o.port = +a[++i]; break;
    case '--system-id': o.systemId = a[++i]; break;
    case '--password': o.password = a[++i]; break;
    case '--bind-mode': o.bindMode = a[++i]; break;
    case '--http-port': o.httpPort = +a[++i]; break;
    case '--bind-only': o.bindOnly = true; break;
    case '--hold': o.hold = +a[++i]; break;
    case '--reconnect': o.reconnect = true; break;
    default: process.stderr.write(`selfclient: unknown option ${a[i]}\n`); process.exit(2);
    }
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const MAX_RECEIVED = 10000;
const st = { session: null, bound: false, binds: 0, received: [], initial: [],
    deliverStatus: 0, noAck: false, stopping: false };

// What a deliver_sm carried, decoded by the smpp package.
function record(pdu) {
    const sm = pdu.short_message || {};
    const r = {
        sequence_number: pdu.sequence_number, esm_class: pdu.esm_class, data_coding: pdu.data_coding,
        source_addr: pdu.source_addr, source_addr_ton: pdu.source_addr_ton, destination_addr: pdu.destination_addr,
        text: typeof sm.message === 'string' ? sm.message : null,
        udh: (sm.udh || []).map((u) => u.toString('hex')),
    };
    for (const k of ['receipted_message_id', 'message_state', 'sar_msg_ref_num', 'sar_total_segments',
        'sar_segment_seqnum', 'user_message_reference']) if (pdu[k] !== undefined) r[k] = pdu[k];
    if (pdu.network_error_code) r.network_error_code = pdu.network_error_code.toString('hex');
    if (pdu.message_payload) r.payload = pdu.message_payload.message;
    return r;
}

function submit(b) {
    return new Promise((resolve) => {
        const s = st.session;
        if (!s || !st.bound) return resolve({ error: 'not bound' });
        const msg = b.udh ? { udh: Buffer.from(b.udh, 'hex'), message: b.text } : b.text;
        let done = false;
        const finish = (r) => { if (!done) { done = true; clearTimeout(t); resolve(r); } };
        const t = setTimeout(() => finish({ command_status: null, message_id: null }), b.timeout_ms || 2000);
        s.submit_sm({
            source_addr: b.from || '71004', source_addr_ton: 3, source_addr_npi: 0,
            destination_addr: b.to || '33612345678', dest_addr_ton: 1, dest_addr_npi: 1,
            registered_delivery: b.registered_delivery || 0, data_coding: b.data_coding || 0,
            short_message: msg,
        }, (resp) => finish({ command_status: resp.command_status, message_id: resp.message_id || null }));
    });
}

function connect() {
    const s = smpp.connect({ host: '127.0.0.1', port: o.port });
    st.session = s;
    s.on('error', (e) => out({ event: 'error', message: e.message }));
    s.on('close', () => {
        st.bound = false;
        out({ event: 'closed' });
        if (o.bindOnly) process.exit(st.exitCode || 0);
        if (o.reconnect && !st.stopping) setTimeout(connect, 300);
    });
    s.on('enquire_link', (pdu) => s.send(pdu.response()));
    s.on('unbind', (pdu) => { st.bound = false; s.send(pdu.response()); });
    s.on('deliver_sm', (pdu) => {
        if (st.received.length < MAX_RECEIVED) st.received.push(record(pdu));
        if (!st.noAck) s.send(pdu.response({ command_status: st.deliverStatus }));
    });
    s.on('connect', () => {
        s[`bind_${o.bindMode}`]({ system_id: o.systemId, password: o.password }, async (resp) => {
            out({ event: 'bind', command_status: resp.command_status, system_id: resp.system_id || null });
            if (resp.command_status !== 0) { s.close(); return; }
            st.bound = true;
            st.binds++;
            if (o.bindOnly) {
                setTimeout(() => s.unbind((r) => { out({ event: 'unbind', command_status: r.command_status }); s.close(); }), o.hold);
                return;
            }
            if (st.binds === 1) { // the two messages the brief asks for, once
                st.initial.push(await submit({ text: 'Prix: 5€ {ok} [x]', data_coding: 0 }));
                st.initial.push(await submit({ text: 'Привет, ça coûte 5 € ✓', data_coding: 8 }));
                out({ event: 'initial', results: st.initial });
            }
        });
    });
}

function reply(res, code, obj) {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj) + '\n');
}

if (!o.bindOnly) {
    const srv = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => { if (body.length < 65536) body += c; });
        req.on('end', async () => {
            let b = {};
            try { if (body.trim()) b = JSON.parse(body); } catch (e) { return reply(res, 400, { error: 'bad JSON' }); }
            const route = `${req.method} ${req.url.split('?')[0]}`;
            if (route === 'POST /submit') return reply(res, 200, await submit(b));
            if (route === 'GET /received') return reply(res, 200, { deliver_sm: st.received });
            if (route === 'GET /state') return reply(res, 200, { bound: st.bound, binds: st.binds, initial: st.initial });
            if (route === 'POST /mode') {
                if (b.deliver_status !== undefined) st.deliverStatus = b.deliver_status;
                if (b.no_ack !== undefined) st.noAck = b.no_ack;
                return reply(res, 200, { deliver_status: st.deliverStatus, no_ack: st.noAck });
            }
            if (route === 'POST /enquire_link') {
                if (!st.bound) return reply(res, 409, { error: 'not bound' });
                return st.session.enquire_link((r) => reply(res, 200, { command_status: r.command_status }));
            }
            reply(res, 404, { error: 'no such route' });
        });
    });
    srv.listen(o.httpPort, '127.0.0.1', () => out({ event: 'ready', http_port: srv.address().port }));
}

process.on('SIGTERM', () => {
    st.stopping = true;
    if (st.session) st.session.destroy();
    process.exit(0);
});

connect();
