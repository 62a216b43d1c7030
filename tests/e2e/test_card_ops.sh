#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cards run by the operator (issue 13), end to end against a running mandatd: a merchant's or a
# partner's key may not issue, list, block or replace cards (403, nothing issued); the operator
# issues cards by the API (the card maker's line in [cards] emboss_file, the activation code in
# the answer only: a replay of the Idempotency-Key gets the same card with no code, another body
# 422), lists them in pages; the holder activates one on /activate (a number no card has and a
# wrong code get the same page; wrong codes count on the card and lock it; cross-site, CSRF-less
# and oversized forms are refused); a partner loads it; block and unblock with the CLI's rules; a
# lost card replaced (balance moved, the old card lost); a card past its expiry month set expired
# by mandatd at start (loads, unblock and activation refused, mandat card show says so, mandat
# check holds the status to the date, also on a tampered copy); the page in Chromium
# (tests/browser/activate.mjs) when ARTIFACTS is given. At the end no card number is anywhere but
# in the emboss file: not in the database, its WAL, the log, the API's answers or the pages.
# Usage: test_card_ops.sh MANDAT MANDATD [ARTIFACTS]
set -euo pipefail
mandat=$1
mandatd=$2
artifacts=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init card_ops
seen="$dir/seen" # every answer, page and output this test saw, grepped for card numbers
mkdir -p "$seen"
emboss="$dir/emboss.txt"

e2e_conf 0 "[cards]
key_ring = $dir/cards.keys
emboss_file = $emboss"
m() { "${M[@]}" "$@" 2>&1 | tee -a "$seen/commands"; }
"${M[@]}" init >/dev/null
start

