"""The input checks of the account's actions, each rule in one place.

Every function takes a field as the user typed it and returns the value to
send, or raises ``InvalidInput`` naming the field (``field``) with the
message key that says what to do. ``SecurityAccount`` runs them before it
sends anything; nothing else checks the same input again. The rules that
are not the account layer's own live where their subject does, and are
called from here: the otpauth URL rules in ``app.totp``, code spacing in
``app.totp.normalize_code``, allowed IPs in ``app.ipnets``, the key checks
(private keys first) in ``app.keys``, password strength in ``app.passwords``.

Every field that can take pasted text is first run through the one
private-key guard (``app.keys.private.refuse``): a private key in a password,
a code, a description, the allowed IPs or the key box is refused with the same
message, ``err.input.private_key``, and is never sent nor stored.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from app.auth import refuse_private_key
from app.errors import InvalidInput
from app.vocab import Generation, KeyKind, StrengthPolicy, Weakness

if TYPE_CHECKING:
    from app.keys import KeyReport
    from app.stalwart.state import PasswordFeature


def secret(value: Any, field: str, key: str = "err.input.password_required") -> str:
    """A password or an id: anything but empty, exactly as typed."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(key, field)
    refuse_private_key(value, field)
    return value


def description(text: Any, field: str = "description", required: bool = True) -> str:
    """Trimmed; "" when it may be left empty."""
    refuse_private_key(text, field)
    d = text.strip() if isinstance(text, str) else ""
    if not d and required:
        raise InvalidInput("err.input.description_required", field)
    return d


def offered(value: Any, available: bool, field: str) -> Any:
    """An option this server lacks must be left empty."""
    if value and not available:
        raise InvalidInput("err.input.option_unsupported", field)
    return value


