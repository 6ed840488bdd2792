"""Keys, DNS records, dnsmasq and the signed messages of bench/milter."""

import base64
import os
import socket
import struct
import subprocess
import time

DNSMASQ = "/usr/sbin/dnsmasq"
DOMAIN = "load.example"
HOST = "mx.load.example"
SENDER = "sender@" + DOMAIN
RCPT = "rcpt@dest.example"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw).stdout


class World:
    def __init__(self, work, sign_bin):
        self.work = work
        kd = os.path.join(work, "keys")
        os.makedirs(kd)
        self.keys = {}
        for sel, alg in (("rsa1", "rsa-sha256"), ("ed1", "ed25519-sha256")):
            path = os.path.join(kd, sel + ".pem")
            cmd = [sign_bin, "keygen", "--algorithm", alg, "--domain", DOMAIN,
                   "--selector", sel, "--out", path]
            if alg == "rsa-sha256":
                cmd += ["--bits", "2048"]
            out = run(cmd).decode()
            rec = run([sign_bin, "dkim", "--key", path, "--domain", DOMAIN, "--selector", sel,
                       "--dns-record"]).decode()
            self.keys[sel] = (path, txt_of(rec or out))
        self.sign_bin = sign_bin

    def txt_records(self):
        recs = [(DOMAIN, "v=spf1 ip4:127.0.0.1 -all"),
                ("_dmarc." + DOMAIN, "v=DMARC1; p=reject")]
        for sel, (_, txt) in self.keys.items():
            recs.append(("%s._domainkey.%s" % (sel, DOMAIN), txt))
        return recs

    def sign(self, data, sel):
        path, _ = self.keys[sel]
        return subprocess.run([self.sign_bin, "dkim", "--key", path, "--domain", DOMAIN,
                               "--selector", sel, "-"], input=data, check=True,
                              capture_output=True).stdout

    def messages(self):
        """Three signed messages: ~2 KiB RSA, ~12 KiB RSA + Ed25519,
        ~48 KiB (base64 part) Ed25519."""
        out = []
        for name, size, sels in (("small", 2000, ["rsa1"]), ("medium", 12000, ["rsa1", "ed1"]),
                                 ("large", 48000, ["ed1"])):
            data = make_message(name, size)
            for sel in sels:
                data = self.sign(data, sel)
            path = os.path.join(self.work, "msg-%s.eml" % name)
            with open(path, "wb") as f:
                f.write(data)
            out.append((name, path, len(data), len(sels)))
        return out


def txt_of(record):
    """The TXT text of mailauth-sign's --dns-record output."""
    line = record.strip()
    if "TXT" in line:
        line = line.split("TXT", 1)[1]
    parts = [p for p in line.split('"')[1::2]]
    return "".join(parts) if parts else line.strip()


def make_message(name, size):
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    head = ("From: Load Tester <tester@%s>\r\nTo: <%s>\r\nSubject: bench %s message\r\n"
            "Date: %s\r\nMessage-ID: <%s.bench@%s>\r\nMIME-Version: 1.0\r\n"
            % (DOMAIN, RCPT, name, date, name, DOMAIN))
    para = ("This is a line of ordinary text in the %s benchmark message, long enough to "
            "look like prose.\r\n" % name)
    if name != "large":
        body = ""
        while len(body) < size:
            body += para
        return (head + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body).encode()
    blob = base64.encodebytes(os.urandom(size * 3 // 4)).decode().replace("\n", "\r\n")
    body = ("--b1\r\nContent-Type: text/plain\r\n\r\n" + para * 10 +
            "--b1\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + blob + "--b1--\r\n")
    return (head + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n' + body).encode()


def dns_query(name, qtype, port=53, timeout=1.0):
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, ("127.0.0.1", port))
        return s.recv(4096)


def start_dnsmasq(work, world, procs):
    args = [DNSMASQ, "--no-daemon", "--port=53", "--listen-address=127.0.0.1",
            "--bind-interfaces", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--user=root", "--pid-file=", "--cache-size=1000",
            "--auth-server=ns." + DOMAIN + ",127.0.0.1", "--auth-zone=%s,127.0.0.0/8" % DOMAIN,
            "--auth-soa=1,hostmaster." + DOMAIN, "--auth-ttl=3600", "--local-ttl=3600",
            "--host-record=%s,127.0.0.1" % HOST]
    for owner, text in world.txt_records():
        args.append("--txt-record=%s,%s" % (owner, ",".join(
            text[i:i + 255] for i in range(0, len(text), 255))))
    log = open(os.path.join(work, "dnsmasq.log"), "wb")
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    for _ in range(100):
        try:
            if dns_query(DOMAIN, 16, timeout=0.2):
                return p
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dnsmasq did not answer")
