"""The contract server answers like the real servers tried in issue 8.

One test (or a few) per numbered fact, named ``test_factNN_…``; the facts were
measured on Stalwart 0.15.5 (1-7) and 0.16.18 (8-12) and are recorded, with
those versions, in docs/stalwart-contract.md.
"""
import base64
import hashlib
import json
import re
import secrets
import subprocess
from urllib.parse import urlencode

import pyotp
import pytest

from fakehelp import ALICE, L_ALICE, L_TOTP, USING, basic, call
from tests.fakestalwart import FakeStalwart

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CORS3 = {"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"}
PAGE_CLIENT_ID = "stalwart-account-security"  # the page's id before issue 8: 25 characters


def acx(r):
    return {k for k in r.headers.keys() if k.lower().startswith("access-control-")}


def token(srv, **form):
    return call(srv.url + "/auth/token", "POST", urlencode(form), headers=FORM)


def totp_basic(srv, who=L_TOTP):
    return basic(who[0], who[1] + "$" + pyotp.TOTP(srv.accounts[who[0]].otp_secret).now())


def legacy_code(srv, auth, client_id="account-security", redirect_uri=None):
    return call(srv.url + "/api/oauth", "POST", {"type": "code", "client_id": client_id,
                                                 "redirect_uri": redirect_uri, "nonce": None}, auth=auth)


@pytest.fixture
def cors_off_legacy():
    s = FakeStalwart(generation="legacy", cors=False, legacy_version="0.15").start()
    yield s
    s.stop()


# =============================================================================== 0.15.5

def test_fact01_legacy_api_oauth_refuses_a_client_id_over_20_characters(legacy_srv):
    r = legacy_code(legacy_srv, totp_basic(legacy_srv), client_id=PAGE_CLIENT_ID)
    assert r.status == 200
    assert r.json() == {"error": "other", "details": "Client ID is invalid.", "reason": None}
    r = legacy_code(legacy_srv, totp_basic(legacy_srv), client_id="x" * 20)
    assert r.status == 200 and set(r.json()["data"]) == {"code", "permissions", "version", "isEnterprise"}
    assert r.json()["data"]["version"] == "0.15.5"


def test_fact02_legacy_token_needs_redirect_uri_as_sent(legacy_srv):
    auth = totp_basic(legacy_srv)  # a TOTP user: password$code
    code = legacy_code(legacy_srv, auth).json()["data"]["code"]
    r = token(legacy_srv, grant_type="authorization_code", code=code, client_id="account-security")
    assert r.status == 400 and r.json() == {"error": "invalid_client"}
    r = token(legacy_srv, grant_type="authorization_code", code=code, client_id="account-security",
              redirect_uri="https://elsewhere.example/")
    assert r.status == 400 and r.json() == {"error": "invalid_client"}
    r = token(legacy_srv, grant_type="authorization_code", code=code, client_id="account-security",
              redirect_uri="")
    tok = r.json()
    assert r.status == 200 and tok["token_type"] == "bearer" and tok["refresh_token"]
    bearer = "Bearer " + tok["access_token"]
    assert call(legacy_srv.url + "/api/account/auth", auth=bearer).json()["data"]["otpEnabled"] is True
    assert call(legacy_srv.url + "/jmap/session", auth=bearer).json()["username"] == L_TOTP[0]
    again = token(legacy_srv, grant_type="refresh_token", refresh_token=tok["refresh_token"],
                  client_id="account-security").json()
    assert call(legacy_srv.url + "/jmap/session", auth="Bearer " + again["access_token"]).status == 200
    # with a redirect_uri in the first step, the same one is needed in the second
    code = legacy_code(legacy_srv, auth, redirect_uri="https://app.example/cb").json()["data"]["code"]
    assert token(legacy_srv, grant_type="authorization_code", code=code, client_id="account-security",
                 redirect_uri="").json() == {"error": "invalid_client"}


