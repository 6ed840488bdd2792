/* Base64 (RFC 4648 §4), tolerant of folding whitespace as DKIM requires. */
#include "util/base64.h"

#include "util/scan.h"
#include "util/str.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decoding table, one lookup per byte: 1 + the value for the alphabet,
 * B_SPACE for SP/HTAB/CR/LF, B_PAD for '=', 0 for everything else. */
enum { B_BAD = 0, B_SPACE = 65, B_PAD = 66 };
static const uint8_t b64_dec[256] = {
    ['A'] = 1,        ['B'] = 2,        ['C'] = 3,    ['D'] = 4,  ['E'] = 5,       ['F'] = 6,
    ['G'] = 7,        ['H'] = 8,        ['I'] = 9,    ['J'] = 10, ['K'] = 11,      ['L'] = 12,
    ['M'] = 13,       ['N'] = 14,       ['O'] = 15,   ['P'] = 16, ['Q'] = 17,      ['R'] = 18,
    ['S'] = 19,       ['T'] = 20,       ['U'] = 21,   ['V'] = 22, ['W'] = 23,      ['X'] = 24,
    ['Y'] = 25,       ['Z'] = 26,       ['a'] = 27,   ['b'] = 28, ['c'] = 29,      ['d'] = 30,
    ['e'] = 31,       ['f'] = 32,       ['g'] = 33,   ['h'] = 34, ['i'] = 35,      ['j'] = 36,
    ['k'] = 37,       ['l'] = 38,       ['m'] = 39,   ['n'] = 40, ['o'] = 41,      ['p'] = 42,
    ['q'] = 43,       ['r'] = 44,       ['s'] = 45,   ['t'] = 46, ['u'] = 47,      ['v'] = 48,
    ['w'] = 49,       ['x'] = 50,       ['y'] = 51,   ['z'] = 52, ['0'] = 53,      ['1'] = 54,
    ['2'] = 55,       ['3'] = 56,       ['4'] = 57,   ['5'] = 58, ['6'] = 59,      ['7'] = 60,
    ['8'] = 61,       ['9'] = 62,       ['+'] = 63,   ['/'] = 64, [' '] = B_SPACE, ['\t'] = B_SPACE,
    ['\r'] = B_SPACE, ['\n'] = B_SPACE, ['='] = B_PAD};

size_t
mailauth__b64_decoded_max(size_t n)
{
    /* Every 4 characters give at most 3 bytes; no intermediate overflow. */
    return n / 4 * 3 + (n % 4 * 3 + 3) / 4;
}

size_t
mailauth__b64_encoded_len(size_t n)
{
    return (n / 3 + (n % 3 != 0)) * 4;
}

/* After the data: only '=' (at most 2, completing the last quantum) and
 * whitespace may follow. RFC 4648 §3.3: anything else is an error. */
static mailauth_status_t
check_tail(const char *in, size_t n, size_t i, size_t quantum)
{
    size_t pads = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (mailauth__is_space(c))
            continue;
        if (c != '=')
            return MAILAUTH_EINVAL;
        pads++;
    }
    if (pads == 0)
        return MAILAUTH_OK;
    /* Padding must fill the final quantum exactly: "xx==" or "xxx=". */
    if (quantum < 2 || quantum + pads != 4)
        return MAILAUTH_EINVAL;
    return MAILAUTH_OK;
}

/* Whole groups of four alphabet characters, no whitespace: the usual b=,
 * bh= and p= once their folding is gone, decoded by the scanner table
 * (32 characters a step where the CPU can). Returns the input consumed. */
static size_t
decode_quads(const unsigned char *in, size_t n, uint8_t *out, size_t *o)
{
    size_t i = mailauth__scan()->b64_quads(out + *o, in, n);
    *o += i / 4 * 3;
    return i;
}

mailauth_status_t
mailauth__b64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen)
{
    const unsigned char *u = (const unsigned char *)in;
    uint32_t             acc = 0;
    size_t               quantum = 0; /* characters in the current group of four */
    size_t               o = 0;
    size_t               i = 0;

    *outlen = 0;
    for (; i < n; i++) {
        uint8_t v;
        if (quantum == 0)
            i += decode_quads(u + i, n - i, out, &o);
        if (i == n)
            break;
        v = b64_dec[u[i]];
        if (v == B_SPACE)
            continue; /* RFC 6376 §3.5: FWS allowed anywhere in b= and p= */
        if (v == B_PAD)
            break;
        if (v == B_BAD)
            return MAILAUTH_EINVAL;
        acc = (acc << 6) | (uint32_t)(v - 1);
        if (++quantum == 4) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
            quantum = 0;
        }
    }
    if (check_tail(in, n, i, quantum) != MAILAUTH_OK)
        return MAILAUTH_EINVAL;
    /* A lone character cannot encode a byte (RFC 4648 §4). RFC 4648 §3.5:
     * the bits of the last character that carry no data are zero in every
     * encoder's output; other values make a second spelling of the same
     * bytes, refused (padded or not) so one b=, bh= or p= has one text. */
    if (quantum == 1 || (quantum == 2 && (acc & 0xf) != 0) || (quantum == 3 && (acc & 0x3) != 0))
        return MAILAUTH_EINVAL;
    if (quantum == 2) {
        out[o++] = (uint8_t)(acc >> 4);
    } else if (quantum == 3) {
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    *outlen = o;
    return MAILAUTH_OK;
}

void
mailauth__b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

/* A text the decoder accepted has '=' at its end only; with the length
 * of the encoding it has no whitespace either (whitespace would take the
 * place of the padding the last quad then lacks), so every quad before
 * the last is four alphabet characters, one to one with its three bytes:
 * only the last quad can differ. */
bool
mailauth__b64_is_encoding(const char *text, size_t len, const uint8_t *bytes, size_t n)
{
    size_t r = n % 3 != 0 ? n % 3 : 3;
    char   last[5];
    if (n == 0 || len != mailauth__b64_encoded_len(n))
        return n == 0 && len == 0;
    mailauth__b64_encode(bytes + n - r, r, last);
    return text[len - 4] == last[0] && text[len - 3] == last[1] && text[len - 2] == last[2] &&
           text[len - 1] == last[3];
}
