"""OAuth endpoints (docs/stalwart-contract.md §2.2; legacy variant §3 "OAuth in B").

What differs between the generations follows the source of v0.16.18 and
v0.15.5 and what was measured on those servers (the contract marks which is
which): discovery, token errors without descriptions, lower-case
``token_type``, an ``id_token``, refresh without rotation, the device flow's
addresses and codes, and the client-id limits.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Optional

from . import http as H
from .auth import OAuthToken, authenticate, login_with_secret, token_still_valid
from .pages import login_page, device_page  # noqa: F401  (routed from server.py)

SCOPES = ["openid", "offline_access", "urn:ietf:params:oauth:scope:mail",
          "urn:ietf:params:oauth:scope:contacts", "urn:ietf:params:oauth:scope:calendars"]
SCOPES_LEGACY = ["openid", "offline_access", "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail",
                 "urn:ietf:params:jmap:submission", "urn:ietf:params:jmap:vacationresponse"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REGISTERED_PREFIX = "reg_"
CLIENT_ID_MAX_LEGACY = 20       # 0.11-0.15 (CLIENT_ID_MAX_LEN)
CLIENT_ID_MAX_016 = 2048        # 0.16
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0, O, I, 1
NO_STORE = [("Cache-Control", "no-store")]


@dataclass
class AuthCode:
    login: str
    client_id: str
    redirect_uri: str                 # "" when the code was issued for no redirect_uri
    expires_at: float
    scope: Optional[str] = None
    code_challenge: Optional[str] = None
    code_challenge_method: Optional[str] = None
    nonce: Optional[str] = None


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    expires_at: float
    scope: Optional[str] = None
    login: Optional[str] = None       # set once approved


def client_id_max(srv) -> int:
    return CLIENT_ID_MAX_LEGACY if srv.legacy else CLIENT_ID_MAX_016


# --- discovery ------------------------------------------------------------------------

def discovery(srv, req: H.Request) -> H.Response:
    b = srv.public_base
    if srv.legacy:
        # v0.15.5 handle_oauth_metadata: the web-admin's /authorize/code, no
        # PKCE, no refresh_token grant; no CORS unless permissive CORS is on.
        doc = {
            "issuer": b,
            "token_endpoint": f"{b}/auth/token",
            "authorization_endpoint": f"{b}/authorize/code",
            "device_authorization_endpoint": f"{b}/auth/device",
            "registration_endpoint": f"{b}/auth/register",
            "introspection_endpoint": f"{b}/auth/introspect",
            "grant_types_supported": ["authorization_code", "implicit", DEVICE_GRANT],
            "response_types_supported": ["code", "id_token", "code token", "id_token token"],
            "scopes_supported": SCOPES_LEGACY,
        }
    else:
        doc = {
            "issuer": b,
            "token_endpoint": f"{b}/auth/token",
            "authorization_endpoint": f"{b}/login",
            "device_authorization_endpoint": f"{b}/auth/device",
            "registration_endpoint": f"{b}/auth/register",
            "introspection_endpoint": f"{b}/auth/introspect",
            "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT],
            "response_types_supported": ["code"],
            "scopes_supported": SCOPES,
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }
    if req.path.endswith("openid-configuration"):
        doc.update({"userinfo_endpoint": f"{b}/auth/userinfo", "jwks_uri": f"{b}/auth/jwks.json",
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["ES256"],
                    "claims_supported": ["sub", "name", "preferred_username", "email", "iss", "aud", "exp",
                                         "iat", "nonce"]})
    r = H.json_response(doc)
    r.always_cors = not srv.legacy
    return r


def own_openid_metadata(srv, strip_base: bool) -> H.Response:
    """openid.rs handle_oidc_metadata: ``strip_base`` (a listener without TLS,
    as this fake's) leaves every endpoint relative and the issuer empty."""
    b = "" if strip_base else srv.public_base
    doc = {"issuer": b, "authorization_endpoint": f"{b}/login", "token_endpoint": f"{b}/auth/token",
           "userinfo_endpoint": f"{b}/auth/userinfo", "jwks_uri": f"{b}/auth/jwks.json",
           "registration_endpoint": f"{b}/auth/register",
           "device_authorization_endpoint": f"{b}/auth/device",
           "scopes_supported": SCOPES, "response_types_supported": ["code"],
           "subject_types_supported": ["public"],
           "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT],
           "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
           "id_token_signing_alg_values_supported": ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256",
                                                     "PS384", "PS512", "HS256", "HS384", "HS512"],
           "claims_supported": ["sub", "name", "preferred_username", "email", "email_verified"],
           "code_challenge_methods_supported": ["S256"],
           "authorization_response_iss_parameter_supported": True}
    r = H.json_response(doc)
    r.always_cors = True
    return r


