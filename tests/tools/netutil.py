"""Loopback helpers the script tests share: a free port, and whether a DNS
server (dnsmasq started by the test) answers yet."""
import socket
import struct


def free_port(kind=socket.SOCK_DGRAM):
    """A loopback port of that socket kind that was free a moment ago."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dns_answers(port, name):
    """True once a DNS server on 127.0.0.1:port answers a SOA question for
    the one-label name `name` (any answer, even NXDOMAIN, counts)."""
    label = name.encode("ascii")
    q = (struct.pack(">HHHHHH", 7, 0, 1, 0, 0, 0) + bytes([len(label)]) + label + b"\x00" +
         struct.pack(">HH", 6, 1))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(q, ("127.0.0.1", port))
            return s.recv(512)[:2] == q[:2]
        except OSError:
            return False
