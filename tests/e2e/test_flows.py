"""Every account-security flow, walked as a user would, on both generations."""
import base64
import re
import urllib.error
import urllib.request

import pyotp

from tests.e2e.helpers import ALICE, TOTP_USER, msg, sign_in_basic, sign_in_oauth, sign_out, user, wait_msg

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
    page.fill("#pw-current", me[1])
    page.fill("#pw-new", "password")
    assert "common" in page.locator("#pw-strength").inner_text().lower()  # live feedback
    page.fill("#pw-new", NEW_PW)
    page.fill("#pw-confirm", NEW_PW)
    if gen == "legacy":
        page.click("#password-form button[type=submit]")
        page.wait_for_selector("#confirm-dialog[open]")
        assert "removes all app passwords" in page.locator("#confirm-text").inner_text()
        page.click("#confirm-yes")
    else:
        page.click("#password-form button[type=submit]")
    wait_msg(page, "password")
    sign_out(page)
    sign_in_basic(page, me[0], NEW_PW)
    assert basic_ok(fake, me[0], NEW_PW) and not basic_ok(fake, *me)


def test_password_change_via_oauth_requires_new_sign_in(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    page.fill("#pw-current", ALICE[1])
    page.fill("#pw-new", NEW_PW)
    page.fill("#pw-confirm", NEW_PW)
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#signin:not([hidden])")
    assert "Sign in again with the new password" in msg(page, "signin")
    sign_in_oauth(page, ALICE[0], NEW_PW)


def test_server_refusal_shows_its_words_and_keeps_input(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    page.fill("#pw-current", "wrong current password")
    page.fill("#pw-new", NEW_PW)
    page.fill("#pw-confirm", NEW_PW)
    page.click("#password-form button[type=submit]")
    if gen == "legacy":
        page.click("#confirm-yes")
    page.wait_for_selector("#password-msg.error")
    assert page.input_value("#pw-current") == "wrong current password"
    assert page.input_value("#pw-new") == NEW_PW
    assert page.locator("#password-msg").inner_text().strip()


def _enable_totp(page, password):
    page.click("#totp-start")
    page.wait_for_selector("#totp-setup:not([hidden])")
    assert page.locator("#totp-qr svg").count() == 1
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    page.fill("#totp-code", "000000" if pyotp.TOTP(key).now() != "000000" else "111111")
    page.fill("#totp-password", password)
    page.click("#totp-setup button[type=submit]")
    page.wait_for_selector("#totp-msg.error")  # a wrong first code is caught here
    assert "does not match" in msg(page, "totp")
    page.fill("#totp-code", pyotp.TOTP(key).now())
    page.click("#totp-setup button[type=submit]")
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
    assert "Two-factor authentication is on" in page.locator("#summary").inner_text()
    page.fill("#totp-dis-code", pyotp.TOTP(key).now())
    page.fill("#totp-dis-password", ALICE[1])
    page.click("#totp-disable button[type=submit]")
    page.click("#confirm-yes")
    wait_msg(page, "totp")
    assert "Two-factor authentication is off" in page.locator("#summary").inner_text()
    assert not fake016.accounts[ALICE[0]].otp_url


def test_enable_totp_and_sign_in_with_code_legacy(recorder):
    from tests.fakestalwart import FakeStalwart
    with FakeStalwart(generation="legacy", cors=True) as srv:
        me = user(srv, ALICE)  # the principal name on legacy
        rec = recorder(srv.url)
        page = rec.open("?server=" + srv.url)
        sign_in_basic(page, *me)
        key = _enable_totp(page, me[1])
        # Basic without a code no longer works, so the page asks to sign in again.
        page.wait_for_selector("#signin:not([hidden])")
        assert "current code" in msg(page, "signin")
        sign_in_basic(page, *me, code=pyotp.TOTP(key).now())
        page.fill("#totp-dis-code", pyotp.TOTP(key).now())
        page.fill("#totp-dis-password", me[1])
        page.click("#totp-disable button[type=submit]")
        page.click("#confirm-yes")
        wait_msg(page, "totp")
        assert not srv.accounts[me[0]].otp_url


def test_app_password_create_use_revoke(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    page.fill("#app-desc", "Phone")
    if gen == "0.16":
        page.fill("#app-ips", "127.0.0.1, 10.0.0.0/8")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector("#secret-dialog[open]")
    assert "not see it again" in page.locator("#secret-dialog").inner_text()
    secret = page.locator("#secret-value").inner_text()
    assert secret
    page.click("#secret-close")
    assert page.locator("#secret-value").inner_text() == ""  # gone from the page
    assert page.evaluate("() => document.activeElement.id") == "app-desc"
    page.wait_for_selector("#app-list td:has-text('Phone')")
    assert basic_ok(fake, me[0], secret)
    sign_out(page)
    sign_in_basic(page, me[0], secret)  # the app password signs in too
    sign_out(page)
    sign_in_basic(page, *me)
    page.click("#app-list button:has-text('Revoke')")
    page.wait_for_selector("#confirm-dialog[open]")
    page.click("#confirm-yes")
    wait_msg(page, "cred")
    assert page.locator("#app-list td:has-text('Phone')").count() == 0
    assert not basic_ok(fake, me[0], secret)
    sign_out(page)
    sign_in_basic(page, me[0], secret, expect_ok=False)  # and now it fails
    page.wait_for_selector("#signin-msg.error")
    assert "did not accept" in msg(page, "signin")


def test_bad_ip_and_quota_errors_in_words(recorder, fake016):
    fake016.quota_app_passwords = 1
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    page.fill("#app-desc", "Laptop")
    page.fill("#app-ips", "10.0.0.5/24")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector("#cred-msg.error")
    assert "10.0.0.0/24" in msg(page, "cred")  # says what to type instead
    assert page.input_value("#app-desc") == "Laptop"
    page.fill("#app-ips", "")
    page.click("#app-form button[type=submit]")
    page.click("#secret-close")
    page.fill("#app-desc", "Tablet")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector("#cred-msg.error")
    assert "maximum" in msg(page, "cred")
    assert page.input_value("#app-desc") == "Tablet"


def test_api_key_create_and_revoke_016(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    page.fill("#api-desc", "Backup")
    page.click("#api-form button[type=submit]")
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    assert secret.startswith("API_")
    page.click("#secret-close")
    page.wait_for_selector("#api-list td:has-text('Backup')")
    page.click("#api-list button:has-text('Revoke')")
    page.click("#confirm-yes")
    wait_msg(page, "cred")
    assert not fake016.accounts[ALICE[0]].api_keys


def test_api_keys_hidden_on_legacy(recorder):
    from tests.fakestalwart import FakeStalwart
    with FakeStalwart(generation="legacy", cors=True) as srv:
        me = user(srv, ALICE)  # the principal name on legacy
        rec = recorder(srv.url)
        page = rec.open("?server=" + srv.url)
        sign_in_basic(page, *me)
        assert page.locator("#api-legacy").is_visible()
        assert not page.locator("#api-form").is_visible()


def test_expired_session_asks_to_sign_in_again_keeping_input(recorder, fake016):
    fake016.token_lifetime = 2
    fake016.refresh_token_lifetime = 2
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    page.wait_for_timeout(2500)
    page.fill("#app-desc", "Kept")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector("#signin:not([hidden])")
    assert "Sign in again" in msg(page, "signin")
    assert page.input_value("#app-desc") == "Kept"


def test_expired_access_token_is_refreshed_silently(recorder, fake016):
    fake016.token_lifetime = 2  # the refresh token stays valid
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_oauth(page, *ALICE)
    page.wait_for_timeout(2500)
    page.fill("#app-desc", "After refresh")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector("#secret-dialog[open]")
    assert any(r.path == "/auth/token" for r in fake016.requests[-6:])
    assert page.locator("#who").is_visible()
