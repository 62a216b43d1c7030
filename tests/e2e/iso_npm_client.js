// SPDX-License-Identifier: Apache-2.0
// The independent ISO 8583 switch of issue 15's tests: every message is packed and unpacked by the
// npm `iso_8583` package (not by mandat's codec, not by the tests' own Python codec). A test
// drives it over stdin/stdout, one JSON object a line:
//   {"op":"connect","conn":"a","port":1234}             -> {"ok":true}
//      ("pin_hex":32 for a link whose zone PIN key is AES: field 52 of 32 hex characters, an
//      ISO 9564 format 4 block of 16 bytes, on that connection)
//   {"op":"request","conn":"a","mti":"0100","fields":{"2":"...","11":"000123",...}}
//                                                        -> {"mti":"0110","fields":{...},"ms":12.3}
//      (waits for the answer carrying the same STAN, field 11; ms is the time it took)
//   {"op":"send",...}  as request, without waiting      -> {"ok":true}
//   {"op":"close","conn":"a"}                            -> {"ok":true}
// An error (a frame the package refuses, a closed connection, 15 s without an answer) is
// {"error":"..."}.
//
// How the package is configured for mandat's ISO 8583:1987 table (README "ISO 8583
// conventions"), each a difference from the package's defaults:
// - field 1 (the bitmap) as `an`: the package then writes the bitmaps as 32 hex ASCII
//   characters; by default it writes them as 16 binary bytes. The package always sets bit 1 and
//   sends the secondary bitmap, all zero when no field above 64 is present (mandat accepts it).
// - field 52 as `an` 16: the package's `b` 16 packs the PIN block as 8 raw bytes; mandat, like
//   jPOS's ASCII packagers, carries it as 16 hex characters.
// - unpacking: with bitmapEncoding 'utf8' the package assumes both bitmaps are always there
//   (it reads 32 characters whatever bit 1 says), and mandat sends the secondary bitmap only
//   when a field above 64 is present. So the client turns the hex ASCII bitmaps of an answer
//   into the binary bitmaps the package's default unpacker reads (bit 1 decides), and lets the
//   package parse the rest.
// The rest of the two tables agree, field by field (kind, length type, maximum), but for 37
// and 38 (`anp` there, `an` with a space allowed here: the same characters) and 54 (`an` there,
// `ans` here: mandat's balances are letters and digits, and the unpacker checks no kinds).
'use strict';

const net = require('net');
const readline = require('readline');
const Iso8583 = require('iso_8583');

const FORMATS = {
    1: {ContentType: 'an', Label: 'Bitmap', LenType: 'fixed', MaxLen: 16},
    52: {ContentType: 'an', Label: 'PIN block, hex', LenType: 'fixed', MaxLen: 16},
};
const ANSWER_MS = 15000;

const conns = new Map();

