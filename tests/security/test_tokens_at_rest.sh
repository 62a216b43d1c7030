#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attack on secrets at rest: a thief with a copy of the database, its WAL and the log must find
# no live link token (DESIGN.md). Links are sent by every flow that has one (an enrolment by SMS,
# a merchant's payment request, a social account link and a post's order); each token is read
# from what the phone or the network received, then searched for in those files (hex in either
# case, its raw bytes, base64), while the link still opens (200) and its flow completes. A
# kill -9 while a link waits in the outbox (for the dev phone; sent to an SMSC that never
# answered): after the restart the message still goes out with a working link. The one-time code sent by SMS to link a social account is not kept in clear
# either. An upgrade scrubs the tokens an older version left in clear.
# Usage: test_tokens_at_rest.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init tokens

standin
e2e_conf 0 "[social]
handle = @mandat
mastodon_url = $S
mastodon_token = mastotoken
mastodon_poll = 300
retry_min = 1"

status_of() { curl -s -o /dev/null -w '%{http_code}' "$H$1"; }

# at_rest NAME TOKEN: the token is nowhere in the store's files (lib.sh's at_rest_files: SQLite's
# database and WAL, or PostgreSQL's dump, table files and WAL) or the log: not as hex (any case),
# not as its 16 raw bytes, not as base64 of either.
at_rest() {
  local name=$1 tok=$2 found
  if [ ${#tok} -ne 32 ]; then bad "$name: no token to look for"; return; fi
  at_rest_files
  found=$(python3 - "$tok" "${at_rest[@]}" "${at_rest_long[@]}" "$dir/mandatd.log" <<'PY'
import base64, os, sys
tok = sys.argv[1]
raw = bytes.fromhex(tok)
text = [tok.encode(), base64.b64encode(raw).rstrip(b"=")[:20].lower(),
        base64.b64encode(tok.encode()).rstrip(b"=")[:40].lower()]
found = []
for f in sys.argv[2:]:
    if os.path.isfile(f):
        data = open(f, "rb").read()
        low = data.lower()
        if raw in data or any(t in low for t in text):
            found.append(os.path.basename(f))
print(" ".join(found))
PY
)
  if [ -z "$found" ]; then ok; else bad "$name: token $tok at rest in: $found"; fi
}

"${M[@]}" init >/dev/null
"${M[@]}" merchant create Boutique Zoé >"$dir/m1"
KEY=$(sed -n 's/^api key: //p' "$dir/m1")
# A database as the version before this one left it: texts with tokens in clear, which the
# upgrade scrubs (migration 8) without leaving their bytes in free space or in the WAL.
old=0123456789abcdef0123456789abcdef
oldH=http://127.0.0.1:8710 # the address of the mandatd that wrote them
# On PostgreSQL no store predates migration 18 (its migrations 7 and 8 have no rows to rewrite:
# docs/postgres.md), so there is no older version's store to upgrade: the next three checks are
# SQLite's.
# Back to schema 7: undo migration 8 and every later one (9: webhooks.last_error, 10: below, 11: inbox.doubt_key,
# 12: the cards' tables, 13: card_topups and acquirer_ops, 14: card_files, 15: card_orders,
# 16: card_topups' columns of a card's reload, gone with the table, 17: iso_requests, card_pins
# and fx_rates).
if [ -z "$pg_schema" ] && [ "$(db "PRAGMA user_version")" -gt 7 ]; then
  # Undo the later migrations too (10: the customers' name and last order), so that the
  # upgrade replays them.
  for c in name last_payee last_amount_minor last_kind last_ref last_done_us; do
    if [ "$(db "SELECT count(*) FROM pragma_table_info('customers') WHERE name = '$c'")" = 1 ]; then
      db "ALTER TABLE customers DROP COLUMN $c;"
    fi
  done
  db "ALTER TABLE outbox DROP COLUMN link_seal; ALTER TABLE webhooks DROP COLUMN last_error;
    ALTER TABLE inbox DROP COLUMN doubt_key;
    DROP TABLE card_aliases; DROP TABLE cards; DROP TABLE card_pans; DROP TABLE IF EXISTS card_topups;
    DROP TABLE IF EXISTS acquirer_ops; DROP TABLE IF EXISTS card_files; DROP TABLE IF EXISTS card_orders;
    DROP TABLE IF EXISTS iso_requests; DROP TABLE IF EXISTS card_pins; DROP TABLE IF EXISTS fx_rates;
    PRAGMA user_version = 7;"
fi
if [ -z "$pg_schema" ]; then
  db "INSERT INTO outbox(id, channel, state, attempts, source, dest, peer_id, final_state, next_try_us,
    created_us, text) VALUES(randomblob(16), 1, 1, 1, '71004', '+33611111111', 'x', '', 0, 0,
    'Bienvenue ! $oldH/enrol/$old (ou CODE)');
  INSERT INTO inbox(id, channel, peer_id, source, dest, text, peer_time_us, received_us, done)
    VALUES(randomblob(16), 1, '', '+33611111111', '71004', 'voici $oldH/c/$old', 0, 0, 1);"
fi
start
H=$base
if [ -z "$pg_schema" ]; then
  at_rest "old texts scrubbed on upgrade" "$old"
  expect "old outbox text keeps the rest" "Bienvenue ! $oldH/enrol/[token] (ou CODE)" db "SELECT text FROM outbox"
  expect "old inbox text keeps the rest" "voici $oldH/c/[token]" db "SELECT text FROM inbox"
fi

# ---- an enrolment by SMS: the link in the answer (Kannel's get-url body) ----
P=0612345678
out=$("${M[@]}" sms $P INSCRIPTION)
et=$(echo "$out" | token_in /enrol)
[ -n "$et" ] && ok || bad "enrol: no link in: $out"
at_rest "enrol link" "$et"
expect "enrol page" "200" status_of "/enrol/$et"
csrf=$(csrf_of "/enrol/$et")
expect "enrol: code set" "Code enregistré" curl -s --data "csrf=$csrf&code=483920&again=483920" "$H/enrol/$et"
at_rest "enrol link used" "$et"
acct=$(db "SELECT account_id FROM customers WHERE phone='+33612345678'")
"${M[@]}" transfer --kind topup --from 1 --to "$acct" --amount 100 >/dev/null

# ---- a merchant's payment request: queued for the phone, read from the dev outbox ----
api_request() { # REFERENCE: prints the new request's id
  curl -s -X POST "$H/v1/payment-requests" -H "Authorization: Bearer $KEY" \
    -H "Idempotency-Key: $1" -d '{"amount":1500,"payer":"'$P'","reference":"'"$1"'"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
state_of() {
  curl -s "$H/v1/payment-requests/$1" -H "Authorization: Bearer $KEY" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'
}
# A first request waits for the payer's code (its SMS has no link: the code answers it); while it
# waits, every later request comes with a link to its page: those links are the tokens here.
R0=$(api_request order-0)
eventually "code request queued" "order-0" db "SELECT text FROM outbox WHERE state = 0"
R1=$(api_request order-1)
expect "queued with a seal" "1" db "SELECT count(*) FROM outbox WHERE state = 0 AND link_seal IS NOT NULL"
expect "queued text shows the marker" "/c/[token]" db "SELECT text FROM outbox WHERE state = 0"
out=$("${M[@]}" phone $P </dev/null)
ct=$(echo "$out" | token_in /c)
[ -n "$ct" ] && ok || bad "request: no link in: $out"
at_rest "request link" "$ct"
expect "request page" "200" status_of "/c/$ct"
csrf=$(csrf_of "/c/$ct")
curl -s --data "csrf=$csrf&code=483920" "$H/c/$ct" >/dev/null
eventually "request paid on the page" "confirmed" state_of "$R1"
eventually "seal dropped once read" "0" db "SELECT count(*) FROM outbox WHERE link_seal IS NOT NULL"
# The person pastes the link back by SMS: the inbox does not keep it.
"${M[@]}" sms $P "ce lien $H/c/$ct ?" >/dev/null
at_rest "request link pasted back" "$ct"
if "${M[@]}" sms $P SOLDE | grep -q -F "$ct"; then bad "an answer echoes the token"; else ok; fi
# The payer declines the first request: no order waits while they pay by post below.
expect "code request declined" "refusée" "${M[@]}" sms $P ANNULER

# ---- social: an account link and a post's order, sent as direct messages ----
p=$(mention alice "@mandat ouvrir")
eventually "social: link sent" "/link/" answer_to "$p"
lt=$(answer_to "$p" | token_in /link)
at_rest "social link" "$lt"
expect "social link page" "200" status_of "/link/$lt"
csrf=$(csrf_of "/link/$lt")
expect "social: otp sent" "Code reçu par SMS" curl -s --data "csrf=$csrf&step=phone&phone=06+12+34+56+78" "$H/link/$lt"
otp=$("${M[@]}" phone $P </dev/null | grep -o 'vérification mandat : [0-9]\{6\}' | grep -o '[0-9]\{6\}' || true)
[ -n "$otp" ] && ok || bad "social: no one-time code by SMS"
# The one-time code by SMS is not kept in clear either: its row shows a mask.
expect "otp masked" "vérification mandat : ******" db "SELECT text FROM outbox WHERE text LIKE '%vérification%'"
expect "otp not stored" "0" db "SELECT count(*) FROM outbox WHERE text LIKE '%$otp%'"
at_rest_files
if at_rest_grep "$otp, pour relier" || grep -a -q -F "$otp, pour relier" "$dir/mandatd.log"; then
  bad "otp at rest in a file"
else ok; fi
expect "social: linked" "est relié à votre compte mandat" curl -s --data "csrf=$csrf&step=finish&otp=$otp&code=483920&again=483920" "$H/link/$lt"
at_rest "social link used" "$lt"
p=$(mention alice "@mandat #envoyer 5€ @bob")
eventually "social: order link" "/o/" answer_to "$p"
ot=$(answer_to "$p" | token_in /o)
at_rest "order link" "$ot"
expect "order page" "200" status_of "/o/$ot"
csrf=$(csrf_of "/o/$ot")
expect "order: confirmed" "Envoyé : 5,00 €" curl -s --data "csrf=$csrf&code=483920" "$H/o/$ot"
at_rest "order link used" "$ot"

# ---- kill -9 while a link waits in the outbox; the restarted daemon still sends it ----
R20=$(api_request order-20) # waits for the code, so that the next ones come with links
eventually "code request queued again" "order-20" db "SELECT text FROM outbox WHERE state = 0"
R2=$(api_request order-2)
eventually "second request queued" "1" db "SELECT count(*) FROM outbox WHERE state = 0 AND link_seal IS NOT NULL"
crash
start
out=$("${M[@]}" phone $P </dev/null)
ct2=$(echo "$out" | token_in /c)
[ -n "$ct2" ] && ok || bad "after restart: no link in: $out"
at_rest "request link across a crash" "$ct2"
expect "request page after restart" "200" status_of "/c/$ct2"
csrf=$(csrf_of "/c/$ct2")
curl -s --data "csrf=$csrf&code=483920" "$H/c/$ct2" >/dev/null
eventually "paid after restart" "confirmed" state_of "$R2"

# ---- the same through an SMSC that took a submit_sm and never answered it ----
stop
smsc smsc
C="http://127.0.0.1:$smsc_cport"
e2e_conf "$port" "[smpp]
host = 127.0.0.1
port = $smsc_sport
system_id = mandat
password = secret"
smsc_mode() { curl -s -X POST "$C/mode" -d "$1" >/dev/null; }
# The parts of every submit_sm to P the SMSC got, answered or not, joined in order (ALL); or
# only the messages it accepted.
mt_to_p() {
  curl -s "$C/mt?since=0&limit=1000" | python3 -c '
import json, sys
r = json.load(sys.stdin)
if sys.argv[1] == "all":
    print("".join(m["text"] or "" for m in r["mt"] if m["to"].lstrip("+") == "33612345678"))
else:
    print("\n".join(m["text"] for m in r["messages"] if m["to"].lstrip("+") == "33612345678"))' "$1"
}
start
eventually "bound" '"system_id":"mandat"' curl -s "$C/binds"
smsc_mode '{"drop_next_submit_resp": 100}'
R3=$(api_request order-3)
eventually "submitted, unanswered" "/c/" mt_to_p all
ct3=$(mt_to_p all | token_in /c)
if [ -n "$ct3" ] && ! mt_to_p accepted | grep -q -F "$ct3"; then ok; else
  bad "the SMSC answered a submit_sm it should not have"
fi
at_rest "request link sent, not accepted" "$ct3"
expect "still queued, sealed" "1" db "SELECT count(*) FROM outbox WHERE state = 0 AND link_seal IS NOT NULL"
crash
smsc_mode '{"drop_next_submit_resp": 0}'
curl -s -X POST "$C/drop" >/dev/null
start
eventually "sent again after restart" "$ct3" mt_to_p accepted
expect "request page after restart (smpp)" "200" status_of "/c/$ct3"
csrf=$(csrf_of "/c/$ct3")
curl -s --data "csrf=$csrf&code=483920" "$H/c/$ct3" >/dev/null
eventually "paid after restart (smpp)" "confirmed" state_of "$R3"
eventually "seal dropped once the SMSC accepted" "0" db "SELECT count(*) FROM outbox WHERE link_seal IS NOT NULL"

# After a clean stop too (the WAL checkpointed into the database): still nothing.
stop
# (The old token only on SQLite: PostgreSQL never had it, and its WAL holds other tests' rows.)
tokens=("$et" "$ct" "$lt" "$ot" "$ct2" "$ct3")
if [ -z "$pg_schema" ]; then tokens+=("$old"); fi
for t in "${tokens[@]}"; do at_rest "after stop" "$t"; done

e2e_done tokens_at_rest
