"""The cases of the milter test (see milter_postfix.py for the list).

Each case takes the running Test and raises Failure with a reason."""

import re
import signal
import smtplib
import subprocess
import time
import urllib.request

import dkim
from postfix_instance import free_port

from mailworld import (AUTH_IP, AUTHSERV_ID, FORGER_IP, INTERNAL_IP, SENDER_IP, authserv_id,
                       fields_named, header_fields, message, results, tag)
from harness import (SMTP_SOURCE, Client, Failure, RawSession, check, inbound_line,
                     queue_id)


def ours(data):
    return [f for f in fields_named(data, "Authentication-Results")
            if authserv_id(f) == AUTHSERV_ID]


def one_ar_on_top(data, what):
    """The single Authentication-Results field of ours, which must be the
    first field of the header; its {method: result}."""
    mine = ours(data)
    check(len(mine) == 1, "%s: %d Authentication-Results fields with authserv-id %s, not 1:\n%s"
          % (what, len(mine), AUTHSERV_ID, data[:1500].decode(errors="replace")))
    first = header_fields(data)[0][1]
    check(first == mine[0], "%s: our Authentication-Results is not the first field; the first "
          "is %r" % (what, first[:80]))
    return results(mine[0])


def sign_sender(t, data):
    """data signed by sender.example with dkimpy (an independent signer)."""
    key = t.world.key("sender.example", "s2026")
    sig = dkim.sign(data, b"s2026", b"sender.example", key.pkcs1(),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + data


def dkim_verify_all(t, data, what):
    """Verify every DKIM-Signature with dkimpy; the list of s= selectors."""
    d = dkim.DKIM(data)
    sigs = fields_named(data, "DKIM-Signature")
    for i, f in enumerate(sigs):
        ok = d.verify(idx=i, dnsfunc=t.world.dnsfunc)
        check(ok, "%s: dkimpy does not verify DKIM-Signature %d (s=%s a=%s)"
              % (what, i, tag(f, "s"), tag(f, "a")))
    return [tag(f, "s") for f in sigs]


def case1_inbound_pass(t):
    mid, data = message("c1", "Sam <sam@sender.example>")
    code, text, qid, got = t.deliver(mid, "sam@sender.example", sign_sender(t, data),
                                     addr=SENDER_IP, helo="mail.sender.example")
    res = one_ar_on_top(got, "case 1")
    for m in ("spf", "dkim", "dmarc"):
        check(res.get(m) == "pass", "case 1: %s=%s, not pass (%s)" % (m, res.get(m), res))
    field = re.sub(rb"\s+", b" ", ours(got)[0])
    for prop in (rb"header\.d=sender\.example", rb"smtp\.mailfrom=(sam@)?sender\.example",
                 rb"header\.from=sender\.example"):
        check(re.search(prop, field), "case 1: the field lacks %s: %s" % (prop.decode(), field))
    line = t.milter.wait_log(inbound_line(qid, SENDER_IP))
    check(line is not None, "case 1: no log line for %s from %s" % (qid, SENDER_IP))
    for w in ("spf=pass", "dkim=pass", "dmarc=pass", "action=accept"):
        check(w in line, "case 1: the log line lacks %s: %s" % (w, line))


def case2_forged_ar(t):
    forged = ("Authentication-Results: %s; dkim=pass header.d=bank.example;\r\n"
              "\tdmarc=pass header.from=bank.example\r\n" % AUTHSERV_ID.upper()).encode()
    foreign = b"Authentication-Results: mx.elsewhere.example; spf=pass smtp.mailfrom=x.example\r\n"
    mid, data = message("c2", "sam@sender.example", extra=forged + foreign)
    code, text, qid, got = t.deliver(mid, "sam@sender.example", data, addr=SENDER_IP,
                                     helo="mail.sender.example")
    check(b"header.d=bank.example" not in got, "case 2: the forged field is still there")
    one_ar_on_top(got, "case 2")
    kept = [f for f in fields_named(got, "Authentication-Results")
            if authserv_id(f) == "mx.elsewhere.example"]
    check(len(kept) == 1, "case 2: the foreign Authentication-Results field is gone")
    line = t.milter.wait_log(inbound_line(qid, SENDER_IP))
    check(line is not None and "removed=1" in line,
          "case 2: the log line does not say removed=1: %s" % line)


def case3_reject(t):
    mid, data = message("c3", "CEO <ceo@bank.example>")
    mark = t.milter.mark()
    c = Client(t.pf.port, "mail.forger.example", addr=FORGER_IP)
    try:
        code, text = c.send("ceo@bank.example", "rcpt@dest.example", data)
    finally:
        c.close()
    check(code == 550 and text.startswith("5.7.1"),
          "case 3: the p=reject forgery got %d %s, not 550 5.7.1" % (code, text))
    line = t.milter.wait_log(r"\[%s\] from=<?ceo@bank\.example>?.*dmarc=fail.*action=reject"
                             % re.escape(FORGER_IP), since=mark)
    check(line is not None, "case 3: no log line with dmarc=fail and action=reject")
    t.never_delivered.append(mid)


def case4_sign_internal(t):
    for who, kw in (("internal host", {"addr": INTERNAL_IP}),
                    ("authenticated client", {"addr": AUTH_IP, "login": "alice"})):
        mid, data = message("c4", "Alice <alice@corp.example>")
        mark = t.milter.mark()
        code, text, qid, got = t.deliver(mid, "alice@corp.example", data,
                                         helo="ws1.corp.example", **kw)
        what = "case 4 (%s)" % who
        sigs = fields_named(got, "DKIM-Signature")
        check(len(sigs) == 2, "%s: %d DKIM-Signature fields, not 2" % (what, len(sigs)))
        algs = sorted(tag(f, "a") for f in sigs)
        check(algs == ["ed25519-sha256", "rsa-sha256"], "%s: algorithms %s" % (what, algs))
        check(all(tag(f, "d") == "corp.example" for f in sigs), "%s: d= is not corp.example"
              % what)
        sels = dkim_verify_all(t, got, what)
        check(sorted(sels) == ["ed1", "rsa1"], "%s: selectors %s" % (what, sels))
        line = t.milter.wait_log(r"%s: .*outbound signatures=2" % qid, since=mark)
        check(line is not None, "%s: no log line saying outbound signatures=2" % what)


def case5_arc_seal(t):
    # Hop 1: in from outside; verified, our Authentication-Results added.
    mid, data = message("c5", "Sam <sam@sender.example>", to_addr="list@corp.example")
    _, _, _, got = t.deliver(mid, "sam@sender.example", sign_sender(t, data), addr=SENDER_IP,
                             helo="mail.sender.example")
    ar = one_ar_on_top(got, "case 5 (hop 1)")
    check(ar.get("dkim") == "pass", "case 5: hop 1 dkim=%s" % ar.get("dkim"))
    # Hop 2: the list on an internal host tags the subject, adds a footer
    # (which breaks the sender's signature) and sends it out again.
    listed = got.replace(b"Subject: milter test c5", b"Subject: [list] milter test c5", 1)
    listed += b"-- \r\nThe list's footer.\r\n"
    mark = t.milter.mark()
    code, text, qid, out = t.deliver(mid, "list-bounces@corp.example", listed,
                                     addr=INTERNAL_IP, helo="lists.corp.example")
    for name in ("ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"):
        n = len(fields_named(out, name))
        check(n == 1, "case 5: %d %s fields, not 1" % (n, name))
    seal = fields_named(out, "ARC-Seal")[0]
    check(tag(seal, "i") == "1" and tag(seal, "cv") == "none",
          "case 5: ARC-Seal i=%s cv=%s, not i=1 cv=none" % (tag(seal, "i"), tag(seal, "cv")))
    check(tag(seal, "d") == "corp.example" and tag(seal, "s") == "arc1",
          "case 5: sealed as d=%s s=%s" % (tag(seal, "d"), tag(seal, "s")))
    aar = re.sub(rb"\s+", b" ", fields_named(out, "ARC-Authentication-Results")[0])
    check(re.match(rb"ARC-Authentication-Results: ?i=1; ?%s;" % AUTHSERV_ID.encode(), aar)
          and b"dkim=pass" in aar and b"header.d=sender.example" in aar,
          "case 5: the ARC-Authentication-Results does not carry hop 1's verdicts: %s" % aar)
    cv, _, reason = dkim.arc_verify(out, dnsfunc=t.world.dnsfunc)
    check(cv == b"pass", "case 5: dkimpy arc_verify says %s (%s)" % (cv, reason))
    line = t.milter.wait_log(r"%s: .*outbound .*arc-sealed cv=none" % qid, since=mark)
    check(line is not None, "case 5: no log line saying arc-sealed cv=none")


def send_internal(t, case):
    mid, data = message(case, "alice@corp.example")
    return t.deliver(mid, "alice@corp.example", data, addr=INTERNAL_IP, helo="ws1.corp.example")


def case6_sighup(t):
    good = t.write_config("mailauth-milter-new.conf", sign=("rsa1", "ed2"))
    rc, out = t.milter.check_config(good)
    check(rc == 0, "case 6: mailauth-milter -n on the new configuration: %d %s" % (rc, out))
    t.install_config(good)
    mark = t.milter.mark()
    t.milter.signal(signal.SIGHUP)
    check(t.milter.wait_log(r"SIGHUP: .*reloaded", since=mark) is not None,
          "case 6: no log line saying the configuration was reloaded")
    _, _, _, got = send_internal(t, "c6a")
    sels = dkim_verify_all(t, got, "case 6 (new key)")
    check(sorted(sels) == ["ed2", "rsa1"], "case 6: after SIGHUP signed by %s, not ed2 and rsa1"
          % sels)

    broken = t.write_config("mailauth-milter-broken.conf", sign=("rsa1", "ed2"),
                            extra="sign = corp.example ed3 %s/keys/missing.pem\n"
                            "no_such_key = 1\n" % t.root)
    rc, out = t.milter.check_config(broken)
    check(rc == 78, "case 6: mailauth-milter -n on a broken configuration: %d, not 78" % rc)
    t.install_config(broken)
    mark = t.milter.mark()
    t.milter.signal(signal.SIGHUP)
    check(t.milter.wait_log(r"SIGHUP: .*refused", since=mark) is not None,
          "case 6: no log line saying the broken configuration was refused")
    t.install_config(good)  # the file on disk is what a restart reads (case 8)
    _, _, _, got = send_internal(t, "c6b")
    sels = dkim_verify_all(t, got, "case 6 (broken config)")
    check(sorted(sels) == ["ed2", "rsa1"], "case 6: after a refused SIGHUP signed by %s, not "
          "ed2 and rsa1 (the configuration before it)" % sels)


def case7_load(t):
    before = t.sink.count()
    n = 1000
    started = time.monotonic()
    r = subprocess.run([SMTP_SOURCE, "-s", "50", "-m", str(n), "-f", "load@load.example",
                        "-t", "rcpt@dest.example", "-M", "client.load.example",
                        "127.0.0.1:%d" % t.pf.port], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "case 7: smtp-source exit %d: %s" % (r.returncode, r.stderr[-500:]))
    got = t.sink.wait_count(before + n, 90)
    took = time.monotonic() - started
    check(got == before + n, "case 7: %d of %d messages reached the sink" % (got - before, n))
    with t.sink.cond:
        batch = [m["data"] for m in t.sink.messages[before:]]
    load = [d for d in batch if b"load@load.example" in d]
    check(len(load) == n, "case 7: %d of the new messages are smtp-source's" % len(load))
    good = 0
    for d in load:
        mine = ours(d)
        if len(mine) == 1 and header_fields(d)[0][1] == mine[0] and \
                results(mine[0]).get("spf") == "pass":
            good += 1
    check(good == n, "case 7: %d of %d have one Authentication-Results of ours on top with "
          "spf=pass" % (good, n))
    end = time.monotonic() + 5
    while True:
        lines = [ln for ln in t.milter.log().splitlines()
                 if "from=<load@load.example>" in ln and "action=accept" in ln]
        if len(lines) >= n or time.monotonic() > end:
            break
        time.sleep(0.1)
    check(len(lines) == n, "case 7: %d log lines say action=accept for the %d messages"
          % (len(lines), n))
    # The counters agree (stats = ...: Prometheus text at /metrics).
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % t.stats_port, timeout=10) as r:
        metrics = r.read().decode()
    m = re.search(r"^mailauth_messages_total (\d+)", metrics, re.M)
    check(m and int(m.group(1)) >= n, "case 7: /metrics counts %s messages, not %d or more"
          % (m.group(1) if m else "no", n))
    t.note("case 7: %d messages, 50 sessions, %.1f s" % (n, took))


