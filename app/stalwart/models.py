"""Result types of the account-security operations (both generations).

Still used by the account layer: ``AppPassword``/``ApiKey``, ``PublicKey``,
``Encryption``, ``Created``. DEPRECATED (old UI only; the account layer has
``app.stalwart.state`` and ``app.stalwart.outcomes``): ``SecurityState``
(exported as ``OldSecurityState``), ``Unavailable``, ``PasswordChange``,
``Changed`` and the feature-name constants ``PASSWORD`` … ``FEATURES``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

# Feature names used as keys of SecurityState.unavailable
PASSWORD = "password"
TOTP = "totp"
APP_PASSWORDS = "app_passwords"
API_KEYS = "api_keys"
PUBLIC_KEYS = "public_keys"
ENCRYPTION = "encryption"
FEATURES = (PASSWORD, TOTP, APP_PASSWORDS, API_KEYS, PUBLIC_KEYS, ENCRYPTION)

# 0.16 @type of encryptionAtRest; GCM/ChaCha are S/MIME only (0.16.11+)
ALGORITHMS_016 = ("Aes128", "Aes256", "Aes256Gcm", "ChaCha20Poly1305")
ALGORITHMS_LEGACY = ("Aes128", "Aes256")


@dataclass
class Unavailable:
    """Why a feature cannot be used, naming the exact permission(s) to grant."""
    permissions: list[str]
    key: str
    message: str
    server_text: Optional[str] = None


@dataclass
class PasswordChange:
    available: bool
    reason: Optional[Unavailable] = None


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
    kind: str = "unknown"  # "pgp" | "smime" | "unknown"
    created_at: Optional[str] = None
    expires_at: Optional[str] = None
    emails: list[str] = field(default_factory=list)


@dataclass
class Encryption:
    """Encryption at rest. Used both as state and as the argument of
    ``set_encryption``.

    * kind: "disabled" | "pgp" | "smime" | "unknown" (0.16 derives it from the key)
    * algorithm: "Aes128" | "Aes256" (| "Aes256Gcm" | "ChaCha20Poly1305", 0.16 S/MIME only)
    * public_key: 0.16 PublicKey id
    * certs: legacy only: the key text to upload, or the opaque blob read back
    * encrypt_on_append: 0.16 only (None on legacy)
    """
    kind: str = "disabled"
    algorithm: Optional[str] = None
    public_key: Optional[str] = None
    encrypt_on_append: Optional[bool] = None
    allow_spam_training: bool = False
    certs: Optional[str] = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self.kind != "disabled"


@dataclass
class SecurityState:
    generation: str  # "0.16" | "legacy"
    username: str
    totp_enabled: Optional[bool]  # None when it could not be read
    app_passwords: list[AppPassword] = field(default_factory=list)
    api_keys: list[ApiKey] = field(default_factory=list)
    public_keys: list[PublicKey] = field(default_factory=list)
    encryption: Optional[Encryption] = None
    password_change: PasswordChange = field(default_factory=lambda: PasswordChange(True))
    unavailable: dict[str, Unavailable] = field(default_factory=dict)
    # legacy: 0.14-0.15 wipe app passwords and TOTP on a password change; the
    # exact version is unknown, so this is True on every legacy server.
    legacy_password_change_wipes: bool = False
    # 0.16: everything but the password object is forbidden, which is what an
    # expired password looks like (the token is downgraded to password change).
    # The UI should offer the password change first (notice.password_expired).
    password_expired_suspected: bool = False


@dataclass
class Created:
    """A new app password / API key. ``secret`` is shown once and never again."""
    id: str
    secret: str = field(repr=False)
    description: str = ""


@dataclass
class Changed:
    """Outcome of a password or TOTP change.

    * reauthenticate: the current credentials no longer work (0.16 OAuth token
      revoked by a password change; Basic password sign-in after enabling TOTP).
      The UI must sign in again before the next request.
    * credentials: replacement credentials when the page can build them
      (Basic with the new password), else None.
    * wiped: legacy: app passwords and TOTP may have been removed (0.14-0.15).
    """
    reauthenticate: bool
    credentials: Any = field(default=None, repr=False)
    wiped: bool = False
