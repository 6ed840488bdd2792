"""mailauth: SPF, DKIM, DMARC and ARC verification and DKIM signing for
Python, over libmailauth's C ABI with ctypes (standard library only).

    import mailauth
    result = mailauth.verify(raw_bytes, "192.0.2.1", "mx.example.org",
                             "alice@example.org")
    result["dmarc"]["result"]          # "pass"

Results are dicts shaped like the JSON of ``mailauth-check --json``
(docs/mailauth-check.1.md). Errors of the library (a bad
argument, not a bad message: that is a verdict) raise MailauthError, whose
``status`` is the mailauth status name ("MAILAUTH_EINVAL").

The shared library comes from $MAILAUTH_LIBRARY, else the system's
libmailauth (examples/python/README.md).
"""

from ._core import Verifier, verify
from ._ffi import MailauthError, lib as _lib
from .aio import NODATA, NXDOMAIN, TEMPFAIL, AsyncVerifier, verify_async
from .sign import key_dns_record, sign

__all__ = ["verify", "Verifier", "verify_async", "AsyncVerifier", "NXDOMAIN", "NODATA",
           "TEMPFAIL", "sign", "key_dns_record", "MailauthError", "library_version"]


def library_version():
    """Version of the loaded libmailauth ("1.0.0")."""
    return _lib.mailauth_version().decode()
