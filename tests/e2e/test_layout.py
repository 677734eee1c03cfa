"""The page is laid out like an account page: signed out only sign-in (and the
offline key check); signed in an overview and one section at a time, each at
its own address fragment, so the menu, back/forward and reload all work; the
top status line always says what is true now."""
from tests.e2e.helpers import (ALICE, add_app_password, fill_password_change, fits, generation_blind, go,
                               sign_in_basic, sign_in_oauth, user)

VIEWS = ["overview", "password", "two-factor", "app-passwords", "api-keys", "encryption"]


def visible_views(page) -> list[str]:
    return [v for v in VIEWS if page.locator(f"#{v}").is_visible()]


def active_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_signed_out_shows_only_sign_in_and_the_key_check(app_page):
    rec, page = app_page
    assert page.locator("#signin").is_visible()
    assert visible_views(page) == ["encryption"]  # as "Check a public key", offline
    assert page.get_by_role("heading", name="Check a public key").is_visible()
    assert not page.locator("#nav").is_visible() and not page.locator("#who").is_visible()
    body = page.locator("body").inner_text()
    assert "Sign in first" not in body
    # no disabled control is on show before sign-in
    disabled = page.evaluate("""() => [...document.querySelectorAll('button, input, select, textarea')]
        .filter(c => c.disabled && c.getClientRects().length).map(c => c.id || c.textContent)""")
    assert disabled == []
    assert page.locator("#app-status").inner_text().startswith("Ready")
    fits(page, "signed out")


@generation_blind
def test_menu_fragments_back_forward_and_reload(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    assert visible_views(page) == ["overview"]
    assert active_id(page) == "overview-h"  # focus on the overview heading after sign-in
    go(page, "password")
    assert page.url.endswith("#password") and visible_views(page) == ["password"]
    assert active_id(page) == "password-h"
    assert page.locator("#nav a[aria-current=page]").get_attribute("href") == "#password"
    go(page, "two-factor")
    assert visible_views(page) == ["two-factor"]
    page.go_back()
    page.wait_for_selector("#password:not([hidden])")
    assert visible_views(page) == ["password"] and active_id(page) == "password-h"
    page.go_forward()
    page.wait_for_selector("#two-factor:not([hidden])")
    assert visible_views(page) == ["two-factor"]
    # the skip link's #main is not a section: the view stays
    page.evaluate("() => { location.hash = 'main'; }")
    page.wait_for_timeout(200)
    assert visible_views(page) == ["two-factor"]
    page.evaluate("() => { location.hash = 'two-factor'; }")
    # a reload without "stay signed in" ends the session, and says why
    page.reload()
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    page.wait_for_selector("#signin-note:not([hidden])")
    assert "signed out when the page was reloaded" in page.locator("#signin-note").inner_text()
    assert "Stay signed in" in page.locator("#signin-note").inner_text()
    assert visible_views(page) == ["encryption"]
    fits(page, "reload ended the session")
    sign_in_basic(page, *user(fake, ALICE))
    assert visible_views(page) == ["two-factor"]  # back where the address says
    assert active_id(page) == "totp-h"
    assert page.locator("#signin-note").is_hidden()


def test_stay_signed_in_reload_keeps_the_section(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.check("#stay")
    sign_in_oauth(page, *ALICE)
    go(page, "app-passwords")
    add_app_password(fake016, "made elsewhere")
    page.reload()
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    assert visible_views(page) == ["app-passwords"]
    assert page.locator("#signin-note").is_hidden()  # nothing ended
    # Its module (app.ui.credentials) is imported when the section is first shown,
    # here right after ready: it draws the account's list and its buttons work.
    assert "made elsewhere" in page.locator("#app-list").inner_text()
    page.click("#app-new")
    page.wait_for_selector("#app-form:not([hidden])")
    assert page.evaluate("() => document.activeElement.id") == "app-desc"


def test_overview_items_link_to_their_sections_and_name_the_next_step(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    links = page.locator("#summary-list a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["#password", "#two-factor", "#app-passwords", "#api-keys", "#encryption"]
    assert page.locator("#summary-next").inner_text().startswith("Recommended next step")
    page.click("#summary-next a")
    page.wait_for_selector("#two-factor:not([hidden])")
    assert active_id(page) == "totp-h"
    page.go_back()
    page.wait_for_selector("#overview:not([hidden])")
    page.click("#summary-list a[href='#encryption']")
    page.wait_for_selector("#encryption:not([hidden])")
    assert page.get_by_role("heading", name="Encryption at rest", exact=True).is_visible()


@generation_blind
def test_status_line_is_never_stuck_on_connecting(recorder, fake):
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    fake.stop()  # the server goes away: the sign-in fails to connect
    sign_in_basic(page, *ALICE, expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    status = page.locator("#app-status").inner_text()
    assert "Connecting" not in status and "Not signed in" in status


@generation_blind
def test_result_is_scrolled_into_view_under_its_button_on_a_phone(app_page, fake, gen):
    rec, page = app_page
    page.set_viewport_size({"width": 390, "height": 600})
    sign_in_basic(page, *user(fake, ALICE))
    fill_password_change(page, ALICE[1], "violet submarine orchestra kettle", "violet submarine orchestra kettles")
    page.evaluate("() => window.scrollTo(0, 0)")  # the button and its message are below the fold
    page.click("#pw-submit")
    page.wait_for_selector("#password-msg.error")
    box = page.locator("#password-msg").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 600  # in view
    # right under the form's button
    assert page.evaluate("() => document.getElementById('pw-submit').parentElement.nextElementSibling.id") \
        == "password-msg"
    assert page.get_attribute("#pw-confirm", "aria-invalid") == "true"
    assert active_id(page) == "pw-confirm"
    # announced: the live status line carries it too
    assert "not the same" in page.locator("#app-status").inner_text()


@generation_blind
def test_copy_says_copied_inside_the_dialog(app_page, fake, gen):
    rec, page = app_page
    rec.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Copied one")
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    page.click("#secret-copy")
    page.wait_for_selector("#secret-copied.ok")
    assert page.locator("#secret-copied").inner_text() == "Copied."
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    page.keyboard.press("Escape")  # copied: Esc closes without asking
    page.wait_for_selector("#secret-dialog:not([open])", state="attached")
    assert page.locator("#secret-warn").is_hidden()
