"""Input checks done before anything is sent."""
from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from typing import Any, Iterable, Optional
from urllib.parse import parse_qs, unquote, urlsplit
import base64
import binascii

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


def ip_or_network(text: Any) -> str:
    s = text.strip() if isinstance(text, str) else ""
    try:
        if "/" in s:
            return str(ipaddress.ip_network(s, strict=False))
        return str(ipaddress.ip_address(s))
    except ValueError:
        raise InvalidInput("err.input.bad_ip", "allowed_ips",
                           {"value": str(text)[:64]}) from None


def allowed_ips(values: Optional[Iterable[str]]) -> dict[str, bool]:
    if values is None:
        return {}
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,]+", values) if v]
    return {ip_or_network(v): True for v in values}


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


def otp_url(url: Any) -> str:
    """The server's parser rules (totp-rs ``TOTP::from_url``), enforced before
    saving: a URL the server cannot parse locks the user out."""
    if not isinstance(url, str):
        raise InvalidInput("err.input.otp_url", "otp_url")
    u = url.strip()
    try:
        p = urlsplit(u)
    except ValueError:
        raise InvalidInput("err.input.otp_url", "otp_url") from None
    if p.scheme != "otpauth" or p.netloc != "totp":
        raise InvalidInput("err.input.otp_url", "otp_url")
    label = unquote(p.path.lstrip("/"))
    if label.count(":") > 1:
        raise InvalidInput("err.input.otp_url", "otp_url")
    q = parse_qs(p.query)
    issuer_label = label.split(":", 1)[0] if ":" in label else None
    if "issuer" in q and issuer_label is not None and q["issuer"][0] != issuer_label:
        raise InvalidInput("err.input.otp_url", "otp_url")
    alg = q.get("algorithm", ["SHA1"])[0].upper()
    digits = q.get("digits", ["6"])[0]
    period = q.get("period", ["30"])[0]
    sec = q.get("secret", [""])[0]
    if alg not in ("SHA1", "SHA256", "SHA512") or not digits.isdigit() or not 6 <= int(digits) <= 8:
        raise InvalidInput("err.input.otp_url", "otp_url")
    if not period.isdigit() or int(period) == 0:
        raise InvalidInput("err.input.otp_url", "otp_url")
    if not sec or "=" in sec:
        raise InvalidInput("err.input.otp_url", "otp_url")
    try:
        raw = base64.b32decode(sec.upper() + "=" * (-len(sec) % 8))
    except (binascii.Error, ValueError):
        raise InvalidInput("err.input.otp_url", "otp_url") from None
    if len(raw) < 16:
        raise InvalidInput("err.input.otp_url", "otp_url")
    return u


def key_text(text: Any) -> str:
    k = text.strip() if isinstance(text, str) else ""
    if not k or "-----BEGIN" not in k:
        raise InvalidInput("err.input.key_required", "key")
    if "PRIVATE KEY" in k.upper():
        # Never send private key material anywhere.
        raise InvalidInput("err.input.private_key", "key")
    return k


def key_kind(text: str) -> str:
    up = (text or "").upper()
    if "BEGIN PGP" in up:
        return "pgp"
    if "CERTIFICATE-----" in up:
        return "smime"
    return "unknown"
