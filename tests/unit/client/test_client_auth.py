"""Credentials, OAuth code + PKCE, refresh, device flow, storage policy, and what
the sign-in card learns from discovery (docs/stalwart-contract.md §2.2, §3)."""
from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from app import auth, i18n
from app.auth import Basic, Bearer
from app.errors import (AuthorizationPending, AuthRequired, CannotReach, Forbidden,
                        MfaRequired, OAuthError, ProtocolError)
from tests.fakestalwart.oauth import CLIENT_ID_MAX_LEGACY
from client_fakes import ORIGIN, FakeTransport, down, problem, resp, run

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
    tok = Bearer("t", "r", NOW)
    assert auth.session_storage_payload(tok, False) is None
    assert auth.session_storage_payload(Basic("a", "pw"), True) is None
    assert auth.session_storage_payload(auth.api_key("API_x"), True) is None
    p = auth.session_storage_payload(tok, True)
    assert auth.credentials_from_storage(json.loads(json.dumps(p))) == tok
    for junk in (None, 1, {"kind": "oauth"}, {"kind": "basic", "token": "x"},
                 {"kind": "app_password", "login": "a"}, {"kind": "apikey"}):
        assert auth.credentials_from_storage(junk) is None
    # "stay signed in" keeps a credential the user can revoke on its own, never a password
    assert auth.session_storage_payload(Basic("a", "pw"), True, "password") is None
    assert auth.session_storage_payload(Basic("a", "pw", "123456"), True, "app_password") is None
    app = Basic("alice", "app_abcdefghijklmnopqrstuvwxyz0123456789")
    p = auth.session_storage_payload(app, True, "app_password")
    assert p == {"kind": "app_password", "login": "alice", "secret": app.secret}
    assert auth.credentials_from_storage(json.loads(json.dumps(p))) == app
    key = auth.api_key("API_x")
    assert auth.session_storage_payload(key, False, "api_key") is None
    assert auth.credentials_from_storage(auth.session_storage_payload(key, True, "api_key")) == key


def test_legacy_password_kept_is_traded_for_a_token_never_stored(srvlegacy):
    """0.11-0.15 with "stay signed in": the page keeps the server's token."""
    from app.http import urllib_fetch
    from client_fakes import run
    opts = run(auth.probe(srvlegacy.url, urllib_fetch))
    assert opts.legacy
    kept = run(auth.password_sign_in(srvlegacy.url, "alice", "correct horse battery staple", "", opts,
                                     urllib_fetch, keep=True))
    assert isinstance(kept, Bearer) and kept.kind == "oauth"
    plain = run(auth.password_sign_in(srvlegacy.url, "alice", "correct horse battery staple", "", opts,
                                      urllib_fetch))
    assert isinstance(plain, Basic)
    with pytest.raises(Exception) as e:
        run(auth.password_sign_in(srvlegacy.url, "alice", "wrong", "", opts, urllib_fetch, keep=True))
    assert type(e.value).__name__ == "AuthRequired"


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
    assert md.issuer == "https://public.example.com"  # kept as written: iss must equal it
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
    assert q["response_type"] == "code" and q["client_id"] == "account-security"
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
        "created_at", "issuer", "iss_required"}
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
                        "client_id": "account-security",
                        "code_verifier": pending.code_verifier}


@pytest.mark.parametrize("params,key", [
    ({"code": "c", "state": "WRONG"}, "err.oauth.state_mismatch"),
    ({"code": "c"}, "err.oauth.state_mismatch"),
    ({"error": "access_denied", "state": "S"}, "err.oauth.denied"),
    ({"error": "server_error", "error_description": "oops", "state": "S"},
     "err.oauth.token.server_error"),
    ({"error": "something_new", "state": "S"}, "err.oauth.other"),
])
def test_complete_authorization_rejects(params, key):
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    params = {k: (pending.state if v == "S" else v) for k, v in params.items()}
    t = FakeTransport()
    with pytest.raises(OAuthError) as e:
        run(auth.complete_authorization(pending, params, t))
    assert e.value.key == key and not t.requests
    assert e.value.server_text == params.get("error_description")


