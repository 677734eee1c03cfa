"""Generation B (0.11–0.15, §3): session, /api/account/auth, /api/account/crypto, /api/oauth."""
import subprocess
from urllib.parse import urlencode

import pyotp
import pytest

from fakehelp import L_ALICE as ALICE, L_LDAP as LDAP, L_LIMITED as LIMITED, L_TOTP as TOTP, USING, basic, call
from tests.fakestalwart import FakeStalwart, TOTP_URL

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OTHER = {"error": "other", "details": "Password changes only allowed using Basic auth", "reason": None}


@pytest.fixture(params=["0.15", "0.14", "0.13", "0.11"])
def any_legacy(request):
    s = FakeStalwart(generation="legacy", legacy_version=request.param).start()
    yield s
    s.stop()


def post(srv, path, body, auth=basic(*ALICE)):
    return call(srv.url + path, "POST", body, auth=auth)


def totp_auth(srv):
    return basic(TOTP[0], TOTP[1] + "$" + pyotp.TOTP(srv.accounts[TOTP[0]].otp_secret).now())


def test_session_has_no_stalwart_capability(legacy_srv):
    s = call(legacy_srv.url + "/jmap/session", auth=basic(*ALICE)).json()
    acct = s["accounts"][s["primaryAccounts"]["urn:ietf:params:jmap:mail"]]
    assert "urn:stalwart:jmap" not in acct["accountCapabilities"]
    assert "urn:stalwart:jmap" not in s["primaryAccounts"]
    assert call(legacy_srv.url + "/.well-known/jmap").status == 307


def test_stalwart_uri_in_using_fails_whole_request(legacy_srv):
    r = post(legacy_srv, "/jmap/", {"using": USING, "methodCalls": [["Core/echo", {}, "e"]]})
    assert r.status == 400 and r.json()["type"] == "urn:ietf:params:jmap:error:notRequest"
    assert r.headers["Content-Type"] == "application/problem+json"
    r = post(legacy_srv, "/jmap", {"using": ["urn:ietf:params:jmap:core"],
                                   "methodCalls": [["x:AccountPassword/get", {}, "a"]]})
    assert r.json()["methodResponses"][0][:2] == ["error", {"type": "unknownMethod", "description": "x:AccountPassword/get"}]


def test_no_016_endpoints(legacy_srv):
    assert call(legacy_srv.url + "/api/account", auth=basic(*ALICE)).status == 404
    assert call(legacy_srv.url + "/login").status == 404


def test_totp_suffix_and_402(legacy_srv):
    r = call(legacy_srv.url + "/jmap/session", auth=basic(*TOTP))
    assert r.status == 402 and r.json() == {
        "type": "about:blank", "status": 402, "title": "TOTP code required",
        "detail": "A TOTP code is required to authenticate this account. Try authenticating again using "
                  "'secret$totp_token'."}
    assert call(legacy_srv.url + "/jmap/session", auth=totp_auth(legacy_srv)).status == 200
    assert call(legacy_srv.url + "/jmap/session", auth=basic(TOTP[0], TOTP[1] + "$000")).status == 401  # not 6-8 digits: whole secret compared
    assert call(legacy_srv.url + "/jmap/session", auth=basic(TOTP[0], "bad$123456")).status == 401


def test_auth_get_and_permissions(legacy_srv):
    r = call(legacy_srv.url + "/api/account/auth", auth=basic(*ALICE))
    assert r.json() == {"data": {"otpEnabled": False, "appPasswords": []}}
    r = call(legacy_srv.url + "/api/account/auth", auth=totp_auth(legacy_srv))
    assert r.json()["data"]["otpEnabled"] is True
    r = call(legacy_srv.url + "/api/account/auth", auth=basic(*LIMITED))
    assert r.status == 403 and r.json() == {
        "type": "about:blank", "status": 403, "title": "Forbidden",
        "detail": "You do not have enough permissions to access this resource."}
    assert call(legacy_srv.url + "/api/account/crypto", auth=basic(*LIMITED)).status == 403
    assert call(legacy_srv.url + "/api/account/auth").status == 401


