#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The merchant API against a real mandatd, with curl as the merchant and the mandat CLI as the
# payer's phone: payment requests created, replayed with their Idempotency-Key, refused for bad
# input (each problem type), confirmed by SMS, read, listed, cancelled, declined, refunded;
# authentication, scopes and rate limits; the webhook events written with each change; and a
# kill -9 after which requests and idempotency still hold. Usage: test_api.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init api

# port 0: start sets port and base from the ports mandatd got
e2e_conf 0


# api METHOD PATH KEY [BODY] [extra curl args]: prints the body, then the status on its own line.
api() {
  local method=$1 path=$2 key=$3 body=${4:-}
  shift 4 || shift $#
  if [ -n "$body" ]; then
    curl -s -X "$method" "$base$path" -H "Authorization: Bearer $key" -d "$body" \
      -w '\n%{http_code}' "$@"
  else
    curl -s -X "$method" "$base$path" -H "Authorization: Bearer $key" -w '\n%{http_code}' "$@"
  fi
}

field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[0])['$1'])"; }

"${M[@]}" init >/dev/null
"${M[@]}" merchant create Boutique Zoé --webhook-url http://127.0.0.1:9/hooks >"$dir/m1"
"${M[@]}" merchant create Autre >"$dir/m2"
KEY=$(sed -n 's/^api key: //p' "$dir/m1")
OTHER=$(sed -n 's/^api key: //p' "$dir/m2")
READ=$("${M[@]}" merchant key 5 --scopes read | sed -n 's/^api key: //p')
SLOW=$("${M[@]}" merchant key 5 --scopes read --rate 2 | sed -n 's/^api key: //p')
check "key shown once" "mdt_" "$KEY"
keys=$(db "select count(*) from api_keys")
if "${M[@]}" merchant key abc >/dev/null 2>&1 ||
  [ "$(db "select count(*) from api_keys")" != "$keys" ]; then
  bad "a malformed merchant id made a key"
fi
if db "select * from api_keys" | grep -q "${KEY##*_}"; then
  bad "the API key is stored in clear"
fi
start
P=0612345678
"${M[@]}" sms $P INSCRIPTION >/dev/null
"${M[@]}" sms $P CODE 483920 >/dev/null
"${M[@]}" transfer --kind topup --from 1 --to 7 --amount 100 >/dev/null
req='{"amount":2500,"payer":"'$P'","reference":"order 123","description":"2 tickets"}'

# Create, replay, reuse with another body.
out=$(api POST /v1/payment-requests "$KEY" "$req" -H "Idempotency-Key: order-123")
check "create" '"state":"pending"' "$out"
check "create 201" $'\n201' "$out"
ID=$(echo "$out" | field id)
out=$(api POST /v1/payment-requests "$KEY" "$req" -H "Idempotency-Key: order-123" -i)
check "replay same id" "\"id\":\"$ID\"" "$out"
check "replay header" "Idempotent-Replayed: true" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":1,"payer":"'$P'","reference":"x"}' \
  -H "Idempotency-Key: order-123")
check "key reused" "idempotency-key-reused" "$out"
check "key reused 422" $'\n422' "$out"
# The payer got the request by SMS, to answer with their code (no link: it fits one SMS).
out=$("${M[@]}" phone $P </dev/null)
check "payer asked" "Boutique Zoé demande 25,00 € (order 123). Répondez avec votre code pour payer, ANNULER pour refuser. Ref " "$out"
case "$out" in *"$base/c/"*) bad "a code request carries no link" ;; *) ok "no link when the code answers" ;; esac

