// SPDX-License-Identifier: Apache-2.0
// A merchant's webhook endpoint for tests/e2e/test_webhook.sh, with node's own http and https
// modules only: it records every request (headers and exact body) as one JSON line, answers
// 200, or 500 to the next N requests when told to, and never answers on /hang.
//
// usage: node webhook_receiver.js LOG PORTS_FILE [NAME=CERT,KEY ...]
//   LOG            requests, one JSON object a line: server, method, url, headers, body, status
//   PORTS_FILE     written once every server listens: {"http": port, NAME: port, ...}
//   NAME=CERT,KEY  an https server with that certificate and key (PEM files), besides the
//                  plain http one; the test gives some certificates mandat must refuse
// control: POST /__control {"fail": N} makes the next N requests answer 500.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');

const [logPath, portsPath, ...tlsArgs] = process.argv.slice(2);
let failNext = 0;
const hanging = [];

function handler(server) {
  return (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/__control') {
        failNext = JSON.parse(body.toString('utf8')).fail || 0;
        res.writeHead(200).end('ok\n');
        return;
      }
      let status = 200;
      if (req.url === '/hang') {
        status = 0; // no answer: mandat's deadline must end the try
      } else if (failNext > 0) {
        failNext--;
        status = 500;
      }
      fs.appendFileSync(logPath, JSON.stringify({
        server, method: req.method, url: req.url, headers: req.headers,
        body: body.toString('utf8'), status, at: Date.now(),
      }) + '\n');
      if (status === 0) {
        hanging.push(res);
        return;
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok\n' : 'no\n');
    });
  };
}

const servers = { http: http.createServer(handler('http')) };
for (const arg of tlsArgs) {
  const [name, files] = arg.split('=');
  const [cert, key] = files.split(',');
  servers[name] = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
    handler(name));
}
const ports = {};
let pending = Object.keys(servers).length;
for (const [name, server] of Object.entries(servers)) {
  server.listen(0, '127.0.0.1', () => {
    ports[name] = server.address().port;
    if (--pending === 0) {
      fs.writeFileSync(portsPath + '.tmp', JSON.stringify(ports));
      fs.renameSync(portsPath + '.tmp', portsPath);
    }
  });
}
process.on('SIGTERM', () => process.exit(0));
