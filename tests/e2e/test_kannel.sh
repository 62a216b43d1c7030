#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mandat behind a real Kannel (Debian's kannel 1.4.5): fakesmsc plays the phones and sends MOs to
# bearerbox's fake SMSC, smsbox forwards each one to mandatd's get-url endpoint (/kannel/mo) and
# sends the HTTP body back as the reply SMS, which fakesmsc prints. A whole conversation runs
# through it: enrolment in French and English, a payment confirmed by code, the euro sign in an
# MO both as UTF-8 text and as UCS-2 (recoded by smsbox's mo-recode), cancellations, a balance.
# Receipts to the payee wait in mandat's outbox in this version, so only the replies to the sender
# are checked; a redelivery cannot be provoked through Kannel and is covered by test_sms_http.sh.
# Skipped (exit 0) when Kannel is not installed: scripts/deps.sh installs kannel kannel-extras.
# Usage: test_kannel.sh MANDAT MANDATD   (KEEP=1 keeps the temporary directory and its logs)
set -euo pipefail
mandat=$1
mandatd=$2
here=$(cd "$(dirname "$0")" && pwd)

find_bin() { # NAME DIR...: the first executable NAME in PATH or in one of the DIRs
  local name=$1 d
  shift
  if command -v "$name" 2>/dev/null; then return 0; fi
  for d in "$@"; do
    if [ -x "$d/$name" ]; then echo "$d/$name"; return 0; fi
  done
  return 1
}
if ! bearerbox=$(find_bin bearerbox /usr/sbin /usr/local/sbin); then
  echo "kannel not installed: skipped (no bearerbox; scripts/deps.sh installs kannel kannel-extras)"
  exit 0
fi
smsbox=$(find_bin smsbox /usr/sbin /usr/local/sbin) || {
  echo "FAIL bearerbox found but not smsbox: install kannel"; exit 1; }
fakesmsc=$(find_bin fakesmsc /usr/lib/kannel/test /usr/local/lib/kannel/test) || {
  echo "FAIL bearerbox found but not fakesmsc: install kannel-extras"; exit 1; }

. "$here/lib.sh"
e2e_init kannel
# fakesmsc's stdin first: EOF makes it leave.
trap 'exec 7>&- 2>/dev/null || true; e2e_cleanup' EXIT
deadline=55 # seconds (bash SECONDS): the whole test stays under a minute

