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
* Changes return the fresh state like 0.16's do: the driver reads the part
  after the POST itself (``read_as``: with the credentials the sign-in goes
  on with), and makes the app-password secret itself.

Implements ``app.stalwart.driver.Driver``.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from app import jmap
from app.errors import (AuthRequired, CodeRequired, CurrentSecretIncorrect, Forbidden,
                        ManagementError, MfaRequired, ProtocolError, StalwartError, Unsupported)
from app.stalwart.connection import Connection
from app.stalwart.driver import KeyUpload, NewCredential, Unread, Uploaded
from app.stalwart.legacy import (AUTH, CRYPTO, KIND_TO_TAG, PERM_ENCRYPTION, PERM_PASSWORDS,
                                 decode_app_name, encode_app_name, generate_app_secret,
                                 management_result, parse_crypto)
from app.stalwart.models import Created
from app.stalwart.sha512crypt import sha512_crypt
from app.stalwart.state import (ALLOWED, BY_PASSWORD, CHANGE, CONTINUES, CREATE,
                                DELETE_KEY, DISABLE, ENDED, MANAGED_ELSEWHERE, NOT_PERMITTED,
                                NOT_SUPPORTED, REPLACE, REPLACED, REVOKE, TURN_OFF, TURN_ON,
                                TURNED_OFF, UNREADABLE, UPLOAD_AND_ENABLE, USE_KEY, Access,
                                CredentialFeature, CredentialOptions, EncryptionFeature,
                                PasswordFeature, SecurityState, SignIn, TwoFactorFeature)
from app.vocab import Area, CredentialKind, Generation, KeyKind, StrengthPolicy, WayIn, Wiped

LABEL = "Stalwart 0.11–0.15"
ALGORITHMS = {KeyKind.OPENPGP: ("Aes256", "Aes128"), KeyKind.SMIME: ("Aes256", "Aes128")}
WIPES = (Wiped.APP_PASSWORDS, Wiped.TWO_FACTOR)
NOT_HERE = Access(NOT_SUPPORTED)


class Part:
    """What one GET gave: its data, or why it could not be read."""

    def __init__(self, data: Any = None, access: Access = ALLOWED):
        self.data = data
        self.access = access


