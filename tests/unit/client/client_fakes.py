"""A scripted fake transport and canned server answers for the client unit tests."""
from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from app.http import NetworkError, Response

ORIGIN = "https://mail.example.com"
ALLOWED_HEADERS = {"Authorization", "Content-Type", "Accept"}


def run(coro):
    return asyncio.run(coro)


@dataclass
class Req:
    method: str
    url: str
    headers: dict
    body: Optional[bytes]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def json(self) -> Any:
        return json.loads(self.body.decode())

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    @property
    def calls(self) -> list:
        return self.json()["methodCalls"]

    def basic(self) -> tuple[str, str]:
        kind, _, val = self.headers["Authorization"].partition(" ")
        assert kind == "Basic"
        login, _, secret = base64.b64decode(val).decode().partition(":")
        return login, secret


def resp(status: int = 200, body: Any = None, headers: Optional[dict] = None,
         raw: Optional[bytes] = None, url: str = "") -> Response:
    b = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    h = {"content-type": "application/json"}
    h.update({k.lower(): v for k, v in (headers or {}).items()})
    return Response(status, h, b, url)


def problem(status: int, title: str, detail: str = "", type_: str = "about:blank") -> Response:
    return resp(status, {"type": type_, "status": status, "title": title, "detail": detail},
                {"content-type": "application/problem+json"})


class FakeTransport:
    """Routes (method, path) to queued answers; records every request and
    checks the CORS-safe header rule on each."""

    def __init__(self, default: Optional[Response] = None):
        self.routes: dict[tuple[str, str], list] = {}
        self.requests: list[Req] = []
        self.default = default  # answer for unrouted requests (else: test failure)

    def on(self, method: str, path: str, *answers) -> "FakeTransport":
        self.routes.setdefault((method, path), []).extend(answers)
        return self

    async def __call__(self, method, url, headers, body=None):
        headers = dict(headers or {})
        assert set(headers) <= ALLOWED_HEADERS, headers
        assert not any(k.lower() == "cookie" for k in headers)
        if body is not None:
            assert isinstance(body, bytes)
        req = Req(method, url, headers, body)
        self.requests.append(req)
        q = self.routes.get((method, req.path))
        if not q and self.default is not None:
            return self.default
        if not q:
            raise AssertionError(f"unexpected request {method} {url}")
        ans = q.pop(0) if len(q) > 1 else q[0]
        if callable(ans):
            ans = ans(req)
        if isinstance(ans, BaseException):
            raise ans
        if not ans.url:
            ans.url = url
        return ans

    def posts(self) -> list[Req]:
        return [r for r in self.requests if r.method == "POST"]

    def last(self) -> Req:
        return self.requests[-1]


def down(url: str = ORIGIN) -> NetworkError:
    return NetworkError(url, "TypeError: Failed to fetch")


# ----- sessions ----------------------------------------------------------------------------
def session(stalwart: bool = True, username: str = "alice@example.com",
            api_url: str = ORIGIN + "/jmap/") -> dict:
    caps = {"urn:ietf:params:jmap:mail": {}}
    if stalwart:
        caps["urn:stalwart:jmap"] = {}
    primary = {"urn:ietf:params:jmap:mail": "b"}
    if stalwart:
        primary["urn:stalwart:jmap"] = "b"
    return {"capabilities": {"urn:ietf:params:jmap:core": {"maxCallsInRequest": 16},
                             "urn:ietf:params:jmap:mail": {}},
            "accounts": {"b": {"name": username, "isPersonal": True, "isReadOnly": False,
                               "accountCapabilities": caps}},
            "primaryAccounts": primary, "username": username, "apiUrl": api_url,
            "downloadUrl": "", "uploadUrl": "", "eventSourceUrl": "", "state": "x"}


def with_session(t: FakeTransport, stalwart: bool = True, **kw) -> FakeTransport:
    """The transport follows the 307, so /.well-known/jmap answers with the session."""
    return t.on("GET", "/.well-known/jmap",
                lambda r: resp(200, session(stalwart, **kw), url=ORIGIN + "/jmap/session"))


def jmap_answer(handler: Callable[[str, dict, str], Any]) -> Callable[[Req], Response]:
    """Build a JMAP responder: handler(name, args, id) -> args dict, or
    ("error", {...}) for a method error."""
    def respond(req: Req) -> Response:
        out = []
        for name, args, cid in req.calls:
            got = handler(name, args, cid)
            if isinstance(got, tuple):
                out.append([got[0], got[1], cid])
            else:
                out.append([name, got, cid])
        return resp(200, {"methodResponses": out, "sessionState": "x"})
    return respond


def set_answer(**parts) -> Callable[[Req], Response]:
    """Answer every /set call with the given parts (created=..., notUpdated=...)."""
    return jmap_answer(lambda n, a, c: {"accountId": "b", **parts})


def method_error(type_: str, description: Optional[str] = None) -> Callable[[Req], Response]:
    err = {"type": type_}
    if description:
        err["description"] = description
    return jmap_answer(lambda n, a, c: ("error", err))


def find_empty_strings(obj: Any, path: str = "") -> list[str]:
    if obj == "":
        return [path or "<root>"]
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            if k == "":
                out.append(path + "/<empty key>")
            out += find_empty_strings(v, f"{path}/{k}")
        return out
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in find_empty_strings(v, f"{path}/{i}")]
    return []
