"""The 0.16 registry methods a user may call (docs/stalwart-contract.md §2.4–§2.9).

Every function returns ("ok", args) or ("error", method-error-object) and is
called with `srv.lock` held.
"""
from __future__ import annotations

import datetime as _dt
import ipaddress

from zxcvbn import zxcvbn

from . import keys as K
from .auth import effective_permissions, verify_password_016
from .model import (KNOWN_PERMISSIONS_016, SINGLETON, Credential, PublicKey, decode_id, encode_id,
                    hash_random, make_api_key_secret, make_app_password_secret, parse_utc, utc_now)
from .otp import OtpUrlError, check_code, secret_of

SERVER_UNAVAILABLE = {"type": "serverUnavailable",
                      "description": "This server is temporarily unavailable. Attempting this same "
                                     "operation later may succeed."}
NOT_AUTHORIZED = "You are not authorized to perform this action"
INVALID_VALUE = "Invalid value for property."
INVALID_PROPERTY = "Invalid property"
SERVER_SET = "Cannot modify server set property"
BAD_TYPE = "Missing or invalid '@type' property in object"

SINGLETONS = {"AccountPassword", "AccountSettings"}
USER_OBJECTS = {"AccountPassword", "AccountSettings", "AppPassword", "ApiKey", "PublicKey"}
# Objects that exist but a user role has no permission for: forbidden, not unknownMethod.
ADMIN_OBJECTS = {"Account", "Domain", "Http", "Email", "OidcProvider", "Action", "Role", "Tenant",
                 "MaskedEmail", "ArchivedItem", "SpamTrainingSample"}
EAR_TYPES = {"Disabled", "Aes128", "Aes256", "Aes256Gcm", "ChaCha20Poly1305"}


def merr(type_: str, description: str | None = None) -> tuple:
    e = {"type": type_}
    if description is not None:
        e["description"] = description
    return ("error", e)


def se(type_: str, description: str | None = None, properties: list | None = None, **extra) -> dict:
    e = {"type": type_}
    if description is not None:
        e["description"] = description
    if properties is not None:
        e["properties"] = properties
    e.update(extra)
    return e


def _required(prop: str) -> dict:
    # validationFailed carries no description (seen on 0.16.18)
    return se("validationFailed", validationErrors=[{"type": "Required", "property": prop}])


def _object_id(obj: str, id_: str) -> dict:
    return {"object": obj, "id": id_}


def dispatch(srv, ctx, name: str, args: dict) -> tuple:
    obj, _, method = name[2:].partition("/")
    if obj not in USER_OBJECTS | ADMIN_OBJECTS or method not in ("get", "set", "query"):
        return merr("unknownMethod", name)
    if method == "query" and obj in SINGLETONS:
        return merr("unknownMethod", name)
    acct_arg = args.get("accountId")
    if isinstance(acct_arg, str) and decode_id(acct_arg) is not None and decode_id(acct_arg) != ctx.account.id:
        return merr("forbidden", f"You are not an owner of account {acct_arg}")
    if method == "set":
        for k, typ in (("create", dict), ("update", dict), ("destroy", list)):
            if args.get(k) is not None and not isinstance(args[k], typ):
                return merr("invalidArguments", f"Invalid '{k}' argument")
        if args.get("destroy") and not all(isinstance(i, str) for i in args["destroy"]):
            return merr("invalidArguments", "Invalid 'destroy' argument")
    if args.get("ids") is not None and not (isinstance(args["ids"], list)
                                            and all(isinstance(i, str) for i in args["ids"])):
        return merr("invalidArguments", "Invalid 'ids' argument")
    perms = ctx.permissions
    if method in ("get", "query"):
        if f"sys{obj}{method.capitalize()}" not in perms:
            return merr("forbidden", NOT_AUTHORIZED)
    else:
        err = _set_permission_error(obj, args, perms)
        if err:
            return merr("forbidden", err)
    if obj not in USER_OBJECTS:  # reachable only if a test grants admin permissions
        return merr("forbidden", NOT_AUTHORIZED)
    fn = HANDLERS[(obj, method)]
    return fn(srv, ctx, obj, args)


