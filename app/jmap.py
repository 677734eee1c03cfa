"""JMAP plumbing: session discovery, the request envelope, and typed errors.

Everything goes through the injected ``app.http.Fetch``. Only three request
headers are ever sent (Authorization, Content-Type, Accept) because those are
all a permissive-CORS Stalwart allows; no cookies (the transport omits them).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence
from urllib.parse import urljoin, urlsplit, urlunsplit

from app import origins
from app.errors import (AuthRequired, BadRequest, CannotReach, EndpointNotFound, Forbidden,
                        InvalidInput, MethodError, MfaRequired, ProtocolError, RateLimited,
                        Redirected, ServerError, SetError, StalwartError, TimedOut)
from app.http import Fetch, NetworkError, Response, Timeout
from app.vocab import Generation

CORE = "urn:ietf:params:jmap:core"
STALWART = "urn:stalwart:jmap"
MAIL = "urn:ietf:params:jmap:mail"


# ----- server address ---------------------------------------------------------------
def normalize_server(server: str) -> str:
    """What the user typed or a link carried (``mail.example.com``,
    ``https://Mail.Example.com/jmap``, ``mail.exаmple.com``) -> the canonical
    origin the browser will connect to (``app.origins.canonical``: host in
    ASCII, ``xn--…``), else ``InvalidInput`` for the server field: "use https"
    for plain http to another computer, "not a server address" otherwise."""
    try:
        return origins.canonical(server)
    except origins.OriginError as e:
        raise InvalidInput("ui.server.need_https" if e.plain_http else "err.input.server", "server") from None


def origin_of(url: str) -> str:
    """The origin of a URL the page requests (for messages): canonical when it
    is an http(s) URL, else the text itself."""
    return origins.origin_of(url) or url


def rebase(url: str, origin: str) -> str:
    """Put ``url``'s path (and query) onto ``origin``."""
    p = urlsplit(urljoin(origin + "/", url))
    o = urlsplit(origin)
    return urlunsplit((o.scheme, o.netloc, p.path or "/", p.query, ""))


# ----- HTTP ---------------------------------------------------------------------------
def headers_for(authorization: Optional[str], content_type: Optional[str] = None) -> dict:
    h = {"Accept": "application/json"}
    if authorization:
        h["Authorization"] = authorization
    if content_type:
        h["Content-Type"] = content_type
    return h


async def send(fetch: Fetch, method: str, url: str, headers: dict,
               body: Optional[bytes] = None, origin: Optional[str] = None,
               redirect_ok: bool = False) -> Response:
    """One HTTP exchange; a missing response becomes ``CannotReach``, a late
    one ``TimedOut``, a redirect ``Redirected`` (the transports follow none)
    unless the caller handles it itself (``redirect_ok``)."""
    try:
        resp = await fetch(method, url, headers, body)
    except Timeout as e:
        raise TimedOut(origin or origin_of(url), e.seconds) from None
    except NetworkError as e:
        raise CannotReach(origin or origin_of(url), e.detail) from None
    if not isinstance(resp, Response) and not hasattr(resp, "status"):
        raise ProtocolError("no HTTP response object")
    if not redirect_ok and getattr(resp, "is_redirect", False):
        raise redirected(resp, url, origin or origin_of(url))
    return resp


def redirected(resp: Response, url: str, origin: str) -> Redirected:
    """The error for a redirect answer: its status and the origin it points
    to, as far as the transport could see them (the browser shows neither)."""
    status = resp.status if 300 <= resp.status < 400 else None
    target = None
    location = resp.header("location").strip()
    if location:
        try:
            target = origin_of(urljoin(url, location)) or None
        except ValueError:
            target = None
    return Redirected(origin, status, target)


def _problem(resp: Response) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(type, title, detail) of an RFC 7807 body, or Nones."""
    try:
        data = resp.json()
    except (ValueError, UnicodeDecodeError):
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None

    def s(k: str) -> Optional[str]:
        v = data.get(k)
        return v if isinstance(v, str) and v else None
    return s("type"), s("title"), s("detail")


def raise_for_status(resp: Response, generation: Optional[Generation] = None) -> None:
    """Map a non-2xx HTTP answer to a typed error. ``generation`` is a hint
    used only when the 402 text is not recognisable."""
    st = resp.status
    if 200 <= st < 300:
        return
    ptype, title, detail = _problem(resp)
    text = detail or title
    if st == 401:
        raise AuthRequired(server_text=text, status=401)
    if st == 402:
        t = (title or "").lower()
        if "totp code required" in t or "secret$totp" in (detail or ""):
            gen = Generation.LEGACY
        elif "mfa code required" in t:
            gen = Generation.V016
        else:
            gen = generation or Generation.V016
        raise MfaRequired(gen, server_text=text)
    if st == 403:
        raise Forbidden(server_text=text, status=403)
    if st == 404:
        try:
            what = urlsplit(resp.url or "").path or "this address"
        except ValueError:
            what = "this address"
        raise EndpointNotFound(params={"what": what}, server_text=text, status=404)
    if st == 429:
        raise RateLimited(server_text=text)
    if 400 <= st < 500:
        raise BadRequest(st, ptype, server_text=text)
    if st >= 500:
        raise ServerError(params={"status": st}, server_text=text, status=st)
    raise ProtocolError(f"HTTP status {st}", server_text=text)


def parse_json(resp: Response) -> Any:
    try:
        return resp.json()
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("not JSON") from None


# ----- session ------------------------------------------------------------------------
@dataclass
class Session:
    origin: str                      # what the user typed, normalised; all calls go here
    api_url: str                     # apiUrl, rebased onto origin
    account_id: str
    username: str
    is_stalwart: bool                # account has urn:stalwart:jmap -> 0.16 registry API
    account_capabilities: dict = field(default_factory=dict)
    capabilities: dict = field(default_factory=dict)
    advertised_api_url: str = ""     # apiUrl as the server sent it
    download_url: str = ""           # downloadUrl template, rebased onto origin ("" if none)

    @property
    def generation(self) -> Generation:
        return Generation.V016 if self.is_stalwart else Generation.LEGACY

    @property
    def using(self) -> list[str]:
        # Never put urn:stalwart:jmap in `using` unless this account has it:
        # on 0.11-0.15 it fails the whole request with notRequest.
        return [CORE, STALWART] if self.is_stalwart else [CORE]


def parse_session(data: Any, origin: str) -> Session:
    """Parse an authenticated session document; any wrong shape -> ProtocolError."""
    if not isinstance(data, dict):
        raise ProtocolError("session is not an object")
    accounts = data.get("accounts")
    if not isinstance(accounts, dict):
        raise ProtocolError("session has no accounts")
    if not accounts:
        raise ProtocolError("session has no account", server_text=None)
    primary = data.get("primaryAccounts")
    primary = primary if isinstance(primary, dict) else {}
    account_id = None
    for cap in (STALWART, MAIL, CORE):
        cand = primary.get(cap)
        if isinstance(cand, str) and cand in accounts:
            account_id = cand
            break
    if account_id is None:
        personal = [k for k, v in accounts.items() if isinstance(v, dict) and v.get("isPersonal")]
        account_id = (personal or list(accounts))[0]
    acct = accounts.get(account_id)
    if not isinstance(acct, dict):
        raise ProtocolError("session account is not an object")
    acaps = acct.get("accountCapabilities")
    acaps = acaps if isinstance(acaps, dict) else {}
    api = data.get("apiUrl")
    if not isinstance(api, str) or not api.strip():
        raise ProtocolError("session has no apiUrl")
    try:
        api_url = rebase(api.strip(), origin)
    except ValueError:
        raise ProtocolError("session apiUrl is not a URL") from None
    username = data.get("username")
    if not isinstance(username, str) or not username:
        name = acct.get("name")
        username = name if isinstance(name, str) else ""
    caps = data.get("capabilities")
    dl = data.get("downloadUrl")
    try:
        download_url = rebase(dl.strip(), origin) if isinstance(dl, str) and dl.strip() else ""
    except ValueError:
        download_url = ""
    return Session(origin=origin, api_url=api_url, account_id=str(account_id),
                   username=username, is_stalwart=STALWART in acaps,
                   account_capabilities=acaps, capabilities=caps if isinstance(caps, dict) else {},
                   advertised_api_url=api, download_url=download_url)


def _is_anonymous(data: Any) -> bool:
    return isinstance(data, dict) and data.get("accounts") == {}


async def discover_session(server: str, authorization: str, fetch: Fetch) -> Session:
    """``GET {origin}/.well-known/jmap`` with Authorization, then the 307's
    target, ``/jmap/session``, asked here: the transports follow no redirect,
    and this one is followed onto the typed origin only (``rebase``; the
    browser hides the Location of a redirect it did not follow, so the
    contract's ``/jmap/session`` is asked then). A transport that did follow
    may have lost the header (anonymous session): ask ``/jmap/session``
    directly then. The session's apiUrl is always rebased onto the typed
    origin: Stalwart builds it from its configured public URL, not the request Host."""
    origin = normalize_server(server)
    hdrs = headers_for(authorization)
    resp = await send(fetch, "GET", origin + "/.well-known/jmap", hdrs, None, origin, redirect_ok=True)
    data: Any = None
    if getattr(resp, "is_redirect", False):
        try:
            target = rebase(resp.header("location") or "/jmap/session", origin)
        except ValueError:
            target = origin + "/jmap/session"
        resp = await send(fetch, "GET", target, hdrs, None, origin)
    if 200 <= resp.status < 300:
        data = parse_json(resp)
        if _is_anonymous(data):
            resp = await send(fetch, "GET", origin + "/jmap/session", hdrs, None, origin)
            data = None
    if data is None:
        raise_for_status(resp)
        data = parse_json(resp)
        if _is_anonymous(data):
            # We sent Authorization and still got the anonymous session.
            raise AuthRequired(status=200)
    return parse_session(data, origin)


async def diagnose_cannot_reach(err: CannotReach, fetch: Fetch) -> CannotReach:
    """After ``CannotReach``: Stalwart 0.16 always serves its OAuth metadata
    with ``Access-Control-Allow-Origin: *``. If that answers, the server is up
    and CORS is what blocks the page. One extra request, only on failure."""
    try:
        resp = await fetch("GET", err.origin + "/.well-known/oauth-authorization-server",
                           headers_for(None), None)
    except NetworkError:
        return err
    if getattr(resp, "status", 0):
        return CannotReach(err.origin, err.detail, cause="cors")
    return err


# ----- requests -----------------------------------------------------------------------
@dataclass
class Call:
    name: str
    args: dict
    call_id: str


class Responses:
    """The ``methodResponses`` of one request, by call id."""

    def __init__(self, items: list[tuple[str, dict, str]]):
        self.items = items
        self._by_id: dict[str, tuple[str, dict]] = {}
        for name, args, cid in items:
            self._by_id.setdefault(cid, (name, args))

    def error(self, call_id: str) -> Optional[MethodError]:
        got = self._by_id.get(call_id)
        if got is None:
            return None
        name, args = got
        if name != "error":
            return None
        et = args.get("type")
        desc = args.get("description")
        return MethodError(et if isinstance(et, str) else "unknown",
                           desc if isinstance(desc, str) else None, call_id=call_id)

    def get(self, call_id: str) -> dict:
        """The arguments of a call's response, or raise its MethodError."""
        if call_id not in self._by_id:
            raise ProtocolError(f"no response for call {call_id}")
        err = self.error(call_id)
        if err is not None:
            raise err
        return self._by_id[call_id][1]


def parse_responses(data: Any) -> Responses:
    if not isinstance(data, dict):
        raise ProtocolError("response is not an object")
    mr = data.get("methodResponses")
    if not isinstance(mr, list):
        raise ProtocolError("response has no methodResponses")
    items = []
    for inv in mr:
        if (not isinstance(inv, list) or len(inv) != 3 or not isinstance(inv[0], str)
                or not isinstance(inv[1], dict) or not isinstance(inv[2], str)):
            raise ProtocolError("malformed method response")
        items.append((inv[0], inv[1], inv[2]))
    return Responses(items)


def envelope(session: Session, calls: Sequence[Call]) -> dict:
    return {"using": session.using,
            "methodCalls": [[c.name, c.args, c.call_id] for c in calls]}


def make_calls(calls: Iterable) -> list[Call]:
    """Accept ``(name, args)`` or ``(name, args, call_id)``; ids default to c0, c1, …"""
    out = []
    for i, c in enumerate(calls):
        if isinstance(c, Call):
            out.append(c)
        elif len(c) == 3:
            out.append(Call(c[0], c[1], c[2]))
        else:
            out.append(Call(c[0], c[1], f"c{i}"))
    return out


async def post(session: Session, authorization: str, fetch: Fetch, calls: Iterable) -> Responses:
    """One JMAP request (one HTTP POST) with all ``calls`` batched."""
    body = json.dumps(envelope(session, make_calls(calls)), separators=(",", ":")).encode()
    resp = await send(fetch, "POST", session.api_url,
                      headers_for(authorization, "application/json"), body, session.origin)
    raise_for_status(resp, session.generation)
    return parse_responses(parse_json(resp))


# ----- /set results -------------------------------------------------------------------
def parse_set_error(v: Any, target: str = "") -> SetError:
    if not isinstance(v, dict):
        return SetError("unknown", target=target)
    et = v.get("type")
    desc = v.get("description")
    props = v.get("properties")
    vals = v.get("validationErrors")
    oid = v.get("objectId")
    ref = None
    if isinstance(oid, dict) and isinstance(oid.get("object"), str) and isinstance(oid.get("id"), str):
        ref = (oid["object"], oid["id"])
    return SetError(et if isinstance(et, str) else "unknown",
                    desc if isinstance(desc, str) else None,
                    [p for p in props if isinstance(p, (str, int))] if isinstance(props, list) else None,
                    vals if isinstance(vals, list) else None, target=target, object_id=ref)


@dataclass
class SetResult:
    created: dict[str, dict] = field(default_factory=dict)
    updated: dict[str, Any] = field(default_factory=dict)
    destroyed: list[str] = field(default_factory=list)
    not_created: dict[str, SetError] = field(default_factory=dict)
    not_updated: dict[str, SetError] = field(default_factory=dict)
    not_destroyed: dict[str, SetError] = field(default_factory=dict)

    def require_created(self, cid: str) -> dict:
        if cid in self.not_created:
            raise self.not_created[cid]
        got = self.created.get(cid)
        if not isinstance(got, dict):
            raise ProtocolError("create not confirmed")
        return got

    def require_updated(self, oid: str) -> None:
        if oid in self.not_updated:
            raise self.not_updated[oid]
        if oid not in self.updated:
            raise ProtocolError("update not confirmed")

    def require_destroyed(self, oid: str) -> None:
        if oid in self.not_destroyed:
            raise self.not_destroyed[oid]
        if oid not in self.destroyed:
            raise ProtocolError("destroy not confirmed")


def parse_set(args: Any) -> SetResult:
    if not isinstance(args, dict):
        raise ProtocolError("set response is not an object")
    r = SetResult()

    def obj(k: str) -> dict:
        v = args.get(k)
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise ProtocolError(f"{k} is not an object")
        return v
    r.created = {str(k): v for k, v in obj("created").items()}
    r.updated = dict(obj("updated"))
    d = args.get("destroyed")
    if d is not None and not isinstance(d, list):
        raise ProtocolError("destroyed is not a list")
    r.destroyed = [x for x in (d or []) if isinstance(x, str)]
    r.not_created = {k: parse_set_error(v, k) for k, v in obj("notCreated").items()}
    r.not_updated = {k: parse_set_error(v, k) for k, v in obj("notUpdated").items()}
    r.not_destroyed = {k: parse_set_error(v, k) for k, v in obj("notDestroyed").items()}
    return r


def get_list(args: Any) -> list[dict]:
    """``list`` of a /get response, objects only."""
    if not isinstance(args, dict):
        raise ProtocolError("get response is not an object")
    lst = args.get("list")
    if not isinstance(lst, list):
        raise ProtocolError("get response has no list")
    return [x for x in lst if isinstance(x, dict)]


__all__ = ["Session", "Call", "Responses", "SetResult", "normalize_server", "discover_session",
           "post", "parse_session", "parse_responses", "parse_set", "parse_set_error",
           "raise_for_status", "send", "headers_for", "envelope", "get_list", "StalwartError"]
