"""What a user does on the page, step by step (shared by the browser tests).

The steps on the mail server's own sign-in page use the element ids of the
real Stalwart page (seen on 0.16.18: ``#username``, ``#password``,
``#submit-btn``, ``#field-otp``/``#otp`` that submits itself at six digits,
messages in ``#alert-msg``, ``#device-code`` for device approval), so the same
helpers drive a real server.
"""
from __future__ import annotations

import pyotp

ALICE = ("alice@example.com", "correct horse battery staple")
TOTP_USER = ("totp@example.com", "totp account password 42")


def user(srv, who: tuple[str, str]) -> tuple[str, str]:
    """``who`` as it signs in to ``srv``: legacy servers take the principal
    name (``alice``), not the address (seen on 0.15.5)."""
    return (srv.accounts[who[0]].login, who[1])


def open_other_ways(page):
    if page.locator("#signin-other").get_attribute("open") is None:
        page.locator("#signin-other summary").click()


def sign_in_basic(page, login: str, password: str, code: str = "", expect_ok: bool = True):
    open_other_ways(page)
    page.fill("#login", login)
    page.fill("#login-password", password)
    page.fill("#login-code", code)
    page.click("#basic-form button[type=submit]")
    if expect_ok:
        page.wait_for_selector("#who:not([hidden])")
        assert login in page.locator("#who-name").inner_text()


def login_page_sign_in(page, login: str, password: str, secret: str | None = None):
    """On the server's own sign-in page: name and password, then (two-factor
    accounts) the code, which the page sends by itself at the sixth digit."""
    page.wait_for_selector("#login-form")
    page.fill("#username", login)
    page.fill("#password", password)
    page.click("#submit-btn")
    if secret:
        page.wait_for_selector("#field-otp:not([hidden])")
        page.type("#otp", pyotp.TOTP(secret).now())


def sign_in_oauth(page, login: str, password: str, secret: str | None = None):
    """Through the server's own /login page and back (auth code + PKCE)."""
    page.click("#oauth-btn")
    login_page_sign_in(page, login, password, secret)
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)


def approve_device(page, login: str, password: str, secret: str | None = None):
    """On the server's device page (code already filled in, or typed by the caller)."""
    page.wait_for_selector("#field-device-code:not([hidden])")
    login_page_sign_in(page, login, password, secret)
    page.wait_for_selector("#login-form", state="hidden")


def sign_out(page):
    page.click("#signout-btn")
    page.wait_for_selector("#signin:not([hidden])")


def msg(page, section: str) -> str:
    return page.locator(f"#{section}-msg").inner_text()


def wait_msg(page, section: str, kind: str = "ok"):
    page.wait_for_selector(f"#{section}-msg.{kind}")
    return msg(page, section)