def test_state_is_checked_before_anything_else_in_an_error_callback():
    # An attacker's link: an error and a description, with a state that is not ours.
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    for state in ("forged", None):
        q = {"error": "access_denied", "error_description": "Call +1 555 0100 to unlock"}
        if state:
            q["state"] = state
        with pytest.raises(OAuthError) as e:
            run(auth.complete_authorization(pending, q, FakeTransport()))
        assert e.value.key == "err.oauth.state_mismatch"
        assert e.value.server_text is None and "555" not in e.value.message


def _pending(issuer="https://mail.example.com", required=True):
    md = auth.OAuthMetadata(ORIGIN, ORIGIN + "/login", ORIGIN + "/auth/token", ORIGIN + "/auth/device",
                            ["S256"], issuer, required)
    return auth.begin_authorization(ORIGIN, "https://app.example/cb", metadata=md)[1]


@pytest.mark.parametrize("issuer,required,iss,ok", [
    ("https://mail.example.com", True, "https://mail.example.com", True),
    ("https://mail.example.com", True, "https://evil.example", False),
    ("https://mail.example.com", True, None, False),          # advertised, so it must be there
    ("https://mail.example.com", False, None, True),
    ("https://mail.example.com", False, "https://mail.example.com/", False),  # exact comparison
    ("", False, "https://anything.example", True),           # no discovery: nothing to compare
])
def test_iss_must_equal_the_discovered_issuer(issuer, required, iss, ok):
    pending = _pending(issuer, required)
    t = FakeTransport().on("POST", "/auth/token", resp(200, {"access_token": "AT",
                                                             "token_type": "bearer"}))
    q = {"code": "c", "state": pending.state}
    if iss is not None:
        q["iss"] = iss
    if ok:
        assert run(auth.complete_authorization(pending, q, t)).token == "AT"
    else:
        with pytest.raises(OAuthError) as e:
            run(auth.complete_authorization(pending, q, t))
        assert e.value.key == "err.oauth.issuer_mismatch" and not t.requests


def test_complete_authorization_no_code():
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    with pytest.raises(OAuthError) as e:
        run(auth.complete_authorization(pending, {"state": [pending.state]}, FakeTransport()))
    assert e.value.key == "err.oauth.no_code"


@pytest.mark.parametrize("answer,exc,key", [
    (resp(400, {"error": "invalid_grant"}), OAuthError, "err.oauth.invalid_grant"),
    (resp(400, {"error": "invalid_client", "error_description": "d"}), OAuthError,
     "err.oauth.token.invalid_client"),
    (resp(400, {"error": "what_is_this"}), OAuthError, "err.oauth.other"),
    (resp(200, {"token_type": "Bearer"}), ProtocolError, "err.protocol"),
    (resp(200, {"access_token": "AT", "token_type": "mac"}), ProtocolError, "err.protocol"),
    (resp(200, raw=b"<html>"), ProtocolError, "err.protocol"),
    (resp(500, raw=b""), Exception, "err.server"),
])
def test_token_errors(answer, exc, key):
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    t = FakeTransport().on("POST", "/auth/token", answer)
    with pytest.raises(exc) as e:
        run(auth.complete_authorization(pending, {"code": "c", "state": pending.state}, t))
    assert e.value.key == key


# RFC 6749 §5.2 and RFC 8628 §3.5; Stalwart sends them without error_description.
@pytest.mark.parametrize("code", ["access_denied", "invalid_client", "invalid_grant",
                                  "invalid_request", "unauthorized_client",
                                  "unsupported_grant_type", "invalid_scope", "expired_token",
                                  "server_error", "temporarily_unavailable"])
def test_every_token_error_has_its_own_plain_words(code):
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    t = FakeTransport().on("POST", "/auth/token", resp(400, {"error": code}))
    with pytest.raises(OAuthError) as e:
        run(auth.complete_authorization(pending, {"code": "c", "state": pending.state}, t))
    assert e.value.key != "err.oauth.other"
    assert i18n.translate(e.value, "en") == e.value.message  # the page shows the same words
    assert i18n.has(e.value.key, "de") and i18n.translate(e.value, "de") != e.value.message
    assert e.value.server_text is None and code not in e.value.message and "{" not in e.value.message


