"""A two-factor set-up in progress: the new key lives here, and only here,
until it is saved. Made by ``SecurityAccount.start_two_factor_setup()``;
the UI keeps the one object and drops it on cancel, save or sign-out (the
account also wipes every set-up it made when it is closed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from app import totp


@dataclass
class TotpSetup:
    account_name: str
    issuer: str
    replacing: bool            # moving to a new app: the current code is needed too
    secret: str = field(repr=False, default="")
    url: str = field(repr=False, default="")

    @property
    def active(self) -> bool:
        return bool(self.secret)

    @property
    def key(self) -> str:
        """The key in groups of four, for typing it into an app by hand."""
        return totp.group_key(self.secret) if self.secret else ""

    def check(self, code: str) -> bool:
        """Is ``code`` what the new app shows now (±30 s)? Checked here, in
        the page: the server does not check the first code."""
        return bool(self.secret) and totp.check_code(self.url, code or "")

    def qr_svg(self, title: Optional[str] = None, lang: Optional[str] = None) -> str:
        return totp.qr_svg(self.url, title, lang) if self.url else ""

    def recovery_kit(self, server: str, lang: str = "en") -> str:
        return totp.recovery_kit(self.account_name, self.issuer, self.secret, self.url, server, lang)

    def discard(self) -> None:
        self.secret = ""
        self.url = ""


__all__ = ["TotpSetup"]
