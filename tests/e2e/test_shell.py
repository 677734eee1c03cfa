"""The static shell and the runtime boot, in a real Chromium."""
from pathlib import Path

from tools import bundle


def test_page_reaches_ready_with_only_its_own_origin(recorder, site):
    rec = recorder()
    page = rec.open()
    assert page.locator("#app-status").inner_text().strip() != "Loading…"
    assert page.locator("fieldset.gate").first.is_enabled()
    assert rec.origins() == {site.origin}, rec.origins()
    # The runtime came from our folder, not a CDN: one versioned runtime folder with
    # the bytecode stdlib and two bytecode archives of app/ and the wheels, instead
    # of a request per module or wheel.
    paths = [u.replace(rec.site.url, "/") for _, u, _ in rec.requests]
    built = bundle.current()
    assert built is not None
    for name in ("pyodide.asm.wasm", *(f.rsplit("/", 1)[-1] for f in (built.stdlib, built.app, built.lib))):
        assert "/" + built.runtime + name in paths, (name, paths)
    assert not [p for p in paths if p.startswith("/app/") and p != "/app/main.py"], paths
    assert not [p for p in paths if "/wheels/" in p or p.endswith("python_stdlib.zip")], paths


def test_shell_shows_only_sign_in_and_key_check_before_python(recorder):
    rec = recorder()
    # Hold the runtime back so the shell can be inspected before Python runs.
    held = []
    rec.page.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    page = rec.page
    page.goto(rec.site.url, wait_until="domcontentloaded")
    page.wait_for_selector("#signin-h")
    assert page.locator("html").get_attribute("data-app-state") == "loading"
    for title in ["Sign in to your mail server", "Check a public key"]:
        assert page.get_by_role("heading", name=title, exact=True).is_visible(), title
    for title in ["Password", "Two-factor authentication", "App passwords", "API keys", "Status at a glance"]:
        assert not page.get_by_role("heading", name=title, exact=True).is_visible(), title
    assert page.locator("#app-status").inner_text() == "Loading…"
    # the sign-in form takes typing at once (tests/e2e/test_early.py); the key check waits for Python
    assert page.locator("#oauth-btn").is_enabled() and page.locator("#login").is_enabled()
    assert page.locator("#enc-key").is_disabled()


def test_broken_runtime_shows_error_not_blank(recorder):
    rec = recorder()
    rec.page.route("**/stdlib-*.zip", lambda route: route.fulfill(status=200, body=b"not a zip"))
    page = rec.open(wait="error")
    msg = page.locator("#app-error")
    assert msg.is_visible()
    text = msg.inner_text()
    assert "could not start" in text and "reload" in text.lower()
    assert "Traceback" not in page.locator("body").inner_text()


def test_missing_wasm_shows_error(recorder):
    rec = recorder()
    rec.page.route("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404, body=b"nope"))
    page = rec.open(wait="error")
    assert page.locator("#app-error").is_visible()
    assert page.locator("#oauth-btn").is_disabled()


def test_broken_app_bundle_shows_error_not_blank(recorder):
    rec = recorder()
    rec.page.route("**/app-*.zip", lambda route: route.fulfill(status=404, body=b"nope"))
    page = rec.open(wait="error")
    assert page.locator("#app-error").is_visible()
    assert "Traceback" not in page.locator("body").inner_text()


def test_python_errors_in_the_console_name_the_module_and_line(recorder):
    """The bundle holds bytecode only, yet a traceback still says where it failed."""
    rec = recorder()
    rec.page.route("**/app/main.py", lambda route: route.fulfill(
        status=200, content_type="text/plain",
        body="import app.totp\napp.totp.normalize_key(None)\n"))
    rec.open(wait="error")
    trace = "\n".join(m for m in rec.console if "Traceback" in m)
    assert 'File "/lib/app.zip/app/totp.py", line ' in trace, trace[-2000:]
    assert "normalize_key" in trace


def test_shell_is_painted_before_python(recorder):
    rec = recorder()
    page = rec.open()
    fcp = page.evaluate("() => performance.getEntriesByName('first-contentful-paint')[0].startTime")
    marks = page.evaluate("() => Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))")
    assert fcp < marks["py-start"], (fcp, marks)


def test_heavy_libraries_load_in_idle_steps_after_ready(recorder):
    """app.warm: the key parsers, QR and password strength are loaded after ready,
    one import per idle period, and none of the steps fails."""
    rec = recorder()
    page = rec.open()
    page.wait_for_function("() => performance.getEntriesByName('warm-done').length > 0", timeout=60_000)
    ready = page.evaluate("() => performance.getEntriesByName('app-ready')[0].startTime")
    done = page.evaluate("() => performance.getEntriesByName('warm-done')[0].startTime")
    assert done > ready
    assert not [m for m in rec.console if "warm-up step failed" in m], rec.console
    # the first key check finds its parsers loaded
    page.fill("#enc-key", (Path(__file__).resolve().parents[2] / "bench/samples/rsa2048-cert.pem").read_text())
    page.wait_for_selector("#enc-report[data-check-ms]", state="attached")
    assert page.locator("#enc-report .verdict.ok").count() == 1
