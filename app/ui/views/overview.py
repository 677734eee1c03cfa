"""The overview: one row per feature (what is true, and what the user can do
about it or who can), and the one recommended next step.

Row ``status``:

* ``ON``: a protection is in place;
* ``OFF``: a recommended protection is missing, and the user can fix it here;
* ``NEUTRAL``: nothing to fix (a count, the password, an optional feature that is off);
* ``UNKNOWN``: the page could not read it;
* ``NOT_PERMITTED``: the user cannot change it here (the administrator's choice,
  or the limits of the app password / API key this sign-in uses);
* ``NOT_AVAILABLE``: this server has no such feature here (an older version,
  a directory elsewhere, turned off server-wide).

Encryption at rest is optional (and costs the mail if the private key is
lost): off is NEUTRAL, never a problem, and never the next step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from app.stalwart import state as S
from app.ui import text as txt
from app.ui.views.access import (API_KEYS, APP_PASSWORDS, ENCRYPTION, PASSWORD, TWO_FACTOR,
                                 limited, who_can)
from app.ui.views.say import Say

ON, OFF, NEUTRAL, UNKNOWN, NOT_PERMITTED, NOT_AVAILABLE = (
    "on", "off", "neutral", "unknown", "not_permitted", "not_available")
# Rows that keep the overview from saying "everything recommended is in place"
OPEN = (OFF, UNKNOWN, NOT_PERMITTED)

_STATUS_OF_ACCESS = {S.NOT_PERMITTED: NOT_PERMITTED, S.UNREADABLE: UNKNOWN,
                     S.PASSWORD_EXPIRED: NOT_PERMITTED}
_VALUE_OF_STATUS = {NOT_PERMITTED: "ui.summary.not_permitted", UNKNOWN: "ui.summary.unknown",
                    NOT_AVAILABLE: "ui.summary.not_available"}


@dataclass(frozen=True)
class Fingerprint:
    """A key's fingerprint, grouped the way its tools print it."""
    value: str
    kind: str = "openpgp"   # "openpgp" | "smime"

    @property
    def grouped(self) -> str:
        return txt.fingerprint(self.value, self.kind)


@dataclass(frozen=True)
class Row:
    section: str               # the section it links to
    label: Say
    value: Say                 # what is true now
    status: str
    action: Say                # what the user can do here, or who can
    detail: Optional[Fingerprint] = None


@dataclass(frozen=True)
class NextStep:
    say: Say
    section: str = ""          # a link to that section ("" when it is advice only)
    all_in_place: bool = False


@dataclass(frozen=True)
class Overview:
    rows: tuple[Row, ...]
    next: NextStep


def _unusable(section: str, label: str, a: S.Access, lim: bool) -> Row:
    """The feature itself cannot be read or used here."""
    status = _STATUS_OF_ACCESS.get(a.status, NOT_AVAILABLE)
    return Row(section, Say(label), Say(_VALUE_OF_STATUS[status]), status, who_can(a, lim))


def _refused(section: str, label: str, value: Say, a: S.Access, lim: bool,
             detail: Optional[Fingerprint] = None) -> Row:
    """The feature can be read (``value``) but the user cannot change it here."""
    status = _STATUS_OF_ACCESS.get(a.status, NOT_AVAILABLE)
    return Row(section, Say(label), value, status, who_can(a, lim), detail)


def _password(st: S.SecurityState, lim: bool) -> Row:
    pw = st.password
    label = "ui.password.title"
    if not pw.access.ok:
        return _unusable(PASSWORD, label, pw.access, lim)
    if pw.expired:
        return Row(PASSWORD, Say(label), Say("ui.summary.pw_expired"), OFF,
                   Say("ui.row.pw_expired"))
    if not pw.can(S.CHANGE):
        return _refused(PASSWORD, label, Say("ui.summary.pw_set"), pw.why_not(S.CHANGE), lim)
    return Row(PASSWORD, Say(label), Say("ui.summary.pw_set"), NEUTRAL, Say("ui.summary.pw_change"))


def _two_factor(st: S.SecurityState, lim: bool) -> Row:
    tf = st.two_factor
    label = "ui.totp.title"
    if not tf.access.ok:
        return _unusable(TWO_FACTOR, label, tf.access, lim)
    if tf.enabled is None:
        return Row(TWO_FACTOR, Say(label), Say("ui.summary.unknown"), UNKNOWN, Say("ui.row.unreadable"))
    if tf.enabled:
        if tf.can(S.REPLACE) or tf.can(S.TURN_OFF):
            return Row(TWO_FACTOR, Say(label), Say("ui.summary.on"), ON, Say("ui.row.totp_manage"))
        # on, and staying on: a protection in place, whoever may change it
        return Row(TWO_FACTOR, Say(label), Say("ui.summary.on"), ON,
                   who_can(tf.why_not(S.TURN_OFF), lim))
    if tf.can(S.TURN_ON):
        return Row(TWO_FACTOR, Say(label), Say("ui.summary.off"), OFF, Say("ui.row.totp_turn_on"))
    return _refused(TWO_FACTOR, label, Say("ui.summary.off"), tf.why_not(S.TURN_ON), lim)


