"""mailauth.sign(): the DKIM-Signature it makes verifies (mailauth.verify()
with the key's record from mailauth.key_dns_record(), and dkimpy for RSA);
changing the message afterwards makes it fail; bad keys and arguments
raise MailauthError with the status name."""

import unittest

import mailauth

from helpers import AUTHSERV_ID, NOW, data, key_pem, zone_text

try:
    import dkim   # dkimpy (Debian python3-dkim, installed by scripts/test)
except ImportError:
    dkim = None

MESSAGE = data("message.eml")   # From: someone@pass.example
# SPF fails from this address, so DMARC can pass only by an aligned DKIM signature.
ENV = ("198.51.100.1", "mx.pass.example", "someone@pass.example")
KEYS = {"rsa2048.pkcs8.pem": ("rsa-sha256", 2048), "rsa1024.pkcs1.pem": ("rsa-sha256", 1024),
        "ed25519.pkcs8.pem": ("ed25519-sha256", 256)}


def key_zone(selector, record):
    """A zone line publishing `record` at selector._domainkey.pass.example
    (quoted strings of at most 200 characters)."""
    parts = " ".join('"%s"' % record[i:i + 200] for i in range(0, len(record), 200))
    return f"{selector}._domainkey.pass.example TXT {parts}\n"


def verify_signed(signed, selector, pem, **options):
    zone = zone_text("spf.zone", "arc.zone") + key_zone(selector,
                                                         mailauth.key_dns_record(pem))
    return mailauth.verify(signed, *ENV, zone=zone, now=NOW, authserv_id=AUTHSERV_ID,
                           **options)


def tag(field, name):
    """Value of tag `name` in an (unfolded) DKIM-Signature field."""
    value = field.decode().split(":", 1)[1].replace("\r\n", "").replace("\t", "")
    for item in value.split(";"):
        k, _, v = item.strip().partition("=")
        if k == name:
            return v.replace(" ", "")
    return None


