"""The allowed servers: origin rules, config.json, and serve.py's command line."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import serve
from serve_helpers import directive

ROOT = Path(__file__).resolve().parents[2]

GOOD = ["https://mail.example.com", "https://mail.example.com:8443", "https://xn--mil-qla.example",
        "https://192.0.2.10", "https://[2001:db8::1]", "https://[2001:db8::1]:8443", "http://localhost",
        "http://localhost:8080", "http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:8080",
        "http://stalwart.localhost:8080", "https://a-b.c-d.example", "https://localhost"]
BAD = {
    "": "empty",
    "mail.example.com": "form",
    "https://mail.example.com/": "path",
    "https://mail.example.com/jmap": "path",
    "https://mail.example.com?x=1": "query",
    "https://mail.example.com#x": "fragment",
    "https://user@mail.example.com": "user name",
    "https://user:pw@mail.example.com": "user name",
    "HTTPS://mail.example.com": "lower case",
    "https://Mail.Example.com": "lower case",
    "https://mail.example.com:443": "default port",
    "http://localhost:80": "default port",
    "https://mail.example.com:0": "port",
    "https://mail.example.com:08443": "port",
    "https://mail.example.com:65536": "port",
    "https://mail.example.com:": "port",
    "http://mail.example.com": "only for this computer",
    "http://192.0.2.10": "only for this computer",
    "ftp://mail.example.com": "only https",
    "javascript://x": "only https",
    "https://mäil.example": "punycode",
    "https://mail.example.com ": "spaces",
    " https://mail.example.com": "spaces",
    "https://x;frame-ancestors": "host name",
    "https://x; frame-ancestors *": "spaces",
    "https://mail.example.com\n": "control",
    "https://mail_server.example": "host name",
    "https://-mail.example": "host name",
    "https://mail..example": "host name",
    "https://mail.example.com.": "host name",
    "https://127.1": "IPv4",
    "https://[::1": "IPv6",
    "https://[0:0::1]": "[::1]",
    "https://": "no host",
    "https:mail.example.com": "form",
    "https://*.example.com": "host name",
    "https://mail.example.com\u202e": "non-ASCII",
}


@pytest.mark.parametrize("value", GOOD)
def test_plain_origins_are_accepted(value):
    assert serve.parse_origin(value) == value


@pytest.mark.parametrize("value,why", list(BAD.items()))
def test_anything_else_is_refused_with_a_reason(value, why):
    with pytest.raises(serve.OriginError) as e:
        serve.parse_origin(value)
    text = str(e.value)
    assert why in text and "\n" not in text, text


def test_refusals_suggest_the_plain_origin():
    with pytest.raises(serve.OriginError, match=r"https://mail\.example\.com$"):
        serve.parse_origin("https://mail.example.com/")
    with pytest.raises(serve.OriginError, match=r"https://xn--mil-qla\.example"):
        serve.parse_origin("https://mäil.example")


def test_non_strings_are_refused():
    for v in (None, 1, ["https://x.example"], {"a": 1}):
        with pytest.raises(serve.OriginError):
            serve.parse_origin(v)


@pytest.mark.parametrize("text,servers", [
    ('{"servers": ["https://mail.example.com"]}', ["https://mail.example.com"]),
    ('{"servers": []}', []),
    ('{"servers": ["https://a.example", "https://b.example", "https://a.example"]}',
     ["https://a.example", "https://b.example"]),
    ('\n  {"servers": ["http://127.0.0.1:8080"]}\n', ["http://127.0.0.1:8080"]),
])
def test_config_accepted(text, servers):
    assert serve.parse_config(text) == servers
    assert serve.parse_config(text.encode()) == servers


@pytest.mark.parametrize("text,why", [
    ("", "JSON"), ("{", "JSON"), ("[]", "object"), ('"https://mail.example.com"', "object"),
    ("{}", '"servers"'), ('{"server": ["https://mail.example.com"]}', "unknown key"),
    ('{"servers": ["https://mail.example.com"], "mode": "open"}', "unknown key"),
    ('{"servers": "https://mail.example.com"}', "list"), ('{"servers": null}', "list"),
    ('{"servers": ["https://mail.example.com/"]}', "entry 1"), ('{"servers": [1]}', "entry 1"),
    ('{"servers": ["https://ok.example", "http://evil.example"]}', "entry 2"),
])
def test_config_refused(text, why):
    with pytest.raises(serve.ConfigError) as e:
        serve.parse_config(text)
    assert why in str(e.value) and "\n" not in str(e.value)


def test_config_file_limits(tmp_path):
    assert serve.load_config(tmp_path / "absent.json") == []
    big = tmp_path / "big.json"
    big.write_bytes(b'{"servers": []' + b" " * serve.MAX_CONFIG_BYTES + b"}")
    with pytest.raises(serve.ConfigError, match="larger"):
        serve.load_config(big)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"servers": ["https://m\xe4il.example"]}')
    with pytest.raises(serve.ConfigError, match="UTF-8"):
        serve.load_config(latin)


# --------------------------------------------------------------------------- command line

def run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, str(ROOT / "serve.py"), "--no-vendor", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("value", ["https://mail.example.com/", "http://mail.example.com",
                                   "https://x;%20frame-ancestors%20*", "mail.example.com"])
def test_cli_refuses_a_bad_server_in_one_line(value):
    r = run_cli("--port", "0", "--server", value)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"serve: --server {value!r}"), r.stderr
    assert "Traceback" not in r.stderr and "Serving" not in r.stdout


def test_cli_refuses_a_bad_config_file_in_one_line(tmp_path):
    cfg = tmp_path / "config.json"
    cfg.write_text('{"server": ["https://mail.example.com"]}')
    r = run_cli("--port", "0", "--config", str(cfg))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "unknown key" in r.stderr
    r = run_cli("--port", "0", "--config", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "does not exist" in r.stderr


class Running:
    """serve.py started as a user would, stopped by its own pid."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "serve.py"), "--no-vendor", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Serving the page at "):
                self.url = line.split()[4]
                return
        self.stop()
        raise AssertionError(f"serve.py did not start: {self.lines} {self.proc.stderr.read()}")

    def get(self, path):
        base = self.url.split("?")[0].rstrip("/")
        try:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_cli_server_flags_make_config_json_and_connect_src(tmp_path):
    cfg = tmp_path / "config.json"
    cfg.write_text('{"servers": ["https://from-file.example"]}')
    s = Running("--port", "0", "--config", str(cfg), "--server", "https://mail.example.com",
                "--server", "https://backup.example.com:8443")
    try:
        st, h, body = s.get("/config.json")
        assert st == 200
        assert json.loads(body) == {"servers": ["https://mail.example.com", "https://backup.example.com:8443"]}
        assert directive(h["Content-Security-Policy"], "connect-src") == \
            "connect-src 'self' https://mail.example.com https://backup.example.com:8443"
        assert "allowed servers: https://mail.example.com" in s.lines[-1]
    finally:
        s.stop()
    s = Running("--port", "0", "--config", str(cfg))
    try:
        st, h, body = s.get("/config.json")
        assert json.loads(body) == {"servers": ["https://from-file.example"]}
        assert directive(h["Content-Security-Policy"], "connect-src") == "connect-src 'self' https://from-file.example"
    finally:
        s.stop()


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise AssertionError("no two free ports next to each other")


