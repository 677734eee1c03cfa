"""Recognise private key material in whatever form people paste or drop.

``private_kind(data)`` names the private key in ``data`` (text or bytes) or
returns None. It is the one recogniser, run first by the key checks
(``check_key``), which the CLI and the upload guard
(``app.stalwart.validate.public_key``) call: anything it names is refused,
cleared from the page and never sent.

It looks for, in any letter case and with or without armour:
PEM/armour blocks whose label says PRIVATE or SECRET (PKCS#1/#8, SEC1, DSA,
encrypted PKCS#8, OpenSSH, SSH.com, OpenPGP); OpenPGP secret-key packets, binary
or armoured under any label; PuTTY ``.ppk`` files; JSON Web Keys and key sets
with private members; PKCS#12 bundles (binary or base64); DER private keys
(PKCS#1, PKCS#8, encrypted PKCS#8, SEC1, DSA); GnuPG's own private-key files;
and the base64 bodies of all these when the framing lines were lost.

It never raises, and it only parses headers (no cryptography), so it stays fast
on a 1 MiB public key.

It also guards every field that takes pasted text (passwords, codes, the
sign-in token, descriptions, allowed IPs, the key box): ``refuse(value,
field)`` raises the one refusal, ``err.input.private_key``, before anything is
sent. For that use it must not call an ordinary secret a key: where nothing but
the bytes says "key" (a bare base64 body, text that is binary read as
Latin-1), an OpenPGP secret key is named only when its first packet is a
well-formed secret-key packet, which random passwords and tokens never are.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Optional, Union

__all__ = ["Private", "private_kind", "refuse"]


@dataclass(frozen=True)
class Private:
    """What was recognised: a stable ``kind`` and a name in words (``what``)."""

    kind: str   # "openpgp" | "pkcs12" | "pem" | "der" | "openssh" | "putty" | "jwk" | "gnupg" | "sshcom"
    what: str   # e.g. "OpenPGP secret key", shown in the refusal


# A framing line: 3+ dashes, BEGIN, a label, 3+ dashes; any case, loose spacing
# (none at all where a code field dropped the spaces: -----BEGINPRIVATEKEY-----).
_BEGIN = re.compile(r"-{3,}\s*BEGIN\s*([A-Za-z0-9 #._/()-]*?)\s*-{3,}", re.I)
# The label without its dashes (they get lost in chat tools and mail clients).
_LOOSE_LABEL = re.compile(r"\bBEGIN\s+(?:[A-Z0-9]+\s+){0,3}(?:PRIVATE|SECRET)\s+KEY\b", re.I)
# The same with every space gone (a code field drops them): BEGINOPENSSHPRIVATEKEY.
_SQUEEZED_LABEL = re.compile(r"BEGIN([A-Z0-9]{0,16}?)(PRIVATE|SECRET)KEY", re.I)
_PUTTY = re.compile(r"^\s*PuTTY-User-Key-File-\d+\s*:", re.I | re.M)
_GNUPG = re.compile(r"\((?:\d+:)?(?:protected-|shadowed-)?private-key\b", re.I)
_GNUPG_EXT = re.compile(r"^\s*Key:\s*\(\s*(?:protected-|shadowed-)?private-key\b", re.I | re.M)
_OPENSSH_B64 = "b3BlbnNzaC1rZXktdjE"  # base64("openssh-key-v1")
_JWK_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "k", "oth")
_JWK_LOOSE = re.compile(r'"kty"\s*:.*?"(?:d|p|q|dp|dq|qi|k|oth)"\s*:|"(?:d|p|q|dp|dq|qi|k|oth)"\s*:.*?"kty"\s*:',
                        re.S)
# A cut-off paste may end before "kty": a private member with a long base64url value.
_JWK_MEMBER = re.compile(r'"(?:d|p|q|dp|dq|qi|k)"\s*:\s*"[A-Za-z0-9_-]{20,}')
_B64_TEXT = re.compile(r"^[A-Za-z0-9+/=\s]+$")
_MAX_SCAN = 4 << 20  # far above the checker's 1 MiB input limit


def private_kind(data: Union[bytes, bytearray, memoryview, str, None]) -> Optional[Private]:
    """The private key found in ``data``, or None. Never raises."""
    try:
        return _kind(data)
    except Exception:  # a recogniser bug must not hide behind "public": fall through to the checks
        return None


def refuse(value: object, field: str) -> None:
    """The guard every field that can take pasted text runs first, where its
    input is checked (``app.stalwart.validate`` for the account's fields,
    ``app.auth`` for the sign-in's): private key material in ``value`` (text,
    bytes, or a list of entries) is refused with ``err.input.private_key``
    naming the form found, so it is never sent nor stored."""
    from app.errors import InvalidInput
    if isinstance(value, (list, tuple)):
        value = "\n".join(v for v in value if isinstance(v, str))
    found = private_kind(value) if isinstance(value, (str, bytes, bytearray, memoryview)) else None
    if found is not None:
        raise InvalidInput("err.input.private_key", field, {"what": found.what})


def _kind(data) -> Optional[Private]:
    if isinstance(data, str):
        text = data[:_MAX_SCAN]
        raw = _latin1(text)
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data[:_MAX_SCAN])
        text = raw.decode("utf-8", "replace")
    else:
        return None
    if raw is not None:
        # Text is binary only by accident (typed text is not): then be strict.
        strict = isinstance(data, str)
        found = _binary(raw.lstrip(b"\r\n\t \xef\xbb\xbf"), strict) if raw[:1] not in (b"-",) else None
        if found:
            return found
    return _text(text.lstrip("\ufeff"))


def _latin1(text: str) -> Optional[bytes]:
    """A binary file that reached us as text (read as Latin-1), as bytes again."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


