"""A throw-away site folder and a raw-socket HTTP client for the serve.py tests.

Every file the page loads (the build's list) holds ``PUBLIC-<name>``; every
file it must never serve holds ``SECRET-<name>``, so a test can tell a leak
from the body alone.
The folder reproduces what a checkout has around the page: ``.git``, a ``.venv``
symlink to a folder outside, ``tests``, ``tools``, dotfiles, and symlinks
pointing out of the folder and out of the allow-list.
"""
from __future__ import annotations

import json
import os
import re
import socket
import threading
from pathlib import Path

import serve

RT = "assets/vendor/rt-5a833d46fe94/"
# What the build lists (assets/vendor/bundle.js, written below like the real one), plus
# sw.js and the manifest itself: the only files served.
LISTED = ["index.html", "pyscript.toml", "manifest.webmanifest", "app/main.py", "assets/app.css",
          "assets/boot.js", "assets/icon.svg", "assets/vendor/runtime.mjs", "assets/vendor/pyscript/core.js",
          "assets/vendor/pyscript/core-C9KDLldu.js", RT + "pyodide.mjs", RT + "pyodide.asm.wasm",
          RT + "app-393fd445c8d2.zip",
          "assets/ok_link.css"]  # the last one is a symlink to assets/app.css: inside, listed, allowed
ALLOWED = [*LISTED, "sw.js", "assets/vendor/bundle.js"]
FORBIDDEN = [".git/config", ".git/HEAD", ".gitignore", ".ci/run", "tests/conftest.py",
             "tests/fakestalwart/model.py", "tools/vendor.py", "bench/run.py", "docs/SECURITY.md",
             "README.md", "serve.py", "app/notes.txt", "app/.hidden.py", "app/__pycache__/main.cpython-311.pyc",
             "assets/.secret", "assets/.well-known/x", "app/main.py.", "app/main.py ", "app/main.py;x",
             "Index.html", "APP/main.py", "config.json",
             # shaped like the page's files, but not what this build loads: a stray copy, the
             # sources the bundle is made of, the vendor inputs, an older archive, the build record
             "assets/app.css.bak", "app/__init__.py", "app/keys/check.py", "assets/vendor.lock.json",
             "assets/vendor/build.json", "assets/vendor/pyodide/pyodide.asm.wasm",
             "assets/vendor/pyodide/python_stdlib.zip", "assets/vendor/wheels/six-1.17.0-py2.py3-none-any.whl",
             "assets/vendor/pyscript/xterm-Bdboj2r8.js", RT + "app-000000000000.zip",
             "assets/vendor/rt-000000000000/pyodide.asm.wasm"]
UNLISTED = FORBIDDEN[FORBIDDEN.index("assets/app.css.bak"):]


def build_site(base: Path) -> Path:
    """The site folder (``base/site``) and an outside folder next to it."""
    root, outside = base / "site", base / "outside"
    for rel in ALLOWED + FORBIDDEN:
        if rel == "assets/ok_link.css":
            continue
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        marker = "PUBLIC" if rel in ALLOWED else "SECRET"
        p.write_text(f"{marker}-{rel}\n")
    manifest = {"version": "test", "files": [*LISTED, "config.json"], "immutable": []}
    (root / "assets/vendor/bundle.js").write_text("// PUBLIC-assets/vendor/bundle.js\nself.BUNDLE = "
                                                 + json.dumps(manifest) + ";\n")
    # config.json on disk is never served as is (serve.py answers from its setting)
    (root / "config.json").write_text('{"servers": []}\n')
    (outside / "venv" / "bin").mkdir(parents=True)
    (outside / "venv" / "pyvenv.cfg").write_text("SECRET-pyvenv\n")
    (outside / "venv" / "bin" / "python3").write_bytes(b"\x7fELF SECRET-python3\n")
    (outside / "secret.py").write_text("SECRET-outside-py\n")
    (outside / "dir").mkdir()
    (outside / "dir" / "passwd.css").write_text("SECRET-outside-dir\n")
    os.symlink(outside / "venv", root / ".venv")
    os.symlink(outside / "secret.py", root / "app" / "link_out.py")
    os.symlink("../../outside/secret.py", root / "assets" / "rel_out.js")
    os.symlink(outside / "dir", root / "assets" / "outdir")
    os.symlink("../tests/conftest.py", root / "assets" / "in_link.css")  # inside, not allowed
    os.symlink("../.git", root / "assets" / "gitlink")
    os.symlink("app.css", root / "assets" / "ok_link.css")
    os.symlink("/etc", root / "assets" / "etc")
    return root


class Site:
    """serve.py's server for a folder, on port 0, in a thread."""

    def __init__(self, servers=(), **kw):
        self.httpd = serve.make_server("127.0.0.1", 0, list(servers), **kw)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Reply:
    def __init__(self, raw: bytes):
        self.raw = raw
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
        self.status = int(m.group(1)) if m else 0  # 0: no answer at all (a crash)
        self.headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:60]!r}>"


def exchange(port: int, data: bytes, timeout: float = 15.0) -> Reply:
    """Send raw bytes, read until the server closes (or stops answering)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except (ConnectionResetError, socket.timeout):
            pass
    return Reply(b"".join(chunks))


def get(port: int, target: str | bytes, method: str = "GET", **headers) -> Reply:
    t = target if isinstance(target, bytes) else target.encode("latin-1")
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    req = (method.encode() + b" " + t + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           + extra.encode("latin-1") + b"\r\n")
    return exchange(port, req)


def directive(csp: str, name: str) -> str:
    return next((d for d in csp.split("; ") if d.startswith(name + " ")), "")
