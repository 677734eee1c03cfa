"""Credentials, OAuth code + PKCE, refresh, device flow, storage policy."""
from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from app import auth
from app.auth import Basic, Bearer
from app.errors import (AuthorizationPending, AuthRequired, CannotReach, OAuthError,
                        ProtocolError)
from client_fakes import ORIGIN, FakeTransport, down, resp, run

NOW = 1_800_000_000.0


def now():
    return NOW


def test_basic_header_and_legacy_totp():
    b = Basic(" alice@example.com ", "pw:with:colons")
    assert b.authorization_header() == "Basic " + base64.b64encode(
        b"alice@example.com:pw:with:colons").decode()
    t = b.with_totp("123456")
    assert base64.b64decode(t.authorization_header()[6:]).decode().endswith("pw:with:colons$123456")
    assert b.with_totp(None).authorization_header() == b.authorization_header()
    assert "pw" not in repr(b) and "123456" not in repr(t)
    assert auth.authorization_header(b) == b.authorization_header()


def test_bearer_and_api_key():
    k = auth.api_key("  API_abc  ")
    assert k.kind == "apikey" and k.authorization_header() == "Bearer API_abc"
    assert "API_abc" not in repr(k)
    with pytest.raises(Exception):
        auth.api_key("  ")
    tok = Bearer("t", "r", NOW + 100)
    assert not tok.expired(NOW) and tok.expired(NOW + 80)
    assert not Bearer("t").expired()


def test_storage_policy():
    assert auth.remembered_settings("mail.example.com/") == {"server": ORIGIN}
    tok = Bearer("t", "r", NOW)
    assert auth.session_storage_payload(tok, False) is None
    assert auth.session_storage_payload(Basic("a", "pw"), True) is None
    assert auth.session_storage_payload(auth.api_key("API_x"), True) is None
    p = auth.session_storage_payload(tok, True)
    assert auth.credentials_from_storage(json.loads(json.dumps(p))) == tok
    for junk in (None, 1, {"kind": "oauth"}, {"kind": "basic", "token": "x"}):
        assert auth.credentials_from_storage(junk) is None
    assert "localStorage" in auth.STORAGE_RULES


def test_discover_rebases_endpoints():
    t = FakeTransport().on("GET", "/.well-known/oauth-authorization-server", resp(200, {
        "issuer": "https://public.example.com",
        "authorization_endpoint": "https://public.example.com/login",
        "token_endpoint": "https://public.example.com/auth/token",
        "device_authorization_endpoint": "https://public.example.com/auth/device",
        "code_challenge_methods_supported": ["S256"]}))
    md = run(auth.discover("http://127.0.0.1:8080", t))
    assert md.authorization_endpoint == "http://127.0.0.1:8080/login"
    assert md.token_endpoint == "http://127.0.0.1:8080/auth/token"
    assert md.code_challenge_methods == ["S256"]
    assert "Authorization" not in t.last().headers


def test_discover_404_falls_back_and_network_error():
    t = FakeTransport().on("GET", "/.well-known/oauth-authorization-server", resp(404))
    assert run(auth.discover(ORIGIN, t)).token_endpoint == ORIGIN + "/auth/token"
    t = FakeTransport().on("GET", "/.well-known/oauth-authorization-server", down())
    with pytest.raises(CannotReach):
        run(auth.discover(ORIGIN, t))


