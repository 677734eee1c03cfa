"""Account security operations for the signed-in user, both server generations.

The API the UI uses (see docs/ACCOUNT-API.md):

    account = await sign_in("https://mail.example.com", creds, fetch)
    account.state                    # SecurityState: what the account can do
    outcome = await account.change_password(current, new, code, confirm=again)
    outcome.state                    # fresh, read with the change

``SecurityAccount`` has one method per user action; ``Outcome`` says what is
now true; errors are the typed ones of ``app.errors``. The server generation
(0.16 registry objects over JMAP, or 0.11–0.15 REST) comes from the session
and picks the driver (``driver.Driver``: ``drive016`` or ``drivelegacy``);
the account never asks which. ``state`` carries what the page needs to know
as facts (what is permitted, which options exist, what a change does to the
sign-in, the password policy: ``app.vocab``), not as a version to test.
"""
from __future__ import annotations

import importlib

# The page paints and its overview draws with ``app.stalwart.state`` alone: the
# rest (the account, the drivers, 2FA, validation) is imported when a name from
# it is first used, at sign-in, or earlier in idle time (app.warm), so that
# importing this package at start does not cost the whole account layer.
_WHERE = {
    **dict.fromkeys(("sign_in", "SecurityAccount", "FIELDS", "MAYBE_APPLIED"), "account"),
    **dict.fromkeys(("ApiKey", "AppPassword", "Created", "Encryption", "PublicKey"), "models"),
    **dict.fromkeys(("BY_ANSWER", "BY_CHECK", "HalfDone", "Outcome"), "outcomes"),
    **dict.fromkeys(("ALLOWED", "CONTINUES", "ENDED", "REPLACED", "Access", "CredentialFeature",
                     "CredentialOptions", "EncryptionFeature", "Feature", "PasswordFeature",
                     "SecurityState", "SignIn", "TwoFactorFeature"), "state"),
    "TotpSetup": "twofactor",
    "SECURITY_PERMISSIONS": "v016",
}


def __getattr__(name: str):
    if name == "state":
        return importlib.import_module(__name__ + ".state")
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    # the account layer
    "sign_in", "SecurityAccount", "SecurityState", "SignIn", "Access", "ALLOWED", "Feature",
    "PasswordFeature", "TwoFactorFeature", "CredentialFeature", "CredentialOptions",
    "EncryptionFeature", "Outcome", "HalfDone", "BY_ANSWER", "BY_CHECK", "CONTINUES",
    "REPLACED", "ENDED", "TotpSetup", "Created", "AppPassword", "ApiKey", "PublicKey",
    "Encryption", "FIELDS", "MAYBE_APPLIED", "SECURITY_PERMISSIONS", "state"]
