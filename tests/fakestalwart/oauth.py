"""OAuth endpoints (stalwart-api.md §2.2; legacy variant §3 "OAuth in B")."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Optional

from . import http as H
from .auth import OAuthToken, authenticate, login_with_secret

SCOPES = ["openid", "offline_access", "urn:ietf:params:oauth:scope:mail",
          "urn:ietf:params:oauth:scope:contacts", "urn:ietf:params:oauth:scope:calendars"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REGISTERED_PREFIX = "reg_"


@dataclass
class AuthCode:
    login: str
    client_id: str
    redirect_uri: Optional[str]
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


def discovery(srv, req: H.Request) -> H.Response:
    b = srv.public_base
    doc = {
        "issuer": b,
        "authorization_endpoint": f"{b}/login" if not srv.legacy else f"{b}/authorize/code",
        "token_endpoint": f"{b}/auth/token",
        "device_authorization_endpoint": f"{b}/auth/device",
        "introspection_endpoint": f"{b}/auth/introspect",
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", DEVICE_GRANT],
        "response_types_supported": ["code", "id_token", "code token", "id_token token"],
        "scopes_supported": SCOPES,
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
    }
    if not srv.legacy:
        doc["registration_endpoint"] = f"{b}/auth/register"
        doc["code_challenge_methods_supported"] = ["S256"]
    if req.path.endswith("openid-configuration"):
        doc.update({"userinfo_endpoint": f"{b}/auth/userinfo", "jwks_uri": f"{b}/auth/jwks.json",
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256", "HS256"],
                    "claims_supported": ["sub", "name", "preferred_username", "email", "iss", "aud", "exp",
                                         "iat", "nonce"]})
    r = H.json_response(doc)
    r.always_cors = True
    return r


def protected_resource(srv, req: H.Request) -> H.Response:
    b = srv.public_base
    r = H.json_response({"resource": b, "authorization_servers": [b], "scopes_supported": SCOPES,
                         "bearer_methods_supported": ["header"]})
    r.always_cors = True
    return r


def _token_error(error: str, description: Optional[str] = None) -> H.Response:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return H.json_response(body, 400, headers=[("Cache-Control", "no-store")])


def _issue(srv, login: str, client_id: str, scope: Optional[str]) -> dict:
    acct = srv.accounts[login]
    access = secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(32)
    now = time.time()
    srv.tokens[access] = OAuthToken(login, acct.credential_version, now + srv.token_lifetime, client_id, scope)
    srv.tokens[refresh] = OAuthToken(login, acct.credential_version, now + srv.refresh_token_lifetime,
                                     client_id, scope, "refresh")
    out = {"access_token": access, "token_type": "Bearer", "expires_in": int(srv.token_lifetime),
           "refresh_token": refresh}
    if scope:
        out["scope"] = scope
    return out


def _redirect_ok(uri: Optional[str], has_challenge: bool) -> bool:
    if uri is None:
        return True
    if uri.startswith("https://"):
        return True
    if uri.startswith("http://"):
        return has_challenge
    # custom schemes (native apps) are allowed
    return "://" in uri or ":/" in uri


def api_auth(srv, req: H.Request) -> H.Response:
    """POST /api/auth: what the built-in login and device pages call."""
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return H.bad_params()
    if not isinstance(body, dict) or body.get("type") not in ("authCode", "authDevice"):
        return H.bad_params()
    for k in ("accountName", "accountSecret", "mfaToken", "clientId", "redirectUri", "scope", "state", "nonce",
              "codeChallenge", "codeChallengeMethod", "resource", "code"):
        if body.get(k) is not None and not isinstance(body[k], str):
            return H.bad_params()
    if srv.is_banned(req.client_ip):
        return H.too_many_auth(srv.ban_retry_after)
    with srv.lock:
        status, acct = login_with_secret(srv, body.get("accountName") or "", body.get("accountSecret"),
                                         body.get("mfaToken"))
        if status == "mfa":
            return H.json_response({"type": "mfaRequired"})
        if status != "ok":
            srv.record_auth_failure(req.client_ip)
            return H.json_response({"type": "failure"})
        if body["type"] == "authDevice":
            user_code = (body.get("code") or "").strip().upper()
            dc = next((d for d in srv.device_codes.values() if d.user_code == user_code
                       and d.expires_at > time.time()), None)
            if dc is None:
                return H.json_response({"type": "failure"})
            dc.login = acct.login
            return H.json_response({"type": "verified"})
        client_id = body.get("clientId")
        redirect_uri = body.get("redirectUri")
        challenge = body.get("codeChallenge")
        method = body.get("codeChallengeMethod")
        if not isinstance(client_id, str) or not client_id:
            return H.bad_params("Missing clientId")
        if not _redirect_ok(redirect_uri, bool(challenge)):
            return H.bad_params("Invalid redirect URI")
        if client_id.startswith(REGISTERED_PREFIX) and (not challenge or method != "S256"):
            return H.bad_params("PKCE (S256) is required for this client")
        if challenge and method not in (None, "S256"):
            return H.bad_params("Unsupported code challenge method")
        code = secrets.token_urlsafe(24)
        srv.auth_codes[code] = AuthCode(acct.login, client_id, redirect_uri, time.time() + srv.code_lifetime,
                                        body.get("scope"), challenge, method or ("S256" if challenge else None),
                                        body.get("nonce"))
        return H.json_response({"type": "authenticated", "client_code": code, "iss": srv.public_base})


def token(srv, req: H.Request) -> H.Response:
    f = req.form()
    grant = f.get("grant_type")
    client_id = f.get("client_id")
    with srv.lock:
        if grant == "authorization_code":
            code = srv.auth_codes.pop(f.get("code") or "", None)
            if code is None or code.expires_at < time.time():
                return _token_error("invalid_grant", "Invalid or expired authorization code")
            if client_id != code.client_id:
                return _token_error("invalid_client", "Client ID mismatch")
            if code.redirect_uri is not None and f.get("redirect_uri") != code.redirect_uri:
                return _token_error("invalid_grant", "Redirect URI mismatch")
            if not srv.legacy and code.code_challenge:
                verifier = f.get("code_verifier")
                if not verifier:
                    return _token_error("invalid_request", "Missing code_verifier")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if not hmac.compare_digest(digest, code.code_challenge):
                    return _token_error("invalid_grant", "PKCE verification failed")
            return H.json_response(_issue(srv, code.login, code.client_id, code.scope),
                                   headers=[("Cache-Control", "no-store")])
        if grant == "refresh_token":
            rt = srv.tokens.get(f.get("refresh_token") or "")
            if rt is None or rt.kind != "refresh" or rt.expires_at < time.time():
                return _token_error("invalid_grant", "Invalid or expired refresh token")
            acct = srv.accounts.get(rt.login)
            if acct is None or acct.credential_version != rt.credential_version:
                return _token_error("invalid_grant", "Token revoked")
            del srv.tokens[f["refresh_token"]]
            return H.json_response(_issue(srv, rt.login, rt.client_id, rt.scope),
                                   headers=[("Cache-Control", "no-store")])
        if grant == DEVICE_GRANT:
            dc = srv.device_codes.get(f.get("device_code") or "")
            if dc is None:
                return _token_error("invalid_grant", "Invalid device code")
            if dc.expires_at < time.time():
                return _token_error("expired_token")
            if client_id != dc.client_id:
                return _token_error("invalid_client", "Client ID mismatch")
            if dc.login is None:
                return _token_error("authorization_pending")
            del srv.device_codes[dc.device_code]
            return H.json_response(_issue(srv, dc.login, dc.client_id, dc.scope),
                                   headers=[("Cache-Control", "no-store")])
        return _token_error("unsupported_grant_type")


def _user_code() -> str:
    alphabet = "".join(c for c in string.ascii_uppercase if c not in "AEIOU")
    return "".join(secrets.choice(alphabet) for _ in range(8))


def device(srv, req: H.Request) -> H.Response:
    f = req.form()
    client_id = f.get("client_id")
    if not client_id:
        return _token_error("invalid_client", "Missing client_id")
    with srv.lock:
        dc = DeviceCode(secrets.token_urlsafe(24), _user_code(), client_id, time.time() + srv.device_code_lifetime,
                        f.get("scope"))
        srv.device_codes[dc.device_code] = dc
    b = srv.public_base
    return H.json_response({"device_code": dc.device_code, "user_code": dc.user_code,
                            "verification_uri": f"{b}/device",
                            "verification_uri_complete": f"{b}/device?code={dc.user_code}",
                            "expires_in": int(srv.device_code_lifetime), "interval": 5})


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
        if t is None or acct is None or t.expires_at < time.time() or acct.credential_version != t.credential_version:
            return H.json_response({"active": False})
        return H.json_response({"active": True, "client_id": t.client_id, "username": t.login,
                                "token_type": "Bearer" if t.kind == "access" else "refresh_token",
                                "exp": int(t.expires_at), "scope": t.scope})


def legacy_api_oauth(srv, req: H.Request) -> H.Response:
    """POST /api/oauth (B): Basic auth, permission authenticate-oauth."""
    ctx = authenticate(srv, req)
    if "authenticate-oauth" not in ctx.permissions:
        return H.forbidden()
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return H.bad_params()
    if not isinstance(body, dict) or body.get("type") not in ("code", "device") or any(
            body.get(k) is not None and not isinstance(body[k], str)
            for k in ("code", "client_id", "redirect_uri", "nonce")):
        return H.bad_params()
    with srv.lock:
        if body["type"] == "device":
            user_code = (body.get("code") or "").strip().upper()
            dc = next((d for d in srv.device_codes.values() if d.user_code == user_code
                       and d.expires_at > time.time()), None)
            if dc is None:
                return H.json_response({"data": False})
            dc.login = ctx.account.login
            return H.json_response({"data": True})
        client_id = body.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            return H.bad_params()
        code = secrets.token_urlsafe(24)
        srv.auth_codes[code] = AuthCode(ctx.account.login, client_id, body.get("redirect_uri"),
                                        time.time() + srv.code_lifetime, nonce=body.get("nonce"))
        return H.json_response({"data": {"code": code, "permissions": sorted(ctx.permissions),
                                         "version": srv.legacy_full_version, "isEnterprise": False}})


# --- HTML pages ----------------------------------------------------------------------

_PAGE_CSS = ("body{font-family:sans-serif;max-width:24rem;margin:3rem auto}label{display:block;margin:.5rem 0}"
             "input{width:100%}#error{color:#b00}")

LOGIN_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Stalwart (fake)</title>
<style>%(css)s</style></head><body>
<h1>Sign in</h1>
<form id="login-form" method="post" action="/api/auth">
<label>Login <input id="username" name="username" autocomplete="username" required></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
<label id="otp-row" hidden>Authentication code <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code"></label>
<p id="error" role="alert"></p>
<button id="submit" type="submit">Sign in</button>
</form>
<script>
const q = new URLSearchParams(location.search);
const form = document.getElementById('login-form');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = document.getElementById('error'); err.textContent = '';
  const body = {type: 'authCode', accountName: document.getElementById('username').value,
    accountSecret: document.getElementById('password').value,
    clientId: q.get('client_id'), redirectUri: q.get('redirect_uri')};
  for (const [k, p] of [['scope','scope'],['state','state'],['nonce','nonce'],['codeChallenge','code_challenge'],
                        ['codeChallengeMethod','code_challenge_method'],['resource','resource']]) {
    if (q.get(p) !== null) body[k] = q.get(p);
  }
  const otp = document.getElementById('otp').value;
  if (!document.getElementById('otp-row').hidden && otp) body.mfaToken = otp;
  let res;
  try {
    const r = await fetch('/api/auth', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                         body: JSON.stringify(body), credentials: 'omit'});
    res = await r.json();
  } catch (e) { err.textContent = 'Network error'; return; }
  if (res.type === 'mfaRequired') {
    document.getElementById('otp-row').hidden = false;
    document.getElementById('otp').focus();
    err.textContent = 'Enter the code from your authenticator app.';
  } else if (res.type === 'authenticated') {
    const ru = q.get('redirect_uri');
    const params = new URLSearchParams({code: res.client_code});
    if (q.get('state') !== null) params.set('state', q.get('state'));
    params.set('iss', res.iss);
    location.href = ru + (ru.includes('?') ? '&' : '?') + params.toString();
  } else {
    err.textContent = 'Invalid credentials.';
  }
});
</script></body></html>
"""

