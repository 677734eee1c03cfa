"""views.outcomes: what a change made true, what it ended, what still works,
per server generation and sign-in method (docs/stalwart-contract.md §0.1)."""
from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import SetError
from app.stalwart import state as S
from app.stalwart.models import Created
from app.stalwart.outcomes import BY_ANSWER, BY_CHECK, HalfDone, Outcome
from app.ui.views import messages as M
from app.ui.views import outcomes as O
from app.ui.views.say import Say
from ui_states import build, states


def with_facts(st: S.SecurityState, legacy: bool) -> S.SecurityState:
    """The drivers' facts about a password change (drive016 / drivelegacy)."""
    pw = st.password
    if legacy:
        pw.change_ends = ("app_passwords", "two_factor", S.OAUTH_RENEWAL)
        pw.change_keeps = (S.OAUTH_ACCESS,)
    else:
        pw.change_ends = (S.OAUTH_SESSIONS,)
        pw.change_keeps = (S.APP_PASSWORDS, S.API_KEYS)
    return st


def keys(msg: M.Message) -> list[str]:
    return [k for s in msg.says() for k in s.keys()]


# ---------------------------------------------------------------- password change, 0.16
def test_016_password_sign_in_says_app_passwords_and_api_keys_survive_and_offers_review():
    before = with_facts(build(apps=2, keys=1), legacy=False)
    after = with_facts(build(apps=2, keys=1), legacy=False)
    msg = O.password_changed(Outcome("change_password", after, S.REPLACED), before)
    k = keys(msg)
    assert "ui.out.this_goes_on_new_password" in k and "ui.out.ends_oauth_sessions" in k
    assert Say("ui.out.keeps_app_passwords", {"n": 2}) in msg.says()
    assert Say("ui.out.keeps_api_keys", {"n": 1}) in msg.says()
    assert msg.offers == (M.REVIEW_APP_PASSWORDS, M.REVIEW_API_KEYS)
    assert msg.tone == M.OK


def test_016_oauth_sign_in_ended_is_not_signed_out_everywhere():
    """Issue 17: "The server signed you out everywhere" after a 0.16 OAuth password
    change, while app passwords and API keys keep working."""
    before = with_facts(build(method=S.BY_OAUTH, apps=1, keys=0), legacy=False)
    msg = O.ended(Outcome("change_password", None, S.ENDED), before, login_page=True)
    assert msg.lines[1] == Say("ui.password.changed_signin")
    assert "everywhere" not in msg.lines[1].text("en")
    assert Say("ui.out.keeps_app_passwords", {"n": 1}) in msg.says()


def test_016_app_password_sign_in_keeps_working_after_the_change():
    before = with_facts(build(method=S.BY_APP_PASSWORD, apps=1), legacy=False)
    msg = O.password_changed(Outcome("change_password", before, S.CONTINUES), before)
    assert "ui.out.this_keeps_working" in keys(msg)


# ---------------------------------------------------------------- password change, 0.15
def test_015_token_sign_in_is_told_it_lasts_until_the_token_runs_out():
    """Issue 17: a 0.15 two-factor user's token keeps working ~1 h, then refresh is refused."""
    before = with_facts(build(legacy=True, method=S.BY_OAUTH, totp=True, apps=2), legacy=True)
    after = with_facts(build(legacy=True, method=S.BY_OAUTH, totp=False, apps=0), legacy=True)
    out = Outcome("change_password", after, S.CONTINUES, wiped=("app_passwords", "two_factor"))
    msg = O.password_changed(out, before)
    k = keys(msg)
    assert "ui.out.this_until_token_expires" in k
    assert {"ui.out.ended_app_passwords", "ui.out.ended_two_factor", "ui.out.ends_oauth_renewal"} <= set(k)
    assert "ui.out.keeps_app_passwords" not in k  # nothing of that kind survives there
    assert msg.tone == M.WARN and M.REVIEW_TWO_FACTOR in msg.offers
    assert not M.contradicts(msg.claims, after)


