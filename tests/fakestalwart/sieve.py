"""JMAP for Sieve, VacationResponse, Blob/get, Identity/get, and the blob
download/upload routes (docs/stalwart-contract.md §7), both generations.

Every method function returns ("ok", args) or ("error", method-error-object)
and is called with `srv.lock` held.
"""
from __future__ import annotations

import base64
import hashlib

from . import http as H
from .auth import authenticate
from .model import SINGLETON, Account, SieveScript, add_script, decode_id, encode_id, set_vacation

SIEVE = "urn:ietf:params:jmap:sieve"
VACATION = "urn:ietf:params:jmap:vacationresponse"
BLOB = "urn:ietf:params:jmap:blob"
SUBMISSION = "urn:ietf:params:jmap:submission"
NOT_AUTHORIZED = "You are not authorized to perform this action"

# Method object -> the capability its calls need in `using` (0.16 checks it, §7.1).
CAPABILITY = {"SieveScript": SIEVE, "VacationResponse": VACATION, "Blob": BLOB, "Identity": SUBMISSION}

# The default 0.16 Sieve account capability (tests/src/jmap/principal/get.rs at v0.16.18).
SIEVE_EXTENSIONS = [
    "body", "comparator-elbonia", "comparator-i;ascii-casemap", "comparator-i;ascii-numeric",
    "comparator-i;octet", "convert", "copy", "date", "duplicate", "editheader", "enclose",
    "encoded-character", "enotify", "envelope", "envelope-deliverby", "envelope-dsn", "environment",
    "ereject", "extlists", "extracttext", "fcc", "fileinto", "foreverypart", "ihave", "imap4flags",
    "imapsieve", "include", "index", "mailbox", "mailboxid", "mboxmetadata", "mime",
    "redirect-deliverby", "redirect-dsn", "regex", "reject", "relational", "replace",
    "servermetadata", "spamtest", "spamtestplus", "special-use", "subaddress", "vacation",
    "vacation-seconds", "variables", "virustest"]


def sieve_account_capability(legacy: bool) -> dict:
    return {"maxSizeScriptName": 512, "maxSizeScript": 1048576 if legacy else 102400,
            "maxNumberScripts": 100, "maxNumberRedirects": 1, "sieveExtensions": list(SIEVE_EXTENSIONS),
            "notificationMethods": ["mailto"], "externalLists": None}


BLOB_ACCOUNT_CAPABILITY = {"maxSizeBlobSet": 7499488, "maxDataSources": 16,
                           "supportedTypeNames": ["Email", "Thread", "SieveScript"],
                           "supportedDigestAlgorithms": ["sha", "sha-256", "sha-512"]}


def perm(srv, name: str) -> str:
    """0.16 camelCase permission name -> the legacy kebab-case one."""
    if not srv.legacy:
        return name
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def account_capabilities(srv, perms: set) -> dict:
    """The session's capabilities for these credentials (§7.1: each behind a permission)."""
    caps = {}
    sub = "jmapEmailSubmissionSet" if srv.legacy else "jmapEmailSubmissionCreate"
    if perm(srv, sub) in perms:
        caps[SUBMISSION] = {"maxDelayedSend": 2592000, "submissionExtensions": {}}
    if perm(srv, "jmapVacationResponseGet") in perms:
        caps[VACATION] = {}
    if perm(srv, "jmapSieveScriptGet") in perms:
        caps[SIEVE] = sieve_account_capability(srv.legacy)
    if perm(srv, "jmapBlobGet") in perms:
        caps[BLOB] = dict(BLOB_ACCOUNT_CAPABILITY)
    return caps


SESSION_CAPABILITIES = {SIEVE: {"implementation": "Stalwart v1.0.0"}, VACATION: {}, BLOB: {}}


# --- helpers ------------------------------------------------------------------------

def _merr(type_: str, description=None) -> tuple:
    e = {"type": type_}
    if description is not None:
        e["description"] = description
    return ("error", e)


def _se(type_: str, description=None, **extra) -> dict:
    e = {"type": type_}
    if description is not None:
        e["description"] = description
    e.update(extra)
    return e


def state(acct: Account) -> str:
    return encode_id(acct.sieve_changes)


