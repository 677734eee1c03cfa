"""The built-in /login and /device pages really work in Debian's Chromium."""
import json
import shutil
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.fakestalwart import current_code

from playwright import sync_api

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b.new_page()
        b.close()


@pytest.mark.parametrize("who,pw,ru", [
    ("alice@example.com", "correct horse battery staple", "https://app.example/cb?x=1"),
    ("totp@example.com", "totp account password 42", "https://app.example/cb"),
])
def test_login_page_redirects_with_code_state_iss(srv, page, who, pw, ru):
    page.route("https://app.example/**", lambda route: route.fulfill(body="ok"))
    q = urlencode({"response_type": "code", "client_id": "c", "redirect_uri": ru, "state": "s t",
                   "code_challenge": "abc", "code_challenge_method": "S256"})
    page.goto(srv.url + "/login?" + q)
    page.fill("#username", who)
    page.fill("#password", pw)
    page.click("#submit")
    if who.startswith("totp"):
        page.wait_for_selector("#otp", state="visible")
        page.fill("#otp", current_code(srv.accounts[who].otp_secret))
        page.click("#submit")
    page.wait_for_url("https://app.example/**")
    u = urlsplit(page.url)
    qs = parse_qs(u.query)
    assert qs["state"] == ["s t"] and qs["iss"] == [srv.url] and len(qs["code"]) == 1
    assert ("x" in qs) == ("?x=1" in ru)
    page.unroute("https://app.example/**")


def test_device_page_approves(srv, page):
    req = urllib.request.Request(srv.url + "/auth/device", data=b"client_id=x")
    d = json.loads(urllib.request.urlopen(req).read())
    page.goto(d["verification_uri_complete"])
    page.fill("#username", "alice")
    page.fill("#password", "correct horse battery staple")
    page.click("#submit")
    page.wait_for_selector("#done", state="visible")
    assert srv.device_codes[d["device_code"]].login == "alice@example.com"
