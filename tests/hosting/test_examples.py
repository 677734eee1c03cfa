"""The hosting examples work as written (issue 21): the README's nginx and Caddy
configurations load in Debian's servers, serve the published folder with the
documented headers on every answer, redirect the path without its slash, reach
nothing else, and the page starts from them in Chromium and works offline after
one visit. The documented headers are serve.py's: one list."""
from __future__ import annotations

import gzip
import http.client
import re

import pytest

import serve
from tests.e2e.conftest import BOOT_TIMEOUT_MS
from tests.hosting.conftest import PREFIX, ROOT, SECRET, SERVER, Hosted, fenced_blocks, readme_blocks

DOCUMENTED = serve.headers([SERVER])
# Media types the browser checks (scripts, styles, WebAssembly streaming, the manifest);
# the page reads .py and .toml with fetch(), which takes any type.
CHECKED_TYPES = {".html", ".css", ".js", ".mjs", ".wasm", ".json", ".svg", ".png", ".webmanifest", ".zip"}


def header_block(text: str) -> dict[str, str]:
    """The unlabelled code block that lists the headers (indented or not), as name -> value."""
    blocks = [b for info, b in fenced_blocks(text) if not info and b.startswith("Content-Security-Policy:")]
    assert len(blocks) == 1, blocks
    return dict(line.split(": ", 1) for line in blocks[0].splitlines())


@pytest.mark.parametrize("doc", ["README.md", "docs/SECURITY.md"])
def test_the_documented_headers_are_the_ones_serve_py_sends(doc):
    documented = header_block((ROOT / doc).read_text(encoding="utf-8"))
    assert list(documented.items()) == list(DOCUMENTED.items())


def test_the_examples_set_the_documented_headers_once():
    _, location = readme_blocks("nginx")
    nginx = re.findall(r'^\s*add_header (\S+) "([^"]*)" always;$', location, re.M)
    assert [n for n, _ in nginx] == list(DOCUMENTED), "each header once, in one place (nested locations inherit)"
    assert dict(nginx) == DOCUMENTED
    assert location.count("add_header") == len(DOCUMENTED) + 1  # + Cache-Control from the map
    (caddy,) = readme_blocks("caddy")
    block = re.search(r"^header @account-security \{\n(.*?)^\}", caddy, re.S | re.M).group(1)
    pairs = re.findall(r'^\s*(\S+) "([^"]*)"$', block, re.M)
    assert dict(pairs) == {**DOCUMENTED, "Cache-Control": "no-cache"} and len(pairs) == len(DOCUMENTED) + 1


def get(h, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    c = http.client.HTTPConnection("127.0.0.1", h.port, timeout=30)
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        c.putheader("Accept-Encoding", "gzip")
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if hdrs.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return r.status, hdrs, body
    finally:
        c.close()


def assert_documented(hdrs: dict[str, str], what: str) -> None:
    for name, value in DOCUMENTED.items():
        assert hdrs.get(name.lower()) == value, (what, name, hdrs.get(name.lower()))


def published_files(published) -> list[str]:
    return sorted(p.relative_to(published).as_posix() for p in published.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(published).parts))


@pytest.mark.parametrize("kind", ["nginx", "caddy"])
def test_the_configuration_loads(published, workdir, kind):
    """nginx -t / caddy validate: the README's first finding was an nginx example that did not load."""
    r = Hosted(kind, published, workdir / f"check-{kind}").check()
    assert r.returncode == 0, (kind, r.stdout, r.stderr)


def test_every_published_file_is_served_with_the_documented_headers(hosted, published):
    files = published_files(published)
    assert "index.html" in files and "config.json" in files and len(files) > 20
    for rel in ["", *files]:
        status, hdrs, body = get(hosted, f"{PREFIX}/{rel}")
        assert status == 200, (hosted.kind, rel, status)
        assert body == (published / (rel or "index.html")).read_bytes(), (hosted.kind, rel)
        assert_documented(hdrs, rel)
        assert hdrs["cache-control"] == serve.cache_control(rel or "index.html"), (hosted.kind, rel)
        suffix = "." + rel.rsplit(".", 1)[-1] if rel else ".html"
        if suffix in CHECKED_TYPES:
            want = serve.MIME[suffix].split(";")[0]
            assert hdrs["content-type"].split(";")[0] == want, (hosted.kind, rel, hdrs["content-type"])
    # the big runtime file travels compressed
    wasm = next(f for f in files if f.endswith(".wasm"))
    assert get(hosted, f"{PREFIX}/{wasm}")[1].get("content-encoding") == "gzip"


