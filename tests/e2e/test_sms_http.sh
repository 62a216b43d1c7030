#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A whole SMS conversation against a real mandatd through its Kannel-compatible endpoint, with
# the mandat CLI as the phones: enrolment, codes, a payment with receipts on both sides, wrong
# codes, cancellation, a donation, a redelivered message, English, and a kill -9 in the middle of
# an order that the restarted daemon finishes. Usage: test_sms_http.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init sms

e2e_conf 0 "[sms]
; short, so that the test sees unclaimed money come back
claim_period = 6"

# eventually_seen NAME NEEDLE COMMAND...: within 10 s, the outputs of the command so far contain
# NEEDLE (for messages mandat sends on its own; the phone shows each message only once, and a
# failure shows them all). within_s=N: N seconds instead of 10.
eventually_seen() {
  local name=$1 needle=$2 out="" all=""
  shift 2
  for _ in $(seq $((${within_s:-10} * 4))); do
    out=$("$@" 2>&1 || true)
    all="$all$out"
    if [[ "$all" == *"$needle"* ]]; then ok; return 0; fi
    sleep 0.25
  done
  bad "$name: wanted \"$needle\", got:"$'\n'"$all"
}

"${M[@]}" init >/dev/null
"${M[@]}" association create TELETHON Téléthon >/dev/null
start
A=0612345678
B=+33698765432
expect "not joined" "INSCRIPTION" "${M[@]}" sms $A SOLDE
expect "join" "Bienvenue ! Choisissez votre code mandat" "${M[@]}" sms $A INSCRIPTION
expect "join twice" "déjà un compte" "${M[@]}" sms $A INSCRIPTION
expect "weak code" "suite de chiffres" "${M[@]}" sms $A CODE 123456
expect "code from phone" "votre numéro" "${M[@]}" sms $A CODE 612345
expect "code" "Code enregistré" "${M[@]}" sms $A CODE 483920
expect "join en" "Welcome to mandat" "${M[@]}" sms $B JOIN
expect "code en" "Code saved" "${M[@]}" sms $B CODE 271828
expect "no money" "Solde insuffisant (disponible : 0,00 €)" "${M[@]}" sms $A ENVOI 10 $B
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null
expect "balance" "Solde : 100,00 €" "${M[@]}" sms $A solde
expect "hint" "Montant manquant" "${M[@]}" sms $A ENVOI
expect "order" "Envoyer 12,50 € à +33 6 98 .. .. 32 ? Répondez avec votre code" \
  "${M[@]}" sms $A "envoi 12,50€ 06 98 76 54 32 loyer"
expect "wrong code" "Code incorrect. Encore 4" "${M[@]}" sms $A 111111
expect "confirm" "Envoyé : 12,50 € à +33 6 98 .. .. 32. Nouveau solde : 87,50 €." \
  "${M[@]}" sms $A 483920
expect "receipt" "You received €12.50 from +33 6 .. .. 56 78. New balance: €12.50." \
  "${M[@]}" phone $B </dev/null
expect "cancel" "Order cancelled" bash -c "\"\$0\" --config \"\$1\" sms $B SEND 5 $A >/dev/null; \"\$0\" --config \"\$1\" sms $B CANCEL" "$mandat" "$dir/mandat.conf"
expect "donate" "Donner 5,00 € à Téléthon ?" "${M[@]}" sms $A DON 5 TELETHON
expect "thanks" "Merci ! Don de 5,00 € à Téléthon effectué. Nouveau solde : 82,50 €." \
  "${M[@]}" sms $A 483 920
# Money for a number with no wallet: held, the number is invited, and collects it by joining.
C=0611223344
expect "order to new" "(sans compte : gardé 6 s" "${M[@]}" sms $A ENVOI 5 $C
expect "held" "Envoyé : 5,00 € à +33 6 11 .. .. 44, gardé" "${M[@]}" sms $A 483920
expect "invited" "+33 6 .. .. 56 78 vous envoie 5,00 € avec mandat. Répondez INSCRIPTION" \
  "${M[@]}" phone $C </dev/null
expect "joins" "Bienvenue" "${M[@]}" sms $C INSCRIPTION
eventually_seen "collected" "5,00 € de +33 6 .. .. 56 78 arrivés sur votre compte. Nouveau solde : 5,00 €" \
  "${M[@]}" phone $C </dev/null
eventually_seen "payer told" "+33 6 11 .. .. 44 s'est inscrit : vos 5,00 € sont sur son compte" \
  "${M[@]}" phone $A </dev/null
# Nobody collects this one: it comes back after the period.
expect "order to nobody" "sans compte" "${M[@]}" sms $A ENVOI 7 0633445566
expect "held 2" "Nouveau solde : 70,50 €" "${M[@]}" sms $A 483920
# The period is 6 s: the return comes after it, at mandatd's next pass.
within_s=20 eventually_seen "returned" "7,00 € pour +33 6 33 .. .. 66 non retirés : ils sont revenus sur votre compte. Nouveau solde : 77,50 €" \
  "${M[@]}" phone $A </dev/null
