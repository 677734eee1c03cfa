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
from typing import Any, Optional

from app.stalwart.models import AppPassword, Encryption, PublicKey
from app.vocab import (AccessStatus, Action, CredentialKind, KeyKind, NextStep, SessionEffect,
                        SignInMethod, StrengthPolicy, WayIn, Wiped)

# The vocabularies are app.vocab's enums; these names are what the page imports.
OK = AccessStatus.OK
NOT_PERMITTED = AccessStatus.NOT_PERMITTED
NOT_SUPPORTED = AccessStatus.NOT_SUPPORTED
MANAGED_ELSEWHERE = AccessStatus.MANAGED_ELSEWHERE
TURNED_OFF = AccessStatus.TURNED_OFF
PASSWORD_EXPIRED = AccessStatus.PASSWORD_EXPIRED
UNREADABLE = AccessStatus.UNREADABLE

CONTINUES = SessionEffect.CONTINUES
REPLACED = SessionEffect.REPLACED
ENDED = SessionEffect.ENDED

# What a change ends, and what keeps working (``PasswordFeature.change_*``,
# ``TwoFactorFeature.change_keeps``, ``Outcome.ends`` / ``keeps``)
OAUTH_SESSIONS = WayIn.OAUTH_SESSIONS  # sign-ins through the server's sign-in page (OAuth): all of it
OAUTH_RENEWAL = WayIn.OAUTH_RENEWAL    # …their renewal (refresh tokens); access tokens run out
OAUTH_ACCESS = WayIn.OAUTH_ACCESS      # …their access tokens, until they expire (1 h by default)
APP_PASSWORDS = WayIn.APP_PASSWORDS
API_KEYS = WayIn.API_KEYS
TWO_FACTOR = WayIn.TWO_FACTOR

BY_PASSWORD = SignInMethod.PASSWORD
BY_APP_PASSWORD = SignInMethod.APP_PASSWORD
BY_API_KEY = SignInMethod.API_KEY
BY_OAUTH = SignInMethod.OAUTH

CHANGE = Action.CHANGE
TURN_ON = Action.TURN_ON
TURN_OFF = Action.TURN_OFF
REPLACE = Action.REPLACE
CREATE = Action.CREATE
REVOKE = Action.REVOKE
UPLOAD_AND_ENABLE = Action.UPLOAD_AND_ENABLE
USE_KEY = Action.USE_KEY
DISABLE = Action.DISABLE
DELETE_KEY = Action.DELETE_KEY


@dataclass(frozen=True)
class Access:
    """Whether a feature (or one action) can be used, and if not, why.

    ``key`` is the message key for the reason ("state.not_permitted", …);
    ``permissions`` names what the administrator must grant (show it in a
    details line, not in the sentence); ``server_text`` is the server's own
    words when it said something."""
    status: AccessStatus = OK
    permissions: tuple[str, ...] = ()
    server_text: Optional[str] = None
    # MANAGED_ELSEWHERE by a single sign-on provider: that ``app.sso.Provider``
    # (``.host`` to name it, ``.account_url`` for a link when known), else None.
    managed_by: Optional[Any] = None

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
    method: SignInMethod
    # 0.16: the id of the app password / API key this sign-in uses (it is
    # inside the secret), so the list can mark it; revoking it ends the session.
    credential_id: Optional[str] = None


@dataclass
class Feature:
    access: Access = ALLOWED
    actions: dict[Action, Access] = field(default_factory=dict)

    def can(self, action: Action) -> bool:
        """True when ``action`` is permitted (the server may still refuse a
        particular change, e.g. a wrong current password)."""
        a = self.actions.get(action)
        return bool(a is not None and a.ok)

    def why_not(self, action: Action) -> Access:
        """The reason ``action`` is not possible (``ALLOWED`` when it is)."""
        return self.actions.get(action) or Access(NOT_SUPPORTED)