# Bad input, one problem type each.
out=$(api POST /v1/payment-requests "$KEY" '{"amount":' )
check "malformed" "malformed-json" "$out"
check "malformed 400" $'\n400' "$out"
out=$(api POST /v1/payment-requests "$KEY" '[1]')
check "not an object" "the body must be an object" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"payer":"'$P'","reference":"x"}')
check "missing" "amount is required" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":-5,"payer":"'$P'","reference":"x"}')
check "negative" "amount must be an integer" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":5,"payer":"abc","reference":"x"}')
check "bad payer" "payer must be a phone number" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":5,"payer":"0699999999","reference":"x"}')
check "no wallet" "no mandat wallet for this payer" "$out"
check "no wallet 404" $'\n404' "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":5,"currency":"USD","payer":"'$P'","reference":"x"}')
check "currency" "currency USD is not taken here" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":5,"payer":"'$P'","reference":"x","amount":6}')
check "duplicate key" "malformed-json" "$out"
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
out=$(api POST /v1/payment-requests "$KEY" "{\"amount\":5,\"payer\":\"$P\",\"reference\":\"$big\"}")
check "oversized" $'\n413' "$out"
check "oversized problem" "body-too-large" "$out"
out=$(api GET /v1/nothing "$KEY")
check "unknown path" "no such endpoint" "$out"
out=$(api DELETE /v1/payment-requests "$KEY")
check "405" $'\n405' "$out"
check "problem type" '"type":"https://mandat.dev/problems/method-not-allowed"' "$out"
out=$(curl -s -i "$base/v1/payment-requests/$ID")
check "no key" "401" "$out"
check "problem json" "application/problem+json" "$out"
out=$(api GET "/v1/payment-requests/$ID" "mdt_0000000000000000_000000000000000000000000000000000000000000000000")
check "wrong key" "unknown or revoked API key" "$out"
out=$(api POST /v1/payment-requests "$READ" "$req")
check "scope" $'\n403' "$out"
out=$(api GET "/v1/payment-requests/$ID" "$OTHER")
check "other merchant" $'\n404' "$out"
for _ in 1 2 3; do out=$(api GET "/v1/payment-requests/$ID" "$SLOW" "" -i); done
check "rate limited" "429" "$out"
check "retry after" "Retry-After: 1" "$out"

# The payer confirms by SMS: read it, its transfer, the balance, a refund.
check "sms confirm" "Payé : 25,00 € à Boutique Zoé (order 123)" "$("${M[@]}" sms $P 483920)"
out=$(api GET "/v1/payment-requests/$ID" "$READ")
check "confirmed" '"state":"confirmed"' "$out"
check "merchant fee" '"fee":63' "$out"
TID=$(echo "$out" | field transfer_id)
out=$(api GET "/v1/transfers/$TID" "$READ")
check "transfer" '"kind":"payment"' "$out"
check "transfer amount" '"amount":2500' "$out"
out=$(api GET /v1/accounts/5/balance "$READ")
check "balance" '"available":2437' "$out"
out=$(api GET "/v1/accounts/5/statement?limit=1" "$READ")
check "statement" '"kind":"payment","state":"posted","amount":2500' "$out"
check "statement page" '"has_more":true' "$out"
cursor=$(echo "$out" | field next_starting_after)
out=$(api GET "/v1/accounts/5/statement?limit=100&starting_after=$cursor" "$READ")
check "statement next page" '"kind":"fee"' "$out"
check "statement last page" '"has_more":false' "$out"
out=$(api GET /v1/accounts/6/balance "$READ")
check "not own account" $'\n404' "$out"
out=$(api POST /v1/refunds "$KEY" '{"payment_request_id":"'$ID'","amount":1000}' -H "Idempotency-Key: r-1")
check "refund" '"object":"refund","amount":1000' "$out"
out=$(api POST /v1/refunds "$KEY" '{"payment_request_id":"'$ID'","amount":1000}' -H "Idempotency-Key: r-1")
check "refund replay" '"refunded":1000' "$out"
out=$(api POST /v1/refunds "$KEY" '{"payment_request_id":"'$ID'","amount":2000}')
check "refund above" "refund above what is left" "$out"
check "refund above 409" $'\n409' "$out"
check "refund sms" "Boutique Zoé vous rembourse 10,00 €" "$("${M[@]}" phone $P </dev/null)"

# Cancelled by the merchant, declined by the payer.
ID2=$(api POST /v1/payment-requests "$KEY" '{"amount":700,"payer":"'$P'","reference":"o2"}' | field id)
out=$(api POST "/v1/payment-requests/$ID2/cancel" "$KEY" "")
check "cancel" '"state":"cancelled"' "$out"
out=$(api POST "/v1/payment-requests/$ID2/cancel" "$KEY" "")
check "cancel twice" $'\n409' "$out"
ID3=$(api POST /v1/payment-requests "$KEY" '{"amount":800,"payer":"'$P'","reference":"o3"}' | field id)
check "decline" "refusée" "$("${M[@]}" sms $P ANNULER)"
check "declined" '"state":"declined"' "$(api GET "/v1/payment-requests/$ID3" "$READ")"
out=$(api GET "/v1/payment-requests?limit=2" "$READ")
check "list page" '"has_more":true' "$out"
check "list newest first" "\"id\":\"$ID3\"" "$out"
out=$(api GET "/v1/payment-requests?state=confirmed" "$READ")
check "list filter" "\"id\":\"$ID\"" "$out"
out=$(api GET "/v1/payment-requests?limit=1000" "$READ")
check "list limit" "limit is 1 to 100" "$out"
events=$(db "select type from webhooks order by seq" | tr '\n' ' ')
check "events" "payment_request.confirmed refund.succeeded payment_request.cancelled payment_request.declined" "$events"

