"""serve.py through real sockets: the allow-list under every encoding trick, the
findings of the hosting review (issue 10), malformed requests, limits, logging."""
from __future__ import annotations

import gzip
import socket
import threading
import time

import pytest

import serve
from serve_helpers import ALLOWED, LISTED, RT, UNLISTED, Site, build_site, directive, exchange, get

# Each of these must be answered 400 or 404 and never show a SECRET file.
# (Where the answer must be 400 it says so.)
TRICKS = [
    # the review's own reproductions
    "/%2egit/config", "/app/../.git/config", "/%74ests/fakestalwart/model.py",
    "/%2evenv/pyvenv.cfg", "/%2evenv/bin/python3", "/%2egit/", "/app/", "/assets/",
    # plain hidden and private paths
    "/.git/config", "/.git/HEAD", "/.git", "/.git/", "/.gitignore", "/.ci/run", "/.venv/pyvenv.cfg",
    "/.venv/bin/python3", "/tests/conftest.py", "/tools/vendor.py", "/bench/run.py",
    "/docs/SECURITY.md", "/README.md", "/serve.py", "/app/notes.txt", "/app/.hidden.py",
    "/app/__pycache__/main.cpython-311.pyc", "/app/__pycache__/", "/assets/.secret",
    "/assets/.well-known/x", "/assets/vendor/", "/app/keys/",
    # percent-encoding of dots, slashes, letters
    "/%2Egit/config", "/%2e%67%69%74/config", "/%74%65%73%74%73/conftest.py", "/app/%2e%2e/.git/config",
    "/app/%2E%2E/%2Egit/config", "/app/..%2f.git/config", "/app/..%2F..%2F..%2Fetc%2Fpasswd",
    "/app%2f..%2f.git%2fconfig", "/assets/%2e%2e/serve.py", "/assets/vendor/..%2f..%2f.git/config",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%2e/index.html",
    # double encoding
    "/%252egit/config", "/app/%252e%252e/.git/config", "/%25%32%65git/config", "/..%252f..%252fetc/passwd",
    "/%2525252egit/config",
    # backslashes
    "/app\\..\\.git\\config", "/app%5c..%5c.git%5cconfig", "/app/..%5cserve.py", "/app\\main.py",
    # slashes, dots, empty segments
    "//.git/config", "//etc/passwd", "///index.html", "/app//main.py", "/./index.html", "/app/./main.py",
    "/app/main.py/", "/app/main.py/..", "/app/main.py/.", "/assets/../serve.py", "/assets/vendor/../../.git/config",
    "/..", "/../", "/../serve.py",
    # parameters and stream names
    "/index.html;.py", "/app/main.py;x", "/.git;/config", "/index.html::$DATA", "/app/main.py:x",
    # trailing dots and spaces (Windows strips them)
    "/index.html.", "/app/main.py.", "/app/main.py%20", "/index.html%20", "/app/main.py%2e", "/app/main.py%09",
    # case tricks
    "/APP/main.py", "/App/main.py", "/Index.html", "/INDEX.HTML", "/Assets/app.css", "/.GIT/config",
    "/app/MAIN.PY", "/app/main.PY",
    # unicode look-alikes of dots and slashes
    "/%ef%bc%8e%ef%bc%8e/serve.py", "/%e2%80%a4git/config", "/%e2%80%a5/serve.py", "/app/%e2%88%95..%e2%88%95serve.py",
    "/%ef%bc%8fetc%ef%bc%8fpasswd", "/%c2%b7git/config",
    # symlinks out of the folder or out of the allow-list
    "/app/link_out.py", "/assets/rel_out.js", "/assets/outdir/passwd.css", "/assets/in_link.css",
    "/assets/gitlink/config", "/assets/etc/passwd", "/assets/etc/hostname",
    # the config file is answered from serve.py's setting, never read from disk in open mode
    "/config.json",
]
MUST_400 = [
    "/%00", "/app/main.py%00.py", "/%00/../.git/config", "/%c0%ae%c0%ae/.git/config", "/%c0%af", "/%e0%80%ae/serve.py",
    "/%ed%a0%80", "/%ff", "/%fe%ff", "/%u002e%u002e/serve.py", "/%2", "/%zz", "/%", "/app/main.py%0d%0aX:y",
    "/%1b[31m", "/%7f", "/%c2%85", "/app/main.py#frag", "http://evil.example/index.html", "*", "index.html",
    "/\x01", "/\x7f", "/caf\xe9", "/\xc3\xa9",
]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def site(root):
    saved = serve.ROOT
    serve.ROOT = root  # for the whole module: a make_server without a root argument reads it late
    s = Site()
    yield s
    s.stop()
    serve.ROOT = saved


