#!/usr/bin/env python3
"""ctest interop_pyspf: our SPF against pyspf on generated scenarios.

    spf_pyspf.py MAILAUTH_CHECK [--count N] [--seed S] [--only I[,J..]]
                 [--keep DIR] [--jobs N] [--minimize] [-v]

For each scenario of spf_gen.py (fixed seed: reproducible) the same DNS
data is written as a zone file for `mailauth-check --spf-only --json` and
served to pyspf (Debian python3-spf) by replacing its DNSLookup function.
Both identities are compared: MAIL FROM (`spf`, or postmaster@HELO for the
null sender) and HELO (`helo_spf`), and for a fail the exp= explanation
(none on both sides, or the same text).

pyspf runs in its RFC 7208 mode: query(..., strict=True) -- the 10-term
limit (MAX_LOOKUP), 10 MX / 10 PTR names and 2 void lookups
(MAX_VOID_LOOKUPS) are errors there, as in §4.6.4. (strict=False relaxes
them 4-fold; strict=2 is a record linter that returns "ambiguous".)

Disagreements are decided by the RFC 7208 text. Where pyspf departs from it
the departure is listed in pm.DEPARTURES with its section: each entry is
a check that recognises the case (by re-running pyspf with the departure
corrected, or from the scenario data). A disagreement no entry explains is
a failure: either our bug or a new pyspf departure to study.
Exit 0: all agree or explained; 1: unexplained disagreement; 77: no pyspf.
"""

import concurrent.futures
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402
import pyspf_model as pm  # noqa: E402
import spf_gen  # noqa: E402
from pyspf_model import Case, compare, explain  # noqa: E402

DEFAULT_COUNT = 300  # ~20 s on 2 cores; --count 3000 for a deeper run
DEFAULT_SEED = 7208


def outcome(cli, case, ident):
    """(ours, theirs) for one identity ('spf' / 'helo_spf')."""
    doc, _err, _argv, _path = ic.run_cli(cli, case.zone, case.ip, case.helo, case.sender,
                                         case.receiver, workdir=None)
    ours = ic.spf_part(doc, ident) if doc is not None else ("cli-error", None)
    theirs = pm.rerun(case, identity_kind(ident, case))
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
            o, t = outcome(cli, trial, ident)
            kind = identity_kind(ident, trial)
            if ((o[0], t[0]) == target and not compare(o, t)
                    and explain(trial, kind, o, t) is None):
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


def identity_kind(ident, case):
    """Which pyspf check matches our field: the null sender's MAIL FROM
    check is the HELO one (postmaster@HELO, RFC 7208 §2.4)."""
    return "helo" if ident == "helo_spf" or not case.sender else "spf"


def run_all(cli, scenarios, opts):
    """mailauth-check on every scenario, `jobs` at a time."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = opts["keep"] or tmp
        with concurrent.futures.ThreadPoolExecutor(max_workers=opts["jobs"]) as pool:
            futs = [pool.submit(ic.run_cli, cli, s.zone, s.ip, s.helo, s.sender, s.receiver,
                                workdir) for s in scenarios]
            return [f.result() for f in futs]


def main(argv):
    opts, rest = parse_args(argv)
    if len(rest) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    cli = rest[0]
    ok, why = pm.load()
    if not ok:
        print("SKIP: pyspf (Debian python3-spf) cannot be imported by %s: %s" % (
            sys.executable, why))
        return 77
    if not os.access(cli, os.X_OK):
        print("mailauth-check not executable: %s" % cli)
        return 1
    if opts["keep"]:
        os.makedirs(opts["keep"], exist_ok=True)
    indexes = opts["only"] or list(range(opts["count"]))
    scenarios = [spf_gen.Scenario(opts["seed"], i) for i in indexes]
    results = run_all(cli, scenarios, opts)
    checks = agree = 0
    explained = {}
    failures = []
    for scn, (doc, err, cli_argv, path) in zip(scenarios, results):
        case = Case(scn)
        res = {"argv": cli_argv, "zone_path": path}
        if doc is None or err:
            failures.append("%s: mailauth-check failed: %s\n    run: %s" % (
                case.describe(), err, ic.shell_quote(cli_argv)))
            if doc is None:
                continue
        for ident in ("spf", "helo_spf"):
            kind = identity_kind(ident, case)
            ours = ic.spf_part(doc, ident)
            theirs = pm.rerun(case, kind)
            checks += 1
            if compare(ours, theirs):
                agree += 1
                continue
            why = explain(case, kind, ours, theirs)
            if why:
                explained.setdefault(why, []).append("%s [%s]" % (case.describe(), ident))
                if opts["verbose"]:
                    print("EXPLAINED (%s): %s" % (why, report(case, ident, ours, theirs, res)))
                continue
            msg = report(case, ident, ours, theirs, res)
            if opts["minimize"]:
                small = minimize(cli, case, ident, ours, theirs)
                msg += "\n  minimized (%s: ours %s, pyspf %s):" % (ident, ours[0], theirs[0])
                msg += "".join("\n    zone: " + l for l in small.zone.text().splitlines())
            failures.append(msg)
    for msg in failures:
        print("DISAGREE " + msg)
    for why, items in sorted(explained.items()):
        print("explained by %s (%d): %s" % (why, len(items), pm.DEPARTURES[why][0]))
    print("pyspf interop: %d scenarios, %d checks, %d agree, %d explained, %d unexplained" % (
        len(scenarios), checks, agree, sum(len(v) for v in explained.values()), len(failures)))
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv))
