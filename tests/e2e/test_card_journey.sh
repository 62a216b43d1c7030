#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 13 in one journey through the real channels, as its users live it: a sender in France
# enrols by SMS and sets a code; tops her wallet up on the /t/ page in Chromium with a test bank
# card she keeps on file; orders a card for her mother on the /k/ page in Chromium (the 19 EUR
# price taken from the wallet); the mother (an English speaker, enrolled with JOIN) activates it
# on /activate in Chromium; the sender reloads it by SMS from her wallet (RECHARGE MAMAN 60 and
# the code), by the card on file (RECHARGE MAMAN 100 CB and the code), again by the card on file
# while three key rotations re-encrypt every card number, then once more after them (the card on
# file's number unsealed under the newest key version); she forgets that bank card and reloads
# by the page (a declined card first: nothing credited, nothing held; then an approved one); a
# partner loads the card through POST /v1/cards/{token}/loads. The mother's receipts are in her
# phone's history on the dev page (/dev/history), in English; SOLDE MAMAN (sender) and SOLDE
# CARTE (holder) give the balance, which equals the sum of the loads; mandat check is clean. At
# the end no card number is anywhere but in the emboss file and no security code anywhere: not
# in the database, its WAL, the logs, the acquirer's journal, the pages or the commands' output.
# Usage: test_card_journey.sh MANDAT MANDATD [ARTIFACTS]
set -euo pipefail
mandat=$1
mandatd=$2
artifacts=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init card_journey
seen="$dir/seen" # every page, reply and output this test saw, grepped for card data at the end
mkdir -p "$seen"
shots=${artifacts:-$dir/shots}
mkdir -p "$shots"
emboss="$dir/emboss.txt"

e2e_conf 0 "[cards]
key_ring = $dir/cards.keys
emboss_file = $emboss
price = 19
[acquirer]
kind = test
latency = 20
state_file = $dir/acquirer.state
fee = card_acquiring
[fee.card_acquiring]
type = percent
payer = payer
currency = EUR
percent = 1.2
fixed = 0.10"
m() { "${M[@]}" "$@" 2>&1 | tee -a "$seen/commands"; }
# browser STEP NAME ARGS...: a step of tests/browser/journey.mjs in Chromium; its lines kept
# (a failed step prints FAIL and what it lacked, which the checks on its lines then report).
browser() {
  (cd "$top" && node tests/browser/journey.mjs "$1" "$shots" "${@:2}" </dev/null) 2>&1 |
    tee -a "$seen/browser" || true
}
# status: the card's status as the CLI shows it.
status() { m card show "$T" | tail -1 | awk '{print $4}'; }
# phone NUMBER: what the number received since the last look (receipts come on their own).
phone() { "${M[@]}" phone "$1" </dev/null 2>&1 | tee -a "$seen/phone"; }
"${M[@]}" init >/dev/null
start
A=+33612345678 # the sender, in France
H=+212612345678 # her mother, the holder, in Morocco

# 1. The sender enrols by SMS; her mother has a wallet too, in English.
expect "enrol" "Bienvenue" m sms $A INSCRIPTION
expect "code" "Code enregistré" m sms $A CODE 483920
expect "the holder enrols in English" "Welcome" m sms $H JOIN

# 2. A top-up on the page in Chromium, the card kept on file.
t=$(m sms $A ALIMENTER 100 | token_in /t)
out=$(browser pay topup "$base/t/$t" 4111111111111111 12/30 7391 keep)
check "top-up page: the amount" "amount: 100,00 €" "$out"
check "top-up approved" "result: Votre compte est alimenté de 100,00 €" "$out"
eventually "top-up receipt: the card kept" "gardée pour vos recharges" phone $A
expect "wallet credited" "Solde : 100,00 €" m sms $A SOLDE

# 3. A card ordered on the page in Chromium: the 19 EUR price from the wallet.
k=$(m sms $A CARTE COMMANDE | token_in /k)
out=$(browser order order "$base/k/$k" "Aicha Benali" "$H" MAMAN 483920)
check "order page: the price" "amount: 19,00 €" "$out"
check "ordered" "commandée pour MAMAN" "$out"
IFS='|' read -r PAN EXP HOLDER CODE <"$emboss"
L=${PAN: -4}
check "the emboss line" "AICHA BENALI" "$HOLDER"
check "the page names the card" "****$L" "$out"
expect "the price taken" "Solde : 81,00 €" m sms $A SOLDE
read -r T _ K _ < <(m card show "$L" | tail -1)
[[ "$T" == card_* ]] && [ "$(status)" = inactive ] && ok || bad "the card, inactive: $T $(status)"

