"""Blocking verification: the configuration context (mailauth_ctx_t), the
envelope and message feeding shared with the asyncio verifier, and
``Verifier``, which answers DNS from zone files or text or through c-ares."""

from __future__ import annotations

import ctypes
import os
import socket
import threading
import time
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

# Envelope values and names: str (sent as UTF-8) or bytes (sent as they are).
Text = Union[str, bytes]

from ._ffi import (CLOCK_FN, CLOCK_WALL, DMARC_MODES, ENVELOPE_VERSION, EINVAL,
                   RESOLVER_STATS_VERSION, METHODS, OK, Envelope, check, lib, new_handle,
                   ResolverStats)
from ._results import results


def cstr(value, what):
    """A str (UTF-8) or bytes argument as NUL-free bytes."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{what}: expected str or bytes, not {type(value).__name__}")
    value = bytes(value)
    if b"\0" in value:
        raise ValueError(f"{what}: NUL byte inside")
    return value


def message_bytes(message):
    """The message as bytes; messages are bytes, never decoded text."""
    if isinstance(message, str):
        raise TypeError("message: pass the raw bytes (bytes, bytearray, memoryview), not str")
    return bytes(message)


def _dmarc_mode(mode):
    key = str(mode)
    if key not in DMARC_MODES:
        raise ValueError(f"dmarc_mode: {mode!r} is not 7489 or 9989")
    return DMARC_MODES[key]


def _methods(names):
    if isinstance(names, str):   # "spf,dkim", as mailauth-check --only
        names = [n.strip() for n in names.split(",")]
    bits = 0
    for name in names:
        if name not in METHODS:
            raise ValueError(f"only: unknown method {name!r} ({', '.join(METHODS)})")
        bits |= METHODS[name]
    if not bits:
        raise ValueError("only: no method named")
    return bits


def _limit_ids():
    """{"dns-timeout-ms": MAILAUTH_LIMIT_DNS_TIMEOUT_MS, ...} from the library's own names."""
    ids = {}
    for i in range(256):
        name = lib.mailauth_limit_name(i).decode()
        if name == "unknown":
            break
        ids[name] = i
    return ids


LIMITS = _limit_ids()


class Context:
    """A mailauth_ctx_t, configured once (the library refuses setters after
    its first use). ``now`` pins the wall clock (seconds since the epoch,
    for DKIM t=/x=); deadlines keep running on the real monotonic clock,
    as ``mailauth-check --now`` does. ``authserv_id`` defaults to the host
    name, like mailauth-check. ``limits`` maps limit names (the library's
    mailauth_limit_name(): "dns-timeout-ms", "eval-timeout-ms", ...) to values."""

    def __init__(self, *, authserv_id=None, now=None, dmarc_mode=None, methods=None,
                 trusted_sealers=(), limits=None):
        self.ptr = new_handle(lib.mailauth_ctx_new, "mailauth_ctx_new", None)
        self._clock = None
        try:
            self._setup(authserv_id, now, dmarc_mode, methods, trusted_sealers)
            for name, value in (limits or {}).items():
                if name not in LIMITS:
                    raise ValueError(f"limits: unknown limit {name!r} ({', '.join(LIMITS)})")
                check(lib.mailauth_ctx_set_limit(self.ptr, LIMITS[name], int(value)),
                      f"mailauth_ctx_set_limit({name}={value})")
        except BaseException:
            self.close()
            raise

    def _setup(self, authserv_id, now, dmarc_mode, methods, trusted_sealers):
        self._set_authserv_id(authserv_id)
        if now is not None:
            wall_ms = int(now * 1000)

            def clock(_ud, kind):
                if kind == CLOCK_WALL:
                    return wall_ms
                return time.monotonic_ns() // 1_000_000

            # Kept on self: the library calls it for as long as the ctx lives.
            self._clock = CLOCK_FN(clock)
            check(lib.mailauth_ctx_set_clock(self.ptr, self._clock, None),
                  "mailauth_ctx_set_clock")
        if dmarc_mode is not None:
            check(lib.mailauth_ctx_set_dmarc_mode(self.ptr, _dmarc_mode(dmarc_mode)),
                  "mailauth_ctx_set_dmarc_mode")
        if methods is not None:
            check(lib.mailauth_ctx_set_methods(self.ptr, _methods(methods)),
                  "mailauth_ctx_set_methods")
        for domain in trusted_sealers:
            check(lib.mailauth_ctx_add_trusted_sealer(self.ptr, cstr(domain, "trusted_sealers")),
                  f"mailauth_ctx_add_trusted_sealer({domain!r})")

    def _set_authserv_id(self, authserv_id):
        if authserv_id is not None:
            check(lib.mailauth_ctx_set_authserv_id(self.ptr, cstr(authserv_id, "authserv_id")),
                  "mailauth_ctx_set_authserv_id")
            return
        host = socket.gethostname().encode("utf-8", "replace").replace(b"\0", b"")
        st = lib.mailauth_ctx_set_authserv_id(self.ptr, host) if host else EINVAL
        if st == EINVAL:
            st = lib.mailauth_ctx_set_authserv_id(self.ptr, b"localhost")
        check(st, "mailauth_ctx_set_authserv_id")

    def close(self):
        if self.ptr is not None:
            lib.mailauth_ctx_free(self.ptr)
            self.ptr = None


