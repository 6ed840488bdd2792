"""ctypes declarations of the libmailauth C ABI (docs/bindings.md).

Only what the package uses is declared. Handles are opaque pointers
(``c_void_p``, an ``int`` or ``None`` on the Python side); strings going in
are ``bytes`` (NUL-terminated by ctypes), strings coming out are ``bytes``
or ``None``; enums are ``int``.

The library is found, in this order, at the path in the environment
variable ``MAILAUTH_LIBRARY``, as ``libmailauth.so.1`` (its SONAME) on the
loader's search path (an installed library), or by
``ctypes.util.find_library("mailauth")``.

``ctypes.CDLL`` releases the GIL around every call, so the blocking calls
(``mailauth_eval_finish_sync``) let other Python threads run, and every
callback made from C takes the GIL back before it runs Python code.
"""

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_uint, c_uint16,
                    c_uint32, c_uint64, c_void_p)

# The library version this module was written against (MAILAUTH_VERSION_NUMBER).
ABI_VERSION = 10000

# mailauth_status_t values used here (include/mailauth/status.h).
OK = 0
EAGAIN = 1
ENOMEM = 2
EINVAL = 3
ELIMIT = 5
ENOSPC = 6
ECANCELED = 8
EDNS = 9

# Struct versions (the int each caller-filled struct starts with).
DNS_OPS_VERSION = 1
DNS_RECORD_VERSION = 1
RESOLVER_STATS_VERSION = 1
ENVELOPE_VERSION = 1

# mailauth_clock_kind_t
CLOCK_WALL = 0

# mailauth_spf_identity_t
SPF_MAILFROM = 0
SPF_HELO = 1

# mailauth_dns_rcode_t
DNS_RECORDS = 0
DNS_NODATA = 1
DNS_NXDOMAIN = 2
DNS_TEMPFAIL = 3

# mailauth_method_t bits
METHODS = {"spf": 1, "dkim": 2, "dmarc": 4, "arc": 8, "iprev": 16}

# mailauth_dmarc_mode_t
DMARC_MODES = {"7489": 0, "9989": 1}

# mailauth_key_type_t
KEY_TYPES = {"rsa-sha256": 0, "ed25519-sha256": 1}

# mailauth_canon_t
CANONS = {"simple": 0, "relaxed": 1}

# mailauth_reason_t values the JSON output treats as "no reason" (SPF matched/default).
REASON_NONE = 0
REASON_SPF_MATCHED = 111
REASON_SPF_DEFAULT = 112
REASON_DMARC_ALIGNED = 307

# mailauth_dmarc_policy_t / mailauth_dmarc_override_t "nothing" values.
DMARC_POLICY_UNSPECIFIED = 0
DMARC_OVERRIDE_NONE = 0


class Record(Structure):
    """mailauth_dns_record_t: one answer record handed to mailauth_dns_query_answer()."""
    _fields_ = [("version", c_int), ("data", c_void_p), ("len", c_size_t),
                ("preference", c_uint16), ("ttl", c_uint32)]


class Envelope(Structure):
    """mailauth_envelope_t: the SMTP envelope (any field may be None)."""
    _fields_ = [("version", c_int), ("client_ip", c_char_p), ("helo", c_char_p),
                ("mail_from", c_char_p)]


# Callback types.
CLOCK_FN = CFUNCTYPE(c_uint64, c_void_p, c_int)
DONE_FN = CFUNCTYPE(None, c_void_p, c_void_p, c_int)
QUERY_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_char_p, c_int)
CANCEL_FN = CFUNCTYPE(None, c_void_p, c_void_p)
DESTROY_FN = CFUNCTYPE(None, c_void_p)


class DnsOps(Structure):
    """mailauth_dns_ops_t: the custom DNS driver (copied by the library)."""
    _fields_ = [("version", c_int), ("ud", c_void_p), ("query", QUERY_FN),
                ("cancel", CANCEL_FN), ("destroy", DESTROY_FN)]


class ResolverStats(Structure):
    """mailauth_resolver_stats_t."""
    _fields_ = [("version", c_int), ("questions", c_uint64), ("queries", c_uint64), ("coalesced", c_uint64),
                ("cache_hits", c_uint64), ("round_trips", c_uint64)]


_P = c_void_p
_S = c_char_p
_PP = POINTER(c_void_p)
_SIZEP = POINTER(c_size_t)