# --------------------------------------------------------------------------- text forms

def _text(text: str) -> Optional[Private]:
    # Substring tests guard every regex: a 1 MiB public key must stay cheap.
    low = text.lower()
    blocks = list(_begin_lines(text, low))
    for label, _ in blocks:
        if "PRIVATE" in label or "SECRET" in label:
            return _labelled(label)
        if "PKCS12" in label or "PKCS #12" in label or "PFX" in label:
            return Private("pkcs12", "PKCS#12 bundle")
    if "private" in low or "secret" in low:
        m = _LOOSE_LABEL.search(text)
        if m:
            return _labelled(" ".join(m.group(0).upper().split()[1:]))
        m = _SQUEEZED_LABEL.search("".join(text.split()))
        if m:
            return _labelled(" ".join(x for x in (m.group(1), m.group(2), "KEY") if x).upper())
    if "putty-user-key-file" in low and _PUTTY.search(text):
        return Private("putty", "PuTTY private key (.ppk)")
    if "private-key" in low and (_GNUPG_EXT.search(text) or _GNUPG.search(text[:4096])):
        return Private("gnupg", "GnuPG private key file")
    found = _jwk(text)
    if found:
        return found
    # Armoured or PEM blocks with an innocent label can still carry a private key
    # (sq once printed secret keys under PUBLIC KEY BLOCK): look inside each.
    for _, start in blocks:
        found = _binary(_block_body(text, low, start)) or _headers_joined(text, start)
        if found:
            return found
    # The framing lines were lost: a bare base64 body.
    if _OPENSSH_B64 in text and re.search(r"(?m)^\s*" + _OPENSSH_B64, text):
        return Private("openssh", "OpenSSH private key")
    if not blocks:
        compact = _unframed(text, low)
        if compact is not None and len(compact) >= 32:
            raw = _b64(compact)
            if raw:
                return _binary(raw, strict=True)
    return None


_END = re.compile(r"-{3,}\s*END", re.I)
_ARMOR_HEADER = re.compile(r"[A-Za-z][A-Za-z0-9-]*:\s")
_CRC_TAIL = re.compile(r"=[A-Za-z0-9+/]{4}\Z")


def _unframed(text: str, low: str) -> Optional[str]:
    """The base64 of a block whose BEGIN line was lost, compacted, or None
    when ``text`` is not one: copied from below the BEGIN line, it may still
    hold armour headers (``Comment: …``) and end with the OpenPGP CRC line
    (``=AbCd``) and the END line. A field that drops line breaks (a one-line
    input) joins them all: the CRC then follows the body's padding."""
    if "end" in low:
        m = _END.search(text)
        if m:
            text = text[:m.start()]
    lines = text.strip().splitlines()
    while lines and _ARMOR_HEADER.match(lines[0]):  # headers run up to the first blank line
        lines.pop(0)
    compact = "".join("".join(lines).split())
    if not _B64_TEXT.match(compact or "-"):
        return None
    if "=" in compact.rstrip("="):
        compact = _CRC_TAIL.sub("", compact)  # the CRC line: "=" inside base64 is never data
    return compact


