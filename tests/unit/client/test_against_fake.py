"""The client against the contract test server (tests/fakestalwart) over real
HTTP (``app.http.urllib_fetch``), both generations."""
from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from app import auth, stalwart
from app.auth import Basic
from app.errors import (AuthorizationPending, AuthRequired, CannotReach, Forbidden,
                        ManagementError, MethodError, MfaRequired, ProtocolError, RateLimited,
                        ServerError, SetError, StalwartError, Unsupported,
                        WrongCurrentSecret)
from app.http import urllib_fetch
from app.stalwart import Encryption
from client_fakes import run

from tests import fakestalwart as fake
from tests.fakestalwart import FakeStalwart

ALICE = "alice@example.com"
ALICE_PW = "correct horse battery staple"
TOTP_USER = "totp@example.com"
TOTP_PW = "totp account password 42"
L_ALICE, L_TOTP = "alice", "totp"  # legacy servers sign in by principal name (seen on 0.15.5)
NEW_PW = "Tangerine orbit lighthouse 73!"
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def srv016():
    s = FakeStalwart(generation="0.16", cors=True).start()
    yield s
    s.stop()


@pytest.fixture
def srvlegacy():
    s = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    yield s
    s.stop()


def connect(srv, creds):
    return run(stalwart.connect(srv.url, creds, urllib_fetch))


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
def test_016_basic_sign_in_and_load_is_one_post(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    assert isinstance(acc, stalwart.V016Account) and acc.session.is_stalwart
    before = len(srv016.requests)
    st = run(acc.load())
    load_reqs = srv016.requests[before:]
    assert [(r.method, r.path) for r in load_reqs] == [("POST", "/jmap/")] or \
        [(r.method, r.path) for r in load_reqs] == [("POST", "/jmap")]
    discovery = [(r.method, r.path) for r in srv016.requests[:before]]
    assert discovery == [("GET", "/.well-known/jmap"), ("GET", "/jmap/session")]
    assert st.generation == "0.16" and st.username == ALICE
    assert st.totp_enabled is False and st.app_passwords == [] and st.api_keys == []
    assert st.encryption.kind == "disabled" and not st.unavailable
    assert st.password_change.available
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
    acc = connect(srv016, tok)
    st = run(acc.load())
    assert st.totp_enabled is True and st.username == TOTP_USER


def test_016_oauth_refresh(srv016):
    tok = oauth_sign_in(srv016, ALICE, ALICE_PW)
    assert tok.refresh_token  # offline_access: the server issues one
    new = run(auth.refresh(srv016.url, tok, urllib_fetch))
    assert new.token != tok.token
    run(connect(srv016, new).load())


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
    assert run(connect(srv016, tok).load()).username == ALICE


def test_016_change_password_basic(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    res = run(acc.change_password(ALICE_PW, NEW_PW))
    assert not res.reauthenticate and res.credentials == Basic(ALICE, NEW_PW)
    run(acc.load())  # the account object carries on with the new password
    with pytest.raises(AuthRequired):
        connect(srv016, Basic(ALICE, ALICE_PW))


def test_016_change_password_oauth_revokes_token(srv016):
    tok = oauth_sign_in(srv016, ALICE, ALICE_PW)
    acc = connect(srv016, tok)
    res = run(acc.change_password(ALICE_PW, NEW_PW))
    assert res.reauthenticate and res.credentials is None
    with pytest.raises(AuthRequired):
        run(acc.load())
    run(connect(srv016, Basic(ALICE, NEW_PW)).load())


def test_016_change_password_errors(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    with pytest.raises(WrongCurrentSecret) as e:
        run(acc.change_password("not my password", NEW_PW))
    assert e.value.key == "err.password.current_incorrect"
    with pytest.raises(SetError) as e:
        run(acc.change_password(ALICE_PW, "password"))
    assert e.value.key == "err.set.invalid_properties" and e.value.properties == ["secret"]
    assert e.value.server_text


def test_016_change_password_totp_needs_code(srv016):
    secret = srv016.accounts[TOTP_USER].otp_secret
    acc = connect(srv016, oauth_sign_in(srv016, TOTP_USER, TOTP_PW, secret))
    with pytest.raises(WrongCurrentSecret) as e:
        run(acc.change_password(TOTP_PW, NEW_PW))
    assert e.value.key == "err.password.otp_required"
    res = run(acc.change_password(TOTP_PW, NEW_PW, pyotp.TOTP(secret).now()))
    assert res.reauthenticate


def test_016_totp_enable_replace_disable(srv016):
    acc = connect(srv016, oauth_sign_in(srv016, ALICE, ALICE_PW))
    secret, url = new_otp_url()
    res = run(acc.enable_totp(ALICE_PW, url))
    assert not res.reauthenticate  # OAuth token survives a TOTP change
    assert run(acc.load()).totp_enabled is True
    with pytest.raises(MfaRequired):
        connect(srv016, Basic(ALICE, ALICE_PW))
    # replace: needs the code of the old secret
    secret2, url2 = new_otp_url()
    with pytest.raises(WrongCurrentSecret):
        run(acc.enable_totp(ALICE_PW, url2))
    run(acc.enable_totp(ALICE_PW, url2, pyotp.TOTP(secret).now()))
    with pytest.raises(WrongCurrentSecret):
        run(acc.disable_totp(ALICE_PW, pyotp.TOTP(secret).now()
                             if pyotp.TOTP(secret).now() != pyotp.TOTP(secret2).now()
                             else "000000"))
    run(acc.disable_totp(ALICE_PW, pyotp.TOTP(secret2).now()))
    assert run(acc.load()).totp_enabled is False
    run(connect(srv016, Basic(ALICE, ALICE_PW)).load())


def test_016_enable_totp_with_basic_says_reauthenticate(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    _, url = new_otp_url()
    assert run(acc.enable_totp(ALICE_PW, url)).reauthenticate


def test_016_app_password_lifecycle(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    exp = datetime.now(timezone.utc) + timedelta(days=7)
    c = run(acc.create_app_password("Phone", exp, ["127.0.0.1", "10.0.0.0/8"]))
    assert c.secret.startswith("app")
    st = run(acc.load())
    [ap] = st.app_passwords
    assert ap.id == c.id and ap.description == "Phone"
    assert sorted(ap.allowed_ips) == ["10.0.0.0/8", "127.0.0.1"]
    assert ap.expires_at == exp.strftime("%Y-%m-%dT%H:%M:%SZ")
    # sign in with it (bypasses TOTP)
    app_acc = connect(srv016, Basic(ALICE, c.secret))
    run(app_acc.load())
    run(acc.update_app_password(c.id, description="Old phone", expires_at=None))
    st = run(acc.load())
    assert st.app_passwords[0].description == "Old phone"
    assert st.app_passwords[0].expires_at is None
    run(acc.revoke_app_password(c.id))
    assert run(acc.load()).app_passwords == []
    with pytest.raises(AuthRequired):
        connect(srv016, Basic(ALICE, c.secret))
    with pytest.raises(SetError) as e:
        run(acc.revoke_app_password(c.id))
    assert e.value.key == "err.set.not_found"


def test_016_app_password_ip_restricted(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    c = run(acc.create_app_password("Elsewhere only", allowed_ips=["192.0.2.0/24"]))
    with pytest.raises(Forbidden):  # contract: wrong IP -> 403
        connect(srv016, Basic(ALICE, c.secret))


def test_016_app_password_quota(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    for i in range(srv016.quota_app_passwords):
        run(acc.create_app_password(f"p{i}"))
    with pytest.raises(SetError) as e:
        run(acc.create_app_password("one too many"))
    assert e.value.key == "err.quota" and e.value.server_text


def test_016_api_key_lifecycle(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    c = run(acc.create_api_key("CI", datetime.now(timezone.utc) + timedelta(days=1)))
    assert c.secret.startswith("API_")
    key_acc = connect(srv016, auth.api_key(c.secret))
    st = run(key_acc.load())
    assert [k.id for k in st.api_keys] == [c.id]
    run(acc.revoke_api_key(c.id))
    with pytest.raises(AuthRequired):
        connect(srv016, auth.api_key(c.secret))


def test_016_api_key_narrowed_permissions(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    c = run(acc.create_api_key("read only", permissions={
        "@type": "Disable", "permissions": ["sysAppPasswordGet"]}))
    st = run(connect(srv016, auth.api_key(c.secret)).load())
    assert st.unavailable["app_passwords"].permissions == ["sysAppPasswordGet"]
    with pytest.raises(SetError) as e:
        run(acc.create_api_key("too much", permissions={"@type": "Replace",
                                                          "permissions": ["sysAccountGet"]}))
    assert e.value.key == "err.set.forbidden_grant" and e.value.params["permissions"] == "sysAccountGet"
    assert "grant permissions" in e.value.server_text


def test_016_public_key_and_encryption(srv016, tmp_path):
    cert = openssl_cert(tmp_path)
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    kid = run(acc.upload_public_key("My S/MIME cert", cert, [ALICE]))
    st = run(acc.load())
    [pk] = st.public_keys
    assert pk.id == kid and pk.kind == "smime" and pk.emails == [ALICE]
    run(acc.set_encryption(Encryption("smime", "Aes256", kid, True, False)))
    st = run(acc.load())
    assert st.encryption == Encryption("smime", "Aes256", kid, True, False)
    with pytest.raises(SetError) as e:
        run(acc.delete_public_key(kid))
    assert e.value.key == "err.set.object_is_linked"
    run(acc.set_encryption(Encryption("disabled")))
    assert run(acc.load()).encryption.kind == "disabled"
    run(acc.delete_public_key(kid))
    assert run(acc.load()).public_keys == []


def test_016_upload_and_enable(srv016, tmp_path):
    cert = openssl_cert(tmp_path)
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    kid = run(acc.upload_and_enable("cert", cert, algorithm="Aes128"))
    st = run(acc.load())
    assert st.encryption.public_key == kid and st.encryption.algorithm == "Aes128"


def test_016_bad_key_rejected_by_server(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    junk = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"
    with pytest.raises(SetError) as e:
        run(acc.upload_public_key("junk", junk))
    assert e.value.key in ("err.set.invalid_properties", "err.set.invalid_patch")
    assert e.value.server_text


def test_016_limited_account_unavailable(srv016):
    acc = connect(srv016, Basic("limited@example.com", fake.DEMO_PASSWORDS["limited@example.com"]))
    st = run(acc.load())
    assert st.unavailable["app_passwords"].permissions == ["sysAppPasswordGet"]
    assert st.unavailable["api_keys"].permissions == ["sysApiKeyGet"]
    assert st.unavailable["public_keys"].permissions == ["sysPublicKeyGet"]
    assert "encryption" not in st.unavailable  # get is allowed, update is not
    with pytest.raises(MethodError) as e:
        run(acc.set_encryption(Encryption("disabled")))
    assert e.value.permission == "sysAccountSettingsUpdate"


def test_016_ldap_account(srv016):
    pw = fake.DEMO_PASSWORDS["ldap@example.com"]
    acc = connect(srv016, Basic("ldap@example.com", pw))
    st = run(acc.load())
    assert not st.password_change.available
    assert st.unavailable["password"].key == "unavailable.external_directory"
    with pytest.raises(StalwartError) as e:
        run(acc.change_password(pw, NEW_PW))
    assert e.value.key == "err.password.not_supported"


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
        run(stalwart.connect(url, Basic(ALICE, ALICE_PW), urllib_fetch))
    assert e.value.origin == url and "x:Http.usePermissiveCors" in e.value.message


def test_016_public_url_elsewhere_falls_back_to_typed_origin():
    s = FakeStalwart(public_url="https://mail.invalid").start()
    try:
        acc = run(stalwart.connect(s.url, Basic(ALICE, ALICE_PW), urllib_fetch))
        assert acc.session.api_url.startswith(s.url + "/")
        assert acc.session.advertised_api_url.startswith("https://mail.invalid")
        run(acc.load())
    finally:
        s.stop()


# =========================================================================================
# legacy 0.11-0.15
# =========================================================================================
def test_legacy_sign_in_and_load(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    assert isinstance(acc, stalwart.LegacyAccount) and not acc.session.is_stalwart
    before = len(srvlegacy.requests)
    st = run(acc.load())
    assert [(r.method, r.path) for r in srvlegacy.requests[before:]] == [
        ("GET", "/api/account/auth"), ("GET", "/api/account/crypto")]
    assert st.generation == "legacy" and st.legacy_password_change_wipes
    assert st.totp_enabled is False and st.encryption.kind == "disabled"
    assert st.unavailable["api_keys"].key == "unavailable.legacy_api_keys"


def test_legacy_totp_sign_in(srvlegacy):
    with pytest.raises(MfaRequired) as e:
        connect(srvlegacy, Basic(L_TOTP, TOTP_PW))
    assert e.value.generation == "legacy" and e.value.key == "err.totp_required"
    code = pyotp.TOTP(srvlegacy.accounts[TOTP_USER].otp_secret).now()
    acc = connect(srvlegacy, Basic(L_TOTP, TOTP_PW).with_totp(code))
    assert run(acc.load()).totp_enabled is True


def test_legacy_token_from_basic(srvlegacy):
    code = pyotp.TOTP(srvlegacy.accounts[TOTP_USER].otp_secret).now()
    tok = run(auth.legacy_token(srvlegacy.url, Basic(L_TOTP, TOTP_PW, code), urllib_fetch))
    acc = connect(srvlegacy, tok)
    assert run(acc.load()).totp_enabled is True


def test_legacy_totp_user_signs_in_with_password_and_code(srvlegacy):
    opts = run(auth.probe(srvlegacy.url, urllib_fetch))
    assert opts.legacy and not opts.login_page
    code = pyotp.TOTP(srvlegacy.accounts[L_TOTP].otp_secret).now()
    creds = run(auth.password_sign_in(srvlegacy.url, L_TOTP, TOTP_PW, code, opts, urllib_fetch))
    acc = connect(srvlegacy, creds)
    assert run(acc.load()).totp_enabled is True
    # the token outlives the code: a refresh works, and so does the next request
    assert run(acc.refresh_if_expiring(now=creds.expires_at)) is True
    assert run(acc.load()).username == L_TOTP
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
    assert run(acc.load()).totp_enabled is True


def test_legacy_password_change_with_an_app_password_ends_the_sign_in(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    c = run(acc.create_app_password("Phone"))
    acc = connect(srvlegacy, Basic(L_ALICE, c.secret))
    res = run(acc.change_password(ALICE_PW, NEW_PW))
    assert res.reauthenticate and res.credentials is None and res.wiped
    with pytest.raises(AuthRequired):  # as the outcome said: the app password is gone
        run(acc.load())
    run(connect(srvlegacy, Basic(L_ALICE, NEW_PW)).load())


def test_legacy_change_password_hashed_and_wipes(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    c = run(acc.create_app_password("Phone"))
    res = run(acc.change_password(ALICE_PW, NEW_PW))
    assert res.wiped and res.credentials == Basic(L_ALICE, NEW_PW)
    stored = srvlegacy.accounts[ALICE].password
    assert stored.startswith("$6$") and NEW_PW not in stored
    st = run(acc.load())
    assert st.app_passwords == []  # 0.15 wiped them, as the state warned
    with pytest.raises(AuthRequired):
        connect(srvlegacy, Basic(L_ALICE, c.secret))
    with pytest.raises(AuthRequired):
        connect(srvlegacy, Basic(L_ALICE, ALICE_PW))


def test_legacy_013_change_password_keeps_app_passwords():
    s = FakeStalwart(generation="legacy", legacy_version="0.13").start()
    try:
        acc = run(stalwart.connect(s.url, Basic(L_ALICE, ALICE_PW), urllib_fetch))
        run(acc.create_app_password("Phone"))
        run(acc.change_password(ALICE_PW, NEW_PW))
        assert len(run(acc.load()).app_passwords) == 1
    finally:
        s.stop()


def test_legacy_change_password_with_oauth_token_uses_basic(srvlegacy):
    tok = run(auth.legacy_token(srvlegacy.url, Basic(L_ALICE, ALICE_PW), urllib_fetch))
    acc = connect(srvlegacy, tok)
    run(acc.change_password(ALICE_PW, NEW_PW))
    run(connect(srvlegacy, Basic(L_ALICE, NEW_PW)).load())


def test_legacy_change_password_wrong_current(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    with pytest.raises(WrongCurrentSecret):
        run(acc.change_password("nope", NEW_PW))


def test_legacy_totp_enable_disable(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    secret, url = new_otp_url()
    res = run(acc.enable_totp(ALICE_PW, url))
    assert res.reauthenticate
    code = pyotp.TOTP(secret).now()
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW, code))
    assert run(acc.load()).totp_enabled is True
    with pytest.raises(WrongCurrentSecret) as e:
        run(acc.disable_totp(ALICE_PW, "000000" if code != "000000" else "111111"))
    res = run(acc.disable_totp(ALICE_PW, pyotp.TOTP(secret).now()))
    assert res.credentials == Basic(L_ALICE, ALICE_PW)
    assert run(acc.load()).totp_enabled is False


def test_legacy_app_password_lifecycle(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    c = run(acc.create_app_password("Phone"))
    [ap] = run(acc.load()).app_passwords
    assert ap.id == c.id and ap.description == "Phone" and ap.created_at
    stored = srvlegacy.accounts[ALICE].app_passwords[0]
    assert stored.startswith(f"$app${c.id}$$6$") and c.secret not in stored
    run(connect(srvlegacy, Basic(L_ALICE, c.secret)).load())
    run(acc.revoke_app_password(c.id))
    assert run(acc.load()).app_passwords == []
    with pytest.raises(AuthRequired):
        connect(srvlegacy, Basic(L_ALICE, c.secret))
    with pytest.raises(Unsupported):
        run(acc.create_api_key("CI"))


def test_legacy_encryption(srvlegacy, tmp_path):
    cert = openssl_cert(tmp_path)
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    run(acc.upload_and_enable("ignored", cert, algorithm="Aes128"))
    st = run(acc.load())
    assert st.encryption.kind == "smime" and st.encryption.algorithm == "Aes128"
    # change only the algorithm, sending back the opaque blob
    run(acc.set_encryption(Encryption("smime", "Aes256", certs=st.encryption.certs)))
    assert run(acc.load()).encryption.algorithm == "Aes256"
    run(acc.set_encryption(Encryption("disabled")))
    assert run(acc.load()).encryption.kind == "disabled"


def test_legacy_rejects_ec_smime_at_upload(srvlegacy, tmp_path):
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-out",
                    str(tmp_path / "ec.pem")], check=True, capture_output=True)
    cert = openssl_cert(tmp_path, key=f"ec:{tmp_path / 'ec.pem'}")
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    with pytest.raises(ManagementError) as e:
        run(acc.set_encryption(Encryption("smime", "Aes256", certs=cert)))
    assert e.value.server_text


def test_legacy_limited(srvlegacy):
    acc = connect(srvlegacy, Basic("limited",
                                   fake.DEMO_PASSWORDS["limited@example.com"]))
    st = run(acc.load())
    assert st.unavailable["password"].permissions == ["manage-passwords"]
    assert st.unavailable["encryption"].permissions == ["manage-encryption"]


def test_legacy_ldap(srvlegacy):
    acc = connect(srvlegacy, Basic("ldap", fake.DEMO_PASSWORDS["ldap@example.com"]))
    run(acc.load())
    with pytest.raises(ManagementError) as e:
        run(acc.change_password(fake.DEMO_PASSWORDS["ldap@example.com"], NEW_PW))
    assert e.value.key == "err.manage.unsupported"


def test_legacy_request_never_uses_stalwart_urn(srvlegacy):
    from app import jmap
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    r = run(jmap.post(acc.session, acc.authorization(), urllib_fetch,
                      [("Core/echo", {"hello": True})]))
    assert r.get("c0") == {"hello": True}


def test_016_expired_password_pattern(srv016):
    srv016.accounts[ALICE].password_expires_at = datetime.now(timezone.utc) - timedelta(days=1)
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    st = run(acc.load())
    assert st.password_expired_suspected and st.password_change.available
    run(acc.change_password(ALICE_PW, NEW_PW))
    st = run(connect(srv016, Basic(ALICE, NEW_PW)).load())
    assert not st.password_expired_suspected and not st.unavailable
