"""mailauth.verify(): the dict equals mailauth-check's --json output (same
keys, same value types, same values) for the same message, envelope, zone,
time and authserv-id; pass and fail verdicts for SPF, DKIM, DMARC, ARC and
iprev; hostile input gives verdicts; library errors raise MailauthError."""

import concurrent.futures
import os
import random

import pytest

import mailauth

from helpers import (AUTHSERV_ID, DEMO, NOW, DnsServer, cli_zone, data, mailauth_check_path,
                     run_check, zone_table, zone_text)

ZONES = [cli_zone("spf.zone"), cli_zone("dkim.zone"), cli_zone("arc.zone")]
DEMO_ZONE = os.path.join(DEMO, "example.zone")
PASS_ENV = ("192.0.2.1", "mx.pass.example", "someone@pass.example")
DEMO_ENV = ("198.51.100.17", "out1.mailer.example.net", "alice@example.org")

needs_check = pytest.mark.skipif(not mailauth_check_path(),
                                 reason="mailauth-check not found: set MAILAUTH_CHECK")


def assert_same(got, want, path="$"):
    """Equal values and identical JSON types all the way down (True == 1 in
    Python, so plain == would not see a bool where an int belongs)."""
    assert type(got) is type(want), f"{path}: {got!r} vs {want!r}"
    if isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys"
        for k in want:
            assert_same(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), f"{path}: length"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]")
    else:
        assert got == want, path


def tamper(message, old, new):
    assert old in message
    return message.replace(old, new, 1)


def both(message, env, zones=ZONES, check_args=(), **options):
    """mailauth-check --json and mailauth.verify() on the same input: equal."""
    if message is None:   # the tool's --spf-only: no message, SPF alone
        options.setdefault("only", ["spf"])
    want = run_check(message, zones, *env, extra=check_args)
    ip, helo, mail_from = env
    got = mailauth.verify(message, ip=ip, helo=helo, mail_from=mail_from, zone=zones, now=NOW,
                          authserv_id=AUTHSERV_ID, **options)
    assert_same(got, want)
    return got


def demo_message(old=None, new=None):
    with open(os.path.join(DEMO, "message.eml"), "rb") as f:
        msg = f.read()
    return msg if old is None else tamper(msg, old, new)


# ---- the demo zone: the message as sent, altered, and from elsewhere ----

@needs_check
def test_demo_message_passes():
    r = both(demo_message(), DEMO_ENV, zones=[DEMO_ZONE])
    assert (r["spf"]["result"], r["dmarc"]["result"], r["iprev"]["result"]) == \
        ("pass", "pass", "pass")
    assert [d["result"] for d in r["dkim"]] == ["pass"]
    assert r["authentication_results"].startswith(
        "Authentication-Results: mx.test.example; spf=pass")


@needs_check
@pytest.mark.parametrize("case", ["subject", "body", "stranger", "null-sender", "ipv6"])
def test_demo_zone_variants(case):
    msg, env = demo_message(), DEMO_ENV
    if case == "subject":
        msg = demo_message(b"Subject: ", b"Subject: Re: ")
    elif case == "body":
        msg = msg.rstrip(b"\r\n") + b" (changed)\r\n"
    elif case == "stranger":
        env = ("203.0.113.99", "unknown.example", "alice@example.org")
    elif case == "null-sender":
        env = ("198.51.100.17", "out1.mailer.example.net", "")
    else:
        env = ("2001:db8::17", "out1.mailer.example.net", "alice@example.org")
    r = both(msg, env, zones=[DEMO_ZONE])
    if case in ("subject", "body"):
        assert r["dkim"][0]["result"] == "fail"
        assert r["dmarc"]["result"] == "pass"   # by aligned SPF
    if case == "stranger":
        assert r["spf"]["result"] in ("fail", "softfail")
        assert r["dkim"][0]["result"] == "pass"
        assert r["dmarc"]["dkim_aligned"] is True


@needs_check
def test_demo_with_time_and_modes():
    both(demo_message(), DEMO_ENV, zones=[DEMO_ZONE], check_args=["--dmarc-mode", "9989"],
         dmarc_mode="9989")
    r = both(demo_message(), DEMO_ENV, zones=[DEMO_ZONE], check_args=["--only", "spf,iprev"],
             only="spf,iprev")
    assert (r["dkim"], r["dmarc"], r["arc"]) == (None, None, None)
    assert r["iprev"]["result"] == "pass"


# ---- the CLI test zones ----

@needs_check
def test_everything_passes():
    r = both(data("arc.eml"), PASS_ENV)
    assert r["spf"]["result"] == "pass"
    assert r["helo_spf"]["result"] == "pass"
    assert [(d["result"], d["key_bits"]) for d in r["dkim"]] == [("pass", 256), ("pass", 2048)]
    assert (r["dmarc"]["result"], r["dmarc"]["policy"]) == ("pass", "reject")
    assert (r["arc"]["result"], r["arc"]["instances"]) == ("pass", 1)


