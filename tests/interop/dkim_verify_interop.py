#!/usr/bin/env python3
"""Interop, verify direction: messages signed by dkimpy and by Mail::DKIM,
verified by mailauth through mailauth-check (--json --only dkim, DNS from
a zone file, --now pinned to the fixed t= of the signatures).

Usage: dkim_verify_interop.py [--only dkimpy|maildkim] MAILAUTH_CHECK MAILAUTH_SIGN KEYDIR [PERL]

Signers: dkimpy (Debian python3-dkim) with rsa-sha256 (2048-bit key) and
ed25519-sha256; Mail::DKIM::Signer (libmail-dkim-perl) with rsa-sha256
(1024-bit key). Mail::DKIM 1.20230212 has no ed25519-sha256 (its
Signature::get_algorithm_class knows rsa-sha1 and rsa-sha256 only, so
installing CryptX would not help): Ed25519 is dkimpy only. Keys: the fixed
test keys of KEYDIR (tests/data/dkim_sign), published in a zone file made
with mailauth-sign --dns-record; t= is fixed (T below). Every message is
signed 8 times by each signer: the four canonicalization pairs, each with
and without l=, all 8 fields in one message (mailauth verifies up to 8).
Messages: folded Subject/To with tabs and odd whitespace, an empty body,
no body at all, bodies without a final CRLF, with trailing blank lines,
trailing whitespace, whitespace runs, 8-bit text; each as a CRLF file and
as a bare-LF file (dkimpy is given the LF file itself; Mail::DKIM wants
the SMTP form and gets the CRLF one).

Each CRLF file is checked as signed and in three altered forms (the LF
files as signed and appended to): Subject changed (-> fail
dkim.signature), a body byte changed (-> fail dkim.body-hash, or a pass
when it lies past l=), a line appended to the body (-> fail dkim.body-hash
without l=, pass with l= and "N body bytes unsigned" in the
Authentication-Results comment). The expected result of every signature
comes from RFC 6376 itself: the body is canonicalized here by a short
reference of §3.4.3/§3.4.4 and compared with the field's bh= and l=. So a
signer whose body hash departs from the RFC is seen as such; it must be
listed in KNOWN_DEPARTURES with the RFC argument, and mailauth must then
give the RFC result (not the signer's). The JSON fields domain, selector,
algorithm and key_bits, and header.d/i/s/a/b in the field, are checked
too.

--only signs with that signer alone (ctest registers one test per
signer, so a missing one shows as skipped). Exit status: 0 all as
expected, 1 a mismatch, 77 none of the signers asked for (--only: that
one, otherwise either) is available (skipped).
"""
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MAILDKIM_SIGN = os.path.join(HERE, 'dkim_sign_maildkim.pl')
VERIFIERS = [os.path.join(HERE, 'dkim_verify_dkimpy.py'),    # for diagnosis only
             os.path.join(HERE, 'dkim_verify_maildkim.pl')]

DOMAIN = 'example.org'
T = 1700000000           # t= of every signature
NOW = T + 60             # --now
CANONS = ['simple/simple', 'simple/relaxed', 'relaxed/simple', 'relaxed/relaxed']

# (signer, algorithm, key file, selector, key bits)
SIGNERS = [
    ('dkimpy', 'rsa-sha256', 'rsa2048-pkcs8.pem', 'rsa2', 2048),
    ('dkimpy', 'ed25519-sha256', 'ed25519-pkcs8.pem', 'ed', 256),
    ('Mail::DKIM', 'rsa-sha256', 'rsa1024-pkcs1.pem', 'rsa1', 1024),
]

