"""The static shell and the runtime boot, in a real Chromium."""


def test_page_reaches_ready_with_only_its_own_origin(recorder, site):
    rec = recorder()
    page = rec.open()
    assert page.locator("#app-status").inner_text().strip() != "Loading…"
    assert page.locator("fieldset.gate").first.is_enabled()
    assert rec.origins() == {site.origin}, rec.origins()
    # The runtime came from our folder, not a CDN.
    urls = [u for _, u, _ in rec.requests]
    assert any(u.endswith("/assets/vendor/pyodide/pyodide.asm.wasm") for u in urls)
    assert any("/assets/vendor/wheels/" in u for u in urls)


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
    assert page.locator("#oauth-btn").is_disabled()  # sign-in waits for Python
    assert page.locator("#enc-key").is_disabled()


def test_broken_runtime_shows_error_not_blank(recorder):
    rec = recorder()
    rec.page.route("**/python_stdlib.zip", lambda route: route.fulfill(status=200, body=b"not a zip"))
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
