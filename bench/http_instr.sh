#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/http_instr: instructions mandatd executes per HTTP request, counted by callgrind, so that
# a change of the server's cost shows on a shared, noisy machine where wrk's requests/s do not.
# N sequential keep-alive requests (GET PATH with a merchant's key) minus a run with none, so
# that start and stop cancel out. Builds nothing: uses build/release (or MANDAT_BUILD).
# Usage: bench/http_instr.sh [N (2000)] [PATH (/v1/transfers/{id})]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MANDAT_BUILD:-$top/build/release}
n=${1:-2000}
path=${2:-/v1/transfers/0000000000000000000000000000beef}
dir=$(mktemp -d /tmp/mandat-bench-instr-XXXXXX)
trap 'rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[store]\npath = %s/m.db\n[log]\nlevel = warn\n[http]\nlisten = 127.0.0.1:%s\n[vault]\nkey_file = %s/pin.key\n' \
  "$dir" "$port" "$dir" >"$dir/m.conf"
M=("$build/mandat" --config "$dir/m.conf")
"${M[@]}" init >/dev/null
id=$("${M[@]}" merchant create Bench Shop | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
key=$("${M[@]}" merchant key "$id" --rate 1000000 | sed -n 's/^api key: //p')
"${M[@]}" transfer --kind topup --from 1 --to "$id" --amount 1 \
  --id 0000000000000000000000000000beef >/dev/null 2>&1 || true
# run COUNT: mandatd under callgrind answering COUNT requests; prints its instruction count.
run() {
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$build/mandatd" \
    --config "$dir/m.conf" >"$dir/log" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  python3 - "$port" "$1" "$key" "$path" <<'PY'
import socket, sys
port, n, key, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port))
req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n" % (path, key)).encode()
buf = b""
for _ in range(n):
    s.sendall(req)
    while True:
        h = buf.find(b"\r\n\r\n")
        if h >= 0:
            cl = [l for l in buf[:h].split(b"\r\n") if l.lower().startswith(b"content-length:")]
            end = h + 4 + int(cl[0].split(b":")[1])
            if len(buf) >= end:
                buf = buf[end:]
                break
        buf += s.recv(65536)
s.close()
PY
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$dir/cg.out" | head -1
}
zero=$(run 0)
some=$(run "$n")
echo "RESULT instructions_per_request=$(((some - zero) / n)) ($n x GET $path)"