# name: (restype, argtypes). Status-returning functions have restype c_int.
_DECLS = {
    # status.h, version.h
    "mailauth_strerror": (_S, [c_int]),
    "mailauth_status_name": (_S, [c_int]),
    "mailauth_verdict_name": (_S, [c_int]),
    "mailauth_reason_name": (_S, [c_int]),
    "mailauth_version": (_S, []),
    "mailauth_version_number": (c_int, []),
    # ctx.h
    "mailauth_ctx_new": (c_int, [_P, _PP]),
    "mailauth_ctx_free": (None, [_P]),
    "mailauth_ctx_set_authserv_id": (c_int, [_P, _S]),
    "mailauth_ctx_set_clock": (c_int, [_P, CLOCK_FN, _P]),
    "mailauth_limit_name": (_S, [c_int]),
    "mailauth_ctx_set_limit": (c_int, [_P, c_int, c_uint32]),
    "mailauth_ctx_set_methods": (c_int, [_P, c_uint]),
    "mailauth_ctx_set_dmarc_mode": (c_int, [_P, c_int]),
    "mailauth_ctx_add_trusted_sealer": (c_int, [_P, _S]),
    # dns.h
    "mailauth_dns_type_name": (_S, [c_int]),
    "mailauth_resolver_new_ares": (c_int, [_P, _S, _PP]),
    "mailauth_resolver_new_zone": (c_int, [_P, _S, c_size_t, _SIZEP, _PP]),
    "mailauth_resolver_zone_add": (c_int, [_P, _S, c_size_t, _SIZEP]),
    "mailauth_resolver_new_custom": (c_int, [_P, POINTER(DnsOps), _PP]),
    "mailauth_resolver_free": (None, [_P]),
    "mailauth_resolver_process_timeouts": (c_int, [_P]),
    "mailauth_resolver_timeout_ms": (c_int, [_P]),
    "mailauth_resolver_stats": (c_int, [_P, POINTER(ResolverStats)]),
    "mailauth_dns_query_answer": (c_int, [_P, c_int, POINTER(Record), c_size_t]),
    # eval.h
    "mailauth_eval_new": (c_int, [_P, _P, _PP]),
    "mailauth_eval_free": (None, [_P]),
    "mailauth_eval_set_envelope": (c_int, [_P, POINTER(Envelope)]),
    "mailauth_eval_message": (c_int, [_P, _S, c_size_t]),
    "mailauth_eval_finish": (c_int, [_P, DONE_FN, _P]),
    "mailauth_eval_finish_sync": (c_int, [_P, c_int]),
    "mailauth_eval_methods": (c_uint, [_P]),
    "mailauth_eval_authres": (c_int, [_P, _PP]),
    # authres.h
    "mailauth_authres_format_value": (c_int, [_P, ctypes.c_char_p, c_size_t, _SIZEP]),
    "mailauth_authres_resinfo_count": (c_size_t, [_P]),
    "mailauth_authres_resinfo": (_P, [_P, c_size_t]),
    "mailauth_resinfo_method": (_S, [_P]),
    # spf.h
    "mailauth_eval_spf": (_P, [_P, c_int]),
    "mailauth_spf_identity_name": (_S, [c_int]),
    "mailauth_spf_result_verdict": (c_int, [_P]),
    "mailauth_spf_result_reason": (c_int, [_P]),
    "mailauth_spf_result_domain": (_S, [_P]),
    "mailauth_spf_result_explanation": (_S, [_P]),
    # dkim.h
    "mailauth_eval_dkim_count": (c_size_t, [_P]),
    "mailauth_eval_dkim": (_P, [_P, c_size_t]),
    "mailauth_dkim_result_verdict": (c_int, [_P]),
    "mailauth_dkim_result_reason": (c_int, [_P]),
    "mailauth_dkim_result_domain": (_S, [_P]),
    "mailauth_dkim_result_selector": (_S, [_P]),
    "mailauth_dkim_result_algorithm": (_S, [_P]),
    "mailauth_dkim_result_key_bits": (c_uint, [_P]),
    # dmarc.h
    "mailauth_eval_dmarc": (_P, [_P]),
    "mailauth_dmarc_policy_name": (_S, [c_int]),
    "mailauth_dmarc_discovery_name": (_S, [c_int]),
    "mailauth_dmarc_override_name": (_S, [c_int]),
    "mailauth_dmarc_result_verdict": (c_int, [_P]),
    "mailauth_dmarc_result_reason": (c_int, [_P]),
    "mailauth_dmarc_result_header_from": (_S, [_P]),
    "mailauth_dmarc_result_policy": (c_int, [_P]),
    "mailauth_dmarc_result_disposition": (c_int, [_P]),
    "mailauth_dmarc_result_org_domain": (_S, [_P]),
    "mailauth_dmarc_result_policy_domain": (_S, [_P]),
    "mailauth_dmarc_result_discovery": (c_int, [_P]),
    "mailauth_dmarc_result_spf_aligned": (c_int, [_P]),
    "mailauth_dmarc_result_dkim_aligned": (c_int, [_P]),
    "mailauth_dmarc_result_override": (c_int, [_P]),
    # arc.h
    "mailauth_eval_arc": (_P, [_P]),
    "mailauth_arc_result_verdict": (c_int, [_P]),
    "mailauth_arc_result_reason": (c_int, [_P]),
    "mailauth_arc_result_instances": (c_uint, [_P]),
    "mailauth_arc_result_oldest_pass": (c_int, [_P]),
    # iprev.h
    "mailauth_eval_iprev": (_P, [_P]),
    "mailauth_iprev_result_verdict": (c_int, [_P]),
    "mailauth_iprev_result_reason": (c_int, [_P]),
    "mailauth_iprev_result_ip": (_S, [_P]),
    "mailauth_iprev_result_name": (_S, [_P]),
    # sign.h
    "mailauth_key_load_pem": (c_int, [_P, _S, c_size_t, _PP]),
    "mailauth_key_free": (None, [_P]),
    "mailauth_key_format_dns_record": (c_int, [_P, ctypes.c_char_p, c_size_t, _SIZEP]),
    "mailauth_key_generate": (c_int, [_P, c_int, c_uint, _PP]),
    "mailauth_key_format_pem": (c_int, [_P, ctypes.c_char_p, c_size_t, _SIZEP]),
    "mailauth_dkim_signer_new": (c_int, [_P, _P, _S, _S, _PP]),
    "mailauth_dkim_signer_free": (None, [_P]),
    "mailauth_dkim_signer_set_canon": (c_int, [_P, c_int, c_int]),
    "mailauth_dkim_signer_set_headers": (c_int, [_P, _S]),
    "mailauth_dkim_signer_message": (c_int, [_P, _S, c_size_t]),
    "mailauth_dkim_signer_end_message": (c_int, [_P]),
    "mailauth_dkim_signer_format": (c_int, [_P, ctypes.c_char_p, c_size_t, _SIZEP]),
    "mailauth_key_type": (c_int, [_P]),
    "mailauth_key_type_name": (_S, [c_int]),
    "mailauth_key_bits": (c_uint, [_P]),
    "mailauth_arc_sealer_new": (c_int, [_P, _P, _S, _S, _S, _PP]),
    "mailauth_arc_sealer_free": (None, [_P]),
    "mailauth_arc_sealer_set_headers": (c_int, [_P, _S]),
    "mailauth_arc_sealer_set_resolver": (c_int, [_P, _P]),
    "mailauth_arc_sealer_message": (c_int, [_P, _S, c_size_t]),
    "mailauth_arc_sealer_end_message": (c_int, [_P]),
    "mailauth_arc_sealer_format": (c_int, [_P, ctypes.c_char_p, c_size_t, _SIZEP]),
    "mailauth_resolver_run_once": (c_int, [_P, c_int]),
    # authres.h: parsing
    "mailauth_authres_parse": (c_int, [_P, _S, c_size_t, _SIZEP, _PP]),
    "mailauth_authres_free": (None, [_P]),
    "mailauth_authres_format": (c_int, [_P, ctypes.c_char_p, c_size_t, _SIZEP]),
    "mailauth_authres_authserv_id": (_S, [_P]),
    "mailauth_resinfo_result": (_S, [_P]),
    "mailauth_resinfo_reason": (_S, [_P]),
    "mailauth_resinfo_comment": (_S, [_P]),
    "mailauth_resinfo_prop_count": (c_size_t, [_P]),
    "mailauth_resinfo_prop": (c_int, [_P, c_size_t, POINTER(_S), POINTER(_S), POINTER(_S)]),
}

