#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The newcomer's walkthrough, so that it cannot rot: scripts/run.sh (what `make run` runs) is
# started in a scratch directory on free ports, and every command line it prints is run as
# printed, in order, in one shell (the wallets, a transfer, a gift, then a prepaid card ordered,
# activated, reloaded from the wallet and by the bank card kept on file, the holder's receipts
# on the dev phone, mandat check). A line whose answer is a link to a page (/t/, /k/) is
# followed in Chromium (tests/browser/journey.mjs) with what the printed text says to type
# there. Each line's answer is checked, every expected answer must have been seen (a line
# dropped from the instructions fails), and the commands of README's "Prepaid cards in a
# session" must be the printed ones.
# Usage: test_run_walkthrough.sh MANDAT_BIN_DIR [ARTIFACTS]
set -euo pipefail
bindir=$1
artifacts=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init walkthrough
shots=${artifacts:-$dir/shots}
mkdir -p "$shots"
var=$dir/var
port=$(free_port)
iport=$(free_port)
MANDAT_RUN_DIR=$var MANDAT_BIN=$bindir MANDAT_PORT=$port MANDAT_INTERNAL_PORT=$iport MANDAT_SIP_PORT=$(free_port) \
  "$top/scripts/run.sh" >"$dir/run.out" 2>&1 &
