#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Verify a mandat webhook with openssl (docs/webhooks.md): recompute HMAC-SHA256 over "<t>.<body>"
# with the merchant's signing secret, compare it with the v1 signatures of the Mandat-Signature
# header, and refuse a timestamp more than TOLERANCE seconds (300) from now. The e2e test
# (tests/e2e/test_webhook.sh) runs this very script, so it stays right.
#
# usage: verify_webhook.sh SECRET SIGNATURE_HEADER BODY_FILE [TOLERANCE]
#   SECRET            whsec_... (mandat webhook secret MERCHANT_ID)
#   SIGNATURE_HEADER  the Mandat-Signature value, e.g. t=1795428000,v1=5257a869...
#   BODY_FILE         the request body exactly as received (bytes, not re-encoded JSON)
# exit status: 0 valid, 1 invalid or too old, 2 usage.
#
# For illustration and tests: openssl takes the secret on its command line (visible to other
# users in ps), and the shell compares strings in variable time. A server should use a library
# with a constant-time comparison, as docs/examples/verify_webhook.c does.
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: verify_webhook.sh SECRET SIGNATURE_HEADER BODY_FILE [TOLERANCE]" >&2
  exit 2
fi
secret=$1
header=$2
body=$3
tolerance=${4:-300}

t=$(printf '%s\n' "$header" | tr ',' '\n' | sed -n 's/^t=//p' | head -n 1)
case "$t" in
'' | *[!0-9]*)
  echo "invalid: no t=<unix seconds> in the header" >&2
  exit 1
  ;;
esac
now=$(date +%s)
if [ $((now - t)) -gt "$tolerance" ] || [ $((t - now)) -gt "$tolerance" ]; then
  echo "invalid: timestamp $t is more than $tolerance s from now ($now): a replay?" >&2
  exit 1
fi

# HMAC-SHA256(secret, "<t>." followed by the body's bytes), as lowercase hex.
expected=$({ printf '%s.' "$t"; cat "$body"; } | openssl dgst -sha256 -hmac "$secret" |
  sed 's/^.*= *//')

# Several v1 values may come while a secret is rotated: one match is enough.
for v1 in $(printf '%s\n' "$header" | tr ',' '\n' | sed -n 's/^v1=//p'); do
  if [ "$v1" = "$expected" ]; then
    echo "valid"
    exit 0
  fi
done
echo "invalid: no v1 signature matches" >&2
exit 1
