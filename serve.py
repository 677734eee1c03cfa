#!/usr/bin/env python3
"""Serve the page for development or preview, with the headers it is meant to have.

    python3 serve.py [--host 127.0.0.1] [--port 8000] [--server URL]... [--config FILE] [--demo]

* Runs the vendor step first when the pinned runtime is missing (npm + pip).
* Serves only the files the page loads, as the build lists them for the service
  worker (``assets/vendor/bundle.js``: the shell, the loaders, the current
  runtime folder), plus ``sw.js``, that list itself and ``/config.json`` (from
  the setting, below); ``/`` is ``index.html``. Nothing else in the folder: no
  vendor inputs, no older archives, no stray file such as ``assets/app.css.bak``
  (``page_files``; a rebuild while serving is picked up). Every listed path is
  also plain ASCII (letters, digits, ``_ + - .``), none hidden, none ending in a
  dot, and none is followed through a symlink to a file that is not listed or
  is outside the folder. The path is percent-decoded (strictly, as UTF-8)
  before any check. Anything else is 404; a malformed request (bad encoding, a
  control character such as ``%00``, raw non-ASCII, an over-long line, another
  method than GET/HEAD, a body) is 400/405/414/431. No directory listings. One
  log line per refused request, with the path and never the query string
  (OAuth codes travel there).
* Right MIME types (application/wasm, text/javascript for .mjs), gzip for text and wasm.
* The security headers on every response (``headers``: the hosting docs show
  exactly these): a Content-Security-Policy that allows scripts only from this
  origin (plus 'wasm-unsafe-eval' and 'unsafe-eval', which Pyodide strictly
  needs), ``connect-src`` as below, frame-ancestors 'none'; Referrer-Policy,
  X-Content-Type-Options, X-Frame-Options, Cross-Origin-Opener-Policy,
  Cross-Origin-Resource-Policy, Permissions-Policy and Strict-Transport-Security
  (``SECURITY_HEADERS``); Cache-Control from ``cache_control``.
* Slow clients cannot keep others out (``Server``): request heads are read
  without a thread each; a head must be complete ``HEAD_TIMEOUT`` seconds after
  its first byte; a connection may wait ``IDLE_TIMEOUT`` seconds for a request;
  when ``MAX_CONNECTIONS`` wait, the one waiting longest is closed; ``WORKERS``
  threads answer complete requests.

The allowed mail servers: ``config.json``
-----------------------------------------
The admin names the Stalwart server(s) the page may talk to in ONE place, the file
``config.json`` next to ``index.html``::

    {"servers": ["https://mail.example.com"]}

* The file is a JSON object with the key ``servers``: a list of strings, and
  optionally ``sso``: per server, the page's client id at its OpenID provider and
  the issuers it may use (docs/SSO.md; their origins join ``connect-src``).
  Any other key is refused (so a typo such as ``"server"`` cannot silently leave
  the page open). At most 64 KiB.
* Each entry is a plain origin ``scheme://host[:port]`` in canonical form, exactly
  as a browser's ``URL.origin`` writes it: lower-case ``https`` (or ``http`` only
  for a loopback host: ``localhost``, ``*.localhost``, ``127.x.x.x``, ``[::1]``),
  a lower-case ASCII host name (IDN in punycode, ``xn--``), an IPv4 address or a
  bracketed IPv6 address, an optional port 1-65535 without leading zeros and not
  the scheme's default (443/80), and nothing else: no path (not even ``/``), no
  query, no fragment, no user name, no spaces. Anything else is refused with a
  one-line reason (``parse_origin``). These rules, and the file's format, are
  the page's own: one module, ``app/origins.py``, read by both.
* The file is absent, or its list is empty: OPEN mode: the user types any server
  (``?server=`` only prefills the field). Otherwise BOUND mode: the page talks
  only to those origins, and ``?server=`` may only pick one of them.
* A page reading it: fetch ``config.json`` relative to the page (same origin).
  404 means absent (open mode). Any other failure (another HTTP status, not JSON,
  a wrong shape, an entry that is not a canonical origin) must stop sign-in with
  a message for the admin: never fall back to open mode.

``serve.py`` builds ``connect-src`` from that same setting, never from the query
string: bound mode -> ``'self'`` + exactly those origins; open mode -> ``'self'
https:``. ``--server URL`` (repeatable) overrides the file's list. serve.py always
answers ``/config.json`` from its own setting (404 in open mode, else the list it
enforces), so the page and the header never disagree. ``--demo`` starts the
contract test server (a fake Stalwart, for trying the page without one) on the
next port and prints its accounts; it adds the demo's origin to the list in bound
mode, and to ``connect-src`` only in open mode (which it stays); the printed
``?server=`` link only prefills. A value that is not a plain origin stops the
start with a one-line error (exit 2).

Cache headers come from one function, ``cache_control(relpath)``.

Only the standard library is needed, except for --demo (its packages are set up
in .venv on first use).
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import http.server
import io
import json
import os
import queue
import re
import selectors
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

# The origin rules (config.json, --server) are the page's own: one module, in app/.
from app.origins import (MAX_CONFIG_BYTES, ConfigError, OriginError, origin_of, parse_config, parse_origin,
                         read_config)

ROOT = Path(__file__).resolve().parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
CONFIG_NAME = "config.json"
MAX_CONNECTIONS = 256     # waiting for a request; when full, the one waiting longest is closed
WORKERS = 16              # requests answered at once (a browser opens 6 connections per host)
IDLE_TIMEOUT = 20.0       # seconds a connection may wait for a request, or a reader stall an answer
HEAD_TIMEOUT = 5.0        # seconds a request head may take in total, from its first byte
MAX_REQUEST_LINE = 8192
MAX_HEAD = 64 * 1024      # a longer request head is refused (414/431) without reading more
MAX_LOGGED_PATH = 200

MIME = {
    ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
    ".json": "application/json", ".css": "text/css", ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml", ".toml": "text/plain; charset=utf-8", ".py": "text/plain; charset=utf-8",
    ".zip": "application/zip", ".whl": "application/zip", ".ico": "image/x-icon",
    ".png": "image/png", ".webmanifest": "application/manifest+json", ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2", ".tar": "application/x-tar", ".gz": "application/gzip",
}
GZIP_TYPES = (".wasm", ".mjs", ".js", ".json", ".css", ".html", ".svg", ".toml", ".py", ".webmanifest", ".txt")
PRECOMPRESSED = ((".br", "br"), (".gz", "gzip"))  # X.br / X.gz next to X (tools/bundle.py)


def precompressed(path: Path, accept: str) -> tuple[Path, str] | None:
    """The compressed copy of ``path`` the build wrote and the client accepts
    (``Accept-Encoding``; q=0 refuses), best first, and its Content-Encoding."""
    took = set()
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            took.add(name.strip())
    for ext, enc in PRECOMPRESSED:
        copy = path.with_name(path.name + ext)
        if enc in took and copy.is_file():
            return copy, enc
    return None

# The page's files: nothing else in the folder is ever served. The build lists
# them in the service worker's manifest; every one of them also has this shape.
MANIFEST = "assets/vendor/bundle.js"
SERVICE_WORKER = "sw.js"
TOP_FILES = frozenset({"index.html", "pyscript.toml", CONFIG_NAME, SERVICE_WORKER, "manifest.webmanifest"})
_SEGMENT = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\Z")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


# --------------------------------------------------------------------------- config.json

def sso_settings(value, servers: list[str]) -> dict:
    """The "sso" object (the page's client id and allowed issuers per server,
    docs/SSO.md) checked by the page's own rules (app.sso); ConfigError if not."""
    from app.sso import parse_sso_config
    try:
        return parse_sso_config(value, tuple(servers))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def load_sso(path: Path) -> dict:
    """The file's "sso" object as written ({} when absent), once load_config
    accepted the file: what /config.json passes on to the page."""
    try:
        with open(path, "rb") as fh:
            obj = json.loads(fh.read(MAX_CONFIG_BYTES + 1))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        raise ConfigError("cannot be read") from None
    sso = obj.get("sso") if isinstance(obj, dict) else None
    return sso if isinstance(sso, dict) else {}


