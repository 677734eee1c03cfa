"""Text the page did not write (descriptions, server names, the server's words)
cannot reorder a sentence, pass a look-alike host for a real one, or break the
layout by its length."""
from tests.e2e.helpers import ALICE, add_app_password, fits, go, sign_in_basic, user

RLO = "\u202e"
TRICK = "invoice" + RLO + "gnp.exe"  # shows as "invoiceexe.png" where bidi is not isolated
LONG = "x" * 5000                   # no spaces: it cannot wrap by itself


def test_hostile_descriptions_are_isolated_clipped_and_kept_whole(app_page, fake, gen):
    rec, page = app_page
    add_app_password(fake, TRICK)
    add_app_password(fake, LONG)
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    cells = page.locator("#app-list td.desc bdi")
    assert cells.count() == 2  # each description in its own <bdi>
    texts = [cells.nth(i).text_content() for i in range(2)]
    assert "invoicegnp.exe" in texts and RLO not in "".join(texts)  # the override is gone
    long_cell = page.locator("#app-list td.desc bdi", has_text="xxxx")
    assert long_cell.get_attribute("title") == LONG  # the whole text stays available
    assert long_cell.bounding_box()["height"] < 100  # clamped to a few lines
    fits(page, "hostile descriptions")
    # the confirmation: controls stripped, the name isolated (FSI…PDI), long names cut
    page.click("#app-list tr:has-text('invoice') button")
    page.wait_for_selector("#confirm-dialog[open]")
    text = page.locator("#confirm-text").text_content()
    assert RLO not in text and "\u2068invoicegnp.exe\u2069" in text
    fits(page, "revoke confirmation of a tricky name")
    page.click("#confirm-no")
    page.click("#app-list tr:has-text('xxxx') button")
    page.wait_for_selector("#confirm-dialog[open]")
    assert len(page.locator("#confirm-text").text_content()) < 300
    fits(page, "revoke confirmation of a long name")
    page.click("#confirm-no")


def test_non_ascii_server_names_are_shown_in_punycode(recorder):
    rec = recorder()  # open mode: the page may try the server the user typed
    rec.allowed.add("https://mail.xn--exmple-4nf.com")  # in ASCII, never the Unicode form
    rec.csp_ok = True
    page = rec.open()
    page.fill("#server-url", "https://mail.ex\u0430mple.com")  # Cyrillic а
    page.locator("#signin-other summary").click()
    page.fill("#login", ALICE[0])
    page.fill("#login-password", ALICE[1])
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#signin-msg.error")
    shown = page.locator("#signin-msg").inner_text() + page.locator("#app-status").inner_text()
    assert "xn--exmple-4nf" in shown
    assert "\u0430" not in shown
    tried = {u.split("/")[2] for _, u, _ in rec.requests if u.startswith("https://")}
    assert tried <= {"mail.xn--exmple-4nf.com"}, tried


def test_the_servers_words_are_isolated(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, user(fake, ALICE)[0], "not the password", expect_ok=False)
    page.wait_for_selector("#signin-msg.error .server bdi")
    assert page.locator("#signin-msg .server bdi").text_content().strip()
