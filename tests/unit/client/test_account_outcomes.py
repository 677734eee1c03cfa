"""Honest outcomes of the account layer against the contract test server:
answers lost after the server applied the change (dropped, cut, late),
answers lost before it did, checks that fail too, time-outs, the half-done
upload-and-enable, the legacy password-change wipe, and how each change
leaves the current sign-in."""
from __future__ import annotations

import time

import pytest

from app import stalwart, totp
from app.auth import Basic
from app.errors import (AnswerLost, AuthRequired, CannotReach, CodeRequired, MethodError,
                        OutcomeUnknown, SetError, SignedOut, TimedOut, WrongCurrentSecret)
from app.http import NetworkError, urllib_fetch
from app.stalwart import BY_ANSWER, BY_CHECK, CONTINUES, ENDED, REPLACED
from client_fakes import run

from tests.fakestalwart import FakeStalwart
from test_against_fake import L_ALICE, L_TOTP, ALICE, ALICE_PW, NEW_PW, TOTP_PW, TOTP_USER, oauth_sign_in, openssl_cert


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return openssl_cert(tmp_path_factory.mktemp("cert"))


# Short enough for a test, long enough that a loaded machine still answers
# ordinary requests in time; a stall is much longer than that.
SHORT = 2.0
STALL = 8.0


def sign_in(srv, creds, timeout=30.0):
    return run(stalwart.sign_in(srv.url, creds, urllib_fetch, timeout=timeout))


def app_password_session(srv, login=ALICE, password=ALICE_PW, **kw):
    """Signed in with a new app password (made through a first sign-in:
    OAuth with a code for a 0.16 2FA account, whose password alone gets 402)."""
    if not srv.legacy and srv.accounts[login].otp_url:
        first = oauth_sign_in(srv, login, password, srv.accounts[login].otp_secret)
    else:
        first = Basic(login, password)
    acc = sign_in(srv, first)
    secret = run(acc.create_app_password("session", block_security_changes=False)).created.secret
    acc.close()
    return sign_in(srv, Basic(login, secret), **kw)


def app_passwords(srv, login=ALICE):
    a = srv.accounts[login].app_passwords
    return list(a.values()) if isinstance(a, dict) else list(a)


def lose_next_answer(srv, after_apply=True, **kw):
    """The next JMAP/API request: the server handles it (after_apply) or not,
    then the connection breaks before the answer."""
    srv.faults.set(path_prefix=kw.pop("path_prefix", "/jmap"), drop=True, times=1,
                   apply_first=after_apply, **kw)


def resending(fetch):
    """What Chromium does (seen with the page on the contract server): a request
    whose kept-alive connection broke before any answer is sent once more, POST
    too, without telling the page. The second copy meets the changed account."""
    async def again(method, url, headers=None, body=None, **kw):
        try:
            return await fetch(method, url, headers, body, **kw)
        except NetworkError:
            return await fetch(method, url, headers, body, **kw)
    return again


def resend_sign_in(srv, creds):
    return run(stalwart.sign_in(srv.url, creds, resending(urllib_fetch), timeout=30.0))


# =========================================================================================
# app passwords: the secret is lost, the app password is not
# =========================================================================================
def test_016_app_password_made_but_answer_dropped(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016)
    out = run(acc.create_app_password("Phone"))
    assert out.confirmed == BY_CHECK and out.created is None
    assert out.notice == "outcome.secret_lost" and out.params == {"name": "Phone"}
    assert out.item.description == "Phone" and out.state.app_passwords.count == 1
    assert out.unseen == (out.item.id,)
    assert len(app_passwords(srv016)) == 1  # one, not two
    assert acc.state is out.state


