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
    bits, no zones). The first problem -> InvalidInput naming the entry
    (the page checks the field itself first and lists every problem)."""
    from app import ipnets
    if values is None:
        return {}
    text = values if isinstance(values, str) else "\n".join(
        v if isinstance(v, str) else "\u0000" for v in values)
    entries, issues = ipnets.parse_allowed_ips(text)
    if issues:
        value, detail = _first_issue(issues)
        err = InvalidInput("err.input.bad_ip", "allowed_ips", {"value": value[:64], "detail": detail})
        err.issue = issues[0]  # type: ignore[attr-defined]  # the detail, for the page's language
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
        err.issue = issues[0]  # type: ignore[attr-defined]  # the detail, for the page's language
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


# ----- the account layer's checks (app.stalwart.account): inputs as the user typed them ----

# "Block changes to account security" on a new app password (0.16): the credential
# may not change the password or 2FA, make or remove app passwords or API keys,
# or touch encryption at rest (keys and setting). Reading stays allowed. It is a
# "Disable" list: it only removes permissions, so the server never refuses it as
# a grant the user does not hold.
SECURITY_PERMISSIONS = (
    "sysAccountPasswordUpdate", "sysAppPasswordCreate", "sysAppPasswordUpdate",
    "sysAppPasswordDestroy", "sysApiKeyCreate", "sysApiKeyUpdate", "sysApiKeyDestroy",
    "sysPublicKeyCreate", "sysPublicKeyUpdate", "sysPublicKeyDestroy", "sysAccountSettingsUpdate",
)


def block_security_changes_patch() -> dict:
    return {"@type": "Disable", "permissions": {p: True for p in SECURITY_PERMISSIONS}}


def expiry_date(value: Any, now: Optional[datetime] = None, field: str = "expires") -> Optional[str]:
    """What a date field gives (``YYYY-MM-DD``, or empty for "never") as
    Stalwart's UTCDateTime: the end of that day in UTC. A ``date`` or
    ``datetime`` is taken too. It must still be ahead of ``now``."""
    from datetime import date, time as dtime
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return utc_datetime(value, now, field)
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("err.input.expiry_format", field) from None
    else:
        raise InvalidInput("err.input.expiry_format", field)
    end = datetime.combine(day, dtime(23, 59, 59), timezone.utc)
    if end <= (now or datetime.now(timezone.utc)):
        raise InvalidInput("err.input.expiry_past", field)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


def allowed_ips_text(text: Any, field: str = "allowed_ips") -> dict[str, bool]:
    """The allowed-IPs field as typed (commas, spaces or lines) -> the
    server's map; empty means "any address". A problem -> InvalidInput
    (see ``allowed_ips``)."""
    if text is None:
        return {}
    if not isinstance(text, str):
        text = "\n".join(str(t) for t in text)
    try:
        return allowed_ips(text)
    except InvalidInput as e:
        e.field = field
        raise


def new_password(new: Any, confirm: Any, policy: str, user_inputs: Iterable[str] = ()) -> str:
    """The new password: typed twice alike (when ``confirm`` is given) and
    accepted by the server's policy (``app.passwords``). A refusal is an
    InvalidInput whose key and params are the strength verdict's
    (``pw.too_short``, ``pw.too_weak``, …); the meter itself comes from
    ``Account.password_strength``."""
    from app import passwords
    if not isinstance(new, str) or not new:
        raise InvalidInput("err.input.new_password_required", "new_password")
    if confirm is not None and confirm != new:
        raise InvalidInput("err.input.password_mismatch", "confirm_password")
    s = passwords.assess(new, user_inputs, policy)
    if not s.ok:
        err = InvalidInput(s.key, "new_password", s.params)
        err.message = s.message  # English; the key is in the page's catalogue (pw.*)
        raise err
    return new
