#!/usr/bin/env python3
"""ctest "milter_protocol": mailauth-milter driven over the milter protocol.

    milter_protocol_test.py MAILAUTH_MILTER MAILAUTH_CHECK DEMO_DIR OPENSSL

A small MTA-side client of the Sendmail milter protocol (version 6, the
commands Postfix sends) talks to the real filter over TCP on the loopback,
with DNS from the demo zone plus keys made here. Checked: the
Authentication-Results field and where it goes, forged fields removed by
position, the DMARC reject reply, both header-value conventions, signatures
and ARC sets that mailauth-check verifies, abort and a second message on a
connection, /metrics, SIGHUP (a bad file refused, a good one applied) and
SIGTERM (the message in progress finishes, then the filter exits 0).
Prints one line per failure and "N passed, N failed".
"""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

MILTER, CHECK, DEMO, OPENSSL = sys.argv[1:5]
LEADSPC = 0x00100000
NODATA = 0x00000200
NR_RCPT, NR_HDR, NR_EOH, NR_BODY = 0x00008000, 0x00000080, 0x00040000, 0x00080000
NO_REPLIES = NR_RCPT | NR_HDR | NR_EOH | NR_BODY
results = {"passed": 0, "failed": 0}


VERDICT = {}  # the inbound Authentication-Results value over TCP


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print("FAIL: %s %s" % (name, detail))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """One milter connection, as an MTA opens it."""

    def __init__(self, port, leadspc=True):
        if isinstance(port, str):  # a UNIX socket's path
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.settimeout(30)
            self.s.connect(port)
        else:
            self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.leadspc = leadspc
        prot = 0x1FFFFF if leadspc else 0x1FFFFF & ~LEADSPC
        self.send(b"O", struct.pack("!III", 6, 0x1FF, prot))
        cmd, data = self.recv()
        self.negotiated = struct.unpack("!III", data[:12]) if cmd == b"O" else None
        self.prot = self.negotiated[2] if self.negotiated else 0

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack("!I", len(data) + 1) + cmd + data)

    def recv(self):
        head = self._read(4)
        body = self._read(struct.unpack("!I", head)[0])
        return body[:1], body[1:]

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("filter closed the connection")
            buf += chunk
        return buf

    def reply(self):
        """Modification requests, then the final answer."""
        acts = []
        while True:
            cmd, data = self.recv()
            if cmd in (b"c", b"r", b"t", b"a", b"y", b"d"):
                return cmd, data, acts
            acts.append((cmd, data))

    def answer(self, nr_bit):
        """The reply to a command, unless the filter negotiated it away."""
        if not self.prot & nr_bit:
            self.reply()

    def connect(self, ip, helo):
        fam = b"6" if ":" in ip else b"4"
        self.send(b"C", b"client.example\0" + fam + struct.pack("!H", 25) + ip.encode() + b"\0")
        r1 = self.reply()[0]
        self.send(b"H", helo.encode() + b"\0")
        return r1, self.reply()[0]

    def message(self, raw, mail_from, qid, auth=None, pause=0.0, abort=False):
        macros = b"M" + b"i\0" + qid.encode() + b"\0"
        if auth:
            macros += b"{auth_authen}\0" + auth.encode() + b"\0"
        self.send(b"D", macros)
        self.send(b"M", mail_from.encode() + b"\0")
        first = self.reply()[0]
        if first != b"c":
            return first, b"", []
        self.send(b"R", b"<bob@example.net>\0")
        self.answer(NR_RCPT)
        if not self.prot & NODATA:
            self.send(b"T")
            self.reply()
        fields, body = split(raw)
        for f in fields:
            name, _, value = f.partition(b":")
            if not self.leadspc and value.startswith(b" "):
                value = value[1:]  # what the MTA sends without the option
            self.send(b"L", name + b"\0" + value + b"\0")
            self.answer(NR_HDR)
        if abort:
            self.send(b"A")
            return b"aborted", b"", []
        self.send(b"N")
        self.answer(NR_EOH)
        body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        for off in range(0, len(body), 65535):
            self.send(b"B", body[off:off + 65535])
            self.answer(NR_BODY)
        time.sleep(pause)
        self.send(b"D", b"E" + b"i\0" + qid.encode() + b"\0")
        self.send(b"E")
        return self.reply()

    def close(self):
        try:
            self.send(b"Q")
        finally:
            self.s.close()


def split(raw):
    """Header fields (folding kept, LF line ends as Postfix sends) and body."""
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        else:
            fields.append(line)
    return fields, body


def inserted(acts):
    """(index, name, value) of each header insertion, in order."""
    out = []
    for cmd, data in acts:
        if cmd == b"i":
            idx = struct.unpack("!I", data[:4])[0]
            name, value = data[4:].rstrip(b"\0").split(b"\0", 1)
            out.append((idx, name.decode(), value.decode()))
    return out