def blob_id(acct: Account, sc: SieveScript) -> str:
    """Opaque and URL-safe; it changes with the text (like Stalwart's hash-based ids)."""
    digest = hashlib.sha256(sc.text).hexdigest()[:24]
    return f"S{digest}{acct.jmap_id}x{encode_id(sc.id)}"


def find_blob(acct: Account, bid: str):
    for sc in acct.scripts.values():
        if blob_id(acct, sc) == bid:
            return sc.text
    return acct.blobs.get(bid)


def _by_name(acct: Account, name: str):
    return next((s for s in acct.scripts.values() if s.name == name), None)


def _vacation_script(acct: Account):
    return next((s for s in acct.scripts.values() if s.name.lower() == "vacation"), None)


def _needs(srv, ctx, name: str):
    if perm(srv, name) not in ctx.permissions:
        return _merr("forbidden", NOT_AUTHORIZED)
    return None


def _own_account(ctx, args):
    a = args.get("accountId")
    if isinstance(a, str) and decode_id(a) is not None and decode_id(a) != ctx.account.id:
        return _merr("forbidden", f"You are not an owner of account {a}")
    return None


# --- dispatch ---------------------------------------------------------------------------

def dispatch(srv, ctx, using: set, name: str, args: dict):
    """None when `name` is not one of these methods."""
    obj, _, method = name.partition("/")
    fn = HANDLERS.get((obj, method))
    if fn is None:
        return None
    cap = CAPABILITY[obj]
    if not srv.legacy and cap not in using:
        return _merr("unknownMethod", f"Method {name} requires capability {cap} which is not present "
                                      f"in the \"using\" property.")
    return _own_account(ctx, args) or fn(srv, ctx, args)


def sieve_get(srv, ctx, args):
    err = _needs(srv, ctx, "jmapSieveScriptGet")
    if err:
        return err
    acct = ctx.account
    items = {encode_id(s.id): {"id": encode_id(s.id), "name": s.name, "blobId": blob_id(acct, s),
                               "isActive": acct.active_script == s.id}
             for s in sorted(acct.scripts.values(), key=lambda s: s.id)}
    return _get(acct, items, args, state(acct))


def _get(acct, items: dict, args: dict, st) -> tuple:
    ids = args.get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        return _merr("invalidArguments", "Invalid 'ids' argument")
    props = args.get("properties")
    found, not_found = [], []
    for i in (list(items) if ids is None else ids):
        if i in items:
            o = dict(items[i])
            if isinstance(props, list):
                o = {k: v for k, v in o.items() if k in props or k == "id"}
            found.append(o)
        else:
            not_found.append(i)
    out = {"accountId": acct.jmap_id, "list": found, "notFound": not_found}
    if st is not None:
        out["state"] = st
    return ("ok", out)


def _set_permission(srv, ctx, args):
    if srv.legacy:
        return _needs(srv, ctx, "jmapSieveScriptSet")
    slots = {op: f"jmapSieveScript{op.capitalize()}" for op in ("create", "update", "destroy")}
    held = {op for op, p in slots.items() if p in ctx.permissions}
    if len(held) == 3:
        return None
    if not held:
        return _merr("forbidden", "You are not authorized to create, update or destroy objects of this type")
    for op in ("create", "update", "destroy"):
        if args.get(op) and op not in held:
            return _merr("forbidden", f"You are not authorized to {op} objects of this type")
    return None


def _check_state(acct, args):
    want = args.get("ifInState")
    if want is not None and want != state(acct):
        return _merr("stateMismatch")
    return None


def _apply_patch(srv, acct, patch: dict, current):
    """(name, text or None, is_active or None) or a SetError (§7.2, ``sieve_set_item``)."""
    if current is not None and current.name.lower() == "vacation":
        return _se("forbidden", "The 'vacation' script cannot be modified, use VacationResponse/set instead.")
    name, text, active = (current.name if current else None), None, None
    for key, value in patch.items():
        if key == "name" and isinstance(value, str):
            if len(value) > 512:
                return _se("invalidProperties", "Script name is too long.", properties=["name"])
            if value.lower() == "vacation":
                return _se("forbidden", "The 'vacation' name is reserved, please use a different name.",
                           properties=["name"])
            other = _by_name(acct, value)
            if other is not None and other is not current:
                return _se("alreadyExists", f"A sieve script with name '{value}' already exists.",
                           existingId=encode_id(other.id))
            name = value
        elif key == "name" and value is None:
            continue
        elif key == "blobId" and isinstance(value, str):
            if current is not None and value == blob_id(acct, current):
                continue
            data = find_blob(acct, value)
            if data is None:
                return _se("blobNotFound", "Blob does not exist.", properties=["blobId"])
            problem = compile_problem(data)
            if problem:
                return _se("invalidScript", problem)
            text = data
        elif key == "isActive" and isinstance(value, bool) and not srv.legacy:
            active = value  # 0.16 "non-standard script activation"; 0.15.5 refuses it
        elif key == "id" and not srv.legacy and current is not None and value == encode_id(current.id):
            continue
        elif key == "id" and not srv.legacy:
            return _se("invalidProperties", "The id property is immutable.", properties=["id"])
        else:
            return _se("invalidProperties", "Invalid property or value.", properties=[key])
    if current is None and text is None:
        return _se("invalidProperties", "Missing blobId.", properties=["blobId"])
    return name, text, active


