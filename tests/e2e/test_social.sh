#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Pay and donate by social post, against a real mandatd and a stand-in Mastodon and X API
# (tests/e2e/social_standin.js), with X webhook events signed here by openssl: the CRC, bad
# signatures (401, nothing recorded), posts that are not commands (no reply), an unlinked
# account, linking with a one-time code by SMS, a payment to a handle with no wallet (held,
# public invitation, collected once linked), English, a duplicate event, a leaked code, a 429
# honoured, and campaign totals under concurrent donations. Usage: test_social.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init social

standin
e2e_conf 0 "[sms]
claim_period = 600
[social]
handle = @mandat
x_consumer_secret = xsecret-for-tests
x_api = $S
x_bearer_token = xtoken
x_user_id = 999
mastodon_url = $S
mastodon_token = mastotoken
mastodon_poll = 300
retry_min = 1"

statuses() { curl -s "$S/__statuses"; }

"${M[@]}" init >/dev/null
"${M[@]}" association create ACF "Action contre la Faim" >/dev/null
"${M[@]}" campaign create '#FAIM2026' ACF "Contre la faim 2026" >/dev/null
start
H=$base

# ---- X: the CRC challenge and signatures ----
want=$(printf '%s' 'challenge123' | openssl dgst -sha256 -hmac xsecret-for-tests -binary | base64)
expect "crc" "\"response_token\":\"sha256=$want\"" curl -s "$H/social/x/webhook?crc_token=challenge123"
xevent() { # ID FROM FROM_ID TEXT
  python3 -c 'import json,sys; print(json.dumps({"for_user_id":"999","tweet_create_events":[{"id_str":sys.argv[1],"created_at":"Mon Nov 23 10:00:00 +0000 2026","text":sys.argv[4],"user":{"id_str":sys.argv[3],"screen_name":sys.argv[2]},"entities":{"user_mentions":[{"screen_name":"mandat","id_str":"999"}]}}]}, separators=(",",":")))' "$@"
}
xpost() { # BODY [SIGNATURE]: POST the event, print the status
  local sig=${2:-sha256=$(printf '%s' "$1" | openssl dgst -sha256 -hmac xsecret-for-tests -binary | base64)}
  curl -s -o /dev/null -w '%{http_code}' -H "x-twitter-webhooks-signature: $sig" \
    -H 'Content-Type: application/json' --data-binary "$1" "$H/social/x/webhook"
}
before=$(db "SELECT count(*) FROM inbox")
ev=$(xevent 1800000000000000001 carol 4242 "@mandat envoie 5€ à @dave")
expect "bad signature" "401" xpost "$ev" "sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
expect "no signature" "401" curl -s -o /dev/null -w '%{http_code}' --data-binary "$ev" "$H/social/x/webhook"
expect "nothing recorded" "$before" db "SELECT count(*) FROM inbox"
expect "signed event" "200" xpost "$ev"
expect "signed event again" "200" xpost "$ev"
eventually "x public reply" '"in_reply_to_tweet_id":"1800000000000000001"' curl -s "$S/__x"
expect "x not linked" "Reliez d'abord ce compte à mandat" curl -s "$S/__x"
# A later post answered proves the duplicate would have been answered by now.
expect "later event" "200" xpost "$(xevent 1800000000000000002 carol 4242 "@mandat solde")"
eventually "later event answered" '"in_reply_to_tweet_id":"1800000000000000002"' curl -s "$S/__x"
expect "duplicate answered once" "1" sh -c "curl -s $S/__x | grep -o '1800000000000000001' | wc -l"
expect "x bad json" "400" xpost '{"tweet_create_events":[{"id_str":5}]}'

