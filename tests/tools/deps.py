#!/usr/bin/env python3
"""Which file of lib/ uses which, read from the compiled objects.

  deps.py [--nm NM] [--src DIR] [--graph] OBJDIR

OBJDIR is the object directory of the library (CMake:
build/CMakeFiles/mailauth_obj.dir), holding lib/<module>/<file>.c.o; with
--src (the source tree), objects whose source is gone (a renamed file's old
object, which the build leaves behind) are left out. For
every object, `nm` gives the symbols it defines and the ones it needs; a
file A uses a file B when A needs a symbol B defines. From that graph:

  (a) file-level cycles: files of lib/ that use each other, directly or
      through others (strongly connected components), with the symbols of
      every edge inside the cycle;
  (b) module-level dependencies against the allowed direction (ALLOWED
      below): an edge from module A to module B that ALLOWED does not list;
  (c) headers: a file that includes a header of a module it may not use,
      read from the compiler's dependency files (<file>.c.o.d) when the
      build wrote them. Macros, inline functions and struct fields leave
      no symbol behind, so nm alone cannot see them.

Each finding is one line (file -> file: symbol, or file -> header). A
finding listed in EXCEPTIONS is reported as known and does not fail; an
exception that no longer matches anything fails, so the list only shrinks.
Exit 0 when everything else is clean, 1 with the findings, 2 on usage errors.
--graph also prints every cross-file edge.
"""
import argparse
import os
import re
import subprocess
import sys

MODULES = ("util", "crypto", "domain", "dns", "msg", "canon", "dkim", "arc",
           "spf", "iprev", "dmarc", "ar", "core")

# The allowed direction: util <- crypto, domain, dns, msg <- canon <- dkim
# <- arc; spf, iprev <- dns, domain; dmarc <- dns, domain and the result
# views of spf and dkim; ar <- util; core <- every module. Read as layers: a
# module of the chain may use every module before it. Nothing uses core.
# Edges beyond that sentence, each for a reason:
#   dmarc <- msg: DMARC finds the author domain in the From field of the
#     header index (RFC 7489 §6.6.1) it is started with;
#   msg <- domain: the From parser (msg/addr.c) makes each author domain an
#     A-label; domain depends on util only, so no cycle can come of it;
#   every check <- ar: each check writes its own Authentication-Results
#     entry with the RFC 8601 model, a leaf on util.
_LAYER1 = ("util",)
_LAYER2 = _LAYER1 + ("crypto", "domain", "dns", "msg")
ALLOWED = {
    "util": (),
    "crypto": _LAYER1,
    "domain": _LAYER1,
    "dns": _LAYER1,
    "msg": _LAYER1 + ("domain",),
    "canon": _LAYER2,
    "dkim": _LAYER2 + ("canon", "ar"),
    "arc": _LAYER2 + ("canon", "dkim", "ar"),
    "spf": ("util", "dns", "domain", "ar"),
    "iprev": ("util", "dns", "domain", "ar"),
    "dmarc": ("util", "dns", "domain", "spf", "dkim", "msg", "ar"),
    "ar": ("util",),
    "core": tuple(m for m in MODULES if m != "core"),
}

# Known findings, each with why it is still there. The key is the finding
# exactly as printed: "cycle: lib/a/x.c lib/a/y.c ..." for (a),
# "lib/a/x.c -> lib/b/y.c: symbol" for (b), "lib/a/x.c -> lib/b/y.h" for (c).
# Empty: the library is clean; keep it so.
EXCEPTIONS = {}

NM_DEFINED = set("TDBRCVWGSi")  # global text, data, bss, read-only, common, weak
NM_UNDEFINED = set("Uvw")


def lib_objects(objdir, src):
    """{"lib/<module>/<file>.c": path of its object}, and the stale ones."""
    out, stale = {}, []
    root = os.path.join(objdir, "lib")
    for dirpath, _, files in os.walk(root):
        for fn in files:
            if fn.endswith(".c.o"):
                path = os.path.join(dirpath, fn)
                rel = os.path.relpath(path, objdir)[:-2].replace(os.sep, "/")
                if src is not None and not os.path.isfile(os.path.join(src, rel)):
                    stale.append(rel)
                else:
                    out[rel] = path
    return out, sorted(stale)


def module_of(rel):
    """The module of "lib/<module>/...", or None for a folder we do not know."""
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "lib" and parts[1] in MODULES:
        return parts[1]
    return None


def read_symbols(nm, objects):
    """({symbol: defining file}, {file: set of needed symbols})."""
    defs, needs = {}, {f: set() for f in objects}
    by_path = {p: f for f, p in objects.items()}
    paths = sorted(by_path)
    for i in range(0, len(paths), 200):  # keep the command line short
        res = subprocess.run([nm, "-A", "-P"] + paths[i:i + 200], check=True,
                             capture_output=True, text=True)
        for line in res.stdout.splitlines():
            path, _, rest = line.rpartition(": ")
            fields = rest.split()
            if path not in by_path or len(fields) < 2:
                continue
            f, sym, kind = by_path[path], fields[0], fields[1]
            if kind in NM_DEFINED:
                defs.setdefault(sym, f)
            elif kind in NM_UNDEFINED:
                needs[f].add(sym)
    return defs, needs