def provider_origins(sso: dict) -> list[str]:
    """The origins of the issuers "sso" lists: connect-src must name them so
    the page can reach their token endpoints."""
    from app.sso import provider_origins as origins
    return origins(sso_settings(sso, [])) if sso else []


def load_config(path: Path) -> list[str]:
    """The allowed servers from a config.json file; [] when it does not exist."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    servers, sso = read_config(data)
    if sso is not None:
        sso_settings(sso, list(servers))
    return list(servers)


# --------------------------------------------------------------------------- headers

def checked(origins) -> list[str]:
    """Only values that pass ``parse_origin``: nothing else reaches a header or config.json."""
    out = []
    for o in origins:
        try:
            out.append(parse_origin(o))
        except OriginError:
            continue
    return out


def connect_src(servers: list[str], open_extra: list[str] = (), providers: list[str] = ()) -> str:
    """Bound mode: exactly the servers (and the providers "sso" lists). Open
    mode: any https server (+ the demo and its provider)."""
    bound = checked(servers)
    if bound:
        return " ".join(["'self'", *bound, *checked(o for o in providers if o not in bound)])
    return " ".join(["'self'", "https:", *checked(open_extra)])


def csp(servers: list[str], open_extra: list[str] = (), providers: list[str] = ()) -> str:
    return "; ".join([
        "default-src 'none'",
        # 'unsafe-eval' is strictly needed: Pyodide's Emscripten loader eval()s the
        # EM_JS/EM_ASM glue of the wasm modules at boot (measured: without it the
        # runtime fails with an EvalError). Scripts still come only from 'self'.
        "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src {connect_src(servers, open_extra, providers)}",
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


# Sent with every answer, after the CSP. The hosting docs (README, docs/SECURITY.md)
# and their nginx and Caddy examples show exactly these (a test compares them, and
# runs the examples). HSTS is ignored by browsers over plain http (a preview on
# this computer) and sent anyway, so that the list is one list.
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Strict-Transport-Security": "max-age=31536000",
}


def headers(servers: list[str], open_extra: list[str] = (), providers: list[str] = ()) -> dict[str, str]:
    """Every security header of an answer, in the order they are sent."""
    return {"Content-Security-Policy": csp(servers, open_extra, providers), **SECURITY_HEADERS}


def cache_control(relpath: str) -> str:
    """The Cache-Control value for a served path.

    Files whose names change with their content (the runtime folder
    ``assets/vendor/rt-<hash>/`` and PyScript's ``<name>-<8 hex>.js`` chunks) are
    cached for a year as immutable: a new build has new names. Everything else
    (index.html, sw.js, the loaders, app/, config.json) revalidates every time,
    so a new version is never stale; a 304 costs one round trip.
    """
    if _IMMUTABLE.match(relpath or ""):
        return "public, max-age=31536000, immutable"
    return "no-cache"


_IMMUTABLE = re.compile(r"^assets/vendor/(?:rt-[0-9a-f]{8,64}/[^/]+(?:/[^/]+)*"
                        r"|pyscript/[A-Za-z0-9_.-]+-[A-Za-z0-9_-]{8}\.js)$")  # hashes may hold "-"


# --------------------------------------------------------------------------- paths

class Refused(Exception):
    def __init__(self, status: int):
        self.status = status


def allowed(rel: str) -> bool:
    """Is this decoded, normalised relative path one of the page's files?"""
    parts = rel.split("/")
    if not all(_SEGMENT.match(p) and not p.endswith(".") for p in parts):
        return False
    if len(parts) == 1:
        return rel in TOP_FILES
    if parts[0] == "app":
        return rel.endswith(".py")
    return parts[0] == "assets"


def read_manifest(text: str) -> dict:
    """The object in a service-worker manifest (``self.BUNDLE = {...};``, written
    by the build); ValueError when there is none."""
    try:
        obj = json.loads(text[text.index("{"):text.rindex("}") + 1])
    except ValueError:
        raise ValueError("not a bundle manifest") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("files"), list):
        raise ValueError("not a bundle manifest")
    return obj


