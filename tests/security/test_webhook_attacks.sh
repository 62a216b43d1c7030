#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Webhooks aimed at mandat's own network, and merchants starving each other (issue 11, item 6).
# mandatd runs in a private mount namespace whose /etc/hosts is the test's own (names that
# resolve to 127.0.0.1 and 0.0.0.0, never an outside address). A merchant's payment requests
# name callback URLs on loopback in every spelling (LOCALHOST, [::ffff:127.0.0.1], 2130706433,
# 0x7f.1, 0.0.0.0, a name resolving to 127.0.0.1): each event must be refused, visible in
# `mandat webhook list` and in one log line without secrets, and a trap listening on the port
# must see no connection at all. Then, with allow_private, a name resolving to 127.0.0.1 is
# delivered with its Host and its https certificate checked by name; and a merchant whose
# endpoint never answers must not delay another merchant's events (they arrive within 2 s).
# usage: test_webhook_attacks.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
e2e_init webhook-attacks
rlog=$dir/requests.jsonl

if ! unshare -m sh -c "mount --bind '$dir' '$dir'" 2>/dev/null; then
  echo "SKIP: unshare -m is not allowed here (needs root)"
  exit 77
fi

# check NAME COMMAND...: the command succeeds.
check() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then ok; else bad "$name"; fi
}
# within NAME SECONDS COMMAND...: the command succeeds within that many seconds.
within() {
  local name=$1 secs=$2
  shift 2
  for _ in $(seq $((secs * 10))); do
    if "$@" >/dev/null 2>&1; then ok; return 0; fi
    sleep 0.1
  done
  bad "$name (not within $secs s)"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The names mandatd resolves: its /etc/hosts, bind-mounted in its own mount namespace only.
cat >"$dir/hosts" <<'HOSTS'
127.0.0.1 localhost
127.0.0.1 evil.mandat.test shop.mandat.test
0.0.0.0 zero.mandat.test
HOSTS

# start_ns: mandatd as start does, but inside `unshare -m` with the test's hosts file.
start_ns() {
  rm -f "$dir/ports"
  unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec "$2" --config "$3" --ports-file "$4"' sh \
    "$dir/hosts" "$mandatd" "$dir/mandat.conf" "$dir/ports" >>"$dir/mandatd.log" 2>&1 &
  pid=$!
  e2e_started
}

# A trap on loopback: counts every connection (and answers 200 to anything, so that an event
# the guard let through would even be "delivered"). IPv4 and, where there is one, IPv6.
cat >"$dir/trap.js" <<'JS'
'use strict';
const fs = require('fs');
const net = require('net');
const [log, portFile] = process.argv.slice(2);
const server = net.createServer((c) => {
  fs.appendFileSync(log, 'connection\n');
  c.on('error', () => {});
  c.on('data', () => c.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
});
const ready = () => fs.writeFileSync(portFile, String(server.address().port));
server.once('error', () => server.listen(0, '127.0.0.1', ready));
server.listen({ port: 0, host: '::', ipv6Only: false }, ready);
process.on('SIGTERM', () => process.exit(0));
JS
touch "$dir/trap.log"
node "$dir/trap.js" "$dir/trap.log" "$dir/trap.port" >"$dir/trap.out" 2>&1 &
e2e_track $!
wait_file "$dir/trap.port"
TRAP=$(cat "$dir/trap.port")
connections() { wc -l <"$dir/trap.log" | tr -d ' '; }

# A certificate for shop.mandat.test from a CA mandatd trusts: https by name, to 127.0.0.1.
cat >"$dir/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = mandat test
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[srv_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:shop.mandat.test
CNF
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
(
  cd "$dir"
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -config openssl.cnf \
    -extensions ca_ext -subj "/CN=mandat test CA"
  openssl req -new "${ec[@]}" -keyout srv.key -out srv.csr -config openssl.cnf -subj "/CN=shop"
  openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
    -extfile openssl.cnf -extensions srv_ext
) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log"; exit 1; }
node "$here/../e2e/webhook_receiver.js" "$rlog" "$dir/ports.json" \
  "https=$dir/srv.pem,$dir/srv.key" >"$dir/receiver.log" 2>&1 &
e2e_track $!
wait_file "$dir/ports.json"
port_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$dir/ports.json" "$1"; }
HTTP=$(port_of http)
HTTPS=$(port_of https)
# Requests the receiver recorded to PATH (path and query).
received() {
  python3 - "$rlog" "$1" <<'PY'
import json, os, sys
log, path = sys.argv[1], sys.argv[2]
n = 0
if os.path.exists(log):
    with open(log, encoding="utf-8") as f:
        n = sum(1 for l in f if l.strip() and json.loads(l)["url"] == path)
print(n)
PY
}
# Requests to PATH received less than MS after the first one (the receiver's clock).
received_within() {
  python3 - "$rlog" "$1" "$2" <<'PY'
import json, os, sys
log, path, ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
at = []
if os.path.exists(log):
    with open(log, encoding="utf-8") as f:
        at = [r["at"] for r in (json.loads(l) for l in f if l.strip()) if r["url"] == path]
print(sum(1 for t in at if t < at[0] + ms) if at else 0)
PY
}
received_is() { [ "$(received "$1")" = "$2" ]; }
received_at_least() { [ "$(received "$1")" -ge "$2" ]; }
# The receiver's clock (ms) for the first request to PATH, or nothing.
received_at() {
  python3 - "$rlog" "$1" <<'PY'
import json, os, sys
log, path = sys.argv[1], sys.argv[2]
if os.path.exists(log):
    with open(log, encoding="utf-8") as f:
        for l in f:
            r = json.loads(l) if l.strip() else None
            if r and r["url"] == path:
                print(r["at"])
                break
PY
}
header_of() {
  python3 - "$rlog" "$1" "$2" <<'PY'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if r["url"] == sys.argv[2]:
        print(r["headers"].get(sys.argv[3], "")); break
PY
}

# port 0: start sets port and base from the ports mandatd got
e2e_conf 0 "[webhook]
timeout = 3
retry_min = 1
tls_ca_file = $dir/ca.pem"
"${M[@]}" init >/dev/null
out=$("${M[@]}" merchant create Attaquant --webhook-url "http://LOCALHOST:$TRAP/hooks")
KEY=$(printf '%s\n' "$out" | sed -n 's/^api key: //p')
m=$(printf '%s\n' "$out" | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
secret=$(printf '%s\n' "$out" | sed -n 's/^webhook secret: //p')
out=$("${M[@]}" merchant create Boutique --webhook-url "http://127.0.0.1:$HTTP/b")
KEY_B=$(printf '%s\n' "$out" | sed -n 's/^api key: //p')
out=$("${M[@]}" merchant create Lente --webhook-url "http://127.0.0.1:$HTTP/hang")
m_slow=$(printf '%s\n' "$out" | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
start_ns
P=0612345678
"${M[@]}" sms $P INSCRIPTION >/dev/null
"${M[@]}" sms $P CODE 483920 >/dev/null

# event KEY [CALLBACK_URL]: a payment request, cancelled at once: one payment_request.cancelled
# event, to CALLBACK_URL or the merchant's URL, committed by the payment code itself.
n_req=0
event() {
  local key=$1 cb=${2:-} body id
  n_req=$((n_req + 1))
  if [ -n "$cb" ]; then
    body="{\"amount\":500,\"payer\":\"$P\",\"reference\":\"r$n_req\",\"callback_url\":\"$cb\"}"
  else
    body="{\"amount\":500,\"payer\":\"$P\",\"reference\":\"r$n_req\"}"
  fi
  id=$(curl -s -X POST "$base/v1/payment-requests" -H "Authorization: Bearer $key" \
    -H "Idempotency-Key: attack-$n_req" -d "$body" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -s -o /dev/null -X POST "$base/v1/payment-requests/$id/cancel" -H "Authorization: Bearer $key"
}
# state_of URL: "state|attempts" of the event to URL ("3|0": refused, never tried).
state_of() {
  db "SELECT state || '|' || attempts FROM webhooks WHERE url = '$1'"
}
state_is() { [ "$(state_of "$1")" = "$2" ]; }

# ---- the guard: every spelling of loopback, literal or resolved, refused, nothing connects ----
token=tok_$(openssl rand -hex 8) # a merchant's secret in its URL: never in the log
attacks=(
  "http://[::ffff:127.0.0.1]:$TRAP/mapped"
  "http://[::ffff:7f00:1]:$TRAP/mapped-hex"
  "http://2130706433:$TRAP/decimal"
  "http://0x7f.1:$TRAP/hex"
  "http://0177.0.0.1:$TRAP/octal"
  "http://127.1:$TRAP/short"
  "http://0.0.0.0:$TRAP/zero"
  "http://[::1]:$TRAP/v6"
  "http://Api.LocalHost.:$TRAP/sub"
  "http://evil.mandat.test:$TRAP/resolved?token=$token"
  "http://EVIL.Mandat.TEST:$TRAP/resolved-case"
  "https://evil.mandat.test:$TRAP/resolved-tls"
  "http://zero.mandat.test:$TRAP/resolved-zero"
)
event "$KEY" # the merchant's own URL: http://LOCALHOST:$TRAP/hooks
for url in "${attacks[@]}"; do event "$KEY" "$url"; done
within "LOCALHOST refused" 5 state_is "http://LOCALHOST:$TRAP/hooks" "3|0"
for url in "${attacks[@]}"; do
  within "refused: $url" 5 state_is "$url" "3|0"
done
refused=$("${M[@]}" webhook list --state refused)
check "list shows refused" test "$(grep -c " refused " <<<"$refused")" -eq $((${#attacks[@]} + 1))
expect "list says refused" "payment_request.cancelled    refused" printf '%s' "$refused"
expect "help explains refused" "refused: never sent" "${M[@]}" webhook --help
check "list says why, on the event's line" grep -Eq \
  " refused +0 .* SSRF guard: evil.mandat.test resolves to 127.0.0.1" <<<"$refused"
expect "list names the address" \
  "SSRF guard: evil.mandat.test resolves to 127.0.0.1, loopback (127.0.0.0/8)" printf '%s' "$refused"
expect "list names the literal" "SSRF guard: 127.0.0.1 is loopback (127.0.0.0/8)" printf '%s' "$refused"
expect "log: a resolved name" \
  "to evil.mandat.test: refused, not sent: SSRF guard: evil.mandat.test resolves to 127.0.0.1, loopback (127.0.0.0/8)" \
  grep "refused, not sent" "$dir/mandatd.log"
expect "log: LOCALHOST" "to localhost: refused, not sent: SSRF guard: localhost is localhost name" \
  grep "refused, not sent" "$dir/mandatd.log"
expect "log: mapped" "SSRF guard: ::ffff:127.0.0.1 is loopback (127.0.0.0/8)" \
  grep "refused, not sent" "$dir/mandatd.log"
expect "log: decimal" "SSRF guard: 127.0.0.1 is loopback" grep "refused, not sent" "$dir/mandatd.log"
expect "log: 0.0.0.0 by name" "zero.mandat.test resolves to 0.0.0.0, \"this network\"" \
  grep "refused, not sent" "$dir/mandatd.log"
expect "log: how to allow" "[webhook] allow_private = yes allows it" grep "refused" "$dir/mandatd.log"
check "no token in the log" test "$(grep -c "$token" "$dir/mandatd.log")" = 0
check "no secret in the log" test "$(grep -cF "$secret" "$dir/mandatd.log")" = 0
check "no signature in the log" test "$(grep -c "v1=" "$dir/mandatd.log")" = 0
# A replay tries again, and is refused again.
rid=$(printf '%s\n' "$refused" | awk '$2 == "'"$m"'" {print $1; exit}')
expect "replay" "1 event requeued" "${M[@]}" webhook replay "$rid"
id_state_is() {
  [ "$(db "SELECT state FROM webhooks WHERE id = $(blob "$1")")" = "$2" ]
}
refusals_of() { [ "$(grep -c "webhook $1 .*: refused, not sent" "$dir/mandatd.log")" -ge "$2" ]; }
within "replay refused again" 5 refusals_of "$rid" 2
check "replay ends refused" id_state_is "$rid" 3
# The replay was read by a poll, so a poll has run since the refusals: nothing was retried or
# connected meanwhile.
check "trap saw no connection" test "$(connections)" = 0
check "still refused after a poll" state_is "http://evil.mandat.test:$TRAP/resolved?token=$token" "3|0"
check "trap still saw nothing" test "$(connections)" = 0
stop

# ---- allow_private = yes still delivers: by name to 127.0.0.1, Host and certificate by name ----
e2e_conf "$port" "[webhook]
timeout = 10
retry_min = 1
concurrency = 4
merchant_concurrency = 2
tls_ca_file = $dir/ca.pem
allow_private = yes"
start_ns
event "$KEY_B" "http://Shop.Mandat.Test:$HTTP/by-name"
event "$KEY_B" "https://shop.mandat.test:$HTTPS/by-name-tls"
within "by name delivered" 5 received_is /by-name 1
within "https by name delivered" 5 received_is /by-name-tls 1
expect "Host keeps the name" "shop.mandat.test:$HTTP" header_of /by-name host
expect "https Host keeps the name" "shop.mandat.test:$HTTPS" header_of /by-name-tls host

# ---- fairness: merchant "Lente" never answers, with 20 events due first; Boutique's arrive ----
now_us=$(($(date +%s%N) / 1000))
for i in $(seq 20); do
  db "INSERT INTO webhooks(id, merchant_id, url, type, state,
    attempts, created_us, next_try_us, body) VALUES($(blob "$(openssl rand -hex 16)"), $m_slow,
    'http://127.0.0.1:$HTTP/hang', 'payment_request.confirmed', 0, 0, $now_us, $now_us,
    '{\"n\":$i}')"
done
within "the stalled merchant's tries started" 5 received_at_least /hang 2
for i in 1 2 3; do
  t0=$(now_ms)
  event "$KEY_B" "http://127.0.0.1:$HTTP/fair-$i"
  within "fair $i delivered" 5 received_is "/fair-$i" 1
  at=$(received_at "/fair-$i")
  if [ -n "$at" ] && [ $((at - t0)) -lt 2000 ]; then
    ok "fair $i: delivered in $((at - t0)) ms while the other merchant hangs"
  elif [ -n "$at" ]; then
    bad "fair $i: delivered in $((at - t0)) ms (want < 2000)"
  else
    bad "fair $i: not delivered"
  fi
done
# Its share: 2 connections (merchant_concurrency) while its 20 events wait, not all 4. Counted
# within the 10 s timeout of its first tries: on a slow machine the test outlasts it, and the
# tries after the timeout are new connections, rightly.
check "stalled merchant holds 2 connections" test "$(received_within /hang 9500)" -eq 2
stop
e2e_done webhook-attacks
