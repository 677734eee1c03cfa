"""Accessibility: axe-core (from the npm registry, pinned) finds no serious or
critical violation in any state of the page; keyboard use; dark mode; language."""
import hashlib
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.e2e.helpers import ALICE, go, open_other_ways, sign_in_basic, user

AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
CACHE = Path(__file__).resolve().parents[1] / ".artifacts"


@pytest.fixture(scope="session")
def axe_source() -> str:
    target = CACHE / f"axe-{AXE_VERSION}.min.js"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        # each test worker fetches into a folder of its own and renames, so two
        # workers starting at once never read a half-written file
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            subprocess.run(["npm", "pack", "--silent", f"axe-core@{AXE_VERSION}"], cwd=tmp, check=True,
                           capture_output=True)
            with tarfile.open(Path(tmp) / f"axe-core-{AXE_VERSION}.tgz") as tar:
                (Path(tmp) / target.name).write_bytes(tar.extractfile("package/axe.min.js").read())
            os.replace(Path(tmp) / target.name, target)
    data = target.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, "axe-core does not match its pinned sha256"
    return data.decode()


def scan(page, axe_source, state: str) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '));
    }""")
    assert result == [], f"{state}: {result}"


KEY = Path(__file__).resolve().parents[2] / "bench" / "samples" / "ed25519.asc"


def test_axe_every_state(recorder, fake, gen, axe_source):
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    scan(page, axe_source, "signed out")
    page.fill("#enc-key", KEY.read_text())
    page.wait_for_selector("#enc-report .verdict")
    scan(page, axe_source, "key check, signed out")
    page.fill("#enc-key", "")
    open_other_ways(page)  # (a server without a usable login page opens it by itself)
    page.fill("#login", user(fake, ALICE)[0])
    page.fill("#login-password", "wrong")
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#signin-msg.error")
    scan(page, axe_source, "sign-in error")
    sign_in_basic(page, *user(fake, ALICE))
    scan(page, axe_source, "overview")
    go(page, "password")
    page.fill("#pw-new", "password")
    page.wait_for_selector("#pw-strength strong")  # scored once typing pauses
    page.click("#pw-submit")
    page.wait_for_selector("#password-msg.error")
    scan(page, axe_source, "password feedback and error")
    go(page, "two-factor")
    scan(page, axe_source, "two-factor off")
    page.click("#totp-start")
    page.wait_for_selector("#totp-qr svg")
    page.click("#totp-confirm", force=True)  # disabled until the kit is saved: nothing happens
    page.check("#totp-kit-elsewhere")
    page.click("#totp-confirm")
    page.wait_for_selector("#totp-setup-msg.error")
    scan(page, axe_source, "two-factor set-up with an error")
    page.click("#totp-cancel")
    go(page, "app-passwords")
    page.click("#app-new")
    scan(page, axe_source, "new app password form")
    page.fill("#app-desc", "Phone")
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    scan(page, axe_source, "secret dialog")
    page.keyboard.press("Escape")
    page.wait_for_selector("#secret-warn:not([hidden])")
    scan(page, axe_source, "secret not copied")
    page.click("#secret-discard")
    scan(page, axe_source, "app passwords list")
    page.click("#app-list button:has-text('Revoke')")
    page.wait_for_selector("#confirm-dialog[open]")
    scan(page, axe_source, "confirm dialog")
    page.click("#confirm-no")
    page.wait_for_selector("#confirm-dialog:not([open])", state="attached")
    assert page.evaluate("() => document.activeElement.textContent") == "Revoke"  # focus went back
    go(page, "api-keys")
    scan(page, axe_source, "API keys")
    go(page, "encryption")
    page.fill("#enc-key", "not a key")
    page.wait_for_selector("#enc-report .verdict")
    scan(page, axe_source, "key report")
    page.fill("#enc-key", KEY.read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    page.click("#enc-submit")
    page.wait_for_selector("#confirm-dialog[open]")
    scan(page, axe_source, "encryption consequences")
    page.click("#confirm-yes")
    page.wait_for_selector("#enc-msg.ok")
    scan(page, axe_source, "encryption on")
    page.set_viewport_size({"width": 390, "height": 844})
    go(page, "overview")
    scan(page, axe_source, "overview on a phone")
    page.click("#signout-btn")
    page.wait_for_selector("#signin-note:not([hidden])")
    scan(page, axe_source, "signed out, with the panel")


def test_axe_restricted_account(recorder, fake, axe_source):
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    # a legacy server signs in with the principal name, not the address
    sign_in_basic(page, *user(fake, ("limited@example.com", "limited rights password 9")))
    scan(page, axe_source, "restricted overview")
    for view in ("app-passwords", "api-keys", "encryption"):
        go(page, view)
        scan(page, axe_source, f"restricted {view}")


def test_axe_dark_mode_and_german(browser, site, axe_source):
    site.allow()
    ctx = browser.new_context(color_scheme="dark", locale="de-DE")
    page = ctx.new_page()
    page.goto(site.url)
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Öffentlichen Schlüssel prüfen", exact=True).is_visible()
    bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(246, 247, 249)"  # the dark palette applies
    scan(page, axe_source, "dark, German")
    page.select_option("#lang", "en")
    assert page.get_by_role("heading", name="Check a public key", exact=True).is_visible()
    ctx.close()


def test_keyboard_only_sign_in_and_focus_after_dialog(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.focus("#signin-other summary")
    page.keyboard.press("Enter")  # opens "other ways"
    page.focus("#login")
    page.keyboard.type(ALICE[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ALICE[1])
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#who:not([hidden])")
    assert page.evaluate("() => document.activeElement.id") == "overview-h"  # focus on the overview
    page.focus("#nav a[href='#app-passwords']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#app-passwords:not([hidden])")
    assert page.evaluate("() => document.activeElement.id") == "app-h"
    page.focus("#app-new")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "app-desc"
    page.keyboard.type("Keyboard")
    page.keyboard.press("Enter")
    page.wait_for_selector("#secret-dialog[open]")
    assert page.evaluate("() => document.activeElement.id") == "secret-copy"
    page.keyboard.press("Escape")  # never copied: asks first, inside the dialog
    page.wait_for_selector("#secret-warn:not([hidden])")
    assert page.locator("#secret-dialog").get_attribute("open") is not None
    assert page.evaluate("() => document.activeElement.id") == "secret-back"
    page.keyboard.press("Escape")  # never copied: Esc again does not throw it away
    page.wait_for_timeout(300)
    assert page.locator("#secret-dialog").get_attribute("open") is not None
    assert page.locator("#secret-warn").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "secret-discard"
    page.keyboard.press("Enter")  # only this closes it: focus comes back
    page.wait_for_selector("#secret-dialog:not([open])", state="attached")
    assert page.evaluate("() => document.activeElement.id") == "app-new"
    assert page.locator("#secret-value").inner_text() == ""


def test_file_pick_label_shows_the_focus_ring(recorder):
    rec = recorder()
    page = rec.open()
    page.focus("#enc-key")
    page.keyboard.press("Tab")  # to the (visually hidden) file input
    assert page.evaluate("() => document.activeElement.id") == "enc-file"
    outline = page.evaluate("() => getComputedStyle(document.querySelector('label[for=enc-file]')).outlineStyle")
    assert outline == "solid"