expect "balance after claims" "Solde : 77,50 €" "${M[@]}" sms $A SOLDE
# A charity created with the CLI while mandatd runs is known within a second or two.
"${M[@]}" association create ACF "Action contre la faim" >/dev/null
reload
eventually_seen "new charity" "Donner 1,00 € à Action contre la faim ?" "${M[@]}" sms $A DON 1 ACF
expect "cancel donation" "Ordre annulé" "${M[@]}" sms $A ANNULER
# A campaign (CLI, while mandatd runs): donations by its tag count towards its public total.
"${M[@]}" campaign create '#telethon2026' TELETHON Téléthon 2026 >/dev/null
eventually_seen "campaign" "Donner 3,00 € à Téléthon 2026 ?" "${M[@]}" sms $A DON 3 TELETHON2026
expect "campaign gift" "Merci ! Don de 3,00 € à Téléthon 2026 effectué" "${M[@]}" sms $A 483920
expect "campaign total" '"total":300,"currency":"EUR","donations":1' \
  curl -s "http://127.0.0.1:$port/campaigns/TELETHON2026.json"
expect "campaign page" "3,00 €" curl -s "http://127.0.0.1:$port/campaigns/telethon2026"
expect "unknown campaign" "404" curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/campaigns/NOPE"
# A redelivery (same SMSC id) is acknowledged and not handled again.
url="$ibase/kannel/mo?from=%2B33612345678&to=71004&text=SOLDE&id=smsc-42&secret=$ksecret"
expect "first delivery" "Solde : 74,50 €" curl -s "$url"
expect "redelivery" "200:" curl -s -w "%{http_code}:" "$url"
expect "bad request" "from and text are required" curl -s "$ibase/kannel/mo?text=x&secret=$ksecret"
# kill -9 with an order waiting: after a restart the code still confirms it, once.
expect "order before crash" "Envoyer 20,00 €" "${M[@]}" sms $A ENVOI 20 $B
crash
start
expect "confirm after crash" "Envoyé : 20,00 €" "${M[@]}" sms $A 483920
expect "receipt after crash" "You received €20.00" "${M[@]}" phone $B </dev/null
# Issue 12: the code again right after its receipt gets no second answer; the same order is
# questioned and ENCORE makes it; the payee reads the name the payer chose (NOM).
again=$("${M[@]}" sms $A 483920 2>&1 || true)
if [[ "$again" == *"Aucun ordre"* ]]; then bad "code again answered: $again"; else ok; fi
expect "same order" "Vous venez d'envoyer 20,00 € à +33 6 98 .. .. 32 (ref " \
  "${M[@]}" sms $A ENVOI 20 $B
expect "how to repeat" "Pour renvoyer, répondez ENCORE." "${M[@]}" sms $A ENVOI 20 $B
expect "ENCORE" "Envoyer 20,00 € à +33 6 98 .. .. 32 ? Répondez avec votre code sous 5 min." \
  "${M[@]}" sms $A ENCORE
expect "name" "Nom enregistré : les personnes que vous payez verront Karim." \
  "${M[@]}" sms $A NOM Karim
expect "confirm again" "Envoyé : 20,00 € à +33 6 98 .. .. 32. Nouveau solde : 34,50 €." \
  "${M[@]}" sms $A 483920
expect "receipt names the payer" "You received €20.00 from Karim (+33 6 .. .. 56 78)." \
  "${M[@]}" phone $B </dev/null
expect "amount too large" "Montant trop élevé : au plus 1 000 000 par ordre" \
  "${M[@]}" sms $A "ENVOI 1 000 000 000 000 000 000,00 € 0612345678"
expect "order above the limit" "Montant trop élevé : au plus 250,00 € par ordre." \
  "${M[@]}" sms $A ENVOI 300 $B
# The dev phone starts from the conversation so far.
expect "history: sent" "> NOM Karim" curl -s "$ibase/dev/history?number=%2B33612345678"
expect "history: replies" "< Envoyé : 20,00 € à +33 6 98 .. .. 32. Nouveau solde : 34,50 €." \
  curl -s "$ibase/dev/history?number=%2B33612345678"
expect "history: codes masked" "> ******" curl -s "$ibase/dev/history?number=%2B33612345678"
expect "no double" "No order waiting" "${M[@]}" sms $B 271828
expect "campaign total after crash" '"donations":1' \
  curl -s "http://127.0.0.1:$port/campaigns/TELETHON2026.json"
expect "check" ": ok" "${M[@]}" check
stop
no_secrets "log" "483920|271828"
if db "select text from inbox" | grep -q "483920\|271828"; then
  bad "a code is stored in clear"
else
  ok
fi
e2e_done sms_http
