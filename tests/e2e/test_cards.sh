#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepaid cards end to end (issue 13) against a real mandatd, with the mandat CLI as the operator
# and the phones: cards issued by the CLI (the number only in the emboss file), linked by SMS with
# the activation code, activated from the holder's phone, reloaded by SMS with the code at every
# fee tier boundary, the minimum and the 6 000 EUR yearly cap refused with what is left, the
# holder's receipt, balances, blocking, a key rotation while reloads run, and mandat check. At
# the end no card number used may be found anywhere but in the emboss file: not in the database,
# its WAL, the log, or anything the commands printed. Usage: test_cards.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init cards

e2e_conf 0 "[cards]
key_ring = $dir/cards.keys"
cmd_log=$dir/commands.out # everything the commands printed, searched for card numbers at the end

# m ARGS...: the CLI, its output kept in $cmd_log as well.
m() { "${M[@]}" "$@" 2>&1 | tee -a "$cmd_log"; }

# sighup_seen: mandatd has read the CLI's new rows (the SIGHUP's log line is written after).
sighup_seen() {
  local before
  before=$(grep -c "SIGHUP received" "$dir/mandatd.log" || true)
  reload
  for _ in $(seq 50); do
    if [ "$(grep -c "SIGHUP received" "$dir/mandatd.log" || true)" -gt "$before" ]; then return 0; fi
    sleep 0.1
  done
  bad "mandatd did not reread after SIGHUP"
}

# issue NAME [PHONE]: a card; sets card_token, card_code, card_last4, card_account.
issue() {
  local o
  o=$(m card issue --holder "$1" ${2:+--phone "$2"} --emboss "$dir/emboss.txt")
  card_token=$(sed -n 's/^card \(card_[0-9a-f]*\) issued.*/\1/p' <<<"$o")
  card_account=$(sed -n 's/.*, account \([0-9]*\), .*/\1/p' <<<"$o")
  card_last4=$(sed -n 's/^card .* issued: [0-9]*\**\([0-9]\{4\}\),.*/\1/p' <<<"$o")
  card_code=$(sed -n 's/^activation code: \([0-9]\{6\}\) .*/\1/p' <<<"$o")
  if [ -n "$card_token" ] && [ -n "$card_code" ] && [ -n "$card_last4" ]; then ok; else bad "issue: $o"; fi
}

"${M[@]}" init >/dev/null
[ -f "$dir/cards.keys" ] && [ "$(stat -c %a "$dir/cards.keys")" = 600 ] && ok || bad "init made no 0600 key ring"
H=+212612345678 # the holder, in Morocco
issue "AICHA BENALI" $H
T1=$card_token C1=$card_code L1=$card_last4 K1=$card_account
[ "$(stat -c %a "$dir/emboss.txt")" = 600 ] && ok || bad "the emboss file is not 0600"
PAN1=$(sed -n 1p "$dir/emboss.txt" | cut -d'|' -f1)
[[ "$PAN1" =~ ^999999[0-9]{10}$ ]] && [ "${PAN1: -4}" = "$L1" ] && ok || bad "emboss line: $(head -1 "$dir/emboss.txt" | cut -c1-6)"
expect "masked list" "999999******$L1" m card list
expect "show by last 4" "inactive" m card show "$L1"
start
A=+33612345678
expect "join" "Bienvenue" m sms $A INSCRIPTION
expect "code" "Code enregistré" m sms $A CODE 483920
m account tier 6 2 >/dev/null
m transfer --kind topup --from 1 --to 6 --amount 2000 >/dev/null
sighup_seen
expect "wrong activation code" "Carte ou code d'activation incorrect. Encore 4" \
  m sms $A CARTE AJOUT MAMAN "$L1" 000000
expect "link" "Carte ****$L1 enregistrée sous MAMAN" m sms $A CARTE AJOUT MAMAN "$L1" "$C1"
expect "not active yet" "n'est pas encore activée : son titulaire envoie ACTIVER $L1" \
  m sms $A RECHARGE MAMAN 100
