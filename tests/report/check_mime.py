#!/usr/bin/python3
"""Checks of the report messages mailauth writes, with Python's email
package (and dkimpy for the signature), independent of the C code.

  check_mime.py aggregate MSG ZONE       RFC 9990 aggregate report message
  check_mime.py failure MSG [--keep] [--sample EML]
                                         RFC 9991 / RFC 6591 failure report (with
                                         --sample: every field the example has)
  check_mime.py failure-sample EML       the same structural check on the
                                         RFC 9991 example, so that the checker
                                         itself is known to accept the RFC's form
"""
import email
import email.policy
import gzip
import re
import sys
import xml.etree.ElementTree as ET

NS = "{urn:ietf:params:xml:ns:dmarc-2.0}"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def zone_dnsfunc(path):
    """dkimpy DNS function over the zone text the C test wrote."""
    records = {}
    with open(path) as f:
        for line in f:
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[1] == "TXT":
                strings = re.findall(r'"([^"]*)"', parts[2])
                records[parts[0].rstrip(".").lower()] = "".join(strings).encode()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return records.get(name.rstrip(".").lower())

    return dnsfunc


def check_aggregate(path, zone):
    raw = open(path, "rb").read()
    if b"\r\n" not in raw or b"\n" in raw.replace(b"\r\n", b""):
        fail("line ends are not CRLF throughout")
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = re.sub(r"\r?\n[ \t]+", " ", msg["Subject"])
    m = re.fullmatch(r"Report Domain: (\S+) Submitter: (\S+) Report-ID: <([A-Za-z0-9.]+)>",
                     subject)
    if not m:
        fail("Subject does not follow RFC 9990: %r" % subject)
    domain, submitter, rid = m.groups()
    for h in ("From", "To", "Date", "Message-ID", "MIME-Version", "DKIM-Signature"):
        if msg[h] is None:
            fail("no %s field" % h)
    if msg.get_content_type() != "multipart/mixed":
        fail("top level is %s" % msg.get_content_type())
    gz = [p for p in msg.walk() if p.get_content_type() == "application/gzip"]
    if len(gz) != 1:
        fail("%d application/gzip parts" % len(gz))
    name = gz[0].get_filename()
    fm = re.fullmatch(r"([^!]+)!([^!]+)!(\d+)!(\d+)!([A-Za-z0-9]+)\.xml\.gz", name or "")
    if not fm:
        fail("file name %r does not follow RFC 9990" % name)
    if fm.group(1) != submitter or fm.group(2) != domain or fm.group(5) != rid:
        fail("file name %r disagrees with the Subject" % name)
    doc = ET.fromstring(gzip.decompress(gz[0].get_payload(decode=True)))
    if doc.tag != NS + "feedback":
        fail("root element %s" % doc.tag)
    if doc.findtext(NS + "report_metadata/" + NS + "report_id") != rid:
        fail("report_id differs from the Subject's Report-ID")
    if doc.findtext(NS + "policy_published/" + NS + "domain") != domain:
        fail("policy domain differs")
    dr = doc.find(NS + "report_metadata/" + NS + "date_range")
    if dr.findtext(NS + "begin") != fm.group(3) or dr.findtext(NS + "end") != fm.group(4):
        fail("date_range differs from the file name")
    import dkim
    if not dkim.verify(raw, dnsfunc=zone_dnsfunc(zone)):
        fail("dkimpy does not verify the DKIM signature")
    print("aggregate message ok: %s, %d records" % (name, len(doc.findall(NS + "record"))))


REQUIRED = ("Feedback-Type", "Version", "User-Agent", "Auth-Failure", "Authentication-Results",
            "Identity-Alignment", "Source-IP", "Reported-Domain")


def failure_structure(msg):
    """RFC 5965 §2 / RFC 6591: the three parts and the feedback fields."""
    if msg.get_content_type() != "multipart/report":
        fail("top level is %s" % msg.get_content_type())
    if msg.get_param("report-type") != "feedback-report":
        fail("report-type is %r" % msg.get_param("report-type"))
    parts = msg.get_payload()
    if len(parts) != 3:
        fail("%d parts, not 3" % len(parts))
    if parts[0].get_content_maintype() != "text":
        fail("first part is %s" % parts[0].get_content_type())
    if parts[1].get_content_type() != "message/feedback-report":
        fail("second part is %s" % parts[1].get_content_type())
    if parts[2].get_content_type() not in ("message/rfc822", "text/rfc822-headers"):
        fail("third part is %s" % parts[2].get_content_type())
    fb = parts[1].get_payload()
    fields = fb[0] if isinstance(fb, list) else email.message_from_string(fb)
    for name in REQUIRED:
        if fields[name] is None:
            fail("feedback part has no %s" % name)
    if fields["Feedback-Type"].strip() != "auth-failure" or fields["Version"].strip() != "1":
        fail("not an auth-failure report, version 1")
    if fields["Auth-Failure"].strip() != "dmarc":
        fail("Auth-Failure is %r" % fields["Auth-Failure"])
    ia = fields["Identity-Alignment"].strip()
    if not re.fullmatch(r"none|(dkim|spf)(\s*,\s*(dkim|spf))?", ia):
        fail("Identity-Alignment %r does not follow RFC 9991" % ia)
    return parts, fields


def original_header(part):
    if part.get_content_type() == "message/rfc822":
        return part.get_payload()[0]
    return email.message_from_string(part.get_payload())


def check_failure(path, keep, sample=None):
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts, fields = failure_structure(msg)
    if sample is not None:
        # Every field the RFC 9991 example report carries is in ours too.
        smsg = email.message_from_bytes(open(sample, "rb").read(), policy=email.policy.compat32)
        sparts, sfields = failure_structure(smsg)
        missing = [k for k in sfields.keys() if fields[k] is None]
        if missing:
            fail("fields of the RFC 9991 example missing: %s" % ", ".join(missing))
        if [p.get_content_type() for p in parts[:2]] != [p.get_content_type() for p in sparts[:2]]:
            fail("the parts differ from the RFC 9991 example")
    orig = original_header(parts[2])
    if orig["Subject"] is None or orig["From"] is None:
        fail("the original header is not included")
    author = orig["From"]
    if keep:
        if "alice@example.org" not in author:
            fail("local part redacted although asked to keep it: %r" % author)
    else:
        if "alice" in raw.decode("utf-8", "replace"):
            fail("a local part was not redacted")
        if not re.search(r"redacted-[0-9a-f]{16}@example\.org", author):
            fail("From is not redacted per RFC 6590: %r" % author)
        if "redacted-" not in fields["Original-Mail-From"]:
            fail("Original-Mail-From is not redacted")
    if fields["Reported-Domain"].strip() != "example.org":
        fail("Reported-Domain %r" % fields["Reported-Domain"])
    if "dmarc=fail" not in fields["Authentication-Results"]:
        fail("Authentication-Results has no dmarc=fail")
    print("failure report ok: %s" % ", ".join(sorted(set(fields.keys()))))


def check_sample(path):
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.compat32)
    parts, fields = failure_structure(msg)
    print("RFC 9991 example passes the same check: %s" % ", ".join(fields.keys()))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "aggregate":
        check_aggregate(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "failure":
        args = sys.argv[3:]
        sample = args[args.index("--sample") + 1] if "--sample" in args else None
        check_failure(sys.argv[2], "--keep" in args, sample)
    elif len(sys.argv) == 3 and sys.argv[1] == "failure-sample":
        check_sample(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
