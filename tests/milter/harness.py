"""Pieces of the milter test: the milter process, SMTP clients, checks."""

import os
import re
import smtplib
import socket
import subprocess
import time

from postfix_instance import wait_port

SMTP_SOURCE = "/usr/sbin/smtp-source"


class Failure(Exception):
    pass


class Stop(BaseException):
    """A signal or the overall time limit: clean up and fail."""


def check(cond, text):
    if not cond:
        raise Failure(text)


# The milter's log lines (stderr under -f), as docs/milter.md describes them.
def inbound_line(qid, ip):
    return r"%s: client=\S*\[%s\] from=.*action=" % (re.escape(qid), re.escape(ip))


class Milter:
    def __init__(self, binary, root, config):
        self.binary = binary
        self.root = root
        self.config = config
        self.proc = None
        self.logs = []
        self.logf = None

    def start(self, port, socket_option=False):
        """Start it and wait until it listens on port (given with -p when
        socket_option, else from the configuration's socket)."""
        path = os.path.join(self.root, "milter-%d.log" % (len(self.logs) + 1))
        self.logs.append(path)
        self.logf = open(path, "wb")
        extra = ["-p", "inet:%d@127.0.0.1" % port] if socket_option else []
        self.proc = subprocess.Popen([self.binary, "-f", "-c", self.config] + extra,
                                     stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        if not wait_port(port, 30, alive=lambda: self.proc.poll() is None):
            raise Failure("the milter does not listen on 127.0.0.1:%d:\n%s" % (port, self.log()))

    def log(self):
        try:
            with open(self.logs[-1], errors="replace") as f:
                return f.read()
        except (OSError, IndexError):
            return ""

    def mark(self):
        return len(self.log())

    def wait_log(self, pattern, since=0, timeout=10):
        """The first line after offset since that matches pattern (or None)."""
        end = time.monotonic() + timeout
        while True:
            for line in self.log()[since:].splitlines():
                if re.search(pattern, line):
                    return line
            if time.monotonic() > end:
                return None
            time.sleep(0.05)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)
        self.logf.close()

    def stop(self, timeout=30):
        """SIGTERM; the exit status (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None
        finally:
            self.logf.close()

    def check_config(self, path):
        r = subprocess.run([self.binary, "-n", "-c", path], capture_output=True, text=True,
                           timeout=60)
        return r.returncode, r.stdout + r.stderr


class Client:
    """One SMTP session with the private smtpd, XCLIENT as asked."""

    def __init__(self, port, helo, addr=None, login=None, lenient=False):
        self.s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=30)
        if addr is not None:
            self.s.ehlo("localhost")
            attrs = "ADDR=%s NAME=[UNAVAILABLE]" % addr
            if login:
                attrs += " LOGIN=%s" % login
            code, text = self.s.docmd("XCLIENT", attrs)
            check(code == 220 or lenient, "XCLIENT refused: %d %s" % (code, text))
            self.s.ehlo_resp = None
        self.s.ehlo(helo)

    def send(self, mail_from, rcpt, data):
        """(code, text) of the last reply; qid from '250 ... queued as QID'."""
        code, text = self.s.mail(mail_from)
        if code != 250:
            return code, text.decode(errors="replace")
        code, text = self.s.rcpt(rcpt)
        if code not in (250, 251):
            return code, text.decode(errors="replace")
        try:
            code, text = self.s.data(data)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        return code, text.decode(errors="replace")

    def close(self):
        try:
            self.s.quit()
        except (smtplib.SMTPException, OSError):
            pass


def queue_id(text):
    m = re.search(r"queued as (\w+)", text)
    return m.group(1) if m else None


class RawSession:
    """An SMTP session by hand, for holding DATA open: greeting, EHLO,
    XCLIENT ADDR, EHLO, MAIL, RCPT, DATA, then part of the message."""

    def __init__(self, port, what, addr, helo, mail_from, rcpt="rcpt@dest.example"):
        self.what = what
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.s.makefile("rb")
        check(self.reply()[0] == 220, "%s: no greeting" % what)
        self.cmd("EHLO localhost", 250)
        self.cmd("XCLIENT ADDR=%s NAME=[UNAVAILABLE]" % addr, 220)
        self.cmd("EHLO %s" % helo, 250)
        self.cmd("MAIL FROM:<%s>" % mail_from, 250)
        self.cmd("RCPT TO:<%s>" % rcpt, 250)
        self.cmd("DATA", 354)

    def reply(self):
        lines = []
        while True:
            line = self.f.readline()
            check(line, "%s: smtpd closed the connection" % self.what)
            lines.append(line.decode(errors="replace").rstrip())
            if line[3:4] != b"-":
                return int(line[:3]), " ".join(lines)

    def cmd(self, text, want):
        self.s.sendall(text.encode() + b"\r\n")
        code, msg = self.reply()
        check(code == want, "%s: %s: %s" % (self.what, text, msg))

    def send(self, data):
        self.s.sendall(data)

    def end_data(self, rest):
        """Send the rest of the message and the final dot: (code, text)."""
        self.s.sendall(rest + b".\r\n")
        return self.reply()

    def close(self):
        try:
            self.s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        self.f.close()
        self.s.close()
