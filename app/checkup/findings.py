"""The security checkup: what an intruder may have left behind, ranked.

``run(state, filters, now)`` is a pure function from the account's
``SecurityState``, its ``Filters`` (``app.stalwart.sieve.read_filters``) and
the time to a ``Checkup``: a list of ``Finding``s, most urgent first. Each
finding says what it is about (``subject``), why (``kind`` → message key
``checkup.<kind>`` filled with ``params``), how urgent (``risk``) and what
the page can do about it (``fixes``, each a typed ``FixAction`` with whether
these credentials may do it). A part the page could not read is a finding
too (``CANNOT_CHECK``), never silence: ``Checkup.clean`` is true only when
everything was read and nothing was found.

The ranking (``Risk``, then ``ORDER`` within a risk) and why:

* HIGH: mail is leaving or may be, and a standing way in.
  1. ``SCRIPT_FORWARDS`` with an address outside the user's domains or
     unknown: every matching message goes to someone else, now.
  2. ``SCRIPT_UNREADABLE``: the active filter could be doing exactly that.
  3. ``CREDENTIAL_UNBOUNDED``: full rights and no end date: a way in that a
     password change does not close on 0.16 (seen on 0.16.18).
  4. ``KEY_EXPIRED``: the server may fail to store new mail (a delivery that
     cannot be encrypted is refused) or store it for a key the user may no
     longer have.
* MEDIUM: a way in or out to look at.
  5. ``CANNOT_CHECK``: unknown is not clean; it may hide any of the above.
  6. ``SCRIPT_FORWARDS`` to the user's own domains only: still other mailboxes.
  7. ``AUTO_REPLY`` / 8. ``SCRIPT_AUTO_REPLY``: an auto-reply written by someone
     else answers every sender in the user's name (a classic for payment fraud).
  9. ``TWO_FACTOR_OFF``: the password alone opens the account.
  10. ``CREDENTIAL_SAME_NAME``: a twin hides among the user's own credentials.
  11. ``CREDENTIAL_FULL_RIGHTS`` (with an end date).
  12. ``KEY_EXPIRING`` (within ``KEY_EXPIRY_WARNING_DAYS``).
* LOW: 13. ``CREDENTIAL_NO_EXPIRY`` (limited rights), 14. ``CREDENTIAL_EXPIRING``
  (within ``CREDENTIAL_EXPIRY_WARNING_DAYS``: the user's own app will stop),
  15. ``CREDENTIAL_EXPIRED`` (no longer works: tidy up).
* INFO: 16. ``KEY_CONFIRM_PRIVATE``: encryption at rest is on; only the holder
  of the private key can read the stored mail.

Credentials: one finding about rights and lifetime (unbounded / full rights /
no expiry; none for an expired one) and one about the end date (expired /
expiring). On 0.11–0.15 app passwords have no limits or end date at all, so
each is "unbounded" (revoking is the only fix). Duplicate names are compared
case-insensitively, spaces squeezed, across app passwords and API keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from app.checkup import words
from app.checkup.addresses import own_domains
from app.checkup.kinds import (Area, FindingKind, FixAction, Risk, Scope, SubjectKind, Unreadable)
from app.checkup.sieve import FilterReport, Target, read_filter

CREDENTIAL_EXPIRY_WARNING_DAYS = 14
KEY_EXPIRY_WARNING_DAYS = 30

K = FindingKind
ORDER: tuple[FindingKind, ...] = (
    K.SCRIPT_FORWARDS, K.SCRIPT_UNREADABLE, K.CREDENTIAL_UNBOUNDED, K.KEY_EXPIRED, K.CANNOT_CHECK,
    K.AUTO_REPLY, K.SCRIPT_AUTO_REPLY, K.TWO_FACTOR_OFF, K.CREDENTIAL_SAME_NAME,
    K.CREDENTIAL_FULL_RIGHTS, K.KEY_EXPIRING, K.CREDENTIAL_NO_EXPIRY, K.CREDENTIAL_EXPIRING,
    K.CREDENTIAL_EXPIRED, K.KEY_CONFIRM_PRIVATE)


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: Optional[str] = None
    name: str = ""


@dataclass(frozen=True)
class Fix:
    """An action the page can offer. ``access`` is the ``app.stalwart.state.Access``
    of doing it with these credentials (show ``access.key`` when not ``ok``)."""
    action: FixAction
    subject: Optional[Subject] = None
    access: Any = None

    @property
    def available(self) -> bool:
        return self.access is None or bool(getattr(self.access, "ok", False))

    @property
    def key(self) -> str:
        """The button's label (``checkup.fix.<action>``; ask_administrator has
        ``{permissions}``: fill it from ``access.permissions`` or the finding's)."""
        return words.FIX[self.action]


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    risk: Risk
    subject: Subject
    fixes: tuple[Fix, ...] = ()
    params: dict = field(default_factory=dict, hash=False, compare=False)
    targets: tuple[Target, ...] = ()   # SCRIPT_FORWARDS: each address, in script order
    area: Optional[Area] = None        # CANNOT_CHECK: which part
    access: Any = None                 # CANNOT_CHECK: why (``Access``: key, permissions)
    related: tuple[Subject, ...] = ()  # CREDENTIAL_SAME_NAME: all of them

    @property
    def key(self) -> str:
        """The message key, filled with ``params``: ``checkup.<kind>``,
        ``checkup.cannot_check.<area>``, ``checkup.script_unreadable.<reason>``."""
        if self.kind is K.CANNOT_CHECK:
            return words.CANNOT_CHECK[self.area]
        if self.kind is K.SCRIPT_UNREADABLE:
            return words.UNREADABLE[Unreadable(self.params["reason"])]
        return words.FINDING[self.kind]

    @property
    def risk_key(self) -> str:
        return words.RISK[self.risk]


