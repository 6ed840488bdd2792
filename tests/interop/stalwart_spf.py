#!/usr/bin/env python3
"""ctest spf_stalwart: Stalwart mail-auth SPF scenarios through mailauth-check.

    stalwart_spf.py MAILAUTH_CHECK TESTDATA_DIR [-v] [--keep DIR]

Reads TESTDATA_DIR/spf/stalwart-mail-auth/*.yml (format: that folder's
README.md; not YAML, read line by line like upstream does) and runs every
`expect:` line as one `mailauth-check --spf-only --json` call on a zone file
holding the records defined so far. Exit 0 when every check agrees (or is a
listed RFC disagreement), 1 otherwise, 77 when the test data is absent.

How the upstream runner works, and what we reproduce:
  * records accumulate per file (one cache for all scenarios of a file);
    a later record for the same (owner, type) replaces the earlier one;
  * `spf:` / `exp:` are TXT records; `a:`/`aaaa:` address lists; `ptr:`
    `<ip> <names>`; `mx: <owner> <ips>` invents exchanges mx.<ip>.<pos>
    (preference pos+1) each holding that address;
  * a name containing `_dns_error.` that has no records fails with a DNS
    error (TIMEOUT records here); anything else unknown is NXDOMAIN;
  * each check is upstream's SpfParameters::verify(ip, helo,
    "localdomain.org", sender): the HELO identity is checked first and the
    MAIL FROM result is reported only when HELO passed. We run both checks
    (spf, helo_spf) and combine them the same way; %{r} is localdomain.org.
"""

import concurrent.futures
import glob
import ipaddress
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

RECEIVER = "localdomain.org"

# Checks whose expectation we believe contradicts RFC 7208. Key:
# (file, scenario name, check number within the scenario, 1-based); value:
# (the result RFC 7208 gives, the argument). A listed check passes when we
# give that result; agreeing with upstream instead fails it (stale list).
RFC_DISAGREEMENTS = {
    ("all.yml", "All test", 1): (
        "permerror",
        "record \"v=spf1 -all ip:10.0.0.1\": `ip:` is neither a mechanism (§5: ip4,"
        " ip6, ...) nor a modifier (no '='), a syntax error; §4.6: \"If there are"
        " any syntax errors anywhere in the record, check_host() returns"
        " immediately with the result permerror, without further interpretation"
        " or evaluation\" -- also after \"all\". Upstream expects fail."),
    ("basic.yml", "DNS Lookup Limits", 1): (
        "permerror",
        "ten a:tN.org terms whose names do not exist: the third is the third void"
        " lookup; §4.6.4: implementations SHOULD limit void lookups to two and"
        " \"Exceeding the limit produces a permerror result\" (openspf"
        " void-over-limit). Upstream has no void limit and expects softfail."),
    ("basic.yml", "DNS Lookup Limits", 6): (
        "permerror",
        "mx.test.org has 11 MX names. §4.6.4: evaluating one MX record \"MUST NOT"
        " result in querying more than 10 address records ... If this limit is"
        " exceeded, the mx mechanism MUST produce a permerror result\"; §5.4: \"If"
        " the MX lookup limit is exceeded, then permerror is returned\". An MX"
        " RRset has no order and §5.4 sorts nothing, so \"matched within the first"
        " 10\" is not defined; RFC 7208 settled the RFC 4408 ambiguity in favour of"
        " permerror (openspf mx-limit, 4.6.4/2). Upstream passes because the 8th"
        " exchange by preference matches."),
    ("exists.yml", "Exists", 2): (
        "fail",
        "ip6.test.org holds AAAA records only. §5.7: the name \"is used for a DNS A"
        " RR lookup (even when the connection type is IPv6). If any A record is"
        " returned, this mechanism matches\": no A, no match, -all gives fail."
        " Upstream also accepts AAAA and expects pass."),
    ("ip.yml", "IPv6 match", 4): (
        "fail",
        "client 10.1.2.3 against ip6:::ffff:10.1.2.3. The client is an IPv4 address"
        " (§5: \"an IPv4-mapped IPv6 IP address ... MUST still be considered an"
        " IPv4 address\"), and ip6 tests containment in an IPv6 network (§5.6), as"
        " ip4 does for IPv4 clients; the openspf a-cidr6-0-ip4mapped tests (5.3/3)"
        " likewise never match IPv4 connections against IPv6 data. Upstream maps"
        " the IPv4 client into ::ffff:0:0/96 and expects pass; -all gives fail."),
    ("macro.yml", "Macro expansion 2", 2): (
        "fail",
        "IPv6 client: exists:%{ir}.%{v}._spf.%{d2} names a host that holds only an"
        " AAAA record; §5.7 looks up A records only (\"even when the connection"
        " type is IPv6\"), so neither exists matches and -all gives fail."
        " Upstream also accepts AAAA and expects pass."),
}


def parse_ip(text):
    return ipaddress.ip_address(text.strip())


class Check:
    def __init__(self, where, scenario, num, zone_text, zone, helo, sender, ip, result, exp):
        self.where, self.scenario, self.num = where, scenario, num
        self.zone_text, self.zone = zone_text, zone
        self.helo, self.sender, self.ip = helo, sender, ip
        self.result, self.exp = result, exp


class SnapshotZone(ic.Zone):
    """A frozen copy of the file's records at one `expect:` line."""

    def __init__(self, rrs):
        super().__init__()
        # Zone.add/set already left out owners no DNS can hold (a label over
        # 63 octets, a name over 253, RFC 1035 §2.3.4): no query reaches them.
        self.rrs = {k: {t: (v if v in ic.FAILURES else list(v)) for t, v in d.items()}
                    for k, d in rrs.items()}


