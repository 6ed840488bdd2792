"""A private Postfix instance and an SMTP sink, for the milter test.

PostfixInstance writes its own config_directory (main.cf, master.cf),
queue_directory and data_directory under a temporary folder, listens on
a free loopback port, hands every message to the milter named by its
socket and relays everything to the Sink on another loopback port. It
never touches /etc/postfix's instance: every postfix command it runs
gets -c with its own folder.

Sink is a small asyncio SMTP server in a thread that keeps every message
it is given (envelope and bytes, dot-unstuffed, CRLF line ends).
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import threading
import time

POSTFIX = "/usr/sbin/postfix"
MASTER = "/usr/lib/postfix/sbin/master"
POSTQUEUE = "/usr/sbin/postqueue"
POSTCAT = "/usr/sbin/postcat"
POSTSUPER = "/usr/sbin/postsuper"


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout, alive=None):
    """True once something accepts on 127.0.0.1:port; alive() false gives up."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if alive is not None and not alive():
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Sink:
    """SMTP server on 127.0.0.1 that stores what it receives."""

    def __init__(self):
        self.messages = []  # dicts: mail_from, rcpts, data (bytes)
        self.cond = threading.Condition()
        self.port = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        started = threading.Event()
        self._started = started

    def start(self):
        self.thread.start()
        if not self._started.wait(10):
            raise RuntimeError("sink did not start")

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", 0, backlog=128))
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        self._started.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def stop(self):
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    async def _session(self, reader, writer):
        def reply(text):
            writer.write(text.encode() + b"\r\n")

        reply("220 sink.test ESMTP")
        mail_from, rcpts = None, []
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    reply("250 sink.test")
                elif verb == b"MAIL":
                    mail_from, rcpts = line[10:].strip().decode(), []
                    reply("250 2.1.0 ok")
                elif verb == b"RCPT":
                    rcpts.append(line[8:].strip().decode())
                    reply("250 2.1.5 ok")
                elif verb == b"DATA":
                    reply("354 go ahead")
                    await writer.drain()
                    data = await self._read_data(reader)
                    if data is None:
                        break
                    with self.cond:
                        self.messages.append(
                            {"mail_from": mail_from, "rcpts": rcpts, "data": data})
                        self.cond.notify_all()
                    reply("250 2.0.0 stored")
                    mail_from, rcpts = None, []
                elif verb == b"RSET":
                    mail_from, rcpts = None, []
                    reply("250 2.0.0 ok")
                elif verb == b"QUIT":
                    reply("221 2.0.0 bye")
                    break
                else:
                    reply("250 ok" if verb == b"NOOP" else "502 5.5.2 not here")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                await writer.drain()
                writer.close()
            except (ConnectionError, RuntimeError):
                pass

    @staticmethod
    async def _read_data(reader):
        out = []
        while True:
            line = await reader.readline()
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(out)
            if line.startswith(b"."):
                line = line[1:]
            if not line.endswith(b"\r\n"):
                line = line.rstrip(b"\n") + b"\r\n"
            out.append(line)

    def count(self):
        with self.cond:
            return len(self.messages)

    def wait_count(self, n, timeout):
        """Wait until at least n messages are stored; returns the count."""
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < n:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return len(self.messages)

    def find(self, needle, timeout):
        """The first stored message whose bytes contain needle (waits)."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if needle in m["data"]:
                        return m
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {maillog}
maillog_file_prefixes = {dir}, /dev/stdout
myhostname = mx.test.example
mydomain = test.example
myorigin = $myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery in this test
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# Every domain is a relay domain: the test sends to any address.
relay_domains = static:all
smtpd_relay_restrictions = reject_unauth_destination
default_transport = smtp:[127.0.0.1]:{sink}
relay_transport = smtp:[127.0.0.1]:{sink}
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtputf8_enable = no
smtpd_milters = inet:127.0.0.1:{milter}
non_smtpd_milters =
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 3s
milter_command_timeout = 15s
milter_content_timeout = 20s
in_flow_delay = 0
smtpd_error_sleep_time = 0
smtpd_client_connection_count_limit = 0
smtp_connection_cache_on_demand = yes
default_destination_concurrency_limit = 10
default_process_limit = 100
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
"""

