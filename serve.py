#!/usr/bin/env python3
"""Serve the page for development or preview, with the headers it is meant to have.

    python3 serve.py [--host 127.0.0.1] [--port 8000] [--server URL]... [--config FILE] [--demo]

* Runs the vendor step first when the pinned runtime is missing (npm + pip).
* Serves only what the page loads (an allow-list): ``/`` and ``/index.html``,
  ``/pyscript.toml``, ``/config.json``, ``/sw.js``, ``/manifest.webmanifest``,
  ``/app/**.py`` and ``/assets/**``: regular files whose every path segment is
  plain ASCII (letters, digits, ``_ + - .``), none hidden (leading dot), none
  ending in a dot, none reached through a symlink that leaves the allow-list or
  the folder. The path is percent-decoded (strictly, as UTF-8) before any check.
  Anything else is 404; a malformed request (bad encoding, a control character
  such as ``%00``, raw non-ASCII, an over-long line, another method than GET/HEAD,
  a body) is 400/405/414/431. No directory listings. One log line per refused
  request, with the path and never the query string (OAuth codes travel there).
* Right MIME types (application/wasm, text/javascript for .mjs), gzip for text and wasm.
* Security headers on every response: a Content-Security-Policy that allows
  scripts only from this origin (plus 'wasm-unsafe-eval' and 'unsafe-eval', which
  Pyodide strictly needs), ``connect-src`` as below, frame-ancestors 'none',
  Referrer-Policy no-referrer, X-Content-Type-Options nosniff.
* Idle connections are closed after ``IDLE_TIMEOUT`` seconds; at most
  ``MAX_CONNECTIONS`` are handled at once (more wait in the listen queue).

The allowed mail servers: ``config.json``
-----------------------------------------
The admin names the Stalwart server(s) the page may talk to in ONE place, the file
``config.json`` next to ``index.html``::

    {"servers": ["https://mail.example.com"]}

* The file is a JSON object with exactly one key, ``servers``: a list of strings.
  Any other key is refused (so a typo such as ``"server"`` cannot silently leave
  the page open). At most 64 KiB.
* Each entry is a plain origin ``scheme://host[:port]`` in canonical form, exactly
  as a browser's ``URL.origin`` writes it: lower-case ``https`` (or ``http`` only
  for a loopback host: ``localhost``, ``*.localhost``, ``127.x.x.x``, ``[::1]``),
  a lower-case ASCII host name (IDN in punycode, ``xn--``), an IPv4 address or a
  bracketed IPv6 address, an optional port 1-65535 without leading zeros and not
  the scheme's default (443/80), and nothing else: no path (not even ``/``), no
  query, no fragment, no user name, no spaces. Anything else is refused with a
  one-line reason (``parse_origin``).
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
import ipaddress
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
CONFIG_NAME = "config.json"
MAX_CONFIG_BYTES = 64 * 1024
MAX_CONNECTIONS = 64      # far above a browser's 6 per host; bounds threads and sockets
IDLE_TIMEOUT = 20.0       # seconds a connection may sit idle (keep-alive) or stall
MAX_REQUEST_LINE = 8192
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

# The page's files: nothing else in the folder is ever served.
TOP_FILES = frozenset({"index.html", "pyscript.toml", CONFIG_NAME, "sw.js", "manifest.webmanifest"})
_SEGMENT = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\Z")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


# --------------------------------------------------------------------------- origins

class OriginError(ValueError):
    """A value that is not a plain canonical origin; ``str()`` is a one-line reason."""


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_DEFAULT_PORT = {"https": 443, "http": 80}


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _suggest(value: str) -> str:
    """The canonical origin a browser would make of ``value``, for the error text."""
    try:
        u = urllib.parse.urlsplit(value.strip())
        host = (u.hostname or "").encode("idna").decode("ascii")
        port = u.port
    except (ValueError, UnicodeError):
        return ""
    scheme = u.scheme.lower()
    if scheme not in _DEFAULT_PORT or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    tail = f":{port}" if port and port != _DEFAULT_PORT[scheme] else ""
    return f"{scheme}://{host}{tail}"


def parse_origin(value: object) -> str:
    """``value`` itself when it is a plain canonical origin, else OriginError.

    The rules are the ones ``config.json`` documents (module docstring); the
    page applies the same ones, so a list both sides accept means the same thing.
    """
    if not isinstance(value, str):
        raise OriginError("is not a text string")
    if not value:
        raise OriginError("is empty")
    if any(c.isspace() for c in value) or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise OriginError("contains spaces or control characters")
    if not value.isascii():
        hint = _suggest(value)
        raise OriginError("contains non-ASCII characters; write an international name in punycode"
                          + (f" ({hint})" if hint else ""))
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)", value, re.S)
    if not m:
        raise OriginError("is not of the form https://host[:port]")
    scheme, authority, rest = m.groups()
    if "@" in authority:
        raise OriginError("contains a user name (@); write only https://host[:port]")
    if scheme not in _DEFAULT_PORT:
        raise OriginError(f"uses '{scheme}:'; only https (or http for this computer) is allowed"
                          if scheme.lower() not in _DEFAULT_PORT else
                          f"must be written in lower case ({_suggest(value)})")
    if rest:
        hint = _suggest(value)
        what = "a path" if rest.startswith("/") else ("a query" if rest.startswith("?") else "a fragment")
        raise OriginError(f"has {what} ('{rest[:40]}'); write only the origin" + (f": {hint}" if hint else ""))
    if authority.startswith("["):
        host, sep, port_text = authority.partition("]")
        host += "]"
        if sep != "]" or (port_text and not port_text.startswith(":")):
            raise OriginError("has a malformed IPv6 address")
        port_text = port_text[1:] if port_text else None
        try:
            addr = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise OriginError("has a malformed IPv6 address") from None
        if f"[{addr.compressed}]" != host:
            raise OriginError(f"must write the IPv6 address as {scheme}://[{addr.compressed}]")
    else:
        host, sep, port_text = authority.partition(":")
        port_text = port_text if sep else None
        if not host:
            raise OriginError("has no host name")
        if host != host.lower():
            raise OriginError(f"must be written in lower case ({_suggest(value)})")
        if re.fullmatch(r"[0-9.]+", host):
            try:
                if str(ipaddress.IPv4Address(host)) != host:
                    raise ValueError
            except ValueError:
                raise OriginError("has a malformed IPv4 address") from None
        elif len(host) > 253 or not all(_LABEL.match(lb) for lb in host.split(".")):
            raise OriginError(f"has an invalid host name '{host[:60]}'")
    port = None
    if port_text is not None:
        if not re.fullmatch(r"[1-9][0-9]{0,4}", port_text) or int(port_text) > 65535:
            raise OriginError(f"has an invalid port '{port_text[:10]}'")
        port = int(port_text)
        if port == _DEFAULT_PORT[scheme]:
            raise OriginError(f"names the default port; write {scheme}://{host}")
    if scheme == "http" and not _loopback(host):
        raise OriginError(f"uses http, which is allowed only for this computer; use https://{host}"
                          + (f":{port}" if port else ""))
    return value


def origin_of(url: str) -> str | None:
    """Scheme://host[:port] of an http(s) URL, or None if it is not one (demo link only)."""
    hint = _suggest(url) if isinstance(url, str) else ""
    return hint or None