def protected_resource(srv, req: H.Request) -> H.Response:
    if srv.legacy:
        return H.not_found()  # seen on 0.15.5
    b = srv.public_base
    r = H.json_response({"resource": b, "authorization_servers": [b], "scopes_supported": SCOPES,
                         "bearer_methods_supported": ["header"]})
    r.always_cors = True
    return r


def jwks(srv, req: H.Request) -> H.Response:
    return H.json_response({"keys": [srv.signing_key.public_jwk()]})


# --- tokens ---------------------------------------------------------------------------

def _token_error(error: str) -> H.Response:
    """Token endpoint errors carry no error_description (seen on 0.16.18)."""
    return H.json_response({"error": error}, 400)


def _issue(srv, login: str, client_id: str, scope: Optional[str], nonce: Optional[str] = None,
           with_refresh: bool = True, with_id_token: bool = True) -> dict:
    acct = srv.accounts[login]
    now = time.time()
    access = secrets.token_urlsafe(32)
    sealed = acct.password if srv.legacy else None  # 0.11-0.15: tokens over an hour (auth.OAuthToken)
    srv.tokens[access] = OAuthToken(login, acct.credential_version, now + srv.token_lifetime, client_id, scope,
                                    password_at_issue=sealed if srv.token_lifetime > 3600 else None)
    out = {"access_token": access, "token_type": "bearer", "expires_in": int(srv.token_lifetime)}
    if with_refresh:
        refresh = secrets.token_urlsafe(32)
        srv.tokens[refresh] = OAuthToken(login, acct.credential_version, now + srv.refresh_token_lifetime,
                                         client_id, scope, "refresh",
                                         password_at_issue=sealed if srv.refresh_token_lifetime > 3600 else None)
        out["refresh_token"] = refresh
    if scope and not srv.legacy:
        out["scope"] = scope
    if with_id_token:
        out["id_token"] = srv.signing_key.id_token({
            "iss": srv.public_base, "sub": str(acct.id), "aud": client_id, "iat": int(now),
            "exp": int(now + srv.token_lifetime), "preferred_username": acct.login, "email": acct.email,
            **({"nonce": nonce} if nonce else {})})
    return out


def _pkce_ok(code: AuthCode, verifier: Optional[str]) -> bool:
    """v0.16.18 verify_pkce: no challenge and no verifier is fine; a verifier
    without a challenge, or a bad or missing one with a challenge, is not."""
    if code.code_challenge is None:
        return verifier is None
    if verifier is None or not 43 <= len(verifier) <= 128 or \
            not all(c.isascii() and (c.isalnum() or c in "-._~") for c in verifier):
        return False
    if code.code_challenge_method == "plain":
        expected = verifier
    else:
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(expected, code.code_challenge)


def token(srv, req: H.Request) -> H.Response:
    f = req.form()
    grant = (f.get("grant_type") or "").lower()
    client_id = f.get("client_id")
    with srv.lock:
        if grant == "authorization_code":
            code_s, redirect_uri = f.get("code"), f.get("redirect_uri")
            if code_s is None or client_id is None or redirect_uri is None:
                return _token_error("invalid_client")
            code = srv.auth_codes.get(code_s)
            if code is None or code.expires_at < time.time():
                srv.auth_codes.pop(code_s, None)
                return _token_error("access_denied")     # unknown, expired or replayed
            if client_id != code.client_id or redirect_uri != code.redirect_uri:
                return _token_error("invalid_client")
            if not srv.legacy and not _pkce_ok(code, f.get("code_verifier")):
                return _token_error("invalid_grant")
            del srv.auth_codes[code_s]
            return H.json_response(_issue(srv, code.login, code.client_id, code.scope, code.nonce),
                                   headers=NO_STORE)
        if grant == "refresh_token":
            rt_s = f.get("refresh_token")
            if rt_s is None:
                return _token_error("invalid_request")
            rt = srv.tokens.get(rt_s)
            acct = srv.accounts.get(rt.login) if rt else None
            if rt is None or rt.kind != "refresh" or rt.expires_at < time.time() or acct is None or \
                    not token_still_valid(srv, rt, acct):
                return _token_error("invalid_grant")  # (0.15.5 too after a password change: 400)
            # Not rotated: a new refresh token only when this one nears its end;
            # the old access token stays valid (seen on 0.16.18).
            renew = rt.expires_at - time.time() <= srv.refresh_token_renew
            return H.json_response(_issue(srv, rt.login, rt.client_id, None, with_refresh=renew,
                                          with_id_token=False), headers=NO_STORE)
        if grant == DEVICE_GRANT:
            dc = srv.device_codes.get(f.get("device_code") or "")
            if dc is None or client_id is None or dc.expires_at < time.time():
                return _token_error("expired_token")
            if client_id != dc.client_id:
                return _token_error("invalid_client")
            if dc.login is None:
                return _token_error("authorization_pending")
            del srv.device_codes[dc.device_code]
            return H.json_response(_issue(srv, dc.login, dc.client_id, dc.scope), headers=NO_STORE)
        return _token_error("invalid_grant")  # the source's default for any other grant


