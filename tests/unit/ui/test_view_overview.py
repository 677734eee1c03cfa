"""The overview (views.overview): what each row says, who can act on it, and
the next step, for the accounts of issue 17 and, as properties, for any state."""
from __future__ import annotations

from hypothesis import given, settings

from app import i18n
from app.stalwart import state as S
from app.ui.views import overview as V
from app.ui.views.say import Say
from ui_states import build, states


def rows(st) -> dict:
    return {r.section: r for r in V.overview(st).rows}


# ---------------------------------------------------------------- the reported cases
def test_2fa_off_with_a_limited_app_password_is_never_all_in_place():
    """Issue 17: "Everything recommended is in place" under "Two-factor: off"
    for an app password made with the default limit."""
    st = build(method=S.BY_APP_PASSWORD,
               refuse=(S.CHANGE, S.TURN_ON, S.TURN_OFF, S.REPLACE, S.CREATE, S.REVOKE,
                       S.UPLOAD_AND_ENABLE, S.DISABLE, S.USE_KEY, S.DELETE_KEY))
    view = V.overview(st)
    assert not view.next.all_in_place
    assert view.next.say == Say("ui.next.totp_signin") and view.next.section == ""
    r = rows(st)
    assert r["two-factor"].status == V.NOT_PERMITTED and r["two-factor"].value == Say("ui.summary.off")
    assert r["two-factor"].action == Say("ui.row.limited")


def test_the_password_row_offers_the_change_only_to_a_sign_in_that_can_make_it():
    """Issue 17: "Password: change it here" to a sign-in that cannot change it."""
    assert rows(build())["password"].action == Say("ui.summary.pw_change")
    limited = rows(build(method=S.BY_APP_PASSWORD, refuse=(S.CHANGE,)))["password"]
    assert limited.action == Say("ui.row.limited") and limited.status == V.NOT_PERMITTED
    admin = rows(build(method=S.BY_PASSWORD, refuse=(S.CHANGE,)))["password"]
    assert admin.action == Say("ui.row.admin")


def test_encryption_at_rest_off_is_neutral_and_never_the_next_step():
    """Issue 17: shown as a red problem and pushed as the next step; it is optional."""
    st = build(totp=True, apps=1)
    r = rows(st)["encryption"]
    assert r.status == V.NEUTRAL and r.value == Say("ui.summary.off")
    assert r.action == Say("ui.summary.do_enc")
    view = V.overview(st)
    assert view.next.all_in_place and view.next.section != "encryption"


def test_encryption_off_for_a_restricted_account_is_not_permitted_not_off():
    """Issue 17: "off ✖" instead of "not permitted" for a restricted account."""
    st = build(totp=True, apps=1, refuse=(S.UPLOAD_AND_ENABLE, S.USE_KEY, S.DISABLE, S.DELETE_KEY))
    r = rows(st)["encryption"]
    assert r.status == V.NOT_PERMITTED and r.action == Say("ui.row.admin")
    assert V.overview(st).next.say == Say("ui.next.admin")


def test_unreadable_parts_are_unknown_and_ask_for_a_reload():
    st = build(totp=True, apps=None)
    r = rows(st)["app-passwords"]
    assert r.status == V.UNKNOWN and r.value == Say("ui.summary.unknown")
    assert V.overview(st).next.say == Say("ui.next.unknown")


def test_the_usual_steps_in_order():
    assert V.overview(build(expired=True)).next.section == "password"
    assert V.overview(build()).next == V.NextStep(Say("ui.summary.do_totp"), "two-factor")
    assert V.overview(build(totp=True, apps=0)).next.section == "app-passwords"
    done = V.overview(build(totp=True, apps=2))
    assert done.next.all_in_place and done.next.say == Say("ui.summary.do_none")


def test_legacy_api_keys_are_not_available_and_do_not_block_all_in_place():
    st = build(legacy=True, totp=True, apps=1)
    r = rows(st)["api-keys"]
    assert r.status == V.NOT_AVAILABLE and r.action == Say("ui.row.not_supported")
    assert V.overview(st).next.all_in_place


def test_encryption_on_shows_its_key_fingerprint():
    fp = V.Fingerprint("0123456789ABCDEF0123456789ABCDEF01234567")
    st = build(enc="pgp", stored_keys=1)
    r = next(x for x in V.overview(st, fp).rows if x.section == "encryption")
    assert r.status == V.ON and r.detail == fp
    assert r.value == Say("ui.summary.enc_on", {"kind": "OpenPGP", "algo": "AES-256"})


# ---------------------------------------------------------------- properties, any state
@settings(max_examples=400)
@given(states())
def test_never_all_in_place_while_a_row_is_off_unknown_or_not_permitted(st):
    view = V.overview(st)
    if any(r.status in V.OPEN for r in view.rows):
        assert not view.next.all_in_place, [(r.section, r.status) for r in view.rows]


@settings(max_examples=400)
@given(states())
def test_every_row_names_what_the_user_can_do_or_who_can(st):
    for r in V.overview(st).rows:
        assert isinstance(r.action, Say) and i18n.has(r.action.key), r
        assert i18n.has(r.value.key) and i18n.has(r.label.key)
        if r.status in (V.NOT_PERMITTED, V.NOT_AVAILABLE, V.UNKNOWN):
            # not "you can … here": who can, or what to do instead
            assert r.action.key.startswith(("ui.row.limited", "ui.row.admin", "ui.row.elsewhere",
                                            "ui.row.turned_off", "ui.row.not_supported",
                                            "ui.row.expired_first", "ui.row.unreadable")), r


@settings(max_examples=300)
@given(states())
def test_encryption_is_never_a_problem_nor_the_next_step(st):
    view = V.overview(st)
    enc = next(r for r in view.rows if r.section == "encryption")
    assert enc.status != V.OFF
    assert view.next.section != "encryption"


@settings(max_examples=300)
@given(states())
def test_a_link_in_the_next_step_goes_where_the_user_can_act(st):
    step = V.overview(st).next
    if step.section == "two-factor":
        assert st.two_factor.can(S.TURN_ON) and st.two_factor.enabled is False
    if step.section == "app-passwords":
        assert st.app_passwords.can(S.CREATE)
    if step.all_in_place:
        assert step.section == ""
