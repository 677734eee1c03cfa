"""Request/response values and the problem+json bodies of docs/stalwart-contract.md."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import parse_qs

REALM_HEADERS = [
    ("WWW-Authenticate", 'Bearer realm="Stalwart Server", resource_metadata="/.well-known/oauth-protected-resource"'),
    ("WWW-Authenticate", 'Basic realm="Stalwart Server"'),
]
# 0.15.5: no resource_metadata (there is no protected-resource document).
REALM_HEADERS_LEGACY = [
    ("WWW-Authenticate", 'Bearer realm="Stalwart Server"'),
    ("WWW-Authenticate", 'Basic realm="Stalwart Server"'),
]
JSON = "application/json; charset=utf-8"  # every JSON answer, both generations
CORS_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-Requested-With"),
    ("Access-Control-Allow-Methods", "POST, GET, PATCH, PUT, DELETE, HEAD, OPTIONS"),
]


@dataclass
class Request:
    method: str
    path: str
    query: dict          # name -> first value
    headers: dict        # lower-case name -> value
    body: bytes
    client_ip: str

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list = field(default_factory=list)
    content_type: Optional[str] = None
    always_cors: bool = False     # discovery docs: ACAO * even when CORS is off


class HttpError(Exception):
    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def json_response(obj, status: int = 200, content_type: str = JSON, headers=None) -> Response:
    return Response(status, json.dumps(obj).encode(), list(headers or []), content_type)


def problem(status: int, title: str, detail: str, type_: str = "about:blank", headers=None) -> Response:
    return json_response({"type": type_, "status": status, "title": title, "detail": detail}, status,
                         "application/problem+json", headers)


def unauthorized(headers=REALM_HEADERS) -> Response:
    return problem(401, "Unauthorized", "You have to authenticate first.", headers=headers)


def unauthorized_for(srv, path: str) -> Response:
    """The 401 a failed authentication gets where it happened: legacy ``/api/*``
    sends no WWW-Authenticate at all, other legacy paths omit resource_metadata
    (both seen on 0.15.5)."""
    if not srv.legacy:
        return unauthorized()
    if path.startswith("/api/"):
        return unauthorized(headers=[])
    return unauthorized(headers=REALM_HEADERS_LEGACY)


def too_many_auth(retry_after: int = 30) -> Response:
    return problem(429, "Too Many Authentication Attempts",
                   "Your request has been blocked due to too many failed authentication attempts.",
                   headers=[("Retry-After", str(retry_after))])


def forbidden() -> Response:
    return problem(403, "Forbidden", "You do not have enough permissions to access this resource.")


def mfa_required_016() -> Response:
    return problem(402, "MFA code required",
                   "This account requires multi-factor authentication. Alternatively, you can use an "
                   "app password if your account has one.")


def totp_required_legacy() -> Response:
    return problem(402, "TOTP code required",
                   "A TOTP code is required to authenticate this account. Try authenticating again "
                   "using 'secret$totp_token'.")


def not_found() -> Response:
    return problem(404, "Not Found", "The requested resource does not exist on this server.")


def bad_params(detail: str = "One or multiple parameters could not be parsed.") -> Response:
    return problem(400, "Invalid parameters", detail)


JSON_FAILED = "JSON deserialization failed"  # detail of a body that does not parse (seen on 0.15.5)


def html(body: str, status: int = 200) -> Response:
    return Response(status, body.encode(), [("Cache-Control", "no-store")], "text/html; charset=utf-8")
