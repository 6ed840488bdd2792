#!/usr/bin/env python3
"""ctest interop_pyspf: our SPF against pyspf on generated scenarios.

    spf_pyspf.py MAILAUTH_CHECK [--count N] [--seed S] [--only I[,J..]]
                 [--keep DIR] [--jobs N] [--minimize] [-v]

For each scenario of spf_gen.py (fixed seed: reproducible) the same DNS
data is written as a zone file for `mailauth-check --spf-only --json` and
served to pyspf (Debian python3-spf) by replacing its DNSLookup function.
Both identities are compared: MAIL FROM (`spf`, or postmaster@HELO for the
null sender) and HELO (`helo_spf`), and for a fail the exp= explanation
when both sides have one.

pyspf runs in its RFC 7208 mode: query(..., strict=True) -- the 10-term
limit (MAX_LOOKUP), 10 MX / 10 PTR names and 2 void lookups
(MAX_VOID_LOOKUPS) are errors there, as in §4.6.4. (strict=False relaxes
them 4-fold; strict=2 is a record linter that returns "ambiguous".)

Disagreements are decided by the RFC 7208 text. Where pyspf departs from it
the departure is listed in PYSPF_DEVIATIONS with its section: each entry is
a check that recognises the case (by re-running pyspf with the departure
corrected, or from the scenario data). A disagreement no entry explains is
a failure: either our bug or a new pyspf departure to study.
Exit 0: all agree or explained; 1: unexplained disagreement; 77: no pyspf.
"""

import concurrent.futures
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402
import spf_gen  # noqa: E402

DEFAULT_COUNT = 400
DEFAULT_SEED = 7208


def import_pyspf():
    """pyspf is Debian's python3-spf; a python3 from elsewhere (pyenv, venv)
    may not see dist-packages, so try that path too."""
    try:
        import spf
        return spf, None
    except ImportError as exc:
        first = str(exc)
    for path in ("/usr/lib/python3/dist-packages",):
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)
    try:
        import spf
        return spf, None
    except Exception as exc:  # noqa: BLE001 - any failure means "no pyspf"
        return None, "%s; then %s" % (first, exc)


spf = None


# --- pyspf side ---------------------------------------------------------------

class PyspfDNS:
    """The scenario's zone as pyspf's DNSLookup(name, qtype, strict, timeout).

    Answers are lists of ((name, type), data) like pyspf's dnspython
    driver: A/AAAA text, MX (pref, name), PTR name, TXT list of bytes. A
    CNAME is answered as such and pyspf follows it itself. TIMEOUT and
    SERVFAIL raise spf.TempError, which pyspf turns into temperror.
    """

    def __init__(self, zone):
        self.zone = zone
        self.asked = []

    def __call__(self, name, qtype, strict=True, timeout=None):
        self.asked.append((name, qtype))
        kind, data = self.zone.lookup(name, qtype)
        if kind in ic.FAILURES:
            raise spf.TempError("DNS %s for %s/%s" % (kind, name, qtype))
        if kind == "cname":
            return [((name, "CNAME"), data)]
        if kind != "records":
            return []
        return [((name, qtype), d) for d in data]


def pyspf_check(zone, ip, sender, helo, receiver, tweak=None):
    """(result, explanation or None) from pyspf; explanation only for exp=."""
    saved = spf.DNSLookup
    spf.DNSLookup = PyspfDNS(zone)
    try:
        q = spf.query(i=ip, s=sender, h=helo, receiver=receiver, strict=True, querytime=0)
        if tweak is not None:
            tweak(q)
        res, _code, exp = q.check()
    except Exception as exc:  # noqa: BLE001 - report, do not abort the run
        return "pyspf-crash", "%s: %s" % (type(exc).__name__, exc)
    finally:
        spf.DNSLookup = saved
    if exp == spf.EXPLANATIONS.get(res) or res != "fail":
        exp = None
    return res, exp


# --- departures of pyspf from RFC 7208 ---------------------------------------
# Each: name -> (RFC argument, recogniser(scn, ident, ours, theirs) -> bool).
# A recogniser re-runs pyspf with the departure corrected (or inspects the
# data) and says whether that alone explains the disagreement.


def _lower_i(q):
    q.i = q.i.lower()


