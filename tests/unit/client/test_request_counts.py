"""How many HTTP requests each action of the account layer makes, against the
contract test server over real HTTP.

0.16: every action is exactly ONE request (the x:…/set and the re-read of
the whole state in one JMAP request). 0.11–0.15 (no batching): the change
and the GET of the part it affects, so two; one when the change ends the
session (nothing left to read with). Sign-in: discovery (the 307 and the
session), the permissions (0.16), and the state.
"""
from __future__ import annotations

import json

import pytest

from app import stalwart, totp
from app.auth import Basic
from app.errors import Unsupported
from app.http import urllib_fetch
from app.stalwart import BY_ANSWER, CONTINUES, ENDED, REPLACED
from client_fakes import run

from tests.fakestalwart import FakeStalwart
from test_against_fake import L_ALICE, L_TOTP, ALICE, ALICE_PW, NEW_PW, TOTP_PW, TOTP_USER, openssl_cert


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return openssl_cert(tmp_path_factory.mktemp("cert"))


def sign_in(srv, creds):
    return run(stalwart.sign_in(srv.url, creds, urllib_fetch))


def counted(srv, coro):
    """Run ``coro``; return (result, [(method, path), …] it caused)."""
    before = len(srv.requests)
    result = run(coro)
    return result, [(r.method, r.path) for r in srv.requests[before:]]


def app_password_session(srv, login=ALICE, password=ALICE_PW):
    """Signed in with an app password (so 2FA and password changes keep the session)."""
    acc = sign_in(srv, Basic(login, password))
    out = run(acc.create_app_password("session", block_security_changes=False))
    acc.close()
    return sign_in(srv, Basic(login, out.created.secret))


JMAP = [("POST", "/jmap/")]


# =========================================================================================
# 0.16: one request per action
# =========================================================================================
def test_016_sign_in_and_load(srv016):
    before = len(srv016.requests)
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    assert [(r.method, r.path) for r in srv016.requests[before:]] == [
        ("GET", "/.well-known/jmap"), ("GET", "/jmap/session"), ("GET", "/api/account"),
        ("POST", "/jmap/")]
    st, reqs = counted(srv016, acc.load())
    assert reqs == JMAP and st.app_passwords.count == 0