# ---- Mastodon: not commands, unlinked, linking ----
p0=$(mention alice "@mandat merci pour tout, super service")
p=$(mention alice "@mandat envoie 10€ à @bob")
eventually "unlinked: public" "public|@alice Reliez d'abord ce compte à mandat : écrivez « @mandat ouvrir »." answer_to "$p"
# The later mention is answered: the earlier one was read, and got no answer.
[ -z "$(answer_to "$p0")" ] && ok || bad "a post that is not a command was answered"
p=$(mention alice "@mandat ouvrir")
eventually "open: direct link" "direct|@alice Pour relier @alice à un compte mandat, ouvrez ce lien" answer_to "$p"
lt=$(answer_to "$p" | token_in /link)
[ -n "$lt" ] || { tail -20 "$dir/mandatd.log"; tail -3 "$dir/standin.log" | cut -c1-400; exit 1; }
[ -n "$lt" ] && ok || bad "no link token"
A=0612345678
csrf=$(csrf_of "/link/$lt")
expect "link: phone form" "Numéro de mobile" curl -s "$H/link/$lt"
expect "link: otp sent" "Code reçu par SMS au" curl -s --data "csrf=$csrf&step=phone&phone=06+12+34+56+78" "$H/link/$lt"
otp=$("${M[@]}" phone $A </dev/null | grep -o 'vérification mandat : [0-9]\{6\}' | grep -o '[0-9]\{6\}')
[ -n "$otp" ] && ok || bad "no one-time code by SMS"
expect "link: wrong otp" "Code de vérification incorrect. Encore 4 essai(s)." curl -s --data "csrf=$csrf&step=finish&otp=000000&code=483920&again=483920" "$H/link/$lt"
expect "link: weak code" "suite" curl -s --data "csrf=$csrf&step=finish&otp=$otp&code=123456&again=123456" "$H/link/$lt"
expect "link: cross-site refused" "Formulaire refusé" curl -s -H 'Origin: https://evil.example' --data "csrf=$csrf&step=finish&otp=$otp&code=483920&again=483920" "$H/link/$lt"
expect "link: done" "est relié à votre compte mandat" curl -s --data "csrf=$csrf&step=finish&otp=$otp&code=483920&again=483920&show_name=1" "$H/link/$lt"
expect "link: single use" "Lien invalide" curl -s "$H/link/$lt"
eventually "link: notice by SMS" "Votre numéro est relié au compte @alice" "${M[@]}" phone $A </dev/null
acct=$(db "SELECT account_id FROM customers WHERE phone='+33612345678'")
"${M[@]}" transfer --kind topup --from 1 --to "$acct" --amount 100 >/dev/null
p=$(mention alice "@mandat ouvrir")
eventually "already linked" "direct|@alice @alice est déjà relié au compte mandat +33 6 12" answer_to "$p"

# ---- a payment to a handle with no wallet: held, invitation, collected ----
p=$(mention alice "@mandat #envoyer 20€ @bob")
eventually "order: direct link" "Envoyer 20,00 € à @bob (sans compte : gardé 10 min pour lui" answer_to "$p"
ot=$(answer_to "$p" | token_in /o)
[ -n "$ot" ] && ok || bad "no order token"
expect "order page" "Confirmer votre envoi" curl -s "$H/o/$ot"
csrf=$(csrf_of "/o/$ot")
expect "order: wrong code" "Code incorrect. Encore 4 essai(s)." curl -s --data "csrf=$csrf&code=111111" "$H/o/$ot"
expect "order: confirmed" "Envoyé : 20,00 € à @bob." curl -s --data "csrf=$csrf&code=483920" "$H/o/$ot"
eventually "invitation is public" "public|@bob @alice vous envoie de l'argent avec mandat. Pour le recevoir, écrivez « @mandat ouvrir » sous 10 min." answer_to "$p"
if answer_to "$p" | grep '^public' | grep -q '20'; then bad "the public invitation names the amount"; else ok; fi
expect "payer receipt is direct" "direct|@alice Envoyé : 20,00 € à @bob, gardé" answer_to "$p"
p=$(mention bob "@mandat open")
eventually "bob: link (en)" "direct|@bob To link @bob to a mandat wallet" answer_to "$p"
lt=$(answer_to "$p" | token_in /link)
[ -n "$lt" ] || { tail -20 "$dir/mandatd.log"; tail -3 "$dir/standin.log" | cut -c1-400; exit 1; }
B=0698765432
csrf=$(csrf_of "/link/$lt")
curl -s --data "csrf=$csrf&step=phone&phone=$B" "$H/link/$lt" >/dev/null
otp=$("${M[@]}" phone $B </dev/null | grep -o 'verification code: [0-9]\{6\}' | grep -o '[0-9]\{6\}')
expect "bob: linked, new wallet" "is linked to your mandat wallet" curl -s --data "csrf=$csrf&step=finish&otp=$otp&code=271828&again=271828" "$H/link/$lt"
eventually "bob collects" "€20.00 from" "${M[@]}" phone $B </dev/null
eventually "alice told" "@bob s'est inscrit : vos 20,00 € sont sur son compte" "${M[@]}" phone $A </dev/null

