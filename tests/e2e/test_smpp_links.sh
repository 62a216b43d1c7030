#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several SMSCs, several binds, TLS: mandatd binds to a plain SMSC ([smpp]) and, over TLS with
# two binds, to a second one ([smpp.secure]), both the simulator of tests/smsc with a
# certificate made here. Messages arrive through both; replies spread over every bind; when one
# SMSC dies, traffic goes on through the other; a certificate for another host is refused with
# a clear log line unless tls_verify = no, which mandatd warns about.
# Usage: test_smpp_links.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init links

(cd "$dir" &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout smsc.key -out smsc.pem -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
    -subj "/CN=other.example" -addext "subjectAltName=DNS:other.example") >"$dir/openssl.log" 2>&1 ||
  { cat "$dir/openssl.log"; exit 1; }

smsc plain
smsc secure --tls-cert "$dir/smsc.pem" --tls-key "$dir/smsc.key"
smsc wrong --tls-cert "$dir/other.pem" --tls-key "$dir/other.key"
P="http://127.0.0.1:$plain_cport"
S="http://127.0.0.1:$secure_cport"

e2e_conf 0 "[smpp]
host = 127.0.0.1
port = $plain_sport
system_id = mandat
password = secret
enquire_link = 5
[smpp.secure]
host = 127.0.0.1
port = $secure_sport
system_id = mandat
password = secret
tls = yes
tls_ca_file = $dir/smsc.pem
binds = 2
enquire_link = 5"
"${M[@]}" init >/dev/null
start