function out(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

function pack(mti, fields, formats) {
    const msg = {0: mti};
    for (const k of Object.keys(fields)) {
        msg[k] = String(fields[k]);
    }
    const iso = new Iso8583(msg, formats);
    const buf = iso.getBufferMessage();
    if (!Buffer.isBuffer(buf)) {
        throw new Error('iso_8583 refused the message: ' + JSON.stringify(buf));
    }
    return buf;
}

function unpack(body) {
    const text = body.toString('latin1');
    const second = (parseInt(text.substr(4, 1), 16) & 8) !== 0;
    const hexLen = second ? 32 : 16;
    const binary = Buffer.concat([body.subarray(0, 4), Buffer.from(text.substr(4, hexLen), 'hex'),
                                  body.subarray(4 + hexLen)]);
    const lenHead = Buffer.alloc(2);
    lenHead.writeUInt16BE(binary.length);
    const json = new Iso8583({}, FORMATS).getIsoJSON(Buffer.concat([lenHead, binary]), {});
    if (json.error) {
        throw new Error('iso_8583 refused the answer: ' + json.error);
    }
    const fields = {};
    for (const k of Object.keys(json)) {
        if (k !== '0') {
            fields[k] = json[k];
        }
    }
    return {mti: json[0], fields};
}

function connect(name, port, pinHex, done) {
    const c = {sock: net.connect(port, '127.0.0.1'), buf: Buffer.alloc(0), waiting: new Map(),
               formats: FORMATS};
    if (pinHex) {
        c.formats = {...FORMATS, 52: {...FORMATS[52], MaxLen: pinHex}};
    }
    let connected = false;
    c.sock.setNoDelay(true);
    c.sock.on('connect', () => {
        connected = true;
        done(null);
    });
    // Before the connection, an error answers the connect command; after it (a reset when
    // mandatd is killed), it fails only the requests waiting: nothing else is written, so
    // that each command gets exactly one line.
    c.sock.on('error', (e) => {
        if (!connected) {
            connected = true;
            done(e);
        }
        failAll(c, 'connection error: ' + e.message);
    });
    c.sock.on('close', () => failAll(c, 'connection closed'));
    c.sock.on('data', (d) => {
        c.buf = Buffer.concat([c.buf, d]);
        while (c.buf.length >= 2 && c.buf.length >= 2 + c.buf.readUInt16BE(0)) {
            const n = c.buf.readUInt16BE(0);
            const body = c.buf.subarray(2, 2 + n);
            c.buf = c.buf.subarray(2 + n);
            if (n === 0) {
                continue;
            }
            let m;
            try {
                m = unpack(body);
            } catch (e) {
                failAll(c, e.message);
                continue;
            }
            const w = c.waiting.get(m.fields[11]);
            if (w) {
                c.waiting.delete(m.fields[11]);
                clearTimeout(w.timer);
                out({mti: m.mti, fields: m.fields, ms: Number(process.hrtime.bigint() - w.t0) / 1e6});
            }
        }
    });
    conns.set(name, c);
}

function failAll(c, why) {
    for (const [stan, w] of c.waiting) {
        clearTimeout(w.timer);
        out({error: why + ' (waiting for STAN ' + stan + ')'});
    }
    c.waiting.clear();
}

function handle(cmd, next) {
    const c = conns.get(cmd.conn);
    if (cmd.op === 'connect') {
        connect(cmd.conn, cmd.port, cmd.pin_hex, (e) => {
            out(e ? {error: e.message} : {ok: true});
            next();
        });
        return;
    }
    if (!c) {
        out({error: 'no connection ' + cmd.conn});
        return next();
    }
    if (cmd.op === 'close') {
        c.sock.removeAllListeners('close');
        c.sock.destroy();
        conns.delete(cmd.conn);
        out({ok: true});
        return next();
    }
    let frame;
    try {
        frame = pack(cmd.mti, cmd.fields, c.formats);
    } catch (e) {
        out({error: e.message});
        return next();
    }
    if (cmd.op === 'send') {
        c.sock.write(frame, () => {
            out({ok: true});
            next();
        });
        return;
    }
    const stan = String(cmd.fields[11]);
    const timer = setTimeout(() => {
        c.waiting.delete(stan);
        out({error: 'no answer within ' + ANSWER_MS + ' ms for STAN ' + stan});
    }, ANSWER_MS);
    c.waiting.set(stan, {t0: process.hrtime.bigint(), timer});
    c.sock.write(frame);
    // The answer (or the error) is written by the data handler; the next command waits for it.
    const poll = setInterval(() => {
        if (!c.waiting.has(stan)) {
            clearInterval(poll);
            next();
        }
    }, 1);
}

// One command at a time, in order: the test reads one line per command.
const queue = [];
let busy = false;
function pump() {
    if (busy || queue.length === 0) {
        return;
    }
    busy = true;
    handle(queue.shift(), () => {
        busy = false;
        setImmediate(pump);
    });
}
readline.createInterface({input: process.stdin}).on('line', (line) => {
    if (line.trim() === '') {
        return;
    }
    try {
        queue.push(JSON.parse(line));
    } catch (e) {
        out({error: 'bad command: ' + e.message});
        return;
    }
    pump();
}).on('close', () => {
    for (const c of conns.values()) {
        c.sock.destroy();
    }
});
