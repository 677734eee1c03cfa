"""One action in flight per form: repeat clicks are ignored, every button of the
form is disabled while its request runs and always enabled again after; and
sign-out forgets everything of the user who was signed in."""
import pyotp

from tests.e2e.helpers import (ALICE, add_app_password, fill_password_change, fits, generation_blind, go, msg,
                               sign_in_basic, sign_out, user, wait_msg)

NEW_PW = "violet submarine orchestra kettle"


def change_path(gen: str) -> str:
    return "/jmap/" if gen == "0.16" else "/api/account/auth"


def buttons_disabled(page, scope: str) -> list[bool]:
    return page.evaluate(f"""() => [...document.querySelectorAll('{scope} button')].map(b => b.disabled)""")


def test_double_click_creates_one_app_password(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Phone")
    fake.faults.set(path_prefix=change_path(gen), delay=1.5, times=1)  # a slow server
    page.dblclick("#app-submit")
    assert all(buttons_disabled(page, "#app-form"))  # Create and Cancel, while it runs
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    page.wait_for_timeout(1000)  # a second create would land (and overwrite the secret) by now
    assert page.locator("#secret-value").inner_text() == secret
    page.click("#secret-close")
    assert page.locator("#app-list tbody tr").count() == 1
    acct = fake.accounts[ALICE[0]]
    assert len(acct.app_passwords) == 1
    page.click("#app-new")
    assert not any(buttons_disabled(page, "#app-form"))  # enabled again


def test_double_click_changes_the_password_once(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    fill_password_change(page, ALICE[1], NEW_PW)
    fake.faults.set(path_prefix=change_path(gen), delay=1.0, times=1)
    page.dblclick("#pw-submit")
    assert page.locator("#pw-submit").is_disabled()  # held from the first click on
    assert "changed" in wait_msg(page, "password")
    page.wait_for_timeout(1500)  # a second change (with the old password) would fail by now
    # …and sign the user out, or replace the success with an error: neither happened
    assert page.locator("#who").is_visible()
    assert page.locator("#password-msg.ok").is_visible()
    assert fake.accounts[ALICE[0]].password != ALICE[1]
    assert page.locator("#pw-submit").is_enabled()


def test_revoke_holds_every_button_of_the_list_and_releases_after_a_failure(app_page, fake, gen):
    rec, page = app_page
    add_app_password(fake, "Phone")
    add_app_password(fake, "Laptop")
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    assert buttons_disabled(page, "#app-list") == [False, False]
    fake.faults.set(path_prefix=change_path(gen), status=500, delay=1.0, times=1)
    page.click("#app-list button >> nth=0")
    page.click("#confirm-yes")
    assert buttons_disabled(page, "#app-list") == [True, True]  # both, not just the one clicked
    text = wait_msg(page, "app-list", "error")
    # a 5xx may come after the change was made: the page checked, and says so
    assert "nothing was changed" in text and "Try again" in text
    assert buttons_disabled(page, "#app-list") == [False, False]  # always released
    assert page.locator("#app-list tbody tr").count() == 2
    fits(page, "revoke failed")


def test_stalled_answer_keeps_the_form_held_until_it_arrives(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "two-factor")
    page.click("#totp-start")
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.check("#totp-kit-elsewhere")
    page.fill("#totp-code", pyotp.TOTP(key).now())
    page.fill("#totp-password", "not my password")
    fake.faults.set(path_prefix=change_path(gen), delay=2.0, times=1)
    page.click("#totp-confirm")  # (what it ends was said in the form: no question now)
    page.click("#totp-confirm", force=True)  # ignored: disabled, and already running
    assert buttons_disabled(page, "#totp-setup") == [True, True, True, True]
    wait_msg(page, "totp-setup", "error")
    assert buttons_disabled(page, "#totp-setup") == [False, False, False, False]
    assert page.locator("#who").is_visible()
    assert page.input_value("#totp-code")  # nothing typed is lost


@generation_blind
def test_sign_out_during_2fa_setup_forgets_everything(app_page, fake, gen):
    rec, page = app_page
    fake.add_account("bob@example.com", "bobs own long password 77")
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "two-factor")
    page.click("#totp-start")
    alice_key = page.locator("#totp-key").inner_text()
    page.check("#totp-kit-elsewhere")
    page.fill("#totp-code", "123456")
    page.fill("#totp-password", ALICE[1])
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Alice's phone")
    go(page, "encryption")
    page.fill("#enc-key", "not a key")
    page.wait_for_selector("#enc-report .verdict")
    sign_out(page)
    assert "You are signed out" in page.locator("#signin-note").inner_text()
    assert page.evaluate("() => Object.keys(sessionStorage)") == []
    # what is still on screen signed out (the key check) holds nothing of hers
    assert page.input_value("#enc-key") == "" and page.locator("#enc-report").inner_text() == ""
    sign_in_basic(page, "bob@example.com", "bobs own long password 77")
    go(page, "two-factor")
    assert page.locator("#totp-setup").is_hidden() and page.locator("#totp-start").is_visible()
    assert page.locator("#totp-key").inner_text() == "" and page.locator("#totp-qr").inner_html() == ""
    for field in ("#totp-code", "#totp-password"):
        assert page.input_value(field) == ""
    assert not page.is_checked("#totp-kit-elsewhere")
    page.click("#totp-start")  # a new set-up is Bob's own
    assert page.locator("#totp-key").inner_text() != alice_key
    assert "bob@example.com" in page.locator("#totp-qr svg title").text_content()
    assert "alice" not in page.locator("#totp-qr").inner_html()
    go(page, "app-passwords")
    assert page.locator("#app-form").is_hidden()
    assert page.input_value("#app-desc") == ""
    assert msg(page, "app") == "" and msg(page, "app-list") == ""
    assert not fake.accounts[ALICE[0]].otp_url


@generation_blind
def test_sign_out_closes_an_open_question(app_page, fake, gen):
    rec, page = app_page
    add_app_password(fake, "Phone")
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    page.click("#app-list button:has-text('Revoke')")
    page.wait_for_selector("#confirm-dialog[open]")
    # the dialog is modal; the session ends under it (another tab signed out, a timer…)
    page.evaluate("() => document.getElementById('signout-btn').click()")
    page.wait_for_selector("#confirm-dialog:not([open])", state="attached")
    page.wait_for_selector("#signin:not([hidden])")
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    assert buttons_disabled(page, "#app-list") == [False]  # the unanswered question held nothing
    assert len(fake.accounts[ALICE[0]].app_passwords) == 1  # and revoked nothing
