#!/usr/bin/env bash
# ctest "example_custom_resolver": examples/custom-resolver answers mailauth's
# DNS questions itself, late and out of order. Every message must finish
# with its SPF verdict, every question must be answered (none is left when
# all evaluations are done), and some answers must overtake earlier questions.
#   custom_resolver_test.sh EXAMPLE
set -u
if (($# != 1)); then
    echo "usage: custom_resolver_test.sh EXAMPLE" >&2
    exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    failures=$((failures + 1))
    echo "FAIL: $1"
}

"$1" -v >"$tmp/out" 2>"$tmp/err"
rc=$?
[[ $rc -eq 0 ]] || fail "exit status $rc"

want=(
    "message 1: alice@example.org from 192.0.2.25: spf=pass"
    "message 2: bob@example.org from 198.51.100.7: spf=pass"
    "message 3: carol@example.org from 203.0.113.9: spf=fail"
    "message 4: dave@soft.example.org from 192.0.2.25: spf=softfail"
    "message 5: erin@nowhere.example from 192.0.2.25: spf=none"
)
for line in "${want[@]}"; do
    grep -qxF "$line" "$tmp/out" || fail "missing line: $line"
done
# The Authentication-Results value under each message line.
[[ $(grep -c '^  mx\.example\.net; spf=' "$tmp/out") -eq 5 ]] || fail "5 Authentication-Results values"

summary=$(grep '^questions asked:' "$tmp/out")
if [[ $summary =~ ^questions\ asked:\ ([0-9]+),\ answered:\ ([0-9]+),\ answered\ out\ of\ order:\ ([0-9]+),\ canceled:\ ([0-9]+)$ ]]; then
    asked=${BASH_REMATCH[1]} answered=${BASH_REMATCH[2]} ooo=${BASH_REMATCH[3]} canceled=${BASH_REMATCH[4]}
    ((asked > 0 && answered + canceled == asked)) || fail "asked $asked, answered $answered, canceled $canceled"
    ((ooo > 0)) || fail "no answer came out of order"
    # Five messages from one domain: example.org's record was asked once (coalesced).
    [[ $(grep -c '^ask .* TXT example\.org ' "$tmp/err") -eq 1 ]] || fail "TXT example.org asked more than once"
else
    fail "no summary line"
fi

if ((failures > 0)); then
    echo "--- stdout"; cat "$tmp/out"
    echo "--- stderr"; head -c 4000 "$tmp/err"
    exit 1
fi
echo "custom resolver: 5 messages, $asked questions, $ooo answered out of order"