def _set_permission_error(obj: str, args: dict, perms: set) -> str | None:
    if obj in SINGLETONS:
        slot = {"create": f"sys{obj}Update", "update": f"sys{obj}Update", "destroy": f"sys{obj}Update"}
    else:
        slot = {op: f"sys{obj}{op.capitalize()}" for op in ("create", "update", "destroy")}
    if not any(p in perms for p in slot.values()):
        if any(args.get(op) for op in slot):
            return "You are not authorized to create, update or destroy objects of this type"
        return None
    for op in ("create", "update", "destroy"):
        if args.get(op) and slot[op] not in perms:
            return f"You are not authorized to {op} objects of this type"
    return None


def _get_response(ctx, items: dict, args: dict) -> tuple:
    """items: id -> json. Honour ids (null = all) and properties."""
    ids = args.get("ids")
    props = args.get("properties")
    found, not_found = [], []
    wanted = list(items) if ids is None else ids
    if not isinstance(wanted, list):
        return merr("invalidArguments", "ids must be an array or null")
    for i in wanted:
        if i in items:
            obj = dict(items[i])
            if isinstance(props, list):
                obj = {k: v for k, v in obj.items() if k in props or k == "id"}
            found.append(obj)
        else:
            not_found.append(i)
    return ("ok", {"accountId": ctx.account.jmap_id, "list": found, "notFound": not_found})


def _set_result(ctx, created, not_created, updated, not_updated, destroyed, not_destroyed) -> tuple:
    out = {"accountId": ctx.account.jmap_id}
    for k, v in (("created", created), ("notCreated", not_created), ("updated", updated),
                 ("notUpdated", not_updated), ("destroyed", destroyed), ("notDestroyed", not_destroyed)):
        if v:
            out[k] = v
    return ("ok", out)


def _singleton_set(ctx, args, update_fn) -> tuple:
    created, not_created, updated, not_updated, destroyed, not_destroyed = {}, {}, {}, {}, [], {}
    for cid in (args.get("create") or {}):
        not_created[cid] = se("singleton", "Singletons cannot be created or destroyed.")
    for oid, patch in (args.get("update") or {}).items():
        if oid != SINGLETON:
            not_updated[oid] = se("notFound")
            continue
        if not isinstance(patch, dict):
            not_updated[oid] = se("invalidPatch", "Invalid patch")
            continue
        res = update_fn(patch)
        if isinstance(res, tuple):  # method-level error
            return res
        if res is None:
            updated[oid] = None
        else:
            not_updated[oid] = res
    for oid in (args.get("destroy") or []):
        not_destroyed[oid] = se("singleton", "Singletons cannot be created or destroyed.")
    return _set_result(ctx, created, not_created, updated, not_updated, destroyed, not_destroyed)


# --- x:AccountPassword (§2.6) ---------------------------------------------------------

def password_get(srv, ctx, obj, args):
    acct = ctx.account
    items = {}
    if acct.directory == "internal" and acct.password is not None:
        items[SINGLETON] = {"secret": "****",
                            "otpAuth": {"otpUrl": "****"} if acct.otp_url is not None else {},
                            "id": SINGLETON}
    return _get_response(ctx, items, args)


def _str_value(v) -> bool:
    return v is None or (isinstance(v, str) and v != "")