def test_016_app_password_made_but_answer_cut(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    srv016.faults.set(path_prefix="/jmap", malformed_json=True, times=1)
    out = run(acc.create_app_password("Phone"))
    assert out.confirmed == BY_CHECK and out.notice == "outcome.secret_lost"
    assert len(app_passwords(srv016)) == 1


def test_016_app_password_not_made_answer_lost_is_safe_to_retry(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016, after_apply=False)
    with pytest.raises(AnswerLost) as e:
        run(acc.create_app_password("Phone"))
    assert e.value.retryable and e.value.key == "err.answer_lost"
    assert isinstance(e.value.cause, CannotReach)
    assert e.value.state.app_passwords.count == 0 and acc.state.app_passwords.count == 0
    out = run(acc.create_app_password("Phone"))  # the retry works and makes exactly one
    assert out.created.secret and len(app_passwords(srv016)) == 1


def test_016_check_fails_too_outcome_unknown(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    srv016.faults.set(path_prefix="/jmap", drop=True, times=2, apply_first=True)
    with pytest.raises(OutcomeUnknown) as e:
        run(acc.create_app_password("Phone"))
    assert e.value.key == "err.outcome_unknown.credential" and not e.value.retryable
    assert isinstance(e.value.cause, CannotReach) and isinstance(e.value.check_error, CannotReach)
    assert "revoke" in e.value.message


@pytest.mark.parametrize("kind", ["app_password", "api_key"])
def test_016_made_twice_because_the_browser_sent_it_again(srv016, kind):
    """The first copy was made and its answer lost; the resent copy made a second
    one, whose secret comes back. The user learns both exist and which to revoke."""
    acc = resend_sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016)
    make = acc.create_app_password if kind == "app_password" else acc.create_api_key
    out = run(make("Phone"))
    feature = out.state.app_passwords if kind == "app_password" else out.state.api_keys
    phones = [i for i in feature.items if i.description == "Phone"]
    assert len(phones) == 2 and out.created is not None and out.item.id == out.created.id
    assert out.notice == "outcome.made_twice" and out.params == {"name": "Phone"}
    assert out.unseen == tuple(i.id for i in phones if i.id != out.created.id)  # the one to revoke


def test_016_made_once_says_nothing_more(srv016):
    acc = resend_sign_in(srv016, Basic(ALICE, ALICE_PW))
    run(acc.create_app_password("Phone"))
    out = run(acc.create_app_password("Phone"))  # a second on purpose: not a twin
    assert out.notice is None and out.created is not None and out.unseen == ()


def test_legacy_app_password_answer_lost_keeps_the_secret(srvlegacy):
    """0.11-0.15: the page makes the secret, so a lost answer loses nothing."""
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    lose_next_answer(srvlegacy, path_prefix="/api/account/auth")
    out = run(acc.create_app_password("Phone"))
    assert out.confirmed == BY_CHECK and out.created.secret and out.notice == "outcome.checked"
    # and the secret works
    acc2 = sign_in(srvlegacy, Basic(L_ALICE, out.created.secret))
    assert acc2.state.app_passwords.count == 1


def test_016_revoke_answer_lost(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    made = run(acc.create_app_password("Phone")).created
    lose_next_answer(srv016)
    out = run(acc.revoke_app_password(made.id))
    assert out.confirmed == BY_CHECK and out.state.app_passwords.count == 0
    # revoking what is already gone is done, not an error
    out = run(acc.revoke_app_password(made.id))
    assert out.confirmed == BY_ANSWER and out.state.app_passwords.count == 0


# =========================================================================================
# password: checked by signing in with the new one
# =========================================================================================
def test_016_password_changed_but_answer_lost(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016)
    out = run(acc.change_password(ALICE_PW, NEW_PW, confirm=NEW_PW))
    assert out.confirmed == BY_CHECK and out.notice == "outcome.password_checked"
    assert out.session == REPLACED and acc.credentials == Basic(ALICE, NEW_PW)
    assert out.state is not None and srv016.accounts[ALICE].password == NEW_PW


def test_016_totp_user_password_changed_answer_lost_402_proves_it(srv016):
    acc = app_password_session(srv016, TOTP_USER, TOTP_PW)
    lose_next_answer(srv016)
    code = totp.code_at(srv016.accounts[TOTP_USER].otp_url)
    out = run(acc.change_password(TOTP_PW, NEW_PW, code))
    assert out.confirmed == BY_CHECK and out.session == CONTINUES
    assert srv016.accounts[TOTP_USER].password == NEW_PW
    probe = [r for r in srv016.requests if r.path == "/jmap/session"][-1]
    assert probe.headers["authorization"] == "Basic ***"


def test_016_password_not_changed_answer_lost(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016, after_apply=False)
    with pytest.raises(AnswerLost) as e:
        run(acc.change_password(ALICE_PW, NEW_PW))
    assert srv016.accounts[ALICE].password == ALICE_PW
    assert acc.credentials == Basic(ALICE, ALICE_PW) and e.value.state is not None


def test_016_password_outcome_unknown_names_how_to_check(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016)
    srv016.faults.set(path_prefix="/jmap/session", drop=True, times=1)
    with pytest.raises(OutcomeUnknown) as e:
        run(acc.change_password(ALICE_PW, NEW_PW))
    assert e.value.key == "err.outcome_unknown.password"
    assert "new password" in e.value.message


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
@pytest.mark.parametrize("how", ["password", "app_password"])
def test_password_changed_then_the_browser_sent_it_again(gen, how):
    """The resent change is refused (old current password: 401 on 0.11-0.15 and
    for a 0.16 password sign-in, "wrong current password" otherwise); the page
    checks the new password before it says the change failed."""
    srv = FakeStalwart(generation=gen, cors=True, legacy_version="0.15").start()
    try:
        login = L_ALICE if srv.legacy else ALICE
        creds = Basic(login, ALICE_PW)
        if how == "app_password":
            first = sign_in(srv, creds)
            creds = Basic(login, run(first.create_app_password("session", block_security_changes=False)).created.secret)
            first.close()
        acc = resend_sign_in(srv, creds)
        lose_next_answer(srv, path_prefix="/api/account/auth" if srv.legacy else "/jmap")
        out = run(acc.change_password(ALICE_PW, NEW_PW, confirm=NEW_PW))
        sign_in(srv, Basic(login, NEW_PW)).close()  # the account's password is the new one
        assert out.confirmed == BY_CHECK
        assert out.notice in ("outcome.password_checked", "outcome.wiped", "outcome.signin_again_new_password")
        changes = [r for r in srv.requests if r.method == "POST" and
                   r.path.startswith("/api/account/auth" if srv.legacy else "/jmap")]
        assert len(changes) >= 2  # the change and its resent copy both reached the server
    finally:
        srv.stop()


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_wrong_current_password_is_still_refused_after_the_check(gen):
    srv = FakeStalwart(generation=gen, cors=True, legacy_version="0.15").start()
    try:
        login = L_ALICE if srv.legacy else ALICE
        first = sign_in(srv, Basic(login, ALICE_PW))
        secret = run(first.create_app_password("session", block_security_changes=False)).created.secret
        first.close()
        acc = sign_in(srv, Basic(login, secret))
        with pytest.raises(WrongCurrentSecret) as e:
            run(acc.change_password("not-the-password-1", NEW_PW, confirm=NEW_PW))
        assert e.value.key == "err.password.current_incorrect"
        sign_in(srv, Basic(login, ALICE_PW)).close()  # unchanged
    finally:
        srv.stop()


def test_legacy_password_changed_answer_lost(srvlegacy):
    acc = sign_in(srvlegacy, Basic(L_ALICE, ALICE_PW))
    lose_next_answer(srvlegacy, path_prefix="/api/account/auth")
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    assert out.confirmed == BY_CHECK and out.session == REPLACED
    assert out.state.password.can("change")


# =========================================================================================
# time-outs
# =========================================================================================
def test_load_times_out_with_a_retryable_error(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW), timeout=SHORT)
    srv016.faults.set(path_prefix="/jmap", delay=STALL, times=1)
    t0 = time.monotonic()
    with pytest.raises(TimedOut) as e:
        run(acc.load())
    assert time.monotonic() - t0 < STALL - 2  # gave up long before the server answered
    assert e.value.retryable and e.value.params["seconds"] == "2"
    assert run(acc.load()).app_passwords.count == 0  # and it works again


def test_sign_in_times_out(srv016):
    srv016.faults.set(path_prefix="/.well-known/jmap", delay=STALL, times=1)
    with pytest.raises(TimedOut):
        sign_in(srv016, Basic(ALICE, ALICE_PW), timeout=SHORT)


def test_016_change_applied_then_stalled(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW), timeout=SHORT)
    srv016.faults.set(path_prefix="/jmap", delay=STALL, times=1, apply_first=True)
    out = run(acc.create_api_key("CI"))
    assert out.confirmed == BY_CHECK and out.notice == "outcome.secret_lost"
    assert out.state.api_keys.count == 1


