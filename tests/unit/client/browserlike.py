"""A ``Fetch`` that enforces CORS the way a browser does, over real HTTP.

CPython's HTTP client reads any answer; a page in a browser reads a
cross-origin answer only when the server allows the page's origin. This
wraps ``urllib_fetch`` so tests meet the same wall: every request to another
origin carries ``Origin``; one that is not "simple" (an ``Authorization``
header, a JSON body) is preceded by an ``OPTIONS`` preflight that must allow
the method and headers; and the answer must carry
``Access-Control-Allow-Origin`` equal to ``*`` or the page's origin.
Otherwise the call raises ``NetworkError``, as ``fetch`` rejects with a
``TypeError`` that says nothing more.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from app.http import NetworkError, urllib_fetch

SAFE_HEADERS = {"accept", "accept-language", "content-language"}
SAFE_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def _simple(method: str, headers: dict) -> bool:
    if method not in ("GET", "HEAD", "POST"):
        return False
    for k, v in headers.items():
        k = k.lower()
        if k == "content-type":
            if v.split(";")[0].strip().lower() not in SAFE_TYPES:
                return False
        elif k not in SAFE_HEADERS:
            return False
    return True


def _allowed(resp, page_origin: str) -> bool:
    got = resp.header("access-control-allow-origin")
    return got in ("*", page_origin)


def cors_fetch(page_origin: str, log: list | None = None):
    """A Fetch for a page served at ``page_origin``; ``log`` collects
    (method, url, blocked) for assertions."""

    async def fetch(method, url, headers, body=None, timeout=30.0):
        headers = dict(headers or {})
        if _origin(url) == page_origin:
            return await urllib_fetch(method, url, headers, body, timeout=timeout)
        if not _simple(method, headers):
            pre = await urllib_fetch("OPTIONS", url, {
                "Origin": page_origin, "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": ", ".join(sorted(
                    k.lower() for k in headers if k.lower() not in SAFE_HEADERS))}, None, timeout=timeout)
            allow = {h.strip().lower() for h in pre.header("access-control-allow-headers").split(",")}
            wanted = {k.lower() for k in headers if k.lower() not in SAFE_HEADERS}
            if not (200 <= pre.status < 300 and _allowed(pre, page_origin)
                    and (wanted <= allow or "*" in allow)):
                if log is not None:
                    log.append((method, url, True))
                raise NetworkError(url, "Failed to fetch")
        resp = await urllib_fetch(method, url, dict(headers, Origin=page_origin), body, timeout=timeout)
        blocked = not _allowed(resp, page_origin)
        if log is not None:
            log.append((method, url, blocked))
        if blocked:
            raise NetworkError(url, "Failed to fetch")
        return resp

    fetch.accepts_timeout = True
    return fetch
