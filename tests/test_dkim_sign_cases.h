/* Cases of tests/test_dkim_sign.c: the key x canonicalization x tag
 * matrix, and single cases for header selection and message shapes. */
#ifndef TEST_DKIM_SIGN_CASES_H
#define TEST_DKIM_SIGN_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include <mailauth/sign.h>

struct sign_case {
    const char      *name;
    const char      *key;     /* file under tests/data/dkim_sign, or key_dir */
    const char      *key_dir; /* NULL: tests/data/dkim_sign */
    bool             ed;      /* Ed25519 key */
    mailauth_canon_t ch, cb;
    const char      *h;        /* set_headers(), NULL: the default list */
    bool             l;        /* l= */
    uint32_t         x;        /* expiry seconds, 0: none */
    const char      *i;        /* i=, NULL: none */
    const char      *d, *s;    /* NULL: example.org, sel */
    const char      *msg;      /* the message; NULL: msg_file */
    const char      *msg_file; /* under MAILAUTH_TESTDATA_DIR */
    const char      *want_h;   /* expected h= (names joined by ':'), or NULL */
    const char      *want_bh;  /* expected bh= (base64), or NULL */
    const char      *want_p;   /* expected p= of the DNS record, or NULL */
};

/* Folded fields, WSP runs and trailing WSP, two To fields, a field not
 * signed, trailing empty lines in the body. */
#define MSG_BASIC                                                                                  \
    "From: Alice <alice@example.org>\r\n"                                                          \
    "To: bob@example.net\r\n"                                                                      \
    "To: carol@example.net,\r\n"                                                                   \
    "\t dave@example.net\r\n"                                                                      \
    "Subject:  Hello   world \t\r\n"                                                               \
    "Date: Thu, 1 Jan 2024 00:00:00 +0000\r\n"                                                     \
    "Message-ID: <1@example.org>\r\n"                                                              \
    "X-Other: not signed\r\n"                                                                      \
    "\r\n"                                                                                         \
    "Body line one  \r\n"                                                                          \
    "\tindented \t line\r\n"                                                                       \
    "\r\n"                                                                                         \
    "last line\r\n"                                                                                \
    "\r\n"                                                                                         \
    "\r\n"

static const struct {
    const char *file;
    bool        ed;
} keys[] = {
    {"rsa1024-pkcs1.pem", false},
    {"rsa2048-pkcs8.pem", false},
    {"ed25519-pkcs8.pem", true},
};

/* Crossed with every key and the four c= pairs. */
static const struct sign_case variants[] = {
    {.name = "plain", .msg = MSG_BASIC, .want_h = "from:from:to:to:subject:date:message-id"},
    {.name = "l=", .l = true, .msg = MSG_BASIC},
    {.name = "x=", .x = 3600, .msg = MSG_BASIC},
    {.name = "i=", .i = "alice@mail.example.org", .msg = MSG_BASIC},
    {.name = "l= x= i=", .l = true, .x = 1, .i = "@example.org", .msg = MSG_BASIC},
};

#define RR MAILAUTH_CANON_RELAXED
#define SS MAILAUTH_CANON_SIMPLE

