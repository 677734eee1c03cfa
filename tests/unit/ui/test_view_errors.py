"""views.errors: an error as the page presents it, decided by its type."""
from __future__ import annotations

import pytest

from app import i18n, passwords  # noqa: F401
from app.errors import (AnswerLost, AuthRequired, CannotReach, CodeRequired, InvalidInput, MfaRequired,
                        OutcomeUnknown, ServerError, TimedOut, WrongCurrentSecret)
from app.stalwart import validate
from app.ui.views import errors as E
from app.ui.views import messages as M
from app.ui.views.say import Foreign, Host, Joined, Ltr, Say

# the replace-the-app form, as the painter passes it: its fields in the order shown
REPLACE_FORM = ("new_code", "otp_url", "code", "current_password")
PASSWORD_FORM = ("current_password", "code", "new_password", "confirm_password")


def test_a_wrong_old_code_when_moving_to_a_new_app_puts_focus_on_the_code():
    """Issue 17: after a wrong old code in "move to a new app", focus went to the password."""
    view = E.present(WrongCurrentSecret(server_text="Current secret is incorrect."),
                     signed_in=True, form=REPLACE_FORM, code_given=True)
    assert view.fields == ("code", "current_password")  # either may be wrong: both marked
    assert view.focus == "code"
    assert view.message.server_text == "Current secret is incorrect."


def test_a_wrong_current_password_without_a_code_is_about_the_password_only():
    view = E.present(WrongCurrentSecret(), signed_in=True, form=PASSWORD_FORM, code_given=False)
    assert view.fields == ("current_password",) and view.focus == "current_password"


def test_a_code_the_server_asks_for_reveals_the_code_field():
    view = E.present(CodeRequired(), signed_in=True, form=PASSWORD_FORM)
    assert view.reveal == ("code",) and view.focus == "code"


def test_a_wrong_code_at_a_legacy_sign_in_is_not_called_a_wrong_password():
    """Issue 17: a wrong code at 0.15 sign-in was described as a wrong login or password."""
    view = E.present(AuthRequired(), signed_in=False, code_given=True)
    assert view.message.lines == (Say("ui.signin.wrong_password_or_code"),)
    assert view.fields == ("password", "code") and view.focus == "password"
    plain = E.present(AuthRequired(), signed_in=False, code_given=False)
    assert plain.message.lines[0].key == "err.auth_required" and plain.focus == "password"


def test_a_legacy_sign_in_by_address_points_at_the_login():
    err = AuthRequired("err.auth_required_account_name", {"name": "alice"})
    view = E.present(err, signed_in=False)
    assert view.focus == "login"
    assert E.present(err, signed_in=False, code_given=True).focus == "login"  # the name first
    assert view.message.lines[0] == Say("err.auth_required_account_name", {"name": Foreign("alice", 300)})


def test_two_factor_at_sign_in_goes_where_the_server_takes_the_code():
    assert E.present(MfaRequired("0.16"), signed_in=False).focus == "oauth"
    legacy = E.present(MfaRequired("legacy"), signed_in=False)
    assert legacy.reveal == ("code",) and legacy.focus == "code"


def test_a_401_while_signed_in_sends_back_to_sign_in_keeping_input():
    view = E.present(AuthRequired(server_text="Token expired"), signed_in=True)
    assert view.sign_in_again and view.message.lines[0] == Say("ui.signin.expired_title")
    assert view.message.server_text == "Token expired"


# --------------------------------------------------------------- offline, CORS, down, CSP
def test_offline_is_told_apart_from_cors_and_a_down_server():
    """Issue 17: offline was reported as the server's CORS setting."""
    down = CannotReach("https://mail.example.com")
    cors = CannotReach("https://mail.example.com", cause="cors")
    assert E.connection_problem(down, online=False) == E.OFFLINE
    assert E.connection_problem(cors, online=False) == E.OFFLINE
    assert E.connection_problem(cors, online=True) == E.CORS
    assert E.connection_problem(down, online=True) == E.UNREACHABLE
    assert E.connection_problem(down, online=True, csp_blocked=True) == E.CSP
    off = E.present(down, signed_in=True, online=False)
    assert off.message.lines == (Say("ui.offline.nothing_sent"),)
    assert "CORS" not in off.message.lines[0].text("en") and M.RETRY in off.message.offers
    said = E.present(cors, signed_in=False, online=True, page_origin="https://account.example.com")
    assert said.message.lines[0].key == "err.cannot_reach_cors"
    assert said.message.lines[0].params["origin"] == Host("https://mail.example.com")
    assert said.message.lines[0].params["setting_016"] == Ltr("x:Http.usePermissiveCors")
    assert said.message.lines[1] == Say("ui.cors.page_origin", {"page_origin": Host("https://account.example.com")})
    assert E.present(down, signed_in=False, csp_blocked=True).message.lines[0].key == "ui.csp.blocked"


# --------------------------------------------------------------- what the message offers
@pytest.mark.parametrize("err, offers", [
    (OutcomeUnknown("credential", ServerError()), (M.CHECK,)),
    (AnswerLost(TimedOut("https://m.example", 30)), (M.CHECK, M.RETRY)),
    (AnswerLost(ServerError()), (M.RETRY,)),
    (ServerError(), (M.RETRY,)),
    (WrongCurrentSecret(), ()),
    (InvalidInput("err.input.description_required", "description"), ()),
])
def test_retry_only_when_safe_and_a_check_when_the_outcome_is_unknown(err, offers):
    assert E.present(err, signed_in=True).message.offers == offers
    assert E.present(err, signed_in=False).message.offers == ()


def test_an_input_error_names_its_field_if_the_form_has_it():
    err = InvalidInput("err.input.description_required", "description")
    assert E.present(err, signed_in=True, form=("description", "expires")).fields == ("description",)
    assert E.present(err, signed_in=True, form=("key",)).fields == ()


# --------------------------------------------------------------- no English fragment
def test_an_ip_address_error_is_said_in_the_page_language():
    """Issue 17: IP-address errors stayed English in every language."""
    with pytest.raises(InvalidInput) as e:
        validate.allowed_ips("10.0.0.5/24")
    view = E.present(e.value, signed_in=True, form=("description", "allowed_ips"))
    detail = view.message.lines[0].params["detail"]
    assert isinstance(detail, Say) and detail.key == "ip.host_bits"
    german = view.message.lines[0].text("de")
    assert "10.0.0.0/24" in german and "is not the start of its network" not in german
    assert "ist nicht der Anfang seines Netzes" in german
    assert view.focus == "allowed_ips"


def test_a_refused_new_password_gets_its_feedback_in_the_page_language():
    s = passwords.assess("password", (), "0.16")
    err = InvalidInput(s.key, "new_password", s.params)
    say = E.error_say(err, s)
    assert isinstance(say.params["feedback"], Joined)
    german = say.text("de")
    assert "common password" not in german and i18n.t(s.warning_key, "de") in german
    # without the strength of what was typed, the server's words stay (nothing invented)
    assert isinstance(E.error_say(err).params["feedback"], Foreign)


def test_an_unexpected_error_says_nothing_of_its_internals():
    view = E.present(KeyError("secret stuff"), signed_in=True)
    assert view.message.lines == (Say("ui.err.unexpected"),)
