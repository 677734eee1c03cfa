"""The page's Content-Security-Policy, proved in Chromium: injected scripts are
blocked and reported while the page keeps working, no other site can frame it
(not even through the old ?server= injection), and a ?server= link to an origin
outside the allowed list reaches nothing there."""
from __future__ import annotations

import http.server
import threading
import urllib.parse

import pytest

from tests.e2e.conftest import BOOT_TIMEOUT_MS
from tests.e2e.helpers import ALICE, sign_in_basic

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push({directive: e.effectiveDirective, blocked: e.blockedURI});
});
"""


class Other:
    """A second local web server on another origin that records every request."""

    def __init__(self):
        self.requests: list[str] = []
        self.pages: dict[str, tuple[str, str]] = {
            "/evil.js": ("text/javascript", "window.__evil = 1;"),
        }
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.command + " " + self.path)
                ctype, body = outer.pages.get(urllib.parse.urlsplit(self.path).path, ("text/plain", "nothing here"))
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_OPTIONS = do_GET

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def other():
    o = Other()
    yield o
    o.stop()


def test_injected_scripts_are_blocked_and_reported_and_the_page_still_works(recorder, fake016, other):
    rec = recorder(fake016.url)
    rec.csp_ok = True  # this test provokes the blocks on purpose
    rec.allowed.add(other.url)  # the browser reports the blocked attempt; `other` records what arrives
    rec.page.add_init_script(LISTEN)
    page = rec.open("?server=" + fake016.url)
    page.evaluate("""(src) => {
        const inline = document.createElement("script");
        inline.textContent = "window.__inline = 1;";
        document.body.appendChild(inline);
        const ext = document.createElement("script");
        ext.src = src;
        document.body.appendChild(ext);
        const box = document.createElement("div");
        box.innerHTML = '<img src="data:," onerror="window.__attr = 1">';
        document.body.appendChild(box);
    }""", other.url + "/evil.js")
    page.wait_for_function("window.__violations.length >= 3")
    seen = page.evaluate("window.__violations")
    assert {"directive": "script-src-elem", "blocked": "inline"} in seen, seen
    assert {"directive": "script-src-elem", "blocked": other.url + "/evil.js"} in seen, seen
    assert {"directive": "script-src-attr", "blocked": "inline"} in seen, seen
    assert page.evaluate("[window.__inline, window.__evil, window.__attr]") == [None, None, None]
    assert other.requests == []  # blocked before any request left the browser
    assert any("Content Security Policy" in m for m in rec.console)  # and reported on the console
    # the page is unharmed: it is ready and a sign-in works
    assert page.locator("html").get_attribute("data-app-state") == "ready"
    sign_in_basic(page, *ALICE)


def test_no_other_site_can_frame_the_page_even_with_the_old_injection(browser, site, other):
    site.allow()
    injected = ("?server=https://x;%20frame-ancestors%20*;%20script-src-elem%20*%20'unsafe-inline'")
    other.pages["/frame.html"] = ("text/html", f'<!doctype html><iframe id="f" src="{site.url}{injected}"></iframe>')
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        blocked = []
        page.on("console", lambda m: blocked.append(m.text) if "frame-ancestors" in m.text else None)
        page.goto(other.url + "/frame.html")
        page.wait_for_function("() => document.getElementById('f').contentWindow !== null")
        page.wait_for_timeout(1500)  # give a (wrongly) allowed page time to start loading
        child = [f for f in page.frames if f != page.main_frame]
        assert len(child) == 1
        # a blocked frame shows Chromium's error page, never the page itself
        assert not child[0].url.startswith(site.url), child[0].url
        assert child[0].locator("#server-url").count() == 0
        assert blocked, "Chromium names frame-ancestors when it refuses to frame the page"
    finally:
        ctx.close()


def test_a_link_to_a_server_outside_the_list_sends_nothing_there(recorder, fake016, other):
    rec = recorder(fake016.url)  # the allowed list: only the contract server
    rec.allowed.add(other.url)  # `other` records whatever would arrive
    page = rec.open("?server=" + other.url)
    # the page ignores the link (and says so): sign-in goes to the listed server only
    page.wait_for_selector("#signin-note.warn:not([hidden])", timeout=BOOT_TIMEOUT_MS)
    assert page.input_value("#server-url") == fake016.url
    sign_in_basic(page, *ALICE)
    assert other.requests == []
    password = ALICE[1].encode()
    assert not any(data and password in data for _, url, data in rec.requests if not url.startswith(fake016.url))
