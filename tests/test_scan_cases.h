/* The fixed cases of tests/test_scan.c: inputs and what the scalar
 * reference (and so every variant) must give for them. Included once, by
 * test_scan.c, which defines S() and A16 first. */
#ifndef TEST_SCAN_CASES_H
#define TEST_SCAN_CASES_H

/* ---- fixed cases: what the scalar reference is checked against ---- */

/* in: the bytes decided and then the two read after them (n = len - 2). */
struct squeeze_case {
    const char *name, *in, *want;
};
static const struct squeeze_case squeeze_cases[] = {
    {"empty", "ab", ""},
    {"text as it is", "a b.c", "a b"},
    {"SP SP to one SP", "a  b..", "a b"},
    {"HTAB to SP", "a\tb..", "a b"},
    {"SP HTAB SP to one SP", "a \t b..", "a b"},
    {"blanks before CRLF go", "a \t\r\nb..", "a\r\nb"},
    {"SP before a bare CR stays", "a \rb..", "a \rb"},
    {"SP before a bare LF stays", "a \nb..", "a \nb"},
    {"SP before CR CR LF stays", "a \r\r\n..", "a \r\r\n"},
    {"a blank line of blanks is emptied", "\r\n \t \r\nb..", "\r\n\r\nb"},
    {"the last byte WSP, text after", "a bx", "a "},
    {"the last byte WSP, CRLF after", "a \r\n", "a"},
    {"the last byte WSP, CR text after", "a \rx", "a "},
    {"8-bit and control bytes are text", "\x80 \xff\x01 \x7f..", "\x80 \xff\x01 \x7f"},
    {"runs across blocks", A16 "aaaaaaaaaaaaaa    " A16 "aaaaaaaaaaaa\t\t\r\n" A16 "..",
     A16 "aaaaaaaaaaaaaa " A16 "aaaaaaaaaaaa\r\n" A16},
    {"a clean 64-byte block", A16 A16 A16 A16 "..", A16 A16 A16 A16},
};

struct plain_case {
    const char *name, *in;
    size_t      n, want;
};
static const struct plain_case plain_cases[] = {
    {"empty", S(""), 0},
    {"word", S("abc"), 3},
    {"lone SPs", S("a b c"), 5},
    {"SP SP stops", S("a  b"), 1},
    {"SP last stops", S("a b "), 3},
    {"SP first", S(" a"), 2},
    {"CRLF stops", S("ab\r\n c"), 2},
    {"HTAB stops", S("a\tb"), 1},
    {"control byte stops", S("a\001b"), 1},
    {"NUL stops", S("a b\x00"), 3},
    {"8-bit and colons are content", S("x: \x80\xff"), 5},
    {"SP before 8-bit", S("a \x80"), 3},
    {"long, then SP SP", S(A16 A16 "12345678  x"), 40},
    {"long, then CR", S(A16 A16 A16 "\r\n"), 48},
};

struct lf_case {
    const char *name, *in;
    size_t      n;
    bool        prev_cr;
    size_t      want;
};
static const struct lf_case lf_cases[] = {
    {"empty", S(""), false, 0},
    {"LF first", S("\n"), false, 0},
    {"LF first after a CR", S("\n"), true, 1},
    {"CRLF", S("a\r\nb"), false, 4},
    {"bare LF", S("a\nb"), false, 1},
    {"CRLF then LF", S("\r\n\n"), false, 2},
    {"CR CR LF", S("\r\r\n"), false, 3},
    {"LF CR LF after a CR", S("\n\r\n"), true, 3},
    {"LF CR", S("a\n\r"), false, 1},
    {"CR last", S("a\r"), false, 2},
    {"NUL before LF", S("a\x00\n"), false, 2},
    {"after 45 bytes of CRLF lines", S(A16 "\r\n" A16 "\r\nabcdefghi\n"), false, 45},
    {"after 64 bytes of CRLF lines", S(A16 A16 A16 "aaaaaaaaaaaaaa\r\n\n"), false, 64},
};

/* lf_to_crlf: the input, the byte before it, the output. */
struct crlf_case {
    const char *name, *in;
    size_t      n;
    bool        prev_cr;
    const char *want;
    size_t      want_n;
};
static const struct crlf_case crlf_cases[] = {
    {"empty", S(""), false, S("")},
    {"LF alone", S("\n"), false, S("\r\n")},
    {"LF after a CR before", S("\n"), true, S("\n")},
    {"CRLF kept", S("a\r\nb"), false, S("a\r\nb")},
    {"lines", S("a\nbc\n\n"), false, S("a\r\nbc\r\n\r\n")},
    {"bare CR kept", S("a\rb\r"), false, S("a\rb\r")},
    {"CR CR LF", S("\r\r\n"), false, S("\r\r\n")},
    {"NUL and 8-bit", S("\x00\n\xff\n"), false, S("\x00\r\n\xff\r\n")},
    {"lines over 64 bytes", S(A16 A16 "\n" A16 A16 "\n\n" A16 "\n" A16 A16), false,
     S(A16 A16 "\r\n" A16 A16 "\r\n\r\n" A16 "\r\n" A16 A16)},
    {"every byte LF",
     S("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
       "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"),
     false,
     S("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
       "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
       "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
       "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
       "\r\n\r\n")},
};

struct valchar_case {
    const char *name, *in;
    size_t      n, want;
};
static const struct valchar_case valchar_cases[] = {
    {"empty", S(""), 0},
    {"word", S("abc"), 3},
    {"semicolon ends", S("ab;c"), 2},
    {"SP ends", S("ab c"), 2},
    {"HTAB ends", S("ab\tc"), 2},
    {"CR ends", S("ab\r\n"), 2},
    {"DEL ends", S("a\x7f"), 1},
    {"NUL ends", S("a\000b"), 1},
    {"8-bit bytes are VALCHARs", S("\x80\xff!~"), 4},
    {"base64 run", S("b=" A16 A16 "/+09==;"), 40},
    {"48 bytes, no end", S(A16 A16 A16), 48},
};

struct nows_case {
    const char *name, *in;
    size_t      n;
    const char *want;
    size_t      want_n;
};
static const struct nows_case nows_cases[] = {
    {"empty", S(""), S("")},
    {"nothing to drop", S("ab"), S("ab")},
    {"every kind dropped", S("a b\tc\r\nd\ne"), S("abcde")},
    {"only FWS", S(" \r\n\t"), S("")},
    {"NUL and 8-bit kept", S("\x80 \x00\xff"), S("\x80\x00\xff")},
    {"folded base64", S(A16 A16 "\r\n\t" A16 " " A16), S(A16 A16 A16 A16)},
};

#endif