def _rerun(scn, ident, tweak=None, zone=None):
    sender = scn.sender if ident == "spf" else ""
    return pyspf_check(zone or scn.zone, scn.ip, sender, scn.helo, scn.receiver, tweak)


def _explains_ipv6_i_case(scn, ident, ours, theirs):
    if ":" not in scn.ip or ours[0] != theirs[0]:
        return False
    return _rerun(scn, ident, _lower_i) == ours


def _explains_single_label(scn, ident, ours, theirs):
    dom = scn.domain if ident == "spf" and scn.sender else scn.helo
    return "." not in dom and ours == ("none", None)


PYSPF_DEVIATIONS = {
    "ipv6-i-uppercase": (
        "RFC 7208 §7.3/§7.4: for IPv6 %{i} is the dot-format nibble address; the"
        " §7.4 example expands 2001:db8::cb01 in lower case. pyspf upper-cases the"
        " nibbles, visible in exp= text (DNS names compare case-insensitively).",
        _explains_ipv6_i_case),
    "single-label-domain": (
        "RFC 7208 §4.3: a <domain> that is not a multi-label domain name gives"
        " \"none\" at once; pyspf looks up its TXT record anyway.",
        _explains_single_label),
}


def explain(scn, ident, ours, theirs):
    for name, (_why, rec) in PYSPF_DEVIATIONS.items():
        if rec(scn, ident, ours, theirs):
            return name
    return None


# --- running ------------------------------------------------------------------


def compare(ours, theirs):
    """Equal results, and equal explanations when both give one."""
    if ours[0] != theirs[0]:
        return False
    if ours[0] == "fail" and ours[1] is not None and theirs[1] is not None:
        return ours[1] == theirs[1]
    return True


class Case:
    """What one CLI run and one pyspf run need; minimize() edits copies."""

    def __init__(self, scn, zone=None):
        self.ip, self.helo, self.sender = scn.ip, scn.helo, scn.sender
        self.receiver, self.domain = scn.receiver, scn.domain
        self.title = scn.describe()
        self.zone = zone if zone is not None else scn.zone

    def describe(self):
        return self.title


def outcome(cli, case, ident, workdir):
    """(ours, theirs) for one identity ('spf' / 'helo_spf')."""
    doc, _err, _argv, _path = ic.run_cli(cli, case.zone, case.ip, case.helo, case.sender,
                                         case.receiver, workdir=None)
    ours = ic.spf_part(doc, ident) if doc is not None else ("cli-error", None)
    theirs = _rerun(case, "helo" if ident == "helo_spf" or not case.sender else "spf")
    return ours, theirs


def zone_variants(zone):
    """Smaller zones: one RRset dropped, or one term dropped from a policy."""
    for owner in sorted(zone.rrs):
        for rtype in sorted(zone.rrs[owner]):
            z = ic.Zone()
            z.rrs = {o: dict(t) for o, t in zone.rrs.items()}
            del z.rrs[owner][rtype]
            if not z.rrs[owner]:
                del z.rrs[owner]
            yield z
    for owner in sorted(zone.rrs):
        txts = zone.rrs[owner].get("TXT")
        if txts in ic.FAILURES or not txts:
            continue
        for k, rec in enumerate(txts):
            words = b"".join(rec).split(b" ")
            if words[0].lower() != b"v=spf1":
                continue
            for j in range(1, len(words)):
                z = ic.Zone()
                z.rrs = {o: dict(t) for o, t in zone.rrs.items()}
                new = list(txts)
                new[k] = [b" ".join(words[:j] + words[j + 1:])]
                z.rrs[owner] = dict(z.rrs[owner])
                z.rrs[owner]["TXT"] = new
                yield z


def minimize(cli, case, ident, ours, theirs):
    """Greedy: keep any smaller zone on which both sides still answer the same."""
    target = (ours[0], theirs[0])
    changed = True
    while changed:
        changed = False
        for z in zone_variants(case.zone):
            trial = Case(case, z)
            o, t = outcome(cli, trial, ident, None)
            if (o[0], t[0]) == target and not compare(o, t):
                case, changed = trial, True
                break
    return case


