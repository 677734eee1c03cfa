"""The contract server's built-in /login and /device page in Chromium: the real
page's markup (seen on 0.16.18) and behaviour, driven by the same helpers that
would drive a real server (tests/e2e/helpers.py)."""
import json
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.e2e.helpers import TOTP_USER, approve_device, login_page_sign_in
from tests.fakestalwart import current_code


@pytest.fixture
def page(browser):
    p = browser.new_page()
    p.set_default_timeout(20_000)
    p.route("https://app.example/**", lambda route: route.fulfill(body="ok"))
    yield p
    p.close()


@pytest.mark.parametrize("who,pw,ru", [
    ("alice@example.com", "correct horse battery staple", "https://app.example/cb?x=1"),
    ("totp@example.com", "totp account password 42", "https://app.example/cb"),
])
def test_login_page_redirects_with_code_state_iss(fake016, page, who, pw, ru):
    q = urlencode({"response_type": "code", "client_id": "c", "redirect_uri": ru, "state": "s t",
                   "code_challenge": "abc", "code_challenge_method": "S256"})
    page.goto(fake016.url + "/login?" + q)
    secret = fake016.accounts[who].otp_secret
    login_page_sign_in(page, who, pw, secret)
    page.wait_for_url("https://app.example/**")
    qs = parse_qs(urlsplit(page.url).query)
    assert qs["state"] == ["s t"] and qs["iss"] == [fake016.url] and len(qs["code"]) == 1
    assert ("x" in qs) == ("?x=1" in ru)


def test_otp_field_submits_by_itself_at_six_digits(fake016, page):
    q = urlencode({"response_type": "code", "client_id": "c", "redirect_uri": "https://app.example/cb",
                   "state": "s"})
    page.goto(fake016.url + "/login?" + q)
    page.fill("#username", TOTP_USER[0])
    page.fill("#password", TOTP_USER[1])
    page.click("#submit-btn")
    page.wait_for_selector("#field-otp:not([hidden])")
    assert page.locator("#field-username").is_hidden() and page.locator("#field-password").is_hidden()
    page.type("#otp", "12a34")  # digits only, and nothing sent before the sixth
    assert page.input_value("#otp") == "1234"
    page.fill("#otp", "")
    wrong = "000000" if current_code(fake016.accounts[TOTP_USER[0]].otp_secret) != "000000" else "111111"
    page.type("#otp", wrong)  # the sixth digit submits: a wrong code is refused in #alert-msg
    page.wait_for_selector("#alert:not([hidden])")
    assert page.locator("#alert-msg").inner_text().strip()
    assert page.locator("#field-username").is_visible()  # back to the first step


def test_wrong_password_message_in_alert(fake016, page):
    q = urlencode({"response_type": "code", "client_id": "c", "redirect_uri": "https://app.example/cb"})
    page.goto(fake016.url + "/login?" + q)
    page.fill("#username", "alice@example.com")
    page.fill("#password", "wrong")
    page.click("#submit-btn")
    page.wait_for_selector("#alert:not([hidden])")
    assert page.locator("#alert-msg").inner_text().strip()


def test_device_page_approves(fake016, page):
    req = urllib.request.Request(fake016.url + "/auth/device", data=b"client_id=x")
    d = json.loads(urllib.request.urlopen(req).read())
    assert d["verification_uri_complete"].endswith("/device/?code=" + d["user_code"])
    page.goto(d["verification_uri_complete"])
    assert page.input_value("#device-code") == d["user_code"]
    approve_device(page, "alice", "correct horse battery staple")
    assert fake016.device_codes[d["device_code"]].login == "alice@example.com"


def test_device_page_with_a_totp_account(fake016, page):
    req = urllib.request.Request(fake016.url + "/auth/device", data=b"client_id=x")
    d = json.loads(urllib.request.urlopen(req).read())
    page.goto(d["verification_uri"])
    page.fill("#device-code", d["user_code"])
    approve_device(page, *TOTP_USER, secret=fake016.accounts[TOTP_USER[0]].otp_secret)
    assert fake016.device_codes[d["device_code"]].login == TOTP_USER[0]