def test_016_stalled_before_applying(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW), timeout=SHORT)
    srv016.faults.set(path_prefix="/jmap", delay=STALL, times=1)
    with pytest.raises(AnswerLost) as e:
        run(acc.create_api_key("CI"))
    assert e.value.key == "err.answer_lost_timeout"
    assert "so far" in e.value.message and e.value.params["seconds"] == "2"


# =========================================================================================
# two-factor
# =========================================================================================
def test_016_two_factor_on_answer_lost(srv016):
    acc = app_password_session(srv016)
    setup = acc.start_two_factor_setup()
    lose_next_answer(srv016)
    out = run(acc.enable_totp(ALICE_PW, setup, new_code=totp.code_at(setup.url)))
    assert out.confirmed == BY_CHECK and out.state.two_factor.enabled is True
    assert not setup.active  # the key left the page's memory once saved


def test_016_new_app_answer_lost_checked_with_the_new_key(srv016):
    acc = app_password_session(srv016, TOTP_USER, TOTP_PW)
    old = srv016.accounts[TOTP_USER].otp_url
    setup = acc.start_two_factor_setup()
    lose_next_answer(srv016)
    out = run(acc.enable_totp(TOTP_PW, setup.url, totp.code_at(old)))
    assert out.confirmed == BY_CHECK and srv016.accounts[TOTP_USER].otp_url == setup.url


