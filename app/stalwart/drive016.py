"""Stalwart 0.16: every action is ONE JMAP request: the ``x:…/set`` call(s)
first, then the five ``x:…/get`` calls that make up the whole
``SecurityState``. The server runs the calls in order, so the gets see the
change. Upload-and-enable puts ``x:PublicKey/set`` (create ``pk``) and
``x:AccountSettings/set`` (``"publicKey": "#pk"``) in the same request: the
server resolves creation-id references in registry objects (see
docs/ACCOUNT-API.md for where in its source).

Refusals raise typed errors carrying the fresh state (``err.state``).
Implements ``app.stalwart.driver.Driver``.
"""
from __future__ import annotations

from typing import Any, Optional

from app import jmap
from app.errors import (AuthRequired, CurrentSecretIncorrect, MethodError, MfaRequired,
                        ProtocolError, SetError, StalwartError)
from app.stalwart import rights
from app.stalwart.connection import Connection
from app.stalwart.driver import KeyUpload, NewCredential, Uploaded
from app.stalwart.models import Created
from app.stalwart.state import (ALLOWED, BY_OAUTH, BY_PASSWORD, CHANGE, CONTINUES, CREATE,
                                DELETE_KEY, DISABLE, ENDED, MANAGED_ELSEWHERE, NOT_PERMITTED,
                                PASSWORD_EXPIRED, REPLACE, REPLACED, REVOKE, TURN_OFF, TURN_ON,
                                UNREADABLE, UPLOAD_AND_ENABLE, USE_KEY, Access, CredentialFeature,
                                CredentialOptions, EncryptionFeature, PasswordFeature,
                                SecurityState, SignIn, TwoFactorFeature)
from app.stalwart.v016 import (CREDENTIAL_OBJECT, _password_set_error,
                               block_security_changes_patch, parse_credential, parse_encryption,
                               parse_public_key, perm)
from app.vocab import Area, CredentialKind, Generation, KeyKind, StrengthPolicy, WayIn

LABEL = "Stalwart 0.16"
# Preferred first. GCM/ChaCha: S/MIME only, and only since 0.16.11 (older 0.16
# refuses the @type with invalidPatch, which is then what the user reads).
ALGORITHMS = {KeyKind.OPENPGP: ("Aes256", "Aes128"),
              KeyKind.SMIME: ("Aes256", "Aes128", "Aes256Gcm", "ChaCha20Poly1305")}

# (call id, object, get arguments): the whole state, in one request
READ = (
    ("r.pw", "AccountPassword", {"ids": ["singleton"]}),
    ("r.app", "AppPassword", {"ids": None}),
    ("r.key", "ApiKey", {"ids": None}),
    ("r.pk", "PublicKey", {"ids": None}),
    ("r.set", "AccountSettings", {"ids": ["singleton"]}),
)

# SetError property -> the form field it is about
_FIELDS = {"secret": "new_password", "currentSecret": "current_password", "otpAuth": "code",
           "otpAuth/otpCode": "code", "otpAuth/otpUrl": "otp_url", "description": "description",
           "expiresAt": "expires", "allowedIps": "allowed_ips",
           "permissions": "block_security_changes", "key": "key", "emailAddresses": "key",
           "encryptionAtRest": "algorithm", "encryptionAtRest/publicKey": "key"}


def read_calls() -> list:
    return [(f"x:{obj}/get", dict(args), cid) for cid, obj, args in READ]


def with_field(e: StalwartError) -> StalwartError:
    for p in getattr(e, "properties", []) or []:
        f = _FIELDS.get(p) or _FIELDS.get(p.split("/")[0])
        if f:
            e.field = f
            break
    return e


