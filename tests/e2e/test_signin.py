"""Signing in each way, against the contract server on another origin."""
import json
import urllib.request

from tests.e2e.helpers import (ALICE, TOTP_USER, approve_device, fits, generation_blind, go,
                               sign_in_basic, sign_in_oauth, sign_out, summary, user)


def test_basic_sign_in_shows_state(app_page, fake, gen):
    rec, page = app_page
    me = user(fake, ALICE)  # the principal name on legacy
    sign_in_basic(page, *me)
    assert ("0.16" in page.locator("#who-gen").inner_text()) == (gen == "0.16")
    assert summary(page, "two-factor") == ("off", "off")
    go(page, "password")
    assert page.locator("#pw-current").is_enabled()
    # Only the page's origin and the server's were contacted.
    assert rec.origins() <= {rec.site.origin, fake.url}


@generation_blind
def test_wrong_password_keeps_what_was_typed(app_page):
    rec, page = app_page
    sign_in_basic(page, ALICE[0], "not the password", expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    assert "did not accept" in page.locator("#signin-msg").inner_text()
    assert page.input_value("#login") == ALICE[0]
    assert page.input_value("#login-password") == "not the password"
    # the message sits right under the button that was pressed, in view
    assert page.evaluate("""() => document.querySelector('#basic-form').nextElementSibling.id""") == "signin-msg"
    assert page.locator("#signin-msg").is_visible()
    box = page.locator("#signin-msg").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]
    # and the top line says what is true now, not "Connecting to …"
    assert "Not signed in" in page.locator("#app-status").inner_text()
    fits(page, "sign-in error")


def test_initial_load_is_session_plus_one_jmap_call(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    posts = [r for r in fake016.requests if r.method == "POST"]
    gets = [r for r in fake016.requests if r.method == "GET"]
    assert [r.path for r in posts] == ["/jmap/"], posts
    # discovery once, before sign-in (what the server offers), then the session and
    # what these credentials may do (their effective permissions)
    assert [r.path for r in gets] == ["/.well-known/oauth-authorization-server", "/.well-known/jmap",
                                      "/jmap/session", "/api/account"], gets


def test_oauth_pkce_for_a_totp_account_on_016(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    secret = fake016.accounts[TOTP_USER[0]].otp_secret
    sign_in_oauth(page, *TOTP_USER, secret=secret)
    assert summary(page, "two-factor") == ("on", "on")
    # The code and state are gone from the address bar, and nothing secret is kept:
    # only the flag that lets a reload say why the session ended.
    assert "code=" not in page.url and "state=" not in page.url
    assert page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))") == \
        '[["stalwart-account-security.session-open","1"]]'
    assert "Basic" not in json.dumps([r.headers for r in fake016.requests if r.path == "/jmap/"])


def test_basic_password_on_016_totp_account_says_use_oauth(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *TOTP_USER, expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    assert "two-factor" in page.locator("#signin-msg").inner_text().lower()


def test_legacy_totp_sign_in_with_code(recorder):
    from tests.fakestalwart import FakeStalwart
    import pyotp
    with FakeStalwart(generation="legacy", cors=True) as srv:
        rec = recorder(srv.url)
        page = rec.open("?server=" + srv.url)
        code = pyotp.TOTP(srv.accounts[TOTP_USER[0]].otp_secret).now()
        sign_in_basic(page, *user(srv, TOTP_USER), code=code)
        assert summary(page, "two-factor") == ("on", "on")


def test_stay_signed_in_survives_reload_and_sign_out_forgets(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.check("#stay")
    sign_in_oauth(page, *ALICE)
    assert "stalwart-account-security.creds" in page.evaluate("() => Object.keys(sessionStorage)")
    # localStorage: the server (after this sign-in) and the host's server list, nothing secret
    assert sorted(page.evaluate("() => Object.keys(localStorage)")) == [
        "stalwart-account-security.config", "stalwart-account-security.server"]
    assert page.evaluate("() => localStorage.getItem('stalwart-account-security.server')") == fake016.url
    page.reload()
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    sign_out(page)
    assert page.evaluate("() => Object.keys(sessionStorage)") == []


def test_paste_api_key(recorder, fake016):
    # An API key made on the server side (as if by another session).
    req = urllib.request.Request(fake016.url + "/jmap/", method="POST", data=json.dumps({
        "using": ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"],
        "methodCalls": [["x:ApiKey/set", {"create": {"k": {"description": "ci"}}}, "c"]]}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": "Basic " + __import__("base64").b64encode(":".join(ALICE).encode()).decode()})
    secret = json.load(urllib.request.urlopen(req))["methodResponses"][0][1]["created"]["k"]["secret"]
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.locator("#signin-other summary").click()
    page.fill("#token", secret)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    assert summary(page, "api-keys")[1] == "1 active"


def test_device_flow(recorder, fake016, browser):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    page.locator("#signin-other summary").click()
    page.click("#device-btn")
    code = page.locator("#device-out strong").inner_text(timeout=20_000)
    link = page.locator("#device-out a").get_attribute("href")
    assert link.endswith("/device/?code=" + code)  # same origin as the address shown
    other = browser.new_page()  # "another device"
    other.goto(link)
    assert other.input_value("#device-code") == code
    approve_device(other, *ALICE)
    other.close()
    page.wait_for_selector("#who:not([hidden])", timeout=30_000)


def test_cors_off_names_the_setting_and_the_page_origin(recorder, fake016):
    fake016.cors = False
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE, expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    text = page.locator("#signin-msg").inner_text()
    assert "x:Http.usePermissiveCors" in text and "http.permissive-cors" in text
    assert rec.site.origin in text


def test_csp_blocked_server_says_the_admin_must_allow_it(recorder, fake016):
    rec = recorder()  # open mode, and the page's CSP does not allow this (http) server
    rec.csp_ok = True
    page = rec.open()
    page.fill("#server-url", fake016.url)
    rec.allowed.add(fake016.url)  # the attempt itself is blocked by the browser, not sent
    sign_in_basic(page, *ALICE, expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    text = page.locator("#signin-msg").inner_text()
    assert "not allowed to connect" in text and "administrator of this page must add" in text
    # no "open this page for that server" link: a reload with ?server= cannot allow anything
    assert page.locator("#signin-msg a").count() == 0
    assert fake016.requests == []


def test_missing_permissions_are_named(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ("limited@example.com", "limited rights password 9")))
    # the overview says "not permitted", never a count it could not read
    assert summary(page, "app-passwords") == ("not_permitted", "not permitted")
    go(page, "app-passwords")
    banner = page.locator("#app-passwords .unavailable")
    assert banner.locator("[data-say='ui.unavail.not_allowed']").is_visible()  # (words: unit tests)
    perm = banner.locator(".details code").first.inner_text()
    assert perm in (("sysAppPasswordGet", "sysAppPasswordCreate") if gen == "0.16" else ("manage-passwords",))
    assert not page.locator("#app-new").is_visible()  # no disabled form in its place
    go(page, "encryption")
    text = page.locator("#encryption .unavailable").inner_text()
    assert ("sysPublicKeyGet" in text) if gen == "0.16" else ("manage-encryption" in text)
    fits(page, "restricted account")
