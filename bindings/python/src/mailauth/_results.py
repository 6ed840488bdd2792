"""The verdicts of a finished evaluation as a dict shaped like the JSON of
``mailauth-check --json`` (docs/mailauth-check.1.md): the same
keys, the same value types (str, int, bool, None, list, dict), the same
values. ``json.loads()`` of the tool's output equals what ``results()``
returns for the same message, envelope, DNS, time and authserv-id.
"""

import codecs
import ctypes

from ._ffi import (DMARC_OVERRIDE_NONE, DMARC_POLICY_UNSPECIFIED, METHODS, REASON_DMARC_ALIGNED,
                   REASON_NONE, REASON_SPF_DEFAULT, REASON_SPF_MATCHED, SPF_HELO, SPF_MAILFROM,
                   check, format_text, lib)


def _one_fffd(err):
    # mailauth-check writes U+FFFD for each byte that does not start a
    # well-formed UTF-8 sequence and goes on with the next byte; Python's
    # "replace" would take a truncated sequence as one unit.
    return "\ufffd", err.start + 1


codecs.register_error("mailauth-fffd", _one_fffd)


def text(b):
    """A C string from the library (bytes or None) as the JSON output has it."""
    return None if b is None else b.decode("utf-8", "mailauth-fffd")


def _verdict(v):
    return text(lib.mailauth_verdict_name(v))


def _reason(r):
    return None if r == REASON_NONE else text(lib.mailauth_reason_name(r))


def _spf(ev, identity):
    res = lib.mailauth_eval_spf(ev, identity)
    if res is None:
        return None
    reason = lib.mailauth_spf_result_reason(res)
    # A mechanism or the default decided the result: nothing went wrong.
    if reason in (REASON_SPF_MATCHED, REASON_SPF_DEFAULT):
        reason = REASON_NONE
    return {
        "result": _verdict(lib.mailauth_spf_result_verdict(res)),
        "identity": text(lib.mailauth_spf_identity_name(identity)),
        "domain": text(lib.mailauth_spf_result_domain(res)),
        "explanation": text(lib.mailauth_spf_result_explanation(res)),
        "reason": _reason(reason),
    }


def _dkim(ev):
    out = []
    for i in range(lib.mailauth_eval_dkim_count(ev)):
        res = lib.mailauth_eval_dkim(ev, i)
        bits = lib.mailauth_dkim_result_key_bits(res)
        out.append({
            "result": _verdict(lib.mailauth_dkim_result_verdict(res)),
            "domain": text(lib.mailauth_dkim_result_domain(res)),
            "selector": text(lib.mailauth_dkim_result_selector(res)),
            "algorithm": text(lib.mailauth_dkim_result_algorithm(res)),
            "key_bits": bits if bits > 0 else None,   # 0: no key was read
            "reason": _reason(lib.mailauth_dkim_result_reason(res)),
        })
    return out


def _dmarc(ev):
    res = lib.mailauth_eval_dmarc(ev)
    if res is None:
        return None
    policy = lib.mailauth_dmarc_result_policy(res)
    have = policy != DMARC_POLICY_UNSPECIFIED
    override = lib.mailauth_dmarc_result_override(res)
    reason = lib.mailauth_dmarc_result_reason(res)
    if reason == REASON_DMARC_ALIGNED:  # a pass needs no reason, as in mailauth-check
        reason = REASON_NONE

    def policy_word(p):
        return text(lib.mailauth_dmarc_policy_name(p)) if have else None

    return {
        "result": _verdict(lib.mailauth_dmarc_result_verdict(res)),
        "header_from": text(lib.mailauth_dmarc_result_header_from(res)),
        "policy": policy_word(policy),
        "disposition": policy_word(lib.mailauth_dmarc_result_disposition(res)),
        "org_domain": text(lib.mailauth_dmarc_result_org_domain(res)),
        "policy_domain": text(lib.mailauth_dmarc_result_policy_domain(res)),
        "discovery": text(lib.mailauth_dmarc_discovery_name(
            lib.mailauth_dmarc_result_discovery(res))),
        "spf_aligned": bool(lib.mailauth_dmarc_result_spf_aligned(res)),
        "dkim_aligned": bool(lib.mailauth_dmarc_result_dkim_aligned(res)),
        "reason": _reason(reason),
        "override": (None if override == DMARC_OVERRIDE_NONE
                     else text(lib.mailauth_dmarc_override_name(override))),
    }


def _arc(ev):
    res = lib.mailauth_eval_arc(ev)
    if res is None:
        return None
    oldest = lib.mailauth_arc_result_oldest_pass(res)
    return {
        "result": _verdict(lib.mailauth_arc_result_verdict(res)),
        "instances": lib.mailauth_arc_result_instances(res),
        "oldest_pass": oldest if oldest >= 0 else None,   # -1: not computed
        "reason": _reason(lib.mailauth_arc_result_reason(res)),
    }


def _iprev(ev):
    res = lib.mailauth_eval_iprev(ev)
    return {
        "result": _verdict(lib.mailauth_iprev_result_verdict(res)),
        "ip": text(lib.mailauth_iprev_result_ip(res)),
        "name": text(lib.mailauth_iprev_result_name(res)),
        "reason": _reason(lib.mailauth_iprev_result_reason(res)),
    }


def _authres_line(ar):
    value = format_text(lib.mailauth_authres_format_value, ar, "mailauth_authres_format_value")
    return "Authentication-Results: " + text(value.lstrip(b" \t"))


# The members of the dict, one per method view, in the tool's order: a
# method that was not evaluated (mailauth_eval_methods()) is None, never "none".
_MEMBERS = (
    ("spf", METHODS["spf"], lambda ev: _spf(ev, SPF_MAILFROM)),
    ("helo_spf", METHODS["spf"], lambda ev: _spf(ev, SPF_HELO)),
    ("dkim", METHODS["dkim"], _dkim),
    ("dmarc", METHODS["dmarc"], _dmarc),
    ("arc", METHODS["arc"], _arc),
    ("iprev", METHODS["iprev"], _iprev),
)


def results(ev):
    """The dict of a finished evaluation `ev` (a mailauth_eval_t pointer)."""
    ar = ctypes.c_void_p()
    check(lib.mailauth_eval_authres(ev, ctypes.byref(ar)), "mailauth_eval_authres")
    evaluated = lib.mailauth_eval_methods(ev)
    out = {key: (view(ev) if evaluated & bit else None) for key, bit, view in _MEMBERS}
    out["authentication_results"] = _authres_line(ar.value)
    return out
