#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start mandatd on the embedded SQLite store with the sample config, creating the database (and
# a charity to donate to) on first use, and say what to try next. Used by `make run`. Everything
# it creates lives in var/: the database, the code vault's key, the card vault's key ring and
# the card maker's file. tests/e2e/test_run_walkthrough.sh runs it elsewhere and follows what it
# prints: MANDAT_RUN_DIR (var/), MANDAT_BIN (build/release), MANDAT_PORT (8710) and
# MANDAT_INTERNAL_PORT (8711) and MANDAT_SIP_PORT (5070, UDP and TCP) say where.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${MANDAT_BIN:-$top/build/release}
var=${MANDAT_RUN_DIR:-$top/var}
port=${MANDAT_PORT:-8710}
iport=${MANDAT_INTERNAL_PORT:-8711}
sport=${MANDAT_SIP_PORT:-5070}
mkdir -p "$var"
cd "$var"
# The sample config with the internal listener on loopback and the development pages on it
# (/dev/phone, /dev/mo and /dev/outbox for mandat sms and mandat phone), the test acquirer, and
# its files named by their full paths (so that the CLI works from any directory), remade at
# each start so that it follows docs/mandat.conf.
conf="$var/mandat.conf"
sed -e 's/^dev_mode = false$/dev_mode = true/' \
  -e "s/^listen = 127.0.0.1:8710\$/listen = 127.0.0.1:$port/" \
  -e "s/^internal_listen =\$/internal_listen = 127.0.0.1:$iport/" \
  -e 's/^kind = none$/kind = test/' -e 's/^fee = none$/fee = card_acquiring/' \
  -e "s|^state_file =\$|state_file = $var/acquirer.state|" \
  -e "s@^\(path\|key_file\|key_ring\|emboss_file\) = \([a-z.-]*\)\$@\1 = $var/\2@" \
  -e "/^\[sip\]/,/^\[/ s/^listen =\$/listen = 127.0.0.1:$sport/" \
  "$top/docs/mandat.conf" >"$conf"
# Top-ups by bank card go through the test acquirer, which charges 1.2 % + 0.10 EUR.
printf '\n[fee.card_acquiring]\ntype = percent\npayer = payer\ncurrency = EUR\npercent = 1.2\nfixed = 0.10\nmin = 0\nmax = none\n' >>"$conf"
mandat=("$bin/mandat" --config "$conf")

# A baresip config to call the phone channel ([sip] on 127.0.0.1:$sport, which allows 127.0.0.1)
# as +33612345678 with the sound card (ALSA's default device); keys typed in its terminal during
# the call go as RFC 4733 events.
mkdir -p "$var/baresip"
cat >"$var/baresip/config" <<CONF
poll_method epoll
sip_listen 127.0.0.1:$((sport + 1))
module_path /usr/lib/baresip/modules
module stdio.so
module g711.so
module alsa.so
module_app account.so
module_app menu.so
audio_player alsa,default
audio_source alsa,default
CONF
echo "<sip:+33612345678@127.0.0.1>;regint=0" >"$var/baresip/accounts"

if [ ! -f mandat.db ]; then
  "${mandat[@]}" init
  "${mandat[@]}" association create TELETHON Téléthon
fi

cat <<MSG

mandatd is starting on $var/mandat.db (config: $conf, the sample docs/mandat.conf with
dev_mode on and the test acquirer). Open http://127.0.0.1:$iport/dev/phone (the internal
listener) in a browser to text mandat as any number, or paste these lines in another terminal
(\$M sms NUMBER TEXT texts mandat and prints the answer; \$M phone NUMBER is an interactive
phone that also shows what arrives on its own):

  M="$bin/mandat --config $conf"
  \$M sms 0612345678 INSCRIPTION          # a wallet for a first phone...
  \$M sms 0612345678 CODE 483920          # ...and its 6-digit code
  \$M sms 0698765432 INSCRIPTION          # a second phone
  \$M sms 0698765432 CODE 271828
  \$M account list                        # the wallets INSCRIPTION opened: 6 and 7
  \$M transfer --kind topup --from 1 --to 6 --amount 100     # money enters from the bank
  \$M sms 0612345678 ENVOI 10 0698765432  # asks for the code,
  \$M sms 0612345678 483920               # which confirms it
  \$M sms 0612345678 DON 5 TELETHON       # a gift to the charity, with the code too
  \$M sms 0612345678 483920
  \$M phone 0698765432 </dev/null         # what the second phone received
  \$M statement 6                         # --json or --csv too
  \$M check                               # every invariant, including the journal chain