def apply_inserts(raw, acts, leadspc=True):
    """The message as the MTA would store it (insertions at index 0 only)."""
    fields, body = split(raw)
    for _, name, value in inserted(acts):
        sep = ":" if leadspc else ": "
        fields.insert(0, (name + sep + value).encode())
    return b"\r\n".join(fields).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + \
        b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def dkim_record(pem, kind):
    der = subprocess.run([OPENSSL, "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if kind == "ed25519":
        der = der[-32:]
    p = base64.b64encode(der).decode()
    chunks = " ".join('"%s"' % p[i:i + 200] for i in range(0, len(p), 200))
    return '"v=DKIM1; k=%s; p=" %s' % (kind, chunks)


def verify(zone, raw, only):
    path = os.path.join(TMP, "verify.eml")
    with open(path, "wb") as f:
        f.write(raw)
    out = subprocess.run([CHECK, "--zone", zone, "--only", only, "--json", path],
                         capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr}


def wait_port(port, proc):
    for _ in range(100):
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def wait_log(log, text, seconds=20):
    """Wait until the filter's log has text (a reload under load takes a while)."""
    for _ in range(seconds * 10):
        with open(log.name) as f:
            if text in f.read():
                return True
        time.sleep(0.1)
    return False


def write_conf(path, port, stats, zone, keys, extra=""):
    with open(path, "w") as f:
        f.write("socket = inet:%d@127.0.0.1\n" % port)
        f.write("authserv_id = mx.example.net   # the receiver of the demo\n")
        f.write("dns = zone:%s\n" % zone)
        f.write("internal_hosts = 10.0.0.0/8\n")
        f.write("sign = example.org s1 %s\n" % keys["rsa"])
        f.write("sign = example.org s2 %s\n" % keys["ed"])
        f.write("seal = example.net arc1 %s\n" % keys["rsa"])
        f.write("stats = 127.0.0.1:%d\n" % stats)
        f.write(extra)


def test_inbound(port, demo):
    s = Session(port)
    check("negotiate asks for leading spaces", s.negotiated is not None and
          s.negotiated[2] & LEADSPC, str(s.negotiated))
    # over TCP every command gets its reply: without one in between, the
    # MTA's next command waits for our delayed ACK (Nagle, 40 ms)
    check("TCP: every reply kept", not s.prot & (NO_REPLIES | NODATA), str(s.negotiated))
    s.connect("198.51.100.17", "out1.mailer.example.net")
    cmd, _, acts = s.message(demo, "<alice@example.org>", "Q1")
    ins = inserted(acts)
    check("inbound: continue", cmd == b"c", str(cmd))
    check("inbound: one field at index 0", len(ins) == 1 and ins[0][0] == 0 and
          ins[0][1] == "Authentication-Results", str(ins))
    v = ins[0][2] if ins else ""
    VERDICT["tcp"] = v
    check("inbound: value with its blank and our id", v.startswith(" mx.example.net;"), v[:40])
    for want in ("spf=pass", "dkim=pass", "dmarc=pass", "arc=none", "iprev=pass"):
        check("inbound: " + want, want in v, v)
    check("inbound: LF line ends", "\r" not in v, repr(v[:80]))
    # a second message on the same connection, after an aborted one
    cmd, _, _ = s.message(demo, "<alice@example.org>", "Q2", abort=True)
    cmd, _, acts = s.message(demo, "<alice@example.org>", "Q3")
    check("after abort: a second message is verified", cmd == b"c" and
          len(inserted(acts)) == 1, str(acts))
    s.close()
    return apply_inserts(demo, acts)


def test_forged(port, demo):
    forged = (b"Authentication-Results: mx.example.net; dmarc=pass\n"
              b"Authentication-Results: other.example; spf=pass\n"
              b"Authentication-Results: MX.Example.NET;\n\tdkim=pass header.d=example.org\n") + demo
    s = Session(port)
    s.connect("198.51.100.17", "out1.mailer.example.net")
    cmd, _, acts = s.message(forged, "<alice@example.org>", "Q4")
    dels = [(struct.unpack("!I", d[:4])[0], d[4:]) for c, d in acts if c == b"m"]
    check("forged: fields 3 and 1 deleted, highest first",
          dels == [(3, b"Authentication-Results\0\0"), (1, b"Authentication-Results\0\0")],
          str(dels))
    check("forged: ours inserted after", acts and acts[-1][0] == b"i", str(acts))
    s.close()


def test_reject(port, demo, want_reject=True):
    spoof = demo.replace(b"From: Alice Example <alice@example.org>", b"From: CEO <ceo@example.org>")
    spoof = b"\n".join(l for l in spoof.split(b"\n"))  # DKIM now fails: body kept, From changed
    s = Session(port)
    s.connect("192.0.2.99", "evil.example")
    cmd, data, acts = s.message(spoof, "<ceo@example.org>", "Q5")
    s.close()
    if want_reject:
        check("DMARC reject: 550 5.7.1 naming the domain", cmd == b"y" and
              data.startswith(b"550 5.7.1 ") and b"example.org" in data, str((cmd, data)))
    else:
        v = inserted(acts)[0][2] if inserted(acts) else ""
        check("DMARC tag after reload: only the field", cmd == b"c" and "dmarc=fail" in v,
              str((cmd, data, acts)))


def test_noleadspc(port, demo):
    s = Session(port, leadspc=False)
    s.connect("198.51.100.17", "out1.mailer.example.net")
    cmd, _, acts = s.message(demo, "<alice@example.org>", "Q6")
    s.close()
    ins = inserted(acts)
    v = ins[0][2] if ins else ""
    check("no leading-space option: DKIM still passes", "dkim=pass" in v, v)
    check("no leading-space option: value without the blank", v.startswith("mx.example.net;"),
          v[:30])


def test_sign(port, zone, demo):
    unsigned = b"\n".join(f for f in split(demo)[0] if not f.startswith(b"DKIM-Signature")) + \
        b"\n\n" + split(demo)[1]
    for leadspc in (True, False):
        s = Session(port, leadspc=leadspc)
        s.connect("10.1.2.3", "relay.inside")
        cmd, _, acts = s.message(unsigned, "<alice@example.org>", "Q7")
        s.close()
        names = [n for _, n, _ in inserted(acts)]
        check("outbound: two DKIM-Signature fields", names == ["DKIM-Signature"] * 2, str(names))
        res = verify(zone, apply_inserts(unsigned, acts, leadspc), "dkim")
        got = sorted((d.get("selector"), d.get("result")) for d in res.get("dkim", []))
        check("outbound: mailauth-check passes both (leadspc=%s)" % leadspc,
              got == [("s1", "pass"), ("s2", "pass")], str(res))
        algs = sorted(d.get("algorithm") for d in res.get("dkim", []))
        check("outbound: RSA and Ed25519", algs == ["ed25519-sha256", "rsa-sha256"], str(algs))
    # authenticated from outside: signed, not verified
    s = Session(port)
    s.connect("203.0.113.77", "laptop")
    cmd, _, acts = s.message(unsigned, "<alice@example.org>", "Q8", auth="alice")
    s.close()
    names = [n for _, n, _ in inserted(acts)]
    check("authenticated: signed, no A-R", names == ["DKIM-Signature"] * 2, str(names))


def test_seal(port, zone, verified):
    s = Session(port)
    s.connect("10.1.2.3", "lists.inside")
    cmd, _, acts = s.message(verified, "<list-bounces@example.net>", "Q9")
    s.close()
    names = [n for _, n, _ in inserted(acts)]
    check("relayed: ARC set on top of the signatures", names[-3:] ==
          ["ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"], str(names))
    aar = [v for _, n, v in inserted(acts) if n == "ARC-Authentication-Results"]
    check("relayed: the AAR carries our verdicts", aar and "mx.example.net;" in aar[0] and
          "dmarc=pass" in aar[0], str(aar))
    res = verify(zone, apply_inserts(verified, acts), "arc")
    check("relayed: mailauth-check finds the chain passing",
          res.get("arc", {}).get("result") == "pass" and res["arc"].get("instances") == 1,
          str(res))


def test_unix(zone, keys, demo, tcp_verdict):
    """On a UNIX socket the replies that never stop a message are dropped;
    the verdict is the same as over TCP."""
    path = os.path.join(TMP, "milter.sock")
    conf = os.path.join(TMP, "unix.conf")
    write_conf(conf, 0, free_port(), zone, keys)
    with open(conf) as f:
        text = f.read().replace("socket = inet:0@127.0.0.1", "socket = unix:" + path)
    with open(conf, "w") as f:
        f.write(text)
    log = open(os.path.join(TMP, "unix.log"), "w+")
    proc = subprocess.Popen([MILTER, "-f", "-c", conf], stdout=log, stderr=log)
    try:
        for _ in range(100):
            if os.path.exists(path) or proc.poll() is not None:
                break
            time.sleep(0.1)
        s = Session(path)
        check("UNIX: no replies to RCPT, headers, body; no DATA",
              s.prot & (NO_REPLIES | NODATA) == NO_REPLIES | NODATA, str(s.negotiated))
        s.connect("198.51.100.17", "out1.mailer.example.net")
        for qid in ("U1", "U2"):
            cmd, _, acts = s.message(demo, "<alice@example.org>", qid)
            ins = inserted(acts)
            check("UNIX %s: the same verdict as over TCP" % qid, cmd == b"c" and
                  len(ins) == 1 and ins[0][2] == tcp_verdict, str(acts))
        s.close()
    finally:
        proc.terminate()
        proc.wait(15)
        log.seek(0)
        text = log.read()
        check("UNIX: no sanitizer report or libmilter complaint",
              "Sanitizer" not in text and "runtime error" not in text and
              "claimed not to reply" not in text, text[-3000:])


def metrics(stats, path="/metrics"):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (stats, path), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_stats(stats):
    code, text = metrics(stats)
    lines = dict(l.rsplit(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))
    check("metrics: 200", code == 200, str(code))
    check("metrics: messages counted", int(lines.get("mailauth_messages_total", "0")) >= 8,
          str(lines.get("mailauth_messages_total")))
    check("metrics: a DMARC fail counted",
          int(lines.get('mailauth_verdicts_total{method="dmarc",result="fail"}', "0")) >= 1)
    check("metrics: a reject counted",
          int(lines.get('mailauth_actions_total{action="reject"}', "0")) >= 1)
    check("metrics: DNS questions summed over the pool",
          int(lines.get("mailauth_dns_questions_total", "0")) > 0)
    check("metrics: latency histogram", 'mailauth_eom_seconds_bucket{le="+Inf"}' in lines)
    check("metrics: 404 elsewhere", metrics(stats, "/")[0] == 404)


def main():
    global TMP
    TMP = tempfile.mkdtemp()
    keys = {"rsa": os.path.join(TMP, "rsa.pem"), "ed": os.path.join(TMP, "ed.pem")}
    subprocess.run([OPENSSL, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", keys["rsa"]], check=True, capture_output=True)
    subprocess.run([OPENSSL, "genpkey", "-algorithm", "ED25519", "-out", keys["ed"]],
                   check=True, capture_output=True)
    zone = os.path.join(TMP, "demo.zone")
    with open(os.path.join(DEMO, "example.zone")) as src, open(zone, "w") as z:
        z.write(src.read())
        z.write("s1._domainkey.example.org. TXT %s\n" % dkim_record(keys["rsa"], "rsa"))
        z.write("s2._domainkey.example.org. TXT %s\n" % dkim_record(keys["ed"], "ed25519"))
        z.write("arc1._domainkey.example.net. TXT %s\n" % dkim_record(keys["rsa"], "rsa"))
    with open(os.path.join(DEMO, "message.eml"), "rb") as f:
        demo = f.read()
    port, stats = free_port(), free_port()
    conf = os.path.join(TMP, "milter.conf")
    write_conf(conf, port, stats, zone, keys)
    log = open(os.path.join(TMP, "milter.log"), "w+")
    proc = subprocess.Popen([MILTER, "-f", "-c", conf], stdout=log, stderr=log)
    try:
        if not wait_port(port, proc):
            check("filter starts", False, open(log.name).read())
            return
        verified = test_inbound(port, demo)
        test_unix(zone, keys, demo, VERDICT["tcp"])
        test_forged(port, demo)
        test_reject(port, demo)
        test_noleadspc(port, demo)
        test_sign(port, zone, demo)
        test_seal(port, zone, verified)
        test_stats(stats)
        # SIGHUP: a bad file is refused (the old one stays), a good one applies
        write_conf(conf, port, stats, zone, keys, "frobnicate = 1\n")
        proc.send_signal(signal.SIGHUP)
        check("SIGHUP: a bad file is refused", wait_log(log, "the old one stays"))
        test_reject(port, demo, want_reject=True)
        write_conf(conf, port, stats, zone, keys, "on_dmarc_reject = tag\n")
        proc.send_signal(signal.SIGHUP)
        check("SIGHUP: a good file is loaded", wait_log(log, "configuration and keys reloaded"))
        test_reject(port, demo, want_reject=False)
        # SIGTERM with a message in progress: it finishes, then the filter exits
        s = Session(port)
        s.connect("198.51.100.17", "out1.mailer.example.net")
        import threading
        box = {}
        t = threading.Thread(target=lambda: box.update(
            r=s.message(demo, "<alice@example.org>", "Q10", pause=1.5)))
        t.start()
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        t.join(30)
        check("SIGTERM: the message in progress finishes",
              box.get("r", (None,))[0] == b"c" and len(inserted(box["r"][2])) == 1, str(box))
        s.close()
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            rc = None
        check("SIGTERM: exit 0", rc == 0, str(rc))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.seek(0)
        text = log.read()
        check("log: the bad reload refused", "frobnicate: unknown key" in text)
        check("log: one line per message", "Q1: client=client.example[198.51.100.17]" in text)
        check("no sanitizer report", "Sanitizer" not in text and "runtime error" not in text,
              text[-3000:])
        if results["failed"]:
            print(text[-4000:])


if __name__ == "__main__":
    main()
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    sys.exit(1 if results["failed"] else 0)
