"""A sign-in pressed before Python was ready (assets/boot.js queues it;
app.ui.views.early.decide says what becomes of it once the page is ready)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.messages import en
from app.ui.views.early import Verdict, decide

ROOT = Path(__file__).resolve().parents[3]
MAIL = "https://mail.example.com"
OTHER = "https://mail.example.org"


def plan(action="basic-form", usable=True, bound=False, resumed=False, typed=None, server="", remembered=False):
    return decide(action, usable=usable, bound=bound, resumed=resumed, typed=typed, server=server,
                  remembered=remembered)


def test_nothing_pressed_nothing_to_do():
    assert plan(action=None, typed=MAIL, server=MAIL).verdict == Verdict.NONE
    assert plan(action="", typed=MAIL, server=MAIL).verdict == Verdict.NONE


@pytest.mark.parametrize("bound", [False, True])
def test_a_closed_sign_in_drops_the_press(bound):
    # config.json could not be used: sign-in is not available and says so; the press goes nowhere
    assert plan(usable=False, bound=bound, typed=MAIL, server="").verdict == Verdict.DROP


def test_a_page_that_signed_in_by_itself_drops_the_press():
    # an OAuth return or a kept session: the press would be a second sign-in
    assert plan(resumed=True, typed=MAIL, server=MAIL).verdict == Verdict.DROP
    assert plan(resumed=True, bound=True, server=MAIL).verdict == Verdict.DROP


def test_bound_the_hosts_server_runs_when_the_user_typed_none_or_the_same():
    assert plan(bound=True, typed=None, server=MAIL).verdict == Verdict.RUN
    assert plan(bound=True, typed="  ", server=MAIL).verdict == Verdict.RUN
    assert plan(bound=True, typed="mail.example.com", server=MAIL).verdict == Verdict.RUN  # same origin


def test_bound_an_address_typed_for_another_server_is_questioned_not_sent():
    p = plan(bound=True, typed=OTHER, server=MAIL)
    assert p.verdict == Verdict.ASK and p.key == "ui.early.check_bound"
    assert plan(bound=True, typed="not an address at all", server=MAIL).verdict == Verdict.ASK


def test_open_the_users_own_typing_runs():
    assert plan(typed=MAIL, server=MAIL).verdict == Verdict.RUN
    # even if not an address: the action itself says what is wrong with it
    assert plan(typed="mail", server="").verdict == Verdict.RUN


def test_open_no_server_at_all_runs_so_the_action_asks_for_one():
    assert plan(typed=None, server="").verdict == Verdict.RUN


def test_open_the_server_this_browser_signed_in_to_runs():
    assert plan(typed=None, server=MAIL, remembered=True).verdict == Verdict.RUN


def test_open_a_server_only_a_link_named_is_shown_first_never_sent_unseen():
    p = plan(typed=None, server=OTHER, remembered=False)
    assert p.verdict == Verdict.ASK and p.key == "ui.early.check_link"
    assert plan(typed="", server=OTHER).verdict == Verdict.ASK


def test_every_action_follows_the_same_rule():
    for action in ("server-form", "basic-form", "token-form", "device-btn"):
        assert plan(action=action, typed=None, server=OTHER).verdict == Verdict.ASK
        assert plan(action=action, typed=OTHER, server=OTHER).verdict == Verdict.RUN


def test_the_boot_scripts_english_texts_are_the_catalogues():
    """boot.js shows them before Python runs; Python then says them in the page's language."""
    boot = (ROOT / "assets" / "boot.js").read_text()
    starting = re.search(r'starting: "([^"]+)"', boot).group(1)
    status = re.search(r'status: "([^"]+)"', boot).group(1)
    assert starting == en.MESSAGES["ui.early.starting"]
    assert status == en.MESSAGES["ui.early.status"]