def test_fact03_legacy_device_flow_refuses_a_long_client_id(legacy_srv, srv):
    r = call(legacy_srv.url + "/auth/device", "POST", urlencode({"client_id": PAGE_CLIENT_ID}), headers=FORM)
    assert r.status == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["detail"] == "Client ID is missing."
    r = call(legacy_srv.url + "/auth/device", "POST", urlencode({"client_id": "account-security"}), headers=FORM)
    assert r.status == 200 and r.json()["verification_uri"] == legacy_srv.url + "/authorize"
    # 0.16 takes ids up to 2048 characters
    assert call(srv.url + "/auth/device", "POST", urlencode({"client_id": PAGE_CLIENT_ID}),
                headers=FORM).status == 200


def test_fact04_legacy_login_page_is_the_absent_web_admin(legacy_srv):
    d = call(legacy_srv.url + "/.well-known/oauth-authorization-server").json()
    assert d["authorization_endpoint"] == legacy_srv.url + "/authorize/code"
    assert "code_challenge_methods_supported" not in d  # no PKCE before 0.16
    for path in ("/authorize/code", "/authorize", "/login"):
        assert call(legacy_srv.url + path).status == 404, path
    r = legacy_code(legacy_srv, totp_basic(legacy_srv), redirect_uri="http://127.0.0.1:8000/cb")
    assert r.json() == {"error": "other", "details": "Redirect URI must be HTTPS.", "reason": None}


def test_fact05_legacy_logins_are_principal_names(legacy_srv, srv):
    assert call(legacy_srv.url + "/jmap/session", auth=basic(*L_ALICE)).json()["username"] == "alice"
    r = call(legacy_srv.url + "/jmap/session", auth=basic(*ALICE))  # alice@example.com
    assert r.status == 401
    assert call(legacy_srv.url + "/api/oauth", "POST", {"type": "code", "client_id": "x"},
                auth=basic(*ALICE)).status == 401
    # 0.16 signs in by address (a bare name gets the default domain)
    assert call(srv.url + "/jmap/session", auth=basic(*ALICE)).json()["username"] == ALICE[0]
    assert call(srv.url + "/jmap/session", auth=basic("alice", ALICE[1])).status == 200


def test_fact06_legacy_access_tokens_survive_a_password_change_but_not_their_refresh(legacy_srv):
    code = legacy_code(legacy_srv, basic(*L_ALICE)).json()["data"]["code"]
    tok = token(legacy_srv, grant_type="authorization_code", code=code, client_id="account-security",
                redirect_uri="").json()
    assert token(legacy_srv, grant_type="refresh_token", refresh_token=tok["refresh_token"],
                 client_id="account-security").status == 200  # (before the change: fine)
    r = call(legacy_srv.url + "/api/account/auth", "POST", [{"type": "setPassword", "password": "a new one 1"}],
             auth=basic(*L_ALICE))
    assert r.json() == {"data": None}
    # the access token (1 h) keeps working until it expires ...
    assert call(legacy_srv.url + "/jmap/session", auth="Bearer " + tok["access_token"]).status == 200
    # ... but the refresh token was sealed with the old password: 400 invalid_grant
    r = token(legacy_srv, grant_type="refresh_token", refresh_token=tok["refresh_token"],
              client_id="account-security")
    assert (r.status, r.json()) == (400, {"error": "invalid_grant"})
    # a token issued after the change renews again
    code = legacy_code(legacy_srv, basic("alice", "a new one 1")).json()["data"]["code"]
    tok2 = token(legacy_srv, grant_type="authorization_code", code=code, client_id="account-security",
                 redirect_uri="").json()
    assert token(legacy_srv, grant_type="refresh_token", refresh_token=tok2["refresh_token"],
                 client_id="account-security").status == 200


def test_fact06_legacy_password_change_wipes_the_app_password_in_use(legacy_srv):
    app = basic("alice", "app secret one")
    call(legacy_srv.url + "/api/account/auth", "POST",
         [{"type": "addAppPassword", "name": "UGhvbmU=", "password": "app secret one"}], auth=basic(*L_ALICE))
    assert call(legacy_srv.url + "/jmap/session", auth=app).status == 200
    # Basic with the app password satisfies "Basic only"; the change succeeds ...
    r = call(legacy_srv.url + "/api/account/auth", "POST", [{"type": "setPassword", "password": "a new one 2"}],
             auth=app)
    assert r.json() == {"data": None}
    # ... and the app password it was made with is gone (0.14-0.15)
    assert call(legacy_srv.url + "/api/account/auth", auth=app).status == 401
    assert call(legacy_srv.url + "/jmap/session", auth=basic("alice", "a new one 2")).status == 200


