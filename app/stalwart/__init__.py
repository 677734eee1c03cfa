"""Account security operations behind one interface, two backends.

    account = await connect("https://mail.example.com", Basic(login, pw), fetch)
    state = await account.load()

The backend comes from the authenticated session: ``urn:stalwart:jmap`` in the
account's capabilities means 0.16 (``v016``), otherwise 0.11–0.15 (``legacy``).
"""
from __future__ import annotations

from typing import Any

from app import jmap
from app.errors import CannotReach
from app.http import Fetch
from app.stalwart.base import UNSET, Account
from app.stalwart.legacy import LegacyAccount
from app.stalwart.models import (ALGORITHMS_016, ALGORITHMS_LEGACY, API_KEYS, APP_PASSWORDS,
                                 ENCRYPTION, FEATURES, PASSWORD, PUBLIC_KEYS, TOTP, ApiKey,
                                 AppPassword, Changed, Created, Encryption, PasswordChange,
                                 PublicKey, SecurityState, Unavailable)
from app.stalwart.v016 import V016Account


def account_for(session: jmap.Session, creds: Any, fetch: Fetch) -> Account:
    return (V016Account if session.is_stalwart else LegacyAccount)(session, creds, fetch)


async def connect(server: str, creds: Any, fetch: Fetch) -> Account:
    """Discover the session with ``creds`` and pick the backend from it.
    Raises AuthRequired / MfaRequired / CannotReach / ... (``app.errors``)."""
    try:
        session = await jmap.discover_session(server, creds.authorization_header(), fetch)
    except CannotReach as e:
        raise await jmap.diagnose_cannot_reach(e, fetch) from None
    return account_for(session, creds, fetch)


__all__ = ["connect", "account_for", "Account", "V016Account", "LegacyAccount", "UNSET",
           "SecurityState", "AppPassword", "ApiKey", "PublicKey", "Encryption", "Created",
           "Changed", "PasswordChange", "Unavailable", "FEATURES", "PASSWORD", "TOTP",
           "APP_PASSWORDS", "API_KEYS", "PUBLIC_KEYS", "ENCRYPTION", "ALGORITHMS_016",
           "ALGORITHMS_LEGACY"]
