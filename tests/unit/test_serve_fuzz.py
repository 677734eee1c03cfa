"""Fuzzing serve.py's request path through a real socket: whatever the path, the
answer is never 200 outside the allow-list, never a 5xx, never a handler crash."""
from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import serve
from serve_helpers import ALLOWED, Site, build_site, get

FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
OK_STATUSES = {200, 304, 400, 404, 405, 414, 431}

PIECES = ["app", "assets", "vendor", "pyodide", "index.html", "main.py", "app.css", "pyscript.toml",
          "sw.js", "manifest.webmanifest", "config.json", ".git", "config", ".venv", "bin", "python3",
          "pyvenv.cfg", "tests", "conftest.py", "tools", "serve.py", "README.md", "..", ".", "", "%2e",
          "%2e%2e", "%2E", "%252e", "%2f", "%5c", "\\", ";", ":", "%00", "%c0%ae", "%ef%bc%8e", "%e2%80%a4",
          "%74ests", "%2egit", "link_out.py", "rel_out.js", "outdir", "in_link.css", "gitlink", "etc",
          "passwd", ".hidden.py", "__pycache__", "%20", " ", ".", "~", "%", "%%", "?server=x", "#", "\t",
          "APP", "Index.html", "main.py.", "main.py%20", "notes.txt", ".secret", "ok_link.css", "bundle.js",
          "build.json", "app.css.bak", "rt-5a833d46fe94", "app-393fd445c8d2.zip", "pyodide.asm.wasm", "wheels"]


def _encode(text: str, mask: list[bool]) -> str:
    out = []
    for ch, enc in zip(text, mask + [False] * len(text)):
        if enc or not (0x21 <= ord(ch) <= 0x7E):
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
    return "".join(out)


@st.composite
def paths(draw) -> str:
    segs = draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=0, max_size=6))
    raw = "/" + "/".join(segs)
    if draw(st.booleans()):
        raw = _encode(raw, draw(st.lists(st.booleans(), max_size=len(raw))))
        if draw(st.booleans()):  # double-encode part of it
            cut = draw(st.integers(0, len(raw)))
            raw = raw[:cut] + raw[cut:].replace("%", "%25")
    return raw


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory):
    root = build_site(tmp_path_factory.mktemp("fuzz"))
    saved = serve.ROOT
    serve.ROOT = root  # for the whole module: a make_server without a root argument reads it late
    s = Site()
    yield s, root
    s.stop()
    serve.ROOT = saved


def _check(site, root, target: bytes):
    r = get(site.port, target)
    assert r.status in OK_STATUSES, (target, r)
    assert b"SECRET" not in r.raw, (target, r)
    if r.status == 200:
        # the path a browser would mean, decoded independently of serve.py
        path = urllib.parse.unquote(target.decode("latin-1").split("?", 1)[0], errors="strict")
        rel = "index.html" if path == "/" else path[1:]
        assert rel in ALLOWED, (target, rel)
        assert r.body == (root / rel).read_bytes(), target
    assert site.httpd.errors == [], (target, site.httpd.errors)


@FUZZ
@given(paths())
def test_fuzzed_paths(fuzz_site, target):
    site, root = fuzz_site
    _check(site, root, target.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=80).filter(lambda b: b" " not in b and b"\n" not in b and b"\r" not in b))
def test_fuzzed_raw_bytes(fuzz_site, data):
    site, root = fuzz_site
    _check(site, root, b"/" + data)


def test_the_fuzzer_reaches_allowed_files(fuzz_site):
    """A fuzzer that never gets a 200 proves nothing: the allowed paths, encoded, still work."""
    site, root = fuzz_site
    for rel in ALLOWED:
        target = "/" + _encode(rel, [True] * len(rel))
        r = get(site.port, target)
        assert r.status == 200 and r.body == (root / rel).read_bytes(), target