HEAD = (b"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
        b"Subject: Hello\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        b"Message-ID: <v1@example.org>\r\n")
MESSAGES = {
    'plain': HEAD + b"\r\nHello Bob,\r\nsee you.\r\n",
    'folded Subject/To': (
        b"From: Alice <alice@example.org>\r\n"
        b"To: bob@example.net,\r\n\tcarol@example.net, \t\r\n      dave@example.net\r\n"
        b"Subject:\t  a  \t subject \r\n\t  folded \r\n   twice  \t\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nbody\r\n"),
    'empty body': HEAD + b"\r\n",
    'no body': HEAD,
    'no final CRLF': HEAD + b"\r\nline one\r\nline two, no line end",
    'no final CRLF, blanks': HEAD + b"\r\nline one\r\nends in blanks \t ",
    'trailing blank lines': HEAD + b"\r\ntext\r\n\r\n\r\n\r\n",
    'trailing whitespace': HEAD + b"\r\ntrailing sp   \r\ntrailing tab\t\r\n \t \r\n\t\r\n\r\n",
    'only CRLFs': HEAD + b"\r\n\r\n\r\n\r\n",
    'whitespace runs': HEAD + b"\r\n  leading\r\nin  the \t middle\r\n\t\ttabs\r\n",
    'blank lines inside': HEAD + b"\r\na\r\n\r\n\r\nb\r\n \r\n\r\n",
    '8-bit': ("From: Zo\u00eb <zoe@example.org>\r\nSubject: caf\u00e9 \u2615\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\nna\u00efve r\u00e9sum\u00e9\r\n"
              ).encode('utf-8'),
}

# Where a signer's body hash or l= for an unaltered message is not the
# RFC's; mailauth is held to the RFC result for these (a pass or a fail,
# as expected() computes). (signer, predicate(message, canon pair, l=?), why)
KNOWN_DEPARTURES = [
    ('Mail::DKIM', lambda m, c, ln: m.startswith('no final CRLF') and c.endswith('/simple'),
     'RFC 6376 §3.4.3: simple body canonicalization adds a CRLF to a body that '
     'does not end in one ("If there is no body or no trailing CRLF on the '
     'message body, a CRLF is added"); Mail::DKIM 1.20230212 hashes the body '
     'without it: mailauth fails these (dkim.body-hash). With l= (set from '
     'Mail::DKIM\'s own count, which stops before the missing CRLF) the hashed '
     'bytes are a prefix of the RFC form: a pass, 2 body bytes unsigned.'),
    ('Mail::DKIM', lambda m, c, ln: ln and c.endswith('/simple') and
     m in ('empty body', 'no body', 'only CRLFs'),
     'RFC 6376 §3.4.3: "a completely empty or missing body is canonicalized as '
     'a single CRLF; that is, the canonicalized length will be 2 octets". '
     'Mail::DKIM counts 0 (its canonicalizer emits that CRLF outside its byte '
     'count), so l=0, and it takes l=0 as "no limit" and hashes the CRLF '
     'anyway: bh= is SHA-256(CRLF) where §3.5 l=0 means that no body octet is '
     'hashed (SHA-256 of nothing). mailauth hashes l= octets: dkim.body-hash.'),
    ('dkimpy', lambda m, c, ln: m == 'no final CRLF, blanks' and c.endswith('/relaxed'),
     'RFC 6376 §3.4.4 (errata 1384 order): step (a) ignores the whitespace at '
     'the end of every line, then (b) adds the CRLF to a body that lacks one; '
     'dkimpy 1.1.4 strips trailing WSP only before a CRLF, so it hashes '
     '"ends in blanks SP CRLF" where the RFC gives "ends in blanks CRLF" '
     '(docs/canonicalization.md; Mail::DKIM agrees with mailauth): '
     'dkim.body-hash, and with l= (one octet too many) dkim.body-length.'),
]


# --- RFC 6376 §3.4.3 / §3.4.4 body canonicalization (the reference) -------

def canon_body(body, how):
    """The canonical form of a CRLF body (a bare CR or LF is an ordinary byte)."""
    if how == 'simple':
        # §3.4.3: "*CRLF" at the end becomes one CRLF (an empty body too).
        while body.endswith(b"\r\n\r\n"):
            body = body[:-2]
        return body if body.endswith(b"\r\n") else body + b"\r\n"
    # §3.4.4 (a): WSP at the end of each line ignored, WSP runs -> one SP;
    # (b): empty lines at the end ignored, a CRLF added to a non-empty
    # body without one. The text after the last CRLF is a line too.
    lines = [re.sub(rb"[ \t]+", b" ", ln).rstrip(b" ") for ln in body.split(b"\r\n")]
    while lines and lines[-1] == b"":
        lines.pop()
    return b"".join(ln + b"\r\n" for ln in lines)


def split_message(msg):
    """(head with its last CRLF, separator CRLF or b'', body)."""
    at = msg.find(b"\r\n\r\n")
    if at < 0:
        return msg, b"", b""
    return msg[:at + 2], b"\r\n", msg[at + 4:]


def change_subject(msg):
    head, sep, body = split_message(msg)
    assert b"\nSubject:" in b"\n" + head
    return (b"\n" + head).replace(b"\nSubject:", b"\nSubject: Re:", 1)[1:] + sep + body


def change_body_byte(msg):
    """Change the first letter or digit of the body; a body without one
    gets an "X" in front."""
    head, _, body = split_message(msg)
    m = re.search(rb"[A-Za-z0-9]", body)
    if m is None:
        return head + b"\r\nX" + body
    c = body[m.start():m.start() + 1]
    return head + b"\r\n" + body[:m.start()] + c.swapcase().replace(b"0", b"1") + body[m.end():]


def append_line(msg):
    head, _, body = split_message(msg)
    return head + b"\r\n" + body + b"appended after signing\r\n"


# (name, change, header changed?, also for LF files?). The LF files are
# checked as signed and appended only: the changes themselves are
# line-end neutral, and a run of mailauth-check under ASan is not free.
VARIANTS = [('as signed', lambda m: m, False, True),
            ('Subject changed', change_subject, True, False),
            ('body byte changed', change_body_byte, False, False),
            ('line appended', append_line, False, True)]


def tags(field):
    """The tags of a DKIM-Signature field, whitespace removed from values."""
    value = field.split(b":", 1)[1].decode('ascii')
    out = {}
    for part in value.split(';'):
        if '=' in part:
            k, v = part.split('=', 1)
            out[k.strip()] = re.sub(r'\s+', '', v)
    return out


def expected(tg, msg):
    """(result, reason, unsigned bytes) RFC 6376 gives for a signature with
    tags tg over msg, the header fields aside."""
    body = canon_body(split_message(msg)[2], tg.get('c', 'simple/simple').split('/')[1])
    length = int(tg['l']) if 'l' in tg else None
    if length is not None and length > len(body):
        return 'fail', 'dkim.body-length', 0
    signed = body if length is None else body[:length]
    if base64.b64encode(hashlib.sha256(signed).digest()).decode() != tg['bh']:
        return 'fail', 'dkim.body-hash', 0
    return 'pass', None, 0 if length is None else len(body) - length


# --- signing ---------------------------------------------------------------

def run(cmd, data=None):
    try:
        p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           check=False)
    except OSError as e:  # no such program (perl)
        return 127, b'', str(e).encode()
    return p.returncode, p.stdout, p.stderr