class SignRoundTrip(unittest.TestCase):

    def test_sign_then_verify_passes_for_each_key(self):
        for name, (algorithm, bits) in KEYS.items():
            with self.subTest(name):
                pem = key_pem(name)
                field = mailauth.sign(MESSAGE, pem, "pass.example", "py", now=NOW)
                self.assertTrue(field.startswith(b"DKIM-Signature: v=1; a=" +
                                                 algorithm.encode()))
                self.assertFalse(field.endswith(b"\r\n"))
                self.assertEqual((tag(field, "d"), tag(field, "s"), tag(field, "t")),
                                 ("pass.example", "py", str(NOW)))
                r = verify_signed(field + b"\r\n" + MESSAGE, "py", pem)
                self.assertEqual(r["dkim"], [{
                    "result": "pass", "domain": "pass.example", "selector": "py",
                    "algorithm": algorithm, "key_bits": bits, "reason": None}])
                self.assertEqual(r["spf"]["result"], "fail")
                self.assertEqual((r["dmarc"]["result"], r["dmarc"]["dkim_aligned"]),
                                 ("pass", True))

    def test_tampered_message_fails(self):
        pem = key_pem("ed25519.pkcs8.pem")
        signed = mailauth.sign(MESSAGE, pem, "pass.example", "py", now=NOW) + b"\r\n" + MESSAGE
        cases = {b"Hello.": (b"Hello!", "dkim.body-hash"),
                 b"Subject: cli test": (b"Subject: cli TEST", "dkim.signature")}
        for old, (new, reason) in cases.items():
            with self.subTest(reason):
                r = verify_signed(signed.replace(old, new, 1), "py", pem)
                self.assertEqual((r["dkim"][0]["result"], r["dkim"][0]["reason"]),
                                 ("fail", reason))
                self.assertEqual((r["dmarc"]["result"], r["dmarc"]["disposition"]),
                                 ("fail", "reject"))
        # An RSA key published for an Ed25519 signature: k= does not fit a=.
        r = verify_signed(signed, "py", key_pem("rsa2048.pkcs8.pem"))
        self.assertEqual((r["dkim"][0]["result"], r["dkim"][0]["reason"]),
                         ("permerror", "dkim.key-mismatch"))
        # Another RSA key than the signer's: the signature does not verify.
        field = mailauth.sign(MESSAGE, key_pem("rsa2048.pkcs8.pem"), "pass.example", "py",
                              now=NOW)
        signed = field + b"\r\n" + MESSAGE
        r = verify_signed(signed, "py", key_pem("rsa1024.pkcs8.pem"))
        self.assertEqual((r["dkim"][0]["result"], r["dkim"][0]["reason"]),
                         ("fail", "dkim.signature"))

    def test_headers_and_canonicalization(self):
        pem = key_pem("rsa2048.pkcs8.pem")
        field = mailauth.sign(MESSAGE, pem, "pass.example", "py", headers=["From", "Subject"],
                              canon="simple/simple", now=NOW)
        self.assertEqual((tag(field, "h"), tag(field, "c")), ("From:Subject", "simple/simple"))
        signed = field + b"\r\n" + MESSAGE
        self.assertEqual(verify_signed(signed, "py", pem)["dkim"][0]["result"], "pass")
        # To is not signed: changing it keeps the pass.
        unsigned_change = signed.replace(b"To: you@example.net", b"To: them@example.net")
        self.assertEqual(verify_signed(unsigned_change, "py", pem)["dkim"][0]["result"], "pass")
        # Simple body canonicalization sees a trailing blank; relaxed does not.
        spaced = signed.replace(b"Hello.", b"Hello. ")
        self.assertEqual(verify_signed(spaced, "py", pem)["dkim"][0]["result"], "fail")
        relaxed = mailauth.sign(MESSAGE, pem, "pass.example", "py", canon="relaxed",
                                now=NOW)
        self.assertEqual(tag(relaxed, "c"), "relaxed/simple")   # RFC 6376 §3.5 default body
        relaxed_both = mailauth.sign(MESSAGE, pem, "pass.example", "py", now=NOW)
        spaced = (relaxed_both + b"\r\n" + MESSAGE).replace(b"Hello.", b"Hello. ")
        self.assertEqual(verify_signed(spaced, "py", pem)["dkim"][0]["result"], "pass")

    @unittest.skipUnless(dkim, "dkimpy (python3-dkim) not installed")
    def test_dkimpy_verifies_our_rsa_signature(self):
        pem = key_pem("rsa2048.pkcs8.pem")
        record = mailauth.key_dns_record(pem).encode()
        signed = mailauth.sign(MESSAGE, pem, "pass.example", "py") + b"\r\n" + MESSAGE
        signed = signed.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

        def dnsfunc(name, timeout=5):
            return record if name in (b"py._domainkey.pass.example.",
                                      "py._domainkey.pass.example.") else None

        self.assertTrue(dkim.verify(signed, dnsfunc=dnsfunc))
        self.assertFalse(dkim.verify(signed.replace(b"Hello.", b"Bye."), dnsfunc=dnsfunc))

    def test_field_over_the_limit_is_left_unsigned(self):
        # A 70 KiB Subject is over the header limit (64 KiB): signed
        # without it, and a verifier that sees it (dkimpy) still passes.
        pem = key_pem("rsa2048.pkcs8.pem")
        big = MESSAGE.replace(b"Subject: cli test", b"Subject: " + b"x" * (70 * 1024), 1)
        self.assertNotEqual(big, MESSAGE)
        field = mailauth.sign(big, pem, "pass.example", "py", now=NOW)
        self.assertNotIn("subject", tag(field, "h").lower().split(":"))
        signed = field + b"\r\n" + big
        self.assertEqual(verify_signed(signed, "py", pem)["dkim"][0]["result"], "pass")
        if dkim is not None:
            record = mailauth.key_dns_record(pem).encode()
            self.assertTrue(dkim.verify(signed, dnsfunc=lambda name, timeout=5: record))
        # Nothing is signed when From itself is over the limit.
        huge_from = b"From: " + b"x" * (70 * 1024) + b"@pass.example\r\n" + big
        with self.assertRaises(mailauth.MailauthError) as cm:
            mailauth.sign(huge_from, pem, "pass.example", "py", now=NOW)
        self.assertEqual(cm.exception.status, "MAILAUTH_ELIMIT")

    def test_key_record(self):
        self.assertRegex(mailauth.key_dns_record(key_pem("ed25519.pkcs8.pem")),
                         r"^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$")
        self.assertTrue(mailauth.key_dns_record(key_pem("rsa2048.pkcs1.pem")).startswith(
            "v=DKIM1; k=rsa; p=MIIBIjAN"))


class SignErrors(unittest.TestCase):

    def assert_status(self, status, fn, *args, **kw):
        with self.assertRaises(mailauth.MailauthError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.status, status)
        return cm.exception

    def test_refused_keys(self):
        for name in ("ec-p256.pem", "rsa2048.encrypted-pkcs8.pem", "ed25519.pub.pem",
                     "rsa-pss1024.pem"):
            with self.subTest(name):
                e = self.assert_status("MAILAUTH_EINVAL", mailauth.sign, MESSAGE,
                                       key_pem(name), "pass.example", "py")
                self.assertIn("mailauth_key_load_pem", str(e))
        self.assert_status("MAILAUTH_EINVAL", mailauth.key_dns_record, b"not a key")

    def test_refused_arguments(self):
        pem = key_pem("ed25519.pkcs8.pem")
        self.assert_status("MAILAUTH_EINVAL", mailauth.sign, b"Subject: no From\r\n\r\nx\r\n",
                           pem, "pass.example", "py")
        self.assert_status("MAILAUTH_EINVAL", mailauth.sign, MESSAGE, pem, "localhost", "py")
        self.assert_status("MAILAUTH_EINVAL", mailauth.sign, MESSAGE, pem, "pass.example",
                           "py", headers=["to", "subject"])
        with self.assertRaises(ValueError):
            mailauth.sign(MESSAGE, pem, "pass.example", "py", canon="fancy")
        with self.assertRaises(TypeError):
            mailauth.sign(MESSAGE.decode(), pem, "pass.example", "py")


if __name__ == "__main__":
    unittest.main()