def test_begin_authorization_pkce():
    url, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb", now=now)
    p = urlsplit(url)
    assert f"{p.scheme}://{p.netloc}{p.path}" == ORIGIN + "/login"
    q = {k: v[0] for k, v in parse_qs(p.query).items()}
    assert q["response_type"] == "code" and q["client_id"] == "stalwart-account-security"
    assert q["redirect_uri"] == "https://app.example/cb"
    assert q["code_challenge_method"] == "S256" and q["state"] == pending.state
    expect = base64.urlsafe_b64encode(
        hashlib.sha256(pending.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert q["code_challenge"] == expect
    assert 43 <= len(pending.code_verifier) <= 128 and pending.code_verifier not in url
    assert pending.code_verifier not in repr(pending)
    back = auth.PendingAuthorization.from_json(pending.to_json())
    assert back == pending and set(json.loads(pending.to_json())) == {
        "origin", "token_endpoint", "redirect_uri", "client_id", "state", "code_verifier",
        "created_at"}
    _, other = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    assert other.state != pending.state and other.code_verifier != pending.code_verifier


def test_complete_authorization_exchanges_code():
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    t = FakeTransport().on("POST", "/auth/token", resp(200, {
        "access_token": "AT", "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": "RT"}))
    q = auth.parse_query(f"https://app.example/cb?code=C0DE&state={pending.state}&iss=x")
    tok = run(auth.complete_authorization(pending, q, t, now=now))
    assert tok == Bearer("AT", "RT", NOW + 3600, "oauth")
    r = t.last()
    assert r.headers == {"Accept": "application/json",
                         "Content-Type": "application/x-www-form-urlencoded"}
    assert r.form() == {"grant_type": "authorization_code", "code": "C0DE",
                        "redirect_uri": "https://app.example/cb",
                        "client_id": "stalwart-account-security",
                        "code_verifier": pending.code_verifier}


@pytest.mark.parametrize("params,key", [
    ({"code": "c", "state": "WRONG"}, "err.oauth.state_mismatch"),
    ({"code": "c"}, "err.oauth.state_mismatch"),
    ({"error": "access_denied"}, "err.oauth.denied"),
    ({"error": "server_error", "error_description": "oops"}, "err.oauth.other"),
])
def test_complete_authorization_rejects(params, key):
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    t = FakeTransport()
    with pytest.raises(OAuthError) as e:
        run(auth.complete_authorization(pending, params, t))
    assert e.value.key == key and not t.requests


def test_complete_authorization_no_code():
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    with pytest.raises(OAuthError) as e:
        run(auth.complete_authorization(pending, {"state": [pending.state]}, FakeTransport()))
    assert e.value.key == "err.oauth.no_code"


@pytest.mark.parametrize("answer,exc,key", [
    (resp(400, {"error": "invalid_grant"}), OAuthError, "err.oauth.invalid_grant"),
    (resp(400, {"error": "invalid_client", "error_description": "d"}), OAuthError,
     "err.oauth.other"),
    (resp(200, {"token_type": "Bearer"}), ProtocolError, "err.protocol"),
    (resp(200, raw=b"<html>"), ProtocolError, "err.protocol"),
    (resp(500, raw=b""), Exception, "err.server"),
])
def test_token_errors(answer, exc, key):
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    t = FakeTransport().on("POST", "/auth/token", answer)
    with pytest.raises(exc) as e:
        run(auth.complete_authorization(pending, {"code": "c", "state": pending.state}, t))
    assert e.value.key == key


def test_pending_from_garbage():
    with pytest.raises(OAuthError):
        auth.PendingAuthorization.from_json("{")
    with pytest.raises(OAuthError):
        auth.PendingAuthorization.from_json("[]")
    _, p = auth.begin_authorization(ORIGIN, "https://app/cb")
    d = json.loads(p.to_json())
    d["state"] = 5
    with pytest.raises(OAuthError):
        auth.PendingAuthorization.from_json(json.dumps(d))


def test_refresh():
    t = FakeTransport().on("POST", "/auth/token", resp(200, {"access_token": "AT2",
                                                              "expires_in": 60}))
    tok = run(auth.refresh(ORIGIN, Bearer("AT", "RT", NOW), t, now=now))
    assert tok == Bearer("AT2", "RT", NOW + 60)  # keeps the old refresh token
    assert t.last().form() == {"grant_type": "refresh_token", "refresh_token": "RT",
                               "client_id": "stalwart-account-security"}
    t = FakeTransport().on("POST", "/auth/token", resp(400, {"error": "invalid_grant"}))
    with pytest.raises(AuthRequired):
        run(auth.refresh(ORIGIN, Bearer("AT", "RT"), t))
    with pytest.raises(AuthRequired):
        run(auth.refresh(ORIGIN, Bearer("AT"), FakeTransport()))


def test_device_flow():
    clock = [NOW]
    t = FakeTransport().on("POST", "/auth/device", resp(200, {
        "device_code": "DC", "user_code": "ABCD-EFGH", "verification_uri": ORIGIN + "/device",
        "verification_uri_complete": ORIGIN + "/device?code=ABCD-EFGH", "expires_in": 600,
        "interval": 5}))
    d = run(auth.start_device_flow(ORIGIN, t, now=lambda: clock[0]))
    assert t.last().form() == {"client_id": "stalwart-account-security",
                               "scope": "offline_access"}
    assert d.user_code == "ABCD-EFGH" and d.interval == 5 and "DC" not in repr(d)
    t.on("POST", "/auth/token", resp(400, {"error": "authorization_pending"}),
         resp(400, {"error": "slow_down"}), resp(200, {"access_token": "AT"}))
    with pytest.raises(AuthorizationPending) as e:
        run(auth.poll_device_flow(d, t, now=lambda: clock[0]))
    assert e.value.interval == 5 and e.value.key == "err.oauth.pending"
    assert t.last().form() == {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                               "device_code": "DC", "client_id": "stalwart-account-security"}
    with pytest.raises(AuthorizationPending) as e:
        run(auth.poll_device_flow(d, t, now=lambda: clock[0]))
    assert e.value.interval == 10 and d.interval == 10
    assert run(auth.poll_device_flow(d, t, now=lambda: clock[0])).token == "AT"
    clock[0] += 601
    with pytest.raises(OAuthError) as e:
        run(auth.poll_device_flow(d, t, now=lambda: clock[0]))
    assert e.value.key == "err.oauth.expired"


@pytest.mark.parametrize("err,key", [("expired_token", "err.oauth.expired"),
                                     ("access_denied", "err.oauth.denied")])
def test_device_flow_terminal_errors(err, key):
    d = auth.DeviceAuthorization(ORIGIN, ORIGIN + "/auth/token", "c", "DC", "U", "v", None,
                                 NOW + 100, 5)
    t = FakeTransport().on("POST", "/auth/token", resp(400, {"error": err}))
    with pytest.raises(OAuthError) as e:
        run(auth.poll_device_flow(d, t, now=now))
    assert e.value.key == key and not isinstance(e.value, AuthorizationPending)


def test_device_start_incomplete():
    t = FakeTransport().on("POST", "/auth/device", resp(200, {"device_code": "x"}))
    with pytest.raises(ProtocolError):
        run(auth.start_device_flow(ORIGIN, t))


def test_account_refresh_if_expiring():
    from app import stalwart
    from client_fakes import with_session
    t = with_session(FakeTransport())
    acc = run(stalwart.connect(ORIGIN, Bearer("AT", "RT", NOW + 10), t))
    assert run(acc.refresh_if_expiring(now=NOW - 1000)) is False
    t.on("POST", "/auth/token", resp(200, {"access_token": "AT2", "expires_in": 3600}))
    assert run(acc.refresh_if_expiring(now=NOW)) is True
    assert acc.creds.token == "AT2" and acc.creds.refresh_token == "RT"
    assert acc.authorization() == "Bearer AT2"
    basic = run(stalwart.connect(ORIGIN, Basic("a", "b"), with_session(FakeTransport())))
    assert run(basic.refresh_if_expiring()) is False
