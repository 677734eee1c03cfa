"""One signed-in user's connection: session, credentials, transport,
permissions. Owned by one ``SecurityAccount``; nothing here is shared
between users, so dropping the account drops all of it."""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from app import jmap
from app.errors import SignedOut
from app.http import Fetch
from app.vocab import Generation, SessionEffect, SignInMethod

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz792013"  # Stalwart's base32 (ids, app passwords)
# 0.16 app password: "app_" (0.16.0-0.16.2: "app ") + base32(credentialId u32 BE || 18 random bytes)
_APP_PASSWORD = re.compile(r"app.([a-z012379]{36})\Z")
# 0.16 API key: "API_" + base64url(accountId u32 BE || credentialId u32 BE || 20 random bytes)
_API_KEY = re.compile(r"API_([A-Za-z0-9_-]{38})\Z")


def encode_id(n: int) -> str:
    if n == 0:
        return "a"
    out = []
    while n:
        out.append(ID_ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


def _b32_decode(s: str) -> Optional[bytes]:
    bits = 0
    for ch in s:
        i = ID_ALPHABET.find(ch)
        if i < 0:
            return None
        bits = (bits << 5) | i
    extra = (len(s) * 5) % 8
    return (bits >> extra).to_bytes(len(s) * 5 // 8, "big")


def credential_id_of(creds: Any) -> Optional[str]:
    """The JMAP id of the app password / API key these 0.16 credentials
    are (the id is inside the secret), so the UI can mark "this sign-in"."""
    from app.auth import Basic, Bearer
    if isinstance(creds, Basic):
        m = _APP_PASSWORD.match(creds.secret or "")
        raw = _b32_decode(m.group(1)) if m else None
        return encode_id(int.from_bytes(raw[:4], "big")) if raw and len(raw) >= 4 else None
    if isinstance(creds, Bearer) and creds.kind == "apikey":
        m = _API_KEY.match(creds.token.strip())
        if not m:
            return None
        try:
            raw = base64.urlsafe_b64decode(m.group(1) + "==")
        except (binascii.Error, ValueError):
            return None
        return encode_id(int.from_bytes(raw[4:8], "big")) if len(raw) >= 8 else None
    return None


def sign_in_method(creds: Any, generation: Generation) -> SignInMethod:
    """How the user signed in. On 0.11-0.15 an app password cannot be told
    from a password (any string works as either): Basic counts as password."""
    from app.auth import Basic, Bearer
    if isinstance(creds, Basic):
        if generation == Generation.V016 and _APP_PASSWORD.match(creds.secret or ""):
            return SignInMethod.APP_PASSWORD
        return SignInMethod.PASSWORD
    if isinstance(creds, Bearer):
        return SignInMethod.API_KEY if creds.kind == "apikey" else SignInMethod.OAUTH
    return SignInMethod.OAUTH


@dataclass
class Connection:
    session: jmap.Session
    creds: Any = field(repr=False)
    fetch: Fetch = field(repr=False)
    # 0.16: the effective permissions (GET /api/account), None when unknown
    permissions: Optional[frozenset] = None
    # The single sign-on provider that manages the password (app.sso.provider_of)
    provider: Any = None
    # 0.16: do credential limits hold (0.16.15+)? (app.stalwart.rights.probe)
    limits_hold: Optional[bool] = None
    # Called with the new credentials whenever the account switches to them (an
    # OAuth refresh, a password change made while signed in with that password).
    on_credentials: Optional[Callable[[Any], None]] = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        return self.session.origin

    @property
    def username(self) -> str:
        return self.session.username

    @property
    def generation(self) -> Generation:
        return self.session.generation

    def authorization(self) -> str:
        if self.creds is None:
            raise SignedOut()
        return self.creds.authorization_header()

    def login(self) -> str:
        """The login to prove a password with (Basic): what the user typed
        when they signed in that way, else the session's user name."""
        return getattr(self.creds, "login", None) or self.session.username

    def method(self) -> SignInMethod:
        return sign_in_method(self.creds, self.generation)

    def effect_of(self, effect: SessionEffect, password: str) -> SessionEffect:
        """What a change that REPLACES a password sign-in's credentials does to
        this one: on 0.11-0.15 Basic with another secret than ``password`` is an
        app password, which goes on as it is (it may survive: 0.11-0.13)."""
        if effect == SessionEffect.REPLACED and getattr(self.creds, "secret", None) != password:
            return SessionEffect.CONTINUES
        return effect

    def switch(self, creds: Any) -> None:
        """Go on with ``creds`` (and tell whoever keeps them)."""
        self.creds = creds
        if self.on_credentials is not None:
            self.on_credentials(creds)

    async def refresh_if_expiring(self) -> None:
        """OAuth: swap an (almost) expired access token using its refresh token."""
        from app import auth
        c = self.creds
        if isinstance(c, auth.Bearer) and c.kind == "oauth" and c.expired() and c.refresh_token:
            self.switch(await auth.refresh(self.origin, c, self.fetch, auth.DEFAULT_CLIENT_ID))

    def close(self) -> None:
        self.creds = None
        self.permissions = None
        self.on_credentials = None