def test_016_new_app_not_saved_answer_lost(srv016):
    acc = app_password_session(srv016, TOTP_USER, TOTP_PW)
    old = srv016.accounts[TOTP_USER].otp_url
    setup = acc.start_two_factor_setup()
    lose_next_answer(srv016, after_apply=False)
    with pytest.raises(AnswerLost):
        run(acc.enable_totp(TOTP_PW, setup.url, totp.code_at(old)))
    assert srv016.accounts[TOTP_USER].otp_url == old


def test_legacy_new_app_answer_lost(srvlegacy):
    acc = app_password_session(srvlegacy, L_TOTP, TOTP_PW + "$" + totp.code_at(
        srvlegacy.accounts[TOTP_USER].otp_url))
    old = srvlegacy.accounts[TOTP_USER].otp_url
    setup = acc.start_two_factor_setup()
    lose_next_answer(srvlegacy, path_prefix="/api/account/auth")
    out = run(acc.enable_totp(TOTP_PW, setup.url, totp.code_at(old)))
    assert out.confirmed == BY_CHECK and srvlegacy.accounts[TOTP_USER].otp_url == setup.url


def test_016_two_factor_off_answer_lost(srv016):
    acc = app_password_session(srv016, TOTP_USER, TOTP_PW)
    lose_next_answer(srv016)
    out = run(acc.disable_totp(TOTP_PW, totp.code_at(srv016.accounts[TOTP_USER].otp_url)))
    assert out.confirmed == BY_CHECK and out.state.two_factor.enabled is False