# --- the login page's API (0.16) -------------------------------------------------------

def _redirect_ok(uri: str, has_challenge: bool) -> bool:
    return not uri.startswith("http://") or has_challenge


def api_auth(srv, req: H.Request) -> H.Response:
    """POST /api/auth: what the built-in login and device pages call."""
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return H.bad_params(H.JSON_FAILED)
    if not isinstance(body, dict) or body.get("type") not in ("authCode", "authDevice"):
        return H.bad_params(H.JSON_FAILED)
    for k in ("accountName", "accountSecret", "mfaToken", "clientId", "redirectUri", "scope", "state", "nonce",
              "codeChallenge", "codeChallengeMethod", "code"):
        if body.get(k) is not None and not isinstance(body[k], str):
            return H.bad_params(H.JSON_FAILED)
    if srv.is_banned(req.client_ip):
        return H.json_response({"type": "failure"})
    with srv.lock:
        if body["type"] == "authDevice":
            user_code = (body.get("code") or "").strip().upper()
            dc = next((d for d in srv.device_codes.values() if d.user_code == user_code
                       and d.expires_at > time.time() and d.login is None), None)
            if dc is None:
                return H.json_response({"type": "failure"})
            status, acct = login_with_secret(srv, body.get("accountName") or "", body.get("accountSecret"),
                                             body.get("mfaToken"))
            if status == "mfa":
                return H.json_response({"type": "mfaRequired"})
            if status != "ok":
                srv.record_auth_failure(req.client_ip)
                return H.json_response({"type": "failure"})
            dc.login = acct.login
            return H.json_response({"type": "verified"})
        # authCode: the request is checked before the credentials are
        # (AuthEvent errors: a 401 problem, like any failed authentication).
        client_id = body.get("clientId")
        redirect_uri = body.get("redirectUri")
        challenge = body.get("codeChallenge")
        method = body.get("codeChallengeMethod")
        if not isinstance(client_id, str) or len(client_id) > client_id_max(srv):
            return H.bad_params(H.JSON_FAILED) if client_id is None else H.unauthorized()
        if redirect_uri is None or not _redirect_ok(redirect_uri, bool(challenge)):
            return H.unauthorized()
        if client_id.startswith(REGISTERED_PREFIX) and (not challenge or method != "S256"):
            return H.unauthorized()
        if challenge and (method or "plain") not in ("S256", "plain"):
            return H.unauthorized()
        status, acct = login_with_secret(srv, body.get("accountName") or "", body.get("accountSecret"),
                                         body.get("mfaToken"))
        if status == "mfa":
            return H.json_response({"type": "mfaRequired"})
        if status != "ok":
            srv.record_auth_failure(req.client_ip)
            return H.json_response({"type": "failure"})
        code = secrets.token_urlsafe(30)
        srv.auth_codes[code] = AuthCode(acct.login, client_id, redirect_uri, time.time() + srv.code_lifetime,
                                        body.get("scope"), challenge,
                                        (method or "plain") if challenge else None, body.get("nonce"))
        return H.json_response({"type": "authenticated", "client_code": code, "iss": srv.public_base})


# --- device flow ---------------------------------------------------------------------

def _user_code() -> str:
    chars = [secrets.choice(USER_CODE_ALPHABET) for _ in range(8)]
    return "".join(chars[:4]) + "-" + "".join(chars[4:])   # like 4VZF-7EWU


def device(srv, req: H.Request) -> H.Response:
    f = req.form()
    client_id = f.get("client_id")
    if not client_id or len(client_id) > client_id_max(srv):
        return H.bad_params("Client ID is missing.")  # also for a too-long id (seen on 0.15.5)
    with srv.lock:
        dc = DeviceCode(secrets.token_urlsafe(30), _user_code(), client_id,
                        time.time() + srv.device_code_lifetime, f.get("scope"))
        srv.device_codes[dc.device_code] = dc
    b = srv.public_base
    page = "authorize" if srv.legacy else "device"  # legacy: the web-admin's page
    return H.json_response({"device_code": dc.device_code, "user_code": dc.user_code,
                            "verification_uri": f"{b}/{page}",
                            "verification_uri_complete": f"{b}/{page}/?code={dc.user_code}",
                            "expires_in": int(srv.device_code_lifetime), "interval": 5},
                           headers=NO_STORE)