def compile_problem(data: bytes):
    """The fake's stand-in for Stalwart's Sieve compiler: sievelib (a different
    parser than the server's sieve-rs; see README). None when it compiles."""
    try:
        from sievelib.parser import Parser
    except ImportError:  # the demo without sievelib: accept, as nothing checks here
        return None
    p = Parser()
    try:
        ok = p.parse(data)
    except Exception as e:  # noqa: BLE001 - a parser bug is an invalid script here
        return str(e) or type(e).__name__
    if ok and getattr(p, "_Parser__curcommand", None) is not None:  # sievelib drops a last
        return "Unexpected end of script."                            # command without ";"
    return None if ok else (p.error or "Invalid script")


def sieve_set(srv, ctx, args):
    err = _set_permission(srv, ctx, args) or _check_state(ctx.account, args)
    if err:
        return err
    acct = ctx.account
    old = state(acct)
    out = {"accountId": acct.jmap_id, "oldState": old}
    created, not_created, updated, not_updated, destroyed, not_destroyed = {}, {}, {}, {}, [], {}
    activations = []
    activate = args.get("onSuccessActivateScript")
    if isinstance(activate, str) and not activate.startswith("#") and decode_id(activate) not in acct.scripts:
        activate = None  # an unknown id is silently ignored (§7.2)
    for cid, patch in (args.get("create") or {}).items():
        if len(acct.scripts) >= 100:
            not_created[cid] = _se("overQuota", "There are too many sieve scripts, please delete some "
                                                "before adding a new one.")
            continue
        res = _apply_patch(srv, acct, patch if isinstance(patch, dict) else {}, None)
        if isinstance(res, dict):
            not_created[cid] = res
            continue
        name, text, active = res
        sc = add_script(acct, name or f"script{len(acct.scripts) + 1}", text)
        entry = {"id": encode_id(sc.id), "blobId": blob_id(acct, sc)}
        if activate == "#" + cid:
            activate = encode_id(sc.id)
            entry["isActive"] = True
        if active is not None:
            activations.append((sc.id, active))
        created[cid] = entry
    for oid, patch in (args.get("update") or {}).items():
        n = decode_id(oid)
        sc = acct.scripts.get(n) if n is not None else None
        if sc is None:
            not_updated[oid] = _se("notFound")
            continue
        res = _apply_patch(srv, acct, patch if isinstance(patch, dict) else {}, sc)
        if isinstance(res, dict):
            not_updated[oid] = res
            continue
        name, text, active = res
        sc.name = name
        entry = {}
        if text is not None:
            sc.text = text
            entry["blobId"] = blob_id(acct, sc)
        if active is not None:
            activations.append((sc.id, active))
        if activate == oid:
            entry["isActive"] = True
        updated[oid] = entry or None
    for oid in (args.get("destroy") or []):
        n = decode_id(oid)
        if n is None or n not in acct.scripts:
            not_destroyed[oid] = _se("notFound")
        elif acct.active_script == n:
            not_destroyed[oid] = _se("scriptIsActive", "Deactivate Sieve script before deletion.")
        else:
            del acct.scripts[n]
            destroyed.append(oid)
    deactivate = args.get("onSuccessDeactivateScript") is True
    if len(activations) == 1:
        n, on = activations[0]
        if on and activate is None and acct.active_script != n:
            activate = encode_id(n)
        elif not on and not deactivate and acct.active_script == n:
            deactivate = True
    changed = bool(created or updated or destroyed)
    if not (not_created or not_updated or not_destroyed):
        if isinstance(activate, str) and decode_id(activate) in acct.scripts:
            changed |= acct.active_script != decode_id(activate)
            acct.active_script = decode_id(activate)
        elif deactivate:
            changed |= acct.active_script is not None
            acct.active_script = None
    if changed:
        acct.sieve_changes += 1
    out["newState"] = state(acct)
    for k, v in (("created", created), ("notCreated", not_created), ("updated", updated),
                 ("notUpdated", not_updated), ("destroyed", destroyed), ("notDestroyed", not_destroyed)):
        if v:
            out[k] = v
    return ("ok", out)


