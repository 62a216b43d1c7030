#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Webhooks end to end: a real mandatd delivers event rows (inserted with SQL, as the payment
# code commits them) to a merchant's endpoint written in node (tests/e2e/webhook_receiver.js), over
# http and https. Checks the headers, that the signature verifies with the documented verifiers
# (docs/examples/verify_webhook.sh with openssl, and verify_webhook.c), retries with the same
# event id, certificate checks, give-ups, mandat webhook list / replay / secret, a kill -9 and
# restart that resumes queued events, and that no secret reaches the log.
# usage: test_webhook.sh MANDAT MANDATD VERIFY_WEBHOOK_C_BINARY VERIFY_WEBHOOK_SH
set -euo pipefail
mandat=$1
mandatd=$2
verify_c=$3
verify_sh=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init webhook
rlog=$dir/requests.jsonl

# check NAME COMMAND...: the command succeeds.
check() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then ok; else bad "$name"; fi
}
# check_not NAME COMMAND...: the command fails.
check_not() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then bad "$name"; else ok; fi
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
  return 0
}

now_us() { echo $(($(date +%s%N) / 1000)); }

# Requests the receiver recorded for an event: rq EVENT_ID count | body N | status N | HEADER N.
rq() {
  python3 - "$rlog" "$@" <<'PY'
import json, os, sys
log, eid, what = sys.argv[1], sys.argv[2], sys.argv[3]
idx = int(sys.argv[4]) if len(sys.argv) > 4 else -1
reqs = []
if os.path.exists(log):
    with open(log, encoding="utf-8") as f:
        reqs = [json.loads(l) for l in f if l.strip()]
reqs = [r for r in reqs if r["headers"].get("mandat-event-id") == eid]
if what == "count":
    print(len(reqs))
elif what == "body":
    sys.stdout.buffer.write(reqs[idx]["body"].encode("utf-8"))
elif what in ("status", "url", "method", "server"):
    print(reqs[idx][what])
else:
    print(reqs[idx]["headers"].get(what, ""))
PY
}
count_is() { [ "$(rq "$1" count)" = "$2" ]; }
count_at_least() { [ "$(rq "$1" count)" -ge "$2" ]; }
# The stored state and attempts of an event: "1|3" is delivered after 3 tries.
row() { db "SELECT state || '|' || attempts FROM webhooks WHERE id = $(blob "$1")"; }
row_is() { [ "$(row "$1")" = "$2" ]; }
state_is() { [ "$(row "$1" | cut -d'|' -f1)" = "$2" ]; }
attempts_at_least() { [ "$(row "$1" | cut -d'|' -f2)" -ge "$2" ]; }

# insert ID MERCHANT URL [CREATED_US]: an event row as the payment code commits it.
insert() {
  local id=$1 merchant=$2 url=$3 created=${4:-$(now_us)}
  local body
  body="{\"id\":\"$id\",\"type\":\"payment_request.confirmed\",\"created_at\":\"2026-11-23T10:00:00Z\",\"data\":{\"object\":\"payment_request\",\"amount\":1250,\"currency\":\"EUR\",\"reference\":\"café-42\",\"merchant_id\":$merchant}}"
  db "INSERT INTO webhooks(id, merchant_id, url, type, state,
    attempts, created_us, next_try_us, body) VALUES($(blob "$id"), $merchant, '$url',
    'payment_request.confirmed', 0, 0, $created, $created, '$body')"
  printf '%s' "$body" >"$dir/body-$id"
}
newid() { openssl rand -hex 16; }

# ---- docs/webhooks.md shows the example files themselves, byte for byte ----
docs=$(cd "$(dirname "$verify_sh")/.." && pwd)
same_as_doc() {
  python3 - "$docs/webhooks.md" "$docs/../$1" "$1" <<'PY'
import sys
doc, path, name = sys.argv[1:4]
lines = open(doc, encoding="utf-8").read().split("\n")
start = lines.index("<!-- %s -->" % name) + 2
end = lines.index("```", start)
sys.exit(0 if "\n".join(lines[start:end]) + "\n" == open(path, encoding="utf-8").read() else 1)
PY
}
check "doc shows verify_webhook.c" same_as_doc docs/examples/verify_webhook.c
check "doc shows verify_webhook.sh" same_as_doc docs/examples/verify_webhook.sh

