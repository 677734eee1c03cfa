"""Result types shared by the OpenPGP and S/MIME checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional



@dataclass
class KeyInfo:
    """One key: an OpenPGP primary key or subkey, or an S/MIME certificate's key."""

    fingerprint: str
    algorithm: str                 # "RSA", "ECDH", "EdDSA", "ECDSA", "X25519", "DSA", ...
    bits: Optional[int] = None
    curve: Optional[str] = None    # "Ed25519", "Cv25519", "NIST P-256", "brainpoolP256r1", ...
    flags: list = field(default_factory=list)  # "certify", "sign", "encrypt_transport", ...
    created: Optional[datetime] = None
    expires: Optional[datetime] = None
    revoked: bool = False
    usable_for_encryption: bool = False
    primary: bool = False
    problem: Optional[str] = None  # message id of why it cannot encrypt, when it has an encryption flag


@dataclass
class CertInfo:
    """An X.509 certificate as the user would recognise it."""

    subject: str
    issuer: str
    serial: str
    emails: list
    not_before: Optional[datetime]
    not_after: Optional[datetime]
    key_usage: list                # e.g. ["digital_signature", "key_encipherment"]; [] = extension absent
    fingerprint_sha256: str


@dataclass
class KeyReport:
    accepted: bool = False
    kind: Optional[str] = None     # "openpgp" | "smime" | None
    errors: list = field(default_factory=list)     # list[Issue]: why it is refused
    warnings: list = field(default_factory=list)   # list[Issue]: accepted, but look at this
    notes: list = field(default_factory=list)      # list[Issue]: what was normalised
    fingerprints: list = field(default_factory=list)
    normalized: Optional[str] = None  # the exact text to upload; only when accepted
    keys: list = field(default_factory=list)        # list[KeyInfo]
    certificates: list = field(default_factory=list)  # list[CertInfo] (S/MIME)
    user_ids: list = field(default_factory=list)
    emails: list = field(default_factory=list)
    expires: Optional[datetime] = None
    is_private: bool = False

    def error_keys(self) -> list:
        return [i.key for i in self.errors]

    def warning_keys(self) -> list:
        return [i.key for i in self.warnings]

    def note_keys(self) -> list:
        return [i.key for i in self.notes]