def test_fact07_dollar_in_app_password_name_is_accepted(legacy_srv):
    r = call(legacy_srv.url + "/api/account/auth", "POST",
             [{"type": "addAppPassword", "name": "a$b", "password": "x"}], auth=basic(*L_ALICE))
    assert r.json() == {"data": None}
    assert legacy_srv.accounts["alice"].app_passwords == ["$app$a$b$x"]
    assert call(legacy_srv.url + "/api/account/auth", auth=basic(*L_ALICE)).json()["data"]["appPasswords"] == ["a"]


@pytest.mark.parametrize("path,body,detail", [
    ("/api/account/auth", b"[]", "Empty request"),
    ("/api/account/auth", b"{nope", "JSON deserialization failed"),
    ("/api/account/auth", b'[{"type":"nope"}]', "JSON deserialization failed"),
    ("/api/account/crypto", b'{"type":"sMIME","algo":"Aes256","certs":"x"}', "missing field `allow_spam_training`"),
    ("/api/account/crypto", b'{"type":"sMIME","algo":"Aes256Gcm","certs":"x","allow_spam_training":false}',
     "unknown variant `Aes256Gcm`, expected `Aes128` or `Aes256`"),
])
def test_fact07_legacy_400_bodies_carry_detail_texts(legacy_srv, path, body, detail):
    r = call(legacy_srv.url + path, "POST", body, headers={"Content-Type": "application/json"},
             auth=basic(*L_ALICE))
    assert r.status == 400 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json() == {"type": "about:blank", "status": 400, "title": "Invalid parameters", "detail": detail}


def test_fact07_legacy_401_headers(legacy_srv):
    r = call(legacy_srv.url + "/api/account/auth", auth=basic("alice", "wrong"))
    assert r.status == 401 and r.headers.get_all("WWW-Authenticate") is None
    assert r.json()["title"] == "Unauthorized"
    r = call(legacy_srv.url + "/jmap/session", auth=basic("alice", "wrong"))
    assert r.status == 401
    realms = r.headers.get_all("WWW-Authenticate")
    assert 'Bearer realm="Stalwart Server"' in realms and not any("resource_metadata" in h for h in realms)


def test_fact07_legacy_well_known_without_cors_and_metadata(cors_off_legacy):
    srv = cors_off_legacy
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
                 "/.well-known/jmap"):
        assert acx(call(srv.url + path)) == set(), path
        assert acx(call(srv.url + path, "OPTIONS")) == set(), path
    assert call(srv.url + "/.well-known/oauth-protected-resource").status == 404
    d = call(srv.url + "/.well-known/oauth-authorization-server").json()
    assert "refresh_token" not in d["grant_types_supported"]


def test_fact07_legacy_session_username_and_json_content_type(legacy_srv):
    r = call(legacy_srv.url + "/jmap/session", auth=basic(*L_ALICE))
    assert r.json()["username"] == "alice"
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    r = call(legacy_srv.url + "/api/account/auth", auth=basic(*L_ALICE))
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"


# =============================================================================== 0.16.18

def _pkce():
    v = secrets.token_urlsafe(48)
    return v, base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode()


def _code(srv, challenge=None, who=ALICE, redirect="https://app.example/cb"):
    body = {"type": "authCode", "accountName": who[0], "accountSecret": who[1], "clientId": "account-security",
            "redirectUri": redirect, "state": "st"}
    if challenge:
        body.update(codeChallenge=challenge, codeChallengeMethod="S256")
    return call(srv.url + "/api/auth", "POST", body).json()["client_code"]


