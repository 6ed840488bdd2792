"""sign(), seal(), keygen(), key_dns_record(), parse_authres().

sign() and seal() give byte for byte what mailauth-sign prints for the same
input (RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic); what they
make verifies (mailauth.verify(), and dkimpy for DKIM where installed);
changing the message afterwards makes it fail; keygen()'s keys sign and
verify, and its DNS line is mailauth-sign's; bad keys and arguments raise
MailauthError with the status name, or ValueError/TypeError."""

import os
import re

import pytest

import mailauth

from helpers import (AUTHSERV_ID, DEMO, KEYS, NOW, cli_zone, data, key_pem, run_sign, tool_path,
                     zone_text)

try:
    import dkim   # dkimpy (Debian python3-dkim, installed by scripts/test)
except ImportError:
    dkim = None

MESSAGE = data("message.eml")   # From: someone@pass.example
# SPF fails from this address, so DMARC can pass only by an aligned DKIM signature.
ENV = {"ip": "198.51.100.1", "helo": "mx.pass.example", "mail_from": "someone@pass.example"}
KEYFILES = {"rsa2048.pkcs8.pem": ("rsa-sha256", 2048), "rsa1024.pkcs1.pem": ("rsa-sha256", 1024),
            "ed25519.pkcs8.pem": ("ed25519-sha256", 256)}
ZONES = [cli_zone("spf.zone"), cli_zone("dkim.zone"), cli_zone("arc.zone")]

needs_sign = pytest.mark.skipif(not tool_path("mailauth-sign"),
                                reason="mailauth-sign not found: set MAILAUTH_SIGN")


def key_zone(selector, record):
    """A zone line publishing `record` at selector._domainkey.pass.example
    (quoted strings of at most 200 characters)."""
    parts = " ".join('"%s"' % record[i:i + 200] for i in range(0, len(record), 200))
    return f"{selector}._domainkey.pass.example TXT {parts}\n"


def verify_signed(signed, selector, pem, **options):
    zone = zone_text("spf.zone", "arc.zone") + key_zone(selector, mailauth.key_dns_record(pem))
    return mailauth.verify(signed, **ENV, zone_text=zone, now=NOW, authserv_id=AUTHSERV_ID,
                           **options)


def tag(field, name):
    """Value of tag `name` in a DKIM-Signature (or ARC) field."""
    value = re.sub(rb"\r?\n[ \t]+", b"", field).decode().split(":", 1)[1]
    for item in value.split(";"):
        k, _, v = item.strip().partition("=")
        if k == name:
            return v.replace(" ", "")
    return None


def first_field(message):
    return re.match(rb"(.*?)\r?\n(?![ \t])", message, re.S).group(1)


# ---- DKIM signing ----

@pytest.mark.parametrize("name", list(KEYFILES))
def test_sign_then_verify_passes_for_each_key(name):
    algorithm, bits = KEYFILES[name]
    pem = key_pem(name)
    signed = mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py", now=NOW,
                           algorithm=algorithm)
    assert signed.endswith(MESSAGE)
    field = first_field(signed)
    assert field.startswith(b"DKIM-Signature: v=1; a=" + algorithm.encode())
    assert (tag(field, "d"), tag(field, "s"), tag(field, "t")) == \
        ("pass.example", "py", str(NOW))
    r = verify_signed(signed, "py", pem)
    assert r["dkim"] == [{"result": "pass", "domain": "pass.example", "selector": "py",
                          "algorithm": algorithm, "key_bits": bits, "reason": None}]
    assert r["spf"]["result"] == "fail"
    assert (r["dmarc"]["result"], r["dmarc"]["dkim_aligned"]) == ("pass", True)


@needs_sign
@pytest.mark.parametrize("name,options,args", [
    ("rsa2048.pkcs8.pem", {}, []),
    ("ed25519.pkcs8.pem", {"canon": "simple/simple"}, ["--canon", "simple/simple"]),
    ("rsa1024.pkcs1.pem", {"headers": ["From", "Subject"], "canon": "relaxed"},
     ["--headers", "From:Subject", "--canon", "relaxed"]),
])
@pytest.mark.parametrize("line_ends", ["crlf", "lf", "mbox"])
def test_sign_equals_mailauth_sign(name, options, args, line_ends):
    msg = MESSAGE
    if line_ends != "crlf":
        msg = msg.replace(b"\r\n", b"\n")
    if line_ends == "mbox":
        msg = b"From someone@pass.example Tue Nov 14 22:13:20 2023\n" + msg
    want = run_sign(["dkim", "--key", os.path.join(KEYS, name), "--domain", "pass.example",
                     "--selector", "py", "--now", str(NOW)] + args, msg)
    got = mailauth.sign(msg, key_pem=key_pem(name), domain="pass.example", selector="py",
                        now=NOW, **options)
    assert got == want