expect "activate from elsewhere" "Aucune carte ****$L1 pour ce numéro" m sms $A ACTIVER "$L1" "$C1"
expect "activate" "Carte ****$L1 activée" m sms $H ACTIVER "$L1" "$C1"
expect "minimum" "Recharge minimum : 50,00 €. Rien n'a été débité." m sms $A RECHARGE MAMAN 49

# Every fee tier boundary: 6 EUR up to 100, 10 EUR above, 15 EUR from 250.01 to 500, 22 EUR above.
card_total=0
for case in "50:50,00:6,00:5000" "100:100,00:6,00:10000" "100,01:100,01:10,00:10001" \
  "500:500,00:15,00:50000" "500,01:500,01:22,00:50001"; do
  IFS=: read -r typed shown fee minor <<<"$case"
  card_total=$((card_total + minor))
  expect "order $typed" "Recharger ****$L1 (MAMAN) de $shown € + frais $fee € ?" \
    m sms $A RECHARGE MAMAN "$typed"
  expect "receipt $typed" "Recharge de $shown € sur ****$L1 (MAMAN), frais $fee €." \
    m sms $A 483920
done
expect "holder's receipt" "+500,01 € sur votre carte ****$L1, solde 1 250,02 €" m phone $H </dev/null
expect "sender's card balance" "Solde de la carte ****$L1 : 1 250,02 €. Encore 4 749,98 €" \
  m sms $A SOLDE MAMAN
expect "holder's balance" "Solde de la carte ****$L1 : 1 250,02 €" m sms $H SOLDE CARTE
[ "$(db "SELECT count(*) FROM transfers WHERE kind = 6 AND credit_account_id = $K1 AND flags = 4")" = 5 ] \
  && ok || bad "five card loads posted (the posts of their holds)"

# A key rotation while reloads run: more cards to re-encrypt, three rotations in batches of two
# in the background, and reloads ordered and confirmed by SMS meanwhile.
issue "KARIM BENALI"
L2=$card_last4 C2=$card_code
for n in 1 2 3 4 5 6; do issue "CARD $n"; done
sighup_seen
expect "link 2" "enregistrée sous KARIM" m sms $A CARTE AJOUT KARIM "$L2" "$C2"
(for _ in 1 2 3; do "${M[@]}" vault rotate --batch 2 >>"$dir/rotate.out" 2>&1 || echo FAILED >>"$dir/rotate.out"; done) &
rot=$!
for _ in 1 2 3; do
  expect "reload while rotating" "Recharger ****$L1 (MAMAN) de 50,00 € + frais 6,00 €" \
    m sms $A RECHARGE MAMAN 50
  expect "confirmed while rotating" "Recharge de 50,00 € sur ****$L1 (MAMAN)" m sms $A 483920
done
wait $rot
cat "$dir/rotate.out" >>"$cmd_log"
! grep -q FAILED "$dir/rotate.out" && ok || bad "rotation failed: $(cat "$dir/rotate.out")"
grep -q "re-encrypted 2 card numbers (6 left)" "$dir/rotate.out" && ok || bad "rotation in batches: $(cat "$dir/rotate.out")"
[ "$(db "SELECT count(DISTINCT key_version) FROM card_pans")" = 1 ] && ok || bad "every number under the last key"
[ "$(db "SELECT max(key_version) FROM card_pans")" = 4 ] && ok || bad "three rotations: version 4"
expect "rotate again" "done: 8 card numbers under version 5" m vault rotate

# The yearly cap: 4 550 EUR more loaded by the operator leaves 49,98 EUR this year.
m transfer --kind card_load --from 1 --to "$K1" --amount 4550 >/dev/null
expect "cap" "Plafond annuel de la carte ****$L1 : il reste 49,98 € à charger cette année." \
  m sms $A RECHARGE MAMAN 100
expect "nothing held" "debits_pending   0.00 EUR" m account show 6

