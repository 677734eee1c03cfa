"""Is the change in place? Pure questions to a fresh ``SecurityState``.

After a lost answer the account re-reads the state and asks one of these
(``app.stalwart.changes``): True (in place), False (not), None (the state
cannot tell: the part could not be read). They ask the state's facts
(``stores_keys``, ``items``), never the server generation.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from app.stalwart.models import AppPassword, Encryption, PublicKey
from app.stalwart.state import ENDED, CredentialFeature, SecurityState
from app.vocab import CredentialKind, KeyKind, SessionEffect, WayIn, Wiped

InPlace = Callable[[SecurityState], Optional[bool]]


def negate(on: Optional[bool]) -> Optional[bool]:
    return None if on is None else not on


def two_factor_on(st: SecurityState) -> Optional[bool]:
    return st.two_factor.enabled


def two_factor_off(st: SecurityState) -> Optional[bool]:
    return negate(st.two_factor.enabled)


def encryption_off(st: SecurityState) -> Optional[bool]:
    return negate(st.encryption.enabled)


def credentials(st: SecurityState, kind: CredentialKind) -> CredentialFeature:
    return st.app_passwords if kind == CredentialKind.APP_PASSWORD else st.api_keys


def made_now(st: SecurityState, kind: CredentialKind, before: Iterable[str], description: str,
             id: Optional[str] = None) -> Optional[list[AppPassword]]:
    """The credentials an action made: the one with ``id`` when the page made
    it (its name is known), else every new one with that description (None:
    the list could not be read)."""
    items = credentials(st, kind).items
    if items is None:
        return None
    if id is not None:
        return [i for i in items if i.id == id]
    old = set(before)
    return [i for i in items if i.id not in old and i.description == description]


def credential_made(kind: CredentialKind, before: Iterable[str], description: str,
                    id: Optional[str] = None) -> InPlace:
    def check(st: SecurityState) -> Optional[bool]:
        new = made_now(st, kind, before, description, id)
        return None if new is None else bool(new)
    return check


def credential_gone(kind: CredentialKind, id: str) -> InPlace:
    def check(st: SecurityState) -> Optional[bool]:
        items = credentials(st, kind).items
        return None if items is None else all(i.id != id for i in items)
    return check


def same_key(a: str, b: str) -> bool:
    """The same key text, whatever the line endings and blank lines."""
    def norm(t: str) -> list[str]:
        return [ln.strip() for ln in (t or "").replace("\r", "").strip().split("\n") if ln.strip()]
    return norm(a) == norm(b)


def stored_key(st: SecurityState, text: str) -> Optional[PublicKey]:
    return next((k for k in (st.encryption.keys or []) if same_key(k.key, text)), None)


def key_uploaded(text: str, kind: KeyKind, algorithm: str, before: Optional[Encryption]) -> InPlace:
    """Where keys are stored apart from the setting: the key is stored (in use,
    or half done). Where the key travels with the setting: the setting is on
    with that kind and algorithm, and changed since ``before`` (on before and
    after with the same blob: cannot tell)."""
    def check(st: SecurityState) -> Optional[bool]:
        e = st.encryption
        if e.stores_keys:
            return None if e.keys is None or e.settings is None else stored_key(st, text) is not None
        s = e.settings
        if s is None:
            return None
        if not (s.enabled and s.kind == kind and s.algorithm == algorithm):
            return False
        changed = before is None or not before.enabled or before.certs != s.certs
        return True if changed else None
    return check


def key_in_use(key_id: str, algorithm: str) -> InPlace:
    def check(st: SecurityState) -> Optional[bool]:
        s = st.encryption.settings
        return None if s is None else bool(s.enabled and s.public_key == key_id
                                           and s.algorithm == algorithm)
    return check


def key_gone(key_id: str) -> InPlace:
    def check(st: SecurityState) -> Optional[bool]:
        e = st.encryption
        return None if e.keys is None else e.find_key(key_id) is None
    return check


def wiped(before: SecurityState, after: Optional[SecurityState],
          session: SessionEffect) -> tuple[Wiped, ...]:
    """What a password change removed besides, on a server that wipes: from
    the two states, or, when the change ended the session before anything
    could be read, what this server does (``before.password.wipes``)."""
    if not before.password.wipes:
        return ()
    had = ((Wiped.APP_PASSWORDS, bool(before.app_passwords.count)),
           (Wiped.TWO_FACTOR, bool(before.two_factor.enabled)))
    if after is None:
        return tuple(w for w, yes in had if yes and session == ENDED)
    gone = {Wiped.APP_PASSWORDS: after.app_passwords.count == 0,
            Wiped.TWO_FACTOR: after.two_factor.enabled is False}
    return tuple(w for w, yes in had if yes and gone[w])


def password_change_reach(before: SecurityState, after: Optional[SecurityState],
                          removed: tuple[Wiped, ...]) -> tuple[tuple[WayIn, ...], tuple[WayIn, ...]]:
    """What a password change ended besides, and what keeps working
    (``Outcome.ends`` / ``keeps``): the server's facts
    (``PasswordFeature.change_ends`` / ``change_keeps``), where what it may
    remove (``wipes``) is replaced by what it did (``removed``, from
    ``wiped``): removed, it ended; there before and still there after, it
    keeps working (0.11–0.13)."""
    pw = before.password
    ends = tuple(WayIn(w) for w in pw.change_ends if w not in pw.wipes or w in removed)
    had = {WayIn.APP_PASSWORDS: bool(before.app_passwords.count),
           WayIn.TWO_FACTOR: bool(before.two_factor.enabled)}
    spared = tuple(WayIn(w) for w in pw.wipes
                   if after is not None and had.get(WayIn(w)) and w not in removed)
    return ends, tuple(pw.change_keeps) + spared


__all__ = ["InPlace", "negate", "two_factor_on", "two_factor_off", "encryption_off",
           "credentials", "made_now", "credential_made", "credential_gone", "same_key",
           "stored_key", "key_uploaded", "key_in_use", "key_gone", "wiped",
           "password_change_reach"]
