"""Text framing: PEM / OpenPGP armor scanning, CRC-24, and re-armoring.

The scanner mirrors the server's rule (docs/stalwart-contract.md §4): it finds
``-----BEGIN X-----`` ... ``-----END X-----`` blocks and records whether any
non-whitespace text lies outside them, so the caller can strip it and say so.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

_BEGIN = re.compile(r"^-----BEGIN ([^-\r\n]*)-----\s*$")
_END = re.compile(r"^-----END ([^-\r\n]*)-----\s*$")
_B64_CHARS = re.compile(r"^[A-Za-z0-9+/=]*$")


class ArmorError(ValueError):
    """A block whose framing or base64 is damaged; ``reason`` is plain English."""

    def __init__(self, reason: str, crc: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.crc = crc


@dataclass
class Block:
    label: str          # upper-cased label between BEGIN and the dashes
    lines: list         # body lines (headers included), stripped
    terminated: bool    # an END line was found


@dataclass
class Scan:
    blocks: list
    outside_text: bool  # non-whitespace outside blocks (server rejects that)


def scan(text: str) -> Scan:
    blocks: list[Block] = []
    outside = False
    current: Block | None = None
    if text.startswith("\ufeff"):  # a BOM is not whitespace to the server
        text = text[1:]
        outside = True
    for raw in text.splitlines():
        line = raw.strip()
        if current is None:
            m = _BEGIN.match(line)
            if m:
                current = Block(m.group(1).strip().upper(), [], False)
            elif line and line.strip("-"):
                outside = True
        else:
            m = _END.match(line)
            if m:
                current.terminated = True
                blocks.append(current)
                current = None
            else:
                current.lines.append(line)
    if current is not None:
        blocks.append(current)
    return Scan(blocks, outside)


# CRC-24 (RFC 9580 §6.1), table-driven: keys carrying many third-party
# signatures reach hundreds of KiB and a bitwise loop is slow in Pyodide.
_CRC_TABLE = []
for _i in range(256):
    _c = _i << 16
    for _ in range(8):
        _c <<= 1
        if _c & 0x1000000:
            _c ^= 0x1864CFB
    _CRC_TABLE.append(_c & 0xFFFFFF)


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    table = _CRC_TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFF) ^ table[((crc >> 16) ^ byte) & 0xFF]
    return crc


def _b64(body: str, what: str) -> bytes:
    if not _B64_CHARS.match(body):
        raise ArmorError(f"{what} contains characters that are not base64")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4 if "=" not in body else 0), validate=True)
    except (binascii.Error, ValueError):
        raise ArmorError(f"{what} is not valid base64") from None


def dearmor_pgp(block: Block) -> tuple[bytes, bool]:
    """Decode an OpenPGP armored block. Returns (data, had_crc)."""
    if not block.terminated:
        raise ArmorError("the END line is missing")
    lines = list(block.lines)
    # Armor headers ("Version: x", "Comment: y") run up to the first blank line.
    if lines and ":" in lines[0]:
        while lines and lines[0]:
            if ":" not in lines[0]:
                raise ArmorError("an armor header line is malformed")
            lines.pop(0)
    while lines and not lines[0]:
        lines.pop(0)
    body_lines = [ln for ln in lines if ln]
    crc_text = None
    if body_lines and body_lines[-1].startswith("=") and len(body_lines[-1]) == 5:
        crc_text = body_lines.pop()
    data = _b64("".join(body_lines), "the armored key")
    if crc_text is not None:
        try:
            want = int.from_bytes(base64.b64decode(crc_text[1:], validate=True), "big")
        except (binascii.Error, ValueError):
            raise ArmorError("the checksum line is not base64", crc=True) from None
        if crc24(data) != want:
            raise ArmorError("checksum mismatch", crc=True)
    return data, crc_text is not None


def decode_pem(block: Block) -> bytes:
    if not block.terminated:
        raise ArmorError("the END line is missing")
    lines = [ln for ln in block.lines if ln]
    # RFC 1421 style headers (Proc-Type, DEK-Info) appear in encrypted keys only.
    lines = [ln for ln in lines if ":" not in ln]
    return _b64("".join(lines), "the block")


def _wrap(b64: str, width: int = 64) -> str:
    return "\n".join(b64[i:i + width] for i in range(0, len(b64), width))


def armor_pgp(data: bytes, label: str = "PGP PUBLIC KEY BLOCK") -> str:
    crc = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    body = _wrap(base64.b64encode(data).decode())
    return f"-----BEGIN {label}-----\n\n{body}\n={crc}\n-----END {label}-----\n"


def pem(der: bytes, label: str = "CERTIFICATE") -> str:
    body = _wrap(base64.b64encode(der).decode())
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