def test_corpus_is_large_enough():
    assert len(set(TRICKS)) + len(set(MUST_400)) >= 50
    assert len(set(TRICKS)) == len(TRICKS) and len(set(MUST_400)) == len(MUST_400)


@pytest.mark.parametrize("path", TRICKS)
def test_trick_is_refused(site, path):
    r = get(site.port, path)
    assert r.status in (400, 404), (path, r)
    assert b"SECRET" not in r.raw and b"PUBLIC" not in r.body, (path, r)
    assert r.headers.get("content-security-policy"), "every answer carries the headers"


@pytest.mark.parametrize("path", MUST_400)
def test_malformed_path_is_400(site, path):
    r = get(site.port, path)
    assert r.status == 400, (path, r)
    assert b"SECRET" not in r.raw


@pytest.mark.parametrize("rel", ALLOWED)
def test_allowed_files_are_served(site, root, rel):
    r = get(site.port, "/" + rel)
    assert r.status == 200, (rel, r)
    assert r.body == (root / rel).read_bytes()
    assert r.headers["cache-control"] == serve.cache_control(rel)


@pytest.mark.parametrize("rel", UNLISTED)
def test_files_the_build_does_not_list_are_404(site, rel):
    """Shaped like the page's files, but not what it loads: never served (issue 21)."""
    r = get(site.port, "/" + rel)
    assert r.status == 404 and b"SECRET" not in r.raw, (rel, r)


def test_what_is_served_follows_the_build_while_serving(tmp_path):
    root = build_site(tmp_path)
    s = Site(root=root)
    manifest = root / "assets/vendor/bundle.js"
    try:
        assert get(s.port, "/" + RT + "app-393fd445c8d2.zip").status == 200
        # a rebuild: a new archive, the old one gone from the list
        (root / RT / "app-000000000000.zip").write_text("PUBLIC-new\n")
        text = manifest.read_text().replace("app-393fd445c8d2.zip", "app-000000000000.zip")
        manifest.write_text(text + "// rebuilt\n")
        assert get(s.port, "/" + RT + "app-000000000000.zip").body == b"PUBLIC-new\n"
        assert get(s.port, "/" + RT + "app-393fd445c8d2.zip").status == 404
        # no build at all: nothing is served (not even a page that could not start)
        manifest.unlink()
        assert get(s.port, "/").status == 404 and get(s.port, "/index.html").status == 404
        manifest.write_text("self.BUNDLE = not json;")
        assert get(s.port, "/").status == 404
    finally:
        s.stop()


def test_root_is_index_and_encoded_letters_are_decoded(site, root):
    assert get(site.port, "/").body == (root / "index.html").read_bytes()
    # decoding first means an encoded letter names the same (allowed) file
    r = get(site.port, "/%61pp/m%61in.py")
    assert r.status == 200 and r.body == (root / "app/main.py").read_bytes()
    assert get(site.port, "/?anything=at%00all%ff").status == 200  # the query is not routed on


def test_head_has_headers_and_no_body(site, root):
    r = get(site.port, "/app/main.py", method="HEAD")
    assert r.status == 200 and r.body == b""
    assert r.headers["content-length"] == str(len((root / "app/main.py").read_bytes()))
    assert get(site.port, "/.git/config", method="HEAD").status == 404


def test_no_directory_listing_anywhere(site, root):
    for d in ["/app", "/app/", "/assets", "/assets/", "/assets/vendor", "/assets/vendor/pyodide/", "/.git/", "/%2egit/"]:
        r = get(site.port, d)
        assert r.status == 404 and b"<a href" not in r.body and b"Directory listing" not in r.body, d


# --------------------------------------------------------------------------- malformed requests

