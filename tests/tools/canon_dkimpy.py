#!/usr/bin/env python3
"""Cross-check tests/data/canon/*.case against dkimpy (Debian python3-dkim).

  canon_dkimpy.py [DATA_DIR]          check; exit 0 ok, 1 mismatch, 77 skipped
  canon_dkimpy.py --print [DATA_DIR]  print dkimpy's bh- lines for body.case

For every body case, dkimpy's simple and relaxed canonical bodies must equal
the expected ones, and every bh-<canon>-<alg> value in the file must equal
the hash of dkimpy's canonical body; header cases are compared the same
way. A case marked "dkimpy: differs: ..." must differ (so the note stays
true) and is otherwise skipped: those are the places where mailauth
follows RFC 6376 literally and dkimpy does not.
"""
import base64
import hashlib
import os
import re
import sys

try:
    from dkim.canonicalization import Relaxed, Simple
except ImportError:
    print("SKIP: dkimpy (python3-dkim) is not importable by", sys.executable)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "data", "canon")


def unescape(s):
    """The case-file escapes: \\r \\n \\t \\s \\\\ \\xHH \\*N{text}."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = s[i + 1]
        if e in "rnts\\":
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "s": b" ", "\\": b"\\"}[e]
            i += 2
        elif e == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif e == "*":
            m = re.match(r"\\\*(\d+)\{([^{}]*)\}", s[i:])
            if not m:
                raise ValueError("bad repeat in " + s)
            out += unescape(m.group(2)) * int(m.group(1))
            i += m.end()
        else:
            raise ValueError("bad escape in " + s)
    return bytes(out)


def blocks(path):
    """Key/value blocks after the first blank line ('#' lines are comments)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    body = text.split("\n\n", 1)[1]
    out, cur = [], {}
    for line in body.split("\n"):
        if line == "":
            if cur:
                out.append(cur)
            cur = {}
        elif not line.startswith("#"):
            k, v = line.split(":", 1)
            cur[k] = v[1:] if v.startswith(" ") else v
    if cur:
        out.append(cur)
    return out


ALGS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
CANONS = {"simple": Simple, "relaxed": Relaxed}


def b64(alg, data):
    return base64.b64encode(ALGS[alg](data).digest()).decode()


def check_bodies(path, printing):
    bad = 0
    for b in blocks(path):
        body = unescape(b["body"])
        differs = b.get("dkimpy", "").startswith("differs")
        same = True
        for cname, cls in CANONS.items():
            got = cls.canonicalize_body(body)
            if got != unescape(b[cname]):
                same = False
                if not differs:
                    print("MISMATCH body %s (%s): dkimpy %r" % (b["name"], cname, got))
                    bad += 1
            for alg in ALGS:
                key = "bh-%s-%s" % (cname, alg)
                if printing and not differs:
                    print("%s: %s" % (key, b64(alg, got)))
                elif key in b and not differs and b[key] != b64(alg, got):
                    print("MISMATCH %s of %s: dkimpy %s" % (key, b["name"], b64(alg, got)))
                    bad += 1
        if printing:
            print("  (for: %s)" % b["name"])
        if differs and same:
            print("STALE NOTE body %s: dkimpy agrees now" % b["name"])
            bad += 1
    return bad


def header_pair(b):
    """(raw field, is_sig) with a sig's [[...]] b= value removed."""
    if "sig" in b:
        return re.sub(rb"\[\[.*?\]\]", b"", unescape(b["sig"]), flags=re.S), True
    return unescape(b["field"]), False


def check_headers(path):
    bad = 0
    for b in blocks(path):
        raw, is_sig = header_pair(b)
        name, value = raw.split(b":", 1)
        end = b"" if is_sig else b"\r\n"
        differs = b.get("dkimpy", "").startswith("differs")
        rn, rv = Relaxed.canonicalize_headers([(name, value)])[0]
        got = {"simple": name + b":" + value + end, "relaxed": rn + b":" + rv[:-2] + end}
        same = True
        for cname in CANONS:
            if got[cname] != unescape(b[cname]) + end:
                same = False
                if not differs:
                    print("MISMATCH header %s (%s): dkimpy %r" % (b["name"], cname, got[cname]))
                    bad += 1
        if differs and same:
            print("STALE NOTE header %s: dkimpy agrees now" % b["name"])
            bad += 1
    return bad


def main(argv):
    printing = "--print" in argv
    args = [a for a in argv if a != "--print"]
    d = args[0] if args else DEFAULT_DIR
    if printing:
        check_bodies(os.path.join(d, "body.case"), True)
        return 0
    bad = check_bodies(os.path.join(d, "body.case"), False)
    bad += check_headers(os.path.join(d, "header.case"))
    n = len(blocks(os.path.join(d, "body.case"))) + len(blocks(os.path.join(d, "header.case")))
    print("%d passed, %d failed" % (n - bad if bad <= n else 0, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