@dataclass(frozen=True)
class Checkup:
    findings: tuple[Finding, ...]
    checked_at: datetime

    @property
    def clean(self) -> bool:
        """Everything could be read and nothing was found."""
        return not self.findings

    @property
    def highest(self) -> Optional[Risk]:
        return self.findings[0].risk if self.findings else None

    def of(self, kind: FindingKind) -> list[Finding]:
        return [f for f in self.findings if f.kind is kind]


def rank(findings) -> tuple[Finding, ...]:
    """Most urgent first: risk, then ``ORDER``, then the subject's name."""
    return tuple(sorted(findings, key=lambda f: (-int(f.risk), ORDER.index(f.kind), f.subject.name.lower(),
                                                 f.subject.id or "")))


def run(state, filters, now: Optional[datetime] = None,
        key_expiry: Optional[Callable[[Any], Optional[datetime]]] = None) -> Checkup:
    """The checkup of one account. ``state``: ``SecurityState``; ``filters``:
    ``Filters`` or None when they could not be read at all; ``key_expiry``:
    how to read a stored key's own expiry (default: ``app.keys``)."""
    now = _utc(now or datetime.now(timezone.utc))
    out: list[Finding] = []
    out += _filters(filters, state)
    out += _credentials(state, now)
    out += _two_factor(state)
    out += _encryption(state, now, key_expiry or key_expiry_of)
    return Checkup(rank(out), now)


# ----------------------------------------------------------------------- pieces

def _cannot(area: Area, access, name: str = "") -> Finding:
    fixes = ()
    if access is not None and getattr(access, "permissions", ()):
        fixes = (Fix(FixAction.ASK_ADMINISTRATOR),)
    return Finding(K.CANNOT_CHECK, Risk.MEDIUM, Subject(SubjectKind.AREA, area.value, name), fixes,
                   {"area": area.value, "permissions": ", ".join(getattr(access, "permissions", ()) or ())},
                   area=area, access=access)


def _skip(access) -> bool:
    """The feature does not exist on this server: nothing to check."""
    return getattr(access, "status", None) == "not_supported"


def _filters(filters, state) -> list[Finding]:
    from app.stalwart.state import UNREADABLE, Access as A
    if filters is None:
        gone = A(UNREADABLE)
        return [_cannot(Area.FILTERS, gone), _cannot(Area.AUTO_REPLY, gone)]
    out = []
    addresses = list(filters.addresses)
    if state is not None and "@" in (state.sign_in.username or ""):
        addresses.append(state.sign_in.username)
    domains = own_domains(addresses)
    auto = filters.auto_reply
    if filters.scripts is None:
        if not _skip(filters.scripts_access):
            out.append(_cannot(Area.FILTERS, filters.scripts_access))
    else:
        active = filters.active
        # the auto-reply's own script is the VacationResponse: reported as AUTO_REPLY
        if active is not None and not (active.is_auto_reply and auto is not None):
            out += _script(active, read_filter(active.name, filters.by_name(), domains), filters)
    if auto is None:
        if not _skip(filters.auto_reply_access):
            out.append(_cannot(Area.AUTO_REPLY, filters.auto_reply_access))
    elif auto.enabled:
        out.append(Finding(K.AUTO_REPLY, Risk.MEDIUM, Subject(SubjectKind.AUTO_REPLY, "singleton", auto.subject or ""),
                           (Fix(FixAction.TURN_OFF_AUTO_REPLY, None, filters.change_auto_reply),),
                           {"subject": auto.subject or "", "from": auto.from_date or "",
                            "to": auto.to_date or ""}))
    return out


