"""The one interface both backends implement.

DEPRECATED: the old UI's account interface. The account layer is
``app.stalwart.account.SecurityAccount`` (docs/ACCOUNT-API.md); delete this
module's ``Account`` and the backends' public methods once app/ui has moved.
``unavailable`` and ``UNSET`` go with them."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from app.http import Fetch
from app.i18n import t
from app.jmap import Session
from app.stalwart.models import (Changed, Created, Encryption, SecurityState, Unavailable)

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
"""Default of optional update arguments: "leave unchanged" (None means "clear")."""


def unavailable(permissions: list[str], key: str = "unavailable.permissions",
                server_text: Optional[str] = None) -> Unavailable:
    return Unavailable(list(permissions), key,
                       t(key, "en", permissions=", ".join(permissions)), server_text)


class Account:
    """A signed-in account on one server. Create it with ``app.stalwart.connect``."""

    generation = ""

    def __init__(self, session: Session, creds: Any, fetch: Fetch):
        self.session = session
        self.creds = creds
        self.fetch = fetch

    @property
    def username(self) -> str:
        return self.session.username

    @property
    def origin(self) -> str:
        return self.session.origin

    def authorization(self) -> str:
        return self.creds.authorization_header()

    # DEPRECATED (old UI only): use SecurityAccount (refreshes by itself before each call).
    async def refresh_if_expiring(self, client_id: Optional[str] = None,
                                  now: Optional[float] = None) -> bool:
        """OAuth: swap an (almost) expired access token for a new one with its
        refresh token. Returns True if the credentials changed; raises
        AuthRequired when the refresh token no longer works."""
        from app import auth
        c = self.creds
        if not isinstance(c, auth.Bearer) or c.kind != "oauth" or not c.expired(now):
            return False
        if not c.refresh_token:
            return False
        self.creds = await auth.refresh(self.origin, c, self.fetch,
                                        client_id or auth.DEFAULT_CLIENT_ID)
        return True

    # --- the interface ---------------------------------------------------------------
    # DEPRECATED (old UI only): use SecurityAccount.load / sign_in.
    async def load(self) -> SecurityState:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.change_password.
    async def change_password(self, current: str, new: str,
                              otp_code: Optional[str] = None) -> Changed:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.enable_totp.
    async def enable_totp(self, current_password: str, otp_url: str,
                          current_code: Optional[str] = None) -> Changed:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.disable_totp.
    async def disable_totp(self, current_password: str, code: str) -> Changed:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.create_app_password.
    async def create_app_password(self, description: str, expires_at: Any = None,
                                  allowed_ips: Optional[Iterable[str]] = None,
                                  permissions: Optional[dict] = None) -> Created:
        raise NotImplementedError

    # DEPRECATED (old UI only): use (no UI; SecurityAccount has no edit yet).
    async def update_app_password(self, id: str, description: Any = UNSET,
                                  expires_at: Any = UNSET, allowed_ips: Any = UNSET,
                                  permissions: Any = UNSET) -> None:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.revoke_app_password.
    async def revoke_app_password(self, id: str) -> None:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.create_api_key.
    async def create_api_key(self, description: str, expires_at: Any = None,
                             allowed_ips: Optional[Iterable[str]] = None,
                             permissions: Optional[dict] = None) -> Created:
        raise NotImplementedError

    # DEPRECATED (old UI only): use (no UI; SecurityAccount has no edit yet).
    async def update_api_key(self, id: str, description: Any = UNSET, expires_at: Any = UNSET,
                             allowed_ips: Any = UNSET, permissions: Any = UNSET) -> None:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.revoke_api_key.
    async def revoke_api_key(self, id: str) -> None:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.upload_and_enable.
    async def upload_public_key(self, description: str, key_text: str,
                                emails: Optional[Iterable[str]] = None) -> str:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.delete_public_key.
    async def delete_public_key(self, id: str) -> None:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.use_key / disable_encryption / upload_and_enable.
    async def set_encryption(self, settings: Encryption) -> None:
        raise NotImplementedError

    # DEPRECATED (old UI only): use SecurityAccount.upload_and_enable.
    async def upload_and_enable(self, description: str, key_text: str,
                                emails: Optional[Iterable[str]] = None,
                                algorithm: str = "Aes256", encrypt_on_append: bool = False,
                                allow_spam_training: bool = False) -> Optional[str]:
        raise NotImplementedError
