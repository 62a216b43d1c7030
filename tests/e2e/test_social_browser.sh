#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Pay-by-post in a real browser, from the post to the confirmation (tests/browser/social.mjs):
# a person with an SMS wallet links their Mastodon account, gives to a campaign and pays a
# handle without a wallet, each confirmed on mandat's pages in headless Chromium. Posts are made
# on the stand-in Mastodon (tests/e2e/social_standin.js). Screenshots go to ARTIFACTS.
# Usage: test_social_browser.sh MANDAT MANDATD ARTIFACTS
set -euo pipefail
mandat=$1
mandatd=$2
artifacts=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init social-browser
mkdir -p "$artifacts"

standin
e2e_conf 0 "[social]
handle = @mandat
mastodon_url = $S
mastodon_token = mastotoken
mastodon_poll = 200
retry_min = 1"

# Alice has an SMS wallet with money on it; the association runs a campaign.
P=0612345678
"${M[@]}" init >/dev/null
"${M[@]}" association create ACF "Action contre la Faim" >/dev/null
"${M[@]}" campaign create '#FAIM2026' ACF "Contre la faim 2026" >/dev/null
start
"${M[@]}" sms $P INSCRIPTION >/dev/null
"${M[@]}" sms $P CODE 483920 >/dev/null
acct=$(sqlite3 "$dir/mandat.db" "SELECT account_id FROM customers WHERE phone='+33612345678'")
"${M[@]}" transfer --kind topup --from 1 --to "$acct" --amount 50 >/dev/null

if (cd "$top" && node tests/browser/social.mjs "$S" "http://127.0.0.1:$port" "$mandat" \
  "$dir/mandat.conf" $P 483920 FAIM2026 "$artifacts"); then ok; else bad "the browser flow"; fi

# What the pages did is in the books: 5 given, 3 held for @bob, 42 left.
expect "balance" "42,00" "${M[@]}" sms $P SOLDE
expect "books" "ok" "${M[@]}" check
no_secrets "log" '483920|mastotoken'
e2e_done social-browser