def test_015_nothing_is_said_removed_that_the_server_kept():
    """0.11-0.13 keep app passwords: ``wiped`` is what the re-read showed gone."""
    before = with_facts(build(legacy=True, apps=1), legacy=True)
    msg = O.password_changed(Outcome("change_password", before, S.REPLACED, wiped=()), before)
    assert "ui.out.ended_app_passwords" not in keys(msg) and msg.tone == M.OK


def test_a_lost_answer_checked_by_signing_in_says_so():
    before = with_facts(build(), legacy=False)
    msg = O.password_changed(Outcome("change_password", before, S.REPLACED, confirmed=BY_CHECK), before)
    assert msg.lines[:2] == (Say("ui.password.changed"), Say("outcome.password_checked"))


# ---------------------------------------------------------------- two-factor
def test_replacing_the_app_says_the_old_codes_stopped_working():
    """Issue 17: replacing the authenticator app reported "Two-factor authentication is on"."""
    before = build(totp=True, apps=1)
    msg = O.two_factor_on(Outcome("enable_totp", build(totp=True, apps=1)), before)
    assert msg.lines[0] == Say("ui.out.totp_replaced")
    assert "ui.out.mail_apps_need_app_password" not in keys(msg)


def test_turning_on_says_what_keeps_working_without_a_code():
    before = build(totp=False, apps=1, keys=2)
    msg = O.two_factor_on(Outcome("enable_totp", build(totp=True, apps=1, keys=2)), before)
    assert msg.lines[0] == Say("ui.totp.now_on")
    assert Say("ui.out.keeps_app_passwords", {"n": 1}) in msg.says()
    assert "ui.out.mail_apps_need_app_password" in keys(msg)
    assert (M.TWO_FACTOR_ON, True) in msg.claims


# ---------------------------------------------------------------- credentials and keys
def test_a_secret_lost_on_the_way_is_a_warning_with_what_to_revoke():
    before = build(apps=0)
    out = Outcome("create_app_password", build(apps=1), item=None, confirmed=BY_CHECK,
                  notice="outcome.secret_lost", params={"name": "Phone"}, unseen=("a0",))
    msg = O.credential_created(out, before, api=False, name="Phone")
    assert msg.tone == M.WARN and msg.lines[0].key == "outcome.secret_lost"
    made = O.credential_created(Outcome("create_app_password", build(apps=1),
                                        created=Created("a0", "s3cret", "Phone")), before, False, "Phone")
    assert made.tone == M.OK and made.lines[0].key == "ui.cred.created_app"


def test_a_revoked_credential_message_goes_when_it_is_back_in_the_list():
    before = build(apps=1)
    msg = O.credential_revoked(Outcome("revoke_app_password", build(apps=0)), before, False, "a0", "App 0")
    assert not M.contradicts(msg.claims, build(apps=0))
    assert M.contradicts(msg.claims, build(apps=1))  # "a0" is there again


def test_the_green_encryption_message_goes_when_encryption_is_turned_off():
    """Issue 17: the green "Encryption at rest is on" stayed under "is off"."""
    before = build(enc="disabled", stored_keys=1)
    on = O.encryption_on(Outcome("upload_and_enable", build(enc="pgp", stored_keys=1)), before, "Aes256")
    assert on.lines[0] == Say("ui.enc.now_on", {"algo": "AES-256"})
    assert not M.contradicts(on.claims, build(enc="pgp", stored_keys=1))
    assert M.contradicts(on.claims, build(enc="disabled", stored_keys=1))
    off = O.encryption_off(Outcome("disable_encryption", build(enc="disabled")), before)
    assert M.contradicts(off.claims, build(enc="pgp", stored_keys=1))


