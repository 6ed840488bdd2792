"""mailauth-milter against opendkim + opendmarc behind a real Postfix.

Run through bench/milter/run (which puts it in a private network and mount
namespace); never from ctest. Three private Postfix instances (the milter
test's PostfixInstance) relay to one smtp-sink:

  none      no milter (the baseline)
  mailauth  mailauth-milter (SPF, DKIM, DMARC, ARC, iprev)
  opendkim  opendkim (DKIM verify) then opendmarc (SPF self-validation, DMARC)

All three ask the same dnsmasq (127.0.0.1:53 in the namespace) for the same
records. The same signed messages go through each. Per repetition, in an
order that rotates, each configuration gets:

  throughput  smtp-source -s SESSIONS -m MESSAGES (one smtp-source per
              message file, sessions split between them); msgs/s from
              smtp-source's wall time; CPU of the filter processes from
              /proc/PID/stat utime+stime before and after
  latency     a small SMTP client, LAT_SESSIONS sessions at once, one message
              per session (as smtp-source does); per message the time from
              connect to the 250 after the final dot

then, once per milter configuration, the filters' RSS: idle, with
RSS_SESSIONS sessions held open after DATA and the header, and the peak
under smtp-source with RSS_SESSIONS sessions.

--socket unix puts the milters on UNIX sockets instead of loopback TCP;
--quickack turns delayed ACKs off on the loopback route and
--milter-nodelay preloads a shim that sets TCP_NODELAY on every milter's
listening socket (both to show where the 40 ms per milter over TCP come
from). Results: a table on stdout and JSON (--json FILE). docs/performance.md
("Milter throughput") has the method and the numbers.
"""

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "milter"))
sys.path.insert(0, HERE)

from postfix_instance import PostfixInstance, free_port, wait_port  # noqa: E402
from world import DOMAIN, HOST, RCPT, SENDER, World, dns_query, run, start_dnsmasq  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"
SMTP_SINK = "/usr/sbin/smtp-sink"
OPENDKIM = "/usr/sbin/opendkim"
OPENDMARC = "/usr/sbin/opendmarc"
PSL = "/usr/share/publicsuffix/public_suffix_list.dat"
AUTHSERV = "mx.bench.example"
CONFIGS = ("none", "mailauth", "opendkim")


class Stop(BaseException):
    pass


def on_signal(signum, frame):
    raise Stop("signal %d" % signum)


# ---------------------------------------------------------------- namespace

def setup_namespace(work, quickack):
    run(["ip", "link", "set", "lo", "up"])
    if quickack:
        # No delayed ACKs on the loopback: shows how much of the latency
        # over TCP is Nagle's algorithm waiting for a delayed ACK.
        for dst in ("127.0.0.0/8", "127.0.0.1"):
            run(["ip", "route", "change", "local", dst, "dev", "lo", "table", "local",
                 "proto", "kernel", "scope", "host", "src", "127.0.0.1", "quickack", "1"])
    rc = os.path.join(work, "resolv.conf")
    with open(rc, "w") as f:
        f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    os.chmod(rc, 0o644)
    run(["mount", "--bind", rc, "/etc/resolv.conf"])


def namespace_sweep():
    """Kill every process left in this network namespace (all are ours)."""
    me = os.getpid()
    try:
        own = os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return []
    killed = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            if os.stat("/proc/%s/ns/net" % name).st_ino == own:
                os.kill(int(name), signal.SIGKILL)
                killed.append(int(name))
        except OSError:
            pass
    return killed


def dns_rtt_ms(n=300):
    """Median and p99 of a UDP TXT query to dnsmasq (cached answer)."""
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        dns_query("_dmarc." + DOMAIN, 16)
        ts.append((time.perf_counter() - t) * 1000)
    return pct(ts, 50), pct(ts, 99)


# ---------------------------------------------------------------- filters