def _script(script, report: FilterReport, filters) -> list[Finding]:
    subject = Subject(SubjectKind.SCRIPT, script.id, script.name)
    fix = (Fix(FixAction.TURN_OFF_SCRIPT, subject, filters.change_scripts),)
    out = []
    if report.targets:
        outside = any(t.scope is not Scope.INSIDE for t in report.targets)
        addresses = [t.address or t.raw for t in report.targets]
        out.append(Finding(K.SCRIPT_FORWARDS, Risk.HIGH if outside else Risk.MEDIUM, subject, fix,
                           {"name": script.name, "addresses": ", ".join(dict.fromkeys(addresses)),
                            "count": len(dict.fromkeys(addresses))},
                           targets=report.targets))
    if report.unreadable is not None:
        reason = report.unreadable
        out.append(Finding(K.SCRIPT_UNREADABLE, Risk.HIGH, subject, fix,
                           {"name": script.name, "reason": reason.value, "detail": report.detail,
                            "included": report.unreadable_script if report.unreadable_script != script.name else ""}))
    if report.auto_reply:
        out.append(Finding(K.SCRIPT_AUTO_REPLY, Risk.MEDIUM, subject, fix,
                           {"name": script.name, "conditional": report.auto_reply_conditional}))
    return out


def _full_rights(perms) -> bool:
    """``Inherit`` (or none): everything the account may do. ``Disable`` with
    nothing disabled is the same. ``Replace``, or a real ``Disable``: limited."""
    if not isinstance(perms, dict):
        return True
    t = perms.get("@type")
    listed = [k for k, v in (perms.get("permissions") or {}).items() if v] \
        if isinstance(perms.get("permissions"), dict) else []
    if t == "Replace":
        return False
    if t == "Disable":
        return not listed
    return True


def _credentials(state, now: datetime) -> list[Finding]:
    if state is None:
        return []
    out = []
    named: dict[str, list[Subject]] = {}
    for feat, kind, revoke, area in ((state.app_passwords, SubjectKind.APP_PASSWORD, FixAction.REVOKE_APP_PASSWORD,
                                      Area.APP_PASSWORDS),
                                     (state.api_keys, SubjectKind.API_KEY, FixAction.REVOKE_API_KEY, Area.API_KEYS)):
        if feat.items is None:
            if not _skip(feat.access):
                out.append(_cannot(area, feat.access))
            continue
        can = feat.why_not("revoke")
        for item in feat.items:
            subj = Subject(kind, item.id, item.description)
            fix = (Fix(revoke, subj, can),)
            named.setdefault(" ".join(item.description.split()).casefold(), []).append(subj)
            expires = _parse_time(item.expires_at)
            params = {"name": item.description, "created": item.created_at or "",
                      "expires": expires.date() if expires else "", "days": "",
                      "ips": ", ".join(item.allowed_ips)}
            if expires is not None and expires <= now:
                out.append(Finding(K.CREDENTIAL_EXPIRED, Risk.LOW, subj, fix, params))
                continue
            full = _full_rights(item.permissions)
            if full and expires is None:
                out.append(Finding(K.CREDENTIAL_UNBOUNDED, Risk.HIGH, subj, fix, params))
            elif full:
                out.append(Finding(K.CREDENTIAL_FULL_RIGHTS, Risk.MEDIUM, subj, fix, params))
            elif expires is None:
                out.append(Finding(K.CREDENTIAL_NO_EXPIRY, Risk.LOW, subj, fix, params))
            if expires is not None and expires - now <= timedelta(days=CREDENTIAL_EXPIRY_WARNING_DAYS):
                days = max(0, (expires - now).days)
                out.append(Finding(K.CREDENTIAL_EXPIRING, Risk.LOW, subj, fix, {**params, "days": days}))
    for group in named.values():
        if len(group) > 1:
            fixes = tuple(Fix(FixAction.REVOKE_APP_PASSWORD if s.kind is SubjectKind.APP_PASSWORD
                              else FixAction.REVOKE_API_KEY, s,
                              (state.app_passwords if s.kind is SubjectKind.APP_PASSWORD
                               else state.api_keys).why_not("revoke"))
                          for s in group)
            out.append(Finding(K.CREDENTIAL_SAME_NAME, Risk.MEDIUM, group[0], fixes,
                               {"name": group[0].name, "count": len(group)}, related=tuple(group)))
    return out


