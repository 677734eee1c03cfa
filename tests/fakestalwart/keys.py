"""Public-key validation as the server does it (docs/stalwart-contract.md §4).

OpenPGP certificates are judged by Debian's `sq` (sequoia) when it is on PATH,
else by pgpy. S/MIME certificates are DER-decoded with asn1crypto.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Optional

NO_KEY = "No valid public key found."
MIXED = "Cannot mix OpenPGP and S/MIME certificates"
BAD_B64 = "Failed to decode base64 certificate."
PGP_PREFIX = "Failed to decode OpenPGP public key: "
KEYRING = PGP_PREFIX + "Malformed Cert: Additional packets found, is this a keyring?"
NO_SUITABLE = "Could not find any suitable keys in OpenPGP public key"


class KeyError_(ValueError):
    """Validation failure; str() is the server's description text."""


@dataclass
class ParsedKey:
    kind: str                          # "pgp" | "smime"
    certs_der: list = field(default_factory=list)   # S/MIME: DER of each certificate
    cert_algos: list = field(default_factory=list)  # S/MIME: SPKI algorithm names
    text: str = ""                     # the normalised key text (trimmed + "\n")


_BEGIN = re.compile(r"^-----BEGIN ([^-]*)-----\s*$")


def scan_pem(text: str) -> Optional[list[tuple[str, list[str]]]]:
    """The line scanner: [(LABEL, body lines)] or None if anything but
    whitespace or '-' sits outside the armor blocks (or a block is unterminated)."""
    blocks: list[tuple[str, list[str]]] = []
    label: Optional[str] = None
    body: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if label is None:
            m = _BEGIN.match(line)
            if m:
                label = m.group(1).strip().upper()
                body = []
            elif any(not c.isspace() and c != "-" for c in line):
                return None
        else:
            if line.startswith("-----END"):
                blocks.append((label, body))
                label = None
            else:
                body.append(line)
    if label is not None:
        return None
    return blocks


def _decode_cert(body: list[str]) -> tuple[bytes, str]:
    from asn1crypto import x509  # local import: only needed for S/MIME
    b64 = "".join(ln for ln in body if ln and ":" not in ln)
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise KeyError_(BAD_B64) from None
    if not der:
        raise KeyError_(BAD_B64)
    try:
        cert = x509.Certificate.load(der, strict=True)
        cert.native  # force a full parse
        algo = cert.public_key.algorithm
    except Exception as e:  # asn1crypto raises ValueError/TypeError/...
        raise KeyError_(f"Failed to decode X509 certificate: {e}") from None
    return der, algo


def parse_public_key(text: str) -> ParsedKey:
    """Validate like A's x:PublicKey.key. Raises KeyError_ with the server text.
    The caller must already have rejected empty/blank input (invalidPatch)."""
    norm = text.strip() + "\n"
    blocks = scan_pem(norm)
    if blocks is None:
        raise KeyError_(NO_KEY)
    certs = [b for lbl, b in blocks if "CERTIFICATE" in lbl]
    pgps = [b for lbl, b in blocks if "PGP" in lbl and "CERTIFICATE" not in lbl]
    if certs and pgps:
        raise KeyError_(MIXED)
    if certs:
        pk = ParsedKey("smime", text=norm)
        for body in certs:
            der, algo = _decode_cert(body)
            pk.certs_der.append(der)
            pk.cert_algos.append(algo)
        return pk
    if pgps:
        if len(pgps) > 1:
            raise KeyError_(KEYRING)
        check_openpgp(norm)
        return ParsedKey("pgp", text=norm)
    raise KeyError_(NO_KEY)


# --- OpenPGP -----------------------------------------------------------------

