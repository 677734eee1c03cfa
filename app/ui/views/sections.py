"""What each section says besides its availability (``views.access``): the
state lines, what a change will do (said in the form, before the button, so
the page never asks "are you sure?" before the server has checked the
password), the strength of a new password, the key report, the stored keys."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from app.stalwart import state as S
from app.ui import text as txt
from app.ui.views.overview import Fingerprint
from app.ui.views.say import Foreign, Joined, Say, When

# ================================================================== password
@dataclass(frozen=True)
class PasswordForm:
    code_field: bool                     # the current two-factor code is asked too
    policy: bool                         # the server's own length/strength rule is stated
    effects: tuple[Say, ...] = ()        # what the change does besides (said before it is made)
    warn: bool = False                   # …and some of it removes things (shown as a warning)


def password_form(st: S.SecurityState) -> PasswordForm:
    pw = st.password
    method = st.sign_in.method
    effects: list[Say] = []
    if pw.wipes:
        effects.append(Say("ui.password.legacy_wipe"))
    if pw.session_after_change == S.ENDED:
        effects.append(Say("ui.password.warn_ended"))
    elif pw.wipes and method == S.BY_PASSWORD:
        # 0.11-0.15 cannot tell a password from an app password: if it was one, it goes too
        effects.append(Say("ui.password.warn_wipe_signin"))
    elif method == S.BY_OAUTH and S.OAUTH_ACCESS in pw.change_keeps:
        effects.append(Say("ui.out.this_until_token_expires"))
    if S.OAUTH_SESSIONS in pw.change_ends and pw.session_after_change != S.ENDED:
        effects.append(Say("ui.password.effect_oauth"))
    keeps = [k for k in (S.APP_PASSWORDS, S.API_KEYS) if k in pw.change_keeps]
    if keeps:
        effects.append(Say("ui.password.effect_keeps"))
    warn = bool(pw.wipes) or pw.session_after_change == S.ENDED
    return PasswordForm(bool(pw.code_required), pw.enforces_strength, tuple(effects), warn)


@dataclass(frozen=True)
class StrengthView:
    meter: int                 # 0-4
    label: Say                 # "Weak", "Strong" …
    verdict: Say
    crack_time: Optional[Say]
    advice: Optional[Say]


def strength(s: Any) -> Optional[StrengthView]:
    """An ``app.passwords.Strength`` in words (None: nothing typed). Advice that
    only repeats the verdict is not said twice (0.11-0.15 weak passwords)."""
    if s is None or s.key == "pw.empty":
        return None
    params = dict(s.params)
    if "feedback" in params:
        params["feedback"] = feedback(s)
    verdict = Say(s.key, params)
    advice = None
    if s.advice and s.advice != s.key:
        advice = Say(s.advice, params)
    crack = Say("pw.crack_time", {"time": crack_time(s.crack_time_seconds)}) if s.length else None
    return StrengthView(s.score, Say(f"pw.score.{s.score}"), verdict, crack, advice)


def feedback(s: Any) -> Joined:
    parts = ([Say(s.warning_key)] if s.warning_key else []) + [Say(k) for k in s.suggestion_keys]
    return Joined(tuple(parts))


def crack_time(seconds: float) -> Say:
    """How long guessing takes, as ``app.passwords`` words it, as a ``Say``."""
    minute, hour = 60, 3600
    day, month, year = 24 * hour, 31 * 24 * hour, 365 * 24 * hour
    if seconds < 1:
        return Say("pw.time.instant")
    for unit, size, nxt in (("second", 1, minute), ("minute", minute, hour), ("hour", hour, day),
                            ("day", day, month), ("month", month, year), ("year", year, 100 * year)):
        if seconds < nxt:
            n = int(round(seconds / size))
            return Say(f"pw.time.{unit}") if n == 1 else Say(f"pw.time.{unit}s", {"n": n})
    return Say("pw.time.centuries")


# ================================================================== two-factor
@dataclass(frozen=True)
class TwoFactorState:
    line: Optional[Say]        # "Two-factor authentication is on." …
    on: bool


def two_factor_state(st: Optional[S.SecurityState]) -> TwoFactorState:
    if st is None or not st.two_factor.access.ok:
        return TwoFactorState(None, False)
    tf = st.two_factor
    if tf.enabled is None:
        return TwoFactorState(Say("ui.totp.unknown"), False)
    return TwoFactorState(Say("ui.totp.is_on" if tf.enabled else "ui.totp.is_off"), bool(tf.enabled))


@dataclass(frozen=True)
class TwoFactorSetup:
    """The set-up form's words: turning on, or moving to a new app."""
    heading: Say
    code_step: Say
    code_label: Say
    submit: Say
    kit_first: Say
    effects: tuple = ()                # this ends the sign-in: how to get back in (Say or Joined)