class ConfigError(ValueError):
    """config.json cannot be used; ``str()`` is a one-line reason."""


def parse_config(data: bytes | str) -> list[str]:
    """The allowed servers in a config.json text ([] = open mode); ConfigError if unusable."""
    if isinstance(data, bytes):
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"is larger than {MAX_CONFIG_BYTES} bytes")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("is not UTF-8 text") from None
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise ConfigError(f"is not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise ConfigError('must be a JSON object like {"servers": ["https://mail.example.com"]}')
    extra = sorted(set(obj) - {"servers"})
    if extra:
        raise ConfigError(f"has an unknown key '{extra[0][:40]}'; the only key is \"servers\"")
    if "servers" not in obj:
        raise ConfigError('has no "servers" list (write [] for any server)')
    servers = obj["servers"]
    if not isinstance(servers, list):
        raise ConfigError('"servers" must be a list of origins')
    out: list[str] = []
    for i, s in enumerate(servers):
        try:
            o = parse_origin(s)
        except OriginError as exc:
            raise ConfigError(f'entry {i + 1} of "servers" ({str(s)[:60]!r}) {exc}') from None
        if o not in out:
            out.append(o)
    return out


def load_config(path: Path) -> list[str]:
    """The allowed servers from a config.json file; [] when it does not exist."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    return parse_config(data)


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


def connect_src(servers: list[str], open_extra: list[str] = ()) -> str:
    """Bound mode: exactly the servers. Open mode: any https server (+ the demo)."""
    bound = checked(servers)
    if bound:
        return " ".join(["'self'", *bound])
    return " ".join(["'self'", "https:", *checked(open_extra)])


def csp(servers: list[str], open_extra: list[str] = ()) -> str:
    return "; ".join([
        "default-src 'none'",
        # 'unsafe-eval' is strictly needed: Pyodide's Emscripten loader eval()s the
        # EM_JS/EM_ASM glue of the wasm modules at boot (measured: without it the
        # runtime fails with an EvalError). Scripts still come only from 'self'.
        "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src {connect_src(servers, open_extra)}",
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


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
    """The regular file for an allowed path, following no link out of the allow-list."""
    try:
        real = (root / rel).resolve(strict=True)
        base = root.resolve(strict=True)
        real_rel = real.relative_to(base).as_posix()
        st = real.stat()
    except (OSError, RuntimeError, ValueError):
        raise Refused(404) from None
    if not allowed(real_rel) or not stat.S_ISREG(st.st_mode):
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
    root: Path = ROOT
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
        self.command, self.path, self.request_version = None, None, "HTTP/1.0"
        try:
            line = self.rfile.readline(MAX_REQUEST_LINE + 1)
        except (TimeoutError, socket.timeout):
            self.close_connection = True
            return
        except OSError:
            self.close_connection = True
            return
        if not line:
            self.close_connection = True
            return
        self.raw_requestline = line
        if len(line) > MAX_REQUEST_LINE:
            self.fail(414)
            return
        if not self.parse_request():
            return
        try:
            self.respond(self.command == "HEAD")
            self.wfile.flush()
        except (TimeoutError, socket.timeout, ConnectionError):
            self.close_connection = True

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
        except (TimeoutError, socket.timeout, OSError):
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
        self.send_header("Content-Security-Policy", csp(self.servers, self.open_extra))
        for k, v in SECURITY_HEADERS.items():
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
        if not servers:
            self._quiet = True  # open mode: the page asks on every visit; not worth a line
            raise Refused(404)  # open mode: as if there were no config.json
        self._relpath = CONFIG_NAME
        body = (json.dumps({"servers": servers}, indent=2) + "\n").encode()
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

class Server(http.server.ThreadingHTTPServer):
    """One thread per connection, at most ``max_connections`` of them."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr, handler, max_connections: int = MAX_CONNECTIONS):
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self._count_lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.errors: list[str] = []  # exceptions a handler did not handle (tests assert none)
        self._closing = False
        super().__init__(addr, handler)

    def process_request(self, request, client_address):
        # Wait for a free slot: extra connections wait in the kernel's listen
        # queue instead of each getting a thread; idle ones give their slot
        # back after the handler's timeout.
        while not self._slots.acquire(timeout=0.2):
            if self._closing:
                self.shutdown_request(request)
                return
        with self._count_lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            super().process_request(request, client_address)
        except Exception:
            self._release()
            raise

    def _release(self):
        with self._count_lock:
            self.active -= 1
        self._slots.release()

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(f"serve: internal error {type(exc).__name__} while answering a request\n")

    def shutdown(self):
        self._closing = True
        super().shutdown()


def make_server(host: str, port: int, servers: list[str] = (), *, open_extra: list[str] = (),
                config: Path | None = None, max_connections: int = MAX_CONNECTIONS,
                timeout: float = IDLE_TIMEOUT, root: Path | None = None) -> Server:
    """A server for the folder. ``servers`` (the --server list) overrides the
    config file; without it the config file (``config.json`` next to
    index.html unless given) decides. OriginError/ConfigError when unusable."""
    root = Path(root or ROOT)
    bound = [parse_origin(s) for s in servers]
    if not bound:
        bound = load_config(config or root / CONFIG_NAME)
    extra = [parse_origin(s) for s in open_extra]
    handler = type("BoundHandler", (Handler,), {"servers": bound, "open_extra": extra, "root": root,
                                                "timeout": timeout, "_gz_cache": {}})
    return Server((host, port), handler, max_connections)


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
    demo_url = None
    if a.demo:
        sys.path.insert(0, str(ROOT))
        from tests.fakestalwart import FakeStalwart  # demo only: the contract test server

        demo = FakeStalwart(generation=a.demo_generation, cors=True, port=a.port + 1, host=a.host)
        demo.start()
        demo_url = origin_of(demo.url)
        (servers if servers else open_extra).append(demo_url)
        print(f"Demo server (a fake Stalwart {a.demo_generation}, for trying the page; not a mail server): {demo.url}")
        for login, acct in demo.accounts.items():
            extra = f"  (2FA key for your authenticator app: {acct.otp_secret})" if acct.otp_secret else ""
            print(f"  {login:22} password: {acct.password}{extra}")
    try:
        httpd = make_server(a.host, a.port, servers, open_extra=open_extra, config=config)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
