#!/usr/bin/env bash
# ctest "man_options": every program's --help and its manual name the same
# options. For each PROGRAM HELP_OPTION PAGE triple: PROGRAM HELP_OPTION
# exits 0; every option (--name or -x) its help text shows is defined or
# shown in the synopsis of PAGE (the markdown source, docs/NAME.N.md: the
# lines that start in bold), and every option PAGE defines that way is in
# the help text.
#   man_options_test.sh PROGRAM HELP_OPTION PAGE [PROGRAM HELP_OPTION PAGE]...
# Prints one line per mismatch.
set -u

if (($# == 0 || $# % 3 != 0)); then
    echo "usage: man_options_test.sh PROGRAM HELP_OPTION PAGE [...]" >&2
    exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
pages=0

# help_options FILE: the options of a help text, one per line, sorted.
help_options() {
    grep -oE -- '(^|[][ ,(|])--?[a-zA-Z][a-zA-Z0-9-]*' "$1" | sed -E 's/^[][ ,(|]//' | sort -u
}

# page_options FILE: the options in bold at the start of a line of a page
# source (definition terms, synopsis lines), one per line, sorted.
page_options() {
    grep -E '^\*\*' "$1" | sed 's/\\-/-/g' | grep -oE -- '\*\*--?[a-zA-Z][a-zA-Z0-9-]*' |
        sed 's/^\*\*//' | sort -u
}

while (($# > 0)); do
    prog="$1" help="$2" page="$3"
    shift 3
    name="$(basename "$page")"
    pages=$((pages + 1))
    if ! "$prog" "$help" >"$tmp/help" 2>"$tmp/err"; then
        echo "FAIL: $name: $prog $help does not exit 0: $(head -c 200 "$tmp/err")"
        failures=$((failures + 1))
        continue
    fi
    help_options "$tmp/help" >"$tmp/h"
    page_options "$page" >"$tmp/p"
    if [[ ! -s "$tmp/h" || ! -s "$tmp/p" ]]; then
        echo "FAIL: $name: no options found in the help text or in the page"
        failures=$((failures + 1))
        continue
    fi
    for opt in $(comm -23 "$tmp/h" "$tmp/p"); do
        echo "FAIL: $name: $opt is in $(basename "$prog") $help but not in the page"
        failures=$((failures + 1))
    done
    for opt in $(comm -13 "$tmp/h" "$tmp/p"); do
        echo "FAIL: $name: $opt is in the page but not in $(basename "$prog") $help"
        failures=$((failures + 1))
    done
done
echo "man_options: $pages pages, $failures mismatches"
((failures == 0))