class Endpoint:
    """Where a milter listens: a loopback TCP port or a UNIX socket."""

    def __init__(self, kind, work, name):
        self.kind = kind
        if kind == "inet":
            self.port = free_port()
            self.milter = "inet:%d@127.0.0.1" % self.port
            self.postfix = "inet:127.0.0.1:%d" % self.port
        else:
            self.path = os.path.join(work, name + ".sock")
            self.milter = "unix:" + self.path
            self.postfix = "unix:" + self.path

    def opendkim(self):
        return self.milter if self.kind == "inet" else "local:" + self.path

    def wait(self, timeout, alive):
        if self.kind == "inet":
            return wait_port(self.port, timeout, alive)
        end = time.monotonic() + timeout
        while time.monotonic() < end and alive():
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.path)
                    return True
            except OSError:
                time.sleep(0.05)
        return False


NODELAY_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
int listen(int fd, int backlog)
{
    int (*real)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return real(fd, backlog);
}
"""


def nodelay_shim(work):
    """A preload library setting TCP_NODELAY on every listening socket
    (Linux: accepted sockets inherit it): what a milter would do itself."""
    src, lib = os.path.join(work, "nodelay.c"), os.path.join(work, "nodelay.so")
    with open(src, "w") as f:
        f.write(NODELAY_SHIM)
    run(["cc", "-shared", "-fPIC", "-O2", "-o", lib, src, "-ldl"])
    return lib


MILTER_ENV = dict(os.environ)


def start_proc(cmd, logpath, ep, procs):
    log = open(logpath, "wb")
    # umask 0: Postfix's smtpd (user postfix) must be able to connect to a
    # UNIX socket made by a milter running as root.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         preexec_fn=lambda: os.umask(0), env=MILTER_ENV)
    procs.append(p)
    if not ep.wait(30, alive=lambda: p.poll() is None):
        with open(logpath, errors="replace") as f:
            raise RuntimeError("%s does not listen on %s:\n%s" % (cmd[0], ep.milter, f.read()))
    return p


def start_mailauth(work, binary, procs, kind):
    ep = Endpoint(kind, work, "mailauth")
    conf = os.path.join(work, "mailauth-milter.conf")
    with open(conf, "w") as f:
        f.write("socket = %s\nauthserv_id = %s\ndns = 127.0.0.1\n"
                "dmarc_mode = 7489\non_dmarc_reject = tag\non_dmarc_quarantine = tag\n"
                "internal_hosts = 192.0.2.254/32\n"
                % (ep.milter, AUTHSERV))
    p = start_proc([binary, "-f", "-c", conf], os.path.join(work, "mailauth.log"), ep, procs)
    return [p], [ep]


def start_opendkim_dmarc(work, procs, kind):
    ignore = os.path.join(work, "nohosts")
    with open(ignore, "w") as f:
        f.write("192.0.2.254\n")  # not 127.0.0.1 (both filters skip it by default)
    kep, mep = Endpoint(kind, work, "opendkim"), Endpoint(kind, work, "opendmarc")
    kconf = os.path.join(work, "opendkim.conf")
    with open(kconf, "w") as f:
        f.write("Mode v\nSocket %s\nUMask 000\nAuthservID %s\nNameservers 127.0.0.1\n"
                "Syslog no\nInternalHosts refile:%s\nPeerList refile:%s\nAlwaysAddARHeader yes\n"
                "PidFile %s/opendkim.pid\n" % (kep.opendkim(), AUTHSERV, ignore, ignore, work))
    mconf = os.path.join(work, "opendmarc.conf")
    with open(mconf, "w") as f:
        f.write("Socket %s\nUMask 000\nAuthservID %s\nTrustedAuthservIDs %s\n"
                "IgnoreHosts %s\nSPFSelfValidate true\nSPFIgnoreResults true\n"
                "PublicSuffixList %s\nRejectFailures false\nSyslog false\n"
                "PidFile %s/opendmarc.pid\n" % (mep.opendkim(), AUTHSERV, AUTHSERV, ignore, PSL, work))
    k = start_proc([OPENDKIM, "-f", "-x", kconf], os.path.join(work, "opendkim.log"), kep,
                   procs)
    m = start_proc([OPENDMARC, "-f", "-c", mconf], os.path.join(work, "opendmarc.log"), mep,
                   procs)
    return [k, m], [kep, mep]


def cpu_seconds(pids):
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / tck


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def connections(eps):
    """Connected sessions on the milters' sockets (the server side)."""
    n = 0
    ports = {e.port for e in eps if e.kind == "inet"}
    paths = {e.path for e in eps if e.kind == "unix"}
    if ports:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[3] == "01" and int(parts[1].split(":")[1], 16) in ports:
                    n += 1
    if paths:
        # /proc/net/unix names only the listening socket; count the
        # connected (St 03) entries carrying the path (accepted sockets).
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) >= 8 and parts[5] == "03" and parts[7] in paths:
                    n += 1
    return n


