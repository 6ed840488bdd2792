#!/usr/bin/env bash
# ctest "milter_config": `mailauth-milter -n` against the configuration
# contract (docs/mailauth-milter.conf.5.md).
#   milter_config_test.sh MAILAUTH_MILTER SOURCE_DIR OPENSSL
# SOURCE_DIR is examples/mailauth-milter (its default mailauth-milter.conf
# must pass). Every case runs the real binary and checks the exit status
# and the message; prints one line per failure, then "N passed, N failed".
set -u

if (($# != 3)); then
    echo "usage: milter_config_test.sh MAILAUTH_MILTER SOURCE_DIR OPENSSL" >&2
    exit 2
fi
bin="$1"
src="$2"
openssl="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0

"$openssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.pem" 2>/dev/null &&
    "$openssl" genpkey -algorithm ED25519 -out "$tmp/ed.pem" 2>/dev/null || {
    echo "openssl cannot make keys" >&2
    exit 1
}
printf 'not a key\n' >"$tmp/junk.pem"
printf 'example.org. TXT "v=spf1 -all"\n' >"$tmp/good.zone"
printf 'example.org. TXT "v=spf1 -all\n' >"$tmp/bad.zone"

# check NAME WANT_RC WANT_TEXT ARGS...: runs the binary, compares the exit
# status, and looks for WANT_TEXT (fixed string) in stdout + stderr.
check() {
    local name="$1" want_rc="$2" want_text="$3" rc
    shift 3
    cases=$((cases + 1))
    "$bin" "$@" >"$tmp/out" 2>&1 </dev/null
    rc=$?
    if ((rc != want_rc)); then
        failures=$((failures + 1))
        echo "FAIL: $name: exit $rc, wanted $want_rc"
        echo "  output: $(head -c 800 "$tmp/out")"
    elif [[ -n "$want_text" ]] && ! grep -qF -- "$want_text" "$tmp/out"; then
        failures=$((failures + 1))
        echo "FAIL: $name: no \"$want_text\" in the output"
        echo "  output: $(head -c 800 "$tmp/out")"
    fi
}

# conf NAME: the lines on stdin become $tmp/NAME.conf
conf() { cat >"$tmp/$1.conf"; }

# A complete file in the contract's format: inline # comments, ; comments,
# a repeated list key, a continued list, RSA and Ed25519 side by side.
conf good <<EOT
# the filter
socket         = inet:8891@127.0.0.1        # or unix:/run/mailauth/milter.sock
authserv_id    = mx.example.net
dns            = 192.0.2.53 192.0.2.54:5353 [2001:db8::53]:53   # servers
dmarc_mode     = 9989
on_dmarc_reject     = quarantine
on_dmarc_quarantine = tag ; semicolon comment
internal_hosts = 127.0.0.0/8 ::1
internal_hosts = 10.0.0.0/8
  192.168.0.0/16 2001:db8::/32
trusted_sealer = lists.example.org
trusted_sealer = forwarder.example.com
sign           = example.org rsa1 $tmp/rsa.pem
sign           = example.org ed1 $tmp/ed.pem
sign           = *.example.org sub1 $tmp/rsa.pem
seal           = lists.example.org arc1 $tmp/rsa.pem
history        = sqlite:$tmp/history.db
stats          = 127.0.0.1:9464
EOT
check "good file" 0 "configuration good (3 signing keys, a sealing key)" -n -c "$tmp/good.conf"
check "installed default file" 0 "configuration good" -n -c "$src/mailauth-milter.conf"

conf zone <<EOT
socket = unix:/run/mailauth/milter.sock
dns = zone:$tmp/good.zone
history = sqlite:$tmp/zone-history.db
stats = [::1]:9464
EOT
check "zone, sqlite, v6 stats" 0 "configuration good (0 signing keys, no sealing key)" \
    -n -c "$tmp/zone.conf"
[[ -f "$tmp/zone-history.db" ]] || { echo "FAIL: -n did not open (create) the store"; failures=$((failures + 1)); }

# -n opens the store once: one that cannot be reached is a configuration error
conf pg <<EOT
socket = unix:/run/mailauth/milter.sock
dns = zone:$tmp/good.zone
history = postgresql://mailauth@db.invalid/mailauth
EOT
check "unreachable postgresql store" 78 \
    "line 3: history = postgresql://mailauth@db.invalid/mailauth: postgresql: cannot connect" \
    -n -c "$tmp/pg.conf"
conf nodir <<EOT
socket = unix:/run/mailauth/milter.sock
dns = zone:$tmp/good.zone
history = sqlite:$tmp/no/such/folder/history.db
EOT
check "sqlite store in no folder" 78 "line 3: history = sqlite:$tmp/no/such/folder/history.db: sqlite: cannot open" \
    -n -c "$tmp/nodir.conf"

conf nosocket <<EOT
authserv_id = mx.example.net
EOT
check "socket from -p" 0 "configuration good" -n -p inet:8891@localhost -c "$tmp/nosocket.conf"
check "no socket at all" 78 "socket: not set" -n -c "$tmp/nosocket.conf"
check "bad -p" 78 "-p inet:99999@localhost: not a milter socket" \
    -n -p inet:99999@localhost -c "$tmp/nosocket.conf"

conf unknown <<EOT
socket = inet:8891@127.0.0.1
# a comment
frobnicate = yes
EOT
check "unknown key" 78 "line 3: frobnicate: unknown key" -n -c "$tmp/unknown.conf"

conf cidr <<EOT
socket = inet:8891@127.0.0.1
internal_hosts = 127.0.0.0/8
internal_hosts = 10.0.0.0/33
EOT
check "bad CIDR (bits)" 78 "line 3: internal_hosts: 10.0.0.0/33: not an address" \
    -n -c "$tmp/cidr.conf"
conf cidr6 <<EOT
socket = inet:8891@127.0.0.1
internal_hosts = 2001:db8::/129
EOT
check "bad CIDR (v6 bits)" 78 "line 2: internal_hosts: 2001:db8::/129" -n -c "$tmp/cidr6.conf"
conf cidrtext <<EOT
socket = inet:8891@127.0.0.1
internal_hosts = 127.0.0.0/8 localhost
EOT
check "bad CIDR (a name)" 78 "line 2: internal_hosts: localhost" -n -c "$tmp/cidrtext.conf"

conf reject <<EOT
socket = inet:8891@127.0.0.1
on_dmarc_reject = bounce
EOT
check "bad on_dmarc_reject" 78 "line 2: on_dmarc_reject: bounce: not reject, quarantine or tag" \
    -n -c "$tmp/reject.conf"
conf quarantine <<EOT
socket = inet:8891@127.0.0.1
on_dmarc_quarantine = reject
EOT
check "bad on_dmarc_quarantine" 78 "line 2: on_dmarc_quarantine: reject" \
    -n -c "$tmp/quarantine.conf"

conf nokey <<EOT
socket = inet:8891@127.0.0.1
sign = example.org s1 $tmp/rsa.pem
sign = example.org s2 $tmp/missing.pem
EOT
check "unreadable key file" 78 "line 3: sign: $tmp/missing.pem: cannot read the key file" \
    -n -c "$tmp/nokey.conf"
conf dirkey <<EOT
socket = inet:8891@127.0.0.1
seal = example.org arc $tmp
EOT
check "key file is a folder" 78 "line 2: seal: $tmp: cannot read the key file" \
    -n -c "$tmp/dirkey.conf"
conf junkkey <<EOT
socket = inet:8891@127.0.0.1
sign = example.org s1 $tmp/junk.pem
EOT
check "not a key" 78 "line 2: sign: $tmp/junk.pem: not a usable private key" \
    -n -c "$tmp/junkkey.conf"
conf signwords <<EOT
socket = inet:8891@127.0.0.1
sign = example.org $tmp/rsa.pem
EOT
check "sign with two words" 78 "line 2: sign: takes 3 values" -n -c "$tmp/signwords.conf"

for bad in "inet:@127.0.0.1" "inet:0@127.0.0.1" "inet:70000@127.0.0.1" "inet:8891@" \
    "unix:relative/path" "tcp:8891" "/run/mailauth/milter.sock"; do
    printf 'authserv_id = mx.example.net\nsocket = %s\n' "$bad" >"$tmp/socket.conf"
    check "bad socket $bad" 78 "line 2: socket: $bad: not a milter socket" -n -c "$tmp/socket.conf"
done

conf twice <<EOT
socket = inet:8891@127.0.0.1
authserv_id = a.example
authserv_id = b.example
EOT
check "single key given twice" 78 "line 3: authserv_id: given again (first on line 2)" \
    -n -c "$tmp/twice.conf"

conf shape <<EOT
socket = inet:8891@127.0.0.1
[milter]
just words
EOT
check "section line" 78 "line 2: sections" -n -c "$tmp/shape.conf"
check "not key = value" 78 "line 3: not a \`key = value\` line" -n -c "$tmp/shape.conf"

conf many <<EOT
socket = inet:8891@127.0.0.1
dns = 192.0.2.1:0
stats = localhost:9464
history = mysql://x
user = no-such-user-of-mailauth
dmarc_mode = 8601
trusted_sealer = bad..name
authserv_id = has;semicolon
EOT
check "bad dns" 78 "line 2: dns: 192.0.2.1:0" -n -c "$tmp/many.conf"
check "bad stats" 78 "line 3: stats: localhost:9464" -n -c "$tmp/many.conf"
check "bad history" 78 "line 4: history: mysql://x" -n -c "$tmp/many.conf"
check "bad user" 78 "line 5: user: no-such-user-of-mailauth: no such user" -n -c "$tmp/many.conf"
check "bad dmarc_mode" 78 "line 6: dmarc_mode: 8601" -n -c "$tmp/many.conf"
check "bad trusted_sealer" 78 "line 7: trusted_sealer: bad..name" -n -c "$tmp/many.conf"
check "bad authserv_id" 78 "line 8: authserv_id: has;semicolon" -n -c "$tmp/many.conf"

conf badzone <<EOT
socket = inet:8891@127.0.0.1
dns = zone:$tmp/bad.zone
EOT
check "zone syntax error" 78 "bad.zone: line 1" -n -c "$tmp/badzone.conf"
conf nozone <<EOT
socket = inet:8891@127.0.0.1
dns = zone:$tmp/missing.zone
EOT
check "zone missing" 78 "missing.zone" -n -c "$tmp/nozone.conf"

{
    printf 'socket = inet:8891@127.0.0.1\n'
    printf 'sign = example.org s1 /%0300d\n' 0
} >"$tmp/long.conf"
check "overlong line" 78 "line 2: line too long" -n -c "$tmp/long.conf"

check "missing file" 78 "$tmp/none.conf" -n -c "$tmp/none.conf"
check "unknown option" 64 "usage:" -x
check "stray argument" 64 "usage:" -n -c "$tmp/good.conf" extra

# the daemon itself refuses a bad file with 78 before it binds anything
check "daemon with a bad file" 78 "frobnicate: unknown key" -f -c "$tmp/unknown.conf"

echo "$((cases - failures)) passed, $failures failed"
((failures == 0))