binds() { curl -s "$1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["binds"])'; }
for _ in $(seq 100); do
  if [ "$(binds "$P")" = 1 ] && [ "$(binds "$S")" = 2 ]; then break; fi
  sleep 0.1
done
if [ "$(binds "$P")" = 1 ]; then ok; else bad "plain SMSC: $(binds "$P") binds, wanted 1"; fi
if [ "$(binds "$S")" = 2 ]; then ok; else bad "TLS SMSC: $(binds "$S") binds, wanted 2"; cat "$dir/mandatd.log"; fi

# mo CONTROL FROM TEXT: an MO through that SMSC; prints its answer.
mo() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, urllib.request
c, frm, text = sys.argv[1:4]
body = {"from": frm, "to": "71004", "text": text, "timeout_ms": 5000}
req = urllib.request.Request(c + "/mo", json.dumps(body).encode(), {"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
PY
}
# mts CONTROL TO: the MTs that SMSC carried to TO, one text a line.
mts() {
  python3 - "$1" "$2" <<'PY'
import json, sys, urllib.request
c, to = sys.argv[1:3]
try:
    r = json.loads(urllib.request.urlopen(c + "/mt?since=0&limit=100000").read())
except OSError:
    sys.exit(0)  # that SMSC is down: it carried nothing more
for m in r.get("messages", []):
    if m.get("to", "").lstrip("+") == to.lstrip("+"):
        print(m.get("text", ""))
PY
}
# expect_reply TO NEEDLE: within 5 s, an MT to TO through either SMSC contains NEEDLE.
expect_reply() {
  for _ in $(seq 50); do
    if { mts "$P" "$1"; mts "$S" "$1"; } | grep -qF "$2"; then ok; return; fi
    sleep 0.1
  done
  bad "no reply to $1 containing '$2'"
}
acked() { if [[ "$1" == *'"acked":true'* ]]; then ok; else bad "MO not acknowledged: $1"; fi; }

acked "$(mo "$P" +33612345678 INSCRIPTION)"
expect_reply +33612345678 "Bienvenue ! Choisissez votre code mandat"
acked "$(mo "$S" +33698765432 JOIN)"
expect_reply +33698765432 "Welcome to mandat"
for i in $(seq 12); do acked "$(mo "$P" +33600000$((100 + i)) AIDE)"; done
n_mt() { curl -s "$1/mt?since=0&limit=100000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["messages"]))'; }
# Every reply so far (2 + 12) has gone out, over one link or the other (10 s at most).
for _ in $(seq 100); do
  n_plain=$(n_mt "$P")
  n_secure=$(n_mt "$S")
  if [ $((n_plain + n_secure)) -ge 14 ]; then break; fi
  sleep 0.1
done
if [ "$n_plain" -gt 0 ] && [ "$n_secure" -gt 0 ]; then ok; else
  bad "replies not spread over the links: $n_plain plain, $n_secure TLS"; fi
# The TLS link's two binds are two sessions at the simulator: both carried replies.
n_sessions=$(curl -s "$S/mt?since=0&limit=100000" | python3 -c 'import json,sys; print(len({m["session"] for m in json.load(sys.stdin)["mt"]}))')
if [ "$n_sessions" -ge 2 ]; then ok; else bad "replies over $n_sessions of the TLS link's 2 binds"; fi
# The plain SMSC dies: the TLS one carries everything.
kill -9 "$plain_pid"
acked "$(mo "$S" +33611111111 INSCRIPTION)"
expect_reply +33611111111 "Bienvenue ! Choisissez votre code mandat"
for i in $(seq 6); do acked "$(mo "$S" +33600001$((100 + i)) AIDE)"; done
for i in $(seq 6); do expect_reply +33600001$((100 + i)) "ENVOI"; done
ready=$(curl -s "http://127.0.0.1:$port/readyz" || true)
if [ "$ready" = "ready" ]; then ok; else bad "readyz with one link left: $ready"; fi

# other NAME VERIFY: mandatd with its own store, bound over TLS to the SMSC whose certificate
# is for other.example, trusting that certificate; its log is $dir/NAME.log, its pid other_pid.
other() {
  cat >"$dir/$1.conf" <<CONF
[store]
path = $dir/$1.db
[http]
listen = 127.0.0.1:0
[vault]
key_file = $dir/pin.key
[smpp]
host = 127.0.0.1
port = $wrong_sport
system_id = mandat
password = secret
tls = yes
tls_ca_file = $dir/other.pem
tls_verify = $2
CONF
  "$mandat" --config "$dir/$1.conf" init >/dev/null
  "$mandatd" --config "$dir/$1.conf" >"$dir/$1.log" 2>&1 &
  other_pid=$!
  e2e_track "$other_pid"
}
# wait_log FILE TEXT: within 10 s, TEXT is in FILE.
wait_log() {
  for _ in $(seq 100); do grep -qF "$2" "$1" && return 0; sleep 0.1; done
  return 1
}

# tls_verify = no (tests only): any certificate is taken, and mandatd says so.
other unchecked no
for _ in $(seq 100); do [ "$(binds "http://127.0.0.1:$wrong_cport")" = 1 ] && break; sleep 0.1; done
if [ "$(binds "http://127.0.0.1:$wrong_cport")" = 1 ]; then ok; else
  bad "tls_verify = no did not bind:"; cat "$dir/unchecked.log"; fi
if grep -q "warn.*tls_verify = no" "$dir/unchecked.log"; then ok; else bad "no warning for tls_verify = no"; fi
kill -9 "$other_pid"
for _ in $(seq 100); do [ "$(binds "http://127.0.0.1:$wrong_cport")" = 0 ] && break; sleep 0.1; done

# A certificate for another host: refused with the reason in the log, never bound, retried.
other wrong yes
if wait_log "$dir/wrong.log" "connection lost"; then ok; else bad "no failure logged"; fi
if grep -q "certificate: IP address mismatch" "$dir/wrong.log"; then ok; else
  bad "the certificate's host mismatch is not logged:"; cat "$dir/wrong.log"; fi
if [ "$(binds "http://127.0.0.1:$wrong_cport")" = 0 ]; then ok; else bad "bound despite a wrong certificate"; fi
# The SMSC gone: a refused connection is said as such, not blamed on TLS.
kill -9 "$wrong_pid"
if wait_log "$dir/wrong.log" "(Connection refused)"; then ok; else
  bad "a refused TLS connection is not logged as refused:"; tail -3 "$dir/wrong.log"; fi
if grep -q "(null)" "$dir/wrong.log"; then bad "(null) in the log"; else ok; fi
if grep -q "secret" "$dir/mandatd.log" "$dir/wrong.log" "$dir/unchecked.log"; then
  bad "a password reached the log"; else ok; fi
e2e_done smpp_links
