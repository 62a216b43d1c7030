#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Pay by SMS through real SMPP binds: mandatd binds to the independent SMSC simulator
# (tests/smsc, npm smpp) and a whole conversation runs through deliver_sm and submit_sm:
# enrolment, a payment confirmed by code with receipts to both phones, a donation, accents and
# the euro sign, a long UCS-2 message in parts, a redelivered MO handled once, delivery receipts
# recorded, an SMSC drop and reconnect, throttling, and a kill -9 of mandatd mid-order.
# Usage: test_sms_smpp.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init smpp

smsc smsc --auto-dlr
C="http://127.0.0.1:$smsc_cport"
e2e_conf 0 "[smpp]
host = 127.0.0.1
port = $smsc_sport
system_id = mandat
password = secret
enquire_link = 5"

# mo FROM TEXT [json extras]: send an MO, print the simulator's answer.
mo() {
  python3 - "$C" "$1" "$2" "${3:-}" <<'PY'
import json, sys, urllib.request
c, frm, text, extra = sys.argv[1:5]
body = {"from": frm, "to": "71004", "text": text, "timeout_ms": 5000}
if extra:
    body.update(json.loads(extra))
req = urllib.request.Request(c + "/mo", json.dumps(body).encode(), {"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
PY
}

# expect_mt TO NEEDLE: within 5 s, a message to TO (reassembled) contains NEEDLE.
expect_mt() {
  local to=$1 needle=$2
  if python3 - "$C" "$to" "$needle" <<'PY'
import json, sys, time, urllib.request
c, to, needle = sys.argv[1:4]
to = to.lstrip("+")
deadline = time.time() + 5
while time.time() < deadline:
    r = json.loads(urllib.request.urlopen(c + "/mt?since=0&limit=100000").read())
    for m in r.get("messages", []):
        if m.get("to", "").lstrip("+") == to and needle in m.get("text", ""):
            sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
  then ok; else bad "no message to $to containing '$needle'"; fi
}

expect_acked() {
  if [[ "$1" == *'"acked":true'* ]]; then ok; else bad "MO not acknowledged: $1"; fi
}

"${M[@]}" init >/dev/null
"${M[@]}" association create TELETHON Téléthon >/dev/null
start_bound
A=+33612345678
B=+33698765432
expect_acked "$(mo $A INSCRIPTION)"
expect_mt $A "Bienvenue ! Choisissez votre code mandat"
expect_acked "$(mo $A 'CODE 483920')"
expect_mt $A "Code enregistré"
expect_acked "$(mo $B JOIN)"
expect_mt $B "Welcome to mandat"
expect_acked "$(mo $B 'CODE 271828')"
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null
expect_acked "$(mo $A 'envoi 12,50€ 06 98 76 54 32 loyer')"
expect_mt $A "Envoyer 12,50 € à +33 6 98 .. .. 32 ?"
expect_acked "$(mo $A '483920')"
expect_mt $A "Envoyé : 12,50 € à +33 6 98 .. .. 32. Nouveau solde : 87,50 €."
expect_mt $B "You received €12.50 from +33 6 .. .. 56 78. New balance: €12.50."
expect_acked "$(mo $B 'HIST')"
expect_mt $B "Last operations: "
# A message in two UCS-2 parts (ê forces UCS-2), reassembled before it is understood.
expect_acked "$(mo $A 'DON 5 TELETHON pour la fête de l'"'"'école, merci à vous tous, vraiment, du fond du cœur, à bientôt !' '{"parts":2}')"
expect_mt $A "Donner 5,00 € à Téléthon ?"
# Redelivered by the SMSC (same message id): acknowledged again, handled once.
r=$(mo $A '483920' '{"message_id":"smsc-dup-1","redeliver":1}')
expect_acked "$r"
expect_mt $A "Merci ! Don de 5,00 € à Téléthon effectué. Nouveau solde : 82,50 €."
# Delivery receipts (auto_dlr) reach the outbox.
delivered() { db "select count(*) from outbox where state = 2 and final_state = 'DELIVRD'"; }
for _ in $(seq 50); do if [ "$(delivered)" -ge 5 ]; then break; fi; sleep 0.1; done
d=$(delivered)
if [ "$d" -ge 5 ]; then ok; else bad "only $d replies recorded as delivered"; fi
# The SMSC drops every bind: mandatd reconnects and carries on.
curl -s -X POST "$C/drop" >/dev/null
expect_acked "$(mo $A SOLDE '{"wait_bind_ms":10000}')"
expect_mt $A "Solde : 82,50 €"
# The redelivered code's reply would have gone out before this later one: confirmed once.
n=$(curl -s "$C/mt?since=0&limit=100000" | python3 -c 'import json,sys; print(sum("Merci !" in m["text"] for m in json.load(sys.stdin)["messages"]))')
if [ "$n" = 1 ]; then ok; else bad "the donation was confirmed $n times"; fi
# Throttled: the reply waits and goes out once the SMSC takes it.
rejected() { curl -s "$C/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mt_rejected"])'; }
r0=$(rejected)
curl -s -X POST -H 'Content-Type: application/json' -d '{"throttle":true}' "$C/mode" >/dev/null
expect_acked "$(mo $B BAL)"
# Wait until the SMSC has refused the reply once (ESME_RTHROTTLED), then let it through.
for _ in $(seq 50); do if [ "$(rejected)" -gt "$r0" ]; then break; fi; sleep 0.1; done
if [ "$(rejected)" -gt "$r0" ]; then ok; else bad "the reply was never throttled"; fi
curl -s -X POST -H 'Content-Type: application/json' -d '{"throttle":false}' "$C/mode" >/dev/null
expect_mt $B "Balance: €12.50"
# kill -9 with an order waiting for its code: after a restart the code confirms it, once.
expect_acked "$(mo $A 'ENVOI 20 0698765432')"
expect_mt $A "Envoyer 20,00 €"
crash
start_bound
expect_acked "$(mo $A '483920' '{"wait_bind_ms":10000}')"
expect_mt $A "Envoyé : 20,00 €"
expect_mt $B "You received €20.00"
if "${M[@]}" check | grep -q ": ok"; then ok; else bad "check failed"; fi
stop
no_secrets "a code or the password" "483920|271828|secret"
e2e_done sms_smpp
