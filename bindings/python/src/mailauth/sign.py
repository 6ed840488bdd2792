"""DKIM signing and ARC sealing (include/mailauth/sign.h), the DNS record of
a key, and key generation.

``sign()`` and ``seal()`` return the message as ``mailauth-sign dkim`` and
``mailauth-sign arc`` print it: the new fields on top, written with the
message's own line ends (CRLF, or LF when its first line ends in a bare
LF), an mbox "From " line kept first, then the message unchanged.
"""

from __future__ import annotations

import ctypes
import re
from typing import Iterable, Optional, Tuple, Union

from ._core import Context, Text, Zone, cstr, message_bytes, new_resolver, start_eval
from ._ffi import CANONS, EAGAIN, KEY_TYPES, check, format_text, lib, new_handle

_SIGN_CTX_ID = "localhost"   # signing needs no authserv-id; the ctx wants a token


def _canon(canon: str) -> Tuple[int, int]:
    # RFC 6376 §3.5 c=: one name is the header algorithm; the body's is then "simple".
    parts = canon.split("/")
    if len(parts) == 1:
        parts.append("simple")
    if len(parts) != 2 or parts[0] not in CANONS or parts[1] not in CANONS:
        raise ValueError(f"canon: {canon!r} is not simple or relaxed, optionally /simple or "
                         "/relaxed")
    return CANONS[parts[0]], CANONS[parts[1]]


def _header_list(headers: Union[str, Iterable[str]]) -> bytes:
    names = headers if isinstance(headers, str) else ":".join(headers)
    return cstr(names, "headers")


class _Key:
    """A loaded private key with the ctx it was loaded with (which also
    carries the pinned clock and, for sealing, the evaluation settings)."""

    def __init__(self, key_pem: Union[str, bytes], algorithm: Optional[str] = None,
                 **ctx_options) -> None:
        pem = key_pem.encode("ascii") if isinstance(key_pem, str) else bytes(key_pem)
        if algorithm is not None and algorithm not in KEY_TYPES:
            raise ValueError(f"algorithm: {algorithm!r} is not one of {', '.join(KEY_TYPES)}")
        ctx_options.setdefault("authserv_id", _SIGN_CTX_ID)
        self.ctx = Context(**ctx_options)
        self.ptr = None
        try:
            self.ptr = new_handle(lib.mailauth_key_load_pem, "mailauth_key_load_pem",
                                  self.ctx.ptr, pem, len(pem))
            if algorithm is not None and lib.mailauth_key_type(self.ptr) != KEY_TYPES[algorithm]:
                kind = lib.mailauth_key_type_name(lib.mailauth_key_type(self.ptr)).decode()
                raise ValueError(f"algorithm: {algorithm} does not match the key ({kind})")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        lib.mailauth_key_free(self.ptr)
        self.ptr = None
        self.ctx.close()

    def __enter__(self) -> "_Key":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _mbox_line(msg: bytes) -> int:
    """Length of an mbox "From " line at the top (with its LF), or 0."""
    if not msg.startswith(b"From "):
        return 0
    lf = msg.find(b"\n")
    return len(msg) if lf < 0 else lf + 1


def _prepend(msg: bytes, fields: Iterable[bytes]) -> bytes:
    """Fields (CRLF-folded, no final CRLF) on top of `msg`, in its line ends."""
    lf = msg.find(b"\n")
    crlf = lf < 0 or (lf > 0 and msg[lf - 1:lf] == b"\r")
    end = b"\r\n" if crlf else b"\n"
    skip = _mbox_line(msg)
    out = [msg[:skip]]
    for field in fields:
        if field:
            out.append((field if crlf else field.replace(b"\r\n", b"\n")) + end)
    out.append(msg[skip:])
    return b"".join(out)