def file_edges(defs, needs):
    """{(user, used): sorted symbols} between different files of lib/."""
    edges = {}
    for f, syms in needs.items():
        for s in syms:
            g = defs.get(s)
            if g is not None and g != f:
                edges.setdefault((f, g), []).append(s)
    return {e: sorted(s) for e, s in edges.items()}


def cycles(nodes, edges):
    """Strongly connected components of more than one file (Tarjan)."""
    succ = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    index, low, stack, on, out = {}, {}, [], set(), []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, 0)]
        while work:  # iterative: no recursion limit on long chains
            n, i = work.pop()
            if i == 0:
                index[n] = low[n] = len(index)
                stack.append(n)
                on.add(n)
            if i < len(succ[n]):
                work.append((n, i + 1))
                m = succ[n][i]
                if m not in index:
                    work.append((m, 0))
                elif m in on:
                    low[n] = min(low[n], index[m])
                continue
            if low[n] == index[n]:
                comp = []
                while True:
                    m = stack.pop()
                    on.discard(m)
                    comp.append(m)
                    if m == n:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[n])
    return sorted(out)


def allowed(a, b):
    return a == b or b in ALLOWED.get(a, ())


def header_findings(objects):
    """Findings of (c): "lib/a/x.c -> lib/b/y.h" for a header of a module
    that a may not use. None when the build wrote no dependency files."""
    found, seen_any = [], False
    for f, path in sorted(objects.items()):
        try:
            text = open(path + ".d", encoding="utf-8").read()
        except OSError:
            continue
        seen_any = True
        deps = [os.path.normpath(d)
                for d in text.replace("\\\n", " ").split(":", 1)[-1].split()]
        src = next((d for d in deps if d.endswith("/" + f)), None)
        if src is None:
            continue
        root = src[:-len(f)]
        a = module_of(f)
        for d in deps:
            if not d.startswith(root + "lib/") or not d.endswith(".h"):
                continue
            h = d[len(root):]
            b = module_of(h)
            if a is not None and b is not None and not allowed(a, b):
                found.append("%s -> %s" % (f, h))
    return sorted(set(found)) if seen_any else None


def find(objects, edges):
    """Every finding as (section, key, detail lines), and whether the
    dependency files were there."""
    findings = []
    for comp in cycles(objects, edges):
        inside = set(comp)
        detail = ["%s -> %s: %s" % (a, b, ", ".join(syms))
                  for (a, b), syms in sorted(edges.items()) if a in inside and b in inside]
        findings.append(("cycle", "cycle: " + " ".join(comp), detail))
    for (a, b), syms in sorted(edges.items()):
        ma, mb = module_of(a), module_of(b)
        if ma is not None and mb is not None and not allowed(ma, mb):
            findings += [("module", "%s -> %s: %s" % (a, b, s), []) for s in syms]
    headers = header_findings(objects)
    findings += [("header", h, []) for h in headers or ()]
    return findings, headers is not None


def report(findings):
    """Print the findings; True when none is new and no exception is stale."""
    titles = {"cycle": "file-level cycles", "module": "module dependencies not allowed",
              "header": "headers of modules not allowed"}
    new = [f for f in findings if f[1] not in EXCEPTIONS]
    for section in ("cycle", "module", "header"):
        lines = [f for f in new if f[0] == section]
        if lines:
            print("%s:" % titles[section])
        for _, key, detail in lines:
            print("  " + key)
            print("".join("      %s\n" % d for d in detail), end="")
    known = [f for f in findings if f[1] in EXCEPTIONS]
    if known:
        print("known exceptions (%d), by reason:" % len(known))
        for why in sorted({EXCEPTIONS[f[1]] for f in known}):
            print("  because %s:" % why)
            for _, key, detail in known:
                if EXCEPTIONS[key] == why:
                    print("      " + key)
                    print("".join("          %s\n" % d for d in detail), end="")
    stale = sorted(set(EXCEPTIONS) - {f[1] for f in findings})
    for key in stale:
        print("exception that no longer matches, remove it: %s" % key)
    return not new and not stale


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nm", default=os.environ.get("NM", "nm"))
    p.add_argument("--src", help="source tree: leave out objects whose source is gone")
    p.add_argument("--graph", action="store_true", help="print every cross-file edge")
    p.add_argument("objdir")
    args = p.parse_args()
    objects, gone = lib_objects(args.objdir, args.src)
    if not objects:
        print("deps.py: no lib/*/*.c.o under %s" % args.objdir, file=sys.stderr)
        return 2
    defs, needs = read_symbols(args.nm, objects)
    edges = file_edges(defs, needs)
    if args.graph:
        for (a, b), syms in sorted(edges.items()):
            print("%s -> %s: %s" % (a, b, ", ".join(syms)))
    findings, have_headers = find(objects, edges)
    ok = report(findings)
    if gone:
        print("note: left out objects without a source: %s" % " ".join(gone))
    if not have_headers:
        print("note: no dependency files (*.c.o.d), headers not checked")
    print("deps: %d files, %d cross-file edges: %s" % (len(objects), len(edges),
                                                       "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
