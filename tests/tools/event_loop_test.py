#!/usr/bin/env python3
"""ctest event_loop: examples/event-loop against a real DNS server.

Usage: event_loop_test.py EXAMPLE BATCH_SIGNER MAILAUTH_SIGN KEYDIR

dnsmasq (Debian dnsmasq-base) serves, authoritatively on 127.0.0.1 and a
free port, the zone of 20 sender domains: SPF records with include chains
(a shared relay include two levels deep, mx: and a: terms), DKIM keys
(RSA-2048 and Ed25519), DMARC records (reject, quarantine, none, and none
at all). Messages are signed at test time through the signing API by
BATCH_SIGNER (tests/tools/event_loop_sign.c; keys from KEYDIR,
tests/data/dkim_sign, their records from MAILAUTH_SIGN --dns-record), some
then tampered with, and sent with envelopes that pass or fail SPF: 7
variants per domain, each with the verdicts this script expects.

  1. direct: 1,200 messages in flight at once on one resolver, DATA fed in
     97-byte chunks interleaved across messages; every verdict checked, and
     dnsmasq's query log shows each distinct question asked exactly once,
     as many as the resolver counted queries.
  2. delayed: the same through a proxy (dns_delay_proxy.py) holding every
     query 40 ms, UDP and TCP, with one key record padded to 5 KB so that
     only TCP carries it; same verdicts, same single queries (that key
     twice: UDP truncated, then TCP); the proxy held many queries at once
     (10 or more), the resolver's queries overlapped (few round trips),
     the loop waited in poll() far less than the queries one after another
     would take, and the wall time stays far below messages x latency.
  3. coalescing: one copy, then 500 copies of one message (one sender) in
     flight at once through the proxy: one upstream query per distinct
     question, the same questions and as many queries as for one copy;
     the other questions joined a query in flight (coalesced) or found
     the answer cached.

The 5 KB record is served through the proxy only: dnsmasq closes a TCP
connection after its answer, and c-ares 1.18 takes that as a server error
and sends every query then in flight again (over UDP too), which would
make the server see questions twice that mailauth asked once. The proxy
keeps its client connections open (RFC 7766 §6.2.3).

Exit status: 0 all checks passed, 1 a check failed, 77 dnsmasq missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dns_delay_proxy import DelayProxy  # noqa: E402
from netutil import dns_answers, free_port  # noqa: E402

N_DOMAINS = 20
MESSAGES = 1200
COALESCE_MESSAGES = 500
CHUNK = 97
DELAY_MS = 40
BIG_KEY_DOMAIN = 7  # its key record carries a 5 KB n= note: truncated over UDP
RELAY = 'relay.test'
RELAY_IP = '203.0.113.7'
BAD_IP = '192.0.2.250'
DNSMASQ = [p for p in ('/usr/sbin/dnsmasq', '/usr/bin/dnsmasq') if os.access(p, os.X_OK)]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)
    return cond


def dom(i):
    return 's%02d.test' % i


def org(name):
    """Organizational domain under the PSL's default rule ('test' is not listed)."""
    return '.'.join(name.lower().split('.')[-2:])


# ---- the zone -------------------------------------------------------------

def key_record(sign_tool, key, domain, selector):
    out = subprocess.run([sign_tool, 'dkim', '--key', key, '--domain', domain, '--selector',
                          selector, '--dns-record'], check=True, stdout=subprocess.PIPE).stdout
    return ''.join(re.findall(r'"([^"]*)"', out.decode()))