def password_set(srv, ctx, obj, args):
    acct = ctx.account

    def update(patch: dict):
        if acct.password is None and acct.directory == "internal":
            return se("forbidden", "Your account does not support password changes")
        totp_on = acct.otp_url is not None
        state = {"secret": None, "currentSecret": None,
                 "otpAuth": {"otpCode": None, "otpUrl": "****" if totp_on else None}}
        for key, value in patch.items():
            if key == "@type":
                # the patch leaves it unapplied: invalidProperties, nothing else (0.16.18 source)
                return se("invalidProperties")
            if key in ("secret", "currentSecret"):
                if not _str_value(value):
                    return se("invalidPatch", INVALID_VALUE, [key])
                state[key] = value
            elif key == "otpAuth":
                if not isinstance(value, dict):
                    return se("invalidPatch", INVALID_VALUE, [key])
                for sub, sv in value.items():
                    if sub not in ("otpCode", "otpUrl"):
                        return se("invalidPatch", INVALID_PROPERTY, [f"otpAuth/{sub}"])
                    if not _str_value(sv):
                        return se("invalidPatch", INVALID_VALUE, [f"otpAuth/{sub}"])
                    state["otpAuth"][sub] = sv
            elif key in ("otpAuth/otpCode", "otpAuth/otpUrl"):
                if not _str_value(value):
                    return se("invalidPatch", INVALID_VALUE, [key])
                state["otpAuth"][key.split("/")[1]] = value
            else:
                return se("invalidPatch", INVALID_PROPERTY, [key])
        new_secret = state["secret"]
        new_url = state["otpAuth"]["otpUrl"]
        code = state["otpAuth"]["otpCode"]
        empty_secret = new_secret is None or new_secret == "****"
        empty_otp = new_url == "****" or (new_url is None and not totp_on)
        if empty_secret and empty_otp:
            return None
        if srv.external_directory(acct):
            return se("forbidden", "Operation not allowed.")
        if not acct.password:
            return se("forbidden", "Cannot set a password or OTP auth on an account that doesn't have one.")
        current = state["currentSecret"]
        if current is None:
            return se("forbidden", "Current secret must be provided to change the password or OTP auth.")
        if not verify_password_016(acct, current):
            if srv.record_auth_failure(ctx.client_ip):
                return ("error", dict(SERVER_UNAVAILABLE))  # AuthenticationBan -> serverUnavailable
            return se("forbidden", "Current secret is incorrect.")
        if totp_on:
            if code is None:
                return se("forbidden", "Current OTP code is required to change the password or OTP auth.")
            try:
                ok = check_code(acct.otp_url, code, srv.otp_version)
            except OtpUrlError:
                return ("error", dict(SERVER_UNAVAILABLE))
            if not ok:
                if srv.record_auth_failure(ctx.client_ip):
                    return ("error", dict(SERVER_UNAVAILABLE))
                return se("forbidden", "Current secret is incorrect.")
        if not empty_secret:
            err = password_policy_error(new_secret)
            if err:
                return se("invalidProperties", err, ["secret"])
        # all checks passed: write
        if not empty_secret:
            acct.password = new_secret
            acct.credential_version += 1
            if srv.password_default_expiration is not None:
                acct.password_expires_at = utc_now() + _dt.timedelta(seconds=srv.password_default_expiration)
            elif acct.password_expired():
                acct.password_expires_at = None
        if not empty_otp:
            acct.otp_url = new_url
            acct.otp_secret = secret_of(new_url)
        return None

    return _singleton_set(ctx, args, update)


def password_policy_error(pw: str) -> str | None:
    # The server counts UTF-8 bytes, not characters (seen on 0.16.18).
    size = len(pw.encode("utf-8"))
    if size < 8:
        return "Password must be at least 8 characters long."
    if size > 128:
        return "Password must be at most 128 characters long."
    r = zxcvbn(pw)
    if r["score"] < 3:
        fb = r.get("feedback") or {}
        words = [w for w in [fb.get("warning") or ""] + list(fb.get("suggestions") or []) if w]
        return ("Password is too weak. " + " ".join(words)).rstrip()
    return None


# --- x:AppPassword / x:ApiKey (§2.8) ------------------------------------------------------

def _creds(acct, obj):
    return acct.app_passwords if obj == "AppPassword" else acct.api_keys


def _other_credential_ids(acct, obj) -> list[str]:
    """The account's credential ids that are not of type ``obj``: the password
    ("a") and the other kind's. ``ids: null`` lists them in notFound (seen on
    0.16.18: ``["a","d"]``)."""
    others = [] if acct.directory != "internal" or acct.password is None else [0]
    others += list(acct.api_keys if obj == "AppPassword" else acct.app_passwords)
    return [encode_id(n) for n in sorted(others)]


def cred_get(srv, ctx, obj, args):
    items = {encode_id(c.id): c.to_json() for c in _creds(ctx.account, obj).values()}
    ok, res = _get_response(ctx, items, args)
    if ok == "ok" and args.get("ids") is None:
        res["notFound"] = _other_credential_ids(ctx.account, obj)
    return ok, res


def _sort_and_page(ctx, objs: list, args: dict, keyfns: dict) -> tuple:
    sort = args.get("sort") or []
    pos = args.get("position") or 0
    limit = args.get("limit")
    if not isinstance(sort, list) or not isinstance(pos, int) or isinstance(pos, bool) or pos < 0 \
            or (limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0)):
        return merr("invalidArguments", "Invalid query arguments")
    for s in reversed(sort):
        prop = s.get("property") if isinstance(s, dict) else None
        if prop not in keyfns:
            return merr("unsupportedSort", f"Unsupported sort property {prop!r}")
        objs.sort(key=keyfns[prop], reverse=not s.get("isAscending", True))
    ids = [o["id"] for o in objs]
    page = ids[pos:pos + limit] if isinstance(limit, int) else ids[pos:]
    # queryState like "n", canCalculateChanges true (seen on 0.16.18)
    out = {"accountId": ctx.account.jmap_id, "queryState": encode_id(ctx.account.changes),
           "canCalculateChanges": True, "position": pos, "ids": page}
    if args.get("calculateTotal"):
        out["total"] = len(ids)
    return ("ok", out)