def expiry_date(value: Any, now: Optional[datetime] = None, field: str = "expires") -> Optional[str]:
    """What a date field gives (``YYYY-MM-DD``, or empty for "never") as
    Stalwart's UTCDateTime: the end of that day in UTC. A ``date`` or an
    instant (``datetime``; naive means UTC) is taken too. It must be ahead of
    ``now``: a date that is not one is ``expiry_format``, one already past
    ``expiry_past``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        end = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        end = end.astimezone(timezone.utc).replace(microsecond=0)
    elif isinstance(value, (date, str)):
        try:
            day = value if isinstance(value, date) else date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("err.input.expiry_format", field) from None
        end = datetime.combine(day, time(23, 59, 59), timezone.utc)
    else:
        raise InvalidInput("err.input.expiry_format", field)
    if end <= (now or datetime.now(timezone.utc)):
        raise InvalidInput("err.input.expiry_past", field)
    return end.strftime("%Y-%m-%dT%H:%M:%SZ")


def allowed_ips(text: Any, field: str = "allowed_ips") -> dict[str, bool]:
    """The allowed-IPs field as typed (addresses or networks separated by
    commas, spaces or lines; a list of entries is taken too) -> the server's
    map ``{"10.0.0.2": true, "192.168.0.0/24": true}``, by the rules of
    ``app.ipnets`` (IpAddrOrMask: /8 and longer, no host bits, no zones).
    Empty means "any address". The first problem -> InvalidInput naming
    that entry and how to fix it."""
    from app import ipnets
    if text is None:
        return {}
    refuse_private_key(text, field)
    if not isinstance(text, str):
        text = "\n".join(t if isinstance(t, str) else "\u0000" for t in text)
    entries, issues = ipnets.parse_allowed_ips(text)
    if issues:
        i = issues[0]
        raise InvalidInput("err.input.bad_ip", field,
                           {"value": str(i.params.get("value", ""))[:64], "detail": i.message}, issue=i)
    return ipnets.to_map(entries)


def otp_code(value: Any, *, required: bool, field: str = "code") -> Optional[str]:
    """A code from an authenticator app: 6 to 8 digits, spaces anywhere
    (``app.totp.normalize_code``). Empty is None, or ``code_required`` when
    the action needs one."""
    from app.totp import is_code, normalize_code
    refuse_private_key(value, field)
    s = "" if value is None else normalize_code(str(value))
    if not s:
        if required:
            raise InvalidInput("err.input.code_required", field)
        return None
    if not is_code(s):
        raise InvalidInput("err.input.code_format", field)
    return s


def otp_url(url: Any, generation: Generation) -> str:
    """The server's parser rules (totp-rs ``TOTP::from_url``, ``app.totp``),
    enforced before saving: a URL the server cannot parse locks the user out."""
    from app import totp
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("err.input.otp_url", "otp_url", {"detail": "empty"})
    u = url.strip()
    issues = totp.validate_url(u, generation)
    if issues:
        raise InvalidInput("err.input.otp_url", "otp_url", {"detail": issues[0].message}, issue=issues[0])
    return u


def public_key(data: Any, emails: Iterable[str] = ()) -> "KeyReport":
    """The key to upload (pasted text, or a dropped file's bytes), checked by
    ``app.keys.check_key`` against the account's addresses: the accepted
    report, whose ``normalized`` text is what is sent. Private key material in
    any form is refused first, so nothing private is ever sent; pasted text
    must be PEM or ASCII-armored."""
    from app.keys import check_key
    refuse_private_key(data, "key")
    rep = check_key(data if isinstance(data, (str, bytes, bytearray, memoryview)) else "", emails)
    if rep.is_private:  # found by the key parsers rather than the recogniser
        what = rep.errors[0].params.get("what") if rep.errors else None
        raise InvalidInput("err.input.private_key", "key", {"what": what or "PKCS#12 bundle"})
    if not isinstance(data, (bytes, bytearray, memoryview)) and \
            "-----BEGIN" not in (data if isinstance(data, str) else ""):
        raise InvalidInput("err.input.key_required", "key")
    if not rep.accepted or not rep.normalized:
        raise InvalidInput("err.input.key_refused", "key",
                           {"detail": rep.errors[0].message if rep.errors else ""})
    return rep


def algorithm(value: Any, algorithms: Mapping[KeyKind, tuple[str, ...]], kind: KeyKind) -> str:
    """One of the algorithms the server offers for the key's kind (any it
    offers, for a key of unknown kind)."""
    offered = algorithms.get(kind) or {a for v in algorithms.values() for a in v}
    if not isinstance(value, str) or value not in offered:
        raise InvalidInput("err.input.algorithm", "algorithm")
    return value


def password_change(pw: "PasswordFeature", current: Any, new: Any, code: Any, confirm: Any,
                    user_inputs: Iterable[str] = (), *,
                    accept_weak: bool = False) -> tuple[str, str, Optional[str]]:
    """A password change's fields, in the order the form shows them: the
    current password, the new one (typed twice, not the current one, the
    policy: see ``new_password``), and the current code when two-factor is on."""
    cur = secret(current, "current_password")
    nw = new_password(new, confirm, pw.strength_policy, user_inputs, accept_weak=accept_weak,
                      current=cur)
    return cur, nw, otp_code(code, required=bool(pw.code_required))


def new_two_factor_key(current: Any, url: Any, generation: Generation, new_code: Any,
                       old_code: Any, replacing: bool) -> tuple[str, str, Optional[str]]:
    """Turning two-factor on, or moving it to a new app: the current password,
    the new key's URL (the server's rules), the code typed from the new app
    (checked against the new key here: the server does not check it, and a
    wrong key would lock the user out), and, when replacing, the old app's
    code (else None)."""
    from app import totp
    cur = secret(current, "current_password")
    u = otp_url(url, generation)
    refuse_private_key(new_code, "new_code")
    if new_code is not None and not totp.check_code(u, str(new_code)):
        raise InvalidInput("err.input.new_code_wrong", "new_code")
    c = otp_code(old_code, required=replacing)
    return cur, u, c if replacing else None


def new_password(new: Any, confirm: Any, policy: StrengthPolicy,
                 user_inputs: Iterable[str] = (), *, accept_weak: bool = False,
                 current: Optional[str] = None) -> str:
    """The new password: typed twice alike (when ``confirm`` is given), not
    ``current`` again (``SamePassword``), and one Stalwart 0.16 takes: 8 to 128
    bytes and a zxcvbn score of 3 or more (``app.passwords``), else
    ``WeakPassword`` naming the reason. Where the server enforces that itself
    (``StrengthPolicy.ENFORCED``) the refusal carries its words (``pw.too_short``,
    ``pw.too_weak``, …) and cannot be overridden; where it takes anything
    (``ADVISORY``, 0.11–0.15) this is the only guard: the refusal names the risk
    (``err.weak.*``) and ``accept_weak=True`` lets it through. The meter itself
    comes from ``SecurityAccount.password_strength``."""
    from app import passwords
    from app.errors import SamePassword, WeakPassword
    refuse_private_key(new, "new_password")
    refuse_private_key(confirm, "confirm_password")
    if not isinstance(new, str) or not new:
        raise InvalidInput("err.input.new_password_required", "new_password")
    if confirm is not None and confirm != new:
        raise InvalidInput("err.input.password_mismatch", "confirm_password")
    if current is not None and new == current:
        raise SamePassword()
    policy = StrengthPolicy(policy)
    if policy == StrengthPolicy.ADVISORY and accept_weak:
        return new
    s = passwords.assess(new, user_inputs, StrengthPolicy.ENFORCED)
    if s.ok:
        return new
    reason = weakness(s)
    if policy == StrengthPolicy.ENFORCED:
        err = WeakPassword(s.key, s.params, reason, s, overridable=False)
        err.message = s.message  # English; the key is in the page's catalogue (pw.*)
        raise err
    params = {"min": passwords.MIN_LENGTH} if reason == Weakness.TOO_SHORT else \
        {"max": passwords.MAX_LENGTH} if reason == Weakness.TOO_LONG else {}
    raise WeakPassword(_WEAK_KEYS[reason], params, reason, s, overridable=True)


# Where the server takes anything: the risk, and that keeping it must be confirmed
_WEAK_KEYS = {Weakness.TOO_SHORT: "err.weak.too_short", Weakness.TOO_LONG: "err.weak.too_long",
              Weakness.COMMON: "err.weak.common", Weakness.GUESSABLE: "err.weak.guessable"}
# zxcvbn warnings that mean "a known common password, or one close to it"
_COMMON = ("pw.warning.top10", "pw.warning.top100", "pw.warning.common",
           "pw.warning.similar_common")


def weakness(s: Any) -> Weakness:
    """Why Stalwart 0.16 refuses a password it refuses (``app.passwords.Strength``
    with ``ok`` False under ``StrengthPolicy.ENFORCED``)."""
    if s.too_long:
        return Weakness.TOO_LONG
    if s.too_short:
        return Weakness.TOO_SHORT
    return Weakness.COMMON if s.warning_key in _COMMON else Weakness.GUESSABLE
