#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Functions src/ must not call (STYLE.md, after git's banned.h): those that write without a bound
# (strcpy, strcat, sprintf, vsprintf, gets), that leave a string unterminated (strncpy, strncat),
# that keep hidden state (strtok, and gmtime/localtime/ctime/asctime: use the _r forms), and
# that hide a parse error (atoi, atol, atoll, atof: use strtol and check the end).
# A header cannot ban them (system headers declare them after it), so this reads the calls.
# Usage: banned.sh [SRC_DIR] (default: the src/ beside this script). It first proves it finds a
# call planted in a scratch tree. Exit 0 when src/ is clean.
set -euo pipefail

BANNED='strcpy|strcat|sprintf|vsprintf|gets|strncpy|strncat|strtok|gmtime|localtime|ctime|asctime|atoi|atol|atoll|atof'

# scan DIR: prints each call (comments and string literals stripped first), 1 when any.
scan() {
    local found
    found=$(find "$1" -name '*.[ch]' -print0 | xargs -0 perl -0777 -ne '
        my $t = $_;
        $t =~ s{/\*.*?\*/}{ my $c = $&; $c =~ s/[^\n]//g; $c }gse;   # comments, keeping lines
        $t =~ s{"(?:\\.|[^"\\\n])*"}{""}g;                             # string literals
        my $n = 0;
        for my $line (split /\n/, $t, -1) {
            $n++;
            print "$ARGV:$n: $1\n" while $line =~ /(?<![\w.>])('"$BANNED"')\s*\(/g;
        }')
    if [ -n "$found" ]; then
        printf 'banned call: %s\n' "$found" >&2
        return 1
    fi
}

src=${1:-$(cd "$(dirname "$0")/../src" && pwd)}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '/* strcpy(a, b) in a comment is fine */\nvoid f(char *a) { strcpy(a, "x"); }\n' >"$scratch/bad.c"
if scan "$scratch" 2>/dev/null; then
    echo "banned.sh: the self-test's planted strcpy was not found" >&2
    exit 1
fi
scan "$src"