def _id_key(o):
    return decode_id(o["id"]) or 0


def cred_query(srv, ctx, obj, args):
    objs = [c.to_json() for c in _creds(ctx.account, obj).values()]
    flt = args.get("filter")
    if isinstance(flt, dict):
        # filters on expiresAt: {"expiresAtBefore"/"expiresAtAfter": UTCDateTime} (shape assumed)
        before = parse_utc(flt.get("expiresAtBefore") or "") if flt.get("expiresAtBefore") else None
        after = parse_utc(flt.get("expiresAtAfter") or "") if flt.get("expiresAtAfter") else None
        if before:
            objs = [o for o in objs if o["expiresAt"] and parse_utc(o["expiresAt"]) < before]
        if after:
            objs = [o for o in objs if o["expiresAt"] and parse_utc(o["expiresAt"]) > after]
    objs.sort(key=_id_key, reverse=True)  # newest first without a sort (seen on 0.16.18)
    return _sort_and_page(ctx, objs, args, {"id": _id_key, "expiresAt": lambda o: o["expiresAt"] or ""})


def _valid_ip_key(k: str) -> bool:
    try:
        ipaddress.ip_network(k, strict=False)
        return True
    except ValueError:
        return False


def _validate_permissions(value, ctx):
    """Returns (normalised, None) or (None, SetError)."""
    if not isinstance(value, dict) or value.get("@type") not in ("Inherit", "Disable", "Replace"):
        return None, se("invalidPatch", BAD_TYPE, ["permissions"])
    t = value["@type"]
    if t == "Inherit":
        extra = set(value) - {"@type"}
        if extra:
            return None, se("invalidPatch", INVALID_PROPERTY, [f"permissions/{sorted(extra)[0]}"])
        return {"@type": "Inherit"}, None
    extra = set(value) - {"@type", "permissions"}
    if extra:
        return None, se("invalidPatch", INVALID_PROPERTY, [f"permissions/{sorted(extra)[0]}"])
    perms = value.get("permissions", {})
    if not isinstance(perms, dict):
        return None, se("invalidPatch", INVALID_VALUE, ["permissions/permissions"])
    for p, on in perms.items():
        if p not in KNOWN_PERMISSIONS_016 or not isinstance(on, bool):
            return None, se("invalidPatch", INVALID_VALUE, [f"permissions/permissions/{p}"])
    listed = sorted(p for p, on in perms.items() if on)
    return {"@type": t, "permissions": {p: True for p in listed}}, None


def grant_error(srv, ctx, permissions: dict) -> dict | None:
    """``validate_credential_permissions`` (account.rs), run after the quota
    check on create and, from 0.16.15, on an update that changes the
    permissions. 0.16.15+: the credential's effective rights (Inherit = the
    account's, Disable = the account's minus the list, Replace = the list)
    must all be held by the caller's own credential, so a limited credential
    cannot mint a wider one. 0.16.0-0.16.14 checked only a Replace list: an
    Inherit or Disable credential made by a limited credential got the
    account's full rights back (changelog 0.16.15)."""
    t = permissions.get("@type")
    listed = {p for p, on in (permissions.get("permissions") or {}).items() if on}
    if not srv.version_at_least(0, 16, 15):
        wanted = listed if t == "Replace" else set()
    else:
        # AccessToken::account_permissions: scope 0, which an expired password
        # has cut down when the caller signed in with it (or its OAuth token)
        account = set(ctx.account.permissions) if ctx.credential is not None \
            else effective_permissions(ctx.account, None)
        wanted = account if t == "Inherit" else account - listed if t == "Disable" else listed
    missing = sorted(wanted - set(ctx.permissions))
    if not missing:
        return None
    # up to five names, then "and N more" (0.16.18 source; three names seen in full)
    text = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return se("forbidden", f"You are not authorized to grant permissions: {text}")