def _b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def test_fact08_token_errors_have_no_description(srv):
    v, ch = _pkce()
    code = _code(srv, ch)
    base = dict(grant_type="authorization_code", client_id="account-security",
                redirect_uri="https://app.example/cb", code_verifier=v)
    assert token(srv, **{**base, "code": "unknown"}).json() == {"error": "access_denied"}
    assert token(srv, **{**base, "code": code, "client_id": "other"}).json() == {"error": "invalid_client"}
    assert token(srv, **{**base, "code": code, "redirect_uri": "https://app.example/x"}).json() == {
        "error": "invalid_client"}
    r = token(srv, **{**base, "code": code, "code_verifier": "w" * 43})
    assert r.status == 400 and r.json() == {"error": "invalid_grant"}
    ok = token(srv, **{**base, "code": code})
    assert ok.status == 200
    assert token(srv, **{**base, "code": code}).json() == {"error": "access_denied"}  # replayed


def test_fact08_token_answer_bearer_lower_case_and_es256_id_token(srv):
    v, ch = _pkce()
    tok = token(srv, grant_type="authorization_code", code=_code(srv, ch), client_id="account-security",
                redirect_uri="https://app.example/cb", code_verifier=v).json()
    assert tok["token_type"] == "bearer"
    head, body, sig = tok["id_token"].split(".")
    assert json.loads(_b64d(head))["alg"] == "ES256"
    claims = json.loads(_b64d(body))
    assert claims["iss"] == srv.url and claims["aud"] == "account-security"
    jwk = call(srv.url + "/auth/jwks.json").json()["keys"][0]
    from ecdsa import NIST256p, VerifyingKey
    key = VerifyingKey.from_string(_b64d(jwk["x"]) + _b64d(jwk["y"]), curve=NIST256p, hashfunc=hashlib.sha256)
    assert key.verify(_b64d(sig), f"{head}.{body}".encode())


def test_fact08_refresh_is_not_rotated(srv):
    v, ch = _pkce()
    tok = token(srv, grant_type="authorization_code", code=_code(srv, ch), client_id="account-security",
                redirect_uri="https://app.example/cb", code_verifier=v).json()
    r1 = token(srv, grant_type="refresh_token", refresh_token=tok["refresh_token"], client_id="account-security")
    assert set(r1.json()) == {"access_token", "token_type", "expires_in"}
    r2 = token(srv, grant_type="refresh_token", refresh_token=tok["refresh_token"], client_id="account-security")
    assert r2.status == 200  # the refresh token stays usable
    for t in (tok["access_token"], r1.json()["access_token"], r2.json()["access_token"]):
        assert call(srv.url + "/jmap/session", auth="Bearer " + t).status == 200  # old ones stay valid


def test_fact09_redirect_carries_iss_and_metadata_says_so(srv):
    d = call(srv.url + "/.well-known/oauth-authorization-server").json()
    assert d["authorization_response_iss_parameter_supported"] is True and d["issuer"] == srv.url
    r = call(srv.url + "/api/auth", "POST", {"type": "authCode", "accountName": ALICE[0], "accountSecret": ALICE[1],
                                             "clientId": "c", "redirectUri": "https://app.example/cb",
                                             "state": "s"}).json()
    assert r["type"] == "authenticated" and r["iss"] == d["issuer"]
    page = call(srv.url + "/login?redirect_uri=https://a/cb").body.decode()
    for p in ("'code'", "'state'", "'iss'"):  # the page appends all three to the redirect
        assert f"searchParams.set({p}" in page, p


def test_fact10_login_page_markup(srv):
    html = call(srv.url + "/login?client_id=c&redirect_uri=https://a/cb").body.decode()
    for needle in ('id="login-form"', 'id="username"', 'id="password"', 'id="submit-btn"', 'id="field-otp"',
                   'id="otp"', 'maxlength="6"', 'id="alert-msg"', 'id="field-device-code"', 'id="device-code"'):
        assert needle in html, needle
    assert re.search(r"\$\('otp'\)\.addEventListener\('input'.*length === 6\) submit\(\)", html, re.S)
    assert call(srv.url + "/device").body == call(srv.url + "/device/?code=ABCD-EFGH").body == call(
        srv.url + "/login").body  # one template for both