def dearmor(text: str) -> bytes:
    lines = text.strip().splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("-----BEGIN PGP")), None)
    if start is None:
        raise ValueError("No armor found")
    i = start + 1
    # headers: "Key: value" lines up to the first blank line
    j = i
    while j < len(lines) and lines[j].strip() and ":" in lines[j]:
        j += 1
    if j < len(lines) and not lines[j].strip():
        i = j + 1
    b64 = []
    for ln in lines[i:]:
        s = ln.strip()
        if s.startswith("-----END"):
            break
        if s.startswith("=") and len(s) == 5:
            continue  # CRC24 checksum line
        b64.append(s)
    return base64.b64decode("".join(b64), validate=False)


def count_primary_keys(data: bytes) -> int:
    """Walk the packet headers and count primary (secret-)key packets."""
    n = 0
    pos = 0
    while pos < len(data):
        b = data[pos]
        if not b & 0x80:
            raise ValueError("Malformed packet header")
        if b & 0x40:
            tag = b & 0x3F
            o1 = data[pos + 1]
            if o1 < 192:
                length, hl = o1, 2
            elif o1 < 224:
                length, hl = ((o1 - 192) << 8) + data[pos + 2] + 192, 3
            elif o1 == 255:
                length, hl = int.from_bytes(data[pos + 2:pos + 6], "big"), 6
            else:
                raise ValueError("Partial body length in a key packet")
        else:
            tag = (b >> 2) & 0x0F
            lt = b & 3
            if lt == 3:
                length, hl = len(data) - pos - 1, 1
            else:
                size = (1, 2, 4)[lt]
                length, hl = int.from_bytes(data[pos + 1:pos + 1 + size], "big"), 1 + size
        if tag in (5, 6):
            n += 1
        pos += hl + length
        if pos > len(data):
            raise ValueError("Truncated packet")
    return n


_SUPPORTED_ALGOS = {"RSA", "ECDH", "ECDSA", "EdDSA", "X25519", "Ed25519"}


def _suitable_from_sq_inspect(out: str) -> bool:
    sections: list[list[str]] = []
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("Fingerprint:") or s.startswith("Subkey:"):
            sections.append([s])
        elif s.startswith("UserID:") or s.startswith("User attribute"):
            sections.append(["<uid>"])
        elif sections:
            sections[-1].append(s)
    keys = [sec for sec in sections if sec[0] != "<uid>"]
    if not keys:
        return False

    def usable(sec):
        for s in sec:
            if s.startswith("Invalid:") or s.startswith("Revoked") or s.startswith("Expired"):
                return False
            if s.startswith("Public-key algo:") and s.split(":", 1)[1].strip() not in _SUPPORTED_ALGOS:
                return False
            if s.startswith("Expiration time:"):
                ts = s.split(":", 1)[1].strip()[:23]
                try:
                    t = _dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=_dt.timezone.utc)
                    if t <= _dt.datetime.now(_dt.timezone.utc):
                        return False
                except ValueError:
                    pass
        return True

    primary = keys[0]
    # A revoked/expired/invalid primary invalidates every subkey; its algorithm
    # however only matters if the primary itself is the encryption key.
    if any(s.startswith(("Invalid:", "Revoked", "Expired")) for s in primary):
        return False
    for sec in keys:
        flags = next((s for s in sec if s.startswith("Key flags:")), "")
        if "transport encryption" in flags and usable(sec):
            return True
    return False


def _check_with_sq(text: str) -> None:
    p = subprocess.run(["sq", "inspect"], input=text.encode(), capture_output=True, timeout=20)
    if p.returncode != 0:
        err = [ln for ln in p.stderr.decode(errors="replace").splitlines()
               if ln.strip() and "WARNING" not in ln]
        msg = err[0].removeprefix("Error: ").strip() if err else "Malformed Cert"
        raise KeyError_(PGP_PREFIX + msg)
    out = p.stdout.decode(errors="replace")
    first = out.strip().splitlines()[0] if out.strip() else ""
    if "Keyring" in first:
        raise KeyError_(KEYRING)
    if "Certificate" not in first and "Secret Key" not in first:
        raise KeyError_(PGP_PREFIX + "Malformed Cert: " + (first.split(":", 1)[-1].strip() or "no certificate"))
    if not _suitable_from_sq_inspect(out):
        raise KeyError_(NO_SUITABLE)


