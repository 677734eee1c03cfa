"""Issue 17, below the UI: what the account layer and the sign-in decide, so
that what the page says is true. Against the contract test server (both
generations): the password policy on 0.11-0.15 (the page's check is the only
guard there), a new password equal to the current one, ``password$123456``
typed in the password field, a wrong code at a 0.15 sign-in, the app password
a resent request would store twice on 0.11-0.15, and what a change ends and leaves
working (``change_ends`` / ``change_keeps``, ``Outcome.ends`` / ``keeps``)."""
from __future__ import annotations

import pyotp
import pytest

from app import auth, stalwart, totp
from app.auth import Basic, Bearer
from app.errors import AuthRequired, CodeIncorrect, SamePassword, WeakPassword
from app.http import urllib_fetch
from app.vocab import Weakness, WayIn
from client_fakes import run

from test_account_outcomes import lose_next_answer, resend_sign_in
from test_account_state import nothing_sent
from test_against_fake import (ALICE, ALICE_PW, L_ALICE, L_TOTP, NEW_PW, TOTP_PW, connect,
                               new_otp_url)


def legacy_options(srv):
    opts = run(auth.probe(srv.url, urllib_fetch))
    assert opts.legacy
    return opts


def posts_to(srv, path):
    return [r for r in srv.requests if r.method == "POST" and r.path == path]


# =========================================================================================
# 3. password$123456 in the password field (0.11-0.15)
# =========================================================================================
def test_legacy_code_typed_in_the_password_field_is_traded_like_the_code_fields(srvlegacy):
    """The server's own 402 says "use secret$totp_token". Sent as Basic on every
    request, that sign-in died when the code did (~90 s); taken as the code
    field's, it is traded once for a token and outlives the code."""
    opts = legacy_options(srvlegacy)
    code = pyotp.TOTP(srvlegacy.accounts[L_TOTP].otp_secret).now()
    creds = run(auth.password_sign_in(srvlegacy.url, L_TOTP, f"{TOTP_PW}${code}", "", opts,
                                      urllib_fetch))
    assert isinstance(creds, Bearer) and creds.kind == "oauth"
    acc = connect(srvlegacy, creds)
    assert acc.state.two_factor.enabled is True
    # The code stops being current (here: the key changes, so no old code works):
    # a sign-in that carried the code would now be refused; the token is not.
    _, url = new_otp_url(L_TOTP)
    srvlegacy.accounts[L_TOTP].otp_url = url
    assert run(acc.load()).two_factor.enabled is True


def test_legacy_password_that_merely_ends_like_a_code_still_signs_in(srvlegacy):
    """An account without two-factor whose password ends in "$" and digits:
    the password alone is refused, so the whole of what was typed is the password."""
    srvlegacy.accounts[L_ALICE].password = "lucky number$20240101"
    opts = legacy_options(srvlegacy)
    creds = run(auth.password_sign_in(srvlegacy.url, L_ALICE, "lucky number$20240101", "", opts,
                                      urllib_fetch))
    assert creds == Basic(L_ALICE, "lucky number$20240101")
    assert connect(srvlegacy, creds).username == L_ALICE


def test_016_password_ending_like_a_code_is_never_split(srv016):
    opts = run(auth.probe(srv016.url, urllib_fetch))
    creds = run(auth.password_sign_in(srv016.url, ALICE, "pw$123456", "", opts, urllib_fetch))
    assert creds == Basic(ALICE, "pw$123456") and not srv016.requests[1:]


def test_legacy_wrong_code_typed_in_the_password_field_says_so(srvlegacy):
    opts = legacy_options(srvlegacy)
    secret = srvlegacy.accounts[L_TOTP].otp_secret
    wrong = str((int(pyotp.TOTP(secret).now()) + 500000) % 1000000).zfill(6)
    with pytest.raises(CodeIncorrect) as e:
        run(auth.password_sign_in(srvlegacy.url, L_TOTP, f"{TOTP_PW}${wrong}", "", opts,
                                  urllib_fetch))
    assert e.value.in_password and e.value.field == "password"
    assert e.value.key == "err.signin.code_incorrect_in_password"