def test_cli_demo_stays_open_and_its_link_only_prefills():
    port = _free_port_pair()
    s = Running("--port", str(port), "--demo")
    try:
        demo = f"http://127.0.0.1:{port + 1}"
        assert s.url.endswith("/?server=" + demo.replace(":", "%3A").replace("/", "%2F"))
        st, h, _ = s.get("/")
        # the demo server, then the demo OpenID provider of its single sign-on account
        assert re.fullmatch(rf"connect-src 'self' https: {demo} http://127\.0\.0\.1:\d+",
                            directive(h["Content-Security-Policy"], "connect-src"))
        assert s.get("/config.json")[0] == 404  # open mode: no list
        st, h, _ = s.get("/?server=https%3A%2F%2Fattacker.example")
        assert "attacker" not in h["Content-Security-Policy"]
    finally:
        s.stop()


def test_the_hosting_docs_show_the_header_serve_py_sends():
    want = serve.csp(["https://mail.example.com"])
    for doc in ("README.md", "docs/SECURITY.md"):
        text = (ROOT / doc).read_text()
        assert f"Content-Security-Policy: {want}" in text, doc
        assert '{"servers": ["https://mail.example.com"]}' in text, doc
        for name, value in serve.SECURITY_HEADERS.items():
            if name != "Permissions-Policy":
                assert f"{name}: {value}" in text, (doc, name)
    readme = (ROOT / "README.md").read_text()
    assert readme.count(f'"{want}"') == 2  # the nginx and Caddy examples