def start_eval(ctx, resolver, message, ip, helo, mail_from):
    """A new mailauth_eval_t with the envelope set and the message fed (none
    when `message` is None: an SPF-only evaluation). Freed on error."""
    ev = new_handle(lib.mailauth_eval_new, "mailauth_eval_new", ctx.ptr, resolver)
    try:
        # The whole envelope at once: the SPF and iprev questions go out now.
        env = Envelope(version=ENVELOPE_VERSION,
                       client_ip=None if ip is None else cstr(ip, "ip"),
                       helo=None if helo is None else cstr(helo, "helo"),
                       mail_from=None if mail_from is None else cstr(mail_from, "mail_from"))
        check(lib.mailauth_eval_set_envelope(ev, ctypes.byref(env)),
              f"envelope ip={ip!r} helo={helo!r} mail_from={mail_from!r}")
        if message is not None:
            data = message_bytes(message)
            # A header field refused by a limit is no error: the verdicts
            # that needed it say so.
            check(lib.mailauth_eval_message(ev, data, len(data)), "mailauth_eval_message")
    except BaseException:
        lib.mailauth_eval_free(ev)
        raise
    return ev


def resolver_stats(resolver):
    """The counters of a resolver as a dict."""
    st = ResolverStats(version=RESOLVER_STATS_VERSION)
    check(lib.mailauth_resolver_stats(resolver, ctypes.byref(st)),
          "mailauth_resolver_stats")
    return {name: getattr(st, name) for name, _ in ResolverStats._fields_}


Zone = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


def _zone_paths(zone) -> list:
    if isinstance(zone, (str, os.PathLike)):
        return [zone]
    return list(zone)


def read_zone_files(zone: Zone) -> list:
    """The texts of one zone file or a list of them (``mailauth-check --zone``)."""
    texts = []
    for path in _zone_paths(zone):
        with open(path, "rb") as f:
            texts.append(f.read())
    return texts


def zone_resolver(ctx: Context, texts: Sequence[Union[str, bytes]], names=None) -> int:
    """A zone resolver over one or more zone texts; MailauthError names the
    text (or file) and line of a syntax error."""
    resolver = None
    for i, text in enumerate(texts):
        data = cstr(text, "zone")
        errline = ctypes.c_size_t(0)
        if resolver is None:
            out = ctypes.c_void_p()
            st = lib.mailauth_resolver_new_zone(ctx.ptr, data, len(data),
                                                ctypes.byref(errline), ctypes.byref(out))
            resolver = out.value
        else:
            st = lib.mailauth_resolver_zone_add(resolver, data, len(data),
                                                ctypes.byref(errline))
        if st != OK:
            lib.mailauth_resolver_free(resolver)
            where = f"zone {names[i]}" if names else f"zone text {i + 1}"
            check(st, f"{where}, line {errline.value}")
    return resolver


def new_resolver(ctx: Context, zone=None, zone_text=None, dns_server=None) -> int:
    """The resolver for ``zone`` files, else ``zone_text``, else c-ares (with
    ``dns_server`` "ADDR[:PORT],..." or the system's resolv.conf)."""
    if zone is not None:
        paths = _zone_paths(zone)
        return zone_resolver(ctx, read_zone_files(paths), [os.fspath(p) for p in paths])
    if zone_text is not None:
        texts = [zone_text] if isinstance(zone_text, (str, bytes)) else list(zone_text)
        return zone_resolver(ctx, texts)
    servers = None if dns_server is None else cstr(dns_server, "dns_server")
    return new_handle(lib.mailauth_resolver_new_ares, "mailauth_resolver_new_ares", ctx.ptr,
                      servers)


