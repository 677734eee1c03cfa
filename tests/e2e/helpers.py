"""What a user does on the page, step by step (shared by the browser tests).

The steps on the mail server's own sign-in page use the element ids of the
real Stalwart page (seen on 0.16.18: ``#username``, ``#password``,
``#submit-btn``, ``#field-otp``/``#otp`` that submits itself at six digits,
messages in ``#alert-msg``, ``#device-code`` for device approval), so the same
helpers drive a real server.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pyotp
import pytest

ALICE = ("alice@example.com", "correct horse battery staple")

# For a test of what the page does on its own (navigation, dialogs, typed input,
# sign-out), which the server's generation cannot change: the page never asks
# which generation it talks to, so the test runs against a 0.16 server only
# (``fake``/``app_page`` then give that one). Signing in to each generation, and
# every behaviour that follows from the server's answers, keeps its tests on both.
generation_blind = pytest.mark.parametrize("gen", ["0.16"])
TOTP_USER = ("totp@example.com", "totp account password 42")


def user(srv, who: tuple[str, str]) -> tuple[str, str]:
    """``who`` as it signs in to ``srv``: legacy servers take the principal
    name (``alice``), not the address (seen on 0.15.5)."""
    return (srv.accounts[who[0]].login, who[1])


def open_other_ways(page):
    # (set, not toggled: a server without a usable login page opens it by itself
    # once its discovery is read, which may happen between a check and a click)
    page.evaluate("() => { document.getElementById('signin-other').open = true; }")


def sign_in_basic(page, login: str, password: str, code: str = "", expect_ok: bool = True):
    open_other_ways(page)
    page.fill("#login", login)
    page.fill("#login-password", password)
    if code:
        page.fill("#login-code", code)
    else:  # empty it without waiting for it: on 0.16 the server's answer hides it at any moment
        page.evaluate("() => { const c = document.getElementById('login-code'); if (c) c.value = ''; }")
    page.click("#basic-form button[type=submit]")
    if expect_ok:
        page.wait_for_selector("#who:not([hidden])")
        assert login in page.locator("#who-name").inner_text()
    fits(page, "after basic sign-in")


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


def scan_qr(page, selector: str) -> str:
    """What a phone's QR reader gets from the code as the page shows it: a
    screenshot of the element, decoded by zbar (zbar-tools)."""
    with tempfile.TemporaryDirectory() as d:
        png = Path(d) / "qr.png"
        page.locator(selector).screenshot(path=str(png))
        out = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)],
                             capture_output=True)
    assert out.returncode == 0, f"no QR code readable in {selector}: {out.stderr.decode(errors='replace')}"
    return out.stdout.decode("utf-8").rstrip("\n")


def summary(page, section: str) -> tuple[str, str]:
    """The overview's row for ``section``: (its status, the value it shows)."""
    row = page.locator(f"#summary-list li:has(a[href='#{section}'])")
    return row.get_attribute("data-status"), row.locator(".v").inner_text()


def sign_out(page):
    page.click("#signout-btn")
    page.wait_for_selector("#signin:not([hidden])")


def msg(page, box: str) -> str:
    """The text of the message box ``#<box>-msg`` (each form has its own)."""
    return page.locator(f"#{box}-msg").inner_text()


def wait_msg(page, box: str, kind: str = "ok"):
    page.wait_for_selector(f"#{box}-msg.{kind}")
    fits(page, f"{box} message")
    return msg(page, box)


def go(page, view: str):
    """Open a section from the menu (its address fragment is ``#<view>``)."""
    page.click(f"#nav a[href='#{view}']")
    page.wait_for_selector(f"#{view}:not([hidden])")


PHONE = {"width": 360, "height": 740}


def fill_password_change(page, current: str, new: str, confirm: str | None = None) -> None:
    """Open the password section and type the three fields (not submitted)."""
    go(page, "password")
    page.fill("#pw-current", current)
    page.fill("#pw-new", new)
    page.fill("#pw-confirm", new if confirm is None else confirm)


def new_app_password(page, description: str, readonly: bool | None = None) -> str:
    """Make an app password from the signed-in page and return its secret (copied,
    dialog closed). ``readonly``: set "may not change security settings"; None
    leaves the form's default."""
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", description)
    if readonly is not None:
        page.set_checked("#app-readonly", readonly)
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    page.click("#secret-copy")
    page.click("#secret-close")
    return secret


def fits(page, state: str = "") -> None:
    """No sideways scrolling at 360 px in this state, open dialogs included.
    Every flow test calls this (through the helpers) in each state it reaches."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        got = page.evaluate("""() => ({
            page: document.documentElement.scrollWidth, inner: window.innerWidth,
            wide: [...document.querySelectorAll('body *')].filter(e => e.getClientRects().length &&
                    e.getBoundingClientRect().right > window.innerWidth + 0.5)
                  .map(e => e.tagName + (e.id ? '#' + e.id : '')).slice(0, 5),
            dialogs: [...document.querySelectorAll('dialog[open]')].filter(d =>
                    d.getBoundingClientRect().right > window.innerWidth || d.scrollWidth > d.clientWidth)
                  .map(d => d.id)})""")
    finally:
        page.set_viewport_size(size)
    assert got["page"] <= got["inner"] and not got["dialogs"], f"{state}: too wide at 360 px: {got}"


def add_app_password(srv, description: str, login: str = ALICE[0], password: str = ALICE[1]) -> None:
    """An app password made outside the page (another session, another client),
    so its description is whatever the server holds, not what our form allows."""
    import base64
    import json
    import urllib.request
    login = user(srv, (login, password))[0]  # legacy: the principal name
    auth = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
    if srv.generation == "0.16":
        path, body = "/jmap/", {"using": ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"],
                                "methodCalls": [["x:AppPassword/set",
                                                 {"create": {"n": {"description": description}}}, "c"]]}
    else:
        from app.stalwart.legacy import encode_app_name
        from app.stalwart.sha512crypt import sha512_crypt
        path, body = "/api/account/auth", [{"type": "addAppPassword", "name": encode_app_name(description),
                                            "password": sha512_crypt("app password made elsewhere")}]
    req = urllib.request.Request(srv.url + path, method="POST", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": auth})
    urllib.request.urlopen(req).read()