def register(srv, req: H.Request) -> H.Response:
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("redirect_uris"), list) or not body["redirect_uris"]:
        return H.json_response({"error": "invalid_client_metadata",
                                "error_description": "redirect_uris is required"}, 400)
    cid = REGISTERED_PREFIX + secrets.token_urlsafe(16)
    out = {"client_id": cid, "client_id_issued_at": int(time.time()), "redirect_uris": body["redirect_uris"],
           "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
           "response_types": ["code"]}
    if "client_name" in body:
        out["client_name"] = body["client_name"]
    return H.json_response(out, 201)


def introspect(srv, req: H.Request) -> H.Response:
    authenticate(srv, req)
    f = req.form()
    with srv.lock:
        t = srv.tokens.get(f.get("token") or "")
        acct = srv.accounts.get(t.login) if t else None
        if t is None or acct is None or t.expires_at < time.time() or not token_still_valid(srv, t, acct):
            return H.json_response({"active": False})
        return H.json_response({"active": True, "client_id": t.client_id, "username": t.login,
                                "token_type": "bearer" if t.kind == "access" else "refresh_token",
                                "exp": int(t.expires_at), "scope": t.scope})


def legacy_api_oauth(srv, req: H.Request) -> H.Response:
    """POST /api/oauth (B): Basic auth, permission authenticate-oauth."""
    ctx = authenticate(srv, req)
    if "authenticate-oauth" not in ctx.permissions:
        return H.forbidden()
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return H.bad_params(H.JSON_FAILED)
    if not isinstance(body, dict) or body.get("type") not in ("code", "device") or any(
            body.get(k) is not None and not isinstance(body[k], str)
            for k in ("code", "client_id", "redirect_uri", "nonce")):
        return H.bad_params(H.JSON_FAILED)
    with srv.lock:
        if body["type"] == "device":
            if not isinstance(body.get("code"), str):
                return H.bad_params(H.JSON_FAILED)
            user_code = body["code"]
            dc = next((d for d in srv.device_codes.values() if d.user_code == user_code
                       and d.expires_at > time.time() and d.login is None), None)
            if dc is None:
                return H.json_response({"data": False})
            dc.login = ctx.account.login
            return H.json_response({"data": True})
        client_id, redirect_uri = body.get("client_id"), body.get("redirect_uri")
        if not isinstance(client_id, str):
            return H.bad_params(H.JSON_FAILED)
        # Management errors: HTTP 200 (seen on 0.15.5).
        if len(client_id) > CLIENT_ID_MAX_LEGACY:
            return H.json_response({"error": "other", "details": "Client ID is invalid.", "reason": None})
        if redirect_uri is not None and redirect_uri.startswith("http://"):
            return H.json_response({"error": "other", "details": "Redirect URI must be HTTPS.", "reason": None})
        code = secrets.token_urlsafe(30)
        srv.auth_codes[code] = AuthCode(ctx.account.login, client_id, redirect_uri or "",
                                        time.time() + srv.code_lifetime, nonce=body.get("nonce"))
        return H.json_response({"data": {"code": code, "permissions": sorted(ctx.permissions),
                                         "version": srv.legacy_full_version, "isEnterprise": False}},
                               headers=NO_STORE)


# --- id_token signing ------------------------------------------------------------------

def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


class SigningKey:
    """An ES256 key per server: id_tokens are ES256 JWTs (seen on 0.16.18)."""

    def __init__(self):
        from ecdsa import NIST256p
        from ecdsa import SigningKey as _SK
        self._key = _SK.generate(curve=NIST256p, hashfunc=hashlib.sha256)
        self.kid = secrets.token_hex(8)

    def id_token(self, claims: dict) -> str:
        from ecdsa.util import sigencode_string
        head = _b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": self.kid}, separators=(",", ":")).encode())
        body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        sig = self._key.sign_deterministic(f"{head}.{body}".encode(), hashfunc=hashlib.sha256,
                                           sigencode=sigencode_string)
        return f"{head}.{body}.{_b64url(sig)}"

    def public_jwk(self) -> dict:
        raw = self._key.get_verifying_key().to_string()  # x || y
        return {"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
                "x": _b64url(raw[:32]), "y": _b64url(raw[32:])}
