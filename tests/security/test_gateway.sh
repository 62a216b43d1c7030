#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on who may speak for a phone (issue 11, items 1 and 7), replayed against a real
# mandatd: the Kannel endpoint reached from the public listener, without or with a wrong secret,
# from an address off the allow-list; the dev pages and /metrics on the public listener; the
# public and internal listeners on one address; times that overflowed; the API's default rate
# limit; the pages' script policy. Each check failed on the code before this issue.
# Usage: test_gateway.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init gateway

# port 0: start sets port and base from the ports mandatd got
e2e_conf 0 "[http]
api_rate = 5"
# e2e_conf wrote one [http] already: fold the extra key into it.
python3 - "$dir/mandat.conf" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("\n[http]\napi_rate = 5", "")
s = s.replace("dev_mode = true\n", "dev_mode = true\napi_rate = 5\n", 1)
open(p, "w").write(s)
PY

# code URL: the HTTP status of a GET.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# rows TABLE: the number of rows in a table of the database.
rows() {
  db "select count(*) from $1"
}

"${M[@]}" init >/dev/null
start
V=+33612345678 # the victim
X=+33698765432 # the attacker
"${M[@]}" sms $V INSCRIPTION >/dev/null
"${M[@]}" sms $V CODE 483920 >/dev/null
"${M[@]}" transfer --kind topup --from 1 --to 5 --amount 100 >/dev/null # the first wallet
inbox=$(rows inbox)

# 1. The reproduced attack: the public port is all the attacker has.
q="from=%2B33612345678&to=71004&id=attack"
expect "public /kannel/mo is not there" "404" code "$base/kannel/mo?$q-1&text=CODE%20975310"
expect "public /kannel/mo with the secret is not there either" "404" \
  code "$base/kannel/mo?$q-2&text=SOLDE&secret=$ksecret"
expect "public /kannel/dlr" "404" code "$base/kannel/dlr?id=x&status=1"
expect "public /dev/mo" "404" code "$base/dev/mo?$q-3&text=SOLDE"
expect "public /dev/outbox" "404" code "$base/dev/outbox?to=%2B33612345678"
expect "public /dev/phone" "404" code "$base/dev/phone"
expect "public /metrics" "404" code "$base/metrics"
# 2. The internal listener wants the gateway's secret.
expect "no secret: 401" "401" code "$ibase/kannel/mo?$q-4&text=SOLDE"
expect "wrong secret: 401" "401" code "$ibase/kannel/mo?$q-5&text=SOLDE&secret=${ksecret}x"
expect "short secret: 401" "401" code "$ibase/kannel/mo?$q-6&text=SOLDE&secret=e2e"
expect "401 says what to do" "secret=<[kannel] mo_secret>" curl -s "$ibase/kannel/mo?$q-7&text=SOLDE"
expect "dlr without secret: 401" "401" code "$ibase/kannel/dlr?id=x&status=1"
expect "bearer secret" "Solde" curl -s -H "Authorization: Bearer $ksecret" \
  "$ibase/kannel/mo?$q-8&text=SOLDE"
# Nothing of the refused attempts was recorded: only the one accepted message.
expect "nothing recorded" "$((inbox + 1))" rows inbox
expect "victim's money untouched" "100,00" "${M[@]}" sms $V SOLDE
# 7. Times that overflowed (UB under the sanitizers) are refused, and mandatd lives on.
expect "time INT64_MAX" "400" code "$ibase/kannel/mo?$q-9&text=SOLDE&secret=$ksecret&time=9223372036854775807"
expect "year 2147483647" "400" \
  code "$ibase/kannel/mo?$q-10&text=SOLDE&secret=$ksecret&time=2147483647-01-01%2000:00:00"