DEVICE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize device - Stalwart (fake)</title>
<style>%(css)s</style></head><body>
<h1>Authorize device</h1>
<form id="device-form">
<label>Code <input id="code" name="code" required></label>
<label>Login <input id="username" name="username" autocomplete="username" required></label>
<label>Password <input id="password" name="password" type="password" required></label>
<label id="otp-row" hidden>Authentication code <input id="otp" name="otp" inputmode="numeric"></label>
<p id="error" role="alert"></p><p id="done" hidden>Device authorized. You can close this page.</p>
<button id="submit" type="submit">Authorize</button>
</form>
<script>
const q = new URLSearchParams(location.search);
if (q.get('code')) document.getElementById('code').value = q.get('code');
document.getElementById('device-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = document.getElementById('error'); err.textContent = '';
  const body = {type: 'authDevice', code: document.getElementById('code').value,
    accountName: document.getElementById('username').value, accountSecret: document.getElementById('password').value};
  const otp = document.getElementById('otp').value;
  if (!document.getElementById('otp-row').hidden && otp) body.mfaToken = otp;
  const r = await fetch('/api/auth', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                       body: JSON.stringify(body), credentials: 'omit'});
  const res = await r.json();
  if (res.type === 'mfaRequired') { document.getElementById('otp-row').hidden = false; }
  else if (res.type === 'verified') { document.getElementById('done').hidden = false; }
  else { err.textContent = 'Invalid code or credentials.'; }
});
</script></body></html>
"""


def login_page(srv, req: H.Request) -> H.Response:
    return H.html(LOGIN_HTML % {"css": _PAGE_CSS})


def device_page(srv, req: H.Request) -> H.Response:
    return H.html(DEVICE_HTML % {"css": _PAGE_CSS})
