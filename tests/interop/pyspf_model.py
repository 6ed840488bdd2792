"""pyspf as a second opinion on our SPF, and its known departures from RFC 7208.

load() imports pyspf (Debian python3-spf). pyspf_check() runs one check
with DNS answered from a Zone (interop_common) by replacing pyspf's
DNSLookup. DEPARTURES lists the places where pyspf's answer differs from
RFC 7208 (and one normalisation of ours), each with its RFC argument and a
recogniser; explain() names the first that accounts for a disagreement.

Most recognisers re-run pyspf with one departure corrected by a "tweak":
a wrapper installed on the query object around the pyspf method concerned
(they look at their caller's frame to tell e.g. the redirect= charge at
parse time from the include: one). Tweaks stack; "combined" applies all.
"""

import os
import re
import sys

import interop_common as ic

spf = None


def load():
    """Import pyspf; (True, None) or (False, why)."""
    global spf
    spf, why = import_pyspf()
    return spf is not None, why


def import_pyspf():
    """pyspf is Debian's python3-spf; a python3 from elsewhere (pyenv, venv)
    may not see dist-packages, so try that path too."""
    try:
        import spf
        return spf, None
    except ImportError as exc:
        first = str(exc)
    for path in ("/usr/lib/python3/dist-packages",):
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)
    try:
        import spf
        return spf, None
    except Exception as exc:  # noqa: BLE001 - any failure means "no pyspf"
        return None, "%s; then %s" % (first, exc)


# --- pyspf side ---------------------------------------------------------------

class PyspfDNS:
    """The scenario's zone as pyspf's DNSLookup(name, qtype, strict, timeout).

    Answers are lists of ((name, type), data) like pyspf's dnspython
    driver: A/AAAA text, MX (pref, name), PTR name, TXT list of bytes. A
    CNAME is answered as such and pyspf follows it itself. TIMEOUT and
    SERVFAIL raise spf.TempError, which pyspf turns into temperror.
    """

    def __init__(self, zone):
        self.zone = zone
        self.asked = []

    def __call__(self, name, qtype, strict=True, timeout=None):
        self.asked.append((name, qtype))
        kind, data = self.zone.lookup(name, qtype)
        if kind in ic.FAILURES:
            raise spf.TempError("DNS %s for %s/%s" % (kind, name, qtype))
        if kind == "cname":
            return [((name, "CNAME"), data)]
        if kind != "records":
            return []
        return [((name, qtype), d) for d in data]


def pyspf_check(zone, ip, sender, helo, receiver, tweak=None):
    """(result, explanation or None) from pyspf; explanation only for exp=."""
    saved = spf.DNSLookup
    spf.DNSLookup = PyspfDNS(zone)
    try:
        q = spf.query(i=ip, s=sender, h=helo, receiver=receiver, strict=True, querytime=0)
        if tweak is not None:
            tweak(q)
        res, _code, exp = q.check()
    except Exception as exc:  # noqa: BLE001 - report, do not abort the run
        return "pyspf-crash", "%s: %s" % (type(exc).__name__, exc)
    finally:
        spf.DNSLookup = saved
    if exp == spf.EXPLANATIONS.get(res) or res != "fail":
        exp = None
    return res, exp


# --- departures of pyspf from RFC 7208 ---------------------------------------
# Each: name -> (RFC argument, recogniser(scn, ident, ours, theirs) -> bool).
# A recogniser re-runs pyspf with the departure corrected (or inspects the
# data) and says whether that alone explains the disagreement.


def _lower_i(q):
    q.i = q.i.lower()


def _pyspf_caller():
    """The pyspf function that called the current wrapper: frames of this
    file (wrappers stack when tweaks combine) and comprehension frames are
    skipped."""
    f = sys._getframe(1)
    while f is not None and (f.f_code.co_filename == __file__
                             or f.f_code.co_name.startswith("<")):
        f = f.f_back
    return f


