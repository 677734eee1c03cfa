"""Stalwart 0.11–0.15: REST ``/api/account/auth`` and ``/api/account/crypto``.

The API has no batching, so an action is the change (one POST) plus a GET
of the part it can affect: ``auth`` (password, 2FA, app passwords) or
``crypto`` (encryption at rest). The other part is kept from the last read
(nothing a change of one part does touches the other). Two requests per
action, two for a full read.

* Password and 2FA changes prove the current password with a Basic header
  for that one request (``password$code`` when 2FA is on): there is no
  current-password field.
* 0.14–0.15 remove every app password and the 2FA key on a password change;
  an app password used for this session is then gone (401 on the GET after
  the change: the change succeeded, the session ended). OAuth tokens stay
  valid on the real 0.15.5.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from app import jmap
from app.errors import (AuthRequired, CodeRequired, Forbidden, ManagementError, MfaRequired,
                        ProtocolError, StalwartError, WrongCurrentSecret)
from app.stalwart.connection import Connection
from app.stalwart.legacy import (AUTH, CRYPTO, PERM_ENCRYPTION, PERM_PASSWORDS, decode_app_name,
                                 management_result, parse_crypto)
from app.stalwart.sha512crypt import sha512_crypt
from app.stalwart.state import (ALLOWED, BY_PASSWORD, CHANGE, CONTINUES, CREATE,
                                DELETE_KEY, DISABLE, ENDED, MANAGED_ELSEWHERE, NOT_PERMITTED,
                                NOT_SUPPORTED, REPLACE, REPLACED, REVOKE, TURN_OFF, TURN_ON,
                                TURNED_OFF, UNREADABLE, UPLOAD_AND_ENABLE, USE_KEY, Access,
                                CredentialFeature, CredentialOptions, EncryptionFeature,
                                PasswordFeature, SecurityState, SignIn, TwoFactorFeature)
from app.stalwart.state import OAUTH_ACCESS, OAUTH_RENEWAL  # what a password change ends / keeps

LABEL = "Stalwart 0.11–0.15"
ALGORITHMS = {"pgp": ("Aes256", "Aes128"), "smime": ("Aes256", "Aes128")}
WIPES = ("app_passwords", "two_factor")


class Part:
    """What one GET gave: its data, or why it could not be read."""

    def __init__(self, data: Any = None, access: Access = ALLOWED):
        self.data = data
        self.access = access


class DriverLegacy:
    generation = "legacy"
    label = LABEL
    url_rules = "legacy"

    def __init__(self, conn: Connection):
        self.conn = conn
        self.auth: Optional[Part] = None
        self.crypto: Optional[Part] = None

    # --- transport ---------------------------------------------------------------------
    async def rest(self, method: str, path: str, body: Any = None,
                   authorization: Optional[str] = None) -> Any:
        c = self.conn
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        hdrs = jmap.headers_for(authorization or c.authorization(),
                                "application/json" if payload is not None else None)
        resp = await jmap.send(c.fetch, method, c.origin + path, hdrs, payload, c.origin)
        jmap.raise_for_status(resp, "legacy")
        return management_result(jmap.parse_json(resp))

    def basic(self, password: str, code: Optional[str] = None) -> str:
        from app.auth import Basic
        return Basic(self.conn.login(), password, code).authorization_header()

    async def read_permissions(self) -> None:
        self.conn.permissions = None  # no such endpoint: the GETs tell what is allowed

    # --- reading -------------------------------------------------------------------------
    async def _get(self, path: str, perm: str, elsewhere: str,
                   authorization: Optional[str] = None) -> Part:
        try:
            return Part(await self.rest("GET", path, authorization=authorization))
        except Forbidden as e:
            return Part(None, Access(NOT_PERMITTED, (perm,), e.server_text))
        except ManagementError as e:
            return Part(None, Access(elsewhere, (), e.server_text))
        except (AuthRequired, MfaRequired):
            raise
        except StalwartError as e:
            if isinstance(e, ProtocolError) or e.retryable:
                raise  # a broken or lost answer is not a property of the account
            return Part(None, Access(UNREADABLE, (), e.server_text))

    async def read_auth(self, authorization: Optional[str] = None) -> None:
        self.auth = await self._get(AUTH, PERM_PASSWORDS, MANAGED_ELSEWHERE, authorization)

    async def read_crypto(self) -> None:
        self.crypto = await self._get(CRYPTO, PERM_ENCRYPTION, TURNED_OFF)

    async def read(self) -> SecurityState:
        await self.read_auth()
        await self.read_crypto()
        return self.state()

    async def read_after(self, part: str) -> SecurityState:
        """Re-read only what an action can change."""
        if part == "auth" or self.auth is None:
            await self.read_auth()
        if part == "crypto" or self.crypto is None:
            await self.read_crypto()
        return self.state()

    def state(self) -> SecurityState:
        c = self.conn
        method = c.method()
        auth = self.auth or Part(None, Access(UNREADABLE))
        crypto = self.crypto or Part(None, Access(UNREADABLE))
        a = auth.access
        enabled: Optional[bool] = None
        items = None
        if a.ok:
            d = auth.data
            if not isinstance(d, dict):
                raise ProtocolError("account auth is not an object")
            enabled = d.get("otpEnabled") is True
            names = d.get("appPasswords")
            items = [decode_app_name(n) for n in names if isinstance(n, str)] \
                if isinstance(names, list) else []
        password = PasswordFeature(
            access=a, actions={CHANGE: a}, code_required=enabled, strength_policy="legacy",
            wipes=WIPES,
            # A password sign-in continues with the new password; an app password
            # is wiped (0.14-0.15; that shows as a 401 after the change).
            session_after_change=REPLACED if method == BY_PASSWORD else CONTINUES,
            change_ends=WIPES + (OAUTH_RENEWAL,), change_keeps=(OAUTH_ACCESS,))
        two_factor = TwoFactorFeature(
            access=a, enabled=enabled, actions={TURN_ON: a, TURN_OFF: a, REPLACE: a},
            # A password sign-in would need a fresh code on every request.
            session_after_turn_on=ENDED if method == BY_PASSWORD else CONTINUES,
            session_after_replace=ENDED if method == BY_PASSWORD else CONTINUES,
            session_after_turn_off=REPLACED if method == BY_PASSWORD else CONTINUES)
        app_passwords = CredentialFeature(access=a, kind="app_password", items=items,
                                          actions={CREATE: a, REVOKE: a},
                                          options=CredentialOptions())
        no = Access(NOT_SUPPORTED)
        api_keys = CredentialFeature(access=no, kind="api_key", items=None,
                                     actions={CREATE: no, REVOKE: no})
        e = crypto.access
        settings = parse_crypto(crypto.data) if e.ok else None
        encryption = EncryptionFeature(
            access=e, settings=settings, keys_access=no, keys=None,
            algorithms=dict(ALGORITHMS), encrypt_on_append=False, stores_keys=False,
            actions={UPLOAD_AND_ENABLE: e, DISABLE: e, USE_KEY: no, DELETE_KEY: no})
        return SecurityState(sign_in=SignIn(c.username, c.origin, LABEL, method),
                             password=password, two_factor=two_factor,
                             app_passwords=app_passwords, api_keys=api_keys,
                             encryption=encryption)

    # --- changes (one POST each; the caller re-reads) ---------------------------------------
    async def _with_current(self, actions: list, password: str, code: Optional[str]) -> None:
        try:
            await self.rest("POST", AUTH, actions, self.basic(password, code))
        except AuthRequired as e:
            raise WrongCurrentSecret(server_text=e.server_text) from None
        except MfaRequired as e:
            raise CodeRequired(server_text=e.server_text) from None

    async def change_password(self, current: str, new: str, code: Optional[str]) -> None:
        await self._with_current([{"type": "setPassword", "password": sha512_crypt(new)}],
                                 current, code)

    async def enable_totp(self, current: str, url: str, code: Optional[str]) -> None:
        await self._with_current([{"type": "enableOtpAuth", "url": url}], current, code)

    async def disable_totp(self, current: str, code: str) -> None:
        await self._with_current([{"type": "disableOtpAuth", "url": None}], current, code)

    async def add_app_password(self, name: str, secret: str) -> None:
        await self.rest("POST", AUTH, [{"type": "addAppPassword", "name": name,
                                        "password": sha512_crypt(secret)}])

    async def remove_app_password(self, name: str) -> None:
        # Never send name:null: the server would remove ALL app passwords.
        await self.rest("POST", AUTH, [{"type": "removeAppPassword", "name": name}])

    async def set_crypto(self, body: dict) -> None:
        await self.rest("POST", CRYPTO, body)

    # --- checks after a lost answer ---------------------------------------------------------
    async def probe_password(self, login: str, password: str) -> Optional[bool]:
        """Does ``password`` prove the account now? Read the auth part with
        it: 200 yes (and that read is the fresh state), 402 "TOTP code
        required" yes (right password, 2FA still on), 401 no."""
        from app.auth import Basic
        try:
            await self.read_auth(Basic(login, password).authorization_header())
        except MfaRequired:
            return True
        except AuthRequired:
            return False
        return True

    async def probe_totp(self, current: str, url: str) -> tuple[Optional[bool], Optional[SecurityState]]:
        """Is ``url`` the stored 2FA key? Prove ``current$<code of the new key>``."""
        from app import totp
        try:
            await self.read_auth(self.basic(current, totp.code_at(url)))
        except AuthRequired:
            return False, None
        except MfaRequired:
            return False, None
        return True, self.state()

    def forget(self) -> None:
        self.auth = self.crypto = None


__all__ = ["DriverLegacy", "LABEL", "ALGORITHMS", "WIPES"]