def signature(message: bytes, *, key_pem: Union[str, bytes], domain: str, selector: str,
              headers: Union[str, Iterable[str], None] = None, canon: str = "relaxed/relaxed",
              algorithm: Optional[str] = None, now: Optional[float] = None) -> bytes:
    """The ``DKIM-Signature: ...`` field alone (CRLF-folded, no final CRLF);
    the arguments are those of ``sign()``."""
    data = message_bytes(message)
    hcanon, bcanon = _canon(canon)
    with _Key(key_pem, algorithm, now=now) as key:
        signer = new_handle(lib.mailauth_dkim_signer_new, "mailauth_dkim_signer_new",
                            key.ctx.ptr, key.ptr, cstr(domain, "domain"),
                            cstr(selector, "selector"))
        try:
            check(lib.mailauth_dkim_signer_set_canon(signer, hcanon, bcanon),
                  "mailauth_dkim_signer_set_canon")
            if headers is not None:
                check(lib.mailauth_dkim_signer_set_headers(signer, _header_list(headers)),
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


def sign(message: bytes, *, key_pem: Union[str, bytes], domain: str, selector: str,
         headers: Union[str, Iterable[str], None] = None, canon: str = "relaxed/relaxed",
         algorithm: Optional[str] = None, now: Optional[float] = None) -> bytes:
    """Sign ``message`` (bytes) with ``key_pem`` (an unencrypted PEM private
    key, RSA or Ed25519) as d=``domain`` s=``selector``; the signed message,
    byte for byte what ``mailauth-sign dkim`` prints.

    ``headers``: the h= list (names, or "from:to:subject"; must include
    From), default the library's list. ``canon``: c= ("relaxed/relaxed",
    "simple/simple", ...). ``algorithm``: "rsa-sha256" or
    "ed25519-sha256", checked against the key (ValueError when it does
    not match). ``now``: t= (epoch seconds), default the current time.
    A header field over the library's header limits is not signed, nor any
    other field of its name. Raises MailauthError ("MAILAUTH_EINVAL": not a
    key, a bad domain or header list, no From field; "MAILAUTH_ELIMIT": the
    From field is over the header limits)."""
    data = message_bytes(message)
    field = signature(data[_mbox_line(data):], key_pem=key_pem, domain=domain,
                      selector=selector, headers=headers, canon=canon, algorithm=algorithm,
                      now=now)
    return _prepend(data, [field])


def _authres_field(key: _Key, resolver: int, data: bytes, ip, helo, mail_from) -> bytes:
    """This host's Authentication-Results field for the message (folded)."""
    ev = start_eval(key.ctx, resolver, data, ip, helo, mail_from)
    try:
        check(lib.mailauth_eval_finish_sync(ev, -1), "mailauth_eval_finish_sync")
        ar = ctypes.c_void_p()
        check(lib.mailauth_eval_authres(ev, ctypes.byref(ar)), "mailauth_eval_authres")
        return format_text(lib.mailauth_authres_format, ar.value, "mailauth_authres_format")
    finally:
        lib.mailauth_eval_free(ev)


def seal(message: bytes, *, key_pem: Union[str, bytes], domain: str, selector: str,
         authserv_id: str, ip: Optional[Text], helo: Optional[Text], mail_from: Optional[Text],
         zone: Optional[Zone] = None, now: Optional[float] = None,
         headers: Union[str, Iterable[str], None] = None,
         dns_server: Optional[str] = None) -> bytes:
    """Add an ARC set to ``message`` (RFC 8617 §5.1), as ``mailauth-sign arc``:
    the message is evaluated with the envelope (SPF only when ``ip`` is
    given) into this host's Authentication-Results field (``authserv_id``);
    the incoming ARC chain is validated over the same DNS (``zone`` files,
    else c-ares with ``dns_server`` or resolv.conf); the result is the new
    ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results, the
    Authentication-Results field, then the message. When the newest seal
    already says cv=fail no set is added (only the A-R field). ``headers``:
    the AMS h= list. Raises MailauthError ("MAILAUTH_EDNS": a key of the
    chain could not be fetched now; "MAILAUTH_EINVAL": no From field;
    "MAILAUTH_ELIMIT": a From, ARC or A-R field over the header limits)."""
    data = message_bytes(message)
    methods = ["spf", "dkim", "dmarc", "iprev"] if ip is not None else ["dkim", "dmarc", "iprev"]
    with _Key(key_pem, None, now=now, authserv_id=authserv_id, methods=methods) as key:
        resolver = new_resolver(key.ctx, zone=zone, dns_server=dns_server)
        sealer = None
        try:
            ar = _authres_field(key, resolver, data, ip, helo, mail_from)
            sealer = new_handle(lib.mailauth_arc_sealer_new, "mailauth_arc_sealer_new",
                                key.ctx.ptr, key.ptr, cstr(domain, "domain"),
                                cstr(selector, "selector"), cstr(authserv_id, "authserv_id"))
            check(lib.mailauth_arc_sealer_set_resolver(sealer, resolver),
                  "mailauth_arc_sealer_set_resolver")
            if headers is not None:
                check(lib.mailauth_arc_sealer_set_headers(sealer, _header_list(headers)),
                      "mailauth_arc_sealer_set_headers")
            both = ar + b"\r\n" + data[_mbox_line(data):]
            check(lib.mailauth_arc_sealer_message(sealer, both, len(both)),
                  "mailauth_arc_sealer_message")
            # The sealer's own deadline (the ctx evaluation timeout) ends the loop.
            while True:
                st = lib.mailauth_arc_sealer_end_message(sealer)
                if st != EAGAIN:
                    break
                check(lib.mailauth_resolver_run_once(resolver, 100), "mailauth_resolver_run_once")
            check(st, "mailauth_arc_sealer_end_message")
            arc_set = format_text(lib.mailauth_arc_sealer_format, sealer,
                                  "mailauth_arc_sealer_format")
            return _prepend(data, [arc_set, ar])
        finally:
            lib.mailauth_arc_sealer_free(sealer)
            lib.mailauth_resolver_free(resolver)


def key_dns_record(key_pem: Union[str, bytes]) -> str:
    """The TXT record that publishes the public half of a PEM private key
    ("v=DKIM1; k=rsa; p=..."), as str."""
    with _Key(key_pem) as key:
        return format_text(lib.mailauth_key_format_dns_record, key.ptr,
                           "mailauth_key_format_dns_record").decode("ascii")


def _owner(key: _Key, domain: str, selector: str) -> str:
    """selector._domainkey.domain as the library writes d= and s= (A-labels):
    a throwaway signature over a minimal message, so the name checks and the
    IDNA conversion are the library's own."""
    signer = new_handle(lib.mailauth_dkim_signer_new, "mailauth_dkim_signer_new", key.ctx.ptr,
                        key.ptr, cstr(domain, "domain"), cstr(selector, "selector"))
    try:
        msg = b"From: <keygen@invalid>\r\n\r\n"
        check(lib.mailauth_dkim_signer_message(signer, msg, len(msg)),
              "mailauth_dkim_signer_message")
        check(lib.mailauth_dkim_signer_end_message(signer), "mailauth_dkim_signer_end_message")
        field = format_text(lib.mailauth_dkim_signer_format, signer, "mailauth_dkim_signer_format")
    finally:
        lib.mailauth_dkim_signer_free(signer)
    unfolded = re.sub(rb"\r\n[ \t]+", b"", field).decode("ascii")
    tags = dict(t.strip().split("=", 1) for t in unfolded.split(":", 1)[1].split(";") if "=" in t)
    return f"{tags['s'].replace(' ', '')}._domainkey.{tags['d'].replace(' ', '')}"


def dns_record_line(record: str, owner: str) -> str:
    """A zone line publishing `record` at `owner`: strings of at most 255
    octets (RFC 1035 §3.3.14), as ``mailauth-sign --dns-record`` prints it."""
    parts = " ".join(f'"{record[i:i + 255]}"' for i in range(0, len(record), 255))
    return f"{owner}. TXT {parts}"


def _generate_pem(key_type: int, bits: int) -> bytes:
    """A new key from the library, as PKCS#8 PEM."""
    ctx = Context(authserv_id=_SIGN_CTX_ID)
    ptr = None
    try:
        ptr = new_handle(lib.mailauth_key_generate, "mailauth_key_generate", ctx.ptr, key_type,
                         bits)
        return format_text(lib.mailauth_key_format_pem, ptr, "mailauth_key_format_pem")
    finally:
        lib.mailauth_key_free(ptr)
        ctx.close()


def keygen(algorithm: str = "rsa-sha256", bits: int = 2048, *, domain: str,
           selector: str) -> Tuple[bytes, str]:
    """A new signing key: ``(private_pem, dns_record)``.

    ``private_pem`` is the unencrypted PKCS#8 PEM private key (RSA of
    ``bits`` bits, 1024 to 8192, or Ed25519, where ``bits`` is ignored),
    made by libmailauth (``mailauth_key_generate``).
    ``dns_record`` is the zone line that publishes it, the same line
    ``mailauth-sign keygen`` prints: ``S._domainkey.D. TXT "v=DKIM1; k=...;
    p=..."`` with the owner in A-labels and strings of at most 255 octets.
    ``domain`` and ``selector`` are checked by libmailauth (MailauthError
    "MAILAUTH_EINVAL" for a bad name) before the key is returned."""
    if algorithm not in KEY_TYPES:
        raise ValueError(f"algorithm: {algorithm!r} is not one of {', '.join(KEY_TYPES)}")
    if algorithm == "rsa-sha256" and not (isinstance(bits, int) and 1024 <= bits <= 8192):
        raise ValueError(f"bits: {bits!r} is not an RSA key size from 1024 to 8192")
    pem = _generate_pem(KEY_TYPES[algorithm], bits if algorithm == "rsa-sha256" else 0)
    with _Key(pem, algorithm) as key:
        owner = _owner(key, domain, selector)
        record = format_text(lib.mailauth_key_format_dns_record, key.ptr,
                             "mailauth_key_format_dns_record").decode("ascii")
    return pem, dns_record_line(record, owner)


__all__ = ["sign", "signature", "seal", "key_dns_record", "keygen", "dns_record_line"]