# ---------------------------------------------------------------- Postfix

class BenchPostfix(PostfixInstance):
    """The milter test's instance with our milter list and process limits."""

    def __init__(self, root, sink_port, milters, extra):
        self.milters = milters
        self.extra = extra
        super().__init__(root, sink_port, 0)

    def _write_main_cf(self, maillog):
        super()._write_main_cf(maillog)
        path = os.path.join(self.config, "main.cf")
        with open(path) as f:
            lines = f.read().splitlines()
        params = dict(self.extra, smtpd_milters=self.milters)
        lines = [ln for ln in lines if ln.split("=", 1)[0].strip() not in params]
        lines += ["%s = %s" % kv for kv in params.items()]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def sent(self):
        return self.maillog().count("status=sent")


class SmtpSink:
    def __init__(self, work, port):
        self.work, self.port, self.proc, self.n = work, port, None, 0

    def start(self, dump=None, procs=None):
        self.n += 1
        cmd = [SMTP_SINK, "-u", "postfix"]
        if dump:
            cmd += ["-D", dump]
        cmd += ["127.0.0.1:%d" % self.port, "1024"]
        log = open(os.path.join(self.work, "smtp-sink-%d.log" % self.n), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT)
        procs.append(self.proc)
        if not wait_port(self.port, 10, alive=lambda: self.proc.poll() is None):
            raise RuntimeError("smtp-sink did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def wait_sent(pf, want, timeout=600):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        n = pf.sent()
        if n >= want:
            return n
        time.sleep(0.2)
    raise RuntimeError("Postfix delivered %d of %d messages:\n%s" %
                       (pf.sent(), want, pf.maillog()[-3000:]))


def smtp_source(port, msgs, sessions, count):
    """smtp-source per message file, sessions and messages split evenly;
    the wall time until the last one ends."""
    procs = []
    t0 = time.perf_counter()
    k = len(msgs)
    for i, (_, path, _, _) in enumerate(msgs):
        s = sessions // k + (1 if i < sessions % k else 0)
        m = count // k + (1 if i < count % k else 0)
        procs.append(subprocess.Popen(
            [SMTP_SOURCE, "-s", str(s), "-m", str(m), "-f", SENDER, "-t", RCPT, "-M", HOST,
             "-F", path, "127.0.0.1:%d" % port],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    errs = []
    for p in procs:
        out = p.communicate()[0]
        if p.returncode != 0 or out.strip():
            errs.append(out.decode(errors="replace")[-500:])
    wall = time.perf_counter() - t0
    if errs:
        raise RuntimeError("smtp-source: %s" % errs)
    return wall


# ---------------------------------------------------------------- latency client

async def one_message(port, data):
    t0 = time.perf_counter()
    r, w = await asyncio.open_connection("127.0.0.1", port)

    async def reply():
        while True:
            line = await r.readline()
            if not line:
                raise RuntimeError("connection closed")
            if line[3:4] != b"-":
                return int(line[:3])

    async def cmd(text, want):
        w.write(text)
        code = await reply()
        if code != want:
            raise RuntimeError("%r: %d" % (text, code))

    try:
        if await reply() != 220:
            raise RuntimeError("no greeting")
        await cmd(b"EHLO " + HOST.encode() + b"\r\n", 250)
        await cmd(b"MAIL FROM:<" + SENDER.encode() + b">\r\n", 250)
        await cmd(b"RCPT TO:<" + RCPT.encode() + b">\r\n", 250)
        await cmd(b"DATA\r\n", 354)
        await cmd(data + b".\r\n", 250)
        t = time.perf_counter() - t0
        w.write(b"QUIT\r\n")
        await reply()
    finally:
        w.close()
    return t


async def latency_load(port, datas, sessions, count):
    times = []
    it = iter(range(count))

    async def worker():
        for i in it:
            times.append(await one_message(port, datas[i % len(datas)]))

    await asyncio.gather(*(worker() for _ in range(sessions)))
    return times


async def held_sessions(port, data, n, measure):
    """n sessions opened at once, each held after DATA and the header
    section; measure() runs when all are held (or after 120 s); then each
    sends the rest and the dot. The number of sessions that got a 250."""
    head, sep, body = data.partition(b"\r\n\r\n")
    ready, go = asyncio.Semaphore(0), asyncio.Event()

    async def one():
        r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)

        async def reply():
            while True:
                line = await r.readline()
                if not line:
                    raise RuntimeError("connection closed")
                if line[3:4] != b"-":
                    return int(line[:3])

        try:
            await reply()
            for text in (b"EHLO " + HOST.encode(), b"MAIL FROM:<" + SENDER.encode() + b">",
                         b"RCPT TO:<" + RCPT.encode() + b">", b"DATA"):
                w.write(text + b"\r\n")
                await reply()
            w.write(head + sep)
            await w.drain()
            ready.release()
            await go.wait()
            w.write(body + b".\r\n")
            ok = await reply() == 250
            w.write(b"QUIT\r\n")
            await reply()
            return ok
        finally:
            w.close()

    tasks = [asyncio.ensure_future(one()) for _ in range(n)]
    held = 0
    end = time.monotonic() + 120
    while held < n and time.monotonic() < end:
        try:
            await asyncio.wait_for(ready.acquire(), max(0.1, end - time.monotonic()))
            held += 1
        except asyncio.TimeoutError:
            break
    measured = measure(held)
    go.set()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    return measured, sum(1 for x in done if x is True)


def stuffed(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


# ---------------------------------------------------------------- checks

def check_verdicts(work, cfg, pf, sink, msgs, procs):
    """One copy of each message through cfg to a dumping sink: every
    message must carry dkim=pass (each signature), spf=pass, dmarc=pass."""
    sink.stop()
    dump = os.path.join(work, "dump-%s" % cfg)
    os.makedirs(dump)
    shutil.chown(dump, "postfix")
    sink.start(dump=os.path.join(dump, "all"), procs=procs)
    before = pf.sent()
    for _, path, _, _ in msgs:
        subprocess.run([SMTP_SOURCE, "-s", "1", "-m", "1", "-f", SENDER, "-t", RCPT, "-M",
                        HOST, "-F", path, "127.0.0.1:%d" % pf.port], check=True,
                       capture_output=True, timeout=60)
    wait_sent(pf, before + len(msgs), 60)
    time.sleep(0.5)
    sink.stop()
    with open(os.path.join(dump, "all"), "rb") as f:
        text = f.read().decode(errors="replace")
    sink.start(procs=procs)
    if cfg == "none":
        return []
    import re
    unfolded = re.sub(r"\r?\n[ \t]+", " ", text)
    fields = re.findall(r"^Authentication-Results: (.*)$", unfolded, re.M)
    ar = [fl.strip() for fl in fields if fl.startswith(AUTHSERV)]
    if not ar:
        raise RuntimeError("%s: no Authentication-Results at the sink:\n%s" % (cfg, text[:3000]))
    need_dkim = sum(n for _, _, _, n in msgs)
    got = {"dkim": 0, "spf": 0, "dmarc": 0}
    bad = []
    for fl in ar:
        for part in re.sub(r"\([^)]*\)", " ", fl).split(";")[1:]:
            m = re.match(r"\s*(dkim|spf|dmarc)=(\w+)", part)
            if not m or "smtp.helo" in part:
                continue  # other methods; SPF of the HELO name (none here)
            if m.group(2) == "pass":
                got[m.group(1)] += 1
            else:
                bad.append(part.strip())
    if got["dkim"] < need_dkim or got["spf"] < len(msgs) or got["dmarc"] < len(msgs) or bad:
        raise RuntimeError("%s: verdicts not all pass %s %s:\n%s" % (cfg, got, bad,
                                                                       "\n".join(ar)))
    return ar


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(prog="bench/milter/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--build", default=os.path.join(REPO, "build-rel"),
                    help="build folder with mailauth-milter and mailauth-sign (default build-rel)")
    ap.add_argument("--messages", type=int, default=6000, help="messages per throughput run")
    ap.add_argument("--sessions", type=int, default=50, help="smtp-source sessions")
    ap.add_argument("--reps", type=int, default=3, help="repetitions (order rotates)")
    ap.add_argument("--lat-messages", type=int, default=1500, help="messages per latency run")
    ap.add_argument("--lat-sessions", type=int, default=4, help="latency client sessions")
    ap.add_argument("--rss-sessions", type=int, default=1000, help="sessions of the RSS run")
    ap.add_argument("--rss-messages", type=int, default=4000,
                    help="messages of the smtp-source run sampled for RSS")
    ap.add_argument("--socket", choices=("inet", "unix"), default="inet",
                    help="milter sockets: loopback TCP (default) or UNIX")
    ap.add_argument("--quickack", action="store_true",
                    help="turn delayed ACKs off on the namespace's loopback route")
    ap.add_argument("--milter-nodelay", action="store_true",
                    help="all milters' listening sockets get TCP_NODELAY (a preload shim)")
    ap.add_argument("--json", help="write the results here too")
    a = ap.parse_args()
    if not a.in_namespace:
        ap.error("run me through bench/milter/run")
    binaries = {}
    for name, sub in (("mailauth-milter", "examples/mailauth-milter"),
                      ("mailauth-sign", "examples/mailauth-sign")):
        cands = [os.path.join(a.build, sub, name), os.path.join(a.build, "examples", name)]
        found = [c for c in cands if os.access(c, os.X_OK)]
        if not found:
            ap.error("no %s in %s" % (name, a.build))
        binaries[name] = found[0]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="bench-milter-")
    os.chmod(work, 0o755)
    procs, pfs = [], []
    try:
        return bench(a, binaries, work, procs, pfs)
    finally:
        for pf in pfs:
            try:
                pf.stop()
            except Exception as e:  # keep cleaning
                print("postfix stop: %s" % e, file=sys.stderr)
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        left = namespace_sweep()
        if left:
            print("killed leftover processes %s" % left, file=sys.stderr)
        if os.environ.get("BENCH_KEEP"):
            print("kept %s" % work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(a, binaries, work, procs, pfs):
    setup_namespace(work, a.quickack)
    if a.milter_nodelay:
        MILTER_ENV["LD_PRELOAD"] = nodelay_shim(work)
    world = World(work, binaries["mailauth-sign"])
    msgs = world.messages()
    start_dnsmasq(work, world, procs)
    sink = SmtpSink(work, free_port())
    sink.start(procs=procs)
    filt = {"none": []}
    eps = {"none": []}
    filt["mailauth"], eps["mailauth"] = start_mailauth(work, binaries["mailauth-milter"],
                                                       procs, a.socket)
    filt["opendkim"], eps["opendkim"] = start_opendkim_dmarc(work, procs, a.socket)
    milters = {cfg: ", ".join(e.postfix for e in eps[cfg]) for cfg in CONFIGS}
    extra = {"default_process_limit": str(max(100, a.rss_sessions + 100)),
             "milter_command_timeout": "60s", "milter_content_timeout": "60s",
             "smtpd_timeout": "120s", "default_destination_concurrency_limit": "20",
             "milter_connect_timeout": "30s"}
    pf = {}
    for cfg in CONFIGS:
        root = os.path.join(work, "pf-" + cfg)
        os.makedirs(root)
        pf[cfg] = BenchPostfix(root, sink.port, milters[cfg], extra)
        pfs.append(pf[cfg])
        pf[cfg].start()
    res = {"messages": [{"name": n, "bytes": b, "signatures": s} for n, _, b, s in msgs],
           "loadavg_start": open("/proc/loadavg").read().split()[:3],
           "dns_rtt_ms": dns_rtt_ms(), "runs": [], "rss": {}, "verdicts": {}}
    for cfg in CONFIGS:
        res["verdicts"][cfg] = check_verdicts(work, cfg, pf[cfg], sink, msgs, procs)
        print("verdicts %s: %s" % (cfg, res["verdicts"][cfg]), flush=True)
    datas = [stuffed(p) for _, p, _, _ in msgs]
    for cfg in CONFIGS:  # warm caches and processes
        base = pf[cfg].sent()
        smtp_source(pf[cfg].port, msgs, a.sessions, 300)
        asyncio.run(latency_load(pf[cfg].port, datas, a.lat_sessions, 100))
        wait_sent(pf[cfg], base + 400)
    for rep in range(a.reps):
        order = CONFIGS[rep % 3:] + CONFIGS[:rep % 3]
        for cfg in order:
            p = pf[cfg]
            pids = [x.pid for x in filt[cfg]]
            la = open("/proc/loadavg").read().split()[0]
            base = p.sent()
            c0 = cpu_seconds(pids)
            wall = smtp_source(p.port, msgs, a.sessions, a.messages)
            c1 = cpu_seconds(pids)
            wait_sent(p, base + a.messages)
            lat = asyncio.run(latency_load(p.port, datas, a.lat_sessions, a.lat_messages))
            wait_sent(p, base + a.messages + a.lat_messages)
            r = {"rep": rep, "config": cfg, "loadavg": la, "wall": wall,
                 "msgs_per_s": a.messages / wall, "filter_cpu_s": c1 - c0,
                 "cpu_s_per_1000": (c1 - c0) * 1000 / a.messages,
                 "lat_p50_ms": pct(lat, 50) * 1000, "lat_p99_ms": pct(lat, 99) * 1000}
            res["runs"].append(r)
            print("rep %d %-8s %7.1f msg/s  filter CPU %6.2f s/1000  latency p50 %6.2f ms "
                  "p99 %6.2f ms  (load %s)" % (rep, cfg, r["msgs_per_s"], r["cpu_s_per_1000"],
                                              r["lat_p50_ms"], r["lat_p99_ms"], la), flush=True)
    for cfg in ("mailauth", "opendkim"):
        res["rss"][cfg] = rss_run(a, pf[cfg], filt[cfg], eps[cfg], msgs, datas)
        print("rss %s: %s" % (cfg, res["rss"][cfg]), flush=True)
    res["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    summarize(res)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


def rss_run(a, p, filt, eps, msgs, datas):
    """RSS of the filter processes: idle; with RSS_SESSIONS sessions held
    open at once (after DATA and the header, each with its milter
    connection(s)); the peak while smtp-source runs RSS_SESSIONS sessions."""
    pids = [x.pid for x in filt]
    idle = rss_kib(pids)
    base = p.sent()
    (held_rss, held_conns, held), ok = asyncio.run(held_sessions(
        p.port, datas[0], a.rss_sessions,
        lambda n: (time.sleep(1) or rss_kib(pids), connections(eps), n)))
    if ok != a.rss_sessions:
        raise RuntimeError("held sessions: %d of %d accepted" % (ok, a.rss_sessions))
    wait_sent(p, base + ok)
    base = p.sent()
    peak = {"rss_kib": 0, "milter_connections": 0}
    import threading
    done = threading.Event()
    err = []

    def load():
        try:
            smtp_source(p.port, msgs, a.rss_sessions, a.rss_messages)
        except Exception as e:
            err.append(e)
        done.set()

    t = threading.Thread(target=load)
    t.start()
    while not done.wait(0.2):
        peak["rss_kib"] = max(peak["rss_kib"], rss_kib(pids))
        peak["milter_connections"] = max(peak["milter_connections"], connections(eps))
    t.join()
    if err:
        raise err[0]
    wait_sent(p, base + a.rss_messages)
    return {"idle_rss_kib": idle, "held_sessions": held, "held_milter_connections": held_conns,
            "held_rss_kib": held_rss, "peak_rss_kib": peak["rss_kib"],
            "peak_milter_connections": peak["milter_connections"]}


def summarize(res):
    rows = {}
    for r in res["runs"]:
        rows.setdefault(r["config"], []).append(r)
    med = {}
    for cfg, rs in rows.items():
        med[cfg] = {k: statistics.median(r[k] for r in rs)
                    for k in ("msgs_per_s", "cpu_s_per_1000", "lat_p50_ms", "lat_p99_ms")}
    res["median"] = med
    print("\nmedians over %d runs each (load average at start %s, at end %s)"
          % (len(rows.get("none", [])), " ".join(res["loadavg_start"]),
             " ".join(res["loadavg_end"])))
    print("DNS round trip to dnsmasq (Python client): p50 %.3f ms, p99 %.3f ms"
          % tuple(res["dns_rtt_ms"]))
    print("| configuration | msgs/s | filter CPU s / 1,000 msgs | msgs per filter CPU s "
          "| p50 ms | p99 ms | added p50 ms | added p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    b = med.get("none")
    for cfg in CONFIGS:
        m = med.get(cfg)
        if not m:
            continue
        per = 1000 / m["cpu_s_per_1000"] if m["cpu_s_per_1000"] > 0 else float("inf")
        add50 = m["lat_p50_ms"] - b["lat_p50_ms"] if b else float("nan")
        add99 = m["lat_p99_ms"] - b["lat_p99_ms"] if b else float("nan")
        print("| %s | %.1f | %.3f | %s | %.2f | %.2f | %s | %s |" % (
            cfg, m["msgs_per_s"], m["cpu_s_per_1000"],
            "—" if cfg == "none" else "%.0f" % per, m["lat_p50_ms"], m["lat_p99_ms"],
            "—" if cfg == "none" else "%.2f" % add50, "—" if cfg == "none" else "%.2f" % add99))
    if "mailauth" in med and "opendkim" in med and med["mailauth"]["cpu_s_per_1000"] > 0:
        print("msgs per filter CPU second, mailauth over opendkim+opendmarc: %.2fx" %
              (med["opendkim"]["cpu_s_per_1000"] / med["mailauth"]["cpu_s_per_1000"]))
    for cfg, r in res["rss"].items():
        print("RSS %s: idle %d KiB; %d sessions held open (%d milter connections): %d KiB; "
              "smtp-source peak %d KiB with up to %d milter connections" % (
                  cfg, r["idle_rss_kib"], r["held_sessions"], r["held_milter_connections"],
                  r["held_rss_kib"], r["peak_rss_kib"], r["peak_milter_connections"]))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Stop as e:
        print("stopped: %s" % e, file=sys.stderr)
        sys.exit(1)
