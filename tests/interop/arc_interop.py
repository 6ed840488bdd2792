#!/usr/bin/env python3
"""ARC interop with dkimpy (Debian python3-dkim): chains of 1-3 hops.

usage: arc_interop.py MAILAUTH_SIGN ARC_VALIDATE KEYDIR

  * sealed by dkimpy's arc_sign -> validated by mailauth (ARC_VALIDATE, the
    library's validator) -> pass, and the right instance count;
  * sealed by `mailauth-sign arc` -> validated by dkimpy's arc_verify ->
    pass;
  * mixed chains (dkimpy and mailauth hops alternating) -> both pass;
  * every chain tampered after its last seal (body, a signed header, an
    older ARC field) -> both fail.

DNS: one zone file (the mailauth zone format) that both sides read; dkimpy
gets it through its dnsfunc. Keys: KEYDIR (tests/data/keys), RSA 2048 for
every hop (dkimpy 1.1.4 has no Ed25519 for ARC; Ed25519 seals are covered
by tests/test_arc_seal.c). Exit status: 0 all as expected, 1 a mismatch,
77 dkimpy (or its authres dependency) is not importable (skipped).
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import dkim
    import authres  # noqa: F401  (dkimpy's arc_sign needs it)
except ImportError as e:
    print("SKIP: %s" % e)
    sys.exit(77)

NOW = 1700000000
BASE = (b"Received: from mail.example.com by mx.example.org; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        b"From: Alice <alice@example.com>\r\n"
        b"To: list@example.org\r\n"
        b"Subject: ARC interop\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:14 +0000\r\n"
        b"Message-ID: <arc-interop@example.com>\r\n"
        b"\r\n"
        b"Hello list,\r\n\r\nthe  meeting is at  10.\r\n")
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id"]
TAMPER = [  # (name, before, after); the first found in the message is changed
    ("body", b"the  meeting is at  10.", b"the meeting is at 11."),
    ("signed header", b"Subject: ARC interop", b"Subject: ARC interlop"),
    ("older AAR", b"i=1; mx.hop1.example", b"i=1; mx.hop1.example.evil"),
]


class Setup:
    def __init__(self, sign, validate, keydir, tmp):
        self.sign, self.validate, self.tmp = sign, validate, tmp
        self.key = os.path.join(keydir, "rsa2048.pkcs8.pem")
        self.pem = open(os.path.join(keydir, "rsa2048.pkcs1.pem"), "rb").read()
        self.zone = os.path.join(tmp, "arc.zone")
        with open(self.zone, "w") as z:
            for n in (1, 2, 3):
                rec = subprocess.run([sign, "dkim", "--key", self.key, "--domain",
                                      "hop%d.example" % n, "--selector", "arc", "--dns-record"],
                                     check=True, capture_output=True, text=True).stdout
                z.write(rec)
        self.txt = {}
        for line in open(self.zone):
            m = re.match(r"(\S+?)\.?\s+TXT\s+(.*)", line)
            if m:
                self.txt[m.group(1).lower()] = "".join(re.findall(r'"([^"]*)"', m.group(2)))

    def dnsfunc(self, name, timeout=5):
        return self.txt.get(name.decode().rstrip(".").lower(), "").encode()

    # ---- dkimpy
    def dkimpy_verify(self, msg):
        cv, _, reason = dkim.arc_verify(msg, dnsfunc=self.dnsfunc)
        return (cv or b"none").decode(), reason

    def dkimpy_seal(self, msg, n):
        """Hop n: dkimpy validates, writes its A-R (arc= is how arc_sign
        learns the chain status), then seals."""
        cv = "none" if n == 1 else self.dkimpy_verify(msg)[0]
        srv = "mx.hop%d.example" % n
        ar = ("Authentication-Results: %s; arc=%s\r\n" % (srv, cv)).encode()
        msg = ar + msg
        fields = dkim.arc_sign(msg, b"arc", ("hop%d.example" % n).encode(), self.pem,
                               srv.encode(), include_headers=SIGNED, timestamp=str(NOW + n))
        if not fields:
            raise RuntimeError("dkimpy added no ARC set at hop %d" % n)
        return b"".join(fields) + msg

    # ---- mailauth
    def mailauth_seal(self, msg, n):
        path = os.path.join(self.tmp, "in.eml")
        with open(path, "wb") as f:
            f.write(msg)
        r = subprocess.run([self.sign, "arc", "--key", self.key, "--domain", "hop%d.example" % n,
                            "--selector", "arc", "--authserv-id", "mx.hop%d.example" % n,
                            "--zone", self.zone, "--now", str(NOW + n), path],
                           capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("mailauth-sign arc (hop %d): %s" % (n, r.stderr.decode()))
        return r.stdout

    def mailauth_verify(self, msg):
        r = subprocess.run([self.validate, self.zone, str(NOW + 3600), "-"], input=msg,
                           capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("arc_validate: %s" % r.stderr.decode())
        words = r.stdout.decode().split(" ", 4)
        return words[0], int(words[1]), " ".join(words[3:]).strip()


def tampered(msg, before, after):
    i = msg.find(before)
    return None if i < 0 else msg[:i] + after + msg[i + len(before):]


def run(s):
    failures, checks = [], 0
    plans = {
        "dkimpy": ["dkimpy"] * 3,
        "mailauth": ["mailauth"] * 3,
        "mixed d-m-d": ["dkimpy", "mailauth", "dkimpy"],
        "mixed m-d-m": ["mailauth", "dkimpy", "mailauth"],
    }
    for plan_name, plan in plans.items():
        msg = BASE
        for n, who in enumerate(plan, start=1):
            msg = s.dkimpy_seal(msg, n) if who == "dkimpy" else s.mailauth_seal(msg, n)
            label = "%s, %d hop(s)" % (plan_name, n)
            ours, count, why = s.mailauth_verify(msg)
            theirs, reason = s.dkimpy_verify(msg)
            checks += 2
            if ours != "pass" or count != n:
                failures.append("%s: mailauth says %s (%d sets): %s" % (label, ours, count, why))
            if theirs != "pass":
                failures.append("%s: dkimpy says %s: %s" % (label, theirs, reason))
            for tname, before, after in TAMPER:
                bad = tampered(msg, before, after)
                if bad is None:
                    continue
                ours, _, why = s.mailauth_verify(bad)
                theirs, reason = s.dkimpy_verify(bad)
                checks += 2
                if ours != "fail":
                    failures.append("%s, tampered %s: mailauth says %s" % (label, tname, ours))
                if theirs != "fail":
                    failures.append("%s, tampered %s: dkimpy says %s" % (label, tname, theirs))
    return checks, failures


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        s = Setup(argv[1], argv[2], argv[3], tmp)
        checks, failures = run(s)
    for f in failures:
        print("MISMATCH: " + f)
    print("%d checks, %d mismatches" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