def test_app_passwords_roundtrip_prefix_removal(legacy_srv):
    names = ["UGhvbmU=", "UGhvbmUy", "TGFwdG9w"]
    body = [{"type": "addAppPassword", "name": n, "password": f"secret {i} abc"} for i, n in enumerate(names)]
    assert post(legacy_srv, "/api/account/auth", body).json() == {"data": None}
    assert legacy_srv.accounts[ALICE[0]].app_passwords[0] == "$app$UGhvbmU=$secret 0 abc"
    got = call(legacy_srv.url + "/api/account/auth", auth=basic(*ALICE)).json()["data"]["appPasswords"]
    assert got == names
    assert call(legacy_srv.url + "/jmap/session", auth=basic(ALICE[0], "secret 2 abc")).status == 200
    # removal is by prefix: "UGhvbmU" removes both UGhvbmU= and UGhvbmUy
    post(legacy_srv, "/api/account/auth", [{"type": "removeAppPassword", "name": "UGhvbmU"}])
    assert call(legacy_srv.url + "/api/account/auth", auth=basic(*ALICE)).json()["data"]["appPasswords"] == [
        "TGFwdG9w"]
    post(legacy_srv, "/api/account/auth", [{"type": "removeAppPassword", "name": None}])
    assert legacy_srv.accounts[ALICE[0]].app_passwords == []


def test_basic_required_for_password_and_otp(legacy_srv):
    code = post(legacy_srv, "/api/oauth", {"type": "code", "client_id": "webadmin", "redirect_uri": None,
                                           "nonce": None}).json()["data"]
    assert code["version"] == "0.15.5" and code["isEnterprise"] is False
    assert "manage-passwords" in code["permissions"]
    t = call(legacy_srv.url + "/auth/token", "POST", urlencode({"grant_type": "authorization_code",
             "code": code["code"], "client_id": "webadmin", "redirect_uri": ""}), headers=FORM).json()
    bearer = "Bearer " + t["access_token"]
    for action in ({"type": "setPassword", "password": "x y z w v"}, {"type": "enableOtpAuth", "url": TOTP_URL},
                   {"type": "disableOtpAuth", "url": None}):
        assert post(legacy_srv, "/api/account/auth", [action], auth=bearer).json() == OTHER
    assert post(legacy_srv, "/api/account/auth", [{"type": "addAppPassword", "name": "n", "password": "p"}],
                auth=bearer).json() == {"data": None}
    assert post(legacy_srv, "/api/account/auth", []).status == 400
    assert post(legacy_srv, "/api/account/auth", [{"type": "nope"}]).status == 400


def test_set_password_quirk_by_version(any_legacy):
    srv = any_legacy
    auth = totp_auth(srv)
    post(srv, "/api/account/auth", [{"type": "addAppPassword", "name": "bmFtZQ==", "password": "app secret"}],
         auth=auth)
    new_hash = "{SHA}" + __import__("base64").b64encode(__import__("hashlib").sha1(b"new pw 1").digest()).decode()
    assert post(srv, "/api/account/auth", [{"type": "setPassword", "password": new_hash}], auth=auth).json() == {
        "data": None}
    acct = srv.accounts[TOTP[0]]
    if srv.legacy_version in ("0.14", "0.15"):
        assert acct.app_passwords == [] and acct.otp_url is None
        assert call(srv.url + "/jmap/session", auth=basic(TOTP[0], "new pw 1")).status == 200
    else:
        assert len(acct.app_passwords) == 1 and acct.otp_url == TOTP_URL
        assert call(srv.url + "/jmap/session", auth=basic(TOTP[0], "new pw 1")).status == 402


def test_otp_enable_disable_and_sha512_crypt(legacy_srv):
    # openssl makes the hash: the fake's own crypt code is what is under test
    h = subprocess.run(["openssl", "passwd", "-6", "-salt", "Zq1xRk9WbT3mPa2L", "pass word 9"],
                       check=True, capture_output=True, text=True).stdout.strip()
    assert h.startswith("$6$Zq1xRk9WbT3mPa2L$")
    assert post(legacy_srv, "/api/account/auth", [{"type": "setPassword", "password": h}]).json() == {"data": None}
    auth = basic(ALICE[0], "pass word 9")
    assert call(legacy_srv.url + "/jmap/session", auth=auth).status == 200
    url = "otpauth://totp/Stalwart%20Mail:alice%40example.com?secret=" + pyotp.random_base32(32)
    post(legacy_srv, "/api/account/auth", [{"type": "enableOtpAuth", "url": url}], auth=auth)
    assert call(legacy_srv.url + "/jmap/session", auth=auth).status == 402
    code = pyotp.parse_uri(url).now()
    auth2 = basic(ALICE[0], "pass word 9$" + code)
    post(legacy_srv, "/api/account/auth", [{"type": "disableOtpAuth", "url": None}], auth=auth2)
    assert call(legacy_srv.url + "/jmap/session", auth=auth).status == 200