def build_zone(keys, big):
    """{(name, type): [rdata]}: TXT rdata is one string, A an address, MX
    (pref, host). keys: the RSA and Ed25519 key records; big: one of them
    is padded to 5 KB, over any UDP answer."""
    rsa, ed = keys
    z = {}

    def add(name, rtype, rdata):
        z.setdefault((name, rtype), []).append(rdata)

    add('_spf.' + RELAY, 'TXT', 'v=spf1 ip4:198.51.100.0/24 include:_spf2.%s -all' % RELAY)
    add('_spf2.' + RELAY, 'TXT', 'v=spf1 a:out.%s -all' % RELAY)
    add('out.' + RELAY, 'A', RELAY_IP)
    add('k1._domainkey.' + RELAY, 'TXT', rsa)
    for i in range(N_DOMAINS):
        d = dom(i)
        add(d, 'TXT', 'v=spf1 include:_spf.%s include:_spf.%s %s' % (d, RELAY, spf_all(i)))
        add('_spf.' + d, 'TXT', 'v=spf1 ip4:192.0.2.%d mx:%s -all' % (10 + i, d))
        add(d, 'MX', (10, 'mx.' + d))
        add('mx.' + d, 'A', '192.0.2.%d' % (100 + i))
        key = rsa if i % 2 == 0 else ed
        if big and i == BIG_KEY_DOMAIN:  # RFC 6376 §3.6.1 n=: notes, ignored by verifiers
            key = key.replace('v=DKIM1; ', 'v=DKIM1; n=' + 'padding' * 720 + '; ', 1)
        add('%s._domainkey.%s' % (selector(i), d), 'TXT', key)
        if dmarc_record(i) is not None:
            add('_dmarc.' + d, 'TXT', dmarc_record(i))
    return z


def spf_all(i):
    return '~all' if i % 5 == 3 else '-all'


def selector(i):
    return 'rsa' if i % 2 == 0 else 'ed'


def dmarc_record(i):
    return ['v=DMARC1; p=reject', 'v=DMARC1; p=quarantine', 'v=DMARC1; p=none', None][i % 4]


def dnsmasq_args(zone, port, log):
    """Options on the command line (a configuration file line cannot hold
    the 5 KB record); no quotes there: commas separate the strings."""
    args = ['--port=%d' % port, '--listen-address=127.0.0.1', '--bind-interfaces',
            '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--log-queries',
            '--log-facility=' + log,
            # authoritative for "test" and the clients' reverse zones (iprev
            # asks PTR): negative answers carry the SOA, so NXDOMAIN and
            # NODATA are cached like records (RFC 2308 §5); the PTR records
            # come from the A records of the host names
            '--auth-server=ns.test,127.0.0.1', '--auth-zone=test,192.0.2.0/24,203.0.113.0/24',
            '--auth-soa=1,hostmaster.test', '--auth-ttl=300', '--local-ttl=300']
    for (name, rtype), rdatas in sorted(zone.items()):
        for r in rdatas:
            if rtype == 'TXT':
                assert ',' not in r
                args.append('--txt-record=%s,%s' % (
                    name, ','.join(r[k:k + 255] for k in range(0, len(r), 255))))
            elif rtype == 'A':
                args.append('--host-record=%s,%s' % (name, r))
            elif rtype == 'MX':
                args.append('--mx-host=%s,%s,%d' % (name, r[1], r[0]))
    return args


# ---- the messages ---------------------------------------------------------

def message(i, variant, author):
    d = dom(i)
    head = ('From: Sender %d <%s>\r\nTo: rcpt@example.net\r\nSubject: %s report for %s\r\n'
            'Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <%s.%d@%s>\r\n'
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
            % (i, author, variant, d, variant, i, d))
    body = ''.join('line %d of the %s message from %s, with some words to fill it\r\n'
                   % (n, variant, d) for n in range(10 + (i * 7) % 40))
    return (head + body).encode()


def key_file(keydir, sel):
    name = 'rsa2048-pkcs8.pem' if sel in ('rsa', 'k1') else 'ed25519-pkcs8.pem'
    return os.path.join(keydir, name)


