"""Stalwart 0.16: reading the JMAP registry objects (x:AppPassword, x:ApiKey,
x:PublicKey, x:AccountSettings) and naming their permissions. The requests
themselves are ``app.stalwart.drive016``'s."""
from __future__ import annotations

from typing import Any, Optional

from app.errors import (CodeRequired, CurrentSecretIncorrect, CurrentSecretMissing, ProtocolError,
                        SetError, StalwartError)
from app.stalwart.models import DISABLED, AppPassword, Encryption, PublicKey
from app.vocab import CredentialKind, KeyKind

# The registry object of each credential kind
CREDENTIAL_OBJECT = {CredentialKind.APP_PASSWORD: "AppPassword", CredentialKind.API_KEY: "ApiKey"}

# "Block changes to account security" on a new app password: the credential
# may not change the password or 2FA, make or remove app passwords or API keys,
# or touch encryption at rest (keys and setting). Reading stays allowed. It is a
# "Disable" list: it only removes permissions, so the server never refuses it as
# a grant the user does not hold.
SECURITY_PERMISSIONS = (
    "sysAccountPasswordUpdate", "sysAppPasswordCreate", "sysAppPasswordUpdate",
    "sysAppPasswordDestroy", "sysApiKeyCreate", "sysApiKeyUpdate", "sysApiKeyDestroy",
    "sysPublicKeyCreate", "sysPublicKeyUpdate", "sysPublicKeyDestroy", "sysAccountSettingsUpdate",
)


def block_security_changes_patch() -> dict:
    return {"@type": "Disable", "permissions": {p: True for p in SECURITY_PERMISSIONS}}


def perm(obj: str, op: str) -> str:
    """The permission a method needs: sys<Object><Get|Query|Create|Update|Destroy>."""
    return f"sys{obj}{op}"


def key_kind(text: str) -> KeyKind:
    """What a stored key is, from its armor."""
    up = (text or "").upper()
    if "BEGIN PGP" in up:
        return KeyKind.OPENPGP
    if "CERTIFICATE-----" in up:
        return KeyKind.SMIME
    return KeyKind.UNKNOWN


def _s(v: Any) -> Optional[str]:
    return v if isinstance(v, str) else None


def _keys_true(v: Any) -> list[str]:
    return [str(k) for k, on in v.items() if on] if isinstance(v, dict) else []


def parse_credential(o: dict) -> AppPassword:
    oid = o.get("id")
    if not isinstance(oid, str) or not oid:
        raise ProtocolError("credential without id")
    perms = o.get("permissions")
    return AppPassword(oid, _s(o.get("description")) or "", _s(o.get("createdAt")),
                       _s(o.get("expiresAt")), _keys_true(o.get("allowedIps")),
                       perms if isinstance(perms, dict) else None)


def parse_public_key(o: dict) -> PublicKey:
    oid = o.get("id")
    if not isinstance(oid, str) or not oid:
        raise ProtocolError("public key without id")
    key = _s(o.get("key")) or ""
    return PublicKey(oid, _s(o.get("description")) or "", key, key_kind(key),
                     _s(o.get("createdAt")), _s(o.get("expiresAt")),
                     _keys_true(o.get("emailAddresses")))


def parse_encryption(o: Any, keys: list[PublicKey]) -> Encryption:
    if not isinstance(o, dict):
        return Encryption(DISABLED)
    t = o.get("@type")
    if t == "Disabled" or t is None:
        return Encryption(DISABLED)
    if not isinstance(t, str):
        raise ProtocolError("encryptionAtRest @type")
    pk = _s(o.get("publicKey"))
    kind = next((k.kind for k in keys if k.id == pk), KeyKind.UNKNOWN)
    eoa = o.get("encryptOnAppend")
    return Encryption(kind, t, pk, bool(eoa) if isinstance(eoa, bool) else False,
                      o.get("allowSpamTraining") is True)


def _password_set_error(e: SetError) -> StalwartError:
    text = e.server_text or ""
    if e.error_type == "forbidden":
        if "OTP code is required" in text:
            return CodeRequired(server_text=text)
        if "Current secret is incorrect" in text:
            return CurrentSecretIncorrect(server_text=text)
        if "Current secret must be provided" in text:
            return CurrentSecretMissing(server_text=text)
        if ("Operation not allowed" in text or "does not support password" in text
                or "doesn't have one" in text):
            return StalwartError("err.password.not_supported", server_text=text,
                                 properties=e.properties)
    return e


__all__ = ["perm", "key_kind", "parse_credential", "parse_public_key", "parse_encryption",
           "_password_set_error", "SECURITY_PERMISSIONS", "block_security_changes_patch",
           "CREDENTIAL_OBJECT"]