def _begin_lines(text: str, low: str):
    """(normalised label, end of the framing) of every BEGIN framing, any case;
    several on one line too (a one-line field joins the lines)."""
    pos = low.find("begin")
    while pos != -1:
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end == -1 else line_end
        for m in _BEGIN.finditer(text, line_start, line_end):
            yield " ".join(m.group(1).upper().split()), m.end()
        pos = low.find("begin", line_end)


def _labelled(label: str) -> Private:
    if "PGP" in label:
        return Private("openpgp", "OpenPGP secret key")
    if "OPENSSH" in label:
        return Private("openssh", "OpenSSH private key")
    if "SSH2" in label:
        return Private("sshcom", "SSH.com private key")
    if "ENCRYPTED" in label:
        return Private("pem", "encrypted PKCS#8 private key")
    names = {"RSAPRIVATEKEY": "RSA private key", "ECPRIVATEKEY": "EC private key",
             "DSAPRIVATEKEY": "DSA private key", "PRIVATEKEY": "PKCS#8 private key"}
    return Private("pem", names.get(label.replace(" ", ""), f"'{label}' block"))


def _jwk(text: str) -> Optional[Private]:
    head = text[:64].lstrip()
    if not head.startswith(("{", "[")) and '"kty"' not in text:
        return None
    s = text.strip()
    try:
        obj = json.loads(s)
    except ValueError:
        obj = None
    if obj is not None:
        return Private("jwk", "JSON Web Key with private parts") if _jwk_private(obj, 0) else None
    # Not valid JSON (cut off, pasted with extra text): a loose look for kty next to a private member.
    if _JWK_LOOSE.search(s) or _JWK_MEMBER.search(s):
        return Private("jwk", "JSON Web Key with private parts")
    return None


def _jwk_private(obj, depth: int) -> bool:
    if depth > 8:
        return False
    if isinstance(obj, list):
        return any(_jwk_private(o, depth + 1) for o in obj[:1000])
    if not isinstance(obj, dict):
        return False
    if "kty" in obj and any(m in obj for m in _JWK_PRIVATE):
        return True
    return any(_jwk_private(v, depth + 1) for k, v in obj.items() if isinstance(v, (dict, list)))


def _block_body(text: str, low: str, start: int) -> bytes:
    """The decoded body of the block whose BEGIN line ends at ``start``: armour
    headers skipped, the CRC line and stray characters ignored (a sniff, not a check)."""
    ends = [i for i in (low.find("-end", start), low.find("- end", start)) if i != -1]
    block = text[start:min(ends) if ends else len(text)]
    head = block[:4096]
    first = head.lstrip("\r\n \t").split("\n", 1)[0]
    if ":" in first:  # armour / RFC 1421 headers run up to the first blank line
        m = re.search(r"\n[ \t\r]*\n", head)
        block = block[m.end():] if m else ""
    body = block.rstrip()
    last = body.rfind("\n")
    if body[last + 1:].lstrip().startswith("="):
        body = body[:last + 1]  # the OpenPGP CRC line
    try:
        return binascii.a2b_base64(body.encode("ascii", "ignore"))
    except (binascii.Error, ValueError):
        return _b64("".join(c for c in body if c.isalnum() or c in "+/")) or b""


_B64_RUN = re.compile(r"[A-Za-z0-9+/]+")


def _headers_joined(text: str, start: int) -> Optional[Private]:
    """A one-line field drops the blank line after the armour headers
    (``…BLOCK-----Comment: 9F2B …xcLYBG…``): try the body from each place a
    secret-key packet's base64 can start ('l', 'n', 'x': tags 5 and 7), strictly."""
    head = text[start:start + 600]
    if "\n" in head.strip() or ":" not in head[:200]:
        return None
    for i, c in enumerate(head):
        if c in "lnx":
            raw = _b64(_B64_RUN.match(text, start + i).group(0)[:128])
            if raw and _pgp(raw, strict=True):
                return Private("openpgp", "OpenPGP secret key")
    return None


def _b64(s: str) -> Optional[bytes]:
    s = s.rstrip("=")
    s = s[: len(s) - (len(s) % 4 == 1)]  # a cut-off paste: drop the dangling character
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


# --------------------------------------------------------------------------- binary forms

