#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Paying by phone end to end (issue 14): baresip, a wallet's owner, keys 2 (send money: the
# payee's number #, the amount # with * as the decimal separator, the 6-digit code) and both
# balances move, with the SMS receipts queued; keys 3 (pay an order) with the phone reference
# of a payment request a merchant created through the API, one wrong code then the right one,
# and the request is confirmed with its webhook event; keys 4 (give) to an association chosen
# from the list. A raw SIP caller keys its code by INFO and hangs up at once: the payment is
# made once and the receipt goes by SMS. Five wrong codes lock the code; a caller who stops
# keying mid-entry is asked again after the silence. The keyed digits
# (numbers, amounts, codes) never reach mandatd's log, and codes never the database.
# The receipts, the wrong codes and the lock are said in the call's own words (the log names them).
# Usage: test_sip_pay.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
raw="$top/tests/e2e/sip_raw.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip_pay

check() { # NAME WANTED GOT
  if [[ "$3" == *"$2"* ]]; then ok; else bad "$1: wanted \"$2\", got:"$'\n'"$3"; fi
}
# balance ACCOUNT: its balance in cents.
balance() {
  "${M[@]}" account show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["balance_minor"])'
}

sip_conf 2 30
"${M[@]}" init >/dev/null
"${M[@]}" merchant create Boutique Zoé --webhook-url http://127.0.0.1:9/hooks >"$dir/m1"
KEY=$(sed -n 's/^api key: //p' "$dir/m1")
"${M[@]}" association create TELETHON Téléthon >/dev/null
start
log_has "sip listening" "sip: listening on 127.0.0.1:$sport"

P=+33612345678 # the caller
Q=+33698765432 # the payee
"${M[@]}" sms 0612345678 INSCRIPTION >/dev/null
"${M[@]}" sms 0612345678 CODE 483920 >/dev/null
"${M[@]}" sms 0698765432 INSCRIPTION >/dev/null
acct() { db "select account_id from customers where phone = '$1'"; }
pa=$(acct $P)
qa=$(acct $Q)
"${M[@]}" transfer --kind topup --from 1 --to "$pa" --amount 100 >/dev/null
# queued PHONE LIKE: SMS rows to PHONE whose text is LIKE the pattern, queued for the SMSC.
queued() { db "select count(*) from outbox where channel = 1 and state = 0 and dest = '$1' and text like '$2'"; }

# 2: send 12,50 € to 06 98 76 54 32 with the code, by RFC 4733 keys from baresip.
baresip_start $P
out=$(ctrl dial "sip:mandat@127.0.0.1:$sport" 2>&1 || true)
check "dial" '"ok":true' "$out"
log_has "call answered" "sip: call 1 from $P"
log_has "menu" "sip: call 1 says menu"
keys 1 2
log_has "number asked" "sip: call 1 says ask_number"
keys 1 0698765432#
log_has "amount asked" "sip: call 1 says ask_amount"
keys 1 '12*5#'
log_has "read back" "sip: call 1: order answered"
log_has "read back in words" "sip: call 1: read back in the call's words"
n=$(db "select count(*) from inbox where channel = 4 and source = '$P' and text = 'ENVOI 12,5 0698765432'")
if [ "$n" = 1 ]; then ok; else bad "the order is not the dialog's ENVOI ($n)"; fi
keys 1 483920
log_has "receipt said" "sip: call 1: order answered" 2
log_has "receipt in the call's words" "sip: call 1: said sent in the call's words"
if [ "$(balance "$qa")" = 1250 ]; then ok; else bad "payee balance $(balance "$qa")"; fi
pb=$(balance "$pa")
if [ "$pb" -lt 10000 ] && [ "$pb" -le 8750 ]; then ok "payer balance $pb"; else bad "payer balance $pb"; fi
if [ "$(queued $P 'Envoyé : 12,50 €%')" = 1 ]; then ok; else bad "no SMS receipt to the payer"; fi
if [ "$(queued $Q '%12,50 €%')" = 1 ]; then ok; else bad "no SMS to the payee"; fi

# 4: give 5 € to the first association of the list.
keys 1 4
log_has "list said" "sip: call 1 says say" 3
keys 1 1
log_has "amount asked" "sip: call 1 says ask_amount" 2
keys 1 5#
log_has "read back" "sip: call 1: order answered" 3
log_has "gift read back in words" "sip: call 1: read back in the call's words" 2
keys 1 483920
log_has "thanks said" "sip: call 1: order answered" 4
log_has "thanks in the call's words" "sip: call 1: said given in the call's words"
if [ "$(queued $P 'Merci ! Don de 5,00 € à Téléthon%')" = 1 ]; then ok; else bad "no SMS receipt of the gift"; fi

