"""verify_async() and AsyncVerifier: DNS answered by the program's async
resolver function through mailauth's custom resolver, late and out of
order, several messages at once on one loop; the verdicts equal those of
the zone resolver on the same records (and so mailauth-check's). Timeouts,
cancellation, closing with evaluations in flight, failing lookups."""

import asyncio
import logging
import time
import zlib

import pytest

import mailauth

from helpers import AUTHSERV_ID, NOW, data, table_answer, zone_table, zone_text

ZONE = zone_text("spf.zone", "dkim.zone", "arc.zone")
PASS_ENV = ("192.0.2.1", "mx.pass.example", "someone@pass.example")
CASES = [
    (data("arc.eml"), PASS_ENV),
    (data("dkim.eml").replace(b"cli dkim test", b"changed"), PASS_ENV),
    (data("list.eml"), ("198.51.100.7", "list.fwd.example", "bounce@fwd.example")),
    (data("message.eml"), ("192.0.2.1", "mx.pass.example", "x@temp.example")),
    (data("message.eml"), ("192.0.2.1", "mx.pass.example", "x@exp.example")),
    (None, ("2001:db8::1", "mx.pass.example", "")),
]


def envkw(env):
    return dict(zip(("ip", "helo", "mail_from"), env))


class TableDns:
    """The program's 'DNS': the zone's records, each answered after a delay
    of 1 to 30 ms that depends on the question, so answers overtake
    earlier questions. Records the order of questions and answers."""

    def __init__(self, hang=(), fail=()):
        self.table = zone_table(ZONE)
        self.hang, self.fail = set(hang), set(fail)
        self.asked, self.answered, self.canceled = [], [], []

    async def lookup(self, name, rtype):
        key = (name, rtype)
        self.asked.append(key)
        try:
            if key in self.hang:
                await asyncio.Event().wait()   # never answers
            await asyncio.sleep((zlib.crc32(f"{name}/{rtype}".encode()) % 30 + 1) / 1000)
        except asyncio.CancelledError:
            self.canceled.append(key)
            raise
        if key in self.fail:
            raise OSError("the DNS client failed")
        self.answered.append(key)
        return table_answer(self.table, name, rtype)

    def out_of_order(self):
        return sum(1 for i, key in enumerate(self.answered)
                   if any(self.asked.index(k) > self.asked.index(key)
                          for k in self.answered[:i]))


def sync_verify(message, env, **options):
    return mailauth.verify(message, **envkw(env), zone_text=ZONE, now=NOW,
                           authserv_id=AUTHSERV_ID, **options)


def run(coro):
    return asyncio.run(coro)


def test_concurrent_out_of_order_equals_zone():
    dns = TableDns()

    async def main():
        async with mailauth.AsyncVerifier(dns.lookup, now=NOW, authserv_id=AUTHSERV_ID) as v:
            got = await asyncio.gather(*[v.verify(msg, **envkw(env)) for msg, env in CASES * 2])
            return got, v.stats()

    got, stats = run(main())
    for (msg, env), result in zip(CASES * 2, got):
        assert result == sync_verify(msg, env)
    assert got[0]["dmarc"]["result"] == "pass"
    assert got[1]["dkim"][0]["result"] == "fail"
    assert got[3]["spf"]["result"] == "temperror"
    assert dns.out_of_order() > 0, "some answers overtook earlier questions"
    # Twelve evaluations of six messages: identical questions became one lookup.
    assert len(dns.asked) == len(set(dns.asked))
    assert stats["coalesced"] + stats["cache_hits"] > 0
    assert stats["queries"] == len(dns.asked)


def test_verify_async_calls_side_by_side():
    # Separate verify_async() calls (each its own resolver) on one loop.
    dns = TableDns()

    async def main():
        return await asyncio.gather(*[
            mailauth.verify_async(msg, **envkw(env), authserv_id=AUTHSERV_ID,
                                  resolver=dns.lookup, now=NOW) for msg, env in CASES])

    for (msg, env), result in zip(CASES, run(main())):
        assert result == sync_verify(msg, env)


