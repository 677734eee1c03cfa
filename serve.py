#!/usr/bin/env python3
"""Serve the page for development or preview, with the headers it is meant to have.

    python3 serve.py [--host 127.0.0.1] [--port 8000] [--server https://mail.example.com] [--demo]

* Runs the vendor step first when the pinned runtime is missing (npm + pip).
* Right MIME types (application/wasm, text/javascript for .mjs), gzip for text and wasm.
* Security headers: a Content-Security-Policy that allows scripts only from this
  origin (plus 'wasm-unsafe-eval' and 'unsafe-eval', which Pyodide strictly needs),
  connect-src limited to this origin and the Stalwart server(s), frame-ancestors
  'none', Referrer-Policy no-referrer, X-Content-Type-Options nosniff.
* connect-src: the servers given with --server, plus (for a server the user picks
  at sign-in) the origin in the page's `?server=` query, which the page itself
  offers to reload with when the browser blocks a connection. Admins hosting the
  folder elsewhere write their own server into the header (see README).
* --demo starts the contract test server (a fake Stalwart, for trying the page
  without one) on the next port, prints its demo accounts, and allows it.

Only the standard library is needed, except for --demo (its packages are set up
in .venv on first use).
"""
from __future__ import annotations

import argparse
import gzip
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV_PY = ROOT / ".venv" / "bin" / "python"

MIME = {
    ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
    ".json": "application/json", ".css": "text/css", ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml", ".toml": "text/plain; charset=utf-8", ".py": "text/plain; charset=utf-8",
    ".zip": "application/zip", ".whl": "application/zip", ".ico": "image/x-icon",
}
GZIP_TYPES = (".wasm", ".mjs", ".js", ".json", ".css", ".html", ".svg", ".toml", ".py")
HIDDEN = (".git", ".venv", ".ci", "tests", "tools", "bench", "docs", "node_modules")


def origin_of(url: str) -> str | None:
    """Scheme://host[:port] of an http(s) URL, or None if it is not one."""
    try:
        u = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    if u.scheme not in ("http", "https") or not u.hostname:
        return None
    host = u.hostname if ":" not in u.hostname else f"[{u.hostname}]"
    try:
        port = u.port
    except ValueError:
        return None
    return f"{u.scheme}://{host}" + (f":{port}" if port else "")


def csp(servers: list[str]) -> str:
    connect = " ".join(["'self'", *servers])
    return "; ".join([
        "default-src 'none'",
        # 'unsafe-eval' is strictly needed: Pyodide's Emscripten loader eval()s the
        # EM_JS/EM_ASM glue of the wasm modules at boot (measured: without it the
        # runtime fails with an EvalError). Scripts still come only from 'self'.
        "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src {connect}",
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the page makes dozens of small requests
    servers: list[str] = []
    _gz_cache: dict[tuple[str, float], bytes] = {}
    _gz_lock = threading.Lock()

    def __init__(self, *a, **kw):
        super().__init__(*a, directory=str(ROOT), **kw)

    def log_message(self, fmt, *args):
        # Quiet: one line per failed request, and never the query string (an
        # OAuth redirect carries its one-time code there).
        if len(args) > 1 and str(args[1]).startswith(("4", "5")):
            path = urllib.parse.urlsplit(self.path).path
            sys.stderr.write(f"serve: {self.command} {path} -> {args[1]}\n")

    def guess_type(self, path):
        return MIME.get(os.path.splitext(str(path))[1].lower()) or super().guess_type(path)

    def _hidden(self) -> bool:
        first = urllib.parse.urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
        return first in HIDDEN or first.startswith(".")

    def _connect_servers(self) -> list[str]:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        extra = [o for o in (origin_of(v) for v in q.get("server", [])[:1]) if o]
        return sorted(set(self.servers + extra))

    def end_headers(self):
        self.send_header("Content-Security-Policy", csp(self._connect_servers()))
        for k, v in SECURITY_HEADERS.items():
            self.send_header(k, v)
        # Revalidate everything: cheap 304s on loopback or a CDN, never a stale app.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self):
        if self._hidden():
            self.send_error(404, "Not found")
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts_gzip and path.is_file() and path.suffix in GZIP_TYPES):
            return super().do_GET()
        st = path.stat()
        lm = self.date_time_string(st.st_mtime)
        if self.headers.get("If-Modified-Since") == lm:
            self.send_response(304)
            self.send_header("Last-Modified", lm)
            self.end_headers()
            return
        key = (str(path), st.st_mtime)
        with self._gz_lock:
            body = self._gz_cache.get(key)
            if body is None:
                body = gzip.compress(path.read_bytes(), 6, mtime=0)
                self._gz_cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", lm)
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        if self._hidden():
            self.send_error(404, "Not found")
            return
        super().do_HEAD()


def ensure_vendor(py: str) -> None:
    """Fetch the pinned runtime if it is missing or does not match the lock."""
    r = subprocess.run([py, "-m", "tools.vendor", "--quiet"], cwd=ROOT)
    if r.returncode != 0:
        sys.exit(1)


def ensure_venv_for_demo(argv: list[str]) -> None:
    """--demo needs pyotp/zxcvbn/asn1crypto: set up .venv once and re-run from it."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return
    if not VENV_PY.exists():
        print("serve: setting up .venv for the demo server (one time)…", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(ROOT / ".venv")], check=True)
    r = subprocess.run([str(VENV_PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-r", str(ROOT / "tools" / "requirements-runtime.txt")])
    if r.returncode != 0:
        sys.exit("serve: could not install the demo's packages with pip; check the network and try again.")
    os.execv(str(VENV_PY), [str(VENV_PY), str(ROOT / "serve.py"), *argv])


def make_server(host: str, port: int, servers: list[str]) -> http.server.ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"servers": list(servers)})
    httpd = http.server.ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    return httpd


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python3 serve.py", description="Serve the account-security page.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--server", action="append", default=[], metavar="URL",
                    help="a Stalwart server the page may connect to (repeatable)")
    ap.add_argument("--demo", action="store_true",
                    help="also start a demo server (a fake Stalwart) with demo accounts")
    ap.add_argument("--demo-generation", choices=["0.16", "legacy"], default="0.16")
    ap.add_argument("--no-vendor", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    servers = []
    for s in a.server:
        o = origin_of(s)
        if not o:
            ap.error(f"--server {s!r} is not an http(s) URL")
        servers.append(o)
    if a.demo:
        ensure_venv_for_demo(argv)
    if not a.no_vendor:
        ensure_vendor(sys.executable)
    page_host = a.host if ":" not in a.host else f"[{a.host}]"
    if a.demo:
        sys.path.insert(0, str(ROOT))
        from tests.fakestalwart import FakeStalwart  # demo only: the contract test server

        demo = FakeStalwart(generation=a.demo_generation, cors=True, port=a.port + 1, host=a.host)
        demo.start()
        servers.append(demo.url)
        print(f"Demo server (a fake Stalwart {a.demo_generation}, for trying the page; not a mail server): {demo.url}")
        for login, acct in demo.accounts.items():
            extra = f"  (2FA key for your authenticator app: {acct.otp_secret})" if acct.otp_secret else ""
            print(f"  {login:22} password: {acct.password}{extra}")
    httpd = make_server(a.host, a.port, servers)
    url = f"http://{page_host}:{httpd.server_address[1]}/"
    if a.demo:
        url += "?" + urllib.parse.urlencode({"server": servers[-1]})
    print(f"Serving the page at {url}  (Ctrl-C to stop)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
