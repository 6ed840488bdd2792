#!/usr/bin/env bash
# ctest "sign_keys": the key side of mailauth-sign (docs/mailauth-sign.1.md):
# `keygen` and `dkim --dns-record`. The record's owner is where the
# signatures point (A-labels), domain and selector are refused as signing
# refuses them, the key file is mode 0600 and never overwritten, the TXT
# strings are at most 255 octets, and a key made by keygen signs a message
# that mailauth-check verifies with the printed line as its zone.
#   sign_keys_test.sh MAILAUTH_SIGN MAILAUTH_CHECK KEY_DIR
# KEY_DIR is tests/data/dkim_sign. Prints one line per failure.
set -u

if (($# != 3)); then
    echo "usage: sign_keys_test.sh MAILAUTH_SIGN MAILAUTH_CHECK KEY_DIR" >&2
    exit 2
fi
bin="$1"
check="$2"
keys="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0
idn=$'b\xc3\xbccher.example' # bücher.example, UTF-8
ace=xn--bcher-kva.example
printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello\r\n' \
    >"$tmp/msg.eml"

# run ARGS...: sets rc; output in $tmp/out, $tmp/err.
run() {
    "$bin" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

source "$(dirname "${BASH_SOURCE[0]}")/cli_expect.sh"

# check_line NAME FILE KEYFILE: FILE is one zone line whose TXT strings are
# each at most 255 octets and together the bare record of KEYFILE.
check_line() {
    local name="$1" line rec strings
    cases=$((cases + 1))
    line="$(cat "$2")"
    if [[ "$(wc -l <"$2")" -ne 1 ]]; then
        fail "$name" "not one line"
        return
    fi
    if ! "$bin" dkim --key "$3" --dns-record >"$tmp/bare" 2>"$tmp/err"; then
        fail "$name" "dkim --dns-record of the key failed"
        return
    fi
    rec="$(cat "$tmp/bare")"
    strings="$(grep -o '"[^"]*"' <<<"$line")"
    if awk '{ if (length($0) - 2 > 255) bad = 1 } END { exit !bad }' <<<"$strings"; then
        fail "$name" "a TXT string is over 255 octets"
    elif [[ "$(tr -d '"\n' <<<"$strings")" != "$rec" ]]; then
        fail "$name" "the strings are not the key's record"
    fi
}

# ---- dkim --dns-record: owner in A-labels, names checked as signing does
ed=(--key "$keys/ed25519-pkcs8.pem")
run dkim "${ed[@]}" --domain "$idn" --selector s1 --dns-record
expect "--dns-record IDN owner" 0 "^s1\._domainkey\.${ace//./\\.}\. TXT \"v=DKIM1; k=ed25519; p="
run dkim "${ed[@]}" --domain "$idn" --selector s1 --now 1700000000 "$tmp/msg.eml"
expect "signature d= of the IDN" 0 "d=${ace//./\\.}; s=s1;"
run dkim "${ed[@]}" --domain 'exa mple.org' --selector 'a"b' --dns-record
expect "--dns-record bad domain and selector" 64 "^mailauth-sign: --domain 'exa mple.org' is not a valid name"
run dkim "${ed[@]}" --domain 'exa mple.org' --selector s1 --dns-record
expect "--dns-record bad domain" 64 "--domain 'exa mple.org' is not a valid name"
run dkim "${ed[@]}" --domain example.org --selector 'a"b' --dns-record
expect "--dns-record bad selector" 64 "--selector 'a\"b' is not a valid name"
run dkim "${ed[@]}" --domain localhost --selector s1 --dns-record
expect "--dns-record one-label domain (signing refuses it)" 64 "--domain 'localhost' is not"
run dkim "${ed[@]}" --domain example.org --selector s1. --dns-record
expect "--dns-record selector ending in a dot" 64 "--selector 's1\.' is not"

# ---- keygen: usage errors, nothing written
kg=(keygen --domain example.org --selector s1)
run "${kg[@]}" --out "$tmp/k.pem"; expect "keygen without --algorithm" 64 "--algorithm"
run "${kg[@]}" --algorithm rsa-sha1 --out "$tmp/k.pem"; expect "keygen rsa-sha1" 64 "--algorithm"
run "${kg[@]}" --algorithm ed25519-sha256; expect "keygen without --out" 64 "--out"
run "${kg[@]}" --algorithm ed25519-sha256 --out -; expect "keygen --out -" 64 "--out"
run "${kg[@]}" --algorithm ed25519-sha256 --bits 2048 --out "$tmp/k.pem"
expect "keygen --bits with ed25519" 64 "--bits"
run "${kg[@]}" --algorithm rsa-sha256 --bits 512 --out "$tmp/k.pem"
expect "keygen --bits 512" 64 "--bits"
run "${kg[@]}" --algorithm rsa-sha256 --bits 16384 --out "$tmp/k.pem"
expect "keygen --bits 16384" 64 "--bits"
run keygen --algorithm ed25519-sha256 --domain example.org --out "$tmp/k.pem"
expect "keygen without --selector" 64 "--selector"
run "${kg[@]}" --algorithm ed25519-sha256 --key "$keys/ed25519-pkcs8.pem" --out "$tmp/k.pem"
expect "keygen --key" 64 "keygen takes only"
run "${kg[@]}" --algorithm ed25519-sha256 --out "$tmp/k.pem" "$tmp/msg.eml"
expect "keygen with a message" 64 "reads no message"
run dkim "${ed[@]}" --domain example.org --selector s1 --out "$tmp/k.pem" "$tmp/msg.eml"
expect "dkim --out" 64 "for keygen"
run keygen --algorithm ed25519-sha256 --domain 'exa mple.org' --selector 'a"b' --out "$tmp/k.pem"
expect "keygen bad names" 64 "not a valid name"
cases=$((cases + 1))
[[ -e "$tmp/k.pem" ]] && fail "keygen usage errors" "a key file was written"

# ---- keygen ed25519, IDN domain, umask that would give 0400: file is 0600
(umask 0277 && "$bin" keygen --algorithm ed25519-sha256 --domain "$idn" --selector ed1 \
    --out "$tmp/ed.pem" >"$tmp/out" 2>"$tmp/err")
rc=$?
expect "keygen ed25519 IDN" 0 "^ed1\._domainkey\.${ace//./\\.}\. TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"$"
cp "$tmp/out" "$tmp/ed.zone"
cases=$((cases + 1))
mode="$(stat -c %a "$tmp/ed.pem" 2>/dev/null)"
[[ "$mode" == 600 ]] || fail "keygen key file mode" "mode $mode, want 600"
cases=$((cases + 1))
head -1 "$tmp/ed.pem" | grep -qx -- '-----BEGIN PRIVATE KEY-----' ||
    fail "keygen key file" "not a PKCS#8 PEM key"
check_line "keygen ed25519 line" "$tmp/ed.zone" "$tmp/ed.pem"

# never over an existing file
cp "$tmp/ed.pem" "$tmp/ed.before"
run keygen --algorithm ed25519-sha256 --domain example.org --selector x --out "$tmp/ed.pem"
expect "keygen over an existing file" 73 "never overwritten"
cases=$((cases + 1))
cmp -s "$tmp/ed.pem" "$tmp/ed.before" || fail "keygen over an existing file" "file changed"
ln -s "$tmp/elsewhere.pem" "$tmp/link.pem"
run keygen --algorithm ed25519-sha256 --domain example.org --selector x --out "$tmp/link.pem"
expect "keygen through a dangling symlink" 73 "link.pem"
cases=$((cases + 1))
[[ -e "$tmp/elsewhere.pem" ]] && fail "keygen through a dangling symlink" "followed the link"

# ---- keygen rsa (default 2048 bits): two strings (the record is over 255)
run keygen --algorithm rsa-sha256 --domain example.org --selector r1 --out "$tmp/rsa.pem"
expect "keygen rsa-sha256" 0 '^r1\._domainkey\.example\.org\. TXT "v=DKIM1; k=rsa; p=MIIB[^"]*" "[^"]+"$'
cp "$tmp/out" "$tmp/rsa.zone"
check_line "keygen rsa line" "$tmp/rsa.zone" "$tmp/rsa.pem"
run dkim --key "$tmp/rsa.pem" --algorithm rsa-sha256 --domain example.org --selector r1 \
    --dns-record
cases=$((cases + 1))
cmp -s "$tmp/out" "$tmp/rsa.zone" || fail "keygen rsa" "its line differs from dkim --dns-record"
run keygen --algorithm rsa-sha256 --bits 1024 --domain example.org --selector r2 \
    --out "$tmp/rsa1024.pem"
expect "keygen rsa 1024" 0 '^r2\._domainkey\.example\.org\. TXT "v=DKIM1; k=rsa; p=MIGf[^"]*"$'

# ---- the keys sign, and mailauth-check verifies with the printed lines
for k in ed:ed1:"$idn" rsa:r1:example.org; do
    IFS=: read -r name sel dom <<<"$k"
    cases=$((cases + 1))
    if ! "$bin" dkim --key "$tmp/$name.pem" --domain "$dom" --selector "$sel" "$tmp/msg.eml" \
        >"$tmp/signed.eml" 2>"$tmp/err"; then
        fail "sign with the $name key" "mailauth-sign dkim failed"
        continue
    fi
    "$check" --zone "$tmp/$name.zone" --only dkim --json "$tmp/signed.eml" >"$tmp/out" \
        2>"$tmp/err"
    if ! grep -q '"result": *"pass"' "$tmp/out"; then
        fail "verify the $name key's signature" "mailauth-check says no pass"
    fi
done

echo "sign_keys: $cases cases, $failures failures"
((failures == 0))
