#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every libFuzzer target for a bounded time on a scratch copy of its seed corpus, so that
# generated inputs never land in the repository. Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=$2
top=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for target in money config gsm smpp_pdu command api social http_target http_head card sip_info sip_hdr iso8583 pin_block speak dtmf voice iso_host; do
  cp -r "$top/tests/fuzz/corpus/$target" "$scratch/$target"
  echo "fuzz: $target for ${seconds}s"
  # gsm: texts long enough to need more than SMS_PARTS_MAX parts.
  if ! "$build/tests/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=4097 \
      -artifact_prefix="$scratch/" "$scratch/$target"; then
    echo "fuzz: $target found a crash; reproducer in $scratch is kept at $top/build/" >&2
    cp "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$top/build/" 2>/dev/null || true
    status=1
  fi
done
exit $status
