#!/usr/bin/env bash
# ctest "sign_cli": mailauth-sign against its contract
# (docs/mailauth-sign.1.md): options, output shape, exit codes. Signatures
# themselves are cross-verified by ctest dkim_sign_interop.
#   sign_cli_test.sh MAILAUTH_SIGN KEY_DIR
# KEY_DIR is tests/data/dkim_sign. Prints one line per failure.
set -u

if (($# != 2)); then
    echo "usage: sign_cli_test.sh MAILAUTH_SIGN KEY_DIR" >&2
    exit 2
fi
bin="$1"
keys="$2"
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
rsa=(--key "$keys/rsa2048-pkcs8.pem" --domain example.org --selector sel --now 1700000000)
ed=(--key "$keys/ed25519-pkcs8.pem" --domain example.org --selector sel --now 1700000000)

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

# Unfold header fields (RFC 5322 §2.2.3): a line break before white space goes.
unfold() {
    sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\{0,1\}\n\([ \t]\)/\1/g'
}

# expect NAME RC [ERE on the unfolded stdout, or on stderr when RC is not
# 0]. Exit 0 needs a silent stderr (a sanitizer report fails); others one line.
expect() {
    local name="$1" want="$2" pattern="${3:-}"
    cases=$((cases + 1))
    if [[ "$want" != 0 ]]; then
        cp "$tmp/err" "$tmp/match"
    else
        unfold <"$tmp/out" >"$tmp/match"
    fi
    if [[ "$rc" != "$want" ]]; then
        fail "$name" "exit $rc, want $want"
    elif [[ -n "$pattern" ]] && ! grep -Eq -- "$pattern" "$tmp/match"; then
        fail "$name" "output does not match /$pattern/"
    elif [[ "$want" == 0 && -s "$tmp/err" ]]; then
        fail "$name" "unexpected stderr"
    elif [[ "$want" != 0 && "$(wc -l <"$tmp/err")" -ne 1 ]]; then
        fail "$name" "want exactly one line on stderr"
    fi
}

# ---- usage errors: 64
run; expect "no command" 64 "expected a command"
run frob; expect "unknown command" 64 "unknown command"
run dkim --domain example.org --selector sel; expect "no --key" 64 "--key is required"
run dkim --key "$keys/ed25519-pkcs8.pem" --selector sel; expect "no --domain" 64 "--domain"
run dkim --key "$keys/ed25519-pkcs8.pem" --domain d.example; expect "no --selector" 64 "--selector"
run dkim "${ed[@]}" --bogus; expect "unknown option" 64 "unknown option"
run dkim "${ed[@]}" --canon relaxed/loose; expect "bad --canon" 64 "--canon"
run dkim "${ed[@]}" --algorithm rsa-sha1; expect "rsa-sha1 refused" 64 "--algorithm"
run dkim "${ed[@]}" --algorithm rsa-sha256; expect "algorithm not the key's" 64 "does not match"
run dkim "${rsa[@]}" --algorithm ed25519-sha256; expect "algorithm not the key's (rsa)" 64 \
    "does not match"
run dkim "${ed[@]}" --headers to:subject; expect "h= without From" 64 "--headers"
run dkim "${ed[@]}" --auid alice@other.example; expect "i= outside d=" 64 "--auid"
run dkim "${ed[@]}" --expire 0; expect "--expire 0" 64 "--expire"
run dkim "${ed[@]}" --now soon; expect "bad --now" 64 "--now"
run dkim --key "$keys/ed25519-pkcs8.pem" --domain 'bad domain' --selector sel
expect "bad --domain" 64 "not a valid name"
run dkim --key "$keys/rsa512-pkcs1.pem" --domain example.org --selector sel
expect "512-bit RSA key" 64 "1024 bits"
run dkim --key "$keys/README.md" --domain example.org --selector sel
expect "not a key" 64 "not an unencrypted PEM"
run dkim "${ed[@]}" "$tmp/crlf.eml" "$tmp/lf.eml"; expect "two messages" 64 "more than one"
run arc --ip 192.0.2.1 "$tmp/crlf.eml"; expect "arc without --key" 64 "--key is required"

# ---- unreadable or unsignable input: 66
run dkim --key "$tmp/none.pem" --domain example.org --selector sel
expect "key file missing" 66 "none.pem"
run dkim "${ed[@]}" "$tmp/none.eml"; expect "message missing" 66 "none.eml"
run dkim "${ed[@]}" "$tmp/nofrom.eml"; expect "no From" 66 "no From"

# ---- success
run --help; expect "--help" 0 "^Usage: mailauth-sign dkim"
run --version; expect "--version" 0 "^mailauth-sign \(mailauth "
run dkim "${rsa[@]}"
expect "stdin, defaults" 0 \
    "^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel;"
cases=$((cases + 1))
if ! unfold <"$tmp/out" | grep -q "t=1700000000; h=from:from:to:subject; bh="; then
    fail "default tags" "t= and h= not as expected"
fi
# the message follows the field unchanged, and the field is CRLF-folded at 78
cases=$((cases + 1))
n=$(wc -c <"$tmp/crlf.eml")
if ! tail -c "$n" "$tmp/out" | cmp -s - "$tmp/crlf.eml"; then
    fail "message unchanged" "the original bytes do not end the output"
elif awk '{ sub(/\r$/, ""); if (length($0) > 78) bad = 1 } END { exit bad }' "$tmp/out"; then
    :
else
    fail "78 columns" "a line is longer than 78 columns"
fi
cp "$tmp/out" "$tmp/first"
run dkim "${rsa[@]}" -; expect "stdin as -" 0
cases=$((cases + 1))
cmp -s "$tmp/out" "$tmp/first" || fail "deterministic" "same input, --now and key: other output"
run dkim "${ed[@]}" --canon simple --headers From:Subject:From --auid a@example.org \
    --expire 60 --body-length "$tmp/crlf.eml"
expect "all options" 0 \
    "a=ed25519-sha256; c=simple/simple; .*t=1700000000; x=1700000060; i=a@example.org;"
cases=$((cases + 1))
unfold <"$tmp/out" | grep -q "l=7; h=From:Subject:From;" || fail "l= and h=" "not as expected"
run dkim "${ed[@]}" "$tmp/lf.eml"; expect "LF message" 0 "^DKIM-Signature: "
cases=$((cases + 1))
if grep -q $'\r' "$tmp/out"; then fail "LF message" "CR in the output of an LF message"; fi
run dkim "${ed[@]}" "$tmp/mbox.eml"; expect "mbox From line" 0 "^From alice@example.org Thu"
cases=$((cases + 1))
[[ "$(sed -n 2p "$tmp/out")" == DKIM-Signature:* ]] || fail "mbox From line" "field not second"
run dkim --key "$keys/ed25519-pkcs8.pem" --dns-record
expect "--dns-record bare" 0 "^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$"
run dkim --key "$keys/rsa2048-pkcs8.pem" --domain example.org --selector s1 --dns-record
expect "--dns-record zone line" 0 \
    '^s1\._domainkey\.example\.org\. TXT "v=DKIM1; k=rsa; p=MIIB[^"]*" "[^"]+"$'

echo "sign_cli: $cases cases, $failures failures"
((failures == 0))
