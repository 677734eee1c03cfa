"""The 0.11–0.15 backend: /api/account/auth and /api/account/crypto."""
from __future__ import annotations

import base64
import subprocess

import pytest

from app import stalwart
from app.auth import Basic, Bearer
from app.errors import (AuthRequired, Forbidden, InvalidInput, ManagementError, ProtocolError,
                        Unsupported, WrongCurrentSecret)
from app.stalwart import Encryption
from app.stalwart.legacy import (decode_app_name, encode_app_name, generate_app_secret,
                                 parse_crypto)
from app.stalwart.sha512crypt import sha512_crypt
from client_fakes import ORIGIN, FakeTransport, problem, resp, run, with_session

PW = "correct horse battery staple"
BASIC = Basic("alice@example.com", PW)
URL = ("otpauth://totp/Stalwart%20Mail:alice%40example.com?secret="
       "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Stalwart%20Mail")
CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----"
NAME = "UGhvbmUkMjAyNS0wNi0wMVQxMDowMDowMCswMDowMA=="


def account(creds=BASIC):
    t = with_session(FakeTransport(), stalwart=False)
    acc = run(stalwart.connect(ORIGIN, creds, t))
    assert isinstance(acc, stalwart.LegacyAccount)
    return acc, t


def ok(data=None):
    return resp(200, {"data": data})


def verify_crypt(password: str, hashed: str) -> bool:
    """The client's $6$ hash against an independent one: openssl's SHA-crypt
    (the crypt module is gone from Python 3.13)."""
    assert hashed.startswith("$6$") and "\n" not in password
    salt = hashed.split("$")[2]
    out = subprocess.run(["openssl", "passwd", "-6", "-salt", salt, "-stdin"],
                         input=password, capture_output=True, text=True, check=True)
    return out.stdout.strip() == hashed


# ----- load -----------------------------------------------------------------------------------
def test_load_two_gets_no_jmap_post():
    acc, t = account()
    t.on("GET", "/api/account/auth", ok({"otpEnabled": True, "appPasswords": [NAME, "bm90YjY0"]}))
    t.on("GET", "/api/account/crypto", ok({"type": "sMIME", "algo": "Aes256",
                                            "certs": "-----STALWART CERTIFICATE-----\r\nQUJD\r\n",
                                            "allow_spam_training": False}))
    st = run(acc.load())
    assert [(r.method, r.path) for r in t.requests] == [
        ("GET", "/.well-known/jmap"), ("GET", "/api/account/auth"), ("GET", "/api/account/crypto")]
    assert all(r.body is None and "Content-Type" not in r.headers for r in t.requests)
    assert st.generation == "legacy" and st.totp_enabled is True
    assert st.legacy_password_change_wipes is True
    assert st.app_passwords[0] == stalwart.AppPassword(NAME, "Phone", "2025-06-01T10:00:00+00:00")
    assert st.app_passwords[1].description == "bm90YjY0"  # undecodable: shown as stored
    assert st.encryption.kind == "smime" and st.encryption.algorithm == "Aes256"
    assert st.encryption.certs.startswith("-----STALWART CERTIFICATE-----")
    assert st.unavailable["api_keys"].key == "unavailable.legacy_api_keys"
    assert st.password_change.available


def test_load_forbidden_names_kebab_permissions():
    acc, t = account()
    deny = problem(403, "Forbidden", "You do not have enough permissions to access this resource.")
    t.on("GET", "/api/account/auth", deny)
    t.on("GET", "/api/account/crypto", deny)
    st = run(acc.load())
    assert st.unavailable["password"].permissions == ["manage-passwords"]
    assert st.unavailable["app_passwords"].permissions == ["manage-passwords"]
    assert st.unavailable["encryption"].permissions == ["manage-encryption"]
    assert "manage-encryption" in st.unavailable["encryption"].message
    assert st.unavailable["encryption"].message.startswith(
        "Account security management is not available for this mail server")
    assert not st.password_change.available