# --- VacationResponse (§7.4) -------------------------------------------------------------

def vacation_get(srv, ctx, args):
    err = _needs(srv, ctx, "jmapVacationResponseGet")
    if err:
        return err
    acct = ctx.account
    sc = _vacation_script(acct)
    if sc is None:
        if srv.legacy:  # 0.15.5: no vacation script -> notFound
            items = {}
        else:
            items = {SINGLETON: {"id": SINGLETON, "isEnabled": False, "fromDate": None, "toDate": None,
                                 "subject": None, "textBody": None, "htmlBody": None}}
    else:
        v = sc.vacation or {}
        items = {SINGLETON: {"id": SINGLETON, "isEnabled": acct.active_script == sc.id,
                             **{k: v.get(k) for k in ("fromDate", "toDate", "subject", "textBody",
                                                      "htmlBody")}}}
    args = dict(args)
    if args.get("ids") is None:
        args["ids"] = [SINGLETON]
    return _get(acct, items, args, state(acct))


_LIMITS = {"subject": 512, "textBody": 2048, "htmlBody": 2048}


def _vacation_fields(patch: dict, legacy: bool):
    fields = {}
    for key, value in patch.items():
        if key in _LIMITS and (value is None or (isinstance(value, str) and len(value.encode()) < _LIMITS[key])):
            fields[key] = value
        elif key in ("fromDate", "toDate") and (value is None or isinstance(value, str) and len(value) >= 20):
            fields[key] = value
        elif key == "isEnabled" and (value is None or isinstance(value, bool)):
            fields[key] = bool(value)
        elif key == "id" and value == SINGLETON and not legacy:
            continue
        else:
            return _se("invalidProperties", "Field could not be set.", properties=[key])
    if legacy:
        fields.setdefault("isEnabled", False)  # 0.15.5: the flag starts as false
    return fields


def vacation_set(srv, ctx, args):
    acct = ctx.account
    if srv.legacy:
        err = _needs(srv, ctx, "jmapVacationResponseSet")
    else:
        slots = [p for p in ("jmapVacationResponseCreate", "jmapVacationResponseUpdate",
                             "jmapVacationResponseDestroy") if p in ctx.permissions]
        err = None if len(slots) == 3 else (
            _merr("forbidden", "You are not authorized to create, update or destroy objects of this type")
            if not slots else (_merr("forbidden", "You are not authorized to update objects of this type")
                               if args.get("update") and "jmapVacationResponseUpdate" not in slots else None))
    err = err or _check_state(acct, args)
    if err:
        return err
    create, update = args.get("create") or {}, args.get("update") or {}
    if create and update:
        return _merr("invalidArguments", "Creating and updating on the same request is not allowed.")
    out = {"accountId": acct.jmap_id, "oldState": state(acct)}
    bucket = {}
    if create:
        for i, (cid, patch) in enumerate(create.items()):
            if srv.legacy and i == 0:
                res = _vacation_fields(patch if isinstance(patch, dict) else {}, True)
                if isinstance(res, dict) and "type" in res:
                    bucket.setdefault("notCreated", {})[cid] = res
                else:
                    set_vacation(acct, res)
                    bucket.setdefault("created", {})[cid] = {"id": SINGLETON}
            else:
                bucket.setdefault("notCreated", {})[cid] = (
                    _se("singleton") if not srv.legacy else _se("forbidden", "Only one object can be created."))
    for oid, patch in update.items():
        if oid != SINGLETON:
            bucket.setdefault("notUpdated", {})[oid] = _se("notFound", "ID not found.")
            continue
        res = _vacation_fields(patch if isinstance(patch, dict) else {}, srv.legacy)
        if "type" in res:
            bucket.setdefault("notUpdated", {})[oid] = res
            continue
        sc = _vacation_script(acct)
        if "isEnabled" not in res and sc is not None:
            res["isEnabled"] = acct.active_script == sc.id
        set_vacation(acct, res)
        bucket.setdefault("updated", {})[oid] = None
    for oid in (args.get("destroy") or []):
        sc = _vacation_script(acct)
        if srv.legacy and oid == SINGLETON and sc is not None:
            if acct.active_script == sc.id:
                acct.active_script = None
            del acct.scripts[sc.id]
            acct.sieve_changes += 1
            bucket.setdefault("destroyed", []).append(oid)
        else:
            bucket.setdefault("notDestroyed", {})[oid] = _se("singleton")
    out["newState"] = state(acct)
    out.update(bucket)
    return ("ok", out)


