"""AsyncVerifier: DNS answered by an asyncio lookup through mailauth's
custom resolver, late and out of order; the verdicts equal those of the
zone resolver on the same records. Timeouts, cancellation, closing with
evaluations in flight, failing lookups."""

import asyncio
import time
import zlib

import unittest

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
    return mailauth.verify(message, *env, zone=ZONE, now=NOW, authserv_id=AUTHSERV_ID,
                           **options)


class AsyncVerify(unittest.IsolatedAsyncioTestCase):

    async def test_concurrent_out_of_order_equals_zone(self):
        dns = TableDns()
        async with mailauth.AsyncVerifier(dns.lookup, now=NOW, authserv_id=AUTHSERV_ID) as v:
            jobs = [v.verify(msg, *env) for msg, env in CASES * 2]
            got = await asyncio.gather(*jobs)
            stats = v.stats()
        for (msg, env), result in zip(CASES * 2, got):
            self.assertEqual(result, sync_verify(msg, env))
        self.assertEqual(got[0]["dmarc"]["result"], "pass")
        self.assertEqual(got[1]["dkim"][0]["result"], "fail")
        self.assertEqual(got[3]["spf"]["result"], "temperror")
        self.assertGreater(dns.out_of_order(), 0, "some answers overtook earlier questions")
        # Twelve evaluations of six messages: identical questions became one lookup.
        self.assertEqual(len(dns.asked), len(set(dns.asked)))
        self.assertGreater(stats["coalesced"] + stats["cache_hits"], 0)
        self.assertEqual(stats["queries"], len(dns.asked))

    async def test_lookup_in_a_thread(self):
        table = zone_table(ZONE)
        loop = asyncio.get_running_loop()

        def blocking(name, rtype):   # a blocking DNS client on a worker thread
            time.sleep(0.002)
            return table_answer(table, name, rtype)

        async def lookup(name, rtype):
            return await loop.run_in_executor(None, blocking, name, rtype)

        r = await mailauth.verify_async(data("arc.eml"), *PASS_ENV, lookup=lookup, now=NOW,
                                        authserv_id=AUTHSERV_ID)
        self.assertEqual(r, sync_verify(data("arc.eml"), PASS_ENV))

    async def test_unanswered_question_times_out(self):
        dns = TableDns(hang=[("_dmarc.pass.example", "TXT")])
        start = time.monotonic()
        r = await mailauth.verify_async(data("arc.eml"), *PASS_ENV, lookup=dns.lookup, now=NOW,
                                        authserv_id=AUTHSERV_ID,
                                        limits={"dns-timeout-ms": 300})
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual((r["dmarc"]["result"], r["spf"]["result"]), ("temperror", "pass"))
        await asyncio.sleep(0)
        self.assertIn(("_dmarc.pass.example", "TXT"), dns.canceled)

    async def test_failing_lookup_and_bad_answer_are_tempfail(self):
        dns = TableDns(fail=[("pass.example", "TXT")])

        async def lookup(name, rtype):
            if name == "mx.pass.example" and rtype == "A":
                return ["not an address"]
            return await dns.lookup(name, rtype)

        with self.assertLogs("mailauth", "WARNING") as logs:
            r = await mailauth.verify_async(None, *PASS_ENV, lookup=lookup, now=NOW,
                                            authserv_id=AUTHSERV_ID)
        self.assertEqual(r["spf"]["result"], "temperror")
        self.assertEqual(r["helo_spf"]["result"], "temperror")   # its a mechanism got no address
        self.assertEqual(len(logs.records), 2)

    async def test_answer_the_library_refuses_is_tempfail(self):
        dns = TableDns()

        async def lookup(name, rtype):
            if name == "_dmarc.pass.example":
                return ["v=DMARC1; p=none; " + "x" * 70000]   # RDLENGTH is 16 bits
            return await dns.lookup(name, rtype)

        with self.assertLogs("mailauth", "WARNING") as logs:
            r = await mailauth.verify_async(data("arc.eml"), *PASS_ENV, lookup=lookup, now=NOW,
                                            authserv_id=AUTHSERV_ID)
        self.assertEqual((r["dmarc"]["result"], r["spf"]["result"]), ("temperror", "pass"))
        self.assertIn("refused", logs.output[0])

    async def test_cancel_a_verification(self):
        dns = TableDns(hang=[("pass.example", "TXT")])
        async with mailauth.AsyncVerifier(dns.lookup, now=NOW, authserv_id=AUTHSERV_ID,
                                          limits={"dns-timeout-ms": 300}) as v:
            task = asyncio.create_task(v.verify(data("arc.eml"), *PASS_ENV))
            await asyncio.sleep(0.05)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            # The evaluation is freed; its question stays in flight for the
            # cache until it is answered or, here, the resolver's own timer
            # gives it up and cancels the lookup.
            self.assertEqual(dns.canceled, [])
            for _ in range(300):   # up to 3 s on a loaded machine; about 0.3 s normally
                if dns.canceled:
                    break
                await asyncio.sleep(0.01)
            self.assertEqual(dns.canceled, [("pass.example", "TXT")])
            dns.hang.clear()
            r = await v.verify(data("arc.eml"), *PASS_ENV)   # asked again, answered
        self.assertEqual(r, sync_verify(data("arc.eml"), PASS_ENV))
        self.assertEqual(dns.asked.count(("pass.example", "TXT")), 2)

    async def test_close_with_verifications_in_flight(self):
        dns = TableDns(hang=[("pass.example", "TXT")])
        v = mailauth.AsyncVerifier(dns.lookup, now=NOW, authserv_id=AUTHSERV_ID)
        task = asyncio.create_task(v.verify(data("arc.eml"), *PASS_ENV))
        await asyncio.sleep(0.05)
        v.close()
        with self.assertRaises(mailauth.MailauthError) as cm:
            await task
        self.assertEqual(cm.exception.status, "MAILAUTH_ECANCELED")
        with self.assertRaises(ValueError):
            await v.verify(data("arc.eml"), *PASS_ENV)


if __name__ == "__main__":
    unittest.main()
