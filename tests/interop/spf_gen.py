"""Deterministic pseudo-random SPF scenarios for differential testing.

Scenario(seed, index) builds one world: a client address, a HELO name, a
MAIL FROM (sometimes null), and a Zone holding the sender's SPF policy plus
everything it refers to. The grammar covers RFC 7208 terms and their
awkward corners:

  ip4/ip6 with and without CIDR; a/mx with single and dual CIDR (§5.3,
  §5.4); include chains (§5.2) and redirect (§6.1), including loops and
  targets without a policy; exists with macros (§5.7, §7); ptr (§5.5);
  every qualifier; exp= with macro-bearing explanations (§6.2), missing,
  doubled or broken; void lookups and records over the 10-term limit
  (§4.6.4); MX sets over 10 names; NXDOMAIN, NODATA, TIMEOUT and SERVFAIL
  answers; CNAMEs; IPv4, IPv6 and v4-mapped clients; null sender and HELO
  identity (§2.3, §2.4); a few syntax errors (§4.6).

Everything comes from random.Random(seed * 100003 + index): the same
(seed, index) always gives the same scenario.
"""

import ipaddress
import random
import urllib.parse

from interop_common import Zone, SERVFAIL, TIMEOUT, reverse_name

V4_NETS = ["192.0.2.", "198.51.100.", "203.0.113."]
V6_NETS = ["2001:db8:1::", "2001:db8:2:3::", "2001:db8:ff00::"]
LOCALS = ["user", "strong-bad", "first.last", "x+tag", "a_b", "Mixed.Case", "postmaster",
          "joe-q.public", "o'neil", "long-" + "x" * 58, "100%_sure"]
ZONES = ["example.com", "example.org", "example.net", "mail.example", "sub.example.co.uk"]
RECEIVERS = ["mx.receiver.example", "localdomain.org", "in.example.net"]

# exists: domain-specs (§5.7); the generator adds an A record for the
# expansion about half of the time. Expanded with our own RFC reading.
EXISTS_SPECS = [
    "%{i}.bl.{Z}", "%{ir}.%{v}.list.{Z}", "%{l}.users.{Z}", "%{lr-}.lp.{Z}",
    "%{l1r-}.one.{Z}", "%{d2}.dom.{Z}", "%{dr}.rev.{Z}", "%{h}.helo.{Z}",
    "%{o}.org.{Z}", "%{ir}.%{l1r+}.%{d}", "%{d1}.tld.{Z}", "%{i}._ip.%{d}",
    "%{v}.%{d3r}.{Z}", "%{L}.enc.{Z}", "%{s}.snd.{Z}", "_%{l}._spf.%{d}",
    "%{ir}.%{v}._spf.%{d2}", "%{l-}.x%%y.{Z}", "%{d}.", "%{h2}.%{o1}.{Z}",
    "%{l}.%{l}.%{l}.%{l}.%{l}.{Z}", "%{S}.%{O}.{Z}", "%{l1r+-=}.%{D}", "%{i}.%{i}.%{d}",
]

# domain-specs with macros for a:, mx:, include: and redirect= (§7.1).
TARGET_SPECS = ["_a.%{d}", "%{l}.h.{Z}", "%{d2}", "%{o}", "h.%{d1r}.{Z}", "%{h}",
                "%{ir}.r.{Z}", "_spf.%{d2}."]

# exp= TXT texts (§6.2, §7); no %{t} (the clocks differ).
EXP_TEXTS = [
    "%{i} is not one of %{d}'s designated mail servers.",
    "Sender %{s} via %{h} rejected by %{r}",
    "client %{c} (%{v}) local %{l} domain %{o}",
    "see http://%{d}/why.html?s=%{S}&i=%{I}",
    "100%% sure%_no%-space",
    "%{d2} %{l-} %{lr} %{l1r-} %{ir}",
    "Denied.",
    "%{C} %{R} %{H}",
    "host %{p} is not allowed to send for %{d}",
]


