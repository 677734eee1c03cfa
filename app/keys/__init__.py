"""Predict whether Stalwart will accept a public key, and why not.

``check_key(data)`` takes what the user pasted or uploaded (text or bytes) and
returns a ``KeyReport``. It never raises: every problem is an ``Issue`` in the
report. Same code under CPython (tests, ``python -m app.keys``) and Pyodide.
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from typing import Iterable, Optional, Union

from app.issues import Issue

from . import armor, openpgp
from .private import private_kind
from .report import CertInfo, KeyInfo, KeyReport

__all__ = ["check_key", "KeyReport", "KeyInfo", "CertInfo", "Issue",
           "MAX_INPUT", "warm_up", "warm_up_steps"]

MAX_INPUT = 1 << 20          # 1 MiB: far above any sane public key
EXPIRY_WARNING_DAYS = 30
_B64_ONLY = re.compile(r"^[A-Za-z0-9+/=\s]+$")


def check_key(data: Union[bytes, str], account_emails: Iterable[str] = (),
              now: Optional[datetime] = None) -> KeyReport:
    """Check a public key or certificate the way the server will; never raises."""
    try:
        if isinstance(account_emails, str):
            account_emails = [account_emails]
        emails = [str(e).strip() for e in (account_emails or ()) if str(e).strip()]
        when = now or datetime.now(timezone.utc)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        report = _check(data, emails, when)
    except Exception as exc:  # totality: a parser bug must not reach the user as a trace
        report = KeyReport(errors=[Issue.make("keys.internal", reason=type(exc).__name__)])
    if report.errors:
        report.accepted = False
        report.normalized = None
    return report


# --------------------------------------------------------------------------- dispatch

def _check(data, emails: list, now: datetime) -> KeyReport:
    # Private key material first, whatever else is wrong with the input: the
    # page clears the field only for a report that says "private".
    found = private_kind(data)
    if found is not None:
        if found.kind == "pkcs12":
            return KeyReport(is_private=True, errors=[Issue.make("keys.pkcs12")])
        return KeyReport(is_private=True, errors=[Issue.make("keys.private_key", what=found.what)])
    if isinstance(data, str):
        text: Optional[str] = data
        size = len(data.encode("utf-8", "surrogatepass"))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        size = len(raw)
        text = None
        if b"-----BEGIN" in raw:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
        elif raw.strip() and _looks_binary(raw):
            if size > MAX_INPUT:
                return KeyReport(errors=[Issue.make("keys.too_large", size=size, limit=MAX_INPUT)])
            return _binary(raw, emails, now)
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return _binary(raw, emails, now)
    else:
        return KeyReport(errors=[Issue.make("keys.not_a_key")])
    if size > MAX_INPUT:
        return KeyReport(errors=[Issue.make("keys.too_large", size=size, limit=MAX_INPUT)])
    if not text.strip():
        return KeyReport(errors=[Issue.make("keys.empty")])
    return _text(text, emails, now)


def _looks_binary(raw: bytes) -> bool:
    return raw[0] & 0x80 != 0 or raw[0] == 0x30


def _text(text: str, emails: list, now: datetime) -> KeyReport:
    sc = armor.scan(text)
    if not sc.blocks:
        stripped = "".join(text.split())
        # A bare base64 body (armor lines lost in copy/paste) is unambiguous
        # if it decodes to a certificate or an OpenPGP key.
        if len(stripped) >= 64 and _B64_ONLY.match(text):
            try:
                raw = base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if raw and _looks_binary(raw):
                rep = _binary(raw, emails, now)
                if rep.accepted:
                    return rep
                if rep.is_private:
                    return rep
        return KeyReport(errors=[Issue.make("keys.not_a_key")])

    private = [b for b in sc.blocks if "PRIVATE" in b.label or "SECRET" in b.label]
    if private:
        return KeyReport(is_private=True,
                         errors=[Issue.make("keys.private_key", what=private[0].label.title())])
    csr = [b for b in sc.blocks if "REQUEST" in b.label]
    if csr:
        return KeyReport(errors=[Issue.make("keys.csr")])
    certs = [b for b in sc.blocks if "CERTIFICATE" in b.label]
    pgp = [b for b in sc.blocks if "PGP" in b.label and b not in certs]
    ignored = [b for b in sc.blocks if b not in certs and b not in pgp]
    notes = []
    if sc.outside_text:
        notes.append(Issue.make("keys.normalized_stripped"))
    if certs and pgp:
        return KeyReport(errors=[Issue.make("keys.mixed")])
    if len(pgp) > 1:
        return KeyReport(kind="openpgp", errors=[Issue.make("keys.several_pgp_blocks", count=len(pgp))])
    pkcs7 = [b for b in ignored if b.label in ("PKCS7", "PKCS #7 SIGNED DATA", "CMS")]
    if not certs and not pgp and pkcs7:
        ders = []
        for b in pkcs7:
            try:
                ders.extend(_pkcs7_certs(armor.decode_pem(b)) or [])
            except armor.ArmorError:
                pass
        if ders:
            rep = _smime(ders, emails, now)
            rep.notes[:0] = notes + [Issue.make("keys.normalized_pkcs7")]
            return rep
    if not certs and not pgp:
        label = ignored[0].label
        key = "keys.bare_public_key" if "PUBLIC KEY" in label else "keys.unsupported_block"
        return KeyReport(errors=[Issue.make(key, label=label)])
    if ignored:
        notes.append(Issue.make("keys.normalized_ignored"))
        for b in ignored:
            notes.append(Issue.make("keys.ignored_block", label=b.label))
    if pgp:
        try:
            raw, had_crc = armor.dearmor_pgp(pgp[0])
        except armor.ArmorError as exc:
            key = "keys.bad_crc" if exc.crc else "keys.bad_armor"
            return KeyReport(kind="openpgp", errors=[Issue.make(key, reason=exc.reason)])
        rep = _openpgp(raw, emails, now)
        if not had_crc:
            rep.notes.append(Issue.make("keys.crc_absent"))
        rep.notes[:0] = notes
        return rep
    ders = []
    for b in certs:
        try:
            ders.append(armor.decode_pem(b))
        except armor.ArmorError as exc:
            return KeyReport(kind="smime", errors=[Issue.make("keys.bad_pem", label=b.label, reason=exc.reason)])
    rep = _smime(ders, emails, now)
    rep.notes[:0] = notes
    return rep


def _binary(raw: bytes, emails: list, now: datetime) -> KeyReport:
    if raw[0] & 0x80:
        rep = _openpgp(raw, emails, now)
        if rep.accepted:
            rep.notes.insert(0, Issue.make("keys.normalized_armored"))
        return rep
    kind = _der_kind(raw)
    if kind == "pkcs12":
        return KeyReport(is_private=True, errors=[Issue.make("keys.pkcs12")])
    if kind is None:
        certs = _pkcs7_certs(raw)
        if certs:
            rep = _smime(certs, emails, now)
            rep.notes.insert(0, Issue.make("keys.normalized_pkcs7"))
            return rep
    if kind == "certificate":
        rep = _smime([raw], emails, now)
        rep.notes.insert(0, Issue.make("keys.normalized_der"))
        return rep
    if kind == "private":
        return KeyReport(is_private=True, errors=[Issue.make("keys.private_key", what="DER private key")])
    if kind == "csr":
        return KeyReport(errors=[Issue.make("keys.csr")])
    return KeyReport(errors=[Issue.make("keys.not_a_key")])


def _pkcs7_certs(raw: bytes) -> Optional[list]:
    """Certificates inside a PKCS#7/CMS SignedData bundle (.p7b/.p7c), or None."""
    from asn1crypto import cms
    try:
        info = cms.ContentInfo.load(raw, strict=True)
        if info["content_type"].native != "signed_data":
            return None
        out = []
        for choice in info["content"]["certificates"] or []:
            if choice.name == "certificate":
                out.append(choice.chosen.dump())
        return out or None
    except Exception:  # not CMS, or damaged: the caller reports "not a key"
        return None