# =========================================================================================
# upload-and-enable: half done, retry without a second copy
# =========================================================================================
def test_016_half_done_upload_then_finish(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    perms = srv016.accounts[ALICE].permissions
    perms.discard("sysAccountSettingsUpdate")  # the administrator took it away after sign-in
    out = run(acc.upload_and_enable("", cert, "Aes256"))
    hd = out.half_done
    assert hd is not None and out.notice == "outcome.half_done"
    assert isinstance(hd.reason, MethodError) and hd.reason.permission == "sysAccountSettingsUpdate"
    assert out.state.encryption.enabled is False
    assert [k.id for k in out.state.encryption.keys] == [hd.key_id] == [out.item.id]
    assert hd.reason.message in out.params["reason"]
    perms.add("sysAccountSettingsUpdate")
    # a retry of the whole thing reuses the stored key: still one key
    out = run(acc.upload_and_enable("", cert, "Aes256"))
    assert out.notice == "outcome.key_reused" and out.state.encryption.enabled
    assert len(srv016.accounts[ALICE].public_keys) == 1


def test_016_half_done_upload_then_remove(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    srv016.accounts[ALICE].permissions.discard("sysAccountSettingsUpdate")
    hd = run(acc.upload_and_enable("", cert, "Aes256")).half_done
    out = run(acc.finish_or_remove_uploaded_key(hd.key_id, finish=False))
    assert out.state.encryption.keys == [] and srv016.accounts[ALICE].public_keys == {}


def test_016_upload_and_enable_answer_lost(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    lose_next_answer(srv016)
    out = run(acc.upload_and_enable("", cert, "Aes256"))
    assert out.confirmed == BY_CHECK and out.half_done is None and out.state.encryption.enabled
    lose_next_answer(srv016, after_apply=False)
    with pytest.raises(AnswerLost):
        run(acc.disable_encryption())
    assert srv016.accounts[ALICE].encryption["@type"] != "Disabled"


def test_016_half_done_and_answer_lost(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    srv016.accounts[ALICE].permissions.discard("sysAccountSettingsUpdate")
    lose_next_answer(srv016)
    out = run(acc.upload_and_enable("", cert, "Aes256"))
    assert out.confirmed == BY_CHECK and out.half_done is not None
    assert isinstance(out.half_done.reason, CannotReach)


def test_016_key_refused_by_server_is_not_half_done(srv016, cert):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    srv016.quota_public_keys = 0
    with pytest.raises(SetError) as e:
        run(acc.upload_and_enable("", cert, "Aes256"))
    assert e.value.error_type == "overQuota" and e.value.state.encryption.keys == []


# =========================================================================================
# legacy: a password change wipes app passwords and 2FA (0.14-0.15)
# =========================================================================================
def test_legacy_wipe_ends_an_app_password_session_as_a_success(srvlegacy):
    acc = app_password_session(srvlegacy, L_ALICE)
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    assert out.session == ENDED and out.state is None
    assert out.notice == "outcome.signin_again_new_password"
    assert out.wiped == ("app_passwords",)
    assert sign_in(srvlegacy, Basic(L_ALICE, NEW_PW)).state.app_passwords.count == 0


def test_legacy_wipe_with_a_password_session(srvlegacy):
    code = totp.code_at(srvlegacy.accounts[TOTP_USER].otp_url)
    acc = sign_in(srvlegacy, Basic(L_TOTP, TOTP_PW, code))
    run(acc.create_app_password("Phone"))
    assert acc.state.password.wipes == ("app_passwords", "two_factor")
    out = run(acc.change_password(TOTP_PW, NEW_PW, code))
    assert out.session == REPLACED and out.credentials == Basic(L_TOTP, NEW_PW)
    assert out.wiped == ("app_passwords", "two_factor") and out.notice == "outcome.wiped"
    assert out.state.two_factor.enabled is False and out.state.app_passwords.count == 0


def test_legacy_013_keeps_app_passwords(tmp_path):
    with FakeStalwart(generation="legacy", legacy_version="0.13") as s:
        acc = app_password_session(s, L_ALICE)
        out = run(acc.change_password(ALICE_PW, NEW_PW))
        assert out.session == CONTINUES and out.wiped == () and out.state.app_passwords.count == 1


# =========================================================================================
# sessions: what each change does to the current sign-in
# =========================================================================================
def test_016_oauth_password_change_ends_the_session_with_the_state(srv016):
    acc = run(stalwart.sign_in(srv016.url, oauth_sign_in(srv016, ALICE, ALICE_PW), urllib_fetch))
    assert acc.state.sign_in.method == "oauth" and acc.state.password.session_after_change == ENDED
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    assert out.session == ENDED and out.state is not None and out.credentials is None
    assert out.notice == "outcome.signin_again_new_password"
    with pytest.raises(AuthRequired):
        run(acc.load())


def test_016_password_sign_in_two_factor_on_ends_the_session(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    assert acc.state.two_factor.session_after_turn_on == ENDED
    setup = acc.start_two_factor_setup()
    out = run(acc.enable_totp(ALICE_PW, setup))
    assert out.session == ENDED and out.state.two_factor.enabled is True


def test_016_own_credential_is_marked_and_revoking_it_ends_the_session(srv016):
    acc = app_password_session(srv016)
    own = acc.state.sign_in.credential_id
    assert acc.state.sign_in.method == "app_password"
    assert own is not None and acc.state.app_passwords.find(own).description == "session"
    assert acc.state.password.session_after_change == CONTINUES
    out = run(acc.revoke_app_password(own))
    assert out.session == ENDED


def test_016_api_key_sign_in_is_marked(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    key = run(acc.create_api_key("CI")).created
    from app.auth import api_key
    acc2 = sign_in(srv016, api_key(key.secret))
    assert acc2.state.sign_in.method == "api_key" and acc2.state.sign_in.credential_id == key.id


def test_016_refusals_carry_the_fresh_state_and_a_field(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    with pytest.raises(WrongCurrentSecret) as e:
        run(acc.change_password("not my password", NEW_PW))
    assert e.value.field == "current_password" and e.value.state is acc.state
    # 2FA turned on elsewhere since the page read the state: the server asks for the code
    acc2 = app_password_session(srv016)
    assert acc2.state.password.code_required is False
    srv016.accounts[ALICE].otp_url = srv016.accounts[TOTP_USER].otp_url
    with pytest.raises(CodeRequired) as e:
        run(acc2.change_password(ALICE_PW, NEW_PW))
    assert e.value.field == "code" and e.value.state.two_factor.enabled is True
    assert acc2.state.password.code_required is True  # the next try asks for it first


def test_close_forgets_everything(srv016):
    acc = sign_in(srv016, Basic(ALICE, ALICE_PW))
    setup = acc.start_two_factor_setup()
    acc.close()
    assert acc.closed and acc.state is None and acc.credentials is None
    assert not setup.active and setup.secret == "" and setup.url == ""
    with pytest.raises(SignedOut):
        run(acc.load())
    with pytest.raises(SignedOut):
        run(acc.create_app_password("x"))


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_two_factor_on_answer_lost_with_a_password_sign_in(gen):
    """The check itself meets the new 2FA (402 for the password alone): that
    proves the change, and the session has ended."""
    with FakeStalwart(generation=gen) as s:
        acc = sign_in(s, Basic(ALICE if gen == "0.16" else L_ALICE, ALICE_PW))
        setup = acc.start_two_factor_setup()
        lose_next_answer(s, path_prefix="/jmap" if gen == "0.16" else "/api/account/auth")
        out = run(acc.enable_totp(ALICE_PW, setup))
        assert out.confirmed == BY_CHECK and out.session == ENDED
        assert s.accounts[ALICE].otp_url is not None


def test_legacy_oauth_session_password_change_reports_what_happened(srvlegacy):
    """A legacy OAuth token (password$code traded once): real 0.15.5 keeps it
    valid after a password change; whatever the server does, the outcome is a
    success and its session says whether the token still works."""
    from app import auth
    tok = run(auth.legacy_token(srvlegacy.url, Basic(L_ALICE, ALICE_PW), urllib_fetch))
    acc = sign_in(srvlegacy, tok)
    assert acc.state.sign_in.method == "oauth"
    out = run(acc.change_password(ALICE_PW, NEW_PW))
    assert out.credentials is None and srvlegacy.accounts[ALICE].password != ALICE_PW
    try:
        run(acc.load())
        still_valid = True
    except AuthRequired:
        still_valid = False
    if still_valid:
        assert out.session == CONTINUES and out.state is not None
    else:
        assert out.session == ENDED and out.notice == "outcome.signin_again_new_password"


def test_legacy_two_factor_off_answer_lost_with_a_password_session(srvlegacy):
    """The session's password$code stops working once 2FA is off: the check
    asks with the password alone."""
    url = srvlegacy.accounts[TOTP_USER].otp_url
    acc = sign_in(srvlegacy, Basic(L_TOTP, TOTP_PW, totp.code_at(url)))
    lose_next_answer(srvlegacy, path_prefix="/api/account/auth")
    out = run(acc.disable_totp(TOTP_PW, totp.code_at(url)))
    assert out.confirmed == BY_CHECK and out.session == REPLACED
    assert out.credentials == Basic(L_TOTP, TOTP_PW) and out.state.two_factor.enabled is False


def test_legacy_two_factor_off_not_applied_answer_lost(srvlegacy):
    url = srvlegacy.accounts[TOTP_USER].otp_url
    acc = sign_in(srvlegacy, Basic(L_TOTP, TOTP_PW, totp.code_at(url)))
    before = acc.credentials
    lose_next_answer(srvlegacy, after_apply=False, path_prefix="/api/account/auth")
    with pytest.raises(AnswerLost):
        run(acc.disable_totp(TOTP_PW, totp.code_at(url)))
    assert srvlegacy.accounts[TOTP_USER].otp_url == url
    assert acc.credentials is before  # the session goes on as it was


# =========================================================================================
# two-factor: the browser's own second copy (issue 17: "turned on, reported as failed")
# =========================================================================================
def _resent_session(srv, how, login, password, code_url=None):
    """Signed in through the resending fetch, with a password or an app password."""
    creds = Basic(login, password, totp.code_at(code_url) if code_url and srv.legacy else None)
    if how == "app_password":
        first = sign_in(srv, creds) if not (code_url and not srv.legacy) else \
            sign_in(srv, oauth_sign_in(srv, login, password, srv.accounts[login].otp_secret))
        creds = Basic(login, run(first.create_app_password("session", block_security_changes=False)).created.secret)
        first.close()
    return resend_sign_in(srv, creds)


def _lose_after_apply(srv):
    lose_next_answer(srv, path_prefix="/api/account/auth" if srv.legacy else "/jmap")


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
@pytest.mark.parametrize("how", ["password", "app_password"])
def test_two_factor_on_applied_then_the_browser_sent_it_again(gen, how):
    """The first copy turned 2FA on and its connection closed; the resent copy
    meets an account that now wants a code (402, or "OTP code is required").
    The page re-reads before it says anything: 2FA is on, confirmed by the check."""
    with FakeStalwart(generation=gen, cors=True, legacy_version="0.15") as srv:
        login = L_ALICE if srv.legacy else ALICE
        acc = _resent_session(srv, how, login, ALICE_PW)
        setup = acc.start_two_factor_setup()
        url = setup.url
        promised = acc.state.two_factor.session_after_turn_on  # what the page warned about
        _lose_after_apply(srv)
        out = run(acc.enable_totp(ALICE_PW, setup, new_code=totp.code_at(url)))
        assert out.confirmed == BY_CHECK and out.notice == "outcome.checked"
        assert srv.accounts[ALICE].otp_url == url  # the key the user holds is the one stored
        assert out.session == promised  # ENDED for anything 0.11-0.15 counts as a password
        if out.session != ENDED:
            assert out.state.two_factor.enabled is True
        posts = [r for r in srv.requests if r.method == "POST" and
                 r.path.startswith("/api/account/auth" if srv.legacy else "/jmap")]
        assert len(posts) >= 2  # the change and its resent copy both reached the server


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_two_factor_new_app_applied_then_the_browser_sent_it_again(gen):
    """Moving to a new app: the resent copy carries the OLD app's code, which the
    server now checks against the NEW key and refuses. The check proves the new
    key is stored."""
    with FakeStalwart(generation=gen, cors=True, legacy_version="0.15") as srv:
        login = L_TOTP if srv.legacy else TOTP_USER
        old = srv.accounts[TOTP_USER].otp_url
        acc = _resent_session(srv, "app_password", login, TOTP_PW, old)
        setup = acc.start_two_factor_setup()
        _lose_after_apply(srv)
        out = run(acc.enable_totp(TOTP_PW, setup, totp.code_at(old), new_code=totp.code_at(setup.url)))
        assert out.confirmed == BY_CHECK and srv.accounts[TOTP_USER].otp_url != old
        assert out.state is not None and out.state.two_factor.enabled is True


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_two_factor_off_applied_then_the_browser_sent_it_again(gen):
    with FakeStalwart(generation=gen, cors=True, legacy_version="0.15") as srv:
        login = L_TOTP if srv.legacy else TOTP_USER
        url = srv.accounts[TOTP_USER].otp_url
        acc = _resent_session(srv, "app_password", login, TOTP_PW, url)
        _lose_after_apply(srv)
        out = run(acc.disable_totp(TOTP_PW, totp.code_at(url)))
        assert srv.accounts[TOTP_USER].otp_url is None
        assert out.state.two_factor.enabled is False and out.session == CONTINUES


@pytest.mark.parametrize("gen", ["0.16", "legacy"])
def test_two_factor_on_refused_for_a_wrong_password_is_still_refused(gen):
    """The check after a refusal does not turn a real refusal into a success."""
    with FakeStalwart(generation=gen, cors=True, legacy_version="0.15") as srv:
        login = L_ALICE if srv.legacy else ALICE
        acc = _resent_session(srv, "app_password", login, ALICE_PW)
        setup = acc.start_two_factor_setup()
        with pytest.raises(WrongCurrentSecret):
            run(acc.enable_totp("not the password 1", setup, new_code=totp.code_at(setup.url)))
        assert srv.accounts[ALICE].otp_url is None and acc.state.two_factor.enabled is False
