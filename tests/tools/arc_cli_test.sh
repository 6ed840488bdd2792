#!/usr/bin/env bash
# ctest "arc_cli": `mailauth-sign arc` against its contract
# (docs/mailauth-sign.1.md): options, output shape, line ends, exit codes.
# Validity of the sets themselves: ctest arc_interop (dkimpy) and arc_seal.
#   arc_cli_test.sh MAILAUTH_SIGN ARC_VALIDATE KEY_DIR
# KEY_DIR is tests/data/keys. Prints one line per failure.
set -u

if (($# != 3)); then
    echo "usage: arc_cli_test.sh MAILAUTH_SIGN ARC_VALIDATE KEY_DIR" >&2
    exit 2
fi
bin="$1"
validate="$2"
keys="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0

printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello\r\n' \
    >"$tmp/crlf.eml"
printf 'From: Alice <alice@example.org>\nSubject: hi\n\nHello\n' >"$tmp/lf.eml"
printf 'From alice@example.org Thu Jan  1 00:00:00 2024\nFrom: a@example.org\n\nx\n' \
    >"$tmp/mbox.eml"
printf 'To: bob@example.net\r\nSubject: no author\r\n\r\nHello\r\n' >"$tmp/nofrom.eml"
"$bin" dkim --key "$keys/rsa2048.pkcs8.pem" --domain hop1.example --selector arc --dns-record \
    >"$tmp/zone"
"$bin" dkim --key "$keys/ed25519.pkcs8.pem" --domain hop2.example --selector arc --dns-record \
    >>"$tmp/zone"
echo 'arc._domainkey.slow.example TXT TIMEOUT' >>"$tmp/zone"
echo 'example.org TXT "v=spf1 ip4:192.0.2.0/24 -all"' >>"$tmp/zone"
hop1=(--key "$keys/rsa2048.pkcs8.pem" --domain hop1.example --selector arc
      --authserv-id mx.hop1.example --zone "$tmp/zone" --now 1700000000)
hop2=(--key "$keys/ed25519.pkcs8.pem" --domain hop2.example --selector arc
      --authserv-id mx.hop2.example --zone "$tmp/zone" --now 1700000060)

# run ARGS... (stdin from $tmp/crlf.eml): sets rc; output in $tmp/out, $tmp/err.
run() {
    "$bin" "$@" <"$tmp/crlf.eml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

fail() {
    failures=$((failures + 1))
    echo "FAIL: $1: $2"
    echo "  stdout: $(head -c 400 "$tmp/out")"
    echo "  stderr: $(head -c 400 "$tmp/err")"
}

# expect NAME RC [TEXT-IN-STDERR]
expect() {
    cases=$((cases + 1))
    if [[ $rc -ne $2 ]]; then
        fail "$1" "exit $rc, want $2"
    elif [[ $# -ge 3 ]] && ! grep -qF -- "$3" "$tmp/err"; then
        fail "$1" "stderr lacks '$3'"
    fi
}

# check NAME CONDITION-COMMAND...
check() {
    cases=$((cases + 1))
    local name="$1"
    shift
    if ! "$@"; then
        fail "$name" "check failed: $*"
    fi
}

verdict() { # verdict FILE: mailauth's validation of FILE, first word
    "$validate" "$tmp/zone" 1700003600 "$1" | cut -d' ' -f1-2
}

# ---- usage: 64
run arc "${hop1[@]:0:6}" "$tmp/crlf.eml"
expect "no --authserv-id" 64 "--authserv-id is required"
run arc --key "$keys/rsa2048.pkcs8.pem" --authserv-id mx "$tmp/crlf.eml"
expect "no --domain" 64 "--domain and --selector are required"
run arc "${hop1[@]}" --canon simple "$tmp/crlf.eml"
expect "dkim-only option" 64 "arc takes no --canon"
run arc "${hop1[@]}" --mail-from a@example.org "$tmp/crlf.eml"
expect "--mail-from without --ip" 64 "--mail-from needs --ip"
run arc "${hop1[@]}" --headers from:arc-seal "$tmp/crlf.eml"
expect "ARC field in --headers" 64 "--headers"
run arc "${hop1[@]}" --authserv-id 'bad id' "$tmp/crlf.eml"
expect "bad authserv-id" 64 "not a token"
run dkim --key "$keys/rsa2048.pkcs8.pem" --domain d.example --selector s --zone "$tmp/zone" \
    "$tmp/crlf.eml"
expect "arc option with dkim" 64 "are for arc"

# ---- unsealable input: 66; key of the chain unavailable: 75
run arc "${hop1[@]}" "$tmp/nofrom.eml"
expect "no From" 66 "no From header field"
run arc "${hop1[@]}" --zone "$tmp/missing.zone" "$tmp/crlf.eml"
expect "zone file missing" 66 "missing.zone"

# ---- sealing
run arc "${hop1[@]}" "$tmp/crlf.eml"
expect "hop 1" 0
cp "$tmp/out" "$tmp/hop1.eml"
check "hop 1: AS first" bash -c "head -1 '$tmp/hop1.eml' | grep -q '^ARC-Seal: i=1; '"
check "hop 1: cv=none" grep -q "cv=none" "$tmp/hop1.eml"
check "hop 1: AMS, AAR, A-R" bash -c "grep -c '^ARC-Message-Signature: i=1;\|^ARC-Authentication-Results: i=1; mx.hop1.example;\|^Authentication-Results: mx.hop1.example;' '$tmp/hop1.eml' | grep -q 3"
check "hop 1: every line ends in CRLF" bash -c "! grep -q \$'[^\\r]\$' '$tmp/hop1.eml'"
check "hop 1: message unchanged at the end" bash -c "tail -c \$(stat -c %s '$tmp/crlf.eml') '$tmp/hop1.eml' | cmp -s - '$tmp/crlf.eml'"
v="$(verdict "$tmp/hop1.eml")"
check "hop 1 validates ($v)" test "$v" = "pass 1"
run arc "${hop2[@]}" --ip 192.0.2.1 --helo mx.example.org --mail-from alice@example.org \
    "$tmp/hop1.eml"
expect "hop 2 (Ed25519, SPF)" 0
cp "$tmp/out" "$tmp/hop2.eml"
check "hop 2: cv=pass" grep -q "cv=pass" "$tmp/hop2.eml"
check "hop 2: AAR has arc=pass and spf" bash -c "sed -n '/^ARC-Authentication-Results: i=2/,/^[A-Z]/p' '$tmp/hop2.eml' | grep -q 'arc=pass' && grep -q 'spf=pass' '$tmp/hop2.eml'"
v="$(verdict "$tmp/hop2.eml")"
check "hop 2 validates ($v)" test "$v" = "pass 2"
sed 's/Hello/Hullo/' "$tmp/hop2.eml" >"$tmp/bad.eml"
run arc "${hop1[@]}" "$tmp/bad.eml"
expect "hop 3 over a broken chain" 0
check "broken chain sealed cv=fail" bash -c "head -1 '$tmp/out' | grep -q 'i=3;.*cv=fail'"
cp "$tmp/out" "$tmp/failed.eml"
run arc "${hop1[@]}" "$tmp/failed.eml"
expect "after cv=fail: no set" 0 "no set added"
check "after cv=fail: A-R then the message" bash -c "head -1 '$tmp/out' | grep -q '^Authentication-Results:'"

# ---- line ends and mbox
run arc "${hop1[@]}" "$tmp/lf.eml"
expect "LF message" 0
check "LF output" bash -c "! grep -q \$'\\r' '$tmp/out'"
run arc "${hop1[@]}" "$tmp/mbox.eml"
expect "mbox message" 0
check "mbox From line first" bash -c "head -1 '$tmp/out' | grep -q '^From alice@'"

# ---- a key of the chain times out: 75, nothing printed
sed 's/d=hop1.example; s=arc;/d=slow.example; s=arc;/' "$tmp/hop1.eml" >"$tmp/slow.eml"
run arc "${hop2[@]}" "$tmp/slow.eml"
expect "chain key times out" 75 "could not be fetched now"
check "nothing printed on 75" test ! -s "$tmp/out"

echo "$cases checks, $failures failures"
((failures == 0))
