#!/usr/bin/env python3
"""Convert the ARC conformance data to one mailauth ARC case file.

usage: arcsuite2case.py TESTDATA_DIR OUT.case

Reads, in place under TESTDATA_DIR (shared/testdata, see its README.md):

* arc/valimail-arc-test-suite/arc-draft-validation-tests.yml  (kind "validate")
* arc/valimail-arc-test-suite/arc-draft-sign-tests.yml        (kind "sign")
* arc/valimail-arc-test-suite/known-issues.yml                (kind "known")
* arc/stalwart-mail-auth/*.txt                                 (kind "stalwart")

and writes records that tests/support/arc_suite.c reads:

    case <kind> <name>
    <key> <length>
    <length bytes>
    ...
    end

Values are length-prefixed, so messages keep every byte. The suites'
conventions (README.md of each folder) are applied here:

* messages have LF line ends in the sources: every LF becomes CRLF;
* DNS records ("txt-records", Stalwart "<owner> <value>" lines) become a
  zone in the zone text format of docs/zone-format.md, each TXT value cut in
  strings of at most 255 octets; the signing file folds its key record over
  several lines, joined here with no separator;
* an expected cv is lower-cased ("" stays "", see known-issues.yml).

Exit status: 0 done, 77 input absent (the suite is skipped), 1 error.
"""
import glob
import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - python3-yaml is a test dependency
    sys.stderr.write("arcsuite2case: python3-yaml is not installed\n")
    sys.exit(1)

VALIMAIL = "arc/valimail-arc-test-suite"
STALWART = "arc/stalwart-mail-auth"


def crlf(text):
    data = text.encode("utf-8")
    data = data.replace(b"\r\n", b"\n")
    return data.replace(b"\n", b"\r\n")


def txt_rdata(value):
    """TXT rdata: quoted strings of at most 255 octets each."""
    raw = value.encode("utf-8")
    parts = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    out = []
    for p in parts:
        s = ['"']
        for b in p:
            c = chr(b)
            if c in '"\\':
                s.append("\\" + c)
            elif 0x20 <= b <= 0x7E:
                s.append(c)
            else:
                s.append("\\%03d" % b)
        s.append('"')
        out.append("".join(s))
    return " ".join(out)


def zone_of(records):
    lines = []
    for owner, value in records.items():
        value = "".join(str(value).splitlines())  # the signing file folds keys
        lines.append("%s TXT %s" % (owner, txt_rdata(value.strip())))
    return "\n".join(lines) + "\n"


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.count = 0

    def case(self, kind, name, fields):
        self.f.write(("case %s %s\n" % (kind, name)).encode("ascii"))
        for key, value in fields:
            if isinstance(value, str):
                value = value.encode("utf-8")
            self.f.write(("%s %d\n" % (key, len(value))).encode("ascii"))
            self.f.write(value)
            self.f.write(b"\n")
        self.f.write(b"end\n")
        self.count += 1

    def close(self):
        self.f.close()


def validation(w, path):
    for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
        zone = zone_of(doc.get("txt-records") or {})
        scenario = str(doc.get("description", "")).strip()
        for name, t in doc["tests"].items():
            cv = str(t.get("cv", "")).strip().lower()
            w.case("validate", name, [
                ("scenario", scenario),
                ("description", str(t.get("description", "")).strip()),
                ("cv", cv),
                ("zone", zone),
                ("message", crlf(str(t.get("message") or ""))),
            ])


def signing(w, path):
    for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
        zone = zone_of(doc.get("txt-records") or {})
        scenario = str(doc.get("description", "")).strip()
        for name, t in doc["tests"].items():
            fields = [
                ("scenario", scenario),
                ("zone", zone),
                ("domain", str(doc["domain"])),
                ("selector", str(doc["sel"])),
                ("privatekey", str(doc["privatekey"])),
                ("t", str(t["t"])),
                ("sig-headers", str(t["sig-headers"])),
                ("srv-id", str(t["srv-id"])),
                ("message", crlf(str(t["message"]))),
            ]
            for key in ("AS", "AMS", "AAR"):
                fields.append((key, " ".join(str(t.get(key) or "").split())))
            w.case("sign", name, fields)


def known(w, path):
    for item in yaml.safe_load(open(path, encoding="utf-8")) or []:
        want = item["expected_rfc8617"]
        if isinstance(want, list):
            want = "|".join(want)
        w.case("known", item["test"], [
            ("upstream", str(item["expected_upstream"])),
            ("rfc8617", str(want)),
            ("why", str(item["why"])),
        ])


def stalwart(w, folder):
    for path in sorted(glob.glob(os.path.join(folder, "[0-9]*.txt"))):
        text = open(path, encoding="utf-8").read()
        head, _, message = text.partition("\n\n")
        records = {}
        for line in head.splitlines():
            if line.strip():
                owner, _, value = line.partition(" ")
                records[owner] = value
        w.case("stalwart", os.path.basename(path), [
            ("zone", zone_of(records)),
            ("message", crlf(message)),
        ])


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 1
    base, out = argv[1], argv[2]
    vfile = os.path.join(base, VALIMAIL, "arc-draft-validation-tests.yml")
    if not os.path.exists(vfile):
        print("SKIP: %s not found" % vfile)
        return 77
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    w = Writer(out + ".tmp")
    validation(w, vfile)
    signing(w, os.path.join(base, VALIMAIL, "arc-draft-sign-tests.yml"))
    known(w, os.path.join(base, VALIMAIL, "known-issues.yml"))
    stalwart(w, os.path.join(base, STALWART))
    w.close()
    os.replace(out + ".tmp", out)
    print("%d cases written to %s" % (w.count, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