dump_logs() { # FILE...: the end of each non-empty log in the temporary directory
  local f
  for f in "$@"; do
    if [ -s "$dir/$f" ]; then
      echo "--- $f (last 15 lines)"
      tail -n 15 "$dir/$f"
    fi
  done
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS and never past the
# deadline of the whole test.
wait_for() {
  local limit=$((SECONDS + $1))
  shift
  if [ "$limit" -gt "$deadline" ]; then limit=$deadline; fi
  until "$@"; do
    if [ "$SECONDS" -ge "$limit" ]; then return 1; fi
    sleep 0.1
  done
}
started() { # NAME WHAT COMMAND...: wait_for 10 s or fail the whole test
  local name=$1 what=$2
  shift 2
  if ! wait_for 10 "$@"; then
    bad "$name did not start ($what)"
    dump_logs bearerbox.out smsbox.out fakesmsc.out
    e2e_done "kannel (${SECONDS} s)" || exit 1
  fi
}

# Kannel's four ports, distinct, held together while chosen: each is known before the process
# that binds it starts (mandatd and bearerbox call each other). mandatd's public port is 0.
read -r admin sbport smscport sendport < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
password="e2e-$RANDOM$RANDOM"
status_url="http://127.0.0.1:$admin/status.txt?password=$password"

iport=$(free_port) # Kannel's smsbox and the dlr_url below call it: known before start
e2e_conf 0 "[kannel]
sendsms_url = http://127.0.0.1:$sendport/cgi-bin/sendsms
username = mandat
password = $password
dlr_url = http://127.0.0.1:$iport/kannel/dlr
mo_secret = $ksecret
mo_allow = 127.0.0.1"
sed -e "s|@ADMIN_PORT@|$admin|g" -e "s|@ADMIN_PASSWORD@|$password|g" \
  -e "s|@SMSBOX_PORT@|$sbport|g" -e "s|@SMSC_PORT@|$smscport|g" \
  -e "s|@SENDSMS_PORT@|$sendport|g" -e "s|@MANDAT_PORT@|$iport|g" -e "s|@MANDAT_SECRET@|$ksecret|g" -e "s|@DIR@|$dir|g" \
  "$here/kannel/kannel.conf.in" >"$dir/kannel.conf"
if grep -q '@[A-Z_]*@' "$dir/kannel.conf"; then
  echo "FAIL placeholder left in kannel.conf:"; grep '@[A-Z_]*@' "$dir/kannel.conf"; exit 1
fi

"${M[@]}" init >/dev/null
"${M[@]}" association create TELETHON Téléthon >/dev/null # account 5: the first wallet is 6

start

# -v 1: info on the console too (the log files are at level 1).
"$bearerbox" -v 1 "$dir/kannel.conf" >"$dir/bearerbox.out" 2>&1 &
e2e_track $!
started bearerbox "admin status page" curl -sf -o /dev/null "$status_url"
"$smsbox" -v 1 "$dir/kannel.conf" >"$dir/smsbox.out" 2>&1 &
e2e_track $!
status_has() { # TEXT: bearerbox's status page contains TEXT
  local page
  page=$(curl -sf "$status_url" 2>/dev/null) && [[ "$page" == *"$1"* ]]
}
started smsbox "connected to bearerbox" status_has "smsbox:"

# fakesmsc in interactive mode: one MO per line read on stdin (a FIFO held open read-write on fd 7,
# so that neither side blocks), each MT printed as "Got message N: <from to type text>" (debug
# level, -v 0).
mkfifo "$dir/mo"
exec 7<>"$dir/mo"
"$fakesmsc" -H 127.0.0.1 -r "$smscport" -i 0 -v 0 <"$dir/mo" >"$dir/fakesmsc.out" 2>&1 &
e2e_track $!
started fakesmsc "fake SMSC online" status_has "FAKE:$smscport (online"

SHORT=71004
A=+33612345678
B=+33698765432
mts() { grep -c 'Got message [0-9]*: <' "$dir/fakesmsc.out" || true; }
more_mts() { [ "$(mts)" -gt "$1" ]; }

# url_decode TEXT: fakesmsc's "data" form (%XX and +), back to bytes.
url_decode() {
  local s=${1//+/ }
  printf '%b' "${s//%/\\x}"
}

# new_mt_to BEFORE TO: the first MT after the BEFORE-th one that is addressed to TO ("" if none).
new_mt_to() {
  grep 'Got message [0-9]*: <' "$dir/fakesmsc.out" | tail -n +"$(($1 + 1))" |
    sed 's/^.*Got message [0-9]*: <\(.*\)>$/\1/' | awk -v to="$2" '$2 == to { print; exit }'
}
has_mt_to() { [ -n "$(new_mt_to "$1" "$2")" ]; }

# expect_reply NAME FROM TYPE TEXT NEEDLE: FROM sends TEXT (fakesmsc type text or ucs2) to the short
# number; the next MT to FROM is one SMS from the short number whose text contains NEEDLE.
# (Receipts to other people, sent through Kannel's sendsms, may come in between.)
expect_reply() {
  local name=$1 from=$2 type=$3 text=$4 needle=$5 before line
  before=$(mts)
  printf '%s %s %s %s\n' "$from" "$SHORT" "$type" "$text" >&7
  if ! wait_for 8 has_mt_to "$before" "$from"; then
    bad "$name: no reply within 8 s (wanted \"$needle\")"
    return 0
  fi
  line=$(new_mt_to "$before" "$from")
  check_mt "$name" "$from" "$needle" "$line"
}

# check_mt NAME TO NEEDLE LINE: LINE is one plain SMS from the short number to TO with NEEDLE.
check_mt() {
  local name=$1 to=$2 needle=$3 line=$4 mfrom mto mtype body
  read -r mfrom mto mtype body <<<"$line"
  case "$mtype" in
  text) ;;
  data) body=$(url_decode "$body") ;;
  *) bad "$name: reply is not a single plain SMS: $line"; return 0 ;;
  esac
  if [ "$mfrom" != "$SHORT" ] || [ "$mto" != "$to" ]; then
    bad "$name: message from '$mfrom' to '$mto', wanted from $SHORT to $to: $line"
  elif [[ "$body" != *"$needle"* ]]; then
    bad "$name: wanted \"$needle\", got \"$body\""
  else
    ok
  fi
}