SOLDE, ANNULER, AIDE, LANG EN work too.

A prepaid card for the second phone, ordered and reloaded by the first (go on from above):

  \$M account tier 6 1                    # the sender's identity checked: 2 500 EUR a month
  \$M sms 0612345678 ALIMENTER 100        # a link: on its page pay with the test card
      # 4111 1111 1111 1111, expiry 12/30, CVV 123, and tick "keep this card"
  \$M sms 0612345678 CARTE COMMANDE       # a link: on its page the holder AICHA BENALI,
      # her mobile 0698765432, the name MAMAN, and your code 483920 (19,00 EUR from the wallet)
  cat $var/mandat-emboss.txt        # the card maker's line: number|expiry|holder|activation code
  IFS='|' read -r PAN EXP NAME CODE < <(tail -1 $var/mandat-emboss.txt)
  \$M sms 0698765432 ACTIVER \${PAN: -4} \$CODE     # the holder activates the card
  \$M sms 0612345678 RECHARGE MAMAN 60    # a reload from the wallet, with the code
  \$M sms 0612345678 483920
  \$M sms 0612345678 RECHARGE MAMAN 100 CB    # paid by the bank card kept on file, with the code
  \$M sms 0612345678 483920               # the bank card is charged, then the card credited:
  \$M phone 0612345678 </dev/null         # the receipt, a moment later (run it again if empty)
  \$M phone 0698765432 </dev/null         # the holder's receipts: +60,00 EUR, +100,00 EUR
  \$M sms 0698765432 SOLDE CARTE          # the holder's balance (SOLDE MAMAN for the sender)
  \$M card list                           # the card: BIN and last four digits only
  \$M check
The holder may activate on http://127.0.0.1:$port/activate instead (number, expiry and code
from the card maker's line). Without a card on file, RECHARGE MAMAN 100 CB answers with a link
to a page that takes a bank card; CB OUBLIER forgets the card on file; BLOQUER MAMAN blocks the
card. The operator issues cards too: \$M card issue --holder 'KARIM BENALI' --phone 0698765432
--emboss $var/cards.txt (the number goes only to that file), linked with CARTE AJOUT KARIM
<last four> <activation code>; an operator key (\$M merchant key 0) issues, lists, blocks and
replaces cards by the API (POST http://127.0.0.1:$port/v1/cards).

The merchant API: \$M merchant create Boutique --webhook-url http://127.0.0.1:9/hooks prints
an API key; then POST http://127.0.0.1:$port/v1/payment-requests (docs/openapi.yaml, served at
/openapi.json). Stop mandatd with Ctrl-C. To bind to an operator's SMSC, fill [smpp] in a copy
of the config; without it, messages come in through the Kannel-compatible endpoint on [http]
internal_listen (set [kannel] mo_secret for a real Kannel).
Pay by phone: once 0612345678 has a wallet and a code (above), call mandat with baresip (Debian
baresip-core) from another terminal, as +33612345678, with $var/baresip's config:

  baresip -f $var/baresip -e "/dial sip:mandat@127.0.0.1:$sport"

and key in baresip's terminal: 1 the balance, 2 send money (number #, amount # with * for the
decimal point, then your code), 3 pay an order (a payment request's phone_ref #), 4 give,
9 English, * repeats; q quits baresip. The prompts are spoken (espeak-ng), in French first.
Not built yet: card payments by phone, the ISO 8583 issuer host, the PostgreSQL store.

MSG
exec "$bin/mandatd" --config "$conf"
