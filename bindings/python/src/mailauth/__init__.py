"""mailauth: SPF, DKIM, DMARC, ARC and iprev verification, DKIM signing and
ARC sealing for Python, over libmailauth's C ABI with ctypes (standard
library only).

    import mailauth
    result = mailauth.verify(raw_bytes, ip="192.0.2.1", helo="mx.example.org",
                             mail_from="alice@example.org",
                             authserv_id="mx.example.net")
    result["dmarc"]["result"]          # "pass"

Results are dicts shaped exactly like the JSON of ``mailauth-check --json``.
Errors of the library (a bad argument, not a bad message: that is a
verdict) raise MailauthError, whose ``status`` is the mailauth status name
("MAILAUTH_EINVAL").

The shared library is libmailauth.so.1 as installed (package libmailauth1),
or the file named by the environment variable MAILAUTH_LIBRARY.
"""

from ._authres import parse_authres
from ._core import Verifier, verify
from ._ffi import MailauthError, lib as _lib
from .aio import NODATA, NXDOMAIN, TEMPFAIL, AsyncVerifier, verify_async
from .sign import key_dns_record, keygen, seal, sign, signature

__version__ = "1.1.0"

__all__ = ["verify", "Verifier", "verify_async", "AsyncVerifier", "NXDOMAIN", "NODATA",
           "TEMPFAIL", "sign", "signature", "seal", "keygen", "key_dns_record", "parse_authres",
           "MailauthError", "library_version"]


def library_version() -> str:
    """Version of the loaded libmailauth ("1.1.0")."""
    return _lib.mailauth_version().decode()