class Verifier:
    """Verifies messages one after the other on one context and resolver
    (the DNS cache is shared between them). DNS comes from ``zone`` (a zone
    file path, or a list of them, like repeated ``mailauth-check --zone``),
    else from ``zone_text`` (the same format as text), else from c-ares with
    ``dns_server`` ("ADDR[:PORT],...") or the system's resolv.conf.

    Keywords of the context: ``authserv_id`` (default: the host name),
    ``now`` (epoch seconds), ``only`` (methods: ``["spf", "dkim"]`` or
    ``"spf,dkim"``), ``dmarc_mode`` (``"7489"`` or ``"9989"``),
    ``trusted_sealers`` (ARC override of DMARC), ``limits`` (``{"dns-timeout-ms":
    2000}``, the names of ``mailauth_limit_name()``).

    Calls are serialized by a lock, so threads may share one; ``close()``
    (or ``with``) frees it."""

    def __init__(self, *, zone: Optional[Zone] = None,
                 zone_text: Union[str, bytes, Sequence[Union[str, bytes]], None] = None,
                 dns_server: Optional[str] = None, authserv_id: Optional[str] = None,
                 now: Optional[float] = None, only: Union[str, Iterable[str], None] = None,
                 dmarc_mode: Union[str, int, None] = None, trusted_sealers: Iterable[str] = (),
                 limits: Optional[Mapping[str, int]] = None) -> None:
        self._lock = threading.Lock()
        self._resolver = None
        self._ctx = Context(authserv_id=authserv_id, now=now, dmarc_mode=dmarc_mode,
                            methods=only, trusted_sealers=trusted_sealers, limits=limits)
        try:
            self._resolver = new_resolver(self._ctx, zone, zone_text, dns_server)
        except BaseException:
            self.close()
            raise

    def verify(self, message: Optional[bytes], *, ip: Optional[Text] = None,
               helo: Optional[Text] = None, mail_from: Optional[Text] = None) -> dict[str, Any]:
        """Evaluate one message (bytes; None for SPF only, like ``mailauth-check
        --spf-only``); the dict of ``mailauth-check --json``."""
        with self._lock:
            if self._resolver is None:
                raise ValueError("Verifier is closed")
            ev = start_eval(self._ctx, self._resolver, message, ip, helo, mail_from)
            try:
                check(lib.mailauth_eval_finish_sync(ev, -1), "mailauth_eval_finish_sync")
                return results(ev)
            finally:
                lib.mailauth_eval_free(ev)

    def stats(self) -> dict[str, int]:
        """Resolver counters (questions, queries, coalesced, cache_hits, round_trips)."""
        with self._lock:
            return resolver_stats(self._resolver)

    def close(self) -> None:
        with self._lock:
            if self._resolver is not None:
                lib.mailauth_resolver_free(self._resolver)
                self._resolver = None
            self._ctx.close()

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def verify(message: Optional[bytes], *, ip: Optional[Text], helo: Optional[Text],
           mail_from: Optional[Text], authserv_id: str, zone: Optional[Zone] = None,
           dns_server: Optional[str] = None, now: Optional[float] = None,
           only: Union[str, Iterable[str], None] = None,
           dmarc_mode: Union[str, int, None] = None, trusted_sealers: Iterable[str] = (),
           zone_text: Union[str, bytes, Sequence[Union[str, bytes]], None] = None,
           limits: Optional[Mapping[str, int]] = None) -> dict[str, Any]:
    """Verify one message and return the dict of ``mailauth-check --json``.

    ``message`` is the raw message (bytes), or None for an SPF-only check
    (``--spf-only``); ``ip``, ``helo``, ``mail_from`` the SMTP envelope (""
    is the null sender; None leaves a part out). The other keywords are the
    options of mailauth-check: ``zone`` (a zone file path or a list of
    them: DNS from them only), ``dns_server`` ("ADDR[:PORT]", else the
    system's resolv.conf), ``now`` (epoch seconds), ``only`` (methods),
    ``dmarc_mode`` ("7489" or "9989"), ``trusted_sealers``
    (``--trusted-sealer``); and ``zone_text`` (zone text instead of files)
    and ``limits`` (see Verifier). Raises MailauthError when the library
    refuses an argument (a bad IP, a zone syntax error); a bad message is a
    verdict, never an exception."""
    with Verifier(zone=zone, zone_text=zone_text, dns_server=dns_server,
                  authserv_id=authserv_id, now=now, only=only, dmarc_mode=dmarc_mode,
                  trusted_sealers=trusted_sealers, limits=limits) as v:
        return v.verify(message, ip=ip, helo=helo, mail_from=mail_from)