def _apply_cred_patch(fields: dict, patch: dict, creating: bool, ctx):
    for key, value in patch.items():
        if key == "@type":
            if creating:
                continue  # accepted on create (seen on 0.16.18)
            return se("invalidProperties", INVALID_PROPERTY, [key])
        if key in ("secret", "createdAt", "credentialId", "id"):
            return se("invalidPatch", SERVER_SET, [key])
        if key == "description":
            if value is None:
                return _required("description")
            if not isinstance(value, str) or value == "":
                return se("invalidPatch", INVALID_VALUE, [key])
            fields["description"] = value
        elif key == "expiresAt":
            if value is None:
                fields["expiresAt"] = None
            else:
                t = parse_utc(value) if isinstance(value, str) else None
                if t is None:
                    return se("invalidPatch", INVALID_VALUE, [key])
                fields["expiresAt"] = t
        elif key == "permissions":
            norm, err = _validate_permissions(value, ctx)
            if err:
                return err
            fields["permissions"] = norm
        elif key == "allowedIps" or key.startswith("allowedIps/"):
            bad_key = _bad_map_key(key, value, _valid_ip_key)
            if bad_key is not None:
                # seen on 0.16.18 for an allowedIps key that is no address
                return se("invalidPatch", "Invalid key for object property", [bad_key])
            if not _patch_set_map(fields, key, value, _valid_ip_key):
                return se("invalidPatch", INVALID_VALUE, [key])
        else:
            return se("invalidPatch", INVALID_PROPERTY, [key])
    return None



def _bad_map_key(key: str, value, valid_member):
    """The property path of the first map key ``valid_member`` refuses, if any."""
    name, sep, token = key.partition("/")
    if sep:
        member = token.replace("~1", "/").replace("~0", "~")
        return None if valid_member(member) else key
    if isinstance(value, dict):
        for k in value:
            if not valid_member(k):
                return name
    return None


def _patch_set_map(fields: dict, key: str, value, valid_member) -> bool:
    """Apply a patch to a set-like map property ({member: true}): the whole map
    (``name``) or one member (``name/<json-pointer token>``: true adds, null
    removes). Returns False when the value is not acceptable."""
    name, sep, token = key.partition("/")
    if not sep:
        if not isinstance(value, dict) or not all(valid_member(k) and v is True for k, v in value.items()):
            return False
        fields[name] = dict(value)
        return True
    member = token.replace("~1", "/").replace("~0", "~")
    if not valid_member(member) or value not in (True, None):
        return False
    current = dict(fields[name])
    if value is True:
        current[member] = True
    else:
        current.pop(member, None)
    fields[name] = current
    return True

def cred_set(srv, ctx, obj, args):
    acct = ctx.account
    store = _creds(acct, obj)
    created, not_created, updated, not_updated, destroyed, not_destroyed = {}, {}, {}, {}, [], {}
    quota = srv.quota_app_passwords if obj == "AppPassword" else srv.quota_api_keys
    noun = "app passwords" if obj == "AppPassword" else "API keys"
    for cid, patch in (args.get("create") or {}).items():
        if not isinstance(patch, dict):
            not_created[cid] = se("invalidPatch", "Invalid patch")
            continue
        fields = {"description": None, "expiresAt": None, "permissions": {"@type": "Inherit"}, "allowedIps": {}}
        err = _apply_cred_patch(fields, patch, True, ctx)
        if err is None and fields["description"] is None:
            err = _required("description")
        if err is None and len(store) >= quota:
            err = se("overQuota", f"You have exceeded your quota of {quota} {noun}.")
        if err is None:
            err = grant_error(srv, ctx, fields["permissions"])
        if err:
            not_created[cid] = err
            continue
        cred_id = acct.next_credential_id
        acct.next_credential_id += 1
        if obj == "AppPassword":
            secret, rnd = make_app_password_secret(cred_id, srv.app_password_space)
        else:
            secret, rnd = make_api_key_secret(acct.id, cred_id)
        store[cred_id] = Credential(cred_id, "app_password" if obj == "AppPassword" else "api_key",
                                    fields["description"], hash_random(rnd), utc_now(), fields["expiresAt"],
                                    fields["permissions"], fields["allowedIps"])
        acct.changed()
        created[cid] = {"id": encode_id(cred_id), "secret": secret}
    for oid, patch in (args.get("update") or {}).items():
        n = decode_id(oid)
        # quirk: the id is looked up across credential types
        cred = acct.app_passwords.get(n) or acct.api_keys.get(n) if n is not None else None
        if cred is None:
            not_updated[oid] = se("notFound")
            continue
        if not isinstance(patch, dict):
            not_updated[oid] = se("invalidPatch", "Invalid patch")
            continue
        fields = {"description": cred.description, "expiresAt": cred.expires_at,
                  "permissions": cred.permissions, "allowedIps": cred.allowed_ips}
        err = _apply_cred_patch(fields, patch, False, ctx)
        if err is None and fields["permissions"] != cred.permissions and srv.version_at_least(0, 16, 15):
            err = grant_error(srv, ctx, fields["permissions"])
        if err:
            not_updated[oid] = err
            continue
        cred.description = fields["description"]
        cred.expires_at = fields["expiresAt"]
        cred.permissions = fields["permissions"]
        cred.allowed_ips = fields["allowedIps"]
        acct.changed()
        updated[oid] = None
    for oid in (args.get("destroy") or []):
        n = decode_id(oid)
        if n == 0:
            not_destroyed[oid] = se("forbidden", "Users are not allowed to destroy their own credentials.")
        elif n is not None and n in acct.app_passwords:
            del acct.app_passwords[n]
            acct.changed()
            destroyed.append(oid)
        elif n is not None and n in acct.api_keys:
            del acct.api_keys[n]
            acct.changed()
            destroyed.append(oid)
        else:
            not_destroyed[oid] = se("notFound")
    return _set_result(ctx, created, not_created, updated, not_updated, destroyed, not_destroyed)