# ---- English, a payment between linked accounts ----
p=$(mention bob "@mandat pay @alice 2 EUR for pizza")
eventually "en order" "direct|@bob Send €2.00 to @alice? Confirm with your code within 5 min" answer_to "$p"
ot=$(answer_to "$p" | token_in /o)
csrf=$(csrf_of "/o/$ot")
expect "en confirmed" "Sent: €2.00 to @alice." curl -s --data "csrf=$csrf&code=271828" "$H/o/$ot"
eventually "payee receipt by SMS" "2,00 € de @bob arrivés sur votre compte" "${M[@]}" phone $A </dev/null
p=$(mention bob "@mandat pay @alice")
eventually "hint is public" "public|@bob Amount missing" answer_to "$p"
p=$(mention bob "@mandat balance")
eventually "balance is direct" "direct|@bob Balance: €18.00" answer_to "$p"

# ---- a leaked code ----
p=$(mention alice "@mandat mon code c'est 483 920 lol")
eventually "leak: told in private" "direct|@alice Votre code mandat est apparu dans un message public" answer_to "$p"
if answer_to "$p" | grep -q '^public'; then bad "a leak was answered in public"; else ok; fi
expect "leak: code cleared" "Choisissez d'abord votre code" "${M[@]}" sms $A ENVOI 1 $B
[ "$(db "SELECT count(*) FROM inbox WHERE text LIKE '%483%920%'")" = 0 ] && ok || bad "the leaked code is stored"

# ---- a 429 is honoured ----
curl -s -X POST --data '{"api":"mastodon","count":2,"seconds":3}' "$S/__ratelimit" >/dev/null
p=$(mention bob "@mandat solde")
eventually "after 429" "direct|@bob Solde" answer_to "$p"
if grep -q '"early":true' "$dir/standin.log"; then bad "mandat called again before the rate-limit reset"; else ok; fi
expect "429 logged" "answered 429" cat "$dir/mandatd.log"

# ---- campaign totals under concurrent donations ----
for i in 1 2 3 4 5 6; do
  n=06000000$((10 + i))
  "${M[@]}" sms $n INSCRIPTION >/dev/null
  "${M[@]}" sms $n CODE 50505$i >/dev/null
  a=$(db "SELECT account_id FROM customers WHERE phone='+336000000$((10 + i))'")
  "${M[@]}" transfer --kind topup --from 1 --to "$a" --amount 50 >/dev/null
done
donors=()
for i in 1 2 3 4 5 6; do
  ( n=06000000$((10 + i)); "${M[@]}" sms $n DON $i FAIM2026 >/dev/null; "${M[@]}" sms $n 50505$i >/dev/null ) &
  donors+=($!)
done
p=$(mention bob "@mandat give 4€ #FAIM2026")
eventually "donation post" "Give €4.00 to Contre la faim 2026? Confirm" answer_to "$p"
ot=$(answer_to "$p" | token_in /o)
csrf=$(csrf_of "/o/$ot")
expect "donation confirmed" "Thank you! €4.00 given to Contre la faim 2026." curl -s --data "csrf=$csrf&code=271828" "$H/o/$ot"
wait "${donors[@]}"
eventually "campaign total" '"total":2500' curl -s "$H/campaigns/faim2026.json"
expect "campaign donations" '"donations":7' curl -s "$H/campaigns/faim2026.json"
expect "donor names: none without opt-in" '"donors":[]' curl -s "$H/campaigns/faim2026.json"

# ---- a rename on X: the link follows the account's id, not its old handle ----
xdm_to() { # PARTICIPANT: the direct messages mandat sent them on X, one a line
  curl -s "$S/__x" | python3 -c '
import json, sys
print("\n".join(m["text"] for m in json.load(sys.stdin) if m["kind"] == "dm" and m["participant_id"] == sys.argv[1]))' "$1"
}
xlink() { # POST_ID NAME USER_ID PHONE CODE: the X account posts "ouvrir" and links a new wallet
  local lt csrf otp
  expect "$2 open" "200" xpost "$(xevent "$1" "$2" "$3" "@mandat ouvrir")"
  eventually "$2 link by DM" "/link/" xdm_to "$3"
  lt=$(xdm_to "$3" | token_in /link)
  csrf=$(csrf_of "/link/$lt")
  curl -s --data "csrf=$csrf&step=phone&phone=$4" "$H/link/$lt" >/dev/null
  otp=$("${M[@]}" phone "$4" </dev/null | grep -o 'vérification mandat : [0-9]\{6\}' | grep -o '[0-9]\{6\}')
  expect "$2 linked" "est relié à votre compte mandat" curl -s --data "csrf=$csrf&step=finish&otp=$otp&code=$5&again=$5" "$H/link/$lt"
}
xlink 1800000000000000101 carol 4242 0655443322 594061
expect "x renamed: known by id" "200" xpost "$(xevent 1800000000000000102 carol_new 4242 "@mandat solde")"
eventually "x renamed: balance by DM" "Solde : 0,00" xdm_to 4242
expect "x renamed: one row, new handle" "x:carol_new" db "SELECT address FROM social_links WHERE user_id = '4242'"
expect "x old handle taken by another" "200" xpost "$(xevent 1800000000000000103 carol 5151 "@mandat solde")"
eventually "x newcomer: not linked, in public" '"in_reply_to_tweet_id":"1800000000000000103"' curl -s "$S/__x"
[ -z "$(xdm_to 5151)" ] && ok || bad "the newcomer under an old handle got a direct message: $(xdm_to 5151)"
expect "x newcomer: told to link" "Reliez d'abord ce compte" sh -c "curl -s $S/__x | grep -o '\"text\":\"[^\"]*\",\"in_reply_to_tweet_id\":\"1800000000000000103\"'"
stop
start
expect "x after restart: still by id" "200" xpost "$(xevent 1800000000000000104 carol_new 4242 "@mandat balance")"
eventually "x after restart: balance by DM" "Balance: €0.00" xdm_to 4242