def two_factor_setup(st: S.SecurityState, replacing: bool, login_page: bool) -> TwoFactorSetup:
    tf = st.two_factor
    effect = tf.session_after_replace if replacing else tf.session_after_turn_on
    effects: tuple[Say, ...] = ()
    if effect == S.ENDED:  # one item: "… Afterwards: sign in again with …"
        effects = (Joined((Say("ui.totp.warn_ended"),
                           Say("ui.totp.on_signin" if login_page else "ui.totp.on_signin_legacy"))),)
    if replacing:
        return TwoFactorSetup(Say("ui.totp.replace"), Say("ui.totp.step_new_code"),
                              Say("ui.totp.new_code"), Say("ui.totp.replace_submit"),
                              Say("ui.totp.kit_first_replace"), effects)
    return TwoFactorSetup(Say("ui.totp.setup"), Say("ui.totp.step_code"), Say("ui.totp.code"),
                          Say("ui.totp.confirm"), Say("ui.totp.kit_first"), effects)


def two_factor_off_effects(st: S.SecurityState) -> tuple[Say, ...]:
    """Said in the "Turn off" form, before it is sent."""
    out = [Say("ui.totp.disable_confirm")]
    if st.two_factor.session_after_turn_off == S.ENDED:
        out.append(Say("ui.totp.off_signin"))
    return tuple(out)


# ================================================================== a new secret on screen
CLOSE, WARN = "close", "warn"


def secret_escape(copied: bool) -> str:
    """Esc on the dialog with a new secret: it closes only once the secret was
    copied; otherwise the page says it cannot be shown again, and stays open
    (only "Close without copying" throws it away)."""
    return CLOSE if copied else WARN


# ================================================================== encryption at rest
def key_in_use(st: Optional[S.SecurityState], cache: dict) -> Optional[Fingerprint]:
    """The fingerprint of the key encryption at rest uses now (the stored key,
    or on 0.11-0.15 the setting's own text), or None when it cannot be told.
    ``cache`` (per user) keeps one check per key text: the check parses the key."""
    if st is None or not st.encryption.enabled:
        return None
    enc = st.encryption
    key = enc.in_use
    text = key.key if key is not None else ((enc.settings.certs if enc.settings else "") or "")
    if not text or text.startswith("-----STALWART CERTIFICATE"):
        return None  # 0.11-0.15 send back an opaque blob once stored
    if text not in cache:
        from app.keys import check_key  # not at start: app.warm loads it after ready

        rep = check_key(text)
        cache[text] = Fingerprint(rep.fingerprints[0], "smime" if rep.kind == "smime" else "openpgp") \
            if rep.fingerprints else None
    return cache[text]


def key_id(fingerprint: str) -> str:
    """The OpenPGP key ID GnuPG shows for a fingerprint: its LAST 16 hex digits."""
    hexs = re.sub(r"[^0-9A-Fa-f]", "", fingerprint or "").upper()
    return hexs[-16:]


def key_label(rep: Any) -> str:
    """The description a key is stored under when the user gives none: its
    kind and the ID its tools show (OpenPGP: the last 16 hex digits of the
    fingerprint, as ``gpg --list-keys --keyid-format long``; S/MIME: the
    certificate's address, else the last 16 hex digits of its SHA-256)."""
    if rep is None or not rep.fingerprints:
        return ""
    if rep.kind == "smime":
        mail = next(iter(rep.emails or []), "")
        return f"S/MIME {mail or key_id(rep.fingerprints[0])}"
    return f"OpenPGP {key_id(rep.fingerprints[0])}"


def encryption_state(st: Optional[S.SecurityState]) -> tuple[Optional[Say], bool]:
    """The section's state line, and whether encryption at rest is on."""
    if st is None or not st.encryption.access.ok:
        return None, False
    enc = st.encryption
    if enc.settings is None:
        return Say("ui.enc.unknown"), False
    if enc.enabled:
        return Say("ui.enc.is_on", {"kind": txt.KIND_NAMES.get(enc.settings.kind, ""),
                                    "algo": txt.algorithm_name(enc.settings.algorithm)}), True
    return Say("ui.enc.is_off"), False


