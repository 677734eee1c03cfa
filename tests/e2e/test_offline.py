"""Offline use: after one visit the service worker (sw.js) serves the page, its
runtime and its bundle with no network; the key checker works; server sections
say the server cannot be reached; a new bundle version replaces the old cache.

Each test serves the page from its own server so it can take it down."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import BOOT_TIMEOUT_MS, PageRecorder, Site
from tests.e2e.helpers import ALICE

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "assets" / "vendor"
SAMPLE = (ROOT / "bench" / "samples" / "ed25519.asc").read_text()


@pytest.fixture
def own_site():
    s = Site()
    yield s
    s.stop()


@pytest.fixture
def visit(browser, own_site):
    """One online visit in a new browser profile, until the worker has cached the bundle."""
    recs = []

    def make(*servers: str) -> PageRecorder:
        own_site.allow(*servers)
        rec = PageRecorder(browser, own_site, servers)
        recs.append(rec)
        rec.open("?server=" + servers[0] if servers else "")
        wait_for_worker(rec.page)
        return rec

    yield make
    for r in recs:
        foreign = r.foreign()
        r.close()
        assert not foreign, foreign


def until(page, predicate: str, arg=None, seconds: int = 60) -> None:
    """Poll an async JS predicate in the page (wait_for_function takes a pending
    promise for a truthy answer)."""
    ok = page.evaluate(f"""async (arg) => {{
        const test = {predicate};
        for (let i = 0; i < {seconds * 10}; i++) {{
            if (await test(arg)) return true;
            await new Promise((r) => setTimeout(r, 100));
        }}
        return false;
    }}""", arg)
    assert ok, predicate


def wait_for_worker(page) -> None:
    until(page, """async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        return !!(reg && reg.active && reg.active.state === "activated" && (await caches.keys()).length);
    }""")


def cache_names(page) -> list[str]:
    return page.evaluate("async () => await caches.keys()")


def bundle_version() -> str:
    text = (VENDOR / "bundle.js").read_text()
    return json.loads(text[text.index("{"):text.rindex("}") + 1])["version"]


def go_offline(rec: PageRecorder, site: Site) -> None:
    rec.context.set_offline(True)
    site.stop()  # not even loopback answers now


def reload_until_ready(rec: PageRecorder):
    responses = []
    rec.page.on("response", lambda r: responses.append(r))
    rec.page.reload()
    rec.page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=BOOT_TIMEOUT_MS)
    return responses


def check_key(page) -> None:
    page.evaluate("() => document.getElementById('enc-report').removeAttribute('data-check-ms')")
    page.fill("#enc-key", SAMPLE)
    page.wait_for_selector("#enc-report[data-check-ms]", state="attached")
    assert page.locator("#enc-report .verdict.ok").count() == 1, page.locator("#enc-report").inner_text()


def test_first_visit_caches_one_version_of_the_bundle(visit):
    rec = visit()
    names = cache_names(rec.page)
    assert len(names) == 1 and names[0].endswith(" " + bundle_version()), names
    cached = rec.page.evaluate("""async (name) => (await (await caches.open(name)).keys())
                                   .map((r) => new URL(r.url).pathname)""", names[0])
    assert "/index.html" in cached and "/assets/vendor/runtime.mjs" in cached
    assert any(p.endswith(".wasm") for p in cached) and any("/app-" in p for p in cached)
    # nothing of another origin, and nothing but GETs of the bundle's own files
    assert all(p.startswith(("/assets/", "/app/", "/index.html", "/pyscript.toml", "/manifest"))
               for p in cached), cached


def test_offline_after_one_visit_the_page_starts_and_checks_keys(visit, own_site):
    rec = visit()
    go_offline(rec, own_site)
    responses = reload_until_ready(rec)
    assert responses and all(r.from_service_worker for r in responses), \
        [r.url for r in responses if not r.from_service_worker]
    assert rec.page.locator("#enc-key").is_enabled()
    check_key(rec.page)


def test_offline_the_server_section_says_it_cannot_be_reached(visit, own_site, fake016):
    rec = visit(fake016.url)
    go_offline(rec, own_site)
    fake016.stop()
    before = len(rec.requests)
    reload_until_ready(rec)
    page = rec.page
    page.locator("#signin-other summary").click()
    page.fill("#login", ALICE[0])
    page.fill("#login-password", ALICE[1])
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#signin-msg.error")
    text = page.locator("#signin-msg").inner_text()
    # offline, not the server's CORS setting (views.errors.connection_problem); nothing sent
    assert "offline" in text and "CORS" not in text, text
    assert not [u for _, u, _ in rec.requests[before:] if u.startswith(fake016.url)]
    assert page.locator("#net-banner").is_visible()
    assert "Traceback" not in page.locator("body").inner_text()
    assert page.input_value("#login-password") == ALICE[1]  # nothing typed is lost


def test_a_kept_sign_in_comes_back_offline_and_signs_in_once_online(visit, own_site, fake016):
    """Stay signed in, go offline, reload: the account view comes back with who
    it is, every section says the server can't be reached, nothing is sent;
    back online, the page signs in with the kept credentials."""
    rec = visit(fake016.url)
    page = rec.page
    page.check("#stay")
    page.locator("#signin-other summary").click()
    page.fill("#login", ALICE[0])
    page.fill("#login-password", ALICE[1])
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    page.click("#nav a[href='#app-passwords']")
    page.click("#app-new")
    page.fill("#app-desc", "Kept")
    page.click("#app-submit")
    page.wait_for_selector("#secret-dialog[open]")
    secret = page.locator("#secret-value").inner_text()
    page.click("#secret-copy")
    page.click("#secret-close")
    page.click("#signout-btn")
    page.check("#stay")
    page.fill("#login", ALICE[0])
    page.fill("#login-password", secret)  # an app password: kept in the tab (a password never is)
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])")
    assert "Kept in this tab" in page.locator("#who-kept").inner_text()
    rec.context.set_offline(True)
    sent = len(fake016.requests)
    reload_until_ready(rec)
    page.wait_for_selector("#who:not([hidden])")
    assert ALICE[0] in page.locator("#who-name").inner_text()
    assert "offline" in page.locator("#summary-next").inner_text()
    page.click("#nav a[href='#password']")
    assert "can’t be reached" in page.locator("#password .unavailable").inner_text()
    assert len(fake016.requests) == sent  # nothing was sent
    rec.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#password .unavailable:has-text('app password or API key')")
    assert page.locator("#net-banner").is_hidden()


def test_online_the_worker_never_serves_an_old_copy_of_the_page(visit, own_site):
    rec = visit()
    seen = []
    own_site.httpd.RequestHandlerClass.log_request = lambda self, *a: seen.append(self.path)
    responses = reload_until_ready(rec)
    by_path = {r.url.replace(own_site.url, "/"): r for r in responses}
    # versioned files come from the cache; everything that can change asks the server
    assert by_path["/assets/vendor/runtime.mjs"].from_service_worker
    assert {"/", "/assets/vendor/runtime.mjs", "/app/main.py", "/pyscript.toml"} <= set(seen), seen
    assert not [p for p in seen if "/rt-" in p], seen


def test_a_new_bundle_version_replaces_the_old_cache(visit, own_site):
    """A runtime or app update: new archive names and version; the old cache goes."""
    rec = visit()
    old = bundle_version()
    saved = {n: (VENDOR / n).read_bytes() for n in ("runtime.mjs", "bundle.js")}
    build = json.loads((VENDOR / "build.json").read_text())
    app_old = build["app"].rsplit("/", 1)[-1]
    app_new = "app-update0test.zip"
    new = "update-test-" + old[:8]
    rt = ROOT / build["runtime"]
    try:
        shutil.copyfile(rt / app_old, rt / app_new)
        for name, data in saved.items():
            (VENDOR / name).write_text(data.decode().replace(app_old, app_new).replace(old, new))
        # online: the page already runs the new version, served around the old worker
        responses = reload_until_ready(rec)
        assert any(r.url.endswith(app_new) for r in responses)
        rec.page.evaluate("async () => (await navigator.serviceWorker.ready).update()")
        until(rec.page, """async (v) => {
            const names = await caches.keys();
            return names.length === 1 && names[0].endsWith(" " + v);
        }""", new)
        go_offline(rec, own_site)
        responses = reload_until_ready(rec)
        assert any(r.url.endswith(app_new) and r.from_service_worker for r in responses), " ".join(r.url[-30:] for r in responses)
        check_key(rec.page)
    finally:
        for name, data in saved.items():
            (VENDOR / name).write_bytes(data)
        (rt / app_new).unlink(missing_ok=True)
