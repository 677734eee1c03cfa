"""OAuth (§2.2): discovery, /login + /api/auth, PKCE, refresh, device flow, register, revocation."""
import base64
import hashlib
import re
import secrets
import time
from urllib.parse import urlencode

import pyotp

from fakehelp import ALICE, TOTP, Client, basic, call

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def pkce():
    v = secrets.token_urlsafe(48)
    return v, base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode()


def auth_code(srv, who=ALICE, mfa=None, challenge=None, redirect="https://app.example/cb", client="stalwart-webui"):
    body = {"type": "authCode", "accountName": who[0], "accountSecret": who[1], "clientId": client,
            "redirectUri": redirect, "state": "st", "scope": "openid offline_access"}
    if challenge:
        body.update(codeChallenge=challenge, codeChallengeMethod="S256")
    if mfa:
        body["mfaToken"] = mfa
    return call(srv.url + "/api/auth", "POST", body)


def token(srv, **form):
    return call(srv.url + "/auth/token", "POST", urlencode(form), headers=FORM)


def test_discovery_documents_always_cors(srv):
    srv.cors = False
    for p in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
              "/.well-known/oauth-protected-resource"):
        r = call(srv.url + p)
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "*", p
    d = call(srv.url + "/.well-known/oauth-authorization-server").json()
    assert d["authorization_endpoint"] == srv.url + "/login"
    assert d["token_endpoint"] == srv.url + "/auth/token"
    assert d["device_authorization_endpoint"] == srv.url + "/auth/device"
    assert d["registration_endpoint"] == srv.url + "/auth/register"
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert "none" in d["token_endpoint_auth_methods_supported"]
    assert {"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"} <= set(
        d["grant_types_supported"])


def test_login_page_is_a_real_form(srv):
    r = call(srv.url + "/login?response_type=code&client_id=x&redirect_uri=https://a/cb&state=s")
    html = r.body.decode()
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    for needle in ('id="username"', 'id="password"', 'id="otp"', 'id="submit-btn"', 'id="field-otp"',
                   'id="alert-msg"', 'id="device-code"', "/api/auth", "mfaRequired", "client_code", "'iss'"):
        assert needle in html, needle


def test_auth_code_pkce_flow(srv):
    v, ch = pkce()
    r = auth_code(srv, challenge=ch).json()
    assert r["type"] == "authenticated" and r["iss"] == srv.url and "client_code" in r
    bad = token(srv, grant_type="authorization_code", code=r["client_code"], redirect_uri="https://app.example/cb",
                client_id="stalwart-webui", code_verifier="w" * 43)
    assert bad.status == 400 and bad.json() == {"error": "invalid_grant"}
    r = auth_code(srv, challenge=ch).json()
    t = token(srv, grant_type="authorization_code", code=r["client_code"], redirect_uri="https://app.example/cb",
              client_id="stalwart-webui", code_verifier=v)
    tok = t.json()
    assert t.status == 200 and tok["token_type"] == "bearer" and tok["expires_in"] > 0 and tok["refresh_token"]
    assert call(srv.url + "/jmap/session", auth="Bearer " + tok["access_token"]).json()["username"] == ALICE[0]
    # codes are single use
    again = token(srv, grant_type="authorization_code", code=r["client_code"], redirect_uri="https://app.example/cb",
                  client_id="stalwart-webui", code_verifier=v)
    assert again.json() == {"error": "access_denied"}
    # refresh
    t2 = token(srv, grant_type="refresh_token", refresh_token=tok["refresh_token"], client_id="stalwart-webui").json()
    assert call(srv.url + "/jmap/session", auth="Bearer " + t2["access_token"]).status == 200


def test_http_redirect_needs_pkce_and_failure(srv):
    assert auth_code(srv, redirect="http://localhost:8000/cb").status == 401  # "Redirect URI must be HTTPS."
    _, ch = pkce()
    assert auth_code(srv, redirect="http://localhost:8000/cb", challenge=ch).json()["type"] == "authenticated"
    assert auth_code(srv, who=(ALICE[0], "wrong")).json() == {"type": "failure"}


