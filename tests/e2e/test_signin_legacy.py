"""A two-factor user signs in to a 0.11-0.15 server by every way it offers,
against the contract server answering like 0.15.5 (issue 8, facts 1-7):
password + code (traded for a token), a pasted token, and the device flow."""
import json
import urllib.request
from urllib.parse import parse_qs, urlencode

import pyotp
import pytest

from tests.e2e.helpers import (ALICE, TOTP_USER, fill_password_change, msg, open_other_ways,
                               sign_in_basic, summary, user)
from tests.fakestalwart import FakeStalwart

NEW_PW = "violet submarine orchestra kettle"


@pytest.fixture
def legacy015():
    srv = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    yield srv
    srv.stop()


@pytest.fixture
def page015(recorder, legacy015):
    rec = recorder(legacy015.url)
    page = rec.open("?server=" + legacy015.url)
    # discovery (no PKCE) has shaped the card: no login page, password + code first
    page.wait_for_selector("#signin-notice:not([hidden])")
    return rec, page


def _code(srv):
    return pyotp.TOTP(srv.accounts[TOTP_USER[0]].otp_secret).now()


def _post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def test_login_page_unavailable_is_explained_and_password_comes_first(page015, legacy015):
    rec, page = page015
    assert "no sign-in page" in page.locator("#signin-notice").inner_text()
    assert page.locator("#oauth-btn").is_hidden()
    assert page.locator("#signin-other").get_attribute("open") is not None
    assert page.locator("#login").is_visible() and page.locator("#login-code").is_visible()
    # Enter in the address field does not send the user to the absent web-admin
    page.press("#server-url", "Enter")
    page.wait_for_function("document.activeElement.id === 'login'")
    assert legacy015.request_count("/authorize") == 0
    assert page.url.startswith(rec.site.url)


def test_totp_user_signs_in_with_password_and_code(page015, legacy015):
    rec, page = page015
    login, password = user(legacy015, TOTP_USER)
    assert login == "totp"
    sign_in_basic(page, login, password, code=_code(legacy015))
    assert summary(page, "two-factor") == ("on", "on")
    # what went over the wire, as the real 0.15.5 needs it
    sent = {urllib.parse.urlsplit(u).path: data for m, u, data in rec.requests if m == "POST"}
    oauth = json.loads(sent["/api/oauth"])
    assert oauth["type"] == "code" and len(oauth["client_id"]) <= 20 and oauth["redirect_uri"] is None
    form = {k: v[0] for k, v in parse_qs(sent["/auth/token"].decode(), keep_blank_values=True).items()}
    assert form["redirect_uri"] == "" and form["client_id"] == oauth["client_id"]
    # the code was used once: every later request carries the token, not password$code
    api = [r for r in legacy015.requests if r.path.startswith("/api/account") and r.method != "OPTIONS"]
    assert api and all(r.headers.get("authorization") == "Bearer ***" for r in api)


def test_totp_user_without_code_is_asked_for_it(page015, legacy015):
    rec, page = page015
    sign_in_basic(page, *user(legacy015, TOTP_USER), expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    assert "current 6-digit code" in msg(page, "signin")
    page.wait_for_function("document.activeElement.id === 'login-code'")


def test_an_address_is_refused_with_a_hint_to_use_the_account_name(page015, legacy015):
    rec, page = page015
    sign_in_basic(page, *TOTP_USER, code=_code(legacy015), expect_ok=False)  # totp@example.com
    page.wait_for_selector("#signin-msg.error")
    assert "without @domain" in msg(page, "signin") and "totp" in msg(page, "signin")
    assert page.input_value("#login") == TOTP_USER[0]  # nothing typed is lost
    page.wait_for_function("document.activeElement.id === 'login'")


def test_totp_user_signs_in_with_a_pasted_token(page015, legacy015):
    rec, page = page015
    login, password = user(legacy015, TOTP_USER)
    auth = "Basic " + __import__("base64").b64encode(f"{login}:{password}${_code(legacy015)}".encode()).decode()
    code = _post(legacy015.url + "/api/oauth", json.dumps({"type": "code", "client_id": "cli", "redirect_uri": None,
                                                           "nonce": None}).encode(),
                 {"Content-Type": "application/json", "Authorization": auth})["data"]["code"]
    tok = _post(legacy015.url + "/auth/token", urlencode({"grant_type": "authorization_code", "code": code,
                                                          "client_id": "cli", "redirect_uri": ""}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})
    open_other_ways(page)
    page.fill("#token", tok["access_token"])
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    assert page.locator("#who-name").inner_text() == "totp"
    assert summary(page, "two-factor") == ("on", "on")


def test_totp_user_signs_in_with_the_device_flow(page015, legacy015):
    rec, page = page015
    page.click("#device-btn")
    user_code = page.locator("#device-out strong").inner_text(timeout=20_000)
    link = page.locator("#device-out a").get_attribute("href")
    assert link == f"{legacy015.url}/authorize/?code={user_code}"  # the web-admin's page
    # What that page does for the user, on another device: approve with password$code.
    login, password = user(legacy015, TOTP_USER)
    auth = "Basic " + __import__("base64").b64encode(f"{login}:{password}${_code(legacy015)}".encode()).decode()
    assert _post(legacy015.url + "/api/oauth", json.dumps({"type": "device", "code": user_code}).encode(),
                 {"Content-Type": "application/json", "Authorization": auth}) == {"data": True}
    page.wait_for_selector("#who:not([hidden])", timeout=30_000)
    assert summary(page, "two-factor") == ("on", "on")


def test_password_change_signed_in_with_an_app_password_reports_success(page015, legacy015):
    rec, page = page015
    me = user(legacy015, ALICE)
    body = json.dumps([{"type": "addAppPassword", "name": "UGhvbmU=", "password": "app secret one"}]).encode()
    auth = "Basic " + __import__("base64").b64encode(f"{me[0]}:{me[1]}".encode()).decode()
    assert _post(legacy015.url + "/api/account/auth", body,
                 {"Content-Type": "application/json", "Authorization": auth}) == {"data": None}
    sign_in_basic(page, me[0], "app secret one")
    fill_password_change(page, me[1], NEW_PW)
    page.click("#pw-submit")
    # the server wiped the app password the page was using: that is the success
    page.wait_for_selector("#signin-note:not([hidden])")
    text = page.locator("#signin-note").inner_text()
    assert "password has been changed" in text and "Sign in again" in text
    assert "ended" not in text
    sign_in_basic(page, me[0], NEW_PW)
