#!/usr/bin/env python3
"""The public enums of libmailauth against their pinned numbers.

tests/data/abi/enums.txt lists every public enumerator with its number and
the token its name function returns:

    type mailauth_verdict_t mailauth_verdict_name
    MAILAUTH_VERDICT_NONE 0 none

  abi_enums.py check HEADER_DIR ENUMS_TXT
      every enumerator written in the public headers is in the file with
      the same number, and the file lists nothing the headers lack; also
      no public enum ends in a __COUNT sentinel. Exit 0, or 1 with the
      differences.

The C table the test_abi binary compiles is generated from the same file
by tests/abi.cmake.
"""
import os
import re
import sys

ENUM_RE = re.compile(r"typedef\s+enum\s+\w+\s*\{(.*?)\}\s*(\w+)\s*;", re.S)
ITEM_RE = re.compile(r"^(MAILAUTH_[A-Z0-9_]+)(?: ?= ?(.+))?$")


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def header_enums(header_dir):
    """{type: [(name, value or None)]} from every public header."""
    out = {}
    for fn in sorted(os.listdir(header_dir)):
        if not fn.endswith(".h"):
            continue
        text = strip_comments(open(os.path.join(header_dir, fn), encoding="utf-8").read())
        for m in ENUM_RE.finditer(text):
            items = []
            for item in m.group(1).split(","):
                item = " ".join(item.split())
                if not item:
                    continue
                im = ITEM_RE.match(item)
                if not im:
                    sys.exit("%s: cannot read the enumerator '%s'" % (fn, item))
                items.append((im.group(1), im.group(2)))
            out[m.group(2)] = items
    return out


def read_pinned(path):
    """[(type, name_fn, [(name, number, token)])] in file order."""
    types = []
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if parts[0] == "type" and len(parts) == 3:
            types.append((parts[1], parts[2], []))
        elif len(parts) == 3 and types:
            types[-1][2].append((parts[0], int(parts[1], 0), parts[2]))
        else:
            sys.exit("%s:%d: cannot read this line" % (path, lineno))
    return types


def check(header_dir, path):
    problems = []
    headers = header_enums(header_dir)
    pinned = {t: items for t, _, items in read_pinned(path)}
    for t, items in headers.items():
        if t not in pinned:
            problems.append("enum %s is not pinned in %s" % (t, path))
            continue
        want = {n: v for n, v, _ in pinned[t]}
        for name, value in items:
            if name.endswith("__COUNT"):
                problems.append("%s: a __COUNT sentinel in a public enum" % name)
            elif value is None:
                problems.append("%s: no explicit number in the header" % name)
            elif name not in want:
                problems.append("%s = %s is not pinned" % (name, value))
            elif int(value.rstrip("uU"), 0) != want[name]:
                problems.append("%s = %s, pinned %d" % (name, value, want[name]))
        for name in want:
            if name not in dict(items):
                problems.append("%s is pinned but gone from the headers" % name)
    for t, items in pinned.items():
        tokens = [tok for _, _, tok in items]
        for tok in set(tokens):
            if tokens.count(tok) > 1:
                problems.append("%s: the token %s names two enumerators" % (t, tok))
    for t in pinned:
        if t not in headers:
            problems.append("enum %s is pinned but gone from the headers" % t)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
