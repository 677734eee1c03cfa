"""x:AccountPassword get/set: the whole §2.6 algorithm, TOTP flows with pyotp."""
import pyotp

from fakehelp import ALICE, LDAP, LIMITED, TOTP, Client, basic, call
from tests.fakestalwart import TOTP_URL

NEW_PW = "a brand new passphrase 77"
NEW_URL = "otpauth://totp/Stalwart:alice%40example.com?secret=" + pyotp.random_base32(32) + "&issuer=Stalwart"


def pw_set(c, patch):
    return c.one("x:AccountPassword/set", {"update": {"singleton": patch}})


def set_err(resp):
    assert resp[0] == "x:AccountPassword/set", resp
    return resp[1].get("notUpdated", {}).get("singleton")


def totp_client(srv):
    # a TOTP user cannot use Basic with the password: use an API key made for the test
    acct = srv.accounts[TOTP[0]]
    url, acct.otp_url = acct.otp_url, None
    key = Client(srv, basic(*TOTP)).one("x:ApiKey/set", {"create": {"k": {"description": "t"}}})[1]["created"]["k"]
    acct.otp_url = url
    return Client(srv, "Bearer " + key["secret"])


def test_get_masks_and_reports_totp(srv, alice):
    r = alice.one("x:AccountPassword/get", {"ids": ["singleton"]})
    assert r == ["x:AccountPassword/get", {"accountId": "b", "list": [
        {"secret": "****", "otpAuth": {}, "id": "singleton"}], "notFound": []}, "c1"]
    assert alice.one("x:AccountPassword/get", {"ids": None})[1]["list"][0]["id"] == "singleton"
    assert alice.one("x:AccountPassword/get", {"ids": ["other"]})[1]["notFound"] == ["other"]
    t = totp_client(srv).one("x:AccountPassword/get", {})
    assert t[1]["list"][0]["otpAuth"] == {"otpUrl": "****"}
    ldap = Client(srv, basic(*LDAP)).one("x:AccountPassword/get", {"ids": ["singleton"]})
    assert ldap[1]["list"] == [] and ldap[1]["notFound"] == ["singleton"]


def test_change_password_revokes_old(srv, alice):
    r = pw_set(alice, {"currentSecret": ALICE[1], "secret": NEW_PW})
    assert r == ["x:AccountPassword/set", {"accountId": "b", "updated": {"singleton": None}}, "c1"]
    assert "state" not in r[1] and "newState" not in r[1]
    assert call(srv.url + "/jmap/session", auth=basic(*ALICE)).status == 401
    assert call(srv.url + "/jmap/session", auth=basic(ALICE[0], NEW_PW)).status == 200


def test_empty_update_succeeds_without_checks(alice):
    assert pw_set(alice, {"currentSecret": "wrong"})[1]["updated"] == {"singleton": None}
    assert pw_set(alice, {"secret": "****"})[1]["updated"] == {"singleton": None}
    assert pw_set(alice, {"otpAuth": {"otpUrl": None}})[1]["updated"] == {"singleton": None}


def test_error_texts(srv, alice):
    assert set_err(pw_set(alice, {"secret": NEW_PW})) == {
        "type": "forbidden", "description": "Current secret must be provided to change the password or OTP auth."}
    assert set_err(pw_set(alice, {"currentSecret": "nope", "secret": NEW_PW})) == {
        "type": "forbidden", "description": "Current secret is incorrect."}
    assert set_err(pw_set(alice, {"currentSecret": ALICE[1], "secret": "short"})) == {
        "type": "invalidProperties", "properties": ["secret"],
        "description": "Password must be at least 8 characters long."}
    assert set_err(pw_set(alice, {"currentSecret": ALICE[1], "secret": "x" * 129}))["description"] == \
        "Password must be at most 128 characters long."
    assert set_err(pw_set(alice, {"currentSecret": ALICE[1], "secret": "password"}))["description"] == (
        "Password is too weak. This is a top-10 common password. Add another word or two. "
        "Uncommon words are better.")
    assert set_err(pw_set(alice, {"currentSecret": ALICE[1], "secret": ""})) == {
        "type": "invalidPatch", "description": "Invalid value for property.", "properties": ["secret"]}
    assert set_err(pw_set(alice, {"bogus": 1}))["description"] == "Invalid property"
    assert set_err(pw_set(alice, {"@type": "X"}))["type"] == "invalidProperties"
    ldap = Client(srv, basic(*LDAP))
    assert set_err(pw_set(ldap, {"currentSecret": LDAP[1], "secret": NEW_PW})) == {
        "type": "forbidden", "description": "Operation not allowed."}
    # singleton rules
    r = alice.one("x:AccountPassword/set", {"create": {"n": {}}, "destroy": ["singleton"],
                                            "update": {"x": {}}})[1]
    assert r["notCreated"]["n"] == {"type": "singleton", "description": "Singletons cannot be created or destroyed."}
    assert r["notDestroyed"]["singleton"]["type"] == "singleton"
    assert r["notUpdated"]["x"]["type"] == "notFound"


