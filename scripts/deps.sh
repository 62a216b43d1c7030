#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages mandat needs to build, test and benchmark. Idempotent: apt-get
# runs only when something is missing.
set -euo pipefail

packages=(
  gcc make cmake pkg-config          # build
  libsqlite3-dev sqlite3             # embedded store (and the sqlite3 shell used by tests)
  libssl-dev                         # SHA-256, later AES-256-GCM and TLS
  openssl                            # test certificates, docs/examples/verify_webhook.sh
  libinih-dev                        # mandat.conf
  libjansson-dev                     # JSON output (statement --json), later the HTTP API
  libcmocka-dev                      # unit tests
  libpq-dev postgresql               # the PostgreSQL store, its tests and bench/ledger's peer
  libevent-dev                       # event loop for the channels
  clang libclang-rt-14-dev           # libFuzzer targets (make fuzz)
  kannel kannel-extras               # Kannel bearerbox/smsbox and fakesmsc (tests/e2e/test_kannel.sh)
  chromium                           # the browser of the wallet page tests (playwright-core)
  wrk                                # the HTTP load generator of bench/http
  valgrind                           # instructions per request (bench/http_instr.sh)
  sip-tester                         # sipp, the callers of bench/voice.sh
  libre-dev librem-dev               # the phone channel: SIP, SDP, RTP, G.711 (src/channel/sip)
  baresip-core                       # the caller of tests/e2e/test_sip.sh (ctrl_tcp, aufile)
  libspandsp-dev                     # in-band keypad tones (src/channel/sip/dtmf.c)
  libespeak-ng-dev espeak-ng         # spoken prompts (src/channel/sip/prompts.c)
)

missing=()
# Commands rather than packages: Node.js may come from elsewhere than Debian (NodeSource). It runs
# the independent SMSC simulator of the SMS tests (tests/smsc, npm package smpp).
# python3 runs the tests' raw clients (tests/security/hostile.py, the SMSC control calls).
for pair in node:nodejs npm:npm curl:curl python3:python3; do
  if ! command -v "${pair%%:*}" >/dev/null 2>&1; then
    missing+=("${pair##*:}")
  fi
done
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

install_npm() {
  # The test peers' npm packages, exactly as package-lock.json pins them, when they are missing
  # or older than the lock file.
  local top
  top=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -d "$top/node_modules" ] || [ "$top/package-lock.json" -nt "$top/node_modules" ]; then
    echo "deps: npm ci (test peers)" >&2
    (cd "$top" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_npm
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "deps: missing packages (${missing[*]}) and not root: install them as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_npm