_page_files: dict = {}


def page_files(root: Path) -> frozenset[str]:
    """Every file the page loads, site-relative: the files its service worker's
    manifest lists (``assets/vendor/bundle.js``, written by the build: the
    shell, the loaders and the current runtime folder), the worker ``sw.js``
    and the manifest itself. ``config.json`` is not among them: it is answered
    from the setting. Empty when the folder has no build. Read again whenever
    the manifest changes (a rebuild while serving)."""
    path = root / MANIFEST
    try:
        st = path.stat()
    except OSError:
        return frozenset()
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _page_files.get(path)
    if hit and hit[0] == key:
        return hit[1]
    try:
        listed = read_manifest(path.read_text(encoding="utf-8"))["files"]
    except (OSError, UnicodeDecodeError, ValueError):
        listed = []
    files = frozenset(f for f in [*listed, SERVICE_WORKER, MANIFEST]
                      if isinstance(f, str) and f != CONFIG_NAME and allowed(f))
    _page_files[path] = (key, files)
    return files


def request_path(target: str) -> str:
    """The allowed relative path a request-target names, or Refused(400|404).

    Decoding happens once, strictly, before any check: a path that only looks
    harmless while still encoded (``/%2egit/config``) is judged decoded.
    """
    if not target.startswith("/"):
        raise Refused(400)  # absolute-form, "*", or garbage
    raw = target.split("?", 1)[0]
    if any(not (0x21 <= ord(c) <= 0x7E) for c in raw) or "#" in raw:
        raise Refused(400)
    if "%" in _PERCENT.sub("", raw):
        raise Refused(400)  # a '%' not followed by two hex digits (or IIS-style %u)
    data = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), raw).encode("latin-1")
    try:
        path = data.decode("utf-8")  # strict: overlong forms and lone bytes are refused
    except UnicodeDecodeError:
        raise Refused(400) from None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in path):
        raise Refused(400)
    rel = "index.html" if path == "/" else path[1:]
    if not allowed(rel):
        raise Refused(404)
    return rel


