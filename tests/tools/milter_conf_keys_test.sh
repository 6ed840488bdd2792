#!/usr/bin/env bash
# ctest "milter_conf_keys": the configuration keys mailauth-milter reads (the
# table of examples/mailauth-milter/config_keys.c), the keys its manual
# defines (docs/mailauth-milter.conf.5.md: lines starting "**key** =") and
# the keys the installed default configuration shows (set or commented out)
# are the same three sets.
#   milter_conf_keys_test.sh SOURCE_DIR
set -u
src="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
grep -oE '^    \{"[a-z_]+",' "$src/examples/mailauth-milter/config_keys.c" |
    sed -E 's/^    \{"([a-z_]+)",/\1/' | sort -u >"$tmp/parser"
grep -oE '^\*\*[a-z_]+\*\* =' "$src/docs/mailauth-milter.conf.5.md" |
    sed -E 's/^\*\*([a-z_]+)\*\* =/\1/' | sort -u >"$tmp/page"
grep -oE '^#?[a-z_]+ *=' "$src/examples/mailauth-milter/mailauth-milter.conf" |
    sed -E 's/^#?([a-z_]+) *=/\1/' | sort -u >"$tmp/default"
failures=0
for other in page default; do
    for k in $(comm -23 "$tmp/parser" "$tmp/$other"); do
        echo "FAIL: key '$k' is read by the filter but not in the $other"
        failures=$((failures + 1))
    done
    for k in $(comm -13 "$tmp/parser" "$tmp/$other"); do
        echo "FAIL: key '$k' is in the $other but the filter does not read it"
        failures=$((failures + 1))
    done
done
if [[ ! -s "$tmp/parser" ]]; then
    echo "FAIL: no keys found in config_keys.c"
    failures=$((failures + 1))
fi
echo "milter_conf_keys: $(wc -l <"$tmp/parser") keys, $failures mismatches"
((failures == 0))