# chroot off everywhere: the queue lives in a temporary folder.
MASTER_CF = """\
127.0.0.1:{smtpd} inet n - n - - smtpd
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
proxywrite unix - - n -    1 proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


class PostfixInstance:
    def __init__(self, root, sink_port, milter_port):
        self.root = root
        self.config = os.path.join(root, "etc")
        self.port = free_port()
        self.milter_port = milter_port
        self.running = False
        for d in ("etc", "queue", "data"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        self.sink_port = sink_port
        self._write_main_cf("/dev/stdout")
        with open(os.path.join(self.config, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(smtpd=self.port))

    def _write_main_cf(self, maillog):
        # The postfix command logs to maillog_file itself only when that is
        # /dev/stdout (else through postlogd, which needs the master): the
        # commands before start log there so that their errors are seen.
        with open(os.path.join(self.config, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.root, sink=self.sink_port,
                                   milter=self.milter_port, maillog=maillog))

    def _postfix(self, *args, check=True):
        # Output to a file, never a pipe: the master inherits it and would
        # hold a pipe open.
        out = os.path.join(self.root, "postfix-command.log")
        with open(out, "a+") as f:
            start = f.tell()
            r = subprocess.run([POSTFIX, "-c", self.config, *args], stdin=subprocess.DEVNULL,
                               stdout=f, stderr=subprocess.STDOUT, timeout=60)
            f.seek(start)
            text = f.read()
        if check and r.returncode != 0:
            raise RuntimeError("postfix %s failed (%d): %s%s" %
                               (" ".join(args), r.returncode, text, self.maillog()[-2000:]))
        return r

    def start(self):
        os.chmod(self.root, 0o755)
        self._postfix("set-permissions")
        self._postfix("check")
        self._write_main_cf(os.path.join(self.root, "maillog"))
        self.running = True  # from here on, stop() must run
        self._postfix("start")
        if not wait_port(self.port, 20):
            raise RuntimeError("postfix smtpd did not listen on port %d" % self.port)

    def master_pid(self):
        try:
            with open(os.path.join(self.root, "queue", "pid", "master.pid")) as f:
                pid = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            with open("/proc/%d/exe" % pid, "rb"):
                pass
            if os.path.realpath("/proc/%d/exe" % pid) != os.path.realpath(MASTER):
                return None
        except OSError:
            return None
        return pid

    def stop(self):
        """Stop the master and its children; never leave one running."""
        if not self.running:
            return
        pid = self.master_pid()
        self._postfix("stop", check=False)
        end = time.monotonic() + 10
        while pid is not None and time.monotonic() < end and os.path.exists("/proc/%d" % pid):
            time.sleep(0.1)
        if pid is not None and os.path.exists("/proc/%d" % pid):
            self._postfix("abort", check=False)
            time.sleep(0.5)
            if os.path.exists("/proc/%d" % pid):
                os.kill(pid, signal.SIGKILL)
        self.running = False

    def queue(self):
        """{queue id: queue name} of what Postfix holds now (postqueue -j)."""
        r = subprocess.run([POSTQUEUE, "-c", self.config, "-j"], capture_output=True,
                           text=True, timeout=30, check=True)
        return {e["queue_id"]: e["queue_name"] for e in map(json.loads, r.stdout.splitlines())}

    def postcat(self, qid):
        """The message of queue file qid (header and body, CRLF)."""
        r = subprocess.run([POSTCAT, "-c", self.config, "-bh", "-q", qid], capture_output=True,
                           timeout=30, check=True)
        return r.stdout.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def delete(self, qid):
        subprocess.run([POSTSUPER, "-c", self.config, "-d", qid], capture_output=True,
                       timeout=30, check=True)

    def maillog(self):
        try:
            with open(os.path.join(self.root, "maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""
