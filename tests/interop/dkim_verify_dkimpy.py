#!/usr/bin/env python3
"""Verify the DKIM signature(s) of one message with dkimpy (Debian
python3-dkim), DNS answered from a zone file instead of the network.

Usage: dkim_verify_dkimpy.py ZONEFILE [ZONEFILE...] < message
       dkim_verify_dkimpy.py ZONEFILE [ZONEFILE...] -- MESSAGE [MESSAGE...]

ZONEFILE is in the mailauth zone format (docs/zone-format.md); only its
TXT lines are used ("owner TXT "string" "string" ..."). Bare LF line ends
in the message are taken as CRLF. Every DKIM-Signature field is verified,
top to bottom. Prints one line per signature ("pass"/"fail: why"), after
"MESSAGE: " when messages are given as files (one interpreter start for
many messages: dkimpy takes a while to import).
Exit status: 0 all signatures pass, 1 one fails or there is none,
2 usage, 77 dkimpy is not importable (test skipped).
"""
import re
import sys

try:
    import dkim
except ImportError:
    print("SKIP: dkimpy (python3-dkim) is not importable by " + sys.executable)
    sys.exit(77)

TXT_LINE = re.compile(r'^(\S+)\s+TXT\s+(.*)$', re.IGNORECASE)
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def unescape(s):
    """Zone-file string escapes: \\" \\\\ and \\DDD (decimal)."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == '\\' and len(s[i + 1:i + 4]) == 3 and s[i + 1:i + 4].isdigit():
            out.append(int(s[i + 1:i + 4]))
            i += 4
        elif s[i] == '\\' and i + 1 < len(s):
            out += s[i + 1].encode()
            i += 2
        else:
            out += s[i].encode()
            i += 1
    return bytes(out)


def load_zones(paths):
    """{owner (lower case, no trailing dot): [TXT rdata joined]}"""
    zone = {}
    for path in paths:
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if not line or line[0] in '#;':
                    continue
                m = TXT_LINE.match(line)
                if not m:
                    continue
                owner = m.group(1).rstrip('.').lower()
                rdata = b''.join(unescape(q) for q in QUOTED.findall(m.group(2)))
                zone.setdefault(owner, []).append(rdata)
    return zone


def verify_message(zone, msg):
    """[(passed, text)] for every DKIM-Signature of msg (bytes)."""

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode('ascii', 'replace')
        records = zone.get(name.rstrip('.').lower())
        return records[0] if records else None

    msg = re.sub(rb'(?<!\r)\n', b'\r\n', msg)
    d = dkim.DKIM(msg)
    count = sum(1 for name, _ in d.headers if name.lower() == b'dkim-signature')
    if count == 0:
        return [(False, 'fail: no DKIM-Signature field')]
    results = []
    for idx in range(count):
        try:
            good = d.verify(idx=idx, dnsfunc=dnsfunc)
            why = '' if good else ': signature or body hash does not verify'
        except dkim.DKIMException as e:
            good, why = False, ': ' + str(e)
        results.append((good, ('pass' if good else 'fail') + why))
    return results


def main():
    args = sys.argv[1:]
    files = None
    if '--' in args:
        files = args[args.index('--') + 1:]
        args = args[:args.index('--')]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    zone = load_zones(args)
    ok = True
    for path in files if files is not None else [None]:
        if path is None:
            msg = sys.stdin.buffer.read()
        else:
            with open(path, 'rb') as f:
                msg = f.read()
        for good, text in verify_message(zone, msg):
            print(text if path is None else '%s: %s' % (path, text))
            ok = ok and good
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