def sign_all(batch_signer, keydir, work):
    """Sign every domain's messages in one run of the batch signer; returns
    [(plain, news, relay)] per domain as bytes: plain signed by the domain,
    news (From a subdomain) by the domain and then by the relay on top,
    relay by the relay only."""
    raw = os.path.join(work, 'raw')
    os.makedirs(raw)
    jobs = []
    for i in range(N_DOMAINS):
        d, sel = dom(i), selector(i)
        for kind, author in (('plain', 'user@' + d), ('news', 'user@news.' + d),
                             ('relay', 'user@' + d)):
            with open(os.path.join(raw, '%d-%s' % (i, kind)), 'wb') as f:
                f.write(message(i, kind, author))
        base = os.path.join(raw, str(i))
        jobs.append((key_file(keydir, sel), d, sel, base + '-plain', base + '-plain.signed'))
        jobs.append((key_file(keydir, sel), d, sel, base + '-news', base + '-news.once'))
        jobs.append((key_file(keydir, 'k1'), RELAY, 'k1', base + '-news.once',
                     base + '-news.signed'))
        jobs.append((key_file(keydir, 'k1'), RELAY, 'k1', base + '-relay', base + '-relay.signed'))
    subprocess.run([batch_signer], input=''.join(' '.join(j) + '\n' for j in jobs).encode(),
                   check=True)
    out = []
    for i in range(N_DOMAINS):
        got = []
        for kind in ('plain', 'news', 'relay'):
            with open(os.path.join(raw, '%d-%s.signed' % (i, kind)), 'rb') as f:
                got.append(f.read())
        out.append(tuple(got))
    return out


def variants(i, plain, news, relay):
    """(name, bytes, ip, helo, mail_from, author domain, expected spf, expected dkim list)."""
    d, good_ip, mx_ip = dom(i), '192.0.2.%d' % (10 + i), '192.0.2.%d' % (100 + i)
    bad = 'softfail' if spf_all(i) == '~all' else 'fail'
    helo = 'mx.' + d
    return [
        ('good', plain, good_ip, helo, 'bounce@' + d, d, 'pass', [(d, 'pass', None)]),
        ('relay-ip', news, RELAY_IP, 'out.' + RELAY, 'bounce@' + d, 'news.' + d, 'pass',
         [(RELAY, 'pass', None), (d, 'pass', None)]),
        ('spf-fail', plain, BAD_IP, helo, 'bounce@' + d, d, bad, [(d, 'pass', None)]),
        ('body-tampered', plain.replace(b'line 3 of', b'line 3 0f'), mx_ip, helo, 'bounce@' + d, d,
         'pass', [(d, 'fail', 'dkim.body-hash')]),
        ('header-tampered', plain.replace(b'Subject: plain', b'Subject: pla1n'), BAD_IP, helo,
         'bounce@' + d, d, bad, [(d, 'fail', 'dkim.signature')]),
        ('third-party', relay, BAD_IP, helo, 'bounce@' + d, d, bad, [(RELAY, 'pass', None)]),
        # null sender: SPF checks postmaster@HELO, which has no SPF record
        ('null-sender', plain, good_ip, helo, '<>', d, 'none', [(d, 'pass', None)]),
    ]


def expected_dmarc(i, mail_from, author, spf, dkim):
    """RFC 7489 §3.1 relaxed alignment, §6.6.2: pass by an aligned SPF or DKIM pass."""
    if dmarc_record(i) is None:
        return 'none'
    spf_ok = spf == 'pass' and '@' in mail_from and org(mail_from.split('@')[1]) == org(author)
    dkim_ok = any(v == 'pass' and org(dd) == org(author) for dd, v, _ in dkim)
    return 'pass' if spf_ok or dkim_ok else 'fail'


def write_messages(work, batch_signer, keydir):
    """Sign and write every message; returns the manifest rows with their expectations."""
    signed = sign_all(batch_signer, keydir, work)
    os.makedirs(os.path.join(work, 'msg'))
    rows = []
    for i in range(N_DOMAINS):
        for name, data, ip, helo, mf, author, spf, dkim in variants(i, *signed[i]):
            fname = 'msg/%s-%s.eml' % (dom(i), name)
            with open(os.path.join(work, fname), 'wb') as f:
                f.write(data)
            rows.append({'file': fname, 'line': '%s %s %s %s' % (fname, ip, helo, mf),
                         'spf': spf, 'dkim': dkim,
                         'dmarc': expected_dmarc(i, mf, author, spf, dkim)})
    return rows


# ---- dnsmasq --------------------------------------------------------------





