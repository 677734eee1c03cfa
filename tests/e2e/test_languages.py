"""The page in the user's language: the switch (remembered), the browser's
languages, <html lang>, and Arabic laid out right to left (the menu on the
right, nothing scrolling sideways)."""
from __future__ import annotations

import re

from tests.e2e.helpers import ALICE, fits, go, sign_in_basic

RTL_WIDTHS = (1280, 390)


def _lang_attrs(page) -> tuple[str, str]:
    return (page.locator("html").get_attribute("lang"), page.locator("html").get_attribute("dir"))


def test_lang_switch_lists_eight_and_is_remembered(recorder):
    rec = recorder()
    page = rec.open()
    names = page.locator("#lang option").all_inner_texts()
    assert names == ["English", "Deutsch", "Français", "Español", "Italiano",
                     "Português (Brasil)", "Nederlands", "العربية"]
    assert _lang_attrs(page) == ("en", "ltr")
    page.select_option("#lang", "de")
    assert _lang_attrs(page) == ("de", "ltr")
    assert page.get_by_role("heading", name="Bei Ihrem Mailserver anmelden").is_visible()
    assert page.locator("#app-desc").get_attribute("placeholder") == "Mail-App auf dem Telefon"
    page.reload()
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    assert _lang_attrs(page) == ("de", "ltr")  # the pick outlives a reload
    assert page.locator("#lang").input_value() == "de"
    assert page.evaluate("() => localStorage.getItem('stalwart-account-security.lang')") == "de"


# Every text the sign-in heading and the status line show, in order, from the
# static shell's (English, before any Python) on.
WATCH_TEXTS = """
window.__texts = [];
new MutationObserver(() => {
  for (const id of ["signin-h", "app-status"]) {
    const node = document.getElementById(id);
    if (node && window.__texts.at(-1)?.[id] !== node.textContent) window.__texts.push({[id]: node.textContent});
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_lang_follows_the_browser_when_nothing_was_picked(browser, site):
    """A German browser gets German from Python's first text on, even when the
    lib archive (which holds every catalogue but English) arrives late."""
    import time
    site.allow()
    ctx = browser.new_context(locale="de-DE")
    late = []

    def slow_lib(route):
        answer = route.fetch()
        time.sleep(2)
        late.append(route.request.url)
        route.fulfill(response=answer)

    try:
        page = ctx.new_page()
        page.add_init_script(WATCH_TEXTS)
        page.route("**/lib-*.zip", slow_lib)
        page.goto(site.url)
        page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
        assert late, "the lib archive was not fetched"
        assert _lang_attrs(page) == ("de", "ltr")
        assert page.locator("#lang").input_value() == "de"
        assert page.locator("#signin-h").inner_text() == "Bei Ihrem Mailserver anmelden"
        texts = page.evaluate("() => window.__texts")
        heading = [t["signin-h"] for t in texts if "signin-h" in t]
        status = [t["app-status"] for t in texts if "app-status" in t]
        german = "Bei Ihrem Mailserver anmelden"  # (before it: the static shell's English)
        assert german in heading and set(heading[heading.index(german):]) == {german}, texts
        assert status[-1].startswith("Bereit."), texts
        assert not [s for s in status if s.startswith("Ready")], texts
        # Another language's catalogue is read on the switch, from the same archive.
        page.select_option("#lang", "fr")
        assert _lang_attrs(page) == ("fr", "ltr")
        assert page.locator("#signin-h").inner_text() == "Connexion à votre serveur de messagerie"
        page.select_option("#lang", "pt-BR")
        assert _lang_attrs(page) == ("pt-BR", "ltr")
        assert page.locator("#signin-h").inner_text() == "Faça login no seu servidor de e-mail"
    finally:
        ctx.close()


def test_rtl_arabic_mirrors_the_layout(recorder, fake016, tmp_path):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.select_option("#lang", "ar")
    assert _lang_attrs(page) == ("ar", "rtl")
    fits(page, "Arabic, signed out")
    sign_in_basic(page, *ALICE)
    page.set_viewport_size({"width": 1280, "height": 900})
    side = page.locator("#side").bounding_box()
    overview = page.locator("#overview").bounding_box()
    assert side["x"] > overview["x"] + overview["width"] - 1, (side, overview)  # the menu is on the right
    # the current item's marker is on its inline-start edge: the right in Arabic
    border = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('#nav a[aria-current=page]'));
        return [s.borderRightWidth, s.borderLeftWidth]; }""")
    assert border == ["3px", "0px"]
    # addresses stay left to right inside the right-to-left page
    assert page.evaluate("() => getComputedStyle(document.getElementById('server-url')).direction") == "ltr"
    for width in RTL_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
        page.wait_for_timeout(100)
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"sideways scroll at {width} px"
        page.screenshot(path=str(tmp_path / f"overview-ar-{width}.png"), full_page=True)
    fits(page, "Arabic overview")
    go(page, "app-passwords")
    fits(page, "Arabic app passwords")


def test_lang_german_overview(recorder, fake016, tmp_path):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.select_option("#lang", "de")
    sign_in_basic(page, *ALICE)
    assert page.get_by_role("heading", name="Status auf einen Blick").is_visible()
    assert _lang_attrs(page) == ("de", "ltr")
    for width in RTL_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
        page.wait_for_timeout(100)
        page.screenshot(path=str(tmp_path / f"overview-de-{width}.png"), full_page=True)
    fits(page, "German overview")


def test_a_language_switch_paints_again_every_text_already_on_screen(browser, site, fake016):
    """A German browser stays German after sign-in (0.16's en_US is only the
    default); then, switched to Arabic, the error, the strength feedback and
    the panel already shown are in Arabic too; the language is saved to the account."""
    from tests.e2e.helpers import fill_password_change, wait_msg
    site.allow(fake016.url)
    ctx = browser.new_context(locale="de-DE")
    try:
        page = ctx.new_page()
        page.goto(site.url + "?server=" + fake016.url)
        page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
        assert fake016.accounts[ALICE[0]].locale == "en_US"
        sign_in_basic(page, *ALICE)
        assert _lang_attrs(page) == ("de", "ltr")  # not English: en_US is nobody's choice
        fill_password_change(page, "wrong password", "password")
        page.wait_for_selector("#pw-strength strong")
        page.fill("#pw-confirm", "password")
        page.click("#pw-submit")
        german_error = wait_msg(page, "password", "error")
        german_strength = page.locator("#pw-strength").inner_text()
        page.select_option("#lang", "ar")
        assert _lang_attrs(page) == ("ar", "rtl")
        arabic_error = page.locator("#password-msg").inner_text()
        assert arabic_error != german_error and not re.search(r"[a-zäöüß]{4,}", arabic_error.split("\n")[0])
        assert page.locator("#pw-strength").inner_text() != german_strength
        assert page.locator("#app-status").inner_text() not in ("", "Loading…")
        page.wait_for_function("() => true")
        for _ in range(50):  # saved to the account, in the background
            if fake016.accounts[ALICE[0]].locale == "ar_SA":
                break
            page.wait_for_timeout(100)
        assert fake016.accounts[ALICE[0]].locale == "ar_SA"
        page.click("#signout-btn")
        page.select_option("#lang", "de")
        assert "Sie sind abgemeldet" in page.locator("#signin-note").inner_text()  # the panel too
        fits(page, "German after Arabic, signed out")
    finally:
        ctx.close()