static const struct sign_case extra_cases[] = {
    {.name = "caller h= used as given",
     .key = "ed25519-pkcs8.pem",
     .ed = true,
     .ch = RR,
     .cb = RR,
     .h = "From:Subject:X-Missing:From",
     .msg = MSG_BASIC,
     .want_h = "From:Subject:X-Missing:From"},
    {.name = "caller h= trimmed around names",
     .key = "ed25519-pkcs8.pem",
     .ed = true,
     .ch = SS,
     .cb = SS,
     .h = " from :\tto ",
     .msg = MSG_BASIC,
     .want_h = "from:to"},
    {.name = "caller h= repeats take instances bottom-up",
     .key = "rsa1024-pkcs1.pem",
     .ch = SS,
     .cb = RR,
     .h = "to:from:to:to:x-other",
     .msg = MSG_BASIC,
     .want_h = "to:from:to:to:x-other"},
    {.name = "default h= has the default fields only",
     .key = "ed25519-pkcs8.pem",
     .ed = true,
     .ch = RR,
     .cb = SS,
     .msg = "Received: x\r\nCC: a@b.example\r\nfrom: a@example.org\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\nReply-To: r@x\r\n"
            "In-Reply-To: <a@x>\r\nReferences: <a@x>\r\nFrom: second@example.org\r\n\r\nb\r\n",
     .want_h = "from:from:from:cc:reply-to:in-reply-to:references:mime-version:content-type:"
               "content-transfer-encoding"},
    {.name = "empty body, simple",
     .key = "rsa2048-pkcs8.pem",
     .ch = SS,
     .cb = SS,
     .l = true,
     .msg = "From: a@example.org\r\n\r\n",
     .want_h = "from:from",
     .want_bh = "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY="}, /* RFC 6376 §3.4.3: CRLF */
    {.name = "empty body, relaxed",
     .key = "rsa2048-pkcs8.pem",
     .ch = RR,
     .cb = RR,
     .l = true,
     .msg = "From: a@example.org\r\n\r\n",
     .want_bh = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}, /* §3.4.4: nothing */
    {.name = "no empty line at all",
     .key = "ed25519-pkcs8.pem",
     .ed = true,
     .ch = SS,
     .cb = RR,
     .msg = "From: a@example.org\r\nSubject: s"},
    {.name = "body without final CRLF",
     .key = "ed25519-pkcs8.pem",
     .ed = true,
     .ch = RR,
     .cb = SS,
     .l = true,
     .msg = "From: a@example.org\r\n\r\nno line end  "},
    {.name = "LF line ends",
     .key = "rsa1024-pkcs1.pem",
     .ch = SS,
     .cb = SS,
     .msg = "From: a@example.org\nSubject: folded\n\tsubject\n\nline\n\n"},
    {.name = "long h= and d= fold",
     .key = "ed25519-pkcs8.pem",
     .ed = true,
     .ch = RR,
     .cb = RR,
     .d = "a-rather-long-subdomain-name.of-a-signing-domain.example.org",
     .s = "selector-2024-with-a-long-name",
     .h = "from:x-a-quite-long-header-field-name:x-another-long-header-field-name:"
          "subject:to:cc:date:message-id:x-yet-another-field-name-to-fold:references",
     .msg = MSG_BASIC},
    /* RFC 8463 Appendix A: the published body hash, and the published keys. */
    {.name = "RFC 8463 A.3 ed25519",
     .key = "rfc8463-ed25519.pem",
     .ed = true,
     .ch = RR,
     .cb = RR,
     .h = "from:to:subject:date:message-id:from:subject:date",
     .d = "football.example.com",
     .s = "brisbane",
     .msg_file = "dkim/rfc8463-appendix-a/a1-unsigned.eml",
     .want_bh = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
     .want_p = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="},
    {.name = "RFC 8463 A.3 rsa",
     .key = "dkim/rfc8463-appendix-a/a1-rsa-private.pem",
     .key_dir = MAILAUTH_TESTDATA_DIR,
     .ch = RR,
     .cb = RR,
     .h = "from:to:subject:date:message-id:from:subject:date",
     .d = "football.example.com",
     .s = "test",
     .msg_file = "dkim/rfc8463-appendix-a/a1-unsigned.eml",
     .want_bh = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
     .want_p =
         "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2"
         "jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5Qjv"
         "HO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"},
};

#undef RR
#undef SS

/* What the h= list covers: sign msg, then verify alt with that signature
 * (Ed25519, simple/simple). */
struct tamper_case {
    const char *name;
    const char *h;    /* NULL: the default list */
    const char *msg;  /* signed */
    const char *alt;  /* then verified with the signature */
    int         want; /* 0 pass, 1 body hash, 2 signature (verify_with()) */
};

#define T_MSG "From: a@example.org\r\nX-A: top\r\nTo: b@example.net\r\nX-A: bottom\r\n\r\nbody\r\n"

static const struct tamper_case tamper_cases[] = {
    {"unchanged message verifies", NULL, T_MSG, T_MSG, 0},
    {"changed To fails", NULL, T_MSG,
     "From: a@example.org\r\nX-A: top\r\nTo: c@example.net\r\nX-A: bottom\r\n\r\nbody\r\n", 2},
    {"added From fails (oversigned, RFC 6376 §5.4.2)", NULL, T_MSG,
     "From: evil@example.com\r\n" T_MSG, 2},
    {"added From below fails too", NULL, T_MSG,
     "From: a@example.org\r\nX-A: top\r\nTo: b@example.net\r\nX-A: bottom\r\n"
     "From: evil@example.com\r\n\r\nbody\r\n",
     2},
    {"unsigned field may change", NULL, T_MSG,
     "From: a@example.org\r\nX-A: changed\r\nTo: b@example.net\r\nX-A: bottom\r\n\r\nbody\r\n", 0},
    {"h=from:x-a signs the bottom X-A: top may change", "from:x-a", T_MSG,
     "From: a@example.org\r\nX-A: changed\r\nTo: b@example.net\r\nX-A: bottom\r\n\r\nbody\r\n", 0},
    {"h=from:x-a signs the bottom X-A: bottom may not", "from:x-a", T_MSG,
     "From: a@example.org\r\nX-A: top\r\nTo: b@example.net\r\nX-A: changed\r\n\r\nbody\r\n", 2},
    {"h=from:x-a:x-a: both signed", "from:x-a:x-a", T_MSG,
     "From: a@example.org\r\nX-A: changed\r\nTo: b@example.net\r\nX-A: bottom\r\n\r\nbody\r\n", 2},
    {"body change fails the body hash", NULL, T_MSG,
     "From: a@example.org\r\nX-A: top\r\nTo: b@example.net\r\nX-A: bottom\r\n\r\nBody\r\n", 1},
};

#endif
