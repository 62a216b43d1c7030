#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Paying an order by card over the phone (issue 14, PCI DSS), end to end with the raw SIP caller
# keying by INFO: a hidden number keys the order's phone reference, hears it read back, keys a
# card number with a typing error (asked again), then 4111 1111 1111 1111, its expiry and code:
# the test acquirer approves, the request is confirmed with its webhook event, the merchant is
# paid under the request's payment id. A declined card (05): nothing paid. A prepaid card mandat
# issued pays from its own balance, without the acquirer (and, short, is declined before the
# ledger, so that the order can still be paid). A wallet caller presses # instead of
# the code and pays by card: the SMS receipt names the card; one who hangs up right after the
# code is paid once all the same, the receipt by SMS. Unknown references from a hidden number
# end the call after three. Then no card number or security code used is in the
# database, its WAL, the logs or the test's output.
# Usage: test_sip_card.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
raw="$top/tests/e2e/sip_raw.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip_card

check() { # NAME WANTED GOT
  if [[ "$3" == *"$2"* ]]; then ok; else bad "$1: wanted \"$2\", got:"$'\n'"$3"; fi
}
balance() {
  "${M[@]}" account show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["balance_minor"])'
}

sport=$(udp_port)
e2e_conf 0 "[sip]
listen = 127.0.0.1:$sport
rtp_port_min = 20000
rtp_port_max = 29999
max_calls = 2
rtp_timeout = 30
[acquirer]
kind = test
latency = 20
timeout = 1500
state_file = $dir/acquirer.state"
"${M[@]}" init >/dev/null
"${M[@]}" merchant create Boutique Zoé --webhook-url http://127.0.0.1:9/hooks >"$dir/m1"
KEY=$(sed -n 's/^api key: //p' "$dir/m1")
MID=$(sed -n 's/^merchant \([0-9]*\).*/\1/p' "$dir/m1")
# A prepaid card, issued before mandatd starts (it reads cards at start): its number only in
# the emboss file.
o=$("${M[@]}" card issue --holder "AICHA BENALI" --phone +212612345678 --emboss "$dir/emboss.txt")
code=$(sed -n 's/^activation code: \([0-9]\{6\}\) .*/\1/p' <<<"$o")
cacct=$(sed -n 's/.*, account \([0-9]*\), .*/\1/p' <<<"$o")
IFS='|' read -r cpan cexp _ <"$dir/emboss.txt"
start
log_has "sip listening" "sip: listening on 127.0.0.1:$sport"
P=+33612345678
"${M[@]}" sms 0612345678 INSCRIPTION >/dev/null
"${M[@]}" sms 0612345678 CODE 483920 >/dev/null

# call FROM N: a raw call from FROM (anonymous: a hidden number) keying what is written to fd 3;
# N is mandatd's number of the call.
fifo="$dir/keys"
mkfifo "$fifo"
call() {
  python3 "$raw" keys "$sport" "$1" <"$fifo" >>"$dir/raw.out" 2>&1 &
  e2e_track $!
  exec 3>"$fifo"
}
hangup() { echo BYE >&3; exec 3>&-; log_has "call $1 ended" "sip: call $1 ended:"; }
# prepaid N: hidden call N keys the reference $ref, then the prepaid card's number, expiry, code.
prepaid() {
  call anonymous
  log_has "hidden number answered" "sip: call $1 from anonymous"
  echo "$ref#" >&3
  log_has "order found" "sip: call $1: order found"
  echo "$cpan#" >&3
  echo "${cexp:0:2}${cexp: -2}" >&3
  echo 9157 >&3
}

# 1. A hidden number pays with 4111 1111 1111 1111, after a typing error.
request 2500
call anonymous
log_has "hidden number answered" "sip: call 1 from anonymous"
log_has "only an order, by card" "sip: call 1 says anon_menu"
echo "$ref#" >&3
log_has "order found" "sip: call 1: order found"
echo 4111111111111112# >&3
log_has "Luhn refused" "sip: call 1: card number refused"
log_has "number asked again" "sip: call 1 says bad_pan"
echo 4111111111111111# >&3
log_has "number taken" "sip: call 1: card number taken"
echo 1230 >&3
log_has "expiry taken" "sip: call 1: card expiry taken"
echo 7391 >&3
log_has "code taken" "sip: call 1: card code taken"
log_has "acquirer chain started" "sip: call 1: bank card payment started"
log_has "approved" "sip: call 1: card payment ended (0, state 4)"
log_has "result said, then hung up" "sip: call 1 ended:"
exec 3>&-
check "request confirmed" confirmed "$(state_of "$id")"
n=$(db "select count(*) from webhooks where type = 'payment_request.confirmed' and body like '%$id%'")
if [ "$n" = 1 ]; then ok; else bad "confirmed webhook events: $n"; fi
n=$(db "select count(*) from transfers t join payment_requests r on t.id = r.transfer_id where r.state = 1 and t.credit_account_id = $MID and t.amount = 2500")
if [ "$n" = 1 ]; then ok; else bad "the merchant's payment under the request's id: $n"; fi
mb=$(balance "$MID")