@pytest.mark.parametrize("tt", ["bearer", "Bearer", "BEARER", None])
def test_token_type_is_compared_case_insensitively(tt):
    _, pending = auth.begin_authorization(ORIGIN, "https://app.example/cb")
    body = {"access_token": "AT", "expires_in": 60}
    if tt:
        body["token_type"] = tt
    t = FakeTransport().on("POST", "/auth/token", resp(200, body))
    assert run(auth.complete_authorization(pending, {"code": "c", "state": pending.state}, t,
                                           now=now)) == Bearer("AT", None, NOW + 60)


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
                               "client_id": "account-security"}
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
    assert t.last().form() == {"client_id": "account-security",
                               "scope": "offline_access"}
    assert d.user_code == "ABCD-EFGH" and d.interval == 5 and "DC" not in repr(d)
    t.on("POST", "/auth/token", resp(400, {"error": "authorization_pending"}),
         resp(400, {"error": "slow_down"}), resp(200, {"access_token": "AT"}))
    with pytest.raises(AuthorizationPending) as e:
        run(auth.poll_device_flow(d, t, now=lambda: clock[0]))
    assert e.value.interval == 5 and e.value.key == "err.oauth.pending"
    assert t.last().form() == {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                               "device_code": "DC", "client_id": "account-security"}
    with pytest.raises(AuthorizationPending) as e:
        run(auth.poll_device_flow(d, t, now=lambda: clock[0]))
    assert e.value.interval == 10 and d.interval == 10
    assert run(auth.poll_device_flow(d, t, now=lambda: clock[0])).token == "AT"
    clock[0] += 601
    with pytest.raises(OAuthError) as e:
        run(auth.poll_device_flow(d, t, now=lambda: clock[0]))
    assert e.value.key == "err.oauth.expired"


@pytest.mark.parametrize("err,key", [("expired_token", "err.oauth.expired"),
                                     ("access_denied", "err.oauth.token.access_denied")])
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


def test_device_start_refused_shows_the_servers_words():
    t = FakeTransport().on("POST", "/auth/device", problem(400, "Invalid parameters",
                                                           "Client ID is missing."))
    with pytest.raises(OAuthError) as e:
        run(auth.start_device_flow(ORIGIN, t))
    assert e.value.key == "err.oauth.device_refused" and e.value.server_text == "Client ID is missing."


