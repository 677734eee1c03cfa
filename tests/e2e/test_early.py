"""The sign-in form before Python is ready: it takes typing from the first paint,
a press (click or Enter) waits as "Starting…" and runs exactly once when Python
is ready, with what was typed; nothing leaves the page before Python has read
config.json; focus stays where the user is.

The runtime is held back by routing its .wasm (released by the test), so
"before ready" lasts as long as each test needs."""
from __future__ import annotations

from tests.e2e.helpers import ALICE, fits
from tests.e2e.test_servers import attacker, link, open_mode, settle  # noqa: F401 (fixtures)

WASM = "**/pyodide.asm.wasm"


class Held:
    """The page opened with its runtime held back until ``release``."""

    def __init__(self, rec, query: str = ""):
        self.rec, self.page, self.routes = rec, rec.page, []
        self.page.route(WASM, lambda r: self.routes.append(r))
        self.page.goto(rec.site.url + query, wait_until="domcontentloaded")
        self.page.wait_for_selector("#signin fieldset.gate:not([disabled])", state="attached")
        assert self.state() == "loading"

    def state(self) -> str:
        return self.page.locator("html").get_attribute("data-app-state")

    def release(self, wait: str = "ready"):
        self.page.wait_for_timeout(200)  # (the request may still be on its way to the route)
        assert self.routes, "the runtime was never requested"
        for r in self.routes:
            r.continue_()
        self.page.unroute(WASM)
        self.page.wait_for_selector(f"html[data-app-state={wait}]", state="attached", timeout=90_000)


def fill_password_form(page, login: str, password: str):
    page.click("#signin-other summary")  # a real click: the details open without Python
    page.fill("#login", login)
    page.fill("#login-password", password)


def sign_ins(srv) -> int:
    """Password sign-ins the server saw: each starts with the session GET."""
    return sum(1 for r in list(srv.requests)
               if r.path == "/.well-known/jmap" and {k.lower(): v for k, v in r.headers.items()}.get("authorization", "").startswith("Basic"))