def test_tampered_message_fails():
    pem = key_pem("ed25519.pkcs8.pem")
    signed = mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py", now=NOW)
    for old, new, reason in ((b"Hello.", b"Hello!", "dkim.body-hash"),
                             (b"Subject: cli test", b"Subject: cli TEST", "dkim.signature")):
        r = verify_signed(signed.replace(old, new, 1), "py", pem)
        assert (r["dkim"][0]["result"], r["dkim"][0]["reason"]) == ("fail", reason)
        assert (r["dmarc"]["result"], r["dmarc"]["disposition"]) == ("fail", "reject")
    # An RSA key published for an Ed25519 signature: k= does not fit a=.
    r = verify_signed(signed, "py", key_pem("rsa2048.pkcs8.pem"))
    assert (r["dkim"][0]["result"], r["dkim"][0]["reason"]) == ("permerror", "dkim.key-mismatch")


def test_headers_and_canonicalization():
    pem = key_pem("rsa2048.pkcs8.pem")
    signed = mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py",
                           headers=["From", "Subject"], canon="simple/simple", now=NOW)
    field = first_field(signed)
    assert (tag(field, "h"), tag(field, "c")) == ("From:Subject", "simple/simple")
    assert verify_signed(signed, "py", pem)["dkim"][0]["result"] == "pass"
    # To is not signed: changing it keeps the pass.
    changed = signed.replace(b"To: you@example.net", b"To: them@example.net")
    assert changed != signed
    assert verify_signed(changed, "py", pem)["dkim"][0]["result"] == "pass"
    # Simple body canonicalization sees a trailing blank; relaxed does not.
    assert verify_signed(signed.replace(b"Hello.", b"Hello. "), "py", pem)["dkim"][0][
        "result"] == "fail"
    relaxed = mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py", now=NOW)
    assert verify_signed(relaxed.replace(b"Hello.", b"Hello. "), "py", pem)["dkim"][0][
        "result"] == "pass"
    assert tag(mailauth.signature(MESSAGE, key_pem=pem, domain="pass.example", selector="py",
                                  canon="relaxed", now=NOW), "c") == "relaxed/simple"


@pytest.mark.skipif(dkim is None, reason="dkimpy (python3-dkim) not installed")
def test_dkimpy_verifies_our_signatures():
    for name in ("rsa2048.pkcs8.pem", "ed25519.pkcs8.pem"):
        pem = key_pem(name)
        record = mailauth.key_dns_record(pem).encode()
        signed = mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py")

        def dnsfunc(qname, timeout=5):
            return record if qname in (b"py._domainkey.pass.example.",
                                       "py._domainkey.pass.example.") else None

        assert dkim.verify(signed, dnsfunc=dnsfunc)
        assert not dkim.verify(signed.replace(b"Hello.", b"Bye."), dnsfunc=dnsfunc)


def test_sign_errors():
    pem = key_pem("ed25519.pkcs8.pem")
    for name in ("ec-p256.pem", "rsa2048.encrypted-pkcs8.pem", "ed25519.pub.pem",
                 "rsa-pss1024.pem"):
        with pytest.raises(mailauth.MailauthError) as e:
            mailauth.sign(MESSAGE, key_pem=key_pem(name), domain="pass.example", selector="py")
        assert e.value.status == "MAILAUTH_EINVAL"
        assert "mailauth_key_load_pem" in str(e.value)
    for kw in ({"domain": "localhost"}, {"headers": ["to", "subject"]}):
        args = {"key_pem": pem, "domain": "pass.example", "selector": "py", **kw}
        with pytest.raises(mailauth.MailauthError) as e:
            mailauth.sign(MESSAGE, **args)
        assert e.value.status == "MAILAUTH_EINVAL"
    with pytest.raises(mailauth.MailauthError) as e:
        mailauth.sign(b"Subject: no From\r\n\r\nx\r\n", key_pem=pem, domain="pass.example",
                      selector="py")
    assert e.value.status == "MAILAUTH_EINVAL"
    huge_from = b"From: " + b"x" * (70 * 1024) + b"@pass.example\r\n" + MESSAGE
    with pytest.raises(mailauth.MailauthError) as e:
        mailauth.sign(huge_from, key_pem=pem, domain="pass.example", selector="py")
    assert e.value.status == "MAILAUTH_ELIMIT"
    with pytest.raises(ValueError):
        mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py", canon="fancy")
    with pytest.raises(ValueError, match="does not match"):
        mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="py",
                      algorithm="rsa-sha256")
    with pytest.raises(TypeError):
        mailauth.sign(MESSAGE.decode(), key_pem=pem, domain="pass.example", selector="py")