def test_fact10_device_flow_codes_and_addresses(srv):
    d = call(srv.url + "/auth/device", "POST", urlencode({"client_id": "c"}), headers=FORM).json()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", d["user_code"])
    assert d["verification_uri"] == srv.url + "/device"
    assert d["verification_uri_complete"] == f"{srv.url}/device/?code={d['user_code']}"
    assert d["expires_in"] == 1800 and d["interval"] == 5
    r = token(srv, grant_type="urn:ietf:params:oauth:grant-type:device_code", device_code=d["device_code"],
              client_id="c")
    assert r.status == 400 and r.json() == {"error": "authorization_pending"}


def test_fact10_discovery_code_only_and_always_cors(srv):
    srv.cors = False
    r = call(srv.url + "/.well-known/oauth-authorization-server")
    d = r.json()
    assert d["response_types_supported"] == ["code"] and "implicit" not in d["grant_types_supported"]
    assert acx(r) == CORS3
    assert acx(call(srv.url + "/jmap/session")) == set()


def test_fact11_set_error_shapes(alice, srv):
    key = _key_text()
    pk = alice.one("x:PublicKey/set", {"create": {"p": {"description": "k", "key": key}}})[1]["created"]["p"]["id"]
    alice.one("x:AccountSettings/set", {"update": {"singleton": {"encryptionAtRest": {
        "@type": "Aes256", "publicKey": pk}}}})
    d = alice.one("x:PublicKey/set", {"destroy": [pk]})[1]["notDestroyed"][pk]
    assert d == {"type": "objectIsLinked", "objectId": {"object": "PublicKey", "id": pk},
                 "linkedObjects": [{"object": "Account", "id": "b"}]}
    u = alice.one("x:AccountSettings/set", {"update": {"singleton": {"encryptionAtRest": {
        "@type": "Aes256", "publicKey": "zzzz"}}}})[1]["notUpdated"]["singleton"]
    assert u == {"type": "invalidForeignKey", "objectId": {"object": "PublicKey", "id": "zzzz"}}
    v = alice.one("x:AppPassword/set", {"create": {"k": {}}})[1]["notCreated"]["k"]
    assert v["type"] == "validationFailed" and "description" not in v
    p = alice.one("x:AccountSettings/set", {"update": {"singleton": {
        "encryptionAtRest/encryptOnAppend": True}}})[1]["notUpdated"]["singleton"]
    assert p == {"type": "invalidProperties", "properties": ["encryptionAtRest/encryptOnAppend"]}
    ip = alice.one("x:AppPassword/set", {"create": {"k": {"description": "x", "allowedIps": {
        "not-an-ip": True}}}})[1]["notCreated"]["k"]
    assert ip["type"] == "invalidPatch" and ip["description"] == "Invalid key for object property"


def _key_text():
    out = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
                          "-subj", "/CN=a", "-days", "2"], check=True, capture_output=True, text=True).stdout
    assert "PRIVATE" not in out
    return out


def test_fact12_get_with_null_ids_lists_other_credentials_as_not_found(alice):
    a1 = alice.one("x:AppPassword/set", {"create": {"k": {"description": "a"}}})[1]["created"]["k"]["id"]
    a2 = alice.one("x:AppPassword/set", {"create": {"k": {"description": "b"}}})[1]["created"]["k"]["id"]
    k1 = alice.one("x:ApiKey/set", {"create": {"k": {"description": "c"}}})[1]["created"]["k"]["id"]
    g = alice.one("x:AppPassword/get", {"ids": None})[1]
    assert sorted(x["id"] for x in g["list"]) == sorted([a1, a2]) and g["notFound"] == ["a", k1]
    g = alice.one("x:ApiKey/get", {"ids": None})[1]
    assert [x["id"] for x in g["list"]] == [k1] and g["notFound"] == ["a", a1, a2]