def test_totp_login_mfa_required_then_code(srv):
    assert auth_code(srv, who=TOTP).json() == {"type": "mfaRequired"}
    code = pyotp.TOTP(srv.accounts[TOTP[0]].otp_secret).now()
    assert auth_code(srv, who=TOTP, mfa="000000" if code != "000000" else "111111").json() == {"type": "failure"}
    r = auth_code(srv, who=TOTP, mfa=code).json()
    assert r["type"] == "authenticated"
    tok = token(srv, grant_type="authorization_code", code=r["client_code"], redirect_uri="https://app.example/cb",
                client_id="stalwart-webui").json()
    # a TOTP user's OAuth token can call x: methods
    c = Client(srv, "Bearer " + tok["access_token"])
    assert c.one("x:AccountPassword/get", {})[1]["list"][0]["otpAuth"] == {"otpUrl": "****"}


def test_password_change_revokes_tokens_and_expiry(srv):
    r = auth_code(srv).json()
    tok = token(srv, grant_type="authorization_code", code=r["client_code"], redirect_uri="https://app.example/cb",
                client_id="stalwart-webui").json()
    c = Client(srv, "Bearer " + tok["access_token"])
    res = c.one("x:AccountPassword/set", {"update": {"singleton": {"currentSecret": ALICE[1],
                                                                   "secret": "another fine passphrase 12"}}})
    assert res[1]["updated"] == {"singleton": None}
    assert call(srv.url + "/jmap/session", auth="Bearer " + tok["access_token"]).status == 401
    assert token(srv, grant_type="refresh_token", refresh_token=tok["refresh_token"],
                 client_id="stalwart-webui").json()["error"] == "invalid_grant"
    srv.token_lifetime = 0.5
    r = auth_code(srv, who=(ALICE[0], "another fine passphrase 12")).json()
    tok = token(srv, grant_type="authorization_code", code=r["client_code"], redirect_uri="https://app.example/cb",
                client_id="stalwart-webui").json()
    assert call(srv.url + "/jmap/session", auth="Bearer " + tok["access_token"]).status == 200
    time.sleep(0.6)
    assert call(srv.url + "/jmap/session", auth="Bearer " + tok["access_token"]).status == 401


def test_device_flow(srv):
    d = call(srv.url + "/auth/device", "POST", urlencode({"client_id": "cli"}), headers=FORM).json()
    assert d["verification_uri"] == srv.url + "/device" and d["interval"] == 5
    assert d["verification_uri_complete"] == srv.url + "/device/?code=" + d["user_code"]
    grant = "urn:ietf:params:oauth:grant-type:device_code"
    p = token(srv, grant_type=grant, device_code=d["device_code"], client_id="cli")
    assert p.status == 400 and p.json() == {"error": "authorization_pending"}
    page = call(d["verification_uri_complete"]).body.decode()
    assert 'id="device-code"' in page and "authDevice" in page
    v = call(srv.url + "/api/auth", "POST", {"type": "authDevice", "code": d["user_code"],
                                             "accountName": ALICE[0], "accountSecret": ALICE[1]}).json()
    assert v == {"type": "verified"}
    t = token(srv, grant_type=grant, device_code=d["device_code"], client_id="cli").json()
    assert call(srv.url + "/jmap/session", auth="Bearer " + t["access_token"]).status == 200


def test_register_requires_pkce(srv):
    r = call(srv.url + "/auth/register", "POST", {"redirect_uris": ["https://app.example/cb"],
                                                  "client_name": "Security page"})
    assert r.status == 201
    cid = r.json()["client_id"]
    assert auth_code(srv, client=cid).status == 401  # "A PKCE code_challenge with the S256 method is required."
    _, ch = pkce()
    assert auth_code(srv, client=cid, challenge=ch).json()["type"] == "authenticated"
    assert re.match(r"^[\w-]+$", cid)
