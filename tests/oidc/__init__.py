"""A real OpenID provider for the tests and ``serve.py --demo``: node's
``oidc-provider`` (pinned in ``package.json`` beside this file, installed by
``tools/setup.sh`` into ``node_modules/`` here), configured by ``provider.mjs``.

    op = OidcProvider(redirect_uris=["http://127.0.0.1:8000/"],
                      cors_origins=["http://127.0.0.1:8000"],
                      resource=stalwart.url).start()
    op.issuer                   # "http://127.0.0.1:PORT"
    op.users                    # login -> {"login", "email", "name"}
    url = op.sign_in(authorize_url, "sam")   # drives its login with plain HTTP
    op.stop()

Clients: ``account-security`` (JWT access tokens for ``resource`` whose ``aud``
is ``audience``, "stalwart" unless told, with the ``email`` claim) and ``account-security-opaque`` (opaque tokens, checked at
its userinfo endpoint). ``available()`` says why it cannot run (no node, or
the package is not installed) so a caller can say so plainly.
"""
from __future__ import annotations

import html
import http.cookiejar
import json
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
# The unit tests' page (where the provider sends users back; never served) and
# the audience of the JWT client's access tokens (Stalwart's requireAudience).
TEST_PAGE = "http://127.0.0.1:8999"
TEST_OTHER_PAGE = "http://127.0.0.1:8997"   # a page whose origin the provider does not allow
TEST_RESOURCE = "https://mail.sso.test"   # the resource indicator the JWT client's tokens are for
TEST_AUDIENCE = "stalwart"   # their aud: requireAudience's default in Stalwart's OIDC directory
JWT_CLIENT = "account-security"
OPAQUE_CLIENT = "account-security-opaque"
DEFAULT_USERS = (
    {"login": "sam", "email": "sam@sso.example.com", "name": "Sam Single"},
    {"login": "robin", "email": "robin@sso.example.com", "name": "Robin Second"},
)


def available() -> Optional[str]:
    """None when the provider can start; else why not, in one line."""
    if shutil.which("node") is None:
        return "node is not installed (Debian: apt-get install nodejs npm)"
    if not (HERE / "node_modules" / "oidc-provider" / "package.json").is_file():
        return "the test OpenID provider is not installed (run tools/setup.sh)"
    return None


class OidcProvider:
    def __init__(self, *, redirect_uris=(), cors_origins=(), resource: Optional[str] = None,
                 audience: str = TEST_AUDIENCE, access_token_ttl: int = 300, users=DEFAULT_USERS,
                 port: int = 0, host: str = "127.0.0.1"):
        self.config = {"port": port, "host": host, "redirect_uris": list(redirect_uris),
                       "cors_origins": list(cors_origins), "access_token_ttl": access_token_ttl,
                       "audience": audience, "users": [dict(u) for u in users]}
        if resource:
            self.config["resource"] = resource
        self.users = {u["login"]: dict(u) for u in users}
        self.issuer = ""
        self.resource = ""
        self.audience = audience
        self._proc: Optional[subprocess.Popen] = None
        self._log: list[str] = []

    # --- lifecycle -----------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> "OidcProvider":
        why = available()
        if why:
            raise RuntimeError(why)
        self._proc = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), json.dumps(self.config)], cwd=HERE,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._drain, args=(self._proc.stderr,), daemon=True).start()
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError("the test OpenID provider did not start: " + " | ".join(self._log[-5:]))
        info = json.loads(line[0])
        self.issuer, self.resource = info["issuer"], info["resource"]
        threading.Thread(target=self._drain, args=(self._proc.stdout,), daemon=True).start()
        return self

    def _drain(self, stream) -> None:
        for ln in stream:
            self._log.append(ln.rstrip())

    def stop(self) -> None:
        p, self._proc = self._proc, None
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def origin(self) -> str:
        return self.issuer

    # --- driving its sign-in without a browser ---------------------------------------------
    def sign_in(self, authorize_url: str, login: str, password: str = "any password",
                consent: bool = True) -> str:
        """Open ``authorize_url`` as a browser would, sign in as ``login``
        through the provider's own forms, consent, and return the URL it
        finally sends the browser to (the redirect URI with code, state and
        iss, or with an error). Cookies live in this call only."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        url, body = authorize_url, None
        for _ in range(12):
            req = urllib.request.Request(url, data=body, method="POST" if body else "GET")
            if body:
                req.add_header("Content-Type", "application/x-www-form-urlencoded")
            try:
                with opener.open(req, timeout=10) as r:
                    page = r.read().decode("utf-8", "replace")
                    status, location = r.status, r.headers.get("Location")
            except urllib.error.HTTPError as e:
                page = e.read().decode("utf-8", "replace")
                status, location = e.code, e.headers.get("Location")
            if status in (301, 302, 303, 307, 308) and location:
                nxt = urllib.parse.urljoin(url, location)
                if not nxt.startswith(self.issuer + "/"):
                    return nxt                      # left the provider: the redirect URI
                url, body = nxt, None
                continue
            form = _form(page)
            if status != 200 or form is None:
                raise RuntimeError(f"unexpected provider page (HTTP {status}) at {url}")
            action, fields = form
            if fields.get("prompt") == "login":
                fields.update(login=login, password=password)
            elif fields.get("prompt") == "consent" and not consent:
                url, body = urllib.parse.urljoin(url, action.rstrip("/") + "/abort"), None
                continue
            url, body = urllib.parse.urljoin(url, action), urllib.parse.urlencode(fields).encode()
        raise RuntimeError("the provider's sign-in did not finish")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _form(page: str) -> Optional[tuple[str, dict]]:
    m = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    if not m:
        return None
    fields = {html.unescape(n): html.unescape(v) for n, v in
              re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', m.group(2))}
    return html.unescape(m.group(1)), fields
