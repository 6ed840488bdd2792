#!/usr/bin/env bash
# ctest "sign_multi": `mailauth-sign dkim` with several --key options
# (docs/mailauth-sign.1.md, "Several keys"). An RSA and an Ed25519 key
# sign a message read once from a pipe; the fields come in --key order (the
# first key's on top), each byte for byte the field a one-key run makes,
# the message after them unchanged; mailauth-check and dkimpy both verify
# both signatures over a zone made of the --dns-record lines (one per key);
# options pair with keys as the manual says, and pairings that name no key
# clearly are refused with exit 64.
#   sign_multi_test.sh MAILAUTH_SIGN MAILAUTH_CHECK KEY_DIR PYTHON3 DKIMPY_VERIFIER
# KEY_DIR is tests/data/dkim_sign; DKIMPY_VERIFIER is
# tests/interop/dkim_verify_dkimpy.py. Prints one line per failure.
set -u

if (($# != 5)); then
    echo "usage: sign_multi_test.sh MAILAUTH_SIGN MAILAUTH_CHECK KEY_DIR PYTHON3 DKIMPY_VERIFIER" >&2
    exit 2
fi
bin="$1"
check="$2"
keys="$3"
py="$4"
dkimpy="$5"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0
rsa="$keys/rsa2048-pkcs8.pem"
ed="$keys/ed25519-pkcs8.pem"
now=(--now 1700000000)
printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: two keys\r\n\r\nHello\r\nBye\r\n' \
    >"$tmp/msg.eml"

# run ARGS...: sets rc; output in $tmp/out, $tmp/err (no input).
run() {
    "$bin" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# run_pipe ARGS...: as run, the message from a pipe (read once, no seek).
run_pipe() {
    cat "$tmp/msg.eml" | "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

EXPECT_QUIET_FAILURE=1
source "$(dirname "${BASH_SOURCE[0]}")/cli_expect.sh"

# fields FILE: the DKIM-Signature fields of FILE's header, one per line
# (folding joined), top to bottom.
fields() {
    awk '/^\r?$/ { exit } /^[ \t]/ { cur = cur $0; next }
         { if (cur != "") print cur; cur = $0 } END { if (cur != "") print cur }' "$1" |
        tr -d '\r' | grep -i '^DKIM-Signature:'
}

# ---- RSA + Ed25519 from a pipe: two fields, first key on top
run_pipe dkim --domain example.org --key "$rsa" --selector r1 --key "$ed" --selector e1 "${now[@]}"
expect "two keys from stdin" 0 '^DKIM-Signature: v=1; a=rsa-sha256;'
cp "$tmp/out" "$tmp/signed.eml"
fields "$tmp/signed.eml" >"$tmp/fields"
cases=$((cases + 1))
if [[ "$(wc -l <"$tmp/fields")" -ne 2 ]]; then
    fail "two keys: fields" "want 2 DKIM-Signature fields, got $(wc -l <"$tmp/fields")"
elif ! sed -n 1p "$tmp/fields" | grep -q 'a=rsa-sha256; .*d=example.org; s=r1;' ||
    ! sed -n 2p "$tmp/fields" | grep -q 'a=ed25519-sha256; .*d=example.org; s=e1;'; then
    fail "two keys: order" "want the first --key's (RSA, s=r1) on top, then s=e1"
fi
# the message follows the fields unchanged (the pipe was read once: all of it)
cases=$((cases + 1))
tail -c "$(wc -c <"$tmp/msg.eml")" "$tmp/signed.eml" | cmp -s - "$tmp/msg.eml" ||
    fail "two keys: message" "the message after the fields is not the input"

# each field is the one a one-key run makes (same --now: both schemes deterministic)
for k in rsa:r1:1 ed:e1:2; do
    IFS=: read -r name sel n <<<"$k"
    key="$rsa"
    [[ "$name" == ed ]] && key="$ed"
    run dkim --key "$key" --domain example.org --selector "$sel" "${now[@]}" "$tmp/msg.eml"
    expect "one key ($name)" 0 '^DKIM-Signature:'
    cases=$((cases + 1))
    [[ "$(fields "$tmp/out")" == "$(sed -n "${n}p" "$tmp/fields")" ]] ||
        fail "two keys: field $n" "differs from the field of a run with --key $name only"
done

# the other order puts Ed25519 on top
run_pipe dkim --domain example.org --key "$ed" --selector e1 --key "$rsa" --selector r1 "${now[@]}"
expect "two keys, Ed25519 first" 0 '^DKIM-Signature: v=1; a=ed25519-sha256;'
cases=$((cases + 1))
[[ "$(fields "$tmp/out" | sed -n 1p)" == "$(sed -n 2p "$tmp/fields")" ]] ||
    fail "two keys, Ed25519 first" "the top field is not the Ed25519 one"

# ---- --dns-record: one line per key, in --key order, as one-key runs print
run dkim --domain example.org --key "$rsa" --selector r1 --key "$ed" --selector e1 --dns-record
expect "--dns-record two keys" 0 '^e1\._domainkey\.example\.org\. TXT "v=DKIM1; k=ed25519; p='
cp "$tmp/out" "$tmp/keys.zone"
run dkim --key "$rsa" --domain example.org --selector r1 --dns-record
cp "$tmp/out" "$tmp/one.zone"
run dkim --key "$ed" --domain example.org --selector e1 --dns-record
cat "$tmp/out" >>"$tmp/one.zone"
cases=$((cases + 1))
cmp -s "$tmp/keys.zone" "$tmp/one.zone" ||
    fail "--dns-record two keys" "not the two one-key lines, in --key order"
run dkim --key "$rsa" --key "$ed" --dns-record
expect "--dns-record two bare records" 0 '^v=DKIM1; k=ed25519; p='
cases=$((cases + 1))
[[ "$(wc -l <"$tmp/out")" -eq 2 ]] && head -1 "$tmp/out" | grep -q '^v=DKIM1; k=rsa; p=' ||
    fail "--dns-record two bare records" "want the RSA record, then the Ed25519 one"

# ---- both signatures verify: mailauth-check, and dkimpy
"$check" --zone "$tmp/keys.zone" --only dkim --json "$tmp/signed.eml" >"$tmp/out" 2>"$tmp/err"
cases=$((cases + 1))
[[ "$(grep -c '"result": *"pass"' "$tmp/out")" -eq 2 ]] &&
    grep -q '"selector": *"r1", *"algorithm": *"rsa-sha256"' "$tmp/out" &&
    grep -q '"selector": *"e1", *"algorithm": *"ed25519-sha256"' "$tmp/out" ||
    fail "mailauth-check" "want dkim pass for s=r1 (rsa-sha256) and s=e1 (ed25519-sha256)"
"$py" "$dkimpy" "$tmp/keys.zone" <"$tmp/signed.eml" >"$tmp/out" 2>"$tmp/err"
rc=$?
cases=$((cases + 1))
if [[ "$rc" != 0 || "$(grep -cx pass "$tmp/out")" -ne 2 ]]; then
    fail "dkimpy" "want both signatures to pass (exit $rc; 77: dkimpy not importable)"
fi
# and a changed body fails both (the verifiers do check)
sed 's/^Hello/Hallo/' "$tmp/signed.eml" >"$tmp/changed.eml"
"$py" "$dkimpy" "$tmp/keys.zone" <"$tmp/changed.eml" >"$tmp/out" 2>"$tmp/err"
cases=$((cases + 1))
[[ "$(grep -c '^fail' "$tmp/out")" -eq 2 ]] || fail "dkimpy, body changed" "want two fails"

# ---- per-key --domain and --algorithm; LF message with an mbox line
run dkim --domain example.org --key "$rsa" --algorithm rsa-sha256 --selector r1 \
    --key "$ed" --selector e1 --domain example.net --algorithm ed25519-sha256 "${now[@]}" \
    "$tmp/msg.eml"
expect "per-key --domain" 0 'a=ed25519-sha256; c=relaxed/relaxed; d=example\.net; s=e1;'
cases=$((cases + 1))
fields "$tmp/out" | sed -n 1p | grep -q 'a=rsa-sha256; .*d=example\.org; s=r1;' ||
    fail "per-key --domain" "the first key does not sign as example.org"
printf 'From alice@example.org Mon Dec  7 05:00:00 2026\nFrom: alice@example.org\nSubject: lf\n\nbody\n' \
    >"$tmp/lf.eml"
run dkim --domain example.org --key "$rsa" --selector r1 --key "$ed" --selector e1 "$tmp/lf.eml"
expect "LF mbox message" 0 '^From alice@example\.org '
cases=$((cases + 1))
[[ "$(head -1 "$tmp/out")" == "From alice@example.org Mon Dec  7 05:00:00 2026" &&
    "$(grep -c '^DKIM-Signature:' "$tmp/out")" -eq 2 ]] && ! grep -q $'\r' "$tmp/out" ||
    fail "LF mbox message" "want the From line first, then two fields with LF line ends"

# one key: the 1.0 forms still work (--selector and --algorithm before --key)
run dkim --selector r1 --algorithm rsa-sha256 --key "$rsa" --domain example.org "$tmp/msg.eml"
expect "one key, names before --key" 0 '^DKIM-Signature: v=1; a=rsa-sha256;'

# ---- pairings that name no key clearly, or one record twice: 64, nothing read
two=(--key "$rsa" --selector r1 --key "$ed" --selector e1)
run dkim --selector r1 --key "$rsa" --key "$ed" --selector e1 --domain example.org "$tmp/msg.eml"
expect "--selector before the first of two keys" 64 "with several --key"
run dkim --algorithm rsa-sha256 --domain example.org "${two[@]}" "$tmp/msg.eml"
expect "--algorithm before the first of two keys" 64 "with several --key"
run dkim --domain example.org --key "$rsa" --selector r1 --selector r2 "$tmp/msg.eml"
expect "--selector twice for a key" 64 "--selector given twice for --key .*rsa2048"
run dkim --domain example.org --key "$rsa" --algorithm rsa-sha256 --algorithm rsa-sha256 \
    --selector r1 "$tmp/msg.eml"
expect "--algorithm twice for a key" 64 "--algorithm given twice"
run dkim --domain example.org --domain example.net "${two[@]}" "$tmp/msg.eml"
expect "--domain twice before the first key" 64 "--domain given twice \\(see --help\\)"
run dkim --selector r1 --key "$rsa" --selector r2 --domain example.org "$tmp/msg.eml"
expect "one key, --selector on both sides" 64 "--selector given twice"
run dkim --domain example.org --key "$rsa" --selector r1 --key "$ed" "$tmp/msg.eml"
expect "second key without --selector" 64 "--selector is required for --key .*ed25519"
run dkim "${two[@]}" --domain example.org "$tmp/msg.eml"
expect "--domain only after the last key" 64 "--domain is required for --key .*rsa2048"
run dkim --domain example.org --key "$rsa" --selector s1 --key "$ed" --selector S1 "$tmp/msg.eml"
expect "two keys under one selector" 64 "both sign as --domain example.org --selector S1"
run dkim --domain example.org --key "$rsa" --algorithm ed25519-sha256 --selector r1 \
    --key "$ed" --selector e1 "$tmp/msg.eml"
expect "--algorithm not its key's" 64 "--algorithm ed25519-sha256 does not match the key in .*rsa2048"
nine=()
for i in 1 2 3 4 5 6 7 8 9; do nine+=(--key "$ed" --selector "s$i"); done
run dkim --domain example.org "${nine[@]}" "$tmp/msg.eml"
expect "nine keys" 64 "--key given more than 8 times"
run dkim --domain example.org --key "$rsa" --selector r1 --key "$ed" --dns-record
expect "--dns-record, a key with a domain but no selector" 64 "give both --domain and --selector"
run arc --domain example.org --authserv-id mx.example.org "${two[@]}" "$tmp/msg.eml"
expect "arc with two keys" 64 "arc takes one --key"
# refused before the message is read: the pipe is left unread
cases=$((cases + 1))
left="$(cat "$tmp/msg.eml" | { "$bin" dkim "${two[@]}" >/dev/null 2>&1; cat; } | wc -c)"
[[ "$left" -eq "$(wc -c <"$tmp/msg.eml")" ]] ||
    fail "usage error reads no input" "$left bytes of the message left unread"

echo "sign_multi: $cases cases, $failures failures"
((failures == 0))
