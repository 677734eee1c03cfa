"""JMAP session and request envelope (docs/stalwart-contract.md §2.1, §2.4, §1 for legacy)."""
from __future__ import annotations

import json

from . import http as H
from . import registry
from . import sieve as S
from .auth import authenticate

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
STALWART = "urn:stalwart:jmap"
KNOWN_CAPS = {
    CORE, MAIL, "urn:ietf:params:jmap:submission", "urn:ietf:params:jmap:vacationresponse",
    "urn:ietf:params:jmap:contacts", "urn:ietf:params:jmap:calendars", "urn:ietf:params:jmap:websocket",
    "urn:ietf:params:jmap:sieve", "urn:ietf:params:jmap:blob", "urn:ietf:params:jmap:quota",
    "urn:ietf:params:jmap:principals",
}

CORE_CAP = {
    "maxSizeUpload": 50000000, "maxConcurrentUpload": 4, "maxSizeRequest": 10000000,
    "maxConcurrentRequests": 4, "maxCallsInRequest": 16, "maxObjectsInGet": 500,
    "maxObjectsInSet": 500, "collationAlgorithms": ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"],
}
MAIL_ACCOUNT_CAP = {
    "maxMailboxesPerEmail": None, "maxMailboxDepth": 10, "maxSizeMailboxName": 255,
    "maxSizeAttachmentsPerEmail": 50000000, "emailQuerySortOptions": ["receivedAt", "size", "subject"],
    "mayCreateTopLevelMailbox": True,
}


def session(srv, req: H.Request) -> H.Response:
    ctx = authenticate(srv, req, required=False)
    base = srv.public_base
    ws = "wss://" + base.split("://", 1)[-1] if base.startswith("https") else "ws://" + base.split("://", 1)[-1]
    doc = {
        "capabilities": {CORE: CORE_CAP, MAIL: {},
                         "urn:ietf:params:jmap:submission": {},
                         "urn:ietf:params:jmap:websocket": {"url": ws + "/jmap/ws", "supportsPush": True},
                         **S.SESSION_CAPABILITIES},
        "accounts": {},
        "primaryAccounts": {},
        "username": "",
        "apiUrl": base + "/jmap/",
        "downloadUrl": base + "/jmap/download/{accountId}/{blobId}/{name}?accept={type}",
        "uploadUrl": base + "/jmap/upload/{accountId}/",
        "eventSourceUrl": base + "/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}",
        "state": "s0",
    }
    if ctx is not None:
        acct = ctx.account
        # Sieve, VacationResponse, Blob and Identity each behind a permission (§7.1)
        caps = {MAIL: MAIL_ACCOUNT_CAP, **S.account_capabilities(srv, ctx.permissions)}
        if not srv.legacy:
            caps[STALWART] = {}
        doc["accounts"] = {acct.jmap_id: {"name": acct.login, "isPersonal": True, "isReadOnly": False,
                                          "accountCapabilities": caps}}
        doc["primaryAccounts"] = {cap: acct.jmap_id for cap in caps}
        if not srv.legacy:
            doc["primaryAccounts"][STALWART] = acct.jmap_id
        doc["username"] = acct.login
        doc["state"] = f"s{acct.credential_version}"
    return H.json_response(doc, headers=[("Cache-Control", "no-store")])


def _not_request(detail: str) -> H.Response:
    return H.problem(400, "Invalid JMAP request", detail, "urn:ietf:params:jmap:error:notRequest")


def _not_json(detail: str) -> H.Response:
    return H.problem(400, "Unable to parse request", detail, "urn:ietf:params:jmap:error:notJSON")