def test_load_unsupported_directory_and_encryption_off():
    acc, t = account()
    t.on("GET", "/api/account/auth", resp(200, {"error": "unsupported", "details": "LDAP directory "
                                                "cannot be managed."}))
    t.on("GET", "/api/account/crypto", resp(200, {"error": "unsupported", "details":
                                                  "Encryption-at-rest has been disabled by the "
                                                  "system administrator"}))
    st = run(acc.load())
    assert st.unavailable["password"].key == "unavailable.external_directory"
    assert st.unavailable["password"].server_text == "LDAP directory cannot be managed."
    assert st.unavailable["encryption"].key == "unavailable.encryption_disabled"


def test_load_disabled_encryption():
    acc, t = account()
    t.on("GET", "/api/account/auth", ok({"otpEnabled": False, "appPasswords": []}))
    t.on("GET", "/api/account/crypto", ok({"type": "disabled"}))
    st = run(acc.load())
    assert st.totp_enabled is False and st.encryption == Encryption("disabled")


def test_load_401_is_auth_required():
    acc, t = account()
    t.on("GET", "/api/account/auth", problem(401, "Unauthorized", "You have to authenticate first."))
    with pytest.raises(AuthRequired):
        run(acc.load())


# ----- password -------------------------------------------------------------------------------
def test_change_password_basic_with_current_and_sha512_crypt():
    acc, t = account(Bearer("oauth-token"))
    t.on("POST", "/api/account/auth", ok())
    res = run(acc.change_password(PW, "new secret words", "123456"))
    r = t.last()
    assert r.basic() == ("alice@example.com", PW + "$123456")
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert len(body) == 1 and body[0]["type"] == "setPassword"
    assert verify_crypt("new secret words", body[0]["password"])
    assert "new secret words" not in r.body.decode()
    assert res.wiped is True and res.reauthenticate is False


def test_change_password_updates_basic_creds():
    acc, t = account()
    t.on("POST", "/api/account/auth", ok())
    res = run(acc.change_password(PW, "new secret words"))
    assert t.last().basic() == ("alice@example.com", PW)
    assert res.credentials == Basic("alice@example.com", "new secret words")
    assert acc.creds == res.credentials


@pytest.mark.parametrize("answer,key", [
    (problem(401, "Unauthorized", "You have to authenticate first."),
     "err.password.current_incorrect"),
    (problem(402, "TOTP code required", "A TOTP code is required to authenticate this account. "
             "Try authenticating again using 'secret$totp_token'."), "err.password.otp_required"),
])
def test_change_password_wrong_current(answer, key):
    acc, t = account()
    t.on("POST", "/api/account/auth", answer)
    with pytest.raises(WrongCurrentSecret) as e:
        run(acc.change_password("nope", "new secret words"))
    assert e.value.key == key
    assert acc.creds == BASIC


@pytest.mark.parametrize("body,key", [
    ({"error": "other", "details": "Password changes only allowed using Basic auth",
      "reason": None}, "err.manage.basic_required"),
    ({"error": "unsupported", "details": "LDAP directory cannot be managed. Only internal "
      "directories support inserts and update operations."}, "err.manage.unsupported"),
    ({"error": "other", "details": "Fallback administrator accounts do not support 2FA or "
      "AppPasswords", "reason": "x"}, "err.manage.other"),
    ({"error": "notFound", "item": "alice"}, "err.manage.not_found"),
    ({"error": "fieldMissing", "field": "password"}, "err.manage.field_missing"),
    ({"error": "fieldAlreadyExists", "field": "name", "value": "v"}, "err.manage.already_exists"),
    ({"error": "assertFailed"}, "err.manage.other"),
])
def test_management_errors_on_http_200(body, key):
    acc, t = account()
    t.on("POST", "/api/account/auth", resp(200, body))
    with pytest.raises(ManagementError) as e:
        run(acc.enable_totp(PW, URL, "123456"))
    assert e.value.key == key and e.value.kind == body["error"]
    if body.get("details"):
        assert e.value.server_text.startswith(body["details"])