@dataclass(frozen=True)
class ReportView:
    verdict: Say
    ok: bool
    fingerprints: tuple[Fingerprint, ...]
    details: tuple[Any, ...]                                # Say or Joined
    groups: tuple[tuple[str, Say, tuple[Say, ...]], ...]   # (class, title, issues)


def _issue(i: Any) -> Say:
    return Say(i.key, {k: (Foreign(v, 200) if isinstance(v, str) else v) for k, v in i.params.items()})


def _size(k: Any) -> Any:
    if k.bits:
        return Say("ui.enc.bits", {"bits": k.bits})
    return k.curve or ""


def key_report(rep: Any) -> Optional[ReportView]:
    """A key check (``app.keys.KeyReport``) in words: what the server will do
    with it, each key or certificate in the words of its kind, and the issues."""
    if rep is None:
        return None
    kind = {"openpgp": "OpenPGP", "smime": "S/MIME"}.get(rep.kind or "")
    kind_say: Any = kind if kind else Say("ui.enc.kind_unknown")
    verdict = Say("ui.enc.accepted" if rep.accepted else "ui.enc.refused", {"kind": kind_say})
    fps = tuple(Fingerprint(fp, "smime" if rep.kind == "smime" else "openpgp") for fp in rep.fingerprints)
    details: list[Any] = []
    smime = rep.kind == "smime"
    for k in rep.keys:
        use = Say("ui.enc.can_encrypt") if k.usable_for_encryption else ""
        if smime:  # a certificate has one key: no primary key, no subkeys
            details.append(Joined((Say("ui.enc.cert_key", {"algo": k.algorithm}), _size(k), use)))
            continue
        details.append(Joined((
            Say("ui.enc.primary" if k.primary else "ui.enc.subkey"), k.algorithm, _size(k),
            Say("ui.enc.expires", {"date": k.expires.date()}) if k.expires else Say("ui.enc.no_expiry"),
            Say("ui.enc.revoked") if k.revoked else "", use)))
    for c in rep.certificates:
        details.append(Say("ui.enc.cert", {
            "subject": Foreign(c.subject, 200),
            "start": c.not_before.date() if c.not_before else Say("ui.never"),
            "end": c.not_after.date() if c.not_after else Say("ui.never")}))
    if rep.emails:
        details.append(Say("ui.enc.emails", {"emails": Joined(tuple(Foreign(e, 120) for e in rep.emails[:20]),
                                                             ", ")}))
    # a private key: the page's own message says it was cleared (and why), once
    errors = [i for i in rep.errors if not (rep.is_private and i.key == "keys.private_key")]
    groups = tuple((cls, Say(title), tuple(_issue(i) for i in issues))
                   for cls, title, issues in (("error", "ui.enc.errors", errors),
                                              ("warn", "ui.enc.warnings", rep.warnings),
                                              ("", "ui.enc.notes", rep.notes)) if issues)
    return ReportView(verdict, bool(rep.accepted), fps, tuple(details), groups)


@dataclass(frozen=True)
class KeyRow:
    id: str
    name: Foreign
    in_use: bool
    meta: Joined
    use: bool                    # "Use this key" is offered
    delete: bool                 # "Delete" is offered
    note: Optional[Say] = None   # why a button is missing (the key in use cannot be deleted)


def stored_keys(st: S.SecurityState) -> tuple[KeyRow, ...]:
    enc = st.encryption
    in_use = enc.in_use.id if enc.in_use is not None else None
    rows = []
    for pk in enc.keys or []:
        used = pk.id == in_use
        kind = txt.KIND_NAMES.get(pk.kind, "")
        meta = Joined((kind, Say("ui.enc.added", {"date": When(pk.created_at)}) if pk.created_at else ""),
                      " · ")
        can_delete = enc.can(S.DELETE_KEY)
        rows.append(KeyRow(pk.id, Foreign(pk.description, 60), used, meta,
                           use=not used and enc.can(S.USE_KEY),
                           delete=can_delete and not used,
                           note=Say("ui.enc.in_use_no_delete") if used and can_delete else None))
    return tuple(rows)


__all__ = ["PasswordForm", "password_form", "StrengthView", "strength", "TwoFactorState",
           "two_factor_state", "TwoFactorSetup", "two_factor_setup", "two_factor_off_effects",
           "secret_escape", "encryption_state", "key_in_use", "key_id", "key_label", "ReportView", "key_report",
           "KeyRow", "stored_keys", "CLOSE", "WARN"]
