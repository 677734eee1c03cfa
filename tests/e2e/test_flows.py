"""Every account-security flow, walked as a user would, on both generations.
Each helper call also checks that the state fits a 360 px screen."""
import base64
import re
import urllib.error
import urllib.request

import pyotp
from playwright.sync_api import expect

from tests.e2e.helpers import (ALICE, fill_password_change, fits, go, msg, scan_qr, sign_in_basic,
                               sign_in_oauth, sign_out, user, wait_msg)

NEW_PW = "violet submarine orchestra kettle"


def basic_ok(srv, login, secret) -> bool:
    """Can ``login:secret`` authenticate against the server (outside the page)?"""
    token = base64.b64encode(f"{login}:{secret}".encode()).decode()
    req = urllib.request.Request(srv.url + "/jmap/session", headers={"Authorization": "Basic " + token})
    try:
        urllib.request.urlopen(req)
        return True
    except urllib.error.HTTPError:
        return False


def test_change_password_then_sign_in_with_it(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    go(page, "password")
    page.fill("#pw-current", me[1])
    page.fill("#pw-new", "password")
    # live feedback, once typing pauses
    expect(page.locator("#pw-strength")).to_contain_text("common", ignore_case=True)
    page.fill("#pw-new", NEW_PW)
    page.fill("#pw-confirm", NEW_PW)
    # what the change does besides is said in the form, before its button
    # (views.sections.password_form decides what; no question after the click)
    assert page.locator("#pw-effects li").count() >= 1
    if gen == "legacy":
        assert page.locator("#pw-effects.warn").is_visible()
        fits(page, "legacy password warning")
    page.click("#pw-submit")
    assert page.locator("#confirm-dialog[open]").count() == 0
    wait_msg(page, "password")
    sign_out(page)
    sign_in_basic(page, me[0], NEW_PW)
    assert basic_ok(fake, me[0], NEW_PW) and not basic_ok(fake, *me)


def test_password_change_via_oauth_ends_in_a_panel_with_the_next_step(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    fill_password_change(page, ALICE[1], NEW_PW)
    # the token dies with the old password: the page says so first, in the form
    assert "sign in again" in page.locator("#pw-effects").inner_text()
    page.click("#pw-submit")
    page.wait_for_selector("#signin-note:not([hidden])")
    note = page.locator("#signin-note").inner_text()
    assert "Your password has been changed" in note and "Sign in again with the new password" in note
    assert page.evaluate("() => document.activeElement.id") == "signin-note"
    assert page.evaluate("() => document.getElementById('signin-note').getBoundingClientRect().top") >= 0
    fits(page, "password changed, sign in again")
    sign_in_oauth(page, ALICE[0], NEW_PW)
    assert page.locator("#signin-note").is_hidden()


def test_server_refusal_shows_its_words_at_the_field_and_keeps_input(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    fill_password_change(page, "wrong current password", NEW_PW)
    page.click("#pw-submit")
    wait_msg(page, "password", "error")
    assert page.input_value("#pw-current") == "wrong current password"
    assert page.input_value("#pw-new") == NEW_PW
    assert page.locator("#password-msg").inner_text().strip()
    # the field the server refused is marked, described by the message, and focused
    assert page.get_attribute("#pw-current", "aria-invalid") == "true"
    assert "password-msg" in page.get_attribute("#pw-current", "aria-describedby")
    assert page.evaluate("() => document.activeElement.id") == "pw-current"


def _enable_totp(page, password, expect_effects=False):
    go(page, "two-factor")
    page.click("#totp-start")
    page.wait_for_selector("#totp-setup:not([hidden])")
    assert page.locator("#totp-qr svg").count() == 1
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    # the QR as drawn scans, in both colour schemes, to a URL with the key shown beside it
    was_dark = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        url = scan_qr(page, "#totp-qr svg")
        assert url.startswith("otpauth://totp/") and f"secret={key}&" in url, (scheme, url)
    page.emulate_media(color_scheme="dark" if was_dark else "light")
    fits(page, "2FA set-up")
    # the recovery kit is a step: "Turn on" waits for it
    assert page.locator("#totp-confirm").is_disabled()
    page.check("#totp-kit-elsewhere")
    assert page.locator("#totp-confirm").is_enabled()
    page.fill("#totp-code", "000000" if pyotp.TOTP(key).now() != "000000" else "111111")
    page.fill("#totp-password", password)
    page.click("#totp-confirm")
    wait_msg(page, "totp-setup", "error")  # a wrong first code is caught here, under the button
    assert "does not match" in msg(page, "totp-setup")
    assert page.get_attribute("#totp-code", "aria-invalid") == "true"
    page.fill("#totp-code", pyotp.TOTP(key).now())
    if expect_effects:
        assert "sign in again" in page.locator("#totp-effects").inner_text().lower()
    else:
        assert page.locator("#totp-effects").is_hidden()
    page.click("#totp-confirm")
    assert page.locator("#confirm-dialog[open]").count() == 0
    return key


def test_enable_totp_sign_in_with_code_then_disable_016(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    key = _enable_totp(page, ALICE[1])
    wait_msg(page, "totp")
    assert fake016.accounts[ALICE[0]].otp_url  # saved on the server
    sign_out(page)
    sign_in_oauth(page, *ALICE, secret=key)  # now the server asks for a code
    assert page.locator("#summary-list li[data-status=on] a[href='#two-factor']").count() == 1
    go(page, "two-factor")
    assert page.locator("#totp-disable").is_hidden()  # "Turn off…" opens its form
    page.click("#totp-off")
    page.fill("#totp-dis-code", pyotp.TOTP(key).now())
    page.fill("#totp-dis-password", ALICE[1])
    assert page.locator("#totp-dis-effects li").count() >= 1  # what turning it off means, before
    fits(page, "turn off 2FA form")
    page.click("#totp-dis-submit")
    assert "off" in wait_msg(page, "totp")
    go(page, "overview")
    assert page.locator("#summary-list li[data-status=off] a[href='#two-factor']").count() == 1
    assert not fake016.accounts[ALICE[0]].otp_url


def test_enable_totp_with_a_password_sign_in_ends_in_a_panel(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    # Basic without a code no longer works: the page says so in the form, before
    key = _enable_totp(page, me[1], expect_effects=True)
    # …and afterwards says what is true now and how to sign in again
    page.wait_for_selector("#signin-note:not([hidden])")
    note = page.locator("#signin-note").inner_text()
    assert "Two-factor authentication is on" in note
    assert ("current code" in note) if gen == "legacy" else ("login page" in note)
    assert "Signed in as" not in page.locator("#app-status").inner_text()
    fits(page, "2FA on, sign in again")
    if gen == "legacy":
        sign_in_basic(page, *me, code=pyotp.TOTP(key).now())
        go(page, "two-factor")
        page.click("#totp-off")
        page.fill("#totp-dis-code", pyotp.TOTP(key).now())
        page.fill("#totp-dis-password", me[1])
        page.click("#totp-dis-submit")
        wait_msg(page, "totp")
        assert not fake.accounts[me[0]].otp_url


def test_app_password_create_use_revoke(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    go(page, "app-passwords")
    assert page.locator("#app-form").is_hidden()  # the form opens from its button
    page.click("#app-new")
    assert page.evaluate("() => document.activeElement.id") == "app-desc"
    page.fill("#app-desc", "Phone")
    if gen == "0.16":
        page.fill("#app-ips", "127.0.0.1, 10.0.0.0/8")
        # the checkbox says exactly what it blocks (its help is its description)
        assert page.is_checked("#app-readonly")
        help_text = page.locator("#" + page.get_attribute("#app-readonly", "aria-describedby")).inner_text()
        for what in ("your password", "two-factor", "app passwords and API keys", "encryption"):
            assert what in help_text, what
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    assert "not see it again" in page.locator("#secret-dialog").inner_text()
    secret = page.locator("#secret-value").inner_text()
    assert secret
    fits(page, "secret dialog")
    page.click("#secret-close")
    assert page.locator("#secret-value").inner_text() == ""  # gone from the page
    assert page.evaluate("() => document.activeElement.id") == "app-new"
    page.wait_for_selector("#app-list td:has-text('Phone')")
    assert "Phone" in msg(page, "app-list")
    assert basic_ok(fake, me[0], secret)
    sign_out(page)
    sign_in_basic(page, me[0], secret)  # the app password signs in too
    sign_out(page)
    sign_in_basic(page, *me)
    go(page, "app-passwords")
    page.click("#app-list button:has-text('Revoke')")
    page.wait_for_selector("#confirm-dialog[open]")
    page.click("#confirm-yes")
    wait_msg(page, "app-list")
    assert page.locator("#app-list td:has-text('Phone')").count() == 0
    assert not basic_ok(fake, me[0], secret)
    sign_out(page)
    sign_in_basic(page, me[0], secret, expect_ok=False)  # and now it fails
    page.wait_for_selector("#signin-msg.error")
    assert "did not accept" in msg(page, "signin")


def test_bad_ip_and_quota_errors_under_the_create_button(recorder, fake016):
    fake016.quota_app_passwords = 1
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Laptop")
    page.fill("#app-ips", "10.0.0.5/24")
    page.click("#app-submit")
    text = wait_msg(page, "app", "error")
    assert "10.0.0.0/24" in text  # says what to type instead
    assert page.get_attribute("#app-ips", "aria-invalid") == "true"
    assert page.input_value("#app-desc") == "Laptop"
    page.fill("#app-ips", "")
    page.click("#app-submit")
    page.click("#secret-close")
    page.click("#app-new")
    page.fill("#app-desc", "Tablet")
    page.click("#app-submit")
    assert "maximum" in wait_msg(page, "app", "error")
    assert page.input_value("#app-desc") == "Tablet"
    assert msg(page, "api") == "" and msg(page, "app-list") == ""  # nowhere else


def test_api_key_create_and_revoke_016(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    go(page, "api-keys")
    page.click("#api-new")
    page.fill("#api-desc", "Backup")
    page.click("#api-submit")
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    assert secret.startswith("API_")
    page.click("#secret-close")
    page.wait_for_selector("#api-list td:has-text('Backup')")
    page.click("#api-list button:has-text('Revoke')")
    page.click("#confirm-yes")
    wait_msg(page, "api-list")
    assert not fake016.accounts[ALICE[0]].api_keys


def test_api_keys_explained_on_legacy(recorder):
    from tests.fakestalwart import FakeStalwart
    with FakeStalwart(generation="legacy", cors=True) as srv:
        me = user(srv, ALICE)  # the principal name on legacy
        rec = recorder(srv.url)
        page = rec.open("?server=" + srv.url)
        sign_in_basic(page, *me)
        go(page, "api-keys")
        assert page.locator("#api-keys .unavailable [data-say='state.not_supported']").is_visible()
        assert not page.locator("#api-new").is_visible()
        assert not page.locator("#api-form").is_visible()
        fits(page, "legacy API keys")


def test_expired_session_asks_to_sign_in_again_keeping_input(recorder, fake016):
    fake016.token_lifetime = 2
    fake016.refresh_token_lifetime = 2
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    go(page, "app-passwords")
    page.click("#app-new")
    page.wait_for_timeout(2500)
    page.fill("#app-desc", "Kept")
    page.click("#app-submit")
    page.wait_for_selector("#signin-note.warn:not([hidden])")
    assert "Sign in again" in page.locator("#signin-note").inner_text()
    assert page.input_value("#app-desc") == "Kept"
    fits(page, "session expired")


def test_expired_access_token_is_refreshed_silently(recorder, fake016):
    fake016.token_lifetime = 2  # the refresh token stays valid
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    go(page, "app-passwords")
    page.click("#app-new")
    page.wait_for_timeout(2500)
    page.fill("#app-desc", "After refresh")
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    assert any(r.path == "/auth/token" for r in fake016.requests[-6:])
    assert page.locator("#who").is_visible()