# ---- ARC sealing ----

ARC_ENV = {"ip": "192.0.2.1", "helo": "mx.pass.example", "mail_from": "someone@pass.example"}


def seal_args(message_env, key="rsa2048.pkcs8.pem", authserv_id="fwd.example"):
    args = ["arc", "--key", os.path.join(KEYS, key), "--domain", "pass.example", "--selector",
            "arc1", "--authserv-id", authserv_id, "--now", str(NOW)]
    for opt, value in (("--ip", message_env.get("ip")), ("--helo", message_env.get("helo")),
                       ("--mail-from", message_env.get("mail_from"))):
        if value is not None:
            args += [opt, value]
    for z in ZONES:
        args += ["--zone", z]
    return args


@needs_sign
@pytest.mark.parametrize("msgname,key,env", [
    ("message.eml", "rsa2048.pkcs8.pem", ARC_ENV),      # no chain yet: cv=none
    ("arc.eml", "ed25519.pkcs8.pem", ARC_ENV),          # a passing chain: cv=pass, i=2
    ("arc.eml", "rsa2048.pkcs8.pem", {}),               # no SMTP client: no SPF
])
def test_seal_equals_mailauth_sign_arc(msgname, key, env):
    msg = data(msgname)
    want = run_sign(seal_args(env, key), msg)
    got = mailauth.seal(msg, key_pem=key_pem(key), domain="pass.example", selector="arc1",
                        authserv_id="fwd.example", zone=ZONES, now=NOW,
                        ip=env.get("ip"), helo=env.get("helo"), mail_from=env.get("mail_from"))
    assert got == want
    assert got.endswith(msg)


def test_sealed_chain_verifies():
    # The sealer's key published as arc1._domainkey.pass.example; a second
    # hop's verifier then finds a passing chain of one more instance.
    pem = key_pem("rsa2048.pkcs8.pem")
    for msgname, instances in (("message.eml", 1), ("arc.eml", 2)):
        sealed = mailauth.seal(data(msgname), key_pem=pem, domain="pass.example",
                               selector="arc1", authserv_id="fwd.example", zone=ZONES, now=NOW,
                               **ARC_ENV)
        assert tag(first_field(sealed), "i") == str(instances)
        assert tag(first_field(sealed), "cv") == ("none" if instances == 1 else "pass")
        zone = zone_text("spf.zone", "dkim.zone", "arc.zone") + \
            key_zone("arc1", mailauth.key_dns_record(pem))
        r = mailauth.verify(sealed, **ARC_ENV, zone_text=zone, now=NOW, authserv_id="mx.example")
        assert (r["arc"]["result"], r["arc"]["instances"]) == ("pass", instances)
        # A body changed after the seal: the newest AMS fails, so the chain does.
        r = mailauth.verify(sealed + b"appended\r\n", **ARC_ENV, zone_text=zone, now=NOW,
                            authserv_id="mx.example")
        assert r["arc"]["result"] == "fail"


def test_seal_errors():
    pem = key_pem("rsa2048.pkcs8.pem")
    with pytest.raises(mailauth.MailauthError) as e:
        mailauth.seal(b"Subject: no From\r\n\r\nx\r\n", key_pem=pem, domain="pass.example",
                      selector="arc1", authserv_id="fwd.example", zone=ZONES, now=NOW, **ARC_ENV)
    assert e.value.status == "MAILAUTH_EINVAL"
    with pytest.raises(mailauth.MailauthError) as e:
        mailauth.seal(MESSAGE, key_pem=pem, domain="pass.example", selector="arc1",
                      authserv_id="not a token", zone=ZONES, now=NOW, **ARC_ENV)
    assert e.value.status == "MAILAUTH_EINVAL"


# ---- keys ----

@pytest.mark.parametrize("algorithm,bits,k", [("rsa-sha256", 1024, "rsa"),
                                              ("rsa-sha256", 2048, "rsa"),
                                              ("ed25519-sha256", 0, "ed25519")])
