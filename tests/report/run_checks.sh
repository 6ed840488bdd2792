#!/bin/sh
# Script checks of the report writers (tests/report_gen.cmake):
#   run_checks.sh schema GEN_TEST XSD            xmllint --schema over the documents
#   run_checks.sh aggregate-mime GEN_TEST        Python email + dkimpy over the message
#   run_checks.sh failure-mime FAIL_TEST         Python email over the failure reports
#   run_checks.sh failure-example FAIL_TEST EML  ... and against the RFC 9991 example
# Exit 77 (skipped) when the shared test data a check reads is missing.
set -eu
mode=$1
bin=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" write "$tmp"
case $mode in
schema)
    [ -f "$3" ] || { echo "no schema at $3: skipped"; exit 77; }
    for f in "$tmp"/*.xml; do xmllint --noout --schema "$3" "$f"; done
    # the .xml.gz file as written, through gzip(1)
    for f in "$tmp"/*.xml.gz; do gzip -dc "$f" > "$tmp/from-gz.xml"; done
    xmllint --noout --schema "$3" "$tmp/from-gz.xml"
    ;;
aggregate-mime)
    /usr/bin/python3 "$here/check_mime.py" aggregate "$tmp/aggregate.eml" "$tmp/key.zone"
    ;;
failure-mime)
    /usr/bin/python3 "$here/check_mime.py" failure "$tmp/failure.eml"
    /usr/bin/python3 "$here/check_mime.py" failure "$tmp/failure-keep.eml" --keep
    ;;
failure-example)
    [ -f "$3" ] || { echo "no RFC 9991 example at $3: skipped"; exit 77; }
    /usr/bin/python3 "$here/check_mime.py" failure-sample "$3"
    /usr/bin/python3 "$here/check_mime.py" failure "$tmp/failure.eml" --sample "$3"
    ;;
*)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