def test_ldap_unsupported(legacy_srv):
    r = post(legacy_srv, "/api/account/auth", [{"type": "setPassword", "password": "x"}], auth=basic(*LDAP))
    assert r.status == 200 and r.json() == {
        "error": "unsupported",
        "details": "LDAP directory cannot be managed. Only internal directories support inserts and update operations."}


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("legacy-keys")
    out = {}
    for name, alg in (("rsa", ["-newkey", "rsa:2048"]), ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
        subprocess.run(["openssl", "req", "-x509", *alg, "-nodes", "-keyout", "k", "-out", f"{name}.pem", "-days",
                        "3", "-subj", "/CN=a"], cwd=d, check=True, capture_output=True)
        out[name] = (d / f"{name}.pem").read_text()
    subprocess.run(["sq", "key", "generate", "--userid", "<a@example.com>", "--export", "k.pgp"], cwd=d, check=True,
                   capture_output=True)
    subprocess.run(["sq", "key", "extract-cert", "--output", "c.asc", "k.pgp"], cwd=d, check=True, capture_output=True)
    out["pgp"] = (d / "c.asc").read_text()
    return out


def test_crypto_roundtrip_and_errors(legacy_srv, certs):
    url = "/api/account/crypto"
    assert call(legacy_srv.url + url, auth=basic(*ALICE)).json() == {"data": {"type": "disabled"}}
    body = {"type": "sMIME", "algo": "Aes256", "certs": certs["rsa"], "allow_spam_training": False}
    assert post(legacy_srv, url, body).json() == {"data": 1}
    got = call(legacy_srv.url + url, auth=basic(*ALICE)).json()["data"]
    assert got["type"] == "sMIME" and got["algo"] == "Aes256" and got["allow_spam_training"] is False
    assert got["certs"].startswith("-----STALWART CERTIFICATE-----\r\n") and got["certs"].endswith("\r\n")
    # the blob round-trips to change only algo
    assert post(legacy_srv, url, dict(got, algo="Aes128")).json() == {"data": 1}
    assert call(legacy_srv.url + url, auth=basic(*ALICE)).json()["data"]["algo"] == "Aes128"
    assert post(legacy_srv, url, {"type": "sMIME", "algo": "Aes256", "certs": certs["rsa"] + certs["rsa"],
                                  "allow_spam_training": True}).json() == {"data": 2}
    # 0.15: allow_spam_training is required
    assert post(legacy_srv, url, {"type": "sMIME", "algo": "Aes256", "certs": certs["rsa"]}).status == 400
    # trial encryption rejects non-RSA S/MIME
    r = post(legacy_srv, url, dict(body, certs=certs["ec"])).json()
    assert r["error"] == "other" and r["details"].startswith("Failed to parse public key") and r["reason"] is None
    assert post(legacy_srv, url, dict(body, type="pGP")).json()["details"] == \
        "No valid certificates found for the selected encryption"
    assert post(legacy_srv, url, dict(body, type="pGP", certs=certs["pgp"])).json() == {"data": 1}
    assert post(legacy_srv, url, dict(body, certs="not a cert")).json()["details"] == \
        "Could not find any valid certificates"
    assert post(legacy_srv, url, {"type": "disabled"}).json() == {"data": None}
    legacy_srv.encryption_disabled = True
    assert post(legacy_srv, url, body).json() == {
        "error": "unsupported", "details": "Encryption-at-rest has been disabled by the system administrator"}


def test_crypto_014_has_no_spam_field(certs):
    s = FakeStalwart(generation="legacy", legacy_version="0.14").start()
    try:
        body = {"type": "sMIME", "algo": "Aes256", "certs": certs["rsa"]}
        assert post(s, "/api/account/crypto", body).json() == {"data": 1}
        assert "allow_spam_training" not in call(s.url + "/api/account/crypto", auth=basic(*ALICE)).json()["data"]
    finally:
        s.stop()


def test_legacy_device_flow(legacy_srv):
    d = call(legacy_srv.url + "/auth/device", "POST", urlencode({"client_id": "cli"}),
             headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
    assert post(legacy_srv, "/api/oauth", {"type": "device", "code": d["user_code"]}).json() == {"data": True}
    t = call(legacy_srv.url + "/auth/token", "POST", urlencode({
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": d["device_code"],
        "client_id": "cli"}), headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
    assert call(legacy_srv.url + "/jmap/session", auth="Bearer " + t["access_token"]).status == 200
