#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A card ordered on a wallet page (issue 13), end to end: CARTE COMMANDE by SMS sends the page's
# link (/k/<token>); the page takes the holder's name, phone and the sender's alias with the
# sender's code; a bad name and a wrong code are shown on the form; the right code pays the
# [cards] price from the wallet to the fees account, the card is issued (its emboss line, with
# the activation code, in [cards] emboss_file, 0600), linked under the alias, and the page and
# an SMS say its masked number; the form sent again issues nothing; a wallet that cannot pay is
# refused with nothing issued, and the fifth wrong code locks the code; a double click pays and
# issues once; the holder activates it by SMS; a restart issues nothing again; mandat check is
# clean. Then Chromium fills the page (tests/browser/order.mjs) when ARTIFACTS is
# given. At the end no card number is anywhere but in the emboss file: not in the database, its
# WAL, the log, the pages or the commands' output.
# Usage: test_card_order.sh MANDAT MANDATD [ARTIFACTS]
set -euo pipefail
mandat=$1
mandatd=$2
artifacts=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init card_order
seen="$dir/seen" # every page and reply this test saw, grepped for card numbers at the end
mkdir -p "$seen"
emboss="$dir/emboss.txt"

e2e_conf 0 "[cards]
key_ring = $dir/cards.keys
emboss_file = $emboss
price = 19"
m() { "${M[@]}" "$@" 2>&1 | tee -a "$seen/commands"; }
"${M[@]}" init >/dev/null
start
A=+33612345678 # the sender
H=+212612345678 # the holder
expect "join" "Bienvenue" m sms $A INSCRIPTION
expect "code" "Code enregistré" m sms $A CODE 483920
WA=$(db "SELECT account_id FROM customers WHERE phone = '$A'")
m transfer --kind topup --from 1 --to "$WA" --amount 100 >/dev/null || bad "transfer: $(tail -1 "$seen/commands")"

# link PHONE: the token of the page CARTE COMMANDE answers with.
link() { m sms "$1" CARTE COMMANDE | tee "$seen/link" | token_in /k; }
# order TOKEN HOLDER PHONE ALIAS CODE: posts the page's form; the page is in $seen/page.
order() {
  local csrf
  csrf=$(curl -s "$base/k/$1" | tee -a "$seen/pages" | grep -o 'name="csrf" value="[0-9a-f]*"' |
    sed 's/.*value="//; s/"//')
  curl -s -X POST "$base/k/$1" --data-urlencode "holder=$2" --data-urlencode "phone=$3" \
    --data-urlencode "alias=$4" --data-urlencode "code=$5" --data-urlencode "csrf=$csrf" |
    tee -a "$seen/pages" >"$seen/page"
  cat "$seen/page"
}
page() { curl -s "$base/k/$1" | tee -a "$seen/pages"; }
inbox() { "${M[@]}" phone "$1" </dev/null 2>&1 | tee -a "$seen/inbox"; }
lines() { if [ -f "$emboss" ]; then wc -l <"$emboss"; else echo 0; fi; }

t=$(link $A)
expect "link sent" "Commandez une carte prépayée (19,00 €)" cat "$seen/link"
[ -n "$t" ] && ok || bad "no /k/ link in: $(cat "$seen/link")"
expect "the page shows the price" "19,00" page "$t"
expect "a bad holder name" "Nom du titulaire" order "$t" "Aïcha 3" "" MAMAN 483920
expect "a bad alias" "Nom de la carte" order "$t" "Aicha Benali" "" "MA MAN!" 483920
expect "a wrong code" "Code incorrect. Encore 4 essai(s)." order "$t" "Aicha Benali" "" MAMAN 111111
[ "$(lines)" = 0 ] && ok || bad "a card was issued before the right code"
expect "nothing paid yet" "Solde : 100,00" m sms $A SOLDE
expect "paid" "Paiement reçu" order "$t" "Aicha Benali" "$H" MAMAN 483920
eventually "the page says the masked card" "commandée pour MAMAN" page "$t"
L=$(page "$t" | grep -o 'Carte \*\*\*\*[0-9]\{4\}' | grep -o '[0-9]\{4\}' || true)
[[ "$L" =~ ^[0-9]{4}$ ]] && ok || bad "no masked card on the page: $(page "$t")"
eventually "the SMS says it" "Carte ****$L commandée pour MAMAN (19,00 € payés)" inbox $A
expect "the price left the wallet" "Solde : 81,00" m sms $A SOLDE
expect "the price reached the fees account" "19.00" m account show 2

