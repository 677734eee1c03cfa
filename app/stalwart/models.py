"""The items of the account state (both generations): ``AppPassword``/``ApiKey``,
``PublicKey``, ``Encryption``, ``Created``. The state itself is
``app.stalwart.state``; what an action did, ``app.stalwart.outcomes``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from app.vocab import KeyKind

# Encryption.kind when encryption at rest is off
DISABLED = "disabled"


@dataclass
class AppPassword:
    """Also used for API keys. On legacy servers ``id`` is the stored name
    (base64 of ``description$created``) and only id/description/created_at are known."""
    id: str
    description: str
    created_at: Optional[str] = None
    expires_at: Optional[str] = None
    allowed_ips: list[str] = field(default_factory=list)
    permissions: Optional[dict] = None  # {"@type": "Inherit"|"Disable"|"Replace", ...}


ApiKey = AppPassword


@dataclass
class PublicKey:
    id: str
    description: str
    key: str = ""
    kind: KeyKind = KeyKind.UNKNOWN
    created_at: Optional[str] = None
    expires_at: Optional[str] = None
    emails: list[str] = field(default_factory=list)


@dataclass
class Encryption:
    """Encryption at rest, as read.

    * kind: DISABLED, or the ``KeyKind`` of the key in use (0.16 derives it
      from the stored key: UNKNOWN when that key is not in the list)
    * algorithm: "Aes128" | "Aes256" (| "Aes256Gcm" | "ChaCha20Poly1305", 0.16 S/MIME only)
    * public_key: 0.16 PublicKey id
    * certs: legacy only: the key text to upload, or the opaque blob read back
    * encrypt_on_append: 0.16 only (None on legacy)
    """
    kind: Union[KeyKind, str] = DISABLED
    algorithm: Optional[str] = None
    public_key: Optional[str] = None
    encrypt_on_append: Optional[bool] = None
    allow_spam_training: bool = False
    certs: Optional[str] = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self.kind != DISABLED


@dataclass
class Created:
    """A new app password / API key. ``secret`` is shown once and never again."""
    id: str
    secret: str = field(repr=False)
    description: str = ""