def test_016_password_change_is_one_request(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    out, reqs = counted(srv016, acc.change_password(ALICE_PW, NEW_PW, confirm=NEW_PW))
    assert reqs == JMAP
    assert out.session == REPLACED and out.credentials == Basic(ALICE, NEW_PW)
    assert out.confirmed == BY_ANSWER and out.state.password.can("change")
    # the account goes on with the new password
    _, reqs = counted(srv016, acc.load())
    assert reqs == JMAP


def test_016_two_factor_actions_are_one_request_each(srv016):
    acc = app_password_session(srv016)
    setup = acc.start_two_factor_setup()
    out, reqs = counted(srv016, acc.enable_totp(ALICE_PW, setup, new_code=totp.code_at(setup.url)))
    assert reqs == JMAP and out.state.two_factor.enabled is True and out.session == CONTINUES
    old = srv016.accounts[ALICE].otp_url
    setup2 = acc.start_two_factor_setup()
    assert setup2.replacing
    out, reqs = counted(srv016, acc.enable_totp(ALICE_PW, setup2.url, totp.code_at(old)))
    assert reqs == JMAP and srv016.accounts[ALICE].otp_url == setup2.url
    out, reqs = counted(srv016, acc.disable_totp(ALICE_PW, totp.code_at(setup2.url)))
    assert reqs == JMAP and out.state.two_factor.enabled is False


def test_016_credentials_are_one_request_each(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    out, reqs = counted(srv016, acc.create_app_password("Phone", "2099-12-31", "10.0.0.0/8"))
    assert reqs == JMAP and out.created.secret and out.state.app_passwords.count == 1
    out, reqs = counted(srv016, acc.revoke_app_password(out.created.id))
    assert reqs == JMAP and out.state.app_passwords.count == 0
    out, reqs = counted(srv016, acc.create_api_key("CI", "", ""))
    assert reqs == JMAP and out.created.secret.startswith("API_") and out.state.api_keys.count == 1
    out, reqs = counted(srv016, acc.revoke_api_key(out.created.id))
    assert reqs == JMAP and out.state.api_keys.count == 0


def test_016_encryption_actions_are_one_request_each(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    out, reqs = counted(srv016, acc.upload_and_enable("", cert, "Aes256Gcm", True))
    assert reqs == JMAP and out.half_done is None
    enc = out.state.encryption
    assert enc.enabled and enc.in_use is not None and enc.in_use.id == out.item.id
    assert enc.settings.algorithm == "Aes256Gcm" and enc.settings.encrypt_on_append is True
    key_id = out.item.id
    out, reqs = counted(srv016, acc.disable_encryption())
    assert reqs == JMAP and out.state.encryption.enabled is False
    out, reqs = counted(srv016, acc.use_key(key_id, "Aes128"))
    assert reqs == JMAP and out.state.encryption.settings.public_key == key_id
    # the same key again: reused, not uploaded a second time
    out, reqs = counted(srv016, acc.upload_and_enable("again", cert, "Aes256"))
    assert reqs == JMAP and out.notice == "outcome.key_reused"
    assert len(out.state.encryption.keys) == 1
    run(acc.disable_encryption())
    out, reqs = counted(srv016, acc.delete_public_key(key_id))
    assert reqs == JMAP and out.state.encryption.keys == []


def test_016_finish_or_remove_is_one_request(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    srv016.accounts[ALICE].permissions.discard("sysAccountSettingsUpdate")  # revoked since sign-in
    out, reqs = counted(srv016, acc.upload_and_enable("", cert, "Aes256"))
    assert reqs == JMAP and out.half_done is not None
    srv016.accounts[ALICE].permissions.add("sysAccountSettingsUpdate")
    out, reqs = counted(srv016, acc.finish_or_remove_uploaded_key(out.half_done.key_id, True))
    assert reqs == JMAP and out.state.encryption.enabled


def test_016_upload_and_enable_sends_one_batch_with_a_creation_reference(cert):
    seen = []

    async def spy(method, url, headers, body=None, timeout=30):
        if body and url.endswith("/jmap/"):
            seen.append(json.loads(body))
        return await urllib_fetch(method, url, headers, body, timeout)
    spy.accepts_timeout = True
    with FakeStalwart(generation="0.16") as s:
        acc = run(stalwart.sign_in(s.url, Basic(ALICE, ALICE_PW), spy))
        seen.clear()
        run(acc.upload_and_enable("", cert, "Aes256"))
    (req,) = seen
    names = [c[0] for c in req["methodCalls"]]
    assert names[:2] == ["x:PublicKey/set", "x:AccountSettings/set"]
    assert sorted(names[2:]) == sorted(["x:AccountPassword/get", "x:AppPassword/get",
                                        "x:ApiKey/get", "x:PublicKey/get",
                                        "x:AccountSettings/get"])
    ear = req["methodCalls"][1][1]["update"]["singleton"]["encryptionAtRest"]
    assert ear["publicKey"] == "#pk"


# =========================================================================================
# 0.11–0.15: the change, then the GET of what it affects
# =========================================================================================
AUTH_POST, AUTH_GET = ("POST", "/api/account/auth"), ("GET", "/api/account/auth")
CRYPTO_POST, CRYPTO_GET = ("POST", "/api/account/crypto"), ("GET", "/api/account/crypto")


def test_legacy_sign_in_and_load(srvlegacy):
    before = len(srvlegacy.requests)
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    assert [(r.method, r.path) for r in srvlegacy.requests[before:]] == [
        ("GET", "/.well-known/jmap"), ("GET", "/jmap/session"), AUTH_GET, CRYPTO_GET]
    _, reqs = counted(srvlegacy, acc.load())
    assert reqs == [AUTH_GET, CRYPTO_GET]


def test_legacy_password_change_is_two_requests(srvlegacy):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    out, reqs = counted(srvlegacy, acc.change_password(ALICE_PW, NEW_PW))
    assert reqs == [AUTH_POST, AUTH_GET] and out.session == REPLACED


def test_legacy_two_factor_requests(srvlegacy):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    setup = acc.start_two_factor_setup()
    # a password sign-in ends when 2FA goes on: nothing left to read with
    out, reqs = counted(srvlegacy, acc.enable_totp(ALICE_PW, setup))
    assert reqs == [AUTH_POST] and out.session == ENDED and out.state is None
    acc = sign_in(srvlegacy, Basic(L_TOTP, TOTP_PW, totp.code_at(srvlegacy.accounts[TOTP_USER].otp_url)))
    out, reqs = counted(srvlegacy, acc.disable_totp(TOTP_PW, totp.code_at(srvlegacy.accounts[TOTP_USER].otp_url)))
    assert reqs == [AUTH_POST, AUTH_GET] and out.session == REPLACED
    assert out.state.two_factor.enabled is False


def test_legacy_app_passwords_are_two_requests_each(srvlegacy):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    out, reqs = counted(srvlegacy, acc.create_app_password("Phone"))
    assert reqs == [AUTH_POST, AUTH_GET] and out.state.app_passwords.count == 1
    out, reqs = counted(srvlegacy, acc.revoke_app_password(out.created.id))
    assert reqs == [AUTH_POST, AUTH_GET] and out.state.app_passwords.count == 0
    # no API keys on 0.11-0.15: refused before any request
    with pytest.raises(Unsupported) as e:
        counted(srvlegacy, acc.create_api_key("CI"))
    assert e.value.key == "state.not_supported"
    assert len([r for r in srvlegacy.requests if r.path.startswith("/api/")]) == 6


def test_legacy_encryption_is_two_requests_each(srvlegacy, cert):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    out, reqs = counted(srvlegacy, acc.upload_and_enable("", cert, "Aes256"))
    assert reqs == [CRYPTO_POST, CRYPTO_GET] and out.state.encryption.enabled
    out, reqs = counted(srvlegacy, acc.disable_encryption())
    assert reqs == [CRYPTO_POST, CRYPTO_GET] and out.state.encryption.enabled is False


def test_016_before_0_16_15_upload_and_enable_is_two_requests(srv016, cert):
    """0.16.0-0.16.14 do not resolve "#pk" in publicKey: the setting is refused,
    and the account points it at the new key's id in a second request."""
    srv016.resolves_public_key_refs = False
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    out, reqs = counted(srv016, acc.upload_and_enable("", cert, "Aes256"))
    assert reqs == JMAP * 2 and out.half_done is None and out.state.encryption.enabled
    assert out.state.encryption.in_use.id == out.item.id
    assert len(out.state.encryption.keys) == 1
