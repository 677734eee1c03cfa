"""Single sign-on: accounts whose domain signs in at an OpenID provider
(pure: no DOM, no storage, no redirects; docs/stalwart-contract.md §2.10).

Stalwart 0.16 tells, for an address, where it signs in:
``GET /api/discover/{address}`` answers with the OpenID discovery document
of the domain's OIDC directory (Keycloak, authentik, Kanidm, Zitadel,
Authelia…), or with Stalwart's own metadata. When it names another issuer,
the page signs in there itself (authorization code + PKCE S256, ``state``,
the RFC 9207 ``iss`` check, the token endpoint by CORS) and uses the
provider's access token as ``Bearer`` at Stalwart, which checks it with the
provider (JWT signature, or userinfo). Tokens follow the rules of
Stalwart's own OAuth tokens (``app.auth``): memory, or sessionStorage on
opt-in; a refresh goes to the provider (``Bearer.provider``).

    provider = await sso.discover(server, "sam@example.com", fetch,
                                  own_issuer=options.metadata.issuer,
                                  setting=config.sso_for(server))
    if provider is not None:
        url, pending = sso.begin(provider, server, page_url, login_hint="sam@example.com")
        ...  # keep pending.to_json() in sessionStorage, go to url; on the way back:
        creds = await sso.complete(pending, query, fetch)
        account = await stalwart.sign_in(server, creds, fetch)
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote, urlencode, urlsplit

from app import auth
from app.errors import CannotReach, OAuthError, ProtocolError, StalwartError
from app.http import Fetch, NetworkError
from app.idp import (DEFAULT_CLIENT_ID, GENERIC_CORS_SETTING, MAX_CLIENT_ID, Provider, kind_of,
                     usable_url, valid_client_id)
from app.jmap import headers_for, normalize_server, origin_of, parse_json, raise_for_status, send

PENDING_MAX_AGE = 15 * 60  # seconds a sign-in at the provider may take


# ----- errors ----------------------------------------------------------------------------
class SsoError(StalwartError):
    """The provider Stalwart named cannot be used from this page; the key
    says why in plain words (``params["provider"]`` is its host)."""
    key = "err.sso.unusable"


class ProviderNotAllowed(SsoError):
    """config.json lists the providers this page may use for the server, and
    the server named another one."""
    key = "err.sso.not_allowed"


class IssuerMismatch(OAuthError):
    """The answer that came back with the code was not the provider's (its
    ``iss`` is another issuer's, or missing where the provider always sends
    it): nothing in it is used (RFC 9207)."""

    def __init__(self, provider: Provider):
        StalwartError.__init__(self, "err.sso.issuer_mismatch",
                               {"error": "issuer_mismatch", "provider": provider.host})
        self.error = "issuer_mismatch"


class TokenEndpointBlocked(CannotReach):
    """No answer from the provider's token endpoint right after it sent the
    browser back with a code: the provider (just seen working) does not let
    this page's origin read its token endpoint (CORS), or this page's own
    Content-Security-Policy does not name the provider. ``params``:
    ``provider`` (host), ``origin`` (this page's), ``setting`` (where the
    provider's admin allows it, e.g. Keycloak's "Web origins"). ``cause`` is
    "cors" when the provider's discovery document answered (so it is up)."""

    def __init__(self, provider: Provider, page_origin: str, up: bool, detail: str = ""):
        StalwartError.__init__(self, "err.sso.token_blocked" if up else "err.sso.token_unreachable",
                               {"provider": provider.host, "origin": page_origin,
                                "setting": provider.cors_setting})
        self.origin = provider.origin
        self.cause = "cors" if up else "unknown"
        self.detail = detail
        self.provider = provider


# ----- config.json: which client id, which providers -----------------------------------------
@dataclass(frozen=True)
class SsoSetting:
    """``config.json`` ``"sso"`` entry for one server: the page's client id at
    its provider(s), and the issuers this page may use for it (empty: any the
    server names)."""
    client_id: str = DEFAULT_CLIENT_ID
    issuers: tuple[str, ...] = ()

    def allows(self, issuer: str) -> bool:
        return not self.issuers or issuer.rstrip("/") in {i.rstrip("/") for i in self.issuers}


