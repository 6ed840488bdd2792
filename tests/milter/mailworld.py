"""Keys, the zone file and the messages of the milter test.

Every domain, address and key the test uses is made here. Keys are made
with openssl for each run; the zone file publishes them (docs/zone-format.md)
next to SPF and DMARC records; dkimpy reads the same records through
dnsfunc().
"""

import base64
import os
import re
import subprocess
import time
import uuid

AUTHSERV_ID = "mx.test.example"

# Client addresses presented to the milter through XCLIENT (documentation
# ranges: no traffic ever goes to them).
SENDER_IP = "198.51.100.25"  # sender.example's outbound host (SPF pass)
FORGER_IP = "203.0.113.66"  # anyone else
INTERNAL_IP = "192.0.2.10"  # inside internal_hosts
INTERNAL_NET = "192.0.2.0/25"
AUTH_IP = "203.0.113.7"  # outside, but SMTP-authenticated (XCLIENT LOGIN)


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          capture_output=True).stdout


class Key:
    """A DKIM key pair: PEM private key file and the TXT record's p=."""

    def __init__(self, folder, name, kind):
        self.kind = kind
        self.path = os.path.join(folder, name + ".pem")
        if kind == "rsa":
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", self.path)
        else:
            openssl("genpkey", "-algorithm", "ED25519", "-out", self.path)
        os.chmod(self.path, 0o600)
        der = openssl("pkey", "-in", self.path, "-pubout", "-outform", "DER")
        # RFC 8463 §4: an Ed25519 p= is the bare 32-byte public key, the
        # tail of the SubjectPublicKeyInfo; RSA's is the whole SPKI.
        self.public = base64.b64encode(der[-32:] if kind == "ed25519" else der).decode()
        with open(self.path, "rb") as f:
            self.pem = f.read()

    def pkcs1(self):
        """The RSA key as PKCS#1 PEM (what dkimpy reads)."""
        return openssl("rsa", "-in", self.path, "-traditional")

    def txt(self):
        k = "rsa" if self.kind == "rsa" else "ed25519"
        return "v=DKIM1; k=%s; p=%s" % (k, self.public)


def quoted(text):
    """TXT rdata as zone strings of at most 255 octets."""
    return " ".join('"%s"' % text[i:i + 255] for i in range(0, len(text), 255))


class World:
    def __init__(self, folder):
        self.folder = folder
        kd = os.path.join(folder, "keys")
        os.makedirs(kd, exist_ok=True)
        self.keys = {
            ("sender.example", "s2026"): Key(kd, "sender-s2026", "rsa"),
            ("corp.example", "rsa1"): Key(kd, "corp-rsa1", "rsa"),
            ("corp.example", "ed1"): Key(kd, "corp-ed1", "ed25519"),
            ("corp.example", "ed2"): Key(kd, "corp-ed2", "ed25519"),
            ("corp.example", "arc1"): Key(kd, "corp-arc1", "rsa"),
        }
        self.txt = {}  # owner -> [rdata text]
        records = [
            ("sender.example", "v=spf1 ip4:%s -all" % SENDER_IP),
            ("_dmarc.sender.example", "v=DMARC1; p=none"),
            ("bank.example", "v=spf1 ip4:198.51.100.30 -all"),
            ("_dmarc.bank.example", "v=DMARC1; p=reject"),
            ("corp.example", "v=spf1 ip4:%s -all" % INTERNAL_NET),
            ("_dmarc.corp.example", "v=DMARC1; p=quarantine"),
            ("load.example", "v=spf1 ip4:127.0.0.1 -all"),
            ("_dmarc.load.example", "v=DMARC1; p=none"),
        ]
        for (domain, sel), key in self.keys.items():
            records.append(("%s._domainkey.%s" % (sel, domain), key.txt()))
        lines = ["; the milter test's DNS, written for one run"]
        for owner, text in records:
            self.txt.setdefault(owner, []).append(text)
            lines.append("%s. TXT %s" % (owner, quoted(text)))
        rev = ".".join(reversed(SENDER_IP.split(".")))
        lines += ["%s.in-addr.arpa. PTR mail.sender.example." % rev,
                  "mail.sender.example. A %s" % SENDER_IP]
        self.zone = os.path.join(folder, "test.zone")
        with open(self.zone, "w") as f:
            f.write("\n".join(lines) + "\n")

    def dnsfunc(self, name, timeout=5):
        """dkimpy's DNS: TXT records from the same table as the zone file."""
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        recs = self.txt.get(name.rstrip(".").lower())
        return recs[0].encode() if recs else None

    def key(self, domain, selector):
        return self.keys[(domain, selector)]


def message(case, from_addr, to_addr="rcpt@dest.example", extra=b"", body=None):
    """A fresh message (bytes, CRLF) with a Message-ID that names the case."""
    mid = "<%s.%s@test.example>" % (case, uuid.uuid4().hex[:12])
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    head = ("From: %s\r\nTo: %s\r\nSubject: milter test %s\r\nDate: %s\r\n"
            "Message-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
            % (from_addr, to_addr, case, date, mid)).encode()
    if body is None:
        body = ("Hello from case %s.\r\n\r\nA second paragraph, so that the body is more than "
                "one line.\r\n" % case).encode()
    return mid.encode(), extra + head + b"\r\n" + body


def header_fields(data):
    """[(name, whole field bytes)] of a message's header, in order."""
    head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    fields = []
    for m in re.finditer(rb"([^ \t\r\n:][^:\r\n]*):(.*?\r\n(?:[ \t].*?\r\n)*)", head):
        fields.append((m.group(1).decode().strip(), m.group(0)))
    return fields


def fields_named(data, name):
    return [f for n, f in header_fields(data) if n.lower() == name.lower()]


def authserv_id(field):
    """The authserv-id of an Authentication-Results field (bytes)."""
    value = field.split(b":", 1)[1]
    value = re.sub(rb"\([^)]*\)", b" ", value)  # comments (not nested here)
    return value.split(b";", 1)[0].strip().split()[0].decode().lower()


def results(field):
    """{method: result} of an Authentication-Results field."""
    value = re.sub(rb"\r\n[ \t]+", b" ", field.split(b":", 1)[1])
    out = {}
    for part in value.split(b";")[1:]:
        m = re.match(rb"\s*([a-z0-9-]+)\s*=\s*([a-z]+)", part, re.I)
        if m:
            out.setdefault(m.group(1).decode().lower(), m.group(2).decode().lower())
    return out


def tag(field, name):
    """The value of tag name= in a DKIM-Signature or ARC field (str)."""
    value = re.sub(rb"\s+", b"", field.split(b":", 1)[1])
    m = re.search(rb"(?:^|;)" + name.encode() + rb"=([^;]*)", value)
    return m.group(1).decode() if m else None
