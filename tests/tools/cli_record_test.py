#!/usr/bin/python3
"""ctest cli_record: mailauth-check --record-zone against a real DNS server.

    cli_record_test.py MAILAUTH_CHECK DATA_DIR

dnsmasq (Debian dnsmasq-base) serves, authoritatively on 127.0.0.1 and a
free port, the records the messages of DATA_DIR/quoting.mbox need: SPF with
an include, an mx: term whose name has no MX (NODATA), the HELO's record, the
client's PTR and address, the DKIM key; _dmarc.pass.example is not there
(NXDOMAIN). mailauth-check checks the mbox live with --record-zone and
--verbose, dnsmasq is stopped, and the recorded file replayed with --zone
must give the same JSON Lines, byte for byte. The recorded file must hold
the NXDOMAIN and NODATA answers as such, with their TTLs. --lint of the
same domain is recorded and replayed the same way.

Exit status: 0 all checks passed, 1 a check failed, 77 dnsmasq missing.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netutil import dns_answers, free_port  # noqa: E402

DNSMASQ = [p for p in ('/usr/sbin/dnsmasq', '/usr/bin/dnsmasq') if os.access(p, os.X_OK)]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)
    return cond


def dkim_key(data):
    """The cli selector's key record, from the offline zone of the cli test."""
    with open(os.path.join(data, 'dkim.zone')) as f:
        for line in f:
            if line.startswith('cli._domainkey.pass.example'):
                return ''.join(re.findall(r'"([^"]*)"', line))
    raise RuntimeError('no cli key in dkim.zone')


def dnsmasq_args(port, log, key):
    args = ['--port=%d' % port, '--listen-address=127.0.0.1', '--bind-interfaces',
            '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--log-queries',
            '--log-facility=' + log,
            # authoritative: negative answers carry the SOA (RFC 2308), PTR
            # records come from the host records in 192.0.2.0/24
            '--auth-server=ns.pass.example,127.0.0.1', '--auth-zone=example,192.0.2.0/24',
            '--auth-soa=1,hostmaster.pass.example', '--auth-ttl=600', '--local-ttl=600',
            '--txt-record=pass.example,v=spf1 mx:nomail.pass.example include:_spf.pass.example -all',
            '--txt-record=_spf.pass.example,v=spf1 a:mx.pass.example -all',
            '--txt-record=mx.pass.example,v=spf1 a -all',
            '--host-record=mx.pass.example,192.0.2.1',
            '--host-record=nomail.pass.example,192.0.2.99',
            '--txt-record=cli._domainkey.pass.example,' +
            ','.join(key[k:k + 255] for k in range(0, len(key), 255))]
    return args






def start_dnsmasq(work, key):
    log = os.path.join(work, 'dnsmasq.log')
    for _ in range(10):
        port = free_port()
        proc = subprocess.Popen([DNSMASQ[0], '--no-daemon'] + dnsmasq_args(port, log, key),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if proc.poll() is not None or dns_answers(port, "example"):
                break
            time.sleep(0.05)
        if proc.poll() is None and dns_answers(port, "example"):
            return proc, port
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
    raise RuntimeError('dnsmasq did not start')


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    check_bin, data = sys.argv[1], sys.argv[2]
    if not DNSMASQ:
        print('SKIP: dnsmasq not installed')
        return 77
    mbox = os.path.join(data, 'quoting.mbox')
    common = ['--json', '--from-headers', '--authserv-id', 'mx.test.example', '--now',
              '1700000000', mbox]
    with tempfile.TemporaryDirectory() as work:
        rec = os.path.join(work, 'recorded.zone')
        proc, port = start_dnsmasq(work, dkim_key(data))
        lint_rec = os.path.join(work, 'lint.zone')
        lint = ['--lint', 'pass.example', '--selector', 'cli', '--selector', 'gone', '--json']
        try:
            rc, live, err = run([check_bin, '--dns-server', '127.0.0.1:%d' % port,
                                 '--record-zone', rec, '--verbose'] + common)
            lrc, llive, lerr = run([check_bin, '--dns-server', '127.0.0.1:%d' % port,
                                    '--record-zone', lint_rec] + lint)
            nrc, _, nerr = run([check_bin, '--dns-server', '127.0.0.1:%d' % port, '--record-zone',
                                os.path.join(work, 'no-such-dir', 'x.zone')] + common)
        finally:
            proc.terminate()
            proc.wait(10)
        check(rc == 0, 'live run: exit %d\n%s' % (rc, err))
        rows = [l for l in live.splitlines() if l]
        check(len(rows) == 2, 'live run: %d JSON lines, want 2' % len(rows))
        check('"dkim": [{"result": "pass"' in live, 'live run: dkim did not pass\n' + live)
        check('"spf": {"result": "pass"' in live, 'live run: spf did not pass\n' + live)
        check('"iprev": {"result": "pass"' in live, 'live run: iprev did not pass\n' + live)
        # --verbose: one line per answer, with its outcome, TTL and time
        check(re.search(r'dns: _spf\.pass\.example TXT -> records \(1\) ttl=\d+ \d+ ms', err),
              '--verbose: no line for _spf.pass.example\n' + err)
        check(re.search(r'dns: _dmarc\.pass\.example TXT -> nxdomain ttl=\d+', err),
              '--verbose: no NXDOMAIN line\n' + err)
        zone = open(rec).read() if os.path.exists(rec) else ''
        check(re.search(r'^_dmarc\.pass\.example\. \d+ IN TXT NXDOMAIN$', zone, re.M),
              'recorded zone: no NXDOMAIN line\n' + zone)
        check(re.search(r'^nomail\.pass\.example\. \d+ IN MX NODATA$', zone, re.M),
              'recorded zone: no NODATA line\n' + zone)
        check(re.search(r'^_spf\.pass\.example\. \d+ IN TXT "v=spf1 a:mx\.pass\.example -all"$',
                        zone, re.M), 'recorded zone: no _spf record\n' + zone)
        check(re.search(r'^1\.2\.0\.192\.in-addr\.arpa\. \d+ IN PTR mx\.pass\.example\.$', zone,
                        re.M), 'recorded zone: no PTR record\n' + zone)
        # dnsmasq is gone: the replay can only use the file
        rc, replay, err = run([check_bin, '--zone', rec] + common)
        check(rc == 0 and err == '', 'replay: exit %d\n%s' % (rc, err))
        check(replay == live, 'replay differs from the live run:\n%s\n----\n%s' % (live, replay))
        check(nrc == 73 and 'no-such-dir' in nerr, 'unwritable file: exit %d\n%s' % (nrc, nerr))
        # --lint records its own questions the same way
        check(lrc == 1 and lerr == '', 'lint live: exit %d\n%s' % (lrc, lerr))
        check('"dkim: gone._domainkey.pass.example: no key record (nxdomain)"' in llive and
              'no DMARC record' in llive and '"dns_lookups": 3' in llive,
              'lint live: unexpected report\n' + llive)
        lrc2, lreplay, lerr = run([check_bin, '--zone', lint_rec] + lint)
        check(lrc2 == lrc and lreplay == llive,
              'lint replay differs:\n%s\n----\n%s%s' % (llive, lreplay, lerr))
    print('cli_record: %d failure(s)' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
