"""The page bound to its mail servers (config.json), in Chromium against the real
page: a second local "attacker" server records every request it gets, and a
?server= link, a kept token or a remembered address must never send it anything
the user did not ask for. A config.json the page cannot use closes sign-in; open
mode shows where the password goes, in ASCII."""
from __future__ import annotations

import http.server
import threading
import urllib.parse

import pytest

from tests.e2e.helpers import ALICE, fits, open_other_ways, sign_in_basic, sign_in_oauth, sign_out

SERVER_KEY = "stalwart-account-security.server"
LOOKALIKE = "mail.ex\u0430mple.com"          # Cyrillic а
LOOKALIKE_ASCII = "mail.xn--exmple-4nf.com"


class Attacker:
    """Another local web server that answers everything (CORS open) and records
    each request with its headers and body."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict, bytes]] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def _any(self):
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else b""
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                data = b'{"issuer": "x"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_OPTIONS = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def authorizations(self) -> list[str]:
        return [h.get("Authorization", "") for _, _, h, _ in self.requests if h.get("Authorization")]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def attacker():
    a = Attacker()
    yield a
    a.stop()


@pytest.fixture
def open_mode(site):
    """Open mode (no config.json) whose CSP still lets the browser reach these
    local origins (as --demo does), so only the page itself stands in the way."""
    handler = site.httpd.RequestHandlerClass

    def make(*origins: str):
        handler.open_extra = list(origins)
    yield make
    handler.open_extra = []


def wait_signin_ready(page):
    page.wait_for_selector("#signin fieldset.gate:not([disabled])", state="attached")


def settle(page, seconds: float = 1.5):
    """Time for anything the page would send on its own (a probe) to arrive."""
    page.wait_for_timeout(int(seconds * 1000))


def link(server: str) -> str:
    return "?" + urllib.parse.urlencode({"server": server})


# ------------------------------------------------------------------ bound mode
def test_bound_one_server_a_link_elsewhere_is_ignored_said_and_sends_nothing_there(recorder, fake016, attacker):
    rec = recorder(fake016.url)
    rec.allowed.add(attacker.url)  # (the page must not try; `attacker` records it if it did)
    page = rec.open(link(attacker.url))
    wait_signin_ready(page)
    # the server is fixed text, the listed one; the link is said to be ignored, without its words
    assert page.input_value("#server-url") == fake016.url
    assert page.locator("#server-url").get_attribute("readonly") is not None
    assert page.locator("#server-pick").is_hidden()
    note = page.locator("#signin-note").inner_text()
    assert "not set up for" in note and "127.0.0.1:%d" % attacker.httpd.server_address[1] not in note
    open_other_ways(page)
    assert page.locator("#dest-password .dest-host").inner_text() == fake016.url  # http: spelled out
    fits(page, "bound, link ignored")
    sign_in_basic(page, *ALICE)  # signs in at the listed server
    settle(page)
    assert attacker.requests == []
    assert not any(ALICE[1].encode() in (data or b"") for _, url, data in rec.requests
                   if not url.startswith(fake016.url))


def test_bound_several_servers_a_choice_the_link_may_pick_one_of(recorder, fake016, attacker):
    from tests.fakestalwart import FakeStalwart
    with FakeStalwart(generation="0.16", cors=True) as second:
        rec = recorder(fake016.url, second.url)
        rec.allowed.add(attacker.url)
        page = rec.open(link(second.url))
        wait_signin_ready(page)
        options = page.eval_on_selector_all("#server-pick option", "os => os.map(o => o.value)")
        assert sorted(options) == sorted([fake016.url, second.url])
        assert page.input_value("#server-pick") == second.url  # a listed one: the link picks it
        assert page.locator("#server-url").is_hidden()
        assert page.locator("label[for=server-pick]").count() == 1
        assert page.locator("#signin-note").is_hidden()
        # a link to another server: ignored, the first listed one instead
        page.goto(rec.site.url + link(attacker.url))
        page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
        wait_signin_ready(page)
        assert page.input_value("#server-pick") == options[0]
        assert "not set up for" in page.locator("#signin-note").inner_text()
        page.select_option("#server-pick", fake016.url)
        open_other_ways(page)
        assert page.locator("#dest-password .dest-host").inner_text() == fake016.url
        sign_in_basic(page, *ALICE)
        assert fake016.url in page.locator("#who-server").inner_text()
        settle(page)
        assert attacker.requests == []


def test_bound_a_kept_token_never_goes_to_another_listed_server(recorder, fake016, attacker):
    """Both are allowed (the admin listed them); the token belongs to the one that issued it."""
    rec = recorder(fake016.url, attacker.url)
    page = rec.open(link(fake016.url))
    page.check("#stay")
    sign_in_oauth(page, *ALICE)
    assert "stalwart-account-security.creds" in page.evaluate("() => Object.keys(sessionStorage)")
    page.goto(rec.site.url + link(attacker.url))  # the same tab: the kept token is there
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    wait_signin_ready(page)
    assert page.input_value("#server-pick") == attacker.url
    assert page.locator("#who").is_hidden()  # not signed in there with the other server's token
    settle(page, 3)
    assert attacker.authorizations() == []
    assert not any(b"Bearer" in body for *_, body in attacker.requests)


# ------------------------------------------------------------------ a config.json the page cannot use
@pytest.mark.parametrize("status,body", [
    (200, '{"server": ["https://mail.example.com"]}'),    # the typo must not mean "open"
    (200, "not json"),
    (200, '{"servers": ["https://mail.example.com/"]}'),
    (500, ""),
    (403, '{"servers": []}'),
])
def test_a_bad_config_closes_sign_in_and_says_so(recorder, fake016, status, body):
    rec = recorder(fake016.url)
    rec.page.route(rec.site.url + "config.json",
                   lambda route: route.fulfill(status=status, body=body, content_type="application/json"))
    page = rec.open(link(fake016.url))
    page.wait_for_selector("#signin-note.error:not([hidden])")
    assert "Sign-in is not available" in page.locator("#signin-note").inner_text()
    # (for the administrator, in its own line: the problem with the file)
    assert "config.json" in page.locator("#signin-note p").last.inner_text()
    for control in ("#server-url", "#oauth-btn", "#login", "#login-password", "#token", "#device-btn"):
        assert page.locator(control).is_disabled(), control
    assert page.locator("#enc-key").is_enabled()  # checking a key needs no server
    settle(page)
    assert fake016.requests == []
    fits(page, "config broken")


def test_a_bad_config_does_not_use_a_kept_token(recorder, fake016):
    rec = recorder(fake016.url)
    page = rec.open(link(fake016.url))
    page.check("#stay")
    sign_in_oauth(page, *ALICE)
    seen = len(fake016.requests)
    page.route(rec.site.url + "config.json", lambda route: route.fulfill(status=200, body="{"))
    page.reload()
    page.wait_for_selector("#signin-note.error:not([hidden])", timeout=90_000)
    settle(page)
    assert len(fake016.requests) == seen and page.locator("#who").is_hidden()


# ------------------------------------------------------------------ open mode
def test_open_mode_shows_the_host_in_punycode_before_any_password(recorder):
    rec = recorder()  # no config.json: open mode
    page = rec.open(link(LOOKALIKE))
    wait_signin_ready(page)
    assert page.input_value("#server-url") == "https://" + LOOKALIKE_ASCII
    assert page.locator("#dest-signin .dest-host").inner_text() == LOOKALIKE_ASCII
    open_other_ways(page)
    assert page.input_value("#login-password") == ""
    dest = page.locator("#dest-password")
    assert dest.is_visible() and dest.locator(".dest-host").inner_text() == LOOKALIKE_ASCII
    assert "Your password will be sent to" in dest.inner_text()
    # above the password field, in view with it
    assert dest.bounding_box()["y"] < page.locator("#login-password").bounding_box()["y"]
    assert "\u0430" not in page.locator("#signin").inner_text()
    fits(page, "open mode, look-alike host")
    # changing the server changes what is shown, as it is typed
    page.fill("#server-url", "other.example:8443")
    assert page.locator("#dest-password .dest-host").inner_text() == "other.example:8443"
    page.fill("#server-url", "")
    assert "no server yet" in page.locator("#dest-password .dest-host").inner_text()
    page.fill("#server-url", "https://x; frame-ancestors *")
    assert "no server yet" in page.locator("#dest-token .dest-host").inner_text()
    settle(page)
    assert not [u for _, u, _ in rec.requests if "xn--" in u or "other.example" in u]


def test_open_mode_a_link_reaches_nobody_until_the_user_acts(recorder, open_mode, attacker):
    rec = recorder()
    open_mode(attacker.url)
    rec.allowed.add(attacker.url)
    page = rec.open(link(attacker.url))
    wait_signin_ready(page)
    assert page.input_value("#server-url") == attacker.url  # only prefilled
    settle(page, 2)
    assert attacker.requests == []
    assert page.evaluate(f"() => localStorage.getItem('{SERVER_KEY}')") is None


def test_open_mode_a_link_that_is_not_an_address_is_ignored_and_said(recorder):
    rec = recorder()
    page = rec.open(link("javascript:alert(1)"))
    wait_signin_ready(page)
    assert page.input_value("#server-url") == ""
    assert "did not contain a valid mail server address" in page.locator("#signin-note").inner_text()
    assert "alert" not in page.locator("#signin").inner_text()


def test_open_mode_a_kept_token_never_follows_a_link_to_another_server(recorder, open_mode, fake016, attacker):
    rec = recorder()
    open_mode(fake016.url, attacker.url)
    rec.allowed |= {fake016.url, attacker.url}
    page = rec.open(link(fake016.url))
    page.check("#stay")
    sign_in_oauth(page, *ALICE)
    page.goto(rec.site.url + link(attacker.url))  # the same tab, the kept token is there
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    wait_signin_ready(page)
    assert page.locator("#who").is_hidden()
    assert page.input_value("#server-url") == attacker.url
    settle(page, 3)
    assert attacker.requests == []  # not even the probe: only a link named it
    # the same tab back on its own server: the kept session still works there
    page.goto(rec.site.url)
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    assert attacker.requests == []


def test_open_mode_a_server_is_remembered_only_after_a_sign_in_there(recorder, open_mode, fake016, attacker):
    rec = recorder()
    open_mode(fake016.url, attacker.url)
    rec.allowed |= {fake016.url, attacker.url}

    def remembered():
        return page.evaluate(f"() => localStorage.getItem('{SERVER_KEY}')")

    page = rec.open(link(attacker.url))
    wait_signin_ready(page)
    assert remembered() is None
    page.fill("#server-url", fake016.url)  # typed, not yet used
    page.locator("#server-url").dispatch_event("change")
    assert remembered() is None
    sign_in_basic(page, ALICE[0], "not the password", expect_ok=False)  # refused: not remembered
    page.wait_for_selector("#signin-msg.error")
    assert remembered() is None
    page.fill("#login-password", ALICE[1])
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    assert remembered() == fake016.url
    sign_out(page)
    page.goto(rec.site.url)  # a clean visit: the server that accepted the sign-in
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
    assert page.input_value("#server-url") == fake016.url
    assert page.locator("#signin-note").is_hidden()  # nothing was linked: nothing to say
    assert attacker.requests == []


# ------------------------------------------------------------------ accessibility of these states
from tests.e2e.test_a11y import axe_source, scan  # noqa: E402,F401  (the pinned axe-core fixture)


def test_axe_on_the_sign_in_in_each_mode(recorder, fake016, axe_source):  # noqa: F811
    from tests.fakestalwart import FakeStalwart
    with FakeStalwart(generation="0.16", cors=True) as second:
        rec = recorder(fake016.url, second.url)
        page = rec.open(link("https://elsewhere.example"))
        wait_signin_ready(page)
        open_other_ways(page)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            scan(page, axe_source, f"bound to several servers, link ignored ({scheme})")
    rec = recorder()
    page = rec.open(link(LOOKALIKE))
    wait_signin_ready(page)
    open_other_ways(page)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        scan(page, axe_source, f"open mode ({scheme})")
    rec = recorder(fake016.url)
    rec.page.route(rec.site.url + "config.json", lambda route: route.fulfill(status=200, body="[]"))
    page = rec.open()
    page.wait_for_selector("#signin-note.error:not([hidden])")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        scan(page, axe_source, f"config broken ({scheme})")
