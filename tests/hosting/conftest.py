"""The README's nginx and Caddy examples, run as written against Debian's servers.

The examples are taken from the README's text, unchanged, and wrapped in the
least a server needs around them (an ``http``/``server`` block listening on a
free port of this computer; a Caddy site block with automatic HTTPS off). Each
server runs as an unprivileged process with its own folder in /tmp, in a
private mount namespace where the published folder is mounted at the path the
README names (``/srv/account-security``), next to a file that must never be
reachable (``/srv/secret.txt``)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# The browser tests' own browser and bundle check (the page these tests publish runs the current app/)
from tests.e2e.conftest import _vendored, browser  # noqa: F401
from tools import publish

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FOLDER = "/srv/account-security"      # where the README's examples read the published folder
SECRET = b"OUTSIDE-THE-PUBLISHED-FOLDER"
SERVER = "https://mail.example.com"   # the server the README's examples allow
PREFIX = "/account-security"
NOBODY = 65534


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, text) of every fenced code block in a Markdown text, in
    order; an indented block (in a list item) loses its indentation."""
    blocks, fence, body = [], None, []
    for line in text.splitlines():
        m = re.match(r"( *)```(\S*)$", line)
        if fence is None and m:
            fence, body = m, []
        elif fence is not None and m and m.group(1) == fence.group(1) and not m.group(2):
            blocks.append((fence.group(2), "".join(ln[len(fence.group(1)):] + "\n" for ln in body)))
            fence = None
        elif fence is not None:
            body.append(line)
    return blocks


def readme_blocks(lang: str) -> list[str]:
    """The README's fenced code blocks of one language, in order, as written."""
    return [body for info, body in fenced_blocks(README.read_text(encoding="utf-8")) if info == lang]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jailed(published: Path, argv: list[str]) -> list[str]:
    """``argv`` in a private mount namespace that shows ``published`` at FOLDER,
    as an unprivileged user (nobody when the tests run as root)."""
    script = (f'mount -t tmpfs tmpfs /srv && printf %s "{SECRET.decode()}" > /srv/secret.txt && '
              f'mkdir {FOLDER} && mount --bind "$0" {FOLDER} && exec "$@"')
    if os.geteuid() == 0:
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(published),
                "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *argv]
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, str(published), *argv]


def _need(program: str) -> str:
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")
    if not path:
        pytest.fail(f"{program} is not installed: run tools/setup.sh (it installs Debian's nginx and caddy)")
    return path


class Hosted:
    """One of the README's examples, served by the real server on a free port."""

    def __init__(self, kind: str, published: Path, home: Path):
        self.kind, self.published, self.home = kind, published, home
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = self.origin + PREFIX + "/"
        self.proc: subprocess.Popen | None = None
        home.mkdir(parents=True, exist_ok=True)
        if kind == "nginx":
            self.config = home / "nginx.conf"
            self.config.write_text(self.nginx_conf())
            self.check_cmd = [_need("nginx"), "-p", str(home), "-e", str(home / "error.log"), "-c", str(self.config), "-t"]
            self.run_cmd = [_need("nginx"), "-p", str(home), "-e", str(home / "error.log"), "-c", str(self.config)]
        else:
            self.config = home / "Caddyfile"
            self.config.write_text(self.caddyfile())
            caddy = _need("caddy")
            self.check_cmd = ["env", *self.env(), caddy, "validate", "--config", str(self.config), "--adapter", "caddyfile"]
            self.run_cmd = ["env", *self.env(), caddy, "run", "--config", str(self.config), "--adapter", "caddyfile"]
        if os.geteuid() == 0:
            for p in [home, *home.rglob("*")]:
                os.chown(p, NOBODY, NOBODY)

    def env(self) -> list[str]:
        return [f"HOME={self.home}", f"XDG_DATA_HOME={self.home}", f"XDG_CONFIG_HOME={self.home}"]

    def nginx_conf(self) -> str:
        http_block, server_block = readme_blocks("nginx")
        h = self.home
        (h / "html").mkdir(exist_ok=True)
        temps = "\n".join(f"    {name}_temp_path {h}/tmp-{name};" for name in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        # Run by a user who is not root, nginx is root only inside its user namespace (that
        # user, mapped): it must not switch to (and chown its temp folders for) "nobody",
        # which that namespace does not have.
        user = "user root root;\n" if os.geteuid() != 0 else ""
        # the rest of the site: an empty root
        return (f"daemon off;\nmaster_process off;\n{user}pid {h}/nginx.pid;\nerror_log {h}/error.log warn;\n"
                f"events {{ worker_connections 256; }}\n"
                f"http {{\n    access_log off;\n{temps}\n{http_block}\n"
                f"    server {{\n        listen 127.0.0.1:{self.port};\n        root {h}/html;\n"
                f"{server_block}\n    }}\n}}\n")

    def caddyfile(self) -> str:
        (block,) = readme_blocks("caddy")
        return (f"{{\n    admin off\n    auto_https off\n    storage file_system {self.home}/data\n}}\n"
                f"http://127.0.0.1:{self.port} {{\n{block}\n"
                f"    handle {{\n        respond 404\n    }}\n}}\n")  # the rest of the site: nothing

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(jailed(self.published, self.check_cmd), capture_output=True, text=True, timeout=60)

    def start(self) -> "Hosted":
        log = open(self.home / "server.log", "wb")
        self.proc = subprocess.Popen(jailed(self.published, self.run_cmd), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.kind} stopped: {(self.home / 'server.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"{self.kind} did not listen on {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def workdir():
    """A folder in /tmp the unprivileged servers can reach (pytest's own is private)."""
    d = Path(tempfile.mkdtemp(prefix="hosting-test-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def published(workdir):
    """The folder the publish step makes, naming the README's example server."""
    dest = workdir / "published"
    assert publish.main([str(dest), "--server", SERVER, "--no-vendor"]) == 0
    # what an admin might leave next to the page: must never be served
    (dest / ".htpasswd").write_bytes(SECRET)
    (dest / "assets" / ".git").mkdir()
    (dest / "assets" / ".git" / "config").write_bytes(SECRET)
    return dest


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def hosted(request, published, workdir):
    h = Hosted(request.param, published, workdir / f"{request.param}-{request.node.name}").start()
    yield h
    h.stop()


@pytest.fixture
def hosting(published, workdir, request):
    """A function's own server (it may take it down), of the kind it names."""
    made = []

    def make(kind: str) -> Hosted:
        h = Hosted(kind, published, workdir / f"{kind}-{request.node.name}-{len(made)}".replace("[", "-").replace("]", ""))
        made.append(h)
        return h.start()
    yield make
    for h in made:
        h.stop()