class Driver016:
    generation = Generation.V016
    label = LABEL

    def __init__(self, conn: Connection):
        self.conn = conn

    # --- transport ---------------------------------------------------------------------
    async def post(self, calls: list, creds: Any = None) -> jmap.Responses:
        c = self.conn
        auth = creds.authorization_header() if creds is not None else c.authorization()
        return await jmap.post(c.session, auth, c.fetch, calls)

    async def read_permissions(self) -> None:
        """``GET /api/account``: the effective permissions of these
        credentials (an app password's limits, an expired password's
        downgrade, an external directory's missing password permissions
        included). Unknown (None) when it cannot be read: then actions are
        offered and the server's refusal names the permission."""
        c = self.conn
        try:
            resp = await jmap.send(c.fetch, "GET", c.origin + "/api/account",
                                   jmap.headers_for(c.authorization()), None, c.origin)
            jmap.raise_for_status(resp, Generation.V016)
            data = jmap.parse_json(resp)
        except (AuthRequired, MfaRequired):
            raise
        except StalwartError:
            c.permissions = None
            return
        perms = data.get("permissions") if isinstance(data, dict) else None
        c.permissions = frozenset(p for p in perms if isinstance(p, str)) \
            if isinstance(perms, list) else None

    async def read(self, area: Optional[Area] = None, creds: Any = None) -> SecurityState:
        """The whole state in one request, whatever ``area`` says."""
        return self.parse_state(await self.post(read_calls(), creds))

    async def exchange(self, calls: list) -> tuple[jmap.Responses, SecurityState]:
        r = await self.post(list(calls) + read_calls())
        return r, self.parse_state(r)

    # --- the state -----------------------------------------------------------------------
    def parse_state(self, r: jmap.Responses) -> SecurityState:
        c = self.conn
        perms = c.permissions
        method = c.method()
        errs = {cid: r.error(cid) for cid, _, _ in READ}
        for cid, _, _ in READ:
            if errs[cid] is None:
                r.get(cid)  # a missing response is a broken answer, not "not permitted"

        def access(cid: str, obj: str) -> Access:
            e = errs[cid]
            if e is None:
                return ALLOWED
            if e.error_type == "forbidden":
                return Access(NOT_PERMITTED, (perm(obj, "Get"),), e.server_text)
            return Access(UNREADABLE, (), e.server_text)

        pw_access = access("r.pw", "AccountPassword")
        enabled: Optional[bool] = None
        if pw_access.ok:
            me = next((o for o in jmap.get_list(r.get("r.pw")) if o.get("id") == "singleton"), None)
            if me is None:  # no Password credential: LDAP/SQL/OIDC directory
                pw_access = Access(MANAGED_ELSEWHERE, managed_by=c.provider)
            else:
                otp = me.get("otpAuth")
                enabled = isinstance(otp, dict) and bool(otp.get("otpUrl"))
        # The token was cut down to "change your password" (expired password,
        # access_token.rs): the reported permissions show the cut; unknown
        # permissions, everything but the password object forbidden.
        cut = rights.password_expired(perms)
        expired = pw_access.ok and (cut if cut is not None else all(
            errs[cid] is not None and errs[cid].error_type == "forbidden" for cid, *_ in READ[1:]))

        def gated(cid: str, obj: str) -> Access:
            a = access(cid, obj)
            return Access(PASSWORD_EXPIRED, a.permissions, a.server_text) if expired and not a.ok else a

        def act(base: Access, *needed: str) -> Access:
            if not base.ok:
                return base
            if perms is not None:
                missing = tuple(p for p in needed if p not in perms)
                if missing:
                    return Access(NOT_PERMITTED, missing)
            return ALLOWED

        upd = "sysAccountPasswordUpdate"
        password = PasswordFeature(
            access=pw_access, actions={CHANGE: act(pw_access, upd)}, code_required=enabled,
            strength_policy=StrengthPolicy.ENFORCED, wipes=(),
            # credential_version (a hash of the password) is sealed into OAuth
            # tokens: a change revokes them; app passwords and API keys survive.
            session_after_change={BY_PASSWORD: REPLACED, BY_OAUTH: ENDED}.get(method, CONTINUES),
            expired=expired, change_ends=(WayIn.OAUTH_SESSIONS,),
            change_keeps=(WayIn.APP_PASSWORDS, WayIn.API_KEYS))
        two_factor = TwoFactorFeature(
            access=pw_access, enabled=enabled,
            actions={TURN_ON: act(pw_access, upd), TURN_OFF: act(pw_access, upd),
                     REPLACE: act(pw_access, upd)},
            # Basic cannot carry a code on 0.16: a password sign-in gets 402 from then on.
            session_after_turn_on=ENDED if method == BY_PASSWORD else CONTINUES,
            # 2FA is not in the credential version sealed into tokens (source), and
            # app passwords and API keys never ask for a code.
            change_keeps=(WayIn.OAUTH_SESSIONS, WayIn.APP_PASSWORDS, WayIn.API_KEYS))

        def creds(cid: str, obj: str, kind: CredentialKind, block: bool) -> CredentialFeature:
            a = gated(cid, obj)
            items = [parse_credential(o) for o in jmap.get_list(r.get(cid))] if a.ok else None
            return CredentialFeature(
                access=a, kind=kind, items=items,
                actions={CREATE: act(a, perm(obj, "Create")), REVOKE: act(a, perm(obj, "Destroy"))},
                options=CredentialOptions(expiry=True, allowed_ips=True,
                                          block_security_changes=block, limits_hold=c.limits_hold))

        keys_access = gated("r.pk", "PublicKey")
        keys = [parse_public_key(o) for o in jmap.get_list(r.get("r.pk"))] \
            if keys_access.ok else None
        set_access = gated("r.set", "AccountSettings")
        settings = locale = None
        if set_access.ok:
            me = next((o for o in jmap.get_list(r.get("r.set")) if o.get("id") == "singleton"), {})
            settings = parse_encryption(me.get("encryptionAtRest"), keys or [])
            locale = me.get("locale") if isinstance(me.get("locale"), str) else None
        both = set_access if not set_access.ok else keys_access
        supd = "sysAccountSettingsUpdate"
        encryption = EncryptionFeature(
            access=set_access, settings=settings, keys_access=keys_access, keys=keys,
            algorithms=dict(ALGORITHMS), encrypt_on_append=True, stores_keys=True,
            actions={UPLOAD_AND_ENABLE: act(both, "sysPublicKeyCreate", supd),
                     USE_KEY: act(both, supd), DISABLE: act(set_access, supd),
                     DELETE_KEY: act(keys_access, "sysPublicKeyDestroy")})
        from app.stalwart.connection import credential_id_of
        return SecurityState(
            sign_in=SignIn(c.username, c.origin, LABEL, method, credential_id_of(c.creds)),
            password=password, two_factor=two_factor,
            app_passwords=creds("r.app", "AppPassword", CredentialKind.APP_PASSWORD, True),
            api_keys=creds("r.key", "ApiKey", CredentialKind.API_KEY, False),
            encryption=encryption, locale=locale,
            locale_writable=settings is not None and act(set_access, supd).ok)

    # --- set results -----------------------------------------------------------------------
    @staticmethod
    def _set(r: jmap.Responses, cid: str, obj: str, op: str, st: SecurityState) -> jmap.SetResult:
        err = r.error(cid)
        if err is not None:
            if err.error_type == "forbidden":
                err = MethodError("forbidden", err.server_text, f"x:{obj}/set", cid, perm(obj, op))
            err.state = st
            raise err
        return jmap.parse_set(r.get(cid))

    @staticmethod
    def _refused(e: StalwartError, st: SecurityState) -> StalwartError:
        e = with_field(e)
        e.state = st
        return e

    # --- password and two-factor ------------------------------------------------------------
    # ``read_as`` is not needed here: the request's own reads ran as it was signed in.
    async def _password_set(self, patch: dict) -> SecurityState:
        r, st = await self.exchange([("x:AccountPassword/set", {"update": {"singleton": patch}}, "s")])
        res = self._set(r, "s", "AccountPassword", "Update", st)
        if "singleton" in res.not_updated:
            raise self._refused(_password_set_error(res.not_updated["singleton"]), st)
        res.require_updated("singleton")
        return st

    async def change_password(self, current: str, new: str, code: Optional[str], *,
                              read_as: Any = None) -> SecurityState:
        patch: dict[str, Any] = {"currentSecret": current, "secret": new}
        if code:
            patch["otpAuth"] = {"otpCode": code}
        return await self._password_set(patch)

    async def turn_on_totp(self, current: str, url: str, *, read_as: Any = None) -> SecurityState:
        return await self._password_set({"currentSecret": current, "otpAuth": {"otpUrl": url}})

    async def replace_totp(self, current: str, url: str, code: str, *,
                           read_as: Any = None) -> SecurityState:
        return await self._password_set({"currentSecret": current,
                                         "otpAuth": {"otpUrl": url, "otpCode": code}})

    async def turn_off_totp(self, current: str, code: str, *, read_as: Any = None) -> SecurityState:
        return await self._password_set({"currentSecret": current,
                                         "otpAuth": {"otpUrl": None, "otpCode": code}})

    # --- app passwords and API keys -----------------------------------------------------------
    def new_credential(self, kind: CredentialKind, description: str, expires: Optional[str],
                       allowed_ips: dict[str, bool], block_security_changes: bool) -> NewCredential:
        return NewCredential(kind, description, expires, allowed_ips, block_security_changes)

    async def create_credential(self, new: NewCredential) -> tuple[Created, SecurityState]:
        obj = CREDENTIAL_OBJECT[new.kind]
        o: dict[str, Any] = {"description": new.description}
        if new.expires is not None:
            o["expiresAt"] = new.expires
        if new.allowed_ips:
            o["allowedIps"] = new.allowed_ips
        if new.block_security_changes:
            o["permissions"] = block_security_changes_patch()
        r, st = await self.exchange([(f"x:{obj}/set", {"create": {"new": o}}, "s")])
        res = self._set(r, "s", obj, "Create", st)
        if "new" in res.not_created:
            raise self._refused(res.not_created["new"], st)
        got = res.require_created("new")
        oid, secret = got.get("id"), got.get("secret")
        if not isinstance(oid, str) or not oid or not isinstance(secret, str) or not secret:
            raise ProtocolError("created credential without id or secret")
        return Created(oid, secret, new.description), st

    async def revoke_credential(self, kind: CredentialKind, id: str) -> SecurityState:
        return await self._destroy(CREDENTIAL_OBJECT[kind], id)

    async def _destroy(self, obj: str, oid: str) -> SecurityState:
        r, st = await self.exchange([(f"x:{obj}/set", {"destroy": [oid]}, "s")])
        res = self._set(r, "s", obj, "Destroy", st)
        e = res.not_destroyed.get(oid)
        if e is not None and e.error_type != "notFound":  # already gone is what was asked
            raise self._refused(e, st)
        if e is None and oid not in res.destroyed:
            raise ProtocolError("destroy not confirmed")
        return st

    # --- encryption at rest ----------------------------------------------------------------------
    async def upload_and_enable(self, key: KeyUpload) -> Uploaded:
        """Create the key and point the setting at it (``"#pk"``) in one request."""
        ear = {"@type": key.algorithm, "encryptOnAppend": key.encrypt_on_append,
               "allowSpamTraining": key.allow_spam_training, "publicKey": "#pk"}
        pk = {"description": key.description, "key": key.text,
              "emailAddresses": {a: True for a in key.emails}}
        r, st = await self.exchange([
            ("x:PublicKey/set", {"create": {"pk": pk}}, "k"),
            ("x:AccountSettings/set", {"update": {"singleton": {"encryptionAtRest": ear}}}, "e")])
        kres = self._set(r, "k", "PublicKey", "Create", st)
        if "pk" in kres.not_created:
            raise self._refused(kres.not_created["pk"], st)
        oid = kres.require_created("pk").get("id")
        if not isinstance(oid, str) or not oid:
            raise ProtocolError("created public key without id")
        s = st.encryption.settings
        if s is not None and s.enabled and s.public_key == oid:
            return Uploaded(st, oid)
        reason = self._why_not_enabled(r)
        if isinstance(reason, SetError) and (
                any("publicKey" in p for p in reason.properties)
                or reason.object_id == ("PublicKey", "#pk")):
            # 0.16.0-0.16.14 do not resolve "#pk" in publicKey (the id-typed
            # property list gained it in 0.16.15): point at the key by its id.
            try:
                return Uploaded(await self._set_encryption(dict(ear, publicKey=oid)), oid)
            except (SetError, MethodError) as e:
                return Uploaded(e.state if isinstance(e.state, SecurityState) else st, oid, e)
        return Uploaded(st, oid, reason)

    @staticmethod
    def _why_not_enabled(r: jmap.Responses) -> StalwartError:
        reason: StalwartError
        err = r.error("e")
        if err is not None:
            reason = MethodError("forbidden", err.server_text, "x:AccountSettings/set", "e",
                                 perm("AccountSettings", "Update")) \
                if err.error_type == "forbidden" else err
        else:
            eres = jmap.parse_set(r.get("e"))
            reason = with_field(eres.not_updated["singleton"]) if "singleton" in eres.not_updated \
                else ProtocolError("encryption setting not confirmed")
        return reason

    async def _set_encryption(self, ear: dict) -> SecurityState:
        r, st = await self.exchange([
            ("x:AccountSettings/set", {"update": {"singleton": {"encryptionAtRest": ear}}}, "s")])
        res = self._set(r, "s", "AccountSettings", "Update", st)
        if "singleton" in res.not_updated:
            raise self._refused(res.not_updated["singleton"], st)
        res.require_updated("singleton")
        return st

    async def use_key(self, key_id: str, algorithm: str, encrypt_on_append: bool,
                      allow_spam_training: bool) -> SecurityState:
        return await self._set_encryption({"@type": algorithm, "publicKey": key_id,
                                           "encryptOnAppend": encrypt_on_append,
                                           "allowSpamTraining": allow_spam_training})

    async def disable_encryption(self) -> SecurityState:
        return await self._set_encryption({"@type": "Disabled"})

    async def delete_key(self, key_id: str) -> SecurityState:
        return await self._destroy("PublicKey", key_id)

    async def set_locale(self, locale: str) -> SecurityState:
        """The account's language (``x:AccountSettings.locale``, like ``de_DE``)."""
        r, st = await self.exchange([
            ("x:AccountSettings/set", {"update": {"singleton": {"locale": locale}}}, "s")])
        res = self._set(r, "s", "AccountSettings", "Update", st)
        if "singleton" in res.not_updated:
            raise self._refused(res.not_updated["singleton"], st)
        return st

    # --- checks after a lost answer ------------------------------------------------------------
    async def probe_password(self, login: str, password: str) -> bool:
        """Does ``password`` sign in now? 200 yes; 402 "MFA required" yes
        (right password, 2FA on); 401 no. Anything else: unknown (raises)."""
        from app.auth import Basic
        c = self.conn
        hdrs = jmap.headers_for(Basic(login, password).authorization_header())
        resp = await jmap.send(c.fetch, "GET", c.origin + "/jmap/session", hdrs, None, c.origin)
        if resp.status == 402:
            return True
        if resp.status == 401:
            return False
        jmap.raise_for_status(resp, Generation.V016)
        data = jmap.parse_json(resp)
        return isinstance(data, dict) and bool(data.get("accounts"))

    async def probe_totp(self, current: str, url: str) -> tuple[Optional[bool], Optional[SecurityState]]:
        """Is ``url`` the stored 2FA key? Nothing on 0.16 reads it back, so
        send the same change again with the code the NEW key shows now: the
        server checks a code against the STORED key, so it succeeds exactly
        when the first attempt was applied (and then changes nothing)."""
        from app import totp
        try:
            st = await self.replace_totp(current, url, totp.code_at(url))
        except CurrentSecretIncorrect as e:
            return False, e.state
        return True, st

    def forget(self) -> None:
        pass  # everything per user is in the connection, which the account closes


__all__ = ["Driver016", "READ", "read_calls", "ALGORITHMS", "LABEL"]