@pytest.mark.parametrize("query", ["", "?server=https%3A%2F%2Fmail.example.com"])
def test_the_path_without_its_slash_redirects(hosted, query):
    status, hdrs, _ = get(hosted, PREFIX + query)
    assert status == 301, (hosted.kind, status)
    assert hdrs["location"] in (f"{PREFIX}/{query}", f"{hosted.origin}{PREFIX}/{query}"), hdrs["location"]
    assert_documented(hdrs, "redirect")


INSIDE = ["/.htpasswd", "/assets/.git/config", "/assets/.git/", "/assets/", "/assets/vendor/", "/app/",
          "/assets/vendor/pyodide/pyodide.asm.wasm", "/assets/vendor/pyodide/python_stdlib.zip",
          "/assets/vendor/wheels/six-1.17.0-py2.py3-none-any.whl", "/assets/vendor/build.json",
          "/assets/vendor.lock.json", "/app/servers.py", "/app/__init__.py", "/serve.py", "/README.md",
          "/tools/publish.py", "/.git/config", "/assets/app.css.bak", "/%2ehtpasswd"]
OUTSIDE = ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..%5csecret.txt",
           "/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/./../secret.txt"]


@pytest.mark.parametrize("path", INSIDE)
def test_nothing_but_the_page_is_served_under_its_path(hosted, path):
    status, hdrs, body = get(hosted, PREFIX + path)
    assert status in (403, 404), (hosted.kind, path, status)  # nginx: 403 for a folder without listing
    assert SECRET not in body and b"<a href" not in body
    assert_documented(hdrs, path)


@pytest.mark.parametrize("path", OUTSIDE + ["../secret.txt"])
def test_nothing_outside_the_published_folder_is_reachable(hosted, path):
    for target in (PREFIX + path, PREFIX + "." + path, PREFIX + path.replace("/", "\\")):
        status, _, body = get(hosted, target)
        assert SECRET not in body and status in (400, 404), (hosted.kind, target, status, body[:80])


def wait_for_worker(page) -> None:
    ok = page.evaluate("""async () => {
        for (let i = 0; i < 600; i++) {
            const reg = await navigator.serviceWorker.getRegistration();
            if (reg && reg.active && reg.active.state === "activated" && (await caches.keys()).length) return true;
            await new Promise((r) => setTimeout(r, 100));
        }
        return false;
    }""")
    assert ok, "the service worker did not cache the page"


@pytest.mark.parametrize("kind", ["nginx", "caddy"])
def test_the_page_starts_from_it_and_works_offline_after_one_visit(browser, hosting, kind):
    h = hosting(kind)
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        blocked, requests, responses = [], [], []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: responses.append(r))
        page.goto(h.url)
        page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=BOOT_TIMEOUT_MS)
        # bound to the README's server, read from the published config.json through this server
        page.wait_for_selector("#signin fieldset.gate:not([disabled])", state="attached")
        assert page.input_value("#server-url") == SERVER
        assert page.locator("#server-url").get_attribute("readonly") is not None
        failed = [(r.status, r.url) for r in responses if r.status >= 400]
        assert not failed and not blocked, (failed, blocked)
        # only this server and the allowed mail server (the page asks it how to sign in; it does not exist)
        assert {u.split("/", 3)[2] for u in requests} <= {f"127.0.0.1:{h.port}", SERVER.split("/")[2]}, requests
        wait_for_worker(page)
        context.set_offline(True)
        h.stop()
        responses.clear()
        page.reload()
        page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=BOOT_TIMEOUT_MS)
        assert responses and all(r.from_service_worker for r in responses), \
            [r.url for r in responses if not r.from_service_worker]
        assert page.input_value("#server-url") == SERVER
    finally:
        context.close()
