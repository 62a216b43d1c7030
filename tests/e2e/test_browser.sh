#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The payer's side in a real browser: a merchant creates a payment request through the API, the
# payer opens the link from the SMS in headless Chromium (playwright-core), types a wrong code,
# then the right one; the merchant's event is written; the dev phone answers. Screenshots go to
# ARTIFACTS. Usage: test_browser.sh MANDAT MANDATD ARTIFACTS
set -euo pipefail
mandat=$1
mandatd=$2
artifacts=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/mandat-browser-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$artifacts"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
cat > "$dir/mandat.conf" <<CONF
[store]
path = $dir/mandat.db
[http]
listen = 127.0.0.1:$port
[vault]
key_file = $dir/pin.key
CONF
M=("$mandat" --config "$dir/mandat.conf")
"${M[@]}" init >/dev/null
KEY=$("${M[@]}" merchant create Boutique Zoé --webhook-url http://127.0.0.1:9/hooks |
  sed -n 's/^api key: //p')
"$mandatd" --config "$dir/mandat.conf" >>"$dir/mandatd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  if curl -s -o /dev/null "$base/healthz"; then break; fi
  sleep 0.1
done
P=0612345678
"${M[@]}" sms $P INSCRIPTION >/dev/null
"${M[@]}" sms $P CODE 483920 >/dev/null
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null
curl -s -f -X POST "$base/v1/payment-requests" -H "Authorization: Bearer $KEY" \
  -d '{"amount":2500,"payer":"'$P'","reference":"order 123"}' >/dev/null
link=$("${M[@]}" phone $P </dev/null | grep -o "$base/c/[0-9a-f]*")
(cd "$top" && node tests/browser/pay.mjs "$base" "$link" 483920 "$artifacts")
events=$(sqlite3 "$dir/mandat.db" "select type from webhooks")
if [ "$events" != "payment_request.confirmed" ]; then
  echo "FAIL merchant event: got '$events'"; exit 1
fi
echo "ok merchant event written"
kill "$pid"; wait "$pid" 2>/dev/null || true
pid=""
if grep -q "483920\|000111" "$dir/mandatd.log"; then echo "FAIL a code reached the log"; exit 1; fi
echo "browser test passed; screenshots in $artifacts"
