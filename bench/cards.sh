#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/cards: prepaid card reloads by SMS, side by side with bench/sms's donations, and card
# issuing. The same generator (bench_sms smsc), window and build for both SMS runs:
#   1. donate: N numbers text "DON 5 TELETHON" to 71004, then their code (bench/sms.sh's mandat
#      run); then `mandat check` and the association's N x 5 EUR;
#   2. cards:  the same N numbers, each with an active card linked as MAMAN (bench_sms setup
#      --cards issues them in bulk: sealed number, account of kind card, card row, alias, which
#      gives the store-level issuing rate), text "RECHARGE MAMAN 60", then their code: 60 EUR
#      loaded, the 6 EUR reload fee from [fee.card_reload] and the 0.50 EUR SMS order fee from
#      [fee.sms_order]; then `mandat check` and the books: every card 60 EUR, every wallet
#      100 - 66 EUR, the fees account N x 6.50 EUR, nothing pending;
#   3. issue:  `mandat card issue` run --issues times on the cards store (one CLI process per
#      card, as an operator issues them), timed.
# Then the MO/s of both SMS runs and their ratio (cards / donate), and both issuing rates.
# Builds nothing: uses build/release (MANDAT_BUILD=dir and BENCH_SMS=binary override). Exit
# status 0 only when every run and check passed.
# Usage: bench/cards.sh [--numbers 20000] [--window 1000] [--mt-window 100] [--issues 50]
#                       [--log warn] [--seconds-max 120] [--keep]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/sms_lib.sh
. "$top/bench/sms_lib.sh"
sms_defaults bench/cards 20000 120
issues=50
usage="$0 [--numbers N] [--window W] [--mt-window W] [--issues N] [--log LEVEL]
       [--seconds-max S] [--keep]"
extra_option() {
  case $1 in
    --issues) issues=$2; shifted=2 ;;
    *) shifted=0 ;;
  esac
}
sms_parse "$@"
sms_start mandat-cards

echo "bench/cards: $numbers numbers x 2 MOs per run, window $window MOs awaiting a reply," \
  "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"

# 1. Donations, as bench/sms.sh runs them.
setup donate
mandat_run donate
check_association donate

# 2. Card reloads.
setup cards --cards "$dir/cards.keys" | tee "$dir/setup.out"
mandat_run cards --card
# The books after N reloads of 60 EUR: 6 EUR reload fee paid by the sender, 0.50 EUR order fee
# paid by the operator, both to the fees account; nothing left on hold.
"$mandat" --config "$dir/cards.conf" account list --json | python3 -c '
import json, sys
n = int(sys.argv[1])
accts = json.load(sys.stdin)
by = {}
for a in accts:
    by.setdefault(a["kind"], []).append(a)
cards = [a["balance_minor"] for a in by.get("card", [])]
wallets = [a["balance_minor"] for a in by.get("wallet", [])]
fees = sum(a["balance_minor"] for a in by.get("fees", []))
pending = sum(a["debits_pending_minor"] + a["credits_pending_minor"] for a in accts)
ok = (len(cards) == n and all(c == 6000 for c in cards) and len(wallets) == n and
      all(w == 10000 - 6600 for w in wallets) and fees == n * 650 and pending == 0)
print("check: %d cards hold %d cents (each 6000: %s), %d wallets hold %d cents (each 3400: %s), "
      "fees %d cents (expected %d = N x (600 reload + 50 SMS order)), pending %d: %s" %
      (len(cards), sum(cards), all(c == 6000 for c in cards), len(wallets), sum(wallets),
       all(w == 3400 for w in wallets), fees, n * 650, pending, "ok" if ok else "WRONG"))
sys.exit(0 if ok else 1)
' "$numbers" || failed=1

# 3. Issuing through the CLI, one process per card, on the store that now holds N cards.
t0=$(date +%s.%N)
for i in $(seq "$issues"); do
  "$mandat" --config "$dir/cards.conf" card issue --holder "BENCH CLI $i" \
    --emboss "$dir/emboss.txt" >>"$dir/issue.out" 2>&1 || { failed=1; break; }
done
t1=$(date +%s.%N)
issued=$(grep -c '^card .* issued' "$dir/issue.out" || true)
echo "ISSUE cli cards=$issued secs=$(echo "$t1 - $t0" | bc)" >"$dir/issue.result"
if [ "$issued" != "$issues" ]; then
  echo "bench/cards: mandat card issue failed:"; tail -n 3 "$dir/issue.out"; failed=1
fi
"$mandat" --config "$dir/cards.conf" check || failed=1

# Summary: the SMS runs and their ratio, then both issuing rates.
summary cards donate "$dir"/donate.out "$dir"/cards.out
python3 -c '
import sys
for line in open(sys.argv[1]).read().splitlines() + open(sys.argv[2]).read().splitlines():
    f = line.split()
    if f[:1] != ["ISSUE"]:
        continue
    r = dict(kv.split("=") for kv in f[2:])
    n, s = int(r["cards"]), float(r["secs"])
    print("issue %-5s %6d cards in %7.2f s: %8.1f cards/s, %7.2f ms a card" % (f[1], n, s,
          n / s if s > 0 else 0, 1e3 * s / n if n > 0 else 0))
' "$dir/setup.out" "$dir/issue.result"
exit "$failed"