# --- x:PublicKey (§2.9, §4) -----------------------------------------------------------

def pk_get(srv, ctx, obj, args):
    items = {encode_id(k.id): k.to_json() for k in ctx.account.public_keys.values()}
    return _get_response(ctx, items, args)


def pk_query(srv, ctx, obj, args):
    objs = [k.to_json() for k in ctx.account.public_keys.values()]
    objs.sort(key=_id_key)
    return _sort_and_page(ctx, objs, args, {"id": _id_key, "expiresAt": lambda o: o["expiresAt"] or "",
                                            "description": lambda o: o["description"] or ""})


def _apply_pk_patch(fields: dict, patch: dict, creating: bool):
    for key, value in patch.items():
        if key == "@type":
            return se("invalidProperties", "Cannot set property during creation." if creating
                      else INVALID_PROPERTY, [key])
        if key in ("createdAt", "accountId", "id"):
            return se("invalidPatch", SERVER_SET, [key])
        if key == "description":
            if value is None:
                return _required("description")
            if not isinstance(value, str) or value == "":
                return se("invalidPatch", INVALID_VALUE, [key])
            fields["description"] = value
        elif key == "key":
            if value is None:
                return _required("key")
            if not isinstance(value, str) or not value.strip():
                return se("invalidPatch", INVALID_VALUE, [key])
            try:
                fields["parsed"] = K.parse_public_key(value)
            except K.KeyError_ as e:
                return se("invalidProperties", str(e), ["key"])
        elif key == "expiresAt":
            t = parse_utc(value) if isinstance(value, str) else None
            if value is not None and t is None:
                return se("invalidPatch", INVALID_VALUE, [key])
            fields["expiresAt"] = t
        elif key == "emailAddresses" or key.startswith("emailAddresses/"):
            if not _patch_set_map(fields, key, value, lambda k: isinstance(k, str) and bool(k)):
                return se("invalidPatch", INVALID_VALUE, [key])
        else:
            return se("invalidPatch", INVALID_PROPERTY, [key])
    return None


