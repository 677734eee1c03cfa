"""What each section offers, and, for everything it does not, why and who can
change that: the lines under a section's title and the buttons it shows.

Nothing is shown disabled: a feature or an action the account may not use has
its controls hidden and a line in their place. A missing permission is the
administrator's choice, or (signed in with an app password or API key) perhaps
that credential's own limits; the line says which, and what to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from app.stalwart import state as S
from app.ui.views.say import Say

# The sections (their element ids, and the address fragments that show them)
PASSWORD, TWO_FACTOR, APP_PASSWORDS, API_KEYS, ENCRYPTION = (
    "password", "two-factor", "app-passwords", "api-keys", "encryption")
SECTIONS = (PASSWORD, TWO_FACTOR, APP_PASSWORDS, API_KEYS, ENCRYPTION)

# What each feature (or action) lets the user do, for "… hasn't allowed {what}".
WHAT = {"password": "ui.unavail.password", "two_factor": "ui.unavail.totp",
        "app_passwords": "ui.unavail.app_passwords", "api_keys": "ui.unavail.api_keys",
        "keys": "ui.unavail.public_keys", "encryption": "ui.unavail.encryption",
        "manage_app_passwords": "ui.unavail.manage_app_passwords",
        "manage_api_keys": "ui.unavail.manage_api_keys",
        "change_encryption": "ui.unavail.change_encryption"}

# Who can change it, or what to do, for each reason a feature or action is refused.
WHO = {S.NOT_PERMITTED: "ui.row.admin", S.MANAGED_ELSEWHERE: "ui.row.elsewhere",
       S.TURNED_OFF: "ui.row.turned_off", S.NOT_SUPPORTED: "ui.row.not_supported",
       S.PASSWORD_EXPIRED: "ui.row.expired_first", S.UNREADABLE: "ui.row.unreadable"}


def limited(st: Optional[S.SecurityState]) -> bool:
    """Signed in with an app password or API key: one made with limits ("may
    not change security settings") is refused what the account itself may do."""
    return st is not None and st.sign_in.method in (S.BY_APP_PASSWORD, S.BY_API_KEY)


def who_can(a: S.Access, is_limited: bool) -> Say:
    """For an ``Access`` that is not ok: who can change it, or what to do."""
    if a.status == S.NOT_PERMITTED and is_limited:
        return Say("ui.row.limited")
    return Say(WHO.get(a.status, "ui.row.not_supported"))


@dataclass(frozen=True)
class Line:
    """One reason a feature or action cannot be used here, in words; the
    permission ids go in a details line for the administrator."""
    say: Say
    permissions: tuple[str, ...] = ()
    server_text: Optional[str] = None


def line(name: str, a: S.Access, is_limited: bool) -> Line:
    if a.status == S.NOT_PERMITTED and name in WHAT:
        key = "ui.unavail.not_allowed_signin" if is_limited else "ui.unavail.not_allowed"
        return Line(Say(key, {"what": Say(WHAT[name])}), tuple(a.permissions), a.server_text)
    return Line(Say(a.key), tuple(a.permissions), a.server_text)


@dataclass(frozen=True)
class Availability:
    """``usable``: the section's body is shown (some of it can be used);
    ``lines``: why the rest is missing, once per reason; ``offers``: the
    actions whose buttons or forms are shown."""
    usable: bool
    lines: tuple[Line, ...] = ()
    offers: frozenset = field(default_factory=frozenset)

    def offered(self, action: str) -> bool:
        return action in self.offers


class _Keys:
    """The stored encryption keys, gated like a feature of their own."""
    def __init__(self, enc: S.EncryptionFeature):
        self.access = enc.keys_access


def _feature(st: S.SecurityState, name: str) -> Any:
    return _Keys(st.encryption) if name == "keys" else getattr(st, name)


def _gate(st: S.SecurityState, names: tuple[str, ...], is_limited: bool
          ) -> tuple[bool, list[Line], list[S.Access]]:
    lines: list[Line] = []
    seen: list[S.Access] = []
    missing = 0
    for name in names:
        a = _feature(st, name).access
        if a.ok:
            continue
        missing += 1
        if a in seen:
            continue  # one reason shared by two features is said once
        seen.append(a)
        lines.append(line(name, a, is_limited))
    return missing < len(names), lines, seen


def _explain(feature: S.Feature, name: str, actions: tuple[str, ...], is_limited: bool,
             seen: list[S.Access]) -> Optional[Line]:
    """The first of ``actions`` that is not permitted, as a line (None when
    all are permitted, or the reason is one already said)."""
    if not feature.access.ok:
        return None
    for action in actions:
        if feature.can(action):
            continue
        a = feature.why_not(action)
        if a.status != S.NOT_PERMITTED or a in seen:
            return None
        seen.append(a)
        return line(name, a, is_limited)
    return None


def availability(st: Optional[S.SecurityState], section: str, offline: bool = False) -> Availability:
    """What ``section`` shows for this state (None: signed out, or ``offline``:
    a kept sign-in whose server cannot be reached until the browser is online)."""
    if st is None:
        # only the key check, which needs no server
        lines = (Line(Say("ui.offline.section")),) if offline else ()
        return Availability(section == ENCRYPTION, lines)
    lim = limited(st)
    if section == PASSWORD:
        usable, lines, seen = _gate(st, ("password",), lim)
        pw = st.password
        why = _explain(pw, "password", (S.CHANGE,), lim, seen)
        offers = {S.CHANGE} if usable and pw.can(S.CHANGE) else set()
    elif section == TWO_FACTOR:
        usable, lines, seen = _gate(st, ("two_factor",), lim)
        tf = st.two_factor
        on = tf.enabled is True
        wanted = (S.REPLACE, S.TURN_OFF) if on else (S.TURN_ON,)
        why = _explain(tf, "two_factor", (S.TURN_OFF,) if on else (S.TURN_ON,), lim, seen)
        offers = {a for a in wanted if usable and tf.enabled is not None and tf.can(a)}
    elif section in (APP_PASSWORDS, API_KEYS):
        name = "app_passwords" if section == APP_PASSWORDS else "api_keys"
        usable, lines, seen = _gate(st, (name,), lim)
        f = _feature(st, name)
        why = _explain(f, f"manage_{name}", (S.CREATE, S.REVOKE), lim, seen)
        offers = {a for a in (S.CREATE, S.REVOKE) if usable and f.can(a)}
    elif section == ENCRYPTION:
        enc = st.encryption
        names = ("encryption", "keys") if enc.stores_keys else ("encryption",)
        usable, lines, seen = _gate(st, names, lim)
        on = enc.enabled is True
        wanted = (S.UPLOAD_AND_ENABLE, S.USE_KEY, S.DISABLE, S.DELETE_KEY)
        # a way to turn it on (or switch keys), and when it is on, a way off
        needed = (S.UPLOAD_AND_ENABLE, S.DISABLE) if on else (S.UPLOAD_AND_ENABLE,)
        why = _explain(enc, "change_encryption", needed, lim, seen) if usable else None
        offers = {a for a in wanted if usable and enc.settings is not None and enc.can(a)}
    else:
        raise ValueError(section)
    if why is not None:
        lines.append(why)
    return Availability(usable, tuple(lines), frozenset(offers))


__all__ = ["Availability", "Line", "availability", "who_can", "limited", "line", "SECTIONS",
           "PASSWORD", "TWO_FACTOR", "APP_PASSWORDS", "API_KEYS", "ENCRYPTION"]
