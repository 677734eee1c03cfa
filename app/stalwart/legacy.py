"""Stalwart 0.11–0.15: the REST ``/api/account/auth`` and ``/api/account/crypto``
formats (the requests themselves are ``app.stalwart.drivelegacy``'s).

* Password, TOTP enable/disable need the request's Authorization to be Basic
  with the *current* password (``password$code`` when TOTP is on): there is no
  current-password field.
* New passwords and app passwords are sent as SHA-512 crypt (``$6$``), as
  webadmin does (pure-Python ``sha512crypt``); the server stores the string and
  verifies crypt hashes, so the plaintext never reaches its database.
* App passwords: the page generates the secret (CSPRNG); the name is
  base64(description + "$" + RFC 3339 created), like webadmin. No expiry, IPs,
  permissions, no API keys.
* 0.14–0.15 wipe app passwords and TOTP on setPassword; the version is
  unknown here, so ``PasswordFeature.wipes`` is set on every such server.
"""
from __future__ import annotations

import base64
import binascii
import secrets
import string
from datetime import datetime, timezone
from typing import Any, Optional

from app.errors import ManagementError, ProtocolError
from app.stalwart.models import DISABLED, AppPassword, Encryption
from app.vocab import KeyKind

AUTH = "/api/account/auth"
CRYPTO = "/api/account/crypto"
PERM_PASSWORDS = "manage-passwords"
PERM_ENCRYPTION = "manage-encryption"
# the crypto body's "type"
KIND_TO_TAG = {KeyKind.OPENPGP: "pGP", KeyKind.SMIME: "sMIME"}
_TAG_TO_KIND = {"pGP": KeyKind.OPENPGP, "sMIME": KeyKind.SMIME, "disabled": DISABLED}


def generate_app_secret() -> str:
    """20 random lowercase letters (CSPRNG), shown in groups of five. The
    spaces are part of the secret (webadmin hashes the string with its spaces)."""
    letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    return " ".join(letters[i:i + 5] for i in range(0, 20, 5))


def encode_app_name(description: str, created: Optional[datetime] = None) -> str:
    created = (created or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = created.replace(microsecond=0).isoformat()  # 2025-06-01T10:00:00+00:00
    return base64.b64encode(f"{description}${stamp}".encode("utf-8")).decode("ascii")


def decode_app_name(name: str) -> AppPassword:
    try:
        text = base64.b64decode(name, validate=True).decode("utf-8")
        desc, created = text.rsplit("$", 1)
        datetime.fromisoformat(created.replace("Z", "+00:00"))
        return AppPassword(name, desc, created)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return AppPassword(name, name, None)


def parse_crypto(data: Any) -> Encryption:
    if not isinstance(data, dict):
        raise ProtocolError("encryption settings are not an object")
    kind = _TAG_TO_KIND.get(data.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise ProtocolError("unknown encryption type")
    if kind == DISABLED:
        return Encryption(DISABLED)
    algo = data.get("algo")
    certs = data.get("certs")
    return Encryption(kind, algo if isinstance(algo, str) else None, None, None,
                      data.get("allow_spam_training") is True,
                      certs if isinstance(certs, str) else None)


def management_result(data: Any) -> Any:
    """``{"data": x}`` -> x; ``{"error": ...}`` (HTTP 200!) -> ManagementError."""
    if not isinstance(data, dict):
        raise ProtocolError("management answer is not an object")
    err = data.get("error")
    if isinstance(err, str):
        def s(k: str) -> Optional[str]:
            v = data.get(k)
            return v if isinstance(v, str) else None
        raise ManagementError(err, s("details"), item=s("item"), field=s("field"),
                              reason=s("reason"))
    if "data" not in data:
        raise ProtocolError("management answer has no data")
    return data["data"]


__all__ = ["AUTH", "CRYPTO", "KIND_TO_TAG", "PERM_PASSWORDS", "PERM_ENCRYPTION", "generate_app_secret",
           "encode_app_name", "decode_app_name", "parse_crypto", "management_result"]