def dkimpy_signer():
    try:
        import dkim
    except ImportError:
        print('note: dkimpy not importable by %s: dkimpy part skipped' % sys.executable)
        return None

    class FixedClock:  # t= from dkimpy's time.time()
        @staticmethod
        def time():
            return T

    dkim.time = FixedClock

    def sign(keyfile, alg, sel, msg, canon, length):
        with open(keyfile, 'rb') as f:
            pem = f.read()
        if alg == 'ed25519-sha256':
            # dkimpy wants the base64 32-byte seed: the tail of the PKCS#8 DER
            der = base64.b64decode(b"".join(pem.split(b"\n")[1:-2]))
            assert len(der) == 48 and der[:16].hex() == '302e020100300506032b657004220420'
            pem = base64.b64encode(der[16:])
        return dkim.sign(msg, sel.encode(), DOMAIN.encode(), pem,
                         canonicalize=tuple(c.encode() for c in canon.split('/')),
                         signature_algorithm=alg.encode(), length=length)
    return sign


def maildkim_sign_all(perl, jobs):
    """Mail::DKIM fields for jobs [(key file, sel, msg, canon, length)], or None."""
    req = {'domain': DOMAIN, 'timestamp': T, 'jobs': [
        {'key': k, 'selector': s, 'canon': c, 'length': int(ln),
         'message': base64.b64encode(m).decode()} for k, s, m, c, ln in jobs]}
    rc, out, err = run([perl, MAILDKIM_SIGN], json.dumps(req).encode())
    if rc in (77, 127):
        print('note: Mail::DKIM not installed: Mail::DKIM part skipped')
        return None
    if rc != 0:
        raise RuntimeError('dkim_sign_maildkim.pl exit %d: %s' % (rc, err.decode()[-500:]))
    fields = []
    for ent in json.loads(out):
        if 'error' in ent:
            raise RuntimeError('Mail::DKIM signing: ' + ent['error'])
        fields.append(base64.b64decode(ent['field']))
    return fields