def names_in(text):
    """Domain-looking tokens of a line, for the `_dns_error.` magic."""
    return re.findall(r"[A-Za-z0-9_.%{}-]*_dns_error\.[A-Za-z0-9_.-]*", text)


def read_file(path):
    """Yield Check objects in file order."""
    base = os.path.basename(path)
    zone = ic.Zone()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    error_names = set()
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        error_names.update(n.rstrip(".") for n in names_in(line))
    scenario = ""
    helo, sender, ip = "", "", "127.0.0.1"
    num = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line == "---":
            scenario, helo, sender, ip, num = "", "", "", "127.0.0.1", 0
            continue
        if line.startswith("#"):
            continue
        if line.startswith("-"):
            line = line[1:].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        if key == "name" and not scenario:
            scenario = value
        elif key in ("spf", "exp"):
            owner, _, rec = value.partition(" ")
            zone.set(owner, "TXT", [])
            zone.add_txt(owner, rec.strip())
        elif key in ("a", "aaaa"):
            owner, _, rec = value.partition(" ")
            zone.set(owner, "A" if key == "a" else "AAAA",
                     [str(parse_ip(x)) for x in rec.split(",") if x.strip()])
        elif key == "ptr":
            addr, _, rec = value.partition(" ")
            zone.set(ic.reverse_name(addr.strip()), "PTR",
                     [x.strip() for x in rec.split(",") if x.strip()])
        elif key == "mx":
            owner, _, rec = value.partition(" ")
            mxs = []
            for pos, item in enumerate(x for x in rec.split(",") if x.strip()):
                addr = parse_ip(item)
                exch = "mx.%s.%d" % (addr, pos)
                zone.set(exch, "A" if addr.version == 4 else "AAAA", [str(addr)])
                mxs.append((pos + 1, exch))
            zone.set(owner, "MX", mxs)
        elif key == "domain":
            helo = value
        elif key == "sender":
            sender = value
        elif key == "ip":
            ip = value
        elif key == "expect":
            num += 1
            result, _, exp = value.partition(" ")
            snap = SnapshotZone(zone.rrs)
            for name in error_names:
                if ic.norm_name(name) not in snap.rrs:
                    for rtype in ("TXT", "A", "AAAA", "MX", "PTR"):
                        snap.fail(name, rtype)
            yield Check(base, scenario, num, None, snap, helo, sender, ip, result.strip(),
                        exp.strip())


def run_check(cli, chk, workdir):
    """(combined result, explanation, error, argv, zone path) for one check."""
    doc, err, argv, path = ic.run_cli(cli, chk.zone, chk.ip, chk.helo, chk.sender, RECEIVER,
                                      workdir=workdir)
    if doc is None:
        return None, None, err, argv, path
    helo_res, helo_exp = ic.spf_part(doc, "helo_spf")
    mf_res, mf_exp = ic.spf_part(doc, "spf")
    if helo_res is None or mf_res is None:
        return None, None, "missing spf/helo_spf in %r" % (doc,), argv, path
    # upstream SpfParameters::verify: HELO first, MAIL FROM only after a HELO pass
    if helo_res != "pass":
        return helo_res, helo_exp, err, argv, path
    return mf_res, mf_exp, err, argv, path


def main(argv):
    verbose = "-v" in argv
    keep = None
    if "--keep" in argv:
        keep = argv[argv.index("--keep") + 1]
        os.makedirs(keep, exist_ok=True)
    args = [a for a in argv[1:] if not a.startswith("-") and a != keep]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    cli, data = args
    folder = os.path.join(data, "spf", "stalwart-mail-auth")
    files = sorted(glob.glob(os.path.join(folder, "*.yml")))
    if not files:
        print("SKIP: no Stalwart SPF scenarios in %s" % folder)
        return 77
    if not os.access(cli, os.X_OK):
        print("mailauth-check not executable: %s" % cli)
        return 1
    checks = [chk for path in files for chk in read_file(path)]
    total = agree = listed = 0
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = keep or tmp
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(lambda c: run_check(cli, c, workdir), checks))
    for chk, (res, exp, err, cli_argv, _zpath) in zip(checks, outcomes):
        total += 1
        key = (chk.where, chk.scenario, chk.num)
        ok = res == chk.result and (not chk.exp or exp == chk.exp) and err is None
        what = "%s: %s #%d (helo %s, mail-from %r, ip %s)" % (
            chk.where, chk.scenario, chk.num, chk.helo, chk.sender, chk.ip)
        if key in RFC_DISAGREEMENTS:
            rfc, why = RFC_DISAGREEMENTS[key]
            if res != rfc or err is not None:
                failures.append("%s: got %s, RFC 7208 gives %s (upstream %s)%s" % (
                    what, res, rfc, chk.result, "\n    error: " + err if err else ""))
            else:
                listed += 1
                if verbose:
                    print("LISTED %s: got %s, upstream %s -- %s" % (what, res, chk.result, why))
            continue
        if ok:
            agree += 1
            if verbose:
                print("ok %s: %s" % (what, res))
            continue
        msg = "%s: got %s%s, want %s%s" % (
            what, res, " (%r)" % exp if exp else "", chk.result,
            " (%r)" % chk.exp if chk.exp else "")
        if err:
            msg += "\n    error: " + err
        msg += "\n    run: " + ic.shell_quote(cli_argv)
        if keep is None:
            msg += "\n    zone:\n" + "".join(
                "      " + l + "\n" for l in chk.zone.text().splitlines())
        failures.append(msg)
    for msg in failures:
        print("FAIL " + msg)
    print("stalwart SPF: %d checks, %d agree, %d listed RFC disagreements, %d failures" % (
        total, agree, listed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