def locate(root: Path, rel: str) -> Path:
    """The regular file for one of the page's files, following no link to a
    file that is not one of them or is outside the folder."""
    files = page_files(root)
    if rel not in files:
        raise Refused(404)
    try:
        real = (root / rel).resolve(strict=True)
        base = root.resolve(strict=True)
        real_rel = real.relative_to(base).as_posix()
        st = real.stat()
    except (OSError, RuntimeError, ValueError):
        raise Refused(404) from None
    if real_rel not in files or not stat.S_ISREG(st.st_mode):
        raise Refused(404)
    return real


def _printable(s: str) -> str:
    """A path as one safe log line: no control characters, bounded length."""
    return "".join(c if 0x20 <= ord(c) < 0x7F else f"\\x{ord(c):02x}" for c in s[:MAX_LOGGED_PATH])


# --------------------------------------------------------------------------- handler

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the page makes dozens of small requests
    server_version = "serve.py"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    # The enforced setting. servers: the allowed origins (bound mode), [] = open
    # mode; tests switch it per page with ``Site.allow`` by assigning it.
    servers: list[str] = []
    open_extra: list[str] = []   # --demo's origin, allowed in open mode only
    sso: dict = {}               # config.json's "sso", passed on to the page
    providers: list[str] = []    # the origins of the issuers it lists (connect-src)
    root: Path = ROOT
    refuse: int = 0              # set per request by the server: 414/431 for a head over its limit
    _gz_cache: dict = {}
    _gz_lock = threading.Lock()

    def version_string(self) -> str:
        return self.server_version

    # ---- logging: one line per refused request, never a query string
    def log(self, line: str) -> None:
        sys.stderr.write(f"serve: {line}\n")

    def log_message(self, fmt, *args):  # the base class's own lines (timeouts etc.)
        pass

    def log_request(self, code="-", size="-"):
        if isinstance(code, int) and code >= 400 and not getattr(self, "_quiet", False):
            target = getattr(self, "path", None)
            where = _printable(target.split("?", 1)[0]) if target else "(malformed request line)"
            self.log(f"{self.command or '-'} {where} -> {code}")

    # ---- parsing: strict and small, every failure a 4xx
    def handle_one_request(self):
        """Answer the one request whose head the server read (``rfile`` holds
        exactly it); ``refuse`` is set when the head passed its size limit."""
        self.command, self.path, self.request_version = None, None, "HTTP/1.0"
        self.close_connection = True
        try:
            if self.refuse:
                self.fail(self.refuse)
                return
            line = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if not line:
                return
            self.raw_requestline = line
            if len(line) > MAX_REQUEST_LINE:
                self.fail(414)
                return
            if not self.parse_request():
                return
            self.respond(self.command == "HEAD")
            self.wfile.flush()
        except (TimeoutError, socket.timeout, ConnectionError):
            self.close_connection = True  # the client stopped reading, or left

    def parse_request(self) -> bool:
        self.close_connection = True
        try:
            text = self.raw_requestline.decode("ascii")
        except UnicodeDecodeError:
            self.fail(400)
            return False
        self.requestline = text.rstrip("\r\n")
        words = self.requestline.split(" ")
        if len(words) != 3 or not all(words):
            self.fail(400)
            return False
        method, target, version = words
        if version not in ("HTTP/1.0", "HTTP/1.1"):
            self.fail(400)
            return False
        self.command, self.path, self.request_version = method, target, version
        try:
            self.headers = http.client.parse_headers(self.rfile, _class=self.MessageClass)
        except (http.client.LineTooLong, http.client.HTTPException):
            self.fail(431)
            return False
        conn = (self.headers.get("Connection") or "").lower()
        self.close_connection = version == "HTTP/1.0" and conn != "keep-alive" or conn == "close"
        if method not in ("GET", "HEAD"):
            self.fail(405, close=True)
            return False
        if self.headers.get("Transfer-Encoding") or (self.headers.get("Content-Length") or "0").strip() != "0":
            self.fail(400)  # a GET with a body: we would read it as the next request
            return False
        return True

    # ---- responses
    def fail(self, code: int, close: bool | None = None) -> None:
        """A short plain-text error with the usual headers, and its log line."""
        if close is None:
            close = code != 404
        if close:
            self.close_connection = True
        body = f"{code} {http.HTTPStatus(code).phrase}\n".encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if code == 405:
            self.send_header("Allow", "GET, HEAD")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self):
        for k, v in headers(self.servers, self.open_extra, self.providers).items():
            self.send_header(k, v)
        self.send_header("Cache-Control", cache_control(getattr(self, "_relpath", "")))
        super().end_headers()

    def respond(self, head: bool) -> None:
        self._relpath, self._quiet = "", False
        try:
            rel = request_path(self.path)
            if rel == CONFIG_NAME:
                return self.send_config(head)
            path = locate(self.root, rel)
        except Refused as r:
            return self.fail(r.status)
        self._relpath = rel
        try:
            self.send_file(path, head)
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            self.fail(404)

    def send_config(self, head: bool) -> None:
        servers = checked(self.servers)
        if not servers and not self.sso:
            self._quiet = True  # open mode: the page asks on every visit; not worth a line
            raise Refused(404)  # open mode: as if there were no config.json
        self._relpath = CONFIG_NAME
        body = (json.dumps({"servers": servers, **({"sso": self.sso} if self.sso else {})},
                           indent=2) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", MIME[".json"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_file(self, path: Path, head: bool) -> None:
        st = path.stat()
        lm = self.date_time_string(int(st.st_mtime))
        ctype = MIME.get(path.suffix.lower(), "application/octet-stream")
        pre = precompressed(path, self.headers.get("Accept-Encoding") or "")
        zippable = path.suffix in GZIP_TYPES or pre is not None
        if self.headers.get("If-Modified-Since") == lm:
            self.send_response(304)
            self.send_header("Last-Modified", lm)
            if zippable:
                self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return
        gz = pre is None and zippable and "gzip" in (self.headers.get("Accept-Encoding") or "")
        if pre is not None:
            size = pre[0].stat().st_size
        elif gz:
            key = (str(path), st.st_mtime_ns, st.st_size)
            with self._gz_lock:
                body = self._gz_cache.get(key)
                if body is None:
                    body = gzip.compress(path.read_bytes(), 6, mtime=0)
                    self._gz_cache[key] = body
            size = len(body)
        else:
            size = st.st_size
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if gz or pre is not None:
            self.send_header("Content-Encoding", pre[1] if pre else "gzip")
        if zippable:
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(size))
        self.send_header("Last-Modified", lm)
        self.end_headers()
        if head:
            return
        if gz:
            self.wfile.write(body)
            return
        with open(pre[0] if pre else path, "rb") as fh:
            while chunk := fh.read(1 << 16):
                self.wfile.write(chunk)

    def do_GET(self):  # kept for tools that look for it; requests go through respond()
        self.respond(False)

    def do_HEAD(self):
        self.respond(True)


