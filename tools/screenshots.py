"""Pictures of the page in every main state, for the README and for review.

    .venv/bin/python -m tools.screenshots [--out docs/screenshots] [--only overview,secret]

Serves the real page (serve.py's handler) and drives it in Debian's Chromium
against the contract test server (tests/fakestalwart, 0.16 and a legacy one),
through the states a user meets. Each state is written at 1280 and 390 px
wide, in the light and the dark colour scheme:
``<out>/<state>-<1280|390>-<light|dark>.png``. It also fails loudly if any
state scrolls sideways at 360 px, so a picture never hides a broken layout.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyotp
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import serve  # noqa: E402
from tools import bundle  # noqa: E402
from tests.e2e.helpers import ALICE, add_app_password, fits, sign_in_basic, sign_out, user  # noqa: E402
from tests.fakestalwart import FakeStalwart  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
KEY = ROOT / "bench" / "samples" / "ed25519.asc"
# state -> what it shows (also the index written next to the pictures)
STATES = {
    "signed-out": "Signed out: only sign-in, and the key check that works offline",
    "key-check": "A key checked in the browser, signed out",
    "signin-error": "A failed sign-in: the message under the button that was pressed",
    "overview": "Signed in: status at a glance, each item a link, the recommended next step",
    "password-error": "A password change refused in the page: message under the button, field marked",
    "password-changed": "Password changed on 0.16: what ended (other sign-ins through the server's page), what still works (app passwords, API keys), a link to review them",
    "two-factor-off": "Two-factor authentication, off",
    "two-factor-setup": "Setting up two-factor authentication: numbered steps, the recovery kit first",
    "app-password-form": "The form behind “New app password…”",
    "secret": "A new app password, shown once",
    "secret-not-copied": "Esc on a secret that was never copied: it stays, and the page says it cannot be shown again",
    "reload-ended": "A reload without “stay signed in” ended the session, and says so",
    "app-passwords": "App passwords, one with a hostile description (bidi override, no spaces)",
    "revoke-confirm": "Revoking asks first",
    "api-keys": "API keys",
    "secret-lost": "The answer to “Create” was lost after the server made it: what now exists, and what to do",
    "made-twice": "The connection broke and Chromium sent “Create” again: two were made, which one to revoke",
    "outcome-unknown": "The answer was lost and the check failed too: how to check, and a button that does",
    "timed-out": "A server that does not answer in time: nothing typed is lost, try again or check",
    "this-sign-in": "Signed in with a limited app password: the list marks the one this sign-in uses, and says why there is no New or Revoke",
    "limited-password": "…and the password section says why it cannot change anything, and how to get past it",
    "encryption-checked": "Encryption at rest: a key checked and ready to upload",
    "encryption-confirm": "What turning encryption on means, before it happens",
    "half-done": "Upload-and-enable stopped half way: finish with the uploaded key, or remove it",
    "encryption-on": "Encryption on: algorithm in words, fingerprint as gpg shows it, stored keys",
    "overview-after": "The overview after those changes",
    "two-factor-warn": "Before 2FA is turned on with a password sign-in: the form says this ends the sign-in, and how to get back in",
    "two-factor-on-sign-in-again": "2FA turned on with a password sign-in: the session ends, the panel says what next",
    "restricted-overview": "A restricted account: “not permitted” instead of a count",
    "restricted-app-passwords": "A restricted account: what the administrator has not allowed, and the permission",
    "signed-out-after": "Signed out: nothing of the account stays",
    "legacy-password": "Stalwart 0.11–0.15: the password change warns what it removes",
    "legacy-api-keys": "Stalwart 0.11–0.15: API keys are not for users",
    # sign-in and config.json (docs/SECURITY.md)
    "signin-bound-one": "Bound to one server (config.json): the address is fixed; a ?server= link elsewhere was ignored",
    "signin-bound-many": "Bound to several servers: a choice among them, and where the password goes",
    "signin-open": "Open mode (no config.json): a look-alike host shown in punycode above the password field",
    "signin-config-broken": "A config.json the page cannot use: sign-in stays closed, with the reason for the admin",
    "device-waiting": "Signing in on another device: where to go, the code, that the page waits and for how long, and Cancel",
    "not-kept": "“Stay signed in” ticked, signed in with a 0.16 password: said before and under “Signed in as”: a password is never kept",
    "key-in-use": "The stored key in use: no Delete, and the line says how to get there",
    "legacy-password-warn": "Stalwart 0.11–0.15: the form says, before its button, what the change removes and that an app-password sign-in ends",
    "legacy-password-ended": "…and afterwards: the password was changed, sign in again with the new one",
}
HOSTILE = "invoice\u202egnp.exe " + "very-long-description-" * 12  # bidi override + no spaces


class Shooter:
    def __init__(self, page, out: Path, only: set[str]):
        self.page, self.out, self.only = page, out, only
        self.taken: list[str] = []

    def __call__(self, state: str) -> None:
        assert state in STATES, state
        page = self.page
        page.wait_for_timeout(150)  # let focus rings and scrolling settle
        fits(page, state)  # never a picture of a layout that scrolls sideways at 360 px
        if self.only and state not in self.only:
            return
        page.evaluate("window.scrollTo(0, 0)")  # full-page pictures from the top (the menu is sticky)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)
                page.wait_for_timeout(60)
                page.screenshot(path=str(self.out / f"{state}-{width}-{scheme}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.emulate_media(color_scheme="light")
        self.taken.append(state)
        print(f"  {state}")


def walk_016(page, site_url: str, srv, shoot) -> None:
    page.goto(site_url + "?server=" + srv.url)
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    shoot("signed-out")
    page.fill("#enc-key", KEY.read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    shoot("key-check")
    page.fill("#enc-key", "")
    sign_in_basic(page, ALICE[0], "not the password", expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    shoot("signin-error")
    page.click("#device-btn")
    page.wait_for_selector("#device-out .waiting")
    shoot("device-waiting")
    page.click("#device-cancel")
    sign_in_basic(page, *ALICE)
    shoot("overview")

    page.click("#nav a[href='#password']")
    page.fill("#pw-current", ALICE[1])
    page.fill("#pw-new", "password1")
    page.wait_for_selector("#pw-strength strong")  # scored once typing pauses
    page.fill("#pw-confirm", "password1")
    page.click("#pw-submit")
    page.wait_for_selector("#password-msg.error")
    shoot("password-error")
    add_app_password(srv, "Phone")  # (it keeps working: the panel says so)
    for new, old in (("violet submarine orchestra kettle", ALICE[1]), (ALICE[1], "violet submarine orchestra kettle")):
        page.fill("#pw-current", old)
        page.fill("#pw-new", new)
        page.fill("#pw-confirm", new)
        page.click("#pw-submit")
        page.wait_for_selector("#password-msg.ok")
        if new != ALICE[1]:
            shoot("password-changed")  # (then back to the demo password)

    page.click("#nav a[href='#two-factor']")
    shoot("two-factor-off")
    page.click("#totp-start")
    page.wait_for_selector("#totp-qr svg")
    shoot("two-factor-setup")

    page.click("#totp-cancel")
    page.click("#nav a[href='#app-passwords']")
    page.click("#app-new")
    page.fill("#app-desc", "Phone")
    shoot("app-password-form")
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    shoot("secret")
    phone = page.locator("#secret-value").inner_text()
    page.keyboard.press("Escape")
    page.wait_for_selector("#secret-warn:not([hidden])")
    shoot("secret-not-copied")
    page.click("#secret-discard")
    add_app_password(srv, HOSTILE)
    page.click("#nav a[href='#overview']")
    page.reload()  # (no "stay signed in": the reload ends the session and says so)
    page.wait_for_selector("#signin-note:not([hidden])")
    shoot("reload-ended")
    page.check("#stay")  # a 0.16 password is never kept: said before, and once signed in
    sign_in_basic(page, *ALICE)
    shoot("not-kept")
    page.uncheck("#stay") if page.locator("#stay").is_visible() else page.evaluate(
        "() => { document.getElementById('stay').checked = false; }")
    page.click("#nav a[href='#app-passwords']")
    page.wait_for_selector("#app-list td.desc")
    shoot("app-passwords")
    page.click("#app-list button.danger >> nth=0")
    page.wait_for_selector("#confirm-dialog[open]")
    shoot("revoke-confirm")
    page.click("#confirm-no")

    page.click("#nav a[href='#api-keys']")
    shoot("api-keys")

    # answers lost after the server applied the change
    page.click("#nav a[href='#app-passwords']")
    page.click("#app-new")
    page.fill("#app-desc", "Tablet")
    srv.faults.set(path_prefix="/jmap/", malformed_json=True, times=1, apply_first=True)
    page.click("#app-submit")
    page.wait_for_selector("#app-list-msg.warn")
    shoot("secret-lost")
    srv.quota_app_passwords += 2  # the twins below must not use up the room later states need
    page.click("#app-new")
    page.fill("#app-desc", "Watch")
    srv.faults.set(path_prefix="/jmap/", drop=True, times=1, apply_first=True)  # Chromium sends it again
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    page.click("#secret-copy")
    page.click("#secret-close")
    page.wait_for_selector("#app-list-msg.warn")
    shoot("made-twice")
    page.click("#app-new")
    page.fill("#app-desc", "Laptop")
    srv.faults.set(path_prefix="/jmap/", malformed_json=True, times=1, apply_first=True)
    srv.faults.set(path_prefix="/jmap/", status=503, times=1)  # …and the check fails too
    page.click("#app-submit")
    page.wait_for_selector("#app-msg.error")
    shoot("outcome-unknown")
    page.click("#app-msg button:has-text('Check the current state')")
    page.wait_for_selector("#app-msg.info")
    page.click("#app-cancel")
    page.click("#app-new")
    page.fill("#app-desc", "Desktop")
    srv.faults.set(path_prefix="/jmap/", delay=40, times=1)  # longer than the page waits
    page.click("#app-submit")
    page.wait_for_selector("#app-msg.error", timeout=90_000)
    shoot("timed-out")
    page.click("#app-cancel")
    sign_out(page)
    sign_in_basic(page, ALICE[0], phone)
    page.click("#nav a[href='#app-passwords']")
    page.wait_for_selector("#app-list .badge")
    shoot("this-sign-in")
    page.click("#nav a[href='#password']")
    shoot("limited-password")
    sign_out(page)
    sign_in_basic(page, *ALICE)

    page.click("#nav a[href='#encryption']")
    page.fill("#enc-key", KEY.read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    shoot("encryption-checked")
    page.click("#enc-submit")
    page.wait_for_selector("#confirm-dialog[open]")
    shoot("encryption-confirm")
    perms = srv.accounts[ALICE[0]].permissions
    perms.discard("sysAccountSettingsUpdate")  # the administrator takes it away meanwhile
    page.click("#confirm-yes")
    page.wait_for_selector("#enc-msg.warn")
    shoot("half-done")
    perms.add("sysAccountSettingsUpdate")
    page.click("#enc-finish")
    page.wait_for_selector("#enc-msg.ok")
    shoot("encryption-on")
    page.locator("#enc-keys .key-item.in-use").scroll_into_view_if_needed()
    shoot("key-in-use")

    page.click("#nav a[href='#overview']")
    shoot("overview-after")

    page.click("#nav a[href='#two-factor']")
    page.click("#totp-start")
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.click("#totp-kit")
    page.fill("#totp-code", pyotp.TOTP(key).now())
    page.fill("#totp-password", ALICE[1])
    page.locator("#totp-effects").scroll_into_view_if_needed()
    shoot("two-factor-warn")
    page.click("#totp-confirm")
    page.wait_for_selector("#signin-note:not([hidden])")
    shoot("two-factor-on-sign-in-again")


def walk_restricted(page, site_url: str, srv, shoot) -> None:
    page.goto(site_url + "?server=" + srv.url)
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    sign_in_basic(page, "limited@example.com", "limited rights password 9")
    shoot("restricted-overview")
    page.click("#nav a[href='#app-passwords']")
    shoot("restricted-app-passwords")
    sign_out(page)
    shoot("signed-out-after")


def walk_legacy(page, site_url: str, srv, shoot) -> None:
    page.goto(site_url + "?server=" + srv.url)
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    sign_in_basic(page, *user(srv, ALICE))  # the principal name there
    page.click("#nav a[href='#password']")
    shoot("legacy-password")
    page.click("#nav a[href='#api-keys']")
    shoot("legacy-api-keys")
    sign_out(page)
    add_app_password(srv, "Phone")  # its secret: "app password made elsewhere"
    sign_in_basic(page, srv.accounts[ALICE[0]].login, "app password made elsewhere")
    page.click("#nav a[href='#password']")
    page.fill("#pw-current", ALICE[1])
    page.fill("#pw-new", "violet submarine orchestra kettle")
    page.fill("#pw-confirm", "violet submarine orchestra kettle")
    shoot("legacy-password-warn")
    page.click("#pw-submit")
    page.wait_for_selector("#signin-note:not([hidden])")
    shoot("legacy-password-ended")


def walk_hosting(page, site_url: str, srv, shoot) -> None:
    """The sign-in card in each config.json mode. ``site_url`` is bound to two
    servers; the one-server and open pages are served here."""
    from tests.e2e.helpers import open_other_ways

    def ready(url: str) -> None:
        page.goto(url)
        page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)

    ready(site_url + "?server=" + srv.url)
    open_other_ways(page)
    shoot("signin-bound-many")
    sites = {"one": serve.make_server("127.0.0.1", 0, [srv.url]),
             "open": serve.make_server("127.0.0.1", 0, [], config=ROOT / "no-config.json")}
    for httpd in sites.values():
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = {k: f"http://127.0.0.1:{h.server_address[1]}/" for k, h in sites.items()}
    try:
        ready(url["one"] + "?server=https://mail.evil.example")
        open_other_ways(page)
        shoot("signin-bound-one")
        ready(url["open"] + "?server=mail.ex\u0430mple.com")  # Cyrillic а
        open_other_ways(page)
        shoot("signin-open")
        page.route(url["one"] + "config.json",
                   lambda route: route.fulfill(status=200, body='{"server": ["https://mail.example.com"]}'))
        ready(url["one"])
        page.wait_for_selector("#signin-note.error:not([hidden])")
        shoot("signin-config-broken")
    finally:
        for httpd in sites.values():
            httpd.shutdown()
            httpd.server_close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--only", default="", help="comma-separated states to write (all are walked)")
    ap.add_argument("--locale", default="en-US", help="the browser's language (de-DE: the German page)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    bundle.build(quiet=False)  # photograph the current app/, never a stale bundle
    out.mkdir(parents=True, exist_ok=True)
    only = {s for s in a.only.split(",") if s}
    servers = {g: FakeStalwart(generation=g, cors=True) for g in ("0.16", "legacy")}
    for s in servers.values():
        s.start()
    httpd = serve.make_server("127.0.0.1", 0, [s.url for s in servers.values()])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{httpd.server_address[1]}/"
    taken: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for walk, gen in ((walk_016, "0.16"), (walk_restricted, "0.16"), (walk_legacy, "legacy"),
                              (walk_hosting, "0.16")):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale=a.locale)
                page = ctx.new_page()
                page.set_default_timeout(30_000)
                shoot = Shooter(page, out, only)
                walk(page, site, servers[gen], shoot)
                taken += shoot.taken
                ctx.close()
            browser.close()
    finally:
        httpd.shutdown()
        for s in servers.values():
            s.stop()
    if not only:
        write_index(out, taken)
    if shutil.which("optipng"):  # lossless: the same pictures, a quarter smaller
        subprocess.run(["optipng", "-quiet", "-o2", *map(str, sorted(out.glob("*.png")))], check=True)
    print(f"{len(taken)} states x {len(WIDTHS)} widths x {len(SCHEMES)} schemes in {out}")
    return 0


def write_index(out: Path, states: list[str]) -> None:
    lines = ["# Screenshots", "",
             "Made by `.venv/bin/python -m tools.screenshots` from the real page, against the contract",
             "test server (`tests/fakestalwart`). Each state at 1280 and 390 px wide, light and dark.", ""]
    for state in states:
        lines.append(f"## {STATES[state]}")
        lines.append("")
        lines.append(f"![{state}, 1280 px, light]({state}-1280-light.png)")
        lines.append("")
        lines.append(" · ".join(f"[{w} px, {c}]({state}-{w}-{c}.png)" for w in WIDTHS for c in SCHEMES))
        lines.append("")
    (out / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