def _binary(raw: bytes, strict: bool = False) -> Optional[Private]:
    """``strict``: nothing but these bytes says they are a key (a bare
    base64 body, text read as Latin-1), so an OpenPGP key must start with a
    well-formed secret-key packet (``_pgp``); the other forms are strict anyway."""
    if not raw:
        return None
    if raw.startswith(b"openssh-key-v1\0"):
        return Private("openssh", "OpenSSH private key")
    if raw[0] & 0x80:
        return _pgp(raw, strict)
    if raw[0] == 0x30:
        return _der(raw)
    return None


# OpenPGP packet tags 5 and 7 are secret keys and subkeys (RFC 9580 §5.5).
def _pgp(raw: bytes, strict: bool = False) -> Optional[Private]:
    """Any secret-key packet in a packet stream; ``strict``: the first
    packet, with a definite length, and its fields well formed
    (``_secret_key_fields``). Loose, about 1 in 1,300 random base64 strings
    of 32+ characters passed (measured); strict, none in millions."""
    pos, n = 0, len(raw)
    for _ in range(1 if strict else 10000):
        if pos >= n or not raw[pos] & 0x80:
            return None
        b = raw[pos]
        if b & 0x40:  # new format
            tag = b & 0x3F
            if strict and raw[pos + 1:pos + 2] and 224 <= raw[pos + 1] < 255:
                return None  # a partial length: data packets only
            span = _new_len(raw, pos + 1)
        else:
            tag = (b >> 2) & 0x0F
            if strict and b & 3 == 3:
                return None  # an indeterminate length: data packets only
            span = _old_len(raw, pos + 1, b & 3)
        if span is None:
            return None
        body, nxt = span
        if tag in (5, 7) and body < n and raw[body] in (3, 4, 5, 6):
            if not strict or _secret_key_fields(raw, body):
                return Private("openpgp", "OpenPGP secret key")
        pos = nxt
    return None


# Public-key algorithms (RFC 9580 §9.1): RSA 1-3, Elgamal 16 and 20, DSA 17,
# ECDH 18, ECDSA 19, EdDSA(legacy) 22, X25519 25, X448 26, Ed25519 27, Ed448 28.
_PGP_ALGOS = {1, 2, 3, 16, 17, 18, 19, 20, 22, 25, 26, 27, 28}
_PGP_MPI_ALGOS = {1, 2, 3, 16, 17, 20}
_PGP_OID_ALGOS = {18, 19, 22}
_PGP_FIXED = {25: 32, 26: 56, 27: 32, 28: 57}  # the public key's size in octets


def _secret_key_fields(raw: bytes, pos: int) -> bool:
    """The key packet body at ``pos`` reads as one (RFC 9580 §5.5.2): a
    version, its creation time, a known algorithm, and the first public field
    well formed (an MPI whose bit count matches its first octet, a curve OID,
    or a fixed-size key followed by a valid S2K usage octet)."""
    n = len(raw)
    version = raw[pos]
    p = pos + (7 if version == 3 else 5)  # version, created (4), v3: days valid (2)
    if p >= n:
        return False
    algo = raw[p]
    if algo not in _PGP_ALGOS or (version == 3 and algo not in (1, 2, 3)):
        return False
    p += 5 if version in (5, 6) else 1  # v5/v6: the key material's length (4)
    if p + 2 >= n:
        return False
    if algo in _PGP_MPI_ALGOS:
        bits = (raw[p] << 8) | raw[p + 1]
        return 512 <= bits <= 16384 and raw[p + 2].bit_length() == (bits - 1) % 8 + 1
    if algo in _PGP_OID_ALGOS:
        return 3 <= raw[p] <= 10 and raw[p + 1] in (0x2A, 0x2B)  # OIDs under 1.2 or 1.3
    usage = p + _PGP_FIXED[algo]
    return usage < n and (raw[usage] in (0, 253, 254, 255) or 1 <= raw[usage] <= 13)


def _old_len(raw: bytes, pos: int, lt: int):
    if lt == 3:
        return pos, len(raw)
    size = (1, 2, 4)[lt]
    if pos + size > len(raw):
        return None
    return pos + size, pos + size + int.from_bytes(raw[pos:pos + size], "big")