# --------------------------------------------------------------------------- server

class _Connection:
    """A client connection while it waits for (the rest of) its next request head."""

    __slots__ = ("sock", "addr", "buf", "deadline")

    def __init__(self, sock: socket.socket, addr):
        self.sock, self.addr, self.buf, self.deadline = sock, addr, b"", 0.0


class _Writer(io.RawIOBase):
    """The handler's ``wfile``: straight to the socket (its timeout bounds each write)."""

    def __init__(self, sock: socket.socket):
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._sock.sendall(data)
        return len(data)


def _head_end(buf: bytes) -> int:
    """Where the request head in ``buf`` ends (after its blank line), or -1."""
    ends = [i + n for i, n in ((buf.find(b"\n\r\n"), 3), (buf.find(b"\n\n"), 2)) if i >= 0]
    return min(ends) if ends else -1


def split_head(buf: bytes) -> tuple[bytes | None, int, bytes]:
    """(head, refusal, rest) of what a connection sent so far: the head when it
    is complete, or what there is with 414/431 when it is over its limit; None
    while more is needed. ``rest`` is the next request's beginning (pipelining)."""
    line_end = buf.find(b"\n")
    if line_end > MAX_REQUEST_LINE or (line_end < 0 and len(buf) > MAX_REQUEST_LINE):
        return buf, 414, b""
    end = _head_end(buf)
    if 0 <= end <= MAX_HEAD:
        return buf[:end], 0, buf[end:]
    if len(buf) > MAX_HEAD:
        return buf, 431, b""
    return None, 0, buf