def test_keygen_key_signs_and_verifies(algorithm, bits, k, tmp_path):
    pem, line = mailauth.keygen(algorithm, bits or 2048, domain="pass.example", selector="gen")
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert re.fullmatch(r'gen\._domainkey\.pass\.example\. TXT( "[^"]{1,255}")+', line)
    record = "".join(re.findall(r'"([^"]*)"', line))
    assert record == mailauth.key_dns_record(pem)
    assert record.startswith(f"v=DKIM1; k={k}; p=")
    signed = mailauth.sign(MESSAGE, key_pem=pem, domain="pass.example", selector="gen", now=NOW)
    zone = zone_text("spf.zone", "arc.zone") + line + "\n"   # the line as a zone file has it
    r = mailauth.verify(signed, **ENV, zone_text=zone, now=NOW, authserv_id=AUTHSERV_ID)
    assert r["dkim"][0]["result"] == "pass"
    assert r["dkim"][0]["key_bits"] == (bits or 256)
    if tool_path("mailauth-sign"):   # the same line as mailauth-sign --dns-record
        keyfile = tmp_path / "k.pem"
        keyfile.write_bytes(pem)
        want = run_sign(["dkim", "--dns-record", "--key", str(keyfile), "--domain",
                         "pass.example", "--selector", "gen"], b"")
        assert want.decode() == line + "\n"


def test_keygen_names_and_sizes():
    _, line = mailauth.keygen("ed25519-sha256", domain="Bücher.example", selector="s1")
    assert line.startswith("s1._domainkey.xn--bcher-kva.example. TXT ")
    assert mailauth.keygen(domain="a.example", selector="s")[0] != \
        mailauth.keygen(domain="a.example", selector="s")[0]
    with pytest.raises(ValueError):
        mailauth.keygen("rsa-sha256", 512, domain="a.example", selector="s")
    with pytest.raises(ValueError):
        mailauth.keygen("dsa", domain="a.example", selector="s")
    with pytest.raises(mailauth.MailauthError) as e:
        mailauth.keygen("ed25519-sha256", domain="not a domain", selector="s")
    assert e.value.status == "MAILAUTH_EINVAL"


def test_key_dns_record():
    assert re.fullmatch(r"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=",
                        mailauth.key_dns_record(key_pem("ed25519.pkcs8.pem")))
    assert mailauth.key_dns_record(key_pem("rsa2048.pkcs1.pem")).startswith(
        "v=DKIM1; k=rsa; p=MIIBIjAN")
    with pytest.raises(mailauth.MailauthError):
        mailauth.key_dns_record(b"not a key")


# ---- Authentication-Results parsing ----

def test_parse_authres_of_a_verdict():
    with open(os.path.join(DEMO, "message.eml"), "rb") as f:
        msg = f.read()
    r = mailauth.verify(msg, ip="198.51.100.17", helo="out1.mailer.example.net",
                        mail_from="alice@example.org", zone=os.path.join(DEMO, "example.zone"),
                        authserv_id="mx.example.net")
    ar = mailauth.parse_authres(r["authentication_results"])
    assert ar["authserv_id"] == "mx.example.net"
    assert ar["skipped"] == 0
    assert [(x["method"], x["result"]) for x in ar["results"]] == [
        ("spf", "pass"), ("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"),
        ("arc", "none"), ("iprev", "pass")]
    dkim_props = {(p["type"], p["property"]): p["value"] for p in ar["results"][2]["properties"]}
    assert dkim_props[("header", "d")] == "example.org"
    assert dkim_props[("header", "s")] == "demo"
    assert ar["results"][2]["comment"] == "2048-bit key"


def test_parse_authres_by_hand():
    ar = mailauth.parse_authres(
        "Authentication-Results: mx.example.com (a comment);\r\n"
        "\tspf=FAIL reason=\"not permitted\" smtp.mailfrom=x@example.org;\r\n"
        "\tdkim=pass header.d=example.org header.d=example.net")
    assert ar["authserv_id"] == "mx.example.com"
    spf, dk = ar["results"]
    assert (spf["method"], spf["result"], spf["reason"]) == ("spf", "fail", "not permitted")
    assert spf["properties"] == [{"type": "smtp", "property": "mailfrom",
                                  "value": "x@example.org"}]
    assert [p["value"] for p in dk["properties"]] == ["example.org", "example.net"]
    none = mailauth.parse_authres("example.net; none")
    assert none["results"] == []
    with pytest.raises(mailauth.MailauthError):
        mailauth.parse_authres("")
