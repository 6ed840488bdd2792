#!/usr/bin/env bash
# ctest "examples": the bundled demo (what scripts/demo prints) and the API
# examples of examples/api/, run on examples/demo/ with DNS from its zone.
#   examples_test.sh MAILAUTH_CHECK EXAMPLE_VERIFY EXAMPLE_EVENT_LOOP DEMO_DIR
set -u

if (($# != 4)); then
    echo "usage: examples_test.sh MAILAUTH_CHECK EXAMPLE_VERIFY EXAMPLE_EVENT_LOOP DEMO_DIR" >&2
    exit 2
fi
check="$1"
verify="$2"
loop="$3"
demo="$4"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    failures=$((failures + 1))
    echo "FAIL: $1"
    echo "  stdout: $(head -c 800 "$tmp/out")"
    echo "  stderr: $(head -c 800 "$tmp/err")"
}

# The envelope of the demo message (same as scripts/demo).
envelope=(--ip 198.51.100.17 --helo out1.mailer.example.net --mail-from alice@example.org)

"$check" --zone "$demo/example.zone" "${envelope[@]}" --authserv-id mx.example.net \
    --now 1700000000 "$demo/message.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
# The demo message is DKIM-signed with examples/demo/demo-dkim.pem and
# example.org publishes a DMARC policy: spf, dkim and dmarc pass.
if [[ $rc -ne 0 ]] || ! grep -q '^Authentication-Results: mx\.example\.net;' "$tmp/out" ||
    ! grep -q 'spf=pass' "$tmp/out" || ! grep -q 'dkim=pass' "$tmp/out" ||
    ! grep -q 'dmarc=pass' "$tmp/out"; then
    fail "demo: mailauth-check (exit $rc)"
fi

"$check" --zone "$demo/example.zone" "${envelope[@]}" --authserv-id mx.example.net \
    --now 1700000000 --json "$demo/message.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -ne 0 ]] || ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["spf"]["result"] == "pass" and d["spf"]["domain"] == "example.org", d["spf"]
assert d["helo_spf"]["result"] == "pass", d["helo_spf"]
assert [e["result"] for e in d["dkim"]] == ["pass"], d["dkim"]
assert d["dkim"][0]["domain"] == "example.org" and d["dkim"][0]["selector"] == "demo", d["dkim"]
assert d["dmarc"]["result"] == "pass" and d["dmarc"]["policy"] == "reject", d["dmarc"]
assert d["dmarc"]["spf_aligned"] and d["dmarc"]["dkim_aligned"], d["dmarc"]
assert d["arc"]["result"] == "none", d["arc"]
' "$tmp/out" 2>>"$tmp/err"; then
    fail "demo: mailauth-check --json (exit $rc)"
fi

"$verify" 198.51.100.17 out1.mailer.example.net alice@example.org "$demo/example.zone" \
    <"$demo/message.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -ne 0 ]] || ! grep -q '^Authentication-Results: mx\.example\.net;' "$tmp/out" ||
    ! grep -q 'spf=pass' "$tmp/out"; then
    fail "api/verify.c (exit $rc)"
fi

# A header field over the 64 KiB field limit is no error: the example
# prints the full field (DKIM without the refused field: limit-field).
python3 -c 'import sys; m = open(sys.argv[1], "rb").read(); i = m.index(b"\nSubject:") + 1
sys.stdout.buffer.write(m[:i] + b"X-Big: " + b"x" * 70000 + b"\r\n" + m[i:])' \
    "$demo/message.eml" >"$tmp/big.eml"
"$verify" 198.51.100.17 out1.mailer.example.net alice@example.org "$demo/example.zone" \
    <"$tmp/big.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -ne 0 ]] || ! grep -q 'spf=pass' "$tmp/out" || ! grep -q 'dmarc=' "$tmp/out"; then
    fail "api/verify.c with a 70 KB header field (exit $rc): $(cat "$tmp/err")"
fi

# Three evaluations in flight on one resolver: pass, pass, none (no record).
"$loop" --zone "$demo/example.zone" 198.51.100.17 out1.mailer.example.net \
    alice@example.org bounce@example.org someone@example.com >"$tmp/out" 2>"$tmp/err"
rc=$?
if [[ $rc -ne 0 ]] || [[ "$(wc -l <"$tmp/out")" -ne 3 ]] ||
    ! grep -q '^alice@example.org: spf=pass; ' "$tmp/out" ||
    ! grep -q '^bounce@example.org: spf=pass; ' "$tmp/out" ||
    ! grep -q '^someone@example.com: spf=none; ' "$tmp/out"; then
    fail "api/event_loop.c (exit $rc)"
fi

echo "examples: $failures failed"
((failures == 0))