pid=$! # run.sh execs mandatd: the cleanup stops it
ln -s run.out "$dir/mandatd.log" # its log, shown after a failure
ready=""
for _ in $(seq 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then ready=1; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then echo "make run's mandatd did not start:"; cat "$dir/run.out"; exit 1; fi
printed=$(cat "$dir/run.out")

# What the printed text tells the newcomer to type on the pages.
for s in "4111 1111 1111 1111, expiry 12/30, CVV 123, and tick \"keep this card\"" \
  "the holder AICHA BENALI" "her mobile 0698765432, the name MAMAN, and your code 483920" \
  "http://127.0.0.1:$iport/dev/phone" "http://127.0.0.1:$port/activate"; do
  check "the instructions say: $s" "$s" "$printed"
done

# The answer each printed line must give (a part of it), by the line as printed (comment
# removed); each must be seen once at least.
declare -A want=(
  ['$M sms 0612345678 INSCRIPTION']="Bienvenue"
  ['$M sms 0612345678 CODE 483920']="Code enregistré"
  ['$M sms 0698765432 INSCRIPTION']="Bienvenue"
  ['$M sms 0698765432 CODE 271828']="Code enregistré"
  ['$M account list']="     7  wallet"
  ['$M transfer --kind topup --from 1 --to 6 --amount 100']="state      posted"
  ['$M sms 0612345678 ENVOI 10 0698765432']="Envoyer 10,00 € à +33 6 98 .. .. 32 ?"
  ['$M sms 0612345678 DON 5 TELETHON']="Donner 5,00 € à Téléthon ?"
  ['$M statement 6']="donation"
  ['$M check']=": ok"
  ['$M account tier 6 1']=""
  ['$M sms 0612345678 ALIMENTER 100']="Alimentez votre compte de 100,00 € par carte bancaire : http://127.0.0.1:$port/t/"
  ['$M sms 0612345678 CARTE COMMANDE']="Commandez une carte prépayée (19,00 €) : http://127.0.0.1:$port/k/"
  ["cat $var/mandat-emboss.txt"]="|AICHA BENALI|"
  ["IFS='|' read -r PAN EXP NAME CODE < <(tail -1 $var/mandat-emboss.txt)"]=""
  ['$M sms 0698765432 ACTIVER ${PAN: -4} $CODE']="activée"
  ['$M sms 0612345678 RECHARGE MAMAN 60']="(MAMAN) de 60,00 € + frais 6,00 € ?"
  ['$M sms 0612345678 RECHARGE MAMAN 100 CB']="(MAMAN) de 100,00 € + frais 6,00 € par la CB ****1111 ?"
  ['$M sms 0698765432 SOLDE CARTE']=": 160,00 €. Encore 5 840,00 €"
  ['$M card list']="999999******"
)
# The code's answers, in order (the same line confirms each order; the reload paid by the bank
# card on file answers later, by SMS).
codes=("Envoyé : 10,00 €" "Merci ! Don de 5,00 € à Téléthon effectué" "Recharge de 60,00 € sur ****"
  "")
# What each look at a phone shows, in order; a look is repeated (10 s at most) until it does, as
# the newcomer is told to.
phones=("10,00 € de +33 6 .. .. 56 78 arrivés sur votre compte"
  "Recharge de 100,00 € sur ****" "+100,00 € sur votre carte ****")
declare -A seen_line=()
n_code=0 n_phone=0 lines=0

# page OUTPUT: follows the link in a line's answer in Chromium, as the printed text says.
page() {
  local t k out
  t=$(grep -o "http://127.0.0.1:$port/t/[0-9a-f]*" <<<"$1" || true)
  k=$(grep -o "http://127.0.0.1:$port/k/[0-9a-f]*" <<<"$1" || true)
  if [ -n "$t" ]; then
    out=$(cd "$top" && node tests/browser/journey.mjs pay "$shots" topup "$t" "4111 1111 1111 1111" 12/30 123 keep 2>&1 </dev/null)
    check "the top-up page" "result: Votre compte est alimenté de 100,00 €" "$out"
  elif [ -n "$k" ]; then
    out=$(cd "$top" && node tests/browser/journey.mjs order "$shots" order "$k" "AICHA BENALI" 0698765432 MAMAN 483920 2>&1 </dev/null)
    check "the order page: the price" "amount: 19,00 €" "$out"
    check "the order page: ordered" "commandée pour MAMAN" "$out"
  fi
}

# Every printed command line (two spaces, then the command; the comment after '#' dropped).
M=""
while IFS= read -r line; do
  cmd=$(sed 's/^ *//; s/[[:space:]]*#.*$//' <<<"$line")
  if [[ "$line" == "  M="* ]]; then
    eval "${line# }"
    continue
  fi
  lines=$((lines + 1))
  rc=0
  eval "$cmd" >"$dir/answer" 2>&1 </dev/null || rc=$?
  out=$(cat "$dir/answer")
  printf '$ %s\n%s\n' "$cmd" "$out" >>"$dir/walk.out"
  if [ "$rc" != 0 ]; then bad "'$cmd' failed ($rc): $out"; continue; fi
  if [[ "$cmd" =~ ^\$M\ sms\ 0612345678\ 483920$ ]]; then
    check "'$cmd' (${codes[$n_code]-nothing more})" "${codes[$n_code]-no more codes}" "$out"
    n_code=$((n_code + 1))
  elif [[ "$cmd" =~ ^\$M\ phone\  ]]; then
    for _ in $(seq 40); do
      if [[ "$out" == *"${phones[$n_phone]:-nothing more}"* ]]; then break; fi
      sleep 0.25
      eval "$cmd" >"$dir/answer" 2>&1 </dev/null || true
      out="$out"$'\n'"$(cat "$dir/answer")"
    done
    printf '%s\n' "$out" >>"$dir/walk.out"
    check "'$cmd'" "${phones[$n_phone]:-nothing more}" "$out"
    n_phone=$((n_phone + 1))
  elif [ -n "${want[$cmd]+set}" ]; then
    check "'$cmd'" "${want[$cmd]}" "$out"
    seen_line[$cmd]=1
    page "$out"
  else
    bad "a printed line this test does not know: '$cmd' (answer: $out)"
  fi
done < <(grep -E '^  (M=|\$M |cat |IFS=)' "$dir/run.out")
for k in "${!want[@]}"; do
  [ -n "${seen_line[$k]:-}" ] && ok || bad "not printed any more: '$k'"
done
[ "$n_code" = "${#codes[@]}" ] && ok || bad "$n_code codes sent, wanted ${#codes[@]}"
[ "$n_phone" = "${#phones[@]}" ] && ok || bad "$n_phone looks at a phone, wanted ${#phones[@]}"
ok "$lines printed lines run"

# What the walkthrough promised: the holder's receipts on the dev phone, the card's balance.
hist=$(curl -s "http://127.0.0.1:$iport/dev/history?number=%2B33698765432")
check "the holder's first receipt on the dev phone" "< +60,00 € sur votre carte ****" "$hist"
check "the holder's second receipt on the dev phone" ", solde 160,00 €" "$hist"
check "the sender's receipts: the bank card kept" "< Compte alimenté de 100,00 € par la carte ****1111, gardée pour vos recharges" \
  "$(curl -s "http://127.0.0.1:$iport/dev/history?number=%2B33612345678")"

# README's card session: the same commands as printed ($ $M ... lines, with their comments).
readme=$(sed -n '/^## Prepaid cards in a session/,/^## /p' "$top/README.md")
[ -n "$readme" ] && ok || bad "README has no 'Prepaid cards in a session'"
while IFS= read -r line; do
  cmd=$(sed 's/^    \$ //; s/[[:space:]]*#.*$//' <<<"$line")
  cmd=${cmd//var\/mandat-emboss.txt/$var/mandat-emboss.txt}
  if grep -q -F -x -e "$cmd" < <(grep -E '^  (\$M |cat |IFS=)' "$dir/run.out" | sed 's/[[:space:]]*#.*$//; s/^  //'); then
    ok
  else
    bad "README's '$cmd' is not what make run prints"
  fi
done < <(grep -E '^    \$ ' <<<"$readme")
e2e_done walkthrough
