"""The HTTP server: routing, CORS, fault injection, request log."""
from __future__ import annotations

import base64
import datetime as _dt
import secrets
import socket
import string
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple, Optional
from urllib.parse import parse_qs, urlsplit

from . import http as H
from . import jmap, legacy, oauth
from . import keys as K
from . import sieve as sieve_api
from .auth import authenticate
from .model import (USER_PERMISSIONS_016, USER_PERMISSIONS_LEGACY, Account, Credential, PublicKey,
                    add_script, default_accounts, encode_id, hash_random, make_api_key_secret,
                    make_app_password_secret, set_vacation, utc_now)
from .otp import secret_of

GENERATIONS = ("0.16", "legacy")
LEGACY_VERSIONS = {"0.15": "0.15.5", "0.14": "0.14.1", "0.13": "0.13.4", "0.11": "0.11.8"}
_SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}


class RecordedRequest(NamedTuple):
    method: str
    path: str          # without the query string (it may carry codes)
    headers: dict      # Authorization reduced to its scheme, e.g. "Basic ***"


@dataclass
class Fault:
    path_prefix: Optional[str]
    status: Optional[int]
    delay: float
    drop: bool
    malformed_json: bool
    times: Optional[int]
    retry_after: int
    apply_first: bool = False  # handle the request (apply it), then delay/drop/fail its answer
    redirect: Optional[int] = None  # answer with this 3xx, Location on `location` (not applied)
    location: Optional[str] = None  # None: the same path and query at `srv.elsewhere`
    method: Optional[str] = None    # only requests with this method (None: any but OPTIONS)


