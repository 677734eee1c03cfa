"""The benchmark's static server: serve.py's behaviour (the build's precompressed
copies, else gzip; MIME types, security headers, revalidation with 304s) for any
folder, plus per-path overrides (the variant pages) and a count of the bytes and
requests it answered.

Every variant, today's page included, is served by this same code, so timings
differ only by what the pages do. Cache headers follow the hosting rules in
docs/PERFORMANCE.md: versioned names (``immutable``) are kept for a year, the
rest is revalidated on every use; ``legacy=True`` sends ``no-cache`` for
everything, as serve.py did for today's page.
"""
from __future__ import annotations

import gzip
import http.server
import os
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import serve

GZIP = (".wasm", ".mjs", ".js", ".json", ".css", ".html", ".svg", ".toml", ".py", ".webmanifest")
MIME = {**serve.MIME, ".webmanifest": "application/manifest+json", ".png": "image/png"}
_GZ: dict = {}           # (path, mtime) or override -> gzip bytes, shared by all sites
_GZ_LOCK = threading.Lock()
VERSIONED = re.compile(r"^assets/vendor/(rt-\w+/.+|pyscript/[\w-]+-\w{8}\.js)$")


def cache_control(relpath: str, legacy: bool) -> str:
    if not legacy and VERSIONED.match(relpath):
        return "public, max-age=31536000, immutable"
    return "no-cache"


@dataclass
class Counter:
    bytes: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, n: int, request: bool = False) -> None:
        with self.lock:
            self.bytes += n
            self.requests += int(request)

    def take(self) -> tuple[int, int]:
        with self.lock:
            out = (self.bytes, self.requests)
            self.bytes = self.requests = 0
            return out


def _gzipped(key, read) -> bytes:
    with _GZ_LOCK:
        data = _GZ.get(key)
        if data is None:
            data = _GZ[key] = gzip.compress(read(), 6, mtime=0)
        return data


class _CountingWriter:
    def __init__(self, raw, counter: Counter):
        self.raw, self.counter = raw, counter

    def write(self, data) -> int:
        self.counter.add(len(data))
        return self.raw.write(data)

    def flush(self):
        return self.raw.flush()

    def __getattr__(self, name):
        return getattr(self.raw, name)


class Site:
    """One variant on its own origin: ``root`` folder, ``overrides`` path -> bytes."""

    def __init__(self, root: Path, overrides: dict[str, bytes] | None = None,
                 servers: list[str] | None = None, legacy: bool = False):
        self.root, self.overrides, self.legacy = Path(root), dict(overrides or {}), legacy
        self.servers = list(servers or [])
        self.counter = Counter()
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(site.root), **kw)

            def setup(self):
                super().setup()
                self.wfile = _CountingWriter(self.wfile, site.counter)

            def log_message(self, *a):
                pass

            def guess_type(self, path):
                return MIME.get(os.path.splitext(str(path))[1].lower()) or super().guess_type(path)

            def end_headers(self):
                self.send_header("Content-Security-Policy", serve.csp(site.servers))
                for k, v in serve.SECURITY_HEADERS.items():
                    self.send_header(k, v)
                super().end_headers()

            def do_GET(self):
                site.counter.add(0, request=True)
                rel = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/") or "index.html"
                body = site.overrides.get(rel)
                path = site.root / rel
                if body is None:
                    if not path.is_file():
                        self.send_error(404)
                        return
                    st = path.stat()
                    mtime, key = st.st_mtime, (str(path), st.st_mtime)
                else:
                    mtime, key = 0.0, ("override", rel, hash(body))
                lm = self.date_time_string(mtime)
                if self.headers.get("If-Modified-Since") == lm:
                    self.send_response(304)
                    self.send_header("Last-Modified", lm)
                    self.send_header("Cache-Control", cache_control(rel, site.legacy))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body if body is not None else None
                accept = self.headers.get("Accept-Encoding", "")
                pre = site.precompressed(rel, accept)
                gz = pre is None and "gzip" in accept and rel.endswith(GZIP)
                if pre is not None:
                    data = pre[0]
                elif gz:
                    data = _gzipped(key, lambda: body if body is not None else path.read_bytes())
                elif data is None:
                    data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(rel))
                if gz or pre is not None:
                    self.send_header("Content-Encoding", pre[1] if pre else "gzip")
                    self.send_header("Vary", "Accept-Encoding")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Last-Modified", lm)
                self.send_header("Cache-Control", cache_control(rel, site.legacy))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def precompressed(self, rel: str, accept: str) -> tuple[bytes, str] | None:
        """As serve.py: the build's X.br / X.gz copy the client accepts (an
        override's copies are overrides named X.br / X.gz)."""
        if rel in self.overrides:
            for ext, enc in serve.PRECOMPRESSED:
                if enc in accept and rel + ext in self.overrides:
                    return self.overrides[rel + ext], enc
            return None
        found = serve.precompressed(self.root / rel, accept)
        return (found[0].read_bytes(), found[1]) if found else None

    def prewarm(self, paths) -> None:
        """Compress now what the pages will ask for, so no visit waits for it
        (a web server or CDN keeps compressed copies too)."""
        for rel in paths:
            body = self.overrides.get(rel)
            path = self.root / rel
            if rel.endswith(GZIP) and (body is not None or path.is_file()):
                key = ("override", rel, hash(body)) if body is not None else (str(path), path.stat().st_mtime)
                _gzipped(key, lambda: body if body is not None else path.read_bytes())

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