def test_resolver_in_a_thread():
    table = zone_table(ZONE)

    def blocking(name, rtype):   # a blocking DNS client on a worker thread
        time.sleep(0.002)
        return table_answer(table, name, rtype)

    async def main():
        loop = asyncio.get_running_loop()

        async def resolver(name, rtype):
            return await loop.run_in_executor(None, blocking, name, rtype)

        return await mailauth.verify_async(data("arc.eml"), **envkw(PASS_ENV),
                                           resolver=resolver, now=NOW, authserv_id=AUTHSERV_ID)

    assert run(main()) == sync_verify(data("arc.eml"), PASS_ENV)


def test_unanswered_question_times_out():
    dns = TableDns(hang=[("_dmarc.pass.example", "TXT")])

    async def main():
        r = await mailauth.verify_async(data("arc.eml"), **envkw(PASS_ENV), resolver=dns.lookup,
                                        now=NOW, authserv_id=AUTHSERV_ID,
                                        limits={"dns-timeout-ms": 300})
        await asyncio.sleep(0)
        return r

    start = time.monotonic()
    r = run(main())
    assert time.monotonic() - start < 5
    assert (r["dmarc"]["result"], r["spf"]["result"]) == ("temperror", "pass")
    assert ("_dmarc.pass.example", "TXT") in dns.canceled


def test_failing_lookup_and_bad_answer_are_tempfail(caplog):
    dns = TableDns(fail=[("pass.example", "TXT")])

    async def resolver(name, rtype):
        if name == "mx.pass.example" and rtype == "A":
            return ["not an address"]
        return await dns.lookup(name, rtype)

    with caplog.at_level(logging.WARNING, logger="mailauth"):
        r = run(mailauth.verify_async(None, **envkw(PASS_ENV), resolver=resolver, now=NOW,
                                      authserv_id=AUTHSERV_ID))
    assert r["spf"]["result"] == "temperror"
    assert r["helo_spf"]["result"] == "temperror"   # its a mechanism got no address
    assert len([rec for rec in caplog.records if rec.name == "mailauth"]) == 2


def test_answer_the_library_refuses_is_tempfail(caplog):
    dns = TableDns()

    async def resolver(name, rtype):
        if name == "_dmarc.pass.example":
            return ["v=DMARC1; p=none; " + "x" * 70000]   # RDLENGTH is 16 bits
        return await dns.lookup(name, rtype)

    with caplog.at_level(logging.WARNING, logger="mailauth"):
        r = run(mailauth.verify_async(data("arc.eml"), **envkw(PASS_ENV), resolver=resolver,
                                      now=NOW, authserv_id=AUTHSERV_ID))
    assert (r["dmarc"]["result"], r["spf"]["result"]) == ("temperror", "pass")
    assert any("refused" in rec.getMessage() for rec in caplog.records)


def test_cancel_a_verification():
    dns = TableDns(hang=[("pass.example", "TXT")])

    async def main():
        async with mailauth.AsyncVerifier(dns.lookup, now=NOW, authserv_id=AUTHSERV_ID,
                                          limits={"dns-timeout-ms": 300}) as v:
            task = asyncio.create_task(v.verify(data("arc.eml"), **envkw(PASS_ENV)))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The evaluation is freed; its question stays in flight for the
            # cache until it is answered or, here, the resolver's own timer
            # gives it up and cancels the lookup.
            assert dns.canceled == []
            for _ in range(300):   # up to 3 s on a loaded machine; about 0.3 s normally
                if dns.canceled:
                    break
                await asyncio.sleep(0.01)
            assert dns.canceled == [("pass.example", "TXT")]
            dns.hang.clear()
            return await v.verify(data("arc.eml"), **envkw(PASS_ENV))   # asked again

    assert run(main()) == sync_verify(data("arc.eml"), PASS_ENV)
    assert dns.asked.count(("pass.example", "TXT")) == 2


def test_close_with_verifications_in_flight():
    dns = TableDns(hang=[("pass.example", "TXT")])

    async def main():
        v = mailauth.AsyncVerifier(dns.lookup, now=NOW, authserv_id=AUTHSERV_ID)
        task = asyncio.create_task(v.verify(data("arc.eml"), **envkw(PASS_ENV)))
        await asyncio.sleep(0.05)
        v.close()
        with pytest.raises(mailauth.MailauthError) as e:
            await task
        assert e.value.status == "MAILAUTH_ECANCELED"
        with pytest.raises(ValueError):
            await v.verify(data("arc.eml"), **envkw(PASS_ENV))

    run(main())
