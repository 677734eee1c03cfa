"""What the signed-in account can do right now: ``SecurityState``.

The UI renders this and nothing else: it never asks which server generation
it talks to. Every feature says

* whether it could be read (``Access``: ok, not permitted with the permission
  ids, not supported by this server, managed elsewhere, turned off by the
  administrator, blocked by an expired password, or unreadable);
* which actions are permitted (``actions``: action name -> ``Access``);
* which options exist (expiry / allowed IPs / permission limits, algorithms
  per key kind, encrypt-on-append, stored keys);
* what a change does to the current sign-in (``CONTINUES`` / ``REPLACED`` /
  ``ENDED``), given how the user signed in, so the UI can warn first.

Lists the page could not read are ``None`` (and their ``count`` is ``None``),
never an empty list: "not permitted" must not look like "none".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from app.stalwart.models import AppPassword, Encryption, PublicKey

# ----- Access.status ---------------------------------------------------------------------
OK = "ok"
NOT_PERMITTED = "not_permitted"          # the account lacks `permissions`
NOT_SUPPORTED = "not_supported"          # this server version has no such feature
MANAGED_ELSEWHERE = "managed_elsewhere"  # LDAP/SQL/OIDC directory: change it there
TURNED_OFF = "turned_off"                # the administrator switched it off server-wide
PASSWORD_EXPIRED = "password_expired"    # only a password change is allowed until then
UNREADABLE = "unreadable"                # the server failed to answer for this part

# ----- what a change does to the current sign-in -------------------------------------------
CONTINUES = "continues"  # the page keeps working with the same credentials
REPLACED = "replaced"    # the page switches to new credentials it built (Basic + new password)
ENDED = "ended"          # the credentials stop working: the user must sign in again

# ----- what a password change ends, and what keeps working (PasswordFeature.change_*) -------
OAUTH_SESSIONS = "oauth_sessions"  # sign-ins through the server's sign-in page (OAuth): all of it
OAUTH_RENEWAL = "oauth_renewal"    # …their renewal (refresh tokens); access tokens run out
OAUTH_ACCESS = "oauth_access"      # …their access tokens, until they expire (1 h by default)
APP_PASSWORDS = "app_passwords"
API_KEYS = "api_keys"
TWO_FACTOR = "two_factor"

# ----- how the user signed in (SignIn.method) -----------------------------------------------
BY_PASSWORD = "password"
BY_APP_PASSWORD = "app_password"
BY_API_KEY = "api_key"
BY_OAUTH = "oauth"

# ----- action names (``Feature.actions`` keys) ---------------------------------------------
CHANGE = "change"                    # password
TURN_ON = "turn_on"                  # two-factor
TURN_OFF = "turn_off"
REPLACE = "replace"                  # two-factor: move to a new app
CREATE = "create"                    # app passwords, API keys
REVOKE = "revoke"
UPLOAD_AND_ENABLE = "upload_and_enable"  # encryption (also "replace the key" when it is on)
USE_KEY = "use_key"                  # turn on / switch to a stored key
DISABLE = "disable"
DELETE_KEY = "delete_key"


@dataclass(frozen=True)
class Access:
    """Whether a feature (or one action) can be used, and if not, why.

    ``key`` is the message key for the reason ("state.not_permitted", …);
    ``permissions`` names what the administrator must grant (show it in a
    details line, not in the sentence); ``server_text`` is the server's own
    words when it said something."""
    status: str = OK
    permissions: tuple[str, ...] = ()
    server_text: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def key(self) -> str:
        return f"state.{self.status}"


ALLOWED = Access()


@dataclass
class SignIn:
    """Who is signed in, where, and how."""
    username: str
    server: str            # the origin all requests go to
    server_label: str      # for display only ("Stalwart 0.16" / "Stalwart 0.11–0.15")
    method: str            # BY_PASSWORD | BY_APP_PASSWORD | BY_API_KEY | BY_OAUTH
    # 0.16: the id of the app password / API key this sign-in uses (it is
    # inside the secret), so the list can mark it; revoking it ends the session.
    credential_id: Optional[str] = None


@dataclass
class Feature:
    access: Access = ALLOWED
    actions: dict[str, Access] = field(default_factory=dict)

    def can(self, action: str) -> bool:
        """True when ``action`` is permitted (the server may still refuse a
        particular change, e.g. a wrong current password)."""
        a = self.actions.get(action)
        return bool(a is not None and a.ok)

    def why_not(self, action: str) -> Access:
        """The reason ``action`` is not possible (``ALLOWED`` when it is)."""
        return self.actions.get(action) or Access(NOT_SUPPORTED)


@dataclass
class PasswordFeature(Feature):
    """* ``code_required``: 2FA is on, so a change needs the current code too
      (None: unknown).
    * ``strength_policy``: the ``policy`` for ``app.passwords.assess`` ("0.16"
      enforces length and strength like the server; "legacy" only advises).
    * ``wipes``: what a change removes on this server: ("app_passwords",
      "two_factor") on 0.11–0.15 (0.14–0.15 do, 0.11–0.13 do not, and the
      page cannot tell the versions apart, so it says "may"); () on 0.16.
    * ``session_after_change``: CONTINUES / REPLACED / ENDED for how the user
      signed in. Warn before confirming when it is ENDED.
    * ``expired``: the server allows nothing but a password change: the
      password has (very likely) expired; offer the change first.
    * ``change_ends`` / ``change_keeps``: what else a change ends, and what
      keeps working (OAUTH_*, APP_PASSWORDS, API_KEYS, TWO_FACTOR), measured
      per generation (docs/stalwart-contract.md §0.1), for the UI to say."""
    code_required: Optional[bool] = None
    strength_policy: str = "0.16"

    @property
    def enforces_strength(self) -> bool:
        """Does the server refuse short or guessable passwords (so the page
        states its rule), or only advise?"""
        return self.strength_policy != "legacy"
    wipes: tuple[str, ...] = ()
    session_after_change: str = CONTINUES
    expired: bool = False
    change_ends: tuple[str, ...] = ()
    change_keeps: tuple[str, ...] = ()


@dataclass
class TwoFactorFeature(Feature):
    """``enabled`` is None when it could not be read. Turning on needs the
    current password; turning off and moving to a new app also need the
    current code. ``session_after_*`` as in ``PasswordFeature``."""
    enabled: Optional[bool] = None
    session_after_turn_on: str = CONTINUES
    session_after_replace: str = CONTINUES
    session_after_turn_off: str = CONTINUES


@dataclass
class CredentialOptions:
    """What a new app password / API key can carry on this server."""
    expiry: bool = False
    allowed_ips: bool = False
    block_security_changes: bool = False


@dataclass
class CredentialFeature(Feature):
    """App passwords or API keys. ``items`` is None when the list could not
    be read (or the feature does not exist here); ``count`` likewise."""
    kind: str = "app_password"       # "app_password" | "api_key"
    items: Optional[list[AppPassword]] = None
    options: CredentialOptions = field(default_factory=CredentialOptions)

    @property
    def count(self) -> Optional[int]:
        return None if self.items is None else len(self.items)

    def find(self, id: str) -> Optional[AppPassword]:
        return next((i for i in (self.items or []) if i.id == id), None)


@dataclass
class EncryptionFeature(Feature):
    """Encryption at rest.

    * ``access``: the setting; ``settings`` is None when it could not be read.
    * ``keys_access`` / ``keys``: the public keys stored on the server (0.16).
      On 0.11–0.15 the key travels with the setting: ``stores_keys`` is False,
      ``keys`` None and ``keys_access`` NOT_SUPPORTED.
    * ``algorithms``: per key kind ("pgp", "smime") the ``@type`` values this
      server takes, in order of preference for the UI's list.
    * ``encrypt_on_append``: whether that option exists here."""
    settings: Optional[Encryption] = None
    keys_access: Access = ALLOWED
    keys: Optional[list[PublicKey]] = None
    algorithms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    encrypt_on_append: bool = False
    stores_keys: bool = False

    @property
    def enabled(self) -> Optional[bool]:
        return None if self.settings is None else self.settings.enabled

    @property
    def in_use(self) -> Optional[PublicKey]:
        """The stored key encryption uses now (0.16), if known."""
        s = self.settings
        if s is None or not s.enabled or not s.public_key:
            return None
        return next((k for k in (self.keys or []) if k.id == s.public_key), None)

    def find_key(self, id: str) -> Optional[PublicKey]:
        return next((k for k in (self.keys or []) if k.id == id), None)


# SecurityState.next_step values
NEXT_CHANGE_PASSWORD = "change_password"
NEXT_TURN_ON_TWO_FACTOR = "turn_on_two_factor"
NEXT_TURN_ON_ENCRYPTION = "turn_on_encryption"
NEXT_CREATE_APP_PASSWORD = "create_app_password"  # 2FA on and no app password: a way in for mail apps


@dataclass
class SecurityState:
    """The whole security state of the signed-in account, read in one go."""
    sign_in: SignIn
    password: PasswordFeature
    two_factor: TwoFactorFeature
    app_passwords: CredentialFeature
    api_keys: CredentialFeature
    encryption: EncryptionFeature
    # The account's own language setting (x:AccountSettings.locale, e.g. "en_US"),
    # read with the settings the state already asks for; None when unknown (0.11-0.15).
    locale: Optional[str] = None
    # The account may save its language (0.16: settings readable, sysAccountSettingsUpdate).
    locale_writable: bool = False

    @property
    def username(self) -> str:
        return self.sign_in.username

    @property
    def next_step(self) -> Optional[str]:
        """The recommended next step for the overview, or None."""
        if self.password.expired:
            return NEXT_CHANGE_PASSWORD
        tf = self.two_factor
        if tf.enabled is False and tf.can(TURN_ON):
            return NEXT_TURN_ON_TWO_FACTOR
        enc = self.encryption
        if enc.enabled is False and enc.can(UPLOAD_AND_ENABLE):
            return NEXT_TURN_ON_ENCRYPTION
        ap = self.app_passwords
        if tf.enabled and ap.count == 0 and ap.can(CREATE):
            return NEXT_CREATE_APP_PASSWORD
        return None


__all__ = [n for n in dir() if n.isupper() or n in (
    "Access", "SignIn", "Feature", "PasswordFeature", "TwoFactorFeature", "CredentialOptions",
    "CredentialFeature", "EncryptionFeature", "SecurityState", "ApiKey")]
