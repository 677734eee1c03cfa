"""The allowed servers as serve.py reads them: config.json on disk and the command line."""
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

# The origin rules and config.json's format are app.origins' (tests/unit/test_origins.py);
# these tests are about serve.py using them: the file, the command line, the headers.


def test_config_file_limits(tmp_path):
    assert serve.load_config(tmp_path / "absent.json") == []
    ok = tmp_path / "ok.json"
    ok.write_text('{"servers": ["https://mail.example.com", "http://[::1]:8080"]}')
    assert serve.load_config(ok) == ["https://mail.example.com", "http://[::1]:8080"]
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