def _new_len(raw: bytes, pos: int):
    """(body start, next packet) of a new-format packet; partial chunks followed."""
    n, body = len(raw), None
    while pos < n:
        o = raw[pos]
        if o < 192:
            start, length = pos + 1, o
        elif o < 224:
            if pos + 1 >= n:
                return None
            start, length = pos + 2, ((o - 192) << 8) + raw[pos + 1] + 192
        elif o == 255:
            if pos + 5 > n:
                return None
            start, length = pos + 5, int.from_bytes(raw[pos + 1:pos + 5], "big")
        else:  # partial body length: a chunk, then another length octet
            if body is None:
                body = pos + 1
            pos += 1 + (1 << (o & 0x1F))
            continue
        return (start if body is None else body), start + length
    return (body, n) if body is not None else None


# ---- DER: just enough of the structure to tell private keys from certificates

def _tlv(raw: bytes, pos: int):
    """(tag, content_start, content_end) of the element at pos; content_end may
    run past the data for a cut-off paste. None when not even a header fits."""
    n = len(raw)
    if pos + 2 > n:
        return None
    tag = raw[pos]
    first = raw[pos + 1]
    pos += 2
    if first < 0x80:
        return tag, pos, pos + first
    if first == 0x80:
        return tag, pos, None  # BER indefinite length (some PKCS#12 exporters)
    size = first & 0x7F
    if size > 4 or pos + size > n:
        return None
    length = int.from_bytes(raw[pos:pos + size], "big")
    return tag, pos + size, pos + size + length


def _children(raw: bytes, start: int, end: Optional[int], limit: int = 10):
    out = []
    pos = start
    stop = len(raw) if end is None else min(end, len(raw))
    while pos < stop and len(out) < limit:
        if end is None and raw[pos:pos + 2] == b"\0\0":
            break
        t = _tlv(raw, pos)
        if t is None:
            break
        out.append(t)
        if t[2] is None:
            break  # cannot skip an indefinite element cheaply; what we have is enough
        pos = t[2]
    return out


def _int_value(raw: bytes, el) -> Optional[int]:
    tag, s, e = el
    if tag != 0x02 or e is None or e - s > 4:
        return None
    return int.from_bytes(raw[s:e], "big", signed=True)


def _oid(raw: bytes, el) -> bytes:
    tag, s, e = el
    return raw[s:e] if tag == 0x06 and e is not None else b""


_PKCS7_DATA = bytes.fromhex("2a864886f70d0107")        # 1.2.840.113549.1.7.x
_PBES = (bytes.fromhex("2a864886f70d0105"),            # PKCS#5 PBES1/PBES2
         bytes.fromhex("2a864886f70d010c01"))          # PKCS#12 PBE


def _der(raw: bytes) -> Optional[Private]:
    top = _tlv(raw, 0)
    if top is None or top[0] != 0x30:
        return None
    kids = _children(raw, top[1], top[2])
    if len(kids) < 2:
        return None
    tags = [k[0] for k in kids]
    v0 = _int_value(raw, kids[0])
    # PKCS#12 PFX: version 3, then a PKCS#7 ContentInfo
    if v0 == 3 and tags[1] == 0x30:
        inner = _children(raw, kids[1][1], kids[1][2], 1)
        if inner and _oid(raw, inner[0]).startswith(_PKCS7_DATA):
            return Private("pkcs12", "PKCS#12 bundle")
    # EncryptedPrivateKeyInfo: {AlgorithmIdentifier(PBE), OCTET STRING}
    if tags[:2] == [0x30, 0x04] and len(kids) == 2:
        alg = _children(raw, kids[0][1], kids[0][2], 1)
        if alg and _oid(raw, alg[0]).startswith(_PBES):
            return Private("der", "encrypted PKCS#8 private key")
    # PrivateKeyInfo / OneAsymmetricKey: {0|1, AlgorithmIdentifier, OCTET STRING, ...}
    if v0 in (0, 1) and tags[1:3] == [0x30, 0x04]:
        alg = _children(raw, kids[1][1], kids[1][2], 1)
        if alg and alg[0][0] == 0x06:
            return Private("der", "PKCS#8 private key")
    # SEC1 ECPrivateKey: {1, OCTET STRING, [0] params, [1] public key}
    if v0 == 1 and tags[1] == 0x04 and all(t in (0xA0, 0xA1) for t in tags[2:]):
        return Private("der", "EC private key")
    # PKCS#1 RSAPrivateKey (9+ integers, version 0/1) and OpenSSL's DSA (6 integers, version 0)
    if v0 in (0, 1) and len(kids) >= 6 and all(t == 0x02 for t in tags):
        return Private("der", "RSA private key" if len(kids) >= 9 else "DSA private key")
    return None
