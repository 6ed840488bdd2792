#!/usr/bin/env python3
"""ctest "milter_history_*": mailauth-milter's `history` key end to end.

    milter_history_test.py MAILAUTH_MILTER MAILAUTH_CHECK DEMO_DIR OPENSSL \
        MAILAUTH_REPORT sqlite|postgresql

Messages go through the real filter (the milter-protocol client of
milter_protocol_test.py) with `history` set; the rows are read back from
the store (sqlite3, or psql on the server tests/report/pg_run.sh started):
source address, header From, envelope recipient, DKIM and SPF results,
DMARC result and the disposition the filter applied (a p=reject forgery
under on_dmarc_reject = tag is recorded as none, with the reject policy).
Then `mailauth-report generate` makes the domain's aggregate report from
that store. SQLite only: the store's folder removed while the filter runs
(mail still flows, the error is counted, rows are written again once the
folder is back), SIGHUP to another store, and SIGTERM flushing the queue.
-n opens the store: an unusable one exits 78 with the store's message.
"""
import gzip
import glob
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import milter_protocol_test as mp  # noqa: E402  (reads argv[1:5]: the same four)

MILTER, CHECK, DEMO, OPENSSL, REPORT, BACKEND = sys.argv[1:7]
check = mp.check


def uri_and_query(tmp):
    if BACKEND == "sqlite":
        path = os.path.join(tmp, "db", "history.db")

        def query(sql, p=path):
            con = sqlite3.connect(p)
            try:
                return [tuple("" if v is None else str(v) for v in r) for r in con.execute(sql)]
            finally:
                con.close()
        return "sqlite:" + path, query
    env = os.environ
    uri = "postgresql:///postgres?host=%s&port=%s&user=%s" % (
        env["MAILAUTH_TEST_PG_SOCKDIR"], env["MAILAUTH_TEST_PG_PORT"], env["MAILAUTH_TEST_PG_USER"])

    def query(sql):
        out = subprocess.run([os.path.join(env.get("MAILAUTH_PG_BINDIR",
                                                   "/usr/lib/postgresql/15/bin"), "psql"),
                              "-X", "-q", "-A", "-t", "-F", "\t", "-h", env["MAILAUTH_TEST_PG_SOCKDIR"],
                              "-p", env["MAILAUTH_TEST_PG_PORT"], "-U", env["MAILAUTH_TEST_PG_USER"],
                              "-d", "postgres", "-c", sql], capture_output=True, text=True)
        return [tuple(l.split("\t")) for l in out.stdout.splitlines() if l]
    return uri, query


def write_conf(path, port, stats, zone, history):
    with open(path, "w") as f:
        f.write("socket = inet:%d@127.0.0.1\n" % port)
        f.write("authserv_id = mx.example.net\n")
        f.write("dns = zone:%s\n" % zone)
        f.write("internal_hosts = 10.0.0.0/8\n")
        f.write("on_dmarc_reject = tag\n")
        f.write("stats = 127.0.0.1:%d\n" % stats)
        f.write("history = %s\n" % history)


def counter(stats, name):
    code, text = mp.metrics(stats)
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    return -1


def wait_counter(stats, name, want, seconds=20):
    for _ in range(seconds * 10):
        if counter(stats, name) >= want:
            return True
        time.sleep(0.1)
    return False


def send(port, raw, ip, helo, mail_from, qid):
    s = mp.Session(port)
    s.connect(ip, helo)
    r = s.message(raw, mail_from, qid)
    s.close()
    return r


def forgery(demo):
    return demo.replace(b"From: Alice Example <alice@example.org>", b"From: CEO <ceo@example.org>")


def check_n(conf, tmp):
    r = subprocess.run([MILTER, "-n", "-c", conf], capture_output=True, text=True)
    check("-n: a usable store", r.returncode == 0, r.stdout + r.stderr)
    bad = os.path.join(tmp, "bad.conf")
    with open(conf) as src, open(bad, "w") as dst:
        for line in src:
            dst.write("history = sqlite:%s/no/such/folder/h.db\n" % tmp
                      if line.startswith("history") else line)
    r = subprocess.run([MILTER, "-n", "-c", bad], capture_output=True, text=True)
    check("-n: an unusable store exits 78 naming it", r.returncode == 78 and
          "history" in r.stderr and "no/such/folder" in r.stderr, "%d %s" % (r.returncode, r.stderr))


def check_rows(query):
    rows = query("SELECT source_ip, header_from, envelope_to, dmarc, disposition, p, "
                 "policy_domain, dkim_aligned, spf_aligned, dkim, spf FROM history ORDER BY id")
    check("rows: one per message", len(rows) == 2, str(rows))
    if len(rows) != 2:
        return
    good, bad = rows
    check("rows: the good message", good[:9] == (
        "198.51.100.17", "example.org", "example.net", "pass", "none", "reject", "example.org",
        "pass", "pass"), str(good))
    check("rows: its DKIM result", "example.org" in good[9] and "pass" in good[9], good[9])
    check("rows: its SPF result", "example.org" in good[10] and "pass" in good[10], good[10])
    # tag instead of reject: what was applied, under the reject policy
    check("rows: the forgery, tagged", bad[:9] == (
        "192.0.2.99", "example.org", "example.net", "fail", "none", "reject", "example.org",
        "fail", "fail"), str(bad))
    check("rows: the forgery's SPF fail", "fail" in bad[10], bad[10])