def _redirect_charged_when_followed(q):
    """Charge redirect= against the 10-term limit when it is followed, not
    when the record is parsed. pyspf's check0 calls check_lookups() for
    redirect= while reading modifiers (its local `m` is then the list from
    the modifier regex) and dns_spf(redirect) when it follows it."""
    real_check, real_spf = q.check_lookups, q.dns_spf
    state = {"include": False}

    def check_lookups():
        f = _pyspf_caller()
        if f.f_code.co_name == "check0" and isinstance(f.f_locals.get("m"), list):
            return None                          # parse time: not yet a lookup
        state["include"] = f.f_code.co_name == "check0" and f.f_locals.get("m") == "include"
        return real_check()

    def dns_spf(domain):
        f = _pyspf_caller()
        if (f.f_code.co_name == "check0" and not state["include"]
                and f.f_locals.get("redirect") == domain):
            real_check()                         # following redirect= now
        state["include"] = False
        return real_spf(domain)

    q.check_lookups, q.dns_spf = check_lookups, dns_spf


def _ptr_dns_error_no_match(q):
    """§5.5: a DNS error on the PTR query makes ptr not match; one on the
    address query of a PTR name skips that name. pyspf raises temperror."""
    real_ptr, real_a = q.dns_ptr, q.dns_a

    def dns_ptr(i):
        try:
            return real_ptr(i)
        except spf.TempError:
            return []

    def dns_a(name, A="A"):
        f = _pyspf_caller()
        if f is not None and f.f_code.co_name == "validated_ptrs":
            try:
                return real_a(name, A)
            except spf.TempError:
                return []
        return real_a(name, A)

    q.dns_ptr, q.dns_a = dns_ptr, dns_a


def _void_per_term(q):
    """§4.6.4 limits the number of *terms* whose DNS queries come back
    void. pyspf also counts each void address lookup made for the MX names
    of one mx term and for the PTR names of ptr / %{p}."""
    real_a = q.dns_a

    def dns_a(name, A="A"):
        f = _pyspf_caller()
        in_term = getattr(q, "interop_in_mx", False) or (
            f is not None and f.f_code.co_name in ("dns_mx", "validated_ptrs"))
        if not in_term:
            return real_a(name, A)
        saved = q.void_lookups
        q.void_lookups = -1000                   # pyspf raises inside dns()
        try:
            return real_a(name, A)
        finally:
            q.void_lookups = saved

    q.dns_a = dns_a


def _include_self_evaluated(q):
    """pyspf refuses include:<the current domain> while parsing (permerror
    before any term is evaluated). The term is well-formed (§5.2, §12);
    the loop only ends in permerror through the 10-term limit when it is
    reached (§4.6.4), so earlier terms may match or fail first."""
    real = q.validate_mechanism

    def validate_mechanism(mech):
        try:
            return real(mech)
        except spf.PermError as exc:
            if "trivial recursion" not in str(exc):
                raise
            result = spf.RESULTS.get(mech[:1], "pass")
            return mech, "include", q.d, q.cidrmax, result

    q.validate_mechanism = validate_mechanism


def _zero_digit_refused(q):
    """§7.1: \"If a DIGIT is specified, the value MUST be nonzero\": %{d0} is
    a syntax error, so the record is permerror (§4.6) before evaluation.
    pyspf expands it (to all labels but the first)."""
    real = q.expand

    def expand(text, stripdot=True):
        if re.search(r"%\{[A-Za-z]0", text):
            raise spf.PermError("zero DIGIT transformer", text)
        return real(text, stripdot)

    q.expand = expand


def _mx_sequential(order):
    """Look up the exchanges one at a time and stop at the first whose
    address matches; a DNS error on an exchange reached before that is
    temperror (§5). `order`: "preference" (lowest first) or "answer" (as the
    MX RRset came from DNS). pyspf resolves every exchange up front, so an
    error on any of them is temperror even when another one matches."""

    def tweak(q):
        real_mx, real_a = q.dns_mx, q.dns_a

        def dns_mx(domainname):
            f = _pyspf_caller()
            cidr = f.f_locals.get("cidrlength", q.cidrmax) if f is not None else q.cidrmax
            names = []
            q.dns_a = lambda name, A="A": names.append(name) or []
            try:
                real_mx(domainname)   # the MX query and pyspf's 10-name check
            finally:
                q.dns_a = real_a
            if order == "answer":
                kind, data = spf.DNSLookup.zone.lookup(domainname, "MX")
                ans = [ic.norm_name(rd[1]) for rd in data] if kind == "records" else []
                names.sort(key=lambda n: ans.index(ic.norm_name(n))
                           if ic.norm_name(n) in ans else len(ans))
            out = []
            q.interop_in_mx = True    # for _void_per_term when combined
            try:
                for name in names:
                    got = real_a(name, q.A)
                    out.extend(got)
                    if q.cidrmatch(got, cidr):
                        break
            finally:
                q.interop_in_mx = False
            return out

        q.dns_mx = dns_mx

    return tweak


