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
"""
from __future__ import annotations

from app.stalwart.account import FIELDS, MAYBE_APPLIED, SecurityAccount, sign_in
from app.stalwart.models import ApiKey, AppPassword, Created, Encryption, PublicKey
from app.stalwart.outcomes import BY_ANSWER, BY_CHECK, HalfDone, Outcome
from app.stalwart.state import (ALLOWED, CONTINUES, ENDED, REPLACED, Access, CredentialFeature,
                                CredentialOptions, EncryptionFeature, Feature, PasswordFeature,
                                SecurityState, SignIn, TwoFactorFeature)
from app.stalwart.twofactor import TotpSetup
from app.stalwart.validate import SECURITY_PERMISSIONS


__all__ = [
    # the account layer
    "sign_in", "SecurityAccount", "SecurityState", "SignIn", "Access", "ALLOWED", "Feature",
    "PasswordFeature", "TwoFactorFeature", "CredentialFeature", "CredentialOptions",
    "EncryptionFeature", "Outcome", "HalfDone", "BY_ANSWER", "BY_CHECK", "CONTINUES",
    "REPLACED", "ENDED", "TotpSetup", "Created", "AppPassword", "ApiKey", "PublicKey",
    "Encryption", "FIELDS", "MAYBE_APPLIED", "SECURITY_PERMISSIONS", "state"]