@pytest.mark.parametrize("url,ok", [
    ("https://mail.example.com/device", True),
    ("HTTPS://mail.example.com/device", True),
    ("http://127.0.0.1:8080/device", True),
    ("http://localhost/device", True),
    ("http://[::1]:8080/device", True),
    ("http://mail.example.com/device", False),      # plain http across the network
    ("http://127.evil.example/device", False),       # a name, not a loopback address
    ("http://127.0.0.2:8080/device", True),
    ("javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("https:///nohost", False),
    ("//mail.example.com/device", False),
    ("https://mail.example.com/a\nb", False),
    (None, False),
])
def test_link_target_only_https_or_loopback_http(url, ok):
    assert (auth.link_target(url) is not None) == ok


@pytest.mark.parametrize("uri,complete,link", [
    ("https://m.example/device", "https://m.example/device/?code=AB-CD", "https://m.example/device/?code=AB-CD"),
    ("https://m.example/device", "https://evil.example/device/?code=AB-CD", "https://m.example/device"),
    ("https://m.example/device", "javascript:alert(1)", "https://m.example/device"),
    ("https://m.example/device", "https://m.example:444/device", "https://m.example/device"),
    ("https://m.example/device", None, "https://m.example/device"),
    ("javascript:alert(1)", "https://m.example/device/?code=x", None),
    ("http://m.example/device", "http://m.example/device/?code=x", None),
])
def test_device_link_uses_the_complete_uri_only_on_the_same_origin(uri, complete, link):
    d = auth.DeviceAuthorization(ORIGIN, ORIGIN + "/auth/token", "c", "DC", "AB-CD", uri, complete,
                                 NOW + 100, 5)
    assert d.link == link


# ----- what the sign-in card offers ---------------------------------------------------------------
DISCOVERY_016 = {"issuer": ORIGIN, "authorization_endpoint": ORIGIN + "/login",
                 "token_endpoint": ORIGIN + "/auth/token",
                 "device_authorization_endpoint": ORIGIN + "/auth/device",
                 "code_challenge_methods_supported": ["S256"],
                 "authorization_response_iss_parameter_supported": True}
DISCOVERY_015 = {"issuer": ORIGIN, "authorization_endpoint": ORIGIN + "/authorize/code",
                 "token_endpoint": ORIGIN + "/auth/token",
                 "device_authorization_endpoint": ORIGIN + "/auth/device",
                 "grant_types_supported": ["authorization_code", "implicit",
                                           "urn:ietf:params:oauth:grant-type:device_code"]}


def test_probe_tells_016_from_legacy():
    t = FakeTransport().on("GET", "/.well-known/oauth-authorization-server", resp(200, DISCOVERY_016))
    o = run(auth.probe(ORIGIN, t))
    assert o.generation == "0.16" and o.login_page and o.reason is None
    assert o.metadata.iss_parameter and o.metadata.issuer == ORIGIN
    t = FakeTransport().on("GET", "/.well-known/oauth-authorization-server", resp(200, DISCOVERY_015))
    o = run(auth.probe(ORIGIN, t))
    assert o.generation == "legacy" and o.legacy and not o.login_page
    assert o.reason == "unavailable.login_page_legacy"
    assert i18n.has(o.reason, "en") and i18n.has(o.reason, "de")
    assert o.metadata.authorization_endpoint == ORIGIN + "/authorize/code"


def test_probe_that_cannot_read_discovery_says_unknown():
    for answer in (down(), resp(500, raw=b""), resp(200, raw=b"<html>")):
        t = FakeTransport().on("GET", "/.well-known/oauth-authorization-server", answer)
        assert run(auth.probe(ORIGIN, t)) == auth.UNKNOWN_SERVER
    assert auth.UNKNOWN_SERVER.login_page and auth.UNKNOWN_SERVER.generation == "unknown"


def test_refine_refusal_suggests_the_account_name_on_legacy():
    legacy = auth.sign_in_options(auth.OAuthMetadata(ORIGIN, "a", "t", "d", []))
    v016 = auth.sign_in_options(auth.default_metadata(ORIGIN))
    err = AuthRequired(server_text="You have to authenticate first.", status=401)
    r = auth.refine_refusal(err, "alice@example.test", legacy)
    assert r.key == "err.auth_required_account_name" and "alice" in r.message
    assert "without @domain" in r.message and r.server_text == err.server_text
    assert auth.refine_refusal(err, "alice", legacy) is err
    assert auth.refine_refusal(err, "alice@example.test", v016) is err
    assert auth.refine_refusal(err, "alice@example.test", auth.UNKNOWN_SERVER) is err
    other = Forbidden(status=403)
    assert auth.refine_refusal(other, "alice@example.test", legacy) is other


LEGACY = auth.sign_in_options(auth.OAuthMetadata(ORIGIN, ORIGIN + "/authorize/code",
                                                 ORIGIN + "/auth/token", ORIGIN + "/auth/device", []))


def test_password_sign_in_without_code_is_basic():
    t = FakeTransport()
    creds = run(auth.password_sign_in(ORIGIN, "alice", "pw", " ", LEGACY, t))
    assert creds == Basic("alice", "pw") and not t.requests


TOTP_WANTED = problem(402, "TOTP code required", "A TOTP code is required to authenticate this "
                      "account. Try authenticating again using 'secret$totp_token'.")


def test_password_sign_in_with_code_on_legacy_trades_it_for_a_token():
    t = (FakeTransport()
         .on("GET", "/jmap/session", TOTP_WANTED)  # the password alone: right, a code is wanted
         .on("POST", "/api/oauth", resp(200, {"data": {"code": "K", "permissions": [],
                                                       "version": "0.15.5", "isEnterprise": False}}))
         .on("POST", "/auth/token", resp(200, {"access_token": "AT", "token_type": "bearer",
                                               "expires_in": 3600, "refresh_token": "RT"})))
    creds = run(auth.password_sign_in(ORIGIN, "totp", "pw", "123 456", LEGACY, t))
    assert isinstance(creds, Bearer) and creds.token == "AT" and creds.refresh_token == "RT"
    probe, first, second = t.requests
    assert probe.basic() == ("totp", "pw")
    assert first.basic() == ("totp", "pw$123456")
    body = first.json()
    assert body == {"type": "code", "client_id": "account-security", "redirect_uri": None,
                    "nonce": None}
    assert len(body["client_id"]) <= CLIENT_ID_MAX_LEGACY  # the contract server refuses longer ids
    # issued for redirect_uri null: the exchange must send it, empty
    assert second.form() == {"grant_type": "authorization_code", "code": "K",
                             "client_id": "account-security", "redirect_uri": ""}
    assert "Authorization" not in second.headers


def test_password_sign_in_with_code_on_016_points_to_the_login_page():
    v016 = auth.sign_in_options(auth.default_metadata(ORIGIN))
    t = FakeTransport()
    with pytest.raises(MfaRequired) as e:
        run(auth.password_sign_in(ORIGIN, "alice@example.com", "pw", "123456", v016, t))
    assert e.value.generation == "0.16" and not t.requests


def test_password_sign_in_refused_with_an_address_on_legacy():
    t = FakeTransport().on("GET", "/jmap/session", problem(401, "Unauthorized",
                                                           "You have to authenticate first."))
    with pytest.raises(AuthRequired) as e:
        run(auth.password_sign_in(ORIGIN, "totp@example.com", "pw", "123456", LEGACY, t))
    assert e.value.key == "err.auth_required_account_name"
    assert not t.posts()  # refused for the password alone: the code was never sent


def test_legacy_token_refusal_shows_the_servers_words():
    t = FakeTransport().on("POST", "/api/oauth", resp(200, {
        "error": "other", "details": "Client ID is invalid.", "reason": None}))
    with pytest.raises(OAuthError) as e:
        run(auth.legacy_token(ORIGIN, Basic("alice", "pw", "123456"), t))
    assert e.value.key == "err.oauth.legacy_refused"
    assert e.value.server_text == "Client ID is invalid."
    assert "does not understand" not in e.value.message


@pytest.mark.parametrize("query, route", [
    ({"code": "c", "state": "s", "iss": "i"}, "finish"),
    ({"code": "c"}, "finish"),                       # its missing state is checked and said there
    ({"error": "access_denied", "state": "s"}, "finish"),
    ({"error": "access_denied"}, "drop"),            # no state: nobody's answer, it only leaves
    ({"error": "x", "error_description": "Click here", "server": "https://a"}, "drop"),
    ({"error_uri": "https://evil.example"}, "drop"),
    ({"state": "s"}, "drop"),
    ({"iss": "https://a"}, "drop"),
    ({"server": "https://mail.example.com"}, ""),
    ({}, ""),
])
def test_callback_route_at_start(query, route):
    assert auth.callback_route(query) == route
    assert auth.callback_route(auth.parse_query("?" + "&".join(f"{k}={v}" for k, v in query.items()))) == route


def test_device_answer_is_read_without_direction_controls():
    """The user code and the addresses are shown and followed: a server's
    bidi controls (which can make 4VZF-7EWU read as another code, or an
    address as another one) are dropped where the answer is read, and the
    link goes to exactly the address shown. The device code is never shown."""
    rlo, lri, pdi = "\u202e", "\u2066", "\u2069"
    t = FakeTransport().on("POST", "/auth/device", resp(200, {
        "device_code": "D" + rlo + "C", "user_code": "4VZF" + rlo + "-7EWU",
        "verification_uri": ORIGIN + "/dev" + lri + "ice" + pdi,
        "verification_uri_complete": ORIGIN + "/device?code=4VZF-7EWU\u200f", "expires_in": 600}))
    d = run(auth.start_device_flow(ORIGIN, t))
    assert d.user_code == "4VZF-7EWU"
    assert d.verification_uri == ORIGIN + "/device"
    assert d.verification_uri_complete == ORIGIN + "/device?code=4VZF-7EWU"
    assert d.link == ORIGIN + "/device?code=4VZF-7EWU"
    assert d.device_code == "D" + rlo + "C"  # sent back as it came, never shown
    t = FakeTransport().on("POST", "/auth/device", resp(200, {
        "device_code": "DC", "user_code": rlo + lri, "verification_uri": ORIGIN + "/device"}))
    with pytest.raises(ProtocolError):  # nothing left to show
        run(auth.start_device_flow(ORIGIN, t))
