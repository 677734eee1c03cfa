"""What a user does on the page, step by step (shared by the browser tests)."""
from __future__ import annotations

import pyotp

ALICE = ("alice@example.com", "correct horse battery staple")
TOTP_USER = ("totp@example.com", "totp account password 42")


def sign_in_basic(page, login: str, password: str, code: str = "", expect_ok: bool = True):
    if not page.locator("#signin-other").get_attribute("open") is not None:
        page.locator("#signin-other summary").click()
    page.fill("#login", login)
    page.fill("#login-password", password)
    page.fill("#login-code", code)
    page.click("#basic-form button[type=submit]")
    if expect_ok:
        page.wait_for_selector("#who:not([hidden])")
        assert login in page.locator("#who-name").inner_text()


def sign_in_oauth(page, login: str, password: str, secret: str | None = None):
    """Through the server's own /login page and back (auth code + PKCE)."""
    page.click("#oauth-btn")
    page.wait_for_selector("#login-form")
    page.fill("#username", login)
    page.fill("#password", password)
    page.click("#submit")
    if secret:
        page.wait_for_selector("#otp-row:not([hidden])")
        page.fill("#otp", pyotp.TOTP(secret).now())
        page.click("#submit")
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)


def sign_out(page):
    page.click("#signout-btn")
    page.wait_for_selector("#signin:not([hidden])")


def msg(page, section: str) -> str:
    return page.locator(f"#{section}-msg").inner_text()


def wait_msg(page, section: str, kind: str = "ok"):
    page.wait_for_selector(f"#{section}-msg.{kind}")
    return msg(page, section)