def case8_kill(t):
    mid, data = message("c8", "sam@sender.example")
    head, body = data.split(b"\r\n\r\n", 1)
    r = RawSession(t.pf.port, "case 8", SENDER_IP, "mail.sender.example", "sam@sender.example")
    try:
        r.send(head + b"\r\n\r\n" + body[:20])
        time.sleep(0.5)  # let Postfix pass the header section on to the milter
        t.milter.kill9()
        time.sleep(0.2)
        code, msg = r.end_data(body[20:])
        check(400 <= code < 500, "case 8: end of data after kill -9 got %d, not 4xx: %s"
              % (code, msg))
    finally:
        r.close()
    t.never_delivered.append(mid)
    # Postfix saw the milter go away in the middle of the content.
    end = time.monotonic() + 5
    pat = r"warning: milter inet:127\.0\.0\.1:%d: .*(SMFIC_|EOF|Connection reset|Application)" \
        % t.milter_port
    while not re.search(pat, t.pf.maillog()) and time.monotonic() < end:
        time.sleep(0.1)
    check(re.search(pat, t.pf.maillog()), "case 8: Postfix logged no broken milter conversation")

    # While it is down, new mail is deferred too (milter_default_action).
    mid2, data2 = message("c8down", "sam@sender.example")
    code, text = send_expecting_failure(t, data2)
    check(400 <= code < 500, "case 8: with the milter down a message got %d %s" % (code, text))
    t.never_delivered.append(mid2)

    # Started again with -p naming the socket Postfix uses, over a
    # configuration whose socket is another port: -p wins.
    other = free_port()
    t.install_config(t.write_config("mailauth-milter-restart.conf", sign=("rsa1", "ed2"),
                                    socket="inet:%d@127.0.0.1" % other))
    t.milter.start(t.milter_port, socket_option=True)
    mid3, data3 = message("c8after", "Sam <sam@sender.example>")
    _, _, _, got = t.deliver(mid3, "sam@sender.example", sign_sender(t, data3), addr=SENDER_IP,
                             helo="mail.sender.example")
    res = one_ar_on_top(got, "case 8 (restarted)")
    check(res.get("dkim") == "pass", "case 8: after the restart dkim=%s" % res.get("dkim"))