# ---- payees found by the id the post gives, not by who last linked the handle ----
xpay() { # ID FROM FROM_ID TEXT PAYEE PAYEE_ID: an event whose mentions give the payee's id
  python3 -c 'import json,sys; print(json.dumps({"for_user_id":"999","tweet_create_events":[{"id_str":sys.argv[1],"text":sys.argv[4],"user":{"id_str":sys.argv[3],"screen_name":sys.argv[2]},"entities":{"user_mentions":[{"screen_name":"mandat","id_str":"999"},{"screen_name":sys.argv[5],"id_str":sys.argv[6]}]}}]}, separators=(",",":")))' "$@"
}
D=0677889900
xlink 1800000000000000201 dave 6001 $D 602817
cacct=$(db "SELECT account_id FROM customers WHERE phone='+33655443322'")
"${M[@]}" transfer --kind topup --from 1 --to "$cacct" --amount 20 >/dev/null
# dave renamed himself dave2 and has not posted since: a payment to @dave2 reaches him.
expect "pay renamed" "200" xpost "$(xpay 1800000000000000202 carol_new 4242 "@mandat envoie 2€ à @dave2" dave2 6001)"
eventually "pay renamed: order" "Envoyer 2,00 € à @dave2 ?" xdm_to 4242
ot=$(xdm_to 4242 | token_in /o)
csrf=$(csrf_of "/o/$ot")
expect "pay renamed: sent" "Envoyé : 2,00 € à @dave2." curl -s --data "csrf=$csrf&code=594061" "$H/o/$ot"
eventually "pay renamed: dave paid" "2,00 € de @carol_new" "${M[@]}" phone $D </dev/null
expect "pay renamed: link moved" "x:dave2" db "SELECT address FROM social_links WHERE user_id = '6001'"
# dave renamed again (dave3) and eve took dave2: a payment to eve's @dave2 is not dave's.
expect "pay new holder" "200" xpost "$(xpay 1800000000000000203 carol_new 4242 "@mandat envoie 1€ à @dave2" dave2 6003)"
eventually "pay new holder: held" "Envoyer 1,00 € à @dave2 (sans compte" xdm_to 4242
ot=$(xdm_to 4242 | token_in /o)
csrf=$(csrf_of "/o/$ot")
expect "pay new holder: sent" "Envoyé : 1,00 € à @dave2" curl -s --data "csrf=$csrf&code=594061" "$H/o/$ot"
eventually "pay new holder: invited" "@dave2 @carol_new vous envoie de l'argent" curl -s "$S/__x"
expect "old link aside" "x:#6001" db "SELECT address FROM social_links WHERE user_id = '6001'"
expect "dave3 posts: found by id" "200" xpost "$(xevent 1800000000000000204 dave3 6001 "@mandat solde")"
eventually "dave3: balance by DM" "Solde : 2,00" xdm_to 6001
# That later answer came after the payment to eve's @dave2 was done: had it been dave's, he
# would have been told by SMS before.
if "${M[@]}" phone $D </dev/null | grep -q '1,00 € de @carol_new'; then bad "dave got eve's money"; else ok; fi
expect "dave3: link renamed" "x:dave3" db "SELECT address FROM social_links WHERE user_id = '6001'"

# ---- the books ----
expect "check" "ok" "${M[@]}" check
no_secrets "log" '483920|271828|594061|602817|xsecret|mastotoken|xtoken'
if [ "$fail" -ne 0 ]; then echo "--- stand-in requests"; tail -5 "$dir/standin.log" | cut -c1-300; fi
e2e_done social
