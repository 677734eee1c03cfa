"""The message keys of the checkup, one literal per key (the catalogue tests
find every key the app uses by its literal). Texts are in app/messages."""
from __future__ import annotations

from app.checkup.kinds import Area, FindingKind as K, FixAction as A, Risk, Scope, Sends, Unreadable

CLEAN = "checkup.clean"               # no finding at all
ONLY_SOME = "checkup.only_some"       # a target inside a condition: only some messages
VIA = "checkup.via"                   # a target written in an included script: {name}

FINDING = {
    K.SCRIPT_FORWARDS: "checkup.script_forwards",
    K.SCRIPT_AUTO_REPLY: "checkup.script_auto_reply",
    K.AUTO_REPLY: "checkup.auto_reply",
    K.CREDENTIAL_UNBOUNDED: "checkup.credential_unbounded",
    K.CREDENTIAL_FULL_RIGHTS: "checkup.credential_full_rights",
    K.CREDENTIAL_NO_EXPIRY: "checkup.credential_no_expiry",
    K.CREDENTIAL_SAME_NAME: "checkup.credential_same_name",
    K.CREDENTIAL_EXPIRING: "checkup.credential_expiring",
    K.CREDENTIAL_EXPIRED: "checkup.credential_expired",
    K.TWO_FACTOR_OFF: "checkup.two_factor_off",
    K.KEY_EXPIRED: "checkup.key_expired",
    K.KEY_EXPIRING: "checkup.key_expiring",
    K.KEY_CONFIRM_PRIVATE: "checkup.key_confirm_private",
}
UNREADABLE = {
    Unreadable.SYNTAX: "checkup.script_unreadable.syntax",
    Unreadable.TOO_LARGE: "checkup.script_unreadable.too_large",
    Unreadable.NOT_TEXT: "checkup.script_unreadable.not_text",
    Unreadable.NOT_DOWNLOADED: "checkup.script_unreadable.not_downloaded",
    Unreadable.INCLUDE_MISSING: "checkup.script_unreadable.include_missing",
    Unreadable.TOO_DEEP: "checkup.script_unreadable.too_deep",
    Unreadable.NO_PARSER: "checkup.script_unreadable.no_parser",
}
CANNOT_CHECK = {
    Area.FILTERS: "checkup.cannot_check.filters",
    Area.AUTO_REPLY: "checkup.cannot_check.auto_reply",
    Area.APP_PASSWORDS: "checkup.cannot_check.app_passwords",
    Area.API_KEYS: "checkup.cannot_check.api_keys",
    Area.TWO_FACTOR: "checkup.cannot_check.two_factor",
    Area.ENCRYPTION: "checkup.cannot_check.encryption",
    Area.ENCRYPTION_KEY: "checkup.cannot_check.encryption_key",
}
FIX = {
    A.TURN_OFF_SCRIPT: "checkup.fix.turn_off_script",
    A.TURN_OFF_AUTO_REPLY: "checkup.fix.turn_off_auto_reply",
    A.REVOKE_APP_PASSWORD: "checkup.fix.revoke_app_password",
    A.REVOKE_API_KEY: "checkup.fix.revoke_api_key",
    A.TURN_ON_TWO_FACTOR: "checkup.fix.turn_on_two_factor",
    A.REPLACE_KEY: "checkup.fix.replace_key",
    A.TURN_OFF_ENCRYPTION: "checkup.fix.turn_off_encryption",
    A.CONFIRM_PRIVATE_KEY: "checkup.fix.confirm_private_key",
    A.ASK_ADMINISTRATOR: "checkup.fix.ask_administrator",
}
RISK = {Risk.HIGH: "checkup.risk.high", Risk.MEDIUM: "checkup.risk.medium", Risk.LOW: "checkup.risk.low",
        Risk.INFO: "checkup.risk.info"}
SENDS = {Sends.REDIRECT: "checkup.sends.redirect", Sends.REDIRECT_COPY: "checkup.sends.redirect_copy",
         Sends.NOTIFY: "checkup.sends.notify"}
SENDS_UNKNOWN = "checkup.sends.unknown"   # {raw}: the script's text for an address built at delivery
SCOPE = {Scope.INSIDE: "checkup.scope.inside", Scope.OUTSIDE: "checkup.scope.outside",
         Scope.UNKNOWN: "checkup.scope.unknown"}
# OutcomeUnknown("filter" | "auto_reply") builds these (app.stalwart.sieve)
OUTCOME_UNKNOWN = ("err.outcome_unknown.filter", "err.outcome_unknown.auto_reply")


def target_key(target) -> tuple[str, dict]:
    """How to say one target: (key, params) — "forwards to x@y", or the
    script's text when the address is built when mail arrives."""
    if target.address is None:
        return SENDS_UNKNOWN, {"raw": target.raw}
    return SENDS[target.sends], {"address": target.address}


__all__ = ["CLEAN", "ONLY_SOME", "VIA", "FINDING", "UNREADABLE", "CANNOT_CHECK", "FIX", "RISK", "SENDS",
           "SENDS_UNKNOWN", "SCOPE", "OUTCOME_UNKNOWN", "target_key"]
