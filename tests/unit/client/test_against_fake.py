"""Signing in against the contract test server (tests/fakestalwart) over real
HTTP (``app.http.urllib_fetch``), both generations, and the helpers the
account-layer tests share (test_account_state, test_account_outcomes,
test_request_counts test what the signed-in account does)."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import urllib.request

import pyotp
import pytest

from app import auth, stalwart
from app.auth import Basic
from app.errors import (AuthorizationPending, AuthRequired, CannotReach, MfaRequired, ProtocolError,
                        RateLimited, ServerError)
from app.http import urllib_fetch
from client_fakes import run

from tests.fakestalwart import FakeStalwart

ALICE = "alice@example.com"
ALICE_PW = "correct horse battery staple"
TOTP_USER = "totp@example.com"
TOTP_PW = "totp account password 42"
L_ALICE, L_TOTP = "alice", "totp"  # legacy servers sign in by principal name (seen on 0.15.5)
NEW_PW = "Tangerine orbit lighthouse 73!"
REDIRECT = "http://127.0.0.1:9/callback"


def connect(srv, creds):
    """Sign in (discovery, permissions, the whole state) as the page does."""
    return run(stalwart.sign_in(srv.url, creds, urllib_fetch))


def new_otp_url(user=ALICE):
    secret = pyotp.random_base32(32)
    url = pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name="Stalwart")
    return secret, url


def post_json(url, body, headers=None):
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def oauth_sign_in(srv, login, password, otp_secret=None):
    """What the user does on the server's own /login page: the page POSTs
    /api/auth, then redirects back with ?code&state."""
    md = run(auth.discover(srv.url, urllib_fetch))
    url, pending = auth.begin_authorization(srv.url, REDIRECT, metadata=md)
    pending = auth.PendingAuthorization.from_json(pending.to_json())  # survives the redirect
    q = auth.parse_query(url)
    body = {"type": "authCode", "accountName": login, "accountSecret": password,
            "clientId": q["client_id"], "redirectUri": q["redirect_uri"], "state": q["state"],
            "scope": q.get("scope"), "codeChallenge": q["code_challenge"],
            "codeChallengeMethod": q["code_challenge_method"]}
    ans = post_json(srv.url + "/api/auth", body)
    if ans["type"] == "mfaRequired":
        assert otp_secret, "unexpected mfaRequired"
        ans = post_json(srv.url + "/api/auth", {**body, "mfaToken": pyotp.TOTP(otp_secret).now()})
    assert ans["type"] == "authenticated", ans
    back = f"{REDIRECT}?code={ans['client_code']}&state={q['state']}&iss={ans['iss']}"
    return run(auth.complete_authorization(pending, auth.parse_query(back), urllib_fetch))


def openssl_cert(tmp_path, email=ALICE, key="rsa:2048"):
    cert = tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", key, "-nodes", "-subj", "/CN=x",
                    "-addext", f"subjectAltName=email:{email}", "-days", "30",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(cert)],
                   check=True, capture_output=True)
    text = cert.read_text()
    assert "PRIVATE" not in text
    return text


# =========================================================================================
# 0.16
# =========================================================================================
def test_016_basic_sign_in_reads_the_state(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    st = acc.state
    assert st.username == ALICE and st.two_factor.enabled is False
    assert st.app_passwords.items == [] and st.api_keys.items == []
    assert st.encryption.enabled is False and st.password.can("change")
    for r in srv016.requests:
        assert set(r.headers) <= {"authorization", "content-type", "accept", "host",
                                  "user-agent", "accept-encoding", "connection",
                                  "content-length"}, r.headers
        assert "cookie" not in r.headers


def test_016_wrong_password_is_auth_required(srv016):
    with pytest.raises(AuthRequired):
        connect(srv016, Basic(ALICE, "wrong"))


def test_016_totp_account_basic_gets_mfa_required(srv016):
    with pytest.raises(MfaRequired) as e:
        connect(srv016, Basic(TOTP_USER, TOTP_PW))
    assert e.value.generation == "0.16" and e.value.key == "err.mfa_required"
    assert e.value.server_text


def test_016_oauth_pkce_sign_in_with_totp(srv016):
    secret = srv016.accounts[TOTP_USER].otp_secret
    tok = oauth_sign_in(srv016, TOTP_USER, TOTP_PW, secret)
    assert tok.kind == "oauth" and tok.token and tok.expires_at
    st = connect(srv016, tok).state
    assert st.two_factor.enabled is True and st.username == TOTP_USER
    assert st.sign_in.method == "oauth"


def test_016_oauth_refresh(srv016):
    tok = oauth_sign_in(srv016, ALICE, ALICE_PW)
    assert tok.refresh_token  # offline_access: the server issues one
    new = run(auth.refresh(srv016.url, tok, urllib_fetch))
    assert new.token != tok.token
    run(connect(srv016, new).load())


def test_016_expiring_token_is_refreshed_before_an_action(srv016):
    tok = oauth_sign_in(srv016, ALICE, ALICE_PW)
    seen = []
    acc = run(stalwart.sign_in(srv016.url, tok, urllib_fetch, on_credentials=seen.append))
    # the token expires: the next request must go out with a fresh one
    acc._conn.creds = dataclasses.replace(tok, expires_at=0)
    run(acc.load())
    assert len(seen) == 1 and seen[0].token != tok.token and acc.credentials is seen[0]


def test_016_device_flow(srv016):
    d = run(auth.start_device_flow(srv016.url, urllib_fetch))
    with pytest.raises(AuthorizationPending):
        run(auth.poll_device_flow(d, urllib_fetch))
    ans = post_json(srv016.url + "/api/auth", {"type": "authDevice", "accountName": ALICE,
                                               "accountSecret": ALICE_PW, "code": d.user_code})
    assert ans["type"] == "verified"
    tok = None
    for _ in range(3):
        try:
            tok = run(auth.poll_device_flow(d, urllib_fetch))
            break
        except AuthorizationPending:
            continue
    assert tok is not None
    assert connect(srv016, tok).state.username == ALICE


@pytest.mark.parametrize("fault,exc", [
    ({"status": 500}, ServerError), ({"status": 429}, RateLimited),
    ({"malformed_json": True}, ProtocolError), ({"drop": True}, CannotReach),
])
def test_016_faults(srv016, fault, exc):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    srv016.faults.set(path_prefix="/jmap", **fault)
    with pytest.raises(exc):
        run(acc.load())


def test_016_server_down_is_cannot_reach():
    s = FakeStalwart().start()
    url = s.url
    s.stop()
    with pytest.raises(CannotReach) as e:
        run(stalwart.sign_in(url, Basic(ALICE, ALICE_PW), urllib_fetch))
    assert e.value.origin == url and "x:Http.usePermissiveCors" in e.value.message


def test_016_public_url_elsewhere_falls_back_to_typed_origin():
    s = FakeStalwart(public_url="https://mail.invalid").start()
    try:
        acc = run(stalwart.sign_in(s.url, Basic(ALICE, ALICE_PW), urllib_fetch))
        assert acc.server == s.url
        assert all(not r.path.startswith("https://mail.invalid") for r in s.requests)
        run(acc.load())
    finally:
        s.stop()


# =========================================================================================
# legacy 0.11-0.15
# =========================================================================================
def test_legacy_sign_in_reads_the_state(srvlegacy):
    st = connect(srvlegacy, Basic(L_ALICE, ALICE_PW)).state
    assert st.password.wipes and st.two_factor.enabled is False
    assert st.encryption.enabled is False and not st.api_keys.access.ok


def test_legacy_totp_sign_in(srvlegacy):
    with pytest.raises(MfaRequired) as e:
        connect(srvlegacy, Basic(L_TOTP, TOTP_PW))
    assert e.value.generation == "legacy" and e.value.key == "err.totp_required"
    code = pyotp.TOTP(srvlegacy.accounts[TOTP_USER].otp_secret).now()
    acc = connect(srvlegacy, Basic(L_TOTP, TOTP_PW).with_totp(code))
    assert acc.state.two_factor.enabled is True


def test_legacy_token_from_basic(srvlegacy):
    code = pyotp.TOTP(srvlegacy.accounts[TOTP_USER].otp_secret).now()
    tok = run(auth.legacy_token(srvlegacy.url, Basic(L_TOTP, TOTP_PW, code), urllib_fetch))
    assert connect(srvlegacy, tok).state.two_factor.enabled is True


def test_legacy_totp_user_signs_in_with_password_and_code(srvlegacy):
    opts = run(auth.probe(srvlegacy.url, urllib_fetch))
    assert opts.legacy and not opts.login_page
    code = pyotp.TOTP(srvlegacy.accounts[L_TOTP].otp_secret).now()
    creds = run(auth.password_sign_in(srvlegacy.url, L_TOTP, TOTP_PW, code, opts, urllib_fetch))
    acc = connect(srvlegacy, creds)
    assert acc.state.two_factor.enabled is True
    # the token outlives the code: a refresh works, and so does the next request
    acc._conn.creds = dataclasses.replace(creds, expires_at=0)
    assert run(acc.load()).username == L_TOTP
    assert acc.credentials is not creds
    with pytest.raises(AuthRequired) as e:  # the address is no account name there
        run(auth.password_sign_in(srvlegacy.url, TOTP_USER, TOTP_PW, code, opts, urllib_fetch))
    assert e.value.key == "err.auth_required_account_name"


def test_legacy_device_flow_for_a_totp_user(srvlegacy):
    dev = run(auth.start_device_flow(srvlegacy.url, urllib_fetch))
    assert dev.link == srvlegacy.url + "/authorize/?code=" + dev.user_code  # the web-admin's page
    with pytest.raises(AuthorizationPending):
        run(auth.poll_device_flow(dev, urllib_fetch))
    code = pyotp.TOTP(srvlegacy.accounts[L_TOTP].otp_secret).now()
    # what the web-admin's /authorize page does for the user
    assert post_json(srvlegacy.url + "/api/oauth", {"type": "device", "code": dev.user_code},
                     {"Authorization": Basic(L_TOTP, TOTP_PW, code).authorization_header()}) == {
        "data": True}
    acc = connect(srvlegacy, run(auth.poll_device_flow(dev, urllib_fetch)))
    assert acc.state.two_factor.enabled is True


def test_legacy_request_never_uses_stalwart_urn(srvlegacy):
    from app import jmap
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    r = run(jmap.post(acc._conn.session, acc.credentials.authorization_header(), urllib_fetch,
                      [("Core/echo", {"hello": True})]))
    assert r.get("c0") == {"hello": True}