def test_a_half_done_upload_offers_to_finish_or_remove_with_the_reason_translated():
    err = SetError("invalidProperties", properties=["encryptionAtRest"])
    out = Outcome("upload_and_enable", build(), half_done=HalfDone("pk1", err), notice="outcome.half_done",
                  params={"reason": err.message})
    msg = O.encryption_on(out, build(), "Aes256")
    assert msg.offers == (M.FINISH_UPLOAD, M.REMOVE_UPLOAD) and msg.tone == M.WARN
    assert msg.lines[0].params["reason"].key == "err.set.invalid_properties"


def test_a_state_the_page_could_not_read_afterwards_offers_a_check():
    before = build(apps=1)
    out = Outcome("revoke_app_password", None, state_error=SetError("x"))
    msg = O.credential_revoked(out, before, False, "a0", "App 0")
    assert Say("ui.state_unread") in msg.lines and M.CHECK in msg.offers


# ---------------------------------------------------------------- property: never a false "ended"
_ACTIONS = st.sampled_from(["password", "totp_on", "totp_off", "revoke", "enc_on", "enc_off", "delete"])


@settings(max_examples=300)
@given(states(), states(), _ACTIONS, st.booleans(), st.sampled_from([S.CONTINUES, S.REPLACED]))
def test_a_panel_never_says_ended_what_the_state_shows_as_still_there(before, after, action, check,
                                                                      session):
    """Whatever the state after the change, the message built from the Outcome
    carrying it never claims something the same state contradicts."""
    conf = BY_CHECK if check else BY_ANSWER
    wiped = tuple(w for w, gone in (("app_passwords", after.app_passwords.count == 0),
                                    ("two_factor", after.two_factor.enabled is False)) if gone)
    if action == "password":
        msg = O.password_changed(Outcome("change_password", after, session, confirmed=conf,
                                         wiped=wiped if before.password.wipes else ()), before)
    elif action == "totp_on":
        msg = O.two_factor_on(Outcome("enable_totp", after, confirmed=conf), before)
    elif action == "totp_off":
        msg = O.two_factor_off(Outcome("disable_totp", after, confirmed=conf), before)
    elif action == "revoke":
        gone = next((i.id for i in before.app_passwords.items or [] if after.app_passwords.find(i.id) is None),
                    "gone-id")
        msg = O.credential_revoked(Outcome("revoke_app_password", after, confirmed=conf), before, False,
                                   gone, "x")
    elif action == "enc_on":
        item = after.encryption.in_use
        msg = O.encryption_on(Outcome("use_key", after, item=item, confirmed=conf), before, "Aes256")
    elif action == "enc_off":
        msg = O.encryption_off(Outcome("disable_encryption", after, confirmed=conf), before)
    else:
        gone = next((k.id for k in before.encryption.keys or [] if after.encryption.find_key(k.id) is None),
                    "gone-key")
        msg = O.key_deleted(Outcome("delete_public_key", after, confirmed=conf), before, gone, "x")
    # an action's outcome carries the state the server showed after it
    consistent = _consistent(action, after)
    if consistent:
        assert not M.contradicts(msg.claims, after), (action, msg.claims)
    for say in msg.says():
        assert say.text("en") and say.text("ar")


def _consistent(action: str, after: S.SecurityState) -> bool:
    """Would the account layer return this Outcome with this state? (It returns
    an outcome only when the re-read shows the change in place.)"""
    if action == "totp_on":
        return after.two_factor.enabled is not False
    if action == "totp_off":
        return after.two_factor.enabled is not True
    if action == "enc_on":
        return after.encryption.enabled is not False and after.encryption.in_use is not None
    if action == "enc_off":
        return after.encryption.enabled is not True
    return True


def test_the_property_above_can_fail():
    """A message claiming 2FA off contradicts a state where it is on."""
    on = dataclasses.replace(build(totp=True))
    msg = O.two_factor_off(Outcome("disable_totp", on), on)
    assert M.contradicts(msg.claims, on)