def sign_everything(keydir, perl, only):
    """[(signer, alg, sel, bits, message name, line ends, [(canon, l?, field)])]"""
    py = dkimpy_signer() if only in (None, 'dkimpy') else None
    plan = [(c, ln) for c in CANONS for ln in (False, True)]
    cases, pl_jobs = [], []
    for signer, alg, key, sel, bits in SIGNERS:
        if only is not None and signer != {'dkimpy': 'dkimpy', 'maildkim': 'Mail::DKIM'}[only]:
            continue
        keyfile = os.path.join(keydir, key)
        for mname, msg in MESSAGES.items():
            for le in ('CRLF', 'LF'):
                sigs = []
                for canon, ln in plan:
                    if signer == 'dkimpy' and py is not None:
                        src = msg if le == 'CRLF' else msg.replace(b"\r\n", b"\n")
                        sigs.append((canon, ln, py(keyfile, alg, sel, src, canon, ln)))
                    elif signer == 'Mail::DKIM':
                        pl_jobs.append((keyfile, sel, msg, canon, ln))
                        sigs.append((canon, ln, len(pl_jobs) - 1))
                cases.append((signer, alg, sel, bits, mname, le, sigs))
    pl_fields = maildkim_sign_all(perl, pl_jobs) if pl_jobs else None
    out = []
    for signer, alg, sel, bits, mname, le, sigs in cases:
        if signer == 'Mail::DKIM':
            if pl_fields is None:
                continue
            sigs = [(c, ln, pl_fields[i]) for c, ln, i in sigs]
        elif py is None:
            continue
        out.append((signer, alg, sel, bits, mname, le, sigs))
    return out


# --- checking --------------------------------------------------------------

AR_DKIM = re.compile(r'dkim=(\w+) \(([^)]*)\) header\.d=(\S+) header\.i=(\S+) '
                     r'header\.s=(\S+) header\.a=(\S+) header\.b="?([^\s;"]+)"?')


def check_one(cli, zone, path):
    argv = [cli, '--json', '--only', 'dkim', '--zone', zone, '--now', str(NOW),
            '--authserv-id', 'mx.example.net', path]
    rc, out, err = run(argv)
    if rc != 0 or err.strip():
        return None, 'exit %d: %s' % (rc, err.decode(errors='replace')[-1500:])
    try:
        return json.loads(out), None
    except ValueError as e:
        return None, 'bad JSON (%s)' % e


def judge(doc, sigs, msg, alg, sel, bits, tampered_header):
    """Problems of one mailauth-check answer: [text]."""
    entries = doc.get('dkim')
    ar = AR_DKIM.findall(doc.get('authentication_results') or '')
    if not isinstance(entries, list) or len(entries) != len(sigs) or len(ar) != len(sigs):
        return ['%d signatures, JSON has %r, the field %d dkim entries' %
                (len(sigs), entries, len(ar))]
    bad = []
    for (canon, ln, field), got, arx in zip(sigs, entries, ar):
        tg = tags(field)
        res, reason, unsigned = expected(tg, msg)
        if res == 'pass' and tampered_header:
            res, reason, unsigned = 'fail', 'dkim.signature', 0
        want = {'result': res, 'domain': DOMAIN, 'selector': sel, 'algorithm': alg,
                'key_bits': bits, 'reason': reason}
        diff = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
        comment = '%d-bit key' % bits + ('; %d body bytes unsigned' % unsigned
                                          if unsigned else '')
        want_ar = (res, comment if res == 'pass' else arx[1], DOMAIN, '@' + DOMAIN, sel,
                   alg, tg['b'][:8])
        if arx != want_ar:
            diff['field'] = (arx, want_ar)
        if diff:
            bad.append('%s%s: got/want %s' % (canon, ' l=' + tg.get('l', '?') if ln else '',
                                              diff))
    return bad


def departures(sigs, msg):
    """[(canon, l?)] whose body hash departs from the RFC for the unaltered message."""
    out = []
    for canon, ln, field in sigs:
        tg = tags(field)
        body = canon_body(split_message(msg)[2], canon.split('/')[1])
        if ln and tg.get('l') != str(len(body)):
            out.append((canon, ln))
            continue
        if expected(tg, msg)[0] != 'pass':
            out.append((canon, ln))
    return out


def write_case(tmp, n, sigs, msg, le):
    data = b"".join(f for _, _, f in sigs) + msg
    if le == 'LF':
        data = data.replace(b"\r\n", b"\n")
    path = os.path.join(tmp, '%03d.eml' % n)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def diagnose(perl, zone, path):
    """What the two other verifiers say about a file (only on a mismatch)."""
    for script in VERIFIERS:
        cmd = ([perl] if script.endswith('.pl') else [sys.executable]) + [script, zone, '--', path]
        rc, out, err = run(cmd)
        lines = [ln.split(': ', 1)[-1][:70] for ln in out.decode(errors='replace').splitlines()]
        print('    %s says: %s' % (os.path.basename(script),
                                   ' | '.join(lines) or err.decode(errors='replace')[-300:]))


