"""S/MIME certificate checks with asn1crypto (pure Python, loads in Pyodide).

The server decodes any certificate at upload but can only ever encrypt to RSA
keys (``RsaPublicKey::from_pkcs1_der``), so everything else is refused here.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Optional

from app.issues import Issue

from .report import CertInfo, KeyInfo

_ALGO_NAMES = {"rsa": "RSA", "rsassa_pss": "RSA", "ec": "EC", "dsa": "DSA",
               "ed25519": "Ed25519", "ed448": "Ed448", "x25519": "X25519", "x448": "X448"}


# X.509 attribute names in the short form every tool prints (``openssl x509
# -subject``): the same in every language, unlike asn1crypto's English
# "Common Name: …" (the page shows a subject inside translated sentences).
_SHORT = {"common_name": "CN", "email_address": "E", "organization_name": "O",
          "organizational_unit_name": "OU", "country_name": "C", "locality_name": "L",
          "state_or_province_name": "ST", "given_name": "GN", "surname": "SN",
          "serial_number": "serialNumber", "domain_component": "DC"}


def _name(name) -> str:
    """``CN=Alice Example, E=alice@example.org, O=Example``, or "-" when empty."""
    parts = []
    for rdn in name.chosen:
        for atv in rdn:
            kind = atv["type"].native
            value = atv["value"].native
            if isinstance(value, (list, tuple)):
                value = ", ".join(str(v) for v in value)
            parts.append(f"{_SHORT.get(kind, atv['type'].dotted)}={value}")
    return ", ".join(parts) or "-"


def _aware(dt) -> Optional[datetime]:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class CertResult:
    def __init__(self):
        self.errors, self.warnings = [], []
        self.keys, self.certs, self.emails = [], [], []


def check_certs(ders: list, now: datetime) -> CertResult:
    from asn1crypto import x509  # heavy-ish: imported only for S/MIME input
    out = CertResult()
    for index, der in enumerate(ders, 1):
        try:
            cert = x509.Certificate.load(der, strict=True)
            tbs = cert["tbs_certificate"]
            subject = _name(cert.subject)
            issuer = _name(cert.issuer)
            serial = format(cert.serial_number, "X")
            nb = _aware(cert.not_valid_before)
            na = _aware(cert.not_valid_after)
            spki = tbs["subject_public_key_info"]
            algo = spki["algorithm"]["algorithm"].native
            bits = None
            curve = None
            if algo in ("rsa", "rsassa_pss"):
                bits = spki["public_key"].parsed["modulus"].native.bit_length()
            elif algo == "ec":
                try:
                    curve = spki.curve[1]
                except Exception:  # explicit or unknown curve parameters
                    curve = "unknown curve"
            emails = []
            for attr in cert.subject.chosen:
                for atv in attr:
                    if atv["type"].native == "email_address":
                        emails.append(str(atv["value"].native))
            san = cert.subject_alt_name_value
            if san is not None:
                for gn in san:
                    if gn.name == "rfc822_name":
                        emails.append(str(gn.native))
            ku = cert.key_usage_value
            key_usage = sorted(ku.native) if ku is not None else []
            fpr = hashlib.sha256(der).hexdigest().upper()
        except Exception as exc:  # asn1crypto raises ValueError/TypeError/... on bad DER
            out.errors.append(Issue.make("keys.smime_bad_cert", index=index, reason=_short(exc)))
            continue
        seen = set()
        emails = [e for e in emails if not (e.lower() in seen or seen.add(e.lower()))]
        out.emails.extend(e for e in emails if e.lower() not in {x.lower() for x in out.emails})
        out.certs.append(CertInfo(subject=subject, issuer=issuer, serial=serial, emails=emails,
                                  not_before=nb, not_after=na, key_usage=key_usage,
                                  fingerprint_sha256=fpr))
        name = _ALGO_NAMES.get(algo, str(algo))
        usable = True
        if name != "RSA":
            out.errors.append(Issue.make("keys.smime_not_rsa", index=index, subject=subject,
                                    algo=f"{name} ({curve})" if curve else name))
            usable = False
        elif bits < 2048:
            out.errors.append(Issue.make("keys.smime_rsa_small", index=index, subject=subject, bits=bits))
            usable = False
        if na is not None and na <= now:
            out.warnings.append(Issue.make("keys.smime_expired", index=index, subject=subject,
                                      date=na.date()))
        if nb is not None and nb > now:
            out.warnings.append(Issue.make("keys.smime_not_yet_valid", index=index, subject=subject,
                                      date=nb.date()))
        if ku is not None and "key_encipherment" not in key_usage:
            out.warnings.append(Issue.make("keys.smime_no_key_encipherment", index=index, subject=subject))
        out.keys.append(KeyInfo(fingerprint=fpr, algorithm=name, bits=bits, curve=curve,
                                flags=key_usage, created=nb, expires=na, revoked=False,
                                usable_for_encryption=usable, primary=True))
    return out


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:120] if text else type(exc).__name__)
