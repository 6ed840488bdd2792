"""Shared by the package's tests: test data paths (read in place from
tests/data and examples/demo of the repository), mailauth-check and
mailauth-sign runs, a zone-text table for the asyncio resolvers, and a
small UDP DNS server for the c-ares path."""

import json
import os
import shlex
import shutil
import socket
import struct
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
CLI = os.path.join(ROOT, "tests", "data", "cli")
KEYS = os.path.join(ROOT, "tests", "data", "keys")
DEMO = os.path.join(ROOT, "examples", "demo")
NOW = 1700000000
AUTHSERV_ID = "mx.test.example"


def data(name):
    with open(os.path.join(CLI, name), "rb") as f:
        return f.read()


def key_pem(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        return f.read()


def zone_text(*names):
    return "".join(data(n).decode("utf-8") for n in names)


def tool_path(name):
    """$MAILAUTH_CHECK / $MAILAUTH_SIGN, else the tool beside the library's
    build tree, else the one on PATH, else None."""
    path = os.environ.get(name.upper().replace("-", "_"))
    if not path and os.environ.get("MAILAUTH_LIBRARY"):
        guess = os.path.join(os.path.dirname(os.environ["MAILAUTH_LIBRARY"]), "examples", name)
        path = guess if os.access(guess, os.X_OK) else None
    return path or shutil.which(name)


def mailauth_check_path():
    return tool_path("mailauth-check")


def cli_zone(name):
    return os.path.join(CLI, name)


def read_zones(paths):
    """The zone files as a list of texts, for verify(zone=...)."""
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out.append(f.read())
    return out


def run_sign(args, message):
    """mailauth-sign ARGS with `message` on stdin; its output (bytes)."""
    proc = subprocess.run([tool_path("mailauth-sign")] + list(args), input=message,
                          capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"mailauth-sign exit {proc.returncode}: {proc.stderr!r}")
    return proc.stdout


def run_check(message, zones, ip=None, helo=None, mail_from=None, extra=()):
    """mailauth-check --json on `message` (bytes, fed on stdin; None: --spf-only)
    with the zone files `zones` (paths); the parsed JSON. Envelope values may
    be bytes (argv carries any byte but NUL)."""
    args = [mailauth_check_path(), "--json", "--now", str(NOW), "--authserv-id", AUTHSERV_ID]
    for z in zones:
        args += ["--zone", z]
    for opt, value in (("--ip", ip), ("--helo", helo), ("--mail-from", mail_from)):
        if value is not None:
            args += [opt, value]
    args += list(extra)
    if message is None:
        args.append("--spf-only")
    proc = subprocess.run(args, input=message or b"", capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"mailauth-check exit {proc.returncode}: {proc.stderr!r}")
    return json.loads(proc.stdout)


def zone_table(text):
    """{(name, rtype): [records]} from zone text, in the forms an
    AsyncVerifier lookup returns (TEMPFAIL for TIMEOUT/SERVFAIL rdata).
    Enough of docs/zone-format.md for the test zones: no \\DDD escapes."""
    table = {}
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True)
        lexer.commenters = ";#"
        lexer.whitespace_split = True
        tokens = list(lexer)
        if len(tokens) < 3:
            continue
        name, rtype, rdata = tokens[0].rstrip(".").lower(), tokens[1].upper(), tokens[2:]
        if rdata[0] in ("TIMEOUT", "SERVFAIL"):
            table[(name, rtype)] = "tempfail"
            continue
        if rtype == "TXT":
            rec = "".join(rdata)
        elif rtype == "MX":
            rec = (int(rdata[0]), rdata[1].rstrip("."))
        else:
            rec = rdata[0].rstrip(".")
        table.setdefault((name, rtype), []).append(rec)
    return table


def table_answer(table, name, rtype):
    """The answer of the table: records, "tempfail", "nodata" or "nxdomain"."""
    name = name.rstrip(".").lower()
    if (name, rtype) in table:
        return table[(name, rtype)]
    if any(owner == name for owner, _ in table):
        return "nodata"
    return "nxdomain"


# ---- a UDP DNS server on 127.0.0.1 for the c-ares resolver (RFC 1035 §4) ----

_TYPES = {1: "A", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA"}


def _wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def _rdata(rtype, rec):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, rec)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, rec)
    if rtype == "MX":
        return struct.pack("!H", rec[0]) + _wire_name(rec[1])
    if rtype == "PTR":
        return _wire_name(rec)
    raw = rec.encode("utf-8")
    return b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255]
                    for i in range(0, max(len(raw), 1), 255))


def _parse_question(packet):
    pos, labels = 12, []
    while packet[pos] != 0:
        n = packet[pos]
        labels.append(packet[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    qtype, _qclass = struct.unpack("!HH", packet[pos + 1:pos + 5])
    return ".".join(labels), qtype, packet[12:pos + 5]


def _response(table, packet):
    qid, flags = struct.unpack("!HH", packet[:4])
    name, qtype, question = _parse_question(packet)
    answer = table_answer(table, name, _TYPES.get(qtype, "?"))
    if isinstance(answer, str):   # NXDOMAIN is rcode 3, SERVFAIL 2
        rcode, records = {"nxdomain": 3, "nodata": 0, "tempfail": 2}[answer], []
    else:
        rcode, records = 0, answer
    body = b""
    for rec in records:
        rd = _rdata(_TYPES[qtype], rec)
        body += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rd)) + rd
    # QR, opcode 0, AA, RD copied, RA; no EDNS in the reply (c-ares accepts that).
    head = struct.pack("!HHHHHH", qid, 0x8480 | (flags & 0x0100) | rcode, 1, len(records), 0, 0)
    return head + question + body


class DnsServer:
    """Serves a zone table over UDP on 127.0.0.1 (a port of the system's
    choosing) from a thread until close(); counts the queries it answered."""

    def __init__(self, table):
        self.table = table
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                packet, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            self.queries += 1
            self.sock.sendto(_response(self.table, packet), peer)

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()