def _der_kind(raw: bytes) -> Optional[str]:
    from asn1crypto import csr, keys, pkcs12, x509
    for kind, spec in (("certificate", x509.Certificate), ("csr", csr.CertificationRequest),
                       ("pkcs12", pkcs12.Pfx),
                       ("private", keys.PrivateKeyInfo), ("private", keys.EncryptedPrivateKeyInfo),
                       ("private", keys.RSAPrivateKey), ("private", keys.ECPrivateKey)):
        try:
            obj = spec.load(raw, strict=True)
            obj.native  # force a full parse: load() is lazy
            return kind
        except Exception:
            continue
    return None


# --------------------------------------------------------------------------- OpenPGP

def _openpgp(raw: bytes, emails: list, now: datetime) -> KeyReport:
    rep = KeyReport(kind="openpgp")
    try:
        packets = openpgp.parse_packets(raw)
    except openpgp.PgpError as exc:
        rep.errors.append(Issue.make("keys.pgp_corrupt", reason=exc.reason))
        return rep
    if any(p.tag in (openpgp.SECRET_KEY, openpgp.SECRET_SUB) for p in packets):
        rep.is_private = True
        rep.errors.append(Issue.make("keys.private_key", what="OpenPGP secret key"))
        return rep
    groups = openpgp.split_certs(packets)
    if not groups:
        rep.errors.append(Issue.make("keys.pgp_no_primary"))
        return rep
    if len(groups) > 1:
        rep.errors.append(Issue.make("keys.keyring", count=len(groups)))
        return rep
    try:
        cert = openpgp.build_cert(groups[0])
    except openpgp._VersionError as exc:
        rep.errors.append(Issue.make("keys.pgp_version", version=exc.version))
        return rep
    except openpgp.PgpError as exc:
        if packets[0].tag != openpgp.PUBKEY:
            rep.errors.append(Issue.make("keys.pgp_no_primary"))
        else:
            rep.errors.append(Issue.make("keys.pgp_corrupt", reason=exc.reason))
        return rep
    ev = openpgp.evaluate(cert, int(now.timestamp()))
    rep.accepted = ev.accepted
    rep.errors.extend(ev.errors)
    rep.keys = ev.keys
    rep.fingerprints = [ev.fingerprint]
    rep.user_ids = ev.user_ids
    rep.emails = _uid_emails(ev.user_ids)
    rep.expires = ev.expires
    _common_warnings(rep, emails, now)
    if rep.accepted:
        rep.normalized = armor.armor_pgp(raw)
    return rep