class Server:
    """The page's HTTP server, made so that slow clients cannot keep others out.

    One thread reads the request heads of every connection without blocking
    (``selectors``): a connection waiting for its request costs a socket and a
    buffer, not a thread. A head must be complete ``head_timeout`` seconds
    after its first byte, or the connection is closed (a slowloris client
    sending a header line every few seconds is cut off); a connection may wait
    ``RequestHandlerClass.timeout`` seconds for a request. When
    ``max_connections`` connections are waiting, the one that has waited
    longest is closed for a new one. A complete head goes to one of
    ``workers`` threads, which answers it (a client that stops reading is cut
    after the same timeout) and gives a kept-alive connection back.
    """

    def __init__(self, addr, handler, *, max_connections: int = MAX_CONNECTIONS, workers: int = WORKERS,
                 head_timeout: float = HEAD_TIMEOUT):
        self.RequestHandlerClass = handler
        self.max_connections = max_connections
        self.workers = workers
        self.head_timeout = head_timeout
        self.errors: list[str] = []  # exceptions a handler did not handle (tests assert none)
        self.active = 0              # requests being answered now
        self.peak = 0
        self._count_lock = threading.Lock()
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(addr)
            self.socket.listen(128)
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()[:2]
        self._waiting: dict[socket.socket, _Connection] = {}  # oldest first
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._back: queue.SimpleQueue = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    @property
    def waiting(self) -> int:
        """Connections waiting for a request (or the rest of its head)."""
        return len(self._waiting)

    # ---- the reader
    def serve_forever(self) -> None:
        """Serve until ``shutdown`` (which may come first: then return at once)."""
        self._stopped.clear()
        threads = [threading.Thread(target=self._work, name="serve-worker", daemon=True)
                   for _ in range(self.workers)]
        for t in threads:
            t.start()
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ, None)
        sel.register(self._wake_r, selectors.EVENT_READ, None)
        try:
            while not self._stop.is_set():
                soonest = min((c.deadline for c in self._waiting.values()), default=time.monotonic() + 0.5)
                for key, _ in sel.select(max(0.0, min(soonest - time.monotonic(), 0.5))):
                    if key.fileobj is self.socket:
                        self._accept(sel)
                    elif key.fileobj is self._wake_r:
                        self._drain_wake()
                    else:
                        self._read(sel, key.data)
                while True:
                    try:
                        conn = self._back.get_nowait()
                    except queue.Empty:
                        break
                    self._wait(sel, conn)
                now = time.monotonic()
                for conn in [c for c in self._waiting.values() if c.deadline <= now]:
                    self._drop(sel, conn)
        finally:
            for _ in threads:
                self._jobs.put(None)
            for conn in list(self._waiting.values()):
                self._drop(sel, conn)
            sel.close()
            self._stop.clear()
            self._stopped.set()

    def _accept(self, sel) -> None:
        for _ in range(64):
            try:
                sock, addr = self.socket.accept()
            except OSError:  # nothing more queued (or out of descriptors: try on the next round)
                return
            sock.setblocking(False)
            if len(self._waiting) >= self.max_connections:
                self._drop(sel, next(iter(self._waiting.values())))
            self._wait(sel, _Connection(sock, addr))

    def _wait(self, sel, conn: _Connection) -> None:
        """A connection starts waiting for its next request."""
        now = time.monotonic()
        conn.deadline = now + (self.head_timeout if conn.buf else self.RequestHandlerClass.timeout)
        self._waiting[conn.sock] = conn
        sel.register(conn.sock, selectors.EVENT_READ, conn)
        if conn.buf:
            self._dispatch(sel, conn)

    def _read(self, sel, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sel, conn)
            return
        if not conn.buf:
            conn.deadline = time.monotonic() + self.head_timeout  # the head has begun: its clock runs
        conn.buf += data
        self._dispatch(sel, conn)

    def _dispatch(self, sel, conn: _Connection) -> None:
        head, refusal, rest = split_head(conn.buf)
        if head is None:
            return
        sel.unregister(conn.sock)
        del self._waiting[conn.sock]
        conn.buf = rest
        self._jobs.put((conn, head, refusal))

    def _drop(self, sel, conn: _Connection) -> None:
        self._waiting.pop(conn.sock, None)
        try:
            sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    # ---- the workers
    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            conn, head, refusal = job
            with self._count_lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            keep = False
            try:
                keep = self._answer(conn, head, refusal)
            except Exception:
                self.handle_error(conn.sock, conn.addr)
            finally:
                with self._count_lock:
                    self.active -= 1
            if keep and not self._stop.is_set():
                self._back.put(conn)
                self._wake()
            else:
                conn.sock.close()

    def _answer(self, conn: _Connection, head: bytes, refusal: int) -> bool:
        """One request, answered by a fresh handler; True to keep the connection."""
        cls = self.RequestHandlerClass
        h = cls.__new__(cls)
        h.server, h.request, h.connection, h.client_address = self, conn.sock, conn.sock, conn.addr
        h.rfile, h.wfile, h.refuse = io.BytesIO(head), _Writer(conn.sock), refusal
        conn.sock.settimeout(cls.timeout)
        h.handle_one_request()
        conn.sock.setblocking(False)
        return not h.close_connection

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(f"serve: internal error {type(exc).__name__} while answering a request\n")

    # ---- stopping
    def shutdown(self) -> None:
        """Stop ``serve_forever`` (from another thread) and wait until it has."""
        self._stop.set()
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()
        while True:
            try:
                self._back.get_nowait().sock.close()
            except queue.Empty:
                break
        self._wake_r.close()
        self._wake_w.close()


