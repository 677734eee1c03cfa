"""The injected transport: an async ``fetch``-like callable and its result.

The logic modules never open sockets themselves. They take a ``Fetch``:

    async def fetch(method: str, url: str, headers: dict[str, str],
                    body: bytes | None = None) -> Response

It does not follow redirects: a redirect is returned as the answer
(``Response.is_redirect``; the browser hides its status and target,
``Response.opaque_redirect``), so a request that carries a password, a token
or a code is never sent on to wherever a server points (``app.jmap.send``
turns it into ``app.errors.Redirected``). It raises ``NetworkError`` when no
HTTP response arrived at all (server down, DNS, CORS or CSP refusal: the
browser cannot tell these apart, so neither can we), and ``Timeout`` (a
``NetworkError``) when the answer did not arrive in time.

Two implementations live here: ``browser_fetch`` (Pyodide, ``js.fetch`` with
``credentials: "omit"`` and ``redirect: "manual"``, aborted by an
``AbortSignal`` after ``timeout`` seconds) and ``urllib_fetch`` (CPython, for
tests and the CLI; the socket timeout; no redirect handler). Both take
``timeout=`` (default ``DEFAULT_TIMEOUT``) and ``follow_redirects=`` (False;
only the page's own ``config.json`` is read with True);
``with_timeout(fetch, seconds)`` binds another limit to any ``Fetch`` (tests
inject short ones), so a stalled server never leaves a form busy forever.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional


class NetworkError(Exception):
    """No HTTP response at all: offline, refused, or blocked by CORS/CSP."""

    def __init__(self, url: str, detail: str = ""):
        super().__init__(f"no response from {url}" + (f": {detail}" if detail else ""))
        self.url = url
        self.detail = detail


DEFAULT_TIMEOUT = 30.0
"""Seconds a request may take, answer included, before it counts as lost."""


class Timeout(NetworkError):
    """No complete answer within ``seconds``. The request may still have
    reached the server (and a change may have been applied)."""

    def __init__(self, url: str, seconds: float):
        super().__init__(url, f"no answer within {seconds:g} s")
        self.seconds = seconds


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    url: str = ""  # the URL asked (the final one only where redirects were followed)
    # The browser's answer to a redirect it did not follow ("opaqueredirect"):
    # status 0, no headers; where it pointed and with which status is hidden.
    opaque_redirect: bool = False

    @property
    def is_redirect(self) -> bool:
        """A redirect answer (3xx but 304, or the browser's opaque one)."""
        return self.opaque_redirect or (300 <= self.status < 400 and self.status != 304)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """Parse the body as JSON; raises ``ValueError`` on anything else."""
        return json.loads(self.body.decode("utf-8"))


Fetch = Callable[[str, str, dict, Optional[bytes]], Awaitable[Response]]


def _is_timeout(e: BaseException) -> bool:
    reason = getattr(e, "reason", e)
    return isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason)


def _opener(follow_redirects: bool):
    """urllib's opener; without ``follow_redirects`` its redirect handler
    declines, so a 3xx reaches the caller as the answer."""
    import urllib.request
    if follow_redirects:
        return urllib.request.build_opener()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            return None  # urllib then raises HTTPError(3xx), returned below as the Response

    return urllib.request.build_opener(NoRedirect())