class DriverLegacy:
    generation = Generation.LEGACY
    label = LABEL

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
        jmap.raise_for_status(resp, Generation.LEGACY)
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

    async def read_crypto(self, authorization: Optional[str] = None) -> None:
        self.crypto = await self._get(CRYPTO, PERM_ENCRYPTION, TURNED_OFF, authorization)

    async def read(self, area: Optional[Area] = None, creds: Any = None) -> SecurityState:
        """Both parts (``area`` None), or only the one a change of ``area``
        affects (encryption: crypto; everything else: auth); the other is kept
        from the last read."""
        authorization = creds.authorization_header() if creds is not None else None
        if area != Area.ENCRYPTION or self.auth is None:
            await self.read_auth(authorization)
        if area in (None, Area.ENCRYPTION) or self.crypto is None:
            await self.read_crypto(authorization)
        return self.state()

    async def _after(self, area: Area, read_as: Any) -> Optional[SecurityState]:
        """The read after a change the server confirmed (see ``Unread``)."""
        if read_as is None:
            return None  # the change ended the sign-in: nothing can be read
        try:
            return await self.read(area, read_as)
        except StalwartError as e:
            raise Unread(e) from None

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
            access=a, actions={CHANGE: a}, code_required=enabled,
            strength_policy=StrengthPolicy.ADVISORY,
            wipes=WIPES,
            # A password sign-in continues with the new password; an app password
            # is wiped (0.14-0.15; that shows as a 401 after the change).
            session_after_change=REPLACED if method == BY_PASSWORD else CONTINUES,
            # Tokens living over an hour (refresh tokens) are sealed with the
            # password hash; access tokens (1 h) are not (seen on 0.15.5).
            change_ends=(WayIn.APP_PASSWORDS, WayIn.TWO_FACTOR, WayIn.OAUTH_RENEWAL),
            change_keeps=(WayIn.OAUTH_ACCESS,))
        two_factor = TwoFactorFeature(
            access=a, enabled=enabled, actions={TURN_ON: a, TURN_OFF: a, REPLACE: a},
            # A password sign-in would need a fresh code on every request.
            session_after_turn_on=ENDED if method == BY_PASSWORD else CONTINUES,
            session_after_replace=ENDED if method == BY_PASSWORD else CONTINUES,
            session_after_turn_off=REPLACED if method == BY_PASSWORD else CONTINUES,
            # Tokens are sealed with the password hash only; app passwords skip the code.
            change_keeps=(WayIn.OAUTH_SESSIONS, WayIn.APP_PASSWORDS))
        app_passwords = CredentialFeature(access=a, kind=CredentialKind.APP_PASSWORD, items=items,
                                          actions={CREATE: a, REVOKE: a},
                                          options=CredentialOptions())
        no = NOT_HERE
        api_keys = CredentialFeature(access=no, kind=CredentialKind.API_KEY, items=None,
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

    # --- changes: one POST each, then the read of what it affects --------------------------------
    async def _with_current(self, actions: list, password: str, code: Optional[str]) -> None:
        try:
            await self.rest("POST", AUTH, actions, self.basic(password, code))
        except AuthRequired as e:
            raise CurrentSecretIncorrect(server_text=e.server_text) from None
        except MfaRequired as e:
            raise CodeRequired(server_text=e.server_text) from None

    async def change_password(self, current: str, new: str, code: Optional[str], *,
                              read_as: Any) -> Optional[SecurityState]:
        await self._with_current([{"type": "setPassword", "password": sha512_crypt(new)}],
                                 current, code)
        return await self._after(Area.PASSWORD, read_as)

    async def turn_on_totp(self, current: str, url: str, *, read_as: Any) -> Optional[SecurityState]:
        await self._with_current([{"type": "enableOtpAuth", "url": url}], current, None)
        return await self._after(Area.TWO_FACTOR, read_as)

    async def replace_totp(self, current: str, url: str, code: str, *,
                           read_as: Any) -> Optional[SecurityState]:
        await self._with_current([{"type": "enableOtpAuth", "url": url}], current, code)
        return await self._after(Area.TWO_FACTOR, read_as)

    async def turn_off_totp(self, current: str, code: str, *, read_as: Any) -> Optional[SecurityState]:
        await self._with_current([{"type": "disableOtpAuth", "url": None}], current, code)
        return await self._after(Area.TWO_FACTOR, read_as)

    def new_credential(self, kind: CredentialKind, description: str, expires: Optional[str],
                       allowed_ips: dict[str, bool], block_security_changes: bool) -> NewCredential:
        """The page makes the secret here (the server stores only its hash),
        so a lost answer loses nothing. No expiry, IPs or limits exist here."""
        if kind != CredentialKind.APP_PASSWORD:
            raise Unsupported(NOT_HERE)
        made = Created(encode_app_name(description), generate_app_secret(), description)
        return NewCredential(kind, description, made=made)

    async def create_credential(self, new: NewCredential) -> tuple[Created, SecurityState]:
        made = new.made
        if made is None or new.kind != CredentialKind.APP_PASSWORD:
            raise Unsupported(NOT_HERE)
        await self.rest("POST", AUTH, [{"type": "addAppPassword", "name": made.id,
                                        "password": sha512_crypt(made.secret)}])
        return made, await self._after(Area.CREDENTIAL, self.conn.creds)  # type: ignore[return-value]

    async def revoke_credential(self, kind: CredentialKind, id: str) -> SecurityState:
        if kind != CredentialKind.APP_PASSWORD:
            raise Unsupported(NOT_HERE)
        # Never send name:null: the server would remove ALL app passwords.
        await self.rest("POST", AUTH, [{"type": "removeAppPassword", "name": id}])
        return await self._after(Area.CREDENTIAL, self.conn.creds)  # type: ignore[return-value]

    async def upload_and_enable(self, key: KeyUpload) -> Uploaded:
        """The key travels with the setting; nothing is stored apart from it."""
        await self.rest("POST", CRYPTO, {
            "type": KIND_TO_TAG[key.kind], "algo": key.algorithm, "certs": key.text,
            "allow_spam_training": key.allow_spam_training})  # required by 0.15, ignored by 0.11-0.14
        return Uploaded(await self._after(Area.ENCRYPTION, self.conn.creds))  # type: ignore[arg-type]

    async def use_key(self, key_id: str, algorithm: str, encrypt_on_append: bool,
                      allow_spam_training: bool) -> SecurityState:
        raise Unsupported(NOT_HERE)  # no stored keys on 0.11-0.15

    async def disable_encryption(self) -> SecurityState:
        await self.rest("POST", CRYPTO, {"type": "disabled"})
        return await self._after(Area.ENCRYPTION, self.conn.creds)  # type: ignore[return-value]

    async def delete_key(self, key_id: str) -> SecurityState:
        raise Unsupported(NOT_HERE)

    async def set_locale(self, locale: str) -> SecurityState:
        raise Unsupported(NOT_HERE)  # 0.11-0.15 keep no language per account

    # --- checks after a lost answer ---------------------------------------------------------
    async def probe_password(self, login: str, password: str) -> bool:
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
