"""Issue 17, below the UI: what the account layer and the sign-in decide, so
that what the page says is true. Against the contract test server (both
generations): the password policy on 0.11-0.15 (the page's check is the only
guard there), a new password equal to the current one, ``password$123456``
typed in the password field, a wrong code at a 0.15 sign-in, and the app
password a resent request would store twice on 0.11-0.15."""
from __future__ import annotations

import pyotp
import pytest

from app import auth
from app.auth import Basic, Bearer
from app.errors import AuthRequired, CodeIncorrect, SamePassword, WeakPassword
from app.http import urllib_fetch
from app.vocab import Weakness
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