def pk_set(srv, ctx, obj, args):
    acct = ctx.account
    created, not_created, updated, not_updated, destroyed, not_destroyed = {}, {}, {}, {}, [], {}
    for cid, patch in (args.get("create") or {}).items():
        if not isinstance(patch, dict):
            not_created[cid] = se("invalidPatch", "Invalid patch")
            continue
        fields = {"description": None, "parsed": None, "expiresAt": None, "emailAddresses": {}}
        err = _apply_pk_patch(fields, patch, True)
        if err is None and fields["description"] is None:
            err = _required("description")
        if err is None and fields["parsed"] is None:
            err = _required("key")
        if err is None and len(acct.public_keys) >= srv.quota_public_keys:
            err = se("overQuota", f"You have exceeded your quota of {srv.quota_public_keys} public keys.")
        if err:
            not_created[cid] = err
            continue
        oid = srv.next_object_id()
        p = fields["parsed"]
        acct.public_keys[oid] = PublicKey(oid, p.text, p.kind, fields["description"], utc_now(),
                                          fields["expiresAt"], fields["emailAddresses"])
        created[cid] = {"id": encode_id(oid)}
    for oid, patch in (args.get("update") or {}).items():
        n = decode_id(oid)
        pk = acct.public_keys.get(n) if n is not None else None
        if pk is None:
            not_updated[oid] = se("notFound")
            continue
        if not isinstance(patch, dict):
            not_updated[oid] = se("invalidPatch", "Invalid patch")
            continue
        fields = {"description": pk.description, "parsed": None, "expiresAt": pk.expires_at,
                  "emailAddresses": pk.email_addresses}
        err = _apply_pk_patch(fields, patch, False)
        p = fields["parsed"]
        ear = acct.encryption
        if err is None and p is not None and p.kind == "pgp" and ear.get("publicKey") == oid \
                and ear.get("@type") in ("Aes256Gcm", "ChaCha20Poly1305"):
            err = se("invalidProperties", _aead_pgp_text(ear["@type"]), ["encryptionAtRest"])
        if err:
            not_updated[oid] = err
            continue
        pk.description = fields["description"]
        pk.expires_at = fields["expiresAt"]
        pk.email_addresses = fields["emailAddresses"]
        if p is not None:
            pk.key, pk.kind = p.text, p.kind
        updated[oid] = None
    for oid in (args.get("destroy") or []):
        n = decode_id(oid)
        if n is None or n not in acct.public_keys:
            not_destroyed[oid] = se("notFound")
        elif acct.encryption.get("publicKey") == oid:
            # no description; the account links it (seen on 0.16.18)
            not_destroyed[oid] = se("objectIsLinked", objectId=_object_id("PublicKey", oid),
                                    linkedObjects=[_object_id("Account", acct.jmap_id)])
        else:
            del acct.public_keys[n]
            destroyed.append(oid)
    return _set_result(ctx, created, not_created, updated, not_updated, destroyed, not_destroyed)


# --- x:AccountSettings (§2.9) -----------------------------------------------------------------

def _aead_pgp_text(t: str) -> str:
    name = "AES-256-GCM" if t == "Aes256Gcm" else "ChaCha20-Poly1305"
    return (f"{name} is only supported for S/MIME encryption, but the selected public key is an "
            f"OpenPGP key.")


def settings_get(srv, ctx, obj, args):
    a = ctx.account
    items = {SINGLETON: {"description": a.description, "locale": a.locale, "timeZone": a.time_zone,
                         "encryptionAtRest": dict(a.encryption), "id": SINGLETON}}
    return _get_response(ctx, items, args)


def _validate_ear(value, acct):
    if not isinstance(value, dict) or value.get("@type") not in EAR_TYPES:
        return None, se("invalidPatch", BAD_TYPE, ["encryptionAtRest"])
    t = value["@type"]
    if t == "Disabled":
        extra = set(value) - {"@type"}
        if extra:
            return None, se("invalidPatch", INVALID_PROPERTY, [f"encryptionAtRest/{sorted(extra)[0]}"])
        return {"@type": "Disabled"}, None
    extra = set(value) - {"@type", "publicKey", "encryptOnAppend", "allowSpamTraining"}
    if extra:
        return None, se("invalidPatch", INVALID_PROPERTY, [f"encryptionAtRest/{sorted(extra)[0]}"])
    for flag in ("encryptOnAppend", "allowSpamTraining"):
        if flag in value and not isinstance(value[flag], bool):
            return None, se("invalidPatch", INVALID_VALUE, [f"encryptionAtRest/{flag}"])
    pk_id = value.get("publicKey")
    if pk_id is None:
        return None, _required("publicKey")
    if not isinstance(pk_id, str) or pk_id == "":
        return None, se("invalidPatch", INVALID_VALUE, ["encryptionAtRest/publicKey"])
    n = decode_id(pk_id)
    pk = acct.public_keys.get(n) if n is not None else None
    if pk is None:
        # just the missing object (seen on 0.16.18)
        return None, se("invalidForeignKey", objectId=_object_id("PublicKey", pk_id))
    if t in ("Aes256Gcm", "ChaCha20Poly1305") and pk.kind == "pgp":
        return None, se("invalidProperties", _aead_pgp_text(t), ["encryptionAtRest"])
    return {"@type": t, "publicKey": pk_id, "encryptOnAppend": bool(value.get("encryptOnAppend", False)),
            "allowSpamTraining": bool(value.get("allowSpamTraining", False))}, None