async def urllib_fetch(method: str, url: str, headers: dict | None = None,
                       body: bytes | None = None, timeout: float = DEFAULT_TIMEOUT,
                       follow_redirects: bool = False) -> Response:
    """CPython transport. Runs urllib in a thread so the caller stays async.
    ``timeout`` is urllib's socket timeout (per blocking operation); the
    ``wait_for`` around it bounds the whole exchange. A redirect is the
    answer (``Response.is_redirect``) unless ``follow_redirects``."""
    import urllib.error
    import urllib.request

    opener = _opener(follow_redirects)

    def call() -> Response:
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            with opener.open(req, timeout=timeout) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()},
                                r.read(), r.geturl())
        except urllib.error.HTTPError as e:
            try:
                data = e.read()
            except OSError as inner:  # the error body stalled or broke off
                if _is_timeout(inner):
                    raise Timeout(url, timeout) from None
                raise NetworkError(url, str(inner)) from None
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()},
                            data, e.geturl())
        except (urllib.error.URLError, OSError, ValueError) as e:
            if _is_timeout(e):
                raise Timeout(url, timeout) from None
            raise NetworkError(url, str(getattr(e, "reason", e))) from None

    try:
        # The thread cannot be cancelled; the socket timeout ends it soon after.
        return await asyncio.wait_for(asyncio.to_thread(call), timeout + 1.0)
    except asyncio.TimeoutError:
        raise Timeout(url, timeout) from None


urllib_fetch.accepts_timeout = True  # type: ignore[attr-defined]


async def browser_fetch(method: str, url: str, headers: dict | None = None,
                        body: bytes | None = None, timeout: float = DEFAULT_TIMEOUT,
                        follow_redirects: bool = False) -> Response:
    """Pyodide transport: the browser's fetch, no cookies, CORS mode, aborted
    (headers or body still in flight) after ``timeout`` seconds. A redirect is
    not followed (``redirect: "manual"``): Chromium would send a POST's body,
    the password in it, on to the other address (307/308), after a preflight
    there. Its answer is opaque (status 0, ``Response.opaque_redirect``)."""
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import to_js  # type: ignore[import-not-found]

    init: dict[str, Any] = {"method": method, "headers": dict(headers or {}),
                            "credentials": "omit", "mode": "cors", "cache": "no-store",
                            "redirect": "follow" if follow_redirects else "manual"}
    if body is not None:
        init["body"] = body.decode("utf-8")
    # AbortSignal.timeout aborts the request itself (not only our wait for it):
    # the browser frees the connection and rejects with a "TimeoutError".
    init["signal"] = js.AbortSignal.timeout(max(1, int(timeout * 1000)))
    started = time.monotonic()

    def lost(e: Exception) -> NetworkError:
        text = str(e)
        if "TimeoutError" in text or "AbortError" in text or \
                time.monotonic() - started >= timeout - 0.05:
            return Timeout(url, timeout)
        return NetworkError(url, text)  # a JS TypeError: the browser gives no detail on purpose

    try:
        r = await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
        if str(r.type) == "opaqueredirect":
            return Response(0, {}, b"", url, opaque_redirect=True)
        hdrs: dict[str, str] = {}
        for pair in r.headers.entries():
            hdrs[str(pair[0]).lower()] = str(pair[1])
        buf = await r.arrayBuffer()
    except Exception as e:
        raise lost(e) from None
    return Response(int(r.status), hdrs, bytes(buf.to_py()), str(r.url))


browser_fetch.accepts_timeout = True  # type: ignore[attr-defined]


def with_timeout(fetch: "Fetch", seconds: float = DEFAULT_TIMEOUT) -> "Fetch":
    """``fetch`` with a limit of ``seconds`` for each exchange: passed on to
    the transports above (which then abort the request itself), and enforced
    around any other ``Fetch`` (test transports) by cancelling the wait."""
    inner = getattr(fetch, "wrapped_fetch", fetch)
    native = getattr(inner, "accepts_timeout", False)

    async def timed(method: str, url: str, headers: dict, body: Optional[bytes] = None) -> Response:
        call = inner(method, url, headers, body, timeout=seconds) if native \
            else inner(method, url, headers, body)
        try:
            return await asyncio.wait_for(call, seconds + (1.0 if native else 0.0))
        except asyncio.TimeoutError:
            raise Timeout(url, seconds) from None

    timed.wrapped_fetch = inner  # type: ignore[attr-defined]
    timed.timeout = seconds  # type: ignore[attr-defined]
    return timed