DEFAULT_SETTING = SsoSetting()


def parse_sso_config(value: Any, servers: tuple[str, ...] = ()) -> dict[str, SsoSetting]:
    """The ``"sso"`` object of config.json::

        "sso": {"https://mail.example.com": {"client_id": "account-security",
                                             "issuers": ["https://id.example.com/realms/mail"]}}

    Keys are server origins (listed in ``"servers"`` when that list is not
    empty); both fields are optional. ``ValueError`` with a one-line reason
    (for the admin) when anything is off."""
    if not isinstance(value, dict):
        raise ValueError('"sso" must be an object: {"https://mail.example.com": {"client_id": "…"}}')
    out: dict[str, SsoSetting] = {}
    for server, entry in value.items():
        name = str(server)[:60]
        try:
            canonical = normalize_server(server) if isinstance(server, str) else None
        except StalwartError:
            canonical = None
        if canonical != server:
            raise ValueError(f'"sso" key {name!r} is not a server origin like https://mail.example.com')
        if servers and server not in servers:
            raise ValueError(f'"sso" names {name}, which is not in "servers"')
        if not isinstance(entry, dict) or set(entry) - {"client_id", "issuers"}:
            raise ValueError(f'"sso" entry of {name} must be an object with "client_id" and/or "issuers"')
        cid = entry.get("client_id", DEFAULT_CLIENT_ID)
        if not valid_client_id(cid):
            raise ValueError(f'"sso" client_id of {name} must be 1 to {MAX_CLIENT_ID} printable '
                             'ASCII characters without spaces')
        issuers = entry.get("issuers", [])
        if not isinstance(issuers, list) or not all(usable_url(i) for i in issuers):
            raise ValueError(f'"sso" issuers of {name} must be a list of https URLs')
        out[server] = SsoSetting(cid, tuple(issuers))
    return out


def provider_origins(settings: Mapping[str, SsoSetting]) -> list[str]:
    """The origins of every listed issuer: what a Content-Security-Policy's
    connect-src must add so the page can reach the token endpoints (the
    providers these page-facing docs name keep it on the issuer's origin)."""
    out: list[str] = []
    for s in settings.values():
        for i in s.issuers:
            o = origin_of(i)
            if o not in out:
                out.append(o)
    return out


# ----- discovery -----------------------------------------------------------------------------
def _is_own(doc: Mapping, server: str, own_issuer: Optional[str]) -> bool:
    """Is this Stalwart's own metadata? Its issuer is empty on a plain-HTTP
    listener (relative endpoints), else its public URL: equal to the issuer of
    /.well-known/oauth-authorization-server, or (when that is unknown) the
    server's origin itself with no path."""
    iss = doc.get("issuer")
    if not isinstance(iss, str) or not iss.strip():
        return True
    iss = iss.strip().rstrip("/")
    if own_issuer and iss == own_issuer.strip().rstrip("/"):
        return True
    if not own_issuer:
        try:
            p = urlsplit(iss)
        except ValueError:
            return False
        return origin_of(iss) == server and p.path in ("", "/")
    return False


def provider_from_document(doc: Mapping, client_id: str = DEFAULT_CLIENT_ID) -> Provider:
    """A ``Provider`` from a discovery document Stalwart passed on; ``SsoError``
    when the page cannot use it: no usable endpoints, no https, no PKCE S256."""
    iss = doc.get("issuer")
    host = urlsplit(iss).netloc if isinstance(iss, str) else ""
    params = {"provider": host or "?"}
    ae, te = doc.get("authorization_endpoint"), doc.get("token_endpoint")
    if not all(isinstance(x, str) and x for x in (iss, ae, te)):
        raise SsoError("err.sso.unusable", params)
    if not all(usable_url(u) for u in (iss, ae, te)):
        raise SsoError("err.sso.insecure", params)

    def strs(name: str) -> tuple[str, ...]:
        v = doc.get(name)
        return tuple(x for x in v if isinstance(x, str)) if isinstance(v, list) else ()
    methods = strs("code_challenge_methods_supported")
    if methods and "S256" not in methods:
        raise SsoError("err.sso.no_pkce", params)
    ui, es = doc.get("userinfo_endpoint"), doc.get("end_session_endpoint")
    return Provider(iss, ae, te, ui if isinstance(ui, str) else "", es if isinstance(es, str) else "",
                    strs("scopes_supported"), methods, client_id)


