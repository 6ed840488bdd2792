"""mailauth.verify(): the dict equals mailauth-check's --json output (same
keys, same value types, same values) for the same message, envelope, zone,
time and authserv-id; pass and fail verdicts for SPF, DKIM, DMARC and ARC;
hostile input gives verdicts; library errors raise MailauthError."""

import concurrent.futures
import os
import random
import tempfile
import unittest

import mailauth

from helpers import (AUTHSERV_ID, NOW, DnsServer, cli_zone, data, mailauth_check_path,
                     read_zones, run_check, zone_table, zone_text)

ZONES = [cli_zone("spf.zone"), cli_zone("dkim.zone"), cli_zone("arc.zone")]
PASS_ENV = ("192.0.2.1", "mx.pass.example", "someone@pass.example")


def assert_same(test, got, want, path="$"):
    """Equal values and identical JSON types all the way down (True == 1 in
    Python, so plain == would not see a bool where an int belongs)."""
    test.assertIs(type(got), type(want), f"{path}: {got!r} vs {want!r}")
    if isinstance(want, dict):
        test.assertEqual(list(got), list(want), f"{path}: keys")
        for k in want:
            assert_same(test, got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        test.assertEqual(len(got), len(want), f"{path}: length")
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(test, g, w, f"{path}[{i}]")
    else:
        test.assertEqual(got, want, path)


def tamper(message, old, new):
    assert old in message
    return message.replace(old, new, 1)


class SameAsMailauthCheck(unittest.TestCase):
    """Each case runs both mailauth-check --json and mailauth.verify()."""

    def setUp(self):
        if not mailauth_check_path():
            self.skipTest("mailauth-check not found: set MAILAUTH_CHECK")

    def both(self, message, env, zones=ZONES, check_args=(), **options):
        if message is None:   # the tool's --spf-only: no message, SPF alone
            options.setdefault("methods", ["spf"])
        want = run_check(message, zones, *env, extra=check_args)
        got = mailauth.verify(message, *env, zone=read_zones(zones), now=NOW,
                              authserv_id=AUTHSERV_ID, **options)
        assert_same(self, got, want)
        return got

    def test_everything_passes(self):
        r = self.both(data("arc.eml"), PASS_ENV)
        self.assertEqual(r["spf"]["result"], "pass")
        self.assertEqual(r["helo_spf"]["result"], "pass")
        self.assertEqual([(d["result"], d["key_bits"]) for d in r["dkim"]],
                         [("pass", 256), ("pass", 2048)])
        self.assertEqual((r["dmarc"]["result"], r["dmarc"]["policy"]), ("pass", "reject"))
        self.assertEqual((r["arc"]["result"], r["arc"]["instances"]), ("pass", 1))
        self.assertTrue(r["authentication_results"].startswith(
            "Authentication-Results: mx.test.example; spf=pass"))

    def test_changed_header_fails_dkim_and_dmarc(self):
        msg = tamper(data("dkim.eml"), b"Subject: cli dkim test", b"Subject: cli dkim TEST")
        r = self.both(msg, ("198.51.100.1", "mx.pass.example", "someone@pass.example"))
        self.assertEqual(r["spf"]["result"], "fail")
        self.assertEqual([d["result"] for d in r["dkim"]], ["fail", "fail"])
        self.assertEqual(r["dkim"][0]["reason"], "dkim.signature")
        self.assertEqual((r["dmarc"]["result"], r["dmarc"]["disposition"]), ("fail", "reject"))
        self.assertEqual(r["arc"]["result"], "none")

    def test_changed_body_fails_body_hash(self):
        msg = tamper(data("dkim.eml"), b"signed twice", b"signed thrice")
        r = self.both(msg, PASS_ENV)
        self.assertEqual([d["reason"] for d in r["dkim"]], ["dkim.body-hash"] * 2)
        self.assertEqual(r["dmarc"]["result"], "pass")   # by aligned SPF alone
        self.assertEqual((r["dmarc"]["spf_aligned"], r["dmarc"]["dkim_aligned"]), (True, False))

    def test_mailing_list_arc_override(self):
        env = ("198.51.100.7", "list.fwd.example", "bounce@fwd.example")
        r = self.both(data("list.eml"), env, check_args=["--trusted-sealer", "fwd.example"],
                      trusted_sealers=["fwd.example"])
        self.assertEqual((r["dmarc"]["result"], r["dmarc"]["override"]), ("fail", "arc"))
        self.assertEqual(r["arc"]["result"], "pass")
        r = self.both(data("list.eml"), env)
        self.assertIsNone(r["dmarc"]["override"])

    def test_spf_results(self):
        want = {"pass": ("pass", None), "fail": ("fail", None),
                "softfail": ("softfail", None), "neutral": ("neutral", None),
                "none": ("none", "spf.no-record"), "temp": ("temperror", "spf.dns-tempfail"),
                "perm": ("permerror", "spf.syntax"), "nowhere": ("none", "spf.no-record")}
        for label, (result, reason) in want.items():
            with self.subTest(label):
                r = self.both(data("message.eml"),
                              ("192.0.2.1", "mx.pass.example", f"x@{label}.example"))
                self.assertEqual((r["spf"]["result"], r["spf"]["reason"]), (result, reason))

    def test_spf_explanation(self):
        r = self.both(data("message.eml"), ("192.0.2.1", "mx.pass.example", "x@exp.example"))
        self.assertEqual(r["spf"]["explanation"], '192.0.2.1 is not a "server" of exp.example')

    def test_spf_only_null_sender_and_ipv6(self):
        r = self.both(None, ("192.0.2.1", "mx.pass.example", ""))
        self.assertEqual((r["spf"]["domain"], r["spf"]["result"]), ("mx.pass.example", "pass"))
        self.assertEqual((r["dkim"], r["dmarc"], r["arc"]), (None, None, None))
        r = self.both(None, ("2001:db8::1", "mx.pass.example", "a@pass.example"))
        self.assertEqual(r["spf"]["result"], "fail")

    def test_dmarc_tree_walk_and_method_subset(self):
        r = self.both(data("arc.eml"), PASS_ENV, check_args=["--dmarc-mode", "9989"],
                      dmarc_mode="9989")
        self.assertEqual((r["dmarc"]["result"], r["dmarc"]["discovery"]), ("pass", "treewalk"))
        r = self.both(data("arc.eml"), PASS_ENV, check_args=["--only", "spf,dkim"],
                      methods=["spf", "dkim"])
        self.assertEqual((r["dmarc"], r["arc"]), (None, None))
        self.assertEqual(len(r["dkim"]), 2)

    def test_no_signature_is_empty_list_not_null(self):
        r = self.both(data("message.eml"), PASS_ENV)
        self.assertEqual(r["dkim"], [])
        self.assertEqual((r["arc"]["result"], r["arc"]["reason"]), ("none", "arc.no-sets"))

    def test_bytes_that_are_not_utf8(self):
        # Every byte that does not start well-formed UTF-8 becomes one U+FFFD,
        # exactly as the tool writes it.
        with tempfile.NamedTemporaryFile("w", suffix=".zone", delete=False) as f:
            f.write('expl.example TXT "v=spf1 -all exp=e.expl.example"\n'
                    'e.expl.example TXT "bad %{l} here %{h}"\n')
        self.addCleanup(os.unlink, f.name)
        env = ("192.0.2.1", b"h\xe2\x82\x01.example", b"\xe2\x82x\xff\x7f\"@expl.example")
        r = self.both(None, env, zones=[f.name])
        self.assertEqual(r["spf"]["explanation"],
                         'bad \ufffd\ufffdx\ufffd\x7f" here h\ufffd\ufffd\x01.example')
        self.assertEqual(r["helo_spf"]["reason"], "spf.bad-domain")

    def test_hostile_messages(self):
        rng = random.Random(7)
        cases = {
            "garbage": rng.randbytes(8192),
            "nul and bare cr": b"From: a@pass.example\r\nSubject: \0\r\r\n\r\n\0body\r",
            "no blank line": b"From: a@pass.example\nSubject: x",
            "empty": b"",
            "huge header": (b"Subject: " + b"x" * 200_000 +
                            b"\r\nFrom: a@pass.example\r\n\r\nb\r\n"),
            "many fields": b"X-A: 1\r\n" * 3000 + b"From: a@pass.example\r\n\r\nbody\r\n",
            "bad signature": b"DKIM-Signature: v=1; a=rsa-sha256; d=b\xe2\x82ad.example; "
                             b"s=s\xc3\xa9l\x01; h=from; bh=AAAA; b=AAAA\r\n"
                             b"From: A <a@b\xe2\x82ad.example>\r\n\r\nbody\r\n",
        }
        for label, msg in cases.items():
            with self.subTest(label):
                r = self.both(msg, PASS_ENV)
                self.assertEqual(r["spf"]["result"], "pass")
                self.assertIn(r["dmarc"]["result"], ("pass", "permerror", "none"))


class VerifyBehaviour(unittest.TestCase):
    """Behaviour of the binding itself (no mailauth-check needed)."""

    def verify(self, message, *env, **kw):
        kw.setdefault("zone", zone_text("spf.zone", "dkim.zone", "arc.zone"))
        kw.setdefault("authserv_id", AUTHSERV_ID)
        return mailauth.verify(message, *env, now=NOW, **kw)

    def test_signature_expires_with_time(self):
        msg = data("dkim.eml")
        self.assertEqual(self.verify(msg, *PASS_ENV)["dkim"][0]["result"], "pass")
        # t=1699999000: a clock far before it makes the signature come from the future.
        r = mailauth.verify(msg, *PASS_ENV, zone=zone_text("spf.zone", "dkim.zone"),
                            now=1600000000, authserv_id=AUTHSERV_ID)
        self.assertEqual(r["dkim"][0]["reason"], "dkim.future")

    def test_verifier_reuses_its_cache(self):
        with mailauth.Verifier(zone_text("spf.zone", "dkim.zone", "arc.zone"), now=NOW,
                               authserv_id=AUTHSERV_ID) as v:
            first = v.verify(data("arc.eml"), *PASS_ENV)
            second = v.verify(data("arc.eml"), *PASS_ENV)
            stats = v.stats()
        self.assertEqual(first, second)
        self.assertGreater(stats["cache_hits"], 0)

    def test_threads(self):
        # ctypes releases the GIL in finish_sync(); the pinned clock is a Python
        # callback that takes it back, from four threads at once.
        want = self.verify(data("arc.eml"), *PASS_ENV)
        zone = zone_text("spf.zone", "dkim.zone", "arc.zone")
        shared = mailauth.Verifier(zone, now=NOW, authserv_id=AUTHSERV_ID)
        self.addCleanup(shared.close)

        def work():
            with mailauth.Verifier(zone, now=NOW, authserv_id=AUTHSERV_ID) as own:
                return [own.verify(data("arc.eml"), *PASS_ENV),
                        shared.verify(data("arc.eml"), *PASS_ENV)]

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = [r for rs in pool.map(lambda _: work(), range(8)) for r in rs]
        self.assertEqual(results, [want] * 16)

    def test_system_resolver_path_through_cares(self):
        # Without zone text the c-ares driver asks a DNS server: here one on
        # 127.0.0.1 serving the same records.
        server = DnsServer(zone_table(zone_text("spf.zone", "dkim.zone", "arc.zone")))
        self.addCleanup(server.close)
        via_dns = mailauth.verify(data("arc.eml"), *PASS_ENV, dns_servers=server.address,
                                  now=NOW, authserv_id=AUTHSERV_ID)
        self.assertEqual(via_dns, self.verify(data("arc.eml"), *PASS_ENV))
        self.assertGreater(server.queries, 0)

    def test_errors_carry_the_status_name(self):
        with self.assertRaises(mailauth.MailauthError) as cm:
            self.verify(data("message.eml"), "not-an-ip", "h.example", "a@b.example")
        self.assertEqual(cm.exception.status, "MAILAUTH_EINVAL")
        self.assertEqual(cm.exception.code, 3)
        self.assertIn("ip", str(cm.exception))
        with self.assertRaises(mailauth.MailauthError) as cm:
            self.verify(None, *PASS_ENV, zone=data("bad.zone").decode())
        self.assertEqual(cm.exception.status, "MAILAUTH_EINVAL")
        self.assertIn("line 3", str(cm.exception))
        with self.assertRaises(mailauth.MailauthError) as cm:
            self.verify(None, *PASS_ENV, authserv_id="bad id;")
        self.assertEqual(cm.exception.status, "MAILAUTH_EINVAL")
        with self.assertRaises(mailauth.MailauthError) as cm:
            self.verify(None, *PASS_ENV, limits={"dns-queries": 0})
        self.assertEqual(cm.exception.status, "MAILAUTH_EINVAL")

    def test_python_side_argument_errors(self):
        with self.assertRaises(TypeError):
            self.verify("From: text, not bytes\r\n\r\n", *PASS_ENV)
        with self.assertRaises(ValueError):
            self.verify(b"", *PASS_ENV, dmarc_mode="5")
        with self.assertRaises(ValueError):
            self.verify(b"", "192.0.2.1\0", "h", "a@b")
        with self.assertRaises(ValueError):
            self.verify(b"", *PASS_ENV, methods=["spf", "bimi"])

    def test_library_version(self):
        self.assertRegex(mailauth.library_version(), r"^\d+\.\d+\.\d+$")


if __name__ == "__main__":
    unittest.main()
