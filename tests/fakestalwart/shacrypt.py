"""crypt(3) hashes the legacy server verifies, in pure Python on hashlib.

Python's ``crypt`` module is gone in 3.13, and the fake must not borrow the
page's own ``app.stalwart.sha512crypt`` to check what the page sends (a bug
there would then go unnoticed). This is a second, independent implementation
of Drepper's SHA-crypt (``$5$`` SHA-256, ``$6$`` SHA-512, with ``rounds=``)
and of MD5-crypt (``$1$``), written from the published algorithm
descriptions. bcrypt, yescrypt, argon2, pbkdf2 and scrypt hashes are not
modelled: ``verify`` says False for them.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional

_B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Byte triples in the order the final digest is written out, per algorithm.
_SHA256_ORDER = [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14),
                 (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29)]
_SHA512_ORDER = [(0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4),
                 (47, 5, 26), (6, 27, 48), (28, 49, 7), (50, 8, 29), (9, 30, 51),
                 (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13), (56, 14, 35),
                 (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19),
                 (62, 20, 41)]
_MD5_ORDER = [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)]


def _to64(value: int, n: int) -> str:
    out = []
    for _ in range(n):
        out.append(_B64[value & 0x3F])
        value >>= 6
    return "".join(out)


def _encode(digest: bytes, order, tail: list[int]) -> str:
    """Groups of three bytes (high byte first) as four characters, then the
    bytes left over (``tail``) as the last group."""
    out = "".join(_to64((digest[a] << 16) | (digest[b] << 8) | digest[c], 4) for a, b, c in order)
    if len(tail) == 1:
        out += _to64(digest[tail[0]], 2)
    elif len(tail) == 2:
        out += _to64((digest[tail[0]] << 8) | digest[tail[1]], 3)
    return out


def _stretch(block: bytes, length: int) -> bytes:
    """``length`` bytes made of ``block`` repeated (the algorithm's P and S strings)."""
    whole, part = divmod(length, len(block))
    return block * whole + block[:part]


def sha_crypt(password: bytes, salt: bytes, rounds: Optional[int], algo: str) -> str:
    """``$5$``/``$6$`` hash of ``password`` with ``salt`` (at most 16 bytes used)."""
    new = hashlib.sha256 if algo == "5" else hashlib.sha512
    size = new().digest_size
    salt = salt[:16]
    n = 5000 if rounds is None else min(max(rounds, 1000), 999_999_999)

    alt = new(password + salt + password).digest()
    ctx = new(password + salt)
    ctx.update(_stretch(alt, len(password)))
    bits = len(password)
    while bits:
        ctx.update(alt if bits & 1 else password)
        bits >>= 1
    a = ctx.digest()

    p_bytes = _stretch(new(password * len(password)).digest(), len(password))
    s_bytes = _stretch(new(salt * (16 + a[0])).digest(), len(salt))

    c = a
    for i in range(n):
        h = new()
        h.update(p_bytes if i % 2 else c)
        if i % 3:
            h.update(s_bytes)
        if i % 7:
            h.update(p_bytes)
        h.update(c if i % 2 else p_bytes)
        c = h.digest()

    if size == 32:
        text = _encode(c, _SHA256_ORDER, [31, 30])
    else:
        text = _encode(c, _SHA512_ORDER, [63])
    head = f"${algo}$" + (f"rounds={n}$" if rounds is not None else "")
    return head + salt.decode("ascii", "replace") + "$" + text


def md5_crypt(password: bytes, salt: bytes) -> str:
    salt = salt[:8]
    alt = hashlib.md5(password + salt + password).digest()
    ctx = hashlib.md5(password + b"$1$" + salt)
    ctx.update(_stretch(alt, len(password)))
    bits = len(password)
    while bits:
        ctx.update(b"\x00" if bits & 1 else password[:1])
        bits >>= 1
    c = ctx.digest()
    for i in range(1000):
        h = hashlib.md5()
        h.update(password if i % 2 else c)
        if i % 3:
            h.update(salt)
        if i % 7:
            h.update(password)
        h.update(c if i % 2 else password)
        c = h.digest()
    return "$1$" + salt.decode("ascii", "replace") + "$" + _encode(c, _MD5_ORDER, [11])


def crypt(password: str, stored: str) -> Optional[str]:
    """The hash of ``password`` in the scheme and salt of ``stored``, or None
    for a scheme this module does not know."""
    pw = password.encode("utf-8")
    parts = stored.split("$")
    if len(parts) < 4 or parts[0] != "":
        return None
    algo = parts[1]
    if algo == "1":
        return md5_crypt(pw, parts[2].encode("utf-8"))
    if algo in ("5", "6"):
        rounds = None
        salt = parts[2]
        if salt.startswith("rounds="):
            if len(parts) < 5 or not salt[7:].isdigit():
                return None
            rounds = int(salt[7:])
            salt = parts[3]
        return sha_crypt(pw, salt.encode("utf-8"), rounds, algo)
    return None


def verify(password: str, stored: str) -> bool:
    """True when ``stored`` is a ``$1$``/``$5$``/``$6$`` hash of ``password``."""
    got = crypt(password, stored)
    return got is not None and hmac.compare_digest(got.encode("utf-8"), stored.encode("utf-8"))
