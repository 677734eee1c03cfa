"""Account security operations for the signed-in user, both server generations.

The API the UI uses (see docs/ACCOUNT-API.md):

    account = await sign_in("https://mail.example.com", creds, fetch)
    account.state                    # SecurityState: what the account can do
    outcome = await account.change_password(current, new, code, confirm=again)
    outcome.state                    # fresh, read with the change

``SecurityAccount`` has one method per user action; ``Outcome`` says what is
now true; errors are the typed ones of ``app.errors``. The server generation
(0.16 registry objects over JMAP, or 0.11–0.15 REST) comes from the session
and stays inside: ``state`` describes features, not versions.

DEPRECATED (the page's old UI still uses them until it moves to the API
above; delete them then): ``connect``, ``account_for``, ``Account``,
``V016Account``, ``LegacyAccount`` and their methods, ``Changed``,
``PasswordChange``, ``Unavailable``, ``OldSecurityState`` and the feature
name constants ``PASSWORD`` … ``ENCRYPTION``.
"""
from __future__ import annotations

from typing import Any

from app import jmap
from app.errors import CannotReach
from app.http import Fetch
from app.stalwart.account import FIELDS, MAYBE_APPLIED, SecurityAccount, sign_in
from app.stalwart.base import UNSET, Account
from app.stalwart.legacy import LegacyAccount
from app.stalwart.models import (ALGORITHMS_016, ALGORITHMS_LEGACY, API_KEYS, APP_PASSWORDS,
                                 ENCRYPTION, FEATURES, PASSWORD, PUBLIC_KEYS, TOTP, ApiKey,
                                 AppPassword, Changed, Created, Encryption, PasswordChange,
                                 PublicKey, Unavailable)
from app.stalwart.models import SecurityState as OldSecurityState
from app.stalwart.outcomes import BY_ANSWER, BY_CHECK, HalfDone, Outcome
from app.stalwart.state import (ALLOWED, CONTINUES, ENDED, REPLACED, Access, CredentialFeature,
                                CredentialOptions, EncryptionFeature, Feature, PasswordFeature,
                                SecurityState, SignIn, TwoFactorFeature)
from app.stalwart.twofactor import TotpSetup
from app.stalwart.v016 import V016Account
from app.stalwart.validate import SECURITY_PERMISSIONS


# DEPRECATED: the old UI's entry points (see the module docstring).
def account_for(session: jmap.Session, creds: Any, fetch: Fetch) -> Account:
    return (V016Account if session.is_stalwart else LegacyAccount)(session, creds, fetch)


async def connect(server: str, creds: Any, fetch: Fetch) -> Account:
    """DEPRECATED: use ``sign_in``. Discover the session with ``creds`` and
    pick the backend from it. Raises AuthRequired / MfaRequired / CannotReach / ..."""
    try:
        session = await jmap.discover_session(server, creds.authorization_header(), fetch)
    except CannotReach as e:
        raise await jmap.diagnose_cannot_reach(e, fetch) from None
    return account_for(session, creds, fetch)



__all__ = [
    # the account layer
    "sign_in", "SecurityAccount", "SecurityState", "SignIn", "Access", "ALLOWED", "Feature",
    "PasswordFeature", "TwoFactorFeature", "CredentialFeature", "CredentialOptions",
    "EncryptionFeature", "Outcome", "HalfDone", "BY_ANSWER", "BY_CHECK", "CONTINUES",
    "REPLACED", "ENDED", "TotpSetup", "Created", "AppPassword", "ApiKey", "PublicKey",
    "Encryption", "FIELDS", "MAYBE_APPLIED", "SECURITY_PERMISSIONS", "state",
    # deprecated (old UI)
    "connect", "account_for", "Account", "V016Account", "LegacyAccount", "UNSET",
    "OldSecurityState", "Changed", "PasswordChange", "Unavailable", "FEATURES", "PASSWORD",
    "TOTP", "APP_PASSWORDS", "API_KEYS", "PUBLIC_KEYS", "ENCRYPTION", "ALGORITHMS_016",
    "ALGORITHMS_LEGACY"]