def parse_args(argv):
    opts = {"count": DEFAULT_COUNT, "seed": DEFAULT_SEED, "only": None, "keep": None,
            "jobs": 2, "verbose": False, "minimize": False}
    rest = []
    k = 1
    while k < len(argv):
        a = argv[k]
        if a in ("--count", "--seed", "--jobs"):
            opts[a[2:]] = int(argv[k + 1])
            k += 2
        elif a == "--only":
            opts["only"] = [int(x) for x in argv[k + 1].split(",")]
            k += 2
        elif a == "--keep":
            opts["keep"] = argv[k + 1]
            k += 2
        elif a == "-v":
            opts["verbose"] = True
            k += 1
        elif a == "--minimize":
            opts["minimize"] = True
            k += 1
        else:
            rest.append(a)
            k += 1
    return opts, rest


def report(scn, ident, ours, theirs, res):
    lines = ["%s [%s]: ours %s%s, pyspf %s%s" % (
        scn.describe(), ident, ours[0], " (%r)" % ours[1] if ours[1] else "",
        theirs[0], " (%r)" % theirs[1] if theirs[1] else "")]
    lines.append("    run: " + ic.shell_quote(res["argv"]))
    lines.extend("    zone: " + l for l in scn.zone.text().splitlines())
    return "\n".join(lines)


def main(argv):
    global spf
    opts, rest = parse_args(argv)
    if len(rest) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    cli = rest[0]
    spf, why = import_pyspf()
    if spf is None:
        print("SKIP: pyspf (Debian python3-spf) cannot be imported by %s: %s" % (
            sys.executable, why))
        return 77
    if not os.access(cli, os.X_OK):
        print("mailauth-check not executable: %s" % cli)
        return 1
    indexes = opts["only"] or list(range(opts["count"]))
    scenarios = [spf_gen.Scenario(opts["seed"], i) for i in indexes]
    if opts["keep"]:
        os.makedirs(opts["keep"], exist_ok=True)
    stats = {"checks": 0, "agree": 0, "explained": 0}
    explained = {}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = opts["keep"] or tmp
        with concurrent.futures.ThreadPoolExecutor(max_workers=opts["jobs"]) as pool:
            futs = [pool.submit(ic.run_cli, cli, s.zone, s.ip, s.helo, s.sender, s.receiver,
                                workdir) for s in scenarios]
            results = [f.result() for f in futs]
    for scn0, (doc, err, argv_, path) in zip(scenarios, results):
        scn = Case(scn0)
        res = {"argv": argv_, "zone_path": path}
        if doc is None or err:
            failures.append("%s: mailauth-check failed: %s\n    run: %s" % (
                scn.describe(), err, ic.shell_quote(argv_)))
            if doc is None:
                continue
        for ident in ("spf", "helo_spf"):
            ours = ic.spf_part(doc, ident)
            theirs = _rerun(scn, "helo" if (ident == "helo_spf" or not scn.sender) else "spf")
            stats["checks"] += 1
            if compare(ours, theirs):
                stats["agree"] += 1
                continue
            ident_kind = "helo" if ident == "helo_spf" or not scn.sender else "spf"
            why = explain(scn, ident_kind, ours, theirs)
            if why:
                stats["explained"] += 1
                explained.setdefault(why, []).append("%s [%s]" % (scn.describe(), ident))
                if opts["verbose"]:
                    print("EXPLAINED (%s): %s" % (why, report(scn, ident, ours, theirs, res)))
                continue
            msg = report(scn, ident, ours, theirs, res)
            if opts["minimize"]:
                small = minimize(cli, Case(scn), ident, ours, theirs)
                msg += "\n  minimized (%s: ours %s, pyspf %s):" % (ident, ours[0], theirs[0])
                msg += "".join("\n    zone: " + l for l in small.zone.text().splitlines())
            failures.append(msg)
    for msg in failures:
        print("DISAGREE " + msg)
    for why, items in sorted(explained.items()):
        print("explained by pyspf departure %s (%d): %s" % (why, len(items),
                                                           PYSPF_DEVIATIONS[why][0]))
    print("pyspf interop: %d scenarios, %d checks, %d agree, %d explained, %d unexplained" % (
        len(scenarios), stats["checks"], stats["agree"], stats["explained"], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
