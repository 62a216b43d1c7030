#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No include cycle between the folders of src/: every #include "dir/file.h" must name a folder of
# the same layer or of a layer below, in the order written here and in README.md (Layout):
#
#   base < ledger < store < vault < engine < dialog < channel < mandatd < cli
#
# Every folder under src/channel/ (http, smpp, social, web, api, webhook, kannel, ...) is one
# layer, "channel": its protocols may use one another. The store knows the ledger through its
# row types only: from src/ledger it includes ledger/ledger_types.h and nothing else.
# A folder of src/ that is not in the order fails the check: place it here and in the README.
# Usage: layers.sh [SRC_DIR]   (default: the src/ beside this script). Exit 0 when clean.
set -euo pipefail

ORDER=(base ledger store vault engine dialog channel mandatd cli)

declare -A RANK
for i in "${!ORDER[@]}"; do
    RANK[${ORDER[$i]}]=$i
done

# The rank of the layer of a path below src/ ("channel/http/api.c" -> channel's), -1 if none.
rank_of() {
    printf '%s\n' "${RANK[${1%%/*}]:--1}"
}

# check SRC: prints each violation, returns 1 when there is any.
check() {
    local src=$1 bad=0 file rel from to inc from_rank to_rank
    while IFS= read -r -d '' file; do
        rel=${file#"$src"/}
        from=${rel%%/*}
        from_rank=$(rank_of "$rel")
        if [ "$from_rank" -lt 0 ]; then
            echo "layers: $rel: folder '$from' is not in the layer order (tests/layers.sh, README)"
            bad=1
            continue
        fi
        while IFS= read -r inc; do
            case $inc in
                */*) ;;
                *) continue ;; # same folder
            esac
            to=${inc%%/*}
            to_rank=$(rank_of "$inc")
            if [ "$to_rank" -lt 0 ]; then
                echo "layers: $rel includes '$inc': folder '$to' is not in the layer order"
                bad=1
            elif [ "$to_rank" -gt "$from_rank" ]; then
                echo "layers: $rel includes '$inc': $from may not include $to (above it)"
                bad=1
            elif [ "$from" = store ] && [ "$to" = ledger ] && [ "$inc" != ledger/ledger_types.h ]; then
                echo "layers: $rel includes '$inc': the store knows the ledger by ledger_types.h only"
                bad=1
            fi
        done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$file")
    done < <(find "$src" -type f \( -name '*.c' -o -name '*.h' -o -name '*.def' \) -print0 | sort -z)
    return "$bad"
}

# The check must be able to fail: a tree where base includes the ledger is refused.
self_test() {
    local tmp rc=0
    tmp=$(mktemp -d)
    mkdir -p "$tmp/base" "$tmp/ledger" "$tmp/channel/new"
    printf '#include "ledger/ledger.h"\n' >"$tmp/base/bad.h"
    printf '#include "base/bad.h"\n#include "channel/http/x.h"\n' >"$tmp/channel/new/ok.c"
    if check "$tmp" >/dev/null; then
        echo "layers: self-test: base including ledger was not refused"
        rc=1
    fi
    rm -f "$tmp/base/bad.h"
    if ! check "$tmp" >/dev/null; then
        echo "layers: self-test: a channel folder including base and another channel was refused"
        rc=1
    fi
    rm -rf "$tmp"
    return "$rc"
}

src=${1:-$(cd "$(dirname "$0")/../src" && pwd)}
self_test
if check "$src"; then
    echo "layers: ok (${ORDER[*]})"
else
    exit 1
fi