def test_bad_json_body_400():
    acc, t = account()
    t.on("POST", "/api/account/crypto", problem(400, "Invalid parameters", "missing field"))
    from app.errors import BadRequest
    with pytest.raises(BadRequest):
        run(acc.set_encryption(Encryption("smime", "Aes256", certs=CERT)))


# ----- TOTP -----------------------------------------------------------------------------------
def test_enable_totp():
    acc, t = account()
    t.on("POST", "/api/account/auth", ok())
    res = run(acc.enable_totp(PW, URL))
    assert t.last().basic() == ("alice@example.com", PW)
    assert t.last().json() == [{"type": "enableOtpAuth", "url": URL}]
    assert res.reauthenticate is True  # Basic now needs password$code


def test_replace_totp_appends_code():
    acc, t = account()
    t.on("POST", "/api/account/auth", ok())
    run(acc.enable_totp(PW, URL, "987654"))
    assert t.last().basic()[1] == PW + "$987654"


def test_disable_totp():
    acc, t = account(Basic("alice@example.com", PW, "111111"))
    t.on("POST", "/api/account/auth", ok())
    res = run(acc.disable_totp(PW, "222222"))
    assert t.last().basic()[1] == PW + "$222222"
    assert t.last().json() == [{"type": "disableOtpAuth", "url": None}]
    assert res.credentials == Basic("alice@example.com", PW)


def test_bad_otp_url_not_sent():
    acc, t = account()
    with pytest.raises(InvalidInput):
        run(acc.enable_totp(PW, "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"))
    assert not t.posts()


# ----- app passwords ----------------------------------------------------------------------------
def test_create_app_password_like_webadmin():
    acc, t = account(Bearer("oauth-token"))
    t.on("POST", "/api/account/auth", ok())
    c = run(acc.create_app_password("Phone $ work"))
    r = t.last()
    assert r.headers["Authorization"] == "Bearer oauth-token"  # app-password actions take Bearer
    [action] = r.json()
    assert action["type"] == "addAppPassword" and action["name"] == c.id
    assert "$" not in action["name"]
    decoded = base64.b64decode(action["name"]).decode()
    desc, created = decoded.rsplit("$", 1)
    assert desc == "Phone $ work" and created.endswith("+00:00") and "T" in created
    assert verify_crypt(c.secret, action["password"])
    assert c.secret not in r.body.decode()
    assert decode_app_name(c.id).description == "Phone $ work"


def test_generated_secret_shape():
    seen = set()
    for _ in range(50):
        s = generate_app_secret()
        groups = s.split(" ")
        assert [len(g) for g in groups] == [5, 5, 5, 5]
        assert all(g.isalpha() and g.islower() and g.isascii() for g in groups)
        seen.add(s)
    assert len(seen) == 50


def test_app_name_round_trip():
    from datetime import datetime, timezone
    n = encode_app_name("Phone", datetime(2025, 6, 1, 10, 0, 0, 123, tzinfo=timezone.utc))
    assert n == NAME


@pytest.mark.parametrize("kw", [{"expires_at": "2999-01-01T00:00:00Z"},
                                {"allowed_ips": ["10.0.0.1"]},
                                {"permissions": {"@type": "Inherit"}}])
def test_legacy_app_password_options_unsupported(kw):
    acc, t = account()
    with pytest.raises(Unsupported) as e:
        run(acc.create_app_password("Phone", **kw))
    assert e.value.key == "err.unsupported.legacy_options" and not t.posts()


def test_revoke_app_password_never_null():
    acc, t = account()
    t.on("POST", "/api/account/auth", ok())
    run(acc.revoke_app_password(NAME))
    assert t.last().json() == [{"type": "removeAppPassword", "name": NAME}]
    for bad in (None, ""):
        with pytest.raises(InvalidInput):
            run(acc.revoke_app_password(bad))
    assert len(t.posts()) == 1


def test_api_keys_and_update_unsupported():
    acc, t = account()
    for coro in (acc.create_api_key("x"), acc.revoke_api_key("x"), acc.update_api_key("x"),
                 acc.update_app_password(NAME, description="y"),
                 acc.upload_public_key("x", CERT), acc.delete_public_key("x")):
        with pytest.raises(Unsupported):
            run(coro)
    assert not t.posts()