# The operator (scope admin): accounts, top-ups, associations, freezing, the journal.
OP=$("${M[@]}" merchant key 0 | sed -n 's/^api key: //p')
reload # mandatd reads keys made beside it now (else within a second): wait until it has
eventually "operator key learnt" $'\n200' api GET /v1/accounts/7/balance "$OP"
out=$(api POST /v1/accounts "$KEY" '{"kind":"wallet"}')
check "admin scope" $'\n403' "$out"
out=$(api POST /v1/accounts "$OP" '{"kind":"wallet","tier":1}')
check "open account" '"object":"account"' "$out"
NEW=$(echo "$out" | field account_id)
out=$(api POST /v1/accounts "$OP" '{"kind":"bank"}')
check "no system accounts" "kind is wallet, merchant, association or card" "$out"
out=$(api POST /v1/topups "$OP" '{"account_id":'$NEW',"amount":5000}' -H "Idempotency-Key: t-1")
check "topup" '"kind":"topup","amount":5000' "$out"
api POST /v1/topups "$OP" '{"account_id":'$NEW',"amount":5000}' -H "Idempotency-Key: t-1" >/dev/null
check "topup once" '"available":5000' "$(api GET "/v1/accounts/$NEW/balance" "$OP")"
out=$(api POST "/v1/accounts/$NEW/freeze" "$OP" '{}')
check "freeze" $'\n200' "$out"
out=$(api POST /v1/topups "$OP" '{"account_id":'$NEW',"amount":1}')
check "frozen refused" "account-frozen" "$out"
out=$(api POST "/v1/accounts/$NEW/unfreeze" "$OP" '{}')
check "unfreeze" $'\n200' "$out"
out=$(api POST "/v1/accounts/$NEW/tier" "$OP" '{"tier":9}')
check "tier range" "tier must be an integer" "$out"
out=$(api POST /v1/associations "$OP" '{"keyword":"ACF","name":"Action contre la faim"}')
check "association" '"keyword":"ACF"' "$out"
ACF=$(echo "$out" | field account_id)
check "donate to it" "Donner 2,00 € à Action contre la faim" "$("${M[@]}" sms $P DON 2 ACF)"
"${M[@]}" sms $P ANNULER >/dev/null
out=$(api POST /v1/campaigns "$OP" '{"tag":"#FAIM2026","keyword":"ACF","name":"Contre la faim"}')
check "campaign" '"tag":"FAIM2026","object":"campaign","keyword":"ACF"' "$out"
out=$(api POST /v1/campaigns "$OP" '{"tag":"X1","keyword":"NOPE"}')
check "campaign unknown association" $'\n404' "$out"
check "campaign page" '"total":0' "$(curl -s "$base/campaigns/FAIM2026.json")"
# A donation to the campaign through the API: the merchant collects it, the association gets
# it all, the campaign counts it; it is not the merchant's to refund.
out=$(api POST /v1/payment-requests "$KEY" '{"amount":300,"payer":"'$P'","reference":"gala","campaign":"#nope"}')
check "campaign unknown" "campaign NOPE is unknown" "$out"
check "campaign unknown 404" $'\n404' "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":300,"payer":"'$P'","reference":"gala","campaign":"faim 2026"}')
check "campaign malformed" "campaign must be a campaign's tag" "$out"
out=$(api POST /v1/payment-requests "$KEY" '{"amount":300,"payer":"'$P'","reference":"gala","campaign":"#Faim2026"}')
check "campaign request" '"campaign":"FAIM2026"' "$out"
CID=$(echo "$out" | field id)
check "campaign ask" "Boutique Zoé pour Contre la faim demande 3,00 € (gala)" "$("${M[@]}" phone $P </dev/null)"
check "campaign confirm" "Payé : 3,00 € à Boutique Zoé pour Contre la faim (gala)" "$("${M[@]}" sms $P 483920)"
check "campaign total" '"total":300,"currency":"EUR","donations":1' "$(curl -s "$base/campaigns/FAIM2026.json")"
out=$(api GET "/v1/payment-requests/$CID" "$KEY")
check "campaign confirmed, no fee" '"fee":0' "$out"
check "association credited" '"available":300' "$(api GET "/v1/accounts/$ACF/balance" "$OP")"
out=$(api POST /v1/refunds "$KEY" '{"payment_request_id":"'$CID'"}')
check "campaign refund refused" "was a donation to campaign FAIM2026" "$out"
check "campaign refund 409" $'\n409' "$out"
out=$(api GET "/v1/journal?limit=3" "$OP")
check "journal" '"hash":"' "$out"
check "journal admin only" $'\n403' "$(api GET /v1/journal "$READ")"