def make_server(host: str, port: int, servers: list[str] = (), *, open_extra: list[str] = (),
                config: Path | None = None, max_connections: int = MAX_CONNECTIONS, workers: int = WORKERS,
                timeout: float = IDLE_TIMEOUT, head_timeout: float = HEAD_TIMEOUT,
                root: Path | None = None, sso: dict | None = None) -> Server:
    """A server for the folder. ``servers`` (the --server list) overrides the
    config file; without it the config file (``config.json`` next to
    index.html unless given) decides, its "sso" object too (``sso`` adds
    entries, e.g. --demo's). OriginError/ConfigError when unusable."""
    root = Path(root or ROOT)
    bound = [parse_origin(s) for s in servers]
    file_sso: dict = {}
    if not bound:
        bound = load_config(config or root / CONFIG_NAME)
        file_sso = load_sso(config or root / CONFIG_NAME)
    all_sso = {**file_sso, **(sso or {})}
    extra = [parse_origin(s) for s in open_extra]
    handler = type("BoundHandler", (Handler,), {"servers": bound, "open_extra": extra, "root": root,
                                                "timeout": timeout, "_gz_cache": {}, "sso": all_sso,
                                                "providers": provider_origins(all_sso)})
    return Server((host, port), handler, max_connections=max_connections, workers=workers,
                  head_timeout=head_timeout)