# ucs2 TEXT: TEXT in UTF-16BE, URL-encoded, as fakesmsc's "ucs2" type wants it.
ucs2() {
  python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1].encode("utf-16-be")))' "$1"
}

expect_reply "join" $A text "INSCRIPTION" "Bienvenue ! Choisissez votre code mandat"
expect_reply "code" $A text "CODE 483920" "Code enregistré"
expect_reply "join en" $B text "JOIN" "Welcome to mandat"
expect_reply "code en" $B text "CODE 271828" "Code saved"
"${M[@]}" transfer --kind topup --from 1 --to 6 --amount 100 >/dev/null
expect_reply "order" $A text "ENVOI 10 0698765432" "Envoyer 10,00 € à +33 6 98 .. .. 32 ?"
before_receipt=$(mts)
expect_reply "confirm" $A text "483920" "Envoyé : 10,00 € à +33 6 98 .. .. 32. Nouveau solde : 90,00 €."
# The payee's receipt goes out through Kannel's sendsms ([kannel] in mandat.conf).
if wait_for 8 has_mt_to "$before_receipt" "$B"; then
  check_mt "receipt by sendsms" "$B" "You received €10.00 from +33 6 .. .. 56 78. New balance: €10.00." \
    "$(new_mt_to "$before_receipt" "$B")"
else
  bad "receipt by sendsms: nothing reached $B within 8 s"
fi
# The euro sign in an MO: as UTF-8 in a text MO, and as UCS-2 (recoded to UTF-8 by smsbox).
expect_reply "euro utf-8" $A text "envoi 2,50€ 0698765432" "Envoyer 2,50 € à +33 6 98 .. .. 32 ?"
expect_reply "cancel" $A text "ANNULER" "Ordre annulé, rien n'a été débité."
expect_reply "euro ucs-2" $A ucs2 "$(ucs2 "envoi 3€ 0698765432")" "Envoyer 3,00 € à +33 6 98 .. .. 32 ?"
expect_reply "cancel ucs-2" $A text "annuler" "Ordre annulé"
expect_reply "balance" $A text "SOLDE" "Solde : 90,00 €."

# What mandat stored: the MOs in UTF-8 as sent, with Kannel's message id (%I) and time (%t).
q() { db "$1" 2>&1 || true; }
n=$(q "select count(*) from inbox where text in ('envoi 2,50€ 0698765432', 'envoi 3€ 0698765432')")
if [ "$n" = 2 ]; then ok; else bad "inbox: wanted both euro MOs stored in UTF-8, found $n"; fi
n=$(q "select count(*) from inbox where length(peer_id) <> 36 or peer_time_us = 0 or dest <> '$SHORT'")
if [ "$n" = 0 ]; then ok; else bad "inbox: $n MOs without Kannel's id, time or short number"; fi
if grep -q "483920\|271828" "$dir/mandatd.log"; then bad "a code reached mandatd's log"; else ok; fi

if [ "$fail" -ne 0 ]; then dump_logs bearerbox.log smsbox.log fakesmsc.out; fi
e2e_done "kannel (${SECONDS} s)"
