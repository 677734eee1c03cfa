"""Honest outcomes, in view under the button that was pressed: changes that
end the sign-in, lost answers after the server applied a change, answers the
page could not check, a stalled server, a half-done upload, restricted
accounts, and the credential this sign-in uses."""
import re

import pyotp
import pytest

from tests.e2e.helpers import (ALICE, add_app_password, fill_password_change, fits, go, msg, new_app_password,
                               sign_in_basic, sign_out, summary, user, wait_msg)
from tests.e2e.test_encryption import _pick, corpus  # noqa: F401  (the key corpus fixture)

NEW_PW = "violet submarine orchestra kettle"


def change_path(gen: str) -> str:
    return "/jmap/" if gen == "0.16" else "/api/account/auth"


def lose_next_answer(fake, gen: str, applied: bool = True, path: str = "") -> None:
    """The server handles the next change (or not), then its answer arrives cut.

    (Not a dropped connection: Chromium sends a request again by itself when a
    kept-alive connection closes before any answer, so the page would see the
    second attempt's answer. That resend is the browser's, outside the page.)"""
    fake.faults.set(path_prefix=path or change_path(gen), malformed_json=True, times=1,
                    apply_first=applied)


def plain(text: str) -> str:
    """Without the isolation marks around foreign values (FSI…PDI)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def signed_out_with_panel(page) -> str:
    page.wait_for_selector("#signin:not([hidden])")
    page.wait_for_selector("#signin-note.ok:not([hidden])")
    assert page.locator("#who").is_hidden()
    fits(page, "success panel on the sign-in card")
    return page.locator("#signin-note").inner_text()


# --- changes that end the sign-in ------------------------------------------------------------
def test_turning_on_2fa_with_a_password_sign_in_warns_then_says_what_is_true(app_page, fake, gen):
    rec, page = app_page
    login, pw = user(fake, ALICE)
    sign_in_basic(page, login, pw)
    go(page, "two-factor")
    page.click("#totp-start")
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.check("#totp-kit-elsewhere")
    page.fill("#totp-code", pyotp.TOTP(key).now())
    page.fill("#totp-password", pw)
    # the warning first, in the form: this ends the sign-in, and how to get back in
    warning = page.locator("#totp-effects").inner_text()
    assert "sign in again" in warning.lower() or "ends your sign-in" in warning
    assert not fake.accounts[ALICE[0]].otp_url  # nothing changed before the click
    page.click("#totp-confirm")
    text = signed_out_with_panel(page)
    assert "Two-factor authentication is on" in text and "code" in text
    assert "sign-in has ended" not in text.lower()
    assert fake.accounts[ALICE[0]].otp_url
    assert page.input_value("#login") == login  # the same person signs in again
    if gen == "legacy":  # password + code: the way in is under "other ways"
        assert page.locator("#signin-other").get_attribute("open") is not None
    assert "Signed in as" not in page.locator("#app-status").inner_text()


def test_legacy_password_change_with_an_app_password_is_a_success_that_ends_the_sign_in(
        recorder):
    from tests.fakestalwart import FakeStalwart
    fake = FakeStalwart(generation="legacy", cors=True, legacy_version="0.15").start()
    try:
        rec = recorder(fake.url)
        page = rec.open("?server=" + fake.url)
        login, pw = user(fake, ALICE)
        add_app_password(fake, "Phone")  # its secret: "app password made elsewhere"
        sign_in_basic(page, login, "app password made elsewhere")
        fill_password_change(page, pw, NEW_PW)
        warning = page.locator("#pw-effects").inner_text()  # said before the click
        assert "app password" in warning and "sign in again" in warning
        page.click("#pw-submit")
        text = signed_out_with_panel(page)
        assert "Your password has been changed" in text
        assert "new password" in text and "sign-in has ended" not in text.lower()
        assert fake.accounts[ALICE[0]].password != pw
    finally:
        fake.stop()


def test_a_typo_is_refused_at_its_field(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    fill_password_change(page, ALICE[1], NEW_PW, NEW_PW + "s")
    page.click("#pw-submit")
    assert "not the same" in wait_msg(page, "password", "error")
    assert page.locator("#confirm-dialog[open]").count() == 0
    assert page.get_attribute("#pw-confirm", "aria-invalid") == "true"


# --- lost answers ----------------------------------------------------------------------------
def test_lost_answer_after_a_password_change_says_it_was_changed(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    fill_password_change(page, ALICE[1], NEW_PW)
    lose_next_answer(fake, gen)
    page.click("#pw-submit")
    text = wait_msg(page, "password", "ok")
    assert "Your password has been changed" in text and "checked" in text
    assert "not correct" not in text
    assert page.locator("#who").is_visible()  # and the page goes on with the new password
    go(page, "overview")
    assert page.locator("#summary-list li").count() == 5


def test_lost_answer_after_a_create_says_what_now_exists(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Phone")
    lose_next_answer(fake, gen)
    page.click("#app-submit")
    if gen == "0.16":  # the server made the secret and its answer is gone
        text = plain(wait_msg(page, "app-list", "warn"))
        assert "“Phone” now exists" in text and "Revoke it" in text
        assert page.locator("#secret-dialog[open]").count() == 0
    else:  # the page made the secret itself: nothing is lost
        page.wait_for_selector("#secret-dialog[open]")
        assert page.locator("#secret-value").inner_text()
        page.click("#secret-close")
        assert "checked" in wait_msg(page, "app-list", "ok")
    assert page.locator("#app-list tbody tr").count() == 1
    assert len(fake.accounts[ALICE[0]].app_passwords) == 1


def drop_next_answer(fake, gen: str) -> None:
    """The server handles the next change, then closes the kept-alive connection
    without an answer: Chromium then sends the same request once more by itself."""
    fake.faults.set(path_prefix=change_path(gen), drop=True, times=1, apply_first=True)


def resent(fake, rec, gen: str, seen: int, sent: int) -> bool:
    """More POSTs on the change path reached the server than the page made:
    the browser sent one again (its own retries are not page requests)."""
    def posts(reqs, path):
        return sum(1 for r in reqs if r[0] == "POST" and change_path(gen) in path(r))
    return posts(fake.requests[seen:], lambda r: r[1]) > posts(rec.requests[sent:], lambda r: r[1])


def test_password_change_sent_twice_by_the_browser_is_reported_as_changed(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    fill_password_change(page, ALICE[1], NEW_PW)
    drop_next_answer(fake, gen)
    seen, sent = len(fake.requests), len(rec.requests)
    page.click("#pw-submit")
    text = wait_msg(page, "password", "ok")
    assert "Your password has been changed" in text and "not correct" not in text
    assert resent(fake, rec, gen, seen, sent), "Chromium did not send the change again: nothing was tested"
    assert page.locator("#who").is_visible()


def test_app_password_made_twice_by_a_resend_says_which_to_revoke(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *user(fake016, ALICE))
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Phone")
    page.uncheck("#app-readonly")  # so that signed in with it, its list has Revoke buttons to tell rows apart
    drop_next_answer(fake016, "0.16")
    seen, sent = len(fake016.requests), len(rec.requests)
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    page.click("#secret-copy")
    page.click("#secret-close")
    text = plain(wait_msg(page, "app-list", "warn"))
    assert "made two called “Phone”" in text and "revoke the one marked “secret never shown”" in text
    assert page.locator("#app-list tbody tr").count() == 2
    marked = page.locator("#app-list tbody tr", has=page.locator(".badge.unseen"))
    assert marked.count() == 1 and "secret never shown" in marked.inner_text()
    twin = marked.locator("button").get_attribute("id")
    # the marked one is the twin: the secret shown signs in, and that one is not marked
    sign_out(page)
    sign_in_basic(page, ALICE[0], secret)
    go(page, "app-passwords")
    page.wait_for_selector("#app-list .badge.this")
    assert page.locator("#app-list .badge.unseen").count() == 0  # forgotten with the last session
    mine = page.locator("#app-list tbody tr", has=page.locator(".badge.this"))
    assert mine.count() == 1 and mine.locator("button").get_attribute("id") != twin
    made = fake016.accounts[ALICE[0]].app_passwords
    assert len(made) == 2 and secret
    assert resent(fake016, rec, "0.16", seen, sent)


def test_unknown_outcome_says_how_to_check_and_checks(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Phone")
    lose_next_answer(fake, gen)
    # …and the check that follows fails too
    path = "/jmap/" if gen == "0.16" else "/api/account/"
    fake.faults.set(path_prefix=path, status=503, times=1)
    page.click("#app-submit")
    text = wait_msg(page, "app", "error")
    assert "could not check" in text and "look at the list" in text
    assert page.input_value("#app-desc") == "Phone"  # nothing typed is lost
    page.click("#app-msg button:has-text('Check the current state')")
    assert "what you see now is current" in wait_msg(page, "app", "info")
    assert page.locator("#app-list tbody tr:has-text('Phone')").count() == 1


def test_stalled_change_times_out_and_keeps_what_was_typed(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ALICE))
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", "Phone")
    fake.faults.set(path_prefix=change_path(gen), delay=45, times=1)  # longer than the page waits
    page.click("#app-submit")
    page.wait_for_selector("#app-msg.error", timeout=90_000)
    text = plain(msg(page, "app"))
    assert re.search(r"did not answer within 30 seconds", text), text
    assert "nothing was changed" in text
    assert page.input_value("#app-desc") == "Phone"
    assert page.locator("#app-msg button:has-text('Try again')").count() == 1
    assert page.locator("#app-submit").is_enabled()  # released
    fits(page, "timed out")


# --- half-done upload-and-enable (0.16: the key is stored first) ------------------------------
@pytest.mark.parametrize("finish", [True, False], ids=["finish", "remove"])
def test_half_done_upload_offers_finish_or_remove(recorder, fake016, corpus, finish):  # noqa: F811
    fake = fake016
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    sign_in_basic(page, *ALICE)
    perms = fake.accounts[ALICE[0]].permissions
    perms.discard("sysAccountSettingsUpdate")  # the administrator took it away meanwhile
    go(page, "encryption")
    page.fill("#enc-key", _pick(corpus, "ed25519.asc").read_text())
    page.wait_for_selector("#enc-report .verdict.ok")
    page.click("#enc-submit")
    page.click("#confirm-yes")
    text = wait_msg(page, "enc", "warn")
    assert "uploaded" in text and "could not be turned on" in text
    assert len(fake.accounts[ALICE[0]].public_keys) == 1
    perms.add("sysAccountSettingsUpdate")
    if finish:
        page.click("#enc-finish")
        assert "on" in wait_msg(page, "enc", "ok")
        assert "AES-256" in page.locator("#enc-state").inner_text()
        assert len(fake.accounts[ALICE[0]].public_keys) == 1
    else:
        page.click("#enc-remove-uploaded")
        assert "removed" in wait_msg(page, "enc", "ok")
        assert fake.accounts[ALICE[0]].public_keys == {}
        assert page.locator("#enc-keys .key-item").count() == 0


# --- restricted accounts, this sign-in ------------------------------------------------------------
def test_restricted_account_says_not_permitted_in_words(app_page, fake, gen):
    rec, page = app_page
    sign_in_basic(page, *user(fake, ("limited@example.com", "limited rights password 9")))
    items = page.locator("#summary-list").inner_text()
    feature = "app-passwords" if gen == "0.16" else "password"
    assert summary(page, feature) == ("not_permitted", "not permitted")
    assert not re.search(r"\b0 active\b", items)
    assert "sys" not in items and "manage-" not in items  # no raw permission ids here
    view = "app-passwords" if gen == "0.16" else "password"
    go(page, view)
    assert page.locator(f"#{view} .unavailable [data-say='ui.unavail.not_allowed']").is_visible()
    assert page.locator(f"#{view} .unavailable .details code").count() >= 1  # ids in the details line
    assert page.locator(f"#{view} .feature-body").is_hidden()


def test_the_credential_of_this_sign_in_is_marked_and_revoking_it_says_so(recorder, fake016):
    fake = fake016
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    sign_in_basic(page, *ALICE)
    secret = new_app_password(page, "This browser", readonly=False)  # so that it may revoke itself
    page.click("#signout-btn")
    sign_in_basic(page, ALICE[0], secret)
    go(page, "app-passwords")
    row = page.locator("#app-list tbody tr:has-text('This browser')")
    assert "this sign-in" in row.inner_text()
    row.locator("button").click()
    page.wait_for_selector("#confirm-dialog[open]")
    assert "signs you out here" in page.locator("#confirm-dialog").inner_text()
    page.click("#confirm-yes")
    text = plain(signed_out_with_panel(page))
    assert "“This browser” has been revoked" in text and "Sign in again" in text
    assert fake.accounts[ALICE[0]].app_passwords == {}


def test_a_limited_app_password_sign_in_says_why_there_is_no_new_or_revoke(recorder, fake016):
    """Made with "may not change security settings" (the default), then used to
    sign in here: the lists are there, and each section says why nothing can be
    changed and how to get past it, instead of leaving the buttons out silently."""
    fake = fake016
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    sign_in_basic(page, *ALICE)
    go(page, "app-passwords")
    page.click("#app-new")
    assert page.is_checked("#app-readonly")  # limited is the default…
    page.click("#app-cancel")
    secret = new_app_password(page, "Mail app")  # …and is what this one gets
    page.click("#signout-btn")
    sign_in_basic(page, ALICE[0], secret)
    go(page, "app-passwords")
    assert "this sign-in" in page.locator("#app-list tbody tr:has-text('Mail app')").inner_text()
    assert page.locator("#app-new").is_hidden() and page.locator("#app-list button").count() == 0
    # each section paints views.access's line for a limited sign-in (its words:
    # tests/unit/ui/test_view_sections.py); here, that it is painted where it belongs
    limited = "[data-say='ui.unavail.not_allowed_signin']"
    for view in ("app-passwords", "password", "two-factor", "api-keys", "encryption"):
        go(page, view)
        assert page.locator(f"#{view} .unavailable {limited}").is_visible(), view
    assert page.locator("#enc-upload").is_hidden()  # no upload controls, and the line says why
    go(page, "overview")
    assert summary(page, "two-factor")[0] == "not_permitted"
    assert page.locator("#summary-next p.advice").is_visible()  # never "all in place"
    fits(page, "limited sign-in")


def test_an_account_not_allowed_to_create_says_so_under_its_list(recorder, fake016):
    """Signed in with the password, the administrator lets the account see its app
    passwords but not create or revoke them: said in the administrator's terms."""
    fake = fake016
    acc = fake.accounts[ALICE[0]]
    add_app_password(fake, "Phone")  # (through the API: before the permission goes)
    acc.permissions -= {"sysAppPasswordCreate", "sysAppPasswordDestroy"}
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    sign_in_basic(page, *ALICE)
    go(page, "app-passwords")
    page.wait_for_selector("#app-list tbody tr:has-text('Phone')")
    note = page.locator("#app-passwords .unavailable [data-say='ui.unavail.not_allowed']")
    assert "sysAppPasswordCreate" in note.inner_text()  # named for the administrator
    assert page.locator("#app-new").is_hidden() and page.locator("#app-list button").count() == 0
