"""The per-user UI state: ONE object, replaced when the user signs out, so
nothing of one user's (a two-factor set-up, a checked key, the ids whose
secret was never shown, what the message boxes say) can reach the next."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class SecretShown:
    """The new app password / API key on screen, and whether it was copied."""
    kind: str = "app"        # "app" | "api"
    copied: bool = False
    warned: bool = False     # the "not copied yet" warning was shown


@dataclass
class UserUi:
    # the signed-in account (app.stalwart.SecurityAccount) and its last state
    account: Any = None
    state: Any = None
    # two-factor: the set-up in progress (its key lives only there, in memory)
    totp_setup: Any = None
    kit_saved: bool = False      # downloaded the kit (or ticked "saved elsewhere")
    disabling: bool = False      # the "Turn off" form is open
    # app passwords / API keys made in this session whose secret was never shown
    unseen: set = field(default_factory=set)
    secret: SecretShown = field(default_factory=SecretShown)
    # encryption at rest: the last key report, and what it was made from
    key_report: Any = None
    key_text: Optional[str] = None
    fingerprints: dict = field(default_factory=dict)  # key text -> Fingerprint (a check is slow)
    # a device sign-in in progress (app.auth.DeviceAuthorization): cancelled by setting None
    device: Any = None
    # the last strength of the new password typed (painted again on a language switch)
    strength: Any = None
    # what each message box shows now, by element id: painted again on a language
    # switch, and dropped once the state shows it is no longer true
    slots: dict = field(default_factory=dict)

    def close(self) -> None:
        """Sign-out: the 2FA set-up's key and the account's credentials go."""
        if self.totp_setup is not None:
            self.totp_setup.discard()
        self.totp_setup = None
        if self.account is not None:
            self.account.close()