expect "list" "MAMAN ****$L1" m sms $A CARTES
expect "list 2" "KARIM ****$L2" m sms $A CARDS
expect "block" "Carte ****$L1 (MAMAN) bloquée" m sms $A BLOQUER MAMAN
expect "blocked: refused" "La carte ****$L1 (MAMAN) est bloquée ou expirée" m sms $A RECHARGE MAMAN 60
expect "CLI sees the block" "blocked" m card show "$T1"
expect "unblock" "active" m card unblock "$T1"
sighup_seen
expect "unblocked: cap again" "il reste 49,98 €" m sms $A RECHARGE MAMAN 60
# The partner API (POST /v1/cards/{token}/loads, GET /v1/cards/{token}): a partner loads a card
# of its own from its merchant account, pays the reload fee, and sees the card masked.
# api METHOD PATH KEY [BODY] [curl args]: the body, then the status on its own line.
api() {
  local method=$1 path=$2 key=$3 body=${4:-}
  shift 4 || shift $#
  curl -s -X "$method" "$base$path" -H "Authorization: Bearer $key" ${body:+-d "$body"} \
    -w '\n%{http_code}' "$@" | tee -a "$cmd_log"
}
PM=$(m merchant create Partenaire | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
PKEY=$(sed -n 's/^api key: //p' "$cmd_log" | tail -1)
OKEY=$(m merchant create Autre | sed -n 's/^api key: //p')
OP=$(m merchant key 0 | sed -n 's/^api key: //p')
m transfer --kind topup --from 1 --to "$PM" --amount 300 >/dev/null
H3=+221771234567
issue "MOUSSA DIOP" $H3
T3=$card_token C3=$card_code L3=$card_last4 K3=$card_account
sighup_seen
eventually "partner key learnt" $'\n409' api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":10000}'
check "inactive card refused" '"type":"https://mandat.dev/problems/card-not-active"' \
  "$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":10000}')"
out=$(api POST /v1/cards/card_00/loads "$PKEY" '{"amount":10000}')
check "unknown card" 'card-not-found"' "$out"
check "unknown card: 404" $'\n404' "$out"
expect "activate 3" "Carte ****$L3 activée" m sms $H3 ACTIVER "$L3" "$C3"
out=$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":10000}' -H "Idempotency-Key: load-1")
check "loaded" '"object":"card_load","amount":10000,"fee":600' "$out"
check "masked" "\"masked\":\"999999******$L3\"" "$out"
check "balance" '"balance":10000' "$out"
check "created" $'\n201' "$out"
again=$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":10000}' -H "Idempotency-Key: load-1" -i)
check "replayed" "Idempotent-Replayed: true" "$again"
check "same answer" "$(head -1 <<<"$out")" "$again"
[ "$(db "SELECT count(*) FROM transfers WHERE kind = 6 AND credit_account_id = $K3")" = 1 ] \
  && ok || bad "the replay loaded the card again"
[ "$(db "SELECT count(*) FROM transfers WHERE debit_account_id = $PM AND (flags & 32) != 0")" = 1 ] \
  && ok || bad "the partner paid one fee leg"
expect "holder's receipt by API" "+100,00 € sur votre carte ****$L3, solde 100,00 €" m phone $H3 </dev/null
out=$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":4999}')
check "minimum" 'fee-below-minimum-amount"' "$out"
check "minimum: 422" $'\n422' "$out"
check "minimum: how much" '"minimum_amount":5000' "$out"
m transfer --kind card_load --from 1 --to "$K3" --amount 5850 >/dev/null
out=$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":10000}')
check "cap" '"type":"https://mandat.dev/problems/limit-yearly-loads"' "$out"
check "cap: what is left" '"year_left":5000' "$out"
check "cap status" $'\n422' "$out"
check "bad amount" $'\n422' "$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":-5}')"
out=$(api GET "/v1/cards/$T3" "$PKEY")
check "partner reads it" "\"masked\":\"999999******$L3\"" "$out"
check "read balance" '"balance":595000' "$out"
check "read status" '"status":"active"' "$out"
check "another partner does not" $'\n404' "$(api GET "/v1/cards/$T3" "$OKEY")"
check "operator reads any" "\"token\":\"$T1\"" "$(api GET "/v1/cards/$T1" "$OP")"
m card block "$T3" >/dev/null
sighup_seen
out=$(api POST "/v1/cards/$T3/loads" "$PKEY" '{"amount":5000}')
check "blocked card refused" '"card_status":"blocked"' "$out"
check "blocked: 409" $'\n409' "$out"
# A replacement: a new card for the same holder, phone and alias, the balance moved in the same
# commit as a card_move (not a load: the new card's yearly cap is whole), the old card lost.
o=$(m card replace "$T1" --emboss "$dir/emboss.txt")
T4=$(sed -n 's/^card \(card_[0-9a-f]*\) issued.*/\1/p' <<<"$o")
K4=$(sed -n 's/.*, account \([0-9]*\), .*/\1/p' <<<"$o")
L4=$(sed -n 's/^card .* issued: [0-9]*\**\([0-9]\{4\}\),.*/\1/p' <<<"$o")
C4=$(sed -n 's/^activation code: \([0-9]\{6\}\) .*/\1/p' <<<"$o")
check "replaced" "****$L1 lost; 5950.02 EUR moved to the new card, 1 alias with it" "$o"
[ -n "$T4" ] && [ -n "$C4" ] && [ "$T4" != "$T1" ] && ok || bad "replace: $o"
[ "$(db "SELECT amount FROM transfers WHERE kind = 9 AND debit_account_id = $K1 AND credit_account_id = $K4")" = 595002 ] \
  && ok || bad "the balance moved as one card_move"
