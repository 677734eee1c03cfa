"""The 0.16 backend: exact request bodies per the contract, and every error shape."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app import stalwart
from app.auth import Basic, Bearer
from app.errors import (AuthRequired, InvalidInput, MethodError, ProtocolError, SetError,
                        StalwartError, WrongCurrentSecret)
from app.stalwart import Encryption
from client_fakes import (ORIGIN, FakeTransport, find_empty_strings, jmap_answer, method_error,
                          run, set_answer, with_session)

PW = "correct horse battery staple"
BASIC = Basic("alice@example.com", PW)
URL = ("otpauth://totp/Stalwart:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
       "&issuer=Stalwart")
CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----"
PGP = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEfake\n-----END PGP PUBLIC KEY BLOCK-----"

FULL = {
    "x:AccountPassword/get": {"accountId": "b", "list": [
        {"secret": "****", "otpAuth": {"otpUrl": "****"}, "id": "singleton"}], "notFound": []},
    "x:AppPassword/get": {"accountId": "b", "list": [
        {"description": "Phone", "secret": "****", "createdAt": "2026-08-01T10:00:00Z",
         "expiresAt": None, "permissions": {"@type": "Inherit"},
         "allowedIps": {"10.0.0.2": True}, "id": "b"}], "notFound": []},
    "x:ApiKey/get": {"accountId": "b", "list": [
        {"description": "CI", "secret": "****", "createdAt": "2026-08-02T10:00:00Z",
         "expiresAt": "2027-01-01T00:00:00Z", "permissions": {"@type": "Inherit"},
         "allowedIps": {}, "id": "c"}], "notFound": []},
    "x:PublicKey/get": {"accountId": "b", "list": [
        {"key": CERT + "\n", "description": "S/MIME", "createdAt": "2026-08-03T00:00:00Z",
         "expiresAt": None, "emailAddresses": {"alice@example.com": True}, "id": "e"}],
        "notFound": []},
    "x:AccountSettings/get": {"accountId": "b", "list": [
        {"description": None, "locale": "en", "timeZone": None,
         "encryptionAtRest": {"@type": "Aes256", "publicKey": "e", "encryptOnAppend": False,
                              "allowSpamTraining": False}, "id": "singleton"}]},
}


def account(creds=BASIC, t=None):
    t = with_session(t or FakeTransport())
    acc = run(stalwart.connect(ORIGIN, creds, t))
    assert isinstance(acc, stalwart.V016Account)
    return acc, t


def only_call(t) -> tuple[str, dict]:
    calls = t.last().calls
    assert len(calls) == 1
    assert t.last().json()["using"] == ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]
    assert not find_empty_strings(t.last().json()), "no empty strings to 0.16"
    return calls[0][0], calls[0][1]


# ----- load ---------------------------------------------------------------------------------
def test_load_is_one_jmap_request_after_the_session():
    acc, t = account()
    t.on("POST", "/jmap/", jmap_answer(lambda n, a, c: FULL[n]))
    st = run(acc.load())
    assert [r.method for r in t.requests] == ["GET", "POST"]  # discovery (307 followed) + 1
    assert [c[0] for c in t.last().calls] == [
        "x:AccountPassword/get", "x:AppPassword/get", "x:ApiKey/get", "x:PublicKey/get",
        "x:AccountSettings/get"]
    assert t.last().calls[0][1] == {"ids": ["singleton"]}
    assert t.last().calls[1][1] == {"ids": None}
    assert "accountId" not in str(t.last().calls)
    assert st.generation == "0.16" and st.username == "alice@example.com"
    assert st.totp_enabled is True
    assert st.app_passwords == [stalwart.AppPassword("b", "Phone", "2026-08-01T10:00:00Z", None,
                                                     ["10.0.0.2"], {"@type": "Inherit"})]
    assert st.api_keys[0].id == "c" and st.api_keys[0].expires_at == "2027-01-01T00:00:00Z"
    assert st.public_keys[0].kind == "smime" and st.public_keys[0].emails == ["alice@example.com"]
    assert st.encryption == Encryption("smime", "Aes256", "e", False, False)
    assert st.password_change.available and not st.unavailable
    assert st.legacy_password_change_wipes is False


def test_load_with_manual_redirect_counts_two_gets_and_one_post():
    from client_fakes import resp, session
    t = FakeTransport().on("GET", "/.well-known/jmap", resp(307, None, {"location": "/jmap/session"}))
    t.on("GET", "/jmap/session", resp(200, session()))
    acc = run(stalwart.connect(ORIGIN, BASIC, t))
    t.on("POST", "/jmap/", jmap_answer(lambda n, a, c: FULL[n]))
    run(acc.load())
    assert [r.method for r in t.requests] == ["GET", "GET", "POST"]


def test_load_forbidden_methods_become_unavailable_with_permission_names():
    acc, t = account()
    denied = {"x:ApiKey/get", "x:AccountSettings/get", "x:AccountPassword/get"}
    t.on("POST", "/jmap/", jmap_answer(
        lambda n, a, c: ("error", {"type": "forbidden", "description": "You are not authorized "
                                   "to perform this action"}) if n in denied else FULL[n]))
    st = run(acc.load())
    assert st.unavailable["api_keys"].permissions == ["sysApiKeyGet"]
    assert st.unavailable["encryption"].permissions == ["sysAccountSettingsGet"]
    assert st.unavailable["password"].permissions == ["sysAccountPasswordGet"]
    assert st.unavailable["totp"].permissions == ["sysAccountPasswordGet"]
    u = st.unavailable["api_keys"]
    assert u.key == "unavailable.permissions"
    assert u.message.startswith("Account security management is not available for this mail "
                                "server") and "sysApiKeyGet" in u.message
    assert not st.password_change.available
    assert st.totp_enabled is None and st.api_keys == [] and st.encryption is None
    assert len(st.app_passwords) == 1  # the rest still loads


def test_load_expired_password_pattern():
    acc, t = account()
    t.on("POST", "/jmap/", jmap_answer(
        lambda n, a, c: FULL[n] if n == "x:AccountPassword/get"
        else ("error", {"type": "forbidden"})))
    st = run(acc.load())
    assert st.password_expired_suspected and st.password_change.available
    t.routes[("POST", "/jmap/")] = [jmap_answer(lambda n, a, c: FULL[n])]
    assert not run(acc.load()).password_expired_suspected


def test_invalid_input_names_the_problem():
    acc, t = account()
    with pytest.raises(InvalidInput) as e:
        run(acc.create_app_password("x", allowed_ips="192.168.0.7/24"))
    assert e.value.field == "allowed_ips"
    assert "192.168.0.7/24" in e.value.message and "192.168.0.0/24" in e.value.message
    with pytest.raises(InvalidInput) as e:
        run(acc.enable_totp(PW, "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP"))
    assert e.value.field == "otp_url" and "128 bits" in e.value.message
    assert "JBSWY3DPEHPK3PXP" not in e.value.message


def test_load_external_directory():
    acc, t = account()
    data = dict(FULL)
    data["x:AccountPassword/get"] = {"accountId": "b", "list": [], "notFound": ["singleton"]}
    t.on("POST", "/jmap/", jmap_answer(lambda n, a, c: data[n]))
    st = run(acc.load())
    assert st.unavailable["password"].key == "unavailable.external_directory"
    assert not st.password_change.available and st.password_change.reason.key == \
        "unavailable.external_directory"


def test_load_totp_off_and_encryption_disabled():
    acc, t = account()
    data = dict(FULL)
    data["x:AccountPassword/get"] = {"list": [{"secret": "****", "otpAuth": {},
                                               "id": "singleton"}]}
    data["x:AccountSettings/get"] = {"list": [{"encryptionAtRest": {"@type": "Disabled"},
                                               "id": "singleton"}]}
    t.on("POST", "/jmap/", jmap_answer(lambda n, a, c: data[n]))
    st = run(acc.load())
    assert st.totp_enabled is False and st.encryption.kind == "disabled"
    assert not st.encryption.enabled


def test_load_other_method_error_is_unavailable_with_its_message():
    acc, t = account()
    t.on("POST", "/jmap/", method_error("serverUnavailable", "later"))
    st = run(acc.load())
    assert st.unavailable["app_passwords"].key == "err.method.server_unavailable"
    assert st.unavailable["app_passwords"].server_text == "later"


# ----- password -------------------------------------------------------------------------------
def test_change_password_body_and_basic_creds_updated():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    res = run(acc.change_password(PW, "a much better passphrase 9"))
    name, args = only_call(t)
    assert name == "x:AccountPassword/set"
    assert args == {"update": {"singleton": {"currentSecret": PW,
                                             "secret": "a much better passphrase 9"}}}
    assert res.reauthenticate is False
    assert res.credentials == Basic("alice@example.com", "a much better passphrase 9")
    assert acc.creds.secret == "a much better passphrase 9"


def test_change_password_with_code_and_oauth_needs_reauth():
    tok = Bearer("tok", "rt", None, "oauth")
    acc, t = account(tok)
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    res = run(acc.change_password(PW, "a much better passphrase 9", " 123 456 "))
    _, args = only_call(t)
    assert args["update"]["singleton"]["otpAuth"] == {"otpCode": "123456"}
    assert t.last().headers["Authorization"] == "Bearer tok"
    assert res.reauthenticate is True and res.credentials is None


def test_change_password_signed_in_with_app_password_keeps_creds():
    app = Basic("alice@example.com", "app_aaaaaaibaibqibiga2eascqlbqgq2dyqceja")
    acc, t = account(app)
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    res = run(acc.change_password(PW, "a much better passphrase 9"))
    assert res.reauthenticate is False and res.credentials is app


@pytest.mark.parametrize("desc,key", [
    ("Current secret is incorrect.", "err.password.current_incorrect"),
    ("Current OTP code is required to change the password or OTP auth.",
     "err.password.otp_required"),
    ("Current secret must be provided to change the password or OTP auth.",
     "err.input.password_required"),
])
def test_change_password_wrong_current(desc, key):
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notUpdated={"singleton": {"type": "forbidden",
                                                                "description": desc}}))
    with pytest.raises(WrongCurrentSecret) as e:
        run(acc.change_password("wrong", "a much better passphrase 9"))
    assert e.value.key == key and e.value.server_text == desc
    assert acc.creds == BASIC  # unchanged on failure


def test_change_password_weak_is_invalid_properties():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notUpdated={"singleton": {
        "type": "invalidProperties", "properties": ["secret"],
        "description": "Password is too weak. This is a top-10 common password."}}))
    with pytest.raises(SetError) as e:
        run(acc.change_password(PW, "password"))
    assert e.value.key == "err.set.invalid_properties" and e.value.properties == ["secret"]
    assert e.value.server_text.startswith("Password is too weak")
    assert "password" not in e.value.message.lower().split("rejected")[0]


@pytest.mark.parametrize("desc", [
    "Operation not allowed.", "Your account does not support password changes",
    "Cannot set a password or OTP auth on an account that doesn't have one."])
def test_change_password_external_directory(desc):
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notUpdated={"singleton": {
        "type": "forbidden", "description": desc}}))
    with pytest.raises(StalwartError) as e:
        run(acc.change_password(PW, "a much better passphrase 9"))
    assert e.value.key == "err.password.not_supported" and e.value.server_text == desc


def test_other_forbidden_set_error_stays_set_error():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notUpdated={"singleton": {
        "type": "forbidden", "description": "Something new"}}))
    with pytest.raises(SetError) as e:
        run(acc.change_password(PW, "a much better passphrase 9"))
    assert e.value.key == "err.set.forbidden"


def test_fail2ban_is_server_unavailable():
    acc, t = account()
    t.on("POST", "/jmap/", method_error("serverUnavailable",
                                        "This server is temporarily unavailable."))
    with pytest.raises(MethodError) as e:
        run(acc.change_password("wrong", "a much better passphrase 9"))
    assert e.value.key == "err.method.server_unavailable"


def test_update_forbidden_names_update_permission():
    acc, t = account()
    t.on("POST", "/jmap/", method_error("forbidden", "You are not authorized to update objects "
                                                     "of this type"))
    with pytest.raises(MethodError) as e:
        run(acc.change_password(PW, "a much better passphrase 9"))
    assert e.value.permission == "sysAccountPasswordUpdate"
    assert "sysAccountPasswordUpdate" in e.value.message


@pytest.mark.parametrize("cur,new", [("", "x" * 10), (PW, ""), (None, "x" * 10)])
def test_change_password_input_checked_before_sending(cur, new):
    acc, t = account()
    with pytest.raises(InvalidInput):
        run(acc.change_password(cur, new))
    assert not t.posts()


# ----- TOTP ---------------------------------------------------------------------------------
def test_enable_totp_body_and_basic_must_reauth():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    res = run(acc.enable_totp(PW, URL))
    _, args = only_call(t)
    assert args == {"update": {"singleton": {"currentSecret": PW, "otpAuth": {"otpUrl": URL}}}}
    assert res.reauthenticate is True  # Basic cannot carry a code on 0.16


def test_replace_totp_sends_current_code():
    acc, t = account(Bearer("tok"))
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    res = run(acc.enable_totp(PW, URL, "654321"))
    _, args = only_call(t)
    assert args["update"]["singleton"]["otpAuth"] == {"otpUrl": URL, "otpCode": "654321"}
    assert res.reauthenticate is False


def test_disable_totp_body():
    acc, t = account(Bearer("tok"))
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    run(acc.disable_totp(PW, "123456"))
    _, args = only_call(t)
    assert args == {"update": {"singleton": {"currentSecret": PW,
                                             "otpAuth": {"otpUrl": None, "otpCode": "123456"}}}}


@pytest.mark.parametrize("url", [
    "otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP",  # 10 bytes: server rejects < 16
    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX%3D",
    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=B",
    "otpauth://totp/A:b:c?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=9",
    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=0",
    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=MD5",
    "https://example.com", "",
])
def test_bad_otp_url_never_sent(url):
    acc, t = account()
    with pytest.raises(InvalidInput) as e:
        run(acc.enable_totp(PW, url))
    assert e.value.key == "err.input.otp_url" and not t.posts()


def test_disable_totp_requires_code():
    acc, t = account()
    for bad in (None, "", "12345", "abcdef"):
        with pytest.raises(InvalidInput):
            run(acc.disable_totp(PW, bad))
    assert not t.posts()


# ----- app passwords / API keys ------------------------------------------------------------
def test_create_app_password_body():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"new": {
        "id": "d", "secret": "app_aaaaaaibaibqibiga2eascqlbqgq2dyqceja"}}))
    exp = datetime.now(timezone.utc) + timedelta(days=30)
    c = run(acc.create_app_password("  Phone ", exp, ["10.0.0.2", " 192.168.0.0/24"],
                                    {"@type": "Disable", "permissions": ["jmapEmailSet"]}))
    name, args = only_call(t)
    assert name == "x:AppPassword/set"
    assert args == {"create": {"new": {
        "description": "Phone", "expiresAt": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "allowedIps": {"10.0.0.2": True, "192.168.0.0/24": True},
        "permissions": {"@type": "Disable", "permissions": {"jmapEmailSet": True}}}}}
    assert c == stalwart.Created("d", "app_aaaaaaibaibqibiga2eascqlbqgq2dyqceja", "Phone")
    assert "app_" not in repr(c)


def test_create_app_password_minimal_sends_no_optional_fields():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"new": {"id": "d", "secret": "s"}}))
    run(acc.create_app_password("Phone"))
    assert only_call(t)[1] == {"create": {"new": {"description": "Phone"}}}


@pytest.mark.parametrize("kw,key", [
    ({"description": "  "}, "err.input.description_required"),
    ({"description": "x", "expires_at": "2001-01-01T00:00:00Z"}, "err.input.expiry_past"),
    ({"description": "x", "expires_at": "tomorrow"}, "err.input.expiry_past"),
    ({"description": "x", "allowed_ips": ["10.0.0.300"]}, "err.input.bad_ip"),
    ({"description": "x", "allowed_ips": ["10.0.0.0/33"]}, "err.input.bad_ip"),
    ({"description": "x", "allowed_ips": ["192.168.0.7/24"]}, "err.input.bad_ip"),
    ({"description": "x", "allowed_ips": ["10.0.0.0/4"]}, "err.input.bad_ip"),
    ({"description": "x", "allowed_ips": [None]}, "err.input.bad_ip"),
])
def test_create_credential_validation(kw, key):
    acc, t = account()
    for fn in (acc.create_app_password, acc.create_api_key):
        with pytest.raises(InvalidInput) as e:
            run(fn(**kw))
        assert e.value.key == key
    assert not t.posts()


@pytest.mark.parametrize("err,key", [
    ({"type": "overQuota", "description": "You have exceeded your quota of 5 app passwords."},
     "err.quota"),
    ({"type": "forbidden", "description": "You are not authorized to grant permissions: x"},
     "err.set.forbidden_grant"),
    ({"type": "forbidden"}, "err.set.forbidden"),
    ({"type": "invalidPatch", "description": "Invalid value for property.",
      "properties": ["description"]}, "err.set.invalid_patch"),
    ({"type": "validationFailed", "validationErrors": [{"type": "Required",
                                                         "property": "description"}]},
     "err.set.validation_failed"),
])
def test_create_app_password_set_errors(err, key):
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notCreated={"new": err}))
    with pytest.raises(SetError) as e:
        run(acc.create_app_password("Phone"))
    assert e.value.key == key


def test_create_without_secret_is_protocol_error():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"new": {"id": "d"}}))
    with pytest.raises(ProtocolError):
        run(acc.create_app_password("Phone"))


def test_update_app_password_unset_vs_null():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(updated={"b": None}))
    run(acc.update_app_password("b", description="Old phone", expires_at=None))
    assert only_call(t)[1] == {"update": {"b": {"description": "Old phone", "expiresAt": None}}}
    run(acc.update_app_password("b", allowed_ips=[]))
    assert only_call(t)[1] == {"update": {"b": {"allowedIps": {}}}}
    n = len(t.requests)
    run(acc.update_app_password("b"))
    assert len(t.requests) == n  # nothing to change, nothing sent
    with pytest.raises(InvalidInput):
        run(acc.update_app_password("b", description=""))


def test_revoke_app_password_and_errors():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(destroyed=["b"]))
    run(acc.revoke_app_password("b"))
    assert only_call(t) == ("x:AppPassword/set", {"destroy": ["b"]})
    t.on("POST", "/jmap/", set_answer(notDestroyed={"z": {"type": "notFound"}}))
    t.routes[("POST", "/jmap/")].pop(0)
    with pytest.raises(SetError) as e:
        run(acc.revoke_app_password("z"))
    assert e.value.key == "err.set.not_found"
    with pytest.raises(InvalidInput):
        run(acc.revoke_app_password(""))


def test_api_key_create_update_revoke():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"new": {"id": "f", "secret": "API_abc"}}))
    c = run(acc.create_api_key("CI", "2999-01-01T00:00:00+02:00"))
    assert only_call(t) == ("x:ApiKey/set", {"create": {"new": {
        "description": "CI", "expiresAt": "2998-12-31T22:00:00Z"}}})
    assert c.secret == "API_abc"
    t.routes[("POST", "/jmap/")] = [set_answer(updated={"f": None})]
    run(acc.update_api_key("f", permissions=None))
    assert only_call(t) == ("x:ApiKey/set", {"update": {"f": {"permissions": {"@type": "Inherit"}}}})
    t.routes[("POST", "/jmap/")] = [set_answer(destroyed=["f"])]
    run(acc.revoke_api_key("f"))
    assert only_call(t) == ("x:ApiKey/set", {"destroy": ["f"]})


def test_create_forbidden_method_names_create_permission():
    acc, t = account()
    t.on("POST", "/jmap/", method_error("forbidden", "You are not authorized to create objects "
                                                     "of this type"))
    with pytest.raises(MethodError) as e:
        run(acc.create_api_key("CI"))
    assert e.value.permission == "sysApiKeyCreate"


def test_401_during_operation_is_auth_required():
    from client_fakes import problem
    acc, t = account(Bearer("revoked"))
    t.on("POST", "/jmap/", problem(401, "Unauthorized", "You have to authenticate first."))
    with pytest.raises(AuthRequired):
        run(acc.load())


# ----- public keys and encryption ---------------------------------------------------------
def test_upload_public_key_body():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"pk": {"id": "e"}}))
    assert run(acc.upload_public_key("My cert", "\n" + CERT + "\n", ["alice@example.com"])) == "e"
    assert only_call(t) == ("x:PublicKey/set", {"create": {"pk": {
        "description": "My cert", "key": CERT,
        "emailAddresses": {"alice@example.com": True}}}})


def test_upload_public_key_defaults_to_own_address():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"pk": {"id": "e"}}))
    run(acc.upload_public_key("My cert", CERT))
    assert only_call(t)[1]["create"]["pk"]["emailAddresses"] == {"alice@example.com": True}


@pytest.mark.parametrize("text,key", [
    ("", "err.input.key_required"), ("MIIBfake", "err.input.key_required"),
    ("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----", "err.input.private_key"),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n-----END PGP PRIVATE KEY BLOCK-----",
     "err.input.private_key"),
])
def test_upload_public_key_refuses_bad_or_private(text, key):
    acc, t = account()
    with pytest.raises(InvalidInput) as e:
        run(acc.upload_public_key("k", text))
    assert e.value.key == key and not t.posts()


def test_upload_public_key_server_rejects():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notCreated={"pk": {
        "type": "invalidProperties", "properties": ["key"],
        "description": "No valid public key found."}}))
    with pytest.raises(SetError) as e:
        run(acc.upload_public_key("k", CERT))
    assert e.value.properties == ["key"] and e.value.server_text == "No valid public key found."


def test_delete_public_key_linked():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notDestroyed={"e": {
        "type": "objectIsLinked", "objectId": "x", "linkedObjects": ["y"]}}))
    with pytest.raises(SetError) as e:
        run(acc.delete_public_key("e"))
    assert e.value.key == "err.set.object_is_linked"
    assert only_call(t) == ("x:PublicKey/set", {"destroy": ["e"]})


def test_set_encryption_bodies():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(updated={"singleton": None}))
    run(acc.set_encryption(Encryption("smime", "Aes256Gcm", "e", True, False)))
    assert only_call(t) == ("x:AccountSettings/set", {"update": {"singleton": {
        "encryptionAtRest": {"@type": "Aes256Gcm", "publicKey": "e", "encryptOnAppend": True,
                             "allowSpamTraining": False}}}})
    run(acc.set_encryption(Encryption("disabled")))
    assert only_call(t)[1] == {"update": {"singleton": {"encryptionAtRest": {"@type": "Disabled"}}}}


@pytest.mark.parametrize("settings", [
    Encryption("pgp", "ChaCha20Poly1305", "e"), Encryption("smime", "Aes512", "e"),
    Encryption("smime", "Aes256", None), Encryption("smime", "Aes256", ""), "Aes256",
])
def test_set_encryption_validation(settings):
    acc, t = account()
    with pytest.raises(InvalidInput):
        run(acc.set_encryption(settings))
    assert not t.posts()


def test_set_encryption_invalid_foreign_key():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(notUpdated={"singleton": {"type": "invalidForeignKey"}}))
    with pytest.raises(SetError) as e:
        run(acc.set_encryption(Encryption("smime", "Aes256", "zz")))
    assert e.value.key == "err.set.invalid_foreign_key"


def test_upload_and_enable_is_two_requests():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"pk": {"id": "e"}}),
         set_answer(updated={"singleton": None}))
    assert run(acc.upload_and_enable("k", PGP, algorithm="Aes128", encrypt_on_append=True)) == "e"
    posts = t.posts()
    assert len(posts) == 2
    assert posts[0].calls[0][0] == "x:PublicKey/set"
    assert posts[1].calls == [["x:AccountSettings/set", {"update": {"singleton": {
        "encryptionAtRest": {"@type": "Aes128", "publicKey": "e", "encryptOnAppend": True,
                             "allowSpamTraining": False}}}}, "s0"]]


def test_upload_and_enable_reports_uploaded_key_when_enable_fails():
    acc, t = account()
    t.on("POST", "/jmap/", set_answer(created={"pk": {"id": "e"}}),
         set_answer(notUpdated={"singleton": {"type": "invalidProperties",
                                              "properties": ["encryptionAtRest"]}}))
    with pytest.raises(SetError) as e:
        run(acc.upload_and_enable("k", CERT))
    assert e.value.uploaded_key_id == "e"


def test_upload_and_enable_validates_before_upload():
    acc, t = account()
    with pytest.raises(InvalidInput):
        run(acc.upload_and_enable("k", PGP, algorithm="Aes256Gcm"))
    assert not t.posts()