# The emboss line: number, expiry, name, activation code; the file 0600.
[ "$(stat -c %a "$emboss")" = 600 ] && ok || bad "the emboss file is not 0600"
[ "$(lines)" = 1 ] && ok || bad "emboss lines: $(lines), wanted 1"
IFS='|' read -r PAN EXP NAME CODE <"$emboss"
[[ "$PAN" =~ ^999999[0-9]{10}$ ]] && [ "${PAN: -4}" = "$L" ] && ok || bad "emboss number: ${PAN:0:6}"
[[ "$EXP" =~ ^[0-9]{2}/[0-9]{2}$ ]] && [ "$NAME" = "AICHA BENALI" ] && [[ "$CODE" =~ ^[0-9]{6}$ ]] &&
  ok || bad "emboss line: $EXP $NAME"
expect "the card, inactive, for its holder" "inactive" m card show "$L"
expect "its holder" "AICHA BENALI" m card show "$L"
expect "its holder's phone" "$H" db "SELECT phone FROM cards"
expect "linked under the alias" "MAMAN" m sms $A CARTES

# The form sent again: the page says where the order stands, nothing issued or paid twice.
expect "replay: the result" "commandée pour MAMAN" order "$t" "Aicha Benali" "" MAMAN 483920
sleep 0.5
[ "$(lines)" = 1 ] && ok || bad "the replay issued again: $(lines) lines"
expect "replay: paid once" "Solde : 81,00" m sms $A SOLDE

# The holder activates it by SMS, with the code from the carrier.
expect "activate" "Carte ****$L activée" m sms $H ACTIVER "$L" "$CODE"

# A wallet that cannot pay the price: refused, nothing issued.
B=+33698765432
expect "join B" "Bienvenue" m sms $B INSCRIPTION
expect "code B" "Code enregistré" m sms $B CODE 715284
t2=$(link $B)
expect "refused" "Refusé" order "$t2" "Karim Ali" "" KARIM 715284
[ "$(lines)" = 1 ] && ok || bad "a card was issued to a wallet that could not pay"
expect "the order stays open" "Commander une carte prépayée" page "$t2"
# Five wrong codes lock B's code, as on every page; the right one is refused while locked.
for i in 1 2 3 4; do order "$t2" "Karim Ali" "" KARIM 000000 >/dev/null; done
expect "the fifth wrong code locks" "Code bloqué" order "$t2" "Karim Ali" "" KARIM 000000
expect "locked: even the right code" "Code bloqué" order "$t2" "Karim Ali" "" KARIM 715284

# A double click: two posts at once, one price, one card.
t4=$(link $A)
csrf=$(curl -s "$base/k/$t4" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//; s/"//')
clicks=()
for i in 1 2; do
  curl -s -X POST "$base/k/$t4" --data-urlencode "holder=Karim Benali" --data-urlencode "phone=" \
    --data-urlencode "alias=KARIM" --data-urlencode "code=483920" --data-urlencode "csrf=$csrf" \
    >"$seen/double$i" &
  clicks+=($!)
done
wait "${clicks[@]}"
eventually "double click: issued" "commandée pour KARIM" page "$t4"
sleep 0.5
[ "$(lines)" = 2 ] && ok || bad "double click: $(lines) emboss lines, wanted 2"
expect "double click: paid once" "Solde : 62,00" m sms $A SOLDE

# A restart: one card, books clean.
stop
start
sleep 1
[ "$(lines)" = 2 ] && ok || bad "the restart issued again: $(lines) lines"
expect "two cards" "2" db "SELECT count(*) FROM cards"
expect "issued" "2" db "SELECT state FROM card_orders WHERE alias = 'MAMAN'"
expect "books balance" "ok" m check

if [ -n "$artifacts" ] && command -v node >/dev/null; then
  mkdir -p "$artifacts"
  m transfer --kind topup --from 1 --to "$WA" --amount 19 >/dev/null
  t3=$(link $A)
  (cd "$top" && node tests/browser/order.mjs "$base/k/$t3" "$artifacts") >"$seen/browser" 2>&1 &&
    ok "browser: the page filled in Chromium" || bad "browser: $(cat "$seen/browser")"
  eventually "browser: a third card" "3" db "SELECT count(*) FROM cards"
fi
stop

# No card number anywhere but in the emboss file.
at_rest_files
no_pan_outside "$emboss" "${at_rest[@]}" "${at_rest_long[@]}" "$dir/mandatd.log" "$seen"
e2e_done card_order
