"""views.signin: the sign-in card for the server at hand, the device sign-in,
and what "stay signed in in this tab" keeps."""
from __future__ import annotations

from app import auth
from app.stalwart import state as S
from app.ui.views import access as A
from app.ui.views import signin as V
from app.ui.views.say import Say

O16 = auth.SignInOptions("0.16", True)
LEGACY = auth.SignInOptions("legacy", False, "unavailable.login_page_legacy")


def test_the_two_factor_code_field_is_not_shown_for_016():
    """Issue 17: the code field "servers before 0.16 only" was shown on 0.16."""
    assert not V.card(O16).code_field
    assert V.card(LEGACY).code_field and V.card(LEGACY).open_other
    assert V.card(auth.UNKNOWN_SERVER).code_field  # not known yet: nobody is refused a field


def test_stay_signed_in_is_stated_for_a_password_sign_in_before_it():
    assert V.card(O16, stay=False).stay_note is None
    assert V.card(O16, stay=True).stay_note == Say("ui.stay.password_016")
    assert V.card(LEGACY, stay=True).stay_note == Say("ui.stay.password_legacy")


def test_what_stay_signed_in_keeps_never_a_password():
    """Issue 17: "stay signed in" was ignored for password, app-password and API-key sign-ins."""
    assert V.kept(S.BY_OAUTH, oauth_token=True) == V.TOKEN
    assert V.kept(S.BY_PASSWORD, oauth_token=True) == V.TOKEN      # 0.11-0.15: traded for a token
    assert V.kept(S.BY_APP_PASSWORD, oauth_token=False) == V.APP_PASSWORD
    assert V.kept(S.BY_API_KEY, oauth_token=False) == V.API_KEY
    assert V.kept(S.BY_PASSWORD, oauth_token=False) == V.NOTHING
    assert V.kept_line(True, V.NOTHING) == Say("ui.who.not_kept")
    assert V.kept_line(True, V.TOKEN) == Say("ui.who.kept")
    assert V.kept_line(False, V.TOKEN) is None


def test_a_reload_never_tells_to_tick_the_box_that_was_ticked():
    """Issue 17: after a reload the user was told to tick the box they had ticked."""
    assert V.reload_note("not_kept") == Say("ui.signin.reload_not_kept")
    assert V.reload_note("1") == Say("ui.signin.reload_ended")


def test_the_device_sign_in_says_it_waits_and_for_how_long():
    """Issue 17: device-flow text ran together with no waiting state or expiry."""
    dev = auth.DeviceAuthorization("https://m.example", "https://m.example/auth/token", "account-security",
                                   "d", "ABCD-EFGH", "https://m.example/device", None, 1000.0 + 1800, 5)
    view = V.device(dev, 1000.0)
    assert view.waiting == Say("ui.signin.device_waiting", {"minutes": 30})
    assert V.device(dev, 1000.0 + 1799).waiting.params["minutes"] == 1


def test_a_kept_sign_in_offline_has_every_section_say_the_server_cant_be_reached():
    for section in A.SECTIONS:
        view = A.availability(None, section, offline=True)
        assert [line.say for line in view.lines] == [Say("ui.offline.section")], section
        assert view.usable == (section == A.ENCRYPTION)  # checking a key works offline
        assert A.availability(None, section).lines == ()
