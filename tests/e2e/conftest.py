"""Browser tests: Debian's Chromium driven by Playwright, against the real page
served by serve.py's handler, and the contract test server on another origin."""
from __future__ import annotations

import os
import threading
import urllib.parse

import pytest
from playwright.sync_api import sync_playwright

import serve
from tools import bundle, bytecode, vendor

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
BOOT_TIMEOUT_MS = 90_000


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


class PageRecorder:
    """A fresh browser context whose every request is recorded, so a test can
    prove nothing left for an origin other than the page's and the server's."""

    def __init__(self, browser, site, allowed):
        self.site = site
        self.allowed = {site.origin, *allowed}
        self.context = browser.new_context(locale="en-US")
        self.page = self.context.new_page()
        self.requests: list[tuple[str, str, bytes | None]] = []
        self.console: list[str] = []
        self.csp_ok = False  # set by a test that provokes a CSP block on purpose
        self.page.on("request", lambda r: self.requests.append((r.method, r.url, r.post_data_buffer)))
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.set_default_timeout(20_000)

    def origins(self) -> set[str]:
        out = set()
        for _, url, _ in self.requests:
            u = urllib.parse.urlsplit(url)
            if u.scheme in ("http", "https"):
                out.add(f"{u.scheme}://{u.netloc}")
        return out

    def foreign(self) -> list[str]:
        return [u for _, u, _ in self.requests
                if u.startswith(("http:", "https:")) and
                f"{urllib.parse.urlsplit(u).scheme}://{urllib.parse.urlsplit(u).netloc}" not in self.allowed]

    def open(self, query: str = "", wait: str = "ready"):
        self.page.goto(self.site.url + query)
        if wait:
            self.page.wait_for_selector(f"html[data-app-state={wait}]", state="attached",
                                        timeout=BOOT_TIMEOUT_MS)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def recorder(browser, site):
    recs = []

    def make(*allowed_origins: str) -> PageRecorder:
        site.allow(*allowed_origins)
        r = PageRecorder(browser, site, allowed_origins)
        recs.append(r)
        return r

    yield make
    for r in recs:
        foreign = r.foreign()
        csp = [m for m in r.console if "Content Security Policy" in m]
        r.close()
        assert not foreign, f"the page contacted another origin: {foreign[:5]}"
        assert r.csp_ok or not csp, f"the page broke its own CSP: {csp[:3]}"


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