def focused(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_sign_in_clicked_before_ready_runs_once_after_with_the_typed_values(recorder, fake016):
    rec = recorder(fake016.url)  # bound to one server (config.json)
    held = Held(rec)
    page = held.page
    fill_password_form(page, *ALICE)
    button = page.locator("#basic-form button[type=submit]")
    button.click()
    # the button says it is waiting, and the status line (a live region) says why
    assert button.inner_text() == "Starting…"
    assert button.get_attribute("aria-disabled") == "true"
    assert page.locator("#basic-form").get_attribute("aria-busy") == "true"
    assert page.locator("#app-status").inner_text() == "Starting… sign-in continues when ready."
    assert page.locator("#app-status").get_attribute("role") == "status"
    fits(page, "starting")
    button.click(force=True)  # impatient: a second click on the held button adds nothing
    page.wait_for_timeout(500)
    assert fake016.requests == []  # nothing left before Python decided where it may go
    assert held.state() == "loading"
    held.release()
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    assert ALICE[0] in page.locator("#who-name").inner_text()
    settle(page)  # a second sign-in would have arrived by now
    assert sign_ins(fake016) == 1
    assert button.inner_text() == "Sign in" and button.get_attribute("aria-disabled") is None


def test_enter_pressed_twice_before_ready_signs_in_once(recorder, fake016):
    rec = recorder(fake016.url)
    held = Held(rec)
    page = held.page
    fill_password_form(page, *ALICE)
    page.press("#login-password", "Enter")
    page.press("#login-password", "Enter")
    assert page.locator("#basic-form button[type=submit]").inner_text() == "Starting…"
    assert focused(page) == "login-password"  # Enter leaves the focus where it was
    assert page.input_value("#login") == ALICE[0] and page.input_value("#login-password") == ALICE[1]
    held.release()
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    settle(page)
    assert sign_ins(fake016) == 1


def test_focus_and_typing_stay_where_the_user_is_when_python_takes_over(recorder, fake016):
    rec = recorder(fake016.url)
    # a link to a server the page is not set up for: Python says so in a note at the top
    held = Held(rec, link("https://mail.elsewhere.example"))
    page = held.page
    page.click("#signin-other summary")
    page.click("#login")
    page.keyboard.type("alice@exa")
    held.release()
    page.wait_for_timeout(300)  # the start-up renders and notes have run
    assert "not set up for" in page.locator("#signin-note").inner_text()  # shown and announced…
    assert focused(page) == "login"  # …without taking the focus from the user's typing
    page.keyboard.type("mple.com")  # the caret did not move either
    assert page.input_value("#login") == ALICE[0]
    assert page.locator("#signin-other").get_attribute("open") is not None


def test_a_press_waiting_in_another_language_says_starting_in_it(browser, site, fake016):
    site.allow(fake016.url)
    ctx = browser.new_context(locale="de-DE")
    try:
        page = ctx.new_page()
        routes, config = [], []
        page.route(WASM, lambda r: routes.append(r))
        page.route(site.url + "config.json", lambda r: config.append(r))  # Python runs, but is not ready
        page.goto(site.url, wait_until="domcontentloaded")
        page.click("#oauth-btn")
        assert page.locator("#oauth-btn").inner_text() == "Starting…"  # before Python: English
        page.wait_for_timeout(200)
        for r in routes:
            r.continue_()
        page.unroute(WASM)
        page.wait_for_function("() => document.documentElement.lang === 'de'", timeout=90_000)
        assert page.locator("#oauth-btn").inner_text() == "Wird gestartet…"
        assert page.locator("#app-status").inner_text() == "Wird gestartet… Anmeldung folgt gleich."
        assert page.locator("html").get_attribute("data-app-state") == "loading"
        page.wait_for_timeout(200)
        for r in config:
            r.continue_()
        page.unroute(site.url + "config.json")
        page.wait_for_selector("#login-form", timeout=90_000)  # it ran: the server's own sign-in page
    finally:
        ctx.close()


def test_a_broken_config_drops_the_press_and_says_sign_in_is_not_available(recorder, fake016):
    rec = recorder(fake016.url)
    rec.page.route(rec.site.url + "config.json", lambda route: route.fulfill(status=200, body="{"))
    held = Held(rec)
    page = held.page
    fill_password_form(page, *ALICE)
    page.press("#login-password", "Enter")
    held.release()
    page.wait_for_selector("#signin-note.error:not([hidden])")
    assert "Sign-in is not available" in page.locator("#signin-note").inner_text()
    assert page.locator("#login-password").is_disabled()
    assert page.input_value("#login") == ALICE[0]  # kept, for when it works again
    assert page.locator("#basic-form button[type=submit]").inner_text() == "Sign in"
    assert focused(page) == "signin-note"  # the closed field lost it: the note says why
    settle(page)
    assert fake016.requests == []


def test_a_runtime_that_fails_while_a_press_waits_closes_the_form_and_says_so(recorder, fake016):
    rec = recorder(fake016.url)
    held = Held(rec)
    page = held.page
    page.click("#oauth-btn")
    page.wait_for_timeout(200)
    for r in held.routes:
        r.fulfill(status=404, body=b"gone")
    page.unroute(WASM)
    page.wait_for_selector("html[data-app-state=error]", state="attached", timeout=60_000)
    assert page.locator("#app-error").is_visible()
    assert page.locator("#oauth-btn").is_disabled()
    assert page.locator("#oauth-btn").inner_text() == "Sign in with your mail server"
    assert fake016.requests == []


def test_open_mode_a_password_never_goes_unseen_to_a_server_only_a_link_named(recorder, open_mode, attacker):  # noqa: F811
    rec = recorder()
    open_mode(attacker.url)
    rec.allowed.add(attacker.url)
    held = Held(rec, link(attacker.url))
    page = held.page
    assert page.input_value("#server-url") == ""  # Python fills it in: the user has not seen it
    fill_password_form(page, *ALICE)
    page.press("#login-password", "Enter")
    held.release()
    page.wait_for_selector("#signin-msg.warn")
    assert "comes from the link you opened" in page.locator("#signin-msg").inner_text()
    assert page.input_value("#server-url") == attacker.url  # now shown, with where the password would go
    assert page.locator("#dest-password .dest-host").inner_text() == attacker.url
    assert page.locator("#basic-form button[type=submit]").is_enabled()
    assert focused(page) == "login-password"
    settle(page)
    assert attacker.requests == []


def test_open_mode_the_address_the_user_typed_wins_over_the_link(recorder, open_mode, attacker, fake016):  # noqa: F811
    rec = recorder(fake016.url)
    open_mode(attacker.url, fake016.url)
    rec.allowed.add(attacker.url)
    rec.page.route(rec.site.url + "config.json", lambda route: route.fulfill(status=404, body=""))
    held = Held(rec, link(attacker.url))
    page = held.page
    page.fill("#server-url", fake016.url)
    fill_password_form(page, *ALICE)
    page.press("#login-password", "Enter")
    held.release()
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    assert fake016.url in page.locator("#who-server").inner_text()
    settle(page)
    assert sign_ins(fake016) == 1
    assert attacker.requests == []


def test_the_form_is_open_before_python_but_the_key_check_waits(recorder):
    rec = recorder()
    held = Held(rec)
    page = held.page
    for control in ("#server-url", "#oauth-btn", "#stay"):
        assert page.locator(control).is_enabled(), control
    assert page.locator("#enc-key").is_disabled()  # the check itself needs Python
    assert page.locator("#lang").is_disabled()  # the language is Python's to choose
    held.release()