def case9_quarantine(t):
    mid, data = message("c9", "Boss <boss@corp.example>")
    mark = t.milter.mark()
    c = Client(t.pf.port, "mail.forger.example", addr=FORGER_IP)
    try:
        code, text = c.send("boss@corp.example", "rcpt@dest.example", data)
    finally:
        c.close()
    check(code == 250, "case 9: the p=quarantine forgery got %d %s, not 250" % (code, text))
    qid = queue_id(text)
    line = t.milter.wait_log(r"%s: .*dmarc=fail.*action=quarantine" % qid, since=mark)
    check(line is not None, "case 9: no log line with dmarc=fail and action=quarantine")
    t.never_delivered.append(mid)
    queue = t.pf.queue()
    check(queue.get(qid) == "hold", "case 9: %s is in Postfix's %s queue, not hold"
          % (qid, queue.get(qid)))
    held = t.pf.postcat(qid)
    mine = ours(held)
    check(len(mine) == 1 and results(mine[0]).get("dmarc") == "fail",
          "case 9: the held message lacks our Authentication-Results with dmarc=fail")
    t.pf.delete(qid)


def send_expecting_failure(t, data):
    """Send data from sender.example; (code, text) of the refusal, whichever
    command it came at (or of the 250)."""
    c = None
    try:
        c = Client(t.pf.port, "mail.sender.example", addr=SENDER_IP, lenient=True)
        return c.send("sam@sender.example", "rcpt@dest.example", data)
    except smtplib.SMTPResponseException as e:
        return e.smtp_code, str(e.smtp_error)
    except smtplib.SMTPServerDisconnected as e:
        return 421, "disconnected: %s" % e
    finally:
        if c is not None:
            c.close()


