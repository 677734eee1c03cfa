"""The account layer's SecurityState (what the account can do, per feature)
and its input checks (once, one set of keys, the field named, nothing sent),
against the contract test server."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app import stalwart, totp
from app.auth import Basic
from app.errors import InvalidInput, ManagementError, Unsupported, WeakPassword
from app.http import urllib_fetch
from app.stalwart import state as S
from app.stalwart import validate
from app.vocab import Weakness
from client_fakes import run

from tests import fakestalwart as fake
from tests.unit.keys.keys_corpus import crafted
from test_against_fake import L_ALICE, L_TOTP, ALICE, ALICE_PW, NEW_PW, TOTP_PW, TOTP_USER, openssl_cert

LIMITED = "limited@example.com"
LDAP = "ldap@example.com"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return openssl_cert(tmp_path_factory.mktemp("cert"))


@pytest.fixture(scope="module")
def pgp_key():
    return crafted(4, "ed25519", "cv25519")  # binary, as a dropped .gpg file would be


def sign_in(srv, creds):
    return run(stalwart.sign_in(srv.url, creds, urllib_fetch))


def nothing_sent(srv, coro, error=InvalidInput):
    before = len(srv.requests)
    with pytest.raises(error) as e:
        run(coro)
    assert len(srv.requests) == before, "refused input must not reach the server"
    return e.value


# =========================================================================================
# the state
# =========================================================================================
def test_016_full_user(srv016):
    st = sign_in(srv016, Basic(ALICE, ALICE_PW)).state
    assert st.sign_in.server_label == "Stalwart 0.16" and st.sign_in.method == "password"
    assert st.password.access.ok and st.password.can(S.CHANGE) and st.password.wipes == ()
    assert st.password.strength_policy == "0.16" and st.password.code_required is False
    assert st.two_factor.enabled is False and st.two_factor.can(S.TURN_ON)
    assert st.app_passwords.count == 0 and st.app_passwords.can(S.CREATE)
    o = st.app_passwords.options
    assert o.expiry and o.allowed_ips and o.block_security_changes
    assert st.api_keys.count == 0 and not st.api_keys.options.block_security_changes
    e = st.encryption
    assert e.enabled is False and e.keys == [] and e.stores_keys and e.encrypt_on_append
    assert e.algorithms["pgp"] == ("Aes256", "Aes128")
    assert set(e.algorithms["smime"]) == {"Aes128", "Aes256", "Aes256Gcm", "ChaCha20Poly1305"}
    assert all(e.can(a) for a in (S.UPLOAD_AND_ENABLE, S.USE_KEY, S.DISABLE, S.DELETE_KEY))
    assert st.next_step == S.NEXT_TURN_ON_TWO_FACTOR


def test_016_restricted_account_counts_are_unknown_not_zero(srv016):
    acc = sign_in(srv016, Basic(LIMITED, fake.DEMO_PASSWORDS[LIMITED]))
    st = acc.state
    for f, perm in ((st.app_passwords, "sysAppPasswordGet"), (st.api_keys, "sysApiKeyGet")):
        assert f.items is None and f.count is None
        assert f.access.status == S.NOT_PERMITTED and f.access.permissions == (perm,)
        assert f.access.key == "state.not_permitted" and not f.can(S.CREATE)
    e = st.encryption
    assert e.keys is None and e.keys_access.permissions == ("sysPublicKeyGet",)
    # the setting is readable, changing it is not: the permission is named per action
    assert e.access.ok and e.enabled is False
    assert e.why_not(S.DISABLE).permissions == ("sysAccountSettingsUpdate",)
    assert not e.can(S.UPLOAD_AND_ENABLE)
    assert st.password.can(S.CHANGE) and st.next_step == S.NEXT_TURN_ON_TWO_FACTOR
    err = nothing_sent(srv016, acc.create_app_password("x"), Unsupported)
    assert err.key == "state.not_permitted" and err.access.permissions == ("sysAppPasswordGet",)
    assert "sysAppPasswordGet" in err.params["permissions"]


def test_016_app_password_limits_are_the_effective_permissions(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    secret = run(acc.create_app_password("mail app")).created.secret  # blocks security changes
    st = sign_in(srv016, Basic(ALICE, secret)).state
    assert st.app_passwords.access.ok and st.app_passwords.count == 1
    assert st.app_passwords.why_not(S.CREATE).permissions == ("sysAppPasswordCreate",)
    assert st.password.why_not(S.CHANGE).status == S.NOT_PERMITTED
    assert not st.encryption.can(S.DISABLE) and not st.two_factor.can(S.TURN_ON)


def test_016_expired_password(srv016):
    srv016.accounts[ALICE].password_expires_at = datetime.now(timezone.utc) - timedelta(days=1)
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    st = acc.state
    assert st.password.expired and st.password.can(S.CHANGE)
    assert st.next_step == S.NEXT_CHANGE_PASSWORD
    assert st.app_passwords.access.status == S.PASSWORD_EXPIRED and st.app_passwords.count is None
    before = len(srv016.requests)
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    # the change's own re-read saw the downgraded token: permissions and state again
    assert [r.path for r in srv016.requests[before:]] == ["/jmap/", "/api/account", "/jmap/"]
    assert not out.state.password.expired and out.state.app_passwords.count == 0


def test_016_external_directory(srv016):
    st = sign_in(srv016, Basic(LDAP, fake.DEMO_PASSWORDS[LDAP])).state
    assert st.password.access.status == S.MANAGED_ELSEWHERE and not st.password.can(S.CHANGE)
    assert st.two_factor.enabled is None and st.two_factor.access.key == "state.managed_elsewhere"
    assert st.app_passwords.access.ok


def test_legacy_state(srvlegacy):
    st = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW)).state
    assert st.sign_in.server_label == "Stalwart 0.11–0.15"
    assert st.password.wipes == ("app_passwords", "two_factor")
    assert st.password.strength_policy == "legacy"
    assert st.api_keys.access.status == S.NOT_SUPPORTED and st.api_keys.count is None
    o = st.app_passwords.options
    assert not (o.expiry or o.allowed_ips or o.block_security_changes)
    e = st.encryption
    assert not e.stores_keys and e.keys is None and not e.encrypt_on_append
    assert e.keys_access.status == S.NOT_SUPPORTED and not e.can(S.USE_KEY)
    assert e.algorithms == {"pgp": ("Aes256", "Aes128"), "smime": ("Aes256", "Aes128")}


def test_legacy_restricted(srvlegacy):
    st = sign_in(srvlegacy, Basic("limited", fake.DEMO_PASSWORDS[LIMITED])).state
    assert st.password.access.permissions == ("manage-passwords",)
    assert st.app_passwords.count is None and st.two_factor.enabled is None
    assert st.encryption.access.permissions == ("manage-encryption",)
    assert st.encryption.settings is None and st.encryption.enabled is None


def test_legacy_external_directory_is_refused_with_the_servers_words(srvlegacy):
    acc = sign_in(srvlegacy, Basic("ldap", fake.DEMO_PASSWORDS[LDAP]))
    with pytest.raises(ManagementError) as e:
        run(acc.change_password(fake.DEMO_PASSWORDS[LDAP], NEW_PW))
    assert "LDAP" in e.value.server_text


# =========================================================================================
# input checks: once, with one set of keys, the field named, nothing sent
# =========================================================================================
def test_credential_inputs(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    e = nothing_sent(srv016, acc.create_app_password("  "))
    assert (e.field, e.key) == ("description", "err.input.description_required")
    e = nothing_sent(srv016, acc.create_app_password("Phone", "2001-01-01"))
    assert (e.field, e.key) == ("expires", "err.input.expiry_past")
    e = nothing_sent(srv016, acc.create_app_password("Phone", "31.12.2030"))
    assert (e.field, e.key) == ("expires", "err.input.expiry_format")
    e = nothing_sent(srv016, acc.create_api_key("CI", None, "10.0.0.1, 10.0.0.5/24"))
    assert (e.field, e.key) == ("allowed_ips", "err.input.bad_ip")
    assert "10.0.0.5/24" in e.message and "10.0.0.0/24" in e.message  # the entry and the fix
    out = run(acc.create_app_password(" Phone ", "2099-06-30", "10.0.0.1\n192.168.0.0/24"))
    ap = out.item
    assert ap.description == "Phone" and ap.expires_at == "2099-06-30T23:59:59Z"
    assert ap.allowed_ips == ["10.0.0.1", "192.168.0.0/24"]
    assert ap.permissions["@type"] == "Disable"
    assert set(ap.permissions["permissions"]) == set(stalwart.SECURITY_PERMISSIONS)
    out = run(acc.create_app_password("Laptop", block_security_changes=False))
    assert out.item.permissions == {"@type": "Inherit"}


def test_legacy_options_that_do_not_exist(srvlegacy):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    e = nothing_sent(srvlegacy, acc.create_app_password("Phone", "2099-01-01"))
    assert (e.field, e.key) == ("expires", "err.input.option_unsupported")
    e = nothing_sent(srvlegacy, acc.create_app_password("Phone", None, "10.0.0.1"))
    assert e.field == "allowed_ips"
    # block_security_changes is a no-op where permission limits do not exist
    assert run(acc.create_app_password("Phone")).created.secret


def test_password_inputs(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    e = nothing_sent(srv016, acc.change_password("", NEW_PW))
    assert (e.field, e.key) == ("current_password", "err.input.password_required")
    e = nothing_sent(srv016, acc.change_password(ALICE_PW, NEW_PW, confirm=NEW_PW + "x"))
    assert (e.field, e.key) == ("confirm_password", "err.input.password_mismatch")
    e = nothing_sent(srv016, acc.change_password(ALICE_PW, "short"))
    assert (e.field, e.key) == ("new_password", "pw.too_short") and e.params == {"min": 8}
    e = nothing_sent(srv016, acc.change_password(ALICE_PW, "password123"))
    assert e.key in ("pw.too_weak", "pw.too_weak_plain")
    e = nothing_sent(srv016, acc.change_password(ALICE_PW, NEW_PW, "12"))
    assert (e.field, e.key) == ("code", "err.input.code_format")


def test_password_code_is_required_when_two_factor_is_on(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    secret = run(acc.create_app_password("s", block_security_changes=False)).created.secret
    srv016.accounts[ALICE].otp_url = srv016.accounts[TOTP_USER].otp_url
    acc = sign_in(srv016, Basic(ALICE, secret))
    assert acc.state.password.code_required is True
    e = nothing_sent(srv016, acc.change_password(ALICE_PW, NEW_PW))
    assert (e.field, e.key) == ("code", "err.input.code_required")
    e = nothing_sent(srv016, acc.disable_totp(ALICE_PW, ""))
    assert (e.field, e.key) == ("code", "err.input.code_required")


def test_legacy_weak_password_is_refused_unless_the_user_overrides(srvlegacy):
    """0.11-0.15 take anything: the page's check is the only guard, so it
    refuses what 0.16 would, and the user's explicit override lets it through."""
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    e = nothing_sent(srvlegacy, acc.change_password(ALICE_PW, "abc"), WeakPassword)
    assert (e.field, e.key, e.reason, e.overridable) == \
        ("new_password", "err.weak.too_short", Weakness.TOO_SHORT, True)
    out = run(acc.change_password(ALICE_PW, "abc", accept_weak=True))  # "use it anyway"
    assert out.session == "replaced"


