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
    stay_note: Optional[Say] = None  # what "stay signed in" keeps for a password sign-in here


def card(options: Any, stay: bool = False) -> SignInCard:
    """``options``: ``app.auth.SignInOptions`` (generation "0.16", "legacy" or
    "unknown" when the server's discovery could not be read); ``stay``: "stay
    signed in in this tab" is ticked."""
    note = None
    if stay:
        note = Say("ui.stay.password_legacy" if options.generation == "legacy" else "ui.stay.password_016")
    if options.login_page:
        # 0.16 takes the code on its own sign-in page, never with a password here
        return SignInCard(True, options.generation != "0.16", None, False, note)
    return SignInCard(False, True, Say(options.reason or "unavailable.login_page_legacy"), True, note)


# ------------------------------------------------------------- "stay signed in in this tab"
# What the page keeps in this tab's sessionStorage when the user ticked the box,
# by how they signed in. Never a password: on 0.11-0.15 a password sign-in is
# traded once for the server's own token (``app.auth.password_sign_in``), which
# is kept instead; on 0.16 a password sign-in cannot be kept at all.
TOKEN, APP_PASSWORD, API_KEY, NOTHING = "token", "app_password", "api_key", "nothing"


def kept(method: str, oauth_token: bool) -> str:
    """What "stay signed in" keeps for this sign-in. ``oauth_token``: the
    credentials are a token of the server's (its sign-in page, a device, or a
    0.11-0.15 password traded for one)."""
    if oauth_token:
        return TOKEN
    if method == "app_password":
        # revocable on its own, listed as "this sign-in"; 0.16 only (on 0.11-0.15
        # an app password cannot be told from a password: traded for a token)
        return APP_PASSWORD
    if method == "api_key":
        return API_KEY
    return NOTHING


def kept_line(stay: bool, what: str) -> Optional[Say]:
    """Under "Signed in as": whether a reload keeps this sign-in."""
    if not stay:
        return None
    return Say("ui.who.kept") if what != NOTHING else Say("ui.who.not_kept")


def reload_note(marker: str) -> Say:
    """The sign-in card after a reload ended the sign-in. ``marker``: what the
    last page in this tab noted ("not_kept": the box was ticked, but a password
    sign-in is never kept)."""
    return Say("ui.signin.reload_not_kept" if marker == "not_kept" else "ui.signin.reload_ended")


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


__all__ = ["SignInCard", "card", "DeviceView", "device", "kept", "kept_line", "reload_note",
           "TOKEN", "APP_PASSWORD", "API_KEY", "NOTHING"]
