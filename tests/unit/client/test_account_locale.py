"""The account's own language setting reaches SecurityState.locale with the
read the state already makes (no extra request), and picks the page language
when the user has not chosen one."""
from __future__ import annotations


from app import i18n, stalwart
from app.auth import Basic
from app.http import urllib_fetch
from client_fakes import run

from tests.fakestalwart import FakeStalwart
from test_against_fake import ALICE, ALICE_PW, L_ALICE


def _state(srv, login):
    return run(stalwart.sign_in(srv.url, Basic(login, ALICE_PW), urllib_fetch)).state


def test_016_state_has_the_account_locale_without_an_extra_request(srv016):
    srv016.accounts[ALICE].locale = "pt_BR"
    before = len(srv016.requests)
    st = _state(srv016, ALICE)
    assert st.locale == "pt_BR"
    assert i18n.choose(None, st.locale, ["de-DE"]) == "pt-BR"
    # the user's own pick in the switch still wins
    assert i18n.choose("nl", st.locale, ["de-DE"]) == "nl"
    srv016.accounts[ALICE].locale = "en_US"
    requests_for_one_read = len(srv016.requests) - before
    assert _state(srv016, ALICE).locale == "en_US"
    assert len(srv016.requests) - before == 2 * requests_for_one_read


def test_legacy_state_has_no_locale():
    s = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    try:
        assert _state(s, L_ALICE).locale is None
    finally:
        s.stop()


def test_016_the_language_picked_in_the_page_is_saved_to_the_account(srv016):
    srv016.accounts[ALICE].locale = "en_US"
    account = run(stalwart.sign_in(srv016.url, Basic(ALICE, ALICE_PW), urllib_fetch))
    assert account.state.locale_writable
    st = run(account.set_locale("de_DE"))
    assert st.locale == "de_DE" and srv016.accounts[ALICE].locale == "de_DE"


def test_016_an_account_that_may_not_change_settings_is_not_written(srv016):
    srv016.accounts[ALICE].permissions.discard("sysAccountSettingsUpdate")
    account = run(stalwart.sign_in(srv016.url, Basic(ALICE, ALICE_PW), urllib_fetch))
    assert not account.state.locale_writable
    import pytest

    from app.errors import Unsupported
    before = len(srv016.requests)
    with pytest.raises(Unsupported):
        run(account.set_locale("de_DE"))
    assert len(srv016.requests) == before


def test_legacy_cannot_save_a_language():
    s = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    try:
        assert not _state(s, L_ALICE).locale_writable
    finally:
        s.stop()
