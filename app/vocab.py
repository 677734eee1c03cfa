"""The words the account layer and the page share, one ``StrEnum`` each.

A member is its value (``SessionEffect.ENDED == "ended"``), so it goes into
JSON, message keys and f-strings as is, and code that still compares with the
plain string keeps working. What the server itself calls these things
(``"pGP"``, ``"AppPassword"``, the REST paths) stays inside the server drivers
(``app.stalwart.drive016`` / ``drivelegacy``). Standard library only: every
layer may import this.
"""
from __future__ import annotations

from enum import StrEnum


class Generation(StrEnum):
    """Which server generation the session reports (never a user setting)."""
    V016 = "0.16"        # JMAP registry objects (x:AccountPassword, x:AppPassword, …)
    LEGACY = "legacy"    # 0.11–0.15: REST /api/account/auth and /api/account/crypto


class StrengthPolicy(StrEnum):
    """How the server judges a new password (``app.passwords.assess``)."""
    ENFORCED = "0.16"    # refuses short and guessable passwords (zxcvbn score < 3)
    ADVISORY = "legacy"  # takes anything; the page only advises


class KeyKind(StrEnum):
    """What a public key for encryption at rest is. The key checks
    (``app.keys``, its CLI) spell OpenPGP ``"openpgp"``: ``KeyKind("openpgp")``
    is ``OPENPGP`` too."""
    OPENPGP = "pgp"
    SMIME = "smime"
    UNKNOWN = "unknown"  # a stored key the page cannot recognise

    @classmethod
    def _missing_(cls, value: object) -> "KeyKind | None":
        return cls.OPENPGP if value == "openpgp" else None

    @property
    def label(self) -> str:
        """The name people know it by (not translated)."""
        return {"pgp": "OpenPGP", "smime": "S/MIME"}.get(self.value, "")


class CredentialKind(StrEnum):
    """A credential the user makes for an app or a script."""
    APP_PASSWORD = "app_password"
    API_KEY = "api_key"


class SignInMethod(StrEnum):
    """How the user signed in (``SignIn.method``). On 0.11–0.15 an app
    password cannot be told from a password: Basic counts as PASSWORD."""
    PASSWORD = "password"
    APP_PASSWORD = "app_password"
    API_KEY = "api_key"
    OAUTH = "oauth"


class SessionEffect(StrEnum):
    """What a change does to the current sign-in."""
    CONTINUES = "continues"  # the page keeps working with the same credentials
    REPLACED = "replaced"    # the page switches to credentials it built (Basic + new password)
    ENDED = "ended"          # the credentials stop working: the user must sign in again


class AccessStatus(StrEnum):
    """Whether a feature or an action can be used, and if not, why
    (``Access.status``; the message key is ``"state." + status``)."""
    OK = "ok"
    NOT_PERMITTED = "not_permitted"          # the account lacks permissions
    NOT_SUPPORTED = "not_supported"          # this server version has no such feature
    MANAGED_ELSEWHERE = "managed_elsewhere"  # LDAP/SQL/OIDC directory: change it there
    TURNED_OFF = "turned_off"                # the administrator switched it off server-wide
    PASSWORD_EXPIRED = "password_expired"    # only a password change is allowed until then
    UNREADABLE = "unreadable"                # the server failed to answer for this part


class Action(StrEnum):
    """The actions a feature offers (keys of ``Feature.actions``)."""
    CHANGE = "change"                        # password
    TURN_ON = "turn_on"                      # two-factor
    TURN_OFF = "turn_off"
    REPLACE = "replace"                      # two-factor: move to a new app
    CREATE = "create"                        # app passwords, API keys
    REVOKE = "revoke"
    UPLOAD_AND_ENABLE = "upload_and_enable"  # encryption (also "replace the key" when it is on)
    USE_KEY = "use_key"                      # turn on / switch to a stored key
    DISABLE = "disable"
    DELETE_KEY = "delete_key"


class Area(StrEnum):
    """What a change is about: the part of the account it can affect, and the
    ``err.outcome_unknown.<area>`` message that says how to check it."""
    PASSWORD = "password"
    TWO_FACTOR = "two_factor"
    CREDENTIAL = "credential"
    ENCRYPTION = "encryption"
    FILTER = "filter"            # a Sieve script (the checkup)
    AUTO_REPLY = "auto_reply"    # the vacation response (the checkup)


class Wiped(StrEnum):
    """What a password change removes besides (0.14–0.15)."""
    APP_PASSWORDS = "app_passwords"
    TWO_FACTOR = "two_factor"


class Confirmed(StrEnum):
    """How the page knows a change is in place (``Outcome.confirmed``)."""
    BY_ANSWER = "answer"   # the server's answer said so
    BY_CHECK = "checked"   # the answer was lost; the page checked the account and found it done


class NextStep(StrEnum):
    """The overview's recommended next step (``SecurityState.next_step``)."""
    CHANGE_PASSWORD = "change_password"
    TURN_ON_TWO_FACTOR = "turn_on_two_factor"
    TURN_ON_ENCRYPTION = "turn_on_encryption"   # no longer returned: encryption at rest is optional
    CREATE_APP_PASSWORD = "create_app_password"  # 2FA on and no app password: a way in for mail apps


class Weakness(StrEnum):
    """Why a new password is one Stalwart 0.16 refuses (``app.errors.WeakPassword``)."""
    TOO_SHORT = "too_short"    # under 8 bytes (UTF-8, as the server counts)
    TOO_LONG = "too_long"      # over 128 bytes
    COMMON = "common"          # a common password, or one close to it (zxcvbn's word lists)
    GUESSABLE = "guessable"    # any other zxcvbn score under 3: patterns, dates, names, repeats


class WayIn(StrEnum):
    """A way into the account (or a protection of it) that a change ends or
    leaves working (``PasswordFeature.change_ends`` / ``change_keeps``,
    ``TwoFactorFeature.change_keeps``, ``Outcome.ends`` / ``keeps``). Each is a
    fact of the server generation, measured (docs/stalwart-contract.md §0.1)."""
    OAUTH_SESSIONS = "oauth_sessions"  # sign-ins through the server's sign-in page (OAuth): all of it
    OAUTH_RENEWAL = "oauth_renewal"    # …their renewal (refresh tokens); access tokens run out
    OAUTH_ACCESS = "oauth_access"      # …their access tokens, until they expire (1 h by default)
    APP_PASSWORDS = "app_passwords"
    API_KEYS = "api_keys"
    TWO_FACTOR = "two_factor"          # the two-factor key (it is removed: 2FA is off)
    PASSWORD = "password"              # signing in with the password alone (mail apps using it)
    OLD_AUTHENTICATOR = "old_authenticator"  # the codes of the authenticator app that was replaced
    CREDENTIAL = "credential"          # the app password / API key the action revoked


__all__ = ["Generation", "StrengthPolicy", "KeyKind", "CredentialKind", "SignInMethod",
           "SessionEffect", "AccessStatus", "Action", "Area", "Wiped", "Confirmed", "NextStep",
           "Weakness", "WayIn"]