# The description served is the one in docs/, and names every endpoint tested here.
spec=$(curl -s "$base/openapi.json")
for p in /v1/payment-requests /v1/payment-requests/{id} /v1/payment-requests/{id}/cancel \
  /v1/refunds /v1/transfers/{id} /v1/accounts/{account_id}/balance /v1/cards/{token} \
  /v1/cards/{token}/loads; do
  check "openapi $p" "\"$p\"" "$spec"
done
check "openapi is json" "3.1.0" "$(echo "$spec" | python3 -c 'import json,sys; print(json.load(sys.stdin)["openapi"])')"

# Probes: /readyz, and /metrics in the Prometheus text format, counting what happened above.
check "ready" "ready" "$(curl -s "$base/readyz")"
metrics=$(curl -s -i "$ibase/metrics")
check "metrics type" "text/plain; version=0.0.4" "$metrics"
check "metrics mo" 'mandat_messages_total{channel="sms",direction="in"}' "$metrics"
check "metrics api" "mandat_http_api_requests_total" "$metrics"
check "metrics commit" 'mandat_engine_commit_seconds_bucket{le="+Inf"}' "$metrics"
check "metrics batch" "mandat_engine_batch_size_count" "$metrics"
check "metrics transfers" 'mandat_transfers{state="accepted"}' "$metrics"
check "metrics outbox" "mandat_outbox_depth" "$metrics"
mo=$(echo "$metrics" | sed -n 's/^mandat_messages_total{channel="sms",direction="in"} //p' | tr -d '\r')
# INSCRIPTION, CODE, the code, ANNULER, DON, ANNULER: 6 MOs at least
if [ "${mo:-0}" -lt 6 ]; then bad "metrics: $mo MOs counted"; fi

# The merchant's URL is on 127.0.0.1: by default no event is sent there (SSRF guard).
for _ in $(seq 30); do grep -q "SSRF guard" "$dir/mandatd.log" && break; sleep 0.1; done
check "ssrf guard" "SSRF guard" "$(cat "$dir/mandatd.log")"
check "ssrf refused" "refused" "$("${M[@]}" webhook list --merchant 5)"

# kill -9: requests and their idempotency survive.
crash
start
check "after crash" '"state":"declined"' "$(api GET "/v1/payment-requests/$ID3" "$READ")"
out=$(api POST /v1/payment-requests "$KEY" "$req" -H "Idempotency-Key: order-123")
check "replay after crash" "\"id\":\"$ID\"" "$out"
check "ledger check" ": ok" "$("${M[@]}" check)"
stop
# Not ready while the SMSC it is configured for is unreachable.
closed=$(free_port)
printf '[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = mandat\npassword = x\n' "$closed" \
  >>"$dir/mandat.conf"
start
out=$(curl -s -w '\n%{http_code}' "$base/readyz")
check "not ready" "not bound to any SMSC" "$out"
check "not ready 503" $'\n503' "$out"
stop
# HTTPS: the same server with a certificate; plain HTTP to it fails; half a TLS config refused.
(cd "$dir" && openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.pem -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1)
sed -i '/^\[smpp\]$/,$d' "$dir/mandat.conf"
sed -i "s|^dev_mode = true$|tls_cert = $dir/tls.pem\ntls_key = $dir/tls.key|" "$dir/mandat.conf"
"$mandatd" --config "$dir/mandat.conf" >>"$dir/mandatd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  curl -s -o /dev/null --cacert "$dir/tls.pem" "https://127.0.0.1:$port/healthz" && break
  sleep 0.1
done
out=$(curl -s --cacert "$dir/tls.pem" -w '\n%{http_code}' "https://127.0.0.1:$port/v1/payment-requests/$ID" -H "Authorization: Bearer $READ")
check "https api" '"state":"confirmed"' "$out"
out=$(curl -s -m 3 -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
check "plain http refused" "000" "$out"
out=$(curl -s --cacert "$dir/tls.pem" -w '\n%{http_code}' "https://127.0.0.1:$port/dev/outbox?to=$P")
check "no dev pages without dev_mode" $'\n404' "$out"
check "404 is a problem" "application/problem+json" "$(curl -s -i --cacert "$dir/tls.pem" "https://127.0.0.1:$port/nothing")"
stop
sed -i "/^tls_key = /d" "$dir/mandat.conf"
out=$("$mandatd" --config "$dir/mandat.conf" 2>&1 || true)
check "half tls config" "tls_cert and tls_key go together" "$out"
no_secrets "log" "${KEY##*_}|483920"
e2e_done api