@dataclass
class PasswordFeature(Feature):
    """* ``code_required``: 2FA is on, so a change needs the current code too
      (None: unknown).
    * ``strength_policy``: the ``policy`` for ``app.passwords.assess``
      (ENFORCED: length and strength refused like the server does, 0.16;
      ADVISORY: the server takes anything and the page only advises).
    * ``wipes``: what a change removes on this server: (APP_PASSWORDS,
      TWO_FACTOR) on 0.11–0.15 (0.14–0.15 do, 0.11–0.13 do not, and the
      page cannot tell the versions apart, so it says "may"); () on 0.16.
    * ``session_after_change``: CONTINUES / REPLACED / ENDED for how the user
      signed in. Warn before confirming when it is ENDED.
    * ``expired``: the password has expired: these credentials may do
      nothing but change it (the permissions Stalwart reports are its cut,
      ``app.stalwart.rights.password_expired``); offer the change first.
      Every other feature's access is then PASSWORD_EXPIRED.
    * ``change_ends`` / ``change_keeps``: what else a change ends, and what
      keeps working (``WayIn``), as measured per generation
      (docs/stalwart-contract.md §0.1), for the page to say before and after:
      0.16 ends OAUTH_SESSIONS and keeps APP_PASSWORDS and API_KEYS; 0.11–0.15
      end OAUTH_RENEWAL (refresh refused) and keep OAUTH_ACCESS (until the
      token expires), and end what ``wipes`` names, which only 0.14–0.15 do:
      say "may" before, the outcome (``Outcome.ends``) says what did."""
    code_required: Optional[bool] = None
    strength_policy: StrengthPolicy = StrengthPolicy.ENFORCED
    wipes: tuple[Wiped, ...] = ()
    session_after_change: SessionEffect = CONTINUES
    expired: bool = False
    change_ends: tuple[WayIn, ...] = ()
    change_keeps: tuple[WayIn, ...] = ()

    @property
    def enforces_strength(self) -> bool:
        """Does the server refuse short or guessable passwords (so the page
        states its rule), or only advise?"""
        return self.strength_policy == StrengthPolicy.ENFORCED


@dataclass
class TwoFactorFeature(Feature):
    """``enabled`` is None when it could not be read. Turning on needs the
    current password; turning off and moving to a new app also need the
    current code. ``session_after_*`` as in ``PasswordFeature``.
    ``change_keeps``: what keeps working through any two-factor change
    (``WayIn``: OAuth sign-ins and app passwords on both generations, API keys
    on 0.16: none of them asks for a code); what each change ends is said by
    its ``Outcome.ends`` (turning on: signing in with the password alone;
    moving to a new app: the old app's codes)."""
    enabled: Optional[bool] = None
    session_after_turn_on: SessionEffect = CONTINUES
    session_after_replace: SessionEffect = CONTINUES
    session_after_turn_off: SessionEffect = CONTINUES
    change_keeps: tuple[WayIn, ...] = ()


@dataclass
class CredentialOptions:
    """What a new app password / API key can carry on this server."""
    expiry: bool = False
    allowed_ips: bool = False
    block_security_changes: bool = False
    # Does a limit on a credential hold against whoever holds it? True: 0.16.15+;
    # False: 0.16.0-0.16.14, where a limited credential that may still create or
    # update app passwords or API keys can regain the account's full rights
    # (``app.stalwart.rights.limit_can_be_undone``); None: not known (yet:
    # ``SecurityAccount.check_limits`` asks the server once).
    limits_hold: Optional[bool] = None


@dataclass
class CredentialFeature(Feature):
    """App passwords or API keys. ``items`` is None when the list could not
    be read (or the feature does not exist here); ``count`` likewise."""
    kind: CredentialKind = CredentialKind.APP_PASSWORD
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
    * ``algorithms``: per key kind (``KeyKind.OPENPGP``, ``KeyKind.SMIME``)
      the ``@type`` values this server takes, in order of preference for the
      UI's list.
    * ``encrypt_on_append``: whether that option exists here."""
    settings: Optional[Encryption] = None
    keys_access: Access = ALLOWED
    keys: Optional[list[PublicKey]] = None
    algorithms: dict[KeyKind, tuple[str, ...]] = field(default_factory=dict)
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
NEXT_CHANGE_PASSWORD = NextStep.CHANGE_PASSWORD
NEXT_TURN_ON_TWO_FACTOR = NextStep.TURN_ON_TWO_FACTOR
NEXT_TURN_ON_ENCRYPTION = NextStep.TURN_ON_ENCRYPTION
NEXT_CREATE_APP_PASSWORD = NextStep.CREATE_APP_PASSWORD


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
    def next_step(self) -> Optional[NextStep]:
        """The recommended next step for the overview, or None. Never
        encryption at rest: it is optional, and mail is lost with the private
        key, so it is offered, not pushed (``NextStep.TURN_ON_ENCRYPTION`` is
        kept for old callers and no longer returned). None does not mean
        "all in place" when something could not be read or is not permitted:
        the rows say that."""
        if self.password.expired:
            return NEXT_CHANGE_PASSWORD
        tf = self.two_factor
        if tf.enabled is False and tf.can(TURN_ON):
            return NEXT_TURN_ON_TWO_FACTOR
        ap = self.app_passwords
        if tf.enabled and ap.count == 0 and ap.can(CREATE):
            return NEXT_CREATE_APP_PASSWORD
        return None


__all__ = [n for n in dir() if n.isupper() or n in (
    "Access", "SignIn", "Feature", "PasswordFeature", "TwoFactorFeature", "CredentialOptions",
    "CredentialFeature", "EncryptionFeature", "SecurityState")]