def _credentials(st: S.SecurityState, lim: bool, api: bool) -> Row:
    f = st.api_keys if api else st.app_passwords
    section, label = (API_KEYS, "ui.cred.api") if api else (APP_PASSWORDS, "ui.cred.app")
    if not f.access.ok:
        return _unusable(section, label, f.access, lim)
    if f.count is None:
        return Row(section, Say(label), Say("ui.summary.unknown"), UNKNOWN, Say("ui.row.unreadable"))
    value = Say("ui.summary.count", {"n": f.count}) if f.count else Say("ui.summary.none")
    if f.can(S.CREATE) or f.can(S.REVOKE):
        return Row(section, Say(label), value, NEUTRAL, Say("ui.row.creds_manage"))
    return _refused(section, label, value, f.why_not(S.CREATE), lim)


def _encryption(st: S.SecurityState, lim: bool, fingerprint: Optional[Fingerprint]) -> Row:
    enc = st.encryption
    label = "ui.enc.title"
    if not enc.access.ok:
        return _unusable(ENCRYPTION, label, enc.access, lim)
    if enc.settings is None:
        return Row(ENCRYPTION, Say(label), Say("ui.summary.unknown"), UNKNOWN, Say("ui.row.unreadable"))
    if enc.enabled:
        value = Say("ui.summary.enc_on", {"kind": txt.KIND_NAMES.get(enc.settings.kind, ""),
                                          "algo": txt.algorithm_name(enc.settings.algorithm)})
        if enc.can(S.DISABLE) or enc.can(S.UPLOAD_AND_ENABLE):
            return Row(ENCRYPTION, Say(label), value, ON, Say("ui.row.enc_manage"), fingerprint)
        return Row(ENCRYPTION, Say(label), value, ON, who_can(enc.why_not(S.DISABLE), lim),
                   fingerprint)
    if enc.can(S.UPLOAD_AND_ENABLE) or enc.can(S.USE_KEY):
        return Row(ENCRYPTION, Say(label), Say("ui.summary.off"), NEUTRAL, Say("ui.summary.do_enc"))
    return _refused(ENCRYPTION, label, Say("ui.summary.off"), enc.why_not(S.UPLOAD_AND_ENABLE), lim)


def next_step(st: S.SecurityState, rows: tuple[Row, ...]) -> NextStep:
    """The one thing most worth doing now. Never "all in place" while a row is
    off, unknown or not permitted; never encryption at rest (optional)."""
    by = {r.section: r for r in rows}
    lim = limited(st)
    if st.password.expired:
        return NextStep(Say("ui.summary.do_password"), PASSWORD)
    tf = by[TWO_FACTOR]
    if tf.status == OFF:
        return NextStep(Say("ui.summary.do_totp"), TWO_FACTOR)
    if tf.status == NOT_PERMITTED and st.two_factor.enabled is False:
        return NextStep(Say("ui.next.totp_signin" if lim else "ui.next.totp_admin"))
    if any(r.status == UNKNOWN for r in rows):
        return NextStep(Say("ui.next.unknown"))
    ap = st.app_passwords
    if st.two_factor.enabled and ap.count == 0 and ap.can(S.CREATE):
        return NextStep(Say("ui.summary.do_breakglass"), APP_PASSWORDS)
    if any(r.status == NOT_PERMITTED for r in rows):
        return NextStep(Say("ui.next.limited" if lim else "ui.next.admin"))
    off = next((r for r in rows if r.status == OFF), None)
    if off is not None:  # (no such row today: a safety net for a new one)
        return NextStep(Say("ui.next.open", {"what": off.label}), off.section)
    return NextStep(Say("ui.summary.do_none"), all_in_place=True)


def overview(st: S.SecurityState, fingerprint: Optional[Fingerprint] = None) -> Overview:
    """The rows and the next step. ``fingerprint``: the key encryption at rest
    uses, when the painter could tell (``views.encryption.key_in_use``)."""
    lim = limited(st)
    rows = (_password(st, lim), _two_factor(st, lim), _credentials(st, lim, api=False),
            _credentials(st, lim, api=True), _encryption(st, lim, fingerprint))
    return Overview(rows, next_step(st, rows))


__all__ = ["Overview", "Row", "NextStep", "Fingerprint", "overview", "next_step",
           "ON", "OFF", "NEUTRAL", "UNKNOWN", "NOT_PERMITTED", "NOT_AVAILABLE", "OPEN"]