def check_generate(uri, tmp):
    out = os.path.join(tmp, "reports")
    os.mkdir(out)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    r = subprocess.run([REPORT, "generate", "--store", uri, "--period", day, "--org-name",
                        "Example Net", "--org-email", "dmarc@example.net", "--outdir", out],
                       capture_output=True, text=True)
    files = glob.glob(os.path.join(out, "*example.org*.xml.gz"))
    check("generate: one report for example.org", r.returncode == 0 and len(files) == 1 and
          r.stdout.startswith("generated "), "%d %s %s %s" % (r.returncode, r.stdout, r.stderr,
                                                              files))
    if files:
        xml = gzip.open(files[0]).read().decode()
        check("generate: both messages in it", xml.count("<count>1</count>") == 2 and
              "<source_ip>192.0.2.99</source_ip>" in xml and
              "<envelope_to>example.net</envelope_to>" in xml, xml[:3000])


def outage(port, stats, demo, query, tmp):
    """The store's folder goes away: mail flows, the error is counted, and
    the writer writes again once the folder is back."""
    dbdir = os.path.join(tmp, "db")
    shutil.rmtree(dbdir)
    cmd = send(port, demo, "198.51.100.17", "out1.mailer.example.net", "<alice@example.org>",
               "H3")[0]
    check("outage: mail still flows", cmd == b"c", str(cmd))
    check("outage: the store error is counted",
          wait_counter(stats, "mailauth_history_store_errors_total", 1))
    check("outage: the row is not counted written",
          counter(stats, "mailauth_history_rows_written_total") == 2)
    os.mkdir(dbdir)
    check("outage: written after the folder is back",
          wait_counter(stats, "mailauth_history_rows_written_total", 3, seconds=30))
    check("outage: the new store has the row", len(query("SELECT id FROM history")) == 1)


def sighup_and_term(proc, log, conf, port, stats, zone, demo, tmp):
    other = os.path.join(tmp, "other.db")
    write_conf(conf, port, stats, zone, "sqlite:" + other)
    proc.send_signal(signal.SIGHUP)
    check("SIGHUP: the new store", mp.wait_log(log, "recording DMARC report rows to sqlite:" + other))
    for i in range(3):
        send(port, demo, "198.51.100.17", "out1.mailer.example.net", "<alice@example.org>",
             "H%d" % (4 + i))
    proc.send_signal(signal.SIGTERM)  # the writer flushes what is queued
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    check("SIGTERM: exit 0", rc == 0, str(rc))
    con = sqlite3.connect(other)
    n = con.execute("SELECT COUNT(*) FROM history").fetchone()[0]
    con.close()
    check("SIGHUP + SIGTERM: every row in the new store", n == 3, str(n))


def main():
    tmp = tempfile.mkdtemp()
    os.mkdir(os.path.join(tmp, "db"))
    uri, query = uri_and_query(tmp)
    zone = os.path.join(DEMO, "example.zone")
    with open(os.path.join(DEMO, "message.eml"), "rb") as f:
        demo = f.read()
    port, stats = mp.free_port(), mp.free_port()
    conf = os.path.join(tmp, "milter.conf")
    write_conf(conf, port, stats, zone, uri)
    check_n(conf, tmp)
    log = open(os.path.join(tmp, "milter.log"), "w+")
    proc = subprocess.Popen([MILTER, "-f", "-c", conf], stdout=log, stderr=log)
    try:
        if not mp.wait_port(port, proc):
            check("filter starts", False, open(log.name).read())
            return
        cmd = send(port, demo, "198.51.100.17", "out1.mailer.example.net",
                   "<alice@example.org>", "H1")[0]
        check("good message accepted", cmd == b"c", str(cmd))
        cmd, _, acts = send(port, forgery(demo), "192.0.2.99", "evil.example",
                            "<ceo@example.org>", "H2")
        check("forgery tagged, not rejected", cmd == b"c", str(cmd))
        check("metrics: two rows written",
              wait_counter(stats, "mailauth_history_rows_written_total", 2))
        check("metrics: nothing dropped",
              counter(stats, "mailauth_history_rows_dropped_total") == 0)
        check_rows(query)
        check_generate(uri, tmp)
        if BACKEND == "sqlite":
            outage(port, stats, demo, query, tmp)
            sighup_and_term(proc, log, conf, port, stats, zone, demo, tmp)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.seek(0)
        text = log.read()
        check("no sanitizer report", "Sanitizer" not in text and "runtime error" not in text,
              text[-3000:])
        if mp.results["failed"]:
            print(text[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
    print("%d passed, %d failed" % (mp.results["passed"], mp.results["failed"]))
    sys.exit(1 if mp.results["failed"] else 0)