def test_two_factor_setup(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    setup = acc.start_two_factor_setup()
    assert not setup.replacing and setup.account_name == ALICE and setup.active
    assert setup.check(totp.code_at(setup.url)) and not setup.check("000000x")
    assert "otpauth://totp/" in setup.url and setup.key.replace(" ", "") in setup.url
    assert setup.qr_svg().startswith("<svg")
    assert setup.secret not in repr(setup) and setup.url not in repr(setup)
    wrong = str((int(totp.code_at(setup.url)) + 1) % 1000000).zfill(6)
    e = nothing_sent(srv016, acc.enable_totp(ALICE_PW, setup, new_code=wrong))
    assert (e.field, e.key) == ("new_code", "err.input.new_code_wrong")
    e = nothing_sent(srv016, acc.enable_totp(ALICE_PW, "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"))
    assert e.field == "otp_url"
    e = nothing_sent(srv016, acc.enable_totp("", setup))
    assert e.field == "current_password"


def test_replacing_needs_the_old_code(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    secret = run(acc.create_app_password("s", block_security_changes=False)).created.secret
    srv016.accounts[ALICE].otp_url = srv016.accounts[TOTP_USER].otp_url
    acc = sign_in(srv016, Basic(ALICE, secret))
    setup = acc.start_two_factor_setup()
    assert setup.replacing
    e = nothing_sent(srv016, acc.enable_totp(ALICE_PW, setup))
    assert (e.field, e.key) == ("code", "err.input.code_required")


def test_key_inputs(srv016, cert, pgp_key):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    e = nothing_sent(srv016, acc.upload_and_enable("", "", "Aes256"))
    assert e.field == "key"
    e = nothing_sent(srv016, acc.upload_and_enable(
        "", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", "Aes256"))
    assert (e.field, e.key) == ("key", "err.input.private_key")
    e = nothing_sent(srv016, acc.upload_and_enable("", "-----BEGIN CERTIFICATE-----\nnot base64!\n"
                                                       "-----END CERTIFICATE-----", "Aes256"))
    assert (e.field, e.key) == ("key", "err.input.key_refused") and e.params["detail"] in e.message
    assert e.params["detail"]
    e = nothing_sent(srv016, acc.upload_and_enable("", pgp_key, "Aes256Gcm"))
    assert (e.field, e.key) == ("algorithm", "err.input.algorithm")
    e = nothing_sent(srv016, acc.use_key("zzzz", "Aes256"))
    assert (e.field, e.key) == ("key", "err.input.key_unknown")
    out = run(acc.upload_and_enable("", pgp_key, "Aes128"))  # binary OpenPGP, armored here
    k = out.item
    # the addresses the key itself names (the UI shows a warning when they differ)
    assert k.kind == "pgp" and k.description.startswith("OpenPGP ")
    assert k.emails == ["crafted@example.org"]
    assert out.state.encryption.in_use == k and out.state.encryption.settings.algorithm == "Aes128"


def test_legacy_key_inputs(srvlegacy, cert):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    e = nothing_sent(srvlegacy, acc.upload_and_enable("", cert, "Aes256", encrypt_on_append=True))
    assert (e.field, e.key) == ("encrypt_on_append", "err.input.option_unsupported")
    e = nothing_sent(srvlegacy, acc.upload_and_enable("", cert, "Aes256Gcm"))
    assert e.field == "algorithm"
    e = nothing_sent(srvlegacy, acc.use_key("x", "Aes256"), Unsupported)
    assert e.key == "state.not_supported"
    out = run(acc.upload_and_enable("", cert, "Aes128", allow_spam_training=True))
    s = out.state.encryption.settings
    assert s.kind == "smime" and s.algorithm == "Aes128" and s.allow_spam_training


def test_expiry_is_the_end_of_that_day_utc():
    now = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert validate.expiry_date("2026-05-01", now) == "2026-05-01T23:59:59Z"
    assert validate.expiry_date("", now) is None and validate.expiry_date(None, now) is None
    with pytest.raises(InvalidInput):
        validate.expiry_date("2026-04-30", now)
    late = datetime(2026, 5, 1, 23, 59, 59, tzinfo=timezone.utc)
    with pytest.raises(InvalidInput):
        validate.expiry_date("2026-05-01", late)


def test_password_strength_follows_the_servers_policy(srv016, srvlegacy):
    acc = sign_in(srv016, Basic(L_ALICE, ALICE_PW))
    assert not acc.password_strength("short").ok and acc.password_strength(NEW_PW).ok
    assert acc.password_strength("alice-example-2024").score <= acc.password_strength(NEW_PW).score
    legacy = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    weak = legacy.password_strength("abc")
    assert weak.ok and weak.policy == "legacy" and weak.advice  # advice, not a refusal


def test_checks_without_a_request_are_the_actions_own(srv016, srvlegacy):
    """The page asks "this ends your sign-in, go on?" only for input the
    action would take: the same checks, and nothing is sent."""
    from app.errors import SignedOut
    for srv, login in ((srv016, ALICE), (srvlegacy, L_ALICE)):
        acc = sign_in(srv, Basic(login, ALICE_PW))
        # the page states a length rule only where the server enforces one
        assert acc.state.password.enforces_strength is (srv is srv016)
        before = len(srv.requests)
        with pytest.raises(InvalidInput) as e:
            acc.check_password_change(ALICE_PW, NEW_PW, confirm=NEW_PW + "x")
        assert e.value.field == "confirm_password"
        with pytest.raises(InvalidInput) as e:
            acc.check_password_change("", NEW_PW, confirm=NEW_PW)
        assert e.value.field == "current_password"
        acc.check_password_change(ALICE_PW, NEW_PW, confirm=NEW_PW)  # fine: no error
        setup = acc.start_two_factor_setup()
        with pytest.raises(InvalidInput) as e:
            acc.check_enable_totp(ALICE_PW, setup,
                                  new_code=next(c for c in ("000000", "111111", "222222")
                                                if not setup.check(c)))
        assert e.value.field == "new_code"
        acc.check_enable_totp(ALICE_PW, setup, new_code=totp.code_at(setup.url))
        assert len(srv.requests) == before
        acc.close()
        with pytest.raises(SignedOut):
            acc.check_password_change(ALICE_PW, NEW_PW, confirm=NEW_PW)
