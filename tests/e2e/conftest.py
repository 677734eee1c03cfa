"""Browser tests: Debian's Chromium driven by Playwright, against the real page
served by serve.py's handler, and the contract test server on another origin."""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

import serve
from tools import bundle, bytecode, vendor

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
BOOT_TIMEOUT_MS = 90_000
LOCALE = "en-US"
# (outside the served folders; one per checkout)
BUILD_LOCK = Path(tempfile.gettempdir()) / f"bundle-{hashlib.sha256(str(vendor.ROOT).encode()).hexdigest()[:12]}.lock"


def pytest_configure(config):
    config.addinivalue_line("markers", "servers(*gens): contract servers the test's page may reach")


# Chromium's renderer process died once in a CI run of ~300 page boots
# ("Page.wait_for_selector: Target crashed" while the page booted; nothing in
# the page can kill its renderer: a wasm or JS out-of-memory is an exception the
# page reports, not a crash). A dead renderer cannot be navigated again
# ("Page crashed"), so such a test runs once more from the start, with fresh
# fixtures; the summary counts it as a rerun. Any other failure fails at once.
RENDERER_CRASHED = [r"Target crashed", r"Page crashed"]


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=RENDERER_CRASHED))


@pytest.fixture(scope="session", autouse=True)
def _vendored():
    """The page the tests open runs the current app/: the bytecode bundle is
    rebuilt here when any source changed (a no-op costing a hash when not)."""
    bad = vendor.bad_files(vendor.load_lock())
    if bad:
        pytest.exit(f"the page runtime is not vendored ({bad[0][0].name}: {bad[0][1]}); "
                    f"run `python3 -m tools.vendor` first", returncode=2)
    try:
        # one build at a time when several test workers start together
        with open(BUILD_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            bundle.build()
    except (bundle.BundleError, bytecode.BytecodeError) as e:
        pytest.exit(f"the page bundle could not be built: {e}", returncode=2)


class Site:
    """The page served on its own origin, with a CSP allowing the given servers."""

    def __init__(self):
        self.httpd = serve.make_server("127.0.0.1", 0, [])
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.origin = self.url.rstrip("/")
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def allow(self, *origins: str) -> None:
        self.httpd.RequestHandlerClass.servers = sorted(set(origins))

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def site():
    s = Site()
    yield s
    s.stop()


@pytest.fixture(scope="package")
def browser():
    # Package scope: Playwright's sync API keeps an event loop running while it
    # is open, which would break the unit tests' asyncio.run() after this package.
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def origin_of(url: str) -> str | None:
    u = urllib.parse.urlsplit(url)
    return f"{u.scheme}://{u.netloc}" if u.scheme in ("http", "https") else None


class WarmContexts:
    """Browser contexts kept for the whole run of this worker, so that a page
    boots from a warm HTTP cache (Pyodide's runtime downloaded and its wasm
    compiled once, not once per test) while every test still starts from an
    empty browser: between two tests every page is closed (sessionStorage goes
    with its tab) and each origin the context reached loses its cookies,
    localStorage, IndexedDB, Cache Storage, service workers and the rest of
    its site data; permissions and routes are cleared. Only the HTTP cache is
    kept: a cached file is revalidated exactly as on a user's second visit
    (immutable runtime files are taken from it, everything else asks the
    server again, so a changed CSP or config.json is always seen).

    A context a test changed itself through ``rec.context`` (offline, init
    scripts, permissions, listeners…) is closed, not reused; reach it that
    way, not as ``rec.page.context``. tests/e2e/test_isolation.py
    proves that nothing a page can store survives a release."""

    def __init__(self, browser, site: "Site"):
        self.browser = browser
        self.site = site
        self.idle: list = []
        self.reached: dict[int, set[str]] = {}
        self.leases: dict[int, int] = {}  # how often each context was handed out

    def lease(self):
        if self.idle:
            ctx = self.idle.pop()
        else:
            ctx = self.browser.new_context(locale=LOCALE)
            seen: set[str] = set()
            self.reached[id(ctx)] = seen
            ctx.on("request", lambda r: seen.add(origin_of(r.url) or self.site.origin))
        self.leases[id(ctx)] = self.leases.get(id(ctx), 0) + 1
        return ctx

    def release(self, ctx, reuse: bool = True) -> None:
        if reuse:
            try:
                self.wipe(ctx)
            except Exception:  # a dead page or renderer: this context is not reused
                reuse = False
        if reuse:
            self.idle.append(ctx)
            return
        self.reached.pop(id(ctx), None)
        try:
            ctx.close()
        except Exception:
            pass

    def wipe(self, ctx) -> None:
        for page in list(ctx.pages):
            page.close()
        origins = {self.site.origin, *self.reached[id(ctx)]}
        blank = ctx.new_page()
        try:
            cdp = ctx.new_cdp_session(blank)
            for origin in sorted(origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            cdp.detach()
        finally:
            blank.close()
        ctx.clear_permissions()
        ctx.unroute_all(behavior="ignoreErrors")
        ctx.set_offline(False)
        self.reached[id(ctx)].clear()

    def close(self) -> None:
        for ctx in self.idle:
            try:
                ctx.close()
            except Exception:
                pass
        self.idle.clear()


@pytest.fixture(scope="package")
def warm_contexts(browser, site):
    pool = WarmContexts(browser, site)
    yield pool
    pool.close()


class PageRecorder:
    """A page in an empty browser context whose every request is recorded, so a
    test can prove nothing left for an origin other than the page's and the
    server's. Without ``context`` it opens a new context of its own (a cold
    HTTP cache, as on a first visit); the ``recorder`` fixture passes one from
    ``WarmContexts`` instead."""

    def __init__(self, browser, site, allowed, context=None):
        self.site = site
        self.allowed = {site.origin, *allowed}
        self.own_context = context is None
        self._context = browser.new_context(locale=LOCALE) if context is None else context
        self.context_changed = False
        self.page = self._context.new_page()
        self.requests: list[tuple[str, str, bytes | None]] = []
        self.console: list[str] = []
        self.csp_ok = False  # set by a test that provokes a CSP block on purpose
        self.page.on("request", lambda r: self.requests.append((r.method, r.url, r.post_data_buffer)))
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.set_default_timeout(20_000)

    @property
    def context(self):
        """The browser context, for a test that changes it (offline, permissions,
        scripts): such a context is thrown away after the test, not reused."""
        self.context_changed = True
        return self._context

    def origins(self) -> set[str]:
        return {o for _, url, _ in self.requests if (o := origin_of(url))}

    def foreign(self) -> list[str]:
        return [u for _, u, _ in self.requests if (o := origin_of(u)) and o not in self.allowed]

    def open(self, query: str = "", wait: str = "ready"):
        self.page.goto(self.site.url + query)
        if wait:
            self.page.wait_for_selector(f"html[data-app-state={wait}]", state="attached",
                                        timeout=BOOT_TIMEOUT_MS)
        return self.page

    def close(self):
        if self.own_context:
            self._context.close()
        else:
            self.page.close()


@pytest.fixture
def recorder(browser, site, warm_contexts):
    """``recorder(*server_origins)``: a PageRecorder whose page may reach those
    servers (the site's CSP allows them). Each call in a test is a separate,
    empty browser context (two calls are two browsers); each is warm."""
    recs = []

    def make(*allowed_origins: str) -> PageRecorder:
        site.allow(*allowed_origins)
        r = PageRecorder(browser, site, allowed_origins, context=warm_contexts.lease())
        recs.append(r)
        return r

    yield make
    problems = []
    for r in recs:
        foreign = r.foreign()
        csp = [m for m in r.console if "Content Security Policy" in m]
        r.close()
        warm_contexts.release(r._context, reuse=not r.context_changed)
        if foreign:
            problems.append(f"the page contacted another origin: {foreign[:5]}")
        if csp and not r.csp_ok:
            problems.append(f"the page broke its own CSP: {csp[:3]}")
    assert not problems, "; ".join(problems)


# ----------------------------------------------------------------- contract servers
from tests.fakestalwart import FakeStalwart  # noqa: E402


@pytest.fixture(params=["0.16", "legacy"])
def gen(request):
    return request.param


@pytest.fixture
def fake(gen):
    """A fresh contract server of the parametrised generation, CORS on."""
    srv = FakeStalwart(generation=gen, cors=True, legacy_version="0.15")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def fake016():
    srv = FakeStalwart(generation="0.16", cors=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def app_page(recorder, fake):
    """The page opened for ``fake`` (its origin allowed), ready to sign in."""
    rec = recorder(fake.url)
    page = rec.open("?server=" + fake.url)
    return rec, page
