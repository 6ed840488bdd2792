"""A DNS proxy that holds every query for a fixed time before passing it on
(Python standard library only), so that a resolver behind it sees real
round trips. Used by tests/tools/event_loop_test.py.

UDP and TCP on the same 127.0.0.1 port, like a DNS server: each UDP query
is sent upstream from its own socket after the delay and the answer goes
back to the asker; each query on a TCP connection is delayed separately
(pipelined queries overlap), asked upstream on a connection of its own,
and answered on the client's connection, which the proxy never closes. The proxy counts the questions it saw per (name,
type, transport) and the largest number held or waiting for an answer at
one moment.

Run alone:  dns_delay_proxy.py UPSTREAM_PORT DELAY_MS   (prints its port)
"""
import asyncio
import collections
import socket
import struct
import sys
import threading

QTYPES = {1: 'A', 2: 'NS', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA'}


def question(msg):
    """(name, type name) of the first question of a DNS message, or None."""
    pos, labels = 12, []
    try:
        while msg[pos] != 0:
            n = msg[pos]
            if n >= 64:
                return None  # a compression pointer has no place in a question
            labels.append(msg[pos + 1:pos + 1 + n].decode('ascii', 'replace').lower())
            pos += 1 + n
        qtype = struct.unpack('>H', msg[pos + 1:pos + 3])[0]
    except (IndexError, struct.error):
        return None
    return '.'.join(labels), QTYPES.get(qtype, str(qtype))


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, proxy):
        self.proxy = proxy
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.proxy.note(data, 'udp')
        self.proxy.loop.call_later(self.proxy.delay, self._forward, data, addr)

    def _forward(self, data, addr):
        loop = self.proxy.loop
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.setblocking(False)
        up.connect(('127.0.0.1', self.proxy.upstream))
        up.send(data)

        def on_reply():
            try:
                reply = up.recv(65535)
            except OSError:
                return
            loop.remove_reader(up.fileno())
            up.close()
            self.transport.sendto(reply, addr)
            self.proxy.answered()

        loop.add_reader(up.fileno(), on_reply)


class DelayProxy:
    """Start with start(); stop() ends it. Counters: seen, max_pending."""

    def __init__(self, upstream_port, delay_ms):
        self.upstream = upstream_port
        self.delay = delay_ms / 1000.0
        self.seen = collections.Counter()  # (name, type, 'udp'|'tcp') -> queries
        self.pending = 0
        self.max_pending = 0
        self.port = None
        self.loop = None
        self._thread = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def note(self, data, transport):
        q = question(data)
        with self._lock:
            if q is not None:
                self.seen[(q[0], q[1], transport)] += 1
            self.pending += 1
            self.max_pending = max(self.max_pending, self.pending)

    def answered(self):
        with self._lock:
            self.pending -= 1

    async def _tcp_one(self, msg, writer):
        """One TCP query: held, then asked on its own upstream connection
        (the server may close it after answering), answered on the
        client's connection, which stays open."""
        await asyncio.sleep(self.delay)
        try:
            up_r, up_w = await asyncio.open_connection('127.0.0.1', self.upstream)
            up_w.write(struct.pack('>H', len(msg)) + msg)
            head = await up_r.readexactly(2)
            body = await up_r.readexactly(struct.unpack('>H', head)[0])
            up_w.close()
        except (OSError, asyncio.IncompleteReadError):
            return  # no answer: the asker times out, as with a lost datagram
        finally:
            self.answered()
        if not writer.is_closing():
            writer.write(head + body)

    async def _tcp_client(self, reader, writer):
        # RFC 7766 §6.2.3: keep the client's connection open between
        # queries. (dnsmasq closes its side after each answer; c-ares 1.18
        # takes a closed connection as a server error and sends every query
        # then in flight to that server again, over UDP too, which would
        # blur the count of queries per question.)
        held = []
        try:
            while True:
                head = await reader.readexactly(2)
                msg = await reader.readexactly(struct.unpack('>H', head)[0])
                self.note(msg, 'tcp')
                held.append(asyncio.ensure_future(self._tcp_one(msg, writer)))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        if held:
            await asyncio.gather(*held, return_exceptions=True)
        writer.close()

    async def _main(self, port):
        self.loop = asyncio.get_running_loop()
        self._stop = self.loop.create_future()
        udp, _ = await self.loop.create_datagram_endpoint(lambda: _Udp(self),
                                                          local_addr=('127.0.0.1', port))
        self.port = udp.get_extra_info('sockname')[1]
        try:
            tcp = await asyncio.start_server(self._tcp_client, '127.0.0.1', self.port)
        except OSError:
            udp.close()
            self.port = None
            raise
        self._ready.set()
        await self._stop
        tcp.close()
        udp.close()

    def _run(self):
        for _ in range(20):  # the UDP port chosen may be taken for TCP: try another
            try:
                asyncio.run(self._main(0))
                return
            except OSError:
                continue
        self._ready.set()  # no port: start() reports it

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self.port is None:
            raise RuntimeError('delay proxy: no port')
        return self.port

    def stop(self):
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._stop.set_result, None)
        if self._thread is not None:
            self._thread.join(10)


if __name__ == '__main__':
    p = DelayProxy(int(sys.argv[1]), int(sys.argv[2]))
    print(p.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        p.stop()
