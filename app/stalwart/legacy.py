"""Stalwart 0.11–0.15: REST ``/api/account/auth`` and ``/api/account/crypto``.

* Password, TOTP enable/disable need the request's Authorization to be Basic
  with the *current* password (``password$code`` when TOTP is on): there is no
  current-password field. The page builds that header for the one request.
* New passwords and app passwords are sent as SHA-512 crypt (``$6$``), as
  webadmin does (pure-Python ``sha512crypt``); the server stores the string and
  verifies crypt hashes, so the plaintext never reaches its database.
* App passwords: the page generates the secret (CSPRNG); the name is
  base64(description + "$" + RFC 3339 created), like webadmin. No expiry, IPs,
  permissions, no API keys.
* 0.14–0.15 wipe app passwords and TOTP on setPassword; the version is
  unknown here, so ``legacy_password_change_wipes`` is always True.
"""
from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
from datetime import datetime, timezone
from typing import Any, Iterable, Optional

from app import jmap
from app.errors import (AuthRequired, InvalidInput, ManagementError, MfaRequired, Forbidden,
                        ProtocolError, Unsupported, WrongCurrentSecret)
from app.stalwart import validate
from app.stalwart.base import UNSET, Account, unavailable
from app.stalwart.models import (ALGORITHMS_LEGACY, API_KEYS, APP_PASSWORDS, ENCRYPTION,
                                 PASSWORD, PUBLIC_KEYS, TOTP, AppPassword, Changed, Created,
                                 Encryption, PasswordChange, SecurityState)
from app.stalwart.sha512crypt import sha512_crypt

AUTH = "/api/account/auth"
CRYPTO = "/api/account/crypto"
PERM_PASSWORDS = "manage-passwords"
PERM_ENCRYPTION = "manage-encryption"
_KIND_TO_TAG = {"pgp": "pGP", "smime": "sMIME"}
_TAG_TO_KIND = {"pGP": "pgp", "sMIME": "smime", "disabled": "disabled"}


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
    if kind == "disabled":
        return Encryption("disabled")
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