# api METHOD PATH KEY [BODY] [curl args]: the body, then the status on its own line.
api() {
  local method=$1 path=$2 key=$3 body=${4:-}
  shift 4 || shift $#
  curl -s -X "$method" "$base$path" -H "Authorization: Bearer $key" ${body:+-d "$body"} \
    -w '\n%{http_code}' "$@" | tee -a "$seen/api"
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$2" | head -1; }
lines() { if [ -f "$emboss" ]; then wc -l <"$emboss"; else echo 0; fi; }

OP=$(m merchant key 0 | sed -n 's/^api key: //p')
PM=$(m merchant create Partenaire | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
PKEY=$(sed -n 's/^api key: //p' "$seen/commands" | tail -1)
MKEY=$(m merchant create Boutique | sed -n 's/^api key: //p')
m transfer --kind topup --from 1 --to "$PM" --amount 500 >/dev/null
reload
eventually "operator key learnt" $'\n200' api GET /v1/cards "$OP"

spec=$(curl -s "$base/openapi.json")
for p in /v1/cards /v1/cards/{token}/block /v1/cards/{token}/unblock /v1/cards/{token}/lost; do
  check "openapi $p" "\"$p\"" "$spec"
done

# Attacks: only an operator key issues, lists or changes cards.
H1=+212612345678
body1="{\"holder\":\"Aicha Benali\",\"phone\":\"$H1\"}"
check "partner key cannot issue" $'\n403' "$(api POST /v1/cards "$PKEY" "$body1")"
check "merchant key cannot issue" $'\n403' "$(api POST /v1/cards "$MKEY" "$body1")"
check "no key cannot issue" $'\n401' "$(api POST /v1/cards "" "$body1")"
check "partner key cannot list" $'\n403' "$(api GET /v1/cards "$PKEY")"
[ "$(lines)" = 0 ] && [ "$(db "SELECT count(*) FROM cards")" = 0 ] && ok ||
  bad "a card was issued without an operator key"

# The operator issues a card: the answer has the code once, never the number.
out=$(api POST /v1/cards "$OP" "$body1" -H "Idempotency-Key: card-1")
check "issued" $'\n201' "$out"
check "inactive" '"status":"inactive"' "$out"
T1=$(field token "$out") L1=$(field last4 "$out") C1=$(field activation_code "$out")
[[ "$T1" =~ ^card_[0-9a-f]{32}$ && "$L1" =~ ^[0-9]{4}$ && "$C1" =~ ^[0-9]{6}$ ]] && ok ||
  bad "issue answer: $out"
check "masked" "\"masked\":\"999999******$L1\"" "$out"
[ "$(lines)" = 1 ] && ok || bad "emboss lines: $(lines), wanted 1"
[ "$(stat -c %a "$emboss")" = 600 ] && ok || bad "the emboss file is not 0600"
IFS='|' read -r P1 E1 N1 X1 <"$emboss"
[[ "$P1" =~ ^999999[0-9]{10}$ && "${P1: -4}" = "$L1" && "$N1" = "AICHA BENALI" && -z "$X1" ]] &&
  ok || bad "the emboss line is not number|expiry|name"
again=$(api POST /v1/cards "$OP" "$body1" -H "Idempotency-Key: card-1" -i)
check "replayed" "Idempotent-Replayed: true" "$again"
check "the same card" "\"token\":\"$T1\"" "$again"
check "no code in a replay" '"activation_code":null' "$again"
[[ "$again" != *"$C1"* ]] && ok || bad "the replay shows the activation code"
check "another body, same key" $'\n422' \
  "$(api POST /v1/cards "$OP" '{"holder":"Karim Ali"}' -H "Idempotency-Key: card-1")"
[ "$(lines)" = 1 ] && ok || bad "the replay issued again"
if db "SELECT response FROM idempotency" | grep -q "$C1"; then bad "the code is stored"; else ok; fi
check "holder as embossed" $'\n422' "$(api POST /v1/cards "$OP" '{"holder":"Aïcha 3"}')"
check "expiry years" $'\n422' "$(api POST /v1/cards "$OP" '{"holder":"Karim Ali","expiry_years":0}')"
out=$(api POST /v1/cards "$OP" '{"holder":"Karim Ali","expiry_years":2}')
check "a second card" $'\n201' "$out"
T2=$(field token "$out") L2=$(field last4 "$out") C2=$(field activation_code "$out")
P2=$(tail -1 "$emboss" | cut -d'|' -f1) E2=$(tail -1 "$emboss" | cut -d'|' -f2)
M2=${E2%/*}

# Pages of the list.
out=$(api GET "/v1/cards?limit=1" "$OP")
check "list page 1" "\"token\":\"$T1\"" "$out"
check "more" '"has_more":true' "$out"
out=$(api GET "/v1/cards?limit=1&starting_after=$T1" "$OP")
check "list page 2" "\"token\":\"$T2\"" "$out"
check "no more" '"has_more":false' "$out"
check "bad cursor" $'\n400' "$(api GET "/v1/cards?starting_after=card_00" "$OP")"

# The activation page. form [ORIGIN]: posts the form with fields; the page in $seen/page.
form() { # PAN EXPIRY CODE PHONE [curl args]
  local pan=$1 exp=$2 code=$3 phone=$4 page nonce csrf
  shift 4
  page=$(curl -s "$base/activate" | tee -a "$seen/pages")
  nonce=$(grep -o 'name="nonce" value="[^"]*"' <<<"$page" | sed 's/.*value="//; s/"//')
  csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' <<<"$page" | sed 's/.*value="//; s/"//')
  curl -s -X POST "$base/activate" --data-urlencode "pan=$pan" --data-urlencode "expiry=$exp" \
    --data-urlencode "code=$code" --data-urlencode "phone=$phone" --data-urlencode "lang=fr" \
    --data-urlencode "nonce=$nonce" --data-urlencode "csrf=$csrf" -w '\n%{http_code}' "$@" |
    tee -a "$seen/pages" >"$seen/page"
  cat "$seen/page"
}
failures() { db "SELECT activation_failures FROM cards WHERE token = '$1'"; }
expect "the page" "Activer votre carte" curl -s "$base/activate"
unknown=$(form 4111111111111111 "$E1" "$C1" "")
wrong=$(form "$P1" "$E1" 000000 "")
check "unknown number: the wrong-code page" "ne correspondent pas" "$unknown"
check "unknown number: 422" $'\n422' "$unknown"
note1=$(grep -o 'id="note">[^<]*' <<<"$unknown" || true)
note2=$(grep -o 'id="note">[^<]*' <<<"$wrong" || true)
[ -n "$note1" ] && [ "$note1" = "$note2" ] && [ "$(tail -1 <<<"$wrong")" = 422 ] &&
  ok "an unknown number and a wrong code get the same answer" || bad "the answers differ"
[ "$(failures "$T1")" = 1 ] && ok || bad "the wrong code did not count: $(failures "$T1")"
check "a typing error in the number" "mal tapé" "$(form 4111111111111112 "$E1" "$C1" "")"
check "cross-site post" $'\n403' "$(form "$P1" "$E1" "$C1" "" -H "Origin: http://evil.example")"
check "no CSRF token" $'\n403' "$(curl -s -X POST "$base/activate" -d "pan=$P1&expiry=$E1&code=$C1" \
  -w '\n%{http_code}')"
check "oversized form" $'\n403' "$(form "$P1" "$E1" "$C1" "$(head -c 5000 /dev/zero | tr '\0' 1)")"
[ "$(db "SELECT status FROM cards WHERE token = '$T1'")" = 0 ] && ok || bad "refused forms activated"
check "activated" "Carte ****$L1 activée" "$(form "$P1" "$E1" "$C1" "")"
[ "$(db "SELECT status || ' ' || activation_failures FROM cards WHERE token = '$T1'")" = "1 0" ] &&
  ok || bad "card 1: $(db "SELECT status, activation_failures FROM cards WHERE token = '$T1'")"

# A partner loads it; the holder gets the receipt.
out=$(api POST "/v1/cards/$T1/loads" "$PKEY" '{"amount":10000}')
check "loaded" '"object":"card_load","amount":10000' "$out"
eventually "holder's receipt" "+100,00 € sur votre carte ****$L1" m phone $H1 </dev/null

# Wrong codes lock card 2; then the right code changes nothing, with the same answer. The
# holder gives a phone for receipts (card 2 has none).
for i in 1 2 3 4 5; do form "$P2" "$E2" 111111 "" >/dev/null; done
[ "$(failures "$T2")" = 5 ] && ok || bad "card 2 failures: $(failures "$T2")"
check "locked: the right code refused" "ne correspondent pas" "$(form "$P2" "$E2" "$C2" 0611223344)"
[ "$(db "SELECT status || ' ' || phone FROM cards WHERE token = '$T2'")" = "0 " ] && ok ||
  bad "the locked card changed"

# Block and unblock: the operator only, with the CLI's rules.
check "partner cannot block" $'\n403' "$(api POST "/v1/cards/$T1/block" "$PKEY" '{}')"
out=$(api POST "/v1/cards/$T1/block" "$OP" '{}')
check "blocked" '"status":"blocked"' "$out"
out=$(api POST "/v1/cards/$T1/loads" "$PKEY" '{"amount":5000}')
check "a blocked card refuses loads" '"card_status":"blocked"' "$out"
check "blocked twice: as it is" $'\n200' "$(api POST "/v1/cards/$T1/block" "$OP" '{}')"
check "unblocked" '"status":"active"' "$(api POST "/v1/cards/$T1/unblock" "$OP" '{}')"
out=$(api POST "/v1/cards/$T1/unblock" "$OP" '{}')
check "unblock an active card" 'card-status-conflict' "$out"
check "unblock: 409" $'\n409' "$out"
check "unknown card" $'\n404' "$(api POST /v1/cards/card_00/block "$OP" '{}')"

# Lost: a replacement with the same holder and phone, the balance moved, the old card lost.
check "partner cannot replace" $'\n403' "$(api POST "/v1/cards/$T1/lost" "$PKEY" '{}')"
out=$(api POST "/v1/cards/$T1/lost" "$OP" '{}' -H "Idempotency-Key: lost-1")
check "replaced" $'\n201' "$out"
check "moved" '"moved":10000' "$out"
check "replaces" "\"replaces\":\"$T1\"" "$out"
T3=$(field token "$out") C3=$(field activation_code "$out")
[[ "$T3" =~ ^card_ && "$T3" != "$T1" && "$C3" =~ ^[0-9]{6}$ ]] && ok || bad "replacement: $out"
[ "$(lines)" = 3 ] && ok || bad "emboss lines after the replacement: $(lines)"
check "replayed: no second card" '"activation_code":null' \
  "$(api POST "/v1/cards/$T1/lost" "$OP" '{}' -H "Idempotency-Key: lost-1")"
[ "$(lines)" = 3 ] && ok || bad "the replay replaced again"
check "old card lost" '"status":"lost"' "$(api GET "/v1/cards/$T1" "$OP")"
check "new card's balance" '"balance":10000' "$(api GET "/v1/cards/$T3" "$OP")"
check "lost twice" 'card-status-conflict' "$(api POST "/v1/cards/$T1/lost" "$OP" '{}')"
check "a lost card cannot be blocked" $'\n409' "$(api POST "/v1/cards/$T1/block" "$OP" '{}')"
expect "the CLI says lost" "lost" m card show "$T1"
expect "the CLI does not block a lost card" "lost: it takes no load already" m card block "$T1"

# Expired: card 2's expiry moved into the past while mandatd is stopped; at start it is set
# expired, and it then refuses loads, unblock and activation.
stop
db "UPDATE cards SET exp_year = 2024, activation_failures = 0 WHERE token = '$T2'" >/dev/null
start
eventually "set expired at start" "4" db "SELECT status FROM cards WHERE token = '$T2'"
expect "the CLI says expired" "expired" m card show "$T2"
out=$(api POST "/v1/cards/$T2/loads" "$PKEY" '{"amount":5000}')
check "an expired card refuses loads" '"card_status":"expired"' "$out"
check "expired: no unblock" 'card-status-conflict' "$(api POST "/v1/cards/$T2/unblock" "$OP" '{}')"
expect "the CLI does not unblock it" "cannot be unblocked" m card unblock "$T2"
check "expired: no activation" "ne correspondent pas" "$(form "$P2" "$M2/24" "$C2" "")"
expect "books balance" ": ok" m check
store_copy "UPDATE cards SET status = 4 WHERE token = '$T3'"
if out=$("${M[@]}" --db "$copy" check 2>&1); then bad "check passed an early expiry"; else
  check "an early expiry is caught" "card expired before its expiry month ended: $T3" "$out"
fi
store_copy_drop

if [ -n "$artifacts" ] && command -v node >/dev/null; then
  mkdir -p "$artifacts"
  out=$(api POST /v1/cards "$OP" '{"holder":"Fatou Diop"}')
  T4=$(field token "$out") C4=$(field activation_code "$out")
  IFS='|' read -r P4 E4 _ < <(tail -1 "$emboss")
  (cd "$top" && node tests/browser/activate.mjs "$base/activate" "$P4" "$E4" "$C4" "$artifacts") \
    >"$seen/browser" 2>&1 && ok "browser: activated in Chromium" || bad "browser: $(cat "$seen/browser")"
  [ "$(db "SELECT status FROM cards WHERE token = '$T4'")" = 1 ] && ok || bad "browser: not active"
fi
stop

# No card number anywhere but in the emboss file.
at_rest_files
no_pan_outside "$emboss" "${at_rest[@]}" "${at_rest_long[@]}" "$dir/mandatd.log" "$seen"
e2e_done card_ops
