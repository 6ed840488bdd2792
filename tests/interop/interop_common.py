"""Shared pieces of the SPF interop runners (spf_pyspf.py, stalwart_spf.py).

A Zone is the DNS data of one scenario. It is written in our zone text
format (docs/zone-format.md) for mailauth-check --zone, and the
same object answers the questions of other implementations, so both sides
see exactly the same DNS.

Every (owner, type) holds either a list of rdata or one of the failure
markers TIMEOUT / SERVFAIL. A name with no records is NXDOMAIN; a name with
records of other types only is NODATA.
"""

import json
import os
import subprocess
import tempfile

TIMEOUT = "TIMEOUT"
SERVFAIL = "SERVFAIL"
FAILURES = (TIMEOUT, SERVFAIL)

# RFC 8601 result words for spf, the only ones the CLI may print.
SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror")


def norm_name(name):
    """Owner names compare case-insensitively, without the trailing dot."""
    name = name.lower()
    return name[:-1] if name.endswith(".") else name


def dns_name_ok(name):
    """Can DNS hold this owner? Labels of 1..63 octets, at most 253 in all
    (RFC 1035 §2.3.4, without the final dot)."""
    name = norm_name(name)
    labels = name.split(".")
    return 0 < len(name.encode("utf-8")) <= 253 and all(
        0 < len(l.encode("utf-8")) <= 63 for l in labels)


def reverse_name(ip):
    """The PTR owner of an address (RFC 1035 §3.5, RFC 3596 §2.5)."""
    import ipaddress
    addr = ipaddress.ip_address(ip)
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return norm_name(addr.reverse_pointer)


class Zone:
    """DNS data: {owner: {type: [rdata...] | TIMEOUT | SERVFAIL}}.

    rdata by type: A/AAAA address text; MX (preference, exchange);
    PTR/CNAME a name; TXT a list of byte strings (one record of several
    character-strings, concatenated by the reader, RFC 7208 §3.3).
    """

    def __init__(self):
        self.rrs = {}

    def add(self, owner, rtype, rdata):
        if not dns_name_ok(owner):
            return                  # no DNS can hold it: no query can reach it
        slot = self.rrs.setdefault(norm_name(owner), {})
        cur = slot.get(rtype)
        if cur in FAILURES:
            return
        slot.setdefault(rtype, []).append(rdata)

    def set(self, owner, rtype, rdatas):
        """Replace (owner, type): a list of rdata, or TIMEOUT / SERVFAIL."""
        if not dns_name_ok(owner):
            return
        slot = self.rrs.setdefault(norm_name(owner), {})
        slot[rtype] = rdatas if rdatas in FAILURES else list(rdatas)

    def add_txt(self, owner, text):
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.add(owner, "TXT", [data[i:i + 255] for i in range(0, len(data), 255)] or [b""])

    def fail(self, owner, rtype, how=TIMEOUT):
        self.set(owner, rtype, how)

    def lookup(self, name, rtype):
        """Answer one question: ('records', [rdata]) / ('nodata', []) /
        ('nxdomain', []) / ('cname', target) / (TIMEOUT|SERVFAIL, None)."""
        slot = self.rrs.get(norm_name(name))
        if slot is None:
            return ("nxdomain", [])
        got = slot.get(rtype)
        if got in FAILURES:
            return (got, None)
        if got:
            return ("records", list(got))
        if rtype != "CNAME" and slot.get("CNAME"):
            cname = slot["CNAME"]
            if cname in FAILURES:
                return (cname, None)
            return ("cname", cname[0])
        return ("nodata", [])

    # --- zone text -------------------------------------------------------

    def text(self):
        lines = []
        for owner in sorted(self.rrs):
            for rtype in sorted(self.rrs[owner]):
                val = self.rrs[owner][rtype]
                own = owner_token(owner)
                if val in FAILURES:
                    lines.append("%s %s %s" % (own, rtype, val))
                    continue
                for rd in val:
                    lines.append("%s %s %s" % (own, rtype, rdata_text(rtype, rd)))
        return "\n".join(lines) + "\n"

    def write(self, path):
        with open(path, "w", encoding="ascii") as f:
            f.write(self.text())


def escape_bytes(data, quoted):
    """Zone-text escaping: printable ASCII as is, the rest \\DDD (RFC 1035 §5.1)."""
    out = []
    for b in data:
        c = chr(b)
        if quoted and c in '"\\':
            out.append("\\" + c)
        elif not quoted and (c in '"\\;#()' or b <= 0x20 or b >= 0x7f):
            out.append("\\%03d" % b)
        elif quoted and (b < 0x20 or b >= 0x7f):
            out.append("\\%03d" % b)
        else:
            out.append(c)
    return "".join(out)


def owner_token(name):
    if name == "":
        return "."
    return escape_bytes(name.encode("utf-8"), quoted=False)


def rdata_text(rtype, rd):
    if rtype == "TXT":
        return " ".join('"%s"' % escape_bytes(s, quoted=True) for s in rd)
    if rtype == "MX":
        return "%d %s" % (rd[0], owner_token(norm_name(rd[1])) if rd[1] != "." else ".")
    if rtype in ("PTR", "CNAME"):
        return owner_token(norm_name(rd))
    return rd


# --- running mailauth-check ---------------------------------------------


def cli_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    return env


def run_cli(cli, zone, ip, helo, mail_from, authserv_id, workdir=None, timeout=60):
    """Run `mailauth-check --spf-only --json` on one scenario.

    Returns (json_dict_or_None, error_text_or_None, argv, zone_path). The
    zone file is kept in workdir when one is given (for reproduction).
    """
    fd, path = tempfile.mkstemp(suffix=".zone", dir=workdir)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(zone.text())
    argv = [cli, "--spf-only", "--zone", path, "--ip", ip, "--authserv-id", authserv_id,
            "--json"]
    if helo is not None:
        argv += ["--helo", helo]
    if mail_from is not None:
        argv += ["--mail-from", mail_from]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, env=cli_env())
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % timeout, argv, path
    finally:
        if workdir is None:
            os.unlink(path)
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        return None, "exit %d: %s" % (proc.returncode, err[:2000]), argv, path
    try:
        doc = json.loads(proc.stdout.decode("utf-8"))
    except ValueError as exc:
        return None, "bad JSON (%s): %r" % (exc, proc.stdout[:500]), argv, path
    if err:
        return doc, "stderr: " + err[:2000], argv, path
    return doc, None, argv, path


def spf_part(doc, key):
    """(result, explanation) of doc[key] ('spf' or 'helo_spf'), or (None, None)."""
    part = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(part, dict):
        return None, None
    return part.get("result"), part.get("explanation")


def shell_quote(argv):
    import shlex
    return " ".join(shlex.quote(a) for a in argv)
