"""The way back from the server's sign-in page (0.16): ``state`` is checked
before anything in the answer is shown or used, errors included, and ``iss``
must be the issuer from discovery (RFC 9207). The server's /login page is
replaced, for these tests only, by one that answers like an attacker would."""
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.e2e.helpers import msg

EVIL = "Your account is locked: call +1 555 0100"


@pytest.fixture
def page016(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.wait_for_selector("#oauth-btn:visible")
    return rec, page


def _answer_login_with(page, fake016, make_query):
    """Instead of the server's /login, send the browser straight back to the
    redirect_uri with the query ``make_query(login_query)`` builds."""
    def handle(route):
        q = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        back = q["redirect_uri"] + ("&" if "?" in q["redirect_uri"] else "?") + urlencode(make_query(q))
        route.fulfill(status=302, headers={"Location": back})
    page.route(fake016.url + "/login*", handle)


def _back_on_the_page(page):
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    page.wait_for_selector("#signin-msg.error")


def test_error_answer_with_a_foreign_state_shows_nothing_of_it(page016, fake016):
    rec, page = page016
    _answer_login_with(page, fake016, lambda q: {"error": "access_denied", "error_description": EVIL,
                                                 "state": "forged-" + q["state"]})
    page.click("#oauth-btn")
    _back_on_the_page(page)
    text = msg(page, "signin")
    assert "does not match the sign-in this page started" in text and "555" not in text
    assert "555" not in page.content()
    assert fake016.request_count("/auth/token") == 0
    assert "error_description" not in page.url  # the address is cleaned


def test_error_answer_with_our_state_is_shown(page016, fake016):
    rec, page = page016
    _answer_login_with(page, fake016, lambda q: {"error": "access_denied", "state": q["state"],
                                                 "iss": fake016.url})
    page.click("#oauth-btn")
    _back_on_the_page(page)
    assert "refused or cancelled" in msg(page, "signin")


def test_code_from_another_issuer_is_not_exchanged(page016, fake016):
    rec, page = page016
    _answer_login_with(page, fake016, lambda q: {"code": "stolen", "state": q["state"],
                                                 "iss": "https://evil.example"})
    page.click("#oauth-btn")
    _back_on_the_page(page)
    assert "did not come from your mail server" in msg(page, "signin")
    assert fake016.request_count("/auth/token") == 0


def test_code_without_iss_is_not_exchanged_when_the_server_sends_iss(page016, fake016):
    rec, page = page016
    _answer_login_with(page, fake016, lambda q: {"code": "stolen", "state": q["state"]})
    page.click("#oauth-btn")
    _back_on_the_page(page)
    assert "did not come from your mail server" in msg(page, "signin")
    assert fake016.request_count("/auth/token") == 0


def test_an_answer_nobody_asked_for_is_refused_without_its_words(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?" + urlencode({"server": fake016.url, "error": "access_denied",
                                     "error_description": EVIL, "state": "x"}))
    page.wait_for_selector("#signin-msg.error")
    assert "does not belong to a sign-in started here" in msg(page, "signin")
    assert "555" not in page.content()