def test_no_stored_secret(srv):
    c = Client(srv, basic(*ALICE))
    key = c.one("x:ApiKey/set", {"create": {"k": {"description": "t"}}})[1]["created"]["k"]["secret"]
    srv.accounts[ALICE[0]].password = ""
    r = pw_set(Client(srv, "Bearer " + key), {"currentSecret": "x", "secret": NEW_PW})
    assert set_err(r)["description"] == "Cannot set a password or OTP auth on an account that doesn't have one."
    srv.accounts[ALICE[0]].password = None
    r = pw_set(Client(srv, "Bearer " + key), {})
    assert set_err(r)["description"] == "Your account does not support password changes"


def test_totp_enable_then_change_needs_code(srv, alice):
    # enable: otpCode is not checked (old config has none)
    r = pw_set(alice, {"currentSecret": ALICE[1], "otpAuth": {"otpUrl": NEW_URL, "otpCode": "000000"}})
    assert r[1]["updated"] == {"singleton": None}
    assert srv.accounts[ALICE[0]].otp_url == NEW_URL  # stored verbatim
    assert call(srv.url + "/jmap/session", auth=basic(*ALICE)).status == 402


def test_totp_password_change_and_disable(srv):
    c = totp_client(srv)
    totp = pyotp.TOTP(srv.accounts[TOTP[0]].otp_secret)
    assert set_err(pw_set(c, {"currentSecret": TOTP[1], "secret": NEW_PW}))["description"] == \
        "Current OTP code is required to change the password or OTP auth."
    assert set_err(pw_set(c, {"currentSecret": TOTP[1], "secret": NEW_PW, "otpAuth": {"otpCode": "000000"}
                              if totp.now() != "000000" else {"otpCode": "111111"}}))["description"] == \
        "Current secret is incorrect."
    assert set_err(pw_set(c, {"currentSecret": "bad", "secret": NEW_PW,
                              "otpAuth/otpCode": totp.now()}))["description"] == "Current secret is incorrect."
    # previous step's code is accepted (skew 1); JSON-pointer key form works
    import time
    prev = totp.at(time.time() - 30)
    assert pw_set(c, {"currentSecret": TOTP[1], "secret": NEW_PW, "otpAuth/otpCode": prev})[1]["updated"]
    assert srv.accounts[TOTP[0]].otp_url == TOTP_URL
    # disable: otpUrl null + current code
    r = pw_set(c, {"currentSecret": NEW_PW, "otpAuth": {"otpUrl": None, "otpCode": totp.now()}})
    assert r[1]["updated"] == {"singleton": None}
    assert srv.accounts[TOTP[0]].otp_url is None
    assert call(srv.url + "/jmap/session", auth=basic(TOTP[0], NEW_PW)).status == 200


def test_broken_stored_url_gives_server_unavailable(srv):
    c = totp_client(srv)
    srv.accounts[TOTP[0]].otp_url = "otpauth://hotp/x?secret=" + "A" * 32
    r = pw_set(c, {"currentSecret": TOTP[1], "secret": NEW_PW, "otpAuth": {"otpCode": "123456"}})
    assert r == ["error", {"type": "serverUnavailable", "description": "This server is temporarily unavailable. "
                           "Attempting this same operation later may succeed."}, "c1"]


def test_permission_errors(srv):
    lim = Client(srv, basic(*LIMITED))
    assert lim.one("x:AccountPassword/get", {})[0] == "x:AccountPassword/get"
    srv.accounts[LIMITED[0]].permissions -= {"sysAccountPasswordGet", "sysAccountPasswordUpdate"}
    assert lim.one("x:AccountPassword/get", {}) == [
        "error", {"type": "forbidden", "description": "You are not authorized to perform this action"}, "c1"]
    assert lim.one("x:AccountPassword/set", {"update": {"singleton": {}}})[1] == {
        "type": "forbidden", "description": "You are not authorized to create, update or destroy objects of this type"}
    assert lim.one("x:AccountPassword/query", {})[1]["type"] == "unknownMethod"


def test_fail2ban_emulation(srv, alice):
    srv.fail2ban_attempts = 2
    assert set_err(pw_set(alice, {"currentSecret": "bad1", "secret": NEW_PW}))["description"] == \
        "Current secret is incorrect."
    # the failure that trips the ban surfaces as serverUnavailable
    assert pw_set(alice, {"currentSecret": "bad2", "secret": NEW_PW})[:2] == ["error", {
        "type": "serverUnavailable",
        "description": "This server is temporarily unavailable. Attempting this same operation later may succeed."}]
    r = call(srv.url + "/jmap/session", auth=basic(*ALICE))
    assert r.status == 429 and r.headers["Retry-After"] == "30"
    assert r.json()["title"] == "Too Many Authentication Attempts"
    srv.unban()
    assert call(srv.url + "/jmap/session", auth=basic(*ALICE)).status == 200
