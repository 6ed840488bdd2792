#!/usr/bin/env python3
"""Convert the openspf RFC 7208 test suite (YAML) to a mailauth case file.

usage: openspf2case.py rfc7208-tests.yml OUT.case

The output has one section per scenario ("@@ description"): the zone in the
zone text format of docs/zone-format.md, a blank line, then one key/value
block per test (tests/support/case_file.h, spf_harness.h). The suite's
conventions (shared/testdata/spf/openspf-rfc7208/README.md) are applied:

* SPF items are also served as TXT when the name has no TXT item at all;
  "TXT: NONE" lists no record but stops that copying.
* A bare TIMEOUT item: every type with no record listed before it times
  out; records after it are never answered (the copied TXT records count as
  listed after everything). "TXT: TIMEOUT" makes that one type time out.
* A name not in zonedata is NXDOMAIN; a listed name without the type, NODATA
  (the zone driver does this by itself).
* The runner's default explanation is "DEFAULT".
* A list of results means any of them is accepted.

Exit status: 0 done, 77 input absent (the suite is skipped), 1 error.
"""
import os
import sys

TYPES = ("A", "AAAA", "MX", "TXT", "PTR", "CNAME")
ASKED = ("A", "AAAA", "MX", "TXT", "PTR")  # what SPF asks for


def to_bytes(s):
    """YAML "\\xNN" escapes are code points; the suite means raw bytes."""
    if isinstance(s, bytes):
        return s
    s = str(s)
    try:
        return s.encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def name_token(name):
    """An owner or target name as a bare zone token (\\DDD for other bytes)."""
    out = []
    for b in to_bytes(name):
        c = chr(b)
        if 0x21 <= b <= 0x7E and c not in '";#\\':
            out.append(c)
        else:
            out.append("\\%03d" % b)
    if not out:
        raise ValueError("empty name")
    return "".join(out)


def quoted(s):
    out = ['"']
    for b in to_bytes(s):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b <= 0x7E:
            out.append(c)
        else:
            out.append("\\%03d" % b)
    out.append('"')
    return "".join(out)


def rdata(rtype, value):
    if rtype in ("TXT", "SPF"):
        parts = value if isinstance(value, list) else [value]
        if not parts:  # a record of no strings: one empty string reads the same
            parts = [""]
        return " ".join(quoted(p) for p in parts)
    if rtype == "MX":
        pref, host = value
        return "%d %s" % (int(pref), name_token(host) if host else ".")
    if rtype in ("PTR", "CNAME"):
        return name_token(value)
    return str(value)  # A, AAAA


def items_of(entries):
    """[(type, value)] in order, with "TIMEOUT" for a bare marker."""
    out = []
    for e in entries or []:
        if isinstance(e, str):
            if e != "TIMEOUT":
                raise ValueError("unknown bare item %r" % e)
            out.append(("TIMEOUT", None))
            continue
        for k, v in e.items():
            out.append((str(k).upper(), v))
    return out


def zone_lines(owner, entries):
    items = items_of(entries)
    has_txt = any(t == "TXT" for t, _ in items)
    marker = next((i for i, (t, _) in enumerate(items) if t == "TIMEOUT"), None)
    before = items if marker is None else items[:marker]
    records = [(t, v) for t, v in before if v != "NONE"]
    lines = []
    for t, v in records:
        if v == "TIMEOUT":
            lines.append((t, "TIMEOUT"))
        else:
            lines.append((t, rdata(t, v)))
    if not has_txt:
        copies = [("TXT", rdata("SPF", v)) for t, v in items if t == "SPF"]
        if marker is None:
            lines += copies
    if marker is not None:
        listed = {t for t, v in records}
        for t in ASKED:
            if t not in listed:
                lines.append((t, "TIMEOUT"))
    tok = name_token(owner)
    return ["%s %s %s" % (tok, t, r) for t, r in lines]


def value_line(key, value):
    s = "" if value is None else str(value)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        raise ValueError("control character in %s value %r" % (key, s))
    return ("%s: %s" % (key, s)).rstrip(" ") if s == "" else "%s: %s" % (key, s)


def test_block(name, t):
    res = t["result"]
    res = " ".join(res) if isinstance(res, list) else res
    lines = [
        "name: " + name,
        "spec: " + str(t.get("spec", "")),
        value_line("ip", t["host"]),
        value_line("helo", t.get("helo", "")),
        value_line("mailfrom", t.get("mailfrom", "")),
        "result: " + res,
        "default-exp: DEFAULT",
    ]
    if "explanation" in t and t["explanation"] is not None:
        lines.append(value_line("explanation", t["explanation"]))
    return lines


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 1
    src, dst = argv[1], argv[2]
    if not os.path.exists(src):
        print("SKIP: %s not found" % src)
        return 77
    try:
        import yaml
    except ImportError:
        sys.stderr.write("openspf2case: python3-yaml is needed\n")
        return 1
    with open(src, "rb") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    out = ["# Generated from %s by tests/tools/openspf2case.py: do not edit." % src]
    ntests = 0
    for doc in docs:
        out.append("@@ " + " ".join(str(doc.get("description", "scenario")).split()))
        for owner, entries in (doc.get("zonedata") or {}).items():
            out += zone_lines(owner, entries)
        for name, t in (doc.get("tests") or {}).items():
            out.append("")
            out += test_block(name, t)
            ntests += 1
        out.append("")
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with open(dst, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(out) + "\n")
    print("openspf2case: %d scenarios, %d tests -> %s" % (len(docs), ntests, dst))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
