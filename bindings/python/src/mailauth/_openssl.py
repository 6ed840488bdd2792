"""Key generation through OpenSSL's libcrypto (the library libmailauth
signs with), over ctypes: libmailauth has no key generator, and Python's
standard library has no RSA or Ed25519.

Only the OpenSSL 3 calls below are used: a keygen context by algorithm
name, EVP_PKEY_generate(), and the PKCS#8 PEM writer into a memory BIO.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import POINTER, c_char_p, c_int, c_long, c_void_p

_P = c_void_p
_BIO_CTRL_INFO = 3   # BIO_get_mem_data() is BIO_ctrl(b, BIO_CTRL_INFO, 0, &ptr)

_DECLS = {
    "EVP_PKEY_CTX_new_from_name": (_P, [_P, c_char_p, c_char_p]),
    "EVP_PKEY_CTX_free": (None, [_P]),
    "EVP_PKEY_keygen_init": (c_int, [_P]),
    "EVP_PKEY_CTX_set_rsa_keygen_bits": (c_int, [_P, c_int]),
    "EVP_PKEY_generate": (c_int, [_P, POINTER(_P)]),
    "EVP_PKEY_free": (None, [_P]),
    "BIO_s_mem": (_P, []),
    "BIO_new": (_P, [_P]),
    "BIO_free": (c_int, [_P]),
    "BIO_ctrl": (c_long, [_P, c_int, c_long, _P]),
    "PEM_write_bio_PrivateKey": (c_int, [_P, _P, _P, _P, c_int, _P, _P]),
    "ERR_clear_error": (None, []),
}

_crypto = None


def _lib():
    global _crypto
    if _crypto is None:
        path = os.environ.get("MAILAUTH_LIBCRYPTO") or "libcrypto.so.3"
        try:
            crypto = ctypes.CDLL(path)
        except OSError:
            found = ctypes.util.find_library("crypto")
            if found is None:
                raise OSError("mailauth.keygen: OpenSSL 3's libcrypto.so.3 not found") from None
            crypto = ctypes.CDLL(found)
        for name, (restype, argtypes) in _DECLS.items():
            fn = getattr(crypto, name)
            fn.restype = restype
            fn.argtypes = argtypes
        _crypto = crypto
    return _crypto


class KeygenError(OSError):
    """OpenSSL could not make the key."""


def generate_pem(kind: str, bits: int) -> bytes:
    """A new private key ("RSA" of `bits` bits, or "ED25519") as PKCS#8 PEM."""
    c = _lib()
    pctx = c.EVP_PKEY_CTX_new_from_name(None, kind.encode("ascii"), None)
    pkey = c_void_p()
    bio = None
    try:
        if not pctx or c.EVP_PKEY_keygen_init(pctx) != 1:
            raise KeygenError(f"OpenSSL: no {kind} key generator")
        if kind == "RSA" and c.EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, bits) != 1:
            raise KeygenError(f"OpenSSL: RSA key size {bits} refused")
        if c.EVP_PKEY_generate(pctx, ctypes.byref(pkey)) != 1 or not pkey.value:
            raise KeygenError(f"OpenSSL: {kind} key generation failed")
        bio = c.BIO_new(c.BIO_s_mem())
        if not bio or c.PEM_write_bio_PrivateKey(bio, pkey, None, None, 0, None, None) != 1:
            raise KeygenError("OpenSSL: cannot write the key as PEM")
        data = c_char_p()
        n = c.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, ctypes.byref(data))
        return ctypes.string_at(data, n)
    finally:
        c.ERR_clear_error()   # leave no error queued for libmailauth's next OpenSSL call
        if bio:
            c.BIO_free(bio)
        c.EVP_PKEY_free(pkey)
        c.EVP_PKEY_CTX_free(pctx)