@needs_check
def test_changed_header_fails_dkim_and_dmarc():
    msg = tamper(data("dkim.eml"), b"Subject: cli dkim test", b"Subject: cli dkim TEST")
    r = both(msg, ("198.51.100.1", "mx.pass.example", "someone@pass.example"))
    assert r["spf"]["result"] == "fail"
    assert [d["result"] for d in r["dkim"]] == ["fail", "fail"]
    assert r["dkim"][0]["reason"] == "dkim.signature"
    assert (r["dmarc"]["result"], r["dmarc"]["disposition"]) == ("fail", "reject")
    assert r["arc"]["result"] == "none"


@needs_check
def test_changed_body_fails_body_hash():
    r = both(tamper(data("dkim.eml"), b"signed twice", b"signed thrice"), PASS_ENV)
    assert [d["reason"] for d in r["dkim"]] == ["dkim.body-hash"] * 2
    assert r["dmarc"]["result"] == "pass"   # by aligned SPF alone
    assert (r["dmarc"]["spf_aligned"], r["dmarc"]["dkim_aligned"]) == (True, False)


@needs_check
def test_mailing_list_arc_override():
    env = ("198.51.100.7", "list.fwd.example", "bounce@fwd.example")
    r = both(data("list.eml"), env, check_args=["--trusted-sealer", "fwd.example"],
             trusted_sealers=["fwd.example"])
    assert (r["dmarc"]["result"], r["dmarc"]["override"]) == ("fail", "arc")
    assert r["arc"]["result"] == "pass"
    assert both(data("list.eml"), env)["dmarc"]["override"] is None


@needs_check
@pytest.mark.parametrize("label,result,reason", [
    ("pass", "pass", None), ("fail", "fail", None), ("softfail", "softfail", None),
    ("neutral", "neutral", None), ("none", "none", "spf.no-record"),
    ("temp", "temperror", "spf.dns-tempfail"), ("perm", "permerror", "spf.syntax"),
    ("nowhere", "none", "spf.no-record")])
def test_spf_results(label, result, reason):
    r = both(data("message.eml"), ("192.0.2.1", "mx.pass.example", f"x@{label}.example"))
    assert (r["spf"]["result"], r["spf"]["reason"]) == (result, reason)


@needs_check
def test_spf_explanation():
    r = both(data("message.eml"), ("192.0.2.1", "mx.pass.example", "x@exp.example"))
    assert r["spf"]["explanation"] == '192.0.2.1 is not a "server" of exp.example'


@needs_check
def test_spf_only_null_sender_and_ipv6():
    r = both(None, ("192.0.2.1", "mx.pass.example", ""))
    assert (r["spf"]["domain"], r["spf"]["result"]) == ("mx.pass.example", "pass")
    assert (r["dkim"], r["dmarc"], r["arc"]) == (None, None, None)
    assert both(None, ("2001:db8::1", "mx.pass.example", "a@pass.example"))["spf"]["result"] \
        == "fail"


@needs_check
def test_dmarc_tree_walk_and_method_subset():
    r = both(data("arc.eml"), PASS_ENV, check_args=["--dmarc-mode", "9989"], dmarc_mode="9989")
    assert (r["dmarc"]["result"], r["dmarc"]["discovery"]) == ("pass", "treewalk")
    r = both(data("arc.eml"), PASS_ENV, check_args=["--only", "spf,dkim"], only=["spf", "dkim"])
    assert (r["dmarc"], r["arc"]) == (None, None)
    assert len(r["dkim"]) == 2


@needs_check
def test_no_signature_is_empty_list_not_null():
    r = both(data("message.eml"), PASS_ENV)
    assert r["dkim"] == []
    assert (r["arc"]["result"], r["arc"]["reason"]) == ("none", "arc.no-sets")


@needs_check
def test_bytes_that_are_not_utf8(tmp_path):
    # Every byte that does not start well-formed UTF-8 becomes one U+FFFD,
    # exactly as the tool writes it.
    zone = tmp_path / "expl.zone"
    zone.write_text('expl.example TXT "v=spf1 -all exp=e.expl.example"\n'
                    'e.expl.example TXT "bad %{l} here %{h}"\n')
    env = ("192.0.2.1", b"h\xe2\x82\x01.example", b"\xe2\x82x\xff\x7f\"@expl.example")
    r = both(None, env, zones=[str(zone)])
    assert r["spf"]["explanation"] == 'bad \ufffd\ufffdx\ufffd\x7f" here h\ufffd\ufffd\x01.example'
    assert r["helo_spf"]["reason"] == "spf.bad-domain"


HOSTILE = {
    "garbage": random.Random(7).randbytes(8192),
    "nul and bare cr": b"From: a@pass.example\r\nSubject: \0\r\r\n\r\n\0body\r",
    "no blank line": b"From: a@pass.example\nSubject: x",
    "empty": b"",
    "huge header": b"Subject: " + b"x" * 200_000 + b"\r\nFrom: a@pass.example\r\n\r\nb\r\n",
    "many fields": b"X-A: 1\r\n" * 3000 + b"From: a@pass.example\r\n\r\nbody\r\n",
    "bad signature": b"DKIM-Signature: v=1; a=rsa-sha256; d=b\xe2\x82ad.example; "
                     b"s=s\xc3\xa9l\x01; h=from; bh=AAAA; b=AAAA\r\n"
                     b"From: A <a@b\xe2\x82ad.example>\r\n\r\nbody\r\n",
}


