"""Signature verification primitives for OpenPGP, pure Python.

RSA and DSA use plain ``pow()``: verification is one modular exponentiation and
needs no library. ECDSA (NIST curves) and Ed25519 use ``ecdsa`` (pure Python,
maintained, loads in Pyodide). ``ecdsa`` is imported on first use only, so an
RSA-only check never pays for it.
"""
from __future__ import annotations

import hashlib

HASHES = {  # OpenPGP hash id -> (name, hashlib name, DigestInfo prefix)
    1: ("MD5", "md5", bytes.fromhex("3020300c06082a864886f70d020505000410")),
    2: ("SHA-1", "sha1", bytes.fromhex("3021300906052b0e03021a05000414")),
    3: ("RIPEMD-160", "ripemd160", bytes.fromhex("3021300906052b2403020105000414")),
    8: ("SHA-256", "sha256", bytes.fromhex("3031300d060960864801650304020105000420")),
    9: ("SHA-384", "sha384", bytes.fromhex("3041300d060960864801650304020205000430")),
    10: ("SHA-512", "sha512", bytes.fromhex("3051300d060960864801650304020305000440")),
    11: ("SHA-224", "sha224", bytes.fromhex("302d300d06096086480165030402040500041c")),
    12: ("SHA3-256", "sha3_256", bytes.fromhex("3031300d060960864801650304020805000420")),
    14: ("SHA3-512", "sha3_512", bytes.fromhex("3051300d060960864801650304020a05000440")),
}
# sequoia StandardPolicy (2.x): MD5/RIPEMD-160 rejected long ago, SHA-1 rejected
# for every signature made or checked after 2023-02-01 except revocations.
WEAK_HASHES = {1, 2, 3}


def new_hash(hash_id: int):
    entry = HASHES.get(hash_id)
    if entry is None:
        return None
    try:
        return hashlib.new(entry[1])
    except ValueError:  # e.g. ripemd160 missing from this OpenSSL build
        return None


def hash_name(hash_id: int) -> str:
    entry = HASHES.get(hash_id)
    return entry[0] if entry else f"hash #{hash_id}"


def _i2b(n: int, length: int) -> bytes:
    return n.to_bytes(length, "big")


def verify_rsa(n: int, e: int, sig: int, hash_id: int, digest: bytes) -> bool:
    if not (0 < sig < n) or e < 3 or e.bit_length() > 64:
        return False
    k = (n.bit_length() + 7) // 8
    em = _i2b(pow(sig, e, n), k)
    t = HASHES[hash_id][2] + digest
    if k < len(t) + 11:
        return False
    return em == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def verify_dsa(p: int, q: int, g: int, y: int, r: int, s: int, digest: bytes) -> bool:
    if not (0 < r < q and 0 < s < q) or q.bit_length() > 512 or p.bit_length() > 16384:
        return False
    z = int.from_bytes(digest, "big")
    if len(digest) * 8 > q.bit_length():
        z >>= len(digest) * 8 - q.bit_length()
    w = pow(s, -1, q)
    v = (pow(g, z * w % q, p) * pow(y, r * w % q, p)) % p % q
    return v == r


_CURVES = {}


def _curve(name: str):
    if not _CURVES:
        import ecdsa
        _CURVES.update({"NIST P-256": ecdsa.NIST256p, "NIST P-384": ecdsa.NIST384p,
                        "NIST P-521": ecdsa.NIST521p, "Ed25519": ecdsa.Ed25519})
    return _CURVES[name]


def verify_ecdsa(curve: str, point: bytes, r: int, s: int, digest: bytes) -> bool:
    from ecdsa import VerifyingKey, BadSignatureError
    from ecdsa.errors import MalformedPointError
    c = _curve(curve)
    try:
        vk = VerifyingKey.from_string(point, curve=c)
        return bool(vk.verify_digest(b"", digest, sigdecode=lambda _s, _o: (r, s), allow_truncate=True))
    except (BadSignatureError, MalformedPointError, ValueError, AssertionError):
        return False


def verify_ed25519(pub: bytes, sig: bytes, digest: bytes) -> bool:
    from ecdsa import VerifyingKey, BadSignatureError
    from ecdsa.errors import MalformedPointError
    if len(pub) != 32 or len(sig) != 64:
        return False
    try:
        vk = VerifyingKey.from_string(pub, curve=_curve("Ed25519"))
        return bool(vk.verify(sig, digest))
    except (BadSignatureError, MalformedPointError, ValueError, AssertionError):
        return False
