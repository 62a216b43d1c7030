# SPDX-License-Identifier: Apache-2.0
# What the end-to-end scripts share: a scratch directory removed on exit with every process the
# script started, a minimal mandat.conf, starting mandatd on ports the kernel chooses and waiting
# for it, waiting on conditions (never on the clock), and the pass/fail counters with their
# checks. Sourced, never run; the script sets -euo pipefail.
# Usage: . lib.sh; e2e_init NAME; ... ; e2e_done NAME
e2e_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# e2e_init NAME: makes $dir, sets pass/fail and the store (e2e_store), and arranges the cleanup
# on exit.
e2e_init() {
  dir=$(mktemp -d "/tmp/mandat-$1-XXXXXX")
  pid=""
  pass=0
  fail=0
  e2e_pids=()
  trap e2e_cleanup EXIT
  e2e_store
}

# e2e_store: sets store_path, the test's store in $dir (mandat.db). With MANDAT_STORE=postgres
# the store is a schema of its own ($pg_schema, dropped by e2e_store_drop) in the suite's
# PostgreSQL server (tests/pg.sh: its URI from MANDAT_PG_URI or $MANDAT_PG_STATE/uri, its data
# directory, when known, from $MANDAT_PG_STATE/datadir); pg_wal_first is the WAL segment the
# server was writing then (at_rest_files).
e2e_store() {
  store_path=$dir/mandat.db
  pg_schema=""
  pg_datadir=""
  if [ "${MANDAT_STORE:-}" = postgres ]; then
    local base=${MANDAT_PG_URI:-$(cat "${MANDAT_PG_STATE:?MANDAT_PG_STATE or MANDAT_PG_URI}/uri")}
    pg_schema=$(basename "$dir" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '_')
    pg_wal_first=$(psql -qtAX -v ON_ERROR_STOP=1 "$base" -c "CREATE SCHEMA $pg_schema" \
      -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
    pg_base=$base
    if [ -z "${MANDAT_PG_URI:-}" ] && [ -f "$MANDAT_PG_STATE/datadir" ]; then
      pg_datadir=$(cat "$MANDAT_PG_STATE/datadir")
    fi
    store_path="$base?options=-csearch_path%3D$pg_schema"
  fi
}

# e2e_store_drop: drops the test's PostgreSQL schema, if it has one.
e2e_store_drop() {
  if [ -n "${pg_schema:-}" ]; then
    psql -qX "$pg_base" -c "SET client_min_messages = warning; DROP SCHEMA $pg_schema CASCADE" >/dev/null 2>&1 || true
  fi
}

# e2e_cleanup: kills mandatd hard (a test may leave it mid-write on purpose) and every helper
# registered with e2e_track (TERM, KILL after 2 s), waiting for them so that none still writes
# in the scratch directory as it goes; KEEP=1 keeps the directory and its logs to look at.
e2e_cleanup() {
  local p alive
  if [ -n "${pid:-}" ]; then
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true # no "Killed" line in the test's output
  fi
  for p in "${e2e_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 20); do
    alive=0
    for p in "${e2e_pids[@]}"; do if kill -0 "$p" 2>/dev/null; then alive=1; fi; done
    if [ "$alive" -eq 0 ]; then break; fi
    sleep 0.1
  done
  for p in "${e2e_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -z "${KEEP:-}" ]; then
    rm -rf "$dir"
    e2e_store_drop
  else
    echo "kept $dir${pg_schema:+ and schema $pg_schema}"
  fi
}

# e2e_track PID: a helper process (stand-in server, receiver) to stop on exit.
e2e_track() { e2e_pids+=("$1"); }

# free_port: a TCP port nothing listens on now (the kernel's choice, released at once): only for
# a port that must be known before the process that binds it starts (a peer mandatd calls, a
# port that must stay closed), since another process may take it meanwhile. mandatd itself
# listens on port 0 (e2e_conf 0) and says which ports it got (start).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_file FILE [SECONDS]: up to SECONDS (5) for a helper to write FILE (its port, usually).
wait_file() {
  for _ in $(seq $((${2:-5} * 10))); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "$1 never appeared"; exit 1
}

# smsc NAME [OPTIONS]: the SMSC simulator of tests/smsc, stopped on exit, its output in
# $dir/NAME.out and .err; sets NAME_pid, NAME_sport (SMPP) and NAME_cport (its control API).
smsc() {
  local name=$1 sport cport
  shift
  node "$e2e_lib/../smsc/smsc.js" --port 0 --control-port 0 "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  e2e_track $!
  printf -v "${name}_pid" %s $!
  wait_file "$dir/$name.out" 10
  read -r sport cport < <(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["smpp_port"], r["control_port"])' "$dir/$name.out")
  printf -v "${name}_sport" %s "$sport"
  printf -v "${name}_cport" %s "$cport"
}

# standin: the stand-in Mastodon and X API (tests/e2e/social_standin.js), stopped on exit, its
# log in $dir/standin.log; sets S to its base URL.
standin() {
  node "$e2e_lib/social_standin.js" "$dir/standin.port" "$dir/standin.log" &
  e2e_track $!
  wait_file "$dir/standin.port"
  S="http://127.0.0.1:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$dir/standin.port")"
}