class Dnsmasq:
    """A fresh dnsmasq with its own query log, for one phase."""

    def __init__(self, work, zone, tag):
        self.log = os.path.join(work, 'dnsmasq-%s.log' % tag)
        self.proc = None
        for _ in range(10):
            self.port = free_port()
            self.proc = subprocess.Popen([DNSMASQ[0], '--no-daemon'] +
                                         dnsmasq_args(zone, self.port, self.log),
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if self.proc.poll() is not None or dns_answers(self.port, "test"):
                    break
                time.sleep(0.05)
            if self.proc.poll() is None and dns_answers(self.port, "test"):
                return
            self.stop()
        raise RuntimeError('dnsmasq did not start')

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def questions(self):
        """Counter of (name, type) over the queries logged, after the stop."""
        self.stop()
        seen = {}
        with open(self.log, errors='replace') as f:
            for m in re.finditer(r'(?:query|auth)\[(\w+)\] (\S+) from 127\.0\.0\.1', f.read()):
                k = (m.group(2).lower().rstrip('.'), m.group(1))
                seen[k] = seen.get(k, 0) + 1
        seen.pop(('test', 'SOA'), None)  # our own "is it up" probes
        return seen


# ---- running the example ----------------------------------------------------

def run_example(example, work, manifest, port, count, tag):
    results = os.path.join(work, 'results-%s.txt' % tag)
    cmd = [example, '--dns-server', '127.0.0.1:%d' % port, '--count', str(count), '--chunk',
           str(CHUNK), '--results', results, manifest]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    wall = time.monotonic() - t0
    out, err = p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')
    if not check(p.returncode == 0, '%s: exit status %d\n%s' % (tag, p.returncode, err[-3000:])):
        return None, None
    summary = dict(l.split('=', 1) for l in out.splitlines() if '=' in l)
    summary = {k: int(v) for k, v in summary.items()}
    with open(results) as f:
        lines = f.read().splitlines()
    print('%s: %d messages, %d ms in the loop (%d turns), %.2f s wall; dns: questions %d, '
          'queries %d, coalesced %d, cache hits %d, round trips %d' % (
              tag, count, summary.get('elapsed_ms', -1), summary.get('loop_turns', -1), wall,
              summary.get('dns.questions', -1),
              summary.get('dns.queries', -1), summary.get('dns.coalesced', -1),
              summary.get('dns.cache_hits', -1), summary.get('dns.round_trips', -1)))
    return summary, lines


def parse_result(line):
    """'INDEX FILE key=value...' -> (index, file, {key: value})."""
    words = line.split()
    return int(words[0]), words[1], dict(w.split('=', 1) for w in words[2:])


def verdict(token):
    return token.split(':', 1)[0]


def check_results(tag, rows, summary, lines, count):
    check(len(lines) == count, '%s: %d result lines, want %d' % (tag, len(lines), count))
    tally = {}
    bad = 0
    for n, line in enumerate(lines):
        idx, fname, kv = parse_result(line)
        row = rows[n % len(rows)]
        got_dkim = [] if kv['dkim'] == '-' else [x.split('/', 1) for x in kv['dkim'].split(',')]
        want_dkim = [(d, v if why is None else '%s:%s' % (v, why)) for d, v, why in row['dkim']]
        ok = (idx == n and fname == row['file'] and kv['status'] == 'MAILAUTH_OK' and
              kv['via'] == ('queue' if n % 2 else 'callback') and
              verdict(kv['spf']) == row['spf'] and verdict(kv['dmarc']) == row['dmarc'] and
              [(d, v if v.startswith('fail') else verdict(v)) for d, v in got_dkim] == want_dkim)
        if not ok:
            bad += 1
            if bad <= 10:
                check(False, '%s: message %d (%s): got %s; want spf=%s dkim=%s dmarc=%s' % (
                    tag, n, row['line'], line, row['spf'], want_dkim, row['dmarc']))
        for method in ('spf', 'dmarc'):
            k = '%s.%s' % (method, verdict(kv[method]))
            tally[k] = tally.get(k, 0) + 1
        for _, v in got_dkim:
            tally['dkim.' + verdict(v)] = tally.get('dkim.' + verdict(v), 0) + 1
    check(bad == 0, '%s: %d of %d messages with a wrong verdict' % (tag, bad, count))
    want = {'messages': count, 'done': count, 'errors': 0, 'in_flight_max': count,
            'via_callback': (count + 1) // 2, 'via_queue': count // 2}
    for k, v in want.items():
        check(summary.get(k) == v, '%s: summary %s=%s, want %d' % (tag, k, summary.get(k), v))
    for k, v in tally.items():
        check(summary.get(k) == v, '%s: summary %s=%s, results say %d' % (tag, k, summary.get(k), v))
    check(summary['fds_max'] >= 1, '%s: the socket callback never asked for a socket' % tag)


def big_key():
    return ('%s._domainkey.%s' % (selector(BIG_KEY_DOMAIN), dom(BIG_KEY_DOMAIN)), 'TXT')


def check_single_queries(tag, logged, summary, big):
    """Each distinct question reached the server once (the big key: UDP, then TCP)."""
    repeated = {k: n for k, n in logged.items() if n != (2 if big and k == big_key() else 1)}
    check(not repeated, '%s: questions asked upstream more than once: %s' % (
        tag, sorted(repeated.items())[:10]))
    check(len(logged) == summary['dns.queries'], '%s: server saw %d distinct questions, the '
          'resolver sent %d queries' % (tag, len(logged), summary['dns.queries']))
    check(summary['dns.questions'] == summary['dns.queries'] + summary['dns.coalesced'] +
          summary['dns.cache_hits'], '%s: questions != queries + coalesced + cache hits' % tag)


# ---- the three phases -----------------------------------------------------

def phase_direct(example, work, zone, manifest, rows):
    srv = Dnsmasq(work, zone, 'direct')
    try:
        summary, lines = run_example(example, work, manifest, srv.port, MESSAGES, 'direct')
    finally:
        logged = srv.questions()
    if summary is not None:
        check_results('direct', rows, summary, lines, MESSAGES)
        check_single_queries('direct', logged, summary, False)
    return summary


def phase_delayed(example, work, zone, manifest, rows, direct):
    summary, lines, logged, proxy = run_behind_proxy(example, work, zone, manifest, MESSAGES,
                                                     'delayed')
    if summary is None:
        return
    check_results('delayed', rows, summary, lines, MESSAGES)
    check_single_queries('delayed', logged, summary, True)
    via_tcp = sorted((n, t) for n, t, tr in proxy.seen if tr == 'tcp')
    check(via_tcp == [big_key()], 'delayed: TCP queries %s, want only the big key' % via_tcp)
    serial_ms = summary['dns.queries'] * DELAY_MS
    print('delayed: the proxy held up to %d queries at once; the loop took %d ms, %d of them '
          'waiting in poll() (direct: %d ms); %d queries one after another would wait %d ms, '
          'one round trip per message %d ms; %d round trips' % (
              proxy.max_pending, summary['elapsed_ms'], summary['poll_wait_ms'],
              direct['elapsed_ms'] if direct else -1, summary['dns.queries'], serial_ms,
              MESSAGES * DELAY_MS, summary['dns.round_trips']))
    # The 20 senders' first SPF questions (and their HELO checks) go out
    # together, before any answer; half of them is a margin for a proxy
    # thread that a loaded machine runs late.
    check(proxy.max_pending >= N_DOMAINS // 2, 'delayed: at most %d queries in flight at once' %
          proxy.max_pending)
    # Queries overlap: the resolver went from none in flight to some only a
    # few times (about once per step of the longest SPF chain), not once
    # per query as it would one query at a time.
    check(summary['dns.round_trips'] <= 30, 'delayed: %d round trips for %d queries' % (
        summary['dns.round_trips'], summary['dns.queries']))
    # The loop waited for DNS far less than the queries one after another
    # would make it wait (the CPU time, which a loaded machine stretches,
    # is not in this figure).
    check(summary['poll_wait_ms'] < serial_ms // 2, 'delayed: %d ms waiting in poll(), '
          'not far below %d ms' % (summary['poll_wait_ms'], serial_ms))
    # Far below one round trip per message (a factor 4 leaves room for a
    # loaded machine: the run is mostly CPU under the sanitizers).
    check(summary['elapsed_ms'] < MESSAGES * DELAY_MS // 4,
          'delayed: %d ms, not far below %d messages x %d ms' % (
              summary['elapsed_ms'], MESSAGES, DELAY_MS))


def run_behind_proxy(example, work, zone, manifest, count, tag):
    """One run through a fresh dnsmasq and delay proxy: (summary, result
    lines, questions in dnsmasq's log, the stopped proxy)."""
    srv = Dnsmasq(work, zone, tag)
    proxy = DelayProxy(srv.port, DELAY_MS)
    try:
        summary, lines = run_example(example, work, manifest, proxy.start(), count, tag)
    finally:
        proxy.stop()
        logged = srv.questions()
    return summary, lines, logged, proxy


def phase_coalescing(example, work, zone, rows):
    row = next(r for r in rows if r['file'].endswith('-relay-ip.eml'))
    manifest = os.path.join(work, 'one-sender.manifest')
    with open(manifest, 'w') as f:
        f.write(row['line'] + '\n')
    one, lines, logged_one, _ = run_behind_proxy(example, work, zone, manifest, 1, 'one')
    if one is None:
        return
    check_results('one', [row], one, lines, 1)
    summary, lines, logged, proxy = run_behind_proxy(example, work, zone, manifest,
                                                      COALESCE_MESSAGES, 'coalescing')
    if summary is None:
        return
    check_results('coalescing', [row], summary, lines, COALESCE_MESSAGES)
    check_single_queries('coalescing', logged, summary, True)
    # 500 messages of one sender cost the queries of one message, no more.
    check(set(logged) == set(logged_one) and summary['dns.queries'] == one['dns.queries'],
          'coalescing: %d queries for %d messages, %d for one; questions %s vs %s' % (
              summary['dns.queries'], COALESCE_MESSAGES, one['dns.queries'],
              sorted(set(logged) - set(logged_one)), sorted(set(logged_one) - set(logged))))
    check(summary['dns.questions'] >= COALESCE_MESSAGES * 3, 'coalescing: only %d questions' %
          summary['dns.questions'])
    check(summary['dns.coalesced'] > 0, 'coalescing: no question joined a query in flight')
    check(all(n == 1 for n in proxy.seen.values()) and len(proxy.seen) == len(logged),
          'coalescing: the proxy saw %s' % sorted(proxy.seen.items())[:10])


def main():
    if len(sys.argv) != 5:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    example, batch_signer, sign_tool, keydir = sys.argv[1:]
    if not DNSMASQ:
        print('SKIP: dnsmasq not installed (Debian package dnsmasq-base)')
        return 77
    work = tempfile.mkdtemp(prefix='mailauth-event-loop-')
    try:
        t0 = time.monotonic()
        keys = [key_record(sign_tool, os.path.join(keydir, k), 'x.test', 'x')
                for k in ('rsa2048-pkcs8.pem', 'ed25519-pkcs8.pem')]
        zone, big_zone = build_zone(keys, False), build_zone(keys, True)
        rows = write_messages(work, batch_signer, keydir)
        manifest = os.path.join(work, 'all.manifest')
        with open(manifest, 'w') as f:
            f.write(''.join(r['line'] + '\n' for r in rows))
        print('zone: %d (name, type) pairs; %d distinct messages, signed in %.1f s' % (
            len(zone), len(rows), time.monotonic() - t0))
        direct = phase_direct(example, work, zone, manifest, rows)
        phase_delayed(example, work, big_zone, manifest, rows, direct)
        phase_coalescing(example, work, big_zone, rows)
    finally:
        if os.environ.get('MAILAUTH_KEEP_WORK'):
            print('work files kept in', work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print('%d failure(s)' % len(failures) if failures else 'all checks passed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