def _check_with_pgpy(text: str) -> None:
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgpy
            from pgpy.constants import KeyFlags, PubKeyAlgorithm
            key, _ = pgpy.PGPKey.from_blob(text)
    except Exception as e:
        raise KeyError_(PGP_PREFIX + f"Malformed Cert: {e}") from None
    now = _dt.datetime.now(_dt.timezone.utc)
    bad_algos = {PubKeyAlgorithm.ElGamal, PubKeyAlgorithm.DSA}

    def alive(k):
        exp = k.expires_at
        return exp is None or exp.replace(tzinfo=exp.tzinfo or _dt.timezone.utc) > now

    if key.is_public is False:
        key = key.pubkey
    if not alive(key) or list(key.revocation_signatures):
        raise KeyError_(NO_SUITABLE)
    cands = [key] + list(key.subkeys.values())
    for k in cands:
        try:
            flags = set()
            for sig in k._signatures:
                flags |= set(sig.key_flags or ())
            if not flags and k is key:
                for uid in key.userids:
                    flags |= set(uid.selfsig.key_flags or ())
        except Exception:
            continue
        if KeyFlags.EncryptCommunications not in flags:
            continue
        if k.key_algorithm in bad_algos or not alive(k) or list(k.revocation_signatures):
            continue
        if k.key_algorithm in (PubKeyAlgorithm.RSAEncryptOrSign, PubKeyAlgorithm.RSAEncrypt) and k.key_size < 2048:
            continue
        return
    raise KeyError_(NO_SUITABLE)


def check_openpgp(text: str) -> None:
    """Cert::from_bytes(whole text) + "at least one transport-encryption key
    valid under StandardPolicy, supported, alive, not revoked"."""
    try:
        n = count_primary_keys(dearmor(text))
    except (ValueError, IndexError, binascii.Error) as e:
        raise KeyError_(PGP_PREFIX + f"Malformed Cert: {e}") from None
    if n == 0:
        raise KeyError_(PGP_PREFIX + "Malformed Cert: No primary key")
    if n > 1:
        raise KeyError_(KEYRING)
    if shutil.which("sq"):
        _check_with_sq(text)
    else:
        _check_with_pgpy(text)


# --- legacy (B) ----------------------------------------------------------------

STALWART_BLOB = "-----STALWART CERTIFICATE-----"
NO_VALID_CERTS = "Could not find any valid certificates"
WRONG_METHOD = "No valid certificates found for the selected encryption"


def legacy_trial_encrypt(pk: ParsedKey) -> None:
    """B encrypts `Subject: test` at upload: S/MIME needs RSA keys."""
    if pk.kind == "smime":
        for algo in pk.cert_algos:
            if algo != "rsa":
                raise KeyError_(f"Failed to parse public key: unsupported key algorithm {algo}")


def make_blob(pk: ParsedKey) -> str:
    payload = (pk.kind + "\n" + pk.text).encode()
    return STALWART_BLOB + "\r\n" + base64.b64encode(payload).decode() + "\r\n"


def parse_blob(text: str) -> ParsedKey:
    body = text.strip()[len(STALWART_BLOB):].strip()
    try:
        kind, key = base64.b64decode(body, validate=True).decode().split("\n", 1)
    except (ValueError, UnicodeDecodeError):
        raise KeyError_(NO_VALID_CERTS) from None
    if kind not in ("pgp", "smime"):
        raise KeyError_(NO_VALID_CERTS)
    return parse_public_key(key)


def legacy_parse_certs(text: str) -> ParsedKey:
    """B's try_parse_certs (steps 1, 2 and 5; raw DER/binary paths: see README)."""
    if text.startswith(STALWART_BLOB):
        return parse_blob(text)
    norm = text.strip() + "\n"
    blocks = scan_pem(norm)
    if blocks:
        try:
            return parse_public_key(text)
        except KeyError_ as e:
            if str(e) != NO_KEY:
                raise
    raise KeyError_(NO_VALID_CERTS)