def expand(spec, env, domain_spec=True):
    """RFC 7208 §7.1-7.3 macro expansion of a string we generated ourselves.

    env: s, l, o, d, i, v, h, c, r. Uppercase letters URL-escape (§7.3).
    Used only to decide which names the zone should hold; the real
    implementations expand on their own.
    """
    out = []
    k = 0
    while k < len(spec):
        ch = spec[k]
        if ch != "%":
            out.append(ch)
            k += 1
            continue
        nxt = spec[k + 1]
        if nxt in "%_-":
            out.append({"%": "%", "_": " ", "-": "%20"}[nxt])
            k += 2
            continue
        end = spec.index("}", k)
        body = spec[k + 2:end]
        k = end + 1
        letter, rest = body[0], body[1:]
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        rev = rest.startswith("r") or rest.startswith("R")
        if rev:
            rest = rest[1:]
        delims = rest or "."
        value = env[letter.lower()]
        parts = [value]
        for d in delims:
            parts = [p for piece in parts for p in piece.split(d)]
        if rev:
            parts.reverse()
        if digits:
            parts = parts[-int(digits):]
        value = ".".join(parts)
        if letter.isupper():
            value = urllib.parse.quote(value, safe="-._~")
        out.append(value)
    result = "".join(out)
    if domain_spec:
        if result.endswith("."):
            result = result[:-1]
        while len(result) > 253 and "." in result:  # §7.3: drop labels on the left
            result = result.split(".", 1)[1]
    return result


def ip_env(ip):
    addr = ipaddress.ip_address(ip)
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.version == 4:
        return str(addr), "in-addr", str(addr)
    nibbles = ".".join(addr.exploded.replace(":", ""))
    return nibbles, "ip6", str(addr)


