#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Redeliveries without the SMSC's id, through real SMPP binds to the simulator (tests/smsc), as
# DESIGN.md (Durability) wants them: a message the SMSC delivers again after its
# acknowledgement was in doubt (written, not known read, when the link dropped or mandatd was
# killed) is handled once, however late within dedup_window; a person's own repeats are new and
# answered. The simulator's after_resp mode drops (or mutes) the link the moment it reads the
# deliver_sm_resp, answering nothing written after it, and redelivers on the next bind.
# Usage: test_sms_redelivery.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init redeliver

smsc smsc
C="http://127.0.0.1:$smsc_cport"
smpp_conf="[smpp]
host = 127.0.0.1
port = $smsc_sport
system_id = mandat
password = secret
enquire_link = 5"
e2e_conf 0 "$smpp_conf"

# mo FROM TEXT [json extras]: send an MO (waiting up to 10 s for a bind), print the answer.
mo() {
  python3 - "$C" "$1" "$2" "${3:-}" <<'PY'
import json, sys, urllib.request
c, frm, text, extra = sys.argv[1:5]
body = {"from": frm, "to": "71004", "text": text, "timeout_ms": 5000, "wait_bind_ms": 10000}
if extra:
    body.update(json.loads(extra))
req = urllib.request.Request(c + "/mo", json.dumps(body).encode(), {"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
PY
}

acked() {
  if [[ "$1" == *'"acked":true'* ]]; then ok; else bad "MO not acknowledged: $1"; fi
}

# count TO NEEDLE: messages to TO containing NEEDLE so far.
count() {
  curl -s "$C/mt?since=0&limit=100000" | python3 -c '
import json, sys
to, needle = sys.argv[1].lstrip("+"), sys.argv[2]
ms = json.load(sys.stdin)["messages"]
print(sum(m.get("to", "").lstrip("+") == to and needle in (m.get("text") or "") for m in ms))' "$1" "$2"
}

# settled: a later MO, from a number of its own, is answered (5 s at most). Replies leave in the
# order their MOs were handled, so an answer to anything acknowledged before it has gone too.
Z=+33600000999
settled() {
  local want
  want=$(($(count $Z "") + 1))
  mo $Z AIDE >/dev/null
  for _ in $(seq 50); do
    if [ "$(count $Z "")" -ge "$want" ]; then return 0; fi
    sleep 0.1
  done
  bad "settled: no answer to a later MO"
}

# want_count NAME TO NEEDLE N: within 5 s there are N such messages, and still N once a later
# MO has been answered (settled): a second answer would have gone out before that one.
want_count() {
  local name=$1 n=""
  for _ in $(seq 50); do
    n=$(count "$2" "$3")
    if [ "$n" -ge "$4" ]; then break; fi
    sleep 0.1
  done
  settled
  n=$(count "$2" "$3")
  if [ "$n" = "$4" ]; then ok; else bad "$name: $n messages to $2 with '$3', wanted $4"; fi
}

# redelivered I: wait (up to 40 s) for the simulator's redelivery I, print it.
redelivered() {
  python3 - "$C" "$1" <<'PY'
import json, sys, time, urllib.request
c, i = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 40
while time.time() < deadline:
    r = json.loads(urllib.request.urlopen(c + "/redeliveries").read())["redeliveries"]
    if len(r) > i and r[i]["done"]:
        print(json.dumps(r[i], separators=(",", ":")))
        sys.exit(0)
    time.sleep(0.1)
print("redelivery %d not done" % i)
PY
}

"${M[@]}" init >/dev/null
"${M[@]}" association create TELETHON Téléthon >/dev/null
start_bound
A=+33612345678
B=+33698765432
for p in "$A 483920" "$B 271828"; do
  read -r who code <<<"$p"
  acked "$(mo "$who" INSCRIPTION)"
  acked "$(mo "$who" "CODE $code")"
done
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null
"${M[@]}" transfer --kind topup --from 1 --to 7 --amount 100 >/dev/null

# 1. Redelivered 10 s after a drop that left its acknowledgement in doubt: one order, one
# request for the code. Sent where the 10 s cross a 30-second boundary, so that the old rule
# (same text in the same 30-second period) would have answered it twice.
python3 -c 'import time
while time.time() % 30 < 20.5: time.sleep(0.05)'
a0=$(count $A "")
r=$(mo $A "DON 4 TELETHON" '{"after_resp":"drop","redeliver_after_ms":10000}')
acked "$r"
# Meanwhile, what a person really sends twice is answered twice; sent once that boundary has
# passed, so that the old rule would have swallowed the second.
python3 -c 'import time
while not 0.5 <= time.time() % 30 < 20: time.sleep(0.05)'
acked "$(mo $B SOLDE)"
acked "$(mo $B SOLDE)"
want_count "SOLDE twice" $B "Solde" 2
acked "$(mo $B "ENVOI 5 0612345678")"
acked "$(mo $B ANNULER)"
acked "$(mo $B "ENVOI 5 0612345678")"
want_count "ENVOI again after ANNULER" $B "Envoyer 5,00 €" 2
acked "$(mo $B ANNULER)"
r=$(redelivered 0)
acked "$r"
want_count "in-doubt DON redelivered after 10 s: one order" $A "Donner 4,00 €" 1
want_count "in-doubt DON redelivered after 10 s: one answer in all" $A "" $((a0 + 1))
d=$(db "select count(*) from inbox where source = '$A' and text = 'DON 4 TELETHON'")
if [ "$d" = 1 ]; then ok; else bad "the DON is $d times in the inbox"; fi

# 2. The code, redelivered after the receipt: no extra "Aucun ordre en attente".
a0=$(count $A "")
acked "$(mo $A 483920 '{"after_resp":"drop","redeliver_after_ms":1000}')"
acked "$(redelivered 1)"
want_count "the donation" $A "Merci ! Don de 4,00 €" 1
want_count "no answer to the redelivered code" $A "Aucun ordre en attente" 0
want_count "the code redelivered: one answer in all" $A "" $((a0 + 1))

# 3. kill -9 after the commit, before the SMSC is known to have read the acknowledgement (it
# answers nothing more), and the redelivery after the restart: handled once.
acked "$(mo $A "DON 3 TELETHON")"
want_count "second donation asked" $A "Donner 3,00 €" 1
acked "$(mo $A 483920 '{"after_resp":"mute","redeliver_after_ms":2000}')"
crash
start_bound
acked "$(redelivered 2)"
want_count "the second donation" $A "Merci ! Don de 3,00 €" 1
want_count "no answer to the code redelivered after the restart" $A "Aucun ordre en attente" 0
got=$("${M[@]}" account show 5 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credits_posted_minor"])')
if [ "$got" = 700 ]; then ok; else bad "TELETHON received $got cents, wanted 4 + 3 EUR once each"; fi

# 4. The window, made short (dedup_window = 4 s) to stand for a long wait: inside it a
# redelivery in doubt is still recognised, past it the message is new and answered.
stop
e2e_conf "$port" "$smpp_conf
[sms]
dedup_window = 4"
start_bound
n0=$(count $A "Solde")
acked "$(mo $A SOLDE '{"after_resp":"drop","redeliver_after_ms":1500}')"
acked "$(mo $A HISTO '{"after_resp":"drop","redeliver_after_ms":6000}')"
acked "$(redelivered 3)"
acked "$(redelivered 4)"
want_count "in doubt, redelivered inside the window" $A "Solde" $((n0 + 1))
want_count "in doubt, redelivered past the window: answered" $A "Dernières opérations" 2

if "${M[@]}" check | grep -q ": ok"; then ok; else bad "check failed"; fi
stop
no_secrets "a code or the password" "483920|271828|secret"
e2e_done sms_redelivery