# --------------------------------------------------------------------------- CLI

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python3 serve.py", description="Serve the account-security page.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--server", action="append", default=[], metavar="URL",
                    help="a Stalwart server the page may connect to, as https://host[:port] "
                         "(repeatable; overrides config.json)")
    ap.add_argument("--config", type=Path, default=None, metavar="FILE",
                    help="read the allowed servers from FILE instead of config.json next to index.html")
    ap.add_argument("--demo", action="store_true",
                    help="also start a demo server (a fake Stalwart) with demo accounts")
    ap.add_argument("--demo-generation", choices=["0.16", "legacy"], default="0.16")
    ap.add_argument("--no-vendor", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    # Refuse a bad setting before anything slow happens, in one line.
    for s in a.server:
        try:
            parse_origin(s)
        except OriginError as exc:
            print(f"serve: --server {s!r} {exc}", file=sys.stderr)
            return 2
    config = a.config or ROOT / CONFIG_NAME
    try:
        from_file = [] if a.server else load_config(config)
        file_sso = {} if a.server else load_sso(config)
    except ConfigError as exc:
        print(f"serve: {config} {exc}", file=sys.stderr)
        return 2
    if a.config and not a.server and not config.exists():
        print(f"serve: {config} does not exist", file=sys.stderr)
        return 2
    servers = list(a.server) or from_file
    if a.demo:
        ensure_venv_for_demo(argv)
    if not a.no_vendor:
        ensure_vendor(sys.executable)
    page_host = a.host if ":" not in a.host else f"[{a.host}]"
    open_extra: list[str] = []
    demo_url = provider = None
    demo_sso: dict = {}
    if a.demo:
        sys.path.insert(0, str(ROOT))
        from tests.fakestalwart import FakeStalwart  # demo only: the contract test server

        demo = FakeStalwart(generation=a.demo_generation, cors=True, port=a.port + 1, host=a.host)
        demo_url = origin_of(demo.url)
        provider, demo_sso = demo_provider(demo, f"http://{page_host}:{a.port}")
        demo.start()
        (servers if servers else open_extra).append(demo_url)
        if provider is not None:
            open_extra.append(provider.issuer)
        print(f"Demo server (a fake Stalwart {a.demo_generation}, for trying the page; not a mail server): {demo.url}")
        for login, acct in demo.accounts.items():
            extra = f"  (2FA key for your authenticator app: {acct.otp_secret})" if acct.otp_secret else ""
            if acct.password_expired():
                extra = "  (expired: the page asks for a new one first)"
            print(f"  {login:22} password: {acct.password}{extra}")
        if provider is not None:
            for u in provider.users.values():
                print(f"  {u['email']:22} single sign-on: at the demo provider {provider.issuer}, "
                      f"login {u['login']}, any password")
    try:
        httpd = make_server(a.host, a.port, servers, open_extra=open_extra, config=config,
                            sso={**file_sso, **(demo_sso if servers and a.demo else {})})
    except (OriginError, ConfigError) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"serve: cannot listen on {a.host}:{a.port} ({exc.strerror or exc})", file=sys.stderr)
        return 1
    url = f"http://{page_host}:{httpd.server_address[1]}/"
    if demo_url:
        url += "?" + urllib.parse.urlencode({"server": demo_url})
    mode = ("allowed servers: " + ", ".join(servers)) if servers else "open mode: any https server"
    print(f"Serving the page at {url}  ({mode}; Ctrl-C to stop)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if a.demo and provider is not None:
            provider.stop()
    return 0


def demo_provider(demo, page_origin: str):
    """--demo's single sign-on: a demo OpenID provider (node oidc-provider,
    tests/oidc) for the demo server's domain sso.example.com. Without node, or
    before tools/setup.sh installed it, that one account is left out, said
    plainly. Returns (provider or None, the "sso" setting for bound mode)."""
    if demo.legacy:
        return None, {}
    from tests import oidc
    why = oidc.available()
    if why:
        print(f"serve: the single sign-on demo account is left out: {why}.", flush=True)
        return None, {}
    try:
        op = oidc.OidcProvider(redirect_uris=[page_origin + "/", page_origin + "/index.html"],
                               cors_origins=[page_origin], resource=demo.url).start()
        demo.add_oidc_directory(op.issuer, domain="sso.example.com")
    except (RuntimeError, OSError) as exc:
        print(f"serve: the single sign-on demo account is left out: {exc}", flush=True)
        return None, {}
    return op, {origin_of(demo.url): {"client_id": oidc.JWT_CLIENT, "issuers": [op.issuer]}}


if __name__ == "__main__":
    sys.exit(main())
