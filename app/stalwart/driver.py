"""The one interface both server drivers implement: ``Driver``.

``Driver016`` (0.16: JMAP ``x:`` objects, every change and the re-read of the
whole state in one request) and ``DriverLegacy`` (0.11–0.15: REST, the change
then a GET of the part it affects) answer the same calls, and every change
returns the fresh ``SecurityState``. ``SecurityAccount`` holds one and never
asks which. What a generation lacks raises ``Unsupported`` (the state says
so first, so the account refuses it before it gets here).

A change that ends the sign-in before anything could be read after it
(0.11–0.15 only: the read is a second request) returns None, and one whose
read after it failed raises ``Unread``: the change itself is in place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

from app.errors import AuthRequired, MfaRequired, StalwartError
from app.stalwart.models import Created
from app.stalwart.state import SecurityState
from app.vocab import Area, CredentialKind, Generation, KeyKind


class Unread(Exception):
    """The server confirmed the change, but reading the state after it failed
    (``error``). ``ended``: the read was refused for these credentials (401 /
    402), so the change ended this sign-in (e.g. it wiped the app password in
    use). Not a ``StalwartError``: nothing failed that the user asked for."""

    def __init__(self, error: StalwartError):
        super().__init__(error.message)
        self.error = error

    @property
    def ended(self) -> bool:
        return isinstance(self.error, (AuthRequired, MfaRequired))


@dataclass
class NewCredential:
    """An app password or API key to create, as checked by the account.
    ``made``: the credential with its secret when the PAGE makes the secret
    (0.11–0.15), known before anything is sent, so a lost answer loses
    nothing; None when the server makes it (0.16)."""
    kind: CredentialKind
    description: str
    expires: Optional[str] = None                   # UTCDateTime, None: never
    allowed_ips: dict[str, bool] = field(default_factory=dict)  # empty: any address
    block_security_changes: bool = False
    made: Optional[Created] = None


@dataclass
class KeyUpload:
    """A public key checked by ``app.keys`` and the setting to turn on with it."""
    description: str
    text: str              # the normalised key, exactly what is uploaded
    kind: KeyKind
    emails: list[str]
    algorithm: str
    encrypt_on_append: bool = False
    allow_spam_training: bool = False


@dataclass
class Uploaded:
    """What upload-and-enable did: the fresh state; the stored key's id (0.16:
    keys are stored apart from the setting); ``half_done``: why turning
    encryption on with it failed after the key was stored."""
    state: SecurityState
    key_id: Optional[str] = None
    half_done: Optional[StalwartError] = None


class Driver(Protocol):
    """One server generation. ``read_as`` (password and two-factor changes):
    the credentials this sign-in goes on with once the change is in place
    (the same ones, or the new ones the page built), which a read after the
    change must use; None when the change ends the sign-in (then nothing is
    read after it)."""

    generation: Generation
    label: str

    async def read_permissions(self) -> None:
        """The effective permissions of these credentials, where the server tells."""

    async def read(self, area: Optional[Area] = None, creds: Any = None) -> SecurityState:
        """The whole state; ``area``: only what a change of that area can
        affect needs to be fresh; ``creds``: read with these credentials."""

    async def change_password(self, current: str, new: str, code: Optional[str], *,
                              read_as: Any) -> Optional[SecurityState]: ...

    async def turn_on_totp(self, current: str, url: str, *,
                           read_as: Any) -> Optional[SecurityState]: ...

    async def replace_totp(self, current: str, url: str, code: str, *,
                           read_as: Any) -> Optional[SecurityState]: ...

    async def turn_off_totp(self, current: str, code: str, *,
                            read_as: Any) -> Optional[SecurityState]: ...

    def new_credential(self, kind: CredentialKind, description: str, expires: Optional[str],
                       allowed_ips: dict[str, bool], block_security_changes: bool) -> NewCredential:
        """The credential to create (the page makes its secret where it must)."""

    async def create_credential(self, new: NewCredential) -> tuple[Created, SecurityState]: ...

    async def revoke_credential(self, kind: CredentialKind, id: str) -> SecurityState:
        """Already gone counts as done."""

    async def upload_and_enable(self, key: KeyUpload) -> Uploaded: ...

    async def use_key(self, key_id: str, algorithm: str, encrypt_on_append: bool,
                      allow_spam_training: bool) -> SecurityState: ...

    async def disable_encryption(self) -> SecurityState: ...

    async def delete_key(self, key_id: str) -> SecurityState: ...

    async def set_locale(self, locale: str) -> SecurityState:
        """The account's language setting (0.16 ``x:AccountSettings.locale``)."""

    async def probe_password(self, login: str, password: str) -> bool:
        """Does ``password`` sign in now? (Checks a password change whose answer was lost.)"""

    async def probe_totp(self, current: str, url: str) -> tuple[Optional[bool], Optional[SecurityState]]:
        """Is ``url`` the stored two-factor key now? With the state when it was read."""

    def forget(self) -> None:
        """Sign-out: drop whatever the driver keeps of the account."""


__all__ = ["Driver", "Unread", "NewCredential", "KeyUpload", "Uploaded"]