expect "old card lost" "lost" m card show "$T1"
expect "no second replacement" "it was replaced already" m card replace "$T1" --emboss "$dir/emboss.txt"
sighup_seen
expect "activate the new card" "Carte ****$L4 activée" m sms $H ACTIVER "$L4" "$C4"
expect "the alias follows, the cap is whole" "Solde de la carte ****$L4 : 5 950,02 €. Encore 6 000,00 €" \
  m sms $A SOLDE MAMAN
expect "holder's balance: the new card" "Solde de la carte ****$L4 : 5 950,02 €" m sms $H SOLDE CARTE
expect "reload the new card" "Recharger ****$L4 (MAMAN) de 100,00 €" m sms $A RECHARGE MAMAN 100
expect "reloaded" "Recharge de 100,00 € sur ****$L4 (MAMAN)" m sms $A 483920
expect "BLOQUER still blocks" "Carte ****$L4 (MAMAN) bloquée" m sms $A BLOQUER MAMAN
expect "blocked, not lost" "blocked" m card show "$T4"
expect "check" ": ok" m check
stop

# mandat check holds the card tables to the ledger: each break made in a copy of the database is
# reported (the copy only: the original still checks).
# tampered NAME SQL NEEDLE: check on a copy edited with SQL (store_copy) fails and reports NEEDLE.
tampered() {
  local out
  store_copy "$2"
  if out=$("${M[@]}" --db "$copy" check 2>&1); then bad "$1: check passed: $out"; return; fi
  check "$1" "$3" "$out"
  store_copy_drop
}
tampered "card on a wallet account" "UPDATE cards SET account_id = 6 WHERE token = '$T3'" \
  "card without an account of kind card: $T3"
tampered "card without its number" "DELETE FROM card_pans WHERE token = '$T3'" \
  "card without its sealed number: $T3"
tampered "alias of no card" "DELETE FROM cards WHERE token = '$T4'" \
  "alias of no card: MAMAN -> account $K4"
tampered "number without its card" "DELETE FROM cards WHERE token = '$T4'" \
  "sealed card number without its card: $T4"
expect "the original still checks" ": ok" m check
store_copy_drop

# The activation codes and the card numbers: nowhere in clear but the emboss file.
if db "SELECT text FROM inbox" | grep -q "$C1\|$C2"; then bad "an activation code is stored"; else ok; fi
leaks=0
at_rest_files
while IFS='|' read -r pan _; do
  hits=$(grep -rl --exclude=emboss.txt "$pan" "$dir" "${at_rest[@]}" "${at_rest_long[@]}" || true)
  if [ -n "$hits" ]; then
    bad "card ****${pan: -4} found in: $hits"
    leaks=1
  fi
done <"$dir/emboss.txt"
[ "$leaks" = 0 ] && ok
[ "$(wc -l <"$dir/emboss.txt")" = 10 ] && ok || bad "ten cards embossed"
e2e_done cards
