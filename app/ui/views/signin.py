"""The sign-in card: what it offers for the server at hand, the device sign-in
in progress, and what "stay signed in in this tab" keeps."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

from app.ui.views.say import Say


@dataclass(frozen=True)
class SignInCard:
    login_page: bool            # "Sign in with your mail server" (its own sign-in page)
    code_field: bool            # the two-factor code next to the password (0.11-0.15 only)
    notice: Optional[Say]       # why the server's sign-in page is not offered
    open_other: bool            # open "Other ways to sign in": password (+ code) comes first


def card(options: Any) -> SignInCard:
    """``options``: ``app.auth.SignInOptions`` (generation "0.16", "legacy" or
    "unknown" when the server's discovery could not be read)."""
    if options.login_page:
        # 0.16 takes the code on its own sign-in page, never with a password here
        return SignInCard(True, options.generation != "0.16", None, False)
    return SignInCard(False, True, Say(options.reason or "unavailable.login_page_legacy"), True)


@dataclass(frozen=True)
class DeviceView:
    go: Say                     # "Open" (the address follows)
    link: Optional[str]         # the address as a link, when it may be one
    code_label: Say
    waiting: Say                # that the page is waiting, and for how long the code is valid


def device(dev: Any, now: float) -> DeviceView:
    """``dev``: ``app.auth.DeviceAuthorization`` in progress."""
    minutes = max(0, math.ceil((dev.expires_at - now) / 60))
    return DeviceView(Say("ui.signin.device_go"), dev.link, Say("ui.signin.device_code"),
                      Say("ui.signin.device_waiting", {"minutes": minutes}))


__all__ = ["SignInCard", "card", "DeviceView", "device"]