expect "month 13" "400" code "$ibase/kannel/mo?$q-11&text=SOLDE&secret=$ksecret&time=2026-13-01%2000:00:00"
expect "a good time" "200" code "$ibase/kannel/mo?$q-12&text=SOLDE&secret=$ksecret&time=2026-12-06%2010:00:00"
expect "still alive" "ok" curl -s "$base/healthz"
# /metrics is internal; the dev pages are internal and need dev_mode.
expect "internal /metrics" "mandat_messages_total" curl -s "$ibase/metrics"
expect "internal /dev/phone" "200" code "$ibase/dev/phone"
# 7. The pages allow no inline script (the dev phone's script is a file of its own).
csp=$(curl -s -D - -o /dev/null "$ibase/dev/phone" | grep -i '^content-security-policy')
if [[ "$csp" == *"script-src 'self'"* && "$csp" != *unsafe-inline* ]]; then ok; else bad "csp: $csp"; fi
expect "the script is served" "/dev/mo?from=" curl -s "$ibase/dev/phone.js"
# 7. The API's rate limit comes from [http] api_rate (5 per second here).
key=$("${M[@]}" merchant create Boutique | sed -n 's/^api key: \([^ ]*\).*/\1/p')
# mandatd reads the new key at once on SIGHUP (else within a second); the bucket of 5 has
# spent one request on it at most, and 30 requests in a row outrun its refill of 5 a second.
reload
eventually "key known" "200" code -H "Authorization: Bearer $key" "$base/v1/payment-requests"
codes=$(for _ in $(seq 30); do code -H "Authorization: Bearer $key" "$base/v1/payment-requests"; echo; done)
if [[ "$codes" == *429* && "$codes" == *200* ]]; then ok; else bad "api_rate: got $codes"; fi
stop

# 1. An allow-list the caller is not on: 403 even with the secret, nothing recorded.
inbox=$(rows inbox)
sed -i "s|^mo_secret = .*|&\nmo_allow = 10.9.9.0/24, ::ffff:10.9.8.7|" "$dir/mandat.conf"
start
expect "off the allow-list: 403" "403" code "$ibase/kannel/mo?$q-13&text=SOLDE&secret=$ksecret"
expect "nothing recorded (allow-list)" "$inbox" rows inbox
stop
sed -i "s|^mo_allow = .*|mo_allow = 127.0.0.0/8|" "$dir/mandat.conf"
start
expect "on the allow-list" "Solde" curl -s "$ibase/kannel/mo?$q-14&text=SOLDE&secret=$ksecret"
stop
sed -i "s|^mo_allow = .*|mo_allow = 127.0.0.1/33|" "$dir/mandat.conf"
expect "bad prefix refused" "'/33' after 127.0.0.1 is not a prefix length" "$mandatd" --config "$dir/mandat.conf"

# 1. No [kannel] credential: the gateway endpoints are off; no dev_mode: no dev pages.
sed -i -e "/^mo_allow = /d" -e "/^mo_secret = /d" -e "s|^dev_mode = true|dev_mode = false|" "$dir/mandat.conf"
start
expect "kannel off: 404" "404" code "$ibase/kannel/mo?$q-15&text=SOLDE"
expect "dev off: 404" "404" code "$ibase/dev/outbox?to=%2B33612345678"
expect "dev mo off: 404" "404" code "$ibase/dev/mo?$q-16&text=SOLDE"
expect "cli explains" "set [kannel] mo_secret" "${M[@]}" sms $V SOLDE
stop

# /metrics on the public listener only with its bearer token.
sed -i "s|^dev_mode = false|dev_mode = false\nmetrics_token = m-$RANDOM$RANDOM|" "$dir/mandat.conf"
token=$(sed -n 's/^metrics_token = //p' "$dir/mandat.conf")
start
expect "metrics without token" "401" code "$base/metrics"
expect "metrics wrong token" "401" code -H "Authorization: Bearer ${token}x" "$base/metrics"
expect "metrics with token" "mandat_transfers" curl -s -H "Authorization: Bearer $token" "$base/metrics"
stop

# One address for both audiences is refused with a reason.
sed -i "s|^internal_listen = .*|internal_listen = 127.0.0.1:$port|" "$dir/mandat.conf"
expect "one listener refused" "internal_listen must differ from listen" "$mandatd" --config "$dir/mandat.conf"

no_secrets "kannel secret" "$ksecret"
e2e_done gateway