_ADDR = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_BARE = re.compile(r"^\s*([^<>\s@]+@[^<>\s@]+)\s*$")


def _uid_emails(uids: list) -> list:
    out: list = []
    for uid in uids:
        m = _ADDR.search(uid) or _BARE.match(uid)
        if m and m.group(1).lower() not in (e.lower() for e in out):
            out.append(m.group(1))
    return out


def _common_warnings(rep: KeyReport, emails: list, now: datetime) -> None:
    if not rep.accepted:
        return
    if emails:
        mine = {e.lower() for e in emails}
        if not rep.emails:
            rep.warnings.append(Issue.make("keys.no_email"))
        elif not mine & {e.lower() for e in rep.emails}:
            rep.warnings.append(Issue.make("keys.email_mismatch", found=", ".join(rep.emails),
                                      account=", ".join(emails)))
    if rep.expires is not None and now < rep.expires <= now + timedelta(days=EXPIRY_WARNING_DAYS):
        rep.warnings.append(Issue.make("keys.expires_soon", date=rep.expires.date(),
                                  days=(rep.expires - now).days))


# --------------------------------------------------------------------------- S/MIME

def _smime(ders: list, emails: list, now: datetime) -> KeyReport:
    from . import smime
    res = smime.check_certs(ders, now)
    rep = KeyReport(kind="smime", errors=res.errors, warnings=res.warnings, keys=res.keys,
                    certificates=res.certs, emails=res.emails)
    rep.fingerprints = [c.fingerprint_sha256 for c in res.certs]
    rep.user_ids = [c.subject for c in res.certs]
    ends = [c.not_after for c in res.certs if c.not_after is not None]
    rep.expires = min(ends) if ends else None
    rep.accepted = not rep.errors and bool(res.certs)
    if rep.accepted:
        _common_warnings(rep, emails, now)
        rep.normalized = "".join(armor.pem(d) for d in ders)
    return rep


# The parsers check_key imports on first use, in dependency order, one module per
# step: each costs 1-70 ms in Pyodide, while all at once block the page ~300 ms.
WARM_UP = ("numbers", "decimal", "fractions", "asn1crypto._types", "asn1crypto._iri",
           "asn1crypto.util", "asn1crypto.parser", "asn1crypto.core", "asn1crypto.algos",
           "asn1crypto.keys", "stringprep", "asn1crypto.x509", "asn1crypto.crl", "asn1crypto.ocsp",
           "asn1crypto.cms", "asn1crypto.csr", "asn1crypto.pkcs12", "six", "ecdsa",
           "app.keys.pgpcrypto", "app.keys.smime")


def warm_up_steps() -> list:
    """warm_up() as small steps (zero-argument callables) for the page to run one
    per idle period after it is ready, so the user's first check is fast and no
    single step holds up input for long."""
    import importlib

    steps = [lambda m=m: importlib.import_module(m) for m in WARM_UP]
    steps.append(lambda: importlib.import_module("app.keys.pgpcrypto")._curve("Ed25519"))
    return steps


def warm_up() -> None:
    """Import the lazily loaded parsers now (ecdsa, asn1crypto), all at once."""
    for step in warm_up_steps():
        step()
