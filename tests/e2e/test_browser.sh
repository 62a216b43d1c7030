#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The payer's side in a real browser (headless Chromium driven by playwright-core): the payer
# sets their code on the enrolment page linked from the welcome SMS (a weak code and a mismatch
# refused first); a merchant creates a payment request through the API; the payer opens the
# link from the SMS, types a wrong code, then the right one; the merchant receives the signed
# event (verified with openssl); the dev phone answers. Screenshots go to ARTIFACTS.
# Usage: test_browser.sh MANDAT MANDATD ARTIFACTS
set -euo pipefail
mandat=$1
mandatd=$2
artifacts=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init browser
mkdir -p "$artifacts"

# port 0: start sets port and base from the ports mandatd got
e2e_conf 0 "[webhook]
allow_private = yes"
# The merchant's endpoint (the webhook test's receiver): records each request as a JSON line.
node "$top/tests/e2e/webhook_receiver.js" "$dir/hooks.log" "$dir/ports.json" >"$dir/receiver.log" 2>&1 &
e2e_track $!
wait_file "$dir/ports.json"
hook_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$dir/ports.json")
"${M[@]}" init >/dev/null
KEY=$("${M[@]}" merchant create Boutique Zoé --webhook-url "http://127.0.0.1:$hook_port/hooks" |
  sed -n 's/^api key: //p')
start
P=0612345678
enrol=$("${M[@]}" sms $P INSCRIPTION | grep -o "$base/enrol/[0-9a-f]*")
(cd "$top" && node tests/browser/enrol.mjs "$enrol" 483920 "$artifacts")
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null
# A first request waits for the payer's code; the second then comes with a link to its page.
for r in '"amount":990,"payer":"'$P'","reference":"order 122"' \
  '"amount":2500,"payer":"'$P'","reference":"order 123"'; do
  curl -s -f -X POST "$base/v1/payment-requests" -H "Authorization: Bearer $KEY" -d "{$r}" >/dev/null
done
link=$("${M[@]}" phone $P </dev/null | grep -o "$base/c/[0-9a-f]*")
(cd "$top" && node tests/browser/pay.mjs "$base" "$link" 483920 "$artifacts" "$ibase")
# The merchant receives the signed event; an independent openssl check verifies it.
for _ in $(seq 100); do grep -q payment_request.confirmed "$dir/hooks.log" 2>/dev/null && break; sleep 0.1; done
python3 - "$dir/hooks.log" "$dir" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if '"payment_request.confirmed"' in r["body"]:
        open(sys.argv[2] + "/body", "w").write(r["body"])
        open(sys.argv[2] + "/sig", "w").write(r["headers"]["mandat-signature"])
        break
PY
[ -s "$dir/sig" ] || { echo "FAIL the merchant received no payment_request.confirmed event"; exit 1; }
secret=$("${M[@]}" webhook secret 5 | grep -o 'whsec_[0-9a-f]*')
sh "$top/docs/examples/verify_webhook.sh" "$secret" "$(cat "$dir/sig")" "$dir/body" ||
  { echo "FAIL the event's signature does not verify"; exit 1; }
echo "ok the merchant received the signed event, verified with openssl"
stop
if grep -q "483920\|000111" "$dir/mandatd.log"; then echo "FAIL a code reached the log"; exit 1; fi
echo "browser test passed; screenshots in $artifacts"