# 2. Declined (05): nothing paid, the request still pending.
request 1800
call anonymous
log_has "hidden number answered" "sip: call 2 from anonymous"
echo "$ref#" >&3
log_has "order found" "sip: call 2: order found"
echo 4000000000000002# >&3
echo 1230 >&3
echo 8264 >&3
log_has "declined" "sip: call 2: card payment ended (0, state 5)"
log_has "call 2 ended" "sip: call 2 ended:"
exec 3>&-
check "request still pending" pending "$(state_of "$id")"
if [ "$(balance "$MID")" = "$mb" ]; then ok; else bad "merchant paid after a decline"; fi

# 3. A prepaid card mandat issued pays from its balance: no acquirer.
out=$("${M[@]}" sms +212612345678 ACTIVER "${cpan: -4}" "$code" 2>&1 || true)
[ -n "$out" ] || out="issue: $o"
check "card activated" "activée" "$out"
"${M[@]}" transfer --kind card_load --from 1 --to "$cacct" --amount 100 >/dev/null
request 3000
ops=$(db "select count(*) from acquirer_ops")
prepaid 3
log_has "prepaid path" "sip: call 3: prepaid card payment started"
log_has "paid from the card" "sip: call 3: prepaid card payment done"
log_has "call 3 ended" "sip: call 3 ended:"
exec 3>&-
check "request confirmed" confirmed "$(state_of "$id")"
if [ "$(balance "$cacct")" = 7000 ]; then ok; else bad "card balance $(balance "$cacct")"; fi
if [ "$(db "select count(*) from acquirer_ops")" = "$ops" ]; then ok; else bad "the acquirer was asked"; fi

# 4. A wallet caller presses # instead of the code and pays by card: the receipt by SMS.
request 1200
call $P
log_has "wallet caller answered" "sip: call 4 from $P"
echo 3 >&3
log_has "reference asked" "sip: call 4 says ask_ref"
echo "$ref#" >&3
log_has "order found" "sip: call 4: order found"
echo '#' >&3
log_has "card asked" "sip: call 4 says ask_pan"
echo 4111111111111111# >&3
echo 1230 >&3
echo 6482 >&3
log_has "approved" "sip: call 4: card payment ended (0, state 4)"
hangup 4
check "request confirmed" confirmed "$(state_of "$id")"
n=$(db "select count(*) from outbox where dest = '$P' and text like 'Payé : 12,00 € à Boutique Zoé%carte ****1111.'")
if [ "$n" = 1 ]; then ok; else bad "no SMS receipt naming the card ($n)"; fi

# 5. A hidden number guessing references: three misses end the call.
call anonymous
log_has "hidden number answered" "sip: call 5 from anonymous"
for i in 1 2 3; do
  echo "00000$i#" >&3
  log_has "miss $i" "sip: call 5: no order with that reference" "$i"
done
log_has "too many" "sip: call 5 says too_many"
log_has "call 5 ended" "sip: call 5 ended:"
exec 3>&-

# 6. The prepaid card (70 € left) for 150 €: declined before the ledger, the order still payable.
request 15000
prepaid 6
log_has "declined: the balance is short" "sip: call 6: prepaid card payment not started"
log_has "call 6 ended" "sip: call 6 ended:"
exec 3>&-
check "request still pending" pending "$(state_of "$id")"
n=$(db "select count(*) from rejections j join payment_requests r on j.id = r.transfer_id where r.state = 0")
if [ "$n" = 0 ]; then ok; else bad "a refusal is kept under a pending order's payment id"; fi

# 7. A wallet caller hangs up right after keying the code: the payment completes once without
# the call, and the receipt goes by SMS.
request 900
call $P
log_has "wallet caller answered" "sip: call 7 from $P"
echo 3 >&3
log_has "reference asked" "sip: call 7 says ask_ref"
echo "$ref#" >&3
log_has "order found" "sip: call 7: order found"
echo '#' >&3
log_has "card asked" "sip: call 7 says ask_pan"
echo 4111111111111111# >&3
echo 1230 >&3
echo '6482!' >&3
exec 3>&-
log_has "call 7 ended" "sip: call 7 ended:"
log_has "the chain went on without the call" "sip: call 7 is gone: its card payment goes on"
check "request confirmed" confirmed "$(state_of "$id")"
n=$(db "select count(*) from outbox where dest = '$P' and text like 'Payé : 9,00 € à Boutique Zoé%carte ****1111.'")
if [ "$n" = 1 ]; then ok; else bad "no SMS receipt after the dropped call ($n)"; fi
n=$(db "select count(distinct t.seq) from transfers t join payment_requests r on t.id = r.transfer_id where r.amount_minor = 900")
if [ "$n" = 1 ]; then ok; else bad "paid $n times"; fi

stop
# No card number and no security code anywhere but the emboss file.
found=""
at_rest_files
for secret in 4111111111111111 4111111111111112 4000000000000002 7391 8264 9157 6482; do
  if at_rest_grep "$secret" || secret_in "$secret" "$dir/mandatd.log" \
    "$dir/acquirer.state" "$dir/raw.out" "$dir/m1"; then
    found="$found $secret"
  fi
done
if [ -z "$found" ]; then ok "no card number or security code at rest or in the logs"; else bad "card data found:$found"; fi
no_pan_outside "$dir/emboss.txt" "${at_rest[@]}" "${at_rest_long[@]}" "$dir/mandatd.log" "$dir/raw.out"
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
e2e_done sip_card
