/* Shared by the report generation tests: sample policies and records. */
#ifndef REPORT_GEN_FIXTURE_H
#define REPORT_GEN_FIXTURE_H

#include <mailauth/report.h>

#define FIX_BEGIN 1700006400 /* 2023-11-15 00:00:00 UTC */
#define FIX_END 1700092799

static const mailauth_report_policy_t fix_policy = {
    .version = MAILAUTH_REPORT_STRUCT_VERSION,
    .domain = "example.org",
    .p = "reject",
    .sp = "quarantine",
    .np = "reject",
    .adkim = "r",
    .aspf = "s",
    .pct = "100",
    .testing = "n",
    .discovery_method = "psl",
    .fo = "1",
    .rua = "mailto:dmarc@example.org",
};

static const mailauth_report_dkim_t fix_dkim[] = {
    {"other.example", "s1", "pass", NULL},
    {"example.org", "sel", "pass", "key 2048 bits"},
    {"mail.example.org", "m", "fail", "body hash mismatch"},
};
static const mailauth_report_spf_t fix_spf[] = {
    {"example.org", "mfrom", "pass", NULL},
    {"mx.example.org", "helo", "pass", NULL},
};
static const mailauth_report_reason_t fix_reasons[] = {
    {"sampled_out", NULL},
    {"local_policy", "arc"},
};

static const mailauth_report_record_t fix_records[] = {
    {.version = MAILAUTH_REPORT_STRUCT_VERSION,
     .source_ip = "192.0.2.10",
     .count = 12,
     .disposition = "none",
     .dkim_aligned = "pass",
     .spf_aligned = "pass",
     .header_from = "example.org",
     .envelope_from = "example.org",
     .envelope_to = "rcpt.example",
     .dkim = fix_dkim,
     .dkim_count = 3,
     .spf = fix_spf,
     .spf_count = 2},
    {.version = MAILAUTH_REPORT_STRUCT_VERSION,
     .source_ip = "2001:db8::1",
     .count = 3,
     .disposition = "none",
     .dkim_aligned = "fail",
     .spf_aligned = "fail",
     .reasons = fix_reasons,
     .reason_count = 2,
     .header_from = "sub.example.org",
     .envelope_from = "",
     .spf = fix_spf + 1,
     .spf_count = 1},
};

static const mailauth_report_gen_t fix_gen = {
    .version = MAILAUTH_REPORT_STRUCT_VERSION,
    .org_name = "Receiver \"Test\" Org",
    .email = "dmarc-reports@receiver.example",
    .extra_contact_info = "https://receiver.example/dmarc",
};

#endif