def _cname_void_once(q):
    """A lookup that follows a CNAME to an empty answer is one void lookup
    (§4.6.4: a query answered NODATA/NXDOMAIN). pyspf's dns() counts it in
    the recursive call for the CNAME target and again in the outer call."""
    real = q.dns

    def dns(name, qtype, cnames=None, ignore_void=False):
        return real(name, qtype, cnames=cnames, ignore_void=ignore_void or cnames is not None)

    q.dns = dns


def _unknown_modifier_repeats(q):
    """§6: only redirect= and exp= MUST NOT repeat; \"Unrecognized modifiers
    MUST be ignored no matter where, or how often, they appear in a
    record.\" pyspf's strict mode makes any repeated modifier permerror."""
    real = q.note_error

    def note_error(*msg):
        m = re.match(r"(\S+)= MUST appear at most once", str(msg[0]) if msg else "")
        if m and m.group(1).lower() not in ("exp", "redirect"):
            return None
        return real(*msg)

    q.note_error = note_error


def _truncate_left(q):
    """§7.3: an expanded domain name over 253 octets loses labels on the left
    \"until the total length does not exceed 253 characters\". pyspf drops
    one label only."""
    real = q.expand

    def expand(text, stripdot=True):
        out = real(text, stripdot)
        while stripdot and len(out) > 253 and "." in out:
            out = out.split(".", 1)[1]
        return out

    q.expand = expand


def _exp_syntax_checked(q):
    """§6.2: an explanation with a syntax error is ignored (\"proceed as if no
    exp modifier was given\"); macro-expand needs its closing brace (§7.1).
    pyspf passes an unterminated \"%{\" through as text."""
    real = q.get_explanation

    def get_explanation(spec):
        text = real(spec)
        if text is None:
            return None
        kind, data = spf.DNSLookup.zone.lookup(spec, "TXT")
        raw = b"".join(data[0]).decode("ascii", "replace") if kind == "records" and data else ""
        if re.search(r"%\{[^}]*$", raw):
            return None
        return text

    q.get_explanation = get_explanation


def _exp_lookups_free(q):
    """§4.6.4: exp= is not a DNS-querying term; its lookups happen after
    evaluation (§6.2). pyspf fetches and expands the explanation while
    parsing the record, and the lookups of a %{p} in it count as void
    lookups there (and can end the check in permerror)."""
    real = q.get_explanation

    def get_explanation(spec):
        saved = q.void_lookups
        q.void_lookups = -1000
        try:
            return real(spec)
        finally:
            q.void_lookups = saved

    q.get_explanation = get_explanation


def _all_tweaks(q, mx_order="preference"):
    for name, tweak in TWEAKS.items():
        if name != "mx-exchanges-resolved-eagerly":
            tweak(q)
    _mx_sequential(mx_order)(q)


def rerun(scn, ident, tweak=None, zone=None):
    sender = scn.sender if ident == "spf" else ""
    return pyspf_check(zone or scn.zone, scn.ip, sender, scn.helo, scn.receiver, tweak)


def _by_tweak(name):
    def recognise(scn, ident, ours, theirs):
        return compare(ours, rerun(scn, ident, TWEAKS[name]))
    return recognise


def _with_sender(scn, sender):
    case = Case(scn)
    case.sender = sender
    return case


def _agrees_somehow(case, ident, ours):
    """Does pyspf agree on `case` as is, or with the listed departures fixed?"""
    return compare(ours, rerun(case, ident)) or _explains_combined(case, ident, ours, None)