async def discover(server: str, address: str, fetch: Fetch, *, own_issuer: Optional[str] = None,
                   setting: SsoSetting = DEFAULT_SETTING) -> Optional[Provider]:
    """Where ``address`` signs in: the ``Provider`` of its domain's OIDC
    directory, or None (at Stalwart itself: its own metadata came back, or
    the server predates ``/api/discover``, 0.11-0.15, 404).

    One GET to Stalwart without credentials, then, for a provider, one to the
    provider's own discovery document (best effort: only to learn whether it
    always sends ``iss``). ``own_issuer``: the issuer of Stalwart's
    /.well-known/oauth-authorization-server (``auth.probe``), which tells
    Stalwart's own answer apart. Raises ``ProviderNotAllowed`` when config.json
    lists other issuers for this server, ``SsoError`` when the provider
    cannot be used, and the transport errors of ``app.jmap``."""
    o = normalize_server(server)
    name = (address or "").strip()
    resp = await send(fetch, "GET", f"{o}/api/discover/{quote(name, safe='@')}",
                      headers_for(None), None, o)
    if resp.status == 404:
        return None
    raise_for_status(resp)
    doc = parse_json(resp)
    if not isinstance(doc, dict):
        raise ProtocolError("discovery answer is not an object")
    if _is_own(doc, o, own_issuer):
        return None
    provider = provider_from_document(doc, setting.client_id)
    if not setting.allows(provider.issuer):
        raise ProviderNotAllowed(params={"provider": provider.host})
    return replace(provider, iss_parameter=await _says_iss(provider, fetch))


async def _says_iss(provider: Provider, fetch: Fetch) -> bool:
    """Does the provider's own discovery document (same issuer) promise the
    ``iss`` parameter? Stalwart's copy drops that field. False when unknown."""
    try:
        resp = await fetch("GET", provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
                           headers_for(None), None)
        doc = resp.json() if getattr(resp, "status", 0) == 200 else None
    except (NetworkError, ValueError, UnicodeDecodeError):  # best effort: CORS closed, down, not JSON
        return False
    return isinstance(doc, dict) and doc.get("issuer") == provider.issuer and \
        doc.get("authorization_response_iss_parameter_supported") is True