# --- Blob/get and Identity/get ---------------------------------------------------------

def blob_get(srv, ctx, args):
    err = _needs(srv, ctx, "jmapBlobGet")
    if err:
        return err
    acct = ctx.account
    ids = args.get("ids") or []
    if not isinstance(ids, list):
        return _merr("invalidArguments", "Invalid 'ids' argument")
    props = args.get("properties") or ["id", "data", "size"]
    found, not_found = [], []
    for bid in ids:
        data = find_blob(acct, bid) if isinstance(bid, str) else None
        if data is None:
            not_found.append(bid)
            continue
        o = {"id": bid}
        for p in props:
            if p == "size":
                o["size"] = len(data)
            elif p in ("data", "data:asText"):
                try:
                    o["data:asText"] = data.decode("utf-8")
                except UnicodeDecodeError:
                    o["isEncodingProblem"] = True
                    o["data:asText" if p == "data:asText" else "data:asBase64"] = (
                        None if p == "data:asText" else base64.b64encode(data).decode())
            elif p == "data:asBase64":
                o["data:asBase64"] = base64.b64encode(data).decode()
        found.append(o)
    return ("ok", {"accountId": acct.jmap_id, "list": found, "notFound": not_found})


def identity_get(srv, ctx, args):
    err = _needs(srv, ctx, "jmapIdentityGet")
    if err:
        return err
    acct = ctx.account
    items = {}
    for i, addr in enumerate([acct.email, *acct.aliases]):
        items[encode_id(i)] = {"id": encode_id(i), "name": acct.description or "", "email": addr,
                               "replyTo": None, "bcc": None, "textSignature": "", "htmlSignature": "",
                               "mayDelete": True}
    return _get(acct, items, args, "a")


HANDLERS = {("SieveScript", "get"): sieve_get, ("SieveScript", "set"): sieve_set,
            ("VacationResponse", "get"): vacation_get, ("VacationResponse", "set"): vacation_set,
            ("Blob", "get"): blob_get, ("Identity", "get"): identity_get}


# --- HTTP routes: download and upload (§7.3) -----------------------------------------------

def download(srv, req: H.Request) -> H.Response:
    ctx = authenticate(srv, req)
    parts = req.path.split("/")  # "", "jmap", "download", account, blob, name
    if len(parts) < 6 or not parts[5]:
        return H.not_found()
    with srv.lock:
        acct = ctx.account
        data = find_blob(acct, parts[4]) if parts[3] == acct.jmap_id else None
    if data is None:
        return H.not_found()
    name = parts[5].replace('"', '\\"')
    return H.Response(200, data, [("Content-Disposition", f'attachment; filename="{name}"'),
                                  ("Cache-Control", "private, immutable, max-age=31536000")],
                      req.query.get("accept") or "application/octet-stream")


def upload(srv, req: H.Request) -> H.Response:
    ctx = authenticate(srv, req)
    parts = req.path.split("/")
    if len(parts) < 4 or parts[3] != ctx.account.jmap_id:
        return H.forbidden()
    with srv.lock:
        bid = "U" + hashlib.sha256(req.body).hexdigest()[:32]
        ctx.account.blobs[bid] = bytes(req.body)
    return H.json_response({"accountId": ctx.account.jmap_id, "blobId": bid,
                            "type": req.headers.get("content-type") or "application/octet-stream",
                            "size": len(req.body)})  # 200 (JsonResponse)


__all__ = ["dispatch", "download", "upload", "account_capabilities", "SESSION_CAPABILITIES"]