# 4. The holder activates it on /activate in Chromium.
(cd "$top" && node tests/browser/activate.mjs "$base/activate" "$PAN" "$EXP" "$CODE" "$shots") \
  >>"$seen/browser" 2>&1 && ok || bad "activation in Chromium: $(tail -3 "$seen/browser")"
[ "$(status)" = active ] && ok || bad "activated in Chromium, but $(status)"

# 5. A reload by SMS from the wallet, with the code.
expect "reload from the wallet" "Recharger ****$L (MAMAN) de 60,00 € + frais 6,00 €" \
  m sms $A RECHARGE MAMAN 60
expect "reloaded from the wallet" "Recharge de 60,00 € sur ****$L (MAMAN), frais 6,00 €. Solde carte : 60,00 €. Votre solde : 15,00 €." \
  m sms $A 483920
loads=6000

# 6. A reload by SMS paid by the card on file, with the code.
expect "reload by the card on file" "Recharger ****$L (MAMAN) de 100,00 € + frais 6,00 € par la CB ****1111 ?" \
  m sms $A RECHARGE MAMAN 100 CB
m sms $A 483920 >/dev/null
eventually "reloaded by the card on file" "Recharge de 100,00 € sur ****$L (MAMAN), frais 6,00 €, payée par la CB ****1111. Solde carte : 160,00 €." \
  phone $A
loads=$((loads + 10000))

# 7. Key rotations while reloads paid by the card on file run: more cards to re-encrypt (six
# issued by the operator), rotations in batches of two one after another in the background from
# before the first reload is ordered until the last is credited (20 at most: the ring holds 64
# versions), three reloads ordered and confirmed meanwhile; then one more reload charges the
# card on file, its number unsealed under the newest version, which mandatd had not loaded.
for n in 1 2 3 4 5 6; do m card issue --holder "CARD $n" --emboss "$emboss" >/dev/null; done
pans=$(db "SELECT count(*) FROM card_pans")
(for _ in $(seq 20); do
  "${M[@]}" vault rotate --batch 2 >>"$dir/rotate.out" 2>&1 || echo FAILED >>"$dir/rotate.out"
  if [ -f "$dir/reloads.done" ]; then break; fi
done) &
rot=$!
for _ in $(seq 100); do grep -q "^re-encrypted" "$dir/rotate.out" 2>/dev/null && break; sleep 0.05; done
for i in 1 2 3; do
  expect "card-on-file reload $i while rotating" "par la CB ****1111 ?" m sms $A RECHARGE MAMAN 50 CB
  m sms $A 483920 >/dev/null
  eventually "card-on-file reload $i credited while rotating" "Solde carte : $((160 + 50 * i)),00 €" phone $A
  loads=$((loads + 5000))
done
touch "$dir/reloads.done"
wait $rot
cat "$dir/rotate.out" >>"$seen/commands"
! grep -q FAILED "$dir/rotate.out" && ok || bad "rotation failed: $(cat "$dir/rotate.out")"
rotations=$(grep -c "^done: $pans card numbers under version" "$dir/rotate.out" || true)
[ "$rotations" -ge 2 ] && ok "$rotations key rotations while the reloads ran" ||
  bad "rotations while the reloads ran: $(cat "$dir/rotate.out")"
grep -q "re-encrypted 2 card numbers ($((pans - 2)) left)" "$dir/rotate.out" && ok ||
  bad "rotation in batches: $(cat "$dir/rotate.out")"
v=$((rotations + 1))
expect "every number under the newest key" "1|$v|$pans" \
  db "SELECT count(DISTINCT key_version), max(key_version), count(*) FROM card_pans"
expect "the card on file under it" "$v" \
  db "SELECT p.key_version FROM card_files f JOIN card_pans p USING (pan_mac)"
expect "one more rotation" "done: $pans card numbers under version $((v + 1))" m vault rotate
expect "after the rotations" "par la CB ****1111 ?" m sms $A RECHARGE MAMAN 70 CB
m sms $A 483920 >/dev/null
eventually "the card on file still charges" "Recharge de 70,00 € sur ****$L (MAMAN), frais 6,00 €, payée par la CB ****1111. Solde carte : 380,00 €." \
  phone $A
loads=$((loads + 7000))

