"""0.16 discovery, session shapes and every authentication path (§2.1, §2.2)."""
import base64

import pyotp

from fakehelp import ALICE, LDAP, LIMITED, TOTP, Client, basic, call
from tests.fakestalwart import FakeStalwart
from tests.fakestalwart.model import parse_app_password

UNAUTH = {"type": "about:blank", "status": 401, "title": "Unauthorized", "detail": "You have to authenticate first."}
MFA = {"type": "about:blank", "status": 402, "title": "MFA code required",
       "detail": "This account requires multi-factor authentication. Alternatively, you can use an app "
                 "password if your account has one."}


def test_well_known_jmap_redirects(srv):
    r = call(srv.url + "/.well-known/jmap")
    assert r.status == 307
    assert r.headers["Location"] == "/jmap/session"
    assert "no-cache" in r.headers["Cache-Control"]


def test_anonymous_session(srv):
    r = call(srv.url + "/jmap/session")
    s = r.json()
    assert r.status == 200
    assert s["accounts"] == {} and s["username"] == "" and s["primaryAccounts"] == {}
    assert "urn:ietf:params:jmap:core" in s["capabilities"]
    assert "urn:stalwart:jmap" not in s["capabilities"]
    assert s["apiUrl"] == srv.url + "/jmap/"


def test_authenticated_session_shape(srv):
    s = call(srv.url + "/jmap/session", auth=basic(*ALICE)).json()
    assert s["username"] == "alice@example.com"
    assert list(s["accounts"]) == ["b"]
    acct = s["accounts"]["b"]
    assert acct["name"] == "alice@example.com" and acct["isPersonal"] and not acct["isReadOnly"]
    assert acct["accountCapabilities"]["urn:stalwart:jmap"] == {}
    assert s["primaryAccounts"]["urn:stalwart:jmap"] == "b"
    assert s["primaryAccounts"]["urn:ietf:params:jmap:mail"] == "b"
    assert "urn:stalwart:jmap" not in s["capabilities"]
    for k in ("apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl", "state"):
        assert k in s


def test_public_url_is_advertised_not_request_host():
    s = FakeStalwart(public_url="https://mail.example.com").start()
    try:
        doc = call(s.url + "/jmap/session", auth=basic(*ALICE)).json()
        assert doc["apiUrl"] == "https://mail.example.com/jmap/"
        assert doc["capabilities"]["urn:ietf:params:jmap:websocket"]["url"] == "wss://mail.example.com/jmap/ws"
        # the API still answers on the real origin
        r = call(s.url + "/jmap/", "POST", {"using": ["urn:ietf:params:jmap:core"],
                                            "methodCalls": [["Core/echo", {"a": 1}, "e"]]},
                 auth=basic(*ALICE))
        assert r.json()["methodResponses"] == [["Core/echo", {"a": 1}, "e"]]
    finally:
        s.stop()


def test_bad_credentials_401_exact(srv):
    for auth in (None, basic("alice@example.com", "wrong"), basic("nobody@example.com", "x"),
                 "Bearer nonsense", "Basic !!!", "Digest abc"):
        r = call(srv.url + "/jmap/", "POST", {"using": [], "methodCalls": []}, auth=auth)
        assert r.status == 401, auth
        assert r.headers["Content-Type"] == "application/problem+json"
        assert r.json() == UNAUTH
        assert r.headers.get_all("WWW-Authenticate") == [
            'Bearer realm="Stalwart Server", resource_metadata="/.well-known/oauth-protected-resource"',
            'Basic realm="Stalwart Server"']


def test_login_trimmed_lowercased_default_domain(srv):
    for login in ("  ALICE@Example.COM ", "alice", "Alice"):
        r = call(srv.url + "/jmap/session", auth=basic(login, ALICE[1]))
        assert r.status == 200 and r.json()["username"] == "alice@example.com"