class LegacyAccount(Account):
    generation = "legacy"

    async def _rest(self, method: str, path: str, body: Any = None,
                    authorization: Optional[str] = None) -> Any:
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        hdrs = jmap.headers_for(authorization or self.authorization(),
                                "application/json" if payload is not None else None)
        resp = await jmap.send(self.fetch, method, self.origin + path, hdrs, payload, self.origin)
        jmap.raise_for_status(resp, "legacy")
        return management_result(jmap.parse_json(resp))

    def _basic(self, password: str, code: Optional[str]) -> str:
        """Basic header proving the current password (+ TOTP code) for one request."""
        from app.auth import Basic
        login = getattr(self.creds, "login", None) or self.username
        return Basic(login, password, code).authorization_header()

    async def _with_current(self, actions: list, password: str, code: Optional[str]) -> None:
        try:
            await self._rest("POST", AUTH, actions, self._basic(password, code))
        except AuthRequired as e:
            raise WrongCurrentSecret(server_text=e.server_text) from None
        except MfaRequired as e:
            raise WrongCurrentSecret("err.password.otp_required", server_text=e.server_text) from None

    # --- load --------------------------------------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.load / sign_in.
    async def load(self) -> SecurityState:
        st = SecurityState("legacy", self.username, None, legacy_password_change_wipes=True)
        st.unavailable[API_KEYS] = unavailable([], "unavailable.legacy_api_keys")
        try:
            auth = await self._rest("GET", AUTH)
            if not isinstance(auth, dict):
                raise ProtocolError("account auth is not an object")
            st.totp_enabled = auth.get("otpEnabled") is True
            names = auth.get("appPasswords")
            st.app_passwords = [decode_app_name(n) for n in names if isinstance(n, str)] \
                if isinstance(names, list) else []
        except Forbidden as e:
            u = unavailable([PERM_PASSWORDS], server_text=e.server_text)
            st.unavailable[PASSWORD] = st.unavailable[TOTP] = st.unavailable[APP_PASSWORDS] = u
        except ManagementError as e:
            u = unavailable([], "unavailable.external_directory", e.server_text)
            st.unavailable[PASSWORD] = st.unavailable[TOTP] = st.unavailable[APP_PASSWORDS] = u
        if PASSWORD in st.unavailable:
            st.password_change = PasswordChange(False, st.unavailable[PASSWORD])
        try:
            st.encryption = parse_crypto(await self._rest("GET", CRYPTO))
        except Forbidden as e:
            st.unavailable[ENCRYPTION] = unavailable([PERM_ENCRYPTION], server_text=e.server_text)
        except ManagementError as e:
            st.unavailable[ENCRYPTION] = unavailable([], "unavailable.encryption_disabled",
                                                     e.server_text)
        if ENCRYPTION in st.unavailable:
            st.unavailable[PUBLIC_KEYS] = st.unavailable[ENCRYPTION]
        return st

    # --- password and TOTP -------------------------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.change_password.
    async def change_password(self, current: str, new: str,
                              otp_code: Optional[str] = None) -> Changed:
        cur = validate.secret(current, "current_password")
        nw = validate.secret(new, "new_password", "err.input.new_password_required")
        code = validate.otp_code(otp_code, required=False)
        await self._with_current([{"type": "setPassword", "password": sha512_crypt(nw)}], cur, code)
        from app.auth import Basic
        if isinstance(self.creds, Basic):
            if self.creds.secret != cur:
                # Signed in with an app password: 0.14-0.15 have just wiped it, and
                # the next request gets 401 (seen on 0.15.5). The change worked.
                return Changed(True, None, wiped=True)
            self.creds = Basic(self.creds.login, nw, None)
            return Changed(False, self.creds, wiped=True)
        return Changed(False, self.creds, wiped=True)  # OAuth tokens stay valid (0.15.5)

    # DEPRECATED (old UI only): use SecurityAccount.enable_totp.
    async def enable_totp(self, current_password: str, otp_url: str,
                          current_code: Optional[str] = None) -> Changed:
        cur = validate.secret(current_password, "current_password")
        url = validate.otp_url(otp_url, "legacy")
        code = validate.otp_code(current_code, required=False)
        await self._with_current([{"type": "enableOtpAuth", "url": url}], cur, code)
        from app.auth import Basic
        # Basic sign-in now needs password$code on every request: sign in again.
        reauth = isinstance(self.creds, Basic) and self.creds.secret == cur
        return Changed(reauth, None)

    # DEPRECATED (old UI only): use SecurityAccount.disable_totp.
    async def disable_totp(self, current_password: str, code: str) -> Changed:
        cur = validate.secret(current_password, "current_password")
        c = validate.otp_code(code)
        await self._with_current([{"type": "disableOtpAuth", "url": None}], cur, c)
        from app.auth import Basic
        if isinstance(self.creds, Basic) and self.creds.secret == cur:
            self.creds = Basic(self.creds.login, cur, None)
        return Changed(False, self.creds)

    # --- app passwords -----------------------------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.create_app_password.
    async def create_app_password(self, description: str, expires_at: Any = None,
                                  allowed_ips: Optional[Iterable[str]] = None,
                                  permissions: Optional[dict] = None) -> Created:
        desc = validate.description(description)
        if expires_at is not None or allowed_ips or permissions is not None:
            raise Unsupported("err.unsupported.legacy_options")
        name = encode_app_name(desc)
        secret = generate_app_secret()
        await self._rest("POST", AUTH, [{"type": "addAppPassword", "name": name,
                                         "password": sha512_crypt(secret)}])
        return Created(name, secret, desc)

    # DEPRECATED (old UI only): use (no UI; SecurityAccount has no edit yet).
    async def update_app_password(self, id: str, description: Any = UNSET,
                                  expires_at: Any = UNSET, allowed_ips: Any = UNSET,
                                  permissions: Any = UNSET) -> None:
        raise Unsupported("err.unsupported.legacy_app_password_update")

    # DEPRECATED (old UI only): use SecurityAccount.revoke_app_password.
    async def revoke_app_password(self, id: str) -> None:
        # Never send name:null: the server would remove ALL app passwords.
        name = validate.secret(id, "id", "err.set.not_found")
        await self._rest("POST", AUTH, [{"type": "removeAppPassword", "name": name}])

    # DEPRECATED (old UI only): use SecurityAccount.create_api_key.
    async def create_api_key(self, description: str, expires_at: Any = None,
                             allowed_ips: Optional[Iterable[str]] = None,
                             permissions: Optional[dict] = None) -> Created:
        raise Unsupported("err.unsupported.api_keys_legacy")

    # DEPRECATED (old UI only): use (no UI; SecurityAccount has no edit yet).
    async def update_api_key(self, id: str, description: Any = UNSET, expires_at: Any = UNSET,
                             allowed_ips: Any = UNSET, permissions: Any = UNSET) -> None:
        raise Unsupported("err.unsupported.api_keys_legacy")

    # DEPRECATED (old UI only): use SecurityAccount.revoke_api_key.
    async def revoke_api_key(self, id: str) -> None:
        raise Unsupported("err.unsupported.api_keys_legacy")

    # --- encryption at rest --------------------------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.upload_and_enable.
    async def upload_public_key(self, description: str, key_text: str,
                                emails: Optional[Iterable[str]] = None) -> str:
        raise Unsupported("err.unsupported.legacy_public_keys")

    # DEPRECATED (old UI only): use SecurityAccount.delete_public_key.
    async def delete_public_key(self, id: str) -> None:
        raise Unsupported("err.unsupported.legacy_public_keys")

    @staticmethod
    def crypto_body(settings: Encryption) -> dict:
        if not isinstance(settings, Encryption):
            raise InvalidInput("err.input.encryption", "encryption", {"detail": "settings"})
        if settings.kind == "disabled":
            return {"type": "disabled"}
        tag = _KIND_TO_TAG.get(settings.kind)
        if tag is None:
            raise InvalidInput("err.input.encryption", "kind", {"detail": "OpenPGP or S/MIME"})
        if settings.algorithm not in ALGORITHMS_LEGACY:
            raise InvalidInput("err.input.encryption", "algorithm",
                               {"detail": "AES-128 or AES-256"})
        certs = settings.certs.strip() if isinstance(settings.certs, str) else ""
        if not certs:
            raise InvalidInput("err.input.key_required", "key")
        if not certs.startswith("-----STALWART CERTIFICATE-----"):
            certs = validate.key_text(certs)
        # allow_spam_training: required by 0.15, ignored by 0.11-0.14: always send it.
        return {"type": tag, "algo": settings.algorithm, "certs": certs,
                "allow_spam_training": bool(settings.allow_spam_training)}

    # DEPRECATED (old UI only): use SecurityAccount.use_key / disable_encryption / upload_and_enable.
    async def set_encryption(self, settings: Encryption) -> None:
        await self._rest("POST", CRYPTO, self.crypto_body(settings))

    # DEPRECATED (old UI only): use SecurityAccount.upload_and_enable.
    async def upload_and_enable(self, description: str, key_text: str,
                                emails: Optional[Iterable[str]] = None,
                                algorithm: str = "Aes256", encrypt_on_append: bool = False,
                                allow_spam_training: bool = False) -> Optional[str]:
        """One POST /api/account/crypto: the key travels with the setting."""
        k = validate.key_text(key_text)
        await self.set_encryption(Encryption(validate.key_kind(k), algorithm, None, None,
                                             allow_spam_training, k))
        return None
