#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Push-back while the store cannot commit (issue 16, "Connection loss"): the SQLite database
# held by another process's BEGIN EXCLUSIVE (Python's sqlite3) past the busy timeout or, with
# MANDAT_STORE=postgres, the suite's PostgreSQL server stopped at once (tests/pg.sh down, then
# up), while an SMPP client, Kannel and the API send. During the outage the API answers 503 with
# Retry-After and a problem, a deliver_sm is answered ESME_RTHROTTLED, Kannel's MO 503, and
# /readyz is not ready; once the store commits again everything recovers by itself, the MOs sent
# again are handled once, the payment request is created once for its key, and `mandat check`
# is green.
# Usage: test_store_down.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init store_down

smsc smsc
C="http://127.0.0.1:$smsc_cport"
e2e_conf 0 "[smpp]
host = 127.0.0.1
port = $smsc_sport
system_id = mandat
password = secret
enquire_link = 5"

# mo FROM TEXT: send an MO, print the deliver_sm_resp's command_status (null: no answer).
mo() {
  python3 - "$C" "$1" "$2" <<'PY'
import json, sys, urllib.request
c, frm, text = sys.argv[1:4]
body = {"from": frm, "to": "71004", "text": text, "timeout_ms": 8000}
req = urllib.request.Request(c + "/mo", json.dumps(body).encode(), {"Content-Type": "application/json"})
print(json.loads(urllib.request.urlopen(req).read().decode()).get("command_status"))
PY
}

pay_req() {
  curl -s -i -X POST "$base/v1/payment-requests" -H "Authorization: Bearer $KEY" \
    -H "Idempotency-Key: $1" -d '{"amount":250,"payer":"+33612345678","reference":"'"$1"'"}'
}

"${M[@]}" init >/dev/null
"${M[@]}" merchant create Boutique >"$dir/m1"
KEY=$(sed -n 's/^api key: //p' "$dir/m1")
start_bound
A=+33612345678
check "enrol" 0 "$(mo $A INSCRIPTION)"
check "a request while healthy" "HTTP/1.1 201" "$(pay_req before)"

# The outage begins. SQLite: another process holds BEGIN EXCLUSIVE until its stdin closes.
# PostgreSQL: the server stopped at once (RUN_SERIAL: every pg test shares it).
outage_begin() {
  if [ -n "$pg_schema" ]; then
    "${MANDAT_PG_SH:?}" down "${MANDAT_PG_STATE:?}"
    return 0
  fi
  rm -f "$dir/locked"
  exec 7> >(python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked")
sys.stdin.read()  # held until the test closes its end
db.execute("COMMIT")
' "$dir/mandat.db" "$dir/locked")
  wait_file "$dir/locked" 10
}
outage_end() {
  if [ -n "$pg_schema" ]; then "$MANDAT_PG_SH" up "$MANDAT_PG_STATE"; else exec 7>&-; fi
}
# Whatever happens, the shared server is up again on exit.
if [ -n "$pg_schema" ]; then trap '"$MANDAT_PG_SH" up "$MANDAT_PG_STATE" >/dev/null 2>&1 || true; e2e_cleanup' EXIT; fi

outage_begin
# The first MO fails to commit (busy timeout, or the server gone): a temporary error, and the
# engine marks the store down.
first=$(mo $A 'CODE 483920')
if [ "$first" = 0 ]; then bad "MO acknowledged while the store was locked"; else ok; fi
eventually "readyz not ready" "503" curl -s -o /dev/null -w '%{http_code}' "$base/readyz"
out=$(pay_req during)
check "API 503 during the outage" "HTTP/1.1 503" "$out"
check "API Retry-After" "Retry-After: 5" "$out"
check "API problem" "unable to record payments" "$out"
check "deliver_sm throttled (0x58 = 88)" 88 "$(mo $A 'CODE 483920')"
kannel_mo="$ibase/kannel/mo?from=%2B33698765432&to=71004&text=JOIN&id=kannel-1&secret=$ksecret"
out=$(curl -s -i "$kannel_mo")
check "Kannel 503 during the outage" "HTTP/1.1 503" "$out"
check "Kannel Retry-After" "Retry-After:" "$out"
check "a read still answers" "HTTP/1.1 200" "$(curl -s -i "$base/healthz")"
outage_end

eventually "readyz ready again" "200" curl -s -o /dev/null -w '%{http_code}' "$base/readyz"
check "the SMSC redelivers: acknowledged" 0 "$(mo $A 'CODE 483920')"
check "Kannel retries: taken" "HTTP/1.1 200" "$(curl -s -i "$kannel_mo")"
check "API after recovery" "HTTP/1.1 201" "$(pay_req during)"
check "idempotent replay" "HTTP/1.1 201" "$(pay_req during)"
check "one request per key" 1 "$(db "select count(*) from payment_requests where reference = 'during'")"
check "the code recorded once" 1 "$(db "select count(*) from inbox where text like 'CODE%'")"
check "the Kannel message recorded once" 1 "$(db "select count(*) from inbox where peer_id = 'kannel-1'")"
stop
expect "mandat check" "ok" "${M[@]}" check
e2e_done store_down