# ----- authorization code + PKCE at the provider ---------------------------------------------
@dataclass
class SsoPending:
    """Kept in sessionStorage across the redirect (like
    ``auth.PendingAuthorization``). ``origin`` is the Stalwart server the
    token is for; the PKCE verifier is the only secret (useless without the
    one-time code)."""
    origin: str
    provider: Provider
    redirect_uri: str
    state: str
    code_verifier: str = field(repr=False)
    created_at: float = 0.0
    login_hint: str = ""

    def to_json(self) -> str:
        return json.dumps({"kind": "sso", "origin": self.origin, "provider": self.provider.to_dict(),
                           "redirect_uri": self.redirect_uri, "state": self.state,
                           "code_verifier": self.code_verifier, "created_at": self.created_at,
                           "login_hint": self.login_hint}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "SsoPending":
        try:
            d = json.loads(text)
            ok = isinstance(d, dict) and d.get("kind") == "sso"
            provider = Provider.from_dict(d.get("provider")) if ok else None
            p = cls(d["origin"], provider, d["redirect_uri"], d["state"], d["code_verifier"],
                    d["created_at"], d.get("login_hint") or "") if provider else None
        except (ValueError, TypeError, KeyError):
            p = None
        if p is None or not all(isinstance(x, str) and x for x in
                                (p.origin, p.redirect_uri, p.state, p.code_verifier)) or \
                not isinstance(p.login_hint, str) or \
                not isinstance(p.created_at, (int, float)) or isinstance(p.created_at, bool):
            raise OAuthError("err.oauth.state_mismatch", "bad_pending")
        return p

    def expired(self, now: Optional[float] = None) -> bool:
        return (now if now is not None else time.time()) - self.created_at > PENDING_MAX_AGE


def begin(provider: Provider, server: str, redirect_uri: str, *, login_hint: Optional[str] = None,
          now: Callable[[], float] = time.time) -> tuple[str, SsoPending]:
    """The provider's authorization URL to send the browser to, and what to
    keep until it comes back. ``login_hint`` (the address typed) spares the
    user typing it again where the provider honours it."""
    verifier = auth._b64url(secrets.token_bytes(32))  # 43 characters, RFC 7636 range
    state = auth._b64url(secrets.token_bytes(16))
    q = {"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
         "code_challenge": auth.pkce_challenge(verifier), "code_challenge_method": "S256",
         "state": state}
    if provider.scope:
        q["scope"] = provider.scope
    hint = (login_hint or "").strip()
    if hint:
        q["login_hint"] = hint
    sep = "&" if "?" in provider.authorization_endpoint else "?"
    return (provider.authorization_endpoint + sep + urlencode(q),
            SsoPending(normalize_server(server), provider, redirect_uri, state, verifier, now(), hint))


async def complete(pending: SsoPending, query_params: Mapping, fetch: Fetch,
                   now: Callable[[], float] = time.time) -> auth.Bearer:
    """Check the callback (``state`` first, then the error, then ``iss``
    against the provider's issuer) and exchange the code at the provider's
    token endpoint. The token comes back as a ``Bearer`` that knows its
    provider (refresh goes there). No answer from the token endpoint is
    ``TokenEndpointBlocked``."""
    p = pending.provider
    try:
        code = auth.callback_code(query_params, pending.state, p.issuer, p.iss_parameter)
    except OAuthError as e:
        if e.error != "issuer_mismatch":
            raise
        raise IssuerMismatch(p) from None
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": pending.redirect_uri,
            "client_id": p.client_id, "code_verifier": pending.code_verifier}
    try:
        return await auth._token_request(p.token_endpoint, form, fetch, p.origin, now, provider=p)
    except CannotReach as e:
        raise await diagnose_token_endpoint(p, origin_of(pending.redirect_uri), fetch, e) from None


async def diagnose_token_endpoint(provider: Provider, page_origin: str, fetch: Fetch,
                                  err: CannotReach) -> TokenEndpointBlocked:
    """The token endpoint gave no answer. The provider's discovery document is
    served to every origin by all five documented providers: if it answers,
    the provider is up and only its token endpoint is closed to this page."""
    try:
        resp = await fetch("GET", provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
                           headers_for(None), None)
        up = bool(getattr(resp, "status", 0))
    except NetworkError:
        up = False
    return TokenEndpointBlocked(provider, page_origin, up, err.detail)


# ----- who manages the password: for SecurityState -------------------------------------------
async def provider_of(conn: Any) -> Optional[Provider]:
    """The provider that manages this account's password and two-factor, for
    ``SecurityState`` (``Access.managed_by``): the one a single sign-on
    token came from (no request), or, when the permissions Stalwart reports
    for these credentials lack the password permissions (an external
    directory, 0.16), the one ``/api/discover`` names for the user (one GET;
    None when it names none or cannot be read)."""
    creds = getattr(conn, "creds", None)
    if isinstance(creds, auth.Bearer) and creds.provider is not None:
        return creds.provider
    perms = getattr(conn, "permissions", None)
    if conn.generation != "0.16" or perms is None or "sysAccountPasswordGet" in perms:
        return None
    try:
        return await discover(conn.origin, conn.username, conn.fetch)
    except StalwartError:
        return None


__all__ = ["DEFAULT_CLIENT_ID", "GENERIC_CORS_SETTING", "Provider", "SsoPending", "SsoSetting",
           "DEFAULT_SETTING", "SsoError", "ProviderNotAllowed", "IssuerMismatch",
           "TokenEndpointBlocked", "discover", "begin", "complete", "diagnose_token_endpoint",
           "provider_from_document", "provider_of", "parse_sso_config", "provider_origins",
           "kind_of", "valid_client_id"]
