"""SHA-512 crypt (``$6$``, Drepper's SHA-crypt) in pure Python on ``hashlib``.

Stalwart 0.11–0.15 stores whatever secret string the client sends and
verifies crypt hashes; webadmin sends ``sha512_crypt(password)``. Doing the
same keeps the plaintext out of the server's database even on servers without
server-side hashing. Runs in Pyodide (hashlib's sha512 is built in).
"""
from __future__ import annotations

import hashlib
import secrets

ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ORDER = ((0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26),
          (6, 27, 48), (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32),
          (12, 33, 54), (34, 55, 13), (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38),
          (18, 39, 60), (40, 61, 19), (62, 20, 41))


def _b64_24(b2: int, b1: int, b0: int, n: int) -> str:
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _ in range(n):
        out.append(ITOA64[w & 0x3F])
        w >>= 6
    return "".join(out)


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def sha512_crypt(password: str, salt: str | None = None, rounds: int = 5000) -> str:
    pw = password.encode("utf-8")
    if salt is None:
        salt = "".join(secrets.choice(ITOA64) for _ in range(16))
    s = salt.encode("utf-8")[:16]
    rounds = max(1000, min(999_999_999, rounds))

    b = hashlib.sha512(pw + s + pw).digest()
    a = hashlib.sha512(pw + s)
    a.update(_repeat(b, len(pw)) if pw else b"")
    i = len(pw)
    while i > 0:
        a.update(b if i & 1 else pw)
        i >>= 1
    a_dig = a.digest()

    dp = hashlib.sha512(pw * len(pw)).digest()
    p = _repeat(dp, len(pw)) if pw else b""
    ds = hashlib.sha512(s * (16 + a_dig[0])).digest()
    sb = _repeat(ds, len(s)) if s else b""

    c = a_dig
    for r in range(rounds):
        h = hashlib.sha512(p if r & 1 else c)
        if r % 3:
            h.update(sb)
        if r % 7:
            h.update(p)
        h.update(c if r & 1 else p)
        c = h.digest()

    enc = "".join(_b64_24(c[x], c[y], c[z], 4) for x, y, z in _ORDER) + _b64_24(0, 0, c[63], 2)
    prefix = "$6$" + (f"rounds={rounds}$" if rounds != 5000 else "")
    return f"{prefix}{s.decode('utf-8', 'replace')}${enc}"