def test_totp_user_basic_gets_402_even_with_code_suffix(srv):
    r = call(srv.url + "/jmap/session", auth=basic(*TOTP))
    assert r.status == 402 and r.json() == MFA
    assert r.headers["Content-Type"] == "application/problem+json"
    code = pyotp.TOTP(srv.accounts[TOTP[0]].otp_secret).now()
    r = call(srv.url + "/jmap/session", auth=basic(TOTP[0], TOTP[1] + "$" + code))
    assert r.status == 401  # no $code splitting in 0.16
    assert call(srv.url + "/jmap/session", auth=basic(TOTP[0], "wrong")).status == 401


def test_broken_otp_url_makes_password_login_402(srv):
    srv.accounts[TOTP[0]].otp_url = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"  # 10-byte secret
    assert call(srv.url + "/jmap/session", auth=basic(*TOTP)).status == 402


def test_other_accounts_login(srv):
    for who in (LDAP, LIMITED):
        assert call(srv.url + "/jmap/session", auth=basic(*who)).status == 200


def test_app_password_login(srv):
    c = Client(srv, basic(*ALICE))
    res = c.one("x:AppPassword/set", {"create": {"k": {"description": "Phone"}}})
    secret = res[1]["created"]["k"]["secret"]
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], secret)).status == 200
    bad = secret[:20] + ("a" if secret[20] != "a" else "b") + secret[21:]
    r = call(srv.url + "/jmap/session", auth=basic(ALICE[0], bad))
    assert r.status == 401


def test_app_password_format_and_space_prefix(srv):
    c = Client(srv, basic(*ALICE))
    secret = c.one("x:AppPassword/set", {"create": {"k": {"description": "P"}}})[1]["created"]["k"]["secret"]
    assert secret.startswith("app_") and len(secret) == 40
    assert set(secret[4:]) <= set("abcdefghijklmnopqrstuvwxyz792013")
    cred_id, rnd = parse_app_password(secret)
    assert cred_id == 1 and len(rnd) == 18
    # 0.16.0-0.16.2 used "app " and the parser accepts any 4th char
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], "app " + secret[4:])).status == 200
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], "app-" + secret[4:])).status == 200
    srv.app_password_space = True
    s2 = c.one("x:AppPassword/set", {"create": {"k": {"description": "Q"}}})[1]["created"]["k"]["secret"]
    assert s2.startswith("app ")


def test_api_key_bearer_only(srv):
    c = Client(srv, basic(*ALICE))
    res = c.one("x:ApiKey/set", {"create": {"k": {"description": "CI"}}})
    key = res[1]["created"]["k"]["secret"]
    assert key.startswith("API_") and len(key) == 42
    raw = base64.urlsafe_b64decode(key[4:] + "==")
    assert int.from_bytes(raw[:4], "big") == srv.accounts[ALICE[0]].id
    assert call(srv.url + "/jmap/session", auth="Bearer " + key).status == 200
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], key)).status == 401
    # one character of the random part changed (never a no-op: the old
    # key[:-2] + "AA" was the same key whenever it already ended in "AA")
    i = 30
    forged = key[:i] + ("B" if key[i] != "B" else "C") + key[i + 1:]
    assert forged != key
    assert call(srv.url + "/jmap/session", auth="Bearer " + forged).status == 401


def test_totp_user_can_use_api_key_and_app_password(srv):
    acct = srv.accounts[TOTP[0]]
    acct.otp_url = None  # briefly allow Basic to create the credentials
    c = Client(srv, basic(*TOTP))
    out = c.jmap(["x:AppPassword/set", {"create": {"a": {"description": "mail"}}}, "1"],
                 ["x:ApiKey/set", {"create": {"k": {"description": "ci"}}}, "2"])
    app = out[0][1]["created"]["a"]["secret"]
    key = out[1][1]["created"]["k"]["secret"]
    from tests.fakestalwart import TOTP_URL
    acct.otp_url = TOTP_URL
    assert call(srv.url + "/jmap/session", auth=basic(*TOTP)).status == 402
    assert call(srv.url + "/jmap/session", auth=basic(TOTP[0], app)).status == 200
    assert call(srv.url + "/jmap/session", auth="Bearer " + key).status == 200


