#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on the code with the phone in hand, against a real mandatd (issue 11, item 2): the
# reproduced theft (CODE <new>, ENVOI, the new code) must not move money; CODE must not lift a
# lock; the enrolment link must die once a code is set by SMS; a forgotten code's reset is
# announced, blocks payments for its (here short) delay, then lets a new code be set; an
# operator completes or cancels one with the CLI. SMS go through the CLI only (it reads the
# config, and will carry the gateway's secret). Usage: test_code_attacks.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init code

e2e_conf 0 "[sms]
; a short cooling-off, so that the test sees a reset take effect
code_reset_delay = 3
code_lock = 60"

"${M[@]}" init >/dev/null
"${M[@]}" association create TELETHON Téléthon >/dev/null # so that the first wallet is 6
start
V=0612345678   # the victim
X=+33698765432 # the attacker's own number
link=$("${M[@]}" sms $V INSCRIPTION | grep -o 'http://[^ )]*/enrol/[0-9a-f]*' || true)
[ -n "$link" ] && ok || bad "no enrolment link in the welcome"
expect "link works" "200" curl -s -o /dev/null -w "%{http_code}" "$link"
expect "victim's code" "Code enregistré" "${M[@]}" sms $V CODE 483920
expect "attacker joins" "Welcome" "${M[@]}" sms $X JOIN
expect "attacker's code" "Code saved" "${M[@]}" sms $X CODE 271828
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null

# The reproduced theft: the attacker holds the victim's phone for a minute.
expect "CODE over a code refused" "Vous avez déjà un code : rien n'a changé" \
  "${M[@]}" sms $V CODE 975310
expect "says how to change" "CODE ancien nouveau" "${M[@]}" sms $V CODE 975310
expect "order" "Envoyer 20,00 €" "${M[@]}" sms $V ENVOI 20 $X
expect "attacker's code refused" "Code incorrect" "${M[@]}" sms $V 975310
expect "cancel" "Ordre annulé" "${M[@]}" sms $V ANNULER
expect "no money moved" "Solde : 100,00 €" "${M[@]}" sms $V SOLDE
expect "attacker got nothing" "Balance: €0.00" "${M[@]}" sms $X BAL
"${M[@]}" transfer --kind topup --from 1 --to 7 --amount 10 >/dev/null

# Enrolment link reuse after the code was set by SMS.
expect "link dead (GET)" "404" curl -s -o /dev/null -w "%{http_code}" "$link"
expect "link dead (POST)" "404" curl -s -o /dev/null -w "%{http_code}" \
  -H "Origin: http://127.0.0.1:$port" --data "code=975310&csrf=x" "$link"

# Guessing the current code to change it: the same counter and lock as confirmations.
expect "wrong old 1" "Code actuel incorrect : rien n'a changé. Encore 3" \
  "${M[@]}" sms $V CODE 111111 975310
for _ in 1 2; do "${M[@]}" sms $V CODE 111111 975310 >/dev/null; done
expect "locked" "Trop de codes erronés" "${M[@]}" sms $V CODE 111111 975310
expect "CODE does not lift the lock" "Vous avez déjà un code" "${M[@]}" sms $V CODE 975310
expect "change refused while locked" "Code bloqué encore 1 min" \
  "${M[@]}" sms $V CODE 483920 975310
expect "still locked for payments" "Code bloqué jusqu'au" "${M[@]}" sms $V ENVOI 20 $X
expect "nothing held while locked" "Aucun ordre en attente" "${M[@]}" sms $V 483920
expect "no money moved" "Solde : 100,00 €" "${M[@]}" sms $V SOLDE

# The attacker asks for a reset: announced, payments blocked, money still arrives.
expect "reset announced" "Réinitialisation du code le" \
  "${M[@]}" sms $V CODE OUBLIE
expect "payments blocked" "Paiements suspendus" "${M[@]}" sms $V ENVOI 20 $X
expect "set refused during the delay" "vous choisirez un nouveau code" \
  "${M[@]}" sms $V CODE 975310
"${M[@]}" sms $X SEND 1 $V >/dev/null
expect "money still arrives" "Sent: €1.00" "${M[@]}" sms $X 271828
eventually "reset takes effect" "Réinitialisation effectuée" "${M[@]}" phone $V </dev/null
expect "new code" "Code enregistré" "${M[@]}" sms $V CODE 246810
expect "the reset lifted no lock" "Code bloqué jusqu'au" "${M[@]}" sms $V ENVOI 2 $X

# An operator: cancel, then complete early after an identity check.
expect "cli help" "identity" "${M[@]}" account code-reset --help
expect "cli: nothing to complete" "no code reset under way" \
  "${M[@]}" account code-reset complete $X
stop
sed -i "s/^code_reset_delay = 3\$/code_reset_delay = 3600/" "$dir/mandat.conf"
start
expect "reset asked" "Code reset on" "${M[@]}" sms $X CODE FORGOT
expect "cli cancel" "cancelled" "${M[@]}" account code-reset cancel $X
eventually "cancel told" "Customer service cancelled your code reset" "${M[@]}" phone $X </dev/null
"${M[@]}" sms $X CODE FORGOT >/dev/null
expect "blocked again" "Payments are suspended" "${M[@]}" sms $X SEND 1 $V
expect "cli complete" "completed" "${M[@]}" account code-reset complete $X
eventually "completion told" "Customer service approved your code reset" \
  "${M[@]}" phone $X </dev/null
expect "new code after completion" "Code saved" "${M[@]}" sms $X CODE 135792
expect "order after completion" "Send €2.00" "${M[@]}" sms $X SEND 2 $V
expect "paid with the new code" "Sent: €2.00" "${M[@]}" sms $X 135792
expect "check" ": ok" "${M[@]}" check
stop
no_secrets "log" "483920|271828|975310|246810|135792|111111"
if db "select text from inbox" | grep -Eq "483920|975310|246810|111111"; then
  bad "a code is stored in clear"
else
  ok
fi
e2e_done code_attacks
