"""The injected transport: an async ``fetch``-like callable and its result.

The logic modules never open sockets themselves. They take a ``Fetch``:

    async def fetch(method: str, url: str, headers: dict[str, str],
                    body: bytes | None = None) -> Response

It follows redirects (like the browser's fetch) and raises ``NetworkError``
when no HTTP response arrived at all (server down, DNS, CORS or CSP refusal:
the browser cannot tell these apart, so neither can we).

Two implementations live here: ``browser_fetch`` (Pyodide, ``js.fetch`` with
``credentials: "omit"``) and ``urllib_fetch`` (CPython, for tests and the CLI).
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional


class NetworkError(Exception):
    """No HTTP response at all: offline, refused, or blocked by CORS/CSP."""

    def __init__(self, url: str, detail: str = ""):
        super().__init__(f"no response from {url}" + (f": {detail}" if detail else ""))
        self.url = url
        self.detail = detail


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    url: str = ""  # final URL after redirects

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """Parse the body as JSON; raises ``ValueError`` on anything else."""
        return json.loads(self.body.decode("utf-8"))


Fetch = Callable[[str, str, dict, Optional[bytes]], Awaitable[Response]]


async def urllib_fetch(method: str, url: str, headers: dict | None = None,
                       body: bytes | None = None, timeout: float = 15.0) -> Response:
    """CPython transport. Runs urllib in a thread so the caller stays async."""
    import urllib.error
    import urllib.request

    def call() -> Response:
        req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, {k.lower(): v for k, v in r.headers.items()},
                                r.read(), r.geturl())
        except urllib.error.HTTPError as e:
            return Response(e.code, {k.lower(): v for k, v in e.headers.items()},
                            e.read(), e.geturl())
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise NetworkError(url, str(getattr(e, "reason", e))) from None

    return await asyncio.to_thread(call)


async def browser_fetch(method: str, url: str, headers: dict | None = None,
                        body: bytes | None = None) -> Response:
    """Pyodide transport: the browser's fetch, no cookies, CORS mode."""
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import to_js  # type: ignore[import-not-found]

    init: dict[str, Any] = {"method": method, "headers": dict(headers or {}),
                            "credentials": "omit", "mode": "cors", "cache": "no-store",
                            "redirect": "follow"}
    if body is not None:
        init["body"] = body.decode("utf-8")
    try:
        r = await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
    except Exception as e:  # a JS TypeError: the browser gives no detail on purpose
        raise NetworkError(url, str(e)) from None
    hdrs: dict[str, str] = {}
    for pair in r.headers.entries():
        hdrs[str(pair[0]).lower()] = str(pair[1])
    buf = await r.arrayBuffer()
    return Response(int(r.status), hdrs, bytes(buf.to_py()), str(r.url))