# =========================================================================================
# 4. a wrong code at a 0.11-0.15 sign-in
# =========================================================================================
def test_legacy_wrong_code_is_told_apart_from_a_wrong_password(srvlegacy):
    """0.15.5 answers a wrong code and a wrong password alike (401). The
    password alone first: 402 "TOTP code required" proves it, so a refusal
    of password+code is the code's."""
    opts = legacy_options(srvlegacy)
    secret = srvlegacy.accounts[L_TOTP].otp_secret
    wrong = str((int(pyotp.TOTP(secret).now()) + 500000) % 1000000).zfill(6)
    with pytest.raises(CodeIncorrect) as e:
        run(auth.password_sign_in(srvlegacy.url, L_TOTP, TOTP_PW, wrong, opts, urllib_fetch))
    assert (e.value.field, e.value.key, e.value.in_password) == \
        ("code", "err.signin.code_incorrect", False)
    assert "code" in e.value.message


def test_legacy_wrong_password_with_a_code_never_sends_the_code(srvlegacy):
    opts = legacy_options(srvlegacy)
    code = pyotp.TOTP(srvlegacy.accounts[L_TOTP].otp_secret).now()
    with pytest.raises(AuthRequired) as e:
        run(auth.password_sign_in(srvlegacy.url, L_TOTP, "not the password", code, opts,
                                  urllib_fetch))
    assert not isinstance(e.value, CodeIncorrect) and e.value.key == "err.auth_required"
    assert not posts_to(srvlegacy, "/api/oauth")


def test_legacy_code_for_an_account_without_two_factor_is_not_needed(srvlegacy):
    opts = legacy_options(srvlegacy)
    creds = run(auth.password_sign_in(srvlegacy.url, L_ALICE, ALICE_PW, "123456", opts,
                                      urllib_fetch))
    assert creds == Basic(L_ALICE, ALICE_PW)


# =========================================================================================
# 1. the password policy on 0.11-0.15: what 0.16 refuses, unless the user overrides
# =========================================================================================
@pytest.mark.parametrize("new, reason, key", [
    ("password", Weakness.COMMON, "err.weak.common"),         # a top-10 password
    ("monkey2024!", Weakness.COMMON, "err.weak.common"),      # close to a common one
    ("december1990", Weakness.GUESSABLE, "err.weak.guessable"),  # a date: score 1, no list
    ("Xq7#b", Weakness.TOO_SHORT, "err.weak.too_short"),
    ("x7" * 65, Weakness.TOO_LONG, "err.weak.too_long"),
])
def test_legacy_refuses_what_016_refuses_and_names_the_risk(srvlegacy, new, reason, key):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    assert not acc.state.password.enforces_strength  # the server itself takes anything
    e = nothing_sent(srvlegacy, acc.change_password(ALICE_PW, new, confirm=new), WeakPassword)
    assert (e.field, e.key, e.reason, e.overridable) == ("new_password", key, reason, True)
    assert e.strength.server_score < 3 or reason in (Weakness.TOO_SHORT, Weakness.TOO_LONG)
    with pytest.raises(WeakPassword):  # the check alone says so too, before any dialog
        acc.check_password_change(ALICE_PW, new, confirm=new)


