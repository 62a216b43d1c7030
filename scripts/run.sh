#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start mandatd on the embedded SQLite store with the sample config, creating the database (and
# a charity to donate to) on first use, and say what to try next. Used by `make run`. Everything
# it creates lives in var/: the database and the code vault's key.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/release"
mkdir -p "$top/var"
cd "$top/var"
# The sample config with the internal listener on loopback and the development pages on it
# (/dev/phone, /dev/mo and /dev/outbox for mandat sms and mandat phone),
# remade at each start so that it follows docs/mandat.conf.
conf="$top/var/mandat.conf"
sed -e 's/^dev_mode = false$/dev_mode = true/' \
  -e 's/^internal_listen =$/internal_listen = 127.0.0.1:8711/' \
  -e 's/^kind = none$/kind = test/' -e 's/^fee = none$/fee = card_acquiring/' \
  -e "s|^state_file =\$|state_file = $top/var/acquirer.state|" \
  -e '/^\[sip\]/,/^\[/ s/^listen =$/listen = 127.0.0.1:5070/' "$top/docs/mandat.conf" >"$conf"
# Top-ups by bank card go through the test acquirer, which charges 1.2 % + 0.10 EUR.
printf '\n[fee.card_acquiring]\ntype = percent\npayer = payer\ncurrency = EUR\npercent = 1.2\nfixed = 0.10\nmin = 0\nmax = none\n' >>"$conf"
mandat=("$bin/mandat" --config "$conf")

# A baresip config to call the phone channel ([sip] on 127.0.0.1:5070, which allows 127.0.0.1)
# as +33612345678 with the sound card (ALSA's default device); keys typed in its terminal during
# the call go as RFC 4733 events.
mkdir -p "$top/var/baresip"
cat >"$top/var/baresip/config" <<CONF
poll_method epoll
sip_listen 127.0.0.1:5071
module_path /usr/lib/baresip/modules
module stdio.so
module g711.so
module alsa.so
module_app account.so
module_app menu.so
audio_player alsa,default
audio_source alsa,default
CONF
echo "<sip:+33612345678@127.0.0.1>;regint=0" >"$top/var/baresip/accounts"

if [ ! -f mandat.db ]; then
  "${mandat[@]}" init
  "${mandat[@]}" association create TELETHON Téléthon
fi

cat <<MSG

mandatd is starting on $top/var/mandat.db (config: var/mandat.conf, docs/mandat.conf with
dev_mode on). Open http://127.0.0.1:8711/dev/phone (the internal listener) in a browser to text mandat as any number,
or, in another terminal, from $top/var:

  M="$bin/mandat --config $conf"
  \$M phone 0612345678        # an interactive phone: type INSCRIPTION, then CODE 483920
  \$M phone 0698765432        # a second phone, in a third terminal: INSCRIPTION, CODE 271828
  \$M account list            # the wallets opened by INSCRIPTION (say 6 and 7)
  \$M transfer --kind topup --from 1 --to 6 --amount 100     # money enters from the bank
  # then on the first phone: ENVOI 10 0698765432, and your code 483920 to confirm;
  # DON 5 TELETHON gives to the charity; SOLDE, ANNULER, AIDE, LANG EN work too.
  \$M statement 6             # --json or --csv too
  \$M check                   # every invariant, including the journal chain

The merchant API: \$M merchant create Boutique --webhook-url http://127.0.0.1:9/hooks prints
an API key; then POST http://127.0.0.1:8710/v1/payment-requests (docs/openapi.yaml, served at
/openapi.json). Stop mandatd with Ctrl-C. To bind to an operator's SMSC, fill [smpp] in a copy
of the config; without it, messages come in through the Kannel-compatible endpoint on [http]
internal_listen (set [kannel] mo_secret for a real Kannel).

Prepaid cards: \$M card issue --holder 'AICHA BENALI' --phone 0698765432 --emboss cards.txt
prints the card's last four and its activation code (the number goes only to cards.txt); the
holder activates it from their phone (ACTIVER 1234 <code>) or on
http://127.0.0.1:8710/activate (number and expiry from cards.txt, and the code), the sender
links it (CARTE AJOUT MAMAN 1234 <code>) and reloads it (RECHARGE MAMAN 100, then the code: the
holder gets the receipt). An operator key (\$M merchant key 0) issues, lists, blocks and
replaces cards by the API too (POST /v1/cards: the number goes to var/mandat-emboss.txt).
CARTE COMMANDE orders one on a page, paid from the wallet. ALIMENTER 50 tops the wallet up by
bank card through the test acquirer (4111 1111 1111 1111, any future expiry, CVV 123; tick
"keep this card"); RECHARGE MAMAN 100 CB then reloads the card from that card on file after the
code (without one, it sends a page that takes a bank card).
Pay by phone: once 0612345678 has a wallet and a code (above), call mandat with baresip (Debian
baresip-core) from another terminal, as +33612345678, with var/baresip's config:

  baresip -f $top/var/baresip -e "/dial sip:mandat@127.0.0.1:5070"

and key in baresip's terminal: 1 the balance, 2 send money (number #, amount # with * for the
decimal point, then your code), 3 pay an order (a payment request's phone_ref #), 4 give,
9 English, * repeats; q quits baresip. The prompts are spoken (espeak-ng), in French first.
Not built yet: card payments by phone, the ISO 8583 issuer host, the PostgreSQL store.

MSG
exec "$bin/mandatd" --config "$conf"