# ---- certificates: a CA mandat trusts ([webhook] tls_ca_file), a server certificate it signed
# for 127.0.0.1, one it signed for another name, and a self-signed one. ----
cat >"$dir/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = mandat test
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[srv_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[other_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
CNF
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
(
  cd "$dir"
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -config openssl.cnf \
    -extensions ca_ext -subj "/CN=mandat test CA"
  for name in srv other; do
    openssl req -new "${ec[@]}" -keyout $name.key -out $name.csr -config openssl.cnf \
      -subj "/CN=$name"
    openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $name.pem \
      -days 2 -extfile openssl.cnf -extensions ${name}_ext
  done
  openssl req -x509 "${ec[@]}" -keyout self.key -out self.pem -days 2 -config openssl.cnf \
    -extensions srv_ext -subj "/CN=127.0.0.1"
) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log"; exit 1; }

node "$here/webhook_receiver.js" "$rlog" "$dir/ports.json" "https=$dir/srv.pem,$dir/srv.key" \
  "other=$dir/other.pem,$dir/other.key" "self=$dir/self.pem,$dir/self.key" \
  >"$dir/receiver.log" 2>&1 &
e2e_track $!
wait_file "$dir/ports.json"
port_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$dir/ports.json" "$1"; }
HTTP=$(port_of http)
HTTPS=$(port_of https)
OTHER=$(port_of other)
SELF=$(port_of self)
control() { curl -s -X POST -d "{\"fail\": $1}" "http://127.0.0.1:$HTTP/__control" >/dev/null; }
closed=$(free_port)

e2e_conf 0 "[webhook]
; short, so that retries happen within the test
timeout = 2
retry_min = 1
concurrency = 4
tls_ca_file = $dir/ca.pem
; the receiver listens on 127.0.0.1
allow_private = yes"

"${M[@]}" init >/dev/null
out=$("${M[@]}" merchant create Boutique Zoé --webhook-url "http://127.0.0.1:$HTTP/hooks")
m=$(printf '%s\n' "$out" | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
secret=$(printf '%s\n' "$out" | sed -n 's/^webhook secret: //p')
out=$("${M[@]}" merchant create Autre --webhook-url "http://127.0.0.1:$HTTP/other")
m2=$(printf '%s\n' "$out" | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
expect "secret" "$secret" "${M[@]}" webhook secret "$m"
check "secret shape" grep -Eq '^whsec_[0-9a-f]{64}$' <<<"$secret"
check_not "secret differs per merchant" test "$("${M[@]}" webhook secret "$m2")" = "$secret"
expect "secret unknown merchant" "merchant 999 not found" "${M[@]}" webhook secret 999
expect "help says secret" "It is a" "${M[@]}" webhook --help
start

# ---- delivered, with the right headers and a signature both verifiers accept ----
id1=$(newid)
insert "$id1" "$m" "http://127.0.0.1:$HTTP/hooks/a?x=1"
within "delivered" 5 row_is "$id1" "1|1"
check "one request" count_is "$id1" 1
expect "method" "POST" rq "$id1" method
expect "url" "/hooks/a?x=1" rq "$id1" url
expect "content type" "application/json" rq "$id1" content-type
expect "user agent" "mandat-webhook/1" rq "$id1" user-agent
expect "host" "127.0.0.1:$HTTP" rq "$id1" host
expect "event id" "$id1" rq "$id1" mandat-event-id
rq "$id1" body 0 >"$dir/got-$id1"
check "body exact" cmp "$dir/got-$id1" "$dir/body-$id1"
sig=$(rq "$id1" mandat-signature 0)
check "signature shape" grep -Eq '^t=[0-9]+,v1=[0-9a-f]{64}$' <<<"$sig"
t=${sig#t=}
t=${t%%,*}
check "signature time" test $((t - $(date +%s))) -le 1 -a $(($(date +%s) - t)) -le 10
expect "shell verifier" "valid" "$verify_sh" "$secret" "$sig" "$dir/got-$id1"
check "C verifier" "$verify_c" "$secret" "$sig" <"$dir/got-$id1"
# ...and they refuse what they must: another body, another secret, an old timestamp.
printf '%s' "$(cat "$dir/got-$id1")" | sed 's/1250/9999/' >"$dir/tampered"
check_not "shell refuses tampered body" "$verify_sh" "$secret" "$sig" "$dir/tampered"
check_not "C refuses tampered body" "$verify_c" "$secret" "$sig" <"$dir/tampered"
other_secret=$("${M[@]}" webhook secret "$m2")
check_not "shell refuses other secret" "$verify_sh" "$other_secret" "$sig" "$dir/got-$id1"
check_not "C refuses other secret" "$verify_c" "$other_secret" "$sig" <"$dir/got-$id1"
old_t=$(($(date +%s) - 600))
old_v1=$({ printf '%s.' "$old_t"; cat "$dir/got-$id1"; } | openssl dgst -sha256 -hmac "$secret" | sed 's/^.*= *//')
# One timestamp in both places: two calls to date can fall on either side of a second.
now_t=$(date +%s)
check "shell accepts a fresh self-made signature" "$verify_sh" "$secret" "t=$now_t,v1=$({ printf '%s.' "$now_t"; cat "$dir/got-$id1"; } | openssl dgst -sha256 -hmac "$secret" | sed 's/^.*= *//')" "$dir/got-$id1"
check_not "shell refuses an old timestamp" "$verify_sh" "$secret" "t=$old_t,v1=$old_v1" "$dir/got-$id1"
check_not "C refuses an old timestamp" "$verify_c" "$secret" "t=$old_t,v1=$old_v1" <"$dir/got-$id1"

# ---- a receiver failing twice gets the event on the third try, with the same event id ----
control 2
id2=$(newid)
insert "$id2" "$m" "http://127.0.0.1:$HTTP/hooks"
within "third try delivers" 15 row_is "$id2" "1|3"
check "three requests" count_is "$id2" 3
expect "first 500" "500" rq "$id2" status 0
expect "second 500" "500" rq "$id2" status 1
expect "third 200" "200" rq "$id2" status 2
for i in 0 1 2; do
  rq "$id2" body "$i" >"$dir/got2"
  check "retry $i same body" cmp "$dir/got2" "$dir/body-$id2"
  check "retry $i signed" "$verify_c" "$secret" "$(rq "$id2" mandat-signature "$i")" <"$dir/got2"
done
expect "retry logged" "HTTP 500 (try 1" grep "$id2" "$dir/mandatd.log"

# ---- https: the trusted CA's certificate for 127.0.0.1 is taken; another name or an untrusted
# issuer is refused before any byte of the event leaves ----
id3=$(newid)
insert "$id3" "$m" "https://127.0.0.1:$HTTPS/hooks"
within "https delivered" 5 row_is "$id3" "1|1"
expect "https server" "https" rq "$id3" server
id4=$(newid)
insert "$id4" "$m" "https://127.0.0.1:$OTHER/hooks"
id5=$(newid)
insert "$id5" "$m" "https://127.0.0.1:$SELF/hooks"
within "wrong name tried" 5 attempts_at_least "$id4" 1
within "self-signed tried" 5 attempts_at_least "$id5" 1
check "wrong name not delivered" count_is "$id4" 0
check "self-signed not delivered" count_is "$id5" 0
expect "wrong name queued" "0|" row "$id4"
expect "wrong name logged" "TLS certificate refused: IP address mismatch" grep "$id4" "$dir/mandatd.log"
expect "self-signed logged" "TLS certificate refused: self-signed certificate" grep "$id5" "$dir/mandatd.log"

# ---- give-ups: an unsupported URL fails at once; a dead URL fails after its retry period ----
id6=$(newid)
insert "$id6" "$m" "ftp://127.0.0.1/hooks"
id7=$(newid)
insert "$id7" "$m" "http://127.0.0.1:$closed/hooks" $(($(now_us) - 2 * 86400 * 1000000))
within "unsupported failed" 5 row_is "$id6" "2|0"
within "old event failed" 5 row_is "$id7" "2|1"
expect "unsupported logged" "cannot send to its URL: unsupported scheme" grep "$id6" "$dir/mandatd.log"
expect "give-up logged" "failed for good after 1 try: connection failed" grep "$id7" "$dir/mandatd.log"
# A merchant that never answers: the try ends at [webhook] timeout, and is retried.
id8=$(newid)
insert "$id8" "$m" "http://127.0.0.1:$HTTP/hang"
within "hang timed out" 6 attempts_at_least "$id8" 1
expect "timeout logged" "no answer within 2 s (try 1" grep "$id8" "$dir/mandatd.log"

# ---- mandat webhook list ----
expect "list delivered" "$id2 $(printf '%-8s' "$m") payment_request.confirmed    delivered     3" \
  "${M[@]}" webhook list
expect "list failed" "failed" "${M[@]}" webhook list --state failed
check_not "list failed hides delivered" grep -q "$id1" <<<"$("${M[@]}" webhook list --state failed)"
check "list failed shows failed" grep -q "$id7" <<<"$("${M[@]}" webhook list --state failed)"
check "list queued" grep -q "$id4" <<<"$("${M[@]}" webhook list --state queued)"
check_not "list other merchant" grep -q "$id1" <<<"$("${M[@]}" webhook list --merchant "$m2")"
expect "list none" "(no events)" "${M[@]}" webhook list --merchant "$m2"
expect "list bad state" "is not a state" "${M[@]}" webhook list --state sent

# ---- mandat webhook replay: by id, then a merchant's events since a time ----
expect "replay one" "1 event requeued" "${M[@]}" webhook replay "$id1"
within "replayed" 5 count_is "$id1" 2
within "replayed state" 5 row_is "$id1" "1|2"
rq "$id1" body 1 >"$dir/got-$id1-2"
check "replay same body" cmp "$dir/got-$id1-2" "$dir/body-$id1"
check "replay signed" "$verify_sh" "$secret" "$(rq "$id1" mandat-signature 1)" "$dir/got-$id1-2"
expect "replay unknown" "no webhook event" "${M[@]}" webhook replay "$(newid)"
expect "replay needs since" "replay takes EVENT_ID" "${M[@]}" webhook replay --merchant "$m2"
expect "replay bad time" "is not a time" "${M[@]}" webhook replay --merchant "$m2" --since yesterday
id9=$(newid)
insert "$id9" "$m2" "http://127.0.0.1:$HTTP/other" $(($(now_us) - 3600 * 1000000))
s0=$(date -u +%s)
since=$(date -u -d "@$s0" +%Y-%m-%dT%H:%M:%SZ)
# The next events are made once the clock has left the second $since names (bounded: 1 s).
for _ in $(seq 30); do if [ "$(date -u +%s)" -gt "$s0" ]; then break; fi; sleep 0.1; done
id10=$(newid)
id11=$(newid)
insert "$id10" "$m2" "http://127.0.0.1:$HTTP/other"
insert "$id11" "$m2" "http://127.0.0.1:$HTTP/other"
within "m2 delivered" 5 row_is "$id11" "1|1"
within "m2 old delivered" 5 row_is "$id9" "1|1"
expect "replay since" "2 events requeued" "${M[@]}" webhook replay --merchant "$m2" --since "$since"
within "since replayed" 5 count_is "$id10" 2
within "since replayed 2" 5 count_is "$id11" 2
# A later event for the same merchant delivered: had the older one been requeued with the
# others, it would have been sent by now.
id14=$(newid)
insert "$id14" "$m2" "http://127.0.0.1:$HTTP/other"
within "later event delivered" 5 row_is "$id14" "1|1"
check "older not replayed" count_is "$id9" 1

# ---- kill -9: events queued or waiting for a retry are sent after the restart ----
control 1000
id12=$(newid)
insert "$id12" "$m" "http://127.0.0.1:$HTTP/hooks"
within "failing" 5 attempts_at_least "$id12" 1
crash
id13=$(newid)
insert "$id13" "$m" "http://127.0.0.1:$HTTP/hooks"
control 0
start
within "resumed retry" 10 row_is "$id13" "1|1"
within "resumed after retries" 10 state_is "$id12" 1
check "new one sent once" count_is "$id13" 1
expect "resumed one got 200" "200" rq "$id12" status -1

stop
expect "clean stop" "mandatd stopped" tail -n 1 "$dir/mandatd.log"
# The secret is the vault's: never in the log, and no signature either.
check_not "secret not in the log" grep -qF "$secret" "$dir/mandatd.log"
check_not "other secret not in the log" grep -qF "$other_secret" "$dir/mandatd.log"
check_not "signature not in the log" grep -q "v1=" "$dir/mandatd.log"
check_not "no path or query in the log" grep -q "hooks/a?x=1" "$dir/mandatd.log"
e2e_done webhook