# ----- encryption -------------------------------------------------------------------------------
def test_set_encryption_bodies():
    acc, t = account()
    t.on("POST", "/api/account/crypto", ok(1))
    run(acc.set_encryption(Encryption("smime", "Aes256", certs=CERT)))
    assert t.last().json() == {"type": "sMIME", "algo": "Aes256", "certs": CERT,
                               "allow_spam_training": False}
    run(acc.set_encryption(Encryption("pgp", "Aes128", allow_spam_training=True,
                                      certs="-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n"
                                            "-----END PGP PUBLIC KEY BLOCK-----")))
    b = t.last().json()
    assert b["type"] == "pGP" and b["algo"] == "Aes128" and b["allow_spam_training"] is True
    t.routes[("POST", "/api/account/crypto")] = [ok(None)]
    run(acc.set_encryption(Encryption("disabled")))
    assert t.last().json() == {"type": "disabled"}


def test_change_algorithm_keeps_opaque_blob():
    acc, t = account()
    t.on("POST", "/api/account/crypto", ok(1))
    blob = "-----STALWART CERTIFICATE-----\r\nQUJD\r\n"
    run(acc.set_encryption(Encryption("smime", "Aes128", certs=blob)))
    assert t.last().json()["certs"] == blob.strip()


def test_upload_and_enable_one_request():
    acc, t = account()
    t.on("POST", "/api/account/crypto", ok(1))
    assert run(acc.upload_and_enable("ignored", CERT)) is None
    assert len(t.posts()) == 1
    assert t.last().json() == {"type": "sMIME", "algo": "Aes256", "certs": CERT,
                               "allow_spam_training": False}


@pytest.mark.parametrize("s", [Encryption("smime", "Aes256Gcm", certs=CERT),
                               Encryption("smime", "Aes256"), Encryption("unknown", "Aes256",
                                                                        certs=CERT),
                               Encryption("smime", "Aes256", certs="-----BEGIN RSA PRIVATE KEY"
                                          "-----\nx\n-----END RSA PRIVATE KEY-----")])
def test_set_encryption_validation(s):
    acc, t = account()
    with pytest.raises(InvalidInput):
        run(acc.set_encryption(s))
    assert not t.posts()


def test_trial_encryption_failure_text_is_shown():
    acc, t = account()
    t.on("POST", "/api/account/crypto", resp(200, {"error": "other", "details":
                                                   "Failed to parse public key: x",
                                                   "reason": None}))
    with pytest.raises(ManagementError) as e:
        run(acc.set_encryption(Encryption("smime", "Aes256", certs=CERT)))
    assert e.value.server_text == "Failed to parse public key: x"


def test_forbidden_on_action():
    acc, t = account()
    t.on("POST", "/api/account/crypto", problem(403, "Forbidden", "no"))
    with pytest.raises(Forbidden):
        run(acc.set_encryption(Encryption("disabled")))


@pytest.mark.parametrize("data", [None, [], {"type": "weird"}, "x"])
def test_parse_crypto_rejects_shapes(data):
    with pytest.raises(ProtocolError):
        parse_crypto(data)


def test_missing_data_is_protocol_error():
    acc, t = account()
    t.on("GET", "/api/account/auth", resp(200, {"nodata": 1}))
    with pytest.raises(ProtocolError):
        run(acc.load())


def test_sha512_crypt_against_openssl():
    for pw in ["hello", "correct horse battery staple", "ünïcødé", "x" * 100]:
        out = subprocess.run(["openssl", "passwd", "-6", "-salt", "abcdefgh12345678", pw],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert sha512_crypt(pw, "abcdefgh12345678") == out
    out = subprocess.run(["openssl", "passwd", "-6", "-salt", "rounds=10000$saltsalt", "hello"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert sha512_crypt("hello", "saltsalt", rounds=10000) == out