def _explains_trailing_dot(scn, ident, ours, theirs):
    if ident != "spf" or not scn.sender.endswith("."):
        return False
    return _agrees_somehow(_with_sender(scn, scn.sender[:-1]), ident, ours)


def _explains_domain_case(scn, ident, ours, theirs):
    local, at, dom = scn.sender.rpartition("@")
    if ident != "spf" or not at or dom == dom.lower().rstrip(".") or ours[0] != theirs[0]:
        return False
    return _agrees_somehow(_with_sender(scn, local + "@" + dom.lower().rstrip(".")), ident, ours)


def _explains_not_a_domain(scn, ident, ours, theirs):
    dom = scn.domain if ident == "spf" and scn.sender else scn.helo
    if "." in dom and not dom.startswith("["):
        return False
    return ours in (("none", None), (None, None))


def _explains_mx_order(scn, ident, ours, theirs):
    return any(compare(ours, rerun(scn, ident, _mx_sequential(order)))
               for order in ("preference", "answer"))


def _explains_combined(scn, ident, ours, theirs):
    return any(compare(ours, rerun(scn, ident, lambda q, o=order: _all_tweaks(q, o)))
               for order in ("preference", "answer"))


TWEAKS = {
    "ipv6-i-uppercase": _lower_i,
    "void-counted-per-query": _void_per_term,
    "include-self-refused-at-parse": _include_self_evaluated,
    "zero-digit-transformer": _zero_digit_refused,
    "mx-exchanges-resolved-eagerly": _mx_sequential("preference"),
    "cname-void-counted-twice": _cname_void_once,
    "unknown-modifier-repeated": _unknown_modifier_repeats,
    "macro-truncated-by-one-label": _truncate_left,
    "exp-unterminated-macro-kept": _exp_syntax_checked,
    "exp-lookups-counted": _exp_lookups_free,
    "redirect-charged-at-parse": _redirect_charged_when_followed,
    "ptr-dns-error-temperror": _ptr_dns_error_no_match,
}