BAD_REQUESTS = [
    (b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 405),
    (b"PUT /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
    (b"DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / FOO\r\nHost: x\r\n\r\n", 400),
    (b"GET /\r\n\r\n", 400),                       # HTTP/0.9: would get a body without headers
    (b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),  # a TLS hello
    (b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /?server=https://m\xc3\xa4il.example HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X%d: y\r\n" % i for i in range(150)) + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
]


@pytest.mark.parametrize("data,status", BAD_REQUESTS, ids=[str(i) for i in range(len(BAD_REQUESTS))])
def test_malformed_request_is_a_4xx(site, data, status):
    r = exchange(site.port, data)
    assert r.status == status, r
    assert site.httpd.errors == []


def test_405_says_what_is_allowed(site):
    r = exchange(site.port, b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"


def test_one_log_line_per_refused_request_and_never_the_query(site, capfd):
    capfd.readouterr()
    get(site.port, "/%2egit/config?code=SECRETCODE1&state=s")
    get(site.port, "/%00?code=SECRETCODE2")
    exchange(site.port, b"GET /x?code=SECRETCODE3 HTTP/9\r\n\r\n")
    exchange(site.port, b"POST /app?code=SECRETCODE4 HTTP/1.1\r\nHost: x\r\n\r\n")
    exchange(site.port, b"GET /\n\x1b[2J?code=SECRETCODE5 HTTP/1.1\r\n\r\n")
    get(site.port, "/index.html?code=SECRETCODE6")  # a success: not logged
    time.sleep(0.2)
    err = capfd.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("serve: ")]
    assert len(lines) == 5, err
    assert "SECRETCODE" not in err
    assert lines[0] == "serve: GET /%2egit/config -> 404"
    assert lines[1] == "serve: GET /%00 -> 400"
    assert lines[3] == "serve: POST /app -> 405"
    assert all("\x1b" not in ln for ln in lines)


# --------------------------------------------------------------------------- headers and config

def test_security_headers_on_every_kind_of_answer(site):
    for r in [get(site.port, "/"), get(site.port, "/nope"), get(site.port, "/%00"),
              exchange(site.port, b"FOO / HTTP/1.1\r\n\r\n")]:
        csp = r.headers["content-security-policy"]
        assert directive(csp, "frame-ancestors") == "frame-ancestors 'none'"
        assert directive(csp, "script-src") == "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-cache"
        for name, value in serve.SECURITY_HEADERS.items():
            assert r.headers[name.lower()] == value, name


INJECTIONS = [
    "https://x;%20frame-ancestors%20*;%20script-src-elem%20*%20'unsafe-inline'",
    "https://x%3B%20frame-ancestors%20*",
    "https://attacker.example",
    "http://127.0.0.1:9/",
    "javascript:alert(1)%3B%20script-src%20*",
    "https://m%C3%A4il.example",        # non-Latin-1 once decoded: crashed the old server
    "https://%E2%80%AEevil.example",
]


@pytest.mark.parametrize("query", INJECTIONS)
def test_query_never_reaches_the_csp(site, query):
    handler = site.httpd.RequestHandlerClass
    try:
        for servers, want in ((["https://mail.example.com"], "connect-src 'self' https://mail.example.com"),
                              ([], "connect-src 'self' https:")):
            handler.servers = servers  # as --server / config.json would set it
            r = get(site.port, "/?server=" + query)
            assert r.status == 200, r
            csp = r.headers["content-security-policy"]
            assert directive(csp, "connect-src") == want
            assert csp.count("frame-ancestors") == 1 and "script-src-elem" not in csp
            assert "attacker" not in csp and "127.0.0.1:9" not in csp
    finally:
        handler.servers = []


def test_bound_mode_serves_config_json_and_matching_csp(root):
    s = Site(["https://mail.example.com", "http://127.0.0.1:8081"], root=root)
    try:
        r = get(s.port, "/config.json")
        assert r.status == 200 and r.headers["content-type"] == "application/json"
        import json
        assert json.loads(r.body) == {"servers": ["https://mail.example.com", "http://127.0.0.1:8081"]}
        assert directive(r.headers["content-security-policy"], "connect-src") == \
            "connect-src 'self' https://mail.example.com http://127.0.0.1:8081"
        # the hook the browser tests use: assigning the handler's list switches both
        s.httpd.RequestHandlerClass.servers = []
        assert get(s.port, "/config.json").status == 404
        assert directive(get(s.port, "/").headers["content-security-policy"], "connect-src") == \
            "connect-src 'self' https:"
    finally:
        s.stop()


def test_config_file_is_read_and_served_from_the_setting(tmp_path):
    root = build_site(tmp_path)
    (root / "config.json").write_text('{"servers": ["https://mail.example.com"]}')
    s = Site(root=root)
    try:
        assert get(s.port, "/config.json").body.strip().startswith(b"{")
        assert directive(get(s.port, "/").headers["content-security-policy"], "connect-src") == \
            "connect-src 'self' https://mail.example.com"
        # the file changes on disk: the served config and the header still agree
        (root / "config.json").write_text('{"servers": ["https://other.example"]}')
        assert b"mail.example.com" in get(s.port, "/config.json").body
    finally:
        s.stop()


def test_demo_origin_only_in_open_mode(root):
    s = Site([], root=root, open_extra=["http://127.0.0.1:8001"], config=root / "absent.json")
    try:
        csp = get(s.port, "/").headers["content-security-policy"]
        assert directive(csp, "connect-src") == "connect-src 'self' https: http://127.0.0.1:8001"
        assert get(s.port, "/config.json").status == 404
    finally:
        s.stop()


def test_mime_types_and_gzip(site, root):
    r = get(site.port, "/" + RT + "pyodide.asm.wasm", Accept_Encoding="gzip")
    assert r.headers["content-type"] == "application/wasm" and r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(r.body) == (root / RT / "pyodide.asm.wasm").read_bytes()
    assert get(site.port, "/" + RT + "pyodide.mjs").headers["content-type"] == "text/javascript"
    assert get(site.port, "/manifest.webmanifest").headers["content-type"] == "application/manifest+json"
    lm = get(site.port, "/index.html").headers["last-modified"]
    assert get(site.port, "/index.html", If_Modified_Since=lm).status == 304


# --------------------------------------------------------------------------- limits

def test_idle_connections_time_out(root):
    assert 0 < serve.make_server("127.0.0.1", 0, []).RequestHandlerClass.timeout <= 60
    s = Site(root=root, timeout=1.0)
    try:
        conn = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        t0 = time.monotonic()
        assert conn.recv(10) == b""  # the server closed the idle connection
        assert time.monotonic() - t0 < 8
        conn.close()
    finally:
        s.stop()


def test_a_request_head_must_arrive_within_the_head_timeout(root):
    """The clock runs from the head's first byte: a header line now and then does not reset it."""
    s = Site(root=root, timeout=30.0, head_timeout=1.0)
    try:
        conn = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        conn.sendall(b"GET / HTTP/1.1\r\n")
        t0 = time.monotonic()
        closed = None
        for i in range(20):
            time.sleep(0.25)
            try:
                conn.sendall(b"X-%d: y\r\n" % i)
            except OSError:
                closed = time.monotonic() - t0
                break
            conn.settimeout(0.01)
            try:
                if conn.recv(10) == b"":
                    closed = time.monotonic() - t0
                    break
            except socket.timeout:
                pass
        assert closed is not None and 0.9 <= closed < 4, closed
        conn.close()
        assert s.httpd.waiting == 0 and s.httpd.errors == []
    finally:
        s.stop()


def test_waiting_connections_cost_no_thread_and_the_oldest_make_room(root):
    s = Site(root=root, max_connections=4, workers=2)
    idle = []
    try:
        time.sleep(0.2)
        baseline = threading.active_count()
        for _ in range(12):
            idle.append(socket.create_connection(("127.0.0.1", s.port), timeout=10))
        time.sleep(0.5)
        assert s.httpd.waiting <= 4 and threading.active_count() == baseline
        # the eight that waited longest were closed to make room; the newest still wait
        for c in idle[:8]:
            assert c.recv(10) == b""
        # and a real request is answered at once, however many wait
        assert get(s.port, "/index.html").status == 200
        assert s.httpd.peak <= 2 and s.httpd.errors == []
    finally:
        for c in idle:
            c.close()
        s.stop()


def test_a_shutdown_before_serving_ends_serving_at_once(root):
    s = serve.make_server("127.0.0.1", 0, [], root=root)
    s.shutdown()
    t = threading.Thread(target=s.serve_forever, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive()
    s.server_close()


def test_pipelined_requests_are_answered_in_order(site, root):
    r = exchange(site.port, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                            b"GET /pyscript.toml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert r.raw.count(b"HTTP/1.1 200 OK") == 2
    assert r.raw.index(b"PUBLIC-index.html") < r.raw.index(b"PUBLIC-pyscript.toml")


def test_a_handler_exception_is_recorded_not_swallowed(root, monkeypatch):
    s = Site(root=root)
    try:
        def boom(self, path, head):
            raise RuntimeError("disk on fire")
        monkeypatch.setattr(s.httpd.RequestHandlerClass, "send_file", boom)
        get(s.port, "/index.html")
        time.sleep(0.1)
        assert s.httpd.errors == ["RuntimeError: disk on fire"]
    finally:
        s.stop()


IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.mark.parametrize("rel", ["assets/vendor/rt-5a833d46fe94/pyodide.asm.wasm",
                                 "assets/vendor/rt-5a833d46fe94/app-272ca364ac0f.zip",
                                 "assets/vendor/pyscript/core-C9KDLldu.js",
                                 "assets/vendor/pyscript/codemirror_lang-python-r-dBg-Wd.js"])
def test_versioned_files_are_immutable(rel):
    assert serve.cache_control(rel) == IMMUTABLE


@pytest.mark.parametrize("rel", ["index.html", "sw.js", "config.json", "pyscript.toml",
                                 "manifest.webmanifest", "app/main.py", "assets/app.css",
                                 "assets/vendor/runtime.mjs", "assets/vendor/bundle.js",
                                 "assets/vendor/pyscript/core.js",
                                 "assets/vendor/pyodide/pyodide.asm.wasm",
                                 "assets/vendor/rt-/x.zip", "assets/vendor/rt-zzzzzzzz/x.zip"])
def test_unversioned_files_revalidate(rel):
    assert serve.cache_control(rel) == "no-cache"
