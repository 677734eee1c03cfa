"""Legacy REST self-service (docs/stalwart-contract.md §3): /api/account/auth and /api/account/crypto."""
from __future__ import annotations

from . import http as H
from . import keys as K
from .auth import authenticate
from .otp import secret_of

_DIRECTORY_NAMES = {"ldap": "LDAP", "sql": "SQL", "oidc": "OIDC"}


def _ok(data) -> H.Response:
    return H.json_response({"data": data})


def _err(**fields) -> H.Response:
    return H.json_response(fields)  # management errors are HTTP 200


def _other(details: str) -> H.Response:
    return _err(error="other", details=details, reason=None)


def _app_name(entry: str) -> str | None:
    """``$app$<name>$<secret>``: the name ends at the first ``$`` after the prefix,
    so a name given as ``a$b`` reads back as ``a`` (seen on 0.15.5)."""
    if not entry.startswith("$app$"):
        return None
    name, sep, _ = entry[5:].partition("$")
    return name if sep else None


def account_auth(srv, req: H.Request) -> H.Response:
    ctx = authenticate(srv, req)
    if "manage-passwords" not in ctx.permissions:
        return H.forbidden()
    acct = ctx.account
    if req.method == "GET":
        with srv.lock:
            if acct.directory != "internal":
                return _ok({"otpEnabled": False, "appPasswords": []})
            names = [n for n in (_app_name(e) for e in acct.app_passwords) if n is not None]
            return _ok({"otpEnabled": acct.otp_url is not None, "appPasswords": names})
    try:
        actions = req.json()
    except (ValueError, UnicodeDecodeError):
        return H.bad_params(H.JSON_FAILED)
    if not isinstance(actions, list) or not all(_valid_action(a) for a in actions):
        return H.bad_params(H.JSON_FAILED)
    if not actions:
        return H.bad_params("Empty request")
    with srv.lock:
        if acct.directory != "internal":
            kind = _DIRECTORY_NAMES.get(acct.directory, acct.directory.upper())
            return _err(error="unsupported",
                        details=f"{kind} directory cannot be managed. Only internal directories support "
                                f"inserts and update operations.")
        if any(a["type"] in ("setPassword", "enableOtpAuth", "disableOtpAuth") for a in actions) \
                and ctx.scheme != "basic":
            return _other("Password changes only allowed using Basic auth")
        wipes = srv.legacy_version in ("0.14", "0.15")
        for a in actions:
            t = a["type"]
            if t == "setPassword":
                # OAuth tokens stay valid (seen on 0.15.5): no credential version here.
                if wipes:
                    # RemoveItem "" removes every secret: app passwords and the TOTP secret too.
                    acct.app_passwords = []
                    acct.otp_url = None
                    acct.otp_secret = None
                acct.password = a["password"]
            elif t == "enableOtpAuth":
                acct.otp_url = a["url"]
                acct.otp_secret = secret_of(a["url"])
            elif t == "disableOtpAuth":
                if a.get("url") is None or a.get("url") == acct.otp_url:
                    acct.otp_url = None
                    acct.otp_secret = None
            elif t == "addAppPassword":
                entry = f"$app${a['name']}${a['password']}"
                # AddItem skips a secret the principal already has (manage.rs,
                # 0.11-0.15): a resent copy of the same request adds nothing.
                if entry not in acct.app_passwords:
                    acct.app_passwords.append(entry)
            elif t == "removeAppPassword":
                if a.get("name") is None:
                    acct.app_passwords = []
                else:
                    prefix = f"$app${a['name']}"
                    acct.app_passwords = [e for e in acct.app_passwords if not e.startswith(prefix)]
        return _ok(None)


def _valid_action(a) -> bool:
    if not isinstance(a, dict):
        return False
    t = a.get("type")
    s = lambda k: isinstance(a.get(k), str)  # noqa: E731
    if t == "setPassword":
        return s("password")
    if t == "enableOtpAuth":
        return s("url")
    if t == "disableOtpAuth":
        return a.get("url") is None or s("url")
    if t == "addAppPassword":
        return s("name") and s("password")
    if t == "removeAppPassword":
        return a.get("name") is None or s("name")
    return False


_TAG = {"pgp": "pGP", "smime": "sMIME"}


def _serde_syntax(e: Exception) -> str:
    return "expected value at line 1 column 1" if isinstance(e, ValueError) else "invalid unicode"


def _crypto_body_problem(body, version: str) -> str | None:
    """The serde text 0.15.5 puts in the 400 detail of a body it cannot read
    (the texts for algo and allow_spam_training were seen on 0.15.5; serde's
    " at line L column C" suffix is left out)."""
    if not isinstance(body, dict):
        return "invalid type: expected internally tagged enum EncryptionType"
    t = body.get("type")
    if t is None:
        return "missing field `type`"
    if t not in ("pGP", "sMIME", "disabled"):
        return f"unknown variant `{t}`, expected one of `pGP`, `sMIME`, `disabled`"
    if t == "disabled":
        return None
    algo = body.get("algo")
    if algo is None:
        return "missing field `algo`"
    if algo not in ("Aes128", "Aes256"):
        return f"unknown variant `{algo}`, expected `Aes128` or `Aes256`"
    if body.get("certs") is None:
        return "missing field `certs`"
    if not isinstance(body["certs"], str):
        return "invalid type: expected a string"
    if version == "0.15":
        # no serde default in 0.15; 0.11-0.14 ignore the field
        if "allow_spam_training" not in body:
            return "missing field `allow_spam_training`"
        if not isinstance(body["allow_spam_training"], bool):
            return "invalid type: expected a boolean"
    return None


def account_crypto(srv, req: H.Request) -> H.Response:
    ctx = authenticate(srv, req)
    if "manage-encryption" not in ctx.permissions:
        return H.forbidden()
    acct = ctx.account
    if req.method == "GET":
        with srv.lock:
            enc = acct.encryption
            if enc.get("type") == "disabled":
                return _ok({"type": "disabled"})
            pk = K.ParsedKey(enc["kind"], text=enc["text"])
            data = {"type": enc["type"], "algo": enc["algo"], "certs": K.make_blob(pk)}
            if srv.legacy_version == "0.15":
                data["allow_spam_training"] = enc.get("allow_spam_training", False)
            return _ok(data)
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError) as e:
        return H.bad_params(_serde_syntax(e))
    problem = _crypto_body_problem(body, srv.legacy_version)
    if problem:
        return H.bad_params(problem)
    if body["type"] == "disabled":
        with srv.lock:
            acct.encryption = {"type": "disabled"}
        return _ok(None)
    if srv.encryption_disabled:
        return _err(error="unsupported", details="Encryption-at-rest has been disabled by the system administrator")
    try:
        pk = K.legacy_parse_certs(body["certs"])
        if _TAG[pk.kind] != body["type"]:
            raise K.KeyError_(K.WRONG_METHOD)
        K.legacy_trial_encrypt(pk)
    except K.KeyError_ as e:
        return _other(str(e))
    with srv.lock:
        acct.encryption = {"type": body["type"], "algo": body["algo"], "kind": pk.kind, "text": pk.text,
                           "allow_spam_training": bool(body.get("allow_spam_training", False))}
    return _ok(len(pk.certs_der) if pk.kind == "smime" else 1)