def case10_sigterm(t):
    mid, data = message("c10", "Sam <sam@sender.example>")
    signed = sign_sender(t, data)
    head, body = signed.split(b"\r\n\r\n", 1)
    r = RawSession(t.pf.port, "case 10", SENDER_IP, "mail.sender.example", "sam@sender.example")
    try:
        r.send(head + b"\r\n\r\n" + body[:20])
        time.sleep(0.5)
        mark = t.milter.mark()
        t.milter.signal(signal.SIGTERM)
        check(t.milter.wait_log(r"SIGTERM: stopping", since=mark) is not None,
              "case 10: no log line saying the milter is stopping")
        # A new session meanwhile gets a temporary failure.
        mid2, data2 = message("c10new", "sam@sender.example")
        code, text = send_expecting_failure(t, data2)
        check(400 <= code < 500, "case 10: a new message while stopping got %d %s" % (code, text))
        t.never_delivered.append(mid2)
        check(t.milter.proc.poll() is None, "case 10: the milter exited with a message in "
              "progress (status %s)" % t.milter.proc.returncode)
        code, text = r.end_data(body[20:])
        check(code == 250, "case 10: the message in progress got %d %s, not 250" % (code, text))
    finally:
        r.close()
    qid = queue_id(text)
    got = t.sink.find(qid.encode(), 20) if qid else None
    check(got is not None and mid in got["data"], "case 10: the message in progress did not "
          "reach the sink")
    res = one_ar_on_top(got["data"], "case 10")
    check(res.get("dkim") == "pass", "case 10: dkim=%s" % res.get("dkim"))
    try:
        rc = t.milter.proc.wait(30)
    except subprocess.TimeoutExpired:
        raise Failure("case 10: the milter still runs 30 s after SIGTERM and its last message")
    check(rc == 0, "case 10: the milter's exit status after SIGTERM is %s" % rc)


CASES = [
    (1, "inbound pass, one Authentication-Results on top", case1_inbound_pass),
    (2, "forged Authentication-Results removed, foreign kept", case2_forged_ar),
    (3, "p=reject forgery refused with 550 5.7.1", case3_reject),
    (4, "internal and authenticated mail signed RSA + Ed25519", case4_sign_internal),
    (5, "relayed mail ARC-sealed, dkimpy arc_verify", case5_arc_seal),
    (6, "SIGHUP: new key taken, broken configuration refused", case6_sighup),
    (7, "1,000 messages over 50 sessions (smtp-source)", case7_load),
    (8, "kill -9 with DATA open: 4xx, nothing delivered; restart", case8_kill),
    (9, "p=quarantine forgery held in Postfix's hold queue", case9_quarantine),
    (10, "SIGTERM: the message in progress is delivered, new ones deferred", case10_sigterm),
]
