#!/usr/bin/python3
"""mailauth-milter behind a real, private Postfix (ctest milter_postfix).

    milter_postfix.py MAILAUTH-MILTER [--keep] [--only N,N,...]

Starts an SMTP sink, mailauth-milter (-f, DNS from a zone file this script
writes) and a private Postfix instance whose smtpd hands every message to
the milter and relays it to the sink, then runs the cases below, each
checking what the sink received (or the SMTP reply) and the milter's log
line. Everything runs under a temporary folder and on free loopback
ports; Postfix is stopped and the milter ended on every way out.

 1 inbound, DKIM-signed by its domain, from that domain's SPF host: one
   Authentication-Results field, at the top, ours, spf/dkim/dmarc pass
 2 a forged Authentication-Results field with our authserv-id is removed,
   a foreign one stays
 3 a forgery of a p=reject domain: 550 5.7.1 at end of data, not delivered
 4 mail from an internal host, and from an SMTP-authenticated client, is
   signed RSA + Ed25519; dkimpy verifies both signatures
 5 a message verified on the way in and sent out again by an internal
   host (a list) is ARC-sealed; dkimpy's arc_verify passes it
 6 SIGHUP: a new key takes effect; a broken configuration is refused and
   the old one stays (mailauth-milter -n agrees on both)
 7 1,000 messages over 50 concurrent sessions (smtp-source): all arrive,
   each with our Authentication-Results field
 8 kill -9 of the milter with DATA open: Postfix answers 4xx, nothing is
   delivered; restarted, mail flows again
 9 a forgery of a p=quarantine domain is accepted and held in Postfix's
   hold queue, with our Authentication-Results (dmarc=fail)
10 SIGTERM with DATA open: new mail gets 4xx, the message in progress is
   delivered, then the milter exits 0
 and at the end: nothing refused was delivered, Postfix's queue is empty,
 the milter exited 0 and its logs hold no sanitizer report.

Exit status: 0 all passed, 1 a case failed, 77 skipped (not root, or no
Postfix binaries).
"""

import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (SMTP_SOURCE, Client, Failure, Milter, Stop,  # noqa: E402
                     check, queue_id)
from mailworld import AUTHSERV_ID, INTERNAL_NET, World  # noqa: E402
from postfix_instance import (MASTER, POSTCAT, POSTFIX, POSTQUEUE, POSTSUPER,  # noqa: E402
                              PostfixInstance, Sink, free_port)

TIME_LIMIT = 240  # seconds for the whole run; the goal is well under 90


