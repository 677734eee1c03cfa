"""Secrets cannot leave by a side door, proved in Chromium against the real page.

* A server that answers the password change's POST with a 307 to another
  origin (the contract server's redirect fault, pointing at a second origin
  it runs and records) gets nothing sent there, in open and in bound mode:
  the page says the server sent a redirect, and (bound mode) no
  longer asks the admin to allow a server that is already allowed.
* A private key pasted into the sign-in's token or password field, or into
  an app password's description, is refused with the one message and no
  request carries it.
* An OAuth error answer without ``state`` leaves the address bar.
"""
from __future__ import annotations

import base64

import pytest

from tests.e2e.conftest import BOOT_TIMEOUT_MS
from tests.e2e.helpers import (ALICE, fill_password_change, fits, go, msg, open_other_ways,
                               sign_in_basic, wait_msg)
from tests.e2e.test_servers import open_mode, wait_signin_ready  # noqa: F401  (a fixture)

NEW_PW = "violet submarine orchestra kettle"


def plain(text: str) -> str:
    """A message without the isolation marks around its values (FSI…PDI)."""
    return text.replace("\u2068", "").replace("\u2069", "")


def _change_password_meets_a_redirect(rec, page, fake):
    # Chromium reports the redirect it did not follow as a request to the target
    # that was aborted (net::ERR_ABORTED) before anything left: the other origin's
    # own record, and the responses the page got, are the proof.
    rec.allowed.add(fake.elsewhere.url)
    answered = []
    page.on("response", lambda r: answered.append(r.url))
    fill_password_change(page, ALICE[1], NEW_PW)
    fake.faults.set(path_prefix="/jmap/", method="POST", redirect=307, times=1)
    before = len(fake.requests)
    page.click("#pw-submit")
    text = wait_msg(page, "password", "error")
    # the page's words: the server sent a redirect, nothing went elsewhere
    assert "sent a redirect" in text and "does not follow redirects" in text, text
    assert fake.url in text
    assert "must add" not in text and "not allowed to connect" not in text  # not a CSP/admin message
    # nothing reached the other origin: not the preflight, not the body
    assert fake.elsewhere.requests == []
    assert not [u for u in answered if u.startswith(fake.elsewhere.url)]
    # the one POST the fault answered, and nothing re-sent or re-read after it
    assert [(r.method, r.path) for r in fake.requests[before:] if r.method != "OPTIONS"] == [("POST", "/jmap/")]
    # what was typed stays, and the password is unchanged
    assert page.input_value("#pw-new") == NEW_PW
    assert fake.accounts[ALICE[0]].password == ALICE[1]
    fits(page, "password change answered with a redirect")
    return text


def test_a_307_to_another_origin_reaches_nothing_there_bound_mode(recorder, fake016):
    rec = recorder(fake016.url)  # config.json and connect-src list the server only
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    _change_password_meets_a_redirect(rec, page, fake016)
    # rec's teardown: no request left for another origin, and no CSP block happened
    # (a followed redirect would have met the policy, and the page would have asked
    # the admin to add the server it already lists)


def test_a_307_to_another_origin_reaches_nothing_there_open_mode(recorder, fake016, open_mode):  # noqa: F811
    rec = recorder()  # no config.json: the server the user types
    rec.allowed.add(fake016.url)
    # open mode whose policy would let the browser reach both origins: only the
    # page's own refusal to follow stands between the password and the other one
    open_mode(fake016.url, fake016.elsewhere.url)
    page = rec.open()
    wait_signin_ready(page)
    page.fill("#server-url", fake016.url)
    sign_in_basic(page, *ALICE)
    _change_password_meets_a_redirect(rec, page, fake016)


def test_a_listed_server_the_policy_lacks_is_named_as_such(recorder, site, fake016):
    """Bound mode where the host's Content-Security-Policy and config.json
    disagree (the page was served while the policy listed another server; its
    config.json, read after boot, lists this one): the block names what to fix,
    connect-src, not "add the server" to a file that already lists it."""
    rec = recorder("https://mail.example.com")  # the document's policy: another server
    rec.csp_ok = True  # this test provokes the block on purpose
    rec.allowed.add(fake016.url)  # the browser reports the blocked attempt
    rec.page.goto(site.url + "?server=" + fake016.url, wait_until="commit")
    site.allow(fake016.url)  # config.json, fetched once the runtime is up, lists this server
    rec.page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=BOOT_TIMEOUT_MS)
    page = rec.page
    assert page.input_value("#server-url") == fake016.url
    sign_in_basic(page, *ALICE, expect_ok=False)
    page.wait_for_selector("#signin-msg.error")
    text = plain(msg(page, "signin"))
    assert "although its config.json lists that server" in text and "connect-src" in text, text
    assert fake016.url in text and "allowed servers" not in text
    assert fake016.requests == []  # blocked in the browser: nothing arrived
    fits(page, "a listed server the policy lacks")


# ----------------------------------------------------------------------- private keys in fields

@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory) -> str:
    import subprocess
    d = tmp_path_factory.mktemp("ssh")
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", str(d / "k")], check=True)
    return (d / "k").read_text()


def _carried(rec, secret_piece: bytes) -> list:
    """The browser's requests whose URL or body carried the piece."""
    return [(method, url) for method, url, data in rec.requests
            if secret_piece in url.encode() or (data and secret_piece in data)]


def test_a_private_key_in_a_sign_in_field_is_refused_and_not_sent(recorder, fake016, ssh_key):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    open_other_ways(page)
    body_line = ssh_key.splitlines()[1][:40].encode()
    seen = len(fake016.requests)
    # the token field (an <input>: the browser joins the lines)
    page.fill("#token", ssh_key)
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#signin-msg.error")
    text = plain(msg(page, "signin"))
    assert "PRIVATE key (OpenSSH private key)" in text and "not sent" in text, text
    fits(page, "private key in the token field")
    # the password field
    page.fill("#login", ALICE[0])
    page.fill("#login-password", ssh_key)
    page.click("#basic-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('signin-msg').textContent.includes('PRIVATE key')")
    assert page.locator("#who").is_hidden()
    # nothing that carries a credential reached the server (a discovery GET may)
    assert all(r.headers.get("authorization") is None for r in fake016.requests[seen:])
    assert not _carried(rec, body_line) and not _carried(rec, base64.b64encode(body_line[:30]))


def test_a_private_key_in_a_description_is_refused_and_not_stored(recorder, fake016, ssh_key):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url)
    sign_in_basic(page, *ALICE)
    go(page, "app-passwords")
    page.click("#app-new")
    page.fill("#app-desc", ssh_key)  # maxlength 255, one line: what the field keeps of it
    before, stored = len(fake016.requests), len(fake016.accounts[ALICE[0]].app_passwords)
    page.click("#app-submit")
    text = plain(wait_msg(page, "app", "error"))
    assert "PRIVATE key (OpenSSH private key)" in text, text
    assert page.get_attribute("#app-desc", "aria-invalid") == "true"
    assert len(fake016.requests) == before  # not even a request
    assert len(fake016.accounts[ALICE[0]].app_passwords) == stored  # nothing stored


# ----------------------------------------------------------------------- the address bar
def test_an_error_answer_without_state_leaves_the_address_bar(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open("?server=" + fake016.url + "&error=access_denied&error_description=Click%20here")
    page.wait_for_function("() => !location.search.includes('error')", timeout=BOOT_TIMEOUT_MS)
    assert "error" not in page.url
    # nothing of it shown: an answer whose state does not match is nobody's
    assert "Click here" not in page.locator("body").inner_text()
    assert page.locator("#signin-msg").inner_text().strip() == ""
