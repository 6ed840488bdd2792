"""Verification from an asyncio program, with DNS answered by the program.

``AsyncVerifier`` makes a custom resolver (mailauth_resolver_new_custom())
whose ``query`` callback starts a task that awaits ``resolver(name, rtype)``,
the program's own coroutine (a real asynchronous DNS client, a table, a
cache...). When it returns, the answer goes back to mailauth with
mailauth_dns_query_answer(), and mailauth_resolver_process_timeouts() runs
the evaluations it woke; their completion callbacks resolve the futures
that ``verify()`` awaits. One loop timer follows
mailauth_resolver_timeout_ms(), so per-question timeouts and evaluation
deadlines fire even when a lookup never returns.

Threads (docs/threading.md): the resolver and its evaluations belong to the
loop's thread. Every call into mailauth here is made on that thread, and
the library calls back only from inside those calls, so the callbacks run
there too. A lookup that uses another thread (run_in_executor) is fine: it
is awaited on the loop, and the answer is handed to mailauth from there.

What ``resolver`` returns, by record type (``rtype`` is "A", "AAAA", "MX",
"TXT" or "PTR"; ``name`` is a str without the final dot):

* a list of records: A / AAAA addresses as text ("192.0.2.1"), TXT strings
  (str or bytes; a tuple of strings is one record made of several
  character-strings), MX ``(preference, "exchange")`` pairs, PTR names;
  an empty list means NODATA;
* ``NXDOMAIN``, ``NODATA`` or ``TEMPFAIL`` (module constants).

A lookup that raises, or returns something else, gives TEMPFAIL (a DNS
failure is a verdict, temperror, not an error of the call); the exception
is logged on the "mailauth" logger.

Lookup tasks are canceled when mailauth gives a question up: at the DNS
timeout (limit "dns-timeout-ms") or when the verifier is closed. A
verification that is canceled (its task canceled) frees its evaluation at
once, but the questions it asked stay in flight: their answers go into the
resolver's cache for the next message.
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import logging
import socket
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional, Union

from ._core import Context, Text, resolver_stats, start_eval
from ._ffi import (CANCEL_FN, DESTROY_FN, DNS_NODATA, DNS_NXDOMAIN, DNS_OPS_VERSION,
                   DNS_RECORD_VERSION, DNS_RECORDS, DNS_TEMPFAIL, DONE_FN, ECANCELED, EINVAL, OK,
                   QUERY_FN, DnsOps, MailauthError, Record, check, lib, new_handle)
from ._results import results

NXDOMAIN = "nxdomain"
NODATA = "nodata"
TEMPFAIL = "tempfail"
_RCODES = {NXDOMAIN: DNS_NXDOMAIN, NODATA: DNS_NODATA, TEMPFAIL: DNS_TEMPFAIL}

# The program's DNS: an async function (name, rtype) -> records or one of the constants.
Resolver = Callable[[str, str], Awaitable[Any]]

log = logging.getLogger("mailauth")


def _record_data(rtype, rec):
    """(bytes, preference) of one record in the form mailauth_dns_record_t wants."""
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, rec), 0
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, rec), 0
    if rtype == "MX":
        pref, host = rec
        return host.rstrip(".").encode("ascii"), int(pref)
    if rtype == "PTR":
        return rec.rstrip(".").encode("ascii"), 0
    if isinstance(rec, tuple):   # TXT made of several character-strings
        rec = b"".join(s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in rec)
    return (rec.encode("utf-8") if isinstance(rec, str) else bytes(rec)), 0


def encode_answer(rtype, answer, ttl):
    """(rcode, ctypes Record array, buffers to keep alive) for one lookup result."""
    if isinstance(answer, str):
        return _RCODES[answer], None, []
    items = list(answer)
    if not items:
        return DNS_NODATA, None, []
    recs = (Record * len(items))()
    keep = []
    for rec, item in zip(recs, items):
        rec.version = DNS_RECORD_VERSION
        data, pref = _record_data(rtype, item)
        buf = ctypes.create_string_buffer(data, max(len(data), 1))
        keep.append(buf)
        rec.data = ctypes.cast(buf, ctypes.c_void_p)
        rec.len = len(data)
        rec.preference = pref
        rec.ttl = ttl
    return DNS_RECORDS, recs, keep


class AsyncVerifier:
    """Verifies messages on the running event loop; DNS from ``resolver``.

    Create it inside the loop (``async with AsyncVerifier(resolver, ...)``).
    Any number of ``verify()`` calls may run at once: identical questions
    become one lookup, and answers are cached for ``ttl`` seconds (at most
    the library's cap). The other keywords are those of ``Verifier``
    (``authserv_id``, ``now``, ``only``, ``dmarc_mode``, ``trusted_sealers``,
    ``limits``)."""

    def __init__(self, resolver: Resolver, *, ttl: int = 300, authserv_id: Optional[str] = None,
                 now: Optional[float] = None, only: Union[str, Iterable[str], None] = None,
                 dmarc_mode: Union[str, int, None] = None, trusted_sealers: Iterable[str] = (),
                 limits: Optional[Mapping[str, int]] = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._lookup = resolver
        self._ttl = int(ttl)
        self._queries = {}    # mailauth_dns_query_t pointer -> (marker, task)
        self._waiting = {}    # token -> (eval pointer, future)
        self._tokens = itertools.count(1)   # 0 would reach C as NULL
        self._timer = None
        self._callback_error = None
        self._resolver = None
        # The C callbacks: kept on self for as long as the resolver may call them.
        self._c_query = QUERY_FN(self._on_query)
        self._c_cancel = CANCEL_FN(self._on_cancel)
        self._c_destroy = DESTROY_FN(self._on_destroy)
        self._c_done = DONE_FN(self._on_done)
        self._ctx = Context(authserv_id=authserv_id, now=now, dmarc_mode=dmarc_mode,
                            methods=only, trusted_sealers=trusted_sealers, limits=limits)
        ops = DnsOps(DNS_OPS_VERSION, None, self._c_query, self._c_cancel, self._c_destroy)
        try:
            self._resolver = new_handle(lib.mailauth_resolver_new_custom,
                                        "mailauth_resolver_new_custom", self._ctx.ptr,
                                        ctypes.byref(ops))
        except BaseException:
            self._ctx.close()
            raise

    # ---- callbacks from C: never let an exception reach the C frame ----

    def _on_query(self, _ud, q, name, rtype):
        try:
            marker = object()
            task = self._loop.create_task(
                self._answer(q, name.decode("ascii", "replace"),
                             lib.mailauth_dns_type_name(rtype).decode(), marker))
            self._queries[q] = (marker, task)
            return OK
        except BaseException as e:   # any error status: the question becomes TEMPFAIL
            self._callback_error = self._callback_error or e
            return EINVAL

    def _on_cancel(self, _ud, q):
        try:
            entry = self._queries.pop(q, None)
            if entry is not None:
                entry[1].cancel()
        except BaseException as e:
            self._callback_error = self._callback_error or e

    def _on_destroy(self, _ud):
        try:
            for _marker, task in self._queries.values():
                task.cancel()
            self._queries.clear()
        except BaseException as e:
            self._callback_error = self._callback_error or e

    def _on_done(self, ud, _ev, status):
        try:
            entry = self._waiting.get(ud)
            if entry is not None and not entry[1].done():
                entry[1].set_result(status)
        except BaseException as e:
            self._callback_error = self._callback_error or e

    def _reraise(self):
        if self._callback_error is not None:
            e, self._callback_error = self._callback_error, None
            raise e

    # ---- driving the resolver from the loop ----

    async def _answer(self, q, name, rtype, marker):
        try:
            answer = await self._lookup(name, rtype)
            rcode, recs, keep = encode_answer(rtype, answer, self._ttl)
        except asyncio.CancelledError:
            raise
        except Exception:   # a failed lookup is a DNS failure: temperror verdicts
            log.warning("mailauth: lookup %s %s failed; answering TEMPFAIL", rtype, name,
                        exc_info=True)
            rcode, recs, keep = DNS_TEMPFAIL, None, []
        entry = self._queries.get(q)
        if entry is None or entry[0] is not marker:
            return   # canceled meanwhile: must not be answered any more
        del self._queries[q]
        st = lib.mailauth_dns_query_answer(q, rcode, recs, len(recs) if recs else 0)
        del keep   # the library copied the records
        if st == EINVAL:   # a record the library refuses (a bad name): still an answer
            log.warning("mailauth: answer to %s %s refused; answering TEMPFAIL", rtype, name)
            lib.mailauth_dns_query_answer(q, DNS_TEMPFAIL, None, 0)
        self._process()

    def _process(self):
        """Run the evaluations woken by answers or timers, then re-arm the timer."""
        if self._resolver is None:
            return
        lib.mailauth_resolver_process_timeouts(self._resolver)
        self._arm_timer()
        self._reraise()

    def _arm_timer(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._resolver is None:
            return
        ms = lib.mailauth_resolver_timeout_ms(self._resolver)
        if ms >= 0:
            self._timer = self._loop.call_later(ms / 1000.0, self._on_timer)

    def _on_timer(self):
        self._timer = None
        self._process()

    # ---- public ----

    async def verify(self, message: Optional[bytes], *, ip: Optional[Text] = None,
                     helo: Optional[Text] = None,
                     mail_from: Optional[Text] = None) -> dict[str, Any]:
        """Evaluate one message (bytes; None for SPF only); the dict of
        ``mailauth-check --json``. The evaluation is started with
        mailauth_eval_finish() and completes from the loop (answers and the
        timer run mailauth_resolver_process_timeouts())."""
        if self._resolver is None:
            raise ValueError("AsyncVerifier is closed")
        token = next(self._tokens)
        fut = self._loop.create_future()
        ev = start_eval(self._ctx, self._resolver, message, ip, helo, mail_from)
        self._waiting[token] = (ev, fut)
        try:
            self._reraise()
            # OK: the callback will come
            check(lib.mailauth_eval_finish(ev, self._c_done, token), "mailauth_eval_finish")
            self._arm_timer()   # the callback comes from process_timeouts(), even if all is known
            status = await fut
            check(status, "mailauth_eval_finish (callback)")
            return results(ev)
        finally:
            entry = self._waiting.pop(token, None)
            if entry is not None:   # close() frees the evals it finds still waiting
                lib.mailauth_eval_free(ev)
            self._arm_timer()

    def stats(self) -> dict[str, int]:
        """Resolver counters (questions, queries, coalesced, cache_hits, round_trips)."""
        return resolver_stats(self._resolver)

    def close(self) -> None:
        """Free everything; verifications still waiting fail with MAILAUTHECANCELED."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for ev, fut in self._waiting.values():
            lib.mailauth_eval_free(ev)
            if not fut.done():
                fut.set_exception(MailauthError(ECANCELED, "AsyncVerifier.close"))
        self._waiting.clear()
        if self._resolver is not None:
            lib.mailauth_resolver_free(self._resolver)   # calls _on_destroy
            self._resolver = None
        self._ctx.close()
        self._reraise()

    async def __aenter__(self) -> "AsyncVerifier":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


async def verify_async(message: Optional[bytes], *, ip: Optional[Text], helo: Optional[Text],
                       mail_from: Optional[Text], authserv_id: str, resolver: Resolver,
                       now: Optional[float] = None, only: Union[str, Iterable[str], None] = None,
                       dmarc_mode: Union[str, int, None] = None,
                       trusted_sealers: Iterable[str] = (),
                       limits: Optional[Mapping[str, int]] = None) -> dict[str, Any]:
    """``verify()`` on the running asyncio loop, with DNS answered by
    ``await resolver(name, rtype)`` (see the module's doc for what it
    returns). One message with a fresh AsyncVerifier; for many messages
    sharing one DNS cache, use an AsyncVerifier."""
    async with AsyncVerifier(resolver, authserv_id=authserv_id, now=now, only=only,
                             dmarc_mode=dmarc_mode, trusted_sealers=trusted_sealers,
                             limits=limits) as v:
        return await v.verify(message, ip=ip, helo=helo, mail_from=mail_from)