class Test:
    def __init__(self, binary, root):
        self.root = root
        self.notes = []
        self.never_delivered = []
        self.world = World(root)
        self.milter_port = free_port()
        self.stats_port = free_port()
        self.config = os.path.join(root, "mailauth-milter.conf")
        self.install_config(self.write_config("mailauth-milter-first.conf", sign=("rsa1", "ed1")))
        self.sink = Sink()
        self.milter = Milter(binary, root, self.config)
        self.pf = None

    def write_config(self, name, sign, extra="", socket=None):
        """A configuration file: the zone, our authserv-id, the keys."""
        lines = [
            "# written by the milter test",
            "socket = %s" % (socket or "inet:%d@127.0.0.1" % self.milter_port),
            "authserv_id = %s" % AUTHSERV_ID,
            "dns = zone:%s" % self.world.zone,
            "dmarc_mode = 7489",
            "on_dmarc_reject = reject",
            "on_dmarc_quarantine = quarantine",
            "internal_hosts = %s" % INTERNAL_NET,
            "stats = 127.0.0.1:%d" % self.stats_port,
        ]
        for sel in sign:
            key = self.world.key("corp.example", sel)
            lines.append("sign = corp.example %s %s" % (sel, key.path))
        lines.append("seal = corp.example arc1 %s" % self.world.key("corp.example", "arc1").path)
        path = os.path.join(self.root, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n" + extra)
        return path

    def install_config(self, path):
        """Make path the configuration the milter reads (-c)."""
        tmp = self.config + ".new"
        shutil.copyfile(path, tmp)
        os.replace(tmp, self.config)

    def start(self):
        self.sink.start()
        self.milter.start(self.milter_port)
        self.pf = PostfixInstance(self.root, self.sink.port, self.milter_port)
        self.pf.start()

    def deliver(self, mid, mail_from, data, addr=None, login=None, helo="client.example"):
        """Send; expect 250 and the message at the sink (found by its queue
        id, in Postfix's Received field, and mid): (code, text, queue id,
        delivered bytes)."""
        c = Client(self.pf.port, helo, addr=addr, login=login)
        try:
            code, text = c.send(mail_from, "rcpt@dest.example", data)
        finally:
            c.close()
        check(code == 250, "%s was refused: %d %s" % (mid.decode(), code, text))
        qid = queue_id(text)
        check(qid is not None, "no queue id in %r" % text)
        end = time.monotonic() + 20
        while True:
            with self.sink.cond:
                hits = [m["data"] for m in self.sink.messages if qid.encode() in m["data"]
                        and mid in m["data"]]
            if hits or time.monotonic() > end:
                break
            self.sink.wait_count(self.sink.count() + 1, 0.5)
        check(hits, "%s (queue id %s) did not reach the sink in 20 s" % (mid.decode(), qid))
        return code, text, qid, hits[0]

    def note(self, text):
        self.notes.append(text)

    def finish(self):
        """After the cases: nothing refused was delivered, the queue is empty,
        and the milter stops cleanly on SIGTERM."""
        problems = []
        time.sleep(0.5)
        with self.sink.cond:
            for mid in self.never_delivered:
                if any(mid in m["data"] for m in self.sink.messages):
                    problems.append("%s was refused but delivered" % mid.decode())
        left = self.pf.queue()
        if left:
            problems.append("Postfix's queue is not empty: %s" % left)
        rc = self.milter.stop()
        if rc != 0:
            problems.append("the milter's exit status after SIGTERM: %s" % rc)
        for path in self.milter.logs:
            with open(path, errors="replace") as f:
                text = f.read()
            for word in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
                if word in text:
                    problems.append("%s in %s:\n%s" % (word, os.path.basename(path), text[-3000:]))
                    break
        return problems


def on_signal(signum, frame):
    raise Stop("signal %d" % signum)


def main(argv):
    from milter_cases import CASES

    args = [a for a in argv[1:] if not a.startswith("--")]
    keep = "--keep" in argv
    only = None
    for a in argv[1:]:
        if a.startswith("--only="):
            only = {int(x) for x in a[7:].split(",")}
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 64
    binary = os.path.abspath(args[0])
    for path in (POSTFIX, MASTER, SMTP_SOURCE, POSTQUEUE, POSTCAT, POSTSUPER):
        if not os.access(path, os.X_OK):
            print("SKIP: %s not found (Debian package postfix)" % path)
            return 77
    if os.geteuid() != 0:
        print("SKIP: a private Postfix instance needs root")
        return 77

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, on_signal)
    signal.alarm(TIME_LIMIT)
    started = time.monotonic()
    root = tempfile.mkdtemp(prefix="mailauth-milter-test-")
    passed, failed = 0, []
    t = None
    try:
        t = Test(binary, root)
        t.start()
        print("setup: %.1f s (postfix on 127.0.0.1:%d, milter on :%d, sink on :%d)"
              % (time.monotonic() - started, t.pf.port, t.milter_port, t.sink.port), flush=True)
        for num, title, fn in CASES:
            if only is not None and num not in only:
                continue
            t0 = time.monotonic()
            try:
                fn(t)
                passed += 1
                print("PASS case %d: %s (%.1f s)" % (num, title, time.monotonic() - t0), flush=True)
            except Exception as e:  # noqa: BLE001 - every case runs, each failure is told
                failed.append(num)
                print("FAIL case %d: %s: %s" % (num, title, e), flush=True)
                if not isinstance(e, Failure):
                    traceback.print_exc()
                if t.milter.proc is not None and t.milter.proc.poll() is not None:
                    print("  the milter exited (%s); restarting it" % t.milter.proc.returncode)
                    print(t.milter.log()[-3000:])
                    t.milter.start(t.milter_port, socket_option=True)
        problems = t.finish()
        for p in problems:
            print("FAIL end: %s" % p)
        if problems:
            failed.append("end")
        else:
            passed += 1
            print("PASS end: nothing refused was delivered, queue empty, milter exit 0, "
                  "no sanitizer report")
    except Stop as e:
        failed.append("stopped")
        print("FAIL: stopped (%s) after %.1f s" % (e, time.monotonic() - started))
    except Exception as e:  # setup failed
        failed.append("setup")
        print("FAIL setup: %s" % e)
        traceback.print_exc()
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if t is not None:
            if t.pf is not None:
                t.pf.stop()
            t.milter.stop()
            t.sink.stop()
            if failed:
                for path in t.milter.logs:
                    with open(path, errors="replace") as f:
                        print("---- %s (tail)\n%s" % (os.path.basename(path), f.read()[-4000:]))
                if t.pf is not None:
                    print("---- Postfix maillog (tail)\n%s" % t.pf.maillog()[-4000:])
            for n in t.notes:
                print(n)
        if keep:
            print("kept %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("total %.1f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