def main():
    args, only = sys.argv[1:], None
    if len(args) >= 2 and args[0] == '--only' and args[1] in ('dkimpy', 'maildkim'):
        only, args = args[1], args[2:]
    if len(args) < 3 or args[0].startswith('--'):
        print(__doc__, file=sys.stderr)
        return 2
    cli, sign_tool, keydir = args[0:3]
    perl = args[3] if len(args) > 3 else 'perl'
    cases = sign_everything(keydir, perl, only)
    if not cases:
        print('SKIP: %s is not available' % (only or 'neither dkimpy nor Mail::DKIM'))
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        zone = os.path.join(tmp, 'keys.zone')
        with open(zone, 'wb') as f:
            for _, _, key, sel, _ in SIGNERS:
                rc, out, err = run([sign_tool, 'dkim', '--key', os.path.join(keydir, key),
                                    '--domain', DOMAIN, '--selector', sel, '--dns-record'], b'')
                if rc != 0:
                    raise RuntimeError('mailauth-sign --dns-record: ' + err.decode())
                f.write(out)
        return check_all(cli, perl, zone, tmp, cases)


def check_all(cli, perl, zone, tmp, cases):
    runs = []   # (case, variant name, tampered header?, message, path)
    bad, seen_dep, stats, by_variant = 0, [], {}, {}
    for case in cases:
        signer, alg, sel, bits, mname, le, sigs = case
        msg = MESSAGES[mname]
        for canon, ln, field in sigs:
            assert 'subject' in tags(field)['h'].lower().split(':'), field
        for canon, ln in departures(sigs, msg):
            why = [w for s, pred, w in KNOWN_DEPARTURES if s == signer and pred(mname, canon, ln)]
            seen_dep.append((signer, alg, mname, le, canon, ln))
            if not why:
                bad += 1
                print('UNEXPLAINED DEPARTURE: %s %s %s (%s) %s%s: its body hash or l= is '
                      'not RFC 6376\'s; investigate' % (signer, alg, mname, le, canon,
                                                        ' l=' if ln else ''))
        for vname, fn, hdr, lf_too in VARIANTS:
            if le == 'LF' and not lf_too:
                continue
            vmsg = fn(msg)
            runs.append((case, vname, hdr, vmsg, write_case(tmp, len(runs), sigs, vmsg, le)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        answers = list(ex.map(lambda r: check_one(cli, zone, r[4]), runs))
    for (case, vname, hdr, vmsg, path), (doc, err) in zip(runs, answers):
        signer, alg, sel, bits, mname, le, sigs = case
        problems = [err] if doc is None else judge(doc, sigs, vmsg, alg, sel, bits, hdr)
        count(stats, by_variant, case, vname, doc)
        if problems:
            bad += 1
            print('MISMATCH %s %s, %s, %s file, %s:' % (signer, alg, mname, le, vname))
            for p in problems:
                print('    ' + p)
            diagnose(perl, zone, path)
    summary(stats, by_variant, seen_dep)
    print('%s' % ('FAILED: %d problems' % bad if bad else 'all as expected'))
    return 1 if bad else 0


def count(stats, by_variant, case, vname, doc):
    signer, alg, _, _, _, _, sigs = case
    st = stats.setdefault((signer, alg), {'files': 0, 'sigs': 0, 'pass': 0, 'fail': 0})
    st['files'] += 1
    st['sigs'] += len(sigs)
    vst = by_variant.setdefault(vname, {})
    ar = AR_DKIM.findall((doc or {}).get('authentication_results') or '')
    for ent, arx in zip((doc or {}).get('dkim') or [], ar):
        word = ent.get('result') if ent.get('result') == 'pass' else ent.get('reason')
        st['pass' if word == 'pass' else 'fail'] += 1
        if word == 'pass' and 'unsigned' in arx[1]:
            word = 'pass with body bytes unsigned'
        vst[word] = vst.get(word, 0) + 1


def summary(stats, by_variant, seen_dep):
    for (signer, alg), st in sorted(stats.items()):
        print('%s %s: %d files, %d signatures checked (%d pass, %d fail)' %
              (signer, alg, st['files'], st['sigs'], st['pass'], st['fail']))
    for vname, vst in by_variant.items():
        print('%s: %s' % (vname, ', '.join('%s %d' % kv for kv in sorted(vst.items()))))
    for signer, pred, why in KNOWN_DEPARTURES:
        if not any(s == signer for s, _ in stats):
            continue
        hits = ['%s %s %s%s (%s)' % (a, m, c, ' l=' if ln else '', le)
                for s, a, m, le, c, ln in seen_dep if s == signer and pred(m, c, ln)]
        print('known departure of %s, %d signatures: %s\n    seen: %s' %
              (signer, len(hits), why, '; '.join(hits) if hits else
               'none (fixed upstream? then drop this entry)'))

if __name__ == '__main__':
    sys.exit(main())