DEPARTURES = {
    "ipv6-i-uppercase": (
        "RFC 7208 §7.3/§7.4: for IPv6 %{i} is the dot-format nibble address; the"
        " §7.4 example expands 2001:db8::cb01 in lower case. pyspf upper-cases the"
        " nibbles, visible in exp= text (DNS names compare case-insensitively).",
        _by_tweak("ipv6-i-uppercase")),
    "redirect-charged-at-parse": (
        "RFC 7208 §4.6.4 counts the terms that cause DNS queries during"
        " evaluation, and §6.1 ignores redirect= when the record has \"all\" and"
        " uses it only when nothing matched. pyspf charges redirect= against the"
        " 10-term limit as soon as it reads the record, so a record whose"
        " evaluation stays within 10 terms can give permerror.",
        _by_tweak("redirect-charged-at-parse")),
    "ptr-dns-error-temperror": (
        "RFC 7208 §5.5: \"If a DNS error occurs while doing the PTR RR lookup,"
        " then this mechanism fails to match\", and an error on the address"
        " lookup of one PTR name skips that name. pyspf returns temperror.",
        _by_tweak("ptr-dns-error-temperror")),
    "void-counted-per-query": (
        "RFC 7208 §4.6.4 limits the number of \"terms\" for which DNS queries"
        " return NODATA or NXDOMAIN (void lookups) to two. pyspf counts every void"
        " query, including the address lookups of each MX name of one mx term and"
        " of each PTR name (names the sender does not control, §4.6.4).",
        _by_tweak("void-counted-per-query")),
    "include-self-refused-at-parse": (
        "RFC 7208 §5.2/§12: include:<current domain> is well-formed; the loop is"
        " ended by the 10-term limit (§4.6.4) only if evaluation reaches it, so a"
        " term before it may decide the result. pyspf returns permerror while"
        " parsing (\"include has trivial recursion\").",
        _by_tweak("include-self-refused-at-parse")),
    "zero-digit-transformer": (
        "RFC 7208 §7.1: \"If a DIGIT is specified, the value MUST be nonzero\";"
        " a record with %{d0} has a syntax error: permerror (§4.6) before any"
        " term is evaluated. pyspf accepts it.",
        _by_tweak("zero-digit-transformer")),
    "mx-exchanges-resolved-eagerly": (
        "RFC 7208 §5.4 looks up the address of each MX name and matches if <ip>"
        " is one of them; it fixes no order and does not say whether lookups go on"
        " after a match. Taking the exchanges one at a time (in preference or in"
        " answer order) and stopping at the first match never"
        " sees an error on a later exchange; pyspf resolves every exchange first"
        " and any DNS error is temperror (§5). The text does not settle it.",
        _explains_mx_order),
    "cname-void-counted-twice": (
        "RFC 7208 §4.6.4: a void lookup is a query answered NODATA or NXDOMAIN;"
        " one that goes through a CNAME is still one query. pyspf counts it twice"
        " (once for the CNAME target, once for the name asked).",
        _by_tweak("cname-void-counted-twice")),
    "unknown-modifier-repeated": (
        "RFC 7208 §6: redirect= and exp= MUST NOT appear more than once, but"
        " \"Unrecognized modifiers MUST be ignored no matter where, or how often,"
        " they appear in a record.\" pyspf (strict) returns permerror.",
        _by_tweak("unknown-modifier-repeated")),
    "macro-truncated-by-one-label": (
        "RFC 7208 §7.3: an expanded name longer than 253 characters is truncated"
        " on the left \"by removing successive domain labels (and their following"
        " dots) until the total length does not exceed 253 characters\". pyspf"
        " removes one label only and then queries an over-long name.",
        _by_tweak("macro-truncated-by-one-label")),
    "exp-unterminated-macro-kept": (
        "RFC 7208 §6.2: if the explanation string has syntax errors, proceed as"
        " if no exp modifier was given; \"%{\" without its \"}\" is one (§7.1"
        " macro-expand). pyspf keeps it as literal text.",
        _by_tweak("exp-unterminated-macro-kept")),
    "exp-lookups-counted": (
        "RFC 7208 §4.6.4: the exp modifier does not cause DNS queries at the time"
        " of evaluation and is not subject to the limits; §6.2 fetches it after a"
        " fail. pyspf expands exp= while parsing, and void answers for a %{p} in"
        " it count against the void-lookup limit.",
        _by_tweak("exp-lookups-counted")),
    "trailing-dot-domain": (
        "RFC 7208 §4.3: only a zero-length label *not at the end* makes <domain>"
        " malformed, so user@example.com. is checked as example.com. pyspf"
        " returns none for a domain with a trailing dot.",
        _explains_trailing_dot),
    "sender-domain-case": (
        "Not a pyspf departure: we normalise the sender's domain to lower case"
        " before expanding %{s} %{o} %{d} (domain names compare case-insensitively,"
        " RFC 4343; the mailbox is the same); pyspf keeps the case as given, which"
        " shows in exp= text only.",
        _explains_domain_case),
    "not-a-domain-name": (
        "RFC 7208 §4.3: a <domain> that is not a multi-label domain name gives"
        " \"none\" at once, and §2.3: the HELO check \"can only be performed when"
        " the HELO string is a valid, multi-label domain name\" (we give none or"
        " skip it). pyspf looks up the TXT record of a single label or an address"
        " literal anyway.",
        _explains_not_a_domain),
    "combined": (
        "more than one of the departures above in the same check",
        _explains_combined),
}


def explain(scn, ident, ours, theirs):
    for name, (_why, rec) in DEPARTURES.items():
        if rec(scn, ident, ours, theirs):
            return name
    return None


def compare(ours, theirs):
    """Equal results and, for fail, the same exp= explanation (or none on
    both sides; pyspf's built-in default text counts as none)."""
    if ours[0] != theirs[0]:
        return False
    return ours[0] != "fail" or ours[1] == theirs[1]


class Case:
    """What one CLI run and one pyspf run need; minimize() edits copies."""

    def __init__(self, scn, zone=None):
        self.ip, self.helo, self.sender = scn.ip, scn.helo, scn.sender
        self.receiver, self.domain = scn.receiver, scn.domain
        self.title = scn.describe()
        self.zone = zone if zone is not None else scn.zone

    def describe(self):
        return self.title