def _two_factor(state) -> list[Finding]:
    if state is None:
        return []
    tf = state.two_factor
    if tf.enabled is None:
        return [] if _skip(tf.access) else [_cannot(Area.TWO_FACTOR, tf.access)]
    if tf.enabled:
        return []
    return [Finding(K.TWO_FACTOR_OFF, Risk.MEDIUM, Subject(SubjectKind.TWO_FACTOR),
                    (Fix(FixAction.TURN_ON_TWO_FACTOR, None, tf.why_not("turn_on")),))]


def _encryption(state, now: datetime, key_expiry) -> list[Finding]:
    if state is None:
        return []
    enc = state.encryption
    if enc.enabled is None:
        return [] if _skip(enc.access) else [_cannot(Area.ENCRYPTION, enc.access)]
    if not enc.enabled:
        return []
    fixes = (Fix(FixAction.REPLACE_KEY, None, enc.why_not("upload_and_enable")),
             Fix(FixAction.TURN_OFF_ENCRYPTION, None, enc.why_not("disable")))
    key = enc.in_use
    subj = Subject(SubjectKind.ENCRYPTION_KEY, key.id if key else None, key.description if key else "")
    out = [Finding(K.KEY_CONFIRM_PRIVATE, Risk.INFO, subj,
                   (Fix(FixAction.CONFIRM_PRIVATE_KEY, subj), *fixes), {"name": subj.name})]
    if key is None:
        # 0.11-0.15 never give the key back; 0.16 when the key list was not readable
        from app.stalwart.state import NOT_SUPPORTED, Access as A
        why = enc.keys_access if not enc.keys_access.ok else A(NOT_SUPPORTED)
        out.append(_cannot(Area.ENCRYPTION_KEY, why))
        return out
    expires = key_expiry(key)
    if expires is None:
        return out
    params = {"name": key.description, "expires": expires.date(),
              "days": max(0, (expires - now).days)}
    if expires <= now:
        out.append(Finding(K.KEY_EXPIRED, Risk.HIGH, subj, fixes, params))
    elif expires - now <= timedelta(days=KEY_EXPIRY_WARNING_DAYS):
        out.append(Finding(K.KEY_EXPIRING, Risk.MEDIUM, subj, fixes, params))
    return out


def key_expiry_of(key) -> Optional[datetime]:
    """The earlier of the key object's ``expiresAt`` (0.16, informational) and
    the end date written in the key itself (``app.keys``: an OpenPGP key's
    encryption subkeys, an S/MIME certificate's notAfter)."""
    dates = [d for d in (_parse_time(getattr(key, "expires_at", None)),) if d]
    text = getattr(key, "key", "") or ""
    if text:
        try:
            from app.keys import check_key
            rep = check_key(text)
            own = rep.expires  # the end the key itself states, refused or not
            if own is None:
                ends = [k.expires for k in rep.keys if k.expires] + [c.not_after for c in rep.certificates
                                                                      if c.not_after]
                own = min(ends) if ends else None
            if own is not None:
                dates.append(_utc(own))
        except Exception:  # noqa: BLE001 - the key's own date is extra; never fail the checkup
            pass
    return min(dates) if dates else None


def _parse_time(s) -> Optional[datetime]:
    if not isinstance(s, str) or not s:
        return None
    try:
        t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _utc(t)


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


__all__ = ["run", "rank", "Checkup", "Finding", "Fix", "Subject", "ORDER", "key_expiry_of",
           "CREDENTIAL_EXPIRY_WARNING_DAYS", "KEY_EXPIRY_WARNING_DAYS", "Unreadable"]
