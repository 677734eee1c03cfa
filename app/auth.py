"""Credentials and sign-in logic (pure: no DOM, no storage, no redirects).

The UI performs redirects and storage itself; this module only builds URLs,
checks answers and exchanges codes through the injected ``Fetch``.

Sign-in ways:
* ``Basic(login, secret)`` – password or app password. On 0.11–0.15 a TOTP
  code rides along as ``password$code`` (``Basic(..., otp_code=...)``); the
  page trades that once for a token (``legacy_token``). 0.16 cannot carry a
  code in Basic at all (402 "MFA code required").
* ``Bearer(token, kind="apikey")`` – a pasted API key (0.16) or access token.
* OAuth authorization code + PKCE (S256) through the server's own ``/login``
  page (0.16 only: works for TOTP accounts), and the device flow.

Before anyone signs in, ``probe`` reads the server's OAuth discovery document
(served with CORS) and says which of these the server offers
(``SignInOptions``). Everything here follows docs/stalwart-contract.md.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Union
from urllib.parse import parse_qs, urlencode, urlsplit

from app.bidi import strip_bidi
from app.errors import (AccountNameRefused, AuthorizationPending, AuthRequired, BadRequest,
                        CannotReach, CodeIncorrect, EndpointNotFound, InvalidInput, MfaRequired,
                        OAuthError, ProtocolError, StalwartError, TimedOut)
from app.http import Fetch
from app.jmap import headers_for, normalize_server, parse_json, raise_for_status, rebase, send
from app.origins import link_target, origin_of
from app.vocab import Generation

# At most 20 characters: 0.11-0.15 refuse a longer client_id (CLIENT_ID_MAX_LEN),
# "Client ID is invalid." from /api/oauth, "Client ID is missing." from /auth/device.
DEFAULT_CLIENT_ID = "account-security"
DEFAULT_SCOPE = "offline_access"
FORM = "application/x-www-form-urlencoded"


# ----- credentials --------------------------------------------------------------------
@dataclass(frozen=True)
class Basic:
    login: str
    secret: str = field(repr=False)
    otp_code: Optional[str] = field(default=None, repr=False)  # legacy only: secret$code

    def authorization_header(self) -> str:
        secret = self.secret + (f"${self.otp_code}" if self.otp_code else "")
        raw = f"{self.login.strip()}:{secret}".encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def with_totp(self, code: Optional[str]) -> "Basic":
        """Legacy (0.11–0.15) two-factor: ``password$123456``."""
        return Basic(self.login, self.secret, code or None)


@dataclass(frozen=True)
class Bearer:
    token: str = field(repr=False)
    refresh_token: Optional[str] = field(default=None, repr=False)
    expires_at: Optional[float] = None  # epoch seconds
    kind: str = "oauth"                 # "oauth" | "apikey"
    # Single sign-on: the OpenID provider that issued the token (``app.idp.Provider``,
    # with the page's client id there); None when Stalwart issued it.
    provider: Optional[Any] = None

    def authorization_header(self) -> str:
        return "Bearer " + self.token.strip()

    def expired(self, now: Optional[float] = None, margin: float = 30.0) -> bool:
        if self.expires_at is None:
            return False
        return (now if now is not None else time.time()) + margin >= self.expires_at


Credentials = Union[Basic, Bearer]


def authorization_header(creds: Credentials) -> str:
    return creds.authorization_header()


def api_key(token: str) -> Bearer:
    """A pasted API key or access token (private keys refused: ``refuse_private_key``)."""
    refuse_private_key(token, "token")
    t = (token or "").strip()
    if not t:
        raise InvalidInput("err.input.password_required", "token")
    return Bearer(t, kind="apikey")


def refuse_private_key(value: Any, field: str) -> None:
    """The one private-key guard (``app.keys.private.refuse``), run on every
    sign-in input before anything is sent (and by ``app.stalwart.validate`` on
    the account's fields): a private key pasted into the login, password, code
    or token field is refused, never sent as Basic or Bearer. Imported when
    first used: app.keys loads after the page is ready (app.warm)."""
    from app.keys.private import refuse
    refuse(value, field)


# ----- storage policy -------------------------------------------------------------------
# localStorage keeps the server origin only; sessionStorage keeps, on opt-in
# ("stay signed in in this tab"), the sign-in's credential when it is one the
# server issued for it and the user can revoke on its own: an OAuth token, an
# API key, a 0.16 app password (``app.ui.views.signin.kept`` says which), and
# during the redirect the PendingAuthorization. Passwords and TOTP secrets or
# codes are never stored.
def session_storage_payload(creds: Credentials, opted_in: bool,
                            method: str = "") -> Optional[dict]:
    """What may go to sessionStorage, only when the user opted in. ``method``:
    how they signed in (``SignIn.method``): "app_password" only for a 0.16 app
    password (its own format), never for a password."""
    if not opted_in:
        return None
    if isinstance(creds, Bearer) and creds.kind == "oauth":
        out = {"kind": "oauth", "token": creds.token, "refresh_token": creds.refresh_token,
               "expires_at": creds.expires_at}
        if creds.provider is not None:  # where to refresh it (no secret in it)
            out["provider"] = creds.provider.to_dict()
        return out
    if isinstance(creds, Bearer) and creds.kind == "apikey" and method == "api_key":
        return {"kind": "apikey", "token": creds.token}
    if isinstance(creds, Basic) and method == "app_password" and not creds.otp_code:
        return {"kind": "app_password", "login": creds.login, "secret": creds.secret}
    return None


def credentials_from_storage(data: Any) -> Optional[Credentials]:
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind == "app_password":
        login, secret = data.get("login"), data.get("secret")
        if isinstance(login, str) and login and isinstance(secret, str) and secret:
            return Basic(login, secret)
        return None
    tok = data.get("token")
    if not isinstance(tok, str) or not tok:
        return None
    if kind == "apikey":
        return Bearer(tok, kind="apikey")
    if kind != "oauth":
        return None
    rt = data.get("refresh_token")
    exp = data.get("expires_at")
    provider = None
    if "provider" in data:
        from app.idp import Provider
        provider = Provider.from_dict(data["provider"])
        if provider is None:  # unusable: never send the token to a guessed token endpoint
            return None
    return Bearer(tok, rt if isinstance(rt, str) else None,
                  float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None,
                  provider=provider)


# ----- OAuth discovery ------------------------------------------------------------------
@dataclass
class OAuthMetadata:
    origin: str
    authorization_endpoint: str
    token_endpoint: str
    device_authorization_endpoint: str
    code_challenge_methods: list = field(default_factory=list)
    issuer: str = ""                 # as the server wrote it: what ``iss`` must equal (RFC 9207)
    iss_parameter: bool = False      # authorization_response_iss_parameter_supported

    @property
    def login_page(self) -> bool:
        """The server's own sign-in page can serve this page: PKCE (S256), which
        0.16 offers at /login. 0.11-0.15 point at the web-admin's /authorize/code,
        with no PKCE, HTTPS-only redirects, and often no web-admin at all."""
        return "S256" in self.code_challenge_methods


def default_metadata(server: str) -> OAuthMetadata:
    o = normalize_server(server)
    return OAuthMetadata(o, o + "/login", o + "/auth/token", o + "/auth/device", ["S256"])


async def discover(server: str, fetch: Fetch) -> OAuthMetadata:
    """``GET /.well-known/oauth-authorization-server`` (CORS ``*`` on 0.16 even
    without permissive CORS). Endpoints are rebased onto the typed origin, like
    the JMAP apiUrl. A 404 (older servers) falls back to Stalwart's fixed paths."""
    o = normalize_server(server)
    resp = await send(fetch, "GET", o + "/.well-known/oauth-authorization-server",
                      headers_for(None), None, o)
    if resp.status == 404:
        return default_metadata(o)
    raise_for_status(resp)
    data = parse_json(resp)
    if not isinstance(data, dict):
        raise ProtocolError("OAuth metadata is not an object")
    d = default_metadata(o)

    def ep(name: str, fallback: str) -> str:
        v = data.get(name)
        if isinstance(v, str) and v.strip():
            try:
                return rebase(v.strip(), o)
            except ValueError:
                pass
        return fallback
    methods = data.get("code_challenge_methods_supported")
    issuer = data.get("issuer")
    return OAuthMetadata(o, ep("authorization_endpoint", d.authorization_endpoint),
                         ep("token_endpoint", d.token_endpoint),
                         ep("device_authorization_endpoint", d.device_authorization_endpoint),
                         [m for m in methods if isinstance(m, str)] if isinstance(methods, list) else [],
                         issuer if isinstance(issuer, str) else "",
                         data.get("authorization_response_iss_parameter_supported") is True)


# ----- what the server offers, before sign-in -------------------------------------------
@dataclass(frozen=True)
class SignInOptions:
    """What the sign-in card offers for one server, from its discovery document.

    * generation: ``Generation.V016`` (PKCE and /login), ``LEGACY`` (0.11-0.15:
      no PKCE) or "unknown" (no readable discovery: down, CORS closed, not Stalwart);
    * login_page: the server's own sign-in page can be used ("Sign in with your
      mail server"); when False, ``reason`` is the message key that says why,
      and password (+ code) comes first;
    * metadata: the endpoints, or None when unknown.
    """
    generation: Union[Generation, str]
    login_page: bool
    reason: Optional[str] = None
    metadata: Optional[OAuthMetadata] = None

    @property
    def legacy(self) -> bool:
        return self.generation == Generation.LEGACY


UNKNOWN_SERVER = SignInOptions("unknown", True)


def sign_in_options(md: OAuthMetadata) -> SignInOptions:
    if md.login_page:
        return SignInOptions(Generation.V016, True, None, md)
    return SignInOptions(Generation.LEGACY, False, "unavailable.login_page_legacy", md)


async def probe(server: str, fetch: Fetch) -> SignInOptions:
    """Ask the server's discovery document (one GET, no credentials) what it
    offers. Failing to read it is not an error here: the sign-in itself will
    say what is wrong, in place."""
    try:
        return sign_in_options(await discover(server, fetch))
    except StalwartError:
        return UNKNOWN_SERVER


def refine_refusal(err: StalwartError, login: str, options: Optional[SignInOptions]) -> StalwartError:
    """A refused sign-in, explained for the server at hand: 0.11-0.15 sign in by
    account (principal) name, and refuse ``alice@example.com`` with a plain 401."""
    if isinstance(err, AuthRequired) and options is not None and options.legacy and "@" in login:
        name = login.strip().split("@", 1)[0]
        return AccountNameRefused(name, server_text=err.server_text, status=err.status)
    return err


# ----- authorization code + PKCE --------------------------------------------------------
def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass
class PendingAuthorization:
    """Kept in sessionStorage across the redirect. The PKCE verifier is the
    only secret in it (useless without the one-time code). ``issuer`` is the
    discovery document's: the callback's ``iss`` must equal it (RFC 9207),
    and must be there at all when ``iss_required``."""
    origin: str
    token_endpoint: str
    redirect_uri: str
    client_id: str
    state: str
    code_verifier: str = field(repr=False)
    created_at: float = 0.0
    issuer: str = ""
    iss_required: bool = False

    def to_json(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "PendingAuthorization":
        try:
            d = json.loads(text)
            p = cls(**{k: d[k] for k in cls.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            raise OAuthError("err.oauth.state_mismatch", "bad_pending") from None
        strs = (p.origin, p.token_endpoint, p.redirect_uri, p.client_id, p.state, p.code_verifier)
        if not all(isinstance(x, str) and x for x in strs) or not isinstance(p.issuer, str) or \
                not isinstance(p.iss_required, bool) or \
                not isinstance(p.created_at, (int, float)) or isinstance(p.created_at, bool):
            raise OAuthError("err.oauth.state_mismatch", "bad_pending")
        return p


def begin_authorization(server: str, redirect_uri: str, client_id: str = DEFAULT_CLIENT_ID,
                        scope: Optional[str] = DEFAULT_SCOPE,
                        metadata: Optional[OAuthMetadata] = None,
                        now: Callable[[], float] = time.time) -> tuple[str, PendingAuthorization]:
    """The URL to send the browser to, and what to keep until it comes back."""
    md = metadata or default_metadata(server)
    verifier = _b64url(secrets.token_bytes(32))  # 43 chars, RFC 7636 range
    state = _b64url(secrets.token_bytes(16))
    q = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
         "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256",
         "state": state}
    if scope:
        q["scope"] = scope
    url = md.authorization_endpoint + "?" + urlencode(q)
    return url, PendingAuthorization(md.origin, md.token_endpoint, redirect_uri, client_id,
                                     state, verifier, now(), md.issuer, md.iss_parameter)


def _one(params: Mapping, name: str) -> Optional[str]:
    v = params.get(name)
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
    return v if isinstance(v, str) else None


def parse_query(url_or_query: str) -> dict[str, str]:
    q = urlsplit(url_or_query).query if "?" in url_or_query or "://" in url_or_query \
        else url_or_query.lstrip("?")
    return {k: v[0] for k, v in parse_qs(q, keep_blank_values=True).items()}


# Every error code of RFC 6749 §5.2 / RFC 8628 §3.5 in plain words. Stalwart
# sends none of them with an error_description (seen on 0.16.18), so the
# words must not depend on one.
_TOKEN_ERRORS = {
    "access_denied": "err.oauth.token.access_denied",      # unknown, expired or reused code
    "invalid_client": "err.oauth.token.invalid_client",    # client_id or redirect_uri mismatch
    "invalid_grant": "err.oauth.invalid_grant",            # PKCE mismatch, revoked refresh token
    "invalid_request": "err.oauth.token.invalid_request",
    "unauthorized_client": "err.oauth.token.unauthorized_client",
    "unsupported_grant_type": "err.oauth.token.unsupported_grant_type",
    "invalid_scope": "err.oauth.token.invalid_scope",
    "expired_token": "err.oauth.expired",
    "server_error": "err.oauth.token.server_error",
    "temporarily_unavailable": "err.oauth.token.server_error",
}
# An error on the way back from the login page (RFC 6749 §4.1.2.1):
# access_denied there means the user (or the server) said no.
_CALLBACK_ERRORS = {**_TOKEN_ERRORS, "access_denied": "err.oauth.denied"}


def _error_text(data: Mapping) -> Optional[str]:
    desc = data.get("error_description")
    return desc if isinstance(desc, str) and desc.strip() else None


async def _token_request(token_endpoint: str, form: dict, fetch: Fetch, origin: str,
                         now: Callable[[], float], kind: str = "oauth",
                         old_refresh: Optional[str] = None, provider: Any = None) -> Bearer:
    body = urlencode(form).encode("ascii")
    resp = await send(fetch, "POST", token_endpoint, headers_for(None, FORM), body, origin)
    data: Any = None
    try:
        data = resp.json()
    except (ValueError, UnicodeDecodeError):
        pass
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        err = data["error"]
        if err in ("authorization_pending", "slow_down"):
            raise AuthorizationPending(0, err)
        raise OAuthError(_TOKEN_ERRORS.get(err, "err.oauth.other"), err, _error_text(data))
    raise_for_status(resp)
    if not isinstance(data, dict):
        raise ProtocolError("token answer is not JSON")
    tok = data.get("access_token")
    if not isinstance(tok, str) or not tok:
        raise ProtocolError("token answer has no access_token")
    tt = data.get("token_type")
    if tt is not None and (not isinstance(tt, str) or tt.lower() != "bearer"):
        # RFC 6749 §7.1: the type is case-insensitive ("bearer" on 0.16.18)
        raise ProtocolError("token type is not Bearer")
    rt = data.get("refresh_token")
    exp = data.get("expires_in")
    expires_at = (now() + float(exp)) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
    return Bearer(tok, rt if isinstance(rt, str) and rt else old_refresh, expires_at, kind, provider)


# What an authorization server adds to the page's address on the way back
# (RFC 6749 §4.1.2, RFC 9207): none of it may stay in the address bar.
CALLBACK_PARAMS = ("code", "state", "error", "error_description", "error_uri", "iss")


def callback_route(query: Mapping) -> str:
    """What the page does at start with an authorization answer in its
    address: ``"finish"`` (a code, or an error with a state:
    ``complete_authorization`` checks it and says what happened), ``"drop"``
    (leftovers only, e.g. ``?error=`` without ``state``: nobody's answer,
    nothing of it is shown, and it leaves the address bar), or ``""`` (none)."""
    if "code" in query or ("error" in query and "state" in query):
        return "finish"
    return "drop" if any(k in query for k in CALLBACK_PARAMS) else ""


def callback_code(query_params: Mapping, state: str, issuer: str, iss_required: bool) -> str:
    """The code in an authorization response, after its checks.

    ``state`` first, for errors too: until it matches, nothing in the answer
    (an attacker's ``error_description`` included) is shown or used. Then the
    error, then ``iss`` against the discovery document's issuer (RFC 9207):
    when present it must match; when the issuer said it always sends it
    (``iss_required``), it must be there."""
    got = _one(query_params, "state")
    if not got or not secrets.compare_digest(got.encode(), state.encode()):
        raise OAuthError("err.oauth.state_mismatch", "state_mismatch")
    err = _one(query_params, "error")
    if err is not None:
        raise OAuthError(_CALLBACK_ERRORS.get(err, "err.oauth.other"), err or "unknown",
                         _error_text(query_params_one(query_params)))
    iss = _one(query_params, "iss")
    if issuer and (iss is not None or iss_required):
        if iss is None or not secrets.compare_digest(iss.encode(), issuer.encode()):
            raise OAuthError("err.oauth.issuer_mismatch", "issuer_mismatch")
    code = _one(query_params, "code")
    if not code:
        raise OAuthError("err.oauth.no_code", "no_code")
    return code


async def complete_authorization(pending: PendingAuthorization, query_params: Mapping,
                                 fetch: Fetch, now: Callable[[], float] = time.time) -> Bearer:
    """Check the callback and exchange the code at the token endpoint."""
    code = callback_code(query_params, pending.state, pending.issuer, pending.iss_required)
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": pending.redirect_uri, "client_id": pending.client_id,
            "code_verifier": pending.code_verifier}
    return await _token_request(pending.token_endpoint, form, fetch, pending.origin, now)


async def refresh(server: str, creds: Bearer, fetch: Fetch, client_id: str = DEFAULT_CLIENT_ID,
                  metadata: Optional[OAuthMetadata] = None,
                  now: Callable[[], float] = time.time) -> Bearer:
    """A fresh access token for ``creds``. A single sign-on token is refreshed
    at its own provider, with the page's client id there (``creds.provider``);
    ``client_id``/``metadata`` are then not used."""
    if not creds.refresh_token:
        raise AuthRequired()
    md = metadata or default_metadata(server)
    endpoint, origin, cid = md.token_endpoint, md.origin, client_id
    if creds.provider is not None:
        p = creds.provider
        endpoint, origin, cid = p.token_endpoint, p.origin, p.client_id
    form = {"grant_type": "refresh_token", "refresh_token": creds.refresh_token,
            "client_id": cid}
    try:
        return await _token_request(endpoint, form, fetch, origin, now,
                                    old_refresh=creds.refresh_token, provider=creds.provider)
    except OAuthError as e:
        if e.error == "invalid_grant":
            raise AuthRequired(server_text=e.server_text) from None
        raise


def query_params_one(params: Mapping) -> dict:
    return {k: _one(params, k) for k in params}


async def legacy_token(server: str, basic: Basic, fetch: Fetch,
                       client_id: str = DEFAULT_CLIENT_ID,
                       now: Callable[[], float] = time.time) -> Bearer:
    """0.11–0.15 (no PKCE, no usable /login for a static page): trade a Basic
    sign-in (``password$code`` for TOTP accounts) for an OAuth token, so the
    page does not need a fresh TOTP code on every request. ``POST /api/oauth``
    (permission ``authenticate-oauth``) then ``/auth/token``.

    The code is issued for ``redirect_uri: null`` and the exchange must then
    send ``redirect_uri`` empty: without it the answer is ``invalid_client``.
    The client_id must have at most 20 characters. Refusals come as HTTP 200
    ``{"error": "other", "details": ...}``; the details reach the user."""
    o = normalize_server(server)
    body = json.dumps({"type": "code", "client_id": client_id, "redirect_uri": None,
                       "nonce": None}, separators=(",", ":")).encode()
    resp = await send(fetch, "POST", o + "/api/oauth",
                      headers_for(basic.authorization_header(), "application/json"), body, o)
    raise_for_status(resp, Generation.LEGACY)
    data = parse_json(resp)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        details = data.get("details")
        raise OAuthError("err.oauth.legacy_refused", data["error"],
                         details if isinstance(details, str) else None)
    code = data.get("data") if isinstance(data, dict) else None
    code = code.get("code") if isinstance(code, dict) else None
    if not isinstance(code, str) or not code:
        raise ProtocolError("no authorization code")
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id,
            "redirect_uri": ""}
    return await _token_request(o + "/auth/token", form, fetch, o, now)


# 0.11-0.15 read a two-factor code appended to the password: after the last
# "$", 6 to 8 ASCII digits, with something before it (verify_secret in
# crates/directory/src/core/secret.rs); its own 402 text tells users to do so.
_APPENDED_CODE = re.compile(r"(.+)\$([0-9]{6,8})", re.S)


def split_appended_code(secret: str) -> Optional[tuple[str, str]]:
    """``password$123456`` -> ("password", "123456") by the server's own rule,
    else None."""
    m = _APPENDED_CODE.fullmatch(secret or "")
    return (m.group(1), m.group(2)) if m else None


async def password_sign_in(server: str, login: str, secret: str, code: str,
                           options: Optional[SignInOptions], fetch: Fetch,
                           keep: bool = False) -> Credentials:
    """The password form: login, password and, for two-factor accounts on
    0.11-0.15, the current code (traded once for a token, so the sign-in
    lasts as long as the token and its refresh, not the 90 seconds a code
    does). 0.16 cannot take a code with a password: its own sign-in page asks
    for it.

    On 0.11-0.15 a code typed in the password field (``password$123456``,
    what the server's own answer tells users to do) is taken as the code
    field's, when the account asks for one; a password that merely ends that
    way still signs in as typed. A wrong code is ``CodeIncorrect`` (the
    server says only "not accepted": the page first proves the password
    alone, whose answer tells a wrong password from a wanted code, and sends
    the code only after that).

    ``keep`` ("stay signed in"): on 0.11-0.15 the password alone is traded for
    a token too, so what the tab keeps is the server's token, never the
    password. Where that trade is refused (no ``authenticate-oauth``
    permission, an older server), the sign-in goes on with the password, kept
    nowhere."""
    from app.totp import is_code, normalize_code
    for value, name in ((login, "login"), (secret, "password"), (code, "code")):
        refuse_private_key(value, name)
    code = normalize_code(code or "")
    if code and not is_code(code):  # it would ride in the password (secret$code)
        raise InvalidInput("err.input.code_format", "code")
    typed = secret
    in_password = False
    legacy = options is not None and options.legacy
    if not code and legacy:
        split = split_appended_code(secret)
        if split is not None:
            (secret, code), in_password = split, True
    if not code:
        if keep and legacy:
            return await _trade_to_keep(server, Basic(login, secret), options, fetch)
        return Basic(login, secret)
    if options is not None and options.generation == Generation.V016:
        raise MfaRequired(Generation.V016)
    try:
        return await _sign_in_with_code(server, Basic(login, secret), code, fetch,
                                        typed if in_password else None)
    except StalwartError as e:
        raise refine_refusal(e, login, options) from None


async def _trade_to_keep(server: str, basic: Basic, options: Optional[SignInOptions],
                         fetch: Fetch) -> Credentials:
    """0.11-0.15, "stay signed in": the password traded for a token the tab may
    keep; a refused trade (not a refused password) signs in with the password."""
    try:
        return await legacy_token(server, basic, fetch)
    except (AuthRequired, MfaRequired, CannotReach, TimedOut) as e:
        raise refine_refusal(e, basic.login, options) from None
    except StalwartError:
        return basic  # the token was for keeping only: sign in as asked


async def _sign_in_with_code(server: str, basic: Basic, code: str, fetch: Fetch,
                             typed: Optional[str]) -> Credentials:
    """0.11-0.15: prove the password alone first (a GET of the session): 402
    "TOTP code required" means it is right and a code is wanted, so the code is
    traded with it for a token, and a refusal then is the code's; 401 means the
    password (or login) is wrong, and the code is never sent; 200 means no code
    is wanted. ``typed``: the whole password field, when the code was split
    from it (a password that merely ends in ``$`` and digits is tried whole)."""
    o = normalize_server(server)
    resp = await send(fetch, "GET", o + "/jmap/session",
                      headers_for(basic.authorization_header()), None, o)
    if resp.status == 401 and typed is not None:
        return Basic(basic.login, typed)
    try:
        raise_for_status(resp, Generation.LEGACY)
    except MfaRequired as e:
        if e.generation == Generation.V016:
            raise
        try:
            return await legacy_token(server, basic.with_totp(code), fetch)
        except AuthRequired as refused:
            raise CodeIncorrect(typed is not None, server_text=refused.server_text) from None
    return basic  # the password alone signs in: no code is wanted


# ----- device flow ----------------------------------------------------------------------
@dataclass
class DeviceAuthorization:
    origin: str
    token_endpoint: str
    client_id: str
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: Optional[str]
    expires_at: float
    interval: int

    @property
    def link(self) -> Optional[str]:
        """Where the link to the approval page goes, or None (show the address
        as text). ``verification_uri_complete`` only when it is on the same
        origin as ``verification_uri``, which is what the user is shown."""
        shown = link_target(self.verification_uri)
        if shown is None:
            return None
        full = link_target(self.verification_uri_complete)
        if full is not None and origin_of(full) == origin_of(shown):
            return full
        return shown


async def start_device_flow(server: str, fetch: Fetch, client_id: str = DEFAULT_CLIENT_ID,
                            scope: Optional[str] = DEFAULT_SCOPE,
                            metadata: Optional[OAuthMetadata] = None,
                            now: Callable[[], float] = time.time) -> DeviceAuthorization:
    md = metadata or default_metadata(server)
    form = {"client_id": client_id}
    if scope:
        form["scope"] = scope
    resp = await send(fetch, "POST", md.device_authorization_endpoint, headers_for(None, FORM),
                      urlencode(form).encode("ascii"), md.origin)
    try:
        raise_for_status(resp)
    except BadRequest as e:  # e.g. "Client ID is missing." (0.15.5, client_id over 20)
        raise OAuthError("err.oauth.device_refused", "device", e.server_text) from None
    d = parse_json(resp)
    if not isinstance(d, dict):
        raise ProtocolError("device answer is not an object")
    # What the user is shown and follows: direction controls dropped where it
    # enters, so the code and the address read as they are, and the link goes
    # to the address shown.
    dc = d.get("device_code")
    uc, vu, vc = (strip_bidi(v) if isinstance(v, str) else v
                  for v in (d.get("user_code"), d.get("verification_uri"), d.get("verification_uri_complete")))
    if not all(isinstance(x, str) and x for x in (dc, uc, vu)):
        raise ProtocolError("device answer is incomplete")
    exp = d.get("expires_in")
    iv = d.get("interval")
    return DeviceAuthorization(
        md.origin, md.token_endpoint, client_id, dc, uc, vu, vc if isinstance(vc, str) else None,
        now() + (float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else 600.0),
        int(iv) if isinstance(iv, int) and not isinstance(iv, bool) and 0 < iv < 3600 else 5)


async def poll_device_flow(device: DeviceAuthorization, fetch: Fetch,
                           now: Callable[[], float] = time.time) -> Bearer:
    """One poll. Returns the token, or raises ``AuthorizationPending`` (wait
    ``.interval`` seconds; ``slow_down`` adds 5 s and updates ``device.interval``),
    ``OAuthError`` err.oauth.expired / err.oauth.denied."""
    if now() >= device.expires_at:
        raise OAuthError("err.oauth.expired", "expired_token")
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device.device_code, "client_id": device.client_id}
    try:
        return await _token_request(device.token_endpoint, form, fetch, device.origin, now)
    except AuthorizationPending as p:
        if p.error == "slow_down":
            device.interval += 5
        p.interval = device.interval
        raise


__all__ = ["Basic", "Bearer", "Credentials", "authorization_header", "api_key", "normalize_server",
           "session_storage_payload", "credentials_from_storage", "OAuthMetadata", "discover",
           "default_metadata", "SignInOptions", "UNKNOWN_SERVER", "sign_in_options", "probe",
           "refine_refusal", "PendingAuthorization", "begin_authorization",
           "complete_authorization", "callback_code", "callback_route", "parse_query", "pkce_challenge", "refresh",
           "legacy_token", "password_sign_in", "split_appended_code", "link_target", "DeviceAuthorization",
           "start_device_flow",
           "poll_device_flow", "StalwartError", "EndpointNotFound", "CannotReach"]
