"""Authentication of HTTP requests (docs/stalwart-contract.md §2.2 for 0.16, §3 for legacy)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
import time
from dataclasses import dataclass, field
from typing import Optional

from . import http as H
from . import shacrypt
from .model import (EXPIRED_PASSWORD_PERMISSIONS, Account, Credential, parse_api_key,
                    parse_app_password, utc_now)
from .otp import OtpUrlError, check_code


@dataclass
class AuthContext:
    account: Account
    method: str                       # "password" | "app-password" | "api-key" | "oauth"
    permissions: set
    scheme: str                       # "basic" | "bearer"
    credential: Optional[Credential] = None
    token: Optional[object] = None
    client_ip: str = ""


@dataclass
class OAuthToken:
    login: str
    credential_version: int
    expires_at: float
    client_id: str
    scope: Optional[str] = None
    kind: str = "access"              # "access" | "refresh"
    # 0.11-0.15: a token that lives longer than an hour (a refresh token) is
    # sealed with the password it was issued under (source, v0.15.5
    # crates/common/src/auth/oauth/token.rs: the password hash is part of the
    # context of any token whose expiry - issued_at > 3600), so a password
    # change refuses its refresh with 400 invalid_grant; shorter access
    # tokens keep working until they expire (seen on 0.15.5)
    password_at_issue: Optional[str] = field(default=None, repr=False)


def token_still_valid(srv, tok: OAuthToken, account) -> bool:
    """What a password change did to a token: 0.16 revokes them all (the
    credential version is sealed in); 0.11-0.15 only those sealed with the
    password (longer than an hour)."""
    if not srv.legacy:
        return account.credential_version == tok.credential_version
    return tok.password_at_issue is None or tok.password_at_issue == account.password


def normalise_login(login: str, default_domain: str, legacy: bool = False) -> str:
    """0.16 signs in by address and adds the default domain to a bare name.
    Legacy looks the principal name up as typed: an address is no principal
    name there, so ``alice@example.test`` is refused (seen on 0.15.5)."""
    login = login.strip().lower()
    if not legacy and "@" not in login and login:
        login = f"{login}@{default_domain}"
    return login


def ip_allowed(allowed: dict, ip: str) -> bool:
    if not allowed:
        return True
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for net, on in allowed.items():
        if not on:
            continue
        try:
            if addr in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def effective_permissions(account: Account, cred: Optional[Credential]) -> set:
    """The rights of a request: the account's role, cut down to "change your
    password" when its password has expired and the request signs in with that
    password or an OAuth token (scope 0 in access_token.rs); an app password or
    API key keeps its own scope, derived from the full rights, and is not cut."""
    perms = set(account.permissions)
    if cred is None and account.password_expired():
        perms &= EXPIRED_PASSWORD_PERMISSIONS
    if cred is not None:
        t = cred.permissions.get("@type")
        listed = {k for k, v in (cred.permissions.get("permissions") or {}).items() if v}
        if t == "Disable":
            perms -= listed
        elif t == "Replace":
            perms &= listed
    return perms


# --- legacy secret verification (verify_secret_hash) -------------------------

def verify_secret_hash(stored: str, given: str) -> bool:
    if stored is None:
        return False
    if stored.startswith("$") and not stored.startswith("$app$"):
        return shacrypt.verify(given, stored)
    m = re.match(r"^\{([A-Z0-9-]+)\}(.*)$", stored, re.S)
    if m:
        scheme, rest = m.group(1), m.group(2)
        try:
            if scheme == "PLAIN" or scheme == "CLEAR":
                return hmac.compare_digest(rest.encode(), given.encode())
            if scheme == "SHA":
                return hmac.compare_digest(base64.b64decode(rest), hashlib.sha1(given.encode()).digest())
            if scheme == "SSHA":
                raw = base64.b64decode(rest)
                return hmac.compare_digest(raw[:20], hashlib.sha1(given.encode() + raw[20:]).digest())
            if scheme == "SHA256":
                return hmac.compare_digest(base64.b64decode(rest), hashlib.sha256(given.encode()).digest())
            if scheme == "SSHA256":
                raw = base64.b64decode(rest)
                return hmac.compare_digest(raw[:32], hashlib.sha256(given.encode() + raw[32:]).digest())
            if scheme == "SHA512":
                return hmac.compare_digest(base64.b64decode(rest), hashlib.sha512(given.encode()).digest())
            if scheme == "SSHA512":
                raw = base64.b64decode(rest)
                return hmac.compare_digest(raw[:64], hashlib.sha512(given.encode() + raw[64:]).digest())
        except (binascii.Error, ValueError):
            return False
    return hmac.compare_digest(stored.encode(), given.encode())


def verify_password_016(account: Account, secret: str) -> bool:
    return account.password is not None and account.password != "" and \
        hmac.compare_digest(account.password.encode(), secret.encode())


# --- the entry point -------------------------------------------------------------

def authenticate(srv, req: H.Request, required: bool = True) -> Optional[AuthContext]:
    """Return the caller or raise HttpError(401/402/403/429). None if anonymous and not required."""
    if srv.is_banned(req.client_ip) and req.headers.get("authorization"):
        raise H.HttpError(H.too_many_auth(srv.ban_retry_after))
    try:
        ctx = _authenticate(srv, req, required)
    except H.HttpError as e:
        if e.response.status == 401:
            if req.headers.get("authorization"):
                srv.record_auth_failure(req.client_ip)
            e.response = H.unauthorized_for(srv, req.path)
        raise
    if ctx is not None:
        ctx.client_ip = req.client_ip
    return ctx


def _authenticate(srv, req: H.Request, required: bool) -> Optional[AuthContext]:
    header = req.headers.get("authorization")
    if not header:
        if required:
            raise H.HttpError(H.unauthorized())
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise H.HttpError(H.unauthorized()) from None
        login, sep, secret = decoded.partition(":")
        if not sep:
            raise H.HttpError(H.unauthorized())
        login = normalise_login(login, srv.default_domain, srv.legacy)
        with srv.lock:
            account = srv.accounts.get(login)
            if account is None:
                raise H.HttpError(H.unauthorized())
            if srv.legacy:
                return _basic_legacy(srv, req, account, secret)
            return _basic_016(srv, req, account, secret)
    if scheme == "bearer":
        # An OIDC directory asks the provider (keys, userinfo) outside the lock.
        named = _directory_bearer(srv, value) if not srv.legacy else None
        with srv.lock:
            return _bearer(srv, req, value, named)
    raise H.HttpError(H.unauthorized())


def _directory_bearer(srv, token: str):
    """The address an OIDC directory finds in ``token`` (authentication.rs:
    an API key never goes there; a JWT's email, preferred_username or upn
    domain picks the directory, else the default one), or None."""
    from .oidc import Refused, jwt_domain
    if parse_api_key(token) is not None:
        return None
    d = srv.oidc_directory_for(jwt_domain(token))
    if d is None:
        return None
    try:
        return d.authenticate(token)
    except Refused as e:
        return e


def _check_cred(cred: Credential, req: H.Request) -> None:
    if cred.expires_at is not None and cred.expires_at <= utc_now():
        raise H.HttpError(H.unauthorized())  # "Credential expired."
    if not ip_allowed(cred.allowed_ips, req.client_ip):
        raise H.HttpError(H.forbidden())


def _basic_016(srv, req, account: Account, secret: str) -> AuthContext:
    parsed = parse_app_password(secret)
    if parsed is not None:
        cred_id, rnd = parsed
        cred = account.app_passwords.get(cred_id)
        if cred is None or not cred.verify(rnd):
            raise H.HttpError(H.unauthorized())
        _check_cred(cred, req)
        return AuthContext(account, "app-password", effective_permissions(account, cred), "basic", cred)
    if srv.oidc_directory_for(account.login.rpartition("@")[2]) is not None:
        # The domain's directory checks passwords, and an OIDC directory takes
        # only Bearer tokens: "Unsupported credentials type for OIDC backend".
        raise H.HttpError(H.unauthorized())
    if not verify_password_016(account, secret):
        raise H.HttpError(H.unauthorized())
    if account.otp_url is not None:
        # Basic cannot carry a code in 0.16 (and a broken URL fails the same way).
        raise H.HttpError(H.mfa_required_016())
    return AuthContext(account, "password", effective_permissions(account, None), "basic")


_CODE = re.compile(r"^[0-9]{6,8}$")


def _basic_legacy(srv, req, account: Account, secret: str) -> AuthContext:
    for entry in account.app_passwords:
        # "$app$<name>$<password-or-hash>"
        parts = entry.split("$", 3)
        if len(parts) == 4 and verify_secret_hash(parts[3], secret):
            return AuthContext(account, "app-password", set(account.permissions), "basic")
    if account.otp_url is None:
        if verify_secret_hash(account.password, secret):
            return AuthContext(account, "password", set(account.permissions), "basic")
        raise H.HttpError(H.unauthorized())
    pw, sep, code = secret.rpartition("$")
    if not sep or not _CODE.match(code):
        if verify_secret_hash(account.password, secret):
            raise H.HttpError(H.totp_required_legacy())
        raise H.HttpError(H.unauthorized())
    if not verify_secret_hash(account.password, pw):
        raise H.HttpError(H.unauthorized())
    try:
        ok = check_code(account.otp_url, code, srv.otp_version)
    except OtpUrlError:
        ok = False
    if not ok:
        raise H.HttpError(H.unauthorized())
    return AuthContext(account, "password", set(account.permissions), "basic")


def _bearer(srv, req, token: str, named=None) -> AuthContext:
    if isinstance(named, str):
        # build_directory_token: the account is made on first sign-in (synchronize_account)
        account = srv.directory_account(named)
        return AuthContext(account, "oauth", effective_permissions(account, None), "bearer")
    if not srv.legacy:
        parsed = parse_api_key(token)
        if parsed is not None:
            acct_id, cred_id, rnd = parsed
            account = next((a for a in srv.accounts.values() if a.id == acct_id), None)
            cred = account.api_keys.get(cred_id) if account else None
            if cred is None or not cred.verify(rnd):
                raise H.HttpError(H.unauthorized())
            _check_cred(cred, req)
            return AuthContext(account, "api-key", effective_permissions(account, cred), "bearer", cred)
    tok = srv.tokens.get(token)
    if tok is None or tok.kind != "access" or tok.expires_at <= time.time():
        raise H.HttpError(H.unauthorized())
    account = srv.accounts.get(tok.login)
    if account is None:
        raise H.HttpError(H.unauthorized())
    if not token_still_valid(srv, tok, account):
        # 0.16 seals the credential version into tokens: a password change
        # revokes them. 0.15.5 keeps its (hour-long) access tokens valid.
        raise H.HttpError(H.unauthorized())  # "Token revoked"
    perms = set(account.permissions) if srv.legacy else effective_permissions(account, None)
    return AuthContext(account, "oauth", perms, "bearer", token=tok)


def login_with_secret(srv, login: str, secret: str, mfa_token: Optional[str]) -> tuple[str, Optional[Account]]:
    """For /api/auth (the login page): ("ok"|"mfa"|"fail", account). 0.16 rules."""
    login = normalise_login(login or "", srv.default_domain)
    account = srv.accounts.get(login)
    if account is None or not isinstance(secret, str):
        return "fail", None
    parsed = parse_app_password(secret)
    if parsed is not None:
        cred = account.app_passwords.get(parsed[0]) if isinstance(account.app_passwords, dict) else None
        if cred and cred.verify(parsed[1]) and (cred.expires_at is None or cred.expires_at > utc_now()):
            return "ok", account
        return "fail", None
    if not verify_password_016(account, secret):
        return "fail", None
    if account.otp_url is None:
        return "ok", account
    if not mfa_token:
        return "mfa", account
    try:
        ok = check_code(account.otp_url, mfa_token, srv.otp_version)
    except OtpUrlError:
        ok = False
    return ("ok", account) if ok else ("fail", None)
