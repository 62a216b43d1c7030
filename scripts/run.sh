#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start mandatd on the embedded SQLite store with the sample config, creating the database on
# first use, and say what to try next. Used by `make run`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/release"
mkdir -p "$top/var"
db="$top/var/mandat.db"
conf="$top/docs/mandat.conf"
mandat=("$bin/mandat" --config "$conf" --db "$db")

if [ ! -f "$db" ]; then
  "${mandat[@]}" init
fi

cat <<MSG

mandatd is starting on $db (config: $conf).
In another terminal, try the ledger with the mandat CLI on the same database:

  M="$bin/mandat --config $conf --db $db"
  \$M account list                                  # system accounts: bank, fees, operator, suspense
  \$M account open wallet --tier 1                  # prints the new account id, say 5
  \$M account open wallet --tier 1                  # say 6
  \$M transfer --kind topup --from 1 --to 5 --amount 100   # money enters from the bank account
  \$M transfer --from 5 --to 6 --amount "12,50 €"          # a p2p transfer
  \$M transfer --from 5 --to 6 --amount 20 --pending --timeout 300   # a hold; prints its id
  \$M post <id>                                    # or: \$M void <id>
  \$M statement 5                                  # --json or --csv too
  \$M check                                        # every invariant, including the journal chain

Stop mandatd with Ctrl-C. Channels (SMS, HTTP, social, voice) are not built yet.

MSG
exec "$bin/mandatd" --config "$conf" --db "$db"
