"""Stalwart 0.16: the JMAP registry objects (x:AccountPassword, x:AppPassword,
x:ApiKey, x:PublicKey, x:AccountSettings). One JMAP request per action.

Rules from the contract: never send "" (use null or leave the key out);
AccountSettings takes the whole encryptionAtRest object; a password change
revokes OAuth tokens (re-authenticate); accountId is left out (own account).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from app import jmap
from app.errors import (InvalidInput, MethodError, ProtocolError, SetError, StalwartError,
                        WrongCurrentSecret)
from app.stalwart import validate
from app.stalwart.base import UNSET, Account, unavailable
from app.stalwart.models import (ALGORITHMS_016, API_KEYS, APP_PASSWORDS, ENCRYPTION, PASSWORD,
                                 PUBLIC_KEYS, TOTP, AppPassword, Changed, Created, Encryption,
                                 PasswordChange, PublicKey, SecurityState)

# call id -> (object, feature(s))
_LOAD = (
    ("pw", "AccountPassword", {"ids": ["singleton"]}, (PASSWORD, TOTP)),
    ("app", "AppPassword", {"ids": None}, (APP_PASSWORDS,)),
    ("key", "ApiKey", {"ids": None}, (API_KEYS,)),
    ("pk", "PublicKey", {"ids": None}, (PUBLIC_KEYS,)),
    ("set", "AccountSettings", {"ids": ["singleton"]}, (ENCRYPTION,)),
)


def perm(obj: str, op: str) -> str:
    """The permission a method needs: sys<Object><Get|Query|Create|Update|Destroy>."""
    return f"sys{obj}{op}"


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
    return PublicKey(oid, _s(o.get("description")) or "", key, validate.key_kind(key),
                     _s(o.get("createdAt")), _s(o.get("expiresAt")),
                     _keys_true(o.get("emailAddresses")))


def parse_encryption(o: Any, keys: list[PublicKey]) -> Encryption:
    if not isinstance(o, dict):
        return Encryption("disabled")
    t = o.get("@type")
    if t == "Disabled" or t is None:
        return Encryption("disabled")
    if not isinstance(t, str):
        raise ProtocolError("encryptionAtRest @type")
    pk = _s(o.get("publicKey"))
    kind = next((k.kind for k in keys if k.id == pk), "unknown")
    eoa = o.get("encryptOnAppend")
    return Encryption(kind, t, pk, bool(eoa) if isinstance(eoa, bool) else False,
                      o.get("allowSpamTraining") is True)


def _password_set_error(e: SetError) -> StalwartError:
    text = e.server_text or ""
    if e.error_type == "forbidden":
        if "OTP code is required" in text:
            return WrongCurrentSecret("err.password.otp_required", server_text=text)
        if "Current secret is incorrect" in text:
            return WrongCurrentSecret(server_text=text)
        if "Current secret must be provided" in text:
            return WrongCurrentSecret("err.input.password_required", server_text=text)
        if ("Operation not allowed" in text or "does not support password" in text
                or "doesn't have one" in text):
            return StalwartError("err.password.not_supported", server_text=text,
                                 properties=e.properties)
    return e


class V016Account(Account):
    generation = "0.16"

    async def _post(self, calls: list) -> jmap.Responses:
        return await jmap.post(self.session, self.authorization(), self.fetch, calls)

    @staticmethod
    def _args(resps: jmap.Responses, cid: str, obj: str, op: str) -> dict:
        err = resps.error(cid)
        if err is not None:
            if err.error_type == "forbidden":
                raise MethodError("forbidden", err.server_text, f"x:{obj}", cid, perm(obj, op))
            raise err
        return resps.get(cid)

    async def _set(self, obj: str, args: dict, op: str) -> jmap.SetResult:
        r = await self._post([(f"x:{obj}/set", args, "s0")])
        return jmap.parse_set(self._args(r, "s0", obj, op))

    # --- load --------------------------------------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.load / sign_in.
    async def load(self) -> SecurityState:
        r = await self._post([(f"x:{obj}/get", dict(args), cid) for cid, obj, args, _ in _LOAD])
        st = SecurityState("0.16", self.username, None)
        got: dict[str, Any] = {}
        for cid, obj, _args, features in _LOAD:
            err = r.error(cid)
            if err is None:
                got[cid] = r.get(cid)
                continue
            if err.error_type == "forbidden":
                u = unavailable([perm(obj, "Get")], server_text=err.server_text)
            else:
                u = unavailable([], err.key, err.server_text)
                u.message = err.message
            for f in features:
                st.unavailable[f] = u

        if "pw" in got:
            lst = jmap.get_list(got["pw"])
            me = next((o for o in lst if o.get("id") == "singleton"), None)
            if me is None:  # external directory: no Password credential
                u = unavailable([], "unavailable.external_directory")
                st.unavailable[PASSWORD] = st.unavailable[TOTP] = u
            else:
                otp = me.get("otpAuth")
                st.totp_enabled = isinstance(otp, dict) and bool(otp.get("otpUrl"))
        if PASSWORD in st.unavailable:
            st.password_change = PasswordChange(False, st.unavailable[PASSWORD])
        others = [r.error(cid) for cid, *_ in _LOAD[1:]]
        st.password_expired_suspected = "pw" in got and PASSWORD not in st.unavailable and all(
            e is not None and e.error_type == "forbidden" for e in others)
        if "app" in got:
            st.app_passwords = [parse_credential(o) for o in jmap.get_list(got["app"])]
        if "key" in got:
            st.api_keys = [parse_credential(o) for o in jmap.get_list(got["key"])]
        if "pk" in got:
            st.public_keys = [parse_public_key(o) for o in jmap.get_list(got["pk"])]
        if "set" in got:
            lst = jmap.get_list(got["set"])
            me = next((o for o in lst if o.get("id") == "singleton"), {})
            st.encryption = parse_encryption(me.get("encryptionAtRest"), st.public_keys)
        return st

    # --- password and TOTP -------------------------------------------------------------
    async def _update_password(self, patch: dict) -> None:
        res = await self._set("AccountPassword", {"update": {"singleton": patch}}, "Update")
        if "singleton" in res.not_updated:
            raise _password_set_error(res.not_updated["singleton"])
        res.require_updated("singleton")

    def _signed_in_with_password(self, password: str) -> bool:
        from app.auth import Basic
        return isinstance(self.creds, Basic) and self.creds.secret == password

    # DEPRECATED (old UI only): use SecurityAccount.change_password.
    async def change_password(self, current: str, new: str,
                              otp_code: Optional[str] = None) -> Changed:
        cur = validate.secret(current, "current_password")
        nw = validate.secret(new, "new_password", "err.input.new_password_required")
        code = validate.otp_code(otp_code, required=False)
        patch: dict[str, Any] = {"currentSecret": cur, "secret": nw}
        if code:
            patch["otpAuth"] = {"otpCode": code}
        await self._update_password(patch)
        if self._signed_in_with_password(cur):
            self.creds = self.creds.with_secret(nw)
            return Changed(False, self.creds)
        if getattr(self.creds, "kind", "") == "oauth":
            # credential_version is sealed into OAuth tokens: this one is now revoked.
            return Changed(True, None)
        return Changed(False, self.creds)  # app password / API key still valid

    # DEPRECATED (old UI only): use SecurityAccount.enable_totp.
    async def enable_totp(self, current_password: str, otp_url: str,
                          current_code: Optional[str] = None) -> Changed:
        """Enable, or replace (then ``current_code`` for the old secret is required).
        The server does not check the new URL; verify a code locally first."""
        cur = validate.secret(current_password, "current_password")
        url = validate.otp_url(otp_url, "0.16")
        code = validate.otp_code(current_code, required=False)
        otp: dict[str, Any] = {"otpUrl": url}
        if code:
            otp["otpCode"] = code
        await self._update_password({"currentSecret": cur, "otpAuth": otp})
        # Basic password sign-in cannot carry a code on 0.16: it now gets 402.
        return Changed(self._signed_in_with_password(cur), None)

    # DEPRECATED (old UI only): use SecurityAccount.disable_totp.
    async def disable_totp(self, current_password: str, code: str) -> Changed:
        cur = validate.secret(current_password, "current_password")
        c = validate.otp_code(code)
        await self._update_password({"currentSecret": cur,
                                     "otpAuth": {"otpUrl": None, "otpCode": c}})
        return Changed(False, self.creds)

    # --- app passwords and API keys ----------------------------------------------------
    async def _create_credential(self, obj: str, description: str, expires_at: Any,
                                 allowed_ips: Any, permissions: Any) -> Created:
        desc = validate.description(description)
        o: dict[str, Any] = {"description": desc}
        if expires_at is not None:
            o["expiresAt"] = validate.utc_datetime(expires_at)
        ips = validate.allowed_ips(allowed_ips)
        if ips:
            o["allowedIps"] = ips
        p = validate.permissions(permissions)
        if p is not None:
            o["permissions"] = p
        res = await self._set(obj, {"create": {"new": o}}, "Create")
        got = res.require_created("new")
        oid, secret = got.get("id"), got.get("secret")
        if not isinstance(oid, str) or not oid or not isinstance(secret, str) or not secret:
            raise ProtocolError("created credential without id or secret")
        return Created(oid, secret, desc)

    async def _update_credential(self, obj: str, oid: str, description: Any, expires_at: Any,
                                 allowed_ips: Any, permissions: Any) -> None:
        oid = validate.secret(oid, "id", "err.set.not_found")
        patch: dict[str, Any] = {}
        if description is not UNSET:
            patch["description"] = validate.description(description)
        if expires_at is not UNSET:
            patch["expiresAt"] = None if expires_at is None else validate.utc_datetime(expires_at)
        if allowed_ips is not UNSET:
            patch["allowedIps"] = validate.allowed_ips(allowed_ips)
        if permissions is not UNSET:
            patch["permissions"] = validate.permissions(permissions) or {"@type": "Inherit"}
        if not patch:
            return
        res = await self._set(obj, {"update": {oid: patch}}, "Update")
        res.require_updated(oid)

    async def _destroy(self, obj: str, oid: str) -> None:
        oid = validate.secret(oid, "id", "err.set.not_found")
        res = await self._set(obj, {"destroy": [oid]}, "Destroy")
        res.require_destroyed(oid)

    # DEPRECATED (old UI only): use SecurityAccount.create_app_password.
    async def create_app_password(self, description: str, expires_at: Any = None,
                                  allowed_ips: Optional[Iterable[str]] = None,
                                  permissions: Optional[dict] = None) -> Created:
        return await self._create_credential("AppPassword", description, expires_at,
                                             allowed_ips, permissions)

    # DEPRECATED (old UI only): use (no UI; SecurityAccount has no edit yet).
    async def update_app_password(self, id: str, description: Any = UNSET,
                                  expires_at: Any = UNSET, allowed_ips: Any = UNSET,
                                  permissions: Any = UNSET) -> None:
        await self._update_credential("AppPassword", id, description, expires_at,
                                      allowed_ips, permissions)

    # DEPRECATED (old UI only): use SecurityAccount.revoke_app_password.
    async def revoke_app_password(self, id: str) -> None:
        await self._destroy("AppPassword", id)

    # DEPRECATED (old UI only): use SecurityAccount.create_api_key.
    async def create_api_key(self, description: str, expires_at: Any = None,
                             allowed_ips: Optional[Iterable[str]] = None,
                             permissions: Optional[dict] = None) -> Created:
        return await self._create_credential("ApiKey", description, expires_at,
                                             allowed_ips, permissions)

    # DEPRECATED (old UI only): use (no UI; SecurityAccount has no edit yet).
    async def update_api_key(self, id: str, description: Any = UNSET, expires_at: Any = UNSET,
                             allowed_ips: Any = UNSET, permissions: Any = UNSET) -> None:
        await self._update_credential("ApiKey", id, description, expires_at,
                                      allowed_ips, permissions)

    # DEPRECATED (old UI only): use SecurityAccount.revoke_api_key.
    async def revoke_api_key(self, id: str) -> None:
        await self._destroy("ApiKey", id)

    # --- public keys and encryption at rest ---------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.upload_and_enable.
    async def upload_public_key(self, description: str, key_text: str,
                                emails: Optional[Iterable[str]] = None) -> str:
        desc = validate.description(description)
        key = validate.key_text(key_text)
        addrs = [e.strip() for e in (emails or []) if isinstance(e, str) and e.strip()]
        if not addrs and self.username:
            addrs = [self.username]
        o = {"description": desc, "key": key, "emailAddresses": {a: True for a in addrs}}
        res = await self._set("PublicKey", {"create": {"pk": o}}, "Create")
        got = res.require_created("pk")
        oid = got.get("id")
        if not isinstance(oid, str) or not oid:
            raise ProtocolError("created public key without id")
        return oid

    # DEPRECATED (old UI only): use SecurityAccount.delete_public_key.
    async def delete_public_key(self, id: str) -> None:
        await self._destroy("PublicKey", id)

    @staticmethod
    def encryption_object(settings: Encryption) -> dict:
        if not isinstance(settings, Encryption):
            raise InvalidInput("err.input.encryption", "encryption", {"detail": "settings"})
        if settings.kind == "disabled":
            return {"@type": "Disabled"}
        if settings.algorithm not in ALGORITHMS_016:
            raise InvalidInput("err.input.encryption", "algorithm", {"detail": "algorithm"})
        if settings.kind == "pgp" and settings.algorithm not in ("Aes128", "Aes256"):
            raise InvalidInput("err.input.encryption", "algorithm",
                               {"detail": "OpenPGP keys work only with AES-128 or AES-256"})
        if not isinstance(settings.public_key, str) or not settings.public_key:
            raise InvalidInput("err.input.encryption", "public_key", {"detail": "choose a key"})
        return {"@type": settings.algorithm, "publicKey": settings.public_key,
                "encryptOnAppend": bool(settings.encrypt_on_append),
                "allowSpamTraining": bool(settings.allow_spam_training)}

    # DEPRECATED (old UI only): use SecurityAccount.use_key / disable_encryption / upload_and_enable.
    async def set_encryption(self, settings: Encryption) -> None:
        obj = self.encryption_object(settings)
        res = await self._set("AccountSettings",
                              {"update": {"singleton": {"encryptionAtRest": obj}}}, "Update")
        res.require_updated("singleton")

    # DEPRECATED (old UI only): use SecurityAccount.upload_and_enable.
    async def upload_and_enable(self, description: str, key_text: str,
                                emails: Optional[Iterable[str]] = None,
                                algorithm: str = "Aes256", encrypt_on_append: bool = False,
                                allow_spam_training: bool = False) -> str:
        """Two requests: the contract does not say that x: objects resolve
        creation-id references (``#pk``), so the id is not referenced in one batch.
        If enabling fails, the error carries ``uploaded_key_id`` (the key stays)."""
        kind = validate.key_kind(key_text if isinstance(key_text, str) else "")
        settings = Encryption(kind, algorithm, "pending", encrypt_on_append, allow_spam_training)
        self.encryption_object(settings)  # validate before uploading anything
        oid = await self.upload_public_key(description, key_text, emails)
        settings.public_key = oid
        try:
            await self.set_encryption(settings)
        except StalwartError as e:
            e.uploaded_key_id = oid  # type: ignore[attr-defined]
            raise
        return oid