def settings_set(srv, ctx, obj, args):
    acct = ctx.account

    def update(patch: dict):
        new = {"description": acct.description, "locale": acct.locale, "timeZone": acct.time_zone,
               "encryptionAtRest": acct.encryption}
        for key, value in patch.items():
            if key not in new:
                # only whole top-level keys; a JSON pointer is refused without a description
                return se("invalidProperties", properties=[key])
            if key == "encryptionAtRest":
                norm, err = _validate_ear(value, acct)
                if err:
                    return err
                new[key] = norm
            elif key == "locale":
                if not isinstance(value, str) or value == "":
                    return se("invalidPatch", INVALID_VALUE, [key])
                new[key] = value
            else:
                if not _str_value(value):
                    return se("invalidPatch", INVALID_VALUE, [key])
                new[key] = value
        acct.description, acct.locale, acct.time_zone = new["description"], new["locale"], new["timeZone"]
        acct.encryption = new["encryptionAtRest"]
        return None

    return _singleton_set(ctx, args, update)


HANDLERS = {
    ("AccountPassword", "get"): password_get,
    ("AccountPassword", "set"): password_set,
    ("AccountSettings", "get"): settings_get,
    ("AccountSettings", "set"): settings_set,
    ("AppPassword", "get"): cred_get,
    ("AppPassword", "query"): cred_query,
    ("AppPassword", "set"): cred_set,
    ("ApiKey", "get"): cred_get,
    ("ApiKey", "query"): cred_query,
    ("ApiKey", "set"): cred_set,
    ("PublicKey", "get"): pk_get,
    ("PublicKey", "query"): pk_query,
    ("PublicKey", "set"): pk_set,
}


# --- creation-id references in registry sets ----------------------------------------------
# Stalwart 0.16.18 resolves "#<creation id>" in x:…/set arguments against the ids
# created earlier in the same request (request.rs handle_jmap_request ->
# references/resolve.rs `SetRequestMethod::Registry(r) => r.resolve_references(self, 5, true)`),
# for the id-typed registry properties only (registry/src/jmap/properties.rs, Element::try_parse),
# to a depth of 5. In an update an unknown reference fails the whole call
# (references/eval.rs: InvalidResultReference "Id reference \"x\" not found.").
ID_PROPERTIES = {"id", "memberGroupIds", "memberTenantId", "roleIds", "dnsServerId", "directoryId",
                 "domainId", "accountId", "defaultDomainId", "defaultCertificateId",
                 "defaultUserRoleIds", "defaultGroupRoleIds", "defaultTenantRoleIds",
                 "defaultAdminRoleIds", "listenerIds", "publicKey", "queueId", "modelId",
                 "acmeProviderId", "blobId"}


def resolve_creation_refs(args: dict, created_ids: dict, public_key_refs: bool = True) -> dict:
    """``args`` of an x:…/set with references replaced; ValueError(description)
    for an unknown reference in an update. (References between creates of the
    same call, which the server orders topologically, are not modelled.)
    ``public_key_refs=False``: 0.16.0-0.16.14, whose list lacked publicKey
    (added by commit ce944c43), so "#pk" stays a string there."""
    ids = ID_PROPERTIES if public_key_refs else ID_PROPERTIES - {"publicKey"}

    def walk(v, key, depth, in_update):
        if isinstance(v, str) and key in ids and v.startswith("#"):
            if v[1:] in created_ids:
                return created_ids[v[1:]]
            if in_update:
                raise ValueError(f'Id reference "{v[1:]}" not found.')
            return v
        if depth >= 5:
            return v
        if isinstance(v, dict):
            return {(created_ids.get(k[1:], k) if k.startswith("#") else k): walk(x, k, depth + 1, in_update)
                    for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, key, depth + 1, in_update) for x in v]
        return v

    out = dict(args)
    for part, in_update in (("create", False), ("update", True)):
        if isinstance(args.get(part), dict):
            out[part] = {k: walk(v, None, 0, in_update) for k, v in args[part].items()}
    return out