# 3: pay an order a merchant created through the API, by its phone reference.
request 2500
out=$(curl -s "$base/v1/payment-requests" -H "Authorization: Bearer $KEY" \
  -d '{"amount":2500,"payer":"0612345678","reference":"x","channel":"fax"}')
check "channel fax refused" "channel must be sms or voice" "$out"
keys 1 3
log_has "reference asked" "sip: call 1 says ask_ref"
keys 1 "$ref#"
log_has "order found" "sip: call 1: order found"
keys 1 111111
log_has "wrong code said" "sip: call 1 says wrong_code"
keys 1 483920
log_has "order paid" "sip: call 1: order answered (0)"
log_has "order's receipt in the call's words" "sip: call 1: said paid in the call's words"
out=$(curl -s "$base/v1/payment-requests/$id" -H "Authorization: Bearer $KEY")
check "request paid" '"state":"confirmed"' "$out"
n=$(db "select count(*) from webhooks where type = 'payment_request.confirmed' and body like '%$id%'")
if [ "$n" = 1 ]; then ok; else bad "confirmed webhook events: $n"; fi
if [ "$(queued $P 'Payé : 25,00 € à Boutique Zoé%')" = 1 ]; then ok; else bad "no SMS receipt of the order"; fi
out=$(ctrl hangup 2>&1 || true)
log_has "baresip's call ended" "sip: call 1 ended:"

# A caller who hangs up right after keying the code: paid once, the receipt by SMS.
before=$(balance "$qa")
fifo="$dir/keys"
mkfifo "$fifo"
python3 "$raw" keys "$sport" "$P" <"$fifo" >"$dir/raw.out" 2>&1 &
e2e_track $!
exec 3>"$fifo"
log_has "raw call answered" "sip: call 2 from $P"
echo 2 >&3
log_has "number asked" "sip: call 2 says ask_number"
echo '0698765432#' >&3
log_has "amount asked" "sip: call 2 says ask_amount"
echo '7#' >&3
log_has "read back" "sip: call 2: order answered"
echo '483920!' >&3
exec 3>&-
# Whether the BYE or the answer comes first is the machine's timing: either way the order is
# paid once and the receipt goes by SMS (checked below); the log says which path was taken.
log_has "raw call ended" "sip: call 2 ended:"
if [ "$(balance "$qa")" = $((before + 700)) ]; then ok; else bad "payee balance $(balance "$qa") after the dropped call"; fi
if [ "$(queued $P 'Envoyé : 7,00 €%')" = 1 ]; then ok; else bad "no SMS receipt after the dropped call"; fi

# Five wrong codes: the order is cancelled and the code locked (the SMS rules).
before=$(balance "$pa")
python3 "$raw" keys "$sport" "$P" <"$fifo" >"$dir/raw2.out" 2>&1 &
e2e_track $!
exec 3>"$fifo"
log_has "raw call answered" "sip: call 3 from $P"
echo 2 >&3
log_has "number asked" "sip: call 3 says ask_number"
echo '0698765432#' >&3
log_has "amount asked" "sip: call 3 says ask_amount"
echo '3#' >&3
log_has "read back" "sip: call 3: order answered" 1
for i in 1 2 3 4 5; do
  echo 111111 >&3
  log_has "wrong code $i" "sip: call 3: order answered" $((i + 1))
done
log_has "wrong codes in the call's words" "sip: call 3: said wrong_code in the call's words" 4
log_has "the lock in the call's words" "sip: call 3: said locked in the call's words"
# A caller who stops keying mid-entry is asked again after the silence (8 s).
echo 2 >&3
log_has "number asked" "sip: call 3 says ask_number" 2
echo 06 >&3
log_has "number asked again after a silence" "sip: call 3 says ask_number" 3 15
echo BYE >&3
exec 3>&-
log_has "raw call ended" "sip: call 3 ended:"
if [ "$(queued $P 'Code erroné 5 fois%')" = 1 ]; then ok; else bad "no lock after 5 wrong codes"; fi
if [ "$(balance "$pa")" = "$before" ]; then ok; else bad "payer balance moved: $(balance "$pa")"; fi
locked=$(db "select case when locked_until_us > 0 then 1 else 0 end from customers where phone = '$P'")
if [ "$locked" = 1 ]; then ok; else bad "the code is not locked"; fi

stop
# What was keyed never reaches the log, and codes never the database.
for secret in 0698765432 483920 111111 '12\*5'; do
  if grep -q -- "$secret" "$dir/mandatd.log"; then bad "keyed $secret in the log"; else ok; fi
done
for secret in 483920 111111; do
  if db "select text from inbox" | grep -q "$secret"; then bad "code $secret in the inbox"; else ok; fi
done
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
e2e_done sip_pay