# 8. By the page: the sender forgets that bank card; a declined card first, then another.
expect "forget the bank card" "****1111 oubliée" m sms $A CB OUBLIER
t1=$(m sms $A RECHARGE MAMAN 80 CB | tee "$seen/link" | token_in /t)
check "the page's link" "Recharge ****$L de 80,00 € + frais 6,00 € par CB" "$(cat "$seen/link")"
t2=$(m sms $A RECHARGE MAMAN 80 CB | token_in /t)
held=$(db "SELECT count(*) FROM transfers WHERE flags & 2")
out=$(browser pay reload "$base/t/$t1" 4000000000000002 11/31 5173 once "$base/t/$t2" 5555555555554444 11/31 4408 once)
check "the page names the card and its fees" "reload: Recharge de la carte MAMAN ****$L : 80,00 € + frais 6,00 €" "$out"
check "declined: what was asked" "result: Paiement de 86,00 € refusé : refusé par la banque. Rien n'a été débité." "$out"
check "then approved" "result: La carte ****$L est rechargée de 80,00 €" "$out"
eventually "page reload: the holder's receipt" "+€80.00 on your card ****$L, balance €460.00" phone $H
[ "$(db "SELECT count(*) FROM transfers WHERE flags & 2")" = "$held" ] && ok ||
  bad "a reload by the page held something"
expect "nothing held on the bank" "debits_pending   0.00 EUR" m account show 1
expect "nothing held for the card" "credits_pending  0.00 EUR" m account show "$K"
expect "two authorizations of 86 EUR, one capture (the approved card's)" "2|1" \
  db "SELECT count(*) FILTER (WHERE kind = 0), count(*) FILTER (WHERE kind = 1)
      FROM acquirer_ops WHERE amount_minor = 8600"
loads=$((loads + 8000))

# 9. A partner loads the card through the API.
m merchant create Partenaire >"$seen/partner"
PM=$(sed -n 's/^merchant \([0-9]*\):.*/\1/p' "$seen/partner")
PKEY=$(sed -n 's/^api key: //p' "$seen/partner")
m transfer --kind topup --from 1 --to "$PM" --amount 300 >/dev/null
reload
api_load() {
  curl -s -X POST "$base/v1/cards/$T/loads" -H "Authorization: Bearer $PKEY" \
    -H "Idempotency-Key: journey-1" -d '{"amount":10000}' -w '\n%{http_code}' | tee -a "$seen/api"
}
eventually "partner load" $'\n201' api_load
check "partner load: amount, fee, balance" '"amount":10000,"fee":600' "$(api_load)"
loads=$((loads + 10000))

# 10. The holder's receipts, in English, on the dev phone's history; the balances.
# (the dev phone, mandat phone, takes what waits for it; /dev/history shows what it received)
eventually "the partner's load told to the holder" "+€100.00 on your card ****$L, balance €560.00" phone $H
hist=$(curl -s "$ibase/dev/history?number=%2B212612345678" | tee "$seen/history")
for r in "+€60.00 on your card ****$L, balance €60.00" "+€100.00 on your card ****$L, balance €160.00" \
  "+€70.00 on your card ****$L, balance €380.00" "+€80.00 on your card ****$L, balance €460.00" \
  "+€100.00 on your card ****$L, balance €560.00"; do
  check "holder's receipt in English: $r" "< $r" "$hist"
done
if grep -q "sur votre carte" <<<"$hist"; then bad "a holder's receipt in French"; else ok; fi
expect "SOLDE MAMAN" "Solde de la carte ****$L : 560,00 €. Encore 5 440,00 €" m sms $A SOLDE MAMAN
expect "SOLDE CARTE from the holder" "Card ****$L balance: €560.00" m sms $H SOLDE CARTE
[ "$loads" = 56000 ] && ok || bad "the journey's loads: $loads"
expect "the card's loads in the ledger" "$loads" \
  db "SELECT sum(amount) FROM transfers WHERE credit_account_id = $K AND kind = 6 AND flags & 10 = 0"
expect "the card's balance is their sum" "balance          $((loads / 100)).00 EUR" m account show "$K"
expect "and its year's loads" "year_loads       $((loads / 100)).00 of 6000.00 EUR" m account show "$K"
expect "books balance" ": ok" m check
stop

# No card number outside the emboss file, no security code anywhere.
no_pan_outside "$emboss" "$dir/mandat.db" "$dir"/mandat.db-wal "$dir/mandatd.log" \
  "$dir/acquirer.state" "$dir/rotate.out" "$seen"
found=""
for secret in 4111111111111111 "4111 1111 1111 1111" 5555555555554444 "5555 5555 5555 4444" \
  4000000000000002 "4000 0000 0000 0002" 7391 5173 4408; do
  if grep -a -r -l -F "$secret" "$dir/mandat.db" "$dir"/mandat.db-wal "$dir/mandatd.log" \
    "$dir/acquirer.state" "$seen" 2>/dev/null; then
    found="$found $secret"
  fi
done
if [ -z "$found" ]; then ok "no bank card number or security code at rest or in any page"; else
  bad "card data found:$found"; fi
e2e_done card_journey
