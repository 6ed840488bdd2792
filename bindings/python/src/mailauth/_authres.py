"""Parsing an Authentication-Results field (RFC 8601) with the library's
lenient parser (mailauth_authres_parse())."""

from __future__ import annotations

import ctypes
from typing import Any, Union

from ._core import cstr
from ._ffi import check, lib
from ._results import text


def _resinfo(ri: int) -> dict[str, Any]:
    props = []
    for i in range(lib.mailauth_resinfo_prop_count(ri)):
        ptype, prop, value = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_char_p()
        check(lib.mailauth_resinfo_prop(ri, i, ctypes.byref(ptype), ctypes.byref(prop),
                                        ctypes.byref(value)), "mailauth_resinfo_prop")
        props.append({"type": text(ptype.value), "property": text(prop.value),
                      "value": text(value.value)})
    return {
        "method": text(lib.mailauth_resinfo_method(ri)),
        "result": text(lib.mailauth_resinfo_result(ri)),
        "reason": text(lib.mailauth_resinfo_reason(ri)),
        "comment": text(lib.mailauth_resinfo_comment(ri)),
        "properties": props,
    }


def parse_authres(field: Union[str, bytes]) -> dict[str, Any]:
    """Parse one Authentication-Results field (with or without its name,
    folded or not) into::

        {"authserv_id": "mx.example.net",          # "" when the field had none
         "results": [{"method": "spf", "result": "pass", "reason": None,
                      "comment": None,
                      "properties": [{"type": "smtp", "property": "mailfrom",
                                      "value": "example.org"}]}, ...],
         "skipped": 0}                              # pieces that could not be read

    Methods and results are in lower case; properties keep their order and
    any repetition. The parser is lenient (stray tokens and unterminated
    comments are skipped and counted); MailauthError "MAILAUTH_EINVAL" when
    nothing in the text is usable."""
    data = cstr(field, "field")
    skipped = ctypes.c_size_t(0)
    ar = ctypes.c_void_p()
    check(lib.mailauth_authres_parse(None, data, len(data), ctypes.byref(skipped),
                                     ctypes.byref(ar)), "mailauth_authres_parse")
    try:
        return {
            "authserv_id": text(lib.mailauth_authres_authserv_id(ar)),
            "results": [_resinfo(lib.mailauth_authres_resinfo(ar, i))
                        for i in range(lib.mailauth_authres_resinfo_count(ar))],
            "skipped": skipped.value,
        }
    finally:
        lib.mailauth_authres_free(ar)
