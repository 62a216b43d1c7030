#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One request per Idempotency-Key, even at the same instant (issue 11, item 5): 16 clients post
# the same key at once, with different bodies and then with the same body. Before the fix both
# got 201 with one id, both payers were texted and the store kept two rows for one id. Now one
# gets 201 and the others 409 (in flight), 422 (another body) or the replayed 201.
# Usage: test_idempotency_race.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init idem

e2e_conf 0
"${M[@]}" init >/dev/null
start
key=$("${M[@]}" merchant create Boutique | sed -n 's/^api key: \([^ ]*\).*/\1/p')
for n in 0611111111 0622222222; do
  "${M[@]}" sms $n INSCRIPTION >/dev/null
  "${M[@]}" sms $n CODE 483920 >/dev/null
done
eventually "key known" "200" curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" \
  "http://127.0.0.1:$port/v1/payment-requests"

# race KEY SAME: 16 POSTs released together; prints one status per line, then the ids of 201s.
race() {
  python3 - "$port" "$key" "$1" "$2" <<'PY'
import http.client, json, sys, threading
port, key, idem, same = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=20) for _ in range(16)]
for c in conns:
    c.connect()
gate = threading.Barrier(len(conns))
out = [None] * len(conns)
def go(i):
    payer = "0611111111" if same or i % 2 == 0 else "0622222222"
    body = json.dumps({"amount": 500 if same else 500 + i, "payer": payer, "reference": "race"})
    gate.wait()
    conns[i].request("POST", "/v1/payment-requests", body, {
        "Authorization": "Bearer " + key, "Idempotency-Key": idem,
        "Content-Type": "application/json"})
    r = conns[i].getresponse()
    data = r.read().decode()
    rid = json.loads(data).get("id", "") if r.status == 201 else ""
    out[i] = (r.status, rid, r.getheader("Idempotent-Replayed") or "")
ts = [threading.Thread(target=go, args=(i,)) for i in range(len(conns))]
for t in ts: t.start()
for t in ts: t.join()
for s, rid, rep in out:
    print(s, rid, rep)
PY
}

# distinct_requests: payment requests in the store (a log: one row per change of each).
distinct_requests() {
  db "select count(distinct id) from payment_requests"
}

out=$(race order-1 0)
fresh=$(echo "$out" | awk '$1 == 201 && $3 == "" {n++} END {print n + 0}')
others=$(echo "$out" | awk '$1 != 201 && $1 != 409 && $1 != 422 {print}')
if [ "$fresh" = 1 ] && [ -z "$others" ]; then ok "different bodies: one 201"; else bad "different bodies: $out"; fi
expect "one object in the store" "1" distinct_requests
asks=$( { "${M[@]}" phone 0611111111 </dev/null; "${M[@]}" phone 0622222222 </dev/null; } | grep -c "demande" || true)
if [ "$asks" = 1 ]; then ok "one payer texted"; else bad "payers texted $asks times"; fi

out=$(race order-2 1)
fresh=$(echo "$out" | awk '$1 == 201 && $3 == "" {n++} END {print n + 0}')
ids=$(echo "$out" | awk '$1 == 201 {print $2}' | sort -u | wc -l)
others=$(echo "$out" | awk '$1 != 201 && $1 != 409 {print}')
if [ "$fresh" = 1 ] && [ "$ids" = 1 ] && [ -z "$others" ]; then ok "same body: one 201, replays of it"; else bad "same body: $out"; fi
expect "two objects in the store" "2" distinct_requests
# Once the first is answered, a retry gets its answer, replayed.
expect "replayed after" "true" curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $key" \
  -H "Idempotency-Key: order-2" -d '{"amount": 500, "payer": "0611111111", "reference": "race"}' \
  "http://127.0.0.1:$port/v1/payment-requests"
"${M[@]}" check >/dev/null && ok || bad "mandat check"
e2e_done idem