@needs_check
@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_messages(label):
    r = both(HOSTILE[label], PASS_ENV)
    assert r["spf"]["result"] == "pass"
    assert r["dmarc"]["result"] in ("pass", "permerror", "none")


# ---- behaviour of the package itself (no mailauth-check needed) ----

def zverify(message, env=PASS_ENV, **kw):
    kw.setdefault("zone_text", zone_text("spf.zone", "dkim.zone", "arc.zone"))
    kw.setdefault("authserv_id", AUTHSERV_ID)
    kw.setdefault("now", NOW)
    ip, helo, mail_from = env
    return mailauth.verify(message, ip=ip, helo=helo, mail_from=mail_from, **kw)


def test_zone_files_and_zone_text_agree():
    assert zverify(data("arc.eml")) == zverify(data("arc.eml"), zone_text=None, zone=ZONES)


def test_signature_expires_with_time():
    msg = data("dkim.eml")
    assert zverify(msg)["dkim"][0]["result"] == "pass"
    # t=1699999000: a clock far before it makes the signature come from the future.
    assert zverify(msg, now=1600000000)["dkim"][0]["reason"] == "dkim.future"


def test_verifier_reuses_its_cache():
    with mailauth.Verifier(zone=ZONES, now=NOW, authserv_id=AUTHSERV_ID) as v:
        first = v.verify(data("arc.eml"), ip=PASS_ENV[0], helo=PASS_ENV[1],
                         mail_from=PASS_ENV[2])
        second = v.verify(data("arc.eml"), ip=PASS_ENV[0], helo=PASS_ENV[1],
                          mail_from=PASS_ENV[2])
        stats = v.stats()
    assert first == second
    assert stats["cache_hits"] > 0


def test_threads():
    # ctypes releases the GIL in finish_sync(); the pinned clock is a Python
    # callback that takes it back, from four threads at once.
    want = zverify(data("arc.eml"))
    env = dict(zip(("ip", "helo", "mail_from"), PASS_ENV))
    with mailauth.Verifier(zone=ZONES, now=NOW, authserv_id=AUTHSERV_ID) as shared:
        def work(_):
            with mailauth.Verifier(zone=ZONES, now=NOW, authserv_id=AUTHSERV_ID) as own:
                return [own.verify(data("arc.eml"), **env), shared.verify(data("arc.eml"), **env)]

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = [r for rs in pool.map(work, range(8)) for r in rs]
    assert results == [want] * 16


def test_dns_server_path_through_cares():
    # Without a zone the c-ares driver asks a DNS server: here one on
    # 127.0.0.1 (a free port) serving the same records.
    server = DnsServer(zone_table(zone_text("spf.zone", "dkim.zone", "arc.zone")))
    try:
        via_dns = zverify(data("arc.eml"), zone_text=None, dns_server=server.address)
    finally:
        server.close()
    assert via_dns == zverify(data("arc.eml"))
    assert server.queries > 0


def test_errors_carry_the_status_name():
    with pytest.raises(mailauth.MailauthError) as e:
        zverify(data("message.eml"), ("not-an-ip", "h.example", "a@b.example"))
    assert (e.value.status, e.value.code) == ("MAILAUTH_EINVAL", 3)
    assert "ip" in str(e.value)
    with pytest.raises(mailauth.MailauthError) as e:
        zverify(None, zone_text=None, zone=[cli_zone("spf.zone"), cli_zone("bad.zone")])
    assert e.value.status == "MAILAUTH_EINVAL"
    assert "bad.zone, line 3" in str(e.value)
    with pytest.raises(mailauth.MailauthError) as e:
        zverify(None, authserv_id="bad id;")
    assert e.value.status == "MAILAUTH_EINVAL"
    with pytest.raises(mailauth.MailauthError) as e:
        zverify(None, limits={"dns-queries": 0})
    assert e.value.status == "MAILAUTH_EINVAL"
    with pytest.raises(FileNotFoundError):
        zverify(None, zone_text=None, zone="/nonexistent/zone")


def test_python_side_argument_errors():
    with pytest.raises(TypeError):
        zverify("From: text, not bytes\r\n\r\n")
    with pytest.raises(ValueError):
        zverify(b"", dmarc_mode="5")
    with pytest.raises(ValueError):
        zverify(b"", ("192.0.2.1\0", "h", "a@b"))
    with pytest.raises(ValueError):
        zverify(b"", only=["spf", "bimi"])
    with pytest.raises(TypeError):   # the envelope is keyword-only
        mailauth.verify(b"", "192.0.2.1", "h", "a@b", authserv_id="x")


def test_library_version():
    assert mailauth.library_version() == mailauth.__version__