# mention FROM TEXT: a post by FROM that mentions us, on the stand-in ($S); prints its id.
mention() {
  python3 - "$S" "$1" "$2" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/__mention", method="POST",
    data=json.dumps({"from": sys.argv[2], "text": sys.argv[3]}).encode())
print(json.load(urllib.request.urlopen(req))["status_id"])
PY
}
# answer_to POST: what mandat posted on the stand-in in answer to it, "visibility|text" a line.
answer_to() {
  curl -s "$S/__statuses" | python3 -c '
import json, sys
r = [s for s in json.load(sys.stdin) if s["in_reply_to_id"] == sys.argv[1]]
print("\n".join(s["visibility"] + "|" + s["status"] for s in r))' "$1"
}
# token_in PATH: the last link token after PATH (e.g. /c) in the text on stdin.
token_in() { { grep -o "$1/[0-9a-f]\{32\}" || true; } | tail -1 | sed "s|$1/||"; }
# csrf_of PATH: the CSRF token of the form on page PATH of $H (the public listener).
csrf_of() { curl -s "$H$1" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//'; }
# blob HEX: the SQL literal of bytes given in hex, for either backend (x'..' or '\x..'::bytea).
blob() {
  if [ -n "${pg_schema:-}" ]; then printf "'%s%s'::bytea" '\x' "$1"; else printf "x'%s'" "$1"; fi
}
# db SQL: a query on the test's database (the sqlite3 shell, waiting up to 5 s for mandatd's
# write lock, or psql on PostgreSQL: the same output, columns joined by |, no header).
db() {
  if [ -n "${pg_schema:-}" ]; then
    psql -qtAX "$store_path" -c "$1"
  else
    sqlite3 -cmd ".timeout 5000" "$store_path" "$1"
  fi
}

# store_copy SQL: a copy of the test's store edited with SQL, for a check that must see the edit
# while the original stays as it was; sets copy to the path (or URI) to give to --db. SQLite: a
# backup of the file ($dir/copy.db); PostgreSQL: a pg_dump of the schema restored under another
# name. store_copy_drop removes it.
store_copy() {
  store_copy_drop
  if [ -n "${pg_schema:-}" ]; then
    pg_dump --no-owner -n "$pg_schema" "$pg_base" | sed "s/$pg_schema/${pg_schema}_copy/g" |
      psql -qX "$pg_base" >/dev/null
    copy="$pg_base?options=-csearch_path%3D${pg_schema}_copy"
    psql -qX "$copy" -c "$1" >/dev/null
  else
    copy=$dir/copy.db
    sqlite3 "$store_path" ".backup '$copy'"
    sqlite3 "$copy" "$1"
  fi
}
store_copy_drop() {
  if [ -n "${pg_schema:-}" ]; then
    psql -qX "$pg_base" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS ${pg_schema}_copy CASCADE" >/dev/null
  else
    rm -f "$dir/copy.db" "$dir/copy.db-wal" "$dir/copy.db-shm"
  fi
}

# at_rest_files: what a thief with a copy of the store's disk holds, to search for secrets; sets
# at_rest (files, for grep -r) and at_rest_long. SQLite: the database and its WAL. PostgreSQL,
# after a CHECKPOINT (every change on disk): the files of the test's tables, indexes and TOAST
# tables (rows since deleted or updated included); and in at_rest_long a pg_dump of its schema
# ($dir/at_rest.sql) and the server's WAL segments written since e2e_init, to search for long
# secrets only (at_rest_grep does): the WAL holds other tests' rows too, and the dump writes
# numbers in decimal, where a short secret (a security code) may appear by chance.
at_rest_files() {
  at_rest_long=()
  if [ -z "${pg_schema:-}" ]; then
    at_rest=("$store_path" "$store_path-wal")
    return 0
  fi
  local rel last w
  pg_dump --no-owner -n "$pg_schema" "$pg_base" >"$dir/at_rest.sql"
  at_rest_long=("$dir/at_rest.sql")
  at_rest=()
  if [ -z "$pg_datadir" ]; then at_rest=("$dir/at_rest.sql"); return 0; fi
  last=$(psql -qtAX "$pg_base" -c CHECKPOINT -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
  for rel in $(psql -qtAX "$pg_base" -c "SELECT pg_relation_filepath(c.oid) FROM pg_class c
      WHERE c.relnamespace = '$pg_schema'::regnamespace AND c.relkind IN ('r', 'i')
      UNION SELECT pg_relation_filepath(t.oid) FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
      WHERE c.relnamespace = '$pg_schema'::regnamespace"); do
    for w in "$pg_datadir/$rel" "$pg_datadir/$rel".* "$pg_datadir/$rel"_*; do
      if [ -f "$w" ]; then at_rest+=("$w"); fi
    done
  done
  for w in "$pg_datadir"/pg_wal/0*; do
    w=${w##*/}
    if [[ ! "$w" < "$pg_wal_first" && ! "$w" > "$last" ]]; then at_rest_long+=("$pg_datadir/pg_wal/$w"); fi
  done
  # Found something to search, so that a search cannot pass for having looked nowhere.
  if [ ${#at_rest[@]} -lt 10 ] || [ ${#at_rest_long[@]} -lt 2 ]; then
    bad "at_rest_files: ${#at_rest[@]} files of schema $pg_schema, ${#at_rest_long[@]} dump and WAL segments in $pg_datadir"
  fi
}

# secret_in SECRET PATH...: SECRET (a fixed string) is in one of the paths (files, or
# directories searched whole, binary too); where is printed (the file and the bytes around it,
# escaped) for the diagnosis. A short secret (under 12 characters: a security code) counts only
# standing alone, not inside a run of letters and digits: a random id or token (a log's
# "top-up 548964126425b82e", a message id cli-3adecc971ca1c9e3306482ac...) holds any 4 digits by
# chance.
secret_in() {
  local re
  re=$(printf '%s' "$1" | sed 's/[^[:alnum:] ]/\\&/g')
  if [ ${#1} -lt 12 ]; then re="(^|[^[:alnum:]])$re([^[:alnum:]]|\$)"; fi
  shift
  grep -a -r -q -E -e "$re" "$@" 2>/dev/null || return 1
  { grep -a -r -o -E -e ".{0,24}$re.{0,24}" "$@" 2>/dev/null || true; } | head -n 3 | cat -v >&2
}

# at_rest_grep SECRET: SECRET is in the files of at_rest_files (secret_in; those of at_rest_long
# only for a secret of 12 characters or more).
at_rest_grep() {
  if [ ${#1} -ge 12 ]; then
    secret_in "$1" "${at_rest[@]}" "${at_rest_long[@]}"
  else
    secret_in "$1" "${at_rest[@]}"
  fi
}

# e2e_conf PORT [MORE]: writes $dir/mandat.conf (SQLite store, the public HTTP listener on PORT,
# the internal one on $iport (0 unless set) with the dev pages, the gateway's secret $ksecret
# unless MORE has its own [kannel], the vault's key) plus the sections in MORE, and sets M to the
# CLI with that config. PORT 0 (and iport 0): the kernel chooses, and start writes the ports it
# chose back into mandat.conf, so that the CLI and later starts use them (a restart keeps its
# port, as links already sent carry it).
ksecret=e2e-kannel-secret-0123456789
e2e_conf() {
  iport=${iport:-0}
  local kannel="[kannel]
mo_secret = $ksecret"
  if [[ "${2:-}" == *"[kannel]"* ]]; then kannel=""; fi
  cat > "$dir/mandat.conf" <<CONF
[store]
path = $store_path
[http]
listen = 127.0.0.1:$1
internal_listen = 127.0.0.1:$iport
dev_mode = true
[vault]
key_file = $dir/pin.key
$kannel
${2:-}
CONF
  M=("$mandat" --config "$dir/mandat.conf")
}

# start [URL]: starts mandatd in the background (log in $dir/mandatd.log), then e2e_started URL.
start() {
  rm -f "$dir/ports"
  "$mandatd" --config "$dir/mandat.conf" --ports-file "$dir/ports" >>"$dir/mandatd.log" 2>&1 &
  pid=$!
  e2e_started "${1:-}"
}

# e2e_started [URL]: for a mandatd just started as $pid with --ports-file $dir/ports (removed
# before): waits (10 s at most) for that file, which mandatd writes once every listener is
# bound; sets port and base (public listener), iport and ibase (internal) from it and writes
# the ports chosen for port 0 back into mandat.conf; then waits until URL (default: the health
# check on $port, if there is a public listener) answers. Fails the test with the log if not.
e2e_started() {
  local url=${1:-} name addr
  for _ in $(seq 100); do
    if [ -s "$dir/ports" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ ! -s "$dir/ports" ]; then echo "mandatd did not start:"; cat "$dir/mandatd.log"; exit 1; fi
  while read -r name addr; do
    case $name in
      listen) port=${addr##*:}; base=http://$addr ;;
      internal_listen) iport=${addr##*:}; ibase=http://$addr ;;
    esac
    sed -i "s|^$name = \(.*\):0\$|$name = \1:${addr##*:}|" "$dir/mandat.conf"
  done <"$dir/ports"
  url=${url:-${port:+http://127.0.0.1:$port/healthz}}
  if [ -z "$url" ]; then return 0; fi
  for _ in $(seq 100); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.1
  done
  echo "mandatd does not answer $url:"; cat "$dir/mandatd.log"; exit 1
}

# reload: asks mandatd to read associations and API keys made beside it now (SIGHUP) rather
# than at its next poll; a check that needs them still waits for the effect (eventually).
reload() { kill -HUP "$pid"; }

# start_bound: start, then wait until mandatd is bound to the SMSC simulator whose control API
# is $C (the MOs need the bind), or fail the test with the log.
start_bound() {
  start
  for _ in $(seq 100); do
    if curl -s "$C/binds" | grep -q '"system_id":"mandat"'; then return 0; fi
    sleep 0.1
  done
  echo "mandatd did not bind:"; cat "$dir/mandatd.log"; exit 1
}

# stop: a clean stop of mandatd (SIGTERM), waiting for it.
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

# crash: mandatd killed -9, as by a power cut; if it had died already, the kill fails the script.
crash() {
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
}

# ok [WHAT]: WHAT is printed when given, for the values a long run is worth reading back for.
ok() {
  pass=$((pass + 1))
  if [ $# -gt 0 ]; then printf 'ok   %s\n' "$*"; fi
}
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }

# expect NAME NEEDLE COMMAND...: the command's output contains NEEDLE.
expect() {
  local name=$1 needle=$2 out
  shift 2
  out=$("$@" 2>&1 || true)
  if [[ "$out" == *"$needle"* ]]; then ok; else bad "$name: wanted \"$needle\", got: $out"; fi
}

# check NAME WANTED GOT: GOT (an output already captured) contains WANTED.
check() {
  if [[ "$3" == *"$2"* ]]; then ok; else bad "$1: wanted \"$2\", got:"$'\n'"$3"; fi
}

# eventually NAME NEEDLE COMMAND...: within 10 s, one run of the command prints NEEDLE.
eventually() {
  local name=$1 needle=$2 out=""
  shift 2
  for _ in $(seq 40); do
    out=$("$@" 2>&1 || true)
    if [[ "$out" == *"$needle"* ]]; then ok; return 0; fi
    sleep 0.25
  done
  bad "$name: wanted \"$needle\", got: $out"
}

# no_secrets NAME REGEX: none of the secrets matching REGEX reached mandatd's log.
no_secrets() {
  if grep -E -q "$2" "$dir/mandatd.log"; then bad "$1: a secret reached the log"; else ok; fi
}

# e2e_done NAME: prints the counts (and the end of the log after a failure); fails if any check did.
e2e_done() {
  if [ "$fail" -ne 0 ]; then echo "--- mandatd.log"; tail -30 "$dir/mandatd.log" 2>/dev/null || true; fi
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# no_pan_outside EMBOSS PATH...: no card number of the emboss file EMBOSS (number|...) is in the
# paths (files, or directories searched whole, binary too): one ok, or a failure naming BINs.
no_pan_outside() {
  local emboss=$1 found="" pan
  shift
  while IFS='|' read -r pan _; do
    if grep -a -r -l -F "$pan" "$@" 2>/dev/null; then found="$found ${pan:0:6}..."; fi
  done <"$emboss"
  if [ -z "$found" ]; then ok "no card number outside the emboss file"; else
    bad "card numbers found:$found"; fi
}
