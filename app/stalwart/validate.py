"""Input checks done before anything is sent."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterable, Optional

from app.errors import InvalidInput


def description(text: Any, field: str = "description") -> str:
    d = text.strip() if isinstance(text, str) else ""
    if not d:
        raise InvalidInput("err.input.description_required", field)
    return d


def utc_datetime(value: Any, now: Optional[datetime] = None, field: str = "expires_at") -> str:
    """A future instant as Stalwart's UTCDateTime ``YYYY-MM-DDTHH:MM:SSZ``."""
    if isinstance(value, str):
        s = value.strip()
        if s.endswith("Z") or s.endswith("z"):
            s = s[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise InvalidInput("err.input.expiry_past", field) from None
    elif isinstance(value, datetime):
        dt = value
    else:
        raise InvalidInput("err.input.expiry_past", field)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc).replace(microsecond=0)
    if dt <= (now or datetime.now(timezone.utc)):
        raise InvalidInput("err.input.expiry_past", field)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _first_issue(issues: list) -> tuple[str, str]:
    i = issues[0]
    return str(i.params.get("value", "")), i.message


def allowed_ips(values: Optional[Iterable[str]]) -> dict[str, bool]:
    """``{"10.0.0.2": true, "192.168.0.0/24": true}`` in the server's own
    form, by the rules of ``app.ipnets`` (IpAddrOrMask: /8 and longer, no host
    bits, no zones). Any problem -> InvalidInput with ``.issues``."""
    from app import ipnets
    if values is None:
        return {}
    text = values if isinstance(values, str) else "\n".join(
        v if isinstance(v, str) else "\u0000" for v in values)
    entries, issues = ipnets.parse_allowed_ips(text)
    if issues:
        value, detail = _first_issue(issues)
        err = InvalidInput("err.input.bad_ip", "allowed_ips", {"value": value[:64], "detail": detail})
        err.issues = issues  # type: ignore[attr-defined]
        raise err
    return ipnets.to_map(entries)


def permissions(value: Any) -> Optional[dict]:
    if value is None:
        return None
    if (not isinstance(value, dict) or value.get("@type") not in ("Inherit", "Disable", "Replace")):
        raise InvalidInput("err.input.encryption", "permissions", {"detail": "permissions"})
    out: dict = {"@type": value["@type"]}
    if value["@type"] != "Inherit":
        perms = value.get("permissions") or {}
        if isinstance(perms, (list, tuple, set)):
            perms = {p: True for p in perms}
        if not isinstance(perms, dict) or not all(isinstance(k, str) and k for k in perms):
            raise InvalidInput("err.input.encryption", "permissions", {"detail": "permissions"})
        out["permissions"] = {k: bool(v) for k, v in perms.items()}
    return out


def secret(value: Any, field: str, key: str = "err.input.password_required") -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(key, field)
    return value


def otp_code(value: Any, field: str = "code", required: bool = True) -> Optional[str]:
    if value is None or value == "":
        if required:
            raise InvalidInput("err.input.code_format", field)
        return None
    s = str(value).strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6,8}", s):
        raise InvalidInput("err.input.code_format", field)
    return s


def otp_url(url: Any, server: str = "0.16") -> str:
    """The server's parser rules (totp-rs ``TOTP::from_url``, ``app.totp``),
    enforced before saving: a URL the server cannot parse locks the user out."""
    from app import totp
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("err.input.otp_url", "otp_url", {"detail": "empty"})
    u = url.strip()
    issues = totp.validate_url(u, "legacy" if server == "legacy" else "0.16")
    if issues:
        _, detail = _first_issue(issues)
        err = InvalidInput("err.input.otp_url", "otp_url", {"detail": detail})
        err.issues = issues  # type: ignore[attr-defined]
        raise err
    return u


def key_text(text: Any) -> str:
    """The key text to upload. Private key material in any form is refused by
    the same recogniser the key checks use, so nothing private is ever sent."""
    from app.keys.private import private_kind
    if isinstance(text, (str, bytes, bytearray, memoryview)) and private_kind(text) is not None:
        raise InvalidInput("err.input.private_key", "key")
    k = text.strip() if isinstance(text, str) else ""
    if not k or "-----BEGIN" not in k:
        raise InvalidInput("err.input.key_required", "key")
    return k


def key_kind(text: str) -> str:
    up = (text or "").upper()
    if "BEGIN PGP" in up:
        return "pgp"
    if "CERTIFICATE-----" in up:
        return "smime"
    return "unknown"