def test_legacy_override_sets_the_weak_password(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    out = run(acc.change_password(ALICE_PW, "password", confirm="password", accept_weak=True))
    assert out.session == "replaced"
    assert connect(srvlegacy, Basic(L_ALICE, "password")).username == L_ALICE


def test_016_has_no_override(srv016):
    """0.16 refuses it whatever the page does: no "use it anyway", nothing sent."""
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    for accept in (False, True):
        e = nothing_sent(srv016, acc.change_password(ALICE_PW, "password", accept_weak=accept),
                         WeakPassword)
        assert (e.reason, e.overridable, e.key) == (Weakness.COMMON, False, "pw.too_weak")


def test_strong_password_passes_on_both(srvlegacy, srv016):
    for srv, login in ((srvlegacy, L_ALICE), (srv016, ALICE)):
        acc = connect(srv, Basic(login, ALICE_PW))
        assert acc.check_password_change(ALICE_PW, NEW_PW, confirm=NEW_PW)[1] == NEW_PW


# =========================================================================================
# 2. the new password is the current one
# =========================================================================================
@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_new_password_equal_to_the_current_one_is_refused(gen, srv016, srvlegacy):
    srv, login = (srv016, ALICE) if gen == "0.16" else (srvlegacy, L_ALICE)
    acc = connect(srv, Basic(login, ALICE_PW))
    e = nothing_sent(srv, acc.change_password(ALICE_PW, ALICE_PW, confirm=ALICE_PW), SamePassword)
    assert (e.field, e.key) == ("new_password", "err.input.password_same")
    # even with "use it anyway": it would change nothing but what a change ends
    nothing_sent(srv, acc.change_password(ALICE_PW, ALICE_PW, accept_weak=True), SamePassword)


# =========================================================================================
# 5. 0.11-0.15: the browser's resent copy of a create
# =========================================================================================
def test_legacy_resent_create_stores_one_app_password(srvlegacy):
    """The first copy was stored and its answer lost; the browser sent the same
    request again (the page's own name and secret hash, byte for byte). 0.11-0.15
    add a secret only when the account does not have it yet (AddItem in
    manage.rs), so the copy adds nothing: one app password, its secret shown,
    nothing to revoke, and nothing more to say."""
    acc = resend_sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    lose_next_answer(srvlegacy, path_prefix="/api/account/auth")
    out = run(acc.create_app_password("Phone"))
    assert len(posts_to(srvlegacy, "/api/account/auth")) == 2  # the copy did reach the server
    assert len(srvlegacy.accounts[L_ALICE].app_passwords) == 1
    assert [i.id for i in out.state.app_passwords.items] == [out.created.id]
    assert out.notice is None and out.unseen == ()
    assert connect(srvlegacy, Basic(L_ALICE, out.created.secret)).username == L_ALICE


# =========================================================================================
# 6. what a change ends and what keeps working, as facts of the state and the outcome
# =========================================================================================
def test_016_password_change_says_what_ended_and_what_still_works(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    pw, tf = acc.state.password, acc.state.two_factor
    assert pw.change_ends == (WayIn.OAUTH_SESSIONS,)
    assert pw.change_keeps == (WayIn.APP_PASSWORDS, WayIn.API_KEYS)
    assert tf.change_keeps == (WayIn.OAUTH_SESSIONS, WayIn.APP_PASSWORDS, WayIn.API_KEYS)
    app = run(acc.create_app_password("Phone", block_security_changes=False)).created
    key = run(acc.create_api_key("CI")).created
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    assert out.ends == (WayIn.OAUTH_SESSIONS,)
    assert out.keeps == (WayIn.APP_PASSWORDS, WayIn.API_KEYS) and out.session_until is None
    # and the server agrees: both still sign in
    assert connect(srv016, Basic(ALICE, app.secret)).username == ALICE
    assert connect(srv016, auth.api_key(key.secret)).username == ALICE


def test_legacy_015_password_change_says_what_it_removed(srvlegacy):
    code = totp.code_at(srvlegacy.accounts[L_TOTP].otp_url)
    acc = connect(srvlegacy, Basic(L_TOTP, TOTP_PW, code))
    pw = acc.state.password
    assert pw.change_ends == (WayIn.APP_PASSWORDS, WayIn.TWO_FACTOR, WayIn.OAUTH_RENEWAL)
    assert pw.change_keeps == (WayIn.OAUTH_ACCESS,)
    assert acc.state.two_factor.change_keeps == (WayIn.OAUTH_SESSIONS, WayIn.APP_PASSWORDS)
    run(acc.create_app_password("Phone"))
    out = run(acc.change_password(TOTP_PW, NEW_PW, code))
    assert out.ends == (WayIn.APP_PASSWORDS, WayIn.TWO_FACTOR, WayIn.OAUTH_RENEWAL)
    assert out.keeps == (WayIn.OAUTH_ACCESS,)


def test_legacy_015_password_change_claims_no_removal_of_what_was_not_there(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))  # no app password, no 2FA
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    assert out.ends == (WayIn.OAUTH_RENEWAL,) and out.keeps == (WayIn.OAUTH_ACCESS,)


def test_legacy_013_password_change_says_what_it_spared():
    from tests.fakestalwart import FakeStalwart
    with FakeStalwart(generation="legacy", legacy_version="0.13") as s:
        code = totp.code_at(s.accounts[L_TOTP].otp_url)
        creds = run(auth.password_sign_in(s.url, L_TOTP, TOTP_PW, code, legacy_options(s),
                                          urllib_fetch))  # as the page signs a 2FA user in
        acc = connect(s, creds)
        run(acc.create_app_password("Phone"))
        out = run(acc.change_password(TOTP_PW, NEW_PW, code))
        assert out.wiped == () and out.ends == (WayIn.OAUTH_RENEWAL,)
        assert out.keeps == (WayIn.OAUTH_ACCESS, WayIn.APP_PASSWORDS, WayIn.TWO_FACTOR)


def test_legacy_oauth_sign_in_lasts_until_its_token_expires_after_a_password_change(srvlegacy):
    """0.15.5 keeps the access token (1 h) and refuses its refresh: this sign-in
    goes on until then, and the outcome says until when."""
    opts = legacy_options(srvlegacy)
    code = pyotp.TOTP(srvlegacy.accounts[L_TOTP].otp_secret).now()
    creds = run(auth.password_sign_in(srvlegacy.url, L_TOTP, TOTP_PW, code, opts, urllib_fetch))
    acc = connect(srvlegacy, creds)
    assert acc.state.sign_in.method == "oauth"
    out = run(acc.change_password(TOTP_PW, NEW_PW, code))
    assert out.session == "continues" and WayIn.OAUTH_RENEWAL in out.ends
    assert out.session_until == creds.expires_at and out.session_until is not None


def test_two_factor_changes_say_what_ended(srv016):
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    app = run(acc.create_app_password("session", block_security_changes=False)).created
    acc = connect(srv016, Basic(ALICE, app.secret))
    setup = acc.start_two_factor_setup()
    old = setup.url
    on = run(acc.enable_totp(ALICE_PW, setup, new_code=totp.code_at(old)))
    assert on.ends == (WayIn.PASSWORD,)  # the password alone no longer signs in (mail apps)
    assert on.keeps == (WayIn.OAUTH_SESSIONS, WayIn.APP_PASSWORDS, WayIn.API_KEYS)
    setup = acc.start_two_factor_setup()
    new = setup.url
    moved = run(acc.enable_totp(ALICE_PW, setup, totp.code_at(old)))
    assert moved.ends == (WayIn.OLD_AUTHENTICATOR,)
    off = run(acc.disable_totp(ALICE_PW, totp.code_at(new)))
    assert off.ends == () and off.keeps == on.keeps


def test_revoke_says_what_ended(srvlegacy):
    acc = connect(srvlegacy, Basic(L_ALICE, ALICE_PW))
    made = run(acc.create_app_password("Phone")).created
    out = run(acc.revoke_app_password(made.id))
    assert out.ends == (WayIn.CREDENTIAL,) and out.keeps == ()


# =========================================================================================
# 7. a stored key's default name is the ID its tools show
# =========================================================================================
def test_openpgp_key_is_named_by_the_key_id_gpg_shows(srv016, tmp_path):
    import subprocess

    from tests.unit.keys.keys_corpus import crafted
    key = crafted(4, "ed25519", "cv25519")
    shown = subprocess.run(["gpg", "--homedir", str(tmp_path), "--batch", "--with-colons",
                            "--show-keys"], input=key, capture_output=True, check=True).stdout
    keyid = next(ln.split(b":")[4] for ln in shown.splitlines() if ln.startswith(b"pub:")).decode()
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    out = run(acc.upload_and_enable("", key, "Aes256"))
    assert out.item.description == f"OpenPGP {keyid}"


def test_v6_key_and_smime_certificate_default_names(srv016, tmp_path):
    """A v6 key's ID is its fingerprint's FIRST 16 hex digits (RFC 9580
    §5.5.4.3; no installed tool reads v6 keys to check it against, and the
    contract server refuses them); a certificate is named by its address."""
    from app.keys import check_key
    from app.stalwart.account import _key_label
    from app.vocab import KeyKind
    from test_against_fake import openssl_cert
    from tests.unit.keys.keys_corpus import crafted
    rep = check_key(crafted(6, "ed25519", "cv25519"))
    fp = rep.fingerprints[0]
    assert len(fp) == 64 and _key_label(rep, KeyKind.OPENPGP) == f"OpenPGP {fp[:16]}"
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    cert = openssl_cert(tmp_path)
    assert run(acc.upload_and_enable("", cert, "Aes256")).item.description == f"S/MIME {ALICE}"


def test_encryption_at_rest_is_never_the_recommended_next_step(srv016):
    """Optional, and mail is lost with the private key: offered, not pushed."""
    acc = connect(srv016, Basic(ALICE, ALICE_PW))
    app = run(acc.create_app_password("session", block_security_changes=False)).created
    acc = connect(srv016, Basic(ALICE, app.secret))  # goes on after 2FA is on
    setup = acc.start_two_factor_setup()
    st = run(acc.enable_totp(ALICE_PW, setup, new_code=totp.code_at(setup.url))).state
    assert st.two_factor.enabled and st.app_passwords.count == 1
    assert st.encryption.enabled is False and st.encryption.can("upload_and_enable")
    assert st.next_step is None