class Faults:
    """Injected failures. Each `set` adds a rule; the first matching rule with
    remaining `times` (None = forever) applies. OPTIONS preflights are never faulted."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def set(self, path_prefix: Optional[str] = None, status: Optional[int] = None, delay: float = 0.0,
            drop: bool = False, malformed_json: bool = False, times: Optional[int] = None,
            retry_after: int = 30, apply_first: bool = False, redirect: Optional[int] = None,
            location: Optional[str] = None, method: Optional[str] = None) -> None:
        if redirect is not None and not 300 <= redirect < 400:
            raise ValueError("redirect must be a 3xx status")
        with self._lock:
            self._rules.append(Fault(path_prefix, status, delay, drop, malformed_json, times, retry_after,
                                     apply_first, redirect, location, method))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, path: str, method: Optional[str] = None) -> Optional[Fault]:
        with self._lock:
            for f in self._rules:
                if f.path_prefix is not None and not path.startswith(f.path_prefix):
                    continue
                if f.method is not None and method is not None and f.method != method:
                    continue
                if f.times is not None:
                    if f.times <= 0:
                        continue
                    f.times -= 1
                return f
        return None

    def __bool__(self):
        return bool(self._rules)


class FakeStalwart:
    def __init__(self, generation: str = "0.16", cors: bool = True, legacy_version: str = "0.15",
                 port: int = 0, host: str = "127.0.0.1", public_url: Optional[str] = None,
                 default_domain: str = "example.com"):
        if generation not in GENERATIONS:
            raise ValueError(f"generation must be one of {GENERATIONS}")
        if legacy_version not in LEGACY_VERSIONS:
            raise ValueError(f"legacy_version must be one of {sorted(LEGACY_VERSIONS)}")
        self.generation = generation
        self.legacy_version = legacy_version
        self.cors = cors
        self.host = host
        self.port = port
        self.public_url = public_url.rstrip("/") if public_url else None
        self.default_domain = default_domain
        self.lock = threading.RLock()
        self.accounts = default_accounts(generation)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.tokens: dict = {}
        self.auth_codes: dict = {}
        self.device_codes: dict = {}
        # knobs
        self.token_lifetime = 3600.0
        self.refresh_token_lifetime = 30 * 86400.0
        self.refresh_token_renew = 4 * 86400.0  # a refresh closer than this to its end gets a new one
        self.code_lifetime = 300.0
        self.device_code_lifetime = 1800.0      # expires_in 1800 (seen on 0.16.18)
        self.quota_app_passwords = 5
        self.quota_api_keys = 5
        self.quota_public_keys = 5
        self.app_password_space = False        # True: 0.16.0–0.16.2 "app " prefix
        self.password_default_expiration: Optional[float] = None
        self.encryption_disabled = False       # legacy: admin disabled encryption at rest
        self.edition = "oss"
        # fail2ban emulation: None = off; N = ban an IP after N failed authentications
        self.fail2ban_attempts: Optional[int] = None
        self.ban_retry_after = 30
        self._auth_failures: dict = {}
        self._object_id = 0                    # public key ids: 12 characters, time based
        self.signing_key = oauth.SigningKey()
        # The server version where behaviour differs inside 0.16 (see README).
        self.version = "0.16.18"
        self._public_key_refs: Optional[bool] = None
        # An OpenID Connect directory (tests/fakestalwart/oidc.py), or None.
        self.oidc = None
        self._httpd: Optional[_Listener] = None
        self._thread: Optional[threading.Thread] = None
        self._elsewhere: Optional[Elsewhere] = None

    # --- properties -------------------------------------------------------------
    @property
    def legacy(self) -> bool:
        return self.generation == "legacy"

    @property
    def otp_version(self) -> str:
        """Whose otpauth URL rules apply (otp.parse_otp_url)."""
        return self.legacy_version if self.legacy else "0.16"

    @property
    def legacy_full_version(self) -> str:
        return LEGACY_VERSIONS[self.legacy_version]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def public_base(self) -> str:
        return self.public_url or self.url

    def version_at_least(self, *v: int) -> bool:
        """``srv.version`` (0.16 only; e.g. "0.16.14") is at least ``v``."""
        return tuple(int(x) for x in self.version.split(".")) >= v

    @property
    def resolves_public_key_refs(self) -> bool:
        """``"publicKey": "#pk"`` resolves from 0.16.15 (unless a test says otherwise)."""
        return self._public_key_refs if self._public_key_refs is not None \
            else self.version_at_least(0, 16, 15)

    @resolves_public_key_refs.setter
    def resolves_public_key_refs(self, value: Optional[bool]) -> None:
        self._public_key_refs = value

    # --- an OpenID Connect directory --------------------------------------------------
    def add_oidc_directory(self, issuer_url: str, *, domain: Optional[str] = "sso.example.com",
                           require_audience: Optional[str] = "stalwart",
                           require_scopes=("openid", "email"),
                           claim_username: str = "preferred_username",
                           username_domain: Optional[str] = None):
        """Make ``domain``'s accounts those of the OpenID provider at
        ``issuer_url`` (Enterprise: a directory per domain); ``domain=None``
        makes it the default directory of every domain. The settings default
        to x:OidcDirectory's defaults (0.16.18 schema). Reads the provider's
        discovery document and keys now, as Stalwart does when it opens one."""
        from .oidc import OidcDirectory
        self.oidc = OidcDirectory(issuer_url, domain.lower() if domain else None, require_audience,
                                  tuple(require_scopes), claim_username, username_domain).open()
        return self.oidc

    def oidc_directory_for(self, domain: Optional[str]):
        """The OIDC directory that holds ``domain`` (None: no domain, e.g. an
        opaque token: the default directory), or None."""
        d = self.oidc
        if d is None or self.legacy:
            return None
        return d if d.domain is None or (domain is not None and d.holds(domain)) else None

    def external_directory(self, account: Account) -> bool:
        """Is the account's domain served by a directory (LDAP, SQL, OIDC)?"""
        return account.directory != "internal" or \
            self.oidc_directory_for(account.login.rpartition("@")[2]) is not None

    def directory_account(self, email: str) -> Account:
        """The account an OIDC directory names, made on its first sign-in
        (``synchronize_account``): no password, the default user role."""
        with self.lock:
            login = email.strip().lower()
            acct = self.accounts.get(login)
            if acct is None:
                acct = self.add_account(login, None, directory="oidc")
            return acct

    def next_object_id(self) -> int:
        """A registry object id: milliseconds shifted left, so it prints as 12
        characters like ``jq13hhpkaeaa`` (seen on 0.16.18)."""
        with self.lock:
            self._object_id = max(self._object_id + 1, int(time.time() * 1000) << 17)
            return self._object_id

    def add_account(self, login: str, password: Optional[str], *, otp_url: Optional[str] = None,
                    directory: str = "internal", permissions: Optional[set] = None) -> Account:
        """Add a user with the default user role of this generation (or `permissions`)."""
        with self.lock:
            n = max(a.id for a in self.accounts.values()) + 1 if self.accounts else 1
            base = USER_PERMISSIONS_LEGACY if self.legacy else USER_PERMISSIONS_016
            acct = Account(login=login.strip().lower(), id=n, password=password,
                           locale="en" if self.legacy else "en_US",
                           permissions=set(base) if permissions is None else set(permissions),
                           directory=directory, otp_url=otp_url, otp_secret=secret_of(otp_url),
                           app_passwords=[] if self.legacy else {},
                           encryption={"type": "disabled"} if self.legacy else {"@type": "Disabled"})
            self.accounts[acct.login] = acct
            return acct

    # --- knobs for the security checkup (README "Checkup knobs") ------------------------
    def add_sieve_script(self, login: str, name: str, text, active: bool = False) -> str:
        """Store a Sieve script for ``login`` (str or bytes, stored as given: the
        server would have compiled it); ``active`` makes it the one active script.
        Returns its JMAP id."""
        with self.lock:
            return encode_id(add_script(self.accounts[login], name, text, active=active).id)

    def set_vacation_response(self, login: str, enabled: bool = True, subject: Optional[str] = None,
                              text_body: Optional[str] = None, html_body: Optional[str] = None,
                              from_date: Optional[str] = None, to_date: Optional[str] = None) -> None:
        """What ``VacationResponse/set`` would store (dates as UTCDate strings);
        ``enabled`` makes the ``vacation`` script the active one (§7.4)."""
        with self.lock:
            set_vacation(self.accounts[login], {"isEnabled": enabled, "subject": subject, "textBody": text_body,
                                                "htmlBody": html_body, "fromDate": from_date, "toDate": to_date})

    def add_credential(self, login: str, kind: str = "app_password", description: str = "Phone", *,
                       expires_in_days: Optional[float] = None, expires_at: Optional[_dt.datetime] = None,
                       permissions: Optional[dict] = None, allowed_ips: Optional[dict] = None) -> tuple:
        """An app password or API key as if the user had made it: ``(id, secret)``.
        ``expires_in_days`` (negative: already expired) or ``expires_at``; ``permissions``
        a 0.16 permissions object (None: ``{"@type": "Inherit"}``, full rights). Legacy:
        app passwords only, with no expiry or limits (they have none there); the id is
        the stored name (webadmin's ``base64(name$created)``)."""
        when = expires_at or (utc_now() + _dt.timedelta(days=expires_in_days)
                              if expires_in_days is not None else None)
        with self.lock:
            acct = self.accounts[login]
            if self.legacy:
                if kind != "app_password" or when or permissions or allowed_ips:
                    raise ValueError("legacy app passwords have no expiry or limits, and no API keys")
                stamp = utc_now().isoformat()
                name = base64.b64encode(f"{description}${stamp}".encode()).decode()
                secret = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
                acct.app_passwords.append(f"$app${name}${secret}")
                return name, secret
            cid = acct.next_credential_id
            acct.next_credential_id += 1
            if kind == "app_password":
                secret, rnd = make_app_password_secret(cid, self.app_password_space)
                store = acct.app_passwords
            else:
                secret, rnd = make_api_key_secret(acct.id, cid)
                store = acct.api_keys
            store[cid] = Credential(cid, kind, description, hash_random(rnd), utc_now(), when,
                                    permissions or {"@type": "Inherit"}, dict(allowed_ips or {}))
            acct.changed()
            return encode_id(cid), secret

    def add_public_key(self, login: str, key_text: str, *, description: str = "My key",
                       expires_in_days: Optional[float] = None, use: bool = True,
                       algorithm: str = "Aes256") -> Optional[str]:
        """Store a public key (checked like an upload) and, with ``use``, turn
        encryption at rest on with it. 0.16: ``expires_in_days`` sets the key
        object's ``expiresAt`` (informational, §2.9); returns its id. Legacy: the key
        travels with the setting (always used; no id, no expiresAt)."""
        parsed = K.parse_public_key(key_text)
        with self.lock:
            acct = self.accounts[login]
            if self.legacy:
                tag = "pGP" if parsed.kind == "pgp" else "sMIME"
                acct.encryption = {"type": tag, "algo": algorithm, "kind": parsed.kind, "text": parsed.text,
                                   "allow_spam_training": False}
                return None
            oid = self.next_object_id()
            when = utc_now() + _dt.timedelta(days=expires_in_days) if expires_in_days is not None else None
            acct.public_keys[oid] = PublicKey(oid, parsed.text, parsed.kind, description, utc_now(), when,
                                              {acct.email: True})
            if use:
                acct.encryption = {"@type": algorithm, "publicKey": encode_id(oid), "encryptOnAppend": False,
                                   "allowSpamTraining": False}
            return encode_id(oid)

    def record_auth_failure(self, ip: str) -> bool:
        """Count a failed authentication; True if this failure trips the ban."""
        with self.lock:
            n = self._auth_failures.get(ip, 0) + 1
            self._auth_failures[ip] = n
            return self.fail2ban_attempts is not None and n == self.fail2ban_attempts

    def is_banned(self, ip: str) -> bool:
        return self.fail2ban_attempts is not None and self._auth_failures.get(ip, 0) >= self.fail2ban_attempts

    def unban(self) -> None:
        with self.lock:
            self._auth_failures.clear()

    def request_count(self, path_prefix: str = "", method: Optional[str] = None) -> int:
        return sum(1 for r in list(self.requests)
                   if r.path.startswith(path_prefix) and (method is None or r.method == method))

    # --- lifecycle ----------------------------------------------------------------
    def start(self) -> "FakeStalwart":
        handler = type("BoundHandler", (_Handler,), {"srv": self})
        self._httpd = _Listener((self.host, self.port), handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"fakestalwart-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()  # gone means gone, kept-alive connections too
            self._httpd.server_close()
            self._httpd = None
        if self._elsewhere is not None:
            self._elsewhere.stop()
            self._elsewhere = None

    @property
    def elsewhere(self) -> "Elsewhere":
        """A second origin this server runs (started on first use): where a
        ``redirect`` fault points by default. It answers everything, CORS open,
        as a server collecting what a client sends on would, and records it."""
        if self._elsewhere is None:
            self._elsewhere = Elsewhere(self.host).start()
        return self._elsewhere

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- routing ------------------------------------------------------------------------
    def route(self, req: H.Request) -> H.Response:
        p, m = req.path, req.method
        if m == "OPTIONS":
            r = H.Response(204)
            if p.startswith("/.well-known/") and not self.legacy:
                r.always_cors = True  # 0.15.5 sends none unless permissive CORS is on
            return r
        if p == "/.well-known/jmap" and m in ("GET", "HEAD"):
            return H.Response(307, headers=[("Location", "/jmap/session"), ("Cache-Control", "no-cache")])
        if p in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration") and m == "GET":
            return oauth.discovery(self, req)
        if p == "/.well-known/oauth-protected-resource" and m == "GET":
            return oauth.protected_resource(self, req)
        if p in ("/jmap/session", "/jmap/session/") and m == "GET":
            return jmap.session(self, req)
        if p in ("/jmap", "/jmap/") and m == "POST":
            return jmap.api(self, req)
        if p.startswith("/jmap/download/") and m == "GET":
            return sieve_api.download(self, req)
        if p.startswith("/jmap/upload/") and m == "POST":
            return sieve_api.upload(self, req)
        if p == "/auth/token" and m == "POST":
            return oauth.token(self, req)
        if p == "/auth/device" and m == "POST":
            return oauth.device(self, req)
        if p == "/auth/introspect" and m == "POST":
            return oauth.introspect(self, req)
        if p == "/auth/jwks.json" and m == "GET":
            return oauth.jwks(self, req)
        if self.legacy:
            if p == "/api/account/auth" and m in ("GET", "POST"):
                return legacy.account_auth(self, req)
            if p == "/api/account/crypto" and m in ("GET", "POST"):
                return legacy.account_crypto(self, req)
            if p == "/api/oauth" and m == "POST":
                return oauth.legacy_api_oauth(self, req)
            return H.not_found()
        if p == "/api/account" and m == "GET":
            return self._api_account(req)
        if p.startswith("/api/discover/"):
            return self._api_discover(req)
        if p == "/api/auth" and m == "POST":
            return oauth.api_auth(self, req)
        if p == "/auth/register" and m == "POST":
            return oauth.register(self, req)
        if p == "/login" and m == "GET":
            return oauth.login_page(self, req)
        if p in ("/device", "/device/") and m == "GET":
            return oauth.device_page(self, req)
        return H.not_found()

    def _api_account(self, req: H.Request) -> H.Response:
        ctx = authenticate(self, req)
        perms = set(ctx.permissions)
        if self.external_directory(ctx.account):
            perms -= {"sysAccountPasswordGet", "sysAccountPasswordUpdate"}
        return H.json_response({"permissions": sorted(perms), "edition": self.edition,
                                "locale": ctx.account.locale})


    def _api_discover(self, req: H.Request) -> H.Response:
        """``GET /api/discover/{address}`` (auth.rs handle_discover_request): the
        provider's document (the fields Stalwart keeps; no CORS headers unless
        permissive CORS is on) when the address's domain has an OIDC
        directory, else the server's own OpenID metadata, CORS ``*``, with
        relative endpoints and an empty issuer on a plain-HTTP listener."""
        from urllib.parse import unquote
        name = unquote(req.path.split("/")[3]).strip().lower()
        if not name:
            return H.not_found()
        domain = name.rpartition("@")[2] if "@" in name else None
        d = self.oidc_directory_for(domain) if domain else None
        if d is not None:
            return H.json_response(d.document, headers=[("Cache-Control", "no-store, no-cache")])
        return oauth.own_openid_metadata(self, strip_base=True)


class _Listener(ThreadingHTTPServer):
    """The HTTP server, which also knows its open connections: a stopped
    server must stop answering on kept-alive connections too, as a real one
    that goes away does (the handler threads would serve them on)."""

    daemon_threads = True

    def __init__(self, *args, **kwargs):
        self._open: set = set()
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            open_now = list(self._open)
        for conn in open_now:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    srv: FakeStalwart
    protocol_version = "HTTP/1.1"
    server_version = "Stalwart"
    sys_version = ""

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def _handle(self):
        srv = self.srv
        parts = urlsplit(self.path)
        path = parts.path
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        rec = {k: ("%s ***" % v.split(" ", 1)[0] if k == "authorization" else "***")
               if k in _SECRET_HEADERS else v for k, v in headers.items()}
        srv.requests.append(RecordedRequest(self.command, path, rec))
        req = H.Request(self.command, path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                        headers, body, self.client_address[0])
        fault = srv.faults.take(path, self.command) if self.command != "OPTIONS" and srv.faults else None
        applied = self._route(req) if fault is not None and fault.apply_first else None
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault.redirect:
                target = fault.location or srv.elsewhere.url + self.path
                self._send(H.Response(fault.redirect, b"", [("Location", target)]))
                return
            if fault.status:
                self._send(self._fault_response(fault))
                return
        resp = applied if applied is not None else self._route(req)
        if fault is not None and fault.malformed_json:
            resp.body = resp.body[: max(1, len(resp.body) // 2)] + b"\x00{]"
        self._send(resp)

    def _route(self, req: H.Request) -> H.Response:
        try:
            return self.srv.route(req)
        except H.HttpError as e:
            return e.response
        except Exception as e:  # a bug in the fake: say so loudly, but answer
            import traceback
            traceback.print_exc()
            return H.problem(500, "Internal Server Error", f"fakestalwart bug: {e!r}")

    @staticmethod
    def _fault_response(f: Fault) -> H.Response:
        if f.status == 429:
            return H.too_many_auth(f.retry_after)
        if f.status == 401:
            return H.unauthorized()
        if f.status == 403:
            return H.forbidden()
        titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                  504: "Gateway Timeout", 400: "Bad Request", 404: "Not Found"}
        return H.problem(f.status, titles.get(f.status, "Error"), "Injected fault.")

    def _send(self, resp: H.Response):
        srv = self.srv
        self.send_response(resp.status)
        hdrs = list(resp.headers)
        if resp.content_type:
            hdrs.append(("Content-Type", resp.content_type))
        if srv.cors or resp.always_cors:
            # 0.16 discovery documents send all three even with permissive CORS off
            hdrs.extend(H.CORS_HEADERS)
        body = b"" if self.command == "HEAD" else resp.body
        hdrs.append(("Content-Length", str(len(resp.body))))
        for k, v in hdrs:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle



class Elsewhere:
    """The other origin of a ``redirect`` fault: every request is recorded
    (``requests``: method, path, headers with Authorization reduced to its
    scheme, body) and answered ``200 {}`` with CORS open to any origin and
    header, preflights included, so a client that follows a redirect gets
    through, and a test sees what it would have handed over."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self._httpd: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._httpd.server_address[1]}" if self._httpd else ""

    def start(self) -> "Elsewhere":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length > 0 else b""
                headers = {k.lower(): ("%s ***" % v.split(" ", 1)[0] if k.lower() == "authorization" else v)
                           for k, v in self.headers.items()}
                outer.requests.append((self.command, self.path, headers, body))
                self.send_response(204 if self.command == "OPTIONS" else 200)
                for k, v in (("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "*"),
                             ("Access-Control-Allow-Methods", "*"), ("Content-Type", "application/json"),
                             ("Content-Length", "0" if self.command == "OPTIONS" else "2")):
                    self.send_header(k, v)
                self.end_headers()
                if self.command not in ("OPTIONS", "HEAD"):
                    self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        self._httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True, name="fakestalwart-elsewhere").start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
