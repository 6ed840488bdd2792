"""DKIM signing (include/mailauth/sign.h) and the DNS record of a key."""

from ._core import Context, cstr, message_bytes
from ._ffi import CANONS, check, format_text, lib, new_handle


def _canon(canon):
    # RFC 6376 §3.5 c=: one name is the header algorithm; the body's is then "simple".
    parts = canon.split("/")
    if len(parts) == 1:
        parts.append("simple")
    if len(parts) != 2 or parts[0] not in CANONS or parts[1] not in CANONS:
        raise ValueError(f"canon: {canon!r} is not simple or relaxed, optionally /simple or "
                         "/relaxed")
    return CANONS[parts[0]], CANONS[parts[1]]


class _Key:
    """A loaded private key with the ctx it was loaded with."""

    def __init__(self, key_pem, now=None):
        pem = key_pem.encode("ascii") if isinstance(key_pem, str) else bytes(key_pem)
        self.ctx = Context(now=now, authserv_id="localhost")
        try:
            self.ptr = new_handle(lib.mailauth_key_load_pem, "mailauth_key_load_pem",
                                  self.ctx.ptr, pem, len(pem))
        except BaseException:
            self.ctx.close()
            raise

    def close(self):
        lib.mailauth_key_free(self.ptr)
        self.ctx.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def key_dns_record(key_pem):
    """The TXT record that publishes the public half of a PEM private key
    ("v=DKIM1; k=rsa; p=..."), as str."""
    with _Key(key_pem) as key:
        return format_text(lib.mailauth_key_format_dns_record, key.ptr,
                           "mailauth_key_format_dns_record").decode("ascii")


def sign(message, key_pem, domain, selector, headers=None, canon="relaxed/relaxed", now=None):
    """Sign ``message`` (bytes) with ``key_pem`` (an unencrypted PEM private
    key, RSA or Ed25519, str or bytes) as d=``domain`` s=``selector``.

    ``headers``: the h= list (a list of names or "from:to:subject"; must
    include From), default the library's list. ``canon``: c=, e.g.
    "relaxed/relaxed" (default) or "simple/simple". ``now``: t= (epoch
    seconds), default the current time.

    Returns the ``DKIM-Signature: ...`` field as bytes, folded with CRLF and
    without the final CRLF: ``field + b"\\r\\n" + message`` is the signed
    message. A header field over the library's header limits (64 KiB, 1000
    fields) is not signed, nor any other field of its name. Raises
    MailauthError ("MAILAUTH_EINVAL": not a key, a bad domain or header
    list, no From field; "MAILAUTH_ELIMIT": the From field is over the
    header limits)."""
    data = message_bytes(message)
    hcanon, bcanon = _canon(canon)
    with _Key(key_pem, now) as key:
        signer = new_handle(lib.mailauth_dkim_signer_new, "mailauth_dkim_signer_new",
                            key.ctx.ptr, key.ptr, cstr(domain, "domain"),
                            cstr(selector, "selector"))
        try:
            check(lib.mailauth_dkim_signer_set_canon(signer, hcanon, bcanon),
                  "mailauth_dkim_signer_set_canon")
            if headers is not None:
                names = headers if isinstance(headers, str) else ":".join(headers)
                check(lib.mailauth_dkim_signer_set_headers(signer, cstr(names, "headers")),
                      "mailauth_dkim_signer_set_headers")
            # A field over the header limits is left unsigned, with every
            # field of its name; a refused From makes end_message() fail.
            check(lib.mailauth_dkim_signer_message(signer, data, len(data)),
                  "mailauth_dkim_signer_message")
            check(lib.mailauth_dkim_signer_end_message(signer), "mailauth_dkim_signer_end_message")
            return format_text(lib.mailauth_dkim_signer_format, signer,
                               "mailauth_dkim_signer_format")
        finally:
            lib.mailauth_dkim_signer_free(signer)