class Scenario:
    """One generated world; fields are plain data for the runners."""

    def __init__(self, seed, index):
        self.seed, self.index = seed, index
        self.rng = random.Random(seed * 100003 + index)
        self.zone = Zone()
        self.notes = []
        self.counter = 0
        self._make_envelope()
        self.zone_names = set()
        self.depth_budget = 6
        self.top = self.record_for(self.domain, 0, top=True)
        if self.rng.random() < 0.7 and self.helo != self.domain:
            self.record_for(self.helo, 1, top=True)
        self._make_ptr()

    # --- envelope ----------------------------------------------------------

    def _make_envelope(self):
        r = self.rng
        roll = r.random()
        if roll < 0.62:
            self.family = 4
            self.ip = r.choice(V4_NETS) + str(r.randint(1, 254))
        elif roll < 0.95:
            self.family = 6
            self.ip = str(ipaddress.ip_address(r.choice(V6_NETS) + "%x:%x" % (
                r.randint(0, 0xffff), r.randint(1, 0xffff))))
        else:
            self.family = 4
            self.ip = "::ffff:" + r.choice(V4_NETS) + str(r.randint(1, 254))
        self.client = ipaddress.ip_address(self.ip)
        if self.client.version == 6 and self.client.ipv4_mapped is not None:
            self.client = self.client.ipv4_mapped
        base = r.choice(ZONES)
        self.base = base
        self.domain = r.choice(["", "", "mail.", "bounce."]) + base
        self.local = r.choice(LOCALS)
        roll = r.random()
        if roll < 0.12:
            self.sender = ""               # null sender: postmaster@HELO (§2.4)
        else:
            dom = self.domain
            roll = r.random()
            if roll < 0.05:
                dom = dom.upper()                  # <domain> as written (§4.1)
            elif roll < 0.08:
                dom += "."                         # absolute form
            self.sender = "%s@%s" % (self.local, dom)
        roll = r.random()
        if roll < 0.2:
            self.helo = self.domain
        elif roll < 0.97:
            self.helo = r.choice(["mx", "smtp", "out"]) + "%d.%s" % (r.randint(1, 9),
                                                                   r.choice(ZONES))
        elif roll < 0.99:
            self.helo = r.choice(["mailhost", "localhost"])   # not multi-label (§4.3)
        else:
            self.helo = "[%s]" % self.client                  # address literal
        self.receiver = r.choice(RECEIVERS)
        if self.sender == "":
            self.domain = self.helo

    def env(self, domain):
        i, v, c = ip_env(self.ip)
        sender = self.sender or "postmaster@" + self.helo
        local, _, dom = sender.rpartition("@")
        return {"s": sender, "l": local, "o": dom, "d": domain, "i": i, "v": v,
                "h": self.helo, "c": c, "r": self.receiver}

    # --- addresses -----------------------------------------------------------

    def addr_near(self, family, how):
        """An address related to the client: same, near (/24 or /112), mid
        (/16 or /48), far."""
        r = self.rng
        if family != self.client.version:
            if family == 4:
                return r.choice(V4_NETS) + str(r.randint(1, 254))
            return str(ipaddress.ip_address(r.choice(V6_NETS) + "%x" % r.randint(1, 0xffff)))
        n = int(self.client)
        bits = 32 if family == 4 else 128
        if how == "same":
            v = n
        elif how == "near":
            v = n ^ r.randint(1, 0xff if family == 4 else 0xffff)
        elif how == "mid":
            v = n ^ (r.randint(1, 0xff) << (8 if family == 4 else 80))
        else:
            v = n ^ (r.randint(1, 0x7f) << (bits - 8))
        return str(ipaddress.ip_address(v) if family == 4 else ipaddress.IPv6Address(v))

    def cidr(self, family):
        r = self.rng
        if family == 4:
            return r.choice([None, None, None, 32, 31, 30, 24, 24, 16, 8, 0])
        return r.choice([None, None, None, 128, 127, 112, 64, 64, 48, 32, 0])

    def new_name(self, stem):
        self.counter += 1
        return "%s%d.%s" % (stem, self.counter, self.rng.choice(ZONES))

    # --- hosts (a, mx targets, ptr names) -----------------------------------

    def host(self, owner=None, kind=None):
        """Give `owner` (or a new name) address records of a random kind."""
        r = self.rng
        name = owner or self.new_name(r.choice(["h", "mail", "srv"]))
        kind = kind or r.choice(["same", "same", "near", "mid", "far", "far", "both",
                                 "nodata", "nx", "nx", "timeout", "servfail", "cname"])
        if kind in ("same", "near", "mid", "far", "both"):
            for fam, rtype in ((4, "A"), (6, "AAAA")):
                if kind != "both" and r.random() < 0.25:
                    continue
                how = kind if kind != "both" else r.choice(["same", "near", "far"])
                for _ in range(r.choice([1, 1, 2, 3])):
                    self.zone.add(name, rtype, self.addr_near(fam, how))
                    how = r.choice(["far", how])
        elif kind == "nodata":
            self.zone.add_txt(name, "not an spf record")
        elif kind in ("timeout", "servfail"):
            for rtype in ("A", "AAAA"):
                if r.random() < 0.8:
                    self.zone.fail(name, rtype, TIMEOUT if kind == "timeout" else SERVFAIL)
                else:
                    self.zone.add(name, rtype, self.addr_near(4 if rtype == "A" else 6, "far"))
        elif kind == "cname":
            target = self.host(kind=r.choice(["same", "near", "far", "nx"]))
            self.zone.set(name, "CNAME", [target])
        return name

    def mx_set(self, owner):
        r = self.rng
        roll = r.random()
        if roll < 0.08:
            self.zone.fail(owner, "MX", TIMEOUT)
            return
        if roll < 0.16:
            return                           # NODATA or NXDOMAIN
        if roll < 0.2:
            self.zone.add(owner, "MX", (0, "."))   # null MX (RFC 7505)
            return
        count = r.choice([1, 1, 2, 3]) if roll < 0.92 else r.choice([10, 11, 12])
        for k in range(count):
            kind = None if count < 5 else r.choice(["far", "far", "nx", "same"])
            self.zone.add(owner, "MX", (r.randint(0, 30), self.host(kind=kind)))

    # --- terms ---------------------------------------------------------------

    def qual(self):
        return self.rng.choice(["", "", "", "+", "-", "~", "?"])

    def dual(self):
        c4, c6 = self.cidr(4), self.cidr(6)
        out = "" if c4 is None else "/%d" % c4
        return out + ("" if c6 is None else "//%d" % c6)

    def term(self, domain, depth):
        r = self.rng
        kind = r.choices(
            ["ip4", "ip6", "a", "mx", "include", "exists", "ptr", "bad", "unknown"],
            [15, 10, 13, 10, 9 if depth < 3 else 1, 10, 3, 2, 2])[0]
        q = self.qual()
        if kind in ("ip4", "ip6"):
            fam = 4 if kind == "ip4" else 6
            addr = self.addr_near(fam, r.choice(["same", "near", "mid", "far"]))
            c = self.cidr(fam)
            if kind == "ip6" and self.client.version == 4 and r.random() < 0.2:
                addr, c = "::ffff:" + self.addr_near(4, "same"), r.choice([None, 96, 120])
            return q + kind + ":" + addr + ("" if c is None else "/%d" % c)
        if kind == "a":
            roll = r.random()
            if roll < 0.35:
                if r.random() < 0.6 and domain not in self.zone_names:
                    self.zone_names.add(domain)
                    self.host(domain, kind=r.choice(["same", "near", "far", "both"]))
                return q + "a" + self.dual()
            if roll < 0.5:
                spec, name = self.macro_target(domain)
                if name not in self.zone_names:
                    self.zone_names.add(name)
                    self.host(name)
                return q + "a:" + spec + self.dual()
            return q + "a:" + self.dot(self.host()) + self.dual()
        if kind == "mx":
            if r.random() < 0.4:
                if domain not in self.zone_names:
                    self.zone_names.add(domain)
                    self.mx_set(domain)
                return q + "mx" + self.dual()
            if r.random() < 0.25:
                spec, target = self.macro_target(domain)
            else:
                target = self.new_name("mxd")
                spec = self.dot(target)
            if target not in self.zone_names:
                self.zone_names.add(target)
                self.mx_set(target)
            return q + "mx:" + spec + self.dual()
        if kind == "include":
            return q + "include:" + self.policy_target(depth, domain)
        if kind == "exists":
            spec = r.choice(EXISTS_SPECS).replace("{Z}", r.choice(ZONES))
            name = expand(spec, self.env(domain))
            roll = r.random()
            if roll < 0.45:
                self.zone.add(name, "A", "127.0.0.2")
            elif roll < 0.5:
                self.zone.fail(name, "A", TIMEOUT)
            elif roll < 0.55:
                self.zone.add(name, "AAAA", "::2")     # exists asks for A only (§5.7)
            return q + "exists:" + spec
        if kind == "ptr":
            return q + r.choice(["ptr", "ptr:" + self.base, "ptr:" + r.choice(ZONES)])
        if kind == "bad":
            return r.choice(["ip4:192.0.2.300", "a:example.com/33", "mx//129", "foo",
                             "-all:x", "exists:%{x}.example.com", "ip6:2001:db8::/129",
                             "include", "ip4:192.0.2.1/", "a:%{d", "exists:%{d0}.x.com",
                             "ptr/24", "?ip4:1.2.3.4//8", "exists"])
        return r.choice(["foo=bar", "x-y=%{d}", "moo.cow=a.b.c", "v2=ok"])

    def dot(self, name):
        """Sometimes the absolute form: domain-end may end in "." (§7.1)."""
        return name + "." if self.rng.random() < 0.08 else name

    def macro_target(self, domain):
        """(domain-spec with macros, the name it expands to here)."""
        spec = self.rng.choice(TARGET_SPECS).replace("{Z}", self.rng.choice(ZONES))
        return spec, expand(spec, self.env(domain))

    def policy_target(self, depth, domain=None):
        """A name for include:/redirect=, with its own policy or a failure."""
        r = self.rng
        roll = r.random()
        if roll < 0.62 and depth < 3 and self.depth_budget > 0:
            self.depth_budget -= 1
            if domain is not None and r.random() < 0.2:
                spec, name = self.macro_target(domain)
                if name != domain and name not in self.zone_names:
                    self.zone_names.add(name)
                    self.record_for(name, depth + 1)
                    return spec
            name = self.new_name("inc")
            self.record_for(name, depth + 1)
            return self.dot(name)
        if roll < 0.7:
            return self.new_name("none")            # NXDOMAIN
        if roll < 0.76:
            name = self.new_name("txt")
            self.zone.add_txt(name, "google-site-verification=abc")
            return name
        if roll < 0.83:
            name = self.new_name("slow")
            self.zone.fail(name, "TXT", r.choice([TIMEOUT, SERVFAIL]))
            return name
        if roll < 0.9:
            return self.domain                       # a loop back to the top
        if roll < 0.95:
            name = self.new_name("two")
            self.zone.add_txt(name, "v=spf1 +all")
            self.zone.add_txt(name, "v=spf1 -all")  # two policies (§4.5)
            return name
        name = self.new_name("cn")
        inner = self.new_name("inner")
        self.zone.add_txt(inner, "v=spf1 " + self.term(inner, 3) + " ~all")
        self.zone.set(name, "CNAME", [inner])
        return name

    # --- records -------------------------------------------------------------

    def record_for(self, domain, depth, top=False):
        """Publish a policy at `domain` and return its text."""
        r = self.rng
        roll = r.random()
        if top and roll < 0.05:
            self.zone.fail(domain, "TXT", TIMEOUT)
            return None
        if top and roll < 0.09:
            return None                                  # no policy: none
        if roll < 0.06:
            count = r.randint(9, 13)                     # around the 10-term limit
            terms = ["a:" + self.host(kind="far") if r.random() < 0.7 else
                     "mx:" + self.host(kind="far") for _ in range(count)]
            for t in terms:
                if t.startswith("mx:"):
                    self.zone.add(t[3:], "MX", (10, self.host(kind="far")))
        else:
            terms = [self.term(domain, depth) for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4, 5,
                                                                       6]))]
        with_exp = r.random() < 0.4
        if r.random() < 0.72:
            q = "-" if with_exp and r.random() < 0.6 else self.qual()
            terms.append(q + r.choice(["all", "all", "all", "ALL"]))
        if r.random() < 0.18:
            terms.append("redirect=" + self.policy_target(depth, domain))
        if with_exp:
            terms.insert(r.randint(0, len(terms)), "exp=" + self.exp_target(domain))
        if r.random() < 0.03:
            terms.append("redirect=" + self.new_name("dup"))
        text = " ".join(["v=spf1"] + terms)
        if r.random() < 0.05:
            text = text.replace(" ", "  ", 1)            # 1*SP between terms (§12)
        if r.random() < 0.15:
            # several character-strings, concatenated without spaces (§3.3)
            cuts = sorted(r.sample(range(1, len(text)), min(3, len(text) - 1)))
            parts = [text[i:j] for i, j in zip([0] + cuts, cuts + [len(text)])]
            self.zone.add(domain, "TXT", [p.encode() for p in parts])
        else:
            self.zone.add_txt(domain, text)
        if r.random() < 0.1:
            self.zone.add_txt(domain, "v=spf10 not ours")   # version must end (§4.5)
        return text

    def exp_target(self, domain):
        r = self.rng
        roll = r.random()
        if roll < 0.5:
            name = "why." + domain
            spec = name
        elif roll < 0.65:
            spec = "exp.%{d}"
            name = "exp." + domain
        else:
            name = self.new_name("exp")
            spec = name
        roll = r.random()
        if roll < 0.7:
            self.zone.set(name, "TXT", [])
            self.zone.add_txt(name, r.choice(EXP_TEXTS))
        elif roll < 0.78:
            self.zone.fail(name, "TXT", TIMEOUT)
        elif roll < 0.86:
            self.zone.add_txt(name, "one")
            self.zone.add_txt(name, "two")                # two records: none used
        elif roll < 0.97:
            self.zone.add_txt(name, "broken %{ macro")
        return spec

    def _make_ptr(self):
        r = self.rng
        rev = reverse_name(self.ip)
        roll = r.random()
        if roll < 0.1:
            self.zone.fail(rev, "PTR", TIMEOUT)
            return
        if roll < 0.3:
            return
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            stem = r.choice(["mail", "host", "dyn"])
            name = "%s%d.%s" % (stem, r.randint(1, 99), r.choice([self.base, r.choice(ZONES)]))
            self.host(name, kind=r.choice(["same", "same", "near", "nx"]))
            self.zone.add(rev, "PTR", name)

    def describe(self):
        return "seed %d #%d: ip %s helo %s mail-from %r receiver %s" % (
            self.seed, self.index, self.ip, self.helo, self.sender, self.receiver)