def test_expired_and_ip_restricted_credentials(srv):
    c = Client(srv, basic(*ALICE))
    out = c.jmap(["x:AppPassword/set", {"create": {
        "ip": {"description": "ip", "allowedIps": {"10.0.0.2": True}},
        "lo": {"description": "lo", "allowedIps": {"127.0.0.0/8": True}},
        "old": {"description": "old", "expiresAt": "2020-01-01T00:00:00Z"}}}, "1"])[0][1]["created"]
    r = call(srv.url + "/jmap/session", auth=basic(ALICE[0], out["ip"]["secret"]))
    assert r.status == 403 and r.json()["title"] == "Forbidden"
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], out["lo"]["secret"])).status == 200
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], out["old"]["secret"])).status == 401
    # setting expiresAt to the past later disables it
    lo_id = out["lo"]["id"]
    c.one("x:AppPassword/set", {"update": {lo_id: {"expiresAt": "2021-01-01T00:00:00Z"}}})
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], out["lo"]["secret"])).status == 401


def test_api_account_permissions(srv):
    r = call(srv.url + "/api/account", auth=basic(*ALICE)).json()
    assert r["edition"] in ("oss", "community", "enterprise") and r["locale"] == "en_US"
    assert "sysAccountPasswordUpdate" in r["permissions"] and "sysApiKeyCreate" in r["permissions"]
    assert "sysAccountGet" not in r["permissions"]
    ldap = call(srv.url + "/api/account", auth=basic(*LDAP)).json()["permissions"]
    assert not any(p.startswith("sysAccountPassword") for p in ldap)
    lim = call(srv.url + "/api/account", auth=basic(*LIMITED)).json()["permissions"]
    assert not any(p.startswith(("sysAppPassword", "sysApiKey", "sysPublicKey")) for p in lim)
    assert "sysAccountSettingsUpdate" not in lim and "sysAccountSettingsGet" in lim
    assert call(srv.url + "/api/account").status == 401


def test_expired_password_downgrades_token(srv):
    from tests.fakestalwart.model import utc_now
    import datetime
    srv.accounts[ALICE[0]].password_expires_at = utc_now() - datetime.timedelta(days=1)
    perms = call(srv.url + "/api/account", auth=basic(*ALICE)).json()["permissions"]
    assert set(perms) == {"authenticate", "authenticateWithAlias", "sysAccountPasswordGet",
                          "sysAccountPasswordUpdate", "emailReceive"}
    c = Client(srv, basic(*ALICE))
    assert c.one("x:AppPassword/get", {})[1]["type"] == "forbidden"
    assert c.one("x:AccountPassword/get", {})[0] == "x:AccountPassword/get"
    c.one("x:AccountPassword/set", {"update": {"singleton": {"currentSecret": ALICE[1],
                                                             "secret": "a brand new passphrase 77"}}})
    assert srv.accounts[ALICE[0]].password_expires_at is None


def test_no_cookies_ever(srv):
    for path in ("/jmap/session", "/login", "/.well-known/oauth-authorization-server"):
        assert call(srv.url + path, auth=basic(*ALICE)).headers.get("Set-Cookie") is None


def test_app_password_encoding_matches_contract_example():
    # §2.8 example secret: credential id 1 ("b") followed by the bytes 1..18
    assert parse_app_password("app_aaaaaaibaibqibiga2eascqlbqgq2dyqceja") == (1, bytes(range(1, 19)))
    from tests.fakestalwart.model import b32custom_encode, decode_id, encode_id
    assert b32custom_encode((1).to_bytes(4, "big") + bytes(range(1, 19))) == "aaaaaaibaibqibiga2eascqlbqgq2dyqceja"
    assert encode_id(20080258862541) == "singleton" and decode_id("b") == 1 and encode_id(0) == "a"