def _open():
    path = os.environ.get("MAILAUTH_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    try:
        # The SONAME: the ABI this binding was written for (1.x).
        return ctypes.CDLL("libmailauth.so.1")
    except OSError:
        found = ctypes.util.find_library("mailauth")
        if found is None:
            raise
        return ctypes.CDLL(found)


def _load():
    try:
        lib = _open()
    except OSError as e:
        raise ImportError(
            "mailauth: cannot load libmailauth.so.1 (install libmailauth1, or set "
            f"MAILAUTH_LIBRARY to the path of the library): {e}") from e
    for name, (restype, argtypes) in _DECLS.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    if lib.mailauth_version_number() < ABI_VERSION:
        raise ImportError(f"mailauth: libmailauth {lib.mailauth_version().decode()} is older "
                          "than this binding needs (1.0.0)")
    return lib


lib = _load()


class MailauthError(Exception):
    """A mailauth call failed: ``status`` is the status name ("MAILAUTH_EINVAL"),
    ``code`` its number, and the message says which call and why."""

    def __init__(self, code, what):
        self.code = code
        self.status = lib.mailauth_status_name(code).decode()
        self.what = what
        super().__init__(f"{what}: {self.status}: {lib.mailauth_strerror(code).decode()}")


def check(code, what, allowed=(OK,)):
    """Raise MailauthError unless the status is one of `allowed`; return it."""
    if code not in allowed:
        raise MailauthError(code, what)
    return code


def new_handle(fn, what, *args):
    """Call a constructor whose last argument is the out-pointer; return the handle."""
    out = c_void_p()
    check(fn(*args, ctypes.byref(out)), what)
    return out.value


def format_text(fn, handle, what):
    """Run an snprintf-like formatter (ask the size, then fill); return bytes."""
    need = c_size_t(0)
    check(fn(handle, None, 0, ctypes.byref(need)), what, (OK, ENOSPC))
    buf = ctypes.create_string_buffer(need.value + 1)
    check(fn(handle, buf, need.value + 1, None), what)
    return buf.raw[:need.value]