def test_fact12_public_key_ids_have_12_characters(alice):
    pk = alice.one("x:PublicKey/set", {"create": {"p": {"description": "k", "key": _key_text()}}})[1]
    assert re.fullmatch(r"[a-z0-9]{12}", pk["created"]["p"]["id"])


def test_fact12_query_state_changes_and_order(alice):
    ids = [alice.one("x:AppPassword/set", {"create": {"k": {"description": str(i)}}})[1]["created"]["k"]["id"]
           for i in range(3)]
    q = alice.one("x:AppPassword/query", {})[1]
    assert q["ids"] == ids[::-1] and q["canCalculateChanges"] is True
    assert re.fullmatch(r"[a-z0-9]+", q["queryState"])
    alice.one("x:AppPassword/set", {"destroy": [ids[0]]})
    assert alice.one("x:AppPassword/query", {})[1]["queryState"] != q["queryState"]


def test_fact12_at_type_on_app_password_create_is_accepted(alice):
    r = alice.one("x:AppPassword/set", {"create": {"k": {"@type": "AppPassword", "description": "x"}}})[1]
    assert "k" in r["created"]


def test_fact12_grant_error_lists_every_permission(alice):
    r = alice.one("x:AppPassword/set", {"create": {"k": {"description": "x", "permissions": {
        "@type": "Replace", "permissions": {"sysAccountGet": True, "sysDomainGet": True,
                                            "sysHttpGet": True}}}}})[1]
    assert r["notCreated"]["k"] == {"type": "forbidden", "description":
                                    "You are not authorized to grant permissions: sysAccountGet, sysDomainGet, "
                                    "sysHttpGet"}


def test_fact12_locale_and_unknown_method(alice):
    s = alice.one("x:AccountSettings/get", {})[1]["list"][0]
    assert s["locale"] == "en_US"
    assert alice.one("x:Nope/get", {}) == ["error", {"type": "unknownMethod", "description": "x:Nope/get"}, "c1"]
    assert alice.jmap(["Foo/bar", {}, "f"], using=USING)[0] == ["error", {"type": "unknownMethod",
                                                                          "description": "Foo/bar"}, "f"]


def test_fact12_password_length_counts_utf8_bytes(alice):
    def change(new):
        r = alice.one("x:AccountPassword/set", {"update": {"singleton": {"currentSecret": ALICE[1],
                                                                          "secret": new}}})[1]
        return r["notUpdated"]["singleton"]["description"]
    seven_chars = "Ωж€😀Qz9"  # 7 characters, 14 bytes: long enough, but weak
    assert change(seven_chars).startswith("Password is too weak.")
    assert change("é" * 70) == "Password must be at most 128 characters long."  # 70 characters, 140 bytes
    assert change("Qz9!x") == "Password must be at least 8 characters long."



def test_fact13_a_password_change_ends_oauth_but_not_app_passwords_or_api_keys(srv, alice):
    v, ch = _pkce()
    tok = token(srv, grant_type="authorization_code", code=_code(srv, ch), client_id="account-security",
                redirect_uri="https://app.example/cb", code_verifier=v).json()
    made = alice.jmap(["x:AppPassword/set", {"create": {"a": {"description": "Phone"}}}, "a"],
                      ["x:ApiKey/set", {"create": {"k": {"description": "Backup"}}}, "k"])
    app_secret = made[0][1]["created"]["a"]["secret"]
    api_key = made[1][1]["created"]["k"]["secret"]
    r = alice.one("x:AccountPassword/set", {"update": {"singleton": {
        "currentSecret": ALICE[1], "secret": "a brand new passphrase 13"}}})
    assert "singleton" in r[1]["updated"]
    # other OAuth sign-ins end: the access token 401, the refresh token invalid_grant ...
    assert call(srv.url + "/jmap/session", auth="Bearer " + tok["access_token"]).status == 401
    r = token(srv, grant_type="refresh_token", refresh_token=tok["refresh_token"], client_id="account-security")
    assert (r.status, r.json()) == (400, {"error": "invalid_grant"})
    # ... while app passwords and API keys keep working
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], app_secret)).status == 200
    assert call(srv.url + "/jmap/session", auth="Bearer " + api_key).status == 200