def api(srv, req: H.Request) -> H.Response:
    ctx = authenticate(srv, req)
    ctype = req.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "application/json":
        return _not_json("Invalid content type, expected application/json.")
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return _not_json(f"Failed to parse request: {e}")
    if not isinstance(body, dict) or not isinstance(body.get("using"), list) \
            or not isinstance(body.get("methodCalls"), list):
        return _not_request("Failed to parse request: missing or invalid 'using' or 'methodCalls'.")
    known = KNOWN_CAPS if srv.legacy else KNOWN_CAPS | {STALWART}
    for uri in body["using"]:
        if not isinstance(uri, str) or uri not in known:
            return _not_request(f"Failed to parse request: Unknown capability {json.dumps(uri)}.")
    calls = body["methodCalls"]
    if len(calls) > CORE_CAP["maxCallsInRequest"]:
        return H.problem(400, "Request limit", "Too many calls in request.", "urn:ietf:params:jmap:error:limit")
    for c in calls:
        if not (isinstance(c, list) and len(c) == 3 and isinstance(c[0], str) and isinstance(c[1], dict)
                and isinstance(c[2], str)):
            return _not_request("Failed to parse request: invalid method call.")
    using = set(body["using"])
    responses = []
    created_ids = dict(body["createdIds"]) if isinstance(body.get("createdIds"), dict) else {}
    for name, args, call_id in calls:
        try:
            args = _resolve_refs(args, responses)
            if name.startswith("x:") and name.endswith("/set") and not srv.legacy:
                args = registry.resolve_creation_refs(args, created_ids,
                                                      getattr(srv, "resolves_public_key_refs", True))
        except ValueError as e:
            responses.append(["error", {"type": "invalidResultReference", "description": str(e)}, call_id])
            continue
        res = _call(srv, ctx, using, name, args, call_id)
        responses.append(res)
        if res[0].endswith("/set") and isinstance(res[1].get("created"), dict):
            created_ids.update({k: v["id"] for k, v in res[1]["created"].items()
                                if isinstance(v, dict) and isinstance(v.get("id"), str)})
    out = {"methodResponses": responses, "sessionState": f"s{ctx.account.credential_version}"}
    if isinstance(body.get("createdIds"), dict):
        out["createdIds"] = created_ids
    return H.json_response(out)


def _call(srv, ctx, using, name, args, call_id):
    if name == "Core/echo":
        if CORE not in using:
            return _unknown(name, call_id)
        return ["Core/echo", args, call_id]
    if name.startswith("x:"):
        if srv.legacy:
            return _unknown(name, call_id)
        with srv.lock:
            res = registry.dispatch(srv, ctx, name, args)
        if res[0] == "error":
            return ["error", res[1], call_id]
        return [name, res[1], call_id]
    with srv.lock:
        res = S.dispatch(srv, ctx, using, name, args)
    if res is not None:
        return ["error", res[1], call_id] if res[0] == "error" else [name, res[1], call_id]
    # Other standard mail/calendar methods are outside this fake's scope.
    return _unknown(name, call_id)


def _unknown(name, call_id):
    # The description is the method name (seen on 0.16.18; the 0.15.5 parser does the same).
    return ["error", {"type": "unknownMethod", "description": name}, call_id]


def _pointer(value, path: str):
    if not isinstance(path, str):
        raise ValueError("Invalid path")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")] if path.strip("/") else []

    def walk(v, ps):
        if not ps:
            return v
        p, rest = ps[0], ps[1:]
        if p == "*" and isinstance(v, list):
            out = []
            for item in v:
                r = walk(item, rest)
                out.extend(r if isinstance(r, list) else [r])
            return out
        if isinstance(v, dict) and p in v:
            return walk(v[p], rest)
        if isinstance(v, list) and p.isdigit() and int(p) < len(v):
            return walk(v[int(p)], rest)
        raise ValueError(f"Invalid path {path}")
    return walk(value, parts)


def _resolve_refs(args: dict, responses: list) -> dict:
    out = {}
    for k, v in args.items():
        if k.startswith("#"):
            if not isinstance(v, dict):
                raise ValueError("Invalid result reference")
            src = next((r for r in responses if r[2] == v.get("resultOf") and r[0] == v.get("name")), None)
            if src is None:
                raise ValueError("Result reference not found")
            out[k[1:]] = _pointer(src[1], v.get("path", ""))
        else:
            out[k] = v
    return out
